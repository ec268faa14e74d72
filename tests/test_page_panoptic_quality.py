"""The panoptic-quality page under Streamlit's AppTest."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import formula_lines, formula_sources

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "panoptic-quality.py")


def _app(**query) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def _metric(at, label) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.fixture(scope="module")
def default_run():
    return _app()


def test_default_run_is_a_perfect_copy(default_run):
    at = default_run
    assert not at.exception and not at.error
    assert _metric(at, "PQ") == "1.000" and _metric(at, "mIoU (semantic)") == "1.000"
    assert _metric(at, "mask AP (things)") == "1.000"
    sources = formula_sources(at)
    assert len(sources) == len(formula_lines(at)) == 4
    assert 'panoptic deck, slide "Panoptic segmentation evaluation metric"' in sources[0]
    assert "Beyond the lecture: the COCO panoptic API's IoU" in sources[1]
    assert "From the lecture" in sources[2] and "Beyond the lecture" in sources[3]
    assert any(c.value.startswith("Crowd regions are never matched and never missed")
               for c in at.caption)


def test_how_the_prediction_was_made_is_drawn_only_when_opened():
    at = _app(split="1", fp="1")
    closed = len(at.get("image"))
    made = next(e for e in at.expander if e.label.startswith("How the prediction was made"))
    steps = int(made.label.split("(")[1].split()[0])
    assert steps >= 2
    at.session_state["pqmade"] = True
    at.run()
    assert not at.exception
    assert len(at.get("image")) == closed + steps


def test_splitting_an_instance_lowers_pq_and_fills_the_table(default_run):
    at = default_run
    at.slider(key="panoptic-quality:split").set_value(1).run()
    assert not at.exception
    assert float(_metric(at, "PQ")) < 1.0
    verdicts = at.dataframe[0].value["verdict"].tolist()
    assert "FN" in verdicts and "FP" in verdicts


def test_fusion_controls_change_the_fused_maps(default_run):
    at = default_run
    before = _metric(at, "PQ heuristic")
    at.slider(key="panoptic-quality:dups").set_value(3).run()
    at.slider(key="panoptic-quality:overlap").set_value(0.0).run()
    at.slider(key="panoptic-quality:score").set_value(0.0).run()
    assert not at.exception
    assert float(_metric(at, "PQ heuristic")) < float(before)


def test_try_this_preset_sets_the_widgets():
    at = _app()
    at.button(key="try_1").click().run()
    assert not at.exception
    assert at.slider(key="panoptic-quality:shift").value == 5 and float(_metric(at, "PQ")) < 1.0


@pytest.mark.parametrize("key, value", [("split", "bad"), ("relabel", "sky->banana"),
                                        ("void", "7"), ("stuffarea", "-3")])
def test_bad_query_values_warn_instead_of_crashing(key, value):
    at = _app(**{key: value})
    assert not at.exception
    assert any(key in w.value for w in at.warning)
    assert _metric(at, "PQ") == "1.000"


def test_query_values_reopen_the_demo():
    at = _app(relabel="car->person", pseed="3")
    assert not at.exception
    assert at.selectbox(key="panoptic-quality:relabel").value == "car->person"
    assert float(_metric(at, "PQ")) < 1.0
