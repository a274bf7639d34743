"""Named scientific hypotheses as ready-made evidence comparisons.

Each hypothesis is a pair of forms fitted to the same table, compared by the evidence
**per domain** (blocks are independent, so per-domain Bayes factors come from the same
fits) and overall, with Monte Carlo errors; PSIS-LOO is reported alongside.

* ``shared-exponent`` (Hestness et al. 2017: "model improvements shift the error but not
  the exponent"): ``power_law_irreducible+shared(beta)`` (one exponent per domain) vs
  ``power_law_irreducible`` (one per curve/architecture).
* ``polynomial-vs-exponential`` (Thompson et al. 2020): on error-vs-compute tables,
  ``power_law`` (compute polynomial in 1/error, degree ``k = 1/beta``) vs
  ``exp_log_compute`` (error linear in log compute: compute exponential in error), per
  benchmark, with the robust likelihood (published-model tables are messy).
* ``irreducible-error``: ``power_law_irreducible`` vs ``power_law`` (no floor).

A verdict reads: which side the evidence favours in each domain, the log Bayes factor
``+/-`` its Monte Carlo error, the posterior probability of the hypothesis with its
interval, and Kass & Raftery's words; "undecided" when ``|log BF| < 2 se`` or the
Bayes factor is "not worth more than a bare mention".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_scaling import dims
from bayes_scaling.comparison.evidence import (
    _probabilities,
    block_evidence,
    evidence_strength,
    log_evidence,
)
from bayes_scaling.comparison.forms import FormComparison, compare_forms, parse_form
from bayes_scaling.data import as_table
from bayes_scaling.errors import ModelConfigError
from bayes_scaling.models.form import SMCConfig
from bayes_scaling.summaries import ci_defaults

__all__ = ["HYPOTHESES", "Hypothesis", "HypothesisResult", "test_hypothesis"]


@dataclass(frozen=True)
class Hypothesis:
    """A named comparison: ``h1`` (the hypothesis) against ``h0`` (its alternative).

    Examples
    --------
    >>> from bayes_scaling.comparison.hypotheses import HYPOTHESES
    >>> sorted(HYPOTHESES)
    ['irreducible-error', 'polynomial-vs-exponential', 'shared-exponent']
    >>> hypothesis = HYPOTHESES["shared-exponent"]
    >>> hypothesis.h1, hypothesis.h0
    ('power_law_irreducible+shared(beta)', 'power_law_irreducible')
    """

    name: str
    statement: str
    h1: str
    h0: str
    size: str | None
    reference: str


#: The named hypotheses of :func:`test_hypothesis`, by name.
HYPOTHESES: dict[str, Hypothesis] = {h.name: h for h in (
    Hypothesis("shared-exponent",
               "model improvements shift the error but not the exponent: one exponent per "
               "domain fits as well as one per curve",
               h1="power_law_irreducible+shared(beta)", h0="power_law_irreducible",
               size=None,
               reference="Hestness et al. 2017, Deep Learning Scaling is Predictable, "
                         "Empirically, sec. 4"),
    Hypothesis("polynomial-vs-exponential",
               "error falls polynomially in compute (compute ~ error^-k), rather than compute "
               "growing exponentially as error falls",
               h1="power_law+robust", h0="exp_log_compute+robust", size="compute",
               reference="Thompson et al. 2020, The Computational Limits of Deep Learning"),
    Hypothesis("irreducible-error",
               "the learning curves flatten towards an irreducible error",
               h1="power_law_irreducible", h0="power_law", size=None,
               reference="Hestness et al. 2017, eq. 1"),
)}


@dataclass
class HypothesisResult:
    """Verdict of :func:`test_hypothesis`.

    Attributes
    ----------
    hypothesis : Hypothesis
    by_domain : pandas.DataFrame
        One row per domain and ``"(all)"``: ``log_bayes_factor`` (h1 vs h0) and its
        Monte Carlo ``se``, ``prob_h1`` with ``prob_low``/``prob_high``, ``strength``,
        ``favours`` (``"h1"``, ``"h0"`` or ``"undecided"``) and ``verdict`` text.
    comparison : FormComparison
        The fits and the evidence/LOO tables.

    Examples
    --------
    >>> from bayes_scaling.models import SMCConfig
    >>> from bayes_scaling.simulate import simulate_form_curves
    >>> sim = simulate_form_curves("power_law_irreducible",
    ...                            {"alpha": 0.1, "beta": 0.5, "gamma": 0.02}, seed=1)
    >>> from bayes_scaling.comparison.hypotheses import test_hypothesis
    >>> result = test_hypothesis("irreducible-error", sim.frame,
    ...                          smc=SMCConfig(draws=200, chains=2, seed=1))
    >>> result.by_domain[["domain", "favours"]]  # a floor was simulated
       domain favours
    0     sim      h1
    1   (all)      h1
    >>> print(result.verdict())  # doctest: +ELLIPSIS
    Hypothesis 'irreducible-error' (Hestness et al. 2017, eq. 1): the learning curves flatten ...
      H1 = power_law_irreducible   vs   H0 = power_law
      sim: evidence favours H1 (very strong): log BF(H1:H0) = ...
    """

    hypothesis: Hypothesis
    by_domain: pd.DataFrame
    comparison: FormComparison
    problems: list[str] = field(default_factory=list)

    def verdict(self) -> str:
        """The verdict in words, one line per domain, then the overall line."""
        h = self.hypothesis
        lines = [f"Hypothesis {h.name!r} ({h.reference}): {h.statement}.",
                 f"  H1 = {h.h1}   vs   H0 = {h.h0}"]
        lines += [f"  {row.domain}: {row.verdict}" for row in self.by_domain.itertuples()]
        loo = self.comparison.loo
        if loo is not None:
            best = loo.index[0]
            lines.append(f"  PSIS-LOO prefers {best} (elpd_diff of the other "
                         f"{float(loo['elpd_diff'].iloc[1]):.1f} +/- "
                         f"{float(loo['dse'].iloc[1]):.1f})")
        if self.problems:
            lines += [f"  ! {p}" for p in self.problems]
        return "\n".join(lines)


def _row(domain: str, e1: pd.Series, e0: pd.Series, ci_prob: float, seed: int) -> dict[str, Any]:
    log_bf = float(e1["log_evidence"] - e0["log_evidence"])
    se = float(np.hypot(e1["log_evidence_se"], e0["log_evidence_se"]))
    prob, low, high = _probabilities(np.array([log_bf, 0.0]), np.array([se, 0.0]), ci_prob,
                                     seed, 4000)
    strength = evidence_strength(log_bf)
    if abs(log_bf) < 2 * se or strength == "not worth more than a bare mention":
        favours = "undecided"
        text = (f"undecided: log BF(H1:H0) = {log_bf:+.2f} +/- {se:.2f} "
                f"(P(H1) = {prob[0]:.2f} [{low[0]:.2f}, {high[0]:.2f}])")
    else:
        favours = "h1" if log_bf > 0 else "h0"
        text = (f"evidence favours {favours.upper()} ({strength}): log BF(H1:H0) = "
                f"{log_bf:+.2f} +/- {se:.2f}, P(H1) = {prob[0]:.3g} "
                f"[{low[0]:.3g}, {high[0]:.3g}]")
    return {"domain": domain, "log_bayes_factor": log_bf, "se": se, "prob_h1": prob[0],
            "prob_low": low[0], "prob_high": high[0], "strength": strength,
            "favours": favours, "verdict": text}


def test_hypothesis(name: str, data: Any, *, smc: SMCConfig | None = None,
                    loo: bool = True, ci_prob: float | None = None,
                    fits: Mapping[str, xr.DataTree] | None = None, n_jobs: int | None = None,
                    client: Any = None, progress: bool = False) -> HypothesisResult:
    """Run a named hypothesis on a table and return its verdict.

    Parameters
    ----------
    name : str
        A key of :data:`HYPOTHESES`.
    data : ScalingData, pandas.DataFrame or path
        The table (an error-vs-compute table for ``polynomial-vs-exponential``).
    smc : SMCConfig, optional
        SMC settings.
    loo : bool
        Also report PSIS-LOO.
    ci_prob : float, optional
        Probability of the intervals (ArviZ's default if omitted).
    fits : mapping of str to xarray.DataTree, optional
        Earlier SMC fits to reuse (see :func:`~bayes_scaling.comparison.compare_forms`).
    n_jobs, client, progress
        Where the SMC blocks run, as in :func:`~bayes_scaling.comparison.compare_forms`.

    Returns
    -------
    HypothesisResult

    Examples
    --------
    >>> from bayes_scaling.models import SMCConfig
    >>> from bayes_scaling.simulate import simulate_form_curves
    >>> sim = simulate_form_curves("power_law_irreducible",
    ...                            {"alpha": 0.1, "beta": 0.5, "gamma": 0.02}, seed=1)
    >>> from bayes_scaling.comparison.hypotheses import test_hypothesis
    >>> result = test_hypothesis("irreducible-error", sim.frame,
    ...                          smc=SMCConfig(draws=200, chains=2, seed=1))
    >>> result.hypothesis.name, result.by_domain["favours"].tolist()
    ('irreducible-error', ['h1', 'h1'])
    >>> sorted(result.comparison.fits)
    ['power_law', 'power_law_irreducible']
    """
    if name not in HYPOTHESES:
        raise ModelConfigError(f"unknown hypothesis {name!r}; valid: {sorted(HYPOTHESES)}")
    h = HYPOTHESES[name]
    ci_prob, _ = ci_defaults(ci_prob, None)
    smc = smc or SMCConfig()
    table = as_table(data, size=h.size)
    if name == "shared-exponent":
        per_domain = table.frame.groupby("domain")["curve"].nunique()
        if (per_domain < 2).all():
            raise ModelConfigError("shared-exponent needs a domain with at least 2 curves "
                                   f"(curves per domain: {per_domain.to_dict()})")
    methods = ("evidence", "loo") if loo else ("evidence",)
    h1, h0 = parse_form(h.h1).name, parse_form(h.h0).name
    comparison = compare_forms(table, [h1, h0], methods=methods, smc=smc, fits=fits,
                               n_jobs=n_jobs, client=client, progress=progress)
    e1 = block_evidence(comparison.fits[h1], by=dims.DOMAIN, name=h1)
    e0 = block_evidence(comparison.fits[h0], by=dims.DOMAIN, name=h0)
    rows = [_row(str(d), e1.loc[d], e0.loc[d], ci_prob, smc.seed) for d in e1.index]
    total1, total0 = (pd.Series(log_evidence(comparison.fits[k], name=k),
                                index=["log_evidence", "log_evidence_se"]) for k in (h1, h0))
    rows.append(_row("(all)", total1, total0, ci_prob, smc.seed))
    by_domain = pd.DataFrame(rows)
    by_domain.attrs["ci_prob"] = ci_prob
    return HypothesisResult(h, by_domain, comparison, list(comparison.problems))


test_hypothesis.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
