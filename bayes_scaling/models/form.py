"""One curve family fitted to every curve of a table: the unit of model comparison.

For curve ``c`` (in domain ``d``) of family ``f`` with parameters ``theta``::

    x_i        = m_i / m_ref_c               m_ref_c: geometric mean of the curve's sizes
    log y_i    ~ Normal(log y_ref_c + log f(x_i; theta_c), sigma_c)   (Student-t if robust)

``y_ref_c`` is the geometric mean of the curve's metric, so every family's default
priors (:mod:`bayes_scaling.curves`) are stated on one normalised scale and the same
priors serve every curve. Parameters listed in ``shared`` are one per **domain**
instead of one per curve (Hestness et al. 2017: "model improvements shift the error but
not the exponent" is ``shared=("beta",)``).

Curves (or, with shared parameters, domains) are independent given the priors, so the
posterior and the marginal likelihood factorise over these **blocks**.
:meth:`CurveFormModel.fit_smc` uses that: it runs PyMC's Sequential Monte Carlo on each
block (a handful of parameters, where SMC's evidence estimate is reliable), keeps every
chain's log marginal likelihood (for the Monte Carlo error) and joins the blocks'
posteriors into one ``DataTree`` with the usual groups. :meth:`fit` (NUTS, inherited)
samples the whole model at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from bayes_scaling import dims
from bayes_scaling.curves import CurveFamily, get_curve
from bayes_scaling.data import ScalingData, as_table, best_model_size_rows
from bayes_scaling.errors import ModelConfigError
from bayes_scaling.identification import check_identification
from bayes_scaling.model_types import CURVE_FORM, HIERARCHICAL_LEARNING_CURVE
from bayes_scaling.models.base import ScalingModel, add_likelihood, label_observations
from bayes_scaling.models.blocks import BlockResult, BlockTask, chain_evidence_se, run_blocks
from bayes_scaling.models.indexing import CurveIndex, curve_label
from bayes_scaling.priors import Prior, load_default_priors, parse_priors, read_yaml

logger = logging.getLogger(__name__)

__all__ = ["BLOCK", "CurveFormModel", "SMCConfig", "chain_evidence_se", "form_curve_mean",
           "form_predictive"]

#: Dim of the independent blocks an SMC fit was run on (curves or domains).
BLOCK = dims.BLOCK
NOISE_PRIORS: tuple[str, ...] = ("noise_sigma", "noise_nu")
#: Packaged priors of this model (noise, and the data-driven floor of ``gamma``).
PACKAGED_PRIORS: tuple[str, ...] = (*NOISE_PRIORS, "floor_fraction")
#: Monte Carlo error (nats) of a whole SMC fit's log evidence that the blocks share: a
#: block of ``B`` is run again when its own error exceeds ``this / sqrt(B)`` (the value
#: at which comparisons flag an evidence, :data:`bayes_scaling.comparison.evidence.
#: MAX_EVIDENCE_SE`, kept equal by a test).
SMC_BLOCK_MAX_EVIDENCE_SE = 0.5


@dataclass(frozen=True)
class SMCConfig:
    """Sequential Monte Carlo settings (``pymc.sample_smc`` with the random-walk ``MH`` kernel).

    The MH kernel is used instead of PyMC's default independent Metropolis-Hastings
    (``IMH``): on a 4-point power law whose exact evidence is known by quadrature
    (-0.657), three runs of 4 x 1000 particles gave -0.69, -0.66, -0.63 with MH but
    -0.91, -1.20, -0.83 with IMH (biased low by ~0.3 nats: its Gaussian proposal misses
    the funnel between the noise scale and the curve's parameters).

    Parameters
    ----------
    draws : int
        Particles per chain (also the posterior draws per chain).
    chains : int
        Independent SMC runs; their spread gives the Monte Carlo error of the evidence
        (>= 2; 4 or more recommended).
    seed : int
        Random seed; the same data, settings and seed give the same draws.
    threshold : float
        ``pymc.sample_smc``'s tempering threshold: each stage raises the inverse
        temperature until the particles' effective sample size falls to this fraction
        (PyMC's default 0.5; higher is finer).
    correlation_threshold : float
        The MH kernel moves each stage until the particles' mean correlation with their
        start falls below this (PyMC's default 0.01; lower is longer).

    Notes
    -----
    The defaults of ``threshold`` and ``correlation_threshold`` (0.9 and 0.001) were
    measured on the embedded table's ``three_region`` fits, where PyMC's (0.5, 0.01)
    leave the runs disagreeing: on ``mnist1d/mlp-1x`` (4 x 300 particles) the four runs'
    log evidences were 36.4, 30.8, 32.3, 36.9 (R-hat 1.44, bulk ESS 8), against 38.5,
    37.8, 38.3, 39.0 (R-hat 1.011, ESS 639) with the finer settings and 39.72-39.76 with
    600 particles: PyMC's defaults biased that evidence low by ~3 nats. The cost is about
    twice the time per particle.

    Examples
    --------
    >>> SMCConfig(draws=300, chains=4)
    SMCConfig(draws=300, chains=4, seed=2026, threshold=0.9, correlation_threshold=0.001)
    >>> SMCConfig(threshold=1.0)
    Traceback (most recent call last):
    ...
    bayes_scaling.errors.ModelConfigError: SMC threshold must be a number in (0, 1), got 1.0
    """

    draws: int = 2000
    chains: int = 4
    seed: int = 2026
    threshold: float = 0.9
    correlation_threshold: float = 0.001

    def __post_init__(self) -> None:
        for name, low in (("draws", 50), ("chains", 2)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ModelConfigError(f"SMC {name} must be an integer >= {low}, got {value!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ModelConfigError(f"seed must be a non-negative integer, got {self.seed!r}")
        for name in ("threshold", "correlation_threshold"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
                raise ModelConfigError(f"SMC {name} must be a number in (0, 1), got {value!r}")


class CurveFormModel(ScalingModel):
    """Every curve of a table fitted with one curve family (independent or domain-shared
    parameters).

    Parameters
    ----------
    data : ScalingData, pandas.DataFrame or path
        Tidy table; rows with ``split == "holdout"`` are not fitted. Width sweeps are
        reduced to the best model size per shard, as in the hierarchical model.
    family : str or CurveFamily
        A registered family name (``bayes_scaling.curves.CURVES``) or a family object.
    size : {"data", "params", "compute"}, optional
        Resource axis; default the table's (``"data"`` for a path or DataFrame).
    shared : sequence of str, optional
        Family parameters that are one per domain instead of one per curve.
    robust : bool, default False
        Student-t likelihood (``noise_nu`` degrees of freedom) instead of Normal.
    priors : mapping or path, optional
        Overrides for the family's parameters and ``noise_sigma``/``noise_nu``.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> model = CurveFormModel(load_dataset("mlp-learning-curves"), "power_law_irreducible",
    ...                        shared=["beta"])
    >>> model.blocks()
    ['digits', 'mnist1d']
    """

    model_type: ClassVar[str] = CURVE_FORM
    default_target_accept: ClassVar[float] = 0.95
    #: Why :func:`bayes_scaling.prediction.predict` refuses these fits (said in its error).
    prediction_unsupported: ClassVar[str] = (
        f"{CURVE_FORM} fits are per-block SMC fits of one form, made for model comparison; "
        "their held-out predictive is models.form.form_predictive, scored by "
        "comparison.compare_forms; for intervals at new rows fit the table with the "
        f"{HIERARCHICAL_LEARNING_CURVE} model")

    def __init__(self, data: Any, family: str | CurveFamily, *, size: str | None = None,
                 shared: Sequence[str] = (), robust: bool = False, priors: Any = None) -> None:
        table = as_table(data, size=size)
        self.family = family if isinstance(family, CurveFamily) else _family(family)
        if isinstance(shared, str):
            shared = [shared]
        unknown = [p for p in shared if p not in self.family.parameters]
        if unknown:
            raise ModelConfigError(
                f"shared parameter(s) {unknown} are not parameters of {self.family.name!r}; "
                f"valid: {list(self.family.parameters)}")
        if not isinstance(robust, bool):
            raise ModelConfigError(f"robust must be True or False, got {robust!r}")
        self.shared = tuple(p for p in self.family.parameters if p in shared)
        self.robust = robust
        fit_rows = table.split("fit").frame
        if fit_rows.empty:
            raise ModelConfigError("no rows with split == 'fit' to fit the model on")
        selected = best_model_size_rows(fit_rows, metric=table.metric, size=table.size)
        self.data = ScalingData(selected, size=table.size, source=table.source)
        self.source_table = table
        self.identification = check_identification(self.data, pooled=False)
        self.prior_names = (*self.family.parameters, *PACKAGED_PRIORS)  # type: ignore[misc]
        self.user_priors = priors
        self.priors = self._resolve_priors(priors)
        self._model = None
        frame = self.data.frame
        self.index = CurveIndex.from_frame(frame)
        size_values = frame[self.data.size].to_numpy(float)
        metric_values = frame[self.data.metric].to_numpy(float)
        self.ref_size = np.exp(self.index.per_curve(size_values,
                                                    lambda s: np.log(np.unique(s)).mean()))
        self.ref_metric = np.exp(self.index.per_curve(np.log(metric_values), np.mean))
        self.max_size = self.index.per_curve(size_values, np.max)
        self.min_norm_metric = self.index.per_curve(metric_values, np.min) / self.ref_metric
        self.coords: dict[str, list[Any]] = self.index.coords()

    def _resolve_priors(self, user: Any) -> dict[str, Prior]:
        """Family defaults and packaged noise priors, overridden by the user's."""
        priors = dict(self.family.default_priors)
        priors.update(load_default_priors(self.model_type, valid_names=PACKAGED_PRIORS))
        self.floor_from_data = "gamma" in self.family.parameters and "gamma" not in self.shared
        if user is None:
            return priors
        doc = read_yaml(user) if isinstance(user, str) or hasattr(user, "read_text") else user
        if isinstance(doc, dict) and "priors" in doc:
            doc = doc["priors"]
        user_priors = parse_priors(doc, valid_names=self.prior_names, source="user priors")
        if "gamma" in user_priors:  # user > data-driven
            self.floor_from_data = False
        priors.update(user_priors)
        return priors

    def config(self) -> dict[str, Any]:
        """Model settings (stored in the fit's attrs)."""
        return {"family": self.family.name, "shared": list(self.shared), "robust": self.robust,
                "size": self.data.size, "floor_from_data": self.floor_from_data}

    @property
    def name(self) -> str:
        """Short label: the family name, with ``+shared(beta)`` and ``+robust`` suffixes."""
        label = self.family.name
        if self.shared:
            label += f"+shared({','.join(self.shared)})"
        return label + ("+robust" if self.robust else "")

    def blocks(self) -> list[str]:
        """The independent blocks: domains when parameters are shared, else curves."""
        return list(self.index.domains if self.shared else self.index.curves)

    @property
    def block_dim(self) -> str:
        """The dim of the blocks of :meth:`blocks` (the ``block_dim`` attr of an
        evidence's ``sample_stats``)."""
        return dims.DOMAIN if self.shared else dims.CURVE

    def block_rows(self, block: str) -> np.ndarray:
        """Positions of ``block``'s rows in the fitted table (the ``obs`` of a fit)."""
        frame = self.data.frame
        if self.shared:
            return np.flatnonzero(frame["domain"].to_numpy(str) == block)
        curves = np.array(self.index.curves)[self.index.obs_curve_idx]
        return np.flatnonzero(curves == block)

    def _build(self) -> pm.Model:
        frame = self.data.frame
        idx = self.index.obs_curve_idx
        x = frame[self.data.size].to_numpy(float) / self.ref_size[idx]
        p = self.priors
        with pm.Model(coords=self.coords) as model:
            pm.Data("curve_idx", idx, dims=dims.OBS)
            pm.Data("size", frame[self.data.size].to_numpy(float), dims=dims.OBS)
            pm.Data("domain_idx", self.index.domain_idx, dims=dims.CURVE)
            pm.Data("ref_size", self.ref_size, dims=dims.CURVE)
            log_ref_metric = pm.Data("log_ref_metric", np.log(self.ref_metric), dims=dims.CURVE)
            pm.Data("max_size", self.max_size, dims=dims.CURVE)
            theta = {}
            for name in self.family.parameters:
                if name in self.shared:
                    value = p[name].create_variable(f"{name}_domain", dims=dims.DOMAIN)
                    theta[name] = pm.Deterministic(name, value[self.index.domain_idx],
                                                   dims=dims.CURVE)
                elif name == "gamma" and self.floor_from_data:
                    # data-driven floor: a fraction of the curve's smallest normalised value
                    fraction = p["floor_fraction"].create_variable("floor_fraction",
                                                                   dims=dims.CURVE)
                    theta[name] = pm.Deterministic(name, fraction * self.min_norm_metric,
                                                   dims=dims.CURVE)
                else:
                    theta[name] = p[name].create_variable(name, dims=dims.CURVE)
            eps = self.family.function(pt.as_tensor_variable(x),
                                       **{k: v[idx] for k, v in theta.items()})
            mu = log_ref_metric[idx] + pt.log(eps)
            sigma = p["noise_sigma"].create_variable("noise_sigma", dims=dims.CURVE)
            # per-curve degrees of freedom keep the curves independent (SMC blocks)
            nu = (p["noise_nu"].create_variable("noise_nu", dims=dims.CURVE)[idx]
                  if self.robust else None)
            add_likelihood(self.observed_name, mu=mu, sigma=sigma[idx], nu=nu,
                           observed=np.log(frame[self.data.metric].to_numpy(float)))
        return model

    def _finalize(self, tree: xr.DataTree, cfg: Any, sampler_used: str) -> xr.DataTree:
        tree = super()._finalize(tree, cfg, sampler_used)
        tree.attrs["family"] = self.family.name
        tree.attrs["form"] = self.name
        return label_observations(tree, self.data.frame, self.index.curve_domain)

    # ------------------------------------------------------------------ SMC
    def _block_data(self, block: str) -> ScalingData:
        rows = self.block_rows(block)
        return ScalingData(self.data.frame.iloc[rows].reset_index(drop=True),
                           size=self.data.size, source=f"{self.data.source}[{block}]")

    def smc_tasks(self, config: SMCConfig | None = None, *, label: str | None = None,
                  **overrides: Any) -> list[BlockTask]:
        """One self-contained task per independent block (see
        :mod:`bayes_scaling.models.blocks`), for :meth:`join_smc`.

        Parameters
        ----------
        config : SMCConfig, optional
            SMC settings; keyword ``overrides`` replace single fields.
        label : str, optional
            The form's name in messages (default :attr:`name`).

        Returns
        -------
        list of BlockTask
            Block ``i`` is seeded with ``config.seed + 7919 * i``.
        """
        cfg = SMCConfig(**{**asdict(config or SMCConfig()), **overrides})
        blocks = self.blocks()
        max_se = SMC_BLOCK_MAX_EVIDENCE_SE / np.sqrt(len(blocks))
        priors = self.user_priors
        if isinstance(priors, str) or hasattr(priors, "read_text"):
            priors = read_yaml(priors)  # a worker elsewhere may not see the file
        return [BlockTask(label=label or self.name, block=block, index=i,
                          data=self._block_data(block), family=self.family,
                          shared=self.shared, robust=self.robust, priors=priors, cfg=cfg,
                          max_se=float(max_se), model_class=type(self))
                for i, block in enumerate(blocks)]

    def join_smc(self, results: Sequence[BlockResult], config: SMCConfig | None = None,
                 **overrides: Any) -> xr.DataTree:
        """Join the blocks' SMC results (of :meth:`smc_tasks`, in their order) into one fit.

        Warnings caught while fitting a block are emitted again here, named by block.
        """
        cfg = SMCConfig(**{**asdict(config or SMCConfig()), **overrides})
        blocks = self.blocks()
        if [r.index for r in results] != list(range(len(blocks))):
            raise ModelConfigError(
                f"{self.name}: expected the results of blocks 0..{len(blocks) - 1} in order, "
                f"got {[r.index for r in results]}")
        posts, loglik, remedies = [], [], {}
        for block, result in zip(blocks, results, strict=True):
            result.reemit_warnings()
            post, ll = result.datasets()
            posts.append(post)
            loglik.append(ll.assign_coords({dims.OBS: self.block_rows(block)}))
            if result.remedy is not None:
                remedies[block] = result.remedy
        log_z = np.array([r.log_z for r in results], dtype=float).T
        tree = self._join_blocks(posts, loglik, log_z, blocks)
        if remedies:
            tree.attrs["smc_remedy"] = json.dumps(remedies, sort_keys=True)
        return self._finalize_smc(tree, cfg)

    def fit_smc(self, config: SMCConfig | None = None, *, n_jobs: int | None = None,
                client: Any = None, progress: bool = False, **overrides: Any) -> xr.DataTree:
        """Sample each independent block with SMC and join them into one fit.

        A block whose runs disagree or mix poorly (Monte Carlo error of its log evidence
        above its share of :data:`SMC_BLOCK_MAX_EVIDENCE_SE`, or R-hat or bulk ESS of its
        parameters beyond the limits of :func:`~bayes_scaling.diagnostics.check_fit`) is run
        again with twice the particles, up to ``2 ** SMC_REMEDY_ATTEMPTS`` times as many;
        the run with the best diagnostics is kept, its particles resampled without
        replacement to ``config.draws`` per chain so that every block has the same draws,
        and every attempt is recorded in the ``smc_remedy`` attr (JSON). More particles
        make the tempering steps finer and the MH moves longer, so the runs find the same
        posterior; the evidence keeps the larger run's estimate.

        The blocks run concurrently (:func:`~bayes_scaling.models.blocks.run_blocks`): on
        local worker processes by default, or on a Dask cluster with ``client``. Each
        block's seed is fixed by its position, so the result does not depend on where or
        in which order the blocks ran.

        Parameters
        ----------
        config : SMCConfig, optional
            SMC settings; keyword ``overrides`` replace single fields.
        n_jobs : int, optional
            Local worker processes (``1``: in this process); default every core this
            process may use (or ``BAYES_SCALING_JOBS``).
        client : distributed.Client, optional
            Run the blocks on this Dask cluster instead.
        progress : bool
            Count finished blocks on stderr.

        Returns
        -------
        xarray.DataTree
            ``posterior`` (chain, draw, curve/domain), ``log_likelihood``,
            ``observed_data``, ``constant_data`` and ``sample_stats`` with
            ``log_marginal_likelihood`` (chain, block): each chain's estimate of the log
            evidence of each block. Root attrs as for NUTS fits, with
            ``inference = "smc"``.

        Raises
        ------
        BlockFitError
            If any block failed (each named).
        """
        tasks = self.smc_tasks(config, **overrides)
        results = run_blocks(tasks, n_jobs=n_jobs, client=client, progress=progress)
        return self.join_smc(results, tasks[0].cfg)

    def _join_blocks(self, posts: list[xr.Dataset], loglik: list[xr.Dataset],
                     log_z: np.ndarray, blocks: list[str]) -> xr.DataTree:
        per_curve = [v for v in posts[0].data_vars if dims.CURVE in posts[0][v].dims]
        per_domain = [v for v in posts[0].data_vars if dims.DOMAIN in posts[0][v].dims]
        scalar = [v for v in posts[0].data_vars if v not in per_curve + per_domain]
        if scalar and len(posts) > 1:
            raise ModelConfigError(f"parameters {scalar} are shared by all blocks; "
                                   "fit this model with NUTS (fit()) instead of fit_smc()")
        posterior = xr.merge([
            xr.concat([p[per_curve] for p in posts], dim=dims.CURVE),
            xr.concat([p[per_domain] for p in posts], dim=dims.DOMAIN) if per_domain
            else xr.Dataset(),
            posts[0][scalar],
        ])
        posterior = posterior.reindex({dims.CURVE: self.coords[dims.CURVE]})
        if per_domain:
            posterior = posterior.reindex({dims.DOMAIN: self.coords[dims.DOMAIN]})
        ll = xr.concat(loglik, dim=dims.OBS).sortby(dims.OBS)
        stats = xr.Dataset({"log_marginal_likelihood": xr.DataArray(
            log_z, dims=(dims.CHAIN, BLOCK),
            coords={dims.CHAIN: posterior[dims.CHAIN].values, BLOCK: blocks})})
        stats.attrs["block_dim"] = self.block_dim
        model = self.build_model()
        frame = self.data.frame
        observed = xr.Dataset({self.observed_name: xr.DataArray(
            np.log(frame[self.data.metric].to_numpy(float)), dims=dims.OBS,
            coords={dims.OBS: np.arange(len(frame))})})
        constant = xr.Dataset({
            name: xr.DataArray(np.asarray(var.get_value()), dims=model.named_vars_to_dims[name],
                               coords={d: self.coords[d] for d in model.named_vars_to_dims[name]})
            for name, var in ((d.name, d) for d in model.data_vars)})
        return xr.DataTree.from_dict({
            "posterior": posterior, "log_likelihood": ll, "sample_stats": stats,
            "observed_data": observed, "constant_data": constant})

    def _finalize_smc(self, tree: xr.DataTree, cfg: SMCConfig) -> xr.DataTree:
        """The attrs and diagnostics of every fit (:meth:`_finalize`), marked as SMC."""
        tree.attrs.update({"inference": "smc", "smc_kernel": "MH"})
        return self._finalize(tree, cfg, "smc")


def _family(name: str) -> CurveFamily:
    try:
        return get_curve(name)
    except KeyError as exc:
        raise ModelConfigError(str(exc.args[0])) from None


def _form_params(fit: xr.DataTree) -> tuple[CurveFamily, dict[str, xr.DataArray]]:
    family = get_curve(fit.attrs["family"])
    post = fit["posterior"]
    return family, {name: post[name] for name in family.parameters}


def form_curve_mean(fit: xr.DataTree, sizes: Any) -> xr.DataArray:
    """Posterior draws of the fitted curve (the metric, not its log) at ``sizes``.

    Parameters
    ----------
    fit : xarray.DataTree
        A ``curve_form`` fit (NUTS or SMC).
    sizes : array-like or xarray.DataArray
        A plain array becomes a ``size`` dim shared by all curves; a DataArray may carry
        a ``curve`` dim or be per observation.

    Returns
    -------
    xarray.DataArray
        Draws of ``y_ref_c * f(m / m_ref_c)``.
    """
    family, params = _form_params(fit)
    const = fit["constant_data"]
    if not isinstance(sizes, xr.DataArray):
        sizes = xr.DataArray(np.asarray(sizes, float), dims=dims.SIZE)
    x = sizes / const["ref_size"]
    return np.exp(const["log_ref_metric"]) * family.function(x, **params)


def form_predictive(fit: xr.DataTree, frame: pd.DataFrame, *, seed: int = 0) -> xr.Dataset:
    """Predictive draws of the log metric for new rows (e.g. held-out larger sizes).

    Parameters
    ----------
    fit : xarray.DataTree
        A ``curve_form`` fit.
    frame : pandas.DataFrame
        Rows with ``domain``, ``curve`` and the fit's size column; every curve must be one
        of the fit's curves.
    seed : int
        Seed of the noise draws.

    Returns
    -------
    xarray.Dataset
        ``mu`` (the curve's log mean) and ``log_metric`` (a predictive draw, with noise),
        both (chain, draw, obs); and ``log_density`` of the observed metric when ``frame``
        has it (chain, draw, obs).
    """
    size_col = fit.attrs["size_column"]
    metric = fit.attrs["metric"]
    curves = list(fit["posterior"][dims.CURVE].values)
    labels = [curve_label(d, c) for d, c in zip(frame["domain"], frame["curve"], strict=True)]
    missing = sorted(set(labels) - set(curves))
    if missing:
        raise ModelConfigError(f"rows of curves {missing} cannot be predicted: the fit has "
                               f"curves {curves}")
    obs_curve = xr.DataArray(labels, dims=dims.OBS)
    sizes = xr.DataArray(frame[size_col].to_numpy(float), dims=dims.OBS)
    const = fit["constant_data"]
    family, params = _form_params(fit)
    x = sizes / const["ref_size"].sel({dims.CURVE: obs_curve})
    theta = {k: v.sel({dims.CURVE: obs_curve}) for k, v in params.items()}
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = const["log_ref_metric"].sel({dims.CURVE: obs_curve}) + np.log(
            family.function(x, **theta))
    post = fit["posterior"]
    sigma = post["noise_sigma"].sel({dims.CURVE: obs_curve})
    rng = np.random.default_rng(seed)
    robust = json.loads(fit.attrs["model_config"]).get("robust", False)
    shape = mu.transpose(dims.CHAIN, dims.DRAW, dims.OBS).shape
    nu = (post["noise_nu"].sel({dims.CURVE: obs_curve}).transpose(dims.CHAIN, dims.DRAW, dims.OBS)
          .values if robust else None)
    noise = rng.standard_t(nu, size=shape) if robust else rng.standard_normal(shape)
    mu = mu.transpose(dims.CHAIN, dims.DRAW, dims.OBS).drop_vars(dims.CURVE, errors="ignore")
    sigma = sigma.transpose(dims.CHAIN, dims.DRAW, dims.OBS).drop_vars(dims.CURVE,
                                                                        errors="ignore")
    out = xr.Dataset({"mu": mu, "log_metric": mu + sigma * noise})
    if metric in frame:
        from scipy import stats

        y = np.log(frame[metric].to_numpy(float))
        if robust:
            dens = stats.t.logpdf(y, df=nu, loc=mu.values, scale=sigma.values)
        else:
            dens = stats.norm.logpdf(y, loc=mu.values, scale=sigma.values)
        out["log_density"] = (mu.dims, dens)
    return out.assign_coords({dims.OBS: np.arange(len(frame))})
