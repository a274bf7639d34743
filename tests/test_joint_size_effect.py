"""The joint law's model-size effect (``size_effect=True``).

Simulated families whose every model size sits off the law by its own offset of known
scale (as a run's seed, its data order or its learning-rate schedule put all of its
checkpoints above or below the law):

* the fit recovers the scale of the offsets (the part the law of each curve cannot absorb:
  a curve's own ``A`` and ``alpha`` take up any log-linear trend of its offsets in
  ``log N``);
* a fitted model size keeps its own offset, a model size the fit has not seen draws a
  new one, so its interval is wider by about the offsets' scale;
* the intervals of the held-out larger models hold the truth more often than the plain
  law's;
* the option is validated, saved and rebuilt.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from _joint_fits import inside, quiet_fit

from bayes_scaling import dims
from bayes_scaling.errors import ModelConfigError
from bayes_scaling.io import load_fit, save_fit
from bayes_scaling.models import JointScalingLaw
from bayes_scaling.models.joint import joint_loss
from bayes_scaling.prediction import predict

#: Known law of the simulated families (not the Chinchilla values).
TRUTH = {"E": 1.9, "A": 250.0, "B": 1200.0, "alpha": 0.30, "beta": 0.33}
#: Model sizes; the two largest are held out.
SIZES = np.geomspace(1e7, 3e9, 8)
#: Tokens per parameter of every model size.
TOKENS_PER_PARAM = np.array([2.0, 5.0, 10.0, 20.0, 50.0, 100.0])
#: Standard deviation of the simulated offsets of the log loss per model size.
OFFSET_SD = 0.03


def simulate_size_offsets(*, seed: int, n_curves: int = 4, offset_sd: float = OFFSET_SD,
                          noise: float = 0.004) -> pd.DataFrame:
    """Curves of one law whose rows of a model size share an offset of the log loss
    (normal, sd ``offset_sd``, independent between sizes and curves); ``split`` holds out
    the two largest sizes. ``attrs["offsets"]`` holds the offsets (curves x sizes)."""
    rng = np.random.default_rng(seed)
    frames, drawn = [], []
    for c in range(n_curves):
        offsets = rng.normal(0.0, offset_sd, len(SIZES))
        drawn.append(offsets)
        n = np.repeat(SIZES, len(TOKENS_PER_PARAM))
        d = n * np.tile(TOKENS_PER_PARAM, len(SIZES))
        log_loss = (np.log(joint_loss(n, d, **TRUTH)) + np.repeat(offsets, len(TOKENS_PER_PARAM))
                    + rng.normal(0.0, noise, len(n)))
        frames.append(pd.DataFrame({
            "domain": "sim", "curve": f"c{c}", "params": n, "data": d,
            "loss": np.exp(log_loss), "split": np.where(n > SIZES[5] * 1.01, "holdout", "fit")}))
    frame = pd.concat(frames, ignore_index=True)
    frame.attrs["offsets"] = np.array(drawn)
    return frame




@functools.cache
def _simulated_fits() -> tuple[pd.DataFrame, xr.DataTree, xr.DataTree]:
    frame = simulate_size_offsets(seed=0)
    return (frame, quiet_fit(JointScalingLaw(frame, size_effect=True)),
            quiet_fit(JointScalingLaw(frame)))




def test_one_offset_per_fitted_model_size_of_each_curve():
    frame, fit, _ = _simulated_fits()
    effect = fit["posterior"]["size_effect"]
    fitted = frame[frame["split"] == "fit"]
    assert effect.sizes[dims.MODEL_SIZE] == fitted.groupby(["curve", "params"]).ngroups == 24
    labels = [str(v) for v in effect[dims.MODEL_SIZE].values]
    assert labels[0] == f"sim/c0 N={SIZES[0]:.6g}" and labels[-1] == f"sim/c3 N={SIZES[5]:.6g}"


def test_recovers_the_scale_of_the_offsets():
    frame, fit, _ = _simulated_fits()
    # the fitted sizes' offsets around each curve's own line in log N (2 of the 6
    # degrees of freedom of a curve go to its law's A and alpha)
    x = np.log(SIZES[:6])
    offsets = frame.attrs["offsets"][:, :6]
    residual = np.concatenate([o - np.polyval(np.polyfit(x, o, 1), x) for o in offsets])
    realised = np.sqrt((residual**2).sum() / (residual.size - 2 * len(offsets)))
    scale = fit["posterior"]["size_effect_sigma"].values.ravel()
    low, high = np.quantile(scale, [0.03, 0.97])
    assert low < realised < high, (low, realised, high)
    assert high < 2 * OFFSET_SD  # informative: the prior (HalfNormal 0.05) reaches 0.1


def test_a_new_model_size_draws_its_own_offset():
    _, fit, plain = _simulated_fits()
    fitted_size = SIZES[4]
    rows = pd.DataFrame({"domain": "sim", "curve": "c0", "data": 20.0 * fitted_size,
                         # a fitted size, and the same size give or take 0.01%: a new run
                         "params": [fitted_size, fitted_size * 1.0001]})
    out = predict(fit, rows, probs=[0.9], seed=1)
    width = np.log(out["loss_upper_0.9"] / out["loss_lower_0.9"]).to_numpy()
    # the new size's interval holds a fresh offset: about 2 x 1.645 x OFFSET_SD wider
    assert width[1] > width[0] + 1.645 * OFFSET_SD, width
    # the plain law has no such term: the two rows are the same prediction
    out_plain = predict(plain, rows, probs=[0.9], seed=1)
    width_plain = np.log(out_plain["loss_upper_0.9"] / out_plain["loss_lower_0.9"]).to_numpy()
    assert abs(width_plain[1] - width_plain[0]) < 0.2 * width_plain[0], width_plain


def test_intervals_hold_larger_models_the_plain_law_misses():
    frame, fit, plain = _simulated_fits()
    held = frame[frame["split"] == "holdout"].reset_index(drop=True)
    rows = held.drop(columns=["loss", "split"])
    cover = inside(predict(fit, rows, probs=[0.9]), held["loss"], 0.9).mean()
    cover_plain = inside(predict(plain, rows, probs=[0.9]), held["loss"], 0.9).mean()
    print(f"\n90% coverage of {len(held)} held-out rows: size effect {cover:.2f}, "
          f"plain {cover_plain:.2f}")
    # 48 rows but 8 independent offsets; the scale is estimated from what the curves'
    # own laws leave over (see above), so the intervals stay somewhat short of nominal
    assert cover >= 0.75
    assert cover_plain <= cover - 0.1


def test_option_is_validated_saved_and_rebuilt(tmp_path):
    frame = simulate_size_offsets(seed=1, n_curves=1)
    with pytest.raises(ModelConfigError, match="size_effect must be True or False"):
        JointScalingLaw(frame, size_effect="yes")
    fit = quiet_fit(JointScalingLaw(frame, size_effect=True, robust=False), draws=100,
                     tune=200)
    loaded = load_fit(save_fit(fit, tmp_path / "size_effect.nc"))
    rebuilt = JointScalingLaw.from_fit(loaded)
    assert rebuilt.size_effect is True and rebuilt.robust is False
    assert "z_size_effect" in {rv.name for rv in rebuilt.build_model().free_RVs}
    held = frame[frame["split"] == "holdout"]
    out = predict(loaded, held.drop(columns=["loss", "split"]), probs=[0.9])
    assert out["loss_median"].notna().all()
    assert (out["loss_lower_0.9"] < out["loss_median"]).all()
