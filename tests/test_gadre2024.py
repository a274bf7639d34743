"""The ``gadre2024`` dataset: 104 pinned JSON run files, their cleaner and the joint law.

Public files come from the offline mirror (``../shared/datasets/raw/gadre2024/models``,
the tests that need it are skipped with a reason when it is absent) and
``pooch.retrieve`` fails, so any attempt to reach the network is an error. The cleaner's
rules are also tested on small synthetic run files written to a temporary folder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pooch
import pytest
import yaml
from _paths import MIRROR

from bayes_scaling import dims
from bayes_scaling.data import ScalingData
from bayes_scaling.datasets import (
    ENV_CACHE,
    ENV_MIRROR,
    dataset_info,
    fetch,
    list_datasets,
    load_dataset,
    load_dataset_report,
)
from bayes_scaling.datasets.gadre import (
    HOLDOUT_MIN_PARAMS,
    TRAINING_SETS,
    VALIDATION_SETS,
    clean_gadre,
    select,
)
from bayes_scaling.datasets.registry import (
    get_spec,
    manifest_sha256,
    manifest_text,
    parse_registry,
    registry_path,
)
from bayes_scaling.errors import DatasetError
from bayes_scaling.models.joint import JointScalingLaw

NAME = "gadre2024"
COMMIT = "a003c4913793ac2ae7ef87b28ecb562955d026d5"
BASE = f"https://raw.githubusercontent.com/mlfoundations/scaling/{COMMIT}/exp_data/models"
RAW = MIRROR / "gadre2024"
#: The six model sizes (hyperparameters.params of the OpenLM configurations).
SIZES = [10_569_312, 78_914_048, 153_677_376, 411_616_256, 1_439_795_200, 6_889_410_560]
#: Runs per training set at the pinned commit (README of the mirror: 34, 35, 35).
RUNS = {"c4_original": 34, "rpj": 35, "rw_original": 35}
#: The held-out runs: every 1.4B (open_lm_1b) and 6.9B (open_lm_7b) run.
HOLDOUT_RUNS = {
    "c4_original-open_lm_1b-1.0", "c4_original-open_lm_1b-4.0", "c4_original-open_lm_7b-1.0",
    "rpj-open_lm_1b-1.0", "rpj-open_lm_1b-32.0", "rpj-open_lm_7b-1.0",
    "rw_original-open_lm_1b-1.0", "rw_original-open_lm_1b-16.0", "rw_original-open_lm_7b-1.0",
}

needs_gadre = pytest.mark.skipif(
    not (RAW / "models").is_dir(),
    reason=f"offline data mirror {RAW / 'models'} is absent (the shared/ folder beside the "
           "repository)",
)


def _no_network(*args, **kwargs):
    raise AssertionError(f"network access attempted: pooch.retrieve{args}")


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No test may download: pooch.retrieve fails, and no env var leaks in."""
    monkeypatch.setattr(pooch, "retrieve", _no_network)
    monkeypatch.delenv(ENV_CACHE, raising=False)
    monkeypatch.delenv(ENV_MIRROR, raising=False)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """``gadre2024`` loaded once from the mirror into a fresh cache, without network."""
    if not (RAW / "models").is_dir():
        pytest.skip(f"offline data mirror {RAW / 'models'} is absent")
    mp = pytest.MonkeyPatch()
    mp.setattr(pooch, "retrieve", _no_network)
    try:
        return load_dataset_report(NAME, mirror=MIRROR, cache_dir=tmp_path_factory.mktemp("c"))
    finally:
        mp.undo()


def _mirror_copy(tmp_path: Path) -> Path:
    """A private mirror holding every gadre2024 run file of the shared mirror."""
    root = tmp_path / "mirror"
    folder = root / "gadre2024/models"
    folder.mkdir(parents=True)
    for path in (RAW / "models").iterdir():  # copyfile: writable copies of read-only files
        shutil.copyfile(path, folder / path.name)
    return root


# --------------------------------------------------------------------------- registry


def test_registry_pins_every_file_to_the_commit():
    spec = get_spec(NAME)
    assert (spec.kind, spec.metric, spec.size, spec.cleaner) == ("public", "loss", "params",
                                                                  "gadre")
    assert spec.rows == len(spec.files) == 104
    assert spec.license.startswith("MIT")
    assert "Gadre" in spec.citation and "over-training and on downstream tasks" in spec.citation
    remotes = spec.remote_files()
    assert len(remotes) == 104
    assert [r.filename for r in remotes] == sorted(r.filename for r in remotes)
    for remote in remotes:
        name = remote.filename.removeprefix("gadre2024/models/")
        assert remote.url == f"{BASE}/{name}"
        assert remote.sha256 == spec.files[name] and len(remote.sha256) == 64
    assert spec.sha256 == manifest_sha256(spec.files)
    listed = list_datasets().set_index("name").loc[NAME]
    assert (listed["kind"], listed["metric"], listed["size"], int(listed["rows"])) == (
        "public", "loss", "params", 104)


@needs_gadre
def test_registry_hashes_are_the_published_listing():
    """The registry's per-file hashes are the mirror's SHA256SUMS, byte for byte."""
    spec = get_spec(NAME)
    assert manifest_text(spec.files) == (RAW / "SHA256SUMS").read_text(encoding="utf-8")
    assert sorted(spec.files) == sorted(p.name for p in (RAW / "models").iterdir())


def _gadre_document() -> tuple[dict, dict]:
    document = yaml.safe_load(registry_path().read_text(encoding="utf-8"))
    entry = next(e for e in document["datasets"] if e["name"] == NAME)
    return document, entry


@pytest.mark.parametrize(("change", "message"), [
    (lambda e: e.update(sha256="0" * 64), "'files' and 'sha256' disagree"),
    (lambda e: e["files"].update({"x.json": "abc"}), "64 lower-case hex"),
    (lambda e: e["files"].update({"../x.json": "0" * 64}), "plain file name"),
    (lambda e: e["files"].update({"SHA256SUMS": "0" * 64}), "plain file name"),
    (lambda e: e.update(files={}), "non-empty mapping"),
    (lambda e: e.update(files=["a.json"]), "non-empty mapping"),
    (lambda e: e.update(url=e["url"] + "/"), "trailing '/'"),
    (lambda e: e.update(filez=e["files"]), "unknown key 'filez'"),
])
def test_registry_rejects_bad_file_lists(change, message):
    document, entry = _gadre_document()
    change(entry)
    with pytest.raises(DatasetError, match=message):
        parse_registry(document)


def test_a_changed_file_hash_must_change_the_manifest_hash():
    """Editing one pinned hash without the manifest hash is refused; with it, accepted."""
    document, entry = _gadre_document()
    first = sorted(entry["files"])[0]
    entry["files"][first] = "f" * 64
    with pytest.raises(DatasetError, match="disagree"):
        parse_registry(document)
    entry["sha256"] = manifest_sha256(entry["files"])
    assert parse_registry(document)[NAME].files[first] == "f" * 64


# --------------------------------------------------------------------------- fetching


@needs_gadre
def test_fetch_verifies_every_file_and_returns_the_manifest(tmp_path):
    spec = get_spec(NAME)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV_CACHE, str(tmp_path))
        assert dataset_info(NAME)["available"] is False
        path = fetch(NAME, mirror=MIRROR)
        info = dataset_info(NAME)
    assert path == tmp_path / "gadre2024/models/SHA256SUMS"
    assert pooch.file_hash(str(path)) == spec.sha256 == info["sha256"]
    assert info["available"] is True
    assert info["local_path"] == str(tmp_path / "gadre2024/models")
    assert len(info["files"]) == 104
    for name, digest in spec.files.items():
        assert pooch.file_hash(str(tmp_path / "gadre2024/models" / name)) == digest
    # served from the cache afterwards: no mirror, no network
    assert fetch(NAME, cache_dir=tmp_path) == path


@needs_gadre
def test_a_tampered_mirror_file_is_refused_and_not_cached(tmp_path):
    mirror = _mirror_copy(tmp_path)
    victim = "rpj-d=512_l=8_h=4-4.0.json"
    target = mirror / "gadre2024/models" / victim
    target.write_bytes(target.read_bytes().replace(b'"loss": 3.', b'"loss": 2.', 1))
    cache = tmp_path / "cache"
    with pytest.raises(DatasetError, match="fails its sha256 check") as info:
        load_dataset(NAME, mirror=mirror, cache_dir=cache)
    assert victim in str(info.value) and get_spec(NAME).files[victim] in str(info.value)
    assert not (cache / "gadre2024/models" / victim).exists()
    # the published bytes are accepted again
    shutil.copyfile(RAW / "models" / victim, target)
    assert len(load_dataset(NAME, mirror=mirror, cache_dir=cache).frame) == 832


@needs_gadre
def test_a_tampered_cached_file_is_refused(tmp_path):
    fetch(NAME, mirror=MIRROR, cache_dir=tmp_path)
    cached = tmp_path / "gadre2024/models/c4_original-open_lm_7b-1.0.json"
    cached.write_text(cached.read_text(encoding="utf-8").replace("6889410560", "6889410561"),
                      encoding="utf-8")
    with pytest.raises(DatasetError, match=r"cached file .*open_lm_7b.* fails its sha256 check"):
        load_dataset(NAME, cache_dir=tmp_path)
    fetch(NAME, mirror=MIRROR, cache_dir=tmp_path)  # a verified mirror copy replaces it
    assert pooch.file_hash(str(cached)) == get_spec(NAME).files[cached.name]


@needs_gadre
def test_missing_files_are_downloaded_from_their_pinned_address(tmp_path, monkeypatch):
    """A mirror holding some files: those are used, the others go through pooch with the
    file's own address and hash (served here from the mirror's bytes)."""
    mirror = _mirror_copy(tmp_path)
    missing = sorted(get_spec(NAME).files)[::10]
    for name in missing:
        (mirror / "gadre2024/models" / name).unlink()
    calls = []

    def fake_retrieve(url, known_hash=None, fname=None, path=None, **kwargs):
        calls.append((url, known_hash, fname))
        target = Path(path) / fname
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(RAW / "models" / fname, target)
        return str(target)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    data = load_dataset(NAME, mirror=mirror, cache_dir=tmp_path / "cache")
    assert len(data.frame) == 832
    assert calls == [(f"{BASE}/{n}", f"sha256:{get_spec(NAME).files[n]}", n) for n in missing]


@needs_gadre
def test_a_missing_file_offline_names_it(tmp_path, monkeypatch):
    mirror = _mirror_copy(tmp_path)
    (mirror / "gadre2024/models/rw_original-d=96_l=8_h=4-8.0.json").unlink()

    def failing(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(pooch, "retrieve", failing)
    with pytest.raises(DatasetError, match=r"could not download (?s:.*)d=96_l=8_h=4-8\.0\.json"):
        load_dataset(NAME, mirror=mirror, cache_dir=tmp_path / "cache")


# --------------------------------------------------------------------------- the table


@needs_gadre
def test_table_shape_sizes_and_columns(loaded):
    data, report = loaded
    frame = data.frame
    assert isinstance(data, ScalingData) and (data.size, data.metric) == ("params", "loss")
    assert list(frame.columns) == ["domain", "curve", "data", "params", "compute", "loss",
                                   "split", "label"]
    assert frame.shape == (104 * 8, 8)
    assert data.domains == list(TRAINING_SETS)
    assert list(dict.fromkeys(frame["curve"])) == list(VALIDATION_SETS)
    assert len(data.curves) == 24
    per_curve = frame.groupby(["domain", "curve"]).size()
    assert per_curve.to_dict() == {(d, c): RUNS[d] for d in TRAINING_SETS
                                   for c in VALIDATION_SETS}
    assert sorted(frame["params"].unique().astype(np.int64)) == SIZES
    assert frame["label"].nunique() == 104
    assert (frame.groupby("label")["curve"].nunique() == 8).all()
    np.testing.assert_array_equal(frame["compute"], 6.0 * frame["params"] * frame["data"])
    assert frame["data"].min() > 5e7 and frame["data"].max() < 1e12
    assert frame["loss"].between(1.0, 10.0).all()
    assert (report.raw_rows, report.kept_rows, report.n_dropped) == (104, 832, 0)
    assert sorted(report.source_rows) == sorted(list(range(104)) * 8)
    assert any("tidy rows" in note for note in data.notes)
    assert any(get_spec(NAME).sha256 in note for note in data.notes)
    assert NAME in data.source and COMMIT in data.source


@needs_gadre
def test_values_are_the_published_ones(loaded):
    """Every tidy row equals its run file's fields (read here with json, independently)."""
    frame = loaded[0].frame.set_index(["label", "curve"])
    for path in sorted((RAW / "models").iterdir()):
        run = json.loads(path.read_text(encoding="utf-8"))
        hyper = run["hyperparameters"]
        rows = frame.loc[run["name"]]
        assert (rows["domain"] == run["dataset_name"]).all()
        assert (rows["params"] == hyper["params"]).all()
        assert (rows["data"] == hyper["tokens"]).all()
        losses = [r["loss"] for r in run["results"]]
        assert rows.loc[list(VALIDATION_SETS), "loss"].tolist() == losses


@needs_gadre
def test_split_holds_out_the_largest_runs(loaded):
    frame = loaded[0].frame
    holdout = frame[frame["split"] == "holdout"]
    assert set(holdout["label"]) == HOLDOUT_RUNS
    assert len(holdout) == 9 * 8
    assert sorted(holdout["params"].unique().astype(np.int64)) == SIZES[-2:]
    fit = frame[frame["split"] == "fit"]
    assert len(fit) == 95 * 8
    assert fit["params"].max() < HOLDOUT_MIN_PARAMS <= holdout["params"].min()
    # the 32x over-trained 1.4B run of the paper's headline prediction is held out
    big = holdout[holdout["label"] == "rpj-open_lm_1b-32.0"]
    assert (big["data"] / big["params"]).round().unique().tolist() == [640.0]


# --------------------------------------------------------------------------- the joint law


@needs_gadre
def test_joint_law_constructs_on_every_curve(loaded):
    data = loaded[0]
    model = JointScalingLaw(data)
    assert model.coords[dims.DOMAIN] == list(TRAINING_SETS)
    assert len(model.coords[dims.CURVE]) == 24
    assert model.coords[dims.CURVE][:2] == ["c4_original/openlm", "c4_original/c4_val"]
    assert len(model.data.frame) == 95 * 8 and set(model.data.frame["split"]) == {"fit"}
    # each curve centred on its own fit runs: geometric-mean N below the held-out sizes
    assert (model.ref_params < HOLDOUT_MIN_PARAMS).all()
    built = model.build_model()
    assert built.named_vars_to_dims["alpha"] == (dims.CURVE,)
    assert built.named_vars_to_dims["log_loss"] == (dims.OBS,)
    params = np.asarray(built["params"].get_value())  # the likelihood's N: fit runs only
    assert params.shape == (760,) and params.max() < HOLDOUT_MIN_PARAMS
    observed = np.asarray(built.rvs_to_values[built["log_loss"]].data)
    np.testing.assert_allclose(observed, np.log(model.data.frame["loss"]))


@needs_gadre
def test_select_keeps_chosen_sets_for_a_one_curve_fit(loaded):
    data = loaded[0]
    one = select(data, training_sets="rpj", validation_sets=["c4_val"])
    assert one.curves == [("rpj", "c4_val")] and len(one.frame) == 35
    assert "curve in ['c4_val']" in one.source and "selected 35 of 832 rows" in one.notes[-1]
    model = JointScalingLaw(one)
    assert model.coords[dims.CURVE] == ["rpj/c4_val"] and len(model.data.frame) == 32
    c4_eval = select(data, validation_sets="c4_val")
    assert c4_eval.domains == list(TRAINING_SETS) and len(c4_eval.frame) == 104
    with pytest.raises(DatasetError, match=r"unknown validation set\(s\) \['c4'\]; valid"):
        select(data, validation_sets="c4")
    with pytest.raises(DatasetError, match=r"empty selection of training set\(s\)"):
        select(data, training_sets=[])


# --------------------------------------------------------------------------- cleaner rules

VAL = "training/eval_data/val_tok_mult/{}/00000001.tar"


def _run(name: str, params: float, *, domain: str = "c4_original",
         losses: dict[str, object] | None = None, tokens: object = None) -> dict:
    losses = losses if losses is not None else {"paloma_ptb": 4.0, "de-en": 5.0}
    return {
        "name": name, "dataset_name": domain,
        "hyperparameters": {"params": params, "tokens": 20 * params if tokens is None else tokens,
                            "chinchilla_multiplier": 1.0},
        "results": [{"loss": loss, "val_data": [VAL.format(v)]} for v, loss in losses.items()],
    }


def _write(tmp_path: Path, runs: list[dict | str]) -> list[Path]:
    paths = []
    for i, run in enumerate(runs):
        path = tmp_path / f"run{i}.json"
        path.write_text(run if isinstance(run, str) else json.dumps(run), encoding="utf-8")
        paths.append(path)
    return paths


def _three(tmp_path: Path, **kwargs) -> list[dict]:
    return [_run(f"r{k}", n, **kwargs) for k, n in enumerate((1e7, 1e8, 2e9))]


def test_cleaner_on_synthetic_runs(tmp_path):
    frame, report = clean_gadre(_write(tmp_path, _three(tmp_path)), dataset="t")
    assert len(frame) == 6 and list(frame["curve"][:2]) == ["paloma_ptb", "de-en"]
    assert frame["split"].tolist() == ["fit"] * 4 + ["holdout"] * 2
    assert report.source_rows == (0, 0, 1, 1, 2, 2) and report.n_dropped == 0


@pytest.mark.parametrize(("edit", "message"), [
    (lambda r: r.pop("dataset_name"), r"run1\.json: field 'dataset_name' is missing"),
    (lambda r: r["hyperparameters"].pop("tokens"),
     r"run1\.json: field 'hyperparameters\.tokens' is missing"),
    (lambda r: r["hyperparameters"].update(params="1e8"),
     r"'hyperparameters\.params' must be a number, got a JSON string '1e8'"),
    (lambda r: r["hyperparameters"].update(params=True), "must be a number, got a JSON boolean"),
    (lambda r: r.update(hyperparameters=[1]), "'hyperparameters' must be an object"),
    (lambda r: r.update(results={}), "'results' must be an array"),
    (lambda r: r.update(results=[]), "'results' is empty"),
    (lambda r: r["results"].append(7), r"'results\[2\]' must be an object"),
    (lambda r: r["results"][1].pop("loss"), r"'results\[1\]\.loss' is missing"),
    (lambda r: r["results"][0].pop("val_data"), r"'results\[0\]\.val_data' is missing"),
    (lambda r: r["results"][0].update(loss=None), r"'results\[0\]\.loss' must be a number"),
    (lambda r: r["results"][0].update(val_data="x"), r"'results\[0\]\.val_data' must be an array"),
    (lambda r: r["results"][0].update(val_data=["a.tar", "b.tar"]), "holding one path"),
    (lambda r: r["results"][0].update(val_data=["data/ptb/x.tar"]), "eval_data/<set>/<file>"),
    (lambda r: r["results"][1].update(val_data=[VAL.format("paloma_ptb")]),
     r"repeats validation set 'paloma_ptb' of results\[0\]"),
    (lambda r: r.update(name=" "), "'name' must be non-empty text"),
    (lambda r: r.update(name="r0"), r"run 'r0' \(field 'name'\) is also in run0\.json"),
])
def test_cleaner_names_the_file_and_field_of_a_format_error(tmp_path, edit, message):
    runs = _three(tmp_path)
    edit(runs[1])
    with pytest.raises(DatasetError, match=message) as info:
        clean_gadre(_write(tmp_path, runs), dataset="t")
    assert "run1.json" in str(info.value)


@pytest.mark.parametrize(("text", "message"), [
    ("{", r"run1\.json is not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"name": "a", "name": "b"}', "key 'name' appears twice"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply|not valid JSON"),
])
def test_cleaner_refuses_files_that_are_not_a_run(tmp_path, text, message):
    runs: list[dict | str] = list(_three(tmp_path))
    runs[1] = text
    with pytest.raises(DatasetError, match=message):
        clean_gadre(_write(tmp_path, runs), dataset="t")


def test_cleaner_refuses_non_utf8_and_unreadable_files(tmp_path):
    paths = _write(tmp_path, _three(tmp_path))
    paths[2].write_bytes(b'{"name": "\xff"}')
    with pytest.raises(DatasetError, match=r"run2\.json is not UTF-8"):
        clean_gadre(paths, dataset="t")
    with pytest.raises(DatasetError, match="cannot read"):
        clean_gadre([*paths[:2], tmp_path / "absent.json"], dataset="t")
    with pytest.raises(DatasetError, match="no run files"):
        clean_gadre([], dataset="t")


def test_cleaner_reports_bad_values_instead_of_keeping_them(tmp_path):
    runs = [_run(f"r{k}", n) for k, n in enumerate((1e7, 1e8, 3e8, 2e9))]
    runs[1]["results"][1]["loss"] = -1.0                 # one row of run 1
    runs[2]["hyperparameters"]["tokens"] = 0             # the whole of run 2
    runs.append(_run("r4", 1e300, tokens=1e300))         # 6 N D overflows
    runs.append(_run("r5", 5e8, losses={"paloma_ptb": 3.0, "de-en": 4.5,
                                        "openlm": float("nan")}))
    frame, report = clean_gadre(_write(tmp_path, runs), dataset="t")
    assert [(d.row, d.curve, d.category, d.label) for d in report.dropped] == [
        (1, "de-en", "non-positive loss", "run1.json"),
        (2, None, "non-positive hyperparameters.tokens", "run2.json"),
        (4, None, "implausible compute", "run4.json"),
        (5, "openlm", "non-positive loss", "run5.json"),
    ]
    assert "results[1].loss = -1.0" in report.dropped[0].reason
    assert all(d.line == 1 for d in report.dropped)
    assert list(zip(report.source_rows, frame["curve"], strict=True)) == [
        (0, "paloma_ptb"), (0, "de-en"), (1, "paloma_ptb"), (3, "paloma_ptb"), (3, "de-en"),
        (5, "paloma_ptb"), (5, "de-en")]
    assert report.counts()["non-positive loss"] == 2


def test_cleaner_drops_a_curve_with_too_few_sizes_whole(tmp_path):
    runs = _three(tmp_path)
    runs[0]["results"].append({"loss": 3.0, "val_data": [VAL.format("openlm")]})
    runs[1]["results"].append({"loss": 2.9, "val_data": [VAL.format("openlm")]})
    frame, report = clean_gadre(_write(tmp_path, runs), dataset="t")
    assert "openlm" not in set(frame["curve"]) and len(frame) == 6
    assert [(d.row, d.curve, d.category) for d in report.dropped] == [
        (0, "openlm", "curve with < 3 distinct sizes"),
        (1, "openlm", "curve with < 3 distinct sizes")]
    with pytest.raises(DatasetError, match=r"no usable rows(?s:.*)non-positive loss"):
        clean_gadre(_write(tmp_path, _three(tmp_path, losses={"de-en": 0.0})), dataset="t")
