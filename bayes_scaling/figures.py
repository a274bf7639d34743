"""A fit's figure in one call: compute what the plot of ``kind`` draws, then draw it.

The layer above :mod:`bayes_scaling.plotting` (which draws computed objects) and the
analysis modules (which compute them): a forest plot is
:func:`~bayes_scaling.fit_projection.project_fit` then
:func:`~bayes_scaling.plotting.plot_projection_forest`, a degree plot
:func:`~bayes_scaling.fit_projection.degree_posterior` then
:func:`~bayes_scaling.plotting.plot_degree`. ``bayes-scaling plot`` calls :func:`plot_fit`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from bayes_scaling.errors import ModelConfigError
from bayes_scaling.fit_projection import degree_posterior, project_fit
from bayes_scaling.model_types import (
    COMPUTE_SCALING,
    HIERARCHICAL_LEARNING_CURVE,
    HIERARCHICAL_MODEL_SIZE,
    JOINT_SCALING,
)
from bayes_scaling.plotting import (
    plot_compute_scaling,
    plot_degree,
    plot_diagnostics,
    plot_joint_scaling,
    plot_learning_curves,
    plot_model_size,
    plot_projection_forest,
)

__all__ = ["PLOT_KINDS", "plot_fit"]

#: The plot of a fit's own curves by ``model_type`` (``kind="fit"``), and whether it takes
#: targets.
FIT_PLOTS: dict[str, tuple[Callable[..., tuple[Figure, np.ndarray]], bool]] = {
    HIERARCHICAL_LEARNING_CURVE: (plot_learning_curves, True),
    HIERARCHICAL_MODEL_SIZE: (plot_model_size, False),
    COMPUTE_SCALING: (plot_compute_scaling, True),
    JOINT_SCALING: (plot_joint_scaling, True),
}

#: The kinds of :func:`plot_fit` (``bayes-scaling plot --kind``).
PLOT_KINDS: tuple[str, ...] = ("fit", "forest", "degree", "diagnostics")


def plot_fit(
    fit: xr.DataTree,
    *,
    kind: Literal["fit", "forest", "degree", "diagnostics"] = "fit",
    targets: Sequence[float | str] = (),
    model_size_fit: xr.DataTree | None = None,
    extrapolate: float | None = None,
) -> tuple[Figure, np.ndarray]:
    """The plot of ``kind`` for a fit.

    ``kind="fit"`` picks by the fit's ``model_type``: learning curves
    (``hierarchical_learning_curve``), best model size (``hierarchical_model_size``),
    error vs compute (``compute_scaling``) or compute-optimal loss and allocation
    (``joint_scaling``). ``"forest"`` is :func:`plot_projection_forest` (needs
    ``targets``), ``"degree"`` :func:`plot_degree` (compute-scaling fits, or learning-curve
    fits with ``model_size_fit``), ``"diagnostics"`` :func:`plot_diagnostics`. Forest and
    degree plots are computed first (:func:`~bayes_scaling.fit_projection.project_fit`,
    :func:`~bayes_scaling.fit_projection.degree_posterior`); the other plots draw the fit.

    Raises
    ------
    ModelConfigError
        For an unknown kind or model type, or a forest plot without targets.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.figures import plot_fit
    >>> fig, axes = plot_fit(fit)  # a learning-curve fit: plot_learning_curves
    >>> [ax.get_title() for ax in axes.ravel()]
    ['digits', 'mnist1d']
    >>> fig, axes = plot_fit(fit, kind="forest", targets=["x0.5"])
    >>> from bayes_scaling.figures import PLOT_KINDS
    >>> PLOT_KINDS
    ('fit', 'forest', 'degree', 'diagnostics')
    """
    if kind not in PLOT_KINDS:
        raise ModelConfigError(f"unknown plot kind {kind!r}; valid: {list(PLOT_KINDS)}")
    extra: dict[str, Any] = {} if extrapolate is None else {"extrapolate": extrapolate}
    if kind == "forest":
        if not targets:
            raise ModelConfigError("a forest plot needs at least one target (--target x0.5)")
        _, table = project_fit(fit, targets, model_size_fit=model_size_fit)
        return plot_projection_forest(table)
    if kind == "degree":
        return plot_degree(degree_posterior(fit, model_size_fit=model_size_fit))
    if kind == "diagnostics":
        return plot_diagnostics(fit)
    model_type = fit.attrs.get("model_type")
    if model_type not in FIT_PLOTS:
        raise ModelConfigError(f"no plot for model type {model_type!r}; plottable: "
                               f"{', '.join(FIT_PLOTS)}")
    plot, takes_targets = FIT_PLOTS[model_type]
    return plot(fit, **({"targets": targets} if takes_targets else {}), **extra)
