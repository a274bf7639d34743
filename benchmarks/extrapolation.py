"""Part 3, extrapolation: held-out accuracy and interval calibration, per domain.

The harness fits a method on the rows with ``split == "fit"`` and scores it on the rows with
``split == "holdout"`` (on ``revisiting2022-lang`` these are the paper's extrapolation points:
larger sizes than any fitted one). A method is a *predictor*::

    predict(train: DataFrame, holdout: DataFrame) -> DataFrame

``train`` and ``holdout`` are tidy rows (``domain, curve, data`` and the metric, ``loss`` or
``error``); the result has the index of ``holdout`` and

* ``prediction``: the point prediction of the metric (a posterior-predictive median for a
  Bayesian method);
* optionally ``lower_<p>`` and ``upper_<p>`` for ``p`` in :data:`LEVELS`: central
  predictive intervals (build them from predictive draws with :func:`intervals_from_draws`).

:func:`score` returns, per domain and overall, the RMSE of log metric on held-out points and,
where intervals are given, the coverage of each level and the miscalibration (mean absolute
gap between coverage and nominal level), with how much of it is noise
(:data:`NOISE_COLUMNS`: a curve-level bootstrap and a perfectly calibrated method's
miscalibration on the same rows, :mod:`benchmarks.coverage_noise`). Point methods (M1-M4)
have no intervals: their coverage is reported as not applicable (empty,
``intervals = False``).

The Bayesian forms of :mod:`bayes_scaling.comparison` plug in through
:data:`BAYESIAN_PREDICTORS`: the partially pooled learning-curve model here; the per-curve
forms and their averages in :mod:`benchmarks.form_extrapolation`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from benchmarks._common import MIRROR
from benchmarks.coverage_noise import calibrated_reference, curve_bootstrap, miscalibration
from benchmarks.point_fits import ESTIMATORS, FITTERS

#: Central predictive-interval probabilities scored for coverage.
LEVELS: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95)

Predictor = Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]

#: Columns of :func:`score` that say how much of the coverage is noise
#: (:mod:`benchmarks.coverage_noise`): the central 90% range of the 90% coverage and of
#: the miscalibration over curves resampled with replacement, and the median
#: miscalibration of a perfectly calibrated method on the same held-out rows, its PIT
#: values independent per row and shared by the rows of a curve.
NOISE_COLUMNS: tuple[str, ...] = (
    "coverage_0.9_low", "coverage_0.9_high", "miscalibration_low", "miscalibration_high",
    "calibrated_miscalibration_rows", "calibrated_miscalibration_curves")

def hierarchical_predictor(*, draws: int = 1000, seed: int = 2026,
                           **model_options: object) -> Predictor:
    """:class:`~bayes_scaling.models.HierarchicalLearningCurve` fitted to all curves at once
    with the package's default sampler settings (4 chains, ``draws`` per chain); the held-out
    rows are predicted with :func:`bayes_scaling.prediction.predict` (posterior predictive
    through the rebuilt model: the curve, its discrepancy and the noise), as a user would.
    ``model_options`` go to the model (e.g. ``discrepancy=False``,
    ``curve_parameterization="centered"``)."""

    def predict(train: pd.DataFrame, holdout: pd.DataFrame) -> pd.DataFrame:
        import warnings

        from bayes_scaling.diagnostics import fit_report
        from bayes_scaling.errors import FitDiagnosticsWarning
        from bayes_scaling.models import HierarchicalLearningCurve
        from bayes_scaling.prediction import predict as predict_rows

        with warnings.catch_warnings():  # diagnostics are recorded in the fit's attrs
            warnings.simplefilter("ignore", FitDiagnosticsWarning)
            fit = HierarchicalLearningCurve(train, **model_options).fit(draws=draws, seed=seed)
        print(f"hierarchical fit {model_options or ''} on {len(train)} rows: "
              f"{fit_report(fit).verdict}", flush=True)
        rows = holdout[["domain", "curve", "data"]]
        table = predict_rows(fit, rows, probs=LEVELS, seed=seed)
        return prediction_intervals(table, fit.attrs["metric"], holdout.index)

    predict.__name__ = "predict_hierarchical"
    return predict


#: Bayesian predictors scored by :func:`run` beside M1-M4. The per-curve SMC forms and
#: their averages are scored by :mod:`benchmarks.form_extrapolation` (they share the fits
#: with the evidence and LOO comparison).
BAYESIAN_PREDICTORS: dict[str, Predictor] = {
    "bayes: hierarchical": hierarchical_predictor(),
    "bayes: hierarchical, no discrepancy": hierarchical_predictor(discrepancy=False),
}


def metric_of(frame: pd.DataFrame) -> str:
    """The metric column of a tidy frame (``loss`` or ``error``)."""
    for name in ("loss", "error"):
        if name in frame:
            return name
    raise KeyError(f"no 'loss' or 'error' column in {list(frame.columns)}")


def point_predictor(estimator: str) -> Predictor:
    """Per-curve point predictor from one of M1-M4 (fitted on each curve's train rows)."""
    fitter = FITTERS[estimator]

    def predict(train: pd.DataFrame, holdout: pd.DataFrame) -> pd.DataFrame:
        metric = metric_of(train)
        out = pd.Series(np.nan, index=holdout.index, dtype=float)
        fitted = train.groupby(["domain", "curve"], sort=False)
        for key, rows in holdout.groupby(["domain", "curve"], sort=False):
            curve = fitted.get_group(key)
            fit = fitter(curve["data"].to_numpy(float), curve[metric].to_numpy(float))
            out.loc[rows.index] = fit.predict(rows["data"].to_numpy(float))
        return pd.DataFrame({"prediction": out})

    predict.__name__ = f"predict_{estimator}"
    return predict


POINT_PREDICTORS: dict[str, Predictor] = {name: point_predictor(name) for name in ESTIMATORS}


def intervals_from_draws(draws: np.ndarray, index: pd.Index,
                         levels: tuple[float, ...] = LEVELS) -> pd.DataFrame:
    """``prediction`` (median) and central ``lower_<p>``/``upper_<p>`` from predictive draws.

    Parameters
    ----------
    draws : numpy.ndarray
        Shape ``(len(index), n_draws)``: posterior-predictive draws of the metric per row.
    index : pandas.Index
        The holdout index the rows belong to.
    """
    draws = np.asarray(draws, float)
    if draws.ndim != 2 or draws.shape[0] != len(index):
        raise ValueError(f"draws must have shape (n_holdout={len(index)}, n_draws), "
                         f"got {draws.shape}")
    probs = [0.5] + [q for p in levels for q in ((1 - p) / 2, (1 + p) / 2)]
    quant = np.quantile(draws, probs, axis=1)
    out = {"prediction": quant[0]}
    for k, p in enumerate(levels):
        out[f"lower_{p:g}"], out[f"upper_{p:g}"] = quant[1 + 2 * k], quant[2 + 2 * k]
    return pd.DataFrame(out, index=index)


def score(predict: Predictor, data: pd.DataFrame | None = None, *,
          levels: tuple[float, ...] = LEVELS) -> pd.DataFrame:
    """Fit on ``split == "fit"``, score on ``split == "holdout"``, per domain and overall.

    Parameters
    ----------
    predict : callable
        ``predict(train, holdout) -> DataFrame`` (see the module docstring).
    data : pandas.DataFrame, optional
        Tidy table with a ``split`` column; default ``revisiting2022-lang``.
    levels : tuple of float
        Interval probabilities to score.

    Returns
    -------
    pandas.DataFrame
        One row per domain and ``"all"``: ``n_holdout``, ``rmse_log`` (RMSE of the log metric),
        ``intervals`` (whether the method gave intervals), ``coverage_<p>``,
        ``miscalibration`` and :data:`NOISE_COLUMNS` (NaN, i.e. not applicable, for point
        methods).
    """
    return summarize(predicted_rows(predict, data, levels=levels), levels=levels)


def predicted_rows(predict: Predictor, data: pd.DataFrame | None = None, *,
                   levels: tuple[float, ...] = LEVELS) -> pd.DataFrame:
    """Fit on ``split == "fit"`` and return the held-out rows with the method's predictions
    (parameters as for :func:`score`).

    Returns
    -------
    pandas.DataFrame
        The held-out rows (without ``split``), plus ``observed`` (the metric),
        ``prediction`` and, for a method with intervals, ``lower_<p>``/``upper_<p>``: what
        :func:`summarize` scores, kept so that a run can be re-scored without refitting.
    """
    if data is None:
        from bayes_scaling.datasets import load_dataset

        data = load_dataset("revisiting2022-lang", mirror=MIRROR).frame
    if "split" not in data:
        raise KeyError("data needs a 'split' column with 'fit' and 'holdout' rows")
    metric = metric_of(data)
    train = data[data["split"] == "fit"]
    holdout = data[data["split"] == "holdout"]
    pred = predict(train.copy(), holdout.copy())
    if "prediction" not in pred or not pred.index.equals(holdout.index):
        raise ValueError("a predictor must return a 'prediction' column on the holdout index")
    has_intervals = all(f"lower_{p:g}" in pred and f"upper_{p:g}" in pred for p in levels)
    bounds = [f"{side}_{p:g}" for p in levels for side in ("lower", "upper")]
    kept = ["prediction", *(bounds if has_intervals else [])]
    out = holdout.drop(columns="split").assign(observed=holdout[metric].to_numpy(float))
    return pd.concat([out, pred[kept].astype(float)], axis=1)


def summarize(rows: pd.DataFrame, *, levels: tuple[float, ...] = LEVELS) -> pd.DataFrame:
    """Score :func:`predicted_rows`' output per domain and overall (see :func:`score`)."""
    has_intervals = all(f"lower_{p:g}" in rows and f"upper_{p:g}" in rows for p in levels)
    observed = rows["observed"].to_numpy(float)
    sq = (np.log(rows["prediction"].to_numpy(float)) - np.log(observed)) ** 2
    frame = pd.DataFrame({"domain": rows["domain"].to_numpy(), "sq": sq,
                          # a curve is a (domain, curve) pair: names repeat across domains
                          "curve": (rows["domain"].astype(str) + "\x1f"
                                    + rows["curve"].astype(str)).to_numpy()})
    for p in levels:
        if has_intervals:
            inside = ((rows[f"lower_{p:g}"].to_numpy(float) <= observed)
                      & (observed <= rows[f"upper_{p:g}"].to_numpy(float)))
            frame[f"coverage_{p:g}"] = inside.astype(float)
        else:
            frame[f"coverage_{p:g}"] = np.nan
    out = []
    groups = [(str(d), g) for d, g in frame.groupby("domain", sort=True)] + [("all", frame)]
    for domain, g in groups:
        row = {"domain": domain, "n_holdout": len(g), "rmse_log": float(np.sqrt(g["sq"].mean())),
               "intervals": has_intervals}
        covs = [float(g[f"coverage_{p:g}"].mean()) if has_intervals else np.nan
                for p in levels]
        row.update({f"coverage_{p:g}": cov for p, cov in zip(levels, covs, strict=True)})
        row["miscalibration"] = (float(miscalibration(covs, levels)) if has_intervals
                                 else np.nan)
        row.update(_noise_columns(g, levels) if has_intervals else dict.fromkeys(NOISE_COLUMNS,
                                                                                 np.nan))
        out.append(row)
    return pd.DataFrame(out)


def _noise_columns(group: pd.DataFrame, levels: tuple[float, ...]) -> dict[str, float]:
    """:data:`NOISE_COLUMNS` of one group of scored rows (:mod:`benchmarks.coverage_noise`)."""
    inside = group[[f"coverage_{p:g}" for p in levels]].to_numpy(float) > 0.5
    boot = curve_bootstrap(inside, group["curve"].to_numpy(), levels)
    reference = calibrated_reference(group["curve"].to_numpy(), levels)
    at_90 = levels.index(0.9) if 0.9 in levels else len(levels) - 1
    return {"coverage_0.9_low": float(boot["coverage_low"][at_90]),
            "coverage_0.9_high": float(boot["coverage_high"][at_90]),
            "miscalibration_low": float(boot["miscalibration_low"]),
            "miscalibration_high": float(boot["miscalibration_high"]),
            "calibrated_miscalibration_rows": reference["independent"]["median"],
            "calibrated_miscalibration_curves": reference["per_curve"]["median"]}


def simulated_split(*, n_holdout_sizes: int = 3, seed: int = 0, **simulate: object,
                    ) -> pd.DataFrame:
    """Simulated curves with known truth, the ``n_holdout_sizes`` largest sizes held out."""
    from bayes_scaling.simulate import simulate_learning_curves

    frame = simulate_learning_curves(seed=seed, **simulate).frame  # type: ignore[arg-type]
    largest = np.sort(frame["data"].unique())[-n_holdout_sizes:]
    return frame.assign(split=np.where(frame["data"].isin(largest), "holdout", "fit"))


def compare(predictors: dict[str, Predictor], data: pd.DataFrame | None = None,
            ) -> pd.DataFrame:
    """:func:`score` for each named predictor, stacked with a ``method`` column."""
    return pd.concat([score(p, data).assign(method=name) for name, p in predictors.items()],
                     ignore_index=True)[["method", *score_columns()]]


def score_columns(levels: tuple[float, ...] = LEVELS) -> list[str]:
    """Column order of :func:`score`."""
    return ["domain", "n_holdout", "rmse_log", "intervals",
            *[f"coverage_{p:g}" for p in levels], "miscalibration", *NOISE_COLUMNS]


def run(*, quick: bool = False) -> dict[str, pd.DataFrame]:
    """M1-M4 and :data:`BAYESIAN_PREDICTORS` on the language benchmark and on simulated
    curves; returns one table per data set (``quick``: the Bayesian fits use 100 draws)."""
    bayes = ({"bayes: hierarchical": hierarchical_predictor(draws=100)}
             if quick else BAYESIAN_PREDICTORS)
    predictors = {**POINT_PREDICTORS, **bayes}
    simulated = simulated_split(n_domains=2 if quick else 3,
                                curves_per_domain=2 if quick else 5, seed=7)
    return {"extrapolation_lang": compare(predictors),
            "extrapolation_simulated": compare(predictors, simulated)}


def prediction_intervals(table: pd.DataFrame, metric: str, index: pd.Index) -> pd.DataFrame:
    """The scorer's columns (``prediction``, ``lower_<p>``, ``upper_<p>`` for every
    level of :data:`LEVELS`) from a :func:`bayes_scaling.prediction.predict` table."""
    out = {"prediction": table[f"{metric}_median"].to_numpy()}
    for p in LEVELS:
        out[f"lower_{p:g}"] = table[f"{metric}_lower_{p:g}"].to_numpy()
        out[f"upper_{p:g}"] = table[f"{metric}_upper_{p:g}"].to_numpy()
    return pd.DataFrame(out, index=index)
