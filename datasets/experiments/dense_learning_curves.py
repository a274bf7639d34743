"""Measure dense learning curves of classical scikit-learn learners.

This script produces the embedded dataset ``dense-learning-curves`` of ``bayes_scaling``:
``datasets/dense_learning_curves.csv`` (tidy table, one row per domain, learner and
training-set size: the error averaged over seeds), ``datasets/dense_learning_curves_runs.csv``
(one row per run, for the seed noise) and ``datasets/dense_learning_curves.meta.json``
(how it was generated).

Protocol: for each domain (dataset), each learner family (curve), each of 24 geometrically
spaced training-set sizes from 10 examples to the whole training pool, and each seed, one
learner with fixed hyper-parameters is trained on a nested, class-stratified shard of the
pool and scored on one fixed held-out evaluation set. The tidy table keeps the mean
misclassification rate over seeds. Curves run up to the whole pool, so that learners that
saturate (naive Bayes, logistic regression) show their plateau.

Domains
-------
``digits``
    scikit-learn's bundled 8x8 handwritten digits (``load_digits``, 1797 images), pixels
    scaled to [0, 1]; 797 images are held out (stratified, fixed seed), the other 1000 are
    the pool.
``mnist1d``
    MNIST-1D (Greydanus 2020) generated offline by ``mnist1d.data.make_dataset`` (default
    ``get_dataset_args()`` except ``num_samples``, ``train_split`` and ``seed``): one call
    yields the pool and the evaluation set.
``synthetic``
    ``sklearn.datasets.make_classification`` with a fixed seed: 5 classes, 20 features
    (6 informative, 4 redundant), 2 clusters per class, class separation 1.5, 5% of
    labels flipped at random (an irreducible error of about 4%). Features are standardised
    with the pool's mean and standard deviation (a fixed transformation of the domain,
    applied to pool and evaluation set alike).

Learners (curves): ``knn``, ``logistic``, ``svm-rbf``, ``extra-trees``, ``naive-bayes``,
``decision-tree``, ``mlp`` (hyper-parameters in :data:`LEARNERS`).

Usage
-----
``python datasets/experiments/dense_learning_curves.py [--out DIR] [--jobs N] [--quick]``
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

if str(Path(__file__).resolve().parent) not in sys.path:  # the sibling module _protocol
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import _protocol as protocol
from _protocol import geometric_sizes

DATASET_NAME = "dense_learning_curves"
SCRIPT = "datasets/experiments/dense_learning_curves.py"
DEFAULT_OUT = Path(__file__).resolve().parent.parent
COLUMNS = ["domain", "curve", "data", "error"]
RUN_COLUMNS = ["domain", "curve", "data", "seed", "n_errors", "error"]
DESCRIPTION = (
    "Dense learning curves of classical scikit-learn learners: for each domain "
    "(dataset), learner family (curve) and 24 geometrically spaced training-set "
    "sizes from 10 to the whole training pool, the misclassification rate on one "
    "fixed held-out evaluation set, averaged over seeds (nested class-stratified "
    "shards). One row per (domain, curve, data); the per-seed runs are in "
    f"{DATASET_NAME}_runs.csv."
)

#: Learner (curve) name -> description of the fixed estimator built by :func:`make_learner`.
LEARNERS: dict[str, str] = {
    "knn": "KNeighborsClassifier(n_neighbors=5): Euclidean, uniform weights",
    "logistic": "LogisticRegression(C=1.0, max_iter=1000): multinomial, lbfgs, L2",
    "svm-rbf": "SVC(C=10.0, kernel='rbf', gamma='scale'): one-vs-one",
    "extra-trees": "ExtraTreesClassifier(n_estimators=100, random_state=seed): fully grown",
    "naive-bayes": "GaussianNB(): default var_smoothing=1e-9",
    "decision-tree": "DecisionTreeClassifier(random_state=seed): fully grown, gini",
    "mlp": (
        "MLPClassifier(hidden_layer_sizes=(64,), alpha=1e-3, learning_rate_init=1e-3, "
        "batch_size=min(200, data), max_iter=200, random_state=seed): adam, ReLU, "
        "stops when the training loss improves by < 1e-4 for 10 epochs"
    ),
}


@dataclass(frozen=True)
class DomainSpec:
    """One domain (dataset) and its grid of training-set sizes.

    Parameters
    ----------
    name : str
        ``"digits"``, ``"mnist1d"`` or ``"synthetic"``.
    sizes : tuple of int
        Training-set sizes (geometric grid, increasing); the last one is the whole pool.
    eval_size : int
        Size of the fixed held-out evaluation set.
    """

    name: str
    sizes: tuple[int, ...]
    eval_size: int

    @property
    def pool_size(self) -> int:
        """Size of the training pool (the largest training-set size)."""
        return self.sizes[-1]


@dataclass(frozen=True)
class Config:
    """Everything that defines the experiment (recorded in the meta file).

    Parameters
    ----------
    domains : tuple of DomainSpec
        The domains to measure.
    learners : tuple of str
        Names in :data:`LEARNERS`.
    seeds : tuple of int
        Replicate seeds; a seed fixes the shard order and the learner's ``random_state``.
    eval_seed : int
        Seed of the digits evaluation split and of the MNIST-1D and synthetic generators.
    synthetic : dict
        Keyword arguments of ``make_classification`` (besides ``n_samples`` and
        ``random_state``).
    """

    domains: tuple[DomainSpec, ...]
    learners: tuple[str, ...] = tuple(LEARNERS)
    seeds: tuple[int, ...] = (0, 1, 2)
    eval_seed: int = 20170101
    synthetic: dict[str, Any] = field(
        default_factory=lambda: {
            "n_features": 20,
            "n_informative": 6,
            "n_redundant": 4,
            "n_classes": 5,
            "n_clusters_per_class": 2,
            "class_sep": 1.5,
            "flip_y": 0.05,
        }
    )


FULL = Config(
    domains=(
        DomainSpec("digits", geometric_sizes(10, 1000, 24), eval_size=797),
        DomainSpec("mnist1d", geometric_sizes(10, 10000, 24), eval_size=4000),
        DomainSpec("synthetic", geometric_sizes(10, 10000, 24), eval_size=4000),
    ),
)

QUICK = Config(
    domains=(
        DomainSpec("digits", geometric_sizes(10, 1000, 4), eval_size=797),
        DomainSpec("mnist1d", geometric_sizes(10, 500, 4), eval_size=1000),
        DomainSpec("synthetic", geometric_sizes(10, 500, 4), eval_size=1000),
    ),
    seeds=(0,),
)


# ----------------------------------------------------------------------------- data


def load_digits_domain(spec: DomainSpec, config: Config) -> dict[str, Any]:
    """Load scikit-learn's digits and hold out a fixed stratified evaluation set.

    Parameters
    ----------
    spec : DomainSpec
        The digits spec: ``eval_size`` images are held out, ``pool_size`` of the rest
        form the pool (all 1000 in the full design).
    config : Config
        The experiment (``eval_seed``).

    Returns
    -------
    dict
        ``x``, ``y`` (training pool), ``x_eval``, ``y_eval``.
    """
    data = protocol.split_digits(spec.eval_size, config.eval_seed)
    if len(data["y"]) < spec.pool_size:
        raise ValueError(f"digits pool has {len(data['y'])} images, fewer than {spec.pool_size}")
    return {**data, "x": data["x"][: spec.pool_size], "y": data["y"][: spec.pool_size]}


def load_mnist1d_domain(spec: DomainSpec, config: Config) -> dict[str, Any]:
    """Generate MNIST-1D offline with the package's procedural generator.

    One call of ``mnist1d.data.make_dataset`` yields ``pool_size + eval_size`` shuffled
    samples: the first ``pool_size`` are the pool, the last ``eval_size`` the evaluation
    set.

    Parameters
    ----------
    spec : DomainSpec
        The MNIST-1D spec.
    config : Config
        The experiment (``eval_seed`` seeds the generator).

    Returns
    -------
    dict
        ``x``, ``y``, ``x_eval``, ``y_eval`` and ``generator_args``.
    """
    return protocol.generate_mnist1d(spec.pool_size, spec.eval_size, config.eval_seed)


def load_synthetic_domain(spec: DomainSpec, config: Config) -> dict[str, Any]:
    """Draw a ``make_classification`` problem with a fixed seed and standardise it.

    Parameters
    ----------
    spec : DomainSpec
        The synthetic spec.
    config : Config
        The experiment (``synthetic`` arguments, ``eval_seed``).

    Returns
    -------
    dict
        ``x``, ``y``, ``x_eval``, ``y_eval`` and ``generator_args``.
    """
    from sklearn.datasets import make_classification

    args = {**config.synthetic, "n_samples": spec.pool_size + spec.eval_size,
            "shuffle": True, "random_state": config.eval_seed}
    x, y = make_classification(**args)
    pool = spec.pool_size
    mean, sd = x[:pool].mean(axis=0), x[:pool].std(axis=0)
    x = (x - mean) / sd
    return {"x": x[:pool], "y": y[:pool].astype(np.int64), "x_eval": x[pool:],
            "y_eval": y[pool:].astype(np.int64), "generator_args": args}


LOADERS = {"digits": load_digits_domain, "mnist1d": load_mnist1d_domain,
           "synthetic": load_synthetic_domain}

DOMAIN_SOURCES = {
    "digits": (
        "sklearn.datasets.load_digits (1797 8x8 images, bundled, offline), pixels / 16; "
        "stratified train_test_split(test_size=eval_size, random_state=eval_seed) gives "
        "the fixed evaluation set, the other 1000 images are the training pool"
    ),
    "mnist1d": (
        "mnist1d.data.make_dataset(args) with args = get_dataset_args() except "
        "num_samples = pool_size + eval_size, train_split = pool_size / num_samples and "
        "seed = eval_seed (procedural, offline, no download); the generator's shuffled "
        "output (x then x_test) is split into the pool (first pool_size) and the "
        "evaluation set (last eval_size)"
    ),
    "synthetic": (
        "sklearn.datasets.make_classification(n_samples = pool_size + eval_size, "
        "random_state = eval_seed, shuffle=True, **generator_args); first pool_size rows "
        "are the pool, the rest the evaluation set; every feature standardised with the "
        "pool's mean and standard deviation; flip_y = 0.05 relabels 5% of the samples at "
        "random, so about 4% of any evaluation set is wrong for every classifier"
    ),
}


# ----------------------------------------------------------------------------- runs


def make_learner(name: str, seed: int, n: int) -> Any:
    """Build the estimator of a learner family (see :data:`LEARNERS`).

    Parameters
    ----------
    name : str
        Learner name.
    seed : int
        ``random_state`` of the randomised learners.
    n : int
        Training-set size (the MLP's minibatch is ``min(200, n)``).

    Returns
    -------
    sklearn estimator
        An unfitted classifier.
    """
    from sklearn.ensemble import ExtraTreesClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    builders = {
        "knn": lambda: KNeighborsClassifier(n_neighbors=5),
        "logistic": lambda: LogisticRegression(C=1.0, max_iter=1000),
        "svm-rbf": lambda: SVC(C=10.0, kernel="rbf", gamma="scale"),
        "extra-trees": lambda: ExtraTreesClassifier(n_estimators=100, random_state=seed),
        "naive-bayes": lambda: GaussianNB(),
        "decision-tree": lambda: DecisionTreeClassifier(random_state=seed),
        "mlp": lambda: MLPClassifier(hidden_layer_sizes=(64,), alpha=1e-3,
                                     learning_rate_init=1e-3, batch_size=min(200, n),
                                     max_iter=200, random_state=seed),
    }
    if name not in builders:
        raise KeyError(f"unknown learner {name!r}; valid: {', '.join(builders)}")
    return builders[name]()


def fit_one(x_pool: np.ndarray, y_pool: np.ndarray, order: np.ndarray, x_eval: np.ndarray,
            y_eval: np.ndarray, job: dict[str, Any]) -> dict[str, Any]:
    """Train one learner on one shard and score it on the evaluation set.

    Parameters
    ----------
    x_pool, y_pool : numpy.ndarray
        Training pool of the domain.
    order : numpy.ndarray
        Stratified order of the pool for this seed; the shard is ``order[:data]``.
    x_eval, y_eval : numpy.ndarray
        The fixed evaluation set.
    job : dict
        ``domain``, ``curve``, ``data``, ``seed``.

    Returns
    -------
    dict
        The job plus ``n_errors``, ``eval_size``, ``error``, ``converged`` (no
        ConvergenceWarning), ``seconds`` and ``cpu_seconds`` (fit and prediction: wall
        time, and CPU time of the worker process, which other load on the machine does
        not inflate).
    """
    x, y = protocol.shard(x_pool, y_pool, order, job)
    model = make_learner(job["curve"], job["seed"], job["data"])
    with protocol.single_threaded() as record:
        model.fit(x, y)
        n_errors = int(np.sum(model.predict(x_eval) != y_eval))
    return {
        **job,
        "n_errors": n_errors,
        "eval_size": len(y_eval),
        "error": n_errors / len(y_eval),
        "converged": record.converged,
        "seconds": record.seconds,
        "cpu_seconds": record.cpu_seconds,
    }


def estimated_cost(job: dict[str, Any]) -> float:
    """Rough relative cost of a job, used only to schedule long jobs first.

    Parameters
    ----------
    job : dict
        A job (``curve``, ``data``).

    Returns
    -------
    float
        ``data ** 2`` for the SVM, ``data`` otherwise, times a per-learner weight.
    """
    n = float(job["data"])
    weight = {"svm-rbf": 2e-4 * n, "mlp": 2.0, "extra-trees": 0.5, "decision-tree": 0.3}
    return n * weight.get(job["curve"], 0.05)


def run_experiment(config: Config, jobs: int = 2, verbose: bool = True) -> pd.DataFrame:
    """Run every (domain, learner, size, seed) of ``config``; one row per run.

    Parameters
    ----------
    config : Config
        The experiment.
    jobs : int
        Number of worker processes (joblib/loky), each with one BLAS thread.
    verbose : bool
        Print progress to stderr.

    Returns
    -------
    pandas.DataFrame
        :data:`RUN_COLUMNS` plus ``eval_size``, ``converged``, ``seconds`` and
        ``cpu_seconds``; ``attrs`` hold the pool sizes and generator arguments per domain.
    """
    return protocol.run_parallel(
        config.domains,
        config.seeds,
        load=lambda spec: LOADERS[spec.name](spec, config),
        make_jobs=lambda spec: [
            {"domain": spec.name, "curve": curve, "data": n, "seed": seed}
            for curve in config.learners
            for n in spec.sizes
            for seed in config.seeds
        ],
        fit=fit_one,
        cost=lambda job, data: estimated_cost(job),
        jobs=jobs,
        verbose=verbose,
    )


# ----------------------------------------------------------------------------- output


def tidy_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """The per-run table: :data:`RUN_COLUMNS`, sorted, with checks.

    Parameters
    ----------
    runs : pandas.DataFrame
        Output of :func:`run_experiment`.

    Returns
    -------
    pandas.DataFrame
        One row per (domain, curve, data, seed).

    Raises
    ------
    RuntimeError
        If a run has zero evaluation errors (the error must stay > 0) or rows repeat.
    """
    keys = ["domain", "curve", "data", "seed"]
    return protocol.sorted_runs(runs, RUN_COLUMNS, keys=keys, show=keys)


def mean_table(runs: pd.DataFrame) -> pd.DataFrame:
    """The shipped table: the mean error over seeds per (domain, curve, data).

    Parameters
    ----------
    runs : pandas.DataFrame
        Output of :func:`run_experiment` (with ``n_errors`` and ``eval_size``).

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`, mean ``n_errors / eval_size``, rounded to 6 decimals, in (0, 1].
    """
    grouped = runs.groupby(["domain", "curve", "data"], sort=True)
    table = grouped.agg(n_errors=("n_errors", "mean"), eval_size=("eval_size", "first"))
    table = table.reset_index()
    table["error"] = (table["n_errors"] / table["eval_size"]).round(6)
    table = table[COLUMNS]
    if not ((table["error"] > 0) & (table["error"] <= 1)).all():
        raise RuntimeError("mean error outside (0, 1]")
    return table


def curve_summary(runs: pd.DataFrame) -> list[dict[str, Any]]:
    """Per curve: error at the smallest and largest size, the seed noise and the shape.

    Parameters
    ----------
    runs : pandas.DataFrame
        Output of :func:`tidy_runs`.

    Returns
    -------
    list of dict
        ``domain``, ``curve``, ``error_first`` / ``error_last`` (seed means),
        ``min_mean_error`` and the size where it occurs, ``median_seed_sd`` (median over
        sizes of the standard deviation over seeds), ``increases`` (how many steps of the
        mean curve go up), ``min_eval_errors`` (fewest errors of any run) and
        ``last_quarter_log_slope`` (least-squares slope of log error on log size over the
        largest quarter of the sizes: near 0 once the curve has saturated).
    """
    out = []
    for (domain, curve), g in runs.groupby(["domain", "curve"], sort=True):
        stats = g.groupby("data")["error"].agg(["mean", "std"])
        mean = stats["mean"].to_numpy()
        sizes = stats.index.to_numpy(float)
        tail = max(3, len(sizes) // 4)
        slope = np.polyfit(np.log(sizes[-tail:]), np.log(mean[-tail:]), 1)[0]
        out.append({
            "domain": domain,
            "curve": curve,
            "error_first": round(float(mean[0]), 4),
            "error_last": round(float(mean[-1]), 4),
            "min_mean_error": round(float(mean.min()), 4),
            "argmin_data": int(sizes[int(np.argmin(mean))]),
            "median_seed_sd": (round(float(stats["std"].median()), 4)
                               if stats["std"].notna().any() else None),
            "increases": int(np.sum(np.diff(mean) > 0)),
            "min_eval_errors": int(g["n_errors"].min()),
            "last_quarter_log_slope": round(float(slope), 3),
        })
    return out


def write_outputs(out: Path, config: Config, runs: pd.DataFrame,
                  invocation: protocol.Invocation) -> pd.DataFrame:
    """Write the mean CSV, the per-run CSV and the meta JSON into ``out``.

    Parameters
    ----------
    out : pathlib.Path
        Output folder.
    config : Config
        The experiment.
    runs : pandas.DataFrame
        Output of :func:`run_experiment`.
    invocation : _protocol.Invocation
        How the script was run (command, wall time, workers, machine load).

    Returns
    -------
    pandas.DataFrame
        The per-curve summary (also stored in the meta file).
    """
    out.mkdir(parents=True, exist_ok=True)
    per_run = tidy_runs(runs)
    table = mean_table(runs)
    protocol.write_csv(table, out / f"{DATASET_NAME}.csv")
    protocol.write_csv(per_run, out / f"{DATASET_NAME}_runs.csv")
    summary = curve_summary(per_run)
    cost = runs.groupby(["domain", "curve"])["cpu_seconds"].sum().round(1)
    meta = {
        **protocol.meta_header(
            DATASET_NAME, DESCRIPTION, invocation,
            run_seconds={
                "run_wall_seconds_total": runs["seconds"].sum(),
                "run_cpu_seconds_total": runs["cpu_seconds"].sum(),
            },
            packages=("numpy", "pandas", "scikit-learn", "scipy", "joblib", "threadpoolctl",
                      "mnist1d"),
        ),
        "rows": len(table),
        "runs": len(per_run),
        "seeds": list(config.seeds),
        "seed_meaning": (
            "seed s fixes the class-stratified order of the training pool (numpy "
            "default_rng([s, domain_index]); the shard of size n is the first n indices, "
            "so shards are nested) and random_state=s of the randomised learners "
            "(extra-trees, decision-tree, mlp). At the largest size every seed trains on "
            "the whole pool, so the deterministic learners (knn, logistic, svm-rbf, "
            "naive-bayes) give the same error for every seed there"
        ),
        "eval_seed": config.eval_seed,
        "domains": {
            spec.name: {
                "sizes": list(spec.sizes),
                "eval_size": spec.eval_size,
                "pool_size": int(runs.attrs["pool_sizes"][spec.name]),
                "source": DOMAIN_SOURCES[spec.name],
                **protocol.generator_entry(runs, spec.name),
            }
            for spec in config.domains
        },
        "learners": {name: LEARNERS[name] for name in config.learners},
        "preprocessing": (
            "none per shard: every learner sees the domain's fixed features (digits / 16, "
            "MNIST-1D as generated, synthetic standardised once with the pool's moments); "
            "float64 inputs"
        ),
        "convergence_warnings": protocol.convergence_warnings(
            runs,
            "runs of logistic or mlp that hit max_iter before their tolerance (sklearn "
            "ConvergenceWarning, suppressed and counted); all are kept",
        ),
        "run_cpu_seconds_by_curve": {f"{d}/{c}": float(v) for (d, c), v in cost.items()},
        "columns": {
            "domain": "dataset: 'digits' (sklearn load_digits), 'mnist1d' (MNIST-1D) or "
                      "'synthetic' (sklearn make_classification)",
            "curve": f"learner family: {', '.join(config.learners)}",
            "data": "training-set size (number of training examples), int",
            "error": (
                "misclassification rate on the domain's fixed evaluation set, mean over "
                "seeds (fraction in (0, 1], 6 decimals); every run asserted > 0"
            ),
        },
        "runs_file_columns": {
            "seed": "replicate seed",
            "n_errors": "misclassified evaluation examples of the run",
            "error": "n_errors / eval_size (6 decimals)",
        },
        "curve_summary_note": (
            "per curve: error_first / error_last = mean error at the smallest / largest "
            "size; min_mean_error and argmin_data; median_seed_sd = median over sizes of "
            "the standard deviation over seeds; increases = steps where the mean curve "
            "goes up; min_eval_errors = fewest evaluation errors of any run; "
            "last_quarter_log_slope = slope of log error on log size over the largest "
            "quarter of the sizes (about 0 once saturated)"
        ),
        "curve_summary": summary,
    }
    protocol.write_meta(meta, out / f"{DATASET_NAME}.meta.json")
    return pd.DataFrame(summary)


CLI = protocol.Script(
    path=SCRIPT, dataset_name=DATASET_NAME, description=__doc__.split("\n\n")[0],
    default_out=DEFAULT_OUT,
    quick_help="tiny smoke-test grid (1 seed, 4 sizes per domain, small pools)",
    full=FULL, quick=QUICK, run_experiment=run_experiment, write_outputs=write_outputs,
)
parse_args = CLI.parse_args
main = CLI.main


if __name__ == "__main__":
    sys.exit(main())
