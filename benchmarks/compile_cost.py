"""Part 4, compile cost of repeated runs: cold vs warm caches, same vs new data.

nutpie compiles the model through PyTensor's numba backend. PyTensor caches the numba code
of each graph node on disk (``<pytensor base_compiledir>/numba``), so a second *process*
fitting the same model skips most of the work; nutpie's two outer C callbacks (log density +
gradient, and the expansion to deterministics) close over run-time data and are compiled
again in every process (numba reports them as uncacheable: "dynamic globals").

Each run here is a fresh process (``python -m benchmarks.compile_cost --one CASE SEED``)
that times import, model build, nutpie compile and sampling. A private PyTensor compile
directory (``PYTENSOR_FLAGS=base_compiledir=...``) starts empty, so the first run is cold
and the following ones warm. ``new_data`` cases change the data on every run (a different
simulation seed): the models put observations and index arrays into the graph as
constants, so the cache key changes with the data.

The CLI's end-to-end wall time (``bayes-scaling fit``) is measured the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from benchmarks._common import MIRROR, nutpie_options

CASES = ("chinchilla_joint", "learning_curve_embedded", "learning_curve_new_data")


def one(case: str, seed: int, draws: int) -> dict[str, float | str]:
    """Import, build, compile and sample one case in this process; return the times."""
    t0 = time.perf_counter()
    import nutpie

    from bayes_scaling.datasets import load_dataset
    from bayes_scaling.models import HierarchicalLearningCurve, JointScalingLaw
    from bayes_scaling.simulate import simulate_learning_curves

    t1 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if case == "chinchilla_joint":
            model = JointScalingLaw(load_dataset("chinchilla-epoch2024", mirror=MIRROR))
        elif case == "learning_curve_embedded":
            model = HierarchicalLearningCurve(load_dataset("mlp-learning-curves"))
        else:
            model = HierarchicalLearningCurve(simulate_learning_curves(seed=seed).frame)
        pm_model = model.build_model()
        t2 = time.perf_counter()
        compiled = nutpie.compile_pymc_model(pm_model, backend="numba")
        t3 = time.perf_counter()
        nutpie.sample(compiled, draws=draws, tune=draws, chains=4, cores=2, seed=seed,
                      progress_bar=False, **nutpie_options(model))
        t4 = time.perf_counter()
    return {"case": case, "import_s": t1 - t0, "build_s": t2 - t1, "compile_s": t3 - t2,
            "sample_s": t4 - t3}


def _env(compiledir: Path) -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[1])
    return {**os.environ, "PYTENSOR_FLAGS": f"base_compiledir={compiledir}",
            "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}


def run(*, quick: bool = False, repeats: int = 3,
        log: Callable[[str], None] = print) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per case: one cold run then ``repeats`` warm runs, each in a fresh process; then the
    CLI end-to-end (cold, then warm) on the Chinchilla fit."""
    draws = 100 if quick else 1000
    cases = CASES[:1] if quick else CASES
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-pytensor-") as tmp:
        for case in cases:
            compiledir = Path(tmp) / case
            for k in range(repeats + 1):
                cmd = [sys.executable, "-m", "benchmarks.compile_cost", "--one", case, str(k),
                       str(draws)]
                start = time.perf_counter()
                proc = subprocess.run(cmd, capture_output=True, text=True,
                                      env=_env(compiledir), check=False)
                if proc.returncode != 0:
                    raise RuntimeError(f"compile-cost run {case} failed:\n{proc.stderr}")
                row = json.loads(proc.stdout.strip().splitlines()[-1])
                row.update(cache="cold" if k == 0 else "warm", run=k,
                           process_s=time.perf_counter() - start)
                row["compile_share"] = row["compile_s"] / row["process_s"]
                rows.append(row)
                log(f"compile {case} {row['cache']} #{k}: import {row['import_s']:.1f}s "
                    f"compile {row['compile_s']:.1f}s sample {row['sample_s']:.1f}s "
                    f"process {row['process_s']:.1f}s")
        compiledir = Path(tmp) / "cli"
        for k in range(repeats + 1):
            out = Path(tmp) / f"cli{k}.nc"
            # the console script's entry point (``bayes-scaling fit ...``)
            cmd = [sys.executable, "-m", "bayes_scaling.cli", "fit",
                   "chinchilla-epoch2024", "--model", "joint", "--out", str(out), "--mirror",
                   str(MIRROR), "--draws", str(draws), "--tune", str(draws), "--no-progress"]
            start = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(compiledir),
                                  check=False)
            if proc.returncode not in (0, 3):
                raise RuntimeError(f"CLI run failed ({proc.returncode}):\n{proc.stderr}")
            rows.append({"case": "cli_fit_chinchilla_joint", "cache": "cold" if k == 0 else "warm",
                         "run": k, "process_s": time.perf_counter() - start})
            log(f"compile cli {rows[-1]['cache']} #{k}: {rows[-1]['process_s']:.1f}s")
    runs = pd.DataFrame(rows)
    numeric = [c for c in ("import_s", "build_s", "compile_s", "sample_s", "process_s",
                           "compile_share") if c in runs]
    table = runs.groupby(["case", "cache"], sort=False)[numeric].median()
    table["runs"] = runs.groupby(["case", "cache"], sort=False).size()
    return runs, table.reset_index()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", nargs=3, required=True, metavar=("CASE", "SEED", "DRAWS"))
    args = parser.parse_args()
    case, seed, draws = args.one
    print(json.dumps(one(case, int(seed), int(draws))))
