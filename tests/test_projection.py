"""Data-growth projections: arithmetic, total functions (p_reachable), summaries."""

from __future__ import annotations

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pytest
from _fits import simulated_fit
from hypothesis import given
from hypothesis import strategies as st

from bayes_scaling import dims
from bayes_scaling.errors import ProjectionError
from bayes_scaling.models.learning_curve import curve_mean
from bayes_scaling.plotting import plot_projection_forest
from bayes_scaling.projection import (
    Target,
    attach_projection,
    parse_targets,
    project_data_growth,
    reachability_status,
    summarize_projection,
)


@pytest.fixture(scope="module")
def fit():
    return simulated_fit()[1]


def test_target_parsing():
    assert Target.parse(0.05) == Target("absolute", 0.05)
    assert Target.parse("0.05") == Target("absolute", 0.05)
    assert Target.parse("x0.5") == Target("relative", 0.5)
    assert Target.parse("0.5x") == Target("relative", 0.5)
    for bad in ("half", "x", -0.1, 0, float("nan"), True, "xx0.5"):
        with pytest.raises(ProjectionError):
            Target.parse(bad)
    with pytest.raises(ProjectionError, match="duplicate targets"):
        parse_targets(["x0.5", "0.5x"])
    with pytest.raises(ProjectionError, match="at least one target"):
        parse_targets([])


def test_growth_reaches_the_target_per_draw(fit):
    """Plugging the projected size back into the curve gives the target (per draw)."""
    proj = project_data_growth(fit, ["x0.8", 0.2])
    size = proj["data_growth"] * proj["current_size"]
    reached = curve_mean(fit, size.where(proj["reachable"], 1.0))
    ok = proj["reachable"]
    np.testing.assert_allclose(reached.where(ok).values[ok.values],
                               proj["target_value"].values[ok.values], rtol=1e-6)


def test_relative_target_growth_is_above_one_and_monotone(fit):
    proj = project_data_growth(fit, ["x0.9", "x0.8"])
    g = proj["data_growth"].where(proj["reachable"].all(dims.TARGET))
    assert float((g.sel(target="x0.9") > 1).mean()) > 0.99
    # a lower target needs at least as much data, draw by draw
    assert bool((g.sel(target="x0.8") >= g.sel(target="x0.9")).where(g.notnull(), True).all())


def test_target_below_floor_is_unreachable_not_an_error(fit):
    floor_min = float(fit["posterior"]["gamma"].min())
    assert floor_min > 0
    proj = project_data_growth(fit, [floor_min / 2])  # below the floor in every draw
    assert float(proj["p_reachable"].max()) == 0.0
    assert np.isinf(proj["data_growth"]).all()
    table = summarize_projection(proj)
    assert table["median"].isna().all()
    assert table["status"].str.startswith("unreachable").all()
    assert not np.isinf(table[["p_reachable"]].to_numpy(float)).any()


def test_partly_reachable_target_reports_probability_and_interval(fit):
    gamma = fit["posterior"]["gamma"].sel(curve="domain0/arch0")
    target = float(gamma.quantile(0.5))  # half of the draws have their floor above it
    label = f"{target:g}"
    proj = project_data_growth(fit, [target])
    p = float(proj["p_reachable"].sel(curve="domain0/arch0", target=label))
    assert 0.3 < p < 0.7
    row = summarize_projection(proj).query("level == 'curve' and curve == 'domain0/arch0'")
    assert row["lower"].notna().all() and row["upper"].notna().all()
    assert (row["lower"] <= row["median"]).all() and (row["median"] <= row["upper"]).all()
    assert "reachable in" in row["status"].iloc[0]


def test_summary_uses_arviz_interval_defaults(fit):
    proj = project_data_growth(fit, ["x0.8"])
    table = summarize_projection(proj)
    assert set(table["ci_prob"]) == {az.rcParams["stats.ci_prob"]}
    assert set(table["ci_kind"]) == {az.rcParams["stats.ci_kind"]}
    wide = summarize_projection(proj, ci_prob=0.99)
    narrow = summarize_projection(proj, ci_prob=0.5)
    assert ((wide["upper"] - wide["lower"]) > (narrow["upper"] - narrow["lower"])).all()
    assert set(table["level"]) == {"curve", "domain"}
    assert len(table) == 6 + 3


def test_domain_growth_is_best_curve(fit):
    proj = project_data_growth(fit, ["x0.8"])
    g = proj["data_growth"].sel(target="x0.8")
    gd = proj["data_growth_domain"].sel(target="x0.8", domain="domain1")
    members = [c for c in g[dims.CURVE].values if c.startswith("domain1/")]
    np.testing.assert_allclose(gd, g.sel(curve=members).min(dims.CURVE))


def test_error_targets_above_one_rejected_and_wrong_model(fit):
    with pytest.raises(ProjectionError, match=r"error targets must be in \(0, 1\]"):
        project_data_growth(fit, [1.5])
    other = fit.copy()
    other.attrs["model_type"] = "something_else"
    with pytest.raises(ProjectionError, match="hierarchical_learning_curve"):
        project_data_growth(other, [0.1])


def test_attach_projection_adds_group(fit):
    tree = attach_projection(fit, project_data_growth(fit, ["x0.8"]))
    assert "projections" in tree.children
    assert "projections" not in fit.children


# ------------------------------------------------- tables say what they mean (issue 12.3)

@pytest.mark.parametrize("p", [1.0, 1 - 1e-9, 0.99996, 0.9995, 0.99951, 0.99949, 0.9994, 0.5,
                               0.0006, 0.0005, 0.00049, 1e-9, 0.0])
@pytest.mark.parametrize("floor", ["the irreducible error", "the irreducible loss E"])
def test_reachability_status_never_rounds_to_all_or_none(p, floor):
    """'reachable in 100.0% of draws (... in the rest)' contradicts itself; so does 0.0%."""
    status = reachability_status(p, floor=floor)
    assert "100.0%" not in status and " 0.0%" not in status and "(0.0%" not in status
    assert (floor in status) == (p < 1)  # what blocks the target, when something does
    if p >= 1:
        assert status == "reachable in all draws"
    elif p <= 0:
        assert status.startswith("unreachable") and "every draw" in status
    else:  # partly reachable: never worded as all or none
        assert status.startswith("reachable in ") and "in all draws" not in status
        assert "every draw" not in status and "interval over reachable draws" in status
    if 0.9995 <= p < 1:
        assert "nearly all draws (>99.9%" in status
    if 0 < p < 0.0005:
        assert "almost no draws (<0.1%" in status
    if p == 0.5:
        assert "50.0% of draws" in status and "other 50.0%" in status


@given(st.floats(min_value=0.0, max_value=1.0))
def test_reachability_status_is_consistent_for_any_probability(p):
    status = reachability_status(p)
    assert "100.0%" not in status and " 0.0%" not in status and "(0.0%" not in status
    assert status.startswith("reachable in all") == (p >= 1)
    assert status.startswith("unreachable") == (p <= 0)


def test_growth_below_one_reads_already_reached(fit):
    """A target above the curve's current error needs no growth: 'already reached'."""
    proj = project_data_growth(fit, ["x1.2", "x0.8"])
    table = summarize_projection(proj)
    above = table[table["target"] == "x1.2"]
    assert (above["median"] < 1).all()  # the numbers stay as they are
    assert above["status"].str.startswith("already reached").all(), above["status"].tolist()
    below = table[table["target"] == "x0.8"]
    assert (below["median"] > 1).all()
    assert not below["status"].str.contains("already reached").any()


def test_a_scoped_target_is_evaluated_only_for_its_curves(fit):
    """A target naming a curve (a metric variant such as ImageNet top-1) gets rows for the
    curves it names only; a domain's 'best curve' is chosen among those."""
    scoped = Target("absolute", 0.2, name="d1-arch0-20pct", domain="domain1", curve="arch0")
    proj = project_data_growth(fit, [scoped, "x0.8"])
    applicable = proj["applicable"]
    assert bool(applicable.sel(curve="domain1/arch0", target="0.2"))
    assert int(applicable.sel(target="0.2").sum()) == 1
    assert bool(applicable.sel(target="x0.8").all())
    table = summarize_projection(proj)
    rows = table[table["target"] == "0.2"]
    assert set(rows["level"]) == {"curve", "domain"}
    assert rows.query("level == 'curve'")["curve"].tolist() == ["domain1/arch0"]
    dom = rows.query("level == 'domain'")
    assert dom["domain"].tolist() == ["domain1"]
    curve_row = rows.query("level == 'curve'").iloc[0]
    assert dom["median"].iloc[0] == pytest.approx(curve_row["median"])
    # the unscoped target still covers every curve and domain
    assert len(table.query("target == 'x0.8' and level == 'curve'")) == 6
    # what was left out is said in words
    assert any("domain1/arch0" in note and "not projected" in note
               for note in proj.attrs["target_notes"])
    # the forest plot shows the same rows as the table, and names the target's curves
    fig, axes = plot_projection_forest(summarize_projection(project_data_growth(fit, [scoped])),
                                       targets=[scoped], level="curve")
    try:
        ticks = [t.get_text() for t in axes.ravel()[0].get_yticklabels()]
        assert ticks == ["domain1/arch0"]
        legend = [t.get_text() for t in fig.legends[0].get_texts()]
        assert any("d1-arch0-20pct" in t and "domain1/arch0 only" in t for t in legend)
    finally:
        plt.close(fig)


def test_a_scoped_target_that_matches_no_curve_is_refused(fit):
    scoped = Target("absolute", 0.05, name="imagenet-top1-5pct", domain="imagenet",
                    curve="top1")
    with pytest.raises(ProjectionError, match=r"imagenet-top1-5pct.*applies to.*imagenet/top1"
                       r".*give the value as a number \(0.05\)"):
        project_data_growth(fit, [scoped])
