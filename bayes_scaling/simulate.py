"""Simulate learning curves from known parameters (for recovery and calibration checks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_scaling.curves import POWER_LAW_IRREDUCIBLE
from bayes_scaling.models.indexing import curve_label

__all__ = [
    "SimulatedCurves",
    "misspecified_mean",
    "pythia_checkpoint_tokens",
    "simulate_checkpoint_runs",
    "simulate_form_curves",
    "simulate_learning_curves",
    "simulate_misspecified_curves",
    "simulate_width_sweep",
]


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

    Examples
    --------
    >>> from bayes_scaling.simulate import simulate_learning_curves
    >>> sim = simulate_learning_curves(n_domains=1, curves_per_domain=2, seed=1)
    >>> sim.frame.columns.tolist()
    ['domain', 'curve', 'data', 'seed', 'error']
    >>> sim.truth.index.tolist(), sim.truth.columns.tolist()
    (['domain0/arch0', 'domain0/arch1'], ['alpha', 'beta', 'gamma', 'sigma', 'beta_domain'])
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

    Examples
    --------
    >>> from bayes_scaling.simulate import simulate_width_sweep
    >>> sim = simulate_width_sweep(n_domains=1, curves_per_domain=1, seed=1)
    >>> sim.frame.columns.tolist()  # a params column: several model sizes per data size
    ['domain', 'curve', 'data', 'params', 'seed', 'error']
    >>> "beta_p" in sim.truth
    True
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

    Examples
    --------
    >>> from bayes_scaling.simulate import simulate_form_curves
    >>> sim = simulate_form_curves("power_law_irreducible",
    ...                            {"alpha": 0.5, "beta": 0.5, "gamma": 0.05}, seed=1)
    >>> len(sim.frame), sim.truth.index.tolist()  # 10 sizes x 2 seeds, one curve
    (20, ['sim/c0'])
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


#: Shapes drawn by :func:`simulate_misspecified_curves` (none is ``alpha m^-beta + gamma``).
MISSPECIFIED_SHAPES: tuple[str, ...] = ("sigmoid", "broken_power_law", "drifting_power_law")
#: Kinds of correlated noise along a curve in :func:`simulate_misspecified_curves`.
CORRELATED_NOISE: tuple[str, ...] = ("ar1", "random_walk")


def misspecified_mean(shape: str, sizes: np.ndarray, **params: float) -> np.ndarray:
    """The noise-free metric of one :func:`simulate_misspecified_curves` shape.

    Parameters
    ----------
    shape : {"sigmoid", "broken_power_law", "drifting_power_law"}
        The functional form:

        * ``sigmoid``: ``eps_inf + (eps0 - eps_inf) / (1 + (m / m0)^c)`` (M4-like, a
          plateau, then a power law of exponent ``c``);
        * ``broken_power_law``: ``eps_inf + a (m / m_break)^-beta B^(-(beta2 - beta) / 2)``,
          ``B = (1 + (m / m_break)^2) / 2``: log-log slope ``-beta`` below ``m_break`` and
          ``-beta2`` above (Caballero et al. 2023 with smoothness 1/2);
        * ``drifting_power_law``: ``eps_inf + a exp(-beta u - drift u^2 / 2)``,
          ``u = log(m / m_min)``: a power law whose exponent ``beta + drift u`` drifts
          linearly in log size.
    sizes : numpy.ndarray
        Sizes (> 0).
    **params : float
        The shape's parameters (names above); extra keys, e.g. the NaN columns of a truth
        row, are ignored.

    Returns
    -------
    numpy.ndarray
        The metric at ``sizes``.

    Examples
    --------
    >>> float(misspecified_mean("sigmoid", np.array([100.0]), eps0=0.9, eps_inf=0.1,
    ...                         m0=100.0, c=1.0)[0])
    0.5
    """
    m = np.asarray(sizes, float)
    p = params
    if shape == "sigmoid":
        return p["eps_inf"] + (p["eps0"] - p["eps_inf"]) / (1.0 + (m / p["m0"]) ** p["c"])
    if shape == "broken_power_law":
        x = m / p["m_break"]
        bend = ((1.0 + x**2) / 2.0) ** (-(p["beta2"] - p["beta"]) / 2.0)
        return p["eps_inf"] + p["a"] * x ** -p["beta"] * bend
    if shape == "drifting_power_law":
        u = np.log(m / p["m_min"])
        return p["eps_inf"] + p["a"] * np.exp(-p["beta"] * u - p["drift"] * u**2 / 2.0)
    raise ValueError(f"unknown shape {shape!r}; valid: {', '.join(MISSPECIFIED_SHAPES)}")


def _correlated_noise(kind: str, n: int, sigma: float, rho: float,
                      rng: np.random.Generator) -> np.ndarray:
    """Noise along ``n`` log-evenly spaced sizes: stationary AR(1) with marginal SD
    ``sigma`` and lag-1 correlation ``rho``, or a random walk from 0 whose SD at the last
    size is ``sigma``."""
    z = rng.standard_normal(n)
    if kind == "random_walk":
        steps = np.concatenate([[0.0], z[1:] * sigma / np.sqrt(max(n - 1, 1))])
        return np.cumsum(steps)
    if kind == "ar1":
        out = np.empty(n)
        out[0] = sigma * z[0]
        innovation = sigma * np.sqrt(1.0 - rho**2)
        for i in range(1, n):
            out[i] = rho * out[i - 1] + innovation * z[i]
        return out
    raise ValueError(f"unknown noise kind {kind!r}; valid: {', '.join(CORRELATED_NOISE)}")


def _shape_params(shape: str, beta: float, sizes: np.ndarray, start: float, floor: float,
                  rng: np.random.Generator) -> dict[str, float]:
    """Parameters of one curve: error ``start`` at the smallest size, ``floor`` as
    ``eps_inf`` and an exponent near ``beta``."""
    m_min, m_max = float(sizes.min()), float(sizes.max())
    span = np.log(m_max / m_min)
    if shape == "sigmoid":
        # plateau at small sizes: the midpoint lies in the lower half of the log range
        c = beta * float(rng.uniform(1.2, 2.0))
        m0 = m_min * float(np.exp(rng.uniform(0.15, 0.45) * span))
        # eps(m_min) = start
        eps0 = floor + (start - floor) * (1.0 + (m_min / m0) ** c)
        return {"eps0": eps0, "eps_inf": floor, "m0": m0, "c": c}
    if shape == "broken_power_law":
        ratio = float(rng.uniform(0.35, 0.6) if rng.random() < 0.5 else rng.uniform(1.6, 2.5))
        m_break = m_min * float(np.exp(rng.uniform(0.35, 0.7) * span))
        p = {"beta": beta, "beta2": beta * ratio, "m_break": m_break, "eps_inf": floor, "a": 1.0}
        p["a"] = (start - floor) / float(misspecified_mean(shape, np.array([m_min]),
                                                           **{**p, "eps_inf": 0.0})[0])
        return p
    if shape == "drifting_power_law":
        # exponent drifts by a factor exp(+-0.4..0.9) over the range, centred on beta
        ratio = float(np.exp(rng.choice([-1.0, 1.0]) * rng.uniform(0.4, 0.9)))
        beta_start, beta_end = beta / np.sqrt(ratio), beta * np.sqrt(ratio)
        return {"a": start - floor, "beta": float(beta_start),
                "drift": float((beta_end - beta_start) / span), "eps_inf": floor, "m_min": m_min}
    raise ValueError(f"unknown shape {shape!r}; valid: {', '.join(MISSPECIFIED_SHAPES)}")


def simulate_misspecified_curves(
    *,
    n_domains: int = 3,
    curves_per_domain: int = 4,
    shapes: tuple[str, ...] = MISSPECIFIED_SHAPES,
    noise_kinds: tuple[str, ...] = CORRELATED_NOISE,
    n_sizes: tuple[int, int] = (15, 25),
    decades: tuple[float, float] = (3.0, 4.0),
    n_seeds: int = 1,
    beta_global: float = 0.35,
    domain_spread: float = 0.25,
    curve_spread: float = 0.1,
    corr_sigma: float = 0.06,
    rho: float = 0.8,
    iid_sigma: float = 0.01,
    seed: int = 0,
) -> SimulatedCurves:
    """Draw error-rate learning curves that are *not* ``alpha m^-beta + gamma``, with
    residuals correlated along each curve.

    Each curve gets one of ``shapes`` (balanced over curves, random order; see
    :func:`misspecified_mean`) and is multiplied by ``exp(r + e)``: ``r`` is correlated
    noise in log size (AR(1) or a random walk, chosen per curve from ``noise_kinds``) shared
    by the curve's seeds, as a systematic wiggle would be; ``e`` is i.i.d. per row. Every
    curve starts between 0.3 and 0.8 at its smallest size with a floor ``eps_inf`` between
    1% and 8%; its exponent is log-normal around its domain's, the domains' around
    ``beta_global`` (as in :func:`simulate_learning_curves`). This is the stress test for
    calibration: a model of the wrong family with independent noise should see its
    extrapolation intervals under-cover here.

    Parameters
    ----------
    n_domains, curves_per_domain : int
        Hierarchy shape.
    shapes : tuple of str
        Shapes to draw from (of :data:`MISSPECIFIED_SHAPES`).
    noise_kinds : tuple of str
        Correlated-noise kinds to draw from (of :data:`CORRELATED_NOISE`).
    n_sizes : (int, int)
        Inclusive range of the number of sizes per curve (drawn per curve).
    decades : (float, float)
        Range of the curve's span in decades of size (drawn per curve); the smallest size
        is between 30 and 1,000, sizes are log-evenly spaced and rounded.
    n_seeds : int
        Replicates per size (i.i.d. noise only differs between them).
    beta_global : float
        Population exponent.
    domain_spread, curve_spread : float
        Standard deviations of log-exponents between domains and between curves.
    corr_sigma : float
        Standard deviation of the correlated log noise (AR(1): stationary; random walk: at
        the largest size).
    rho : float
        Lag-1 correlation of the AR(1) noise between neighbouring sizes.
    iid_sigma : float
        Standard deviation of the i.i.d. log noise.
    seed : int
        Random seed; the same seed gives the same table.

    Returns
    -------
    SimulatedCurves
        ``frame``: ``domain, curve, data, seed, error`` (error clipped to at most 1).
        ``truth``: one row per curve (index ``"domain/curve"``): ``shape``, ``noise``
        (kind), ``rho`` (NaN for a random walk), ``corr_sigma``, ``iid_sigma``,
        ``beta_domain``, ``m_min``, ``m_max``, ``n_sizes`` and the shape parameters
        ``eps0, eps_inf, m0, c, a, beta, beta2, m_break, drift`` (NaN where the shape has
        no such parameter; evaluate a row with :func:`misspecified_mean`).

    Examples
    --------
    >>> sim = simulate_misspecified_curves(n_domains=1, curves_per_domain=3, seed=1)
    >>> sim.frame.columns.tolist()
    ['domain', 'curve', 'data', 'seed', 'error']
    >>> sorted(sim.truth["shape"].unique())
    ['broken_power_law', 'drifting_power_law', 'sigmoid']
    """
    unknown = sorted(set(shapes) - set(MISSPECIFIED_SHAPES))
    if unknown or not shapes:
        raise ValueError(f"unknown shape(s) {unknown}; valid: {', '.join(MISSPECIFIED_SHAPES)}")
    unknown = sorted(set(noise_kinds) - set(CORRELATED_NOISE))
    if unknown or not noise_kinds:
        raise ValueError(f"unknown noise kind(s) {unknown}; valid: {', '.join(CORRELATED_NOISE)}")
    rng = np.random.default_rng(seed)
    n_curves = n_domains * curves_per_domain
    order = rng.permutation(np.resize(np.arange(len(shapes)), n_curves))
    columns = ["eps0", "eps_inf", "m0", "c", "a", "beta", "beta2", "m_break", "drift"]
    rows, truth = [], {}
    for d in range(n_domains):
        log_beta_d = np.log(beta_global) + domain_spread * rng.standard_normal()
        for c in range(curves_per_domain):
            shape = shapes[order[d * curves_per_domain + c]]
            kind = noise_kinds[int(rng.integers(len(noise_kinds)))]
            beta = float(np.exp(log_beta_d + curve_spread * rng.standard_normal()))
            n = int(rng.integers(n_sizes[0], n_sizes[1] + 1))
            m_min = float(10 ** rng.uniform(np.log10(30), 3))
            sizes = np.unique(np.round(np.geomspace(m_min, m_min * 10 ** rng.uniform(*decades),
                                                    n)))
            params = _shape_params(shape, beta, sizes, start=float(rng.uniform(0.3, 0.8)),
                                   floor=float(rng.uniform(0.01, 0.08)), rng=rng)
            mean = misspecified_mean(shape, sizes, **params)
            wiggle = _correlated_noise(kind, sizes.size, corr_sigma, rho, rng)
            domain, curve = f"domain{d}", f"curve{c}"
            for s in range(n_seeds):
                err = mean * np.exp(wiggle + iid_sigma * rng.standard_normal(sizes.size))
                rows += [(domain, curve, float(m), s, float(e))
                         for m, e in zip(sizes, np.minimum(err, 1.0), strict=True)]
            truth[curve_label(domain, curve)] = {
                "shape": shape, "noise": kind, "rho": rho if kind == "ar1" else np.nan,
                "corr_sigma": corr_sigma, "iid_sigma": iid_sigma,
                "beta_domain": float(np.exp(log_beta_d)), "m_min": float(sizes.min()),
                "m_max": float(sizes.max()), "n_sizes": int(sizes.size),
                **{k: float(params.get(k, np.nan)) for k in columns},
            }
    frame = pd.DataFrame(rows, columns=["domain", "curve", "data", "seed", "error"])
    return SimulatedCurves(frame, pd.DataFrame.from_dict(truth, orient="index"))


#: Model sizes of :func:`simulate_checkpoint_runs` (Pythia-like, 70M to 6.9B parameters).
CHECKPOINT_MODEL_SIZES: tuple[float, ...] = (7e7, 1.6e8, 4.1e8, 1e9, 1.4e9, 2.8e9, 6.9e9)


#: Tokens per optimiser step of the Pythia runs (Biderman et al. 2023: batch 1,024 x 2,048).
PYTHIA_TOKENS_PER_STEP: int = 2_097_152


def pythia_checkpoint_tokens(every: int = 10_000, last: int = 143_000) -> np.ndarray:
    """Token counts of the Pythia suite's published checkpoints (Biderman et al. 2023,
    "Pythia: A Suite for Analyzing Large Language Models", arXiv:2304.01373): steps 1, 2,
    4, ..., 512 (log-spaced, the first minutes of training), then every ``every`` steps
    (1,000 in the suite; thinned here by default) up to ``last`` (143,000), times
    :data:`PYTHIA_TOKENS_PER_STEP`.

    Examples
    --------
    >>> tokens = pythia_checkpoint_tokens()
    >>> len(tokens), int(tokens[0]), f"{tokens[-1]:.3g}"
    (26, 2097152, '3e+11')
    """
    if every < 1 or last < 1000:
        raise ValueError(f"need every >= 1 and last >= 1000, got every={every}, last={last}")
    steps = np.r_[2.0 ** np.arange(10), np.arange(1000, last + 1, every, dtype=float)]
    if steps[-1] != last:
        steps = np.r_[steps, float(last)]
    return np.unique(steps) * PYTHIA_TOKENS_PER_STEP


def simulate_checkpoint_runs(
    *,
    n_families: int = 12,
    model_sizes: tuple[float, ...] = CHECKPOINT_MODEL_SIZES,
    final_tokens: float = 3e11,
    first_tokens: float = 5e8,
    n_checkpoints: int = 16,
    checkpoint_tokens: Sequence[float] | None = None,
    schedule_excess: float = 0.04,
    early_loss: float = 3.0,
    early_tokens: float = 3e8,
    run_sigma: float = 0.01,
    corr_sigma: float = 0.004,
    rho: float = 0.7,
    seed: int = 0,
) -> SimulatedCurves:
    """Language-model families measured as a user of public checkpoints would: one run per
    model size, many checkpoints per run, not ``E + A/N^alpha + B/D^beta`` exactly.

    Each family (one curve of domain ``"lm"``) has its own law, drawn around the Chinchilla
    fits (``E`` 1.6-2.0, ``A`` 480, ``B`` 2,000, ``alpha`` and ``beta`` 0.35 +/- 0.03 each
    and ``log A``, ``log B`` +/- 0.2). Each model size is **one run** trained to
    ``final_tokens`` with a cosine learning-rate schedule, measured at ``n_checkpoints``
    log-spaced token counts from ``first_tokens`` to ``final_tokens``. A checkpoint's loss
    departs from the law in the ways real checkpoints do:

    * **the schedule**: before the learning rate has decayed, a checkpoint sits above the
      loss of a run that ends there: a log excess ``schedule_excess (1 + cos(pi D /
      final)) / 2``, the same shape in every run (0 at the final checkpoint);
    * **early training**: ``early_loss exp(-D / early_tokens)`` added to the loss (the
      first checkpoints are far above any power law);
    * **the run**: a log offset per run (standard deviation ``run_sigma``) shared by its
      checkpoints, and AR(1) log noise along them (``corr_sigma``, lag-1 correlation
      ``rho``).

    The truth a user wants is a run's **final** loss (the last checkpoint, where the
    schedule's excess is 0 and early training long past); the table holds the simulated
    measurements, so the final row of a run is its truth including the run's offset.

    Parameters
    ----------
    n_families : int
        Curves (families), each with its own law.
    model_sizes : tuple of float
        Parameters ``N`` of the runs of every family.
    final_tokens, first_tokens : float
        Training tokens of the last and first checkpoint.
    n_checkpoints : int
        Checkpoints per run (log-spaced).
    checkpoint_tokens : sequence of float, optional
        The checkpoints' token counts instead (increasing, the last one is the final
        checkpoint; ``first_tokens``, ``final_tokens`` and ``n_checkpoints`` are then
        ignored), e.g. :func:`pythia_checkpoint_tokens`.
    schedule_excess, early_loss, early_tokens, run_sigma, corr_sigma, rho : float
        The departures above.
    seed : int
        Random seed; the same seed gives the same table.

    Returns
    -------
    SimulatedCurves
        ``frame``: ``domain, curve, params, data, loss`` (one row per checkpoint).
        ``truth``: one row per family (index ``"lm/<curve>"``): ``E, A, B, alpha, beta``.

    Examples
    --------
    >>> sim = simulate_checkpoint_runs(n_families=2, n_checkpoints=4, seed=1)
    >>> sim.frame.columns.tolist()
    ['domain', 'curve', 'params', 'data', 'loss']
    >>> len(sim.frame), sim.truth.columns.tolist()
    (56, ['E', 'A', 'B', 'alpha', 'beta'])
    """
    if checkpoint_tokens is not None:
        tokens = np.asarray(checkpoint_tokens, dtype=float)
        if tokens.ndim != 1 or tokens.size < 2 or not (np.all(np.isfinite(tokens))
                                                       and tokens[0] > 0
                                                       and np.all(np.diff(tokens) > 0)):
            raise ValueError("checkpoint_tokens must be 2 or more finite, positive, strictly "
                             f"increasing token counts, got {checkpoint_tokens!r}")
        first_tokens, final_tokens, n_checkpoints = tokens[0], tokens[-1], tokens.size
    if n_families < 1 or n_checkpoints < 2 or not 0 < first_tokens < final_tokens:
        raise ValueError("need n_families >= 1, n_checkpoints >= 2 and "
                         "0 < first_tokens < final_tokens")
    rng = np.random.default_rng(seed)
    if checkpoint_tokens is None:
        tokens = np.geomspace(first_tokens, final_tokens, n_checkpoints)
    schedule = schedule_excess * (1.0 + np.cos(np.pi * tokens / final_tokens)) / 2.0
    early = early_loss * np.exp(-tokens / early_tokens)
    rows, truth = [], {}
    for f in range(n_families):
        law = {"E": float(rng.uniform(1.6, 2.0)),
               "A": float(480.0 * np.exp(0.2 * rng.standard_normal())),
               "B": float(2000.0 * np.exp(0.2 * rng.standard_normal())),
               "alpha": float(0.35 + 0.03 * rng.standard_normal()),
               "beta": float(0.35 + 0.03 * rng.standard_normal())}
        curve = f"family{f}"
        for n in model_sizes:
            mean = law["E"] + law["A"] / n ** law["alpha"] + law["B"] / tokens ** law["beta"]
            log_noise = (run_sigma * rng.standard_normal()
                         + _correlated_noise("ar1", tokens.size, corr_sigma, rho, rng))
            loss = mean * np.exp(schedule + log_noise) + early
            rows += [("lm", curve, float(n), float(d), float(v))
                     for d, v in zip(tokens, loss, strict=True)]
        truth[curve_label("lm", curve)] = law
    frame = pd.DataFrame(rows, columns=["domain", "curve", "params", "data", "loss"])
    return SimulatedCurves(frame, pd.DataFrame.from_dict(truth, orient="index"))
