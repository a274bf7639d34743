"""Sampler diagnostics plots (ArviZ's rank, trace and ESS plots) with the fit's verdict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import arviz_plots as azp
import matplotlib as mpl
import numpy as np
import xarray as xr
from cycler import cycler
from matplotlib.figure import Figure

from bayes_scaling.diagnostics import fit_report
from bayes_scaling.errors import ModelConfigError
from bayes_scaling.model_types import DIAGNOSTIC_VARS
from bayes_scaling.plotting.style import OKABE_ITO, suptitle

#: Interpretable parameters shown by default, per model type (those present are used):
#: the registry's :data:`bayes_scaling.model_types.DIAGNOSTIC_VARS`.
DEFAULT_VARS: dict[str, tuple[str, ...]] = DIAGNOSTIC_VARS

_PLOTS = {"rank": azp.plot_rank, "trace": azp.plot_trace_dist, "ess": azp.plot_ess}


def plot_diagnostics(
    fit: xr.DataTree,
    *,
    kind: Literal["rank", "trace", "ess"] = "rank",
    var_names: Sequence[str] | None = None,
    figsize: tuple[float, float] | None = None,
) -> tuple[Figure, np.ndarray]:
    """ArviZ sampler-diagnostics plot of a fit, titled with its diagnostics verdict.

    Drawn by ``arviz_plots`` (matplotlib backend): ``kind="rank"`` is
    :func:`arviz_plots.plot_rank` (fractional-rank ECDFs per chain with a simultaneous
    envelope: chains that disagree leave it), ``"trace"`` :func:`arviz_plots.plot_trace_dist`
    and ``"ess"`` :func:`arviz_plots.plot_ess` (local ESS with the minimum marked).

    Parameters
    ----------
    fit : xarray.DataTree
        Any fit (``posterior`` and ``sample_stats`` groups).
    kind : {"rank", "trace", "ess"}, default "rank"
        Which ArviZ plot.
    var_names : sequence of str, optional
        Posterior variables (default: the model type's interpretable parameters,
        :data:`DEFAULT_VARS`).
    figsize : tuple, optional
        Figure size in inches.

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of Axes)
        The axes holding the variables' panels, in ArviZ's order.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.plotting import plot_diagnostics
    >>> fig, axes = plot_diagnostics(fit)  # rank plots of the main parameters
    >>> axes.ravel()[0].get_title()
    'beta_global'
    >>> fig, axes = plot_diagnostics(fit, kind="trace", var_names=["beta_global"])
    """
    if kind not in _PLOTS:
        raise ModelConfigError(f"kind must be one of {sorted(_PLOTS)}, got {kind!r}")
    post = fit["posterior"]
    if var_names is None:
        defaults = DEFAULT_VARS.get(str(fit.attrs.get("model_type")), ())
        var_names = [v for v in defaults if v in post] or list(post.data_vars)[:4]
    missing = [v for v in var_names if v not in post]
    if missing:
        raise ModelConfigError(f"variables {missing} are not in the posterior; available: "
                               f"{sorted(post.data_vars)}")
    kwargs = {"figure_kwargs": {"figsize": figsize}} if figsize else {}
    with mpl.rc_context({"axes.prop_cycle": cycler(color=OKABE_ITO),
                         "figure.constrained_layout.use": True}):
        collection = _PLOTS[kind](fit, var_names=list(var_names), backend="matplotlib",
                                  **kwargs)
    targets = collection.viz["plot"].to_dataset()
    axes = [ax for var in targets.data_vars for ax in np.ravel(targets[var].values)]
    fig = axes[0].figure
    if fig.get_layout_engine() is None:
        fig.set_layout_engine("constrained")
    report = fit_report(fit)
    verdict = "OK" if report.ok else "PROBLEMS"
    suptitle(fig, f"{fit.attrs.get('model_type', 'fit')}, {kind} plot. Diagnostics {verdict}: "
                  f"{report.divergences} divergences, max R-hat {report.max_rhat:.3f}, min "
                  f"bulk/tail ESS {report.min_ess_bulk:.0f}/{report.min_ess_tail:.0f} "
                  f"({report.n_chains} chains x {report.n_draws // report.n_chains} draws)",
             fontsize=9)
    return fig, np.array(axes, dtype=object)
