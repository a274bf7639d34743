"""Joint two-variable scaling law in model size and data (the Chinchilla form).

For curve ``c``, parameters ``N`` and training tokens ``D`` (compute ``C ~ 6 N D``)::

    L_c(N, D) = E_c + A_c / N**alpha_c + B_c / D**beta_c          (Hoffmann et al. 2022)
    log L_i   ~ StudentT(nu, log L_c(N_i, D_i), sigma_c)       (Normal if robust=False)

* **Centred predictors**: ``x_N = log N - log N_ref_c`` and ``x_D = log D - log D_ref_c``
  with ``N_ref_c``, ``D_ref_c`` the geometric means of the curve's ``N`` and ``D``.
* **Sampled at the reference point**, in quantities the data pin down nearly
  independently: the loss there, ``L_ref = E + t_N + t_D``, the floor ``E`` and the share
  of the reducible loss ``L_ref - E`` carried by the model-size term, where
  ``t_N = A N_ref^-alpha`` and ``t_D = B D_ref^-beta`` are the two terms at ``(N_ref,
  D_ref)``. In the original units ``log A`` and ``alpha`` are correlated almost perfectly
  (``log N`` is ~20 away from 0), and ``E``, ``t_N``, ``t_D`` trade off against each
  other because their sum is fixed by the data; sampling ``L_ref`` removes that ridge
  (1.5x fewer leapfrog steps and ~1.5x the ESS per draw on simulated IsoFLOP data)::

      L_ref_c = Lbar_c * exp(log_ref_loss_offset_c)        Lbar_c: geometric-mean loss
      E_c     = floor_fraction_c * min(min_i L_ci, L_ref_c)     (0 < E_c < min L)
      t_N,c   = params_share_c * (L_ref_c - E_c),   t_D,c = (1 - params_share_c) * (...)
      A_c     = t_N,c * N_ref_c ** alpha_c,         B_c   = t_D,c * D_ref_c ** beta_c

  ``E, A, B`` (original units), the terms and ``L_ref`` are Deterministics. The centre
  ``Lbar_c`` is the data-driven layer of the prior precedence.
* **Slopes instead of exponents** (``parameterization="slope"``, the default): what the
  data fix best after ``L_ref`` is the slope of the surface at the reference point, the
  elasticity ``e_N = -d log L / d log N = alpha t_N / L_ref`` (and ``e_D = beta t_D /
  L_ref``); the exponent is then set by the curvature, which few model sizes pin down
  loosely. Sampling ``alpha`` leaves a curved ridge between ``alpha``, the floor fraction
  and the share (posterior correlations of 0.9-0.95 on ``gadre2024``, where each curve
  has four model sizes), which a low-rank mass matrix cannot undo for 24 curves at once.
  The default samples ``log e_N`` and derives ``alpha = e_N / (params_share R)`` with
  ``R = (L_ref - E) / L_ref``. The prior is *unchanged*: with ``alpha ~ LogNormal(mu,
  sigma)`` independent of the rest, ``log e_N`` given the other parameters is
  ``Normal(mu + log params_share + log R, sigma)`` (a shift of ``log alpha``, Jacobian 1),
  so the model, and its posterior, are the same as with ``parameterization="share"``
  (``alpha`` and ``beta`` sampled, which any positive exponent prior allows); only the
  sampler's coordinates differ. The slope form needs LogNormal exponent priors.
* **Discrepancy** (``discrepancy=True``, an option): what the form gets wrong, as in
  the learning-curve model (:mod:`bayes_scaling.models.discrepancy`), along both size
  axes::

      log L_i ~ StudentT(nu, log L_c(N_i, D_i) + delta_N,c(log N_i) + delta_D,c(log D_i),
                         sigma_c)

  ``delta_N,c`` is a Brownian bridge in log ``N`` pinned at the curve's smallest and
  largest fitted ``N`` (``discrepancy_knots`` knots, linear between them), continued as
  Brownian motion beyond them; ``delta_D,c`` the same in log ``D``. Their rates
  (standard deviation of the log loss per square root of log size) are partially pooled
  (curves within domains, domains around a population mean; one hierarchy per axis,
  the same priors). Rows of one model size (checkpoints of one run, or runs of one
  architecture at several token counts) share ``delta_N`` exactly, so they are
  correlated and count as one model size, not as independent evidence about the form;
  and the predictive variance grows by ``rate_N**2 d_N + rate_D**2 d_D`` at log
  distances ``d_N``, ``d_D`` beyond the fitted model sizes and token counts, at rates
  learned from how much the curves bend away from the form where they were observed.
  With the Student-t likelihood (``robust=True``) the knots are sampled, non-centred
  (``knots = rate * L_bridge z``, standard-normal ``z``); with the Normal likelihood
  they are integrated out (:class:`~bayes_scaling.models.surface_discrepancy.
  SurfaceBridge`, Woodbury) and the pointwise ``log_likelihood`` holds leave-one-out
  conditional densities. ``discrepancy_axes=("data",)`` keeps the bridge along log ``D``
  only (tried with the size effect on checkpoint tables: its intervals hold the largest
  models' final losses about as often as they should, but its fits do not mix, because
  with an offset per model size each curve's floor and exponent along ``N`` are pinned
  by a handful of offsets; BENCHMARKS.md section 6, "The model sizes' offsets integrated
  out"). Levels of the rate hierarchy with one member (one domain; one
  curve per domain) are left out: they would add nothing but a ridge.

  The price is identification: a bridge free in the middle of the range can bend the
  surface as the floor and the exponents do, so with few model sizes per curve (four in
  ``gadre2024``) ``E``, ``alpha`` and the loss at the reference point trade off along a
  curved ridge. The slope coordinates above and ``target_accept = 0.99`` (see
  :attr:`JointScalingLaw.default_target_accept`) are what let NUTS cross it.
* **The default expands on failure** (``discrepancy=None``): the plain law is fitted
  first; if its diagnostics still fail after the automatic remedy, the model is refitted
  with the discrepancy and the Normal likelihood, and the better fit is kept (recorded in
  the fit's ``model_expansion`` attr; :meth:`JointScalingLaw.fit`). On a family measured
  through its checkpoints from the first steps of training, the Student-t plain law's
  posterior has two modes (the early checkpoints as outliers with ``nu`` < 1, or broad
  noise with ``nu`` ~ 1.5), which no amount of sampling reconciles and no prior on ``nu``
  removed (Gamma(4, 0.2) tried); the discrepancy along ``D`` models the early excess
  instead, and its fits pass (:data:`EXPANSION_MEASUREMENTS`). Tables whose plain fit
  passes (every registered one) are fitted exactly as before.
* **Model-size effect** (``size_effect=True``, an option): the rows of one model size of
  a curve share an offset of the log loss::

      log L_i ~ StudentT(nu, log L_c(N_i, D_i) + u_c,N_i, sigma_c),
      u_c,N = size_effect_sigma * z_c,N,   z ~ Normal(0, 1)       (non-centred)

  one ``u`` per (curve, fitted ``N``) (dim ``model_size``), one scale for the table
  (prior ``size_effect_sigma``). Checkpoints of one run share its seed, data order and
  learning-rate schedule, and a model size's depth/width choice moves all of its runs,
  so its rows are not independent evidence about the law. At a fitted size a
  prediction keeps the size's offset; at a size the fit has not seen (the larger model
  one wants to predict) it draws a new offset, so the interval is wider by about
  ``size_effect_sigma``. The scale is learned from what each curve's own law leaves
  over: a curve's ``A`` and ``alpha`` absorb any log-linear trend of its offsets in
  ``log N``, so with few sizes per curve the scale is underestimated (2 of 6 degrees of
  freedom per curve with six sizes). Measured in :data:`SIZE_EFFECT_MEASUREMENTS`.
  With the discrepancy and the Normal likelihood the offsets are **integrated out** with
  the bridges (one more block of the Woodbury algebra,
  :class:`~bayes_scaling.models.surface_discrepancy.SurfaceBridge`'s ``groups``): the
  sampler sees ``size_effect_sigma`` only, and the posterior has no ``size_effect``
  variable; a prediction at a fitted size draws its offset given the data.
* **Several curves**: parameters are per curve (``curve`` dim), not pooled; the
  ``domain`` dim is kept even when there is one domain (``curves_per_domain``).

Robust likelihood
-----------------
Hoffmann et al. (2022) and Besiroglu et al. (2024) minimise a Huber loss (``delta =
1e-3``) of the log-loss residuals; at Epoch's fit 81% of the residuals are beyond
``delta`` (median ``|r|`` 0.0033), so the objective is close to the absolute error (L1),
the negative log-likelihood of a Laplace distribution. Epoch's analysis code also drops
the 5 runs with the highest loss before fitting. Both steps matter on
``chinchilla-epoch2024`` (checked with scipy, L-BFGS from a grid of starts):

* Huber on all 245 runs: ``E 1.89, A 495, B 12800, alpha 0.349, beta 0.453``;
* Huber without the 5 highest-loss runs: ``E 1.817, A 478, B 2143, alpha 0.347,
  beta 0.367``, i.e. Epoch's published values;
* a Laplace likelihood here (the Bayesian L1) on all runs reproduces the first line
  (``B`` ~ 1.4e4, ``beta`` ~ 0.46), a Normal one is dragged further (``beta`` ~ 0.61).

``robust=True`` therefore uses a **Student-t** with estimated degrees of freedom ``nu``.
Its influence function *redescends* (far outliers pull less and less, unlike Huber's or
L1's constant pull), so it discounts the few wild runs by itself, without an ad-hoc
exclusion rule: on all 245 runs ``nu`` ~ 1.6 and the posterior is centred on Epoch's
values. Its density is also smooth, unlike the Laplace kink that NUTS handles poorly.
With large ``nu`` it becomes the Normal likelihood of ``robust=False``.
"""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from bayes_scaling import dims
from bayes_scaling.data import MIN_DISTINCT_SIZES, ScalingData, load_table, validate_frame
from bayes_scaling.diagnostics import fit_report, remedy_rank
from bayes_scaling.errors import (
    DataValidationError,
    FitDiagnosticsWarning,
    IdentificationWarning,
    ModelConfigError,
    PriorConfigError,
)
from bayes_scaling.identification import check_identification
from bayes_scaling.model_types import JOINT_SCALING
from bayes_scaling.models.base import (
    SamplerConfig,
    ScalingModel,
    add_likelihood,
    label_observations,
)
from bayes_scaling.models.discrepancy import (
    DEFAULT_KNOTS,
    LOO_POINTWISE,
    BridgeKnots,
    bridge_knots,
    interpolate_knots,
    move_loo_pointwise,
)
from bayes_scaling.models.indexing import CurveIndex
from bayes_scaling.models.predictive import (
    add_row_data,
    check_rebuilt,
    log_distance_outside,
    predicted_name,
    predictive_likelihood,
    rebuild_settings,
    refuse_new_curves,
    row_curves,
)
from bayes_scaling.models.surface_discrepancy import SurfaceBridge
from bayes_scaling.summaries import ci_defaults, posterior_interval

logger = logging.getLogger(__name__)

#: Posterior variables of the law in the original units (the reporting order).
LAW_PARAMETERS: tuple[str, ...] = ("E", "A", "B", "alpha", "beta")

#: FLOP per parameter per training token in the ``C ~ 6 N D`` approximation.
FLOP_PER_PARAM_TOKEN = 6.0

#: Accepted values of ``parameterization`` (sampler coordinates; the model is the same).
PARAMETERIZATIONS: tuple[str, ...] = ("slope", "share")

#: Leave-future-out calibration of the joint law (``python -m benchmarks calibration``
#: protocol, 4 x 1,000 draws, 2026-11-27, 2-core VM with other jobs running): table ->
#: setting -> (RMSE of log loss, 90% coverage, miscalibration, wall s, diagnostics). The
#: discrepancy improves the point predictions on both tables and calibrates Chinchilla's
#: larger runs, but its intervals are too wide on ``gadre2024``, it costs 3-10x the time
#: and its fits miss R-hat 1.01 narrowly (on the simulated checkpoint table clearly); so it
#: is an option, not the default.
DISCREPANCY_MEASUREMENTS: dict[str, dict[str, tuple[float, float, float, float, str]]] = {
    "gadre2024 (72 held-out rows, 1.4B and 6.9B runs)": {
        "plain (default)": (0.0338, 0.92, 0.042, 206, "pass"),
        "discrepancy, Student-t (knots sampled)": (0.0270, 1.00, 0.153, 1381, "R-hat 1.015"),
        "discrepancy, robust=False (knots integrated out)": (0.0326, 1.00, 0.178, 635,
                                                              "R-hat 1.011"),
    },
    "simulated-checkpoints (24 final losses of the 2.8B and 6.9B runs; 2026-11-29)": {
        "plain (default)": (0.0366, 0.62, 0.235, 135, "pass after one remedy"),
        "discrepancy, robust=False (knots integrated out)": (0.0205, 1.00, 0.108, 2373,
                                                              "R-hat 1.023 after two remedies"),
    },
    "chinchilla-epoch2024 (57 held-out runs above 2e9 parameters)": {
        "plain (default)": (0.0599, 0.60, 0.288, 24, "pass"),
        "discrepancy, Student-t (knots sampled)": (0.0420, 0.86, 0.038, 116, "R-hat 1.012"),
        "discrepancy, robust=False (knots integrated out)": (0.0407, 0.88, 0.019, 94,
                                                              "R-hat 1.014"),
    },
}

#: Leave-future-out calibration of the model-size effect (``python -m
#: benchmarks.joint_variants``, the same protocol; 2026-11-29, 2-core VM): table ->
#: setting -> (RMSE of log loss, 90% coverage, miscalibration, wall s, diagnostics); NaN
#: where a fit did not finish. It moves the calibration of the checkpoint table half-way
#: (the Normal likelihood alone does not), does nothing for Chinchilla's larger runs and
#: cannot be sampled on ``gadre2024`` (4 model sizes per curve: the offsets trade off
#: with each curve's ``A`` and ``alpha``); so it is an option, not the default.
SIZE_EFFECT_MEASUREMENTS: dict[str, dict[str, tuple[float, float, float, float, str]]] = {
    "simulated-checkpoints (24 final losses of the 2.8B and 6.9B runs)": {
        "plain (default, Student-t)": (0.0366, 0.62, 0.235, 135, "pass after one remedy"),
        "plain, robust=False": (0.0365, 0.62, 0.235, 175, "pass after one remedy"),
        "size effect, Student-t": (0.0344, 0.79, 0.135, 613, "R-hat 1.015 after two remedies"),
        "size effect, robust=False": (0.0345, 0.79, 0.135, 333, "pass after remedies"),
    },
    "gadre2024 (72 held-out rows, 1.4B and 6.9B runs)": {
        "plain (default, Student-t)": (0.0338, 0.93, 0.042, 258, "pass"),
        "plain, robust=False": (0.0356, 1.00, 0.167, 52, "pass"),
        "size effect, robust=False": (float("nan"), float("nan"), float("nan"), float("nan"),
                                      "R-hat 1.012, bulk ESS 580 after one remedy; stopped "
                                      "in the second after 14 min"),
    },
    "chinchilla-epoch2024 (57 held-out runs above 2e9 parameters)": {
        "plain (default, Student-t)": (0.0599, 0.60, 0.288, 24, "pass"),
        "plain, robust=False": (0.0507, 0.65, 0.270, 13, "pass"),
        "size effect, Student-t": (0.0592, 0.54, 0.305, 33, "pass"),
        "size effect, robust=False": (0.0503, 0.61, 0.279, 23, "pass after one remedy"),
    },
}

#: The default's expansion (``python -m benchmarks.joint_expansion``, 2026-11-29, 2-core
#: VM loaded by another benchmark): one simulated family per seed measured at Pythia's
#: checkpoint steps (1-512, then every 10,000 to 143,000), the 6 smaller models' checkpoints
#: fitted, the 6.9B model's final loss predicted; 8 seeds. Setting -> (fits passing their
#: diagnostics, 90% intervals holding the final loss, median relative error of the
#: median, median wall s). The plain law failed on 3 seeds (R-hat 1.016, 1.016, 1.448
#: after the remedy); the default expanded those 3 and passed on all 8.
EXPANSION_MEASUREMENTS: dict[str, tuple[str, str, float, float]] = {
    "all 8 seeds: plain law (discrepancy=False)": ("5 of 8", "8 of 8", 0.0098, 19.0),
    "all 8 seeds: default (expands on failure)": ("8 of 8", "8 of 8", 0.0076, 19.0),
    "the 3 expanded seeds: plain law": ("0 of 3", "3 of 3", 0.0170, 39.0),
    "the 3 expanded seeds: default (the discrepancy fit)": ("3 of 3", "3 of 3", 0.0113, 117.0),
}

#: The size axes of the discrepancy: name prefix of its variables -> table column.
DISCREPANCY_AXES: dict[str, str] = {"params": "params", "data": "data"}

#: Key of the model sizes' offsets among the marginal discrepancy's knot values.
SIZE_EFFECT = "size_effect"

#: Fewest curves whose floor fractions ``floor_pooling`` pools (fewer: each its own prior).
MIN_POOLED_FLOORS = 3

#: The discrepancy's kernels the joint law offers (:data:`~bayes_scaling.models.
#: discrepancy.DISCREPANCY_COMPONENTS`): the bridge pinned at both ends of each axis's
#: fitted range, or pinned at its largest size only.
JOINT_DISCREPANCY_KERNELS: tuple[str, ...] = ("brownian", "brownian_end")


def joint_loss(params: Any, data: Any, *, E: Any, A: Any, B: Any, alpha: Any,
               beta: Any) -> Any:
    """``E + A / N**alpha + B / D**beta`` for numpy, xarray or pytensor inputs.

    Examples
    --------
    >>> round(float(joint_loss(70e9, 1.4e12, E=1.69, A=406.4, B=410.7, alpha=0.34,
    ...                        beta=0.28)), 3)
    1.937
    """
    return E + A * params ** (-alpha) + B * data ** (-beta)


def _prepare_table(data: Any) -> ScalingData:
    """Validated table with ``params``, ``data`` and a metric; ``data`` derived if needed."""
    table = load_table(data, size="params")
    frame = table.frame
    if "params" not in frame:
        raise DataValidationError("a joint fit needs a 'params' column (model size N)",
                                  column="params")
    if "data" not in frame:
        if "compute" not in frame:
            raise DataValidationError(
                "a joint fit needs a 'data' column (training tokens D), or 'compute' to "
                "derive it as D = compute / (6 * params)", column="data")
        frame = frame.copy()
        frame["data"] = frame["compute"] / (FLOP_PER_PARAM_TOKEN * frame["params"])
        table = ScalingData(validate_frame(frame, size="params"), size="params",
                            source=table.source,
                            notes=(*table.notes, "data = compute / (6 * params)"))
    return table


class JointScalingLaw(ScalingModel):
    """Bayesian ``L(N, D) = E + A/N^alpha + B/D^beta`` fit (Chinchilla form).

    Parameters
    ----------
    data : ScalingData, pandas.DataFrame or path
        Tidy table with ``domain``, ``curve``, ``params`` (N), ``data`` (tokens D; derived
        as ``compute / (6 params)`` when only ``compute`` is given) and ``loss`` (or
        ``error``). Rows with ``split == "holdout"`` are not fitted.
    robust : bool, optional
        Student-t likelihood on log loss (see the module docstring for why it stands in
        for the Huber loss of Hoffmann et al.); ``False``: Normal. Default (``None``):
        Student-t, and Normal for the model the default expands to (see ``discrepancy``).
    priors : mapping or path, optional
        Overrides of the packaged priors (``priors/joint_scaling.yaml``).
    prior_set : str, optional
        A literature prior set (:func:`bayes_scaling.prior_sets.list_prior_sets`, e.g.
        ``"language-model"``) replacing the default priors it names; ``priors`` still
        override it (precedence: user > prior set > data-driven > default).
    discrepancy : bool, optional
        Add the Brownian discrepancy along log ``N`` and log ``D`` (see the module
        docstring; best with ``robust=False``, which integrates its knots out);
        ``False`` gives the plain law of version 0.1 (iid noise). Default (``None``): the
        plain law, refitted with the discrepancy (Normal likelihood) when its fit fails
        its diagnostics after the automatic remedy (:meth:`fit`;
        :data:`EXPANSION_MEASUREMENTS`). Not on from the start: see
        :data:`DISCREPANCY_MEASUREMENTS`.
    discrepancy_knots : int, default 6
        Knots per curve and axis of the discrepancy inside the fitted range, both ends
        included.
    discrepancy_axes : tuple of {"params", "data"}, default ("params", "data")
        The size axes the discrepancy runs along. ``("data",)`` bends each curve along
        log ``D`` only (the shape a training run's schedule leaves along its checkpoints)
        and leaves differences between model sizes to the law, or to ``size_effect``.
    parameterization : {"slope", "share"}, default "slope"
        Sampler coordinates of the exponents: the slopes at the reference point
        (``"slope"``, needs LogNormal priors on ``alpha`` and ``beta``) or the exponents
        themselves (``"share"``). The same model and prior; see the module docstring.
    size_effect : bool, default False
        One offset of the log loss per fitted model size of each curve, shared by its rows
        (the checkpoints of one run, or the runs of one architecture at several token
        counts), with a learned scale; a model size the fit has not seen draws a new one
        (see the module docstring). Not the default: see :data:`SIZE_EFFECT_MEASUREMENTS`.
    discrepancy_kernel : {"brownian", "brownian_end"}, default "brownian"
        The discrepancy along each axis: the Brownian bridge pinned at both ends of the
        curve's fitted range, or Brownian motion pinned at the largest fitted size only
        (free at the smallest). The second is the shape a training run's schedule leaves
        along its checkpoints: their excess over the law vanishes at the run's end and is
        largest early in training, where pinning would force the law through it.
    floor_pooling : bool, default False
        Partially pool the curves' floor fractions ``E / min L`` (logit-normal around a
        population mean with a learned spread, priors ``logit_floor_fraction_mu`` and
        ``logit_floor_fraction_sigma``) when there are at least
        :data:`MIN_POOLED_FLOORS` curves, instead of a uniform prior per curve. Families
        trained on one corpus share its entropy; with an offset per model size, a
        family's few sizes alone leave its floor and exponent on a ridge.

    Examples
    --------
    Four model sizes, each trained at three token counts, on an exact law:

    >>> import numpy as np
    >>> import pandas as pd
    >>> n = np.geomspace(1e7, 1e9, 4).repeat(3)
    >>> d = n * np.tile([5.0, 20.0, 80.0], 4)
    >>> frame = pd.DataFrame({"domain": "lm", "curve": "run", "params": n, "data": d,
    ...                       "loss": joint_loss(n, d, E=1.8, A=400.0, B=1100.0,
    ...                                          alpha=0.3, beta=0.3)})
    >>> sorted(rv.name for rv in JointScalingLaw(frame).build_model().free_RVs)
    ... # doctest: +NORMALIZE_WHITESPACE
    ['floor_fraction', 'log_data_elasticity', 'log_params_elasticity',
     'log_ref_loss_offset', 'nu', 'params_share', 'sigma']
    >>> JointScalingLaw(frame, discrepancy=True, robust=False).config()["likelihood"]
    'normal'

    Fitting samples with nutpie (``fit = JointScalingLaw(frame).fit()``); on a public
    table, ``reference_comparison(fit)`` sets the posterior beside the published fits.
    """

    model_type: ClassVar[str] = JOINT_SCALING
    cli_kind: ClassVar[str | None] = "joint"
    size_column: ClassVar[str] = "params"
    #: With the discrepancy the floor, the exponents and the bridges trade off along a
    #: curved ridge (module docstring): target_accept 0.9 gave 12 and 66 divergences (two
    #: runs, max R-hat 1.03-1.04) on ``gadre2024``'s 760 fit rows, and 425 divergences on
    #: ``chinchilla-epoch2024``'s runs up to 2e9 parameters with ``robust=False``; 0.99
    #: gave none on either. The plain law passes its diagnostics at 0.99 on both tables
    #: (4 x 1,000 draws: max R-hat 1.006 and 1.002, bulk ESS 767 and 3,883).
    default_target_accept: ClassVar[float] = 0.99
    #: The posterior keeps strong linear correlations (``alpha`` with ``A``, the two terms
    #: with the floor) that a diagonal mass matrix cannot undo. nutpie's low-rank
    #: adaptation learns them: on ``chinchilla-epoch2024`` (4 x 1,000 draws, 2 seeds) it
    #: cut the leapfrog steps per draw from 24 to 6.4, the sampling time from 3.4 s to
    #: 1.1 s and raised the smallest bulk ESS of ``E, A, B, alpha, beta`` from 897-1,093
    #: to 4,920-5,008.
    default_low_rank_mass_matrix: ClassVar[bool] = True
    observed_name: ClassVar[str] = "log_loss"
    prior_names: ClassVar[tuple[str, ...]] = (
        "log_ref_loss_offset",
        "floor_fraction",
        "params_share",
        "alpha",
        "beta",
        "sigma",
        "nu",
        "log_discrepancy_mu",
        "log_discrepancy_domain_sigma",
        "log_discrepancy_curve_sigma",
        "size_effect_sigma",
        "logit_floor_fraction_mu",
        "logit_floor_fraction_sigma",
    )

    def __init__(self, data: Any, *, robust: bool | None = None, priors: Any = None,
                 prior_set: str | None = None,
                 discrepancy: bool | None = None, discrepancy_knots: int = DEFAULT_KNOTS,
                 parameterization: str = "slope", size_effect: bool = False,
                 discrepancy_axes: tuple[str, ...] = tuple(DISCREPANCY_AXES),
                 floor_pooling: bool = False, discrepancy_kernel: str = "brownian") -> None:
        for name, value in (("robust", robust), ("discrepancy", discrepancy)):
            if value is not None and not isinstance(value, bool):
                raise ModelConfigError(f"{name} must be True, False or None (the default), "
                                       f"got {value!r}")
        for name, value in (("size_effect", size_effect), ("floor_pooling", floor_pooling)):
            if not isinstance(value, bool):
                raise ModelConfigError(f"{name} must be True or False, got {value!r}")
        if (isinstance(discrepancy_knots, bool) or not isinstance(discrepancy_knots, int)
                or not 3 <= discrepancy_knots <= 50):
            raise ModelConfigError("discrepancy_knots must be an integer from 3 to 50 (knots "
                                   "per curve and axis, both ends included), got "
                                   f"{discrepancy_knots!r}")
        axes = tuple(discrepancy_axes) if not isinstance(discrepancy_axes, str) else ()
        if (not axes or len(set(axes)) != len(axes)
                or any(axis not in DISCREPANCY_AXES for axis in axes)):
            raise ModelConfigError(f"discrepancy_axes must be a non-empty tuple of distinct "
                                   f"axes from {list(DISCREPANCY_AXES)}, got "
                                   f"{discrepancy_axes!r}")
        if discrepancy_kernel not in JOINT_DISCREPANCY_KERNELS:
            raise ModelConfigError(f"discrepancy_kernel must be one of "
                                   f"{', '.join(JOINT_DISCREPANCY_KERNELS)}, got "
                                   f"{discrepancy_kernel!r}")
        if parameterization not in PARAMETERIZATIONS:
            raise ModelConfigError(f"parameterization must be one of "
                                   f"{', '.join(PARAMETERIZATIONS)}, got {parameterization!r}")
        #: ``discrepancy=None``: the plain law, expanded if its fit fails (see :meth:`fit`).
        self.expand_on_failure = discrepancy is None
        # what the expanded model is built from that the resolved settings below lose
        self._given = {"data": data, "priors": priors, "prior_set": prior_set, "robust": robust}
        self.robust = True if robust is None else robust
        self.discrepancy = bool(discrepancy)
        self.discrepancy_knots = discrepancy_knots
        #: The size axes the discrepancy runs along (name prefix -> table column), in
        #: :data:`DISCREPANCY_AXES`'s order.
        self.discrepancy_axes: dict[str, str] = {
            axis: column for axis, column in DISCREPANCY_AXES.items() if axis in axes}
        self.parameterization = parameterization
        self.size_effect = size_effect
        self.floor_pooling = floor_pooling
        self.discrepancy_kernel = discrepancy_kernel
        self._fitted_terms: dict[str, Any] = {}
        table = _prepare_table(data)
        fit_rows = table.split("fit")
        if fit_rows.frame.empty:
            raise ModelConfigError("no rows with split == 'fit' to fit the model on")
        super().__init__(fit_rows, priors=priors, prior_set=prior_set)
        frame = self.data.frame
        index = CurveIndex.from_frame(frame)
        self.index = index
        curves = index.curves
        labels = [curves[i] for i in index.obs_curve_idx]
        self.curve_domain = index.curve_domain
        self.obs_curve_idx = index.obs_curve_idx
        metric = self.data.metric
        per_curve = pd.DataFrame({
            "curve": labels,
            "log_n": np.log(frame["params"].to_numpy(float)),
            "log_d": np.log(frame["data"].to_numpy(float)),
            "log_y": np.log(frame[metric].to_numpy(float)),
            "compute": self._compute(frame),
        })
        grouped = per_curve.groupby("curve", sort=False)
        for name, column in (("params", "log_n"), ("data", "log_d")):
            distinct = grouped[column].nunique()[curves]
            if (distinct < MIN_DISTINCT_SIZES).any():
                bad = list(distinct[distinct < MIN_DISTINCT_SIZES].index)
                raise DataValidationError(
                    f"curve(s) {bad} have fewer than {MIN_DISTINCT_SIZES} distinct {name!r} "
                    "values; a joint fit "
                    f"needs N and D to vary to separate the two terms", column=name)
        # curves are not pooled: no 'one curve' finding
        self.identification = check_identification(self.data, pooled=False)
        self.ref_params = np.exp(grouped["log_n"].mean()[curves].to_numpy())
        self.ref_data = np.exp(grouped["log_d"].mean()[curves].to_numpy())
        self.geo_metric = np.exp(grouped["log_y"].mean()[curves].to_numpy())
        self.min_metric = np.exp(grouped["log_y"].min()[curves].to_numpy())
        self.max_compute = grouped["compute"].max()[curves].to_numpy()
        self.coords: dict[str, list[Any]] = index.coords()
        if parameterization == "slope":
            for name in ("alpha", "beta"):
                if self.priors[name].dist != "LogNormal":
                    raise PriorConfigError(
                        f"parameterization='slope' samples the slope at the reference point "
                        f"and needs a LogNormal prior on {name!r} (got "
                        f"{self.priors[name].dist}); use parameterization='share' for other "
                        "exponent priors (the same model, sampled in the exponents)")
        #: Knot grids of the discrepancy per axis (``params``, ``data``), over each curve's
        #: fitted range of log ``N`` and log ``D``.
        self.knots: dict[str, BridgeKnots] = {
            axis: bridge_knots(np.log(frame[column].to_numpy(float)), self.obs_curve_idx,
                               len(curves), n_knots=discrepancy_knots,
                               kernel=discrepancy_kernel)
            for axis, column in self.discrepancy_axes.items()}
        if discrepancy:
            self.coords[dims.KNOT] = list(range(next(iter(self.knots.values())).n_free))
        #: With ``size_effect``: the fitted model sizes of each curve (rows sharing
        #: ``curve`` and ``params``); else ``None``.
        self.sizes: ModelSizes | None = None
        if size_effect:
            self.sizes = ModelSizes.from_rows(self.obs_curve_idx,
                                              np.log(frame["params"].to_numpy(float)), curves)
            self.coords[dims.MODEL_SIZE] = self.sizes.labels

    @staticmethod
    def _compute(frame: pd.DataFrame) -> np.ndarray:
        if "compute" in frame:
            return frame["compute"].to_numpy(float)
        return FLOP_PER_PARAM_TOKEN * frame["params"].to_numpy(float) * frame["data"].to_numpy(
            float)

    def config(self) -> dict[str, Any]:
        """Model settings (stored in the fit's attrs)."""
        return {"robust": self.robust, "form": "E + A/N^alpha + B/D^beta",
                "likelihood": "student_t" if self.robust else "normal",
                "flop_per_param_token": FLOP_PER_PARAM_TOKEN,
                "discrepancy": self.discrepancy, "discrepancy_knots": self.discrepancy_knots,
                "parameterization": self.parameterization, "size_effect": self.size_effect,
                "discrepancy_axes": list(self.discrepancy_axes),
                "floor_pooling": self.floor_pooling,
                "discrepancy_kernel": self.discrepancy_kernel}

    def _build(self) -> pm.Model:
        frame = self.data.frame
        idx = self.obs_curve_idx
        params = frame["params"].to_numpy(float)
        tokens = frame["data"].to_numpy(float)
        x_n = np.log(params) - np.log(self.ref_params)[idx]
        x_d = np.log(tokens) - np.log(self.ref_data)[idx]
        observed = np.log(frame[self.data.metric].to_numpy(float))
        domain_idx = self.index.domain_idx
        p = self.priors
        with pm.Model(coords=self.coords) as model:
            # Recorded in ``constant_data``. The likelihood below uses the same arrays as
            # constants: nutpie then compiles a frozen graph, about twice as fast (6 s
            # instead of 12.5 s on 2 cores) as one with shared data.
            pm.Data("curve_idx", idx, dims=dims.OBS)
            pm.Data("domain_idx", domain_idx, dims=dims.CURVE)
            pm.Data("curves_per_domain", np.bincount(domain_idx, minlength=len(self.index.domains)),
                    dims=dims.DOMAIN)
            pm.Data("log_params_centered", x_n, dims=dims.OBS)
            pm.Data("log_data_centered", x_d, dims=dims.OBS)
            pm.Data("params", params, dims=dims.OBS)
            pm.Data("data", tokens, dims=dims.OBS)
            pm.Data("compute", self._compute(frame), dims=dims.OBS)
            pm.Data("ref_params", self.ref_params, dims=dims.CURVE)
            pm.Data("ref_data", self.ref_data, dims=dims.CURVE)
            pm.Data("min_metric", self.min_metric, dims=dims.CURVE)
            pm.Data("geo_metric", self.geo_metric, dims=dims.CURVE)
            pm.Data("max_compute", self.max_compute, dims=dims.CURVE)

            # loss at the reference point, centred on the curve's geometric-mean loss
            offset = p["log_ref_loss_offset"].create_variable("log_ref_loss_offset",
                                                              dims=dims.CURVE)
            ref_loss = pm.Deterministic("ref_loss", self.geo_metric * pt.exp(offset),
                                        dims=dims.CURVE)
            # E below the smallest observed loss (and below the loss at the reference)
            fraction = self._floor_fraction()
            E = pm.Deterministic("E", fraction * pt.minimum(self.min_metric, ref_loss),
                                 dims=dims.CURVE)
            # the reducible loss at the reference point, split between the two terms
            share = p["params_share"].create_variable("params_share", dims=dims.CURVE)
            reducible = ref_loss - E
            t_n = pm.Deterministic("params_term_ref", share * reducible, dims=dims.CURVE)
            t_d = pm.Deterministic("data_term_ref", (1.0 - share) * reducible,
                                   dims=dims.CURVE)
            alpha, beta = self._exponents(ref_loss, reducible, share)
            pm.Deterministic("A", t_n * self.ref_params**alpha, dims=dims.CURVE)
            pm.Deterministic("B", t_d * self.ref_data**beta, dims=dims.CURVE)

            loss = (E[idx] + t_n[idx] * pt.exp(-alpha[idx] * x_n)
                    + t_d[idx] * pt.exp(-beta[idx] * x_d))
            mu = pt.log(loss)
            scale = (p["size_effect_sigma"].create_variable("size_effect_sigma")
                     if self.size_effect else None)
            if self.size_effect and not self.marginal_discrepancy:
                # one offset per fitted model size, shared by its rows (non-centred)
                z = pm.Normal("z_size_effect", 0.0, 1.0, dims=dims.MODEL_SIZE)
                effect = pm.Deterministic("size_effect", scale * z, dims=dims.MODEL_SIZE)
                mu = mu + effect[self.sizes.row_size]
            sigma = p["sigma"].create_variable("sigma", dims=dims.CURVE)
            if self.marginal_discrepancy:
                # the knots (and the size offsets) integrated out (Woodbury): no latent
                # variable per knot or per model size
                rates = [self._discrepancy_rate(axis, domain_idx)
                         for axis in self.discrepancy_axes]
                if scale is not None:
                    rates.append(scale * pt.ones(len(domain_idx)))
                rates = pt.stack(rates, axis=1)
                residual = observed - mu
                precision = 1.0 / sigma[idx] ** 2
                bridge = self.surface_bridge()
                pm.Potential(f"{self.observed_name}_marginal",
                             bridge.logp(residual, precision, rates))
                # pointwise leave-one-out densities, moved to log_likelihood after sampling
                pm.Deterministic(LOO_POINTWISE,
                                 bridge.loo_pointwise(residual, precision, rates),
                                 dims=dims.OBS)
                self._fitted_terms = {"bridge": bridge, "residual": residual,
                                      "precision": precision, "rates": rates}
                return model
            if self.discrepancy:  # Student-t: the knots sampled, non-centred
                for axis, column in self.discrepancy_axes.items():
                    mu = mu + self._discrepancy(axis, np.log(frame[column].to_numpy(float)),
                                                domain_idx)
            nu = p["nu"].create_variable("nu") if self.robust else None
            add_likelihood(self.observed_name, mu=mu, sigma=sigma[idx], nu=nu,
                           observed=observed)
        return model

    def fit(self, sampler: SamplerConfig | None = None, **overrides: Any) -> xr.DataTree:
        """Sample the posterior (:meth:`ScalingModel.fit
        <bayes_scaling.models.base.ScalingModel.fit>`); with ``discrepancy=None`` (the
        default) expand the model when the plain law's fit fails its diagnostics.

        A plain-law fit whose chains still disagree after the automatic remedy is, on the
        tables measured (:data:`EXPANSION_MEASUREMENTS`), a posterior with two modes: the
        Student-t likelihood explains the rows the law misses (early checkpoints, a schedule
        not yet decayed) either as outliers (``nu`` below 1) or as broad noise, and the
        chains settle in different ones. Such a fit is unusable, and the misfit it signals
        is what the discrepancy term models, so the model is refitted with
        ``discrepancy=True`` and the Normal likelihood (its knots integrated out; the
        ``robust`` given, if any), with the same sampler settings, priors and data. The
        better of the two fits by the remedy's ranking (passing first) is returned; its
        ``model_expansion`` attr records both verdicts (JSON: ``expanded``, ``reason``,
        ``plain``, ``discrepancy``). Only runs that take the automatic remedy
        (:meth:`SamplerConfig.remedy_on`, full-length runs by default) are expanded; with
        ``discrepancy=False`` the plain law is returned as it is.

        Parameters
        ----------
        sampler : SamplerConfig, optional
            Sampler settings; keyword ``overrides`` replace single fields.

        Returns
        -------
        xarray.DataTree
            The fit (see :meth:`ScalingModel.fit`); its ``model_config`` attr names the
            model that was fitted (``discrepancy`` true after an expansion).
        """
        cfg = SamplerConfig.resolve(sampler, **overrides)
        if not (self.expand_on_failure and cfg.remedy_on()):
            return super().fit(cfg)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", FitDiagnosticsWarning)
            plain = super().fit(cfg)
        plain_report = fit_report(plain)
        if plain_report.ok:
            _rewarn(caught)
            return plain
        given = self._given
        logger.warning("the plain joint law's fit failed its diagnostics after the automatic "
                       "remedy (%s); refitting with the discrepancy term (Normal likelihood)",
                       plain_report.verdict)
        expanded_model = JointScalingLaw(
            given["data"], priors=given["priors"], prior_set=given["prior_set"],
            robust=False if given["robust"] is None else given["robust"], discrepancy=True,
            discrepancy_knots=self.discrepancy_knots, parameterization=self.parameterization,
            size_effect=self.size_effect, discrepancy_axes=tuple(self.discrepancy_axes))
        with warnings.catch_warnings(record=True) as caught_expanded:
            warnings.simplefilter("always", FitDiagnosticsWarning)
            expanded = expanded_model.fit(cfg)
        expanded_report = fit_report(expanded)
        use_expanded = remedy_rank(expanded_report) > remedy_rank(plain_report)
        chosen = expanded if use_expanded else plain
        chosen.attrs["model_expansion"] = json.dumps({
            "expanded": use_expanded,
            "reason": "the plain law's fit failed its diagnostics after the automatic remedy",
            "plain": plain_report.to_dict(), "discrepancy": expanded_report.to_dict()},
            sort_keys=True, default=float)
        if use_expanded:
            logger.warning("kept the fit with the discrepancy term: %s", expanded_report.verdict)
            _rewarn(caught_expanded)
        else:
            logger.warning("the fit with the discrepancy term did not do better (%s); kept the "
                           "plain law's", expanded_report.verdict)
            _rewarn(caught)
        return chosen

    @property
    def marginal_discrepancy(self) -> bool:
        """Whether the discrepancy's knots are integrated out (Normal likelihood)."""
        return self.discrepancy and not self.robust

    def surface_bridge(self) -> SurfaceBridge:
        """The discrepancy of the fitted rows along every axis, for the marginal form."""
        frame = self.data.frame
        groups = (self.sizes.in_curve[self.sizes.row_size] if self.sizes is not None
                  else None)
        return SurfaceBridge.from_axes(
            [self.knots[axis] for axis in self.discrepancy_axes],
            [np.log(frame[column].to_numpy(float))
             for column in self.discrepancy_axes.values()],
            self.obs_curve_idx, groups=groups)

    @property
    def pools_floor(self) -> bool:
        """Whether the floor fractions are partially pooled: ``floor_pooling`` asked for,
        and at least :data:`MIN_POOLED_FLOORS` curves to pool."""
        return self.floor_pooling and len(self.index.curves) >= MIN_POOLED_FLOORS

    def _floor_fraction(self) -> Any:
        """Each curve's ``E / min(min L, L_ref)``: its own prior (``floor_fraction``), or,
        with :attr:`pools_floor`, a logit-normal around one population mean (non-centred).
        Call inside the model context."""
        p = self.priors
        if not self.pools_floor:
            return p["floor_fraction"].create_variable("floor_fraction", dims=dims.CURVE)
        mu = p["logit_floor_fraction_mu"].create_variable("logit_floor_fraction_mu")
        sd = p["logit_floor_fraction_sigma"].create_variable("logit_floor_fraction_sigma")
        z = pm.Normal("z_floor_fraction", 0.0, 1.0, dims=dims.CURVE)
        return pm.Deterministic("floor_fraction", pm.math.sigmoid(mu + sd * z),
                                dims=dims.CURVE)

    def _exponents(self, ref_loss: Any, reducible: Any, share: Any) -> tuple[Any, Any]:
        """``alpha`` and ``beta`` per curve: sampled (``"share"``), or derived from the
        sampled log elasticities at the reference point (``"slope"``) with the prior of
        the exponents carried over exactly (see the module docstring). Call inside the
        model context."""
        p = self.priors
        if self.parameterization == "share":
            return (p["alpha"].create_variable("alpha", dims=dims.CURVE),
                    p["beta"].create_variable("beta", dims=dims.CURVE))
        log_reducible_fraction = pt.log(reducible) - pt.log(ref_loss)  # log R
        exponents = []
        for name, axis, log_share in (("alpha", "params", pt.log(share)),
                                      ("beta", "data", pt.log1p(-share))):
            prior = p[name].kwargs
            # log e = log alpha + log(share R): log alpha ~ Normal(mu, sigma) shifted
            log_elasticity = pm.Normal(f"log_{axis}_elasticity",
                                       mu=prior["mu"] + log_share + log_reducible_fraction,
                                       sigma=prior["sigma"], dims=dims.CURVE)
            exponents.append(pm.Deterministic(
                name, pt.exp(log_elasticity - log_share - log_reducible_fraction),
                dims=dims.CURVE))
        return exponents[0], exponents[1]

    def _discrepancy(self, axis: str, log_size: np.ndarray, domain_idx: np.ndarray) -> Any:
        """The Brownian-bridge discrepancy along one size axis at each fitted row, with
        a partially pooled rate per curve and sampled (non-centred) knots. Call inside the
        model context."""
        knots = self.knots[axis]
        rate = self._discrepancy_rate(axis, domain_idx)
        z = pm.Normal(f"z_{axis}_discrepancy", 0.0, 1.0, dims=(dims.CURVE, dims.KNOT))
        interior = pm.Deterministic(
            f"{axis}_discrepancy_interior",
            rate[:, None] * (knots.chol * z[:, None, :]).sum(axis=-1),
            dims=(dims.CURVE, dims.KNOT))
        location = knots.locate(log_size, self.obs_curve_idx)
        return interpolate_knots(knots.all_knots(interior), location, self.obs_curve_idx)

    def _discrepancy_rate(self, axis: str, domain_idx: np.ndarray) -> Any:
        """Partially pooled discrepancy rate per curve along one axis."""
        p = self.priors
        log_rate = p["log_discrepancy_mu"].create_variable(f"log_{axis}_discrepancy_mu")
        n_domains = len(self.index.domains)
        if n_domains > 1:  # a level with one member adds nothing but a ridge: left out
            sd = p["log_discrepancy_domain_sigma"].create_variable(
                f"log_{axis}_discrepancy_domain_sigma")
            z = pm.Normal(f"z_{axis}_discrepancy_domain", 0.0, 1.0, dims=dims.DOMAIN)
            log_rate = log_rate + sd * z[domain_idx]
        if len(domain_idx) > n_domains:
            sd = p["log_discrepancy_curve_sigma"].create_variable(
                f"log_{axis}_discrepancy_curve_sigma")
            z = pm.Normal(f"z_{axis}_discrepancy_curve", 0.0, 1.0, dims=dims.CURVE)
            log_rate = log_rate + sd * z
        return pm.Deterministic(f"{axis}_discrepancy_rate",
                                pt.exp(log_rate) * pt.ones(len(domain_idx)), dims=dims.CURVE)

    def _add_log_likelihood(self, tree: xr.DataTree, model: pm.Model) -> xr.DataTree:
        """With the marginal discrepancy the rows of a curve are correlated: the pointwise
        terms are the leave-one-out conditional densities (computed with the draws), moved
        from the posterior to ``log_likelihood``; ``observed_data`` holds the log loss."""
        if not self.marginal_discrepancy:
            return super()._add_log_likelihood(tree, model)
        return move_loo_pointwise(tree, self.observed_name,
                                  np.log(self.data.frame[self.data.metric].to_numpy(float)))

    def _finalize(self, tree: xr.DataTree, cfg: Any, sampler_used: str) -> xr.DataTree:
        tree = super()._finalize(tree, cfg, sampler_used)
        frame = self.data.frame
        extra = {"obs_seed": frame["seed"].to_numpy()} if "seed" in frame else {}
        return label_observations(tree, frame, self.curve_domain, extra)

    # ------------------------------------------------------------------ prediction
    #: Size columns that rows to predict at need (:func:`bayes_scaling.prediction.predict`).
    prediction_sizes: ClassVar[tuple[str, ...]] = ("params", "data")

    @property
    def predicted_column(self) -> str:
        """What :func:`~bayes_scaling.prediction.predict` predicts: the metric (``loss``)."""
        return self.data.metric

    @classmethod
    def from_fit(cls, tree: xr.DataTree) -> JointScalingLaw:
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
            # fits made before the discrepancy and the slope coordinates have neither
            model = cls(fitted_table(tree), robust=bool(config.get("robust", True)),
                        priors=priors, discrepancy=bool(config.get("discrepancy", False)),
                        discrepancy_knots=int(config.get("discrepancy_knots", DEFAULT_KNOTS)),
                        parameterization=str(config.get("parameterization", "share")),
                        size_effect=bool(config.get("size_effect", False)),
                        floor_pooling=bool(config.get("floor_pooling", False)),
                        discrepancy_kernel=str(config.get("discrepancy_kernel", "brownian")),
                        discrepancy_axes=tuple(config.get("discrepancy_axes",
                                                          DISCREPANCY_AXES)))
        check_rebuilt(tree, model.coords[dims.CURVE],
                      {"ref_params": model.ref_params, "ref_data": model.ref_data})
        return model

    def add_predictive(self, rows: pd.DataFrame) -> str:
        """Add the posterior predictive of the log loss at ``rows`` to the model.

        Each row gets its curve's law at the row's ``(params, data)``,
        ``log L = log(E + t_N exp(-alpha x_N) + t_D exp(-beta x_D))`` with the centred
        predictors of the fit, with the discrepancy along each axis (interpolated between
        the curve's knots inside its fitted range, Brownian beyond it: variance
        ``rate**2 d`` at log distance ``d``), and the curve's noise in the likelihood's
        family (Student-t with the fitted ``nu`` when robust, else Normal). The
        parameters are per curve and not pooled, so there is no population to draw a
        curve the fit has not seen from: such rows are refused. Draws are independent
        between rows (marginal intervals per row).

        Parameters
        ----------
        rows : pandas.DataFrame
            Validated rows with ``domain``, ``curve``, ``params`` and ``data``.

        Returns
        -------
        str
            The predictive variable's name (``"log_loss_predicted"``), on the ``row`` dim.

        Raises
        ------
        ModelConfigError
            If a row's domain or curve was not fitted.
        """
        curves = row_curves(rows, self.index)
        refuse_new_curves(curves, self.index.curves,
                          "the joint law's parameters are per curve, not pooled, so there is "
                          "no population to draw a new curve from")
        own = curves.own
        model = self.build_model()
        name = predicted_name(self.observed_name)
        inputs = {
            "curve": own,
            "log_params_centered": np.log(rows["params"].to_numpy(float))
            - np.log(self.ref_params[own]),
            "log_data_centered": np.log(rows["data"].to_numpy(float))
            - np.log(self.ref_data[own]),
        }
        if self.discrepancy:
            for axis, column in self.discrepancy_axes.items():
                location = self.knots[axis].locate(np.log(rows[column].to_numpy(float)), own)
                inputs.update({f"{axis}_{k}": v for k, v in location.items()})
        if self.size_effect:
            position = self.sizes.match(own, np.log(rows["params"].to_numpy(float)))
            inputs.update({"size": np.maximum(position, 0),
                           "size_known": (position >= 0).astype(float)})
        data = add_row_data(model, inputs)
        with model:
            c = data["curve"]
            alpha, beta = model["alpha"][c], model["beta"][c]
            loss = (model["E"][c]
                    + model["params_term_ref"][c] * pt.exp(-alpha * data["log_params_centered"])
                    + model["data_term_ref"][c] * pt.exp(-beta * data["log_data_centered"]))
            mu = pt.log(loss)
            interiors = self._knot_values(model) if self.discrepancy else {}
            if self.discrepancy:
                for axis in self.discrepancy_axes:
                    knots = self.knots[axis].all_knots(interiors[axis])
                    left, weight = data[f"{axis}_left"], data[f"{axis}_weight"]
                    inside = ((1.0 - weight) * knots[c, left] + weight * knots[c, left + 1])
                    z = pm.Normal(f"pred_z_{axis}_discrepancy", 0.0, 1.0, dims=dims.ROW)
                    rate = model[f"{axis}_discrepancy_rate"][c]
                    mu = mu + inside + rate * pt.sqrt(data[f"{axis}_outside"]) * z
            if self.size_effect:
                # a fitted model size keeps its offset (integrated out with the marginal
                # discrepancy: a draw given the data); a new one draws its own
                if self.marginal_discrepancy:
                    in_curve = pt.as_tensor(self.sizes.in_curve)[data["size"]]
                    fitted = interiors[SIZE_EFFECT][c, in_curve]
                else:
                    fitted = model["size_effect"][data["size"]]
                new = pm.Normal("pred_z_size_effect", 0.0, 1.0, dims=dims.ROW)
                known = data["size_known"]
                mu = mu + (known * fitted + (1.0 - known) * model["size_effect_sigma"] * new)
            predictive_likelihood(name, mu=mu, sigma=model["sigma"][c],
                                  nu=model["nu"] if self.robust else None)
        return name

    def _knot_values(self, model: pm.Model) -> dict[str, Any]:
        """Each axis's interior knot values ``(curve, knot)``: the sampled ones, or, with
        the marginal discrepancy, a draw given the data and the parameters. Call with the
        model built."""
        if not self.marginal_discrepancy:
            return {axis: model[f"{axis}_discrepancy_interior"]
                    for axis in self.discrepancy_axes}
        terms = self._fitted_terms
        with model:
            z = [pm.Normal(f"pred_z_{axis}_knots", 0.0, 1.0, dims=(dims.CURVE, dims.KNOT))
                 for axis in self.discrepancy_axes]
            if self.size_effect:  # the model sizes' offsets, integrated out with the knots
                most = int(self.sizes.in_curve.max()) + 1  # the bridge's group columns
                z.append(pm.Normal("pred_z_size_effect_fitted", 0.0, 1.0,
                                   shape=(len(self.index.curves), most)))
        stacked = terms["bridge"].knot_posterior(terms["residual"], terms["precision"],
                                                 terms["rates"], pt.concatenate(z, axis=1))
        out, start = {}, 0
        for axis in self.discrepancy_axes:
            grid = self.knots[axis]
            values = stacked[:, start:start + grid.n_free]
            out[axis] = (grid.chol * values[:, None, :]).sum(axis=-1)
            start += grid.n_free
        if self.size_effect:
            out[SIZE_EFFECT] = stacked[:, start:]  # (curve, size in curve): the offsets
        return out

    def extrapolation(self, rows: pd.DataFrame) -> np.ndarray:
        """Log distance of each row outside its curve's fitted ranges of ``params`` and
        ``data``: the larger of the two (0 inside both ranges; NaN for curves not fitted).

        The ranges are marginal: a row inside both (a large model on few tokens, say) can
        still lie away from the fitted runs in the ``(N, D)`` plane.
        """
        curves = row_curves(rows, self.index)
        frame = self.data.frame
        distance = []
        for column in ("params", "data"):
            log_fitted = np.log(frame[column].to_numpy(float))
            lower = self.index.per_curve(log_fitted, np.min)[curves.own]
            upper = self.index.per_curve(log_fitted, np.max)[curves.own]
            distance.append(log_distance_outside(np.log(rows[column].to_numpy(float)),
                                                 lower, upper))
        return np.where(curves.known, np.maximum(*distance), np.nan)


@dataclass(frozen=True)
class ModelSizes:
    """The distinct model sizes ``N`` of each fitted curve (the groups of the size effect).

    Attributes
    ----------
    row_size : numpy.ndarray
        Per fitted row, the position of its (curve, N) in :attr:`labels`.
    curve : numpy.ndarray
        Per size, its curve's position.
    log_params : numpy.ndarray
        Per size, log ``N``.
    labels : list of str
        ``"<domain>/<curve> N=<N>"`` per size.
    """

    row_size: np.ndarray
    curve: np.ndarray
    log_params: np.ndarray
    labels: list[str]

    @property
    def in_curve(self) -> np.ndarray:
        """Per size, its position among its own curve's sizes (0 for the smallest)."""
        first = np.searchsorted(self.curve, self.curve, side="left")
        return np.arange(len(self.curve)) - first

    @classmethod
    def from_rows(cls, row_curve: np.ndarray, log_params: np.ndarray,
                  curves: list[str]) -> ModelSizes:
        """Group fitted rows by (curve, N); sizes ordered by curve, then N."""
        keys = pd.DataFrame({"curve": row_curve, "log_n": np.round(log_params, 9)})
        distinct = keys.drop_duplicates().sort_values(["curve", "log_n"]).reset_index(drop=True)
        position = {(c, n): i for i, (c, n) in enumerate(zip(distinct["curve"],
                                                            distinct["log_n"], strict=True))}
        row_size = np.array([position[(c, n)] for c, n in zip(keys["curve"], keys["log_n"],
                                                               strict=True)], dtype=int)
        labels = [f"{curves[c]} N={np.exp(n):.6g}"
                  for c, n in zip(distinct["curve"], distinct["log_n"], strict=True)]
        return cls(row_size, distinct["curve"].to_numpy(int),
                   distinct["log_n"].to_numpy(float), labels)

    def match(self, row_curve: np.ndarray, log_params: np.ndarray) -> np.ndarray:
        """Position of each row's (curve, N) among the fitted sizes; -1 for a new size."""
        out = np.full(len(row_curve), -1, dtype=int)
        for i, (c, n) in enumerate(zip(row_curve, np.round(log_params, 9), strict=True)):
            hit = np.flatnonzero((self.curve == c) & np.isclose(self.log_params, n, rtol=0,
                                                                 atol=1e-9))
            if hit.size:
                out[i] = hit[0]
        return out


def _rewarn(caught: list[warnings.WarningMessage]) -> None:
    """Emit again the warnings recorded while fitting (those of the fit that was kept)."""
    for message in caught:
        warnings.warn_explicit(message.message, message.category, message.filename,
                               message.lineno)


def fitted_table(tree: xr.DataTree) -> pd.DataFrame:
    """Rebuild the tidy table a joint-law fit was made on (from its own groups)."""
    const = tree["constant_data"].to_dataset()
    metric = tree.attrs.get("metric", "loss")
    frame = pd.DataFrame({
        "domain": const["obs_domain"].values.astype(str),
        "curve": const["obs_curve"].values.astype(str),
        "params": const["params"].values.astype(float),
        "data": const["data"].values.astype(float),
        "compute": const["compute"].values.astype(float),
    })
    frame[metric] = np.exp(tree["observed_data"][JointScalingLaw.observed_name].values)
    if "obs_seed" in const:
        frame["seed"] = const["obs_seed"].values.astype("int64")
    return frame


def reference_comparison(fit: xr.DataTree, *, curve: str | None = None,
                         ci_prob: float | None = None, ci_kind: str | None = None,
                         ) -> pd.DataFrame:
    """Posterior of ``E, A, B, alpha, beta`` next to the published Chinchilla fits.

    Parameters
    ----------
    fit : xarray.DataTree
        A ``joint_scaling`` fit.
    curve : str, optional
        Curve label (``"domain/curve"``); required when the fit has several curves.
    ci_prob, ci_kind : optional
        Interval probability and kind (``"eti"`` equal-tailed or ``"hdi"``); ArviZ's
        ``stats.ci_prob`` / ``stats.ci_kind`` by default.

    Returns
    -------
    pandas.DataFrame
        Index ``E, A, B, alpha, beta``; columns ``median, lower, upper``, one column per
        reference fit of :data:`bayes_scaling.datasets.chinchilla.REFERENCE_FITS`
        (``besiroglu2024``: Epoch's replication, ``hoffmann2022``: Approach 3) and
        ``<reference>_inside`` (is the published value inside our interval?).
        ``attrs`` hold ``ci_prob``, ``ci_kind``, ``curve`` and the citations.

    Examples
    --------
    >>> reference_comparison(fit, ci_prob=0.95, ci_kind="eti")  # doctest: +SKIP
    """
    from bayes_scaling.datasets.chinchilla import REFERENCE_FITS

    if fit.attrs.get("model_type") != JointScalingLaw.model_type:
        raise ModelConfigError(f"reference_comparison needs a {JointScalingLaw.model_type!r} "
                               f"fit, got {fit.attrs.get('model_type')!r}")
    prob, kind = ci_defaults(ci_prob, ci_kind)
    post = fit["posterior"]
    curves = [str(c) for c in post[dims.CURVE].values]
    if curve is None:
        if len(curves) != 1:
            raise ModelConfigError(f"the fit has {len(curves)} curves; choose one with "
                                   f"curve=... from {curves}")
        curve = curves[0]
    if curve not in curves:
        raise ModelConfigError(f"unknown curve {curve!r}; the fit has {curves}")
    rows = {}
    for name in LAW_PARAMETERS:
        med, low, up = posterior_interval(post[name].sel({dims.CURVE: curve}), prob, kind)
        row: dict[str, Any] = {"median": float(med), "lower": float(low), "upper": float(up)}
        for ref, values in REFERENCE_FITS.items():
            value = float(values[name])  # type: ignore[arg-type]
            row[ref] = value
            row[f"{ref}_inside"] = bool(row["lower"] <= value <= row["upper"])
        rows[name] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "parameter"
    table.attrs.update({"ci_prob": prob, "ci_kind": kind, "curve": curve,
                        "citations": {k: v["citation"] for k, v in REFERENCE_FITS.items()}})
    return table
