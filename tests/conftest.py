"""Shared test settings: a headless matplotlib backend and the hypothesis profiles.

Profiles: ``ci`` (default, bounded example counts so the fast tier stays fast) and
``long`` (many more examples, for a nightly or pre-release run). Select one with
``BAYES_SCALING_HYPOTHESIS_PROFILE=long``.
"""

from __future__ import annotations

import os

# NUTS fits in this tier are small: compiling the model (nutpie's numba backend) costs more
# than sampling it. LLVM's lowest optimisation level compiles ~25% faster and gives the same
# draws (same code, same seeds); set before numba is imported (here, before any test module).
# Subprocesses started by the tests (the CLI runs of test_interrupt.py) inherit it.
# Override with NUMBA_OPT=3 to test at numba's default level.
os.environ.setdefault("NUMBA_OPT", "0")

import matplotlib
from hypothesis import settings

matplotlib.use("Agg")

# deadline=None: the first call of a property pays pandas/pytensor warm-up costs,
# which would otherwise show up as flaky DeadlineExceeded errors.
settings.register_profile("ci", max_examples=60, deadline=None)
settings.register_profile("long", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("BAYES_SCALING_HYPOTHESIS_PROFILE", "ci"))
