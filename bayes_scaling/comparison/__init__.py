"""Model comparison: evidence (SMC marginal likelihood, or bridge sampling from one NUTS
fit, with Monte Carlo error), PSIS-LOO
(ArviZ), leave-future-out extrapolation scores, averaging over forms, named hypotheses, and
a written comparison folder read back (its fits and weights)."""

from __future__ import annotations

from bayes_scaling.comparison.average_prediction import predict_average
from bayes_scaling.comparison.averaging import (
    allocate_draws,
    average_projection,
    mix_draws,
    model_weights,
)
from bayes_scaling.comparison.bridge import (
    block_bridge_evidence,
    bridge_log_evidence,
)
from bayes_scaling.comparison.evidence import (
    block_evidence,
    compare_evidence,
    evidence_strength,
    log_evidence,
)
from bayes_scaling.comparison.forms import (
    AVERAGE,
    FormComparison,
    FormSpec,
    compare_forms,
    parse_form,
)
from bayes_scaling.comparison.predictive import compare_loo, score_holdout, split_future
from bayes_scaling.comparison.saved import SavedComparison, load_comparison_fits

__all__ = [
    "AVERAGE",
    "FormComparison",
    "FormSpec",
    "SavedComparison",
    "allocate_draws",
    "average_projection",
    "block_bridge_evidence",
    "block_evidence",
    "bridge_log_evidence",
    "compare_evidence",
    "compare_forms",
    "compare_loo",
    "evidence_strength",
    "load_comparison_fits",
    "log_evidence",
    "mix_draws",
    "model_weights",
    "parse_form",
    "predict_average",
    "score_holdout",
    "split_future",
]
