"""One-command report: fit -> diagnostics -> projections -> comparison -> a report folder.

:func:`build_report` chooses the analysis by the table's kind
(:mod:`bayes_scaling.report.analyses`) and writes a self-contained folder::

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

The subpackage, one job per module: :mod:`~bayes_scaling.report.kinds` (the report kinds,
each defined once), :mod:`~bayes_scaling.report.inputs` (what the table is),
:mod:`~bayes_scaling.report.analyses` (the fits, tables and figures of each kind),
:mod:`~bayes_scaling.report.render` (``report.md`` from the Jinja2 template
``templates/report.md.j2``, and its HTML), :mod:`~bayes_scaling.report.manifest`,
:mod:`~bayes_scaling.report.folder` (build aside, rename into place, never replace
anything but an earlier report), :mod:`~bayes_scaling.report.build` (the workflow) and
:mod:`~bayes_scaling.report.demo` (the report on the embedded dataset).
"""

from __future__ import annotations

from bayes_scaling.report.build import REPORT_SMC, ReportResult, build_report

__all__ = ["REPORT_SMC", "ReportResult", "build_report"]
