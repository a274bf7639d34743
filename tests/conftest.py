"""Shared test settings: a headless matplotlib backend and the hypothesis profiles.

Profiles: ``ci`` (default, bounded example counts so the fast tier stays fast) and
``long`` (many more examples, for a nightly or pre-release run). Select one with
``BAYES_SCALING_HYPOTHESIS_PROFILE=long``.

SMC blocks run in this process (``BAYES_SCALING_JOBS=1``) unless a test asks for workers:
the tier shares two cores, and stubs installed with ``monkeypatch`` (no sampling in the CLI
tests) do not reach worker processes. ``tests/test_parallel_blocks.py`` runs the workers.
"""

from __future__ import annotations

import os

import matplotlib
from hypothesis import settings

matplotlib.use("Agg")
os.environ.setdefault("BAYES_SCALING_JOBS", "1")

# deadline=None: the first call of a property pays pandas/pytensor warm-up costs,
# which would otherwise show up as flaky DeadlineExceeded errors.
settings.register_profile("ci", max_examples=60, deadline=None)
settings.register_profile("long", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("BAYES_SCALING_HYPOTHESIS_PROFILE", "ci"))
