"""Shared plot defaults: a colour-blind-safe palette and axis helpers."""

from __future__ import annotations

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
)

METRIC_LABELS = {"error": "test error rate", "loss": "loss"}
SIZE_LABELS = {
    "data": "training-set size (samples)",
    "params": "model size (parameters)",
    "compute": "training compute (FLOP)",
}


def color(i: int) -> str:
    """The ``i``-th palette colour (cycling)."""
    return OKABE_ITO[i % len(OKABE_ITO)]
