"""AppTest runs of pages/mask-rcnn.py (no browser)."""

import pytest

from tests.conftest import app_test, formula_lines, formula_sources
from tests.conftest import latex_texts as _latex
from tests.conftest import metric_values as _metrics

PAGE = "pages/mask-rcnn.py"


@pytest.fixture(scope="module")
def default_run():
    return app_test(PAGE).run()


def test_default_render(default_run):
    at = default_run
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Mask R-CNN"
    assert {"AP@[.5:.95]", "AP50", "AP75", "segcore time"} <= set(_metrics(at))
    assert float(_metrics(at)["AP50"]) > 0.5
    assert any(r"\log_2" in text for text in _latex(at))
    assert any("AP =" in text or "AP@" in text for text in _latex(at))
    assert len(at.dataframe) >= 1
    assert any("Ranking by score" in m.value for m in at.markdown)


def test_threshold_change_changes_the_result(default_run):
    at = app_test(PAGE).run()
    before = _metrics(at)["AP50"], [m.value for m in at.markdown]
    at.slider(key="mask-rcnn:score").set_value(0.95).run()
    assert not at.exception, [e.value for e in at.exception]
    after = _metrics(at)["AP50"], [m.value for m in at.markdown]
    assert after != before


def test_location_moves_the_roi(default_run):
    at = app_test(PAGE).run()
    before = _latex(at)[1]
    at.slider(key="mask-rcnn:px").set_value(10).run()
    at.slider(key="mask-rcnn:py").set_value(10).run()
    assert not at.exception
    assert _latex(at)[1] != before
    assert at.slider(key="mask-rcnn:px").value == 10


@pytest.mark.parametrize("key,value", [("score", "2"), ("model", "imagenet"), ("nms", "x"),
                                       ("px", "500"), ("iou", "0.33")])
def test_bad_query_value_warns_instead_of_failing(key, value):
    at = app_test(PAGE)
    at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(f"{key}=" in w.value for w in at.warning)


def test_image_without_ground_truth():
    at = app_test(PAGE)
    at.query_params["src"] = "sample:coins"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("no instance ground truth" in i.value for i in at.info)


def test_query_string_reopens_a_demo():
    at = app_test(PAGE)
    for key, value in {"score": "0.05", "nms": "0.9", "iou": "0.75"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    assert at.slider(key="mask-rcnn:score").value == 0.05 and at.slider(key="mask-rcnn:nms").value == 0.9
    assert any("IoU >= 0.75" in m.value for m in at.markdown)


@pytest.mark.parametrize("stage", range(11))
def test_every_stage_renders(stage):
    at = app_test(PAGE)
    at.query_params["stage"] = str(stage)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_try_this_sets_the_widgets():
    at = app_test(PAGE).run()
    button = next(b for b in at.button if "NMS too loose" in b.label)
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key="mask-rcnn:nms").value == 0.9 and at.slider(key="mask-rcnn:score").value == 0.05


def test_every_formula_says_where_it_comes_from(default_run):
    sources, lines = formula_sources(default_run), formula_lines(default_run)
    assert len(lines) == len(sources) == 5
    source = dict(zip(("level", "roipool", "roialign", "pr", "ap"), sources))
    assert "Beyond the lecture: FPN's rule" in source["level"] and r"\log_2" in lines[0]
    assert "Beyond the lecture: RoIPool's rounding" in source["roipool"]
    assert 'short deck, slide "Mask R-CNN' in source["roialign"]
    assert 'short deck, slide "mAP' in source["pr"] and "P_k" in lines[3]
    assert "Beyond the lecture: COCO's 101-point interpolated AP" in source["ap"]
