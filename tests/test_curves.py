"""Curve families: shape, inverse, limit, priors and backends (numpy, xarray, pytensor)."""

from __future__ import annotations

import dataclasses
import doctest
import importlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest
import xarray as xr
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bayes_scaling.curves import (
    CURVES,
    DEFAULT_PRIORS,
    CurveFamily,
    broken_power_law,
    exp_log_compute,
    exponential,
    get_curve,
    logarithmic,
    power_law,
    power_law_irreducible,
    sigmoid_log,
    three_region,
)
from bayes_scaling.curves import base as curve_base
from bayes_scaling.curves.power_law import POWER_LAW
from bayes_scaling.priors import Prior

FAMILIES = list(CURVES.values())
INVERTIBLE = [f for f in FAMILIES if f.inverse is not None]
ids = [f.name for f in FAMILIES]
inv_ids = [f.name for f in INVERTIBLE]
NAMES = ["power_law", "power_law_irreducible", "three_region", "broken_power_law",
         "sigmoid_log", "exponential", "logarithmic", "exp_log_compute"]
#: Families whose shape does not depend on the size unit: rescaling m by k is undone by
#: alpha -> alpha k^beta.
SCALE_FREE = ["power_law", "power_law_irreducible", "three_region", "sigmoid_log"]

#: Parameter ranges where float64 arithmetic is well conditioned, by parameter name.
#: A new family with a new parameter name must add its range here (checked below).
RANGES: dict[str, tuple[float, float]] = {
    "alpha": (1e-3, 1e3),
    "beta": (0.05, 2.0),
    "beta2": (0.05, 2.0),
    "gamma": (0.0, 1.0),
    "plateau": (1e-3, 1e3),
    "x_break": (1e-3, 1e3),
    "slope": (0.01, 2.0),
}
SIZES = st.floats(min_value=1e-3, max_value=1e6)


def params_for(family: CurveFamily) -> st.SearchStrategy[dict[str, float]]:
    return st.fixed_dictionaries({
        name: st.floats(min_value=RANGES[name][0], max_value=RANGES[name][1])
        for name in family.parameters
    })


def floor(family: CurveFamily, params: dict[str, Any]) -> Any:
    """The curve's limit at infinite size."""
    return family.limit(**params)


def elasticity(family: CurveFamily, m: float, params: dict[str, float]) -> float:
    """``-d log f / d log m`` by central differences: how well ``m`` is pinned by ``f(m)``."""
    h = 1e-4
    lo, mid, hi = family(np.array([m * math.exp(-h), m, m * math.exp(h)]), **params)
    if not mid > 1e-290:  # (nearly) underflowed: rounding cannot pin m
        return 0.0
    return float((lo - hi) / (2 * h * mid))


def prior_draws(family: CurveFamily, n: int, seed: int) -> dict[str, np.ndarray]:
    """``n`` draws of every parameter from the family's default priors (``pm.draw``)."""
    return {
        name: np.asarray(pm.draw(getattr(pm, prior.dist).dist(**prior.kwargs), draws=n,
                                 random_seed=seed + i))
        for i, (name, prior) in enumerate(family.default_priors.items())
    }


def test_registry_is_consistent():
    assert sorted(CURVES) == sorted(NAMES)
    assert INVERTIBLE, "no family with an inverse: the inverse properties test nothing"
    assert len(INVERTIBLE) < len(FAMILIES), "no family uses the numeric inverse"
    for name, family in CURVES.items():
        assert family.name == name
        assert get_curve(name) is family
        assert set(family.parameters) <= set(RANGES), f"add ranges for {family.name}"
        assert set(family.default_priors) == set(family.parameters)
        assert all(isinstance(p, Prior) for p in family.default_priors.values())
        assert family.formula and family.reference
        assert family.limit is not None


def test_a_parameter_name_has_one_prior_in_every_family():
    for family in FAMILIES:
        for name, prior in family.default_priors.items():
            assert prior == DEFAULT_PRIORS[name], (family.name, name)
    used = {name for family in FAMILIES for name in family.parameters}
    assert used == set(DEFAULT_PRIORS)


def test_documented_values():
    assert power_law(100.0, alpha=1.0, beta=0.5) == pytest.approx(0.1)
    assert power_law_irreducible(100.0, alpha=1.0, beta=0.5, gamma=0.05) == pytest.approx(0.15)
    pli = get_curve("power_law_irreducible")
    assert pli.size_for_target(0.15, alpha=1.0, beta=0.5, gamma=0.05) == pytest.approx(100.0)
    assert get_curve("power_law").size_for_target(0.1, alpha=1.0, beta=0.5) == \
        pytest.approx(100.0)
    # __call__ is the function
    assert pli(4.0, alpha=2.0, beta=1.0, gamma=0.5) == 1.0


def test_hand_computed_values_of_the_new_families():
    # three_region at m = 0.5: power law 1/m = 2 meets the plateau 2 -> 2 * 2^(-1/4)
    assert three_region(0.5, alpha=1.0, beta=1.0, gamma=0.1, plateau=2.0) == \
        pytest.approx(0.1 + 2.0 ** 0.75, rel=1e-14)
    # far from the corner: the power law (plateau 1e3 is 1e5 times above it), then the plateau
    assert three_region(100.0, alpha=1.0, beta=1.0, gamma=0.0, plateau=1e3) == \
        pytest.approx(0.01, rel=1e-12)
    assert three_region(1e-6, alpha=1.0, beta=1.0, gamma=0.0, plateau=1.0) == \
        pytest.approx(1.0, rel=1e-12)
    # sigmoid_log at its midpoint (alpha / plateau)^(1/beta) = 0.5: half the plateau left
    assert sigmoid_log(0.5, alpha=1.0, beta=1.0, gamma=0.1, plateau=2.0) == \
        pytest.approx(1.1, rel=1e-14)
    # M4 (a = 1): (eps - eps_inf) / (eps0 - eps) = b x^c with b = alpha / plateau, c = -beta
    eps = sigmoid_log(3.0, alpha=0.6, beta=0.7, gamma=0.2, plateau=1.5)
    assert (eps - 0.2) / (1.7 - eps) == pytest.approx(0.6 / 1.5 * 3.0 ** -0.7, rel=1e-12)
    # broken power law: 3^-0.5 * ((1 + 9) / 2)^-0.5 = 1 / sqrt(15), alpha at m = 1
    assert broken_power_law(3.0, alpha=1.0, beta=0.5, gamma=0.0, beta2=1.5, x_break=1.0) == \
        pytest.approx(15 ** -0.5, rel=1e-14)
    assert broken_power_law(1.0, alpha=0.7, beta=0.3, gamma=0.2, beta2=1.9, x_break=0.01) == \
        pytest.approx(0.9, rel=1e-14)
    assert exponential(3.0, alpha=1.0, beta=0.5, gamma=0.1) == \
        pytest.approx(0.1 + math.exp(-1.0), rel=1e-14)
    assert logarithmic(3.0, alpha=1.0, beta=1.0, gamma=0.0) == \
        pytest.approx((1 + math.log(2)) / (1 + math.log(4)), rel=1e-14)
    assert logarithmic(1.0, alpha=0.4, beta=2.5, gamma=0.3) == pytest.approx(0.7, rel=1e-14)
    # Thompson's line 1 - 0.2 log m at m = e^2.5 is 0.5; the softplus adds 0.13%
    assert exp_log_compute(math.exp(2.5), alpha=1.0, slope=0.2) == \
        pytest.approx(math.log1p(math.exp(5)) / math.log1p(math.exp(10)), rel=1e-14)
    line = 2.0 * (1 - 0.1 * np.log([0.5, 1.0, 20.0]))
    np.testing.assert_allclose(exp_log_compute(np.array([0.5, 1.0, 20.0]), alpha=2.0,
                                               slope=0.1), line, rtol=2e-3)


def test_hand_computed_inverses_and_limits():
    tr, sl = get_curve("three_region"), get_curve("sigmoid_log")
    plateau_params = {"alpha": 1.0, "beta": 1.0, "gamma": 0.1, "plateau": 2.0}
    assert tr.size_for_target(0.1 + 2.0 ** 0.75, **plateau_params) == pytest.approx(0.5)
    assert sl.size_for_target(1.1, **plateau_params) == pytest.approx(0.5)
    bpl = get_curve("broken_power_law")
    assert bpl.size_for_target(15 ** -0.5, alpha=1.0, beta=0.5, gamma=0.0, beta2=1.5,
                               x_break=1.0) == pytest.approx(3.0, rel=1e-12)
    assert get_curve("exponential").size_for_target(0.1 + math.exp(-1), alpha=1.0, beta=0.5,
                                                    gamma=0.1) == pytest.approx(3.0)
    assert get_curve("logarithmic").size_for_target(0.7, alpha=0.4, beta=2.5, gamma=0.3) == \
        pytest.approx(1.0)
    assert get_curve("exp_log_compute").size_for_target(
        math.log1p(math.exp(5)) / math.log1p(math.exp(10)), alpha=1.0, slope=0.2) == \
        pytest.approx(math.exp(2.5))
    limits = {name: float(get_curve(name).limit(**example(get_curve(name)))) for name in NAMES}
    assert limits == {"power_law": 0.0, "exp_log_compute": 0.0,
                      **{n: EXAMPLE["gamma"] for n in NAMES
                         if n not in ("power_law", "exp_log_compute")}}


@pytest.mark.parametrize(("name", "params", "top"), [
    ("three_region", {"alpha": 1.0, "beta": 1.0, "gamma": 0.1, "plateau": 2.0}, 2.1),
    ("sigmoid_log", {"alpha": 1.0, "beta": 1.0, "gamma": 0.1, "plateau": 2.0}, 2.1),
    ("exponential", {"alpha": 1.0, "beta": 0.5, "gamma": 0.1}, 0.1 + math.exp(0.5)),
    ("logarithmic", {"alpha": 1.0, "beta": 1.0, "gamma": 0.1}, 1.1 + math.log(2)),
])
def test_targets_above_the_small_size_value_need_size_zero(name, params, top):
    family = get_curve(name)
    # the value as m -> 0
    assert float(family(1e-300, **params)) == pytest.approx(top, rel=1e-15)
    sizes = family.size_for_target(np.array([top, top + 1.0, 1e300]), **params)
    assert sizes[0] < 1e-12
    assert sizes[1:].tolist() == [0.0, 0.0]
    # just below it: a small positive size, and the curve is there
    just_below = float(family.size_for_target(top * (1 - 1e-6), **params))
    assert 0.0 < just_below < 0.1
    assert float(family(just_below, **params)) == pytest.approx(top * (1 - 1e-6), rel=1e-12)
    numeric = dataclasses.replace(family, inverse=None)
    assert numeric.size_for_target(np.array([top + 1.0, 1e300]), **params).tolist() == \
        [0.0, 0.0]
    assert float(numeric.size_for_target(top * (1 - 1e-6), **params)) == \
        pytest.approx(just_below, rel=1e-6)


# ---------------------------------------------------------------------------------------
# properties, for every family
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("family", FAMILIES, ids=ids)
@given(data=st.data())
def test_property_monotone_decreasing_in_size(family, data):
    params = data.draw(params_for(family), label="params")
    sizes = np.sort(np.array(data.draw(st.lists(SIZES, min_size=2, max_size=20),
                                       label="sizes")))
    values = family(sizes, **params)
    assert np.all(np.isfinite(values))
    assert np.all(np.diff(values) <= 0)
    # and strictly over a wide span, unless the curve is flat to rounding at both ends
    # (a plateau form whose corner lies beyond 1e6)
    ends = family(np.array([1e-3, 1e6]), **params)
    if max(elasticity(family, 1e-3, params), elasticity(family, 1e6, params)) > 1e-9:
        assert ends[1] < ends[0]
    # never below the limit
    assert np.all(values >= floor(family, params))


@pytest.mark.parametrize("family", FAMILIES, ids=ids)
def test_prior_draws_give_positive_finite_decreasing_curves(family):
    """f > 0, finite and non-increasing over the normalised range e^-8..e^8 of compute
    tables, for 500 parameter draws from the family's default priors."""
    params = {k: v[:, None] for k, v in prior_draws(family, 500, seed=11).items()}
    x = np.exp(np.linspace(-8.0, 8.0, 161))
    values = family(x[None, :], **params)
    assert values.shape == (500, 161)
    assert np.all(np.isfinite(values))
    assert np.all(values > 0)
    assert np.all(np.diff(values, axis=1) <= 0)
    assert np.all(values[:, -1] < values[:, 0])
    assert np.all(values >= floor(family, params))


@pytest.mark.parametrize("family", FAMILIES, ids=ids)
def test_prior_predictive_is_on_the_normalised_scale(family):
    """200 prior draws: normalised values at x in [e^-4, e^4] mostly lie in [1e-3, 1e3]
    (weakly informative on the y / y_ref scale, not spread over 20 orders of magnitude),
    and the curves are not all alike (their value at x = 1 varies by a factor > 3)."""
    params = {k: v[:, None] for k, v in prior_draws(family, 200, seed=3).items()}
    x = np.exp(np.linspace(-4.0, 4.0, 33))
    values = family(x[None, :], **params)
    inside = (values >= 1e-3) & (values <= 1e3)
    assert inside.mean() >= 0.9
    at_reference = values[:, 16]
    assert np.quantile(at_reference, 0.95) / np.quantile(at_reference, 0.05) > 3
    # the median curve is of order one at the reference size
    assert 0.2 < np.median(at_reference) < 5


@pytest.mark.parametrize("family", FAMILIES, ids=ids)
@given(data=st.data())
@settings(suppress_health_check=[HealthCheck.filter_too_much])  # as the numeric-inverse test
def test_property_inverse_recovers_the_size(family, data):
    params = data.draw(params_for(family), label="params")
    m = data.draw(SIZES, label="m")
    target = family(m, **params)
    # well conditioned: the curve is not flat at m (plateau, floor) to float64 rounding,
    # and its distance to the limit is not a subnormal number
    assume(elasticity(family, m, params) > 1e-6)
    assume(target - floor(family, params) > 1e-290)
    recovered = family.size_for_target(target, **params)
    assert float(recovered) == pytest.approx(m, rel=1e-6)


@pytest.mark.parametrize("family", INVERTIBLE, ids=inv_ids)
@given(data=st.data())
# The exponential family is flat to float64 a few multiples of 1/beta past its start, so most
# drawn sizes are rightly excluded by the assume() below; with an unlucky seed hypothesis then
# fails its filter health check (seen once in a fresh-clone run) although no example failed.
@settings(suppress_health_check=[HealthCheck.filter_too_much])
def test_property_numeric_inverse_matches_the_analytic_one(family, data):
    params = data.draw(params_for(family), label="params")
    m = data.draw(SIZES, label="m")
    assume(elasticity(family, m, params) > 1e-6)
    numeric = dataclasses.replace(family, inverse=None)
    target = family(m, **params)
    assume(target - floor(family, params) > 1e-290)
    assert float(numeric.size_for_target(target, **params)) == pytest.approx(
        float(family.size_for_target(target, **params)), rel=1e-6)


@pytest.mark.parametrize("family", FAMILIES, ids=ids)
@given(data=st.data())
def test_property_unreachable_targets_give_inf(family, data):
    params = data.draw(params_for(family), label="params")
    limit = floor(family, params)
    below = data.draw(st.floats(min_value=0.0, max_value=10.0), label="below limit by")
    target = limit - below
    assert float(family.size_for_target(target, **params)) == math.inf
    # mixed with reachable targets in one array: inf exactly where unreachable
    reachable = limit + np.array([0.5, 0.1]) * (family(1.0, **params) - limit)
    assume(np.all(reachable > limit))
    targets = np.array([reachable[0], target, reachable[1], limit])
    sizes = family.size_for_target(targets, **params)
    assert np.isinf(sizes).tolist() == [False, True, False, True]
    assert 1.0 < sizes[0] <= sizes[2]
    np.testing.assert_allclose(family(sizes[[0, 2]], **params), reachable[[0, 1]], rtol=1e-6)


def test_pure_power_law_is_unreachable_at_or_below_zero():
    inverse = get_curve("power_law").size_for_target
    sizes = inverse(np.array([0.0, -1.0, -np.inf, 0.1]), alpha=1.0, beta=0.5)
    assert sizes.tolist() == [math.inf, math.inf, math.inf, pytest.approx(100.0)]


def test_irreducible_target_equal_to_gamma_is_unreachable():
    pli = get_curve("power_law_irreducible")
    assert float(pli.size_for_target(0.05, alpha=1.0, beta=0.5, gamma=0.05)) == math.inf
    assert float(pli.size_for_target(0.0, alpha=1.0, beta=0.5, gamma=0.05)) == math.inf
    assert float(pli.size_for_target(-3.0, alpha=1.0, beta=0.5, gamma=0.05)) == math.inf


def test_thompson_form_reaches_every_positive_target():
    elc = get_curve("exp_log_compute")
    sizes = elc.size_for_target(np.array([1e-30, 0.0, -1.0]), alpha=1.0, slope=0.2)
    assert np.isfinite(sizes[0]) and sizes[0] > np.exp(5.0)  # past the line's zero e^5
    assert np.isinf(sizes[1:]).all()


@pytest.mark.parametrize("name", SCALE_FREE)
@given(data=st.data())
def test_property_invariant_to_the_size_unit(name, data):
    family = get_curve(name)
    params = data.draw(params_for(family), label="params")
    m = data.draw(SIZES, label="m")
    k = data.draw(st.floats(min_value=1e-3, max_value=1e3), label="k")
    rescaled = {**params, "alpha": params["alpha"] * k ** params["beta"]}
    assert family(k * m, **rescaled) == pytest.approx(family(m, **params), rel=1e-9)
    assume(elasticity(family, m, params) > 1e-6)
    target = family(m, **params)
    assert float(family.size_for_target(target, **rescaled)) == pytest.approx(
        k * float(family.size_for_target(target, **params)), rel=1e-6)


def test_broken_power_law_slopes_before_and_after_the_break():
    p = {"alpha": 1.0, "beta": 0.3, "gamma": 0.0, "beta2": 1.2, "x_break": 1.0}
    x = np.array([1e-4, 1e-4 * math.e, 1e4, 1e4 * math.e])
    logs = np.log(broken_power_law(x, **p))
    assert logs[0] - logs[1] == pytest.approx(0.3, rel=1e-6)
    assert logs[2] - logs[3] == pytest.approx(1.2, rel=1e-6)
    # beta2 == beta is the power law with a floor
    same = {**p, "beta2": 0.3, "gamma": 0.2}
    np.testing.assert_allclose(broken_power_law(x, **same),
                               power_law_irreducible(x, alpha=1.0, beta=0.3, gamma=0.2),
                               rtol=1e-13)


def test_plateau_forms_differ_in_the_sharpness_of_the_corner():
    """three_region keeps a straight power-law stretch next to the plateau; the sigmoid
    does not: two e-folds past the corner its local slope is still well below beta."""
    p = {"alpha": 1.0, "beta": 0.5, "gamma": 0.0, "plateau": 1.0}  # corner at m = 1
    x = np.exp(np.array([2.0, 2.01]))
    slope = {name: -float(np.diff(np.log(get_curve(name)(x, **p)))[0] / 0.01)
             for name in ("three_region", "sigmoid_log")}
    assert slope["three_region"] > 0.48  # 0.5 * r^4 / (1 + r^4), r = e
    assert slope["sigmoid_log"] < 0.4  # 0.5 * r / (1 + r)
    # and the sigmoid is symmetric in log m about its midpoint
    mid = 1.0  # (alpha / plateau)^(1/beta)
    t = 1.7
    up = sigmoid_log(mid * math.exp(t), **p) - 0.0
    down = sigmoid_log(mid * math.exp(-t), **p)
    assert up + down == pytest.approx(p["plateau"], rel=1e-12)


# ---------------------------------------------------------------------------------------
# backends
# ---------------------------------------------------------------------------------------

EXAMPLE = {"alpha": 2.0, "beta": 0.5, "gamma": 0.1, "plateau": 3.0, "beta2": 1.2,
           "x_break": 5.0, "slope": 0.15}


def example(family: CurveFamily) -> dict[str, float]:
    return {name: EXAMPLE[name] for name in family.parameters}


@pytest.mark.parametrize("family", FAMILIES, ids=ids)
def test_numpy_arrays_broadcast(family):
    m = np.array([1.0, 10.0, 100.0, 1000.0])
    params = example(family)
    alphas = np.array([[1.0], [2.0], [3.0]])
    out = family(m, **{**params, "alpha": alphas})
    assert out.shape == (3, 4)
    for i, alpha in enumerate(alphas[:, 0]):
        expected = [family(float(x), **{**params, "alpha": float(alpha)}) for x in m]
        np.testing.assert_allclose(out[i], expected, rtol=1e-12)


@pytest.mark.parametrize("family", FAMILIES, ids=ids)
def test_xarray_labels_are_kept(family):
    m = xr.DataArray([1.0, 10.0, 100.0], dims="size", coords={"size": [1, 10, 100]},
                     name="m")
    alpha = xr.DataArray([1.0, 2.0], dims="draw", coords={"draw": [7, 8]})
    params = {**example(family), "alpha": alpha}
    out = family(m, **params)
    assert isinstance(out, xr.DataArray)
    assert set(out.dims) == {"size", "draw"}
    assert out["size"].values.tolist() == [1, 10, 100]
    assert out["draw"].values.tolist() == [7, 8]
    for d in (7, 8):
        for s in (1, 10, 100):
            expected = family(float(s), **{**params, "alpha": float(alpha.sel(draw=d))})
            assert float(out.sel(draw=d, size=s)) == pytest.approx(expected, rel=1e-12)
    limit = family.limit(**params)
    assert isinstance(limit, xr.DataArray | float)


@pytest.mark.parametrize("family", FAMILIES, ids=ids)
def test_xarray_inverse_keeps_labels_and_marks_unreachable(family):
    params = example(family)
    reachable = float(family(5.0, **params))
    target = xr.DataArray([reachable, floor(family, params), -1.0], dims="target",
                          coords={"target": ["ok", "floor", "negative"]})
    alpha = xr.DataArray([params["alpha"], 2 * params["alpha"]], dims="draw",
                         coords={"draw": [0, 1]})
    out = family.size_for_target(target, **{**params, "alpha": alpha})
    assert isinstance(out, xr.DataArray)
    assert set(out.dims) == {"target", "draw"}
    assert out["target"].values.tolist() == ["ok", "floor", "negative"]
    assert out["draw"].values.tolist() == [0, 1]
    assert float(out.sel(target="ok", draw=0)) == pytest.approx(5.0, rel=1e-9)
    assert float(out.sel(target="ok", draw=1)) > 5.0
    assert np.isinf(out.sel(target=["floor", "negative"])).all()


def test_numeric_inverse_over_posterior_shaped_draws():
    """(chain, draw, curve) parameters x target labels, as projections pass them."""
    family = get_curve("broken_power_law")
    rng = np.random.default_rng(0)
    shape = (4, 1000, 20)
    coords = {"chain": np.arange(4), "draw": np.arange(1000), "curve": [f"d/c{i}"
                                                                        for i in range(20)]}
    # every 0.05 target above gamma is reachable well inside the bracket
    ranges = {**RANGES, "alpha": (0.5, 2.0), "beta": (0.3, 2.0), "beta2": (0.3, 2.0),
              "gamma": (0.0, 0.1)}
    params = {name: xr.DataArray(rng.uniform(*ranges[name], size=shape),
                                 dims=("chain", "draw", "curve"), coords=coords)
              for name in family.parameters}
    target = xr.DataArray([0.3, 0.05], dims="target", coords={"target": ["0.3", "0.05"]})
    sizes = family.size_for_target(target, **params)
    assert sizes.dims == ("target", "chain", "draw", "curve")
    assert sizes["curve"].values.tolist() == coords["curve"]
    reachable = target > params["gamma"]
    assert bool((np.isinf(sizes) == ~reachable).all())
    ok = np.isfinite(sizes) & (sizes > 0)
    assert float(ok.mean()) > 0.5
    back = family(sizes.where(ok, 1.0), **params)
    assert float(abs(back / target - 1).where(ok).max()) < 1e-9


def test_numeric_inverse_nan_and_beyond_the_bracket():
    family = get_curve("broken_power_law")
    p = {"alpha": 1.0, "beta": 0.05, "gamma": 0.0, "beta2": 0.05, "x_break": 1.0}
    # nan target -> nan; reachable only past e^60 -> inf; scalar in, scalar out
    sizes = family.size_for_target(np.array([np.nan, 1e-3, 0.5]), **p)
    assert np.isnan(sizes[0])
    assert sizes[1] == math.inf  # 1e-3 = m^-0.05 at m = 1e60 > e^60
    assert sizes[2] == pytest.approx(2.0 ** 20, rel=1e-9)
    assert isinstance(family.size_for_target(0.5, **p), float)


@pytest.fixture(scope="module")
def compiled() -> dict[str, Callable[..., Any]]:
    """Each family compiled once with pytensor (default mode): ``fn(m, *params)``."""
    functions = {}
    for family in FAMILIES:
        m = pt.dvector("m")
        params = [pt.dvector(name) for name in family.parameters]
        out = family(m[:, None], **{n: p[None, :] for n, p in zip(family.parameters, params,
                                                                 strict=True)})
        functions[family.name] = pytensor.function([m, *params], out)
    return functions


@pytest.mark.parametrize("family", FAMILIES, ids=ids)
@given(data=st.data())
def test_property_pytensor_matches_numpy(compiled, family, data):
    m = np.array(data.draw(st.lists(SIZES, min_size=1, max_size=5), label="m"))
    draws = [data.draw(params_for(family), label="params")
             for _ in range(data.draw(st.integers(1, 3), label="draws"))]
    columns = {name: np.array([d[name] for d in draws]) for name in family.parameters}
    out = compiled[family.name](m, *columns.values())
    expected = family(m[:, None], **{n: c[None, :] for n, c in columns.items()})
    assert out.shape == (len(m), len(draws))
    np.testing.assert_allclose(out, expected, rtol=1e-12)


@pytest.mark.parametrize("family", FAMILIES, ids=ids)
def test_pytensor_graph_is_differentiable(family):
    m = pt.dscalar("m")
    params = {name: pt.dscalar(name) for name in family.parameters}
    values = example(family)
    grads = pytensor.grad(family(m, **params), [m, *params.values()])
    fn = pytensor.function([m, *params.values()], grads, mode="FAST_COMPILE")
    got = fn(10.0, *values.values())
    h = 1e-6

    def numeric(name: str) -> float:
        if name == "m":
            return (family(10.0 + h, **values) - family(10.0 - h, **values)) / (2 * h)
        up, down = dict(values), dict(values)
        up[name] += h
        down[name] -= h
        return (family(10.0, **up) - family(10.0, **down)) / (2 * h)

    assert got[0] < 0  # decreasing in size
    for value, name in zip(got, ["m", *params], strict=True):
        assert float(value) == pytest.approx(numeric(name), rel=1e-5, abs=1e-10), name


def test_power_law_gradient_is_exact():
    m = pt.dscalar("m")
    slope = pytensor.function([m], pytensor.grad(power_law(m, alpha=2.0, beta=0.5), m),
                              mode="FAST_COMPILE")
    # d/dm alpha m^-beta = -alpha beta m^(-beta - 1)
    assert float(slope(10.0)) == pytest.approx(-2.0 * 0.5 * 10.0 ** -1.5, rel=1e-12)


def test_backend_helpers_dispatch_on_pytensor_variables():
    x = pt.dvector("x")
    fn = pytensor.function([x], [curve_base.log(x), curve_base.log1p(x), curve_base.exp(x),
                                 curve_base.softplus(x)])
    values = np.array([1e-3, 1.0, 30.0, 700.0])
    expected = [np.log(values), np.log1p(values), np.exp(values), np.logaddexp(0, values)]
    for got, want in zip(fn(values), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    assert float(curve_base.softplus(-800.0)) == 0.0
    assert float(curve_base.softplus(800.0)) == 800.0


@pytest.mark.parametrize("name", NAMES)
def test_docstring_examples_run(name):
    module = importlib.import_module(f"bayes_scaling.curves.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_base_docstring_examples_run():
    result = doctest.testmod(curve_base)
    assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------------------------------
# the CurveFamily contract and the registry
# ---------------------------------------------------------------------------------------

PRIORS = {"alpha": Prior("HalfNormal", {"sigma": 1.0}), "beta": Prior("HalfNormal",
                                                                        {"sigma": 1.0})}


def good(m, alpha, beta):
    return alpha * m ** (-beta)


def good_inverse(target, alpha, beta):
    return (alpha / target) ** (1.0 / beta)


def good_limit(alpha, beta):
    return 0.0


def test_a_consistent_family_is_accepted():
    family = CurveFamily(name="mine", formula="alpha m^-beta", function=good,
                         parameters=("alpha", "beta"), default_priors=PRIORS,
                         inverse=good_inverse, limit=good_limit)
    assert family(4.0, alpha=2.0, beta=1.0) == 0.5
    assert family.size_for_target(0.5, alpha=2.0, beta=1.0) == 4.0
    assert family.limit(alpha=2.0, beta=1.0) == 0.0


def misnamed(m, a, beta):
    return a * m ** (-beta)


def swapped(m, beta, alpha):
    return alpha * m ** (-beta)


def extra(m, alpha, beta, gamma):
    return alpha * m ** (-beta) + gamma


def var_keyword(m, **params):
    return params["alpha"] * m ** (-params["beta"])


@pytest.mark.parametrize("function", [misnamed, swapped, extra, var_keyword])
def test_function_arguments_must_match_parameters(function):
    with pytest.raises(TypeError) as info:
        CurveFamily(name="bad", formula="", function=function, parameters=("alpha", "beta"),
                    default_priors=PRIORS)
    message = str(info.value)
    assert "curve 'bad': function arguments" in message
    assert "do not match parameters ('alpha', 'beta')" in message


@pytest.mark.parametrize("priors", [{"alpha": PRIORS["alpha"]},
                                    {**PRIORS, "gamma": PRIORS["alpha"]},
                                    {"alpha": PRIORS["alpha"], "b": PRIORS["beta"]}])
def test_default_priors_must_match_parameters(priors):
    with pytest.raises(TypeError, match=r"curve 'bad': default priors .* do not match "
                                        r"parameters \['alpha', 'beta'\]"):
        CurveFamily(name="bad", formula="", function=good, parameters=("alpha", "beta"),
                    default_priors=priors)


@pytest.mark.parametrize("inverse", [misnamed, swapped, extra, var_keyword])
def test_inverse_arguments_must_match_parameters(inverse):
    with pytest.raises(TypeError, match=r"curve 'bad': inverse arguments .* do not match "
                                        r"parameters \('alpha', 'beta'\)"):
        CurveFamily(name="bad", formula="", function=good, parameters=("alpha", "beta"),
                    default_priors=PRIORS, inverse=inverse)


def limit_misnamed(a, beta):
    return 0.0


def limit_swapped(beta, alpha):
    return 0.0


def limit_with_size(m, alpha, beta):
    return 0.0


def limit_var_keyword(**params):
    return 0.0


@pytest.mark.parametrize("limit", [limit_misnamed, limit_swapped, limit_with_size,
                                   limit_var_keyword, good])
def test_limit_arguments_must_match_parameters(limit):
    with pytest.raises(TypeError, match=r"curve 'bad': limit arguments .* do not match "
                                        r"parameters \('alpha', 'beta'\)"):
        CurveFamily(name="bad", formula="", function=good, parameters=("alpha", "beta"),
                    default_priors=PRIORS, limit=limit)


def test_family_without_inverse_is_inverted_numerically():
    family = CurveFamily(name="noinv", formula="", function=good,
                         parameters=("alpha", "beta"), default_priors=PRIORS)
    assert family.size_for_target(0.1, alpha=1.0, beta=1.0) == pytest.approx(10.0, rel=1e-12)
    # without a limit, unreachable means "still above the target at e^60"
    assert family.size_for_target(0.0, alpha=1.0, beta=1.0) == math.inf
    limited = dataclasses.replace(family, limit=good_limit)
    sizes = limited.size_for_target(np.array([[0.1], [-1.0]]), alpha=np.array([1.0, 2.0]),
                                    beta=1.0)
    assert sizes.shape == (2, 2)
    np.testing.assert_allclose(sizes[0], [10.0, 20.0], rtol=1e-12)
    assert np.isinf(sizes[1]).all()


@pytest.mark.parametrize("name", ["nope", "power-law", "Power_Law", ""])
def test_get_curve_unknown_name_lists_valid_names(name):
    with pytest.raises(KeyError) as info:
        get_curve(name)
    message = info.value.args[0]
    assert message == f"unknown curve family {name!r}; valid: {sorted(CURVES)}"
    assert "power_law_irreducible" in message
    assert info.value.__cause__ is None


def test_power_law_family_object():
    assert get_curve("power_law") is POWER_LAW
    assert POWER_LAW.parameters == ("alpha", "beta")
