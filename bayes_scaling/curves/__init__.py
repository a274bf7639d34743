"""Curve families: one module per functional form, registered here.

Adding a family means adding one module that defines a :class:`CurveFamily` and
listing it in :data:`CURVES`. Default priors follow the normalised-scale convention of
:mod:`bayes_scaling.curves.base` (one prior per parameter name, shared by all families).

Examples
--------
>>> from bayes_scaling.curves import CURVES, DEFAULT_PRIORS, POWER_LAW_IRREDUCIBLE
>>> sorted(CURVES)  # doctest: +NORMALIZE_WHITESPACE
['broken_power_law', 'exp_log_compute', 'exponential', 'logarithmic', 'power_law',
 'power_law_irreducible', 'sigmoid_log', 'three_region']
>>> POWER_LAW_IRREDUCIBLE.formula
'alpha * m^(-beta) + gamma'
>>> DEFAULT_PRIORS["beta"]  # one default prior per parameter name, on the normalised scale
Prior(dist='LogNormal', kwargs={'mu': -1.0, 'sigma': 0.8})
>>> from bayes_scaling.curves import (BROKEN_POWER_LAW, EXP_LOG_COMPUTE, EXPONENTIAL,
...                                   LOGARITHMIC, POWER_LAW, SIGMOID_LOG, THREE_REGION)
>>> THREE_REGION.parameters, BROKEN_POWER_LAW.parameters
(('alpha', 'beta', 'gamma', 'plateau'), ('alpha', 'beta', 'gamma', 'beta2', 'x_break'))
>>> [family.name for family in (POWER_LAW, SIGMOID_LOG, EXPONENTIAL, LOGARITHMIC,
...                             EXP_LOG_COMPUTE)]
['power_law', 'sigmoid_log', 'exponential', 'logarithmic', 'exp_log_compute']
"""

from __future__ import annotations

from bayes_scaling.curves.base import DEFAULT_PRIORS, CurveFamily
from bayes_scaling.curves.broken_power_law import BROKEN_POWER_LAW, broken_power_law
from bayes_scaling.curves.exp_log_compute import EXP_LOG_COMPUTE, exp_log_compute
from bayes_scaling.curves.exponential import EXPONENTIAL, exponential
from bayes_scaling.curves.logarithmic import LOGARITHMIC, logarithmic
from bayes_scaling.curves.power_law import POWER_LAW, power_law
from bayes_scaling.curves.power_law_irreducible import (
    POWER_LAW_IRREDUCIBLE,
    power_law_irreducible,
)
from bayes_scaling.curves.sigmoid_log import SIGMOID_LOG, sigmoid_log
from bayes_scaling.curves.three_region import THREE_REGION, three_region

#: Every registered curve family, by name (see :func:`get_curve`).
CURVES: dict[str, CurveFamily] = {
    family.name: family
    for family in (
        POWER_LAW,
        POWER_LAW_IRREDUCIBLE,
        THREE_REGION,
        BROKEN_POWER_LAW,
        SIGMOID_LOG,
        EXPONENTIAL,
        LOGARITHMIC,
        EXP_LOG_COMPUTE,
    )
}


def get_curve(name: str) -> CurveFamily:
    """Return the registered curve family ``name``.

    Raises
    ------
    KeyError
        With the list of valid names.

    Examples
    --------
    >>> from bayes_scaling.curves import get_curve
    >>> get_curve("three_region").parameters
    ('alpha', 'beta', 'gamma', 'plateau')
    """
    try:
        return CURVES[name]
    except KeyError:
        raise KeyError(f"unknown curve family {name!r}; valid: {sorted(CURVES)}") from None


__all__ = [
    "BROKEN_POWER_LAW",
    "CURVES",
    "DEFAULT_PRIORS",
    "EXPONENTIAL",
    "EXP_LOG_COMPUTE",
    "LOGARITHMIC",
    "POWER_LAW",
    "POWER_LAW_IRREDUCIBLE",
    "SIGMOID_LOG",
    "THREE_REGION",
    "CurveFamily",
    "broken_power_law",
    "exp_log_compute",
    "exponential",
    "get_curve",
    "logarithmic",
    "power_law",
    "power_law_irreducible",
    "sigmoid_log",
    "three_region",
]
