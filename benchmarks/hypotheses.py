"""The named hypotheses end to end on the embedded data and the Thompson tables (issue 4).

* ``shared-exponent`` and ``irreducible-error`` on the embedded ``mlp-learning-curves``;
* ``polynomial-vs-exponential`` on each Computer Progress table of Thompson et al. (2020).

Run: ``python -m benchmarks.hypotheses [--quick] [--draws N] [--chains N]``. Writes
``benchmarks/results/hypotheses.csv`` (one row per hypothesis, table and domain) and
``hypotheses.txt`` (the verdicts as printed by ``bayes-scaling compare --hypothesis``).
"""

from __future__ import annotations

import argparse
import time
import warnings

import pandas as pd

from bayes_scaling.comparison.hypotheses import test_hypothesis
from bayes_scaling.datasets import load_dataset
from bayes_scaling.models import SMCConfig
from benchmarks._common import MIRROR, RESULTS, machine

RUNS: tuple[tuple[str, str], ...] = (
    ("shared-exponent", "mlp-learning-curves"),
    ("irreducible-error", "mlp-learning-curves"),
    *[("polynomial-vs-exponential", f"thompson2020-{name}") for name in
      ("imagenet", "mscoco", "squad", "conll2003", "wmt14-en-de", "wmt14-en-fr")],
)


def main(argv: list[str] | None = None) -> int:
    """Run every hypothesis and write the verdicts."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hypotheses", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--chains", type=int, default=4)
    args = parser.parse_args(argv)
    smc = SMCConfig(draws=100 if args.quick else args.draws,
                    chains=2 if args.quick else args.chains, seed=2026)
    out = RESULTS / "quick" if args.quick else RESULTS
    out.mkdir(parents=True, exist_ok=True)
    rows, texts = [], []
    for name, dataset in RUNS:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = test_hypothesis(name, load_dataset(dataset, mirror=MIRROR), smc=smc)
        seconds = time.perf_counter() - start
        texts.append(f"== {dataset} ({seconds:.0f} s)\n{result.verdict()}\n")
        print(texts[-1], flush=True)
        rows.append(result.by_domain.assign(hypothesis=name, dataset=dataset,
                                            seconds=round(seconds, 1),
                                            problems=len(result.problems)))
    table = pd.concat(rows, ignore_index=True)
    table.to_csv(out / "hypotheses.csv", index=False)
    (out / "hypotheses.txt").write_text("\n".join(texts))
    pd.DataFrame([{**machine(), "draws": smc.draws, "chains": smc.chains}]).to_csv(
        out / "hypotheses.machine.csv", index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
