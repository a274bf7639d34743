"""Small real fits shared by the fast tests (computed once per test session)."""

from __future__ import annotations

import functools
import warnings

import xarray as xr

from bayes_scaling.models import HierarchicalLearningCurve, SamplerConfig
from bayes_scaling.simulate import SimulatedCurves, simulate_learning_curves

#: Small but real NUTS settings for the fast tier (fixed seed).
FAST_SAMPLER = SamplerConfig(draws=300, tune=400, chains=2, seed=11)


@functools.cache
def simulated_fit() -> tuple[SimulatedCurves, xr.DataTree, tuple[str, ...]]:
    """Fit 3 domains x 2 curves simulated from known parameters.

    Returns the simulation, the fit and the messages of any diagnostics warnings
    (recorded, not hidden: tests assert on them).
    """
    sim = simulate_learning_curves(n_domains=3, curves_per_domain=2, n_seeds=3, seed=5)
    model = HierarchicalLearningCurve(sim.frame)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.fit(FAST_SAMPLER)
    return sim, fit, tuple(str(w.message) for w in caught)


@functools.cache
def width_sweep_fits() -> tuple[SimulatedCurves, xr.DataTree, xr.DataTree]:
    """Learning-curve and model-size fits of one simulated width sweep (known beta_p)."""
    from bayes_scaling.models import HierarchicalModelSize
    from bayes_scaling.simulate import simulate_width_sweep

    sim = simulate_width_sweep(n_domains=2, curves_per_domain=2, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # diagnostics asserted in the tests themselves
        lc = HierarchicalLearningCurve(sim.frame).fit(FAST_SAMPLER)
        ms = HierarchicalModelSize(sim.frame).fit(
            SamplerConfig(draws=400, tune=600, chains=2, seed=12, target_accept=0.95))
    return sim, lc, ms


@functools.cache
def imagenet_compute_fit(mirror: str) -> xr.DataTree:
    """Compute-scaling fit (polynomial, year trend) of the real ImageNet table (small NUTS)."""
    from bayes_scaling.datasets import load_dataset
    from bayes_scaling.models import HierarchicalComputeScaling

    data = load_dataset("thompson2020-imagenet", mirror=mirror)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # diagnostics are not what these fits are for
        return HierarchicalComputeScaling(data, trend=True).fit(
            SamplerConfig(draws=200, tune=300, chains=2, seed=13, target_accept=0.95))


@functools.cache
def chinchilla_joint_fit(mirror: str) -> xr.DataTree:
    """Joint-law fit of the real Chinchilla table (small NUTS)."""
    from bayes_scaling.datasets import load_dataset
    from bayes_scaling.models import JointScalingLaw

    data = load_dataset("chinchilla-epoch2024", mirror=mirror)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return JointScalingLaw(data).fit(SamplerConfig(draws=150, tune=250, chains=2, seed=14))
