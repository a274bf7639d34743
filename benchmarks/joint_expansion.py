"""The joint law's default on a family fitted through its earliest checkpoints.

``python -m benchmarks.joint_expansion [--seeds 0 1 ...] [--out DIR]``

One simulated family per seed (:func:`bayes_scaling.simulate.simulate_checkpoint_runs`,
``n_families=1``) measured at the Pythia suite's checkpoint steps
(:func:`~bayes_scaling.simulate.pythia_checkpoint_tokens`: steps 1-512 log-spaced, then
every 10,000 to 143,000; ``--log-spaced`` for 16 log-spaced checkpoints from 2e6 tokens
instead), so the first minutes of training are in the table: every checkpoint of the six
smaller models is fitted, the final loss of the largest (6.9B) model is predicted, as
the issue's public LLM families were. Per seed:

* ``default``: ``JointScalingLaw(rows).fit(seed=seed)`` as a user calls it (the plain law,
  expanded to the discrepancy when its fit fails after the automatic remedy);
* ``plain``: ``discrepancy=False``, fitted only where the default expanded (elsewhere the
  two are the same fit).

Writes ``<out>/joint_expansion.csv`` (one row per seed and fit: diagnostics, whether the
fit was expanded, the predicted median and 90% interval of the final loss, the truth,
wall seconds) and its ``.machine.csv``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import pandas as pd

from bayes_scaling.diagnostics import fit_report
from bayes_scaling.errors import FitDiagnosticsWarning
from bayes_scaling.models import JointScalingLaw
from bayes_scaling.prediction import predict
from bayes_scaling.simulate import pythia_checkpoint_tokens, simulate_checkpoint_runs
from benchmarks._common import RESULTS, write_results

#: Tokens of the first checkpoint of every run (one optimiser step into training).
FIRST_TOKENS = float(pythia_checkpoint_tokens()[0])


def family(seed: int, *, log_spaced: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The fitted rows (every checkpoint of the smaller models) and the held-out row (the
    largest model's final loss) of one simulated family: Pythia's checkpoint steps, or
    with ``log_spaced`` 16 log-spaced checkpoints from :data:`FIRST_TOKENS`."""
    schedule = ({"first_tokens": FIRST_TOKENS} if log_spaced
                else {"checkpoint_tokens": pythia_checkpoint_tokens()})
    frame = simulate_checkpoint_runs(seed=seed, n_families=1, **schedule).frame
    largest = frame["params"].max()
    final = frame[(frame["params"] == largest) & (frame["data"] == frame["data"].max())]
    return frame[frame["params"] < largest], final


def score(name: str, seed: int, fit_rows: pd.DataFrame, final: pd.DataFrame,
          **options: object) -> tuple[dict[str, object], bool]:
    """Fit, predict the final loss, and return the row and whether the fit was expanded."""
    start = time.perf_counter()
    with warnings.catch_warnings():  # the verdict is recorded below
        warnings.simplefilter("ignore", FitDiagnosticsWarning)
        fit = JointScalingLaw(fit_rows, **options).fit(seed=seed)
    wall = time.perf_counter() - start
    report = fit_report(fit)
    expanded = bool(json.loads(fit.attrs.get("model_expansion", "{}")).get("expanded", False))
    out = predict(fit, final.drop(columns=["loss"]), probs=[0.9], seed=seed).iloc[0]
    truth = float(final["loss"].iloc[0])
    row = {"seed": seed, "fit": name, "expanded": expanded, "ok": report.ok,
           "max_rhat": report.max_rhat, "min_ess_bulk": report.min_ess_bulk,
           "divergences": report.divergences, "truth": truth,
           "median": out["loss_median"], "lower_0.9": out["loss_lower_0.9"],
           "upper_0.9": out["loss_upper_0.9"],
           "inside_0.9": bool(out["loss_lower_0.9"] <= truth <= out["loss_upper_0.9"]),
           "relative_error": abs(out["loss_median"] / truth - 1.0), "wall_s": wall}
    print(json.dumps(row, default=float), flush=True)
    return row, expanded


def main(argv: list[str] | None = None) -> int:
    """Fit every seed's family with the default (and the plain law where they differ)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.joint_expansion",
                                     description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(8)))
    parser.add_argument("--log-spaced", action="store_true",
                        help="16 log-spaced checkpoints from 2e6 tokens, not Pythia's steps")
    parser.add_argument("--out", type=Path, default=RESULTS / "joint_expansion")
    args = parser.parse_args(argv)
    rows = []
    for seed in args.seeds:
        fit_rows, final = family(seed, log_spaced=args.log_spaced)
        row, expanded = score("default", seed, fit_rows, final)
        rows.append(row)
        if expanded:
            rows.append(score("plain", seed, fit_rows, final, discrepancy=False)[0])
    table = pd.DataFrame(rows)
    path = write_results(table, "joint_expansion", args.out)
    print(table.groupby("fit")[["ok", "inside_0.9", "relative_error", "wall_s"]].agg(
        ["mean", "median"]).to_string())
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
