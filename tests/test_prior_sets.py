"""Literature prior sets: every shipped set loads and covers the published values it cites,
broken sets are refused with a clear message, precedence, models, CLI and report plumbing.

No NUTS here: models are only constructed, and the one fit is PyMC's sampler mock."""

from __future__ import annotations

import copy
import functools
import math
import warnings

import pymc as pm
import pytest
import xarray as xr
import yaml
from _mockfit import mock_fit_of

from bayes_scaling._resources import resource_dir
from bayes_scaling.cli import main
from bayes_scaling.errors import PriorConfigError
from bayes_scaling.models import (
    HierarchicalComputeScaling,
    HierarchicalLearningCurve,
    HierarchicalModelSize,
    JointScalingLaw,
)
from bayes_scaling.prior_sets import (
    PRIOR_SET_MODELS,
    list_prior_sets,
    load_prior_set,
    parse_prior_set,
    prior_posterior_table,
    prior_set_dir,
    prior_sets_table,
)
from bayes_scaling.priors import Prior
from bayes_scaling.report.analyses import check_report_prior_set
from bayes_scaling.simulate import simulate_learning_curves

MODEL_CLASSES = {cls.model_type: cls for cls in (HierarchicalLearningCurve, JointScalingLaw,
                                                 HierarchicalModelSize,
                                                 HierarchicalComputeScaling)}
SETS = list_prior_sets()
Z95 = 1.959964


def _doc(name: str = "language-model") -> dict:
    return yaml.safe_load((prior_set_dir() / f"{name}.yaml").read_text(encoding="utf-8"))


def _range95(prior: Prior) -> tuple[float, float]:
    """95% central range of the exponent: exp of a Normal (log scale) or a LogNormal;
    the value itself for a Normal on the natural scale is not used here."""
    mu, sigma = prior.kwargs["mu"], prior.kwargs["sigma"]
    return math.exp(mu - Z95 * sigma), math.exp(mu + Z95 * sigma)


def test_the_four_domains_of_the_issue_are_shipped():
    assert set(SETS) >= {"language-model", "machine-translation", "speech",
                         "image-classification"}
    assert prior_set_dir() == resource_dir("priors") / "literature"  # found from a wheel too


@pytest.mark.parametrize("name", SETS)
def test_every_shipped_set_loads_with_sources_and_valid_names(name):
    chosen = load_prior_set(name)
    assert chosen.name == name and chosen.references and chosen.models
    for model_type, entries in chosen.models.items():
        assert model_type in PRIOR_SET_MODELS
        cls = MODEL_CLASSES[model_type]
        assert set(entries) <= set(cls.prior_names)
        for entry in entries.values():
            assert len(entry.source) > 10 and len(entry.derivation) > 20
            assert isinstance(entry.prior, Prior)


@pytest.mark.parametrize(("model_type", "name", "published"), [
    # Hestness 2017 word LM, Kaplan 2020 alpha_D, Hoffmann 2022 beta, Besiroglu 2024 beta
    ("hierarchical_learning_curve", "log_beta_mu", [0.066, 0.07, 0.095, 0.28, 0.3658]),
    # Kaplan 2020 alpha_N, Hoffmann 2022 alpha, Besiroglu 2024 alpha
    ("joint_scaling", "alpha", [0.076, 0.34, 0.3478]),
    # Kaplan 2020 alpha_D, Hoffmann 2022 beta, Besiroglu 2024 beta
    ("joint_scaling", "beta", [0.095, 0.28, 0.3658]),
])
def test_language_model_set_covers_every_published_exponent(model_type, name, published):
    prior = load_prior_set("language-model").priors_for(model_type)[name]
    lo, hi = _range95(prior)
    for value in published:
        assert lo < value < hi, f"{name}: {value} outside the 95% prior range {lo:.3f}-{hi:.3f}"


def test_language_model_set_covers_hestness_model_size_exponents():
    prior = load_prior_set("language-model").priors_for("hierarchical_model_size")["beta_p_mu"]
    mu, sigma = prior.kwargs["mu"], prior.kwargs["sigma"]
    for value in (0.68, 0.89):  # Hestness 2019 word and character LM
        assert abs(value - mu) < Z95 * sigma


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["models"]["joint_scaling"]["alpha"].pop("source"),
     r"joint_scaling:alpha: an entry has the keys .*missing \['source'\]"),
    (lambda d: d["models"]["joint_scaling"]["alpha"].update(derivation="  "),
     r"joint_scaling:alpha: 'derivation' must be non-empty text"),
    (lambda d: d["models"].update(curve_form=d["models"]["joint_scaling"]),
     r"unknown model type 'curve_form'; valid: \['hierarchical_learning_curve'"),
    (lambda d: d["models"]["joint_scaling"].update(alhpa=d["models"]["joint_scaling"]["alpha"]),
     r"unknown prior 'alhpa' \(did you mean 'alpha'\?\)"),
    (lambda d: d["models"]["joint_scaling"]["alpha"]["prior"].update(dist="Cauchy"),
     r"unknown distribution 'Cauchy'; valid: \["),
    (lambda d: d["models"]["joint_scaling"]["alpha"]["prior"]["kwargs"].update(sigma=-1),
     r"parameter 'sigma' must be > 0, got -1"),
    (lambda d: d.update(version=2), r"unknown \['version'\]"),
    (lambda d: d.pop("references"), r"missing \['references'\]"),
    (lambda d: d.update(references=[]), r"'references' must be a non-empty list"),
    (lambda d: d.update(name="Language Model"), r"name 'Language Model' must be lower-case"),
    (lambda d: d.update(models={}), r"'models' must map model types"),
    (lambda d: d["models"].update(joint_scaling=[1, 2]), r"expected a non-empty mapping"),
    (lambda d: d["models"]["joint_scaling"].update(alpha="LogNormal"),
     r"joint_scaling:alpha.* must be a mapping"),
])
def test_a_broken_set_is_refused_naming_what_is_wrong(edit, message):
    doc = copy.deepcopy(_doc())
    edit(doc)
    with pytest.raises(PriorConfigError, match=message):
        parse_prior_set(doc, source="broken.yaml")


def test_a_set_whose_name_is_not_its_file_name_is_refused():
    with pytest.raises(PriorConfigError, match=r"'name' is 'language-model', expected 'x'"):
        parse_prior_set(_doc(), source="x.yaml", name="x")


def test_not_a_mapping_is_refused():
    with pytest.raises(PriorConfigError, match=r"broken.yaml: a prior set must be a mapping"):
        parse_prior_set(["name"], source="broken.yaml")


def test_unknown_set_lists_the_valid_ones():
    with pytest.raises(PriorConfigError, match=r"unknown prior set 'langauge-model'; valid: "
                                               r"\['image-classification', 'language-model'"):
        load_prior_set("langauge-model")


def _sim():
    return simulate_learning_curves(n_domains=2, curves_per_domain=2, seed=6).frame


def test_model_takes_the_sets_priors_and_the_user_overrides_them():
    default = HierarchicalLearningCurve(_sim())
    chosen = HierarchicalLearningCurve(_sim(), prior_set="language-model")
    set_prior = load_prior_set("language-model").priors_for(
        "hierarchical_learning_curve")["log_beta_mu"]
    assert chosen.priors["log_beta_mu"] == set_prior != default.priors["log_beta_mu"]
    # entries the set does not name keep their defaults
    assert {k: v for k, v in chosen.priors.items() if k != "log_beta_mu"} == {
        k: v for k, v in default.priors.items() if k != "log_beta_mu"}
    assert chosen.model_id() != default.model_id()
    user = {"log_beta_mu": {"dist": "Normal", "kwargs": {"mu": 0.0, "sigma": 2.0}}}
    both = HierarchicalLearningCurve(_sim(), prior_set="language-model", priors=user)
    assert both.priors["log_beta_mu"] == Prior.from_dict(user["log_beta_mu"])


def test_a_set_that_does_not_cover_the_model_names_the_sets_that_do():
    with pytest.raises(PriorConfigError, match=r"prior set 'speech' has no priors for the "
                                               r"joint_scaling model .*sets that cover "
                                               r"joint_scaling: \['language-model'\]"):
        load_prior_set("speech").priors_for("joint_scaling")
    with pytest.raises(PriorConfigError, match=r"sets that cover compute_scaling: none"):
        load_prior_set("language-model").priors_for("compute_scaling")


def test_report_refuses_an_uncovering_set_before_fitting():
    check_report_prior_set("language-model", "joint")
    check_report_prior_set(None, "compute-scaling")
    with pytest.raises(PriorConfigError, match=r"sets that cover joint_scaling"):
        check_report_prior_set("speech", "joint")


@functools.cache
def _mock_fit() -> xr.DataTree:
    return mock_fit_of(HierarchicalLearningCurve(_sim(), prior_set="language-model"))


def test_the_fit_records_the_set_and_the_table_shows_prior_and_posterior():
    fit = _mock_fit()
    assert fit.attrs["prior_set"] == "language-model"
    table = prior_posterior_table(fit, ci_prob=0.9)
    assert table["parameter"].tolist() == ["log_beta_mu"]
    row = table.iloc[0]
    # Normal(-1.85, 0.6): median -1.85, 90% interval -1.85 -/+ 1.645 * 0.6
    assert row["prior_median"] == pytest.approx(-1.85, abs=0.05)
    assert row["prior_lower"] == pytest.approx(-1.85 - 0.987, abs=0.08)
    assert row["posterior_lower"] <= row["posterior_median"] <= row["posterior_upper"]
    with pytest.raises(KeyError, match=r"'nope' is not a sampled prior"):
        prior_posterior_table(fit, ["nope"])


def test_a_fit_without_a_set_has_no_prior_set_attr():
    from _mockfit import mock_fit

    assert "prior_set" not in mock_fit().attrs


def test_cli_lists_sets_and_refuses_bad_names(capsys):
    assert main(["priors", "list"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "prior_set,model,parameters,sources,description"
    assert len(out.splitlines()) == 1 + len(prior_sets_table())
    assert main(["priors", "info", "speech"]) == 0
    assert '"derivation"' in capsys.readouterr().out
    assert main(["priors", "info", "nope"]) == 2
    assert "unknown prior set 'nope'" in capsys.readouterr().err


def test_cli_fit_refuses_an_uncovering_set_before_sampling(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(pm, "sample", lambda *a, **k: pytest.fail("sampled"))
    data = tmp_path / "sim.csv"
    _sim().to_csv(data, index=False)
    code = main(["fit", str(data), "--out", str(tmp_path / "f.nc"), "--prior-set",
                 "nope"])
    assert code == 2
    assert "unknown prior set 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "f.nc").exists()


def test_joint_and_model_size_models_build_with_the_language_model_set():
    import pandas as pd

    from bayes_scaling.datasets import load_dataset

    rows = [{"domain": "lm", "curve": "c", "params": n, "data": d,
             "loss": 1.69 + 406.4 / n**0.34 + 410.7 / d**0.28}
            for n in (1e7, 3e7, 1e8, 3e8) for d in (1e9, 3e9, 1e10)]
    chosen = load_prior_set("language-model")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # weak-identification notes of a 12-row table
        joint = JointScalingLaw(pd.DataFrame(rows), prior_set="language-model")
        size = HierarchicalModelSize(load_dataset("mlp-learning-curves"),
                                     prior_set="language-model")
    assert {k: joint.priors[k] for k in ("alpha", "beta")} == chosen.priors_for("joint_scaling")
    assert size.priors["beta_p_mu"] == chosen.priors_for("hierarchical_model_size")["beta_p_mu"]
    # sampled as slopes at the reference point, the exponents' prior carried over
    assert {"alpha", "beta", "log_params_elasticity"} <= set(joint.build_model().named_vars)
    assert "beta_p_mu" in {rv.name for rv in size.build_model().free_RVs}
