"""End-to-end workflows used by the CLI: fit a table, project, and the demo report.

Everything here is ordinary library API; the CLI only parses arguments and prints.
"""

from __future__ import annotations

import inspect
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xarray as xr

from bayes_scaling.data import ScalingData, load_table
from bayes_scaling.errors import ModelConfigError
from bayes_scaling.models import SamplerConfig, SMCConfig

if TYPE_CHECKING:
    from bayes_scaling.report import ReportResult

logger = logging.getLogger(__name__)

DEMO_DATASET = "mlp-learning-curves"
#: The demo's NUTS settings: 2,000 draws per chain. On this 2-domain table the hierarchy's
#: spreads (``log_beta_domain_sigma``, ``log_beta_curve_sigma``) are set mostly by their
#: priors and mix slowly; with 1,000 draws their R-hat was 1.006-1.016 over seeds 3, 4 and
#: 2026, with 2,000 draws 1.003-1.005 (the diagnostics' own advice).
DEMO_SAMPLER = SamplerConfig(draws=2000)
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
              exclude_unfittable: bool = False, **options: Any) -> xr.DataTree:
    """Fit the model named ``kind`` (a key of :data:`MODEL_KINDS`) to a CSV or dataset.

    ``options`` go to the model's constructor (e.g. ``robust=True``, ``form=...``,
    ``trend=True``, ``frontier=True``); options left as ``None`` are not passed.

    With ``exclude_unfittable=True`` curves that cannot be fitted at all (a single size,
    or the same metric at every point) are left out instead of refusing the table
    (:func:`bayes_scaling.identification.exclude_unfittable_curves`, which warns); the
    fit's ``excluded_curves`` attr records them (JSON list of ``curve``, ``rows``,
    ``column``, ``reason``; ``[]`` when none was), under the fit file's content hash.
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
    if not exclude_unfittable:
        return cls(data, priors=priors, **given).fit(sampler or SamplerConfig())
    from bayes_scaling.identification import exclude_unfittable_curves, excluded_records

    data, excluded = exclude_unfittable_curves(data)
    fit = cls(data, priors=priors, **given).fit(sampler or SamplerConfig())
    fit.attrs["excluded_curves"] = json.dumps(excluded_records(excluded))
    return fit


def run_demo(out_dir: str | Path = "results/demo", *, sampler: SamplerConfig | None = None,
             smc: SMCConfig | None = None, overwrite: bool = False,
             mirror: str | Path | None = None,
             command: list[str] | None = None) -> ReportResult:
    """The report (:func:`bayes_scaling.report.build_report`) on the embedded dataset.

    Fits the hierarchical learning curve and the model-size model, projects the data,
    model and compute growth needed for 20% and 50% lower error (``DEMO_TARGETS``), years
    to target at ``DEMO_COMPUTE_GROWTH_PER_YEAR``, the implied degree k, compares
    functional forms and tests the named hypotheses, and writes the report folder.

    Parameters
    ----------
    out_dir : str or pathlib.Path, default "results/demo"
        Report folder.
    sampler : SamplerConfig, optional
        NUTS settings (default :data:`DEMO_SAMPLER`: 4 chains x 2,000 draws, nutpie).
    smc : SMCConfig, optional
        SMC settings of the comparison (default :data:`bayes_scaling.report.REPORT_SMC`).
    overwrite : bool, default False
        Replace an earlier demo or report folder.
    mirror : path, optional
        Not used by the embedded dataset; accepted for symmetry with public datasets.
    command : list of str, optional
        The command line, recorded in the manifest.

    Returns
    -------
    ReportResult
    """
    from bayes_scaling.report import build_report

    return build_report(DEMO_DATASET, out_dir, model="learning-curve",
                        sampler=sampler or DEMO_SAMPLER, smc=smc,
                        targets=DEMO_TARGETS,
                        compute_growth_per_year=DEMO_COMPUTE_GROWTH_PER_YEAR,
                        overwrite=overwrite, mirror=mirror, command=command)
