"""Leave-future-out calibration across several tables: accuracy, coverage and wall time.

Part 3 (:mod:`benchmarks.extrapolation`) scores methods on one public table and on curves
drawn from the model's own family. A calibration claim needs more: tables the model was not
developed on and curves that are *not* of its form. Every table here is tidy with a
``split`` column; a predictor (the interface of :mod:`benchmarks.extrapolation`,
``predict(train, holdout) -> DataFrame`` with ``prediction`` and ``lower_<p>/upper_<p>``)
is fitted on the ``fit`` rows and scored on the larger, ``holdout`` sizes by
:func:`benchmarks.extrapolation.score`.

Tables (:data:`TABLES`) and their holdout rules:

``revisiting2022-lang``
    The paper's own split (Alabdulmohsin et al. 2022).
``mlp-learning-curves``
    The embedded width sweep (``params``, three seeds per width). Per curve, sizes above a
    quarter of the curve's largest size are held out (:func:`hold_out_above`: 3 of 9 sizes
    on ``digits``, 2 of 9 on ``mnist1d``). The learning-curve model draws a curve through
    each shard's best model size (:func:`bayes_scaling.data.best_model_size_rows`) and
    predicts *that* error; M1-M4 fit whatever rows they are given, so on the raw sweep they
    would fit a mixture of too-small and too-large models, and every method would be
    scored against every width of a held-out size. The table is therefore reduced to the
    best model size of each shard *before* the split (the same rule on fit and holdout
    rows; all seeds kept, ``params`` and ``seed`` columns kept): every method then predicts
    and is scored on the best model's error. Picking the best of ~6 widths by their
    observed mean makes held-out targets slightly optimistic (a selection effect of the
    order of the seed noise), equally for all methods.
``dense-learning-curves``
    The embedded dense curves (7 classical scikit-learn learners on 3 domains, 24 sizes
    per curve up to the whole training pool, error averaged over seeds). Per curve, the
    sizes up to 1/8 of the curve's largest size are fitted and the larger ones held out
    (:func:`hold_out_above` with ratio 1/8: 13 of 24 sizes fitted on ``digits``, 17 of 24
    on ``mnist1d`` and ``synthetic``). This mimics an extrapolation task of classical
    learners fitted up to 1/8 of the largest size; the held-out part is where several
    curves saturate.
``simulated-misspecified``
    :func:`bayes_scaling.simulate.simulate_misspecified_curves` (sigmoid, broken and
    drifting power laws with AR(1) or random-walk log noise). Per curve, the sizes in the
    top 30% of the curve's log-size range are held out (:func:`hold_out_log_fraction`).
``simulated-in-family``
    ``alpha m^-beta + gamma`` curves with log-normal noise,
    :func:`benchmarks.extrapolation.simulated_split` (the three largest sizes held out).
``gadre2024``
    Gadre et al. (2024), :mod:`bayes_scaling.datasets.gadre`: 104 OpenLM runs on three
    training sets (the domains), each evaluated on 8 validation sets; a curve is a
    (training set, validation set) pair, 24 curves, one row per run. The dataset's own
    split: fitted on the runs below 1e9 parameters (1.1e7 to 4.1e8), held out the 1.4B and
    6.9B runs (9 runs, 72 rows): up to 2.8 in log model size and 1.25 in log tokens
    beyond the fitted runs. Its rows have two size columns, ``params`` (N) and ``data``
    (D): only joint-law methods apply (:data:`TABLE_SIZES`).
``chinchilla-epoch2024``
    Hoffmann et al.'s IsoFLOP runs as digitised by Besiroglu et al. (2024), one curve, 245
    runs: the runs above 2e9 parameters held out (57 runs up to 1.6e10 parameters, up to
    2.1 in log model size beyond the fitted runs; :data:`CHINCHILLA_HOLDOUT_ABOVE`, the rule
    of ``tests/test_prediction_models.py`` without its interior holdout). The 5 runs with
    far too few tokens for their size, which Epoch's replication drops, are all among the
    held-out runs and are kept: a method is scored on them as a user would get it (they
    cap the coverage a method can reach at 52/57 = 0.91 unless its intervals are very
    wide). Joint-law methods only.

Methods model one or two size columns (:func:`predictor_sizes`): learning-curve methods
(M1-M4, the hierarchical model) the ``data`` column, joint-law methods (the Bayesian
:class:`~bayes_scaling.models.JointScalingLaw` and its per-curve Huber point fit)
``params`` and ``data``. :func:`run` scores a method on a table only when the two agree
and says which pairs it skipped (log line and ``attrs["skipped"]`` of its result).

:func:`run` scores every predictor on every table and times each predictor call;
:func:`summary` keeps each table's overall row per method; :func:`write` stores both
with the machine description. The predictors of ``python -m benchmarks calibration``
are :func:`default_predictors` (plug a new method in there).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._common import MIRROR, RESULTS, timer, write_results
from benchmarks.coverage_noise import miscalibration
from benchmarks.extrapolation import (
    LEVELS,
    NOISE_COLUMNS,
    POINT_PREDICTORS,
    Predictor,
    hierarchical_predictor,
    metric_of,
    predicted_rows,
    prediction_intervals,
    simulated_split,
    summarize,
)

#: Columns of :func:`run`'s table, in order.
COLUMNS: list[str] = ["table", "method", "domain", "n_holdout", "rmse_log",
                      *[f"coverage_{p:g}" for p in LEVELS], "miscalibration",
                      *NOISE_COLUMNS, "wall_s"]
#: Held-out share of each curve's log-size range on the misspecified simulation.
MISSPECIFIED_HOLDOUT = 0.3
#: mlp-learning-curves: sizes above this fraction of a curve's largest size are held out.
MLP_HOLDOUT_ABOVE = 0.25
#: dense-learning-curves: sizes above this fraction of a curve's largest size are held out.
DENSE_HOLDOUT_ABOVE = 1 / 8
#: Seeds of the simulated tables (fixed: the tables are part of the benchmark).
MISSPECIFIED_SEED = 11
IN_FAMILY_SEED = 7
#: simulated-checkpoints: seed of the table, and how many of the largest model sizes have
#: their final checkpoint held out (their other checkpoints are not in the table).
CHECKPOINT_SEED = 5
CHECKPOINT_HELD_OUT_SIZES = 2
#: chinchilla-epoch2024: runs with more parameters than this are held out.
CHINCHILLA_HOLDOUT_ABOVE = 2e9
#: Size columns of a learning-curve table and of a joint-law table.
LEARNING_CURVE_SIZES: tuple[str, ...] = ("data",)
JOINT_SIZES: tuple[str, ...] = ("params", "data")


def hold_out_above(frame: pd.DataFrame, ratio: float, *,
                   by: tuple[str, ...] = ("domain", "curve")) -> pd.DataFrame:
    """``split = "holdout"`` for the rows whose size exceeds ``ratio`` times their
    curve's largest size, ``"fit"`` otherwise.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy rows with a ``data`` column.
    ratio : float
        In (0, 1).
    by : tuple of str
        Columns identifying a curve.

    Returns
    -------
    pandas.DataFrame
        A copy with a ``split`` column.
    """
    largest = frame.groupby(list(by), sort=False)["data"].transform("max")
    return frame.assign(split=np.where(frame["data"] > ratio * largest, "holdout", "fit"))


def hold_out_log_fraction(frame: pd.DataFrame, fraction: float, *,
                          by: tuple[str, ...] = ("domain", "curve")) -> pd.DataFrame:
    """``split = "holdout"`` for the rows in the top ``fraction`` of their curve's
    log-size range, ``"fit"`` otherwise.

    A row is held out when ``log m > log m_max - fraction * (log m_max - log m_min)``
    (its curve's smallest and largest sizes); on log-evenly spaced sizes that is about
    ``fraction`` of the sizes.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy rows with a ``data`` column.
    fraction : float
        In (0, 1).
    by : tuple of str
        Columns identifying a curve.

    Returns
    -------
    pandas.DataFrame
        A copy with a ``split`` column.
    """
    log_m = np.log(frame["data"].astype(float))
    groups = log_m.groupby([frame[c] for c in by], sort=False)
    lo, hi = groups.transform("min"), groups.transform("max")
    return frame.assign(split=np.where(log_m > hi - fraction * (hi - lo), "holdout", "fit"))


def lang_table() -> pd.DataFrame:
    """``revisiting2022-lang`` with the paper's split (public mirror: ``MIRROR``)."""
    from bayes_scaling.datasets import load_dataset

    return load_dataset("revisiting2022-lang", mirror=MIRROR).frame


def mlp_table(ratio: float = MLP_HOLDOUT_ABOVE) -> pd.DataFrame:
    """The embedded ``mlp-learning-curves`` at each shard's best model size, sizes above
    ``ratio`` of each curve's largest held out (see the module docstring for why)."""
    from bayes_scaling.data import best_model_size_rows
    from bayes_scaling.datasets import load_dataset

    frame = load_dataset("mlp-learning-curves").frame
    best = best_model_size_rows(frame, metric=metric_of(frame), size="data")
    return hold_out_above(best, ratio)


def dense_table(ratio: float = DENSE_HOLDOUT_ABOVE) -> pd.DataFrame:
    """The embedded ``dense-learning-curves``, sizes above ``ratio`` of each curve's
    largest held out."""
    from bayes_scaling.datasets import load_dataset

    return hold_out_above(load_dataset("dense-learning-curves").frame, ratio)


def misspecified_table(fraction: float = MISSPECIFIED_HOLDOUT, *,
                       seed: int = MISSPECIFIED_SEED, **simulate: object) -> pd.DataFrame:
    """:func:`~bayes_scaling.simulate.simulate_misspecified_curves` (3 domains x 4 curves
    by default), the top ``fraction`` of each curve's log-size range held out."""
    from bayes_scaling.simulate import simulate_misspecified_curves

    frame = simulate_misspecified_curves(seed=seed, **simulate).frame  # type: ignore[arg-type]
    return hold_out_log_fraction(frame, fraction)


def in_family_table() -> pd.DataFrame:
    """:func:`benchmarks.extrapolation.simulated_split`: 3 domains x 3 curves x 3 seeds of
    ``alpha m^-beta + gamma``, the three largest sizes held out."""
    return simulated_split(n_domains=3, curves_per_domain=3, seed=IN_FAMILY_SEED)


def gadre_table() -> pd.DataFrame:
    """``gadre2024`` with the dataset's split (public mirror: ``MIRROR``): fitted on the runs
    below 1e9 parameters, the 1.4B and 6.9B runs held out."""
    from bayes_scaling.datasets import load_dataset

    return load_dataset("gadre2024", mirror=MIRROR).frame


def chinchilla_table(above: float = CHINCHILLA_HOLDOUT_ABOVE) -> pd.DataFrame:
    """``chinchilla-epoch2024`` (public mirror: ``MIRROR``), the runs with more than
    ``above`` parameters held out."""
    from bayes_scaling.datasets import load_dataset

    frame = load_dataset("chinchilla-epoch2024", mirror=MIRROR).frame
    return frame.assign(split=np.where(frame["params"] > above, "holdout", "fit"))


def checkpoint_table(*, seed: int = CHECKPOINT_SEED,
                     held_out_sizes: int = CHECKPOINT_HELD_OUT_SIZES) -> pd.DataFrame:
    """:func:`~bayes_scaling.simulate.simulate_checkpoint_runs` (12 families, 7 model sizes,
    16 checkpoints per run): fitted on every checkpoint of the smaller models, the final
    loss of the ``held_out_sizes`` largest models held out (the protocol of fitting public
    checkpoints of a family's smaller models to predict its largest model). The largest
    models' other checkpoints are left out of the table: the user has not seen them."""
    from bayes_scaling.simulate import simulate_checkpoint_runs

    frame = simulate_checkpoint_runs(seed=seed).frame
    large = np.sort(frame["params"].unique())[-held_out_sizes:]
    is_large = frame["params"].isin(large)
    final = frame["data"] == frame.groupby(["curve", "params"])["data"].transform("max")
    kept = frame[~is_large | final]
    return kept.assign(split=np.where(kept["params"].isin(large), "holdout", "fit"))


#: Table name -> zero-argument loader of a tidy frame with a ``split`` column.
TABLES: dict[str, Callable[[], pd.DataFrame]] = {
    "revisiting2022-lang": lang_table,
    "mlp-learning-curves": mlp_table,
    "dense-learning-curves": dense_table,
    "simulated-misspecified": misspecified_table,
    "simulated-in-family": in_family_table,
    "gadre2024": gadre_table,
    "chinchilla-epoch2024": chinchilla_table,
    "simulated-checkpoints": checkpoint_table,
}
#: Size columns the methods scored on a table must model; tables not listed are learning
#: curves over ``data`` (:data:`LEARNING_CURVE_SIZES`).
TABLE_SIZES: dict[str, tuple[str, ...]] = {"gadre2024": JOINT_SIZES,
                                           "chinchilla-epoch2024": JOINT_SIZES,
                                           "simulated-checkpoints": JOINT_SIZES}


def table_sizes(name: str) -> tuple[str, ...]:
    """The size columns of table ``name`` (:data:`TABLE_SIZES`, else ``("data",)``)."""
    return TABLE_SIZES.get(name, LEARNING_CURVE_SIZES)


def predictor_sizes(predict: Predictor) -> tuple[str, ...]:
    """The size columns a predictor models: its ``sizes`` attribute, else ``("data",)``
    (the learning-curve predictors of :mod:`benchmarks.extrapolation`)."""
    return tuple(getattr(predict, "sizes", LEARNING_CURVE_SIZES))


def _with_sizes(predict: Predictor, sizes: tuple[str, ...]) -> Predictor:
    predict.sizes = sizes  # type: ignore[attr-defined]
    return predict


def huber_joint_predictor() -> Predictor:
    """Per curve, ``E + A/N^alpha + B/D^beta`` by Huber regression of log loss
    (:func:`benchmarks.point_fits.fit_chinchilla_huber`: Hoffmann et al. 2022, Besiroglu et
    al. 2024, ``delta = 1e-3``, a grid of starts), fitted on the curve's ``fit`` rows; a
    point prediction (no intervals)."""
    from benchmarks.point_fits import fit_chinchilla_huber

    def predict(train: pd.DataFrame, holdout: pd.DataFrame) -> pd.DataFrame:
        metric = metric_of(train)
        out = pd.Series(np.nan, index=holdout.index, dtype=float)
        fitted = train.groupby(["domain", "curve"], sort=False)
        for key, rows in holdout.groupby(["domain", "curve"], sort=False):
            curve = fitted.get_group(key)
            fit = fit_chinchilla_huber(curve["params"].to_numpy(float),
                                       curve["data"].to_numpy(float),
                                       curve[metric].to_numpy(float))
            out.loc[rows.index] = fit.predict(rows["params"].to_numpy(float),
                                              rows["data"].to_numpy(float))
        return pd.DataFrame({"prediction": out})

    predict.__name__ = "predict_huber_joint"
    return _with_sizes(predict, JOINT_SIZES)


def joint_predictor(*, draws: int = 1000, seed: int = 2026,
                    **model_options: object) -> Predictor:
    """:class:`~bayes_scaling.models.JointScalingLaw` fitted to every curve of the table at
    once with the package's default sampler settings (4 chains, ``draws`` per chain); the
    held-out rows are predicted with :func:`bayes_scaling.prediction.predict`, as a user
    would. ``model_options`` go to the model. Each call appends the fit's diagnostics
    (:class:`~bayes_scaling.diagnostics.DiagnosticsReport` as a dict, with the number of
    fitted rows) to the predictor's ``reports`` list."""
    reports: list[dict[str, object]] = []

    def predict(train: pd.DataFrame, holdout: pd.DataFrame) -> pd.DataFrame:
        import warnings

        from bayes_scaling.diagnostics import fit_report
        from bayes_scaling.errors import FitDiagnosticsWarning
        from bayes_scaling.models import JointScalingLaw
        from bayes_scaling.prediction import predict as predict_rows

        with warnings.catch_warnings():  # diagnostics are recorded in the fit's attrs
            warnings.simplefilter("ignore", FitDiagnosticsWarning)
            fit = JointScalingLaw(train, **model_options).fit(draws=draws, seed=seed)
        report = fit_report(fit)
        reports.append({"fit_rows": len(train), **report.to_dict()})
        print(f"joint fit {model_options or ''} on {len(train)} rows: {report.verdict}",
              flush=True)
        rows = holdout[["domain", "curve", *JOINT_SIZES]]
        table = predict_rows(fit, rows, probs=LEVELS, seed=seed)
        return prediction_intervals(table, fit.attrs["metric"], holdout.index)

    predict.__name__ = "predict_joint"
    predict.reports = reports  # type: ignore[attr-defined]
    return _with_sizes(predict, JOINT_SIZES)
#: The tables of ``--quick`` (small: a Bayesian fit of each takes well under a minute).
QUICK_TABLES: tuple[str, ...] = ("mlp-learning-curves", "simulated-misspecified",
                                 "simulated-in-family")


def default_predictors(quick: bool = False) -> dict[str, Predictor]:
    """The methods of ``python -m benchmarks calibration``: M1-M4 and the Bayesian
    learning-curve model (learning-curve tables), the per-curve Huber fit and the Bayesian
    joint law (joint-law tables).

    This is the one place to plug a new predictor in.

    Parameters
    ----------
    quick : bool
        Bayesian fits with 100 draws per chain (else 1,000).

    Returns
    -------
    dict of str to callable
        Method name -> predictor.

    The Bayesian models are scored as a user gets them (default settings, held-out rows
    predicted with :func:`bayes_scaling.prediction.predict`); the learning-curve model
    (default: the summed discrepancy, its smooth share learned for the table) also with
    the smooth (integrated) and the rough (Brownian) kernel alone, with the sum's share
    fixed at 1/2, and without its discrepancy term, and the
    joint law also with its (optional) discrepancy
    term, Normal likelihood, which show what the term buys. :func:`run` scores each
    method on the tables of its size columns only (:func:`predictor_sizes`).
    """
    draws = 100 if quick else 1000
    return {**POINT_PREDICTORS,
            "bayes: hierarchical": hierarchical_predictor(draws=draws),
            "bayes: hierarchical, Brownian discrepancy": hierarchical_predictor(
                draws=draws, discrepancy_kernel="brownian"),
            "bayes: hierarchical, no discrepancy": hierarchical_predictor(draws=draws,
                                                                          discrepancy=False),
            "bayes: hierarchical, integrated discrepancy": hierarchical_predictor(
                draws=draws, discrepancy_kernel="integrated"),
            "bayes: hierarchical, summed discrepancy": hierarchical_predictor(
                draws=draws, discrepancy_kernel="brownian+integrated",
                discrepancy_smooth_share=0.5),
            "huber: joint law per curve": huber_joint_predictor(),
            "bayes: joint law": joint_predictor(draws=draws),
            "bayes: joint law, discrepancy": joint_predictor(draws=draws, discrepancy=True,
                                                             robust=False),
            "bayes: joint law, discrepancy, Student-t": joint_predictor(
                draws=draws, discrepancy=True, robust=True)}


def _timed(predict: Predictor, spent: dict[str, float]) -> Predictor:
    """``predict`` that stores the wall time of its call in ``spent["wall_s"]``."""

    def wrapped(train: pd.DataFrame, holdout: pd.DataFrame) -> pd.DataFrame:
        with timer(spent, "wall_s"):
            return predict(train, holdout)

    return wrapped


def run(predictors: dict[str, Predictor], tables: list[str] | None = None, *,
        log: Callable[[str], None] = print, checkpoint: Path | None = None) -> pd.DataFrame:
    """Score every predictor on every table (fit on ``fit`` rows, score on ``holdout``).

    Parameters
    ----------
    predictors : dict of str to callable
        Method name -> ``predict(train, holdout)`` (see :mod:`benchmarks.extrapolation`).
    tables : list of str, optional
        Names in :data:`TABLES` (default: all).
    log : callable
        Progress messages.
    checkpoint : pathlib.Path, optional
        CSV rewritten after every scored method with all rows so far, so that a long run
        that is stopped keeps what it measured.

    Returns
    -------
    pandas.DataFrame
        One row per table, method and domain (plus ``"all"``): :data:`COLUMNS`.
        ``wall_s`` is the wall time of the predictor's call (fitting and predicting the
        whole table; the same on each of the table's rows). Point methods have NaN
        coverage and miscalibration (no intervals). A method is scored on a table only
        when it models the table's size columns (:func:`predictor_sizes`,
        :func:`table_sizes`); the pairs skipped are logged and listed in
        ``attrs["skipped"]`` (dicts with ``table``, ``method`` and ``reason``).
        ``attrs["rows"]`` holds every scored held-out row with its prediction and
        intervals (:func:`benchmarks.extrapolation.predicted_rows`, plus ``table`` and
        ``method``; a dict of columns, :func:`scored_rows` makes it a frame), so that a
        run can be re-scored without refitting.

    Raises
    ------
    KeyError
        An unknown table name.
    """
    names = list(TABLES) if tables is None else list(tables)
    unknown = [n for n in names if n not in TABLES]
    if unknown:
        raise KeyError(f"unknown table(s) {unknown}; valid: {', '.join(TABLES)}")
    parts = []
    row_parts: list[pd.DataFrame] = []
    skipped: list[dict[str, str]] = []
    for name in names:
        data = TABLES[name]()
        n_fit = int((data["split"] == "fit").sum())
        log(f"calibration: {name}: {n_fit} fit rows, {len(data) - n_fit} held out")
        sizes = table_sizes(name)
        for method, predict in predictors.items():
            if predictor_sizes(predict) != sizes:
                reason = (f"the method models size column(s) {list(predictor_sizes(predict))}, "
                          f"the table has {list(sizes)}")
                log(f"calibration: {name} / {method}: skipped ({reason})")
                skipped.append({"table": name, "method": method, "reason": reason})
                continue
            spent: dict[str, float] = {}
            start = time.perf_counter()
            predicted = predicted_rows(_timed(predict, spent), data)
            row_parts.append(predicted.assign(table=name, method=method))
            scored = summarize(predicted)
            overall = scored[scored["domain"] == "all"].iloc[0]
            log(f"calibration: {name} / {method}: rmse_log {overall['rmse_log']:.4f}, "
                f"miscalibration {overall['miscalibration']:.3f}, "
                f"{time.perf_counter() - start:.1f} s")
            parts.append(scored.assign(table=name, method=method, wall_s=spent["wall_s"]))
            if checkpoint is not None:
                pd.concat(parts, ignore_index=True)[COLUMNS].to_csv(checkpoint, index=False)
                _rows_frame(row_parts).to_csv(checkpoint.with_name(
                    f"{checkpoint.stem}_rows.csv"), index=False)
    table = (pd.concat(parts, ignore_index=True)[COLUMNS] if parts
             else pd.DataFrame(columns=COLUMNS))
    table.attrs["skipped"] = skipped
    # a dict of columns, not a DataFrame: pandas compares attrs when it concatenates
    # frames, and a DataFrame in them would make that comparison raise
    table.attrs["rows"] = _rows_frame(row_parts).to_dict(orient="list")
    return table


def scored_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The held-out rows :func:`run` scored (its ``attrs["rows"]``), as a frame; empty
    when the table does not carry them."""
    return pd.DataFrame(table.attrs.get("rows") or {"table": [], "method": []})


def _rows_frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Every scored held-out row of a run, ``table`` and ``method`` first."""
    if not parts:
        return pd.DataFrame(columns=["table", "method"])
    rows = pd.concat(parts, ignore_index=True)
    return rows[["table", "method", *[c for c in rows if c not in ("table", "method")]]]


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Each table's overall (``domain == "all"``) row per method.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`run`.

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS` without ``domain``, in the order of ``table``.
    """
    overall = table[table["domain"] == "all"]
    return overall.drop(columns="domain").reset_index(drop=True)


def across_tables(table: pd.DataFrame) -> pd.DataFrame:
    """Each interval method's coverage averaged over the tables it was scored on.

    A single table has few independent checks (its curves; see
    :mod:`benchmarks.coverage_noise`), so a method can look calibrated on one by chance or
    be tuned to one. The mean coverage over tables, each table weighted equally, and its
    miscalibration are harder to game: a systematic excess or shortfall of width shows in
    every table's coverage in the same direction.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`run`.

    Returns
    -------
    pandas.DataFrame
        One row per method with intervals: ``method``, ``tables`` (how many), ``coverage_<p>``
        (mean over tables), ``miscalibration`` (of those means), ``mean_miscalibration``
        (mean of the tables' own) and ``wider_tables`` (tables whose 90% coverage is above
        0.9).
    """
    overall = table[(table["domain"] == "all") & table["coverage_0.9"].notna()]
    coverage = [f"coverage_{p:g}" for p in LEVELS]
    rows = []
    for method, group in overall.groupby("method", sort=False):
        means = group[coverage].mean()
        rows.append({"method": method, "tables": len(group), **means.to_dict(),
                     "miscalibration": float(miscalibration(means.to_numpy(), LEVELS)),
                     "mean_miscalibration": float(group["miscalibration"].mean()),
                     "wider_tables": int((group["coverage_0.9"] > 0.9).sum())})
    return pd.DataFrame(rows, columns=["method", "tables", *coverage, "miscalibration",
                                       "mean_miscalibration", "wider_tables"])


def write(table: pd.DataFrame, out: Path = RESULTS, name: str = "calibration") -> list[Path]:
    """Write :func:`run`'s table to ``out/<name>.csv``, its :func:`summary` to
    ``out/<name>_summary.csv``, :func:`across_tables` to ``out/<name>_across_tables.csv``
    and, when the table carries them, its scored rows to ``out/<name>_rows.csv``, each
    with the machine description beside it (:func:`benchmarks._common.write_results`).

    Returns
    -------
    list of pathlib.Path
        The result files.
    """
    paths = [write_results(table, name, out),
             write_results(summary(table), f"{name}_summary", out),
             write_results(across_tables(table), f"{name}_across_tables", out)]
    rows = scored_rows(table)
    if len(rows):
        paths.append(write_results(rows, f"{name}_rows", out))
    return paths
