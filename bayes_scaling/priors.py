"""Priors as plain, validated dictionaries (the pymc-extras ``Prior`` dict form).

A prior is written ``{"dist": "Normal", "kwargs": {"mu": 0.0, "sigma": 1.0}}`` in
Python and YAML alike. Packaged defaults live in the top-level ``priors/`` folder
(shipped inside the wheel); they are read with :func:`yaml.safe_load` only and
validated: unknown keys, unknown distributions, missing or out-of-range parameters
raise :class:`~bayes_scaling.errors.PriorConfigError` with a hint.

Why not depend on pymc-extras? Its 0.15.1 release pins ``pymc<6.4``; we follow its
dict form so that a later switch is a drop-in, without holding PyMC back.

Precedence, written once: **user > prior set > data-driven > packaged default**.
Packaged defaults come from ``priors/<model>.yaml``; a model may then centre a prior on
the data (documented in that model, e.g. the log-scale of each curve at its reference
size); a literature prior set (``prior_set="language-model"`` or ``--prior-set NAME``,
:mod:`bayes_scaling.prior_sets`, ``priors/literature/<name>.yaml``) replaces the
defaults of the entries it names (exponents, model-size exponents); a user override
(``priors={...}`` or ``--priors FILE``) replaces any entry, whatever gave it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bayes_scaling._resources import resource_dir
from bayes_scaling.errors import PriorConfigError

_REAL = "real"
_POSITIVE = "positive"

#: Supported distributions and their parameters (all required) with their domains.
DISTRIBUTIONS: dict[str, dict[str, str]] = {
    "Normal": {"mu": _REAL, "sigma": _POSITIVE},
    "HalfNormal": {"sigma": _POSITIVE},
    "LogNormal": {"mu": _REAL, "sigma": _POSITIVE},
    "StudentT": {"nu": _POSITIVE, "mu": _REAL, "sigma": _POSITIVE},
    "HalfStudentT": {"nu": _POSITIVE, "sigma": _POSITIVE},
    "Beta": {"alpha": _POSITIVE, "beta": _POSITIVE},
    "Gamma": {"alpha": _POSITIVE, "beta": _POSITIVE},
    "Exponential": {"lam": _POSITIVE},
    "Uniform": {"lower": _REAL, "upper": _REAL},
    "TruncatedNormal": {"mu": _REAL, "sigma": _POSITIVE, "lower": _REAL, "upper": _REAL},
}
_PRIOR_KEYS = ("dist", "kwargs")


@dataclass(frozen=True)
class Prior:
    """One validated prior distribution.

    Parameters
    ----------
    dist : str
        A name from :data:`DISTRIBUTIONS` (PyMC's class name).
    kwargs : dict of str to float
        The distribution's parameters, all required.

    Examples
    --------
    >>> from bayes_scaling.priors import Prior
    >>> p = Prior.from_dict({"dist": "HalfNormal", "kwargs": {"sigma": 0.5}})
    >>> p.to_dict()
    {'dist': 'HalfNormal', 'kwargs': {'sigma': 0.5}}
    """

    dist: str
    kwargs: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _validate(self.dist, self.kwargs, where=f"{self.dist} prior")
        # plain floats, so that to_dict() is YAML-safe (numpy scalars are not)
        object.__setattr__(self, "kwargs", {str(k): float(v) for k, v in self.kwargs.items()})

    @classmethod
    def from_dict(cls, spec: Any, *, name: str = "prior") -> Prior:
        """Build from the dict form, raising :class:`PriorConfigError` on any problem."""
        if isinstance(spec, Prior):
            return spec
        if not isinstance(spec, Mapping):
            raise PriorConfigError(
                f"prior {name!r} must be a mapping like "
                f"{{dist: Normal, kwargs: {{mu: 0, sigma: 1}}}}, got {type(spec).__name__}"
            )
        unknown = [k for k in spec if k not in _PRIOR_KEYS]
        if unknown:
            raise PriorConfigError(
                f"prior {name!r} has unknown key(s) {unknown}; valid keys: {list(_PRIOR_KEYS)}"
            )
        if "dist" not in spec:
            raise PriorConfigError(f"prior {name!r} is missing 'dist' (one of "
                                   f"{sorted(DISTRIBUTIONS)})")
        kwargs = spec.get("kwargs", {})
        if not isinstance(kwargs, Mapping):
            raise PriorConfigError(f"prior {name!r}: 'kwargs' must be a mapping of parameter "
                                   f"values, got {type(kwargs).__name__}")
        dist = spec["dist"]
        _validate(dist, kwargs, where=f"prior {name!r}")
        return cls(str(dist), {str(k): float(v) for k, v in kwargs.items()})

    def to_dict(self) -> dict[str, Any]:
        """The plain dict form (round-trips through :meth:`from_dict` and YAML)."""
        return {"dist": self.dist, "kwargs": dict(self.kwargs)}

    def create_variable(self, name: str, *, dims: str | tuple[str, ...] | None = None) -> Any:
        """Create the PyMC random variable ``name`` in the current model context."""
        import pymc as pm

        return getattr(pm, self.dist)(name, **self.kwargs, dims=dims)


def _validate(dist: Any, kwargs: Mapping[str, Any], *, where: str) -> None:
    if not isinstance(dist, str) or dist not in DISTRIBUTIONS:
        raise PriorConfigError(
            f"{where}: unknown distribution {dist!r}; valid: {sorted(DISTRIBUTIONS)}"
        )
    expected = DISTRIBUTIONS[dist]
    unknown = [k for k in kwargs if k not in expected]
    missing = [k for k in expected if k not in kwargs]
    if unknown or missing:
        raise PriorConfigError(
            f"{where}: {dist} takes parameters {list(expected)}"
            + (f"; unknown {unknown}" if unknown else "")
            + (f"; missing {missing}" if missing else "")
        )
    for key, domain in expected.items():
        value = kwargs[key]
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise PriorConfigError(f"{where}: parameter {key!r} must be a number, got {value!r}")
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an int beyond the float range
            finite = False
        if not finite:
            raise PriorConfigError(f"{where}: parameter {key!r} must be finite, got {value!r}")
        if domain == _POSITIVE and value <= 0:
            raise PriorConfigError(f"{where}: parameter {key!r} must be > 0, got {value!r}")
    if "lower" in expected and not kwargs["lower"] < kwargs["upper"]:
        raise PriorConfigError(
            f"{where}: 'lower' ({kwargs['lower']}) must be below 'upper' ({kwargs['upper']})"
        )


def read_yaml(path: str | Path) -> Any:
    """Read a YAML file with :func:`yaml.safe_load`, turning failures into PriorConfigError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PriorConfigError(f"cannot read YAML file {path}: {exc}") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PriorConfigError(f"{path} is not valid YAML: {exc}") from exc
    except RecursionError as exc:  # e.g. thousands of nested brackets
        raise PriorConfigError(f"{path} is nested too deeply to be a priors or targets "
                               "file") from exc


def parse_priors(spec: Any, *, valid_names: tuple[str, ...], source: str) -> dict[str, Prior]:
    """Validate a mapping ``{name: prior-dict}`` against a model's prior names.

    Parameters
    ----------
    spec : mapping
        Prior dicts keyed by parameter name.
    valid_names : tuple of str
        The names the model uses.
    source : str
        Where the spec came from, for messages.

    Returns
    -------
    dict of str to Prior
    """
    if spec is None:
        return {}
    if not isinstance(spec, Mapping):
        raise PriorConfigError(f"{source}: priors must be a mapping of name -> prior, "
                               f"got {type(spec).__name__}")
    out: dict[str, Prior] = {}
    for name, value in spec.items():
        if name not in valid_names:
            import difflib

            close = difflib.get_close_matches(str(name), valid_names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise PriorConfigError(
                f"{source}: unknown prior {name!r}{hint}; valid names: {list(valid_names)}"
            )
        out[str(name)] = Prior.from_dict(value, name=f"{source}:{name}")
    return out


def load_default_priors(model_type: str, *, valid_names: tuple[str, ...]) -> dict[str, Prior]:
    """Load ``priors/<model_type>.yaml`` shipped with the package.

    The file must have exactly the keys ``model`` (equal to ``model_type``),
    ``description`` (optional), ``references`` (optional) and ``priors``, and must
    define every name in ``valid_names``.
    """
    path = resource_dir("priors") / f"{model_type}.yaml"
    if not path.is_file():
        raise PriorConfigError(f"no packaged priors for model {model_type!r} (looked for {path})")
    doc = read_yaml(path)
    if not isinstance(doc, Mapping):
        raise PriorConfigError(f"{path}: expected a mapping at the top level")
    allowed = {"model", "description", "references", "priors"}
    unknown = set(doc) - allowed
    if unknown:
        raise PriorConfigError(f"{path}: unknown top-level key(s) {sorted(unknown)}; "
                               f"valid: {sorted(allowed)}")
    if doc.get("model") != model_type:
        raise PriorConfigError(f"{path}: 'model' is {doc.get('model')!r}, expected {model_type!r}")
    priors = parse_priors(doc.get("priors"), valid_names=valid_names, source=str(path))
    missing = [n for n in valid_names if n not in priors]
    if missing:
        raise PriorConfigError(f"{path}: missing default prior(s) {missing}")
    return priors


def resolve_priors(
    model_type: str, valid_names: tuple[str, ...], user: Mapping[str, Any] | str | Path | None,
    *, prior_set: Mapping[str, Prior] | None = None,
) -> dict[str, Prior]:
    """Packaged defaults, replaced by a prior set's entries, replaced by the user's priors.

    Parameters
    ----------
    model_type : str
        The model (its defaults are ``priors/<model_type>.yaml``).
    valid_names : tuple of str
        The model's prior names.
    user : mapping, str, pathlib.Path or None
        The user's priors: a mapping or a YAML path (highest precedence).
    prior_set : mapping of str to Prior, optional
        The priors a literature set gives this model
        (:func:`bayes_scaling.prior_sets.prior_set_priors`).
    """
    priors = load_default_priors(model_type, valid_names=valid_names)
    if prior_set:
        priors.update(parse_priors({k: Prior.from_dict(v, name=k) for k, v in prior_set.items()},
                                   valid_names=valid_names, source="prior set"))
    if user is None:
        return priors
    if isinstance(user, str | Path):
        doc = read_yaml(user)
        if isinstance(doc, Mapping) and "priors" in doc:
            doc = doc["priors"]
        user_priors = parse_priors(doc, valid_names=valid_names, source=str(user))
    else:
        user_priors = parse_priors(user, valid_names=valid_names, source="user priors")
    return {**priors, **user_priors}


def prior_median(prior: Prior, *, draws: int = 4001, seed: int = 0) -> float:
    """Median of a prior, from ``draws`` draws with a fixed seed (deterministic).

    Examples
    --------
    >>> p = Prior.from_dict({"dist": "HalfNormal", "kwargs": {"sigma": 1.0}})
    >>> round(prior_median(p), 1)
    0.7
    """
    import numpy as np
    import pymc as pm

    dist = getattr(pm, prior.dist).dist(**prior.kwargs)
    return float(np.median(pm.draw(dist, draws=draws, random_seed=seed)))
