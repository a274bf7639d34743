"""A fit's projection and its summary table, whatever the model: growth to a target
(learning curve, compute scaling) or the compute-optimal budget (joint law).

Kept apart from :mod:`bayes_scaling.pipeline` (which writes reports) so that the plotting
and report modules can use it without importing the pipeline back.
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

from bayes_scaling.allocation import compute_for_target_loss
from bayes_scaling.compute_projection import project_compute_growth
from bayes_scaling.projection import (
    already_reached,
    project_growth,
    reachability_status,
    summarize_projection,
)
from bayes_scaling.summaries import ci_defaults, posterior_interval

__all__ = ["project_fit", "summarize_target_compute"]


def summarize_target_compute(need: xr.Dataset, *, ci_prob: float | None = None,
                             ci_kind: str | None = None) -> pd.DataFrame:
    """Table of :func:`bayes_scaling.allocation.compute_for_target_loss`: compute (FLOP)
    needed per curve and target, median and interval over reachable draws.

    A target for some curves only has rows for those curves. The ``status`` starts with
    "already reached" when the median compute is below the largest compute in the data
    (the compute-optimal allocation of a smaller budget reaches the target)."""
    ci_prob, ci_kind = ci_defaults(ci_prob, ci_kind)
    med, low, up = posterior_interval(need["compute"], ci_prob, ci_kind,
                                      valid=need["reachable"], log=True)
    applicable = need.get("applicable", xr.ones_like(need["p_reachable"], dtype=bool))
    rows = []
    for curve in need["curve"].values:
        for target in need["target"].values:
            sel = {"curve": curve, "target": target}
            if not bool(applicable.sel(sel)):
                continue  # a target for other curves (need.attrs["target_notes"])
            p, median = float(need["p_reachable"].sel(sel)), float(med.sel(sel))
            current = float(need["current_compute"].sel(curve=curve))
            status = reachability_status(p, floor="the irreducible loss E")
            if already_reached(median, current):
                status = ("already reached: the compute-optimal allocation reaches the "
                          f"target with less than the largest compute in the data (median "
                          f"{median:.3g} < {current:.3g} FLOP)"
                          + ("" if p >= 1 else f"; {status}"))
            rows.append({"quantity": "compute_optimal_flop", "curve": str(curve),
                         "target": str(target), "p_reachable": p,
                         "current_compute": current,
                         "median": median, "lower": float(low.sel(sel)),
                         "upper": float(up.sel(sel)), "ci_prob": ci_prob, "ci_kind": ci_kind,
                         "status": status})
    table = pd.DataFrame(rows)
    for col in ("median", "lower", "upper"):
        table[col] = table[col].astype("Float64").mask(table[col].isna(), pd.NA)
    return table


def project_fit(fit: xr.DataTree, targets: list[str], *, model_size_fit: xr.DataTree | None = None,
                compute_growth_per_year: float | None = None, ci_prob: float | None = None,
                ) -> tuple[xr.Dataset, pd.DataFrame]:
    """Projection of any fit and its summary table: growth (learning curve, compute
    scaling) or the compute-optimal budget (joint law) needed to reach ``targets``."""
    model_type = fit.attrs.get("model_type")
    if model_type == "compute_scaling":
        projection = project_compute_growth(fit, targets)
        return projection, summarize_projection(projection, ci_prob=ci_prob)
    if model_type == "joint_scaling":
        need = compute_for_target_loss(fit, targets)
        return need, summarize_target_compute(need, ci_prob=ci_prob)
    projection = project_growth(fit, targets, model_size_fit=model_size_fit,
                                compute_growth_per_year=compute_growth_per_year)
    return projection, summarize_projection(projection, ci_prob=ci_prob)
