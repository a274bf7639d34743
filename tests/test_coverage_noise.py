"""The noise of a table's coverage: curve-level bootstrap and a calibrated method's
miscalibration on the same held-out layout (benchmarks.coverage_noise)."""

import numpy as np
import pandas as pd
import pytest

from benchmarks import extrapolation
from benchmarks.coverage_noise import calibrated_reference, curve_bootstrap

LEVELS = (0.5, 0.8, 0.9, 0.95)


def test_bootstrap_of_curves_that_all_hold_is_exactly_full_coverage():
    inside = np.ones((60, 4), bool)
    out = curve_bootstrap(inside, np.repeat(["a", "b", "c"], 20), LEVELS)
    assert np.all(out["coverage_low"] == 1.0) and np.all(out["coverage_high"] == 1.0)
    assert out["miscalibration_low"] == pytest.approx(np.mean(1 - np.array(LEVELS)))


def test_bootstrap_resamples_curves_not_rows():
    """Two curves, one wholly inside, one wholly outside: resampling rows would give a
    narrow range around 1/2, resampling curves gives 0 to 1."""
    inside = np.repeat([[True], [False]], 50, axis=0)
    out = curve_bootstrap(inside, np.repeat(["a", "b"], 50), [0.5], draws=2000, seed=1)
    assert out["coverage_low"][0] == 0.0 and out["coverage_high"][0] == 1.0


def test_calibrated_method_on_one_curve_has_the_exact_median_miscalibration():
    """One curve, one PIT value for all its rows: inside all four intervals (or all but
    the 50% one) with probability 0.8, both giving mean gap 0.2125, so that is the median."""
    ref = calibrated_reference(np.zeros(30, int), LEVELS, draws=4000, seed=3)
    assert ref["per_curve"]["median"] == pytest.approx(0.2125)
    assert ref["per_curve"]["high"] > ref["per_curve"]["median"]


def test_calibrated_reference_shrinks_with_independent_checks():
    few = calibrated_reference(np.repeat(np.arange(5), 20), LEVELS, seed=0)
    many = calibrated_reference(np.repeat(np.arange(100), 20), LEVELS, seed=0)
    assert many["per_curve"]["median"] < few["per_curve"]["median"]
    assert few["independent"]["median"] < few["per_curve"]["median"]
    # 100 independent PIT values per level: a calibrated method's miscalibration is small
    assert many["independent"]["median"] < 0.02


def test_score_reports_the_noise_columns_only_for_interval_methods():
    sizes = np.geomspace(100, 1e5, 8)
    frame = pd.concat([pd.DataFrame({"domain": "d", "curve": c, "data": sizes,
                                     "error": 0.05 + 2.0 * sizes**-0.3 * (1 + 0.01 * k),
                                     "split": ["fit"] * 5 + ["holdout"] * 3})
                       for k, c in enumerate("abcd")], ignore_index=True)
    point = extrapolation.score(extrapolation.POINT_PREDICTORS["M2"], frame)
    assert point[list(extrapolation.NOISE_COLUMNS)].isna().all().all()

    def wide(train, holdout):
        draws = holdout["error"].to_numpy()[:, None] * np.exp(
            np.random.default_rng(0).normal(0.0, 1.0, (len(holdout), 400)))
        return extrapolation.intervals_from_draws(draws, holdout.index)

    table = extrapolation.score(wide, frame)
    overall = table[table["domain"] == "all"].iloc[0]
    assert overall["coverage_0.9_low"] <= overall["coverage_0.9"] <= overall["coverage_0.9_high"]
    assert overall["calibrated_miscalibration_rows"] < overall["calibrated_miscalibration_curves"]


def test_score_tells_curves_of_the_same_name_in_two_domains_apart():
    """Domain d0's curve "a" is predicted exactly, d1's "a" far off: two curves, so the
    bootstrap range of the overall 90% coverage is 0 to 1 (one merged curve: 1/2 always)."""
    sizes = np.geomspace(100, 1e5, 8)
    frame = pd.concat([pd.DataFrame({"domain": d, "curve": "a", "data": sizes,
                                     "error": 0.05 + 2.0 * sizes**-0.3,
                                     "split": ["fit"] * 4 + ["holdout"] * 4})
                       for d in ("d0", "d1")], ignore_index=True)

    def half_off(train, holdout):
        shift = np.where(holdout["domain"] == "d1", 3.0, 0.0)[:, None]
        draws = holdout["error"].to_numpy()[:, None] * np.exp(
            shift + np.random.default_rng(0).normal(0.0, 0.01, (len(holdout), 400)))
        return extrapolation.intervals_from_draws(draws, holdout.index)

    overall = extrapolation.score(half_off, frame).set_index("domain").loc["all"]
    assert overall["coverage_0.9"] == 0.5
    assert overall["coverage_0.9_low"] == 0.0 and overall["coverage_0.9_high"] == 1.0


def test_reference_across_tables_weighs_tables_equally():
    """One table given as ``tables`` is the default; a big table of one curve beside a
    small table of many curves weighs half, not by its rows."""
    curves = np.repeat(np.arange(8), 10)
    assert (calibrated_reference(curves, LEVELS, seed=4)
            == calibrated_reference(curves, LEVELS, tables=np.zeros(80), seed=4))
    big = np.zeros(1000, int)          # table "a": one curve, 1,000 rows
    small = np.arange(10)              # table "b": 10 curves, one row each
    across = calibrated_reference(np.concatenate([big, small]), LEVELS, seed=4,
                                  tables=np.repeat(["a", "b"], [1000, 10]))
    pooled = calibrated_reference(np.concatenate([big, small + 1]), LEVELS, seed=4)
    # pooled rows, table "a" decides almost alone (median = the one-curve value 0.2125)
    assert pooled["per_curve"]["median"] == pytest.approx(0.2125, abs=0.01)
    assert across["per_curve"]["median"] < 0.17
