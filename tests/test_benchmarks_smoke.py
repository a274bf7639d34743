"""Smoke test of the benchmark suite: modules import, M1-M4 recover known curves."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

# the benchmark suite is a folder of scripts in the repository, not part of the package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import extrapolation, point_fits
from benchmarks.point_fits import fit_m1, fit_m2, fit_m3, fit_m4, m4_predict

SIZES = np.geomspace(1e3, 1e6, 10)
FAR = np.geomspace(1e7, 1e8, 3)


@pytest.mark.parametrize(
    ("fitter", "truth", "curve"),
    [
        (fit_m1, {"beta": 3.0, "c": -0.25}, lambda x: 3.0 * x**-0.25),
        (fit_m2, {"beta": 5.0, "c": -0.4, "err_inf": 0.3}, lambda x: 0.3 + 5.0 * x**-0.4),
        (fit_m3, {"beta": 2.0, "c": 0.3, "gamma": 1e-5},
         lambda x: 2.0 * (1 / x + 1e-5) ** 0.3),
        (fit_m4, {"beta": 2.0, "c": -0.3, "alpha": 0.7, "err_inf": 0.3, "err_0": 1.2},
         lambda x: m4_predict(x, beta=2.0, c=-0.3, alpha=0.7, err_inf=0.3, err_0=1.2)),
    ],
)
def test_estimators_recover_a_known_curve(fitter, truth, curve):
    fit = fitter(SIZES, curve(SIZES))
    for name, value in truth.items():
        assert fit.params[name] == pytest.approx(value, rel=1e-3, abs=1e-6), name
    np.testing.assert_allclose(fit.predict(FAR), curve(FAR), rtol=1e-4)


def test_m1_cannot_fit_an_irreducible_floor():
    """M1 has no floor: on a curve with one it extrapolates too low (so the test can fail)."""
    y = 0.3 + 5.0 * SIZES**-0.4
    fit = fit_m1(SIZES, y)
    assert fit.predict(FAR).max() < 0.3


def test_score_reports_rmse_per_domain_and_no_coverage_for_point_methods():
    sizes = np.geomspace(100, 1e5, 8)
    frame = pd.concat([
        pd.DataFrame({"domain": d, "curve": "a", "data": sizes, "error": g + 2.0 * sizes**-b,
                      "split": ["fit"] * 5 + ["holdout"] * 3})
        for d, g, b in (("domain0", 0.05, 0.3), ("domain1", 0.02, 0.5))], ignore_index=True)
    table = extrapolation.score(extrapolation.POINT_PREDICTORS["M2"], frame)
    assert list(table["domain"]) == ["domain0", "domain1", "all"]
    assert (table["rmse_log"] < 1e-3).all()  # noise-free M2-shaped curves: exact
    assert not table["intervals"].any() and table["coverage_0.9"].isna().all()


def test_score_coverage_from_draws():
    frame = pd.DataFrame({"domain": "d", "curve": "c", "data": [1.0, 2, 3, 4, 5, 6],
                          "loss": [1.0, 0.9, 0.8, 0.7, 0.6, 0.5],
                          "split": ["fit"] * 3 + ["holdout"] * 3})
    rng = np.random.default_rng(0)

    def predict(train, holdout):
        draws = holdout["loss"].to_numpy()[:, None] * np.exp(0.01 * rng.standard_normal((3, 999)))
        return extrapolation.intervals_from_draws(draws, holdout.index)

    table = extrapolation.score(predict, frame)
    assert table.loc[0, "coverage_0.95"] == 1.0 and table.loc[0, "intervals"]
    assert point_fits.ESTIMATORS == ("M1", "M2", "M3", "M4")
