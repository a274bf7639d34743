"""Slow tier: predictive intervals at held-out larger sizes hold the truth at nominal rates.

Leave-future-out on simulated tables with known truth: fit the smaller sizes with the
default model and settings, predict new measurements at the larger ones with ``predict``,
and count how often the intervals hold them. Over repeated simulations the 90% intervals
must hold close to 90% (a test that fails when the intervals are overconfident, as the iid
model's were on misspecified curves, or far too wide).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from bayes_scaling.models import HierarchicalLearningCurve
from bayes_scaling.prediction import predict
from bayes_scaling.simulate import simulate_learning_curves, simulate_misspecified_curves

pytestmark = pytest.mark.slow

SIZES = np.geomspace(100, 1e5, 12)


def _coverage(frame: pd.DataFrame, fraction: float = 0.3, prob: float = 0.9) -> np.ndarray:
    """Hold out the top ``fraction`` of each curve's log-size range; coverage of the rest."""
    log_size = np.log(frame["data"])
    by_curve = log_size.groupby([frame["domain"], frame["curve"]])
    low, high = by_curve.transform("min"), by_curve.transform("max")
    holdout = log_size > high - fraction * (high - low)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = HierarchicalLearningCurve(frame[~holdout]).fit(seed=1)
    rows = frame[holdout]
    out = predict(fit, rows[["domain", "curve", "data"]], probs=prob)
    y = rows["error"].to_numpy()
    return ((out[f"error_lower_{prob:g}"].to_numpy() <= y)
            & (y <= out[f"error_upper_{prob:g}"].to_numpy()))


def test_in_family_curves_have_nominal_coverage():
    inside = np.concatenate([
        _coverage(simulate_learning_curves(n_domains=2, curves_per_domain=3, sizes=SIZES,
                                           n_seeds=2, noise=0.04, seed=seed).frame)
        for seed in range(4)])
    assert 0.8 <= inside.mean() <= 0.99, inside.mean()


def test_misspecified_correlated_curves_keep_most_of_their_coverage():
    inside = np.concatenate([
        _coverage(simulate_misspecified_curves(n_domains=2, curves_per_domain=3,
                                               seed=seed).frame)
        for seed in range(4)])
    assert 0.75 <= inside.mean() <= 0.99, inside.mean()
