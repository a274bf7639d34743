"""Next-run design: the ranked candidates of :func:`bayes_scaling.design.rank_candidates`.

Drawing only: the table is computed by the design module and passed in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from bayes_scaling.errors import ModelConfigError
from bayes_scaling.plotting.style import color, panels

__all__ = ["plot_design"]

_NEEDED = ("curve", "cost", "reduction", "mc_error", "reduction_per_cost", "refit_recommended")


def _label(row: pd.Series) -> str:
    sizes = [f"{col}={row[col]:.3g}" for col in ("params", "data") if col in row.index]
    return f"{row['domain']}/{row['curve']} {' '.join(sizes)}"


def plot_design(design: pd.DataFrame, *, se_multiple: float = 2.0, top: int | None = 20,
                figsize: tuple[float, float] | None = None) -> tuple[Figure, np.ndarray]:
    """Draw a next-run design table: expected narrowing and narrowing per unit cost.

    Left: each candidate's expected reduction of the projection's interval width (log10
    decades) with ``se_multiple`` x its Monte Carlo error, best-ranked at the top;
    candidates whose weights were too degenerate (``refit_recommended``) are drawn hollow.
    Right: reduction per unit cost against cost, one colour per curve.

    Parameters
    ----------
    design : pandas.DataFrame
        The table returned by :func:`bayes_scaling.design.rank_candidates` (or read back
        from the CLI's CSV).
    se_multiple : float
        Error bars span this many Monte Carlo standard errors each side.
    top : int, optional
        Draw the ``top`` best-ranked candidates only (all when ``None``).
    figsize : (float, float), optional
        Figure size in inches.

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of Axes)

    Raises
    ------
    ModelConfigError
        If the table lacks a column the plot needs (the message names them).

    Examples
    --------
    >>> import pandas as pd
    >>> from bayes_scaling.plotting.design import plot_design
    >>> table = pd.DataFrame({"domain": "d", "curve": ["a", "a"], "data": [2e4, 4e4],
    ...                       "cost": [2e4, 4e4], "reduction": [0.3, 0.4],
    ...                       "mc_error": [0.05, 0.05], "reduction_per_cost": [1.5e-5, 1e-5],
    ...                       "refit_recommended": [False, True]})
    >>> fig, axes = plot_design(table)
    >>> [ax.get_xlabel() for ax in axes.ravel()]  # doctest: +NORMALIZE_WHITESPACE
    ['expected reduction of the interval width (decades)', 'cost']
    """
    missing = [c for c in _NEEDED if c not in design.columns]
    if missing:
        raise ModelConfigError(f"the design table lacks column(s) {missing}; pass the table "
                               "of bayes_scaling.design.rank_candidates")
    table = design.sort_values("reduction_per_cost", ascending=False, kind="stable")
    if top is not None:
        table = table.head(top)
    n = len(table)
    fig, axes = panels(2, ncols=2, figsize=figsize or (11.0, 1.5 + 0.35 * max(n, 4)))
    left, right = axes.ravel()
    curves = list(dict.fromkeys(table["curve"].astype(str)))
    colours = {c: color(i) for i, c in enumerate(curves)}
    y = np.arange(n)[::-1]
    flagged = table["refit_recommended"].to_numpy(bool)
    for yi, (_, row), bad in zip(y, table.iterrows(), flagged, strict=True):
        col = colours[str(row["curve"])]
        left.errorbar(row["reduction"], yi, xerr=se_multiple * row["mc_error"], fmt="o",
                      color=col, mfc="white" if bad else col, capsize=3)
    left.set_yticks(y, [_label(r) for _, r in table.iterrows()])
    left.axvline(0.0, color="0.5", lw=0.8)
    left.set_xlabel("expected reduction of the interval width (decades)")
    left.set_title(f"expected narrowing (+/- {se_multiple:g} MC s.e.; hollow: refit advised)")
    unit = str(table["cost_unit"].iloc[0]) if "cost_unit" in table and n else ""
    for curve in curves:
        sel = table["curve"].astype(str) == curve
        right.scatter(table.loc[sel, "cost"], table.loc[sel, "reduction_per_cost"],
                      color=colours[curve], label=curve)
    right.set_xscale("log")
    right.axhline(0.0, color="0.5", lw=0.8)
    right.set_xlabel("cost" + (f" ({unit})" if unit and unit != "cost" else ""))
    right.set_ylabel("reduction per unit cost")
    right.legend(title="curve", fontsize="small")
    return fig, axes
