"""Cleaner for Epoch AI's extraction of Hoffmann et al. 2022 (Chinchilla), Figure 4.

The raw file (``svg_extracted_data.csv``) holds 245 training runs digitised from the
paper's figure: ``Model Size`` (parameters N), ``Training FLOP`` (C) and ``loss``; the
``x, y, color, hex_color`` columns are plot coordinates and colours, not used.

Tidy table: ``domain = "chinchilla"``, ``curve = "hoffmann2022-fig4"``, ``params = N``,
``compute = C``, ``data = C / (6 N)`` (training tokens from the usual ``C ~ 6 N D``
approximation), ``loss``. The size column is ``params``: the runs are IsoFLOP sweeps
(model size varies within each compute budget); ``data`` and ``compute`` are carried
for joint fits.

:data:`REFERENCE_FITS` holds the published fits of ``L = E + A/N^alpha + B/D^beta`` for
comparison in tests and examples.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from bayes_scaling.data import validate_frame
from bayes_scaling.datasets.cleaning import CleaningReport, DroppedRow
from bayes_scaling.datasets.rawcsv import read_raw_csv
from bayes_scaling.datasets.rules import RowDrop, parse_number
from bayes_scaling.errors import DatasetError

DOMAIN = "chinchilla"
CURVE = "hoffmann2022-fig4"
SIZE = "params"
_COLUMNS = {"params": "Model Size", "compute": "Training FLOP", "loss": "loss"}

REFERENCE_FITS: MappingProxyType[str, MappingProxyType[str, float | str]] = MappingProxyType({
    "hoffmann2022": MappingProxyType({
        "E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28,
        "citation": "Hoffmann et al. 2022, Training Compute-Optimal Large Language Models, "
                    "arXiv:2203.15556 (Approach 3, parametric loss fit)",
    }),
    "besiroglu2024": MappingProxyType({
        "E": 1.82, "A": 482.0, "B": 2085.0, "alpha": 0.35, "beta": 0.37,
        "citation": "Besiroglu, Erdil, Barnett, You 2024, Chinchilla Scaling: A replication "
                    "attempt, arXiv:2404.10102 (refit on this extracted data; values rounded)",
    }),
})
"""Published fits of ``L(N, D) = E + A / N**alpha + B / D**beta`` (N parameters, D tokens)."""


def reference_loss(fit: str, params: np.ndarray | float,
                   data: np.ndarray | float) -> np.ndarray:
    """Loss predicted by a published reference fit.

    Parameters
    ----------
    fit : {"hoffmann2022", "besiroglu2024"}
        Key of :data:`REFERENCE_FITS`.
    params, data : array_like
        Parameter count N and training tokens D (broadcast together).

    Returns
    -------
    numpy.ndarray
        ``E + A / N**alpha + B / D**beta``.

    Examples
    --------
    >>> round(float(reference_loss("hoffmann2022", 70e9, 1.4e12)), 3)
    1.937
    """
    p = REFERENCE_FITS[fit]
    n = np.asarray(params, dtype=float)
    d = np.asarray(data, dtype=float)
    return (p["E"] + p["A"] / n ** p["alpha"]  # type: ignore[operator]
            + p["B"] / d ** p["beta"])  # type: ignore[operator]


def clean_chinchilla(path: str | Path, *, dataset: str) -> tuple[pd.DataFrame, CleaningReport]:
    """Clean the Chinchilla Figure 4 extraction into the tidy model.

    Parameters
    ----------
    path : str or pathlib.Path
        The raw ``svg_extracted_data.csv``.
    dataset : str
        Registered dataset name (recorded in the report).

    Returns
    -------
    frame : pandas.DataFrame
        Validated tidy table (size column ``params``, metric ``loss``).
    report : CleaningReport
        Rows dropped for an exact duplicate or a missing/unparseable/non-positive value.
    """
    table = read_raw_csv(path)
    for column in _COLUMNS.values():
        table.column(column)
    records: list[dict[str, object]] = []
    kept_rows: list[int] = []
    dropped: list[DroppedRow] = []
    first_seen: dict[tuple[str, ...], int] = {}
    for row, cells in enumerate(table.rows):
        try:
            if cells in first_seen:
                raise RowDrop("exact duplicate", f"exact duplicate of row {first_seen[cells]}")
            first_seen[cells] = row
            values = {k: parse_number(table.cell(row, c), c) for k, c in _COLUMNS.items()}
            values["data"] = values["compute"] / (6.0 * values["params"])
            if not 0.0 < values["data"] < np.inf:  # under/overflow of the derived tokens
                raise RowDrop("implausible tokens", f"data = compute / (6 params) = "
                              f"{values['data']:g} is not a positive finite number")
        except RowDrop as exc:
            dropped.append(DroppedRow(row, table.lines[row], exc.category, exc.reason))
            continue
        records.append({"domain": DOMAIN, "curve": CURVE, **values})
        kept_rows.append(row)
    if not records:
        counts = CleaningReport(dataset, len(table), 0, tuple(dropped)).counts()
        raise DatasetError(f"{dataset}: no usable rows; all {len(table)} raw rows were "
                           f"dropped, by reason: {counts}")
    tidy = validate_frame(pd.DataFrame.from_records(records), size=SIZE)
    report = CleaningReport(
        dataset=dataset, raw_rows=len(table), kept_rows=len(tidy), dropped=tuple(dropped),
        conversions=(
            "params = 'Model Size', compute = 'Training FLOP' (FLOP), loss = 'loss' "
            "(values digitised from the paper's Figure 4 SVG: read-off error included)",
            "data (training tokens) = compute / (6 * params), the C ~ 6 N D approximation",
        ),
        notes=(
            f"domain {DOMAIN!r}, one curve {CURVE!r}; size column {SIZE!r} (IsoFLOP "
            "sweeps: model size varies within each compute budget)",
            "columns x, y, color, hex_color are plot coordinates/colours and are not used",
            "published reference fits: bayes_scaling.datasets.chinchilla.REFERENCE_FITS",
        ),
        source_rows=tuple(kept_rows),
    )
    return tidy, report
