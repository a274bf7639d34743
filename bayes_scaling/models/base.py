"""The fit lifecycle shared by every model.

``Model(data, ...)`` is cheap: it validates settings and reads priors. ``build_model()``
creates the PyMC model; ``fit()`` samples (nutpie by default, PyMC's own NUTS as
fallback), adds the ``log_likelihood`` group, checks diagnostics and stamps the
result with attributes that identify the model (type, package version, config,
data hash, model id). :mod:`bayes_scaling.io` saves and verifies such results.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from bayes_scaling import __version__, dims
from bayes_scaling.data import ScalingData
from bayes_scaling.diagnostics import (
    REMEDY_TARGET_ACCEPT,
    DiagnosticsReport,
    check_fit,
    fit_report,
    remedy_log,
    remedy_rank,
    remedy_settings,
)
from bayes_scaling.errors import FitDiagnosticsWarning, ModelConfigError
from bayes_scaling.prior_sets import prior_set_priors
from bayes_scaling.priors import Prior, resolve_priors

logger = logging.getLogger(__name__)

SamplerName = Literal["nutpie", "pymc"]


@dataclass(frozen=True)
class SamplerConfig:
    """NUTS settings.

    Parameters
    ----------
    draws, tune : int
        Posterior draws and tuning steps per chain.
    chains : int
        Independent chains (>= 2 so that R-hat is defined).
    target_accept : float or None
        Step-size adaptation target in (0, 1); ``None`` uses the model's
        ``default_target_accept``. Raise it (0.95, 0.99) if there are divergences.
    sampler : {"nutpie", "pymc"}
        NUTS implementation; ``"nutpie"`` falls back to ``"pymc"`` if nutpie is missing.
    seed : int
        Random seed; the same data, settings and seed give the same draws.
    progressbar : bool
        Show sampling progress (on stderr).
    auto_remedy : bool or None, default None
        When the diagnostics fail, refit with higher target acceptance (0.99, then
        0.995) and twice the tuning (twice the draws too when R-hat or ESS failed), log
        every attempt, keep the best and record them all in the ``remedy_log`` attr
        (see :func:`bayes_scaling.diagnostics.remedy_settings`). ``None`` (the default)
        turns it on for full-length runs (``draws`` and ``tune`` of at least
        :data:`FULL_RUN_DRAWS`), whose results a user reports, and off for shorter,
        exploratory runs, whose marginal diagnostics are expected and only warned
        about.
    low_rank_mass_matrix : bool or None
        nutpie only: adapt a diagonal plus low-rank mass matrix (nutpie's
        ``adaptation="low_rank"``), which learns strong linear correlations
        between parameters; ``None`` uses the model's ``default_low_rank_mass_matrix``.
        Ignored by PyMC's sampler.

    Examples
    --------
    >>> from bayes_scaling.models import SamplerConfig
    >>> SamplerConfig(draws=500, seed=1)  # doctest: +NORMALIZE_WHITESPACE
    SamplerConfig(draws=500, tune=1000, chains=4, target_accept=None, sampler='nutpie', seed=1,
                  progressbar=False, auto_remedy=None, low_rank_mass_matrix=None)

    ``fit`` takes a config, or single fields as keywords:

    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> model = HierarchicalLearningCurve(load_dataset("mlp-learning-curves"))
    >>> fit = model.fit(SamplerConfig(draws=200, tune=300, chains=2, seed=1))
    >>> fit.posterior.sizes["chain"], fit.posterior.sizes["draw"]
    (2, 200)
    """

    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    target_accept: float | None = None
    sampler: SamplerName = "nutpie"
    seed: int = 2026
    progressbar: bool = False
    auto_remedy: bool | None = None
    low_rank_mass_matrix: bool | None = None

    def __post_init__(self) -> None:
        for name in ("draws", "tune"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ModelConfigError(f"{name} must be a positive integer, got {value!r}")
        if isinstance(self.chains, bool) or not isinstance(self.chains, int) or self.chains < 2:
            raise ModelConfigError(
                f"chains must be an integer >= 2 (R-hat needs several chains), got {self.chains!r}"
            )
        if self.target_accept is not None and not 0.0 < float(self.target_accept) < 1.0:
            raise ModelConfigError(f"target_accept must be in (0, 1), got {self.target_accept!r}")
        if self.low_rank_mass_matrix not in (None, True, False):
            raise ModelConfigError("low_rank_mass_matrix must be True, False or None (the "
                                   f"model's default), got {self.low_rank_mass_matrix!r}")
        if self.sampler not in ("nutpie", "pymc"):
            raise ModelConfigError(f"sampler must be 'nutpie' or 'pymc', got {self.sampler!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ModelConfigError(f"seed must be a non-negative integer, got {self.seed!r}")
        if not isinstance(self.progressbar, bool):
            raise ModelConfigError(f"progressbar must be True or False, got "
                                   f"{self.progressbar!r}")
        if self.auto_remedy not in (None, True, False):
            raise ModelConfigError("auto_remedy must be True, False or None (on for "
                                   f"full-length runs), got {self.auto_remedy!r}")

    @classmethod
    def resolve(cls, sampler: SamplerConfig | None, **overrides: Any) -> SamplerConfig:
        """``sampler`` (the defaults if ``None``) with single fields replaced by
        ``overrides`` and validated, as :meth:`ScalingModel.fit` takes its arguments."""
        return replace(sampler or cls(), **overrides)

    def remedy_on(self) -> bool:
        """Whether a failing fit is refitted (``auto_remedy``, ``None`` resolved)."""
        if self.auto_remedy is None:
            return self.draws >= FULL_RUN_DRAWS and self.tune >= FULL_RUN_DRAWS
        return self.auto_remedy


#: Draws and tuning steps per chain from which ``auto_remedy=None`` turns the automatic
#: remedy on: the package's defaults, the length of a run whose results are reported.
FULL_RUN_DRAWS: int = 1000


#: nutpie keywords that ask for its low-rank mass-matrix adaptation
#: (``SamplerConfig.low_rank_mass_matrix``).
NUTPIE_LOW_RANK: dict[str, str] = {"adaptation": "low_rank"}


class ScalingModel(ABC):
    """Base class: cheap constructor, explicit :meth:`build_model` and :meth:`fit`.

    Subclasses set :attr:`model_type` (also the name of the packaged priors file),
    :attr:`prior_names`, and implement :meth:`_build` and :meth:`config`.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> model = HierarchicalLearningCurve(load_dataset("mlp-learning-curves"))  # cheap
    >>> model.model_type
    'hierarchical_learning_curve'
    >>> pymc_model = model.build_model()  # the PyMC model, named dims
    >>> sorted(pymc_model.coords)[:3]
    ['curve', 'domain', 'knot']
    >>> fit = model.fit(draws=200, tune=300, chains=2, seed=1)  # NUTS (nutpie)
    >>> fit.attrs["model_type"], fit.attrs["model_id"] == model.model_id()
    ('hierarchical_learning_curve', True)
    """

    model_type: ClassVar[str]
    #: The model's name on the command line (``bayes-scaling fit --model KIND``; None: not
    #: fitted by ``fit``) and the size column of a user's CSV for it.
    cli_kind: ClassVar[str | None] = None
    size_column: ClassVar[str] = "data"
    prior_names: ClassVar[tuple[str, ...]]
    observed_name: ClassVar[str] = "log_metric"
    #: NUTS target acceptance used when the sampler config leaves it unset.
    default_target_accept: ClassVar[float] = 0.9
    #: nutpie's low-rank mass-matrix adaptation when the sampler config leaves it unset.
    default_low_rank_mass_matrix: ClassVar[bool] = False
    #: Name of the literature prior set the priors came from (None: no set; models whose
    #: constructor does not take one, such as ``CurveFormModel``, keep this default).
    prior_set: str | None = None

    def __init__(self, data: ScalingData, *, priors: Any = None,
                 prior_set: str | None = None) -> None:
        self.data = data
        self.user_priors = priors
        self.prior_set = prior_set
        self.priors: dict[str, Prior] = resolve_priors(
            self.model_type, self.prior_names, priors,
            prior_set=prior_set_priors(prior_set, self.model_type))
        self._model: pm.Model | None = None

    @abstractmethod
    def config(self) -> dict[str, Any]:
        """JSON-serialisable settings that, with the data, fully determine the model."""

    @abstractmethod
    def _build(self) -> pm.Model:
        """Create the PyMC model (called once by :meth:`build_model`)."""

    def build_model(self) -> pm.Model:
        """Create (once) and return the PyMC model."""
        if self._model is None:
            self._model = self._build()
        return self._model

    def model_id(self) -> str:
        """Hash of model type, config, priors and data: identifies what was fitted."""
        payload = json.dumps(
            {
                "model_type": self.model_type,
                "config": self.config(),
                "priors": {k: v.to_dict() for k, v in sorted(self.priors.items())},
                "data": self.data.sha256(),
            },
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def fit(self, sampler: SamplerConfig | None = None, *,
            remedy_until: Callable[[xr.DataTree], bool] | None = None,
            **overrides: Any) -> xr.DataTree:
        """Sample the posterior and return it as an ArviZ ``DataTree``.

        Parameters
        ----------
        sampler : SamplerConfig, optional
            Sampler settings; keyword ``overrides`` replace single fields
            (``model.fit(draws=500, seed=1)``).
        remedy_until : callable, optional
            With the automatic remedy on, stop refitting at the first failing attempt for
            which ``remedy_until(fit)`` is true, and keep that attempt (a caller that can
            use such a fit as it is, e.g. :mod:`bayes_scaling.comparison.mixed_evidence`
            once no block diverged, saves the longer attempts).

        Returns
        -------
        xarray.DataTree
            Groups ``posterior``, ``sample_stats``, ``log_likelihood``, ``observed_data``,
            ``constant_data``; root attrs identify the model (see :mod:`bayes_scaling.io`)
            and hold the diagnostics verdict.

        Warns
        -----
        FitDiagnosticsWarning
            If there are divergences, R-hat > 1.01 or low ESS, with advice (with
            ``auto_remedy=True``: if they remain after the remedy attempts).
        """
        cfg = SamplerConfig.resolve(sampler, **overrides)
        # the model's defaults where the config leaves them unset
        cfg = replace(cfg, target_accept=(self.default_target_accept
                                          if cfg.target_accept is None else cfg.target_accept),
                      low_rank_mass_matrix=(self.default_low_rank_mass_matrix
                                            if cfg.low_rank_mass_matrix is None
                                            else cfg.low_rank_mass_matrix),
                      auto_remedy=cfg.remedy_on())
        if cfg.auto_remedy:
            return self._fit_with_remedy(cfg, until=remedy_until)
        return self._sample(cfg)

    def _fit_with_remedy(self, cfg: SamplerConfig, *,
                         until: Callable[[xr.DataTree], bool] | None = None) -> xr.DataTree:
        """Fit; while the diagnostics fail (and ``until`` is not true of the attempt),
        refit with :func:`remedy_settings`; keep the best (or the attempt ``until``
        accepted)."""
        keys = ("draws", "tune", "chains", "target_accept", "seed", "sampler")
        attempts: list[tuple[dict[str, Any], DiagnosticsReport]] = []
        best: tuple[Any, xr.DataTree] | None = None
        kept = 0
        for attempt in range(len(REMEDY_TARGET_ACCEPT) + 1):
            if attempt:
                settings = remedy_settings(attempts[-1][0], attempts[-1][1], attempt)
                cfg = replace(cfg, **settings)
                logger.warning("auto-remedy attempt %d of %d: target_accept %s, tune %d, "
                               "draws %d (previous attempt: %s)", attempt,
                               len(REMEDY_TARGET_ACCEPT), cfg.target_accept, cfg.tune,
                               cfg.draws, attempts[-1][1].verdict)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FitDiagnosticsWarning)  # reported once below
                tree = self._sample(cfg)
            report = fit_report(tree)
            attempts.append(({k: getattr(cfg, k) for k in keys}, report))
            if best is None or remedy_rank(report) > best[0]:
                best, kept = (remedy_rank(report), tree), attempt
            if report.ok:
                break
            if until is not None and until(tree):
                best, kept = (remedy_rank(report), tree), attempt
                break
        assert best is not None
        tree = best[1]
        log = remedy_log(attempts, kept)
        tree.attrs["remedy_log"] = json.dumps(log, sort_keys=True, default=float)
        final = attempts[kept][1]
        if len(attempts) > 1:
            logger.warning("auto-remedy: kept attempt %d of %d; %s", kept, len(attempts) - 1,
                           "problems remain" if log["problems_remain"] else "problems resolved")
        if not final.ok:
            warnings.warn(f"Sampler diagnostics failed after {len(attempts) - 1} automatic "
                          "remedy attempt(s) (see the fit's remedy_log attr): "
                          + " ".join(final.problems), FitDiagnosticsWarning, stacklevel=3)
        return tree

    def _sample(self, cfg: SamplerConfig) -> xr.DataTree:
        """One NUTS run with ``cfg`` (target_accept set), finalized and checked."""
        model = self.build_model()
        name = cfg.sampler
        if name == "nutpie" and importlib.util.find_spec("nutpie") is None:
            logger.warning("nutpie is not installed; falling back to PyMC's NUTS sampler")
            name = "pymc"
        nutpie_options = ({"nuts": dict(NUTPIE_LOW_RANK)}
                          if name == "nutpie" and cfg.low_rank_mass_matrix else {})
        with model, warnings.catch_warnings():
            # PyMC's own convergence messages are replaced by check_fit below.
            warnings.filterwarnings("ignore", message=".*(r_hat|effective sample|diverg).*")
            tree = pm.sample(
                **nutpie_options,
                draws=cfg.draws,
                tune=cfg.tune,
                chains=cfg.chains,
                cores=min(cfg.chains, 2),
                target_accept=cfg.target_accept,
                random_seed=cfg.seed,
                nuts_sampler=name,
                progressbar=cfg.progressbar,
                compute_convergence_checks=False,
            )
            _refuse_partial_run(tree, cfg)
            tree = self._add_log_likelihood(tree, model)
        tree = self._finalize(tree, cfg, name)
        return tree

    def _add_log_likelihood(self, tree: xr.DataTree, model: pm.Model) -> xr.DataTree:
        """Add the pointwise ``log_likelihood`` group (PSIS-LOO needs it); call inside the
        model context. Models whose likelihood does not factorise over observations
        override this."""
        pm.compute_log_likelihood(tree, model=model, progressbar=False)
        return tree

    def _finalize(self, tree: xr.DataTree, cfg: SamplerConfig, sampler_used: str) -> xr.DataTree:
        """Attach identifying attrs and diagnostics; drop non-portable sampler stats."""
        if "sample_stats" in tree.children:
            stats = tree["sample_stats"].to_dataset()
            object_vars = [v for v in stats.data_vars if stats[v].dtype == object]
            if object_vars:
                tree["sample_stats"] = xr.DataTree(stats.drop_vars(object_vars))
        tree.attrs.update(
            {
                "bayes_scaling_version": __version__,
                "model_type": self.model_type,
                "model_config": json.dumps(self.config(), sort_keys=True),
                "priors": json.dumps({k: v.to_dict() for k, v in sorted(self.priors.items())},
                                     sort_keys=True),
                "sampler_config": json.dumps({**asdict(cfg), "sampler_used": sampler_used},
                                             sort_keys=True),
                "data_sha256": self.data.sha256(),
                "data_source": self.data.source,
                "model_id": self.model_id(),
                "metric": self.data.metric,
                "size_column": self.data.size,
                "sampled_vars": json.dumps([rv.name for rv in self.build_model().free_RVs]),
            }
        )
        if self.prior_set is not None:
            tree.attrs["prior_set"] = self.prior_set
        report = check_fit(tree, warn=True)
        tree.attrs["diagnostics"] = json.dumps(report.to_dict(), sort_keys=True)
        return tree


def _refuse_partial_run(tree: xr.DataTree, cfg: SamplerConfig) -> None:
    """Raise :class:`KeyboardInterrupt` if sampling stopped early.

    On Ctrl-C, nutpie (and PyMC) stop and *return* the draws made so far; a fit built
    from them would look complete but hold fewer draws than asked for. It is refused, so
    an interrupted run never yields (or saves) a partial fit.
    """
    post = tree["posterior"]
    got = (post.sizes.get("chain", 0), post.sizes.get("draw", 0))
    if got != (cfg.chains, cfg.draws):
        raise KeyboardInterrupt(
            f"sampling was interrupted: {got[0]} chain(s) x {got[1]} draws of the "
            f"{cfg.chains} x {cfg.draws} asked for; the partial run was discarded")


def add_likelihood(name: str, *, mu: Any, sigma: Any, observed: np.ndarray,
                   nu: Any = None) -> Any:
    """Observed variable on the ``obs`` dim: Normal, or Student-t when ``nu`` is given.

    Call inside a model context; ``mu`` and ``sigma`` are per observation.
    """
    if nu is not None:
        return pm.StudentT(name, nu=nu, mu=mu, sigma=sigma, observed=observed, dims=dims.OBS)
    return pm.Normal(name, mu=mu, sigma=sigma, observed=observed, dims=dims.OBS)


def label_observations(tree: xr.DataTree, frame: pd.DataFrame, curve_domain: list[str],
                       extra: dict[str, np.ndarray] | None = None) -> xr.DataTree:
    """Store each observation's domain and curve names (and ``extra`` per-observation columns)
    in ``constant_data``, with the ``curve_domain`` coordinate on the curve dim.

    Together with the observed values, this is enough to rebuild the fitted table.
    """
    columns = {"obs_domain": frame["domain"].to_numpy(str),
               "obs_curve": frame["curve"].to_numpy(str), **(extra or {})}
    const = tree["constant_data"].to_dataset().assign(
        {name: xr.Variable(dims.OBS, values) for name, values in columns.items()})
    const = const.assign_coords(curve_domain=(dims.CURVE, np.array(curve_domain)))
    tree["constant_data"] = xr.DataTree(const)
    return tree


def nested_effects(*, mu: Any, domain_sigma: Any, curve_sigma: Any, domain_idx: np.ndarray,
                   z_names: tuple[str, str], centered: bool | np.ndarray = False,
                   domain_centered: bool | np.ndarray = False) -> tuple[Any, Any]:
    """Partial pooling: curves within domains, domains around ``mu``.

    Domains are non-centred by default: ``domain = mu + domain_sigma * z_domain``;
    ``domain_centered`` (one bool, or one per domain) makes the ``z_names[0]`` variable the
    domain effect itself, ``Normal(mu, domain_sigma)``, for the domains marked. Curves are
    non-centred by default, ``curve = domain[domain_idx] + curve_sigma * z_curve`` with
    standard-normal ``z`` (named ``z_names``) on the ``domain`` and ``curve`` dims. With
    ``centered=True`` the ``z_names[1]`` variable *is* the curve effect,
    ``Normal(domain[domain_idx], curve_sigma)``. A boolean array (one per curve) mixes the
    two: the ``z_names[1]`` variable is the effect itself for the curves marked ``True``
    and the standard-normal ``z`` for the others (each element has its own Normal prior,
    so the joint prior is the same). Every choice gives the same prior and posterior;
    they differ only in geometry (non-centred suits curves the data pin down weakly,
    centred suits precise curves, whose non-centred ``z`` would be tied tightly to ``mu``
    and the spreads; :mod:`bayes_scaling.models.geometry` chooses per curve). Call inside
    a model context.

    Returns
    -------
    (domain, curve) : tuple of tensors
    """
    domain = _mixed_effect(z_names[0], mu, domain_sigma, domain_centered, dims.DOMAIN)
    mask = np.broadcast_to(np.asarray(centered, bool), np.shape(domain_idx))
    return domain, _mixed_effect(z_names[1], domain[domain_idx], curve_sigma, mask, dims.CURVE)


def _mixed_effect(name: str, loc: Any, scale: Any, centered: bool | np.ndarray,
                  dim: str) -> Any:
    """``Normal(loc, scale)`` effects on ``dim``, the variable ``name`` holding the effect
    itself where ``centered`` and a standard-normal ``z`` elsewhere (same prior)."""
    mask = np.asarray(centered, bool)
    if mask.all():
        return pm.Normal(name, mu=loc, sigma=scale, dims=dim)
    if not mask.any():
        return loc + scale * pm.Normal(name, 0.0, 1.0, dims=dim)
    raw = pm.Normal(name, mu=pt.where(mask, loc, 0.0), sigma=pt.where(mask, scale, 1.0),
                    dims=dim)
    return pt.where(mask, raw, loc + scale * raw)
