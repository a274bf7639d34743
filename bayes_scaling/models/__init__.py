"""PyMC model builders and the fit lifecycle.

Every model has the same lifecycle: a cheap constructor (validates the table, resolves the
priors), :meth:`~ScalingModel.build_model` (the PyMC model, named dims only) and
:meth:`~ScalingModel.fit` (NUTS through nutpie by default; returns an ArviZ ``DataTree``).
:data:`MODELS` maps each saved fit's ``model_type`` to its class, which rebuilds it.

Examples
--------
>>> from bayes_scaling.models import MODELS
>>> sorted(MODELS)  # doctest: +NORMALIZE_WHITESPACE
['compute_scaling', 'curve_form', 'hierarchical_learning_curve', 'hierarchical_model_size',
 'joint_scaling']
"""

from __future__ import annotations

from bayes_scaling.models.base import SamplerConfig, ScalingModel
from bayes_scaling.models.blocks import BlockRunner
from bayes_scaling.models.compute import HierarchicalComputeScaling
from bayes_scaling.models.form import CurveFormModel, SMCConfig
from bayes_scaling.models.joint import JointScalingLaw
from bayes_scaling.models.learning_curve import HierarchicalLearningCurve
from bayes_scaling.models.model_size import HierarchicalModelSize

#: Registered model classes, keyed by ``model_type`` (used to rebuild saved fits).
MODELS: dict[str, type[ScalingModel]] = {
    CurveFormModel.model_type: CurveFormModel,
    HierarchicalComputeScaling.model_type: HierarchicalComputeScaling,
    HierarchicalLearningCurve.model_type: HierarchicalLearningCurve,
    HierarchicalModelSize.model_type: HierarchicalModelSize,
    JointScalingLaw.model_type: JointScalingLaw,
}

__all__ = [
    "MODELS",
    "BlockRunner",
    "CurveFormModel",
    "HierarchicalComputeScaling",
    "HierarchicalLearningCurve",
    "HierarchicalModelSize",
    "JointScalingLaw",
    "SMCConfig",
    "SamplerConfig",
    "ScalingModel",
]
