"""The contract every curve family satisfies.

A family pairs a **pure function** ``f(m, **params)`` (plain arithmetic, so the same
code runs on numpy arrays, xarray objects and pytensor tensors) with its parameter
names, default priors and, where one exists, the analytic **inverse**
``m(target, **params)``: the size at which the curve reaches ``target``; ``inf``
where the target is unreachable (at or below the curve's floor).

Default priors assume the size is measured relative to a reference size (the
models centre ``m`` on the geometric mean of the observed sizes) and the metric is
of order one (error rates, losses).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bayes_scaling.priors import Prior


@dataclass(frozen=True)
class CurveFamily:
    """A functional form for a scaling curve.

    Parameters
    ----------
    name : str
        Registry key, e.g. ``"power_law_irreducible"``.
    formula : str
        Human-readable formula.
    function : callable
        ``function(m, **params)``; numpy, xarray and pytensor inputs.
    parameters : tuple of str
        Parameter names, in the order of ``function``'s keyword arguments.
    default_priors : dict of str to Prior
        One prior per parameter.
    inverse : callable or None
        ``inverse(target, **params)`` (numpy/xarray); ``inf`` where unreachable.
    reference : str
        Citation of the form.
    """

    name: str
    formula: str
    function: Callable[..., Any]
    parameters: tuple[str, ...]
    default_priors: dict[str, Prior] = field(repr=False)
    inverse: Callable[..., Any] | None = None
    reference: str = ""

    def __post_init__(self) -> None:
        signature = tuple(inspect.signature(self.function).parameters)
        if signature[1:] != self.parameters:
            raise TypeError(
                f"curve {self.name!r}: function arguments {signature[1:]} do not match "
                f"parameters {self.parameters}"
            )
        if set(self.default_priors) != set(self.parameters):
            raise TypeError(
                f"curve {self.name!r}: default priors {sorted(self.default_priors)} do not "
                f"match parameters {sorted(self.parameters)}"
            )
        if self.inverse is not None:
            inv = tuple(inspect.signature(self.inverse).parameters)
            if inv[1:] != self.parameters:
                raise TypeError(
                    f"curve {self.name!r}: inverse arguments {inv[1:]} do not match "
                    f"parameters {self.parameters}"
                )

    def __call__(self, m: Any, **params: Any) -> Any:
        """Evaluate the curve at size ``m``."""
        return self.function(m, **params)

    def size_for_target(self, target: Any, **params: Any) -> Any:
        """Size reaching ``target`` (``inf`` where unreachable).

        Raises
        ------
        NotImplementedError
            If the family has no analytic inverse.
        """
        if self.inverse is None:
            raise NotImplementedError(f"curve {self.name!r} has no analytic inverse")
        return self.inverse(target, **params)


def where(condition: Any, x: Any, y: Any) -> Any:
    """``numpy.where`` that keeps xarray labels when given xarray objects."""
    import xarray as xr

    if any(isinstance(v, xr.DataArray | xr.Dataset) for v in (condition, x, y)):
        return xr.where(condition, x, y)
    return np.where(condition, x, y)
