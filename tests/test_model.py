"""Hierarchical learning-curve model: graph structure (no sampling) and recovery (sampling)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import pytest
from _fits import FAST_SAMPLER, simulated_fit

from bayes_scaling import dims
from bayes_scaling.diagnostics import fit_report
from bayes_scaling.errors import (
    FitDiagnosticsWarning,
    IdentificationWarning,
    ModelConfigError,
    PriorConfigError,
)
from bayes_scaling.models import HierarchicalLearningCurve, SamplerConfig
from bayes_scaling.models.geometry import (
    centre_domains_where_informative,
    log_exponent_estimates,
    log_exponent_standard_error,
    random_effects_spread,
)
from bayes_scaling.priors import prior_median
from bayes_scaling.simulate import simulate_learning_curves


@pytest.fixture(scope="module")
def sim():
    return simulate_learning_curves(n_domains=2, curves_per_domain=2, seed=1)


def test_constructor_is_cheap_and_builds_named_dims(sim):
    model = HierarchicalLearningCurve(sim.frame)
    assert model._model is None  # nothing compiled or built in __init__
    pm_model = model.build_model()
    assert model.build_model() is pm_model
    used = {d for ds in pm_model.named_vars_to_dims.values() for d in ds}
    assert used <= dims.ALL_DIMS
    assert pm_model.named_vars_to_dims["beta"] == (dims.CURVE,)
    assert pm_model.named_vars_to_dims["beta_domain"] == (dims.DOMAIN,)
    # default: the discrepancy's knots are integrated out, the likelihood is a potential and
    # the pointwise leave-one-out densities a deterministic on the obs dim
    assert "log_metric_marginal" in {p.name for p in pm_model.potentials}
    assert pm_model.named_vars_to_dims["loo_pointwise_log_density"] == (dims.OBS,)
    # the default kernel is the sum of the rough and the smooth one: a pooled total rate
    # per curve split by one smooth share learned for the table
    assert model.config()["discrepancy_kernel"] == "brownian+integrated"
    assert model.config()["discrepancy_smooth_share"] == "table"
    assert pm_model.named_vars_to_dims["integrated_discrepancy_rate"] == (dims.CURVE,)
    assert pm_model.named_vars_to_dims["discrepancy_rate"] == (dims.CURVE,)
    assert pm_model["smooth_share"].ndim == 0
    smooth = HierarchicalLearningCurve(sim.frame, discrepancy_kernel="integrated")
    assert "discrepancy_rate" not in smooth.build_model().named_vars
    learned = HierarchicalLearningCurve(sim.frame, discrepancy_kernel="brownian+integrated",
                                        discrepancy_smooth_share=None)
    assert {"discrepancy_rate", "integrated_discrepancy_rate", "smooth_share"} <= set(
        learned.build_model().named_vars)
    both = HierarchicalLearningCurve(sim.frame, discrepancy_kernel="brownian+integrated",
                                     discrepancy_smooth_share=0.5)
    both_model = both.build_model()
    assert "smooth_share" not in both_model.named_vars  # fixed
    for bad in (0.0, 1.0, "half", True):
        with pytest.raises(ModelConfigError, match="discrepancy_smooth_share must be"):
            HierarchicalLearningCurve(sim.frame, discrepancy_smooth_share=bad)
    # "table": one share for every curve, learned, with the population prior of the share
    table = HierarchicalLearningCurve(sim.frame, discrepancy_kernel="brownian+integrated",
                                      discrepancy_smooth_share="table")
    assert table.config()["discrepancy_smooth_share"] == "table"
    table_model = table.build_model()
    assert table_model["smooth_share"].ndim == 0
    assert "logit_smooth_share_curve_sigma" not in table_model.named_vars
    share = pm.draw(table_model["smooth_share"], draws=4000, random_seed=2)
    expected = 1.0 / (1.0 + np.exp(-np.random.default_rng(2).normal(0.0, 1.0, 200_000)))
    np.testing.assert_allclose(np.quantile(share, [0.1, 0.5, 0.9]),
                               np.quantile(expected, [0.1, 0.5, 0.9]), atol=0.03)
    # the sum is one total rate split by the smooth share (1/2): the two components'
    # mean in-range variances are equal, and together the total's
    point = both_model.initial_point()
    rate_b, rate_i, total = both_model.compile_fn(
        both_model.replace_rvs_by_values(
            [both_model["discrepancy_rate"], both_model["integrated_discrepancy_rate"],
             pt.exp(both_model["log_discrepancy_mu"])]),
        inputs=both_model.value_vars, on_unused_input="ignore")(point)
    var_b = rate_b**2 * both.knots.mean_unit_variance("brownian")
    var_i = rate_i**2 * both.knots.mean_unit_variance("integrated")
    np.testing.assert_allclose(var_b, var_i, rtol=1e-9)
    np.testing.assert_allclose(var_b + var_i,
                               total**2 * both.knots.mean_unit_variance("brownian"),
                               rtol=1e-9)
    for kernel in ("gaussian", "brownian_end"):  # the joint law's, not scored on curves
        with pytest.raises(ModelConfigError, match="discrepancy_kernel must be one of"):
            HierarchicalLearningCurve(sim.frame, discrepancy_kernel=kernel)
    plain = HierarchicalLearningCurve(sim.frame, discrepancy=False).build_model()
    assert plain.named_vars_to_dims["log_metric"] == (dims.OBS,)
    assert list(pm_model.coords[dims.CURVE]) == ["domain0/arch0", "domain0/arch1",
                                                 "domain1/arch0", "domain1/arch1"]


def test_non_centred_hierarchy_and_bounded_floor(sim):
    pm_model = HierarchicalLearningCurve(sim.frame).build_model()
    free = {rv.name for rv in pm_model.free_RVs}
    assert {"z_domain", "z_curve", "log_beta_mu"} <= free
    assert "beta" not in free  # exponents are deterministic transforms of z's
    # gamma = fraction * min observed, fraction in (0, 1): always below the smallest value
    draws = pm.draw([pm_model["gamma"], pm_model["min_metric"]], draws=200, random_seed=1)
    assert np.all(draws[0] < draws[1][None, :])
    assert np.all(draws[0] > 0)


def test_floor_and_reducible_part_share_the_metric_at_the_reference_size(sim):
    pm_model = HierarchicalLearningCurve(sim.frame).build_model()
    gamma, scale_ref, metric_ref, min_metric = pm.draw(
        [pm_model["gamma"], pm_model["scale_ref"], pm_model["metric_ref"],
         pm_model["min_metric"]], draws=500, random_seed=2)
    np.testing.assert_allclose(scale_ref + gamma, metric_ref)
    assert np.all(scale_ref > 0)
    assert np.all(gamma < np.minimum(min_metric[None, :], metric_ref))


def _mixed_domains_table() -> pd.DataFrame:
    """domain0 with 5 curves, domain1 with 2."""
    frame = simulate_learning_curves(n_domains=2, curves_per_domain=5, n_seeds=1,
                                     seed=4).frame
    drop = (frame["domain"] == "domain1") & frame["curve"].isin(["arch2", "arch3", "arch4"])
    return frame[~drop].reset_index(drop=True)


def test_curve_parameterisation_option():
    frame = _mixed_domains_table()
    plain = HierarchicalLearningCurve(frame)  # the default: non-centred
    assert not plain.centered_curves.any()
    z, beta = pm.draw([plain.build_model()["z_curve"], plain.build_model()["beta"]],
                      draws=200, random_seed=1)
    assert not np.allclose(np.log(beta), z)  # z_curve ~ N(0, 1)
    centred = HierarchicalLearningCurve(frame, curve_parameterization="centered")
    assert centred.config()["curve_parameterization"] == "centered"
    pm_model = centred.build_model()
    assert "z_curve" in {rv.name for rv in pm_model.free_RVs}
    z, beta = pm.draw([pm_model["z_curve"], pm_model["beta"]], draws=200, random_seed=1)
    np.testing.assert_allclose(np.log(beta), z)  # every curve centred: z_curve is log beta_c
    with pytest.raises(ModelConfigError, match="curve_parameterization must be one of "
                                               "auto, non_centered, centered"):
        HierarchicalLearningCurve(frame, curve_parameterization="centred")


def test_auto_parameterisation_centres_the_informative_curves():
    """"auto" centres exactly the curves whose own least-squares exponent is more precise
    than the prior median of the spread, and mixes both forms in one variable."""
    frame = _mixed_domains_table()
    model = HierarchicalLearningCurve(frame, curve_parameterization="auto")
    assert model.config()["curve_parameterization"] == "auto"
    se = log_exponent_standard_error(np.log(frame["data"].to_numpy(float)),
                                     np.log(frame["error"].to_numpy(float)),
                                     model.obs_curve_idx, len(model.index.curves))
    expected = se < prior_median(model.priors["log_beta_curve_sigma"])
    np.testing.assert_array_equal(model.centered_curves, expected)
    assert 0 < expected.sum() < expected.size  # this table needs both
    pm_model = model.build_model()
    np.testing.assert_array_equal(pm_model["centered_curve"].get_value(), expected)
    z, beta = pm.draw([pm_model["z_curve"], pm_model["beta"]], draws=200, random_seed=1)
    np.testing.assert_allclose(np.log(beta[:, expected]), z[:, expected])
    assert not np.allclose(np.log(beta[:, ~expected]), z[:, ~expected])


def test_random_effects_spread_recovers_the_spread_and_ignores_unusable_entries():
    rng = np.random.default_rng(5)
    truth = rng.normal(0.0, 0.4, size=400)
    se = rng.uniform(0.05, 0.2, size=400)
    estimate = truth + se * rng.normal(size=400)
    assert random_effects_spread(estimate, se) == pytest.approx(0.4, abs=0.05)
    # measurement noise alone is not read as a spread
    assert random_effects_spread(0.3 + se * rng.normal(size=400), se) < 0.03
    # nan/inf entries are left out; fewer than two usable ones give 0
    padded = np.append(estimate, [np.nan, 5.0])
    assert random_effects_spread(padded, np.append(se, [0.1, np.inf])) == pytest.approx(
        random_effects_spread(estimate, se))
    assert random_effects_spread(np.array([0.1, np.nan]), np.array([0.1, 0.1])) == 0.0


def test_domains_are_centred_only_where_they_differ_and_are_pinned_down():
    rng = np.random.default_rng(2)
    se = np.full(12, 0.03)
    curve_domain = np.repeat([0, 1, 2], 4)
    apart = np.repeat([-2.6, -1.0, -0.4], 4) + 0.05 * rng.normal(size=12)
    assert centre_domains_where_informative(apart, se, curve_domain, 3).all()
    shared = -1.0 + 0.03 * rng.normal(size=12)  # one exponent: a funnel if centred
    assert not centre_domains_where_informative(shared, se, curve_domain, 3).any()
    # imprecise curves do not pin their domain down: non-centred
    noisy = np.full(12, 3.0)
    assert not centre_domains_where_informative(apart, noisy, curve_domain, 3).any()
    # one domain is never centred; a domain without a usable curve stays non-centred
    assert not centre_domains_where_informative(apart, se, np.zeros(12, int), 1).any()
    unusable = np.where(curve_domain == 2, np.inf, se)
    assert centre_domains_where_informative(apart, unusable, curve_domain, 3).tolist() == [
        True, True, False]
    # two usable curves do not tell a domain's precision (its curves' spread) either
    two_left = np.where(np.isin(np.arange(12), [8, 9]), np.inf, se)
    assert centre_domains_where_informative(apart, two_left, curve_domain, 3).tolist() == [
        True, True, False]


def test_domain_parameterisation_follows_the_rule_and_keeps_the_prior():
    """The default ("auto") centres the domains of a table whose domains differ; the
    variable then holds log beta_d itself, and both geometries give the same prior."""
    frame = simulate_learning_curves(n_domains=3, curves_per_domain=4, n_seeds=2, noise=0.02,
                                     domain_spread=1.0, curve_spread=0.05, seed=1).frame
    model = HierarchicalLearningCurve(frame)
    assert model.config()["domain_parameterization"] == "auto"
    fitted = model.data.frame
    estimate, se = log_exponent_estimates(np.log(fitted["data"].to_numpy(float)),
                                          np.log(fitted["error"].to_numpy(float)),
                                          model.obs_curve_idx, len(model.index.curves))
    expected = centre_domains_where_informative(estimate, se, model.index.domain_idx, 3)
    assert expected.all()  # domains apart, each pinned by 4 precise curves
    np.testing.assert_array_equal(model.centered_domains, expected)
    pm_model = model.build_model()
    np.testing.assert_array_equal(pm_model["centered_domain"].get_value(), expected)
    z, beta_d = pm.draw([pm_model["z_domain"], pm_model["beta_domain"]], draws=300,
                        random_seed=3)
    np.testing.assert_allclose(np.log(beta_d[:, expected]), z[:, expected])
    plain = HierarchicalLearningCurve(frame, domain_parameterization="non_centered")
    assert not plain.centered_domains.any()
    draws = {kind: np.log(pm.draw(m.build_model()["beta_domain"], draws=4000, random_seed=4))
             for kind, m in (("auto", model), ("plain", plain))}
    np.testing.assert_allclose(draws["auto"].mean(0), draws["plain"].mean(0), atol=0.06)
    np.testing.assert_allclose(draws["auto"].std(0), draws["plain"].std(0), rtol=0.08)
    with pytest.raises(ModelConfigError, match="domain_parameterization must be one of "
                                               "auto, non_centered, centered"):
        HierarchicalLearningCurve(frame, domain_parameterization="centred")


def test_rebuilt_model_keeps_the_saved_geometry_without_choosing_again(monkeypatch):
    """from_fit takes each level's geometry from the fit (what it was sampled with), not
    from a new least-squares choice, which is made only when a model built from data
    first needs it."""
    import bayes_scaling.models.learning_curve as learning_curve

    _, fit, _ = simulated_fit()
    tree = fit.copy(deep=True)
    const = tree["constant_data"].to_dataset()
    saved = ~const["centered_domain"].values.astype(bool)  # not what the rule chose
    tree["constant_data"] = const.assign(
        centered_domain=const["centered_domain"].copy(data=saved.astype("int8")))

    def chosen_again(*args):
        raise AssertionError("the geometry was chosen again")

    monkeypatch.setattr(learning_curve, "log_exponent_estimates", chosen_again)
    rebuilt = HierarchicalLearningCurve.from_fit(tree)
    np.testing.assert_array_equal(rebuilt.centered_domains, saved)
    np.testing.assert_array_equal(rebuilt.build_model()["centered_domain"].get_value(),
                                  saved.astype("int8"))
    # nor is one made when neither level's geometry is chosen from the data
    fixed = HierarchicalLearningCurve(learning_curve.fitted_table(fit),
                                      domain_parameterization="centered")
    assert fixed.centered_domains.all() and not fixed.centered_curves.any()
    monkeypatch.undo()
    fresh = HierarchicalLearningCurve(learning_curve.fitted_table(fit))
    assert fresh._centering is None  # nothing chosen at construction
    np.testing.assert_array_equal(fresh.centered_domains, ~saved)


def test_exponent_standard_error_shrinks_with_the_noise_and_refuses_short_curves():
    t = np.log(np.geomspace(10, 1e4, 15))
    rng = np.random.default_rng(3)
    clean = np.log(0.8 * np.exp(-0.4 * (t - t.mean())) + 0.02)
    noise = rng.normal(size=t.size)
    se = [log_exponent_standard_error(t, clean + s * noise, np.zeros(t.size, int), 1)[0]
          for s in (0.005, 0.05)]
    assert se[0] < se[1] < np.inf
    assert np.isinf(log_exponent_standard_error(t[:4], clean[:4], np.zeros(4, int), 1)[0])


def test_curve_parameterisations_define_the_same_prior():
    frame = _mixed_domains_table()
    draws = {}
    for kind in ("centered", "non_centered", "auto"):
        # the domain level's geometry fixed, so that the draws differ by the curves' only
        pm_model = HierarchicalLearningCurve(frame, curve_parameterization=kind,
                                             domain_parameterization="non_centered"
                                             ).build_model()
        draws[kind] = np.log(pm.draw(pm_model["beta"], draws=20_000, random_seed=3))
    for q in (0.05, 0.25, 0.5, 0.75, 0.95):
        for kind in ("centered", "auto"):
            np.testing.assert_allclose(np.quantile(draws[kind], q, axis=0),
                                       np.quantile(draws["non_centered"], q, axis=0),
                                       atol=0.03)


def test_curve_parameterisations_give_the_same_posterior():
    """Same posterior; on informative curves, 5 per domain, the centred form mixes better."""
    frame = simulate_learning_curves(n_domains=2, curves_per_domain=5, n_seeds=2,
                                     curve_spread=0.3, seed=4).frame
    means, sds, reports = {}, {}, {}
    for kind in ("centered", "non_centered"):
        # the geometry of the exponents alone (the discrepancy adds its own mixing cost)
        model = HierarchicalLearningCurve(frame, curve_parameterization=kind, discrepancy=False,
                                          domain_parameterization="non_centered")
        with warnings.catch_warnings():  # 2 x 300 draws: R-hat is judged on its own below
            warnings.simplefilter("ignore", FitDiagnosticsWarning)
            fit = model.fit(FAST_SAMPLER, target_accept=0.99)
        beta = fit["posterior"]["beta"]
        means[kind] = beta.mean(("chain", "draw")).values
        sds[kind] = beta.std(("chain", "draw")).values
        reports[kind] = fit_report(fit)
    for report in reports.values():
        assert report.divergences == 0 and report.max_rhat < 1.05
    assert reports["centered"].min_ess_bulk > reports["non_centered"].min_ess_bulk
    np.testing.assert_array_less(np.abs(means["centered"] - means["non_centered"]),
                                 0.35 * sds["non_centered"])


def test_centred_log_size(sim):
    model = HierarchicalLearningCurve(sim.frame)
    x = model.build_model()["log_size_centered"].get_value()
    idx = model.obs_curve_idx
    for c in np.unique(idx):
        sizes = np.unique(sim.frame["data"].to_numpy()[idx == c])
        assert np.isclose(np.mean(np.log(sizes)) - np.log(model.ref_size[c]), 0)
        assert x[idx == c].min() < 0 < x[idx == c].max()


def test_robust_likelihood_is_student_t(sim):
    pm_model = HierarchicalLearningCurve(sim.frame, robust=True).build_model()
    assert "noise_nu" in pm_model.named_vars
    assert pm_model["log_metric"].owner.op.name == "t"  # StudentT
    assert pm_model.named_vars_to_dims["z_discrepancy"] == (dims.CURVE, dims.KNOT)  # sampled
    plain = HierarchicalLearningCurve(sim.frame, discrepancy=False).build_model()
    assert plain["log_metric"].owner.op.name == "normal"
    with pytest.raises(ModelConfigError, match="robust must be True or False"):
        HierarchicalLearningCurve(sim.frame, robust="yes")


def test_user_prior_overrides_default(sim):
    model = HierarchicalLearningCurve(
        sim.frame, priors={"noise_sigma": {"dist": "HalfNormal", "kwargs": {"sigma": 0.05}}})
    assert model.priors["noise_sigma"].kwargs == {"sigma": 0.05}
    assert model.priors["log_beta_mu"].dist == "Normal"  # packaged default kept
    with pytest.raises(PriorConfigError, match="did you mean 'noise_sigma'"):
        HierarchicalLearningCurve(sim.frame, priors={"noise_sigm": {"dist": "HalfNormal",
                                                                    "kwargs": {"sigma": 1}}})


def test_model_id_depends_on_data_and_config(sim):
    base = HierarchicalLearningCurve(sim.frame).model_id()
    assert base == HierarchicalLearningCurve(sim.frame).model_id()
    assert base != HierarchicalLearningCurve(sim.frame, robust=True).model_id()
    changed = sim.frame.copy()
    changed.loc[0, "error"] *= 1.01
    assert base != HierarchicalLearningCurve(changed).model_id()


def test_width_sweep_uses_best_model_per_shard():
    rows = []
    for data, best in ((100, 10), (1000, 100), (10000, 1000)):
        for params in (10, 100, 1000):
            for seed in range(2):
                err = 0.3 / np.log10(data) * (1.0 if params == best else 1.5)
                rows.append(("d", "c", data, params, seed, err + 0.001 * seed))
    frame = pd.DataFrame(rows, columns=["domain", "curve", "data", "params", "seed", "error"])
    with pytest.warns(IdentificationWarning, match="only 3 distinct 'data' values"):
        model = HierarchicalLearningCurve(frame)  # one curve, 3 sizes: weakly identified
    chosen = model.data.frame.groupby("data")["params"].unique()
    assert chosen.to_dict() == {100.0: [10.0], 1000.0: [100.0], 10000.0: [1000.0]}
    assert len(model.data.frame) == 6  # both seeds kept


def test_holdout_rows_are_not_fitted(sim):
    frame = sim.frame.copy()
    frame["split"] = np.where(frame["data"] >= 50_000, "holdout", "fit")
    model = HierarchicalLearningCurve(frame)
    assert model.data.frame["data"].max() < 50_000
    frame["split"] = "holdout"
    with pytest.raises(ModelConfigError, match="no rows with split == 'fit'"):
        HierarchicalLearningCurve(frame)


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [("chains", 1, "chains must be an integer >= 2"), ("draws", 0, "draws must be a positive"),
     ("target_accept", 1.0, "target_accept must be in"), ("sampler", "hmc", "sampler must be"),
     ("seed", -1, "seed must be"),
     ("low_rank_mass_matrix", "yes", "low_rank_mass_matrix must be True, False or None")],
)
def test_sampler_config_validation(field, value, match):
    with pytest.raises(ModelConfigError, match=match):
        SamplerConfig(**{field: value})


def test_fit_result_groups_dims_and_attrs():
    _, fit, _ = simulated_fit()
    for group in ("posterior", "sample_stats", "log_likelihood", "observed_data",
                  "constant_data"):
        assert group in fit.children
    post = fit["posterior"]
    assert post["beta"].dims == (dims.CHAIN, dims.DRAW, dims.CURVE)
    assert post["beta_domain"].dims == (dims.CHAIN, dims.DRAW, dims.DOMAIN)
    assert fit["log_likelihood"]["log_metric"].dims == (dims.CHAIN, dims.DRAW, dims.OBS)
    assert post.sizes[dims.CHAIN] == FAST_SAMPLER.chains
    assert post.sizes[dims.DRAW] == FAST_SAMPLER.draws
    assert fit.attrs["model_type"] == "hierarchical_learning_curve"
    assert json.loads(fit.attrs["model_config"]) == {
        "family": "power_law_irreducible", "robust": False, "size": "data",
        "curve_parameterization": "non_centered", "domain_parameterization": "auto",
        "discrepancy": True, "discrepancy_knots": 6,
        "discrepancy_kernel": "brownian+integrated", "discrepancy_smooth_share": "table"}
    diag = json.loads(fit.attrs["diagnostics"])
    assert {"divergences", "max_rhat", "min_ess_bulk", "ok", "problems"} <= set(diag)


def test_parameter_recovery_in_90_percent_intervals():
    """Truth inside the 90% interval for the large majority of curve parameters."""
    sim, fit, _ = simulated_fit()
    post = fit["posterior"]
    inside, total = 0, 0
    for name in ("alpha", "beta", "gamma"):
        lo = post[name].quantile(0.05, dim=("chain", "draw"))
        hi = post[name].quantile(0.95, dim=("chain", "draw"))
        for label in post[dims.CURVE].values:
            truth = sim.truth.loc[str(label), name]
            inside += bool(lo.sel(curve=label) <= truth <= hi.sel(curve=label))
            total += 1
    assert total == 18
    assert inside >= 15, f"only {inside}/{total} true values inside their 90% intervals"
    noise = post["noise_sigma"].median(("chain", "draw")).values
    assert np.all(np.abs(noise - sim.truth["sigma"].iloc[0]) < 0.02)


def test_diagnostics_are_checked_and_reported():
    _, fit, messages = simulated_fit()
    diag = json.loads(fit.attrs["diagnostics"])
    if diag["ok"]:
        assert not any("Sampler diagnostics failed" in m for m in messages)
    else:
        assert any("Sampler diagnostics failed" in m for m in messages)
    assert diag["divergences"] <= 5
    assert diag["max_rhat"] < 1.05


def test_stored_diagnostics_equal_a_fresh_check():
    from bayes_scaling.diagnostics import check_fit, fit_report

    _, fit, _ = simulated_fit()
    assert fit_report(fit) == check_fit(fit, warn=False)
    bare = fit.copy()
    del bare.attrs["diagnostics"]
    assert fit_report(bare) == check_fit(fit, warn=False)


def test_plateau_form_nests_the_power_law_and_inverts_exactly():
    """q = 0 is alpha m^-beta + gamma; for q > 0 the curve has its plateau gamma + A / q,
    the power law's asymptote far above m_ref, and relative_size_for_target inverts it."""
    from bayes_scaling.curves import POWER_LAW_IRREDUCIBLE, SIGMOID_LOG
    from bayes_scaling.models.learning_curve import reducible_part, relative_size_for_target

    x = np.geomspace(1e-3, 1e3, 25)
    np.testing.assert_allclose(0.05 + reducible_part(x, 0.2, 0.6, 0.0),
                               POWER_LAW_IRREDUCIBLE.function(x, alpha=0.2, beta=0.6, gamma=0.05))
    q = 0.3  # the sigmoid_log family with plateau A / q and asymptote A / (1 - q) x^-beta
    np.testing.assert_allclose(
        0.05 + reducible_part(x, 0.2, 0.6, q),
        SIGMOID_LOG.function(x, alpha=0.2 / (1 - q), beta=0.6, gamma=0.05, plateau=0.2 / q))
    values = 0.05 + reducible_part(x, 0.2, 0.6, q)
    np.testing.assert_allclose(relative_size_for_target(values, 0.2, 0.6, 0.05, q), x,
                               rtol=1e-9)
    assert float(relative_size_for_target(0.05, 0.2, 0.6, 0.05, q)) == np.inf  # the floor
    assert float(relative_size_for_target(0.05 + 0.2 / q, 0.2, 0.6, 0.05, q)) == 0.0


def test_form_option():
    frame = _mixed_domains_table()
    plain = HierarchicalLearningCurve(frame, form="power_law_irreducible").build_model()
    assert "plateau_share" not in plain.named_vars
    plateau = HierarchicalLearningCurve(frame, form="sigmoid_log")
    assert plateau.config()["family"] == "sigmoid_log"
    assert plateau.build_model()["plateau_share"] in plateau.build_model().free_RVs
    with pytest.raises(ModelConfigError, match="form must be one of power_law_irreducible, "
                                               "sigmoid_log"):
        HierarchicalLearningCurve(frame, form="three_region")
