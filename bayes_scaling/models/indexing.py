"""Curve and domain indexing shared by every model.

Curves are labelled ``"domain/curve"`` (unique across domains). :class:`CurveIndex`
turns a tidy table into the coordinates and integer indices a PyMC model needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bayes_scaling import dims
from bayes_scaling.dims import CURVE_SEP


def curve_label(domain: str, curve: str) -> str:
    """Coordinate label of a curve: ``"domain/curve"`` (unique across domains)."""
    return f"{domain}{CURVE_SEP}{curve}"


@dataclass(frozen=True)
class CurveIndex:
    """Coordinates and indices of the curves and domains in a table.

    Attributes
    ----------
    domains : list of str
        Domains in order of first appearance.
    curves : list of str
        Curve labels (``"domain/curve"``) in order of first appearance.
    curve_domain : list of str
        The domain of each curve.
    obs_curve_idx : numpy.ndarray
        For each row, the position of its curve in ``curves``.
    """

    domains: list[str]
    curves: list[str]
    curve_domain: list[str]
    obs_curve_idx: np.ndarray

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> CurveIndex:
        """Index the ``domain`` and ``curve`` columns of ``frame``."""
        labels = [curve_label(d, c) for d, c in zip(frame["domain"], frame["curve"], strict=True)]
        curves = list(dict.fromkeys(labels))
        position = {lab: i for i, lab in enumerate(curves)}
        return cls(
            domains=list(dict.fromkeys(frame["domain"])),
            curves=curves,
            curve_domain=[lab.split(CURVE_SEP, 1)[0] for lab in curves],
            obs_curve_idx=np.array([position[lab] for lab in labels], dtype=int),
        )

    @property
    def domain_idx(self) -> np.ndarray:
        """For each curve, the position of its domain in ``domains``."""
        return np.array([self.domains.index(d) for d in self.curve_domain], dtype=int)

    def coords(self) -> dict[str, list[Any]]:
        """PyMC coords: ``domain``, ``curve`` and ``obs``."""
        return {dims.DOMAIN: list(self.domains), dims.CURVE: list(self.curves),
                dims.OBS: list(range(len(self.obs_curve_idx)))}

    def per_curve(self, values: np.ndarray, reduce: Any) -> np.ndarray:
        """Apply ``reduce`` (e.g. ``np.mean``) to ``values`` within each curve."""
        values = np.asarray(values)
        return np.array([reduce(values[self.obs_curve_idx == i])
                         for i in range(len(self.curves))])
