"""The demo: the report on the embedded dataset (``bayes-scaling demo``, ``make demo``)."""

from __future__ import annotations

from pathlib import Path

from bayes_scaling.models import SamplerConfig, SMCConfig
from bayes_scaling.models.blocks import BlockRunner
from bayes_scaling.report.build import ReportResult, build_report
from bayes_scaling.report.kinds import LEARNING_CURVE_REPORT

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


def run_demo(out_dir: str | Path = "results/demo", *, sampler: SamplerConfig | None = None,
             smc: SMCConfig | None = None, overwrite: bool = False,
             mirror: str | Path | None = None,
             command: list[str] | None = None,
             blocks: BlockRunner | None = None) -> ReportResult:
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
    blocks : BlockRunner, optional
        Where the SMC blocks run (see :func:`~bayes_scaling.report.build_report`).

    Returns
    -------
    ReportResult
    """
    return build_report(DEMO_DATASET, out_dir, model=LEARNING_CURVE_REPORT,
                        sampler=sampler or DEMO_SAMPLER, smc=smc,
                        targets=DEMO_TARGETS,
                        compute_growth_per_year=DEMO_COMPUTE_GROWTH_PER_YEAR,
                        overwrite=overwrite, mirror=mirror, command=command, blocks=blocks)
