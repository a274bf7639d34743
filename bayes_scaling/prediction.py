"""Posterior-predictive median and central intervals at new rows, for every NUTS fit type.

``predict(fit, rows)`` rebuilds the model a saved fit was sampled from (``from_fit``), adds
the predictive at the rows to it (the model class's ``add_predictive``, which reuses the
model's own variables and likelihood family) and draws it with PyMC's
``pm.sample_posterior_predictive`` over the fit's posterior. Rows are processed in chunks,
so memory is O(chunk rows x draws), never rows x curves x draws.

What is predicted, per fit type:

=============================== ========================== =====================================
fit                             rows need                  predicted
=============================== ========================== =====================================
``HierarchicalLearningCurve``   ``data``                   the metric (error or loss)
``JointScalingLaw``             ``params``, ``data``       the loss ``L(N, D)``
``HierarchicalComputeScaling``  ``compute`` (+ ``year``    the error at that compute (and year)
                                with a trend)
``HierarchicalModelSize``       ``data``                   the best model size ``best_params``
=============================== ========================== =====================================

The intervals are *predictive*: they hold a new measurement (the fitted law, for the
learning curve also the discrepancy between the form and the real curve, which grows with
the distance beyond the fitted sizes, and the measurement noise; for the joint law the same
with ``discrepancy=True``, along model sizes and token counts), not only the mean law.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr

from bayes_scaling import dims
from bayes_scaling.data import validate_prediction_rows
from bayes_scaling.errors import ModelConfigError
from bayes_scaling.models import MODELS
from bayes_scaling.models.indexing import curve_label

__all__ = ["DEFAULT_PROBS", "predict", "predictable_model_types", "predictive_draws"]

#: Central interval probabilities of :func:`predict` when none are given.
DEFAULT_PROBS: tuple[float, ...] = (0.5, 0.9)

#: Rows drawn per call of ``pm.sample_posterior_predictive`` (memory ~ rows x draws).
CHUNK_ROWS: int = 2000


def predictable_model_types() -> list[str]:
    """Model types whose fits :func:`predict` accepts.

    Examples
    --------
    >>> from bayes_scaling.prediction import predictable_model_types
    >>> predictable_model_types()  # doctest: +NORMALIZE_WHITESPACE
    ['compute_scaling', 'hierarchical_learning_curve', 'hierarchical_model_size',
     'joint_scaling']
    """
    return sorted(name for name, cls in MODELS.items() if hasattr(cls, "add_predictive"))


def _refuse(model_type: Any) -> ModelConfigError:
    cls = MODELS.get(str(model_type))
    reason = getattr(cls, "prediction_unsupported", "")
    return ModelConfigError(
        f"predict does not support fits of model type {model_type!r}"
        + (f" ({reason})" if reason else "") + f"; it supports {predictable_model_types()}")


def _check_probs(probs: Sequence[float] | float | None) -> tuple[float, ...]:
    if probs is None:
        return DEFAULT_PROBS
    values = (probs,) if isinstance(probs, int | float) else tuple(probs)
    if not values:
        raise ModelConfigError("probs must name at least one interval probability")
    for p in values:
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0.0 < float(p) < 1.0:
            raise ModelConfigError(f"interval probabilities must be numbers in (0, 1), got {p!r}")
    return tuple(sorted({float(p) for p in values}))


def predict(fit: xr.DataTree, rows: pd.DataFrame, *, probs: Sequence[float] | float | None = None,
            seed: int = 2026, chunk_rows: int = CHUNK_ROWS) -> pd.DataFrame:
    """Posterior-predictive median and central intervals at ``rows``.

    Parameters
    ----------
    fit : xarray.DataTree
        A NUTS fit of a learning-curve, joint-law, compute-scaling or model-size model
        (:func:`bayes_scaling.io.load_fit` or a model's ``fit()``; see
        :func:`predictable_model_types`).
    rows : pandas.DataFrame
        ``domain``, ``curve`` and the columns the fit's model needs: ``data`` (learning
        curves, model size), ``params`` and ``data`` (joint law), ``compute`` and, with a
        year trend, ``year`` (compute scaling). A column of what is predicted (the metric,
        or ``params`` for model size), if present, is kept beside the prediction. A curve
        the fit has not seen gets the population's predictive for a new curve of its
        domain (said in the ``curve_status`` column) where the model pools curves
        (learning curve, model size, polynomial compute scaling); the joint law and the
        exponential compute form refuse it.
    probs : float or sequence of float, optional
        Central interval probabilities (default :data:`DEFAULT_PROBS`).
    seed : int
        Random seed of the predictive draws.
    chunk_rows : int
        Rows per predictive call (bounds memory at ``chunk_rows`` x draws).

    Returns
    -------
    pandas.DataFrame
        The rows, plus ``<q>_median``, ``<q>_lower_<p>``, ``<q>_upper_<p>`` per
        probability ``p`` (``p`` as ``0.9``), where ``<q>`` is what is predicted: the
        fit's metric (``error``, ``loss``), or ``best_params`` (the best model size) for a
        model-size fit; ``curve_status`` (``"fitted"`` or ``"new curve: population
        predictive"``) and ``extrapolation``: the log distance outside the curve's fitted
        range on the model's size axis (``data``; ``compute``; for the joint law the
        larger of the distances in ``params`` and ``data``), 0 inside it, NaN for new
        curves.

    Raises
    ------
    DataValidationError
        If a row lacks a column or has an invalid value (the message names them).
    ModelConfigError
        If the fit's model type cannot predict, a domain (or, where curves are not
        pooled, a curve) was not fitted, or ``probs`` is invalid.
    FitFileError
        If the model rebuilt from the fit does not match it.

    Examples
    --------
    >>> import pandas as pd
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> from bayes_scaling.prediction import DEFAULT_PROBS, predict
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> rows = pd.DataFrame({"domain": "digits", "curve": ["mlp-1x", "mlp-1x", "new-arch"],
    ...                      "data": [2000.0, 1e5, 2000.0]})
    >>> table = predict(fit, rows, probs=0.9)
    >>> table.columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['domain', 'curve', 'data', 'error_median', 'error_lower_0.9', 'error_upper_0.9',
     'curve_status', 'extrapolation']
    >>> table["curve_status"].tolist()
    ['fitted', 'fitted', 'new curve: population predictive']
    >>> table["extrapolation"].round(2).tolist()[:2]  # log distance beyond the fitted sizes
    [0.69, 4.61]
    >>> DEFAULT_PROBS  # the intervals when probs is not given
    (0.5, 0.9)
    """
    probs = _check_probs(probs)
    table, model, draws = predictive_draws(fit, rows, seed=seed, chunk_rows=chunk_rows)
    quantity = getattr(model, "predicted_column", None) or fit.attrs.get("metric", "metric")
    values = np.exp(draws.isel({dims.REPLICATE: 0}, drop=True))
    out = pd.concat([table, _interval_table(values, probs, quantity, table.index)], axis=1)
    fitted = set(str(c) for c in fit["posterior"][dims.CURVE].values)
    labels = [curve_label(d, c) for d, c in zip(out["domain"], out["curve"], strict=True)]
    known = np.array([lab in fitted for lab in labels])
    out["curve_status"] = np.where(known, "fitted", "new curve: population predictive")
    out["extrapolation"] = _extrapolation(model, fit, labels, table, known)
    return out


def predictive_draws(fit: xr.DataTree, rows: pd.DataFrame, *, seed: int = 2026,
                     replicates: int = 1, chunk_rows: int = CHUNK_ROWS,
                     ) -> tuple[pd.DataFrame, Any, xr.DataArray]:
    """Posterior-predictive draws of the log of what is predicted at ``rows``.

    The draws :func:`predict` summarises, kept per posterior draw: draw ``(chain, draw)``
    of the result is the predictive of a new measurement given posterior draw
    ``(chain, draw)`` (its parameters, and for models with an integrated-out discrepancy
    a draw of the discrepancy given them and the data), so it pairs with any other
    quantity computed from the same posterior draw (a projection).

    Parameters
    ----------
    fit : xarray.DataTree
        A NUTS fit (see :func:`predictable_model_types`).
    rows : pandas.DataFrame
        As for :func:`predict`.
    seed : int
        Random seed of the predictive draws.
    replicates : int
        Independent predictive draws per posterior draw (on the ``replicate`` dim), for
        the predictive's spread given one posterior draw.
    chunk_rows : int
        Rows per predictive call.

    Returns
    -------
    table : pandas.DataFrame
        The validated rows (0-based index, the ``row`` coordinate).
    model : ScalingModel
        The model rebuilt from the fit (its class says what is predicted).
    draws : xarray.DataArray
        Log of the predicted quantity, dims (replicate, chain, draw, row).

    Raises
    ------
    DataValidationError, ModelConfigError, FitFileError
        As for :func:`predict`; :class:`ModelConfigError` also for ``replicates`` < 1.

    Examples
    --------
    >>> import pandas as pd
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> from bayes_scaling.prediction import predictive_draws
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> rows = pd.DataFrame({"domain": "digits", "curve": ["mlp-1x"], "data": [2000.0]})
    >>> table, model, draws = predictive_draws(fit, rows, replicates=3)
    >>> dict(draws.sizes)
    {'replicate': 3, 'chain': 2, 'draw': 200, 'row': 1}
    """
    model_type = fit.attrs.get("model_type")
    cls: Any = MODELS.get(str(model_type))
    if cls is None or not hasattr(cls, "add_predictive"):
        raise _refuse(model_type)
    for value, name in ((chunk_rows, "chunk_rows"), (replicates, "replicates")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ModelConfigError(f"{name} must be a positive integer, got {value!r}")
    model = cls.from_fit(fit)
    table = validate_prediction_rows(
        rows, sizes=cls.prediction_sizes,
        covariates=tuple(getattr(model, "prediction_covariates", ())))
    source = _replicated_posterior(fit, replicates)
    pieces = []
    for start in range(0, len(table), chunk_rows):
        chunk = table.iloc[start:start + chunk_rows]
        if start:  # add_predictive extends the built model: one model per chunk
            model = cls.from_fit(fit)
        name = model.add_predictive(chunk)
        with warnings.catch_warnings():
            # A model whose likelihood is a Potential (the learning curve with its
            # discrepancy integrated out) makes PyMC warn that potentials are ignored in
            # forward sampling. Here they are not needed: the draws come from the
            # posterior, which the potential shaped; the new rows' predictive is written
            # out explicitly by add_predictive.
            warnings.filterwarnings("ignore", message="The effect of Potentials",
                                    category=UserWarning)
            # PyTensor's numba backend cannot put a forward-sampling function whose graph
            # holds the fitted knot constants in numba's on-disk cache; it is compiled
            # (and runs) all the same, once per call.
            warnings.filterwarnings("ignore", message="Cannot cache compiled function")
            drawn = pm.sample_posterior_predictive(
                source, model=model.build_model(), var_names=[name], predictions=True,
                random_seed=seed + start, progressbar=False)
        values = drawn["predictions"][name]
        pieces.append(values.assign_coords({dims.ROW: chunk.index.to_numpy()}))
    draws = xr.concat(pieces, dim=dims.ROW) if len(pieces) > 1 else pieces[0]
    n_chain = fit["posterior"].sizes[dims.CHAIN]
    stacked = draws.transpose(dims.CHAIN, dims.DRAW, dims.ROW).values
    shaped = stacked.reshape(replicates, n_chain, *stacked.shape[1:])
    out = xr.DataArray(shaped, dims=(dims.REPLICATE, dims.CHAIN, dims.DRAW, dims.ROW),
                       coords={dims.CHAIN: fit["posterior"][dims.CHAIN].values,
                               dims.DRAW: fit["posterior"][dims.DRAW].values,
                               dims.ROW: table.index.to_numpy()})
    return table, model, out


def _replicated_posterior(fit: xr.DataTree, replicates: int) -> xr.DataTree:
    """The fit, or its posterior repeated ``replicates`` times along ``chain``
    (replicate-major), so one predictive call draws every replicate."""
    if replicates == 1:
        return fit
    post = fit["posterior"].to_dataset()
    n_chain = post.sizes[dims.CHAIN]
    tiled = xr.concat([post] * replicates, dim=dims.CHAIN).assign_coords(
        {dims.CHAIN: np.arange(n_chain * replicates)})
    return xr.DataTree.from_dict({"posterior": tiled})


def _interval_table(values: xr.DataArray, probs: tuple[float, ...], metric: str,
                    index: pd.Index) -> pd.DataFrame:
    """Median and central intervals over the sample dims, one row per ``row``."""
    q = [0.5] + [x for p in probs for x in ((1 - p) / 2, (1 + p) / 2)]
    quant = values.quantile(q, dim=list(dims.SAMPLE_DIMS)).transpose(dims.ROW, "quantile")
    arr = quant.values
    out = {f"{metric}_median": arr[:, 0]}
    for k, p in enumerate(probs):
        out[f"{metric}_lower_{p:g}"] = arr[:, 1 + 2 * k]
        out[f"{metric}_upper_{p:g}"] = arr[:, 2 + 2 * k]
    return pd.DataFrame(out, index=index)


def _extrapolation(model: Any, fit: xr.DataTree, labels: list[str], table: pd.DataFrame,
                   known: np.ndarray) -> np.ndarray:
    """Each row's log distance outside its curve's fitted range; NaN for new curves.

    Models with an ``extrapolation(rows)`` method say what their range is (compute, both
    ``params`` and ``data`` for the joint law, ...); for the others (the learning curve) it
    is the log ``data`` size outside the curve's fitted sizes, from the fit's
    ``constant_data``.
    """
    if hasattr(model, "extrapolation"):
        return np.asarray(model.extrapolation(table), dtype=float)
    const = fit["constant_data"]
    obs_labels = [curve_label(d, c) for d, c in zip(const["obs_domain"].values,
                                                    const["obs_curve"].values, strict=True)]
    sizes = pd.Series(np.log(const["size"].values.astype(float)), index=obs_labels)
    lower, upper = sizes.groupby(level=0).min(), sizes.groupby(level=0).max()
    x = np.log(table[model.prediction_sizes[-1]].to_numpy(float))
    out = np.full(len(table), np.nan)
    for i, lab in enumerate(labels):
        if known[i]:
            out[i] = max(x[i] - upper[lab], 0.0) + max(lower[lab] - x[i], 0.0)
    return out
