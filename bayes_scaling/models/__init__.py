"""PyMC model builders and the fit lifecycle."""

from __future__ import annotations

from bayes_scaling.models.base import SamplerConfig, ScalingModel
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
    "CurveFormModel",
    "HierarchicalComputeScaling",
    "HierarchicalLearningCurve",
    "HierarchicalModelSize",
    "JointScalingLaw",
    "SMCConfig",
    "SamplerConfig",
    "ScalingModel",
]
