"""Fit a model named as the CLI names it (``bayes-scaling fit --model KIND``).

The CLI's model names, each with its model class and the size column of a user's CSV
(:data:`MODEL_KINDS`, :func:`model_kind`), and :func:`fit_model`: resolve the table
(:func:`bayes_scaling.datasets.resolve_table`), check the options against the model's
constructor, fit, and record excluded curves.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any, Final

import xarray as xr

from bayes_scaling.datasets import resolve_table
from bayes_scaling.errors import ModelConfigError
from bayes_scaling.identification import exclude_unfittable_curves, excluded_records
from bayes_scaling.model_types import HIERARCHICAL_LEARNING_CURVE
from bayes_scaling.models import MODELS
from bayes_scaling.models.base import SamplerConfig, ScalingModel

#: CLI model names -> model class (its ``size_column`` is the size column of a user CSV),
#: from each registered class's ``cli_kind``.
MODEL_KINDS: dict[str, type[ScalingModel]] = {
    cls.cli_kind: cls for cls in MODELS.values() if cls.cli_kind is not None}


def model_kind(model_type: str) -> str:
    """The CLI name (a key of :data:`MODEL_KINDS`) of the model registered as ``model_type``.

    Raises
    ------
    ModelConfigError
        ``model_type`` is not registered, or its model is not fitted by ``fit``.

    Examples
    --------
    >>> from bayes_scaling.model_types import JOINT_SCALING
    >>> model_kind(JOINT_SCALING)
    'joint'
    """
    kind = MODELS[model_type].cli_kind if model_type in MODELS else None
    if kind is None:
        raise ModelConfigError(f"no CLI model for model type {model_type!r}; those with one: "
                               f"{sorted(c.model_type for c in MODEL_KINDS.values())}")
    return kind


#: The model ``bayes-scaling fit`` fits when ``--model`` names none: the hierarchical
#: learning curve.
DEFAULT_MODEL_KIND: Final[str] = model_kind(HIERARCHICAL_LEARNING_CURVE)


def fit_model(kind: str, source: str | Path, *, sampler: SamplerConfig | None = None,
              priors: Any = None, mirror: str | Path | None = None,
              exclude_unfittable: bool = False, **options: Any) -> xr.DataTree:
    """Fit the model named ``kind`` (a key of :data:`MODEL_KINDS`) to a CSV or dataset.

    ``options`` go to the model's constructor (e.g. ``robust=True``, ``form=...``,
    ``trend=True``, ``frontier=True``); options left as ``None`` are not passed.

    With ``exclude_unfittable=True`` curves that cannot be fitted at all (a single size,
    or the same metric at every point) are left out instead of refusing the table
    (:func:`bayes_scaling.identification.exclude_unfittable_curves`, which warns); the
    fit's ``excluded_curves`` attr records them (JSON list of ``curve``, ``rows``,
    ``column``, ``reason``; ``[]`` when none was), under the fit file's content hash.
    """
    if kind not in MODEL_KINDS:
        raise ModelConfigError(f"unknown model {kind!r}; valid: {sorted(MODEL_KINDS)}")
    cls = MODEL_KINDS[kind]
    size = cls.size_column
    given = {k: v for k, v in options.items() if v is not None}
    accepted = set(inspect.signature(cls.__init__).parameters) - {"self", "data", "priors"}
    wrong = sorted(set(given) - accepted)
    if wrong:
        raise ModelConfigError(f"option(s) {wrong} do not apply to the {kind} model; it takes "
                               f"{sorted(accepted) or 'no options'}")
    data = resolve_table(source, size=size, mirror=mirror)
    if not exclude_unfittable:
        return cls(data, priors=priors, **given).fit(sampler or SamplerConfig())
    data, excluded = exclude_unfittable_curves(data)
    fit = cls(data, priors=priors, **given).fit(sampler or SamplerConfig())
    fit.attrs["excluded_curves"] = json.dumps(excluded_records(excluded))
    return fit
