"""A form's NUTS fit that fails on some blocks only: those blocks from SMC, spliced in.

* per-block diagnostics (curves, or domains holding per-curve parameters; a parameter
  shared by all blocks refused);
* the blocks a NUTS fit failed on are found, and none are blamed when it diverged;
* splicing: the replaced block's draws, pointwise log likelihood and evidence are its SMC
  run's, the others' the NUTS fit's, its evidence matches brute force, PSIS-LOO and the
  evidence table read the spliced fit;
* ``compare_forms(evidence="bridge")`` reruns only the failing blocks and says so.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from _evidence import force_nuts_failure, prior_importance_log_z
from scipy.special import logsumexp

from bayes_scaling.comparison.bridge import add_bridge_evidence
from bayes_scaling.comparison.evidence import block_evidence
from bayes_scaling.comparison.mixed_evidence import (
    BLOCK_EVIDENCE_METHOD,
    failing_blocks,
    splice_smc_blocks,
)
from bayes_scaling.diagnostics import check_blocks, fit_report
from bayes_scaling.models import CurveFormModel, SMCConfig
from bayes_scaling.models.blocks import run_blocks

CURVES = {"a": [0.40, 0.22, 0.14, 0.08], "b": [0.90, 0.50, 0.35, 0.30],
          "c": [0.60, 0.40, 0.21, 0.15]}


def _table() -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"domain": "d", "curve": name,
                                    "data": [100.0, 1e3, 1e4, 1e5], "error": errors})
                      for name, errors in CURVES.items()], ignore_index=True)


def _nuts(model: CurveFormModel, **settings) -> xr.DataTree:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(**{"draws": 400, "tune": 500, "chains": 2, "seed": 1, **settings})


# ------------------------------------------------------------------ per-block diagnostics

def test_block_diagnostics_map_per_curve_parameters_to_their_domain():
    rng = np.random.default_rng(0)
    mixed = rng.normal(size=(4, 400, 3))
    mixed[..., 2] += np.arange(4)[:, None]  # curve 2's chains sit apart
    post = xr.Dataset({"beta_domain": (("chain", "draw", "domain"), rng.normal(size=(4, 400, 2))),
                       "sigma": (("chain", "draw", "curve"), mixed)},
                      coords={"domain": ["x", "y"], "curve": ["x/1", "x/2", "y/1"]})
    tree = xr.DataTree.from_dict({"posterior": post})
    table = check_blocks(tree, "domain", member_of={"curve": np.array(["x", "x", "y"])})
    assert table["ok"].to_dict() == {"x": True, "y": False}
    assert table.loc["y", "max_rhat"] > 1.1 and table.loc["x", "max_rhat"] < 1.01
    shared = xr.DataTree.from_dict({"posterior": post.assign(
        nu=(("chain", "draw"), rng.normal(size=(4, 400))))})
    with pytest.raises(ValueError, match=r"nu .* is shared by all blocks"):
        check_blocks(shared, "domain", member_of={"curve": np.array(["x", "x", "y"])})


def test_failing_blocks_names_the_curve_whose_chains_disagree_and_blames_none_on_divergence():
    model = CurveFormModel(_table(), "power_law")
    fit = _nuts(model, draws=1000, tune=1000)
    assert fit_report(fit).ok and failing_blocks(model, fit) == []
    stuck = fit.copy(deep=True)
    alpha = stuck["posterior"]["alpha"]
    alpha.loc[{"curve": "d/b"}] = alpha.sel(curve="d/b") * (1 + 0.5 * alpha["chain"])
    assert failing_blocks(model, stuck) == ["d/b"]
    report = json.loads(stuck.attrs["diagnostics"])
    stuck.attrs["diagnostics"] = json.dumps({**report, "divergences": 3})
    assert failing_blocks(model, stuck) is None


# ------------------------------------------------------------------ splicing

def test_a_block_spliced_from_smc_brings_its_draws_likelihood_and_evidence():
    model = CurveFormModel(_table(), "power_law")
    blocks = model.blocks()
    fit = add_bridge_evidence(model, _nuts(model), seed=1, blocks=blocks[:2])
    assert np.isnan(block_evidence(fit).loc["d/c", "log_evidence"])
    task = model.smc_tasks(SMCConfig(draws=300, chains=2, seed=1))[2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (result,) = run_blocks([task], n_jobs=1)
        spliced = splice_smc_blocks(model, fit, [result])
    smc_post, smc_ll = result.datasets()
    post = spliced["posterior"]
    assert dict(post.sizes)["chain"] == 2 and dict(post.sizes)["draw"] == 300
    # curve c's draws are SMC's particles, the others' NUTS draws
    assert np.isin(post["alpha"].sel(curve="d/c").values, smc_post["alpha"].values).all()
    assert np.isin(post["alpha"].sel(curve="d/a").values,
                   fit["posterior"]["alpha"].sel(curve="d/a").values).all()
    assert not np.isin(post["alpha"].sel(curve="d/a").values, smc_post["alpha"].values).any()
    rows = model.block_rows("d/c")
    ll = spliced["log_likelihood"]["log_metric"]
    assert np.isin(ll.isel(obs=rows).values, smc_ll["log_metric"].values).all()
    assert np.isin(ll.isel(obs=model.block_rows("d/a")).values,
                   fit["log_likelihood"]["log_metric"].isel(obs=model.block_rows("d/a"))).all()
    # the evidence: SMC's for c (its chains' mean), the bridge's for a and b
    table = block_evidence(spliced)
    z = np.asarray(result.log_z)
    assert table.loc["d/c", "log_evidence"] == pytest.approx(logsumexp(z) - np.log(z.size))
    assert table.loc["d/a", "log_evidence"] == block_evidence(fit).loc["d/a", "log_evidence"]
    truth, truth_se = prior_importance_log_z(model, _table().query("curve == 'c'"))
    assert abs(table.loc["d/c", "log_evidence"] - truth) < 0.5 + 3 * truth_se
    assert spliced["sample_stats"][BLOCK_EVIDENCE_METHOD].values.tolist() == [
        "bridge", "bridge", "smc"]
    assert spliced.attrs["evidence_method"] == "bridge+smc"
    assert json.loads(spliced.attrs["smc_blocks"]) == ["d/c"]
    assert fit_report(spliced).n_draws == 600
    # the fit the NUTS run came from is not changed
    assert dict(fit["posterior"].sizes)["draw"] == 400


def test_compare_forms_reruns_only_the_failing_blocks_by_smc(monkeypatch):
    from bayes_scaling.comparison import compare_forms
    from bayes_scaling.comparison import forms as forms_module

    force_nuts_failure(monkeypatch, "power_law")
    monkeypatch.setattr(forms_module, "failing_blocks",
                        lambda model, fit: ["d/b"] if model.name == "power_law" else [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = compare_forms(_table(), ["power_law", "power_law_irreducible"],
                               methods=["evidence", "loo"], evidence="bridge",
                               smc=SMCConfig(draws=300, chains=2, seed=1), n_jobs=1)
    fit = result.fits["power_law"]
    assert fit.attrs["evidence_method"] == "bridge+smc"
    assert json.loads(fit.attrs["smc_blocks"]) == ["d/b"]
    assert any("power_law: its NUTS fit failed its diagnostics on 1 of 3 blocks (d/b" in p
               for p in result.problems)
    assert np.isfinite(result.evidence["log_evidence"]).all()
    assert set(result.loo.index) == {"power_law", "power_law_irreducible"}
    assert "SMC for the blocks NUTS failed on for power_law" in result.summary().splitlines()[0]
