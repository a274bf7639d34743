"""The fixed vocabulary of dimension names used in every result.

Every variable, table and plot in ``bayes_scaling`` uses these names, so a result
from any model can be selected the same way (``fit.posterior["beta"].sel(curve=...)``).
PyMC is never allowed to auto-name a dimension (``x_dim_0``).
"""

from __future__ import annotations

#: Separator of a curve's coordinate label ``"domain/curve"`` (unique across domains).
CURVE_SEP = "/"

CHAIN = "chain"
DRAW = "draw"
OBS = "obs"
CURVE = "curve"
DOMAIN = "domain"
RESOURCE = "resource"
TARGET = "target"
CI_BOUND = "ci_bound"
MODEL = "model"
SIZE = "size"  # grid of training-set sizes used for curve bands and plots
QUANTILE = "quantile"
BLOCK = "block"  # independent blocks (curves or domains) of an SMC fit
PROB = "prob"  # probabilities of nested credible bands
KNOT = "knot"  # interior knots of the discrepancy term along each curve
ROW = "row"  # rows of a prediction table (bayes_scaling.prediction)
REPLICATE = "replicate"  # independent predictive draws per posterior draw
MODEL_SIZE = "model_size"  # the fitted model sizes of each curve (joint law's size effect)

SAMPLE_DIMS: tuple[str, str] = (CHAIN, DRAW)

ALL_DIMS: frozenset[str] = frozenset(
    {CHAIN, DRAW, OBS, CURVE, DOMAIN, RESOURCE, TARGET, CI_BOUND, MODEL, SIZE, QUANTILE, BLOCK,
     PROB, KNOT, ROW, REPLICATE, MODEL_SIZE}
)
