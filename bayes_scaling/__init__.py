"""bayes_scaling: Bayesian inference of neural scaling laws.

Fit hierarchical learning curves, project the data/model/compute growth needed to
reach a target error with credible intervals, compare functional forms and draw
the results. See ``README.md`` and ``ARCHITECTURE.md``.
"""

from __future__ import annotations

__version__ = "0.1.0"

from bayes_scaling.data import ScalingData, load_table
from bayes_scaling.errors import (
    BayesScalingError,
    DataValidationError,
    FitDiagnosticsWarning,
    FitFileError,
    PriorConfigError,
)

__all__ = [
    "BayesScalingError",
    "DataValidationError",
    "DatasetError",
    "FitDiagnosticsWarning",
    "FitFileError",
    "ModelConfigError",
    "OutputExistsError",
    "PriorConfigError",
    "ProjectionError",
    "ScalingData",
    "__version__",
    "load_table",
]
