"""The contract every curve family satisfies.

A family pairs a **pure function** ``f(m, **params)`` (plain arithmetic and the
backend-neutral helpers below, so the same code runs on numpy arrays, xarray objects
and pytensor tensors) with its parameter names, default priors, its **limit** as
``m -> inf`` and, where one exists, the analytic **inverse** ``m(target, **params)``:
the smallest size at which the curve reaches ``target``; ``inf`` where the target is
unreachable (at or below the limit). Families without an analytic inverse are inverted
numerically (:meth:`CurveFamily.size_for_target`).

Scale convention of the default priors
--------------------------------------
Default priors are stated on a **normalised scale**: a family is evaluated at
``x = m / m_ref``, where ``m_ref`` is the geometric mean of a curve's distinct sizes (so
``log x`` lies in about [-4, 4], up to [-8, 8] for compute tables), and compared with
``y / y_ref``, where ``y_ref`` is the geometric mean of the curve's metric (normalised
values are of order one, typically 0.2-5). On that scale:

* ``alpha`` is the scale of the reducible part (curve minus floor) at ``x = 1``: exactly
  its value there for the power laws, the exponential and the logarithmic forms, the
  coefficient of the power-law region ``alpha x^-beta`` for the plateau forms
  (``three_region``, ``sigmoid_log``), and the value of Thompson's line at ``x = 1``.
* ``beta`` is the decay exponent (power laws) or rate (exponential, logarithmic);
* ``gamma`` is the irreducible floor, the limit as ``m -> inf``;
* ``plateau`` is the height of a small-size plateau above the floor.

A parameter name means the same thing in every family and has the **same prior** in
every family (:data:`DEFAULT_PRIORS`), so that Bayes factors compare functional forms,
not priors. Every family is positive for all ``x > 0`` and all parameter values in the
priors' support, and non-increasing in ``x``: models put the likelihood on ``log f``.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bayes_scaling.priors import Prior

#: The one default prior of each parameter name, shared by every family that uses it
#: (normalised scale, see the module docstring).
DEFAULT_PRIORS: dict[str, Prior] = {
    # reducible part at x = 1 on the y / y_ref scale: with a floor, alpha + gamma is about
    # 1 at the reference size; median 0.61, 95% range about 0.09-4.3
    "alpha": Prior("LogNormal", {"mu": -0.5, "sigma": 1.0}),
    # decay exponent / rate: median 0.37, 95% range about 0.08-1.8 (Hestness et al.
    # 2017 report 0.07-0.35 for error; small-data curves are steeper)
    "beta": Prior("LogNormal", {"mu": -1.0, "sigma": 0.8}),
    # the exponent after a break, the same prior as the one before it
    "beta2": Prior("LogNormal", {"mu": -1.0, "sigma": 0.8}),
    # irreducible floor: 0-1 (times the curve's geometric-mean metric) within 2 sigma
    "gamma": Prior("HalfNormal", {"sigma": 0.5}),
    # small-size plateau above the floor: median 1.6, 95% range about 0.2-12
    "plateau": Prior("LogNormal", {"mu": 0.5, "sigma": 1.0}),
    # location of a break: log x_break ~ Normal(0, 2), breaks within [-4, 4] in log x
    "x_break": Prior("LogNormal", {"mu": 0.0, "sigma": 2.0}),
    # Thompson's line: relative decrease per e-fold of size at x = 1; median 0.14, 95%
    # range 0.03-0.53 (the line must stay positive over ~8 e-folds of data: slope < 1/4)
    "slope": Prior("LogNormal", {"mu": -2.0, "sigma": 0.7}),
}

#: Bracket of the numeric inverse, in ``log m`` (relative sizes e^-60 .. e^60).
LOG_BRACKET: tuple[float, float] = (-60.0, 60.0)
#: Bisection steps of the numeric inverse: the bracket's width / 2^64 (7e-18) is below
#: the float64 resolution of ``log m`` near the bracket's ends.
BISECTION_STEPS = 64


def default_priors(*names: str) -> dict[str, Prior]:
    """The shared default priors of ``names`` (see :data:`DEFAULT_PRIORS`).

    Examples
    --------
    >>> default_priors("gamma")
    {'gamma': Prior(dist='HalfNormal', kwargs={'sigma': 0.5})}
    """
    return {name: DEFAULT_PRIORS[name] for name in names}


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
        One prior per parameter (normalised scale, see the module docstring).
    inverse : callable or None
        ``inverse(target, **params)`` (numpy/xarray); ``inf`` where unreachable, ``0``
        where the curve is at or below the target at every size. ``None``: numeric.
    reference : str
        Citation of the form.
    limit : callable or None
        ``limit(**params)``: the value as ``m -> inf`` (the floor). Targets at or below
        it are unreachable.

    Examples
    --------
    >>> from bayes_scaling.curves import get_curve
    >>> family = get_curve("power_law_irreducible")
    >>> family.parameters
    ('alpha', 'beta', 'gamma')
    >>> round(float(family.function(100.0, alpha=1.0, beta=0.5, gamma=0.05)), 6)
    0.15
    >>> float(family.size_for_target(0.15, alpha=1.0, beta=0.5, gamma=0.05))
    100.0
    >>> float(family.size_for_target(0.04, alpha=1.0, beta=0.5, gamma=0.05))  # below the floor
    inf
    """

    name: str
    formula: str
    function: Callable[..., Any]
    parameters: tuple[str, ...]
    default_priors: dict[str, Prior] = field(repr=False)
    inverse: Callable[..., Any] | None = None
    reference: str = ""
    limit: Callable[..., Any] | None = None

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
        if self.limit is not None:
            lim = tuple(inspect.signature(self.limit).parameters)
            if lim != self.parameters:
                raise TypeError(
                    f"curve {self.name!r}: limit arguments {lim} do not match "
                    f"parameters {self.parameters}"
                )

    def __call__(self, m: Any, **params: Any) -> Any:
        """Evaluate the curve at size ``m``."""
        return self.function(m, **params)

    def size_for_target(self, target: Any, **params: Any) -> Any:
        """Smallest size at which the curve reaches ``target``.

        The analytic inverse when the family has one, else a vectorised bisection on
        ``log m`` over :data:`LOG_BRACKET` (numpy arrays broadcast, xarray inputs keep
        their labels), accurate to float64 resolution. Numeric results:

        * ``inf`` where the target is at or below the family's :attr:`limit`, or the
          curve is still above the target at the bracket's upper end (``e^60``);
        * ``0.0`` where the curve is at or below the target already at the bracket's
          lower end (``e^-60``): reached at every size the bracket resolves, as the
          analytic inverses of plateau forms return ``0`` above their plateau;
        * ``nan`` where the target or a parameter is ``nan``.

        Examples
        --------
        >>> from bayes_scaling.curves import get_curve
        >>> family = get_curve("broken_power_law")
        >>> p = dict(alpha=1.0, beta=0.5, beta2=0.5, x_break=1.0, gamma=0.0)
        >>> round(float(family.size_for_target(0.1, **p)), 6)
        100.0
        """
        if self.inverse is not None:
            return self.inverse(target, **params)
        return _numeric_inverse(self, target, params)


def _numeric_inverse(family: CurveFamily, target: Any, params: dict[str, Any]) -> Any:
    """Bisection on ``log m`` for every element of the broadcast target/parameters."""
    import xarray as xr

    names = list(params)
    values = [target, *(params[n] for n in names)]
    if any(isinstance(v, xr.DataArray) for v in values):
        arrays = xr.broadcast(*(v if isinstance(v, xr.DataArray) else xr.DataArray(v)
                                for v in values))
        out = _bisect(family, arrays[0].values, dict(zip(names, (a.values for a in arrays[1:]),
                                                         strict=True)))
        return arrays[0].copy(data=out)
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in values))
    out = _bisect(family, arrays[0], dict(zip(names, arrays[1:], strict=True)))
    return out if out.ndim else out[()]


def _bisect(family: CurveFamily, target: np.ndarray, params: dict[str, np.ndarray]) -> np.ndarray:
    target = np.asarray(target, dtype=float)
    lo = np.full(target.shape, LOG_BRACKET[0])
    hi = np.full(target.shape, LOG_BRACKET[1])
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        at_lo = family.function(np.exp(lo), **params)
        at_hi = family.function(np.exp(hi), **params)
        floor = family.limit(**params) if family.limit is not None else -np.inf
        for _ in range(BISECTION_STEPS):
            mid = 0.5 * (lo + hi)
            above = family.function(np.exp(mid), **params) > target
            lo = np.where(above, mid, lo)
            hi = np.where(above, hi, mid)
        size = np.exp(hi)
        size = np.where(at_lo <= target, 0.0, size)
        size = np.where((target <= floor) | (at_hi > target), np.inf, size)
    invalid = np.isnan(target) | np.isnan(at_lo) | np.isnan(at_hi)
    return np.where(invalid, np.nan, size)


def where(condition: Any, x: Any, y: Any) -> Any:
    """``numpy.where`` that keeps xarray labels when given xarray objects."""
    import xarray as xr

    if any(isinstance(v, xr.DataArray | xr.Dataset) for v in (condition, x, y)):
        return xr.where(condition, x, y)
    return np.where(condition, x, y)


def _is_tensor(value: Any) -> bool:
    # pytensor not imported yet: nothing can be a pytensor variable
    if "pytensor" not in sys.modules:
        return False
    from pytensor.graph.basic import Variable

    return isinstance(value, Variable)


def log(x: Any) -> Any:
    """Natural logarithm on numpy, xarray (labels kept) and pytensor inputs."""
    if _is_tensor(x):
        import pytensor.tensor as pt

        return pt.log(x)
    return np.log(x)


def log1p(x: Any) -> Any:
    """``log(1 + x)`` on numpy, xarray (labels kept) and pytensor inputs."""
    if _is_tensor(x):
        import pytensor.tensor as pt

        return pt.log1p(x)
    return np.log1p(x)


def exp(x: Any) -> Any:
    """Exponential on numpy, xarray (labels kept) and pytensor inputs."""
    if _is_tensor(x):
        import pytensor.tensor as pt

        return pt.exp(x)
    return np.exp(x)


def softplus(x: Any) -> Any:
    """``log(1 + e^x)`` without overflow, on numpy, xarray and pytensor inputs.

    Examples
    --------
    >>> float(softplus(800.0)), float(softplus(0.0)) == float(np.log(2.0))
    (800.0, True)
    """
    if _is_tensor(x):
        import pytensor.tensor as pt

        return pt.softplus(x)
    return np.logaddexp(0.0, x)
