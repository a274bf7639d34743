"""Cleaner for the language benchmark of Alabdulmohsin, Neyshabur & Zhai (NeurIPS 2022).

Raw columns: ``Domain, Task, Model, Seen Examples, Loss, Training``. A learning curve
is identified by ``(Domain, Task, Model)``: NMT has 5 curves (one task, 5 architectures),
LM 5 (one task, 5 model sizes), BB (BIG-Bench) 10 (10 task/shot pairs, one model).

Tidy table: ``domain = Domain`` (``"NMT"``, ``"LM"``, ``"BB"`` as in the source),
``curve = "<Task>/<Model>"`` (a BIG-Bench task written as a tuple, ``('date', '1-shot')``,
becomes ``date 1-shot``), ``data = Seen Examples``, ``loss = Loss``, ``split = "fit"``
where ``Training == 1`` and ``"holdout"`` where ``Training == 0`` (the paper's
extrapolation points). Size column ``data``. A curve left with fewer than 3 distinct
sizes after the row rules is dropped whole, each of its rows reported.

Known defect: each LM curve is repeated 4 times in a row in the source (687 exact
duplicate rows, 229 unique LM rows). Exact duplicates are dropped, each naming the first
occurrence ("exact duplicate of row N").
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from bayes_scaling.data import MIN_DISTINCT_SIZES, validate_frame
from bayes_scaling.datasets.cleaning import CleaningReport, DroppedRow
from bayes_scaling.datasets.rawcsv import RawTable, read_raw_csv
from bayes_scaling.datasets.rules import RowDrop, parse_number
from bayes_scaling.errors import DatasetError

SIZE = "data"
_TUPLE = re.compile(r"^\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)$")
_SPLITS = {"1": "fit", "0": "holdout"}


def task_name(task: str) -> str:
    """Readable task name: ``"('date', '1-shot')"`` -> ``"date 1-shot"``; others unchanged.

    Examples
    --------
    >>> task_name("('qa', '2-shot')")
    'qa 2-shot'
    >>> task_name("val_loss")
    'val_loss'
    """
    match = _TUPLE.match(task)
    return f"{match.group(1)} {match.group(2)}" if match else task


def _split(text: str) -> str:
    try:
        return _SPLITS[text.removesuffix(".0")]
    except KeyError:
        raise RowDrop("invalid Training flag",
                      f"Training flag {text!r} is neither 1 (fit) nor 0 (holdout)") from None


def _drop_short_curves(records: list[dict[str, object]], kept_rows: list[int], table: RawTable,
                       dropped: list[DroppedRow]) -> tuple[list[dict[str, object]], list[int]]:
    """Drop (and report) every row of a curve left with < ``MIN_DISTINCT_SIZES`` sizes."""
    sizes: dict[tuple[object, object], set[object]] = {}
    for rec in records:
        sizes.setdefault((rec["domain"], rec["curve"]), set()).add(rec["data"])
    keep_records, keep_rows = [], []
    for rec, row in zip(records, kept_rows, strict=True):
        n = len(sizes[(rec["domain"], rec["curve"])])
        if n >= MIN_DISTINCT_SIZES:
            keep_records.append(rec)
            keep_rows.append(row)
            continue
        dropped.append(DroppedRow(
            row, table.lines[row], f"curve with < {MIN_DISTINCT_SIZES} distinct sizes",
            f"curve {rec['domain']}/{rec['curve']} keeps only {n} distinct 'Seen Examples' "
            f"value(s) (< {MIN_DISTINCT_SIZES} needed for a learning curve)",
            label=f"{rec['domain']} {rec['curve']}"))
    return keep_records, keep_rows


def clean_revisiting(path: str | Path, *, dataset: str) -> tuple[pd.DataFrame, CleaningReport]:
    """Clean ``benchmark.lang.csv`` into the tidy model.

    Parameters
    ----------
    path : str or pathlib.Path
        The raw CSV.
    dataset : str
        Registered dataset name (recorded in the report).

    Returns
    -------
    frame : pandas.DataFrame
        Validated tidy table (size column ``data``, metric ``loss``, with ``split``).
    report : CleaningReport
        Every exact duplicate and any row with a missing/invalid value.
    """
    table = read_raw_csv(path)
    for column in ("Domain", "Task", "Model", "Seen Examples", "Loss", "Training"):
        table.column(column)
    records: list[dict[str, object]] = []
    kept_rows: list[int] = []
    dropped: list[DroppedRow] = []
    first_seen: dict[tuple[str, ...], int] = {}
    for row, cells in enumerate(table.rows):
        cell = table.cell
        label = f"{cell(row, 'Domain')} {cell(row, 'Task')}/{cell(row, 'Model')}"
        try:
            if cells in first_seen:
                raise RowDrop("exact duplicate", f"exact duplicate of row {first_seen[cells]}")
            first_seen[cells] = row
            for column in ("Domain", "Task", "Model"):
                if not cell(row, column):
                    raise RowDrop(f"missing {column}")
            record = {
                "domain": cell(row, "Domain"),
                "curve": f"{task_name(cell(row, 'Task'))}/{cell(row, 'Model')}",
                "data": parse_number(cell(row, "Seen Examples"), "Seen Examples"),
                "loss": parse_number(cell(row, "Loss"), "Loss"),
                "split": _split(cell(row, "Training")),
            }
        except RowDrop as exc:
            dropped.append(DroppedRow(row, table.lines[row], exc.category, exc.reason,
                                      label=label))
            continue
        records.append(record)
        kept_rows.append(row)
    records, kept_rows = _drop_short_curves(records, kept_rows, table, dropped)
    if not records:
        raise DatasetError(f"{dataset}: no curve keeps at least {MIN_DISTINCT_SIZES} distinct "
                           f"sizes; all {len(table)} raw rows were dropped, by reason: "
                           f"{CleaningReport(dataset, len(table), 0, tuple(dropped)).counts()}")
    dropped.sort(key=lambda d: d.row)
    tidy = validate_frame(pd.DataFrame.from_records(records), size=SIZE)
    n_curves = tidy.groupby(["domain", "curve"]).ngroups
    report = CleaningReport(
        dataset=dataset, raw_rows=len(table), kept_rows=len(tidy), dropped=tuple(dropped),
        conversions=(
            "data = 'Seen Examples', loss = 'Loss' (unchanged)",
            "split = 'fit' where Training == 1, 'holdout' where Training == 0",
        ),
        notes=(
            f"{n_curves} curves identified by (Domain, Task, Model); curve = '<Task>/<Model>', "
            "BIG-Bench task tuples written as '<task> <shots>'",
            "source defect: the LM curves are repeated 4 times in a row; exact duplicates are "
            "dropped (first occurrence kept)",
        ),
        source_rows=tuple(kept_rows),
    )
    return tidy, report
