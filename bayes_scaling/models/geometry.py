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

The domain level is chosen the same way, one level up
(:func:`centre_domains_where_informative`, the default of
:class:`~bayes_scaling.models.HierarchicalLearningCurve`): a domain's effect is pooled
from its curves' least-squares estimates and compared with the spread between domains,
both estimated from the data (:func:`random_effects_spread`), because with a handful of
domains the prior of that spread says little.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import least_squares

__all__ = [
    "centre_domains_where_informative",
    "centre_where_informative",
    "log_exponent_estimates",
    "log_exponent_standard_error",
    "random_effects_spread",
]

#: Fewest distinct sizes for which a curve's least-squares exponent is trusted.
MIN_SIZES_FOR_PRECISION = 5
#: Fewest curves with a usable least-squares exponent for a domain to be centred: with one
#: or two the spread between the domain's curves, and so the precision of its effect, is
#: not estimable (the embedded table's fit rows, 1-2 such curves per domain: 3 divergences
#: and R-hat 1.015 centred, a pass non-centred; BENCHMARKS.md section 6).
MIN_CURVES_FOR_DOMAIN_PRECISION = 3
#: A domain is centred when its effect's standard error is below this fraction of the
#: spread between domains: clearly more precise, so that a borderline estimate (domains
#: that nearly share one exponent, where the centred form is a funnel) stays non-centred.
DOMAIN_PRECISION_MARGIN = 0.5


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
    return log_exponent_estimates(log_size, log_metric, curve_idx, n_curves)[1]


def log_exponent_estimates(log_size: np.ndarray, log_metric: np.ndarray,
                           curve_idx: np.ndarray, n_curves: int,
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Per curve, the least-squares ``log beta`` and its standard error (the fit of
    :func:`log_exponent_standard_error`).

    Returns
    -------
    (estimate, standard_error) : tuple of numpy.ndarray
        ``(n_curves,)`` each; ``nan`` and ``inf`` where the curve cannot be fitted (fewer
        than :data:`MIN_SIZES_FOR_PRECISION` distinct sizes, a failed fit, a singular
        covariance).
    """
    estimate = np.full(n_curves, np.nan)
    standard_error = np.full(n_curves, np.inf)
    for c in range(n_curves):
        rows = curve_idx == c
        if np.unique(log_size[rows]).size < MIN_SIZES_FOR_PRECISION:
            continue
        estimate[c], standard_error[c] = _curve_estimate(log_size[rows], log_metric[rows])
    return estimate, standard_error


def _curve_estimate(log_size: np.ndarray, log_metric: np.ndarray) -> tuple[float, float]:
    """``log beta`` of one curve and its standard error (``nan, inf`` if it cannot be
    had)."""
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
        return float("nan"), float("inf")
    s2 = 2.0 * best.cost / dof
    jac = best.jac
    try:
        cov = s2 * np.linalg.inv(jac.T @ jac)
    except np.linalg.LinAlgError:
        return float("nan"), float("inf")
    var = cov[1, 1]
    if not (np.isfinite(var) and var > 0):
        return float("nan"), float("inf")
    return float(best.x[1]), float(np.sqrt(var))


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


def random_effects_spread(estimate: np.ndarray, standard_error: np.ndarray) -> float:
    """The spread between effects measured with error: the unweighted moment estimate of
    ``tau`` in ``estimate_i ~ Normal(theta_i, se_i)``, ``theta_i ~ Normal(mu, tau)``
    (Hedges 1983): the sample variance of the estimates less their mean squared standard
    error. Unweighted, so that one very precise effect does not set the spread alone (the
    weighted DerSimonian-Laird estimate shrinks towards it when precisions differ by
    orders of magnitude, as those of domains with many precise and few noisy curves do).

    Entries with an infinite or missing standard error are left out; with fewer than two
    left the spread cannot be told from the data and 0 is returned.

    Parameters
    ----------
    estimate, standard_error : numpy.ndarray
        Per effect.

    Returns
    -------
    float
        ``tau >= 0``.

    Examples
    --------
    >>> se = np.full(4, 0.01)
    >>> round(random_effects_spread(np.array([-0.5, 0.0, 0.5, 1.0]), se), 2)
    0.65
    >>> random_effects_spread(np.array([0.3, 0.3001, 0.2999]), np.full(3, 0.05))
    0.0
    """
    estimate = np.asarray(estimate, float)
    standard_error = np.asarray(standard_error, float)
    ok = np.isfinite(estimate) & np.isfinite(standard_error) & (standard_error > 0)
    if ok.sum() < 2:
        return 0.0
    excess = np.var(estimate[ok], ddof=1) - np.mean(standard_error[ok] ** 2)
    return float(np.sqrt(max(0.0, excess)))


def centre_domains_where_informative(estimate: np.ndarray, standard_error: np.ndarray,
                                     curve_domain: np.ndarray, n_domains: int) -> np.ndarray:
    """Domains whose effect to sample centred: those the data fix clearly more tightly
    than the spread between domains (standard error below
    :data:`DOMAIN_PRECISION_MARGIN` x the spread), both estimated from the curves' own
    least-squares fits.

    The rule of :func:`centre_where_informative`, one level up, with the spread estimated
    from the data rather than taken from the prior: with few domains (2-5) the prior of
    the spread is wide, and a domain level whose effects differ clearly (the spread
    pinned away from 0) while each is pinned by several precise curves is the case where
    the non-centred form ties the global mean and every domain's ``z`` along a ridge
    (``revisiting2022-lang``: R-hat 1.023 on ``z_domain`` and ``log_beta_mu``). When the
    domains share one effect the estimated spread is 0 and they stay non-centred (the
    centred form would be a funnel there). One domain is never centred.

    Each domain's effect is the precision-weighted mean of its curves' estimates, each
    curve's variance widened by the spread between the domain's curves
    (:func:`random_effects_spread`); a domain with fewer than
    :data:`MIN_CURVES_FOR_DOMAIN_PRECISION` usable curves stays non-centred (its spread,
    and so its precision, cannot be estimated), and is left out of the spread between
    domains.

    Parameters
    ----------
    estimate, standard_error : numpy.ndarray
        Per curve, from :func:`log_exponent_estimates`.
    curve_domain : numpy.ndarray
        Per curve, the position of its domain (``0 .. n_domains - 1``).
    n_domains : int
        Number of domains.

    Returns
    -------
    numpy.ndarray of bool
        ``(n_domains,)``.

    Examples
    --------
    >>> est = np.array([-2.6, -2.6, -2.5, -1.2, -1.1, -1.2])
    >>> se = np.full(6, 0.05)
    >>> centre_domains_where_informative(est, se, np.array([0, 0, 0, 1, 1, 1]), 2).tolist()
    [True, True]
    >>> centre_domains_where_informative(est, se, np.zeros(6, int), 1).tolist()
    [False]
    """
    estimate = np.asarray(estimate, float)
    standard_error = np.asarray(standard_error, float)
    curve_domain = np.asarray(curve_domain)
    mean = np.full(n_domains, np.nan)
    mean_se = np.full(n_domains, np.inf)
    for d in range(n_domains):
        rows = (curve_domain == d) & np.isfinite(estimate) & np.isfinite(standard_error)
        if rows.sum() < MIN_CURVES_FOR_DOMAIN_PRECISION:
            continue
        spread = random_effects_spread(estimate[rows], standard_error[rows])
        w = 1.0 / (standard_error[rows] ** 2 + spread**2)
        mean[d] = np.sum(w * estimate[rows]) / w.sum()
        mean_se[d] = 1.0 / np.sqrt(w.sum())
    between = random_effects_spread(mean, mean_se)
    return mean_se < DOMAIN_PRECISION_MARGIN * between
