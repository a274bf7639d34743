"""Curve families: shape, inverse, unit invariance and backends (numpy, xarray, pytensor)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
import xarray as xr
from hypothesis import assume, given
from hypothesis import strategies as st

from bayes_scaling.curves import (
    CURVES,
    CurveFamily,
    get_curve,
    power_law,
    power_law_irreducible,
)
from bayes_scaling.curves.power_law import POWER_LAW
from bayes_scaling.priors import Prior

FAMILIES = list(CURVES.values())
INVERTIBLE = [f for f in FAMILIES if f.inverse is not None]
ids = [f.name for f in FAMILIES]
inv_ids = [f.name for f in INVERTIBLE]

#: Parameter ranges where float64 arithmetic is well conditioned, by parameter name.
#: A new family with a new parameter name must add its range here (checked below).
RANGES: dict[str, tuple[float, float]] = {
    "alpha": (1e-3, 1e3),
    "beta": (0.05, 2.0),
    "gamma": (0.0, 1.0),
}
SIZES = st.floats(min_value=1e-3, max_value=1e6)


def params_for(family: CurveFamily) -> st.SearchStrategy[dict[str, float]]:
    return st.fixed_dictionaries({
        name: st.floats(min_value=RANGES[name][0], max_value=RANGES[name][1])
        for name in family.parameters
    })


def floor(params: dict[str, float]) -> float:
    """The curve's limit at infinite size: ``gamma`` if the family has one, else 0."""
    return params.get("gamma", 0.0)


def test_registry_is_consistent():
    assert INVERTIBLE, "no family with an inverse: the inverse properties test nothing"
    for name, family in CURVES.items():
        assert family.name == name
        assert get_curve(name) is family
        assert set(family.parameters) <= set(RANGES), f"add ranges for {family.name}"
        assert set(family.default_priors) == set(family.parameters)
        assert all(isinstance(p, Prior) for p in family.default_priors.values())
        assert family.formula and family.reference


def test_documented_values():
    assert power_law(100.0, alpha=1.0, beta=0.5) == pytest.approx(0.1)
    assert power_law_irreducible(100.0, alpha=1.0, beta=0.5, gamma=0.05) == pytest.approx(0.15)
    pli = get_curve("power_law_irreducible")
    assert pli.size_for_target(0.15, alpha=1.0, beta=0.5, gamma=0.05) == pytest.approx(100.0)
    assert get_curve("power_law").size_for_target(0.1, alpha=1.0, beta=0.5) == \
        pytest.approx(100.0)
    # __call__ is the function
    assert pli(4.0, alpha=2.0, beta=1.0, gamma=0.5) == 1.0


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
    # and strictly over a wide span, where rounding cannot hide the decrease
    ends = family(np.array([1e-3, 1e6]), **params)
    assert ends[1] < ends[0]
    # never below the floor
    assert np.all(values >= floor(params))


@pytest.mark.parametrize("family", INVERTIBLE, ids=inv_ids)
@given(data=st.data())
def test_property_inverse_recovers_the_size(family, data):
    params = data.draw(params_for(family), label="params")
    m = data.draw(SIZES, label="m")
    target = family(m, **params)
    # well conditioned: the reducible part is not lost in the floor's rounding
    assume(target - floor(params) > 1e-8 * target)
    recovered = family.size_for_target(target, **params)
    assert float(recovered) == pytest.approx(m, rel=1e-6)


@pytest.mark.parametrize("family", INVERTIBLE, ids=inv_ids)
@given(data=st.data())
def test_property_unreachable_targets_give_inf(family, data):
    params = data.draw(params_for(family), label="params")
    below = data.draw(st.floats(min_value=0.0, max_value=10.0), label="below floor by")
    target = floor(params) - below
    assert float(family.size_for_target(target, **params)) == math.inf
    # mixed with reachable targets in one array: inf exactly where unreachable
    reachable = family(np.array([1.0, 10.0]), **params)
    targets = np.array([reachable[0], target, reachable[1], floor(params)])
    sizes = family.size_for_target(targets, **params)
    assert np.isinf(sizes).tolist() == [False, True, False, True]
    np.testing.assert_allclose(sizes[[0, 2]], [1.0, 10.0], rtol=1e-6)


def test_pure_power_law_is_unreachable_at_or_below_zero():
    inverse = get_curve("power_law").size_for_target
    sizes = inverse(np.array([0.0, -1.0, -np.inf, 0.1]), alpha=1.0, beta=0.5)
    assert sizes.tolist() == [math.inf, math.inf, math.inf, pytest.approx(100.0)]


def test_irreducible_target_equal_to_gamma_is_unreachable():
    pli = get_curve("power_law_irreducible")
    assert float(pli.size_for_target(0.05, alpha=1.0, beta=0.5, gamma=0.05)) == math.inf
    assert float(pli.size_for_target(0.0, alpha=1.0, beta=0.5, gamma=0.05)) == math.inf
    assert float(pli.size_for_target(-3.0, alpha=1.0, beta=0.5, gamma=0.05)) == math.inf


@pytest.mark.parametrize("family", FAMILIES, ids=ids)
@given(data=st.data())
def test_property_invariant_to_the_size_unit(family, data):
    params = data.draw(params_for(family), label="params")
    m = data.draw(SIZES, label="m")
    k = data.draw(st.floats(min_value=1e-3, max_value=1e3), label="k")
    rescaled = {**params, "alpha": params["alpha"] * k ** params["beta"]}
    assert family(k * m, **rescaled) == pytest.approx(family(m, **params), rel=1e-9)
    if family.inverse is not None:
        target = family(m, **params)
        assume(target - floor(params) > 1e-8 * target)
        assert float(family.size_for_target(target, **rescaled)) == pytest.approx(
            k * float(family.size_for_target(target, **params)), rel=1e-6)


# ---------------------------------------------------------------------------------------
# backends
# ---------------------------------------------------------------------------------------

EXAMPLE = {"alpha": 2.0, "beta": 0.5, "gamma": 0.1}


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


@pytest.mark.parametrize("family", INVERTIBLE, ids=inv_ids)
def test_xarray_inverse_keeps_labels_and_marks_unreachable(family):
    params = example(family)
    reachable = float(family(50.0, **params))
    target = xr.DataArray([reachable, floor(params), -1.0], dims="target",
                          coords={"target": ["ok", "floor", "negative"]})
    alpha = xr.DataArray([params["alpha"], 2 * params["alpha"]], dims="draw",
                         coords={"draw": [0, 1]})
    out = family.size_for_target(target, **{**params, "alpha": alpha})
    assert isinstance(out, xr.DataArray)
    assert set(out.dims) == {"target", "draw"}
    assert out["target"].values.tolist() == ["ok", "floor", "negative"]
    assert out["draw"].values.tolist() == [0, 1]
    assert float(out.sel(target="ok", draw=0)) == pytest.approx(50.0, rel=1e-9)
    assert float(out.sel(target="ok", draw=1)) > 50.0
    assert np.isinf(out.sel(target=["floor", "negative"])).all()


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
    slope = pytensor.function([m, *params.values()],
                              pytensor.grad(family(m, **params), m), mode="FAST_COMPILE")
    values = example(family)
    # d/dm alpha m^-beta = -alpha beta m^(-beta - 1)
    expected = -values["alpha"] * values["beta"] * 10.0 ** (-values["beta"] - 1)
    assert float(slope(10.0, *values.values())) == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------------------------------
# the CurveFamily contract and the registry
# ---------------------------------------------------------------------------------------

PRIORS = {"alpha": Prior("HalfNormal", {"sigma": 1.0}), "beta": Prior("HalfNormal",
                                                                        {"sigma": 1.0})}


def good(m, alpha, beta):
    return alpha * m ** (-beta)


def good_inverse(target, alpha, beta):
    return (alpha / target) ** (1.0 / beta)


def test_a_consistent_family_is_accepted():
    family = CurveFamily(name="mine", formula="alpha m^-beta", function=good,
                         parameters=("alpha", "beta"), default_priors=PRIORS,
                         inverse=good_inverse)
    assert family(4.0, alpha=2.0, beta=1.0) == 0.5
    assert family.size_for_target(0.5, alpha=2.0, beta=1.0) == 4.0


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


def test_family_without_inverse_says_so():
    family = CurveFamily(name="noinv", formula="", function=good,
                         parameters=("alpha", "beta"), default_priors=PRIORS)
    with pytest.raises(NotImplementedError, match="curve 'noinv' has no analytic inverse"):
        family.size_for_target(0.1, alpha=1.0, beta=1.0)


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
