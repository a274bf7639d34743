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

What the tables say:

* **Targets for some curves only.** A named target that names its curves
  (``applies_to`` in ``priors/targets.yaml``, e.g. ``imagenet-top1-5pct``: the ``top1``
  curve of ``imagenet``) is evaluated on those curves only. The other curves get **no
  row** for it in :func:`summarize_projection` (and so none in the CSV, the report or
  the forest plot); a domain's "best curve" is chosen among the matching curves; the
  population level (a new curve) is not reported for it. The projection dataset keeps
  every curve, with ``applicable`` (curve, target) saying which ones count (growth
  ``NaN``, ``reachable`` false elsewhere) and ``attrs["target_notes"]`` saying in words
  what was left out. A target that matches no curve of the fit raises
  :class:`~bayes_scaling.errors.ProjectionError`; give the value as a number to apply
  it to every curve.
* **Already reached.** A median growth below 1 (years to target below 0) means the
  fitted curve is already at or below the target at the current size: the ``status``
  starts with ``"already reached"``; the numbers are reported as they are.
* **Reachability in words** (:func:`reachability_status`): "all draws", "every draw"
  only when exactly so; a share that would round to 100% or 0% reads "nearly all draws
  (>99.9%)" or "almost no draws (<0.1%)".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_scaling import dims
from bayes_scaling.errors import ProjectionError
from bayes_scaling.model_types import (
    CURVE_FORM,
    HIERARCHICAL_LEARNING_CURVE,
    HIERARCHICAL_MODEL_SIZE,
)
from bayes_scaling.models.indexing import CURVE_SEP
from bayes_scaling.models.learning_curve import (
    curve_mean,
    plateau_share,
    relative_size_for_target,
)
from bayes_scaling.summaries import ci_defaults, posterior_interval
from bayes_scaling.targets import THOMPSON_THEORY_BOUND_K, Target

__all__ = [
    "Target",
    "compute_growth_factor",
    "growth_status",
    "implied_degree",
    "model_growth_factor",
    "project_data_growth",
    "project_form_growth",
    "project_growth",
    "reachability_status",
    "summarize_degree",
    "summarize_projection",
]

def parse_targets(specs: Iterable[Target | float | str] | Target | float | str, *,
                  metric: str | None = None) -> list[Target]:
    """Parse one or several target specs, rejecting an empty list and duplicates.

    With ``metric="error"``, absolute targets above 1 are rejected (not an error rate).
    """
    if isinstance(specs, Target | float | int | str):
        specs = [specs]
    targets = [Target.parse(s) for s in specs]
    if not targets:
        raise ProjectionError("at least one target is required (e.g. 0.05 or 'x0.5')")
    labels = [t.label for t in targets]
    if len(set(labels)) != len(labels):
        raise ProjectionError(f"duplicate targets {labels}")
    for t in targets:
        if metric == "error" and t.kind == "absolute" and t.value > 1:
            raise ProjectionError(f"target {t.value:g} is not an error rate; error targets must "
                                  "be in (0, 1]")
    return targets


def target_applicability(targets: Sequence[Target], curves: Sequence[str]) -> xr.DataArray:
    """Which target applies to which curve: booleans with dims (curve, target).

    Parameters
    ----------
    targets : sequence of Target
        Parsed targets (see :attr:`Target.scope`).
    curves : sequence of str
        Curve labels ``"domain/curve"``.

    Returns
    -------
    xarray.DataArray
        ``True`` where the target is about the curve (always, for unscoped targets).

    Raises
    ------
    ProjectionError
        If a target applies to none of the curves (it names curves the fit does not have).
    """
    labels = [str(c) for c in curves]
    parts = [label.split(CURVE_SEP, 1) if CURVE_SEP in label else [label, ""]
             for label in labels]
    columns = []
    for t in targets:
        mask = [t.applies_to(domain, curve) for domain, curve in parts]
        if not any(mask):
            raise ProjectionError(
                f"target {t.description} applies to the curves {t.scope} only (the table's "
                f"domain/curve names), and this fit has none; its curves are "
                f"{_listed(labels)}. To apply the same value to every curve, give the value "
                f"as a number ({t.label})")
        columns.append(mask)
    return xr.DataArray(np.array(columns, dtype=bool).T.reshape(len(labels), len(targets)),
                        dims=(dims.CURVE, dims.TARGET),
                        coords={dims.CURVE: labels, dims.TARGET: [t.label for t in targets]})


def _listed(names: Sequence[str], limit: int = 8) -> str:
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def target_notes(targets: Sequence[Target], applicable: xr.DataArray) -> list[str]:
    """In words, which curves a target was not projected for (targets for some curves)."""
    notes = []
    for t in targets:
        mask = applicable.sel({dims.TARGET: t.label}).values
        if mask.all():
            continue
        curves = applicable[dims.CURVE].values.astype(str)
        notes.append(f"target {t.description} applies to {t.scope} only: projected for "
                     f"{_listed(list(curves[mask]))}; not projected for "
                     f"{_listed(list(curves[~mask]))}")
    return notes


def target_values(now: xr.DataArray, targets: Sequence[Target]) -> xr.DataArray:
    """Per-draw target values on a new ``target`` dim: ``factor * now`` for relative targets
    (``now``: the curve's current fitted value per draw), the value itself for absolute ones."""
    values = [now * t.value if t.kind == "relative" else xr.full_like(now, t.value)
              for t in targets]
    return xr.concat(values, dim=dims.TARGET).assign_coords(
        {dims.TARGET: [t.label for t in targets]})


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
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.projection import project_data_growth
    >>> proj = project_data_growth(fit, ["x0.5", 0.02])  # half the current error; 2% error
    >>> dict(proj["data_growth"].sizes)
    {'chain': 2, 'draw': 200, 'curve': 4, 'target': 2}
    >>> proj["target"].values.tolist()
    ['x0.5', '0.02']
    >>> bool(((proj["p_reachable"] >= 0) & (proj["p_reachable"] <= 1)).all())
    True
    """
    if fit.attrs.get("model_type") != HIERARCHICAL_LEARNING_CURVE:
        raise ProjectionError(
            f"data-growth projection needs a {HIERARCHICAL_LEARNING_CURVE} fit, got "
            f"{fit.attrs.get('model_type')!r}"
        )
    metric = fit.attrs.get("metric", "error")
    targets = parse_targets(targets, metric=metric)
    post = fit["posterior"].to_dataset()
    const = fit["constant_data"].to_dataset()
    current = const["max_size"]
    ref = const["ref_size"]
    target_value = target_values(curve_mean(fit, current), targets)
    reachable = target_value > post["gamma"]
    # the form's analytic inverse, in units of the curve's reference size
    size = relative_size_for_target(target_value, post["scale_ref"], post["beta"],
                                    post["gamma"], plateau_share(fit)) * ref
    growth = (size / current).where(reachable, np.inf)
    return growth_dataset(growth, reachable, target_value, current, const["curve_domain"],
                          fit["posterior"][dims.DOMAIN].values, quantity="data_growth",
                          metric=metric, targets=targets)


#: The growth quantity of each size column.
SIZE_QUANTITY = {"data": "data_growth", "params": "model_growth", "compute": "compute_growth"}


def project_form_growth(fit: xr.DataTree,
                        targets: Sequence[Target | float | str] | str | float) -> xr.Dataset:
    """Growth of the fit's size axis needed to reach each target, for a ``curve_form`` fit.

    The size per draw is the family's inverse (analytic, or numeric where the family has
    none) of ``target / y_ref_c`` on the normalised scale, times ``m_ref_c``; draws where the
    family cannot reach the target (at or below its floor) are ``inf`` and lower
    ``p_reachable``.

    Parameters
    ----------
    fit : xarray.DataTree
        A :class:`~bayes_scaling.models.CurveFormModel` fit (NUTS or SMC).
    targets : target spec or sequence of them
        See :class:`Target`.

    Returns
    -------
    xarray.Dataset
        As :func:`project_data_growth`, with the quantity named after the size column
        (``data_growth``, ``model_growth`` or ``compute_growth``).

    Examples
    --------
    >>> from bayes_scaling.models import CurveFormModel, SMCConfig
    >>> from bayes_scaling.simulate import simulate_form_curves
    >>> sim = simulate_form_curves("power_law_irreducible",
    ...                            {"alpha": 0.1, "beta": 0.5, "gamma": 0.02}, seed=1)
    >>> fit = CurveFormModel(sim.frame, "power_law_irreducible").fit_smc(
    ...     SMCConfig(draws=200, chains=2, seed=1))
    >>> from bayes_scaling.projection import project_form_growth, summarize_projection
    >>> proj = project_form_growth(fit, ["x0.5"])
    >>> summarize_projection(proj)[["quantity", "level", "curve", "target"]]
          quantity   level         curve target
    0  data_growth   curve        sim/c0   x0.5
    1  data_growth  domain  (best curve)   x0.5
    """
    from bayes_scaling.curves import get_curve
    from bayes_scaling.models.form import form_curve_mean

    if fit.attrs.get("model_type") != CURVE_FORM:
        raise ProjectionError(f"project_form_growth needs a {CURVE_FORM} fit, got "
                              f"{fit.attrs.get('model_type')!r}")
    metric = fit.attrs.get("metric", "error")
    targets = parse_targets(targets, metric=metric)
    family = get_curve(fit.attrs["family"])
    post = fit["posterior"].to_dataset()
    const = fit["constant_data"].to_dataset()
    current = const["max_size"]
    target_value = target_values(form_curve_mean(fit, current), targets)
    scaled = target_value / np.exp(const["log_ref_metric"])
    params = {name: post[name] for name in family.parameters}
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        size = family.size_for_target(scaled, **params) * const["ref_size"]
    reachable = np.isfinite(size)
    growth = (size / current).where(reachable, np.inf)
    quantity = SIZE_QUANTITY.get(fit.attrs.get("size_column", "data"), "data_growth")
    domains = list(dict.fromkeys(const["curve_domain"].values.astype(str)))
    return growth_dataset(growth, reachable, target_value, current, const["curve_domain"],
                          domains, quantity=quantity, metric=metric, targets=targets)


def growth_dataset(growth: xr.DataArray, reachable: xr.DataArray, target_value: xr.DataArray,
                   current: xr.DataArray, curve_domain: xr.DataArray, domains: Sequence[str], *,
                   quantity: str, metric: str, targets: Sequence[Target]) -> xr.Dataset:
    """Assemble a growth projection: per curve, per domain (best curve) and ``p_reachable``.

    Targets for some curves only (:attr:`Target.scope`) count on those curves: elsewhere
    the growth is ``NaN`` and ``reachable`` false, a domain's best curve is chosen among
    the matching curves, and ``applicable`` / ``applicable_domain`` record which count.

    Parameters
    ----------
    growth, reachable, target_value : xarray.DataArray
        Per-draw growth factors (``inf`` where unreachable), reachability and target
        values, dims (chain, draw, curve, target).
    current : xarray.DataArray
        The largest observed size of each curve (curve).
    curve_domain : xarray.DataArray
        The domain of each curve (curve).
    domains : sequence of str
        The domains, in coordinate order.
    quantity : str
        Variable name, one of :data:`GROWTH_QUANTITIES` (``"data_growth"``...).
    metric : str
        ``"error"`` or ``"loss"``.
    targets : sequence of Target
        The parsed targets (recorded in attrs).
    """
    applicable = target_applicability(targets, growth[dims.CURVE].values)
    growth_domain, reach_domain, applicable_domain, domain_max = best_curve_per_domain(
        growth, reachable, applicable, current, curve_domain.values, domains)
    order = (dims.CHAIN, dims.DRAW, dims.CURVE, dims.TARGET)
    dom_order = (dims.CHAIN, dims.DRAW, dims.DOMAIN, dims.TARGET)
    out = xr.Dataset(
        {
            quantity: growth.where(applicable).transpose(*order),
            f"{quantity}_domain": growth_domain.transpose(*dom_order),
            "target_value": target_value.transpose(*order),
            "reachable": (reachable & applicable).transpose(*order),
            "reachable_domain": reach_domain.transpose(*dom_order),
            "applicable": applicable,
            "applicable_domain": applicable_domain,
        }
    )
    out["p_reachable"] = out["reachable"].mean((dims.CHAIN, dims.DRAW))
    out["p_reachable_domain"] = out["reachable_domain"].mean((dims.CHAIN, dims.DRAW))
    out["current_size"] = current
    out["current_size_domain"] = domain_max
    if "curve_domain" not in out.coords:
        out = out.assign_coords(curve_domain=(dims.CURVE, np.asarray(curve_domain.values)))
    out.attrs.update({"quantity": quantity, "metric": metric,
                      "targets": [f"{t.kind}:{t.value:g}" for t in targets]})
    notes = target_notes(targets, applicable)
    if notes:
        out.attrs["target_notes"] = notes
    return out


def best_curve_per_domain(growth: xr.DataArray, reachable: xr.DataArray,
                          applicable: xr.DataArray, current: xr.DataArray,
                          curve_domain: Sequence[str] | np.ndarray, domains: Sequence[str],
                          ) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray, xr.DataArray]:
    """Domain level of a growth projection: the best (least-growth) applicable curve.

    Parameters
    ----------
    growth, reachable : xarray.DataArray
        Per-draw growth (``inf`` where unreachable) and reachability (chain, draw, curve,
        target).
    applicable : xarray.DataArray
        Which target applies to which curve (curve, target).
    current : xarray.DataArray
        The largest observed size of each curve (curve).
    curve_domain : sequence of str
        The domain of each curve.
    domains : sequence of str
        The domains, in coordinate order.

    Returns
    -------
    tuple of xarray.DataArray
        Growth relative to the largest size observed in the domain (``NaN`` where the
        target applies to no curve of the domain), reachability, applicability (domain,
        target) and the domain's largest size (domain).
    """
    curve_domain = np.asarray(curve_domain)
    growth_d, reach_d, apply_d, largest = [], [], [], []
    for dom in domains:
        members = {dims.CURVE: np.flatnonzero(curve_domain == dom)}
        dom_current = current.isel(members)
        largest.append(float(dom_current.max()))
        usable = applicable.isel(members)
        # growth relative to the largest size observed anywhere in the domain; curves the
        # target is not about never win (inf), so no all-NaN reduction happens
        rescaled = (growth.isel(members) * dom_current / largest[-1]).where(usable, np.inf)
        any_usable = usable.any(dims.CURVE)
        growth_d.append(rescaled.min(dims.CURVE).where(any_usable))
        reach_d.append((reachable.isel(members) & usable).any(dims.CURVE))
        apply_d.append(any_usable)
    coord = {dims.DOMAIN: list(domains)}

    def stack(parts: list[xr.DataArray]) -> xr.DataArray:
        return xr.concat(parts, dim=dims.DOMAIN).assign_coords(coord)

    return (stack(growth_d), stack(reach_d), stack(apply_d),
            xr.DataArray(largest, dims=dims.DOMAIN, coords=coord))


def model_growth_factor(data_growth: Any, beta_p: Any) -> Any:
    """Model growth that goes with a data growth: ``data_growth ** beta_p`` (Hestness 2017).

    Examples
    --------
    >>> round(float(model_growth_factor(100.0, 0.68)), 1)  # Hestness 2019, word LM
    22.9
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return data_growth**beta_p


def compute_growth_factor(data_growth: Any, model_growth: Any,
                          exponents: tuple[float, float] = (1.0, 1.0)) -> Any:
    """Compute growth ``data_growth ** a * model_growth ** b`` (default ``C ∝ N · D``).

    Examples
    --------
    >>> float(compute_growth_factor(100.0, 23.0))
    2300.0
    """
    a, b = exponents
    with np.errstate(over="ignore", invalid="ignore"):
        return data_growth**a * model_growth**b


def implied_degree(beta_g: Any, beta_p: Any) -> Any:
    """Compute-polynomial degree ``k = (1 + beta_p) / beta_g``.

    With ``error ∝ m^-beta_g``, best model size ``∝ m^beta_p`` and compute ``∝ m · s(m)``,
    compute grows as ``error^-k``.

    Examples
    --------
    >>> round(float(implied_degree(0.3, 0.7)), 3)
    5.667
    """
    return (1.0 + beta_p) / beta_g


def _paired_draws(source: xr.DataArray, like: xr.DataArray, seed: int) -> xr.DataArray:
    """Put draws of an independent posterior on ``like``'s (chain, draw) grid.

    Two separately fitted posteriors are independent, so pairing draw ``i`` of one with
    draw ``i`` of the other is a valid joint sample. When the grids differ, draws are
    resampled (with replacement, seeded) to ``like``'s shape.
    """
    sample = (dims.CHAIN, dims.DRAW)
    if all(source.sizes[d] == like.sizes[d] for d in sample):
        return source.assign_coords({d: like[d] for d in sample})
    source = source.transpose(*sample, ...)
    flat = source.values.reshape(-1, *source.shape[2:])
    shape = (like.sizes[dims.CHAIN], like.sizes[dims.DRAW])
    idx = np.random.default_rng(seed).integers(0, flat.shape[0], size=shape)
    other = {d: source[d] for d in source.dims[2:] if d in source.coords}
    return xr.DataArray(flat[idx], dims=source.dims,
                        coords={dims.CHAIN: like[dims.CHAIN], dims.DRAW: like[dims.DRAW], **other})


def project_growth(
    fit: xr.DataTree,
    targets: Sequence[Target | float | str] | str | float,
    *,
    model_size_fit: xr.DataTree | None = None,
    compute_exponents: tuple[float, float] = (1.0, 1.0),
    compute_growth_per_year: float | None = None,
    seed: int = 0,
) -> xr.Dataset:
    """Data, model and compute growth to reach targets, and the implied degree k.

    Parameters
    ----------
    fit : xarray.DataTree
        A ``hierarchical_learning_curve`` fit (exponent ``beta_g``).
    targets : target spec or sequence of them
        See :class:`Target`.
    model_size_fit : xarray.DataTree, optional
        A ``hierarchical_model_size`` fit of the same curves (exponent ``beta_p``).
        Without it only data growth is projected.
    compute_exponents : (float, float), default (1, 1)
        ``compute_growth = data_growth ** a * model_growth ** b``; the default is
        ``C ∝ N · D`` (compute proportional to model size times data).
    compute_growth_per_year : float, optional
        Assumed growth factor of available compute per year (e.g. 4.0); adds
        ``years_to_target = log(compute_growth) / log(rate)``.
    seed : int, default 0
        Seed for resampling draws when the two fits have different draw counts.

    Returns
    -------
    xarray.Dataset
        Everything of :func:`project_data_growth`, plus (with ``model_size_fit``)
        ``model_growth``, ``compute_growth`` at curve, domain and population level
        (``model_growth = data_growth ** beta_p``), ``implied_k`` (curve),
        ``implied_k_domain`` (domain), ``implied_k_global`` with
        ``k = (1 + beta_p) / beta_g`` (Hestness 2017; ``compute ∝ error^-k`` when
        the error follows the power law), and ``years_to_target`` if a rate is given.
        Population level (``*_population``): a new curve at the population-mean
        exponents, for relative targets only, applied to the power-law part.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.models import HierarchicalModelSize
    >>> sizes = HierarchicalModelSize(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.projection import project_growth
    >>> proj = project_growth(fit, ["x0.5"], model_size_fit=sizes, compute_growth_per_year=4.0)
    >>> [name for name in proj.data_vars if name.endswith("_population")]
    ... # doctest: +NORMALIZE_WHITESPACE
    ['data_growth_population', 'reachable_population', 'model_growth_population',
     'compute_growth_population', 'years_to_target_population']
    >>> dict(proj["implied_k_domain"].sizes)
    {'chain': 2, 'draw': 200, 'domain': 2}
    """
    out = project_data_growth(fit, targets)
    post = fit["posterior"]
    parsed = parse_targets(targets)
    # a new curve at the population-mean exponents: relative targets for every curve only
    factor = xr.DataArray([t.value if t.kind == "relative" and t.scope is None else np.nan
                           for t in parsed],
                          dims=dims.TARGET, coords={dims.TARGET: out[dims.TARGET].values})
    with np.errstate(invalid="ignore"):
        out["data_growth_population"] = factor ** (-1.0 / post["beta_global"])
    out["reachable_population"] = out["data_growth_population"].notnull()
    if model_size_fit is None:
        return out
    if model_size_fit.attrs.get("model_type") != HIERARCHICAL_MODEL_SIZE:
        raise ProjectionError(f"model_size_fit must be a {HIERARCHICAL_MODEL_SIZE} fit, got "
                              f"{model_size_fit.attrs.get('model_type')!r}")
    ms = model_size_fit["posterior"]
    missing = sorted(set(post[dims.CURVE].values) - set(ms[dims.CURVE].values))
    if missing:
        raise ProjectionError(f"the model-size fit lacks curve(s) {missing}; fit both models "
                              "to the same table")
    like = post["beta"]
    beta_p = _paired_draws(ms["beta_p"].sel({dims.CURVE: post[dims.CURVE].values}), like, seed)
    beta_p_domain = _paired_draws(ms["beta_p_domain"].sel(
        {dims.DOMAIN: post[dims.DOMAIN].values}), like, seed)
    beta_p_global = _paired_draws(ms["beta_p_global"], like, seed)
    a, b = (float(v) for v in compute_exponents)
    for suffix, bp in (("", beta_p), ("_domain", beta_p_domain),
                       ("_population", beta_p_global)):
        data_growth = out[f"data_growth{suffix}"]
        model_growth = model_growth_factor(data_growth, bp)
        out[f"model_growth{suffix}"] = model_growth
        out[f"compute_growth{suffix}"] = compute_growth_factor(data_growth, model_growth, (a, b))
        if compute_growth_per_year is not None:
            rate = float(compute_growth_per_year)
            if not rate > 1:
                raise ProjectionError(f"compute_growth_per_year must be > 1, got {rate}")
            with np.errstate(divide="ignore"):
                out[f"years_to_target{suffix}"] = (np.log(out[f"compute_growth{suffix}"])
                                                  / np.log(rate))
    out["implied_k"] = implied_degree(post["beta"], beta_p)
    out["implied_k_domain"] = implied_degree(post["beta_domain"], beta_p_domain)
    out["implied_k_global"] = implied_degree(post["beta_global"], beta_p_global)
    out.attrs.update({"compute_exponents": [a, b],
                      "compute_definition": f"compute_growth = data_growth^{a:g} * "
                                            f"model_growth^{b:g}"})
    if compute_growth_per_year is not None:
        out.attrs["compute_growth_per_year"] = float(compute_growth_per_year)
    return out


GROWTH_QUANTITIES: tuple[str, ...] = ("data_growth", "model_growth", "compute_growth",
                                      "years_to_target")


#: Shares of draws closer than this to 0 or 1 are not printed as a percentage (they
#: would round to 0.0% or 100.0%).
_SHARE_RESOLUTION = 0.0005


def reachability_status(p: float, *, floor: str = "the irreducible error") -> str:
    """Words for a ``p_reachable`` value, naming what blocks the target (``floor``).

    Exactly 1 reads "reachable in all draws", exactly 0 "unreachable: ... in every draw";
    a share in between is given to one decimal with the rest, except that a share that
    would round to 100% or 0% reads "nearly all draws (>99.9% ...)" or "almost no draws
    (<0.1% ...)": the status never claims 100.0% of draws while naming a rest.

    Examples
    --------
    >>> reachability_status(0.25).split(";")[0]
    'reachable in 25.0% of draws (target at or below the irreducible error in the other 75.0%)'
    >>> reachability_status(0.99975).split(";")[0]
    'reachable in nearly all draws (>99.9%'
    """
    if p >= 1.0:
        return "reachable in all draws"
    if p <= 0.0:
        return f"unreachable: target at or below {floor} in every draw"
    shown, rest = f"{100 * p:.1f}", f"{100 * (1 - p):.1f}"
    if p >= 1 - _SHARE_RESOLUTION or shown == "100.0" or rest == "0.0":
        share = f"nearly all draws (>99.9%; target at or below {floor} in <0.1%)"
    elif p < _SHARE_RESOLUTION or shown == "0.0" or rest == "100.0":
        share = f"almost no draws (<0.1%; target at or below {floor} in >99.9%)"
    else:
        share = f"{shown}% of draws (target at or below {floor} in the other {rest}%)"
    return f"reachable in {share}; interval over reachable draws"


def already_reached(median: float, threshold: float = 1.0) -> bool:
    """Whether a projected median (growth factor, or years to target with
    ``threshold=0``) says the target is already reached today."""
    return bool(np.isfinite(median) and median < threshold)


def growth_status(p: float, median: float, *, quantity: str,
                  floor: str = "the irreducible error", reach: str | None = None) -> str:
    """The ``status`` of a projection row: "already reached" first when the median growth
    is below 1 (years to target below 0), then the reachability in words.

    Parameters
    ----------
    p : float
        ``p_reachable``.
    median : float
        The row's median (over reachable draws; ``NaN`` when none is).
    quantity : str
        The row's quantity (``data_growth``, ..., ``years_to_target``).
    floor : str
        What blocks the target (see :func:`reachability_status`).
    reach : str, optional
        The reachability text to use instead of :func:`reachability_status`.

    Examples
    --------
    >>> growth_status(1.0, 0.4, quantity="data_growth").split(" (")[-1]
    'median growth 0.4 < 1)'
    """
    custom = reach is not None
    reach = reach if reach is not None else reachability_status(p, floor=floor)
    years = quantity == "years_to_target"
    if not already_reached(median, 0.0 if years else 1.0):
        return reach
    what = (f"median years to target {median:.3g} < 0" if years
            else f"median growth {median:.3g} < 1")
    text = ("already reached: the fitted curve is at or below the target at the current "
            f"size ({what})")
    return text if p >= 1.0 and not custom else f"{text}; {reach}"


def summarize_projection(projection: xr.Dataset, *, ci_prob: float | None = None,
                         ci_kind: str | None = None) -> pd.DataFrame:
    """Tidy summary table of a growth projection.

    Parameters
    ----------
    projection : xarray.Dataset
        Output of :func:`project_data_growth` or :func:`project_growth`.
    ci_prob : float, optional
        Interval probability; default ``arviz.rcParams["stats.ci_prob"]``.
    ci_kind : {"eti", "hdi"}, optional
        Interval kind; default ``arviz.rcParams["stats.ci_kind"]``.

    Returns
    -------
    pandas.DataFrame
        One row per (quantity, level, domain, curve, target): ``p_reachable``,
        ``median``, ``lower``, ``upper`` (over reachable draws; missing only when
        ``p_reachable == 0``, which ``status`` then states), ``ci_prob``, ``ci_kind``,
        ``target_value`` (median; curve and domain levels), ``current_size`` and
        ``status`` (starting "already reached" when the median growth is below 1).
        Levels: ``curve``, ``domain`` (best curve of the domain) and ``population``
        (relative targets for every curve only). A target for some curves only (see
        :attr:`Target.scope`) has rows for those curves and their domains only;
        ``projection.attrs["target_notes"]`` says which curves were left out.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.projection import project_growth, summarize_projection
    >>> table = summarize_projection(project_growth(fit, ["x0.5"]), ci_prob=0.9)
    >>> table.columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['quantity', 'level', 'domain', 'curve', 'target', 'target_value', 'current_size',
     'p_reachable', 'median', 'lower', 'upper', 'ci_prob', 'ci_kind', 'status']
    >>> table[["level", "domain", "curve"]].drop_duplicates().values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['curve', 'digits', 'digits/mlp-1x'], ['curve', 'digits', 'digits/mlp-2x'],
     ['curve', 'mnist1d', 'mnist1d/mlp-1x'], ['curve', 'mnist1d', 'mnist1d/mlp-2x'],
     ['domain', 'digits', '(best curve)'], ['domain', 'mnist1d', '(best curve)'],
     ['population', '(population)', '(new curve)']]
    """
    ci_prob, ci_kind = ci_defaults(ci_prob, ci_kind)
    sample = (dims.CHAIN, dims.DRAW)
    target_median = projection["target_value"].median(sample)
    curve_domain = projection["curve_domain"]
    every = xr.ones_like(projection["p_reachable"], dtype=bool)
    applicable = projection.get("applicable", every)  # older projections: every curve
    applies = {"curve": applicable,
               "domain": projection.get("applicable_domain",
                                        xr.ones_like(projection["p_reachable_domain"],
                                                     dtype=bool)),
               "population": applicable.all(dims.CURVE)}
    rows = []
    levels = (("curve", "", dims.CURVE), ("domain", "_domain", dims.DOMAIN),
              ("population", "_population", None))
    for quantity in GROWTH_QUANTITIES:
        for level, suffix, dim in levels:
            var = f"{quantity}{suffix}"
            if var not in projection:
                continue
            reach = projection[f"reachable{suffix}"]
            p_reach = reach.mean(sample)
            med, low, up = posterior_interval(projection[var], ci_prob, ci_kind, valid=reach,
                                              log=quantity != "years_to_target")
            names = projection[dim].values if dim else [None]
            for name in names:
                for target in projection[dims.TARGET].values:
                    sel = {dims.TARGET: target, **({dim: name} if dim else {})}
                    if level == "population" and str(target)[0] != "x":
                        continue  # defined for relative targets only
                    if not bool(applies[level].sel(sel)):
                        continue  # a target for other curves: no row (see target_notes)
                    if level == "curve":
                        domain = str(curve_domain.sel({dims.CURVE: name}).item())
                        curve, tval = str(name), float(target_median.sel(sel))
                        current = float(projection["current_size"].sel({dim: name}))
                    elif level == "domain":
                        members = curve_domain[dims.CURVE].values[curve_domain.values == name]
                        members = [m for m in members
                                   if bool(applicable.sel({dims.CURVE: m, dims.TARGET: target}))]
                        domain, curve = str(name), "(best curve)"
                        tval = float(target_median.sel({dims.CURVE: members,
                                                        dims.TARGET: target}).min())
                        current = float(projection["current_size_domain"].sel({dim: name}))
                    else:
                        domain, curve, tval, current = "(population)", "(new curve)", np.nan, np.nan
                    p, median = float(p_reach.sel(sel)), float(med.sel(sel))
                    reach = (None if level != "population" else
                             "power-law part only (no floor), population-mean exponents")
                    rows.append({
                        "quantity": quantity, "level": level, "domain": domain, "curve": curve,
                        "target": str(target), "target_value": tval, "current_size": current,
                        "p_reachable": p, "median": median,
                        "lower": float(low.sel(sel)), "upper": float(up.sel(sel)),
                        "ci_prob": ci_prob, "ci_kind": ci_kind,
                        "status": growth_status(p, median, quantity=quantity, reach=reach),
                    })
    table = pd.DataFrame(rows)
    for col in ("median", "lower", "upper", "target_value", "current_size"):
        table[col] = table[col].astype("Float64").mask(table[col].isna(), pd.NA)
    return table


def summarize_degree(projection: xr.Dataset, *, ci_prob: float | None = None,
                     ci_kind: str | None = None) -> pd.DataFrame:
    """Implied compute-polynomial degree ``k = (1 + beta_p) / beta_g`` per curve, domain, global.

    Parameters
    ----------
    projection : xarray.Dataset
        Output of :func:`project_growth` with a model-size fit.
    ci_prob, ci_kind : optional
        Interval settings (ArviZ defaults).

    Returns
    -------
    pandas.DataFrame
        ``level, domain, curve, median, lower, upper, ci_prob, ci_kind,
        p_above_theory_bound`` (posterior probability that k exceeds Thompson et al.'s
        theoretical lower bound 4) and ``theory_bound``.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.models import HierarchicalModelSize
    >>> sizes = HierarchicalModelSize(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.projection import project_growth, summarize_degree
    >>> degree = summarize_degree(project_growth(fit, ["x0.5"], model_size_fit=sizes))
    >>> degree[["level", "domain", "curve"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['curve', 'digits', 'digits/mlp-1x'], ['curve', 'digits', 'digits/mlp-2x'],
     ['curve', 'mnist1d', 'mnist1d/mlp-1x'], ['curve', 'mnist1d', 'mnist1d/mlp-2x'],
     ['domain', 'digits', '(domain)'], ['domain', 'mnist1d', '(domain)'],
     ['population', '(population)', '(population)']]
    >>> float(degree["theory_bound"].iloc[0])  # Thompson et al.'s bound
    4.0
    """
    if "implied_k" not in projection:
        raise ProjectionError("the projection has no implied degree: pass model_size_fit= to "
                              "project_growth()")
    return degree_table(projection["implied_k"], projection["implied_k_domain"],
                        projection["implied_k_global"], projection["curve_domain"],
                        ci_prob=ci_prob, ci_kind=ci_kind)


def degree_table(k_curve: xr.DataArray, k_domain: xr.DataArray, k_global: xr.DataArray,
                 curve_domain: xr.DataArray, *, ci_prob: float | None = None,
                 ci_kind: str | None = None) -> pd.DataFrame:
    """Table of a degree ``k`` posterior at curve, domain and population level.

    The one layout shared by the implied degree (:func:`summarize_degree`) and the
    fitted degree (:func:`bayes_scaling.compute_projection.summarize_degree_fit`).

    Parameters
    ----------
    k_curve, k_domain, k_global : xarray.DataArray
        Draws of k with dims ``(chain, draw, curve)``, ``(chain, draw, domain)`` and
        ``(chain, draw)``.
    curve_domain : xarray.DataArray
        The domain of each curve (dim ``curve``).
    ci_prob, ci_kind : optional
        Interval settings (ArviZ defaults).

    Returns
    -------
    pandas.DataFrame
        ``level, domain, curve, median, lower, upper, ci_prob, ci_kind,
        p_above_theory_bound, theory_bound``.
    """
    ci_prob, ci_kind = ci_defaults(ci_prob, ci_kind)
    sample = (dims.CHAIN, dims.DRAW)
    rows = []
    for level, k, dim in (("curve", k_curve, dims.CURVE), ("domain", k_domain, dims.DOMAIN),
                          ("population", k_global, None)):
        med, low, up = posterior_interval(k, ci_prob, ci_kind)
        above = (k > THOMPSON_THEORY_BOUND_K).mean(sample)
        for name in (k[dim].values if dim else [None]):
            sel = {dim: name} if dim else {}
            domain = (str(curve_domain.sel(sel).item()) if level == "curve"
                      else str(name) if level == "domain" else "(population)")
            rows.append({"level": level, "domain": domain,
                         "curve": str(name) if level == "curve" else f"({level})",
                         "median": float(med.sel(sel)), "lower": float(low.sel(sel)),
                         "upper": float(up.sel(sel)), "ci_prob": ci_prob, "ci_kind": ci_kind,
                         "p_above_theory_bound": float(above.sel(sel)),
                         "theory_bound": THOMPSON_THEORY_BOUND_K})
    return pd.DataFrame(rows)


def attach_projection(fit: xr.DataTree, projection: xr.Dataset) -> xr.DataTree:
    """Return a copy of ``fit`` with the projection stored as its ``projections`` group."""
    tree = fit.copy()
    tree["projections"] = xr.DataTree(projection)
    return tree
