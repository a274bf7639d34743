"""End-to-end workflows used by the CLI: fit a table, project, plot, write a results folder.

Everything here is ordinary library API; the CLI only parses arguments and prints.
"""

from __future__ import annotations

import inspect
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import arviz as az
import matplotlib
import pandas as pd
import xarray as xr

from bayes_scaling import __version__
from bayes_scaling.data import ScalingData, load_table
from bayes_scaling.diagnostics import fit_report
from bayes_scaling.errors import ModelConfigError, OutputExistsError
from bayes_scaling.io import save_fit, write_atomic
from bayes_scaling.models import HierarchicalLearningCurve, HierarchicalModelSize, SamplerConfig
from bayes_scaling.projection import (
    project_growth,
    reachability_status,
    summarize_degree,
    summarize_projection,
)
from bayes_scaling.summaries import ci_defaults, posterior_interval

logger = logging.getLogger(__name__)

DEMO_DATASET = "mlp-learning-curves"
#: Demo targets: 20% and 50% lower error than each curve's current (fitted) error.
DEMO_TARGETS: tuple[str, ...] = ("x0.8", "x0.5")
#: Assumed growth of available training compute per year for the demo's years-to-target
#: (4x per year, roughly the 2010-2022 trend of frontier training compute).
DEMO_COMPUTE_GROWTH_PER_YEAR = 4.0


def resolve_table(source: str | Path, *, size: str = "data",
                  mirror: str | Path | None = None) -> ScalingData:
    """A CSV path, or the name of a registered dataset (see ``bayes-scaling datasets list``)."""
    path = Path(source)
    if path.exists():
        return load_table(path, size=size)
    from bayes_scaling.datasets import list_datasets, load_dataset

    if str(source) in set(list_datasets()["name"]):
        return load_dataset(str(source), mirror=mirror)
    return load_table(path, size=size)  # raises the file-not-found validation error


#: CLI model names -> (model class, size column of a user CSV).
MODEL_KINDS: dict[str, tuple[str, str]] = {
    "learning-curve": ("HierarchicalLearningCurve", "data"),
    "model-size": ("HierarchicalModelSize", "data"),
    "compute-scaling": ("HierarchicalComputeScaling", "compute"),
    "joint": ("JointScalingLaw", "params"),
}


def fit_model(kind: str, source: str | Path, *, sampler: SamplerConfig | None = None,
              priors: Any = None, mirror: str | Path | None = None,
              **options: Any) -> xr.DataTree:
    """Fit the model named ``kind`` (a key of :data:`MODEL_KINDS`) to a CSV or dataset.

    ``options`` go to the model's constructor (e.g. ``robust=True``, ``form=...``,
    ``trend=True``, ``frontier=True``); options left as ``None`` are not passed.
    """
    from bayes_scaling import models

    if kind not in MODEL_KINDS:
        raise ModelConfigError(f"unknown model {kind!r}; valid: {sorted(MODEL_KINDS)}")
    class_name, size = MODEL_KINDS[kind]
    cls = getattr(models, class_name)
    given = {k: v for k, v in options.items() if v is not None}
    accepted = set(inspect.signature(cls.__init__).parameters) - {"self", "data", "priors"}
    wrong = sorted(set(given) - accepted)
    if wrong:
        raise ModelConfigError(f"option(s) {wrong} do not apply to the {kind} model; it takes "
                               f"{sorted(accepted) or 'no options'}")
    data = resolve_table(source, size=size, mirror=mirror)
    return cls(data, priors=priors, **given).fit(sampler or SamplerConfig())


def summarize_target_compute(need: xr.Dataset, *, ci_prob: float | None = None,
                             ci_kind: str | None = None) -> pd.DataFrame:
    """Table of :func:`bayes_scaling.allocation.compute_for_target_loss`: compute (FLOP)
    needed per curve and target, median and interval over reachable draws."""
    ci_prob, ci_kind = ci_defaults(ci_prob, ci_kind)
    med, low, up = posterior_interval(need["compute"], ci_prob, ci_kind,
                                      valid=need["reachable"], log=True)
    rows = []
    for curve in need["curve"].values:
        for target in need["target"].values:
            sel = {"curve": curve, "target": target}
            p = float(need["p_reachable"].sel(sel))
            rows.append({"quantity": "compute_optimal_flop", "curve": str(curve),
                         "target": str(target), "p_reachable": p,
                         "current_compute": float(need["current_compute"].sel(curve=curve)),
                         "median": float(med.sel(sel)), "lower": float(low.sel(sel)),
                         "upper": float(up.sel(sel)), "ci_prob": ci_prob, "ci_kind": ci_kind,
                         "status": reachability_status(p, floor="the irreducible loss E")})
    table = pd.DataFrame(rows)
    for col in ("median", "lower", "upper"):
        table[col] = table[col].astype("Float64").mask(table[col].isna(), pd.NA)
    return table


def project_fit(fit: xr.DataTree, targets: list[str], *, model_size_fit: xr.DataTree | None = None,
                compute_growth_per_year: float | None = None, ci_prob: float | None = None,
                ) -> tuple[xr.Dataset, pd.DataFrame]:
    """Projection of any fit and its summary table: growth (learning curve, compute
    scaling) or the compute-optimal budget (joint law) needed to reach ``targets``."""
    model_type = fit.attrs.get("model_type")
    if model_type == "compute_scaling":
        from bayes_scaling.compute_projection import project_compute_growth

        projection = project_compute_growth(fit, targets)
        return projection, summarize_projection(projection, ci_prob=ci_prob)
    if model_type == "joint_scaling":
        from bayes_scaling.allocation import compute_for_target_loss

        need = compute_for_target_loss(fit, targets)
        return need, summarize_target_compute(need, ci_prob=ci_prob)
    projection = project_growth(fit, targets, model_size_fit=model_size_fit,
                                compute_growth_per_year=compute_growth_per_year)
    return projection, summarize_projection(projection, ci_prob=ci_prob)


PARAMETERS = ("beta_global", "beta_domain", "beta", "alpha", "gamma", "noise_sigma", "noise_nu",
              "beta_p_global", "beta_p_domain", "beta_p", "alpha_p")


def parameter_summary(fit: xr.DataTree) -> pd.DataFrame:
    """ArviZ summary of the interpretable parameters (exponents, floors, scales, noise)."""
    names = [v for v in PARAMETERS if v in fit["posterior"]]
    return az.summary(fit, var_names=names)


@dataclass
class DemoResult:
    """Paths written by :func:`run_demo` and the diagnostics verdict."""

    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    diagnostics: str = ""
    ok: bool = True


def _prepare_dir(out_dir: Path, names: list[str], overwrite: bool) -> None:
    clash = [n for n in names if (out_dir / n).exists()]
    if clash and not overwrite:
        raise OutputExistsError(
            f"{out_dir} already holds {clash}; use --force to replace them or --out to write "
            "somewhere else"
        )
    out_dir.mkdir(parents=True, exist_ok=True)


def write_results(fit: xr.DataTree, out_dir: str | Path, *, targets: tuple[str, ...],
                  model_size_fit: xr.DataTree | None = None,
                  compute_growth_per_year: float | None = None,
                  overwrite: bool = False) -> DemoResult:
    """Write fit file, projection table, parameter summary, diagnostics and plot.

    Parameters
    ----------
    fit : xarray.DataTree
        A learning-curve fit.
    out_dir : str or pathlib.Path
        Results folder (created if missing).
    targets : tuple of str
        Projection targets (see :class:`bayes_scaling.projection.Target`).
    model_size_fit : xarray.DataTree, optional
        Model-size fit of the same table: adds model and compute growth and the
        implied degree k (``degree.csv``).
    compute_growth_per_year : float, optional
        Adds years-to-target at this assumed growth of compute per year.
    overwrite : bool, default False
        Replace existing files of the same names.

    Returns
    -------
    DemoResult
    """
    matplotlib.use("Agg", force=False)
    from bayes_scaling.plotting import plot_learning_curves

    out = Path(out_dir)
    names = {"fit": "fit.nc", "projection": "projection.csv", "summary": "parameters.csv",
             "diagnostics": "diagnostics.json", "plot": "learning_curves.png",
             "plot_svg": "learning_curves.svg"}
    if model_size_fit is not None:
        names.update({"model_size_fit": "model_size_fit.nc", "degree": "degree.csv",
                      "model_size_summary": "model_size_parameters.csv"})
    _prepare_dir(out, list(names.values()), overwrite)
    files = {k: out / v for k, v in names.items()}
    projection = project_growth(fit, list(targets), model_size_fit=model_size_fit,
                                compute_growth_per_year=compute_growth_per_year)
    table = summarize_projection(projection)
    reports = {"learning_curve": fit_report(fit)}
    save_fit(fit, files["fit"], overwrite=overwrite)
    write_atomic(files["projection"], lambda p: table.to_csv(p, index=False),
                 overwrite=overwrite)
    summary = parameter_summary(fit)
    write_atomic(files["summary"], lambda p: summary.to_csv(p), overwrite=overwrite)
    if model_size_fit is not None:
        reports["model_size"] = fit_report(model_size_fit)
        save_fit(model_size_fit, files["model_size_fit"], overwrite=overwrite)
        degree = summarize_degree(projection)
        write_atomic(files["degree"], lambda p: degree.to_csv(p, index=False),
                     overwrite=overwrite)
        ms_summary = parameter_summary(model_size_fit)
        write_atomic(files["model_size_summary"], lambda p: ms_summary.to_csv(p),
                     overwrite=overwrite)
    ok = all(r.ok for r in reports.values())
    verdict = "; ".join(f"{name}: {r.verdict}" for name, r in reports.items())
    trees = {"learning_curve": fit, "model_size": model_size_fit}
    remedies = {name: json.loads(tree.attrs["remedy_log"]) for name, tree in trees.items()
                if tree is not None and tree.attrs.get("remedy_log")}
    payload = {"ok": ok, "verdict": verdict,
               "fits": {name: r.to_dict() for name, r in reports.items()},
               "auto_remedy": remedies,
               "model_id": fit.attrs["model_id"], "bayes_scaling_version": __version__}
    write_atomic(files["diagnostics"],
                 lambda p: p.write_text(json.dumps(payload, indent=2, default=float)),
                 overwrite=overwrite)
    import matplotlib.pyplot as plt

    fig, _ = plot_learning_curves(fit)
    try:
        for key in ("plot", "plot_svg"):
            write_atomic(files[key], lambda p, k=key: fig.savefig(
                p, dpi=150, format="png" if k == "plot" else "svg"), overwrite=overwrite)
    finally:
        plt.close(fig)
    return DemoResult(out, files, verdict, ok)


def run_demo(out_dir: str | Path = "results/demo", *, sampler: SamplerConfig | None = None,
             overwrite: bool = False, mirror: str | Path | None = None) -> DemoResult:
    """Fit the embedded dataset, project data/model/compute growth, write results.

    Fits the hierarchical learning curve and the model-size model, projects the growth
    needed for 20% and 50% lower error (``DEMO_TARGETS``), the implied degree k, and
    writes the results folder (see :func:`write_results`).

    Parameters
    ----------
    out_dir : str or pathlib.Path, default "results/demo"
        Results folder.
    sampler : SamplerConfig, optional
        Sampler settings (defaults: 4 chains x 1000 draws, nutpie).
    overwrite : bool, default False
        Replace an earlier demo's files.
    mirror : path, optional
        Not used by the embedded dataset; accepted for symmetry with public datasets.

    Returns
    -------
    DemoResult
    """
    from bayes_scaling.datasets import load_dataset

    out = Path(out_dir)
    _prepare_dir(out, ["fit.nc"], overwrite)
    data = load_dataset(DEMO_DATASET, mirror=mirror)
    fit = HierarchicalLearningCurve(data).fit(sampler or SamplerConfig())
    model_size = HierarchicalModelSize(data).fit(sampler or SamplerConfig())
    result = write_results(fit, out, targets=DEMO_TARGETS, model_size_fit=model_size,
                           compute_growth_per_year=DEMO_COMPUTE_GROWTH_PER_YEAR,
                           overwrite=overwrite)
    return result
