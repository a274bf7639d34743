"""Joint (Chinchilla) law: compute-optimal loss and allocation vs compute, with bands."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from bayes_scaling import dims
from bayes_scaling.bands import allocation_bands, optimal_loss_bands
from bayes_scaling.plotting.style import (
    METRIC_LABELS,
    SEQUENTIAL_CMAP,
    SIZE_LABELS,
    TOKENS_LABEL,
    band_title,
    color,
    draw_bands,
    draw_targets,
    log_axes,
    panels,
    suptitle,
)
from bayes_scaling.targets import Target


def plot_joint_scaling(
    fit: xr.DataTree,
    *,
    targets: Sequence[float | str] = (),
    probs: Sequence[float] | None = None,
    ci_kind: str | None = None,
    extrapolate: float = 100.0,
    figsize: tuple[float, float] | None = None,
) -> tuple[Figure, np.ndarray]:
    """Two panels for a ``joint_scaling`` fit ``L(N, D) = E + A/N^alpha + B/D^beta``.

    Left: the training runs (loss vs compute ``C = 6 N D``, coloured by model size) and
    the compute-optimal loss ``L*(C)`` with credible bands. Right: the compute-optimal
    model size ``N*(C)`` and training tokens ``D*(C)`` with bands. Log axes; hatched
    beyond the largest observed compute.

    Parameters
    ----------
    fit : xarray.DataTree
        A ``joint_scaling`` fit.
    targets : sequence of float or str, optional
        Absolute loss targets drawn as horizontal lines on the left panel.
    probs : sequence of float, optional
        Band probabilities (default ``(0.5, arviz.rcParams["stats.ci_prob"])``).
    ci_kind : {"eti", "hdi"}, optional
        Interval kind (default ArviZ's ``stats.ci_kind``).
    extrapolate : float, default 100
        Extend the curves to this multiple of the largest observed compute.
    figsize : tuple, optional
        Figure size in inches.

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of Axes)
        Two axes: loss and allocation.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import JointScalingLaw
    >>> joint = JointScalingLaw(load_dataset("chinchilla-epoch2024")).fit(
    ...     draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.plotting import plot_joint_scaling
    >>> fig, axes = plot_joint_scaling(joint, targets=[2.0])
    >>> [ax.get_title() for ax in axes.ravel()]
    ['loss vs compute', 'compute-optimal allocation']
    """
    loss_bands = optimal_loss_bands(fit, probs=probs, ci_kind=ci_kind, extrapolate=extrapolate)
    alloc = allocation_bands(fit, probs=probs, ci_kind=ci_kind, extrapolate=extrapolate)
    const = fit["constant_data"].to_dataset()
    metric = fit.attrs.get("metric", "loss")
    loss = np.exp(fit["observed_data"][fit_observed_name(fit)].values)
    curves = [str(c) for c in fit["posterior"][dims.CURVE].values]
    fig, axes = panels(2, ncols=2, panel_size=(6.0, 4.6), figsize=figsize)
    ax_loss, ax_alloc = axes.ravel()
    params = const["params"].values
    norm = mpl.colors.LogNorm(params.min(), params.max())
    points = ax_loss.scatter(const["compute"].values, loss, c=params, cmap=SEQUENTIAL_CMAP,
                             norm=norm, s=14, edgecolor="0.3", lw=0.3, zorder=3,
                             label="training runs")
    bar = fig.colorbar(points, ax=ax_loss, pad=0.01)
    bar.set_label(SIZE_LABELS["params"])
    for k, label in enumerate(curves):
        sel = {dims.CURVE: label}
        name = label.split("/", 1)[1] if len(curves) > 1 else "L*(C)"
        draw_bands(ax_loss, loss_bands.sel(sel), color(k + 1),
                   label=f"{name}: compute-optimal loss")
        for j, (resource, text) in enumerate((("params", "N*(C) parameters"),
                                              ("data", f"D*(C) {TOKENS_LABEL}"))):
            draw_bands(ax_alloc, alloc.sel({**sel, dims.RESOURCE: resource}),
                       color(2 * k + j), label=text if len(curves) == 1 else f"{name}: {text}")
    draw_targets(ax_loss, [Target.parse(t) for t in targets])
    log_axes(ax_loss)
    log_axes(ax_alloc)
    ax_loss.set_xlabel(SIZE_LABELS["compute"] + ", C = 6 N D")
    ax_loss.set_ylabel(METRIC_LABELS.get(metric, metric))
    ax_loss.set_title("loss vs compute")
    ax_loss.legend(fontsize=8, loc="upper right")
    ax_alloc.set_xlabel(SIZE_LABELS["compute"] + ", C = 6 N D")
    ax_alloc.set_ylabel("compute-optimal parameters / tokens")
    ax_alloc.set_title("compute-optimal allocation")
    ax_alloc.legend(fontsize=8, loc="upper left")
    suptitle(fig, f"Joint law L(N, D) = E + A/N^alpha + B/D^beta: {band_title(loss_bands)}; "
                  "hatched: extrapolation")
    return fig, axes


def fit_observed_name(fit: xr.DataTree) -> str:
    """Name of the (log-metric) observed variable of a fit."""
    return next(iter(fit["observed_data"].data_vars))
