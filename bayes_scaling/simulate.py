"""Simulate learning curves from known parameters (for recovery and calibration checks)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_scaling.curves import POWER_LAW_IRREDUCIBLE
from bayes_scaling.models.learning_curve import curve_label


@dataclass(frozen=True)
class SimulatedCurves:
    """A simulated tidy table and the truth it was drawn from.

    Attributes
    ----------
    frame : pandas.DataFrame
        Tidy table (``domain, curve, data, seed, error``).
    truth : pandas.DataFrame
        One row per curve (index ``"domain/curve"``): ``alpha``, ``beta``, ``gamma``,
        ``sigma``, ``beta_domain``.
    """

    frame: pd.DataFrame
    truth: pd.DataFrame


def simulate_learning_curves(
    *,
    n_domains: int = 2,
    curves_per_domain: int = 2,
    sizes: np.ndarray | None = None,
    n_seeds: int = 3,
    beta_global: float = 0.35,
    domain_spread: float = 0.25,
    curve_spread: float = 0.1,
    noise: float = 0.05,
    seed: int = 0,
) -> SimulatedCurves:
    """Draw error-rate learning curves ``alpha m^-beta + gamma`` with log-normal noise.

    Parameters
    ----------
    n_domains, curves_per_domain : int
        Hierarchy shape.
    sizes : array, optional
        Training-set sizes (default: 10 sizes from 100 to 100,000).
    n_seeds : int
        Replicates per size.
    beta_global : float
        Population exponent; domain and curve exponents are log-normal around it.
    domain_spread, curve_spread : float
        Standard deviations of log-exponents between domains and curves.
    noise : float
        Standard deviation of log(error).
    seed : int
        Random seed.

    Returns
    -------
    SimulatedCurves

    Examples
    --------
    >>> sim = simulate_learning_curves(seed=1)
    >>> sim.frame.columns.tolist()
    ['domain', 'curve', 'data', 'seed', 'error']
    """
    rng = np.random.default_rng(seed)
    sizes = np.geomspace(100, 100_000, 10).round() if sizes is None else np.asarray(sizes)
    rows, truth = [], {}
    for d in range(n_domains):
        log_beta_d = np.log(beta_global) + domain_spread * rng.standard_normal()
        for c in range(curves_per_domain):
            beta = float(np.exp(log_beta_d + curve_spread * rng.standard_normal()))
            # error at the smallest size between 0.3 and 0.8, floor between 1% and 8%
            gamma = float(rng.uniform(0.01, 0.08))
            start = float(rng.uniform(0.3, 0.8))
            alpha = (start - gamma) * sizes.min() ** beta
            domain, curve = f"domain{d}", f"arch{c}"
            truth[curve_label(domain, curve)] = {
                "alpha": alpha, "beta": beta, "gamma": gamma, "sigma": noise,
                "beta_domain": float(np.exp(log_beta_d)),
            }
            mean = POWER_LAW_IRREDUCIBLE.function(sizes, alpha=alpha, beta=beta, gamma=gamma)
            for s in range(n_seeds):
                err = np.exp(np.log(mean) + noise * rng.standard_normal(sizes.size))
                for m, e in zip(sizes, np.clip(err, 1e-6, 1.0), strict=True):
                    rows.append((domain, curve, float(m), s, float(e)))
    frame = pd.DataFrame(rows, columns=["domain", "curve", "data", "seed", "error"])
    return SimulatedCurves(frame, pd.DataFrame(truth).T)
