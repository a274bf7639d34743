"""One model registry: each ``model_type`` name is written once, in ``model_types.py``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import bayes_scaling
from bayes_scaling import model_types
from bayes_scaling.model_types import DIAGNOSTIC_VARS, MODEL_TYPE_NAMES
from bayes_scaling.models import MODELS

PACKAGE = Path(bayes_scaling.__file__).parent
#: Where a model type's name may be written: the registry, and the model classes (which
#: take theirs from it; a class not yet converted keeps its literal until it is).
ALLOWED = ("model_types.py", "models/")
NAME = re.compile(r"\b(" + "|".join(map(re.escape, MODEL_TYPE_NAMES)) + r")\b")


def _docstrings(tree: ast.AST) -> set[int]:
    """Ids of the string constants that are docstrings: every bare string statement (module,
    class and function docstrings, and attribute docstrings after an assignment)."""
    return {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)}


def _literals_naming_a_model_type(source: str) -> list[tuple[int, str]]:
    """(line, value) of the string constants, docstrings aside, that contain a model type's
    name as a word."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in skip and NAME.search(node.value)]


def test_no_model_type_literal_outside_the_registry():
    """Outside the registry and the models, code names a model type by its constant (f-string
    parts count: an error message interpolates the constant); docstrings may show the
    values to users."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.as_posix().startswith(ALLOWED) or "_data" in relative.parts:
            continue
        offenders += [f"{relative}:{line}: {value!r}"
                      for line, value in _literals_naming_a_model_type(path.read_text())]
    assert offenders == []


def test_the_scan_sees_literals_and_skips_docstrings():
    source = ('"""About joint_scaling fits."""\n'
              'X = {"joint_scaling": 1}\n'
              '"""The table (an attribute docstring naming compute_scaling)."""\n'
              'def f(t):\n'
              '    """A compute_scaling fit."""\n'
              '    return f"needs a curve_form fit, got {t}", "plot_compute_scaling"\n')
    assert _literals_naming_a_model_type(source) == [
        (2, "joint_scaling"), (6, "needs a curve_form fit, got ")]


def test_every_model_class_takes_its_name_from_the_registry():
    assert sorted(MODELS) == sorted(MODEL_TYPE_NAMES)
    constants = {value for name, value in vars(model_types).items()
                 if name.isupper() and isinstance(value, str)}
    assert constants == set(MODEL_TYPE_NAMES)
    assert set(DIAGNOSTIC_VARS) <= set(MODEL_TYPE_NAMES)
