"""Get a public dataset file onto disk: offline mirror, then cache, then network (pooch).

Order of sources for a registered public file with known sha256:

1. **mirror** (argument ``mirror=`` or environment variable ``BAYES_SCALING_DATA_MIRROR``):
   a folder laid out like the registry's ``filename`` entries
   (``thompson2020/imagenet.csv``, ...). A mirrored file is hashed; on a match it is
   copied into the cache and the cached copy is returned; on a mismatch
   :class:`DatasetError` is raised and nothing is copied.
2. **cache** (argument ``cache_dir=``, else ``BAYES_SCALING_CACHE``, else
   ``pooch.os_cache("bayes_scaling")``): a cached file is re-hashed on every use and
   refused (:class:`DatasetError`) if it no longer matches.
3. **network**, only when the file is neither mirrored nor cached, through
   ``pooch.retrieve`` (which verifies the hash of the download).

A dataset of several files (registry key ``files``) applies this order to each file
(:func:`fetch_files`); the mirror holds them under the registry's ``filename`` folder
(``gadre2024/models/<run>.json``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pooch

from bayes_scaling.datasets.registry import (
    MANIFEST_NAME,
    DatasetSpec,
    RemoteFile,
    manifest_text,
)
from bayes_scaling.errors import DatasetError
from bayes_scaling.files import write_atomic

#: Environment variable naming the cache folder of fetched files (else pooch's OS cache).
ENV_CACHE = "BAYES_SCALING_CACHE"
#: Environment variable naming an offline mirror of the public files (registry layout).
ENV_MIRROR = "BAYES_SCALING_DATA_MIRROR"


def cache_root(cache_dir: str | Path | None = None) -> Path:
    """The cache folder: ``cache_dir``, else ``$BAYES_SCALING_CACHE``, else pooch's OS cache."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get(ENV_CACHE, "").strip()
    if env:
        return Path(env).expanduser()
    return Path(pooch.os_cache("bayes_scaling"))


def mirror_root(mirror: str | Path | None = None) -> Path | None:
    """The offline mirror folder (``mirror``, else ``$BAYES_SCALING_DATA_MIRROR``), or None.

    Raises
    ------
    DatasetError
        If a mirror is configured but is not an existing folder.
    """
    origin = "mirror="
    if mirror is None:
        env = os.environ.get(ENV_MIRROR, "").strip()
        if not env:
            return None
        mirror, origin = env, f"${ENV_MIRROR}"
    root = Path(mirror).expanduser()
    if not root.is_dir():
        raise DatasetError(f"data mirror {root} ({origin}) is not an existing folder; expected a "
                           "folder laid out like thompson2020/imagenet.csv, chinchilla/...")
    return root


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file (via :func:`pooch.file_hash`)."""
    try:
        return pooch.file_hash(str(path), alg="sha256")
    except OSError as exc:
        raise DatasetError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _copy_atomic(source: Path, target: Path) -> None:
    try:
        write_atomic(target, lambda tmp: shutil.copyfile(source, tmp), overwrite=True)
    except OSError as exc:
        raise DatasetError(f"cannot copy {source} into the cache at {target}: "
                           f"{exc.strerror or exc}") from exc


def _fetch_one(dataset: str, remote: RemoteFile, root: Path | None, cache: Path) -> Path:
    """Mirror, then cache, then network for one pinned file (see the module docstring)."""
    expected = remote.sha256
    target = cache / remote.filename
    if root is not None and (root / remote.filename).is_file():
        candidate = root / remote.filename
        got = sha256_of(candidate)
        if got != expected:
            raise DatasetError(
                f"mirror file {candidate} for dataset {dataset!r} fails its sha256 check: "
                f"expected {expected}, got {got}; the file was not used or cached (replace it "
                f"with the published file from {remote.url})"
            )
        if not (target.is_file() and sha256_of(target) == expected):
            _copy_atomic(candidate, target)
            if sha256_of(target) != expected:
                target.unlink(missing_ok=True)
                raise DatasetError(f"copy of {candidate} into {target} is corrupt (sha256 "
                                   "mismatch after copying); removed it")
        return target
    if target.exists():
        got = sha256_of(target)
        if got != expected:
            raise DatasetError(
                f"cached file {target} for dataset {dataset!r} fails its sha256 check: "
                f"expected {expected}, got {got}; refusing to use it. Delete it to download "
                f"again, or pass mirror= / set ${ENV_MIRROR} to restore it from a mirror"
            )
        return target
    try:
        local = pooch.retrieve(remote.url, known_hash=f"sha256:{expected}", fname=target.name,
                               path=target.parent, progressbar=False)
    except (OSError, ValueError) as exc:
        raise DatasetError(
            f"could not download dataset {dataset!r} from {remote.url}: {exc}. Working "
            f"offline? Point mirror= or ${ENV_MIRROR} at a folder holding {remote.filename}"
        ) from exc
    return Path(local)


def fetch_files(spec: DatasetSpec, *, mirror: str | Path | None = None,
                cache_dir: str | Path | None = None) -> tuple[Path, ...]:
    """Return verified local copies of every raw file of a public dataset.

    Parameters
    ----------
    spec : DatasetSpec
        A ``kind: public`` registry entry (one file, or several listed in ``files``).
    mirror : str or pathlib.Path, optional
        Offline mirror folder (overrides ``$BAYES_SCALING_DATA_MIRROR``).
    cache_dir : str or pathlib.Path, optional
        Cache folder (overrides ``$BAYES_SCALING_CACHE``).

    Returns
    -------
    tuple of pathlib.Path
        The cached files, in the order of :meth:`DatasetSpec.remote_files` (sorted by name
        for a multi-file dataset), each with the sha256 the registry pins. Each file comes
        from the mirror if it holds it, else the cache, else the network.

    Raises
    ------
    DatasetError
        Not a public dataset; a mirror or cached file with the wrong sha256 (the message
        names the file; files already verified stay cached); download failure.
    """
    remotes = spec.remote_files()
    root = mirror_root(mirror)
    cache = cache_root(cache_dir)
    return tuple(_fetch_one(spec.name, remote, root, cache) for remote in remotes)


def _write_manifest(spec: DatasetSpec, cache: Path) -> Path:
    """Write (atomically) and verify the manifest of a multi-file dataset in the cache."""
    target = cache / str(spec.filename) / MANIFEST_NAME
    if target.is_file() and sha256_of(target) == spec.sha256:
        return target
    text = manifest_text(spec.files).encode("utf-8")
    try:
        write_atomic(target, lambda tmp: tmp.write_bytes(text), overwrite=True)
    except OSError as exc:
        raise DatasetError(f"cannot write the manifest {target}: {exc.strerror or exc}") from exc
    if sha256_of(target) != spec.sha256:  # registry checks make this unreachable
        target.unlink(missing_ok=True)
        raise DatasetError(f"manifest {target} does not match the registry's sha256")
    return target


def fetch_file(spec: DatasetSpec, *, mirror: str | Path | None = None,
               cache_dir: str | Path | None = None) -> Path:
    """Return a verified local copy of a public dataset's raw file.

    Parameters
    ----------
    spec : DatasetSpec
        A ``kind: public`` registry entry.
    mirror : str or pathlib.Path, optional
        Offline mirror folder (overrides ``$BAYES_SCALING_DATA_MIRROR``).
    cache_dir : str or pathlib.Path, optional
        Cache folder (overrides ``$BAYES_SCALING_CACHE``).

    Returns
    -------
    pathlib.Path
        The cached file, whose sha256 matches the registry. For a multi-file dataset
        every file is fetched and verified (:func:`fetch_files`) and the path returned is
        the manifest ``SHA256SUMS`` written beside them (one ``"<sha256>  <file>"`` line
        per file), whose sha256 is the registry's ``sha256``.

    Raises
    ------
    DatasetError
        Not a public dataset; mirror or cached file with the wrong sha256; download
        failure (offline, address gone, hash mismatch of the download).
    """
    paths = fetch_files(spec, mirror=mirror, cache_dir=cache_dir)
    if not spec.files:
        return paths[0]
    return _write_manifest(spec, cache_root(cache_dir))
