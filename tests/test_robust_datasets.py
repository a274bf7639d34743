"""Fuzzing the public-dataset cleaners with adversarial raw files, and the sha256 gate.

Each CSV cleaner (Thompson's six benchmark layouts, Chinchilla, Revisiting) is fed raw files
written to a temporary folder: the registered header with cells drawn from a vocabulary of
plausible and hostile values (free-text times, thousands separators, percentages out of
range, NaN/inf, unicode, huge numbers, blanks), plus damaged files. The JSON cleaner of
Gadre et al.'s runs is fed sets of run files with missing fields, wrong JSON types,
hostile numbers, odd validation paths, repeated runs and damaged bytes. Property: the cleaner
returns a validated tidy table in which every raw row is kept or reported dropped with a
reason (exactly once per curve), or it raises ``DatasetError`` / ``DataValidationError``;
nothing else escapes. Example counts: ``max_examples`` of the active hypothesis profile
per property (``ci`` 60, ``long`` 2000); ``--hypothesis-show-statistics`` prints them.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _paths import MIRROR, needs_mirror
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bayes_scaling.datasets import fetch, load_dataset
from bayes_scaling.datasets.chinchilla import _COLUMNS as CHINCHILLA_COLUMNS
from bayes_scaling.datasets.chinchilla import clean_chinchilla
from bayes_scaling.datasets.gadre import VALIDATION_SETS, clean_gadre, validation_set_name
from bayes_scaling.datasets.registry import load_registry
from bayes_scaling.datasets.revisiting import clean_revisiting
from bayes_scaling.datasets.thompson import BENCHMARKS, clean_thompson, network_unavailable
from bayes_scaling.errors import DatasetError, DataValidationError

FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

NUMBERS = st.one_of(
    st.sampled_from(["1", "3", "12", "90", "99.9", "100", "101", "0", "-5", "1,000",
                     "2,500,000", "1e6", "1e400", "nan", "inf", "-inf", "", " ", "n/a", "?",
                     "½", "１２", "0x10", "1e-320", "2015", "2021", "1.2e+21", "50000"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10, 10**30).map(str),
)
TIMES = st.sampled_from(["3days", "10-14 days", "27hrs 40mins", "2 ~ 3 weeks", "1 week",
                         "160k iterations", "10 GPU days", "5 min per epoch", "3.5 h", "",
                         "forever", "999999 days", "0 s", "1e400 hours", "nan days", "-3 days",
                         "1 day 1 day", "\U0001f600 days", "day", "12"])
WORDS = st.one_of(st.sampled_from(["ResNet-50", "resnet-50", "ResNet 50", "BERT", "é", "",
                                   "not trained in this paper", "done with CIFAR",
                                   "('date', '1-shot')", "('qa', '2-shot')", "NMT", "LM",
                                   "BB", "val_loss", "1", "0", "1.0", "2", "x"]),
                  st.text(max_size=6))


def _hostile(column: str) -> st.SearchStrategy[str]:
    lower = column.lower()
    if "time" in lower and "sec" not in lower:
        return st.one_of(TIMES, NUMBERS)
    return st.one_of(NUMBERS, WORDS)


def _number(lo: float, hi: float) -> st.SearchStrategy[str]:
    return st.floats(lo, hi).map(lambda v: f"{v:.6g}")


#: Plausible cells per raw column (lower-cased name -> strategy); others get hostile cells.
VALID: dict[str, st.SearchStrategy[str]] = {
    "year": st.integers(2012, 2021).map(str), "paper": st.sampled_from(["p1", "p2", "p3"]),
    "title": st.sampled_from(["p1", "p2", "p3"]), "url": st.sampled_from(["u1", "u2"]),
    "training_time": TIMES, "hw time": TIMES, "time": TIMES,
    "time_sec": _number(1e3, 1e7), "hw_gflops": _number(1e3, 1e6),
    "top1_error": _number(1, 60), "top5_error": _number(0.5, 30), "box_ap": _number(10, 60),
    "f1": _number(50, 99), "bleu": _number(10, 45), "flops": _number(1e9, 1e12),
    "#flops": _number(1e9, 1e12), "multiadds": _number(1e9, 1e12),
    "#multiply-adds": _number(1e9, 1e12), "#epochs": _number(1, 300),
    "#training_data": st.just("1281167"), "#data points": _number(1e4, 1e7),
    "comments": st.sampled_from(["", "", "", "not trained in this paper"]),
    "model size": _number(1e7, 1e10), "training flop": _number(1e18, 1e22),
    "loss": _number(1.8, 5), "domain": st.sampled_from(["NMT", "LM"]),
    "task": st.sampled_from(["val_loss", "('date', '1-shot')"]),
    "seen examples": _number(1e3, 1e9), "training": st.sampled_from(["1", "1", "0"]),
}


def _cell(column: str, row: int) -> st.SearchStrategy[str]:
    """Usually a plausible cell (a unique model name per row), one time in four hostile."""
    lower = column.lower()
    if lower in ("model", "method"):
        valid = st.sampled_from([f"m{row}", f"m{row}", "ResNet-50", "resnet-50 "])
    else:
        valid = VALID.get(lower, WORDS)
    return st.integers(0, 3).flatmap(lambda k: _hostile(column) if k == 0 else valid)


def _write(tmp_path: Path, header: list[str], rows: list[list[str]], junk: bytes) -> Path:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / "raw.csv"
    path.write_bytes(out.getvalue().encode() + junk)
    return path


@st.composite
def raw_tables(draw: st.DrawFn, header: list[str]) -> tuple[list[str], list[list[str]], bytes]:
    header = list(header)
    if draw(st.integers(0, 9), label="drop a column") == 0 and header:
        header.pop(draw(st.integers(0, len(header) - 1), label="which"))
    n = draw(st.integers(0, 12), label="rows")
    rows = [[draw(_cell(c, i), label=c) for c in header] for i in range(n)]
    # repeat some rows (exact and near duplicates are a documented source defect)
    for _ in range(draw(st.integers(0, 3), label="repeats")):
        if rows:
            rows.append(list(rows[draw(st.integers(0, len(rows) - 1), label="copy")]))
    junk = draw(st.sampled_from([b"", b"", b"", b"\xff\xfe", b"\n\n", b'"unterminated',
                                 b"\x00", b"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v\n"]),
                label="junk")
    return header, rows, junk


def _thompson_header(name: str) -> list[str]:
    b = BENCHMARKS[name]
    cols = [b.label, b.year, b.paper, b.paper_fallback, b.time_text, b.time_sec, b.hw_gflops,
            *(m.column for m in b.metrics), b.flops, b.multiadds, b.epochs, b.train_size,
            b.comment]
    return list(dict.fromkeys(c for c in cols if c))


def _accounted(frame, report, curves: list[str], per_curve: bool) -> None:
    """Every raw row kept or dropped exactly once (per curve for multi-curve tables)."""
    assert len(report.source_rows) == len(frame)
    kept = set(zip(report.source_rows, frame["curve"], strict=True))
    assert len(kept) == len(frame)
    whole = {d.row for d in report.dropped if d.curve is None}
    partial = {(d.row, d.curve) for d in report.dropped if d.curve is not None}
    assert len(whole) + len(partial) == report.n_dropped
    assert all(d.reason and d.category and d.line >= 2 for d in report.dropped)
    for row in range(report.raw_rows):
        if per_curve:
            states = [(row, c) in kept or (row, c) in partial for c in curves]
            assert not any(states) if row in whole else all(states), row
        else:
            assert (row in whole) != (row in {r for r, _ in kept}), row


def _clean_or_refuse(clean, path: Path, curves: list[str], per_curve: bool, **kw) -> None:
    try:
        frame, report = clean(path, dataset="fuzz", **kw)
    except (DatasetError, DataValidationError) as exc:
        event(f"refused: {type(exc).__name__}")
        assert str(exc)
        return
    event(f"cleaned: {len(frame)} rows kept")
    assert np.isfinite(frame.select_dtypes("number").to_numpy()).all()
    _accounted(frame, report, curves, per_curve)


@pytest.mark.parametrize("benchmark", sorted(BENCHMARKS))
@FUZZ
@given(data=st.data())
def test_thompson_cleaner(tmp_path, benchmark, data):
    header, rows, junk = data.draw(raw_tables(_thompson_header(benchmark)), label="table")
    compute = data.draw(st.sampled_from(
        ["hardware"] + ([] if network_unavailable(BENCHMARKS[benchmark]) else ["network"])),
        label="compute")
    curves = [m.curve for m in BENCHMARKS[benchmark].metrics]
    _clean_or_refuse(clean_thompson, _write(tmp_path, header, rows, junk), curves, True,
                     benchmark=benchmark, compute=compute)


@FUZZ
@given(data=st.data())
def test_chinchilla_cleaner(tmp_path, data):
    header = [*CHINCHILLA_COLUMNS.values(), "x", "y", "color", "hex_color"]
    header, rows, junk = data.draw(raw_tables(header), label="table")
    _clean_or_refuse(clean_chinchilla, _write(tmp_path, header, rows, junk),
                     ["hoffmann2022-fig4"], False)


@FUZZ
@given(data=st.data())
def test_revisiting_cleaner(tmp_path, data):
    header = ["Domain", "Task", "Model", "Seen Examples", "Loss", "Training"]
    header, rows, junk = data.draw(raw_tables(header), label="table")
    _clean_or_refuse(clean_revisiting, _write(tmp_path, header, rows, junk), [], False)


@pytest.mark.parametrize("clean", [clean_chinchilla, clean_revisiting])
@FUZZ
@given(payload=st.binary(max_size=300))
def test_cleaners_on_random_bytes(tmp_path, clean, payload):
    path = tmp_path / "raw.csv"
    path.write_bytes(payload)
    _clean_or_refuse(clean, path, [], False)


_GADRE_VAL = [f"training/eval_data/val_tok_mult/{v}/00000001.tar" for v in VALIDATION_SETS]
_GADRE_SIZES = [1.0569312e7, 7.8914048e7, 1.53677376e8, 4.11616256e8, 1.4397952e9,
                6.88941056e9]
#: Numbers of the right JSON type but hostile value (dropped, reported), or of a wrong type.
GADRE_BAD_NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                              st.integers(-10, 10**400), st.sampled_from([0, -1, 1e300]))
GADRE_WRONG_TYPES = st.sampled_from(["1e9", "3.2", None, True, False, [], {}])
GADRE_BAD_VAL_DATA = st.sampled_from([
    [], "x", [1], ["a", "b"], ["eval_data"], ["x/eval_data/val_tok_mult/"],
    ["x/eval_data/../t.tar"], ["training/eval_data/val_tok_mult/é/0.tar"],
    ["training/eval_data/c4_val/shard.tar"], [_GADRE_VAL[0]]])


@st.composite
def gadre_run(draw: st.DrawFn, i: int) -> object:
    """One run: valid (most), with hostile values (reported drops), or malformed."""
    kind = draw(st.sampled_from(["valid"] * 12 + ["values"] * 4 + ["malformed"]), label="kind")
    params = draw(st.sampled_from(_GADRE_SIZES), label="params")
    n = draw(st.integers(1, 4), label="results")
    run: dict[str, Any] = {
        "name": f"r{i}", "dataset_name": draw(st.sampled_from(["rpj"] * 4 + ["c4_original"])),
        "hyperparameters": {"params": params,
                            "tokens": params * 20 * draw(st.sampled_from([0.25, 1, 32]))},
        "results": [{"loss": draw(st.floats(1.5, 8.0)), "val_data": [_GADRE_VAL[k]]}
                    for k in range(n)],
    }
    event(f"run: {kind}")
    if kind == "values":  # right types, values the cleaner must drop and report
        where = draw(st.sampled_from(["params", "tokens", "loss", "loss"]), label="where")
        if where == "loss":
            run["results"][draw(st.integers(0, n - 1))]["loss"] = draw(GADRE_BAD_NUMBERS)
        else:
            run["hyperparameters"][where] = draw(GADRE_BAD_NUMBERS)
    elif kind == "malformed":
        damage = draw(st.sampled_from(["type", "missing", "val_data", "name", "bytes"]))
        if damage == "type":
            key = draw(st.sampled_from(["params", "tokens", "loss", "name", "dataset_name",
                                        "results", "hyperparameters"]))
            value = draw(GADRE_WRONG_TYPES)
            if key in ("params", "tokens"):
                run["hyperparameters"][key] = value
            elif key == "loss":
                run["results"][0]["loss"] = value
            else:
                run[key] = value
        elif damage == "missing":
            run.pop(draw(st.sampled_from(sorted(run))))
        elif damage == "val_data":
            run["results"][-1]["val_data"] = draw(GADRE_BAD_VAL_DATA)
        elif damage == "name":
            run["name"] = draw(st.sampled_from(["r0", "", " "]))
        else:
            return draw(st.sampled_from(["{", "[]", b"\xff\xfe", '{"a": 1, "a": 2}', ""]))
    return run


@st.composite
def gadre_runs(draw: st.DrawFn) -> list[object]:
    """A set of run files, mostly valid, some with hostile values or malformed."""
    return [draw(gadre_run(i)) for i in range(draw(st.integers(2, 12), label="runs"))]


def _write_runs(tmp_path: Path, runs: list[object]) -> list[Path]:
    folder = tmp_path / "runs"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    paths = []
    for i, run in enumerate(runs):
        path = folder / f"run{i}.json"
        if isinstance(run, bytes):
            path.write_bytes(run)
        else:
            path.write_text(run if isinstance(run, str) else json.dumps(run), encoding="utf-8")
        paths.append(path)
    return paths


@FUZZ
@given(runs=gadre_runs())
def test_gadre_cleaner(tmp_path, runs):
    """Every result of every run is kept or reported dropped exactly once, or the files are
    refused with a typed error; whole-run drops cover all of the run's results."""
    paths = _write_runs(tmp_path, runs)
    try:
        frame, report = clean_gadre(paths, dataset="fuzz")
    except (DatasetError, DataValidationError) as exc:
        event(f"refused: {type(exc).__name__}")
        assert str(exc)
        return
    event(f"cleaned: {'some' if report.n_dropped else 'no'} rows dropped")
    assert np.isfinite(frame.select_dtypes("number").to_numpy()).all()
    assert report.raw_rows == len(paths) and len(report.source_rows) == len(frame)
    kept = list(zip(report.source_rows, frame["curve"], strict=True))
    assert len(set(kept)) == len(kept)
    whole = [d.row for d in report.dropped if d.curve is None]
    partial = [(d.row, d.curve) for d in report.dropped if d.curve is not None]
    assert len(set(whole)) == len(whole) and len(set(partial)) == len(partial)
    for row, run in enumerate(runs):
        assert isinstance(run, dict)  # anything else must have been refused
        curves = {validation_set_name(r["val_data"], paths[row], i)
                  for i, r in enumerate(run["results"])}
        mine = {c for r, c in kept if r == row} | {c for r, c in partial if r == row}
        assert mine == (set() if row in whole else curves), row
        assert len(mine) == sum(r == row for r, _ in kept) + sum(r == row for r, _ in partial)
    assert all(d.reason and d.category and d.line == 1 for d in report.dropped)
    assert set(frame["split"]) <= {"fit", "holdout"}


# ------------------------------------------------------------------- the sha256 gate

PUBLIC = sorted(name for name, spec in load_registry().items() if spec.kind == "public")


@needs_mirror
@pytest.mark.parametrize("name", PUBLIC)
def test_a_mirror_file_with_one_changed_byte_is_refused_for_every_dataset(name, tmp_path):
    """Extends test_datasets' tampered-mirror test to every public dataset: one flipped
    byte anywhere means a wrong sha256; the file is neither used nor cached. For a
    dataset of several files, one file in the middle of the set is the damaged one."""
    spec = load_registry()[name]
    remotes = spec.remote_files()
    mirror = tmp_path / "mirror"
    for remote in remotes:
        (mirror / remote.filename).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(MIRROR / remote.filename, mirror / remote.filename)
    victim = remotes[len(remotes) // 2].filename
    raw = bytearray((MIRROR / victim).read_bytes())
    raw[len(raw) // 2] ^= 0x01
    (mirror / victim).write_bytes(bytes(raw))
    cache = tmp_path / "cache"
    damaged = re.escape(Path(victim).name)
    with pytest.raises(DatasetError, match=f"{damaged}.* fails its sha256 check"):
        load_dataset(name, mirror=mirror, cache_dir=cache)
    assert not (cache / victim).exists()
    # a good copy in the mirror is then accepted
    shutil.copyfile(MIRROR / victim, mirror / victim)
    assert fetch(name, mirror=mirror, cache_dir=cache).is_file()


@needs_mirror
def test_no_network_without_a_fetch(monkeypatch, tmp_path):
    """Loading from a mirror never touches the network: pooch.retrieve must not run."""
    import pooch

    def forbidden(*args, **kwargs):
        raise AssertionError("network access without a fetch request")

    monkeypatch.setattr(pooch, "retrieve", forbidden)
    data = load_dataset("chinchilla-epoch2024", mirror=MIRROR, cache_dir=tmp_path)
    assert len(data.frame) > 0


# ------------------------------------------------------------------- regressions found above

def _thompson_rows(year: str = "2016", gflops: str = "1e4") -> str:
    head = "method,year,title,url,time,time_sec,hw_gflops,F1,#epochs\n"
    body = "".join(f"m{i},{2015 + i},p{i},u,1 day,{86400 * (i + 1)},{1e4 * (i + 1)},{80 + i},3\n"
                   for i in range(4))
    return head + body + f"bad,{year},p9,u,1 day,86400,{gflops},90,3\n"


@pytest.mark.parametrize(("year", "gflops", "category"),
                         [("4.5e16", "1e4", "implausible year"),
                          ("1066", "1e4", "implausible year"),
                          ("2016", "1e300", "implausible compute")])
def test_thompson_drops_a_row_with_an_implausible_year_or_compute(tmp_path, year, gflops,
                                                                  category):
    """Was: the whole dataset refused (DataValidationError on 'year'/'compute')."""
    path = tmp_path / "squad.csv"
    path.write_text(_thompson_rows(year, gflops))
    frame, report = clean_thompson(path, dataset="t", benchmark="squad")
    assert len(frame) == 4
    assert [(d.row, d.category) for d in report.dropped] == [(4, category)]


def test_chinchilla_with_no_usable_row_names_the_reasons(tmp_path):
    """Was: 'empty input: the table has no columns' (a DataValidationError about columns)."""
    path = tmp_path / "chin.csv"
    path.write_text("Model Size,Training FLOP,loss\nx,1e20,2.5\n1e9,,2.4\n")
    with pytest.raises(DatasetError, match="no usable rows") as info:
        clean_chinchilla(path, dataset="c")
    assert "'unparseable Model Size': 1" in str(info.value)
    assert "'missing Training FLOP': 1" in str(info.value)


def test_chinchilla_drops_rows_whose_derived_tokens_underflow(tmp_path):
    """Was: data = compute / (6 N) = 0 refused the whole table (non-positive 'data')."""
    path = tmp_path / "chin.csv"
    rows = "".join(f"{n},1e21,{2 + i / 10}\n" for i, n in enumerate((1e8, 1e9, 1e10)))
    path.write_text("Model Size,Training FLOP,loss\n" + rows + "1e300,1e-30,2.0\n")
    frame, report = clean_chinchilla(path, dataset="c")
    assert len(frame) == 3 and [d.category for d in report.dropped] == ["implausible tokens"]


def test_revisiting_drops_a_short_curve_whole_and_keeps_the_others(tmp_path):
    """Was: one curve with < 3 sizes refused the whole dataset (DataValidationError)."""
    path = tmp_path / "lang.csv"
    good = "".join(f"NMT,val_loss,m1,{10 ** k},{3 - k / 10},1\n" for k in range(3, 7))
    short = "LM,val_loss,m2,1000,3.0,1\nLM,val_loss,m2,1e4,2.8,1\nLM,val_loss,m2,x,2.7,1\n"
    path.write_text("Domain,Task,Model,Seen Examples,Loss,Training\n" + good + short)
    frame, report = clean_revisiting(path, dataset="r")
    assert set(frame["curve"]) == {"val_loss/m1"} and len(frame) == 4
    assert [(d.row, d.category) for d in report.dropped] == [
        (4, "curve with < 3 distinct sizes"), (5, "curve with < 3 distinct sizes"),
        (6, "unparseable Seen Examples")]
    with pytest.raises(DatasetError, match="no curve keeps at least 3"):
        path.write_text("Domain,Task,Model,Seen Examples,Loss,Training\n" + short)
        clean_revisiting(path, dataset="r")
