"""One-command report: fit -> diagnostics -> projections -> comparison -> a report folder.

:func:`build_report` chooses the analysis by the table's kind
(:mod:`bayes_scaling.report_workflows`) and writes a self-contained folder::

    report.md, report.html    data, model and settings, diagnostics verdict, parameter,
                              projection and comparison tables, figures, how to reproduce
    manifest.json             inputs' sha256, versions, seeds, settings, command, and the
                              sha256 of every file below
    data.csv                  the validated table that was fitted
    diagnostics.json          the sampler verdict of every NUTS fit
    fits/*.nc                 the fits (ArviZ DataTrees, see bayes_scaling.io)
    tables/*.csv              parameter, projection, degree, allocation, hypothesis tables
    comparison/               evidence.csv, loo.csv, comparison.json (learning curves)
    figures/*.png, *.svg      every figure in both formats

The folder is built next to ``out_dir`` under a temporary name and renamed into place at
the end, so an interrupted or failing run leaves no half report. An existing folder is
replaced only with ``overwrite=True`` and only if it is an earlier report (it holds this
generator's ``manifest.json``) or an earlier ``bayes-scaling demo`` results folder.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from bayes_scaling import __version__
from bayes_scaling.data import ScalingData, load_table
from bayes_scaling.datasets.retrieval import sha256_of
from bayes_scaling.errors import (
    BayesScalingError,
    ComparisonWarning,
    FitDiagnosticsWarning,
    ModelConfigError,
    OutputExistsError,
)
from bayes_scaling.io import save_fit
from bayes_scaling.models import SamplerConfig, SMCConfig
from bayes_scaling.report_document import (
    GENERATOR,
    MANIFEST,
    markdown_table,
    render_html,
    write_manifest,
)
from bayes_scaling.report_workflows import (
    DEFAULT_FORMS,
    REPORT_KINDS,
    Findings,
    check_report_prior_set,
    choose_kind,
    default_targets,
    run_findings,
)

__all__ = ["REPORT_SMC", "ReportResult", "build_report"]

#: SMC settings of the comparison and hypotheses (moderate: 4 chains give the Monte
#: Carlo error of the evidence; larger Monte Carlo errors are listed as problems).
REPORT_SMC = SMCConfig(draws=300, chains=4)
_SIZES = {"learning-curve": "data", "compute-scaling": "compute", "joint": "params"}


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


@dataclass
class _Input:
    table: ScalingData
    argument: str  # what to pass on the command line to reproduce
    dataset: str | None
    description: dict[str, Any]
    excluded: list[dict[str, Any]] | None = None  # with exclude_unfittable: what and why
    excluded_notes: tuple[str, ...] = ()  # the table notes that say the same


def _registered_name(table: ScalingData) -> str | None:
    from bayes_scaling.datasets import list_datasets

    match = re.match(r"bayes_scaling dataset '([^']+)'", table.source)
    return match.group(1) if match and match.group(1) in set(list_datasets()["name"]) else None


def _dataset_description(name: str, mirror: str | Path | None) -> dict[str, Any]:
    from bayes_scaling.datasets import fetch
    from bayes_scaling.datasets.embedded import embedded_path
    from bayes_scaling.datasets.registry import get_spec
    from bayes_scaling.datasets.retrieval import sha256_of

    spec = get_spec(name)
    info: dict[str, Any] = {"dataset": name, "kind": spec.kind,
                            "description": spec.description, "citation": spec.citation,
                            "license": spec.license}
    if spec.kind == "embedded":
        raw = embedded_path(spec)
        info.update(raw_file=spec.path, raw_sha256=sha256_of(raw))
    else:
        raw = fetch(name, mirror=mirror)
        info.update(raw_file=spec.filename, url=spec.url, registry_sha256=spec.sha256,
                    raw_sha256=sha256_of(raw))
    return info


def _resolve_input(data: ScalingData | str | Path, kind: str | None,
                   mirror: str | Path | None) -> _Input:
    from bayes_scaling.datasets import list_datasets, load_dataset

    if isinstance(data, ScalingData):
        name = _registered_name(data)
        if name:
            return _Input(data, name, name, _dataset_description(name, mirror))
        path = Path(data.source)
        if path.is_file():
            return _Input(data, str(path), None, {"path": str(path.resolve()),
                                                  "raw_sha256": sha256_of(path)})
        return _Input(data, "data.csv", None, {"source": data.source})
    if str(data) in set(list_datasets()["name"]) and not Path(data).exists():
        name = str(data)
        return _Input(load_dataset(name, mirror=mirror), name, name,
                      _dataset_description(name, mirror))
    path = Path(data)
    if kind is not None:
        size = _SIZES[kind]
    else:
        try:
            columns = set(pd.read_csv(path, nrows=0).columns)
        except (OSError, ValueError):
            columns = {"data"}  # load_table below reports the real problem
        size = next((s for s in ("data", "compute", "params") if s in columns), "data")
    table = load_table(path, size=size)
    return _Input(table, str(path), None, {"path": str(path.resolve()),
                                           "raw_sha256": sha256_of(path)})


def _is_report(folder: Path) -> bool:
    manifest = folder / MANIFEST
    if manifest.is_file():
        try:
            return json.loads(manifest.read_text()).get("generator") == GENERATOR
        except (OSError, ValueError, AttributeError):
            return False
    # the results folder of the earlier `bayes-scaling demo`
    return (folder / "fit.nc").is_file() and (folder / "diagnostics.json").is_file()


def _check_out(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"{out} exists and is not a folder; choose another --out")
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not overwrite:
        raise OutputExistsError(f"{out} already exists; use --force (overwrite=True) to "
                                "replace the earlier report, or --out to write somewhere else")
    if not _is_report(out):
        raise OutputExistsError(
            f"{out} is not a bayes_scaling report folder (no {MANIFEST} written by "
            f"{GENERATOR}); refusing to replace it even with --force: remove it yourself "
            "or choose another --out")


def _move_into_place(tmp: Path, out: Path, overwrite: bool) -> None:
    _check_out(out, overwrite)  # again: the folder may have appeared while we fitted
    if not out.exists():
        os.replace(tmp, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.replace(out, old / out.name)
    try:
        os.replace(tmp, out)
    except OSError:
        os.replace(old / out.name, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _command(inp: _Input, out: Path, settings: dict[str, Any]) -> str:
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
    if settings["model"] == "learning-curve":
        parts += ["--forms", ",".join(settings["forms"]) or "none"]
        if settings["compute_growth_per_year"] is not None:
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
                 prior_set: str | None = None) -> ReportResult:
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
        (:func:`bayes_scaling.report_workflows.default_targets`).
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
    if model is not None and model not in REPORT_KINDS:
        raise ModelConfigError(f"unknown report model {model!r}; valid: {list(REPORT_KINDS)}")
    out = Path(out_dir)
    _check_out(out, overwrite)  # refuse before fitting
    sampler = sampler or SamplerConfig()
    smc = smc or REPORT_SMC
    inp = _resolve_input(data, model, mirror)
    if exclude_unfittable:
        _exclude_unfittable(inp)
    kind = model or choose_kind(inp.table)
    check_report_prior_set(prior_set, kind)  # before fitting
    targets = [str(t) for t in (targets or default_targets(kind, inp.table))]
    settings = {"model": kind, "targets": targets, "sampler": asdict(sampler),
                "smc": asdict(smc), "forms": list(forms) if kind == "learning-curve" else [],
                "hypotheses": None if hypotheses is None else list(hypotheses),
                "compute_growth_per_year": compute_growth_per_year,
                "exclude_unfittable": bool(exclude_unfittable),
                "mirror": None if mirror is None else str(mirror),
                "prior_set": prior_set}
    tmp = _partial_folder(out)  # before fitting: an unwritable --out fails fast
    findings = None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            findings = run_findings(kind, inp.table, sampler=sampler, smc=smc,
                                    targets=targets, forms=forms, hypotheses=hypotheses,
                                    compute_growth_per_year=compute_growth_per_year,
                                    dataset=inp.dataset, prior_set=prior_set)
        if inp.excluded is not None:  # saved with the fits, under their content hash
            for fit in findings.fits.values():
                fit.attrs["excluded_curves"] = json.dumps(inp.excluded)
        # sampler and comparison warnings are in the verdicts and problems; list the rest
        others = list(dict.fromkeys(
            f"{w.category.__name__}: {w.message}" for w in caught
            if not issubclass(w.category, FitDiagnosticsWarning | ComparisonWarning)))
        files = _write_folder(tmp, findings, inp, settings, others, out, command)
        _move_into_place(tmp, out, overwrite)
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


def _exclude_unfittable(inp: _Input) -> None:
    """Drop the unfittable curves of ``inp.table`` (warns) and record them in ``inp``."""
    from bayes_scaling.identification import exclude_unfittable_curves, excluded_records

    before = set(inp.table.notes)
    inp.table, excluded = exclude_unfittable_curves(inp.table)
    inp.excluded = excluded_records(excluded)
    inp.excluded_notes = tuple(n for n in inp.table.notes if n not in before)
    inp.description["excluded_curves"] = inp.excluded


def _partial_folder(out: Path) -> Path:
    """The hidden temporary folder next to ``out`` where the report is built."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    except OSError as exc:
        raise BayesScalingError(f"cannot create the report folder {out}: "
                                f"{exc.strerror or exc}") from exc


def _close_figures(findings: Findings) -> None:
    import matplotlib.pyplot as plt

    for fig, _ in findings.figures.values():
        plt.close(fig)


def _write_folder(tmp: Path, findings: Findings, inp: _Input, settings: dict[str, Any],
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
    text = _markdown(findings, inp, settings, others, reproduce)
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


def _markdown(findings: Findings, inp: _Input, settings: dict[str, Any], others: list[str],
              reproduce: str) -> str:
    table, d = inp.table, inp.description
    title = inp.dataset or inp.argument
    ok = findings.ok
    lines = [f"# Scaling report: {title}", "",
             f"Generated by bayes_scaling {__version__} on "
             f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Model: **{findings.model}**. "
             f"Diagnostics: **{'OK' if ok else 'PROBLEMS'}**.", ""]
    lines += [f"**Caveat:** {caveat}\n" for caveat in findings.caveats]
    lines += ["## Data", ""]
    lines += [f"- dataset: `{inp.dataset}` ({d['kind']}): {d['description']}"
              if inp.dataset else f"- table: `{inp.argument}`",
              f"- source: {table.source}"]
    if inp.dataset:
        lines += [f"- citation: {d['citation']}", f"- license: {d['license']}"]
    if "raw_sha256" in d:
        lines.append(f"- raw file sha256: `{d['raw_sha256']}`"
                     + (f" (registry: `{d['registry_sha256']}`)" if "registry_sha256" in d
                        else ""))
    curves = ", ".join(f"{dom}/{cur}" for dom, cur in table.curves)
    lines += [f"- validated table sha256: `{table.sha256()}` (written as `data.csv`)",
              f"- rows: {len(table.frame)}; curves: {len(table.curves)} ({curves}); "
              f"domains: {', '.join(table.domains)}",
              f"- metric: `{table.metric}`; size axis: `{table.size}`"]
    if inp.excluded is not None:
        lines.append(f"- excluded curves (--exclude-unfittable): {len(inp.excluded)}"
                     + ("" if inp.excluded else " (every curve could be fitted)"))
        lines += [f"  - `{e['curve']}`: {e['reason']}" for e in inp.excluded]
    lines += [f"- note: {note}" for note in table.notes if note not in inp.excluded_notes]
    s, m = settings["sampler"], settings["smc"]
    lines += ["", "## Model and settings", "",
              f"- model: **{findings.model}** (report kind `{settings['model']}`)",
              f"- NUTS: {s['chains']} chains x {s['draws']} draws ({s['tune']} tuning), "
              f"sampler {s['sampler']}, target_accept "
              f"{s['target_accept'] if s['target_accept'] is not None else 'model default'}, "
              f"seed {s['seed']}, automatic remedy "
              f"{'on' if SamplerConfig(**s).remedy_on() else 'off'}",
              f"- SMC (comparison, hypotheses): {m['chains']} chains x {m['draws']} "
              f"particles, seed {m['seed']}",
              f"- targets: {', '.join(f'`{t}`' for t in settings['targets'])}",
              "- priors: " + (f"literature prior set `{settings['prior_set']}`"
                              if settings.get("prior_set") else "packaged defaults")]
    if settings["forms"]:
        lines.append(f"- compared forms: {', '.join(f'`{f}`' for f in settings['forms'])}")
    if settings["compute_growth_per_year"] is not None:
        lines.append(f"- assumed compute growth: {settings['compute_growth_per_year']}x per "
                     "year (years to target)")
    lines += [f"- {note}" for note in findings.notes]
    lines += ["", *_diagnostics_section(findings, ok, others)]
    for section, heading in (("parameters", "Parameters"), ("projections", "Projections")):
        lines += ["", f"## {heading}", ""]
        lines += _tables(findings, section)
    lines += ["", "## Model comparison", "", *_comparison_section(findings)]
    lines += ["", "## Figures", ""]
    figures = sorted(findings.figures.items(), key=lambda i: i[0].startswith("diagnostics_"))
    for name, (_, caption) in figures:  # sampler diagnostics last
        lines += [f"### {caption}", "", f"![{caption}](figures/{name}.png)", "",
                  f"[SVG](figures/{name}.svg)", ""]
    lines += ["## How to reproduce", "", "```bash", reproduce, "```", "",
              "`manifest.json` lists the inputs' sha256, the package and dependency versions, "
              "seeds, every setting and the sha256 of every file in this folder.", ""]
    return "\n".join(lines)


def _diagnostics_section(findings: Findings, ok: bool, others: list[str]) -> list[str]:
    lines = ["## Diagnostics", ""]
    if ok:
        lines.append("**Verdict: OK** (no divergences, R-hat and ESS within limits).")
    else:
        failed = [n for n, r in findings.diagnostics.items() if not r.ok]
        lines += [f"> **WARNING: sampler diagnostics FAILED** for {', '.join(failed)}. The "
                  "intervals and projections below are unreliable until this is fixed.", ">",
                  "> Remedies: re-run with `--auto-remedy` (higher target acceptance, more "
                  "tuning), or raise `--target-accept`, `--tune` and `--draws` as advised "
                  "below."]
    lines.append("")
    for name, report in findings.diagnostics.items():
        lines.append(f"- `{name}`: {report.verdict}")
    if findings.problems:
        lines += ["", f"**{len(findings.problems)} comparison problem(s)** (Monte Carlo "
                  "error of the evidence, SMC diagnostics, Pareto k): read them before "
                  "trusting a ranking.", ""]
        lines += [f"- {p}" for p in findings.problems]
    if others:
        lines += ["", "Other warnings raised during the analysis:", ""]
        lines += [f"- {w}" for w in others]
    return lines


def _tables(findings: Findings, section: str, *, only: Any = None) -> list[str]:
    lines: list[str] = []
    for t in findings.tables:
        if t.section != section or (only is not None and t is not only):
            continue
        frame = t.frame if t.rows is None else t.frame.query(t.rows)
        if t.show is not None:
            frame = frame[list(t.show)]
        lines += [f"### {t.title}", "", markdown_table(frame, index=t.index), "",
                  f"(`tables/{t.name}.csv`) {t.note}".rstrip(), ""]
    return lines


def _comparison_section(findings: Findings) -> list[str]:
    lines: list[str] = []
    comparison = findings.comparison
    if comparison is not None:
        if comparison.evidence is not None:
            cols = [c for c in ("log_evidence", "log_evidence_se", "log_bayes_factor",
                                "log_bayes_factor_se", "prob", "prob_low", "prob_high",
                                "strength") if c in comparison.evidence]
            lines += ["### Evidence (SMC log marginal likelihood, +/- Monte Carlo error)", "",
                      markdown_table(comparison.evidence[cols], index=True), ""]
        if comparison.loo is not None:
            cols = [c for c in ("rank", "elpd", "se", "elpd_diff", "dse", "p", "weight")
                    if c in comparison.loo]
            lines += ["### PSIS-LOO (arviz.compare)", "",
                      markdown_table(comparison.loo[cols], index=True), ""]
        lines.append("(`comparison/`)")
    elif findings.kind == "learning-curve":
        lines.append("No form comparison was asked for.")
    else:
        lines.append("Form comparison applies to learning-curve tables; see the hypotheses.")
    tables = iter(t for t in findings.tables if t.name.startswith("hypothesis_"))
    for result in findings.hypotheses:  # tables in the same order
        lines += ["", f"### Hypothesis `{result.hypothesis.name}`", "", "```text",
                  result.verdict(), "```", ""]
        lines += _tables(findings, "comparison", only=next(tables))
    return lines
