"""Projection forest plot: growth (or compute) needed to reach targets, with intervals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bayes_scaling.errors import ModelConfigError, ProjectionError
from bayes_scaling.plotting.style import color, given_axes, panels, plain_log_ticks, suptitle
from bayes_scaling.targets import Target

QUANTITY_LABELS = {
    "data_growth": "data growth factor (x current training-set size)",
    "model_growth": "model growth factor (x current best model size)",
    "compute_growth": "compute growth factor (x current training compute)",
    "years_to_target": "years to target at the assumed compute growth",
    "compute_optimal_flop": "compute-optimal training compute (FLOP)",
}


#: Columns a projection table needs to be drawn (the tables of
#: :func:`bayes_scaling.fit_projection.project_fit`).
TABLE_COLUMNS = ("quantity", "level", "domain", "curve", "target", "p_reachable", "median",
                 "lower", "upper", "ci_prob", "ci_kind", "status")


def _check_table(table: object) -> pd.DataFrame:
    if isinstance(table, xr.DataTree):
        raise ModelConfigError(
            "plot_projection_forest draws a projection table, not a fit: make it with "
            "projection, table = bayes_scaling.fit_projection.project_fit(fit, targets) and "
            "pass the table")
    if not isinstance(table, pd.DataFrame):
        raise ModelConfigError(f"plot_projection_forest needs a pandas DataFrame (the table "
                               f"of project_fit); got {type(table).__name__}")
    missing = [c for c in TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise ModelConfigError(f"the projection table lacks columns {missing}; the tables of "
                               "bayes_scaling.fit_projection.project_fit have them all")
    if table.empty:
        raise ProjectionError("the projection table has no rows")
    return table


def plot_projection_forest(
    table: pd.DataFrame,
    *,
    targets: Sequence[Target | float | str] = (),
    level: Literal["domain", "curve", "population"] = "domain",
    quantities: Sequence[str] | None = None,
    figsize: tuple[float, float] | None = None,
    ax: Axes | Sequence[Axes] | np.ndarray | None = None,
) -> tuple[Figure, np.ndarray]:
    """Forest plot of a projection table: growth (or compute) to reach each target.

    One panel per quantity. Each row is a domain (or curve) and target: the posterior
    median (dot) and the credible interval (line) over the reachable draws, on a log
    axis. Rows whose target is reachable in only part of the draws carry ``p=...``
    (``p>0.99`` / ``p<0.01`` when it would round to 1 or 0); unreachable ones say so, and
    rows whose status is "already reached" (median growth below 1) are labelled so. A
    growth factor of 1 (today) is marked. A named target for some curves only
    (``imagenet-top1-5pct``: ImageNet top-1) has rows for those curves only, as in the
    table, and its legend entry names them.

    The plot draws the numbers of the table and computes nothing:
    :func:`bayes_scaling.fit_projection.project_fit` makes the table (the same one the
    report and ``bayes-scaling project`` write).

    Parameters
    ----------
    table : pandas.DataFrame
        A projection table (:func:`bayes_scaling.fit_projection.project_fit`, or
        :func:`bayes_scaling.projection.summarize_projection` of a growth projection).
    targets : sequence of Target, float or str, optional
        The targets the table was made for, to name them in the legend (a named target's
        name and the curves it applies to); targets not given are read from the table's
        labels.
    level : {"domain", "curve", "population"}, default "domain"
        Rows per domain (best curve), per curve, or the population (relative targets).
        Tables of the joint law's compute (``compute_optimal_flop``) have curve rows only
        and are drawn whole.
    quantities : sequence of str, optional
        Panels to draw (default: every quantity in the table, e.g. ``data_growth``,
        ``model_growth``, ``compute_growth``).
    figsize : tuple, optional
        Figure size in inches (a new figure only).
    ax : matplotlib Axes or sequence of Axes, optional
        Draw into these axes, one per quantity, instead of a new figure (the caller's
        figure keeps its own title; the legend goes in the first axes).

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of Axes)
        One axes per quantity.

    Raises
    ------
    ModelConfigError
        When ``table`` is not a projection table (a fit, or missing columns), or ``ax``
        does not hold one axes per quantity.
    ProjectionError
        For a level or quantity the table does not have.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.models import HierarchicalModelSize
    >>> sizes = HierarchicalModelSize(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.fit_projection import project_fit
    >>> projection, table = project_fit(fit, ["x0.5"], model_size_fit=sizes)
    >>> from bayes_scaling.plotting import plot_projection_forest
    >>> fig, axes = plot_projection_forest(table)
    >>> [ax.get_title() for ax in axes.ravel()]
    ['data growth', 'model growth', 'compute growth']

    Two tables side by side in one figure of your own:

    >>> import matplotlib.pyplot as plt
    >>> fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3), layout="constrained")
    >>> _ = plot_projection_forest(table, quantities=["data_growth"], ax=left)
    >>> _ = plot_projection_forest(table, level="curve", quantities=["data_growth"], ax=right)
    """
    table = _check_table(table)
    joint = set(table["quantity"]) == {"compute_optimal_flop"}
    if not joint:
        levels = sorted(set(table["level"]))
        table = table[table["level"] == level]
        if table.empty:
            raise ProjectionError(f"no rows at level {level!r} (the table has {levels}); the "
                                  "population level exists for relative targets (e.g. "
                                  "'x0.5') only")
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
    if ax is None:
        height = max(2.4, 1.2 + 0.3 * len(row_names) * len(target_labels))
        fig, axes = panels(len(chosen), ncols=3, panel_size=(5.2, height), figsize=figsize,
                           sharey=True)
    else:
        fig, axes = given_axes(ax, len(chosen), what=f"one per quantity: {chosen}")
    for panel, quantity in zip(axes.ravel(), chosen, strict=False):
        _draw_quantity(panel, table[table["quantity"] == quantity], quantity, row_names,
                       target_labels, legend)
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    # long entries (named targets with their curves) one per line, so none is cut off
    ncols = 1 if max(map(len, labels), default=0) > 40 else min(len(labels), 3)
    if ax is not None:
        axes.ravel()[0].legend(handles, labels, fontsize=7, frameon=False)
        return fig, axes
    fig.legend(handles, labels, loc="outside lower center", ncols=ncols, fontsize=8,
               frameon=False)
    first = table.iloc[0]
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
