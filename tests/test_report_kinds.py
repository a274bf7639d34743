"""One report-kind registry: each report kind is defined once, in ``report/kinds.py``.

The rule the scan enforces: in ``bayes_scaling/report/*.py`` and ``bayes_scaling/cli.py``,
outside ``report/kinds.py``, no string constant is *exactly* a report kind's name
(``"learning-curve"``, ``"compute-scaling"``, ``"joint"``); code names a kind by its
constant (``LEARNING_CURVE_REPORT``, ...). A string that merely contains the name
(``"learning-curves"``, ``"joint law"``, help texts) is not a kind, nor are docstrings
(examples show users the values). One exception: the value of a module-level constant
whose name ends in ``_FIT`` is a fit's name in the report folder (``JOINT_FIT = "joint"``
-> ``fits/joint.nc``), a file name that happens to equal the kind's name.
"""

from __future__ import annotations

import argparse
import ast
import inspect
from pathlib import Path

import pandas as pd
import pytest
from _paths import MIRROR, needs_mirror
from test_model_types import _docstrings

import bayes_scaling
from bayes_scaling.cli import _build_parser
from bayes_scaling.data import ScalingData
from bayes_scaling.datasets import resolve_table
from bayes_scaling.errors import ModelConfigError
from bayes_scaling.models import SamplerConfig, SMCConfig
from bayes_scaling.models.kinds import DEFAULT_MODEL_KIND, MODEL_KINDS
from bayes_scaling.report import analyses
from bayes_scaling.report.inputs import KIND_SIZES
from bayes_scaling.report.kinds import (
    REPORT_KIND_REGISTRY,
    REPORT_KINDS,
    choose_kind,
    default_targets,
)

PACKAGE = Path(bayes_scaling.__file__).parent
#: Where a kind's name may be written as a string (the registry defines it; the model
#: classes' ``cli_kind`` is where the value itself comes from).
ALLOWED = ("report/kinds.py",)
SCANNED = [*sorted((PACKAGE / "report").glob("*.py")), PACKAGE / "cli.py"]


def _fit_name_constants(tree: ast.Module) -> set[int]:
    """Ids of the values of module-level ``*_FIT = "..."`` constants (fit names)."""
    ids = set()
    for node in tree.body:
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) else [])
        if (any(isinstance(t, ast.Name) and t.id.endswith("_FIT") for t in targets)
                and isinstance(node.value, ast.Constant)):
            ids.add(id(node.value))
    return ids


def _report_kind_literals(source: str) -> list[tuple[int, str]]:
    """(line, value) of the string constants that are exactly a report kind's name,
    docstrings and fit-name constants aside."""
    tree = ast.parse(source)
    skip = _docstrings(tree) | _fit_name_constants(tree)
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in skip and node.value in REPORT_KINDS]


def test_no_report_kind_literal_outside_the_registry():
    """The report modules and the CLI name a report kind by its constant (see the module
    docstring for the rule)."""
    offenders = []
    for path in SCANNED:
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in ALLOWED:
            continue
        offenders += [f"{relative}:{line}: {value!r}"
                      for line, value in _report_kind_literals(path.read_text())]
    assert offenders == []


def test_the_kind_scan_sees_literals_and_skips_docstrings_and_fit_names():
    source = ('"""The joint report."""\n'
              'KIND = "joint"\n'
              'JOINT_FIT = "joint"\n'
              'HELP: str = "learning-curves over joint law"\n'
              'def f(kind):\n'
              '    """``compute-scaling`` tables."""\n'
              '    found = {"learning-curve": 1}\n'
              '    return kind == "compute-scaling", f"{kind}" + "joint"\n')
    assert _report_kind_literals(source) == [
        (2, "joint"), (7, "learning-curve"), (8, "compute-scaling"), (8, "joint")]


def test_the_registry_is_the_report_kinds():
    assert REPORT_KINDS == ("learning-curve", "compute-scaling", "joint")  # the CLI's order
    assert analyses.REPORT_KINDS is REPORT_KINDS
    for name, kind in REPORT_KIND_REGISTRY.items():
        assert kind.name == name
        # a report kind is named after its main model's CLI kind and reads CSVs its way
        assert kind.main_model is MODEL_KINDS[name]
        assert kind.size_column == MODEL_KINDS[name].size_column == KIND_SIZES[name]
        assert analyses.REPORT_MAIN_MODEL[name] == MODEL_KINDS[name].model_type
    assert set(KIND_SIZES) == set(REPORT_KINDS)
    # exactly one kind is chosen when no other matches
    assert [k.name for k in REPORT_KIND_REGISTRY.values() if k.matches is None] == [
        "learning-curve"]


def test_every_kind_has_a_runner_that_run_findings_can_call():
    """Each kind's analysis is in FINDINGS_RUNNERS, and every option its runner takes is
    one that run_findings passes (none is silently left at the runner's default)."""
    assert set(analyses.FINDINGS_RUNNERS) == set(REPORT_KINDS)
    passed = set(inspect.signature(analyses.run_findings).parameters) - {"kind"}
    for runner in analyses.FINDINGS_RUNNERS.values():
        assert set(inspect.signature(runner).parameters) <= passed, runner.__name__


def test_an_unknown_kind_is_refused():
    table = resolve_table("mlp-learning-curves")
    with pytest.raises(ModelConfigError, match=r"unknown report model 'nope'; valid: "
                       r"\['learning-curve', 'compute-scaling', 'joint'\]"):
        analyses.run_findings("nope", table, sampler=SamplerConfig(), smc=SMCConfig(),
                              targets=["x0.5"])
    with pytest.raises(ModelConfigError, match="unknown report model"):
        default_targets("nope", table)


def test_the_cli_offers_the_report_kinds():
    parser = _build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    report = {a.dest: a for a in sub.choices["report"]._actions}
    fit = {a.dest: a for a in sub.choices["fit"]._actions}
    assert report["model"].choices == list(REPORT_KINDS)
    assert report["model"].default is None
    assert fit["model"].default == DEFAULT_MODEL_KIND == "learning-curve"


def test_choose_kind_on_a_learning_curve_table():
    table = resolve_table("mlp-learning-curves")
    assert choose_kind(table) == "learning-curve"
    assert default_targets("learning-curve", table) == ("x0.8", "x0.5")


@needs_mirror
def test_choose_kind_on_a_compute_table():
    table = resolve_table("thompson2020-imagenet", mirror=MIRROR)
    assert choose_kind(table) == "compute-scaling"
    assert default_targets("compute-scaling", table) == ("imagenet-top1-5pct",)


@needs_mirror
def test_choose_kind_on_a_chinchilla_table():
    table = resolve_table("chinchilla-epoch2024", mirror=MIRROR)
    assert choose_kind(table) == "joint"
    assert default_targets("joint", table) == ("x0.95", "x0.9")


def test_choose_kind_on_small_tables():
    """A loss table over model size without a data column, or an error table over model
    size, is not the joint law's; a compute table off ImageNet halves the error."""
    sizes = [1e6, 1e7, 1e8]
    compute = ScalingData.from_frame(pd.DataFrame(
        {"domain": "d", "curve": "c", "compute": [1e15, 1e16, 1e17],
         "error": [0.3, 0.2, 0.15]}), size="compute")
    assert choose_kind(compute) == "compute-scaling"
    assert default_targets("compute-scaling", compute) == ("x0.5",)
    joint = ScalingData.from_frame(pd.DataFrame(
        {"domain": "d", "curve": "c", "params": sizes, "data": [1e9, 1e10, 1e11],
         "loss": [3.0, 2.8, 2.7]}), size="params")
    assert choose_kind(joint) == "joint"
    no_data = ScalingData.from_frame(joint.frame.drop(columns="data"), size="params")
    assert choose_kind(no_data) == "learning-curve"
    error = ScalingData.from_frame(joint.frame.rename(columns={"loss": "error"}).assign(
        error=[0.3, 0.2, 0.1]), size="params")
    assert choose_kind(error) == "learning-curve"
