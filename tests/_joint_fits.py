"""Helpers of the joint-law tests: short quiet fits and held-out coverage."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import xarray as xr

from bayes_scaling.models import JointScalingLaw, SamplerConfig


def quiet_fit(model: JointScalingLaw, **settings) -> xr.DataTree:
    """A short fit (2 chains x 300 draws, 500 tuning steps, seed 5, unless ``settings``
    say otherwise) whose diagnostics warnings are silenced: the tests using it check
    what the posterior says, not the sampler."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(SamplerConfig(**{"draws": 300, "tune": 500, "chains": 2, "seed": 5,
                                          **settings}))


def inside(out: pd.DataFrame, truth: pd.Series, prob: float) -> np.ndarray:
    """Whether each row's central ``prob`` interval of ``predict``'s output holds ``truth``."""
    return ((out[f"loss_lower_{prob:g}"].to_numpy() <= truth.to_numpy())
            & (truth.to_numpy() <= out[f"loss_upper_{prob:g}"].to_numpy()))
