"""Model-size model and the joint data/model/compute projections."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _fits import width_sweep_fits

from bayes_scaling import dims
from bayes_scaling.errors import DataValidationError, ProjectionError
from bayes_scaling.models import HierarchicalModelSize
from bayes_scaling.models.model_size import best_model_sizes
from bayes_scaling.projection import project_growth, summarize_degree, summarize_projection


def _shard(errors_by_params):
    rows = [("d", "c", 100.0, p, s, e) for p, errs in errors_by_params.items()
            for s, e in enumerate(errs)]
    return pd.DataFrame(rows, columns=["domain", "curve", "data", "params", "seed", "error"])


def test_one_standard_error_rule_picks_smallest_size_within_noise():
    # params 100 is best on average, 10 is within one standard error of it, 1 is not
    frame = _shard({1: [0.50, 0.52, 0.51], 10: [0.30, 0.36, 0.33], 100: [0.30, 0.32, 0.31],
                    1000: [0.31, 0.33, 0.32]})
    best = best_model_sizes(frame, metric="error")
    assert best["params"].tolist() == [100.0]  # 0.33 > 0.31 + se(0.31)
    frame = _shard({10: [0.30, 0.38, 0.34], 100: [0.28, 0.36, 0.32]})  # 0.34 <= 0.32 + 0.023
    assert best_model_sizes(frame, metric="error")["params"].tolist() == [10.0]
    frame = _shard({10: [0.4], 100: [0.3]})  # one seed: the argmin
    assert best_model_sizes(frame, metric="error")["params"].tolist() == [100.0]


def test_model_size_needs_a_width_sweep():
    frame = pd.DataFrame({"domain": "d", "curve": "c", "data": [10, 100, 1000],
                          "error": [0.5, 0.3, 0.2]})
    with pytest.raises(DataValidationError, match="needs a 'params' column"):
        HierarchicalModelSize(frame)
    frame["params"] = [5, 50, 500]
    with pytest.raises(DataValidationError, match="single model size"):
        HierarchicalModelSize(frame)


def test_model_size_graph_dims():
    sim, _, _ = width_sweep_fits()
    model = HierarchicalModelSize(sim.frame).build_model()
    assert model.named_vars_to_dims["beta_p"] == (dims.CURVE,)
    assert model.named_vars_to_dims["log_best_params"] == (dims.OBS,)


def test_beta_p_recovered():
    sim, _, ms = width_sweep_fits()
    post = ms["posterior"]["beta_p"]
    lo = post.quantile(0.05, ("chain", "draw"))
    hi = post.quantile(0.95, ("chain", "draw"))
    truth = sim.truth["beta_p"].reindex(post[dims.CURVE].values).to_numpy()
    inside = ((lo.values <= truth) & (truth <= hi.values)).sum()
    assert inside >= 3, (lo.values, hi.values, truth)
    diag = json.loads(ms.attrs["diagnostics"])
    assert diag["divergences"] <= 5


def test_project_growth_quantities_and_degree():
    _, lc, ms = width_sweep_fits()
    proj = project_growth(lc, ["x0.8", 0.05], model_size_fit=ms, compute_growth_per_year=4.0)
    for name in ("data_growth", "model_growth", "compute_growth", "years_to_target",
                 "implied_k", "implied_k_domain", "implied_k_global"):
        assert name in proj
    ok = proj["reachable"]
    g = proj["data_growth"].where(ok)
    beta_p = (np.log(proj["model_growth"].where(ok)) / np.log(g)).where(g > 1.01)
    assert float(beta_p.min()) > 0.2 and float(beta_p.max()) < 1.5
    np.testing.assert_allclose(proj["compute_growth"].where(ok),
                               (g * proj["model_growth"]).where(ok))
    np.testing.assert_allclose(proj["years_to_target"].where(ok),
                               np.log(proj["compute_growth"].where(ok)) / np.log(4.0))
    table = summarize_projection(proj)
    assert set(table["quantity"]) == {"data_growth", "model_growth", "compute_growth",
                                      "years_to_target"}
    assert set(table["level"]) == {"curve", "domain", "population"}
    assert (table.query("level == 'population'")["target"] == "x0.8").all()
    degree = summarize_degree(proj)
    assert set(degree["level"]) == {"curve", "domain", "population"}
    assert (degree["lower"] <= degree["median"]).all()
    assert degree["theory_bound"].eq(4.0).all()


def test_unreachable_target_propagates_to_model_and_compute_growth():
    _, lc, ms = width_sweep_fits()
    tiny = float(lc["posterior"]["gamma"].min()) / 2
    proj = project_growth(lc, [tiny], model_size_fit=ms)
    table = summarize_projection(proj).query("level != 'population'")
    assert (table["p_reachable"] == 0).all()
    assert table["status"].str.startswith("unreachable").all()
    assert np.isinf(proj["compute_growth"]).all()


def test_project_growth_rejects_wrong_fits():
    _, lc, ms = width_sweep_fits()
    with pytest.raises(ProjectionError, match="hierarchical_model_size"):
        project_growth(lc, ["x0.8"], model_size_fit=lc)
    with pytest.raises(ProjectionError, match="compute_growth_per_year must be > 1"):
        project_growth(lc, ["x0.8"], model_size_fit=ms, compute_growth_per_year=1.0)
