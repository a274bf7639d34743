"""ARCHITECTURE.md stays true: modules listed exist, plot contract holds, resources ship."""

from __future__ import annotations

import importlib
import inspect
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import bayes_scaling
from bayes_scaling import plotting
from bayes_scaling._resources import resource_dir

ROOT = Path(__file__).resolve().parents[1]


def _listed_modules() -> list[str]:
    text = (ROOT / "ARCHITECTURE.md").read_text()
    return re.findall(r"^\| `(bayes_scaling/[^`]+)` \|", text, flags=re.M)


def test_every_listed_module_exists_and_imports():
    listed = _listed_modules()
    assert len(listed) >= 15
    for entry in listed:
        name = entry.rstrip("/").removesuffix(".py").replace("/", ".")
        importlib.import_module(name)


def test_every_module_is_listed():
    listed = {e.rstrip("/").removesuffix(".py") for e in _listed_modules()}
    package = Path(bayes_scaling.__file__).parent
    for path in package.glob("*.py"):
        if path.name.startswith("_"):
            continue
        assert f"bayes_scaling/{path.stem}" in listed, f"{path.name} missing from ARCHITECTURE.md"
    for sub in package.iterdir():
        if sub.is_dir() and (sub / "__init__.py").exists():
            assert f"bayes_scaling/{sub.name}" in listed or any(
                e.startswith(f"bayes_scaling/{sub.name}/") for e in listed), sub.name


@pytest.mark.parametrize("name", plotting.__all__)
def test_plot_contract(name):
    func = getattr(plotting, name)
    params = list(inspect.signature(func).parameters.values())
    # the curve plots take the fit (their bands are computed from it); the others the
    # computed object they draw: the comparison result, the ranked candidates, the
    # projection table, the degree posterior
    first = {"plot_model_comparison": "comparison", "plot_design": "design",
             "plot_projection_forest": "table", "plot_degree": "degree"}
    assert params[0].name == first.get(name, "fit")
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:])
    assert "plt.show" not in inspect.getsource(func)


def test_packaged_resources_are_found():
    priors = resource_dir("priors")
    assert (priors / "hierarchical_learning_curve.yaml").is_file()
    assert (priors / "targets.yaml").is_file()
    assert (resource_dir("datasets") / "registry.yaml").is_file()
    # the report's page template ships inside the package (jinja2.PackageLoader)
    import bayes_scaling.report

    templates = Path(bayes_scaling.report.__file__).parent / "templates"
    assert (templates / "report.md.j2").is_file()
    if "site-packages" in bayes_scaling.__file__:
        # a non-editable install must carry its own copies inside the package
        assert priors.parent.name == "_data"


def test_no_pickle_or_unsafe_yaml_in_package():
    package = Path(bayes_scaling.__file__).parent
    for path in package.rglob("*.py"):
        source = path.read_text()
        assert "import pickle" not in source, path
        assert not re.search(r"yaml\.load\(", source), path


def test_only_the_cli_chooses_a_matplotlib_backend():
    """Library code never calls ``matplotlib.use``: from a notebook that would switch the
    user's backend. The CLI, a program of its own, may (it draws headless)."""
    package = Path(bayes_scaling.__file__).parent
    offenders = [str(path.relative_to(package)) for path in package.rglob("*.py")
                 if path.name != "cli.py" and re.search(r"\bmatplotlib\.use\(",
                                                         path.read_text())]
    assert offenders == []


#: Extras the library itself imports (lazily, with an error naming the extra when missing).
LIBRARY_EXTRAS = ("dask",)


def _declared_distributions() -> set[str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = [*project["dependencies"],
             *(s for extra in LIBRARY_EXTRAS for s in project["optional-dependencies"][extra])]
    names = [re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0] for spec in specs]
    return {name.lower().replace("_", "-") for name in names}


def test_every_imported_package_is_declared():
    """Each third-party package the library imports is a declared dependency (a clean
    install has it), not only present here as some other package's dependency."""
    import ast
    import sys
    from importlib.metadata import packages_distributions

    distributions = packages_distributions()
    package = Path(bayes_scaling.__file__).parent
    imported: set[str] = set()
    for path in package.rglob("*.py"):
        if "_data" in path.relative_to(package).parts:
            continue  # shipped dataset scripts (datasets/experiments: the experiments extra)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"bayes_scaling"}
    declared = _declared_distributions()
    undeclared = {module: distributions.get(module) for module in third_party
                  if not {d.lower().replace("_", "-") for d in distributions.get(module, [])}
                  & declared}
    assert undeclared == {}


def test_import_layers_hold():
    """The import-layer contracts of ``pyproject.toml`` ([tool.importlinter]): cli above the
    report, the report above plotting, plotting above the analysis modules, those above
    the models, the models above data, curves and priors; plotting never imports the
    models, projections or fits directly. Checked by import-linter on the source tree."""
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is not installed (the test extra declares it)"
    result = subprocess.run([lint_imports, "--no-cache", str(ROOT / "pyproject.toml")],
                            cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_glossary_names_every_model_as_the_code_does():
    """ARCHITECTURE.md's table of model names (CLI kind, model_type, class) is the code's."""
    from bayes_scaling.models import MODELS
    from bayes_scaling.models.kinds import MODEL_KINDS

    text = (ROOT / "ARCHITECTURE.md").read_text()
    rows = re.findall(r"^\| ([^|]+?) \| `([a-z_]+)` \| `([A-Za-z]+)` \|$", text, flags=re.M)
    listed = {model_type: cls for _, model_type, cls in rows}
    assert listed == {name: cls.__name__ for name, cls in MODELS.items()}
    kinds = {kind.strip("`"): cls for kind, _, cls in rows if not kind.startswith("(")}
    assert kinds == {kind: cls.__name__ for kind, cls in MODEL_KINDS.items()}
