"""A learning-curve fit made with PyMC's sampler mock (prior draws, no NUTS), once per session.

For tests of what happens *around* a fit (file integrity, argument handling) the posterior's
quality does not matter; :func:`pymc.testing.mock_sample` gives a structurally complete fit
(every group and attr ``fit()`` writes) in a few seconds.
"""

from __future__ import annotations

import functools
import warnings

import pymc as pm
import xarray as xr
from pymc.testing import mock_sample

from bayes_scaling.models import HierarchicalLearningCurve, SamplerConfig
from bayes_scaling.simulate import simulate_learning_curves


@functools.cache
def mock_fit() -> xr.DataTree:
    """A complete learning-curve fit of a simulated 2 x 2 table, from prior draws."""
    sim = simulate_learning_curves(n_domains=2, curves_per_domain=2, seed=6)
    return mock_fit_of(HierarchicalLearningCurve(sim.frame))


def mock_fit_of(model: HierarchicalLearningCurve) -> xr.DataTree:
    """``model`` fitted from prior draws (PyMC's mock sampler): shapes, not inference."""
    original = pm.sample
    pm.sample = mock_sample
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # prior draws: diagnostics are not the point
            return model.fit(SamplerConfig(draws=40, tune=10, chains=2, seed=1))
    finally:
        pm.sample = original
