"""Predictive intervals at new rows averaged over functional forms.

:func:`bayes_scaling.prediction.predict` serves the NUTS models, whose fits can be rebuilt
as PyMC models and forward-sampled with ``pm.sample_posterior_predictive``. The forms of a
comparison are SMC fits of :class:`~bayes_scaling.models.CurveFormModel`, one PyMC model
per independent block (curve or domain), joined after sampling; there is no single model
to rebuild, so their predictive draws come from
:func:`~bayes_scaling.models.form.form_predictive` (the family's curve at each draw plus
the fitted noise, Normal or Student-t, exactly the block models' likelihood). The forms'
draws are then mixed by :func:`~bayes_scaling.comparison.averaging.mix_draws` with the
comparison's weights, so the intervals carry the uncertainty about the form as well as
about each form's parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from bayes_scaling import dims
from bayes_scaling.comparison.averaging import mix_draws
from bayes_scaling.data import validate_prediction_rows
from bayes_scaling.errors import ModelConfigError
from bayes_scaling.model_types import CURVE_FORM
from bayes_scaling.models.form import form_predictive
from bayes_scaling.models.indexing import curve_label
from bayes_scaling.models.predictive import log_distance_outside

__all__ = ["predict_average"]

#: Rows whose predictive draws are held at once (memory ~ rows x draws x forms).
CHUNK_ROWS = 2000


def predict_average(fits: Mapping[str, xr.DataTree], rows: pd.DataFrame, *,
                    weights: Mapping[str, float], probs: Sequence[float] | float = (0.5, 0.9),
                    seed: int = 0, chunk_rows: int = CHUNK_ROWS) -> pd.DataFrame:
    """Posterior-predictive median and central intervals of the metric at ``rows``, from
    the mixture of several forms' fits with ``weights``.

    Parameters
    ----------
    fits : mapping of str to xarray.DataTree
        ``curve_form`` fits (e.g. :attr:`FormComparison.fits
        <bayes_scaling.comparison.FormComparison>`) of the same table: same metric and
        size column.
    rows : pandas.DataFrame
        ``domain``, ``curve`` and the fits' size column; every curve must be fitted (the
        forms' parameters are per curve, there is no population to draw a new curve
        from). A metric column, if present, is kept beside the prediction.
    weights : mapping of str to float
        Mixture weight of each fit (normalised; stacking or evidence weights of a
        comparison). Forms with weight 0 contribute no draws.
    probs : float or sequence of float
        Central interval probabilities.
    seed : int
        Seed of the noise draws and of the mixture's draw selection.
    chunk_rows : int
        Rows per chunk (bounds memory at ``chunk_rows`` x draws per form).

    Returns
    -------
    pandas.DataFrame
        The rows, then ``<metric>_median``, ``<metric>_lower_<p>``, ``<metric>_upper_<p>``
        and ``extrapolation`` (log distance outside the curve's fitted sizes, 0 inside).
        ``attrs["weights"]`` and ``attrs["counts"]`` (draws taken from each form).

    Raises
    ------
    ModelConfigError
        If a fit is not a ``curve_form`` fit, the fits disagree on metric or size
        column, the weights do not name the fits, ``probs`` are invalid or a row's curve
        was not fitted.
    DataValidationError
        If a row lacks a column or has an invalid value.

    Examples
    --------
    >>> import warnings
    >>> import pandas as pd
    >>> from bayes_scaling.models import CurveFormModel
    >>> from bayes_scaling.simulate import simulate_form_curves
    >>> sim = simulate_form_curves("power_law", {"alpha": [0.2], "beta": [0.35]},
    ...                            n_seeds=1, noise=0.04, seed=3)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     fits = {form: CurveFormModel(sim.frame, form).fit_smc(draws=200, chains=2)
    ...             for form in ("power_law", "exponential")}
    >>> rows = pd.DataFrame({"domain": "sim", "curve": "c0", "data": [1e6]})
    >>> out = predict_average(fits, rows, weights={"power_law": 0.7, "exponential": 0.3},
    ...                       probs=0.9)
    >>> out.columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['domain', 'curve', 'data', 'error_median', 'error_lower_0.9', 'error_upper_0.9',
     'extrapolation']
    >>> out.attrs["counts"]
    {'power_law': 280, 'exponential': 120}
    """
    from bayes_scaling.prediction import _check_probs, _interval_table

    probs = _check_probs(probs)
    if not fits:
        raise ModelConfigError("predict_average needs at least one fit")
    kinds = {name: fit.attrs.get("model_type") for name, fit in fits.items()}
    wrong = {name: kind for name, kind in kinds.items() if kind != CURVE_FORM}
    if wrong:
        raise ModelConfigError(f"predict_average mixes {CURVE_FORM} fits (compare_forms); got "
                               f"{wrong}; use bayes_scaling.predict for other fits")
    settings = {(fit.attrs["metric"], fit.attrs["size_column"]) for fit in fits.values()}
    if len(settings) != 1:
        raise ModelConfigError(f"the fits disagree on (metric, size column): {sorted(settings)}")
    metric, size = settings.pop()
    if set(weights) != set(fits):
        raise ModelConfigError(f"weights must name exactly the fits {sorted(fits)}, got "
                               f"{sorted(weights)}")
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise ModelConfigError(f"chunk_rows must be a positive integer, got {chunk_rows!r}")
    table = validate_prediction_rows(rows, sizes=(size,))
    used = {name: fit for name, fit in fits.items() if weights[name] > 0}
    pieces, counts = [], {}
    for start in range(0, len(table), chunk_rows):
        chunk = table.iloc[start:start + chunk_rows]
        draws = {name: form_predictive(fit, chunk[["domain", "curve", size]],
                                       seed=seed + start)[["log_metric"]]
                 for name, fit in used.items()}
        mixed = mix_draws(draws, {name: weights[name] for name in used}, seed=seed)
        counts = mixed.attrs["counts"]
        values = np.exp(mixed["log_metric"]).rename({dims.OBS: dims.ROW})
        pieces.append(_interval_table(values, probs, metric, chunk.index))
    out = pd.concat([table, pd.concat(pieces)], axis=1)
    out["extrapolation"] = _extrapolation(next(iter(fits.values())), out, size)
    out.attrs["weights"] = {name: float(w) for name, w in weights.items()}
    out.attrs["counts"] = {name: int(counts.get(name, 0)) for name in fits}
    return out


def _extrapolation(fit: xr.DataTree, rows: pd.DataFrame, size: str) -> np.ndarray:
    """Log distance of each row's size outside its curve's fitted sizes."""
    const = fit["constant_data"]
    fitted = pd.DataFrame({
        "label": [curve_label(d, c) for d, c in zip(const["obs_domain"].values,
                                                     const["obs_curve"].values, strict=True)],
        "log_size": np.log(const["size"].values.astype(float))})
    bounds = fitted.groupby("label")["log_size"].agg(["min", "max"])
    labels = [curve_label(d, c) for d, c in zip(rows["domain"], rows["curve"], strict=True)]
    return log_distance_outside(np.log(rows[size].to_numpy(float)),
                                bounds.loc[labels, "min"].to_numpy(),
                                bounds.loc[labels, "max"].to_numpy())
