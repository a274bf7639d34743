"""Smoothly broken power law with one break and a floor (Caballero et al. 2023, BNSL).

Broken neural scaling laws (Caballero, Gupta, Rish & Krueger 2023, eq. 1) with one
break::

    y = a + b x^(-c0) (1 + (x / d1)^(1 / f1))^(-c1 f1)

We fix the smoothness ``f1 = 1/2`` (:data:`SMOOTHNESS`; the break spans about two
e-folds of size), name the exponents before and after the break ``beta`` and ``beta2``
(``c0 = beta``, ``c1 = beta2 - beta``) and normalise the power law to the reference
size, so that ``alpha`` is the reducible part at ``x = 1`` as in the other families::

    eps(x) = gamma + alpha x^-beta B(x)^(-(beta2 - beta) / 2),
    B(x)   = (1 + (x / x_break)^2) / (1 + x_break^-2)

The local log-log slope moves smoothly from ``-beta`` (``x << x_break``) to ``-beta2``
(``x >> x_break``), always between the two, so the curve is positive and decreasing
for ``alpha, beta, beta2, x_break > 0`` and ``gamma >= 0``; the break may steepen
(``beta2 > beta``) or flatten (``beta2 < beta``) the curve. ``beta2 = beta`` is
:mod:`~bayes_scaling.curves.power_law_irreducible`. There is no closed-form inverse:
:meth:`~bayes_scaling.curves.base.CurveFamily.size_for_target` bisects numerically.
"""

from __future__ import annotations

from typing import Any

from bayes_scaling.curves.base import CurveFamily, default_priors

#: Caballero et al.'s ``f1``: smoothness of the break (larger is smoother).
SMOOTHNESS = 0.5


def broken_power_law(m: Any, alpha: Any, beta: Any, gamma: Any, beta2: Any,
                     x_break: Any) -> Any:
    """Evaluate the one-break smoothly broken power law plus floor.

    Parameters
    ----------
    m : array-like or tensor
        Size (> 0).
    alpha : array-like or tensor
        Reducible part at ``m = 1`` (> 0).
    beta : array-like or tensor
        Exponent below the break (> 0).
    gamma : array-like or tensor
        Irreducible error (>= 0).
    beta2 : array-like or tensor
        Exponent above the break (> 0).
    x_break : array-like or tensor
        Size of the break (> 0).

    Examples
    --------
    With the break at 1, exponents 0.5 then 1.5 (``k = 1 / f1 = 2``):
    ``3^-0.5 * ((1 + 9) / 2)^-0.5 = 1 / sqrt(15)``:

    >>> round(float(broken_power_law(3.0, alpha=1.0, beta=0.5, gamma=0.0, beta2=1.5,
    ...                              x_break=1.0)), 6)
    0.258199
    """
    k = 1.0 / SMOOTHNESS
    bend = (1.0 + (m / x_break) ** k) / (1.0 + x_break ** (-k))
    return gamma + alpha * m ** (-beta) * bend ** (-(beta2 - beta) / k)


def broken_power_law_limit(alpha: Any, beta: Any, gamma: Any, beta2: Any, x_break: Any) -> Any:
    """The limit as ``m -> inf``: the irreducible error ``gamma``."""
    return gamma


#: A smoothly broken power law with one break and a floor (BNSL, one break).
BROKEN_POWER_LAW = CurveFamily(
    name="broken_power_law",
    formula="gamma + alpha * m^(-beta) * ((1 + (m / x_break)^2) / (1 + x_break^-2))"
            "^(-(beta2 - beta) / 2)",
    function=broken_power_law,
    inverse=None,
    limit=broken_power_law_limit,
    parameters=("alpha", "beta", "gamma", "beta2", "x_break"),
    default_priors=default_priors("alpha", "beta", "gamma", "beta2", "x_break"),
    reference="Caballero, Gupta, Rish & Krueger 2023, Broken Neural Scaling Laws, eq. 1 with "
              "one break (n = 1), smoothness f1 = 1/2",
)
