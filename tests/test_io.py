"""Saving and loading fits: NetCDF round trip, atomic writes, verification."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from _fits import simulated_fit

from bayes_scaling.errors import FitFileError, OutputExistsError
from bayes_scaling.files import atomic_path
from bayes_scaling.io import load_fit, save_fit
from bayes_scaling.models.learning_curve import fitted_table


@pytest.fixture(scope="module")
def fit():
    return simulated_fit()[1]


def test_round_trip_keeps_values_and_attrs(fit, tmp_path):
    path = save_fit(fit, tmp_path / "fit.nc")
    loaded = load_fit(path)
    np.testing.assert_array_equal(loaded["posterior"]["beta"].values,
                                  fit["posterior"]["beta"].values)
    assert loaded.attrs["model_id"] == fit.attrs["model_id"]
    assert list(loaded["posterior"]["curve"].values) == list(fit["posterior"]["curve"].values)
    assert (path.read_bytes()[:8]) == b"\x89HDF\r\n\x1a\n"  # NetCDF4/HDF5, not pickle


def test_fitted_table_round_trips(fit, tmp_path):
    sim = simulated_fit()[0]
    loaded = load_fit(save_fit(fit, tmp_path / "fit.nc"))
    table = fitted_table(loaded)
    np.testing.assert_allclose(table["error"].to_numpy(), sim.frame["error"].to_numpy())
    assert list(table["domain"]) == list(sim.frame["domain"])


def test_refuses_to_overwrite_without_flag(fit, tmp_path):
    path = save_fit(fit, tmp_path / "fit.nc")
    before = path.read_bytes()
    with pytest.raises(OutputExistsError, match="--force"):
        save_fit(fit, path)
    assert path.read_bytes() == before
    save_fit(fit, path, overwrite=True)


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "out.nc"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("killed mid-write")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_truncated_file_refused(fit, tmp_path):
    path = save_fit(fit, tmp_path / "fit.nc")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FitFileError, match="truncated, corrupt or not NetCDF"):
        load_fit(path)


def test_tampered_posterior_refused(fit, tmp_path):
    tampered = fit.copy()
    post = tampered["posterior"].to_dataset()
    post["beta"] = post["beta"] * 1.1
    tampered["posterior"] = xr.DataTree(post)
    tampered.attrs["content_sha256"] = "0" * 64
    path = tmp_path / "t.nc"
    tampered.to_netcdf(path, engine="h5netcdf")
    with pytest.raises(FitFileError, match="content hash mismatch"):
        load_fit(path)


def test_wrong_version_and_missing_attrs_refused(fit, tmp_path):
    old = fit.copy()
    old.attrs["bayes_scaling_version"] = "9.0.0"
    path = tmp_path / "old.nc"
    save_fit(old, path)
    with pytest.raises(FitFileError, match="not compatible"):
        load_fit(path)
    bare = xr.DataTree(fit["posterior"].to_dataset())
    with pytest.raises(FitFileError, match="not a bayes_scaling fit"):
        save_fit(bare, tmp_path / "bare.nc")
    with pytest.raises(FitFileError, match="does not exist"):
        load_fit(tmp_path / "missing.nc")
