"""The joint law's discrepancy: Brownian bridges along several size axes, integrated out.

:class:`~bayes_scaling.models.JointScalingLaw` models what its form gets wrong with one
Brownian bridge per size axis (log ``N``, log ``D``), each on its own knot grid over the
curve's fitted range (:func:`bayes_scaling.models.discrepancy.bridge_knots`) with its own
rate per curve. Stacking the axes' interior knots (``F`` values per curve), the
discrepancy at the fitted rows is ``A_c T_c u_c`` with ``A_c`` the interpolation weights
times each axis's bridge Cholesky factor, ``T_c`` the diagonal of each column's rate and
``u_c`` standard normal. With Normal noise of precision ``p_i`` per row, each curve's
residuals ``r_c`` (log loss minus the form) are jointly Normal with covariance
``S_c + A_c T_c^2 A_c^T`` (``S_c = diag(1 / p_i)``), a diagonal plus a rank-``F`` term.
With ``M_c = I + T_c A_c^T S_c^-1 A_c T_c = L_c L_c^T`` and ``b_c = T_c A_c^T S_c^-1 r_c``
(Woodbury)::

    log p(r_c) = -1/2 [n_c log 2 pi - sum log p_i + log det M_c
                       + sum p_i r_i**2 - |L_c^-1 b_c|**2]

in ``O(n_c F**2)``: the sampler sees the rates, not the knots (no funnel between a rate
and its knots). :class:`SurfaceBridge` is :class:`bayes_scaling.models.discrepancy.
MarginalBridge` (the learning curve's: one axis, a noise per curve) with several axes,
each with its own rate, and a precision per row: a subclass that overrides only how the
noise and the rates enter, so the Woodbury algebra exists once.
Pointwise, :meth:`SurfaceBridge.loo_pointwise` gives each row's leave-one-out
conditional density ``log p(y_i | y_-i, theta)`` (Bürkner, Gabry & Vehtari 2021), the
input of PSIS-LOO for non-factorised Normal models; :meth:`SurfaceBridge.knot_posterior`
draws the knots given the data, for predictions.

**Group offsets** (``groups=`` in :meth:`SurfaceBridge.from_axes`): the joint law's
model-size effect (one offset of the log loss per fitted model size of a curve, shared by
its rows) is one more Gaussian term of the same shape, an indicator column per group of
the curve with the offsets' scale as its rate, so it is integrated out with the bridges
instead of sampled: the sampler sees the scale, not one variable per model size (on the
simulated checkpoint table the scale then mixes, ESS 585; what still fails there is the
law's floor along model size, BENCHMARKS.md section 6, "The model sizes' offsets
integrated out").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytensor.tensor as pt

from bayes_scaling.models.discrepancy import BridgeKnots, MarginalBridge

__all__ = ["SurfaceBridge"]


@dataclass(frozen=True)
class SurfaceBridge(MarginalBridge):
    """Bridges along several axes, integrated out of a Normal likelihood with a
    precision per row: :class:`~bayes_scaling.models.discrepancy.MarginalBridge`, whose
    ``noise`` argument is here the ``(n_obs,)`` precision of each row and whose ``rate``
    is ``(n_curves, n_axes)``, one rate per axis.

    Attributes
    ----------
    weights : numpy.ndarray
        ``(n_obs, F)``: each row's interpolation weights on the interior knots of every
        axis times that axis's bridge Cholesky factor for the row's curve.
    gram : numpy.ndarray
        ``(n_curves, F, F)``: ``A_c^T A_c`` (the unweighted Gram matrix; the likelihood
        weights each row's outer product by its precision, :attr:`outer`).
    curve_idx : numpy.ndarray
        Each row's curve.
    outer : numpy.ndarray
        ``(n_obs, F, F)``: outer products of the rows of :attr:`weights`.
    axis_of : numpy.ndarray
        ``(F,)``: the axis (position in the order given) of each column.
    """

    outer: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    axis_of: np.ndarray = field(default_factory=lambda: np.zeros(0, int))

    @classmethod
    def from_axes(cls, knots: list[BridgeKnots], log_sizes: list[np.ndarray],
                  curve_idx: np.ndarray, groups: np.ndarray | None = None) -> SurfaceBridge:
        """Precompute the weights of the fitted rows on every axis's knot grid.

        Parameters
        ----------
        knots : list of BridgeKnots
            One Brownian knot grid per axis (same curves).
        log_sizes : list of numpy.ndarray
            Each axis's log size of every row.
        curve_idx : numpy.ndarray
            Each row's curve.
        groups : numpy.ndarray, optional
            Each row's group *within its curve* (0, 1, ...): rows of a group share an
            offset. Adds one indicator column per group (as many as the curve with the most
            groups has; a curve with fewer has empty columns, which change nothing), the
            last block of columns, whose rate is the last column of ``rate``
            (``axis_of`` = ``len(knots)``).

        Examples
        --------
        Two rows of one group share its offset, so their residuals are correlated by the
        offset's variance (the rate squared):

        >>> import numpy as np
        >>> from bayes_scaling.models.discrepancy import bridge_knots
        >>> log_d = np.log([1e9, 1e10, 1e11])
        >>> curve = np.zeros(3, int)
        >>> grid = bridge_knots(log_d, curve, 1, n_knots=3)
        >>> bridge = SurfaceBridge.from_axes([grid], [log_d], curve, groups=np.array([0, 0, 1]))
        >>> bridge.weights.shape, bridge.axis_of.tolist()  # 1 knot + 2 group columns
        ((3, 3), [0, 1, 1])
        """
        curve_idx = np.asarray(curve_idx, int)
        axes = [MarginalBridge.from_knots(grid, log_size, curve_idx)
                for grid, log_size in zip(knots, log_sizes, strict=True)]
        blocks = [axis.weights for axis in axes]
        axis_of = [np.full(grid.n_free, k) for k, grid in enumerate(knots)]
        if groups is not None:
            groups = np.asarray(groups, int)
            if groups.shape != curve_idx.shape or groups.min(initial=0) < 0:
                raise ValueError("groups must give each row a group position >= 0 within "
                                 f"its curve, one per row; got shape {groups.shape} for "
                                 f"{curve_idx.size} rows")
            indicator = np.zeros((len(curve_idx), int(groups.max(initial=-1)) + 1))
            indicator[np.arange(len(curve_idx)), groups] = 1.0
            blocks.append(indicator)
            axis_of.append(np.full(indicator.shape[1], len(knots)))
        weights = np.concatenate(blocks, axis=1)
        outer = weights[:, :, None] * weights[:, None, :]
        gram = np.zeros((len(knots[0].lower), *outer.shape[1:]))
        np.add.at(gram, curve_idx, outer)
        return cls(weights=weights, gram=gram, curve_idx=curve_idx, outer=outer,
                   axis_of=np.concatenate(axis_of).astype(int))

    def _row_precision(self, noise: Any) -> Any:
        return noise

    def _weighted_gram(self, noise: Any) -> Any:
        n, f = self.gram.shape[0], self.weights.shape[1]
        return pt.inc_subtensor(pt.zeros((n, f, f))[self.curve_idx],
                                noise[:, None, None] * self.outer)

    def _scale(self, rate: Any) -> Any:
        return rate[:, self.axis_of]

    def knot_posterior(self, residual: Any, noise: Any, rate: Any, z: Any) -> Any:
        """A draw of the knot values given the data, ``(n_curves, F)`` in the stacked
        whitened-times-rate coordinates (axis ``k``'s knots: its bridge Cholesky factor
        times the columns with ``axis_of == k``): ``D u`` with ``u`` the whitened draw of
        :meth:`MarginalBridge.knot_posterior`."""
        return self._scale(rate) * super().knot_posterior(residual, noise, rate, z)
