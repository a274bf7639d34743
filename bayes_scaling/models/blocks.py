"""Independent SMC blocks as tasks: one function that fits a block anywhere, and a runner.

A :class:`~bayes_scaling.models.CurveFormModel` fit factorises over blocks (a curve, or a
domain when parameters are shared). :func:`fit_block` is the whole per-block body of
:meth:`~bayes_scaling.models.CurveFormModel.fit_smc` (build the block's model, run SMC,
rerun it with more particles when its runs disagree, compute the pointwise log
likelihood); it takes a self-contained :class:`BlockTask` and returns a
:class:`BlockResult` whose draws are NetCDF bytes, so it runs the same in this process,
in a local worker process (joblib/loky) or on a ``dask.distributed`` worker, and the
draws travel as NetCDF, never as pickled results.

:func:`run_blocks` runs many tasks, of one form or of several (model comparison), and
returns their results in task order. Each block's seed is fixed by its task
(``cfg.seed + 7919 * index``), never by the scheduling, so a parallel run is bit-identical
to the serial one. Executors: ``n_jobs=1`` runs in this process; ``n_jobs > 1`` (the
default: the cores this process may use, or ``BAYES_SCALING_JOBS``) on joblib's loky
process pool; ``client=`` (a ``distributed.Client``) on a Dask cluster, where the
scheduler retries the blocks of a worker that died. A block that fails is never missing
silently: every failure is collected and :class:`~bayes_scaling.errors.BlockFitError`
names each failed block.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import logging
import os
import re
import sys
import time
import traceback
import uuid
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import arviz as az
import numpy as np
import pymc as pm
import xarray as xr
from pymc.smc.kernels import MH
from scipy.special import logsumexp

from bayes_scaling import dims, errors
from bayes_scaling.curves import CurveFamily
from bayes_scaling.data import ScalingData
from bayes_scaling.diagnostics import ESS_PER_CHAIN_MIN, RHAT_MAX
from bayes_scaling.errors import BlockFitError, IdentificationWarning, ModelConfigError

__all__ = ["JOBS_ENV", "BlockResult", "BlockRunner", "BlockTask", "dask_client", "default_jobs",
           "fit_block", "run_blocks"]

#: Environment variable with the default number of local worker processes.
JOBS_ENV = "BAYES_SCALING_JOBS"
_ADDRESS = re.compile(r"^([a-z][a-z0-9+.-]*://)?[^\s/:]+:\d{1,5}$")
#: Seed stride between the blocks of one fit: block ``i`` uses ``seed + SEED_STRIDE * i``.
SEED_STRIDE = 7919
#: Times a block whose SMC runs disagree is run again, each with twice the particles.
SMC_REMEDY_ATTEMPTS = 2


@dataclass(frozen=True)
class BlockRunner:
    """Where the independent SMC blocks of a comparison or a hypothesis test run.

    Parameters
    ----------
    n_jobs : int, optional
        Local worker processes (default :func:`default_jobs`; 1: this process).
    client : distributed.Client, optional
        A Dask cluster's client; ``n_jobs`` is then ignored.
    progress : bool, default False
        One progress bar over blocks.

    Examples
    --------
    >>> BlockRunner(n_jobs=2).kwargs()
    {'n_jobs': 2, 'client': None, 'progress': False}
    """

    n_jobs: int | None = None
    client: Any = None
    progress: bool = False

    def kwargs(self) -> dict[str, Any]:
        """The keyword arguments of :func:`~bayes_scaling.comparison.compare_forms` and
        :func:`~bayes_scaling.comparison.hypotheses.test_hypothesis` that say where blocks
        run."""
        return {"n_jobs": self.n_jobs, "client": self.client, "progress": self.progress}


@dataclass(frozen=True)
class BlockTask:
    """Everything one block's SMC fit needs, self-contained so a worker can run it.

    Attributes
    ----------
    label : str
        The form's name (for messages and progress).
    block : str
        The block's name (a curve label, or a domain).
    index : int
        The block's position in its fit; its seed is ``cfg.seed + 7919 * index``.
    data : ScalingData
        The block's rows.
    family : CurveFamily
        The curve family.
    shared, robust, priors
        The form's settings (``priors``: the user's overrides as a plain mapping).
    cfg : SMCConfig
        SMC settings.
    max_se : float
        The block's share of the Monte Carlo error limit of the evidence.
    model_class : type
        The form model whose constructor builds the block's PyMC model
        (:class:`~bayes_scaling.models.CurveFormModel`), called as
        ``model_class(data, family, shared=, robust=, priors=)``.
    """

    label: str
    block: str
    index: int
    data: ScalingData
    family: CurveFamily
    shared: tuple[str, ...]
    robust: bool
    priors: Any
    cfg: Any
    max_se: float
    model_class: Any

    @property
    def name(self) -> str:
        """``"form / block"``, the name used in progress and error messages."""
        return f"{self.label} / {self.block}"


@dataclass(frozen=True)
class BlockResult:
    """One block's SMC fit, as NetCDF bytes and plain values.

    Attributes
    ----------
    name : str
        The task's ``"form / block"``.
    index : int
        The block's position in its fit.
    posterior, log_likelihood : bytes
        NetCDF (h5netcdf) of the block's posterior and pointwise log likelihood.
    log_z : tuple of float
        Each chain's final log evidence.
    remedy : dict or None
        The attempts, when the block was run again with more particles.
    caught : tuple of (str, str, str, int)
        Warnings raised while fitting: category name, message, file, line.
    seconds : float
        Wall time of the block (build, SMC, log likelihood).
    """

    name: str
    index: int
    posterior: bytes
    log_likelihood: bytes
    log_z: tuple[float, ...]
    remedy: dict[str, Any] | None = None
    caught: tuple[tuple[str, str, str, int], ...] = field(default=())
    seconds: float = 0.0

    def datasets(self) -> tuple[xr.Dataset, xr.Dataset]:
        """The posterior and the pointwise log likelihood as datasets."""
        return _from_netcdf(self.posterior), _from_netcdf(self.log_likelihood)

    def reemit_warnings(self) -> None:
        """Emit the warnings caught in the worker again, here (with the block's name)."""
        for category, message, filename, lineno in self.caught:
            cls = getattr(errors, category, None) or getattr(builtins, category, None)
            if not (isinstance(cls, type) and issubclass(cls, Warning)):
                cls = UserWarning
            warnings.warn_explicit(f"block {self.name}: {message}", cls, filename, lineno)


def default_jobs() -> int:
    """Local worker processes used by default: ``BAYES_SCALING_JOBS`` if set, else the
    cores this process may run on.

    Examples
    --------
    >>> default_jobs() >= 1
    True
    """
    text = os.environ.get(JOBS_ENV)
    if text is not None:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise ModelConfigError(f"{JOBS_ENV} must be a positive integer, got {text!r}")
        return value
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


@contextlib.contextmanager
def dask_client(scheduler: str, *, n_workers: int | None = None,
                timeout: float = 20.0) -> Iterator[Any]:
    """A ``distributed.Client`` for ``scheduler``, closed on exit.

    Parameters
    ----------
    scheduler : str
        ``"local"``: start a ``LocalCluster`` on this machine (``n_workers`` processes of
        one thread each; default :func:`default_jobs`), shut down on exit. Otherwise the
        address of a running scheduler, e.g. ``"tcp://10.0.0.5:8786"``; its workers need
        ``bayes_scaling`` (same version) installed.
    n_workers : int, optional
        Workers of the local cluster.
    timeout : float
        Seconds to wait for a scheduler at an address.

    Yields
    ------
    distributed.Client

    Raises
    ------
    ModelConfigError
        If ``distributed`` is not installed, the address is empty, or no scheduler answers.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ModelConfigError("running on a Dask cluster needs dask.distributed: "
                               "pip install 'bayes_scaling[dask]'") from None
    text = str(scheduler).strip()
    if text != "local" and not _ADDRESS.match(text):
        raise ModelConfigError("scheduler must be 'local' or a Dask scheduler address such "
                               f"as tcp://host:8786 or host:8786, got {scheduler!r}")
    if text == "local":
        with LocalCluster(n_workers=n_workers or default_jobs(), threads_per_worker=1,
                          processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            yield client
        return
    try:
        client = Client(text, timeout=f"{timeout}s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ModelConfigError(f"no Dask scheduler answered at {text!r} ({exc}); pass "
                               "'local' for a cluster on this machine") from None
    with client:
        yield client


def fit_block(task: BlockTask) -> BlockResult:
    """Fit one block with SMC: the per-block body of ``CurveFormModel.fit_smc``.

    A block whose runs disagree or mix poorly is run again with twice the particles, up
    to ``2 ** SMC_REMEDY_ATTEMPTS`` times as many; the attempt with the best diagnostics
    is kept and its particles resampled to ``cfg.draws`` per chain.

    Parameters
    ----------
    task : BlockTask

    Returns
    -------
    BlockResult
    """
    start = time.perf_counter()
    cfg = task.cfg
    seed = cfg.seed + SEED_STRIDE * task.index
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # already reported for the whole table by the form's constructor
        warnings.simplefilter("ignore", IdentificationWarning)
        sub = task.model_class(task.data, task.family, shared=task.shared,
                               robust=task.robust, priors=task.priors)
        model = sub.build_model()
        attempts: list[tuple[int, xr.DataTree, np.ndarray, dict[str, float]]] = []
        draws = cfg.draws
        for _ in range(SMC_REMEDY_ATTEMPTS + 1):
            with model, warnings.catch_warnings(), _quiet_pymc():
                warnings.filterwarnings("ignore", message=".*(r_hat|effective sample|diverg).*")
                run = pm.sample_smc(draws=draws, kernel=MH, chains=cfg.chains, cores=1,
                                    random_seed=seed, progressbar=False,
                                    compute_convergence_checks=False, threshold=cfg.threshold,
                                    correlation_threshold=cfg.correlation_threshold)
            z = _final_log_evidence(run["sample_stats"]["log_marginal_likelihood"])
            checks = _block_checks(run["posterior"].to_dataset(), z, cfg, task.max_se)
            attempts.append((draws, run, z, checks))
            if max(checks.values()) <= 1.0:
                break
            draws *= 2
        best = min(range(len(attempts)), key=lambda k: _smc_badness(attempts[k][3]))
        draws, run, z, _ = attempts[best]
        remedy = None
        if len(attempts) > 1:
            remedy = {"attempts": [{"draws": a[0], **{f"{k}_over_limit": round(v, 3)
                                                      for k, v in a[3].items()}}
                                   for a in attempts],
                      "kept": best, "block_max_evidence_se": task.max_se}
        if draws > cfg.draws:
            run = _resample_particles(run, cfg.draws, seed=seed)
        with model, _quiet_pymc():
            pm.compute_log_likelihood(run, model=model, progressbar=False)
    return BlockResult(
        name=task.name, index=task.index,
        posterior=_to_netcdf(run["posterior"].to_dataset()),
        log_likelihood=_to_netcdf(run["log_likelihood"].to_dataset()),
        log_z=tuple(float(v) for v in z), remedy=remedy,
        caught=tuple((w.category.__name__, str(w.message), w.filename, w.lineno)
                     for w in caught),
        seconds=time.perf_counter() - start)


def _fit_block_or_error(task: BlockTask) -> BlockResult | str:
    """:func:`fit_block`, with a failure returned as text (so one block cannot hide the
    others' results or failures)."""
    try:
        return fit_block(task)
    except Exception as exc:  # reported by name by run_blocks
        tail = traceback.format_exception_only(exc)[-1].strip()
        return f"{tail}\n{''.join(traceback.format_tb(exc.__traceback__)[-3:])}"


def run_blocks(tasks: Sequence[BlockTask], *, n_jobs: int | None = None,
               client: Any = None, progress: bool = False) -> list[BlockResult]:
    """Fit every task's block, in this process, on local worker processes or on Dask.

    Parameters
    ----------
    tasks : sequence of BlockTask
    n_jobs : int, optional
        Local worker processes (joblib's loky backend); ``1`` runs in this process.
        Default :func:`default_jobs`. Ignored with ``client``.
    client : distributed.Client, optional
        Run the blocks on this Dask cluster (one task per block). The scheduler resubmits
        the blocks of a worker that died (``distributed.scheduler.allowed-failures``).
    progress : bool
        One line on stderr counting finished blocks.

    Returns
    -------
    list of BlockResult
        In the order of ``tasks`` (whatever order they finished in).

    Raises
    ------
    BlockFitError
        After every block has run, if any failed: names each failed block and its error.
    """
    tasks = list(tasks)
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int)
                               or n_jobs < 1):
        raise ModelConfigError(f"n_jobs must be a positive integer, got {n_jobs!r}")
    if client is not None and not callable(getattr(client, "submit", None)):
        raise ModelConfigError(f"client must be a distributed.Client, got {client!r}")
    jobs = n_jobs or default_jobs()
    report = _Progress(len(tasks)) if progress else None
    if client is not None:
        outcomes = _run_dask(tasks, client, report)
    elif jobs == 1 or len(tasks) <= 1:
        outcomes = _run_serial(tasks, report)
    else:
        outcomes = _run_loky(tasks, min(jobs, len(tasks)), report)
    if report is not None:
        report.close()
    failed = [f"{tasks[k].name}: {outcome}" for k, outcome in enumerate(outcomes)
              if not isinstance(outcome, BlockResult)]
    if failed:
        raise BlockFitError(failed)
    return [o for o in outcomes if isinstance(o, BlockResult)]


class _Progress:
    """``SMC blocks: k/n`` on stderr, rewritten in place."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.start = total, 0, time.perf_counter()
        self._show("")

    def step(self, name: str) -> None:
        self.done += 1
        self._show(name)

    def _show(self, name: str) -> None:
        seconds = time.perf_counter() - self.start
        sys.stderr.write(f"\rSMC blocks: {self.done}/{self.total} done ({seconds:.0f} s)"
                         f"{'; last: ' + name if name else ''}\x1b[K")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()


def _run_serial(tasks: list[BlockTask], report: _Progress | None) -> list[BlockResult | str]:
    out: list[BlockResult | str] = []
    for task in tasks:
        out.append(_fit_block_or_error(task))
        _step(report, task)
    return out


def _run_loky(tasks: list[BlockTask], jobs: int,
              report: _Progress | None) -> list[BlockResult | str]:
    from joblib import Parallel, delayed

    out: list[BlockResult | str | None] = [None] * len(tasks)
    parallel = Parallel(n_jobs=jobs, backend="loky", return_as="generator_unordered")
    indexed = parallel(delayed(_indexed)(k, task) for k, task in enumerate(tasks))
    lost = "no result came back"
    try:
        for k, outcome in indexed:
            out[k] = outcome
            _step(report, tasks[k])
    except Exception as exc:  # a worker process died (loky does not retry): name the rest
        lost = (f"not finished: a local worker process failed ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else ''}); on a Dask cluster the "
                "scheduler would rerun it")
    return [o if o is not None else lost for o in out]


def _indexed(k: int, task: BlockTask) -> tuple[int, BlockResult | str]:
    return k, _fit_block_or_error(task)


def _run_dask(tasks: list[BlockTask], client: Any,
              report: _Progress | None) -> list[BlockResult | str]:
    from distributed import as_completed

    run = uuid.uuid4().hex[:8]
    futures = {client.submit(_fit_block_or_error, task, key=f"smc-block-{run}-{k}",
                             pure=False): k for k, task in enumerate(tasks)}
    out: list[BlockResult | str | None] = [None] * len(tasks)
    for future in as_completed(futures):
        k = futures[future]
        try:
            out[k] = future.result()
        except Exception as exc:  # e.g. KilledWorker after the allowed retries
            out[k] = f"{type(exc).__name__}: {exc}"
        _step(report, tasks[k])
    return [o if o is not None else "no result came back" for o in out]


def _step(report: _Progress | None, task: BlockTask) -> None:
    if report is not None:
        report.step(task.name)


def _to_netcdf(ds: xr.Dataset) -> bytes:
    ds = ds.copy()
    ds.attrs = {k: (v if isinstance(v, str | int | float) else json.dumps(v, default=str))
                for k, v in ds.attrs.items()}
    with _local_io():
        return bytes(ds.to_netcdf(engine="h5netcdf"))


def _from_netcdf(data: bytes) -> xr.Dataset:
    with _local_io():
        return xr.load_dataset(io.BytesIO(data), engine="h5netcdf")


@contextlib.contextmanager
def _local_io() -> Iterator[None]:
    """In-memory NetCDF with a local lock: under a Dask client xarray would take a
    cluster-wide lock named after the file, which an in-memory buffer does not have."""
    try:
        import dask
    except ImportError:
        yield
        return
    with dask.config.set(scheduler="synchronous"):
        yield


@contextlib.contextmanager
def _quiet_pymc() -> Iterator[None]:
    """Silence PyMC's per-run SMC progress messages (INFO) for the duration."""
    pymc_logger = logging.getLogger("pymc")
    level = pymc_logger.level
    pymc_logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        pymc_logger.setLevel(level)


def _final_log_evidence(values: xr.DataArray) -> np.ndarray:
    """Each chain's final log marginal likelihood (SMC stores one value per stage)."""
    out = []
    for row in values.values:
        stages = np.asarray(row, dtype=float).ravel()
        finite = stages[np.isfinite(stages)]
        out.append(finite[-1] if finite.size else np.nan)
    return np.asarray(out, dtype=float)


def chain_evidence_se(log_z: np.ndarray, axis: int = 0) -> np.ndarray:
    """Monte Carlo standard error (nats) of the log of the mean of independent evidence
    estimates, from each run's log evidence ``log_z`` (delta method on the mean of
    ``exp(log_z)``)."""
    z = np.asarray(log_z, dtype=float)
    w = np.exp(z - z.max(axis=axis, keepdims=True))
    return w.std(axis=axis, ddof=1) / (np.sqrt(z.shape[axis]) * w.mean(axis=axis))


def pooled_log_evidence(log_z: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The log of the mean of independent evidence estimates (each run's log evidence
    ``log_z`` along ``axis``) and its Monte Carlo error (:func:`chain_evidence_se`)."""
    z = np.asarray(log_z, dtype=float)
    return logsumexp(z, axis=axis) - np.log(z.shape[axis]), chain_evidence_se(z, axis=axis)


def _block_checks(posterior: xr.Dataset, log_z: np.ndarray, cfg: Any,
                  max_se: float) -> dict[str, float]:
    """Each check of one block's SMC run as a ratio to its limit (above 1 fails): the
    Monte Carlo error of its log evidence, the largest R-hat and the smallest bulk ESS of
    its parameters (scaled to the ``cfg.draws`` particles kept per chain), with the
    limits of :func:`~bayes_scaling.diagnostics.check_fit`."""
    def extreme(ds: xr.Dataset, fn: Any, empty: float) -> float:
        values = np.concatenate([np.ravel(ds[v].values) for v in ds.data_vars] or [[]])
        values = values[np.isfinite(values)]
        return float(fn(values)) if values.size else empty

    kept = cfg.draws / posterior.sizes[dims.DRAW]
    rhat = extreme(az.rhat(posterior), np.max, np.inf)
    ess = extreme(az.ess(posterior, method="bulk"), np.min, 0.0) * kept
    se = float(chain_evidence_se(log_z))
    return {"evidence_se": se / max_se if np.isfinite(se) else np.inf,
            "rhat": (rhat - 1.0) / (RHAT_MAX - 1.0),
            "ess": ESS_PER_CHAIN_MIN * cfg.chains / max(ess, 1e-9)}


def _smc_badness(checks: dict[str, float]) -> tuple[int, float]:
    """Sort key of SMC attempts, smaller is better: checks failed, then the worst ratio
    of a check to its limit."""
    return (sum(v > 1.0 for v in checks.values()), max(checks.values()))


def _resample_particles(run: xr.DataTree, draws: int, *, seed: int) -> xr.DataTree:
    """The run with ``draws`` of its particles per chain, drawn without replacement (the
    particles of a final SMC stage are equally weighted, so any subset is a sample of
    the same posterior)."""
    post = run["posterior"].to_dataset()
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(post.sizes[dims.DRAW], size=draws, replace=False))
    run["posterior"] = xr.DataTree(
        post.isel({dims.DRAW: keep}).assign_coords({dims.DRAW: np.arange(draws)}))
    return run
