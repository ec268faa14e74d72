"""AppTest runs of the region-growing page (no browser)."""

import re

import pytest

from tests.conftest import app_test, formula_sources

PAGE = "pages/region-growing.py"
TIMEOUT = 120
SUMMARY = re.compile(r"(\d+) seed region\(s\) from (\d+) seed pixel\(s\); grown: (\d+) px")


def _summary(at):
    for caption in at.caption:
        found = SUMMARY.search(caption.value)
        if found:
            return tuple(int(v) for v in found.groups())
    raise AssertionError("no growth summary on the page")


def _run(**query):
    at = app_test(PAGE, TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def test_default_run_grows_from_the_default_seed():
    at = _run()
    assert not at.exception, [e.value for e in at.exception]
    regions, seeds, grown = _summary(at)
    assert regions == 1 and seeds == 1 and grown > 1
    assert formula_sources(at) == ['From the lecture: main deck, slide "Homogeneity test"',
                            'From the lecture: main deck, slide "Homogeneity test: threshold T(i)"']
    assert at.get("plotly_chart"), "the statistics plot is drawn"


def test_tolerance_change_changes_the_region():
    at = _run(crit="fixed", seeds="128.128")
    before = _summary(at)
    at.slider(key="region-growing:T").set_value(10).run()
    assert not at.exception
    assert _summary(at)[2] < before[2]


def test_seeds_from_the_url_and_a_click():
    at = _run(seeds="5.5;250.250", merge="0")
    assert _summary(at)[:2] == (2, 2)
    at.session_state["rg_click"] = {"x": 50, "y": 100, "width": 200, "height": 200,
                                    "unix_time": 1}
    at.run()
    assert not at.exception
    assert _summary(at)[:2] == (3, 3)
    assert at.query_params["seeds"] in ("5.5;250.250;128.64", ["5.5;250.250;128.64"])


@pytest.mark.parametrize("key, value", [("T", "bad"), ("crit", "median"), ("seeds", "1.2.3"),
                                        ("seeds", "999.999"), ("conn", "6"), ("k", "nan"),
                                        ("lam", "-1"), ("lam", "abc"), ("lam", "4.5")])
def test_bad_query_value_warns(key, value):
    at = _run(**{key: value})
    assert not at.exception
    assert any(f"{key}=" in w.value for w in at.warning)


@pytest.mark.parametrize("rule", ["threshold", "max"])
def test_seed_rules(rule):
    at = _run(rule=rule)
    assert not at.exception
    regions, seeds, grown = _summary(at)
    assert regions >= 1 and seeds >= regions


def test_noise_preset_leaks_and_adaptive_threshold_holds():
    at = _run()
    at.button(key="try_0").click().run()
    assert not at.exception
    size = 256 * 256
    assert _summary(at)[2] > 0.3 * size  # leaked over the background
    at.selectbox(key="region-growing:crit").set_value("adaptive").run()
    assert _summary(at)[2] < 0.05 * size  # stays in the triangle


def test_try_this_presets_run():
    at = _run()
    for i in range(3):
        at.button(key=f"try_{i}").click().run()
        assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key="region-growing:seedt").value == 120 and at.selectbox(key="region-growing:rule").value == "threshold"


def test_formula_sources_follow_the_homogeneity_test():
    """The running-mean test and the merge test are the deck's; the fixed seed interval is not."""
    merged = formula_sources(_run(crit="mean", seeds="5.5;250.250"))
    assert len(merged) == 3 and all(s.startswith("From the lecture: main deck") for s in merged)
    assert "merging of two regions" in merged[2]
    fixed = formula_sources(_run(crit="fixed", seeds="128.128"))
    assert fixed[0].startswith("Beyond the lecture") and fixed[1].startswith("From the lecture")


def test_position_term_from_the_url_bounds_the_region_and_shows_its_formula():
    query = {"src": "scene:shapes", "seeds": "128.128", "crit": "fixed", "T": "30", "merge": "0"}
    without = _run(**query)
    with_position = _run(**query, lam="2")
    assert not with_position.exception, [e.value for e in with_position.exception]
    assert with_position.slider(key="region-growing:lam").value == 2.0
    grown = _summary(with_position)[2]
    assert 0 < grown < _summary(without)[2]
    assert grown <= 3.15 * (30 / 2) ** 2 + 1  # inside the disc of radius T / lambda = 15
    sources = formula_sources(with_position)
    assert sources[:2] == formula_sources(without)  # the lecture's lines stay
    assert sources[2].startswith("Beyond the lecture: SegLab's form of the deck's")
    latex = with_position.get("latex")[2].value
    assert r"\lambda = 2" in latex and r"d \le 15.0" in latex
    assert any("Position term lambda = 2" in c.value for c in with_position.caption)


def test_position_term_is_off_by_default():
    at = _run()
    assert at.slider(key="region-growing:lam").value == 0.0
    assert not any("Position term" in c.value for c in at.caption)


def test_location_preset_bounds_the_leak_and_lambda_0_floods_again():
    at = _run()
    at.button(key="try_3").click().run()
    assert not at.exception, [e.value for e in at.exception]
    size = 256 * 256
    assert _summary(at)[2] < 3.15 * 40 ** 2  # inside the circle of radius T / lambda = 40
    at.slider(key="region-growing:lam").set_value(0.0).run()
    assert _summary(at)[2] > 0.3 * size  # the first experiment's leak
