"""Fuzzing the fit-file loader: random bytes, truncations, bit flips, wrong attrs.

Property: :func:`bayes_scaling.io.load_fit` either refuses with
:class:`~bayes_scaling.errors.FitFileError` or returns a fit whose content *and* attrs are
exactly those that were saved; nothing else escapes, and a damaged file is never silently
accepted. Example counts: ``max_examples`` of the active hypothesis profile per property
(``ci`` 60, ``long`` 2000; see tests/conftest.py); run with
``--hypothesis-show-statistics`` to see them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from _mockfit import mock_fit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bayes_scaling.errors import FitFileError
from bayes_scaling.io import REQUIRED_ATTRS, content_hash, load_fit, save_fit

FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


class Saved(tuple):
    """(path, raw bytes, loaded fit) with a short repr for hypothesis' reports."""

    def __repr__(self) -> str:
        return f"<saved fit {self[0].name}, {len(self[1])} bytes>"


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Saved:
    path = save_fit(mock_fit(), tmp_path_factory.mktemp("fitfile") / "fit.nc")
    return Saved((path, path.read_bytes(), load_fit(path)))


def _attrs(tree: xr.DataTree) -> dict[str, str]:
    return {k: json.dumps(np.asarray(v).tolist()) for k, v in tree.attrs.items()}


def _load_or_refuse(path: Path, original: xr.DataTree) -> str:
    """Load ``path``: either refused with FitFileError, or exactly the original fit."""
    try:
        tree = load_fit(path)
    except FitFileError as exc:
        assert str(exc), "a refusal must say why"
        return "refused"
    assert content_hash(tree) == content_hash(original)
    assert _attrs(tree) == _attrs(original)
    return "identical"


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_are_refused(tmp_path, payload):
    path = tmp_path / "random.nc"
    path.write_bytes(payload)
    with pytest.raises(FitFileError, match=r"cannot read fit file|not a bayes_scaling fit"):
        load_fit(path)


@FUZZ
@given(st.binary(min_size=1, max_size=64))
def test_hdf5_signature_with_garbage_is_refused(tmp_path, tail):
    path = tmp_path / "fake.nc"
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + tail)
    with pytest.raises(FitFileError):
        load_fit(path)


@FUZZ
@given(st.data())
def test_truncation_at_any_offset_is_refused(saved, tmp_path, data):
    _, raw, _ = saved
    cut = data.draw(st.integers(0, len(raw) - 1), label="offset")
    short = tmp_path / "short.nc"
    short.write_bytes(raw[:cut])
    with pytest.raises(FitFileError):
        load_fit(short)


def test_truncation_at_evenly_spaced_offsets_is_refused(saved, tmp_path):
    _, raw, _ = saved
    for cut in np.linspace(0, len(raw) - 1, 25).astype(int):
        (tmp_path / "cut.nc").write_bytes(raw[:cut])
        with pytest.raises(FitFileError):
            load_fit(tmp_path / "cut.nc")


@FUZZ
@given(st.data())
def test_bit_flips_are_refused_or_harmless(saved, tmp_path, data):
    """A flipped bit either makes the file unreadable/unverifiable or fell in bytes that
    carry nothing (padding, unused space): then the content and attrs are unchanged."""
    _, raw, original = saved
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(raw) - 1), st.integers(0, 7)),
                               min_size=1, max_size=4), label="flips")
    damaged = bytearray(raw)
    for offset, bit in flips:
        damaged[offset] ^= 1 << bit
    path = tmp_path / "flipped.nc"
    path.write_bytes(bytes(damaged))
    _load_or_refuse(path, original)


def test_flips_in_the_posterior_values_are_refused(saved, tmp_path):
    """Flip bytes where the posterior values are stored: always detected by the hash."""
    _, raw, original = saved
    values = np.ascontiguousarray(original["posterior"]["log_beta_mu"].values).tobytes()
    offset = raw.find(values[:64])
    assert offset > 0, "the posterior values are stored contiguously and uncompressed"
    damaged = bytearray(raw)
    damaged[offset + 3] ^= 0x10
    path = tmp_path / "flipped.nc"
    path.write_bytes(bytes(damaged))
    with pytest.raises(FitFileError, match="content hash mismatch"):
        load_fit(path)


# NUL and lone surrogates cannot be stored in a NetCDF string attr (save_fit refuses them: see
# the last test), so an edited file cannot hold them either
ATTR_VALUES = st.one_of(st.text(st.characters(codec="utf-8", exclude_characters="\x00"),
                                max_size=30),
                        st.integers(-10**6, 10**6), st.floats(allow_nan=True), st.just(""),
                        st.just("{not json"),
                        st.just("9.0.0"), st.just("0.0.1"), st.just("abc"))


@settings(FUZZ, max_examples=max(10, settings.default.max_examples // 3))  # ~1 s per example
@given(key=st.sampled_from(sorted({*REQUIRED_ATTRS, "diagnostics", "sampler_config",
                                   "data_source", "metric", "size_column", "sampled_vars"})),
       value=st.one_of(st.none(), ATTR_VALUES))
def test_changed_or_missing_attrs_are_refused(saved, tmp_path, key, value):
    """Any edit of a root attr after saving (or its removal) is refused: the attrs are
    covered by the content hash, so e.g. a diagnostics verdict cannot be rewritten."""
    _, _, original = saved
    tree = original.copy()
    if value is None:
        tree.attrs.pop(key, None)
    else:
        tree.attrs[key] = value
    if _attrs(tree) == _attrs(original):
        return  # drew the saved value itself
    path = tmp_path / "edited.nc"
    tree.to_netcdf(path, engine="h5netcdf")
    with pytest.raises(FitFileError):
        load_fit(path)


def test_a_rewritten_diagnostics_verdict_is_refused(saved, tmp_path):
    _, _, original = saved
    tree = original.copy()
    verdict = json.loads(tree.attrs["diagnostics"])
    verdict.update(ok=True, problems=[], divergences=0)
    tree.attrs["diagnostics"] = json.dumps(verdict, sort_keys=True)
    path = tmp_path / "edited.nc"
    tree.to_netcdf(path, engine="h5netcdf")
    with pytest.raises(FitFileError, match="content hash mismatch"):
        load_fit(path)


@pytest.mark.parametrize("group", ["posterior", "log_likelihood", "observed_data",
                                   "constant_data"])
def test_a_missing_group_is_refused(saved, tmp_path, group):
    _, _, original = saved
    tree = original.copy()
    del tree[group]
    path = tmp_path / "nogroup.nc"
    tree.to_netcdf(path, engine="h5netcdf")
    with pytest.raises(FitFileError, match=f"lacks group.*{group}"):
        load_fit(path)


@pytest.mark.parametrize("version", ["1.0.0", "0.2.0", "", "0", "banana", "0.1"])
def test_wrong_or_malformed_versions_are_refused_with_the_version_named(saved, tmp_path,
                                                                        version):
    _, _, original = saved
    tree = original.copy()
    tree.attrs["bayes_scaling_version"] = version
    path = tmp_path / "version.nc"
    save_fit(tree, path)  # re-hashed: only the version is wrong
    if version == "0.1":
        assert load_fit(path).attrs["bayes_scaling_version"] == "0.1"  # same major.minor
        return
    with pytest.raises(FitFileError, match="not compatible"):
        load_fit(path)


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(FitFileError, match="does not exist"):
        load_fit(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode; "
                    "test_a_permission_error_is_named_as_such covers the refusal")
def test_an_unreadable_file_is_refused_as_unreadable(tmp_path):
    locked = tmp_path / "locked.nc"
    save_fit(mock_fit(), locked)
    locked.chmod(0)
    try:
        with pytest.raises(FitFileError, match="permission denied"):
            load_fit(locked)
    finally:
        locked.chmod(0o600)


def test_a_permission_error_is_named_as_such(tmp_path, monkeypatch):
    """A valid fit file that the reader is not allowed to open is refused for that reason,
    not called corrupt (simulated: root, who runs CI here, may read any file)."""
    path = save_fit(mock_fit(), tmp_path / "fit.nc")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("bayes_scaling.io._check_hdf5", denied)
    with pytest.raises(FitFileError, match="permission denied") as info:
        load_fit(path)
    assert "corrupt" not in str(info.value)


def test_an_unstorable_attr_is_refused_on_save_and_nothing_is_written(tmp_path):
    tree = mock_fit().copy()
    tree.attrs["data_source"] = "table\x00.csv"
    with pytest.raises(FitFileError, match="cannot write"):
        save_fit(tree, tmp_path / "fit.nc")
    assert list(tmp_path.iterdir()) == []
