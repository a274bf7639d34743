"""Sampler diagnostics checked after every fit: divergences, R-hat, ESS.

:func:`check_fit` computes them with ArviZ (never by hand), returns a
:class:`DiagnosticsReport` and, if anything is wrong, warns loudly with
:class:`~bayes_scaling.errors.FitDiagnosticsWarning` saying what to try.

The automatic remedy (``SamplerConfig(auto_remedy=...)``: on by default for full-length
runs, see :class:`~bayes_scaling.models.SamplerConfig`; CLI ``--auto-remedy``)
refits a failing fit with the settings of :func:`remedy_settings` (higher target
acceptance, twice the tuning, and twice the draws when R-hat or ESS failed) and keeps the
best attempt by :func:`remedy_rank`; every attempt is logged and stored in the fit's
``remedy_log`` attr (:func:`remedy_log`).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from bayes_scaling.errors import FitDiagnosticsWarning

__all__ = [
    "DiagnosticsReport",
    "check_blocks",
    "check_fit",
    "remedy_settings",
]

RHAT_MAX = 1.01
ESS_PER_CHAIN_MIN = 100
#: Target acceptance of the successive automatic-remedy attempts (after the first fit).
REMEDY_TARGET_ACCEPT: tuple[float, ...] = (0.99, 0.995)


@dataclass(frozen=True)
class DiagnosticsReport:
    """Verdict on a fit's sampler diagnostics.

    Attributes
    ----------
    divergences : int
        Divergent transitions after tuning.
    max_rhat : float
        Largest rank-normalised split R-hat over all free parameters.
    min_ess_bulk, min_ess_tail : float
        Smallest bulk / tail effective sample size.
    n_draws : int
        Total posterior draws (chains x draws).
    problems : list of str
        One line per failed check, with advice.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.diagnostics import check_fit
    >>> report = check_fit(fit, warn=False)
    >>> report.n_chains, report.n_draws
    (2, 400)
    >>> report.ok == (not report.problems)
    True
    >>> report.verdict.split(":")[0] in ("OK", "PROBLEMS")
    True
    """

    divergences: int
    max_rhat: float
    min_ess_bulk: float
    min_ess_tail: float
    n_chains: int
    n_draws: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return not self.problems

    @property
    def verdict(self) -> str:
        """One-line human summary."""
        head = (f"{self.divergences} divergences, max R-hat {self.max_rhat:.3f}, "
                f"min bulk ESS {self.min_ess_bulk:.0f}, min tail ESS {self.min_ess_tail:.0f}")
        return f"OK: {head}" if self.ok else f"PROBLEMS: {head}. " + " ".join(self.problems)

    @property
    def failed_checks(self) -> set[str]:
        """Which checks failed: a subset of ``{"divergences", "rhat", "ess"}``."""
        failed = set()
        if self.divergences:
            failed.add("divergences")
        if self.n_chains >= 2 and not self.max_rhat <= RHAT_MAX:
            failed.add("rhat")
        ess_min = ESS_PER_CHAIN_MIN * self.n_chains
        if not self.min_ess_bulk >= ess_min or not self.min_ess_tail >= ess_min:
            failed.add("ess")
        return failed

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (for JSON attrs and reports)."""
        return {**asdict(self), "ok": self.ok}


def _free_variables(tree: xr.DataTree) -> list[str]:
    """Posterior variables that are sampled (not deterministics), if recorded."""
    post = tree["posterior"].to_dataset()
    names = list(post.data_vars)
    sampled = tree.attrs.get("sampled_vars")
    if sampled:
        keep = set(json.loads(sampled))
        names = [n for n in names if n in keep]
    return names


def check_fit(tree: xr.DataTree, *, warn: bool = True) -> DiagnosticsReport:
    """Check divergences, R-hat and ESS of a fitted ``DataTree``.

    Parameters
    ----------
    tree : xarray.DataTree
        A fit with ``posterior`` and ``sample_stats`` groups.
    warn : bool, default True
        Emit a :class:`FitDiagnosticsWarning` listing the problems and remedies.

    Returns
    -------
    DiagnosticsReport

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.diagnostics import check_fit
    >>> report = check_fit(fit, warn=False)  # warn=True: a FitDiagnosticsWarning if it fails
    >>> sorted(report.to_dict())  # doctest: +NORMALIZE_WHITESPACE
    ['divergences', 'max_rhat', 'min_ess_bulk', 'min_ess_tail', 'n_chains', 'n_draws', 'ok',
     'problems']
    """
    post = tree["posterior"].to_dataset()
    n_chains, n_draws = post.sizes["chain"], post.sizes["draw"]
    divergences = 0
    if "sample_stats" in tree.children and "diverging" in tree["sample_stats"]:
        divergences = int(tree["sample_stats"]["diverging"].sum())
    names = _free_variables(tree)
    # Deterministics that are constant across draws give NaN R-hat; ignore those.
    rhat = az.rhat(post[names])
    ess_bulk = az.ess(post[names], method="bulk")
    ess_tail = az.ess(post[names], method="tail")

    def _extreme(ds: xr.Dataset, fn: Any) -> float:
        vals = np.concatenate([np.ravel(ds[v].values) for v in ds.data_vars] or [np.array([])])
        vals = vals[np.isfinite(vals)]
        return float(fn(vals)) if vals.size else float("nan")

    max_rhat = _extreme(rhat, np.max)
    min_bulk = _extreme(ess_bulk, np.min)
    min_tail = _extreme(ess_tail, np.min)
    problems: list[str] = []
    if divergences:
        problems.append(
            f"{divergences} divergent transitions: the posterior has regions the sampler "
            "cannot explore; try target_accept=0.95 or 0.99, stronger priors on poorly "
            "identified parameters (e.g. the floor of curves that have not flattened), "
            "or the robust likelihood if outliers pull the fit."
        )
    if n_chains >= 2 and not max_rhat <= RHAT_MAX:
        problems.append(
            f"max R-hat {max_rhat:.3f} > {RHAT_MAX}: chains disagree; run more tuning/draws "
            "(tune=2000, draws=2000) and look for multi-modality in the trace."
        )
    ess_min = ESS_PER_CHAIN_MIN * n_chains
    if not min_bulk >= ess_min or not min_tail >= ess_min:
        problems.append(
            f"low effective sample size (bulk {min_bulk:.0f}, tail {min_tail:.0f}; want >= "
            f"{ess_min} = {ESS_PER_CHAIN_MIN} per chain): draw more samples or reparameterise; "
            "intervals and tail probabilities are unreliable."
        )
    report = DiagnosticsReport(divergences, max_rhat, min_bulk, min_tail, n_chains,
                               n_chains * n_draws, problems)
    if warn and problems:
        warnings.warn("Sampler diagnostics failed: " + " ".join(problems),
                      FitDiagnosticsWarning, stacklevel=3)
    return report


def check_blocks(tree: xr.DataTree, dim: str, *,
                 member_of: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """R-hat and ESS of the sampled parameters, block by block.

    For a posterior that factorises over independent blocks (the curves, or domains, of
    :class:`~bayes_scaling.models.CurveFormModel`), each block's parameters can be judged
    on their own: the blocks that mixed are usable even when another did not.

    Parameters
    ----------
    tree : xarray.DataTree
        A fit with a ``posterior`` group.
    dim : str
        The blocks' dim (``"curve"`` or ``"domain"``).
    member_of : dict of str to numpy.ndarray, optional
        For a parameter on another dim, each of its coordinates' block (e.g. ``{"curve":
        the domain of each curve}`` when the blocks are domains).

    Returns
    -------
    pandas.DataFrame
        Index: the blocks (``dim``'s coordinates); ``max_rhat``, ``min_ess_bulk``,
        ``min_ess_tail`` and ``ok`` (the limits of :func:`check_fit`). Constant parameters
        (NaN R-hat) are ignored, as there.

    Raises
    ------
    ValueError
        If a sampled parameter is on neither ``dim`` nor a dim of ``member_of`` (shared by
        all blocks, so no block can be judged alone).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> rng = np.random.default_rng(0)
    >>> good = rng.normal(size=(4, 500))
    >>> stuck = good + np.arange(4)[:, None]  # four chains in four places
    >>> post = xr.Dataset({"a": (("chain", "draw", "curve"), np.stack([good, stuck], -1))},
    ...                   coords={"curve": ["c0", "c1"]})
    >>> check_blocks(xr.DataTree.from_dict({"posterior": post}), "curve")["ok"].to_dict()
    {'c0': True, 'c1': False}
    """
    post = tree["posterior"].to_dataset()
    names = _free_variables(tree)
    member_of = member_of or {}
    blocks = post[dim].values
    n_chains = post.sizes["chain"]
    stats = {"max_rhat": az.rhat(post[names]),
             "min_ess_bulk": az.ess(post[names], method="bulk"),
             "min_ess_tail": az.ess(post[names], method="tail")}
    worst = {"max_rhat": "max", "min_ess_bulk": "min", "min_ess_tail": "min"}
    parts: dict[str, list[pd.Series]] = {column: [] for column in worst}
    for name in names:
        var_dims = post[name].dims
        if dim in var_dims:
            along, owner = dim, blocks
        else:
            along = next((d for d in member_of if d in var_dims), None)
            if along is None:
                raise ValueError(f"{name} (dims {var_dims}) is shared by all blocks: no block "
                                 f"of {dim!r} can be judged alone")
            owner = np.asarray(member_of[along])
        for column, values in stats.items():
            per = values[name]  # NaN (a constant parameter) is skipped below
            other = [d for d in per.dims if d != along]
            if other:
                per = getattr(per, worst[column])(dim=other)
            parts[column].append(pd.Series(per.to_numpy(), index=owner))
    table = pd.DataFrame(
        {column: (pd.concat(series).groupby(level=0).agg(worst[column]) if series
                  else pd.Series(dtype=float)).reindex(blocks)
         for column, series in parts.items()}).rename_axis(dim)
    # a block without a measured parameter has no ESS to fail
    table[["min_ess_bulk", "min_ess_tail"]] = table[["min_ess_bulk", "min_ess_tail"]].fillna(
        np.inf)
    ess_min = ESS_PER_CHAIN_MIN * n_chains
    table["ok"] = ((table["max_rhat"].isna() | (table["max_rhat"] <= RHAT_MAX)
                    if n_chains >= 2 else True)
                   & (table["min_ess_bulk"] >= ess_min) & (table["min_ess_tail"] >= ess_min))
    return table


def fit_report(tree: xr.DataTree) -> DiagnosticsReport:
    """The diagnostics verdict of a fit: the one stored by ``fit()`` in its attrs, or, for a
    tree without it, computed now by :func:`check_fit` (without warning)."""
    stored = tree.attrs.get("diagnostics")
    if not stored:
        return check_fit(tree, warn=False)
    fields = json.loads(stored)
    fields.pop("ok", None)
    return DiagnosticsReport(**fields)


def remedy_settings(settings: dict[str, Any], report: DiagnosticsReport,
                    attempt: int) -> dict[str, Any]:
    """Sampler settings for automatic-remedy ``attempt`` (1, 2, ...) after a failed fit.

    Target acceptance rises to ``REMEDY_TARGET_ACCEPT[attempt - 1]`` (never lowered),
    tuning doubles, and draws double when R-hat or ESS failed (more draws do not help
    divergences). The seed is kept, so a remedied fit is as reproducible as any other.

    Parameters
    ----------
    settings : dict
        The previous attempt's sampler settings (``draws``, ``tune``, ``target_accept``...).
    report : DiagnosticsReport
        The previous attempt's diagnostics.
    attempt : int
        1 for the first remedy, up to ``len(REMEDY_TARGET_ACCEPT)``.

    Returns
    -------
    dict
        New settings (a copy).

    Examples
    --------
    >>> r = DiagnosticsReport(3, 1.0, 900.0, 900.0, 4, 4000, ["3 divergent transitions"])
    >>> remedy_settings({"draws": 1000, "tune": 1000, "target_accept": 0.9}, r, 1)
    {'draws': 1000, 'tune': 2000, 'target_accept': 0.99}
    """
    new = dict(settings)
    target = REMEDY_TARGET_ACCEPT[min(attempt, len(REMEDY_TARGET_ACCEPT)) - 1]
    new["target_accept"] = max(float(settings.get("target_accept") or 0.0), target)
    new["tune"] = int(settings["tune"]) * 2
    if report.failed_checks & {"rhat", "ess"}:
        new["draws"] = int(settings["draws"]) * 2
    return new


def remedy_rank(report: DiagnosticsReport) -> tuple[bool, int, float, float]:
    """Sort key of attempts, larger is better: passing, fewer divergences, lower R-hat,
    higher ESS (NaN counts as worst)."""
    rhat = report.max_rhat if np.isfinite(report.max_rhat) else np.inf
    ess = min(report.min_ess_bulk, report.min_ess_tail)
    return (report.ok, -report.divergences, -rhat, ess if np.isfinite(ess) else -np.inf)


def remedy_log(attempts: list[tuple[dict[str, Any], DiagnosticsReport]],
               kept: int) -> dict[str, Any]:
    """The ``remedy_log`` attr: each attempt's settings and diagnostics, which one was kept
    and whether problems remain."""
    return {
        "attempts": [{"attempt": i, "settings": settings, "diagnostics": report.to_dict()}
                     for i, (settings, report) in enumerate(attempts)],
        "kept": kept,
        "problems_remain": not attempts[kept][1].ok,
    }
