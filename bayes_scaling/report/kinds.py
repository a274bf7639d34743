"""The report kinds (``bayes-scaling report --model KIND``), each defined once.

A report kind is the analysis a report runs on a table. Each is named after the model it
fits first, its *main model* (the CLI name of that model, a key of
:data:`bayes_scaling.models.kinds.MODEL_KINDS`), and :data:`REPORT_KIND_REGISTRY` holds
what the report needs to know of it: the main model (whose ``size_column`` is the size
column of a user's CSV and whose ``model_type`` a prior set must cover), which tables it
is chosen for (:func:`choose_kind`), its default targets (:func:`default_targets`) and
which of the report's options apply to it. Every other report module and the CLI name a
kind by the constants below (``tests/test_report_kinds.py`` fails on a kind's name written
as a string elsewhere).

The analysis itself (fits, tables, figures) is the kind's runner in
:data:`bayes_scaling.report.analyses.FINDINGS_RUNNERS`, keyed by the same constants; it
lives there because :mod:`~bayes_scaling.report.inputs`, a sibling of the analyses that
may not import them, needs the registry too.

Examples
--------
>>> from bayes_scaling.report.kinds import REPORT_KIND_REGISTRY, REPORT_KINDS
>>> REPORT_KINDS
('learning-curve', 'compute-scaling', 'joint')
>>> REPORT_KIND_REGISTRY["joint"].size_column
'params'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from bayes_scaling.data import ScalingData
from bayes_scaling.errors import ModelConfigError
from bayes_scaling.model_types import COMPUTE_SCALING, HIERARCHICAL_LEARNING_CURVE, JOINT_SCALING
from bayes_scaling.models.base import ScalingModel
from bayes_scaling.models.kinds import MODEL_KINDS, model_kind

#: Learning curves: error vs data (+ model size with a width sweep, forms, hypotheses).
LEARNING_CURVE_REPORT: Final[str] = model_kind(HIERARCHICAL_LEARNING_CURVE)
#: Compute scaling: error vs training compute (Thompson tables).
COMPUTE_SCALING_REPORT: Final[str] = model_kind(COMPUTE_SCALING)
#: The joint law L(N, D) (Chinchilla-style runs).
JOINT_REPORT: Final[str] = model_kind(JOINT_SCALING)


@dataclass(frozen=True)
class ReportKind:
    """What the report needs to know of one report kind.

    Attributes
    ----------
    name : str
        The kind's name (CLI ``report --model``; the ``model`` of the report's settings).
    main_model : type of ScalingModel
        The model the analysis fits first (the :data:`MODEL_KINDS` entry of the same
        name): its ``size_column`` is the size column of a CSV read for this kind, and a
        prior set given to the report must cover its ``model_type``.
    targets : callable
        ``targets(table)``: the projection targets when none are given.
    matches : callable or None
        ``matches(table)``: whether :func:`choose_kind` chooses this kind for ``table``;
        ``None`` for the one kind chosen when no other matches.
    compares_forms : bool, default False
        The analysis compares functional forms (the ``forms`` option applies).
    years_to_target : bool, default False
        The analysis projects years to target (the ``compute_growth_per_year`` option
        applies).

    Examples
    --------
    >>> from bayes_scaling.report.kinds import LEARNING_CURVE_REPORT, REPORT_KIND_REGISTRY
    >>> kind = REPORT_KIND_REGISTRY[LEARNING_CURVE_REPORT]
    >>> kind.main_model.__name__, kind.size_column, kind.compares_forms
    ('HierarchicalLearningCurve', 'data', True)
    """

    name: str
    main_model: type[ScalingModel]
    targets: Callable[[ScalingData], tuple[str, ...]]
    matches: Callable[[ScalingData], bool] | None
    compares_forms: bool = False
    years_to_target: bool = False

    @property
    def size_column(self) -> str:
        """The size column of a CSV read for this kind (the main model's)."""
        return self.main_model.size_column

    @property
    def model_type(self) -> str:
        """The main model's ``model_type`` (what a report's prior set must cover)."""
        return self.main_model.model_type


def _learning_curve_targets(data: ScalingData) -> tuple[str, ...]:
    """20% and 50% lower error."""
    return ("x0.8", "x0.5")


def _compute_targets(data: ScalingData) -> tuple[str, ...]:
    """5% top-1 error on ImageNet (Thompson et al.), else half the error."""
    return ("imagenet-top1-5pct",) if set(data.domains) == {"imagenet"} else ("x0.5",)


def _joint_targets(data: ScalingData) -> tuple[str, ...]:
    """5% and 10% lower compute-optimal loss."""
    return ("x0.95", "x0.9")


def _is_compute_table(data: ScalingData) -> bool:
    """The size axis is training compute."""
    return data.size == MODEL_KINDS[COMPUTE_SCALING_REPORT].size_column


def _is_joint_table(data: ScalingData) -> bool:
    """A loss table over model size with a ``data`` column (Chinchilla-style runs)."""
    return (data.size == MODEL_KINDS[JOINT_REPORT].size_column and data.metric == "loss"
            and "data" in data.frame)


#: Every report kind by name, in the order of the CLI's ``report --model`` choices.
REPORT_KIND_REGISTRY: dict[str, ReportKind] = {kind.name: kind for kind in (
    ReportKind(LEARNING_CURVE_REPORT, MODEL_KINDS[LEARNING_CURVE_REPORT],
               _learning_curve_targets, matches=None, compares_forms=True,
               years_to_target=True),
    ReportKind(COMPUTE_SCALING_REPORT, MODEL_KINDS[COMPUTE_SCALING_REPORT], _compute_targets,
               matches=_is_compute_table),
    ReportKind(JOINT_REPORT, MODEL_KINDS[JOINT_REPORT], _joint_targets,
               matches=_is_joint_table),
)}
#: The report kinds' names (CLI ``report --model``), in the registry's order.
REPORT_KINDS: tuple[str, ...] = tuple(REPORT_KIND_REGISTRY)


def report_kind(name: str) -> ReportKind:
    """The registry entry of the report kind ``name``.

    Raises
    ------
    ModelConfigError
        ``name`` is not a report kind (the message lists those that are).

    Examples
    --------
    >>> report_kind("compute-scaling").main_model.__name__
    'HierarchicalComputeScaling'
    """
    if name not in REPORT_KIND_REGISTRY:
        raise ModelConfigError(f"unknown report model {name!r}; valid: {list(REPORT_KINDS)}")
    return REPORT_KIND_REGISTRY[name]


def choose_kind(data: ScalingData) -> str:
    """The report kind for a table: the first kind of :data:`REPORT_KIND_REGISTRY` whose
    ``matches`` accepts it (``compute-scaling`` when its size axis is compute, ``joint``
    for a loss table over model size with a ``data`` column), else the kind without
    ``matches`` (``learning-curve``)."""
    chosen = [kind.name for kind in REPORT_KIND_REGISTRY.values()
              if kind.matches is not None and kind.matches(data)]
    if chosen:
        return chosen[0]
    return next(kind.name for kind in REPORT_KIND_REGISTRY.values() if kind.matches is None)


def default_targets(kind: str, data: ScalingData) -> tuple[str, ...]:
    """Targets when none are given: 20% and 50% lower error for learning curves; 5% top-1
    error on ImageNet (Thompson et al.) else half the error for compute scaling; 5% and
    10% lower compute-optimal loss for the joint law."""
    return report_kind(kind).targets(data)
