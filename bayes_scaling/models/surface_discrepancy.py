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
and its knots). This is :class:`bayes_scaling.models.discrepancy.MarginalBridge` (the
learning curve's, one axis and one rate) with several axes, each with its own rate.
Pointwise, :meth:`SurfaceBridge.loo_pointwise` gives each row's leave-one-out
conditional density ``log p(y_i | y_-i, theta)`` (Bürkner, Gabry & Vehtari 2021), the
input of PSIS-LOO for non-factorised Normal models; :meth:`SurfaceBridge.knot_posterior`
draws the knots given the data, for predictions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytensor.tensor as pt

from bayes_scaling.models.discrepancy import BridgeKnots

__all__ = ["SurfaceBridge"]


@dataclass(frozen=True)
class SurfaceBridge:
    """Bridges along several axes, integrated out of a Normal likelihood.

    Attributes
    ----------
    weights : numpy.ndarray
        ``(n_obs, F)``: each row's interpolation weights on the interior knots of every
        axis times that axis's bridge Cholesky factor for the row's curve.
    outer : numpy.ndarray
        ``(n_obs, F, F)``: outer products of the rows of :attr:`weights`.
    axis_of : numpy.ndarray
        ``(F,)``: the axis (position in the order given) of each column.
    curve_idx : numpy.ndarray
        Each row's curve.
    n_curves : int
        Number of curves.
    """

    weights: np.ndarray
    outer: np.ndarray
    axis_of: np.ndarray
    curve_idx: np.ndarray
    n_curves: int

    @classmethod
    def from_knots(cls, knots: list[BridgeKnots], log_sizes: list[np.ndarray],
                   curve_idx: np.ndarray) -> SurfaceBridge:
        """Precompute the weights of the fitted rows on every axis's knot grid.

        Parameters
        ----------
        knots : list of BridgeKnots
            One knot grid per axis (same curves).
        log_sizes : list of numpy.ndarray
            Each axis's log size of every row.
        curve_idx : numpy.ndarray
            Each row's curve.
        """
        curve_idx = np.asarray(curve_idx, int)
        rows = np.arange(len(curve_idx))
        blocks, axis_of = [], []
        for k, (grid, log_size) in enumerate(zip(knots, log_sizes, strict=True)):
            location = grid.locate(log_size, curve_idx)
            interp = np.zeros((len(curve_idx), grid.n_knots))
            interp[rows, location["left"]] += 1.0 - location["weight"]
            interp[rows, location["left"] + 1] += location["weight"]
            # the pinned ends carry no value: interior columns only
            blocks.append(np.einsum("ik,ikj->ij", interp[:, 1:-1], grid.chol[curve_idx]))
            axis_of += [k] * grid.n_free
        weights = np.concatenate(blocks, axis=1)
        return cls(weights=weights, outer=weights[:, :, None] * weights[:, None, :],
                   axis_of=np.array(axis_of, dtype=int), curve_idx=curve_idx,
                   n_curves=len(knots[0].lower))

    def _parts(self, residual: Any, precision: Any, rates: Any) -> dict[str, Any]:
        """Cholesky factor of ``M_c``, ``L_c^-1 b_c`` and the column scales (tensors)."""
        n, f = self.n_curves, self.weights.shape[1]
        scale = rates[:, self.axis_of]  # (n_curves, F): each column's rate
        gram = pt.inc_subtensor(pt.zeros((n, f, f))[self.curve_idx],
                                precision[:, None, None] * self.outer)
        chol = pt.linalg.cholesky(pt.eye(f)[None, :, :]
                                  + scale[:, :, None] * gram * scale[:, None, :])
        proj = pt.inc_subtensor(pt.zeros((n, f))[self.curve_idx],
                                self.weights * (precision * residual)[:, None])
        whitened = pt.linalg.solve_triangular(chol, (scale * proj)[:, :, None],
                                              lower=True)[:, :, 0]
        return {"chol": chol, "whitened": whitened, "scale": scale}

    def logp(self, residual: Any, precision: Any, rates: Any) -> Any:
        """Joint log density of all residuals (sum over curves).

        Parameters
        ----------
        residual : tensor
            ``(n_obs,)`` log metric minus the form's log mean.
        precision : tensor
            ``(n_obs,)`` noise precision of each row.
        rates : tensor
            ``(n_curves, n_axes)`` discrepancy rates.
        """
        parts = self._parts(residual, precision, rates)
        log_det = 2.0 * pt.log(pt.diagonal(parts["chol"], axis1=-2, axis2=-1)).sum()
        quad = (precision * residual**2).sum() - (parts["whitened"] ** 2).sum()
        return -0.5 * (len(self.curve_idx) * np.log(2.0 * np.pi) - pt.log(precision).sum()
                       + log_det + quad)

    def loo_pointwise(self, residual: Any, precision: Any, rates: Any) -> Any:
        """Each row's ``log p(y_i | y_-i, theta)`` (Bürkner et al. 2021).

        With ``P`` the precision matrix of the curve's residuals, ``y_i | y_-i`` is Normal
        with variance ``1 / P_ii`` and residual ``(P r)_i / P_ii`` from its conditional
        mean. By Woodbury, ``P = S^-1 - S^-1 A T M^-1 T A^T S^-1``, so with
        ``c_i = L^-1 T a_i``: ``P_ii = p_i - p_i**2 |c_i|**2`` and ``(P r)_i = p_i r_i -
        p_i c_i . (L^-1 b)``.
        """
        parts = self._parts(residual, precision, rates)
        idx = self.curve_idx
        c = pt.linalg.solve_triangular(parts["chol"][idx],
                                       (parts["scale"][idx] * self.weights)[:, :, None],
                                       lower=True)[:, :, 0]
        p_ii = precision - precision**2 * (c**2).sum(axis=-1)
        p_r = precision * residual - precision * (c * parts["whitened"][idx]).sum(axis=-1)
        return -0.5 * np.log(2.0 * np.pi) + 0.5 * pt.log(p_ii) - 0.5 * p_r**2 / p_ii

    def knot_posterior(self, residual: Any, precision: Any, rates: Any, z: Any) -> Any:
        """A draw of the knot values given the data, ``(n_curves, F)`` in the stacked
        whitened-times-rate coordinates (axis ``k``'s knots: its bridge Cholesky factor
        times the columns with ``axis_of == k``).

        The standard-normal ``u`` (discrepancy ``A T u``) is ``Normal(M^-1 b, M^-1)``
        given the data; with ``M = L L^T``, ``u = L^-T (L^-1 b + z)`` for standard-normal
        ``z`` of shape ``(n_curves, F)``; returned: ``T u``.
        """
        parts = self._parts(residual, precision, rates)
        shifted = parts["whitened"] + z
        u = pt.linalg.solve_triangular(parts["chol"].transpose(0, 2, 1), shifted[:, :, None],
                                       lower=False)[:, :, 0]
        return parts["scale"] * u
