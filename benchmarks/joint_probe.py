"""One short fit of a joint-law variant, no remedy: where it fails to mix, and where it goes.

``python -m benchmarks.joint_probe --table NAME --variant NAME [--draws N] [--seed S] --out DIR``

Fits the variant (a key of :data:`benchmarks.joint_variants.VARIANTS`) once to the fit
rows of a joint-law table of :mod:`benchmarks.calibration` (4 chains, ``--draws`` draws
after ``1.5 x --draws`` tuning steps, ``auto_remedy=False``) and writes:

* ``<out>/probe_parameters.csv``: the largest R-hat and smallest bulk ESS of every
  posterior variable, worst first (which part of the model fails to mix);
* ``<out>/probe_scores.csv``: the held-out rows' scores from
  :func:`bayes_scaling.prediction.predict`, by the calibration benchmark's scorer
  (:func:`benchmarks.extrapolation.summarize`: RMSE of the log loss, coverage of the
  50/80/90/95% intervals, miscalibration and its noise columns), with the fit's verdict
  beside them.

A fit that fails its diagnostics has scores that are not a result: they say whether a
model is worth making sample, which is what this script is for.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import arviz as az
import numpy as np
import pandas as pd

from bayes_scaling.diagnostics import fit_report
from bayes_scaling.models import JointScalingLaw, SamplerConfig
from bayes_scaling.prediction import predict
from benchmarks import calibration
from benchmarks._common import write_results
from benchmarks.extrapolation import LEVELS, prediction_intervals, summarize
from benchmarks.joint_variants import TABLES, VARIANTS


def parameter_table(fit) -> pd.DataFrame:
    """Largest R-hat and smallest bulk ESS per posterior variable, worst R-hat first."""
    post = fit["posterior"].to_dataset()
    rhat, ess = az.rhat(post), az.ess(post)
    rows = [{"variable": name, "max_rhat": float(np.nanmax(rhat[name].values)),
             "min_bulk_ess": float(np.nanmin(ess[name].values))} for name in rhat.data_vars]
    return pd.DataFrame(rows).sort_values("max_rhat", ascending=False, ignore_index=True)


def held_out_scores(fit, held: pd.DataFrame, seed: int) -> dict[str, float]:
    """The calibration benchmark's scores of the held-out rows, all domains together."""
    out = predict(fit, held.drop(columns=["loss", "split"]), probs=list(LEVELS), seed=seed)
    rows = pd.concat([held.drop(columns="split").assign(observed=held["loss"].to_numpy(float)),
                      prediction_intervals(out, "loss", held.index)], axis=1)
    table = summarize(rows)
    return table[table["domain"] == "all"].drop(columns="domain").iloc[0].to_dict()


def main(argv: list[str] | None = None) -> int:
    """Fit the variant once and write the two tables."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.joint_probe",
                                     description=__doc__)
    parser.add_argument("--table", choices=TABLES, required=True)
    parser.add_argument("--variant", choices=VARIANTS, required=True, metavar="NAME")
    parser.add_argument("--draws", type=int, default=400)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    frame = calibration.TABLES[args.table]()
    fit_rows = frame[frame["split"] == "fit"].drop(columns=["split"])
    cfg = SamplerConfig(draws=args.draws, tune=int(1.5 * args.draws), chains=4,
                        seed=args.seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = JointScalingLaw(fit_rows, **VARIANTS[args.variant]).fit(cfg, auto_remedy=False)
    wall = time.perf_counter() - start
    args.out.mkdir(parents=True, exist_ok=True)
    parameters = parameter_table(fit)
    write_results(parameters, "probe_parameters", args.out)
    scores = {"table": args.table, "variant": args.variant, "draws": args.draws,
              "seed": args.seed, "wall_s": round(wall, 1),
              "verdict": fit_report(fit).verdict.split(". ")[0],
              **held_out_scores(fit, frame[frame["split"] == "holdout"], args.seed)}
    write_results(pd.DataFrame([scores]), "probe_scores", args.out)
    print(parameters.head(10).to_string())
    print(pd.Series(scores).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
