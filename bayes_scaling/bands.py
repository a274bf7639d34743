"""Credible bands of fitted curves on a size grid (computation only; plots draw them).

Every function returns an ``xarray.Dataset`` with the same layout: ``grid`` (curve, size)
holding the x values, ``median`` (curve, size), ``lower``/``upper`` (curve, size, prob)
and ``observed_max`` (curve); grid points beyond ``observed_max`` are extrapolation.
Intervals are ArviZ's (:func:`bayes_scaling.summaries.posterior_interval`); the default
band probabilities are 0.5 and ArviZ's ``stats.ci_prob``, the kind ``stats.ci_kind``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_scaling import dims
from bayes_scaling.errors import ProjectionError
from bayes_scaling.model_types import (
    COMPUTE_SCALING,
    HIERARCHICAL_LEARNING_CURVE,
    HIERARCHICAL_MODEL_SIZE,
    JOINT_SCALING,
)
from bayes_scaling.models.compute import fitted_table as compute_fitted_table
from bayes_scaling.models.compute import frontier_mask
from bayes_scaling.models.learning_curve import curve_mean
from bayes_scaling.models.learning_curve import fitted_table as learning_curve_fitted_table
from bayes_scaling.summaries import ci_defaults, posterior_interval

#: Probability of the inner band (the outer one is ArviZ's ``stats.ci_prob``).
INNER_BAND_PROB = 0.5
PROB = dims.PROB


def band_probs(probs: Sequence[float] | None = None) -> tuple[float, ...]:
    """Band probabilities, sorted inner to outer; default ``(0.5, stats.ci_prob)``.

    Raises
    ------
    ProjectionError
        If a probability is outside (0, 1) or the list is empty.
    """
    if probs is None:
        outer, _ = ci_defaults(None, None)
        probs = (INNER_BAND_PROB, outer) if outer > INNER_BAND_PROB else (outer,)
    values = sorted({float(p) for p in probs})
    if not values or any(not 0 < p < 1 for p in values):
        raise ProjectionError(f"band probabilities must be in (0, 1), got {list(probs)}")
    return tuple(values)


#: Largest ``extrapolate`` accepted: 12 decades beyond the largest observed size (far past
#: anything a power law fitted on a few decades says; larger values overflow the axes).
MAX_EXTRAPOLATE: float = 1e12


def _check_extrapolate(extrapolate: float) -> None:
    if not 1 <= extrapolate <= MAX_EXTRAPOLATE:
        raise ProjectionError(f"extrapolate must be from 1 to {MAX_EXTRAPOLATE:g} (a multiple "
                              f"of the largest observed size), got {extrapolate}")


def _log_grid(low: np.ndarray, high: np.ndarray, n_points: int, curves: Any) -> xr.DataArray:
    """Log-spaced per-curve grid ``(curve, size)`` from ``low`` to ``high``."""
    if n_points < 2:
        raise ProjectionError(f"n_points must be >= 2, got {n_points}")
    grid = np.exp(np.linspace(np.log(low), np.log(high), n_points).T)
    return xr.DataArray(grid, dims=(dims.CURVE, dims.SIZE), coords={dims.CURVE: curves})


def summarize_bands(draws: xr.DataArray, grid: xr.DataArray, observed_max: Any, *,
                    probs: Sequence[float] | None = None, ci_kind: str | None = None,
                    log: bool = True) -> xr.Dataset:
    """Median and nested credible bands of curve draws (the shared band layout).

    Parameters
    ----------
    draws : xarray.DataArray
        Posterior draws ``(chain, draw, curve, size)``.
    grid : xarray.DataArray
        The x values ``(curve, size)``.
    observed_max : array-like
        Largest observed x per curve (extrapolation starts beyond it).
    probs : sequence of float, optional
        Band probabilities (default :func:`band_probs`).
    ci_kind : {"eti", "hdi"}, optional
        Interval kind (default ArviZ's ``stats.ci_kind``).
    log : bool, default True
        Compute intervals on the log scale (positive quantities plotted on log axes).

    Returns
    -------
    xarray.Dataset
        ``grid``, ``median``, ``lower``/``upper`` (with a ``prob`` dim), ``observed_max``.
    """
    probs = band_probs(probs)
    lowers, uppers = [], []
    median = None
    for p in probs:
        _, kind = ci_defaults(p, ci_kind)
        med, low, up = posterior_interval(draws, p, kind, log=log)
        median = med
        lowers.append(low)
        uppers.append(up)
    coord = {PROB: list(probs)}
    out = xr.Dataset({
        "grid": grid,
        "median": median,
        "lower": xr.concat(lowers, dim=PROB).assign_coords(coord),
        "upper": xr.concat(uppers, dim=PROB).assign_coords(coord),
        "observed_max": (dims.CURVE, np.asarray(observed_max, float)),
    })
    out.attrs.update({"ci_kind": ci_defaults(probs[-1], ci_kind)[1], "probs": list(probs)})
    return out


def learning_curve_bands(
    fit: xr.DataTree,
    *,
    probs: Sequence[float] | None = None,
    ci_kind: str | None = None,
    extrapolate: float = 10.0,
    n_points: int = 60,
) -> xr.Dataset:
    """Posterior median and credible bands of each curve's mean metric vs training-set size.

    Parameters
    ----------
    fit : xarray.DataTree
        A ``hierarchical_learning_curve`` fit.
    probs : sequence of float, optional
        Band probabilities (default ``(0.5, stats.ci_prob)``).
    ci_kind : {"eti", "hdi"}, optional
        Interval kind (default ArviZ's ``stats.ci_kind``).
    extrapolate : float, default 10
        The grid runs from the smallest observed size to ``extrapolate`` times the
        largest, per curve.
    n_points : int, default 60
        Grid points per curve (log-spaced).

    Returns
    -------
    xarray.Dataset
        ``grid`` (curve, size), ``median`` (curve, size), ``lower``/``upper``
        (curve, size, prob) and ``observed_max`` (curve); points with
        ``grid > observed_max`` are extrapolation.
    """
    _check_extrapolate(extrapolate)
    const = fit["constant_data"].to_dataset()
    size_min = np.array([const["size"].values[const["curve_idx"].values == i].min()
                         for i in range(const.sizes[dims.CURVE])])
    size_max = const["max_size"].values
    grid = _log_grid(size_min, size_max * extrapolate, n_points, const[dims.CURVE].values)
    return summarize_bands(curve_mean(fit, grid), grid, size_max, probs=probs, ci_kind=ci_kind)


def model_size_bands(
    fit: xr.DataTree,
    *,
    probs: Sequence[float] | None = None,
    ci_kind: str | None = None,
    extrapolate: float = 10.0,
    n_points: int = 60,
) -> xr.Dataset:
    """Bands of the best model size ``s(m) = alpha_p m^beta_p`` vs training-set size.

    Parameters
    ----------
    fit : xarray.DataTree
        A ``hierarchical_model_size`` fit.
    probs, ci_kind, extrapolate, n_points
        As in :func:`learning_curve_bands`.

    Returns
    -------
    xarray.Dataset
        The band layout (module docstring); values are parameters.
    """
    _check_fit(fit, HIERARCHICAL_MODEL_SIZE)
    _check_extrapolate(extrapolate)
    const = fit["constant_data"].to_dataset()
    post = fit["posterior"]
    idx = const["curve_idx"].values
    size = const["size"].values
    size_min = np.array([size[idx == i].min() for i in range(const.sizes[dims.CURVE])])
    size_max = const["max_size"].values
    grid = _log_grid(size_min, size_max * extrapolate, n_points, const[dims.CURVE].values)
    log_s = post["log_size_ref"] + post["beta_p"] * (np.log(grid) - np.log(const["ref_size"]))
    return summarize_bands(np.exp(log_s), grid, size_max, probs=probs, ci_kind=ci_kind)


def compute_scaling_bands(
    fit: xr.DataTree,
    *,
    probs: Sequence[float] | None = None,
    ci_kind: str | None = None,
    extrapolate: float = 100.0,
    year: float | None = None,
    n_points: int = 60,
) -> xr.Dataset:
    """Bands of the fitted error vs training compute of a compute-scaling fit.

    Parameters
    ----------
    fit : xarray.DataTree
        A ``compute_scaling`` fit (polynomial or exponential form).
    probs, ci_kind, n_points
        As in :func:`learning_curve_bands`.
    extrapolate : float, default 100
        The grid runs to ``extrapolate`` times the largest observed compute.
    year : float, optional
        Trend fits: the year whose algorithms the curve describes (default: each
        curve's latest observed year, as in
        :func:`bayes_scaling.compute_projection.project_compute_growth`). Ignored
        without a trend.

    Returns
    -------
    xarray.Dataset
        The band layout; attr ``year`` says at which year a trend fit was evaluated.
        The exponential form is evaluated only where its line stays positive.
    """
    from bayes_scaling.compute_projection import _projection_year
    from bayes_scaling.models.compute import curve_log_mean

    _check_fit(fit, COMPUTE_SCALING)
    _check_extrapolate(extrapolate)
    const = fit["constant_data"].to_dataset()
    size_max = const["max_size"].values
    grid = _log_grid(const["min_size"].values, size_max * extrapolate, n_points,
                     const[dims.CURVE].values)
    when = _projection_year(fit, year)
    log_err = curve_log_mean(fit, grid, year=when).transpose(dims.CHAIN, dims.DRAW, ...)
    out = summarize_bands(np.exp(log_err.reset_coords(drop=True)), grid, size_max,
                          probs=probs, ci_kind=ci_kind)
    if when is not None:
        out["year"] = when
        out.attrs["year"] = "latest observed year of each curve" if year is None else year
    return out


def optimal_loss_bands(
    fit: xr.DataTree,
    *,
    probs: Sequence[float] | None = None,
    ci_kind: str | None = None,
    extrapolate: float = 100.0,
    n_points: int = 60,
) -> xr.Dataset:
    """Bands of the compute-optimal loss ``L*(C)`` of a joint (Chinchilla) fit.

    The grid runs from the smallest to ``extrapolate`` times the largest compute of each
    curve's runs (FLOP). See :func:`bayes_scaling.allocation.optimal_loss`.

    Returns
    -------
    xarray.Dataset
        The band layout (x = compute in FLOP, values = loss).
    """
    from bayes_scaling.allocation import optimal_loss

    _check_fit(fit, JOINT_SCALING)
    _check_extrapolate(extrapolate)
    const = fit["constant_data"].to_dataset()
    idx = const["curve_idx"].values
    compute = const["compute"].values
    c_min = np.array([compute[idx == i].min() for i in range(const.sizes[dims.CURVE])])
    c_max = const["max_compute"].values
    grid = _log_grid(c_min, c_max * extrapolate, n_points, const[dims.CURVE].values)
    # one shared budget vector per curve (budgets differ per curve): evaluate per curve
    parts = []
    for label in grid[dims.CURVE].values:
        row = grid.sel({dims.CURVE: label}).values
        loss = optimal_loss(fit, row).sel({dims.CURVE: label})
        parts.append(loss.drop_vars(dims.SIZE))
    draws = xr.concat(parts, dim=dims.CURVE).assign_coords({dims.CURVE: grid[dims.CURVE]})
    return summarize_bands(draws.transpose(dims.CHAIN, dims.DRAW, dims.CURVE, dims.SIZE), grid,
                           c_max, probs=probs, ci_kind=ci_kind)


def allocation_bands(
    fit: xr.DataTree,
    *,
    probs: Sequence[float] | None = None,
    ci_kind: str | None = None,
    extrapolate: float = 100.0,
    n_points: int = 40,
) -> xr.Dataset:
    """Bands of the compute-optimal model size ``N*(C)`` and tokens ``D*(C)``.

    See :func:`bayes_scaling.allocation.compute_optimal_allocation`.

    Returns
    -------
    xarray.Dataset
        The band layout with an extra ``resource`` dim (``"params"``, ``"data"``) on
        ``median``, ``lower`` and ``upper``.
    """
    from bayes_scaling.allocation import compute_optimal_allocation

    _check_fit(fit, JOINT_SCALING)
    _check_extrapolate(extrapolate)
    const = fit["constant_data"].to_dataset()
    compute = const["compute"].values
    c_max = const["max_compute"].values
    grid_1d = np.exp(np.linspace(np.log(compute.min()), np.log(c_max.max() * extrapolate),
                                 n_points))
    alloc = compute_optimal_allocation(fit, grid_1d)["allocation"].drop_vars(dims.SIZE)
    grid = xr.DataArray(np.broadcast_to(grid_1d, (const.sizes[dims.CURVE], n_points)),
                        dims=(dims.CURVE, dims.SIZE), coords={dims.CURVE: const[dims.CURVE]})
    return summarize_bands(alloc, grid, c_max, probs=probs, ci_kind=ci_kind)


def fitted_points(fit: xr.DataTree) -> pd.DataFrame:
    """The points a fit was made on, as a tidy table to draw beside its bands.

    Rebuilt from the fit's own groups (``constant_data``, ``observed_data``), so a saved fit
    needs no table. Compute-scaling fits add ``on_frontier``: whether the row lies on its
    curve's accuracy frontier (:func:`bayes_scaling.models.compute.frontier_mask`).

    Parameters
    ----------
    fit : xarray.DataTree
        A ``hierarchical_learning_curve`` or ``compute_scaling`` fit.

    Returns
    -------
    pandas.DataFrame
        ``domain``, ``curve``, the size column (``data`` or ``compute``), the metric and
        the fit's extra columns (``params``, ``seed``, ``year``, ``label``).
    """
    model_type = fit.attrs.get("model_type")
    points = FITTED_POINTS.get(str(model_type))
    if points is None:
        raise ProjectionError(f"no fitted points for a {model_type!r} fit; they exist for "
                              f"{' and '.join(FITTED_POINTS)} fits")
    return points(fit)


def _compute_scaling_points(fit: xr.DataTree) -> pd.DataFrame:
    table = compute_fitted_table(fit)
    metric = fit.attrs.get("metric", "error")
    return table.assign(on_frontier=frontier_mask(table, metric=metric))


#: How :func:`fitted_points` rebuilds a fit's points, by ``model_type``.
FITTED_POINTS: dict[str, Callable[[xr.DataTree], pd.DataFrame]] = {
    HIERARCHICAL_LEARNING_CURVE: learning_curve_fitted_table,
    COMPUTE_SCALING: _compute_scaling_points,
}


def _check_fit(fit: xr.DataTree, model_type: str) -> None:
    found = fit.attrs.get("model_type")
    if found != model_type:
        raise ProjectionError(f"needs a {model_type!r} fit, got {found!r}")
