"""Read a raw public CSV as text cells, keeping each record's position in the file."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from bayes_scaling.errors import DatasetError


@dataclass(frozen=True)
class RawTable:
    """A raw CSV file: header, text cells and where each record starts.

    Parameters
    ----------
    path : pathlib.Path
        The file read.
    header : tuple of str
        Column names, stripped of surrounding blanks.
    rows : tuple of tuple of str
        Data records (header excluded), cells stripped, padded with ``""`` to the header
        width. Row ``i`` is data row ``i`` (zero-based) of the file.
    lines : tuple of int
        One-based physical line on which each data record starts.
    """

    path: Path
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> int:
        """Position of column ``name``; :class:`DatasetError` if absent."""
        try:
            return self.header.index(name)
        except ValueError:
            raise DatasetError(
                f"{self.path.name}: expected column {name!r} is missing; columns are "
                f"{list(self.header)} (the file does not match its registered format)"
            ) from None

    def cell(self, row: int, name: str) -> str:
        """Stripped text of column ``name`` in data row ``row`` (``""`` when blank)."""
        return self.rows[row][self.column(name)]

    def has(self, name: str) -> bool:
        """Whether the header has column ``name``."""
        return name in self.header


def read_raw_csv(path: str | Path) -> RawTable:
    """Read ``path`` as UTF-8 CSV text with line numbers.

    Parameters
    ----------
    path : str or pathlib.Path
        A CSV file with a header row. Fully blank records are kept (as empty cells) so
        that data-row numbers match the file.

    Returns
    -------
    RawTable

    Raises
    ------
    DatasetError
        If the file cannot be read, is not UTF-8, is not CSV, or has a record with more
        fields than the header (shorter records are padded).
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise DatasetError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path} is not UTF-8 text (byte {exc.start})") from exc
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = tuple(h.strip() for h in next(reader))
    except StopIteration:
        raise DatasetError(f"{path} is empty; expected a CSV header") from None
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []
    start = reader.line_num + 1
    try:
        for record in reader:
            if len(record) > len(header):
                extra = record[len(header):]
                if any(cell.strip() for cell in extra):
                    raise DatasetError(
                        f"{path}: data row {len(rows)} (line {start}) has {len(record)} "
                        f"fields but the header has {len(header)}"
                    )
                record = record[: len(header)]
            cells = tuple(c.strip() for c in record) + ("",) * (len(header) - len(record))
            rows.append(cells)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DatasetError(f"{path} is not valid CSV near line {reader.line_num}: {exc}") from exc
    return RawTable(path=path, header=header, rows=tuple(rows), lines=tuple(lines))
