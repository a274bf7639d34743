"""Which run next: rank candidate experiments by how much they narrow a projection.

Preposterior analysis on the posterior a fit already has, without refitting. For each
candidate row (a training-set size on a fitted learning curve; an ``(N, D)`` pair of a
fitted joint-law curve):

1. **Simulate its outcome** from the package's own posterior predictive
   (:func:`bayes_scaling.prediction.predictive_draws`, i.e. the model rebuilt from the
   fit, ``add_predictive`` and ``pm.sample_posterior_predictive``): replicate 0 gives one
   outcome per posterior draw, so the pair (projection, outcome) of a draw is a joint
   draw of the two, discrepancy included.
2. **Update by importance reweighting** the posterior draws with the simulated
   observation's likelihood. The weight of draw ``s`` is the predictive density
   ``p(y_new | draw s, data)``: for the learning curve with its discrepancy integrated
   out this is the new point's density given the parameters *and* the fitted points
   (the discrepancy's knots given the data), not an iid likelihood.
3. **Measure** the credible interval of the projected quantity (log10 of the growth or
   compute needed to reach the target) with weighted quantiles, and average its width
   over ``outcomes`` simulated outcomes (the preposterior expectation), with the Monte
   Carlo standard error over outcomes.

Approximations (stated in the table's attrs and in :func:`rank_candidates`):

* ``p(y_new | draw s, data)`` is taken as Normal on the log metric, with the mean and
  standard deviation of ``replicates`` independent predictive draws given draw ``s``.
  For the Normal likelihood this family is exact (everything is Gaussian given the
  parameters) and only the moments are estimated; for the robust (Student-t) likelihood
  it is an approximation.
* Importance reweighting is an approximation of the refit. The weights are
  Pareto-smoothed (``arviz_stats`` PSIS); their Kish effective sample size and Pareto
  ``k`` are reported, and a candidate whose weights are too degenerate (``k`` above
  ArviZ's threshold ``min(1 - 1/log10(S), 0.7)`` in more than 10% of the outcomes) is
  flagged ``refit_recommended``: its numbers are then unreliable and a refit with the
  simulated point is the honest check.
* Reweighting updates the model as it is. A refit with a point beyond a learning curve's
  fitted range also rebuilds the discrepancy's knot grid over the longer range (the model
  depends on the range), which reweighting cannot do: under the current model a point
  beyond the range is largely absorbed by the discrepancy's extrapolation, so the expected
  reductions of such candidates are far smaller than what a refit gives (measured in
  ``BENCHMARKS.md``, section 8). Inside the range the two are the same model (a slow-tier
  test in ``tests/test_design.py`` compares them).
* The interval is equal-tailed (``ci_prob`` from ArviZ's ``stats.ci_prob``) over the
  draws where the target is reachable, on the log10 scale (widths in decades).

Supported fits: :data:`DESIGN_MODEL_TYPES` (learning curves; the joint law). Other fit
types raise :class:`~bayes_scaling.errors.ModelConfigError` naming them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from arviz_stats.base import array_stats

from bayes_scaling import dims
from bayes_scaling.allocation import _flop_per_param_token
from bayes_scaling.data import validate_prediction_rows
from bayes_scaling.errors import DataValidationError, ModelConfigError
from bayes_scaling.fit_projection import project_fit
from bayes_scaling.model_types import HIERARCHICAL_LEARNING_CURVE, JOINT_SCALING
from bayes_scaling.models.indexing import curve_label
from bayes_scaling.models.joint import FLOP_PER_PARAM_TOKEN
from bayes_scaling.prediction import predictive_draws
from bayes_scaling.summaries import ci_defaults

__all__ = ["DESIGN_MODEL_TYPES", "PreposteriorWidth", "candidate_costs", "kish_ess",
           "preposterior_width", "rank_candidates", "weighted_quantile"]

#: Fit types :func:`rank_candidates` supports, with the size columns a candidate needs.
DESIGN_MODEL_TYPES: dict[str, tuple[str, ...]] = {
    HIERARCHICAL_LEARNING_CURVE: ("data",),
    JOINT_SCALING: ("params", "data"),
}

#: Share of outcomes whose Pareto k may exceed the threshold before a refit is advised.
DEGENERATE_SHARE: float = 0.1

def weighted_quantile(values: np.ndarray, weights: np.ndarray,
                      q: np.ndarray | float) -> np.ndarray:
    """Quantiles of weighted draws (the weighted empirical CDF, midpoints interpolated).

    Parameters
    ----------
    values, weights : numpy.ndarray
        Draws and their non-negative weights (same length; normalised here).
    q : float or array of float
        Probabilities in [0, 1].

    Returns
    -------
    numpy.ndarray
        The quantiles (NaN when the weights sum to 0).

    Examples
    --------
    >>> weighted_quantile(np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4), [0.5]).tolist()
    [2.5]
    >>> weighted_quantile(np.array([1.0, 2.0]), np.array([0.0, 1.0]), 0.5).tolist()
    2.0
    """
    values, weights = np.asarray(values, float), np.asarray(weights, float)
    total = weights.sum()
    if not total > 0:
        return np.full(np.shape(q), np.nan)
    order = np.argsort(values)
    v, w = values[order], weights[order] / total
    keep = w > 0
    v, w = v[keep], w[keep]
    cdf = np.cumsum(w) - 0.5 * w
    return np.interp(q, cdf, v)


def kish_ess(weights: np.ndarray) -> float:
    """Kish's effective sample size of importance weights, ``(sum w)^2 / sum w^2``.

    Examples
    --------
    >>> kish_ess(np.ones(100))
    100.0
    >>> kish_ess(np.r_[1.0, np.zeros(99)])
    1.0
    """
    w = np.asarray(weights, float)
    return float(w.sum() ** 2 / np.sum(w**2))


@dataclass(frozen=True)
class PreposteriorWidth:
    """Interval widths of a projection before and after a simulated measurement.

    Attributes
    ----------
    width_before : float
        Width of the central interval of the projection now.
    width_after : numpy.ndarray
        Its width after each simulated outcome (importance-reweighted posterior).
    p_reachable_before : float
        Share of draws where the target is reachable now.
    p_reachable_after : numpy.ndarray
        Weighted share after each outcome.
    ess : numpy.ndarray
        Kish effective sample size of each outcome's (smoothed) weights.
    pareto_k : numpy.ndarray
        PSIS Pareto ``k`` of each outcome's weights.

    Examples
    --------
    >>> res = PreposteriorWidth(width_before=2.0, width_after=np.array([1.0, 1.4]),
    ...                         p_reachable_before=1.0, p_reachable_after=np.ones(2),
    ...                         ess=np.array([300.0, 250.0]), pareto_k=np.array([0.1, 0.2]))
    >>> round(res.expected_reduction, 3), round(res.mc_error, 3)
    (0.8, 0.2)
    """

    width_before: float
    width_after: np.ndarray
    p_reachable_before: float
    p_reachable_after: np.ndarray
    ess: np.ndarray
    pareto_k: np.ndarray

    @property
    def expected_reduction(self) -> float:
        """Width now minus the expected width after the measurement."""
        return float(self.width_before - np.nanmean(self.width_after))

    @property
    def mc_error(self) -> float:
        """Monte Carlo standard error of the expected width (over the outcomes)."""
        finite = self.width_after[np.isfinite(self.width_after)]
        if finite.size < 2:
            return float("nan")
        return float(finite.std(ddof=1) / np.sqrt(finite.size))


def _interval_width(values: np.ndarray, weights: np.ndarray, ci_prob: float) -> float:
    finite = np.isfinite(values)
    lo, hi = weighted_quantile(values[finite], weights[finite],
                               [(1 - ci_prob) / 2, (1 + ci_prob) / 2])
    return float(hi - lo)


def preposterior_width(projection: np.ndarray, outcomes: np.ndarray, pred_mean: np.ndarray,
                       pred_sd: np.ndarray, *, ci_prob: float) -> PreposteriorWidth:
    """Interval width of a projection after each simulated outcome, by importance weights.

    The weight of posterior draw ``s`` given outcome ``y`` is the Normal density
    ``N(y | pred_mean[s], pred_sd[s])`` (the predictive of the new measurement given the
    draw), Pareto-smoothed with ``arviz_stats``' PSIS.

    Parameters
    ----------
    projection : numpy.ndarray
        The projected quantity per posterior draw, shape ``(S,)``; non-finite values
        (target unreachable) count in ``p_reachable`` but not in the interval.
    outcomes : numpy.ndarray
        Simulated outcomes of the measurement (``(M,)``), each drawn from the predictive
        of one posterior draw.
    pred_mean, pred_sd : numpy.ndarray
        Mean and standard deviation of the measurement's predictive given each draw (``(S,)``).
    ci_prob : float
        Central interval probability.

    Returns
    -------
    PreposteriorWidth

    Examples
    --------
    A measurement of the projected quantity itself, with noise 0.1, narrows an interval
    of posterior sd 1 to about ``0.1 / sqrt(1 + 0.01)`` of its width:

    >>> rng = np.random.default_rng(0)
    >>> theta = rng.standard_normal(4000)
    >>> y = theta[:20] + 0.1 * rng.standard_normal(20)
    >>> res = preposterior_width(theta, y, theta, np.full(4000, 0.1), ci_prob=0.9)
    >>> round(res.width_before, 1), bool(res.expected_reduction > 2.5)
    (3.3, True)
    """
    projection = np.asarray(projection, float)
    mean, sd = np.asarray(pred_mean, float), np.asarray(pred_sd, float)
    outcomes = np.atleast_1d(np.asarray(outcomes, float))
    if not (projection.shape == mean.shape == sd.shape) or projection.ndim != 1:
        raise ModelConfigError(
            f"projection, pred_mean and pred_sd must be 1-d arrays of one length per "
            f"posterior draw, got shapes {projection.shape}, {mean.shape}, {sd.shape}")
    sd = np.maximum(sd, np.finfo(float).tiny)
    log_w = (-0.5 * ((outcomes[:, None] - mean[None, :]) / sd[None, :]) ** 2
             - np.log(sd)[None, :])
    # psislw smooths the log ratios -x of its input (its LOO use passes log likelihoods)
    smoothed, khat = array_stats.psislw(-log_w, axis=-1)
    weights = np.exp(smoothed - smoothed.max(axis=-1, keepdims=True))
    reachable = np.isfinite(projection)
    uniform = np.ones_like(projection)
    after = np.array([_interval_width(projection, w, ci_prob) for w in weights])
    return PreposteriorWidth(
        width_before=_interval_width(projection, uniform, ci_prob),
        width_after=after,
        p_reachable_before=float(reachable.mean()),
        p_reachable_after=(weights * reachable).sum(axis=1) / weights.sum(axis=1),
        ess=np.array([kish_ess(w) for w in weights]),
        pareto_k=np.asarray(khat, float).reshape(len(outcomes)))


def _check_model_type(fit: xr.DataTree) -> str:
    model_type = str(fit.attrs.get("model_type"))
    if model_type not in DESIGN_MODEL_TYPES:
        raise ModelConfigError(
            f"next-run design does not support fits of model type {model_type!r}; it "
            f"supports {sorted(DESIGN_MODEL_TYPES)} (candidates: a training-set size on a "
            "learning curve, an (N, D) pair on a joint-law curve)")
    return model_type


def _validated_candidates(fit: xr.DataTree, candidates: pd.DataFrame) -> pd.DataFrame:
    """The candidate rows, validated, on fitted curves only."""
    model_type = _check_model_type(fit)
    table = validate_prediction_rows(candidates, sizes=DESIGN_MODEL_TYPES[model_type],
                                     extra_positive=("cost",))
    fitted = [str(c) for c in fit["posterior"][dims.CURVE].values]
    labels = [curve_label(d, c) for d, c in zip(table["domain"], table["curve"], strict=True)]
    unknown = [i for i, lab in enumerate(labels) if lab not in fitted]
    if unknown:
        raise DataValidationError(
            f"candidate row(s) {unknown} are on curve(s) "
            f"{sorted({labels[i] for i in unknown})} that the fit does not have; a candidate "
            f"extends a fitted curve, one of {fitted}", column="curve", rows=unknown)
    return table


def candidate_costs(fit: xr.DataTree, candidates: pd.DataFrame) -> tuple[np.ndarray, str]:
    """The compute cost of each validated candidate row, and its unit.

    One source for the whole table, in this order: a ``cost`` column (the user's numbers,
    unit ``"cost"``); ``flop_per_param_token x params x data`` FLOP when the rows have
    ``params`` (the joint law always does); for a learning curve, the curve's largest
    fitted model size when the fit has ``params``; otherwise the training-set size
    itself (unit ``"examples"``: the fit knows no model sizes to turn it into FLOP).

    Examples
    --------
    >>> import pandas as pd
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> fit = HierarchicalLearningCurve(load_dataset("mlp-learning-curves")).fit(
    ...     draws=200, tune=300, chains=2, seed=1)
    >>> rows = pd.DataFrame({"domain": "digits", "curve": "mlp-1x", "data": [2000.0]})
    >>> costs, unit = candidate_costs(fit, rows)
    >>> unit  # the fit has model sizes: the curve's largest, x 6 FLOP per parameter-example
    'FLOP'
    >>> int(costs[0] / (6 * 2000))  # the largest fitted model of mlp-1x, in parameters
    19210
    >>> candidate_costs(fit, rows.assign(params=1e5))
    (array([1.2e+09]), 'FLOP')
    """
    if "cost" in candidates:
        return candidates["cost"].to_numpy(float), "cost"
    flop = (_flop_per_param_token(fit) if fit.attrs.get("model_type") == JOINT_SCALING
            else FLOP_PER_PARAM_TOKEN)
    if "params" in candidates:
        return flop * candidates["params"].to_numpy(float) * candidates["data"].to_numpy(float), \
            "FLOP"
    const = fit["constant_data"]
    if "obs_params" in const:
        labels = [curve_label(d, c) for d, c in zip(const["obs_domain"].values,
                                                    const["obs_curve"].values, strict=True)]
        largest = pd.Series(const["obs_params"].values.astype(float), index=labels)
        largest = largest.groupby(level=0).max()
        rows = [curve_label(d, c) for d, c in zip(candidates["domain"], candidates["curve"],
                                                  strict=True)]
        return flop * largest.loc[rows].to_numpy() * candidates["data"].to_numpy(float), "FLOP"
    return candidates["data"].to_numpy(float), "examples"


def _projection_draws(fit: xr.DataTree, target: str | float,
                      projection_of: str | None) -> tuple[np.ndarray, str, str]:
    """log10 of the projected quantity per posterior draw (flattened), its name and the
    curve (``"domain/curve"``) or domain it is about."""
    projection, _ = project_fit(fit, [target])
    name = "log10_compute" if "log10_compute" in projection else str(projection.attrs["quantity"])
    curves = [str(c) for c in projection[dims.CURVE].values]
    domains = ([str(d) for d in projection[dims.DOMAIN].values]
               if f"{name}_domain" in projection else [])
    if projection_of is None:
        if len(curves) == 1:
            projection_of = curves[0]
        elif len(domains) == 1:
            projection_of = domains[0]
        else:
            raise ModelConfigError(
                f"say which projection to narrow: projection_of (CLI --of) must name a curve "
                f"{curves}" + (f" or a domain {domains} (its best curve)" if domains else ""))
    if projection_of in curves:
        values = projection[name].sel({dims.CURVE: projection_of})
    elif projection_of in domains:
        values = projection[f"{name}_domain"].sel({dims.DOMAIN: projection_of})
    else:
        raise ModelConfigError(
            f"projection_of {projection_of!r} is neither a fitted curve {curves}"
            + (f" nor a domain {domains}" if domains else ""))
    values = values.isel({dims.TARGET: 0}).transpose(*dims.SAMPLE_DIMS).values.ravel()
    if name != "log10_compute":
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.log10(values)
    if not np.isfinite(values).any():
        raise ModelConfigError(
            f"the target {target!r} is reachable in no posterior draw of {projection_of}; "
            "there is no interval to narrow (choose a reachable target)")
    return values, ("compute" if name == "log10_compute" else name), projection_of


def _thinned(fit: xr.DataTree, max_draws: int) -> xr.DataTree:
    """The fit with every k-th draw of each chain, at most about ``max_draws`` in all."""
    post = fit["posterior"]
    total = post.sizes[dims.CHAIN] * post.sizes[dims.DRAW]
    step = max(1, int(np.ceil(total / max_draws)))
    if step == 1:
        return fit
    out = fit.copy()
    out["posterior"] = xr.DataTree(post.to_dataset().isel({dims.DRAW: slice(None, None, step)}))
    return out


def rank_candidates(fit: xr.DataTree, target: str | float, candidates: pd.DataFrame, *,
                    projection_of: str | None = None, outcomes: int = 32,
                    replicates: int = 16, max_draws: int = 400, ci_prob: float | None = None,
                    seed: int = 2026) -> pd.DataFrame:
    """Rank candidate next experiments by the expected narrowing of a projection per cost.

    See the module docstring for the method (preposterior analysis by importance
    reweighting of the fit's own posterior draws; no refit) and its approximations: the
    predictive of the new measurement given a posterior draw is taken as Normal on the
    log metric with the moments of ``replicates`` predictive draws (exact in form for
    the Normal likelihood, an approximation for the robust Student-t one), and
    reweighting stands in for a refit (check ``refit_recommended``).

    Parameters
    ----------
    fit : xarray.DataTree
        A fit of a type in :data:`DESIGN_MODEL_TYPES` (``bayes-scaling fit``).
    target : str or float
        One projection target (:class:`bayes_scaling.projection.Target` spec: ``0.05``,
        ``"x0.5"`` or a named target).
    candidates : pandas.DataFrame
        One row per candidate: ``domain``, ``curve`` (a fitted curve), the size columns
        (``data`` for a learning curve; ``params`` and ``data`` for the joint law) and
        optionally ``cost`` (positive; otherwise see :func:`candidate_costs`).
    projection_of : str, optional
        The curve (``"domain/curve"``) or, for learning curves, the domain (its best
        curve) whose projection to narrow; may be omitted when the fit has one curve or
        one domain.
    outcomes : int
        Simulated outcomes per candidate (the preposterior average; its Monte Carlo
        error shrinks as ``1/sqrt(outcomes)``).
    replicates : int
        Predictive draws per posterior draw for the predictive's moments (at least 2).
    max_draws : int
        Posterior draws used (the fit is thinned evenly to about this many).
    ci_prob : float, optional
        Interval probability (default ArviZ's ``stats.ci_prob``).
    seed : int
        Random seed (predictive draws and the choice of outcomes).

    Returns
    -------
    pandas.DataFrame
        One row per candidate, best first (largest ``reduction_per_cost``): the
        candidate's columns, ``cost``, ``cost_unit``; ``width_before`` and
        ``width_after`` (expected) of the interval of log10 of the projected quantity
        (decades); ``reduction`` (= before - after), ``relative_reduction``,
        ``reduction_per_cost``, ``mc_error`` (Monte Carlo standard error of
        ``width_after`` and so of ``reduction``), ``p_reachable_before`` /
        ``p_reachable_after``, ``weight_ess`` (median Kish ESS of the weights over the
        outcomes, out of ``draws``), ``pareto_k`` (90th percentile over outcomes),
        ``refit_recommended`` and ``rank``. ``attrs`` records the settings.

    Raises
    ------
    ModelConfigError
        If the fit's type is not supported, ``projection_of`` is missing or unknown, the
        target is unreachable in every draw, or a setting is out of range.
    DataValidationError
        If a candidate lacks a column, has a non-positive or non-finite size or cost, or
        is on a curve the fit does not have (the message names rows and columns).

    Examples
    --------
    >>> import pandas as pd
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> from bayes_scaling.design import DESIGN_MODEL_TYPES, rank_candidates
    >>> sorted(DESIGN_MODEL_TYPES)  # the fits it supports
    ['hierarchical_learning_curve', 'joint_scaling']
    >>> fit = HierarchicalLearningCurve(load_dataset("mlp-learning-curves")).fit(
    ...     draws=200, tune=300, chains=2, seed=1)
    >>> rows = pd.DataFrame({"domain": "digits", "curve": "mlp-1x",
    ...                      "data": [3000.0, 30000.0]})
    >>> table = rank_candidates(fit, "x0.5", rows, projection_of="digits/mlp-1x",
    ...                         outcomes=8, replicates=4, max_draws=100)
    >>> table[["data", "cost_unit", "rank"]].shape
    (2, 3)
    """
    model_type = _check_model_type(fit)
    for value, name, low in ((outcomes, "outcomes", 2), (replicates, "replicates", 2),
                             (max_draws, "max_draws", 20)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ModelConfigError(f"{name} must be an integer >= {low}, got {value!r}")
    ci_prob, _ = ci_defaults(ci_prob, None)
    table = _validated_candidates(fit, candidates)
    costs, unit = candidate_costs(fit, table)
    thin = _thinned(fit, max_draws)
    projection, quantity, about = _projection_draws(thin, target, projection_of)
    n_draws = projection.size
    if outcomes > n_draws:
        raise ModelConfigError(f"outcomes ({outcomes}) cannot exceed the posterior draws "
                               f"used ({n_draws}; raise max_draws)")
    rows = table.drop(columns=["cost"], errors="ignore")
    _, _, draws = predictive_draws(thin, rows, seed=seed, replicates=replicates + 1)
    # (replicate, sample, row): replicate 0 simulates the outcomes, the others the moments
    pred = draws.transpose(dims.REPLICATE, *dims.SAMPLE_DIMS, dims.ROW).values.reshape(
        replicates + 1, n_draws, len(table))
    mean, sd = pred[1:].mean(axis=0), pred[1:].std(axis=0, ddof=1)
    rng = np.random.default_rng(seed)
    threshold = min(1.0 - 1.0 / np.log10(n_draws), 0.7)
    chosen = rng.choice(n_draws, size=outcomes, replace=False)  # common to every candidate
    records = []
    for r in range(len(table)):
        res = preposterior_width(projection, pred[0, chosen, r], mean[:, r], sd[:, r],
                                 ci_prob=ci_prob)
        width_after = float(np.nanmean(res.width_after))
        records.append({
            "width_before": res.width_before, "width_after": width_after,
            "reduction": res.expected_reduction,
            "relative_reduction": res.expected_reduction / res.width_before,
            "reduction_per_cost": res.expected_reduction / costs[r],
            "mc_error": res.mc_error,
            "p_reachable_before": res.p_reachable_before,
            "p_reachable_after": float(np.mean(res.p_reachable_after)),
            "weight_ess": float(np.median(res.ess)),
            "pareto_k": float(np.quantile(res.pareto_k, 0.9)),
            "refit_recommended": bool(np.mean(res.pareto_k > threshold) > DEGENERATE_SHARE),
        })
    out = pd.concat([table.drop(columns=["cost"], errors="ignore"),
                     pd.DataFrame({"cost": costs, "cost_unit": unit}),
                     pd.DataFrame(records)], axis=1)
    out = out.sort_values("reduction_per_cost", ascending=False, kind="stable")
    out["rank"] = np.arange(1, len(out) + 1)
    out = out.reset_index(drop=True)
    out.attrs.update({
        "model_type": model_type, "target": str(target), "projection_of": about,
        "quantity": f"log10 {quantity}", "ci_prob": ci_prob, "ci_kind": "eti",
        "outcomes": outcomes, "replicates": replicates, "draws": n_draws, "seed": seed,
        "pareto_k_threshold": threshold,
        "method": "importance reweighting of the posterior draws by the Normal predictive "
                  "density of each simulated outcome (PSIS-smoothed); no refit"})
    return out
