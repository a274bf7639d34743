"""Exponential decay to a floor in the (relative) size (Domhan et al. 2015, "exp3").

The exponential learning curve of Domhan, Springenberg & Hutter (2015, family "exp3":
``y = c - exp(-a x + b)``; see also Viering & Loog 2022, "The Shape of Learning Curves"),
written for an error that falls to a floor and normalised so that ``alpha`` is the
reducible part at ``x = 1``::

    eps(x) = gamma + alpha exp(-beta (x - 1))

Unlike the power laws it is not scale-free: ``x`` is the size relative to the reference
size, ``beta`` a rate per reference size. In ``log x`` it is flat at
``gamma + alpha e^beta`` for ``x << 1 / beta`` and collapses onto the floor within about
one e-fold around ``x ~ 1 / beta``, far faster than any power law. Positive and
decreasing for ``alpha, beta > 0`` and ``gamma >= 0``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bayes_scaling.curves.base import CurveFamily, default_priors, exp, where


def exponential(m: Any, alpha: Any, beta: Any, gamma: Any) -> Any:
    """Evaluate ``gamma + alpha * exp(-beta (m - 1))``.

    Parameters
    ----------
    m : array-like or tensor
        Size relative to the reference size (> 0).
    alpha : array-like or tensor
        Reducible part at ``m = 1`` (> 0).
    beta : array-like or tensor
        Decay rate per reference size (> 0).
    gamma : array-like or tensor
        Irreducible error (>= 0).

    Examples
    --------
    >>> round(float(exponential(3.0, alpha=1.0, beta=0.5, gamma=0.1)), 6)  # 0.1 + e^-1
    0.467879
    """
    return gamma + alpha * exp(-beta * (m - 1.0))


def exponential_inverse(target: Any, alpha: Any, beta: Any, gamma: Any) -> Any:
    """Size at which the curve reaches ``target``.

    ``inf`` where ``target <= gamma`` (unreachable); ``0`` where
    ``target >= gamma + alpha e^beta``, the curve's value at size 0.

    Examples
    --------
    >>> round(float(exponential_inverse(0.1 + np.exp(-1.0), alpha=1.0, beta=0.5, gamma=0.1)), 9)
    3.0
    >>> float(exponential_inverse(0.1, alpha=1.0, beta=0.5, gamma=0.1))
    inf
    """
    excess = target - gamma
    reachable = excess > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        size = 1.0 + np.log(alpha / where(reachable, excess, 1.0)) / beta
    return where(reachable, where(size > 0, size, 0.0), np.inf)


def exponential_limit(alpha: Any, beta: Any, gamma: Any) -> Any:
    """The limit as ``m -> inf``: the irreducible error ``gamma``."""
    return gamma


#: ``eps(x) = gamma + alpha exp(-beta (x - 1))`` (Domhan et al. 2015, exp3).
EXPONENTIAL = CurveFamily(
    name="exponential",
    formula="gamma + alpha * exp(-beta * (m - 1))",
    function=exponential,
    inverse=exponential_inverse,
    limit=exponential_limit,
    parameters=("alpha", "beta", "gamma"),
    default_priors=default_priors("alpha", "beta", "gamma"),
    reference="Domhan, Springenberg & Hutter 2015, Speeding up Automatic Hyperparameter "
              "Optimization of Deep Neural Networks by Extrapolation of Learning Curves, "
              "family exp3",
)
