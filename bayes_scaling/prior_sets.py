"""Literature-informed prior sets: ``priors/literature/<name>.yaml``, chosen by name.

A *prior set* replaces some of a model's packaged default priors (the exponents, and where
the literature says something in the model's parameterisation, the model-size exponent)
with priors derived from published fits of one domain (language models, machine
translation, speech, image classification). Every entry states the paper it comes from
(``source``) and how the prior was derived from the published numbers (``derivation``).

A set file is read with :func:`yaml.safe_load` and validated like the defaults
(:func:`bayes_scaling.priors.parse_priors` against the names of the packaged
``priors/<model>.yaml``), plus a non-empty ``source`` and ``derivation`` per entry::

    name: language-model
    description: ...
    references: [...]
    models:
      hierarchical_learning_curve:
        log_beta_mu:
          prior: {dist: Normal, kwargs: {mu: -1.85, sigma: 0.6}}
          source: Hestness et al. 2017; Kaplan et al. 2020; Hoffmann et al. 2022
          derivation: ...

A set may cover only some model types; asking a set for a model it does not cover raises
:class:`~bayes_scaling.errors.PriorConfigError` naming the sets that do.

Precedence, written once (also in :mod:`bayes_scaling.priors`): **user > prior set >
data-driven > packaged default**. The data-driven centres (each curve's reference metric)
are part of the models and are not touched by a set.

Examples
--------
>>> from bayes_scaling.prior_sets import PRIOR_SET_MODELS, load_prior_set
>>> "joint_scaling" in PRIOR_SET_MODELS
True
>>> sorted(load_prior_set("language-model").models)
['hierarchical_learning_curve', 'hierarchical_model_size', 'joint_scaling']
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bayes_scaling._resources import resource_dir
from bayes_scaling.errors import PriorConfigError
from bayes_scaling.model_types import (
    COMPUTE_SCALING,
    HIERARCHICAL_LEARNING_CURVE,
    HIERARCHICAL_MODEL_SIZE,
    JOINT_SCALING,
)
from bayes_scaling.priors import Prior, parse_priors, read_yaml
from bayes_scaling.summaries import ci_defaults

__all__ = [
    "PRIOR_SET_MODELS",
    "PriorSet",
    "PriorSetEntry",
    "list_prior_sets",
    "load_prior_set",
    "parse_prior_set",
    "prior_posterior_table",
    "prior_set_priors",
    "prior_sets_table",
]

#: Model types a prior set may cover (each has packaged defaults ``priors/<model>.yaml``).
PRIOR_SET_MODELS: tuple[str, ...] = (HIERARCHICAL_LEARNING_CURVE, JOINT_SCALING,
                                     HIERARCHICAL_MODEL_SIZE, COMPUTE_SCALING)
#: Sub-folder of ``priors/`` holding the sets (mapped into the wheel with ``priors/``).
PRIOR_SET_FOLDER = "literature"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TOP_KEYS = ("name", "description", "references", "models")
_ENTRY_KEYS = ("prior", "source", "derivation")


@dataclass(frozen=True)
class PriorSetEntry:
    """One prior of a set with where it comes from.

    Parameters
    ----------
    prior : Prior
        The validated prior.
    source : str
        The published fit(s) it is derived from.
    derivation : str
        How the published numbers became this prior.

    Examples
    --------
    >>> from bayes_scaling.prior_sets import load_prior_set
    >>> entry = load_prior_set("speech").models["hierarchical_model_size"]["beta_p_mu"]
    >>> entry.prior.kwargs
    {'mu': 0.54, 'sigma': 0.25}
    >>> entry.source
    'Hestness et al. 2019 (speech beta_p = 0.54)'
    """

    prior: Prior
    source: str
    derivation: str


@dataclass(frozen=True)
class PriorSet:
    """A validated prior set: per model type, the priors that replace the defaults.

    Parameters
    ----------
    name : str
        The set's name (the file's stem), e.g. ``"language-model"``.
    description : str
        What the set is for.
    references : tuple of str
        Full citations of the sources.
    models : dict
        Model type -> parameter name -> :class:`PriorSetEntry`.

    Examples
    --------
    >>> from bayes_scaling.prior_sets import load_prior_set
    >>> s = load_prior_set("language-model")
    >>> "hierarchical_learning_curve" in s.models
    True
    >>> s.priors_for("joint_scaling")["alpha"].dist
    'LogNormal'
    """

    name: str
    description: str
    references: tuple[str, ...]
    models: dict[str, dict[str, PriorSetEntry]]

    def priors_for(self, model_type: str) -> dict[str, Prior]:
        """The set's priors for ``model_type``.

        Raises
        ------
        PriorConfigError
            If the set does not cover ``model_type``; the message lists the sets that do.
        """
        if model_type not in self.models:
            covering = [n for n in list_prior_sets()
                        if model_type in load_prior_set(n).models]
            raise PriorConfigError(
                f"prior set {self.name!r} has no priors for the {model_type} model (it covers "
                f"{sorted(self.models)}); sets that cover {model_type}: "
                f"{covering or 'none'}")
        return {k: e.prior for k, e in self.models[model_type].items()}


def prior_set_dir() -> Path:
    """The folder of the packaged prior sets (``priors/literature``)."""
    return resource_dir("priors") / PRIOR_SET_FOLDER


def list_prior_sets() -> list[str]:
    """Names of the packaged prior sets, sorted.

    Examples
    --------
    >>> from bayes_scaling.prior_sets import list_prior_sets
    >>> "language-model" in list_prior_sets()
    True
    """
    folder = prior_set_dir()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.yaml"))


def _text(value: Any, *, where: str, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PriorConfigError(f"{where}: {key!r} must be non-empty text, got {value!r}")
    return value.strip()


def _valid_names(model_type: str) -> tuple[str, ...]:
    """The prior names of a model: the entries of its packaged defaults file."""
    doc = read_yaml(resource_dir("priors") / f"{model_type}.yaml")
    priors = doc.get("priors") if isinstance(doc, Mapping) else None
    if not isinstance(priors, Mapping):
        raise PriorConfigError(f"packaged priors of {model_type!r} have no 'priors' mapping")
    return tuple(str(k) for k in priors)


def parse_prior_set(doc: Any, *, source: str, name: str | None = None) -> PriorSet:
    """Validate a prior-set document (the parsed YAML).

    Parameters
    ----------
    doc : mapping
        Keys ``name``, ``description``, ``references`` (list of text) and ``models``
        (model type -> parameter -> ``{prior, source, derivation}``).
    source : str
        Where it came from, for messages.
    name : str, optional
        The expected ``name`` (the file's stem).

    Returns
    -------
    PriorSet

    Raises
    ------
    PriorConfigError
        On unknown or missing keys, unknown model types or parameter names, invalid priors
        (the checks of :func:`bayes_scaling.priors.parse_priors`), or an entry without
        ``source``/``derivation`` text.

    Examples
    --------
    >>> from bayes_scaling.prior_sets import parse_prior_set
    >>> doc = {"name": "x", "description": "d", "references": ["r"], "models": {
    ...     "hierarchical_model_size": {"beta_p_mu": {
    ...         "prior": {"dist": "Normal", "kwargs": {"mu": 0.7, "sigma": 0.2}},
    ...         "source": "a paper", "derivation": "centred on its value"}}}}
    >>> parse_prior_set(doc, source="example").priors_for("hierarchical_model_size")
    {'beta_p_mu': Prior(dist='Normal', kwargs={'mu': 0.7, 'sigma': 0.2})}
    """
    if not isinstance(doc, Mapping):
        raise PriorConfigError(f"{source}: a prior set must be a mapping with keys "
                               f"{list(_TOP_KEYS)}, got {type(doc).__name__}")
    unknown = [k for k in doc if k not in _TOP_KEYS]
    missing = [k for k in _TOP_KEYS if k not in doc]
    if unknown or missing:
        raise PriorConfigError(f"{source}: a prior set has the keys {list(_TOP_KEYS)}"
                               + (f"; unknown {unknown}" if unknown else "")
                               + (f"; missing {missing}" if missing else ""))
    set_name = _text(doc["name"], where=source, key="name")
    if not _NAME.match(set_name):
        raise PriorConfigError(f"{source}: name {set_name!r} must be lower-case letters, "
                               "digits and hyphens")
    if name is not None and set_name != name:
        raise PriorConfigError(f"{source}: 'name' is {set_name!r}, expected {name!r} (the "
                               "file's name)")
    refs = doc["references"]
    if not isinstance(refs, list) or not refs:
        raise PriorConfigError(f"{source}: 'references' must be a non-empty list of "
                               f"citations, got {refs!r}")
    references = tuple(_text(r, where=source, key="references") for r in refs)
    models = doc["models"]
    if not isinstance(models, Mapping) or not models:
        raise PriorConfigError(f"{source}: 'models' must map model types "
                               f"{list(PRIOR_SET_MODELS)} to their priors, got {models!r}")
    out: dict[str, dict[str, PriorSetEntry]] = {}
    for model_type, entries in models.items():
        if model_type not in PRIOR_SET_MODELS:
            raise PriorConfigError(f"{source}: unknown model type {model_type!r}; valid: "
                                   f"{list(PRIOR_SET_MODELS)}")
        where = f"{source}:{model_type}"
        if not isinstance(entries, Mapping) or not entries:
            raise PriorConfigError(f"{where}: expected a non-empty mapping of parameter "
                                   f"-> {{prior, source, derivation}}, got {entries!r}")
        parsed: dict[str, PriorSetEntry] = {}
        priors = parse_priors(
            {k: (v.get("prior") if isinstance(v, Mapping) else v) for k, v in entries.items()},
            valid_names=_valid_names(str(model_type)), source=where)
        for key, entry in entries.items():
            here = f"{where}:{key}"
            if not isinstance(entry, Mapping):
                raise PriorConfigError(f"{here}: expected a mapping with keys "
                                       f"{list(_ENTRY_KEYS)}, got {type(entry).__name__}")
            bad = [k for k in entry if k not in _ENTRY_KEYS]
            lacking = [k for k in _ENTRY_KEYS if k not in entry]
            if bad or lacking:
                raise PriorConfigError(f"{here}: an entry has the keys {list(_ENTRY_KEYS)}"
                                       + (f"; unknown {bad}" if bad else "")
                                       + (f"; missing {lacking}" if lacking else ""))
            parsed[str(key)] = PriorSetEntry(
                prior=priors[str(key)],
                source=_text(entry["source"], where=here, key="source"),
                derivation=_text(entry["derivation"], where=here, key="derivation"))
        out[str(model_type)] = parsed
    return PriorSet(name=set_name, description=_text(doc["description"], where=source,
                                                     key="description"),
                    references=references, models=out)


def load_prior_set(name: str) -> PriorSet:
    """Load and validate the packaged prior set ``name``.

    Raises
    ------
    PriorConfigError
        If there is no such set (the message lists the sets there are) or it is invalid.

    Examples
    --------
    >>> from bayes_scaling.prior_sets import load_prior_set
    >>> load_prior_set("language-model").name
    'language-model'
    """
    available = list_prior_sets()
    if not isinstance(name, str) or name not in available:
        raise PriorConfigError(f"unknown prior set {name!r}; valid: {available}")
    path = prior_set_dir() / f"{name}.yaml"
    return parse_prior_set(read_yaml(path), source=str(path), name=name)


def prior_set_priors(name: str | None, model_type: str) -> dict[str, Prior]:
    """The priors set ``name`` gives ``model_type`` (``{}`` for ``name=None``).

    Raises
    ------
    PriorConfigError
        If the set is unknown or does not cover the model (naming the sets that do).

    Examples
    --------
    >>> from bayes_scaling.prior_sets import prior_set_priors
    >>> prior_set_priors("speech", "hierarchical_model_size")["beta_p_mu"].kwargs
    {'mu': 0.54, 'sigma': 0.25}
    >>> prior_set_priors(None, "joint_scaling")
    {}
    """
    if name is None:
        return {}
    return load_prior_set(name).priors_for(model_type)


def prior_sets_table() -> pd.DataFrame:
    """One row per set and model type: the parameters it sets and their sources.

    Examples
    --------
    >>> from bayes_scaling.prior_sets import prior_sets_table
    >>> list(prior_sets_table().columns)
    ['prior_set', 'model', 'parameters', 'sources', 'description']
    """
    rows = []
    for name in list_prior_sets():
        s = load_prior_set(name)
        for model_type, entries in s.models.items():
            rows.append({"prior_set": name, "model": model_type,
                         "parameters": ", ".join(entries),
                         "sources": "; ".join(dict.fromkeys(e.source for e in
                                                            entries.values())),
                         "description": s.description})
    return pd.DataFrame(rows, columns=["prior_set", "model", "parameters", "sources",
                                       "description"])


def _prior_draws(prior: Prior, draws: int, seed: int) -> np.ndarray:
    import pymc as pm

    dist = getattr(pm, prior.dist).dist(**prior.kwargs)
    return np.asarray(pm.draw(dist, draws=draws, random_seed=seed), float)


def prior_posterior_table(fit: Any, names: list[str] | None = None, *,
                          ci_prob: float | None = None, draws: int = 4000,
                          seed: int = 0) -> pd.DataFrame:
    """Prior and posterior median and central interval of the fit's sampled priors.

    Parameters
    ----------
    fit : xarray.DataTree
        A NUTS fit (``priors`` attr and ``posterior`` group).
    names : list of str, optional
        Parameters to show (default: those the fit's prior set replaced, else every
        prior that is a posterior variable without extra dims).
    ci_prob : float, optional
        Central interval probability (default ArviZ's ``stats.ci_prob``).
    draws, seed : int
        Prior draws (deterministic for a seed).

    Returns
    -------
    pandas.DataFrame
        ``parameter, coord, prior_median, prior_lower, prior_upper, posterior_median,
        posterior_lower, posterior_upper``; a parameter with a ``curve`` (or other) dim
        has one row per coordinate.

    Examples
    --------
    A fit's ``priors`` and ``prior_set`` attrs and its posterior are all it needs (here a
    hand-made posterior of ``log_beta_mu`` with 2 chains x 100 draws):

    >>> import json
    >>> import numpy as np
    >>> import xarray as xr
    >>> from bayes_scaling.prior_sets import prior_posterior_table
    >>> post = xr.Dataset({"log_beta_mu": (("chain", "draw"),
    ...                                    np.linspace(-1.2, -0.8, 200).reshape(2, 100))})
    >>> fit = xr.DataTree.from_dict({"posterior": post})
    >>> fit.attrs.update(model_type="hierarchical_learning_curve", prior_set="language-model",
    ...                  priors=json.dumps({"log_beta_mu": {"dist": "Normal", "kwargs": {
    ...                      "mu": -1.85, "sigma": 0.6}}}))
    >>> row = prior_posterior_table(fit, ci_prob=0.9).iloc[0]
    >>> print(f"{row['parameter']}: prior median {row['prior_median']:.1f}, "
    ...       f"posterior median {row['posterior_median']:.1f}")
    log_beta_mu: prior median -1.8, posterior median -1.0
    """
    prob, _ = ci_defaults(ci_prob, None)
    priors = {k: Prior.from_dict(v, name=k) for k, v in json.loads(fit.attrs["priors"]).items()}
    post = fit["posterior"]
    if names is None:
        chosen = fit.attrs.get("prior_set")
        set_names = (list(prior_set_priors(chosen, fit.attrs["model_type"]))
                     if chosen else list(priors))
        names = [n for n in set_names if n in post.data_vars]
    q = [(1 - prob) / 2, 0.5, (1 + prob) / 2]
    rows = []
    for n in names:
        if n not in priors or n not in post.data_vars:
            raise KeyError(f"{n!r} is not a sampled prior of this fit; valid: "
                           f"{sorted(set(priors) & set(post.data_vars))}")
        lo, med, hi = np.quantile(_prior_draws(priors[n], draws, seed), q)
        var = post[n]
        extra = [d for d in var.dims if d not in ("chain", "draw")]
        stacked = var.stack(sample=("chain", "draw"))
        if extra:
            flat = stacked.stack(coord=extra) if len(extra) > 1 else stacked.rename(
                {extra[0]: "coord"})
            coords = [str(c) for c in flat["coord"].values]
            values = flat.transpose("coord", "sample").values
        else:
            coords, values = [""], stacked.values[None, :]
        for c, v in zip(coords, values, strict=True):
            p_lo, p_med, p_hi = np.quantile(v, q)
            rows.append({"parameter": n, "coord": c, "prior_median": float(med),
                         "prior_lower": float(lo), "prior_upper": float(hi),
                         "posterior_median": float(p_med), "posterior_lower": float(p_lo),
                         "posterior_upper": float(p_hi)})
    return pd.DataFrame(rows)
