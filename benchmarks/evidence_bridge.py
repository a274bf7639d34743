"""Each block's evidence from one NUTS fit (bridge sampling) against SMC, per block.

For every form, the table's fit rows are fitted twice: once by NUTS, all curves in one
vectorised model (:meth:`CurveFormModel.fit`, the package's defaults), with each block's
evidence then computed by bridge sampling (:func:`bayes_scaling.comparison.bridge.
block_bridge_evidence`); and once by SMC, one run per block (:meth:`CurveFormModel.fit_smc`,
the package's defaults and reruns, on ``--jobs`` local workers). Per block: both log
evidences, their Monte Carlo errors and their difference in units of the combined error;
and a third estimate to arbitrate, importance sampling with 50,000 draws from a
heavy-tailed proposal around the NUTS posterior (:func:`bayes_scaling.comparison.bridge.
block_importance_evidence`). Per form: the NUTS fit's diagnostics, how many blocks agree
(``|difference| <= 2 x`` the combined error), the summed evidence of each method, and each
method's wall time.

Run: ``python -m benchmarks.evidence_bridge [--table revisiting2022-lang] [--forms ...]
[--jobs 2] [--skip-smc] --out DIR``. Writes ``evidence_bridge_blocks.csv``,
``evidence_bridge.csv`` and ``evidence_bridge.machine.json`` in ``DIR``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_scaling.comparison.bridge import block_bridge_evidence, block_importance_evidence
from bayes_scaling.comparison.evidence import block_evidence
from bayes_scaling.diagnostics import fit_report
from bayes_scaling.models import CurveFormModel, SMCConfig
from benchmarks._common import machine
from benchmarks.calibration import TABLES

FORMS = ("power_law", "power_law_irreducible", "sigmoid_log")
#: Blocks agree when their two estimates differ by at most this many combined errors.
AGREEMENT_SE = 2.0


def compare_form(frame: pd.DataFrame, form: str, *, jobs: int | None, seed: int = 2026,
                 nuts: dict | None = None,
                 smc: SMCConfig | None = None,
                 importance_draws: int = 50_000,
                 skip_smc: bool = False) -> tuple[pd.DataFrame, dict]:
    """Both estimates for every block of one form, and the form's summary row (``nuts``:
    keywords of the NUTS fit, ``smc``: the SMC settings; the package's defaults if None;
    ``skip_smc``: the bridge and the check only, SMC's columns NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = CurveFormModel(frame, form)
        start = time.perf_counter()
        fit = model.fit(seed=seed, **(nuts or {}))
        nuts_s = time.perf_counter() - start
        start = time.perf_counter()
        bridge = block_bridge_evidence(model, fit, seed=seed)
        bridge_s = time.perf_counter() - start
        check = block_importance_evidence(model, fit, n_draws=importance_draws, seed=seed)
        start = time.perf_counter()
        smc_fit = None if skip_smc else model.fit_smc(smc, seed=seed, n_jobs=jobs)
        smc_s = np.nan if skip_smc else time.perf_counter() - start
    smc = (pd.DataFrame({"log_evidence": np.nan, "log_evidence_se": np.nan},
                        index=bridge.index) if smc_fit is None else block_evidence(smc_fit))
    blocks = bridge.rename(columns={"log_evidence": "log_evidence_bridge",
                                    "log_evidence_se": "log_evidence_se_bridge"}).join(
        smc[["log_evidence", "log_evidence_se"]].rename(
            columns={"log_evidence": "log_evidence_smc",
                     "log_evidence_se": "log_evidence_se_smc"}))
    blocks["log_evidence_is"] = check["log_evidence"]
    blocks["log_evidence_se_is"] = check["log_evidence_se"]
    blocks["bridge_minus_is"] = blocks["log_evidence_bridge"] - blocks["log_evidence_is"]
    blocks["smc_minus_is"] = blocks["log_evidence_smc"] - blocks["log_evidence_is"]
    combined = np.hypot(blocks["log_evidence_se_bridge"], blocks["log_evidence_se_smc"])
    blocks["difference"] = blocks["log_evidence_bridge"] - blocks["log_evidence_smc"]
    blocks["difference_in_se"] = blocks["difference"] / combined
    blocks["agree"] = blocks["difference_in_se"].abs() <= AGREEMENT_SE
    blocks.insert(0, "form", form)
    report = fit_report(fit)
    summary = {
        "form": form, "blocks": len(blocks), "blocks_agreeing": int(blocks["agree"].sum()),
        "nuts_passes": bool(report.ok), "nuts_problems": "; ".join(report.problems),
        "log_evidence_bridge": float(blocks["log_evidence_bridge"].sum()),
        "se_bridge": float(np.sqrt((blocks["log_evidence_se_bridge"] ** 2).sum())),
        "log_evidence_smc": float(blocks["log_evidence_smc"].sum()),
        "se_smc": float(np.sqrt((blocks["log_evidence_se_smc"] ** 2).sum())),
        "log_evidence_is": float(blocks["log_evidence_is"].sum()),
        "se_is": float(np.sqrt((blocks["log_evidence_se_is"] ** 2).sum())),
        "max_abs_difference": float(blocks["difference"].abs().max()),
        "max_abs_bridge_minus_is": float(blocks["bridge_minus_is"].abs().max()),
        "nuts_s": nuts_s, "bridge_s": bridge_s, "smc_s": smc_s,
    }
    return blocks.reset_index(), summary


def main(argv: list[str] | None = None) -> int:
    """Run every form and write the tables."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.evidence_bridge",
                                     description=__doc__)
    parser.add_argument("--table", default="revisiting2022-lang", choices=sorted(TABLES))
    parser.add_argument("--forms", nargs="+", default=list(FORMS))
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--skip-smc", action="store_true",
                        help="the bridge and the importance-sampling check only")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    frame = TABLES[args.table]()
    frame = frame[frame["split"] == "fit"].drop(columns="split")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    before = machine()
    all_blocks, summaries = [], []
    for form in args.forms:
        blocks, summary = compare_form(frame, form, jobs=args.jobs, skip_smc=args.skip_smc)
        all_blocks.append(blocks)
        summaries.append(summary)
        print(json.dumps(summary), flush=True)
        pd.concat(all_blocks).to_csv(out / "evidence_bridge_blocks.csv", index=False)
        pd.DataFrame(summaries).to_csv(out / "evidence_bridge.csv", index=False)
    (out / "evidence_bridge.machine.json").write_text(json.dumps(
        {"table": args.table, "forms": args.forms, "before": before, "after": machine()},
        indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
