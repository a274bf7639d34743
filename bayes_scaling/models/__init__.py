"""PyMC model builders and the fit lifecycle."""

from __future__ import annotations

from bayes_scaling.models.base import SamplerConfig, ScalingModel
from bayes_scaling.models.learning_curve import HierarchicalLearningCurve
from bayes_scaling.models.model_size import HierarchicalModelSize

#: Registered model classes, keyed by ``model_type`` (used to rebuild saved fits).
MODELS: dict[str, type[ScalingModel]] = {
    HierarchicalLearningCurve.model_type: HierarchicalLearningCurve,
    HierarchicalModelSize.model_type: HierarchicalModelSize,
}

__all__ = [
    "MODELS",
    "HierarchicalLearningCurve",
    "HierarchicalModelSize",
    "SamplerConfig",
    "ScalingModel",
]
