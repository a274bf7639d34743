"""What a report is about: its input table and where it came from.

A report's input is named as every command names its input
(:func:`bayes_scaling.datasets.resolve_table`: a tidy CSV or a registered dataset), or
given as a loaded :class:`~bayes_scaling.data.ScalingData`. :func:`resolve_input` adds
what the report and its manifest say about it: the dataset's description, citation and
license, or the CSV's path, and the raw file's sha256.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bayes_scaling.data import ScalingData
from bayes_scaling.datasets import fetch, list_datasets, resolve_table
from bayes_scaling.datasets.embedded import embedded_path
from bayes_scaling.datasets.registry import get_spec
from bayes_scaling.datasets.retrieval import sha256_of
from bayes_scaling.report.kinds import REPORT_KIND_REGISTRY

#: The size column of a CSV for each report kind (its main model's ``size_column``).
KIND_SIZES: dict[str, str] = {name: kind.size_column
                              for name, kind in REPORT_KIND_REGISTRY.items()}


@dataclass
class ReportInput:
    """The table a report analyses, how to name it again, and what it is.

    Attributes
    ----------
    table : ScalingData
        The validated table (without excluded curves once they are excluded).
    argument : str
        What to pass on the command line to make the report again.
    dataset : str or None
        The registered dataset's name, if the table is one.
    description : dict
        For the manifest: dataset, kind, description, citation, license, raw file and
        sha256 (datasets); path and sha256 (CSV files); ``excluded_curves``.
    excluded : list of dict or None
        With ``exclude_unfittable``: the curves left out, and why.
    excluded_notes : tuple of str
        The table notes that say the same (shown once).
    """

    table: ScalingData
    argument: str
    dataset: str | None
    description: dict[str, Any]
    excluded: list[dict[str, Any]] | None = None
    excluded_notes: tuple[str, ...] = ()


def registered_name(table: ScalingData) -> str | None:
    """The registered dataset a loaded table came from, or ``None``."""
    match = re.match(r"bayes_scaling dataset '([^']+)'", table.source)
    return match.group(1) if match and match.group(1) in set(list_datasets()["name"]) else None


def dataset_description(name: str, mirror: str | Path | None) -> dict[str, Any]:
    """What the manifest records of a registered dataset (with its raw file's sha256)."""
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


def resolve_input(data: ScalingData | str | Path, kind: str | None,
                  mirror: str | Path | None) -> ReportInput:
    """The report's input from a loaded table, a CSV path or a dataset name.

    A CSV is read with the size column of ``kind`` (:data:`KIND_SIZES`), or, without a
    kind, the first size column in its header.
    """
    if isinstance(data, ScalingData):
        name = registered_name(data)
        if name:
            return ReportInput(data, name, name, dataset_description(name, mirror))
        path = Path(data.source)
        if path.is_file():
            return ReportInput(data, str(path), None, {"path": str(path.resolve()),
                                                       "raw_sha256": sha256_of(path)})
        return ReportInput(data, "data.csv", None, {"source": data.source})
    table = resolve_table(data, size=None if kind is None else KIND_SIZES[kind],
                          mirror=mirror)
    name = registered_name(table)
    if name is not None and not Path(data).exists():
        return ReportInput(table, name, name, dataset_description(name, mirror))
    path = Path(data)
    return ReportInput(table, str(path), None, {"path": str(path.resolve()),
                                                "raw_sha256": sha256_of(path)})
