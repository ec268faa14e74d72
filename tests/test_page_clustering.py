"""AppTest runs of pages/clustering.py (no browser)."""

import pytest

from tests.conftest import app_test, formula_sources, latex_texts, metric_values

PAGE = "pages/clustering.py"


def _ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title and at.title[0].value == "Clustering"


def _run(**query):
    at = app_test(PAGE)
    for key, value in query.items():
        at.query_params[key] = str(value)
    return at.run()


@pytest.fixture(scope="module")
def default_run():
    return _run()


def test_default_render_has_formulas_overlay_feature_space_and_metrics(default_run):
    at = default_run
    _ok(at)
    assert at.selectbox(key="clustering:space").value == "rgb" and at.selectbox(key="clustering:method").value == "kmeans"
    assert any("SSE =" in text and "k = 5" in text for text in latex_texts(at))
    assert any(r"\arg\min_j" in text for text in latex_texts(at))
    assert {"Pixel accuracy", "mIoU", "segcore time"} <= set(metric_values(at))
    charts = at.get("plotly_chart")
    assert len(charts) >= 3  # feature space (step by step), SSE curve, elbow
    assert at.checkbox(key="clustering:view3d").value is False  # a flat scatter unless 3D is asked for
    assert len(at.get("image")) >= 3  # overlay, cluster mask, step picture
    assert len(at.button) >= 4  # play + try-this presets


@pytest.mark.parametrize("method", ["meanshift", "gmm", "agglomerative", "dbscan"])
def test_every_alternative_method_renders(method):
    at = _run(method=method)
    _ok(at)
    assert at.selectbox(key="clustering:method").value == method
    assert latex_texts(at) and "mIoU" in metric_values(at)


@pytest.mark.parametrize("space", ["intensity", "lab", "texture"])
def test_every_feature_space_renders_with_its_feature_maps(space):
    at = _run(space=space, lam="0.5" if space == "intensity" else "0", maps="1")
    _ok(at)
    dim = {"intensity": 3, "lab": 3, "texture": 30}[space]
    assert any(f"D = {dim}" in text for text in latex_texts(at))
    captions = [img.caption for img in at.get("image") if getattr(img, "caption", None)]
    assert len(at.get("image")) >= 3 + min(dim, 8), captions


def _feature_chart(at) -> dict:
    import json
    chart = next(c for c in at.get("plotly_chart") if c.key == "step_feature_space")
    return json.loads(chart.proto.spec)


def test_feature_space_is_flat_by_default_and_3d_on_request(default_run):
    flat = _feature_chart(default_run)
    assert {trace["type"] for trace in flat["data"]} == {"scatter"}
    at = _run(view3d="1")
    _ok(at)
    assert {trace["type"] for trace in _feature_chart(at)["data"]} == {"scatter3d"}


def test_changing_k_and_space_changes_the_result(default_run):
    at = _run()
    before = latex_texts(at)[0], metric_values(at)["mIoU"]
    at.slider(key="clustering:k").set_value(2).run()
    _ok(at)
    assert "k = 2" in latex_texts(at)[0] and latex_texts(at)[0] != before[0]
    at.selectbox(key="clustering:space").set_value("intensity").run()
    _ok(at)
    assert (latex_texts(at)[0], metric_values(at)["mIoU"]) != before
    assert any("D = 1" in text for text in latex_texts(at))


def test_texture_presets_show_the_lesson():
    at = app_test(PAGE).run()
    at.button(key="try_0").click().run()  # texture mosaic, intensity features
    _ok(at)
    assert at.selectbox(key="clustering:space").value == "intensity"
    intensity = float(metric_values(at)["mIoU"])
    at.button(key="try_1").click().run()  # same mosaic, filter-bank features
    _ok(at)
    assert at.selectbox(key="clustering:space").value == "texture"
    assert float(metric_values(at)["mIoU"]) >= intensity + 0.25


@pytest.mark.parametrize("key,value", [("k", "99"), ("space", "hsv"), ("method", "spectral"),
                                       ("lam", "-1"), ("restarts", "abc"), ("show", "40")])
def test_bad_query_value_warns_instead_of_failing(key, value):
    at = _run(**{key: value})
    _ok(at)
    assert any(f"{key}=" in w.value for w in at.warning), [w.value for w in at.warning]


def test_street_scene_scores_without_a_void_class():
    """VOID is unlabelled, not a class: no "void" IoU, mIoU over the five real classes."""
    at = _run(src="scene:street")
    _ok(at)
    captions = [c.value for c in at.caption if c.value.startswith("IoU per class")]
    assert captions and "void" not in captions[0] and "sky" in captions[0], captions


def test_formula_sources_kmeans_lecture_others_beyond(default_run):
    """k-means, its SSE and the feature vector are the main deck's; GMM's formulas are not."""
    kmeans = formula_sources(default_run)
    assert len(kmeans) == 5 and all(s.startswith("From the lecture: main deck") for s in kmeans)
    assert 'slide "Feature Space: color value (3D)"' in kmeans[1]
    gmm = formula_sources(_run(method="gmm"))
    assert [s.startswith("Beyond") for s in gmm] == [True, False, True]
