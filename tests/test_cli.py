"""The ``bayes-scaling`` command: thin over the library, clear errors, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from _fits import simulated_fit
from _paths import MIRROR, needs_mirror

from bayes_scaling.cli import EXIT_ERROR, main
from bayes_scaling.io import load_fit, save_fit

QUICK = ["--draws", "150", "--tune", "250", "--chains", "2", "--seed", "3", "--no-progress"]


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


def test_options_that_do_not_apply_are_refused(tmp_path, capsys):
    data = tmp_path / "data.csv"
    simulated_fit()[0].frame.to_csv(data, index=False)
    code = main(["fit", str(data), "--model", "model-size", "--robust", "--out",
                 str(tmp_path / "m.nc")])
    assert code == EXIT_ERROR
    assert "option(s) ['robust'] do not apply to the model-size model" in capsys.readouterr().err


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
