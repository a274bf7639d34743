"""``predict`` for the joint law, compute scaling and model size (learning curves:
test_prediction.py): columns, nested intervals, held-out truth, bad rows, the CLI."""

from __future__ import annotations

import functools
import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from _fits import chinchilla_joint_fit, imagenet_compute_fit, width_sweep_fits
from _paths import MIRROR, needs_mirror

from bayes_scaling.cli import main
from bayes_scaling.errors import DataValidationError, FitFileError, ModelConfigError
from bayes_scaling.io import save_fit
from bayes_scaling.models import (
    HierarchicalComputeScaling,
    HierarchicalModelSize,
    JointScalingLaw,
    SamplerConfig,
)
from bayes_scaling.prediction import predict, predictable_model_types

NEW = "new curve: population predictive"


def _check_nested(out: pd.DataFrame, quantity: str, probs=(0.5, 0.9)) -> None:
    """Intervals nest around the median, the wider probability outside the narrower."""
    lo = [out[f"{quantity}_lower_{p:g}"] for p in sorted(probs, reverse=True)]
    up = [out[f"{quantity}_upper_{p:g}"] for p in sorted(probs)]
    chain = [*lo, out[f"{quantity}_median"], *up]
    for a, b in itertools.pairwise(chain):
        assert (a <= b).all(), (a.name, b.name)
    assert (lo[0] < up[-1]).all()


def _inside(out: pd.DataFrame, quantity: str, truth, prob: float) -> np.ndarray:
    truth = np.asarray(truth, float)
    return ((out[f"{quantity}_lower_{prob:g}"].to_numpy() <= truth)
            & (truth <= out[f"{quantity}_upper_{prob:g}"].to_numpy()))


def test_every_nuts_fit_type_can_predict_and_curve_form_says_why_not():
    assert predictable_model_types() == ["compute_scaling", "hierarchical_learning_curve",
                                         "hierarchical_model_size", "joint_scaling"]
    tree = xr.DataTree(xr.Dataset(attrs={"model_type": "curve_form"}))
    rows = pd.DataFrame({"domain": ["d"], "curve": ["c"], "data": [1.0]})
    with pytest.raises(ModelConfigError,
                       match=r"'curve_form' \(curve_form fits are per-block SMC fits.*"
                             r"it supports \['compute_scaling'"):
        predict(tree, rows)


# ---------------------------------------------------------------------- joint law
CHINCHILLA = "chinchilla/hoffmann2022-fig4"
#: Runs above this model size are held out: the joint law is fitted on the smaller runs.
LARGEST_FITTED_PARAMS = 2e9


def _chinchilla() -> pd.DataFrame:
    from bayes_scaling.datasets import load_dataset

    return load_dataset("chinchilla-epoch2024", mirror=MIRROR).frame


@functools.cache
def _joint_split_fit() -> tuple[xr.DataTree, pd.DataFrame]:
    """The joint law fitted on the Chinchilla runs up to 2e9 parameters, less a random
    fifth of them (held out inside the fitted range); every larger run held out."""
    frame = _chinchilla()
    rng = np.random.default_rng(0)
    large = frame["params"] > LARGEST_FITTED_PARAMS
    inside = ~large & (rng.random(len(frame)) < 0.2)
    frame = frame.assign(split=np.where(large | inside, "holdout", "fit"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # diagnostics are not what these tests check
        fit = JointScalingLaw(frame).fit(SamplerConfig(draws=150, tune=250, chains=2, seed=14))
    held = frame[frame["split"] == "holdout"].drop(columns="split").reset_index(drop=True)
    return fit, predict(fit, held, probs=[0.5, 0.9])


@needs_mirror
def test_joint_columns_nested_intervals_and_extrapolation():
    fit = chinchilla_joint_fit(str(MIRROR))
    frame = _chinchilla()
    n_max, d_max = frame["params"].max(), frame["data"].max()
    d_mid = float(np.sqrt(frame["data"].min() * d_max))
    rows = pd.DataFrame({"domain": "chinchilla", "curve": "hoffmann2022-fig4",
                         "params": [1e9, 10 * n_max, 10 * n_max],
                         "data": [d_mid, d_mid, 100 * d_max]})
    out = predict(fit, rows, probs=[0.5, 0.9])
    assert list(out.columns) == ["domain", "curve", "params", "data", "loss_median",
                                 "loss_lower_0.5", "loss_upper_0.5", "loss_lower_0.9",
                                 "loss_upper_0.9", "curve_status", "extrapolation"]
    _check_nested(out, "loss")
    assert (out["curve_status"] == "fitted").all()
    # the larger of the log distances beyond the fitted params and data
    np.testing.assert_allclose(out["extrapolation"], [0.0, np.log(10.0), np.log(100.0)])
    # more of both gives a lower loss
    assert out["loss_median"].iloc[2] < out["loss_median"].iloc[1] < out["loss_median"].iloc[0]


@needs_mirror
def test_joint_runs_held_out_inside_the_fitted_range_are_inside_nominal_intervals():
    _, out = _joint_split_fit()
    interp = out[out["extrapolation"] == 0]
    assert len(interp) >= 25
    assert _inside(interp, "loss", interp["loss"], 0.9).mean() >= 0.75
    assert 0.25 <= _inside(interp, "loss", interp["loss"], 0.5).mean() <= 0.75


@needs_mirror
def test_joint_fitted_on_small_runs_predicts_the_largest_within_a_few_percent():
    _, out = _joint_split_fit()
    beyond = out[out["params"] > LARGEST_FITTED_PARAMS]
    assert len(beyond) >= 50 and (beyond["extrapolation"] > 0).all()
    # the 5 highest-loss runs of the table (far too few tokens for their size) are the
    # ones Epoch's replication drops as outliers; the law is not meant to predict them
    outliers = _chinchilla()["loss"].nlargest(5)
    regular = beyond[~beyond["loss"].isin(outliers)]
    assert len(regular) == len(beyond) - 5
    error = np.abs(regular["loss"] / regular["loss_median"] - 1.0)
    assert error.max() < 0.05 and error.median() < 0.015, error.describe()


@needs_mirror
@pytest.mark.xfail(strict=True, reason=(
    "the default joint law fits no discrepancy term when its plain fit passes, as on "
    "Chinchilla (discrepancy=True is an option, see joint.DISCREPANCY_MEASUREMENTS; the "
    "default adds it only to a fit that fails): its intervals hold the parameters and the noise "
    "only, so beyond the fitted sizes (where the form drifts 1-3% from the runs) its 90% "
    "intervals hold ~60% of the held-out runs; strict: passes once it is fixed"))
def test_joint_intervals_hold_the_largest_runs_at_nominal_rate():
    _, out = _joint_split_fit()
    beyond = out[out["params"] > LARGEST_FITTED_PARAMS]
    assert _inside(beyond, "loss", beyond["loss"], 0.9).mean() >= 0.8


@needs_mirror
@pytest.mark.parametrize(
    ("rows", "error", "match"),
    [
        (pd.DataFrame({"domain": ["chinchilla"], "curve": ["hoffmann2022-fig4"],
                       "data": [1e10]}),
         DataValidationError, r"missing column\(s\) \['params'\]; this fit predicts from "
                              r"\['domain', 'curve', 'params', 'data'\]"),
        (pd.DataFrame({"domain": ["chinchilla"], "curve": ["hoffmann2022-fig4"],
                       "params": [0.0], "data": [1e10]}),
         DataValidationError, r"column 'params' has value\(s\) 0 outside the valid range "
                              r"\(0, inf\) in row 0 \(CSV line 2\)"),
        (pd.DataFrame({"domain": ["chinchilla"], "curve": ["other-runs"],
                       "params": [1e9], "data": [1e10]}),
         ModelConfigError, r"curve\(s\) \['chinchilla/other-runs'\] were not fitted and the "
                           r"joint law's parameters are per curve, not pooled"),
        (pd.DataFrame({"domain": ["gpt"], "curve": ["hoffmann2022-fig4"],
                       "params": [1e9], "data": [1e10]}),
         ModelConfigError, r"domain\(s\) \['gpt'\] were not fitted; this fit can predict "
                           r"for the domains \['chinchilla'\]"),
    ],
)
def test_joint_bad_rows_get_clear_errors(rows, error, match):
    with pytest.raises(error, match=match):
        predict(chinchilla_joint_fit(str(MIRROR)), rows)


@needs_mirror
def test_joint_fit_that_does_not_match_its_table_is_refused():
    fit = chinchilla_joint_fit(str(MIRROR))
    edited = fit.copy()
    edited["constant_data"] = xr.DataTree(edited["constant_data"].to_dataset().assign(
        ref_params=edited["constant_data"]["ref_params"] * 2))
    with pytest.raises(FitFileError, match=r"\(ref_params differ\)"):
        JointScalingLaw.from_fit(edited)
    with pytest.raises(FitFileError, match="not a joint_scaling fit"):
        JointScalingLaw.from_fit(imagenet_compute_fit(str(MIRROR)))


@needs_mirror
def test_cli_predict_on_a_saved_joint_fit(tmp_path, capsys):
    path = save_fit(chinchilla_joint_fit(str(MIRROR)), tmp_path / "joint.nc")
    largest = _chinchilla().nlargest(3, "params")[["domain", "curve", "params", "data", "loss"]]
    rows = tmp_path / "rows.csv"
    largest.to_csv(rows, index=False)
    out = tmp_path / "pred.csv"
    assert main(["predict", str(path), "--data", str(rows), "--prob", "0.9",
                 "--out", str(out)]) == 0
    assert "written to" in capsys.readouterr().err
    table = pd.read_csv(out)
    assert list(table.columns) == ["domain", "curve", "params", "data", "loss", "loss_median",
                                   "loss_lower_0.9", "loss_upper_0.9", "curve_status",
                                   "extrapolation"]
    np.testing.assert_allclose(table["loss"], largest["loss"])
    # fitted on every run: the largest runs are inside the fitted range, near the law
    assert (table["extrapolation"] == 0).all()
    assert (np.abs(table["loss"] / table["loss_median"] - 1) < 0.05).all()
    bad = tmp_path / "bad.csv"
    largest.drop(columns="data").to_csv(bad, index=False)
    assert main(["predict", str(path), "--data", str(bad)]) == 2
    assert "missing column(s) ['data']" in capsys.readouterr().err


# ---------------------------------------------------------------------- compute scaling
def _imagenet_row(curve: str = "top1", compute: float = 1e19, year: int = 2018) -> dict:
    return {"domain": "imagenet", "curve": curve, "compute": compute, "year": year}


@needs_mirror
def test_compute_trend_fit_predicts_at_compute_and_year():
    fit = imagenet_compute_fit(str(MIRROR))
    rows = pd.DataFrame([_imagenet_row(year=2016), _imagenet_row(year=2020),
                         _imagenet_row(compute=1e24, year=2020),
                         _imagenet_row(curve="top10", year=2020)])
    out = predict(fit, rows, probs=[0.5, 0.9])
    assert list(out.columns) == ["domain", "curve", "compute", "year", "error_median",
                                 "error_lower_0.5", "error_upper_0.5", "error_lower_0.9",
                                 "error_upper_0.9", "curve_status", "extrapolation"]
    _check_nested(out, "error")
    assert out["curve_status"].tolist() == ["fitted", "fitted", "fitted", NEW]
    log_max = np.log(fit["constant_data"]["max_size"].sel(curve="imagenet/top1").item())
    np.testing.assert_allclose(out["extrapolation"].iloc[:3], [0, 0, np.log(1e24) - log_max])
    assert np.isnan(out["extrapolation"].iloc[3])
    # the fitted trend: later years are better at the same compute when tau < 0
    tau = float(fit["posterior"]["tau"].sel(curve="imagenet/top1").median())
    assert np.sign(out["error_median"].iloc[1] - out["error_median"].iloc[0]) == np.sign(tau)
    width = np.log(out["error_upper_0.9"]) - np.log(out["error_lower_0.9"])
    assert width.iloc[3] > width.iloc[1]  # a new curve: wider than the fitted one


@needs_mirror
@pytest.mark.parametrize(
    ("rows", "error", "match"),
    [
        (pd.DataFrame([_imagenet_row()]).drop(columns="year"), DataValidationError,
         r"missing column\(s\) \['year'\]; this fit predicts from "
         r"\['domain', 'curve', 'compute', 'year'\]"),
        (pd.DataFrame([_imagenet_row()]).assign(year=2018.5), DataValidationError,
         r"column 'year' must hold whole numbers; got fractional values in row 0"),
        (pd.DataFrame([_imagenet_row()]).assign(compute="lots"), DataValidationError,
         r"column 'compute' must be numeric; non-numeric value\(s\) 'lots'"),
        (pd.DataFrame([_imagenet_row()]).assign(domain="squad"), ModelConfigError,
         r"domain\(s\) \['squad'\] were not fitted"),
    ],
)
def test_compute_bad_rows_get_clear_errors(rows, error, match):
    with pytest.raises(error, match=match):
        predict(imagenet_compute_fit(str(MIRROR)), rows)


def _simulated_compute_table(seed: int = 4) -> tuple[pd.DataFrame, dict[str, float]]:
    """``log error = log e_ref - (log C - log C_ref) / k_c + Normal(0, 0.05)``: 2 domains x
    2 curves, 12 compute values each over six decades; returns the table and each curve's
    degree ``k``."""
    rng = np.random.default_rng(seed)
    rows, degrees = [], {}
    for d, k_domain in (("vision", 6.0), ("language", 9.0)):
        for c in ("a", "b"):
            k = k_domain * float(np.exp(0.1 * rng.standard_normal()))
            degrees[f"{d}/{c}"] = k
            compute = np.sort(1e15 * 10 ** rng.uniform(0.0, 6.0, 12))
            log_error = (np.log(0.4) - np.log(compute / 1e15) / k
                         + 0.05 * rng.standard_normal(12))
            rows += [(d, c, x, float(np.exp(y))) for x, y in zip(compute, log_error,
                                                                  strict=True)]
    return pd.DataFrame(rows, columns=["domain", "curve", "compute", "error"]), degrees


def _fit_simulated(form: str) -> tuple[xr.DataTree, pd.DataFrame]:
    frame, _ = _simulated_compute_table()
    rank = frame.groupby(["domain", "curve"])["compute"].rank(ascending=False)
    frame = frame.assign(split=np.where(rank <= 3, "holdout", "fit"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = HierarchicalComputeScaling(frame, form=form).fit(
            SamplerConfig(draws=200, tune=300, chains=2, seed=15, target_accept=0.95))
    held = frame[frame["split"] == "holdout"].drop(columns="split").reset_index(drop=True)
    return fit, held


@functools.cache
def _polynomial_simulated_fit() -> tuple[xr.DataTree, pd.DataFrame]:
    return _fit_simulated("polynomial")


@functools.cache
def _exponential_simulated_fit() -> tuple[xr.DataTree, pd.DataFrame]:
    return _fit_simulated("exponential")


def test_compute_held_out_larger_compute_is_inside_the_intervals():
    fit, held = _polynomial_simulated_fit()
    out = predict(fit, held, probs=[0.5, 0.9])
    _check_nested(out, "error")
    assert (out["extrapolation"] > 0).sum() >= 8  # mostly beyond each curve's fitted compute
    assert _inside(out, "error", held["error"], 0.9).mean() >= 0.75


def test_compute_exponential_form_refuses_new_curves_and_reaches_zero():
    fit, held = _exponential_simulated_fit()
    row = held.iloc[[0]].drop(columns="error")
    with pytest.raises(ModelConfigError, match=r"were not fitted and the exponential form's "
                                               r"lines are per curve, not pooled"):
        predict(fit, row.assign(curve="c"))
    far = pd.concat([row, row.assign(compute=1e60)], ignore_index=True)
    out = predict(fit, far, probs=0.9)
    assert out["error_lower_0.9"].iloc[0] > 0
    # error = a - b log C reaches 0 long before 1e60: draws there are 0, not NaN
    assert out["error_median"].iloc[1] == 0.0 and out["error_upper_0.9"].iloc[1] == 0.0


def test_compute_fit_that_does_not_match_its_table_is_refused():
    fit, _ = _polynomial_simulated_fit()
    edited = fit.copy()
    edited["constant_data"] = xr.DataTree(edited["constant_data"].to_dataset().assign(
        log_ref_size=edited["constant_data"]["log_ref_size"] + 1.0))
    with pytest.raises(FitFileError, match=r"\(log_ref_size differ\)"):
        HierarchicalComputeScaling.from_fit(edited)


# ---------------------------------------------------------------------- model size
def test_model_size_predicts_the_best_model_size_and_holds_the_truth():
    sim, _, ms = width_sweep_fits()
    sizes = [1e3, 1e5, 1e6, 1e7]  # fitted shards 100 ... 1e5; then 10x and 100x beyond
    rows = pd.DataFrame([(*lab.split("/"), m) for lab in sim.truth.index for m in sizes],
                        columns=["domain", "curve", "data"])
    truth = sim.truth.loc[[f"{d}/{c}" for d, c in zip(rows["domain"], rows["curve"],
                                                       strict=True)]]
    rows["params"] = truth["alpha_p"].to_numpy() * rows["data"] ** truth["beta_p"].to_numpy()
    out = predict(ms, rows, probs=[0.5, 0.9])
    assert list(out.columns) == ["domain", "curve", "data", "params", "best_params_median",
                                 "best_params_lower_0.5", "best_params_upper_0.5",
                                 "best_params_lower_0.9", "best_params_upper_0.9",
                                 "curve_status", "extrapolation"]
    _check_nested(out, "best_params")
    np.testing.assert_allclose(out["extrapolation"],
                               np.tile([0.0, 0.0, np.log(10.0), np.log(100.0)], 4))
    assert _inside(out, "best_params", rows["params"], 0.9).mean() >= 0.75
    # larger training sets: larger best models
    medians = out["best_params_median"].to_numpy().reshape(4, 4)
    assert (np.diff(medians, axis=1) > 0).all()


def test_model_size_new_curve_and_bad_rows():
    _, _, ms = width_sweep_fits()
    rows = pd.DataFrame({"domain": "domain0", "curve": ["arch0", "unseen"], "data": 1e4})
    out = predict(ms, rows, probs=0.9)
    assert out["curve_status"].tolist() == ["fitted", NEW]
    width = np.log(out["best_params_upper_0.9"]) - np.log(out["best_params_lower_0.9"])
    assert width.iloc[1] > width.iloc[0]
    with pytest.raises(DataValidationError, match=r"missing column\(s\) \['data'\]"):
        predict(ms, rows.drop(columns="data"))
    with pytest.raises(DataValidationError, match=r"column 'params' has value\(s\) -1"):
        predict(ms, rows.assign(params=-1.0))
    with pytest.raises(ModelConfigError, match=r"domain\(s\) \['domain7'\] were not fitted"):
        predict(ms, rows.assign(domain="domain7"))


def test_model_size_rebuilt_from_its_fit_matches_and_an_edit_is_refused():
    sim, _, ms = width_sweep_fits()
    rebuilt = HierarchicalModelSize.from_fit(ms)
    direct = HierarchicalModelSize(sim.frame)
    np.testing.assert_allclose(rebuilt.log_ref, direct.log_ref)
    np.testing.assert_allclose(rebuilt.log_size_centre, direct.log_size_centre)
    edited = ms.copy()
    edited["constant_data"] = xr.DataTree(edited["constant_data"].to_dataset().assign(
        ref_size=edited["constant_data"]["ref_size"] * 3))
    with pytest.raises(FitFileError, match=r"\(ref_size differ\)"):
        HierarchicalModelSize.from_fit(edited)
