"""Learning curves per domain with credible bands and extrapolation shading."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bayes_scaling import dims
from bayes_scaling.bands import fitted_points, learning_curve_bands
from bayes_scaling.plotting.style import (
    METRIC_LABELS,
    SIZE_LABELS,
    band_title,
    color,
    draw_bands,
    draw_targets,
    log_axes,
    panels,
    suptitle,
)
from bayes_scaling.targets import Target


def plot_learning_curves(
    fit: xr.DataTree,
    *,
    targets: Sequence[float | str] = (),
    probs: Sequence[float] | None = None,
    ci_kind: str | None = None,
    extrapolate: float = 10.0,
    figsize: tuple[float, float] | None = None,
) -> tuple[Figure, np.ndarray]:
    """Plot observations, posterior median and credible bands, one panel per domain.

    Log-log axes; the observed range is drawn with solid lines and filled bands, the
    extrapolated range (beyond the largest observed size) with dashed lines and
    hatched bands; absolute targets are drawn as horizontal dotted lines.

    Parameters
    ----------
    fit : xarray.DataTree
        A ``hierarchical_learning_curve`` fit.
    targets : sequence of float or str, optional
        Targets to mark; absolute ones are drawn as horizontal lines (relative targets
        such as ``"x0.5"`` differ per curve and are not drawn).
    probs : sequence of float, optional
        Band probabilities (default ``(0.5, arviz.rcParams["stats.ci_prob"])``).
    ci_kind : {"eti", "hdi"}, optional
        Interval kind (default ArviZ's ``stats.ci_kind``).
    extrapolate : float, default 10
        Extend the curves to this multiple of the largest observed size.
    figsize : tuple, optional
        Figure size in inches.

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of Axes)
        One visible axes per domain.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.plotting import plot_learning_curves
    >>> fig, axes = plot_learning_curves(fit, targets=[0.02])  # one panel per domain
    >>> [ax.get_title() for ax in axes.ravel()]
    ['digits', 'mnist1d']
    >>> fig.savefig("curves.svg")
    """
    bands = learning_curve_bands(fit, probs=probs, ci_kind=ci_kind, extrapolate=extrapolate)
    table = fitted_points(fit)
    metric = fit.attrs.get("metric", "error")
    domains = [str(d) for d in fit["posterior"][dims.DOMAIN].values]
    curves = [str(c) for c in fit["posterior"][dims.CURVE].values]
    fig, axes = panels(len(domains), figsize=figsize)
    parsed = [Target.parse(t) for t in targets]
    for d, domain in enumerate(domains):
        ax: Axes = axes.ravel()[d]
        members = [c for c in curves if c.split("/", 1)[0] == domain]
        for k, label in enumerate(members):
            name = label.split("/", 1)[1]
            draw_bands(ax, bands.sel({dims.CURVE: label}), color(k), label=f"{name} (median)")
            rows = table[(table["domain"] == domain) & (table["curve"] == name)]
            ax.scatter(rows["data"], rows[metric], s=14, color=color(k), edgecolor="white",
                       lw=0.5, zorder=3, label=f"{name} (observed)")
        draw_targets(ax, parsed, domain=domain)
        log_axes(ax)
        ax.set_title(domain)
        ax.set_xlabel(SIZE_LABELS["data"])
        ax.set_ylabel(METRIC_LABELS.get(metric, metric))
        ax.legend(fontsize=8, loc="best")
    suptitle(fig, f"Learning curves: {band_title(bands)}; hatched: extrapolation")
    return fig, axes
