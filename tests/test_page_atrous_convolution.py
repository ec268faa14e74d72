"""AppTest of pages/atrous-convolution.py: runs, reacts to widgets, survives bad links."""

import pytest

from tests.conftest import app_test, formula_lines, formula_sources

PAGE = "pages/atrous-convolution.py"
TIMEOUT = 180


def _metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def _latex(at):
    return " ".join(x.value for x in at.latex)


@pytest.fixture(scope="module")
def default_run():
    return app_test(PAGE, TIMEOUT).run()


def test_default_run_has_every_part(default_run):
    at = default_run
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Atrous convolution"
    assert _metric(at, "RF (formula)") == "31 px" == _metric(at, "RF (measured)")
    assert _metric(at, "Weights so far") == "36"
    assert "= 31" in _latex(at) and "x[i + 4]" in _latex(at)
    assert float(_metric(at, "mIoU")) > 0.8  # CRF refinement of the shapes scene
    assert [b.label for b in at.button if b.key and b.key.startswith("try_")] == [
        "Equal dilations 2-2-2: see the holes (gridding)",
        "Rates 1-2-4-8: exponential receptive field",
        "Same RF with a big kernel costs more weights"]
    assert not at.error and not at.warning
    assert len(at.select_slider(key="atrous-convolution:at_tap").options) == 9  # one step per 3 x 3 kernel tap
    assert len(at.select_slider(key="atrous-convolution:at_layer").options) == 4  # one step per layer


def test_widgets_change_the_results(default_run):
    at = default_run
    at.selectbox(key="atrous-convolution:at_stack").set_value("gridding")
    at.slider(key="atrous-convolution:at_rate").set_value(5)
    at.slider(key="atrous-convolution:at_crf_iters").set_value(0)
    at.run()
    assert not at.exception
    assert _metric(at, "Holes in the RF") == "120"
    assert any("Gridding" in i.value for i in at.info)
    assert "x[i + 10]" in _latex(at) and "= 13" in _latex(at)
    assert "+0.000" in str(next(m for m in at.metric if m.label.startswith("mIoU:")).proto.delta)


def test_try_this_sets_the_stack():
    at = app_test(PAGE, TIMEOUT).run()
    at.button(key="try_2").click().run()
    assert not at.exception
    assert at.selectbox(key="atrous-convolution:at_stack").value == "big kernel"
    assert _metric(at, "Weights so far") == "961"


def test_bad_query_values_warn_and_fall_back():
    at = app_test(PAGE, TIMEOUT)
    at.query_params["at_stack"] = "../../etc/passwd"
    at.query_params["at_rate"] = "999"
    at.query_params["at_crf_iters"] = "nan"
    at.run()
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "at_stack=" in text and "at_rate=" in text and "at_crf_iters=" in text
    assert at.selectbox(key="atrous-convolution:at_stack").value == "exponential"


def test_impossible_aspp_rate_is_an_error_message():
    at = app_test(PAGE, TIMEOUT)
    at.query_params["at_stride"] = "16"  # 256 / 16 = 16 positions: rate 18 does not fit
    at.run()
    assert not at.exception
    assert any("rate 18" in e.value for e in at.error)
    assert _metric(at, "RF (formula)") == "31 px"  # the rest of the page still works


def test_sample_without_ground_truth_skips_the_crf():
    at = app_test(PAGE, TIMEOUT)
    at.query_params["src"] = "sample:coins"
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox(key="src").value == "sample:coins"
    assert any("ground truth" in i.value for i in at.info)
    assert not any(m.label == "mIoU" for m in at.metric)


def test_crf_that_hurts_says_so():
    at = app_test(PAGE, TIMEOUT)
    at.query_params["src"] = "scene:crack"  # a thin structure the Potts term erases
    at.run()
    assert not at.exception
    assert any("made the result worse" in w.value for w in at.warning)
    at.slider(key="atrous-convolution:at_crf_wsp").set_value(1.0)
    at.slider(key="atrous-convolution:at_crf_wbil").set_value(1.0)
    at.run()
    assert not any("made the result worse" in w.value for w in at.warning)


def test_every_formula_says_where_it_comes_from(default_run):
    sources, lines = formula_sources(default_run), formula_lines(default_run)
    assert len(lines) == len(sources) == 7  # the CRF parameters line included
    assert 'short deck, slide "Atrous (Dilated) Convolution"' in sources[0]
    assert "Beyond the lecture: the receptive-field recurrence" in sources[2]
    assert 'seminar deck, slide "Atrous Spatial Pyramid Pooling (ASPP)"' in sources[4]
    assert 'panoptic deck, slide "Mean field inference for Dense-CRF"' in sources[5]
    assert "Beyond the lecture" in sources[6] and "w_{\\text{spatial}}" in lines[6]
