"""Shared plot defaults: a colour-blind-safe palette, axis labels and drawing helpers."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bayes_scaling.errors import ModelConfigError

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
)
#: Perceptually uniform, colour-blind-safe sequential map (years, compute budgets).
SEQUENTIAL_CMAP = "cividis"

METRIC_LABELS = {"error": "test error rate", "loss": "loss"}
SIZE_LABELS = {
    "data": "training-set size (samples)",
    "params": "model size (parameters)",
    "compute": "training compute (FLOP)",
}
COMPUTE_KIND_LABELS = {
    "hardware": "hardware burden (FLOP: peak FLOP/s x training time)",
    "network": "network operations (FLOP: per pass x passes)",
}
TOKENS_LABEL = "training tokens"
THEORY_BOUND_LABEL = "theoretical lower bound k = 4 (Thompson et al. 2020)"


def color(i: int) -> str:
    """The ``i``-th palette colour (cycling)."""
    return OKABE_ITO[i % len(OKABE_ITO)]


def compute_label(kind: str | None) -> str:
    """Axis label for a compute column of the given kind (``hardware``, ``network``, ...)."""
    return COMPUTE_KIND_LABELS.get(str(kind), SIZE_LABELS["compute"])


def panels(n: int, *, ncols: int = 3, panel_size: tuple[float, float] = (5.0, 4.0),
           figsize: tuple[float, float] | None = None, **kwargs: object,
           ) -> tuple[Figure, np.ndarray]:
    """A figure with ``n`` visible panels on a grid (extra grid cells hidden).

    Returns
    -------
    (Figure, numpy.ndarray of Axes)
        The axes array has the grid's shape; hidden axes are ``ax.get_visible() is False``.
    """
    ncols = max(1, min(n, ncols))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, squeeze=False, layout="constrained",
                             figsize=figsize or (panel_size[0] * ncols, panel_size[1] * nrows),
                             **kwargs)  # type: ignore[arg-type]
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes


def given_axes(ax: Axes | Sequence[Axes] | np.ndarray, n: int, *, what: str,
               ) -> tuple[Figure, np.ndarray]:
    """The figure and flat array of axes a caller passed as ``ax=``, checked to be ``n``.

    Raises
    ------
    ModelConfigError
        When the number of axes is not ``n`` (the message says what each one is for).
    """
    axes = np.array([ax], dtype=object) if isinstance(ax, Axes) else \
        np.asarray(ax, dtype=object).ravel()
    if len(axes) != n or not all(isinstance(a, Axes) for a in axes):
        raise ModelConfigError(f"ax= needs {n} matplotlib Axes ({what}); got "
                               f"{len(axes)} object(s)")
    return axes[0].figure, axes


def draw_bands(ax: Axes, band: xr.Dataset, col: str, *, label: str | None = None,
               lw: float = 2.0) -> None:
    """Draw one curve's median and nested bands from a :mod:`bayes_scaling.bands` dataset.

    The observed range gets solid lines and filled bands; the extrapolated range
    (``grid > observed_max``) dashed lines and hatched bands.
    """
    grid = band["grid"].values
    inside = grid <= float(band["observed_max"]) * (1 + 1e-9)
    # share the boundary point so the solid and dashed parts join
    outside = ~inside
    if outside.any() and inside.any():
        outside[np.flatnonzero(inside)[-1]] = True
    median = band["median"].values
    probs: Sequence[float] = list(band["prob"].values)
    for j, p in enumerate(sorted(probs, reverse=True)):
        lo = band["lower"].sel(prob=p).values
        hi = band["upper"].sel(prob=p).values
        alpha = 0.15 + 0.15 * j / max(len(probs) - 1, 1)
        ax.fill_between(grid[inside], lo[inside], hi[inside], color=col, alpha=alpha, lw=0)
        if outside.any():
            ax.fill_between(grid[outside], lo[outside], hi[outside], facecolor="none",
                            edgecolor=col, alpha=alpha + 0.2, hatch="///", lw=0)
    ax.plot(grid[inside], median[inside], color=col, lw=lw, label=label)
    if outside.any():
        ax.plot(grid[outside], median[outside], color=col, lw=lw, ls="--")


def band_title(band: xr.Dataset) -> str:
    """``"median, 50% and 89% credible bands (eti)"`` for a bands dataset."""
    probs = ", ".join(f"{p:.0%}" for p in band["prob"].values)
    return f"posterior median, {probs} credible bands ({band.attrs.get('ci_kind', 'eti')})"


def log_axes(ax: Axes, *, x: bool = True, y: bool = True) -> None:
    """Log scales and a light grid."""
    if x:
        ax.set_xscale("log")
    if y:
        ax.set_yscale("log")
        plain_log_ticks(ax, "y")
    if x:
        plain_log_ticks(ax, "x")
    ax.grid(True, which="major", alpha=0.3)
    ax.grid(True, which="minor", alpha=0.1)


def suptitle(fig: Figure, text: str, *, fontsize: float = 10) -> None:
    """A figure title wrapped to the figure's width."""
    width = max(40, int(fig.get_figwidth() * 115 / fontsize))
    fig.suptitle("\n".join(textwrap.wrap(text, width)), fontsize=fontsize)


def label_points(ax: Axes, xs: Sequence[float], ys: Sequence[float], texts: Sequence[str], *,
                 min_dist: float = 0.12) -> None:
    """Write ``texts`` next to points on log-log axes, merging labels of nearby points.

    Points closer than ``min_dist`` decades (in both x and y) to an already labelled
    point add their text to that label (``"2012, 2013"``) instead of overlapping it.
    """
    groups: list[tuple[float, float, list[str]]] = []
    for x, y, text in zip(xs, ys, texts, strict=True):
        lx, ly = np.log10(x), np.log10(y)
        for gx, gy, members in groups:
            if abs(lx - gx) < 3 * min_dist and abs(ly - gy) < min_dist:
                if text not in members:
                    members.append(text)
                break
        else:
            groups.append((lx, ly, [text]))
    for gx, gy, members in groups:
        ax.annotate(", ".join(sorted(members)), (10**gx, 10**gy), xytext=(4, 3),
                    textcoords="offset points", fontsize=7, color="0.2")


def plain_log_ticks(ax: Axes, which: str) -> None:
    """Readable tick labels on a log axis that spans few decades.

    Under one decade every tick gets a plain number; under 2.5 decades the 1-2-5 ticks
    do; otherwise only the powers of ten are labelled (no crowded minor labels).
    """
    axis = ax.yaxis if which == "y" else ax.xaxis
    low, high = ax.get_ylim() if which == "y" else ax.get_xlim()
    if not 0 < low < high:
        return
    span = np.log10(high) - np.log10(low)  # not high / low: that overflows on wide axes
    plain = mticker.FuncFormatter(lambda v, _: f"{v:g}")
    if span < 1.0:
        axis.set_major_formatter(plain)
        axis.set_minor_formatter(plain)
    elif span < 2.5:
        axis.set_major_locator(mticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(plain)
        axis.set_minor_formatter(mticker.NullFormatter())
    else:
        axis.set_minor_formatter(mticker.NullFormatter())


def draw_targets(ax: Axes, targets: Sequence[Any], *, domain: str | None = None) -> None:
    """A dotted horizontal line, labelled, at each absolute target metric.

    ``targets`` are :class:`bayes_scaling.projection.Target`; relative targets (a factor of
    each curve's own metric) have no single level and are not drawn. A target for some
    curves only is labelled with them (``target 0.05 (imagenet/top1 only)``) and, when
    the panel's ``domain`` is given, drawn only in the panel of its domain.
    """
    for t in targets:
        if domain is not None and t.domain is not None and t.domain != domain:
            continue
        if t.kind == "absolute":
            only = f" ({t.scope} only)" if t.scope is not None else ""
            ax.axhline(t.value, color="0.3", lw=1, ls=":", zorder=1)
            ax.annotate(f"target {t.value:g}{only}", (0.98, t.value),
                        xycoords=("axes fraction", "data"), va="bottom", ha="right",
                        fontsize=8, color="0.3")
