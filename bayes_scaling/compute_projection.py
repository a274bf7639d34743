"""Compute growth to reach target errors, from a compute-scaling fit (Thompson et al. 2020).

For a ``compute_scaling`` fit (:class:`~bayes_scaling.models.compute.HierarchicalComputeScaling`)
the **compute growth factor** to reach target ``e*`` on curve ``c`` is ``C*_c / C_current_c``,
with ``C_current_c`` the largest compute observed on the curve, per posterior draw:

* polynomial form, ``log e = a_ref - (log C - log C_ref) / k [+ tau (year - year_ref)]``::

      log(C* / C_current) = k * (log e_current - log e*)

  where ``e_current`` is the fitted error at ``C_current`` (in the projection year);
* exponential form, ``e = (a - b log C) * exp(tau (year - year_ref))``::

      log(C* / C_current) = (e_hi - e*') / b,   e*' = e* * exp(-tau (year - year_ref))

  with ``e_hi`` the fitted error at ``C_current``. There is no floor: a target below
  where the line can be trusted is still reachable (the line is extrapolated). Draws
  whose line does not fall with compute (``b <= 0``) cannot reach a lower target
  (``inf``, ``reachable = False``); a target at or above their current error counts as
  already met (growth 1).

Targets are absolute (``0.05``), relative (``"x0.5"``: a factor of the curve's current
fitted error) or named (``"imagenet-top1-5pct"``), see
:class:`bayes_scaling.projection.Target`; errors must be in ``(0, 1]``.

**Year** (trend fits): the current error and the target compute are evaluated in the
same year, by default the latest year observed on each curve, so the growth is compute
growth at that year's algorithms; ``year=2025`` credits the algorithmic progress
extrapolated to 2025 (for absolute targets; relative targets do not depend on it).

The result has the layout of :func:`bayes_scaling.projection.project_data_growth`, so
:func:`bayes_scaling.projection.summarize_projection` summarises it. Domain level: the
growth needed by the *best* curve of the benchmark, relative to the largest compute
observed on the benchmark. When curves are metric variants (ImageNet top-1 and top-5)
an absolute number means different things on each: a named target that names its
metric variant (``imagenet-top1-5pct``: the ``top1`` curve) is evaluated on that curve
only, the others get no row and the best curve is chosen among the matching ones; a
plain number (``0.05``) applies to every curve.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_scaling import dims
from bayes_scaling.errors import ProjectionError
from bayes_scaling.model_types import COMPUTE_SCALING
from bayes_scaling.projection import (
    Target,
    best_curve_per_domain,
    degree_table,
    parse_targets,
    target_applicability,
    target_notes,
)
from bayes_scaling.summaries import ci_defaults, posterior_interval

__all__ = [
    "compare_degrees",
    "project_compute_growth",
    "summarize_algorithmic_progress",
    "summarize_degree_fit",
]

SAMPLE = dims.SAMPLE_DIMS


def _check_fit(fit: xr.DataTree) -> None:
    if fit.attrs.get("model_type") != COMPUTE_SCALING:
        raise ProjectionError(f"needs a {COMPUTE_SCALING} fit (HierarchicalComputeScaling), got "
                              f"{fit.attrs.get('model_type')!r}")


def _form(fit: xr.DataTree) -> str:
    return "polynomial" if "k" in fit["posterior"] else "exponential"


def _projection_year(fit: xr.DataTree, year: Any) -> xr.DataArray | None:
    """Per-curve year at which trend fits are evaluated (``None`` without a trend)."""
    post, const = fit["posterior"], fit["constant_data"]
    if "tau" not in post:
        if year is not None:
            raise ProjectionError("year= applies to fits with trend=True only; this fit has no "
                                  "year trend")
        return None
    if year is None:
        return const["max_year"].astype(float).reset_coords(drop=True)
    if isinstance(year, bool) or not isinstance(year, int | float) or not np.isfinite(year):
        raise ProjectionError(f"year must be a finite number such as 2025, got {year!r}")
    return xr.full_like(const["max_year"], float(year), dtype=float).reset_coords(drop=True)


def project_compute_growth(
    fit: xr.DataTree,
    targets: Sequence[Target | float | str] | Target | float | str,
    *,
    year: float | None = None,
    compute_growth_per_year: float | None = None,
) -> xr.Dataset:
    """Posterior distribution of the compute growth needed to reach each target.

    Parameters
    ----------
    fit : xarray.DataTree
        A ``compute_scaling`` fit (polynomial or exponential form).
    targets : target spec or sequence of them
        Absolute errors (``0.05``), relative factors (``"x0.5"``) or named targets
        (``"imagenet-top1-5pct"``); see :class:`bayes_scaling.projection.Target`.
    year : float, optional
        Trend fits only: the year whose algorithms are assumed (default: each curve's
        latest observed year).
    compute_growth_per_year : float, optional
        Assumed growth factor of affordable compute per year (> 1); adds
        ``years_to_target = log(compute_growth) / log(rate)``.

    Returns
    -------
    xarray.Dataset
        ``compute_growth`` (chain, draw, curve, target) and ``compute_growth_domain``
        (chain, draw, domain, target), ``inf`` where unreachable; ``log10_compute_growth``
        (no overflow); ``target_value`` (chain, draw, curve, target); ``reachable`` /
        ``reachable_domain``; ``applicable`` (curve, target) / ``applicable_domain``
        (targets for some curves only: growth ``NaN`` and not reachable elsewhere,
        ``attrs["target_notes"]`` says which curves were left out);
        ``p_reachable`` / ``p_reachable_domain``; ``current_size``
        (curve) and ``current_size_domain`` (domain) in compute units; ``current_error``
        (chain, draw, curve); ``projection_year`` (curve, trend fits); coordinate
        ``curve_domain``. Attrs: ``quantity``, ``compute_kind``, ``form``, ``metric``,
        ``targets``.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalComputeScaling
    >>> imagenet = load_dataset("thompson2020-imagenet")  # compute="hardware" by default
    >>> k_fit = HierarchicalComputeScaling(imagenet, trend=True).fit(
    ...     draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.compute_projection import project_compute_growth
    >>> from bayes_scaling.projection import summarize_projection
    >>> proj = project_compute_growth(k_fit, ["imagenet-top1-5pct", "x0.5"])
    >>> summarize_projection(proj)[["quantity", "level", "curve", "target"]].head(3)
             quantity  level          curve target
    0  compute_growth  curve  imagenet/top1   0.05
    1  compute_growth  curve  imagenet/top1   x0.5
    2  compute_growth  curve  imagenet/top5   x0.5
    """
    _check_fit(fit)
    metric = fit.attrs.get("metric", "error")
    parsed = parse_targets(targets, metric=metric)
    post = fit["posterior"].to_dataset()
    const = fit["constant_data"].to_dataset()
    form = _form(fit)
    current = const["max_size"].reset_coords(drop=True)
    when = _projection_year(fit, year)
    log_now = curve_log_error_now(fit, when)  # (chain, draw, curve)
    labels = [t.label for t in parsed]
    factor = xr.DataArray([np.log(t.value) for t in parsed], dims=dims.TARGET,
                          coords={dims.TARGET: labels})
    relative = xr.DataArray([t.kind == "relative" for t in parsed], dims=dims.TARGET,
                            coords={dims.TARGET: labels})
    log_target = xr.where(relative, log_now + factor, factor + 0.0 * log_now)
    target_value = np.exp(log_target)
    if form == "polynomial":
        log_growth = post["k"] * (log_now - log_target)
        reachable = xr.ones_like(log_growth, dtype=bool)
    else:
        shift = post["tau"] * (when - const["ref_year"]) if when is not None else 0.0
        target_line = np.exp(log_target - shift)  # the target on the line, before the trend
        slope = post["b"]
        reachable = (slope > 0) | (target_line >= post["error_hi"])
        with np.errstate(divide="ignore", invalid="ignore"):
            log_growth = ((post["error_hi"] - target_line) / slope).where(slope > 0, 0.0)
        log_growth = log_growth.where(reachable, np.inf)
    with np.errstate(over="ignore"):
        growth = np.exp(log_growth)
    growth = growth.where(reachable, np.inf)
    curve_domain = const["curve_domain"]
    applicable = target_applicability(parsed, current[dims.CURVE].values)
    # domains in curve order (the exponential form has no domain-level variable)
    domains = list(dict.fromkeys(curve_domain.values.tolist()))
    growth_domain, reach_domain, applicable_domain, domain_max = best_curve_per_domain(
        growth, reachable, applicable, current, curve_domain.values, domains)
    order = (dims.CHAIN, dims.DRAW, dims.CURVE, dims.TARGET)
    order_d = (dims.CHAIN, dims.DRAW, dims.DOMAIN, dims.TARGET)
    out = xr.Dataset({
        "compute_growth": growth.where(applicable).transpose(*order),
        "compute_growth_domain": growth_domain.transpose(*order_d),
        "log10_compute_growth": (log_growth / np.log(10.0)).where(applicable)
        .transpose(*order),
        "target_value": target_value.transpose(*order),
        "reachable": (reachable & applicable).transpose(*order),
        "reachable_domain": reach_domain.transpose(*order_d),
        "applicable": applicable,
        "applicable_domain": applicable_domain,
        "current_error": np.exp(log_now).transpose(dims.CHAIN, dims.DRAW, dims.CURVE),
    })
    out["p_reachable"] = out["reachable"].mean(SAMPLE)
    out["p_reachable_domain"] = out["reachable_domain"].mean(SAMPLE)
    out["current_size"] = current
    out["current_size_domain"] = domain_max
    if when is not None:
        out["projection_year"] = when
    if compute_growth_per_year is not None:
        rate = float(compute_growth_per_year)
        if not rate > 1:
            raise ProjectionError(f"compute_growth_per_year must be > 1, got {rate}")
        for suffix in ("", "_domain"):
            with np.errstate(divide="ignore"):
                out[f"years_to_target{suffix}"] = (np.log(out[f"compute_growth{suffix}"])
                                                   / np.log(rate))
        out.attrs["compute_growth_per_year"] = rate
    out = out.assign_coords(curve_domain=(dims.CURVE, curve_domain.values))
    out.attrs.update({
        "quantity": "compute_growth", "metric": metric, "form": form,
        "compute_kind": str(fit.attrs.get("compute_kind", "unknown")),
        "size_column": str(fit.attrs.get("size_column", "compute")),
        "targets": [f"{t.kind}:{t.value:g}" for t in parsed],
        "definition": "compute_growth = C*/C_current, C_current = largest compute observed "
                      "on the curve",
    })
    if when is not None:
        out.attrs["year"] = "latest observed year of each curve" if year is None else float(year)
    notes = target_notes(parsed, applicable)
    if notes:
        out.attrs["target_notes"] = notes
    return out


def curve_log_error_now(fit: xr.DataTree, year: xr.DataArray | None = None) -> xr.DataArray:
    """Fitted log error at each curve's largest observed compute (chain, draw, curve).

    Parameters
    ----------
    fit : xarray.DataTree
        A ``compute_scaling`` fit.
    year : xarray.DataArray, optional
        Per-curve year for trend fits (default: the curve's reference year).
    """
    from bayes_scaling.models.compute import curve_log_mean

    const = fit["constant_data"]
    out = curve_log_mean(fit, const["max_size"], year=year)
    return out.reset_coords(drop=True).transpose(dims.CHAIN, dims.DRAW, dims.CURVE)


def summarize_degree_fit(fit: xr.DataTree, *, ci_prob: float | None = None,
                         ci_kind: str | None = None) -> pd.DataFrame:
    """Fitted compute-polynomial degree ``k`` per curve, benchmark (domain) and population.

    The columns are those of :func:`bayes_scaling.projection.summarize_degree` (the
    degree *implied* by learning-curve and model-size fits), so the two tables can be
    stacked side by side (``pd.concat([implied, fitted], keys=["implied", "fitted"])``).

    Parameters
    ----------
    fit : xarray.DataTree
        A polynomial-form ``compute_scaling`` fit.
    ci_prob, ci_kind : optional
        Interval settings; default ``arviz.rcParams["stats.ci_prob"]`` / ``["stats.ci_kind"]``.

    Returns
    -------
    pandas.DataFrame
        ``level, domain, curve, median, lower, upper, ci_prob, ci_kind,
        p_above_theory_bound`` (posterior probability that ``k`` exceeds the theoretical
        lower bound 4 of Thompson et al.) and ``theory_bound``. ``table.attrs`` holds
        ``compute_kind`` and ``source = "compute_scaling fit"``.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalComputeScaling
    >>> imagenet = load_dataset("thompson2020-imagenet")  # compute="hardware" by default
    >>> k_fit = HierarchicalComputeScaling(imagenet, trend=True).fit(
    ...     draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.compute_projection import summarize_degree_fit
    >>> degree = summarize_degree_fit(k_fit)  # k: compute grows as error^-k
    >>> degree[["level", "curve"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['curve', 'imagenet/top1'], ['curve', 'imagenet/top5'], ['domain', '(domain)'],
     ['population', '(population)']]
    """
    _check_fit(fit)
    if _form(fit) != "polynomial":
        raise ProjectionError("the exponential form has no polynomial degree k; fit "
                              "form='polynomial' to summarise k")
    post = fit["posterior"]
    table = degree_table(post["k"], post["k_domain"], post["k_global"],
                         fit["constant_data"]["curve_domain"], ci_prob=ci_prob, ci_kind=ci_kind)
    table.attrs.update({"compute_kind": str(fit.attrs.get("compute_kind", "unknown")),
                        "source": f"{COMPUTE_SCALING} fit"})
    return table


def summarize_algorithmic_progress(fit: xr.DataTree, *, ci_prob: float | None = None,
                                   ci_kind: str | None = None) -> pd.DataFrame:
    """Per-curve year trend of a polynomial trend fit, in compute terms.

    Returns
    -------
    pandas.DataFrame
        One row per (curve, quantity) for ``tau`` (log-error change per year),
        ``algorithmic_progress_compute_per_year`` (compute factor worth one year of
        progress, ``exp(-tau k)``) and ``years_for_10x_compute``: ``median, lower, upper``
        (over finite draws), ``p_progress`` (posterior probability that ``tau < 0``),
        ``ci_prob``, ``ci_kind``, ``compute_kind``.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalComputeScaling
    >>> imagenet = load_dataset("thompson2020-imagenet")  # compute="hardware" by default
    >>> k_fit = HierarchicalComputeScaling(imagenet, trend=True).fit(
    ...     draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.compute_projection import summarize_algorithmic_progress
    >>> progress = summarize_algorithmic_progress(k_fit)
    >>> sorted(progress["quantity"].unique())  # doctest: +NORMALIZE_WHITESPACE
    ['algorithmic_progress_compute_per_year', 'tau', 'years_for_10x_compute']
    """
    _check_fit(fit)
    post = fit["posterior"]
    if "tau" not in post or "k" not in post:
        raise ProjectionError("needs a polynomial fit with trend=True (tau and k)")
    ci_prob, ci_kind = ci_defaults(ci_prob, ci_kind)
    curve_domain = fit["constant_data"]["curve_domain"]
    p_progress = (post["tau"] < 0).mean(SAMPLE)
    rows = []
    for var in ("tau", "algorithmic_progress_compute_per_year", "years_for_10x_compute"):
        values = post[var]
        med, low, up = posterior_interval(values, ci_prob, ci_kind)
        for curve in post[dims.CURVE].values:
            sel = {dims.CURVE: curve}
            rows.append({"domain": str(curve_domain.sel(sel).item()), "curve": str(curve),
                         "quantity": var, "median": float(med.sel(sel)),
                         "lower": float(low.sel(sel)), "upper": float(up.sel(sel)),
                         "p_progress": float(p_progress.sel(sel)), "ci_prob": ci_prob,
                         "ci_kind": ci_kind,
                         "compute_kind": str(fit.attrs.get("compute_kind", "unknown"))})
    return pd.DataFrame(rows)


def frontier_selection(fit: xr.DataTree) -> dict[str, Any]:
    """The frontier-mode record of a fit: counts kept/excluded and the excluded points."""
    _check_fit(fit)
    return json.loads(fit.attrs["frontier_selection"])


def compare_degrees(*, learning_curve_projection: xr.Dataset | None = None,
                    compute_fit: xr.DataTree | None = None, ci_prob: float | None = None,
                    ci_kind: str | None = None) -> pd.DataFrame:
    """The compute-polynomial degree k from both routes, side by side.

    Parameters
    ----------
    learning_curve_projection : xarray.Dataset, optional
        Output of :func:`bayes_scaling.projection.project_growth` with a model-size fit:
        the *implied* degree ``k = (1 + beta_p) / beta_g``.
    compute_fit : xarray.DataTree, optional
        A polynomial ``compute_scaling`` fit: the *directly fitted* degree.
    ci_prob, ci_kind : optional
        Interval settings (ArviZ defaults).

    Returns
    -------
    pandas.DataFrame
        The rows of :func:`bayes_scaling.projection.summarize_degree` and
        :func:`summarize_degree_fit` with a ``source`` column (``"implied (learning
        curve + model size)"`` or ``"fitted (compute scaling, <compute kind>)"``); both
        carry Thompson et al.'s theoretical lower bound 4 and ``p_above_theory_bound``.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalComputeScaling
    >>> imagenet = load_dataset("thompson2020-imagenet")  # compute="hardware" by default
    >>> k_fit = HierarchicalComputeScaling(imagenet, trend=True).fit(
    ...     draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.compute_projection import compare_degrees
    >>> table = compare_degrees(compute_fit=k_fit)  # add learning_curve_projection= to compare
    >>> table["source"].unique().tolist()
    ['fitted (compute scaling, hardware compute)']
    """
    from bayes_scaling.projection import summarize_degree

    parts = []
    if learning_curve_projection is not None:
        implied = summarize_degree(learning_curve_projection, ci_prob=ci_prob, ci_kind=ci_kind)
        parts.append(implied.assign(source="implied (learning curve + model size)"))
    if compute_fit is not None:
        fitted = summarize_degree_fit(compute_fit, ci_prob=ci_prob, ci_kind=ci_kind)
        kind = compute_fit.attrs.get("compute_kind", "unknown")
        parts.append(fitted.assign(source=f"fitted (compute scaling, {kind} compute)"))
    if not parts:
        raise ProjectionError("pass learning_curve_projection= and/or compute_fit=")
    table = pd.concat(parts, ignore_index=True)
    return table[["source", *[c for c in table.columns if c != "source"]]]
