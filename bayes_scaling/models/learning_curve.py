"""Hierarchical power law + irreducible error over training-set size.

For curve ``c`` in domain ``d`` and size ``m``::

    eps_c(m)   = A_c / (q_c + (1 - q_c) (m / m_ref_c) ** beta_c) + gamma_c
    log y_i    ~ Normal(log eps_c(m_i) + delta_c(log m_i), sigma_c)  (Student-t if robust=True)

* **Form**: with ``q_c = 0`` this is the power law plus irreducible error of Hestness et al.
  (2017), ``A_c (m / m_ref_c)^-beta_c + gamma_c`` (``form="power_law_irreducible"``).
  ``form="sigmoid_log"`` samples the **plateau share** ``q_c`` in ``[0, 1)`` (prior mode 0),
  which bends the curve to a plateau ``gamma_c + A_c / q_c`` at small sizes: Hestness's
  three regions (small-data plateau, power law, irreducible error) in one smooth curve,
  the ``sigmoid_log`` family (M4 of Alabdulmohsin et al. 2022 with exponent 1). Far above
  ``m_ref_c`` it is the power law ``A_c / (1 - q_c) (m / m_ref_c)^-beta_c``, so ``beta_c``
  is the asymptotic exponent and a curve that is still steepening where it was observed
  is extrapolated with it, not with its average slope.

* **Discrepancy** ``delta_c`` (default ``discrepancy=True``): what the power law gets
  wrong, a smooth Gaussian process in log size with a partially pooled rate per curve
  (:mod:`bayes_scaling.models.discrepancy`). By default (``discrepancy_kernel=
  "brownian+integrated"``) it is the sum of two processes: integrated Brownian motion
  minus its least-squares line over the curve's fitted range (``"integrated"``), so that
  a curve that steepens or flattens towards its largest fitted size carries that bend on
  beyond it, with a variance growing as the cube of the log distance; and a Brownian
  bridge pinned at the fitted ends, Brownian motion beyond them (``"brownian"``, rough,
  no carried trend). One pooled total rate per curve is split between them by the share
  of the in-range variance that is smooth, one share learned for the whole table
  (``discrepancy_smooth_share="table"``): the table's residuals say how much of what the
  form gets wrong is a bend and how much a wiggle. Over the five learning-curve tables
  of BENCHMARKS.md section 6, against the integrated kernel alone (the default until
  2026-11-29), it is more accurate on three and within 2% on the other two, better
  calibrated on two and no worse on two more; no single kernel is best on every table
  (the Brownian one is much more accurate on rough simulated curves). It makes residuals
  along a curve correlated and the predictive intervals widen with the distance beyond
  the fitted sizes. With the
  Normal likelihood it is integrated out (no extra sampler dimension); the pointwise
  ``log_likelihood`` then holds leave-one-out conditional densities.

* **Centred log-size**: ``m_ref_c`` is the geometric mean of the curve's distinct
  sizes, so ``A_c`` (the reducible part at the middle of the data) and ``beta_c`` are
  nearly uncorrelated. ``alpha_c = A_c / (1 - q_c) * m_ref_c ** beta_c`` is reported too,
  in the original units (``eps ~ alpha * m^-beta + gamma`` far above ``m_ref_c``).
* **Partial pooling of exponents**, domains non-centred::

      log beta_d = log_beta_mu + log_beta_domain_sigma * z_d
      log beta_c ~ Normal(log beta_{d(c)}, log_beta_curve_sigma)

  Curves can be non-centred (``log beta_c = log beta_{d(c)} +
  log_beta_curve_sigma * z_c``); ``curve_parameterization="centered"`` samples
  ``log beta_c`` directly. Same model, different geometry; which is faster depends on how
  precisely the data pin each curve down *relative to the spread between curves*, which
  is not known before fitting. Measured with nutpie (4 chains; target_accept 0.9, except
  0.99 on the 15-curve simulation; 300 + 300 draws on revisiting2022-lang, 500 + 500 on
  the 10- and 100-curve simulations, 1,000 + 1,000 on the others), with the
  reference-point parameterisation below:

  ======================================= ================= ================= =========
  table                                   non-centred       centred           curves
                                                                              per domain
  ======================================= ================= ================= =========
  revisiting2022-lang (precise LM curves) 366 steps/draw    75 steps/draw     5, 5, 10
  simulated, 100 curves, 1 seed           210               89                20
  simulated, 15 curves, 3 seeds           265, OK           397, 2 div.,      5
                                                            ESS 203
  embedded (mlp)                          41, 2 div.        22, 163 div.      2, 2
  simulated, 10 curves                    63, 0 div.        67, 88 div.       2
  ======================================= ================= ================= =========

  Non-centred is the safe default: it never failed here, while centring fails where
  curves share nearly one exponent (the spread goes to 0: a funnel). Centring wins on
  many precise curves (whose non-centred ``z`` are tied tightly to the population
  parameters, giving long trajectories): use it for tables like revisiting2022-lang.
  ``curve_parameterization="auto"`` makes the choice **per curve**, before
  sampling (:mod:`bayes_scaling.models.geometry`): a curve is centred when a least-squares
  fit of that curve alone fixes ``log beta_c`` more tightly than the prior median of the
  spread between curves, non-centred otherwise; one variable mixes both forms (the prior
  is unchanged). On ``revisiting2022-lang`` it centres 10 of 20 curves (the precise LM and
  BIG-bench curves; the NMT curves, whose floors and exponents trade off, stay
  non-centred).

  **The domain level's geometry is chosen from the data by default**
  (``domain_parameterization="auto"``,
  :func:`~bayes_scaling.models.geometry.centre_domains_where_informative`). With
  non-centred domains, ``log_beta_mu`` and every ``z_d`` trade off along a ridge when
  each domain's exponent is pinned by several precise curves: on ``revisiting2022-lang``
  ``z_domain`` and ``log_beta_mu`` were the worst-mixing parameters (R-hat 1.023 and
  1.031 for seeds 2026 and 7, bulk ESS 190 and 179). A domain is centred when it has at
  least 3 curves with a usable least-squares exponent and its pooled standard error is
  below half the spread between domains (moment estimates from those fits); one domain,
  domains that nearly share an exponent, and domains of one or two usable curves stay
  non-centred. There it centres all three domains: R-hat 1.007 and 1.012, bulk ESS 395
  and 520 (``python -m benchmarks.domain_geometry``, BENCHMARKS.md section 6), and the
  default call passes after one automatic remedy. A first version without the minimum
  of 3 curves centred the embedded table's fit rows (1-2 usable curves per domain) and
  brought 3 divergences there; the non-centred fit passes.
* **Sampled at the reference size** (as :class:`~bayes_scaling.models.JointScalingLaw`):
  the metric there, ``eps_ref,c = A_c + gamma_c``, is what the data fix; ``A_c`` and
  ``gamma_c`` trade off against each other along that sum, so sampling ``A_c`` directly
  leaves a ridge (2.4x the leapfrog steps on ``revisiting2022-lang``)::

      eps_ref,c = geometric-mean metric of curve c * exp(log_ref_metric_offset_c)
      gamma_c   = floor_fraction_c * min(min_i y_ci, eps_ref,c)    (0 < gamma_c < min y)
      A_c       = eps_ref,c - gamma_c

  The geometric-mean metric is the data-driven centre (the middle layer of the prior
  precedence).
* When the table has a width sweep (``params``), each shard's best model size is
  used (:func:`bayes_scaling.data.best_model_size_rows`).
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from bayes_scaling import dims
from bayes_scaling.curves import POWER_LAW_IRREDUCIBLE
from bayes_scaling.data import ScalingData, best_model_size_rows, load_table
from bayes_scaling.errors import IdentificationWarning, ModelConfigError
from bayes_scaling.identification import check_identification
from bayes_scaling.model_types import HIERARCHICAL_LEARNING_CURVE
from bayes_scaling.models.base import (
    ScalingModel,
    add_likelihood,
    label_observations,
    nested_effects,
)
from bayes_scaling.models.discrepancy import (
    DEFAULT_KNOTS,
    LOO_POINTWISE,
    BridgeKnots,
    MarginalBridge,
    bridge_knots,
    interpolate_knots,
    move_loo_pointwise,
)
from bayes_scaling.models.geometry import (
    centre_domains_where_informative,
    centre_where_informative,
    log_exponent_estimates,
)
from bayes_scaling.models.indexing import CURVE_SEP, CurveIndex, curve_label
from bayes_scaling.models.predictive import check_rebuilt, rebuild_settings
from bayes_scaling.priors import prior_median

__all__ = ["CURVE_PARAMETERIZATIONS", "CURVE_SEP", "FORMS", "PREDICTED_NAME",
           "HierarchicalLearningCurve", "curve_label", "curve_mean", "fitted_table",
           "plateau_share", "reducible_part", "relative_size_for_target"]

#: Name of the posterior-predictive variable of the log metric at new rows.
PREDICTED_NAME = "log_metric_predicted"
#: Accepted values of ``curve_parameterization``.
CURVE_PARAMETERIZATIONS: tuple[str, ...] = ("auto", "non_centered", "centered")

#: Accepted values of ``form``: the power law with a floor (default) and the plateau form
#: that contains it (``plateau_share = 0``).
FORMS: tuple[str, ...] = ("power_law_irreducible", "sigmoid_log")

#: Accepted values of ``discrepancy_kernel`` (keys of :data:`~bayes_scaling.models.
#: discrepancy.DISCREPANCY_COMPONENTS` measured on learning curves; ``"brownian_end"`` is
#: the joint law's, for checkpoints, and has not been scored here).
LEARNING_CURVE_KERNELS: tuple[str, ...] = ("brownian+integrated", "integrated", "brownian")


def reducible_part(relative_size: Any, scale_ref: Any, beta: Any, plateau_share: Any) -> Any:
    """``scale_ref / (q + (1 - q) x**beta)``: the reducible error at ``x = m / m_ref``.

    Works on numpy, xarray and PyTensor inputs alike. ``q = plateau_share = 0`` is the
    power law ``scale_ref * x**-beta``; ``q > 0`` bends it to a plateau of height
    ``scale_ref / q`` at small sizes (the ``sigmoid_log`` family, M4 of Alabdulmohsin et
    al. 2022 with exponent 1), while far above the reference size it is the power law
    ``scale_ref / (1 - q) * x**-beta``.
    """
    return scale_ref / (plateau_share + (1.0 - plateau_share) * relative_size**beta)


def relative_size_for_target(target: Any, scale_ref: Any, beta: Any, gamma: Any,
                             plateau_share: Any) -> Any:
    """Inverse of ``gamma + reducible_part(x, ...)`` in ``x = m / m_ref`` (numpy/xarray).

    ``inf`` where ``target <= gamma`` (unreachable); ``0`` where the target is at or
    above the plateau ``gamma + scale_ref / q`` (met at every size).

    Examples
    --------
    >>> float(relative_size_for_target(0.3, scale_ref=0.2, beta=0.5, gamma=0.1,
    ...                                plateau_share=0.0))
    1.0
    >>> float(relative_size_for_target(0.1, 0.2, 0.5, 0.1, 0.3))
    inf
    """
    excess = target - gamma
    reachable = excess > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        power = (scale_ref / xr.where(reachable, excess, 1.0) - plateau_share) / (
            1.0 - plateau_share)
        size = xr.where(power > 0, np.maximum(power, 0.0) ** (1.0 / beta), 0.0)
    return xr.where(reachable, size, np.inf)


class HierarchicalLearningCurve(ScalingModel):
    """Partially pooled ``alpha * m^-beta + gamma`` learning curves.

    Parameters
    ----------
    data : ScalingData, pandas.DataFrame or path
        Tidy table with ``domain``, ``curve``, ``data`` and ``error`` or ``loss``.
        Rows with ``split == "holdout"`` are not fitted.
    priors : mapping or path, optional
        Overrides of the packaged priors (``priors/hierarchical_learning_curve.yaml``).
    prior_set : str, optional
        A literature prior set (:func:`bayes_scaling.prior_sets.list_prior_sets`, e.g.
        ``"language-model"``) replacing the default priors it names; ``priors`` still
        override it (precedence: user > prior set > data-driven > default).
    robust : bool, default False
        Student-t likelihood on the log scale (``noise_nu`` degrees of freedom),
        for tables with outliers.
    discrepancy : bool, default True
        Add the discrepancy along log size (see the module docstring);
        ``False`` gives the plain iid-noise model of version 0.1.
    discrepancy_knots : int, default 6
        Knots per curve of the discrepancy inside the fitted range, both ends included.
    discrepancy_kernel : {"brownian+integrated", "integrated", "brownian"}
        Default ``"brownian+integrated"``.
        The discrepancy's process (:func:`~bayes_scaling.models.discrepancy.unit_covariance`):
        Brownian (rough; beyond the fitted range it continues from the pinned end with no
        trend), integrated Brownian (smooth, free ends; a curve that steepens or flattens
        towards its largest fitted size carries that bend on beyond it, with a variance
        growing as the cube of the log distance), or their sum: one pooled total rate
        (the Brownian rate's units and priors) split by ``discrepancy_smooth_share`` (the
        share of the in-range variance that is smooth, below) into
        ``discrepancy_rate`` and ``integrated_discrepancy_rate``, so that the data
        say how much of what the form gets wrong is rough and how much is a smooth bend.
        The integrated kernel alone has its own prior for its rate's population mean,
        ``log_integrated_discrepancy_mu`` (other units).
    discrepancy_smooth_share : float, "table" or None, default "table"
        ``"brownian+integrated"`` only: the share of each curve's in-range discrepancy
        variance that is smooth. ``"table"`` learns one share for all curves (prior
        ``logit_smooth_share_mu`` on the logit scale); a number fixes it (0.5, the sum's
        default until 2026-11-29, scored about the same: RMSE within 0.015 and
        miscalibration within 0.03 of the learned share's on every table of BENCHMARKS.md
        section 6, better on some, worse on others); ``None`` learns it per curve
        (partially pooled, ``logit_smooth_share_*`` priors), which adds a weakly
        identified parameter per curve (on ``dense-learning-curves`` R-hat 1.048, bulk
        ESS 100, against 1.015 and 225 fixed at 0.5; BENCHMARKS.md section 6). With the
        share fixed, the data still decide, curve by curve, which part of a residual
        pattern is a wiggle and which a bend (the Gaussian-process posterior of the two
        components).
    form : {"power_law_irreducible", "sigmoid_log"}, default "power_law_irreducible"
        The curve's shape. ``"sigmoid_log"`` adds a per-curve ``plateau_share`` ``q``
        (prior ``Beta``, mode 0) that bends the power law to a plateau at small sizes
        (Hestness's small-data region), so that a curve that is still steepening where it
        was observed is extrapolated with its asymptotic exponent, not its average one;
        ``q = 0`` is ``"power_law_irreducible"``, the model of version 0.1.
    curve_parameterization : {"non_centered", "centered", "auto"}, default "non_centered"
        Geometry of the curve-level exponents (the model is the same). ``"centered"``
        samples much faster on tables of many precise curves (``revisiting2022-lang``:
        5x fewer leapfrog steps) and fails when curves share nearly one exponent; see
        the module docstring. ``"auto"`` chooses per curve from the data: centred where
        the curve alone fixes ``log beta`` more tightly than the prior median of the
        spread between curves (:mod:`bayes_scaling.models.geometry`). It cuts the
        trajectories on ``revisiting2022-lang`` but, on the embedded table (curves that
        share nearly one exponent), the one curve it centres brings divergences back:
        not the default.
    domain_parameterization : {"auto", "non_centered", "centered"}, default "auto"
        Geometry of the domain-level exponents (the model is the same). ``"auto"``
        centres the domains whose exponent 3 or more curves fix clearly more tightly
        than the spread between domains, both estimated from each curve's least-squares
        fit
        (:func:`~bayes_scaling.models.geometry.centre_domains_where_informative`): a
        table whose domains clearly differ, each with several precise curves, gets
        centred domains; one domain, or domains sharing one exponent, stay non-centred.
        See the module docstring for the measurements.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> model = HierarchicalLearningCurve(load_dataset("mlp-learning-curves"))
    >>> model.coords["domain"]
    ['digits', 'mnist1d']
    """

    model_type: ClassVar[str] = HIERARCHICAL_LEARNING_CURVE
    cli_kind: ClassVar[str | None] = "learning-curve"
    size_column: ClassVar[str] = "data"
    prior_names: ClassVar[tuple[str, ...]] = (
        "log_beta_mu",
        "log_beta_domain_sigma",
        "log_beta_curve_sigma",
        "log_ref_metric_offset",
        "floor_fraction",
        "noise_sigma",
        "noise_nu",
        "log_discrepancy_mu",
        "log_integrated_discrepancy_mu",
        "log_discrepancy_domain_sigma",
        "log_discrepancy_curve_sigma",
        "logit_smooth_share_mu",
        "logit_smooth_share_domain_sigma",
        "logit_smooth_share_curve_sigma",
        "plateau_share",
    )
    #: With few domains (2 in the embedded data) the domain-level scale of the non-centred
    #: hierarchy is weakly identified and NUTS meets a curved ridge between it, the
    #: population mean and the z's. Measured on the embedded data (seeds 2026, 1, 2):
    #: target_accept 0.9 gave 1-15 divergences, 0.95 gave 0-5, 0.99 gave 0 (max R-hat
    #: <= 1.013, bulk ESS >= 500) at ~1.3x the sampling time. Boundary-avoiding Gamma
    #: priors on the scales and a wider population prior did not remove them.
    default_target_accept: ClassVar[float] = 0.99
    #: nutpie's low-rank mass matrix (``fit(low_rank_mass_matrix=True)``) is *not* the
    #: default: it depends on the table. revisiting2022-lang with the discrepancy term
    #: (4 x 1,000 draws, 2 cores loaded by other jobs): 133 leapfrog steps per draw at
    #: target_accept 0.99 (46 at 0.95) against 366-910 with the diagonal one, neither
    #: passing that table's diagnostics; on the embedded table it took 245 steps per draw
    #: and left a bulk ESS of 421, where the diagonal matrix passes with a few times the
    #: ESS (BENCHMARKS.md section 6).
    default_low_rank_mass_matrix: ClassVar[bool] = False

    def __init__(self, data: Any, *, priors: Any = None, prior_set: str | None = None,
                 robust: bool = False,
                 curve_parameterization: str = "non_centered",
                 domain_parameterization: str = "auto", discrepancy: bool = True,
                 discrepancy_knots: int = DEFAULT_KNOTS,
                 discrepancy_kernel: str = "brownian+integrated",
                 discrepancy_smooth_share: float | str | None = "table",
                 form: str = "power_law_irreducible") -> None:
        table = load_table(data, size="data")
        if form not in FORMS:
            raise ModelConfigError(f"form must be one of {', '.join(FORMS)}, got {form!r}")
        self.form = form
        if not isinstance(robust, bool):
            raise ModelConfigError(f"robust must be True or False, got {robust!r}")
        if not isinstance(discrepancy, bool):
            raise ModelConfigError(f"discrepancy must be True or False, got {discrepancy!r}")
        if (isinstance(discrepancy_knots, bool) or not isinstance(discrepancy_knots, int)
                or not 3 <= discrepancy_knots <= 50):
            raise ModelConfigError("discrepancy_knots must be an integer from 3 to 50 (knots "
                                   f"per curve, both ends included), got {discrepancy_knots!r}")
        if discrepancy_kernel not in LEARNING_CURVE_KERNELS:
            raise ModelConfigError(f"discrepancy_kernel must be one of "
                                   f"{', '.join(LEARNING_CURVE_KERNELS)}, "
                                   f"got {discrepancy_kernel!r}")
        share = discrepancy_smooth_share
        if share not in (None, "table") and (
                isinstance(share, bool) or not isinstance(share, int | float)
                or not 0.0 < share < 1.0):
            raise ModelConfigError("discrepancy_smooth_share must be a number in (0, 1), "
                                   "'table' (one share learned for the table) or None "
                                   f"(learned per curve), got {share!r}")
        self.discrepancy = discrepancy
        self.discrepancy_knots = discrepancy_knots
        self.discrepancy_kernel = discrepancy_kernel
        self.discrepancy_smooth_share = (share if share in (None, "table")
                                         else float(share))
        if curve_parameterization not in CURVE_PARAMETERIZATIONS:
            raise ModelConfigError(
                f"curve_parameterization must be one of {', '.join(CURVE_PARAMETERIZATIONS)}, "
                f"got {curve_parameterization!r}")
        self.robust = robust
        self.curve_parameterization = curve_parameterization
        if domain_parameterization not in CURVE_PARAMETERIZATIONS:
            raise ModelConfigError(
                f"domain_parameterization must be one of {', '.join(CURVE_PARAMETERIZATIONS)}, "
                f"got {domain_parameterization!r}")
        self.domain_parameterization = domain_parameterization
        fit_rows = table.split("fit").frame
        if fit_rows.empty:
            raise ModelConfigError("no rows with split == 'fit' to fit the model on")
        selected = best_model_size_rows(fit_rows, metric=table.metric, size="data")
        super().__init__(ScalingData(selected, size="data", source=table.source), priors=priors,
                         prior_set=prior_set)
        self.source_table = table
        self.identification = check_identification(self.data)
        frame = self.data.frame
        index = CurveIndex.from_frame(frame)
        self.index = index
        self.curve_domain = index.curve_domain
        self.obs_curve_idx = index.obs_curve_idx
        size = frame["data"].to_numpy(float)
        metric_values = frame[self.data.metric].to_numpy(float)
        # centring on the geometric mean of each curve's *distinct* sizes
        self.ref_size = np.exp(index.per_curve(size, lambda s: np.log(np.unique(s)).mean()))
        self.max_size = index.per_curve(size, np.max)
        self.min_metric = index.per_curve(metric_values, np.min)
        self.geo_metric = np.exp(index.per_curve(np.log(metric_values), np.mean))
        # chosen on first use (a least-squares fit per curve); from_fit sets the saved one
        self._centering: tuple[np.ndarray, np.ndarray] | None = None
        self.knots: BridgeKnots = bridge_knots(np.log(size), self.obs_curve_idx,
                                               len(index.curves), n_knots=discrepancy_knots,
                                               kernel=discrepancy_kernel)
        self._fitted_terms: dict[str, Any] = {}
        self._column_scale: Any = None  # the rate of each free knot value (set by _build)
        self.coords: dict[str, list[Any]] = index.coords()
        if discrepancy:
            self.coords[dims.KNOT] = list(range(self.knots.n_free))

    def config(self) -> dict[str, Any]:
        """Model settings (stored in the fit's attrs)."""
        return {"robust": self.robust, "family": self.form, "size": "data",
                "curve_parameterization": self.curve_parameterization,
                "domain_parameterization": self.domain_parameterization,
                "discrepancy": self.discrepancy, "discrepancy_knots": self.discrepancy_knots,
                "discrepancy_kernel": self.discrepancy_kernel,
                "discrepancy_smooth_share": self.discrepancy_smooth_share}

    def _build(self) -> pm.Model:
        frame = self.data.frame
        metric = self.data.metric
        domain_idx = self.index.domain_idx
        log_ref = np.log(self.ref_size)
        size = frame["data"].to_numpy(float)
        x = np.log(size) - log_ref[self.obs_curve_idx]
        p = self.priors
        with pm.Model(coords=self.coords) as model:
            pm.Data("curve_idx", self.obs_curve_idx, dims=dims.OBS)
            log_size_c = pm.Data("log_size_centered", x, dims=dims.OBS)
            pm.Data("size", size, dims=dims.OBS)
            pm.Data("domain_idx", domain_idx, dims=dims.CURVE)
            # the geometry chosen per curve; from_fit reuses it (the posterior's z_curve
            # means the exponent itself where 1, a standard-normal z where 0)
            pm.Data("centered_curve", self.centered_curves.astype("int8"), dims=dims.CURVE)
            pm.Data("centered_domain", self.centered_domains.astype("int8"), dims=dims.DOMAIN)
            ref_size = pm.Data("ref_size", self.ref_size, dims=dims.CURVE)
            pm.Data("max_size", self.max_size, dims=dims.CURVE)
            min_metric = pm.Data("min_metric", self.min_metric, dims=dims.CURVE)
            geo_metric = self.geo_metric

            # exponents: non-centred hierarchy on the log scale
            log_beta_mu = p["log_beta_mu"].create_variable("log_beta_mu")
            sd_domain = p["log_beta_domain_sigma"].create_variable("log_beta_domain_sigma")
            sd_curve = p["log_beta_curve_sigma"].create_variable("log_beta_curve_sigma")
            log_beta_domain, log_beta = nested_effects(
                mu=log_beta_mu, domain_sigma=sd_domain, curve_sigma=sd_curve,
                domain_idx=domain_idx, z_names=("z_domain", "z_curve"),
                centered=self.centered_curves, domain_centered=self.centered_domains)
            pm.Deterministic("beta_global", pt.exp(log_beta_mu))
            pm.Deterministic("beta_domain", pt.exp(log_beta_domain), dims=dims.DOMAIN)
            beta = pm.Deterministic("beta", pt.exp(log_beta), dims=dims.CURVE)

            # the metric at the reference size, centred on the data; floor and reducible
            # part share it (see the module docstring)
            offset = p["log_ref_metric_offset"].create_variable("log_ref_metric_offset",
                                                                dims=dims.CURVE)
            metric_ref = pm.Deterministic("metric_ref", geo_metric * pt.exp(offset),
                                          dims=dims.CURVE)
            fraction = p["floor_fraction"].create_variable("floor_fraction", dims=dims.CURVE)
            gamma = pm.Deterministic("gamma", fraction * pt.minimum(min_metric, metric_ref),
                                     dims=dims.CURVE)
            scale_ref = pm.Deterministic("scale_ref", metric_ref - gamma, dims=dims.CURVE)
            share = self._plateau_share()
            # alpha: the coefficient of the large-size power law, in the original units
            pm.Deterministic("alpha", scale_ref / (1.0 - share) * ref_size**beta,
                             dims=dims.CURVE)

            idx = self.obs_curve_idx
            if self.form == "sigmoid_log":
                eps = gamma[idx] + reducible_part(pt.exp(log_size_c), scale_ref[idx],
                                                  beta[idx], share[idx])
            else:  # the same value at q = 0, in the form version 0.1 sampled
                eps = POWER_LAW_IRREDUCIBLE.function(pt.exp(log_size_c), alpha=scale_ref[idx],
                                                     beta=beta[idx], gamma=gamma[idx])
            mu = pt.log(eps)
            sigma = p["noise_sigma"].create_variable("noise_sigma", dims=dims.CURVE)
            observed = np.log(frame[metric].to_numpy(float))
            if self.marginal_discrepancy:
                # the knots integrated out (Woodbury): no latent variable per knot
                rate = self.knots.column_scale(self._discrepancy_rates(domain_idx))
                self._column_scale = rate
                bridge = MarginalBridge.from_knots(self.knots, np.log(size), idx)
                residual = observed - mu
                pm.Potential(f"{self.observed_name}_marginal",
                             bridge.logp(residual, sigma, rate))
                # pointwise leave-one-out densities, moved to log_likelihood by _finalize
                pm.Deterministic(LOO_POINTWISE, bridge.loo_pointwise(residual, sigma, rate),
                                 dims=dims.OBS)
                self._fitted_terms = {"bridge": bridge, "residual": residual,
                                      "sigma": sigma, "rate": rate}
            else:
                if self.discrepancy:
                    mu = mu + self._latent_discrepancy(np.log(size), domain_idx)
                nu = p["noise_nu"].create_variable("noise_nu") if self.robust else None
                add_likelihood(self.observed_name, mu=mu, sigma=sigma[idx], nu=nu,
                               observed=observed)
        return model

    @property
    def centered_curves(self) -> np.ndarray:
        """Per curve, whether its exponent is sampled centred (``curve_parameterization``;
        chosen from the data on first use)."""
        return self._geometry()[0]

    @property
    def centered_domains(self) -> np.ndarray:
        """Per domain, whether its exponent is sampled centred (``domain_parameterization``;
        chosen from the data on first use)."""
        return self._geometry()[1]

    def _geometry(self) -> tuple[np.ndarray, np.ndarray]:
        if self._centering is None:
            frame = self.data.frame
            self._centering = self._choose_centering(
                np.log(frame["data"].to_numpy(float)),
                np.log(frame[self.data.metric].to_numpy(float)))
        return self._centering

    def _choose_centering(self, log_size: np.ndarray,
                          log_metric: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per curve and per domain, whether its exponent is sampled centred (see
        ``curve_parameterization``, ``domain_parameterization`` and
        :mod:`bayes_scaling.models.geometry`)."""
        curves = np.full(len(self.index.curves), self.curve_parameterization == "centered")
        domains = np.full(len(self.index.domains), self.domain_parameterization == "centered")
        if "auto" not in (self.curve_parameterization, self.domain_parameterization):
            return curves, domains  # no least-squares fit needed
        estimate, se = log_exponent_estimates(log_size, log_metric, self.obs_curve_idx,
                                              curves.size)
        if self.curve_parameterization == "auto":
            curves = centre_where_informative(
                se, prior_median(self.priors["log_beta_curve_sigma"]))
        if self.domain_parameterization == "auto":
            domains = centre_domains_where_informative(estimate, se, self.index.domain_idx,
                                                       domains.size)
        return curves, domains

    def _plateau_share(self) -> Any:
        """The plateau share ``q`` per curve (zeros for the plain power law); call inside
        the model context."""
        if self.form == "sigmoid_log":
            return self.priors["plateau_share"].create_variable("plateau_share",
                                                                dims=dims.CURVE)
        return pt.zeros(len(self.index.curves))

    @property
    def marginal_discrepancy(self) -> bool:
        """Whether the discrepancy's knots are integrated out (Normal likelihood)."""
        return self.discrepancy and not self.robust

    def _discrepancy_rates(self, domain_idx: np.ndarray) -> tuple[Any, ...]:
        """Per component of the discrepancy, its partially pooled rate per curve
        (``discrepancy_rate`` for the Brownian one, ``integrated_discrepancy_rate`` for the
        integrated one, each with its own hierarchy; the spreads share their priors);
        call inside the model context."""
        p = self.priors
        if len(self.knots.components) > 1:
            return self._summed_discrepancy_rates(domain_idx)
        rates = []
        for kernel in self.knots.components:
            tag = "integrated_" if kernel == "integrated" else ""
            _, log_rate = nested_effects(
                mu=p[f"log_{tag}discrepancy_mu"].create_variable(f"log_{tag}discrepancy_mu"),
                domain_sigma=p["log_discrepancy_domain_sigma"].create_variable(
                    f"log_{tag}discrepancy_domain_sigma"),
                curve_sigma=p["log_discrepancy_curve_sigma"].create_variable(
                    f"log_{tag}discrepancy_curve_sigma"),
                domain_idx=domain_idx,
                z_names=(f"z_{tag}discrepancy_domain", f"z_{tag}discrepancy_curve"))
            rates.append(pm.Deterministic(f"{tag}discrepancy_rate", pt.exp(log_rate),
                                          dims=dims.CURVE))
        return tuple(rates)

    def _summed_discrepancy_rates(self, domain_idx: np.ndarray) -> tuple[Any, Any]:
        """The rates of the ``"brownian+integrated"`` discrepancy: one partially pooled
        total (``log_discrepancy_*``, in the Brownian rate's units) and the share of the
        in-range variance that is smooth (``discrepancy_smooth_share``: fixed, one learned
        for the table with ``"table"``, or, when None, ``logit_smooth_share_*``, partially
        pooled on the logit scale), split into
        the two components' rates so that each curve's
        root-mean-square discrepancy over its fitted range is the total's.

        Two independent rates (the first version) trade off along an L-shaped ridge (when
        one is near zero the other carries the whole discrepancy), which NUTS could not
        mix (R-hat 1.030 on ``dense-learning-curves``); the total is what the residuals
        pin down, the share what their smoothness does.
        """
        p = self.priors
        _, log_total = nested_effects(
            mu=p["log_discrepancy_mu"].create_variable("log_discrepancy_mu"),
            domain_sigma=p["log_discrepancy_domain_sigma"].create_variable(
                "log_discrepancy_domain_sigma"),
            curve_sigma=p["log_discrepancy_curve_sigma"].create_variable(
                "log_discrepancy_curve_sigma"),
            domain_idx=domain_idx, z_names=("z_discrepancy_domain", "z_discrepancy_curve"))
        if self.discrepancy_smooth_share is None:
            _, logit_share = nested_effects(
                mu=p["logit_smooth_share_mu"].create_variable("logit_smooth_share_mu"),
                domain_sigma=p["logit_smooth_share_domain_sigma"].create_variable(
                    "logit_smooth_share_domain_sigma"),
                curve_sigma=p["logit_smooth_share_curve_sigma"].create_variable(
                    "logit_smooth_share_curve_sigma"),
                domain_idx=domain_idx,
                z_names=("z_smooth_share_domain", "z_smooth_share_curve"))
            share = pm.Deterministic("smooth_share", pm.math.sigmoid(logit_share),
                                     dims=dims.CURVE)
        elif self.discrepancy_smooth_share == "table":
            share = pm.Deterministic("smooth_share", pm.math.sigmoid(
                p["logit_smooth_share_mu"].create_variable("logit_smooth_share_mu")))
        else:
            share = pt.as_tensor_variable(np.float64(self.discrepancy_smooth_share))
        total = pt.exp(log_total)
        # per curve, RMS(integrated, unit rate) / RMS(Brownian, unit rate) over the range
        ratio = np.sqrt(self.knots.mean_unit_variance("brownian")
                        / self.knots.mean_unit_variance("integrated"))
        rates = (pm.Deterministic("discrepancy_rate", total * pt.sqrt(1.0 - share),
                                  dims=dims.CURVE),
                 pm.Deterministic("integrated_discrepancy_rate",
                                  total * pt.sqrt(share) * ratio, dims=dims.CURVE))
        return rates

    def _latent_discrepancy(self, log_size: np.ndarray, domain_idx: np.ndarray) -> Any:
        """The Brownian-bridge discrepancy at each fitted row with sampled (non-centred)
        knots, for the Student-t likelihood (see :mod:`bayes_scaling.models.discrepancy`);
        call inside the model context."""
        scale = self.knots.column_scale(self._discrepancy_rates(domain_idx))
        self._column_scale = scale
        z = pm.Normal("z_discrepancy", 0.0, 1.0, dims=(dims.CURVE, dims.KNOT))
        interior = scale * (self.knots.chol * z[:, None, :]).sum(axis=-1)
        values = self.knots.all_knots(interior)
        pm.Deterministic("discrepancy_interior", interior, dims=(dims.CURVE, dims.KNOT))
        location = self.knots.locate(log_size, self.obs_curve_idx)
        return interpolate_knots(values, location, self.obs_curve_idx)

    #: Size columns that rows to predict at need (:func:`bayes_scaling.prediction.predict`).
    prediction_sizes: ClassVar[tuple[str, ...]] = ("data",)

    @classmethod
    def from_fit(cls, tree: xr.DataTree) -> HierarchicalLearningCurve:
        """Rebuild the model a saved fit was sampled from (same table, settings, priors).

        Raises
        ------
        FitFileError
            If the fit is of another model type or the rebuilt model does not match it
            (other curves or reference sizes).
        """
        config, priors = rebuild_settings(tree, cls.model_type)
        with warnings.catch_warnings():  # the fit already reported them
            warnings.simplefilter("ignore", IdentificationWarning)
            model = cls(fitted_table(tree), priors=priors,
                        robust=bool(config.get("robust", False)),
                        curve_parameterization=config.get("curve_parameterization",
                                                          "non_centered"),
                        # fits made before the choice existed: every domain non-centred
                        domain_parameterization=config.get("domain_parameterization",
                                                           "non_centered"),
                        discrepancy=bool(config.get("discrepancy", False)),
                        discrepancy_knots=int(config.get("discrepancy_knots", DEFAULT_KNOTS)),
                        discrepancy_kernel=str(config.get("discrepancy_kernel", "brownian")),
                        # fits made before the share was fixed learned it
                        discrepancy_smooth_share=config.get("discrepancy_smooth_share"),
                        form=str(config.get("family", "power_law_irreducible")))
        check_rebuilt(tree, list(model.coords[dims.CURVE]), {"ref_size": model.ref_size})
        # the geometry the fit was sampled with, not chosen again (older fits lack one or
        # both: fully non-centred domains, per the settings above, for the curves)
        const = tree["constant_data"]
        curves = (const["centered_curve"].values.astype(bool) if "centered_curve" in const
                  else None)
        domains = (const["centered_domain"].values.astype(bool) if "centered_domain" in const
                   else None)
        if curves is None or domains is None:
            chosen = model._geometry()
            curves = chosen[0] if curves is None else curves
            domains = chosen[1] if domains is None else domains
        model._centering = (curves, domains)
        return model

    def add_predictive(self, rows: pd.DataFrame) -> str:
        """Add the posterior predictive of the log metric at ``rows`` to the model.

        Rows of fitted curves get that curve's prediction: the power law at the row's
        size, the discrepancy interpolated between the curve's knots inside the fitted
        range and Brownian beyond it (variance ``rate**2 * d`` at log distance ``d``),
        and the curve's noise. Rows of curves the fit has not seen get the population's
        predictive for a new curve of their domain: an exponent drawn from the domain's
        distribution, level and floor of a fitted curve of the domain chosen at random
        per draw, and a discrepancy drawn from its prior. Draws are independent between
        rows (marginal intervals per row).

        Parameters
        ----------
        rows : pandas.DataFrame
            Validated rows with ``domain``, ``curve`` and ``data``.

        Returns
        -------
        str
            The predictive variable's name (:data:`PREDICTED_NAME`), on the ``row`` dim.
        """
        domains = list(self.coords[dims.DOMAIN])
        unknown_domains = sorted(set(rows["domain"]) - set(domains))
        if unknown_domains:
            raise ModelConfigError(
                f"domain(s) {unknown_domains} were not fitted; this fit can predict for "
                f"the domains {domains} (a new curve of a fitted domain is allowed)")
        inputs = self._prediction_inputs(rows)
        model = self.build_model()
        with model:
            model.add_coord(dims.ROW, inputs.pop("row"))
            two_d = {"template_p": (dims.ROW, dims.CURVE), "trend_coef": (dims.ROW, dims.KNOT)}
            data = {name: pm.Data(f"pred_{name}", value, dims=two_d.get(name, dims.ROW))
                    for name, value in inputs.items()
                    if name not in ("trend_coef", "spread")}
            if self.discrepancy:
                data["trend_coef"] = pm.Data("pred_trend_coef", inputs["trend_coef"],
                                             dims=(dims.ROW, dims.KNOT))
                spreads = [pm.Data(f"pred_spread_{kernel}", inputs["spread"][:, j],
                                   dims=dims.ROW)
                           for j, kernel in enumerate(self.knots.components)]
            post = {name: model[name] for name in ("beta", "scale_ref", "gamma", "noise_sigma",
                                                    "beta_domain", "log_beta_curve_sigma")}
            template = pm.Categorical("pred_curve_template", p=data["template_p"], dims=dims.ROW)
            new = data["new_curve"]
            z_beta = pm.Normal("pred_z_beta", 0.0, 1.0, dims=dims.ROW)
            log_beta_new = (pt.log(post["beta_domain"])[data["domain_pos"]]
                            + post["log_beta_curve_sigma"] * z_beta)
            beta = pt.switch(new, pt.exp(log_beta_new), post["beta"][template])
            ref_size = model["ref_size"][template]
            share = (model["plateau_share"][template] if self.form == "sigmoid_log" else 0.0)
            eps = post["gamma"][template] + reducible_part(
                data["size"] / ref_size, post["scale_ref"][template], beta, share)
            mu = pt.log(eps)
            if self.discrepancy:
                if self.marginal_discrepancy:  # draw the knots given the data and theta
                    terms = self._fitted_terms
                    z_knots = pm.Normal("pred_z_knots", 0.0, 1.0, dims=(dims.CURVE, dims.KNOT))
                    whitened = terms["bridge"].knot_posterior(
                        terms["residual"], terms["sigma"], terms["rate"], z_knots)
                    values = terms["rate"] * (self.knots.chol * whitened[:, None, :]).sum(axis=-1)
                else:
                    values = model["discrepancy_interior"]
                    whitened = model["z_discrepancy"]
                knots = self.knots.all_knots(values)
                inside = ((1.0 - data["weight"]) * knots[template, data["left"]]
                          + data["weight"] * knots[template, data["left"] + 1])
                z_disc = pm.Normal("pred_z_discrepancy", 0.0, 1.0, dims=dims.ROW)
                # beyond the fitted range: each component's conditional mean given its knots
                # (0 for the Brownian one) and its conditional spread
                scale = self._column_scale[template]
                trend = (data["trend_coef"] * scale * whitened[template]).sum(axis=-1)
                variance = sum(
                    model[("integrated_" if kernel == "integrated" else "")
                          + "discrepancy_rate"][template] ** 2 * spread
                    for kernel, spread in zip(self.knots.components, spreads, strict=True))
                mu = (mu + pt.switch(new, 0.0, inside + trend)
                      + pt.sqrt(variance) * z_disc)
            sigma = post["noise_sigma"][template]
            if self.robust:
                pm.StudentT(PREDICTED_NAME, nu=model["noise_nu"], mu=mu, sigma=sigma,
                            dims=dims.ROW)
            else:
                pm.Normal(PREDICTED_NAME, mu=mu, sigma=sigma, dims=dims.ROW)
        return PREDICTED_NAME

    def _prediction_inputs(self, rows: pd.DataFrame) -> dict[str, np.ndarray]:
        """Per-row arrays of :meth:`add_predictive` (curve templates, knot positions)."""
        curves = list(self.coords[dims.CURVE])
        position = {c: i for i, c in enumerate(curves)}
        labels = [curve_label(d, c) for d, c in zip(rows["domain"], rows["curve"], strict=True)]
        known = np.array([lab in position for lab in labels])
        domain_pos = np.array([self.coords[dims.DOMAIN].index(d) for d in rows["domain"]])
        template_p = np.zeros((len(rows), len(curves)))
        for i, lab in enumerate(labels):
            if known[i]:
                template_p[i, position[lab]] = 1.0
            else:  # a new curve: any fitted curve of its domain, equally likely
                members = self.index.domain_idx == domain_pos[i]
                template_p[i, members] = 1.0 / members.sum()
        own = np.array([position.get(lab, 0) for lab in labels])
        log_size = np.log(rows["data"].to_numpy(float))
        location = self.knots.locate(log_size, own)
        # the discrepancy the fit does not fix, in units of rate**2: beyond a fitted curve's
        # range, the kernel's conditional given the knots (mean coefficients on the
        # whitened knots, spread); for a new curve, its prior variance, averaged over the
        # template curves (inside a template's range taken at its largest, the middle)
        trend_coef, spread = self.knots.extrapolation(log_size, own)
        for i in np.flatnonzero(~known):
            members = np.flatnonzero(template_p[i] > 0)
            spread[i] = self.knots.prior_variance(np.full(len(members), log_size[i]),
                                                  members).mean(axis=0)
            trend_coef[i] = 0.0
        return {"row": np.arange(len(rows)), "size": rows["data"].to_numpy(float),
                "template_p": template_p, "new_curve": (~known).astype(float),
                "domain_pos": domain_pos, "left": location["left"],
                "weight": location["weight"], "spread": spread, "trend_coef": trend_coef}

    def _add_log_likelihood(self, tree: xr.DataTree, model: pm.Model) -> xr.DataTree:
        """With the marginal discrepancy the observations are correlated within a curve:
        the pointwise terms are the leave-one-out conditional densities (computed with the
        draws), moved from the posterior to ``log_likelihood``; ``observed_data`` holds
        the log metric."""
        if not self.marginal_discrepancy:
            return super()._add_log_likelihood(tree, model)
        return move_loo_pointwise(tree, self.observed_name,
                                  np.log(self.data.frame[self.data.metric].to_numpy(float)))

    def _finalize(self, tree: xr.DataTree, cfg: Any, sampler_used: str) -> xr.DataTree:
        tree = super()._finalize(tree, cfg, sampler_used)
        frame = self.data.frame
        extra = {f"obs_{col}": frame[col].to_numpy() for col in ("seed", "params")
                 if col in frame}
        return label_observations(tree, frame, self.curve_domain, extra)


def fitted_table(tree: xr.DataTree) -> pd.DataFrame:
    """Rebuild the tidy table a learning-curve fit was made on (from its own groups)."""
    const = tree["constant_data"].to_dataset()
    metric = tree.attrs.get("metric", "error")
    frame = pd.DataFrame(
        {
            "domain": const["obs_domain"].values.astype(str),
            "curve": const["obs_curve"].values.astype(str),
            "data": const["size"].values.astype(float),
        }
    )
    if "obs_params" in const:
        frame["params"] = const["obs_params"].values
    frame[metric] = np.exp(tree["observed_data"]["log_metric"].values)
    if "obs_seed" in const:
        frame["seed"] = const["obs_seed"].values.astype("int64")
    return frame


def curve_mean(tree: xr.DataTree, sizes: Any) -> xr.DataArray:
    """Posterior draws of ``eps_c(m)`` on a grid of sizes.

    Parameters
    ----------
    tree : xarray.DataTree
        A :class:`HierarchicalLearningCurve` fit.
    sizes : array-like or xarray.DataArray
        Sizes; a plain array becomes a ``size`` dimension shared by all curves, a
        DataArray may carry a ``curve`` dimension (per-curve grids).

    Returns
    -------
    xarray.DataArray
        Dims ``(chain, draw, curve, size)`` (or the DataArray's dims).
    """
    post = tree["posterior"]
    ref = tree["constant_data"]["ref_size"]
    if not isinstance(sizes, xr.DataArray):
        sizes = xr.DataArray(np.asarray(sizes, float), dims=dims.SIZE)
    return post["gamma"] + reducible_part(sizes / ref, post["scale_ref"], post["beta"],
                                          plateau_share(tree))


def plateau_share(tree: xr.DataTree) -> Any:
    """The fit's plateau share ``q`` per draw and curve (0 for a power-law fit)."""
    post = tree["posterior"]
    return post.get("plateau_share", 0.0)
