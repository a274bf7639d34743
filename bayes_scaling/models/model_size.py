"""Hierarchical model-size scaling: best model size vs training-set size.

Hestness et al. (2017) find that the best model size grows sublinearly with data,
``s(m) = alpha_p * m ** beta_p`` with ``beta_p`` around 0.5-0.9. From a table with a
width sweep (several ``params`` values per shard), the **best model size of a shard**
``(domain, curve, data)`` is read off with a one-standard-error rule:

    the smallest ``params`` whose mean metric over seeds is within one standard
    error (of that minimum's seed mean) of the lowest mean metric of the shard.

(With a single seed the standard error is taken as 0, i.e. the argmin.) The rule is
parsimonious and stable against seed noise; the chosen sizes are stored in the fit.

Model, on the log scale with centred log data size ``x = log m - log m_ref_c``::

    log s_i ~ Normal(log s_ref_c + beta_p_c * x_i, sigma_c)
    beta_p_d = beta_p_mu + beta_p_domain_sigma * z_d           (non-centred)
    beta_p_c = beta_p_d(c) + beta_p_curve_sigma * z_c

and ``alpha_p_c = s_ref_c * m_ref_c ** (-beta_p_c)`` in the original units.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from bayes_scaling import dims
from bayes_scaling.data import ScalingData, best_model_size_rows, load_table, validate_frame
from bayes_scaling.errors import DataValidationError, FitFileError
from bayes_scaling.identification import check_identification
from bayes_scaling.model_types import HIERARCHICAL_MODEL_SIZE
from bayes_scaling.models.base import (
    ScalingModel,
    add_likelihood,
    label_observations,
    nested_effects,
)
from bayes_scaling.models.indexing import CurveIndex
from bayes_scaling.models.predictive import (
    add_row_data,
    check_rebuilt,
    log_distance_outside,
    predicted_name,
    predictive_likelihood,
    rebuild_settings,
    row_curves,
)

MIN_SHARDS = 3


def best_model_sizes(frame: pd.DataFrame, *, metric: str) -> pd.DataFrame:
    """Best model size per shard by the one-standard-error rule (see module docstring).

    Parameters
    ----------
    frame : pandas.DataFrame
        Validated tidy table with ``params`` and ``data``.
    metric : {"error", "loss"}
        Metric column.

    Returns
    -------
    pandas.DataFrame
        One row per shard: ``domain, curve, data, params`` (the best size),
        ``best_mean`` (lowest mean metric), ``n_sizes`` (model sizes tried) and
        ``n_seeds``.
    """
    if "params" not in frame:
        raise DataValidationError("a model-size fit needs a 'params' column (a width sweep: "
                                  "several model sizes per training-set size)", column="params")
    keys = ["domain", "curve", "data"]
    stats = frame.groupby([*keys, "params"], sort=False)[metric].agg(["mean", "std", "count"])
    stats = stats.reset_index()
    stats["se"] = (stats["std"].fillna(0.0) / np.sqrt(stats["count"])).fillna(0.0)
    rows = []
    for key, shard in stats.groupby(keys, sort=False):
        best = shard.loc[shard["mean"].idxmin()]
        ok = shard[shard["mean"] <= best["mean"] + best["se"]]
        rows.append((*key, float(ok["params"].min()), float(best["mean"]),
                     int(shard["params"].nunique()), int(shard["count"].max())))
    return pd.DataFrame(rows, columns=[*keys, "params", "best_mean", "n_sizes", "n_seeds"])


class HierarchicalModelSize(ScalingModel):
    """Partially pooled ``s(m) = alpha_p * m ** beta_p`` across curves and domains.

    Parameters
    ----------
    data : ScalingData, pandas.DataFrame or path
        Tidy table with a width sweep (``params``) at several ``data`` sizes.
    priors : mapping or path, optional
        Overrides of ``priors/hierarchical_model_size.yaml``.
    prior_set : str, optional
        A literature prior set (:func:`bayes_scaling.prior_sets.list_prior_sets`, e.g.
        ``"language-model"``) replacing the default priors it names; ``priors`` still
        override it (precedence: user > prior set > data-driven > default).

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> m = HierarchicalModelSize(load_dataset("mlp-learning-curves"))
    >>> sorted(m.best_sizes.columns)[:3]
    ['best_mean', 'curve', 'data']
    """

    model_type: ClassVar[str] = HIERARCHICAL_MODEL_SIZE
    cli_kind: ClassVar[str | None] = "model-size"
    size_column: ClassVar[str] = "data"
    observed_name: ClassVar[str] = "log_best_params"
    #: With few domains (2 in the embedded data) the domain-level scale of the non-centred
    #: hierarchy is weakly identified and NUTS meets a curved ridge between it, the
    #: population mean and the z's. Measured on the embedded data (seeds 2026, 1, 2):
    #: target_accept 0.9 gave 1-15 divergences, 0.95 gave 0-5, 0.99 gave 0 (max R-hat
    #: <= 1.013, bulk ESS >= 500) at ~1.3x the sampling time. Boundary-avoiding Gamma
    #: priors on the scales and a wider population prior did not remove them.
    default_target_accept: ClassVar[float] = 0.99
    prior_names: ClassVar[tuple[str, ...]] = (
        "beta_p_mu",
        "beta_p_domain_sigma",
        "beta_p_curve_sigma",
        "log_size_offset",
        "noise_sigma",
    )

    def __init__(self, data: Any, *, priors: Any = None,
                 prior_set: str | None = None) -> None:
        table = load_table(data, size="data")
        fit_rows = table.split("fit").frame
        best = best_model_sizes(fit_rows, metric=table.metric)
        counts = best.groupby(["domain", "curve"], sort=False)["data"].nunique()
        few = counts[counts < MIN_SHARDS]
        if len(few):
            raise DataValidationError(
                f"curve(s) {[f'{d}/{c}' for d, c in few.index]} have fewer than {MIN_SHARDS} "
                "training-set sizes with a width sweep; a model-size fit needs >= 3 shards",
                column="data")
        swept = best.groupby(["domain", "curve"], sort=False)["n_sizes"].min()
        if (swept < 2).any():
            raise DataValidationError(
                "some shards have a single model size, so no best size can be read off: "
                f"{[f'{d}/{c}' for d, c in swept[swept < 2].index]}; a width sweep needs "
                ">= 2 (ideally >= 5) model sizes per shard", column="params")
        super().__init__(table, priors=priors, prior_set=prior_set)
        # the learning curve through each shard's best model (what the sweep measures)
        best_curve = best_model_size_rows(fit_rows, metric=table.metric, size="data")
        self.identification = check_identification(
            ScalingData(best_curve, size="data", source=table.source))
        self._index_best_sizes(best)

    def _index_best_sizes(self, best: pd.DataFrame) -> None:
        """Set the best sizes per shard and the curve index and centres built on them."""
        self.best_sizes = best
        index = CurveIndex.from_frame(best)
        self.index = index
        self.curve_domain = index.curve_domain
        self.obs_curve_idx = index.obs_curve_idx
        self.log_ref = index.per_curve(np.log(best["data"].to_numpy(float)), np.mean)
        self.log_size_centre = index.per_curve(np.log(best["params"].to_numpy(float)), np.mean)
        self.coords: dict[str, list[Any]] = index.coords()

    def config(self) -> dict[str, Any]:
        """Model settings (stored in the fit's attrs)."""
        return {"rule": "one_standard_error", "size": "data"}

    def _build(self) -> pm.Model:
        best = self.best_sizes
        domain_idx = self.index.domain_idx
        idx = self.obs_curve_idx
        size = best["data"].to_numpy(float)
        x = np.log(size) - self.log_ref[idx]
        p = self.priors
        with pm.Model(coords=self.coords) as model:
            pm.Data("curve_idx", idx, dims=dims.OBS)
            x_data = pm.Data("log_size_centered", x, dims=dims.OBS)
            pm.Data("size", size, dims=dims.OBS)
            pm.Data("domain_idx", domain_idx, dims=dims.CURVE)
            ref_size = pm.Data("ref_size", np.exp(self.log_ref), dims=dims.CURVE)
            pm.Data("max_size", self.index.per_curve(size, np.max), dims=dims.CURVE)
            mu = p["beta_p_mu"].create_variable("beta_p_mu")
            sd_d = p["beta_p_domain_sigma"].create_variable("beta_p_domain_sigma")
            sd_c = p["beta_p_curve_sigma"].create_variable("beta_p_curve_sigma")
            beta_d, beta_c = nested_effects(mu=mu, domain_sigma=sd_d, curve_sigma=sd_c,
                                            domain_idx=domain_idx,
                                            z_names=("z_p_domain", "z_p_curve"))
            pm.Deterministic("beta_p_global", mu)
            pm.Deterministic("beta_p_domain", beta_d, dims=dims.DOMAIN)
            beta = pm.Deterministic("beta_p", beta_c, dims=dims.CURVE)
            offset = p["log_size_offset"].create_variable("log_size_offset", dims=dims.CURVE)
            log_s_ref = pm.Deterministic("log_size_ref", self.log_size_centre + offset,
                                         dims=dims.CURVE)
            pm.Deterministic("alpha_p", pm.math.exp(log_s_ref) * ref_size ** (-beta),
                             dims=dims.CURVE)
            sigma = p["noise_sigma"].create_variable("noise_sigma", dims=dims.CURVE)
            add_likelihood(self.observed_name, mu=log_s_ref[idx] + beta[idx] * x_data,
                           sigma=sigma[idx], observed=np.log(best["params"].to_numpy(float)))
        return model

    def _finalize(self, tree: xr.DataTree, cfg: Any, sampler_used: str) -> xr.DataTree:
        tree = super()._finalize(tree, cfg, sampler_used)
        best = self.best_sizes
        return label_observations(tree, best, self.curve_domain,
                                  {"obs_best_mean": best["best_mean"].to_numpy(float)})

    # ------------------------------------------------------------------ prediction
    #: Size columns that rows to predict at need (:func:`bayes_scaling.prediction.predict`).
    prediction_sizes: ClassVar[tuple[str, ...]] = ("data",)
    #: What :func:`~bayes_scaling.prediction.predict` predicts: the best model size
    #: (``params``) at the rows' training-set size, not an error metric.
    predicted_column: ClassVar[str] = "best_params"

    @classmethod
    def from_fit(cls, tree: xr.DataTree) -> HierarchicalModelSize:
        """Rebuild the model a saved fit was sampled from (same best sizes and priors).

        The fit holds the best model size of each shard (not the width sweep they were
        read off), so the rebuilt model is made from those directly: its ``data`` is the
        table of best sizes (``best_mean`` as the metric) and its ``identification`` is
        empty (the findings were reported when the fit was made).

        Raises
        ------
        FitFileError
            If the fit is of another model type or the rebuilt model does not match it
            (other curves or reference sizes).
        """
        _, priors = rebuild_settings(tree, cls.model_type)
        const = tree["constant_data"].to_dataset()
        metric = str(tree.attrs.get("metric", "error"))
        try:
            best = pd.DataFrame({
                "domain": const["obs_domain"].values.astype(str),
                "curve": const["obs_curve"].values.astype(str),
                "data": const["size"].values.astype(float),
                "params": np.exp(tree["observed_data"][cls.observed_name].values),
                "best_mean": const["obs_best_mean"].values.astype(float),
            })
            table = validate_frame(best[["domain", "curve", "data", "params", "best_mean"]]
                                   .rename(columns={"best_mean": metric}), size="data")
        except (KeyError, DataValidationError) as exc:
            raise FitFileError(f"cannot rebuild the best model sizes of this "
                               f"{cls.model_type} fit from its groups: {exc}") from exc
        model = cls.__new__(cls)
        ScalingModel.__init__(model, ScalingData(table, size="data",
                                                 source=str(tree.attrs.get("data_source", ""))),
                              priors=priors)
        model.identification = []
        model._index_best_sizes(best)
        check_rebuilt(tree, model.coords[dims.CURVE], {"ref_size": np.exp(model.log_ref)})
        return model

    def add_predictive(self, rows: pd.DataFrame) -> str:
        """Add the posterior predictive of the log best model size at ``rows``.

        Rows of fitted curves get their curve's ``log s = log s_ref + beta_p x`` at the
        row's centred log training-set size ``x`` and the curve's Normal noise (the
        model's likelihood): the predictive of the best model size the one-SE rule would
        pick from a width sweep at that size. Rows of curves the fit has not seen get the
        population's predictive for a new curve of their domain: ``beta_p`` drawn from the
        domain's distribution (``beta_p_domain``, ``beta_p_curve_sigma``), and the level,
        reference size and noise of a fitted curve of the domain chosen at random per
        draw. Draws are independent between rows.

        Parameters
        ----------
        rows : pandas.DataFrame
            Validated rows with ``domain``, ``curve`` and ``data``.

        Returns
        -------
        str
            The predictive variable's name (``"log_best_params_predicted"``), on the
            ``row`` dim.

        Raises
        ------
        ModelConfigError
            If a row's domain was not fitted.
        """
        curves = row_curves(rows, self.index)
        model = self.build_model()
        name = predicted_name(self.observed_name)
        data = add_row_data(model, {"template_p": curves.template_p,
                                    "new_curve": (~curves.known).astype(float),
                                    "domain_pos": curves.domain_pos,
                                    "log_size": np.log(rows["data"].to_numpy(float))})
        with model:
            c = pm.Categorical("pred_curve_template", p=data["template_p"], dims=dims.ROW)
            z = pm.Normal("pred_z_beta_p", 0.0, 1.0, dims=dims.ROW)
            beta_new = (model["beta_p_domain"][data["domain_pos"]]
                        + model["beta_p_curve_sigma"] * z)
            beta = pt.switch(data["new_curve"], beta_new, model["beta_p"][c])
            x = data["log_size"] - pt.log(model["ref_size"])[c]
            predictive_likelihood(name, mu=model["log_size_ref"][c] + beta * x,
                                  sigma=model["noise_sigma"][c])
        return name

    def extrapolation(self, rows: pd.DataFrame) -> np.ndarray:
        """Log training-set size of each row outside its curve's fitted range of shards
        (0 inside; NaN for curves not fitted)."""
        curves = row_curves(rows, self.index)
        log_size = np.log(self.best_sizes["data"].to_numpy(float))
        lower = self.index.per_curve(log_size, np.min)[curves.own]
        upper = self.index.per_curve(log_size, np.max)[curves.own]
        out = log_distance_outside(np.log(rows["data"].to_numpy(float)), lower, upper)
        return np.where(curves.known, out, np.nan)

