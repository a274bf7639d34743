"""Bridge sampling: each block's evidence from one NUTS fit (issue 15, item 4)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from _evidence import force_nuts_failure, prior_importance_log_z
from scipy import stats
from scipy.special import gammaln

from bayes_scaling.comparison.bridge import (
    block_bridge_evidence,
    block_importance_evidence,
    bridge_log_evidence,
)
from bayes_scaling.errors import ModelConfigError
from bayes_scaling.models import CurveFormModel


def _log_gamma_target(theta: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """Unnormalised density of ``log x`` for independent ``x_k ~ Gamma(shape_k, 1)``:
    ``sum_k shape_k theta_k - exp(theta_k)``, whose normaliser is ``prod Gamma(shape_k)``."""
    return (shape * theta - np.exp(theta)).sum(axis=-1)


@pytest.mark.parametrize("shape", [np.array([2.0]), np.array([1.5, 4.0])])
def test_bridge_recovers_a_known_normaliser_of_a_skewed_target(shape):
    rng = np.random.default_rng(3)
    draws = np.log(rng.gamma(shape, size=(4000, shape.size)))  # 4 chains x 1,000, iid
    fitted, held = draws[:2000], draws[2000:]
    proposal = stats.multivariate_normal(fitted.mean(0), np.atleast_2d(np.cov(fitted.T)))
    prop = proposal.rvs(size=2000, random_state=rng).reshape(2000, shape.size)
    est = bridge_log_evidence(_log_gamma_target(held, shape), proposal.logpdf(held),
                              _log_gamma_target(prop, shape), proposal.logpdf(prop), chains=4)
    truth = gammaln(shape).sum()
    assert 0 < est.se < 0.05
    assert abs(est.log_evidence - truth) < 4 * est.se, (est, truth)


def test_bridge_names_the_draw_whose_density_is_not_finite():
    good = np.zeros(10)
    bad = good.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match=r"log_q_prop is not finite at 1 of 10 draws.*position 3"):
        bridge_log_evidence(good, good, bad, good)


def _curve(name: str, errors: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"domain": "d", "curve": name, "data": [100.0, 1e3, 1e4, 1e5],
                         "error": errors})


def test_each_block_of_one_nuts_fit_matches_its_evidence_by_brute_force():
    """Two different curves in one vectorised NUTS fit: each block's bridge estimate agrees
    with that curve's evidence computed alone, so rows, parameters and blocks line up."""
    curves = {"a": _curve("a", [0.40, 0.22, 0.14, 0.08]),
              "b": _curve("b", [0.90, 0.50, 0.35, 0.30])}
    model = CurveFormModel(pd.concat(curves.values(), ignore_index=True), "power_law")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(draws=1000, tune=1000, chains=4, seed=1)
    table = block_bridge_evidence(model, fit, seed=1)
    assert table.index.tolist() == model.blocks() == ["d/a", "d/b"]
    assert (table["n_parameters"] == 3).all()
    for name, curve in curves.items():
        truth, truth_se = prior_importance_log_z(model, curve)
        row = table.loc[f"d/{name}"]
        assert row["log_evidence_se"] < 0.1
        assert abs(row["log_evidence"] - truth) < 3 * np.hypot(row["log_evidence_se"],
                                                                truth_se) + 0.05, (name, row,
                                                                                   truth)
    # the independent check (importance sampling around the posterior) agrees as well
    check = block_importance_evidence(model, fit, n_draws=20_000, seed=2)
    assert check.index.tolist() == table.index.tolist()
    assert (check["ess"] > 2_000).all()
    for name, curve in curves.items():
        truth, truth_se = prior_importance_log_z(model, curve)
        row = check.loc[f"d/{name}"]
        assert abs(row["log_evidence"] - truth) < 3 * np.hypot(row["log_evidence_se"],
                                                                truth_se) + 0.05
    # the two curves' evidences differ by far more than their errors
    assert abs(table["log_evidence"].diff().iloc[1]) > 1.0


def test_bridge_refuses_a_fit_too_short_to_split():
    model = CurveFormModel(_curve("a", [0.40, 0.22, 0.14, 0.08]), "power_law")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(draws=60, tune=100, chains=2, seed=1)
    with pytest.raises(ModelConfigError, match="at least 2 chains of 100 draws, got 2 x 60"):
        block_bridge_evidence(model, fit)


def test_bridge_says_when_it_does_not_converge():
    rng = np.random.default_rng(0)
    post, prop = rng.normal(size=200), rng.normal(1.0, 2.0, size=200)
    log_q = stats.norm.logpdf  # a normalised target: Z = 1
    log_g = stats.norm(1.0, 2.0).logpdf
    with pytest.raises(ValueError, match="did not converge in 1 iterations"):
        bridge_log_evidence(log_q(post), log_g(post), log_q(prop), log_g(prop), max_iter=1)
    est = bridge_log_evidence(log_q(post), log_g(post), log_q(prop), log_g(prop))
    assert est.iterations > 1 and abs(est.log_evidence) < 4 * est.se


# ------------------------------------------------------ compare_forms(evidence="bridge")
def test_compare_forms_by_bridge_ranks_the_true_form_and_falls_back_to_smc(monkeypatch,
                                                                           capsys):
    """Each form by one NUTS fit with bridge evidence; a form whose NUTS fit fails its
    diagnostics goes to SMC, and the comparison says so (here forced for power_law)."""
    from bayes_scaling.cli import main
    from bayes_scaling.comparison import compare_forms
    from bayes_scaling.models import SMCConfig
    from bayes_scaling.simulate import simulate_form_curves

    sim = simulate_form_curves("power_law_irreducible",
                               {"alpha": 0.1, "beta": 0.5, "gamma": 0.05}, seed=1)

    force_nuts_failure(monkeypatch, "power_law")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = compare_forms(sim.frame, ["power_law", "power_law_irreducible"],
                               methods=["evidence"], evidence="bridge",
                               smc=SMCConfig(draws=300, chains=2, seed=1), n_jobs=1)
    assert result.fits["power_law_irreducible"].attrs["evidence_method"] == "bridge"
    assert "evidence_method" not in result.fits["power_law"].attrs  # SMC's fit
    assert any("power_law: its NUTS fit failed its diagnostics" in p and "SMC's" in p
               for p in result.problems)
    assert result.evidence.index[0] == "power_law_irreducible"
    assert result.settings["evidence"] == "bridge"
    heading = result.summary().splitlines()[0]
    assert "bridge sampling from one NUTS fit for power_law_irreducible" in heading
    assert "SMC for power_law" in heading
    with pytest.raises(ModelConfigError, match="evidence must be one of"):
        compare_forms(sim.frame, ["power_law", "exponential"], evidence="nested")
    # the CLI passes the choice through
    seen = {}
    monkeypatch.setattr("bayes_scaling.comparison.compare_forms",
                        lambda *a, **kw: seen.update(kw) or result)
    assert main(["compare", "mlp-learning-curves", "--forms", "power_law,exponential",
                 "--evidence", "bridge"]) == 0
    assert seen["evidence"] == "bridge"
    assert "evidence by bridge sampling" in capsys.readouterr().err
