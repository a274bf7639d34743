"""SMC blocks off this process: loky workers and a Dask ``LocalCluster`` of 2 workers.

The fast tests fit one tiny block once, in this process, and send blocks that fail at
once (no sampling) to loky workers and to the cluster: what they test is that a failure
comes back named, never missing. The tests that sample on workers (bit-identical to the
serial fit) or kill a Dask worker mid-run are ``slow``: worker start-up and a fresh
PyTensor process per worker cost about a minute on two shared cores.
"""

from __future__ import annotations

import dataclasses
import os
import warnings

import pytest
import xarray as xr

from bayes_scaling.errors import BlockFitError, ModelConfigError
from bayes_scaling.models import CurveFormModel, SMCConfig
from bayes_scaling.models.blocks import BlockResult, default_jobs, run_blocks
from bayes_scaling.simulate import simulate_form_curves

#: Tiny SMC: the blocks always fail their checks at 50 particles and are rerun at 100 and
#: 200, which exercises the remedy path in the workers too.
TINY = SMCConfig(draws=50, chains=2, seed=3, threshold=0.5, correlation_threshold=0.01)


@pytest.fixture(scope="module")
def model() -> CurveFormModel:
    sim = simulate_form_curves("power_law", {"alpha": 1.0, "beta": 0.5}, n_curves=2,
                               n_seeds=1, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CurveFormModel(sim.frame, "power_law")


@pytest.fixture(scope="module")
def results(model) -> list[BlockResult]:
    """The first block only, fitted in this process (a few seconds)."""
    return run_blocks(model.smc_tasks(TINY)[:1], n_jobs=1)


@pytest.fixture(scope="module")
def serial(model) -> xr.DataTree:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit_smc(TINY, n_jobs=1)


def _broken(model: CurveFormModel) -> list:
    """The model's tasks, the second one unable to run (no SMC settings)."""
    tasks = model.smc_tasks(TINY)
    return [dataclasses.replace(tasks[0], cfg=None), dataclasses.replace(tasks[1], cfg=None)]


def _assert_same_draws(a: xr.DataTree, b: xr.DataTree) -> None:
    for group in ("posterior", "log_likelihood", "sample_stats"):
        xr.testing.assert_equal(a[group].to_dataset(), b[group].to_dataset())


def test_bad_executor_settings_are_named(model):
    with pytest.raises(ModelConfigError, match="n_jobs must be a positive integer, got 0"):
        run_blocks(model.smc_tasks(TINY), n_jobs=0)
    with pytest.raises(ModelConfigError, match=r"client must be a distributed\.Client"):
        run_blocks(model.smc_tasks(TINY), client="tcp://nowhere:8786")


def test_jobs_environment_variable(monkeypatch):
    monkeypatch.setenv("BAYES_SCALING_JOBS", "3")
    assert default_jobs() == 3
    monkeypatch.setenv("BAYES_SCALING_JOBS", "many")
    with pytest.raises(ModelConfigError, match="BAYES_SCALING_JOBS must be a positive"):
        default_jobs()


def test_failed_blocks_are_named_in_process(model):
    with pytest.raises(BlockFitError) as err:
        run_blocks(_broken(model), n_jobs=1)
    assert len(err.value.failures) == 2
    assert all(name in str(err.value) for name in
               ("power_law / sim/c0", "power_law / sim/c1", "AttributeError"))


def test_failed_blocks_are_named_on_workers(model):
    with pytest.raises(BlockFitError, match=r"2 SMC block\(s\) failed: power_law / sim/c0"):
        run_blocks(_broken(model), n_jobs=2)


class _DieAtSeed:
    """SMC settings that kill the worker process reading them."""

    def __getattr__(self, name: str):
        if name == "seed":
            os._exit(1)
        raise AttributeError(name)


@pytest.mark.slow
def test_a_dead_local_worker_names_the_unfinished_blocks(model):
    tasks = [dataclasses.replace(t, cfg=_DieAtSeed()) for t in model.smc_tasks(TINY)]
    with pytest.raises(BlockFitError, match="not finished: a local worker process failed") as err:
        run_blocks(tasks, n_jobs=2)
    assert [f.split(":")[0] for f in err.value.failures] == ["power_law / sim/c0",
                                                             "power_law / sim/c1"]


def test_results_travel_as_netcdf(model, results):
    """Workers send NetCDF bytes back, never pickled datasets; the fit through them is the
    fit of ``fit_smc`` in this process."""
    assert all(isinstance(r, BlockResult) and r.posterior[:4] == b"\x89HDF" for r in results)
    assert [r.name for r in results] == ["power_law / sim/c0"]
    posterior, loglik = results[0].datasets()
    assert posterior.sizes["chain"] == TINY.chains and posterior.sizes["draw"] == TINY.draws
    assert len(results[0].log_z) == TINY.chains and "obs" in loglik.dims


@pytest.mark.slow
def test_loky_workers_match_the_serial_fit(model, serial):
    """Two worker processes, blocks in whatever order they finish: bit-identical draws and
    evidence (each block's seed depends on its index only)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parallel = model.fit_smc(TINY, n_jobs=2)
    _assert_same_draws(parallel, serial)
    assert parallel.attrs.get("smc_remedy") == serial.attrs.get("smc_remedy")


def test_join_refuses_results_out_of_order(model, results):
    swapped = [dataclasses.replace(results[0], index=1), results[0]]
    with pytest.raises(ModelConfigError, match=r"blocks 0\.\.1 in order, got \[1, 0\]"):
        model.join_smc(swapped, TINY)
    with pytest.raises(ModelConfigError, match=r"got \[0\]"):
        model.join_smc(results, TINY)  # a block missing


# ---------------------------------------------------------------- Dask (LocalCluster)
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    from bayes_scaling.models.blocks import dask_client

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with dask_client("local", n_workers=2) as c:
            yield c


def test_dask_failed_blocks_are_named(model, client):
    with pytest.raises(BlockFitError) as err:
        run_blocks(_broken(model), client=client)
    assert [f.split(":")[0] for f in err.value.failures] == ["power_law / sim/c0",
                                                             "power_law / sim/c1"]


def test_unreachable_scheduler_is_a_clear_error():
    from bayes_scaling.models.blocks import dask_client

    for bad in ("", "localhost", "/dev/null", "tcp://host"):
        with pytest.raises(ModelConfigError, match="scheduler must be 'local' or a Dask"), \
                dask_client(bad):
            pass
    with pytest.raises(ModelConfigError, match="no Dask scheduler answered at"), \
            dask_client("tcp://127.0.0.1:9", timeout=2):
        pass


@pytest.mark.slow
def test_dask_matches_the_serial_fit(model, serial, client):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit_smc(TINY, client=client)
    _assert_same_draws(fit, serial)


@pytest.mark.slow
def test_dask_retries_the_blocks_of_a_killed_worker(model, client, tmp_path):
    """The worker that takes the block dies (os._exit) the first time; the scheduler runs
    the block again on a worker and its result is the serial one, bit for bit. One block
    only, to keep the sampling short."""
    marker = str(tmp_path / "died")

    class DieOnce:
        """SMC settings that kill their worker process the first time they are read."""

        def __init__(self, cfg: SMCConfig, marker: str) -> None:
            self.cfg, self.marker = cfg, marker

        def __getattr__(self, name: str):
            if name in ("cfg", "marker"):  # while unpickling, before __dict__ is set
                raise AttributeError(name)
            if name == "seed" and not os.path.exists(self.marker):
                open(self.marker, "w").close()
                os._exit(1)
            return getattr(self.cfg, name)

    task = model.smc_tasks(TINY)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (expected,) = run_blocks([task], n_jobs=1)
        (result,) = run_blocks([dataclasses.replace(task, cfg=DieOnce(TINY, marker))],
                               client=client)
    assert os.path.exists(marker)  # a worker did die
    assert result.log_z == expected.log_z
    for got, want in zip(result.datasets(), expected.datasets(), strict=True):
        xr.testing.assert_equal(got, want)
