"""Read and validate ``datasets/registry.yaml``, the list of loadable datasets.

Each entry names a dataset and says where it comes from. ``kind: embedded`` entries
point at a tidy CSV shipped in the ``datasets/`` folder; ``kind: public`` entries give a
raw address pinned to a commit, the file's sha256, its place in the cache/mirror and the
cleaner that turns it into the tidy model. Unknown keys, missing keys and bad values are
errors (:class:`~bayes_scaling.errors.DatasetError`), never ignored.

A public dataset made of **several files** (``gadre2024``: one JSON file per training run)
adds ``files``, a mapping of file name to sha256. Then ``url`` is the address of the folder
holding them (file ``f`` is fetched from ``url + "/" + f``), ``filename`` the folder in the
cache and mirror (``filename/f``), and ``sha256`` the hash of the set's *manifest*: the
``sha256sum`` listing ``"<sha256>  <file>\n"`` of every file, sorted by name
(:func:`manifest_text`). The manifest hash is checked against ``files`` when the registry
is read, so the one-line summary of the set can never drift from the per-file pins.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from bayes_scaling._resources import resource_dir
from bayes_scaling.data import METRIC_COLUMNS, SIZE_COLUMNS
from bayes_scaling.errors import DatasetError

SCHEMA_VERSION = 1
KINDS: tuple[str, ...] = ("embedded", "public")
CLEANER_NAMES: tuple[str, ...] = ("thompson", "chinchilla", "revisiting", "gadre")
COMMON_KEYS: tuple[str, ...] = (
    "name", "kind", "description", "citation", "license", "metric", "size",
)
REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "embedded": (*COMMON_KEYS, "path"),
    "public": (*COMMON_KEYS, "rows", "url", "sha256", "filename", "cleaner"),
}
OPTIONAL_KEYS: dict[str, tuple[str, ...]] = {
    "embedded": ("rows",),
    "public": ("options", "files"),
}
#: Name of the manifest written beside the files of a multi-file dataset (never a listed file).
MANIFEST_NAME = "SHA256SUMS"
_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_PINNED_URL = re.compile(r"^https://raw\.githubusercontent\.com/[^/]+/[^/]+/[0-9a-f]{40}/\S+$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._=+-]*$")


@dataclass(frozen=True)
class RemoteFile:
    """One public file to fetch: its pinned address, sha256 and place in cache/mirror.

    Parameters
    ----------
    url : str
        Raw address pinned to a commit.
    sha256 : str
        Expected hex sha256 of the file.
    filename : str
        Relative path of the file in the cache and in an offline mirror.
    """

    url: str
    sha256: str
    filename: str


def manifest_text(files: dict[str, str]) -> str:
    """The ``sha256sum`` listing of a multi-file dataset: one ``"<sha256>  <name>\n"`` per
    file, sorted by name.

    Examples
    --------
    >>> manifest_text({"b.json": "2" * 64, "a.json": "1" * 64}).splitlines()[0][-8:]
    '  a.json'
    """
    return "".join(f"{files[name]}  {name}\n" for name in sorted(files))


def manifest_sha256(files: dict[str, str]) -> str:
    """Hex sha256 of :func:`manifest_text` (the registry's ``sha256`` of a multi-file set)."""
    return hashlib.sha256(manifest_text(files).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DatasetSpec:
    """One validated registry entry (see ``datasets/registry.yaml`` for the fields)."""

    name: str
    kind: str
    description: str
    citation: str
    license: str
    metric: str
    size: str
    rows: int | None = None
    url: str | None = None
    sha256: str | None = None
    filename: str | None = None
    cleaner: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    path: str | None = None
    files: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The entry as a plain ``dict`` (a copy), keys that do not apply left out."""
        return {k: v for k, v in asdict(self).items() if v is not None and v != {}}

    def remote_files(self) -> tuple[RemoteFile, ...]:
        """Every public file of the dataset, in the order the cleaner reads them.

        Returns
        -------
        tuple of RemoteFile
            One file (``url``, ``sha256``, ``filename``) for a single-file dataset; for a
            multi-file dataset (``files``) one per listed file, sorted by name, at
            ``url/<name>`` and ``filename/<name>``.

        Raises
        ------
        DatasetError
            If the dataset is not public.
        """
        if self.kind != "public" or not self.url or not self.sha256 or not self.filename:
            raise DatasetError(f"dataset {self.name!r} is {self.kind}, not public: "
                               "it has no public files, nothing to fetch")
        if not self.files:
            return (RemoteFile(self.url, self.sha256, self.filename),)
        return tuple(RemoteFile(f"{self.url}/{name}", self.files[name], f"{self.filename}/{name}")
                     for name in sorted(self.files))


def _fail(where: str, message: str) -> DatasetError:
    return DatasetError(f"{where}: {message}")


def _relative_path(value: str, key: str, where: str) -> None:
    pure = PurePosixPath(value)
    if pure.is_absolute() or ".." in pure.parts or "\\" in value or not pure.parts:
        raise _fail(where, f"{key!r} must be a relative path inside the folder, got {value!r}")


def _check_entry(entry: object, index: int, source: str) -> DatasetSpec:
    where = f"{source}, datasets[{index}]"
    if not isinstance(entry, dict):
        raise _fail(where, f"each dataset must be a mapping, got {type(entry).__name__}")
    name = entry.get("name")
    if isinstance(name, str):
        where = f"{source}, dataset {name!r}"
    kind = entry.get("kind")
    if kind not in KINDS:
        raise _fail(where, f"'kind' must be one of {list(KINDS)}, got {kind!r}")
    allowed = REQUIRED_KEYS[kind] + OPTIONAL_KEYS[kind]
    for key in entry:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise _fail(where, f"unknown key {key!r}{hint} for a {kind} dataset; "
                               f"valid keys: {list(allowed)}")
    missing = [k for k in REQUIRED_KEYS[kind] if k not in entry]
    if missing:
        raise _fail(where, f"missing key(s) {missing} for a {kind} dataset")
    for key in allowed:
        if key in ("rows", "options", "files") or key not in entry:
            continue
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise _fail(where, f"{key!r} must be non-empty text, got {entry[key]!r}")
    if not _NAME.match(entry["name"]):
        raise _fail(where, "'name' must be lower-case letters, digits, '-' or '.'")
    if entry["metric"] not in METRIC_COLUMNS:
        raise _fail(where, f"'metric' must be one of {list(METRIC_COLUMNS)}")
    if entry["size"] not in SIZE_COLUMNS:
        raise _fail(where, f"'size' must be one of {list(SIZE_COLUMNS)}")
    rows = entry.get("rows")
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows <= 0):
        raise _fail(where, f"'rows' must be a positive integer, got {rows!r}")
    options = entry.get("options", {})
    if not isinstance(options, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in options.items()
    ):
        raise _fail(where, f"'options' must map text to text, got {options!r}")
    if kind == "public":
        if not _PINNED_URL.match(entry["url"]):
            raise _fail(where, "'url' must be a raw.githubusercontent.com address pinned to a "
                               f"40-hex commit, got {entry['url']!r}")
        if not _SHA256.match(entry["sha256"]):
            raise _fail(where, "'sha256' must be 64 lower-case hex digits")
        _relative_path(entry["filename"], "filename", where)
        if entry["cleaner"] not in CLEANER_NAMES:
            raise _fail(where, f"'cleaner' must be one of {list(CLEANER_NAMES)}, "
                               f"got {entry['cleaner']!r}")
        if "files" in entry:
            if entry["url"].endswith("/"):
                raise _fail(where, "'url' of a multi-file dataset is its folder's address, "
                                   "without a trailing '/'")
            _check_files(entry["files"], entry["sha256"], where)
    else:
        _relative_path(entry["path"], "path", where)
    files = dict(entry.get("files", {}))
    return DatasetSpec(**{**entry, "options": dict(options), "files": files})


def _check_files(files: object, sha256: str, where: str) -> None:
    """Check the ``files`` mapping of a multi-file public dataset and its manifest hash."""
    if not isinstance(files, dict) or not files:
        raise _fail(where, "'files' must be a non-empty mapping of file name to sha256, "
                           f"got {files!r}")
    for name, digest in files.items():
        if not isinstance(name, str) or not _FILE_NAME.match(name) or name == MANIFEST_NAME:
            raise _fail(where, f"'files' key {name!r} must be a plain file name (letters, "
                               "digits, '._=+-', no folder part), not "
                               f"{MANIFEST_NAME!r}")
        if not isinstance(digest, str) or not _SHA256.match(digest):
            raise _fail(where, f"'files' entry {name!r}: the sha256 must be 64 lower-case hex "
                               f"digits, got {digest!r}")
    expected = manifest_sha256(files)
    if sha256 != expected:
        raise _fail(where, "'sha256' of a multi-file dataset is the sha256 of its manifest "
                           "(the sha256sum listing of 'files', sorted by name): expected "
                           f"{expected}, got {sha256}; 'files' and 'sha256' disagree")


def parse_registry(document: object, *, source: str = "registry") -> dict[str, DatasetSpec]:
    """Validate a loaded registry document.

    Parameters
    ----------
    document : object
        The result of ``yaml.safe_load`` on a registry file.
    source : str
        Name used in error messages.

    Returns
    -------
    dict of str to DatasetSpec
        Entries by name, in file order.

    Raises
    ------
    DatasetError
        On any structural problem: unknown/missing keys, wrong types or values,
        duplicated names, unsupported schema version.
    """
    if not isinstance(document, dict):
        raise _fail(source, "the registry must be a mapping with keys 'schema' and 'datasets'")
    unknown = sorted(set(document) - {"schema", "datasets"})
    if unknown:
        raise _fail(source, f"unknown top-level key(s) {unknown}; valid: ['schema', 'datasets']")
    if document.get("schema") != SCHEMA_VERSION:
        raise _fail(source, f"'schema' must be {SCHEMA_VERSION}, got {document.get('schema')!r}")
    entries = document.get("datasets")
    if not isinstance(entries, list) or not entries:
        raise _fail(source, "'datasets' must be a non-empty list")
    specs: dict[str, DatasetSpec] = {}
    for index, entry in enumerate(entries):
        spec = _check_entry(entry, index, source)
        if spec.name in specs:
            raise _fail(source, f"dataset name {spec.name!r} appears more than once")
        specs[spec.name] = spec
    return specs


def load_registry(path: str | Path | None = None) -> dict[str, DatasetSpec]:
    """Read and validate a registry YAML file.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        Registry file; default the packaged ``datasets/registry.yaml``.

    Returns
    -------
    dict of str to DatasetSpec

    Raises
    ------
    DatasetError
        If the file cannot be read, is not YAML, or fails validation.
    """
    if path is None:
        return dict(_default_registry())
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(f"cannot read dataset registry {path}: {exc.strerror or exc}") from exc
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DatasetError(f"dataset registry {path} is not valid YAML: {exc}") from exc
    return parse_registry(document, source=str(path))


@lru_cache(maxsize=1)
def _default_registry() -> dict[str, DatasetSpec]:
    return load_registry(registry_path())


def registry_path() -> Path:
    """Path of the packaged ``datasets/registry.yaml``."""
    return resource_dir("datasets") / "registry.yaml"


def get_spec(name: str, registry: dict[str, DatasetSpec] | None = None) -> DatasetSpec:
    """Look up a dataset by name.

    Raises
    ------
    DatasetError
        For an unknown name, listing the valid names and the closest matches.
    """
    specs = registry if registry is not None else _default_registry()
    if isinstance(name, str) and name in specs:
        return specs[name]
    text = str(name).strip().lower()
    close = difflib.get_close_matches(text, list(specs), n=3, cutoff=0.5)
    close += [n for n in specs if text and text in n and n not in close]
    hint = f" Did you mean {', '.join(repr(c) for c in close[:3])}?" if close else ""
    raise DatasetError(f"unknown dataset {name!r}.{hint} Valid names: {', '.join(specs)}")
