"""A comparison folder read back: the fits and weights that ``bayes-scaling compare --out
DIR --save-fits`` (:meth:`FormComparison.write <bayes_scaling.comparison.FormComparison.write>`
with ``save_fits=True``) wrote, so that the average over the forms can be predicted later
(``bayes-scaling predict DIR``) without refitting.

``DIR/comparison.json`` records the weights of each weighting (``stacking`` from PSIS-LOO,
``evidence`` from the SMC evidence) and, under ``fit_files``, which file holds each form's
fit (``null`` when the fits were not saved). Folders written before ``fit_files`` was
recorded are read by the file name each form's fit was given (``fits/<form>.nc`` with the
characters outside ``[A-Za-z0-9_.-]`` replaced); every loaded fit must name its form in
its ``form`` attr, so a file is never taken for another form's.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr

from bayes_scaling.comparison.averaging import WEIGHTINGS
from bayes_scaling.comparison.forms import FITS_FOLDER, fit_file_name
from bayes_scaling.errors import FitFileError, ModelConfigError

__all__ = ["COMPARISON_FILE", "SavedComparison", "load_comparison_fits"]

#: The file of a comparison folder that records its settings, weights and fit files.
COMPARISON_FILE = "comparison.json"
#: The comparison method that gives each weighting (what to rerun ``compare`` with).
_METHOD_OF = {"stacking": "loo", "evidence": "evidence"}


@dataclass(frozen=True)
class SavedComparison:
    """The fits and weights of a comparison folder (:func:`load_comparison_fits`).

    Attributes
    ----------
    folder : pathlib.Path
        The folder read.
    fits : dict of str to xarray.DataTree
        Each form's ``curve_form`` fit of the full table, keyed by form name.
    weights : dict of str to dict of str to float
        The averaging weights by weighting (``"stacking"``, ``"evidence"``: whichever the
        comparison computed), each keyed by form name.
    settings : dict
        The comparison's settings as recorded (forms, methods, SMC settings, ...).

    Examples
    --------
    >>> from pathlib import Path
    >>> from bayes_scaling.comparison import SavedComparison
    >>> saved = SavedComparison(Path("cmp"), fits={},
    ...                         weights={"stacking": {"power_law": 0.8, "exponential": 0.2}})
    >>> saved.weights_for("stacking")
    {'power_law': 0.8, 'exponential': 0.2}
    >>> try:
    ...     saved.weights_for("evidence")
    ... except Exception as err:
    ...     print(err)  # doctest: +NORMALIZE_WHITESPACE
    cmp/comparison.json has no 'evidence' weights (it has: stacking); use one of those, or
    rerun compare with --method including evidence and --save-fits
    """

    folder: Path
    fits: dict[str, xr.DataTree]
    weights: dict[str, dict[str, float]]
    settings: dict[str, Any] = field(default_factory=dict)

    def weights_for(self, weighting: str = "stacking") -> dict[str, float]:
        """The weights of ``weighting``, keyed by form name.

        Raises
        ------
        ModelConfigError
            If ``weighting`` is not a weighting, or the comparison did not compute it
            (the message says which it has and what to rerun ``compare`` with).
        """
        if weighting not in WEIGHTINGS:
            raise ModelConfigError(f"weighting must be one of {list(WEIGHTINGS)}, "
                                   f"got {weighting!r}")
        if weighting not in self.weights:
            have = ", ".join(sorted(self.weights)) or "none"
            raise ModelConfigError(
                f"{self.folder / COMPARISON_FILE} has no {weighting!r} weights (it has: "
                f"{have}); use one of those, or rerun compare with --method including "
                f"{_METHOD_OF[weighting]} and --save-fits")
        return dict(self.weights[weighting])

    def predict(self, rows: pd.DataFrame, *, weighting: str = "stacking",
                probs: Sequence[float] | float | None = None, seed: int = 0) -> pd.DataFrame:
        """Predictive median and intervals of the metric at ``rows``, averaged over the
        forms by ``weighting`` (:func:`~bayes_scaling.comparison.predict_average`; ``probs``
        default :data:`bayes_scaling.prediction.DEFAULT_PROBS`)."""
        from bayes_scaling.comparison.average_prediction import predict_average
        from bayes_scaling.prediction import DEFAULT_PROBS

        weights = self.weights_for(weighting)
        return predict_average(self.fits, rows, weights=weights,
                               probs=DEFAULT_PROBS if probs is None else probs, seed=seed)


def load_comparison_fits(folder: str | Path) -> SavedComparison:
    """Read the fits and weights of a comparison folder written with its fits.

    Parameters
    ----------
    folder : str or pathlib.Path
        A folder written by ``bayes-scaling compare DATA --forms ... --out folder
        --save-fits`` or :meth:`FormComparison.write(folder, save_fits=True)
        <bayes_scaling.comparison.FormComparison.write>`.

    Returns
    -------
    SavedComparison
        Every form's fit (loaded and verified with :func:`bayes_scaling.io.load_fit`),
        keyed by form name, and the weights by weighting.

    Raises
    ------
    FitFileError
        If ``folder`` is not a folder, has no (or an unreadable) ``comparison.json``, was
        written without its fits (rerun ``compare`` with ``--save-fits``), holds no fits of
        the full table (``compare`` ran with ``--method lfo`` only), or a weighted form's
        fit file is missing, invalid or holds another form's fit.

    Examples
    --------
    >>> import warnings
    >>> from bayes_scaling.comparison import compare_forms, load_comparison_fits
    >>> from bayes_scaling.models import SMCConfig
    >>> from bayes_scaling.simulate import simulate_form_curves
    >>> sim = simulate_form_curves("power_law", {"alpha": [0.2], "beta": [0.35]},
    ...                            n_seeds=1, noise=0.04, seed=3)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     result = compare_forms(sim.frame, ["power_law", "exponential"],
    ...                            methods=["evidence", "loo"],
    ...                            smc=SMCConfig(draws=200, chains=2, seed=1))
    >>> _ = result.write("cmp", save_fits=True)  # bayes-scaling compare --out cmp --save-fits
    >>> saved = load_comparison_fits("cmp")
    >>> sorted(saved.fits), sorted(saved.weights)
    (['exponential', 'power_law'], ['evidence', 'stacking'])
    >>> saved.weights_for("stacking") == result.weights["stacking"].to_dict()
    True
    """
    folder = Path(folder)
    meta_path = folder / COMPARISON_FILE
    if not folder.is_dir():
        raise FitFileError(f"{folder} is not a folder: give a fit file (.nc) or a folder "
                           "written by `bayes-scaling compare ... --out FOLDER --save-fits`")
    if not meta_path.is_file():
        raise FitFileError(f"{folder} has no {COMPARISON_FILE}: it is not a comparison "
                           "folder; write one with `bayes-scaling compare DATA --forms ... "
                           f"--out {folder} --save-fits`")
    meta = _read_meta(meta_path)
    weights = _read_weights(meta, meta_path)
    fit_files = _fit_files(meta, meta_path, weights)
    fits = {form: _load_form_fit(folder, form, name, weights)
            for form, name in fit_files.items()}
    settings = meta.get("settings")
    return SavedComparison(folder=folder, fits=fits, weights=weights,
                           settings=dict(settings) if isinstance(settings, Mapping) else {})


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        meta = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FitFileError(f"cannot read {path}: {exc}") from exc
    if not isinstance(meta, dict):
        raise FitFileError(f"{path} is not a comparison record (a JSON object with "
                           "'weights' and 'fit_files')")
    return meta


def _read_weights(meta: Mapping[str, Any], path: Path) -> dict[str, dict[str, float]]:
    raw = meta.get("weights", {})
    out: dict[str, dict[str, float]] = {}
    if not isinstance(raw, Mapping):
        raise FitFileError(f"{path}: 'weights' must map weightings to weights by form, "
                           f"got {raw!r}")
    for weighting, by_form in raw.items():
        ok = isinstance(by_form, Mapping) and all(
            isinstance(w, int | float) and not isinstance(w, bool) and math.isfinite(w)
            and w >= 0 for w in by_form.values())
        if not ok:
            raise FitFileError(f"{path}: the {weighting!r} weights must map form names to "
                               f"non-negative numbers, got {by_form!r}")
        out[str(weighting)] = {str(form): float(w) for form, w in by_form.items()}
    return out


def _fit_files(meta: Mapping[str, Any], path: Path,
               weights: Mapping[str, Mapping[str, float]]) -> dict[str, str]:
    """Each form's fit file, relative to the folder: as recorded, or (folders written
    before ``fit_files`` was recorded) by the name each weighted form's fit was given."""
    weighted = sorted({form for by_form in weights.values() for form in by_form})
    rerun = (f"rerun `bayes-scaling compare DATA --forms ... --out {path.parent} --force "
             "--save-fits`")
    if "fit_files" in meta:
        recorded = meta["fit_files"]
        if recorded is None:
            raise FitFileError(f"{path.parent} was written without its fits ({path.name} "
                               f"records no fit files): {rerun}")
        if not isinstance(recorded, Mapping) or not all(
                isinstance(v, str) for v in recorded.values()):
            raise FitFileError(f"{path}: 'fit_files' must map form names to files in the "
                               f"folder, got {recorded!r}")
        files = {str(form): str(name) for form, name in recorded.items()}
        outside = [n for n in files.values()
                   if Path(n).is_absolute() or ".." in Path(n).parts]
        if outside:
            raise FitFileError(f"{path}: fit files must lie inside the folder, got {outside}")
        unsaved = [form for form in weighted if form not in files]
        if unsaved:
            raise FitFileError(f"{path}: the weighted form(s) {unsaved} have no fit file "
                               f"(recorded: {sorted(files)}); {rerun}")
    elif (path.parent / FITS_FOLDER).is_dir():
        files = {form: fit_file_name(form) for form in weighted}
    else:
        raise FitFileError(f"{path.parent} was written without its fits (no "
                           f"{FITS_FOLDER}/ folder): {rerun}")
    if not files:
        raise FitFileError(f"{path.parent} holds no fits of the full table: compare ran "
                           "without the evidence and loo methods (--method lfo fits only the "
                           "training rows); rerun it with --method evidence,loo and "
                           "--save-fits")
    return files


def _load_form_fit(folder: Path, form: str, name: str,
                   weights: Mapping[str, Mapping[str, float]]) -> xr.DataTree:
    from bayes_scaling.io import load_fit

    path = folder / name
    if not path.is_file():
        used = ", ".join(f"{w} weight {by_form[form]:.3g}" for w, by_form in weights.items()
                         if form in by_form) or "no weight"
        present = sorted(p.name for p in (folder / FITS_FOLDER).glob("*.nc")) \
            if (folder / FITS_FOLDER).is_dir() else []
        raise FitFileError(f"the fit of form {form!r} ({used}) is missing: {path} does not "
                           f"exist (fit files in {folder / FITS_FOLDER}: {present or 'none'}); "
                           f"rerun `bayes-scaling compare ... --out {folder} --force "
                           "--save-fits`")
    fit = load_fit(path)
    if fit.attrs.get("form") != form:
        raise FitFileError(f"{path} holds the fit of form {fit.attrs.get('form')!r}, not of "
                           f"{form!r} as {folder / COMPARISON_FILE} says")
    return fit
