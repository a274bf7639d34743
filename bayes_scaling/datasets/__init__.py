"""Registered scaling datasets: list, fetch (verified, cached, mirror-able) and load.

Two kinds of dataset are registered in ``datasets/registry.yaml``:

* **embedded** - a tidy CSV measured by this project and shipped with the package;
* **public** - a public file pinned to a commit and a sha256, fetched once with
  ``pooch``, cached, and cleaned into the tidy model (:mod:`bayes_scaling.data`) by a
  per-source cleaner that reports every row it drops (:class:`CleaningReport`).

A public dataset may consist of several files, each pinned (``gadre2024``: one JSON file
per training run, registry key ``files``).

Offline use: point ``mirror=`` or ``$BAYES_SCALING_DATA_MIRROR`` at a folder laid out
like the registry's file names (``thompson2020/imagenet.csv``, ``gadre2024/models/<run>.json``,
...); mirrored files are hash-checked before use. The cache folder is ``cache_dir=``, else
``$BAYES_SCALING_CACHE``, else ``pooch.os_cache("bayes_scaling")``.

Examples
--------
>>> from bayes_scaling.datasets import list_datasets
>>> "revisiting2022-lang" in set(list_datasets()["name"])
True
>>> from bayes_scaling.datasets import ENV_CACHE, ENV_MIRROR
>>> ENV_MIRROR, ENV_CACHE  # environment variables: offline mirror, cache folder
('BAYES_SCALING_DATA_MIRROR', 'BAYES_SCALING_CACHE')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from bayes_scaling.data import ScalingData, load_table
from bayes_scaling.datasets.cleaning import CleaningReport, DroppedRow
from bayes_scaling.datasets.embedded import count_rows, embedded_path
from bayes_scaling.datasets.loading import load_with_report
from bayes_scaling.datasets.registry import get_spec, load_registry
from bayes_scaling.datasets.retrieval import ENV_CACHE, ENV_MIRROR, cache_root, fetch_file
from bayes_scaling.datasets.thompson import BENCHMARKS, network_unavailable

__all__ = [
    "ENV_CACHE",
    "ENV_MIRROR",
    "CleaningReport",
    "DroppedRow",
    "dataset_info",
    "fetch",
    "list_datasets",
    "load_dataset",
    "load_dataset_report",
    "resolve_table",
]

LIST_COLUMNS: tuple[str, ...] = (
    "name", "kind", "description", "metric", "size", "rows", "citation", "license",
)


def list_datasets() -> pd.DataFrame:
    """All registered datasets, one row each.

    Returns
    -------
    pandas.DataFrame
        Columns ``name, kind (embedded|public), description, metric (error|loss),
        size (the size column), rows, citation, license``. ``rows`` counts the data rows
        of the raw file (embedded: of the shipped CSV; missing if the CSV is absent).

    Examples
    --------
    >>> from bayes_scaling.datasets import list_datasets
    >>> table = list_datasets()
    >>> table.columns.tolist()
    ['name', 'kind', 'description', 'metric', 'size', 'rows', 'citation', 'license']
    >>> table.loc[table["name"] == "mlp-learning-curves", "kind"].item()
    'embedded'
    """
    records = []
    for spec in load_registry().values():
        rows = spec.rows if spec.kind == "public" else count_rows(spec)
        records.append({
            "name": spec.name, "kind": spec.kind, "description": spec.description,
            "metric": spec.metric, "size": spec.size, "rows": rows,
            "citation": spec.citation, "license": spec.license,
        })
    frame = pd.DataFrame.from_records(records, columns=list(LIST_COLUMNS))
    return frame.astype({"rows": "Int64"})


def dataset_info(name: str) -> dict[str, Any]:
    """Everything the registry says about one dataset, plus where it lives locally.

    Parameters
    ----------
    name : str
        A registered name (see :func:`list_datasets`).

    Returns
    -------
    dict
        The registry entry (``name, kind, description, citation, license, metric, size,
        rows`` and, for public datasets, ``url, sha256, filename, cleaner, options``),
        plus ``local_path`` (the embedded CSV, or where the public file is cached with
        the current settings; the cache folder of a multi-file dataset), ``available``
        (whether that file exists; every file for a multi-file dataset) and, for the
        Computer Progress tables, ``compute_kinds`` (accepted ``compute=`` values). A
        multi-file dataset also has ``files`` (file name to sha256).

    Raises
    ------
    DatasetError
        Unknown name (the message lists valid names and close matches).

    Examples
    --------
    >>> from bayes_scaling.datasets import dataset_info
    >>> info = dataset_info("chinchilla-epoch2024")
    >>> info["kind"], info["metric"], info["size"]
    ('public', 'loss', 'params')
    """
    spec = get_spec(name)
    info = spec.as_dict()
    if spec.kind == "embedded":
        local = embedded_path(spec)
        info["rows"] = count_rows(spec)
        available = local.is_file()
    else:
        root = cache_root()
        local = root / str(spec.filename)
        available = all((root / f.filename).is_file() for f in spec.remote_files())
    info["local_path"] = str(local)
    info["available"] = available
    if spec.cleaner == "thompson":
        bench = BENCHMARKS[spec.options["benchmark"]]
        info["compute_kinds"] = ["hardware"] + (["network"] if network_unavailable(bench)
                                                is None else [])
    return info


def fetch(name: str, *, mirror: str | Path | None = None,
          cache_dir: str | Path | None = None) -> Path:
    """Get a verified local copy of a public dataset's raw file.

    Parameters
    ----------
    name : str
        A registered public dataset.
    mirror : str or pathlib.Path, optional
        Offline mirror folder (default ``$BAYES_SCALING_DATA_MIRROR``). A mirrored file is
        hash-checked, then copied into the cache.
    cache_dir : str or pathlib.Path, optional
        Cache folder (default ``$BAYES_SCALING_CACHE``, else pooch's OS cache).

    Returns
    -------
    pathlib.Path
        The cached raw file (sha256 verified). The network is used only when the file is
        neither mirrored nor cached. For a multi-file dataset (``gadre2024``) every file
        is fetched and verified, and the path is their manifest ``SHA256SUMS`` in the
        cache folder beside them (its sha256 is the registry's ``sha256``).

    Raises
    ------
    DatasetError
        Unknown or embedded dataset, hash mismatch (mirror or cache), download failure.

    Examples
    --------
    Offline, from a mirror laid out like the registry (``$BAYES_SCALING_DATA_MIRROR``):

    >>> from bayes_scaling.datasets import fetch
    >>> fetch("thompson2020-imagenet").name
    'imagenet.csv'
    """
    return fetch_file(get_spec(name), mirror=mirror, cache_dir=cache_dir)


def load_dataset_report(name: str, *, mirror: str | Path | None = None,
                        cache_dir: str | Path | None = None,
                        compute: str | None = None) -> tuple[ScalingData, CleaningReport]:
    """Load a dataset as a validated tidy table, with the report of its cleaning.

    Parameters
    ----------
    name : str
        A registered dataset (see :func:`list_datasets`).
    mirror, cache_dir : str or pathlib.Path, optional
        See :func:`fetch` (public datasets only).
    compute : {"hardware", "network"}, optional
        Computer Progress tables only: hardware burden (default) or network operations.

    Returns
    -------
    data : ScalingData
        Validated table; ``source`` and ``notes`` record the origin, options (compute
        kind), drop counts and conversions.
    report : CleaningReport
        Every dropped raw row with its reason, counts by reason, conversions applied.

    Raises
    ------
    DatasetError
        Unknown name, fetch/hash problem, option not applicable, nothing left to fit.
    DataValidationError
        The cleaned (or embedded) table fails :func:`~bayes_scaling.data.validate_frame`.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset_report
    >>> data, report = load_dataset_report("thompson2020-imagenet")
    >>> report.n_dropped == len(report.dropped) > 0  # every dropped row, with its reason
    True
    >>> report.dropped[0].category
    'missing hw_gflops'
    """
    return load_with_report(name, mirror=mirror, cache_dir=cache_dir, compute=compute)


def load_dataset(name: str, *, mirror: str | Path | None = None,
                 cache_dir: str | Path | None = None,
                 compute: str | None = None) -> ScalingData:
    """Load a dataset as a validated tidy :class:`~bayes_scaling.data.ScalingData`.

    Same as :func:`load_dataset_report` without the report (its summary is in
    ``ScalingData.notes``).

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> data = load_dataset("revisiting2022-lang")  # doctest: +SKIP
    >>> data.size, data.metric  # doctest: +SKIP
    ('data', 'loss')
    """
    return load_with_report(name, mirror=mirror, cache_dir=cache_dir, compute=compute)[0]


#: Size columns a tidy CSV may have, in the order :func:`resolve_table` looks for them.
SIZE_COLUMNS: tuple[str, ...] = ("data", "compute", "params")


def resolve_table(source: str | Path, *, size: str | None = None,
                  mirror: str | Path | None = None) -> ScalingData:
    """The one way a command names its input: a tidy CSV file or a registered dataset.

    An existing file is read as a tidy CSV (:func:`bayes_scaling.data.load_table`);
    otherwise a registered dataset name (``bayes-scaling datasets list``) is loaded with
    :func:`load_dataset`; anything else fails with the file-not-found validation error.

    Parameters
    ----------
    source : str or pathlib.Path
        A CSV path or a dataset name.
    size : {"data", "compute", "params"}, optional
        The size column of a CSV; default the first of :data:`SIZE_COLUMNS` in its
        header. Datasets know their own.
    mirror : str or pathlib.Path, optional
        Offline mirror of the public dataset files.

    Returns
    -------
    ScalingData

    Examples
    --------
    >>> from bayes_scaling.datasets import resolve_table
    >>> resolve_table("mlp-learning-curves").size
    'data'
    >>> import pandas as pd
    >>> pd.DataFrame({"domain": "d", "curve": "c", "compute": [1e15, 1e16, 1e17],
    ...               "error": [0.3, 0.2, 0.15]}).to_csv("mine.csv", index=False)
    >>> resolve_table("mine.csv").size  # the CSV's size column
    'compute'
    """
    path = Path(source)
    if path.exists():
        if size is None:
            try:
                columns = set(pd.read_csv(path, nrows=0).columns)
            except (OSError, ValueError):
                columns = set()  # load_table reports the real problem
            size = next((c for c in SIZE_COLUMNS if c in columns), "data")
        return load_table(path, size=size)
    if str(source) in set(list_datasets()["name"]):
        return load_dataset(str(source), mirror=mirror)
    return load_table(path, size=size or "data")  # raises the file-not-found error
