"""Model comparison: evidence (SMC) with Monte Carlo error, PSIS-LOO, leave-future-out,
averaging over forms and named hypotheses. Small real SMC fits with fixed seeds."""

from __future__ import annotations

import functools
import json
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from _evidence import prior_importance_log_z
from scipy import stats
from scipy.special import logsumexp

from bayes_scaling.cli import main
from bayes_scaling.comparison import (
    AVERAGE,
    allocate_draws,
    average_projection,
    block_evidence,
    compare_evidence,
    compare_forms,
    evidence_strength,
    mix_draws,
    model_weights,
    parse_form,
    score_holdout,
    split_future,
)
from bayes_scaling.comparison.hypotheses import HYPOTHESES, _row, test_hypothesis
from bayes_scaling.errors import ComparisonWarning, ModelConfigError
from bayes_scaling.io import load_fit, save_fit
from bayes_scaling.models import CurveFormModel, SMCConfig
from bayes_scaling.models.form import BLOCK, form_curve_mean, form_predictive
from bayes_scaling.projection import project_form_growth, summarize_projection
from bayes_scaling.simulate import simulate_form_curves

SMC = SMCConfig(draws=300, chains=3, seed=4)


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


@functools.cache
def power_law_table() -> pd.DataFrame:
    """Two curves drawn from a pure power law (no floor, no bend)."""
    sim = simulate_form_curves("power_law", {"alpha": [0.2, 0.15], "beta": [0.35, 0.3]},
                               n_seeds=2, noise=0.04, seed=3)
    return sim.frame


@functools.cache
def comparison():
    """Both forms fitted once: the 2 largest sizes of each curve are held out by the table's
    split column, so evidence, LOO and LFO share the same SMC fits."""
    table, _ = split_future(power_law_table(), n_largest=2)
    return _quiet(compare_forms, table.frame, ["power_law", "exponential"], smc=SMC)


# ---------------------------------------------------------------- forms and parsing
def test_parse_form_round_trips_and_rejects():
    spec = parse_form("power_law_irreducible+shared(beta)+robust")
    assert spec.shared == ("beta",) and spec.robust
    assert parse_form(spec.name) == spec
    for bad in ("nope", "power_law+shared(gamma)", "power_law+fast", "Power_Law", ""):
        with pytest.raises(ModelConfigError, match="form"):
            parse_form(bad)


def test_compare_forms_rejects_bad_requests():
    with pytest.raises(ModelConfigError, match="2 distinct"):
        compare_forms(power_law_table(), ["power_law", "power_law"])
    with pytest.raises(ModelConfigError, match="methods"):
        compare_forms(power_law_table(), ["power_law", "exponential"], methods=["aic"])
    with pytest.raises(ModelConfigError, match="weighting"):
        compare_forms(power_law_table(), ["power_law", "exponential"], weighting="equal")


def test_form_model_blocks_and_graph():
    model = CurveFormModel(power_law_table(), "power_law_irreducible", shared=["beta"])
    assert model.blocks() == ["sim"]
    pm_model = model.build_model()
    assert {"beta_domain", "alpha", "gamma", "noise_sigma"} <= set(pm_model.named_vars)
    assert CurveFormModel(power_law_table(), "power_law").blocks() == ["sim/c0", "sim/c1"]
    with pytest.raises(ModelConfigError, match="not parameters"):
        CurveFormModel(power_law_table(), "power_law", shared=["gamma"])
    with pytest.raises(ModelConfigError, match="unknown curve family"):
        CurveFormModel(power_law_table(), "quadratic")


# ---------------------------------------------------------------- evidence
def test_smc_evidence_matches_prior_importance_sampling():
    """One curve, 4 points, pure power law: the evidence by brute force (400k prior draws)
    and by SMC agree within their Monte Carlo errors."""
    frame = pd.DataFrame({"domain": "d", "curve": "c", "data": [100.0, 1e3, 1e4, 1e5],
                          "error": [0.40, 0.22, 0.14, 0.08]})
    model = CurveFormModel(frame, "power_law")
    fit = _quiet(model.fit_smc, draws=1000, chains=4, seed=1)
    smc_log_z, smc_se = block_evidence(fit).iloc[0][["log_evidence", "log_evidence_se"]]

    is_log_z, is_se = prior_importance_log_z(model, frame)
    assert abs(smc_log_z - is_log_z) < 3 * np.hypot(smc_se, is_se) + 0.15, (
        smc_log_z, smc_se, is_log_z, is_se)


def _fake_fit(log_z: np.ndarray, blocks: list[str], sha: str = "x") -> xr.DataTree:
    stats_ds = xr.Dataset({"log_marginal_likelihood": (("chain", BLOCK), log_z)},
                          coords={BLOCK: blocks})
    const = xr.Dataset(coords={"curve": blocks, "curve_domain": ("curve", ["d"] * len(blocks))})
    tree = xr.DataTree.from_dict({"sample_stats": stats_ds, "constant_data": const})
    tree.attrs["data_sha256"] = sha
    return tree


def test_block_evidence_pools_chains_and_sums_blocks():
    z = np.array([[-10.0, -5.0], [-10.2, -5.0], [-9.8, -5.0], [-10.0, -5.0]])
    table = block_evidence(_fake_fit(z, ["a", "b"]))
    expected_a = logsumexp(z[:, 0]) - np.log(4)
    assert table.loc["a", "log_evidence"] == pytest.approx(expected_a)
    assert table.loc["b", "log_evidence_se"] == pytest.approx(0.0)
    assert table.loc["a", "log_evidence_se"] == pytest.approx(
        np.exp(z[:, 0]).std(ddof=1) / (2 * np.exp(z[:, 0]).mean()))
    by_domain = block_evidence(_fake_fit(z, ["a", "b"]), by="domain")
    assert by_domain.loc["d", "log_evidence"] == pytest.approx(table["log_evidence"].sum())


def test_compare_evidence_propagates_errors_and_warns_when_unrankable():
    good = _fake_fit(np.array([[-10.0], [-10.1], [-9.9], [-10.0]]), ["a"])
    close = _fake_fit(np.array([[-10.2], [-9.0], [-11.0], [-10.5]]), ["a"])
    with pytest.warns(ComparisonWarning, match="cannot be ranked"):
        table = compare_evidence({"good": good, "close": close})
    assert list(table.columns[:3]) == ["rank", "log_evidence", "log_evidence_se"]
    se = table["log_evidence_se"]
    assert table["log_bayes_factor_se"].iloc[1] == pytest.approx(np.hypot(*se))
    assert table["prob"].sum() == pytest.approx(1.0)
    assert (table["prob_low"] <= table["prob"]).all()
    assert (table["prob"] <= table["prob_high"]).all()
    assert table.attrs["warnings"]
    far = _fake_fit(np.array([[-30.0], [-30.1], [-29.9], [-30.0]]), ["a"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clear = compare_evidence({"good": good, "far": far})
    assert clear.index[0] == "good" and clear["log_bayes_factor"].iloc[1] == pytest.approx(-20.0)
    assert clear["strength"].iloc[1] == "very strong"
    with pytest.raises(ModelConfigError, match="different data"):
        compare_evidence({"good": good, "other": _fake_fit(np.zeros((4, 1)), ["a"], sha="y")})


def test_large_monte_carlo_error_is_flagged():
    noisy = _fake_fit(np.array([[-10.0], [-14.0], [-6.0], [-12.0]]), ["a"])
    good = _fake_fit(np.array([[-40.0], [-40.1], [-39.9], [-40.0]]), ["a"])
    with pytest.warns(ComparisonWarning, match="Monte Carlo error"):
        table = compare_evidence({"noisy": noisy, "good": good})
    assert "Monte Carlo error" in table.loc["noisy", "problem"]
    assert table.loc["good", "problem"] == ""


def test_smc_block_that_fails_its_checks_is_rerun_with_more_particles():
    """50 particles x 3 runs cannot reach bulk ESS 300 (the limit for 3 chains): the block
    is run again with 100 and 200 particles, the best run is kept and resampled to 50 per
    chain, and every attempt is recorded."""
    frame = pd.DataFrame({"domain": "d", "curve": "c", "data": [100.0, 1e3, 1e4, 1e5],
                          "error": [0.40, 0.22, 0.14, 0.08]})
    fit = _quiet(CurveFormModel(frame, "power_law").fit_smc, draws=50, chains=3, seed=1)
    assert fit["posterior"].sizes["draw"] == 50
    np.testing.assert_array_equal(fit["posterior"]["draw"].values, np.arange(50))
    remedy = json.loads(fit.attrs["smc_remedy"])["d/c"]
    assert [a["draws"] for a in remedy["attempts"]] == [50, 100, 200]
    assert all(a["ess_over_limit"] > 1 for a in remedy["attempts"])
    assert remedy["block_max_evidence_se"] == pytest.approx(0.5)
    kept = fit["posterior"]["alpha"].values.ravel()
    assert len(np.unique(kept)) > 0.5 * kept.size  # resampled without replacement
    # the evidence is the kept run's (its chains' estimates, not recomputed from 50 draws)
    assert fit["sample_stats"]["log_marginal_likelihood"].sizes["chain"] == 3


def test_smc_block_that_passes_is_run_once():
    """The true form of simulated power-law curves passes at 3 x 300 particles: no block
    is run again, no remedy is recorded."""
    fit = comparison().fits["power_law"]
    assert json.loads(fit.attrs["diagnostics"])["ok"]
    assert "smc_remedy" not in fit.attrs
    assert fit["posterior"].sizes["draw"] == SMC.draws


def test_smc_config_validates_tempering_settings():
    for name in ("threshold", "correlation_threshold"):
        for bad in (0.0, 1.0, -0.2, "0.5", True):
            with pytest.raises(ModelConfigError, match=f"SMC {name} must be a number"):
                SMCConfig(**{name: bad})
    assert SMCConfig().threshold == 0.9 and SMCConfig().correlation_threshold == 0.001


def test_evidence_limit_of_smc_blocks_is_the_comparison_limit():
    from bayes_scaling.comparison.evidence import MAX_EVIDENCE_SE
    from bayes_scaling.models.form import SMC_BLOCK_MAX_EVIDENCE_SE

    assert SMC_BLOCK_MAX_EVIDENCE_SE == MAX_EVIDENCE_SE


def test_evidence_strength_words():
    assert evidence_strength(0.5) == "not worth more than a bare mention"
    assert evidence_strength(-2.0) == "positive"
    assert evidence_strength(6.0) == "very strong"


def test_nuts_fit_has_no_evidence():
    tree = xr.DataTree.from_dict({"sample_stats": xr.Dataset({"diverging": ("chain", [0])})})
    with pytest.raises(ModelConfigError, match="SMC"):
        compare_evidence({"a": tree, "b": tree})


# ---------------------------------------------------------------- real comparison
def test_evidence_and_lfo_prefer_the_true_form():
    result = comparison()
    assert result.evidence.index[0] == "power_law"
    assert result.evidence["log_bayes_factor"].iloc[1] < -2 * result.evidence[
        "log_bayes_factor_se"].iloc[1]
    assert result.loo.index[0] == "power_law"
    lfo = result.lfo.set_index(["model", "domain"])
    assert lfo.loc[("power_law", "(all)"), "rmse_log"] < lfo.loc[("exponential", "(all)"),
                                                                  "rmse_log"]
    assert lfo.loc[("power_law", "(all)"), "elpd"] > lfo.loc[("exponential", "(all)"), "elpd"]
    assert lfo.loc[("power_law", "(all)"), "n_holdout"] == 2 * 2 * 2  # 2 sizes x 2 seeds x 2
    assert (AVERAGE, "sim") in lfo.index
    assert set(result.lfo_weights.index) == {"power_law", "exponential"}


def test_smc_fit_structure_and_round_trip(tmp_path):
    fit = comparison().fits["power_law"]
    assert fit["sample_stats"]["log_marginal_likelihood"].dims == ("chain", BLOCK)
    assert fit["posterior"]["alpha"].dims == ("chain", "draw", "curve")
    assert fit["log_likelihood"]["log_metric"].sizes["obs"] == len(
        fit["observed_data"]["log_metric"])
    assert fit.attrs["inference"] == "smc" and fit.attrs["family"] == "power_law"
    assert json.loads(fit.attrs["diagnostics"])["n_chains"] == SMC.chains
    path = save_fit(fit, tmp_path / "f.nc")
    again = load_fit(path)
    xr.testing.assert_allclose(again["posterior"].to_dataset(), fit["posterior"].to_dataset())


def test_smc_is_deterministic_for_a_seed():
    frame = power_law_table().query("curve == 'c0'")
    a = _quiet(CurveFormModel(frame, "power_law").fit_smc, draws=100, chains=2, seed=9)
    b = _quiet(CurveFormModel(frame, "power_law").fit_smc, draws=100, chains=2, seed=9)
    xr.testing.assert_equal(a["posterior"].to_dataset(), b["posterior"].to_dataset())


def test_truth_inside_credible_interval():
    fit = comparison().fits["power_law"]
    sim = simulate_form_curves("power_law", {"alpha": [0.2, 0.15], "beta": [0.35, 0.3]},
                               n_seeds=2, noise=0.04, seed=3)
    beta = fit["posterior"]["beta"]
    low, high = beta.quantile([0.03, 0.97], dim=("chain", "draw")).values
    assert np.all((low <= sim.truth["beta"].values) & (sim.truth["beta"].values <= high))


def test_form_predictive_and_curve_mean_agree():
    fit = comparison().fits["power_law"]
    frame = power_law_table().iloc[:5]
    pred = form_predictive(fit, frame, seed=1)
    assert pred["log_metric"].dims == ("chain", "draw", "obs")
    mean = form_curve_mean(fit, frame["data"].to_numpy())
    expected = np.log(mean.sel(curve="sim/c0")).transpose("chain", "draw", "size").values
    np.testing.assert_allclose(pred["mu"].values, expected, rtol=1e-10)
    with pytest.raises(ModelConfigError, match="cannot be predicted"):
        form_predictive(fit, frame.assign(curve="zz"))


# ---------------------------------------------------------------- LFO scoring
def test_score_holdout_coverage_and_density_on_known_draws():
    rng = np.random.default_rng(0)
    n_obs = 400
    draws = rng.standard_normal((2, 2000, n_obs))
    y = rng.standard_normal(n_obs)
    pred = xr.Dataset({"log_metric": (("chain", "draw", "obs"), draws),
                       "log_density": (("chain", "draw", "obs"),
                                       np.broadcast_to(stats.norm.logpdf(y), draws.shape))})
    holdout = pd.DataFrame({"domain": ["a"] * 200 + ["b"] * 200, "curve": "c",
                            "loss": np.exp(y)})
    table = score_holdout(pred, holdout, metric="loss", probs=(0.5, 0.9)).set_index("domain")
    assert abs(table.loc["(all)", "coverage_90"] - 0.9) < 0.05
    assert abs(table.loc["(all)", "coverage_50"] - 0.5) < 0.07
    assert table.loc["(all)", "elpd"] == pytest.approx(stats.norm.logpdf(y).sum())
    assert table.loc["(all)", "rmse_log"] == pytest.approx(np.sqrt(np.mean(y**2)), rel=0.05)
    assert table.loc["a", "n_holdout"] == 200


def test_split_future():
    table, holdout = split_future(power_law_table(), n_largest=2)
    assert (table.frame["split"] == "holdout").sum() == len(holdout) == 8
    assert holdout["data"].min() > table.frame.query("split == 'fit'")["data"].max() * 0.99
    with pytest.raises(ModelConfigError, match="no held-out rows"):
        split_future(power_law_table())
    with pytest.raises(ModelConfigError, match="fewer than 3"):
        split_future(power_law_table(), n_largest=8)
    with pytest.raises(ModelConfigError, match="positive integer"):
        split_future(power_law_table(), n_largest=0)


# ---------------------------------------------------------------- averaging
def test_allocate_and_mix_draws():
    assert sum(allocate_draws({"a": 0.2, "b": 0.5, "c": 0.3}, 101).values()) == 101
    with pytest.raises(ModelConfigError):
        allocate_draws({"a": -1.0}, 10)
    a = xr.Dataset({"x": (("chain", "draw"), np.zeros((2, 500))),
                    "y": (("chain", "draw"), np.zeros((2, 500)))})
    b = xr.Dataset({"x": (("chain", "draw"), np.ones((2, 500))),
                    "y": (("chain", "draw"), np.ones((2, 500)))})
    mixed = mix_draws({"a": a, "b": b}, {"a": 0.25, "b": 0.75}, seed=1)
    assert mixed.sizes == {"chain": 1, "draw": 1000}
    assert float(mixed["x"].mean()) == pytest.approx(0.75)
    np.testing.assert_array_equal(mixed["x"].values, mixed["y"].values)  # draws kept joint
    only_a = mix_draws({"a": a, "b": b}, {"a": 1.0, "b": 0.0})
    assert float(only_a["x"].max()) == 0.0 and only_a.attrs["counts"]["b"] == 0


def test_predict_average_mixes_the_forms_and_holds_the_held_out_sizes():
    """Averaged predictive at the held-out larger sizes of simulated power-law curves: the
    true form dominates the weights, its intervals hold the truth at about the nominal
    rate, a weight of 1 reproduces that form's own predictive, and the form uncertainty
    of a 50/50 mixture widens the intervals."""
    from bayes_scaling.comparison import predict_average

    result = comparison()
    _, holdout = split_future(power_law_table(), n_largest=2)
    out = result.predict(holdout, probs=[0.5, 0.9], seed=3)
    assert list(out.columns[-6:]) == ["error_median", "error_lower_0.5", "error_upper_0.5",
                                      "error_lower_0.9", "error_upper_0.9", "extrapolation"]
    assert list(out.columns[:-6]) == list(holdout.columns)  # the rows, as given
    assert (out["error_lower_0.9"] <= out["error_lower_0.5"]).all()
    assert (out["error_lower_0.5"] <= out["error_median"]).all()
    assert (out["error_median"] <= out["error_upper_0.5"]).all()
    assert (out["error_upper_0.5"] <= out["error_upper_0.9"]).all()
    assert (out["extrapolation"] > 0).all()  # every held-out size is beyond the fitted ones
    inside = ((out["error_lower_0.9"] <= holdout["error"].to_numpy())
              & (holdout["error"].to_numpy() <= out["error_upper_0.9"]))
    assert inside.mean() >= 0.75, out.assign(truth=holdout["error"].to_numpy())
    assert out.attrs["weights"] == pytest.approx(result.weights["stacking"].to_dict())
    # a weight of 1: that form's own predictive (same noise seed), quantiles of its draws
    only = predict_average(result.fits, holdout, weights={"power_law": 1.0, "exponential": 0.0},
                           probs=0.9, seed=3)
    assert only.attrs["counts"]["exponential"] == 0
    own = np.exp(form_predictive(result.fits["power_law"], holdout, seed=3)["log_metric"])
    np.testing.assert_allclose(only["error_median"],
                               own.median(["chain", "draw"]).values, rtol=0.02)
    half = predict_average(result.fits, holdout, weights={"power_law": 0.5, "exponential": 0.5},
                           probs=0.9, seed=3)
    width = np.log(half["error_upper_0.9"] / half["error_lower_0.9"])
    assert (width.median() > np.log(only["error_upper_0.9"] / only["error_lower_0.9"]).median())


def test_predict_average_refuses_bad_requests():
    from bayes_scaling.comparison import predict_average

    fits = comparison().fits
    rows = pd.DataFrame({"domain": "sim", "curve": "c0", "data": [1e6]})
    with pytest.raises(ModelConfigError, match="weights must name exactly"):
        predict_average(fits, rows, weights={"power_law": 1.0})
    unknown = rows.assign(curve="nope")
    with pytest.raises(ModelConfigError, match="cannot be predicted"):
        predict_average(fits, unknown, weights={"power_law": 0.5, "exponential": 0.5})
    nuts_like = fits["power_law"].copy()
    nuts_like.attrs["model_type"] = "hierarchical_learning_curve"
    with pytest.raises(ModelConfigError, match="mixes curve_form fits"):
        predict_average({"a": nuts_like}, rows, weights={"a": 1.0})
    with pytest.raises(ModelConfigError, match="interval probabilities"):
        predict_average(fits, rows, weights={"power_law": 1.0, "exponential": 0.0}, probs=1.5)
    with pytest.raises(ModelConfigError, match="chunk_rows must be a positive integer"):
        predict_average(fits, rows, weights={"power_law": 1.0, "exponential": 0.0},
                        chunk_rows=0)
    # reproducible for a seed; chunks (bounded memory) give the same distribution
    many = pd.DataFrame({"domain": "sim", "curve": "c0", "data": np.geomspace(1e3, 1e6, 5)})
    weights = {"power_law": 0.5, "exponential": 0.5}
    whole = predict_average(fits, many, weights=weights, seed=1)
    pd.testing.assert_frame_equal(whole, predict_average(fits, many, weights=weights, seed=1))
    chunked = predict_average(fits, many, weights=weights, seed=1, chunk_rows=2)
    assert not chunked["error_median"].equals(whole["error_median"])  # other noise draws
    np.testing.assert_allclose(chunked["error_median"], whole["error_median"], rtol=0.05)


def test_model_weights():
    table = pd.DataFrame({"weight": [0.7, 0.3], "prob": [0.9, 0.1]}, index=["a", "b"])
    assert model_weights(method="stacking", loo=table)["a"] == pytest.approx(0.7)
    assert model_weights(method="evidence", evidence=table)["b"] == pytest.approx(0.1)
    with pytest.raises(ModelConfigError, match="need"):
        model_weights(method="evidence")


def test_projection_of_form_fit_and_average():
    result = comparison()
    fit = result.fits["power_law"]
    proj = project_form_growth(fit, ["x0.5", 0.02])
    # the projected size reaches the target on every draw (numerically)
    size = proj["data_growth"].sel(target="x0.5") * proj["current_size"]
    reached = form_curve_mean(fit, size)  # aligned with the posterior draw by draw
    target = proj["target_value"].sel(target="x0.5")
    np.testing.assert_allclose(reached.transpose(*target.dims).values, target.values, rtol=1e-6)
    assert float(proj["p_reachable"].min()) == 1.0  # no floor: always reachable
    single = average_projection({"power_law": proj}, {"power_law": 1.0})
    np.testing.assert_allclose(np.sort(single["data_growth"].values.ravel()),
                               np.sort(proj["data_growth"].values.ravel()))
    averaged = result.average_projection(["x0.5"], weighting="evidence")
    table = summarize_projection(averaged)
    assert {"curve", "domain"} <= set(table["level"])
    assert averaged.attrs["averaged_over"] == ["power_law", "exponential"]


def test_unreachable_target_under_a_floor_lowers_p_reachable():
    frame = simulate_form_curves("power_law_irreducible",
                                 {"alpha": 0.5, "beta": 0.6, "gamma": 0.5}, noise=0.02,
                                 metric="loss", seed=1).frame
    fit = _quiet(CurveFormModel(frame, "power_law_irreducible").fit_smc, draws=300,
                 chains=2, seed=2)
    floor = float(np.exp(fit["constant_data"]["log_ref_metric"]).item()) * 0.5
    proj = project_form_growth(fit, [floor * 0.5, "x0.9"])
    assert float(proj["p_reachable"].sel(target=f"{floor * 0.5:g}").max()) < 0.05
    table = summarize_projection(proj)
    row = table.query("level == 'curve' and target != 'x0.9'").iloc[0]
    assert "unreachable" in row["status"] or "reachable in" in row["status"]


# ---------------------------------------------------------------- hypotheses
def test_hypothesis_row_logic():
    e = lambda z, se: pd.Series({"log_evidence": z, "log_evidence_se": se})  # noqa: E731
    strong = _row("d", e(-10.0, 0.1), e(-15.0, 0.1), 0.89, 0)
    assert strong["favours"] == "h1" and strong["strength"] == "very strong"
    assert strong["prob_h1"] > 0.99
    against = _row("d", e(-15.0, 0.1), e(-12.0, 0.1), 0.89, 0)
    assert against["favours"] == "h0"
    noisy = _row("d", e(-10.0, 2.0), e(-12.0, 2.0), 0.89, 0)
    assert noisy["favours"] == "undecided" and "undecided" in noisy["verdict"]


def test_named_hypothesis_end_to_end_on_shared_exponent_data():
    sim = simulate_form_curves("power_law_irreducible",
                               {"alpha": [1.0, 0.7], "beta": 0.5, "gamma": 0.05},
                               noise=0.03, n_seeds=2, metric="loss", seed=8)
    result = _quiet(test_hypothesis, "shared-exponent", sim.frame,
                    smc=SMCConfig(draws=200, chains=2, seed=3))
    row = result.by_domain.set_index("domain").loc["(all)"]
    assert row["favours"] in ("h1", "undecided")  # truth: one shared exponent
    assert np.isfinite(row["se"]) and 0 <= row["prob_low"] <= row["prob_h1"] <= row["prob_high"]
    text = result.verdict()
    assert "shared-exponent" in text and "log BF" in text
    with pytest.raises(ModelConfigError, match="unknown hypothesis"):
        test_hypothesis("bigger-is-better", sim.frame)
    assert set(HYPOTHESES) == {"shared-exponent", "polynomial-vs-exponential",
                               "irreducible-error"}


# ---------------------------------------------------------------- CLI
def test_cli_compare_writes_tables(tmp_path, capsys):
    csv = tmp_path / "t.csv"
    power_law_table().query("curve == 'c0'").to_csv(csv, index=False)
    out = tmp_path / "cmp"
    args = ["compare", str(csv), "--forms", "power_law,exponential", "--method",
            "evidence,lfo", "--holdout-largest", "2", "--draws", "100", "--chains", "2",
            "--out", str(out)]
    assert main(args) == 0
    assert (out / "evidence.csv").exists() and (out / "lfo.csv").exists()
    meta = json.loads((out / "comparison.json").read_text())
    assert meta["settings"]["forms"] == ["power_law", "exponential"]
    assert main(args) == 2  # refuses to overwrite
    assert "already exists" in capsys.readouterr().err
    assert main(["compare", str(csv), "--forms", "power_law,cubic"]) == 2
    assert main(["compare", str(csv), "--hypothesis", "nope"]) == 2


def test_robust_form_fits_blockwise_and_predicts():
    """Student-t forms have per-curve degrees of freedom, so SMC blocks stay independent."""
    frame = power_law_table()
    fit = _quiet(CurveFormModel(frame, "power_law", robust=True).fit_smc, draws=100, chains=2,
                 seed=5)
    assert fit["posterior"]["noise_nu"].dims == ("chain", "draw", "curve")
    pred = form_predictive(fit, frame.iloc[:4], seed=0)
    assert np.isfinite(pred["log_density"].values).all()
