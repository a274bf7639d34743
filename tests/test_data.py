"""The tidy-table loader: every bad-input class is rejected with a precise message.

Each failure test checks the error *type* (:class:`DataValidationError`), its
``column``/``rows`` attributes and the message content (row numbers, CSV line,
column name, valid range or valid values), from a DataFrame and from a CSV file.
"""

from __future__ import annotations

import csv
import math
import re
import tempfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from bayes_scaling.data import (
    KNOWN_COLUMNS,
    SPLIT_VALUES,
    ScalingData,
    best_model_size_rows,
    load_table,
    read_csv_checked,
    validate_frame,
)
from bayes_scaling.errors import BayesScalingError, DataValidationError

SOURCES = ("frame", "csv")

# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------


def base_table(**columns: list[Any]) -> dict[str, list[Any]]:
    """A valid 4-row, one-curve table carrying all three size columns.

    Keyword arguments replace (or, with value ``None``, drop) columns.
    """
    table: dict[str, list[Any]] = {
        "domain": ["d"] * 4,
        "curve": ["c"] * 4,
        "data": [10, 100, 1000, 10000],
        "params": [1e3, 1e4, 1e5, 1e6],
        "compute": [1e9, 1e10, 1e11, 1e12],
        "error": [0.5, 0.3, 0.2, 0.15],
    }
    for name, values in columns.items():
        if values is None:
            table.pop(name, None)
        else:
            table[name] = values
    return table


def with_cell(column: str, row: int, value: Any, **columns: list[Any]) -> dict[str, list[Any]]:
    """``base_table`` with one cell replaced."""
    table = base_table(**columns)
    table[column] = list(table[column])
    table[column][row] = value
    return table


def write_csv(path: Path, table: dict[str, list[Any]]) -> Path:
    """Write a table as CSV the way a user would (``str`` of every cell; NaN -> empty)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(table))
        for row in zip(*table.values(), strict=True):
            writer.writerow(["" if isinstance(v, float) and math.isnan(v) else v for v in row])
    return path


def load(source: str, table: dict[str, list[Any]], tmp_path: Path, *, size: str = "data"
         ) -> ScalingData:
    """Load ``table`` from a DataFrame or through a CSV file."""
    if source == "frame":
        return load_table(pd.DataFrame(table), size=size)
    return load_table(write_csv(tmp_path / "table.csv", table), size=size)


def raises_dve(source: str, table: dict[str, list[Any]], tmp_path: Path, *,
               size: str = "data") -> DataValidationError:
    with pytest.raises(DataValidationError) as info:
        load(source, table, tmp_path, size=size)
    return info.value


def assert_message(err: Exception, *fragments: str) -> None:
    message = str(err)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in message {message!r}"


def row_text(row: int) -> str:
    """How the messages name a data row: 0-based row and 1-based CSV line (header = 1)."""
    return f"row {row} (CSV line {row + 2})"


# ---------------------------------------------------------------------------------------
# bad values in numeric columns
# ---------------------------------------------------------------------------------------

NAN_INF_CASES = [
    (col, value, fragment)
    for col in ("data", "params", "compute", "error")
    for value, fragment in (
        (math.nan, "has missing/NaN values in"),
        (math.inf, "has infinite values in"),
        (-math.inf, "has infinite values in"),
    )
]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(("column", "value", "fragment"), NAN_INF_CASES)
def test_nan_and_inf_are_rejected(source, column, value, fragment, tmp_path):
    err = raises_dve(source, with_cell(column, 2, value), tmp_path)
    assert err.column == column
    assert err.rows == [2]
    assert_message(err, f"column {column!r} {fragment} {row_text(2)}")


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("text", ["nan", "NaN", "NA", "None", "  "])
def test_missing_value_spellings_are_rejected_as_missing(source, text, tmp_path):
    err = raises_dve(source, with_cell("data", 1, text), tmp_path)
    assert (err.column, err.rows) == ("data", [1])
    assert_message(err, f"column 'data' has missing/NaN values in {row_text(1)}")


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("column", ["data", "params", "compute"])
@pytest.mark.parametrize(("value", "shown"), [(0, "0"), (-5, "-5"), (-1e-300, "-1e-300")])
def test_non_positive_sizes_are_rejected(source, column, value, shown, tmp_path):
    err = raises_dve(source, with_cell(column, 3, value), tmp_path)
    assert err.column == column
    assert err.rows == [3]
    assert_message(
        err, f"column {column!r} has value(s) {shown} outside the valid range (0, inf) "
        f"in {row_text(3)}"
    )


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(("value", "shown"), [(0, "0"), (-0.1, "-0.1"), (1.5, "1.5"),
                                              (1.0000001, "1")])
def test_error_outside_unit_interval_is_rejected(source, value, shown, tmp_path):
    err = raises_dve(source, with_cell("error", 1, value), tmp_path)
    assert (err.column, err.rows) == ("error", [1])
    assert_message(err, f"column 'error' has value(s) {shown} outside the valid range (0, 1] "
                        f"in {row_text(1)}")


@pytest.mark.parametrize("source", SOURCES)
def test_error_of_exactly_one_is_valid(source, tmp_path):
    data = load(source, with_cell("error", 0, 1.0), tmp_path)
    assert data.frame["error"].iloc[0] == 1.0


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(("value", "shown"), [(0, "0"), (-2.5, "-2.5")])
def test_non_positive_loss_is_rejected(source, value, shown, tmp_path):
    table = with_cell("loss", 2, value, error=None, loss=[3.0, 2.5, 2.0, 1.9])
    err = raises_dve(source, table, tmp_path)
    assert (err.column, err.rows) == ("loss", [2])
    assert_message(err, f"column 'loss' has value(s) {shown} outside the valid range (0, inf) "
                        f"in {row_text(2)}")


@pytest.mark.parametrize("source", SOURCES)
def test_loss_above_one_is_valid(source, tmp_path):
    data = load(source, base_table(error=None, loss=[30.0, 2.5, 2.0, 1.9]), tmp_path)
    assert data.metric == "loss"
    assert data.frame["loss"].tolist() == [30.0, 2.5, 2.0, 1.9]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("column", ["data", "params", "compute", "error", "seed", "year"])
def test_non_numeric_cells_are_rejected(source, column, tmp_path):
    table = base_table(seed=[0, 1, 2, 3], year=[2017, 2018, 2019, 2020])
    table[column] = list(table[column])
    table[column][2] = "abc"
    err = raises_dve(source, table, tmp_path)
    assert (err.column, err.rows) == (column, [2])
    assert_message(err, f"column {column!r} must be numeric; non-numeric value(s) 'abc' in "
                        f"{row_text(2)}")


@pytest.mark.parametrize("source", SOURCES)
def test_several_bad_rows_are_all_listed(source, tmp_path):
    table = base_table(error=[0.5, 2.0, 0.2, 3.0])
    err = raises_dve(source, table, tmp_path)
    assert (err.column, err.rows) == ("error", [1, 3])
    assert_message(err, "value(s) 2, 3 outside the valid range (0, 1]",
                   "rows 1 (CSV line 3), 3 (CSV line 5)")


def test_long_lists_of_bad_rows_are_truncated_but_counted():
    n = 12
    table = {"domain": ["d"] * n, "curve": ["c"] * n, "data": list(range(1, n + 1)),
             "error": [2.0] * n}
    with pytest.raises(DataValidationError) as info:
        validate_frame(pd.DataFrame(table))
    assert info.value.rows == list(range(n))
    assert_message(info.value, "row", "7 (CSV line 9) and 4 more")
    assert "8 (CSV line 10)" not in str(info.value)


def test_complex_cells_are_non_numeric_not_silently_truncated():
    # Regression: complex cells were cast to their real part (ComplexWarning), and
    # pandas filled text cells after them with garbage numbers.
    err_table = with_cell("error", 1, 0.3 + 0.2j)
    with pytest.raises(DataValidationError) as info:
        validate_frame(pd.DataFrame(err_table))
    assert (info.value.column, info.value.rows) == ("error", [1])
    assert_message(info.value, "column 'error' must be numeric", "(0.3+0.2j)", row_text(1))
    mixed = with_cell("data", 1, 5 + 1j)
    mixed["data"][3] = "abc"
    with pytest.raises(DataValidationError) as info:
        validate_frame(pd.DataFrame(mixed))
    assert (info.value.column, info.value.rows) == ("data", [1, 3])


def test_bytes_that_are_not_utf8_are_named_not_a_crash():
    # Regression: pandas raised UnicodeDecodeError while converting the column.
    for column, value in (("data", b"\x80"), ("domain", b"caf\xe9")):
        with pytest.raises(DataValidationError) as info:
            validate_frame(pd.DataFrame(with_cell(column, 1, value)))
        assert (info.value.column, info.value.rows) == (column, [1])
        assert_message(info.value, f"column {column!r} has bytes that are not UTF-8 text in "
                                   f"{row_text(1)}")
    # UTF-8 bytes are text, as pandas treats them
    frame = validate_frame(pd.DataFrame(with_cell("data", 1, b"100")))
    assert frame["data"].tolist() == [10.0, 100.0, 1000.0, 10000.0]


def test_integers_beyond_the_float_range_are_infinite_not_a_crash():
    # Regression: pandas raised OverflowError for Python ints > 1.8e308.
    with pytest.raises(DataValidationError) as info:
        validate_frame(pd.DataFrame(with_cell("data", 2, 10**400)))
    assert (info.value.column, info.value.rows) == ("data", [2])
    assert_message(info.value, f"column 'data' has infinite values in {row_text(2)}")


# ---------------------------------------------------------------------------------------
# text, split, seed
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("column", ["domain", "curve"])
@pytest.mark.parametrize("value", ["", "   ", None])
def test_empty_identifiers_are_rejected(source, column, value, tmp_path):
    err = raises_dve(source, with_cell(column, 3, value), tmp_path)
    assert (err.column, err.rows) == (column, [3])
    assert_message(err, f"column {column!r} must be non-empty text; empty/missing in "
                        f"{row_text(3)}")


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("label", ["train", "test", "", "fitted"])
def test_invalid_split_labels_are_rejected(source, label, tmp_path):
    table = base_table(split=["fit", "holdout", label, "fit"])
    err = raises_dve(source, table, tmp_path)
    assert (err.column, err.rows) == ("split", [2])
    assert_message(err, "column 'split' has invalid label(s)", row_text(2),
                   f"valid labels: {list(SPLIT_VALUES)}")


@pytest.mark.parametrize("source", SOURCES)
def test_split_labels_are_normalised(source, tmp_path):
    data = load(source, base_table(split=[" FIT", "Holdout ", "fit", "holdout"]), tmp_path)
    assert data.frame["split"].tolist() == ["fit", "holdout", "fit", "holdout"]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("column", ["seed", "year"])
def test_fractional_whole_number_columns_are_rejected(source, column, tmp_path):
    table = base_table(**{column: [0, 1, 2.5, 3]})
    err = raises_dve(source, table, tmp_path)
    assert (err.column, err.rows) == (column, [2])
    assert_message(err, f"column {column!r} must hold whole numbers; got fractional values "
                        f"in {row_text(2)}")


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("value", [2**53 + 1, 2**53, 2**63, 1e300, -(2**53)])
def test_seeds_beyond_exact_float_integers_are_rejected(source, value, tmp_path):
    # Regression: seeds pass through float64, so these were rounded (2**53 + 1 -> 2**53)
    # or wrapped around by the int64 cast (2**63 -> -9223372036854775808) silently.
    err = raises_dve(source, base_table(seed=[0, value, 2, 3]), tmp_path)
    assert (err.column, err.rows) == ("seed", [1])
    assert_message(err, "outside the valid range (-9.0072e+15, 9.0072e+15)", row_text(1))


@pytest.mark.parametrize("source", SOURCES)
def test_seed_extremes_are_kept_exactly(source, tmp_path):
    seeds = [-(2**53) + 1, 0, 7, 2**53 - 1]
    data = load(source, base_table(seed=seeds), tmp_path)
    assert data.frame["seed"].tolist() == seeds


# ---------------------------------------------------------------------------------------
# curve-level checks: too few sizes, duplicates, conflicts
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
def test_curves_need_three_distinct_sizes(source, tmp_path):
    table = {
        "domain": ["d", "d", "d", "nmt", "nmt", "nmt"],
        "curve": ["a", "a", "a", "lstm", "lstm", "lstm"],
        "data": [10, 100, 1000, 10, 100, 100],
        "error": [0.5, 0.3, 0.2, 0.5, 0.3, 0.31],
    }
    err = raises_dve(source, table, tmp_path)
    assert err.column == "data"
    assert err.rows == [3, 4, 5]
    assert_message(err, "curve(s) nmt/lstm have fewer than 3 distinct 'data' values",
                   "(curve nmt/lstm has 2, in rows 3 (CSV line 5), 4 (CSV line 6), "
                   "5 (CSV line 7))")
    assert "d/a" not in str(err)


def test_distinct_sizes_are_counted_on_the_requested_size_column():
    table = base_table(params=[1e3, 1e3, 1e4, 1e4])
    assert len(validate_frame(pd.DataFrame(table), size="data")) == 4
    with pytest.raises(DataValidationError) as info:
        validate_frame(pd.DataFrame(table), size="params")
    assert info.value.column == "params"
    assert_message(info.value, "fewer than 3 distinct 'params' values", "d/c has 2")


def test_one_short_curve_among_several_is_named():
    table = {"domain": ["x"] * 3 + ["y"] * 2, "curve": ["a"] * 3 + ["b"] * 2,
             "data": [1, 2, 3, 1, 2], "loss": [3.0, 2.0, 1.5, 3.0, 2.0]}
    with pytest.raises(DataValidationError) as info:
        validate_frame(pd.DataFrame(table))
    assert info.value.rows == [3, 4]
    assert_message(info.value, "curve y/b has 2")


@pytest.mark.parametrize("source", SOURCES)
def test_exact_duplicate_rows_are_rejected_listing_both(source, tmp_path):
    table = base_table()
    for column in table:
        table[column] = [*table[column], table[column][1]]
    err = raises_dve(source, table, tmp_path)
    assert err.rows == [1, 4]
    assert_message(err, "duplicate rows (identical in every column): "
                        "rows 1 (CSV line 3), 4 (CSV line 6)", "add a 'seed' column")


@pytest.mark.parametrize("source", SOURCES)
def test_conflicting_measurements_with_a_seed_are_rejected(source, tmp_path):
    table = base_table(seed=[0, 0, 0, 0])
    for column in table:
        table[column] = [*table[column], table[column][2]]
    table["error"][-1] = 0.25
    err = raises_dve(source, table, tmp_path)
    assert err.column == "error"
    assert err.rows == [2, 4]
    assert_message(err, "conflicting measurements: rows 2 (CSV line 4), 4 (CSV line 6) "
                        "share domain, curve, sizes and seed but differ in 'error'")


@pytest.mark.parametrize("source", SOURCES)
def test_replicates_are_valid(source, tmp_path):
    # different seeds at one size, and (without a seed column) repeated measurements
    seeded = base_table(seed=[0, 0, 0, 0])
    for column in seeded:
        seeded[column] = [*seeded[column], seeded[column][2]]
    seeded["seed"][-1] = 1
    seeded["error"][-1] = 0.25
    assert len(load(source, seeded, tmp_path).frame) == 5
    unseeded = {k: v for k, v in seeded.items() if k != "seed"}
    assert len(load(source, unseeded, tmp_path).frame) == 5


# ---------------------------------------------------------------------------------------
# columns
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("column", ["domain", "curve"])
def test_missing_identifier_column(source, column, tmp_path):
    err = raises_dve(source, base_table(**{column: None}), tmp_path)
    assert err.column == column
    assert_message(err, f"missing required column(s) [{column!r}]",
                   "a tidy table needs 'domain' and 'curve'")


@pytest.mark.parametrize("source", SOURCES)
def test_missing_size_column(source, tmp_path):
    err = raises_dve(source, base_table(data=None, compute=None), tmp_path)
    assert err.column == "data"
    assert_message(err, "missing size column 'data'", "present size columns: ['params']")
    err = raises_dve(source, base_table(data=None, params=None, compute=None), tmp_path,
                     size="compute")
    assert err.column == "compute"
    assert_message(err, "missing size column 'compute'", "present size columns: none")


def test_size_argument_must_name_a_size_column():
    with pytest.raises(DataValidationError) as info:
        validate_frame(pd.DataFrame(base_table()), size="tokens")
    assert_message(info.value, "size column 'tokens' is not a size column",
                   "valid: ['data', 'params', 'compute']")


@pytest.mark.parametrize("source", SOURCES)
def test_missing_metric(source, tmp_path):
    err = raises_dve(source, base_table(error=None), tmp_path)
    assert err.column is None
    assert_message(err, "exactly one metric column is required", "'error' (bounded rate in "
                   "(0, 1]) or 'loss' (positive)", "found neither")


@pytest.mark.parametrize("source", SOURCES)
def test_both_error_and_loss(source, tmp_path):
    err = raises_dve(source, base_table(loss=[3.0, 2.0, 1.5, 1.2]), tmp_path)
    assert err.column == "error"
    assert_message(err, "exactly one metric column is required", "found ['error', 'loss']")


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(("name", "hint"), [("eror", "error"), ("Domain", "domain"),
                                            ("seeds", "seed"), ("param", "params")])
def test_unknown_column_with_did_you_mean(source, name, hint, tmp_path):
    table = base_table(error=None) if hint == "error" else base_table()
    if hint in table:
        table[name] = table.pop(hint)
    else:
        table[name] = [0, 1, 2, 3]
    err = raises_dve(source, table, tmp_path)
    assert err.column == name
    assert_message(err, f"unknown column(s) {name!r} (did you mean {hint!r}?)",
                   f"valid columns are {list(KNOWN_COLUMNS)}")


def test_unknown_column_without_a_close_match_has_no_hint():
    with pytest.raises(DataValidationError) as info:
        validate_frame(pd.DataFrame(base_table(xyzzy=[1, 2, 3, 4])))
    assert info.value.column == "xyzzy"
    assert "did you mean" not in str(info.value)
    assert_message(info.value, "unknown column(s) 'xyzzy'")


def test_duplicated_column_names_in_a_csv_header(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("domain,curve,data,error,data\nd,c,1,0.5,1\nd,c,2,0.4,2\nd,c,3,0.3,3\n",
                    encoding="utf-8")
    frame = read_csv_checked(path)
    assert list(frame.columns) == ["domain", "curve", "data", "error", "data"]
    with pytest.raises(DataValidationError) as info:
        load_table(path)
    assert info.value.column == "data"
    assert_message(info.value, "duplicated column name(s) ['data']",
                   "each column must appear once")


def test_duplicated_column_names_in_a_frame():
    frame = pd.DataFrame([["d", "c", 1, 0.5, 0.5]],
                         columns=["domain", "curve", "data", "error", "error"])
    with pytest.raises(DataValidationError, match=r"duplicated column name\(s\) \['error'\]"):
        validate_frame(frame)


def test_header_names_are_stripped_in_csv(tmp_path):
    path = tmp_path / "spaces.csv"
    path.write_text(" domain , curve ,data,error\nd,c,1,0.5\nd,c,2,0.4\nd,c,3,0.3\n",
                    encoding="utf-8")
    assert list(load_table(path).frame.columns) == ["domain", "curve", "data", "error"]


# ---------------------------------------------------------------------------------------
# empty, unreadable and malformed input
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", ["", "\n\n", "   \n"])
def test_empty_file(content, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        load_table(path)
    assert_message(info.value, f"empty input: {path} is empty", "expected a CSV with a header")


@pytest.mark.parametrize("trailer", ["", "\n", "\n\n"])
def test_header_only_file(trailer, tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("domain,curve,data,error\n" + trailer, encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        load_table(path)
    assert_message(info.value, "empty input: the table has a header but no data rows")


@pytest.mark.parametrize("frame", [pd.DataFrame(), pd.DataFrame(index=range(3))],
                         ids=["empty", "rows-without-columns"])
def test_frame_without_columns(frame):
    with pytest.raises(DataValidationError) as info:
        validate_frame(frame)
    assert_message(info.value, "empty input: the table has no columns",
                   "['domain', 'curve']", "['data', 'params', 'compute']", "'error' or 'loss'")


def test_frame_without_rows():
    with pytest.raises(DataValidationError, match="header but no data rows"):
        validate_frame(pd.DataFrame({c: [] for c in base_table()}))


def test_non_frame_input_is_rejected():
    with pytest.raises(DataValidationError, match="expected a pandas DataFrame, got list"):
        validate_frame([{"domain": "d"}])  # type: ignore[arg-type]


@pytest.mark.parametrize(("payload", "offset"), [
    (b"domain,curve,data,error\nd\xff,c,1,0.5\n", 25),
    ("domain,curve,data,error\ncaf\u00e9,c,1,0.5\n".encode("latin-1"), 27),
])
def test_non_utf8_bytes(payload, offset, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(payload)
    with pytest.raises(DataValidationError) as info:
        load_table(path)
    bad = payload[offset:offset + 1]
    assert_message(info.value, f"{path} is not UTF-8 text (byte {offset}: {bad!r})",
                   "save the CSV as UTF-8")


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfdomain,curve,data,error\nd,c,1,0.5\nd,c,2,0.4\nd,c,3,0.3\n")
    assert list(load_table(path).frame.columns) == ["domain", "curve", "data", "error"]


@pytest.mark.parametrize("bad_line", ["d,c,100", "d,c,100,0.3,extra"])
def test_ragged_rows(bad_line, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text(f"domain,curve,data,error\nd,c,10,0.5\n{bad_line}\nd,c,1000,0.2\n",
                    encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        load_table(path)
    assert info.value.rows == [1]
    assert_message(info.value, f"{path}: {row_text(1)} have a different number of fields "
                               "than the header (4 columns)")


@pytest.mark.parametrize("make", [lambda p: p / "missing.csv", lambda p: p],
                         ids=["missing-file", "directory"])
def test_unreadable_path(make, tmp_path):
    path = make(tmp_path)
    with pytest.raises(DataValidationError, match=f"cannot read {re.escape(str(path))}"):
        load_table(path)


def test_interior_blank_lines_are_refused_with_their_line_number(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("domain,curve,data,error\nd,c,10,0.5\n\nd,c,abc,0.3\nd,c,1000,0.2\n",
                    encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        load_table(path)
    assert_message(info.value, "blank line(s) at CSV line 3")
    # trailing blank lines are fine and do not shift line numbers
    path.write_text("domain,curve,data,error\nd,c,10,0.5\nd,c,abc,0.3\nd,c,1000,0.2\n\n\n",
                    encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        load_table(path)
    assert info.value.rows == [1]
    assert_message(info.value, "row 1 (CSV line 3)")


def test_errors_share_the_package_base_class():
    with pytest.raises(BayesScalingError):
        validate_frame(pd.DataFrame())
    with pytest.raises(ValueError, match="empty input"):
        validate_frame(pd.DataFrame())


# ---------------------------------------------------------------------------------------
# the happy path
# ---------------------------------------------------------------------------------------


def full_table() -> dict[str, list[Any]]:
    return {
        "label": ["m1", "m2", "m3", "m4", "m5", "m6"],
        "domain": ["nmt", "img", "nmt", "img", "nmt", "img"],
        "curve": ["lstm", "resnet", "lstm", "resnet", "lstm", "resnet"],
        "data": [1000, 10, 100, 100, 10, 1000],
        "error": [0.2, 0.6, 0.3, 0.4, 0.5, 0.3],
        "seed": [0, 1, 0, 1, 0, 1],
        "split": ["fit", "fit", "holdout", "fit", "fit", "holdout"],
        "year": [2017, 2017, 2018, 2018, 2019, 2019],
    }


@pytest.mark.parametrize("source", SOURCES)
def test_happy_path_types_order_and_metric(source, tmp_path):
    table = full_table()
    data = load(source, table, tmp_path)
    frame = data.frame
    # canonical column order, whatever the input order
    assert list(frame.columns) == ["domain", "curve", "data", "error", "seed", "split",
                                   "year", "label"]
    assert frame["data"].dtype == np.float64
    assert frame["error"].dtype == np.float64
    assert frame["seed"].dtype == np.int64
    assert frame["year"].dtype == np.int64
    for column in ("domain", "curve", "split", "label"):
        assert pd.api.types.is_string_dtype(frame[column])
        assert all(type(v) is str for v in frame[column])
    assert isinstance(frame.index, pd.RangeIndex)
    # row order is kept
    for column in table:
        assert frame[column].tolist() == table[column], column
    assert data.metric == "error"
    assert data.size == "data"
    assert data.domains == ["nmt", "img"]
    assert data.curves == [("nmt", "lstm"), ("img", "resnet")]


def test_loss_metric_and_size_choice():
    table = base_table(error=None, loss=[3.0, 2.0, 1.5, 1.2])
    data = load_table(pd.DataFrame(table), size="compute")
    assert data.metric == "loss"
    assert data.size == "compute"
    assert data.frame["compute"].tolist() == [1e9, 1e10, 1e11, 1e12]


def test_validation_does_not_mutate_the_input_and_resets_the_index():
    frame = pd.DataFrame(base_table(), index=[7, 3, 3, 9])
    before = frame.copy()
    out = validate_frame(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert list(out.index) == [0, 1, 2, 3]


def test_text_cells_are_stripped_and_numbers_parsed_from_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("domain,curve,data,error\n d ,c, 1e1 ,0.5\nd, c,100, 0.25\nd,c ,1_0,0.2\n",
                    encoding="utf-8")
    # "1_0" is not a number for the validator even though Python's float() accepts it
    with pytest.raises(DataValidationError) as info:
        load_table(path)
    assert (info.value.column, info.value.rows) == ("data", [2])
    path.write_text("domain,curve,data,error\n d ,c, 1e1 ,0.5\nd, c,100, 0.25\nd,c ,1e3,0.2\n",
                    encoding="utf-8")
    frame = load_table(path).frame
    assert frame["domain"].tolist() == ["d", "d", "d"]
    assert frame["curve"].tolist() == ["c", "c", "c"]
    assert frame["data"].tolist() == [10.0, 100.0, 1000.0]
    assert frame["error"].tolist() == [0.5, 0.25, 0.2]


def test_sha256_is_stable_across_sources_and_sensitive_to_values(tmp_path):
    table = full_table()
    from_frame = load_table(pd.DataFrame(table))
    from_csv = load_table(write_csv(tmp_path / "t.csv", table))
    digest = from_frame.sha256()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert from_frame.sha256() == digest
    assert load_table(pd.DataFrame(full_table())).sha256() == digest
    assert from_csv.sha256() == digest
    changed = full_table()
    changed["error"][3] = 0.4 + 1e-15
    assert load_table(pd.DataFrame(changed)).sha256() != digest
    relabelled = full_table()
    relabelled["label"][0] = "m1b"
    assert load_table(pd.DataFrame(relabelled)).sha256() != digest


def test_split_selects_rows_and_keeps_metadata(tmp_path):
    path = write_csv(tmp_path / "t.csv", full_table())
    data = ScalingData.from_csv(path)
    assert data.source == str(path)
    fit = data.split("fit")
    assert fit.frame["label"].tolist() == ["m1", "m2", "m4", "m5"]
    assert isinstance(fit.frame.index, pd.RangeIndex)
    assert fit.source == f"{path}[split=fit]"
    assert fit.size == data.size
    holdout = data.split("holdout")
    assert holdout.frame["label"].tolist() == ["m3", "m6"]
    no_split = load_table(pd.DataFrame(base_table()))
    assert no_split.split("fit") is no_split


def test_load_table_passes_scaling_data_through():
    data = load_table(pd.DataFrame(base_table()))
    assert load_table(data) is data


# ---------------------------------------------------------------------------------------
# best model size per shard
# ---------------------------------------------------------------------------------------


def sweep_table() -> pd.DataFrame:
    rows = [
        # shard data=10: params 2 mean (0.375+0.375)/2 == params 1 mean (0.5+0.25)/2 -> tie,
        # the smaller model (1) wins although 2 comes first
        ("d", "c", 10, 2, 0.375, 0), ("d", "c", 10, 1, 0.5, 0),
        ("d", "c", 10, 2, 0.375, 1), ("d", "c", 10, 1, 0.25, 1),
        # shard data=100: params 1 has the best single run (0.0625) but params 2 the best mean
        ("d", "c", 100, 1, 0.0625, 0), ("d", "c", 100, 1, 0.5, 1),
        ("d", "c", 100, 2, 0.25, 0), ("d", "c", 100, 2, 0.125, 1),
        ("d", "c", 1000, 4, 0.125, 0), ("d", "c", 1000, 8, 0.25, 0),
        # another curve with the same sizes: its own choice
        ("d", "e", 10, 1, 0.25, 0), ("d", "e", 10, 2, 0.5, 0),
        ("d", "e", 100, 1, 0.25, 0), ("d", "e", 1000, 1, 0.25, 0),
    ]
    frame = pd.DataFrame(rows, columns=["domain", "curve", "data", "params", "error", "seed"])
    return validate_frame(frame)


def test_best_model_size_rows_rule():
    frame = sweep_table()
    best = best_model_size_rows(frame, metric="error")
    expected = frame.loc[[1, 3, 6, 7, 8, 10, 12, 13]].reset_index(drop=True)
    pd.testing.assert_frame_equal(best, expected)


def test_best_model_size_rows_without_a_sweep_is_unchanged():
    frame = validate_frame(pd.DataFrame(base_table(params=None)), size="data")
    pd.testing.assert_frame_equal(best_model_size_rows(frame, metric="error"), frame)
    sweep = sweep_table()
    pd.testing.assert_frame_equal(
        best_model_size_rows(sweep, metric="error", size="params"), sweep
    )


@st.composite
def sweep_tables(draw: st.DrawFn) -> pd.DataFrame:
    rows = []
    for curve in draw(st.lists(st.sampled_from("ab"), min_size=1, unique=True)):
        for size in (10, 100, 1000):
            for params in draw(st.lists(st.sampled_from([1, 2, 4]), min_size=1, unique=True)):
                seeds = draw(st.lists(st.integers(0, 2), min_size=1, unique=True))
                # dyadic errors: sums are exact, so equal means tie exactly
                errors = draw(st.lists(st.integers(1, 8), min_size=len(seeds),
                                       max_size=len(seeds)))
                rows += [("dom", curve, size, params, k / 8, seed)
                         for seed, k in zip(seeds, errors, strict=True)]
    order = draw(st.permutations(range(len(rows))))
    frame = pd.DataFrame([rows[i] for i in order],
                         columns=["domain", "curve", "data", "params", "error", "seed"])
    return validate_frame(frame)


@given(sweep_tables())
def test_best_model_size_rows_matches_a_reference(frame):
    records = list(frame.itertuples(index=False))
    errors: dict[tuple[Any, ...], list[Fraction]] = {}
    for r in records:
        errors.setdefault((r.domain, r.curve, r.data, r.params), []).append(Fraction(r.error))
    best: dict[tuple[Any, ...], tuple[Fraction, float]] = {}
    for (*shard, params), values in errors.items():
        candidate = (sum(values) / len(values), params)
        best[tuple(shard)] = min(best.get(tuple(shard), candidate), candidate)
    keep = [i for i, r in enumerate(records)
            if best[(r.domain, r.curve, r.data)][1] == r.params]
    expected = frame.loc[keep].reset_index(drop=True)
    pd.testing.assert_frame_equal(best_model_size_rows(frame, metric="error"), expected)


# ---------------------------------------------------------------------------------------
# properties of the validator
# ---------------------------------------------------------------------------------------

# any text without surrogates (not UTF-8 encodable), free of edge whitespace (stripped)
names = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=6).filter(
    lambda s: s == s.strip() and s != ""
)
positive = st.floats(min_value=0.0, exclude_min=True, allow_infinity=False, allow_nan=False)
error_values = st.floats(min_value=0.0, max_value=1.0, exclude_min=True)


@st.composite
def valid_tables(draw: st.DrawFn) -> tuple[dict[str, list[Any]], str]:
    """A valid tidy table (as columns) and its size column."""
    size = draw(st.sampled_from(["data", "params", "compute"]))
    metric = draw(st.sampled_from(["error", "loss"]))
    pairs = draw(st.lists(st.tuples(names, names), min_size=1, max_size=4, unique=True))
    rows = []
    for domain, curve in pairs:
        sizes = draw(st.lists(positive, min_size=3, max_size=6, unique=True))
        for m in sizes:
            value = draw(error_values if metric == "error" else positive)
            rows.append({"domain": domain, "curve": curve, size: m, metric: value})
    order = draw(st.permutations(range(len(rows))))
    rows = [rows[i] for i in order]
    table: dict[str, list[Any]] = {k: [r[k] for r in rows] for k in rows[0]}
    n = len(rows)
    if draw(st.booleans()):
        table["seed"] = draw(st.lists(st.integers(1 - 2**53, 2**53 - 1), min_size=n, max_size=n))
    if draw(st.booleans()):
        table["split"] = draw(st.lists(st.sampled_from(SPLIT_VALUES), min_size=n, max_size=n))
    if draw(st.booleans()):
        table["label"] = draw(st.lists(st.text(st.characters(exclude_categories=("Cs",)),
                                               max_size=5), min_size=n, max_size=n))
    if draw(st.booleans()):
        columns = list(table)
        columns = draw(st.permutations(columns))
        table = {c: table[c] for c in columns}
    return table, size


def csv_roundtrip(table: dict[str, list[Any]], size: str) -> ScalingData:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.csv"
        # csv module, not DataFrame.to_csv: pandas leaves fields with "\r" unquoted
        return load_table(write_csv(path, table), size=size)


@given(valid_tables(), st.sampled_from(SOURCES))
def test_property_valid_tables_validate_and_round_trip(drawn, source):
    table, size = drawn
    if source == "frame":
        data = load_table(pd.DataFrame(table), size=size)
    else:
        data = csv_roundtrip(table, size)
    frame = data.frame
    assert len(frame) == len(table["domain"])
    assert set(frame.columns) == set(table)
    for column, values in table.items():
        if column in ("domain", "curve", "split", "label"):
            assert frame[column].tolist() == list(values), column
        else:
            # exact: floats survive the CSV round trip bit for bit
            assert frame[column].tolist() == [type(frame[column].iloc[0].item())(v)
                                              for v in values], column
    assert data.curves == list(dict.fromkeys(zip(table["domain"], table["curve"],
                                                 strict=True)))


def bad_values(column: str) -> st.SearchStrategy[Any]:
    """Values that are invalid in ``column`` whatever the rest of the table holds."""
    letters = st.text(st.characters(categories=("L",)), min_size=1, max_size=8)
    non_finite = st.sampled_from([math.nan, math.inf, -math.inf, None])
    if column in ("domain", "curve"):
        return st.sampled_from(["", " ", "\t", None, math.nan])
    if column == "split":
        return st.one_of(st.none(), letters.filter(
            lambda s: s.strip().lower() not in SPLIT_VALUES))
    if column == "seed":
        return st.one_of(non_finite, letters,
                         st.integers(-100, 100).map(lambda k: k + 0.5),
                         st.floats(min_value=2.0**53, allow_infinity=False))
    non_positive = st.floats(max_value=0.0, allow_nan=False, allow_infinity=False)
    if column == "error":
        above_one = st.floats(min_value=1.0, exclude_min=True, allow_infinity=False)
        return st.one_of(non_finite, letters, non_positive, above_one)
    return st.one_of(non_finite, letters, non_positive)


@given(valid_tables(), st.data())
def test_property_one_corrupt_cell_is_found(drawn, data):
    table, size = drawn
    column = data.draw(st.sampled_from([c for c in table if c != "label"]), label="column")
    row = data.draw(st.integers(0, len(table[column]) - 1), label="row")
    value = data.draw(bad_values(column), label="value")
    source = data.draw(st.sampled_from(SOURCES), label="source")
    table[column] = list(table[column])
    table[column][row] = value
    with pytest.raises(DataValidationError) as info:
        if source == "frame":
            load_table(pd.DataFrame(table), size=size)
        else:
            csv_roundtrip(table, size)
    assert info.value.column == column
    assert row in info.value.rows
    assert f"{row} (CSV line {row + 2})" in str(info.value)
    assert repr(column) in str(info.value)


anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**400),
    st.floats(),
    st.floats(allow_subnormal=True, min_value=-1e-300, max_value=1e-300),
    st.complex_numbers(),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=6),
    st.sampled_from(["fit", "holdout", "nan", "inf", "-inf", "1e400", " 0.5 ", "1_000", "",
                     "0x10", "NA", "None", "d", "c"]),
    # no signalling NaN: pandas itself cannot hold it (isna raises InvalidOperation)
    st.decimals(allow_nan=False),
    st.just(Decimal("NaN")),
    st.datetimes(),
    st.binary(max_size=4),
)
def mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually a valid cell, one time in three anything at all."""
    return st.integers(0, 2).flatmap(lambda k: anything if k == 0 else valid)


valid_cell: dict[str, st.SearchStrategy[Any]] = {
    "domain": st.just("d"),
    "curve": st.sampled_from(["c", "c", "c", "k"]),
    "data": st.sampled_from([1, 10, 100, 1000, 10**4, 10**5]),
    "params": st.sampled_from([1e3, 1e4, 1e5, 1e6]),
    "compute": positive,
    "error": error_values,
    "loss": positive,
    "seed": st.integers(0, 2),
    "year": st.integers(2000, 2030),
    "split": st.sampled_from(SPLIT_VALUES),
    "label": st.text(max_size=3),
}


@st.composite
def messy_frames(draw: st.DrawFn) -> tuple[pd.DataFrame, str]:
    """Mostly well-formed tables with random damage: columns, dtypes and cells."""
    size = draw(st.sampled_from(["data", "params", "compute"]), label="size")
    metric = draw(st.sampled_from(["error", "loss"]), label="metric")
    columns = ["domain", "curve", size, metric]
    optional = [c for c in KNOWN_COLUMNS if c not in [*columns, "error", "loss"]]
    columns += draw(st.lists(st.sampled_from(optional), max_size=3, unique=True), label="extra")
    if draw(st.integers(0, 4), label="damage columns") == 0:
        columns = draw(st.lists(st.one_of(st.sampled_from(KNOWN_COLUMNS), st.text(max_size=6)),
                                max_size=8), label="columns")
    n = draw(st.integers(0, 10), label="rows")
    cells = {}
    for i, name in enumerate(columns):
        valid = valid_cell.get(name, anything)
        messy = draw(st.integers(0, 3), label=f"messy {name!r}") == 0
        cells[f"col{i}"] = draw(st.lists(mostly(valid) if messy else valid, min_size=n,
                                         max_size=n), label=f"cells {name!r}")
    dtype = draw(st.sampled_from([None, object]), label="dtype")
    frame = pd.DataFrame(cells, index=range(n), dtype=dtype)
    frame.columns = pd.Index(columns, dtype=object)
    return frame, size


def as_float(cell: Any) -> float:
    """What a numeric cell means, independently of pandas."""
    return float(cell.strip()) if isinstance(cell, str) else float(cell)


@given(messy_frames())
def test_property_validator_raises_only_data_validation_errors(drawn):
    frame, size = drawn
    n = len(frame)
    columns = list(frame.columns)
    try:
        out = validate_frame(frame, size=size)
    except DataValidationError as err:
        event(f"rejected: {' '.join(str(err).split(' ')[:2])} {err.column!r}")
        assert str(err)
        assert all(0 <= r < n for r in err.rows)
        return
    event("accepted")
    # accepted: every promise of the validator holds
    assert len(out) == n
    assert set(out.columns) <= set(KNOWN_COLUMNS)
    assert out[size].nunique() >= 3
    for position, name in enumerate(columns):
        if name in ("data", "params", "compute", "error", "loss", "seed", "year"):
            for row in range(n):
                expected = as_float(frame.iloc[row, position])
                assert math.isclose(out[name].iloc[row], expected, rel_tol=1e-12), (name, row)
    for name in ("data", "params", "compute", "loss"):
        if name in out:
            assert (out[name] > 0).all() and np.isfinite(out[name]).all()
    if "error" in out:
        assert ((out["error"] > 0) & (out["error"] <= 1)).all()

