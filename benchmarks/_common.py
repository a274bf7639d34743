"""Shared helpers: machine description, timers, result files, medians over repeats."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"
MIRROR = Path(os.environ.get("BAYES_SCALING_DATA_MIRROR",
                             Path(__file__).resolve().parents[2] / "shared/datasets/raw"))


def machine() -> dict[str, str | int | float]:
    """CPU model, core count, RAM, load averages and library versions, for the tables."""
    import nutpie
    import pymc
    import pytensor

    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()
    return {
        "cpu": cpu,
        "nproc": os.cpu_count() or 0,
        "ram_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "load_1m": round(load[0], 2), "load_5m": round(load[1], 2), "load_15m": round(load[2], 2),
        "python": platform.python_version(),
        "pymc": pymc.__version__, "nutpie": nutpie.__version__, "pytensor": pytensor.__version__,
        "time": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


@contextmanager
def timer(into: dict[str, float], key: str) -> Iterator[None]:
    """Store the wall time (s) of the ``with`` block in ``into[key]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        into[key] = time.perf_counter() - start


@contextmanager
def peak_memory(into: dict[str, float], *, interval: float = 0.25) -> Iterator[None]:
    """Store the peak resident memory (MiB) of this process and every process it starts
    (local workers: loky, a Dask ``LocalCluster``'s nannies and workers) during the
    ``with`` block: ``into["peak_total_mib"]`` (the largest sum over the process tree at one
    sample) and ``into["peak_process_mib"]`` (the largest single process). Sampled every
    ``interval`` seconds by a background thread with :mod:`psutil`, so a peak shorter than
    that can be missed; workers of a remote cluster are not counted."""
    import threading

    import psutil

    root = psutil.Process()
    stop = threading.Event()
    peak = {"total": 0.0, "process": 0.0}

    def sample() -> None:
        while True:
            sizes = []
            for proc in (root, *root.children(recursive=True)):
                try:
                    sizes.append(proc.memory_info().rss / 2**20)
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue  # a worker that ended between listing and reading
            peak["total"] = max(peak["total"], sum(sizes))
            peak["process"] = max(peak["process"], max(sizes, default=0.0))
            if stop.wait(interval):
                return

    thread = threading.Thread(target=sample, name="peak-memory", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        into["peak_total_mib"] = round(peak["total"], 1)
        into["peak_process_mib"] = round(peak["process"], 1)


def write_results(frame: pd.DataFrame, name: str, out: Path = RESULTS) -> Path:
    """Write ``frame`` to ``out/name.csv`` (and the machine description beside it)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.csv"
    frame.to_csv(path, index=False)
    pd.DataFrame([machine()]).to_csv(out / f"{name}.machine.csv", index=False)
    return path


def median_table(runs: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Median of every numeric column over repeats, grouped by ``by``, with the run count."""
    numeric = [c for c in runs.columns if c not in by and pd.api.types.is_numeric_dtype(runs[c])
               and c != "repeat"]
    table = runs.groupby(by, sort=False)[numeric].median()
    table["runs"] = runs.groupby(by, sort=False).size()
    return table.reset_index()


def bulk_ess_min(tree, var_names: list[str]) -> float:
    """Smallest bulk ESS over every element of ``var_names`` (ArviZ's ``ess``)."""
    import arviz as az

    ess = az.ess(tree, var_names=var_names, method="bulk")
    ds = ess.to_dataset() if hasattr(ess, "to_dataset") else ess
    return float(np.min([float(ds[v].min()) for v in var_names]))


def divergences(tree) -> int:
    """Number of divergent transitions after tuning."""
    return int(tree["sample_stats"]["diverging"].sum())


def nutpie_options(model) -> dict[str, object]:
    """The model's default nutpie settings, as ``ScalingModel.fit`` passes them: its
    ``target_accept`` and (for models that default to it) the low-rank mass matrix."""
    from bayes_scaling.models.base import NUTPIE_LOW_RANK

    options: dict[str, object] = {"target_accept": model.default_target_accept}
    if model.default_low_rank_mass_matrix:
        options.update(NUTPIE_LOW_RANK)
    return options
