"""Part 1, speed: nutpie vs PyMC's NUTS vs the point fit + bootstrap, side by side.

Cases (each sampled with the package's default :class:`~bayes_scaling.models.SamplerConfig`:
1,000 draws and 1,000 tuning steps on each of 4 chains, 2 in parallel, the model's default
``target_accept``):

``learning_curve_embedded``  :class:`HierarchicalLearningCurve` on ``mlp-learning-curves``
``chinchilla_joint``          :class:`JointScalingLaw` (5 parameters) on ``chinchilla-epoch2024``
``revisiting_lang_20``        :class:`HierarchicalLearningCurve`, all 20 curves of
                              ``revisiting2022-lang`` (rows with ``split == "fit"``) in one model
``revisiting_lang_20_centered``  the same with ``curve_parameterization="centered"``

Compile and sampling are timed separately, the way ``pm.sample`` runs them:

* nutpie: ``nutpie.compile_pymc_model(model, backend="numba")`` then ``nutpie.sample`` (with
  the model's default low-rank mass-matrix setting, as ``fit`` uses it);
* PyMC: ``pm.init_nuts`` (compiles the C logp/gradient and picks initial points) then
  ``pm.sample(step=..., initvals=...)`` (which also starts the worker processes).

Bulk ESS is ArviZ's, the minimum over every element of the case's parameters; ESS/s divides
it by the sampling time and by the wall time (compile + sampling). The point route is
:mod:`benchmarks.bootstrap` with 4,000 refits; ``time_to_interval_ratio`` is its time over
the sampler's wall time.

Run: ``python -m benchmarks speed [--quick] [--repeats 3]``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from benchmarks._common import (
    MIRROR,
    bulk_ess_min,
    divergences,
    median_table,
    nutpie_options,
    timer,
)
from benchmarks.bootstrap import N_BOOT, bootstrap_chinchilla, bootstrap_learning_curves


@dataclass(frozen=True)
class Case:
    """A benchmark case: how to build the model, what to measure ESS on, the point route."""

    name: str
    make_model: Callable[[], Any]
    ess_vars: tuple[str, ...]
    bootstrap: Callable[[Any, int, int], dict[str, float]]


LC_VARS = ("beta_global", "beta_domain", "beta", "scale_ref", "gamma", "noise_sigma")


def _lc_bootstrap(model: Any, n_boot: int, seed: int) -> dict[str, float]:
    return bootstrap_learning_curves(model.data.frame, metric=model.data.metric,
                                     n_boot=n_boot, seed=seed)


def _chinchilla_bootstrap(model: Any, n_boot: int, seed: int) -> dict[str, float]:
    return bootstrap_chinchilla(model.data.frame, n_boot=n_boot, seed=seed)


def cases() -> dict[str, Case]:
    """The three cases of the issue, keyed by name."""
    from bayes_scaling.datasets import load_dataset
    from bayes_scaling.models import HierarchicalLearningCurve, JointScalingLaw

    return {
        "learning_curve_embedded": Case(
            "learning_curve_embedded",
            lambda: HierarchicalLearningCurve(load_dataset("mlp-learning-curves")),
            LC_VARS, _lc_bootstrap),
        "chinchilla_joint": Case(
            "chinchilla_joint",
            lambda: JointScalingLaw(load_dataset("chinchilla-epoch2024", mirror=MIRROR)),
            ("E", "A", "B", "alpha", "beta"), _chinchilla_bootstrap),
        "revisiting_lang_20": Case(
            "revisiting_lang_20",
            lambda: HierarchicalLearningCurve(load_dataset("revisiting2022-lang", mirror=MIRROR)),
            LC_VARS, _lc_bootstrap),
        "revisiting_lang_20_centered": Case(
            "revisiting_lang_20_centered",
            lambda: HierarchicalLearningCurve(load_dataset("revisiting2022-lang", mirror=MIRROR),
                                              curve_parameterization="centered"),
            LC_VARS, _lc_bootstrap),
    }


def run_nutpie(model: Any, cfg: dict[str, Any]) -> tuple[Any, dict[str, float]]:
    """Compile with nutpie's numba backend and sample; returns the tree and the times."""
    import nutpie
    from pymc.backends.arviz import patch_nutpie_idata

    times: dict[str, float] = {}
    pm_model = model.build_model()
    with timer(times, "compile_s"):
        compiled = nutpie.compile_pymc_model(pm_model, backend="numba")
    with timer(times, "sample_s"):
        tree = nutpie.sample(compiled, draws=cfg["draws"], tune=cfg["tune"],
                             chains=cfg["chains"], cores=min(cfg["chains"], 2),
                             seed=cfg["seed"], target_accept=cfg["target_accept"],
                             progress_bar=False, **cfg["nutpie_extra"])
    patch_nutpie_idata(tree, pm_model, sampling_time=times["sample_s"])
    return tree, times


def run_pymc(model: Any, cfg: dict[str, Any]) -> tuple[Any, dict[str, float]]:
    """PyMC's NUTS: ``init_nuts`` (compile + initial points) then ``pm.sample``."""
    import pymc as pm

    times: dict[str, float] = {}
    pm_model = model.build_model()
    seeds = [cfg["seed"] + i for i in range(cfg["chains"])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with timer(times, "compile_s"):
            initial, step = pm.init_nuts(init="auto", chains=cfg["chains"], model=pm_model,
                                         random_seed=seeds, progressbar=False,
                                         target_accept=cfg["target_accept"])
        with timer(times, "sample_s"), pm_model:
            tree = pm.sample(draws=cfg["draws"], tune=cfg["tune"], chains=cfg["chains"],
                             cores=min(cfg["chains"], 2), step=step, initvals=initial,
                             random_seed=seeds, progressbar=False,
                             compute_convergence_checks=False)
    return tree, times


SAMPLERS = {"nutpie": run_nutpie, "pymc": run_pymc}


def run(*, quick: bool = False, repeats: int = 3, only: list[str] | None = None,
        samplers: tuple[str, ...] = ("nutpie", "pymc"), pymc_repeats: int | None = None,
        lc_boot_measured: int = 400, bootstrap: bool = True,
        log: Callable[[str], None] = print,
        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every case ``repeats`` times; return (all runs, medians per case and method).

    PyMC's sampler runs in the first ``pymc_repeats`` repeats only (default: all);
    ``bootstrap=False`` skips the point route. The Chinchilla bootstrap does all 4,000
    refits; the learning-curve bootstraps time ``lc_boot_measured`` refits per curve and
    project to 4,000 (refits are independent and equally expensive, so the time is linear
    in their number); both numbers are in the table.
    """
    draws, tune, chains = (100, 100, 2) if quick else (1000, 1000, 4)
    n_boot = 20 if quick else N_BOOT
    lc_boot = min(lc_boot_measured, n_boot)
    pymc_repeats = repeats if pymc_repeats is None else pymc_repeats
    rows = []
    selected = {k: v for k, v in cases().items() if not only or k in only}
    for repeat in range(repeats):
        for case in selected.values():
            for sampler in samplers:
                if sampler == "pymc" and repeat >= pymc_repeats:
                    continue
                model = case.make_model()  # fresh model: no in-process reuse
                options = nutpie_options(model)
                cfg = {"draws": draws, "tune": tune, "chains": chains, "seed": 2026 + repeat,
                       "target_accept": options.pop("target_accept"), "nutpie_extra": options}
                tree, times = SAMPLERS[sampler](model, cfg)
                ess = bulk_ess_min(tree, list(case.ess_vars))
                wall = times["compile_s"] + times["sample_s"]
                row = {"case": case.name, "method": sampler, "repeat": repeat, **times,
                       "wall_s": wall, "bulk_ess_min": ess,
                       "ess_per_s_sampling": ess / times["sample_s"], "ess_per_s_wall": ess / wall,
                       "divergences": divergences(tree), "draws": draws, "tune": tune,
                       "chains": chains, "target_accept": cfg["target_accept"],
                       "low_rank_mass_matrix": int(sampler == "nutpie" and bool(options))}
                rows.append(row)
                log(f"speed {case.name} {sampler} #{repeat}: compile {times['compile_s']:.1f}s "
                    f"sample {times['sample_s']:.1f}s ESS {ess:.0f} div {row['divergences']}")
            if not bootstrap:
                continue
            measured = n_boot if case.name == "chinchilla_joint" else lc_boot
            boot = case.bootstrap(case.make_model(), measured, repeat)
            per_refit = boot["bootstrap_s"] / boot["n_refits"]
            total_refits = boot["n_refits"] * n_boot // measured
            wall = boot["fit_s"] + per_refit * total_refits
            rows.append({"case": case.name, "method": f"least_squares+bootstrap{n_boot}",
                         "repeat": repeat, "compile_s": 0.0, "sample_s": wall - boot["fit_s"],
                         "wall_s": wall, "fit_s": boot["fit_s"],
                         "refit_ms": 1e3 * per_refit, "n_refits": total_refits,
                         "refits_measured": boot["n_refits"],
                         "failed_refits": boot["failed_refits"]})
            log(f"speed {case.name} bootstrap x{n_boot} #{repeat}: {boot['total_s']:.1f}s")
    runs = pd.DataFrame(rows)
    table = median_table(runs, ["case", "method"])
    for _, group in table.groupby("case", sort=False):
        boot_wall = group.loc[group["method"].str.startswith("least_squares"), "wall_s"]
        if len(boot_wall):
            table.loc[group.index, "time_to_interval_ratio"] = (
                float(boot_wall.iloc[0]) / group["wall_s"])
    return runs, table
