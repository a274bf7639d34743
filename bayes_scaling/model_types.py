"""The model types: their names and the facts about them that layers below the models need.

A fit records its model in the ``model_type`` attr. This module is where each name is
written, once: the model classes take their ``model_type`` from it
(:data:`bayes_scaling.models.MODELS` maps each name to its class) and every other layer
compares and keys on these constants, never on a string of its own. It sits in the bottom
layer and imports nothing from the package, so the modules that may not import the models
(plotting, prior sets) can use it too.

Per-type facts kept here are plain data that such a module needs:
:data:`DIAGNOSTIC_VARS` (the parameters the diagnostics plot shows). Facts that only the
models or the layers above them need live on the model class (``cli_kind``,
``size_column``) or in the module that dispatches on the type, as a dict keyed by these
constants (``fit_projection.PROJECTORS``, ``bands.FITTED_POINTS``, ``figures.FIT_PLOTS``,
...).

Adding a model type (ARCHITECTURE.md, "The model registry", has a worked example): a
constant here (also in :data:`MODEL_TYPE_NAMES`) and its :data:`DIAGNOSTIC_VARS` entry;
the model class (``model_type = THE_CONSTANT``) with its line in ``models.MODELS``; one
entry in each dispatch table whose feature the type should have.

Examples
--------
>>> from bayes_scaling.model_types import JOINT_SCALING, MODEL_TYPE_NAMES
>>> JOINT_SCALING
'joint_scaling'
>>> JOINT_SCALING in MODEL_TYPE_NAMES
True
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "COMPUTE_SCALING",
    "CURVE_FORM",
    "DIAGNOSTIC_VARS",
    "HIERARCHICAL_LEARNING_CURVE",
    "HIERARCHICAL_MODEL_SIZE",
    "JOINT_SCALING",
    "MODEL_TYPE_NAMES",
]

#: :class:`~bayes_scaling.models.HierarchicalLearningCurve` (CLI ``learning-curve``).
HIERARCHICAL_LEARNING_CURVE: Final = "hierarchical_learning_curve"
#: :class:`~bayes_scaling.models.HierarchicalModelSize` (CLI ``model-size``).
HIERARCHICAL_MODEL_SIZE: Final = "hierarchical_model_size"
#: :class:`~bayes_scaling.models.HierarchicalComputeScaling` (CLI ``compute-scaling``).
COMPUTE_SCALING: Final = "compute_scaling"
#: :class:`~bayes_scaling.models.JointScalingLaw` (CLI ``joint``).
JOINT_SCALING: Final = "joint_scaling"
#: :class:`~bayes_scaling.models.CurveFormModel` (``bayes-scaling compare``).
CURVE_FORM: Final = "curve_form"

#: Every model type, in the order of ARCHITECTURE.md's table of models.
MODEL_TYPE_NAMES: tuple[str, ...] = (HIERARCHICAL_LEARNING_CURVE, HIERARCHICAL_MODEL_SIZE,
                                     COMPUTE_SCALING, JOINT_SCALING, CURVE_FORM)

#: Interpretable parameters the diagnostics plot shows by default, per model type (those a
#: fit has are used; a type without an entry shows its first posterior variables).
DIAGNOSTIC_VARS: dict[str, tuple[str, ...]] = {
    HIERARCHICAL_LEARNING_CURVE: ("beta_global", "beta_domain", "gamma", "noise_sigma"),
    HIERARCHICAL_MODEL_SIZE: ("beta_p_global", "beta_p_domain", "noise_sigma"),
    COMPUTE_SCALING: ("k_global", "k_domain", "tau_mu", "error_hi", "noise_nu"),
    JOINT_SCALING: ("E", "alpha", "beta", "sigma", "nu"),
}
