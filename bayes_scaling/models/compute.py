"""Hierarchical compute scaling across published models (Thompson et al. 2020).

Each row of the table is one published model of a benchmark: its error and the
compute it was trained with. Benchmarks are domains (``"imagenet"``), metric variants
are curves (``"imagenet/top1"``, ``"imagenet/top5"``). Two functional forms:

**Polynomial** (default; compute grows as a polynomial of degree ``k`` in 1/error)::

    log error_i = a_ref_c - (log C_i - log C_ref_c) / k_c  [+ tau_c * (year_i - year_ref_c)]

i.e. ``log error = a_c - (1/k_c) log C`` with ``a_c = a_ref_c + log C_ref_c / k_c``.

* **Centred predictors**: ``C_ref_c`` is the geometric mean of the curve's compute values
  (``year_ref_c`` its mean year), so ``a_ref_c`` and ``k_c`` are nearly uncorrelated.
* **Degree as a first-class parameter, partially pooled on the log scale, non-centred**::

      log k_d = log_k_mu + log_k_domain_sigma * z_d
      log k_c = log k_{d(c)} + log_k_curve_sigma * z_c

  reported as ``k`` (curve), ``k_domain`` and ``k_global``.
* **Data-driven centre**: ``a_ref_c = mean log error of curve c + log_error_offset_c``.

**Exponential** (``error = a_c - b_c * log C``): parameterised by the errors at the
curve's smallest and largest observed log compute, ``error_lo_c, error_hi_c > 0``, so the
line is positive over the data range by construction; ``b_c`` and ``a_c`` are derived.
Their priors are log-normal around the curve's least-squares line of log error on log
compute at those two ends (the data-driven centre); there is no pooling in this form
(the slopes are in error units, which differ between benchmarks).

Both forms put the likelihood on ``log(error)``, so LOO and evidence comparisons between
them are on the same scale.

**Noise**: Student-t on ``log(error)`` by default (``robust=True``). Compute tables are
messy: ensembles, test-time resolutions, extra pre-training data and budgets copied from
another row put single models far off the trend; a Normal likelihood lets those few
points set the slope. ``robust=False`` gives a Normal likelihood.

**Trend** (``trend=True``): ``tau_c`` is the change of log error per year at fixed
compute (non-centred around ``tau_mu``). Derived (polynomial form): one year of
algorithmic progress is worth a compute factor
``algorithmic_progress_compute_per_year = exp(-tau_c * k_c)`` and
``years_for_10x_compute = log(10) / (-tau_c * k_c)`` (``inf`` when ``tau_c >= 0``, i.e.
no progress). Thompson et al. report about three years for a factor 10.

**Frontier mode** (``frontier=True``): only the models on the upper envelope of
accuracy are fitted: per curve, in order of increasing compute, the points whose error
is below every point with less (or equal, listed earlier) compute
(:func:`frontier_mask`). Nothing is dropped silently: the excluded points, with the
point that dominates each, are kept in :attr:`HierarchicalComputeScaling.excluded` and in
the fit's ``frontier_selection`` attr (JSON).

**Compute kind**: hardware burden (processors x peak rate x time) or network operations
(operations per pass x passes). The kind is read from the data's notes/source (the
``thompson2020-*`` loaders record it), is ``"unknown"`` for user tables, and can be set
with ``compute_kind=``; the fit's ``compute_kind`` attr says which.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from bayes_scaling import dims
from bayes_scaling.data import ScalingData, load_table
from bayes_scaling.errors import (
    DataValidationError,
    IdentificationWarning,
    ModelConfigError,
    PriorConfigError,
)
from bayes_scaling.identification import check_identification
from bayes_scaling.model_types import COMPUTE_SCALING
from bayes_scaling.models.base import (
    ScalingModel,
    add_likelihood,
    label_observations,
    nested_effects,
)
from bayes_scaling.models.indexing import CurveIndex, curve_label
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
from bayes_scaling.priors import read_yaml

Form = Literal["polynomial", "exponential"]
FORMS: tuple[str, ...] = ("polynomial", "exponential")
SIZE = "compute"
UNKNOWN_COMPUTE_KIND = "unknown"
THOMPSON_PREFIX = "thompson2020-"

_POLYNOMIAL_PRIORS = ("log_k_mu", "log_k_domain_sigma", "log_k_curve_sigma", "log_error_offset")
_EXPONENTIAL_PRIORS = ("log_error_lo_offset", "log_error_hi_offset")
_TREND_PRIORS = ("tau_mu", "tau_sigma")
_NOISE_PRIORS = ("noise_sigma",)
_ROBUST_PRIORS = ("noise_nu",)
_KIND_PATTERNS = (re.compile(r"^\s*compute kind:\s*(.+?)\s*$", re.IGNORECASE),
                  re.compile(r"^\s*compute:\s*(\w+)\s*$", re.IGNORECASE),
                  re.compile(r"compute=(\w+)"))


def frontier_mask(frame: pd.DataFrame, *, metric: str = "error",
                  size: str = SIZE) -> np.ndarray:
    """Which rows lie on the accuracy frontier (upper envelope) of their curve.

    Per ``(domain, curve)``, rows are taken in order of increasing ``size`` (ties: lower
    metric first, then table order); a row is on the frontier when its metric is strictly
    below the running minimum of all rows before it, i.e. no model with less or equal
    compute is at least as good.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy table with ``domain``, ``curve``, ``size`` and ``metric`` columns.
    metric : str, default "error"
        Lower-is-better column.
    size : str, default "compute"
        Resource column.

    Returns
    -------
    numpy.ndarray of bool
        ``True`` for frontier rows, in the table's row order.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"domain": "d", "curve": "c", "compute": [1, 2, 3, 4],
    ...                    "error": [0.5, 0.6, 0.4, 0.4]})
    >>> frontier_mask(df).tolist()
    [True, False, True, False]
    """
    keep = np.zeros(len(frame), dtype=bool)
    positions = pd.Series(np.arange(len(frame)), index=frame.index)
    for _, group in frame.groupby(["domain", "curve"], sort=False):
        order = group.assign(_pos=positions[group.index].to_numpy()).sort_values(
            [size, metric, "_pos"], kind="mergesort")
        best = np.inf
        for pos, value in zip(order["_pos"], order[metric], strict=True):
            if value < best:
                keep[pos] = True
                best = value
    return keep


def _dominating(frame: pd.DataFrame, row: int, *, metric: str, size: str) -> int:
    """Position of the best row with less or equal compute that dominates ``row``."""
    same = frame[(frame["domain"] == frame["domain"].iat[row])
                 & (frame["curve"] == frame["curve"].iat[row])
                 & (frame[size] <= frame[size].iat[row])]
    same = same.drop(index=frame.index[row])
    return int(frame.index.get_loc(same[metric].idxmin()))


def compute_kind_of(data: ScalingData) -> str:
    """The compute kind recorded in a table's notes or source, else ``"unknown"``.

    The ``thompson2020-*`` loaders (and :func:`load_benchmarks`) write a note
    ``"compute kind: hardware"`` (or ``network``). Several different kinds give
    ``"mixed (a, b)"``.
    """
    found: list[str] = []
    for text in (*data.notes, data.source):
        for pattern in _KIND_PATTERNS:
            match = pattern.search(str(text))
            if match:
                found.append(match.group(1).strip())
                break
    kinds = list(dict.fromkeys(found))
    if not kinds:
        return UNKNOWN_COMPUTE_KIND
    if len(kinds) > 1:
        return f"mixed ({', '.join(kinds)})"
    return kinds[0]


def load_benchmarks(names: str | Iterable[str], *, mirror: str | Path | None = None,
                    cache_dir: str | Path | None = None,
                    compute: str = "hardware") -> ScalingData:
    """Several Computer Progress benchmark tables as one tidy table (one domain each).

    Parameters
    ----------
    names : str or iterable of str
        Registered ``thompson2020-*`` datasets; the prefix may be left out
        (``["imagenet", "squad"]``).
    mirror, cache_dir : str or pathlib.Path, optional
        See :func:`bayes_scaling.datasets.fetch`.
    compute : {"hardware", "network"}, default "hardware"
        Compute kind for every table (network operations exist for ImageNet, CoNLL and
        WMT14 only).

    Returns
    -------
    ScalingData
        Size column ``compute``, with ``year`` and ``label``; ``notes`` start with
        ``"compute kind: <compute>"`` and then carry every table's own notes (prefixed
        with its name); ``source`` names the datasets and the compute kind.

    Examples
    --------
    >>> data = load_benchmarks(["imagenet", "squad"])  # doctest: +SKIP
    >>> data.domains  # doctest: +SKIP
    ['imagenet', 'squad']
    """
    from bayes_scaling.datasets import load_dataset

    names = [names] if isinstance(names, str) else list(names)
    if not names:
        raise ModelConfigError("load_benchmarks needs at least one dataset name, e.g. "
                               "'thompson2020-imagenet'")
    full = [n if n.startswith(THOMPSON_PREFIX) else THOMPSON_PREFIX + n for n in names]
    if len(set(full)) != len(full):
        raise ModelConfigError(f"duplicate benchmark names in {names}")
    frames, notes = [], [f"compute kind: {compute}", f"benchmarks: {', '.join(full)}"]
    for name in full:
        data = load_dataset(name, mirror=mirror, cache_dir=cache_dir, compute=compute)
        frames.append(data.frame)
        notes += [f"[{name}] {note}" for note in data.notes]
    frame = pd.concat(frames, ignore_index=True)
    source = f"bayes_scaling datasets {full}, compute={compute}"
    table = ScalingData.from_frame(frame, size=SIZE, source=source)
    return ScalingData(table.frame, size=SIZE, source=source, notes=tuple(notes))


def _user_prior_names(priors: Any) -> set[str]:
    if priors is None:
        return set()
    if isinstance(priors, str | Path):
        doc = read_yaml(priors)
        if isinstance(doc, Mapping) and "priors" in doc:
            doc = doc["priors"]
        return {str(k) for k in doc} if isinstance(doc, Mapping) else set()
    return {str(k) for k in priors} if isinstance(priors, Mapping) else set()


def _least_squares_ends(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares line of ``y`` on ``x``, evaluated at ``min(x)`` and ``max(x)``."""
    slope, intercept = np.polyfit(x, y, 1)
    return float(intercept + slope * x.min()), float(intercept + slope * x.max())


class HierarchicalComputeScaling(ScalingModel):
    """Error vs training compute across published models, pooled across benchmarks.

    Parameters
    ----------
    data : ScalingData, pandas.DataFrame or path
        Tidy table with ``domain`` (benchmark), ``curve`` (metric variant), ``compute``
        and ``error`` (or ``loss``); ``year`` is required with ``trend=True``; ``label``
        (model name) is kept for reports. Rows with ``split == "holdout"`` are not fitted.
    form : {"polynomial", "exponential"}, default "polynomial"
        ``log error = a - (1/k) log C`` or ``error = a - b log C`` (module docstring).
    trend : bool, default False
        Add a per-curve year trend ``tau_c`` (algorithmic progress).
    frontier : bool, default False
        Fit only the accuracy frontier of each curve (:func:`frontier_mask`).
    robust : bool, default True
        Student-t likelihood on ``log(error)``; ``False`` for Normal.
    priors : mapping or path, optional
        Overrides of ``priors/compute_scaling.yaml``. Names the chosen settings do not use
        (e.g. ``tau_mu`` without ``trend``) are rejected.
    prior_set : str, optional
        A literature prior set (:func:`bayes_scaling.prior_sets.list_prior_sets`, e.g.
        ``"language-model"``) replacing the default priors it names; ``priors`` still
        override it (precedence: user > prior set > data-driven > default).
    compute_kind : str, optional
        What ``compute`` measures (``"hardware"``, ``"network"``, ...); default: read from
        the data's notes, else ``"unknown"``.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalComputeScaling
    >>> data = load_dataset("thompson2020-imagenet")  # the offline mirror, or fetched
    >>> model = HierarchicalComputeScaling(data, trend=True)
    >>> model.compute_kind
    'hardware'
    """

    model_type: ClassVar[str] = COMPUTE_SCALING
    cli_kind: ClassVar[str | None] = "compute-scaling"
    size_column: ClassVar[str] = "compute"
    #: Published tables have a few far-off models; on thompson2020-imagenet (hardware
    #: compute) target_accept 0.9 left 1-2 divergences in 4,000 draws, 0.95 none.
    default_target_accept: ClassVar[float] = 0.95
    prior_names: ClassVar[tuple[str, ...]] = (
        *_POLYNOMIAL_PRIORS, *_EXPONENTIAL_PRIORS, *_TREND_PRIORS, *_NOISE_PRIORS,
        *_ROBUST_PRIORS,
    )

    def __init__(self, data: Any, *, form: Form = "polynomial", trend: bool = False,
                 frontier: bool = False, robust: bool = True, priors: Any = None,
                 prior_set: str | None = None,
                 compute_kind: str | None = None) -> None:
        if form not in FORMS:
            raise ModelConfigError(f"form must be one of {list(FORMS)}, got {form!r}")
        for name, value in (("trend", trend), ("frontier", frontier), ("robust", robust)):
            if not isinstance(value, bool):
                raise ModelConfigError(f"{name} must be True or False, got {value!r}")
        if compute_kind is not None and (not isinstance(compute_kind, str)
                                         or not compute_kind.strip()):
            raise ModelConfigError(f"compute_kind must be a non-empty string such as "
                                   f"'hardware' or 'network', got {compute_kind!r}")
        self.form: Form = form
        self.trend, self.frontier, self.robust = trend, frontier, robust
        table = load_table(data, size=SIZE)
        if table.size != SIZE:
            raise DataValidationError(f"a compute-scaling fit needs the size column 'compute', "
                                      f"the table uses {table.size!r}", column=SIZE)
        fit_rows = table.split("fit")
        frame = fit_rows.frame.reset_index(drop=True)
        if frame.empty:
            raise ModelConfigError("no rows with split == 'fit' to fit the model on")
        if trend and "year" not in frame:
            raise DataValidationError("trend=True needs a 'year' column (publication year of "
                                      "each model)", column="year")
        self.source_table = table
        self.compute_kind = (compute_kind.strip() if compute_kind is not None
                             else compute_kind_of(table))
        self.n_points = len(frame)
        metric = table.metric
        if frontier:
            mask = frontier_mask(frame, metric=metric, size=SIZE)
            self.excluded = self._excluded_table(frame, mask, metric)
            selected = frame[mask].reset_index(drop=True)
            counts = selected.groupby(["domain", "curve"], sort=False)[SIZE].nunique()
            short = counts[counts < 3]
            if len(short):
                raise DataValidationError(
                    f"frontier mode leaves curve(s) {[f'{d}/{c}' for d, c in short.index]} "
                    f"with {short.tolist()} distinct compute values (< 3 needed); fit them "
                    "with frontier=False", column=SIZE)
        else:
            self.excluded = self._excluded_table(frame, np.ones(len(frame), bool), metric)
            selected = frame
        self._check_user_priors(priors)
        super().__init__(ScalingData(selected, size=SIZE, source=table.source,
                                     notes=table.notes), priors=priors,
                         prior_set=prior_set)
        self.priors = {k: v for k, v in self.priors.items() if k in self.used_prior_names}
        self.identification = check_identification(self.data)
        self._prepare()

    # ------------------------------------------------------------------ setup helpers
    @property
    def used_prior_names(self) -> tuple[str, ...]:
        """The prior names the chosen settings use (a subset of :attr:`prior_names`)."""
        names = _POLYNOMIAL_PRIORS if self.form == "polynomial" else _EXPONENTIAL_PRIORS
        return (*names, *(_TREND_PRIORS if self.trend else ()), *_NOISE_PRIORS,
                *(_ROBUST_PRIORS if self.robust else ()))

    def _check_user_priors(self, priors: Any) -> None:
        unused = sorted((_user_prior_names(priors) & set(self.prior_names))
                        - set(self.used_prior_names))
        if unused:
            raise PriorConfigError(
                f"prior(s) {unused} are not used with form={self.form!r}, trend={self.trend}, "
                f"robust={self.robust}; this configuration uses {list(self.used_prior_names)}")

    @staticmethod
    def _excluded_table(frame: pd.DataFrame, mask: np.ndarray, metric: str) -> pd.DataFrame:
        cols = ["domain", "curve", SIZE, metric, *[c for c in ("year", "label") if c in frame]]
        rows = []
        for pos in np.flatnonzero(~mask):
            record = {c: frame[c].iat[pos] for c in cols}
            dom = _dominating(frame, int(pos), metric=metric, size=SIZE)
            record["dominated_by"] = (str(frame["label"].iat[dom]) if "label" in frame
                                      else f"row {dom}")
            record["dominated_by_" + metric] = float(frame[metric].iat[dom])
            record["dominated_by_" + SIZE] = float(frame[SIZE].iat[dom])
            rows.append(record)
        extra = ["dominated_by", f"dominated_by_{metric}", f"dominated_by_{SIZE}"]
        return pd.DataFrame(rows, columns=[*cols, *extra])

    def _prepare(self) -> None:
        frame = self.data.frame
        metric = self.data.metric
        index = CurveIndex.from_frame(frame)
        self.index = index
        curves = index.curves
        self.curve_domain = index.curve_domain
        idx = self.obs_curve_idx = index.obs_curve_idx
        log_c = np.log(frame[SIZE].to_numpy(float))
        log_y = np.log(frame[metric].to_numpy(float))
        n = len(curves)
        # centre on the geometric mean of the curve's *distinct* compute values
        self.log_ref = np.array([np.log(np.unique(frame[SIZE].to_numpy(float)[idx == i])).mean()
                                 for i in range(n)])
        self.log_min = np.array([log_c[idx == i].min() for i in range(n)])
        self.log_max = np.array([log_c[idx == i].max() for i in range(n)])
        self.mean_log_metric = np.array([log_y[idx == i].mean() for i in range(n)])
        ends = np.array([_least_squares_ends(log_c[idx == i], log_y[idx == i])
                         for i in range(n)])
        self.log_metric_lo_centre, self.log_metric_hi_centre = ends[:, 0], ends[:, 1]
        if "year" in frame:
            year = frame["year"].to_numpy(float)
            self.ref_year = np.array([year[idx == i].mean() for i in range(n)])
            self.max_year = np.array([year[idx == i].max() for i in range(n)])
            if self.trend:
                single = [curves[i] for i in range(n) if np.unique(year[idx == i]).size < 2]
                if single:
                    warnings.warn(f"curve(s) {single} have a single year: their trend tau is "
                                  "set by the prior and the other curves only",
                                  IdentificationWarning, stacklevel=3)
        self.coords: dict[str, list[Any]] = index.coords()

    def config(self) -> dict[str, Any]:
        """Model settings (stored in the fit's attrs)."""
        return {"form": self.form, "trend": self.trend, "frontier": self.frontier,
                "robust": self.robust, "compute_kind": self.compute_kind, "size": SIZE}

    # ------------------------------------------------------------------ the model
    def _build(self) -> pm.Model:
        frame = self.data.frame
        metric = self.data.metric
        domain_idx = self.index.domain_idx
        idx = self.obs_curve_idx
        size = frame[SIZE].to_numpy(float)
        log_c = np.log(size)
        x = log_c - self.log_ref[idx]
        p = self.priors
        with pm.Model(coords=self.coords) as model:
            pm.Data("curve_idx", idx, dims=dims.OBS)
            x_data = pm.Data("log_size_centered", x, dims=dims.OBS)
            pm.Data("size", size, dims=dims.OBS)
            pm.Data("domain_idx", domain_idx, dims=dims.CURVE)
            log_ref = pm.Data("log_ref_size", self.log_ref, dims=dims.CURVE)
            pm.Data("ref_size", np.exp(self.log_ref), dims=dims.CURVE)
            pm.Data("min_size", np.exp(self.log_min), dims=dims.CURVE)
            pm.Data("max_size", np.exp(self.log_max), dims=dims.CURVE)
            if "year" in frame:
                pm.Data("year", frame["year"].to_numpy(float), dims=dims.OBS)
                pm.Data("ref_year", self.ref_year, dims=dims.CURVE)
                pm.Data("max_year", self.max_year, dims=dims.CURVE)

            if self.form == "polynomial":
                log_k_mu = p["log_k_mu"].create_variable("log_k_mu")
                sd_d = p["log_k_domain_sigma"].create_variable("log_k_domain_sigma")
                sd_c = p["log_k_curve_sigma"].create_variable("log_k_curve_sigma")
                log_k_domain, log_k = nested_effects(
                    mu=log_k_mu, domain_sigma=sd_d, curve_sigma=sd_c, domain_idx=domain_idx,
                    z_names=("z_k_domain", "z_k_curve"))
                pm.Deterministic("k_global", pt.exp(log_k_mu))
                pm.Deterministic("k_domain", pt.exp(log_k_domain), dims=dims.DOMAIN)
                k = pm.Deterministic("k", pt.exp(log_k), dims=dims.CURVE)
                offset = p["log_error_offset"].create_variable("log_error_offset",
                                                               dims=dims.CURVE)
                a_ref = pm.Deterministic("log_error_ref", self.mean_log_metric + offset,
                                         dims=dims.CURVE)
                pm.Deterministic("a", a_ref + log_ref / k, dims=dims.CURVE)
                mu = a_ref[idx] - x_data / k[idx]
            else:
                lo_off = p["log_error_lo_offset"].create_variable("log_error_lo_offset",
                                                                  dims=dims.CURVE)
                hi_off = p["log_error_hi_offset"].create_variable("log_error_hi_offset",
                                                                  dims=dims.CURVE)
                e_lo = pm.Deterministic("error_lo", pt.exp(self.log_metric_lo_centre + lo_off),
                                        dims=dims.CURVE)
                e_hi = pm.Deterministic("error_hi", pt.exp(self.log_metric_hi_centre + hi_off),
                                        dims=dims.CURVE)
                span = self.log_max - self.log_min
                b = pm.Deterministic("b", (e_lo - e_hi) / span, dims=dims.CURVE)
                pm.Deterministic("a", e_lo + b * self.log_min, dims=dims.CURVE)
                frac = pm.Data("log_size_fraction",
                               (log_c - self.log_min[idx]) / span[idx], dims=dims.OBS)
                # linear in log C between two positive ends: positive over the data range
                mu = pt.log(e_lo[idx] * (1.0 - frac) + e_hi[idx] * frac)

            if self.trend:
                t = pm.Data("year_centered", frame["year"].to_numpy(float) - self.ref_year[idx],
                            dims=dims.OBS)
                tau_mu = p["tau_mu"].create_variable("tau_mu")
                tau_sd = p["tau_sigma"].create_variable("tau_sigma")
                z_t = pm.Normal("z_tau", 0.0, 1.0, dims=dims.CURVE)
                tau = pm.Deterministic("tau", tau_mu + tau_sd * z_t, dims=dims.CURVE)
                mu = mu + tau[idx] * t
                if self.form == "polynomial":
                    rate = -tau * k  # log compute worth one year of algorithmic progress
                    pm.Deterministic("algorithmic_progress_compute_per_year", pt.exp(rate),
                                     dims=dims.CURVE)
                    pm.Deterministic("years_for_10x_compute",
                                     pt.switch(rate > 0, np.log(10.0) / rate, np.inf),
                                     dims=dims.CURVE)

            sigma = p["noise_sigma"].create_variable("noise_sigma", dims=dims.CURVE)
            nu = p["noise_nu"].create_variable("noise_nu") if self.robust else None
            add_likelihood(self.observed_name, mu=mu, sigma=sigma[idx], nu=nu,
                           observed=np.log(frame[metric].to_numpy(float)))
        return model

    def frontier_summary(self) -> dict[str, Any]:
        """Counts of kept/excluded points (overall and per curve) and the excluded list."""
        metric = self.data.metric
        kept = self.data.frame.groupby(["domain", "curve"], sort=False).size()
        gone = self.excluded.groupby(["domain", "curve"], sort=False).size()
        per_curve = {curve_label(d, c): {"kept": int(n), "excluded": int(gone.get((d, c), 0))}
                     for (d, c), n in kept.items()}
        excluded = json.loads(self.excluded.to_json(orient="records"))
        return {"enabled": self.frontier, "rule": "running minimum of " + metric
                + " in order of increasing compute, per curve",
                "n_points": self.n_points, "n_kept": len(self.data.frame),
                "n_excluded": len(self.excluded), "per_curve": per_curve, "excluded": excluded}

    def _finalize(self, tree: xr.DataTree, cfg: Any, sampler_used: str) -> xr.DataTree:
        tree = super()._finalize(tree, cfg, sampler_used)
        frame = self.data.frame
        extra = {"obs_label": frame["label"].to_numpy(str)} if "label" in frame else {}
        tree = label_observations(tree, frame, self.curve_domain, extra)
        tree.attrs["compute_kind"] = self.compute_kind
        tree.attrs["form"] = self.form
        tree.attrs["frontier_selection"] = json.dumps(self.frontier_summary(), sort_keys=True)
        return tree

    # ------------------------------------------------------------------ prediction
    #: Size columns that rows to predict at need (:func:`bayes_scaling.prediction.predict`).
    prediction_sizes: ClassVar[tuple[str, ...]] = (SIZE,)

    @property
    def prediction_covariates(self) -> tuple[str, ...]:
        """Other columns rows to predict at need: ``year`` with a year trend."""
        return ("year",) if self.trend else ()

    @property
    def predicted_column(self) -> str:
        """What :func:`~bayes_scaling.prediction.predict` predicts: the metric (``error``)."""
        return self.data.metric

    @classmethod
    def from_fit(cls, tree: xr.DataTree) -> HierarchicalComputeScaling:
        """Rebuild the model a saved fit was sampled from (same rows, settings, priors).

        The fit holds the rows it was fitted on (the frontier, in frontier mode); the
        frontier rule keeps all of them again.

        Raises
        ------
        FitFileError
            If the fit is of another model type or the rebuilt model does not match it
            (other curves, reference compute or years).
        """
        config, priors = rebuild_settings(tree, cls.model_type)
        with warnings.catch_warnings():  # the fit already reported them
            warnings.simplefilter("ignore", IdentificationWarning)
            model = cls(fitted_table(tree), form=config.get("form", "polynomial"),
                        trend=bool(config.get("trend", False)),
                        frontier=bool(config.get("frontier", False)),
                        robust=bool(config.get("robust", True)), priors=priors,
                        compute_kind=config.get("compute_kind") or UNKNOWN_COMPUTE_KIND)
        arrays = {"log_ref_size": model.log_ref, "min_size": np.exp(model.log_min),
                  "max_size": np.exp(model.log_max)}
        if model.trend:
            arrays["ref_year"] = model.ref_year
        check_rebuilt(tree, model.coords[dims.CURVE], arrays)
        return model

    def add_predictive(self, rows: pd.DataFrame) -> str:
        """Add the posterior predictive of the log error at ``rows`` to the model.

        Rows of fitted curves get their curve's law at the row's compute (and year, with
        a trend) and the curve's noise in the likelihood's family (Student-t with the
        fitted ``noise_nu`` when robust, else Normal). Polynomial form: rows of curves the
        fit has not seen get the population's predictive for a new curve of their domain:
        a degree ``k`` drawn from the domain's distribution (``k_domain``,
        ``log_k_curve_sigma``), a trend ``tau`` from the population (``tau_mu``,
        ``tau_sigma``), and the level, reference compute, reference year and noise of a
        fitted curve of the domain chosen at random per draw. The exponential form is not
        pooled, so new curves are refused; where its line ``error = a - b log C`` has
        reached 0 (beyond the fitted compute), a draw is 0 (log error ``-inf``). Draws are
        independent between rows.

        Parameters
        ----------
        rows : pandas.DataFrame
            Validated rows with ``domain``, ``curve``, ``compute`` (and ``year`` with a
            trend).

        Returns
        -------
        str
            The predictive variable's name (``"log_metric_predicted"``), on the ``row`` dim.

        Raises
        ------
        ModelConfigError
            If a row's domain was not fitted, or (exponential form) its curve.
        """
        curves = row_curves(rows, self.index)
        if self.form == "exponential":
            refuse_new_curves(curves, self.index.curves,
                              "the exponential form's lines are per curve, not pooled, so "
                              "there is no population to draw a new curve from")
        inputs = {"template_p": curves.template_p,
                  "new_curve": (~curves.known).astype(float),
                  "domain_pos": curves.domain_pos,
                  "log_size": np.log(rows[SIZE].to_numpy(float))}
        if self.trend:
            inputs["year"] = rows["year"].to_numpy(float)
        model = self.build_model()
        name = predicted_name(self.observed_name)
        data = add_row_data(model, inputs)
        with model:
            c = pm.Categorical("pred_curve_template", p=data["template_p"], dims=dims.ROW)
            new = data["new_curve"]
            log_c = data["log_size"]
            line = None
            if self.form == "polynomial":
                z_k = pm.Normal("pred_z_k", 0.0, 1.0, dims=dims.ROW)
                log_k_new = (pt.log(model["k_domain"])[data["domain_pos"]]
                             + model["log_k_curve_sigma"] * z_k)
                k = pt.switch(new, pt.exp(log_k_new), model["k"][c])
                mu = model["log_error_ref"][c] - (log_c - model["log_ref_size"][c]) / k
            else:
                log_min = pt.log(model["min_size"])[c]
                frac = (log_c - log_min) / (pt.log(model["max_size"])[c] - log_min)
                line = model["error_lo"][c] * (1.0 - frac) + model["error_hi"][c] * frac
                mu = pt.log(pt.maximum(line, np.finfo(float).tiny))
            if self.trend:
                z_tau = pm.Normal("pred_z_tau", 0.0, 1.0, dims=dims.ROW)
                tau = pt.switch(new, model["tau_mu"] + model["tau_sigma"] * z_tau,
                                model["tau"][c])
                mu = mu + tau * (data["year"] - model["ref_year"][c])
            nu = model["noise_nu"] if self.robust else None
            if line is None:
                predictive_likelihood(name, mu=mu, sigma=model["noise_sigma"][c], nu=nu)
            else:
                draw = predictive_likelihood(f"{name}_where_positive", mu=mu,
                                             sigma=model["noise_sigma"][c], nu=nu)
                pm.Deterministic(name, pt.switch(line > 0, draw, -np.inf), dims=dims.ROW)
        return name

    def extrapolation(self, rows: pd.DataFrame) -> np.ndarray:
        """Log compute of each row outside its curve's fitted compute range (0 inside; NaN
        for curves not fitted). Years beyond the fitted ones are not counted."""
        curves = row_curves(rows, self.index)
        out = log_distance_outside(np.log(rows[SIZE].to_numpy(float)),
                                   self.log_min[curves.own], self.log_max[curves.own])
        return np.where(curves.known, out, np.nan)


def fitted_table(tree: xr.DataTree) -> pd.DataFrame:
    """Rebuild the tidy table a compute-scaling fit was made on (from its own groups)."""
    const = tree["constant_data"].to_dataset()
    metric = tree.attrs.get("metric", "error")
    frame = pd.DataFrame({
        "domain": const["obs_domain"].values.astype(str),
        "curve": const["obs_curve"].values.astype(str),
        SIZE: const["size"].values.astype(float),
    })
    frame[metric] = np.exp(tree["observed_data"]["log_metric"].values)
    if "year" in const:
        frame["year"] = const["year"].values.astype("int64")
    if "obs_label" in const:
        frame["label"] = const["obs_label"].values.astype(str)
    return frame


def curve_log_mean(tree: xr.DataTree, sizes: Any, *, year: Any = None) -> xr.DataArray:
    """Posterior draws of the fitted log error at given compute values.

    Parameters
    ----------
    tree : xarray.DataTree
        A ``compute_scaling`` fit.
    sizes : array-like or xarray.DataArray
        Compute values; a plain array becomes a ``size`` dim shared by all curves.
    year : scalar or xarray.DataArray, optional
        Year at which to evaluate a trend fit (default: each curve's reference year,
        i.e. no trend term).

    Returns
    -------
    xarray.DataArray
        Dims ``(chain, draw, curve, ...)``.
    """
    post = tree["posterior"]
    const = tree["constant_data"]
    if not isinstance(sizes, xr.DataArray):
        sizes = xr.DataArray(np.asarray(sizes, float), dims=dims.SIZE)
    log_c = np.log(sizes)
    if "k" in post:
        out = post["log_error_ref"] - (log_c - const["log_ref_size"]) / post["k"]
    else:
        lo, hi = np.log(const["min_size"]), np.log(const["max_size"])
        frac = (log_c - lo) / (hi - lo)
        with np.errstate(invalid="ignore"):
            out = np.log(post["error_lo"] * (1 - frac) + post["error_hi"] * frac)
    if year is not None and "tau" in post:
        out = out + post["tau"] * (year - const["ref_year"])
    return out
