"""``bayes-scaling predict FOLDER``: the average over the forms of a saved comparison.

One real but tiny ``compare --save-fits`` (2 forms x 2 curves, SMC 100 particles x 2
chains) per module; the folder is then read back (:func:`load_comparison_fits`) and
predicted from, and copies of it are edited to make each refusal happen.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from _mockfit import mock_fit

from bayes_scaling.cli import EXIT_ERROR, main
from bayes_scaling.comparison import SavedComparison, load_comparison_fits, predict_average
from bayes_scaling.errors import FitFileError, ModelConfigError
from bayes_scaling.io import save_fit
from bayes_scaling.simulate import simulate_form_curves, simulate_learning_curves

FORMS = ("power_law", "exponential")
STATS = ["error_median", "error_lower_0.9", "error_upper_0.9"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict[str, Path]:
    """A comparison folder written by the CLI with its fits, and rows to predict at."""
    root = tmp_path_factory.mktemp("cmp")
    sim = simulate_form_curves("power_law", {"alpha": [0.2, 0.15], "beta": [0.35, 0.3]},
                               n_seeds=1, noise=0.04, seed=3)
    data = root / "table.csv"
    sim.frame.to_csv(data, index=False)
    folder = root / "cmp"
    argv = ["compare", str(data), "--forms", ",".join(FORMS), "--method", "evidence,loo",
            "--draws", "100", "--chains", "2", "--seed", "1", "--jobs", "1",
            "--out", str(folder), "--save-fits"]
    assert main(argv) == 0
    largest = sim.frame.groupby(["domain", "curve"], as_index=False)["data"].max()
    rows = pd.concat([largest, largest.assign(data=largest["data"] * 4)], ignore_index=True)
    rows_csv = root / "rows.csv"
    rows.to_csv(rows_csv, index=False)
    return {"root": root, "folder": folder, "rows": rows_csv}


def _copy(saved: dict[str, Path], tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(saved["folder"], copy)
    return copy


def _edit_meta(folder: Path, edit) -> None:
    path = folder / "comparison.json"
    meta = json.loads(path.read_text())
    edit(meta)
    path.write_text(json.dumps(meta))


def _predict(folder: Path | str, rows: Path, out: Path, *extra: str) -> int:
    return main(["predict", str(folder), "--data", str(rows), "--prob", "0.9", "--seed", "5",
                 "--out", str(out), *extra])


def _expected(saved: dict[str, Path], weighting: str) -> pd.DataFrame:
    loaded = load_comparison_fits(saved["folder"])
    return predict_average(loaded.fits, pd.read_csv(saved["rows"]),
                           weights=loaded.weights[weighting], probs=0.9, seed=5)


def test_the_folder_is_read_back_with_each_fit_under_its_form(saved):
    loaded = load_comparison_fits(saved["folder"])
    assert isinstance(loaded, SavedComparison)
    meta = json.loads((saved["folder"] / "comparison.json").read_text())
    assert set(meta["fit_files"]) == set(FORMS)  # recorded when written
    assert sorted(loaded.fits) == sorted(FORMS)
    assert {name: fit.attrs["form"] for name, fit in loaded.fits.items()} == {f: f for f in FORMS}
    assert loaded.weights == meta["weights"]
    assert sorted(loaded.weights) == ["evidence", "stacking"]
    assert loaded.weights_for("evidence") == meta["weights"]["evidence"]
    assert loaded.settings["forms"] == list(FORMS)


@pytest.mark.parametrize("weighting", ["stacking", "evidence"])
def test_cli_predicts_the_weighted_average(saved, tmp_path, capsys, weighting):
    out = tmp_path / "pred.csv"
    extra = () if weighting == "stacking" else ("--weighting", weighting)  # default stacking
    assert _predict(saved["folder"], saved["rows"], out, *extra) == 0
    err = capsys.readouterr().err
    got = pd.read_csv(out)
    expected = _expected(saved, weighting)
    # the columns of a single fit's prediction
    assert got.columns.tolist() == ["domain", "curve", "data", *STATS, "curve_status",
                                    "extrapolation"]
    assert (got["curve_status"] == "fitted").all()
    pd.testing.assert_frame_equal(got.drop(columns="curve_status"), expected,
                                  check_exact=False, rtol=1e-12)
    # stderr names the weighting, every form and its weight
    weights = load_comparison_fits(saved["folder"]).weights[weighting]
    assert f"by {weighting} weights" in err
    for form, w in weights.items():
        assert f"{form} {w:.3g}" in err


def test_weighting_evidence_reads_the_evidence_weights(saved, tmp_path, capsys):
    """The true form takes (nearly) all the weight either way on this table, so a copy
    gets evidence weights of its own: the CLI must mix by them, not by stacking."""
    edited = _copy(saved, tmp_path)
    half = {"power_law": 0.5, "exponential": 0.5}
    _edit_meta(edited, lambda meta: meta["weights"].update(evidence=half))
    out = tmp_path / "pred.csv"
    assert _predict(edited, saved["rows"], out, "--weighting", "evidence") == 0
    assert "by evidence weights: power_law 0.5 (100 draws), exponential 0.5 (100 draws)" \
        in capsys.readouterr().err
    got = pd.read_csv(out).drop(columns="curve_status")
    fits = load_comparison_fits(edited).fits
    expected = predict_average(fits, pd.read_csv(saved["rows"]), weights=half, probs=0.9,
                               seed=5)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
    assert not got[STATS].equals(_expected(saved, "stacking")[STATS])


def test_a_folder_written_before_fit_files_were_recorded_is_still_read(saved, tmp_path):
    old = _copy(saved, tmp_path)
    _edit_meta(old, lambda meta: meta.pop("fit_files"))
    out = tmp_path / "pred.csv"
    assert _predict(old, saved["rows"], out) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out).drop(columns="curve_status"),
                                  _expected(saved, "stacking"), check_exact=False, rtol=1e-12)


def test_a_fit_file_of_another_form_is_refused(saved, tmp_path):
    swapped = _copy(saved, tmp_path)
    _edit_meta(swapped, lambda meta: meta["fit_files"].update(
        power_law=meta["fit_files"]["exponential"]))
    with pytest.raises(FitFileError, match="holds the fit of form 'exponential', not of "
                                           "'power_law'"):
        load_comparison_fits(swapped)


def test_refusals_name_the_problem(saved, tmp_path, capsys):
    out = tmp_path / "pred.csv"
    rows = saved["rows"]

    empty = tmp_path / "empty"
    empty.mkdir()
    assert _predict(empty, rows, out) == EXIT_ERROR
    err = capsys.readouterr().err
    assert f"{empty} has no comparison.json" in err and "--save-fits" in err

    unsaved = _copy(saved, tmp_path)  # as `compare --out` writes it without --save-fits
    shutil.rmtree(unsaved / "fits")
    _edit_meta(unsaved, lambda meta: meta.update(fit_files=None))
    assert _predict(unsaved, rows, out) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "written without its fits" in err and "--save-fits" in err
    _edit_meta(unsaved, lambda meta: meta.pop("fit_files"))  # an older folder, same advice
    assert _predict(unsaved, rows, out) == EXIT_ERROR
    assert "--save-fits" in capsys.readouterr().err

    missing = tmp_path / "missing"
    shutil.copytree(saved["folder"], missing)
    (missing / "fits" / "exponential.nc").unlink()
    assert _predict(missing, rows, out) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "the fit of form 'exponential'" in err
    assert str(missing / "fits" / "exponential.nc") in err and "power_law.nc" in err

    no_evidence = tmp_path / "no_evidence"
    shutil.copytree(saved["folder"], no_evidence)
    _edit_meta(no_evidence, lambda meta: meta["weights"].pop("evidence"))
    assert _predict(no_evidence, rows, out, "--weighting", "evidence") == EXIT_ERROR
    err = capsys.readouterr().err
    assert "has no 'evidence' weights (it has: stacking)" in err
    assert str(no_evidence / "comparison.json") in err
    with pytest.raises(ModelConfigError, match="weighting must be one of"):
        load_comparison_fits(no_evidence).weights_for("equal")
    assert not out.exists()  # nothing written by a refusal


def test_a_single_fit_file_still_works_and_refuses_weighting(tmp_path, capsys):
    fit = save_fit(mock_fit(), tmp_path / "fit.nc")
    sim = simulate_learning_curves(n_domains=2, curves_per_domain=2, seed=6)
    rows = tmp_path / "rows.csv"
    sim.frame.groupby(["domain", "curve"], as_index=False)["data"].max().to_csv(rows,
                                                                                index=False)
    out = tmp_path / "pred.csv"
    assert _predict(fit, rows, out) == 0
    got = pd.read_csv(out)
    assert got.columns.tolist() == ["domain", "curve", "data", *STATS, "curve_status",
                                    "extrapolation"]
    capsys.readouterr()
    again = tmp_path / "again.csv"
    assert _predict(fit, rows, again, "--weighting", "stacking") == EXIT_ERROR
    err = capsys.readouterr().err
    assert "--weighting applies to a comparison folder" in err and str(fit) in err
    assert not again.exists()
