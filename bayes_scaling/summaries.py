"""Posterior medians and credible intervals, with ArviZ's defaults (one place for all tables).

The interval probability and kind default to ``arviz.rcParams["stats.ci_prob"]`` and
``["stats.ci_kind"]``; the intervals themselves are ArviZ's (``az.eti`` / ``az.hdi``).
"""

from __future__ import annotations

from dataclasses import dataclass

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from bayes_scaling import dims
from bayes_scaling.errors import ProjectionError


def ci_defaults(ci_prob: float | None, ci_kind: str | None) -> tuple[float, str]:
    """Interval probability and kind, defaulting to ArviZ's ``stats.ci_prob``/``ci_kind``.

    Raises
    ------
    ProjectionError
        If ``ci_prob`` is not in (0, 1) or ``ci_kind`` is not ``"eti"``/``"hdi"``.
    """
    prob = float(az.rcParams["stats.ci_prob"] if ci_prob is None else ci_prob)
    kind = str(az.rcParams["stats.ci_kind"] if ci_kind is None else ci_kind)
    if not 0 < prob < 1:
        raise ProjectionError(f"ci_prob must be in (0, 1), got {prob}")
    if kind not in ("eti", "hdi"):
        raise ProjectionError(f"ci_kind must be 'eti' (equal-tailed) or 'hdi', got {kind!r}")
    return prob, kind


def posterior_interval(values: xr.DataArray, ci_prob: float, ci_kind: str, *,
                       valid: xr.DataArray | None = None, log: bool = False,
                       ) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray]:
    """Median and interval bounds over ``(chain, draw)``.

    Parameters
    ----------
    values : xarray.DataArray
        Posterior draws.
    ci_prob, ci_kind : float, str
        See :func:`ci_defaults`.
    valid : xarray.DataArray of bool, optional
        Draws to use (e.g. reachable ones); non-finite draws are always excluded. Where
        no draw is valid, the results are NaN.
    log : bool, default False
        Compute on the log10 scale and transform back (for growth factors).

    Returns
    -------
    (median, lower, upper) : tuple of xarray.DataArray
    """
    sample = list(dims.SAMPLE_DIMS)
    keep = np.isfinite(values) if valid is None else np.isfinite(values) & valid
    any_valid = keep.any(sample)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.log10(values.where(keep)) if log else values.where(keep)
    # columns with no valid draw get a placeholder so ArviZ sees no all-NaN slice
    scaled = scaled.where(any_valid, 0.0)
    func = az.hdi if ci_kind == "hdi" else az.eti
    bounds = func(scaled, prob=ci_prob, dim=sample, skipna=True)
    median = scaled.median(sample, skipna=True)
    lower = bounds.sel({dims.CI_BOUND: "lower"}, drop=True)
    upper = bounds.sel({dims.CI_BOUND: "upper"}, drop=True)
    out = tuple((10**x if log else x).where(any_valid) for x in (median, lower, upper))
    return out  # type: ignore[return-value]


@dataclass(frozen=True)
class DegreePosterior:
    """The posterior of the compute-polynomial degree ``k``, ready to draw or tabulate.

    Made by :func:`bayes_scaling.fit_projection.degree_posterior` (which also exports
    it), drawn by :func:`bayes_scaling.plotting.plot_degree`.

    Attributes
    ----------
    draws : xarray.Dataset
        ``k`` (chain, draw, curve), ``k_domain`` (chain, draw, domain) and ``k_global``
        (chain, draw), with the coordinate ``curve_domain`` (the domain of each curve).
    table : pandas.DataFrame
        Median, interval and ``p_above_theory_bound`` per curve, domain and the population
        level (:func:`bayes_scaling.projection.degree_table`).
    source : str
        What the degree is: the *fitted* degree of a compute-scaling fit or the *implied*
        one, ``k = (1 + beta_p) / beta_g``, of a learning curve with a model-size fit.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve, HierarchicalModelSize
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> sizes = HierarchicalModelSize(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.fit_projection import degree_posterior
    >>> degree = degree_posterior(fit, model_size_fit=sizes)
    >>> degree.source
    'implied degree (learning curve + model size)'
    >>> dict(degree.draws["k_domain"].sizes)
    {'chain': 2, 'draw': 200, 'domain': 2}
    """

    draws: xr.Dataset
    table: pd.DataFrame
    source: str
