"""Notebooks execute end to end (quick sampler settings via BAYES_SCALING_QUICK=1)."""

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
