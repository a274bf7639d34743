"""Load an embedded dataset: a tidy CSV shipped in the packaged ``datasets/`` folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bayes_scaling._resources import resource_dir
from bayes_scaling.data import read_csv_checked, validate_frame
from bayes_scaling.datasets.cleaning import CleaningReport
from bayes_scaling.datasets.registry import DatasetSpec
from bayes_scaling.errors import DatasetError


def embedded_path(spec: DatasetSpec) -> Path:
    """Where the embedded CSV of ``spec`` lives (it may not exist)."""
    if spec.kind != "embedded" or not spec.path:
        raise DatasetError(f"dataset {spec.name!r} is {spec.kind}, not embedded")
    return resource_dir("datasets") / spec.path


def count_rows(spec: DatasetSpec) -> int | None:
    """Data rows of the embedded CSV, or ``None`` if the file is absent."""
    path = embedded_path(spec)
    if not path.is_file():
        return None
    return len(read_csv_checked(path))


def load_embedded(spec: DatasetSpec) -> tuple[pd.DataFrame, CleaningReport]:
    """Read and validate an embedded tidy CSV.

    Returns
    -------
    frame : pandas.DataFrame
        The validated table (size column ``spec.size``).
    report : CleaningReport
        No row is dropped: an embedded table must already be tidy, and any problem
        raises :class:`~bayes_scaling.errors.DataValidationError` instead.

    Raises
    ------
    DatasetError
        If the CSV is missing from the installation.
    """
    path = embedded_path(spec)
    if not path.is_file():
        raise DatasetError(f"embedded dataset {spec.name!r}: file {path} is missing "
                           "(incomplete checkout or installation)")
    frame = validate_frame(read_csv_checked(path), size=spec.size)
    meta = path.with_suffix(".meta.json")
    notes = ["embedded tidy table, loaded as is (no cleaning)"]
    if meta.is_file():
        notes.append(f"measurement protocol: {meta.name}")
    report = CleaningReport(dataset=spec.name, raw_rows=len(frame), kept_rows=len(frame),
                            notes=tuple(notes), source_rows=tuple(range(len(frame))))
    return frame, report
