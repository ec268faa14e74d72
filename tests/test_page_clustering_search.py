"""The clustering page's tiny-problem panel: exhaustive search vs Lloyd, distances (AppTest)."""

import pytest

from segcore.classical.kmeans_search import exhaustive_vs_lloyd, point_set
from tests.conftest import app_test, latex_texts, metric_values

PAGE = "pages/clustering.py"
GLOBAL, STARTS = "Global optimum J* (exhaustive)", "Starts reaching J*"


def _run(**query):
    at = app_test(PAGE)
    for key, value in {"tinyp": "1", **query}.items():
        at.query_params[key] = str(value)
    return at.run()


def _lloyd_metric(at):
    return next(m for m in at.metric if m.label.startswith("Lloyd from start"))


@pytest.fixture(scope="module")
def default_run():
    return _run()


def test_the_panel_is_one_click_away():
    at = app_test(PAGE).run()
    assert not at.exception
    assert any(s.value.startswith("Global optimum vs Lloyd") for s in at.subheader)
    assert GLOBAL not in metric_values(at)  # closed: nothing computed or drawn
    at.checkbox(key="clustering:tinyp").check().run()
    assert metric_values(at)[GLOBAL] == "3" and at.query_params["tinyp"] == "1"


def test_default_shows_a_start_stuck_in_a_local_optimum(default_run):
    at = default_run
    assert not at.exception and not at.error
    values = metric_values(at)
    assert values[GLOBAL] == "3"
    lloyd = _lloyd_metric(at)
    assert lloyd.label == "Lloyd from start 1 (points 1 2 3)" and lloyd.value == "28.3"
    assert values[STARTS] == "43 of 56"
    assert any(r"S(8,3) = 966" in t and "6{,}561" in t for t in latex_texts(at))
    assert any("local optimum" in c.value for c in at.caption)
    assert at.selectbox(key="clustering:dist").value == "euclidean"


def test_distance_choice_is_stated_and_changes_the_optimum(default_run):
    at = default_run
    at.selectbox(key="clustering:tiny").set_value("outlier").run()
    at.slider(key="clustering:tk").set_value(2).run()
    at.selectbox(key="clustering:dist").set_value("manhattan").run()
    assert not at.exception and not at.error
    assert metric_values(at)[GLOBAL] == "23"
    assert any("**k-medians**" in m.value and "**median**" in m.value for m in at.markdown)
    assert at.query_params["dist"] == "manhattan" and at.query_params["tiny"] == "outlier"
    at.selectbox(key="clustering:dist").set_value("cosine").run()
    assert not at.exception and not at.error  # 1-D points: a warning, not a traceback
    assert any("cosine distance compares directions" in w.value for w in at.warning)
    at.selectbox(key="clustering:tiny").set_value("rays").run()
    assert not at.exception and not at.warning
    assert any("**spherical k-means**" in m.value for m in at.markdown)
    expected = exhaustive_vs_lloyd(point_set("rays"), 2, "cosine").global_objective
    assert metric_values(at)[GLOBAL] == f"{expected:.4g}"


def test_a_start_from_the_link_is_replayed():
    at = _run(tstart=56)
    assert not at.exception
    expected = exhaustive_vs_lloyd(point_set("groups"), 3, start=55)
    lloyd = _lloyd_metric(at)
    assert lloyd.label == "Lloyd from start 56 (points 6 7 8)"
    assert lloyd.value == f"{expected.objective:.4g}"


@pytest.mark.parametrize("key, value", [("tiny", "../etc"), ("tk", "9"), ("dist", "chebyshev"),
                                        ("tstart", "-3")])
def test_bad_link_values_warn_and_fall_back(key, value):
    at = _run(**{key: value})
    assert not at.exception
    assert any(f"{key}=" in w.value for w in at.warning)
    assert metric_values(at)[GLOBAL] == "3"
