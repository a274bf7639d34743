"""The domain level's geometry: centred where the data pin it down, or always non-centred.

``python -m benchmarks.domain_geometry [--tables NAME ...] [--seeds 2026 ...]
[--settings NAME ...] [--target-accept P] [--out DIR]``

For each learning-curve table of :mod:`benchmarks.calibration` (its ``fit`` rows, as the
calibration part fits them), :class:`~bayes_scaling.models.HierarchicalLearningCurve` is
fitted with the package's defaults and ``auto_remedy=False`` (one run of the default
sampler settings, so that the geometry, not the remedy, is measured), once with
``domain_parameterization="auto"`` (the default: :mod:`bayes_scaling.models.geometry`) and
once with ``"non_centered"`` (the model before the rule). A table on which the rule
centres no domain is fitted once: the two are then the same model and geometry.

``--settings "auto (default)"`` fits the default geometry only; ``--target-accept`` replaces
the model's default target acceptance (0.99) in every fit, to measure what the sampler's
step size costs and buys with the geometry chosen.

Writes ``<out>/domain_geometry.csv``: per table, seed, setting and target acceptance, the
domains centred,
divergences, max R-hat, min bulk and tail ESS, whether the fit passes, mean leapfrog
steps per draw and wall seconds (fit only, compile included); and its ``.machine.csv``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import pandas as pd

from bayes_scaling.diagnostics import fit_report
from bayes_scaling.errors import FitDiagnosticsWarning, IdentificationWarning
from bayes_scaling.models import HierarchicalLearningCurve
from benchmarks._common import RESULTS, write_results
from benchmarks.calibration import TABLES, table_sizes

#: The settings compared: name -> model option.
SETTINGS: dict[str, str] = {"auto (default)": "auto", "non-centred": "non_centered"}


def learning_curve_tables() -> list[str]:
    """The calibration tables over one size column (``data``)."""
    return [name for name in TABLES if table_sizes(name) == ("data",)]


def fit_rows(name: str) -> pd.DataFrame:
    """The ``fit`` rows of a calibration table, without the ``split`` column."""
    frame = TABLES[name]()
    return frame[frame["split"] == "fit"].drop(columns="split")


def measure(name: str, rows: pd.DataFrame, setting: str, seed: int,
            target_accept: float | None = None) -> dict[str, object]:
    """Fit one table with one domain geometry (and ``target_accept``, the model's default
    if None); its diagnostics, steps and wall time."""
    with warnings.catch_warnings():  # the verdict is recorded below
        warnings.simplefilter("ignore", FitDiagnosticsWarning)
        warnings.simplefilter("ignore", IdentificationWarning)
        model = HierarchicalLearningCurve(rows, domain_parameterization=SETTINGS[setting])
        start = time.perf_counter()
        fit = model.fit(seed=seed, auto_remedy=False, target_accept=target_accept)
    wall = time.perf_counter() - start
    report = fit_report(fit)
    steps = fit["sample_stats"].get("n_steps")
    row = {"table": name, "seed": seed, "setting": setting,
           "target_accept": (model.default_target_accept if target_accept is None
                             else target_accept),
           "centred_domains": ",".join(str(d) for d, c in zip(
               model.coords["domain"], model.centered_domains, strict=True) if c),
           "domains": len(model.coords["domain"]), "curves": len(model.coords["curve"]),
           "ok": report.ok, "divergences": report.divergences, "max_rhat": report.max_rhat,
           "min_ess_bulk": report.min_ess_bulk, "min_ess_tail": report.min_ess_tail,
           "steps_per_draw": float(steps.mean()) if steps is not None else float("nan"),
           "wall_s": wall}
    print(json.dumps(row, default=float), flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    """Fit every table with both domain geometries (once where the rule centres none)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.domain_geometry",
                                     description=__doc__)
    parser.add_argument("--tables", nargs="+", default=learning_curve_tables(),
                        choices=learning_curve_tables())
    parser.add_argument("--seeds", type=int, nargs="+", default=[2026])
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--target-accept", type=float, default=None,
                        help="replace the model's default target acceptance in every fit")
    parser.add_argument("--out", type=Path, default=RESULTS / "domain_geometry")
    args = parser.parse_args(argv)
    rows = []
    for name in args.tables:
        table = fit_rows(name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IdentificationWarning)
            centres = HierarchicalLearningCurve(table).centered_domains.any()
        for seed in args.seeds:
            settings = args.settings if centres else ["auto (default)"]
            for setting in settings:
                rows.append(measure(name, table, setting, seed, args.target_accept))
        write_results(pd.DataFrame(rows), "domain_geometry", args.out)
    table = pd.DataFrame(rows)
    print(table.drop(columns=["centred_domains"], errors="ignore").to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
