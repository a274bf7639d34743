"""The embedded ``dense-learning-curves`` dataset and its calibration table (no fitting)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

# the benchmark suite is a folder of scripts in the repository, not part of the package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bayes_scaling.datasets import dataset_info, load_dataset_report
from benchmarks import calibration

NAME = "dense-learning-curves"
MIN_SIZES = 20


@pytest.fixture(scope="module")
def table():
    info = dataset_info(NAME)
    if not info["available"]:
        pytest.skip(f"embedded CSV {info['local_path']} not written yet")
    return calibration.TABLES[NAME]()


def test_dataset_is_registered_tidy_and_loads_without_drops():
    info = dataset_info(NAME)
    if not info["available"]:
        pytest.skip(f"embedded CSV {info['local_path']} not written yet")
    data, report = load_dataset_report(NAME)
    assert data.size == "data" and data.metric == "error"
    assert report.n_dropped == 0 and report.kept_rows == len(data.frame) == info["rows"]
    assert list(data.frame.columns) == ["domain", "curve", "data", "error"]
    assert ((data.frame["error"] > 0) & (data.frame["error"] < 1)).all()


def test_table_has_dense_curves_and_a_one_eighth_split(table):
    assert set(table["split"]) == {"fit", "holdout"}
    assert table["domain"].nunique() >= 2 and table.groupby("domain")["curve"].nunique().min() >= 5
    for _, curve in table.groupby(["domain", "curve"]):
        assert curve["data"].nunique() == len(curve) >= MIN_SIZES
        largest = curve["data"].max()
        fit = curve.loc[curve["split"] == "fit", "data"]
        held = curve.loc[curve["split"] == "holdout", "data"]
        assert fit.nunique() >= 10 and not held.empty and fit.max() < held.min()
        assert (fit <= largest * calibration.DENSE_HOLDOUT_ABOVE).all()
        assert (held > largest * calibration.DENSE_HOLDOUT_ABOVE).all()
        # geometric grid: a roughly constant ratio between consecutive sizes
        ratios = np.diff(np.log(np.sort(curve["data"].to_numpy(float))))
        assert ratios.max() < 2.5 * ratios.min()


def _script():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "datasets/experiments/dense_learning_curves.py"
    spec = importlib.util.spec_from_file_location("dense_learning_curves", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_script_design_and_quick_mode_never_writes_the_shipped_files(tmp_path):
    script = _script()
    for domain in script.FULL.domains:
        assert len(domain.sizes) >= MIN_SIZES and domain.sizes[0] == 10
    assert script.parse_args(["--quick", "--out", str(tmp_path)]).out == tmp_path
    for argv in (["--quick"], ["--quick", "--out", str(script.DEFAULT_OUT)]):
        with pytest.raises(SystemExit):
            script.parse_args(argv)
