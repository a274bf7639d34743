"""Error vs training compute (Thompson et al. style) with the fitted law and credible bands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import matplotlib as mpl
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bayes_scaling import dims
from bayes_scaling.bands import compute_scaling_bands, fitted_points
from bayes_scaling.plotting.style import (
    METRIC_LABELS,
    SEQUENTIAL_CMAP,
    band_title,
    color,
    compute_label,
    draw_bands,
    draw_targets,
    label_points,
    log_axes,
    panels,
    suptitle,
)
from bayes_scaling.summaries import ci_defaults, posterior_interval
from bayes_scaling.targets import Target

MARKERS = ("o", "s", "^", "v", "D", "P")


def plot_compute_scaling(
    fit: xr.DataTree,
    *,
    targets: Sequence[float | str] = (),
    probs: Sequence[float] | None = None,
    ci_kind: str | None = None,
    extrapolate: float = 100.0,
    year: float | None = None,
    label_years: Literal["frontier", "all", "none"] = "frontier",
    figsize: tuple[float, float] | None = None,
) -> tuple[Figure, np.ndarray]:
    """Published models' error vs training compute, one panel per benchmark.

    Points are coloured by publication year (colour bar) with one marker per curve
    (metric variant); the fitted law of each curve is drawn with its credible bands,
    hatched beyond the largest observed compute. Both axes are logarithmic.

    Parameters
    ----------
    fit : xarray.DataTree
        A ``compute_scaling`` fit.
    targets : sequence of float or str, optional
        Absolute error targets drawn as horizontal lines (e.g. ``0.05`` or
        ``"imagenet-top1-5pct"``).
    probs : sequence of float, optional
        Band probabilities (default ``(0.5, arviz.rcParams["stats.ci_prob"])``).
    ci_kind : {"eti", "hdi"}, optional
        Interval kind (default ArviZ's ``stats.ci_kind``).
    extrapolate : float, default 100
        Extend the fitted law to this multiple of the largest observed compute.
    year : float, optional
        Trend fits: the year at which the law is drawn (default: each curve's latest
        observed year).
    label_years : {"frontier", "all", "none"}, default "frontier"
        Write the year next to the models on the accuracy frontier, every model, or none.
    figsize : tuple, optional
        Figure size in inches.

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of Axes)
        One visible axes per benchmark (domain).

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalComputeScaling
    >>> k_fit = HierarchicalComputeScaling(load_dataset("thompson2020-imagenet"), trend=True).fit(
    ...     draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.plotting import plot_compute_scaling
    >>> fig, axes = plot_compute_scaling(k_fit, targets=["imagenet-top1-5pct"])
    >>> [ax.get_title() for ax in axes.ravel()]
    ['imagenet']
    """
    if label_years not in ("frontier", "all", "none"):
        raise ValueError(f"label_years must be 'frontier', 'all' or 'none', got {label_years!r}")
    bands = compute_scaling_bands(fit, probs=probs, ci_kind=ci_kind, extrapolate=extrapolate,
                                  year=year)
    table = fitted_points(fit)
    metric = fit.attrs.get("metric", "error")
    post = fit["posterior"]
    law = _law_labels(fit, bands.attrs["probs"][-1], ci_kind)
    domains = list(dict.fromkeys(str(d) for d in fit["constant_data"]["curve_domain"].values))
    curves = [str(c) for c in post[dims.CURVE].values]
    fig, axes = panels(len(domains), ncols=2, panel_size=(6.0, 4.6), figsize=figsize)
    has_year = "year" in table
    norm = (mpl.colors.Normalize(table["year"].min(), table["year"].max()) if has_year
            else None)
    on_frontier = table["on_frontier"].to_numpy()
    parsed = [Target.parse(t) for t in targets]
    for d, domain in enumerate(domains):
        ax: Axes = axes.ravel()[d]
        members = [c for c in curves if c.split("/", 1)[0] == domain]
        for k, label in enumerate(members):
            name = label.split("/", 1)[1]
            draw_bands(ax, bands.sel({dims.CURVE: label}), color(k),
                       label=f"{name}: {law[label]}")
            mask = ((table["domain"] == domain) & (table["curve"] == name)).to_numpy()
            rows = table[mask]
            colours = (mpl.colormaps[SEQUENTIAL_CMAP](norm(rows["year"])) if has_year
                       else color(k))
            ax.scatter(rows["compute"], rows[metric], s=26, c=colours, marker=MARKERS[k % 6],
                       edgecolor=color(k), lw=1.0, zorder=3, label=f"{name}: published models")
            if has_year and label_years != "none":
                pick = rows[on_frontier[mask]] if label_years == "frontier" else rows
                label_points(ax, pick["compute"].tolist(), pick[metric].tolist(),
                             [str(int(y)) for y in pick["year"]])
        draw_targets(ax, parsed, domain=domain)
        log_axes(ax)
        ax.set_title(domain)
        ax.set_xlabel(compute_label(fit.attrs.get("compute_kind")))
        ax.set_ylabel(METRIC_LABELS.get(metric, metric) if metric != "error"
                      else "error (1 - accuracy or score)")
        ax.legend(fontsize=7, loc="lower left")
    if has_year:
        shown = [ax for ax in axes.ravel() if ax.get_visible()]
        bar = fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=SEQUENTIAL_CMAP), ax=shown,
                           pad=0.01, shrink=min(1.0, 0.6 + 0.2 * len(shown)), aspect=40)
        bar.set_label("publication year (marker fill)")
        bar.ax.yaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    when = ""
    if "year" in bands:
        when = (f"; law drawn at year {bands.attrs['year']}"
                if not isinstance(bands.attrs["year"], str)
                else "; law drawn at each curve's latest year")
    labelled = {"frontier": "; years labelled on the accuracy frontier", "all": "",
                "none": ""}[label_years]
    suptitle(fig, f"Error vs training compute: {band_title(bands)}; hatched: extrapolation"
             f"{when}{labelled}")
    return fig, axes


def _law_labels(fit: xr.DataTree, prob: float, ci_kind: str | None) -> dict[str, str]:
    """Per-curve legend text: the degree k (polynomial) or the slope (exponential)."""
    post = fit["posterior"]
    prob, kind = ci_defaults(prob, ci_kind)
    var, name = ("k", "k") if "k" in post else ("b", "slope b")
    med, low, up = posterior_interval(post[var], prob, kind)
    return {str(c): f"{name} {float(med.sel(curve=c)):.2g} [{float(low.sel(curve=c)):.2g}, "
                    f"{float(up.sel(curve=c)):.2g}]" for c in post[dims.CURVE].values}
