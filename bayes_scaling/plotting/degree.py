"""Posterior of the compute-polynomial degree k per benchmark, with Thompson's bound 4."""

from __future__ import annotations

from typing import Literal

import arviz_stats
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from bayes_scaling import dims
from bayes_scaling.errors import ProjectionError
from bayes_scaling.plotting.style import (
    THEORY_BOUND_LABEL,
    color,
    panels,
    plain_log_ticks,
    suptitle,
)
from bayes_scaling.projection import THOMPSON_THEORY_BOUND_K


def degree_posterior(fit: xr.DataTree, *, model_size_fit: xr.DataTree | None = None,
                     ci_prob: float | None = None, ci_kind: str | None = None,
                     ) -> tuple[xr.Dataset, pd.DataFrame]:
    """Draws and summary table of the degree ``k`` behind :func:`plot_degree`.

    A ``compute_scaling`` (polynomial) fit gives the *fitted* degree
    (:func:`bayes_scaling.compute_projection.summarize_degree_fit`); a learning-curve fit
    with ``model_size_fit`` the *implied* one, ``k = (1 + beta_p) / beta_g``
    (:func:`bayes_scaling.projection.summarize_degree`).

    Returns
    -------
    (xarray.Dataset, pandas.DataFrame)
        ``k`` (chain, draw, curve), ``k_domain`` (chain, draw, domain), ``k_global`` with
        coordinate ``curve_domain``; and the degree table (``attrs["source"]`` says which).
    """
    model_type = fit.attrs.get("model_type")
    if model_type == "compute_scaling":
        from bayes_scaling.compute_projection import summarize_degree_fit

        table = summarize_degree_fit(fit, ci_prob=ci_prob, ci_kind=ci_kind)
        post = fit["posterior"]
        draws = xr.Dataset({"k": post["k"], "k_domain": post["k_domain"],
                            "k_global": post["k_global"]})
        draws = draws.assign_coords(curve_domain=fit["constant_data"]["curve_domain"])
        table.attrs["source"] = (f"fitted degree (compute scaling, "
                                 f"{fit.attrs.get('compute_kind', 'unknown')} compute)")
        return draws, table
    if model_type == "hierarchical_learning_curve":
        from bayes_scaling.projection import project_growth, summarize_degree

        if model_size_fit is None:
            raise ProjectionError("the implied degree k = (1 + beta_p) / beta_g needs "
                                  "model_size_fit= (a hierarchical_model_size fit)")
        projection = project_growth(fit, ["x0.5"], model_size_fit=model_size_fit)
        table = summarize_degree(projection, ci_prob=ci_prob, ci_kind=ci_kind)
        draws = xr.Dataset({"k": projection["implied_k"],
                            "k_domain": projection["implied_k_domain"],
                            "k_global": projection["implied_k_global"]})
        table.attrs["source"] = "implied degree (learning curve + model size)"
        return draws, table
    raise ProjectionError(f"the degree k comes from a compute_scaling fit or a "
                          f"hierarchical_learning_curve fit with model_size_fit=; got "
                          f"{model_type!r}")


def plot_degree(
    fit: xr.DataTree,
    *,
    model_size_fit: xr.DataTree | None = None,
    show_curves: bool = True,
    ci_prob: float | None = None,
    ci_kind: str | None = None,
    figsize: tuple[float, float] | None = None,
    scale: Literal["log", "linear"] = "log",
) -> tuple[Figure, np.ndarray]:
    """Posterior density of the compute-polynomial degree ``k``, one row per benchmark.

    Each panel shows the density of the benchmark's (domain's) ``k`` (ArviZ KDE on
    ``log10 k``), its median and credible interval, the curves' ``k`` as thin lines,
    Thompson et al.'s theoretical lower bound ``k = 4`` (dashed) and the posterior
    probability ``P(k > 4)``.

    Parameters
    ----------
    fit : xarray.DataTree
        A polynomial ``compute_scaling`` fit, or a ``hierarchical_learning_curve`` fit
        together with ``model_size_fit`` (implied degree).
    model_size_fit : xarray.DataTree, optional
        See ``fit``.
    show_curves : bool, default True
        Also draw the density of each curve's ``k`` (metric variants).
    ci_prob, ci_kind : optional
        Interval settings (default ArviZ's ``stats.ci_prob`` / ``stats.ci_kind``).
    figsize : tuple, optional
        Figure size in inches.
    scale : {"log", "linear"}, default "log"
        Scale of the shared k axis.

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of Axes)
        One axes per domain (a single column, shared x axis).

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.models import HierarchicalModelSize
    >>> sizes = HierarchicalModelSize(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.plotting import plot_degree
    >>> fig, axes = plot_degree(fit, model_size_fit=sizes)  # implied k = (1 + beta_p) / beta_g
    >>> axes.shape
    (2, 1)
    """
    draws, table = degree_posterior(fit, model_size_fit=model_size_fit, ci_prob=ci_prob,
                                    ci_kind=ci_kind)
    sample = [dims.CHAIN, dims.DRAW]
    domain_kde = arviz_stats.kde(np.log10(draws["k_domain"]), dim=sample)
    curve_kde = arviz_stats.kde(np.log10(draws["k"]), dim=sample)
    domains = [str(d) for d in draws[dims.DOMAIN].values]
    fig, axes = panels(len(domains), ncols=1, panel_size=(7.0, 1.35),
                       figsize=figsize or (7.0, 1.0 + 1.25 * len(domains)), sharex=True)
    rows = table[table["level"] == "domain"].set_index("domain")
    for d, domain in enumerate(domains):
        ax = axes.ravel()[d]
        curve = domain_kde.sel({dims.DOMAIN: domain})
        x, y = 10 ** curve.sel(plot_axis="x").values, curve.sel(plot_axis="y").values
        ax.fill_between(x, y, color=color(0), alpha=0.35, lw=0)
        ax.plot(x, y, color=color(0), lw=1.5, label=f"{domain}: k (benchmark)")
        top = float(y.max())
        if show_curves:
            members = [c for c in draws[dims.CURVE].values
                       if str(draws["curve_domain"].sel({dims.CURVE: c}).item()) == domain]
            for j, label in enumerate(members if len(members) > 1 else []):
                cc = curve_kde.sel({dims.CURVE: label})
                top = max(top, float(cc.sel(plot_axis="y").max()))
                ax.plot(10 ** cc.sel(plot_axis="x").values, cc.sel(plot_axis="y").values,
                        color=color(j + 1), lw=1, ls="-.",
                        label=f"{str(label).split('/', 1)[1]}: k (curve)")
        row = rows.loc[domain]
        ax.plot([row["lower"], row["upper"]], [-0.08 * top] * 2, color="black", lw=2.5,
                solid_capstyle="butt")
        ax.plot(row["median"], -0.08 * top, "o", color="black", ms=5)
        ax.axvline(THOMPSON_THEORY_BOUND_K, color=color(3), ls="--", lw=1.2,
                   label=THEORY_BOUND_LABEL if d == 0 else None)
        ax.text(0.99, 0.9, f"{domain}: k {row['median']:.3g} "
                           f"[{row['lower']:.3g}, {row['upper']:.3g}], "
                           f"P(k > {THOMPSON_THEORY_BOUND_K:g}) = "
                           f"{row['p_above_theory_bound']:.2f}",
                transform=ax.transAxes, ha="right", va="top", fontsize=8,
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1})
        ax.set_yticks([])
        ax.set_ylabel(domain, rotation=0, ha="right", va="center", fontsize=9)
        ax.set_ylim(-0.18 * top, 1.45 * top)
        ax.grid(True, axis="x", which="major", alpha=0.3)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
    bottom = axes.ravel()[len(domains) - 1]
    if scale == "log":
        bottom.set_xscale("log")
        plain_log_ticks(bottom, "x")
    bottom.set_xlabel("compute-polynomial degree k (compute grows as error^-k)")
    handles, labels = [], []
    for ax in axes.ravel()[: len(domains)]:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if ("(curve)" in lab or lab == THEORY_BOUND_LABEL) and lab not in labels:
                handles.append(h)
                labels.append(lab)
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=8,
                   frameon=False)
    first = table.iloc[0]
    suptitle(fig, f"{table.attrs['source']}: posterior density per benchmark; bar: median and "
                  f"{first['ci_prob']:.0%} credible interval ({first['ci_kind']})")
    return fig, axes
