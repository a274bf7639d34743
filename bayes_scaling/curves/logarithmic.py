"""Inverse-logarithmic decay to a floor (Domhan et al. 2015, "ilog2").

Domhan, Springenberg & Hutter (2015) list the "ilog2" learning curve
``y = c - a / log(x)``: for an error, ``eps = gamma + a / log(x)``, which falls more
slowly than any power law. ``log x`` is negative below the reference size (``x < 1``),
so we replace it by ``1 + beta log(1 + x)``: ``log(1 + x) = softplus(log x)`` is a
smooth positive version of ``log x`` (equal to it up to ``log(1 + 1/x)`` for ``x >> 1``)
and the ``1`` keeps the curve finite as ``x -> 0``. Normalised so that ``alpha`` is the
reducible part at ``x = 1``::

    eps(x) = gamma + alpha (1 + beta log 2) / (1 + beta log(1 + x))

For ``x >> 1`` the reducible part decays as ``alpha (1 + beta log 2) / (beta log x)``
(ilog2); for ``x << 1`` it levels off at ``alpha (1 + beta log 2)``. Positive and
decreasing for every ``x > 0`` when ``alpha, beta > 0`` and ``gamma >= 0``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bayes_scaling.curves.base import CurveFamily, default_priors, log1p, where


def logarithmic(m: Any, alpha: Any, beta: Any, gamma: Any) -> Any:
    """Evaluate ``gamma + alpha (1 + beta log 2) / (1 + beta log(1 + m))``.

    Parameters
    ----------
    m : array-like or tensor
        Size relative to the reference size (> 0).
    alpha : array-like or tensor
        Reducible part at ``m = 1`` (> 0).
    beta : array-like or tensor
        Rate (> 0) of the decay in ``log(1 + m)``.
    gamma : array-like or tensor
        Irreducible error (>= 0).

    Examples
    --------
    >>> round(float(logarithmic(3.0, alpha=1.0, beta=1.0, gamma=0.0)), 6)  # (1+ln2)/(1+ln4)
    0.70953
    """
    return gamma + alpha * (1.0 + beta * math.log(2.0)) / (1.0 + beta * log1p(m))


def logarithmic_inverse(target: Any, alpha: Any, beta: Any, gamma: Any) -> Any:
    """Size at which the curve reaches ``target``.

    ``inf`` where ``target <= gamma`` (unreachable, and where the size overflows
    float64); ``0`` where ``target >= gamma + alpha (1 + beta log 2)``, the value at size 0.

    Examples
    --------
    >>> value = (1 + np.log(2.0)) / (1 + np.log(4.0))
    >>> round(float(logarithmic_inverse(value, alpha=1.0, beta=1.0, gamma=0.0)), 9)
    3.0
    >>> float(logarithmic_inverse(0.0, alpha=1.0, beta=1.0, gamma=0.0))
    inf
    """
    excess = target - gamma
    reachable = excess > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log1p_size = (alpha * (1.0 + beta * math.log(2.0)) / where(reachable, excess, 1.0)
                      - 1.0) / beta
        size = np.expm1(where(log1p_size > 0, log1p_size, 0.0))
    return where(reachable, size, np.inf)


def logarithmic_limit(alpha: Any, beta: Any, gamma: Any) -> Any:
    """The limit as ``m -> inf``: the irreducible error ``gamma``."""
    return gamma


#: Inverse-logarithmic decay to a floor (Domhan et al. 2015, ilog2).
LOGARITHMIC = CurveFamily(
    name="logarithmic",
    formula="gamma + alpha * (1 + beta * log(2)) / (1 + beta * log(1 + m))",
    function=logarithmic,
    inverse=logarithmic_inverse,
    limit=logarithmic_limit,
    parameters=("alpha", "beta", "gamma"),
    default_priors=default_priors("alpha", "beta", "gamma"),
    reference="Domhan, Springenberg & Hutter 2015, Speeding up Automatic Hyperparameter "
              "Optimization of Deep Neural Networks by Extrapolation of Learning Curves, "
              "family ilog2 (log m replaced by 1 + beta log(1 + m))",
)
