"""AppTest runs of the watershed and active-contours page (no browser)."""

import re

import numpy as np
import pytest

from segcore.classical import watershed as W
from segcore.evaluation.scoring import score_against_scene
from segcore.scenes import make_scene
from tests.conftest import app_test, formula_lines, formula_sources, metric_values

PAGE = "pages/watershed.py"
TIMEOUT = 180
SUMMARY = re.compile(r"(\d+) basin\(s\); (\d+) flooding levels, (\d+) of them kept")
LECTURE = 'From the lecture: main deck, slide "Other Classical Segmentation Methods"'


def _run(**query):
    at = app_test(PAGE, TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def _basins(at) -> int:
    for caption in at.caption:
        found = SUMMARY.search(caption.value)
        if found:
            return int(found.group(1))
    raise AssertionError("no flooding summary on the page")


def _query(at, key):
    value = at.query_params[key]
    return value[0] if isinstance(value, list) else value


def test_default_run_floods_from_threshold_markers_and_scores_like_segcore():
    at = _run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error and not at.warning
    scene = make_scene("shapes", seed=0, size=256)
    trace = W.watershed_with_rule(scene.image, "threshold", sigma=1.0, low=90, high=130)
    assert _basins(at) == trace.n_basins == 13
    report = score_against_scene(trace.labels, scene, match_clusters=True)
    assert metric_values(at)["mIoU"] == f"{report['miou']:.3f}"
    sources = formula_sources(at)
    assert sources[0] == LECTURE and all(s.startswith("Beyond") for s in sources[1:])
    lines = formula_lines(at)
    assert "13 \\text{ marker(s)}" in lines[0] and "t_{high} = 130" in lines[2]
    assert "first dam at } h = " in lines[3]
    level = at.select_slider(key="watershed:level")
    assert len(level.options) == len(trace.steps) and level.value == len(trace.steps) - 1
    assert len(at.get("plotly_chart")) == 1, "the relief profile"


def test_stepping_back_shows_less_water():
    at = _run()
    full = [c.value for c in at.caption if c.value.startswith("Water at level")][0]
    at.select_slider(key="watershed:level").set_value(1).run()
    assert not at.exception
    early = [c.value for c in at.caption if c.value.startswith("Water at level")][0]
    pct = lambda text: int(re.search(r"(\d+) % of the image", text).group(1))  # noqa: E731
    assert pct(early) < pct(full) == 100


def test_without_markers_the_watershed_over_segments_and_smoothing_helps():
    at = _run(mk="minima")
    assert not at.exception
    many = _basins(at)
    assert many > 1000
    assert "over-segmentation" in formula_lines(at)[2]
    at.slider(key="watershed:sigma").set_value(4.0).run()
    assert 13 < _basins(at) < many


def test_clicked_markers_from_the_url_and_a_click():
    at = _run(mk="click", marks="30.30;120.230", bg="0")
    assert _basins(at) == 2
    at.session_state["ws_click"] = {"x": 100, "y": 50, "width": 200, "height": 200,
                                    "unix_time": 1}
    at.run()
    assert not at.exception
    assert _basins(at) == 3
    assert _query(at, "marks") == "30.30;120.230;64.128"
    at.button[[b.label for b in at.button].index("Undo last marker")].click().run()
    assert _basins(at) == 2


def test_a_click_switches_to_clicked_markers():
    at = _run()
    at.session_state["ws_click"] = {"x": 10, "y": 10, "width": 256, "height": 256,
                                    "unix_time": 5}
    at.run()
    assert at.selectbox(key="watershed:mk").value == "click"
    assert _query(at, "marks") == "10.10"


def test_region_growing_seeds_as_markers():
    at = _run(mk="seeds", src="scene:crack", seedt="220", nseeds="5")
    assert not at.exception
    assert _basins(at) == 6  # five seeds and the background


@pytest.mark.parametrize("key, value", [("mk", "magic"), ("sigma", "-1"), ("tlow", "abc"),
                                        ("marks", "1.2.3"), ("marks", "999.999"),
                                        ("conn", "6"), ("view", "nope"), ("beta", "nan"),
                                        ("c", "5"), ("cviters", "1000")])
def test_bad_query_value_warns(key, value):
    at = _run(**{key: value}, **({"view": "snake"} if key in ("c", "beta") else {}),
              **({"view": "levelset"} if key == "cviters" else {}))
    assert not at.exception
    assert any(f"{key}=" in w.value for w in at.warning)


def test_crossed_thresholds_show_an_error_not_a_traceback():
    at = _run(tlow="200", thigh="100")
    assert not at.exception
    assert any("t_low must lie below" in e.value for e in at.error)


def test_snake_view_records_iterations_and_scores_one_object():
    at = _run(view="snake")
    assert not at.exception, [e.value for e in at.exception]
    sources = formula_sources(at)
    assert sources[0] == LECTURE and len(sources) == 4
    assert "min_v E(v)" in formula_lines(at)[0]
    assert any("is scored against 'disk" in c.value for c in at.caption)
    assert float(metric_values(at)["mIoU"]) > 0.8
    assert len(at.select_slider(key="watershed:it").options) > 2
    at.slider(key="watershed:beta").set_value(1.0).run()
    assert not at.exception and "beta = 1)" in formula_lines(at)[1]


def test_level_set_view_and_a_click_starts_from_a_circle():
    at = _run(view="levelset")
    assert not at.exception
    assert formula_sources(at)[0] == LECTURE
    assert float(metric_values(at)["mIoU"]) > 0.9
    at.session_state["ac_click"] = {"x": 60, "y": 60, "width": 256, "height": 256,
                                    "unix_time": 3}
    at.run()
    assert not at.exception
    assert at.radio(key="watershed:cvinit").value == "circle" and _query(at, "c") == "60.60"


def test_try_this_presets_run_and_set_their_view():
    at = _run()
    views = []
    for i in range(4):
        at.button(key=f"try_{i}").click().run()
        assert not at.exception, [e.value for e in at.exception]
        views.append(at.radio(key="watershed:view").value)
    assert views == ["flood", "flood", "snake", "levelset"]
    at = _run()
    at.button(key="try_0").click().run()
    assert _basins(at) > 1000


def test_snake_preset_rounds_the_triangle_and_a_softer_snake_fits_it():
    at = _run()
    at.button(key="try_2").click().run()
    stiff = float(metric_values(at)["Dice"])
    at.slider(key="watershed:beta").set_value(1.0)
    at.slider(key="watershed:snsigma").set_value(1.5).run()
    assert float(metric_values(at)["Dice"]) > stiff + 0.1


def test_every_view_exports_its_label_map():
    for view, dtype in (("flood", np.uint8), ("snake", np.uint8), ("levelset", np.uint8)):
        at = _run(view=view)
        record = at.session_state["watershed:export"]
        assert np.asarray(record["labels"]).astype(dtype).shape == (256, 256)
        assert "segcore.classical" in record["snippet"]
