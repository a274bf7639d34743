"""Curve families: one module per functional form, registered here.

Adding a family means adding one module that defines a :class:`CurveFamily` and
listing it in :data:`CURVES`.
"""

from __future__ import annotations

from bayes_scaling.curves.base import CurveFamily
from bayes_scaling.curves.power_law import POWER_LAW, power_law
from bayes_scaling.curves.power_law_irreducible import (
    POWER_LAW_IRREDUCIBLE,
    power_law_irreducible,
)

CURVES: dict[str, CurveFamily] = {family.name: family for family in (POWER_LAW,
                                                                     POWER_LAW_IRREDUCIBLE)}


def get_curve(name: str) -> CurveFamily:
    """Return the registered curve family ``name``.

    Raises
    ------
    KeyError
        With the list of valid names.
    """
    try:
        return CURVES[name]
    except KeyError:
        raise KeyError(f"unknown curve family {name!r}; valid: {sorted(CURVES)}") from None


__all__ = ["CURVES", "CurveFamily", "get_curve", "power_law", "power_law_irreducible"]
