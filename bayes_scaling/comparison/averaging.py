"""Averaging over functional forms: weights, and mixtures of posterior draws.

An averaged quantity (a projection, a predictive distribution) is the **mixture** of the
forms' posterior distributions with weights ``w_k``: each output draw comes from form
``k`` with probability ``w_k``. Form uncertainty therefore widens the intervals instead
of being hidden by picking one form. Two weightings, the user's choice:

* ``"stacking"``: ArviZ's stacking weights from PSIS-LOO (Yao et al. 2018), which
  optimise the predictive distribution of the mixture;
* ``"evidence"``: posterior model probabilities from the marginal likelihoods (equal
  prior model probabilities), i.e. Bayesian model averaging.

Draws are allocated by the largest-remainder rule (``round(w_k * n)``, totals exact)
and taken without replacement from each form's pooled chains, with a fixed seed.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from bayes_scaling import dims
from bayes_scaling.errors import ModelConfigError

__all__ = ["WEIGHTINGS", "allocate_draws", "mix_draws", "model_weights"]

WEIGHTINGS: tuple[str, ...] = ("stacking", "evidence")


def model_weights(*, method: str, loo: pd.DataFrame | None = None,
                  evidence: pd.DataFrame | None = None) -> pd.Series:
    """Averaging weights per model from a comparison table.

    Parameters
    ----------
    method : {"stacking", "evidence"}
        ``"stacking"`` reads the ``weight`` column of an ArviZ ``compare`` table
        (computed with ``method="stacking"``); ``"evidence"`` the ``prob`` column of
        :func:`~bayes_scaling.comparison.evidence.compare_evidence`.
    loo, evidence : pandas.DataFrame, optional
        The tables.

    Returns
    -------
    pandas.Series
        Non-negative weights summing to 1, indexed by model name.

    Examples
    --------
    >>> import pandas as pd
    >>> from bayes_scaling.comparison import model_weights
    >>> loo = pd.DataFrame({"weight": [0.75, 0.25]}, index=["a", "b"])  # an arviz compare table
    >>> model_weights(method="stacking", loo=loo).to_dict()
    {'a': 0.75, 'b': 0.25}
    """
    if method not in WEIGHTINGS:
        raise ModelConfigError(f"weighting must be one of {list(WEIGHTINGS)}, got {method!r}")
    table, column = (loo, "weight") if method == "stacking" else (evidence, "prob")
    if table is None:
        needed = "a PSIS-LOO table" if method == "stacking" else "an evidence table"
        raise ModelConfigError(f"{method} weights need {needed}; run that comparison first")
    weights = table[column].astype(float).clip(lower=0.0)
    total = weights.sum()
    if not np.isfinite(total) or total <= 0:
        raise ModelConfigError(f"{method} weights do not sum to a positive number: "
                               f"{weights.to_dict()}")
    return (weights / total).rename("weight")


def allocate_draws(weights: Mapping[str, float], n: int) -> dict[str, int]:
    """Split ``n`` draws by weight with the largest-remainder rule (counts sum to ``n``).

    Examples
    --------
    >>> allocate_draws({"a": 0.5, "b": 0.3, "c": 0.2}, 7)
    {'a': 4, 'b': 2, 'c': 1}
    """
    names = list(weights)
    w = np.array([float(weights[k]) for k in names])
    if np.any(w < 0) or not np.isfinite(w).all() or w.sum() <= 0:
        raise ModelConfigError(f"weights must be finite, non-negative and not all 0: "
                               f"{dict(weights)}")
    exact = w / w.sum() * n
    counts = np.floor(exact).astype(int)
    remainder = n - counts.sum()
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:remainder]] += 1
    return dict(zip(names, counts.tolist(), strict=True))


def mix_draws(datasets: Mapping[str, xr.Dataset], weights: Mapping[str, float], *,
              n_draws: int | None = None, seed: int = 0) -> xr.Dataset:
    """Mixture of several models' posterior draws of the same quantities.

    Parameters
    ----------
    datasets : mapping of str to xarray.Dataset
        Per model, variables with dims (chain, draw, ...); the same variables and
        non-sample coordinates in every model. All variables of one draw are kept
        together (a draw is a joint sample).
    weights : mapping of str to float
        Mixture weights (normalised here); models with weight 0 contribute no draws.
    n_draws : int, optional
        Draws in the mixture; default the smallest model's number of draws.
    seed : int
        Seed of the draw selection.

    Returns
    -------
    xarray.Dataset
        Dims (chain=1, draw=n_draws, ...); ``attrs["weights"]`` and ``attrs["counts"]``.

    Examples
    --------
    >>> import numpy as np
    >>> import xarray as xr
    >>> from bayes_scaling.comparison import mix_draws
    >>> a = xr.Dataset({"k": (("chain", "draw"), np.zeros((2, 100)))})
    >>> b = xr.Dataset({"k": (("chain", "draw"), np.ones((2, 100)))})
    >>> mixed = mix_draws({"a": a, "b": b}, {"a": 3, "b": 1}, seed=1)
    >>> dict(mixed.sizes), float(mixed["k"].mean())
    ({'chain': 1, 'draw': 200}, 0.25)
    """
    missing = sorted(set(weights) - set(datasets))
    if missing:
        raise ModelConfigError(f"weights for models without draws: {missing}")
    names = [k for k in datasets if float(weights.get(k, 0.0)) > 0]
    if not names:
        raise ModelConfigError("every model has weight 0")
    sample = list(dims.SAMPLE_DIMS)
    stacked = {k: datasets[k].stack(_sample=sample).drop_vars(
        [dims.CHAIN, dims.DRAW, "_sample"]) for k in names}
    sizes = {k: ds.sizes["_sample"] for k, ds in stacked.items()}
    n = min(sizes.values()) if n_draws is None else int(n_draws)
    if n < 1:
        raise ModelConfigError(f"n_draws must be >= 1, got {n}")
    counts = allocate_draws({k: float(weights[k]) for k in names}, n)
    rng = np.random.default_rng(seed)
    parts = []
    for k in names:
        if counts[k] == 0:
            continue
        pick = rng.choice(sizes[k], size=counts[k], replace=counts[k] > sizes[k])
        parts.append(stacked[k].isel(_sample=np.sort(pick)))
    mixed = xr.concat(parts, dim="_sample", join="exact", coords="minimal",
                      compat="override")
    mixed = mixed.isel(_sample=rng.permutation(mixed.sizes["_sample"]))
    mixed = mixed.rename({"_sample": dims.DRAW}).expand_dims({dims.CHAIN: [0]})
    mixed = mixed.assign_coords({dims.DRAW: np.arange(mixed.sizes[dims.DRAW])})
    mixed = mixed.transpose(dims.CHAIN, dims.DRAW, ...)
    mixed.attrs.update({"weights": {k: float(weights[k]) for k in datasets},
                        "counts": {k: int(counts.get(k, 0)) for k in datasets}})
    return mixed


def average_projection(projections: Mapping[str, xr.Dataset], weights: Mapping[str, float], *,
                       n_draws: int | None = None, seed: int = 0) -> xr.Dataset:
    """Mixture of several forms' growth projections (see :func:`mix_draws`).

    Parameters
    ----------
    projections : mapping of str to xarray.Dataset
        Outputs of :func:`bayes_scaling.projection.project_form_growth` for the same
        table and targets, keyed by model name.
    weights : mapping of str to float
        Mixture weights (e.g. :func:`model_weights`).

    Returns
    -------
    xarray.Dataset
        The same variables, with draws from the mixture and ``p_reachable`` recomputed;
        summarise with :func:`bayes_scaling.projection.summarize_projection`.

    Examples
    --------
    >>> from bayes_scaling.simulate import simulate_form_curves
    >>> sim = simulate_form_curves("power_law_irreducible",
    ...                            {"alpha": 0.1, "beta": 0.5, "gamma": 0.02}, seed=1)
    >>> from bayes_scaling.models import CurveFormModel, SMCConfig
    >>> smc = SMCConfig(draws=200, chains=2, seed=1)
    >>> fits = {form: CurveFormModel(sim.frame, form).fit_smc(smc)
    ...         for form in ("power_law", "power_law_irreducible")}
    >>> from bayes_scaling.comparison import average_projection
    >>> from bayes_scaling.projection import project_form_growth, summarize_projection
    >>> projections = {name: project_form_growth(fit, ["x0.5"]) for name, fit in fits.items()}
    >>> mixed = average_projection(projections, {"power_law": 0.2, "power_law_irreducible": 0.8})
    >>> summarize_projection(mixed)[["quantity", "level", "curve"]]
          quantity   level         curve
    0  data_growth   curve        sim/c0
    1  data_growth  domain  (best curve)
    """
    first = next(iter(projections.values()))
    per_draw = [v for v in first.data_vars if dims.DRAW in first[v].dims]
    mixed = mix_draws({k: p[per_draw] for k, p in projections.items()}, weights,
                      n_draws=n_draws, seed=seed)
    fixed = first[[v for v in first.data_vars if v not in per_draw
                   and not v.startswith("p_reachable")]]
    out = xr.merge([mixed, fixed], combine_attrs="drop", compat="override", join="exact")
    out["p_reachable"] = out["reachable"].mean(list(dims.SAMPLE_DIMS))
    out["p_reachable_domain"] = out["reachable_domain"].mean(list(dims.SAMPLE_DIMS))
    out.attrs.update({**first.attrs, "averaged_over": list(projections),
                      "weights": mixed.attrs["weights"], "counts": mixed.attrs["counts"]})
    return out
