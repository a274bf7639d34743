"""The offline data mirror used by tests (the shared/ folder beside the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

MIRROR = Path(__file__).resolve().parents[1].parent / "shared/datasets/raw"
needs_mirror = pytest.mark.skipif(
    not MIRROR.is_dir(),
    reason=f"offline data mirror {MIRROR} is absent (the shared/ folder beside the repository)",
)
