"""Does the default call pass its own diagnostics on every registered dataset?

``python -m benchmarks.default_fits [--datasets NAME ...] [--seeds 2026 ...] [--out DIR]``

Issue 12 asks for fits that pass their diagnostics (0 divergences, R-hat <= 1.01, bulk
ESS >= 400) with the default call on every table. Per registered dataset
(:func:`bayes_scaling.datasets.list_datasets`; the public ones from the offline mirror),
this fits the model a user gets from ``bayes-scaling report`` (the kind
:func:`bayes_scaling.report.kinds.choose_kind` picks, its main model) on the table (all
its rows but the dataset's own held-out ones, which no model fits) with every default
(draws, target acceptance, geometry, automatic remedy), as ``Model(data).fit(seed=seed)``,
and records what the fit says about itself:
divergences, the largest R-hat, the smallest bulk and tail ESS, how many remedy attempts
it took, whether the joint law expanded to its discrepancy term, and the wall time.

Writes ``<out>/default_fits.csv`` (one row per dataset and seed) and its
``.machine.csv``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import pandas as pd

from bayes_scaling.datasets import list_datasets, load_dataset
from bayes_scaling.diagnostics import fit_report
from bayes_scaling.errors import FitDiagnosticsWarning, IdentificationWarning
from bayes_scaling.report.kinds import choose_kind, report_kind
from benchmarks._common import MIRROR, RESULTS, write_results

#: Columns of the result, in order.
COLUMNS: list[str] = ["dataset", "seed", "kind", "model", "fitted_rows", "curves", "ok",
                      "divergences", "max_rhat", "min_ess_bulk", "min_ess_tail",
                      "remedy_attempts", "model_expansion", "wall_s"]


def fit_default(name: str, seed: int) -> dict[str, object]:
    """Fit one registered dataset with the report kind's main model and every default.

    Parameters
    ----------
    name : str
        A registered dataset.
    seed : int
        The fit's seed.

    Returns
    -------
    dict
        One row of :data:`COLUMNS`.
    """
    data = load_dataset(name, mirror=MIRROR)
    kind = choose_kind(data)
    model_cls = report_kind(kind).main_model
    with warnings.catch_warnings():  # the verdict is recorded below
        warnings.simplefilter("ignore", FitDiagnosticsWarning)
        warnings.simplefilter("ignore", IdentificationWarning)
        start = time.perf_counter()
        fit = model_cls(data).fit(seed=seed)
        wall = time.perf_counter() - start
    report = fit_report(fit)
    # remedy_log (models.base): every attempt, the first fit included
    remedy_log = json.loads(fit.attrs.get("remedy_log") or '{"attempts": [{}]}')
    frame = data.split("fit").frame  # what the model fits: never the held-out rows
    curves = (frame[["domain", "curve"]].drop_duplicates().shape[0]
              if {"domain", "curve"} <= set(frame) else 1)
    return {"dataset": name, "seed": seed, "kind": kind, "model": model_cls.__name__,
            "fitted_rows": len(frame), "curves": curves, "ok": report.ok,
            "divergences": report.divergences, "max_rhat": report.max_rhat,
            "min_ess_bulk": report.min_ess_bulk, "min_ess_tail": report.min_ess_tail,
            "remedy_attempts": len(remedy_log["attempts"]) - 1,
            "model_expansion": fit.attrs.get("model_expansion", ""), "wall_s": wall}


def run(names: list[str], seeds: list[int], *, out: Path | None = None,
        log=print) -> pd.DataFrame:
    """:func:`fit_default` for every dataset and seed; with ``out``, the table so far is
    rewritten to ``out/default_fits_partial.csv`` after every fit."""
    rows = []
    for name in names:
        for seed in seeds:
            row = fit_default(name, seed)
            log(f"default_fits: {name} (seed {seed}, {row['model']}): "
                f"{'pass' if row['ok'] else 'FAIL'}, {row['divergences']} divergences, "
                f"R-hat {row['max_rhat']:.3f}, bulk ESS {row['min_ess_bulk']:.0f}, "
                f"{row['remedy_attempts']} remedy attempt(s), {row['wall_s']:.0f} s")
            rows.append(row)
            if out is not None:
                out.mkdir(parents=True, exist_ok=True)
                pd.DataFrame(rows, columns=COLUMNS).to_csv(
                    out / "default_fits_partial.csv", index=False)
    return pd.DataFrame(rows, columns=COLUMNS)


def main(argv: list[str] | None = None) -> None:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=None,
                        help="registered dataset names (default: all)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[2026])
    parser.add_argument("--out", type=Path, default=RESULTS / "default_fits")
    args = parser.parse_args(argv)
    registered = list(list_datasets()["name"])
    names = args.datasets or registered
    unknown = [n for n in names if n not in registered]
    if unknown:
        parser.error(f"unknown dataset(s) {unknown}; registered: {', '.join(registered)}")
    table = run(names, args.seeds, out=args.out)
    path = write_results(table, "default_fits", args.out)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
