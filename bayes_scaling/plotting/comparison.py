"""Model-comparison plot: evidence (log Bayes factors), LOO and LFO, one panel per table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bayes_scaling.errors import ModelConfigError
from bayes_scaling.plotting.style import color, panels, suptitle

_EVIDENCE = ("log_bayes_factor", "log_bayes_factor_se", "prob", "prob_low", "prob_high")
_LOO = ("elpd", "se")
_LFO = ("model", "domain", "rmse_log", "coverage_50", "coverage_90")


def plot_model_comparison(
    comparison: Any,
    *,
    se_multiple: float = 2.0,
    figsize: tuple[float, float] | None = None,
) -> tuple[Figure, np.ndarray]:
    """Compare models: one panel per table the comparison result holds.

    * **evidence**: log Bayes factor of each model against the best, with
      ``se_multiple`` x its Monte Carlo standard error, and the posterior model
      probability with its interval in the label;
    * **LOO** (an ``arviz_stats.compare`` table, unmodified): ELPD with ``se_multiple`` x
      its standard error; the best model's ELPD as a reference line;
    * **LFO**: two panels, the RMSE of the log metric on the held-out (later) points and
      the empirical coverage of the 50% and 90% predictive intervals (nominal levels
      dashed), per domain and model.

    Parameters
    ----------
    comparison : object
        Has ``evidence``, ``loo`` and ``lfo`` attributes, each a ``pandas.DataFrame`` or
        ``None`` (the result of :mod:`bayes_scaling.comparison`): ``evidence`` indexed by
        model with ``log_bayes_factor, log_bayes_factor_se, prob, prob_low, prob_high``;
        ``loo`` indexed by model with ``elpd, se``; ``lfo`` with ``model, domain,
        rmse_log, coverage_50, coverage_90``.
    se_multiple : float, default 2
        Error bars span this many standard errors either side.
    figsize : tuple, optional
        Figure size in inches.

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of Axes)
        Panels in the order evidence, LOO, LFO RMSE, LFO coverage (those present).

    Examples
    --------
    >>> from bayes_scaling.comparison import compare_forms
    >>> from bayes_scaling.models import SMCConfig
    >>> from bayes_scaling.simulate import simulate_form_curves
    >>> sim = simulate_form_curves("power_law_irreducible",
    ...                            {"alpha": 0.1, "beta": 0.5, "gamma": 0.02}, seed=1)
    >>> result = compare_forms(sim.frame, ["power_law", "power_law_irreducible"],
    ...                        smc=SMCConfig(draws=200, chains=2, seed=1), n_largest=2)
    >>> from bayes_scaling.plotting import plot_model_comparison
    >>> fig, axes = plot_model_comparison(result)  # evidence, PSIS-LOO, LFO (2 panels)
    >>> len(axes.ravel())
    4
    """
    tables = {name: getattr(comparison, name, None) for name in ("evidence", "loo", "lfo")}
    for name, required in (("evidence", _EVIDENCE), ("loo", _LOO), ("lfo", _LFO)):
        table = tables[name]
        if table is None:
            continue
        if not isinstance(table, pd.DataFrame):
            raise ModelConfigError(f"comparison.{name} must be a pandas DataFrame or None, "
                                   f"got {type(table).__name__}")
        columns = set(table.columns) | ({table.index.name} if table.index.name else set())
        missing = [c for c in required if c not in columns]
        if missing:
            raise ModelConfigError(f"comparison.{name} lacks column(s) {missing}; it needs "
                                   f"{list(required)}")
    n = sum(t is not None for t in tables.values()) + (tables["lfo"] is not None)
    if n == 0:
        raise ModelConfigError("the comparison holds no table (evidence, loo and lfo are all "
                               "None)")
    fig, axes = panels(n, ncols=2 if n != 3 else 3, panel_size=(5.2, 3.6), figsize=figsize)
    flat = iter(axes.ravel())
    if tables["evidence"] is not None:
        _evidence(next(flat), tables["evidence"], se_multiple)
    if tables["loo"] is not None:
        _loo(next(flat), tables["loo"], se_multiple)
    if tables["lfo"] is not None:
        _lfo(next(flat), next(flat), tables["lfo"])
    suptitle(fig, f"Model comparison (error bars: {se_multiple:g} standard errors)")
    return fig, axes


def _evidence(ax: Axes, table: pd.DataFrame, k: float) -> None:
    order = table.sort_values("log_bayes_factor", ascending=False)
    y = np.arange(len(order))
    ax.errorbar(order["log_bayes_factor"], y, xerr=k * order["log_bayes_factor_se"], fmt="o",
                color=color(0), capsize=3)
    labels = [f"{name}\np = {r['prob']:.2f} [{r['prob_low']:.2f}, {r['prob_high']:.2f}]"
              for name, r in order.iterrows()]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.axvline(0.0, color="0.4", ls=":", lw=1)
    ax.set_xlabel("log Bayes factor vs the best model (nats)")
    ax.set_title("marginal likelihood (evidence)")
    ax.grid(True, axis="x", alpha=0.3)


def _loo(ax: Axes, table: pd.DataFrame, k: float) -> None:
    order = table.sort_values("elpd", ascending=False)
    y = np.arange(len(order))
    relative = {"elpd_diff", "dse"} <= set(order.columns)
    if relative:
        # the difference to the best model and its own standard error (what to judge by)
        ax.errorbar(-order["elpd_diff"].abs(), y, xerr=k * order["dse"], fmt="o",
                    color=color(1), capsize=3)
        ax.axvline(0.0, color="0.4", ls=":", lw=1)
        ax.set_xlabel("ELPD difference to the best model (PSIS-LOO, log score)")
    else:
        ax.errorbar(order["elpd"], y, xerr=k * order["se"], fmt="o", color=color(1), capsize=3)
        ax.axvline(float(order["elpd"].iloc[0]), color="0.4", ls=":", lw=1)
        ax.set_xlabel("ELPD (PSIS-LOO, log score)")
    labels = [f"{name}\nELPD {r['elpd']:.4g} (se {r['se']:.2g})" for name, r in order.iterrows()]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(len(order) - 0.5, -0.5)
    flags = [f"{name}: {text}" for column in ("warning", "diag_elpd") if column in order
             for name, text in order[column].items() if (isinstance(text, str) and text)
             or text is True]
    if flags:
        ax.annotate("diagnostics: " + "; ".join(flags), (0.01, 0.01),
                    xycoords="axes fraction", fontsize=7, color=color(3))
    ax.set_title("leave-one-out (LOO)")
    ax.grid(True, axis="x", alpha=0.3)


def _lfo(ax_rmse: Axes, ax_cov: Axes, table: pd.DataFrame) -> None:
    models = list(dict.fromkeys(table["model"]))
    domains = list(dict.fromkeys(table["domain"]))
    width = 0.8 / max(len(models), 1)
    for m, model in enumerate(models):
        rows = table[table["model"] == model].set_index("domain").reindex(domains)
        y = np.arange(len(domains)) + (m - (len(models) - 1) / 2) * width
        ax_rmse.plot(rows["rmse_log"], y, "o", color=color(m), label=model)
        ax_cov.plot(rows["coverage_50"], y, "o", mfc="white", color=color(m),
                    label=f"{model}: 50%")
        ax_cov.plot(rows["coverage_90"], y, "s", color=color(m), label=f"{model}: 90%")
    for ax in (ax_rmse, ax_cov):
        ax.set_yticks(range(len(domains)), domains, fontsize=8)
        ax.set_ylim(len(domains) - 0.5, -0.5)
        ax.grid(True, axis="x", alpha=0.3)
    for level in (0.5, 0.9):
        ax_cov.axvline(level, color="0.4", ls="--", lw=1)
    ax_rmse.set_xlabel("RMSE of log metric on held-out later points")
    ax_rmse.set_title("leave-future-out (LFO): accuracy")
    ax_rmse.legend(fontsize=7, loc="best")
    ax_cov.set_xlim(-0.05, 1.05)
    ax_cov.set_xlabel("predictive-interval coverage (dashed: nominal)")
    ax_cov.set_title("LFO: calibration")
    ax_cov.legend(fontsize=7, loc="best")
