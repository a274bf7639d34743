"""Shared test settings: a headless matplotlib backend and the hypothesis profiles.

Profiles: ``ci`` (default, bounded example counts so the fast tier stays fast) and
``long`` (many more examples, for a nightly or pre-release run). Select one with
``BAYES_SCALING_HYPOTHESIS_PROFILE=long``.
"""

from __future__ import annotations

import os

import matplotlib
from hypothesis import settings

matplotlib.use("Agg")

# deadline=None: the first call of a property pays pandas/pytensor warm-up costs,
# which would otherwise show up as flaky DeadlineExceeded errors.
settings.register_profile("ci", max_examples=60, deadline=None)
settings.register_profile("long", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("BAYES_SCALING_HYPOTHESIS_PROFILE", "ci"))
