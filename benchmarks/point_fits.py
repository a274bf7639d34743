"""Point-estimate references: M1-M4 of Alabdulmohsin et al. (2022) and least-squares fits.

M1-M4 re-implement the *estimation procedure* of the authors' code, not only its objective:
Alabdulmohsin, Neyshabur & Zhai (2022), "Revisiting Neural Scaling Laws in Language and
Vision" (NeurIPS), code in google-research/google-research, folder
``revisiting_neural_scaling_laws/`` (``methods/base.py``, ``m1.py`` ... ``m4.py`` and the
notebook ``revisiting_neural_scaling_laws.ipynb``). The code here is written from a reading
of those files (numpy/scipy instead of scikit-learn); below, ``base.M._project`` means the
method ``_project`` of class ``M`` in ``methods/base.py``, and so on.

Data and evaluation (notebook, ``get_error`` and the per-domain loops)
----------------------------------------------------------------------
* ``x`` is the ``Seen Examples`` column (examples or tokens seen: batch size x steps), ``eps``
  the ``Loss`` column, already on the scale the notebook uses (no rescaling, no point dropped,
  no cutoff). A curve is fitted on its ``Training == 1`` rows and scored on the others.
* The estimators receive the curve as a dict ``{x: eps}`` (``base.M.__init__``): the sizes are
  sorted and a repeated size keeps its last value; :func:`_as_loss_values` does the same.
* Extrapolation loss of one curve (``get_error``): ``sqrt(mean((log eps_pred - log eps)**2))``
  over its held-out points, i.e. RMSE of the log loss per curve (not pooled over a domain).
* There is no validation-based choice anywhere: each estimator is fitted once with the
  settings below, and the notebook's win rates compare the per-curve losses truncated to 3
  decimals (ties split, a NaN counted as 1).

Feasible set (``base.M.__init__`` and ``base.M._project``)
-----------------------------------------------------------
``ERR_MARGIN = 1e-3``; ``min_err = min eps - 1e-3``, ``max_err = max eps + 1e-3``. After every
update ``eps_inf`` is clipped to ``[0, min_err]`` and ``eps_0`` raised to at least
``max_err`` (then lowered to ``up_bound + 1e-3`` when an upper bound is given). No other
parameter is bounded, except by the non-negative regression of M4 and ``c >= 0`` in M3.

M1: ``eps = beta x^c`` (``m1.Estimator``, an ``m2.Estimator`` with ``eps_inf = 0`` frozen)
------------------------------------------------------------------------------------------
One ordinary least-squares regression of ``log eps`` on ``[1, log x]`` (no intercept term
besides the column of ones; ``m2.Estimator._update_c_and_beta``); ``c`` is free. With
``eps_inf`` frozen ``estimate_scaling_params`` runs a single iteration.

M2: ``eps - eps_inf = beta x^c`` (``m2.Estimator``)
----------------------------------------------------
1. Start: ``c = -0.5``, ``beta = 1``, ``eps_inf = min_err`` (``base.M.__init__``).
2. Iterate (``m2.Estimator.estimate_scaling_params``, at most 10,000 times):

   a. ``log beta, c`` by least squares of ``log(eps - eps_inf)`` on ``[1, log x]``
      (``_update_c_and_beta``);
   b. iterations 0-99: 1,000 projected gradient steps on ``eps_inf`` with learning rate
      ``1e-8`` (``_update_errs``); from iteration 100 on: 100 projected Newton steps with
      step ``0.1`` (``_update_errs_hessian``), gradient
      ``-mean(r / (eps - eps_inf))`` and second derivative
      ``mean((1 - r) / (eps - eps_inf)**2)``, ``r = log(eps - eps_inf) - log(beta x^c)``
      (``beta, c`` held fixed during the steps);
   c. stop when ``|beta - beta_previous| < 1e-10`` after iteration 101.

M3: ``eps = beta (1/x + gamma)^c`` (``m3.Estimator``)
-----------------------------------------------------
1. Start: ``c = -0.5``, ``beta = 1``, ``gamma = 0``.
2. Iterate (``m3.Estimator.estimate_scaling_params``, at most 10,000 times):

   a. least squares of ``log eps`` on ``[1, log(1/x + gamma)]``; ``beta = exp(intercept)``,
      ``c = max(0, slope)`` (``_update_c_and_beta``);
   b. ``gamma`` by a search over the candidates ``(eps_i / beta)**(1/c) - 1/x_i`` (one per
      point: the value that fits point ``i`` exactly), keeping the current ``gamma`` unless a
      non-negative candidate has a strictly smaller objective
      ``0.5 * ||log eps - log(beta (1/x + gamma)^c)||`` (``_update_gamma_fnct``; the first of
      equal candidates wins);
   c. stop when ``|beta - beta_previous| < 1e-10``.

   When ``c`` is clipped to 0 the candidates are undefined (the authors' code divides by
   zero there and raises); this implementation then keeps ``gamma``.

M4: ``(eps - eps_inf) / (eps_0 - eps)^alpha = beta x^c`` (``m4.Estimator``)
--------------------------------------------------------------------------
1. Start: ``c = -0.5``, ``beta = 1``, ``alpha = 0``, ``eps_inf = min_err``, ``eps_0`` = the
   value passed (the constructor's default and the notebook's setting is ``1.0``; BIG-Bench
   uses ``1.001`` with ``up_bound = 1.0``, image classification ``1.0`` with ``up_bound = 1.0``,
   NMT and LM ``1.0`` without an upper bound: :data:`NOTEBOOK_M4_SETTINGS`). The start value
   is *not* projected.
2. The design matrix is built once, in the constructor, from the *starting* ``eps_0``:
   ``A = [1, -log x, log(eps_0_start - eps)]`` (``m4.Estimator.__init__``). It is not
   rebuilt when ``eps_0`` moves, so ``alpha`` is always regressed on
   ``log(eps_0_start - eps)`` while the ``eps_0`` updates and the prediction use the current
   ``eps_0``. This is reproduced as is.
3. Iterate (``m4.Estimator.estimate_scaling_params``, at most 10,000 times):

   a. ``(log beta, -c, alpha)`` by *non-negative* least squares of ``log(eps - eps_inf)`` on
      ``A`` (``_update_c_beta_alpha``: ``LinearRegression(positive=True)``, which is
      :func:`scipy.optimize.nnls`). So ``beta >= 1``, ``c <= 0`` and ``alpha >= 0``. There is
      no grid over ``alpha``: it is the third regression coefficient;
   b. iterations 0-99: 1,000 projected gradient steps on ``(eps_inf, eps_0)`` with learning
      rate ``1e-8`` (``_update_errs``); from iteration 100 on: 100 projected Newton steps with
      step ``0.1`` (``_update_errs_hessian``), each coordinate divided by its own second
      derivative and skipped when that is below ``1e-5`` in magnitude. With
      ``r = log(eps - eps_inf) - alpha log(eps_0 - eps) - log(beta x^c)``: gradients
      ``-mean(r / (eps - eps_inf))`` and ``-alpha mean(r / (eps_0 - eps))``, second
      derivatives ``mean((1 - r) / (eps - eps_inf)**2)`` and
      ``alpha mean((alpha + r) / (eps_0 - eps)**2)`` (``_grad``, ``_hessian``);
   c. stop when ``|beta - beta_previous| < 1e-10`` after iteration 101.

4. Prediction (``m4.Estimator.predict_loss``): with ``b = eps_0 - eps_inf`` and
   ``f = beta x^c``, if ``alpha < 1e-5`` then ``eps = eps_inf + f``; otherwise ``w`` is the
   point of a 10,000-point grid on ``[0, b]`` minimising ``|w - f (b - w)^alpha|`` and
   ``eps = eps_inf + w`` (:func:`m4_predict`; ``prec=None`` solves the equation exactly
   instead).

Differences from the authors' code: least squares by :func:`numpy.linalg.lstsq` and
:func:`scipy.optimize.nnls` instead of scikit-learn (the same solutions), ``log(beta x^c)``
computed as ``log beta + c log x``, and the M3 guard above. The settings of
``estimate_scaling_params`` are module constants (:data:`MAX_ITERATIONS`, ...).

Also here: :func:`fit_learning_curve` (``eps = alpha m^-beta + gamma`` by least squares on
log error, the form of :class:`bayes_scaling.models.HierarchicalLearningCurve`) and
:func:`fit_chinchilla_huber` (Hoffmann et al. 2022 / Besiroglu et al. 2024: Huber loss,
``delta = 1e-3``, on log loss with the log-sum-exp parametrisation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq, least_squares, nnls

#: Margin of the feasible set in the authors' code (``base.ERR_MARGIN``).
ERR_MARGIN = 1e-3
#: Estimators of Alabdulmohsin et al. (2022) implemented here.
ESTIMATORS = ("M1", "M2", "M3", "M4")

# Settings of ``estimate_scaling_params`` (M2, M3, M4) and of ``m4.Estimator``.
#: Most alternating iterations.
MAX_ITERATIONS = 10_000
#: Iterations that use gradient steps before switching to Newton steps (M2, M4).
GRAD_ITERS = 100
#: Learning rate and number of the gradient steps per iteration.
GRAD_LR, GRAD_EPOCHS = 1e-8, 1000
#: Step size and number of the Newton steps per iteration.
NEWTON_LR, NEWTON_EPOCHS = 0.1, 100
#: Convergence threshold on the change of ``beta`` between iterations.
STOP = 1e-10
#: ``m4.EPS``: below it ``alpha`` counts as zero, and a second derivative as too small.
M4_EPS = 1e-5
#: Points of the grid an M4 prediction is searched on (``predict_loss(prec=10_000)``).
M4_GRID = 10_000
#: Starting exponent of every estimator (``c = -0.5``).
C_START = -0.5

#: The notebook's M4 settings per domain of the benchmark: ``(err_0, up_bound)``.
NOTEBOOK_M4_SETTINGS: dict[str, dict[str, float | None]] = {
    "IC": {"err_0": 1.0, "up_bound": 1.0},
    "NMT": {"err_0": 1.0, "up_bound": None},
    "LM": {"err_0": 1.0, "up_bound": None},
    "BB": {"err_0": 1.001, "up_bound": 1.0},
}


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
        Final objective value: ``0.5 * sum(residual**2)`` of the estimator's log-space
        residuals (for M1-M4 the authors' residual ``log g(eps) - log f(x)``), or the robust
        cost.
    predict : callable
        ``predict(x) -> eps`` for an array of sizes (or ``(N, D)`` for the Chinchilla fit).
    solution : tuple of float
        The optimiser's parameter vector (to warm-start refits).
    iterations : int
        Alternating iterations run (M1-M4); 0 otherwise.
    """

    name: str
    params: dict[str, float]
    cost: float
    predict: Callable[..., np.ndarray] = field(repr=False)
    solution: tuple[float, ...] = ()
    iterations: int = 0


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


def _as_loss_values(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A curve as the authors' estimators see their ``{x: eps}`` dict (M1-M4).

    Sizes are sorted; a repeated size keeps its last value (dict assignment).
    """
    x, y = _as_curve(x, y)
    last = {float(s): float(v) for s, v in zip(x, y, strict=True)}
    if len(last) < 3:
        raise ValueError(f"a curve needs at least 3 distinct sizes, got {len(last)}")
    sizes = np.array(sorted(last))
    return sizes, np.array([last[s] for s in sizes])


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


def _ols(design: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Least squares without an intercept (``LinearRegression(fit_intercept=False)``)."""
    return np.linalg.lstsq(design, labels, rcond=None)[0]


def _power_law(beta: float, c: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda s: beta * np.asarray(s, float) ** c


def fit_m1(x: np.ndarray, y: np.ndarray) -> PointFit:
    """M1: ``eps = beta x^c``, one least-squares regression of ``log eps`` on ``log x``.

    Parameters
    ----------
    x, y : numpy.ndarray
        Sizes (seen examples) and losses of one curve, at least 3 distinct sizes.

    Returns
    -------
    PointFit
        ``params = {"beta", "c"}``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.geomspace(1e3, 1e6, 8)
    >>> fit = fit_m1(x, 3.0 * x**-0.25)
    >>> round(fit.params["beta"], 6), round(fit.params["c"], 6)
    (3.0, -0.25)
    """
    x, y = _as_loss_values(x, y)
    design = np.column_stack([np.ones_like(x), np.log(x)])
    log_beta, c = (float(v) for v in _ols(design, np.log(y)))
    resid = np.log(y) - (log_beta + c * np.log(x))
    beta = float(np.exp(log_beta))
    return PointFit("M1", {"beta": beta, "c": c}, float(0.5 * resid @ resid),
                    _power_law(beta, c), (log_beta, c), iterations=1)


def _clip(value: float, low: float, high: float) -> float:
    """``base.M._project`` for ``eps_inf``: ``min(max(value, low), high)`` (NaN stays NaN)."""
    return min(max(value, low), high)


def fit_m2(x: np.ndarray, y: np.ndarray) -> PointFit:
    """M2: ``eps = eps_inf + beta x^c`` by the authors' alternating procedure.

    Least squares for ``(log beta, c)``, then gradient (first 100 iterations) or Newton
    steps on ``eps_inf`` in ``[0, min eps - 1e-3]`` (module docstring, M2).

    Parameters
    ----------
    x, y : numpy.ndarray
        Sizes (seen examples) and losses of one curve, at least 3 distinct sizes.

    Returns
    -------
    PointFit
        ``params = {"beta", "c", "err_inf"}``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.geomspace(1e3, 1e6, 10)
    >>> fit = fit_m2(x, 0.3 + 5.0 * x**-0.4)
    >>> round(fit.params["err_inf"], 4), round(fit.params["c"], 4)
    (0.3, -0.4)
    """
    x, y = _as_loss_values(x, y)
    n, log_x = x.size, np.log(x)
    design = np.column_stack([np.ones_like(x), log_x])
    low, high = 0.0, float(y.min()) - ERR_MARGIN
    err_inf, beta, c = high, 1.0, C_START
    old_beta = beta
    k = 0
    with np.errstate(all="ignore"):
        for k in range(MAX_ITERATIONS):
            log_beta, c = (float(v) for v in _ols(design, np.log(y - err_inf)))
            beta = float(np.exp(log_beta))
            log_f = np.log(beta * x**c)
            newton = k >= GRAD_ITERS
            for _ in range(NEWTON_EPOCHS if newton else GRAD_EPOCHS):
                inv = 1.0 / (y - err_inf)
                r = -np.log(inv) - log_f
                grad = -float(r @ inv) / n
                if newton:
                    hess = float((1.0 - r) @ (inv * inv)) / n
                    err_inf -= NEWTON_LR * grad / hess
                else:
                    err_inf -= GRAD_LR * grad
                err_inf = _clip(err_inf, low, high)
            change, old_beta = beta - old_beta, beta
            if abs(change) < STOP and k > GRAD_ITERS + 1:
                break
        resid = np.log(y - err_inf) - np.log(beta * x**c)
    return PointFit("M2", {"beta": beta, "c": c, "err_inf": err_inf},
                    float(0.5 * resid @ resid),
                    lambda s: err_inf + beta * np.asarray(s, float) ** c,
                    (float(np.log(beta)), c, err_inf), iterations=k + 1)


def _m3_objective(log_y: np.ndarray, x: np.ndarray, beta: float, c: float,
                  gamma: np.ndarray | float) -> np.ndarray:
    """``0.5 * ||log eps - log(beta (1/x + gamma)^c)||`` (``base.M._get_objt``), per gamma."""
    gamma = np.asarray(gamma, float)[..., None]
    resid = log_y - np.log(beta * (1.0 / x + gamma) ** c)
    return 0.5 * np.sqrt(np.sum(resid**2, axis=-1))


def fit_m3(x: np.ndarray, y: np.ndarray) -> PointFit:
    """M3: ``eps = beta (1/x + gamma)^c`` by the authors' alternating procedure.

    Least squares for ``(log beta, c)`` with ``c`` clipped at 0, then a search of ``gamma``
    over the values that fit one point exactly (module docstring, M3).

    Parameters
    ----------
    x, y : numpy.ndarray
        Sizes (seen examples) and losses of one curve, at least 3 distinct sizes.

    Returns
    -------
    PointFit
        ``params = {"beta", "c", "gamma"}``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.geomspace(1e3, 1e6, 10)
    >>> fit = fit_m3(x, 2.0 * (1 / x + 1e-5) ** 0.3)
    >>> round(fit.params["c"], 3), round(fit.params["gamma"] * 1e5, 3)
    (0.3, 1.0)
    """
    x, y = _as_loss_values(x, y)
    log_y = np.log(y)
    ones = np.ones_like(x)
    beta, c, gamma = 1.0, C_START, 0.0
    old_beta = beta
    iterations = 0
    with np.errstate(all="ignore"):
        for k in range(MAX_ITERATIONS):
            iterations = k + 1
            design = np.column_stack([ones, np.log(1.0 / x + gamma)])
            coef = _ols(design, log_y)
            beta, c = float(np.exp(coef[0])), max(0.0, float(coef[1]))
            if c > 0.0:
                candidates = (y / beta) ** (1.0 / c) - 1.0 / x
                best = float(_m3_objective(log_y, x, beta, c, gamma))
                valid = candidates >= 0  # False for NaN, as ``gamma >= 0`` is
                if valid.any():
                    losses = np.where(valid, _m3_objective(log_y, x, beta, c, candidates),
                                      np.inf)
                    i = int(np.argmin(losses))  # the first of equal minima
                    if losses[i] < best:
                        gamma = float(candidates[i])
            change, old_beta = beta - old_beta, beta
            if abs(change) < STOP:
                break
        resid = log_y - np.log(beta * (1.0 / x + gamma) ** c)
    return PointFit("M3", {"beta": beta, "c": c, "gamma": gamma}, float(0.5 * resid @ resid),
                    lambda s: beta * (1.0 / np.asarray(s, float) + gamma) ** c,
                    (float(np.log(beta)), c, gamma), iterations=iterations)


def m4_predict(sizes: np.ndarray, *, beta: float, c: float, alpha: float, err_inf: float,
               err_0: float, prec: int | None = M4_GRID) -> np.ndarray:
    """Solve ``(eps - eps_inf) / (eps_0 - eps)**alpha = beta x^c`` for ``eps`` at each size.

    As ``m4.Estimator.predict_loss``: with ``b = eps_0 - eps_inf`` and ``f = beta x^c``,
    ``eps = eps_inf + f`` when ``alpha < 1e-5``; otherwise ``eps = eps_inf + w`` for the
    point ``w`` of ``linspace(0, b, prec)`` minimising ``|w - f (b - w)^alpha|``.

    Parameters
    ----------
    sizes : numpy.ndarray
        Sizes to predict at.
    beta, c, alpha, err_inf, err_0 : float
        M4's parameters.
    prec : int or None
        Points of the grid (the authors' 10,000); ``None`` finds the exact root with
        :func:`scipy.optimize.brentq` (the left side minus the right is increasing in ``w``).

    Returns
    -------
    numpy.ndarray
        Predicted losses, one per size.

    Examples
    --------
    >>> m4_predict([1e4], beta=2.0, c=-0.3, alpha=0.0, err_inf=0.3, err_0=1.0).round(4)
    array([0.4262])
    """
    sizes = np.atleast_1d(np.asarray(sizes, float))
    f = beta * sizes**c
    if abs(alpha) < M4_EPS:
        return err_inf + f
    b = err_0 - err_inf
    if prec is None:
        w = np.array([brentq(lambda w, fi=fi: w - fi * (b - w) ** alpha, 0.0, b, xtol=1e-14)
                      for fi in f])
        return err_inf + w
    grid = np.linspace(0.0, b, prec)
    tail = (b - grid) ** alpha
    out = np.empty_like(f)
    step = max(1, 2_000_000 // prec)  # bounded memory: sizes in chunks
    for start in range(0, f.size, step):
        chunk = f[start:start + step, None]
        out[start:start + step] = grid[np.argmin(np.abs(grid - chunk * tail), axis=1)]
    return err_inf + out


def fit_m4(x: np.ndarray, y: np.ndarray, *, err_0: float | None = None,
           up_bound: float | None = None, update_err_0: bool = True) -> PointFit:
    """M4: ``(eps - eps_inf) / (eps_0 - eps)^alpha = beta x^c`` by the authors' procedure.

    Non-negative least squares for ``(log beta, -c, alpha)`` on a design fixed at the
    starting ``eps_0``, then gradient (first 100 iterations) or Newton steps on
    ``(eps_inf, eps_0)`` (module docstring, M4).

    Parameters
    ----------
    x, y : numpy.ndarray
        Sizes (seen examples) and losses of one curve, at least 3 distinct sizes.
    err_0 : float, optional
        Starting ``eps_0`` (the constructor's ``err_0``). Default: ``1.0``, the value the
        authors' notebook passes for image classification, NMT and language modelling, when
        every loss is below 1; otherwise ``max eps + 1e-3`` (the constructor's rule for
        ``err_0=None``), since ``log(eps_0 - eps)`` must exist. BIG-Bench in the notebook:
        ``1.001`` (:data:`NOTEBOOK_M4_SETTINGS`).
    up_bound : float, optional
        Upper bound on the loss: ``eps_0 <= up_bound + 1e-3`` (notebook: ``1.0`` for image
        classification and BIG-Bench, none for NMT and LM).
    update_err_0 : bool
        Whether ``eps_0`` is learnt (the notebook: always).

    Returns
    -------
    PointFit
        ``params = {"beta", "c", "alpha", "err_inf", "err_0"}``; ``predict`` is
        :func:`m4_predict` with the authors' grid.

    Raises
    ------
    ValueError
        If ``err_0`` is not above every loss (its logarithm would not exist).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.geomspace(1e3, 1e6, 10)
    >>> y = m4_predict(x, beta=2.0, c=-0.3, alpha=0.7, err_inf=0.3, err_0=1.0, prec=None)
    >>> fit = fit_m4(x, y)
    >>> round(fit.params["alpha"], 3), round(fit.params["c"], 3)
    (0.7, -0.3)
    """
    x, y = _as_loss_values(x, y)
    if err_0 is None:
        err_0 = 1.0 if y.max() < 1.0 else float(y.max()) + ERR_MARGIN
    if not err_0 > y.max():
        raise ValueError(f"err_0={err_0} must exceed every loss (max {y.max():g}): the "
                         "regression uses log(err_0 - eps)")
    if up_bound is not None and up_bound <= 0.0:
        raise ValueError(f"up_bound={up_bound} must be positive (above the lower bound 0)")
    n, log_x = x.size, np.log(x)
    design = np.column_stack([np.ones_like(x), -log_x, np.log(err_0 - y)])
    low, high = 0.0, float(y.min()) - ERR_MARGIN
    max_err = float(y.max()) + ERR_MARGIN
    cap = None if up_bound is None else up_bound + ERR_MARGIN

    def project(e_inf: float, e_0: float) -> tuple[float, float]:
        e_0 = max(e_0, max_err)
        return _clip(e_inf, low, high), e_0 if cap is None else min(e_0, cap)

    err_inf, beta, c, alpha = high, 1.0, C_START, 0.0
    old_beta = beta
    k = 0
    with np.errstate(all="ignore"):
        for k in range(MAX_ITERATIONS):
            (log_beta, minus_c, alpha), _ = nnls(design, np.log(y - err_inf))
            beta, c, alpha = float(np.exp(log_beta)), -float(minus_c), float(alpha)
            log_f = np.log(beta * x**c)
            newton = k >= GRAD_ITERS
            for _ in range(NEWTON_EPOCHS if newton else GRAD_EPOCHS):
                inv_inf, inv_0 = 1.0 / (y - err_inf), 1.0 / (err_0 - y)
                r = alpha * np.log(inv_0) - np.log(inv_inf) - log_f
                grad_inf = -float(r @ inv_inf) / n
                grad_0 = -alpha * float(r @ inv_0) / n
                if newton:
                    h_inf = float((1.0 - r) @ (inv_inf * inv_inf)) / n
                    h_0 = alpha * float((alpha + r) @ (inv_0 * inv_0)) / n
                    if abs(h_inf) > M4_EPS:
                        err_inf -= NEWTON_LR * grad_inf / h_inf
                    if update_err_0 and abs(h_0) > M4_EPS:
                        err_0 -= NEWTON_LR * grad_0 / h_0
                else:
                    err_inf -= GRAD_LR * grad_inf
                    if update_err_0:
                        err_0 -= GRAD_LR * grad_0
                err_inf, err_0 = project(err_inf, err_0)
            change, old_beta = beta - old_beta, beta
            if abs(change) < STOP and k > GRAD_ITERS + 1:
                break
        resid = np.log(y - err_inf) - alpha * np.log(err_0 - y) - np.log(beta * x**c)
    params = {"beta": beta, "c": c, "alpha": alpha, "err_inf": err_inf, "err_0": err_0}
    return PointFit("M4", params, float(0.5 * resid @ resid),
                    lambda s: m4_predict(s, **params),
                    (float(np.log(beta)), c, alpha, err_inf, err_0), iterations=k + 1)


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
        # np.logaddexp.reduce, not scipy.special.logsumexp: the same values, and scipy
        # 1.18's array-API dispatch makes logsumexp ~50x slower on these small arrays
        return np.logaddexp.reduce(terms, axis=0) - log_l

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
