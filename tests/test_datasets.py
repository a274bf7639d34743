"""Tests of bayes_scaling.datasets: registry, verified fetching, cleaners, reports.

Everything runs offline: public files come from the shared mirror
(``../shared/datasets/raw`` next to the repository) and ``pooch.retrieve`` is replaced
by a function that fails, so any attempt to reach the network is an error.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pooch
import pytest
import yaml
from _paths import MIRROR, needs_mirror

from bayes_scaling.data import ScalingData
from bayes_scaling.datasets import (
    ENV_CACHE,
    ENV_MIRROR,
    CleaningReport,
    DroppedRow,
    dataset_info,
    fetch,
    list_datasets,
    load_dataset,
    load_dataset_report,
)
from bayes_scaling.datasets.chinchilla import REFERENCE_FITS, reference_loss
from bayes_scaling.datasets.loading import CLEANERS
from bayes_scaling.datasets.rawcsv import read_raw_csv
from bayes_scaling.datasets.registry import (
    CLEANER_NAMES,
    get_spec,
    load_registry,
    parse_registry,
    registry_path,
)
from bayes_scaling.datasets.revisiting import task_name
from bayes_scaling.datasets.timeparse import TimeParseError, parse_duration
from bayes_scaling.errors import DatasetError

PUBLIC = [
    "thompson2020-imagenet", "thompson2020-mscoco", "thompson2020-squad",
    "thompson2020-conll2003", "thompson2020-wmt14-en-de", "thompson2020-wmt14-en-fr",
    "chinchilla-epoch2024", "revisiting2022-lang",
]
#: Datasets measured by this project and shipped with the package.
EMBEDDED = ["mlp-learning-curves", "dense-learning-curves"]
#: Public datasets of several files, tested in their own modules (test_gadre2024.py).
MULTI_FILE = ["gadre2024"]

# Exact outcome of each cleaner on the pinned raw files: raw rows, tidy rows, drop
# entries by reason category, tidy rows per curve. Any change to a rule shows up here.
EXPECTED: dict[str, tuple[int, int, dict[str, int], dict[str, int]]] = {
    "thompson2020-imagenet": (164, 42, {
        "missing hw_gflops": 57, "missing time": 48, "budget is not this model's training": 30,
        "unparseable time": 6, "duplicate model": 1, "implausible time": 1,
        "missing top5_error": 1,
    }, {"top1": 21, "top5": 21}),
    "thompson2020-mscoco": (95, 33, {
        "missing time": 29, "missing hw_gflops": 20, "unparseable time": 13,
    }, {"box_ap": 33}),
    "thompson2020-squad": (60, 17, {
        "missing hw_gflops": 37, "missing time": 5, "missing model name": 1,
    }, {"f1": 17}),
    "thompson2020-conll2003": (40, 13, {
        "missing hw_gflops": 21, "unparseable time": 4, "missing time": 2,
    }, {"f1": 13}),
    "thompson2020-wmt14-en-de": (43, 12, {
        "missing hw_gflops": 17, "missing time": 9, "unparseable time": 4, "duplicate model": 1,
    }, {"bleu": 12}),
    "thompson2020-wmt14-en-fr": (32, 12, {
        "missing hw_gflops": 13, "missing time": 3, "unparseable time": 3, "duplicate model": 1,
    }, {"bleu": 12}),
    "chinchilla-epoch2024": (245, 245, {}, {"hoffmann2022-fig4": 245}),
    "revisiting2022-lang": (1399, 712, {"exact duplicate": 687}, {}),
}


def _no_network(*args, **kwargs):
    raise AssertionError(f"network access attempted: pooch.retrieve{args}")


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No test may download: pooch.retrieve fails, and no env var leaks in."""
    monkeypatch.setattr(pooch, "retrieve", _no_network)
    monkeypatch.delenv(ENV_CACHE, raising=False)
    monkeypatch.delenv(ENV_MIRROR, raising=False)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> dict[str, tuple[ScalingData, CleaningReport]]:
    """Every public dataset loaded once from the mirror into a fresh cache."""
    if not MIRROR.is_dir():
        pytest.skip(f"offline data mirror {MIRROR} is absent")
    cache = tmp_path_factory.mktemp("cache")
    mp = pytest.MonkeyPatch()
    mp.setattr(pooch, "retrieve", _no_network)
    try:
        return {n: load_dataset_report(n, mirror=MIRROR, cache_dir=cache) for n in PUBLIC}
    finally:
        mp.undo()


def _mirror_copy(tmp_path: Path, filename: str) -> Path:
    """A private mirror holding one file of the shared mirror."""
    root = tmp_path / "mirror"
    (root / filename).parent.mkdir(parents=True)
    shutil.copyfile(MIRROR / filename, root / filename)
    return root


# --------------------------------------------------------------------------- registry


def test_list_datasets_contents():
    table = list_datasets()
    assert list(table.columns) == ["name", "kind", "description", "metric", "size", "rows",
                                   "citation", "license"]
    assert list(table["name"]) == [EMBEDDED[0], *PUBLIC, *MULTI_FILE, *EMBEDDED[1:]]
    by_name = table.set_index("name")
    assert (by_name.loc[EMBEDDED, "kind"] == "embedded").all()
    assert (by_name.loc[PUBLIC, "kind"] == "public").all()
    assert by_name.loc["mlp-learning-curves", ["metric", "size"]].tolist() == ["error", "data"]
    assert by_name.loc["chinchilla-epoch2024", ["metric", "size"]].tolist() == ["loss", "params"]
    assert by_name.loc["revisiting2022-lang", ["metric", "size"]].tolist() == ["loss", "data"]
    for name in PUBLIC[:6]:
        assert by_name.loc[name, ["metric", "size"]].tolist() == ["error", "compute"]
        assert "Thompson" in by_name.loc[name, "citation"]
    assert {n: int(by_name.loc[n, "rows"]) for n in PUBLIC} == {
        n: EXPECTED[n][0] for n in PUBLIC}
    assert table["description"].str.len().min() > 20
    assert table["license"].str.len().min() > 2


def test_registry_public_entries_pinned_and_hashed():
    for spec in load_registry().values():
        if spec.kind != "public":
            continue
        assert spec.url.startswith("https://raw.githubusercontent.com/")
        assert len(spec.sha256) == 64
        assert spec.url.endswith(Path(spec.filename).name)
        assert spec.cleaner in CLEANERS
        for remote in spec.remote_files():  # every file of a multi-file dataset too
            assert remote.url.startswith(spec.url)
            assert len(remote.sha256) == 64
            assert remote.url.endswith(Path(remote.filename).name)


def test_registry_cleaner_names_match_implementations():
    assert set(CLEANER_NAMES) == set(CLEANERS)


def _document() -> dict:
    return yaml.safe_load(registry_path().read_text(encoding="utf-8"))


def test_registry_rejects_unknown_key(tmp_path):
    document = _document()
    document["datasets"][1]["sha265"] = document["datasets"][1]["sha256"]
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(DatasetError, match=r"unknown key 'sha265' \(did you mean 'sha256'\?\)"):
        load_registry(path)


@pytest.mark.parametrize(("index", "change", "message"), [
    (1, {"kind": "remote"}, "'kind' must be one of"),
    (1, {"sha256": "abc"}, "64 lower-case hex"),
    (1, {"url": "https://example.org/imagenet.csv"}, "pinned to a"),
    (1, {"metric": "accuracy"}, "'metric' must be one of"),
    (1, {"size": "tokens"}, "'size' must be one of"),
    (1, {"rows": 0}, "positive integer"),
    (1, {"filename": "../escape.csv"}, "relative path"),
    (1, {"cleaner": "magic"}, "'cleaner' must be one of"),
    (0, {"url": "https://raw.githubusercontent.com/a/b/" + "0" * 40 + "/x.csv"},
     "unknown key 'url'"),
])
def test_registry_rejects_bad_values(index, change, message):
    document = _document()
    document["datasets"][index].update(change)
    with pytest.raises(DatasetError, match=message):
        parse_registry(document)


def test_registry_rejects_missing_key_duplicate_name_and_bad_schema():
    document = _document()
    del document["datasets"][2]["citation"]
    with pytest.raises(DatasetError, match=r"missing key\(s\) \['citation'\]"):
        parse_registry(document)
    document = _document()
    document["datasets"].append(copy.deepcopy(document["datasets"][3]))
    with pytest.raises(DatasetError, match="appears more than once"):
        parse_registry(document)
    with pytest.raises(DatasetError, match="'schema' must be 1"):
        parse_registry({**_document(), "schema": 2})
    with pytest.raises(DatasetError, match="unknown top-level key"):
        parse_registry({**_document(), "extra": 1})


def test_unknown_dataset_name_lists_valid_names():
    with pytest.raises(DatasetError) as info:
        load_dataset("imagnet")
    text = str(info.value)
    assert "unknown dataset 'imagnet'" in text
    assert "Did you mean 'thompson2020-imagenet'" in text
    for name in PUBLIC:
        assert name in text
    with pytest.raises(DatasetError, match="Did you mean 'revisiting2022-lang'"):
        dataset_info("revisiting-lang")
    with pytest.raises(DatasetError, match="unknown dataset"):
        fetch("nope")


def test_dataset_info(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_CACHE, str(tmp_path))
    info = dataset_info("thompson2020-imagenet")
    assert info["sha256"] == get_spec("thompson2020-imagenet").sha256
    assert info["options"] == {"benchmark": "imagenet"}
    assert info["local_path"] == str(tmp_path / "thompson2020/imagenet.csv")
    assert info["available"] is False
    assert info["compute_kinds"] == ["hardware", "network"]
    assert dataset_info("thompson2020-squad")["compute_kinds"] == ["hardware"]
    assert "url" not in dataset_info("mlp-learning-curves")
    info["options"]["benchmark"] = "changed"  # a copy: the registry is not affected
    assert get_spec("thompson2020-imagenet").options == {"benchmark": "imagenet"}


# --------------------------------------------------------------------------- fetching


@needs_mirror
def test_mirror_fetch_is_verified_and_cached_without_network(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(pooch, "retrieve", lambda *a, **k: calls.append(a) or _no_network())
    path = fetch("revisiting2022-lang", mirror=MIRROR, cache_dir=tmp_path)
    assert path == tmp_path / "revisiting_neural_scaling_laws/benchmark.lang.csv"
    assert pooch.file_hash(str(path)) == get_spec("revisiting2022-lang").sha256
    # second call: served from the cache, still no network, mirror not needed
    assert fetch("revisiting2022-lang", cache_dir=tmp_path) == path
    assert calls == []


@needs_mirror
def test_environment_variables_select_mirror_and_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_MIRROR, str(MIRROR))
    monkeypatch.setenv(ENV_CACHE, str(tmp_path / "envcache"))
    path = fetch("chinchilla-epoch2024")
    assert path == tmp_path / "envcache/chinchilla/svg_extracted_data.csv"
    assert dataset_info("chinchilla-epoch2024")["available"] is True


@needs_mirror
def test_tampered_mirror_file_is_refused_and_not_cached(tmp_path):
    filename = "thompson2020/imagenet.csv"
    mirror = _mirror_copy(tmp_path, filename)
    with (mirror / filename).open("ab") as handle:
        handle.write(b" ")
    cache = tmp_path / "cache"
    with pytest.raises(DatasetError, match="sha256") as info:
        fetch("thompson2020-imagenet", mirror=mirror, cache_dir=cache)
    assert get_spec("thompson2020-imagenet").sha256 in str(info.value)
    assert not (cache / filename).exists()
    with pytest.raises(DatasetError, match="sha256"):
        load_dataset("thompson2020-imagenet", mirror=mirror, cache_dir=cache)
    assert not (cache / filename).exists()


@needs_mirror
def test_tampered_cached_file_is_refused(tmp_path):
    path = fetch("thompson2020-squad", mirror=MIRROR, cache_dir=tmp_path)
    path.write_bytes(path.read_bytes().replace(b"BERT", b"BURT"))
    with pytest.raises(DatasetError, match=r"cached file .* fails its sha256 check"):
        fetch("thompson2020-squad", cache_dir=tmp_path)
    with pytest.raises(DatasetError, match="sha256"):
        load_dataset("thompson2020-squad", cache_dir=tmp_path)
    # a verified mirror copy replaces the tampered cache entry
    assert fetch("thompson2020-squad", mirror=MIRROR, cache_dir=tmp_path) == path
    assert pooch.file_hash(str(path)) == get_spec("thompson2020-squad").sha256


def test_missing_mirror_folder_is_an_error(tmp_path):
    with pytest.raises(DatasetError, match="not an existing folder"):
        fetch("chinchilla-epoch2024", mirror=tmp_path / "absent", cache_dir=tmp_path)


def test_download_goes_through_pooch_with_known_hash(tmp_path, monkeypatch):
    spec = get_spec("chinchilla-epoch2024")
    seen = {}

    def fake_retrieve(url, known_hash=None, fname=None, path=None, **kwargs):
        seen.update(url=url, known_hash=known_hash, fname=fname, path=Path(path))
        target = Path(path) / fname
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("downloaded")
        return str(target)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    mirror_without_file = tmp_path / "emptymirror"
    mirror_without_file.mkdir()
    path = fetch("chinchilla-epoch2024", mirror=mirror_without_file, cache_dir=tmp_path / "c")
    assert seen == {"url": spec.url, "known_hash": f"sha256:{spec.sha256}",
                    "fname": "svg_extracted_data.csv", "path": tmp_path / "c/chinchilla"}
    assert path == tmp_path / "c/chinchilla/svg_extracted_data.csv"


def test_download_failure_becomes_dataset_error(tmp_path, monkeypatch):
    def failing(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(pooch, "retrieve", failing)
    with pytest.raises(DatasetError, match=r"could not download (?s:.*)\$BAYES_SCALING_DATA"):
        fetch("revisiting2022-lang", cache_dir=tmp_path)
    assert not (tmp_path / "revisiting_neural_scaling_laws/benchmark.lang.csv").exists()


def test_embedded_dataset_cannot_be_fetched():
    with pytest.raises(DatasetError, match="not public"):
        fetch("mlp-learning-curves")


# --------------------------------------------------------------------------- loading


@needs_mirror
@pytest.mark.parametrize("name", PUBLIC)
def test_public_dataset_loads_with_exact_counts(loaded, name):
    data, report = loaded[name]
    raw, kept, counts, per_curve = EXPECTED[name]
    spec = get_spec(name)
    assert isinstance(data, ScalingData)
    assert data.size == spec.size and data.metric == spec.metric
    assert report.raw_rows == raw == len(read_raw_csv(MIRROR / spec.filename))
    assert report.kept_rows == kept == len(data.frame)
    assert report.counts() == counts
    assert report.n_dropped == sum(counts.values())
    if per_curve:
        assert data.frame.groupby("curve").size().to_dict() == per_curve
    assert name in data.source
    assert any("tidy rows" in note for note in data.notes)


@needs_mirror
@pytest.mark.parametrize("name", PUBLIC)
def test_every_raw_row_is_kept_or_reported(loaded, name):
    """No silent drop: each raw row (x curve) is kept once or dropped once with a reason."""
    data, report = loaded[name]
    assert len(report.source_rows) == len(data.frame)
    kept = set(zip(report.source_rows, data.frame["curve"], strict=True))
    assert len(kept) == len(data.frame)
    whole = {d.row for d in report.dropped if d.curve is None}
    partial = {(d.row, d.curve) for d in report.dropped if d.curve is not None}
    assert len(whole) + len(partial) == report.n_dropped  # no row reported twice
    if name.startswith("thompson2020"):
        curves = sorted(EXPECTED[name][3])
        for row in range(report.raw_rows):
            states = [(row, c) in kept or (row, c) in partial for c in curves]
            assert row in whole or all(states), f"row {row} unaccounted"
            assert not (row in whole and any(states)), f"row {row} counted twice"
    else:
        kept_rows = {r for r, _ in kept}
        assert not partial
        assert kept_rows | whole == set(range(report.raw_rows))
        assert not kept_rows & whole
    assert all(d.reason and d.category and d.line >= 2 for d in report.dropped)


@needs_mirror
def test_revisiting_deduplication(loaded):
    data, report = loaded["revisiting2022-lang"]
    frame = data.frame
    assert report.raw_rows == 1399
    assert report.counts() == {"exact duplicate": 687}
    assert (frame["domain"] == "LM").sum() == 229
    assert len(frame) == 1399 - 687
    curves = frame.groupby("domain")["curve"].nunique().to_dict()
    assert curves == {"NMT": 5, "LM": 5, "BB": 10}
    assert len(data.curves) == 20
    assert set(frame["split"]) == {"fit", "holdout"}
    assert "qa 1-shot/262M" in set(frame["curve"])
    raw = read_raw_csv(MIRROR / get_spec("revisiting2022-lang").filename)
    for drop in report.dropped:
        first = int(drop.reason.removeprefix("exact duplicate of row "))
        assert first < drop.row and raw.rows[first] == raw.rows[drop.row]
        assert raw.cell(drop.row, "Domain") == "LM"
    assert report.to_frame()["reason"].str.startswith("exact duplicate of row ").all()
    fit_rows = [raw.cell(r, "Training") == "1" for r in report.source_rows]
    assert fit_rows == (frame["split"] == "fit").tolist()


@needs_mirror
def test_chinchilla_tokens_and_reference_fits(loaded):
    data, report = loaded["chinchilla-epoch2024"]
    frame = data.frame
    assert data.size == "params" and data.metric == "loss"
    assert data.curves == [("chinchilla", "hoffmann2022-fig4")]
    np.testing.assert_allclose(frame["data"], frame["compute"] / (6 * frame["params"]))
    assert any("compute / (6 * params)" in c for c in report.conversions)
    assert set(REFERENCE_FITS) == {"hoffmann2022", "besiroglu2024"}
    assert dict(REFERENCE_FITS["hoffmann2022"]) | {"citation": ""} == {
        "E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28, "citation": ""}
    for fit in REFERENCE_FITS.values():
        assert "arXiv" in fit["citation"]
    for name in REFERENCE_FITS:
        residual = frame["loss"] - reference_loss(name, frame["params"], frame["data"])
        assert np.median(np.abs(residual)) < 0.1


@needs_mirror
def test_thompson_hardware_compute_and_conversions(loaded):
    data, report = loaded["thompson2020-imagenet"]
    frame = data.frame
    alexnet = frame[(frame["label"] == "AlexNet  7CNNs") & (frame["curve"] == "top1")]
    assert alexnet["compute"].item() == pytest.approx(3.16e3 * 1e9 * 4.75e5)
    assert alexnet["error"].item() == pytest.approx(0.367)
    assert alexnet["year"].item() == 2012
    assert report.options == {"compute": "hardware"}
    assert "compute kind: hardware" in data.notes
    assert any(c.startswith("curve 'top1': error = top1_error/100") for c in report.conversions)
    assert any("hw_gflops * 1e9 * time_sec" in c for c in report.conversions)
    dropped = report.to_frame()
    implausible = dropped[dropped["category"] == "implausible time"]
    assert implausible["row"].tolist() == [160]
    assert "95 imgs/sec" in implausible["reason"].item()
    dup = dropped[dropped["category"] == "duplicate model"]
    assert dup[["row", "curve"]].values.tolist() == [[140, "top1"]]
    assert dup["reason"].item().startswith("duplicate of row 139")
    # search/proxy budgets are not attributed to the models (NASNet table, MnasNet)
    assert not {"Inceptionv1", "MnasNetA1"} & set(frame["label"])
    budget = dropped[dropped["category"] == "budget is not this model's training"]
    assert budget.set_index("row").loc[150, "reason"].startswith("#training_data 50000")


@needs_mirror
def test_thompson_free_text_times(loaded):
    report = loaded["thompson2020-mscoco"][1]
    dropped = report.to_frame().set_index("row")
    assert dropped.loc[1, "reason"].startswith("unparseable time '160k iterations'")
    assert dropped.loc[1, "line"] == 3
    de_report = loaded["thompson2020-wmt14-en-de"][1]
    overrides = [c for c in de_report.conversions if "disagreeing" in c]
    assert "2 row(s)" in overrides[0] and "'2 weeks'" in overrides[0]
    bleu = [c for c in de_report.conversions if "error = 1 - BLEU/100" in c]
    assert bleu and "not an error rate" in bleu[0]


@needs_mirror
def test_thompson_network_compute(tmp_path):
    data, report = load_dataset_report("thompson2020-imagenet", mirror=MIRROR,
                                       cache_dir=tmp_path, compute="network")
    assert report.options == {"compute": "network"}
    assert "compute=network" in data.source
    assert "compute kind: network" in data.notes
    assert report.kept_rows == len(data.frame) == 48
    assert report.counts() == {"missing #epochs": 56, "missing operations per pass": 54,
                               "budget is not this model's training": 30}
    assert data.frame.groupby("curve").size().to_dict() == {"top1": 24, "top5": 24}
    row = data.frame[data.frame["label"] == "VGG16 (reimplementation)"]
    assert row["compute"].iloc[0] == pytest.approx(1.55e10 * 100 * 1.2e6)
    with pytest.raises(DatasetError, match="not available for thompson2020-squad"):
        load_dataset("thompson2020-squad", mirror=MIRROR, cache_dir=tmp_path,
                     compute="network")
    with pytest.raises(DatasetError, match="no curve keeps at least 3"):
        load_dataset("thompson2020-conll2003", mirror=MIRROR, cache_dir=tmp_path,
                     compute="network")
    with pytest.raises(DatasetError, match="compute must be one of"):
        load_dataset("thompson2020-imagenet", mirror=MIRROR, cache_dir=tmp_path,
                     compute="wallclock")
    with pytest.raises(DatasetError, match="applies only to the thompson2020"):
        load_dataset("chinchilla-epoch2024", mirror=MIRROR, cache_dir=tmp_path,
                     compute="network")


def test_embedded_dataset_loads_if_present():
    info = dataset_info("mlp-learning-curves")
    if not info["available"]:
        pytest.skip(f"embedded CSV {info['local_path']} not written yet")
    data, report = load_dataset_report("mlp-learning-curves")
    assert data.size == "data" and data.metric == "error"
    assert report.n_dropped == 0
    assert report.kept_rows == report.raw_rows == len(data.frame) == info["rows"]
    assert {"seed", "params", "compute"} <= set(data.frame.columns)


def test_embedded_loader_on_a_synthetic_csv(tmp_path, monkeypatch):
    """The embedded code path, independent of whether the real CSV exists yet."""
    import bayes_scaling.datasets.embedded as embedded

    rows = ["domain,curve,data,params,compute,seed,error"]
    for seed in (0, 1):
        for data in (100, 1000, 10000):
            rows.append(f"mlp,w64,{data},5000,{data * 3e4},{seed},{0.5 / (1 + data / 1e3)}")
    (tmp_path / "mlp_learning_curves.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "mlp_learning_curves.meta.json").write_text("{}")
    monkeypatch.setattr(embedded, "resource_dir", lambda name: tmp_path)
    data, report = load_dataset_report("mlp-learning-curves")
    assert len(data.frame) == report.kept_rows == report.raw_rows == 6
    assert report.counts() == {} and report.source_rows == tuple(range(6))
    assert any("meta.json" in note for note in report.notes)
    assert "datasets/mlp_learning_curves.csv" in data.source
    listed = list_datasets().set_index("name")
    assert listed.loc["mlp-learning-curves", "rows"] == 6
    with pytest.raises(DatasetError, match="applies only to the thompson2020"):
        load_dataset("mlp-learning-curves", compute="hardware")
    (tmp_path / "mlp_learning_curves.csv").unlink()
    with pytest.raises(DatasetError, match="is missing"):
        load_dataset("mlp-learning-curves")
    assert pd.isna(list_datasets().set_index("name").loc["mlp-learning-curves", "rows"])


# --------------------------------------------------------------------------- pieces


@pytest.mark.parametrize(("text", "epochs", "seconds"), [
    ("3days", None, 3 * 86400),
    ("3.5 days", None, 3.5 * 86400),
    ("10-14 days", None, 12 * 86400),
    ("2 ~ 4 weeks", None, 3 * 604800),
    ("27hrs 40mins", None, 27 * 3600 + 40 * 60),
    ("96h", None, 96 * 3600),
    ("175 min", None, 175 * 60),
    ("36000", None, 36000),
    ("24 minutes per epoch", 12.5, 24 * 60 * 12.5),
])
def test_parse_duration(text, epochs, seconds):
    assert parse_duration(text, epochs=epochs) == pytest.approx(seconds)


@pytest.mark.parametrize("text", [
    "160k iterations", "30k steps", "14.9 fps", "1710 word/s", "10 GPU days",
    "200 GPUhours", "0.712(s/iter) * 270k", "1day/64 k40s", "79s/epoch", "", "3days?",
    "1.16 faster than CNN-BiLSTM-CRF",
])
def test_parse_duration_rejects_non_durations(text):
    with pytest.raises(TimeParseError):
        parse_duration(text)


def test_task_name():
    assert task_name("('date', '1-shot')") == "date 1-shot"
    assert task_name("log_perplexity") == "log_perplexity"


def test_cleaning_report_frame_and_summary():
    report = CleaningReport(
        "demo", raw_rows=4, kept_rows=2,
        dropped=(DroppedRow(1, 3, "missing hw_gflops", "missing hw_gflops", label="m1"),
                 DroppedRow(3, 5, "exact duplicate", "exact duplicate of row 0", curve="c")),
        conversions=("error = 1 - F1/100",), notes=("a note",), options={"compute": "x"})
    frame = report.to_frame()
    assert list(frame.columns) == ["row", "line", "curve", "label", "category", "reason"]
    assert frame["row"].tolist() == [1, 3] and frame["curve"].tolist() == ["", "c"]
    text = report.summary()
    for part in ("4 raw rows -> 2 tidy rows", "missing hw_gflops", "exact duplicate",
                 "error = 1 - F1/100", "a note", "compute=x"):
        assert part in text
    empty = CleaningReport("none", raw_rows=1, kept_rows=1)
    assert empty.counts() == {} and empty.to_frame().empty
    assert isinstance(empty.to_frame(), pd.DataFrame)
