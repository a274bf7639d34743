"""Fuzzing the YAML loaders: user priors files and the targets file.

Property: whatever the bytes or the parsed structure, the loaders either return
validated objects or raise :class:`~bayes_scaling.errors.PriorConfigError` with a message;
no other exception escapes. Example counts: ``max_examples`` of the active hypothesis
profile per property (``ci`` 60, ``long`` 2000); ``--hypothesis-show-statistics`` prints
them.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bayes_scaling.errors import PriorConfigError
from bayes_scaling.priors import DISTRIBUTIONS, Prior, resolve_priors
from bayes_scaling.targets import parse_targets_file

FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
MODEL = "hierarchical_learning_curve"
NAMES = ("log_beta_mu", "log_beta_domain_sigma", "log_beta_curve_sigma", "log_ref_metric_offset",
         "floor_fraction", "noise_sigma", "noise_nu")

# YAML scalars that parse to awkward Python values: huge ints, inf/nan, dates, bools,
# binary, nulls, sexagesimal, unicode
SCALARS = st.sampled_from([
    "1e400", "-1e400", "10" * 200, ".inf", "-.inf", ".nan", "2024-01-01", "yes", "no", "~",
    "null", "!!binary aGVsbG8=", "0x1F", "1_000", "190:20:30", "'0.5'", "é", "\U0001f600",
    "-0", "0", "1", "0.5", "-3", "[]", "{}", "[1, 2]", "{a: 1}", "''", "!!float 1", "&a 1",
])
KEYS = st.sampled_from(["dist", "kwargs", "mu", "sigma", "alpha", "beta", "lam", "nu",
                        "lower", "upper", "priors", "model", "targets", "published",
                        "references", "target", "kind", "value", "citation", "description",
                        *NAMES, *DISTRIBUTIONS, "[1, 2]", "? x", "null", "1", "é"])


def _yaml_tree(depth: int = 3) -> st.SearchStrategy[str]:
    """Random YAML documents built from the loaders' own vocabulary."""
    leaf = st.one_of(SCALARS, KEYS)
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
            st.dictionaries(KEYS, inner, max_size=4).map(
                lambda d: "{" + ", ".join(f"{k}: {v}" for k, v in d.items()) + "}"),
        ),
        max_leaves=12,
    )


def _write(tmp_path: Path, payload: bytes) -> Path:
    path = tmp_path / "priors.yaml"
    path.write_bytes(payload)
    return path


def _resolve_or_refuse(path: Path) -> None:
    try:
        priors = resolve_priors(MODEL, NAMES, path)
    except PriorConfigError as exc:
        assert str(exc)
        return
    assert set(priors) == set(NAMES)
    for prior in priors.values():  # accepted priors are valid and finite
        assert prior.dist in DISTRIBUTIONS
        assert all(math.isfinite(v) for v in prior.kwargs.values())


@FUZZ
@given(st.binary(max_size=512))
def test_priors_file_random_bytes(tmp_path, payload):
    _resolve_or_refuse(_write(tmp_path, payload))


@FUZZ
@given(_yaml_tree())
def test_priors_file_random_documents(tmp_path, text):
    _resolve_or_refuse(_write(tmp_path, text.encode()))


@FUZZ
@given(name=st.sampled_from(NAMES), dist=st.sampled_from(sorted(DISTRIBUTIONS)),
       params=st.dictionaries(st.sampled_from(["mu", "sigma", "alpha", "beta", "lam", "nu",
                                               "lower", "upper", "bogus"]),
                              SCALARS, max_size=5))
def test_priors_file_near_valid_entries(tmp_path, name, dist, params):
    body = ", ".join(f"{k}: {v}" for k, v in params.items())
    text = f"priors:\n  {name}: {{dist: {dist}, kwargs: {{{body}}}}}\n"
    _resolve_or_refuse(_write(tmp_path, text.encode()))


@FUZZ
@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                              st.text(max_size=5), st.binary(max_size=3)),
                    lambda inner: st.one_of(st.lists(inner, max_size=3),
                                            st.dictionaries(st.text(max_size=5), inner,
                                                            max_size=3)),
                    max_leaves=10))
def test_prior_from_arbitrary_python_values(spec):
    try:
        Prior.from_dict(spec, name="p")
    except PriorConfigError as exc:
        assert str(exc)


@pytest.mark.parametrize("text", ["priors: &a [*a]", "a: &x {b: *x}",
                                  "x: " + "[" * 1200 + "]" * 1200,
                                  "!!python/object/apply:os.system ['true']",
                                  "priors:\n  ? [a, b]\n  : 1\n"])
def test_pathological_yaml_is_refused(tmp_path, text):
    with pytest.raises(PriorConfigError):
        resolve_priors(MODEL, NAMES, _write(tmp_path, text.encode()))


# -------------------------------------------------------------------- targets file

def _targets_or_refuse(doc: object) -> None:
    try:
        named, published = parse_targets_file(doc, source="fuzz.yaml")
    except PriorConfigError as exc:
        assert str(exc)
        return
    for target in named.values():
        assert target.kind in ("absolute", "relative")
        assert math.isfinite(target.value) and target.value > 0
    for entry in published.values():
        assert all(math.isfinite(v) for v in (entry.data_growth, entry.beta_p,
                                              entry.model_growth))


@FUZZ
@given(_yaml_tree())
def test_targets_random_documents(text):
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return  # the YAML layer itself (read_yaml turns this into PriorConfigError)
    _targets_or_refuse(doc)


TARGET_VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                          st.integers(min_value=-(10**400), max_value=10**400),
                          st.text(max_size=4), st.none(), st.booleans(),
                          st.lists(st.integers(), max_size=2))


@FUZZ
@given(kind=st.one_of(st.sampled_from(["absolute", "relative"]), TARGET_VALUES),
       value=TARGET_VALUES,
       citation=st.one_of(st.none(), st.sampled_from(["ref"]), TARGET_VALUES),
       targets_as=st.sampled_from(["mapping", "list", "scalar"]),
       growth=TARGET_VALUES)
def test_targets_near_valid_documents(kind, value, citation, targets_as, growth):
    entry = {"target": {"kind": kind, "value": value}, "description": "d"}
    if citation is not None:
        entry["citation"] = citation
    targets = {"mapping": {"t": entry}, "list": [entry], "scalar": "t"}[targets_as]
    published = {"p": {"domain": "d", "data_growth": growth, "beta_p": 0.5,
                       "model_growth": 2.0, "citation": citation}}
    _targets_or_refuse({"references": {"ref": "A paper"}, "targets": targets,
                        "published": published})


@pytest.mark.parametrize(
    ("doc", "match"),
    [({"targets": ["t"]}, "'targets' must be a mapping"),
     ({"published": [1]}, "'published' must be a mapping"),
     ({"references": {"r": "x"}, "targets": {"t": {"target": {"kind": "absolute",
                                                               "value": 0.1},
                                                    "citation": ["r"]}}}, "citation"),
     ({"references": {"r": "x"}, "published": {"p": {"domain": "d", "data_growth": 2,
                                                      "beta_p": 0.5, "model_growth": 2,
                                                      "citation": {"r": 1}}}}, "citation"),
     ({"targets": {"t": {"target": {"kind": "absolute", "value": 10**400}}}}, "finite"),
     ({"targets": {"t": {"target": {"kind": "absolute", "value": float("inf")}}}}, "finite"),
     ({"references": {"r": "x"}, "published": {"p": {"domain": "d", "data_growth": "inf",
                                                      "beta_p": 0.5, "model_growth": 2,
                                                      "citation": "r"}}}, "finite"),
     ({"references": {"r": "x"}, "published": {"p": {"domain": "d", "data_growth": 10**400,
                                                      "beta_p": 0.5, "model_growth": 2,
                                                      "citation": "r"}}}, "finite")],
)
def test_targets_regressions(doc, match):
    """Bugs found by the fuzzing above: each raised TypeError/AttributeError/OverflowError
    or accepted an infinite value."""
    with pytest.raises(PriorConfigError, match=match):
        parse_targets_file(doc)


# -- literature prior sets -------------------------------------------------------------------

def _set_paths(doc: object, prefix: tuple = ()) -> list[tuple]:
    """Every key path of a parsed prior-set document (mappings only)."""
    out = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += _set_paths(value, (*prefix, key))
    return out


def _shipped_set() -> dict:
    from bayes_scaling.prior_sets import prior_set_dir

    return yaml.safe_load((prior_set_dir() / "language-model.yaml").read_text(encoding="utf-8"))


@given(where=st.integers(min_value=0), value=_yaml_tree())
def test_prior_set_with_a_random_part_replaced_is_validated_or_refused(where, value):
    from bayes_scaling.prior_sets import PriorSet, parse_prior_set

    doc = _shipped_set()
    paths = _set_paths(doc)
    path = paths[where % len(paths)]
    try:
        new = yaml.safe_load(value)
    except yaml.YAMLError:
        new = value
    if not path:
        doc = new
    else:
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = new
    try:
        result = parse_prior_set(doc, source="fuzz.yaml")
    except PriorConfigError as exc:
        assert str(exc)
        return
    assert isinstance(result, PriorSet)
    for entries in result.models.values():
        for entry in entries.values():
            assert isinstance(entry.prior, Prior) and entry.source and entry.derivation
