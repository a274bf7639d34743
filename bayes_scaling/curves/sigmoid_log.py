"""Sigmoid in log size between a plateau and a floor: M4 of Alabdulmohsin et al. (2022).

Alabdulmohsin, Neyshabur & Zhai (2022, "Revisiting Neural Scaling Laws in Language and
Vision", model M4) fit the implicit law::

    (eps - eps_inf) / (eps0 - eps)^a = b x^c          (c < 0)

With ``a = 1`` it solves explicitly to a logistic function of ``log x`` between the
"random guess" level ``eps0`` and the floor ``eps_inf``. We use that explicit case::

    eps(m) = gamma + plateau / (1 + plateau m^beta / alpha)
           = gamma + (plateau^-1 + (alpha m^-beta)^-1)^-1

i.e. M4 with ``a = 1``, ``eps_inf = gamma``, ``eps0 = gamma + plateau``, ``c = -beta``
and ``b = alpha / plateau``; Domhan et al. (2015)'s "log power" curve
``a / (1 + (x / e^b)^c)`` is the same form without the floor. The reducible part is
symmetric in ``log m`` about its midpoint ``m_mid = (alpha / plateau)^(1/beta)``, where it
is ``plateau / 2``, and tends to ``alpha m^-beta`` far above ``m_mid``. The general
``a != 1`` has no closed form and is not implemented.

How it differs from :mod:`~bayes_scaling.curves.three_region` (same parameters): that
form is the soft minimum with sharpness 4, i.e. a plateau and a straight power-law
stretch joined at a sharp corner; here the transition is wide (10% to 90% of the plateau
over ``2 log(9) / beta`` e-folds of size) and symmetric, with no straight stretch.

Positive for every ``m > 0`` (between ``gamma`` and ``gamma + plateau``) and decreasing
for ``alpha, beta, plateau > 0`` and ``gamma >= 0``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bayes_scaling.curves.base import CurveFamily, default_priors, where


def sigmoid_log(m: Any, alpha: Any, beta: Any, gamma: Any, plateau: Any) -> Any:
    """Evaluate ``gamma + plateau / (1 + plateau m^beta / alpha)``.

    Parameters
    ----------
    m : array-like or tensor
        Size (> 0).
    alpha : array-like or tensor
        Coefficient of the large-size power-law asymptote ``alpha m^-beta`` (> 0).
    beta : array-like or tensor
        Exponent (> 0): the slope of the sigmoid in ``log m``.
    gamma : array-like or tensor
        Irreducible error ``eps_inf`` (>= 0).
    plateau : array-like or tensor
        ``eps0 - eps_inf`` (> 0): the small-size plateau above the floor.

    Examples
    --------
    At ``m = 0.5`` the midpoint ``(alpha / plateau)^(1/beta) = 0.5`` is reached, half
    the plateau is left:

    >>> float(sigmoid_log(0.5, alpha=1.0, beta=1.0, gamma=0.1, plateau=2.0))
    1.1
    """
    return gamma + plateau / (1.0 + plateau * m**beta / alpha)


def sigmoid_log_inverse(target: Any, alpha: Any, beta: Any, gamma: Any, plateau: Any) -> Any:
    """Size at which the curve reaches ``target``.

    ``inf`` where ``target <= gamma`` (unreachable); ``0`` where
    ``target >= gamma + plateau`` (already at or below the target at every size).

    Examples
    --------
    >>> float(sigmoid_log_inverse(1.1, alpha=1.0, beta=1.0, gamma=0.1, plateau=2.0))
    0.5
    >>> float(sigmoid_log_inverse(0.1, alpha=1.0, beta=1.0, gamma=0.1, plateau=2.0))
    inf
    """
    excess = target - gamma
    reachable = excess > 0
    inside = reachable & (excess < plateau)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        safe = where(inside, excess, 0.5 * plateau)
        # m^beta = alpha (plateau - excess) / (plateau excess)
        size = (alpha / safe * (1.0 - safe / plateau)) ** (1.0 / beta)
    return where(reachable, where(inside, size, 0.0), np.inf)


def sigmoid_log_limit(alpha: Any, beta: Any, gamma: Any, plateau: Any) -> Any:
    """The limit as ``m -> inf``: the floor ``gamma``."""
    return gamma


#: A small-data plateau, a power law and a floor (M4 of Alabdulmohsin et al. with a=1).
SIGMOID_LOG = CurveFamily(
    name="sigmoid_log",
    formula="gamma + plateau / (1 + plateau * m^beta / alpha)",
    function=sigmoid_log,
    inverse=sigmoid_log_inverse,
    limit=sigmoid_log_limit,
    parameters=("alpha", "beta", "gamma", "plateau"),
    default_priors=default_priors("alpha", "beta", "gamma", "plateau"),
    reference="Alabdulmohsin, Neyshabur & Zhai 2022, Revisiting Neural Scaling Laws in Language "
              "and Vision, model M4 with exponent a = 1 (explicit)",
)
