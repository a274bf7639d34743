"""Row rules shared by the cleaners: a drop signal and a strict number parser."""

from __future__ import annotations

import math


class RowDrop(Exception):
    """A cleaning rule failed for a raw row.

    Parameters
    ----------
    category : str
        Short reason class, used to count drops (e.g. ``"missing hw_gflops"``).
    reason : str, optional
        Full reason with the offending value; defaults to ``category``.
    """

    def __init__(self, category: str, reason: str | None = None):
        super().__init__(reason or category)
        self.category = category
        self.reason = reason or category


def parse_number(text: str, what: str, *, positive: bool = True) -> float:
    """Parse a numeric cell (thousands separators allowed).

    Parameters
    ----------
    text : str
        The stripped cell text.
    what : str
        Column name used in the drop reason.
    positive : bool, default True
        Require a value > 0.

    Returns
    -------
    float
        A finite number.

    Raises
    ------
    RowDrop
        ``"missing <what>"`` for an empty cell, ``"unparseable <what>"`` for text that is
        not a number, ``"non-positive <what>"`` for a non-finite or (when ``positive``)
        non-positive value.
    """
    if not text:
        raise RowDrop(f"missing {what}")
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise RowDrop(f"unparseable {what}", f"unparseable {what} {text!r}") from None
    if not math.isfinite(value) or (positive and value <= 0):
        raise RowDrop(f"non-positive {what}", f"{what} {text!r} is not a positive number")
    return value
