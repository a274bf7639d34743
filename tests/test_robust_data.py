"""Fuzzing the tidy-data loader through files: bytes and CSV text -> ``load_table``.

``tests/test_data.py`` fuzzes :func:`validate_frame` with messy DataFrames; here the input
is a *file*: random bytes, non-UTF-8, BOMs, NULs, quotes and line endings, duplicated or
missing columns, unicode and numbers at the edges of float64. Property: the loader returns
a :class:`ScalingData` whose promises hold, or raises
:class:`~bayes_scaling.errors.DataValidationError` whose rows are real data rows; nothing
else escapes. Example counts: ``max_examples`` of the active hypothesis profile per
property (``ci`` 60, ``long`` 2000); ``--hypothesis-show-statistics`` prints them.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bayes_scaling.data import KNOWN_COLUMNS, ScalingData, load_table
from bayes_scaling.errors import DataValidationError
from bayes_scaling.identification import check_identification

FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

EDGE_NUMBERS = ["0", "-0", "1e-320", "5e-324", "1e308", "1.8e308", "1e15", "1", "1.0", "0.5",
                "-1", "1e400", "-1e400", "inf", "-inf", "nan", "NaN", "Infinity", "0x10",
                "1_000", "1,000", " 7 ", "1e", ".", "+", "9" * 400, "2**10", "1/2", "½",
                "١٢٣", "１２３", "0.5\x00", "", " ", "NA", "None", "null", "true"]
TEXT = st.one_of(st.sampled_from(EDGE_NUMBERS), st.text(max_size=8),
                 st.sampled_from(["d", "c", "é", "\U0001f600", "a,b", 'q"q', "\r", "\n", "\t",
                                  "\ufeff", "fit", "holdout", "FIT"]))
HEADERS = st.lists(st.one_of(st.sampled_from(KNOWN_COLUMNS),
                             st.sampled_from(["Error", " data ", "dat", "", "\ufeffdomain",
                                              "curve\x00", "loss", "error"]),
                             st.text(max_size=6)),
                   min_size=0, max_size=8)


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """Mostly CSV-shaped files: a header from the vocabulary and cells at the edges."""
    header = draw(HEADERS, label="header")
    width = draw(st.sampled_from([len(header), len(header), max(len(header) - 1, 0),
                                  len(header) + 1]), label="width")
    rows = draw(st.lists(st.lists(TEXT, min_size=width, max_size=width), max_size=8),
                label="rows")
    text = _csv_text(header, rows)
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]), label="newline")
    text = text.replace("\r\n", newline)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]),
                    label="encoding")
    try:
        payload = text.encode(encoding)
    except UnicodeEncodeError:
        payload = text.encode("utf-8")
    if draw(st.integers(0, 5), label="damage") == 0:
        at = draw(st.integers(0, len(payload)), label="at")
        payload = payload[:at] + draw(st.binary(max_size=4), label="junk") + payload[at:]
    return payload


@st.composite
def valid_csv_files(draw: st.DrawFn) -> tuple[bytes, int]:
    """Valid tables (3+ sizes per curve) with edge-of-range values; returns (bytes, rows)."""
    n_curves = draw(st.integers(1, 3), label="curves")
    rows = []
    for c in range(n_curves):
        domain = draw(st.sampled_from(["d", "é", "\U0001f600 x"]), label=f"domain {c}")
        sizes = draw(st.lists(st.floats(1e-300, 1e300, allow_nan=False), min_size=3,
                              max_size=5, unique=True), label=f"sizes {c}")
        for s in sizes:
            err = draw(st.floats(5e-324, 1.0, allow_nan=False), label="error")
            rows.append([domain, f"c{c}", repr(s), repr(err)])
    return _csv_text(["domain", "curve", "data", "error"], rows).encode(), len(rows)


def _load(tmp_path: Path, payload: bytes) -> ScalingData | DataValidationError:
    path = tmp_path / "table.csv"
    path.write_bytes(payload)
    try:
        return load_table(path)
    except DataValidationError as exc:
        return exc


@FUZZ
@given(st.binary(max_size=600))
def test_random_bytes(tmp_path, payload):
    out = _load(tmp_path, payload)
    if isinstance(out, DataValidationError):
        event(f"rejected: {str(out).split(':')[0][-40:]}")
        assert str(out)
    else:  # random bytes that happen to form a valid table
        assert len(out.frame) >= 3


@FUZZ
@given(csv_files())
def test_adversarial_csv_files(tmp_path, payload):
    out = _load(tmp_path, payload)
    if isinstance(out, DataValidationError):
        event(f"rejected ({out.column})")
        assert str(out)
        n_lines = payload.count(b"\n") + payload.count(b"\r") + 1
        assert all(0 <= r < n_lines for r in out.rows)
        return
    event("accepted")
    frame = out.frame
    assert set(frame.columns) <= set(KNOWN_COLUMNS)
    assert np.isfinite(frame["data"]).all() and (frame["data"] > 0).all()
    metric = out.metric
    assert np.isfinite(frame[metric]).all() and (frame[metric] > 0).all()
    if metric == "error":
        assert (frame["error"] <= 1).all()
    assert (frame.groupby(["domain", "curve"])["data"].nunique() >= 3).all()


@FUZZ
@given(valid_csv_files())
def test_valid_tables_at_the_edges_of_float64_load_and_are_checked(tmp_path, drawn):
    payload, n = drawn
    out = _load(tmp_path, payload)
    if isinstance(out, DataValidationError):
        # the only legitimate refusal: duplicate rows drawn by chance
        assert "duplicate" in str(out), out
        return
    assert len(out.frame) == n
    assert out.sha256() == load_table(tmp_path / "table.csv").sha256()  # stable
    try:
        findings = check_identification(out, warn=False)
    except DataValidationError as exc:  # constant curves are refused, with the curve named
        assert "at every point" in str(exc)
        return
    for message in findings:
        assert message.startswith(("curve ", "one curve"))
        assert not any(math.isnan(float(tok)) for tok in message.split() if tok == "nan")


@pytest.mark.parametrize(
    "payload",
    [b"", b"\n\n", b"\xff\xfe", "domain,curve,data,error\n".encode("utf-16"),
     b"domain,curve,data,error\nd,c,1,0.5\x00\nd,c,2,0.4\nd,c,3,0.3\n",
     b"domain,curve,data,error\nd,c,1,0.5\rd,c,2,0.4\rd,c,3,0.3\r",
     b'domain,curve,data,error\nd,"c\n,1,0.5\n', b"domain,domain,data,error\nd,d,1,0.5\n",
     b"\xef\xbb\xbfdomain,curve,data,error\r\nd,c,1,0.5\r\nd,c,10,0.4\r\nd,c,100,0.3\r\n"],
)
def test_file_edge_cases_load_or_are_refused_clearly(tmp_path, payload):
    out = _load(tmp_path, payload)
    assert isinstance(out, ScalingData | DataValidationError)
    if isinstance(out, DataValidationError):
        assert str(out)
