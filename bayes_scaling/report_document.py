"""The text files of a report folder: ``report.md``, ``report.html`` and ``manifest.json``.

:mod:`bayes_scaling.report` runs the analysis; this module only renders what it found.

* Markdown tables are written by :func:`markdown_table` (pandas' ``to_markdown`` needs the
  optional ``tabulate`` package, which is not a dependency).
* HTML is rendered by ``markdown-it-py`` when it is installed (it comes with PyMC's
  ``rich`` dependency); without it no HTML is written and the manifest says so.
* The manifest records what is needed to reproduce the folder: the inputs' sha256, the
  versions of Python and the numerical stack, seeds, settings, the command and the
  sha256 of every file written.
"""

from __future__ import annotations

import html
import importlib.metadata
import json
import platform
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bayes_scaling import __version__
from bayes_scaling.datasets.retrieval import sha256_of

#: Distributions whose versions go into the manifest.
VERSIONED_PACKAGES: tuple[str, ...] = (
    "pymc", "nutpie", "pytensor", "arviz", "arviz-base", "arviz-stats", "arviz-plots",
    "xarray", "pandas", "numpy", "scipy", "matplotlib", "h5netcdf", "pooch",
)
#: Written into ``manifest.json``; a folder holding it may be replaced with ``overwrite``.
GENERATOR = "bayes_scaling.report"
MANIFEST = "manifest.json"


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


def versions() -> dict[str, str]:
    """Versions of Python, the platform, bayes_scaling and :data:`VERSIONED_PACKAGES`."""
    found = {"python": sys.version.split()[0], "platform": platform.platform(),
             "bayes_scaling": __version__}
    for name in VERSIONED_PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def folder_hashes(folder: Path, *, exclude: Iterable[str] = (MANIFEST,)) -> dict[str, str]:
    """sha256 of every file under ``folder`` by POSIX relative path (sorted)."""
    skip = set(exclude)
    return {p.relative_to(folder).as_posix(): sha256_of(p)
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).as_posix() not in skip}


def write_manifest(folder: Path, fields: Mapping[str, Any]) -> Path:
    """Write ``manifest.json``: ``fields`` plus generator, time, versions and file hashes.

    Parameters
    ----------
    folder : pathlib.Path
        The (complete) report folder; every other file in it is hashed.
    fields : mapping
        Inputs, settings, seeds, command, ... (JSON-serialisable; numbers via ``float``).

    Returns
    -------
    pathlib.Path
    """
    manifest = {"generator": GENERATOR, "bayes_scaling_version": __version__,
                "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                **fields, "versions": versions(), "files": folder_hashes(folder)}
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, default=_json_default) + "\n")
    return path


def _json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    return str(value)
