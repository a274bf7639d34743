"""Part 2, scale: time and peak memory as the number of curves and points per curve grow.

Each configuration runs in its own Python process (``python -m benchmarks.scale --one ...``),
so that its peak resident memory (``ru_maxrss`` of that process; nutpie samples in threads)
is its own. The process simulates curves (sizes log-spaced from 100 to 100,000, not rounded so
that 1,000 points stay distinct) with
:func:`bayes_scaling.simulate.simulate_learning_curves` (5 domains, one seed per size),
builds :class:`HierarchicalLearningCurve`, compiles with nutpie and samples 2 chains with
capped draws. Besides wall times it reports the number of gradient evaluations (nutpie's
``n_steps``) and the cost of one, ``grad_us`` = sampling time x parallel chains / gradients:
the per-gradient cost is what grows with the data, the number of gradients per draw depends
on the posterior's geometry.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._common import median_table, nutpie_options

N_DOMAINS = 5
CURVE_COUNTS = (10, 100, 1000)
POINT_COUNTS = (10, 100, 1000)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def one(n_curves: int, n_points: int, draws: int, tune: int, seed: int) -> dict[str, float]:
    """Fit one simulated configuration in this process and return its measurements."""
    t0 = time.perf_counter()
    import nutpie

    from bayes_scaling.models import HierarchicalLearningCurve
    from bayes_scaling.simulate import simulate_learning_curves

    baseline = _peak_mb()
    sim = simulate_learning_curves(n_domains=N_DOMAINS, curves_per_domain=n_curves // N_DOMAINS,
                                   sizes=np.geomspace(100, 100_000, n_points),
                                   n_seeds=1, seed=seed)
    t1 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = HierarchicalLearningCurve(sim.frame)
        pm_model = model.build_model()
        t2 = time.perf_counter()
        compiled = nutpie.compile_pymc_model(pm_model, backend="numba")
        t3 = time.perf_counter()
        chains = 2
        tree = nutpie.sample(compiled, draws=draws, tune=tune, chains=chains, cores=chains,
                             seed=seed, progress_bar=False, save_warmup=True,
                             **nutpie_options(model))
        t4 = time.perf_counter()
    stats = tree["sample_stats"]
    steps = int(stats["n_steps"].sum())
    if "warmup_sample_stats" in tree.children:
        steps += int(tree["warmup_sample_stats"]["n_steps"].sum())
    sample_s = t4 - t3
    return {"n_curves": n_curves, "n_points": n_points, "n_obs": len(model.data.frame),
            "n_params": int(compiled.n_dim), "draws": draws, "tune": tune, "chains": chains,
            "import_s": t1 - t0, "build_s": t2 - t1, "compile_s": t3 - t2, "sample_s": sample_s,
            "gradients": steps, "grad_us": 1e6 * sample_s * chains / max(steps, 1),
            "divergences": int(stats["diverging"].sum()),
            "baseline_mb": baseline, "peak_mb": _peak_mb()}


def run(*, quick: bool = False, repeats: int = 3,
        log: Callable[[str], None] = print) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every configuration ``repeats`` times, each in a fresh process."""
    if quick:
        configs = [(10, 10), (100, 10), (10, 100)]
        draws = tune = 30
    else:
        configs = ([(n, 10) for n in CURVE_COUNTS]
                   + [(10, p) for p in POINT_COUNTS if p != 10])
        draws = tune = 200
    rows = []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")])}
    for repeat in range(repeats):
        for n_curves, n_points in configs:
            cmd = [sys.executable, "-m", "benchmarks.scale", "--one", str(n_curves),
                   str(n_points), str(draws), str(tune), str(repeat)]
            start = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
            if proc.returncode != 0:
                raise RuntimeError(f"scale run {n_curves}x{n_points} failed:\n{proc.stderr}")
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            row.update(repeat=repeat, process_s=time.perf_counter() - start)
            rows.append(row)
            log(f"scale {n_curves} curves x {n_points} points #{repeat}: compile "
                f"{row['compile_s']:.1f}s sample {row['sample_s']:.1f}s grad "
                f"{row['grad_us']:.0f}us peak {row['peak_mb']:.0f} MB")
    runs = pd.DataFrame(rows)
    return runs, median_table(runs, ["n_curves", "n_points"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", nargs=5, type=int, required=True,
                        metavar=("CURVES", "POINTS", "DRAWS", "TUNE", "SEED"))
    args = parser.parse_args()
    print(json.dumps(one(*args.one)))
