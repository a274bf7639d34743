"""Posterior of the compute-polynomial degree k per benchmark, with Thompson's bound 4."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import arviz_stats
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bayes_scaling import dims
from bayes_scaling.errors import ModelConfigError
from bayes_scaling.plotting.style import (
    THEORY_BOUND_LABEL,
    color,
    given_axes,
    panels,
    plain_log_ticks,
    suptitle,
)
from bayes_scaling.summaries import DegreePosterior
from bayes_scaling.targets import THOMPSON_THEORY_BOUND_K


def plot_degree(
    degree: DegreePosterior,
    *,
    show_curves: bool = True,
    figsize: tuple[float, float] | None = None,
    scale: Literal["log", "linear"] = "log",
    ax: Axes | Sequence[Axes] | np.ndarray | None = None,
) -> tuple[Figure, np.ndarray]:
    """Posterior density of the compute-polynomial degree ``k``, one row per benchmark.

    Each panel shows the density of the benchmark's (domain's) ``k`` (ArviZ KDE on
    ``log10 k``), its median and credible interval, the curves' ``k`` as thin lines,
    Thompson et al.'s theoretical lower bound ``k = 4`` (dashed) and the posterior
    probability ``P(k > 4)``. The plot draws a computed posterior
    (:func:`bayes_scaling.fit_projection.degree_posterior`); it projects nothing.

    Parameters
    ----------
    degree : DegreePosterior
        The degree's draws and table (:func:`bayes_scaling.fit_projection.degree_posterior`
        of a polynomial ``compute_scaling`` fit, or of a ``hierarchical_learning_curve``
        fit with its model-size fit: the implied degree); its interval settings are the
        table's.
    show_curves : bool, default True
        Also draw the density of each curve's ``k`` (metric variants).
    figsize : tuple, optional
        Figure size in inches (a new figure only).
    scale : {"log", "linear"}, default "log"
        Scale of the shared k axis.
    ax : matplotlib Axes or sequence of Axes, optional
        Draw into these axes, one per domain, instead of a new figure (the caller's
        figure keeps its own title).

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of Axes)
        One axes per domain (a single column, shared x axis).

    Raises
    ------
    ModelConfigError
        When ``degree`` is not a :class:`~bayes_scaling.fit_projection.DegreePosterior`
        (a fit), or ``ax`` does not hold one axes per domain.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.models import HierarchicalModelSize
    >>> sizes = HierarchicalModelSize(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.fit_projection import degree_posterior
    >>> degree = degree_posterior(fit, model_size_fit=sizes)  # k = (1 + beta_p) / beta_g
    >>> from bayes_scaling.plotting import plot_degree
    >>> fig, axes = plot_degree(degree)
    >>> axes.shape
    (2, 1)
    """
    if not isinstance(degree, DegreePosterior):
        raise ModelConfigError(
            "plot_degree draws a DegreePosterior, not a fit: make it with "
            "bayes_scaling.fit_projection.degree_posterior(fit, model_size_fit=...) and pass "
            f"it; got {type(degree).__name__}")
    draws, table = degree.draws, degree.table
    sample = [dims.CHAIN, dims.DRAW]
    domain_kde = arviz_stats.kde(np.log10(draws["k_domain"]), dim=sample)
    curve_kde = arviz_stats.kde(np.log10(draws["k"]), dim=sample)
    domains = [str(d) for d in draws[dims.DOMAIN].values]
    if ax is None:
        fig, axes = panels(len(domains), ncols=1, panel_size=(7.0, 1.35),
                           figsize=figsize or (7.0, 1.0 + 1.25 * len(domains)), sharex=True)
    else:
        fig, axes = given_axes(ax, len(domains), what=f"one per domain: {domains}")
        axes = axes.reshape(-1, 1)
    rows = table[table["level"] == "domain"].set_index("domain")
    for d, domain in enumerate(domains):
        panel = axes.ravel()[d]
        curve = domain_kde.sel({dims.DOMAIN: domain})
        x, y = 10 ** curve.sel(plot_axis="x").values, curve.sel(plot_axis="y").values
        panel.fill_between(x, y, color=color(0), alpha=0.35, lw=0)
        panel.plot(x, y, color=color(0), lw=1.5, label=f"{domain}: k (benchmark)")
        top = float(y.max())
        if show_curves:
            members = [c for c in draws[dims.CURVE].values
                       if str(draws["curve_domain"].sel({dims.CURVE: c}).item()) == domain]
            for j, label in enumerate(members if len(members) > 1 else []):
                cc = curve_kde.sel({dims.CURVE: label})
                top = max(top, float(cc.sel(plot_axis="y").max()))
                panel.plot(10 ** cc.sel(plot_axis="x").values, cc.sel(plot_axis="y").values,
                           color=color(j + 1), lw=1, ls="-.",
                           label=f"{str(label).split('/', 1)[1]}: k (curve)")
        row = rows.loc[domain]
        panel.plot([row["lower"], row["upper"]], [-0.08 * top] * 2, color="black", lw=2.5,
                   solid_capstyle="butt")
        panel.plot(row["median"], -0.08 * top, "o", color="black", ms=5)
        panel.axvline(THOMPSON_THEORY_BOUND_K, color=color(3), ls="--", lw=1.2,
                      label=THEORY_BOUND_LABEL if d == 0 else None)
        panel.text(0.99, 0.9, f"{domain}: k {row['median']:.3g} "
                              f"[{row['lower']:.3g}, {row['upper']:.3g}], "
                              f"P(k > {THOMPSON_THEORY_BOUND_K:g}) = "
                              f"{row['p_above_theory_bound']:.2f}",
                   transform=panel.transAxes, ha="right", va="top", fontsize=8,
                   bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1})
        panel.set_yticks([])
        panel.set_ylabel(domain, rotation=0, ha="right", va="center", fontsize=9)
        panel.set_ylim(-0.18 * top, 1.45 * top)
        panel.grid(True, axis="x", which="major", alpha=0.3)
        for side in ("top", "right", "left"):
            panel.spines[side].set_visible(False)
    bottom = axes.ravel()[len(domains) - 1]
    if scale == "log":
        for panel in axes.ravel()[: len(domains)]:
            panel.set_xscale("log")
            plain_log_ticks(panel, "x")
    bottom.set_xlabel("compute-polynomial degree k (compute grows as error^-k)")
    handles, labels = [], []
    for panel in axes.ravel()[: len(domains)]:
        for h, lab in zip(*panel.get_legend_handles_labels(), strict=True):
            if ("(curve)" in lab or lab == THEORY_BOUND_LABEL) and lab not in labels:
                handles.append(h)
                labels.append(lab)
    if ax is not None:
        if handles:
            axes.ravel()[0].legend(handles, labels, fontsize=7, frameon=False)
        return fig, axes
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=8,
                   frameon=False)
    first = table.iloc[0]
    suptitle(fig, f"{degree.source}: posterior density per benchmark; bar: median and "
                  f"{first['ci_prob']:.0%} credible interval ({first['ci_kind']})")
    return fig, axes
