"""The documentation stays true to the public API.

The public API is what the modules in :data:`PUBLIC_MODULES` export in ``__all__`` (the
pages of ``docs/api/``). Every public name has a docstring (data: a ``#:`` comment where it
is defined), appears in the API reference sources, and has a runnable example; every
example in those docstrings runs here as a doctest.

Doctests fit small models. Fits with the same data, settings and seed give identical
draws (``tests/test_determinism.py``), so within this module a fit (NUTS or SMC) already
made with the same model id and settings is reused instead of being sampled again; the
examples read exactly as they run. Their sampler settings are small, so the package's own
warnings about them (``FitDiagnosticsWarning``, ``IdentificationWarning``,
``ComparisonWarning``) are recorded and allowed; any other warning fails the test.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import re
import warnings
from dataclasses import asdict
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from _paths import MIRROR

from bayes_scaling.errors import ComparisonWarning, FitDiagnosticsWarning, IdentificationWarning

ROOT = Path(__file__).resolve().parents[1]
API = ROOT / "docs" / "api"

#: The public modules, in the order of the API reference (docs/api/index.md).
PUBLIC_MODULES = [
    "bayes_scaling",
    "bayes_scaling.datasets",
    "bayes_scaling.models",
    "bayes_scaling.prior_sets",
    "bayes_scaling.diagnostics",
    "bayes_scaling.identification",
    "bayes_scaling.projection",
    "bayes_scaling.compute_projection",
    "bayes_scaling.fit_projection",
    "bayes_scaling.allocation",
    "bayes_scaling.comparison",
    "bayes_scaling.comparison.hypotheses",
    "bayes_scaling.prediction",
    "bayes_scaling.design",
    "bayes_scaling.plotting",
    "bayes_scaling.figures",
    "bayes_scaling.io",
    "bayes_scaling.report",
    "bayes_scaling.curves",
    "bayes_scaling.simulate",
]

#: Public names without a runnable example, each with the reason (none left).
NO_EXAMPLE: dict[str, str] = {}


def _page(module: str) -> Path:
    name = module.removeprefix("bayes_scaling.") if module != "bayes_scaling" else "package"
    return API / f"{name}.rst"


def _public_names() -> list[tuple[str, str]]:
    return [(module, name) for module in PUBLIC_MODULES
            for name in importlib.import_module(module).__all__]


PUBLIC_NAMES = _public_names()


def _is_documented_object(obj: object) -> bool:
    return inspect.isclass(obj) or inspect.isfunction(obj)


def _own_docstring(obj: object) -> str:
    """The object's own docstring (not a dataclass's generated signature or a parent's)."""
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__
    if not doc or (inspect.isclass(obj) and doc.startswith(f"{obj.__name__}(")):
        return ""
    return inspect.cleandoc(doc)


def _attribute_comment(name: str) -> str:
    """The ``#:`` comment above the module-level definition of ``name`` in the package."""
    for path in sorted((ROOT / "bayes_scaling").rglob("*.py")):
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            if re.match(rf"{re.escape(name)}\s*(:[^=]*)?=", line):
                comment = []
                j = i - 1
                while j >= 0 and lines[j].startswith("#:"):
                    comment.insert(0, lines[j][2:].strip())
                    j -= 1
                return " ".join(comment)
    return ""


def _example_lines(doc: str) -> list[str]:
    """The doctest source lines that run (``+SKIP`` lines do not)."""
    return [line for line in doc.splitlines()
            if line.strip().startswith(">>>") and "doctest: +SKIP" not in line]


def test_api_index_lists_every_public_module():
    index = (API / "index.md").read_text()
    for module in PUBLIC_MODULES:
        page = _page(module)
        assert page.is_file(), f"no API page {page.name} for {module}"
        assert re.search(rf"^{re.escape(page.stem)}$", index, flags=re.M), page.stem
    pages = {p.stem for p in API.glob("*.rst")}
    assert pages == {_page(m).stem for m in PUBLIC_MODULES}, "API pages of non-public modules"


@pytest.mark.parametrize(("module", "name"), PUBLIC_NAMES, ids=lambda v: v)
def test_public_name_has_a_docstring(module, name):
    obj = getattr(importlib.import_module(module), name)
    if _is_documented_object(obj):
        assert _own_docstring(obj), f"{module}.{name} has no docstring"
    else:
        assert _attribute_comment(name), f"{module}.{name}: no '#:' comment at its definition"


@pytest.mark.parametrize(("module", "name"), PUBLIC_NAMES, ids=lambda v: v)
def test_public_name_is_in_the_api_reference(module, name):
    source = _page(module).read_text()
    pattern = rf"^\.\. auto(class|function|exception|data):: ([\w.]+\.)?{re.escape(name)}$"
    assert re.search(pattern, source, flags=re.M), f"{name} missing from {_page(module).name}"


@pytest.mark.parametrize(("module", "name"), PUBLIC_NAMES, ids=lambda v: v)
def test_public_name_has_a_runnable_example(module, name):
    if f"{module}.{name}" in NO_EXAMPLE:
        pytest.skip(NO_EXAMPLE[f"{module}.{name}"])
    mod = importlib.import_module(module)
    obj = getattr(mod, name)
    if _is_documented_object(obj):
        assert _example_lines(_own_docstring(obj)), f"{module}.{name}: no runnable example"
    else:
        # data: used in a runnable example of its module (the module docstring or a name's)
        docs = [mod.__doc__ or ""] + [_own_docstring(getattr(mod, n)) for n in mod.__all__
                                      if _is_documented_object(getattr(mod, n))]
        used = [line for doc in docs for line in _example_lines(doc) if name in line]
        assert used, f"{module}.{name}: not used in any runnable example of {module}"


def test_exceptions_are_public():
    listed = {f"{m}.{n}" for m, n in PUBLIC_NAMES}
    assert set(NO_EXAMPLE) <= listed


# -- the examples run -----------------------------------------------------------------------

@pytest.fixture
def reused_fits(monkeypatch):
    """Reuse a fit already made with the same model id and sampler settings."""
    from bayes_scaling.models.base import ScalingModel
    from bayes_scaling.models.form import CurveFormModel

    sample, smc = ScalingModel._sample, CurveFormModel.fit_smc
    cache = _FIT_CACHE

    def cached_sample(self, cfg):
        key = ("nuts", self.model_id(), repr(asdict(cfg)))
        if key not in cache:
            cache[key] = sample(self, cfg)
        return cache[key].copy(deep=True)

    def cached_smc(self, *args, **kwargs):
        key = ("smc", self.model_id(), repr(args), repr(sorted(kwargs.items())))
        if key not in cache:
            cache[key] = smc(self, *args, **kwargs)
        return cache[key].copy(deep=True)

    monkeypatch.setattr(ScalingModel, "_sample", cached_sample)
    monkeypatch.setattr(CurveFormModel, "fit_smc", cached_smc)
    return cache


_FIT_CACHE: dict[tuple, object] = {}
ALLOWED = (FitDiagnosticsWarning, IdentificationWarning, ComparisonWarning)
#: Modules whose examples read public tables (the offline mirror, as the other tests).
NEEDS_MIRROR = {"bayes_scaling.datasets", "bayes_scaling.models",
                "bayes_scaling.compute_projection", "bayes_scaling.fit_projection",
                "bayes_scaling.allocation",
                "bayes_scaling.plotting"}


def _doctests(module: str) -> list[doctest.DocTest]:
    mod = importlib.import_module(module)
    # the module docstring, then each public name's (a class's with its methods'), each run
    # with the globals of the module that defines it, as pytest --doctest-modules would
    tests = doctest.DocTestFinder(recurse=False).find(mod, module)
    finder = doctest.DocTestFinder(exclude_empty=True)
    for name in mod.__all__:
        obj = getattr(mod, name)
        if _is_documented_object(obj):
            tests += finder.find(obj, f"{module}.{name}", module=inspect.getmodule(obj))
    return [t for t in tests if t.examples]


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_docstring_examples_run(module, reused_fits, monkeypatch, tmp_path):
    if module in NEEDS_MIRROR and not MIRROR.is_dir():
        pytest.skip(f"offline data mirror {MIRROR} is absent")
    if MIRROR.is_dir():
        monkeypatch.setenv("BAYES_SCALING_DATA_MIRROR", str(MIRROR))
    monkeypatch.setenv("BAYES_SCALING_CACHE", str(tmp_path / "cache"))
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failures: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i, test in enumerate(_doctests(module)):
            workdir = tmp_path / str(i)  # each docstring's files in a folder of its own
            workdir.mkdir()
            monkeypatch.chdir(workdir)
            out: list[str] = []
            result = runner.run(test, out=out.append)
            if result.failed:
                failures.append("".join(out))
            plt.close("all")
    assert not failures, "\n".join(failures)
    unexpected = [f"{w.category.__name__}: {w.message}" for w in caught
                  if not issubclass(w.category, ALLOWED)]
    assert not unexpected, unexpected
