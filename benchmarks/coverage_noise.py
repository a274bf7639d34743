"""How much of a table's measured miscalibration is noise: curve-level resampling.

The held-out rows of one curve are not independent checks of a method's intervals. A curve
that bends away from every method's extrapolation puts all its held-out rows outside the
intervals together, so a table of 20 curves with 342 held-out rows carries about 20 checks,
not 342. Two quantities say how far a table's coverage and miscalibration can be read:

* :func:`curve_bootstrap`: the method's coverage and miscalibration recomputed on curves
  resampled with replacement (a cluster bootstrap, curves as clusters), whose central
  interval is the sampling uncertainty of the measured numbers.
* :func:`calibrated_reference`: the miscalibration that a *perfectly calibrated* method
  would show on the same held-out layout. Its PIT values (the predictive CDF at the truth)
  are uniform; they are drawn independently per row (the smallest noise the layout
  allows) and once per curve for all its rows (the largest: a curve's held-out rows all
  fall at the same quantile). The truth lies between the two. A measured miscalibration
  below the per-curve reference's upper quantiles is not evidence of miscalibration.

Both need only which rows were inside each interval and the curve of each row.

Examples
--------
>>> import numpy as np
>>> reference = calibrated_reference(np.repeat(np.arange(20), 17), (0.5, 0.8, 0.9, 0.95))
>>> reference["per_curve"]["median"] > reference["independent"]["median"]
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["BOOTSTRAP_DRAWS", "INTERVAL", "calibrated_reference", "curve_bootstrap",
           "miscalibration"]

#: Resamples of :func:`curve_bootstrap` and draws of :func:`calibrated_reference`.
BOOTSTRAP_DRAWS: int = 2000
#: Probability of the central intervals reported by both.
INTERVAL: float = 0.9


def _curve_positions(curves: Sequence[object] | np.ndarray) -> tuple[np.ndarray, int]:
    """Position of each row's curve (0 .. n_curves - 1) and the number of curves."""
    _, positions = np.unique(np.asarray(curves, dtype=object).astype(str), return_inverse=True)
    return positions, int(positions.max()) + 1 if len(positions) else 0


def miscalibration(coverage: np.ndarray | Sequence[float],
                   levels: np.ndarray | Sequence[float]) -> np.ndarray:
    """Mean absolute gap between coverage (``(..., n_levels)``) and the levels: the
    benchmark's miscalibration.

    Examples
    --------
    >>> round(float(miscalibration([0.5, 1.0], [0.5, 0.9])), 6)
    0.05
    """
    return np.abs(np.asarray(coverage, float) - np.asarray(levels, float)).mean(axis=-1)


def _interval(values: np.ndarray) -> tuple[float, float]:
    tail = (1.0 - INTERVAL) / 2.0
    low, high = np.quantile(values, [tail, 1.0 - tail], axis=0)
    return low, high


def curve_bootstrap(inside: np.ndarray, curves: Sequence[object] | np.ndarray,
                    levels: Sequence[float], *, draws: int = BOOTSTRAP_DRAWS,
                    seed: int = 0) -> dict[str, np.ndarray | float]:
    """Coverage and miscalibration with curves resampled (cluster bootstrap).

    Parameters
    ----------
    inside : numpy.ndarray
        ``(n_rows, n_levels)`` booleans: row inside the central interval of each level.
    curves : array-like
        ``(n_rows,)``: each row's curve.
    levels : sequence of float
        The interval probabilities (columns of ``inside``).
    draws : int
        Bootstrap resamples.
    seed : int
        Seed of the resampling.

    Returns
    -------
    dict
        ``coverage_low`` and ``coverage_high`` (``(n_levels,)``), ``miscalibration_low`` and
        ``miscalibration_high``: the central :data:`INTERVAL` range over resamples.

    Examples
    --------
    >>> import numpy as np
    >>> inside = np.array([[True], [True], [False], [False]])
    >>> out = curve_bootstrap(inside, ["a", "a", "b", "b"], [0.5], draws=500)
    >>> float(out["coverage_low"][0]), float(out["coverage_high"][0])
    (0.0, 1.0)
    """
    inside = np.asarray(inside, bool)
    levels_arr = np.asarray(levels, float)
    positions, n_curves = _curve_positions(curves)
    rows_per_curve = np.bincount(positions, minlength=n_curves).astype(float)
    inside_per_curve = np.stack([np.bincount(positions, weights=inside[:, j], minlength=n_curves)
                                 for j in range(inside.shape[1])], axis=1)
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(n_curves, np.full(n_curves, 1.0 / n_curves), size=draws)
    coverage = (weights @ inside_per_curve) / (weights @ rows_per_curve)[:, None]
    miscal = miscalibration(coverage, levels_arr)
    cov_low, cov_high = _interval(coverage)
    mis_low, mis_high = _interval(miscal)
    return {"coverage_low": cov_low, "coverage_high": cov_high,
            "miscalibration_low": float(mis_low), "miscalibration_high": float(mis_high)}


def calibrated_reference(curves: Sequence[object] | np.ndarray, levels: Sequence[float], *,
                         tables: Sequence[object] | np.ndarray | None = None,
                         draws: int = BOOTSTRAP_DRAWS, seed: int = 0,
                         ) -> dict[str, dict[str, float]]:
    """Miscalibration of a perfectly calibrated method on this held-out layout.

    Parameters
    ----------
    curves : array-like
        ``(n_rows,)``: each held-out row's curve.
    levels : sequence of float
        The interval probabilities scored.
    tables : array-like, optional
        ``(n_rows,)``: each row's table, for the coverage averaged over tables with equal
        weight (:func:`benchmarks.calibration.across_tables`); curves are then told apart
        per table. Default: one table.
    draws : int
        Simulated methods.
    seed : int
        Seed of the uniform PIT values.

    Returns
    -------
    dict
        ``"independent"`` (a PIT value per row) and ``"per_curve"`` (one per curve, shared
        by its rows), each with the ``median`` and ``high`` (upper end of the central
        :data:`INTERVAL` range) of the simulated miscalibration.

    Examples
    --------
    >>> import numpy as np
    >>> one = calibrated_reference(np.repeat(np.arange(10), 5), (0.5, 0.9))
    >>> five = calibrated_reference(np.tile(np.repeat(np.arange(10), 5), 5), (0.5, 0.9),
    ...                             tables=np.repeat(np.arange(5), 50))
    >>> five["per_curve"]["median"] < one["per_curve"]["median"]
    True
    """
    levels_arr = np.asarray(levels, float)
    curve_labels = np.asarray(curves, dtype=object).astype(str)
    table_labels = (np.zeros(len(curve_labels), int) if tables is None
                    else np.asarray(tables, dtype=object).astype(str))
    table_pos, n_tables = _curve_positions(table_labels)
    rows_per_table = np.bincount(table_pos, minlength=n_tables).astype(float)
    # each table weighs 1 / n_tables, shared equally by its rows
    row_weight = 1.0 / (n_tables * rows_per_table[table_pos])
    positions, n_curves = _curve_positions(np.char.add(np.char.add(
        table_labels.astype(str), "\x1f"), curve_labels.astype(str)))
    curve_weight = np.bincount(positions, weights=row_weight, minlength=n_curves)
    rng = np.random.default_rng(seed)
    half = levels_arr / 2.0

    def coverage(pit: np.ndarray, weights: np.ndarray) -> np.ndarray:
        inside = np.abs(pit[..., None] - 0.5) <= half  # (draws, units, levels)
        return (inside * weights[None, :, None]).sum(axis=1)

    out = {}
    for name, weights in (("independent", row_weight), ("per_curve", curve_weight)):
        pieces = [coverage(rng.uniform(size=(min(200, draws - start), len(weights))), weights)
                  for start in range(0, draws, 200)]
        miscal = miscalibration(np.concatenate(pieces), levels_arr)
        out[name] = {"median": float(np.median(miscal)), "high": float(_interval(miscal)[1])}
    return out
