"""Cost of the SMC blocks of a form comparison: per block, serial and on workers.

Simulates ``--curves`` learning curves (:func:`bayes_scaling.simulate.simulate_learning_curves`,
10 sizes x 3 seeds each), builds every form's block tasks and runs them once with
:func:`bayes_scaling.models.blocks.run_blocks` (``--jobs`` local workers, or ``--scheduler``
for Dask). Writes one row per block (form, block, seconds inside the worker, whether it
was rerun with more particles) and the wall time, so the cost of a larger table (the
issue's 1,000 curves x 3 forms) can be predicted from the median block cost, and the peak
resident memory of the run (this process and its local workers,
:func:`benchmarks._common.peak_memory`).

Run: ``python -m benchmarks.form_blocks --curves 50 [--forms ...] [--jobs N]``. Writes
``benchmarks/results/form_blocks_<curves>.csv`` and ``..._<curves>.machine.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
import warnings

import numpy as np
import pandas as pd

from bayes_scaling.models import CurveFormModel, SMCConfig
from bayes_scaling.models.blocks import dask_client, run_blocks
from bayes_scaling.simulate import simulate_learning_curves
from benchmarks._common import RESULTS, machine, peak_memory

FORMS = ("power_law", "power_law_irreducible", "sigmoid_log")


def simulated_table(curves: int) -> pd.DataFrame:
    """``curves`` simulated learning curves, 10 per domain (10 sizes x 3 seeds each)."""
    domains = max(1, math.ceil(curves / 10))
    frame = simulate_learning_curves(n_domains=domains,
                                     curves_per_domain=math.ceil(curves / domains),
                                     seed=11).frame
    keep = frame[["domain", "curve"]].drop_duplicates().head(curves)
    return frame.merge(keep, on=["domain", "curve"])


def main(argv: list[str] | None = None) -> int:
    """Run the blocks and write the tables."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.form_blocks",
                                     description=__doc__)
    parser.add_argument("--curves", type=int, default=50)
    parser.add_argument("--forms", nargs="+", default=list(FORMS))
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--chains", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--scheduler", default=None)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    frame = simulated_table(args.curves)
    smc = SMCConfig(draws=args.draws, chains=args.chains, seed=2026)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        models = {f: CurveFormModel(frame, f) for f in args.forms}
    tasks = [t for f, m in models.items() for t in m.smc_tasks(smc, label=f)]
    load_before = machine()
    memory: dict[str, float] = {}
    start = time.perf_counter()
    with warnings.catch_warnings(), peak_memory(memory):
        warnings.simplefilter("ignore")
        if args.scheduler:
            with dask_client(args.scheduler, n_workers=args.jobs) as client:
                results = run_blocks(tasks, client=client, progress=True)
        else:
            results = run_blocks(tasks, n_jobs=args.jobs, progress=True)
    wall = time.perf_counter() - start
    rows = pd.DataFrame({"form": [t.label for t in tasks], "block": [t.block for t in tasks],
                         "seconds": [r.seconds for r in results],
                         "rerun": [r.remedy is not None for r in results]})
    out = RESULTS if args.out is None else __import__("pathlib").Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows.to_csv(out / f"form_blocks_{args.curves}.csv", index=False)
    per_form = rows.groupby("form")["seconds"].median().to_dict()
    meta = {"before": load_before, "after": machine(), "curves": args.curves,
            "forms": args.forms, "draws": args.draws, "chains": args.chains,
            "jobs": args.jobs, "scheduler": args.scheduler, "blocks": len(tasks),
            "wall_seconds": round(wall, 1), "block_seconds_sum": round(rows.seconds.sum(), 1),
            "block_seconds_median": round(float(np.median(rows.seconds)), 2),
            "median_by_form": per_form, "reruns": int(rows.rerun.sum()), **memory}
    (out / f"form_blocks_{args.curves}.machine.json").write_text(
        json.dumps(meta, indent=2, default=str))
    print(json.dumps({k: v for k, v in meta.items() if k not in ("before", "after")},
                     indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
