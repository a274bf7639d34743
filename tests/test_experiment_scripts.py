"""The measuring scripts of ``datasets/experiments`` and their shared ``_protocol`` (no runs)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

EXPERIMENTS = Path(__file__).resolve().parents[1] / "datasets/experiments"
SCRIPTS = ("mlp_learning_curves", "dense_learning_curves")


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXPERIMENTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_loads_from_outside_its_folder_and_uses_the_shared_protocol(name):
    script = _load(name)
    assert EXPERIMENTS.parents[1] / script.SCRIPT == EXPERIMENTS / f"{name}.py"
    assert script.protocol.__file__ == str(EXPERIMENTS / "_protocol.py")
    assert script.geometric_sizes is script.protocol.geometric_sizes


@pytest.mark.parametrize("name", SCRIPTS)
def test_quick_mode_needs_an_out_folder_other_than_the_shipped_one(name, tmp_path):
    script = _load(name)
    args = script.parse_args(["--quick", "--out", str(tmp_path), "--jobs", "1"])
    assert (args.out, args.jobs, args.quick) == (tmp_path, 1, True)
    assert script.parse_args([]).out == script.DEFAULT_OUT
    for argv in (["--quick"], ["--quick", "--out", str(script.DEFAULT_OUT)], ["--jobs", "0"]):
        with pytest.raises(SystemExit):
            script.parse_args(argv)


def test_stratified_order_is_a_nested_class_balanced_permutation():
    protocol = _load("mlp_learning_curves").protocol
    y = np.repeat(np.arange(10), [30, 25, 20, 20, 20, 20, 20, 20, 20, 5])
    order = protocol.stratified_order(y, seed=0, salt=1)
    assert sorted(order.tolist()) == list(range(len(y)))
    assert set(y[order[:10]]) == set(range(10))
    assert np.array_equal(order, protocol.stratified_order(y, seed=0, salt=1))
    assert not np.array_equal(order, protocol.stratified_order(y, seed=0, salt=2))
