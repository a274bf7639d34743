"""Pure power law ``eps(m) = alpha * m**(-beta)`` (no floor)."""

from __future__ import annotations

from typing import Any

import numpy as np

from bayes_scaling.curves.base import CurveFamily, default_priors, where


def power_law(m: Any, alpha: Any, beta: Any) -> Any:
    """Evaluate ``alpha * m**(-beta)``.

    Parameters
    ----------
    m : array-like or tensor
        Size (> 0).
    alpha : array-like or tensor
        Scale: the value at ``m = 1`` (> 0).
    beta : array-like or tensor
        Exponent (> 0 for a decreasing curve).

    Returns
    -------
    array-like or tensor

    Examples
    --------
    >>> float(power_law(100.0, alpha=1.0, beta=0.5))
    0.1
    """
    return alpha * m ** (-beta)


def power_law_inverse(target: Any, alpha: Any, beta: Any) -> Any:
    """Size at which ``alpha * m**(-beta) == target``; ``inf`` for ``target <= 0``.

    Examples
    --------
    >>> float(power_law_inverse(0.1, alpha=1.0, beta=0.5))
    100.0
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = where(target > 0, alpha / where(target > 0, target, 1.0), np.inf)
        return where(target > 0, ratio ** (1.0 / beta), np.inf)


def power_law_limit(alpha: Any, beta: Any) -> Any:
    """The limit as ``m -> inf``: 0 (no floor), shaped like ``alpha``.

    Examples
    --------
    >>> float(power_law_limit(alpha=1.0, beta=0.5))
    0.0
    """
    return 0.0 * alpha


#: ``eps(m) = alpha * m^-beta``: no irreducible error.
POWER_LAW = CurveFamily(
    name="power_law",
    formula="alpha * m^(-beta)",
    function=power_law,
    inverse=power_law_inverse,
    parameters=("alpha", "beta"),
    limit=power_law_limit,
    default_priors=default_priors("alpha", "beta"),
    reference="Hestness et al. 2017, Deep Learning Scaling is Predictable, Empirically, eq. 1",
)
