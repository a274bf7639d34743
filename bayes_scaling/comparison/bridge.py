"""Each block's evidence from one NUTS fit of all blocks, by bridge sampling.

The curves (or domains) of a :class:`~bayes_scaling.models.CurveFormModel` are independent
given the priors, so one NUTS fit of the whole model holds every block's posterior, and the
model's log density is a sum over blocks. For each block, with its unnormalised posterior
``q(theta) = p(y_b | theta) p(theta)`` on the sampler's unconstrained scale (Jacobian
included) and a proposal ``g`` (a multivariate normal with the mean and covariance of the
first half of every chain's draws), the evidence ``Z = int q`` solves Meng & Wong's (1996)
optimal bridge identity, iterated as in Gronau et al. (2017, "A tutorial on bridge
sampling", J. Math. Psych. 81)::

    r <- [1/N2 sum_i l2_i / (s1 l2_i + s2 r)] / [1/N1 sum_j 1 / (s1 l1_j + s2 r)]

with ``l1_j = q / g`` at the second half of the draws (``N1`` of them, of effective size
``N1_eff``), ``l2_i = q / g`` at ``N2`` draws from ``g``, ``s1 = N1_eff / (N1_eff + N2)``,
``s2 = 1 - s1``. Its Monte Carlo error is the approximate relative mean-square error of
Frühwirth-Schnatter (2004)::

    RE^2 = var(f1) / (N2 mean(f1)^2) + var(f2) / (ESS(f2) mean(f2)^2)
    f1_i = p_i / (s1 p_i + s2 g_i) at the proposal draws, f2_j = g_j / (s1 p_j + s2 g_j)
    at the posterior draws, p = q / Z

where ``ESS(f2)`` (ArviZ's bulk ESS over the chains) stands for the spectral density at
zero that accounts for the draws' autocorrelation; ``se(log Z) ~ RE``. Everything is done
in log space.

No maintained Python package does this for a PyMC model: the R package ``bridgesampling``
(Gronau, Singmann & Wagenmakers 2020) is the reference implementation; ArviZ's bridge
sampling pull request (#2040) was closed unmerged; ``harmonic`` needs JAX and Flax;
``morphZ`` drops proposal draws whose density fails without saying which. The iteration
here is about forty lines of numpy, checked against exact evidence in the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm
import pytensor
import pytensor.tensor as pt
import xarray as xr
from scipy.special import logsumexp
from scipy.stats import multivariate_normal, multivariate_t

from bayes_scaling import dims
from bayes_scaling.comparison.evidence import BRIDGE_LOG_EVIDENCE
from bayes_scaling.errors import ModelConfigError

__all__ = ["BridgeEstimate", "add_bridge_evidence", "block_bridge_evidence",
           "block_importance_evidence", "bridge_log_evidence"]


@dataclass(frozen=True)
class BridgeEstimate:
    """A bridge-sampling estimate of a log evidence.

    Attributes
    ----------
    log_evidence : float
        ``log Z``.
    se : float
        Its Monte Carlo standard error (nats), the relative RMSE of ``Z``.
    iterations : int
        Bridge iterations to convergence.
    """

    log_evidence: float
    se: float
    iterations: int


def bridge_log_evidence(log_q_post: np.ndarray, log_g_post: np.ndarray,
                        log_q_prop: np.ndarray, log_g_prop: np.ndarray, *,
                        chains: int = 1, tol: float = 1e-10,
                        max_iter: int = 1000) -> BridgeEstimate:
    """The optimal bridge estimate of ``log Z`` and its Monte Carlo error.

    Parameters
    ----------
    log_q_post, log_g_post : numpy.ndarray
        Unnormalised log posterior and log proposal density at posterior draws not used to
        build the proposal, ``(chains * draws,)`` in chain-major order.
    log_q_prop, log_g_prop : numpy.ndarray
        The same at independent draws from the proposal.
    chains : int
        Chains the posterior draws come from (for their effective sample size).
    tol : float
        Convergence tolerance on ``log Z`` between iterations.
    max_iter : int
        Iterations before giving up.

    Returns
    -------
    BridgeEstimate

    Raises
    ------
    ValueError
        If a density is not finite or the iteration does not converge.

    Examples
    --------
    A normalised target (``Z = 1``) with the target itself as the proposal:

    >>> import numpy as np
    >>> from scipy.stats import norm
    >>> rng = np.random.default_rng(0)
    >>> post, prop = rng.normal(size=400), rng.normal(size=400)
    >>> est = bridge_log_evidence(norm.logpdf(post), norm.logpdf(post),
    ...                           norm.logpdf(prop), norm.logpdf(prop))
    >>> round(est.log_evidence, 6), round(est.se, 3)
    (0.0, 0.0)
    """
    arrays = [np.asarray(a, float) for a in (log_q_post, log_g_post, log_q_prop, log_g_prop)]
    for name, values in zip(("log_q_post", "log_g_post", "log_q_prop", "log_g_prop"), arrays,
                            strict=True):
        if not np.all(np.isfinite(values)):
            bad = np.flatnonzero(~np.isfinite(values))
            raise ValueError(f"{name} is not finite at {bad.size} of {values.size} draws "
                             f"(first: position {bad[0]}, value {values[bad[0]]})")
    log_q_post, log_g_post, log_q_prop, log_g_prop = arrays
    l1 = log_q_post - log_g_post
    l2 = log_q_prop - log_g_prop
    n1, n2 = l1.size, l2.size
    n1_eff = min(_ess(l1, chains), n1)
    log_s1 = np.log(n1_eff / (n1_eff + n2))
    log_s2 = np.log(n2 / (n1_eff + n2))
    shift = float(np.median(l1))  # keeps the exponentials near 1
    a1, a2 = l1 - shift, l2 - shift
    log_r, change, iterations = 0.0, np.inf, 0
    while change >= tol:
        if iterations == max_iter:
            raise ValueError(f"bridge sampling did not converge in {max_iter} iterations")
        numerator = logsumexp(a2 - np.logaddexp(log_s1 + a2, log_s2 + log_r)) - np.log(n2)
        denominator = logsumexp(-np.logaddexp(log_s1 + a1, log_s2 + log_r)) - np.log(n1)
        change = abs(numerator - denominator - log_r)
        log_r = numerator - denominator
        iterations += 1
    log_z = log_r + shift
    # relative mean-square error (Frühwirth-Schnatter 2004), in log space
    f1 = np.exp(-np.logaddexp(log_s1, log_s2 + log_g_prop - (log_q_prop - log_z)))
    f2 = np.exp(-np.logaddexp(log_s1 + log_q_post - log_z - log_g_post, log_s2))
    ess_f2 = min(_ess(f2, chains), n1)
    re2 = f1.var() / (n2 * f1.mean() ** 2) + f2.var() / (ess_f2 * f2.mean() ** 2)
    return BridgeEstimate(float(log_z), float(np.sqrt(re2)), iterations)


def _ess(values: np.ndarray, chains: int) -> float:
    """Bulk ESS of draws in chain-major order (their count if they do not vary)."""
    values = np.asarray(values, float)
    if np.ptp(values) == 0:
        return float(values.size)
    return float(az.ess(values.reshape(chains, -1)))


def block_bridge_evidence(model: Any, fit: xr.DataTree, *, seed: int = 0,
                          blocks: Sequence[str] | None = None) -> pd.DataFrame:
    """Each block's log evidence from one NUTS fit of a
    :class:`~bayes_scaling.models.CurveFormModel` (see the module docstring).

    Parameters
    ----------
    model : CurveFormModel
        The model ``fit`` was sampled from (:meth:`~bayes_scaling.models.ScalingModel.fit`).
    fit : xarray.DataTree
        Its NUTS fit (at least 2 chains of at least 100 draws).
    seed : int
        Seed of the proposal draws.
    blocks : sequence of str, optional
        Estimate these blocks only (default all); the others' rows are NaN (for blocks whose
        draws are replaced, :mod:`bayes_scaling.comparison.mixed_evidence`).

    Returns
    -------
    pandas.DataFrame
        One row per block (index ``block``, as :meth:`CurveFormModel.blocks`):
        ``log_evidence``, ``log_evidence_se``, ``n_parameters``, ``iterations``.

    Raises
    ------
    ModelConfigError
        If the fit is too short or a parameter is shared by all blocks.

    Examples
    --------
    >>> from bayes_scaling.simulate import simulate_form_curves
    >>> sim = simulate_form_curves("power_law_irreducible",
    ...                            {"alpha": 0.1, "beta": 0.5, "gamma": 0.02}, seed=1)
    >>> from bayes_scaling.models import CurveFormModel
    >>> model = CurveFormModel(sim.frame, "power_law_irreducible")
    >>> fit = model.fit(draws=300, tune=300, chains=2, seed=1)  # one NUTS fit, every curve
    >>> table = block_bridge_evidence(model, fit)
    >>> table.index.tolist() == model.blocks(), table.columns.tolist()[:2]
    (True, ['log_evidence', 'log_evidence_se'])
    """
    density = _BlockDensity(model, fit)
    half = density.n_draws // 2
    rng = np.random.default_rng(seed)
    rows = []
    proposals, held, drawn = [], [], []
    for b in range(len(density.blocks)):
        fitted, kept = density.draws(b, slice(None, half)), density.draws(b, slice(half, None))
        proposal = multivariate_normal(fitted.mean(axis=0), np.cov(fitted, rowvar=False))
        proposals.append(proposal)
        held.append(kept)
        drawn.append(proposal.rvs(size=len(kept), random_state=rng).reshape(kept.shape))
    log_q_post, log_q_prop = density.log_density(held), density.log_density(drawn)
    wanted = set(density.blocks if blocks is None else blocks)
    for b, block in enumerate(density.blocks):
        if block not in wanted:
            rows.append({"block": block, "log_evidence": np.nan, "log_evidence_se": np.nan,
                         "n_parameters": held[b].shape[1], "iterations": 0})
            continue
        est = bridge_log_evidence(log_q_post[:, b], proposals[b].logpdf(held[b]),
                                  log_q_prop[:, b], proposals[b].logpdf(drawn[b]),
                                  chains=density.n_chains)
        rows.append({"block": block, "log_evidence": est.log_evidence,
                     "log_evidence_se": est.se, "n_parameters": held[b].shape[1],
                     "iterations": est.iterations})
    return pd.DataFrame(rows).set_index("block")


def add_bridge_evidence(model: Any, fit: xr.DataTree, *, seed: int = 0,
                        blocks: Sequence[str] | None = None) -> xr.DataTree:
    """Store each block's bridge-sampling evidence (:func:`block_bridge_evidence`) in the
    NUTS fit's ``sample_stats`` (``evidence.BRIDGE_LOG_EVIDENCE``, dim ``block``) and mark the fit
    ``evidence_method = "bridge"``, so that the evidence functions read it as they read an
    SMC fit's. ``blocks``: as :func:`block_bridge_evidence`. Returns the fit (changed in
    place)."""
    table = block_bridge_evidence(model, fit, seed=seed, blocks=blocks)
    stats = fit["sample_stats"].to_dataset()
    coords = {dims.BLOCK: table.index.to_numpy(str)}
    for name, column in zip(BRIDGE_LOG_EVIDENCE, ("log_evidence", "log_evidence_se"),
                            strict=True):
        stats[name] = xr.DataArray(table[column].to_numpy(float), dims=dims.BLOCK,
                                   coords=coords)
    stats.attrs["block_dim"] = model.block_dim
    fit["sample_stats"] = xr.DataTree(stats)
    fit.attrs["evidence_method"] = "bridge"
    return fit


def block_importance_evidence(model: Any, fit: xr.DataTree, *, n_draws: int = 50_000,
                              df: float = 5.0, inflate: float = 2.0,
                              seed: int = 0) -> pd.DataFrame:
    """Each block's log evidence by importance sampling from a heavy-tailed proposal: a
    multivariate Student-t (``df``) with the posterior draws' mean and ``inflate`` times
    their covariance, on the sampler's scale. Unbiased for ``Z`` and independent of the
    bridge's proposal, it is the check the bridge and SMC estimates are measured against
    (``benchmarks.evidence_bridge``); with enough draws its error is small when the
    proposal covers the posterior.

    Returns
    -------
    pandas.DataFrame
        Index ``block``; ``log_evidence``, ``log_evidence_se`` (delta method) and
        ``ess`` (the importance weights' effective sample size).
    """
    density = _BlockDensity(model, fit)
    rng = np.random.default_rng(seed)
    proposals, drawn = [], []
    for b in range(len(density.blocks)):
        posterior = density.draws(b, slice(None))
        proposal = multivariate_t(posterior.mean(axis=0),
                                  inflate * np.cov(posterior, rowvar=False), df=df)
        proposals.append(proposal)
        drawn.append(proposal.rvs(size=n_draws, random_state=rng).reshape(n_draws, -1))
    log_q = density.log_density(drawn)
    rows = []
    for b, block in enumerate(density.blocks):
        log_w = log_q[:, b] - proposals[b].logpdf(drawn[b])
        w = np.exp(log_w - log_w.max())
        rows.append({"block": block, "log_evidence": float(logsumexp(log_w) - np.log(n_draws)),
                     "log_evidence_se": float(w.std() / (np.sqrt(n_draws) * w.mean())),
                     "ess": float(w.sum() ** 2 / (w**2).sum())})
    return pd.DataFrame(rows).set_index("block")


class _BlockDensity:
    """A NUTS fit's draws and its model's log density, block by block, on the sampler's
    (unconstrained) scale."""

    def __init__(self, model: Any, fit: xr.DataTree) -> None:
        posterior = fit["posterior"].to_dataset()
        self.n_chains = posterior.sizes[dims.CHAIN]
        self.n_draws = posterior.sizes[dims.DRAW]
        if self.n_chains < 2 or self.n_draws < 100:
            raise ModelConfigError("evidence from a NUTS fit (bridge sampling, importance "
                                   "sampling) needs at least 2 chains of 100 draws, got "
                                   f"{self.n_chains} x {self.n_draws}")
        pm_model = model.build_model()
        self.blocks = model.blocks()
        block_of = _block_positions(model, pm_model, self.blocks)
        self.unconstrained = _unconstrained_draws(pm_model, posterior)  # name -> (c, d, ...)
        self.names = [v.name for v in pm_model.value_vars]
        self.shapes = {name: self.unconstrained[name].shape[2:] for name in self.names}
        self.function = _block_log_density(pm_model, block_of, len(self.blocks))
        #: per block, its coordinates: (value variable, flat element)
        self.coords = [[(name, int(e)) for name in self.names
                        for e in np.flatnonzero(block_of[name] == b)]
                       for b in range(len(self.blocks))]

    def draws(self, block: int, draws: slice) -> np.ndarray:
        """``(chains * kept draws, block parameters)``, chain-major."""
        return np.column_stack([
            self.unconstrained[name][:, draws].reshape(
                self.n_chains * len(range(self.n_draws)[draws]), -1)[:, element]
            for name, element in self.coords[block]])

    def log_density(self, points: list[np.ndarray]) -> np.ndarray:
        """Every block's log joint density at its own points (one ``(n, parameters)`` array
        per block, the same ``n``), all blocks at once: ``(n, blocks)``."""
        n = len(points[0])
        full = {name: np.zeros((n, int(np.prod(self.shapes[name]))))
                for name in self.names}
        for b, cols in enumerate(self.coords):
            for k, (name, element) in enumerate(cols):
                full[name][:, element] = points[b][:, k]
        return np.array([self.function(*[full[name][i].reshape(self.shapes[name])
                                         for name in self.names]) for i in range(n)])


def _block_positions(model: Any, pm_model: pm.Model, blocks: list[str]) -> dict[str, np.ndarray]:
    """For every value variable and the observed variable, each flat element's block."""
    curve_block = (np.array([blocks.index(d) for d in
                             np.array(model.index.domains)[model.index.domain_idx]])
                   if model.shared else np.arange(len(model.index.curves)))
    by_dim = {dims.CURVE: curve_block, dims.DOMAIN: np.arange(len(model.index.domains)),
              dims.OBS: curve_block[model.index.obs_curve_idx]}
    positions = {}
    for rv in (*pm_model.free_RVs, *pm_model.observed_RVs):
        rv_dims = pm_model.named_vars_to_dims.get(rv.name, ())
        if len(rv_dims) != 1 or rv_dims[0] not in by_dim:
            raise ModelConfigError(f"{rv.name} (dims {rv_dims}) is not one value per curve, "
                                   "domain or row: the blocks are not independent")
        if rv_dims[0] == dims.DOMAIN and not model.shared:
            raise ModelConfigError(f"{rv.name} is per domain but the blocks are curves")
        name = pm_model.rvs_to_values[rv].name if rv in pm_model.free_RVs else rv.name
        positions[name] = by_dim[rv_dims[0]]
    return positions


def _block_log_density(pm_model: pm.Model, block_of: dict[str, np.ndarray],
                       n_blocks: int) -> Any:
    """A compiled function of the value variables: each block's log joint density
    (priors with their Jacobians, and its rows' likelihood)."""
    rvs = [*pm_model.free_RVs, *pm_model.observed_RVs]
    terms = pm_model.logp(vars=rvs, sum=False, jacobian=True)
    total = pt.zeros(n_blocks)
    for rv, term in zip(rvs, terms, strict=True):
        name = pm_model.rvs_to_values[rv].name if rv in pm_model.free_RVs else rv.name
        total = pt.inc_subtensor(total[block_of[name]], term.ravel())
    return pytensor.function(pm_model.value_vars, total, on_unused_input="ignore")


def _unconstrained_draws(pm_model: pm.Model, posterior: xr.Dataset) -> dict[str, np.ndarray]:
    """The posterior's draws of every free variable on the sampler's scale."""
    out = {}
    for rv in pm_model.free_RVs:
        value = pm_model.rvs_to_values[rv]
        draws = np.asarray(posterior[rv.name].transpose(dims.CHAIN, dims.DRAW, ...).values,
                           float)
        transform = pm_model.rvs_to_transforms.get(rv)
        if transform is None:
            out[value.name] = draws
            continue
        constrained = pt.tensor(dtype="float64", shape=(None,) * draws.ndim)
        forward = pytensor.function([constrained],
                                    transform.forward(constrained, *rv.owner.inputs))
        out[value.name] = np.asarray(forward(draws), float)
    return out
