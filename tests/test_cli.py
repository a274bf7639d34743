"""The ``bayes-scaling`` command: thin over the library, clear errors, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pymc as pm
import pytest
from _fits import simulated_fit
from _paths import MIRROR, needs_mirror

from bayes_scaling.cli import EXIT_ERROR, main
from bayes_scaling.io import load_fit, save_fit


def prior_draws(test):
    """mock_sample's prior draws warn that the model's potentials are left out, and numba
    that their compiled function cannot be cached: neither is what these tests check."""
    test = pytest.mark.filterwarnings("ignore:The effect of Potentials:UserWarning")(test)
    return pytest.mark.filterwarnings("ignore:Cannot cache compiled function")(test)


QUICK = ["--draws", "150", "--tune", "250", "--chains", "2", "--seed", "3", "--no-progress"]


@pytest.fixture
def mock_sampling(monkeypatch):
    """NUTS replaced by prior draws (:func:`pymc.testing.mock_sample`, as in _mockfit.py) for
    tests of what the commands do around a fit; test_fit_command_writes_a_verified_fit
    runs the real sampler through the command."""
    from pymc.testing import mock_sample

    monkeypatch.setattr(pm, "sample", mock_sample)


@pytest.fixture(scope="module")
def fit_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "fit.nc"
    save_fit(simulated_fit()[1], path)
    return path


def test_fit_command_writes_a_verified_fit(tmp_path, capsys):
    sim = simulated_fit()[0]
    data = tmp_path / "data.csv"
    sim.frame.query("domain != 'domain2'").to_csv(data, index=False)
    out = tmp_path / "fit.nc"
    code = main(["fit", str(data), "--out", str(out), *QUICK])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.strip() == str(out)  # machine-readable result on stdout
    assert "diagnostics" in captured.err  # human text on stderr
    fit = load_fit(out)
    assert list(fit["posterior"]["domain"].values) == ["domain0", "domain1"]


def test_fit_refuses_to_overwrite_before_sampling(fit_file, tmp_path, capsys):
    before = fit_file.read_bytes()
    data = tmp_path / "data.csv"
    simulated_fit()[0].frame.to_csv(data, index=False)
    assert main(["fit", str(data), "--out", str(fit_file), *QUICK]) == EXIT_ERROR
    assert "--force" in capsys.readouterr().err
    assert fit_file.read_bytes() == before


def test_fit_bad_input_exits_2_with_validation_message(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("domain,curve,data,error\nd,c,10,0.5\nd,c,100,1.7\nd,c,1000,0.2\n")
    assert main(["fit", str(bad), "--out", str(tmp_path / "f.nc"), *QUICK]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "column 'error'" in err and "(0, 1]" in err and "row 1 (CSV line 3)" in err
    assert not (tmp_path / "f.nc").exists()
    assert main(["fit", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "f.nc")]) == 2
    assert "cannot read" in capsys.readouterr().err


def _table_with_a_constant_curve(tmp_path):
    """The 2 x 2 simulated table plus a curve whose error is the same at every point."""
    frame = simulated_fit()[0].frame.query("domain != 'domain2'")
    flat = frame[frame["curve"] == frame["curve"].iloc[0]].query("domain == 'domain1'")
    frame = pd.concat([frame, flat.assign(curve="flat", error=0.3)], ignore_index=True)
    path = tmp_path / "with_flat.csv"
    frame.to_csv(path, index=False)
    return path, frame.index[frame["curve"] == "flat"].tolist()


@prior_draws
def test_fit_exclude_unfittable_fits_the_rest_and_records_why(tmp_path, capsys, mock_sampling):
    from bayes_scaling.errors import FitFileError
    from bayes_scaling.io import verify_fit

    data, flat_rows = _table_with_a_constant_curve(tmp_path)
    out = tmp_path / "fit.nc"
    # without the flag: refused as a whole, and the refusal names the flag
    assert main(["fit", str(data), "--out", str(out), *QUICK]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "domain1/flat has the same 'error' (0.3)" in err and "--exclude-unfittable" in err
    assert not out.exists()
    # with it: the other curves are fitted; what was left out, and why, is on stderr ...
    assert main(["fit", str(data), "--out", str(out), "--exclude-unfittable", *QUICK]) == 0
    err = capsys.readouterr().err
    assert "left out 1 unfittable curve" in err and "domain1/flat" in err
    assert "no scaling and no noise to estimate" in err
    # ... and in the fit file, which still verifies (the attr is under the content hash)
    fit = load_fit(out)
    assert "domain1/flat" not in fit["posterior"]["curve"].values
    assert fit["posterior"].sizes["curve"] == 4
    excluded = json.loads(fit.attrs["excluded_curves"])
    assert [(e["curve"], e["column"], e["rows"]) for e in excluded] == [
        ("domain1/flat", "error", flat_rows)]
    assert "same 'error' (0.3)" in excluded[0]["reason"]
    edited = fit.copy()
    edited.attrs["excluded_curves"] = "[]"
    with pytest.raises(FitFileError, match="content hash mismatch"):
        verify_fit(edited)


@prior_draws
def test_report_exclude_unfittable_lists_what_was_left_out(tmp_path, capsys, mock_sampling):
    data, _ = _table_with_a_constant_curve(tmp_path)
    out = tmp_path / "report"
    args = ["report", str(data), "--out", str(out), "--forms", "none", "--hypotheses", "none",
            *QUICK]
    assert main(args) == EXIT_ERROR
    assert "--exclude-unfittable" in capsys.readouterr().err and not out.exists()
    assert main([*args, "--exclude-unfittable"]) == 0
    assert "domain1/flat" in capsys.readouterr().err
    text = (out / "report.md").read_text()
    assert "- excluded curves (--exclude-unfittable): 1" in text
    assert "`domain1/flat`: curve domain1/flat has the same 'error' (0.3)" in text
    assert "--exclude-unfittable" in text.split("## How to reproduce")[1]  # in the command
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"]["exclude_unfittable"] is True
    assert [e["curve"] for e in manifest["inputs"]["excluded_curves"]] == ["domain1/flat"]
    fit = load_fit(out / "fits" / "learning_curve.nc")
    assert [e["curve"] for e in json.loads(fit.attrs["excluded_curves"])] == ["domain1/flat"]
    assert "flat" not in set(pd.read_csv(out / "data.csv")["curve"])


def test_options_that_do_not_apply_are_refused(tmp_path, capsys):
    data = tmp_path / "data.csv"
    simulated_fit()[0].frame.to_csv(data, index=False)
    code = main(["fit", str(data), "--model", "model-size", "--robust", "--out",
                 str(tmp_path / "m.nc")])
    assert code == EXIT_ERROR
    assert "option(s) ['robust'] do not apply to the model-size model" in capsys.readouterr().err
    code = main(["fit", str(data), "--size-effect", "--out", str(tmp_path / "m.nc")])
    assert code == EXIT_ERROR
    assert ("option(s) ['size_effect'] do not apply to the learning-curve model"
            in capsys.readouterr().err)


def test_fit_passes_the_joint_law_options(tmp_path, monkeypatch):
    from bayes_scaling.models import kinds

    given = {}

    def recording(kind, source, **options):
        given.update(options, kind=kind)
        raise SystemExit(0)  # stop before sampling

    monkeypatch.setattr(kinds, "fit_model", recording)
    with pytest.raises(SystemExit):
        main(["fit", "chinchilla-epoch2024", "--model", "joint", "--size-effect",
              "--no-robust", "--out", str(tmp_path / "j.nc")])
    assert given["kind"] == "joint"
    assert given["size_effect"] is True and given["robust"] is False
    given.clear()
    with pytest.raises(SystemExit):
        main(["fit", "chinchilla-epoch2024", "--model", "joint", "--out",
              str(tmp_path / "j.nc")])
    assert given["size_effect"] is None and given["robust"] is None  # the model's defaults


def test_project_command_csv_to_stdout_and_file(fit_file, tmp_path, capsys):
    assert main(["project", str(fit_file), "--target", "x0.8", "--target", "0.001"]) == 0
    out = capsys.readouterr().out
    table = pd.read_csv(pd.io.common.StringIO(out))
    assert {"quantity", "level", "p_reachable", "median", "lower", "upper", "status"} <= set(
        table.columns)
    assert (table.query("target == '0.001' and level == 'curve'")["p_reachable"] < 0.5).all()
    dest = tmp_path / "proj.csv"
    assert main(["project", str(fit_file), "--target", "x0.8", "--out", str(dest)]) == 0
    assert main(["project", str(fit_file), "--target", "x0.8", "--out", str(dest)]) == 2
    assert main(["project", str(fit_file), "--target", "half"]) == EXIT_ERROR
    assert "invalid target 'half'" in capsys.readouterr().err


def test_project_command_says_already_reached_below_growth_one(fit_file, capsys):
    """A target above the current error: growth < 1 is reported as 'already reached'."""
    assert main(["project", str(fit_file), "--target", "x1.2"]) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert (table["median"] < 1).all()
    assert table["status"].str.startswith("already reached").all()


def test_plot_command(fit_file, tmp_path):
    png = tmp_path / "lc.png"
    assert main(["plot", str(fit_file), "--out", str(png), "--target", "0.1"]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    svg = tmp_path / "lc.svg"
    assert main(["plot", str(fit_file), "--out", str(svg)]) == 0
    assert b"<svg" in svg.read_bytes()[:500]


def test_corrupt_fit_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.nc"
    bad.write_bytes(b"not a netcdf file")
    assert main(["project", str(bad), "--target", "x0.8"]) == EXIT_ERROR
    assert "truncated, corrupt or not NetCDF" in capsys.readouterr().err


def test_datasets_commands(capsys):
    assert main(["datasets", "list"]) == 0
    listing = capsys.readouterr().out
    assert "thompson2020-imagenet" in listing and "mlp-learning-curves" in listing
    assert main(["datasets", "info", "chinchilla-epoch2024"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["sha256"].startswith("193478df")
    assert main(["datasets", "info", "chinchila-epoch2024"]) == EXIT_ERROR
    assert "did you mean 'chinchilla-epoch2024'" in capsys.readouterr().err.lower()


def test_console_script_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "bayes_scaling.cli", "--version"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "bayes-scaling" in result.stdout
    result = subprocess.run([sys.executable, "-m", "bayes_scaling.cli", "fit"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2 and "required" in result.stderr


@needs_mirror
def test_fit_and_project_compute_scaling_on_thompson_imagenet(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BAYES_SCALING_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "k.nc"
    assert main(["fit", "thompson2020-imagenet", "--model", "compute-scaling", "--mirror",
                 str(MIRROR), "--out", str(out), *QUICK, "--target-accept", "0.95"]) == 0
    capsys.readouterr()
    assert main(["project", str(out), "--target", "imagenet-top1-5pct"]) == 0
    captured = capsys.readouterr()
    table = pd.read_csv(pd.io.common.StringIO(captured.out))
    row = table.query("level == 'curve' and curve == 'imagenet/top1'").iloc[0]
    assert row["quantity"] == "compute_growth" and row["p_reachable"] == 1.0
    assert row["median"] > 1
    # a top-1 target is not scored on the top-5 curve (issue 12.3: it was, and the top-5
    # curve became the domain's 'best curve' with growth 0.001x)
    assert table["curve"].tolist() == ["imagenet/top1", "(best curve)"]
    domain = table.query("level == 'domain'").iloc[0]
    assert domain["median"] == pytest.approx(row["median"])
    assert "imagenet-top1-5pct" in captured.err and "not projected for imagenet/top5" in \
        captured.err
    # a plain number applies to every curve; the top-5 curve is already below 5%
    assert main(["project", str(out), "--target", "0.05"]) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    top5 = table.query("level == 'curve' and curve == 'imagenet/top5'").iloc[0]
    assert top5["median"] < 1 and top5["status"].startswith("already reached")


@needs_mirror
def test_fit_and_project_joint_law_on_chinchilla(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BAYES_SCALING_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "joint.nc"
    assert main(["fit", "chinchilla-epoch2024", "--model", "joint", "--mirror", str(MIRROR),
                 "--out", str(out), *QUICK]) == 0
    capsys.readouterr()
    assert main(["project", str(out), "--target", "2.0", "--target", "1.0"]) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    reachable = table.set_index("target")
    assert reachable.loc[2.0, "p_reachable"] == 1.0 and reachable.loc[2.0, "median"] > 0
    assert reachable.loc[1.0, "p_reachable"] == 0.0  # below the irreducible loss E ~ 1.8
    assert reachable.loc[1.0, "status"].startswith("unreachable")
