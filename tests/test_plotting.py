"""Plots: structure, not pixels (non-interactive backend; figures closed).

Every plot kind is drawn from a small real fit (simulated tables, the embedded-style
width sweep, and the real ImageNet and Chinchilla tables from the offline mirror) and
checked for its panels, log axes, bands, labels and legends.
"""

from __future__ import annotations

import inspect
import re
import types

import matplotlib

matplotlib.use("Agg")
import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from _fits import chinchilla_joint_fit, imagenet_compute_fit, width_sweep_fits
from _paths import MIRROR, needs_mirror
from matplotlib.collections import FillBetweenPolyCollection, PolyCollection

from bayes_scaling import plotting
from bayes_scaling.bands import (
    compute_scaling_bands,
    learning_curve_bands,
    model_size_bands,
    optimal_loss_bands,
)
from bayes_scaling.errors import ModelConfigError, ProjectionError
from bayes_scaling.figures import plot_fit
from bayes_scaling.fit_projection import degree_posterior, project_fit
from bayes_scaling.plotting import (
    plot_compute_scaling,
    plot_degree,
    plot_diagnostics,
    plot_joint_scaling,
    plot_learning_curves,
    plot_model_comparison,
    plot_model_size,
    plot_projection_forest,
)


@pytest.fixture(scope="module")
def fit():
    return width_sweep_fits()[1]  # learning-curve fit, shared with the model-size fit


@pytest.fixture(scope="module")
def sweep():
    return width_sweep_fits()


@pytest.fixture(scope="module")
def imagenet():
    return imagenet_compute_fit(str(MIRROR))


@pytest.fixture(scope="module")
def joint():
    return chinchilla_joint_fit(str(MIRROR))


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _visible(axes):
    return [ax for ax in np.ravel(axes) if ax.get_visible()]


def _bands(ax):
    return [c for c in ax.collections if isinstance(c, FillBetweenPolyCollection | PolyCollection)]


def _hatched(ax):
    return [c for c in _bands(ax) if c.get_hatch()]


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_plot_functions_take_the_drawn_object_first_then_keyword_only():
    for name in plotting.__all__:
        params = list(inspect.signature(getattr(plotting, name)).parameters.values())
        assert params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, name
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:]), name


def test_learning_curve_plot_structure(fit, tmp_path):
    fig, axes = plot_learning_curves(fit, targets=[0.1])
    visible = _visible(axes)
    assert len(visible) == fit["posterior"].sizes["domain"]  # one panel per domain
    for ax in visible:
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        assert "training-set size" in ax.get_xlabel()
        assert "error" in ax.get_ylabel()
        # 2 curves x 2 bands x (observed + extrapolated) filled regions
        assert len(_bands(ax)) == 2 * 2 * 2
        assert len(_hatched(ax)) == 2 * 2
        styles = {line.get_linestyle() for line in ax.get_lines()}
        assert {"-", "--", ":"} <= styles  # fitted, extrapolated, target
        assert ax.get_legend() is not None
    for fmt in ("png", "svg"):
        fig.savefig(tmp_path / f"lc.{fmt}")
        assert (tmp_path / f"lc.{fmt}").stat().st_size > 10_000


def test_bands_are_ordered_and_extrapolate(fit):
    bands = learning_curve_bands(fit, probs=(0.5, 0.9), extrapolate=10)
    lo50, hi50 = bands["lower"].sel(prob=0.5), bands["upper"].sel(prob=0.5)
    lo90, hi90 = bands["lower"].sel(prob=0.9), bands["upper"].sel(prob=0.9)
    assert bool((lo90 <= lo50).all() and (lo50 <= bands["median"]).all())
    assert bool((bands["median"] <= hi50).all() and (hi50 <= hi90).all())
    np.testing.assert_allclose(bands["grid"].max("size"), bands["observed_max"] * 10)
    with pytest.raises(ValueError, match="extrapolate"):
        learning_curve_bands(fit, extrapolate=0.5)
    # an absurd multiple (the fuzzed CLI found 5.9e287, which overflowed the axis ticks)
    with pytest.raises(ProjectionError, match="extrapolate must be from 1 to 1e"):
        learning_curve_bands(fit, extrapolate=5.9e287)
    with pytest.raises(ProjectionError, match="band probabilities"):
        learning_curve_bands(fit, probs=(0.5, 1.2))


def test_band_defaults_follow_arviz_rcparams(fit):
    with az.rc_context({"stats.ci_prob": 0.8, "stats.ci_kind": "hdi"}):
        bands = learning_curve_bands(fit)
    assert list(bands["prob"].values) == [0.5, 0.8]
    assert bands.attrs["ci_kind"] == "hdi"


def test_model_size_plot_structure(sweep):
    _, _, ms = sweep
    bands = model_size_bands(ms, extrapolate=5)
    assert bool((bands["lower"].isel(prob=-1) <= bands["median"]).all())
    assert bool((bands["median"] <= bands["upper"].isel(prob=-1)).all())
    _fig, axes = plot_model_size(ms)
    visible = _visible(axes)
    assert len(visible) == ms["posterior"].sizes["domain"]
    for ax in visible:
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        assert "parameters" in ax.get_ylabel() and "samples" in ax.get_xlabel()
        assert len(_hatched(ax)) == 2 * 2 and len(_bands(ax)) == 2 * 2 * 2
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert any(re.search(r"beta_p \d\.\d+ \[", t) for t in labels)
    with pytest.raises(ProjectionError, match="hierarchical_model_size"):
        model_size_bands(sweep[1])


@needs_mirror
def test_compute_scaling_plot_structure(imagenet):
    bands = compute_scaling_bands(imagenet, extrapolate=100)
    assert "year" in bands and bands.attrs["year"] == "latest observed year of each curve"
    fig, axes = plot_compute_scaling(imagenet, targets=["imagenet-top1-5pct"])
    visible = _visible(axes)
    assert len(visible) == 1  # one benchmark
    ax = visible[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert "hardware burden" in ax.get_xlabel() and "FLOP" in ax.get_xlabel()
    assert len(_hatched(ax)) == 2 * 2  # two curves (top1, top5), two bands each
    years = [t for t in _texts(ax) if re.fullmatch(r"20\d\d(, 20\d\d)*", t)]
    assert years, "frontier points are labelled by year"
    assert any(line.get_linestyle() == ":" for line in ax.get_lines())  # the 5% target
    assert len(fig.axes) == 2  # the panel and the publication-year colour bar
    assert "year" in fig.axes[-1].get_ylabel()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("top1: k ") for t in legend)


@needs_mirror
def test_joint_plot_structure(joint):
    bands = optimal_loss_bands(joint)
    assert bool((bands["median"].diff("size") < 0).all())  # L*(C) decreases with compute
    _fig, axes = plot_joint_scaling(joint, targets=[2.0])
    assert len(_visible(axes)) == 2
    for ax in axes.ravel():
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        assert "compute" in ax.get_xlabel() and _hatched(ax)
    loss_ax, alloc_ax = axes.ravel()
    assert len(loss_ax.collections[0].get_offsets()) == joint["observed_data"].sizes["obs"]
    labels = [t.get_text() for t in alloc_ax.get_legend().get_texts()]
    assert any("N*(C)" in t for t in labels) and any("D*(C)" in t for t in labels)


def test_forest_plot_structure(sweep):
    _, lc, ms = sweep
    targets = ["x0.8", "x0.5", 1e-6]  # the last one is below every floor
    _, table = project_fit(lc, targets, model_size_fit=ms)
    fig, axes = plot_projection_forest(table)
    visible = _visible(axes)
    assert [ax.get_title() for ax in visible] == ["data growth", "model growth",
                                                  "compute growth"]
    domains = [str(d) for d in lc["posterior"]["domain"].values]
    assert [t.get_text() for t in visible[0].get_yticklabels()] == domains  # shared y
    for ax in visible:
        assert ax.get_xscale() == "log"
        assert any("unreachable" in t for t in _texts(ax))
        # one interval line and one median marker per reachable (domain, target)
        markers = [line for line in ax.get_lines() if line.get_marker() == "o"
                   and len(line.get_xdata())]
        assert len(markers) == len(domains) * 2
        # the plot draws the table's numbers
        shown = sorted(float(line.get_xdata()[0]) for line in markers)
        rows = table[(table["level"] == "domain") & (table["p_reachable"] > 0)
                     & (table["quantity"] == visible_quantity(ax))]
        np.testing.assert_allclose(shown, sorted(rows["median"].astype(float)))
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any("x0.5" in t for t in legend) and any("1e-06" in t for t in legend)
    with pytest.raises(ProjectionError, match="quantities"):
        plot_projection_forest(project_fit(lc, ["x0.5"])[1], quantities=["model_growth"])
    with pytest.raises(ProjectionError, match=r"level 'population'.*'curve', 'domain'"):
        plot_projection_forest(project_fit(lc, [0.05])[1], level="population")


def visible_quantity(ax):
    return ax.get_title().replace(" ", "_")


def test_forest_plot_draws_into_given_axes_and_refuses_a_fit(sweep):
    _, lc, ms = sweep
    _, table = project_fit(lc, ["x0.5"], model_size_fit=ms)
    fig, (left, right) = plt.subplots(1, 2)
    try:
        out_fig, axes = plot_projection_forest(table, quantities=["data_growth"], ax=left)
        assert out_fig is fig and list(axes) == [left]
        assert left.get_title() == "data growth" and not right.has_data()
        assert left.get_legend() is not None and not fig.get_suptitle()
        with pytest.raises(ModelConfigError, match=r"3 matplotlib Axes.*one per quantity"):
            plot_projection_forest(table, ax=[left, right])
    finally:
        plt.close(fig)
    with pytest.raises(ModelConfigError, match=r"not a fit.*project_fit"):
        plot_projection_forest(lc)
    with pytest.raises(ModelConfigError, match=r"lacks columns \['p_reachable'\]"):
        plot_projection_forest(table.drop(columns="p_reachable"))


def test_degree_plot_implied_k(sweep):
    _, lc, ms = sweep
    degree = degree_posterior(lc, model_size_fit=ms)
    _fig, axes = plot_degree(degree)
    visible = _visible(axes)
    assert len(visible) == lc["posterior"].sizes["domain"]
    for ax in visible:
        assert any(np.allclose(line.get_xdata(), 4.0) for line in ax.get_lines())
        assert any("P(k > 4)" in t for t in _texts(ax))
        assert _bands(ax)  # the filled density
    assert visible[-1].get_xscale() == "log"
    assert "degree k" in visible[-1].get_xlabel()
    with pytest.raises(ProjectionError, match="model_size_fit"):
        degree_posterior(lc)
    with pytest.raises(ModelConfigError, match="DegreePosterior, not a fit"):
        plot_degree(lc)
    # the same posterior from a projection already made (the report's path)
    from bayes_scaling.projection import project_growth

    reused = degree_posterior(lc, projection=project_growth(lc, ["x0.5"], model_size_fit=ms))
    pd.testing.assert_frame_equal(reused.table, degree.table)
    with pytest.raises(ProjectionError, match="no implied degree"):
        degree_posterior(lc, projection=project_growth(lc, ["x0.5"]))


def test_degree_plot_draws_into_given_axes(sweep):
    _, lc, ms = sweep
    degree = degree_posterior(lc, model_size_fit=ms)
    n = lc["posterior"].sizes["domain"]
    fig, axes = plt.subplots(n, 1)
    try:
        out_fig, drawn = plot_degree(degree, ax=axes)
        assert out_fig is fig and drawn.shape == (n, 1)
        assert all(_bands(ax) for ax in axes) and not fig.get_suptitle()
        with pytest.raises(ModelConfigError, match=f"{n} matplotlib Axes"):
            plot_degree(degree, ax=axes[0] if n > 1 else list(axes) * 2)
    finally:
        plt.close(fig)


@needs_mirror
def test_degree_plot_fitted_k(imagenet):
    fig, axes = plot_degree(degree_posterior(imagenet))
    assert len(_visible(axes)) == 1
    ax = axes.ravel()[0]
    assert any("imagenet: k " in t for t in _texts(ax))
    assert "hardware" in fig.get_suptitle()


def test_diagnostics_plot(fit):
    fig, axes = plot_diagnostics(fit, var_names=["beta_global", "beta_domain"])
    assert len(axes) == 1 + fit["posterior"].sizes["domain"]
    assert "R-hat" in fig.get_suptitle() and "divergences" in fig.get_suptitle()
    with pytest.raises(ModelConfigError, match="not in the posterior"):
        plot_diagnostics(fit, var_names=["nope"])
    with pytest.raises(ModelConfigError, match="kind"):
        plot_diagnostics(fit, kind="pair")


def _comparison(evidence=True, loo=True, lfo=True):
    models = ["power_law", "exponential"]
    ev = pd.DataFrame({"log_evidence": [-10.0, -13.0], "log_evidence_se": [0.1, 0.2],
                       "log_bayes_factor": [0.0, -3.0], "log_bayes_factor_se": [0.0, 0.25],
                       "prob": [0.95, 0.05], "prob_low": [0.93, 0.04],
                       "prob_high": [0.96, 0.07]}, index=models)
    lo = pd.DataFrame({"rank": [0, 1], "elpd": [-5.0, -9.0], "p": [3.0, 3.0],
                       "elpd_diff": [0.0, -4.0], "weight": [1.0, 0.0], "se": [2.0, 2.5],
                       "dse": [0.0, 1.5], "warning": [False, True]}, index=models)
    lf = pd.DataFrame({"model": models * 2, "domain": ["a", "a", "b", "b"], "n_holdout": 4,
                       "elpd": -2.0, "rmse_log": [0.1, 0.3, 0.2, 0.25],
                       "coverage_50": [0.5, 0.25, 0.5, 0.0],
                       "coverage_90": [1.0, 0.75, 0.75, 0.5]})
    return types.SimpleNamespace(evidence=ev if evidence else None, loo=lo if loo else None,
                                 lfo=lf if lfo else None)


def test_model_comparison_plot_structure():
    _fig, axes = plot_model_comparison(_comparison())
    ev, loo, rmse, cov = _visible(axes)
    assert "Bayes factor" in ev.get_xlabel()
    bars = [c for c in ev.collections if c.get_segments()]
    widths = sorted(float(np.ptp(seg[:, 0])) for c in bars for seg in c.get_segments())
    assert widths[-1] == pytest.approx(2 * 2 * 0.25)  # 2 SE either side
    assert any("p = 0.95" in t.get_text() for t in ev.get_yticklabels())
    assert "ELPD" in loo.get_xlabel() and any("Pareto" in t or "diagnostics" in t
                                               for t in _texts(loo))
    assert [t.get_text() for t in rmse.get_yticklabels()] == ["a", "b"]
    nominal = {round(float(line.get_xdata()[0]), 2) for line in cov.get_lines()
               if line.get_linestyle() == "--"}
    assert nominal == {0.5, 0.9}
    _, axes = plot_model_comparison(_comparison(evidence=False, lfo=False))
    assert len(_visible(axes)) == 1


def test_model_comparison_rejects_bad_input():
    with pytest.raises(ModelConfigError, match="no table"):
        plot_model_comparison(_comparison(False, False, False))
    broken = _comparison()
    broken.evidence = broken.evidence.drop(columns="prob_low")
    with pytest.raises(ModelConfigError, match="prob_low"):
        plot_model_comparison(broken)


def test_plot_fit_chooses_by_model_type(fit, sweep):
    _, _, ms = sweep
    _, axes = plot_fit(fit)
    assert "error" in _visible(axes)[0].get_ylabel()
    _, axes = plot_fit(ms)
    assert "best model size" in _visible(axes)[0].get_ylabel()
    with pytest.raises(ModelConfigError, match="target"):
        plot_fit(fit, kind="forest")
    with pytest.raises(ModelConfigError, match="plot kind"):
        plot_fit(fit, kind="violin")
