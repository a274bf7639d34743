"""The default learning-curve model on a table the size of the issue's hidden one.

``python -m benchmarks.large_table [--variants NAME ...] [--draws N] [--seed S] --out DIR``

The issue's hidden table has 72 curves of about 55 points each, and asks for the default
fit in at most 2 minutes on 2 cores. This simulates a table of that shape with curves whose
true shape is not in the fitted family (:func:`bayes_scaling.simulate.
simulate_misspecified_curves`: 6 domains x 12 curves, 55 sizes over 3-4 decades,
correlated noise, seed 0) and fits :class:`~bayes_scaling.models.HierarchicalLearningCurve`
with 4 chains of ``--draws`` tuning steps and draws each, no automatic remedy, once per
variant of the sampler's geometry:

* ``default``: the package's default model and sampler;
* ``centred discrepancy``: the discrepancy's rate hierarchy (curves and domains) sampled
  centred instead of non-centred (a scratch patch of ``nested_effects``; the prior is the
  same);
* ``low-rank``: nutpie's diagonal plus low-rank mass matrix (``low_rank_mass_matrix=True``).

Writes ``<out>/large_table.csv``: per variant, wall seconds (compile included), mean
leapfrog steps per draw, divergences, the four parameters with the smallest bulk ESS and the
three with the largest R-hat; and its ``.machine.csv``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import arviz as az
import pandas as pd

import bayes_scaling.models.learning_curve as learning_curve
from bayes_scaling.models import HierarchicalLearningCurve
from bayes_scaling.simulate import simulate_misspecified_curves
from benchmarks._common import write_results

VARIANTS = ("default", "centred discrepancy", "low-rank")


def large_table(seed: int = 0) -> pd.DataFrame:
    """72 curves x 55 sizes whose shapes are not in the fitted family."""
    return simulate_misspecified_curves(n_domains=6, curves_per_domain=12, n_sizes=(55, 55),
                                        seed=seed).frame


def _centred_discrepancy(**kwargs):
    """``nested_effects`` with the discrepancy's rate hierarchy sampled centred."""
    if kwargs["z_names"][0] == "z_discrepancy_domain":
        kwargs.update(centered=True, domain_centered=True)
    return _NESTED_EFFECTS(**kwargs)


_NESTED_EFFECTS = learning_curve.nested_effects


def run_variant(frame: pd.DataFrame, variant: str, draws: int) -> dict:
    """One short fit of ``variant``: time, trajectory length and the weakest parameters."""
    learning_curve.nested_effects = (_centred_discrepancy if variant == "centred discrepancy"
                                     else _NESTED_EFFECTS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            fit = HierarchicalLearningCurve(frame).fit(
                draws=draws, tune=draws, chains=4, auto_remedy=False,
                low_rank_mass_matrix=variant == "low-rank")
            wall = time.perf_counter() - start
    finally:
        learning_curve.nested_effects = _NESTED_EFFECTS
    stats = fit["sample_stats"]
    ess, rhat = az.ess(fit["posterior"].to_dataset()), az.rhat(fit["posterior"].to_dataset())
    weakest = sorted((float(ess[v].min()), v) for v in ess.data_vars)[:4]
    worst = sorted(((float(rhat[v].max()), v) for v in rhat.data_vars), reverse=True)[:3]
    return {"variant": variant, "curves": frame.groupby(["domain", "curve"]).ngroups,
            "rows": len(frame), "draws": draws, "wall_s": round(wall, 1),
            "steps_per_draw": float(stats["n_steps"].mean()),
            "divergences": int(stats["diverging"].sum()),
            "min_bulk_ess": json.dumps([[round(e), v] for e, v in weakest]),
            "max_rhat": json.dumps([[round(r, 3), v] for r, v in worst])}


def main(argv: list[str] | None = None) -> int:
    """Fit every variant and write the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.large_table",
                                     description=__doc__)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--draws", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    frame = large_table(args.seed)
    rows = []
    for variant in args.variants:
        rows.append(run_variant(frame, variant, args.draws))
        print(json.dumps(rows[-1]), flush=True)
    write_results(pd.DataFrame(rows), "large_table", Path(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
