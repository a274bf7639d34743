"""Interrupted ``bayes-scaling fit`` runs (Ctrl-C, kill) leave no output and no temp file.

Each test runs the real command in a subprocess (``bayes_scaling.cli.main``, as the
console script does). A small bootstrap only *observes* the run: it prints a marker on
stderr when nutpie starts sampling (or, for the write test, when the fit file is half
written) so the signal lands at a known phase. The three subprocesses are started
together so their model compilations overlap; the write test's run draws from the prior
(``pymc.testing.mock_sample``) instead of compiling and running NUTS.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bayes_scaling.simulate import simulate_learning_curves

MARK_SAMPLING = "@@SAMPLING-STARTED@@"
MARK_WRITING = "@@HALF-WRITTEN@@"
TIMEOUT = 240

BOOTSTRAP = f"""
import signal, sys, time
# Ctrl-C must raise KeyboardInterrupt as in a terminal, even when the test runner was started
# in the background by a non-interactive shell (which makes children inherit SIGINT ignored).
signal.signal(signal.SIGINT, signal.default_int_handler)
import nutpie
_sample = nutpie.sample
def sample(*args, **kwargs):
    print({MARK_SAMPLING!r}, file=sys.stderr, flush=True)
    return _sample(*args, **kwargs)
nutpie.sample = sample
if sys.argv[1] == "stall-write":
    # the write phase is under test: prior draws (pymc's mock_sample) stand in for NUTS
    import pymc, pymc.testing
    pymc.sample = pymc.testing.mock_sample
    import xarray as xr
    def to_netcdf(self, path, *args, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"\\x89HDF\\r\\n\\x1a\\n" + b"half a fit" * 1000)
        print({MARK_WRITING!r}, file=sys.stderr, flush=True)
        time.sleep(600)
    xr.DataTree.to_netcdf = to_netcdf
from bayes_scaling.cli import main
sys.exit(main(sys.argv[2:]))
"""


class Run:
    """A ``bayes-scaling fit`` subprocess whose stderr is collected in the background."""

    def __init__(self, mode: str, data: Path, out: Path, draws: int) -> None:
        args = ["fit", str(data), "--out", str(out), "--draws", str(draws), "--tune", "200",
                "--chains", "2", "--seed", "1", "--no-progress"]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        self.out = out
        self.proc = subprocess.Popen([sys.executable, "-c", BOOTSTRAP, mode, *args],
                                     stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                                     env=env)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        with self.proc.stderr:
            for line in self.proc.stderr:
                self.lines.append(line)

    def wait_for(self, marker: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not any(marker in line for line in self.lines):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                pytest.fail(f"{marker} never seen; stderr: {''.join(self.lines)[-3000:]}")
            time.sleep(0.1)

    def finish(self) -> tuple[int, str]:
        try:
            code = self.proc.wait(timeout=TIMEOUT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        self._reader.join(timeout=10)
        return code, "".join(self.lines)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Start the three interrupted runs at once; each test signals and checks one."""
    root = tmp_path_factory.mktemp("interrupt")
    data = root / "data.csv"
    simulate_learning_curves(n_domains=2, curves_per_domain=2, seed=4).frame.to_csv(
        data, index=False)
    started = {}
    for mode, draws in (("sigint", 200_000), ("sigkill", 200_000), ("stall-write", 50)):
        folder = root / mode
        folder.mkdir()
        started[mode] = Run(mode, data, folder / "fit.nc", draws)
    yield started
    for run in started.values():
        if run.proc.poll() is None:
            run.proc.kill()
            run.proc.wait()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_ctrl_c_mid_sampling_leaves_no_output(runs):
    run = runs["sigint"]
    run.wait_for(MARK_SAMPLING)
    time.sleep(3.0)  # well inside sampling: 200,000 draws take minutes
    run.proc.send_signal(signal.SIGINT)
    code, err = run.finish()
    # nutpie returns the draws made so far on Ctrl-C; the fit refuses that partial run
    assert code == 130, err[-2000:]
    assert "interrupted" in err and "no partial output was written" in err
    assert "Traceback" not in err
    assert _leftovers(run.out.parent) == []


def test_kill_mid_sampling_leaves_no_output(runs):
    run = runs["sigkill"]
    run.wait_for(MARK_SAMPLING)
    time.sleep(3.0)
    run.proc.send_signal(signal.SIGKILL)
    code, _ = run.finish()
    assert code == -signal.SIGKILL
    assert _leftovers(run.out.parent) == []


def test_ctrl_c_while_writing_removes_the_temp_file(runs):
    run = runs["stall-write"]
    run.wait_for(MARK_WRITING)
    partial = [p for p in run.out.parent.iterdir() if p.name.endswith(".partial")]
    assert partial and partial[0].name.startswith(".fit.nc.")  # written beside, not in place
    assert not run.out.exists()
    run.proc.send_signal(signal.SIGINT)
    code, err = run.finish()
    assert code == 130, err[-2000:]
    assert "interrupted" in err
    assert _leftovers(run.out.parent) == []  # neither the fit nor the temp file remain
