"""Plots: structure, not pixels (non-interactive backend; figures closed)."""

from __future__ import annotations

import inspect

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from _fits import simulated_fit

from bayes_scaling.bands import learning_curve_bands
from bayes_scaling.plotting import plot_learning_curves


@pytest.fixture(scope="module")
def fit():
    return simulated_fit()[1]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_plot_functions_take_fit_first_then_keyword_only():
    params = list(inspect.signature(plot_learning_curves).parameters.values())
    assert params[0].name == "fit"
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:])


def test_learning_curve_plot_structure(fit, tmp_path):
    fig, axes = plot_learning_curves(fit, targets=[0.1])
    visible = [ax for ax in axes.ravel() if ax.get_visible()]
    assert len(visible) == 3  # one panel per domain
    for ax in visible:
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        assert "training-set size" in ax.get_xlabel()
        assert "error" in ax.get_ylabel()
        # 2 curves x 2 bands x (observed + extrapolated) filled regions
        assert len(ax.collections) >= 2 * 2 * 2 + 2
        styles = {line.get_linestyle() for line in ax.get_lines()}
        assert {"-", "--", ":"} <= styles  # fitted, extrapolated, target
        assert ax.get_legend() is not None
    fig.savefig(tmp_path / "lc.png")
    assert (tmp_path / "lc.png").stat().st_size > 10_000


def test_bands_are_ordered_and_extrapolate(fit):
    bands = learning_curve_bands(fit, probs=(0.5, 0.9), extrapolate=10)
    lo50, hi50 = bands["lower"].sel(prob=0.5), bands["upper"].sel(prob=0.5)
    lo90, hi90 = bands["lower"].sel(prob=0.9), bands["upper"].sel(prob=0.9)
    assert bool((lo90 <= lo50).all() and (lo50 <= bands["median"]).all())
    assert bool((bands["median"] <= hi50).all() and (hi50 <= hi90).all())
    np.testing.assert_allclose(bands["grid"].max("size"), bands["observed_max"] * 10)
    with pytest.raises(ValueError, match="extrapolate"):
        learning_curve_bands(fit, extrapolate=0.5)
