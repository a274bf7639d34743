"""Wall time of a form comparison by evidence, as a user runs it (issue 15's target).

``python -m benchmarks.compare_timing [--table revisiting2022-lang | --simulate N]
[--forms ...] [--evidence smc|bridge] [--jobs 2] [--scheduler ADDRESS|local]
[--repeats 1] --out DIR``

Each repeat calls :func:`bayes_scaling.comparison.compare_forms` on the table's fit rows
(or on ``N`` simulated curves, :func:`benchmarks.form_blocks.simulated_table`) with
``methods=["evidence"]`` and the package's defaults otherwise, and records its wall time
and the peak resident memory of this process and its workers; per form, which estimator
gave its evidence (``evidence_method``: ``smc``, ``bridge``, or ``bridge+smc`` with the
blocks NUTS failed on), the log evidence with its Monte Carlo error and its rank. Writes
``compare_timing.csv`` (one row per repeat and form) and ``compare_timing.machine.json``
(machine and load before and after) in ``DIR``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from bayes_scaling.comparison import compare_forms
from bayes_scaling.models.blocks import dask_client
from benchmarks._common import machine, peak_memory
from benchmarks.calibration import TABLES
from benchmarks.form_blocks import simulated_table

#: The six forms of BENCHMARKS section 5b.
FORMS = ("power_law", "power_law_irreducible", "three_region", "sigmoid_log", "logarithmic",
         "exponential")


def time_comparison(frame: pd.DataFrame, forms: Sequence[str], *, evidence: str,
                    jobs: int | None, repeat: int = 0, **options: object) -> pd.DataFrame:
    """One comparison by evidence, timed: one row per form (``options`` go to
    :func:`~bayes_scaling.comparison.compare_forms`)."""
    memory: dict[str, float] = {}
    start = time.perf_counter()
    with warnings.catch_warnings(), peak_memory(memory):
        warnings.simplefilter("ignore")  # the problems are recorded below
        result = compare_forms(frame, list(forms), methods=["evidence"], evidence=evidence,
                               n_jobs=jobs, **options)
    seconds = time.perf_counter() - start
    rows = []
    for form in forms:
        fit = result.fits[form]
        row = result.evidence.loc[form]
        rows.append({
            "repeat": repeat, "evidence": evidence, "form": form,
            "evidence_method": fit.attrs.get("evidence_method", "smc"),
            "smc_blocks": ";".join(json.loads(fit.attrs.get("smc_blocks", "[]"))),
            "rank": int(row["rank"]), "log_evidence": float(row["log_evidence"]),
            "log_evidence_se": float(row["log_evidence_se"]),
            "wall_s": seconds, "problems": len(result.problems), **memory})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    """Time the comparison and write the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare_timing",
                                     description=__doc__)
    parser.add_argument("--table", default="revisiting2022-lang", choices=sorted(TABLES))
    parser.add_argument("--simulate", type=int, default=None, metavar="N",
                        help="N simulated curves instead of --table")
    parser.add_argument("--scheduler", default=None,
                        help="Dask scheduler address for the SMC blocks, or 'local'")
    parser.add_argument("--forms", nargs="+", default=list(FORMS))
    parser.add_argument("--evidence", default="bridge", choices=["smc", "bridge"])
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    if args.simulate:
        frame = simulated_table(args.simulate)
    else:
        frame = TABLES[args.table]()
        frame = frame[frame["split"] == "fit"].drop(columns="split")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    before = machine()
    tables = []
    with contextlib.ExitStack() as stack:
        client = (stack.enter_context(dask_client(args.scheduler, n_workers=args.jobs))
                  if args.scheduler else None)
        for repeat in range(args.repeats):
            tables.append(time_comparison(frame, args.forms, evidence=args.evidence,
                                          jobs=args.jobs, repeat=repeat, client=client))
            table = pd.concat(tables, ignore_index=True)
            table.to_csv(out / "compare_timing.csv", index=False)
            print(tables[-1].to_string(), flush=True)
    (out / "compare_timing.machine.json").write_text(json.dumps(
        {"table": f"simulated, {args.simulate} curves" if args.simulate else args.table,
         "forms": args.forms, "evidence": args.evidence, "jobs": args.jobs,
         "scheduler": args.scheduler, "before": before, "after": machine()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
