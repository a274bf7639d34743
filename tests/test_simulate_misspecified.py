"""Misspecified simulated curves: deterministic, well-formed, correlated residuals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_scaling.data import validate_frame
from bayes_scaling.simulate import (
    MISSPECIFIED_SHAPES,
    misspecified_mean,
    simulate_misspecified_curves,
)

SHAPE_COLUMNS = ["eps0", "eps_inf", "m0", "c", "a", "beta", "beta2", "m_break", "drift"]


def _residuals(sim) -> dict[str, np.ndarray]:
    """Log residuals about the true mean, per curve, in size order (seed 0)."""
    out = {}
    frame = sim.frame[sim.frame["seed"] == 0]
    for label, row in sim.truth.iterrows():
        domain, curve = str(label).split("/", 1)
        rows = frame[(frame["domain"] == domain) & (frame["curve"] == curve)]
        rows = rows.sort_values("data")
        mean = misspecified_mean(row["shape"], rows["data"].to_numpy(float),
                                 **row.drop("shape").to_dict())
        out[label] = np.log(rows["error"].to_numpy(float)) - np.log(mean)
    return out


def _lag1(r: np.ndarray) -> float:
    r = r - r.mean()
    return float(r[1:] @ r[:-1] / (r @ r))


def test_same_seed_same_table_other_seed_other_table():
    a = simulate_misspecified_curves(seed=3)
    b = simulate_misspecified_curves(seed=3)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    pd.testing.assert_frame_equal(a.truth, b.truth)
    c = simulate_misspecified_curves(seed=4)
    assert not a.frame["error"].equals(c.frame["error"])


def test_shape_columns_and_sizes():
    sim = simulate_misspecified_curves(n_domains=2, curves_per_domain=3, n_seeds=2, seed=1)
    frame, truth = sim.frame, sim.truth
    assert frame.columns.tolist() == ["domain", "curve", "data", "seed", "error"]
    assert sorted(frame["domain"].unique()) == ["domain0", "domain1"]
    assert len(truth) == 6 and frame.groupby(["domain", "curve"]).ngroups == 6
    assert {"shape", "noise", "rho", "corr_sigma", "iid_sigma", "m_min", "m_max",
            "n_sizes", *SHAPE_COLUMNS} <= set(truth.columns)
    for label, g in frame.groupby(["domain", "curve"]):
        sizes = np.sort(g.loc[g["seed"] == 0, "data"].to_numpy())
        assert 15 <= sizes.size <= 25, label
        assert len(g) == 2 * sizes.size  # every size once per seed
        assert 3.0 - 0.01 <= np.log10(sizes[-1] / sizes[0]) <= 4.0 + 0.01, label
    # NaN exactly where a shape has no such parameter
    sig = truth[truth["shape"] == "sigmoid"]
    assert sig[["eps0", "m0", "c"]].notna().all().all()
    assert sig[["a", "beta2", "m_break", "drift"]].isna().all().all()
    validate_frame(frame)  # a valid tidy table


def test_metric_positive_finite_and_at_most_one():
    sim = simulate_misspecified_curves(n_domains=4, curves_per_domain=5, seed=2)
    err = sim.frame["error"].to_numpy()
    assert np.isfinite(err).all() and (err > 0).all() and (err <= 1).all()


def test_at_least_two_shapes_and_every_shape_with_enough_curves():
    assert simulate_misspecified_curves(n_domains=1, curves_per_domain=2,
                                        seed=0).truth["shape"].nunique() == 2
    truth = simulate_misspecified_curves(n_domains=2, curves_per_domain=3, seed=0).truth
    assert set(truth["shape"]) == set(MISSPECIFIED_SHAPES)


def test_residuals_are_autocorrelated_along_the_curve():
    """Lag-1 autocorrelation of the residuals about the true shape: clearly positive with
    the correlated noise, near zero without it (so the test can fail)."""
    correlated = simulate_misspecified_curves(n_domains=3, curves_per_domain=4, seed=5)
    iid = simulate_misspecified_curves(n_domains=3, curves_per_domain=4, corr_sigma=0.0,
                                       seed=5)
    rho_corr = np.mean([_lag1(r) for r in _residuals(correlated).values()])
    rho_iid = np.mean([_lag1(r) for r in _residuals(iid).values()])
    assert rho_corr > 0.4
    assert abs(rho_iid) < 0.2


def test_the_truth_is_not_a_power_law_with_a_floor():
    """The noise-free curves bend in log-log space: the local slope of the reducible
    part changes along every curve (a power law's would be constant)."""
    sim = simulate_misspecified_curves(n_domains=2, curves_per_domain=3, seed=6)
    for label, row in sim.truth.iterrows():
        sizes = np.geomspace(row["m_min"], row["m_max"], 50)
        reducible = misspecified_mean(row["shape"], sizes,
                                      **row.drop("shape").to_dict()) - row["eps_inf"]
        slope = np.diff(np.log(reducible)) / np.diff(np.log(sizes))
        assert slope.max() - slope.min() > 0.05, label


def test_unknown_shape_is_refused():
    with pytest.raises(ValueError, match="unknown shape"):
        simulate_misspecified_curves(shapes=("power_law",))
    with pytest.raises(ValueError, match="unknown noise kind"):
        simulate_misspecified_curves(noise_kinds=("white",))
