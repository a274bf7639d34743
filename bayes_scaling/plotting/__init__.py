"""Plots. Every function takes the fit first, options keyword-only, returns ``(fig, axes)``
and never calls ``plt.show()``; the numbers come from the compute modules."""

from __future__ import annotations

from bayes_scaling.plotting.learning_curves import plot_learning_curves

__all__ = ["plot_learning_curves"]
