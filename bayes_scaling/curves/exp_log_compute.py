"""Thompson's exponential model: error linear in log compute, made positive.

Thompson, Greenewald, Lee & Manso (2020, "The Computational Limits of Deep Learning")
compare a polynomial model (log error linear in log compute) with an **exponential**
one: error linear in log compute, ``error = a - b log C``, i.e. the compute needed grows
exponentially as the error falls. Written at the reference size (``x = C / C_ref``), the
line is ``alpha (1 - slope log x)``: ``alpha`` is its value at ``x = 1`` and ``slope``
its relative decrease per e-fold of compute there (``a = alpha (1 + slope log C_ref)``,
``b = alpha slope``).

The line reaches zero at ``x0 = e^(1/slope)`` and is negative beyond, so we pass it
through a softplus of fixed sharpness ``k`` (:data:`SHARPNESS`), normalised so the value
at ``x = 1`` stays ``alpha``::

    eps(x) = alpha * softplus(k (1 - slope log x)) / softplus(k),   k = 10,
    softplus(z) = log(1 + e^z)

Where the line is above ``alpha / 2`` (``x <= x0^(1/2)``) the two differ by less than
0.2% (6% at ``alpha / 5``); the line's zero crossing becomes a smooth bend, and beyond
``x0`` the error decays to 0 as a steep power law ``~ x^(-k slope)`` instead of going
negative. So the curve is positive for every ``x > 0``, decreasing for
``alpha, slope > 0``, its limit is 0 and its inverse is exact everywhere. There is no
floor: a target is reachable iff it is positive.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bayes_scaling.curves.base import CurveFamily, default_priors, log, softplus, where

#: Sharpness of the softplus that keeps Thompson's line positive.
SHARPNESS = 10.0
_NORM = math.log1p(math.exp(SHARPNESS))  # softplus(k)


def exp_log_compute(m: Any, alpha: Any, slope: Any) -> Any:
    """Evaluate ``alpha * softplus(10 (1 - slope log m)) / softplus(10)``.

    Parameters
    ----------
    m : array-like or tensor
        Compute (or size) relative to the reference (> 0).
    alpha : array-like or tensor
        Value at ``m = 1`` (> 0).
    slope : array-like or tensor
        Relative decrease of the line per e-fold of ``m`` (> 0).

    Examples
    --------
    Half an e-fold of the line below ``alpha`` is still on the line (to 0.2%):
    ``softplus(5) / softplus(10) = 0.500669``.

    >>> round(float(exp_log_compute(np.exp(2.5), alpha=1.0, slope=0.2)), 6)
    0.500669
    """
    return alpha * softplus(SHARPNESS * (1.0 - slope * log(m))) / _NORM


def exp_log_compute_inverse(target: Any, alpha: Any, slope: Any) -> Any:
    """Size at which the curve reaches ``target``; ``inf`` where ``target <= 0``.

    Examples
    --------
    >>> value = exp_log_compute(np.exp(2.5), alpha=1.0, slope=0.2)
    >>> round(float(exp_log_compute_inverse(value, alpha=1.0, slope=0.2) / np.exp(2.5)), 9)
    1.0
    >>> float(exp_log_compute_inverse(0.0, alpha=1.0, slope=0.2))
    inf
    """
    reachable = target > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        u = where(reachable, target, 1.0) / alpha * _NORM
        # softplus(k z) = u  <=>  k z = log(e^u - 1) = u + log(1 - e^-u)
        z = (u + np.log(-np.expm1(-u))) / SHARPNESS
        size = np.exp((1.0 - z) / slope)
    return where(reachable, size, np.inf)


def exp_log_compute_limit(alpha: Any, slope: Any) -> Any:
    """The limit as ``m -> inf``: 0 (the softplus floor), shaped like ``alpha``."""
    return 0.0 * alpha


#: Thompson et al.'s exponential model: error linear in log compute, made positive.
EXP_LOG_COMPUTE = CurveFamily(
    name="exp_log_compute",
    formula="alpha * softplus(10 * (1 - slope * log(m))) / softplus(10)",
    function=exp_log_compute,
    inverse=exp_log_compute_inverse,
    limit=exp_log_compute_limit,
    parameters=("alpha", "slope"),
    default_priors=default_priors("alpha", "slope"),
    reference="Thompson, Greenewald, Lee & Manso 2020, The Computational Limits of Deep "
              "Learning (arXiv:2007.05558), exponential model; softplus floor ours",
)
