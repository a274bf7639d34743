"""Priors as validated dicts: round trips, every rejection, defaults, overrides, PyMC."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pymc as pm
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bayes_scaling.errors import BayesScalingError, PriorConfigError
from bayes_scaling.models import HierarchicalLearningCurve
from bayes_scaling.priors import (
    DISTRIBUTIONS,
    Prior,
    load_default_priors,
    parse_priors,
    read_yaml,
    resolve_priors,
)

MODEL = HierarchicalLearningCurve.model_type
NAMES = HierarchicalLearningCurve.prior_names
DEFAULTS_FILE = Path(__file__).resolve().parents[1] / "priors" / f"{MODEL}.yaml"

#: One valid parameter set per distribution (used where the values do not matter).
VALID: dict[str, dict[str, float]] = {
    "Normal": {"mu": 0.5, "sigma": 2.0},
    "HalfNormal": {"sigma": 0.5},
    "LogNormal": {"mu": -1.0, "sigma": 0.8},
    "StudentT": {"nu": 3.0, "mu": 0.0, "sigma": 1.5},
    "HalfStudentT": {"nu": 4.0, "sigma": 0.3},
    "Beta": {"alpha": 2.0, "beta": 5.0},
    "Gamma": {"alpha": 2.0, "beta": 0.1},
    "Exponential": {"lam": 1.5},
    "Uniform": {"lower": -1.0, "upper": 2.0},
    "TruncatedNormal": {"mu": 0.0, "sigma": 1.0, "lower": -0.5, "upper": 3.0},
}
#: A point in the support of each VALID distribution.
SUPPORT_POINT = {"Normal": 0.3, "HalfNormal": 0.2, "LogNormal": 0.4, "StudentT": -1.0,
                 "HalfStudentT": 0.1, "Beta": 0.3, "Gamma": 12.0, "Exponential": 0.7,
                 "Uniform": 0.5, "TruncatedNormal": 1.0}
#: Compile without numba: these graphs are tiny and numba's compile time is not.
FAST = "FAST_COMPILE"
POSITIVE_PARAMS = [(dist, key) for dist, spec in DISTRIBUTIONS.items()
                   for key, domain in spec.items() if domain == "positive"]


def test_the_table_of_valid_examples_covers_every_distribution():
    assert set(VALID) == set(DISTRIBUTIONS)
    for dist, kwargs in VALID.items():
        assert list(kwargs) == list(DISTRIBUTIONS[dist])


# ---------------------------------------------------------------------------------------
# round trips
# ---------------------------------------------------------------------------------------

# ints too: YAML reads "1" as an int, and the prior must hold floats
real = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-10**6, 10**6))
positive = st.one_of(st.floats(min_value=0.0, exclude_min=True, allow_infinity=False),
                     st.integers(1, 10**6))


@st.composite
def prior_dicts(draw: st.DrawFn) -> dict[str, Any]:
    dist = draw(st.sampled_from(sorted(DISTRIBUTIONS)))
    kwargs: dict[str, Any] = {}
    for key, domain in DISTRIBUTIONS[dist].items():
        kwargs[key] = draw(positive if domain == "positive" else real)
    if "lower" in kwargs:
        low, high = sorted([kwargs["lower"], kwargs["upper"]])
        if low == high:  # widen by one float step, staying finite
            if high < 0:
                high = math.nextafter(high, math.inf)
            else:
                low = math.nextafter(low, -math.inf)
        kwargs["lower"], kwargs["upper"] = low, high
    return {"dist": dist, "kwargs": kwargs}


@given(prior_dicts())
def test_property_prior_round_trips_through_dicts_and_yaml(spec):
    prior = Prior.from_dict(spec)
    as_dict = prior.to_dict()
    assert as_dict == {"dist": spec["dist"],
                       "kwargs": {k: float(v) for k, v in spec["kwargs"].items()}}
    assert all(type(v) is float for v in as_dict["kwargs"].values())
    assert list(as_dict["kwargs"]) == list(spec["kwargs"])
    assert Prior.from_dict(as_dict) == prior
    text = yaml.safe_dump(as_dict)
    assert Prior.from_dict(yaml.safe_load(text)) == prior
    # the direct constructor and from_dict agree
    assert Prior(spec["dist"], dict(spec["kwargs"])) == prior


def test_prior_to_dict_example():
    prior = Prior.from_dict({"dist": "HalfNormal", "kwargs": {"sigma": 0.5}})
    assert prior.to_dict() == {"dist": "HalfNormal", "kwargs": {"sigma": 0.5}}
    # the dict is a copy: mutating it does not change the prior
    prior.to_dict()["kwargs"]["sigma"] = 9.0
    assert prior.kwargs == {"sigma": 0.5}


def test_yaml_integers_become_floats():
    prior = Prior.from_dict(yaml.safe_load("{dist: Normal, kwargs: {mu: 0, sigma: 1}}"))
    assert prior.kwargs == {"mu": 0.0, "sigma": 1.0}
    assert all(type(v) is float for v in prior.kwargs.values())


@pytest.mark.parametrize("value", [np.float64(0.5), np.float32(0.5), np.int64(2), 2])
def test_numpy_scalars_are_numbers_and_dump_to_yaml(value):
    # Regression: np.int64/np.float32 were rejected as "not a number", and a Prior built
    # directly with numpy scalars produced a to_dict() that yaml.safe_dump cannot write.
    prior = Prior("HalfNormal", {"sigma": value})
    assert prior.kwargs == {"sigma": float(value)}
    assert type(prior.kwargs["sigma"]) is float
    assert Prior.from_dict(yaml.safe_load(yaml.safe_dump(prior.to_dict()))) == prior
    assert Prior.from_dict({"dist": "HalfNormal", "kwargs": {"sigma": value}}) == prior


def test_from_dict_passes_a_prior_through():
    prior = Prior("Exponential", {"lam": 2.0})
    assert Prior.from_dict(prior) is prior


def test_prior_is_frozen():
    prior = Prior("Exponential", {"lam": 2.0})
    with pytest.raises(AttributeError):
        prior.dist = "Normal"  # type: ignore[misc]


# ---------------------------------------------------------------------------------------
# rejections
# ---------------------------------------------------------------------------------------


def rejects(spec: Any, *fragments: str, name: str = "x") -> PriorConfigError:
    with pytest.raises(PriorConfigError) as info:
        Prior.from_dict(spec, name=name)
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))
    return info.value


@pytest.mark.parametrize("dist", ["Norml", "normal", "Cauchy", "", None, 3, ["Normal"]])
def test_unknown_distribution(dist):
    rejects({"dist": dist, "kwargs": {"mu": 0, "sigma": 1}}, "prior 'x': unknown distribution",
            repr(dist), f"valid: {sorted(DISTRIBUTIONS)}")


def test_unknown_distribution_in_the_direct_constructor():
    with pytest.raises(PriorConfigError, match=r"unknown distribution 'Laplace'; valid: \["):
        Prior("Laplace", {"mu": 0.0, "b": 1.0})


@pytest.mark.parametrize("dist", sorted(DISTRIBUTIONS))
def test_unknown_parameter(dist):
    kwargs = {**VALID[dist], "scale": 1.0}
    rejects({"dist": dist, "kwargs": kwargs},
            f"{dist} takes parameters {list(DISTRIBUTIONS[dist])}; unknown ['scale']")


@pytest.mark.parametrize("dist", sorted(DISTRIBUTIONS))
def test_missing_parameter(dist):
    first, *_ = DISTRIBUTIONS[dist]
    kwargs = {k: v for k, v in VALID[dist].items() if k != first}
    err = rejects({"dist": dist, "kwargs": kwargs},
                  f"{dist} takes parameters {list(DISTRIBUTIONS[dist])}; missing [{first!r}]")
    assert "unknown" not in str(err)


def test_missing_kwargs_entirely():
    rejects({"dist": "HalfNormal"}, "HalfNormal takes parameters ['sigma']; missing ['sigma']")


def test_unknown_and_missing_parameters_together():
    rejects({"dist": "Normal", "kwargs": {"loc": 0, "scale": 1}},
            "Normal takes parameters ['mu', 'sigma']; unknown ['loc', 'scale']; "
            "missing ['mu', 'sigma']")


@pytest.mark.parametrize(("dist", "key"), POSITIVE_PARAMS)
@pytest.mark.parametrize("value", [0, 0.0, -1.0, -1e-300])
def test_non_positive_scale(dist, key, value):
    kwargs = {**VALID[dist], key: value}
    rejects({"dist": dist, "kwargs": kwargs}, f"parameter {key!r} must be > 0, got {value!r}")


@pytest.mark.parametrize("value", ["1.0", "a", None, True, False, [1.0], {"v": 1}, 1 + 0j])
def test_non_number(value):
    rejects({"dist": "Normal", "kwargs": {"mu": value, "sigma": 1.0}},
            f"parameter 'mu' must be a number, got {value!r}")


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 10**400])
def test_non_finite(value):
    # 10**400: an int beyond the float range (regression: OverflowError escaped)
    rejects({"dist": "Normal", "kwargs": {"mu": value, "sigma": 1.0}},
            "parameter 'mu' must be finite")


def test_yaml_exponent_without_dot_is_text_and_rejected_clearly():
    # PyYAML (YAML 1.1) reads "1e-3" as a string; the message shows the quoted value.
    spec = yaml.safe_load("{dist: HalfNormal, kwargs: {sigma: 1e-3}}")
    rejects(spec, "parameter 'sigma' must be a number, got '1e-3'")


@pytest.mark.parametrize("dist", ["Uniform", "TruncatedNormal"])
@pytest.mark.parametrize(("lower", "upper"), [(1.0, 1.0), (2.0, 1.0), (0, -1e-9)])
def test_lower_must_be_below_upper(dist, lower, upper):
    kwargs = {**VALID[dist], "lower": lower, "upper": upper}
    rejects({"dist": dist, "kwargs": kwargs},
            f"'lower' ({lower}) must be below 'upper' ({upper})")


def test_unknown_keys_in_a_prior_dict():
    rejects({"dist": "Normal", "kwargs": {"mu": 0, "sigma": 1}, "dims": "curve"},
            "prior 'x' has unknown key(s) ['dims']; valid keys: ['dist', 'kwargs']")
    rejects({"distribution": "Normal", "kwargs": {}}, "unknown key(s) ['distribution']")


def test_missing_dist_key():
    rejects({"kwargs": {"sigma": 1.0}}, "prior 'x' is missing 'dist'",
            f"one of {sorted(DISTRIBUTIONS)}")


@pytest.mark.parametrize("kwargs", [None, [0.0, 1.0], "mu=0", 1.0])
def test_kwargs_must_be_a_mapping(kwargs):
    rejects({"dist": "Normal", "kwargs": kwargs}, "prior 'x': 'kwargs' must be a mapping",
            type(kwargs).__name__)


@pytest.mark.parametrize("spec", [None, "Normal(0, 1)", ["Normal"], 1.0])
def test_prior_must_be_a_mapping(spec):
    rejects(spec, "prior 'x' must be a mapping like", type(spec).__name__)


def test_errors_share_the_package_base_class():
    with pytest.raises(BayesScalingError):
        Prior.from_dict({"dist": "Normal"})
    with pytest.raises(ValueError, match="missing"):
        Prior.from_dict({"dist": "Normal"})


# ---------------------------------------------------------------------------------------
# parse_priors and the packaged defaults
# ---------------------------------------------------------------------------------------


def test_parse_priors_validates_each_entry_and_names_it():
    parsed = parse_priors({"noise_sigma": {"dist": "HalfNormal", "kwargs": {"sigma": 0.1}}},
                          valid_names=NAMES, source="here")
    assert parsed == {"noise_sigma": Prior("HalfNormal", {"sigma": 0.1})}
    assert parse_priors(None, valid_names=NAMES, source="here") == {}
    with pytest.raises(PriorConfigError, match=r"prior 'here:noise_sigma': parameter 'sigma' "
                                               r"must be > 0, got -1"):
        parse_priors({"noise_sigma": {"dist": "HalfNormal", "kwargs": {"sigma": -1}}},
                     valid_names=NAMES, source="here")


@pytest.mark.parametrize(("name", "hint"), [("log_beta_m", "log_beta_mu"),
                                            ("noise_sigm", "noise_sigma"),
                                            ("floor_frac", "floor_fraction")])
def test_unknown_prior_name_has_a_did_you_mean_hint(name, hint):
    with pytest.raises(PriorConfigError) as info:
        parse_priors({name: {"dist": "Exponential", "kwargs": {"lam": 1.0}}},
                     valid_names=NAMES, source="my.yaml")
    message = str(info.value)
    assert f"my.yaml: unknown prior {name!r} (did you mean {hint!r}?)" in message
    assert f"valid names: {list(NAMES)}" in message


def test_unknown_prior_name_without_a_close_match():
    with pytest.raises(PriorConfigError) as info:
        parse_priors({"zzz": {"dist": "Exponential", "kwargs": {"lam": 1.0}}},
                     valid_names=NAMES, source="user priors")
    assert "unknown prior 'zzz'; valid names" in str(info.value)


@pytest.mark.parametrize("spec", [[1, 2], "log_beta_mu", 3.0])
def test_parse_priors_needs_a_mapping(spec):
    with pytest.raises(PriorConfigError, match=f"src: priors must be a mapping of name -> "
                                               f"prior, got {type(spec).__name__}"):
        parse_priors(spec, valid_names=NAMES, source="src")


def test_packaged_defaults_cover_the_model_names():
    priors = load_default_priors(MODEL, valid_names=NAMES)
    assert set(priors) == set(NAMES)
    assert all(isinstance(p, Prior) for p in priors.values())
    # the values are those written in the YAML file
    doc = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))
    assert doc["model"] == MODEL
    assert {k: Prior.from_dict(v) for k, v in doc["priors"].items()} == priors
    assert priors["log_beta_mu"] == Prior("Normal", {"mu": -1.0, "sigma": 0.75})
    assert priors["floor_fraction"].dist == "Beta"


def test_packaged_defaults_reject_a_mismatched_name_list():
    with pytest.raises(PriorConfigError, match=r"missing default prior\(s\) \['new_prior'\]"):
        load_default_priors(MODEL, valid_names=(*NAMES, "new_prior"))
    with pytest.raises(PriorConfigError, match="unknown prior 'noise_nu'"):
        load_default_priors(MODEL, valid_names=tuple(n for n in NAMES if n != "noise_nu"))


def test_unknown_model_has_no_packaged_priors():
    with pytest.raises(PriorConfigError, match="no packaged priors for model 'nope'"):
        load_default_priors("nope", valid_names=NAMES)


# ---------------------------------------------------------------------------------------
# user overrides
# ---------------------------------------------------------------------------------------

OVERRIDE = {"log_beta_mu": {"dist": "Normal", "kwargs": {"mu": -0.5, "sigma": 0.1}},
            "noise_sigma": {"dist": "Exponential", "kwargs": {"lam": 10.0}}}


def check_override(priors: dict[str, Prior]) -> None:
    defaults = load_default_priors(MODEL, valid_names=NAMES)
    assert set(priors) == set(NAMES)
    assert priors["log_beta_mu"] == Prior("Normal", {"mu": -0.5, "sigma": 0.1})
    assert priors["noise_sigma"] == Prior("Exponential", {"lam": 10.0})
    for name in set(NAMES) - set(OVERRIDE):
        assert priors[name] == defaults[name], name


def test_resolve_priors_without_user_input_gives_defaults():
    assert resolve_priors(MODEL, NAMES, None) == load_default_priors(MODEL, valid_names=NAMES)


def test_user_mapping_takes_precedence():
    check_override(resolve_priors(MODEL, NAMES, OVERRIDE))


def test_user_mapping_with_a_misspelt_name_gets_a_hint():
    with pytest.raises(PriorConfigError) as info:
        resolve_priors(MODEL, NAMES, {"noise_sigam": {"dist": "HalfNormal",
                                                      "kwargs": {"sigma": 0.1}}})
    assert "user priors: unknown prior 'noise_sigam' (did you mean 'noise_sigma'?)" in str(
        info.value)


@pytest.mark.parametrize("top_level_key", [True, False])
@pytest.mark.parametrize("as_str", [True, False])
def test_user_yaml_file_takes_precedence(top_level_key, as_str, tmp_path):
    path = tmp_path / "mine.yaml"
    doc = {"priors": OVERRIDE} if top_level_key else OVERRIDE
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    check_override(resolve_priors(MODEL, NAMES, str(path) if as_str else path))


def test_user_yaml_written_by_hand(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("# my priors\npriors:\n  log_beta_mu: {dist: Normal, kwargs: {mu: -0.5, "
                    "sigma: 0.1}}\n  noise_sigma:\n    dist: Exponential\n    kwargs:\n"
                    "      lam: 10\n", encoding="utf-8")
    check_override(resolve_priors(MODEL, NAMES, path))


def test_user_yaml_errors_name_the_file_and_the_prior(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("log_beta_mu: {dist: Normal, kwargs: {mu: 0, sigma: 0}}\n",
                    encoding="utf-8")
    with pytest.raises(PriorConfigError) as info:
        resolve_priors(MODEL, NAMES, path)
    assert f"prior '{path}:log_beta_mu': parameter 'sigma' must be > 0" in str(info.value)
    path.write_text("log_beta_muu: {dist: Normal, kwargs: {mu: 0, sigma: 1}}\n",
                    encoding="utf-8")
    with pytest.raises(PriorConfigError,
                       match=r"unknown prior 'log_beta_muu' \(did you mean 'log_beta_mu'\?\)"):
        resolve_priors(MODEL, NAMES, path)


@pytest.mark.parametrize("text", ["priors: [1, 2", "a: b: c", "{unclosed", "\tpriors: 1"])
def test_invalid_yaml_text(text, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PriorConfigError, match=f"{re.escape(str(path))} is not valid YAML"):
        read_yaml(path)
    with pytest.raises(PriorConfigError, match="is not valid YAML"):
        resolve_priors(MODEL, NAMES, path)


@pytest.mark.parametrize("tag", ["!!python/object/apply:pathlib.Path.touch",
                                 "!!python/object/new:pathlib.Path",
                                 "!!python/object:argparse.Namespace"])
def test_python_object_tags_are_refused(tag, tmp_path):
    canary = tmp_path / "canary"
    path = tmp_path / "evil.yaml"
    path.write_text(f"priors:\n  log_beta_mu: {tag} [{str(canary)!r}]\n", encoding="utf-8")
    with pytest.raises(PriorConfigError) as info:
        resolve_priors(MODEL, NAMES, path)
    assert f"{path} is not valid YAML" in str(info.value)
    assert "python/object" in str(info.value)
    assert not canary.exists()


def test_unreadable_yaml(tmp_path):
    with pytest.raises(PriorConfigError, match=r"cannot read YAML file .*missing\.yaml"):
        resolve_priors(MODEL, NAMES, tmp_path / "missing.yaml")
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("# caf\u00e9\npriors: {}\n".encode("latin-1"))
    with pytest.raises(PriorConfigError, match=r"cannot read YAML file .*latin1\.yaml"):
        read_yaml(latin1)


def test_empty_user_yaml_keeps_the_defaults(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing here\n", encoding="utf-8")
    assert resolve_priors(MODEL, NAMES, path) == load_default_priors(MODEL, valid_names=NAMES)


# ---------------------------------------------------------------------------------------
# PyMC variables
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("dist", sorted(DISTRIBUTIONS))
def test_create_variable_builds_the_right_distribution_with_dims(dist):
    prior = Prior(dist, VALID[dist])
    with pm.Model(coords={"curve": ["a", "b", "c"]}) as model:
        rv = prior.create_variable("theta", dims="curve")
        scalar = prior.create_variable("phi")
    reference = getattr(pm, dist).dist(**VALID[dist])
    assert type(rv.owner.op) is type(reference.owner.op)
    assert model.named_vars_to_dims["theta"] == ("curve",)
    assert "phi" not in model.named_vars_to_dims
    assert model["theta"] is rv
    assert pm.draw(rv, random_seed=1, mode=FAST).shape == (3,)
    assert pm.draw(scalar, random_seed=1, mode=FAST).shape == ()
    # the parameters reached PyMC: same log-density as the reference distribution
    x = np.full(3, SUPPORT_POINT[dist])
    expected = pm.logp(reference, x[0]).eval(mode=FAST)
    assert np.isfinite(expected)
    # rtol 1e-6, not tighter: PyMC takes 1/lam of Exponential in float32 for Python-float
    # constants, so two equal Exponential priors differ in the 8th digit.
    np.testing.assert_allclose(pm.logp(rv, x).eval(mode=FAST), np.full(3, expected),
                               rtol=1e-6)


def test_create_variable_with_several_dims():
    with pm.Model(coords={"domain": ["x", "y"], "curve": ["a", "b", "c"]}) as model:
        Prior("Normal", {"mu": 0.0, "sigma": 1.0}).create_variable("z", dims=("domain",
                                                                             "curve"))
    assert model.named_vars_to_dims["z"] == ("domain", "curve")
    assert pm.draw(model["z"], random_seed=0, mode=FAST).shape == (2, 3)


def test_default_priors_all_create_variables():
    priors = load_default_priors(MODEL, valid_names=NAMES)
    with pm.Model() as model:
        for name, prior in priors.items():
            prior.create_variable(name)
    assert set(model.named_vars) == set(NAMES)
    logps = model.point_logps(model.initial_point(), mode=FAST)
    assert set(logps) == set(NAMES)
    assert all(np.isfinite(v) for v in logps.values())
