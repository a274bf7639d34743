"""End-to-end workflows used by the CLI: fit a table, project, plot, write a results folder.

Everything here is ordinary library API; the CLI only parses arguments and prints.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import arviz as az
import matplotlib
import pandas as pd
import xarray as xr

from bayes_scaling import __version__
from bayes_scaling.data import ScalingData, load_table
from bayes_scaling.diagnostics import check_fit
from bayes_scaling.errors import OutputExistsError
from bayes_scaling.io import save_fit, write_atomic
from bayes_scaling.models import HierarchicalLearningCurve, SamplerConfig
from bayes_scaling.projection import project_data_growth, summarize_projection

logger = logging.getLogger(__name__)

DEMO_DATASET = "mlp-learning-curves"
#: Demo targets: 20% and 50% lower error than each curve's current (fitted) error.
DEMO_TARGETS: tuple[str, ...] = ("x0.8", "x0.5")


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


def fit_learning_curves(data: ScalingData, *, sampler: SamplerConfig | None = None,
                        robust: bool = False, priors: Any = None) -> xr.DataTree:
    """Fit :class:`HierarchicalLearningCurve` to ``data`` and return the fit."""
    model = HierarchicalLearningCurve(data, priors=priors, robust=robust)
    return model.fit(sampler or SamplerConfig())


def parameter_summary(fit: xr.DataTree) -> pd.DataFrame:
    """ArviZ summary of the interpretable parameters (exponents, floors, scales, noise)."""
    names = [v for v in ("beta_global", "beta_domain", "beta", "alpha", "gamma", "noise_sigma",
                         "noise_nu") if v in fit["posterior"]]
    return az.summary(fit, var_names=names)


@dataclass
class DemoResult:
    """Paths written by :func:`run_demo` and the diagnostics verdict."""

    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    diagnostics: str = ""


def _prepare_dir(out_dir: Path, names: list[str], overwrite: bool) -> None:
    clash = [n for n in names if (out_dir / n).exists()]
    if clash and not overwrite:
        raise OutputExistsError(
            f"{out_dir} already holds {clash}; use --force to replace them or --out to write "
            "somewhere else"
        )
    out_dir.mkdir(parents=True, exist_ok=True)


def write_results(fit: xr.DataTree, out_dir: str | Path, *, targets: tuple[str, ...],
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
    _prepare_dir(out, list(names.values()), overwrite)
    files = {k: out / v for k, v in names.items()}
    projection = project_data_growth(fit, list(targets))
    table = summarize_projection(projection)
    report = check_fit(fit, warn=False)
    save_fit(fit, files["fit"], overwrite=overwrite)
    write_atomic(files["projection"], lambda p: table.to_csv(p, index=False),
                 overwrite=overwrite)
    summary = parameter_summary(fit)
    write_atomic(files["summary"], lambda p: summary.to_csv(p), overwrite=overwrite)
    payload = {"verdict": report.verdict, **report.to_dict(),
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
    return DemoResult(out, files, report.verdict)


def run_demo(out_dir: str | Path = "results/demo", *, sampler: SamplerConfig | None = None,
             overwrite: bool = False, mirror: str | Path | None = None) -> DemoResult:
    """Fit the embedded dataset, project data growth to the demo targets, write results.

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
    fit = fit_learning_curves(data, sampler=sampler)
    result = write_results(fit, out, targets=DEMO_TARGETS, overwrite=overwrite)
    logger.info("demo settings: %s", json.dumps(asdict(sampler or SamplerConfig())))
    return result
