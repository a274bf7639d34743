"""Notebooks execute end to end (quick sampler settings via BAYES_SCALING_QUICK=1).

CI executes them once, in the documentation build (`make docs`: the gallery runs every
notebook with the same quick settings and fails on an error); `make notebooks` runs them
here, without building the site. The checks that need no kernel are in the default tier.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _paths import MIRROR

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_notebook_names_are_lower_case_hyphenated():
    assert NOTEBOOKS, "no notebooks found"
    for path in NOTEBOOKS:
        assert path.stem == path.stem.lower() and " " not in path.stem and "_" not in path.stem


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path):
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") and cell.get("execution_count") is None
               for cell in notebook.cells if cell.cell_type == "code"), (
        f"{path.name} is committed with outputs; clear them")


def test_every_notebook_is_in_the_gallery():
    gallery = (Path(__file__).resolve().parents[1] / "docs" / "gallery" / "index.md").read_text()
    for path in NOTEBOOKS:
        assert f"notebooks/{path.stem}\n" in gallery, f"{path.name} missing from the gallery"


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path, monkeypatch, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("BAYES_SCALING_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    if MIRROR.is_dir():  # notebooks on public tables read them from the offline mirror
        monkeypatch.setenv("BAYES_SCALING_DATA_MIRROR", str(MIRROR))
    notebook = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), (
        f"{path.name} is committed with outputs; clear them")
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env={**os.environ})
    errors = [o for c in notebook.cells for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
