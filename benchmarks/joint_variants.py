"""Variants of the joint law against its default, leave-future-out on the joint-law tables.

``python -m benchmarks.joint_variants [--variants NAME ...] [--tables NAME ...] [--out DIR]``

The joint-law tables of :mod:`benchmarks.calibration` (the same splits and scorer):
:class:`~bayes_scaling.models.JointScalingLaw` with the package's default settings and
with the options of each variant in :data:`VARIANTS` (a prior set, the Normal
likelihood, the model-size effect), every fit made as a user makes it
(:func:`benchmarks.calibration.joint_predictor`: 4 chains, the automatic remedy, held-out
rows predicted with :func:`bayes_scaling.prediction.predict`).

Writes ``<out>/calibration.csv`` (per table, method and domain) with its
``.machine.csv``; ``<out>/calibration.partial.csv`` is rewritten after every scored
method, so that a run that is stopped keeps what it measured.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from benchmarks import calibration
from benchmarks._common import RESULTS, write_results

#: The joint-law tables scored (``--tables`` chooses among them).
TABLES: tuple[str, ...] = ("simulated-checkpoints", "gadre2024", "chinchilla-epoch2024")

#: The checkpoint model the variants below build on: an offset per model size and a
#: discrepancy along log D, Normal likelihood (both integrated out).
_CHECKPOINT_MODEL: dict[str, object] = {"size_effect": True, "discrepancy": True,
                                        "discrepancy_axes": ("data",), "robust": False}

#: Method name -> options of :class:`~bayes_scaling.models.JointScalingLaw`.
VARIANTS: dict[str, dict[str, object]] = {
    "bayes: joint law": {},
    "bayes: joint law, language-model set": {"prior_set": "language-model"},
    "bayes: joint law, Normal": {"robust": False},
    "bayes: joint law, size effect": {"size_effect": True},
    "bayes: joint law, size effect, Normal": {"size_effect": True, "robust": False},
    "bayes: joint law, D discrepancy, Normal": {"discrepancy": True,
                                                "discrepancy_axes": ("data",),
                                                "robust": False},
    "bayes: joint law, size effect, D discrepancy, Normal": _CHECKPOINT_MODEL,
    "bayes: joint law, size effect, D discrepancy pinned at the end, Normal": {
        **_CHECKPOINT_MODEL, "discrepancy_kernel": "brownian_end"},
    "bayes: joint law, size effect, D discrepancy pinned at the end, pooled floor, Normal": {
        **_CHECKPOINT_MODEL, "discrepancy_kernel": "brownian_end", "floor_pooling": True},
    "bayes: joint law, size effect, D discrepancy, pooled floor, Normal": {
        **_CHECKPOINT_MODEL, "floor_pooling": True},
    "bayes: joint law, size effect, D discrepancy, Normal, language-model set": {
        **_CHECKPOINT_MODEL, "prior_set": "language-model"},
}


def predictors(names: Sequence[str], draws: int = 1000) -> dict[str, calibration.Predictor]:
    """The fits of the variants ``names`` (keys of :data:`VARIANTS`), in that order."""
    unknown = [name for name in names if name not in VARIANTS]
    if unknown:
        raise KeyError(f"unknown variants {unknown}; valid: {list(VARIANTS)}")
    return {name: calibration.joint_predictor(draws=draws, **VARIANTS[name])
            for name in names}


def run(names: Sequence[str], tables: Sequence[str], *, draws: int, out: Path) -> Path:
    """Score the variants ``names`` on ``tables`` and write ``<out>/calibration.csv``."""
    out.mkdir(parents=True, exist_ok=True)
    table = calibration.run(predictors(names, draws), list(tables),
                            checkpoint=out / "calibration.partial.csv")
    path = write_results(table, "calibration", out)
    print(table.to_string())
    print(path)
    return path


def main(argv: list[str] | None = None) -> int:
    """Score the chosen variants on the chosen tables and write the results."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.joint_variants",
                                     description=__doc__)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS,
                        metavar="NAME", help=f"default: all of {list(VARIANTS)}")
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=TABLES)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=RESULTS / "joint_variants")
    args = parser.parse_args(argv)
    run(args.variants, args.tables, draws=args.draws, out=args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
