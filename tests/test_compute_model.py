"""Compute-scaling model (Thompson et al. 2020): graph, frontier, recovery, projection, io,
and the acceptance check on the ImageNet Computer Progress table (offline mirror)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pymc as pm
import pytest
import xarray as xr
from _paths import MIRROR, needs_mirror

from bayes_scaling import dims
from bayes_scaling.compute_projection import (
    frontier_selection,
    project_compute_growth,
    summarize_algorithmic_progress,
    summarize_degree_fit,
)
from bayes_scaling.data import ScalingData
from bayes_scaling.errors import (
    DatasetError,
    DataValidationError,
    IdentificationWarning,
    ModelConfigError,
    PriorConfigError,
    ProjectionError,
)
from bayes_scaling.io import load_fit, save_fit
from bayes_scaling.models import MODELS, SamplerConfig
from bayes_scaling.models.compute import (
    HierarchicalComputeScaling,
    compute_kind_of,
    fitted_table,
    frontier_mask,
    load_benchmarks,
)
from bayes_scaling.projection import summarize_degree, summarize_projection

#: Small real NUTS runs (fixed seeds); compilation, not sampling, dominates their cost.
SAMPLER = SamplerConfig(draws=500, tune=500, chains=2, seed=21, target_accept=0.95)

TRUE_K = {"benchA/top1": 6.0, "benchA/top5": 8.0, "benchB/f1": 12.0, "benchB/em": 16.0}
TRUE_TAU = {"benchA/top1": -0.06, "benchA/top5": -0.04, "benchB/f1": -0.08, "benchB/em": -0.05}


def simulate_compute_table(*, seed: int = 0, n: int = 40, noise: float = 0.08) -> pd.DataFrame:
    """Published-model tables: log error = a - log(C)/k + tau * (year - 2016) + noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for label, k in TRUE_K.items():
        domain, curve = label.split("/")
        log10_c = rng.uniform(16.0, 22.0, n)
        # compute and year are correlated (bigger models later), but not collinear
        year = np.round(2012 + (log10_c - 16.0) + rng.uniform(-3.0, 3.0, n)).astype(int)
        log_e = (np.log(rng.uniform(0.05, 0.12)) - (log10_c - 19.0) * np.log(10) / k
                 + TRUE_TAU[label] * (year - 2016) + noise * rng.standard_normal(n))
        for i in range(n):
            rows.append((domain, curve, 10 ** log10_c[i], float(np.exp(log_e[i])),
                         int(year[i]), f"{label}-model{i}"))
    return pd.DataFrame(rows, columns=["domain", "curve", "compute", "error", "year", "label"])


def _fit(model: HierarchicalComputeScaling, **overrides) -> tuple[xr.DataTree, list[str]]:
    """Fit, recording (not hiding) any diagnostics warnings: tests assert on them."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.fit(SAMPLER, **overrides)
    return fit, [str(w.message) for w in caught]


def _inside(post: xr.DataArray, truth: dict[str, float], prob: float = 0.90) -> dict[str, bool]:
    lo = post.quantile((1 - prob) / 2, (dims.CHAIN, dims.DRAW))
    hi = post.quantile((1 + prob) / 2, (dims.CHAIN, dims.DRAW))
    return {c: bool(lo.sel(curve=c) <= v <= hi.sel(curve=c)) for c, v in truth.items()}


@pytest.fixture(scope="module")
def sim_frame() -> pd.DataFrame:
    return simulate_compute_table(seed=3)


@pytest.fixture(scope="module")
def trend_fit(sim_frame):
    model = HierarchicalComputeScaling(sim_frame, trend=True)
    # k and tau are correlated (compute grows over the years): a few more draws
    fit, messages = _fit(model, draws=1000, tune=1000)
    return model, fit, messages


@pytest.fixture(scope="module")
def imagenet_hardware(tmp_path_factory) -> ScalingData:
    if not MIRROR.is_dir():
        pytest.skip(f"offline data mirror {MIRROR} is absent")
    from bayes_scaling.datasets import load_dataset

    return load_dataset("thompson2020-imagenet", mirror=MIRROR,
                        cache_dir=tmp_path_factory.mktemp("cache"), compute="hardware")


# ---------------------------------------------------------------- graph (no sampling)

def test_polynomial_graph_named_dims_and_non_centred(sim_frame):
    model = HierarchicalComputeScaling(sim_frame)
    assert model._model is None  # cheap constructor
    pm_model = model.build_model()
    assert model.build_model() is pm_model
    used = {d for ds in pm_model.named_vars_to_dims.values() for d in ds}
    assert used <= dims.ALL_DIMS
    named = pm_model.named_vars_to_dims
    assert named["k"] == (dims.CURVE,)
    assert named["k_domain"] == (dims.DOMAIN,)
    assert "k_global" in pm_model.named_vars and "k_global" not in named
    assert named["log_metric"] == (dims.OBS,)
    assert list(pm_model.coords[dims.CURVE]) == list(TRUE_K)
    assert list(pm_model.coords[dims.DOMAIN]) == ["benchA", "benchB"]
    free = {rv.name for rv in pm_model.free_RVs}
    assert {"z_k_domain", "z_k_curve", "log_k_mu"} <= free
    assert "k" not in free and "tau" not in pm_model.named_vars  # no trend by default
    assert pm_model["log_metric"].owner.op.name == "t"  # Student-t by default
    assert HierarchicalComputeScaling(sim_frame, robust=False).build_model()[
        "log_metric"].owner.op.name == "normal"
    # k is the inverse slope: prior draws of k are positive, a = a_ref + log C_ref / k
    k, a, a_ref, log_ref = pm.draw([pm_model["k"], pm_model["a"], pm_model["log_error_ref"],
                                    pm_model["log_ref_size"]], draws=100, random_seed=1)
    assert np.all(k > 0)
    np.testing.assert_allclose(a, a_ref + log_ref / k)


def test_centred_log_compute(sim_frame):
    model = HierarchicalComputeScaling(sim_frame)
    x = model.build_model()["log_size_centered"].get_value()
    idx = model.obs_curve_idx
    compute = sim_frame["compute"].to_numpy()
    for c in np.unique(idx):
        assert np.isclose(np.mean(np.log(np.unique(compute[idx == c]))), model.log_ref[c])
        assert abs(np.mean(x[idx == c])) < 1.0 and x[idx == c].min() < 0 < x[idx == c].max()


def test_trend_and_exponential_graphs(sim_frame):
    trend = HierarchicalComputeScaling(sim_frame, trend=True).build_model()
    for name in ("tau", "algorithmic_progress_compute_per_year", "years_for_10x_compute"):
        assert trend.named_vars_to_dims[name] == (dims.CURVE,)
    assert trend.named_vars_to_dims["year_centered"] == (dims.OBS,)
    assert "z_tau" in {rv.name for rv in trend.free_RVs}
    tau, k, prog, years = pm.draw([trend["tau"], trend["k"],
                                   trend["algorithmic_progress_compute_per_year"],
                                   trend["years_for_10x_compute"]], draws=200, random_seed=2)
    np.testing.assert_allclose(prog, np.exp(-tau * k))
    ok = tau < 0
    np.testing.assert_allclose(years[ok], np.log(10) / (-tau[ok] * k[ok]))
    assert np.all(np.isinf(years[~ok]))

    expo = HierarchicalComputeScaling(sim_frame, form="exponential")
    pm_model = expo.build_model()
    assert "k" not in pm_model.named_vars
    for name in ("error_lo", "error_hi", "a", "b"):
        assert pm_model.named_vars_to_dims[name] == (dims.CURVE,)
    e_lo, e_hi, a, b = pm.draw([pm_model[n] for n in ("error_lo", "error_hi", "a", "b")],
                               draws=200, random_seed=3)
    assert np.all(e_lo > 0) and np.all(e_hi > 0)
    # the line a - b log C passes through both ends, so it is positive over the data range
    np.testing.assert_allclose(a - b * expo.log_min, e_lo, rtol=1e-6)
    np.testing.assert_allclose(a - b * expo.log_max, e_hi, rtol=1e-6)
    # same observed variable (log error) as the polynomial form: comparable by LOO
    assert pm_model.named_vars_to_dims["log_metric"] == (dims.OBS,)


def test_settings_and_priors_are_validated(sim_frame):
    with pytest.raises(ModelConfigError, match="form must be one of"):
        HierarchicalComputeScaling(sim_frame, form="cubic")
    with pytest.raises(ModelConfigError, match="trend must be True or False"):
        HierarchicalComputeScaling(sim_frame, trend="yes")
    with pytest.raises(DataValidationError, match="needs a 'year' column"):
        HierarchicalComputeScaling(sim_frame.drop(columns="year"), trend=True)
    with pytest.raises(PriorConfigError, match=r"\['tau_mu'\] are not used"):
        HierarchicalComputeScaling(sim_frame, priors={"tau_mu": {"dist": "Normal",
                                                                 "kwargs": {"mu": 0, "sigma": 1}}})
    with pytest.raises(PriorConfigError, match="did you mean 'log_k_mu'"):
        HierarchicalComputeScaling(sim_frame, priors={"log_k_m": {"dist": "Normal",
                                                                  "kwargs": {"mu": 0, "sigma": 1}}})
    model = HierarchicalComputeScaling(
        sim_frame, priors={"log_k_mu": {"dist": "Normal", "kwargs": {"mu": 1.5, "sigma": 0.3}}})
    assert model.priors["log_k_mu"].kwargs == {"mu": 1.5, "sigma": 0.3}
    # only the priors the configuration uses are kept (and enter the model id)
    assert set(model.priors) == set(model.used_prior_names)
    assert "tau_mu" not in model.priors and "log_error_lo_offset" not in model.priors
    assert HierarchicalComputeScaling(sim_frame).model_id() != model.model_id()
    assert (HierarchicalComputeScaling(sim_frame, trend=True).model_id()
            != HierarchicalComputeScaling(sim_frame).model_id())
    assert MODELS["compute_scaling"] is HierarchicalComputeScaling


def test_compute_kind_from_notes_or_argument(sim_frame):
    assert HierarchicalComputeScaling(sim_frame).compute_kind == "unknown"
    assert HierarchicalComputeScaling(sim_frame, compute_kind="network").compute_kind == "network"
    table = ScalingData.from_frame(sim_frame, size="compute")
    noted = ScalingData(table.frame, size="compute", notes=("compute kind: hardware",))
    assert compute_kind_of(noted) == "hardware"
    assert HierarchicalComputeScaling(noted).config()["compute_kind"] == "hardware"
    assert HierarchicalComputeScaling(noted, compute_kind="network").compute_kind == "network"
    mixed = ScalingData(table.frame, size="compute",
                        notes=("compute kind: hardware", "compute kind: network"))
    assert compute_kind_of(mixed) == "mixed (hardware, network)"
    with pytest.raises(ModelConfigError, match="compute_kind must be a non-empty string"):
        HierarchicalComputeScaling(sim_frame, compute_kind=" ")


# ---------------------------------------------------------------- frontier selection

def test_frontier_mask_is_the_running_minimum():
    frame = pd.DataFrame({
        "domain": "d", "curve": ["a"] * 7 + ["b"] * 3,
        "compute": [4.0, 1.0, 2.0, 2.0, 3.0, 5.0, 6.0, 1.0, 2.0, 3.0],
        "error": [0.30, 0.50, 0.45, 0.40, 0.42, 0.30, 0.20, 0.9, 0.8, 0.85],
    })
    # curve a by compute: 1:.50 keep, 2:.40 keep (tie at 2: best first), 2:.45 drop,
    # 3:.42 drop, 4:.30 keep, 5:.30 drop (not strictly better), 6:.20 keep
    assert frontier_mask(frame).tolist() == [True, True, False, True, False, False, True,
                                             True, True, False]
    # the frontier is monotone and never above any point with less compute
    keep = frontier_mask(frame)
    for _, group in frame[keep].groupby("curve"):
        assert group.sort_values("compute")["error"].is_monotonic_decreasing


def test_frontier_mode_records_every_excluded_point(sim_frame):
    model = HierarchicalComputeScaling(sim_frame, frontier=True)
    mask = frontier_mask(sim_frame)
    assert len(model.data.frame) == mask.sum()
    assert len(model.excluded) == (~mask).sum() > 0
    assert set(model.excluded["label"]) == set(sim_frame.loc[~mask, "label"])
    # each excluded point names a model with less or equal compute and lower or equal error
    assert np.all(model.excluded["dominated_by_compute"] <= model.excluded["compute"])
    assert np.all(model.excluded["dominated_by_error"] <= model.excluded["error"])
    summary = model.frontier_summary()
    assert summary["n_points"] == len(sim_frame)
    assert summary["n_kept"] + summary["n_excluded"] == len(sim_frame)
    assert sum(c["excluded"] for c in summary["per_curve"].values()) == summary["n_excluded"]
    assert [e["label"] for e in summary["excluded"]] == model.excluded["label"].tolist()
    assert model.config()["frontier"] is True
    everything = HierarchicalComputeScaling(sim_frame)
    assert everything.frontier_summary()["n_excluded"] == 0
    tiny = pd.DataFrame({"domain": "d", "curve": "c", "compute": [1.0, 2.0, 3.0, 4.0],
                         "error": [0.5, 0.4, 0.6, 0.7]})
    with pytest.raises(DataValidationError, match="frontier mode leaves"):
        HierarchicalComputeScaling(tiny, frontier=True)


# ---------------------------------------------------------------- datasets

@needs_mirror
def test_load_benchmarks_concatenates_and_states_compute_kind(tmp_path):
    data = load_benchmarks(["imagenet", "thompson2020-squad"], mirror=MIRROR, cache_dir=tmp_path)
    assert data.size == "compute" and data.domains == ["imagenet", "squad"]
    assert {"year", "label"} <= set(data.frame.columns)
    assert data.notes[0] == "compute kind: hardware"
    assert any(n.startswith("[thompson2020-squad]") for n in data.notes)
    assert compute_kind_of(data) == "hardware"
    assert HierarchicalComputeScaling(data).coords[dims.CURVE] == [
        "imagenet/top1", "imagenet/top5", "squad/f1"]
    with pytest.raises(DatasetError, match="network"):
        load_benchmarks(["squad"], mirror=MIRROR, cache_dir=tmp_path, compute="network")
    with pytest.raises(ModelConfigError, match="duplicate"):
        load_benchmarks(["imagenet", "thompson2020-imagenet"], mirror=MIRROR)


# ---------------------------------------------------------------- sampling

def test_recovery_of_k_and_trend(trend_fit):
    _, fit, messages = trend_fit
    report = json.loads(fit.attrs["diagnostics"])
    assert report["divergences"] == 0 and report["max_rhat"] < 1.02, (report, messages)
    post = fit["posterior"]
    inside_k = _inside(post["k"], TRUE_K)
    inside_tau = _inside(post["tau"], TRUE_TAU)
    assert all(inside_k.values()), inside_k
    assert all(inside_tau.values()), inside_tau
    # benchmark degrees are ordered as the truth (A flatter in compute than B)
    k_dom = post["k_domain"].median((dims.CHAIN, dims.DRAW))
    assert float(k_dom.sel(domain="benchA")) < float(k_dom.sel(domain="benchB"))
    assert {"log_likelihood", "observed_data", "constant_data"} <= set(fit.children)
    assert fit["log_likelihood"]["log_metric"].dims[-1] == dims.OBS
    assert fit.attrs["compute_kind"] == "unknown"
    progress = summarize_algorithmic_progress(fit)
    assert set(progress["quantity"]) == {"tau", "algorithmic_progress_compute_per_year",
                                         "years_for_10x_compute"}
    assert (progress["p_progress"] > 0.9).all()


def test_compute_growth_projection_arithmetic(trend_fit):
    _, fit, _ = trend_fit
    post = fit["posterior"]
    proj = project_compute_growth(fit, ["x0.5", 0.05])
    for name, dim_names in (("compute_growth", (dims.CHAIN, dims.DRAW, dims.CURVE, dims.TARGET)),
                            ("compute_growth_domain",
                             (dims.CHAIN, dims.DRAW, dims.DOMAIN, dims.TARGET)),
                            ("target_value", (dims.CHAIN, dims.DRAW, dims.CURVE, dims.TARGET))):
        assert proj[name].dims == dim_names
    assert proj["curve_domain"].dims == (dims.CURVE,)
    assert bool(proj["reachable"].all()) and float(proj["p_reachable"].min()) == 1.0
    # halving the error takes a factor 2**k of compute, whatever the year
    np.testing.assert_allclose(proj["compute_growth"].sel(target="x0.5"), 2.0 ** post["k"],
                               rtol=1e-8)
    np.testing.assert_allclose(proj["current_size"], fit["constant_data"]["max_size"])
    # one more year of algorithms saves exactly one year of algorithmic progress
    assert proj.attrs["year"] == "latest observed year of each curve"
    np.testing.assert_array_equal(proj["projection_year"], fit["constant_data"]["max_year"])
    now, later = (project_compute_growth(fit, 0.05, year=y) for y in (2020, 2021))
    assert now.attrs["year"] == 2020.0
    ratio = now["compute_growth"].sel(target="0.05") / later["compute_growth"].sel(
        target="0.05")
    np.testing.assert_allclose(ratio, post["algorithmic_progress_compute_per_year"], rtol=1e-8)
    # domain level: the best curve of the benchmark, relative to the benchmark's largest compute
    members = proj["curve_domain"] == "benchA"
    best = (proj["compute_growth"].where(members, drop=True)
            * proj["current_size"].where(members, drop=True)).min(dims.CURVE)
    np.testing.assert_allclose(proj["compute_growth_domain"].sel(domain="benchA"),
                               best / float(proj["current_size_domain"].sel(domain="benchA")))
    table = summarize_projection(proj)
    assert set(table["quantity"]) == {"compute_growth"}
    assert set(table["level"]) == {"curve", "domain"}
    assert (table["p_reachable"] == 1.0).all() and (table["lower"] <= table["upper"]).all()
    with pytest.raises(ProjectionError, match="error targets must be in"):
        project_compute_growth(fit, 1.5)
    with pytest.raises(ProjectionError, match="target value must be a finite number > 0"):
        project_compute_growth(fit, -0.1)


def test_degree_table_mirrors_implied_degree_table(trend_fit):
    _, fit, _ = trend_fit
    fitted = summarize_degree_fit(fit)
    post = fit["posterior"]
    # the implied-degree table of projection.summarize_degree, on the same draws
    implied = summarize_degree(xr.Dataset(
        {"implied_k": post["k"], "implied_k_domain": post["k_domain"],
         "implied_k_global": post["k_global"]},
        coords={"curve_domain": (dims.CURVE, fit["constant_data"]["curve_domain"].values)}))
    assert list(fitted.columns) == list(implied.columns)
    pd.testing.assert_frame_equal(fitted, implied)
    assert fitted["level"].tolist() == ["curve"] * 4 + ["domain"] * 2 + ["population"]
    assert fitted.attrs["compute_kind"] == "unknown"


def test_exponential_form_fit_and_projection():
    rng = np.random.default_rng(7)
    rows = []
    truth_b = {"a/x": 0.02, "a/y": 0.01}
    for label, b in truth_b.items():
        log_c = rng.uniform(np.log(1e16), np.log(1e22), 30)
        mean = 0.15 + b * (np.log(1e22) - log_c)  # error 0.15 at 1e22, rising to the left
        err = mean * np.exp(0.05 * rng.standard_normal(30))
        rows += [(*label.split("/"), float(np.exp(c)), float(e)) for c, e in zip(log_c, err,
                                                                                 strict=True)]
    frame = pd.DataFrame(rows, columns=["domain", "curve", "compute", "error"])
    fit, _ = _fit(HierarchicalComputeScaling(frame, form="exponential"))
    assert json.loads(fit.attrs["model_config"])["form"] == "exponential"
    assert fit.attrs["form"] == "exponential"
    assert "log_metric" in fit["log_likelihood"]
    assert all(_inside(fit["posterior"]["b"], truth_b).values())
    proj = project_compute_growth(fit, [0.05, 1e-3, "x0.5"])
    # no floor: a line keeps falling, every draw with b > 0 reaches any positive error
    b = fit["posterior"]["b"]
    np.testing.assert_array_equal(proj["reachable"].sel(target="0.001"), b > 0)
    assert float(proj["p_reachable"].min()) == 1.0
    log_growth = (fit["posterior"]["error_hi"] - 0.05) / b
    np.testing.assert_allclose(np.log(proj["compute_growth"].sel(target="0.05")), log_growth,
                               rtol=1e-8)
    assert (proj["compute_growth"] > 1).all()
    with pytest.raises(ProjectionError):
        project_compute_growth(fit, 0.0)
    with pytest.raises(ProjectionError, match="year= applies to fits with trend"):
        project_compute_growth(fit, 0.05, year=2030)
    with pytest.raises(ProjectionError, match="no polynomial degree"):
        summarize_degree_fit(fit)


def test_save_load_round_trip(trend_fit, tmp_path):
    _, fit, _ = trend_fit
    path = save_fit(fit, tmp_path / "compute.nc")
    back = load_fit(path)
    assert back.attrs["model_type"] == "compute_scaling"
    for key in ("compute_kind", "form", "frontier_selection", "model_id", "model_config"):
        assert back.attrs[key] == fit.attrs[key]
    xr.testing.assert_allclose(back["posterior"]["k"], fit["posterior"]["k"])
    assert list(back["constant_data"]["curve_domain"].values) == ["benchA"] * 2 + ["benchB"] * 2
    pd.testing.assert_frame_equal(fitted_table(back), fitted_table(fit))
    # a projection from the reloaded fit equals the original's
    xr.testing.assert_allclose(project_compute_growth(back, "x0.5")["compute_growth"],
                               project_compute_growth(fit, "x0.5")["compute_growth"])
    assert frontier_selection(back)["enabled"] is False


# ---------------------------------------------------------------- acceptance: ImageNet

def test_acceptance_imagenet_top1_hardware(imagenet_hardware):
    frame = imagenet_hardware.frame
    top1 = ScalingData(frame[frame["curve"] == "top1"].reset_index(drop=True), size="compute",
                       source=imagenet_hardware.source, notes=imagenet_hardware.notes)
    with pytest.warns(IdentificationWarning, match="one curve in the table"):
        model = HierarchicalComputeScaling(top1)  # nothing to pool: said, not hidden
    assert model.compute_kind == "hardware"
    fit, messages = _fit(model)
    assert fit.attrs["compute_kind"] == "hardware"
    report = json.loads(fit.attrs["diagnostics"])
    assert {"divergences", "max_rhat", "min_ess_bulk", "ok"} <= set(report)
    assert report["max_rhat"] < 1.05, (report, messages)
    degree = summarize_degree_fit(fit)
    k = degree[degree["level"] == "curve"].iloc[0]
    assert 1 < k["lower"] < k["median"] < k["upper"] < 100
    proj = project_compute_growth(fit, "imagenet-top1-5pct")
    table = summarize_projection(proj)
    row = table[(table["level"] == "curve")].iloc[0]
    assert row["target"] == "0.05" and row["p_reachable"] == 1.0
    assert row["median"] > 1 and row["lower"] > 1
    print(f"\nImageNet top-1, hardware compute (Thompson et al. found k ~ 9): k median "
          f"{k['median']:.2f}, {k['ci_prob']:.0%} {k['ci_kind']} [{k['lower']:.2f}, "
          f"{k['upper']:.2f}], P(k > 4) = {k['p_above_theory_bound']:.3f}; compute growth "
          f"to 5% top-1 error: median {row['median']:.3g} [{row['lower']:.3g}, "
          f"{row['upper']:.3g}] x {row['current_size']:.3g} FLOP; diagnostics "
          f"{report['divergences']} divergences, max R-hat {report['max_rhat']:.3f}, "
          f"min bulk ESS {report['min_ess_bulk']:.0f}")


def test_compare_degrees_side_by_side(trend_fit):
    from _fits import width_sweep_fits

    from bayes_scaling.compute_projection import compare_degrees
    from bayes_scaling.projection import project_growth

    _, lc, ms = width_sweep_fits()
    _, fit, _ = trend_fit
    table = compare_degrees(learning_curve_projection=project_growth(lc, ["x0.8"],
                                                                     model_size_fit=ms),
                            compute_fit=fit)
    assert table.columns[0] == "source"
    assert set(table["source"]) == {"implied (learning curve + model size)",
                                    "fitted (compute scaling, unknown compute)"}
    assert (table["theory_bound"] == 4.0).all()
    with pytest.raises(ProjectionError, match="learning_curve_projection"):
        compare_degrees()
