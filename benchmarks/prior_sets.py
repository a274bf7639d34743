"""Literature prior sets vs the default priors, with few sizes per curve (leave-future-out).

``python -m benchmarks.prior_sets [--quick] [--tables NAME ...]``

Each table keeps only the :data:`FIT_SIZES` smallest sizes of every curve for fitting and
holds out all larger sizes (:func:`smallest_sizes_split`): the case where a prior on the
exponent should matter most. :class:`~bayes_scaling.models.HierarchicalLearningCurve` is
fitted twice on the same rows, with the packaged default priors and with the table's
literature prior set (:data:`TABLE_PRIOR_SETS`), and scored by
:func:`benchmarks.extrapolation.score` (RMSE of the log metric, coverage of central
predictive intervals, per domain and overall). The *prior sensitivity* of a projection is
the data growth each curve needs for a 10% lower metric (target ``x0.9``,
:func:`bayes_scaling.fit_projection.project_fit`) under both fits: the shift of its median
and of its interval ends, in log10 units, and the ratio of the interval widths.

Tables:

``revisiting2022-lang``
    Alabdulmohsin et al. 2022's language curves (language models, NMT, BIG-bench), set
    ``language-model``.
``mlp-learning-curves``
    The embedded width sweep, reduced to each shard's best model size (as in
    :func:`benchmarks.calibration.mlp_table`), set ``image-classification``.

Results, per table: ``benchmarks/results/prior_sets_<table>.csv`` (scores),
``prior_sets_projection_<table>.csv`` (sensitivity), ``prior_sets_exponent_<table>.csv``
(prior and posterior of ``beta_global``), each with its ``.machine.csv``.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._common import MIRROR, RESULTS, write_results
from benchmarks.extrapolation import LEVELS, metric_of, prediction_intervals, score

#: Sizes per curve that are fitted (the smallest ones); every larger size is held out.
FIT_SIZES = 4
#: Sampler settings (4 chains x 500 draws, 500 tuning steps): modest, as the issue asks.
DRAWS, TUNE, CHAINS, SEED = 500, 500, 4, 2026
#: Target of the projection whose prior sensitivity is measured (10% below the fitted end).
TARGET = "x0.9"
#: Table -> the literature prior set compared with the defaults on it.
TABLE_PRIOR_SETS: dict[str, str] = {"revisiting2022-lang": "language-model",
                                    "mlp-learning-curves": "image-classification"}


def smallest_sizes_split(frame: pd.DataFrame, n: int = FIT_SIZES) -> pd.DataFrame:
    """``split = "fit"`` for the ``n`` smallest distinct sizes of each curve, else
    ``"holdout"``.

    Examples
    --------
    >>> f = pd.DataFrame({"domain": "d", "curve": "c", "data": [1, 2, 2, 3, 4]})
    >>> smallest_sizes_split(f, 2)["split"].tolist()
    ['fit', 'fit', 'fit', 'holdout', 'holdout']
    """
    rank = frame.groupby(["domain", "curve"], sort=False)["data"].rank(method="dense")
    return frame.assign(split=np.where(rank <= n, "fit", "holdout"))


def load_table(name: str) -> pd.DataFrame:
    """Table ``name`` (a key of :data:`TABLE_PRIOR_SETS`) with the smallest-sizes split."""
    from bayes_scaling.datasets import load_dataset

    if name == "mlp-learning-curves":
        from bayes_scaling.data import best_model_size_rows

        frame = load_dataset(name).frame
        frame = best_model_size_rows(frame, metric=metric_of(frame), size="data")
    elif name == "revisiting2022-lang":
        frame = load_dataset(name, mirror=MIRROR).frame.drop(columns="split")
    else:
        raise KeyError(f"unknown table {name!r}; valid: {sorted(TABLE_PRIOR_SETS)}")
    return smallest_sizes_split(frame)


def _predictor(prior_set: str | None, fits: dict, *, draws: int, tune: int, chains: int):
    """A predictor (the interface of :mod:`benchmarks.extrapolation`) that keeps its fit."""

    def predict(train: pd.DataFrame, holdout: pd.DataFrame) -> pd.DataFrame:
        from bayes_scaling.diagnostics import fit_report
        from bayes_scaling.errors import FitDiagnosticsWarning, IdentificationWarning
        from bayes_scaling.models import HierarchicalLearningCurve
        from bayes_scaling.prediction import predict as predict_rows

        start = time.perf_counter()
        with warnings.catch_warnings():  # recorded in the fit's attrs / printed below
            warnings.simplefilter("ignore", FitDiagnosticsWarning)
            warnings.simplefilter("ignore", IdentificationWarning)
            fit = HierarchicalLearningCurve(train, prior_set=prior_set).fit(
                draws=draws, tune=tune, chains=chains, seed=SEED)
        fits["fit"], fits["seconds"] = fit, time.perf_counter() - start
        fits["verdict"] = fit_report(fit).verdict
        print(f"  fit (prior set {prior_set}) on {len(train)} rows: {fits['seconds']:.0f} s, "
              f"{fits['verdict']}", flush=True)
        table = predict_rows(fit, holdout[["domain", "curve", "data"]], probs=LEVELS, seed=SEED)
        return prediction_intervals(table, fit.attrs["metric"], holdout.index)

    return predict


def _growth(fit) -> pd.DataFrame:
    """Median and 90% interval of the data growth to reach :data:`TARGET`, per curve."""
    from bayes_scaling.fit_projection import project_fit

    projection, _ = project_fit(fit, [TARGET])
    growth = projection["data_growth"].sel(target=TARGET)
    draws = growth.stack(sample=("chain", "draw")).transpose("curve", "sample").values
    rows = []
    for curve, values in zip(growth["curve"].values, draws, strict=True):
        finite = values[np.isfinite(values)]
        q = (np.quantile(np.log10(finite), [0.05, 0.5, 0.95]) if finite.size
             else [np.nan] * 3)
        rows.append({"curve": str(curve), "p_reachable": finite.size / values.size,
                     "log10_growth_lower": q[0], "log10_growth_median": q[1],
                     "log10_growth_upper": q[2]})
    return pd.DataFrame(rows)


def _exponent(fit, label: str) -> dict[str, float | str]:
    from bayes_scaling.prior_sets import prior_posterior_table

    row = prior_posterior_table(fit, ["log_beta_mu"], ci_prob=0.9).iloc[0]
    return {"priors": label,
            **{f"beta_global_{k}": float(np.exp(row[k])) for k in
               ("prior_lower", "prior_median", "prior_upper", "posterior_lower",
                "posterior_median", "posterior_upper")}}


def run(tables: list[str], *, draws: int = DRAWS, tune: int = TUNE,
        chains: int = CHAINS) -> dict[str, pd.DataFrame]:
    """Score the defaults and the table's prior set on each table; projection sensitivity."""
    scores, sensitivity, exponents = [], [], []
    for name in tables:
        data = load_table(name)
        prior_set = TABLE_PRIOR_SETS[name]
        print(f"{name}: {int((data['split'] == 'fit').sum())} fit rows, "
              f"{int((data['split'] == 'holdout').sum())} held out; set {prior_set}",
              flush=True)
        growth = {}
        for label, chosen in (("default", None), (prior_set, prior_set)):
            fits: dict = {}
            table = score(_predictor(chosen, fits, draws=draws, tune=tune, chains=chains),
                          data)
            scores.append(table.assign(table=name, priors=label, seconds=fits["seconds"],
                                       diagnostics=fits["verdict"]))
            growth[label] = _growth(fits["fit"])
            exponents.append({"table": name, **_exponent(fits["fit"], label)})
        both = growth["default"].merge(growth[prior_set], on="curve",
                                       suffixes=("_default", "_set"))
        for end in ("lower", "median", "upper"):
            both[f"shift_{end}"] = (both[f"log10_growth_{end}_set"]
                                    - both[f"log10_growth_{end}_default"])
        both["width_ratio"] = ((both["log10_growth_upper_set"] - both["log10_growth_lower_set"])
                               / (both["log10_growth_upper_default"]
                                  - both["log10_growth_lower_default"]))
        sensitivity.append(both.assign(table=name, prior_set=prior_set))
    return {"prior_sets": pd.concat(scores, ignore_index=True),
            "prior_sets_projection": pd.concat(sensitivity, ignore_index=True),
            "prior_sets_exponent": pd.DataFrame(exponents)}


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, write the CSVs and print the summary."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.prior_sets",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--tables", nargs="+", default=list(TABLE_PRIOR_SETS),
                        choices=list(TABLE_PRIOR_SETS))
    parser.add_argument("--quick", action="store_true", help="tiny sampling: checks the script")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    settings = ({"draws": 50, "tune": 50, "chains": 2} if args.quick
                else {"draws": DRAWS, "tune": TUNE, "chains": CHAINS})
    out = args.out or (RESULTS / "quick" if args.quick else RESULTS)
    for table in args.tables:  # one table at a time: its files are written when it is done
        results = run([table], **settings)
        for name, frame in results.items():
            print(f"wrote {write_results(frame, f'{name}_{table}', out)}")
        scores = results["prior_sets"].assign(
            diagnostics=lambda f: f["diagnostics"].str.split(".").str[0])
        cols = ["table", "priors", "domain", "n_holdout", "rmse_log", "coverage_0.5",
                "coverage_0.9", "seconds", "diagnostics"]
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(scores[cols].to_string(index=False))
            print(results["prior_sets_exponent"].to_string(index=False))
            sens = results["prior_sets_projection"]
            print(sens[["shift_lower", "shift_median", "shift_upper",
                        "width_ratio"]].median().to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
