"""Sampler diagnostics checked after every fit: divergences, R-hat, ESS.

:func:`check_fit` computes them with ArviZ (never by hand), returns a
:class:`DiagnosticsReport` and, if anything is wrong, warns loudly with
:class:`~bayes_scaling.errors.FitDiagnosticsWarning` saying what to try.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import arviz as az
import numpy as np
import xarray as xr

from bayes_scaling.errors import FitDiagnosticsWarning

RHAT_MAX = 1.01
ESS_PER_CHAIN_MIN = 100


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


def fit_report(tree: xr.DataTree) -> DiagnosticsReport:
    """The diagnostics verdict of a fit: the one stored by ``fit()`` in its attrs, or, for a
    tree without it, computed now by :func:`check_fit` (without warning)."""
    stored = tree.attrs.get("diagnostics")
    if not stored:
        return check_fit(tree, warn=False)
    fields = json.loads(stored)
    fields.pop("ok", None)
    return DiagnosticsReport(**fields)
