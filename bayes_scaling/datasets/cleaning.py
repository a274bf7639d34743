"""The cleaning report: every raw row a cleaner did not keep, and why.

A cleaner never drops a row silently. Each dropped raw row (or a raw row dropped from
one curve only, when one raw row feeds several curves) becomes a :class:`DroppedRow`
naming its position in the raw file, the reason, and a short reason *category* used
for counting. Conversions applied to the kept values (e.g. ``error = 1 - F1/100``) are
listed as text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

REPORT_COLUMNS: tuple[str, ...] = ("row", "line", "curve", "label", "category", "reason")


@dataclass(frozen=True)
class DroppedRow:
    """One raw row left out of the tidy table.

    Parameters
    ----------
    row : int
        Zero-based data row in the raw file (header excluded), as in
        :class:`bayes_scaling.errors.DataValidationError`.
    line : int
        One-based physical line of the raw file where the record starts.
    category : str
        Short reason class used for counting (e.g. ``"missing hw_gflops"``).
    reason : str
        Full reason (e.g. ``"unparseable time '160k iterations'"``).
    curve : str or None
        The curve the row was dropped from, or ``None`` when the whole row was dropped.
    label : str
        Model name (or another identifying text) for readability; may be empty.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset_report
    >>> data, report = load_dataset_report("thompson2020-imagenet")
    >>> dropped = report.dropped[0]  # a DroppedRow
    >>> dropped.row, dropped.line, dropped.category
    (0, 2, 'missing hw_gflops')
    """

    row: int
    line: int
    category: str
    reason: str
    curve: str | None = None
    label: str = ""


@dataclass(frozen=True)
class CleaningReport:
    """What a cleaner did to one raw file.

    Parameters
    ----------
    dataset : str
        Registered dataset name.
    raw_rows : int
        Data rows in the raw file (header excluded).
    kept_rows : int
        Rows of the tidy table.
    dropped : tuple of DroppedRow
        Every raw row (or raw row x curve) left out, in raw-file order.
    conversions : tuple of str
        Unit and metric conversions applied to kept values.
    notes : tuple of str
        Other decisions (chosen metric, compute kind, curve naming, caveats).
    source_rows : tuple of int
        For each tidy row, the zero-based raw data row it came from.
    options : dict
        Cleaner options in force (e.g. ``{"compute": "hardware"}``).

    Examples
    --------
    >>> r = CleaningReport("demo", raw_rows=3, kept_rows=2,
    ...                    dropped=(DroppedRow(2, 4, "missing loss", "missing loss"),))
    >>> r.counts()
    {'missing loss': 1}
    """

    dataset: str
    raw_rows: int
    kept_rows: int
    dropped: tuple[DroppedRow, ...] = ()
    conversions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    source_rows: tuple[int, ...] = ()
    options: dict[str, str] = field(default_factory=dict)

    @property
    def n_dropped(self) -> int:
        """Number of drop entries (raw rows, or raw row x curve pairs)."""
        return len(self.dropped)

    def counts(self) -> dict[str, int]:
        """Drop entries per reason category, most frequent first (ties: name order)."""
        tally = Counter(d.category for d in self.dropped)
        return dict(sorted(tally.items(), key=lambda kv: (-kv[1], kv[0])))

    def to_frame(self) -> pd.DataFrame:
        """All drop entries as a table with columns ``row, line, curve, label, category,
        reason`` (``curve`` empty for whole-row drops)."""
        records = [
            {"row": d.row, "line": d.line, "curve": d.curve or "", "label": d.label,
             "category": d.category, "reason": d.reason}
            for d in self.dropped
        ]
        frame = pd.DataFrame.from_records(records, columns=list(REPORT_COLUMNS))
        return frame.astype({"row": "int64", "line": "int64"})

    def summary(self) -> str:
        """Human-readable multi-line summary: sizes, counts by reason, conversions, notes."""
        lines = [
            f"dataset {self.dataset}: {self.raw_rows} raw rows -> {self.kept_rows} tidy rows; "
            f"{self.n_dropped} drop entries",
        ]
        if self.options:
            opts = ", ".join(f"{k}={v}" for k, v in sorted(self.options.items()))
            lines.append(f"options: {opts}")
        if self.dropped:
            lines.append("dropped, by reason:")
            lines += [f"  {n:5d}  {cat}" for cat, n in self.counts().items()]
        if self.conversions:
            lines.append("conversions:")
            lines += [f"  - {c}" for c in self.conversions]
        if self.notes:
            lines.append("notes:")
            lines += [f"  - {n}" for n in self.notes]
        return "\n".join(lines)
