"""The joint law with the ``language-model`` prior set against its default priors.

``python -m benchmarks.joint_prior_sets [--tables NAME ...] [--out DIR]``

:mod:`benchmarks.joint_variants` with two variants: the package's default settings, and
``prior_set="language-model"`` (``priors/literature/language_model.yaml``). Note that the
set's joint-law priors are derived from Hoffmann et al. (2022) and Epoch AI's
replication, i.e. from the Chinchilla runs themselves: its score on
``chinchilla-epoch2024`` is not out of sample.

Writes ``<out>/calibration.csv`` (per table, method and domain) with its
``.machine.csv``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks import calibration, joint_variants
from benchmarks._common import RESULTS

#: The joint-law tables scored (``--tables`` chooses among them).
TABLES: tuple[str, ...] = joint_variants.TABLES
#: The two fits compared (keys of :data:`benchmarks.joint_variants.VARIANTS`).
COMPARED: tuple[str, str] = ("bayes: joint law", "bayes: joint law, language-model set")


def predictors(draws: int = 1000) -> dict[str, calibration.Predictor]:
    """The two fits compared: default priors and the ``language-model`` set."""
    return joint_variants.predictors(COMPARED, draws)


def main(argv: list[str] | None = None) -> int:
    """Score both fits on the tables and write the results."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.joint_prior_sets",
                                     description=__doc__)
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=TABLES)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=RESULTS / "joint_prior_sets")
    args = parser.parse_args(argv)
    joint_variants.run(COMPARED, args.tables, draws=args.draws, out=args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
