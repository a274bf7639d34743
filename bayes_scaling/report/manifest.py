"""The report folder's ``manifest.json``: what is needed to reproduce the folder.

The inputs' sha256, the versions of Python and the numerical stack, seeds, settings, the
command and the sha256 of every file written. A folder holding this generator's manifest
is a report that ``overwrite=True`` may replace (:mod:`bayes_scaling.report.folder`).
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bayes_scaling import __version__
from bayes_scaling.datasets.retrieval import sha256_of

#: Distributions whose versions go into the manifest.
VERSIONED_PACKAGES: tuple[str, ...] = (
    "pymc", "nutpie", "pytensor", "arviz", "arviz-base", "arviz-stats", "arviz-plots",
    "xarray", "pandas", "numpy", "scipy", "matplotlib", "h5netcdf", "pooch", "jinja2",
)
#: Written into ``manifest.json``; a folder holding it may be replaced with ``overwrite``.
GENERATOR = "bayes_scaling.report"
MANIFEST = "manifest.json"


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
