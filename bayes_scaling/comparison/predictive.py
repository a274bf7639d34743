"""Predictive comparison: PSIS-LOO through ArviZ, and leave-future-out (extrapolation) scores.

* :func:`compare_loo` is ArviZ's ``compare`` on ArviZ's ``loo`` results, table unmodified;
  observations with Pareto ``k`` above ArviZ's ``good_k`` are counted per model and
  surfaced as a :class:`~bayes_scaling.errors.ComparisonWarning` (LOO is then unreliable
  for those points; prefer the leave-future-out scores or K-fold).
* **Leave-future-out** is what users do with these fits: fit on the smaller sizes of every
  curve, predict the largest ones. :func:`split_future` marks the held-out rows (a table's
  own ``split`` column, e.g. the paper's extrapolation points of ``revisiting2022-lang``,
  or the ``n_largest`` sizes of each curve); :func:`score_holdout` scores a fit's
  predictive draws there: log predictive density (``elpd``: sum over points of
  ``log mean_s p(y_i | theta_s)``), RMSE of the log metric (posterior-predictive median),
  and the coverage of central predictive intervals (ArviZ's ``eti``).

ArviZ's ``lfo_cv`` is not used: it scores M-step-ahead forecasts along one shared time
axis, refitting at each origin; here every curve has its own size axis and a single
forecast origin (the paper's protocol), which needs one fit per model.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr
from scipy.special import logsumexp

from bayes_scaling import dims
from bayes_scaling.data import ScalingData, load_table
from bayes_scaling.errors import ComparisonWarning, ModelConfigError

__all__ = ["COVERAGE_PROBS", "compare_loo", "loo_problems", "score_holdout", "split_future"]

#: Central predictive-interval probabilities whose coverage is scored by default.
COVERAGE_PROBS: tuple[float, ...] = (0.5, 0.9)


def loo_problems(elpd: Mapping[str, object]) -> dict[str, str]:
    """Per model, a sentence on high Pareto k values (empty dict when all are fine)."""
    out = {}
    for name, result in elpd.items():
        k = getattr(result, "pareto_k", None)
        good_k = getattr(result, "good_k", 0.7)
        if k is None:
            continue
        bad = int((np.asarray(k) > good_k).sum())
        if bad:
            out[name] = (f"{bad} of {np.asarray(k).size} observations have Pareto k > "
                         f"{good_k:.2f}: PSIS-LOO is unreliable for them; prefer the "
                         "leave-future-out scores or K-fold cross-validation")
    return out


def compare_loo(fits: Mapping[str, xr.DataTree], *, method: str = "stacking",
                warn: bool = True) -> pd.DataFrame:
    """PSIS-LOO comparison: ``arviz.compare`` on ``arviz.loo`` results, unmodified.

    Parameters
    ----------
    fits : mapping of str to xarray.DataTree
        Fits of the same observations with a ``log_likelihood`` group.
    method : {"stacking", "BB-pseudo-BMA", "pseudo-BMA"}
        ArviZ's weighting method.
    warn : bool
        Emit a :class:`~bayes_scaling.errors.ComparisonWarning` listing high Pareto k.

    Returns
    -------
    pandas.DataFrame
        ArviZ's table (index model name; ``rank``, ``elpd``, ``p``, ``elpd_diff``,
        ``weight``, ``se``, ``dse``, ``warning``, ...). ``attrs["pareto_k_problems"]`` maps
        each affected model to a sentence.

    Examples
    --------
    >>> from bayes_scaling.simulate import simulate_form_curves
    >>> sim = simulate_form_curves("power_law_irreducible",
    ...                            {"alpha": 0.1, "beta": 0.5, "gamma": 0.02}, seed=1)
    >>> from bayes_scaling.models import CurveFormModel, SMCConfig
    >>> smc = SMCConfig(draws=200, chains=2, seed=1)
    >>> fits = {form: CurveFormModel(sim.frame, form).fit_smc(smc)
    ...         for form in ("power_law", "power_law_irreducible")}
    >>> from bayes_scaling.comparison import compare_loo
    >>> table = compare_loo(fits)  # arviz_stats.compare, stacking weights
    >>> sorted(table.index), round(float(table["weight"].sum()), 6)
    (['power_law', 'power_law_irreducible'], 1.0)
    """
    if len(fits) < 2:
        raise ModelConfigError(f"need at least 2 fits to compare, got {len(fits)}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        elpd = {name: az.loo(fit, pointwise=True) for name, fit in fits.items()}
        table = az.compare(elpd, method=method)
    problems = loo_problems(elpd)
    table.attrs["pareto_k_problems"] = problems
    messages = [f"{name}: {text}" for name, text in problems.items()]
    messages += [str(w.message) for w in caught if "pareto" not in str(w.message).lower()]
    if warn and messages:
        warnings.warn("PSIS-LOO: " + " | ".join(messages), ComparisonWarning, stacklevel=2)
    return table


def split_future(data: object, *, n_largest: int | None = None,
                 min_fit_sizes: int = 3) -> tuple[ScalingData, pd.DataFrame]:
    """Split a table into fitting rows and held-out *future* rows (the largest sizes).

    Parameters
    ----------
    data : ScalingData, pandas.DataFrame or path
        Tidy table.
    n_largest : int, optional
        Hold out the ``n_largest`` largest distinct sizes of every curve. If omitted, the
        table's own ``split`` column is used (rows with ``"holdout"``); a table without
        held-out rows then raises.
    min_fit_sizes : int
        Each curve must keep at least this many distinct sizes for fitting.

    Returns
    -------
    (ScalingData, pandas.DataFrame)
        The table with ``split`` set (the models fit the ``"fit"`` rows only) and the
        held-out rows.

    Examples
    --------
    >>> from bayes_scaling.simulate import simulate_form_curves
    >>> sim = simulate_form_curves("power_law_irreducible",
    ...                            {"alpha": 0.1, "beta": 0.5, "gamma": 0.02}, seed=1)
    >>> from bayes_scaling.comparison import split_future
    >>> train, future = split_future(sim.frame, n_largest=2)
    >>> sorted(future["data"].unique()) == sorted(sim.frame["data"].unique())[-2:]
    True
    >>> train.frame["split"].value_counts().to_dict()
    {'fit': 16, 'holdout': 4}
    """
    table = load_table(data)
    frame = table.frame.copy()
    size = table.size
    if n_largest is None:
        if "split" not in frame or not (frame["split"] == "holdout").any():
            raise ModelConfigError("the table has no held-out rows (split == 'holdout'); "
                                   "pass n_largest to hold out each curve's largest sizes")
    else:
        if isinstance(n_largest, bool) or not isinstance(n_largest, int) or n_largest < 1:
            raise ModelConfigError(f"n_largest must be a positive integer, got {n_largest!r}")
        rank = frame.groupby(["domain", "curve"], sort=False)[size].rank(method="dense",
                                                                          ascending=False)
        frame["split"] = np.where(rank <= n_largest, "holdout", "fit")
    fit_sizes = frame[frame["split"] == "fit"].groupby(["domain", "curve"], sort=False)[
        size].nunique()
    all_curves = frame.groupby(["domain", "curve"], sort=False).size().index
    short = [f"{d}/{c} ({int(fit_sizes.get((d, c), 0))})" for d, c in all_curves
             if fit_sizes.get((d, c), 0) < min_fit_sizes]
    if short:
        raise ModelConfigError(
            f"curves left with fewer than {min_fit_sizes} distinct sizes to fit: "
            f"{', '.join(short)}; hold out fewer sizes or drop these curves")
    holdout = frame[frame["split"] == "holdout"].reset_index(drop=True)
    if holdout.empty:
        raise ModelConfigError("no held-out rows to score")
    return ScalingData(frame, size=size, source=table.source, notes=table.notes), holdout


def score_holdout(predictive: xr.Dataset, holdout: pd.DataFrame, *, metric: str,
                  model: str = "model", probs: Sequence[float] = COVERAGE_PROBS,
                  ) -> pd.DataFrame:
    """Score predictive draws on held-out rows, per domain.

    Parameters
    ----------
    predictive : xarray.Dataset
        ``log_metric`` (predictive draws) and ``log_density`` (log density of the observed
        value), dims (chain, draw, obs), obs aligned with ``holdout``'s rows (see
        :func:`bayes_scaling.models.form.form_predictive`).
    holdout : pandas.DataFrame
        The held-out rows (``domain``, ``curve`` and the metric column).
    metric : {"error", "loss"}
        The metric column.
    model : str
        Model name for the ``model`` column.
    probs : sequence of float
        Central-interval probabilities whose coverage is reported (``coverage_50``...).

    Returns
    -------
    pandas.DataFrame
        One row per domain and one for ``"(all)"``: ``model``, ``domain``, ``n_holdout``,
        ``elpd`` (sum), ``elpd_mean`` (per point), ``rmse_log``, ``coverage_<p>`` and
        ``miscalibration`` (mean absolute gap between coverage and nominal).

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> import xarray as xr
    >>> from bayes_scaling.comparison import score_holdout
    >>> holdout = pd.DataFrame({"domain": "d", "curve": "c", "data": [1e4, 2e4],
    ...                         "error": [0.10, 0.08]})
    >>> draws = np.log(holdout["error"].to_numpy()) + np.random.default_rng(0).normal(
    ...     0.0, 0.1, size=(1, 1000, 2))  # predictive draws of log error, centred on the truth
    >>> predictive = xr.Dataset({"log_metric": (("chain", "draw", "obs"), draws),
    ...                          "log_density": (("chain", "draw", "obs"), np.zeros((1, 1000, 2)))})
    >>> scores = score_holdout(predictive, holdout, metric="error", model="example")
    >>> scores[["model", "domain", "n_holdout"]]
         model domain  n_holdout
    0  example      d          2
    1  example  (all)          2
    """
    sample = list(dims.SAMPLE_DIMS)
    draws = predictive["log_metric"]
    n = draws.sizes[dims.CHAIN] * draws.sizes[dims.DRAW]
    lpd = logsumexp(predictive["log_density"].stack(s=sample).values, axis=-1) - np.log(n)
    y = np.log(holdout[metric].to_numpy(float))
    median = draws.median(sample).values
    inside = {}
    for p in probs:
        bounds = az.eti(draws, prob=p, dim=sample)
        low = bounds.sel({dims.CI_BOUND: "lower"}).values
        high = bounds.sel({dims.CI_BOUND: "upper"}).values
        inside[p] = (y >= low) & (y <= high)
    domains = holdout["domain"].to_numpy(str)
    rows = []
    for name in [*dict.fromkeys(domains), "(all)"]:
        mask = np.ones(len(y), bool) if name == "(all)" else domains == name
        row = {"model": model, "domain": name, "n_holdout": int(mask.sum()),
               "elpd": float(lpd[mask].sum()), "elpd_mean": float(lpd[mask].mean()),
               "rmse_log": float(np.sqrt(np.mean((median[mask] - y[mask]) ** 2)))}
        gaps = []
        for p in probs:
            cover = float(inside[p][mask].mean())
            row[f"coverage_{round(100 * p)}"] = cover
            gaps.append(abs(cover - p))
        row["miscalibration"] = float(np.mean(gaps))
        rows.append(row)
    return pd.DataFrame(rows)
