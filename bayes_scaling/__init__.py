"""bayes_scaling: Bayesian inference of neural scaling laws.

Fit hierarchical learning curves, project the data/model/compute growth needed to
reach a target error with credible intervals, compare functional forms and draw
the results. See ``README.md`` and ``ARCHITECTURE.md``.

Examples
--------
>>> import bayes_scaling
>>> major, minor, patch = bayes_scaling.__version__.split(".")  # saved fits record it
"""

from __future__ import annotations

#: The package version (``major.minor.patch``); saved fits record it.
__version__ = "0.1.0"

from bayes_scaling.data import ScalingData, load_table
from bayes_scaling.errors import (
    BayesScalingError,
    BlockFitError,
    ComparisonWarning,
    DatasetError,
    DataValidationError,
    FitDiagnosticsWarning,
    FitFileError,
    IdentificationWarning,
    ModelConfigError,
    OutputExistsError,
    PriorConfigError,
    ProjectionError,
)

__all__ = [
    "BayesScalingError",
    "BlockFitError",
    "ComparisonWarning",
    "DataValidationError",
    "DatasetError",
    "FitDiagnosticsWarning",
    "FitFileError",
    "IdentificationWarning",
    "ModelConfigError",
    "OutputExistsError",
    "PriorConfigError",
    "ProjectionError",
    "ScalingData",
    "__version__",
    "load_table",
]
