"""Learning curves per domain with credible bands and extrapolation shading."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bayes_scaling import dims
from bayes_scaling.bands import learning_curve_bands
from bayes_scaling.models.learning_curve import fitted_table
from bayes_scaling.plotting.style import METRIC_LABELS, SIZE_LABELS, color
from bayes_scaling.projection import Target


def plot_learning_curves(
    fit: xr.DataTree,
    *,
    targets: Sequence[float | str] = (),
    probs: Sequence[float] = (0.5, 0.9),
    extrapolate: float = 10.0,
    figsize: tuple[float, float] | None = None,
) -> tuple[Figure, np.ndarray]:
    """Plot observations, posterior median and credible bands, one panel per domain.

    Log-log axes; the observed range is drawn with solid lines and filled bands, the
    extrapolated range (beyond the largest observed size) with dashed lines and
    hatched, lighter bands; absolute targets are drawn as horizontal lines.

    Parameters
    ----------
    fit : xarray.DataTree
        A ``hierarchical_learning_curve`` fit.
    targets : sequence of float or str, optional
        Targets to mark; absolute ones are drawn as horizontal lines (relative targets
        such as ``"x0.5"`` differ per curve and are not drawn).
    probs : sequence of float, default (0.5, 0.9)
        Band probabilities (inner to outer).
    extrapolate : float, default 10
        Extend the curves to this multiple of the largest observed size.
    figsize : tuple, optional
        Figure size in inches.

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of Axes)
        One axes per domain.
    """
    bands = learning_curve_bands(fit, probs=sorted(probs), extrapolate=extrapolate)
    table = fitted_table(fit)
    metric = fit.attrs.get("metric", "error")
    domains = [str(d) for d in fit["posterior"][dims.DOMAIN].values]
    curves = [str(c) for c in fit["posterior"][dims.CURVE].values]
    ncols = min(len(domains), 3)
    nrows = int(np.ceil(len(domains) / ncols))
    fig, axes = plt.subplots(nrows, ncols, squeeze=False, layout="constrained",
                             figsize=figsize or (5.0 * ncols, 4.0 * nrows))
    parsed = [Target.parse(t) for t in targets]
    for ax in axes.ravel()[len(domains):]:
        ax.set_visible(False)
    for d, domain in enumerate(domains):
        ax: Axes = axes.ravel()[d]
        members = [c for c in curves if c.split("/", 1)[0] == domain]
        for k, label in enumerate(members):
            _draw_curve(ax, bands.sel({dims.CURVE: label}), table, label, color(k), probs)
        for t in parsed:
            if t.kind == "absolute":
                ax.axhline(t.value, color="0.3", lw=1, ls=":", zorder=1)
                ax.annotate(f"target {t.value:g}", (0.02, t.value), xycoords=("axes fraction",
                            "data"), va="bottom", fontsize=8, color="0.3")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(domain)
        ax.set_xlabel(SIZE_LABELS["data"])
        ax.set_ylabel(METRIC_LABELS.get(metric, metric))
        ax.grid(True, which="both", alpha=0.25)
        ax.legend(fontsize=8, loc="best")
    inner, outer = sorted(probs)[0], sorted(probs)[-1]
    fig.suptitle(f"Learning curves: posterior median, {inner:.0%} and {outer:.0%} credible "
                 "bands (hatched: extrapolation)", fontsize=10)
    return fig, axes


def _draw_curve(ax: Axes, band: xr.Dataset, table: Any, label: str, col: str,
                probs: Sequence[float]) -> None:
    domain, curve = label.split("/", 1)
    grid = band["grid"].values
    inside = grid <= float(band["observed_max"]) * (1 + 1e-9)
    median = band["median"].values
    sorted_probs = sorted(probs)
    for j, p in enumerate(sorted_probs[::-1]):
        lo = band["lower"].sel(prob=p).values
        hi = band["upper"].sel(prob=p).values
        alpha = 0.15 + 0.15 * (len(sorted_probs) - 1 - j) / max(len(sorted_probs) - 1, 1)
        ax.fill_between(grid[inside], lo[inside], hi[inside], color=col, alpha=alpha, lw=0)
        ax.fill_between(grid[~inside], lo[~inside], hi[~inside], facecolor="none",
                        edgecolor=col, alpha=alpha + 0.2, hatch="///", lw=0)
    ax.plot(grid[inside], median[inside], color=col, lw=2, label=f"{curve} (median)")
    ax.plot(grid[~inside], median[~inside], color=col, lw=2, ls="--")
    rows = table[(table["domain"] == domain) & (table["curve"] == curve)]
    metric = "error" if "error" in rows else "loss"
    ax.scatter(rows["data"], rows[metric], s=14, color=col, edgecolor="white", lw=0.5,
               zorder=3, label=f"{curve} (observed)")
