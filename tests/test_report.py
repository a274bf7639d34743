"""The one-command report: contents, manifest, refusal, atomicity, public tables.

One real (tiny) report of the embedded dataset is built per module; the refusal,
failure-injection and CLI (report, demo, overwrite) tests reuse its analysis (``run_findings`` is
replaced by the cached result) so they test the folder handling, not MCMC again.
"""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from _paths import MIRROR, needs_mirror

from bayes_scaling.cli import main
from bayes_scaling.data import load_table
from bayes_scaling.datasets import load_dataset
from bayes_scaling.datasets.registry import get_spec
from bayes_scaling.errors import OutputExistsError
from bayes_scaling.io import load_fit
from bayes_scaling.models import SamplerConfig, SMCConfig
from bayes_scaling.report import build as report_build
from bayes_scaling.report import build_report

QUICK_NUTS = SamplerConfig(draws=100, tune=150, chains=2, seed=7)
QUICK_SMC = SMCConfig(draws=50, chains=2, seed=7)
FORMS = ("power_law", "power_law_irreducible")
VERSIONED = ("python", "pymc", "nutpie", "arviz", "xarray", "pandas", "numpy", "matplotlib",
             "pytensor", "bayes_scaling")


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """A real report of the embedded dataset (tiny settings) and the analysis behind it."""
    out = tmp_path_factory.mktemp("report") / "mlp"
    captured = {}
    real = report_build.run_findings

    def spy(*args, **kwargs):
        captured["findings"] = real(*args, **kwargs)
        return captured["findings"]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(report_build, "run_findings", spy)
        result = build_report("mlp-learning-curves", out, sampler=QUICK_NUTS, smc=QUICK_SMC,
                              forms=FORMS, hypotheses=(), compute_growth_per_year=4.0)
    return result, captured["findings"]


@pytest.fixture
def cached(embedded, monkeypatch):
    """Reuse the embedded analysis instead of fitting again."""
    calls = []

    def replay(*args, **kwargs):
        calls.append(kwargs)
        return embedded[1]

    monkeypatch.setattr(report_build, "run_findings", replay)
    return calls


def test_report_names_dataset_model_verdict_and_projections(embedded):
    result, findings = embedded
    text = (result.out_dir / "report.md").read_text()
    assert result.model == "learning-curve"
    assert text.startswith("# Scaling report: mlp-learning-curves")
    assert "HierarchicalLearningCurve + HierarchicalModelSize" in text  # width sweep
    for name, verdict in findings.diagnostics.items():
        assert f"- `{name}`: {verdict.verdict}" in text
    assert ("WARNING: sampler diagnostics FAILED" in text) == (not result.ok)
    # 2 x 50 SMC particles cannot reach bulk ESS 200: the blocks were run again with more
    # particles (recorded in the fits); whatever still fails is listed in the report
    assert all(json.loads(fit.attrs["smc_remedy"])
               for fit in findings.comparison.fits.values())
    for problem in result.problems:
        assert f"- {problem}" in text
    assert "## Projections" in text and "### Growth to reach the targets" in text
    # the default discrepancy's smooth share (one for the table) is among the parameters
    names = [t.name for t in findings.tables]
    parameters = findings.tables[names.index("parameters")].frame
    assert "smooth_share" in parameters.index and "gamma[digits/mlp-1x]" in parameters.index
    projection = findings.tables[names.index("projection")].frame
    domain_rows = projection.query("level == 'domain' and quantity == 'compute_growth'")
    assert set(domain_rows["domain"]) == {"digits", "mnist1d"}
    for row in domain_rows.itertuples():
        assert f"| compute_growth | domain | {row.domain} | (best curve) | {row.target} |" in text
        assert f"| {row.median:.3g} | {row.lower:.3g} | {row.upper:.3g} |" in text
    assert "years_to_target" in set(projection["quantity"])  # compute growth per year given
    assert "### Implied compute-polynomial degree" in text
    assert "### Evidence (SMC log marginal likelihood" in text and "### PSIS-LOO" in text
    assert "bayes-scaling report mlp-learning-curves --out" in text
    assert "--forms power_law,power_law_irreducible" in text and "--hypotheses none" in text


def test_forms_averaged_projection_and_caveat_when_the_comparison_rejects_the_form(embedded):
    """The averaged-forms table is in the report; a caveat under the first line says when
    the evidence strongly favours another form than the projected one, with the numbers
    of the evidence table, and only then."""
    from bayes_scaling.report.analyses import PROJECTED_FORM, REJECTED_FORM_LOG_BF

    result, findings = embedded
    text = (result.out_dir / "report.md").read_text()
    names = [t.name for t in findings.tables]
    averaged = findings.tables[names.index("projection_forms_averaged")].frame
    assert set(averaged["domain"].dropna()) >= {"digits", "mnist1d"}
    assert "averaged over the compared forms (stacking weights)" in text
    evidence = findings.comparison.evidence
    best = evidence.index[0]
    log_bf = evidence.loc[best, "log_evidence"] - evidence.loc[PROJECTED_FORM, "log_evidence"]
    se = (evidence.loc[best, "log_evidence_se"] ** 2
          + evidence.loc[PROJECTED_FORM, "log_evidence_se"] ** 2) ** 0.5
    rejected = best != PROJECTED_FORM and log_bf - 2 * se > REJECTED_FORM_LOG_BF
    assert len(findings.caveats) == int(rejected)
    head = text.split("## Data")[0]
    assert ("**Caveat:** The form comparison favours" in head) == rejected
    if rejected:
        assert f"`{best}` over `{PROJECTED_FORM}`" in head and f"{log_bf:.1f} +/-" in head
    diagnostics = json.loads((result.out_dir / "diagnostics.json").read_text())
    assert diagnostics["caveats"] == findings.caveats == result.caveats
    # averaging the forms' projections raises no library warning into the report
    assert "FutureWarning" not in text


def test_every_figure_as_png_and_svg_and_shown_in_the_report(embedded):
    result, _ = embedded
    expected = {"learning_curves", "projection_forest", "model_size", "degree",
                "model_comparison", "diagnostics_learning_curve", "diagnostics_model_size"}
    figures = result.out_dir / "figures"
    assert {p.stem for p in figures.iterdir()} == expected
    text = (result.out_dir / "report.md").read_text()
    for name in expected:
        assert (figures / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<svg" in (figures / f"{name}.svg").read_text()[:2000]
        assert f"(figures/{name}.png)" in text and f"(figures/{name}.svg)" in text
    page = (result.out_dir / "report.html").read_text()
    assert "<table>" in page and 'src="figures/learning_curves.png"' in page


def test_manifest_hashes_inputs_versions_and_settings(embedded):
    result, _ = embedded
    out = result.out_dir
    manifest = json.loads((out / "manifest.json").read_text())
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert set(manifest["files"]) == on_disk - {"manifest.json"}
    for name, digest in manifest["files"].items():
        assert _sha(out / name) == digest, name
    data = load_dataset("mlp-learning-curves")
    inputs = manifest["inputs"]
    assert inputs["dataset"] == "mlp-learning-curves" and inputs["rows"] == len(data.frame)
    assert inputs["table_sha256"] == data.sha256()
    assert load_table(out / "data.csv").sha256() == data.sha256()  # the fitted table
    from bayes_scaling.datasets.embedded import embedded_path

    assert inputs["raw_sha256"] == _sha(embedded_path(get_spec("mlp-learning-curves")))
    assert all(manifest["versions"][k] not in ("", "not installed") for k in VERSIONED)
    assert manifest["seeds"] == {"nuts": 7, "smc": 7}
    assert manifest["settings"]["sampler"]["draws"] == 100
    assert manifest["settings"]["forms"] == list(FORMS)
    assert manifest["reproduce"].startswith("bayes-scaling report mlp-learning-curves")
    fit = load_fit(out / "fits" / "learning_curve.nc")  # verified on load
    assert fit.attrs["model_type"] == "hierarchical_learning_curve"


def test_refuses_an_existing_folder_before_fitting(tmp_path, monkeypatch):
    def no_fit(*args, **kwargs):
        raise AssertionError("fitted although the folder was refused")

    monkeypatch.setattr(report_build, "run_findings", no_fit)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(OutputExistsError, match="already exists"):
        build_report("mlp-learning-curves", out)
    with pytest.raises(OutputExistsError, match="not a bayes_scaling report folder"):
        build_report("mlp-learning-curves", out, overwrite=True)  # not a report: kept
    assert (out / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


@pytest.mark.parametrize("earlier", [False, True], ids=["new", "replacing"])
def test_failure_mid_way_leaves_no_partial_folder(embedded, cached, tmp_path, monkeypatch,
                                                  earlier):
    out = tmp_path / "broken"
    if earlier:
        shutil.copytree(embedded[0].out_dir, out)
    before = {p: _sha(p) for p in out.rglob("*") if p.is_file()} if earlier else {}

    def fail(tmp, findings):
        assert (tmp / "fits" / "learning_curve.nc").is_file()  # mid-way: fits are written
        raise RuntimeError("injected failure")

    monkeypatch.setattr(report_build, "_write_figures", fail)
    with pytest.raises(RuntimeError, match="injected"):
        build_report("mlp-learning-curves", out, overwrite=earlier)
    assert [p.name for p in tmp_path.iterdir()] == (["broken"] if earlier else [])
    assert {p: _sha(p) for p in out.rglob("*") if p.is_file()} == before  # untouched


def test_report_and_demo_commands(embedded, cached, tmp_path, capsys):
    out = tmp_path / "cli"
    argv = ["report", "mlp-learning-curves", "--out", str(out), "--forms", ",".join(FORMS),
            "--hypotheses", "none", "--smc-draws", "60", "--no-progress"]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip() == str(out.resolve())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == ["bayes-scaling", *argv]
    assert manifest["settings"]["smc"]["draws"] == 60 and cached[-1]["hypotheses"] == []
    assert main(["report", "mlp-learning-curves", "--out", str(out)]) == 2  # exists
    assert "already exists" in capsys.readouterr().err
    # the demo is the report on the embedded dataset; --force replaces the earlier report
    (out / "stale.txt").write_text("from an earlier run")
    assert main(["demo", "--out", str(out), "--force", "--no-progress"]) == 0
    assert cached[-1]["targets"] == ["x0.8", "x0.5"] and cached[-1]["compute_growth_per_year"] == 4
    assert not (out / "stale.txt").exists() and (out / "report.md").is_file()
    assert json.loads((out / "manifest.json").read_text())["command"][1] == "demo"
    assert [p.name for p in tmp_path.iterdir()] == ["cli"]  # no temporary folders left


def test_report_passes_and_names_the_prior_set(embedded, cached, tmp_path, capsys):
    out = tmp_path / "with-set"
    argv = ["report", "mlp-learning-curves", "--out", str(out), "--forms", ",".join(FORMS),
            "--hypotheses", "none", "--prior-set", "image-classification", "--no-progress"]
    assert main(argv) == 0
    assert cached[-1]["prior_set"] == "image-classification"
    text = (out / "report.md").read_text()
    assert "- priors: literature prior set `image-classification`" in text
    assert "--prior-set image-classification" in text  # in the reproduce command
    assert json.loads((out / "manifest.json").read_text())["settings"]["prior_set"] == (
        "image-classification")
    # a set that does not cover the analysis' main model is refused before fitting
    assert main(["report", "mlp-learning-curves", "--out", str(tmp_path / "joint"),
                 "--model", "joint", "--prior-set", "speech"]) == 2
    assert "sets that cover joint_scaling: ['language-model']" in capsys.readouterr().err
    assert not (tmp_path / "joint").exists()


def test_prior_set_findings_note_and_prior_vs_posterior_table():
    from _mockfit import mock_fit

    from bayes_scaling.report.analyses import Findings, add_prior_set_findings

    found = Findings("learning-curve", "HierarchicalLearningCurve")
    fit = mock_fit().copy()
    fit.attrs["prior_set"] = "language-model"
    found.fits["learning_curve"] = fit
    found.fits["model_size"] = mock_fit()  # no prior_set attr: used the defaults
    add_prior_set_findings(found, "language-model")
    assert found.notes[-1].startswith("literature prior set `language-model`")
    assert "used by: learning_curve; default priors for: model_size" in found.notes[-1]
    (table,) = [t for t in found.tables if t.name == "prior_vs_posterior_learning_curve"]
    assert table.frame["parameter"].tolist() == ["log_beta_mu"]
    add_prior_set_findings(found, None)  # no set: nothing added
    assert len(found.tables) == 1


@needs_mirror
def test_report_on_thompson_imagenet_from_the_mirror(tmp_path, monkeypatch):
    monkeypatch.setenv("BAYES_SCALING_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "imagenet"
    result = build_report("thompson2020-imagenet", out, mirror=MIRROR, smc=QUICK_SMC,
                          sampler=SamplerConfig(draws=100, tune=200, chains=2, seed=7,
                                                target_accept=0.95))
    assert result.model == "compute-scaling"
    text = (out / "report.md").read_text()
    assert "HierarchicalComputeScaling (polynomial, year trend)" in text
    assert "`imagenet-top1-5pct`" in text and "### Fitted compute-polynomial degree k" in text
    assert "### Hypothesis `polynomial-vs-exponential`" in text
    assert "| compute_growth | curve | imagenet | imagenet/top1 | 0.05 | 0.05 |" in text
    # the top-1 target is not scored on the top-5 curve; the report says so
    assert "| compute_growth | curve | imagenet | imagenet/top5 |" not in text
    assert "not projected for imagenet/top5" in text
    stems = {p.stem for p in (out / "figures").glob("*.svg")}
    assert {p.stem for p in (out / "figures").glob("*.png")} == stems
    assert {"compute_scaling", "degree", "projection_forest",
            "diagnostics_compute_scaling"} < stems
    # the hypothesis on the whole table, or on each curve (robust nu shared across curves)
    assert any(s.startswith("hypothesis_polynomial-vs-exponential") for s in stems)
    inputs = json.loads((out / "manifest.json").read_text())["inputs"]
    assert inputs["raw_sha256"] == inputs["registry_sha256"] == \
        get_spec("thompson2020-imagenet").sha256


@needs_mirror
def test_report_on_chinchilla_from_the_mirror(tmp_path, monkeypatch):
    monkeypatch.setenv("BAYES_SCALING_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "chinchilla"
    result = build_report("chinchilla-epoch2024", out, mirror=MIRROR, sampler=QUICK_NUTS)
    assert result.model == "joint"
    text = (out / "report.md").read_text()
    assert "JointScalingLaw" in text and "### Posterior vs the published fits" in text
    assert "### Compute-optimal allocation" in text and "compute_optimal_flop" in text
    assert {p.stem for p in (out / "figures").glob("*.png")} == {
        "joint_scaling", "projection_forest", "diagnostics_joint"}
    assert (out / "fits" / "joint.nc").is_file() and (out / "tables" / "allocation.csv").is_file()


def test_report_template_refuses_a_missing_value():
    """The page is a Jinja2 template rendered strictly: a value the analyses did not
    provide is an error, never an empty line in the report."""
    import jinja2

    from bayes_scaling.report.render import render_markdown

    with pytest.raises(jinja2.UndefinedError, match="title"):
        render_markdown({"version": "0"})
