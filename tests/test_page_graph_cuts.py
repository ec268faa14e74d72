"""AppTest runs of pages/graph-cuts.py (no browser)."""

import re

import pytest

from tests.conftest import app_test, latex_texts, metric_values

PAGE = "pages/graph-cuts.py"
VIEWS = ["cuts", "hcs", "rncut", "maxflow"]


def _run(**query):
    at = app_test(PAGE)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


@pytest.fixture(scope="module")
def default_run():
    return _run()


def test_default_render_is_the_lecture_view_min_cut_vs_ncut(default_run):
    """The page opens on the lecture's own material: affinities, min cut vs normalized cut."""
    at = default_run
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Graph cuts"
    assert at.radio(key="graph-cuts:view").value == "cuts"
    assert any(r"aff(x,y)" in text for text in latex_texts(at))
    assert any("Ncut = " in text for text in latex_texts(at))
    assert [row for row in at.dataframe[0].value["partition"]] == ["minimum cut", "normalized cut"]
    sources = [c.value for c in at.caption if "the lecture" in c.value]
    assert any("From the lecture: main deck" in s for s in sources), sources
    assert {"Pixel accuracy", "mIoU", "segcore time"} <= set(metric_values(at))


def test_max_flow_view_with_metrics_and_formulas():
    at = _run(view="maxflow")
    assert not at.exception and not at.error
    assert any(r"\text{max-flow}" in text for text in latex_texts(at))
    assert any("Beyond the lecture" in c.value for c in at.caption)
    assert {"Pixel accuracy", "mIoU", "Dice", "segcore time"} <= set(metric_values(at))
    assert float(metric_values(at)["Pixel accuracy"]) > 0.95  # default seeds on the shapes scene
    assert len(at.get("plotly_chart")) >= 2  # seed colour models, energy


def _flow_value(at) -> float:
    text = next(t for t in latex_texts(at) if r"\text{max-flow}" in t)
    return float(re.search(r"max-flow\} = ([0-9.]+)", text).group(1))


def test_lambda_changes_the_cut():
    at = _run(view="maxflow")
    before = _flow_value(at)
    at.slider(key="graph-cuts:lam").set_value(200.0).run()
    assert not at.exception
    assert _flow_value(at) != before
    assert any(r"\lambda = 200" in t for t in latex_texts(at))


def test_seeds_from_the_url_and_clear():
    at = _run(view="maxflow", fg="128.128", bg="5.5;250.250")
    assert not at.exception and not at.warning
    caption = " ".join(c.value for c in at.caption)
    assert "1 foreground seed point(s)" in caption and "2 background" in caption
    at.button(key="gc_clear").click().run()
    assert not at.exception
    assert any("Mark at least one foreground and one background seed" in w.value for w in at.warning)


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_renders(view):
    at = _run(view=view)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert latex_texts(at) and "segcore time" in metric_values(at)


def test_cut_view_shows_the_min_cut_bias_and_reacts_to_sigma():
    at = _run(view="cuts", hood="8", si="40")
    frame = at.dataframe[0].value
    min_row, ncut_row = frame.iloc[0], frame.iloc[1]
    assert min_row["partition"] == "minimum cut" and ncut_row["partition"] == "normalized cut"
    assert min_row["cut(A,B)"] <= ncut_row["cut(A,B)"]
    assert min_row["Ncut"] > ncut_row["Ncut"]
    for _, row in frame.iterrows():
        assert row["Ncut"] == pytest.approx(2 - row["Nassoc"])
    before = latex_texts(at)
    at.slider(key="graph-cuts:si").set_value(120.0).run()
    assert not at.exception
    assert latex_texts(at) != before


def test_hcs_pixel_graph_and_lecture_graph():
    at = _run(view="hcs")
    assert any("Clusters:" in m.value and "[12]" in m.value for m in at.markdown)
    at.radio(key="graph-cuts:hcsg").set_value("pixels").run()
    assert not at.exception and not at.error
    assert "mIoU" in metric_values(at)


@pytest.mark.parametrize("key,value", [("view", "bad"), ("lam", "9999"), ("fg", "1.2.3"),
                                       ("bg", "9999.9999"), ("nodes", "nan"), ("hood", "16")])
def test_bad_query_value_warns_instead_of_failing(key, value):
    query = {key: value}
    if key in ("lam", "fg", "bg"):
        query["view"] = "maxflow"
    at = _run(**query)
    assert not at.exception, [e.value for e in at.exception]
    assert any(f"{key}=" in w.value for w in at.warning)


def test_try_this_preset_sets_the_widgets():
    at = _run()
    at.button(key="try_2").click().run()  # lambda 0 vs large
    assert not at.exception
    assert at.slider(key="graph-cuts:lam").value == 0.0
    at.button(key="try_0").click().run()  # min cut on the cameraman
    assert not at.exception
    assert at.radio(key="graph-cuts:view").value == "cuts"
    assert at.selectbox(key="graph-cuts:hood").value == "8"


def test_default_seeds_follow_the_scene_and_clicked_seeds_stay():
    at = _run(view="maxflow")
    first = at.query_params["fg"]
    at.slider(key="seed").set_value(3).run()  # another layout: the default fg seed moves
    assert not at.exception
    assert at.query_params["fg"] != first
    linked = _run(view="maxflow", fg="100.100", bg="3.3")
    linked.slider(key="seed").set_value(3).run()  # seeds given by the link are kept
    assert linked.query_params["fg"] == "100.100" and linked.query_params["bg"] == "3.3"
