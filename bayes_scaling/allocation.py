"""Compute-optimal allocation of a joint scaling-law fit, as posterior distributions.

For ``L(N, D) = E + A N^-alpha + B D^-beta`` and a compute budget ``C = 6 N D``
(:class:`~bayes_scaling.models.joint.JointScalingLaw`), minimising ``L`` over the
constraint gives, per posterior draw (Hoffmann et al. 2022, Appendix D.2)::

    G    = (alpha A / (beta B)) ** (1 / (alpha + beta))
    N*   = G       * (C / 6) ** a,        a = beta  / (alpha + beta)
    D*   = G ** -1 * (C / 6) ** b,        b = alpha / (alpha + beta)

Both reducible terms then scale with the same power of compute, so the loss at the
optimum has a closed form too::

    L*(C) = E + K (C / 6) ** -gamma,      gamma = alpha beta / (alpha + beta),
                                          K = A G^-alpha + B G^beta

``L*`` decreases monotonically from ``inf`` to ``E``, and its inverse is exact::

    C*(L) = 6 (K / (L - E)) ** (1 / gamma)     if L > E,   inf otherwise.

:func:`compute_for_target_loss` uses that inverse (tests check it against a numerical
root search of ``L*``). Projections are *total*: a target at or below ``E`` gives
``inf`` draws and lowers ``p_reachable``; nothing raises.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_scaling import dims
from bayes_scaling.errors import ProjectionError
from bayes_scaling.model_types import JOINT_SCALING
from bayes_scaling.models.joint import FLOP_PER_PARAM_TOKEN, joint_loss
from bayes_scaling.projection import (
    Target,
    parse_targets,
    target_applicability,
    target_notes,
    target_values,
)
from bayes_scaling.summaries import ci_defaults, posterior_interval

__all__ = [
    "compute_for_target_loss",
    "compute_optimal_allocation",
    "optimal_loss",
    "summarize_allocation",
]

#: ``resource`` labels of the allocation: model size N* and training tokens D*.
RESOURCES: tuple[str, str] = ("params", "data")


def _check_fit(fit: xr.DataTree) -> None:
    if fit.attrs.get("model_type") != JOINT_SCALING:
        raise ProjectionError(
            f"compute-optimal allocation needs a {JOINT_SCALING!r} fit "
            f"(JointScalingLaw), got {fit.attrs.get('model_type')!r}"
        )


def _flop_per_param_token(fit: xr.DataTree) -> float:
    config = json.loads(fit.attrs.get("model_config", "{}"))
    return float(config.get("flop_per_param_token", FLOP_PER_PARAM_TOKEN))


def _log_law(fit: xr.DataTree) -> dict[str, xr.DataArray]:
    """Log-scale pieces of the optimum per draw: ``log_g``, exponents, ``log_k``, ``gamma``."""
    post = fit["posterior"]
    alpha, beta = post["alpha"], post["beta"]
    log_a, log_b = np.log(post["A"]), np.log(post["B"])
    total = alpha + beta
    log_g = (np.log(alpha) + log_a - np.log(beta) - log_b) / total
    # log K = log(A G^-alpha + B G^beta), summed in log space (A, B may be huge)
    log_k = np.logaddexp(log_a - alpha * log_g, log_b + beta * log_g)
    return {"E": post["E"], "alpha": alpha, "beta": beta, "log_g": log_g,
            "a": beta / total, "b": alpha / total, "gamma": alpha * beta / total,
            "log_k": log_k}


def _budgets(compute: Any) -> np.ndarray:
    values = np.atleast_1d(np.asarray(compute, dtype=float))
    if values.ndim != 1 or values.size == 0:
        raise ProjectionError(f"compute must be a number or a 1-d array of budgets, got "
                              f"shape {values.shape}")
    if not np.all(np.isfinite(values) & (values > 0)):
        raise ProjectionError(f"compute budgets must be finite and > 0 (FLOP), got {values}")
    return values


def _allocation_at(law: dict[str, xr.DataArray], log_c6: xr.DataArray) -> xr.DataArray:
    """``(N*, D*)`` on the ``resource`` dim for ``log(C / 6)`` (broadcast)."""
    log_n = law["log_g"] + law["a"] * log_c6
    log_d = -law["log_g"] + law["b"] * log_c6
    with np.errstate(over="ignore"):
        return np.exp(xr.concat([log_n, log_d], dim=dims.RESOURCE)).assign_coords(
            {dims.RESOURCE: list(RESOURCES)})


def compute_optimal_allocation(fit: xr.DataTree, compute: Any) -> xr.Dataset:
    """Posterior of the compute-optimal model size and data for given compute budgets.

    Parameters
    ----------
    fit : xarray.DataTree
        A ``joint_scaling`` fit (:class:`~bayes_scaling.models.joint.JointScalingLaw`).
    compute : float or array-like
        Compute budgets ``C`` in FLOP (``C = 6 N D``).

    Returns
    -------
    xarray.Dataset
        On the ``size`` dim, whose coordinate holds the budgets ``C`` (FLOP):

        * ``allocation`` (chain, draw, curve, size, resource): ``N*`` (``resource="params"``)
          and ``D*`` (``resource="data"``) minimising ``L`` subject to ``C = 6 N D``;
        * ``optimal_loss`` (chain, draw, curve, size): ``L(N*, D*)``;
        * ``tokens_per_param`` (chain, draw, curve, size): ``D* / N*``;
        * ``allocation_exponent`` (chain, draw, curve, resource): ``a = beta/(alpha+beta)``
          and ``b = alpha/(alpha+beta)`` with ``N* ∝ C^a``, ``D* ∝ C^b``.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import JointScalingLaw
    >>> fit = JointScalingLaw(load_dataset("chinchilla-epoch2024")).fit(
    ...     draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.allocation import compute_optimal_allocation
    >>> alloc = compute_optimal_allocation(fit, [5.76e23])  # Chinchilla's budget, FLOP
    >>> dict(alloc["allocation"].sizes)
    {'chain': 2, 'draw': 200, 'curve': 1, 'size': 1, 'resource': 2}
    >>> alloc["resource"].values.tolist()
    ['params', 'data']
    """
    _check_fit(fit)
    budgets = _budgets(compute)
    flop = _flop_per_param_token(fit)
    law = _log_law(fit)
    coord = xr.DataArray(budgets, dims=dims.SIZE, coords={dims.SIZE: budgets})
    log_c6 = np.log(coord / flop)
    alloc = _allocation_at(law, log_c6)
    n_opt = alloc.sel({dims.RESOURCE: "params"}, drop=True)
    d_opt = alloc.sel({dims.RESOURCE: "data"}, drop=True)
    post = fit["posterior"]
    loss = joint_loss(n_opt, d_opt, **{k: post[k] for k in ("E", "A", "B", "alpha", "beta")})
    sample_curve = (dims.CHAIN, dims.DRAW, dims.CURVE)
    exponent = xr.concat([law["a"], law["b"]], dim=dims.RESOURCE).assign_coords(
        {dims.RESOURCE: list(RESOURCES)})
    out = xr.Dataset({
        "allocation": alloc.transpose(*sample_curve, dims.SIZE, dims.RESOURCE),
        "optimal_loss": loss.transpose(*sample_curve, dims.SIZE),
        "tokens_per_param": (d_opt / n_opt).transpose(*sample_curve, dims.SIZE),
        "allocation_exponent": exponent.transpose(*sample_curve, dims.RESOURCE),
    })
    out[dims.SIZE].attrs.update({"long_name": "training compute budget C", "units": "FLOP"})
    out.attrs.update({"quantity": "compute_optimal_allocation",
                      "constraint": f"C = {flop:g} N D", "flop_per_param_token": flop})
    return out


def optimal_loss(fit: xr.DataTree, compute: Any) -> xr.DataArray:
    """Loss at the compute-optimal allocation, ``L*(C) = E + K (C/6)^-gamma``.

    Parameters
    ----------
    fit : xarray.DataTree
        A ``joint_scaling`` fit.
    compute : float or array-like
        Budgets in FLOP.

    Returns
    -------
    xarray.DataArray
        (chain, draw, curve, size), ``size`` holding the budgets.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import JointScalingLaw
    >>> fit = JointScalingLaw(load_dataset("chinchilla-epoch2024")).fit(
    ...     draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.allocation import optimal_loss
    >>> loss = optimal_loss(fit, [1e21, 1e23])
    >>> dict(loss.sizes)
    {'chain': 2, 'draw': 200, 'curve': 1, 'size': 2}
    >>> bool((loss.isel(size=1) < loss.isel(size=0)).all())  # more compute, lower loss
    True
    """
    _check_fit(fit)
    budgets = _budgets(compute)
    law = _log_law(fit)
    coord = xr.DataArray(budgets, dims=dims.SIZE, coords={dims.SIZE: budgets})
    log_c6 = np.log(coord / _flop_per_param_token(fit))
    return (law["E"] + np.exp(law["log_k"] - law["gamma"] * log_c6)).transpose(
        dims.CHAIN, dims.DRAW, dims.CURVE, dims.SIZE)


def compute_for_target_loss(fit: xr.DataTree,
                            targets: Sequence[Target | float | str] | Target | float | str,
                            ) -> xr.Dataset:
    """Posterior of the compute needed to reach target losses when allocated optimally.

    Parameters
    ----------
    fit : xarray.DataTree
        A ``joint_scaling`` fit.
    targets : target spec or sequence of them
        :meth:`bayes_scaling.projection.Target.parse` specs: an absolute loss (``1.9``)
        or a factor (``"x0.95"``) of the curve's compute-optimal loss at the largest
        compute budget in its data (per draw).

    Returns
    -------
    xarray.Dataset
        ``compute`` (chain, draw, curve, target) in FLOP, ``inf`` where the target is at
        or below ``E`` (unreachable); ``log10_compute`` (``inf`` where unreachable; finite
        even where ``compute`` overflows float64); ``allocation`` (..., target, resource):
        ``N*`` and ``D*`` at that compute (``inf`` where unreachable); ``target_value``;
        ``reachable`` and ``p_reachable`` (curve, target); ``current_compute`` (curve);
        ``applicable`` (curve, target): a named target for some curves only counts on
        those (``compute`` ``NaN`` and not reachable elsewhere; ``attrs["target_notes"]``).
        Never raises for an unreachable target.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import JointScalingLaw
    >>> fit = JointScalingLaw(load_dataset("chinchilla-epoch2024")).fit(
    ...     draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.allocation import compute_for_target_loss
    >>> need = compute_for_target_loss(fit, [2.0, "x0.9", 1.0])  # 1.0: below most floors E
    >>> need["target"].values.tolist()
    ['2', 'x0.9', '1']
    >>> bool((need["p_reachable"] <= 1).all())
    True
    """
    _check_fit(fit)
    parsed = parse_targets(targets)
    flop = _flop_per_param_token(fit)
    law = _log_law(fit)
    current = fit["constant_data"]["max_compute"]
    now = law["E"] + np.exp(law["log_k"] - law["gamma"] * np.log(current / flop))
    target_value = target_values(now, parsed)
    excess = target_value - law["E"]
    applicable = target_applicability(parsed, current[dims.CURVE].values)
    reachable = excess > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        log_c6 = (law["log_k"] - np.log(excess.where(reachable))) / law["gamma"]
    log_c6 = log_c6.where(reachable, np.inf)
    with np.errstate(over="ignore"):
        compute = flop * np.exp(log_c6)
    log10_compute = (log_c6 + np.log(flop)) / np.log(10.0)
    alloc = _allocation_at(law, log_c6).where(reachable, np.inf)
    sample_curve = (dims.CHAIN, dims.DRAW, dims.CURVE, dims.TARGET)
    out = xr.Dataset({
        "compute": compute.where(applicable).transpose(*sample_curve),
        "log10_compute": log10_compute.where(applicable).transpose(*sample_curve),
        "allocation": alloc.where(applicable).transpose(*sample_curve, dims.RESOURCE),
        "target_value": target_value.transpose(*sample_curve),
        "reachable": (reachable & applicable).transpose(*sample_curve),
        "applicable": applicable,
    })
    out["p_reachable"] = out["reachable"].mean(dims.SAMPLE_DIMS)
    out["current_compute"] = current
    out.attrs.update({"quantity": "compute_for_target_loss", "constraint": f"C = {flop:g} N D",
                      "targets": [f"{t.kind}:{t.value:g}" for t in parsed],
                      "relative_to": "compute-optimal loss at the largest compute in the data"})
    notes = target_notes(parsed, applicable)
    if notes:
        out.attrs["target_notes"] = notes
    return out


def summarize_allocation(allocation: xr.Dataset, *, ci_prob: float | None = None,
                         ci_kind: str | None = None) -> pd.DataFrame:
    """Median and credible interval of ``N*``, ``D*``, ``L*`` and ``D*/N*`` per budget.

    Parameters
    ----------
    allocation : xarray.Dataset
        Output of :func:`compute_optimal_allocation`.
    ci_prob, ci_kind : optional
        Interval probability and kind (``"eti"``/``"hdi"``); ArviZ's
        ``stats.ci_prob`` / ``stats.ci_kind`` by default.

    Returns
    -------
    pandas.DataFrame
        One row per (curve, compute, quantity): ``median, lower, upper, ci_prob, ci_kind``;
        quantities ``params`` (N*), ``data`` (D*), ``optimal_loss``, ``tokens_per_param``.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import JointScalingLaw
    >>> fit = JointScalingLaw(load_dataset("chinchilla-epoch2024")).fit(
    ...     draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.allocation import compute_optimal_allocation, summarize_allocation
    >>> table = summarize_allocation(compute_optimal_allocation(fit, [5.76e23]))
    >>> table["quantity"].tolist()
    ['params', 'data', 'optimal_loss', 'tokens_per_param']
    """
    prob, kind = ci_defaults(ci_prob, ci_kind)
    pieces = {
        "params": allocation["allocation"].sel({dims.RESOURCE: "params"}, drop=True),
        "data": allocation["allocation"].sel({dims.RESOURCE: "data"}, drop=True),
        "optimal_loss": allocation["optimal_loss"],
        "tokens_per_param": allocation["tokens_per_param"],
    }
    rows = []
    for quantity, values in pieces.items():
        med, low, up = posterior_interval(values, prob, kind)
        for curve in values[dims.CURVE].values:
            for budget in values[dims.SIZE].values:
                sel = {dims.CURVE: curve, dims.SIZE: budget}
                rows.append({"curve": str(curve), "compute": float(budget),
                             "quantity": quantity, "median": float(med.sel(sel)),
                             "lower": float(low.sel(sel)), "upper": float(up.sel(sel)),
                             "ci_prob": prob, "ci_kind": kind})
    return pd.DataFrame(rows)
