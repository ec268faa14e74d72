"""AppTest runs of pages/thresholding.py (no browser)."""

import numpy as np
import pytest
from skimage import data

from segcore.classical import threshold as thr
from tests.conftest import app_test, formula_sources, latex_texts, metric_values
from ui import threshold_figs as figs

PAGE = "pages/thresholding.py"
METHODS = ["manual", "multiotsu", "isodata", "li", "triangle", "yen", "mean", "minimum",
           "local", "niblack", "sauvola", "hysteresis"]


@pytest.fixture(scope="module")
def default_run():
    return app_test(PAGE).run()


def test_default_render_has_histogram_formulas_overlay_and_metrics(default_run):
    at = default_run
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    assert at.title[0].value == "Thresholding"
    assert at.selectbox(key="thresholding:method").value == "otsu"
    assert any(r"\sigma_B^2" in text for text in latex_texts(at))
    assert {"Pixel accuracy", "mIoU", "Dice", "segcore time"} <= set(metric_values(at))
    assert float(metric_values(at)["mIoU"]) > 0.9  # Otsu works on evenly lit shapes
    assert len(at.get("plotly_chart")) >= 1
    assert len(at.get("image")) >= 6  # overlay, step, 4 document pictures (+ sidebar)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_renders(method):
    at = app_test(PAGE)
    at.query_params["method"] = method
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="thresholding:method").value == method
    assert latex_texts(at) and "segcore time" in metric_values(at)


def test_changing_method_and_threshold_changes_the_result():
    at = app_test(PAGE).run()
    before = metric_values(at)["Pixel accuracy"], latex_texts(at)
    at.selectbox(key="thresholding:method").set_value("mean").run()
    after = metric_values(at)["Pixel accuracy"], latex_texts(at)
    assert after != before
    at.selectbox(key="thresholding:method").set_value("manual").run()
    low = metric_values(at)["Pixel accuracy"]
    at.slider(key="thresholding:t").set_value(250).run()
    assert not at.exception
    assert metric_values(at)["Pixel accuracy"] != low
    assert any(r"\sigma_B^2(250)" in text for text in latex_texts(at))


@pytest.mark.parametrize("key,value", [("method", "bad"), ("t", "999"), ("polarity", "up"),
                                       ("classes", "9"), ("window", "abc"), ("k", "nan")])
def test_bad_query_value_warns_instead_of_failing(key, value):
    at = app_test(PAGE)
    at.query_params["method"] = {"t": "manual", "classes": "multiotsu", "window": "sauvola",
                                 "k": "sauvola"}.get(key, "otsu")
    at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(f"{key}=" in w.value for w in at.warning)


def test_query_string_reopens_a_demo():
    at = app_test(PAGE)
    for key, value in {"method": "sauvola", "window": "51", "k": "0.3", "polarity": "dark"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    assert at.slider(key="thresholding:window").value == 51 and at.slider(key="thresholding:k").value == 0.3
    assert at.radio(key="thresholding:polarity").value == thr.DARK


def test_try_this_coins_sets_multiotsu():
    at = app_test(PAGE).run()
    at.button(key="try_2").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="thresholding:method").value == "multiotsu"
    assert at.slider(key="thresholding:classes").value == 3
    assert at.sidebar.selectbox(key="src").value == "sample:coins"
    assert "This image has no ground truth" in " ".join(c.value for c in at.caption)


def test_try_this_uneven_light_shows_sauvola_beating_otsu():
    at = app_test(PAGE).run()
    at.button(key="try_0").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="thresholding:method").value == "sauvola"
    assert at.sidebar.selectbox(key="src").value == "scene:shapes_gradient"
    sauvola_miou = float(metric_values(at)["mIoU"])
    note = next(c.value for c in at.caption if "global Otsu" in c.value)
    otsu_iou = float(note.rsplit("=", 1)[1].strip(" ."))
    assert sauvola_miou > 0.9 and otsu_iou < 0.8


def test_try_this_noise_sets_the_picker_noise():
    at = app_test(PAGE).run()
    at.button(key="try_1").click().run()
    assert not at.exception
    assert at.sidebar.slider(key="noise").value == 0.3
    assert at.selectbox(key="thresholding:method").value == "otsu"


def test_try_all_grid_lists_every_global_method():
    at = app_test(PAGE).run()
    at.checkbox(key="thresholding:tryall").check().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["method"]) == list(thr.GLOBAL_METHODS)
    assert {"pixel accuracy", "IoU (object)", "Dice"} <= set(table.columns)


def test_low_above_high_is_corrected_with_a_warning():
    """A contradictory link (low > high) is corrected with a warning, not an error."""
    at = app_test(PAGE)
    at.query_params["method"] = "hysteresis"
    at.query_params["low"] = "100"
    at.query_params["high"] = "20"
    at.run()
    assert not at.exception
    assert any("Low must not exceed high" in w.value for w in at.warning)


def test_histogram_keeps_interior_bars_visible_when_ends_are_clipped():
    counts = np.full(256, 100)
    counts[0] = 5000
    fig = figs.histogram_figure(counts, thresholds=[120])
    assert fig.layout.yaxis.range[1] < 200
    assert "cut off" in fig.layout.annotations[-1].text
    assert figs.histogram_figure(counts, log=True).layout.yaxis.type == "log"


def test_step_pictures_pick_figures_for_curves_and_images_for_maps():
    coins = data.coins()
    sauvola = thr.threshold_sauvola(coins, window_size=15)
    assert [figs.step_kind(s) for s in sauvola.steps] == ["image"] * 4
    otsu = thr.threshold_otsu(coins)
    assert [figs.step_kind(s) for s in otsu.steps] == ["figure"] * 4 + ["image"]
    kind, rgb = figs.step_picture(coins, otsu.steps[-1])
    assert kind == "image" and rgb.shape == coins.shape + (3,)
    kind, fig = figs.step_picture(coins, otsu.steps[1])
    assert kind == "figure" and len(fig.data) == 2  # omega0 and omega1


def test_iteration_player_shows_the_histogram_of_each_iteration():
    at = app_test(PAGE)
    at.query_params["method"] = "isodata"
    at.query_params["step"] = "0"
    at.run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2  # the page histogram and the iteration's histogram
    assert any("mu0 = " in c.value for c in at.caption)


def test_otsu_formulas_are_marked_beyond_the_lecture(default_run):
    """The deck binarises by one threshold but states no rule for choosing t: the binarising
    rule is the lecture's, Otsu's criterion is cited to Otsu (1979)."""
    sources = formula_sources(default_run)
    assert len(sources) == 4 and sources[0].startswith("From the lecture: main deck")
    assert all(s.startswith("Beyond the lecture") and "Otsu 1979" in s for s in sources[1:])
