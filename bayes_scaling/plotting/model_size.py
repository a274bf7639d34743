"""Best model size vs training-set size (Hestness's sublinear model-size law) with bands."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bayes_scaling import dims
from bayes_scaling.bands import model_size_bands
from bayes_scaling.plotting.style import (
    SIZE_LABELS,
    band_title,
    color,
    draw_bands,
    log_axes,
    panels,
    suptitle,
)
from bayes_scaling.summaries import ci_defaults, posterior_interval


def plot_model_size(
    fit: xr.DataTree,
    *,
    probs: tuple[float, ...] | None = None,
    ci_kind: str | None = None,
    extrapolate: float = 10.0,
    figsize: tuple[float, float] | None = None,
) -> tuple[Figure, np.ndarray]:
    """Best model size per shard and the fitted ``s(m) = alpha_p m^beta_p``, per domain.

    Parameters
    ----------
    fit : xarray.DataTree
        A ``hierarchical_model_size`` fit.
    probs : tuple of float, optional
        Band probabilities (default ``(0.5, arviz.rcParams["stats.ci_prob"])``).
    ci_kind : {"eti", "hdi"}, optional
        Interval kind (default ArviZ's ``stats.ci_kind``).
    extrapolate : float, default 10
        Extend the curves to this multiple of the largest observed training-set size.
    figsize : tuple, optional
        Figure size in inches.

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of Axes)
        One visible axes per domain; the legend gives each curve's exponent
        ``beta_p`` (median and interval).

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.models import HierarchicalModelSize
    >>> sizes = HierarchicalModelSize(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.plotting import plot_model_size
    >>> fig, axes = plot_model_size(sizes)
    >>> [ax.get_title() for ax in axes.ravel()]
    ['digits', 'mnist1d']
    """
    bands = model_size_bands(fit, probs=probs, ci_kind=ci_kind, extrapolate=extrapolate)
    prob, kind = ci_defaults(bands.attrs["probs"][-1], ci_kind)
    med, low, up = posterior_interval(fit["posterior"]["beta_p"], prob, kind)
    const = fit["constant_data"].to_dataset()
    best = np.exp(fit["observed_data"]["log_best_params"].values)
    obs_curve = np.array([f"{d}/{c}" for d, c in zip(const["obs_domain"].values,
                                                     const["obs_curve"].values, strict=True)])
    domains = [str(d) for d in fit["posterior"][dims.DOMAIN].values]
    curves = [str(c) for c in fit["posterior"][dims.CURVE].values]
    fig, axes = panels(len(domains), figsize=figsize)
    for d, domain in enumerate(domains):
        ax: Axes = axes.ravel()[d]
        members = [c for c in curves if c.split("/", 1)[0] == domain]
        for k, label in enumerate(members):
            name = label.split("/", 1)[1]
            sel = {dims.CURVE: label}
            exponent = (f"beta_p {float(med.sel(sel)):.2f} "
                        f"[{float(low.sel(sel)):.2f}, {float(up.sel(sel)):.2f}]")
            draw_bands(ax, bands.sel(sel), color(k), label=f"{name}: {exponent}")
            mask = obs_curve == label
            ax.scatter(const["size"].values[mask], best[mask], s=18, color=color(k),
                       edgecolor="white", lw=0.5, zorder=3, marker="D",
                       label=f"{name}: best size per shard")
        log_axes(ax)
        ax.set_title(domain)
        ax.set_xlabel(SIZE_LABELS["data"])
        ax.set_ylabel("best " + SIZE_LABELS["params"])
        ax.legend(fontsize=8, loc="upper left")
    suptitle(fig, f"Best model size s(m) = alpha_p m^beta_p: {band_title(bands)}; "
             f"{prob:.0%} intervals of beta_p; hatched: extrapolation")
    return fig, axes
