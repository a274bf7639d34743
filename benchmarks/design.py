"""Next-run design against simple rules, on simulated tables with known truth.

For each simulated single-domain table (two learning curves, :func:`simulate_learning_curves`),
fit, project the data growth of curve ``arch0`` to a target between its current true
error and its floor, and rank candidate next runs (both curves, 2x to 16x the largest
size; cost = training-set size, budget = the largest candidate) with
:func:`bayes_scaling.design.rank_candidates`. Then "run" each strategy's experiment (one
new measurement drawn from the true curve with the table's noise), refit and project
again:

* ``design``: the candidate with the largest expected reduction (all are affordable);
* ``design_per_cost``: the candidate with the largest expected reduction per unit cost;
* ``double``: twice the largest size of ``arch0``;
* ``largest``: the largest affordable size of ``arch0``;
* ``random``: a random affordable size of ``arch0``.

Reported per table and strategy: the width of the projection's interval (log10 growth,
``summarize_projection``'s interval, ArviZ's ``stats.ci_prob``) after the refit, whether
the true growth is inside it (counted, as the projection counts growth, from the
curve's current largest size, which a run of arch0 beyond it moves), and the cost; the
summary gives, per rule, the mean paired difference of widths (design minus rule) with its
standard error over tables, and the coverage of each strategy.

``PYTHONPATH=. python -m benchmarks.design --tables 6 --out benchmarks/results``
(run it under ``flock /tmp/bayes_heavy.lock`` on a shared machine).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_scaling.curves import POWER_LAW_IRREDUCIBLE
from bayes_scaling.design import rank_candidates
from bayes_scaling.models import HierarchicalLearningCurve, SamplerConfig
from bayes_scaling.projection import Target, project_data_growth, summarize_projection
from bayes_scaling.simulate import simulate_learning_curves
from benchmarks._common import RESULTS, write_results

SIZES = np.array([100.0, 300.0, 1000.0, 3000.0, 10000.0])
FACTORS = (2.0, 4.0, 8.0, 16.0)
CURVE = "domain0/arch0"
RULES = ("double", "largest", "random")


#: Model options of every fit (``--no-discrepancy`` sets ``discrepancy=False``).
MODEL_OPTIONS: dict[str, bool] = {}


def _fit(frame: pd.DataFrame, sampler: SamplerConfig):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # diagnostics are recorded in the fit, not needed here
        return HierarchicalLearningCurve(frame, **MODEL_OPTIONS).fit(sampler)


def interval_of(table: pd.DataFrame, true_size: float) -> dict[str, float]:
    """The interval of arch0's growth in a projection table (log10 width), and whether it
    holds the true growth.

    Growth is relative to the curve's *current* size, the largest size fitted
    (``current_size``), so after a run at a larger size of arch0 the true growth is
    ``true_size / current_size`` of the refit, not of the first fit.
    """
    row = table[(table["level"] == "curve") & (table["curve"] == CURVE)].iloc[0]
    lower, upper = float(row["lower"]), float(row["upper"])
    truth = true_size / float(row["current_size"])
    return {"width": np.log10(upper) - np.log10(lower), "lower": lower, "upper": upper,
            "true_growth": truth, "truth_inside": bool(lower <= truth <= upper),
            "p_reachable": float(row["p_reachable"])}


def _interval(fit, target: Target, true_size: float) -> dict[str, float]:
    return interval_of(summarize_projection(project_data_growth(fit, [target])), true_size)


def run_table(seed: int, sampler: SamplerConfig, *, outcomes: int, replicates: int,
              max_draws: int) -> list[dict]:
    """One simulated table: the initial fit, the ranking and every strategy's refit."""
    sim = simulate_learning_curves(n_domains=1, curves_per_domain=2, sizes=SIZES, n_seeds=2,
                                   seed=seed)
    truth = sim.truth.loc[CURVE]
    params = {k: float(truth[k]) for k in ("alpha", "beta", "gamma")}
    current = POWER_LAW_IRREDUCIBLE.function(SIZES.max(), **params)
    target_error = params["gamma"] + 0.4 * (current - params["gamma"])
    target = Target("absolute", float(target_error))
    true_size = (params["alpha"] / (target_error - params["gamma"])) ** (1 / params["beta"])
    true_growth = true_size / SIZES.max()
    rng = np.random.default_rng(1000 + seed)
    start = time.perf_counter()
    fit = _fit(sim.frame, sampler)
    before = _interval(fit, target, true_size)
    candidates = pd.DataFrame([{"domain": "domain0", "curve": c, "data": SIZES.max() * f}
                               for c in ("arch0", "arch1") for f in FACTORS])
    t0 = time.perf_counter()
    ranked = rank_candidates(fit, target.value, candidates, projection_of=CURVE,
                             outcomes=outcomes, replicates=replicates, max_draws=max_draws,
                             seed=seed)
    rank_seconds = time.perf_counter() - t0
    best = ranked.sort_values("reduction", ascending=False).iloc[0]
    per_cost = ranked.iloc[0]
    choices = {
        "design": (str(best["curve"]), float(best["data"])),
        "design_per_cost": (str(per_cost["curve"]), float(per_cost["data"])),
        "double": ("arch0", 2 * SIZES.max()),
        "largest": ("arch0", FACTORS[-1] * SIZES.max()),
        "random": ("arch0", float(SIZES.max() * rng.choice(FACTORS))),
    }
    results: dict[tuple[str, float], dict[str, float]] = {}
    rows = []
    for strategy, (curve, size) in choices.items():
        if (curve, size) not in results:
            t = sim.truth.loc[f"domain0/{curve}"]
            mean = POWER_LAW_IRREDUCIBLE.function(
                size, alpha=float(t["alpha"]), beta=float(t["beta"]), gamma=float(t["gamma"]))
            # the outcome of this experiment on this table: the same whichever strategy runs it
            noise = np.random.default_rng([seed, int(size), curve == "arch1"]).standard_normal()
            error = float(np.clip(np.exp(np.log(mean) + float(t["sigma"]) * noise), 1e-6, 1.0))
            new = pd.DataFrame([{"domain": "domain0", "curve": curve, "data": size, "seed": 9,
                                 "error": error}])
            refit = _fit(pd.concat([sim.frame, new], ignore_index=True), sampler)
            results[(curve, size)] = _interval(refit, target, true_size)
        expected = ranked[(ranked["curve"] == curve) & (ranked["data"] == size)].iloc[0]
        rows.append({"table_seed": seed, "strategy": strategy, "curve": curve, "data": size,
                     "cost": size, "width_before": before["width"],
                     "truth_inside_before": before["truth_inside"],
                     "expected_width_after": float(expected["width_after"]),
                     "expected_mc_error": float(expected["mc_error"]),
                     "refit_recommended": bool(expected["refit_recommended"]),
                     "true_growth": true_growth, **{f"{k}_after": v for k, v in
                                                    results[(curve, size)].items()},
                     "rank_seconds": rank_seconds,
                     "table_seconds": time.perf_counter() - start})
    return rows


def recount_truth(runs: pd.DataFrame) -> pd.DataFrame:
    """``truth_inside_after`` of runs written before the truth was counted from the refit's
    current size (no ``true_growth_after`` column): recounted from the stored interval, the
    new run's curve and size (a run of arch0 beyond the largest size moves its current size;
    a run of arch1 does not)."""
    if "true_growth_after" in runs:
        return runs
    current = np.where(runs["curve"] == CURVE.split("/")[1],
                       np.maximum(SIZES.max(), runs["data"]), SIZES.max())
    truth = runs["true_growth"] * SIZES.max() / current
    return runs.assign(true_growth_after=truth, truth_inside_after=(
        (runs["lower_after"] <= truth) & (truth <= runs["upper_after"])))


def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    """Per strategy: mean width after, coverage, mean cost; paired difference to design."""
    runs = recount_truth(runs)
    wide = runs.pivot(index="table_seed", columns="strategy", values="width_after")
    out = []
    for strategy, group in runs.groupby("strategy", sort=False):
        diff = (wide["design"] - wide[strategy]).dropna()
        n = len(diff)
        out.append({
            "strategy": strategy, "tables": len(group),
            "mean_width_after": group["width_after"].mean(),
            "mean_width_before": group["width_before"].mean(),
            "coverage_after": group["truth_inside_after"].mean(),
            "mean_cost": group["cost"].mean(),
            "design_minus_strategy_width": diff.mean(),
            "se_difference": diff.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan,
            "design_narrower_share": float((diff < 0).mean()),
        })
    return pd.DataFrame(out)


def main(argv: list[str] | None = None) -> int:
    """Run the study and write ``design_runs.csv`` and ``design.csv``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.design", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", type=int, default=6, help="simulated tables (default 6)")
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--tune", type=int, default=400)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--outcomes", type=int, default=32)
    parser.add_argument("--replicates", type=int, default=16)
    parser.add_argument("--max-draws", type=int, default=400)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-discrepancy", action="store_true",
                        help="fit the learning curve without its discrepancy term (the model "
                             "whose reweighting is the exact update of a refit)")
    parser.add_argument("--summarize-only", action="store_true",
                        help="summarise the tables already in OUT/design_runs.csv (a run "
                             "stopped early) into OUT/design.csv, without sampling")
    args = parser.parse_args(argv)
    if args.summarize_only:
        summary = summarize(pd.read_csv(args.out / "design_runs.csv"))
        write_results(summary, "design", args.out)
        print(summary.to_string(index=False))
        return 0
    if args.no_discrepancy:
        MODEL_OPTIONS["discrepancy"] = False
    runs = []
    for i in range(args.tables):
        seed = args.first_seed + i
        sampler = SamplerConfig(draws=args.draws, tune=args.tune, chains=args.chains,
                                seed=seed, auto_remedy=False)
        runs += run_table(seed, sampler, outcomes=args.outcomes, replicates=args.replicates,
                          max_draws=args.max_draws)
        frame = pd.DataFrame(runs)
        write_results(frame, "design_runs", args.out)  # after every table: partial results
        print(f"table {i + 1}/{args.tables} done ({frame['table_seconds'].iloc[-1]:.0f} s)",
              file=sys.stderr, flush=True)
    summary = summarize(pd.DataFrame(runs))
    write_results(summary, "design", args.out)
    print(summary.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
