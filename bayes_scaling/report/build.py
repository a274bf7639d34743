"""Build a report folder: resolve the input, run the analyses, write, render, move.

:func:`build_report` is the package's one-command workflow (``bayes-scaling report``);
:mod:`bayes_scaling.report` documents the folder it writes.
"""

from __future__ import annotations

import json
import shlex
import shutil
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bayes_scaling import __version__
from bayes_scaling.data import ScalingData
from bayes_scaling.errors import ComparisonWarning, FitDiagnosticsWarning
from bayes_scaling.io import save_fit
from bayes_scaling.models import SamplerConfig, SMCConfig
from bayes_scaling.models.blocks import BlockRunner
from bayes_scaling.report.analyses import (
    DEFAULT_FORMS,
    Findings,
    check_report_prior_set,
    choose_kind,
    default_targets,
    run_findings,
)
from bayes_scaling.report.folder import check_out, move_into_place, report_partial_folder
from bayes_scaling.report.inputs import ReportInput, resolve_input
from bayes_scaling.report.kinds import report_kind
from bayes_scaling.report.manifest import write_manifest
from bayes_scaling.report.render import render_html, render_markdown, report_context

__all__ = ["REPORT_SMC", "ReportResult", "build_report"]

#: SMC settings of the comparison and hypotheses (moderate: 4 chains give the Monte
#: Carlo error of the evidence; larger Monte Carlo errors are listed as problems).
REPORT_SMC = SMCConfig(draws=300, chains=4)


@dataclass
class ReportResult:
    """What :func:`build_report` wrote.

    Attributes
    ----------
    out_dir : pathlib.Path
        The report folder.
    files : dict of str to pathlib.Path
        Every file written, by name (``report``, ``manifest``, ``fit:<name>``,
        ``table:<name>``, ``figure:<name>.png``, ...).
    model : str
        The report kind (``learning-curve``, ``compute-scaling`` or ``joint``).
    diagnostics : str
        The sampler verdict of every NUTS fit, ``"; "``-joined.
    ok : bool
        Whether every NUTS fit passed its diagnostics.
    problems : list of str
        Comparison and hypothesis problems (Monte Carlo error, SMC diagnostics, Pareto k).
    caveats : list of str
        What the report says under its first line before the numbers (e.g. that the form
        comparison favours another form than the one the projections assume).

    Examples
    --------
    >>> from pathlib import Path
    >>> result = ReportResult(Path("results/demo"), model="learning-curve",
    ...                       diagnostics="learning_curve: OK", ok=True)
    >>> result.ok and not result.problems and not result.caveats
    True
    """

    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    model: str = ""
    diagnostics: str = ""
    ok: bool = True
    problems: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)


def _command(inp: ReportInput, out: Path, settings: dict[str, Any]) -> str:
    s, m = settings["sampler"], settings["smc"]
    parts = ["bayes-scaling", "report", inp.argument, "--out", str(out),
             "--model", settings["model"]]
    for target in settings["targets"]:
        parts += ["--target", str(target)]
    parts += ["--draws", str(s["draws"]), "--tune", str(s["tune"]), "--chains",
              str(s["chains"]), "--sampler", s["sampler"], "--seed", str(s["seed"])]
    if s["target_accept"] is not None:
        parts += ["--target-accept", str(s["target_accept"])]
    if s["auto_remedy"] is not None:  # None: the default (on for full-length runs)
        parts.append("--auto-remedy" if s["auto_remedy"] else "--no-auto-remedy")
    parts += ["--smc-draws", str(m["draws"]), "--smc-chains", str(m["chains"]),
              "--smc-seed", str(m["seed"])]
    kind = report_kind(settings["model"])
    if kind.compares_forms:
        parts += ["--forms", ",".join(settings["forms"]) or "none"]
    if kind.years_to_target and settings["compute_growth_per_year"] is not None:
        parts += ["--compute-growth-per-year", str(settings["compute_growth_per_year"])]
    if settings["hypotheses"] is not None:
        parts += ["--hypotheses", ",".join(settings["hypotheses"]) or "none"]
    if settings.get("exclude_unfittable"):
        parts.append("--exclude-unfittable")
    if settings["mirror"] is not None:
        parts += ["--mirror", str(settings["mirror"])]
    if settings.get("prior_set"):
        parts += ["--prior-set", settings["prior_set"]]
    return shlex.join(parts)


def build_report(data: ScalingData | str | Path, out_dir: str | Path, *,
                 model: str | None = None, sampler: SamplerConfig | None = None,
                 smc: SMCConfig | None = None, targets: Sequence[str | float] | None = None,
                 forms: Sequence[str] = DEFAULT_FORMS, hypotheses: Sequence[str] | None = None,
                 compute_growth_per_year: float | None = None,
                 exclude_unfittable: bool = False, overwrite: bool = False,
                 mirror: str | Path | None = None,
                 command: Sequence[str] | None = None,
                 prior_set: str | None = None,
                 blocks: BlockRunner | None = None) -> ReportResult:
    """Fit a table, check, project and compare, and write a report folder.

    Parameters
    ----------
    data : ScalingData, str or pathlib.Path
        A registered dataset name (``bayes-scaling datasets list``), a tidy CSV, or a
        loaded table.
    out_dir : str or pathlib.Path
        The report folder (must not exist, be empty, or, with ``overwrite``, hold an
        earlier report).
    model : {"learning-curve", "compute-scaling", "joint"}, optional
        The analysis; default chosen by the table (compute size axis: compute scaling;
        loss over model size with a ``data`` column: joint law; else learning curves).
    sampler : SamplerConfig, optional
        NUTS settings of every fit (default ``SamplerConfig()``).
    smc : SMCConfig, optional
        SMC settings of the comparison and hypotheses (default :data:`REPORT_SMC`).
    targets : sequence of str or float, optional
        Projection targets (see :class:`bayes_scaling.projection.Target`); default by kind
        (:func:`bayes_scaling.report.analyses.default_targets`).
    forms : sequence of str, default DEFAULT_FORMS
        Forms compared by evidence and PSIS-LOO on learning-curve tables (fewer than two:
        no comparison).
    hypotheses : sequence of str, optional
        Named hypotheses to test (default: those that apply to the kind and table; ``()``
        for none).
    compute_growth_per_year : float, optional
        Learning curves with a width sweep: adds years-to-target at this compute growth.
    exclude_unfittable : bool, default False
        Leave out curves that cannot be fitted (a single size, or the same metric at every
        point; :func:`bayes_scaling.identification.exclude_unfittable_curves`) instead of
        refusing the table. The report lists them with the reason, ``manifest.json`` holds
        them (``inputs.excluded_curves``), every fit's ``excluded_curves`` attr too, and
        ``data.csv`` is the table that was analysed (without them).
    overwrite : bool, default False
        Replace an earlier report in ``out_dir``.
    mirror : str or pathlib.Path, optional
        Offline mirror of the public dataset files.
    command : sequence of str, optional
        The command line that asked for the report (recorded in the manifest).
    prior_set : str, optional
        A literature prior set (:mod:`bayes_scaling.prior_sets`) for every fit whose model
        it covers (it must cover the kind's main model); the report names it and shows its
        priors next to their posteriors.
    blocks : BlockRunner, optional
        Where the SMC blocks of the comparison and the hypotheses run: local worker
        processes (the default, :func:`~bayes_scaling.models.blocks.default_jobs`) or a
        Dask cluster (``BlockRunner(client=client)``; CLI ``--scheduler``). Each block's
        seed is fixed by its position, so the report is the same wherever they ran.

    Returns
    -------
    ReportResult

    Raises
    ------
    OutputExistsError
        ``out_dir`` exists (checked before fitting, and again before the rename).
    ModelConfigError
        Unknown ``model``.
    DataValidationError, DatasetError
        Bad table or dataset.

    Examples
    --------
    A report runs every fit of its kind (minutes; the documentation's gallery builds the
    demo's):

    >>> from bayes_scaling.report import REPORT_SMC, build_report
    >>> result = build_report("mlp-learning-curves", "results/report")  # doctest: +SKIP
    >>> result.files["report"]  # doctest: +SKIP
    PosixPath('results/report/report.md')

    A folder that holds something is never overwritten without ``overwrite=True``; the
    refusal comes before any fit:

    >>> import tempfile
    >>> from pathlib import Path
    >>> taken = Path(tempfile.mkdtemp())
    >>> _ = (taken / "notes.txt").write_text("mine")
    >>> build_report("mlp-learning-curves", taken)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayes_scaling.errors.OutputExistsError: ... already exists; use --force (overwrite=True) ...
    >>> (taken / "notes.txt").read_text()
    'mine'

    The comparison's SMC settings unless ``smc`` is given:

    >>> REPORT_SMC
    SMCConfig(draws=300, chains=4, seed=2026, threshold=0.9, correlation_threshold=0.001)
    """
    if model is not None:
        report_kind(model)  # an unknown kind is refused before anything else
    out = Path(out_dir)
    check_out(out, overwrite)  # refuse before fitting
    sampler = sampler or SamplerConfig()
    smc = smc or REPORT_SMC
    inp = resolve_input(data, model, mirror)
    if exclude_unfittable:
        _exclude_unfittable(inp)
    kind = model or choose_kind(inp.table)
    check_report_prior_set(prior_set, kind)  # before fitting
    targets = [str(t) for t in (targets or default_targets(kind, inp.table))]
    settings = {"model": kind, "targets": targets, "sampler": asdict(sampler),
                "smc": asdict(smc),
                "forms": list(forms) if report_kind(kind).compares_forms else [],
                "hypotheses": None if hypotheses is None else list(hypotheses),
                "compute_growth_per_year": compute_growth_per_year,
                "exclude_unfittable": bool(exclude_unfittable),
                "mirror": None if mirror is None else str(mirror),
                "prior_set": prior_set}
    tmp = report_partial_folder(out)  # before fitting: an unwritable --out fails fast
    findings = None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            findings = run_findings(kind, inp.table, sampler=sampler, smc=smc,
                                    targets=targets, forms=forms, hypotheses=hypotheses,
                                    compute_growth_per_year=compute_growth_per_year,
                                    dataset=inp.dataset, prior_set=prior_set,
                                    blocks=blocks)
        if inp.excluded is not None:  # saved with the fits, under their content hash
            for fit in findings.fits.values():
                fit.attrs["excluded_curves"] = json.dumps(inp.excluded)
        # sampler and comparison warnings are in the verdicts and problems; list the rest
        others = list(dict.fromkeys(
            f"{w.category.__name__}: {w.message}" for w in caught
            if not issubclass(w.category, FitDiagnosticsWarning | ComparisonWarning)))
        files = _write_folder(tmp, findings, inp, settings, others, out, command)
        move_into_place(tmp, out, overwrite)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if findings is not None:
            _close_figures(findings)
    files = {name: out / path.relative_to(tmp) for name, path in files.items()}
    reports = findings.diagnostics
    return ReportResult(out, files, kind,
                        "; ".join(f"{n}: {r.verdict}" for n, r in reports.items()),
                        findings.ok, list(findings.problems), list(findings.caveats))


def _exclude_unfittable(inp: ReportInput) -> None:
    """Drop the unfittable curves of ``inp.table`` (warns) and record them in ``inp``."""
    from bayes_scaling.identification import exclude_unfittable_curves, excluded_records

    before = set(inp.table.notes)
    inp.table, excluded = exclude_unfittable_curves(inp.table)
    inp.excluded = excluded_records(excluded)
    inp.excluded_notes = tuple(n for n in inp.table.notes if n not in before)
    inp.description["excluded_curves"] = inp.excluded


def _close_figures(findings: Findings) -> None:
    import matplotlib.pyplot as plt

    for fig, _ in findings.figures.values():
        plt.close(fig)


def _write_folder(tmp: Path, findings: Findings, inp: ReportInput, settings: dict[str, Any],
                  others: list[str], out: Path, command: Sequence[str] | None,
                  ) -> dict[str, Path]:
    files: dict[str, Path] = {}
    files["data"] = tmp / "data.csv"
    inp.table.frame.to_csv(files["data"], index=False)
    for name, fit in findings.fits.items():
        files[f"fit:{name}"] = save_fit(fit, tmp / "fits" / f"{name}.nc")
    (tmp / "tables").mkdir()
    for table in findings.tables:
        path = tmp / "tables" / f"{table.name}.csv"
        table.frame.to_csv(path, index=table.index)
        files[f"table:{table.name}"] = path
    if findings.comparison is not None:
        written = findings.comparison.write(tmp / "comparison")
        files.update({f"comparison:{k}": v for k, v in written.items()})
    files.update(_write_figures(tmp, findings))
    diagnostics = {"ok": findings.ok,
                   "fits": {n: r.to_dict() for n, r in findings.diagnostics.items()},
                   "auto_remedy": {n: json.loads(f.attrs["remedy_log"])
                                   for n, f in findings.fits.items()
                                   if f.attrs.get("remedy_log")},
                   "comparison_problems": findings.problems,
                   "caveats": findings.caveats}
    files["diagnostics"] = tmp / "diagnostics.json"
    files["diagnostics"].write_text(json.dumps(diagnostics, indent=2, default=float) + "\n")
    reproduce = _command(inp, out, settings)
    text = render_markdown(report_context(
        findings, inp, settings, others, reproduce, version=__version__,
        created=f"{datetime.now(UTC):%Y-%m-%d %H:%M}"))
    files["report"] = tmp / "report.md"
    files["report"].write_text(text)
    page = render_html(text, title=f"Scaling report: {inp.dataset or inp.argument}")
    if page is not None:
        files["html"] = tmp / "report.html"
        files["html"].write_text(page)
    seeds = {"nuts": settings["sampler"]["seed"], "smc": settings["smc"]["seed"]}
    inputs = {**inp.description, "table_sha256": inp.table.sha256(),
              "rows": len(inp.table.frame), "size": inp.table.size,
              "metric": inp.table.metric}
    files["manifest"] = write_manifest(tmp, {
        "inputs": inputs, "model": findings.model, "settings": settings, "seeds": seeds,
        "command": list(command) if command is not None else None,
        "reproduce": reproduce, "html": "report.html" if page is not None else
        "skipped: markdown-it-py is not installed",
        "diagnostics_ok": diagnostics["ok"], "problems": findings.problems})
    return files


def _write_figures(tmp: Path, findings: Findings) -> dict[str, Path]:
    folder = tmp / "figures"
    folder.mkdir()
    files = {}
    for name, (fig, _) in findings.figures.items():
        for fmt in ("png", "svg"):
            path = folder / f"{name}.{fmt}"
            fig.savefig(path, dpi=150, format=fmt, bbox_inches="tight")
            files[f"figure:{name}.{fmt}"] = path
    return files


