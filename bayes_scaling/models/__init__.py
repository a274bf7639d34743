"""PyMC model builders and the fit lifecycle."""

from __future__ import annotations

from bayes_scaling.models.base import SamplerConfig, ScalingModel
from bayes_scaling.models.learning_curve import HierarchicalLearningCurve

#: Registered model classes, keyed by ``model_type`` (used to rebuild saved fits).
MODELS: dict[str, type[ScalingModel]] = {
    HierarchicalLearningCurve.model_type: HierarchicalLearningCurve,
}

__all__ = ["MODELS", "HierarchicalLearningCurve", "SamplerConfig", "ScalingModel"]
