"""Read and validate ``datasets/registry.yaml``, the list of loadable datasets.

Each entry names a dataset and says where it comes from. ``kind: embedded`` entries
point at a tidy CSV shipped in the ``datasets/`` folder; ``kind: public`` entries give a
raw address pinned to a commit, the file's sha256, its place in the cache/mirror and the
cleaner that turns it into the tidy model. Unknown keys, missing keys and bad values are
errors (:class:`~bayes_scaling.errors.DatasetError`), never ignored.
"""

from __future__ import annotations

import difflib
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
CLEANER_NAMES: tuple[str, ...] = ("thompson", "chinchilla", "revisiting")
COMMON_KEYS: tuple[str, ...] = (
    "name", "kind", "description", "citation", "license", "metric", "size",
)
REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "embedded": (*COMMON_KEYS, "path"),
    "public": (*COMMON_KEYS, "rows", "url", "sha256", "filename", "cleaner"),
}
OPTIONAL_KEYS: dict[str, tuple[str, ...]] = {
    "embedded": ("rows",),
    "public": ("options",),
}
_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_PINNED_URL = re.compile(r"^https://raw\.githubusercontent\.com/[^/]+/[^/]+/[0-9a-f]{40}/\S+$")


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

    def as_dict(self) -> dict[str, Any]:
        """The entry as a plain ``dict`` (a copy), keys that do not apply left out."""
        return {k: v for k, v in asdict(self).items() if v is not None and v != {}}


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
        if key in ("rows", "options") or key not in entry:
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
    else:
        _relative_path(entry["path"], "path", where)
    return DatasetSpec(**{**entry, "options": dict(options)})


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
