"""Failing fits: divergences, R-hat and ESS are detected, reported (result attrs, CLI) and,
when asked, remedied automatically (higher target acceptance, more tuning), every attempt
logged and the best one kept.

The remedy loop is tested with PyMC's own sampler mock (:func:`pymc.testing.mock_sample`:
prior draws instead of MCMC) scripted to diverge at low target acceptance, so the whole
``fit()`` path (log-likelihood, attrs, ArviZ diagnostics) runs without NUTS. One real NUTS
run on a badly tuned sampler shows genuine divergences reaching the CLI's report.
"""

from __future__ import annotations

import json
import logging
import warnings

import numpy as np
import pymc as pm
import pytest
from pymc.testing import mock_sample

from bayes_scaling.cli import EXIT_DIAGNOSTICS, main
from bayes_scaling.diagnostics import (
    REMEDY_TARGET_ACCEPT,
    DiagnosticsReport,
    fit_report,
    remedy_rank,
    remedy_settings,
)
from bayes_scaling.errors import FitDiagnosticsWarning, ModelConfigError
from bayes_scaling.io import load_fit
from bayes_scaling.models import HierarchicalLearningCurve, SamplerConfig
from bayes_scaling.simulate import simulate_learning_curves

MOCK = SamplerConfig(draws=400, tune=100, chains=2, seed=3, target_accept=0.8)


def _report(div: int = 0, rhat: float = 1.0, ess: float = 900.0) -> DiagnosticsReport:
    problems = (["divergences"] if div else []) + (["rhat"] if rhat > 1.01 else []) + (
        ["ess"] if ess < 400 else [])
    return DiagnosticsReport(div, rhat, ess, ess, 4, 4000, problems)


# --------------------------------------------------------------- the remedy schedule

def test_remedy_settings_raise_acceptance_and_tuning_and_draws_only_for_mixing():
    base = {"draws": 500, "tune": 300, "target_accept": 0.9, "seed": 1}
    first = remedy_settings(base, _report(div=4), 1)
    assert first == {"draws": 500, "tune": 600, "target_accept": 0.99, "seed": 1}
    second = remedy_settings(first, _report(div=1, rhat=1.05), 2)
    assert second == {"draws": 1000, "tune": 1200, "target_accept": 0.995, "seed": 1}
    assert remedy_settings(base, _report(ess=50), 1)["draws"] == 1000
    # never lowers a user's higher target acceptance
    assert remedy_settings({**base, "target_accept": 0.999}, _report(div=1), 1)[
        "target_accept"] == 0.999
    assert REMEDY_TARGET_ACCEPT == (0.99, 0.995)


def test_remedy_rank_prefers_passing_then_fewer_divergences_then_mixing():
    ranked = sorted([_report(div=5), _report(), _report(div=1, rhat=1.2), _report(div=1),
                     _report(rhat=float("nan"), ess=10)], key=remedy_rank, reverse=True)
    assert ranked[0].ok
    assert [r.divergences for r in ranked[1:3]] == [0, 1]
    assert ranked[2].max_rhat == 1.0 and ranked[3].max_rhat == 1.2
    assert ranked[-1].divergences == 5


def test_failed_checks_are_named():
    assert _report(div=2, rhat=1.3, ess=10).failed_checks == {"divergences", "rhat", "ess"}
    assert _report().failed_checks == set()


def test_auto_remedy_must_be_a_bool_or_none():
    with pytest.raises(ModelConfigError, match="auto_remedy must be True, False or None"):
        SamplerConfig(auto_remedy="yes")


def test_auto_remedy_is_on_by_default_for_full_length_runs_only():
    assert SamplerConfig().auto_remedy is None and SamplerConfig().remedy_on()
    assert SamplerConfig(draws=2000, tune=1500).remedy_on()
    assert not SamplerConfig(draws=200, tune=300).remedy_on()  # exploratory
    assert not SamplerConfig(draws=1000, tune=500).remedy_on()
    assert not SamplerConfig(auto_remedy=False).remedy_on()
    assert SamplerConfig(draws=100, tune=100, auto_remedy=True).remedy_on()


# --------------------------------------------------------------- the remedy loop (mocked NUTS)

@pytest.fixture
def scripted_sampler(monkeypatch):
    """``pm.sample`` -> prior draws with ``divergences[target_accept]`` divergent draws."""
    calls: list[dict] = []
    divergences: dict[float, int] = {}

    def sample(**kwargs):
        calls.append(kwargs)
        n_div = divergences.get(kwargs["target_accept"], 0)

        def diverging(size):
            flags = np.zeros(size, dtype=bool)
            flags.flat[:n_div] = True
            return flags

        with warnings.catch_warnings():
            # The mock draws from the prior. The learning-curve likelihood with its
            # discrepancy integrated out is a Potential, which prior draws ignore (PyMC
            # warns); the remedy loop under test only needs structurally complete fits.
            warnings.filterwarnings("ignore", message="The effect of Potentials",
                                    category=UserWarning)
            return mock_sample(sample_stats={"diverging": diverging}, **kwargs)

    monkeypatch.setattr(pm, "sample", sample)
    return calls, divergences


@pytest.fixture(scope="module")
def model():
    sim = simulate_learning_curves(n_domains=2, curves_per_domain=2, seed=8)
    return HierarchicalLearningCurve(sim.frame)


def test_without_auto_remedy_a_failing_fit_is_reported_not_retried(model, scripted_sampler):
    calls, divergences = scripted_sampler
    divergences[0.8] = 7
    with pytest.warns(FitDiagnosticsWarning, match="7 divergent transitions"):
        fit = model.fit(MOCK)
    assert len(calls) == 1
    report = json.loads(fit.attrs["diagnostics"])
    assert report["divergences"] == 7 and report["ok"] is False
    assert "remedy_log" not in fit.attrs


def test_a_full_length_default_fit_is_remedied_without_asking(model, scripted_sampler):
    calls, divergences = scripted_sampler
    divergences[0.8] = 3
    fit = model.fit(SamplerConfig(chains=2, seed=3, target_accept=0.8))  # 1000 + 1000
    assert [c["target_accept"] for c in calls] == [0.8, 0.99]
    assert json.loads(fit.attrs["remedy_log"])["problems_remain"] is False
    assert json.loads(fit.attrs["sampler_config"])["auto_remedy"] is True


def test_auto_remedy_refits_until_clean_and_logs_each_attempt(model, scripted_sampler, caplog):
    calls, divergences = scripted_sampler
    divergences[0.8] = 12  # the user's settings diverge; 0.99 cures it
    with caplog.at_level(logging.WARNING, logger="bayes_scaling.models.base"):
        fit = model.fit(MOCK, auto_remedy=True)  # no warning: the kept fit is clean
    assert [c["target_accept"] for c in calls] == [0.8, 0.99]
    assert [c["tune"] for c in calls] == [100, 200]
    assert [c["draws"] for c in calls] == [400, 400]  # divergences only: no extra draws
    log = json.loads(fit.attrs["remedy_log"])
    assert log["kept"] == 1 and log["problems_remain"] is False
    assert [a["diagnostics"]["divergences"] for a in log["attempts"]] == [12, 0]
    assert log["attempts"][1]["settings"]["target_accept"] == 0.99
    assert fit_report(fit).ok
    assert json.loads(fit.attrs["sampler_config"])["target_accept"] == 0.99
    assert "auto-remedy attempt 1 of 2: target_accept 0.99, tune 200" in caplog.text
    assert "problems resolved" in caplog.text


def test_auto_remedy_keeps_the_best_attempt_and_says_problems_remain(model, scripted_sampler):
    calls, divergences = scripted_sampler
    divergences.update({0.8: 30, 0.99: 2, 0.995: 5})  # attempt 1 is the best, none clean
    with pytest.warns(FitDiagnosticsWarning, match="after 2 automatic remedy attempt"):
        fit = model.fit(MOCK, auto_remedy=True)
    assert [c["target_accept"] for c in calls] == [0.8, 0.99, 0.995]
    assert [c["tune"] for c in calls] == [100, 200, 400]
    log = json.loads(fit.attrs["remedy_log"])
    assert log["kept"] == 1 and log["problems_remain"] is True
    assert json.loads(fit.attrs["diagnostics"])["divergences"] == 2
    assert int(fit["sample_stats"]["diverging"].sum()) == 2  # the kept draws, not the last


def test_remedy_stops_at_the_first_attempt_the_caller_accepts_and_keeps_it(model,
                                                                           scripted_sampler):
    calls, divergences = scripted_sampler
    divergences.update({0.8: 30, 0.99: 2, 0.995: 0})  # attempt 2 would be clean
    seen = []

    def accept(tree):  # e.g. "no block can be blamed any more": here, <= 2 divergences
        seen.append(int(tree["sample_stats"]["diverging"].sum()))
        return seen[-1] <= 2

    with pytest.warns(FitDiagnosticsWarning, match="after 1 automatic remedy attempt"):
        fit = model.fit(MOCK, auto_remedy=True, remedy_until=accept)
    assert [c["target_accept"] for c in calls] == [0.8, 0.99]  # the third never ran
    assert seen == [30, 2]
    log = json.loads(fit.attrs["remedy_log"])
    assert log["kept"] == 1 and log["problems_remain"] is True
    assert int(fit["sample_stats"]["diverging"].sum()) == 2


def test_cli_auto_remedy_prints_every_attempt(scripted_sampler, tmp_path, capsys):
    _, divergences = scripted_sampler
    divergences.update({0.8: 9, 0.99: 0})
    data = tmp_path / "data.csv"
    simulate_learning_curves(n_domains=2, curves_per_domain=2, seed=8).frame.to_csv(
        data, index=False)
    out = tmp_path / "fit.nc"
    code = main(["fit", str(data), "--out", str(out), "--draws", "400", "--tune", "100",
                 "--chains", "2", "--target-accept", "0.8", "--no-progress", "--auto-remedy",
                 "--strict"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "auto-remedy attempt 0 [    ]: target_accept 0.8, tune 100" in err
    assert "auto-remedy attempt 1 [kept]: target_accept 0.99, tune 200" in err
    assert "auto-remedy: problems resolved" in err
    saved = load_fit(out)
    assert json.loads(saved.attrs["remedy_log"])["kept"] == 1


# --------------------------------------------------------------- a real failing NUTS run

def test_real_divergences_reach_the_result_and_the_cli(tmp_path, capsys):
    """Wide hierarchy scales on 2 short curves and a badly tuned NUTS (target_accept 0.6,
    100 tuning steps) diverge for real (33 divergences with this seed)."""
    data = tmp_path / "data.csv"
    data.write_text("domain,curve,data,error\n" + "".join(
        f"{d},{c},{m},{e}\n" for d, c, errs in (("a", "x", (0.5, 0.31, 0.2, 0.16)),
                                                 ("b", "y", (0.6, 0.4, 0.33, 0.30)))
        for m, e in zip((10, 100, 1000, 10000), errs, strict=True)))
    priors = tmp_path / "priors.yaml"
    priors.write_text("priors:\n"
                      "  log_beta_domain_sigma: {dist: HalfNormal, kwargs: {sigma: 3.0}}\n"
                      "  log_beta_curve_sigma: {dist: HalfNormal, kwargs: {sigma: 3.0}}\n"
                      "  noise_sigma: {dist: HalfNormal, kwargs: {sigma: 0.5}}\n")
    out = tmp_path / "fit.nc"
    code = main(["fit", str(data), "--out", str(out), "--priors", str(priors), "--draws", "100",
                 "--tune", "100", "--chains", "2", "--seed", "1", "--target-accept", "0.6",
                 "--no-progress", "--strict"])
    err = capsys.readouterr().err
    assert code == EXIT_DIAGNOSTICS, err
    assert "WARNING: sampler diagnostics PROBLEMS" in err
    assert "divergent transitions" in err and "R-hat" in err
    report = fit_report(load_fit(out))  # saved anyway, with its verdict in the attrs
    assert report.divergences > 0 and not report.ok
    assert {"divergences", "rhat", "ess"} == report.failed_checks


@pytest.mark.slow
def test_real_auto_remedy_removes_real_divergences():
    """The same badly tuned run, remedied for real: 0.99 / 0.995 and more tuning end the
    divergences (measured: 33 -> 0 -> 0; R-hat 1.39 -> 1.03 -> 1.009)."""
    import pandas as pd

    frame = pd.DataFrame({"domain": ["a"] * 4 + ["b"] * 4, "curve": ["x"] * 4 + ["y"] * 4,
                          "data": [10, 100, 1000, 10000] * 2,
                          "error": [0.5, 0.31, 0.2, 0.16, 0.6, 0.4, 0.33, 0.30]})
    priors = {"log_beta_domain_sigma": {"dist": "HalfNormal", "kwargs": {"sigma": 3.0}},
              "log_beta_curve_sigma": {"dist": "HalfNormal", "kwargs": {"sigma": 3.0}},
              "noise_sigma": {"dist": "HalfNormal", "kwargs": {"sigma": 0.5}}}
    model = HierarchicalLearningCurve(frame, priors=priors)
    with pytest.warns(FitDiagnosticsWarning):  # ESS stays low at these tiny draw counts
        fit = model.fit(SamplerConfig(draws=100, tune=100, chains=2, seed=1,
                                      target_accept=0.6, auto_remedy=True))
    log = json.loads(fit.attrs["remedy_log"])
    first, kept = log["attempts"][0], log["attempts"][log["kept"]]
    assert first["diagnostics"]["divergences"] > 0
    assert kept["diagnostics"]["divergences"] == 0
    assert kept["settings"]["target_accept"] >= 0.99
