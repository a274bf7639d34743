"""Cleaner for the Computer Progress benchmark tables (Thompson et al. 2020).

Each benchmark table lists published models with a score, the hardware used and the
training time. The tidy table has one row per (model, metric variant):

* ``domain`` = the benchmark (``"imagenet"``, ``"mscoco"``, ``"squad"``, ``"conll2003"``,
  ``"wmt14-en-de"``, ``"wmt14-en-fr"``);
* ``curve`` = the metric variant. One primary metric per benchmark: ImageNet top-1
  error (``"top1"``) and, as a second curve, top-5 error (``"top5"``); MS COCO box AP
  (``"box_ap"``; AP50/AP75/APS/APM/APL unused); SQuAD 1.1 F1 (``"f1"``; EM unused);
  CoNLL 2003 NER F1 (``"f1"``); WMT14 BLEU (``"bleu"``; SacreBLEU unused);
* ``error`` in (0, 1]: percent errors are divided by 100, percent scores become
  ``1 - score/100``. BLEU is a similarity score, not an error rate: ``1 - BLEU/100`` is a
  bounded "BLEU deficit" used as an error-like metric;
* ``compute`` (the size column), one of two kinds:

  - ``"hardware"`` (default): hardware burden in FLOP = ``hw_gflops * 1e9 * time_sec``,
    the total peak FLOP/s of the hardware used times the wall-clock training time;
  - ``"network"``: network operations = operations per forward pass x passes, with
    passes = epochs x training-set size (forward pass only, no backward factor);

* ``year`` = the table's year column, ``label`` = the model name.

Rules, applied in this order (the first failing rule is the reported reason; a row is
kept in or dropped from every curve exactly once):

1. whole row: exact duplicate of an earlier row; missing model name; a comment saying
   the listed hardware/time are not this model's training (ImageNet: "not trained in
   this paper", "done with CIFAR" - e.g. NASNet's architecture-search budget copied to
   every baseline of its table) or a proxy training set (ImageNet: ``#training_data``
   below 1e6, e.g. 50,000 for CIFAR-10 or MnasNet's search subset); compute inputs
   (hardware: ``hw_gflops`` missing/unparseable/not positive, time missing, free-text
   time not a duration, time implausibly long (> 1 year); network: operations per pass,
   epochs or training-set size missing/not positive; compute overflowing float64);
   missing year or one outside 1950-2100;
2. per curve: score missing/unparseable/out of range; same model name in the same
   paper (both case- and blank-insensitive) as an earlier row kept in the curve, or same
   name, compute, score and year ("duplicate of row N"). The same model name reported
   by a different paper is a separate measurement (its own training budget) and kept;
3. per curve: curves left with fewer than 3 distinct compute values are dropped whole.

The training time is the file's ``time_sec`` column where present (the compilers'
conversion); otherwise the free-text time column is parsed (:mod:`.timeparse`). When
both exist and the free text is a wall-clock duration disagreeing with ``time_sec`` by
more than 5 %, the free text wins (WMT14 en-de has two ``time_sec`` values swapped);
every such override is listed in the report's conversions.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from bayes_scaling.data import MIN_DISTINCT_SIZES, validate_frame
from bayes_scaling.datasets.cleaning import CleaningReport, DroppedRow
from bayes_scaling.datasets.rawcsv import RawTable, read_raw_csv
from bayes_scaling.datasets.rules import RowDrop, parse_number
from bayes_scaling.datasets.timeparse import TimeParseError, parse_duration
from bayes_scaling.errors import DatasetError

ComputeKind = Literal["hardware", "network"]
COMPUTE_KINDS: tuple[str, ...] = ("hardware", "network")
MAX_TRAINING_SECONDS = 365.25 * 86400.0
TIME_TOLERANCE = 0.05
#: Plausible publication years of a deep-learning result; others are typos or junk.
YEARS = (1950, 2100)


@dataclass(frozen=True)
class Metric:
    """One curve of a benchmark: which column, and how it becomes an error rate."""

    curve: str
    column: str
    kind: Literal["error_percent", "score_percent"]
    description: str


@dataclass(frozen=True)
class Benchmark:
    """Column layout of one Computer Progress table (the files differ)."""

    domain: str
    label: str
    year: str
    paper: str
    paper_fallback: str
    metrics: tuple[Metric, ...]
    time_text: str
    flops: str | None = None
    multiadds: str | None = None
    epochs: str | None = None
    train_size: str | None = None
    time_sec: str = "time_sec"
    hw_gflops: str = "hw_gflops"
    comment: str | None = None
    exclude_comment: str | None = None
    min_train_size: float | None = None


_BLEU = Metric("bleu", "BLEU", "score_percent",
               "BLEU in percent; BLEU is a similarity score, not an error rate, so "
               "1 - BLEU/100 is a bounded 'BLEU deficit' used as an error-like metric")

BENCHMARKS: dict[str, Benchmark] = {
    "imagenet": Benchmark(
        domain="imagenet", label="model", year="year", paper="paper", paper_fallback="url",
        metrics=(Metric("top1", "top1_error", "error_percent", "top-1 error in percent"),
                 Metric("top5", "top5_error", "error_percent", "top-5 error in percent")),
        time_text="training_time", flops="flops", multiadds="multiadds", epochs="#epochs",
        train_size="#training_data", comment="comments",
        exclude_comment=r"not trained in this paper|done with cifar|trained on cifar",
        min_train_size=1e6),
    "mscoco": Benchmark(
        domain="mscoco", label="method", year="year", paper="title", paper_fallback="url",
        metrics=(Metric("box_ap", "BOX_AP", "score_percent",
                        "box average precision in percent"),),
        time_text="hw time", flops="flops", epochs="#epochs"),
    "squad": Benchmark(
        domain="squad", label="method", year="year", paper="title", paper_fallback="url",
        metrics=(Metric("f1", "F1", "score_percent", "answer F1 in percent"),),
        time_text="time", epochs="#epochs"),
    "conll2003": Benchmark(
        domain="conll2003", label="method", year="year", paper="title",
        paper_fallback="paper",
        metrics=(Metric("f1", "F1", "score_percent", "entity F1 in percent"),),
        time_text="hw time", flops="flops", epochs="#epochs", train_size="#data points"),
    "wmt14-en-de": Benchmark(
        domain="wmt14-en-de", label="method", year="year", paper="title",
        paper_fallback="paper", metrics=(_BLEU,),
        time_text="hw time", flops="#flops", multiadds="#multiply-adds", epochs="#epochs",
        train_size="#data points"),
    "wmt14-en-fr": Benchmark(
        domain="wmt14-en-fr", label="method", year="year", paper="title",
        paper_fallback="paper", metrics=(_BLEU,),
        time_text="hw time", flops="#flops", multiadds="#multiply-adds", epochs="#epochs",
        train_size="#data points"),
}


class _Cleaner:
    """Applies the rules to one raw table; collects kept rows and drop entries."""

    def __init__(self, table: RawTable, bench: Benchmark, compute: ComputeKind):
        self.table, self.bench, self.compute = table, bench, compute
        self.dropped: list[DroppedRow] = []
        self.parsed_times: list[str] = []
        self.time_overrides: list[str] = []

    def drop(self, row: int, exc: RowDrop, curve: str | None = None) -> None:
        self.dropped.append(DroppedRow(
            row=row, line=self.table.lines[row], category=exc.category, reason=exc.reason,
            curve=curve, label=self.table.cell(row, self.bench.label)))

    def _seconds(self, row: int) -> float:
        cell = self.table.cell
        b = self.bench
        text = cell(row, b.time_text)
        parsed: float | None = None
        failure = ""
        if text:
            epochs_text = cell(row, b.epochs) if b.epochs else ""
            try:
                epochs = float(epochs_text) if epochs_text else None
                parsed = parse_duration(text, epochs=epochs)
            except (TimeParseError, ValueError) as exc:
                failure = str(exc)
        if cell(row, b.time_sec):
            seconds = parse_number(cell(row, b.time_sec), b.time_sec)
            if parsed is not None and abs(parsed / seconds - 1.0) > TIME_TOLERANCE:
                self.time_overrides.append(
                    f"row {row}: {b.time_sec} {cell(row, b.time_sec)} disagrees with "
                    f"{text!r} = {parsed:g} s; used {parsed:g} s")
                seconds = parsed
        elif not text:
            raise RowDrop("missing time", f"missing time (both {b.time_sec!r} and "
                          f"{b.time_text!r} are empty)")
        elif parsed is None:
            raise RowDrop("unparseable time", f"unparseable time {text!r}: {failure}")
        else:
            seconds = parsed
            self.parsed_times.append(f"row {row}: {text!r} -> {seconds:g} s")
        if seconds > MAX_TRAINING_SECONDS:
            raise RowDrop("implausible time", f"implausible training time {seconds:.3g} s "
                          f"(> 1 year; time text {cell(row, b.time_text)!r})")
        return seconds

    def _ops_per_pass(self, row: int) -> float:
        b, cell = self.bench, self.table.cell
        if b.flops and cell(row, b.flops):
            return parse_number(cell(row, b.flops), b.flops)
        if b.multiadds and cell(row, b.multiadds):
            return 2.0 * parse_number(cell(row, b.multiadds), b.multiadds)
        names = " / ".join(c for c in (b.flops, b.multiadds) if c)
        raise RowDrop("missing operations per pass", f"missing operations per pass ({names})")

    def row_compute(self, row: int) -> float:
        """Compute (FLOP) of a raw row, or :class:`RowDrop`."""
        b, cell = self.bench, self.table.cell
        if self.compute == "hardware":
            gflops = parse_number(cell(row, b.hw_gflops), b.hw_gflops)
            return gflops * 1e9 * self._seconds(row)
        if not (b.epochs and b.train_size):  # excluded earlier by network_unavailable()
            raise DatasetError(f"network operations are not derivable for {b.domain}")
        ops = self._ops_per_pass(row)
        epochs = parse_number(cell(row, b.epochs), b.epochs)
        return ops * epochs * parse_number(cell(row, b.train_size), b.train_size)

    def error(self, row: int, metric: Metric) -> float:
        value = parse_number(self.table.cell(row, metric.column), metric.column, positive=False)
        if metric.kind == "error_percent":
            if not 0.0 < value <= 100.0:
                raise RowDrop(f"{metric.column} out of range",
                              f"{metric.column} {value:g} outside (0, 100]")
            return value / 100.0
        if not 0.0 <= value < 100.0:
            raise RowDrop(f"{metric.column} out of range",
                          f"{metric.column} {value:g} outside [0, 100)")
        return 1.0 - value / 100.0


def network_unavailable(bench: Benchmark) -> str | None:
    """Why network operations cannot be derived for ``bench`` (``None`` if they can)."""
    missing = []
    if not (bench.flops or bench.multiadds):
        missing.append("operations per forward pass")
    if not bench.epochs:
        missing.append("epoch count")
    if not bench.train_size:
        missing.append("training-set size")
    if missing:
        return f"the {bench.domain} table has no column for: {', '.join(missing)}"
    return None


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _model_key(table: RawTable, bench: Benchmark, row: int) -> tuple[str, str]:
    """(paper, model name), case- and blank-insensitive: what makes two rows one model."""
    paper = table.cell(row, bench.paper) or table.cell(row, bench.paper_fallback)
    return _norm(paper), _norm(table.cell(row, bench.label))


def clean_thompson(path: str | Path, *, dataset: str, benchmark: str,
                   compute: str = "hardware") -> tuple[pd.DataFrame, CleaningReport]:
    """Clean one Computer Progress table into the tidy model.

    Parameters
    ----------
    path : str or pathlib.Path
        The raw CSV (e.g. ``imagenet.csv``).
    dataset : str
        Registered dataset name (recorded in the report).
    benchmark : str
        Key of :data:`BENCHMARKS` (``"imagenet"``, ``"mscoco"``, ...).
    compute : {"hardware", "network"}, default "hardware"
        Which compute to use as the ``compute`` column (see the module docstring).

    Returns
    -------
    frame : pandas.DataFrame
        Validated tidy table (size column ``compute``, metric ``error``).
    report : CleaningReport

    Raises
    ------
    DatasetError
        Unknown benchmark or compute kind, network operations not derivable for this
        table, or no curve left with at least 3 distinct compute values.
    """
    if benchmark not in BENCHMARKS:
        raise DatasetError(f"unknown Thompson benchmark {benchmark!r}; "
                           f"valid: {sorted(BENCHMARKS)}")
    if compute not in COMPUTE_KINDS:
        raise DatasetError(f"compute must be one of {list(COMPUTE_KINDS)}, got {compute!r}")
    bench = BENCHMARKS[benchmark]
    if compute == "network" and (why := network_unavailable(bench)):
        raise DatasetError(f"compute='network' is not available for {dataset}: {why}; "
                           "use compute='hardware'")
    table = read_raw_csv(path)
    for name in (bench.label, bench.year, bench.time_text, bench.time_sec, bench.hw_gflops,
                 *(m.column for m in bench.metrics)):
        table.column(name)  # fail early, naming the column, if the layout changed
    work = _Cleaner(table, bench, compute)  # type: ignore[arg-type]

    first_seen: dict[tuple[str, ...], int] = {}
    usable: dict[int, tuple[float, int]] = {}
    for row, cells in enumerate(table.rows):
        try:
            if cells in first_seen:
                raise RowDrop("exact duplicate", f"exact duplicate of row {first_seen[cells]}")
            first_seen[cells] = row
            if not table.cell(row, bench.label):
                raise RowDrop("missing model name")
            if bench.comment and bench.exclude_comment:
                note = table.cell(row, bench.comment)
                if re.search(bench.exclude_comment, note, re.IGNORECASE):
                    raise RowDrop("budget is not this model's training",
                                  f"comment {note!r}: the hardware/time listed are not this "
                                  "model's ImageNet training")
            if bench.min_train_size and bench.train_size:
                size_text = table.cell(row, bench.train_size)
                try:
                    proxy = float(size_text) < bench.min_train_size
                except ValueError:
                    proxy = False  # blank or text: not evidence of a proxy set
                if proxy:
                    raise RowDrop("budget is not this model's training",
                                  f"{bench.train_size} {size_text} is a proxy set, not the "
                                  f"full training set (>= {bench.min_train_size:g}): the "
                                  "budget listed is a search/proxy run")
            flop = work.row_compute(row)
            if not math.isfinite(flop):  # e.g. 1e300 GFLOP/s x a long time: overflows
                raise RowDrop("implausible compute", f"compute overflows ({flop:g} FLOP)")
            year = parse_number(table.cell(row, bench.year), bench.year)
            if not YEARS[0] <= year <= YEARS[1]:
                raise RowDrop("implausible year", f"{bench.year} {table.cell(row, bench.year)!r}"
                              f" outside {YEARS[0]}-{YEARS[1]}")
            usable[row] = (flop, round(year))
        except RowDrop as exc:
            work.drop(row, exc)

    records: list[dict[str, object]] = []
    for metric in bench.metrics:
        kept: list[tuple[int, dict[str, object]]] = []
        seen: dict[object, int] = {}
        for row, (flop, year) in usable.items():
            label = table.cell(row, bench.label)
            try:
                error = work.error(row, metric)
                key = _model_key(table, bench, row)
                values = (_norm(label), flop, error, year)
                if key in seen:
                    raise RowDrop("duplicate model", f"duplicate of row {seen[key]} (same "
                                  f"model {label!r} in the same paper)")
                if values in seen:
                    raise RowDrop("duplicate model", f"duplicate of row {seen[values]} (same "
                                  "model name, compute, score and year)")
            except RowDrop as exc:
                work.drop(row, exc, metric.curve)
                continue
            seen[key] = seen[values] = row
            kept.append((row, {"domain": bench.domain, "curve": metric.curve, "compute": flop,
                               "error": error, "year": year, "label": label}))
        distinct = len({rec["compute"] for _, rec in kept})
        if distinct < MIN_DISTINCT_SIZES:
            for row, _ in kept:
                work.drop(row, RowDrop(
                    f"curve with < {MIN_DISTINCT_SIZES} distinct compute values",
                    f"curve {metric.curve!r} keeps only {distinct} distinct compute value(s) "
                    f"(< {MIN_DISTINCT_SIZES} needed for a learning curve)"), metric.curve)
            continue
        records += [dict(rec, _row=row) for row, rec in kept]

    if not records:
        raise DatasetError(
            f"{dataset}: no curve keeps at least {MIN_DISTINCT_SIZES} distinct compute values "
            f"with compute={compute!r}; {len(work.dropped)} drop entries, by reason: "
            f"{CleaningReport(dataset, len(table), 0, tuple(work.dropped)).counts()}"
        )
    frame = pd.DataFrame.from_records(records)
    source_rows = tuple(int(r) for r in frame.pop("_row"))
    tidy = validate_frame(frame, size="compute")
    dropped = tuple(sorted(work.dropped, key=lambda d: (d.row, d.curve or "")))
    report = CleaningReport(
        dataset=dataset, raw_rows=len(table), kept_rows=len(tidy), dropped=dropped,
        conversions=_conversions(bench, compute, work.parsed_times, work.time_overrides),
        notes=_notes(bench, compute), source_rows=source_rows,
        options={"compute": compute},
    )
    return tidy, report


def _conversions(bench: Benchmark, compute: str, parsed: list[str],
                 overrides: list[str]) -> tuple[str, ...]:
    out = []
    for m in bench.metrics:
        formula = (f"error = {m.column}/100" if m.kind == "error_percent"
                   else f"error = 1 - {m.column}/100")
        out.append(f"curve {m.curve!r}: {formula} ({m.description})")
    if compute == "hardware":
        out.append(f"compute = {bench.hw_gflops} * 1e9 * {bench.time_sec} "
                   "(hardware burden in FLOP: total peak FLOP/s of the hardware used x "
                   "wall-clock training seconds)")
        out.append(f"training seconds from {bench.time_sec!r} where present, else parsed from "
                   f"the free text {bench.time_text!r} (ranges -> midpoint, per-epoch "
                   f"times x epochs); {len(parsed)} row(s) parsed"
                   + (": " + "; ".join(parsed) if parsed else ""))
        out.append(f"where the free text is a duration disagreeing with {bench.time_sec!r} by "
                   f"more than {TIME_TOLERANCE:.0%}, the free text is used; "
                   f"{len(overrides)} row(s)" + (": " + "; ".join(overrides) if overrides else ""))
    else:
        ops = bench.flops or ""
        if bench.multiadds:
            ops += f" (or 2 * {bench.multiadds} where {bench.flops} is missing: "
            ops += "1 multiply-add = 2 FLOP)"
        out.append(f"compute = operations per forward pass [{ops}] * {bench.epochs} * "
                   f"{bench.train_size} (network operations in FLOP; forward pass only, "
                   "no backward-pass factor)")
    return tuple(out)


def _notes(bench: Benchmark, compute: str) -> tuple[str, ...]:
    metrics = ", ".join(f"{m.curve!r} = {m.column}" for m in bench.metrics)
    return (
        f"compute kind: {compute}",
        f"domain {bench.domain!r}; curves: {metrics}; label = {bench.label!r}; "
        f"year = {bench.year!r}",
        "hardware, time and operation counts are as compiled by Thompson et al.; some rows "
        "carry the reporting paper's own budget (e.g. an architecture search) rather than "
        "the listed model's training: rows the table itself flags (ImageNet comments, proxy "
        "training sets) are dropped, other such rows cannot be detected and are kept",
    )
