"""Point-estimate references: M1-M4 of Alabdulmohsin et al. (2022) and least-squares fits.

M1-M4 are re-implemented from the equations of Alabdulmohsin, Neyshabur & Zhai (2022),
"Revisiting Neural Scaling Laws in Language and Vision" (NeurIPS), Section 2, and the
objective of the authors' code (google-research/google-research,
``revisiting_neural_scaling_laws/methods/{base,m1,m2,m3,m4}.py``): each estimator writes the
law as ``g(eps_x) = f(x)`` and minimises ``sum_x (log g(eps_x) - log f(x))**2``, with the same
feasible set (``ERR_MARGIN = 1e-3``)::

    M1   eps_x = beta * x**c                                      (c free)
    M2   eps_x - eps_inf = beta * x**c                            0 <= eps_inf <= min eps - 1e-3
    M3   eps_x = beta * (1/x + gamma)**c                          c >= 0, gamma >= 0
    M4   (eps_x - eps_inf) / (eps_0 - eps_x)**alpha = beta * x**c
                                       c <= 0, alpha >= 0, eps_0 >= max eps + 1e-3,
                                       0 <= eps_inf <= min eps - 1e-3

The authors alternate closed-form regressions with gradient/Newton steps; here the same
objective is minimised with :func:`scipy.optimize.least_squares` (bounded, trust-region
reflective) from a few starting points, the best of which is kept. An M4 prediction solves
``w = f(x) * (b - w)**alpha`` for ``w = eps_x - eps_inf`` on ``[0, b]``, ``b = eps_0 - eps_inf``
(the left side minus the right is increasing in ``w``, so :func:`scipy.optimize.brentq` finds
the unique root; the authors search a grid of 10,000 values).

Also here: :func:`fit_learning_curve` (``eps = alpha m^-beta + gamma`` by least squares on
log error, the form of :class:`bayes_scaling.models.HierarchicalLearningCurve`) and
:func:`fit_chinchilla_huber` (Hoffmann et al. 2022 / Besiroglu et al. 2024: Huber loss,
``delta = 1e-3``, on log loss with the log-sum-exp parametrisation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq, least_squares
from scipy.special import logsumexp

#: Margin of the feasible set in the authors' code (``base.ERR_MARGIN``).
ERR_MARGIN = 1e-3
#: Estimators of Alabdulmohsin et al. (2022) implemented here.
ESTIMATORS = ("M1", "M2", "M3", "M4")


@dataclass(frozen=True)
class PointFit:
    """A fitted point estimator.

    Attributes
    ----------
    name : str
        ``"M1"`` ... ``"M4"``, ``"learning_curve"`` or ``"chinchilla_huber"``.
    params : dict
        Fitted parameters (the paper's names).
    cost : float
        Final objective value (``0.5 * sum(residual**2)``, or the robust cost).
    predict : callable
        ``predict(x) -> eps`` for an array of sizes (or ``(N, D)`` for the Chinchilla fit).
    solution : tuple of float
        The optimiser's parameter vector (to warm-start refits).
    """

    name: str
    params: dict[str, float]
    cost: float
    predict: Callable[..., np.ndarray] = field(repr=False)
    solution: tuple[float, ...] = ()


def _as_curve(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-d arrays of one shape, got {x.shape} and {y.shape}")
    if x.size < 3:
        raise ValueError(f"a curve needs at least 3 points, got {x.size}")
    if np.any(x <= 0) or np.any(y <= 0) or not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("sizes and losses must be finite and positive")
    return x, y


def _best(fun: Callable[[np.ndarray], np.ndarray], starts: list[list[float]],
          bounds: tuple[list[float], list[float]]) -> np.ndarray:
    """``least_squares`` from each start (clipped into the bounds); the lowest cost wins."""
    low, high = np.asarray(bounds[0], float), np.asarray(bounds[1], float)
    best = None
    for start in starts:
        x0 = np.clip(np.asarray(start, float), low, high)
        # strictly inside for the trust-region-reflective method
        span = np.where(np.isfinite(high - low), high - low, 1.0)
        x0 = np.clip(x0, low + 1e-9 * span, high - 1e-9 * span)
        with np.errstate(all="ignore"):
            res = least_squares(fun, x0, bounds=(low, high), method="trf", x_scale="jac")
        if np.isfinite(res.cost) and (best is None or res.cost < best.cost):
            best = res
    if best is None:
        raise RuntimeError("least squares failed from every starting point")
    return best


def fit_m1(x: np.ndarray, y: np.ndarray) -> PointFit:
    """M1: ``eps = beta x^c`` (ordinary least squares on ``log eps``)."""
    x, y = _as_curve(x, y)
    design = np.column_stack([np.ones_like(x), np.log(x)])
    (log_beta, c), *_ = np.linalg.lstsq(design, np.log(y), rcond=None)
    resid = np.log(y) - design @ np.array([log_beta, c])
    beta = float(np.exp(log_beta))
    c = float(c)
    return PointFit("M1", {"beta": beta, "c": c}, float(0.5 * resid @ resid),
                    lambda s: beta * np.asarray(s, float) ** c)


def fit_m2(x: np.ndarray, y: np.ndarray) -> PointFit:
    """M2: ``eps = eps_inf + beta x^c`` with ``0 <= eps_inf <= min eps - 1e-3``."""
    x, y = _as_curve(x, y)
    log_x = np.log(x)
    upper_inf = max(y.min() - ERR_MARGIN, 1e-12)

    def resid(p: np.ndarray) -> np.ndarray:
        log_beta, c, err_inf = p
        return np.log(np.maximum(y - err_inf, 1e-300)) - (log_beta + c * log_x)

    m1 = fit_m1(x, y)
    starts = [[np.log(m1.params["beta"]), m1.params["c"], f * upper_inf]
              for f in (0.0, 0.5, 0.9, 1.0)]
    res = _best(resid, starts, ([-np.inf, -np.inf, 0.0], [np.inf, np.inf, upper_inf]))
    log_beta, c, err_inf = (float(v) for v in res.x)
    beta = float(np.exp(log_beta))
    return PointFit("M2", {"beta": beta, "c": c, "err_inf": err_inf}, float(res.cost),
                    lambda s: err_inf + beta * np.asarray(s, float) ** c)


def fit_m3(x: np.ndarray, y: np.ndarray) -> PointFit:
    """M3: ``eps = beta (1/x + gamma)^c`` with ``c >= 0``, ``gamma >= 0``.

    ``gamma`` is fitted on the log scale (``log gamma`` from ``-60``), since its scale is of
    order ``1/x`` and unknown in advance (the authors grid-search it for the same reason).
    """
    x, y = _as_curve(x, y)
    log_y = np.log(y)

    def resid(p: np.ndarray) -> np.ndarray:
        log_beta, c, log_gamma = p
        return log_y - (log_beta + c * np.logaddexp(-np.log(x), log_gamma))

    m1 = fit_m1(x, y)
    c0 = max(-m1.params["c"], 1e-3)
    starts = [[np.log(m1.params["beta"]), c0, g] for g in
              (-np.log(x.max()) - 3, -np.log(x.max()), -np.log(np.median(x)), -np.log(x.min()))]
    res = _best(resid, starts, ([-np.inf, 0.0, -60.0], [np.inf, np.inf, 10.0]))
    log_beta, c, log_gamma = (float(v) for v in res.x)
    beta, gamma = float(np.exp(log_beta)), float(np.exp(log_gamma))
    return PointFit("M3", {"beta": beta, "c": c, "gamma": gamma}, float(res.cost),
                    lambda s: beta * (1.0 / np.asarray(s, float) + gamma) ** c)


def m4_predict(sizes: np.ndarray, *, beta: float, c: float, alpha: float, err_inf: float,
               err_0: float) -> np.ndarray:
    """Solve ``(eps - eps_inf) / (eps_0 - eps)**alpha = beta x^c`` for ``eps`` at each size."""
    sizes = np.atleast_1d(np.asarray(sizes, float))
    b = err_0 - err_inf
    out = np.empty_like(sizes)
    for i, s in enumerate(sizes):
        f = beta * s**c
        if alpha < 1e-12:
            w = f
        else:
            w = brentq(lambda w, f=f: w - f * (b - w) ** alpha, 0.0, b, xtol=1e-12)
        out[i] = err_inf + w
    return out


def fit_m4(x: np.ndarray, y: np.ndarray) -> PointFit:
    """M4: ``(eps - eps_inf) / (eps_0 - eps)^alpha = beta x^c`` (bounds in the module doc)."""
    x, y = _as_curve(x, y)
    log_x = np.log(x)
    upper_inf = max(y.min() - ERR_MARGIN, 1e-12)
    lower_0 = y.max() + ERR_MARGIN

    def resid(p: np.ndarray) -> np.ndarray:
        log_beta, c, alpha, err_inf, err_0 = p
        g = (np.log(np.maximum(y - err_inf, 1e-300))
             - alpha * np.log(np.maximum(err_0 - y, 1e-300)))
        return g - (log_beta + c * log_x)

    m2 = fit_m2(x, y)
    c0 = min(m2.params["c"], -1e-3)
    starts = [[np.log(m2.params["beta"]), c0, a, m2.params["err_inf"], e0]
              for a in (0.0, 0.5, 1.0) for e0 in (lower_0, max(1.0, 2 * lower_0))]
    res = _best(resid, starts, ([-np.inf, -np.inf, 0.0, 0.0, lower_0],
                                [np.inf, 0.0, np.inf, upper_inf, np.inf]))
    log_beta, c, alpha, err_inf, err_0 = (float(v) for v in res.x)
    params = {"beta": float(np.exp(log_beta)), "c": c, "alpha": alpha, "err_inf": err_inf,
              "err_0": err_0}
    return PointFit("M4", params, float(res.cost), lambda s: m4_predict(s, **params))


FITTERS: dict[str, Callable[[np.ndarray, np.ndarray], PointFit]] = {
    "M1": fit_m1, "M2": fit_m2, "M3": fit_m3, "M4": fit_m4,
}


def fit_learning_curve(x: np.ndarray, y: np.ndarray, *,
                       start: np.ndarray | None = None) -> PointFit:
    """``eps = alpha m^-beta + gamma`` by least squares on ``log eps`` (a Normal likelihood
    on the log scale, as in the hierarchical model), ``0 <= gamma < min eps``.

    ``start`` (``log alpha, beta, gamma``) warm-starts a refit (the bootstrap uses the
    full-data optimum); without it a few starts are tried.
    """
    x, y = _as_curve(x, y)
    log_x, log_y = np.log(x), np.log(y)
    upper = y.min() * (1 - 1e-9)

    def resid(p: np.ndarray) -> np.ndarray:
        log_alpha, beta, gamma = p
        return np.log(gamma + np.exp(log_alpha - beta * log_x)) - log_y

    bounds = ([-np.inf, 0.0, 0.0], [np.inf, 5.0, upper])
    if start is None:
        m1 = fit_m1(x, y)
        starts = [[np.log(m1.params["beta"]), max(-m1.params["c"], 1e-3), f * upper]
                  for f in (0.0, 0.5, 0.9)]
    else:
        starts = [list(start)]
    res = _best(resid, starts, bounds)
    log_alpha, beta, gamma = (float(v) for v in res.x)
    alpha = float(np.exp(log_alpha))
    return PointFit("learning_curve", {"alpha": alpha, "beta": beta, "gamma": gamma},
                    float(res.cost), lambda s: alpha * np.asarray(s, float) ** -beta + gamma,
                    tuple(float(v) for v in res.x))


#: Huber threshold on log-loss residuals (Hoffmann et al. 2022; Besiroglu et al. 2024).
HUBER_DELTA = 1e-3


def fit_chinchilla_huber(params: np.ndarray, tokens: np.ndarray, loss: np.ndarray, *,
                         start: np.ndarray | None = None) -> PointFit:
    """``L = E + A/N^alpha + B/D^beta`` by Huber regression on log loss (``delta = 1e-3``).

    Parametrised as ``log L = LSE(a - alpha log N, b - beta log D, e)`` with ``A = e^a``,
    ``B = e^b``, ``E = e^e``, as Hoffmann et al. (2022) and Besiroglu et al. (2024).
    Without ``start`` the fit starts from a grid (a coarse version of their grid of
    initialisations: ``alpha, beta in {0.2, 0.5, 1}``, ``e in {-1, 0, 1}``,
    ``a, b in {5, 15}``); ``scipy.optimize.least_squares(loss="huber")`` minimises
    ``sum huber_delta(r)`` up to a constant factor.
    """
    log_n, log_d, log_l = (np.log(np.asarray(v, float)) for v in (params, tokens, loss))

    def resid(p: np.ndarray) -> np.ndarray:
        a, b, e, alpha, beta = p
        terms = np.stack([a - alpha * log_n, b - beta * log_d, np.full_like(log_n, e)])
        return logsumexp(terms, axis=0) - log_l

    if start is None:
        grid = [[a, b, e, al, be] for a in (5.0, 15.0) for b in (5.0, 15.0)
                for e in (-1.0, 0.0, 1.0) for al in (0.2, 0.5, 1.0) for be in (0.2, 0.5, 1.0)]
    else:
        grid = [list(start)]
    best = None
    for x0 in grid:
        with np.errstate(all="ignore"):
            res = least_squares(resid, x0, loss="huber", f_scale=HUBER_DELTA, method="trf")
        if np.isfinite(res.cost) and (best is None or res.cost < best.cost):
            best = res
    if best is None:
        raise RuntimeError("the Chinchilla Huber fit failed from every starting point")
    a, b, e, alpha, beta = (float(v) for v in best.x)
    fitted = {"E": float(np.exp(e)), "A": float(np.exp(a)), "B": float(np.exp(b)),
              "alpha": alpha, "beta": beta}

    def predict(n: np.ndarray, d: np.ndarray) -> np.ndarray:
        return (fitted["E"] + fitted["A"] * np.asarray(n, float) ** -alpha
                + fitted["B"] * np.asarray(d, float) ** -beta)

    return PointFit("chinchilla_huber", fitted, float(best.cost), predict,
                    tuple(float(v) for v in best.x))
