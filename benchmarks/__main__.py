"""``python -m benchmarks [part ...] [--quick] [--repeats N]``: run the suite, write CSVs.

Parts: ``speed`` (1), ``scale`` (2), ``extrapolation`` (3), ``compile`` (4), ``calibration``
(leave-future-out accuracy and coverage on several tables, :mod:`benchmarks.calibration`);
all by default.
Results go to ``benchmarks/results/<name>.csv`` (all runs in ``<name>_runs.csv``), each with
``<name>.machine.csv`` (CPU, cores, RAM, load averages, versions at the time of the run).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from benchmarks._common import RESULTS, machine, write_results

PARTS = ("speed", "scale", "extrapolation", "compile", "calibration")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run the chosen parts."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("parts", nargs="*", metavar="PART",
                        help=f"parts to run, of {', '.join(PARTS)} (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny settings, one repeat: checks that the scripts work")
    parser.add_argument("--repeats", type=int, default=None, help="repeats (default 3)")
    parser.add_argument("--pymc-repeats", type=int, default=None,
                        help="repeats of PyMC's sampler in the speed part (default: all)")
    parser.add_argument("--samplers", nargs="+", default=["nutpie", "pymc"],
                        choices=["nutpie", "pymc"], help="samplers in the speed part")
    parser.add_argument("--no-bootstrap", action="store_true",
                        help="speed part: skip the least-squares + bootstrap route")
    parser.add_argument("--cases", nargs="+", default=None,
                        help="speed cases to run (default: all three)")
    parser.add_argument("--tables", nargs="+", default=None, metavar="TABLE",
                        help="calibration part: tables to score (default: all, or the "
                             "small ones with --quick)")
    parser.add_argument("--methods", nargs="+", default=None, metavar="METHOD",
                        help="calibration part: methods to score, by their names in "
                             "calibration.default_predictors (default: all)")
    parser.add_argument("--out", type=Path, default=None,
                        help="results folder (default benchmarks/results, or "
                             "benchmarks/results/quick with --quick)")
    args = parser.parse_args(argv)
    parts = args.parts or list(PARTS)
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown part(s) {unknown}; valid: {', '.join(PARTS)}")
    if args.tables:
        from benchmarks.calibration import TABLES

        unknown = sorted(set(args.tables) - set(TABLES))
        if unknown:
            parser.error(f"unknown table(s) {unknown}; valid: {', '.join(TABLES)}")
    repeats = args.repeats or (1 if args.quick else 3)
    out = args.out or (RESULTS / "quick" if args.quick else RESULTS)
    logging.getLogger("pymc").setLevel(logging.WARNING)

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    log(f"machine: {machine()}")
    if "speed" in parts:
        from benchmarks import speed

        runs, table = speed.run(quick=args.quick, repeats=repeats,
                                pymc_repeats=args.pymc_repeats, only=args.cases,
                                samplers=tuple(args.samplers),
                                bootstrap=not args.no_bootstrap, log=log)
        write_results(runs, "speed_runs", out)
        log(f"wrote {write_results(table, 'speed', out)}")
    if "scale" in parts:
        from benchmarks import scale

        runs, table = scale.run(quick=args.quick, repeats=repeats, log=log)
        write_results(runs, "scale_runs", out)
        log(f"wrote {write_results(table, 'scale', out)}")
    if "extrapolation" in parts:
        from benchmarks import extrapolation

        for name, table in extrapolation.run(quick=args.quick).items():
            log(f"wrote {write_results(table, name, out)}")
    if "calibration" in parts:
        from benchmarks import calibration

        tables = args.tables or (list(calibration.QUICK_TABLES) if args.quick else None)
        predictors = calibration.default_predictors(args.quick)
        if args.methods:
            unknown = sorted(set(args.methods) - set(predictors))
            if unknown:
                parser.error(f"unknown method(s) {unknown}; valid: {', '.join(predictors)}")
            predictors = {name: predictors[name] for name in args.methods}
        out.mkdir(parents=True, exist_ok=True)
        table = calibration.run(predictors, tables, log=log,
                                checkpoint=out / "calibration_partial.csv")
        for path in calibration.write(table, out):
            log(f"wrote {path}")
    if "compile" in parts:
        from benchmarks import compile_cost

        runs, table = compile_cost.run(quick=args.quick, repeats=repeats, log=log)
        write_results(runs, "compile_runs", out)
        log(f"wrote {write_results(table, 'compile', out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
