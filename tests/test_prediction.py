"""``predict``: posterior-predictive intervals at new rows, through the rebuilt model."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from bayes_scaling.cli import main
from bayes_scaling.errors import DataValidationError, FitFileError, ModelConfigError
from bayes_scaling.io import save_fit
from bayes_scaling.models import HierarchicalLearningCurve, SamplerConfig
from bayes_scaling.models.learning_curve import curve_mean
from bayes_scaling.prediction import predict
from bayes_scaling.simulate import (
    SimulatedCurves,
    misspecified_mean,
    simulate_learning_curves,
    simulate_misspecified_curves,
)

SIZES = np.geomspace(100, 1e4, 8)  # fitted sizes; the truth continues beyond


@functools.cache
def _fit() -> tuple[SimulatedCurves, xr.DataTree]:
    sim = simulate_learning_curves(n_domains=2, curves_per_domain=2, sizes=SIZES, n_seeds=2,
                                   noise=0.03, seed=21)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # diagnostics are not what these tests check
        fit = HierarchicalLearningCurve(sim.frame).fit(
            SamplerConfig(draws=200, tune=300, chains=2, seed=3, target_accept=0.95))
    return sim, fit


def _rows(sizes, curve="arch0", domain="domain0"):
    return pd.DataFrame({"domain": domain, "curve": curve, "data": np.asarray(sizes, float)})


def test_columns_and_nested_intervals():
    _, fit = _fit()
    out = predict(fit, _rows([300.0, 3e4, 3e5]), probs=[0.5, 0.9])
    assert list(out.columns) == ["domain", "curve", "data", "error_median", "error_lower_0.5",
                                 "error_upper_0.5", "error_lower_0.9", "error_upper_0.9",
                                 "curve_status", "extrapolation"]
    assert (out["error_lower_0.9"] <= out["error_lower_0.5"]).all()
    assert (out["error_lower_0.5"] <= out["error_median"]).all()
    assert (out["error_median"] <= out["error_upper_0.5"]).all()
    assert (out["error_upper_0.5"] <= out["error_upper_0.9"]).all()
    assert (out["curve_status"] == "fitted").all()
    np.testing.assert_allclose(out["extrapolation"], [0.0, np.log(3.0), np.log(30.0)])


def test_intervals_widen_with_extrapolation_distance():
    _, fit = _fit()
    out = predict(fit, _rows(1e4 * np.array([1.0, 10, 100, 1000])), probs=0.9)
    width = np.log(out["error_upper_0.9"]) - np.log(out["error_lower_0.9"])
    assert np.all(np.diff(width.to_numpy()) > 0), width.tolist()


def test_truth_beyond_the_fitted_sizes_is_inside_the_intervals():
    sim, fit = _fit()
    far = np.geomspace(2e4, 2e5, 4)
    rows = pd.concat([_rows(far, curve=lab.split("/")[1], domain=lab.split("/")[0])
                      for lab in sim.truth.index], ignore_index=True)
    out = predict(fit, rows, probs=0.9)
    truth = sim.truth.loc[[f"{d}/{c}" for d, c in zip(rows["domain"], rows["curve"],
                                                       strict=True)]]
    mean = truth["alpha"].to_numpy() * rows["data"].to_numpy() ** -truth["beta"].to_numpy() \
        + truth["gamma"].to_numpy()
    inside = (out["error_lower_0.9"] <= mean) & (mean <= out["error_upper_0.9"])
    assert inside.mean() >= 0.8, out.assign(truth=mean)


def test_a_new_curve_gets_the_population_predictive_of_its_domain():
    _, fit = _fit()
    out = predict(fit, pd.concat([_rows([1e3]), _rows([1e3], curve="unseen")],
                                 ignore_index=True), probs=0.9)
    assert out["curve_status"].tolist() == ["fitted", "new curve: population predictive"]
    assert np.isnan(out["extrapolation"].iloc[1])
    width = np.log(out["error_upper_0.9"]) - np.log(out["error_lower_0.9"])
    assert width.iloc[1] > width.iloc[0]


def test_chunks_bound_memory_without_changing_the_answer():
    _, fit = _fit()
    rows = _rows(np.geomspace(200, 5e4, 7))
    whole = predict(fit, rows, probs=0.5)
    chunked = predict(fit, rows, probs=0.5, chunk_rows=2)
    half_width = (np.log(whole["error_upper_0.5"]) - np.log(whole["error_lower_0.5"])) / 2
    gap = np.abs(np.log(whole["error_median"]) - np.log(chunked["error_median"]))
    assert (gap < half_width).all()


@pytest.mark.parametrize(
    ("rows", "error", "match"),
    [
        (pd.DataFrame({"domain": ["domain0"], "curve": ["arch0"]}), DataValidationError,
         r"missing column\(s\) \['data'\]"),
        (pd.DataFrame({"domain": ["domain0"], "curve": ["arch0"], "data": [-5.0]}),
         DataValidationError, r"column 'data' has value\(s\) -5 outside the valid range"),
        (pd.DataFrame({"domain": ["nowhere"], "curve": ["arch0"], "data": [10.0]}),
         ModelConfigError, r"domain\(s\) \['nowhere'\] were not fitted"),
        (pd.DataFrame({"domain": ["domain0"], "curve": ["arch0"], "data": [1.0], "colour": [1]}),
         DataValidationError, r"unknown column\(s\) \['colour'\]"),
    ],
)
def test_bad_rows_get_clear_errors(rows, error, match):
    _, fit = _fit()
    with pytest.raises(error, match=match):
        predict(fit, rows)


@pytest.mark.parametrize("probs", [0.0, 1.0, [], ["0.9"], True])
def test_bad_probabilities_are_refused(probs):
    _, fit = _fit()
    with pytest.raises(ModelConfigError, match="probabilit"):
        predict(fit, _rows([1e3]), probs=probs)


def test_other_model_types_are_refused_by_name():
    tree = xr.DataTree(xr.Dataset(attrs={"model_type": "curve_form"}))
    with pytest.raises(ModelConfigError, match=r"'curve_form'.*hierarchical_learning_curve"):
        predict(tree, _rows([1e3]))


def test_a_fit_whose_curves_do_not_match_its_table_is_refused():
    _, fit = _fit()
    edited = fit.copy()
    edited["constant_data"] = xr.DataTree(edited["constant_data"].to_dataset().assign(
        ref_size=edited["constant_data"]["ref_size"] * 2))
    with pytest.raises(FitFileError, match="does not match"):
        HierarchicalLearningCurve.from_fit(edited)


def test_cli_predict_writes_a_table_and_never_overwrites(tmp_path, capsys):
    _, fit = _fit()
    path = save_fit(fit, tmp_path / "fit.nc")
    rows = tmp_path / "rows.csv"
    _rows([2e4, 1e5]).to_csv(rows, index=False)
    out = tmp_path / "pred.csv"
    argv = ["predict", str(path), "--data", str(rows), "--prob", "0.8", "--out", str(out)]
    assert main(argv) == 0
    table = pd.read_csv(out)
    assert {"error_median", "error_lower_0.8", "error_upper_0.8"} <= set(table.columns)
    assert len(table) == 2
    assert main(argv) == 2  # exists: refused without --force
    assert "exists" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"domain": ["domain0"], "curve": ["arch0"], "data": ["ten"]}).to_csv(bad,
                                                                                   index=False)
    assert main(["predict", str(path), "--data", str(bad)]) == 2
    assert "'data' must be numeric" in capsys.readouterr().err


@functools.cache
def _steepening_fit() -> tuple[pd.DataFrame, pd.DataFrame, xr.DataTree]:
    """Sigmoid-in-log-size curves (a plateau, then steeper and steeper in log-log), fitted
    on their smaller sizes with the integrated discrepancy kernel."""
    sim = simulate_misspecified_curves(n_domains=1, curves_per_domain=3, shapes=("sigmoid",),
                                       n_sizes=(16, 16), decades=(3.0, 3.0), corr_sigma=0.01,
                                       iid_sigma=0.01, seed=4)
    frame = sim.frame
    top = frame.groupby("curve")["data"].transform("max")
    train, held = frame[frame["data"] <= top / 16], frame[frame["data"] > top / 16]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # diagnostics are not what this test checks
        fit = HierarchicalLearningCurve(train, discrepancy_kernel="integrated").fit(
            SamplerConfig(draws=200, tune=300, chains=2, seed=3, target_accept=0.95))
    params = sim.truth.drop(columns="shape")
    truth = pd.Series([misspecified_mean("sigmoid", np.array([m]), **params.loc[
        f"{d}/{c}"].to_dict())[0] for d, c, m in zip(held["domain"], held["curve"],
                                                     held["data"], strict=True)],
        index=held.index)
    return held.assign(truth=truth), train, fit


def test_the_integrated_kernel_carries_a_steepening_bend_beyond_the_fitted_sizes():
    held, _, fit = _steepening_fit()
    rows = held[["domain", "curve", "data"]]
    out = predict(fit, rows, probs=0.9, seed=1)
    form_only = curve_mean(fit, xr.DataArray(rows["data"].to_numpy(), dims="row")).isel(
        curve=xr.DataArray([list(fit.posterior.curve.values).index(f"{d}/{c}") for d, c in
                            zip(rows["domain"], rows["curve"], strict=True)], dims="row"))
    form_median = form_only.median(("chain", "draw")).to_numpy()
    # the curves steepen where they were fitted: the prediction falls below the form's
    assert np.mean(out["error_median"].to_numpy() < form_median) > 0.8
    inside = (out["error_lower_0.9"].to_numpy() <= held["truth"].to_numpy()) & (
        held["truth"].to_numpy() <= out["error_upper_0.9"].to_numpy())
    assert inside.mean() >= 0.75, out.assign(truth=held["truth"].to_numpy())
