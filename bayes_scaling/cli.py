"""``bayes-scaling``: a thin command-line skin over the library API.

Machine-readable results go to files or stdout (CSV/JSON); human messages go to
stderr; errors exit with status 2 and the validation message, diagnostics problems
are reported loudly (and with ``--strict`` exit with status 3).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bayes_scaling import __version__
from bayes_scaling.errors import (
    BayesScalingError,
    ComparisonWarning,
    FitDiagnosticsWarning,
    IdentificationWarning,
)
from bayes_scaling.models import SamplerConfig, SMCConfig
from bayes_scaling.models.kinds import DEFAULT_MODEL_KIND, MODEL_KINDS
from bayes_scaling.report.demo import DEMO_SAMPLER
from bayes_scaling.report.kinds import REPORT_KINDS

if TYPE_CHECKING:
    from bayes_scaling.models.blocks import BlockRunner
    from bayes_scaling.report import ReportResult

EXIT_ERROR = 2
EXIT_DIAGNOSTICS = 3


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _finite_float(text: str) -> float:
    """argparse type: a finite number (``nan``/``inf`` are refused as usage errors)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _add_sampler_args(parser: argparse.ArgumentParser,
                      defaults: SamplerConfig | None = None) -> None:
    d = defaults or SamplerConfig()
    g = parser.add_argument_group("sampler")
    g.add_argument("--draws", type=int, default=d.draws, help="draws per chain (%(default)s)")
    g.add_argument("--tune", type=int, default=d.tune, help="tuning steps per chain (%(default)s)")
    g.add_argument("--chains", type=int, default=d.chains, help="chains (%(default)s)")
    g.add_argument("--target-accept", type=_finite_float, default=d.target_accept,
                   help="NUTS target acceptance (default: the model's own, 0.99 for the "
                        "hierarchical learning-curve and model-size models)")
    g.add_argument("--sampler", choices=["nutpie", "pymc"], default=d.sampler,
                   help="NUTS implementation (%(default)s)")
    g.add_argument("--seed", type=int, default=d.seed, help="random seed (%(default)s)")
    g.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    g.add_argument("--auto-remedy", action=argparse.BooleanOptionalAction, default=None,
                   help="if diagnostics fail, refit with target acceptance 0.99 then 0.995 and "
                        "twice the tuning; keep the best attempt (all are logged). Default: on "
                        "for full-length runs (--draws and --tune of at least 1000), off for "
                        "shorter ones")


def _add_block_args(parser: argparse.ArgumentParser) -> None:
    """``--jobs`` and ``--scheduler``: where the SMC blocks run (:func:`_executor`)."""
    parser.add_argument("--jobs", type=int, default=None,
                        help="local worker processes for the SMC blocks (default: every "
                             "core, or BAYES_SCALING_JOBS; 1 runs them in this process)")
    parser.add_argument("--scheduler", default=None,
                        help="run the SMC blocks on Dask: a scheduler address "
                             "(tcp://host:8786) or 'local' for a LocalCluster here")


def _add_smc_args(parser: argparse.ArgumentParser) -> None:
    from bayes_scaling.report import REPORT_SMC

    g = parser.add_argument_group("SMC (form comparison and hypotheses)")
    g.add_argument("--smc-draws", type=int, default=REPORT_SMC.draws,
                   help="SMC particles per chain (%(default)s)")
    g.add_argument("--smc-chains", type=int, default=REPORT_SMC.chains,
                   help="SMC chains (%(default)s)")
    g.add_argument("--smc-seed", type=int, default=REPORT_SMC.seed,
                   help="SMC random seed (%(default)s)")


def _smc(args: argparse.Namespace) -> SMCConfig:
    return SMCConfig(draws=args.smc_draws, chains=args.smc_chains, seed=args.smc_seed)


def _names(text: str | None) -> list[str] | None:
    """A comma-separated option: None when not given, [] for 'none'."""
    if text is None:
        return None
    return [] if text.strip().lower() == "none" else [t.strip() for t in _split_forms(text)
                                                       if t.strip()]


def _sampler(args: argparse.Namespace) -> SamplerConfig:
    return SamplerConfig(draws=args.draws, tune=args.tune, chains=args.chains,
                         target_accept=args.target_accept, sampler=args.sampler, seed=args.seed,
                         progressbar=not args.no_progress and sys.stderr.isatty(),
                         auto_remedy=args.auto_remedy)


#: Help of ``--prior-set`` (fit, report).
PRIOR_SET_HELP = ("literature prior set replacing the default priors it names (exponents, "
                  "model-size exponent); see `bayes-scaling priors list`. Precedence: --priors "
                  "> --prior-set > data-driven > packaged defaults")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bayes-scaling",
        description="Bayesian inference of neural scaling laws.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="the report on the embedded dataset (results/demo)")
    demo.add_argument("--out", default="results/demo", help="report folder (%(default)s)")
    demo.add_argument("--force", action="store_true", help="replace an earlier demo/report")
    demo.add_argument("--strict", action="store_true", help="exit 3 on diagnostics problems")
    _add_sampler_args(demo, DEMO_SAMPLER)
    _add_smc_args(demo)
    _add_block_args(demo)

    report = sub.add_parser(
        "report", help="fit, check, project and compare; write a report folder",
        description="Fit -> diagnostics -> projections -> comparison, written as a report "
                    "folder (report.md/.html, fits, CSV tables, PNG+SVG figures, manifest.json)."
                    " The analysis follows the table: learning curves (+ model size with a "
                    "width sweep), compute scaling (Thompson tables) or the joint law "
                    "(Chinchilla).")
    report.add_argument("data", help="tidy CSV file, or a registered dataset name")
    report.add_argument("--out", required=True, help="report folder to create")
    report.add_argument("--model", choices=list(REPORT_KINDS),
                        default=None, help="the analysis (default: chosen by the table)")
    report.add_argument("--target", action="append", default=None,
                        help="absolute, relative (x0.5) or named target; repeatable (default "
                             "by model: x0.8,x0.5; imagenet-top1-5pct on ImageNet; x0.95,x0.9)")
    report.add_argument("--forms", default=None,
                        help="learning curves: comma-separated forms compared by evidence and "
                             "LOO, or 'none' (default power_law,power_law_irreducible,"
                             "three_region)")
    report.add_argument("--hypotheses", default=None,
                        help="comma-separated named hypotheses, or 'none' (default: those "
                             "that apply to the table)")
    report.add_argument("--compute-growth-per-year", type=_finite_float, default=None,
                        help="learning curves with a width sweep: adds years-to-target")
    report.add_argument("--exclude-unfittable", action="store_true",
                        help="leave out curves that cannot be fitted (one size, or the same "
                             "metric at every point) and analyse the rest; the report lists "
                             "what was left out and why")
    report.add_argument("--prior-set", default=None, metavar="NAME",
                        help=PRIOR_SET_HELP + "; used by every fit whose model it covers, shown "
                             "next to the posteriors")
    report.add_argument("--mirror", help="offline mirror folder for public datasets")
    report.add_argument("--force", action="store_true", help="replace an earlier report")
    report.add_argument("--strict", action="store_true", help="exit 3 on diagnostics problems")
    _add_sampler_args(report)
    _add_smc_args(report)
    _add_block_args(report)

    fit = sub.add_parser("fit", help="fit a scaling model to a tidy CSV or registered dataset")
    fit.add_argument("data", help="tidy CSV file, or a registered dataset name")
    fit.add_argument("--out", required=True, help="fit file to write (.nc)")
    fit.add_argument("--model", choices=list(MODEL_KINDS),
                     default=DEFAULT_MODEL_KIND,
                     help="learning-curve: error vs data (default); model-size: best model "
                          "size vs data from a width sweep; compute-scaling: error vs "
                          "training compute (Thompson degree k); joint: L(N, D) Chinchilla law")
    fit.add_argument("--robust", action=argparse.BooleanOptionalAction, default=None,
                     help="Student-t likelihood (default for compute-scaling and joint); "
                          "--no-robust: Normal")
    fit.add_argument("--size-effect", action="store_true", default=None,
                     help="joint: one offset of the log loss per fitted model size of a "
                          "curve, shared by its rows (checkpoints of one run); a new model "
                          "size draws a new one (see SIZE_EFFECT_MEASUREMENTS)")
    fit.add_argument("--form", choices=["polynomial", "exponential"], default=None,
                     help="compute-scaling form (default polynomial)")
    fit.add_argument("--trend", action="store_true", default=None,
                     help="compute-scaling: add a per-year trend (algorithmic progress)")
    fit.add_argument("--frontier", action="store_true", default=None,
                     help="compute-scaling: fit the upper envelope (frontier) only")
    fit.add_argument("--exclude-unfittable", action="store_true",
                     help="leave out curves that cannot be fitted (one size, or the same "
                          "metric at every point) and fit the rest, instead of refusing the "
                          "table; what was left out and why is printed and stored in the "
                          "fit's excluded_curves attr")
    fit.add_argument("--priors", help="YAML file overriding the packaged priors (and the "
                                      "prior set's)")
    fit.add_argument("--prior-set", default=None, metavar="NAME", help=PRIOR_SET_HELP)
    fit.add_argument("--mirror", help="offline mirror folder for public datasets")
    fit.add_argument("--force", action="store_true", help="replace an existing fit file")
    fit.add_argument("--strict", action="store_true", help="exit 3 on diagnostics problems")
    _add_sampler_args(fit)

    project = sub.add_parser("project", help="growth (or compute) needed to reach targets")
    project.add_argument("fit", help="fit file (.nc)")
    project.add_argument("--target", action="append", required=True,
                         help="absolute (0.05), relative (x0.5) or named target "
                              "(see priors/targets.yaml); repeatable")
    project.add_argument("--model-size-fit",
                         help="model-size fit of the same table: adds model and compute "
                              "growth and the implied degree k")
    project.add_argument("--compute-growth-per-year", type=_finite_float,
                         help="assumed growth of compute per year: adds years-to-target")
    project.add_argument("--degree-out", help="CSV file for the implied degree k table")
    project.add_argument("--out", help="CSV file to write (default: CSV on stdout)")
    project.add_argument("--ci-prob", type=_finite_float, default=None,
                         help="interval probability (default: ArviZ's stats.ci_prob)")
    project.add_argument("--force", action="store_true", help="replace an existing file")

    predict = sub.add_parser(
        "predict", help="posterior-predictive median and central intervals of the metric "
                        "(the best model size for model-size fits) at new rows (a curve the "
                        "fit has not seen gets its domain's population predictive where "
                        "curves are pooled), from one fit or averaged over the forms of a "
                        "comparison folder")
    predict.add_argument("fit", help="fit file (.nc) of a learning-curve, joint, compute or "
                                     "model-size fit; or a folder written by `compare ... "
                                     "--out DIR --save-fits`: the forms' predictive averaged "
                                     "by their weights")
    predict.add_argument("--weighting", choices=["stacking", "evidence"], default=None,
                         help="with a comparison folder: the weights of the average "
                              "(default stacking)")
    predict.add_argument("--data", required=True,
                         help="CSV of rows to predict at: domain, curve and the fit's size "
                              "column(s) (data; params and data for the joint law; compute, "
                              "and year with a trend); a column of what is predicted, if "
                              "present, is kept beside")
    predict.add_argument("--prob", action="append", type=_finite_float, default=None,
                         help="central interval probability in (0, 1); repeatable "
                              "(default 0.5 and 0.9)")
    predict.add_argument("--seed", type=int, default=2026, help="seed of the predictive draws")
    predict.add_argument("--out", help="CSV file to write (default: CSV on stdout)")
    predict.add_argument("--force", action="store_true", help="replace an existing file")

    design = sub.add_parser(
        "design", help="rank candidate next runs by the expected narrowing of a projection's "
                       "interval per unit of compute (learning curves, joint law)",
        description="Preposterior analysis on the fit's posterior (importance reweighting, "
                    "no refit): for each candidate, simulate its outcome from the posterior "
                    "predictive, reweight the draws and measure the projection's interval.")
    design.add_argument("fit", help="fit file (.nc) of a learning-curve or joint-law fit")
    design.add_argument("--target", required=True,
                        help="one target: absolute (0.05), relative (x0.5) or named")
    design.add_argument("--candidates", required=True,
                        help="CSV of candidate runs: domain, curve (a fitted curve), data "
                             "(learning curve) or params and data (joint law), optional cost "
                             "(else 6 x params x data FLOP, or the training-set size)")
    design.add_argument("--of", dest="projection_of", default=None,
                        help="curve (domain/curve) or domain whose projection to narrow "
                             "(needed when the fit has several curves and domains)")
    design.add_argument("--out", required=True, help="CSV file of the ranked candidates")
    design.add_argument("--plot", dest="plot_out", help="image file of the ranking (optional)")
    design.add_argument("--outcomes", type=int, default=32,
                        help="simulated outcomes per candidate (%(default)s)")
    design.add_argument("--replicates", type=int, default=16,
                        help="predictive draws per posterior draw (%(default)s)")
    design.add_argument("--max-draws", type=int, default=400,
                        help="posterior draws used, thinned evenly (%(default)s)")
    design.add_argument("--ci-prob", type=_finite_float, default=None,
                        help="interval probability (default: ArviZ's stats.ci_prob)")
    design.add_argument("--seed", type=int, default=2026, help="random seed (%(default)s)")
    design.add_argument("--overwrite", "--force", dest="force", action="store_true",
                        help="replace existing output files")

    plot = sub.add_parser("plot", help="plot a fit with credible bands (the plot matches the "
                                       "fit's model), or its forest/degree/diagnostics plot")
    plot.add_argument("fit", help="fit file (.nc)")
    plot.add_argument("--out", required=True, help="image file (.png, .svg, .pdf)")
    plot.add_argument("--kind", choices=["fit", "forest", "degree", "diagnostics"],
                      default="fit",
                      help="fit: the fit's curves (learning curve, model size, compute "
                           "scaling or joint law; default); forest: growth to reach the "
                           "targets; degree: posterior of k; diagnostics: rank plots")
    plot.add_argument("--target", action="append", default=[], help="target; repeatable")
    plot.add_argument("--model-size-fit",
                      help="model-size fit: model/compute growth (forest), implied k (degree)")
    plot.add_argument("--extrapolate", type=_finite_float, default=None,
                      help="extend curves to this multiple of the largest size (default: 10 "
                           "for learning curves and model size, 100 for compute)")
    plot.add_argument("--force", action="store_true", help="replace an existing file")

    compare = sub.add_parser(
        "compare", help="compare functional forms by evidence, PSIS-LOO and leave-future-out",
        description="Fit each form with SMC and compare them; or test a named hypothesis.")
    compare.add_argument("data", help="tidy CSV file, or a registered dataset name")
    what = compare.add_mutually_exclusive_group(required=True)
    what.add_argument("--forms", help="comma-separated forms, e.g. power_law,"
                      "power_law_irreducible,three_region (suffixes +shared(beta), +robust)")
    what.add_argument("--hypothesis", help="a named hypothesis: shared-exponent, "
                      "polynomial-vs-exponential, irreducible-error")
    compare.add_argument("--method", default="evidence,loo,lfo",
                         help="comma-separated subset of evidence,loo,lfo (%(default)s)")
    compare.add_argument("--size", choices=["data", "params", "compute"],
                         help="size column of a CSV (default data; compute for Thompson tables)")
    compare.add_argument("--holdout-largest", type=int, default=None,
                         help="leave-future-out: hold out each curve's N largest sizes "
                              "(default: the table's split == holdout rows)")
    compare.add_argument("--weighting", choices=["stacking", "evidence"], default="stacking",
                         help="weights of the averaged model (%(default)s)")
    compare.add_argument("--evidence", choices=["smc", "bridge"], default="smc",
                         help="smc: every curve (block) by SMC; bridge: each form by one NUTS "
                              "fit of all curves, each curve's evidence by bridge sampling "
                              "(about 30x faster where NUTS samples the form; the curves "
                              "its NUTS fit fails on, or a form that diverged, by SMC) "
                              "(%(default)s)")
    compare.add_argument("--draws", type=int, default=2000, help="SMC particles per chain "
                         "(%(default)s)")
    compare.add_argument("--chains", type=int, default=4, help="SMC chains (%(default)s)")
    compare.add_argument("--seed", type=int, default=2026, help="random seed (%(default)s)")
    compare.add_argument("--mirror", help="folder holding public dataset files (offline)")
    compare.add_argument("--out", help="results folder (tables, comparison.json)")
    compare.add_argument("--save-fits", action="store_true", help="also save every fit (NetCDF)")
    compare.add_argument("--force", action="store_true", help="replace existing outputs")
    _add_block_args(compare)

    pr = sub.add_parser("priors", help="literature prior sets (--prior-set NAME): list, info")
    pr_sub = pr.add_subparsers(dest="action", required=True)
    pr_sub.add_parser("list", help="one row per set and model it covers, with its sources "
                                   "(CSV on stdout)")
    pr_info = pr_sub.add_parser("info", help="one set: every prior with its source and "
                                             "derivation (JSON on stdout)")
    pr_info.add_argument("name")

    ds = sub.add_parser("datasets", help="registered datasets: list, info, fetch")
    ds_sub = ds.add_subparsers(dest="action", required=True)
    ds_sub.add_parser("list", help="list registered datasets (CSV on stdout)")
    info = ds_sub.add_parser("info", help="describe one dataset (JSON on stdout)")
    info.add_argument("name")
    fetch = ds_sub.add_parser("fetch", help="download (or copy from a mirror) and verify")
    fetch.add_argument("name")
    fetch.add_argument("--mirror",
                       help="offline mirror folder (default: $BAYES_SCALING_DATA_MIRROR)")
    return parser


def _report_diagnostics(verdict: str, ok: bool, strict: bool) -> int:
    if ok:
        _say(f"diagnostics {verdict}")
        return 0
    _say(f"WARNING: sampler diagnostics {verdict}")
    return EXIT_DIAGNOSTICS if strict else 0


def _report_remedy(fit: object) -> None:
    """Print the automatic-remedy attempts recorded in a fit's ``remedy_log`` attr."""
    raw = getattr(fit, "attrs", {}).get("remedy_log")
    if not raw:
        return
    log = json.loads(raw)
    for entry in log["attempts"]:
        s, d = entry["settings"], entry["diagnostics"]
        mark = "kept" if entry["attempt"] == log["kept"] else "    "
        _say(f"  auto-remedy attempt {entry['attempt']} [{mark}]: target_accept "
             f"{s['target_accept']}, tune {s['tune']}, draws {s['draws']}: "
             f"{'OK' if d['ok'] else 'PROBLEMS'} ({d['divergences']} divergences, max R-hat "
             f"{d['max_rhat']:.3f}, min bulk ESS {d['min_ess_bulk']:.0f})")
    _say("auto-remedy: " + ("problems remain" if log["problems_remain"]
                            else "problems resolved"))


def _report_expansion(fit: object) -> None:
    """Say whether a joint-law fit was expanded to the discrepancy (``model_expansion``)."""
    raw = getattr(fit, "attrs", {}).get("model_expansion")
    if not raw:
        return
    record = json.loads(raw)
    plain, expanded = record["plain"], record["discrepancy"]
    _say(f"the plain law failed its diagnostics (max R-hat {plain['max_rhat']:.3f}); refitted "
         f"with the discrepancy term (max R-hat {expanded['max_rhat']:.3f}): kept the "
         + ("fit with the discrepancy" if record["expanded"] else "plain law's fit"))


def _cmd_demo(args: argparse.Namespace) -> int:
    from bayes_scaling.report.demo import DEMO_DATASET, run_demo

    _say(f"bayes-scaling demo: the report on the embedded dataset {DEMO_DATASET!r}: two NUTS "
         "fits, a comparison of three forms and two hypotheses by SMC (~4 min on 2 cores) ...")
    with _executor(args) as blocks:
        result = run_demo(args.out, sampler=_sampler(args), smc=_smc(args),
                          overwrite=args.force, command=["bayes-scaling", *args.argv],
                          blocks=blocks)
    return _finish_report(result, args.strict)


def _cmd_report(args: argparse.Namespace) -> int:
    from bayes_scaling.report import build_report
    from bayes_scaling.report.analyses import DEFAULT_FORMS

    forms = _names(args.forms)
    _say(f"bayes-scaling report: {args.data} -> {args.out} (fits, projections, comparison) ...")
    with _executor(args) as blocks:
        result = build_report(args.data, args.out, model=args.model, sampler=_sampler(args),
                              smc=_smc(args), targets=args.target,
                              forms=DEFAULT_FORMS if forms is None else forms,
                              hypotheses=_names(args.hypotheses),
                              compute_growth_per_year=args.compute_growth_per_year,
                              exclude_unfittable=args.exclude_unfittable,
                              overwrite=args.force, mirror=args.mirror,
                              command=["bayes-scaling", *args.argv],
                              prior_set=args.prior_set, blocks=blocks)
    return _finish_report(result, args.strict)


def _finish_report(result: ReportResult, strict: bool) -> int:
    for name, path in result.files.items():
        if ":" not in name or name.startswith("fit:"):
            _say(f"  {name:18s} {path}")
    out = result.out_dir.resolve()
    _say(f"report written to {out} (report.md; every file is listed in manifest.json)")
    for problem in result.problems:
        _say(f"  comparison problem: {problem}")
    print(out)
    return _report_diagnostics(result.diagnostics, result.ok, strict)


def _cmd_fit(args: argparse.Namespace) -> int:
    from bayes_scaling.diagnostics import fit_report
    from bayes_scaling.files import ensure_writable
    from bayes_scaling.io import save_fit
    from bayes_scaling.models.kinds import fit_model

    out = ensure_writable(args.out, overwrite=args.force)  # refuse before sampling
    _say(f"fitting the {args.model} model to {args.data} ...")
    if args.prior_set:
        _say(f"priors: literature set {args.prior_set!r} over the packaged defaults (sources: "
             f"bayes-scaling priors info {args.prior_set})")
    fit = fit_model(args.model, args.data, sampler=_sampler(args), priors=args.priors,
                    mirror=args.mirror, exclude_unfittable=args.exclude_unfittable,
                    robust=args.robust, form=args.form, trend=args.trend,
                    frontier=args.frontier, prior_set=args.prior_set,
                    size_effect=args.size_effect)
    save_fit(fit, out, overwrite=args.force)
    report = fit_report(fit)
    _say(f"fit written to {out}")
    print(out)
    _report_remedy(fit)
    _report_expansion(fit)
    return _report_diagnostics(report.verdict, report.ok, args.strict)


def _cmd_project(args: argparse.Namespace) -> int:
    from bayes_scaling.files import write_atomic
    from bayes_scaling.fit_projection import project_fit
    from bayes_scaling.io import load_fit
    from bayes_scaling.projection import summarize_degree

    fit = load_fit(args.fit)
    size_fit = load_fit(args.model_size_fit) if args.model_size_fit else None
    for given, name in ((args.degree_out, "--degree-out"),
                        (args.compute_growth_per_year, "--compute-growth-per-year")):
        if given is not None and size_fit is None:  # would be silently ignored otherwise
            _say(f"error: {name} needs --model-size-fit")
            return EXIT_ERROR
    projection, table = project_fit(fit, args.target, model_size_fit=size_fit,
                                    compute_growth_per_year=args.compute_growth_per_year,
                                    ci_prob=args.ci_prob)
    for note in projection.attrs.get("target_notes", []):  # targets for some curves only
        _say(f"note: {note}")
    if args.degree_out:
        degree = summarize_degree(projection, ci_prob=args.ci_prob)
        write_atomic(args.degree_out, lambda p: degree.to_csv(p, index=False),
                     overwrite=args.force)
        _say(f"implied degree table written to {args.degree_out}")
    if args.out:
        write_atomic(args.out, lambda p: table.to_csv(p, index=False), overwrite=args.force)
        _say(f"projection table written to {args.out}")
    else:
        table.to_csv(sys.stdout, index=False)
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    from bayes_scaling.data import read_csv_checked
    from bayes_scaling.files import ensure_writable, write_atomic
    from bayes_scaling.io import load_fit
    from bayes_scaling.prediction import predict

    folder = Path(args.fit).is_dir()
    if args.weighting is not None and not folder:
        raise BayesScalingError(
            f"--weighting applies to a comparison folder (written by `bayes-scaling compare "
            f"... --out DIR --save-fits`); {args.fit} is not a folder: drop --weighting to "
            "predict from this one fit")
    if args.out:
        ensure_writable(args.out, overwrite=args.force)  # refuse before drawing
    if folder:
        table = _predict_average(args)
    else:
        fit = load_fit(args.fit)
        table = predict(fit, read_csv_checked(args.data), probs=args.prob, seed=args.seed)
    new = int((table["curve_status"] != "fitted").sum())
    if new:
        _say(f"note: {new} row(s) are of curves the fit has not seen: they get the "
             "population predictive of a new curve of their domain (curve_status column)")
    if args.out:
        write_atomic(args.out, lambda p: table.to_csv(p, index=False), overwrite=args.force)
        _say(f"predictions for {len(table)} row(s) written to {args.out}")
    else:
        table.to_csv(sys.stdout, index=False)
    return 0


def _predict_average(args: argparse.Namespace) -> Any:
    """``predict FOLDER``: the forms of a saved comparison, averaged by ``--weighting``."""
    from bayes_scaling.comparison import load_comparison_fits
    from bayes_scaling.data import read_csv_checked

    saved = load_comparison_fits(args.fit)
    weighting = args.weighting or "stacking"
    weights = saved.weights_for(weighting)  # refused before reading the rows if absent
    table = saved.predict(read_csv_checked(args.data), weighting=weighting, probs=args.prob,
                          seed=args.seed)
    counts = table.attrs.get("counts", {})
    used = ", ".join(f"{form} {w:.3g} ({counts.get(form, 0)} draws)"
                     for form, w in sorted(weights.items(), key=lambda kv: -kv[1]))
    _say(f"averaged over {len(weights)} forms of {args.fit} by {weighting} weights: {used}")
    # every row's curve was fitted (the forms have no population for a new curve): the
    # columns of a single fit's prediction
    table.insert(table.columns.get_loc("extrapolation"), "curve_status", "fitted")
    return table


def _cmd_design(args: argparse.Namespace) -> int:
    from bayes_scaling.data import read_csv_checked
    from bayes_scaling.design import rank_candidates
    from bayes_scaling.files import ensure_writable, write_atomic
    from bayes_scaling.io import load_fit

    for path in (args.out, args.plot_out):
        if path:
            ensure_writable(path, overwrite=args.force)  # refuse before any sampling
    fit = load_fit(args.fit)
    table = rank_candidates(fit, args.target, read_csv_checked(args.candidates),
                            projection_of=args.projection_of, outcomes=args.outcomes,
                            replicates=args.replicates, max_draws=args.max_draws,
                            ci_prob=args.ci_prob, seed=args.seed)
    write_atomic(args.out, lambda p: table.to_csv(p, index=False), overwrite=args.force)
    _say(f"{len(table)} candidate(s) ranked for the projection of {table.attrs['projection_of']}"
         f" ({table.attrs['quantity']}, target {args.target}); written to {args.out}")
    flagged = int(table["refit_recommended"].sum())
    if flagged:
        _say(f"note: {flagged} candidate(s) have degenerate importance weights "
             "(refit_recommended): their numbers are unreliable")
    if args.plot_out:
        _write_design_plot(table, args.plot_out, overwrite=args.force)
        _say(f"plot written to {args.plot_out}")
    return 0


def _write_design_plot(table: Any, out: str, *, overwrite: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bayes_scaling.files import write_atomic
    from bayes_scaling.plotting.design import plot_design

    fig, _ = plot_design(table)
    suffix = Path(out).suffix.lstrip(".") or "png"
    try:
        write_atomic(out, lambda p: fig.savefig(p, format=suffix), overwrite=overwrite)
    finally:
        plt.close(fig)


def _cmd_plot(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backend_bases import FigureCanvasBase

    from bayes_scaling.figures import plot_fit
    from bayes_scaling.files import write_atomic
    from bayes_scaling.io import load_fit

    fmt = Path(args.out).suffix.lstrip(".").lower() or "png"
    formats = FigureCanvasBase.get_supported_filetypes()
    if fmt not in formats:  # checked first: matplotlib would fail only after plotting
        _say(f"error: cannot write a {fmt!r} image ({args.out}); use one of "
             f"{sorted(formats)}")
        return EXIT_ERROR
    fit = load_fit(args.fit)
    size_fit = load_fit(args.model_size_fit) if args.model_size_fit else None
    before = set(plt.get_fignums())
    try:
        fig, _ = plot_fit(fit, kind=args.kind, targets=args.target, model_size_fit=size_fit,
                          extrapolate=args.extrapolate)
        write_atomic(args.out, lambda p: fig.savefig(p, dpi=150, format=fmt),
                     overwrite=args.force)
    finally:  # also the figure of a plot that failed half-way (it would stay open)
        for number in set(plt.get_fignums()) - before:
            plt.close(number)
    _say(f"plot written to {args.out}")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from bayes_scaling.comparison import compare_forms
    from bayes_scaling.comparison.hypotheses import test_hypothesis
    from bayes_scaling.datasets import resolve_table
    from bayes_scaling.files import ensure_writable

    smc = SMCConfig(draws=args.draws, chains=args.chains, seed=args.seed)
    if args.out:
        ensure_writable(Path(args.out) / "comparison.json", overwrite=args.force)
    if args.hypothesis:
        from bayes_scaling.comparison.hypotheses import HYPOTHESES

        if args.hypothesis not in HYPOTHESES:
            raise BayesScalingError(f"unknown hypothesis {args.hypothesis!r}; valid: "
                                    f"{sorted(HYPOTHESES)}")
        size = args.size or HYPOTHESES[args.hypothesis].size or "data"
        table = resolve_table(args.data, size=size, mirror=args.mirror)
        _say(f"testing {args.hypothesis!r} on {args.data} (SMC, {args.chains} chains x "
             f"{args.draws} particles per block) ...")
        with _executor(args) as run:
            result = test_hypothesis(args.hypothesis, table, smc=smc, **run.kwargs())
        _say(result.verdict())
        comparison, main_table = result.comparison, result.by_domain
    else:
        methods = [m.strip() for m in args.method.split(",") if m.strip()]
        forms = [f.strip() for f in _split_forms(args.forms)]
        table = resolve_table(args.data, size=args.size, mirror=args.mirror)
        how = ("one NUTS fit per form, evidence by bridge sampling" if args.evidence == "bridge"
               else f"SMC, {args.chains} chains x {args.draws} particles per block")
        _say(f"comparing {len(forms)} forms on {args.data} by {', '.join(methods)} ({how}) ...")
        with _executor(args) as run:
            comparison = compare_forms(table, forms, methods=methods, smc=smc,
                                       n_largest=args.holdout_largest,
                                       weighting=args.weighting, evidence=args.evidence,
                                       **run.kwargs())
        _say(comparison.summary())
        main_table = next(t for t in (comparison.evidence, comparison.loo, comparison.lfo)
                          if t is not None)
    if args.out:
        files = comparison.write(args.out, overwrite=args.force, save_fits=args.save_fits)
        if args.hypothesis:
            from bayes_scaling.files import write_atomic

            files["hypothesis"] = write_atomic(
                Path(args.out) / "hypothesis.csv",
                lambda p: main_table.to_csv(p, index=False), overwrite=args.force)
        for name, path in files.items():
            _say(f"  {name:12s} {path}")
        print(Path(args.out).resolve())
    else:
        main_table.to_csv(sys.stdout)
    if comparison.problems:
        _say(f"{len(comparison.problems)} problem(s) reported above: read them before "
             "trusting the ranking")
    return 0


@contextlib.contextmanager
def _executor(args: argparse.Namespace) -> Iterator[BlockRunner]:
    """Where the SMC blocks run: ``--scheduler`` (Dask) or ``--jobs`` local processes."""
    from bayes_scaling.models import BlockRunner
    from bayes_scaling.models.blocks import dask_client

    if args.jobs is not None and args.jobs < 1:
        raise BayesScalingError(f"--jobs must be a positive integer, got {args.jobs}")
    if args.scheduler is None:
        yield BlockRunner(n_jobs=args.jobs, progress=True)
        return
    with dask_client(args.scheduler, n_workers=args.jobs) as client:
        workers = len(client.scheduler_info().get("workers", {}))
        _say(f"SMC blocks on Dask ({args.scheduler}: {workers} worker(s) now)")
        yield BlockRunner(client=client, progress=True)


def _split_forms(text: str) -> list[str]:
    """Split on commas outside parentheses (``+shared(a,b)`` keeps its comma)."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [p for p in [*parts, current] if p.strip()]


def _cmd_datasets(args: argparse.Namespace) -> int:
    from bayes_scaling import datasets

    if args.action == "list":
        datasets.list_datasets().to_csv(sys.stdout, index=False)
    elif args.action == "info":
        print(json.dumps(datasets.dataset_info(args.name), indent=2, default=str))
    else:
        path = datasets.fetch(args.name, mirror=args.mirror)
        _say(f"{args.name}: verified and cached")
        print(path)
    return 0


def _cmd_priors(args: argparse.Namespace) -> int:
    from bayes_scaling.prior_sets import load_prior_set, prior_sets_table

    if args.action == "list":
        prior_sets_table().to_csv(sys.stdout, index=False)
        return 0
    chosen = load_prior_set(args.name)
    info = {"name": chosen.name, "description": chosen.description,
            "references": list(chosen.references),
            "models": {model: {key: {"prior": e.prior.to_dict(), "source": e.source,
                                     "derivation": e.derivation}
                               for key, e in entries.items()}
                       for model, entries in chosen.models.items()}}
    print(json.dumps(info, indent=2))
    return 0


COMMANDS = {"demo": _cmd_demo, "report": _cmd_report, "fit": _cmd_fit, "project": _cmd_project,
            "plot": _cmd_plot, "predict": _cmd_predict, "design": _cmd_design,
            "compare": _cmd_compare, "datasets": _cmd_datasets, "priors": _cmd_priors}


def _show_warning(message: Warning | str, category: type[Warning], *args: object,
                  **kwargs: object) -> None:
    _say(f"warning ({category.__name__}): {message}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``bayes-scaling`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 success, 2 invalid input or failure, 3 diagnostics problems
        with ``--strict``.
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # recorded by reports
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        with warnings.catch_warnings():
            # weak-identification findings (and any other warning) as one plain line each
            warnings.simplefilter("always", IdentificationWarning)
            warnings.showwarning = _show_warning
            # diagnostics are reported by _report_diagnostics, not as a raw warning
            warnings.simplefilter("ignore", FitDiagnosticsWarning)
            warnings.simplefilter("ignore", ComparisonWarning)  # listed as "problems"
            return COMMANDS[args.command](args)
    except BayesScalingError as exc:
        _say(f"error: {exc}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        _say("interrupted: no partial output was written")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
