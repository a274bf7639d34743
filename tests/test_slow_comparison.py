"""Slow tier: the evidence and leave-future-out pick the form the data were drawn from.

The full experiment over all 8 families is ``python -m benchmarks.form_ranking`` (rates in
BENCHMARKS.md); here three clearly different forms and 2 seeds each, asserted.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from bayes_scaling.comparison import compare_forms, split_future
from bayes_scaling.models import SMCConfig
from bayes_scaling.simulate import simulate_form_curves

pytestmark = pytest.mark.slow

TRUTH = {
    "power_law": {"alpha": 0.3, "beta": 0.4},
    "three_region": {"alpha": 0.3, "beta": 0.8, "gamma": 0.1, "plateau": 1.0},
    "exponential": {"alpha": 0.3, "beta": 0.5, "gamma": 0.1},
}


def test_true_form_ranked_first_by_evidence_and_lfo():
    first_ev, first_lfo, total = 0, 0, 0
    for truth, params in TRUTH.items():
        for seed in range(2):
            sim = simulate_form_curves(truth, params, log_x=np.linspace(-3, 3, 12),
                                       noise=0.03, metric="loss", seed=seed)
            table, _ = split_future(sim.frame, n_largest=2)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = compare_forms(table.frame, list(TRUTH), methods=("evidence", "lfo"),
                                       smc=SMCConfig(draws=600, chains=4, seed=seed))
            ev = result.evidence
            assert (ev["log_bayes_factor_se"] >= 0).all()  # uncertainty reported
            first_ev += ev.index[0] == truth
            lfo = result.lfo.query("domain == '(all)' and model != '(average)'")
            first_lfo += lfo.sort_values("elpd", ascending=False)["model"].iloc[0] == truth
            total += 1
    assert first_ev >= 5, f"evidence ranked the truth first in {first_ev}/{total}"
    assert first_lfo >= 4, f"LFO ranked the truth first in {first_lfo}/{total}"
