"""The joint law's discrepancy and its slope coordinates.

* the marginal likelihood of the bridges (Woodbury, several axes, per-row precisions)
  against dense Normal algebra, with its leave-one-out densities and knot posterior;
* the slope coordinates keep the prior of the exponents (same model, other coordinates);
* a surface that strays from the form along log N (Brownian motion of known rate): the
  discrepancy option's intervals hold the held-out larger models, the plain law's (the
  default) do not, and
  the intervals widen with the distance beyond the fitted sizes;
* the Normal likelihood's route (knots integrated out) predicts and saves;
* fits made before the discrepancy rebuild as the plain law.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import pytest
import xarray as xr
from _joint_fits import inside, quiet_fit
from scipy import stats

from bayes_scaling.errors import ModelConfigError, PriorConfigError
from bayes_scaling.io import load_fit, save_fit
from bayes_scaling.models import JointScalingLaw
from bayes_scaling.models.discrepancy import bridge_knots
from bayes_scaling.models.joint import joint_loss
from bayes_scaling.models.surface_discrepancy import SurfaceBridge
from bayes_scaling.prediction import predict

#: Known law of the simulated surfaces (not the Chinchilla values).
TRUTH = {"E": 1.9, "A": 250.0, "B": 1200.0, "alpha": 0.30, "beta": 0.33}
#: Model sizes of the simulation; the two largest are held out.
SIZES = np.geomspace(1e7, 3e9, 8)
#: Tokens per parameter of every model size.
TOKENS_PER_PARAM = np.array([2.0, 5.0, 10.0, 20.0, 50.0, 100.0])
#: Rate of the simulated discrepancy along log N (log loss per square root of log size).
RATE = 0.04


def simulate_discrepant(*, seed: int, n_curves: int = 4, rate: float = RATE,
                        noise: float = 0.004) -> pd.DataFrame:
    """Curves of one law plus, per curve, a Brownian motion along log N of known ``rate``
    (started at the smallest size), shared by every row of a model size; ``split`` holds
    out the two largest sizes."""
    rng = np.random.default_rng(seed)
    frames = []
    for c in range(n_curves):
        steps = rng.normal(0.0, rate * np.sqrt(np.diff(np.log(SIZES))))
        walk = np.concatenate([[0.0], np.cumsum(steps)])
        n = np.repeat(SIZES, len(TOKENS_PER_PARAM))
        d = n * np.tile(TOKENS_PER_PARAM, len(SIZES))
        log_loss = (np.log(joint_loss(n, d, **TRUTH)) + np.repeat(walk, len(TOKENS_PER_PARAM))
                    + rng.normal(0.0, noise, len(n)))
        frames.append(pd.DataFrame({
            "domain": "sim", "curve": f"c{c}", "params": n, "data": d,
            "loss": np.exp(log_loss), "split": np.where(n > SIZES[5] * 1.01, "holdout", "fit")}))
    return pd.concat(frames, ignore_index=True)


@functools.cache
def _simulated_fits() -> tuple[pd.DataFrame, xr.DataTree, xr.DataTree]:
    frame = simulate_discrepant(seed=0)
    return (frame, quiet_fit(JointScalingLaw(frame, discrepancy=True)),
            quiet_fit(JointScalingLaw(frame)))


# ------------------------------------------------------------------ marginal likelihood

@pytest.mark.parametrize("kernel", ["brownian", "brownian_end"])
def test_surface_bridge_matches_dense_normal_algebra(kernel):
    rng = np.random.default_rng(0)
    curve_idx = np.repeat([0, 1], 15)
    log_n, log_d = rng.uniform(15, 20, 30), rng.uniform(18, 25, 30)
    knots = [bridge_knots(log_n, curve_idx, 2, n_knots=5, kernel=kernel),
             bridge_knots(log_d, curve_idx, 2, n_knots=4, kernel=kernel)]
    bridge = SurfaceBridge.from_axes(knots, [log_n, log_d], curve_idx)
    pinned = 2 if kernel == "brownian" else 1  # knots pinned per axis
    assert bridge.weights.shape == (30, 9 - 2 * pinned)
    assert list(bridge.axis_of) == [0] * (5 - pinned) + [1] * (4 - pinned)
    residual = rng.normal(0.0, 0.05, 30)
    precision = rng.uniform(100.0, 1000.0, 30)  # a different noise per row
    rates = np.array([[0.03, 0.05], [0.02, 0.1]])
    args = [pt.as_tensor(v) for v in (residual, precision, rates)]
    dense_logp, dense_loo = 0.0, np.zeros(30)
    for c in range(2):
        rows = curve_idx == c
        scaled = bridge.weights[rows] * rates[c, bridge.axis_of]
        cov = np.diag(1.0 / precision[rows]) + scaled @ scaled.T
        dense_logp += stats.multivariate_normal(np.zeros(rows.sum()), cov).logpdf(residual[rows])
        prec = np.linalg.inv(cov)
        dense_loo[rows] = (-0.5 * np.log(2 * np.pi) + 0.5 * np.log(np.diag(prec))
                           - 0.5 * (prec @ residual[rows]) ** 2 / np.diag(prec))
    np.testing.assert_allclose(bridge.logp(*args).eval(), dense_logp, rtol=1e-10)
    np.testing.assert_allclose(bridge.loo_pointwise(*args).eval(), dense_loo, atol=1e-10)
    # the knot draw is linear in z: its mean and covariance are the Gaussian posterior's
    f = bridge.weights.shape[1]
    draw = [bridge.knot_posterior(*args, pt.as_tensor(z)).eval()
            for z in [np.zeros((2, f))] + [np.eye(f)[[k, k]] for k in range(f)]]
    for c in range(2):
        rows = curve_idx == c
        scale = np.diag(rates[c, bridge.axis_of])
        a = bridge.weights[rows]
        post_cov = np.linalg.inv(np.linalg.inv(scale @ scale)
                                 + a.T @ np.diag(precision[rows]) @ a)
        post_mean = post_cov @ a.T @ (precision[rows] * residual[rows])
        np.testing.assert_allclose(draw[0][c], post_mean, atol=1e-12)
        cols = np.stack([d[c] - draw[0][c] for d in draw[1:]], axis=1)
        np.testing.assert_allclose(cols @ cols.T, post_cov, atol=1e-12)


def test_size_offsets_integrated_out_are_the_dense_group_covariance():
    """The model sizes' offsets as indicator columns: the residuals of one size share the
    offset's variance; the logp, the leave-one-out densities and the offsets' posterior
    are the dense Normal algebra's."""
    rng = np.random.default_rng(1)
    curve_idx = np.repeat([0, 1], 12)
    groups = np.r_[np.repeat([0, 1, 2], 4), np.repeat([0, 1], 6)]  # 3 sizes, then 2
    log_d = rng.uniform(18, 25, 24)
    knots = [bridge_knots(log_d, curve_idx, 2, n_knots=4)]
    bridge = SurfaceBridge.from_axes(knots, [log_d], curve_idx, groups=groups)
    assert bridge.weights.shape == (24, 2 + 3) and list(bridge.axis_of) == [0, 0, 1, 1, 1]
    residual = rng.normal(0.0, 0.05, 24)
    precision = rng.uniform(100.0, 1000.0, 24)
    rates = np.array([[0.03, 0.02], [0.05, 0.02]])  # (bridge rate, offsets' scale)
    args = [pt.as_tensor(v) for v in (residual, precision, rates)]
    dense = 0.0
    for c in range(2):
        rows = curve_idx == c
        bend = bridge.weights[rows][:, :2] * rates[c, 0]
        same_size = groups[rows][:, None] == groups[rows][None, :]
        cov = (np.diag(1.0 / precision[rows]) + bend @ bend.T
               + rates[c, 1] ** 2 * same_size)
        dense += stats.multivariate_normal(np.zeros(rows.sum()), cov).logpdf(residual[rows])
    np.testing.assert_allclose(bridge.logp(*args).eval(), dense, rtol=1e-10)
    # curve 1 has 2 sizes: its third offset column is empty and its draw is the prior's
    zero = bridge.knot_posterior(*args, pt.as_tensor(np.zeros((2, 5)))).eval()
    assert zero[1, 4] == 0.0
    with pytest.raises(ValueError, match="groups must give each row"):
        SurfaceBridge.from_axes(knots, [log_d], curve_idx, groups=groups[:-1])


# ------------------------------------------------------------------ slope coordinates

def test_slope_coordinates_keep_the_prior_of_the_exponents():
    frame = simulate_discrepant(seed=1, n_curves=1)
    draws = {}
    for parameterization in ("slope", "share"):
        model = JointScalingLaw(frame, discrepancy=False, parameterization=parameterization)
        draws[parameterization] = pm.sample_prior_predictive(
            draws=3000, model=model.build_model(), random_seed=11)["prior"]
    for name in ("alpha", "beta", "E", "params_term_ref", "ref_loss"):
        a, b = (draws[k][name].values.ravel() for k in ("slope", "share"))
        assert stats.ks_2samp(a, b).pvalue > 1e-3, name
    # alpha ~ LogNormal(-0.7, 0.7) in both: its median is exp(-0.7) = 0.50
    assert abs(np.median(draws["slope"]["alpha"].values) - np.exp(-0.7)) < 0.03
    gamma = {"alpha": {"dist": "Gamma", "kwargs": {"alpha": 2.0, "beta": 4.0}}}
    with pytest.raises(PriorConfigError, match="needs a LogNormal prior on 'alpha'"):
        JointScalingLaw(frame, priors=gamma)
    JointScalingLaw(frame, priors=gamma, parameterization="share").build_model()


# ------------------------------------------------------------------ held-out coverage

def test_discrepancy_intervals_hold_larger_models_the_plain_law_misses():
    frame, fit, plain = _simulated_fits()
    held = frame[frame["split"] == "holdout"].reset_index(drop=True)
    rows = held.drop(columns=["loss", "split"])
    out = predict(fit, rows, probs=[0.5, 0.9])
    out_plain = predict(plain, rows, probs=[0.5, 0.9])
    assert (out["extrapolation"] > 0.5).all()
    cover, cover_plain = inside(out, held["loss"], 0.9), inside(out_plain, held["loss"], 0.9)
    width = np.median(np.log(out["loss_upper_0.9"] / out["loss_lower_0.9"]))
    print(f"\n90% coverage of {len(held)} held-out rows: discrepancy {cover.mean():.2f}, "
          f"plain {cover_plain.mean():.2f}; median width (log) {width:.3f}")
    assert cover.mean() >= 0.8
    assert cover_plain.mean() <= 0.75 and cover_plain.mean() < cover.mean() - 0.15
    # and not by being uninformative: the truth's drift over the held-out sizes has sd
    # RATE * sqrt(0.9 .. 2.8 log units) = 0.04-0.07, so a 90% width (log) near 0.1-0.25
    assert width < 0.3


def test_intervals_widen_with_the_distance_beyond_the_fitted_sizes():
    frame, fit, plain = _simulated_fits()
    largest = frame.loc[frame["split"] == "fit", "params"].max()
    steps = np.array([0.0, 1.0, 2.0, 4.0])
    rows = pd.DataFrame({"domain": "sim", "curve": "c0", "params": largest * np.exp(steps),
                         "data": 20.0 * largest})
    widths = {}
    for name, tree in (("discrepancy", fit), ("plain", plain)):
        out = predict(tree, rows, probs=[0.9], seed=3)
        np.testing.assert_allclose(out["extrapolation"], steps, atol=1e-9)
        widths[name] = np.log(out["loss_upper_0.9"] / out["loss_lower_0.9"]).to_numpy()
    assert (np.diff(widths["discrepancy"]) > 0).all(), widths
    # the Brownian part: variance grows by rate**2 per log unit; at 4 log units beyond
    # the fitted sizes the discrepancy model is much wider than the plain law
    assert widths["discrepancy"][-1] > 1.5 * widths["plain"][-1], widths
    rate = float(fit["posterior"]["params_discrepancy_rate"].sel(curve="sim/c0").median())
    assert 0.3 * RATE < rate < 3.0 * RATE


# ------------------------------------------------------------------ Normal likelihood

def test_normal_likelihood_integrates_the_knots_out_and_predicts(tmp_path):
    frame = simulate_discrepant(seed=2, n_curves=1)
    fit = quiet_fit(JointScalingLaw(frame, robust=False, discrepancy=True), draws=200)
    assert "z_params_discrepancy" not in fit["posterior"]
    assert "loo_pointwise_log_density" not in fit["posterior"]
    loo = fit["log_likelihood"]["log_loss"]
    assert loo.sizes["obs"] == int((frame["split"] == "fit").sum())
    assert bool(np.isfinite(loo).all())
    loaded = load_fit(save_fit(fit, tmp_path / "normal.nc"))
    held = frame[frame["split"] == "holdout"]
    out = predict(loaded, held.drop(columns=["loss", "split"]), probs=[0.9])
    error = np.abs(np.log(out["loss_median"].to_numpy() / held["loss"].to_numpy()))
    assert error.max() < 0.15
    assert (out["loss_lower_0.9"] < out["loss_median"]).all()


# ------------------------------------------------------------------ older fits

def test_fits_without_discrepancy_settings_rebuild_as_the_plain_law():
    frame = simulate_discrepant(seed=3, n_curves=1)
    fit = quiet_fit(JointScalingLaw(frame, discrepancy=False, parameterization="share"),
                     draws=100, tune=100)
    old = fit.copy()
    config = json.loads(old.attrs["model_config"])
    for key in ("discrepancy", "discrepancy_knots", "parameterization"):
        config.pop(key)
    old.attrs["model_config"] = json.dumps(config)
    rebuilt = JointScalingLaw.from_fit(old)
    assert rebuilt.discrepancy is False and rebuilt.parameterization == "share"
    assert "alpha" in {rv.name for rv in rebuilt.build_model().free_RVs}
    out = predict(old, frame.loc[frame["split"] == "holdout"].drop(columns=["loss", "split"]))
    assert out["loss_median"].notna().all()


# ------------------------------------------------------------------ one axis

@pytest.mark.parametrize("axes", [(), ("data", "data"), ("tokens",), "data"])
def test_discrepancy_axes_are_validated(axes):
    frame = simulate_discrepant(seed=4, n_curves=1)
    with pytest.raises(ModelConfigError, match="discrepancy_axes must be a non-empty tuple"):
        JointScalingLaw(frame, discrepancy=True, discrepancy_axes=axes)


def test_a_discrepancy_along_data_only_bends_d_and_leaves_n_to_the_law(tmp_path):
    frame = simulate_discrepant(seed=4, n_curves=1)
    model = JointScalingLaw(frame, robust=False, discrepancy=True, discrepancy_axes=("data",),
                            size_effect=True)
    assert list(model.knots) == ["data"]
    fit = quiet_fit(model, draws=100, tune=200)
    assert "data_discrepancy_rate" in fit["posterior"]
    assert "params_discrepancy_rate" not in fit["posterior"]
    # the model sizes' offsets are integrated out with the bridge, only their scale sampled
    assert "size_effect_sigma" in fit["posterior"]
    assert not {"z_size_effect", "size_effect"} & set(fit["posterior"].data_vars)
    assert json.loads(fit.attrs["model_config"])["discrepancy_axes"] == ["data"]
    loaded = load_fit(save_fit(fit, tmp_path / "data_axis.nc"))
    assert JointScalingLaw.from_fit(loaded).discrepancy_axes == {"data": "data"}
    # beyond the fitted model sizes only the law and a new size's offset widen the
    # interval; beyond the fitted token counts the Brownian continuation does too
    largest = frame.loc[frame["split"] == "fit", ["params", "data"]].max()
    rows = pd.DataFrame({"domain": "sim", "curve": "c0",
                         "params": [largest["params"]] * 2,
                         "data": [largest["data"], largest["data"] * np.exp(4.0)]})
    out = predict(loaded, rows, probs=[0.9], seed=1)
    width = np.log(out["loss_upper_0.9"] / out["loss_lower_0.9"]).to_numpy()
    assert width[1] > width[0]
    # a fitted size keeps its offset (drawn given the data); a size the fit has not seen
    # draws a new one, so at the same token count its interval is wider
    held = frame[frame["split"] == "holdout"]
    new_size = held.loc[held["params"] == held["params"].min()].iloc[[0]]
    at = pd.concat([new_size.assign(params=largest["params"]), new_size])
    out = predict(loaded, at.drop(columns=["loss", "split"]), probs=[0.9], seed=1)
    width = np.log(out["loss_upper_0.9"] / out["loss_lower_0.9"]).to_numpy()
    assert width[1] > width[0]


# ------------------------------------------------------------------ pooled floors

def test_floor_pooling_pools_the_floor_fractions_of_three_or_more_curves():
    from bayes_scaling.simulate import simulate_checkpoint_runs

    frame = simulate_checkpoint_runs(seed=0, n_families=3, n_checkpoints=4).frame
    pooled = JointScalingLaw(frame, floor_pooling=True)
    free = {rv.name for rv in pooled.build_model().free_RVs}
    assert {"z_floor_fraction", "logit_floor_fraction_mu", "logit_floor_fraction_sigma"} <= free
    assert "floor_fraction" not in free and pooled.config()["floor_pooling"] is True
    # the floors are still below every curve's smallest loss
    model = pooled.build_model()
    draw = pm.draw(model["E"], random_seed=1)
    assert (draw < pooled.min_metric).all()
    # two curves are too few to pool: each keeps its own uniform prior
    two = frame[frame["curve"].isin(sorted(frame["curve"].unique())[:2])]
    alone = JointScalingLaw(two, floor_pooling=True)
    assert not alone.pools_floor
    assert "floor_fraction" in {rv.name for rv in alone.build_model().free_RVs}
    with pytest.raises(ModelConfigError, match="floor_pooling must be True or False"):
        JointScalingLaw(frame, floor_pooling="domain")


def test_a_discrepancy_pinned_at_the_largest_tokens_is_free_at_the_first_checkpoint():
    """``discrepancy_kernel="brownian_end"``: the bend along D is pinned at the largest
    fitted token count only, so the first checkpoints may sit far above the law (early
    training) without pulling it; predictions below and above the fitted tokens work."""
    from bayes_scaling.simulate import simulate_checkpoint_runs

    frame = simulate_checkpoint_runs(seed=1, n_families=1, n_checkpoints=6).frame
    with pytest.raises(ModelConfigError, match="discrepancy_kernel must be one of"):
        JointScalingLaw(frame, discrepancy=True, discrepancy_kernel="integrated")
    model = JointScalingLaw(frame, robust=False, discrepancy=True, discrepancy_axes=("data",),
                            discrepancy_kernel="brownian_end")
    assert model.knots["data"].n_free == model.discrepancy_knots - 1
    assert len(model.coords["knot"]) == model.discrepancy_knots - 1
    fit = quiet_fit(model, draws=100, tune=200)
    assert json.loads(fit.attrs["model_config"])["discrepancy_kernel"] == "brownian_end"
    assert JointScalingLaw.from_fit(fit).discrepancy_kernel == "brownian_end"
    fitted = frame.loc[frame["params"] == frame["params"].max()]
    rows = pd.DataFrame({"domain": "lm", "curve": fitted["curve"].iloc[0],
                         "params": fitted["params"].iloc[0],
                         "data": [fitted["data"].min() / 10, fitted["data"].max(),
                                  fitted["data"].max() * 10]})
    out = predict(fit, rows, probs=[0.9], seed=1)
    width = np.log(out["loss_upper_0.9"] / out["loss_lower_0.9"]).to_numpy()
    assert np.isfinite(width).all()
    # at the pinned end only the law and the noise; beyond it the walk widens the interval
    assert width[2] > width[1]
