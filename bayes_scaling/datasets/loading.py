"""Turn a registered dataset name into a validated :class:`ScalingData` and its report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from bayes_scaling.data import ScalingData
from bayes_scaling.datasets.chinchilla import clean_chinchilla
from bayes_scaling.datasets.cleaning import CleaningReport
from bayes_scaling.datasets.embedded import load_embedded
from bayes_scaling.datasets.gadre import clean_gadre
from bayes_scaling.datasets.registry import DatasetSpec, get_spec
from bayes_scaling.datasets.retrieval import fetch_files
from bayes_scaling.datasets.revisiting import clean_revisiting
from bayes_scaling.datasets.thompson import COMPUTE_KINDS, clean_thompson
from bayes_scaling.errors import DatasetError

Cleaner = Callable[..., tuple[pd.DataFrame, CleaningReport]]

CLEANERS: dict[str, Cleaner] = {
    "thompson": clean_thompson,
    "chinchilla": clean_chinchilla,
    "revisiting": clean_revisiting,
    "gadre": clean_gadre,
}
"""Cleaner name (registry ``cleaner:``) -> function ``(source, *, dataset, **options)``;
``source`` is the raw file, or the tuple of raw files (sorted by name) of a dataset
registered with ``files``."""


def _cleaner_options(spec: DatasetSpec, compute: str | None) -> dict[str, str]:
    options = dict(spec.options)
    if spec.cleaner == "thompson":
        options["compute"] = compute or "hardware"
    elif compute is not None:
        raise DatasetError(
            f"option compute={compute!r} applies only to the thompson2020-* datasets "
            f"(values {list(COMPUTE_KINDS)}); {spec.name!r} has a single compute definition"
        )
    return options


def _scaling_data(spec: DatasetSpec, frame: pd.DataFrame, report: CleaningReport) -> ScalingData:
    origin = spec.url if spec.kind == "public" else f"datasets/{spec.path}"
    options = "".join(f", {k}={v}" for k, v in sorted(report.options.items()))
    source = f"bayes_scaling dataset {spec.name!r}{options} ({origin})"
    notes = [f"dataset {spec.name}: {spec.citation}"]
    if spec.files:
        notes.append(f"{len(spec.files)} raw files, each pinned by its sha256 in the registry; "
                     f"sha256 of their manifest {spec.sha256}")
    elif spec.sha256:
        notes.append(f"raw file sha256 {spec.sha256}")
    notes += [f"{k}: {v}" for k, v in sorted(report.options.items())]
    notes.append(f"{report.raw_rows} raw rows -> {report.kept_rows} tidy rows; "
                 f"{report.n_dropped} drop entries {report.counts()} "
                 "(see load_dataset_report for every row)")
    notes += list(report.conversions) + list(report.notes)
    return ScalingData(frame, size=spec.size, source=source, notes=tuple(notes))


def load_with_report(name: str, *, mirror: str | Path | None = None,
                     cache_dir: str | Path | None = None,
                     compute: str | None = None) -> tuple[ScalingData, CleaningReport]:
    """Load a registered dataset and its cleaning report (see
    :func:`bayes_scaling.datasets.load_dataset_report`)."""
    spec = get_spec(name)
    if spec.kind == "embedded":
        _cleaner_options(spec, compute)
        frame, report = load_embedded(spec)
    else:
        options = _cleaner_options(spec, compute)
        paths = fetch_files(spec, mirror=mirror, cache_dir=cache_dir)
        source = paths if spec.files else paths[0]
        frame, report = CLEANERS[str(spec.cleaner)](source, dataset=spec.name, **options)
    if spec.metric not in frame or spec.size not in frame:
        raise DatasetError(f"dataset {spec.name!r}: the table lacks the registered metric "
                           f"{spec.metric!r} or size column {spec.size!r}; registry and cleaner "
                           "disagree")
    return _scaling_data(spec, frame, report), report
