"""Cleaner for the training runs of Gadre et al. (2024), one JSON file per run.

Source: "Language models scale reliably with over-training and on downstream tasks"
(Gadre et al. 2024, arXiv:2403.08540), repository ``mlfoundations/scaling``, folder
``exp_data/models/`` (MIT licence): 104 runs at the pinned commit, on three training sets
(``dataset_name``: ``c4_original`` C4, ``rpj`` RedPajama, ``rw_original`` RefinedWeb), six
model sizes (1.06e7 to 6.89e9 parameters) and token multipliers 0.25 to 32, each evaluated
on 8 validation sets.

Fields read (everything else, such as the 95% bounds of each loss, the optimiser settings
and ``chinchilla_multiplier`` = tokens / (20 params), is not carried):

============================ ===========================================================
field                        tidy column
============================ ===========================================================
``name``                     ``label`` (the run name)
``dataset_name``             ``domain`` (the training set)
``hyperparameters.params``   ``params`` (N)
``hyperparameters.tokens``   ``data`` (D, training tokens); ``compute = 6 N D``
``results[i].val_data``      ``curve``: the validation set (:func:`validation_set_name`)
``results[i].loss``          ``loss``
============================ ===========================================================

Tidy table ``gadre2024`` (size column ``params``, metric ``loss``): one row per run and
validation set, so 104 x 8 = 832 rows and 3 x 8 = 24 curves ``<training set>/<validation
set>``. ``split = "holdout"`` for the runs with at least :data:`HOLDOUT_MIN_PARAMS`
parameters (the 1.4B and 6.9B runs, 9 runs, 72 rows), ``"fit"`` otherwise: the paper's
protocol of fitting on small runs and predicting the largest. Every smaller run is in
``fit``; relabel ``split`` for a narrower fitting set. :class:`JointScalingLaw
<bayes_scaling.models.joint.JointScalingLaw>` fits each curve's own law on the ``fit``
rows; :func:`select` keeps some training or validation sets.

Rules. A file that does not have the registered format is an error
(:class:`~bayes_scaling.errors.DatasetError` naming the file and the field): unreadable,
not UTF-8, not JSON, a key repeated in one object, a missing field, a field of the wrong
JSON type, a ``val_data`` that is not one path under ``eval_data/``, a validation set
twice in one run, two files with the same run ``name``. Values are checked row by row and
reported (:class:`~bayes_scaling.datasets.cleaning.CleaningReport`), as in the CSV cleaners:
a run whose ``params`` or ``tokens`` is not a positive finite number, or whose ``6 N D``
overflows, is dropped whole; a loss that is not a positive finite number drops that
(run, validation set) row; a curve left with fewer than 3 distinct ``params`` is dropped
whole, each of its rows reported. On the pinned files nothing is dropped.

Report conventions: raw row ``i`` is the ``i``-th run file in the order given (the
loader passes them sorted by file name, the registry's order); ``line`` is 1 because a
run is a whole file (the reason names the field); ``label`` is the file name.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from bayes_scaling.data import MIN_DISTINCT_SIZES, ScalingData, validate_frame
from bayes_scaling.datasets.cleaning import CleaningReport, DroppedRow
from bayes_scaling.datasets.rules import RowDrop
from bayes_scaling.errors import DatasetError

SIZE = "params"
#: Runs with at least this many parameters are held out (the 1.4B and 6.9B runs).
HOLDOUT_MIN_PARAMS = 1e9
#: FLOP per parameter per training token (``compute = 6 N D``).
FLOP_PER_PARAM_TOKEN = 6.0
#: Training sets (``dataset_name``) at the pinned commit: C4, RedPajama, RefinedWeb.
TRAINING_SETS: tuple[str, ...] = ("c4_original", "rpj", "rw_original")
#: Validation sets at the pinned commit, in the files' order (:func:`validation_set_name`).
VALIDATION_SETS: tuple[str, ...] = (
    "openlm", "c4_val", "paloma_c4_en", "paloma_dolma_100_programing_languages",
    "paloma_falcon-refinedweb", "paloma_ptb", "paloma_redpajama", "de-en",
)
_FORMAT = "the file does not match the registered format of mlfoundations/scaling exp_data/models"


class _RepeatedKeyError(ValueError):
    """A JSON object repeats a key (``json`` would silently keep the last value)."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise _RepeatedKeyError(key)
        seen.add(key)
    return dict(pairs)


def _format_error(path: Path, field: str, problem: str) -> DatasetError:
    return DatasetError(f"{path.name}: field {field!r} {problem} ({_FORMAT})")


def _read_json(path: Path) -> dict[str, Any]:
    """Parse one run file; every way it can fail is a :class:`DatasetError` naming it."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise DatasetError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path.name} is not UTF-8 text (byte {exc.start}); {_FORMAT}") from exc
    try:
        document = json.loads(text, object_pairs_hook=_unique_keys)
    except _RepeatedKeyError as exc:
        raise DatasetError(f"{path.name}: key {exc.key!r} appears twice in one JSON object; "
                           f"refusing to guess which value holds ({_FORMAT})") from None
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path.name} is not valid JSON (line {exc.lineno}, column "
                           f"{exc.colno}: {exc.msg}); {_FORMAT}") from None
    except RecursionError:
        raise DatasetError(f"{path.name}: JSON nested too deeply to read; {_FORMAT}") from None
    if not isinstance(document, dict):
        raise DatasetError(f"{path.name}: expected a JSON object (one training run), got a "
                           f"JSON {_json_type(document)}; {_FORMAT}")
    return document


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _field(container: dict[str, Any], key: str, path: Path, where: str, kind: type) -> Any:
    """``container[key]`` if present with JSON type ``kind``; else a format error."""
    name = f"{where}.{key}" if where else key
    if key not in container:
        raise _format_error(path, name, "is missing")
    value = container[key]
    ok = (isinstance(value, int | float) and not isinstance(value, bool)) if kind is float \
        else isinstance(value, kind)
    if not ok:
        expected = {float: "a number", str: "text", list: "an array", dict: "an object"}[kind]
        raise _format_error(path, name, f"must be {expected}, got a JSON {_json_type(value)} "
                                        f"{_short(value)}")
    if kind is str and not value.strip():
        raise _format_error(path, name, "must be non-empty text")
    return value


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _as_float(value: float) -> float:
    """A JSON number as float; integers beyond the float range become infinite."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def validation_set_name(val_data: object, path: Path, index: int) -> str:
    """The validation set of ``results[index]``: the folder of its one ``val_data`` path.

    ``.../eval_data/<set>/<shard>`` gives ``<set>``, and ``.../eval_data/val_tok_mult/<set>/
    <shard>`` gives ``<set>``: ``"training/eval_data/c4_val/shard-{0000000..0000010}.tar"``
    is ``c4_val`` and ``"training/eval_data/val_tok_mult/paloma_ptb/00000001.tar"`` is
    ``paloma_ptb``.

    Parameters
    ----------
    val_data : object
        The parsed ``val_data`` field: a list holding one path.
    path : pathlib.Path
        The run file (for error messages).
    index : int
        Position of the result in ``results``.

    Returns
    -------
    str

    Raises
    ------
    DatasetError
        If ``val_data`` is not a list of one path with a folder under ``eval_data/``.

    Examples
    --------
    >>> from pathlib import Path
    >>> validation_set_name(["training/eval_data/val_tok_mult/de-en/val_de-en_100.tar"],
    ...                     Path("run.json"), 7)
    'de-en'
    """
    name = f"results[{index}].val_data"
    if not (isinstance(val_data, list) and len(val_data) == 1 and isinstance(val_data[0], str)):
        raise _format_error(path, name, "must be an array holding one path, got "
                                        f"{_short(val_data)}")
    parts = PurePosixPath(val_data[0]).parts
    if "eval_data" in parts:
        rest = parts[parts.index("eval_data") + 1:]
        if rest[:1] == ("val_tok_mult",):
            rest = rest[1:]
        if len(rest) >= 2 and rest[0].strip() and rest[0] not in (".", ".."):
            return rest[0]
    raise _format_error(path, name, "must be a path '.../eval_data/<set>/<file>' or "
                                    f"'.../eval_data/val_tok_mult/<set>/<file>', got "
                                    f"{_short(val_data[0])}")


def _positive(value: float, what: str) -> float:
    if not (math.isfinite(value) and value > 0):
        raise RowDrop(f"non-positive {what}", f"{what} = {value!r} is not a positive finite "
                                              "number")
    return value


def _run_rows(path: Path, document: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """Check one run's structure; return its name and one record per result.

    Records carry ``curve`` and ``loss`` (raw float); run-level values are checked by the
    caller, so that a bad value becomes a reported drop and a bad structure an error.
    """
    name = _field(document, "name", path, "", str).strip()
    domain = _field(document, "dataset_name", path, "", str).strip()
    hyper = _field(document, "hyperparameters", path, "", dict)
    params = _as_float(_field(hyper, "params", path, "hyperparameters", float))
    tokens = _as_float(_field(hyper, "tokens", path, "hyperparameters", float))
    results = _field(document, "results", path, "", list)
    if not results:
        raise _format_error(path, "results", "is empty (a run has at least one evaluation)")
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, result in enumerate(results):
        if not isinstance(result, dict):
            raise _format_error(path, f"results[{i}]", "must be an object, got a JSON "
                                                       f"{_json_type(result)}")
        if "val_data" not in result:
            raise _format_error(path, f"results[{i}].val_data", "is missing")
        curve = validation_set_name(result["val_data"], path, i)
        if curve in seen:
            raise _format_error(path, f"results[{i}].val_data",
                                f"repeats validation set {curve!r} of results[{seen[curve]}]")
        seen[curve] = i
        loss = _as_float(_field(result, "loss", path, f"results[{i}]", float))
        records.append({"domain": domain, "curve": curve, "params": params, "data": tokens,
                        "loss": loss, "label": name, "index": i})
    return name, records


def _drop_short_curves(records: list[dict[str, Any]], kept_rows: list[int],
                       labels: list[str], dropped: list[DroppedRow],
                       ) -> tuple[list[dict[str, Any]], list[int]]:
    """Drop (and report) every row of a curve left with < ``MIN_DISTINCT_SIZES`` params."""
    sizes: dict[tuple[str, str], set[float]] = {}
    for rec in records:
        sizes.setdefault((rec["domain"], rec["curve"]), set()).add(rec["params"])
    keep_records, keep_rows = [], []
    for rec, row in zip(records, kept_rows, strict=True):
        n = len(sizes[(rec["domain"], rec["curve"])])
        if n >= MIN_DISTINCT_SIZES:
            keep_records.append(rec)
            keep_rows.append(row)
            continue
        dropped.append(DroppedRow(
            row, 1, f"curve with < {MIN_DISTINCT_SIZES} distinct sizes",
            f"curve {rec['domain']}/{rec['curve']} keeps only {n} distinct "
            f"'hyperparameters.params' value(s) (< {MIN_DISTINCT_SIZES} needed)",
            curve=rec["curve"], label=labels[row]))
    return keep_records, keep_rows


def clean_gadre(paths: Sequence[str | Path] | str | Path, *,
                dataset: str) -> tuple[pd.DataFrame, CleaningReport]:
    """Clean Gadre et al.'s run files into the tidy model (see the module docstring).

    Parameters
    ----------
    paths : sequence of str or pathlib.Path, or one path
        The run files (``exp_data/models/*.json``); raw row ``i`` is ``paths[i]``.
    dataset : str
        Registered dataset name (recorded in the report).

    Returns
    -------
    frame : pandas.DataFrame
        Validated tidy table: ``domain, curve, params, data, compute, loss, split, label``
        (size column ``params``).
    report : CleaningReport
        Rows dropped for a non-positive value or a curve with too few sizes (none on the
        pinned files), conversions and notes.

    Raises
    ------
    DatasetError
        No files; a file that is unreadable or not in the registered format (the message
        names the file and the field); two files for the same run; no usable row left.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     files = [Path(folder) / f"r{k}.json" for k in range(3)]
    ...     for k, (path, n) in enumerate(zip(files, (1e7, 1e8, 1e9))):
    ...         run = {"name": f"r{k}", "dataset_name": "c4", "results": [
    ...             {"loss": 4.0 - k, "val_data": ["x/eval_data/c4_val/shard.tar"]}],
    ...             "hyperparameters": {"params": n, "tokens": 20 * n}}
    ...         _ = path.write_text(json.dumps(run))
    ...     frame, report = clean_gadre(files, dataset="demo")
    >>> frame[["curve", "params", "split"]].values.tolist()[-1]
    ['c4_val', 1000000000.0, 'holdout']
    """
    files = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    if not files:
        raise DatasetError(f"{dataset}: no run files to clean")
    labels = [f.name for f in files]
    records: list[dict[str, Any]] = []
    kept_rows: list[int] = []
    dropped: list[DroppedRow] = []
    first_file: dict[str, int] = {}
    for row, path in enumerate(files):
        name, run_records = _run_rows(path, _read_json(path))
        if name in first_file:
            raise DatasetError(f"{path.name}: run {name!r} (field 'name') is also in "
                               f"{labels[first_file[name]]}; each run is one file ({_FORMAT})")
        first_file[name] = row
        first = run_records[0]
        try:
            _positive(first["params"], "hyperparameters.params")
            _positive(first["data"], "hyperparameters.tokens")
            compute = FLOP_PER_PARAM_TOKEN * first["params"] * first["data"]
            if not math.isfinite(compute):
                raise RowDrop("implausible compute", f"compute = 6 * params * tokens "
                                                     f"= {compute!r} is not finite")
        except RowDrop as exc:
            dropped.append(DroppedRow(row, 1, exc.category, exc.reason, label=labels[row]))
            continue
        split = "holdout" if first["params"] >= HOLDOUT_MIN_PARAMS else "fit"
        for rec in run_records:
            index = rec.pop("index")
            try:
                _positive(rec["loss"], f"results[{index}].loss")
            except RowDrop as exc:
                dropped.append(DroppedRow(row, 1, "non-positive loss", exc.reason,
                                          curve=rec["curve"], label=labels[row]))
                continue
            records.append({**rec, "compute": compute, "split": split})
            kept_rows.append(row)
    records, kept_rows = _drop_short_curves(records, kept_rows, labels, dropped)
    if not records:
        counts = CleaningReport(dataset, len(files), 0, tuple(dropped)).counts()
        raise DatasetError(f"{dataset}: no usable rows; every row of the {len(files)} run "
                           f"file(s) was dropped, by reason: {counts}")
    dropped.sort(key=lambda d: d.row)
    columns = ["domain", "curve", "params", "data", "compute", "loss", "split", "label"]
    tidy = validate_frame(pd.DataFrame.from_records(records, columns=columns), size=SIZE)
    n_curves = tidy.groupby(["domain", "curve"]).ngroups
    report = CleaningReport(
        dataset=dataset, raw_rows=len(files), kept_rows=len(tidy), dropped=tuple(dropped),
        conversions=(
            "params = hyperparameters.params, data = hyperparameters.tokens (training "
            "tokens), loss = results[i].loss (the validation loss as published)",
            "compute = 6 * params * data (the C ~ 6 N D approximation; the files give no "
            "FLOP count)",
            f"split = 'holdout' for runs with params >= {HOLDOUT_MIN_PARAMS:g} (the 1.4B and "
            "6.9B runs: fit on the small runs, predict the largest), 'fit' otherwise",
        ),
        notes=(
            f"{len(files)} run files -> {n_curves} curves: domain = dataset_name (training "
            "set), curve = validation set (the folder of results[i].val_data under "
            "eval_data/ or eval_data/val_tok_mult/), label = the run name",
            "raw row i = the i-th run file, in file-name order; line 1 = the file (a run is "
            "a whole file); the reason names the field",
            "not carried: the 95% bounds of each loss, chinchilla_multiplier (= data / "
            "(20 params)), optimiser settings; the downstream evaluations (exp_data/evals) "
            "are not part of this dataset",
        ),
        source_rows=tuple(kept_rows),
    )
    return tidy, report


def _chosen(values: Iterable[str] | str | None, valid: list[str], what: str) -> list[str]:
    if values is None:
        return valid
    chosen = [values] if isinstance(values, str) else list(values)
    if not chosen:
        raise DatasetError(f"empty selection of {what}; valid: {valid} (or None for all)")
    unknown = [v for v in chosen if v not in valid]
    if unknown:
        raise DatasetError(f"unknown {what} {unknown!r}; valid: {valid}")
    return chosen


def select(data: ScalingData, *, training_sets: Iterable[str] | str | None = None,
           validation_sets: Iterable[str] | str | None = None) -> ScalingData:
    """Keep some training sets (``domain``) and validation sets (``curve``) of the table.

    :class:`~bayes_scaling.models.joint.JointScalingLaw` fits every curve of
    ``load_dataset("gadre2024")`` (24, each its own law); this selects fewer, e.g. the
    C4 validation loss of each training set.

    Parameters
    ----------
    data : ScalingData
        A table with ``domain`` and ``curve`` columns, such as
        ``load_dataset("gadre2024")``.
    training_sets, validation_sets : str or iterable of str, optional
        Domains and curves to keep (default: all).

    Returns
    -------
    ScalingData
        The selected rows (order kept), with the selection appended to ``source`` and
        ``notes``.

    Raises
    ------
    DatasetError
        An empty selection or a name absent from the table (the message lists valid names).

    Examples
    --------
    >>> from bayes_scaling.datasets import load_dataset
    >>> data = select(load_dataset("gadre2024"), validation_sets="c4_val")  # doctest: +SKIP
    >>> len(data.curves)  # doctest: +SKIP
    3
    """
    frame = data.frame
    domains = _chosen(training_sets, list(dict.fromkeys(frame["domain"])), "training set(s)")
    curves = _chosen(validation_sets, list(dict.fromkeys(frame["curve"])), "validation set(s)")
    keep = frame["domain"].isin(domains) & frame["curve"].isin(curves)
    if not keep.any():
        raise DatasetError(f"no rows for training sets {domains} and validation sets {curves}")
    what = f"domain in {domains}, curve in {curves}"
    sub = validate_frame(frame[keep].reset_index(drop=True), size=data.size)
    return ScalingData(sub, size=data.size, source=f"{data.source}[{what}]",
                       notes=(*data.notes, f"selected {len(sub)} of {len(frame)} rows: {what}"))
