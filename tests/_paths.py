"""Where the tests read the public tables from.

The offline data mirror (the ``shared/`` folder beside the repository) when it is there;
otherwise the public files themselves, fetched once from their pinned addresses (sha256
checked, :mod:`bayes_scaling.datasets.retrieval`) into a cache folder that is then laid out
like a mirror, so a fresh clone with the network runs every test. Only when neither is
possible do the public-data tests skip, each with the same one-line reason.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest

from bayes_scaling.datasets import fetch, list_datasets
from bayes_scaling.datasets.registry import get_spec
from bayes_scaling.errors import DatasetError

#: The shared offline mirror beside the repository.
SHARED_MIRROR = Path(__file__).resolve().parents[1].parent / "shared/datasets/raw"
#: Set to 1 to never try the network (the public-data tests then skip without the mirror).
OFFLINE_ENV = "BAYES_SCALING_TESTS_OFFLINE"
#: Where the public files are fetched to when the mirror is absent (a mirror-shaped cache).
FETCHED = Path(os.environ.get("BAYES_SCALING_TESTS_CACHE",
                              Path(__file__).resolve().parents[1] / ".test-data"))


def _reachable(url: str, timeout: float = 3.0) -> bool:
    """Whether the host of ``url`` accepts a connection within ``timeout`` seconds."""
    host = urlparse(url).hostname or ""
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def _public_mirror() -> tuple[Path, str]:
    """The folder to read public tables from, and why they are unavailable ("" if not)."""
    if SHARED_MIRROR.is_dir():
        return SHARED_MIRROR, ""
    names = list_datasets().query("kind == 'public'")["name"].tolist()
    why = f"public tables unavailable: no offline mirror at {SHARED_MIRROR} and {{}}"
    if os.environ.get(OFFLINE_ENV, "") == "1":
        return SHARED_MIRROR, why.format(f"${OFFLINE_ENV}=1 (the network is not tried)")
    url = get_spec(names[0]).remote_files()[0].url
    if not _reachable(url):
        return SHARED_MIRROR, why.format(f"no network to {urlparse(url).hostname}")
    try:
        for name in names:
            fetch(name, mirror=None, cache_dir=FETCHED)
    except DatasetError as exc:
        return SHARED_MIRROR, why.format(f"fetching failed: {exc}")
    return FETCHED, ""


MIRROR, UNAVAILABLE = _public_mirror()
needs_mirror = pytest.mark.skipif(bool(UNAVAILABLE), reason=UNAVAILABLE or "unused")
