"""Compare functional forms on one table: evidence, PSIS-LOO and leave-future-out.

:func:`compare_forms` fits every requested form (a curve family, optionally with
domain-shared parameters or a robust likelihood) with
:meth:`~bayes_scaling.models.CurveFormModel.fit_smc` and returns a
:class:`FormComparison`: the evidence table (log marginal likelihood with Monte Carlo
error, Bayes factors, model probabilities), ArviZ's PSIS-LOO table, and the
leave-future-out scores per domain of each form **and of their average** (a mixture
weighted by stacking or by evidence computed on the training rows only, so the held-out
rows never inform the weights).

Form specs are strings: a family name (``bayes_scaling.curves.CURVES``) with optional
suffixes ``+shared(p1,p2)`` (parameters shared within a domain) and ``+robust``
(Student-t likelihood): ``"power_law_irreducible+shared(beta)"``.
"""

from __future__ import annotations

import functools
import json
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr

from bayes_scaling.comparison.averaging import (
    WEIGHTINGS,
    average_projection,
    mix_draws,
    model_weights,
)
from bayes_scaling.comparison.bridge import add_bridge_evidence
from bayes_scaling.comparison.evidence import compare_evidence
from bayes_scaling.comparison.mixed_evidence import failing_blocks, splice_smc_blocks
from bayes_scaling.comparison.predictive import compare_loo, score_holdout, split_future
from bayes_scaling.curves import CURVES
from bayes_scaling.data import ScalingData, as_table
from bayes_scaling.diagnostics import fit_report
from bayes_scaling.errors import ModelConfigError
from bayes_scaling.models.blocks import run_blocks
from bayes_scaling.models.form import CurveFormModel, SMCConfig, form_predictive
from bayes_scaling.projection import Target, project_form_growth

__all__ = ["AVERAGE", "EVIDENCE_METHODS", "FITS_FOLDER", "METHODS", "FormComparison",
           "FormSpec", "compare_forms", "fit_file_name", "parse_form"]

METHODS: tuple[str, ...] = ("evidence", "loo", "lfo")
#: How the forms are fitted and their evidence estimated: ``"smc"``, one SMC run per block;
#: ``"bridge"``, one NUTS fit of all blocks per form and each block's evidence by bridge
#: sampling (:mod:`bayes_scaling.comparison.bridge`), SMC for the blocks (or the whole
#: form) whose NUTS fit fails its diagnostics.
EVIDENCE_METHODS: tuple[str, ...] = ("smc", "bridge")
#: Name of the averaged (mixture) model in the LFO table.
AVERAGE = "(average)"
#: Sub-folder of a written comparison holding its fits (``write(save_fits=True)``).
FITS_FOLDER = "fits"
_SPEC = re.compile(r"^(?P<family>[a-z_0-9]+)(?P<mods>(\+[a-z]+(\([a-z_0-9, ]*\))?)*)$")


@dataclass(frozen=True)
class FormSpec:
    """A form to compare: a curve family with shared parameters and likelihood choice.

    Examples
    --------
    >>> from bayes_scaling.comparison import FormSpec, parse_form
    >>> parse_form("power_law_irreducible+shared(beta)") == FormSpec(
    ...     "power_law_irreducible", shared=("beta",))
    True
    """

    family: str
    shared: tuple[str, ...] = ()
    robust: bool = False

    @property
    def name(self) -> str:
        """Canonical label, e.g. ``"power_law_irreducible+shared(beta)"``."""
        label = self.family
        if self.shared:
            label += f"+shared({','.join(self.shared)})"
        return label + ("+robust" if self.robust else "")

    def model(self, data: ScalingData) -> CurveFormModel:
        """The :class:`~bayes_scaling.models.CurveFormModel` of this form on ``data``."""
        return CurveFormModel(data, self.family, shared=self.shared, robust=self.robust)


def parse_form(spec: str | FormSpec) -> FormSpec:
    """Parse ``"family[+shared(p,...)][+robust]"``.

    Examples
    --------
    >>> parse_form("power_law_irreducible+shared(beta)").shared
    ('beta',)
    """
    if isinstance(spec, FormSpec):
        return spec
    text = str(spec).strip()
    match = _SPEC.match(text)
    if not match or match.group("family") not in CURVES:
        raise ModelConfigError(
            f"invalid form {spec!r}: use a family name ({', '.join(sorted(CURVES))}) with "
            "optional '+shared(beta)' and '+robust', e.g. 'power_law_irreducible+robust'")
    shared: tuple[str, ...] = ()
    robust = False
    for mod in re.findall(r"\+([a-z]+)(?:\(([^)]*)\))?", match.group("mods")):
        key, args = mod
        if key == "robust" and not args:
            robust = True
        elif key == "shared" and args:
            shared = tuple(a.strip() for a in args.split(",") if a.strip())
            params = CURVES[match.group("family")].parameters
            bad = [a for a in shared if a not in params]
            if bad:
                raise ModelConfigError(f"form {spec!r}: {bad} are not parameters of "
                                       f"{match.group('family')!r} ({list(params)})")
        else:
            raise ModelConfigError(f"form {spec!r}: unknown modifier '+{key}'; valid: "
                                   "'+shared(p1,...)', '+robust'")
    return FormSpec(match.group("family"), shared, robust)


@dataclass
class FormComparison:
    """Result of :func:`compare_forms`.

    Attributes
    ----------
    evidence : pandas.DataFrame or None
        :func:`~bayes_scaling.comparison.evidence.compare_evidence` table.
    loo : pandas.DataFrame or None
        ArviZ's ``compare`` table (PSIS-LOO), unmodified.
    lfo : pandas.DataFrame or None
        Leave-future-out scores: one row per (model, domain), the averaged model as
        ``"(average)"``.
    fits : dict of str to xarray.DataTree
        SMC fits on the table's fitting rows (evidence and LOO).
    lfo_fits : dict of str to xarray.DataTree
        SMC fits on the training rows of the leave-future-out split.
    weights : dict of str to pandas.Series
        Averaging weights computed from ``fits`` (``"stacking"`` and/or ``"evidence"``).
    lfo_weights : pandas.Series or None
        The weights of the averaged model in ``lfo`` (from the training fits only).
    problems : list of str
        Everything that makes a result less trustworthy (Monte Carlo error, Pareto k,
        sampler diagnostics), in words.

    Examples
    --------
    >>> from bayes_scaling.simulate import simulate_form_curves
    >>> sim = simulate_form_curves("power_law_irreducible",
    ...                            {"alpha": 0.1, "beta": 0.5, "gamma": 0.02}, seed=1)
    >>> from bayes_scaling.comparison import compare_forms
    >>> from bayes_scaling.models import SMCConfig
    >>> result = compare_forms(sim.frame, ["power_law", "power_law_irreducible"],
    ...                        smc=SMCConfig(draws=200, chains=2, seed=1), n_largest=2)
    >>> result.evidence.index.tolist()  # ranked by log evidence
    ['power_law_irreducible', 'power_law']
    >>> sorted(result.fits), result.lfo["model"].unique().tolist()
    (['power_law', 'power_law_irreducible'], ['power_law', 'power_law_irreducible', '(average)'])
    >>> from bayes_scaling.comparison import AVERAGE
    >>> AVERAGE in set(result.lfo["model"])  # the averaged model's rows
    True
    >>> averaged = result.average_projection(["x0.5"], weighting="stacking")
    >>> sorted(averaged.attrs["weights"])
    ['power_law', 'power_law_irreducible']
    """

    evidence: pd.DataFrame | None = None
    loo: pd.DataFrame | None = None
    lfo: pd.DataFrame | None = None
    fits: dict[str, xr.DataTree] = field(default_factory=dict)
    lfo_fits: dict[str, xr.DataTree] = field(default_factory=dict)
    weights: dict[str, pd.Series] = field(default_factory=dict)
    lfo_weights: pd.Series | None = None
    problems: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    def average_projection(self, targets: Sequence[Target | float | str] | str | float, *,
                           weighting: str = "stacking", seed: int = 0) -> xr.Dataset:
        """Growth to reach ``targets``, averaged over the forms by ``weighting``."""
        if weighting not in self.weights:
            raise ModelConfigError(f"no {weighting!r} weights: run the comparison with the "
                                   f"{'loo' if weighting == 'stacking' else 'evidence'} method")
        projections = {name: project_form_growth(fit, targets) for name, fit in self.fits.items()}
        return average_projection(projections, self.weights[weighting].to_dict(), seed=seed)

    def predict(self, rows: pd.DataFrame, *, weighting: str = "stacking",
                probs: Sequence[float] | float = (0.5, 0.9), seed: int = 0) -> pd.DataFrame:
        """Predictive median and intervals of the metric at ``rows``, averaged over the
        forms by ``weighting`` (see
        :func:`~bayes_scaling.comparison.average_prediction.predict_average`)."""
        from bayes_scaling.comparison.average_prediction import predict_average

        if weighting not in self.weights:
            raise ModelConfigError(f"no {weighting!r} weights: run the comparison with the "
                                   f"{'loo' if weighting == 'stacking' else 'evidence'} method")
        return predict_average(self.fits, rows, weights=self.weights[weighting].to_dict(),
                               probs=probs, seed=seed)

    def write(self, out_dir: str | Path, *, overwrite: bool = False,
              save_fits: bool = False) -> dict[str, Path]:
        """Write the tables (CSV), settings/weights/problems (``comparison.json``) and,
        with ``save_fits``, every fit (NetCDF, ``fits/<form>.nc``; ``comparison.json``
        maps each form to its file under ``fit_files``, ``null`` without ``save_fits``) to
        ``out_dir``; atomic, no overwrite unless ``overwrite``. Returns the written paths
        by name. :func:`~bayes_scaling.comparison.load_comparison_fits` reads the
        fits and weights back."""
        from bayes_scaling.files import ensure_writable, write_atomic
        from bayes_scaling.io import save_fit

        out = Path(out_dir)
        files: dict[str, Path] = {}
        tables = {"evidence": self.evidence, "loo": self.loo, "lfo": self.lfo}
        planned = {name: out / f"{name}.csv" for name, t in tables.items() if t is not None}
        planned["comparison"] = out / "comparison.json"
        fit_files = {k: fit_file_name(k) for k in self.fits} if save_fits else None
        if fit_files and len(set(fit_files.values())) < len(fit_files):
            raise ModelConfigError(f"the forms {sorted(fit_files)} do not have distinct fit "
                                   f"file names ({fit_files}); rename them to save their fits")
        if fit_files:
            planned.update({f"fit:{k}": out / name for k, name in fit_files.items()})
        for path in planned.values():  # refuse before writing anything
            ensure_writable(path, overwrite=overwrite)
        for name, t in tables.items():
            if t is not None:
                keep_index = name != "lfo"
                files[name] = write_atomic(planned[name],
                                           lambda p, t=t, i=keep_index: t.to_csv(p, index=i),
                                           overwrite=overwrite)
        meta = {"settings": self.settings, "problems": self.problems,
                "weights": {k: v.to_dict() for k, v in self.weights.items()},
                "lfo_weights": None if self.lfo_weights is None else self.lfo_weights.to_dict(),
                "fit_files": fit_files,
                "diagnostics": {k: json.loads(f.attrs.get("diagnostics", "{}"))
                                for k, f in self.fits.items()}}
        files["comparison"] = write_atomic(
            planned["comparison"],
            lambda p: p.write_text(json.dumps(meta, indent=2, default=str)),
            overwrite=overwrite)
        if save_fits:
            for k, fit in self.fits.items():
                files[f"fit:{k}"] = save_fit(fit, planned[f"fit:{k}"], overwrite=overwrite)
        return files

    def _evidence_methods(self) -> str:
        """How each form's evidence was estimated, for the summary's heading."""
        by_method: dict[str, list[str]] = {}
        for name, fit in (self.fits or {}).items():
            method = fit.attrs.get("evidence_method", "smc")
            by_method.setdefault(method, []).append(name)
        words = {"smc": "SMC", "bridge": "bridge sampling from one NUTS fit",
                 "bridge+smc": "bridge sampling, SMC for the blocks NUTS failed on"}
        if len(by_method) <= 1:
            return words[next(iter(by_method), "smc")]
        return "; ".join(f"{words[m]} for {', '.join(names)}" for m, names in by_method.items())

    def summary(self) -> str:
        """Human-readable summary of the tables and problems."""
        parts = []
        if self.evidence is not None:
            cols = ["log_evidence", "log_evidence_se", "log_bayes_factor",
                    "log_bayes_factor_se", "prob", "prob_low", "prob_high", "strength"]
            parts.append(f"Evidence (log marginal likelihood, {self._evidence_methods()}; "
                         "+/- Monte Carlo error):\n"
                         + self.evidence[cols].to_string(float_format=lambda v: f"{v:.3g}"))
        if self.loo is not None:
            parts.append("PSIS-LOO (arviz.compare):\n" + self.loo.to_string())
        if self.lfo is not None:
            parts.append("Leave-future-out (held-out largest sizes):\n"
                         + self.lfo.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
        if self.problems:
            parts.append("Problems:\n" + "\n".join(f"- {p}" for p in self.problems))
        return "\n\n".join(parts)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")


def fit_file_name(form: str) -> str:
    """Path of ``form``'s fit in a comparison folder, relative to the folder.

    Examples
    --------
    >>> fit_file_name("power_law_irreducible+shared(beta)")
    'fits/power_law_irreducible_shared_beta.nc'
    """
    return f"{FITS_FOLDER}/{_safe(form)}.nc"


def _fit_all(specs: list[FormSpec], data: ScalingData, smc: SMCConfig,
             problems: list[str], label: str,
             reuse: Mapping[str, xr.DataTree] | None = None,
             run: Mapping[str, Any] | None = None,
             evidence: str = "smc") -> dict[str, xr.DataTree]:
    """Fit every form; the blocks of all forms run as one pool of tasks (``run``: the
    keywords of :func:`~bayes_scaling.models.blocks.run_blocks`). With ``evidence="bridge"``
    each form is first fitted by NUTS (every block at once, the package's sampler defaults
    and seed ``smc.seed``) with its blocks' evidence by bridge sampling. When that fit fails
    its diagnostics on some blocks only (R-hat, ESS; no divergences), those blocks go to
    SMC and are spliced into it (:mod:`bayes_scaling.comparison.mixed_evidence`); when it
    fails otherwise, the whole form goes to SMC. ``problems`` says which."""
    models: dict[str, CurveFormModel] = {}
    fits: dict[str, xr.DataTree] = {}
    #: forms fitted by NUTS with some blocks to rerun by SMC: (the NUTS fit, those blocks)
    partial: dict[str, tuple[xr.DataTree, list[str]]] = {}
    for spec in specs:
        model = _record(problems, spec.model, data, prefix=f"{label} fit of {spec.name}: ")
        earlier = (reuse or {}).get(spec.name)
        if earlier is not None and earlier.attrs.get("model_id") == model.model_id():
            fits[spec.name] = earlier  # same form, priors and rows: no need to refit
            continue
        if evidence == "bridge":
            blocks = model.blocks()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a failed fit is reported below, once
                # remedied only until the blocks it fails on can go to SMC
                nuts = model.fit(seed=smc.seed,
                                 remedy_until=functools.partial(_splittable, model))
            report = fit_report(nuts)
            if report.ok:
                fits[spec.name] = add_bridge_evidence(model, nuts, seed=smc.seed)
                continue
            failing = _split_blocks(model, nuts)
            if failing is not None:
                passing = [b for b in blocks if b not in failing]
                partial[spec.name] = (add_bridge_evidence(model, nuts, seed=smc.seed,
                                                          blocks=passing), failing)
                problems.append(
                    f"{label} fit of {spec.name}: its NUTS fit failed its diagnostics on "
                    f"{len(failing)} of {len(blocks)} blocks ({', '.join(failing)}; "
                    f"{report.verdict}); those blocks were fitted by SMC, whose evidence runs "
                    "lower than bridge sampling's (BENCHMARKS.md 5b'')")
            else:
                problems.append(
                    f"{label} fit of {spec.name}: its NUTS fit failed its diagnostics "
                    f"({report.verdict}); its evidence is SMC's, which runs lower than "
                    "bridge sampling's (BENCHMARKS.md 5b''): compare it with the "
                    "bridge-estimated forms with care")
        models[spec.name] = model
    tasks = {}
    for name, model in models.items():
        own = model.smc_tasks(smc, label=name)
        tasks[name] = ([t for t in own if t.block in partial[name][1]] if name in partial
                       else own)
    pooled = [t for name in models for t in tasks[name]]
    results = iter(run_blocks(pooled, **(run or {})) if pooled else [])
    joined = {}
    for name, model in models.items():
        done = [next(results) for _ in tasks[name]]
        prefix = f"{label} fit of {name}: "
        joined[name] = (_record(problems, splice_smc_blocks, model, partial[name][0], done,
                                prefix=prefix) if name in partial
                        else _record(problems, model.join_smc, done, smc, prefix=prefix))
    return {spec.name: fits.get(spec.name, joined.get(spec.name)) for spec in specs}


def _split_blocks(model: CurveFormModel, fit: xr.DataTree) -> list[str] | None:
    """The blocks a failed NUTS fit fails on, if they are some of its blocks only and it
    did not diverge (see :func:`~bayes_scaling.comparison.mixed_evidence.failing_blocks`);
    else ``None``."""
    failing = failing_blocks(model, fit)
    return failing if failing and len(failing) < len(model.blocks()) else None


def _splittable(model: CurveFormModel, fit: xr.DataTree) -> bool:
    """Whether :func:`_split_blocks` would split ``fit`` (the remedy's stopping rule)."""
    return _split_blocks(model, fit) is not None


def _record(problems: list[str], func: Any, *args: Any, prefix: str = "", **kwargs: Any) -> Any:
    """Call ``func``, listing its warnings in ``problems`` (with ``prefix``) and re-emitting
    them."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = func(*args, **kwargs)
    for w in caught:
        problems.append(f"{prefix}{w.message}")
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result


def compare_forms(data: Any, forms: Sequence[str | FormSpec], *,
                  methods: Sequence[str] = METHODS, size: str | None = None,
                  smc: SMCConfig | None = None, n_largest: int | None = None,
                  weighting: str = "stacking",
                  fits: Mapping[str, xr.DataTree] | None = None, n_jobs: int | None = None,
                  client: Any = None, progress: bool = False,
                  evidence: str = "smc") -> FormComparison:
    """Fit every form and compare them by evidence, PSIS-LOO and leave-future-out.

    Parameters
    ----------
    data : ScalingData, pandas.DataFrame or path
        Tidy table. Its ``split == "holdout"`` rows (if any) are never fitted: they are
        the leave-future-out test rows unless ``n_largest`` is given.
    forms : sequence of str or FormSpec
        At least two forms (see :func:`parse_form`).
    methods : subset of {"evidence", "loo", "lfo"}
        What to compute.
    size : {"data", "params", "compute"}, optional
        Resource axis (default the table's).
    smc : SMCConfig, optional
        SMC settings for every fit.
    n_largest : int, optional
        Leave-future-out: hold out each curve's ``n_largest`` largest sizes instead of the
        table's ``split`` column.
    weighting : {"stacking", "evidence"}
        Weights of the averaged model in the leave-future-out table.
    fits : mapping of str to xarray.DataTree, optional
        Earlier SMC fits keyed by form name (e.g. another comparison's ``fits``); one is
        reused when its ``model_id`` (form, priors, fitted rows) matches.
    n_jobs : int, optional
        Local worker processes for the SMC blocks (every form's curves or domains run as
        one pool); default every core this process may use (``BAYES_SCALING_JOBS``
        overrides it), ``1`` runs them in this process. The results do not depend on it.
    client : distributed.Client, optional
        Run the blocks on this Dask cluster instead (``n_jobs`` is then ignored); the
        fits come back as the same ``DataTree`` objects.
    progress : bool
        Count finished blocks on stderr.
    evidence : {"smc", "bridge"}
        ``"smc"``: every block by SMC (``smc``). ``"bridge"``: each form by one NUTS fit
        of all its blocks, each block's evidence by bridge sampling
        (:mod:`bayes_scaling.comparison.bridge`). When the NUTS fit fails its diagnostics
        on some blocks only (R-hat or ESS of their parameters, no divergence), those blocks
        are fitted by SMC and spliced in (:mod:`bayes_scaling.comparison.mixed_evidence`);
        when it fails otherwise, the whole form is fitted by SMC. Both are listed in
        ``problems``. On
        ``revisiting2022-lang`` the bridge estimates agree with an independent
        importance-sampling check without bias (per-block spread 0.007-0.08 nats), while
        SMC at its defaults runs 0.07-0.31 nats low per block, in 1/18-1/45 of the time
        (BENCHMARKS.md, "Evidence from one NUTS fit"). Each fit's ``evidence_method`` attr
        says which was used; comparing a bridge estimate with an SMC one carries SMC's bias.

    Returns
    -------
    FormComparison

    Raises
    ------
    BlockFitError
        If a block of any form failed (each named); no partial comparison is returned.

    Examples
    --------
    >>> from bayes_scaling.simulate import simulate_form_curves
    >>> sim = simulate_form_curves("power_law_irreducible",
    ...                            {"alpha": 0.1, "beta": 0.5, "gamma": 0.02}, seed=1)
    >>> from bayes_scaling.comparison import compare_forms
    >>> from bayes_scaling.models import SMCConfig
    >>> result = compare_forms(sim.frame, ["power_law", "power_law_irreducible"],
    ...                        smc=SMCConfig(draws=200, chains=2, seed=1), n_largest=2)
    >>> result.evidence.columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['rank', 'log_evidence', 'log_evidence_se', 'log_bayes_factor', 'log_bayes_factor_se',
     'prob', 'prob_low', 'prob_high', 'strength', 'problem']
    >>> result.lfo.columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['model', 'domain', 'n_holdout', 'elpd', 'elpd_mean', 'rmse_log', 'coverage_50',
     'coverage_90', 'miscalibration']
    >>> print(result.summary())  # doctest: +ELLIPSIS
    Evidence (log marginal likelihood, SMC; +/- Monte Carlo error):
    ...
    """
    specs = [parse_form(f) for f in forms]
    names = [s.name for s in specs]
    if len(set(names)) != len(names) or len(names) < 2:
        raise ModelConfigError(f"need at least 2 distinct forms, got {names}")
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise ModelConfigError(f"methods must be a non-empty subset of {list(METHODS)}, "
                               f"got {list(methods)}")
    if weighting not in WEIGHTINGS:
        raise ModelConfigError(f"weighting must be one of {list(WEIGHTINGS)}, got {weighting!r}")
    if evidence not in EVIDENCE_METHODS:
        raise ModelConfigError(f"evidence must be one of {list(EVIDENCE_METHODS)}, got "
                               f"{evidence!r}")
    smc = smc or SMCConfig()
    run = {"n_jobs": n_jobs, "client": client, "progress": progress}
    table = as_table(data, size=size)
    result = FormComparison(settings={"forms": names, "methods": list(methods),
                                      "smc": vars(smc) if hasattr(smc, "__dict__") else {},
                                      "n_largest": n_largest, "weighting": weighting,
                                      "evidence": evidence,
                                      "size": table.size, "source": table.source})
    problems = result.problems
    full_needed = "evidence" in methods or "loo" in methods
    if full_needed:
        result.fits = _fit_all(specs, table, smc, problems, "full", reuse=fits, run=run,
                               evidence=evidence)
        if "evidence" in methods:
            result.evidence = _record(problems, compare_evidence, result.fits)
            result.weights["evidence"] = model_weights(method="evidence",
                                                       evidence=result.evidence)
        if "loo" in methods:
            result.loo = _record(problems, compare_loo, result.fits)
            result.weights["stacking"] = model_weights(method="stacking", loo=result.loo)
    if "lfo" in methods:
        train, holdout = split_future(table, n_largest=n_largest)
        same_rows = n_largest is None and result.fits
        result.lfo_fits = result.fits if same_rows else _fit_all(
            specs, train, smc, problems, "training", run=run, evidence=evidence)
        result.lfo, result.lfo_weights = _score_future(result, holdout, weighting, smc.seed)
    return result


def _score_future(result: FormComparison, holdout: pd.DataFrame, weighting: str,
                  seed: int) -> tuple[pd.DataFrame, pd.Series]:
    fits = result.lfo_fits
    metric = next(iter(fits.values())).attrs["metric"]
    predictive = {name: form_predictive(fit, holdout, seed=seed) for name, fit in fits.items()}
    rows = [score_holdout(pred, holdout, metric=metric, model=name)
            for name, pred in predictive.items()]
    if fits is result.fits and weighting in result.weights:
        weights = result.weights[weighting]
    elif weighting == "evidence":
        weights = model_weights(method="evidence", evidence=_record(
            result.problems, compare_evidence, fits))
    else:
        weights = model_weights(method="stacking", loo=_record(result.problems, compare_loo,
                                                               fits))
    mixture = mix_draws(predictive, weights.to_dict(), seed=seed)
    rows.append(score_holdout(mixture, holdout, metric=metric, model=AVERAGE))
    table = pd.concat(rows, ignore_index=True)
    table.attrs["weights"] = weights.to_dict()
    table.attrs["weighting"] = weighting
    return table, weights
