"""Projection forest plot: growth (or compute) needed to reach targets, with intervals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bayes_scaling.errors import ProjectionError
from bayes_scaling.plotting.style import color, panels, plain_log_ticks, suptitle
from bayes_scaling.projection import Target

QUANTITY_LABELS = {
    "data_growth": "data growth factor (x current training-set size)",
    "model_growth": "model growth factor (x current best model size)",
    "compute_growth": "compute growth factor (x current training compute)",
    "years_to_target": "years to target at the assumed compute growth",
    "compute_optimal_flop": "compute-optimal training compute (FLOP)",
}


def projection_table(fit: xr.DataTree, targets: Sequence[float | str], *,
                     model_size_fit: xr.DataTree | None = None,
                     compute_growth_per_year: float | None = None,
                     ci_prob: float | None = None, ci_kind: str | None = None) -> pd.DataFrame:
    """The summary table behind the forest plot (:func:`bayes_scaling.fit_projection.project_fit`).

    Growth tables (learning-curve and compute-scaling fits) come from
    :func:`bayes_scaling.projection.summarize_projection`, the joint law's compute budget
    from :func:`bayes_scaling.fit_projection.summarize_target_compute`.
    """
    from bayes_scaling.fit_projection import project_fit, summarize_target_compute
    from bayes_scaling.projection import summarize_projection

    projection, _ = project_fit(fit, list(targets), model_size_fit=model_size_fit,
                                compute_growth_per_year=compute_growth_per_year)
    if fit.attrs.get("model_type") == "joint_scaling":
        table = summarize_target_compute(projection, ci_prob=ci_prob, ci_kind=ci_kind)
        return table.assign(level="curve", domain=table["curve"].str.split("/").str[0])
    return summarize_projection(projection, ci_prob=ci_prob, ci_kind=ci_kind)


def plot_projection_forest(
    fit: xr.DataTree,
    *,
    targets: Sequence[float | str],
    model_size_fit: xr.DataTree | None = None,
    level: Literal["domain", "curve", "population"] = "domain",
    quantities: Sequence[str] | None = None,
    compute_growth_per_year: float | None = None,
    ci_prob: float | None = None,
    ci_kind: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> tuple[Figure, np.ndarray]:
    """Forest plot of the projected growth to reach each target, one panel per quantity.

    Each row is a domain (or curve) and target: the posterior median (dot) and the
    credible interval (line) over the reachable draws, on a log axis. Rows whose target
    is reachable in only part of the draws carry ``p=...`` (``p>0.99`` / ``p<0.01`` when
    it would round to 1 or 0); unreachable ones say so, and rows whose status is
    "already reached" (median growth below 1) are labelled so. A growth factor of 1
    (today) is marked. A named target for some curves only (``imagenet-top1-5pct``:
    ImageNet top-1) has rows for those curves only, as in the table, and its legend
    entry names them.

    Parameters
    ----------
    fit : xarray.DataTree
        A learning-curve, compute-scaling or joint fit.
    targets : sequence of float or str
        Targets (``0.05``, ``"x0.5"``, named targets).
    model_size_fit : xarray.DataTree, optional
        Learning-curve fits: adds model and compute growth.
    level : {"domain", "curve", "population"}, default "domain"
        Rows per domain (best curve), per curve, or the population (relative targets).
        Joint fits have curve rows only.
    quantities : sequence of str, optional
        Panels to draw (default: every quantity in the table, e.g. ``data_growth``,
        ``model_growth``, ``compute_growth``).
    compute_growth_per_year : float, optional
        Adds ``years_to_target`` (learning-curve fits with a model-size fit).
    ci_prob, ci_kind : optional
        Interval settings (default ArviZ's ``stats.ci_prob`` / ``stats.ci_kind``).
    figsize : tuple, optional
        Figure size in inches.

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of Axes)
        One axes per quantity.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.models import HierarchicalModelSize
    >>> sizes = HierarchicalModelSize(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.plotting import plot_projection_forest
    >>> fig, axes = plot_projection_forest(fit, targets=["x0.5"], model_size_fit=sizes)
    >>> [ax.get_title() for ax in axes.ravel()]
    ['data growth', 'model growth', 'compute growth']
    """
    table = projection_table(fit, targets, model_size_fit=model_size_fit,
                             compute_growth_per_year=compute_growth_per_year,
                             ci_prob=ci_prob, ci_kind=ci_kind)
    if fit.attrs.get("model_type") != "joint_scaling":
        table = table[table["level"] == level]
    if table.empty:
        raise ProjectionError(f"no rows at level {level!r}; the population level exists for "
                              "relative targets (e.g. 'x0.5') only")
    available = list(dict.fromkeys(table["quantity"]))
    chosen = list(quantities) if quantities is not None else available
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        raise ProjectionError(f"quantities {unknown} are not in the projection; available: "
                              f"{available}")
    target_labels = list(dict.fromkeys(table["target"]))
    given = {t.label: t for t in (Target.parse(spec) for spec in targets)}
    legend = {label: _target_text(given.get(label) or Target.parse(label))
              for label in target_labels}
    row_names = list(dict.fromkeys(_row_name(r) for _, r in table.iterrows()))
    height = max(2.4, 1.2 + 0.3 * len(row_names) * len(target_labels))
    fig, axes = panels(len(chosen), ncols=3, panel_size=(5.2, height), figsize=figsize,
                       sharey=True)
    for ax, quantity in zip(axes.ravel(), chosen, strict=False):
        _draw_quantity(ax, table[table["quantity"] == quantity], quantity, row_names,
                       target_labels, legend)
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    # long entries (named targets with their curves) one per line, so none is cut off
    ncols = 1 if max(map(len, labels), default=0) > 40 else min(len(labels), 3)
    fig.legend(handles, labels, loc="outside lower center", ncols=ncols, fontsize=8,
               frameon=False)
    first = table.iloc[0]
    joint = fit.attrs.get("model_type") == "joint_scaling"
    what = "compute-optimal training compute" if joint else f"growth (rows: {level})"
    suptitle(fig, f"Projected {what} to reach the targets: posterior median and "
                  f"{first['ci_prob']:.0%} credible interval ({first['ci_kind']}) over "
                  "reachable draws; p = probability the target is reachable")
    return fig, axes


def _row_name(row: pd.Series) -> str:
    if row["level"] == "curve":
        return str(row["curve"])
    if row["level"] == "domain":
        return str(row["domain"])
    return "population (new curve)"


def _target_text(target: Target) -> str:
    label = target.label
    text = (f"target {label}: {target.value:g} x the current fitted metric"
            if target.kind == "relative" else f"target {label}")
    if target.name:
        text += f" ({target.name})"
    if target.scope is not None:
        text += f", {target.scope} only"
    return text


def _p_text(p: float) -> str:
    """``p=0.73``; never ``p=1.00`` or ``p=0.00`` for a share strictly between 0 and 1."""
    text = f"{p:.2f}"
    if text == "1.00":
        return "p>0.99"
    if text == "0.00":
        return "p<0.01"
    return f"p={text}"


def _draw_quantity(ax: Axes, rows: pd.DataFrame, quantity: str, row_names: list[str],
                   target_labels: list[str], legend: dict[str, str]) -> None:
    n_targets = len(target_labels)
    step = 0.8 / max(n_targets, 1)
    for t, label in enumerate(target_labels):
        sub = rows[rows["target"] == label]
        first = True
        for _, row in sub.iterrows():
            y = row_names.index(_row_name(row)) + (t - (n_targets - 1) / 2) * step
            p = float(row["p_reachable"])
            kw = {"label": legend[label]} if first else {}
            first = False
            if p <= 0 or pd.isna(row["median"]):
                ax.plot([], [], "o", color=color(t), **kw)
                ax.annotate("unreachable (below the floor in every draw)", (0.02, y),
                            xycoords=("axes fraction", "data"), va="center", fontsize=7,
                            color=color(t))
                continue
            ax.plot([row["lower"], row["upper"]], [y, y], color=color(t), lw=2,
                    solid_capstyle="butt")
            ax.plot(row["median"], y, "o", color=color(t), ms=6, mec="white", **kw)
            notes = ["already reached"] if str(row["status"]).startswith(
                "already reached") else []
            if p < 1:
                notes.append(_p_text(p))
            if notes:
                ax.annotate(", ".join(notes), (row["upper"], y), xytext=(4, 0),
                            textcoords="offset points", va="center", fontsize=7,
                            color=color(t))
    if quantity != "compute_optimal_flop":
        ax.axvline(1.0 if quantity != "years_to_target" else 0.0, color="0.4", lw=1, ls=":",
                   label="today (no growth)")
    if quantity != "years_to_target":
        ax.set_xscale("log")
        ax.margins(x=0.12)
        plain_log_ticks(ax, "x")
    ax.set_yticks(range(len(row_names)), row_names)
    ax.set_ylim(len(row_names) - 0.5, -0.5)
    ax.set_xlabel(QUANTITY_LABELS.get(quantity, quantity))
    ax.grid(True, axis="x", which="major", alpha=0.3)
    ax.set_title(quantity.replace("_", " "))
