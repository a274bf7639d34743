"""The analyses behind a report, one per table kind, as :class:`Findings`.

* **learning curves** (``learning-curve``): the hierarchical learning-curve fit; with a
  width sweep also the model-size fit, model/compute growth and the implied degree k;
  growth to reach the targets; a comparison of functional forms (evidence and PSIS-LOO)
  and the named hypotheses that apply (``irreducible-error``, ``shared-exponent``).
* **compute scaling** (``compute-scaling``, Thompson tables): fitted degree k, compute
  to reach the targets (``imagenet-top1-5pct`` on ImageNet), algorithmic progress with a
  year trend, and the ``polynomial-vs-exponential`` hypothesis.
* **joint law** (``joint``, Chinchilla): compute-optimal allocation, compute to reach
  target losses, the posterior next to the published fits.

The kinds themselves (names, main models, which table gets which, default targets) are
defined once in :mod:`bayes_scaling.report.kinds`; :data:`FINDINGS_RUNNERS` maps each to
its analysis here. Nothing is written here: :mod:`bayes_scaling.report` writes the folder.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from bayes_scaling.data import ScalingData
from bayes_scaling.diagnostics import DiagnosticsReport, fit_report
from bayes_scaling.model_types import COMPUTE_SCALING, JOINT_SCALING
from bayes_scaling.models import SamplerConfig, SMCConfig
from bayes_scaling.models.blocks import BlockRunner
from bayes_scaling.report.kinds import (
    COMPUTE_SCALING_REPORT,
    JOINT_REPORT,
    LEARNING_CURVE_REPORT,
    REPORT_KIND_REGISTRY,
    report_kind,
)
from bayes_scaling.report.kinds import REPORT_KINDS as REPORT_KINDS
from bayes_scaling.report.kinds import choose_kind as choose_kind
from bayes_scaling.report.kinds import default_targets as default_targets

#: Forms compared on learning-curve tables (see :func:`bayes_scaling.comparison.parse_form`).
DEFAULT_FORMS: tuple[str, ...] = ("power_law", "power_law_irreducible", "three_region")
#: Interpretable parameters summarised in the parameter table (those a fit has).
PARAMETERS: tuple[str, ...] = (
    "beta_global", "beta_domain", "beta", "alpha", "gamma", "smooth_share", "beta_p_global",
    "beta_p_domain", "beta_p", "alpha_p", "k_global", "k_domain", "k", "a", "b", "tau", "E",
    "A", "B", "noise_sigma", "noise_nu", "sigma", "nu",
)


@dataclass
class Table:
    """A result table: written as ``tables/<name>.csv`` and shown in ``report.md``."""

    name: str
    section: str  # "parameters", "projections" or "comparison"
    title: str
    frame: pd.DataFrame
    show: Sequence[str] | None = None  # columns shown in report.md (all in the CSV)
    index: bool = False
    rows: str | None = None  # pandas query of the rows shown in report.md (all in the CSV)
    note: str = ""


@dataclass
class Findings:
    """Everything one analysis produced (fits, tables, figures, verdicts, problems)."""

    kind: str
    model: str
    fits: dict[str, xr.DataTree] = field(default_factory=dict)
    diagnostics: dict[str, DiagnosticsReport] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    figures: dict[str, tuple[Figure, str]] = field(default_factory=dict)
    comparison: Any = None
    hypotheses: list[Any] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: What a reader must know before the numbers (shown under the report's first line).
    caveats: list[str] = field(default_factory=list)

    def add_fit(self, name: str, fit: xr.DataTree) -> None:
        """Keep a NUTS fit, its stored diagnostics verdict and its diagnostics plot."""
        from bayes_scaling.plotting import plot_diagnostics

        self.fits[name] = fit
        self.diagnostics[name] = fit_report(fit)
        fig, _ = plot_diagnostics(fit)
        self.figures[f"diagnostics_{name}"] = (fig, f"Sampler diagnostics of the {name} fit "
                                               "(rank plots; verdict in the title)")

    @property
    def ok(self) -> bool:
        """Every NUTS fit passed its diagnostics."""
        return all(r.ok for r in self.diagnostics.values())

    def add_problems(self, label: str, problems: Sequence[str]) -> None:
        """List comparison problems once (a hypothesis may refit a compared form)."""
        seen = {p.split(": ", 1)[1] for p in self.problems}
        self.problems.extend(f"{label}: {p}" for p in problems if p not in seen)


def has_width_sweep(data: ScalingData) -> bool:
    """Whether some ``(domain, curve, data)`` shard has several model sizes (``params``)."""
    frame = data.frame
    if "params" not in frame or "data" not in frame:
        return False
    return bool(frame.groupby(["domain", "curve", "data"])["params"].nunique().max() >= 2)


def covered_prior_set(prior_set: str | None, model_type: str) -> str | None:
    """``prior_set`` if it covers ``model_type``, else ``None`` (that model keeps its
    defaults; :func:`prior_set_notes` says so in the report)."""
    from bayes_scaling.prior_sets import load_prior_set

    if prior_set is None or model_type not in load_prior_set(prior_set).models:
        return None
    return prior_set


def add_prior_set_findings(found: Findings, prior_set: str | None) -> None:
    """Name the prior set in the report's settings and add, per fit that used it, the
    prior vs posterior table of the parameters it sets."""
    from bayes_scaling.prior_sets import load_prior_set, prior_posterior_table

    if prior_set is None:
        return
    chosen = load_prior_set(prior_set)
    used = [n for n, f in found.fits.items() if f.attrs.get("prior_set") == prior_set]
    unused = [n for n in found.fits if n not in used]
    found.notes.append(f"literature prior set `{prior_set}` ({chosen.description.strip()}) "
                       f"used by: {', '.join(used) or 'no fit'}"
                       + (f"; default priors for: {', '.join(unused)} (not covered by the "
                          "set)" if unused else ""))
    for name in used:
        found.tables.append(Table(
            f"prior_vs_posterior_{name}", "parameters",
            f"Prior (set `{prior_set}`) vs posterior, {name} fit",
            prior_posterior_table(found.fits[name]),
            note="Median and central interval (ArviZ's stats.ci_prob) of the priors the set "
                 "replaces and of their posteriors; sources and derivations in "
                 f"priors/literature/{prior_set}.yaml (`bayes-scaling priors info "
                 f"{prior_set}`)."))


#: The model of each report kind that a prior set must cover (the ``model_type`` of the
#: class the CLI fits for that kind).
REPORT_MAIN_MODEL: dict[str, str] = {name: kind.model_type
                                     for name, kind in REPORT_KIND_REGISTRY.items()}


def check_report_prior_set(prior_set: str | None, kind: str) -> None:
    """Refuse, before any fit, a prior set that does not cover the report's main model.

    Raises
    ------
    PriorConfigError
        Unknown set, or one without priors for the main model (naming the sets that do).
    """
    from bayes_scaling.prior_sets import load_prior_set

    if prior_set is not None:
        load_prior_set(prior_set).priors_for(REPORT_MAIN_MODEL[kind])


def parameter_table(fit: xr.DataTree) -> pd.DataFrame:
    """ArviZ summary of the interpretable parameters of any fit (:data:`PARAMETERS`)."""
    names = [v for v in PARAMETERS if v in fit["posterior"]]
    return az.summary(fit, var_names=names)


def _figure(findings: Findings, name: str, caption: str, plot: Any, *args: Any,
            **kwargs: Any) -> None:
    fig, _ = plot(*args, **kwargs)
    findings.figures[name] = (fig, caption)


PROJECTION_COLUMNS = ("quantity", "level", "domain", "curve", "target", "target_value",
                      "current_size", "p_reachable", "median", "lower", "upper", "status")
DEGREE_COLUMNS = ("level", "domain", "curve", "median", "lower", "upper",
                  "p_above_theory_bound")


def _shown(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    return [c for c in columns if c in frame.columns]


def _with_target_notes(note: str, projection: xr.Dataset) -> str:
    """A table note plus, for targets about some curves only, which curves have no row."""
    notes = [f"Note: {n}." for n in projection.attrs.get("target_notes", [])]
    return " ".join([note, *notes]).strip()


#: The form of the hierarchical learning-curve fit (what its projections assume).
PROJECTED_FORM = "power_law_irreducible"
#: Log Bayes factor (nats) against the projected form from which the report's first lines
#: say that the comparison rejects it: 3 nats is "strong" on Kass & Raftery's scale
#: (2 log BF > 6), counted after subtracting 2 Monte Carlo standard errors.
REJECTED_FORM_LOG_BF = 3.0


def _averaged_forms_projection(found: Findings, targets: list[str]) -> None:
    """The growth projection of the compared forms averaged by their stacking weights (a
    table), and, when the evidence strongly favours another form over the one the
    hierarchical projection assumes, a caveat saying so and pointing to that table."""
    from bayes_scaling.comparison import average_projection
    from bayes_scaling.projection import project_form_growth, summarize_projection

    comparison = found.comparison
    weighting = "stacking" if "stacking" in comparison.weights else "evidence"
    weights = comparison.weights[weighting].to_dict()
    projections = {name: project_form_growth(fit, targets)
                   for name, fit in comparison.fits.items()}
    averaged = summarize_projection(average_projection(projections, weights))
    shown_weights = ", ".join(f"{name} {w:.2f}" for name, w in weights.items())
    found.tables.append(Table(
        "projection_forms_averaged", "projections",
        f"Growth to reach the targets, averaged over the compared forms ({weighting} "
        "weights)", averaged, show=_shown(averaged, PROJECTION_COLUMNS),
        rows="level != 'curve'",
        note=f"Each form fitted per curve by SMC (no pooling, no discrepancy term); "
             f"weights: {shown_weights}."))
    evidence = comparison.evidence
    if evidence is None or PROJECTED_FORM not in evidence.index:
        return
    best = evidence.index[0]
    log_bf = float(evidence.loc[best, "log_evidence"] - evidence.loc[PROJECTED_FORM,
                                                                      "log_evidence"])
    se = float(np.hypot(evidence.loc[best, "log_evidence_se"],
                        evidence.loc[PROJECTED_FORM, "log_evidence_se"]))
    if best != PROJECTED_FORM and log_bf - 2 * se > REJECTED_FORM_LOG_BF:
        found.caveats.append(
            f"The form comparison favours `{best}` over `{PROJECTED_FORM}`, the form the "
            f"hierarchical projections assume, by {log_bf:.1f} +/- {se:.1f} nats of log "
            f"evidence (per-curve fits without the discrepancy term). Read the growth "
            f"projections with that in mind; the table 'averaged over the compared forms' "
            f"({weighting} weights: {shown_weights}) gives the projection of the forms the "
            "data prefer.")


def learning_curve_findings(data: ScalingData, *, sampler: SamplerConfig, smc: SMCConfig,
                            targets: Sequence[str], forms: Sequence[str],
                            hypotheses: Sequence[str] | None,
                            compute_growth_per_year: float | None,
                            prior_set: str | None = None,
                            blocks: BlockRunner | None = None) -> Findings:
    """Learning curves (+ model size), projections, form comparison, hypotheses; the SMC
    blocks of the comparison and the hypotheses run where ``blocks`` says."""
    blocks = blocks or BlockRunner()
    from bayes_scaling.comparison import compare_forms
    from bayes_scaling.fit_projection import degree_posterior
    from bayes_scaling.models import HierarchicalLearningCurve, HierarchicalModelSize
    from bayes_scaling.plotting import (
        plot_degree,
        plot_learning_curves,
        plot_model_comparison,
        plot_model_size,
        plot_projection_forest,
    )
    from bayes_scaling.projection import project_growth, summarize_projection

    found = Findings(LEARNING_CURVE_REPORT, "HierarchicalLearningCurve")
    found.add_fit("learning_curve", HierarchicalLearningCurve(
        data, prior_set=covered_prior_set(prior_set, HierarchicalLearningCurve.model_type),
    ).fit(sampler))
    fit = found.fits["learning_curve"]
    size_fit = None
    if has_width_sweep(data):
        found.model += " + HierarchicalModelSize"
        found.add_fit("model_size", HierarchicalModelSize(
            data, prior_set=covered_prior_set(prior_set, HierarchicalModelSize.model_type),
        ).fit(sampler))
        size_fit = found.fits["model_size"]
    found.tables.append(Table("parameters", "parameters", "Learning-curve parameters",
                              parameter_table(fit), index=True))
    add_prior_set_findings(found, prior_set)
    projection = project_growth(fit, list(targets), model_size_fit=size_fit,
                                compute_growth_per_year=compute_growth_per_year)
    growth = summarize_projection(projection)
    found.tables.append(Table(
        "projection", "projections", "Growth to reach the targets", growth,
        show=_shown(growth, PROJECTION_COLUMNS), rows="level != 'curve'",
        note=_with_target_notes("Domain (best curve) and population rows; every curve is "
                                "in the CSV.", projection)))
    _figure(found, "learning_curves", "Learning curves with credible bands (dashed and hatched:"
            " extrapolation)", plot_learning_curves, fit, targets=list(targets))
    _figure(found, "projection_forest", "Data growth to reach each target, per domain",
            plot_projection_forest, growth, targets=list(targets))
    if size_fit is not None:
        found.tables.append(Table("model_size_parameters", "parameters",
                                  "Model-size parameters", parameter_table(size_fit),
                                  index=True))
        degree = degree_posterior(fit, projection=projection)
        found.tables.append(Table("degree", "projections",
                                  "Implied compute-polynomial degree k = (1 + beta_p) / beta_g",
                                  degree.table, show=_shown(degree.table, DEGREE_COLUMNS)))
        _figure(found, "model_size", "Best model size per shard and s(m) with bands",
                plot_model_size, size_fit)
        _figure(found, "degree", "Posterior of the implied degree k (Thompson's bound 4 "
                "dashed)", plot_degree, degree)
    if len(forms) >= 2:
        found.comparison = compare_forms(data, list(forms), methods=("evidence", "loo"),
                                         smc=smc, **blocks.kwargs())
        found.add_problems("form comparison", found.comparison.problems)
        _figure(found, "model_comparison", "Functional forms by evidence (log Bayes factor, "
                "2 Monte Carlo SE) and PSIS-LOO", plot_model_comparison, found.comparison)
        _averaged_forms_projection(found, list(targets))
    applicable = ["irreducible-error"]
    if (data.frame.groupby("domain")["curve"].nunique() >= 2).any():
        applicable.append("shared-exponent")
    _hypotheses(found, data, applicable if hypotheses is None else list(hypotheses), smc,
                blocks)
    return found


def _hypotheses(found: Findings, data: ScalingData, names: Sequence[str],
                smc: SMCConfig, blocks: BlockRunner | None = None) -> None:
    reuse = found.comparison.fits if found.comparison is not None else None
    for name in names:
        result = _hypothesis(found, name, data, smc, reuse, blocks or BlockRunner())
        found.hypotheses.append(result)
        key = f"hypothesis_{name}"
        found.tables.append(Table(key, "comparison",
                                  f"Hypothesis {name!r}: H1 {result.hypothesis.h1} vs "
                                  f"H0 {result.hypothesis.h0}", result.by_domain,
                                  show=["domain", "log_bayes_factor", "se", "prob_h1",
                                        "prob_low", "prob_high", "favours", "strength"]))
        _figure(found, key, f"Evidence for hypothesis {name!r}", _plot_comparison,
                result.comparison)


def _plot_comparison(comparison: Any) -> Any:
    from bayes_scaling.plotting import plot_model_comparison

    return plot_model_comparison(comparison)


def _hypothesis(found: Findings, name: str, data: ScalingData, smc: SMCConfig,
                reuse: Any, blocks: BlockRunner) -> Any:
    from bayes_scaling.comparison.hypotheses import test_hypothesis

    result = test_hypothesis(name, data, smc=smc, loo=False, fits=reuse, **blocks.kwargs())
    found.add_problems(f"hypothesis {name}", result.problems)
    return result


def compute_findings(data: ScalingData, *, sampler: SamplerConfig, smc: SMCConfig,
                     targets: Sequence[str], hypotheses: Sequence[str] | None,
                     prior_set: str | None = None,
                     blocks: BlockRunner | None = None) -> Findings:
    """Thompson-style compute scaling: degree k, compute to targets, progress, hypothesis."""
    from bayes_scaling.compute_projection import (
        project_compute_growth,
        summarize_algorithmic_progress,
    )
    from bayes_scaling.fit_projection import degree_posterior
    from bayes_scaling.models import HierarchicalComputeScaling
    from bayes_scaling.plotting import (
        plot_compute_scaling,
        plot_degree,
        plot_projection_forest,
    )
    from bayes_scaling.projection import summarize_projection

    trend = "year" in data.frame
    found = Findings(COMPUTE_SCALING_REPORT, "HierarchicalComputeScaling (polynomial"
                     + (", year trend)" if trend else ")"))
    found.add_fit(COMPUTE_SCALING, HierarchicalComputeScaling(
        data, trend=trend, prior_set=prior_set).fit(sampler))
    fit = found.fits[COMPUTE_SCALING]
    found.tables.append(Table("parameters", "parameters", "Compute-scaling parameters",
                              parameter_table(fit), index=True))
    add_prior_set_findings(found, prior_set)
    degree = degree_posterior(fit)
    found.tables.append(Table("degree", "projections", "Fitted compute-polynomial degree k",
                              degree.table, show=_shown(degree.table, DEGREE_COLUMNS)))
    projection = project_compute_growth(fit, list(targets))
    growth = summarize_projection(projection)
    found.tables.append(Table("projection", "projections",
                              "Compute growth (factor over the largest budget) to reach the "
                              "targets", growth, show=_shown(growth, PROJECTION_COLUMNS),
                              note=_with_target_notes("", projection)))
    if trend:
        progress = summarize_algorithmic_progress(fit)
        found.tables.append(Table("algorithmic_progress", "projections",
                                  "Algorithmic progress (year trend) in compute terms", progress,
                                  show=_shown(progress, ("curve", "quantity", "median", "lower",
                                                         "upper", "p_progress"))))
        found.notes.append("With the year trend the law is evaluated at each curve's latest "
                           "year.")
    _figure(found, COMPUTE_SCALING, "Error vs training compute with credible bands",
            plot_compute_scaling, fit, targets=list(targets))
    _figure(found, "degree", "Posterior of the degree k per benchmark (bound 4 dashed)",
            plot_degree, degree)
    _figure(found, "projection_forest", "Compute growth to reach each target, per curve",
            plot_projection_forest, growth, targets=list(targets), level="curve")
    _hypotheses(found, data, ["polynomial-vs-exponential"] if hypotheses is None
                else list(hypotheses), smc, blocks)
    return found


#: The name of the joint law's fit in a report (``fits/joint.nc``, the
#: ``diagnostics_joint`` figure): a file name that happens to equal the kind's name.
JOINT_FIT: Final = "joint"


def expansion_caveat(fit: xr.DataTree) -> str | None:
    """What the report says first when a joint-law fit was expanded to its discrepancy
    (the fit's ``model_expansion`` attr, :meth:`JointScalingLaw.fit
    <bayes_scaling.models.JointScalingLaw.fit>`); ``None`` when it was not."""
    expansion = json.loads(fit.attrs.get("model_expansion", "{}"))
    if not expansion.get("expanded"):
        return None
    return ("The plain joint law's fit failed its diagnostics (max R-hat "
            f"{expansion['plain']['max_rhat']:.3f} after the automatic remedy), so the law was "
            "refitted with its discrepancy term (Normal likelihood), which did better "
            f"(max R-hat {expansion['discrepancy']['max_rhat']:.3f}); every number below is "
            "from that fit (JointScalingLaw.fit, model_expansion attr).")


def joint_findings(data: ScalingData, *, sampler: SamplerConfig, targets: Sequence[str],
                   dataset: str | None, prior_set: str | None = None) -> Findings:
    """Chinchilla-style joint law: allocation, compute to targets, published fits."""
    from bayes_scaling.allocation import compute_optimal_allocation, summarize_allocation
    from bayes_scaling.fit_projection import project_fit
    from bayes_scaling.models import JointScalingLaw
    from bayes_scaling.models.joint import reference_comparison
    from bayes_scaling.plotting import plot_joint_scaling, plot_projection_forest

    found = Findings(JOINT_REPORT, "JointScalingLaw")
    found.add_fit(JOINT_FIT, JointScalingLaw(data, prior_set=prior_set).fit(sampler))
    fit = found.fits[JOINT_FIT]
    caveat = expansion_caveat(fit)
    if caveat:
        found.caveats.append(caveat)
    found.tables.append(Table("parameters", "parameters", "Joint-law parameters",
                              parameter_table(fit), index=True))
    add_prior_set_findings(found, prior_set)
    if dataset == "chinchilla-epoch2024":
        found.tables.append(Table("published_fits", "parameters",
                                  "Posterior vs the published fits (Epoch 2024, Hoffmann 2022)",
                                  reference_comparison(fit), index=True))
    need, table = project_fit(fit, list(targets))
    found.tables.append(Table("projection", "projections",
                              "Compute (FLOP, optimal allocation) to reach the target losses",
                              table, note=_with_target_notes("", need)))
    largest = float(need["current_compute"].max())
    budgets = largest * 10.0 ** np.arange(3)
    allocation = summarize_allocation(compute_optimal_allocation(fit, budgets))
    found.tables.append(Table("allocation", "projections",
                              "Compute-optimal allocation at 1x, 10x and 100x the largest "
                              "budget", allocation,
                              show=_shown(allocation, ("curve", "compute", "quantity", "median",
                                                       "lower", "upper"))))
    _figure(found, JOINT_SCALING, "Compute-optimal loss and allocation with bands",
            plot_joint_scaling, fit, targets=list(targets))
    _figure(found, "projection_forest", "Compute to reach each target loss",
            plot_projection_forest, table, targets=list(targets))
    return found


#: The analysis of each report kind (:data:`bayes_scaling.report.kinds.REPORT_KIND_REGISTRY`),
#: called by :func:`run_findings` with the options its signature names.
FINDINGS_RUNNERS: dict[str, Callable[..., Findings]] = {
    LEARNING_CURVE_REPORT: learning_curve_findings,
    COMPUTE_SCALING_REPORT: compute_findings,
    JOINT_REPORT: joint_findings,
}


def run_findings(kind: str, data: ScalingData, *, sampler: SamplerConfig, smc: SMCConfig,
                 targets: Sequence[str], forms: Sequence[str] = DEFAULT_FORMS,
                 hypotheses: Sequence[str] | None = None,
                 compute_growth_per_year: float | None = None,
                 dataset: str | None = None, prior_set: str | None = None,
                 blocks: BlockRunner | None = None) -> Findings:
    """Run the analysis of ``kind`` (see :data:`REPORT_KINDS`); ``prior_set`` is used by the
    fits whose model it covers (the main model must be covered: checked by
    :func:`check_report_prior_set` before fitting); the SMC blocks of comparisons and
    hypotheses run where ``blocks`` says (default: local processes).

    The kind's runner (:data:`FINDINGS_RUNNERS`) is given the options its signature names
    (e.g. ``forms`` for learning curves, ``dataset`` for the joint law); the others do not
    apply to the kind.

    Raises
    ------
    ModelConfigError
        ``kind`` is not a report kind.
    """
    runner = FINDINGS_RUNNERS[report_kind(kind).name]
    options: dict[str, Any] = {
        "sampler": sampler, "smc": smc, "targets": targets, "forms": forms,
        "hypotheses": hypotheses, "compute_growth_per_year": compute_growth_per_year,
        "dataset": dataset, "prior_set": prior_set, "blocks": blocks}
    accepted = inspect.signature(runner).parameters
    return runner(data, **{name: value for name, value in options.items() if name in accepted})
