"""Plots of computed objects. A plot never fits or projects: the curve plots take the fit
and draw its credible bands (:mod:`bayes_scaling.bands`); the forest plot takes the table
of :func:`bayes_scaling.fit_projection.project_fit`, the degree plot the
:class:`~bayes_scaling.fit_projection.DegreePosterior` of
:func:`bayes_scaling.fit_projection.degree_posterior`, the model-comparison plot the
comparison result, the design plot the ranked candidates. Options are keyword-only;
every function returns ``(fig, axes)`` and never calls ``plt.show()``; the forest and
degree plots draw into the caller's axes with ``ax=``. :func:`bayes_scaling.figures.plot_fit`
computes and draws in one call. Nothing here imports the models (the import-layer contract
in ``pyproject.toml``)."""

from __future__ import annotations

from bayes_scaling.plotting.comparison import plot_model_comparison
from bayes_scaling.plotting.compute_scaling import plot_compute_scaling
from bayes_scaling.plotting.degree import plot_degree
from bayes_scaling.plotting.design import plot_design
from bayes_scaling.plotting.diagnostics import plot_diagnostics
from bayes_scaling.plotting.forest import plot_projection_forest
from bayes_scaling.plotting.joint import plot_joint_scaling
from bayes_scaling.plotting.learning_curves import plot_learning_curves
from bayes_scaling.plotting.model_size import plot_model_size

__all__ = [
    "plot_compute_scaling",
    "plot_degree",
    "plot_design",
    "plot_diagnostics",
    "plot_joint_scaling",
    "plot_learning_curves",
    "plot_model_comparison",
    "plot_model_size",
    "plot_projection_forest",
]
