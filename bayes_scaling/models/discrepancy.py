"""What the functional form gets wrong: a Brownian discrepancy along log size.

A parametric learning curve is never exact, and the residuals of a curve with many points
are correlated along it (a curve bends away from the form, then back). With an iid
likelihood, 50 points per curve make the posterior of the curve very tight and its
extrapolation intervals far too narrow. The discrepancy term models that structure::

    log y_i = log eps_c(m_i) + delta_c(log m_i) + noise_i

* **Inside the fitted range** ``[a_c, b_c]`` (smallest and largest fitted log size),
  ``delta_c`` is a Brownian bridge pinned to 0 at both ends, with rate ``tau_c`` (standard
  deviation of the log metric per square root of log size), represented on ``K`` knots
  equally spaced in log size and linearly interpolated between them. Pinned ends keep it
  from competing with the form's own level and trend; what it absorbs is the bending that
  the form cannot follow.
* **Beyond the fitted range** it continues as Brownian motion from the pinned end, so the
  predictive variance of the log metric grows by ``tau_c**2 * d`` at log distance ``d``
  beyond the largest (or below the smallest) fitted size: intervals widen with
  extrapolation distance, at a rate learned from how much the curves bend where they were
  observed.
* ``log tau_c`` is partially pooled (curves within domains, domains around a population
  mean), so a curve with few points borrows its rate from its domain and the domains
  from each other.

With a Normal likelihood the knot values are **integrated out** (:class:`MarginalBridge`):
given the curve parameters they are Gaussian and enter linearly, so each curve's
observations are jointly Normal with covariance ``sigma_c**2 I + tau_c**2 A_c A_c^T``
(``A_c``: interpolation weights times the bridge's Cholesky factor, ``n_c x (K - 2)``), a
diagonal plus low rank, evaluated with the Woodbury identity in ``O(n_c K**2)``. The
sampler sees no extra latent variable per knot (no funnel between ``tau_c`` and the knots),
only the pooled rates. Pointwise, the fit stores each observation's leave-one-out
conditional density ``log p(y_i | y_-i, theta)``, the input PSIS-LOO needs for such
non-factorised Normal models (Bürkner, Gabry & Vehtari 2021, "Efficient leave-one-out
cross-validation for Bayesian non-factorized normal and Student-t models").

Two kernels (``kernel=``): ``"brownian"`` is the process above. ``"integrated"`` is
integrated Brownian motion (the prior of a cubic smoothing spline) with its least-squares
line over the fitted range removed: ``delta(t) = W(t) - (c_0 + c_1 t)``, ``W`` integrated
Brownian motion started at ``a`` with zero value and slope (two-sided below ``a``) and
``c_0 + c_1 t`` the least-squares line through ``W`` on ``[a, b]``. The removed line is
exactly what the form's own level and exponent absorb, but, unlike the pinned bridge, the
ends stay free: a curve whose last fitted points fall below the form is followed there.
Its paths are smooth, so a curve that *steepens* (or flattens) towards the end of its
fitted range leaves a slope at the end, and beyond the range the discrepancy continues
along it (the Gaussian-process conditional on the knot values,
:meth:`BridgeKnots.extrapolation`) while its variance grows as ``d**3``: the bend is
carried forward, with an uncertainty that widens faster than the Brownian one. Its rate
is in units of the log metric per ``(log size)**1.5``; all ``K`` knots are free.

A third kernel, ``"brownian_end"``, is Brownian motion pinned at ``b`` only: run
backwards from the largest fitted size, free at ``a`` (``K - 1`` free knots), Brownian
motion beyond ``b``. It is the joint law's option along training tokens for checkpoints
of one run, whose excess over the law is largest early in training and vanishes at the
run's end (:class:`~bayes_scaling.models.JointScalingLaw`, ``discrepancy_kernel``).

With the Student-t likelihood the knots are sampled, non-centred:
``delta_c(knots) = tau_c * L * z_c`` with ``L`` the Cholesky factor of the unit-rate
bridge covariance ``(min(s, t) - a)(b - max(s, t)) / (b - a)`` at the interior knots, and
standard-normal ``z_c``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytensor.tensor as pt

__all__ = ["DEFAULT_KNOTS", "DISCREPANCY_COMPONENTS", "DISCREPANCY_KERNELS", "LOO_POINTWISE",
           "BridgeKnots", "MarginalBridge", "bridge_knots", "interpolate_knots",
           "move_loo_pointwise", "unit_covariance", "unit_mean_variance"]

#: Knots per curve, both pinned ends included (so ``DEFAULT_KNOTS - 2`` free values).
DEFAULT_KNOTS: int = 6

#: The discrepancy's kernels and the power of the curve's log-size width that scales the
#: unit-width covariance (Brownian: variance per unit log size; integrated: per cubed).
DISCREPANCY_KERNELS: dict[str, int] = {"brownian": 1, "integrated": 3, "brownian_end": 1}

#: The discrepancies a model can use (``kernel=``): each a sum of independent components
#: with their own rates, one per kernel listed.
DISCREPANCY_COMPONENTS: dict[str, tuple[str, ...]] = {
    "brownian": ("brownian",),
    "integrated": ("integrated",),
    "brownian+integrated": ("brownian", "integrated"),
    "brownian_end": ("brownian_end",),
}

#: Knots of the grid each kernel pins to 0: the first and the last, the last only, none.
_PINNED: dict[str, tuple[bool, bool]] = {"brownian": (True, True), "brownian_end": (False, True),
                                         "integrated": (False, False)}


def _integrated_brownian(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Covariance of two-sided integrated Brownian motion started at 0 with zero slope."""
    same_side = np.sign(u) * np.sign(v) > 0
    low, high = np.minimum(np.abs(u), np.abs(v)), np.maximum(np.abs(u), np.abs(v))
    return np.where(same_side, low**2 * high / 2.0 - low**3 / 6.0, 0.0)


#: Quadrature points on [0, 1] (midpoint rule) of the least-squares line removed from the
#: integrated kernel.
_LINE_GRID = (np.arange(400) + 0.5) / 400


def _line_design(t: np.ndarray) -> np.ndarray:
    """``(2, n)``: the regressors (1, t - 1/2) of the removed line at ``t``."""
    return np.stack([np.ones_like(t), t - 0.5])


@functools.cache
def _line_terms() -> tuple[np.ndarray, np.ndarray]:
    """The hat matrix ``H`` ``(2, G)`` of a least-squares line through values on
    ``_LINE_GRID``, and ``H K_gg H^T`` ``(2, 2)``: fixed, so computed once (the second
    needs the ``G x G`` kernel matrix)."""
    design = _line_design(_LINE_GRID).T
    hat = np.linalg.solve(design.T @ design, design.T)
    grid = _LINE_GRID
    middle = hat @ _integrated_brownian(grid[:, None], grid[None, :]) @ hat.T
    return hat, middle


def _detrended_integrated(s: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Elementwise covariance of integrated Brownian motion minus its least-squares line
    on [0, 1] (see the module docstring): ``k(s,t) - x_t H k(g,s) - x_s H k(g,t) +
    x_s H K_gg H^T x_t`` with ``H`` the line's hat matrix on the quadrature grid ``g``."""
    (hat, middle), grid = _line_terms(), _LINE_GRID
    w = _integrated_brownian
    x_s, x_t = _line_design(s), _line_design(t)
    fit_s = hat @ w(grid[:, None], s[None, :])  # (2, n): line through k(g, s)
    fit_t = hat @ w(grid[:, None], t[None, :])
    return (w(s, t) - (x_t * fit_s).sum(axis=0) - (x_s * fit_t).sum(axis=0)
            + np.einsum("in,ij,jn->n", x_s, middle, x_t))


def unit_covariance(s: Any, t: Any, kernel: str = "brownian") -> np.ndarray:
    """Covariance of the unit-rate discrepancy of a curve fitted on [0, 1] (unit-width
    coordinates).

    Parameters
    ----------
    s, t : array-like
        Positions relative to the fitted range: ``(log m - a) / (b - a)``; below 0 and
        above 1 is extrapolation. Broadcast against each other.
    kernel : {"brownian", "integrated", "brownian_end"}
        See the module docstring: the Brownian bridge pinned at 0 and 1 (Brownian motion
        beyond), integrated Brownian motion with its least-squares line on [0, 1]
        removed, or Brownian motion pinned at 1 only (run backwards from the largest
        fitted size, free at the smallest: what a training run's schedule leaves along
        its checkpoints, whose excess vanishes at the run's end; Brownian motion beyond 1).

    Returns
    -------
    numpy.ndarray
        The covariance; multiply by ``rate**2 * width**p`` (``p``:
        :data:`DISCREPANCY_KERNELS`) for a curve of log-size width ``b - a``.

    Examples
    --------
    >>> float(unit_covariance(0.5, 0.5))  # Brownian bridge at the middle
    0.25
    >>> float(unit_covariance(1.5, 1.5)), float(unit_covariance(0.5, 1.5))  # beyond: + d
    (0.5, 0.0)
    >>> ends = unit_covariance([0.0, 1.0], [0.0, 1.0], "integrated")  # free ends
    >>> bool(ends.min() > 0)
    True
    >>> # beyond the range the integrated kernel keeps a memory of the end's slope
    >>> bool(unit_covariance(1.5, 1.5, "integrated") > unit_covariance(1.0, 1.0, "integrated"))
    True
    """
    s, t = np.broadcast_arrays(np.asarray(s, float), np.asarray(t, float))
    if kernel == "brownian":
        inside = (s >= 0) & (s <= 1) & (t >= 0) & (t <= 1)
        bridge = np.minimum(s, t) * (1.0 - np.maximum(s, t))
        above = np.where((s > 1) & (t > 1), np.minimum(s, t) - 1.0, 0.0)
        below = np.where((s < 0) & (t < 0), np.minimum(-s, -t), 0.0)
        return np.where(inside, bridge, above + below)
    if kernel == "brownian_end":
        below = (s <= 1) & (t <= 1)
        above = np.where((s > 1) & (t > 1), np.minimum(s, t) - 1.0, 0.0)
        return np.where(below, np.minimum(1.0 - s, 1.0 - t), above)
    if kernel == "integrated":
        shape = s.shape
        return _detrended_integrated(s.ravel(), t.ravel()).reshape(shape)
    raise ValueError(f"kernel must be one of {', '.join(DISCREPANCY_KERNELS)}, got {kernel!r}")


@functools.cache
def unit_mean_variance(kernel: str) -> float:
    """The variance of the unit-rate ``kernel`` averaged over the unit-width fitted range
    (Brownian bridge: 1/6).

    Examples
    --------
    >>> round(unit_mean_variance("brownian"), 4)
    0.1667
    """
    return float(unit_covariance(_LINE_GRID, _LINE_GRID, kernel).mean())


@dataclass(frozen=True)
class BridgeKnots:
    """Knot grid of the discrepancy of every curve.

    The discrepancy is a sum of independent *components* (one per kernel of
    :data:`DISCREPANCY_COMPONENTS`), each with its own rate and its own free values on the
    same knot grid (the interior knots where its ends are pinned, all knots otherwise).
    The free values of all components are stacked in that order: ``n_free`` columns.

    Attributes
    ----------
    lower, upper : numpy.ndarray
        Per curve, the smallest and largest fitted log size (the ends of the grid).
    chol : numpy.ndarray
        ``(n_curves, n_free, n_free)``: block-diagonal Cholesky factors of the unit-rate
        covariance of the free values, one block per component.
    n_knots : int
        Knots per curve, ends included.
    kernel : str
        A key of :data:`DISCREPANCY_COMPONENTS`.
    """

    lower: np.ndarray
    upper: np.ndarray
    chol: np.ndarray
    n_knots: int
    kernel: str = "brownian"

    @property
    def components(self) -> tuple[str, ...]:
        """The kernels of the summed components."""
        return DISCREPANCY_COMPONENTS[self.kernel]

    def _component_free(self, kernel: str) -> int:
        return self.n_knots - sum(_PINNED[kernel])

    @staticmethod
    def _free_slice(kernel: str) -> slice:
        """The knots of the grid that are free for ``kernel`` (its pinned ones left out)."""
        first, last = _PINNED[kernel]
        return slice(1 if first else None, -1 if last else None)

    @property
    def n_free(self) -> int:
        """Free knot values per curve, all components."""
        return sum(self._component_free(k) for k in self.components)

    def column_component(self) -> np.ndarray:
        """``(n_free,)``: the component (position in :attr:`components`) of each column."""
        return np.concatenate([np.full(self._component_free(k), i)
                               for i, k in enumerate(self.components)])

    def knot_positions(self) -> np.ndarray:
        """``(n_curves, n_knots)`` log sizes of the knots, ends included."""
        t = np.linspace(0.0, 1.0, self.n_knots)
        return self.lower[:, None] + (self.upper - self.lower)[:, None] * t[None, :]

    def free_positions(self) -> np.ndarray:
        """``(n_free,)``: unit-width positions of the free values (pinned ends excluded)."""
        grid = np.linspace(0.0, 1.0, self.n_knots)
        return np.concatenate([grid[self._free_slice(k)] for k in self.components])

    def interpolation_columns(self, interp: np.ndarray) -> np.ndarray:
        """``(n, n_free)``: per component, the columns of ``(n, n_knots)`` interpolation
        weights that fall on its free values (the discrepancy is their sum)."""
        return np.concatenate([interp[:, self._free_slice(k)] for k in self.components],
                              axis=1)

    def all_knots(self, free: Any) -> Any:
        """``(n_curves, n_knots)`` knot values of the summed discrepancy from the free
        values ``(n_curves, n_free)`` (zeros at pinned ends); pytensor tensors."""
        total, start = None, 0
        for kernel in self.components:
            width = self._component_free(kernel)
            part = free[:, start:start + width]
            first, last = _PINNED[kernel]
            end = pt.zeros((part.shape[0], 1))
            part = pt.concatenate([end] * first + [part] + [end] * last, axis=1)
            total = part if total is None else total + part
            start += width
        return total

    def column_scale(self, rates: tuple[Any, ...]) -> Any:
        """``(n_curves, n_free)`` rate of each free value from the components' per-curve
        rates (``rates[i]``: ``(n_curves,)``), tensors."""
        blocks = [pt.repeat(rate[:, None], self._component_free(k), axis=1)
                  for rate, k in zip(rates, self.components, strict=True)]
        return blocks[0] if len(blocks) == 1 else pt.concatenate(blocks, axis=1)

    def locate(self, log_size: np.ndarray, curve_idx: np.ndarray) -> dict[str, np.ndarray]:
        """Where each row falls on its curve's knot grid.

        Parameters
        ----------
        log_size : numpy.ndarray
            Log size of each row.
        curve_idx : numpy.ndarray
            Position of each row's curve.

        Returns
        -------
        dict
            ``left`` (index of the knot at or below the row, clipped to the grid), ``weight``
            (linear-interpolation weight of the knot to its right), and ``outside`` (log
            distance beyond the fitted range, 0 inside it).
        """
        log_size = np.asarray(log_size, float)
        curve_idx = np.asarray(curve_idx, int)
        lower, upper = self.lower[curve_idx], self.upper[curve_idx]
        width = np.where(upper > lower, upper - lower, 1.0)
        position = np.clip((log_size - lower) / width, 0.0, 1.0) * (self.n_knots - 1)
        left = np.minimum(np.floor(position).astype(int), self.n_knots - 2)
        outside = np.maximum(log_size - upper, 0.0) + np.maximum(lower - log_size, 0.0)
        return {"left": left, "weight": position - left, "outside": outside}

    @property
    def widths(self) -> np.ndarray:
        """``(n_curves,)`` log-size width of each curve's fitted range (> 0)."""
        return np.maximum(self.upper - self.lower, 1e-12)

    def mean_unit_variance(self, kernel: str) -> np.ndarray:
        """``(n_curves,)``: the variance of the unit-rate ``kernel`` averaged over each
        curve's fitted range (its width raised to the kernel's power times the unit-width
        average, :func:`unit_mean_variance`)."""
        return self.widths ** DISCREPANCY_KERNELS[kernel] * unit_mean_variance(kernel)

    def _unit(self, log_size: np.ndarray, curve_idx: np.ndarray) -> tuple[np.ndarray, ...]:
        """Unit-width positions of rows and their curves' widths."""
        width = self.widths[curve_idx]
        return (np.asarray(log_size, float) - self.lower[curve_idx]) / width, width

    def extrapolation(self, log_size: np.ndarray,
                      curve_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The discrepancy beyond the fitted range given the curve's knots.

        For a row outside its curve's fitted range each component, given its free knot
        values ``rate * chol v`` (``v``: whitened), is Normal with mean
        ``rate * coef . v`` and variance ``rate**2 * spread`` (the Gaussian-process
        conditional of its kernel); the discrepancy is their sum. Inside the range both
        are 0: the knots are interpolated there (:func:`interpolate_knots`).

        Parameters
        ----------
        log_size : numpy.ndarray
            Log size of each row.
        curve_idx : numpy.ndarray
            Position of each row's curve.

        Returns
        -------
        coef : numpy.ndarray
            ``(n_rows, n_free)``; zero for the Brownian component (Markov: the pinned end
            screens its knots off).
        spread : numpy.ndarray
            ``(n_rows, n_components)``; ``d`` at log distance ``d`` for the Brownian
            component.
        """
        curve_idx = np.asarray(curve_idx, int)
        x, width = self._unit(log_size, curve_idx)
        outside = (x > 1.0) | (x < 0.0)
        coef = np.zeros((len(x), self.n_free))
        spread = np.zeros((len(x), len(self.components)))
        positions, column = self.free_positions(), self.column_component()
        for j, kernel in enumerate(self.components):
            cols = np.flatnonzero(column == j)
            power = DISCREPANCY_KERNELS[kernel]
            block = self.chol[:, cols[:, None], cols[None, :]]
            unit_chol = block / np.sqrt(self.widths**power)[:, None, None]
            for i in np.flatnonzero(outside):
                cross = unit_covariance(x[i], positions[cols], kernel)
                # K_*k K_kk^-1 (chol v) = (L^-1 K_k*) . v with K_kk = L L^T
                solved = np.linalg.solve(unit_chol[curve_idx[i]], cross)
                coef[i, cols] = solved * np.sqrt(width[i] ** power)
                own = float(unit_covariance(x[i], x[i], kernel))
                spread[i, j] = max(own - float(solved @ solved), 0.0) * width[i] ** power
        return coef, spread

    def prior_variance(self, log_size: np.ndarray, curve_idx: np.ndarray) -> np.ndarray:
        """``(n_rows, n_components)``: each component's prior variance at each row (unit
        rate), for a curve the fit has not seen: its largest inside the range, plus
        beyond the range the kernel's variance there."""
        curve_idx = np.asarray(curve_idx, int)
        x, width = self._unit(log_size, curve_idx)
        grid = np.linspace(0.0, 1.0, 21)
        out = []
        for kernel in self.components:
            peak = float(unit_covariance(grid, grid, kernel).max())
            beyond = np.where((x > 1.0) | (x < 0.0), unit_covariance(x, x, kernel), 0.0)
            out.append((peak + beyond) * width ** DISCREPANCY_KERNELS[kernel])
        return np.stack(out, axis=1)


def bridge_knots(log_size: np.ndarray, curve_idx: np.ndarray, n_curves: int, *,
                 n_knots: int = DEFAULT_KNOTS, kernel: str = "brownian") -> BridgeKnots:
    """Knot grids over each curve's fitted log-size range.

    Parameters
    ----------
    log_size : numpy.ndarray
        Log size of each fitted row.
    curve_idx : numpy.ndarray
        Position of each row's curve.
    n_curves : int
        Number of curves.
    n_knots : int
        Knots per curve, both ends included (>= 3).
    kernel : str
        A key of :data:`DISCREPANCY_COMPONENTS`.

    Returns
    -------
    BridgeKnots

    Examples
    --------
    >>> import numpy as np
    >>> grid = bridge_knots(np.log([10.0, 100, 1000]), np.array([0, 0, 0]), 1, n_knots=3)
    >>> grid.chol.shape
    (1, 1, 1)
    >>> round(float(grid.chol[0, 0, 0] ** 2), 4)  # bridge variance at the midpoint: width/4
    1.1513
    >>> bridge_knots(np.log([10.0, 100, 1000]), np.array([0, 0, 0]), 1, n_knots=3,
    ...              kernel="brownian+integrated").n_free  # 1 interior + 3 free
    4
    """
    if n_knots < 3:
        raise ValueError(f"n_knots must be >= 3 (two pinned ends and a free knot), got {n_knots}")
    if kernel not in DISCREPANCY_COMPONENTS:
        raise ValueError(f"kernel must be one of {', '.join(DISCREPANCY_COMPONENTS)}, "
                         f"got {kernel!r}")
    log_size = np.asarray(log_size, float)
    curve_idx = np.asarray(curve_idx, int)
    lower = np.array([log_size[curve_idx == c].min() for c in range(n_curves)])
    upper = np.array([log_size[curve_idx == c].max() for c in range(n_curves)])
    width = np.maximum(upper - lower, 1e-12)
    blocks = []
    for component in DISCREPANCY_COMPONENTS[kernel]:
        t = np.linspace(0.0, 1.0, n_knots)
        t = t[BridgeKnots._free_slice(component)]  # the free knots (pinned ends or not)
        # unit-width covariance at the free knots, scaled by each curve's width
        unit = unit_covariance(t[:, None], t[None, :], component)
        unit = unit + 1e-9 * np.trace(unit) / len(t) * np.eye(len(t))  # numerical jitter
        scale = np.sqrt(width ** DISCREPANCY_KERNELS[component])
        blocks.append(np.linalg.cholesky(unit)[None, :, :] * scale[:, None, None])
    n_free = sum(b.shape[1] for b in blocks)
    chol = np.zeros((n_curves, n_free, n_free))
    start = 0
    for block in blocks:
        k = block.shape[1]
        chol[:, start:start + k, start:start + k] = block
        start += k
    return BridgeKnots(lower=lower, upper=upper, chol=chol, n_knots=n_knots, kernel=kernel)


def interpolate_knots(knot_values: Any, location: dict[str, np.ndarray],
                      curve_idx: np.ndarray) -> Any:
    """Discrepancy at each row by linear interpolation of its curve's knot values.

    Works on numpy arrays and pytensor tensors alike. ``knot_values`` has shape
    ``(n_curves, n_knots)`` (ends included, 0 there); rows outside the fitted range get
    the value at the nearest end (0), their extra spread is added by the caller.
    """
    left, weight = location["left"], location["weight"]
    return ((1.0 - weight) * knot_values[curve_idx, left]
            + weight * knot_values[curve_idx, left + 1])


@dataclass(frozen=True)
class MarginalBridge:
    """The discrepancy integrated out of a Normal likelihood (Woodbury identity).

    For curve ``c`` with residuals ``r_c = log y_c - log eps_c`` (the form alone), noise
    covariance ``S_c`` (here ``sigma_c**2 I``; :class:`SurfaceBridge`, a diagonal of
    per-row precisions ``p_i``) and rates ``D_c`` (the diagonal of the free values' rates;
    here ``tau_c I``)::

        r_c ~ Normal(0, S_c + A_c D_c**2 A_c^T)

    with ``A_c`` the rows of :attr:`weights` of the curve. Writing
    ``M_c = I + D_c A_c^T S_c^-1 A_c D_c = L_c L_c^T`` and ``b_c = A_c^T S_c^-1 r_c``
    (Woodbury), in ``O(n_c K**2)``::

        log p(r_c) = -1/2 [n_c log 2 pi - sum log p_i + log det M_c
                           + sum p_i r_i**2 - |L_c^-1 D_c b_c|**2]

    Attributes
    ----------
    weights : numpy.ndarray
        ``(n_obs, n_free)``: each observation's row of ``A`` (interpolation weights on the
        interior knots times its curve's bridge Cholesky factor).
    gram : numpy.ndarray
        ``(n_curves, n_free, n_free)``: ``G_c = A_c^T A_c``.
    curve_idx : numpy.ndarray
        Each observation's curve.
    """

    weights: np.ndarray
    gram: np.ndarray
    curve_idx: np.ndarray

    @classmethod
    def from_knots(cls, knots: BridgeKnots, log_size: np.ndarray,
                   curve_idx: np.ndarray) -> MarginalBridge:
        """Precompute the weights of the fitted rows on their curves' knot grids."""
        curve_idx = np.asarray(curve_idx, int)
        n_obs, n_curves = len(curve_idx), len(knots.lower)
        location = knots.locate(log_size, curve_idx)
        interp = np.zeros((n_obs, knots.n_knots))
        rows = np.arange(n_obs)
        interp[rows, location["left"]] += 1.0 - location["weight"]
        interp[rows, location["left"] + 1] += location["weight"]
        # pinned ends carry no value: keep the free knots' columns only
        weights = np.einsum("ik,ikj->ij", knots.interpolation_columns(interp),
                            knots.chol[curve_idx])
        gram = np.zeros((n_curves, knots.n_free, knots.n_free))
        np.add.at(gram, curve_idx, weights[:, :, None] * weights[:, None, :])
        return cls(weights=weights, gram=gram, curve_idx=curve_idx)

    # -- the noise and rates; SurfaceBridge (the joint law's) overrides these three
    def _row_precision(self, noise: Any) -> Any:
        """``(n_obs,)`` noise precision of each row from ``noise``: here the per-curve
        standard deviation ``sigma``."""
        return 1.0 / noise[self.curve_idx] ** 2

    def _weighted_gram(self, noise: Any) -> Any:
        """``(n_curves, n_free, n_free)``: ``A_c^T S_c^-1 A_c`` (precomputed ``G_c``
        over the curve's variance)."""
        return self.gram / (noise**2)[:, None, None]

    def _scale(self, rate: Any) -> Any:
        """``(n_curves, n_free)``: the rate of each free value (the diagonal of ``D_c``)."""
        return rate[:, None] * pt.ones((1, self.weights.shape[1])) if rate.ndim == 1 else rate

    def _parts(self, residual: Any, noise: Any, rate: Any) -> dict[str, Any]:
        """Cholesky factor of ``M_c = I + D_c A_c^T S_c^-1 A_c D_c``, ``L_c^-1 D_c b_c``
        with ``b_c = A_c^T S_c^-1 r_c``, the column scales and the rows' precisions.

        ``rate`` is ``(n_curves,)`` (one rate for every free value of a curve) or
        ``(n_curves, n_free)`` (a rate per free value, :meth:`BridgeKnots.column_scale`):
        with ``D_c`` the diagonal of the curve's rates, ``A_c D_c`` replaces ``tau_c A_c``
        in the formulas of the class docstring.
        """
        n_curves, k = self.gram.shape[0], self.weights.shape[1]
        precision = self._row_precision(noise)
        scale = self._scale(rate)
        chol = pt.linalg.cholesky(
            pt.eye(k)[None, :, :]
            + scale[:, :, None] * self._weighted_gram(noise) * scale[:, None, :])
        proj = pt.inc_subtensor(pt.zeros((n_curves, k))[self.curve_idx],
                                self.weights * (precision * residual)[:, None])
        whitened = pt.linalg.solve_triangular(chol, (scale * proj)[:, :, None],
                                              lower=True)[:, :, 0]
        return {"chol": chol, "whitened": whitened, "scale": scale, "precision": precision}

    def logp(self, residual: Any, noise: Any, rate: Any) -> Any:
        """Joint log density of all residuals (sum over curves).

        Parameters
        ----------
        residual : tensor
            ``(n_obs,)`` log metric minus the form's log mean.
        noise : tensor
            ``(n_curves,)`` noise standard deviation (:class:`SurfaceBridge`: ``(n_obs,)``
            precision of each row).
        rate : tensor
            ``(n_curves,)`` discrepancy rate, or ``(n_curves, n_free)`` per free value
            (:class:`SurfaceBridge`: ``(n_curves, n_axes)``).
        """
        parts = self._parts(residual, noise, rate)
        precision = parts["precision"]
        log_det = 2.0 * pt.log(pt.diagonal(parts["chol"], axis1=-2, axis2=-1)).sum()
        quad = (precision * residual**2).sum() - (parts["whitened"] ** 2).sum()
        return -0.5 * (len(self.curve_idx) * np.log(2.0 * np.pi) - pt.log(precision).sum()
                       + log_det + quad)

    def loo_pointwise(self, residual: Any, noise: Any, rate: Any) -> Any:
        """Each observation's ``log p(y_i | y_-i, theta)`` (Bürkner et al. 2021).

        With ``P`` the precision of the curve's residuals, ``y_i | y_-i`` is Normal with
        variance ``1 / P_ii`` and its residual from the conditional mean is
        ``(P r)_i / P_ii``. By Woodbury ``P = S^-1 - S^-1 A D M^-1 D A^T S^-1``, so with
        ``c_i = L^-1 D a_i``: ``P_ii = p_i - p_i**2 |c_i|**2`` and ``(P r)_i = p_i r_i -
        p_i c_i . (L^-1 D b)``.
        """
        parts = self._parts(residual, noise, rate)
        idx, precision = self.curve_idx, parts["precision"]
        scaled = self.weights * parts["scale"][idx]
        c = pt.linalg.solve_triangular(parts["chol"][idx], scaled[:, :, None],
                                       lower=True)[:, :, 0]
        p_ii = precision - precision**2 * (c**2).sum(axis=-1)
        p_r = precision * residual - precision * (c * parts["whitened"][idx]).sum(axis=-1)
        return -0.5 * np.log(2.0 * np.pi) + 0.5 * pt.log(p_ii) - 0.5 * p_r**2 / p_ii

    def knot_posterior(self, residual: Any, noise: Any, rate: Any, z: Any) -> Any:
        """A draw of the whitened knot values given the data: ``(n_curves, n_free)``.

        In whitened coordinates (free values = ``rate * chol v``, ``v ~ Normal(0, I)``)
        the posterior is ``Normal(M^-1 D b, M^-1)``; with ``M = L L^T``,
        ``v = L^-T (L^-1 D b + z)`` for standard-normal ``z``.
        """
        parts = self._parts(residual, noise, rate)
        chol_t = parts["chol"].transpose(0, 2, 1)
        shifted = parts["whitened"] + z
        return pt.linalg.solve_triangular(chol_t, shifted[:, :, None], lower=False)[:, :, 0]


#: Posterior variable of the pointwise leave-one-out densities of a fit whose discrepancy
#: is integrated out, moved to ``log_likelihood`` after sampling (:func:`move_loo_pointwise`).
LOO_POINTWISE = "loo_pointwise_log_density"


def move_loo_pointwise(tree: Any, observed_name: str, observed: np.ndarray) -> Any:
    """Move the leave-one-out conditional densities of a marginal-discrepancy fit from
    its posterior (:data:`LOO_POINTWISE`, computed with the draws) to its
    ``log_likelihood`` group under ``observed_name``, and store ``observed`` (the log
    metric the likelihood was evaluated on) as ``observed_data``: the rows of a curve are
    correlated, so these, not the rows' marginal densities, are PSIS-LOO's input."""
    import xarray as xr

    from bayes_scaling import dims

    post = tree["posterior"].to_dataset()
    pointwise = post[LOO_POINTWISE].rename(observed_name)
    tree["posterior"] = xr.DataTree(post.drop_vars(LOO_POINTWISE))
    tree["log_likelihood"] = xr.DataTree(pointwise.to_dataset())
    tree["observed_data"] = xr.DataTree(xr.Dataset(
        {observed_name: xr.DataArray(observed, dims=dims.OBS,
                                     coords={dims.OBS: pointwise[dims.OBS].values})}))
    return tree
