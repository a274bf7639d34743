"""The joint law's default expands to the discrepancy when the plain law's fit fails.

With ``discrepancy=None`` (the default) a full-length fit whose diagnostics still fail
after the automatic remedy is refitted with the discrepancy term and the Normal
likelihood, and the better of the two fits is kept (:meth:`JointScalingLaw.fit`). The
decision logic is checked here with the sampling replaced by stand-in fits whose
diagnostics are set by the model they come from; the slow test fits a simulated family
measured through early checkpoints, where the plain law's posterior has two modes.
"""

from __future__ import annotations

import json
import warnings

import pytest
import xarray as xr

from bayes_scaling.diagnostics import DiagnosticsReport, fit_report
from bayes_scaling.errors import FitDiagnosticsWarning, ModelConfigError
from bayes_scaling.models import JointScalingLaw, SamplerConfig
from bayes_scaling.models.base import ScalingModel
from bayes_scaling.simulate import pythia_checkpoint_tokens, simulate_checkpoint_runs

PASS = DiagnosticsReport(divergences=0, max_rhat=1.004, min_ess_bulk=900.0,
                         min_ess_tail=800.0, n_chains=4, n_draws=4000)
FAIL = DiagnosticsReport(divergences=0, max_rhat=1.27, min_ess_bulk=11.0, min_ess_tail=8.0,
                         n_chains=4, n_draws=4000, problems=["max R-hat 1.270 > 1.01"])
#: A family whose plain fit fails after the remedy (benchmarks.joint_expansion, seeds 1, 3, 5).
SLOW_SEED = 1
WORSE = DiagnosticsReport(divergences=3, max_rhat=1.5, min_ess_bulk=5.0, min_ess_tail=5.0,
                          n_chains=4, n_draws=4000, problems=["max R-hat 1.500 > 1.01"])


@pytest.fixture
def table():
    return simulate_checkpoint_runs(seed=0, n_families=1).frame


@pytest.fixture
def stand_in(monkeypatch):
    """Replace sampling: each fit is a tree whose diagnostics are ``verdicts[discrepancy]``;
    the models fitted and their sampler settings are recorded in ``calls``."""
    calls: list[dict] = []
    verdicts = {False: FAIL, True: PASS}

    def fake_fit(self, sampler=None, **overrides):
        cfg = sampler or SamplerConfig(**overrides)
        calls.append({"discrepancy": self.discrepancy, "robust": self.robust,
                      "knots": self.discrepancy_knots, "priors": self.priors,
                      "draws": cfg.draws, "seed": cfg.seed})
        report = verdicts[self.discrepancy]
        if not report.ok:
            warnings.warn("Sampler diagnostics failed: " + " ".join(report.problems),
                          FitDiagnosticsWarning, stacklevel=2)
        return xr.DataTree(dataset=xr.Dataset(attrs={
            "diagnostics": json.dumps(report.to_dict()),
            "model_config": json.dumps(self.config())}))

    monkeypatch.setattr(ScalingModel, "fit", fake_fit)
    return calls, verdicts


def test_a_failing_plain_fit_is_refitted_with_the_discrepancy(table, stand_in):
    calls, _ = stand_in
    priors = {"sigma": {"dist": "HalfNormal", "kwargs": {"sigma": 0.1}}}
    with warnings.catch_warnings():
        warnings.simplefilter("error", FitDiagnosticsWarning)  # the kept fit passes: silent
        fit = JointScalingLaw(table, priors=priors, discrepancy_knots=5).fit(seed=3)
    assert [c["discrepancy"] for c in calls] == [False, True]
    plain, expanded = calls
    assert plain["robust"] is True and expanded["robust"] is False  # Normal: knots integrated
    assert expanded["knots"] == 5 and expanded["seed"] == plain["seed"] == 3
    assert expanded["draws"] == plain["draws"] == 1000
    assert expanded["priors"]["sigma"] == plain["priors"]["sigma"]
    assert json.loads(fit.attrs["model_config"])["discrepancy"] is True
    record = json.loads(fit.attrs["model_expansion"])
    assert record["expanded"] is True
    assert record["plain"]["max_rhat"] == FAIL.max_rhat
    assert record["discrepancy"]["max_rhat"] == PASS.max_rhat
    assert fit_report(fit).ok


def test_a_passing_plain_fit_is_kept_as_it_is(table, stand_in):
    calls, verdicts = stand_in
    verdicts[False] = PASS
    fit = JointScalingLaw(table).fit()
    assert [c["discrepancy"] for c in calls] == [False]
    assert "model_expansion" not in fit.attrs


def test_no_expansion_when_asked_for_the_plain_law_or_on_short_runs(table, stand_in):
    calls, _ = stand_in
    with pytest.warns(FitDiagnosticsWarning):
        JointScalingLaw(table, discrepancy=False).fit()
    with pytest.warns(FitDiagnosticsWarning):  # no automatic remedy, no expansion
        JointScalingLaw(table).fit(draws=200, tune=200)
    assert [c["discrepancy"] for c in calls] == [False, False]


def test_the_plain_fit_is_kept_when_the_expansion_does_worse(table, stand_in):
    calls, verdicts = stand_in
    verdicts[True] = WORSE
    with pytest.warns(FitDiagnosticsWarning, match="R-hat 1.270"):  # the kept fit's warning
        fit = JointScalingLaw(table).fit()
    assert len(calls) == 2
    assert json.loads(fit.attrs["model_config"])["discrepancy"] is False
    assert json.loads(fit.attrs["model_expansion"])["expanded"] is False


def test_a_given_likelihood_is_kept_by_the_expansion(table, stand_in):
    calls, _ = stand_in
    JointScalingLaw(table, robust=True).fit()
    assert [(c["discrepancy"], c["robust"]) for c in calls] == [(False, True), (True, True)]


def test_bad_settings_are_refused(table):
    with pytest.raises(ModelConfigError, match="discrepancy must be True, False or None"):
        JointScalingLaw(table, discrepancy="auto")
    with pytest.raises(ModelConfigError, match="robust must be True, False or None"):
        JointScalingLaw(table, robust=1)


@pytest.mark.slow
def test_early_checkpoints_fit_by_default_pass_through_the_expansion():
    """One family measured at Pythia's checkpoint steps, whose plain-law posterior has
    two modes (the early checkpoints as outliers, ``nu`` < 1, or as broad noise): the
    default's fit passes its diagnostics and holds the largest model's final loss."""
    from bayes_scaling.prediction import predict

    frame = simulate_checkpoint_runs(seed=SLOW_SEED, n_families=1,
                                     checkpoint_tokens=pythia_checkpoint_tokens()).frame
    largest = frame["params"].max()
    fit = JointScalingLaw(frame[frame["params"] < largest]).fit(seed=1)
    record = json.loads(fit.attrs["model_expansion"])  # the plain law failed first
    assert record["expanded"] and record["plain"]["problems"]
    assert fit_report(fit).ok, fit_report(fit).verdict
    final = frame[(frame["params"] == largest) & (frame["data"] == frame["data"].max())]
    out = predict(fit, final.drop(columns=["loss"]), probs=[0.9])
    assert (out["loss_lower_0.9"] <= final["loss"].to_numpy()).all()
    assert (final["loss"].to_numpy() <= out["loss_upper_0.9"]).all()


def test_the_command_line_says_when_a_fit_was_expanded(capsys):
    from bayes_scaling.cli import _report_expansion

    record = {"expanded": True, "reason": "...", "plain": FAIL.to_dict(),
              "discrepancy": PASS.to_dict()}
    _report_expansion(xr.DataTree(dataset=xr.Dataset(attrs={
        "model_expansion": json.dumps(record)})))
    said = capsys.readouterr().err
    assert "the plain law failed its diagnostics (max R-hat 1.270)" in said
    assert "max R-hat 1.004" in said and "kept the fit with the discrepancy" in said
    _report_expansion(xr.DataTree())  # a fit that was not expanded: nothing said
    assert capsys.readouterr().err == ""


def test_the_report_says_first_when_a_fit_was_expanded():
    from bayes_scaling.report.analyses import expansion_caveat

    record = {"expanded": True, "reason": "...", "plain": FAIL.to_dict(),
              "discrepancy": PASS.to_dict()}
    caveat = expansion_caveat(xr.DataTree(dataset=xr.Dataset(attrs={
        "model_expansion": json.dumps(record)})))
    assert caveat.startswith("The plain joint law's fit failed its diagnostics (max R-hat 1.270")
    assert "(max R-hat 1.004)" in caveat
    record["expanded"] = False  # tried, but the plain fit was kept: its own problems show
    assert expansion_caveat(xr.DataTree(dataset=xr.Dataset(attrs={
        "model_expansion": json.dumps(record)}))) is None
    assert expansion_caveat(xr.DataTree()) is None
