"""The report's text: ``report.md`` from a Jinja2 template, and ``report.html`` from it.

:mod:`bayes_scaling.report.build` runs the analyses; this module only renders what they
found. The page's layout is the template ``templates/report.md.j2`` (shipped inside the
package); the values it shows are prepared here (:func:`report_context`).

* Markdown tables are written by :func:`markdown_table` (the template's ``table``
  filter; pandas' ``to_markdown`` needs the optional ``tabulate`` package, which is not
  a dependency).
* HTML is rendered by ``markdown-it-py`` when it is installed (it comes with PyMC's
  ``rich`` dependency); without it no HTML is written and the manifest says so.
"""

from __future__ import annotations

import functools
import html
import re
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from bayes_scaling.report.kinds import REPORT_KIND_REGISTRY

#: The template of ``report.md`` (in ``bayes_scaling/report/templates/``).
TEMPLATE = "report.md.j2"


def _cell(value: Any, digits: int) -> str:
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):.{digits}g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(frame: pd.DataFrame, *, index: bool = False, digits: int = 3) -> str:
    """A pipe table (GitHub/CommonMark-table syntax) of ``frame``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Table to render; missing values become empty cells, floats ``digits``
        significant digits, ``|`` in text is escaped.
    index : bool, default False
        Include the index as the first column(s).
    digits : int, default 3
        Significant digits of floating-point cells.

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> print(markdown_table(pd.DataFrame({"a": [1.23456], "b": ["x|y"]})))
    | a | b |
    |---|---|
    | 1.23 | x\\|y |
    """
    table = frame.reset_index() if index else frame
    head = "| " + " | ".join(str(c) for c in table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    rows = ["| " + " | ".join(_cell(v, digits) for v in row) + " |"
            for row in table.itertuples(index=False, name=None)]
    return "\n".join([head, rule, *rows])


def render_html(markdown: str, *, title: str) -> str | None:
    """``markdown`` as a standalone HTML page, or ``None`` if ``markdown-it-py`` is absent."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        return None
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    style = ("body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em}"
             "table{border-collapse:collapse;margin:1em 0;font-size:90%}"
             "th,td{border:1px solid #bbb;padding:2px 6px;text-align:left}"
             "img{max-width:100%}code,pre{background:#f4f4f4}"
             "blockquote{border-left:4px solid #d55e00;margin:1em 0;padding:0 1em}")
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{style}</style></head>"
            f"<body>\n{body}</body></html>\n")


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bayes_scaling.report", "templates"),
        # Markdown, not HTML: no escaping (cells are escaped by markdown_table), and an
        # undefined name in the template is an error, never an empty string
        autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
        trim_blocks=True, lstrip_blocks=True)
    env.filters["table"] = markdown_table
    return env


def render_markdown(context: dict[str, Any]) -> str:
    """``report.md`` from :data:`TEMPLATE` and ``context`` (see :func:`report_context`);
    runs of blank lines that optional sections leave are collapsed to one."""
    text = _environment().get_template(TEMPLATE).render(**context)
    return re.sub(r"\n{3,}", "\n\n", text)


def _shown_table(table: Any) -> dict[str, Any]:
    """A findings table as the template shows it: its rows and columns, file and note."""
    frame = table.frame if table.rows is None else table.frame.query(table.rows)
    if table.show is not None:
        frame = frame[list(table.show)]
    return {"title": table.title, "frame": frame, "index": table.index,
            "file": f"tables/{table.name}.csv", "note": table.note}


def _comparison_tables(comparison: Any) -> dict[str, pd.DataFrame | None]:
    evidence = loo = None
    if comparison.evidence is not None:
        evidence = comparison.evidence[[c for c in (
            "log_evidence", "log_evidence_se", "log_bayes_factor", "log_bayes_factor_se",
            "prob", "prob_low", "prob_high", "strength") if c in comparison.evidence]]
    if comparison.loo is not None:
        loo = comparison.loo[[c for c in ("rank", "elpd", "se", "elpd_diff", "dse", "p",
                                          "weight") if c in comparison.loo]]
    return {"evidence": evidence, "loo": loo}


def report_context(findings: Any, inp: Any, settings: dict[str, Any], others: list[str],
                   reproduce: str, *, version: str, created: str) -> dict[str, Any]:
    """Everything ``report.md`` shows, as plain values and tables for the template.

    Parameters
    ----------
    findings : bayes_scaling.report.analyses.Findings
        What the analyses found (fits, tables, figures, diagnostics, comparison).
    inp : bayes_scaling.report.inputs.ReportInput
        The input table and what it is.
    settings : dict
        The report's settings (as recorded in the manifest).
    others : list of str
        Warnings raised during the analysis other than the sampler's and comparison's.
    reproduce : str
        The command line that makes the same report.
    version, created : str
        The package version and the creation time (UTC) the page states.
    """
    from bayes_scaling.models import SamplerConfig

    table = inp.table
    sampler = settings["sampler"]
    comparison = findings.comparison
    tables = iter(t for t in findings.tables if t.name.startswith("hypothesis_"))
    return {
        "title": inp.dataset or inp.argument, "version": version, "created": created,
        "model": findings.model, "ok": findings.ok, "caveats": findings.caveats,
        "dataset": inp.dataset, "argument": inp.argument, "described": inp.description,
        "source": table.source, "table_sha256": table.sha256(), "rows": len(table.frame),
        "curves": [f"{dom}/{cur}" for dom, cur in table.curves],
        "domains": list(table.domains), "metric": table.metric, "size": table.size,
        "excluded": inp.excluded,
        "table_notes": [n for n in table.notes if n not in inp.excluded_notes],
        "settings": settings, "sampler": sampler, "smc": settings["smc"],
        "remedy": "on" if SamplerConfig(**sampler).remedy_on() else "off",
        "analysis_notes": findings.notes,
        "verdicts": [(name, report.verdict) for name, report in findings.diagnostics.items()],
        "failed": [name for name, report in findings.diagnostics.items() if not report.ok],
        "problems": findings.problems, "other_warnings": others,
        "sections": [(heading, [_shown_table(t) for t in findings.tables
                                if t.section == section])
                     for section, heading in (("parameters", "Parameters"),
                                              ("projections", "Projections"))],
        "kind": findings.kind,
        "compares_forms": (findings.kind in REPORT_KIND_REGISTRY
                           and REPORT_KIND_REGISTRY[findings.kind].compares_forms),
        "comparison": None if comparison is None else _comparison_tables(comparison),
        "hypotheses": [{"name": result.hypothesis.name, "verdict": result.verdict(),
                        "table": _shown_table(next(tables))}
                       for result in findings.hypotheses],  # tables in the same order
        # sampler diagnostics last
        "figures": [(name, caption) for name, (_, caption) in sorted(
            findings.figures.items(), key=lambda item: item[0].startswith("diagnostics_"))],
        "reproduce": reproduce,
    }
