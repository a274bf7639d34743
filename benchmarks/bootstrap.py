"""The point-fit route to an interval: one least-squares fit plus bootstrap refits.

Epoch AI (Besiroglu et al. 2024) put intervals on the Chinchilla law by refitting the Huber
regression to 4,000 bootstrap resamples of the runs; the same is done here per learning
curve. Refits start from the full-data optimum (warm start), which is what makes 4,000 of
them affordable; the full-data fit itself starts from a grid. The time of fit + refits is the
point route's *time to an interval*, compared with a Bayesian fit in :mod:`benchmarks.speed`.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from benchmarks.point_fits import fit_chinchilla_huber, fit_learning_curve

#: Bootstrap refits, as Epoch AI did for the Chinchilla law.
N_BOOT = 4000
#: Epoch's analysis drops the 5 runs with the highest loss before fitting.
CHINCHILLA_DROP_HIGHEST = 5


def bootstrap_learning_curves(frame: pd.DataFrame, *, metric: str, n_boot: int = N_BOOT,
                              seed: int = 0, prob: float = 0.9) -> dict[str, float]:
    """Fit ``alpha m^-beta + gamma`` to each curve and refit ``n_boot`` row resamples.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy rows (``domain, curve, data`` and ``metric``) that the Bayesian model fits.
    metric : str
        ``"error"`` or ``"loss"``.
    n_boot : int
        Bootstrap refits per curve.
    seed : int
        Random seed of the resampling.
    prob : float
        Probability of the percentile interval of each curve's exponent ``beta``.

    Returns
    -------
    dict
        ``fit_s`` (full-data fits), ``bootstrap_s`` (refits), ``total_s``, ``n_curves``,
        ``n_refits``, ``failed_refits`` and ``beta_interval_width_median`` (median over
        curves of the ``prob`` interval width of ``beta``).
    """
    rng = np.random.default_rng(seed)
    curves = [g for _, g in frame.groupby(["domain", "curve"], sort=True)]
    t0 = time.perf_counter()
    fits = [fit_learning_curve(g["data"].to_numpy(float), g[metric].to_numpy(float))
            for g in curves]
    t1 = time.perf_counter()
    failed, widths = 0, []
    for g, full in zip(curves, fits, strict=True):
        x, y = g["data"].to_numpy(float), g[metric].to_numpy(float)
        betas = np.empty(n_boot)
        for b in range(n_boot):
            idx = rng.integers(0, x.size, x.size)
            try:
                betas[b] = fit_learning_curve(x[idx], y[idx], start=full.solution).params["beta"]
            except (RuntimeError, ValueError):
                betas[b] = np.nan
                failed += 1
        lo, hi = np.nanquantile(betas, [(1 - prob) / 2, (1 + prob) / 2])
        widths.append(hi - lo)
    t2 = time.perf_counter()
    return {"fit_s": t1 - t0, "bootstrap_s": t2 - t1, "total_s": t2 - t0,
            "n_curves": len(curves), "n_refits": n_boot * len(curves), "failed_refits": failed,
            "beta_interval_width_median": float(np.median(widths))}


def bootstrap_chinchilla(frame: pd.DataFrame, *, n_boot: int = N_BOOT, seed: int = 0,
                         drop_highest: int = CHINCHILLA_DROP_HIGHEST,
                         prob: float = 0.9) -> dict[str, float]:
    """Epoch's route: drop the ``drop_highest`` highest-loss runs, Huber fit, bootstrap refits.

    Returns
    -------
    dict
        ``fit_s``, ``bootstrap_s``, ``total_s``, ``n_refits``, ``failed_refits``, the
        full-data estimates ``E, A, B, alpha, beta`` and the ``prob`` percentile interval
        of each (``<name>_lower``, ``<name>_upper``).
    """
    rng = np.random.default_rng(seed)
    kept = frame.sort_values("loss").iloc[: len(frame) - drop_highest] if drop_highest else frame
    n, d, loss = (kept[c].to_numpy(float) for c in ("params", "data", "loss"))
    t0 = time.perf_counter()
    full = fit_chinchilla_huber(n, d, loss)
    t1 = time.perf_counter()
    names = ("E", "A", "B", "alpha", "beta")
    draws = np.full((n_boot, len(names)), np.nan)
    failed = 0
    for b in range(n_boot):
        idx = rng.integers(0, n.size, n.size)
        try:
            refit = fit_chinchilla_huber(n[idx], d[idx], loss[idx], start=np.array(full.solution))
            draws[b] = [refit.params[k] for k in names]
        except RuntimeError:
            failed += 1
    t2 = time.perf_counter()
    out: dict[str, float] = {"fit_s": t1 - t0, "bootstrap_s": t2 - t1, "total_s": t2 - t0,
                             "n_refits": n_boot, "failed_refits": failed}
    for k, name in enumerate(names):
        out[name] = full.params[name]
        lo, hi = np.nanquantile(draws[:, k], [(1 - prob) / 2, (1 + prob) / 2])
        out[f"{name}_lower"], out[f"{name}_upper"] = float(lo), float(hi)
    return out
