"""Where a report is written: built in a hidden folder, renamed into place at the end.

An interrupted or failing run leaves no half report. An existing folder is replaced only
with ``overwrite=True`` and only if it is an earlier report (it holds this generator's
``manifest.json``) or an earlier ``bayes-scaling demo`` results folder; anything else is
refused even with ``--force``. The file-level moves are :mod:`bayes_scaling.files`'.
"""

from __future__ import annotations

import json
from pathlib import Path

from bayes_scaling.errors import BayesScalingError, OutputExistsError
from bayes_scaling.files import partial_folder, replace_folder
from bayes_scaling.report.manifest import GENERATOR, MANIFEST


def is_report(folder: Path) -> bool:
    """Whether ``folder`` holds a report of this generator (or an earlier demo's results)."""
    manifest = folder / MANIFEST
    if manifest.is_file():
        try:
            return json.loads(manifest.read_text()).get("generator") == GENERATOR
        except (OSError, ValueError, AttributeError):
            return False
    # the results folder of the earlier `bayes-scaling demo`
    return (folder / "fit.nc").is_file() and (folder / "diagnostics.json").is_file()


def check_out(out: Path, overwrite: bool) -> None:
    """Refuse an ``out`` that holds something other than an earlier report, or any
    non-empty folder without ``overwrite`` (:class:`OutputExistsError`)."""
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"{out} exists and is not a folder; choose another --out")
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not overwrite:
        raise OutputExistsError(f"{out} already exists; use --force (overwrite=True) to "
                                "replace the earlier report, or --out to write somewhere else")
    if not is_report(out):
        raise OutputExistsError(
            f"{out} is not a bayes_scaling report folder (no {MANIFEST} written by "
            f"{GENERATOR}); refusing to replace it even with --force: remove it yourself "
            "or choose another --out")


def move_into_place(tmp: Path, out: Path, overwrite: bool) -> None:
    """Rename the finished folder ``tmp`` to ``out`` (checked again: ``out`` may have
    appeared while the fits ran)."""
    check_out(out, overwrite)
    replace_folder(tmp, out)


def report_partial_folder(out: Path) -> Path:
    """The hidden temporary folder next to ``out`` where the report is built."""
    try:
        return partial_folder(out)
    except OSError as exc:
        raise BayesScalingError(f"cannot create the report folder {out}: "
                                f"{exc.strerror or exc}") from exc
