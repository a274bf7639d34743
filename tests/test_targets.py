"""Named targets, published projections and the growth arithmetic."""

from __future__ import annotations

import pytest
import yaml

from bayes_scaling.errors import PriorConfigError, ProjectionError
from bayes_scaling.projection import (
    Target,
    compute_growth_factor,
    implied_degree,
    model_growth_factor,
)
from bayes_scaling.targets import named_targets, parse_targets_file, published_projections

#: Hestness et al. 2019 (PPoPP '19), as quoted with the paper: data growth, beta_p and the
#: projected model growth for word LM, char LM, NMT, speech and ImageNet.
HESTNESS_2019 = {
    "hestness2019-word-lm": (100, 0.68, 23),
    "hestness2019-char-lm": (971, 0.89, 456),
    "hestness2019-nmt": (750, 0.68, 90),
    "hestness2019-speech": (33, 0.54, 6.6),
    "hestness2019-imagenet": (81, 0.57, 12),
}


@pytest.mark.parametrize("name", sorted(HESTNESS_2019))
def test_hestness_2019_model_growth_arithmetic(name):
    data_growth, beta_p, published_model_growth = HESTNESS_2019[name]
    ours = float(model_growth_factor(data_growth, beta_p))
    # "within rounding": the paper rounds to 2 significant figures
    assert ours == pytest.approx(published_model_growth, rel=0.03)
    shipped = published_projections()[name]
    assert (shipped.data_growth, shipped.beta_p, shipped.model_growth) == (
        data_growth, beta_p, published_model_growth)


def test_compute_growth_and_degree():
    assert float(compute_growth_factor(100.0, 23.0)) == pytest.approx(2300.0)
    assert float(compute_growth_factor(100.0, 23.0, (1.0, 2.0))) == pytest.approx(52900.0)
    # k = (1 + beta_p) / beta_g: compute ∝ error^-k under the power law
    beta_g, beta_p = 0.25, 0.7
    err_ratio = 0.5
    data = err_ratio ** (-1 / beta_g)
    compute = float(compute_growth_factor(data, model_growth_factor(data, beta_p)))
    assert compute == pytest.approx(err_ratio ** (-float(implied_degree(beta_g, beta_p))))


def test_named_targets_resolve():
    assert Target.parse("imagenet-top1-5pct") == Target("absolute", 0.05, domain="imagenet",
                                                        curve="top1")
    assert Target.parse("halve-error") == Target("relative", 0.5)
    assert set(named_targets()) >= {"imagenet-top1-5pct", "imagenet-top5-human"}
    with pytest.raises(ProjectionError, match="named target"):
        Target.parse("imagenet-top1-4pct")


def test_named_targets_say_which_curves_they_apply_to():
    """ImageNet top-1 and top-5 targets name their metric variant (the curve), so a
    projection scores the top-1 target on the top-1 curve only (issue 12.3)."""
    top1, top5 = Target.parse("imagenet-top1-5pct"), Target.parse("imagenet-top5-human")
    assert (top1.name, top1.domain, top1.curve) == ("imagenet-top1-5pct", "imagenet", "top1")
    assert (top5.domain, top5.curve) == ("imagenet", "top5")
    assert top1.applies_to("imagenet", "top1") and not top1.applies_to("imagenet", "top5")
    assert not top1.applies_to("mscoco", "top1")
    assert top1.scope == "imagenet/top1"
    halve = Target.parse("halve-error")
    assert halve.name == "halve-error" and halve.scope is None
    assert halve.applies_to("any", "curve")
    assert named_targets()["imagenet-top1-5pct"].curve == "top1"


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        ({"targets": {}, "extra": 1}, "unknown key"),
        ({"references": {}, "targets": {"t": {"target": {"kind": "absolute", "value": 0.1},
                                              "applies_to": {"metric": "top1"}}}},
         "unknown key"),
        ({"references": {}, "targets": {"t": {"target": {"kind": "absolute", "value": 0.1},
                                              "applies_to": {"curve": 1}}}},
         "applies_to.curve must be non-empty text"),
        ({"references": {}, "targets": {"t": {"target": {"kind": "absolute", "value": 0.1},
                                              "applies_to": {}}}},
         "applies_to needs 'domain' and/or 'curve'"),
        ({"references": {}, "targets": {"t": {"target": {"kind": "abs", "value": 1}}}},
         "kind must be"),
        ({"references": {}, "targets": {"t": {"target": {"kind": "absolute", "value": -1}}}},
         "value must be a number > 0"),
        ({"references": {}, "targets": {"t": {"target": {"kind": "absolute", "value": 0.1},
                                              "citation": "nobody"}}}, "not in references"),
        ({"references": {"a": "x"}, "published": {"p": {"domain": "d", "data_growth": 1,
                                                        "beta_p": 1, "citation": "a"}}},
         "missing"),
    ],
)
def test_targets_file_validation(doc, match):
    with pytest.raises(PriorConfigError, match=match):
        parse_targets_file(yaml.safe_load(yaml.safe_dump(doc)))
