"""Fuzzing the ``bayes-scaling`` argument handling: every subcommand, hostile values.

Property: ``main(argv)`` returns 0, 2 (invalid input, with a message on stderr) or 3
(diagnostics with ``--strict``), or argparse exits with 0 (help/version) or 2 (usage
error, with a message); never a traceback, never another exception. Sampling is replaced
by a stub that stops the command where NUTS/SMC would start (reported as an error
"SAMPLING STUB"), so the fuzzer explores parsing and validation, not MCMC. The network
is forbidden unless ``datasets fetch`` asked for it. Example counts: ``max_examples`` of
the active hypothesis profile (``ci`` 60, ``long`` 2000); ``--hypothesis-show-statistics``
prints them.
"""

from __future__ import annotations

import pooch
import pymc as pm
import pytest
from _mockfit import mock_fit
from _paths import MIRROR
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bayes_scaling.cli import EXIT_DIAGNOSTICS, EXIT_ERROR, main
from bayes_scaling.errors import BayesScalingError
from bayes_scaling.io import save_fit
from bayes_scaling.simulate import simulate_learning_curves

FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
SUBCOMMANDS = ["demo", "fit", "project", "plot", "datasets", "compare", "report"]
OPTIONS = ["--out", "--model", "--robust", "--form", "--trend", "--frontier", "--priors",
           "--mirror", "--force", "--strict", "--draws", "--tune", "--chains",
           "--target-accept", "--sampler", "--seed", "--no-progress", "--auto-remedy",
           "--no-auto-remedy",
           "--target", "--model-size-fit", "--compute-growth-per-year", "--degree-out",
           "--ci-prob", "--extrapolate", "--forms", "--hypothesis", "--method", "--size",
           "--holdout-largest", "--weighting", "--save-fits", "--version", "-h", "--bogus",
           "--kind", "--hypotheses", "--smc-draws", "--smc-chains", "--smc-seed",
           "--exclude-unfittable", "--scheduler",
           "list", "info", "fetch"]
VALUES = ["-1", "0", "1", "2", "3", "0.5", "0.99", "1.0", "1.5", "nan", "inf", "-inf",
          "1e999", "9" * 30, "-0", "x0.5", "x0", "x-1", "xnan", "x1e999", "imagenet-top1-5pct",
          "no-such-target", "", " ", "é", "\U0001f600", "--", "-", "learning-curve",
          "model-size", "compute-scaling", "joint", "polynomial", "exponential", "nutpie",
          "pymc", "hmc", "power_law", "power_law,power_law_irreducible", "shared-exponent",
          "evidence,loo", "stacking", "data", "params", "compute", "mlp-learning-curves",
          "thompson2020-imagenet", "chinchilla-epoch2024", "no-such-dataset", "x" * 300]


class SamplingStub(BayesScalingError):
    """Raised where sampling would start."""


def _stub(*args, **kwargs):
    raise SamplingStub("SAMPLING STUB: the arguments were accepted up to sampling")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    data = root / "data.csv"
    simulate_learning_curves(n_domains=2, curves_per_domain=2, seed=2).frame.to_csv(
        data, index=False)
    fit = save_fit(mock_fit(), root / "fit.nc")
    garbage = root / "garbage.nc"
    garbage.write_bytes(b"\x89HDF\r\n\x1a\nnot really")
    priors = root / "priors.yaml"
    priors.write_text("priors: {noise_sigma: {dist: HalfNormal, kwargs: {sigma: -1}}}\n")
    return {"data": data, "fit": fit, "garbage": garbage, "priors": priors, "root": root}


@pytest.fixture
def sandbox(monkeypatch, files, tmp_path):
    """No sampling, no network, caches and outputs in tmp folders."""
    for target, name in ((pm, "sample"), (pm, "sample_smc")):
        monkeypatch.setattr(target, name, _stub)
    if hasattr(pm, "smc"):
        monkeypatch.setattr(pm.smc, "sample_smc", _stub)
    fetched: list[str] = []

    def no_network(url, *args, **kwargs):
        fetched.append(url)
        raise OSError("network disabled in tests")

    monkeypatch.setattr(pooch, "retrieve", no_network)
    monkeypatch.setenv("BAYES_SCALING_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("BAYES_SCALING_DATA_MIRROR", raising=False)
    monkeypatch.chdir(tmp_path)
    return fetched


def _paths(files, tmp_path) -> list[str]:
    return [str(files["data"]), str(files["fit"]), str(files["garbage"]), str(files["priors"]),
            str(files["root"]), str(tmp_path / "out.nc"), str(tmp_path / "out.csv"),
            str(tmp_path / "out.png"), str(tmp_path / "missing" / "deep" / "x.nc"),
            str(MIRROR), "/dev/null", "/nonexistent/file.csv"]


def _run(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse: usage errors (2), --help/--version (0)
        code = exc.code if isinstance(exc.code, int) else EXIT_ERROR
    captured = capsys.readouterr()
    return code, captured.err


@FUZZ
@given(data=st.data())
def test_random_command_lines_never_crash(sandbox, files, tmp_path, capsys, data):
    paths = _paths(files, tmp_path)
    token = st.one_of(st.sampled_from(OPTIONS), st.sampled_from(VALUES),
                      st.sampled_from(paths), st.text(max_size=6))
    head = data.draw(st.one_of(st.sampled_from(SUBCOMMANDS), token), label="command")
    argv = [head, *data.draw(st.lists(token, max_size=8), label="args")]
    code, err = _run(argv, capsys)
    assert code in (0, EXIT_ERROR, EXIT_DIAGNOSTICS), (argv, code, err[-2000:])
    assert "Traceback" not in err, (argv, err[-2000:])
    if code == EXIT_ERROR:
        assert err.strip(), argv
        event("reached sampling" if "SAMPLING STUB" in err else "refused")
    else:
        event(f"exit {code}")
    if sandbox:
        assert argv[:2] == ["datasets", "fetch"], f"network touched by {argv}: {sandbox}"
        sandbox.clear()


@st.composite
def well_formed(draw: st.DrawFn, files, tmp_path) -> list[str]:
    """Syntactically valid command lines whose *values* are hostile."""
    value = st.sampled_from(VALUES)
    number = st.one_of(value, st.floats(allow_nan=True).map(repr),
                       st.integers(-10**20, 10**20).map(str))
    command = draw(st.sampled_from(["fit", "project", "plot", "datasets"]), label="command")
    if command == "fit":
        argv = ["fit", draw(st.sampled_from([str(files["data"]), "mlp-learning-curves",
                                             "thompson2020-imagenet", "chinchilla-epoch2024",
                                             str(files["garbage"])])),
                "--out", str(tmp_path / "f.nc"), "--mirror", str(MIRROR)]
        for opt in draw(st.lists(st.sampled_from(["--draws", "--tune", "--chains",
                                                  "--target-accept", "--seed"]),
                                 max_size=3, unique=True)):
            argv += [opt, draw(number)]
        argv += draw(st.lists(st.sampled_from(["--robust", "--trend", "--frontier",
                                               "--auto-remedy", "--strict"]), max_size=2))
        if draw(st.booleans()):
            argv += ["--model", draw(st.sampled_from(["learning-curve", "model-size",
                                                      "compute-scaling", "joint"]))]
        if draw(st.booleans()):
            argv += ["--form", draw(st.sampled_from(["polynomial", "exponential"]))]
        if draw(st.booleans()):
            argv += ["--priors", draw(st.sampled_from([str(files["priors"]),
                                                       str(files["garbage"])]))]
        return argv
    if command == "project":
        argv = ["project", str(files["fit"]), "--out", str(tmp_path / "p.csv"), "--force"]
        for _ in range(draw(st.integers(1, 3))):
            argv += ["--target", draw(st.one_of(value, number))]
        if draw(st.booleans()):
            argv += ["--ci-prob", draw(number)]
        if draw(st.booleans()):
            argv += ["--compute-growth-per-year", draw(number)]
        if draw(st.booleans()):
            argv += ["--model-size-fit", draw(st.sampled_from([str(files["fit"]),
                                                               str(files["garbage"])])),
                     "--degree-out", str(tmp_path / "k.csv")]
        return argv
    if command == "plot":
        argv = ["plot", str(files["fit"]), "--out",
                str(tmp_path / draw(st.sampled_from(["c.png", "c.svg", "c.pdf", "c.xyz",
                                                     "c"]))), "--force"]
        for _ in range(draw(st.integers(0, 2))):
            argv += ["--target", draw(st.one_of(value, number))]
        if draw(st.booleans()):
            argv += ["--extrapolate", draw(number)]
        return argv
    action = draw(st.sampled_from(["list", "info", "fetch"]))
    argv = ["datasets", action]
    if action != "list":
        argv.append(draw(st.sampled_from([*VALUES[-6:], "revisiting2022-lang"])))
    if action == "fetch" and draw(st.booleans()):
        argv += ["--mirror", draw(st.sampled_from([str(MIRROR), str(tmp_path),
                                                    "/nonexistent"]))]
    return argv


@settings(FUZZ, max_examples=max(10, settings.default.max_examples // 2))  # ~1 s each
@given(data=st.data())
def test_hostile_values_in_well_formed_commands(sandbox, files, tmp_path, capsys, data):
    argv = data.draw(well_formed(files, tmp_path), label="argv")
    code, err = _run(argv, capsys)
    assert code in (0, EXIT_ERROR), (argv, code, err[-2000:])
    assert "Traceback" not in err, (argv, err[-2000:])
    if code == EXIT_ERROR:
        assert err.strip()
        event(f"{argv[0]}: " + ("reached sampling" if "SAMPLING STUB" in err else "refused"))
    else:
        event(f"{argv[0]}: ok")


@pytest.mark.parametrize("argv", [
    [], ["nope"], ["fit"], ["fit", "x.csv"], ["fit", "x.csv", "--out"],
    ["fit", "x.csv", "--out", "f.nc", "--draws", "abc"], ["fit", "x.csv", "--out", "f.nc",
                                                          "--model", "cubic"],
    ["fit", "x.csv", "--out", "f.nc", "--bogus"], ["project"], ["project", "f.nc"],
    ["project", "f.nc", "--target"], ["project", "f.nc", "--target", "x", "--ci-prob", "a"],
    ["plot"], ["plot", "f.nc"], ["plot", "f.nc", "--out", "p.png", "--extrapolate", "a"],
    ["datasets"], ["datasets", "nope"], ["datasets", "info"], ["datasets", "fetch"],
    ["demo", "--chains", "two"], ["demo", "--sampler", "hmc"], ["compare"],
])
def test_usage_errors_exit_2_with_a_message(sandbox, capsys, argv):
    code, err = _run(argv, capsys)
    assert code == EXIT_ERROR
    assert "usage:" in err and "error:" in err


@pytest.mark.parametrize(("extra", "fragment"), [
    (["--draws", "-5"], "draws must be a positive integer"),
    (["--tune", "0"], "tune must be a positive integer"),
    (["--chains", "1"], "chains must be an integer >= 2"),
    (["--target-accept", "1.5"], "target_accept must be in (0, 1)"),
    (["--target-accept", "nan"], "--target-accept: must be a finite number, got 'nan'"),
    (["--seed", "-1"], "seed must be a non-negative integer"),
    (["--priors", "PRIORS"], "must be > 0"),
])
def test_invalid_fit_settings_exit_2_before_sampling(sandbox, files, tmp_path, capsys, extra,
                                                    fragment):
    extra = [str(files["priors"]) if e == "PRIORS" else e for e in extra]
    code, err = _run(["fit", str(files["data"]), "--out", str(tmp_path / "f.nc"), *extra],
                     capsys)
    assert code == EXIT_ERROR and fragment in err, err
    assert "SAMPLING STUB" not in err
    assert not (tmp_path / "f.nc").exists()


@pytest.mark.parametrize(("extra", "fragment"), [
    (["--target", "x0.5", "--ci-prob", "2"], "ci"),
    (["--target", "x0.5", "--ci-prob", "nan"], "ci"),
    # was: silently ignored without a model-size fit (exit 0, no years-to-target)
    (["--target", "x0.5", "--compute-growth-per-year", "4"], "needs --model-size-fit"),
    (["--target", "x0.5", "--compute-growth-per-year", "-1"], "needs --model-size-fit"),
    (["--target", "xnan"], "target"), (["--target", "1e999"], "target"),
    (["--target", "x1e999"], "target"), (["--target", "-0.1"], "target"),
])
def test_invalid_projection_values_exit_2(sandbox, files, tmp_path, capsys, extra, fragment):
    code, err = _run(["project", str(files["fit"]), *extra], capsys)
    assert code == EXIT_ERROR, err
    assert fragment.lower() in err.lower() and "Traceback" not in err


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "0.5", "1e999"])
def test_invalid_extrapolation_exits_2(sandbox, files, tmp_path, capsys, value):
    code, err = _run(["plot", str(files["fit"]), "--out", str(tmp_path / "c.png"),
                      "--extrapolate", value], capsys)
    assert code == EXIT_ERROR and "extrapolate" in err, err
    assert not (tmp_path / "c.png").exists()


def test_an_unsupported_image_format_exits_2_before_plotting(sandbox, files, tmp_path, capsys):
    """Was: matplotlib's ValueError (a traceback) after the plot had been drawn."""
    code, err = _run(["plot", str(files["fit"]), "--out", str(tmp_path / "c.xyz")], capsys)
    assert code == EXIT_ERROR and "cannot write a 'xyz' image" in err and "png" in err
    assert list(tmp_path.iterdir()) == []
