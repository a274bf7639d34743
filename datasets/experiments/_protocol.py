"""The measuring protocol shared by the learning-curve scripts of this folder.

``mlp_learning_curves.py`` and ``dense_learning_curves.py`` measure their tables the
same way, and this module holds what they share:

* the command line (:class:`Script`: ``--out``, ``--jobs``, ``--quick``; ``--quick``
  needs an explicit ``--out`` and refuses the folder of the shipped files) and ``main``;
* the domains they have in common: scikit-learn's digits with a fixed stratified
  evaluation set, and MNIST-1D from its offline procedural generator;
* geometric grids of training-set sizes and the nested, class-stratified shard order;
* the parallel runs: one joblib (loky) task per run, long runs first, each fit with one
  BLAS/OpenMP thread and its ``ConvergenceWarning`` recorded;
* the checks of the run table and the common parts of the meta file (header, machine,
  versions, convergence counts).

It is a sibling module of the scripts, not part of the package: a script puts this
folder on ``sys.path`` and imports it as ``_protocol``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: One run to do: the domain's data, the seed's shard order and the job description.
Task = tuple[dict[str, np.ndarray], np.ndarray, dict[str, Any]]


# ----------------------------------------------------------------------------- command line


@dataclass(frozen=True)
class Invocation:
    """How a script was run (recorded in the meta file).

    Attributes
    ----------
    script : str
        Path of the script from the repository root.
    command : str
        The command line that produced the data.
    seconds : float
        Total wall time of the script.
    jobs : int
        Worker processes used.
    load_start : tuple of float
        ``os.getloadavg()`` when the script started (other load on the machine).
    """

    script: str
    command: str
    seconds: float
    jobs: int
    load_start: tuple[float, float, float]


@dataclass(frozen=True)
class Script:
    """The command line of a measuring script: ``--out``, ``--jobs``, ``--quick``.

    Attributes
    ----------
    path : str
        Path of the script from the repository root (recorded in the command).
    dataset_name : str
        Stem of the main CSV file (for the closing message).
    description : str
        Help text of the script.
    default_out : pathlib.Path
        Folder of the shipped files (resolved); the default of ``--out``.
    quick_help : str
        Help text of ``--quick``.
    full, quick : object
        The full and ``--quick`` configurations.
    run_experiment : callable
        ``run_experiment(config, jobs=...)``, returning one row per run with a boolean
        ``converged`` column.
    write_outputs : callable
        ``write_outputs(out, config, runs, invocation)``, writing the files and
        returning a summary table, printed to stdout.
    """

    path: str
    dataset_name: str
    description: str
    default_out: Path
    quick_help: str
    full: Any
    quick: Any
    run_experiment: Callable[..., pd.DataFrame]
    write_outputs: Callable[[Path, Any, pd.DataFrame, Invocation], pd.DataFrame]

    def parse_args(self, argv: list[str] | None = None) -> argparse.Namespace:
        """Parse the command line.

        ``--quick`` needs an explicit ``--out`` and refuses :attr:`default_out`, so that
        a smoke test cannot overwrite the shipped files.

        Parameters
        ----------
        argv : list of str, optional
            Arguments (default ``sys.argv[1:]``).

        Returns
        -------
        argparse.Namespace
            ``out``, ``jobs``, ``quick``.
        """
        default_out = self.default_out
        parser = argparse.ArgumentParser(description=self.description)
        parser.add_argument(
            "--out",
            type=Path,
            default=None,
            help=f"output folder (default: {default_out}; required with --quick)",
        )
        parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
        parser.add_argument("--quick", action="store_true", help=self.quick_help)
        args = parser.parse_args(argv)
        if args.quick:
            if args.out is None:
                parser.error("--quick needs an explicit --out (do not overwrite the dataset)")
            if args.out.resolve() == default_out:
                parser.error(f"--quick refuses to write into {default_out} (the shipped dataset)")
        if args.out is None:
            args.out = default_out
        if args.jobs < 1:
            parser.error("--jobs must be >= 1")
        return args

    def main(self, argv: list[str] | None = None) -> int:
        """Run the experiment and write its files.

        Parameters
        ----------
        argv : list of str, optional
            Command-line arguments (default ``sys.argv[1:]``).

        Returns
        -------
        int
            Exit status.
        """
        start = time.perf_counter()
        load_start = os.getloadavg()
        args = self.parse_args(argv)
        config = self.quick if args.quick else self.full
        runs = self.run_experiment(config, jobs=args.jobs)
        seconds = time.perf_counter() - start
        command = " ".join(["python", self.path, *(sys.argv[1:] if argv is None else argv)])
        invocation = Invocation(self.path, command, seconds, args.jobs, load_start)
        summary = self.write_outputs(args.out, config, runs, invocation)
        with pd.option_context("display.width", 200, "display.max_rows", 200):
            print(summary.to_string(index=False))
        print(
            f"{len(runs)} runs, {int((~runs['converged']).sum())} convergence warnings, "
            f"{seconds:.0f}s; wrote {args.out / (self.dataset_name + '.csv')}",
            file=sys.stderr,
        )
        return 0


# ----------------------------------------------------------------------------- data


def geometric_sizes(low: int, high: int, count: int) -> tuple[int, ...]:
    """Return ``count`` rounded, strictly increasing sizes from ``low`` to ``high``.

    Parameters
    ----------
    low, high : int
        First and last size.
    count : int
        Number of sizes.

    Returns
    -------
    tuple of int
        The geometric grid.

    Raises
    ------
    ValueError
        If rounding makes two sizes equal.
    """
    sizes = tuple(round(float(s)) for s in np.geomspace(low, high, count))
    if len(set(sizes)) != count:
        raise ValueError(f"geometric grid {sizes} has duplicates")
    return sizes


def split_digits(eval_size: int, eval_seed: int) -> dict[str, np.ndarray]:
    """Load scikit-learn's digits (pixels / 16) and hold out a stratified evaluation set.

    Parameters
    ----------
    eval_size : int
        Number of images held out.
    eval_seed : int
        ``random_state`` of the stratified ``train_test_split``.

    Returns
    -------
    dict
        ``x``, ``y`` (the other images: the training pool) and ``x_eval``, ``y_eval``.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x_pool, x_eval, y_pool, y_eval = train_test_split(
        x / 16.0, y, test_size=eval_size, stratify=y, random_state=eval_seed
    )
    return {"x": x_pool, "y": y_pool, "x_eval": x_eval, "y_eval": y_eval}


def generate_mnist1d(pool_size: int, eval_size: int, eval_seed: int) -> dict[str, Any]:
    """Generate MNIST-1D offline with the package's procedural generator.

    One call of ``mnist1d.data.make_dataset`` (default ``get_dataset_args()`` except
    ``num_samples``, ``train_split`` and ``seed``; no download) yields
    ``pool_size + eval_size`` shuffled samples: the first ``pool_size`` (``x`` then
    ``x_test``) are the pool, the last ``eval_size`` the evaluation set.

    Parameters
    ----------
    pool_size : int
        Size of the training pool.
    eval_size : int
        Size of the evaluation set.
    eval_seed : int
        Seed of the generator.

    Returns
    -------
    dict
        ``x``, ``y`` (training pool), ``x_eval``, ``y_eval`` and ``generator_args``
        (the generator's arguments without its download URL).
    """
    from mnist1d.data import get_dataset_args, make_dataset

    total = pool_size + eval_size
    args = get_dataset_args()
    args.num_samples = total
    args.seed = eval_seed
    args.train_split = pool_size / total
    data = make_dataset(args)
    x = np.concatenate([data["x"], data["x_test"]]).astype(np.float64)
    y = np.concatenate([data["y"], data["y_test"]]).astype(np.int64)
    if x.shape != (total, args.final_seq_length):
        raise RuntimeError(f"unexpected MNIST-1D shape {x.shape}")
    return {
        "x": x[:pool_size],
        "y": y[:pool_size],
        "x_eval": x[pool_size:],
        "y_eval": y[pool_size:],
        "generator_args": {k: v for k, v in vars(args).items() if k != "url"},
    }


def stratified_order(y: np.ndarray, seed: int, salt: int) -> np.ndarray:
    """Order the pool so that every prefix is (nearly) class-balanced.

    Each class is shuffled; the order then takes one sample of every class per round
    (classes in random order within a round). A shard of size ``n`` is the first ``n``
    indices, so shards are nested (smaller shard within larger shard, same seed) and
    every shard of at least as many samples as classes contains every class.

    Parameters
    ----------
    y : numpy.ndarray
        Labels of the pool.
    seed : int
        Replicate seed.
    salt : int
        Domain-specific salt (so that domains use independent streams).

    Returns
    -------
    numpy.ndarray
        A permutation of ``range(len(y))``.
    """
    rng = np.random.default_rng([seed, salt])
    per_class = [rng.permutation(np.flatnonzero(y == c)) for c in np.unique(y)]
    order: list[int] = []
    for r in range(max(len(p) for p in per_class)):
        members = np.array([p[r] for p in per_class if r < len(p)])
        order.extend(rng.permutation(members).tolist())
    return np.asarray(order, dtype=np.int64)


# ----------------------------------------------------------------------------- runs


def shard(
    x_pool: np.ndarray, y_pool: np.ndarray, order: np.ndarray, job: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    """The training shard of a job: the first ``job["data"]`` samples of ``order``.

    Parameters
    ----------
    x_pool, y_pool : numpy.ndarray
        Training pool of the domain.
    order : numpy.ndarray
        Stratified order of the pool for the job's seed.
    job : dict
        The job (``data`` is the shard size).

    Returns
    -------
    tuple of numpy.ndarray
        ``x``, ``y`` of the shard.

    Raises
    ------
    RuntimeError
        If the shard has a single class.
    """
    idx = order[: job["data"]]
    x, y = x_pool[idx], y_pool[idx]
    if len(np.unique(y)) < 2:
        raise RuntimeError(f"shard has a single class: {job}")
    return x, y


@dataclass
class FitRecord:
    """What :func:`single_threaded` measured (filled in when its block ends).

    Attributes
    ----------
    seconds : float
        Wall time of the block.
    cpu_seconds : float
        CPU time of the process during the block (other load does not inflate it).
    converged : bool
        Whether the block raised no ``ConvergenceWarning``.
    """

    seconds: float = float("nan")
    cpu_seconds: float = float("nan")
    converged: bool = True


@contextmanager
def single_threaded() -> Iterator[FitRecord]:
    """Run a block with one BLAS/OpenMP thread, timed, counting convergence warnings.

    ``ConvergenceWarning`` inside the block is recorded (not shown) and sets
    ``converged = False`` on the yielded record.

    Yields
    ------
    FitRecord
        Filled in with the wall and CPU time and the convergence flag when the block ends.
    """
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    record = FitRecord()
    start, cpu_start = time.perf_counter(), time.process_time()
    with threadpool_limits(limits=1), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        yield record
    record.seconds = time.perf_counter() - start
    record.cpu_seconds = time.process_time() - cpu_start
    record.converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)


def run_parallel(
    domains: Sequence[Any],
    seeds: Sequence[int],
    *,
    load: Callable[[Any], dict[str, Any]],
    make_jobs: Callable[[Any], list[dict[str, Any]]],
    fit: Callable[..., dict[str, Any]],
    cost: Callable[[dict[str, Any], dict[str, np.ndarray]], float],
    fit_args: tuple[Any, ...] = (),
    jobs: int = 2,
    verbose: bool = True,
) -> pd.DataFrame:
    """Load every domain, then run every job in worker processes; one row per run.

    Domain ``i`` (in the order of ``domains``) orders its pool with salt ``i``, so a
    run depends only on its own domain, job and seed.

    Parameters
    ----------
    domains : sequence
        Domain specs, each with ``name`` and ``sizes``.
    seeds : sequence of int
        Replicate seeds (one stratified order of the pool per seed).
    load : callable
        ``load(spec)`` -> dict with ``x``, ``y`` (pool), ``x_eval``, ``y_eval`` and
        optionally ``generator_args``.
    make_jobs : callable
        ``make_jobs(spec)`` -> list of job dicts, each with ``data`` and ``seed``.
    fit : callable
        ``fit(x_pool, y_pool, order, x_eval, y_eval, job, *fit_args)`` -> row dict, run
        in a worker.
    cost : callable
        ``cost(job, data)`` -> rough relative cost; the most expensive jobs start first.
    fit_args : tuple
        Further arguments of ``fit``.
    jobs : int
        Number of worker processes (joblib/loky).
    verbose : bool
        Print progress to stderr.

    Returns
    -------
    pandas.DataFrame
        The rows of ``fit``; ``attrs["pool_sizes"]`` and ``attrs["generator_args"]``
        hold the pool size and generator arguments per domain.

    Raises
    ------
    ValueError
        If a pool is smaller than its domain's largest size.
    """
    from joblib import Parallel, delayed

    tasks: list[Task] = []
    pools: dict[str, int] = {}
    generators: dict[str, dict[str, Any]] = {}
    for salt, spec in enumerate(domains):
        t0 = time.perf_counter()
        data = load(spec)
        if len(data["y"]) < max(spec.sizes):
            raise ValueError(f"{spec.name}: pool {len(data['y'])} < largest size")
        if verbose:
            print(
                f"[{spec.name}] pool {data['x'].shape}, eval {data['x_eval'].shape}, "
                f"loaded in {time.perf_counter() - t0:.1f}s",
                file=sys.stderr,
            )
        orders = {s: stratified_order(data["y"], s, salt) for s in seeds}
        pools[spec.name] = len(data["y"])
        if "generator_args" in data:
            generators[spec.name] = data.pop("generator_args")
        for job in make_jobs(spec):
            tasks.append((data, orders[job["seed"]], job))
    tasks.sort(key=lambda t: -cost(t[2], t[0]))
    if verbose:
        print(f"{len(tasks)} runs on {jobs} worker(s)", file=sys.stderr)
    results = Parallel(n_jobs=jobs, batch_size=1, verbose=5 if verbose else 0)(
        delayed(fit)(d["x"], d["y"], o, d["x_eval"], d["y_eval"], j, *fit_args) for d, o, j in tasks
    )
    runs = pd.DataFrame(results)
    runs.attrs["pool_sizes"] = pools
    runs.attrs["generator_args"] = generators
    return runs


# ----------------------------------------------------------------------------- output


def sorted_runs(
    runs: pd.DataFrame, columns: list[str], keys: list[str], show: list[str]
) -> pd.DataFrame:
    """The run table: ``columns`` of ``runs`` sorted by ``keys``, error to 6 decimals.

    Parameters
    ----------
    runs : pandas.DataFrame
        One row per run, with ``n_errors`` and ``error``.
    columns : list of str
        Columns to keep.
    keys : list of str
        Columns that identify a run (the sort order).
    show : list of str
        Columns printed for the runs that fail the zero-error check.

    Returns
    -------
    pandas.DataFrame
        The sorted table with a fresh index.

    Raises
    ------
    RuntimeError
        If any run has zero evaluation errors (the error must stay > 0) or two rows have
        the same ``keys``.
    """
    zero = runs[runs["n_errors"] == 0]
    if len(zero):
        raise RuntimeError(
            "runs with zero evaluation errors (enlarge the evaluation set):\n"
            + zero[show].to_string()
        )
    table = runs[columns].copy()
    table["error"] = table["error"].round(6)
    table = table.sort_values(keys).reset_index(drop=True)
    if table.duplicated(keys).any():
        raise RuntimeError(f"duplicate ({', '.join(keys)}) rows")
    return table


def versions(packages: Sequence[str]) -> dict[str, str]:
    """Versions of the interpreter and of ``packages``.

    Parameters
    ----------
    packages : sequence of str
        Distribution names.

    Returns
    -------
    dict
        ``python`` and one entry per package.
    """
    from importlib.metadata import version

    out = {"python": platform.python_version()}
    for name in packages:
        out[name] = version(name)
    return out


def meta_header(
    name: str,
    description: str,
    invocation: Invocation,
    *,
    run_seconds: dict[str, float],
    packages: Sequence[str],
) -> dict[str, Any]:
    """The first entries of a meta file: what, how, when, on which machine, which versions.

    Parameters
    ----------
    name : str
        Dataset name.
    description : str
        What the table holds.
    invocation : Invocation
        How the script was run.
    run_seconds : dict
        Time totals over the runs, appended to the machine entry (rounded to 0.1 s).
    packages : sequence of str
        Packages whose versions are recorded (besides Python).

    Returns
    -------
    dict
        ``name``, ``description``, ``command``, ``script``, ``date`` (UTC),
        ``runtime_seconds``, ``machine`` and ``versions``.
    """
    return {
        "name": name,
        "description": description,
        "command": invocation.command,
        "script": invocation.script,
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "runtime_seconds": round(invocation.seconds, 1),
        "machine": {
            "nproc": os.cpu_count(),
            "platform": platform.platform(),
            "processor": platform.machine(),
            "workers": invocation.jobs,
            "blas_threads_per_worker": 1,
            "load_average_1_5_15min_at_start": [round(v, 2) for v in invocation.load_start],
            "load_average_1_5_15min_at_end": [round(v, 2) for v in os.getloadavg()],
            **{key: round(float(v), 1) for key, v in run_seconds.items()},
        },
        "versions": versions(packages),
    }


def generator_entry(runs: pd.DataFrame, domain: str) -> dict[str, Any]:
    """``{"generator_args": ...}`` for a domain with generator arguments, else ``{}``.

    Parameters
    ----------
    runs : pandas.DataFrame
        Output of :func:`run_parallel`.
    domain : str
        Domain name.

    Returns
    -------
    dict
        The entry to merge into the domain's meta record.
    """
    generators = runs.attrs["generator_args"]
    return {"generator_args": generators[domain]} if domain in generators else {}


def convergence_warnings(runs: pd.DataFrame, meaning: str) -> dict[str, Any]:
    """Count the runs that raised a ``ConvergenceWarning``, per domain and curve.

    Parameters
    ----------
    runs : pandas.DataFrame
        One row per run with ``domain``, ``curve`` and ``converged``.
    meaning : str
        What a warning means for these learners.

    Returns
    -------
    dict
        ``total``, ``runs``, ``by_domain_curve`` (``"domain/curve"`` -> count) and
        ``meaning``.
    """
    not_converged = runs[~runs["converged"]]
    return {
        "total": len(not_converged),
        "runs": len(runs),
        "by_domain_curve": {
            f"{d}/{c}": int(v)
            for (d, c), v in not_converged.groupby(["domain", "curve"]).size().items()
        },
        "meaning": meaning,
    }


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """Write a table as CSV without index, with ``\\n`` line ends.

    Parameters
    ----------
    table : pandas.DataFrame
        The table.
    path : pathlib.Path
        Output file.
    """
    table.to_csv(path, index=False, lineterminator="\n")


def write_meta(meta: dict[str, Any], path: Path) -> None:
    """Write a meta file as indented JSON with a final newline.

    Parameters
    ----------
    meta : dict
        The meta record.
    path : pathlib.Path
        Output file.
    """
    path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
