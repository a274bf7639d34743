"""Power law plus irreducible error ``eps(m) = alpha * m**(-beta) + gamma``.

The form of Hestness et al. (2017): a power-law region that flattens towards the
irreducible error ``gamma`` (the Bayes error plus whatever the model family cannot
remove). A target at or below ``gamma`` is unreachable at any size.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bayes_scaling.curves.base import CurveFamily, default_priors, where


def power_law_irreducible(m: Any, alpha: Any, beta: Any, gamma: Any) -> Any:
    """Evaluate ``alpha * m**(-beta) + gamma``.

    Parameters
    ----------
    m : array-like or tensor
        Size (> 0).
    alpha : array-like or tensor
        Scale of the reducible part at ``m = 1`` (> 0).
    beta : array-like or tensor
        Exponent (> 0).
    gamma : array-like or tensor
        Irreducible error (>= 0).

    Examples
    --------
    >>> round(float(power_law_irreducible(100.0, alpha=1.0, beta=0.5, gamma=0.05)), 12)
    0.15
    """
    return alpha * m ** (-beta) + gamma


def power_law_irreducible_inverse(target: Any, alpha: Any, beta: Any, gamma: Any) -> Any:
    """Size at which the curve reaches ``target``; ``inf`` where ``target <= gamma``.

    Examples
    --------
    >>> float(power_law_irreducible_inverse(0.15, alpha=1.0, beta=0.5, gamma=0.05))
    100.0
    >>> float(power_law_irreducible_inverse(0.05, alpha=1.0, beta=0.5, gamma=0.05))
    inf
    """
    excess = target - gamma
    reachable = excess > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        size = (alpha / where(reachable, excess, 1.0)) ** (1.0 / beta)
    return where(reachable, size, np.inf)


def power_law_irreducible_limit(alpha: Any, beta: Any, gamma: Any) -> Any:
    """The limit as ``m -> inf``: the irreducible error ``gamma``.

    Examples
    --------
    >>> float(power_law_irreducible_limit(alpha=1.0, beta=0.5, gamma=0.05))
    0.05
    """
    return gamma


#: ``eps(m) = alpha * m^-beta + gamma``: Hestness's power-law region with a floor.
POWER_LAW_IRREDUCIBLE = CurveFamily(
    name="power_law_irreducible",
    formula="alpha * m^(-beta) + gamma",
    function=power_law_irreducible,
    inverse=power_law_irreducible_inverse,
    parameters=("alpha", "beta", "gamma"),
    limit=power_law_irreducible_limit,
    default_priors=default_priors("alpha", "beta", "gamma"),
    reference="Hestness et al. 2017, Deep Learning Scaling is Predictable, Empirically, eq. 1",
)
