"""Model evidence (log marginal likelihood) from SMC fits, with its Monte Carlo error.

Each SMC chain gives an estimate ``z_j = log Z_j`` of a block's log evidence (blocks are
the independent curves or domains of a :class:`~bayes_scaling.models.CurveFormModel`).
Per block, the chains are pooled as SMC's unbiased estimator of ``Z`` is::

    log Z_hat = log mean_j exp(z_j)
    se(log Z_hat) = sd_j(exp(z_j)) / (sqrt(J) * mean_j exp(z_j))        (delta method)

A table's evidence is the sum over its blocks, its variance the sum of the blocks'
variances. Bayes factors and posterior model probabilities propagate these errors:
``log BF`` has ``se = sqrt(se_1^2 + se_2^2)``, and the probabilities are summarised over
Monte Carlo draws ``log Z_k ~ Normal(log Z_hat_k, se_k)`` (interval from ArviZ's
defaults). A :class:`~bayes_scaling.errors.ComparisonWarning` is raised when an estimate's
error is too large to trust (``se > max_se``) or the two best models cannot be ranked
(``|log BF| < 2 se``).

Interpretation follows Kass & Raftery (1995) on the ``2 log BF`` scale.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr
from scipy.special import softmax

from bayes_scaling import dims
from bayes_scaling.errors import ComparisonWarning, ModelConfigError
from bayes_scaling.models.blocks import pooled_log_evidence
from bayes_scaling.models.form import BLOCK
from bayes_scaling.summaries import ci_defaults

__all__ = ["MAX_EVIDENCE_SE", "block_evidence", "compare_evidence", "evidence_strength",
           "log_evidence"]

#: ``sample_stats`` variables (dim ``block``) where a NUTS fit keeps its blocks'
#: bridge-sampling evidence (:func:`bayes_scaling.comparison.bridge.add_bridge_evidence`).
BRIDGE_LOG_EVIDENCE = ("block_log_evidence", "block_log_evidence_se")
#: Monte Carlo error (nats) above which an evidence estimate is flagged.
MAX_EVIDENCE_SE = 0.5


def _chain_log_z(fit: xr.DataTree, name: str = "fit") -> xr.DataArray:
    stats = fit.get("sample_stats")
    if stats is None or "log_marginal_likelihood" not in stats:
        raise ModelConfigError(
            f"{name}: no log marginal likelihood; evidence needs an SMC fit "
            "(CurveFormModel.fit_smc), NUTS fits do not estimate it")
    values = stats["log_marginal_likelihood"]
    if BLOCK not in values.dims:
        raise ModelConfigError(f"{name}: log_marginal_likelihood has dims {values.dims}; "
                               f"expected ({dims.CHAIN}, {BLOCK}) from CurveFormModel.fit_smc")
    return values


def block_evidence(fit: xr.DataTree, *, by: str = BLOCK, name: str = "fit") -> pd.DataFrame:
    """Log evidence and its Monte Carlo error per block (or per domain).

    Parameters
    ----------
    fit : xarray.DataTree
        An SMC fit of a :class:`~bayes_scaling.models.CurveFormModel`, or a NUTS fit with
        bridge-sampling evidence (``comparison.bridge.add_bridge_evidence``; ``n_chains``
        is then its chains and ``chain_sd`` NaN).
    by : {"block", "domain"}
        ``"domain"`` sums the blocks of each domain (curve blocks map to their domain),
        so that models with different blocks (shared vs per-curve parameters) compare.
    name : str
        Model name, for messages.

    Returns
    -------
    pandas.DataFrame
        Index ``block`` or ``domain``; columns ``log_evidence``, ``log_evidence_se``,
        ``n_chains``, ``chain_sd`` (spread of the chains' estimates).

    Examples
    --------
    >>> from bayes_scaling.simulate import simulate_form_curves
    >>> sim = simulate_form_curves("power_law_irreducible",
    ...                            {"alpha": 0.1, "beta": 0.5, "gamma": 0.02}, seed=1)
    >>> from bayes_scaling.models import CurveFormModel, SMCConfig
    >>> smc = SMCConfig(draws=200, chains=2, seed=1)
    >>> fits = {form: CurveFormModel(sim.frame, form).fit_smc(smc)
    ...         for form in ("power_law", "power_law_irreducible")}
    >>> from bayes_scaling.comparison import block_evidence
    >>> block_evidence(fits["power_law"]).columns.tolist()[:3]  # one row per block (curve)
    ['log_evidence', 'log_evidence_se', 'n_chains']
    """
    stats = fit.get("sample_stats")
    if stats is not None and BRIDGE_LOG_EVIDENCE[0] in stats:  # a NUTS fit, bridge sampling
        table = pd.DataFrame({"log_evidence": stats[BRIDGE_LOG_EVIDENCE[0]].values,
                              "log_evidence_se": stats[BRIDGE_LOG_EVIDENCE[1]].values,
                              "n_chains": stats.sizes.get(dims.CHAIN, 0),
                              "chain_sd": np.nan},
                             index=pd.Index(stats[BLOCK].values.astype(str), name=BLOCK))
        return _by(table, fit, by)
    z = _chain_log_z(fit, name).transpose(dims.CHAIN, BLOCK).values
    if not np.all(np.isfinite(z)):
        bad = [str(b) for b, ok in zip(fit["sample_stats"][BLOCK].values,
                                       np.isfinite(z).all(0), strict=True) if not ok]
        raise ModelConfigError(f"{name}: non-finite SMC evidence in block(s) {bad}; the "
                               "model cannot describe these data (check the priors' support)")
    log_z, se = pooled_log_evidence(z, axis=0)
    table = pd.DataFrame({"log_evidence": log_z, "log_evidence_se": se, "n_chains": z.shape[0],
                          "chain_sd": z.std(axis=0, ddof=1)},
                         index=pd.Index(fit["sample_stats"][BLOCK].values.astype(str),
                                        name=BLOCK))
    return _by(table, fit, by)


def _by(table: pd.DataFrame, fit: xr.DataTree, by: str) -> pd.DataFrame:
    """The blocks' table, or its sums per domain (``by="domain"``)."""
    if by == BLOCK:
        return table
    if by != dims.DOMAIN:
        raise ModelConfigError(f"by must be 'block' or 'domain', got {by!r}")
    domain_of = _block_domains(fit)
    table["domain"] = [domain_of[b] for b in table.index]
    grouped = table.groupby("domain", sort=False)
    return pd.DataFrame({
        "log_evidence": grouped["log_evidence"].sum(),
        "log_evidence_se": np.sqrt(grouped["log_evidence_se"].apply(lambda s: (s**2).sum())),
        "n_chains": grouped["n_chains"].first(),
        "chain_sd": np.sqrt(grouped["chain_sd"].apply(lambda s: (s**2).sum(min_count=1))),
    })


def _block_domains(fit: xr.DataTree) -> dict[str, str]:
    blocks = fit["sample_stats"][BLOCK].values.astype(str)
    const = fit["constant_data"]
    curve_domain = dict(zip(const[dims.CURVE].values.astype(str),
                            const["curve_domain"].values.astype(str), strict=True))
    domains = set(curve_domain.values())
    return {b: (b if b in domains else curve_domain[b]) for b in blocks}


def log_evidence(fit: xr.DataTree, *, name: str = "fit") -> tuple[float, float]:
    """Total log evidence of an SMC fit and its Monte Carlo standard error (nats).

    Examples
    --------
    >>> from bayes_scaling.simulate import simulate_form_curves
    >>> sim = simulate_form_curves("power_law_irreducible",
    ...                            {"alpha": 0.1, "beta": 0.5, "gamma": 0.02}, seed=1)
    >>> from bayes_scaling.models import CurveFormModel, SMCConfig
    >>> smc = SMCConfig(draws=200, chains=2, seed=1)
    >>> fits = {form: CurveFormModel(sim.frame, form).fit_smc(smc)
    ...         for form in ("power_law", "power_law_irreducible")}
    >>> from bayes_scaling.comparison import log_evidence
    >>> value, se = log_evidence(fits["power_law_irreducible"])  # nats, Monte Carlo error
    >>> se >= 0
    True
    """
    table = block_evidence(fit, name=name)
    return float(table["log_evidence"].sum()), float(np.sqrt((table["log_evidence_se"]**2).sum()))


def evidence_strength(log_bf: float) -> str:
    """Kass & Raftery (1995) words for a log Bayes factor (natural log).

    Examples
    --------
    >>> evidence_strength(4.0)
    'strong'
    """
    two = 2 * abs(log_bf)
    if two < 2:
        return "not worth more than a bare mention"
    if two < 6:
        return "positive"
    if two < 10:
        return "strong"
    return "very strong"


def _probabilities(log_z: np.ndarray, se: np.ndarray, ci_prob: float, seed: int,
                   n_mc: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    draws = log_z + se * rng.standard_normal((n_mc, log_z.size))
    probs = softmax(draws, axis=1)
    tail = (1 - ci_prob) / 2
    return (softmax(log_z), np.quantile(probs, tail, axis=0),
            np.quantile(probs, 1 - tail, axis=0))


def compare_evidence(fits: Mapping[str, xr.DataTree], *, ci_prob: float | None = None,
                     max_se: float = MAX_EVIDENCE_SE, seed: int = 0, n_mc: int = 4000,
                     warn: bool = True) -> pd.DataFrame:
    """Rank models by evidence, with Bayes factors and posterior model probabilities.

    Parameters
    ----------
    fits : mapping of str to xarray.DataTree
        SMC fits of the same table (same rows), keyed by model name.
    ci_prob : float, optional
        Probability of the model-probability intervals; ArviZ's default if omitted.
    max_se : float
        Monte Carlo error (nats) above which an estimate is flagged.
    seed, n_mc : int
        Seed and number of Monte Carlo draws for the probability intervals.
    warn : bool
        Emit :class:`~bayes_scaling.errors.ComparisonWarning` for the problems found.

    Returns
    -------
    pandas.DataFrame
        Index = model name, best first; columns ``rank``, ``log_evidence``,
        ``log_evidence_se``, ``log_bayes_factor`` and ``log_bayes_factor_se`` (vs the
        best model), ``prob``, ``prob_low``, ``prob_high`` (posterior model probability
        with equal prior model probabilities, and its Monte Carlo interval), ``strength``
        (Kass & Raftery words for the Bayes factor against the best) and ``problem``
        (empty when the row can be trusted). ``attrs`` hold ``ci_prob`` and ``warnings``.

    Examples
    --------
    >>> from bayes_scaling.simulate import simulate_form_curves
    >>> sim = simulate_form_curves("power_law_irreducible",
    ...                            {"alpha": 0.1, "beta": 0.5, "gamma": 0.02}, seed=1)
    >>> from bayes_scaling.models import CurveFormModel, SMCConfig
    >>> smc = SMCConfig(draws=200, chains=2, seed=1)
    >>> fits = {form: CurveFormModel(sim.frame, form).fit_smc(smc)
    ...         for form in ("power_law", "power_law_irreducible")}
    >>> from bayes_scaling.comparison import compare_evidence
    >>> table = compare_evidence(fits)
    >>> table.index.tolist(), float(table["prob"].sum())
    (['power_law_irreducible', 'power_law'], 1.0)
    """
    if len(fits) < 2:
        raise ModelConfigError(f"need at least 2 fits to compare, got {len(fits)}")
    ci_prob, _ = ci_defaults(ci_prob, None)
    hashes = {name: fit.attrs.get("data_sha256") for name, fit in fits.items()}
    if len(set(hashes.values())) > 1:
        raise ModelConfigError(f"fits were made on different data (data_sha256 {hashes}); "
                               "evidence only compares models of the same observations")
    names = list(fits)
    est = np.array([log_evidence(fits[n], name=n) for n in names])
    log_z, se = est[:, 0], est[:, 1]
    order = np.argsort(-log_z, kind="stable")
    best = order[0]
    prob, low, high = _probabilities(log_z, se, ci_prob, seed, n_mc)
    table = pd.DataFrame({
        "log_evidence": log_z, "log_evidence_se": se,
        "log_bayes_factor": log_z - log_z[best],
        "log_bayes_factor_se": np.sqrt(se**2 + se[best] ** 2),
        "prob": prob, "prob_low": low, "prob_high": high,
    }, index=pd.Index(names, name="model"))
    table.loc[names[best], "log_bayes_factor_se"] = 0.0
    table = table.iloc[order]
    table.insert(0, "rank", np.arange(len(names)))
    table["strength"] = [evidence_strength(v) if i else "best" for i, v in
                         enumerate(table["log_bayes_factor"])]
    problems = []
    flags = []
    for model, row in table.iterrows():
        flag = ""
        if row["log_evidence_se"] > max_se:
            flag = (f"Monte Carlo error {row['log_evidence_se']:.2f} nats > {max_se}: "
                    "increase SMC draws or chains")
            problems.append(f"{model}: {flag}")
        flags.append(flag)
    table["problem"] = flags
    runner = table.index[1]
    diff = -table.loc[runner, "log_bayes_factor"]
    diff_se = table.loc[runner, "log_bayes_factor_se"]
    if diff < 2 * diff_se:
        message = (f"{table.index[0]} and {runner} cannot be ranked: log Bayes factor "
                   f"{diff:.2f} +/- {diff_se:.2f} (Monte Carlo error); increase SMC draws/chains")
        problems.append(message)
        table.loc[runner, "problem"] = (table.loc[runner, "problem"] + "; " if
                                        table.loc[runner, "problem"] else "") + \
            "cannot be ranked against the best (|log BF| < 2 se)"
    table.attrs.update({"ci_prob": ci_prob, "warnings": problems})
    if warn and problems:
        warnings.warn("Evidence comparison: " + " | ".join(problems), ComparisonWarning,
                      stacklevel=2)
    return table
