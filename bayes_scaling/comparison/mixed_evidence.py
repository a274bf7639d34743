"""A form whose NUTS fit fails on some blocks only: those blocks from SMC, the rest kept.

The blocks of a :class:`~bayes_scaling.models.CurveFormModel` (its curves, or its domains
when parameters are shared) are independent, so the posterior of one NUTS fit of all of
them factorises, and each block's parameters can be judged on their own
(:func:`~bayes_scaling.diagnostics.check_blocks`). A form such as ``three_region`` can
have two modes on a few curves (where the break points fall): NUTS chains then disagree
on those curves while every other curve mixed. :func:`failing_blocks` finds them, SMC
(which moves between modes by tempering) samples only them, and :func:`splice_smc_blocks`
puts its draws, pointwise log likelihood and evidence in their place. The other blocks
keep their NUTS draws and bridge-sampling evidence (:mod:`bayes_scaling.comparison.bridge`).

A divergent transition moves every block at once and cannot be attributed to one, so a
fit with divergences is not split: :func:`failing_blocks` returns ``None`` and the whole
form goes to SMC.

Because the blocks are independent, pairing one block's draws with another's draw by draw
is arbitrary: any pairing is a draw from the joint posterior. The spliced fit has the
NUTS fit's chains; its draws are thinned evenly to what the SMC runs can fill.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from bayes_scaling import dims
from bayes_scaling.comparison.evidence import BRIDGE_LOG_EVIDENCE
from bayes_scaling.diagnostics import check_blocks, check_fit, fit_report
from bayes_scaling.models.blocks import BlockResult, pooled_log_evidence
from bayes_scaling.models.form import BLOCK

__all__ = ["BLOCK_EVIDENCE_METHOD", "failing_blocks", "splice_smc_blocks"]

#: ``sample_stats`` variable (dim ``block``) naming each block's evidence estimator.
BLOCK_EVIDENCE_METHOD = "block_evidence_method"


def failing_blocks(model: Any, fit: xr.DataTree) -> list[str] | None:
    """The blocks of ``model`` whose parameters failed R-hat or ESS in its NUTS ``fit``.

    Parameters
    ----------
    model : CurveFormModel
        The model ``fit`` was sampled from.
    fit : xarray.DataTree
        Its NUTS fit.

    Returns
    -------
    list of str or None
        The failing blocks, in :meth:`CurveFormModel.blocks` order (empty if every block
        passed); ``None`` if the fit diverged, which no block can be blamed for.
    """
    if fit_report(fit).divergences:
        return None
    member_of = ({dims.CURVE: np.asarray(model.index.curve_domain)}
                 if model.block_dim == dims.DOMAIN else None)
    table = check_blocks(fit, model.block_dim, member_of=member_of)
    return [str(block) for block in table.index[~table["ok"].to_numpy(bool)]]


def splice_smc_blocks(model: Any, fit: xr.DataTree,
                      results: Sequence[BlockResult]) -> xr.DataTree:
    """Replace some blocks of a NUTS fit (with bridge evidence) by their SMC runs.

    Parameters
    ----------
    model : CurveFormModel
        The model of ``fit``.
    fit : xarray.DataTree
        Its NUTS fit with ``evidence.BRIDGE_LOG_EVIDENCE`` in ``sample_stats``
        (:func:`~bayes_scaling.comparison.bridge.add_bridge_evidence`; the replaced
        blocks' values may be NaN).
    results : sequence of BlockResult
        SMC runs of some of ``model``'s blocks (``model.smc_tasks(...)``, filtered).

    Returns
    -------
    xarray.DataTree
        A new fit: those blocks' posterior draws, pointwise log likelihood and evidence
        from SMC, the others' from ``fit``; draws thinned evenly to what every run fills;
        ``sample_stats[BLOCK_EVIDENCE_METHOD]`` per block, the ``evidence_method`` attr
        ``"bridge+smc"``, ``smc_blocks`` (JSON list) and the diagnostics recomputed.

    Raises
    ------
    ValueError
        If a result is not a block of ``model`` or ``results`` is empty.
    """
    blocks = model.blocks()
    if not results:
        raise ValueError("no SMC results to splice in")
    unknown = [r.name for r in results if not 0 <= r.index < len(blocks)]
    if unknown:
        raise ValueError(f"{unknown} are not blocks of {model.name} ({blocks})")
    names = [blocks[r.index] for r in results]
    sets = [r.datasets() for r in results]
    post = fit["posterior"].to_dataset()
    for result, (block_post, _) in zip(results, sets, strict=True):
        if set(block_post.data_vars) != set(post.data_vars):
            raise ValueError(f"{result.name}'s SMC run has the variables "
                             f"{sorted(block_post.data_vars)}, the fit "
                             f"{sorted(post.data_vars)}: not runs of the same model")
    n_chains, n_draws = post.sizes[dims.CHAIN], post.sizes[dims.DRAW]
    smc_draws = min(p.sizes[dims.CHAIN] * p.sizes[dims.DRAW] for p, _ in sets)
    keep = min(n_draws, smc_draws // n_chains)
    picked = _even(n_draws, keep)
    tree = fit.copy(deep=True)
    thinned = {}
    for group in ("posterior", "log_likelihood", "sample_stats"):
        data = tree[group].to_dataset()
        if dims.DRAW in data.dims:
            data = data.isel({dims.DRAW: picked}).assign_coords({dims.DRAW: np.arange(keep)})
        thinned[group] = data
    stats = thinned["sample_stats"]
    method = np.array(["bridge"] * len(blocks), dtype=object)
    remedies = {}
    for block, result, (block_post, block_ll) in zip(names, results, sets, strict=True):
        result.reemit_warnings()
        for name in block_post.data_vars:
            _place(thinned["posterior"][name], _as_draws(block_post[name], n_chains, keep))
        rows = model.block_rows(block)
        for name in block_ll.data_vars:
            values = _as_draws(block_ll[name], n_chains, keep).assign_coords(
                {dims.OBS: rows})
            _place(thinned["log_likelihood"][name], values)
        position = blocks.index(block)
        log_z, se = pooled_log_evidence(result.log_z)
        stats[BRIDGE_LOG_EVIDENCE[0]].values[position] = log_z
        stats[BRIDGE_LOG_EVIDENCE[1]].values[position] = se
        method[position] = "smc"
        if result.remedy is not None:
            remedies[block] = result.remedy
    stats[BLOCK_EVIDENCE_METHOD] = xr.DataArray(method.astype(str), dims=BLOCK,
                                                coords={BLOCK: blocks})
    for group, data in thinned.items():
        tree[group] = xr.DataTree(data)
    tree.attrs["evidence_method"] = "bridge+smc"
    tree.attrs["smc_blocks"] = json.dumps(names)
    if remedies:
        tree.attrs["smc_remedy"] = json.dumps(remedies, sort_keys=True, default=str)
    tree.attrs["diagnostics"] = json.dumps(check_fit(tree, warn=False).to_dict(),
                                           sort_keys=True)
    return tree


def _even(n: int, keep: int) -> np.ndarray:
    """``keep`` positions spread evenly over ``range(n)``."""
    return np.unique(np.linspace(0, n - 1, keep).round().astype(int))


def _as_draws(values: xr.DataArray, n_chains: int, keep: int) -> xr.DataArray:
    """An SMC run's draws as ``n_chains`` chains of ``keep`` draws: per chain, particles
    spread evenly over the chain when the chains match; else over all particles."""
    chains, draws = values.sizes[dims.CHAIN], values.sizes[dims.DRAW]
    if chains == n_chains:
        out = values.isel({dims.DRAW: _even(draws, keep)})
    else:
        flat = values.stack(_sample=(dims.CHAIN, dims.DRAW)).isel(
            _sample=_even(chains * draws, n_chains * keep))
        rest = [d for d in flat.dims if d != "_sample"]
        array = flat.transpose("_sample", *rest).values
        array = array.reshape(n_chains, keep, *array.shape[1:])
        out = xr.DataArray(array, dims=(dims.CHAIN, dims.DRAW, *rest),
                           coords={d: flat[d] for d in rest if d in flat.coords})
    return out.assign_coords({dims.CHAIN: np.arange(n_chains), dims.DRAW: np.arange(keep)})


def _place(target: xr.DataArray, values: xr.DataArray) -> None:
    """Write ``values`` into ``target`` at ``values``' coordinates of the non-draw dims
    (in place; the chain and draw positions are taken as they are)."""
    where = {d: values[d].values for d in values.dims
             if d not in (dims.CHAIN, dims.DRAW) and d in values.coords}
    target.loc[where] = values.transpose(*target.dims).values
