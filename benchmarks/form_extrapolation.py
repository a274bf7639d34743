"""Leave-future-out extrapolation of the Bayesian forms, their averages and M1-M4.

Every registered curve family is fitted (SMC, :func:`bayes_scaling.comparison.compare_forms`)
to the rows with ``split == "fit"`` of a table and predicts its ``split == "holdout"`` rows:
on ``revisiting2022-lang`` these are the paper's extrapolation points (larger sizes than any
fitted one) — issue 4's acceptance table, and part 3 of the benchmarks. Two averaged models
mix the forms' predictive draws, weighted by stacking (PSIS-LOO on the fitted rows) and by
evidence (posterior model probabilities); the held-out rows never inform the weights. Scores
come from :func:`benchmarks.extrapolation.score`, side by side with the M1-M4 point
estimators of Alabdulmohsin et al. (2022): RMSE of the log metric per domain, coverage of the
50/80/90/95% central predictive intervals and the miscalibration (mean absolute gap).

Run: ``python -m benchmarks.form_extrapolation [--quick] [--dataset NAME] [--forms ...]``.
Writes ``benchmarks/results/form_extrapolation_<dataset>.csv`` (scores),
``..._evidence.csv``, ``..._loo.csv`` and ``..._weights.csv``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
import pandas as pd

from bayes_scaling.comparison import compare_forms, mix_draws, model_weights
from bayes_scaling.curves import CURVES
from bayes_scaling.models import SMCConfig
from bayes_scaling.models.form import form_predictive
from benchmarks._common import MIRROR, RESULTS, machine
from benchmarks.extrapolation import POINT_PREDICTORS, compare, intervals_from_draws


def bayesian_predictors(table: pd.DataFrame, forms: list[str], smc: SMCConfig,
                        n_jobs: int | None = None) -> tuple[dict, object]:
    """Fit the forms once; return fixed predictors (per form and averaged) and the comparison."""
    holdout = table[table["split"] == "holdout"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = compare_forms(table, forms, methods=("evidence", "loo"), smc=smc,
                               n_jobs=n_jobs, progress=True)
    predictive = {name: form_predictive(fit, holdout.reset_index(drop=True), seed=smc.seed)
                  for name, fit in result.fits.items()}
    mixtures = {f"average ({w})": mix_draws(predictive, model_weights(
        method=w, loo=result.loo, evidence=result.evidence).to_dict(), seed=smc.seed)
        for w in ("stacking", "evidence")}

    def fixed(pred) -> object:
        draws = np.exp(pred["log_metric"].stack(s=("chain", "draw")).transpose("obs", "s").values)
        frame = intervals_from_draws(draws, holdout.index)
        return lambda train, hold: frame.loc[hold.index]

    predictors = {f"bayes: {name}": fixed(p) for name, p in predictive.items()}
    predictors.update({f"bayes: {name}": fixed(p) for name, p in mixtures.items()})
    return predictors, result


def main(argv: list[str] | None = None) -> int:
    """Run and write the tables."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.form_extrapolation",
                                     description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3 forms, tiny SMC")
    parser.add_argument("--dataset", default="revisiting2022-lang",
                        help="a registered dataset, or 'simulated' (known truth)")
    parser.add_argument("--forms", nargs="+", default=None, help="default: every family")
    parser.add_argument("--draws", type=int, default=600)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=None,
                        help="worker processes for the SMC blocks (default: every core; 1: "
                             "serial, in this process)")
    parser.add_argument("--out", default=None, help="results folder (default benchmarks/results)")
    args = parser.parse_args(argv)
    from bayes_scaling.datasets import load_dataset

    if args.dataset == "simulated":  # the harness's simulated curves with known truth
        from benchmarks.extrapolation import simulated_split

        table = simulated_split(n_domains=2 if args.quick else 3,
                                curves_per_domain=2 if args.quick else 5, seed=7)
    else:
        table = load_dataset(args.dataset, mirror=MIRROR).frame
    forms = args.forms or (["power_law", "power_law_irreducible", "sigmoid_log"] if args.quick
                           else list(CURVES))
    smc = SMCConfig(draws=100 if args.quick else args.draws,
                    chains=2 if args.quick else args.chains, seed=2026)
    out = RESULTS / "quick" if args.quick else RESULTS
    if args.out:
        from pathlib import Path

        out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    bayes, result = bayesian_predictors(table, forms, smc, n_jobs=args.jobs)
    seconds = time.perf_counter() - start
    scores = compare({**POINT_PREDICTORS, **bayes}, table)
    stem = f"form_extrapolation_{args.dataset}"
    scores.to_csv(out / f"{stem}.csv", index=False)
    result.evidence.to_csv(out / f"{stem}_evidence.csv")
    result.loo.to_csv(out / f"{stem}_loo.csv")
    pd.DataFrame(result.weights).to_csv(out / f"{stem}_weights.csv")
    meta = {**machine(), "forms": forms, "draws": smc.draws, "chains": smc.chains,
            "jobs": args.jobs,
            "fit_seconds": round(seconds, 1), "problems": result.problems}
    (out / f"{stem}.machine.json").write_text(json.dumps(meta, indent=2, default=str))
    print(scores.to_string(index=False))
    print(f"fits: {seconds:.0f} s; {len(result.problems)} problem(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
