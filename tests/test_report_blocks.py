"""Where a report's SMC blocks run: ``--jobs`` / ``--scheduler`` reach the comparison and
the hypotheses (issue 15: ``report --scheduler``). Sampling is stubbed out: what is
checked is the plumbing from the command line to ``compare_forms``/``test_hypothesis``."""

from __future__ import annotations

import contextlib

import pandas as pd
import pytest

from bayes_scaling import cli
from bayes_scaling.errors import BayesScalingError
from bayes_scaling.models import SMCConfig
from bayes_scaling.models import blocks as blocks_module
from bayes_scaling.models.blocks import BlockRunner
from bayes_scaling.report import analyses
from bayes_scaling.simulate import simulate_learning_curves


class Stop(BayesScalingError):
    """Raised where the report would start fitting."""


class FakeClient:
    def scheduler_info(self) -> dict:
        return {"workers": {"w1": {}, "w2": {}}}


@pytest.fixture
def seen(monkeypatch):
    """Record the ``blocks`` that reach the report and the demo, and the Dask requests."""
    record: dict = {"dask": []}

    @contextlib.contextmanager
    def fake_dask(scheduler, *, n_workers=None, timeout=20.0):
        record["dask"].append((scheduler, n_workers))
        yield FakeClient()

    def fake_build(*args, blocks=None, **kwargs):
        record["blocks"] = blocks
        raise Stop("stopped before fitting")

    import bayes_scaling.report as report_package
    import bayes_scaling.report.demo as demo_module

    monkeypatch.setattr(blocks_module, "dask_client", fake_dask)
    monkeypatch.setattr(report_package, "build_report", fake_build)
    monkeypatch.setattr(demo_module, "build_report", fake_build)
    return record


@pytest.mark.parametrize("command", [["report", "mlp-learning-curves", "--out", "r"],
                                     ["demo", "--out", "r"]])
def test_scheduler_reaches_the_report(seen, command, capsys):
    assert cli.main([*command, "--scheduler", "local", "--jobs", "2"]) == cli.EXIT_ERROR
    assert "stopped before fitting" in capsys.readouterr().err
    assert seen["dask"] == [("local", 2)]
    assert isinstance(seen["blocks"].client, FakeClient) and seen["blocks"].progress


@pytest.mark.parametrize("command", [["report", "mlp-learning-curves", "--out", "r"],
                                     ["demo", "--out", "r"]])
def test_jobs_without_scheduler_are_local_processes(seen, command):
    assert cli.main([*command, "--jobs", "1"]) == cli.EXIT_ERROR
    assert seen["dask"] == []
    assert seen["blocks"] == BlockRunner(n_jobs=1, progress=True)


def test_bad_jobs_is_refused_before_anything_runs(seen, capsys):
    assert cli.main(["report", "mlp-learning-curves", "--out", "r", "--jobs", "0"]) == \
        cli.EXIT_ERROR
    assert "--jobs must be a positive integer, got 0" in capsys.readouterr().err
    assert "blocks" not in seen


def test_hypotheses_run_their_blocks_where_asked(monkeypatch):
    calls = []

    class Result:
        problems: tuple = ()
        hypothesis = type("H", (), {"h1": "a", "h0": "b"})()
        by_domain = pd.DataFrame()
        comparison = None

    def fake_test(name, data, **kwargs):
        calls.append((name, kwargs))
        return Result()

    import bayes_scaling.comparison.hypotheses as hypotheses_module

    monkeypatch.setattr(hypotheses_module, "test_hypothesis", fake_test)
    monkeypatch.setattr(analyses, "_figure", lambda *args, **kwargs: None)
    data = simulate_learning_curves(n_domains=1, curves_per_domain=2, seed=1).frame
    found = analyses.Findings("learning-curve", "test")
    client = FakeClient()
    analyses._hypotheses(found, data, ["irreducible-error"], SMCConfig(),
                         BlockRunner(client=client, n_jobs=3))
    (name, kwargs), = calls
    assert name == "irreducible-error"
    assert kwargs["client"] is client and kwargs["n_jobs"] == 3
    analyses._hypotheses(found, data, ["irreducible-error"], SMCConfig())
    assert calls[-1][1]["client"] is None and calls[-1][1]["n_jobs"] is None
