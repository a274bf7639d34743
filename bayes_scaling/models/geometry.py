"""Choosing the geometry of a hierarchy from the data: centred or non-centred, per curve.

A partially pooled effect ``theta_c ~ Normal(mu, tau)`` can be sampled centred (``theta_c``
itself) or non-centred (``theta_c = mu + tau z_c``, ``z_c ~ Normal(0, 1)``). The model is
the same; the posterior geometry is not. When the data fix ``theta_c`` more tightly than
the spread ``tau`` between curves, the centred form is nearly Gaussian and the non-centred
one ties ``z_c`` to ``mu`` and ``tau`` along a narrow ridge (long leapfrog trajectories);
when the data say little about ``theta_c``, the centred form has the funnel between
``theta_c`` and ``tau`` and the non-centred one is easy (Betancourt & Girolami 2013,
"Hamiltonian Monte Carlo for hierarchical models"; Gorinova, Moore & Hoffman 2020,
"Automatic reparameterisation of probabilistic programs", who choose it per variable).

Which case a curve is in is not a property of the model but of the curve, so it is chosen
per curve, before sampling, from what the curve alone says about its effect:
:func:`log_exponent_standard_error` fits each curve's power law with a floor by least
squares (scipy) and takes the standard error of ``log beta`` from the Gauss-Newton
covariance; :func:`centre_where_informative` centres the curves whose standard error is
below the prior scale of the spread (``tau``). Curves the least-squares fit cannot pin down
(few sizes, a flat floor, a failed fit) get an infinite standard error and stay
non-centred, the safe choice.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import least_squares

__all__ = ["centre_where_informative", "log_exponent_standard_error"]

#: Fewest distinct sizes for which a curve's least-squares exponent is trusted.
MIN_SIZES_FOR_PRECISION = 5


def log_exponent_standard_error(log_size: np.ndarray, log_metric: np.ndarray,
                                curve_idx: np.ndarray, n_curves: int) -> np.ndarray:
    """Per curve, the least-squares standard error of ``log beta`` in
    ``log y = log(A exp(-beta t) + gamma)`` (``t``: log size centred on the curve's mean).

    Parameters
    ----------
    log_size, log_metric : numpy.ndarray
        Per observation.
    curve_idx : numpy.ndarray
        Per observation, the position of its curve (``0 .. n_curves - 1``).
    n_curves : int
        Number of curves.

    Returns
    -------
    numpy.ndarray
        ``(n_curves,)``; ``inf`` where the curve has fewer than
        :data:`MIN_SIZES_FOR_PRECISION` distinct sizes, the fit fails or the covariance
        is singular.

    Examples
    --------
    >>> t = np.log(np.geomspace(10, 1e4, 12))
    >>> y = np.log(2.0 * np.exp(-0.5 * (t - t.mean())) + 0.05)
    >>> rng = np.random.default_rng(0)
    >>> se = log_exponent_standard_error(t, y + 0.01 * rng.normal(size=12),
    ...                                  np.zeros(12, int), 1)
    >>> bool(se[0] < 0.05)
    True
    """
    out = np.full(n_curves, np.inf)
    for c in range(n_curves):
        rows = curve_idx == c
        if np.unique(log_size[rows]).size < MIN_SIZES_FOR_PRECISION:
            continue
        out[c] = _curve_standard_error(log_size[rows], log_metric[rows])
    return out


def _curve_standard_error(log_size: np.ndarray, log_metric: np.ndarray) -> float:
    """``log beta``'s standard error of one curve (``inf`` if it cannot be had)."""
    t = log_size - log_size.mean()
    floor_cap = float(np.exp(log_metric.min()))

    def residual(theta: np.ndarray) -> np.ndarray:
        log_a, log_beta, logit_g = theta
        gamma = floor_cap / (1.0 + np.exp(-logit_g))
        return np.log(np.exp(log_a - np.exp(log_beta) * t) + gamma) - log_metric

    slope = -np.polyfit(t, log_metric, 1)[0]
    best = None
    for logit_g in (-4.0, 0.0):  # no floor to speak of, and half the smallest value
        start = np.array([log_metric.mean(), np.log(max(slope, 0.02)), logit_g])
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            fit = least_squares(residual, start, method="lm", max_nfev=2000)
        if np.all(np.isfinite(fit.fun)) and (best is None or fit.cost < best.cost):
            best = fit
    dof = t.size - 3
    if best is None or dof < 1:
        return float("inf")
    s2 = 2.0 * best.cost / dof
    jac = best.jac
    try:
        cov = s2 * np.linalg.inv(jac.T @ jac)
    except np.linalg.LinAlgError:
        return float("inf")
    var = cov[1, 1]
    return float(np.sqrt(var)) if np.isfinite(var) and var > 0 else float("inf")


def centre_where_informative(standard_error: np.ndarray, spread_scale: float) -> np.ndarray:
    """Curves to sample centred: those whose data fix the effect more tightly than
    ``spread_scale``, the prior scale of the spread between curves.

    Parameters
    ----------
    standard_error : numpy.ndarray
        Per curve, the standard error of the effect from the curve alone.
    spread_scale : float
        Scale of the spread's prior (e.g. the ``sigma`` of a HalfNormal).

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> centre_where_informative(np.array([0.01, 0.5, np.inf]), 0.2).tolist()
    [True, False, False]
    """
    return np.asarray(standard_error, float) < float(spread_scale)
