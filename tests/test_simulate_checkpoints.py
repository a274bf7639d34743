"""Simulated checkpoint runs: deterministic, well-formed, and departing from the law the
way the docstring says (schedule excess, early-training loss, correlated run noise)."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_scaling.data import validate_frame
from bayes_scaling.models.joint import joint_loss
from bayes_scaling.simulate import (
    CHECKPOINT_MODEL_SIZES,
    PYTHIA_TOKENS_PER_STEP,
    pythia_checkpoint_tokens,
    simulate_checkpoint_runs,
)


def _log_excess(sim) -> np.ndarray:
    """Log of loss over the family's law, one row per run, checkpoints in token order."""
    out = []
    for label, law in sim.truth.iterrows():
        curve = str(label).split("/", 1)[1]
        rows = sim.frame[sim.frame["curve"] == curve]
        for _, run in rows.groupby("params"):
            run = run.sort_values("data")
            mean = joint_loss(run["params"].to_numpy(float), run["data"].to_numpy(float),
                              **law.to_dict())
            out.append(np.log(run["loss"].to_numpy(float) / mean))
    return np.array(out)


def test_same_seed_same_table_and_valid_for_the_joint_law():
    a = simulate_checkpoint_runs(n_families=3, seed=4)
    b = simulate_checkpoint_runs(n_families=3, seed=4)
    c = simulate_checkpoint_runs(n_families=3, seed=5)
    assert a.frame.equals(b.frame) and a.truth.equals(b.truth)
    assert not a.frame.equals(c.frame)
    validate_frame(a.frame, size="params")  # a table the package accepts
    assert len(a.frame) == 3 * len(CHECKPOINT_MODEL_SIZES) * 16
    assert a.frame.groupby(["curve", "params"]).size().eq(16).all()
    assert a.truth.index.tolist() == ["lm/family0", "lm/family1", "lm/family2"]


def test_final_checkpoint_is_the_law_up_to_run_noise():
    sim = simulate_checkpoint_runs(n_families=4, early_loss=0.0, seed=2)
    excess = _log_excess(sim)
    # the schedule's excess is 0 at the last checkpoint: what is left is the run's noise
    assert np.abs(excess[:, -1]).max() < 0.05
    assert abs(excess[:, -1].mean()) < 0.01
    # mid-run checkpoints sit above the law by about the schedule's excess (0.04 at start)
    assert 0.025 < excess[:, 0].mean() < 0.05


def test_early_checkpoints_are_far_above_the_law_and_noise_is_correlated():
    sim = simulate_checkpoint_runs(n_families=4, first_tokens=1e8, seed=3)
    excess = _log_excess(sim)
    assert excess[:, 0].min() > 0.2  # early training: far above any power law
    quiet = simulate_checkpoint_runs(n_families=6, early_loss=0.0, schedule_excess=0.0,
                                     run_sigma=0.0, corr_sigma=0.01, rho=0.9, seed=3)
    noise = _log_excess(quiet)
    lag1 = np.mean([np.corrcoef(r[1:], r[:-1])[0, 1] for r in noise])
    assert lag1 > 0.5  # AR(1) along a run's checkpoints, not i.i.d.


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="first_tokens"):
        simulate_checkpoint_runs(first_tokens=1e12)
    with pytest.raises(ValueError, match="n_checkpoints"):
        simulate_checkpoint_runs(n_checkpoints=1)


def test_checkpoints_at_given_token_counts_such_as_pythias_steps():
    tokens = pythia_checkpoint_tokens()
    steps = tokens / PYTHIA_TOKENS_PER_STEP
    assert list(steps[:11]) == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000]
    assert steps[-1] == 143_000 and np.all(np.diff(steps) > 0)
    assert len(pythia_checkpoint_tokens(every=1000)) == 10 + 143  # the suite's 154 minus step 0
    frame = simulate_checkpoint_runs(n_families=1, checkpoint_tokens=tokens, seed=2).frame
    per_run = frame.groupby("params")["data"].apply(lambda d: d.to_numpy())
    for data in per_run:
        np.testing.assert_array_equal(data, tokens)
    # the schedule's excess ends at the last given checkpoint: the final loss is the law's
    # up to the run's noise, as with log-spaced checkpoints
    final = frame[frame["data"] == tokens[-1]]
    assert len(final) == len(CHECKPOINT_MODEL_SIZES)
    for bad in ([1e9], [2e9, 1e9], [0.0, 1e9], [1e9, np.nan]):
        with pytest.raises(ValueError, match="checkpoint_tokens must be"):
            simulate_checkpoint_runs(checkpoint_tokens=bad)
