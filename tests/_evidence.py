"""A pure power law's evidence by brute force, the reference the evidence estimators'
tests (SMC in ``test_comparison``, bridge sampling in ``test_bridge_evidence``) use."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import logsumexp


def prior_importance_log_z(model, curve: pd.DataFrame, n: int = 400_000,
                           seed: int = 0) -> tuple[float, float]:
    """Log evidence of one curve under ``model`` (a ``power_law`` CurveFormModel with its
    default priors) by importance sampling from the prior, and its Monte Carlo error."""
    rng = np.random.default_rng(seed)
    p = model.priors
    alpha = rng.lognormal(p["alpha"].kwargs["mu"], p["alpha"].kwargs["sigma"], n)
    beta = rng.lognormal(p["beta"].kwargs["mu"], p["beta"].kwargs["sigma"], n)
    sigma = np.abs(rng.normal(0, p["noise_sigma"].kwargs["sigma"], n))
    log_x = np.log(curve["data"].to_numpy()) - np.log(curve["data"]).mean()
    log_y = np.log(curve["error"].to_numpy())
    mu = log_y.mean() + np.log(alpha)[:, None] - beta[:, None] * log_x
    loglik = stats.norm.logpdf(log_y, mu, sigma[:, None]).sum(1)
    w = np.exp(loglik - loglik.max())
    return float(logsumexp(loglik) - np.log(n)), float(w.std() / (np.sqrt(n) * w.mean()))


def force_nuts_failure(monkeypatch, form: str) -> None:
    """Make ``compare_forms`` see the NUTS fit of ``form`` fail its diagnostics (a problem
    added to the real report), for the tests of its SMC fallbacks."""
    from bayes_scaling.comparison import forms as forms_module
    from bayes_scaling.diagnostics import fit_report

    def failing(fit):
        report = fit_report(fit)
        if fit.attrs.get("form") == form:
            report.problems.append("forced by the test")
        return report

    monkeypatch.setattr(forms_module, "fit_report", failing)
