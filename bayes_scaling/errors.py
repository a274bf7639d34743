"""Typed errors raised by ``bayes_scaling``.

Every message says what was wrong (row, column, value) and what would be valid.
All inherit from :class:`BayesScalingError`, so callers can catch the family.
"""

from __future__ import annotations


class BayesScalingError(Exception):
    """Base class of every error raised on purpose by this package."""


class DataValidationError(BayesScalingError, ValueError):
    """The input table does not satisfy the tidy data model.

    Attributes
    ----------
    column : str or None
        The offending column, when one can be named.
    rows : list of int
        Zero-based row positions (as in the input file, header excluded) that fail.
    """

    def __init__(self, message: str, *, column: str | None = None, rows: list[int] | None = None):
        super().__init__(message)
        self.column = column
        self.rows = list(rows or [])


class PriorConfigError(BayesScalingError, ValueError):
    """A prior specification or priors YAML file is invalid."""


class ModelConfigError(BayesScalingError, ValueError):
    """Model or sampler settings are invalid."""


class FitFileError(BayesScalingError, OSError):
    """A saved fit file is missing, truncated, tampered with or from an incompatible version."""


class ProjectionError(BayesScalingError, ValueError):
    """A projection request (targets, sizes) is invalid."""


class DatasetError(BayesScalingError, OSError):
    """A registered dataset cannot be found, fetched, verified or cleaned."""


class OutputExistsError(BayesScalingError, FileExistsError):
    """Refusing to overwrite an existing output without ``overwrite=True`` / ``--force``."""


class FitDiagnosticsWarning(UserWarning):
    """The sampler reported problems (divergences, R-hat, ESS); the fit may be unreliable."""


class IdentificationWarning(UserWarning):
    """The data weakly identify a parameter (e.g. a curve that has not flattened)."""


class ComparisonWarning(UserWarning):
    """A model comparison cannot be trusted as it stands: evidence with a large Monte Carlo
    error, models that cannot be ranked, or PSIS-LOO with high Pareto k values."""
