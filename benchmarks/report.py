"""Render result CSVs as the Markdown tables of BENCHMARKS.md.

``python -m benchmarks.report [RESULTS_DIR ...]`` prints one table per ``*.csv`` (runs and
machine files excluded) with the machine line recorded at the time of the run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from benchmarks._common import RESULTS


def markdown(frame: pd.DataFrame, digits: int = 3) -> str:
    """A GitHub Markdown table (numbers to ``digits`` significant digits)."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            return "" if pd.isna(value) else f"{value:.{digits}g}"
        return str(value)

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |",
             "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |"
              for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def machine_line(csv: Path) -> str:
    """One line describing the machine and load when ``csv`` was written."""
    path = csv.with_suffix(".machine.csv")
    if not path.exists():
        return ""
    m = pd.read_csv(path).iloc[0]
    return (f"Machine: {m['cpu']}, {m['nproc']} cores, {m['ram_gb']} GB RAM; load averages "
            f"{m['load_1m']}/{m['load_5m']}/{m['load_15m']} (1/5/15 min) at {m['time']}; "
            f"Python {m['python']}, PyMC {m['pymc']}, nutpie {m['nutpie']}, "
            f"PyTensor {m['pytensor']}.")


def main(folders: list[str]) -> None:
    """Print the tables of every result folder."""
    for folder in [Path(f) for f in folders] or [RESULTS]:
        for csv in sorted(folder.glob("*.csv")):
            if csv.name.endswith((".machine.csv", "_runs.csv")):
                continue
            print(f"### {folder.name}/{csv.name}\n\n{machine_line(csv)}\n")
            print(markdown(pd.read_csv(csv)) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
