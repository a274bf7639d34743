"""Projections: how much more data reaches a target error, as a posterior distribution.

For a learning-curve fit, the size reaching target ``e*`` on curve ``c`` is the
analytic inverse of its curve family, per posterior draw::

    m*_c = m_ref_c * (A_c / (e* - gamma_c)) ** (1 / beta_c)      if e* > gamma_c
    m*_c = inf                                                     otherwise

and the **data growth factor** is ``m*_c / m_current_c`` (``m_current_c`` = the largest
size observed on the curve). Projections are *total*: a target at or below the
irreducible error gives ``inf`` draws and lowers ``p_reachable``; nothing raises.

Domain level: the growth needed by the *best* curve (architecture) of the domain,
i.e. the per-draw minimum over the domain's curves of ``m*_c / m_current_domain``;
reachable when any curve reaches the target.

Targets are absolute (``0.05``: error 5%) or relative (``"x0.5"``: half the curve's
current error, evaluated per draw at ``m_current``). Summaries report the median and
a credible interval of the growth **over the reachable draws**, with ``p_reachable``
and a ``status`` column that says in words when draws are unreachable; the interval
probability and kind default to ArviZ's ``stats.ci_prob`` / ``stats.ci_kind``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from bayes_scaling import dims
from bayes_scaling.errors import ProjectionError
from bayes_scaling.models.learning_curve import curve_mean

_RELATIVE = re.compile(r"^\s*(?:x\s*([0-9.eE+-]+)|([0-9.eE+-]+)\s*x)\s*$")


@dataclass(frozen=True)
class Target:
    """A target metric value.

    Parameters
    ----------
    kind : {"absolute", "relative"}
        Absolute metric value, or a factor of the curve's current (fitted) value.
    value : float
        The value (absolute) or factor (relative, in (0, inf)).

    Examples
    --------
    >>> Target.parse("x0.5").label
    'x0.5'
    >>> Target.parse(0.05).label
    '0.05'
    """

    kind: Literal["absolute", "relative"]
    value: float

    def __post_init__(self) -> None:
        if not (isinstance(self.value, int | float) and math.isfinite(self.value)
                and self.value > 0):
            raise ProjectionError(f"target value must be a finite number > 0, got {self.value!r}")
        if self.kind not in ("absolute", "relative"):
            raise ProjectionError(f"target kind must be 'absolute' or 'relative', "
                                  f"got {self.kind!r}")

    @property
    def label(self) -> str:
        """Coordinate label: ``"0.05"`` (absolute) or ``"x0.5"`` (relative)."""
        text = f"{self.value:g}"
        return f"x{text}" if self.kind == "relative" else text

    @classmethod
    def parse(cls, spec: Target | float | str) -> Target:
        """Parse ``0.05`` / ``"0.05"`` (absolute) or ``"x0.5"`` / ``"0.5x"`` (relative)."""
        if isinstance(spec, Target):
            return spec
        if isinstance(spec, bool):
            raise ProjectionError(f"invalid target {spec!r}")
        if isinstance(spec, int | float):
            return cls("absolute", float(spec))
        if isinstance(spec, str):
            match = _RELATIVE.match(spec)
            try:
                if match:
                    return cls("relative", float(match.group(1) or match.group(2)))
                return cls("absolute", float(spec))
            except ValueError:
                pass
        raise ProjectionError(
            f"invalid target {spec!r}: use an absolute metric value such as 0.05, or a "
            "relative one such as 'x0.5' (half the current error)"
        )


def parse_targets(specs: Iterable[Target | float | str] | Target | float | str) -> list[Target]:
    """Parse one or several target specs, rejecting an empty list and duplicates."""
    if isinstance(specs, Target | float | int | str):
        specs = [specs]
    targets = [Target.parse(s) for s in specs]
    if not targets:
        raise ProjectionError("at least one target is required (e.g. 0.05 or 'x0.5')")
    labels = [t.label for t in targets]
    if len(set(labels)) != len(labels):
        raise ProjectionError(f"duplicate targets {labels}")
    for t in targets:
        if t.kind == "absolute" and t.value > 1:
            pass  # loss targets may exceed 1; error-rate targets are checked in project()
    return targets


def project_data_growth(fit: xr.DataTree, targets: Sequence[Target | float | str] | str | float,
                        ) -> xr.Dataset:
    """Posterior distribution of the data growth needed to reach each target.

    Parameters
    ----------
    fit : xarray.DataTree
        A ``hierarchical_learning_curve`` fit.
    targets : target spec or sequence of them
        See :class:`Target`.

    Returns
    -------
    xarray.Dataset
        ``data_growth`` (chain, draw, curve, target) and ``data_growth_domain``
        (chain, draw, domain, target), ``inf`` where unreachable; ``target_value``
        (chain, draw, curve, target); ``reachable``/``reachable_domain`` booleans;
        ``p_reachable`` (curve, target) and ``p_reachable_domain`` (domain, target).

    Examples
    --------
    >>> proj = project_data_growth(fit, ["x0.5", 0.02])  # doctest: +SKIP
    """
    if fit.attrs.get("model_type") != "hierarchical_learning_curve":
        raise ProjectionError(
            f"data-growth projection needs a hierarchical_learning_curve fit, got "
            f"{fit.attrs.get('model_type')!r}"
        )
    targets = parse_targets(targets)
    metric = fit.attrs.get("metric", "error")
    for t in targets:
        if metric == "error" and t.kind == "absolute" and t.value > 1:
            raise ProjectionError(f"target {t.value} is not an error rate; error targets must be "
                                  "in (0, 1]")
    post = fit["posterior"].to_dataset()
    const = fit["constant_data"].to_dataset()
    current = const["max_size"]
    ref = const["ref_size"]
    now = curve_mean(fit, current)  # (chain, draw, curve)
    per_target = []
    for t in targets:
        value = now * t.value if t.kind == "relative" else xr.full_like(now, t.value)
        per_target.append(value)
    target_value = xr.concat(per_target, dim=dims.TARGET).assign_coords(
        {dims.TARGET: [t.label for t in targets]})
    excess = target_value - post["gamma"]
    reachable = excess > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_growth = (np.log(ref / current)
                      + np.log(post["scale_ref"] / excess.where(reachable)) / post["beta"])
    growth = np.exp(log_growth).where(reachable, np.inf)
    curve_domain = const["curve_domain"]
    domain_growth, domain_reach = [], []
    domain_max = {}
    for dom in fit["posterior"][dims.DOMAIN].values:
        members = curve_domain.values == dom
        sub = growth.isel({dims.CURVE: np.flatnonzero(members)})
        dom_current = current.isel({dims.CURVE: np.flatnonzero(members)})
        domain_max[dom] = float(dom_current.max())
        # growth relative to the largest size observed anywhere in the domain
        rescaled = sub * dom_current / domain_max[dom]
        domain_growth.append(rescaled.min(dims.CURVE))
        domain_reach.append(reachable.isel({dims.CURVE: np.flatnonzero(members)}).any(dims.CURVE))
    domain_coord = {dims.DOMAIN: fit["posterior"][dims.DOMAIN].values}
    growth_domain = xr.concat(domain_growth, dim=dims.DOMAIN).assign_coords(domain_coord)
    reach_domain = xr.concat(domain_reach, dim=dims.DOMAIN).assign_coords(domain_coord)
    out = xr.Dataset(
        {
            "data_growth": growth.transpose(dims.CHAIN, dims.DRAW, dims.CURVE, dims.TARGET),
            "data_growth_domain": growth_domain.transpose(dims.CHAIN, dims.DRAW, dims.DOMAIN,
                                                          dims.TARGET),
            "target_value": target_value.transpose(dims.CHAIN, dims.DRAW, dims.CURVE,
                                                   dims.TARGET),
            "reachable": reachable.transpose(dims.CHAIN, dims.DRAW, dims.CURVE, dims.TARGET),
            "reachable_domain": reach_domain.transpose(dims.CHAIN, dims.DRAW, dims.DOMAIN,
                                                       dims.TARGET),
        }
    )
    out["p_reachable"] = out["reachable"].mean((dims.CHAIN, dims.DRAW))
    out["p_reachable_domain"] = out["reachable_domain"].mean((dims.CHAIN, dims.DRAW))
    out["current_size"] = current
    out["current_size_domain"] = xr.DataArray(list(domain_max.values()), dims=dims.DOMAIN,
                                              coords=domain_coord)
    out.attrs.update({"quantity": "data_growth", "metric": metric,
                      "targets": [f"{t.kind}:{t.value:g}" for t in targets]})
    return out


def _interval(values: xr.DataArray, reachable: xr.DataArray, ci_prob: float,
              ci_kind: str) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray]:
    """Median and interval of log10(values) over reachable draws (NaN where none)."""
    any_reach = reachable.any((dims.CHAIN, dims.DRAW))
    finite = np.isfinite(values) & reachable
    logv = np.log10(values.where(finite))
    # columns with no reachable draw get a placeholder so ArviZ sees no all-NaN slice
    logv = logv.where(any_reach, 0.0)
    func = az.hdi if ci_kind == "hdi" else az.eti
    bounds = func(logv, prob=ci_prob, dim=[dims.CHAIN, dims.DRAW], skipna=True)
    median = logv.median((dims.CHAIN, dims.DRAW), skipna=True)
    lower = bounds.sel({dims.CI_BOUND: "lower"}, drop=True)
    upper = bounds.sel({dims.CI_BOUND: "upper"}, drop=True)
    return tuple(10 ** x.where(any_reach) for x in (median, lower, upper))  # type: ignore[return-value]


def _status(p: float) -> str:
    if p >= 1.0:
        return "reachable in all draws"
    if p <= 0.0:
        return "unreachable: target at or below the irreducible error in every draw"
    return (f"reachable in {100 * p:.1f}% of draws (target below the irreducible error in "
            "the rest); interval over reachable draws")


def summarize_projection(projection: xr.Dataset, *, ci_prob: float | None = None,
                         ci_kind: str | None = None) -> pd.DataFrame:
    """Tidy summary table of a data-growth projection.

    Parameters
    ----------
    projection : xarray.Dataset
        Output of :func:`project_data_growth`.
    ci_prob : float, optional
        Interval probability; default ``arviz.rcParams["stats.ci_prob"]``.
    ci_kind : {"eti", "hdi"}, optional
        Interval kind; default ``arviz.rcParams["stats.ci_kind"]``.

    Returns
    -------
    pandas.DataFrame
        One row per (level, domain, curve, target): ``p_reachable``, ``median``,
        ``lower``, ``upper`` (growth factors over reachable draws; missing only when
        ``p_reachable == 0``, which ``status`` then states), ``ci_prob``, ``ci_kind``,
        ``target_value`` (median), ``current_size`` and ``status``.
    """
    ci_prob = float(az.rcParams["stats.ci_prob"] if ci_prob is None else ci_prob)
    ci_kind = str(az.rcParams["stats.ci_kind"] if ci_kind is None else ci_kind)
    if not 0 < ci_prob < 1:
        raise ProjectionError(f"ci_prob must be in (0, 1), got {ci_prob}")
    if ci_kind not in ("eti", "hdi"):
        raise ProjectionError(f"ci_kind must be 'eti' or 'hdi', got {ci_kind!r}")
    rows = []
    levels = (
        ("curve", "data_growth", "reachable", "p_reachable", dims.CURVE, "current_size"),
        ("domain", "data_growth_domain", "reachable_domain", "p_reachable_domain", dims.DOMAIN,
         "current_size_domain"),
    )
    target_median = projection["target_value"].median((dims.CHAIN, dims.DRAW))
    curve_domain = projection["curve_domain"] if "curve_domain" in projection.coords else None
    for level, var, reach, pvar, dim, cur in levels:
        med, low, up = _interval(projection[var], projection[reach], ci_prob, ci_kind)
        for name in projection[dim].values:
            for target in projection[dims.TARGET].values:
                sel = {dim: name, dims.TARGET: target}
                p = float(projection[pvar].sel(sel))
                if level == "curve":
                    domain = (str(curve_domain.sel({dims.CURVE: name}).item())
                              if curve_domain is not None else str(name).split("/", 1)[0])
                    curve = str(name)
                    tval = float(target_median.sel(sel))
                else:
                    domain, curve = str(name), "(best curve)"
                    members = ([c for c in projection[dims.CURVE].values
                                if str(c).split("/", 1)[0] == name])
                    tval = float(target_median.sel({dims.CURVE: members,
                                                    dims.TARGET: target}).min())
                rows.append(
                    {
                        "level": level,
                        "domain": domain,
                        "curve": curve,
                        "target": str(target),
                        "target_value": tval,
                        "current_size": float(projection[cur].sel({dim: name})),
                        "p_reachable": p,
                        "median": float(med.sel(sel)),
                        "lower": float(low.sel(sel)),
                        "upper": float(up.sel(sel)),
                        "ci_prob": ci_prob,
                        "ci_kind": ci_kind,
                        "status": _status(p),
                    }
                )
    table = pd.DataFrame(rows)
    for col in ("median", "lower", "upper"):
        table[col] = table[col].astype("Float64").mask(table[col].isna(), pd.NA)
    return table


def attach_projection(fit: xr.DataTree, projection: xr.Dataset) -> xr.DataTree:
    """Return a copy of ``fit`` with the projection stored as its ``projections`` group."""
    tree = fit.copy()
    tree["projections"] = xr.DataTree(projection)
    return tree
