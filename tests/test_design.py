"""Next-run design (bayes_scaling.design): the reweighting against exact updates, an
uninformative candidate, the ranked table on a fit, and clear errors for bad candidates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from _mockfit import mock_fit
from _paths import MIRROR, needs_mirror
from scipy import stats

from bayes_scaling.design import (
    candidate_costs,
    kish_ess,
    preposterior_width,
    rank_candidates,
    weighted_quantile,
)
from bayes_scaling.errors import DataValidationError, ModelConfigError

CI = 0.9
Z = stats.norm.ppf(0.5 + CI / 2)


def _conjugate(seed: int, n: int = 20000) -> np.ndarray:
    """Posterior draws of theta ~ N(1, 0.5^2)."""
    return 1.0 + 0.5 * np.random.default_rng(seed).standard_normal(n)


@pytest.mark.parametrize("noise", [0.2, 0.5, 1.0])
def test_reweighting_matches_exact_conjugate_update(noise: float) -> None:
    """(a) Normal prior N(1, 0.5^2) and a new y ~ N(theta, noise^2): the updated posterior
    is N(m1, s1^2) exactly; the reweighted interval width matches 2 z s1 for every
    outcome (within Monte Carlo error of 20,000 draws), so does the expected width."""
    theta = _conjugate(1)
    outcomes = np.array([0.0, 1.0, 2.5])
    res = preposterior_width(theta, outcomes, theta, np.full(theta.size, noise), ci_prob=CI)
    s1 = (1 / 0.5**2 + 1 / noise**2) ** -0.5
    assert res.width_before == pytest.approx(2 * Z * 0.5, rel=0.03)
    np.testing.assert_allclose(res.width_after, 2 * Z * s1, rtol=0.06)
    assert res.expected_reduction == pytest.approx(2 * Z * (0.5 - s1), rel=0.1)
    assert (res.ess > 200).all() and (res.pareto_k < 0.7).all()


def test_reweighting_matches_exact_update_of_a_nonlinear_projection() -> None:
    """(a) The weighted quantiles of a monotone function of theta (a growth factor,
    10**theta) are the exact posterior quantiles of that function."""
    theta = _conjugate(2)
    y, noise = 1.6, 0.4
    res = preposterior_width(theta, np.array([y]), theta, np.full(theta.size, noise),
                             ci_prob=CI)
    s1 = (1 / 0.5**2 + 1 / noise**2) ** -0.5
    m1 = s1**2 * (1 / 0.5**2 + y / noise**2)
    exact = stats.norm(m1, s1).ppf([0.05, 0.95])
    log_w = stats.norm(theta, noise).logpdf(y)
    w = np.exp(log_w - log_w.max())
    np.testing.assert_allclose(weighted_quantile(theta, w, [0.05, 0.95]), exact, atol=0.02)
    assert res.width_after[0] == pytest.approx(exact[1] - exact[0], rel=0.05)


def test_uninformative_candidates_narrow_nothing() -> None:
    """(b) A measurement of a parameter independent of the projection, or one with huge
    noise, has an expected reduction of ~0 (within its Monte Carlo error)."""
    rng = np.random.default_rng(3)
    theta, other = rng.standard_normal((2, 8000))
    y_other = other[:40] + 0.1 * rng.standard_normal(40)
    res = preposterior_width(theta, y_other, other, np.full(8000, 0.1), ci_prob=CI)
    assert abs(res.expected_reduction) < max(3 * res.mc_error, 0.02 * res.width_before)
    informative = preposterior_width(theta, theta[:40] + 0.1 * rng.standard_normal(40), theta,
                                     np.full(8000, 0.1), ci_prob=CI)
    assert informative.expected_reduction > 0.8 * informative.width_before
    noisy = preposterior_width(theta, theta[:40] + 1e3 * rng.standard_normal(40), theta,
                               np.full(8000, 1e3), ci_prob=CI)
    assert abs(noisy.expected_reduction) < 1e-3
    assert noisy.ess.min() > 7990


def test_unreachable_draws_count_in_p_reachable_not_in_the_width() -> None:
    theta = _conjugate(4, 4000)
    projection = np.where(theta > 0.5, theta, np.inf)
    res = preposterior_width(projection, np.array([1.0]), theta, np.full(4000, 0.3), ci_prob=CI)
    assert res.p_reachable_before == pytest.approx(np.mean(theta > 0.5))
    assert res.p_reachable_after[0] > res.p_reachable_before
    assert np.isfinite(res.width_before) and np.isfinite(res.width_after).all()


def test_weighted_quantile_and_kish_ess_edge_cases() -> None:
    assert np.isnan(weighted_quantile(np.array([1.0, 2.0]), np.zeros(2), 0.5))
    values = np.random.default_rng(5).standard_normal(10001)
    np.testing.assert_allclose(weighted_quantile(values, np.ones(values.size), [0.1, 0.9]),
                               np.quantile(values, [0.1, 0.9]), atol=1e-3)
    assert kish_ess(np.r_[np.ones(50), np.zeros(50)]) == pytest.approx(50.0)


def _rows(**overrides: list) -> pd.DataFrame:
    rows = {"domain": ["domain0", "domain0"], "curve": ["arch0", "arch0"],
            "data": [2e5, 1e6]}
    rows.update(overrides)
    return pd.DataFrame(rows)


def test_ranked_table_on_a_fit() -> None:
    """The table's columns, order and ranges, on a fit made with the sampler mock."""
    fit = mock_fit()
    rows = _rows(domain=["domain0", "domain0", "domain1"], curve=["arch0", "arch0", "arch1"],
                 data=[2e5, 1e6, 1e6])
    table = rank_candidates(fit, "x0.8", rows, projection_of="domain0/arch0", outcomes=6,
                            replicates=3, max_draws=60, seed=3)
    assert table.columns.tolist() == [
        "domain", "curve", "data", "cost", "cost_unit", "width_before", "width_after",
        "reduction", "relative_reduction", "reduction_per_cost", "mc_error",
        "p_reachable_before", "p_reachable_after", "weight_ess", "pareto_k",
        "refit_recommended", "rank"]
    assert table["rank"].tolist() == [1, 2, 3]
    assert table["reduction_per_cost"].is_monotonic_decreasing
    assert (table["cost_unit"] == "examples").all()  # the table has no model sizes
    assert ((table["weight_ess"] > 0) & (table["weight_ess"] <= table.attrs["draws"])).all()
    assert table.attrs["projection_of"] == "domain0/arch0"
    np.testing.assert_allclose(table["reduction"], table["width_before"] - table["width_after"])


def test_candidate_costs_sources() -> None:
    """A cost column wins; params give 6 N D FLOP; else the training-set size."""
    fit = mock_fit()
    assert candidate_costs(fit, _rows(cost=[1.0, 2.0]))[1] == "cost"
    costs, unit = candidate_costs(fit, _rows(params=[10.0, 10.0]))
    assert unit == "FLOP" and costs.tolist() == [6 * 10 * 2e5, 6 * 10 * 1e6]
    assert candidate_costs(fit, _rows())[1] == "examples"


@pytest.mark.parametrize(("rows", "match"), [
    (_rows(data=[-5.0, 1e6]), "data"),
    (_rows(curve=["arch0", "nope"]), r"domain0/nope.*fit does not have"),
    (_rows().drop(columns="data"), r"missing column\(s\) \['data'\]"),
    (_rows(cost=[1.0, 0.0]), "cost"),
    (_rows().assign(colour=["red", "blue"]), r"unknown column\(s\) \['colour'\]"),
])
def test_bad_candidates_are_refused_clearly(rows: pd.DataFrame, match: str) -> None:
    """(c) Negative size, unknown curve, missing or unknown column, zero cost."""
    with pytest.raises(DataValidationError, match=match):
        rank_candidates(mock_fit(), "x0.8", rows, projection_of="domain0/arch0")


def test_bad_settings_and_unsupported_fits_are_refused() -> None:
    fit = mock_fit()
    with pytest.raises(ModelConfigError, match=r"projection_of 'elsewhere' is neither"):
        rank_candidates(fit, "x0.8", _rows(), projection_of="elsewhere", max_draws=40)
    with pytest.raises(ModelConfigError, match="say which projection"):
        rank_candidates(fit, "x0.8", _rows(), max_draws=40)
    with pytest.raises(ModelConfigError, match="outcomes must be an integer >= 2"):
        rank_candidates(fit, "x0.8", _rows(), projection_of="domain0", outcomes=1)
    other = xr.DataTree()
    other.attrs["model_type"] = "compute_scaling"
    with pytest.raises(ModelConfigError, match=r"'compute_scaling'.*supports \['hier"):
        rank_candidates(other, 0.1, _rows())


@pytest.fixture(scope="module")
def mock_fit_file(tmp_path_factory: pytest.TempPathFactory):
    from bayes_scaling.io import save_fit

    path = tmp_path_factory.mktemp("design") / "fit.nc"
    save_fit(mock_fit(), path)
    return path


def test_cli_design_writes_the_ranked_csv_and_refuses_to_overwrite(mock_fit_file, tmp_path,
                                                                   capsys) -> None:
    from bayes_scaling.cli import EXIT_ERROR, main

    candidates = tmp_path / "candidates.csv"
    _rows().to_csv(candidates, index=False)
    out, plot = tmp_path / "design.csv", tmp_path / "design.png"
    args = ["design", str(mock_fit_file), "--target", "x0.8", "--candidates", str(candidates),
            "--of", "domain0/arch0", "--out", str(out), "--outcomes", "4", "--replicates", "2",
            "--max-draws", "40"]
    assert main([*args, "--plot", str(plot)]) == 0
    table = pd.read_csv(out)
    assert len(table) == 2 and table["rank"].tolist() == [1, 2]
    assert plot.stat().st_size > 0
    capsys.readouterr()
    assert main(args) == EXIT_ERROR  # exists: refused before any sampling
    assert "already exists" in capsys.readouterr().err
    assert main([*args, "--overwrite"]) == 0
    bad = tmp_path / "bad.csv"
    _rows(curve=["arch0", "nope"]).to_csv(bad, index=False)
    assert main([*args[:4], "--candidates", str(bad), "--out", str(tmp_path / "x.csv")]) \
        == EXIT_ERROR
    assert "domain0/nope" in capsys.readouterr().err


def test_plot_design_draws_the_table() -> None:
    import matplotlib.pyplot as plt

    from bayes_scaling.plotting import plot_design

    table = pd.DataFrame({"domain": "d", "curve": ["a", "b", "a"], "data": [1e4, 1e4, 4e4],
                          "cost": [1e4, 1e4, 4e4], "cost_unit": "examples",
                          "reduction": [0.3, 0.0, 0.5], "mc_error": [0.05, 0.02, 0.1],
                          "reduction_per_cost": [3e-5, 0.0, 1.25e-5],
                          "refit_recommended": [False, False, True]})
    fig, axes = plot_design(table, top=2)
    left, right = axes.ravel()
    assert [t.get_text() for t in left.get_yticklabels()] == ["d/a data=1e+04", "d/a data=4e+04"]
    assert right.get_xlabel() == "cost (examples)"
    plt.close(fig)
    with pytest.raises(ModelConfigError, match=r"lacks column\(s\) \['reduction'"):
        plot_design(table.drop(columns="reduction"))


@needs_mirror
def test_joint_law_candidates_are_ranked_with_flop_costs(monkeypatch) -> None:
    """The joint law: (N, D) candidates, cost 6 N D FLOP (fit made with the sampler mock)."""
    import warnings

    import pymc as pm
    from pymc.testing import mock_sample

    from bayes_scaling.datasets import load_dataset
    from bayes_scaling.models import JointScalingLaw, SamplerConfig

    data = load_dataset("chinchilla-epoch2024", mirror=MIRROR)
    monkeypatch.setattr(pm, "sample", mock_sample)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # prior draws: diagnostics are not the point
        fit = JointScalingLaw(data).fit(SamplerConfig(draws=40, tune=10, chains=2, seed=1,
                                                      sampler="pymc"))
    rows = pd.DataFrame({"domain": "chinchilla", "curve": "hoffmann2022-fig4",
                         "params": [1e9, 1e10], "data": [2e10, 2e11]})
    table = rank_candidates(fit, "x0.95", rows, outcomes=4, replicates=2, max_draws=40)
    assert (table["cost_unit"] == "FLOP").all()
    assert sorted(table["cost"]) == pytest.approx([6 * 1e9 * 2e10, 6 * 1e10 * 2e11])
    assert table.attrs["quantity"] == "log10 compute"
    with pytest.raises(DataValidationError, match=r"missing column\(s\) \['params'\]"):
        rank_candidates(fit, "x0.95", rows.drop(columns="params"))


@pytest.mark.slow
def test_reweighting_agrees_with_a_refit() -> None:
    """(a) On a small simulated table, the posterior reweighted by one new measurement (at a
    size inside the fitted range, so the refitted model has the same discrepancy grid)
    agrees with a refit that includes it: the projection's median and interval width
    match within Monte Carlo error, and much better than the posterior without it."""
    import warnings

    from bayes_scaling.design import _projection_draws, _thinned
    from bayes_scaling.models import HierarchicalLearningCurve, SamplerConfig
    from bayes_scaling.prediction import predictive_draws
    from bayes_scaling.simulate import simulate_learning_curves

    sim = simulate_learning_curves(n_domains=1, curves_per_domain=2, n_seeds=1, seed=8,
                                   sizes=[100, 300, 1000, 3000, 10000])
    sampler = SamplerConfig(draws=1000, tune=700, chains=2, seed=4, auto_remedy=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = _thinned(HierarchicalLearningCurve(sim.frame).fit(sampler), 2000)
    target, curve = "x0.6", "domain0/arch0"
    proj, _, _ = _projection_draws(fit, target, curve)
    row = pd.DataFrame({"domain": ["domain0"], "curve": ["arch0"], "data": [5000.0]})
    _, _, draws = predictive_draws(fit, row, replicates=17, seed=1)
    pred = draws.transpose("replicate", "chain", "draw", "row").values.reshape(17, -1)
    y = float(np.quantile(pred[0], 0.1))  # a low outcome: the curve falls faster
    res = preposterior_width(proj, np.array([y]), pred[1:].mean(0), pred[1:].std(0, ddof=1),
                             ci_prob=CI)
    new = row.assign(seed=5, error=np.exp(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refit = HierarchicalLearningCurve(pd.concat([sim.frame, new], ignore_index=True)).fit(
            sampler)
    exact = preposterior_width(_projection_draws(refit, target, curve)[0], np.array([y]),
                               np.zeros(2000), np.ones(2000), ci_prob=CI)  # uniform weights
    refit_width = exact.width_before
    assert abs(res.width_after[0] - refit_width) < 0.15 * refit_width
    assert abs(res.width_after[0] - refit_width) < abs(res.width_before - refit_width)


@pytest.mark.parametrize(("extra", "message"), [
    (["--outcomes", "0"], "outcomes must be an integer >= 2"),
    (["--replicates", "1"], "replicates must be an integer >= 2"),
    (["--max-draws", "5"], "max_draws must be an integer >= 20"),
    (["--ci-prob", "1.5"], "ci_prob must be in (0, 1)"),
    (["--outcomes", "500", "--max-draws", "40"], "cannot exceed the posterior draws"),
    (["--target", "no-such-target"], "invalid target"),
])
def test_cli_design_refuses_bad_settings(mock_fit_file, tmp_path, capsys, extra, message):
    from bayes_scaling.cli import EXIT_ERROR, main

    candidates = tmp_path / "candidates.csv"
    _rows().to_csv(candidates, index=False)
    argv = ["design", str(mock_fit_file), "--target", "x0.8", "--candidates", str(candidates),
            "--of", "domain0", "--out", str(tmp_path / "d.csv"), *extra]
    assert main(argv) == EXIT_ERROR
    assert message in capsys.readouterr().err
    assert not (tmp_path / "d.csv").exists()
