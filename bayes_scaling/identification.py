"""What a table can and cannot tell a scaling model: weak-identification checks.

A sampler always returns draws; whether they say anything about the data depends on
the table. :func:`check_identification` looks at each curve of a
:class:`~bayes_scaling.data.ScalingData` *before* fitting and reports, in plain words,
which parameters the data cannot pin down (they are then set by their priors) and what
to do about it. Findings are warnings (:class:`~bayes_scaling.errors.IdentificationWarning`);
tables that cannot be fitted at all raise :class:`~bayes_scaling.errors.DataValidationError`.

Checks, per curve (``domain/curve``) on the model's size column:

============================ ========================================================
finding                      why it matters
============================ ========================================================
only 2-3 distinct sizes      a curve with a floor has 3 parameters (scale, exponent,
                             floor): 3 points fit exactly, exponent and floor trade off
sizes within a narrow span   (< :data:`MIN_SPAN_FACTOR` x) the exponent is learned
                             from the change across sizes: it is not identified
sizes spanning a huge range  (> :data:`MAX_SPAN_DECADES` decades) one power law over
                             that range is a strong assumption; check the units
flat curve                   (metric changes by < :data:`FLAT_TOLERANCE` over the
                             sizes) scale and exponent cannot be told apart from a
                             curve already at its floor
increasing curve             the metric grows with size: a decreasing power law does
                             not describe it (accuracy given as error?)
metric at the bound 1        error rate 1 (chance or worse) carries no information
                             about the power law and sits at the edge of the support
one curve (pooled models)    nothing to pool: population-level exponents and the
                             between-curve/domain spreads are set by their priors
============================ ========================================================

Refused (:class:`DataValidationError`): an empty table, a curve with a single distinct
size (no slope at all) and a curve whose metric is the same at every point (no scaling
and no noise to estimate: the noise scale collapses to 0 and NUTS cannot sample it).

Such *unfittable curves* refuse the whole table. :func:`exclude_unfittable_curves` (CLI
``--exclude-unfittable`` on ``fit`` and ``report``) instead returns the table without
them and a table of what was left out and why, with an
:class:`~bayes_scaling.errors.IdentificationWarning` saying so; the CLI stores the list in
the fit's ``excluded_curves`` attr (JSON) and the report lists it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from bayes_scaling.data import ScalingData
from bayes_scaling.errors import DataValidationError, IdentificationWarning

__all__ = [
    "check_identification",
    "exclude_unfittable_curves",
    "unfittable_curves",
]

#: Fewest distinct sizes that do not trigger the "few sizes" finding.
MIN_SIZES_OK = 4
#: A curve whose sizes span less than this factor (largest / smallest) is "narrow".
MIN_SPAN_FACTOR = 3.0
#: A curve whose sizes span more than this many decades is "huge span".
MAX_SPAN_DECADES = 12.0
#: Relative change of the metric over a curve's sizes below which it is "flat" (2%).
FLAT_TOLERANCE = 0.02
_MAX_NAMED_ROWS = 8


def _rows(rows: Sequence[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:_MAX_NAMED_ROWS])
    more = f" and {len(rows) - _MAX_NAMED_ROWS} more" if len(rows) > _MAX_NAMED_ROWS else ""
    return f"{shown}{more}"


def _trend(log_size: np.ndarray, log_metric: np.ndarray) -> float:
    """Fitted change of log metric from the smallest to the largest size (least squares)."""
    x = log_size - log_size.mean()
    slope = float(np.dot(x, log_metric - log_metric.mean()) / np.dot(x, x))
    return slope * float(log_size.max() - log_size.min())


#: What to do about an unfittable curve (appended to every refusal).
UNFITTABLE_REMEDY = (
    "drop the curve, check that the values were entered correctly, or fit the other "
    "curves without it: --exclude-unfittable on the command line, "
    "bayes_scaling.identification.exclude_unfittable_curves(data) in Python")


def _unfittable(label: str, group: pd.DataFrame, size: str,
                metric: str) -> tuple[str, str] | None:
    """Why a curve cannot be fitted at all, and the column at fault; ``None`` if it can."""
    sizes = group[size].to_numpy(float)
    values = group[metric].to_numpy(float)
    rows = group.index.tolist()
    distinct = np.unique(sizes)
    if distinct.size < 2:
        return (f"curve {label} has every point at the same {size!r} ({distinct[0]:g}) in "
                f"rows {_rows(rows)}: a scaling law cannot be fitted without at least 2 "
                f"(better >= {MIN_SIZES_OK}) distinct sizes", size)
    if np.ptp(values) == 0.0:
        return (f"curve {label} has the same {metric!r} ({values[0]:g}) at every point (rows "
                f"{_rows(rows)}): there is no scaling and no noise to estimate (the noise "
                "scale collapses to 0 and the sampler cannot explore it)", metric)
    return None


def _curve_findings(label: str, group: pd.DataFrame, size: str, metric: str) -> list[str]:
    """Findings for one curve (raises for what cannot be fitted)."""
    sizes = group[size].to_numpy(float)
    values = group[metric].to_numpy(float)
    problem = _unfittable(label, group, size, metric)
    if problem is not None:
        reason, column = problem
        raise DataValidationError(f"{reason}; {UNFITTABLE_REMEDY}", column=column,
                                  rows=group.index.tolist())
    distinct = np.unique(sizes)
    found: list[str] = []
    lo, hi = float(distinct.min()), float(distinct.max())
    if distinct.size < MIN_SIZES_OK:
        found.append(
            f"curve {label} has only {distinct.size} distinct {size!r} values: a curve with "
            "a floor has 3 parameters (scale, exponent, floor), so the points are fitted "
            "exactly and the exponent and the floor trade off; their intervals are set "
            f"largely by the priors. Add sizes (>= {MIN_SIZES_OK}, over at least a decade).")
    if hi / lo < MIN_SPAN_FACTOR:
        found.append(
            f"curve {label}: {size!r} spans only a factor {hi / lo:.3g} ({lo:g} to {hi:g}): "
            "the exponent is learned from the change across sizes and is not identified "
            "here (it trades off with the scale); measure over a wider range (a decade or "
            "more) before projecting.")
    decades = float(np.log10(hi / lo))
    if decades > MAX_SPAN_DECADES:
        found.append(
            f"curve {label}: {size!r} spans {decades:.1f} decades ({lo:g} to {hi:g}): one "
            "power law over that range is a strong assumption and a mix of units (e.g. "
            "samples and tokens, FLOP and PF-days) is a common cause; check the column.")
    change = _trend(np.log(sizes), np.log(values))
    rel = float(np.expm1(np.clip(change, -700.0, 700.0)))  # no overflow for 5e-324 vs 1
    if abs(rel) < FLAT_TOLERANCE:
        found.append(
            f"curve {label} is flat: its {metric} changes by {rel:+.1%} from {lo:g} to "
            f"{hi:g} (fitted trend): a curve already at its floor and one that has not started "
            "to fall look the same, so the exponent and the scale are set by their priors "
            "and projections for this curve are unreliable. Add sizes where the curve still "
            "falls, or leave the curve out of projections.")
    elif change > 0:
        found.append(
            f"curve {label} increases with size: its {metric} rises by {rel:+.1%} from "
            f"{lo:g} to {hi:g} (fitted trend); a decreasing power law does not describe it, "
            "so the exponent is pushed towards 0 and the floor carries the fit. Check the "
            "column (an accuracy or score entered as error?) and the size units.")
    if metric == "error":
        at_bound = group.index[values >= 1.0].tolist()
        if at_bound:
            found.append(
                f"curve {label} has error exactly 1 (every prediction wrong) in rows "
                f"{_rows(at_bound)}: points at the bound carry no information about the "
                "power law and sit at the edge of the likelihood's support; drop points at "
                "chance level or use a loss.")
    return found


def check_identification(data: ScalingData, *, warn: bool = True,
                         pooled: bool = True) -> list[str]:
    """Report what the table cannot identify, before fitting.

    Parameters
    ----------
    data : ScalingData
        The validated table a model will be fitted on (its ``size`` column is the
        resource axis; ``split == "holdout"`` rows are ignored).
    warn : bool, default True
        Emit one :class:`~bayes_scaling.errors.IdentificationWarning` listing every
        finding.
    pooled : bool, default True
        The model pools curves hierarchically: a table with a single curve is reported
        (population-level parameters and spreads come from their priors).

    Returns
    -------
    list of str
        One message per finding, naming the curve, what cannot be learned and what to
        do; empty when nothing is weakly identified.

    Raises
    ------
    DataValidationError
        If the table cannot be fitted at all: no rows, a curve with one distinct size,
        or a curve whose metric is identical at every point.

    Examples
    --------
    >>> import pandas as pd
    >>> from bayes_scaling.data import ScalingData
    >>> df = pd.DataFrame({"domain": "d", "curve": "c", "data": [10, 100, 1000],
    ...                    "error": [0.5, 0.3, 0.2]})
    >>> [m.split(":")[0] for m in check_identification(ScalingData.from_frame(df), warn=False)]
    ["curve d/c has only 3 distinct 'data' values", 'one curve in the table']
    """
    data = data.split("fit")
    frame = data.frame
    if frame.empty:
        raise DataValidationError("empty input: no rows to fit (after keeping split == 'fit')")
    size, metric = data.size, data.metric
    if size not in frame:
        raise DataValidationError(f"missing size column {size!r}", column=size)
    findings: list[str] = []
    groups = frame.groupby(["domain", "curve"], sort=False)
    for (domain, curve), group in groups:
        findings += _curve_findings(f"{domain}/{curve}", group, size, metric)
    if pooled and groups.ngroups == 1:
        findings.append(
            "one curve in the table: nothing to pool, so the population- and domain-level "
            "exponents and the between-curve and between-domain spreads are set by their "
            "priors; only the curve's own parameters are learned from the data. Fit several "
            "curves (and domains) together to learn the spreads.")
    if warn and findings:
        warnings.warn("Weakly identified by the data: " + " | ".join(findings),
                      IdentificationWarning, stacklevel=2)
    return findings


#: Columns of the table of excluded curves (:func:`exclude_unfittable_curves`).
EXCLUDED_COLUMNS: tuple[str, ...] = ("curve", "domain", "name", "rows", "column", "reason")


def unfittable_curves(data: ScalingData) -> pd.DataFrame:
    """The curves of a table that cannot be fitted at all, and why.

    A curve is unfittable when its ``split == "fit"`` rows (all rows without a ``split``
    column) are at a single size, or have the same metric value at every point: the
    cases :func:`check_identification` refuses.

    Parameters
    ----------
    data : ScalingData
        A validated table.

    Returns
    -------
    pandas.DataFrame
        One row per unfittable curve, columns :data:`EXCLUDED_COLUMNS`: ``curve``
        (``"domain/curve"``), ``domain``, ``name`` (the ``curve`` column's value),
        ``rows`` (list of the curve's 0-based rows in ``data.frame``), ``column`` (the
        size or metric column at fault) and ``reason`` (in words, naming the rows).

    Examples
    --------
    >>> import pandas as pd
    >>> from bayes_scaling import load_table
    >>> from bayes_scaling.identification import unfittable_curves
    >>> df = pd.DataFrame({"domain": "d", "curve": ["ok"] * 3 + ["flat"] * 3,
    ...                    "data": [10, 100, 1000] * 2, "error": [0.5, 0.3, 0.2] + [0.3] * 3})
    >>> unfittable_curves(load_table(df))[["curve", "rows", "column"]]
        curve       rows column
    0  d/flat  [3, 4, 5]  error
    """
    frame = data.frame
    fit_rows = frame["split"] == "fit" if "split" in frame else pd.Series(True, frame.index)
    found = []
    for (domain, curve), group in frame.groupby(["domain", "curve"], sort=False):
        fitted = group[fit_rows.loc[group.index]]
        if fitted.empty:
            continue  # nothing of it is fitted (check_identification speaks for the table)
        label = f"{domain}/{curve}"
        problem = _unfittable(label, fitted, data.size, data.metric)
        if problem is not None:
            found.append({"curve": label, "domain": str(domain), "name": str(curve),
                          "rows": group.index.tolist(), "column": problem[1],
                          "reason": problem[0]})
    return pd.DataFrame(found, columns=list(EXCLUDED_COLUMNS))


def exclude_unfittable_curves(data: ScalingData, *, warn: bool = True,
                              ) -> tuple[ScalingData, pd.DataFrame]:
    """The table without its unfittable curves, and what was left out and why.

    The opt-in alternative to refusing the whole table (CLI ``--exclude-unfittable``):
    a curve at a single size or with the same metric at every point is dropped with all
    its rows; the rest is fitted as usual (and still checked by
    :func:`check_identification`).

    Parameters
    ----------
    data : ScalingData
        A validated table.
    warn : bool, default True
        Emit one :class:`~bayes_scaling.errors.IdentificationWarning` naming every
        excluded curve and the reason, when something is excluded.

    Returns
    -------
    (ScalingData, pandas.DataFrame)
        The remaining table (same ``size`` and ``source``, a fresh 0-based index, one
        note per excluded curve added to ``notes``; ``data`` itself when nothing is
        excluded) and the excluded curves (see :func:`unfittable_curves`; empty when
        none).

    Raises
    ------
    DataValidationError
        If every curve is unfittable (nothing would be left to fit).

    Examples
    --------
    >>> import pandas as pd
    >>> from bayes_scaling.data import ScalingData
    >>> df = pd.DataFrame({"domain": "d", "curve": ["ok"] * 3 + ["flat"] * 3,
    ...                    "data": [10, 100, 1000] * 2, "error": [0.5, 0.3, 0.2] + [0.3] * 3})
    >>> kept, excluded = exclude_unfittable_curves(ScalingData.from_frame(df), warn=False)
    >>> kept.curves, excluded["curve"].tolist()
    ([('d', 'ok')], ['d/flat'])
    """
    excluded = unfittable_curves(data)
    if excluded.empty:
        return data, excluded
    if len(excluded) == len(data.curves):
        raise DataValidationError(
            "every curve is unfittable, nothing would be left to fit: "
            + " | ".join(excluded["reason"]), column=str(excluded["column"].iloc[0]),
            rows=[r for rows in excluded["rows"] for r in rows])
    dropped = [r for rows in excluded["rows"] for r in rows]
    frame = data.frame.drop(index=dropped).reset_index(drop=True)
    notes = tuple(f"curve {row.curve} excluded as unfittable (--exclude-unfittable): "
                  f"{row.reason}" for row in excluded.itertuples())
    kept = replace(data, frame=frame, notes=(*data.notes, *notes))
    if warn:
        n = len(excluded)
        warnings.warn(f"left out {n} unfittable curve{'s' if n != 1 else ''} "
                      f"({', '.join(excluded['curve'])}) and fitted the other "
                      f"{len(kept.curves)}: " + " | ".join(excluded["reason"]),
                      IdentificationWarning, stacklevel=2)
    return kept, excluded


def excluded_records(excluded: pd.DataFrame) -> list[dict[str, object]]:
    """The excluded curves as JSON-ready records (``curve``, ``rows``, ``column``,
    ``reason``): the fit attr ``excluded_curves`` and the report manifest hold them."""
    return [{"curve": str(row.curve), "rows": [int(r) for r in row.rows],
             "column": str(row.column), "reason": str(row.reason)}
            for row in excluded.itertuples()]
