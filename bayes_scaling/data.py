"""The tidy data model: one row per measurement, validated on the way in.

A scaling table is *long*: each row is one trained model evaluated once.

========== ========== ==========================================================
column     required   meaning
========== ========== ==========================================================
domain     yes        task family (e.g. ``"mnist1d"``, ``"nmt"``); text
curve      yes        one learning curve within a domain (architecture); text
data       one size   training-set size (samples, tokens); > 0
params     column     model size (parameter count); > 0
compute    required   training compute (FLOP); > 0
error      one metric bounded error rate, 0 < error <= 1
loss       required   positive loss (cross-entropy, log-perplexity, ...), > 0
seed       no         integer replicate id
split      no         ``"fit"`` (use for fitting) or ``"holdout"`` (score only)
year       no         publication year (compute-trend models)
label      no         free-text model name
========== ========== ==========================================================

Exactly one of ``error`` / ``loss`` must be present: models work on the log of the
metric, so both must be strictly positive; ``error`` must also be at most 1.
Nothing is silently dropped: every problem raises :class:`DataValidationError`
naming the offending rows (0-based data rows and the 1-based CSV line), the column
and the valid range.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from bayes_scaling.errors import DataValidationError

Metric = Literal["error", "loss"]

ID_COLUMNS: tuple[str, ...] = ("domain", "curve")
SIZE_COLUMNS: tuple[str, ...] = ("data", "params", "compute")
METRIC_COLUMNS: tuple[str, ...] = ("error", "loss")
OPTIONAL_COLUMNS: tuple[str, ...] = ("seed", "split", "year", "label")
WHOLE_NUMBER_COLUMNS: tuple[str, ...] = ("seed", "year")
KNOWN_COLUMNS: tuple[str, ...] = ID_COLUMNS + SIZE_COLUMNS + METRIC_COLUMNS + OPTIONAL_COLUMNS
SPLIT_VALUES: tuple[str, ...] = ("fit", "holdout")
MIN_DISTINCT_SIZES = 3
_MAX_LISTED = 8


def _rows_text(rows: Sequence[int]) -> str:
    """Describe data rows as ``row 3 (CSV line 5)``, listing at most a few."""
    shown = ", ".join(f"{r} (CSV line {r + 2})" for r in rows[:_MAX_LISTED])
    more = f" and {len(rows) - _MAX_LISTED} more" if len(rows) > _MAX_LISTED else ""
    noun = "row" if len(rows) == 1 else "rows"
    return f"{noun} {shown}{more}"


def _fail(message: str, *, column: str | None = None, rows: Sequence[int] = ()) -> None:
    raise DataValidationError(message, column=column, rows=list(rows))


def _check_columns(columns: Sequence[str], size: str) -> Metric:
    """Check names: duplicates, unknown, required; return the metric column."""
    seen: set[str] = set()
    dups = sorted({c for c in columns if c in seen or seen.add(c)})  # type: ignore[func-returns-value]
    if dups:
        _fail(f"duplicated column name(s) {dups}; each column must appear once", column=dups[0])
    unknown = [c for c in columns if c not in KNOWN_COLUMNS]
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(str(name).strip().lower(), KNOWN_COLUMNS, n=1)
            hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        _fail(
            f"unknown column(s) {', '.join(hints)}; valid columns are {list(KNOWN_COLUMNS)}",
            column=str(unknown[0]),
        )
    missing = [c for c in ID_COLUMNS if c not in columns]
    if missing:
        _fail(f"missing required column(s) {missing}; a tidy table needs 'domain' and 'curve'",
              column=missing[0])
    metrics = [c for c in METRIC_COLUMNS if c in columns]
    if len(metrics) != 1:
        _fail(
            "exactly one metric column is required: 'error' (bounded rate in (0, 1]) or "
            f"'loss' (positive); found {metrics or 'neither'}",
            column=metrics[0] if metrics else None,
        )
    if size not in SIZE_COLUMNS:
        _fail(f"size column {size!r} is not a size column; valid: {list(SIZE_COLUMNS)}")
    if size not in columns:
        _fail(
            f"missing size column {size!r} (the model's resource axis); "
            f"present size columns: {[c for c in SIZE_COLUMNS if c in columns] or 'none'}",
            column=size,
        )
    return metrics[0]  # type: ignore[return-value]


def _real_cell(value: object) -> object:
    """Pre-convert cells that ``pd.to_numeric`` mishandles.

    Complex numbers are not real measurements (and ``pd.to_numeric`` fills later text
    cells of a complex column with garbage): those with an imaginary part become NaN
    and are reported as non-numeric. Python ints beyond the float range
    (``OverflowError`` in pandas) become +-inf and are reported as infinite.
    """
    if isinstance(value, complex | np.complexfloating):
        return math.nan if value.imag else value.real
    if isinstance(value, int) and abs(value) > sys.float_info.max:
        return math.inf if value > 0 else -math.inf
    return value


def _check_utf8(frame: pd.DataFrame, column: str) -> None:
    """Name bytes cells that are not UTF-8 (pandas decodes bytes as UTF-8 text)."""
    cells = frame[column]
    if cells.dtype != object:
        return
    bad = []
    for i, value in enumerate(cells):
        if isinstance(value, bytes):
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                bad.append(i)
    if bad:
        _fail(f"column {column!r} has bytes that are not UTF-8 text in {_rows_text(bad)}; "
              "decode them to str first", column=column, rows=bad)


def _numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    """Convert a column to float, naming every non-numeric row."""
    raw = frame[column]
    cells = raw.map(_real_cell) if raw.dtype.kind in "cO" else raw
    values = pd.to_numeric(cells, errors="coerce").astype(float)
    blank = raw.isna() | raw.astype(str).str.strip().isin(["", "nan", "NaN", "NA", "None"])
    bad = np.flatnonzero(values.isna().to_numpy() & ~blank.to_numpy())
    if bad.size:
        examples = ", ".join(repr(raw.iloc[i]) for i in bad[:3])
        _fail(
            f"column {column!r} must be numeric; non-numeric value(s) {examples} in "
            f"{_rows_text(bad.tolist())}",
            column=column,
            rows=bad.tolist(),
        )
    return values


def _check_finite_range(
    values: pd.Series, column: str, *, low: float, high: float, low_open: bool, high_open: bool
) -> None:
    nan_rows = np.flatnonzero(np.isnan(values.to_numpy())).tolist()
    if nan_rows:
        _fail(f"column {column!r} has missing/NaN values in {_rows_text(nan_rows)}; "
              "every row needs a value (remove the rows or fill them)",
              column=column, rows=nan_rows)
    arr = values.to_numpy()
    inf_rows = np.flatnonzero(np.isinf(arr)).tolist()
    if inf_rows:
        _fail(f"column {column!r} has infinite values in {_rows_text(inf_rows)}; "
              "values must be finite", column=column, rows=inf_rows)
    too_low = arr <= low if low_open else arr < low
    too_high = arr >= high if high_open else arr > high
    bad = np.flatnonzero(too_low | too_high).tolist()
    if bad:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        examples = ", ".join(f"{arr[i]:g}" for i in bad[:3])
        _fail(
            f"column {column!r} has value(s) {examples} outside the valid range {interval} "
            f"in {_rows_text(bad)}",
            column=column,
            rows=bad,
        )


def _whole_numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    """Convert a column of whole numbers (``seed``, ``year``) to int64, naming bad rows."""
    vals = _numeric(frame, column)
    # |value| < 2**53: the whole numbers float64 holds exactly; larger ones would
    # be rounded or wrap around (int64 cast) silently
    _check_finite_range(vals, column, low=-(2.0**53), high=2.0**53, low_open=True,
                        high_open=True)
    frac = np.flatnonzero((vals != np.round(vals)).to_numpy()).tolist()
    if frac:
        _fail(f"column {column!r} must hold whole numbers; got fractional values in "
              f"{_rows_text(frac)}", column=column, rows=frac)
    return vals.astype("int64")


def _check_text(frame: pd.DataFrame, column: str) -> pd.Series:
    raw = frame[column]
    text = raw.astype("string").str.strip()
    bad = np.flatnonzero((raw.isna() | (text == "") | text.isna()).to_numpy()).tolist()
    if bad:
        _fail(f"column {column!r} must be non-empty text; empty/missing in {_rows_text(bad)}",
              column=column, rows=bad)
    return text.astype(str)


def validate_frame(frame: pd.DataFrame, *, size: str = "data") -> pd.DataFrame:
    """Validate a tidy scaling table and return a clean, typed copy.

    Parameters
    ----------
    frame : pandas.DataFrame
        The long table (see the module docstring for the columns).
    size : {"data", "params", "compute"}, default "data"
        The size column the model will use as its resource axis; it must be present
        and each curve must have at least 3 distinct values of it.

    Returns
    -------
    pandas.DataFrame
        Same rows in the same order, with a fresh ``RangeIndex``, numeric columns as
        ``float64`` (``seed``/``year`` as ``int64``) and text columns as ``str``.

    Raises
    ------
    DataValidationError
        On empty input, missing/unknown/duplicated columns, non-numeric, NaN, infinite
        or out-of-range values, invalid ``split`` labels, duplicate rows, or curves with
        fewer than 3 distinct sizes. The message names rows, column and valid range.

    Examples
    --------
    >>> import pandas as pd
    >>> from bayes_scaling.data import validate_frame
    >>> df = pd.DataFrame({"domain": "d", "curve": "c", "data": [10, 100, 1000],
    ...                    "error": [0.5, 0.3, 0.2]})
    >>> validate_frame(df).shape
    (3, 4)
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(
            f"expected a pandas DataFrame, got {type(frame).__name__}; "
            "use load_table() for CSV files"
        )
    columns = [str(c) for c in frame.columns]
    if len(columns) == 0:
        _fail("empty input: the table has no columns; expected at least "
              f"{list(ID_COLUMNS)}, a size column {list(SIZE_COLUMNS)} and 'error' or 'loss'")
    metric = _check_columns(columns, size)
    if len(frame) == 0:
        _fail("empty input: the table has a header but no data rows")
    frame = frame.copy()
    frame.columns = columns
    frame = frame.reset_index(drop=True)
    for col in columns:
        _check_utf8(frame, col)
    out = pd.DataFrame(index=frame.index)
    for col in ID_COLUMNS:
        out[col] = _check_text(frame, col)
    for col in SIZE_COLUMNS:
        if col in frame:
            out[col] = _numeric(frame, col)
            _check_finite_range(out[col], col, low=0.0, high=np.inf, low_open=True,
                                high_open=True)
    values = _numeric(frame, metric)
    if metric == "error":
        _check_finite_range(values, metric, low=0.0, high=1.0, low_open=True, high_open=False)
    else:
        _check_finite_range(values, metric, low=0.0, high=np.inf, low_open=True, high_open=True)
    out[metric] = values
    for col in WHOLE_NUMBER_COLUMNS:
        if col in frame:
            out[col] = _whole_numbers(frame, col)
    if "split" in frame:
        split = frame["split"].astype("string").str.strip().str.lower()
        bad = np.flatnonzero((~split.isin(SPLIT_VALUES)).fillna(True).to_numpy()).tolist()
        if bad:
            examples = ", ".join(repr(frame["split"].iloc[i]) for i in bad[:3])
            _fail(f"column 'split' has invalid label(s) {examples} in {_rows_text(bad)}; "
                  f"valid labels: {list(SPLIT_VALUES)}", column="split", rows=bad)
        out["split"] = split.astype(str)
    if "label" in frame:
        out["label"] = frame["label"].astype("string").fillna("").astype(str)
    out = out[[c for c in KNOWN_COLUMNS if c in out]]

    duplicated = out.duplicated(keep=False).to_numpy()
    if duplicated.any():
        rows = np.flatnonzero(duplicated).tolist()
        _fail(f"duplicate rows (identical in every column): {_rows_text(rows)}; "
              "remove the copies or add a 'seed' column to tell replicates apart",
              rows=rows)
    key = [c for c in (*ID_COLUMNS, *SIZE_COLUMNS, "seed", "split", "label") if c in out]
    if "seed" in out:
        clash = out.duplicated(subset=key, keep=False).to_numpy()
        if clash.any():
            rows = np.flatnonzero(clash).tolist()
            _fail(f"conflicting measurements: {_rows_text(rows)} share domain, curve, sizes "
                  f"and seed but differ in {metric!r}; each (curve, size, seed) is measured once",
                  column=metric, rows=rows)

    counts = out.groupby(list(ID_COLUMNS), sort=False)[size].nunique()
    short = counts[counts < MIN_DISTINCT_SIZES]
    if len(short):
        (dom, cur), n = short.index[0], int(short.iloc[0])
        rows = np.flatnonzero(((out["domain"] == dom) & (out["curve"] == cur)).to_numpy())
        names = ", ".join(f"{d}/{c}" for d, c in short.index[:_MAX_LISTED])
        _fail(
            f"curve(s) {names} have fewer than {MIN_DISTINCT_SIZES} distinct {size!r} values "
            f"(curve {dom}/{cur} has {n}, in {_rows_text(rows.tolist())}); a learning curve "
            f"needs at least {MIN_DISTINCT_SIZES} sizes to separate scale, exponent and floor",
            column=size,
            rows=rows.tolist(),
        )
    return out


def validate_prediction_rows(frame: pd.DataFrame, *, sizes: Sequence[str],
                             covariates: Sequence[str] = (),
                             extra_positive: Sequence[str] = ()) -> pd.DataFrame:
    """Validate the rows to predict at: ``domain``, ``curve``, the size columns and covariates.

    Unlike :func:`validate_frame` no metric is needed (it is what is predicted); a metric
    column, if present, is kept and must hold positive finite values (so the output can sit
    beside the truth), as must any other size column present. Other columns the tidy table
    knows (``seed``, ``split``, ...) are kept (``seed`` and ``year`` as whole numbers);
    unknown columns raise, as for fitting tables.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows to predict at.
    sizes : sequence of str
        The size columns the fit needs (``("data",)``, ``("params", "data")``, ...).
    covariates : sequence of str, optional
        Other columns the fit needs, whole numbers (``("year",)`` for a compute-scaling
        fit with a year trend).
    extra_positive : sequence of str, optional
        Optional columns the caller accepts besides the tidy table's, positive finite
        numbers where present (``("cost",)`` for the candidates of
        :func:`bayes_scaling.design.rank_candidates`).

    Returns
    -------
    pandas.DataFrame
        A typed copy with a fresh 0-based index.

    Raises
    ------
    DataValidationError
        Naming the column, the rows (0-based data rows and the 1-based CSV line) and what
        would be valid.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"domain": "d", "curve": "c", "compute": [1e18], "year": [2021]})
    >>> validate_prediction_rows(rows, sizes=["compute"], covariates=["year"])["year"].dtype
    dtype('int64')
    """
    if not isinstance(frame, pd.DataFrame):
        _fail(f"rows to predict at must be a pandas DataFrame, got {type(frame).__name__}")
    columns = [str(c) for c in frame.columns]
    dups = sorted({c for c in columns if columns.count(c) > 1})
    if dups:
        _fail(f"duplicated column name(s) {dups}; each column must appear once", column=dups[0])
    valid = [*KNOWN_COLUMNS, *extra_positive]
    unknown = [c for c in columns if c not in valid]
    if unknown:
        _fail(f"unknown column(s) {unknown}; valid columns are {valid}", column=unknown[0])
    needed = [*ID_COLUMNS, *sizes, *covariates]
    missing = [c for c in needed if c not in columns]
    if missing:
        _fail(f"missing column(s) {missing}; this fit predicts from {needed}",
              column=missing[0])
    if frame.empty:
        _fail("no rows to predict at; give at least one row")
    out = frame.reset_index(drop=True).copy()
    out.columns = columns
    for column in ID_COLUMNS:
        _check_utf8(out, column)
        out[column] = _check_text(out, column)
    positive = [*sizes, *[c for c in (*SIZE_COLUMNS, *METRIC_COLUMNS, *extra_positive)
                          if c in columns and c not in sizes]]
    for column in positive:
        values = _numeric(out, column)
        _check_finite_range(values, column, low=0.0, high=math.inf, low_open=True,
                            high_open=True)
        out[column] = values
    for column in [*covariates, *[c for c in WHOLE_NUMBER_COLUMNS
                                  if c in columns and c not in covariates]]:
        out[column] = _whole_numbers(out, column)
    return out


def read_csv_checked(path: str | Path) -> pd.DataFrame:
    """Read a CSV as text cells, turning I/O and parse failures into clear errors.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV file with a header row.

    Returns
    -------
    pandas.DataFrame
        All cells as strings (validation converts them), header kept verbatim,
        including duplicated names (which :func:`validate_frame` then rejects).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataValidationError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataValidationError(
            f"{path} is not UTF-8 text (byte {exc.start}: {raw[exc.start:exc.start + 1]!r}); "
            "save the CSV as UTF-8"
        ) from exc
    if not text.strip():
        raise DataValidationError(f"empty input: {path} is empty; expected a CSV with a header")
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise DataValidationError(f"{path} is not valid CSV: {exc}") from exc
    blank = [i for i, r in enumerate(rows) if not any(cell.strip() for cell in r)]
    last = max((i for i, r in enumerate(rows) if any(cell.strip() for cell in r)), default=-1)
    interior = [i for i in blank if i < last]
    if interior:
        # dropping them would shift every reported "CSV line" after them
        lines = ", ".join(str(i + 1) for i in interior[:_MAX_LISTED])
        raise DataValidationError(
            f"{path}: blank line(s) at CSV line {lines} between data rows; remove them "
            "(blank lines are only allowed at the end of the file)")
    header, body = rows[0], rows[1:last + 1]
    header = [h.strip() for h in header]
    ragged = [i for i, r in enumerate(body) if len(r) != len(header)]
    if ragged:
        raise DataValidationError(
            f"{path}: {_rows_text(ragged)} have a different number of fields than the header "
            f"({len(header)} columns)",
            rows=ragged,
        )
    frame = pd.DataFrame(body, columns=pd.Index(header, dtype=object), dtype=object)
    return frame


@dataclass(frozen=True)
class ScalingData:
    """A validated tidy scaling table.

    Parameters
    ----------
    frame : pandas.DataFrame
        The validated table (see :func:`validate_frame`).
    size : str
        The size column used as resource axis.
    source : str
        Where the table came from (path or description), kept in fit metadata.

    Examples
    --------
    >>> import pandas as pd
    >>> from bayes_scaling.data import ScalingData
    >>> df = pd.DataFrame({"domain": "d", "curve": "c", "data": [10, 100, 1000],
    ...                    "error": [0.5, 0.3, 0.2]})
    >>> ScalingData.from_frame(df).metric
    'error'
    """

    frame: pd.DataFrame
    size: str = "data"
    source: str = "<DataFrame>"
    notes: tuple[str, ...] = field(default=())

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, size: str = "data",
                   source: str = "<DataFrame>") -> ScalingData:
        """Validate ``frame`` and wrap it."""
        return cls(validate_frame(frame, size=size), size=size, source=source)

    @classmethod
    def from_csv(cls, path: str | Path, *, size: str = "data") -> ScalingData:
        """Read and validate a CSV file."""
        return cls.from_frame(read_csv_checked(path), size=size, source=str(path))

    @property
    def metric(self) -> Metric:
        """``"error"`` or ``"loss"``: which metric the table measures."""
        return "error" if "error" in self.frame else "loss"

    @property
    def domains(self) -> list[str]:
        """Domains in order of first appearance."""
        return list(dict.fromkeys(self.frame["domain"]))

    @property
    def curves(self) -> list[tuple[str, str]]:
        """``(domain, curve)`` pairs in order of first appearance."""
        return list(dict.fromkeys(zip(self.frame["domain"], self.frame["curve"], strict=True)))

    def sha256(self) -> str:
        """Content hash of the validated table (column order and values)."""
        payload = self.frame.to_csv(index=False, float_format="%.17g").encode()
        return hashlib.sha256(payload).hexdigest()

    def split(self, which: str) -> ScalingData:
        """Rows with ``split == which`` (all rows if the table has no ``split`` column)."""
        if "split" not in self.frame:
            return self
        sub = self.frame[self.frame["split"] == which].reset_index(drop=True)
        return ScalingData(sub, size=self.size, source=f"{self.source}[split={which}]",
                           notes=self.notes)


def load_table(source: str | Path | pd.DataFrame | ScalingData, *,
               size: str = "data") -> ScalingData:
    """Load and validate a tidy scaling table from a CSV path or DataFrame.

    Parameters
    ----------
    source : str, pathlib.Path, pandas.DataFrame or ScalingData
        The table. A :class:`ScalingData` is returned unchanged.
    size : {"data", "params", "compute"}, default "data"
        Resource axis (see :func:`validate_frame`).

    Returns
    -------
    ScalingData

    Examples
    --------
    >>> import pandas as pd
    >>> from bayes_scaling import load_table
    >>> table = load_table(pd.DataFrame({"domain": "d", "curve": "c",
    ...                                  "data": [10, 100, 1000], "error": [0.5, 0.3, 0.2]}))
    >>> table.metric, table.size, len(table.frame)
    ('error', 'data', 3)
    """
    if isinstance(source, ScalingData):
        return source
    if isinstance(source, pd.DataFrame):
        return ScalingData.from_frame(source, size=size)
    return ScalingData.from_csv(source, size=size)


def as_table(source: str | Path | pd.DataFrame | ScalingData, *,
              size: str | None = None) -> ScalingData:
    """:func:`load_table`, keeping a :class:`ScalingData`'s own size axis unless ``size``
    names another, on which its rows are then re-validated.

    Parameters
    ----------
    source : str, pathlib.Path, pandas.DataFrame or ScalingData
        The table.
    size : {"data", "params", "compute"}, optional
        Resource axis; default the table's own (``"data"`` for a path or DataFrame).
    """
    if isinstance(source, ScalingData):
        return source if size in (None, source.size) else load_table(source.frame, size=size)
    return load_table(source, size=size or "data")


def best_model_size_rows(frame: pd.DataFrame, *, metric: str, size: str = "data",
                         by: Iterable[str] = ("domain", "curve")) -> pd.DataFrame:
    """Keep, for each shard, the rows of the best model size (Hestness et al. 2017).

    A *shard* is one ``(domain, curve, size)`` combination. When the table carries a
    width sweep (several ``params`` values per shard), the learning curve is drawn
    through the best model of each shard. **Rule**: the best model size of a shard is
    the ``params`` value with the lowest mean metric over seeds (ties: the smaller
    model). All seeds' rows at that size are kept, so seed noise still informs the fit.
    Tables without ``params`` (or one value per shard) are returned unchanged.

    Parameters
    ----------
    frame : pandas.DataFrame
        A validated tidy table.
    metric : {"error", "loss"}
        The metric column.
    size : str, default "data"
        The resource column defining shards.
    by : iterable of str
        Columns identifying a curve.

    Returns
    -------
    pandas.DataFrame
        The selected rows, original order, fresh index.
    """
    if "params" not in frame or size == "params":
        return frame.reset_index(drop=True)
    keys = [*by, size]
    means = frame.groupby([*keys, "params"], sort=False)[metric].mean().reset_index()
    means = means.sort_values([*keys, metric, "params"], kind="mergesort")
    best = means.drop_duplicates(subset=keys, keep="first")[[*keys, "params"]]
    merged = frame.reset_index().merge(best, on=[*keys, "params"], how="inner")
    return frame.loc[merged["index"].sort_values()].reset_index(drop=True)
