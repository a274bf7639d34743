"""Experiment (not the package's model): the smooth part minus its quadratic.

``python -m benchmarks.smooth_quadratic [TABLE ...]``

The default discrepancy's smooth (integrated Brownian) part has its least-squares *line*
in log size over the fitted range removed, because the form's level and exponent absorb
a line. Its end value and slope trade off with the form's floor (BENCHMARKS.md section
6, "Where the default's width comes from"). This experiment removes the least-squares
*quadratic* instead, a fixed-basis stand-in for a discrepancy orthogonal to the form's
level, exponent and floor, and scores the default model so changed with the calibration
part's protocol. It patches the private design of
:mod:`bayes_scaling.models.discrepancy` in this process only. Results:
``benchmarks/results/calibration_quadratic_removed/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import bayes_scaling.models.discrepancy as discrepancy
from benchmarks import calibration
from benchmarks._common import RESULTS
from benchmarks.extrapolation import hierarchical_predictor

METHOD = "bayes: hierarchical, smooth part minus its quadratic"


def quadratic_design(t: np.ndarray) -> np.ndarray:
    """``(3, n)``: the regressors (1, t - 1/2, (t - 1/2)**2 - 1/12) removed from the
    smooth part over the unit-width fitted range."""
    t = np.asarray(t, float)
    centred = t - 0.5
    return np.stack([np.ones_like(t), centred, centred**2 - 1.0 / 12.0])


def main(argv: list[str] | None = None) -> None:
    """Score the changed model on the given tables (default: the five learning-curve
    tables)."""
    tables = (argv if argv is not None else sys.argv[1:]) or [
        "mlp-learning-curves", "simulated-in-family", "simulated-misspecified",
        "dense-learning-curves", "revisiting2022-lang"]
    discrepancy._line_design = quadratic_design
    discrepancy._line_terms.cache_clear()
    discrepancy.unit_mean_variance.cache_clear()
    out = Path(RESULTS / "calibration_quadratic_removed")
    out.mkdir(parents=True, exist_ok=True)
    table = calibration.run({METHOD: hierarchical_predictor(draws=1000)}, tables,
                            checkpoint=out / "calibration_partial.csv")
    calibration.write(table, out)


if __name__ == "__main__":
    main()
