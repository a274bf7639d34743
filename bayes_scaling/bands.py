"""Credible bands of fitted curves on a size grid (computation only; plots draw them)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from bayes_scaling import dims
from bayes_scaling.models.learning_curve import curve_mean


def learning_curve_bands(
    fit: xr.DataTree,
    *,
    probs: Sequence[float] = (0.5, 0.9),
    extrapolate: float = 10.0,
    n_points: int = 60,
) -> xr.Dataset:
    """Posterior median and equal-tailed bands of each curve's mean metric.

    Parameters
    ----------
    fit : xarray.DataTree
        A ``hierarchical_learning_curve`` fit.
    probs : sequence of float, default (0.5, 0.9)
        Band probabilities.
    extrapolate : float, default 10
        The grid runs from the smallest observed size to ``extrapolate`` times the
        largest, per curve.
    n_points : int, default 60
        Grid points per curve (log-spaced).

    Returns
    -------
    xarray.Dataset
        ``size`` (curve, size), ``median`` (curve, size), ``lower``/``upper``
        (curve, size, prob) and ``observed_max`` (curve); points with
        ``size > observed_max`` are extrapolation.
    """
    if extrapolate < 1:
        raise ValueError(f"extrapolate must be >= 1, got {extrapolate}")
    if any(not 0 < p < 1 for p in probs):
        raise ValueError(f"band probabilities must be in (0, 1), got {list(probs)}")
    const = fit["constant_data"].to_dataset()
    size_min = np.array([const["size"].values[const["curve_idx"].values == i].min()
                         for i in range(const.sizes[dims.CURVE])])
    size_max = const["max_size"].values
    grid = np.exp(np.linspace(np.log(size_min), np.log(size_max * extrapolate), n_points).T)
    sizes = xr.DataArray(grid, dims=(dims.CURVE, dims.SIZE),
                         coords={dims.CURVE: const[dims.CURVE].values})
    draws = curve_mean(fit, sizes)
    sample = (dims.CHAIN, dims.DRAW)
    lower = xr.concat([draws.quantile((1 - p) / 2, dim=sample) for p in probs], dim="prob")
    upper = xr.concat([draws.quantile((1 + p) / 2, dim=sample) for p in probs], dim="prob")
    return xr.Dataset(
        {
            "grid": sizes,
            "median": draws.median(sample),
            "lower": lower.drop_vars("quantile").assign_coords(prob=list(probs)),
            "upper": upper.drop_vars("quantile").assign_coords(prob=list(probs)),
            "observed_max": (dims.CURVE, size_max),
        }
    )
