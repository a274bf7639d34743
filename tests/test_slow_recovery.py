"""Slow tier: recovery at default sampler settings and interval coverage over repetitions.

Run with ``make test-slow`` (about 15-25 minutes on 2 cores).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from bayes_scaling.models import HierarchicalLearningCurve, SamplerConfig
from bayes_scaling.simulate import simulate_learning_curves

pytestmark = pytest.mark.slow

N_REPLICATES = 20


def _coverage(prob: float) -> dict[str, float]:
    hits: dict[str, list[bool]] = {"alpha": [], "beta": [], "gamma": []}
    for rep in range(N_REPLICATES):
        sim = simulate_learning_curves(n_domains=2, curves_per_domain=2, seed=100 + rep)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = HierarchicalLearningCurve(sim.frame).fit(
                SamplerConfig(draws=500, tune=700, chains=2, seed=rep))
        post = fit["posterior"]
        for name in hits:
            lo = post[name].quantile((1 - prob) / 2, ("chain", "draw"))
            hi = post[name].quantile((1 + prob) / 2, ("chain", "draw"))
            truth = sim.truth[name].reindex(post["curve"].values).to_numpy()
            hits[name].extend(((lo.values <= truth) & (truth <= hi.values)).tolist())
    return {k: float(np.mean(v)) for k, v in hits.items()}


def test_interval_coverage_is_near_nominal():
    """90% intervals cover the truth ~90% of the time over 20 simulated tables (80 curves)."""
    coverage = _coverage(0.9)
    for name, value in coverage.items():
        # binomial sd for n=80 at p=0.9 is ~0.034: accept within about 3 sd
        assert 0.78 <= value <= 0.99, (name, coverage)


def test_default_settings_recover_without_divergences():
    sim = simulate_learning_curves(n_domains=3, curves_per_domain=3, seed=7)
    fit = HierarchicalLearningCurve(sim.frame).fit(SamplerConfig(seed=7))
    diag = json.loads(fit.attrs["diagnostics"])
    assert diag["divergences"] == 0, diag
    assert diag["max_rhat"] < 1.01, diag
    beta = fit["posterior"]["beta"]
    lo, hi = beta.quantile(0.05, ("chain", "draw")), beta.quantile(0.95, ("chain", "draw"))
    truth = sim.truth["beta"].reindex(beta["curve"].values).to_numpy()
    assert ((lo.values <= truth) & (truth <= hi.values)).mean() >= 7 / 9
