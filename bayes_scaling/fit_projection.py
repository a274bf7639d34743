"""A fit's projection and its summary table, whatever the model: growth to a target
(learning curve, compute scaling) or the compute-optimal budget (joint law); and the
posterior of the compute-polynomial degree ``k`` (fitted or implied).

These are the computed objects the plots draw: :func:`project_fit` gives the table of
:func:`bayes_scaling.plotting.plot_projection_forest`, :func:`degree_posterior` the
:class:`DegreePosterior` of :func:`bayes_scaling.plotting.plot_degree`. The plots never
project; compute once here, then draw, tabulate or save the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import xarray as xr

from bayes_scaling.allocation import compute_for_target_loss
from bayes_scaling.compute_projection import project_compute_growth, summarize_degree_fit
from bayes_scaling.errors import ProjectionError
from bayes_scaling.model_types import (
    COMPUTE_SCALING,
    HIERARCHICAL_LEARNING_CURVE,
    HIERARCHICAL_MODEL_SIZE,
    JOINT_SCALING,
)
from bayes_scaling.models.indexing import CURVE_SEP
from bayes_scaling.projection import (
    already_reached,
    project_growth,
    reachability_status,
    summarize_degree,
    summarize_projection,
)
from bayes_scaling.summaries import DegreePosterior, ci_defaults, posterior_interval

__all__ = ["DegreePosterior", "degree_posterior", "project_fit", "summarize_target_compute"]


def summarize_target_compute(need: xr.Dataset, *, ci_prob: float | None = None,
                             ci_kind: str | None = None) -> pd.DataFrame:
    """Table of :func:`bayes_scaling.allocation.compute_for_target_loss`: compute (FLOP)
    needed per curve and target, median and interval over reachable draws.

    A target for some curves only has rows for those curves. The ``status`` starts with
    "already reached" when the median compute is below the largest compute in the data
    (the compute-optimal allocation of a smaller budget reaches the target). Rows are
    curve rows (``level`` "curve", with the curve's ``domain``), as in the growth tables
    of :func:`bayes_scaling.projection.summarize_projection`.

    Parameters
    ----------
    need : xarray.Dataset
        The result of :func:`bayes_scaling.allocation.compute_for_target_loss`.
    ci_prob, ci_kind : optional
        Interval settings (default ArviZ's ``stats.ci_prob`` / ``stats.ci_kind``).

    Returns
    -------
    pandas.DataFrame
        One row per curve and target: ``quantity`` ("compute_optimal_flop"), ``level``,
        ``domain``, ``curve``, ``target``, ``p_reachable``, ``current_compute``,
        ``median``, ``lower``, ``upper``, ``ci_prob``, ``ci_kind``, ``status``.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import JointScalingLaw
    >>> data = load_dataset("chinchilla-epoch2024")
    >>> fit = JointScalingLaw(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.allocation import compute_for_target_loss
    >>> table = summarize_target_compute(compute_for_target_loss(fit, [2.0]))
    >>> table[["level", "curve", "target"]].values.tolist()
    [['curve', 'chinchilla/hoffmann2022-fig4', '2']]
    """
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
            rows.append({"quantity": "compute_optimal_flop", "level": "curve",
                         "domain": str(curve).split(CURVE_SEP, 1)[0], "curve": str(curve),
                         "target": str(target), "p_reachable": p,
                         "current_compute": current,
                         "median": median, "lower": float(low.sel(sel)),
                         "upper": float(up.sel(sel)), "ci_prob": ci_prob, "ci_kind": ci_kind,
                         "status": status})
    table = pd.DataFrame(rows)
    for col in ("median", "lower", "upper"):
        table[col] = table[col].astype("Float64").mask(table[col].isna(), pd.NA)
    return table


def _project_growth(fit: xr.DataTree, targets: list[float | str], *,
                    model_size_fit: xr.DataTree | None, compute_growth_per_year: float | None,
                    ci_prob: float | None, ci_kind: str | None
                    ) -> tuple[xr.Dataset, pd.DataFrame]:
    """Learning curves: data (+ model and compute) growth; any other type is refused by
    :func:`bayes_scaling.projection.project_growth`, naming the fits it takes."""
    projection = project_growth(fit, targets, model_size_fit=model_size_fit,
                                compute_growth_per_year=compute_growth_per_year)
    return projection, summarize_projection(projection, ci_prob=ci_prob, ci_kind=ci_kind)


def _project_compute(fit: xr.DataTree, targets: list[float | str], *,
                     model_size_fit: xr.DataTree | None, compute_growth_per_year: float | None,
                     ci_prob: float | None, ci_kind: str | None
                     ) -> tuple[xr.Dataset, pd.DataFrame]:
    """Compute scaling: compute growth (``model_size_fit`` and the growth rate unused)."""
    projection = project_compute_growth(fit, targets)
    return projection, summarize_projection(projection, ci_prob=ci_prob, ci_kind=ci_kind)


def _project_joint(fit: xr.DataTree, targets: list[float | str], *,
                   model_size_fit: xr.DataTree | None, compute_growth_per_year: float | None,
                   ci_prob: float | None, ci_kind: str | None
                   ) -> tuple[xr.Dataset, pd.DataFrame]:
    """Joint law: compute-optimal budget (``model_size_fit`` and the growth rate unused)."""
    need = compute_for_target_loss(fit, targets)
    return need, summarize_target_compute(need, ci_prob=ci_prob, ci_kind=ci_kind)


#: How :func:`project_fit` projects a fit, by ``model_type`` (a type without an entry goes
#: to the learning-curve projection, which refuses it naming the fits it takes).
PROJECTORS: dict[str, Callable[..., tuple[xr.Dataset, pd.DataFrame]]] = {
    HIERARCHICAL_LEARNING_CURVE: _project_growth,
    COMPUTE_SCALING: _project_compute,
    JOINT_SCALING: _project_joint,
}


def project_fit(fit: xr.DataTree, targets: Sequence[float | str], *,
                model_size_fit: xr.DataTree | None = None,
                compute_growth_per_year: float | None = None, ci_prob: float | None = None,
                ci_kind: str | None = None) -> tuple[xr.Dataset, pd.DataFrame]:
    """Projection of any fit and its summary table: growth (learning curve, compute
    scaling) or the compute-optimal budget (joint law) needed to reach ``targets``.

    Parameters
    ----------
    fit : xarray.DataTree
        A ``hierarchical_learning_curve``, ``compute_scaling`` or ``joint_scaling`` fit.
    targets : sequence of float or str
        Targets (``0.05``, ``"x0.5"``, named targets such as ``"imagenet-top1-5pct"``).
    model_size_fit : xarray.DataTree, optional
        Learning-curve fits: a ``hierarchical_model_size`` fit adds model and compute
        growth (:func:`bayes_scaling.projection.project_growth`).
    compute_growth_per_year : float, optional
        Learning-curve fits with ``model_size_fit``: adds ``years_to_target``.
    ci_prob, ci_kind : optional
        Interval settings of the table (default ArviZ's ``stats.ci_prob`` /
        ``stats.ci_kind``).

    Returns
    -------
    (xarray.Dataset, pandas.DataFrame)
        The per-draw projection and its table
        (:func:`bayes_scaling.projection.summarize_projection`, or
        :func:`summarize_target_compute` for the joint law), the input of
        :func:`bayes_scaling.plotting.plot_projection_forest`.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> projection, table = project_fit(fit, ["x0.5"])
    >>> sorted(set(table["quantity"])), sorted(set(table["level"]))
    (['data_growth'], ['curve', 'domain', 'population'])
    """
    project = PROJECTORS.get(str(fit.attrs.get("model_type")), _project_growth)
    return project(fit, list(targets), model_size_fit=model_size_fit,
                   compute_growth_per_year=compute_growth_per_year, ci_prob=ci_prob,
                   ci_kind=ci_kind)


def _fitted_degree(fit: xr.DataTree, *, model_size_fit: xr.DataTree | None,
                   projection: xr.Dataset | None, ci_prob: float | None,
                   ci_kind: str | None) -> DegreePosterior:
    """Compute scaling: the fitted degree (``model_size_fit`` and ``projection`` unused)."""
    table = summarize_degree_fit(fit, ci_prob=ci_prob, ci_kind=ci_kind)
    post = fit["posterior"]
    draws = xr.Dataset({"k": post["k"], "k_domain": post["k_domain"],
                        "k_global": post["k_global"]})
    draws = draws.assign_coords(curve_domain=fit["constant_data"]["curve_domain"])
    source = f"fitted degree (compute scaling, {fit.attrs.get('compute_kind', 'unknown')} " \
             "compute)"
    return DegreePosterior(draws, table, source)


def _implied_degree(fit: xr.DataTree, *, model_size_fit: xr.DataTree | None,
                    projection: xr.Dataset | None, ci_prob: float | None,
                    ci_kind: str | None) -> DegreePosterior:
    """Learning curves: the degree implied with a model-size fit, ``(1 + beta_p) / beta_g``."""
    if projection is None:
        if model_size_fit is None:
            raise ProjectionError("the implied degree k = (1 + beta_p) / beta_g needs "
                                  f"model_size_fit= (a {HIERARCHICAL_MODEL_SIZE} fit)")
        projection = project_growth(fit, ["x0.5"], model_size_fit=model_size_fit)
    if "implied_k" not in projection:
        raise ProjectionError("the projection holds no implied degree: make it with "
                              "project_growth(..., model_size_fit=...)")
    table = summarize_degree(projection, ci_prob=ci_prob, ci_kind=ci_kind)
    draws = xr.Dataset({"k": projection["implied_k"],
                        "k_domain": projection["implied_k_domain"],
                        "k_global": projection["implied_k_global"]})
    return DegreePosterior(draws, table, "implied degree (learning curve + model size)")


#: Where :func:`degree_posterior` finds the degree k, by ``model_type``.
DEGREE_SOURCES: dict[str, Callable[..., DegreePosterior]] = {
    COMPUTE_SCALING: _fitted_degree,
    HIERARCHICAL_LEARNING_CURVE: _implied_degree,
}


def degree_posterior(fit: xr.DataTree, *, model_size_fit: xr.DataTree | None = None,
                     projection: xr.Dataset | None = None, ci_prob: float | None = None,
                     ci_kind: str | None = None) -> DegreePosterior:
    """The posterior of the compute-polynomial degree ``k`` of a fit.

    A ``compute_scaling`` (polynomial) fit gives the *fitted* degree
    (:func:`bayes_scaling.compute_projection.summarize_degree_fit`); a learning-curve fit
    with ``model_size_fit`` the *implied* one, ``k = (1 + beta_p) / beta_g``
    (:func:`bayes_scaling.projection.summarize_degree`).

    Parameters
    ----------
    fit : xarray.DataTree
        A polynomial ``compute_scaling`` fit, or a ``hierarchical_learning_curve`` fit.
    model_size_fit : xarray.DataTree, optional
        The ``hierarchical_model_size`` fit a learning-curve fit needs.
    projection : xarray.Dataset, optional
        Learning-curve fits: a projection already made with
        :func:`bayes_scaling.projection.project_growth` and ``model_size_fit`` (it holds
        the implied degree); reused instead of projecting again.
    ci_prob, ci_kind : optional
        Interval settings (default ArviZ's ``stats.ci_prob`` / ``stats.ci_kind``).

    Returns
    -------
    DegreePosterior
        Draws, table and source; the input of :func:`bayes_scaling.plotting.plot_degree`.

    Raises
    ------
    ProjectionError
        For another model type, or a learning-curve fit without a model-size fit.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalComputeScaling
    >>> data = load_dataset("thompson2020-imagenet")  # the offline mirror, or fetched
    >>> fit = HierarchicalComputeScaling(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> degree = degree_posterior(fit)
    >>> degree.source
    'fitted degree (compute scaling, hardware compute)'
    >>> sorted(set(degree.table["level"]))
    ['curve', 'domain', 'population']
    """
    model_type = fit.attrs.get("model_type")
    degree = DEGREE_SOURCES.get(str(model_type))
    if degree is None:
        raise ProjectionError(f"the degree k comes from a {COMPUTE_SCALING} fit or a "
                              f"{HIERARCHICAL_LEARNING_CURVE} fit with model_size_fit=; got "
                              f"{model_type!r}")
    return degree(fit, model_size_fit=model_size_fit, projection=projection,
                  ci_prob=ci_prob, ci_kind=ci_kind)

