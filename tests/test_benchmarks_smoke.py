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
from benchmarks.m_agreement import REFERENCE, get_error
from benchmarks.point_fits import FITTERS, fit_m1, fit_m2, fit_m3, fit_m4, m4_predict

SIZES = np.geomspace(1e3, 1e6, 10)
FAR = np.geomspace(1e7, 1e8, 3)
M4_TRUTH = {"beta": 2.0, "c": -0.3, "alpha": 0.7, "err_inf": 0.3, "err_0": 1.0}


@pytest.mark.parametrize(
    ("fitter", "truth", "curve", "atol"),
    [
        (fit_m1, {"beta": 3.0, "c": -0.25}, lambda x: 3.0 * x**-0.25, 0.0),
        (fit_m2, {"beta": 5.0, "c": -0.4, "err_inf": 0.3}, lambda x: 0.3 + 5.0 * x**-0.4, 0.0),
        (fit_m3, {"beta": 2.0, "c": 0.3, "gamma": 1e-5},
         lambda x: 2.0 * (1 / x + 1e-5) ** 0.3, 0.0),
        # eps_0 = 1.0, the authors' starting value: their design matrix keeps
        # log(eps_0_start - eps) (see test_m4_regresses_alpha_on_the_starting_err_0). The
        # prediction is the point of a 10,000-point grid on [0, eps_0 - eps_inf]: within one
        # grid step (0.7 / 9999 = 7e-5) of the exact root.
        (fit_m4, M4_TRUTH, lambda x: m4_predict(x, **M4_TRUTH, prec=None), 1e-4),
    ],
)
def test_estimators_recover_a_known_curve(fitter, truth, curve, atol):
    fit = fitter(SIZES, curve(SIZES))
    for name, value in truth.items():
        assert fit.params[name] == pytest.approx(value, rel=1e-3, abs=1e-6), name
    np.testing.assert_allclose(fit.predict(FAR), curve(FAR), rtol=1e-4, atol=atol)


# NMT curve "6 Enc, 6 Dec" of the authors' benchmark.lang.csv (Training == 1, then the held-out
# point), and what the authors' code (methods/m1.py ... m4.py, the notebook's settings: M4
# with err_0=1.0, no upper bound) fits and scores on it. The previous re-implementation (same
# objective, scipy least squares from several starts) stopped at eps_inf = 0 for M2 and
# alpha = 0 for M4 and scored 0.262 for both; the authors' procedure gives 0.038 and 0.021.
NMT_FIT = np.array([
    [5e5, 0.9311752923076924], [1e6, 0.7439282076923077], [2e6, 0.6362391538461539],
    [4e6, 0.5567884999999999], [8e6, 0.4820073461538462], [1.6e7, 0.40960946153846156],
    [3.2e7, 0.3737405153846154], [6.4e7, 0.3531731307692308], [1.28e8, 0.34907098076923077],
    [2.56e8, 0.3402780576923077]])
NMT_HOLDOUT = np.array([[5.12e8, 0.3401562576923077]])
AUTHORS_NMT = {
    "M1": {"beta": 6.899326849653472, "c": -0.16314303026169702},
    "M2": {"beta": 475.8930721584028, "c": -0.5046308269035167, "err_inf": 0.3081595409699576},
    "M3": {"beta": 13.73199873430447, "c": 0.21053437928303484,
           "gamma": 1.3443752753249208e-08},
    "M4": {"beta": 3783.279248129208, "c": -0.6385903666581415,
           "alpha": 0.13578298201754158, "err_inf": 0.32343875841237496,
           "err_0": 0.9999310301660786},
}


@pytest.mark.parametrize("estimator", ["M1", "M2", "M3", "M4"])
def test_estimators_match_the_authors_code_on_a_real_curve(estimator):
    fit = FITTERS[estimator](NMT_FIT[:, 0], NMT_FIT[:, 1])
    for name, value in AUTHORS_NMT[estimator].items():
        assert fit.params[name] == pytest.approx(value, rel=1e-6), name
    rmse, _ = get_error(fit.predict(NMT_HOLDOUT[:, 0]), NMT_HOLDOUT[:, 1])
    expected = REFERENCE[("NMT", "log_perplexity/6 Enc, 6 Dec", estimator)]
    assert rmse == pytest.approx(expected, rel=1e-6)


def test_m4_regression_is_non_negative():
    """The authors regress (log beta, -c, alpha) with non-negative least squares, so
    beta >= 1: on an M2 curve with beta = 0.5 (exactly M4 with alpha = 0) M4 cannot return
    it, whereas a least-squares fit of M4's objective does."""
    fit = fit_m4(SIZES, 0.3 + 0.5 * SIZES**-0.2)
    assert fit.params["beta"] >= 1.0
    assert fit.params["c"] <= 0.0 and fit.params["alpha"] >= 0.0


@pytest.mark.slow  # two full M4 fits, about 15 s
def test_m4_regresses_alpha_on_the_starting_err_0():
    """The design column is log(eps_0_start - eps), fixed when the fit starts: from
    err_0 = 1.2 (the truth) the curve is recovered, from the default 1.0 it is not."""
    truth = {**M4_TRUTH, "err_0": 1.2}
    y = m4_predict(SIZES, **truth, prec=None)
    assert fit_m4(SIZES, y, err_0=1.2).params["alpha"] == pytest.approx(0.7, rel=1e-3)
    assert abs(fit_m4(SIZES, y).params["alpha"] - 0.7) > 0.1


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


def test_prior_sets_benchmark_fits_the_smallest_sizes_and_holds_out_the_rest():
    from bayes_scaling.prior_sets import load_prior_set
    from benchmarks.prior_sets import FIT_SIZES, TABLE_PRIOR_SETS, load_table

    for prior_set in TABLE_PRIOR_SETS.values():  # every set named there exists
        assert "hierarchical_learning_curve" in load_prior_set(prior_set).models
    table = load_table("mlp-learning-curves")
    for _, curve in table.groupby(["domain", "curve"]):
        fitted = np.sort(curve.loc[curve["split"] == "fit", "data"].unique())
        held = curve.loc[curve["split"] == "holdout", "data"]
        assert len(fitted) == FIT_SIZES and (held > fitted[-1]).all() and len(held)
    with pytest.raises(KeyError, match=r"unknown table 'nope'"):
        load_table("nope")


def test_design_benchmark_measures_growth_from_the_refit_s_current_size():
    """After a run at 16x the largest size, growth is counted from the new largest size:
    a true size of 300,000 is growth 30 before (largest 10,000) and 1.875 after (160,000).
    Counting it from the first fit's size (30) put the truth outside every far refit."""
    from benchmarks.design import CURVE, interval_of

    def table(current):
        return pd.DataFrame([{"level": "curve", "curve": CURVE, "lower": 1.0, "upper": 5.0,
                              "current_size": current, "p_reachable": 1.0},
                             {"level": "curve", "curve": "domain0/arch1", "lower": 50.0,
                              "upper": 90.0, "current_size": 10_000.0, "p_reachable": 1.0}])

    after = interval_of(table(160_000.0), 300_000.0)
    assert after["true_growth"] == pytest.approx(1.875) and after["truth_inside"]
    before = interval_of(table(10_000.0), 300_000.0)
    assert before["true_growth"] == pytest.approx(30.0) and not before["truth_inside"]
    assert after["width"] == pytest.approx(np.log10(5.0))


def test_design_summary_recounts_runs_written_with_the_first_fit_s_truth():
    from benchmarks.design import recount_truth

    runs = pd.DataFrame({"curve": ["arch0", "arch1", "arch0"],
                         "data": [160_000.0, 160_000.0, 20_000.0],
                         "true_growth": [30.0, 30.0, 30.0],
                         "lower_after": [1.0, 20.0, 10.0], "upper_after": [5.0, 40.0, 20.0],
                         "truth_inside_after": [False, True, False]})
    fixed = recount_truth(runs)
    # arch0 at 16x: growth 1.875 from 160,000; arch1: arch0's size unchanged; arch0 at 2x: 15
    assert fixed["true_growth_after"].tolist() == pytest.approx([1.875, 30.0, 15.0])
    assert fixed["truth_inside_after"].tolist() == [True, True, True]
    assert recount_truth(fixed) is fixed  # runs written by the fixed benchmark are kept


@pytest.fixture
def joint_options(monkeypatch):
    """The options each ``calibration.joint_predictor`` call is given, in order."""
    from benchmarks import calibration

    options = []
    real = calibration.joint_predictor

    def recording(**kwargs):
        options.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(calibration, "joint_predictor", recording)
    return options


def test_joint_prior_sets_benchmark_scores_both_priors_on_the_joint_tables(joint_options):
    from benchmarks import calibration, joint_prior_sets

    options = joint_options
    predictors = joint_prior_sets.predictors(draws=10)
    assert list(predictors) == ["bayes: joint law", "bayes: joint law, language-model set"]
    assert options == [{"draws": 10}, {"draws": 10, "prior_set": "language-model"}]
    assert all(calibration.predictor_sizes(p) == calibration.JOINT_SIZES
               for p in predictors.values())
    assert all(calibration.table_sizes(t) == calibration.JOINT_SIZES
               for t in joint_prior_sets.TABLES)


def test_joint_variants_pass_their_options_to_the_joint_law(joint_options):
    from benchmarks import joint_variants

    options = joint_options
    names = ["bayes: joint law, size effect, Normal", "bayes: joint law"]
    predictors = joint_variants.predictors(names, draws=10)
    assert list(predictors) == names  # in the order asked for
    assert options == [{"draws": 10, "size_effect": True, "robust": False}, {"draws": 10}]
    with pytest.raises(KeyError, match="unknown variants \\['bayes: joint law, bigger'\\]"):
        joint_variants.predictors(["bayes: joint law, bigger"])
    # every variant's options are accepted by the model
    from bayes_scaling.models import JointScalingLaw
    from bayes_scaling.simulate import simulate_checkpoint_runs

    frame = simulate_checkpoint_runs(seed=0, n_families=1).frame
    for variant in joint_variants.VARIANTS.values():
        JointScalingLaw(frame, **variant).build_model()


def test_peak_memory_sees_an_allocation_of_a_worker_process(tmp_path):
    import subprocess

    from benchmarks._common import peak_memory

    memory = {}
    with peak_memory(memory, interval=0.05):
        # a child process holding 300 MiB for a second (as a local worker would)
        subprocess.run([sys.executable, "-c",
                        "import time; b = bytearray(300 * 2**20); time.sleep(1.0)"],
                       check=True)
    assert memory["peak_process_mib"] >= 300
    assert memory["peak_total_mib"] >= memory["peak_process_mib"] + 50  # this process too


def test_joint_expansion_fits_the_smaller_models_and_holds_out_the_largest_final_loss():
    from benchmarks import joint_expansion

    for log_spaced, checkpoints in ((False, 26), (True, 16)):
        fit_rows, final = joint_expansion.family(0, log_spaced=log_spaced)
        largest = final["params"].iloc[0]
        assert len(final) == 1 and largest > fit_rows["params"].max()
        assert final["data"].iloc[0] == fit_rows["data"].max()  # trained as long as the rest
        assert fit_rows["data"].min() == joint_expansion.FIRST_TOKENS  # one step in
        assert fit_rows["params"].nunique() == 6
        assert len(fit_rows) == 6 * checkpoints


def test_domain_geometry_benchmark_compares_both_settings_where_the_rule_centres(
        monkeypatch, tmp_path):
    from bayes_scaling.models import HierarchicalLearningCurve
    from bayes_scaling.simulate import simulate_learning_curves
    from benchmarks import domain_geometry

    assert domain_geometry.learning_curve_tables() == [
        "revisiting2022-lang", "mlp-learning-curves", "dense-learning-curves",
        "simulated-misspecified", "simulated-in-family"]
    apart = simulate_learning_curves(n_domains=3, curves_per_domain=4, n_seeds=2, noise=0.02,
                                     domain_spread=1.0, curve_spread=0.05, seed=1).frame
    shared = simulate_learning_curves(n_domains=1, curves_per_domain=3, seed=2).frame
    tables = {"apart": apart.assign(split="fit"), "shared": shared.assign(split="fit")}
    monkeypatch.setattr(domain_geometry, "TABLES", {k: (lambda v=v: v) for k, v in tables.items()})
    monkeypatch.setattr(domain_geometry, "learning_curve_tables", lambda: list(tables))
    # which fits are made (sampling stubbed here; one real fit below)
    calls = []
    monkeypatch.setattr(domain_geometry, "measure",
                        lambda name, rows, setting, seed, target_accept: calls.append(
                            (name, setting, seed, len(rows), target_accept))
                        or {"table": name, "setting": setting})
    assert domain_geometry.main(["--out", str(tmp_path), "--seeds", "1", "2"]) == 0
    assert calls == [("apart", "auto (default)", 1, len(apart), None),
                     ("apart", "non-centred", 1, len(apart), None),
                     ("apart", "auto (default)", 2, len(apart), None),
                     ("apart", "non-centred", 2, len(apart), None),
                     ("shared", "auto (default)", 1, len(shared), None),
                     ("shared", "auto (default)", 2, len(shared), None)]
    assert len(pd.read_csv(tmp_path / "domain_geometry.csv")) == 6
    # the default geometry only, with another target acceptance
    calls.clear()
    assert domain_geometry.main(["--out", str(tmp_path), "--settings", "auto (default)",
                                 "--target-accept", "0.9"]) == 0
    assert calls == [("apart", "auto (default)", 2026, len(apart), 0.9),
                     ("shared", "auto (default)", 2026, len(shared), 0.9)]
    monkeypatch.undo()
    # one real, short fit: the row records the geometry and the sampler's work
    short_fit = HierarchicalLearningCurve.fit
    monkeypatch.setattr(HierarchicalLearningCurve, "fit",
                        lambda self, **kw: short_fit(self, draws=20, tune=20, chains=2, **kw))
    row = domain_geometry.measure("apart", apart, "auto (default)", 3)
    assert row["centred_domains"] == "domain0,domain1,domain2"
    assert row["target_accept"] == HierarchicalLearningCurve.default_target_accept
    assert domain_geometry.measure("apart", apart, "auto (default)", 3, 0.8)[
        "target_accept"] == 0.8
    assert row["domains"] == 3 and row["curves"] == 12
    assert row["steps_per_draw"] > 0 and row["wall_s"] > 0
    assert set(row) >= {"ok", "divergences", "max_rhat", "min_ess_bulk", "min_ess_tail"}


def test_default_fits_benchmark_fits_the_report_kinds_model_with_every_default(monkeypatch):
    """The model is the one `bayes-scaling report` picks for the table (joint law for a loss
    table over params and data, learning curve otherwise), called as Model(data).fit(seed)
    with nothing else; the row carries the fit's own verdict and remedy count."""
    import json

    import xarray as xr

    from bayes_scaling.data import ScalingData
    from bayes_scaling.diagnostics import DiagnosticsReport, remedy_log
    from bayes_scaling.simulate import simulate_checkpoint_runs, simulate_learning_curves
    from benchmarks import default_fits

    lc_frame = simulate_learning_curves(seed=0).frame
    lc_frame["split"] = np.where(lc_frame["data"] == lc_frame["data"].max(), "holdout", "fit")
    tables = {"lc": ScalingData.from_frame(lc_frame),
              "joint": ScalingData.from_frame(
                  simulate_checkpoint_runs(seed=0, n_families=1).frame, size="params")}
    calls = []

    def fake_fit(self, **kwargs):
        calls.append((type(self).__name__, kwargs))
        tree = xr.DataTree()
        # as models.base writes it: the first fit and one remedy, the remedy kept
        tree.attrs["remedy_log"] = json.dumps(remedy_log([({}, verdict), ({}, verdict)], 1))
        return tree

    verdict = DiagnosticsReport(divergences=3, max_rhat=1.02, min_ess_bulk=150.0,
                                min_ess_tail=200.0, n_chains=4, n_draws=4000,
                                problems=["3 divergences"])
    monkeypatch.setattr(default_fits, "load_dataset", lambda name, mirror: tables[name])
    monkeypatch.setattr(default_fits, "fit_report", lambda fit: verdict)
    from bayes_scaling.models import HierarchicalLearningCurve, JointScalingLaw

    monkeypatch.setattr(HierarchicalLearningCurve, "fit", fake_fit)
    monkeypatch.setattr(JointScalingLaw, "fit", fake_fit)
    table = default_fits.run(["lc", "joint"], [7], log=lambda _: None)
    assert list(table.columns) == default_fits.COLUMNS
    assert calls == [("HierarchicalLearningCurve", {"seed": 7}),
                     ("JointScalingLaw", {"seed": 7})]
    assert list(table["model"]) == ["HierarchicalLearningCurve", "JointScalingLaw"]
    assert (table["remedy_attempts"] == 1).all() and (table["divergences"] == 3).all()
    assert not table["ok"].any()
    lc_curves = tables["lc"].frame[["domain", "curve"]].drop_duplicates()
    assert table.loc[0, "curves"] == len(lc_curves)
    # the held-out rows (the largest size) are not counted: the model never fits them
    n_fit = int((lc_frame["split"] == "fit").sum())
    assert 0 < n_fit < len(lc_frame) and table.loc[0, "fitted_rows"] == n_fit


def test_smooth_quadratic_experiment_removes_a_centred_quadratic():
    """The experiment's design extends the package's line (same first two regressors) by
    a quadratic orthogonal to both over the fitted range."""
    from bayes_scaling.models import discrepancy
    from benchmarks.smooth_quadratic import quadratic_design

    grid = (np.arange(400) + 0.5) / 400
    design = quadratic_design(grid)
    assert design.shape == (3, 400)
    assert np.allclose(design[:2], discrepancy._line_design(grid))
    gram = design @ design.T / 400
    assert np.allclose(gram[2, :2], 0.0, atol=1e-5)


def test_evidence_bridge_benchmark_scores_both_estimates_per_block():
    from bayes_scaling.models import SMCConfig
    from benchmarks import evidence_bridge

    frame = pd.DataFrame({"domain": "d", "curve": "a", "data": [100.0, 1e3, 1e4, 1e5],
                          "error": [0.40, 0.22, 0.14, 0.08]})
    blocks, summary = evidence_bridge.compare_form(
        frame, "power_law", jobs=1, nuts={"draws": 300, "tune": 300, "chains": 2},
        smc=SMCConfig(draws=300, chains=2), importance_draws=2000)
    assert blocks["block"].tolist() == ["d/a"]
    row = blocks.iloc[0]
    assert row["difference"] == pytest.approx(row["log_evidence_bridge"]
                                              - row["log_evidence_smc"])
    assert row["agree"] == (abs(row["difference_in_se"]) <= evidence_bridge.AGREEMENT_SE)
    assert summary["blocks"] == 1 and summary["nuts_s"] > 0 and summary["smc_s"] > 0
    assert summary["log_evidence_bridge"] == pytest.approx(row["log_evidence_bridge"])
    assert row["bridge_minus_is"] == pytest.approx(row["log_evidence_bridge"]
                                                   - row["log_evidence_is"])
    alone, summary = evidence_bridge.compare_form(
        frame, "power_law", jobs=1, nuts={"draws": 300, "tune": 300, "chains": 2},
        importance_draws=2000, skip_smc=True)
    assert alone["log_evidence_smc"].isna().all() and np.isnan(summary["smc_s"])
    assert alone.loc[0, "log_evidence_bridge"] == pytest.approx(row["log_evidence_bridge"])


def test_large_table_has_the_hidden_tables_shape_and_centres_only_the_discrepancy(monkeypatch):
    from benchmarks import large_table

    frame = large_table.large_table()
    assert frame.groupby(["domain", "curve"]).size().tolist() == [55] * 72
    seen = []
    monkeypatch.setattr(large_table, "_NESTED_EFFECTS", lambda **kw: seen.append(kw))
    large_table._centred_discrepancy(z_names=("z_domain", "z_curve"), centered=False)
    large_table._centred_discrepancy(z_names=("z_discrepancy_domain", "z_discrepancy_curve"),
                                     centered=False, domain_centered=False)
    assert seen[0]["centered"] is False
    assert seen[1]["centered"] is True and seen[1]["domain_centered"] is True


def test_compare_timing_records_each_forms_estimator_and_the_wall_time():
    from bayes_scaling.models import SMCConfig
    from benchmarks import compare_timing

    frame = pd.DataFrame({"domain": "d", "curve": np.repeat(["a", "b"], 4),
                          "data": [100.0, 1e3, 1e4, 1e5] * 2,
                          "error": [0.40, 0.22, 0.14, 0.08, 0.90, 0.50, 0.35, 0.30]})
    table = compare_timing.time_comparison(frame, ["power_law", "exponential"],
                                           evidence="smc", jobs=1,
                                           smc=SMCConfig(draws=200, chains=2, seed=1))
    assert table["form"].tolist() == ["power_law", "exponential"]
    assert (table["evidence_method"] == "smc").all() and (table["smc_blocks"] == "").all()
    assert sorted(table["rank"]) == [0, 1]
    assert (table["wall_s"] > 0).all() and table["wall_s"].nunique() == 1
    assert (table["peak_total_mib"] >= table["peak_process_mib"]).all()
    simulated = compare_timing.simulated_table(12)
    assert simulated.groupby(["domain", "curve"]).ngroups == 12


def test_joint_probe_ranks_the_worst_mixing_variable_first_and_scores_coverage(monkeypatch):
    import xarray as xr

    from benchmarks import joint_probe

    rng = np.random.default_rng(0)
    mixed = rng.standard_normal((4, 200))
    stuck = mixed + np.array([0.0, 0.0, 0.0, 3.0])[:, None]  # one chain elsewhere
    posterior = xr.Dataset({"good": (("chain", "draw"), mixed),
                            "bad": (("chain", "draw"), stuck)})
    table = joint_probe.parameter_table(xr.DataTree.from_dict({"posterior": posterior}))
    assert table["variable"].tolist() == ["bad", "good"]
    assert table["max_rhat"].iloc[0] > 1.2 and table["max_rhat"].iloc[1] < 1.02

    held = pd.DataFrame({"domain": "d", "curve": "c", "params": [1e9, 2e9],
                         "data": [1e11, 1e11], "loss": [2.0, 3.0], "split": "holdout"})

    def fake_predict(fit, rows, probs, seed):
        assert "loss" not in rows and "split" not in rows
        out = pd.DataFrame({"loss_median": [2.0, 2.0]})
        for p in probs:  # the first row's intervals hold its truth, the second's never
            out[f"loss_lower_{p:g}"], out[f"loss_upper_{p:g}"] = [1.5, 1.5], [2.5, 2.5]
        return out

    monkeypatch.setattr(joint_probe, "predict", fake_predict)
    scores = joint_probe.held_out_scores(None, held, seed=0)
    assert scores["rmse_log"] == pytest.approx(np.sqrt(0.5 * np.log(2.0 / 3.0) ** 2))
    assert all(scores[f"coverage_{p:g}"] == 0.5 for p in joint_probe.LEVELS)
    assert scores["miscalibration"] == pytest.approx(np.mean([0.0, 0.3, 0.4, 0.45]))
