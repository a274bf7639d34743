"""The joint law with the ``language-model`` prior set against its default priors.

``python -m benchmarks.joint_prior_sets [--tables NAME ...] [--out DIR]``

Leave-future-out on the joint-law tables of :mod:`benchmarks.calibration` (the same
splits and scorer): :class:`~bayes_scaling.models.JointScalingLaw` with the package's
default settings, fitted once with the default priors and once with
``prior_set="language-model"`` (``priors/literature/language_model.yaml``), held-out rows
predicted with :func:`bayes_scaling.prediction.predict`. Note that the set's joint-law
priors are derived from Hoffmann et al. (2022) and Epoch AI's replication, i.e. from the
Chinchilla runs themselves: its score on ``chinchilla-epoch2024`` is not out of sample.

Writes ``<out>/calibration.csv`` (per table, method and domain) with its
``.machine.csv``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks import calibration
from benchmarks._common import RESULTS, write_results

#: The joint-law tables scored (``--tables`` chooses among them).
TABLES: tuple[str, ...] = ("simulated-checkpoints", "gadre2024", "chinchilla-epoch2024")


def predictors(draws: int = 1000) -> dict[str, calibration.Predictor]:
    """The two fits compared: default priors and the ``language-model`` set."""
    return {"bayes: joint law": calibration.joint_predictor(draws=draws),
            "bayes: joint law, language-model set": calibration.joint_predictor(
                draws=draws, prior_set="language-model")}


def main(argv: list[str] | None = None) -> int:
    """Score both fits on the tables and write the results."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.joint_prior_sets",
                                     description=__doc__)
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=TABLES)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=RESULTS / "joint_prior_sets")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    table = calibration.run(predictors(args.draws), args.tables,
                            checkpoint=args.out / "calibration.partial.csv")
    path = write_results(table, "calibration", args.out)
    print(table.to_string())
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
