"""Simulate learning curves from known parameters (for recovery and calibration checks)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_scaling.curves import POWER_LAW_IRREDUCIBLE
from bayes_scaling.models.indexing import curve_label


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


def simulate_width_sweep(
    *,
    n_domains: int = 2,
    curves_per_domain: int = 2,
    sizes: np.ndarray | None = None,
    widths_per_decade: int = 6,
    n_seeds: int = 3,
    beta_p: float = 0.7,
    beta_p_spread: float = 0.05,
    noise: float = 0.03,
    seed: int = 0,
) -> SimulatedCurves:
    """Learning curves with a model-size sweep whose best size follows ``s(m) = a m^beta_p``.

    The error of a model of size ``p`` trained on ``m`` samples is the learning curve
    at ``m`` inflated by ``(1 + 0.3 * log(p / s(m))**2)``: too small or too large a model
    is worse, the best is ``s(m)``.

    Returns
    -------
    SimulatedCurves
        ``frame`` has ``domain, curve, data, params, seed, error``; ``truth`` adds
        ``beta_p`` and ``alpha_p`` per curve.
    """
    rng = np.random.default_rng(seed)
    base = simulate_learning_curves(n_domains=n_domains, curves_per_domain=curves_per_domain,
                                    sizes=sizes, n_seeds=1, noise=0.0, seed=seed)
    sizes = np.sort(base.frame["data"].unique())
    grid = np.geomspace(10, 10**7, 6 * widths_per_decade + 1)
    rows, truth = [], base.truth.copy()
    for label, t in base.truth.iterrows():
        domain, curve = str(label).split("/", 1)
        bp = float(beta_p + beta_p_spread * rng.standard_normal())
        alpha_p = float(rng.uniform(0.5, 5.0))
        truth.loc[label, ["beta_p", "alpha_p"]] = bp, alpha_p
        lc = POWER_LAW_IRREDUCIBLE.function(sizes, alpha=t["alpha"], beta=t["beta"],
                                            gamma=t["gamma"])
        for m, e in zip(sizes, lc, strict=True):
            best = alpha_p * m**bp
            near = grid[(grid > best / 20) & (grid < best * 20)]
            for p in near:
                mean = e * (1 + 0.3 * np.log(p / best) ** 2)
                for s in range(n_seeds):
                    err = float(np.clip(np.exp(np.log(mean) + noise * rng.standard_normal()),
                                        1e-6, 1.0))
                    rows.append((domain, curve, float(m), float(round(p)), s, err))
    frame = pd.DataFrame(rows, columns=["domain", "curve", "data", "params", "seed", "error"])
    return SimulatedCurves(frame, truth)


def simulate_form_curves(
    family: str,
    params: dict[str, list[float]] | dict[str, float],
    *,
    domain: str = "sim",
    n_curves: int | None = None,
    ref_size: float = 1e4,
    log_x: np.ndarray | None = None,
    n_seeds: int = 2,
    noise: float = 0.05,
    metric: str = "error",
    seed: int = 0,
) -> SimulatedCurves:
    """Draw curves from any registered family on the normalised scale.

    ``y = f(m / ref_size; theta_c) * exp(noise * z)`` with ``m = ref_size * exp(log_x)``, so
    ``params`` are stated on the scale of the family's default priors (see
    :mod:`bayes_scaling.curves.base`).

    Parameters
    ----------
    family : str
        A registered family name.
    params : dict
        Parameter values: a scalar (shared by every curve) or one value per curve.
    domain : str
        Domain name of every curve.
    n_curves : int, optional
        Number of curves (default: the length of the per-curve lists, else 1).
    ref_size : float
        The size at ``x = 1``.
    log_x : array, optional
        Log relative sizes (default: 10 values evenly spaced in [-3, 3]).
    n_seeds : int
        Replicates per size.
    noise : float
        Standard deviation of ``log y``.
    metric : {"error", "loss"}
        Metric column (``error`` values are clipped to at most 1).
    seed : int
        Random seed.

    Returns
    -------
    SimulatedCurves
        ``truth`` has one row per curve with the parameters and ``sigma``.
    """
    from bayes_scaling.curves import get_curve

    fam = get_curve(family)
    lengths = {len(v) for v in params.values() if np.ndim(v)}
    n = n_curves or (lengths.pop() if lengths else 1)
    values = {k: np.broadcast_to(np.asarray(params[k], float), (n,)) for k in fam.parameters}
    log_x = np.linspace(-3.0, 3.0, 10) if log_x is None else np.asarray(log_x, float)
    rng = np.random.default_rng(seed)
    rows, truth = [], {}
    for c in range(n):
        theta = {k: float(v[c]) for k, v in values.items()}
        mean = np.asarray(fam.function(np.exp(log_x), **theta), float)
        for s in range(n_seeds):
            y = mean * np.exp(noise * rng.standard_normal(log_x.size))
            if metric == "error":
                y = np.minimum(y, 1.0)
            rows += [{"domain": domain, "curve": f"c{c}", "data": ref_size * np.exp(lx),
                      "seed": s, metric: float(v)} for lx, v in zip(log_x, y, strict=True)]
        truth[curve_label(domain, f"c{c}")] = {**theta, "sigma": noise}
    frame = pd.DataFrame(rows)
    return SimulatedCurves(frame, pd.DataFrame.from_dict(truth, orient="index"))
