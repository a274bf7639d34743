"""Typed errors raised by ``bayes_scaling``.

Every message says what was wrong (row, column, value) and what would be valid.
All inherit from :class:`BayesScalingError`, so callers can catch the family.
"""

from __future__ import annotations


class BayesScalingError(Exception):
    """Base class of every error raised on purpose by this package.

    Examples
    --------
    >>> from bayes_scaling import BayesScalingError
    >>> from bayes_scaling.datasets import load_dataset
    >>> try:
    ...     load_dataset("no-such-table")
    ... except BayesScalingError as err:
    ...     print(type(err).__name__)
    DatasetError
    """


class DataValidationError(BayesScalingError, ValueError):
    """The input table does not satisfy the tidy data model.

    Attributes
    ----------
    column : str or None
        The offending column, when one can be named.
    rows : list of int
        Zero-based row positions (as in the input file, header excluded) that fail.

    Examples
    --------
    >>> import pandas as pd
    >>> from bayes_scaling import DataValidationError, load_table
    >>> table = pd.DataFrame({"domain": "d", "curve": "c", "data": [10, 100, -1],
    ...                       "error": [0.5, 0.3, 0.2]})
    >>> try:
    ...     load_table(table)
    ... except DataValidationError as err:
    ...     print(err.column, err.rows)
    ...     print(err)
    data [2]
    column 'data' has value(s) -1 outside the valid range (0, inf) in row 2 (CSV line 4)
    """

    def __init__(self, message: str, *, column: str | None = None, rows: list[int] | None = None):
        super().__init__(message)
        self.column = column
        self.rows = list(rows or [])


class PriorConfigError(BayesScalingError, ValueError):
    """A prior specification or priors YAML file is invalid.

    Examples
    --------
    >>> from bayes_scaling import PriorConfigError
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> try:
    ...     HierarchicalLearningCurve(load_dataset("mlp-learning-curves"),
    ...                               priors={"log_beta_mu": {"dist": "NoSuchDist"}})
    ... except PriorConfigError as err:
    ...     print("invalid prior")
    invalid prior
    """


class ModelConfigError(BayesScalingError, ValueError):
    """Model or sampler settings are invalid.

    Examples
    --------
    >>> from bayes_scaling import ModelConfigError
    >>> from bayes_scaling.models import SamplerConfig
    >>> try:
    ...     SamplerConfig(draws=0)
    ... except ModelConfigError as err:
    ...     print(err)
    draws must be a positive integer, got 0
    """


class BlockFitError(BayesScalingError, RuntimeError):
    """One or more independent SMC blocks (a form's curve or domain) failed to fit.

    Raised after every block has run, so that one failure does not hide the others.

    Attributes
    ----------
    failures : list of str
        ``"form / block: error"``, one per failed block.

    Examples
    --------
    >>> from bayes_scaling import BlockFitError
    >>> print(BlockFitError(["power_law / LM/a: ValueError: bad"]))
    1 SMC block(s) failed: power_law / LM/a: ValueError: bad
    """

    def __init__(self, failures: list[str]) -> None:
        self.failures = list(failures)
        heads = [f.splitlines()[0] if f else f for f in self.failures]
        super().__init__(f"{len(heads)} SMC block(s) failed: " + "; ".join(heads))


class FitFileError(BayesScalingError, OSError):
    """A saved fit file is missing, truncated, tampered with or from an incompatible version.

    Examples
    --------
    >>> from bayes_scaling import FitFileError
    >>> from bayes_scaling.io import load_fit
    >>> try:
    ...     load_fit("missing.nc")
    ... except FitFileError as err:
    ...     print(err)
    fit file missing.nc does not exist
    """


class ProjectionError(BayesScalingError, ValueError):
    """A projection request (targets, sizes) is invalid.

    Examples
    --------
    >>> from bayes_scaling import ProjectionError
    >>> from bayes_scaling.projection import Target
    >>> try:
    ...     Target.parse("x-1")
    ... except ProjectionError as err:
    ...     print(str(err).split(":")[0])
    invalid target 'x-1'
    """


class DatasetError(BayesScalingError, OSError):
    """A registered dataset cannot be found, fetched, verified or cleaned.

    Examples
    --------
    >>> from bayes_scaling import DatasetError
    >>> from bayes_scaling.datasets import load_dataset
    >>> try:
    ...     load_dataset("no-such-table")
    ... except DatasetError as err:
    ...     print(str(err).split(".")[0])
    unknown dataset 'no-such-table'
    """


class OutputExistsError(BayesScalingError, FileExistsError):
    """Refusing to overwrite an existing output without ``overwrite=True`` / ``--force``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from bayes_scaling import OutputExistsError
    >>> from bayes_scaling.report import build_report
    >>> taken = Path(tempfile.mkdtemp())
    >>> (taken / "notes.txt").write_text("not a report")
    12
    >>> try:  # refused before any fitting
    ...     build_report("mlp-learning-curves", taken)
    ... except OutputExistsError:
    ...     print("refused")
    refused
    """


class FitDiagnosticsWarning(UserWarning):
    """The sampler reported problems (divergences, R-hat, ESS); the fit may be unreliable.

    Examples
    --------
    Make a failing fit an error rather than a warning (what ``--strict`` does on the
    command line with an exit status):

    >>> import warnings
    >>> from bayes_scaling import FitDiagnosticsWarning
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", FitDiagnosticsWarning)
    ...     issubclass(FitDiagnosticsWarning, UserWarning)
    True
    """


class IdentificationWarning(UserWarning):
    """The data weakly identify a parameter (e.g. a curve that has not flattened).

    Examples
    --------
    >>> import warnings
    >>> from bayes_scaling import IdentificationWarning, load_table
    >>> from bayes_scaling.identification import check_identification
    >>> import pandas as pd
    >>> table = load_table(pd.DataFrame({"domain": "d", "curve": "c",
    ...                                  "data": [10, 100, 1000], "error": [0.5, 0.3, 0.2]}))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     findings = check_identification(table)
    >>> all(issubclass(w.category, IdentificationWarning) for w in caught)
    True
    """


class ComparisonWarning(UserWarning):
    """A model comparison cannot be trusted as it stands: evidence with a large Monte Carlo
    error, models that cannot be ranked, or PSIS-LOO with high Pareto k values.

    Examples
    --------
    >>> from bayes_scaling import ComparisonWarning
    >>> issubclass(ComparisonWarning, UserWarning)
    True
    """
