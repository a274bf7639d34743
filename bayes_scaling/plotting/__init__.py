"""Plots. Every function takes the fit first (the model-comparison plot: the comparison
result; the design plot: the ranked candidates), options keyword-only, returns
``(fig, axes)`` and never calls ``plt.show()``; the numbers come from the compute modules
(:mod:`bayes_scaling.bands`, projections, ArviZ)."""

from __future__ import annotations

from bayes_scaling.plotting.comparison import plot_model_comparison
from bayes_scaling.plotting.compute_scaling import plot_compute_scaling
from bayes_scaling.plotting.degree import plot_degree
from bayes_scaling.plotting.design import plot_design
from bayes_scaling.plotting.diagnostics import plot_diagnostics
from bayes_scaling.plotting.dispatch import plot_fit
from bayes_scaling.plotting.forest import plot_projection_forest
from bayes_scaling.plotting.joint import plot_joint_scaling
from bayes_scaling.plotting.learning_curves import plot_learning_curves
from bayes_scaling.plotting.model_size import plot_model_size

__all__ = [
    "plot_compute_scaling",
    "plot_degree",
    "plot_design",
    "plot_diagnostics",
    "plot_fit",
    "plot_joint_scaling",
    "plot_learning_curves",
    "plot_model_comparison",
    "plot_model_size",
    "plot_projection_forest",
]
