"""Evaluation basics on the panoptic-quality page: the lecture's 5 x 5 example (AppTest)."""

import pytest

from segcore.evaluation.worked_example import LECTURE_PREDICTION, LECTURE_TARGET, cell_by_cell
from tests.conftest import latex_texts, metric_values
from tests.test_page_panoptic_quality import _app
from ui.eval_basics import encode_grid

SLIDE_PA, PA, IOU, DICE = "PA as on the slide", "Pixel accuracy", "IoU (object)", "Dice (object)"


def _shown(at) -> dict:
    values = metric_values(at)
    return {label: values[label] for label in (SLIDE_PA, PA, IOU, DICE)}


def _balanced(tex: str) -> bool:
    depth = 0
    for i, ch in enumerate(tex):
        if ch in "{}" and i and tex[i - 1] == "\\":
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.fixture(scope="module")
def lecture_run():
    return _app()


def test_the_lecture_setting_shows_6_of_25_and_6_of_12(lecture_run):
    at = lecture_run
    assert not at.exception and not at.error
    shown = _shown(at)
    assert shown[SLIDE_PA] == "6/25 = 0.240"
    assert shown[IOU] == "6/12 = 0.500"
    assert shown[PA] == "19/25 = 0.760" and shown[DICE] == "12/18 = 0.667"
    assert any(r"\frac{6}{25}" in t for t in latex_texts(at))
    assert any(r"\frac{6}{12}" in t for t in latex_texts(at))
    table = next(m.value for m in at.markdown if m.value.startswith("| class |"))
    assert "| background | 16 | 13/16 = 0.812 | 13/19 = 0.684 |" in table
    assert "| object | 9 | 6/9 = 0.667 | 6/12 = 0.500 |" in table
    assert at.query_params["egt"] == encode_grid(LECTURE_TARGET)
    assert at.query_params["epred"] == encode_grid(LECTURE_PREDICTION)


def test_every_formula_line_is_valid_tex_with_a_source(lecture_run):
    at = lecture_run
    ours = [t for t in latex_texts(at) if "Total" in t or "Dice" in t or "per-class" in t
            or "Intersect" in t]
    assert len(ours) == 5 and all(_balanced(t) for t in ours)
    sources = [c.value for c in at.caption if "slide \"" in c.value]
    for slide in ('seminar deck, slide "Pixel Accuracy"',
                  'panoptic deck, slide "Evaluation metric"',
                  'practical deck, slide "Evaluation metrics (Dice-Koeffizient)"'):
        assert any(slide in s for s in sources), slide


def test_clicking_a_cell_recounts_every_metric():
    at = _app()
    at.button(key="eb_prediction_1_1").click().run()  # the target's top-left object cell
    assert not at.exception
    prediction = LECTURE_PREDICTION.copy()
    prediction[1, 1] = 1
    assert at.query_params["epred"] == encode_grid(prediction)
    assert _shown(at) == {SLIDE_PA: "7/25 = 0.280", PA: "20/25 = 0.800", IOU: "7/12 = 0.583",
                          DICE: "14/19 = 0.737"}
    at.button(key="eb_target_0_0").click().run()      # a target cell nobody predicted: FN
    assert not at.exception
    target = LECTURE_TARGET.copy()
    target[0, 0] = 1
    expected = cell_by_cell(target, prediction)
    assert _shown(at)[IOU] == f"7/13 = {expected['iou']['object']['value']:.3f}"
    assert _shown(at)[PA] == "19/25 = 0.760"
    at.button(key="eb_target_0_0").click().run()      # and back
    assert _shown(at)[IOU] == "7/12 = 0.583"


def test_predicting_only_background_shows_the_class_imbalance():
    at = _app()
    at.button(key="eb_preset_background").click().run()
    assert not at.exception
    assert _shown(at) == {SLIDE_PA: "0/25 = 0.000", PA: "16/25 = 0.640", IOU: "0/9 = 0.000",
                          DICE: "0/9 = 0.000"}
    assert any(c.value.startswith("Class imbalance") for c in at.caption)
    at.button(key="eb_preset_lecture").click().run()
    assert _shown(at)[SLIDE_PA] == "6/25 = 0.240"


def test_grids_come_from_the_link_and_bad_ones_warn():
    at = _app(epred="1" * 25)
    assert not at.exception and not at.warning
    assert _shown(at) == {SLIDE_PA: "9/25 = 0.360", PA: "9/25 = 0.360", IOU: "9/25 = 0.360",
                          DICE: "18/34 = 0.529"}
    at = _app(egt="01x", epred="1" * 26)
    assert not at.exception
    warned = " ".join(w.value for w in at.warning)
    assert "egt=01x" in warned and "epred=" in warned
    assert _shown(at)[SLIDE_PA] == "6/25 = 0.240"  # the lecture's layout instead
