"""Hestness's three-region learning curve: plateau, power law, irreducible error.

Hestness et al. (2017, Fig. 1) sketch learning curves in three regions: a
**small-data region** where the model does no better than a "best guess" error
``eps0``, a **power-law region** ``alpha m^-beta`` and an **irreducible-error region**
at ``gamma``. They give no formula; we join the regions smoothly with a soft minimum of
the plateau and the power law (the sharpness ``s`` fixed at :data:`SHARPNESS`) plus the
floor::

    eps(m) = gamma + (plateau^-s + (alpha m^-beta)^-s)^(-1/s),   s = 4
           = gamma + plateau * (1 + (plateau m^beta / alpha)^s)^(-1/s)

so ``eps0 = gamma + plateau``. Four parameters, all identifiable from a curve that
shows the bend. With ``s = 4`` the reducible part is at most 16% (a factor 2^(1/4), at
the corner) below ``min(plateau, alpha m^-beta)`` and within 1% of it once the two differ
by a factor 2.2: the middle region is a genuine power law with sharp corners. Compare
:mod:`~bayes_scaling.curves.sigmoid_log`, the same soft minimum with ``s = 1`` (M4 of
Alabdulmohsin et al. 2022 with exponent 1): a wide, symmetric sigmoid in ``log m``
without a straight power-law stretch in between. ``plateau -> inf`` gives
:mod:`~bayes_scaling.curves.power_law_irreducible`.

Positive for every ``m > 0`` (between ``gamma`` and ``gamma + plateau``) and decreasing
for ``alpha, beta, plateau > 0`` and ``gamma >= 0``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bayes_scaling.curves.base import CurveFamily, default_priors, where

#: Sharpness of the soft minimum between the plateau and the power law.
SHARPNESS = 4.0


def three_region(m: Any, alpha: Any, beta: Any, gamma: Any, plateau: Any) -> Any:
    """Evaluate ``gamma + plateau * (1 + (plateau m^beta / alpha)^4)^(-1/4)``.

    Parameters
    ----------
    m : array-like or tensor
        Size (> 0).
    alpha : array-like or tensor
        Coefficient of the power-law region ``alpha m^-beta`` (> 0).
    beta : array-like or tensor
        Exponent of the power-law region (> 0).
    gamma : array-like or tensor
        Irreducible error (>= 0).
    plateau : array-like or tensor
        Height of the small-size plateau above ``gamma`` (> 0): the "best guess" error
        is ``gamma + plateau``.

    Examples
    --------
    At ``m = 0.5`` the power law ``1 / m = 2`` meets the plateau ``2``, so the reducible
    part is ``2 * 2^(-1/4) = 2^(3/4)``:

    >>> round(float(three_region(0.5, alpha=1.0, beta=1.0, gamma=0.1, plateau=2.0)), 6)
    1.781793
    """
    s = SHARPNESS
    return gamma + plateau * (1.0 + (plateau * m**beta / alpha) ** s) ** (-1.0 / s)


def three_region_inverse(target: Any, alpha: Any, beta: Any, gamma: Any, plateau: Any) -> Any:
    """Size at which the curve reaches ``target``.

    ``inf`` where ``target <= gamma`` (unreachable); ``0`` where
    ``target >= gamma + plateau`` (the plateau is already at or below the target).

    Examples
    --------
    >>> round(float(three_region_inverse(2.0 ** 0.75 + 0.1, alpha=1.0, beta=1.0, gamma=0.1,
    ...                                  plateau=2.0)), 9)
    0.5
    >>> float(three_region_inverse(0.1, alpha=1.0, beta=1.0, gamma=0.1, plateau=2.0))
    inf
    >>> float(three_region_inverse(5.0, alpha=1.0, beta=1.0, gamma=0.1, plateau=2.0))
    0.0
    """
    s = SHARPNESS
    excess = target - gamma
    reachable = excess > 0
    inside = reachable & (excess < plateau)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        safe = where(inside, excess, 0.5 * plateau)
        # (m^beta / alpha)^s = excess^-s - plateau^-s = excess^-s (1 - (excess/plateau)^s)
        shortfall = -np.expm1(s * np.log(safe / plateau))
        size = (alpha / safe) ** (1.0 / beta) * shortfall ** (1.0 / (beta * s))
    return where(reachable, where(inside, size, 0.0), np.inf)


def three_region_limit(alpha: Any, beta: Any, gamma: Any, plateau: Any) -> Any:
    """The limit as ``m -> inf``: the irreducible error ``gamma``."""
    return gamma


#: Hestness's three regions: small-data plateau, power law, irreducible floor.
THREE_REGION = CurveFamily(
    name="three_region",
    formula="gamma + (plateau^-4 + (alpha * m^(-beta))^-4)^(-1/4)",
    function=three_region,
    inverse=three_region_inverse,
    limit=three_region_limit,
    parameters=("alpha", "beta", "gamma", "plateau"),
    default_priors=default_priors("alpha", "beta", "gamma", "plateau"),
    reference="Hestness et al. 2017, Deep Learning Scaling is Predictable, Empirically, Fig. 1 "
              "(small-data, power-law and irreducible-error regions; smooth soft-min joint ours)",
)
