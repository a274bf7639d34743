"""Degenerate tables: each either fits with a warning that explains the weak
identification, or is refused with a typed error naming the curve/rows and the reason."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from bayes_scaling.data import ScalingData
from bayes_scaling.errors import DataValidationError, IdentificationWarning
from bayes_scaling.identification import (
    FLAT_TOLERANCE,
    MAX_SPAN_DECADES,
    check_identification,
    exclude_unfittable_curves,
)
from bayes_scaling.models import (
    HierarchicalComputeScaling,
    HierarchicalLearningCurve,
    HierarchicalModelSize,
    JointScalingLaw,
    SamplerConfig,
)
from bayes_scaling.simulate import simulate_learning_curves

SIZES = [100.0, 1_000.0, 10_000.0, 100_000.0, 1_000_000.0]
TINY = SamplerConfig(draws=100, tune=150, chains=2, seed=5)


def table(curves: dict[str, list[float]], sizes=SIZES, *, metric: str = "error",
          size: str = "data") -> pd.DataFrame:
    """``{"dom/curve": metric values}`` -> tidy table on ``sizes``."""
    rows = []
    for label, values in curves.items():
        domain, curve = label.split("/")
        rows += [(domain, curve, s, v) for s, v in zip(sizes, values, strict=True)]
    return pd.DataFrame(rows, columns=["domain", "curve", size, metric])


GOOD = [0.50, 0.30, 0.20, 0.15, 0.13]
GOOD2 = [0.60, 0.40, 0.28, 0.22, 0.20]


def findings(frame: pd.DataFrame, size: str = "data", **kw) -> list[str]:
    return check_identification(ScalingData.from_frame(frame, size=size), warn=False, **kw)


def test_a_well_measured_table_has_no_findings():
    assert findings(table({"a/x": GOOD, "b/y": GOOD2})) == []
    sim = simulate_learning_curves(n_domains=2, curves_per_domain=2, seed=1)
    assert findings(sim.frame) == []


# ------------------------------------------------------------ warned: fits, but says what is weak

@pytest.mark.parametrize(
    ("values", "fragment"),
    [([0.30, 0.301, 0.299, 0.30, 0.302], "a/x is flat: its error changes by"),
     ([0.10, 0.14, 0.20, 0.25, 0.31], "a/x increases with size: its error rises by"),
     ([0.90, 0.95, 0.97, 0.99, 1.0], "a/x increases with size"),
     ([0.5, 0.4, 1.0, 0.2, 0.15], "error exactly 1 (every prediction wrong) in rows 2")],
)
def test_curve_shape_findings_name_the_curve(values, fragment):
    found = findings(table({"a/x": values, "b/y": GOOD}))
    assert len(found) >= 1 and any(fragment in f for f in found), found
    assert not any("b/y" in f for f in found)  # the healthy curve is not blamed


def test_flat_threshold_is_relative_change_over_the_sizes():
    just_flat = [0.3 * (1 - 0.9 * FLAT_TOLERANCE) ** (i / 4) for i in range(5)]
    falling = [0.3 * (1 - 1.5 * FLAT_TOLERANCE) ** (i / 4) for i in range(5)]
    assert any("is flat" in f for f in findings(table({"a/x": just_flat, "b/y": GOOD})))
    assert not any("a/x" in f for f in findings(table({"a/x": falling, "b/y": GOOD})))


def test_metric_values_across_the_whole_float64_range_do_not_overflow():
    """Found by fuzzing (test_robust_data): error 5e-324 beside 1.0 overflowed expm1."""
    frame = pd.DataFrame({"domain": "d", "curve": "c", "data": [1.0, 0.5, 2.0],
                          "error": [1.0, 5e-324, 1.0]})
    found = findings(frame, pooled=False)
    assert any("increases with size" in f for f in found)


def test_three_points_and_two_sizes_are_named():
    three = table({"a/x": GOOD[:3], "b/y": GOOD2[:3]}, sizes=SIZES[:3])
    found = findings(three)
    assert sum("has only 3 distinct 'data' values" in f for f in found) == 2
    assert "exponent and the floor trade off" in found[0]
    two = pd.DataFrame({"domain": "a", "curve": "x", "data": [10.0, 100.0, 10.0, 100.0],
                        "error": [0.5, 0.3, 0.52, 0.31]})
    # the validator needs 3 sizes; a ScalingData built around it still gets the finding
    found = check_identification(ScalingData(two), warn=False)
    assert any("only 2 distinct" in f for f in found)


def test_narrow_and_huge_size_spans():
    narrow = findings(table({"a/x": GOOD, "b/y": GOOD2}, sizes=[100, 110, 120, 130, 140]))
    assert sum("spans only a factor 1.4" in f for f in narrow) == 2
    extreme = [1.0, 1e4, 1e8, 1e12, 1e15]
    huge = findings(table({"a/x": GOOD, "b/y": GOOD2}, sizes=extreme))
    assert sum(f"spans {15:.1f} decades" in f for f in huge) == 2
    assert MAX_SPAN_DECADES < 15


def test_one_curve_is_reported_for_pooled_models_only():
    one = table({"a/x": GOOD})
    assert [f.split(":")[0] for f in findings(one)] == ["one curve in the table"]
    assert findings(one, pooled=False) == []


def test_one_domain_with_several_curves_pools_curves_and_is_not_flagged():
    assert findings(table({"a/x": GOOD, "a/y": GOOD2})) == []


def test_warning_lists_every_finding_in_one_warning():
    frame = table({"a/x": [0.3, 0.3, 0.301, 0.3, 0.3], "b/y": [0.1, 0.2, 0.3, 0.4, 0.5]})
    with pytest.warns(IdentificationWarning) as record:
        found = check_identification(ScalingData.from_frame(frame))
    assert len(record) == 1
    assert all(f in str(record[0].message) for f in found) and len(found) == 2


# ------------------------------------------------------------ every model warns in its constructor

def test_learning_curve_model_warns_on_construction():
    with pytest.warns(IdentificationWarning, match="a/x is flat"):
        model = HierarchicalLearningCurve(table({"a/x": [0.3, 0.3, 0.301, 0.3, 0.299],
                                                 "b/y": GOOD}))
    assert len(model.identification) == 1


def test_model_size_model_checks_the_best_model_curve():
    rows = []
    for d_i, data in enumerate([100, 1000, 10_000]):
        for params in (10, 100, 1000):
            err = 0.5 / (1 + d_i) * (1.0 if params == 10 ** (d_i + 1) else 1.4)
            rows.append(("d", "c", data, params, err))
    frame = pd.DataFrame(rows, columns=["domain", "curve", "data", "params", "error"])
    with pytest.warns(IdentificationWarning) as record:
        model = HierarchicalModelSize(frame)
    text = str(record[0].message)
    assert "d/c has only 3 distinct 'data' values" in text and "one curve" in text
    assert model.identification


def test_compute_model_warns_on_a_rising_curve():
    compute = [1e15, 1e16, 1e17, 1e18, 1e19]
    frame = table({"b/top1": [0.3, 0.25, 0.2, 0.17, 0.15], "b/top5": [0.1, 0.12, 0.14, 0.15,
                                                                     0.2]},
                  sizes=compute, size="compute")
    with pytest.warns(IdentificationWarning, match="b/top5 increases with size"):
        HierarchicalComputeScaling(frame)


def test_joint_model_is_not_pooled_and_warns_on_a_flat_curve():
    n = np.array([1e7, 1e8, 1e9, 1e7, 1e8, 1e9, 1e7, 1e8, 1e9])
    d = np.array([1e9, 1e9, 1e9, 1e10, 1e10, 1e10, 1e11, 1e11, 1e11])
    frame = pd.DataFrame({"domain": "lm", "curve": "c", "params": n, "data": d,
                          "loss": 2.0 + 0.001 * np.arange(9) % 3})
    with pytest.warns(IdentificationWarning, match="lm/c is flat") as record:
        model = JointScalingLaw(frame)
    assert "one curve" not in str(record[0].message)  # the joint law does not pool curves
    assert len(model.identification) == 2  # flat, and only 3 distinct sizes
    assert "only 3 distinct 'params' values" in model.identification[0]


# ------------------------------------------------------------ refused with a reason

def test_every_point_at_the_same_size_is_refused():
    same = table({"a/x": GOOD}, sizes=[1000.0] * 5)
    with pytest.raises(DataValidationError, match="fewer than 3 distinct 'data'") as info:
        HierarchicalLearningCurve(same)
    assert info.value.column == "data" and info.value.rows == [0, 1, 2, 3, 4]
    # a ScalingData that bypassed validation is refused by the identification check
    with pytest.raises(DataValidationError, match="every point at the same 'data'") as info:
        check_identification(ScalingData(same))
    assert info.value.rows == [0, 1, 2, 3, 4]


def test_a_constant_curve_is_refused():
    frame = table({"a/x": [0.25] * 5, "b/y": GOOD})
    with pytest.raises(DataValidationError, match=r"a/x has the same 'error' \(0.25\) at every"
                       ) as info:
        HierarchicalLearningCurve(frame)
    assert info.value.rows == [0, 1, 2, 3, 4] and info.value.column == "error"
    # the refusal names the way to fit the other curves
    assert "--exclude-unfittable" in str(info.value)
    assert "exclude_unfittable_curves" in str(info.value)


def test_exclude_unfittable_curves_keeps_the_rest_and_says_why():
    frame = table({"b/y": GOOD, "a/x": [0.25] * 5, "b/z": GOOD2})
    data = ScalingData.from_frame(frame, source="three.csv")
    with pytest.warns(IdentificationWarning, match=r"left out 1 unfittable curve.*a/x has the "
                      r"same 'error' \(0.25\) at every point"):
        kept, excluded = exclude_unfittable_curves(data)
    assert kept.curves == [("b", "y"), ("b", "z")] and kept.source == "three.csv"
    assert kept.frame.index.tolist() == list(range(10))  # a fresh index, as validated
    assert excluded["curve"].tolist() == ["a/x"]
    assert excluded["rows"].tolist() == [[5, 6, 7, 8, 9]]  # rows of the table given
    assert excluded["column"].tolist() == ["error"]
    assert "no scaling and no noise to estimate" in excluded["reason"].iloc[0]
    assert any("a/x" in note and "excluded" in note for note in kept.notes)
    assert check_identification(kept, warn=False) == []  # the rest fits as it is
    # a curve at a single size is unfittable too
    # (a ScalingData that bypassed validation, which refuses fewer than 3 distinct sizes)
    same_size = ScalingData(pd.concat([table({"a/x": GOOD, "b/y": GOOD2}, sizes=[1000.0] * 5),
                                       table({"c/w": GOOD})], ignore_index=True))
    with pytest.warns(IdentificationWarning, match="left out 2 unfittable curves"):
        kept, excluded = exclude_unfittable_curves(same_size)
    assert kept.curves == [("c", "w")] and set(excluded["column"]) == {"data"}


def test_exclude_unfittable_curves_changes_nothing_on_a_fittable_table():
    data = ScalingData.from_frame(table({"a/x": GOOD, "b/y": GOOD2}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing to say
        kept, excluded = exclude_unfittable_curves(data)
    assert kept is data and excluded.empty
    assert list(excluded.columns) == ["curve", "domain", "name", "rows", "column", "reason"]


def test_exclude_unfittable_curves_refuses_when_nothing_is_left():
    data = ScalingData.from_frame(table({"a/x": [0.25] * 5, "b/y": [0.3] * 5}))
    with pytest.raises(DataValidationError, match=r"every curve is unfittable.*a/x.*b/y"):
        exclude_unfittable_curves(data)


def test_error_exactly_zero_is_refused_error_exactly_one_is_accepted():
    zero = table({"a/x": [0.5, 0.3, 0.2, 0.1, 0.0], "b/y": GOOD})
    with pytest.raises(DataValidationError, match=r"0 outside the valid range \(0, 1\]") as info:
        HierarchicalLearningCurve(zero)
    assert info.value.rows == [4]
    one = table({"a/x": [1.0, 0.8, 0.5, 0.3, 0.25], "b/y": GOOD})
    with pytest.warns(IdentificationWarning, match="error exactly 1"):
        HierarchicalLearningCurve(one)


def test_an_empty_fit_split_is_refused():
    frame = table({"a/x": GOOD, "b/y": GOOD2}).assign(split="holdout")
    with pytest.raises(DataValidationError, match="no rows to fit"):
        check_identification(ScalingData.from_frame(frame))


# ------------------------------------------------------------ extreme scales fit for real

@pytest.mark.slow
def test_extreme_scales_fit_with_finite_posterior():
    """Sizes from 1e0 to 1e15: warned about the span, and the centred model samples it."""
    sizes = np.logspace(0, 15, 8)
    sim = simulate_learning_curves(n_domains=2, curves_per_domain=1, sizes=sizes, n_seeds=2,
                                   beta_global=0.1, noise=0.03, seed=3)
    with pytest.warns(IdentificationWarning, match="spans 15.0 decades"):
        model = HierarchicalLearningCurve(sim.frame)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tiny draw counts: ESS is checked elsewhere
        fit = model.fit(TINY)
    post = fit["posterior"]
    for name in ("beta", "alpha", "gamma", "scale_ref"):
        assert np.isfinite(post[name].values).all(), name
    beta = post["beta"].median(("chain", "draw")).values
    np.testing.assert_allclose(beta, sim.truth["beta"].to_numpy(), rtol=0.5)
