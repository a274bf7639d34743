"""Pieces shared by the models' posterior predictive at new rows.

A model class that :func:`bayes_scaling.prediction.predict` supports has ``from_fit(tree)``
(rebuild the model a fit was sampled from) and ``add_predictive(rows) -> name`` (add, inside
that model, ``pm.Data`` for the rows on the ``row`` dim and the predictive random variable
built from the model's own variables and likelihood family). This module holds what those
methods share: which fitted curve each row belongs to (or which curves of its domain a new
curve is drawn like), the rows' data on the ``row`` dim, the likelihood family on that dim,
and the log distance of a row outside a fitted range.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pymc as pm

from bayes_scaling import dims
from bayes_scaling.errors import FitFileError, ModelConfigError
from bayes_scaling.models.indexing import CurveIndex, curve_label

__all__ = ["RowCurves", "add_row_data", "check_rebuilt", "log_distance_outside",
           "predicted_name", "predictive_likelihood", "rebuild_settings", "refuse_new_curves",
           "row_curves"]


def predicted_name(observed_name: str) -> str:
    """Name of the predictive variable of a model whose likelihood is ``observed_name``
    (``"log_loss"`` -> ``"log_loss_predicted"``)."""
    return f"{observed_name}_predicted"


@dataclass(frozen=True)
class RowCurves:
    """Which fitted curve each row to predict at belongs to.

    Attributes
    ----------
    labels : list of str
        Each row's curve label ``"domain/curve"``.
    known : numpy.ndarray of bool
        Whether the fit has the row's curve.
    own : numpy.ndarray of int
        Position of the row's curve among the fitted curves (0 for new curves).
    domain_pos : numpy.ndarray of int
        Position of the row's domain among the fitted domains.
    template_p : numpy.ndarray
        Rows x fitted curves: one-hot on the row's own curve; for a new curve, equal
        weights on the fitted curves of its domain (the templates its level is drawn from).
    """

    labels: list[str]
    known: np.ndarray
    own: np.ndarray
    domain_pos: np.ndarray
    template_p: np.ndarray

    @property
    def new_labels(self) -> list[str]:
        """Curves of the rows the fit has not seen, in order of first appearance."""
        return list(dict.fromkeys(lab for lab, k in zip(self.labels, self.known, strict=True)
                                  if not k))


def row_curves(rows: pd.DataFrame, index: CurveIndex) -> RowCurves:
    """Match the rows' ``domain`` and ``curve`` to a fit's curve index.

    Parameters
    ----------
    rows : pandas.DataFrame
        Validated rows with ``domain`` and ``curve``.
    index : CurveIndex
        The rebuilt model's index of the fitted curves.

    Returns
    -------
    RowCurves

    Raises
    ------
    ModelConfigError
        If a row's domain was not fitted (the message lists the fitted domains).
    """
    unknown = sorted(set(rows["domain"]) - set(index.domains))
    if unknown:
        raise ModelConfigError(
            f"domain(s) {unknown} were not fitted; this fit can predict for the domains "
            f"{index.domains}")
    position = {c: i for i, c in enumerate(index.curves)}
    labels = [curve_label(d, c) for d, c in zip(rows["domain"], rows["curve"], strict=True)]
    known = np.array([lab in position for lab in labels], dtype=bool)
    domain_pos = np.array([index.domains.index(d) for d in rows["domain"]], dtype=int)
    template_p = np.zeros((len(rows), len(index.curves)))
    for i, lab in enumerate(labels):
        if known[i]:
            template_p[i, position[lab]] = 1.0
        else:
            members = index.domain_idx == domain_pos[i]
            template_p[i, members] = 1.0 / members.sum()
    own = np.array([position.get(lab, 0) for lab in labels], dtype=int)
    return RowCurves(labels=labels, known=known, own=own, domain_pos=domain_pos,
                     template_p=template_p)


def refuse_new_curves(curves: RowCurves, fitted: list[str], why: str) -> None:
    """Raise :class:`ModelConfigError` if a row's curve was not fitted.

    ``why`` says why this model cannot draw a new curve (e.g. its curves are not pooled).
    """
    new = curves.new_labels
    if new:
        raise ModelConfigError(
            f"curve(s) {new} were not fitted and {why}; this fit predicts for the curves "
            f"{fitted}")


def add_row_data(model: pm.Model, inputs: dict[str, np.ndarray]) -> dict[str, Any]:
    """Add the ``row`` coordinate and one ``pm.Data`` per input (``pred_<name>``).

    One-dimensional inputs are on ``row``; two-dimensional ones on ``(row, curve)``. Call
    with the model built; returns the data variables by input name.
    """
    n_rows = len(next(iter(inputs.values())))
    with model:
        model.add_coord(dims.ROW, np.arange(n_rows))
        return {name: pm.Data(f"pred_{name}", value,
                              dims=(dims.ROW, dims.CURVE) if np.ndim(value) == 2 else dims.ROW)
                for name, value in inputs.items()}


def predictive_likelihood(name: str, *, mu: Any, sigma: Any, nu: Any = None) -> Any:
    """The likelihood family on the ``row`` dim: Normal, or Student-t when ``nu`` is given.

    The predictive counterpart of :func:`bayes_scaling.models.base.add_likelihood`; call
    inside the model context.
    """
    if nu is not None:
        return pm.StudentT(name, nu=nu, mu=mu, sigma=sigma, dims=dims.ROW)
    return pm.Normal(name, mu=mu, sigma=sigma, dims=dims.ROW)


def log_distance_outside(log_x: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Log distance of each value outside ``[lower, upper]`` (0 inside), elementwise.

    Examples
    --------
    >>> log_distance_outside(np.log([1.0, 5.0, 100.0]), np.log(2.0), np.log(10.0)).round(3)
    array([0.693, 0.   , 2.303])
    """
    return np.maximum(log_x - upper, 0.0) + np.maximum(lower - log_x, 0.0)


def rebuild_settings(tree: Any, model_type: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The model config and resolved priors a fit of ``model_type`` was made with.

    Raises
    ------
    FitFileError
        If the fit is of another model type or its settings are not readable JSON.
    """
    if tree.attrs.get("model_type") != model_type:
        raise FitFileError(f"not a {model_type} fit (model_type "
                           f"{tree.attrs.get('model_type')!r})")
    try:
        config = json.loads(tree.attrs["model_config"])
        priors = json.loads(tree.attrs["priors"])
    except (KeyError, TypeError, ValueError) as exc:
        raise FitFileError(f"the fit's model_config/priors attrs are missing or not JSON "
                           f"({exc}); cannot rebuild its {model_type} model") from exc
    if not isinstance(config, dict) or not isinstance(priors, dict):
        raise FitFileError(f"the fit's model_config and priors attrs must be JSON objects; "
                           f"cannot rebuild its {model_type} model")
    return config, priors


def check_rebuilt(tree: Any, curves: list[str], arrays: dict[str, np.ndarray]) -> None:
    """Refuse a rebuilt model whose curves or reference arrays differ from the fit's.

    ``arrays`` maps ``constant_data`` names to the rebuilt model's values.

    Raises
    ------
    FitFileError
        Naming what differs.
    """
    fitted = [str(c) for c in tree["posterior"][dims.CURVE].values]
    differ = [] if curves == fitted else ["curves"]
    const = tree["constant_data"]
    differ += [name for name, value in arrays.items()
               if name not in const or const[name].shape != np.shape(value)
               or not np.allclose(const[name].values, value)]
    if differ:
        raise FitFileError(f"the model rebuilt from this fit's own table does not match the "
                           f"fit ({', '.join(differ)} differ); was the file edited?")
