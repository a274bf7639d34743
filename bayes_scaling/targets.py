"""Named targets and published projections from ``priors/targets.yaml``.

The file is read with :func:`yaml.safe_load` and validated: unknown keys, unknown
citations and malformed targets raise :class:`~bayes_scaling.errors.PriorConfigError`.

A named target may say which curves it is about with ``applies_to: {domain: ...,
curve: ...}`` (either key or both, matched exactly against the table's ``domain`` and
``curve`` columns): ``imagenet-top1-5pct`` is a top-1 error and applies to the ``top1``
curve of ``imagenet`` only. Projections evaluate such a target on the matching curves and
give the others no row (see :mod:`bayes_scaling.projection`); a target without
``applies_to`` applies to every curve.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bayes_scaling._resources import resource_dir
from bayes_scaling.dims import CURVE_SEP
from bayes_scaling.errors import PriorConfigError, ProjectionError
from bayes_scaling.priors import read_yaml

_TOP = {"references", "targets", "published"}
_TARGET_KEYS = {"description", "target", "citation", "applies_to"}
_SCOPE_KEYS = {"domain", "curve"}
_PUBLISHED_KEYS = {"domain", "data_growth", "beta_p", "model_growth", "citation"}


@dataclass(frozen=True)
class NamedTarget:
    """A target with a name, a citation and a kind (absolute or relative) and value.

    ``domain`` / ``curve`` (from ``applies_to``) restrict it to the curves it is about;
    ``None`` matches any.
    """

    name: str
    kind: str
    value: float
    description: str
    citation: str | None
    domain: str | None = None
    curve: str | None = None


@dataclass(frozen=True)
class PublishedProjection:
    """A paper's own point projection (e.g. Hestness et al. 2019)."""

    name: str
    domain: str
    data_growth: float
    beta_p: float
    model_growth: float
    citation: str


def _check_keys(entry: Any, allowed: set[str], where: str) -> Mapping[str, Any]:
    if not isinstance(entry, Mapping):
        raise PriorConfigError(f"{where}: expected a mapping, got {type(entry).__name__}")
    unknown = set(entry) - allowed
    if unknown:
        raise PriorConfigError(f"{where}: unknown key(s) {sorted(map(repr, unknown))}; valid: "
                               f"{sorted(allowed)}")
    return entry


def _section(doc: Mapping[str, Any], key: str, source: str) -> Mapping[Any, Any]:
    section = doc.get(key) or {}
    if not isinstance(section, Mapping):
        raise PriorConfigError(f"{source}: {key!r} must be a mapping of name -> entry, got "
                               f"{type(section).__name__}")
    return section


def _finite(value: Any, where: str, what: str) -> float:
    """``value`` as a finite float, or :class:`PriorConfigError`."""
    if isinstance(value, bool):
        raise PriorConfigError(f"{where}: {what} must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise PriorConfigError(f"{where}: {what} must be a finite number, got "
                               f"{value!r}") from exc
    if not math.isfinite(number):
        raise PriorConfigError(f"{where}: {what} must be a finite number, got {value!r}")
    return number


def _citation(cite: Any, refs: Mapping[Any, Any], where: str) -> None:
    if not isinstance(cite, str) or cite not in refs:
        raise PriorConfigError(f"{where}: citation {cite!r} not in references "
                               f"{sorted(map(str, refs))}")


def _scope(entry: Any, where: str) -> tuple[str | None, str | None]:
    """The ``applies_to`` mapping of a target as ``(domain, curve)`` (``None``: any)."""
    if entry is None:
        return None, None
    entry = _check_keys(entry, _SCOPE_KEYS, f"{where}.applies_to")
    if not entry:
        raise PriorConfigError(f"{where}: applies_to needs 'domain' and/or 'curve' (the table's "
                               "domain and curve names the target is about)")
    for key, value in entry.items():
        if not isinstance(value, str) or not value.strip():
            raise PriorConfigError(f"{where}: applies_to.{key} must be non-empty text, got "
                                   f"{value!r}")
    return entry.get("domain"), entry.get("curve")


def parse_targets_file(doc: Any, *, source: str = "targets.yaml"
                       ) -> tuple[dict[str, NamedTarget], dict[str, PublishedProjection]]:
    """Validate the parsed YAML document of a targets file."""
    doc = _check_keys(doc, _TOP, source)
    refs = _section(doc, "references", source)
    named: dict[str, NamedTarget] = {}
    for name, entry in _section(doc, "targets", source).items():
        where = f"{source}: target {name!r}"
        entry = _check_keys(entry, _TARGET_KEYS, where)
        spec = _check_keys(entry.get("target"), {"kind", "value"}, f"{where}.target")
        kind, value = spec.get("kind"), spec.get("value")
        if kind not in ("absolute", "relative"):
            raise PriorConfigError(f"{where}: kind must be 'absolute' or 'relative', got {kind!r}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PriorConfigError(f"{where}: value must be a number > 0, got {value!r}")
        value = _finite(value, where, "value")
        if not value > 0:
            raise PriorConfigError(f"{where}: value must be a number > 0, got {value!r}")
        cite = entry.get("citation")
        if cite is not None:
            _citation(cite, refs, where)
        domain, curve = _scope(entry.get("applies_to"), where)
        named[str(name)] = NamedTarget(str(name), kind, value,
                                       str(entry.get("description", "")), cite, domain, curve)
    published: dict[str, PublishedProjection] = {}
    for name, entry in _section(doc, "published", source).items():
        where = f"{source}: published {name!r}"
        entry = _check_keys(entry, _PUBLISHED_KEYS, where)
        missing = _PUBLISHED_KEYS - set(entry)
        if missing:
            raise PriorConfigError(f"{where}: missing {sorted(missing)}")
        _citation(entry["citation"], refs, where)
        values = {k: _finite(entry[k], where, k) for k in ("data_growth", "beta_p",
                                                          "model_growth")}
        published[str(name)] = PublishedProjection(str(name), str(entry["domain"]),
                                                   citation=str(entry["citation"]), **values)
    return named, published


@functools.cache
def _load() -> tuple[dict[str, NamedTarget], dict[str, PublishedProjection]]:
    path = resource_dir("priors") / "targets.yaml"
    return parse_targets_file(read_yaml(path), source=str(path))


def named_targets() -> dict[str, NamedTarget]:
    """Named targets shipped in ``priors/targets.yaml``."""
    return dict(_load()[0])


def published_projections() -> dict[str, PublishedProjection]:
    """Published point projections shipped in ``priors/targets.yaml``."""
    return dict(_load()[1])


#: Lower bound of the compute-polynomial degree from theory (Thompson et al. 2020).
THOMPSON_THEORY_BOUND_K = 4.0

_RELATIVE = re.compile(r"^\s*(?:x\s*([0-9.eE+-]+)|([0-9.eE+-]+)\s*x)\s*$")


@dataclass(frozen=True)
class Target:
    """A target metric value.

    Parameters
    ----------
    kind : {"absolute", "relative"}
        Absolute metric value, or a factor of the curve's current (fitted) value.
    value : float
        The value (absolute) or factor (relative, in (0, inf)).
    domain, curve : str, optional
        The curves the target is about (the table's ``domain`` and ``curve`` names,
        matched exactly; ``None`` matches any): ImageNet top-1 error is about the
        ``top1`` curve of ``imagenet``. Projections evaluate the target on matching
        curves only. Named targets take them from ``applies_to`` in ``targets.yaml``.
    name : str, optional
        The named target this came from (descriptive; not part of equality).

    Examples
    --------
    >>> Target.parse("x0.5").label
    'x0.5'
    >>> Target.parse(0.05).label
    '0.05'
    >>> top1 = Target.parse("imagenet-top1-5pct")
    >>> top1.label, top1.scope, top1.applies_to("imagenet", "top5")
    ('0.05', 'imagenet/top1', False)
    """

    kind: Literal["absolute", "relative"]
    value: float
    domain: str | None = None
    curve: str | None = None
    name: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not (isinstance(self.value, int | float) and math.isfinite(self.value)
                and self.value > 0):
            raise ProjectionError(f"target value must be a finite number > 0, got {self.value!r}")
        if self.kind not in ("absolute", "relative"):
            raise ProjectionError(f"target kind must be 'absolute' or 'relative', "
                                  f"got {self.kind!r}")
        for key in ("domain", "curve"):
            given = getattr(self, key)
            if given is not None and not (isinstance(given, str) and given):
                raise ProjectionError(f"target {key} must be a non-empty name or None, got "
                                      f"{given!r}")

    @property
    def label(self) -> str:
        """Coordinate label: ``"0.05"`` (absolute) or ``"x0.5"`` (relative)."""
        text = f"{self.value:g}"
        return f"x{text}" if self.kind == "relative" else text

    @property
    def scope(self) -> str | None:
        """The curves the target is about as ``"domain/curve"`` (``*`` for any), or
        ``None`` when it applies to every curve."""
        if self.domain is None and self.curve is None:
            return None
        return f"{self.domain or '*'}{CURVE_SEP}{self.curve or '*'}"

    def applies_to(self, domain: str, curve: str) -> bool:
        """Whether the target is about the curve ``curve`` of ``domain``."""
        return ((self.domain is None or self.domain == domain)
                and (self.curve is None or self.curve == curve))

    @property
    def description(self) -> str:
        """``'imagenet-top1-5pct' (0.05)`` for named targets, else the label."""
        return f"{self.name!r} ({self.label})" if self.name else self.label

    @classmethod
    def parse(cls, spec: Target | float | str) -> Target:
        """Parse ``0.05`` / ``"0.05"`` (absolute) or ``"x0.5"`` / ``"0.5x"`` (relative)."""
        if isinstance(spec, Target):
            return spec
        if isinstance(spec, bool):
            raise ProjectionError(f"invalid target {spec!r}")
        if isinstance(spec, int | float):
            return cls("absolute", float(spec))
        if isinstance(spec, str):
            match = _RELATIVE.match(spec)
            try:
                if match:
                    return cls("relative", float(match.group(1) or match.group(2)))
                return cls("absolute", float(spec))
            except ValueError:
                pass
            named = named_targets()
            if spec.strip() in named:
                entry = named[spec.strip()]
                return cls(entry.kind, entry.value, domain=entry.domain,  # type: ignore[arg-type]
                           curve=entry.curve, name=entry.name)
        raise ProjectionError(
            f"invalid target {spec!r}: use an absolute metric value such as 0.05, a "
            "relative one such as 'x0.5' (half the current error), or a named target "
            f"({', '.join(sorted(named_targets()))})"
        )
