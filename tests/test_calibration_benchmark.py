"""Smoke test of the calibration benchmark: tables, scoring, timing, files (no sampling)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

# the benchmark suite is a folder of scripts in the repository, not part of the package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import calibration, extrapolation
from benchmarks.extrapolation import LEVELS


def _tiny() -> pd.DataFrame:
    sizes = np.geomspace(100, 1e5, 8)
    return pd.concat([
        pd.DataFrame({"domain": d, "curve": c, "data": sizes, "error": g + 2.0 * sizes**-b,
                      "split": ["fit"] * 5 + ["holdout"] * 3})
        for d, c, g, b in (("d0", "a", 0.05, 0.3), ("d0", "b", 0.03, 0.4),
                           ("d1", "a", 0.02, 0.5))], ignore_index=True)


def _scaled(factor: float, *, width: float = 4.0, pause: float = 0.0):
    """A predictor that returns ``factor`` x the held-out truth, intervals ``/ width``
    to ``* width`` around it."""

    def predict(train: pd.DataFrame, holdout: pd.DataFrame) -> pd.DataFrame:
        time.sleep(pause)
        pred = factor * holdout["error"]
        out = pd.DataFrame({"prediction": pred}, index=holdout.index)
        for p in LEVELS:
            out[f"lower_{p:g}"], out[f"upper_{p:g}"] = pred / width, pred * width
        return out

    return predict


def _point(train: pd.DataFrame, holdout: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"prediction": holdout["error"] * 1.1}, index=holdout.index)


@pytest.fixture
def tiny_table(monkeypatch):
    monkeypatch.setitem(calibration.TABLES, "tiny", _tiny)
    return "tiny"


def test_run_columns_coverage_rmse_and_time(tiny_table):
    messages: list[str] = []
    table = calibration.run({"exact": _scaled(1.0, pause=0.05), "biased": _scaled(1.5),
                             "point": _point}, [tiny_table], log=messages.append)
    assert table.columns.tolist() == calibration.COLUMNS
    assert set(table["table"]) == {"tiny"}
    assert list(table.loc[table["method"] == "exact", "domain"]) == ["d0", "d1", "all"]
    exact = table[(table["method"] == "exact") & (table["domain"] == "all")].iloc[0]
    biased = table[(table["method"] == "biased") & (table["domain"] == "all")].iloc[0]
    assert exact["n_holdout"] == 9
    assert exact["rmse_log"] == pytest.approx(0.0, abs=1e-12)
    for p in LEVELS:
        assert exact[f"coverage_{p:g}"] == 1.0
    assert exact["miscalibration"] == pytest.approx(np.mean([1 - p for p in LEVELS]))
    assert biased["rmse_log"] == pytest.approx(np.log(1.5))
    assert biased["rmse_log"] > exact["rmse_log"]
    assert exact["wall_s"] >= 0.05 and (table["wall_s"] >= 0).all()
    point = table[table["method"] == "point"]
    assert point["coverage_0.9"].isna().all() and point["miscalibration"].isna().all()
    assert len(messages) == 4  # the table, then one line per method


def test_narrow_intervals_around_a_biased_prediction_do_not_cover(tiny_table):
    table = calibration.run({"overconfident": _scaled(1.5, width=1.01)}, [tiny_table],
                            log=lambda _: None)
    assert (table["coverage_0.95"] == 0.0).all()


def test_summary_keeps_the_overall_row_per_table_and_method(tiny_table, monkeypatch):
    monkeypatch.setitem(calibration.TABLES, "tiny2", _tiny)
    table = calibration.run({"exact": _scaled(1.0), "point": _point}, ["tiny", "tiny2"],
                            log=lambda _: None)
    summ = calibration.summary(table)
    assert "domain" not in summ
    assert list(zip(summ["table"], summ["method"], strict=True)) == [
        ("tiny", "exact"), ("tiny", "point"), ("tiny2", "exact"), ("tiny2", "point")]
    assert (summ["n_holdout"] == 9).all()


def test_write_puts_table_summary_and_machine_files(tiny_table, tmp_path):
    table = calibration.run({"exact": _scaled(1.0)}, [tiny_table], log=lambda _: None)
    paths = calibration.write(table, tmp_path, "calib")
    assert [p.name for p in paths] == ["calib.csv", "calib_summary.csv",
                                       "calib_across_tables.csv", "calib_rows.csv"]
    assert (tmp_path / "calib.machine.csv").exists()
    assert (tmp_path / "calib_summary.machine.csv").exists()
    assert len(pd.read_csv(paths[0])) == 3 and len(pd.read_csv(paths[1])) == 1
    assert len(pd.read_csv(paths[2])) == 1


def test_across_tables_averages_each_tables_coverage_with_equal_weight(tiny_table, monkeypatch):
    """Coverage averaged over tables, not rows; point methods left out."""
    monkeypatch.setitem(calibration.TABLES, "tiny2", _tiny)
    table = calibration.run({"exact": _scaled(1.0), "point": _point}, ["tiny", "tiny2"],
                            log=lambda _: None)
    # make the two tables disagree: tiny2's 90% intervals hold nothing
    tiny2 = (table["table"] == "tiny2") & (table["method"] == "exact")
    table.loc[tiny2, "coverage_0.9"] = 0.0
    across = calibration.across_tables(table)
    assert list(across["method"]) == ["exact"]
    row = across.iloc[0]
    assert row["tables"] == 2 and row["coverage_0.9"] == pytest.approx(0.5)
    assert row["coverage_0.5"] == 1.0 and row["wider_tables"] == 1
    expected = np.mean(np.abs(np.array([1.0, 1.0, 0.5, 1.0]) - np.array(LEVELS)))
    assert row["miscalibration"] == pytest.approx(expected)


def test_unknown_table_is_refused():
    with pytest.raises(KeyError, match="unknown table"):
        calibration.run({"point": _point}, ["no-such-table"])


def test_holdout_rules():
    frame = pd.DataFrame({"domain": "d", "curve": ["a"] * 4 + ["b"] * 4,
                          "data": [1.0, 10, 100, 1000, 2, 4, 8, 16]})
    above = calibration.hold_out_above(frame, 0.25)
    # a: above 250; b: above 4
    assert list(above["split"]) == ["fit"] * 3 + ["holdout"] + ["fit"] * 2 + ["holdout"] * 2
    top = calibration.hold_out_log_fraction(frame, 0.4)
    # a: log10 range 0..3, held out above 1.8; b: log2 range 1..4, held out above 2.8
    assert list(top["split"]) == ["fit"] * 2 + ["holdout"] * 2 + ["fit"] * 2 + ["holdout"] * 2


def test_mlp_table_is_one_width_per_shard_with_seeds_kept():
    table = calibration.TABLES["mlp-learning-curves"]()
    assert {"params", "seed", "split"} <= set(table.columns)
    shards = table.groupby(["domain", "curve", "data"])
    assert (shards["params"].nunique() == 1).all() and (shards["seed"].nunique() == 3).all()
    for _, curve in table.groupby(["domain", "curve"]):
        fit = curve.loc[curve["split"] == "fit", "data"]
        held = curve.loc[curve["split"] == "holdout", "data"]
        assert fit.nunique() >= 3 and not held.empty and fit.max() < held.min()
        assert (held > curve["data"].max() / 4).all()


def test_misspecified_table_holds_out_about_thirty_percent_per_curve():
    table = calibration.TABLES["simulated-misspecified"]()
    for _, curve in table.groupby(["domain", "curve"]):
        share = (curve["split"] == "holdout").mean()
        assert 0.2 <= share <= 0.4
        assert curve.loc[curve["split"] == "fit", "data"].max() < curve.loc[
            curve["split"] == "holdout", "data"].min()


def test_default_predictors_are_m1_to_m4_and_the_bayesian_model():
    predictors = calibration.default_predictors(quick=True)  # closures only: no sampling
    assert list(predictors)[:4] == ["M1", "M2", "M3", "M4"]
    assert any(name.startswith("bayes") for name in predictors)
    assert set(calibration.QUICK_TABLES) <= set(calibration.TABLES)


def test_methods_of_other_size_columns_are_skipped_and_said_so(tiny_table, monkeypatch):
    joint = _scaled(1.0)
    joint.sizes = ("params", "data")  # a joint-law method: not for a learning-curve table
    messages: list[str] = []
    table = calibration.run({"exact": _scaled(1.0), "joint": joint}, [tiny_table],
                            log=messages.append)
    assert set(table["method"]) == {"exact"}
    assert table.attrs["skipped"] == [{
        "table": "tiny", "method": "joint",
        "reason": "the method models size column(s) ['params', 'data'], the table has "
                  "['data']"}]
    assert any("tiny / joint: skipped" in m for m in messages)
    # declared a joint table, the same method is scored and the learning-curve one skipped
    monkeypatch.setitem(calibration.TABLE_SIZES, "tiny", calibration.JOINT_SIZES)
    table = calibration.run({"exact": _scaled(1.0), "joint": joint}, [tiny_table],
                            log=lambda _: None)
    assert set(table["method"]) == {"joint"}
    assert [s["method"] for s in table.attrs["skipped"]] == ["exact"]
    # nothing applicable: an empty table with the columns, not an error
    empty = calibration.run({"exact": _scaled(1.0)}, [tiny_table], log=lambda _: None)
    assert empty.empty and list(empty.columns) == calibration.COLUMNS


def test_default_predictors_cover_both_kinds_of_table():
    predictors = calibration.default_predictors(quick=True)
    sizes = {name: calibration.predictor_sizes(p) for name, p in predictors.items()}
    assert sizes["M1"] == ("data",) and sizes["bayes: hierarchical"] == ("data",)
    assert sizes["huber: joint law per curve"] == ("params", "data")
    assert sizes["bayes: joint law"] == ("params", "data")
    assert sizes["bayes: joint law, discrepancy"] == ("params", "data")
    assert sizes["bayes: joint law, discrepancy, Student-t"] == ("params", "data")
    assert calibration.table_sizes("gadre2024") == ("params", "data")
    assert calibration.table_sizes("chinchilla-epoch2024") == ("params", "data")
    assert calibration.table_sizes("revisiting2022-lang") == ("data",)


def test_huber_joint_predictor_recovers_a_noise_free_surface():
    n = np.repeat(np.geomspace(1e7, 1e9, 5), 4)
    d = n * np.tile([5.0, 20.0, 80.0, 320.0], 5)
    truth = {"E": 1.8, "A": 400.0, "B": 900.0, "alpha": 0.32, "beta": 0.29}

    def law(n, d):
        return truth["E"] + truth["A"] * n ** -truth["alpha"] + truth["B"] * d ** -truth["beta"]

    frame = pd.DataFrame({"domain": "d", "curve": "c", "params": n, "data": d,
                          "loss": law(n, d), "split": np.where(n >= 1e9, "holdout", "fit")})
    holdout = frame[frame["split"] == "holdout"]
    pred = calibration.huber_joint_predictor()(frame[frame["split"] == "fit"], holdout)
    np.testing.assert_allclose(pred["prediction"], holdout["loss"], rtol=2e-3)
    # a wrong surface is not reproduced: the test can fail
    off = holdout.assign(loss=holdout["loss"] * 1.05)
    assert not np.allclose(pred["prediction"], off["loss"], rtol=2e-3)


@pytest.mark.skipif(not calibration.MIRROR.is_dir(), reason="offline data mirror absent")
def test_joint_tables_hold_out_the_largest_models():
    gadre = calibration.TABLES["gadre2024"]()
    assert {"params", "data"} <= set(gadre.columns)
    fit, held = gadre[gadre["split"] == "fit"], gadre[gadre["split"] == "holdout"]
    assert (len(fit), len(held)) == (760, 72)
    assert fit["params"].max() < 1e9 <= held["params"].min()
    assert held.groupby(["domain", "curve"]).ngroups == 24  # every curve is scored
    chinchilla = calibration.TABLES["chinchilla-epoch2024"]()
    fit, held = (chinchilla[chinchilla["split"] == s] for s in ("fit", "holdout"))
    assert (len(fit), len(held)) == (188, 57)
    assert fit["params"].max() <= calibration.CHINCHILLA_HOLDOUT_ABOVE < held["params"].min()


def test_checkpoint_table_fits_smaller_models_and_scores_the_largest_final_losses():
    table = calibration.TABLES["simulated-checkpoints"]()
    assert calibration.table_sizes("simulated-checkpoints") == ("params", "data")
    fit, held = table[table["split"] == "fit"], table[table["split"] == "holdout"]
    assert fit["params"].max() < held["params"].min()
    assert held["params"].nunique() == calibration.CHECKPOINT_HELD_OUT_SIZES
    # one held-out row per large model and family: its final checkpoint
    assert held.groupby(["curve", "params"]).size().eq(1).all()
    assert (held["data"] == table["data"].max()).all()
    assert fit.groupby(["curve", "params"]).size().min() == 16  # every checkpoint fitted


def test_methods_option_scores_only_the_methods_named(tiny_table, tmp_path, monkeypatch,
                                                      capsys):
    from benchmarks.__main__ import main

    monkeypatch.setattr(calibration, "default_predictors",
                        lambda quick=False: {"exact": _scaled(1.0), "point": _point})
    assert main(["calibration", "--tables", tiny_table, "--methods", "point",
                 "--out", str(tmp_path)]) == 0
    assert pd.read_csv(tmp_path / "calibration_summary.csv")["method"].tolist() == ["point"]
    with pytest.raises(SystemExit):
        main(["calibration", "--tables", tiny_table, "--methods", "exactly",
              "--out", str(tmp_path)])
    assert "unknown method(s) ['exactly']; valid: exact, point" in capsys.readouterr().err


def test_run_keeps_every_scored_row_and_rescoring_them_gives_the_same_table(tiny_table,
                                                                           tmp_path):
    """The rows a run scored are kept (attrs and the checkpoint's _rows file), with the
    predictions and intervals, and summarize() on them reproduces the run's scores."""
    checkpoint = tmp_path / "partial.csv"
    table = calibration.run({"biased": _scaled(1.5), "point": _point}, [tiny_table],
                            log=lambda _: None, checkpoint=checkpoint)
    rows = calibration.scored_rows(table)
    assert list(rows.columns[:2]) == ["table", "method"]
    assert len(rows) == 18 and set(rows["method"]) == {"biased", "point"}
    biased = rows[rows["method"] == "biased"]
    assert np.allclose(biased["prediction"], 1.5 * biased["observed"])
    assert rows.loc[rows["method"] == "point", "lower_0.9"].isna().all()
    saved = pd.read_csv(tmp_path / "partial_rows.csv")
    assert len(saved) == 18
    again = extrapolation.summarize(biased.drop(columns=["table", "method"]))
    original = table[table["method"] == "biased"].reset_index(drop=True)
    assert np.allclose(again["rmse_log"], original["rmse_log"])
    assert np.allclose(again["coverage_0.9"], original["coverage_0.9"])


def test_two_runs_with_their_rows_still_concatenate(tiny_table):
    """pandas compares attrs when it concatenates: the kept rows must not make it raise."""
    first = calibration.run({"exact": _scaled(1.0)}, [tiny_table], log=lambda _: None)
    second = calibration.run({"biased": _scaled(1.5)}, [tiny_table], log=lambda _: None)
    both = pd.concat([first, second], ignore_index=True)
    assert len(both) == len(first) + len(second)
