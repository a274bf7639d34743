"""Save and load fits as NetCDF (never pickle), atomically and verified.

A fit file is an ArviZ ``DataTree`` written with ``DataTree.to_netcdf`` (h5netcdf).
Its root attrs identify what was fitted: ``model_type``, ``bayes_scaling_version``,
``model_config`` (JSON), ``priors`` (JSON), ``data_sha256``, ``model_id`` and a
``content_sha256`` over the posterior and observed values. :func:`load_fit` checks
them all: a truncated, tampered-with or incompatible file raises
:class:`~bayes_scaling.errors.FitFileError`.

Writes go to a temporary file in the destination folder and are renamed into
place, so an interrupted run never leaves a half-written file; an existing file is
only replaced with ``overwrite=True``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import h5py
import numpy as np
import xarray as xr

from bayes_scaling import __version__
from bayes_scaling.errors import FitFileError
from bayes_scaling.files import write_atomic

__all__ = [
    "load_fit",
    "save_fit",
    "verify_fit",
]

REQUIRED_ATTRS = ("model_type", "bayes_scaling_version", "model_config", "priors",
                  "data_sha256", "model_id", "content_sha256")
REQUIRED_GROUPS = ("posterior", "log_likelihood", "observed_data", "constant_data")
_HASHED_GROUPS = ("posterior", "observed_data", "constant_data")
_VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.\d+)?(?:[.+-]?[0-9A-Za-z.+-]*)?$")


def _attr_text(value: object) -> str:
    """An attr value as text that survives a NetCDF round trip (numpy scalars and arrays
    come back for ints, floats and lists)."""
    return json.dumps(np.asarray(value).tolist(), sort_keys=True, default=str)


def content_hash(tree: xr.DataTree) -> str:
    """SHA-256 over the values of the posterior, observed and constant data and over the
    root attrs (except ``content_sha256`` itself): the model identity, priors, sampler
    settings and the diagnostics verdict cannot be edited unnoticed either."""
    digest = hashlib.sha256()
    for key in sorted(map(str, tree.attrs)):
        if key != "content_sha256":
            digest.update(f"attr/{key}/{_attr_text(tree.attrs[key])}\x1f".encode())
    for group in _HASHED_GROUPS:
        if group not in tree.children:
            continue
        ds = tree[group].to_dataset()
        for name in sorted(map(str, ds.variables)):
            values = np.asarray(ds[name].values)
            text = values.dtype.kind in "OUS"  # str dtype changes (U <-> O) on reload
            kind = "text" if text else values.dtype.str
            digest.update(f"{group}/{name}/{kind}/{values.shape}".encode())
            if text:
                digest.update("\x1f".join(map(str, values.ravel())).encode())
            else:
                digest.update(np.ascontiguousarray(values).tobytes())
    return digest.hexdigest()


def save_fit(tree: xr.DataTree, path: str | Path, *, overwrite: bool = False) -> Path:
    """Save a fit to NetCDF, atomically, with a content hash.

    Parameters
    ----------
    tree : xarray.DataTree
        A fit returned by a model's ``fit()``.
    path : str or pathlib.Path
        Destination (``.nc``).
    overwrite : bool, default False
        Replace an existing file.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.io import load_fit, save_fit
    >>> path = save_fit(fit, "fit.nc")
    >>> load_fit(path).attrs["model_id"] == fit.attrs["model_id"]
    True
    >>> save_fit(fit, "fit.nc")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    bayes_scaling.errors.OutputExistsError: ...
    >>> path = save_fit(fit, "fit.nc", overwrite=True)
    """
    missing = [a for a in REQUIRED_ATTRS if a != "content_sha256" and a not in tree.attrs]
    if missing:
        raise FitFileError(f"not a bayes_scaling fit (missing attrs {missing}); save the "
                           "result of a model's fit()")
    tree = tree.copy()
    tree.attrs["content_sha256"] = content_hash(tree)

    def write(tmp: Path) -> None:
        try:
            tree.to_netcdf(tmp, engine="h5netcdf")
        except (TypeError, ValueError) as exc:  # a value NetCDF cannot store
            raise FitFileError(f"cannot write the fit to {path}: {exc}") from exc

    return write_atomic(path, write, overwrite=overwrite)


def _check_hdf5(path: Path) -> None:
    """Open the file and read every object's attributes with h5py.

    h5netcdf leaves a half-built ``File`` behind when HDF5 fails on damaged metadata, and
    its finaliser then fails noisily ("Exception ignored in ..."); reading the metadata
    with h5py first turns such damage into a clean error before h5netcdf sees the file.
    """
    with h5py.File(path, "r") as handle:
        dict(handle.attrs)
        handle.visititems(lambda _name, obj: dict(obj.attrs) and None)


def load_fit(path: str | Path, *, verify: bool = True) -> xr.DataTree:
    """Load a fit saved by :func:`save_fit` and verify it.

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.nc`` file.
    verify : bool, default True
        Check attrs, groups, version compatibility and the content hash.

    Returns
    -------
    xarray.DataTree
        Fully loaded into memory (the file is closed).

    Raises
    ------
    FitFileError
        If the file is missing, unreadable/truncated, lacks groups or attrs, was made
        by an incompatible major version, or its content hash does not match.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.io import load_fit, save_fit
    >>> loaded = load_fit(save_fit(fit, "fit.nc"))
    >>> sorted(loaded.children)  # doctest: +NORMALIZE_WHITESPACE
    ['constant_data', 'log_likelihood', 'observed_data', 'posterior', 'sample_stats']
    """
    path = Path(path)
    if not path.is_file():
        raise FitFileError(f"fit file {path} does not exist")
    try:
        _check_hdf5(path)
        with xr.open_datatree(path, engine="h5netcdf") as handle:
            tree = handle.load()
    except PermissionError as exc:
        raise FitFileError(
            f"cannot read fit file {path}: permission denied ({exc}); give the user running "
            "bayes-scaling read access to it (e.g. chmod u+r)"
        ) from exc
    except Exception as exc:  # any reader failure means the file is unusable
        raise FitFileError(
            f"cannot read fit file {path}: it is truncated, corrupt or not NetCDF "
            f"({type(exc).__name__}: {exc})"
        ) from exc
    if verify:
        verify_fit(tree, source=str(path))
    return tree


def _compatible(saved: str, current: str) -> bool:
    """Same major version (and the same minor while 0.x); a malformed version is not."""
    match = _VERSION.match(saved)
    if not match:
        return False
    major, minor = match.groups()
    now_major, now_minor = _VERSION.match(current).groups()  # type: ignore[union-attr]
    return major == now_major and (major != "0" or minor == now_minor)


def verify_fit(tree: xr.DataTree, *, source: str = "fit") -> None:
    """Raise :class:`FitFileError` unless ``tree`` is an intact, compatible fit.

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> from bayes_scaling.models import HierarchicalLearningCurve
    >>> data = load_dataset("mlp-learning-curves")
    >>> fit = HierarchicalLearningCurve(data).fit(draws=200, tune=300, chains=2, seed=1)
    >>> from bayes_scaling.io import load_fit, save_fit, verify_fit
    >>> loaded = load_fit(save_fit(fit, "fit.nc"))  # saving adds the content hash
    >>> verify_fit(loaded)  # passes silently
    >>> loaded.attrs["metric"] = "loss"  # an edited attr no longer matches the hash
    >>> verify_fit(loaded)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    bayes_scaling.errors.FitFileError: fit: content hash mismatch; ...
    """
    from bayes_scaling.models import MODELS

    missing = [a for a in REQUIRED_ATTRS if a not in tree.attrs]
    if missing:
        raise FitFileError(f"{source} is not a bayes_scaling fit: missing attrs {missing}")
    model_type = tree.attrs["model_type"]
    if model_type not in MODELS:
        raise FitFileError(f"{source}: unknown model_type {model_type!r}; this version knows "
                           f"{sorted(MODELS)}")
    saved = str(tree.attrs["bayes_scaling_version"])
    if not _compatible(saved, __version__):
        raise FitFileError(f"{source} was written by bayes_scaling {saved!r}, which is not "
                           f"compatible with the installed {__version__}; refit the model")
    groups = [g for g in REQUIRED_GROUPS if g not in tree.children]
    if groups:
        raise FitFileError(f"{source} lacks group(s) {groups}")
    for key in ("model_config", "priors"):
        try:
            json.loads(tree.attrs[key])
        except (TypeError, ValueError) as exc:
            raise FitFileError(f"{source}: attribute {key!r} is not valid JSON") from exc
    if content_hash(tree) != tree.attrs["content_sha256"]:
        raise FitFileError(f"{source}: content hash mismatch; the posterior or data were "
                           "modified after saving (or the file is damaged); refit the model")
