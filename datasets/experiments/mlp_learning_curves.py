"""Measure Hestness-style learning curves of small scikit-learn MLPs.

This script produces the embedded default dataset of ``bayes_scaling``:
``datasets/mlp_learning_curves.csv`` (tidy table) and
``datasets/mlp_learning_curves.meta.json`` (how it was generated).

Protocol (after Hestness et al. 2017, "Deep Learning Scaling is Predictable,
Empirically"): for each domain, each architecture (curve), each training-set size
(a geometric grid of nested, class-stratified shards) and each seed, a sweep of MLP
widths is trained with fixed hyper-parameters and scored on one fixed held-out
evaluation set. The best model size per (domain, curve, data) is then read off the
width sweep; the tidy table keeps every run so that the selection can be redone.

Domains
-------
``digits``
    scikit-learn's bundled 8x8 handwritten digits (``load_digits``, 1797 images),
    pixels scaled to [0, 1]. A stratified evaluation set is held out once with a fixed
    seed; training shards are drawn from the remaining pool.
``mnist1d``
    MNIST-1D (Greydanus 2020) generated offline with the procedural generator of the
    ``mnist1d`` package (``mnist1d.data.make_dataset`` with the default arguments of
    ``get_dataset_args()`` except ``num_samples`` and ``seed``). One generator call
    yields the training pool and the evaluation set (disjoint, identically
    standardised).

Usage
-----
``python datasets/experiments/mlp_learning_curves.py [--out DIR] [--jobs N] [--quick]``
"""

from __future__ import annotations

import itertools
import math
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

DATASET_NAME = "mlp_learning_curves"
SCRIPT = "datasets/experiments/mlp_learning_curves.py"
DEFAULT_OUT = Path(__file__).resolve().parent.parent
COLUMNS = ["domain", "curve", "data", "params", "compute", "seed", "error"]
N_CLASSES = 10
FLOP_FORMULA = "compute = 6 * params * data * epochs"
DESCRIPTION = (
    "Hestness-style learning curves of scikit-learn MLPs: for each domain, "
    "architecture (curve), training-set size and seed, a sweep of hidden widths "
    "is trained with fixed hyper-parameters and scored on one fixed held-out "
    "evaluation set. One row per (domain, curve, data, width, seed); the width is "
    "recoverable from params. The best model size per (domain, curve, data) is "
    "the argmin over params of the seed-mean error."
)


@dataclass(frozen=True)
class DomainSpec:
    """Sizes and widths measured on one domain.

    Parameters
    ----------
    name : str
        Domain name (``"digits"`` or ``"mnist1d"``).
    sizes : tuple of int
        Training-set sizes (geometric grid, increasing).
    widths : tuple of int
        Hidden-layer widths of the model-size sweep.
    eval_size : int
        Size of the fixed held-out evaluation set.
    pool_size : int or None
        Size of the generated training pool (MNIST-1D only; default ``max(sizes)``).
        The digits pool is the 1797 images minus the evaluation set.
    """

    name: str
    sizes: tuple[int, ...]
    widths: tuple[int, ...]
    eval_size: int
    pool_size: int | None = None


@dataclass(frozen=True)
class Config:
    """Everything that defines the experiment (recorded in the meta file).

    Parameters
    ----------
    domains : tuple of DomainSpec
        The domains to measure.
    architectures : dict
        Curve name -> number of hidden layers (all of the same width).
    seeds : tuple of int
        Replicate seeds; a seed fixes the training shard order and the weight init.
    eval_seed : int
        Seed of the digits evaluation split and of the MNIST-1D generator.
    hyper : dict
        Fixed ``MLPClassifier`` keyword arguments.
    batch_size : int
        Minibatch size (clipped to the shard size for small shards).
    step_budget : int
        Target number of optimizer steps per run; sets the epoch cap (see ``max_epochs``).
    min_epochs, max_epochs_cap : int
        Bounds of the epoch cap.
    """

    domains: tuple[DomainSpec, ...]
    architectures: dict[str, int] = field(default_factory=lambda: {"mlp-1x": 1, "mlp-2x": 2})
    seeds: tuple[int, ...] = (0, 1, 2)
    eval_seed: int = 20170101
    hyper: dict[str, Any] = field(
        default_factory=lambda: {
            "solver": "adam",
            "activation": "relu",
            "learning_rate_init": 3e-3,
            "alpha": 1e-2,
            "tol": 1e-4,
            "n_iter_no_change": 10,
            "early_stopping": False,
            "shuffle": True,
        }
    )
    batch_size: int = 200
    step_budget: int = 2000
    min_epochs: int = 40
    max_epochs_cap: int = 1000

    def max_epochs(self, n: int) -> int:
        """Epoch cap (``max_iter``) for a shard of ``n`` samples.

        Parameters
        ----------
        n : int
            Training-set size.

        Returns
        -------
        int
            ``clip(ceil(step_budget / steps_per_epoch), min_epochs, max_epochs_cap)``.
        """
        steps = math.ceil(n / min(self.batch_size, n))
        return int(
            np.clip(math.ceil(self.step_budget / steps), self.min_epochs, self.max_epochs_cap)
        )


FULL = Config(
    domains=(
        DomainSpec("digits", geometric_sizes(10, 1000, 9), (8, 16, 32, 64, 128, 256), 797),
        DomainSpec(
            "mnist1d",
            geometric_sizes(50, 12800, 9),
            (8, 16, 32, 64, 128, 256, 512),
            eval_size=5000,
            pool_size=16000,
        ),
    ),
)

QUICK = Config(
    domains=(
        DomainSpec("digits", geometric_sizes(10, 1000, 3), (8, 32, 128), 797),
        DomainSpec("mnist1d", geometric_sizes(50, 1250, 3), (8, 32, 128), 2000, pool_size=1500),
    ),
    seeds=(0,),
    step_budget=300,
    min_epochs=10,
    max_epochs_cap=300,
)


# ----------------------------------------------------------------------------- data


def load_digits_domain(spec: DomainSpec, eval_seed: int) -> dict[str, np.ndarray]:
    """Load scikit-learn's digits and hold out a fixed stratified evaluation set.

    Parameters
    ----------
    spec : DomainSpec
        The digits spec (``eval_size`` images are held out).
    eval_seed : int
        Seed of the stratified split.

    Returns
    -------
    dict
        ``x``, ``y`` (training pool) and ``x_eval``, ``y_eval``.
    """
    return protocol.split_digits(spec.eval_size, eval_seed)


def load_mnist1d_domain(spec: DomainSpec, eval_seed: int) -> dict[str, Any]:
    """Generate MNIST-1D offline with the package's procedural generator.

    One call of ``mnist1d.data.make_dataset`` (default ``get_dataset_args()`` except
    ``num_samples`` and ``seed``; no download) yields ``pool_size + eval_size``
    shuffled samples: the last ``eval_size`` are the evaluation set, the rest the pool.

    Parameters
    ----------
    spec : DomainSpec
        The MNIST-1D spec.
    eval_seed : int
        Seed of the generator.

    Returns
    -------
    dict
        ``x``, ``y`` (training pool), ``x_eval``, ``y_eval`` and ``generator_args``.
    """
    pool = spec.pool_size or max(spec.sizes)
    total = pool + spec.eval_size
    if total % N_CLASSES:
        raise ValueError(f"pool + eval ({total}) must be a multiple of {N_CLASSES}")
    return protocol.generate_mnist1d(pool, spec.eval_size, eval_seed)


LOADERS = {"digits": load_digits_domain, "mnist1d": load_mnist1d_domain}


# ----------------------------------------------------------------------------- runs


def n_params(n_in: int, hidden: tuple[int, ...], n_out: int) -> int:
    """Number of weights and biases of a dense MLP.

    Parameters
    ----------
    n_in : int
        Input features.
    hidden : tuple of int
        Hidden-layer widths.
    n_out : int
        Output units.

    Returns
    -------
    int
        ``sum(fan_in * fan_out + fan_out)`` over the layers.
    """
    layers = [n_in, *hidden, n_out]
    return sum(a * b + b for a, b in itertools.pairwise(layers))


def fit_one(
    x_pool: np.ndarray,
    y_pool: np.ndarray,
    order: np.ndarray,
    x_eval: np.ndarray,
    y_eval: np.ndarray,
    job: dict[str, Any],
    hyper: dict[str, Any],
) -> dict[str, Any]:
    """Train one MLP on one shard and score it on the evaluation set.

    Parameters
    ----------
    x_pool, y_pool : numpy.ndarray
        Training pool of the domain.
    order : numpy.ndarray
        Stratified order of the pool for this seed; the shard is ``order[:data]``.
    x_eval, y_eval : numpy.ndarray
        The fixed evaluation set.
    job : dict
        ``domain``, ``curve``, ``layers``, ``width``, ``data``, ``seed``, ``max_iter``,
        ``batch_size``.
    hyper : dict
        Fixed ``MLPClassifier`` keyword arguments.

    Returns
    -------
    dict
        The job plus ``params``, ``epochs``, ``compute``, ``n_errors``, ``error``,
        ``converged`` (no ConvergenceWarning) and ``seconds``.
    """
    from sklearn.neural_network import MLPClassifier

    x, y = protocol.shard(x_pool, y_pool, order, job)
    hidden = (job["width"],) * job["layers"]
    model = MLPClassifier(
        hidden_layer_sizes=hidden,
        batch_size=job["batch_size"],
        max_iter=job["max_iter"],
        random_state=job["seed"],
        **hyper,
    )
    with protocol.single_threaded() as record:
        model.fit(x, y)
    params = sum(w.size for w in model.coefs_) + sum(b.size for b in model.intercepts_)
    n_out = model.coefs_[-1].shape[1]
    if params != n_params(x.shape[1], hidden, n_out):
        raise RuntimeError("parameter count mismatch")
    n_errors = int(np.sum(model.predict(x_eval) != y_eval))
    epochs = int(model.n_iter_)
    return {
        **job,
        "params": int(params),
        "epochs": epochs,
        "compute": 6.0 * params * job["data"] * epochs,
        "n_errors": n_errors,
        "error": n_errors / len(y_eval),
        "converged": record.converged,
        "seconds": record.seconds,
    }


def make_jobs(config: Config, spec: DomainSpec) -> list[dict[str, Any]]:
    """List the runs of one domain.

    Parameters
    ----------
    config : Config
        The experiment.
    spec : DomainSpec
        The domain.

    Returns
    -------
    list of dict
        One job per (curve, data, width, seed).
    """
    return [
        {
            "domain": spec.name,
            "curve": curve,
            "layers": layers,
            "width": width,
            "data": n,
            "seed": seed,
            "max_iter": config.max_epochs(n),
            "batch_size": min(config.batch_size, n),
        }
        for curve, layers in config.architectures.items()
        for n in spec.sizes
        for width in spec.widths
        for seed in config.seeds
    ]


def estimated_cost(job: dict[str, Any], n_in: int = 64) -> float:
    """Rough cost in seconds of a job, used only to schedule long jobs first.

    Parameters
    ----------
    job : dict
        A job from :func:`make_jobs`.
    n_in : int
        Input features.

    Returns
    -------
    float
        ``epochs * (steps_per_epoch * 0.5 ms + 6 * params * data / 1e10)`` with the
        epochs guessed as ``min(max_iter, 300)`` (small shards usually stop early).
    """
    params = n_params(n_in, (job["width"],) * job["layers"], N_CLASSES)
    steps = math.ceil(job["data"] / job["batch_size"])
    return min(job["max_iter"], 300) * (steps * 5e-4 + 6.0 * params * job["data"] / 1e10)


def run_experiment(config: Config, jobs: int = 2, verbose: bool = True) -> pd.DataFrame:
    """Run every job of ``config`` and return one row per run (with diagnostics).

    Parameters
    ----------
    config : Config
        The experiment.
    jobs : int
        Number of worker processes.
    verbose : bool
        Print progress to stderr.

    Returns
    -------
    pandas.DataFrame
        One row per run with the tidy columns and diagnostics (``width``, ``layers``,
        ``epochs``, ``max_iter``, ``n_errors``, ``converged``, ``seconds``).
    """
    return protocol.run_parallel(
        config.domains,
        config.seeds,
        load=lambda spec: LOADERS[spec.name](spec, config.eval_seed),
        make_jobs=lambda spec: make_jobs(config, spec),
        fit=fit_one,
        cost=lambda job, data: estimated_cost(job, data["x"].shape[1]),
        fit_args=(config.hyper,),
        jobs=jobs,
        verbose=verbose,
    )


# ----------------------------------------------------------------------------- output


def tidy(runs: pd.DataFrame) -> pd.DataFrame:
    """Reduce the runs to the tidy table, sorted, with checks.

    Parameters
    ----------
    runs : pandas.DataFrame
        Output of :func:`run_experiment`.

    Returns
    -------
    pandas.DataFrame
        Columns ``domain, curve, data, params, compute, seed, error``.

    Raises
    ------
    RuntimeError
        If any run has zero evaluation errors (the error must be > 0) or rows repeat.
    """
    table = protocol.sorted_runs(
        runs,
        COLUMNS,
        keys=["domain", "curve", "data", "params", "seed"],
        show=["domain", "curve", "data", "width", "seed"],
    )
    table["compute"] = table["compute"].astype(float)
    if not ((table["error"] > 0) & (table["error"] <= 1)).all():
        raise RuntimeError("error outside (0, 1]")
    return table


def best_width_table(runs: pd.DataFrame, rel_tol: float = 0.05) -> pd.DataFrame:
    """Best width per (domain, curve, data) read off the width sweep.

    Parameters
    ----------
    runs : pandas.DataFrame
        Output of :func:`run_experiment`.
    rel_tol : float
        Relative tolerance of the ``near_best_width`` column.

    Returns
    -------
    pandas.DataFrame
        ``domain, curve, data``; ``best_width`` / ``best_params`` (argmin over widths of
        the seed-mean error), ``best_error`` and ``best_error_sd`` (mean and standard
        deviation over seeds), ``within_1se_width`` (smallest width whose mean error is
        within one standard error of the best) and ``near_best_width`` (smallest width
        whose mean error is within ``rel_tol`` (relative) of the best: the model size
        needed to get close to the best error at this data size).
    """
    grouped = runs.groupby(["domain", "curve", "data", "width", "params"])["error"]
    mean = grouped.agg(["mean", "std", "count"]).reset_index()
    rows = []
    for key, g in mean.groupby(["domain", "curve", "data"]):
        best = g.loc[g["mean"].idxmin()]
        se = 0.0 if best["count"] < 2 else best["std"] / math.sqrt(best["count"])
        rows.append(
            {
                "domain": key[0],
                "curve": key[1],
                "data": int(key[2]),
                "best_width": int(best["width"]),
                "best_params": int(best["params"]),
                "best_error": round(float(best["mean"]), 4),
                "best_error_sd": round(float(best["std"]), 4),
                "within_1se_width": int(g[g["mean"] <= best["mean"] + se]["width"].min()),
                "near_best_width": int(
                    g[g["mean"] <= (1.0 + rel_tol) * best["mean"]]["width"].min()
                ),
            }
        )
    return pd.DataFrame(rows)


def write_outputs(
    out: Path,
    config: Config,
    runs: pd.DataFrame,
    invocation: protocol.Invocation,
) -> pd.DataFrame:
    """Write the tidy CSV and the meta JSON into ``out``.

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
        The best-width table (also stored in the meta file).
    """
    out.mkdir(parents=True, exist_ok=True)
    table = tidy(runs)
    protocol.write_csv(table, out / f"{DATASET_NAME}.csv")
    best = best_width_table(runs)
    meta = {
        **protocol.meta_header(
            DATASET_NAME,
            DESCRIPTION,
            invocation,
            run_seconds={"fit_cpu_seconds_total": runs["seconds"].sum()},
            packages=("numpy", "pandas", "scikit-learn", "scipy", "joblib", "mnist1d"),
        ),
        "rows": len(table),
        "runs_per_domain": {k: int(v) for k, v in runs["domain"].value_counts().items()},
        "seeds": list(config.seeds),
        "seed_meaning": (
            "seed s fixes the class-stratified order of the training pool (numpy "
            "default_rng([s, domain_index]); shard of size n = first n indices, so shards "
            "are nested) and the MLP weight init / minibatch shuffling (random_state=s)"
        ),
        "eval_seed": config.eval_seed,
        "domains": {
            spec.name: {
                "sizes": list(spec.sizes),
                "widths": list(spec.widths),
                "eval_size": spec.eval_size,
                "pool_size": int(runs.attrs["pool_sizes"][spec.name]),
                "max_epochs": {str(n): config.max_epochs(n) for n in spec.sizes},
                "source": DOMAIN_SOURCES[spec.name],
                **protocol.generator_entry(runs, spec.name),
            }
            for spec in config.domains
        },
        "architectures": {
            name: f"{layers} hidden ReLU layer(s) of width w, softmax output over 10 classes"
            for name, layers in config.architectures.items()
        },
        "params_formula": (
            "weights + biases: mlp-1x: (d_in+1)*w + (w+1)*10; "
            "mlp-2x: (d_in+1)*w + (w+1)*w + (w+1)*10; d_in = 64 (digits), 40 (mnist1d)"
        ),
        "hyperparameters": {
            **config.hyper,
            "batch_size": f"min({config.batch_size}, data)",
            "max_iter": (
                f"clip(ceil({config.step_budget} / ceil(data / batch_size)), "
                f"{config.min_epochs}, {config.max_epochs_cap}) epochs, i.e. a budget of "
                f"~{config.step_budget} optimizer steps bounded to "
                f"[{config.min_epochs}, {config.max_epochs_cap}] epochs; training stops "
                f"earlier when the training loss improves by less than tol for "
                f"n_iter_no_change consecutive epochs"
            ),
            "estimator": "sklearn.neural_network.MLPClassifier",
            "dtype": "float64 inputs (sklearn default)",
            "classes": 10,
        },
        "flop_formula": (
            f"{FLOP_FORMULA}: 6 FLOPs per parameter per training sample processed "
            "(2 forward + 4 backward, Kaplan et al. 2020 approximation; activations, "
            "softmax and optimizer updates ignored); epochs = n_iter_ actually run"
        ),
        "convergence_warnings": protocol.convergence_warnings(
            runs,
            "runs that hit max_iter before the tol criterion (sklearn "
            "ConvergenceWarning, suppressed and counted); all are kept",
        ),
        "epochs_run": {
            "min": int(runs["epochs"].min()),
            "median": float(runs["epochs"].median()),
            "max": int(runs["epochs"].max()),
        },
        "min_eval_errors_per_run": {
            d: int(v) for d, v in runs.groupby("domain")["n_errors"].min().items()
        },
        "columns": {
            "domain": "task family: 'digits' (sklearn load_digits) or 'mnist1d' (MNIST-1D)",
            "curve": "architecture: 'mlp-1x' (1 hidden layer) or 'mlp-2x' (2 hidden layers)",
            "data": "training-set size (number of training examples), int",
            "params": "MLP parameter count (weights + biases), int",
            "compute": f"training compute in FLOPs, float: {FLOP_FORMULA}",
            "seed": "replicate seed (training shard and weight init), int",
            "error": (
                "misclassification rate on the fixed held-out evaluation set of the domain "
                "(fraction in (0, 1], 6 decimals); asserted > 0"
            ),
        },
        "best_width_note": (
            "per (domain, curve, data): best_width = argmin over widths of the seed-mean "
            "error; within_1se_width = smallest width within one standard error of it; "
            "near_best_width = smallest width within 5% (relative) of the best mean error"
        ),
        "best_width": best.to_dict(orient="records"),
    }
    protocol.write_meta(meta, out / f"{DATASET_NAME}.meta.json")
    return best


DOMAIN_SOURCES = {
    "digits": (
        "sklearn.datasets.load_digits (1797 8x8 images, bundled, offline), pixels / 16; "
        "stratified train_test_split(test_size=eval_size, random_state=eval_seed) gives "
        "the fixed evaluation set, the rest is the training pool"
    ),
    "mnist1d": (
        "mnist1d.data.make_dataset(args) with args = get_dataset_args() except "
        "num_samples = pool_size + eval_size and seed = eval_seed (procedural, offline, "
        "no download); the generator's shuffled output (x then x_test) is split into the "
        "training pool (first pool_size) and the evaluation set (last eval_size)"
    ),
}


CLI = protocol.Script(
    path=SCRIPT,
    dataset_name=DATASET_NAME,
    description=__doc__.split("\n\n")[0],
    default_out=DEFAULT_OUT,
    quick_help="tiny smoke-test grid (1 seed, 3 sizes, 3 widths)",
    full=FULL,
    quick=QUICK,
    run_experiment=run_experiment,
    write_outputs=write_outputs,
)
parse_args = CLI.parse_args
main = CLI.main


if __name__ == "__main__":
    sys.exit(main())
