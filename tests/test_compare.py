"""The compare page (pages/compare.py): ranks every classical method on a scene, and each
row's link opens its page on exactly the row's numbers."""

from urllib.parse import parse_qsl, urlparse

import numpy as np
import pytest

from segcore import scenes
from segcore.classical import graph_cuts as G
from tests.conftest import app_test, metric_values
from ui import catalog, compare
from ui.state import to_text

PAGE = "pages/compare.py"
SCENES = ["scene:shapes", "scene:texture_mosaic", "scene:street"]
SCORES = {"Pixel accuracy": "Pixel accuracy", "mIoU": "mIoU", "Dice": "Dice"}


@pytest.fixture(scope="module", params=SCENES)
def compared(request):
    at = app_test(PAGE)
    at.query_params["src"] = request.param
    at.run()
    return request.param, at


def _fmt(value) -> str:
    return "n/a" if np.isnan(value) else f"{value:.3f}"


def test_compare_is_a_tool_in_the_catalog():
    page = catalog.by_path("compare")
    assert page in catalog.TOOLS and page.group == catalog.TOOLS_GROUP
    assert page.file == PAGE


def test_the_page_ranks_every_method(compared):
    _, at = compared
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    expected = {"Rank", "Method", "Page", "Pixel accuracy", "mIoU", "Dice", "Boundary F",
                "Time (ms)", "Open"}
    assert expected <= set(table.columns)
    skipped = [c.value for c in at.caption if c.value.startswith("Skipped")]
    assert len(table) + len(skipped) == len(compare.METHODS)
    assert len(table) >= len(compare.METHODS) - 1
    assert list(table["Rank"]) == list(range(1, len(table) + 1))
    miou = table["mIoU"].to_numpy()
    assert np.all(np.diff(miou) <= 0), "ranked by mIoU"
    assert table["Boundary F"].between(0, 1).all()
    assert len(at.get("image")) >= len(table)  # the overlay grid (plus the sidebar thumbnail)


def test_every_row_link_reproduces_the_row_on_its_page(compared):
    """Open each row's link as its page would be opened and read the metrics panel."""
    src, at = compared
    table = at.dataframe[0].value
    for _, row in table.iterrows():
        url = urlparse(row["Open"])
        query = dict(parse_qsl(url.query))
        assert query["src"] == src and {"seed", "noise"} <= set(query)
        page = app_test(catalog.by_path(url.path.strip("/")).file)
        for key, value in query.items():
            page.query_params[key] = value
        page.run()
        assert not page.exception, (row["Method"], [e.value for e in page.exception])
        assert not page.warning or all("not valid" not in w.value for w in page.warning), (
            row["Method"], [w.value for w in page.warning])
        shown = metric_values(page)
        for column, label in SCORES.items():
            assert shown.get(label) == _fmt(row[column]), (row["Method"], label, shown)


def test_no_ground_truth_warns_and_stops():
    at = app_test(PAGE)
    at.query_params["src"] = "sample:coins"
    at.run()
    assert not at.exception
    assert any("no ground truth" in w.value for w in at.warning)
    assert not at.dataframe


def test_ground_truth_seeds_lie_inside_their_side():
    scene = scenes.make_scene("shapes", seed=0, size=128)
    fg, bg = G.ground_truth_seeds(scene.foreground, scene.void)
    assert fg.any() and bg.any()
    assert not (fg & ~scene.foreground).any() and not (bg & scene.foreground).any()
    street = scenes.make_scene("street", seed=0, size=128)
    fg, bg = G.ground_truth_seeds(street.foreground, street.void)
    assert not (fg & street.void).any()


def test_methods_from_the_link():
    at = app_test(PAGE)
    at.query_params["src"] = "scene:shapes"
    at.query_params["methods"] = "otsu,kmeans-texture,nonsense"
    at.run()
    assert not at.exception
    assert any("unknown methods" in w.value and "nonsense" in w.value for w in at.warning)
    assert list(at.dataframe[0].value["Method"].sort_values()) == ["Otsu", "k-means (texture)"]
    assert at.query_params["methods"] in ("otsu,kmeans-texture", ["otsu,kmeans-texture"])


# The keys that pick a method's mode on its page; every other setting of a row is a default.
SELECTORS = ("method", "space", "view", "mfseeds")


@pytest.mark.parametrize("method", compare.METHODS, ids=lambda m: m.key)
def test_rows_use_their_pages_defaults(method):
    """Opened with only the keys that pick the method, the page's widgets hold the row's values."""
    page = catalog.by_path(method.page)
    at = app_test(page.file)
    at.query_params["src"] = "scene:shapes"
    for key in SELECTORS:
        if key in method.query:
            at.query_params[key] = method.query[key]
    at.run()
    assert not at.exception
    stem = page.file.split("/")[-1].removesuffix(".py")
    for key, value in method.query.items():
        shown = at.session_state[f"{stem}:{key}"]
        assert to_text(shown) == value, (method.key, key, shown)


def test_graph_cuts_ground_truth_seeds_need_a_scene():
    at = app_test("pages/graph-cuts.py")
    at.query_params["src"] = "sample:coins"
    at.query_params["view"] = "maxflow"
    at.query_params["mfseeds"] = "gt"
    at.run()
    assert not at.exception and not at.error
    assert any("no ground truth" in w.value for w in at.warning)


def _widget(at, key: str):
    for kind in ("slider", "select_slider", "selectbox", "radio", "checkbox"):
        found = [w for w in at.get(kind) if w.key == key]
        if found:
            return kind, found[0]
    raise AssertionError(f"no widget {key}")


@pytest.mark.parametrize("kind", list(compare.TUNABLE))
def test_link_settings_use_the_pages_own_choices_and_ranges(kind):
    """TUNABLE is what the page's widgets offer: the same options, range and step."""
    for setting, allowed in compare.TUNABLE[kind].items():
        method = next(m for m in compare.METHODS if m.kind == kind and setting in m.query)
        at = app_test(catalog.by_path(method.page).file)
        for key, value in method.query.items():
            at.query_params[key] = value
        at.run()
        widget_kind, widget = _widget(at, f"{method.page}:{setting}")
        if widget_kind == "checkbox":
            assert allowed == ("0", "1"), setting
        elif isinstance(allowed[0], str):  # the widget shows format_func(option)
            assert [widget.format_func(v) for v in allowed] == list(widget.options), setting
        else:
            assert (widget.min, widget.max, widget.step) == pytest.approx(allowed), setting


def test_a_link_changes_one_methods_settings_and_its_row_link_agrees():
    at = app_test(PAGE)
    at.query_params.update({"src": "scene:shapes", "methods": "otsu,kmeans-rgb",
                            "otsu.polarity": "dark", "kmeans-rgb.k": "3.4"})
    at.run()
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    table = at.dataframe[0].value.set_index("Method")
    links = {name: dict(parse_qsl(urlparse(url).query)) for name, url in table["Open"].items()}
    assert links["Otsu"]["polarity"] == "dark"
    assert links["k-means (RGB)"]["k"] == "3", "snapped to the slider's grid"
    page = app_test("pages/clustering.py")
    page.query_params.update(links["k-means (RGB)"])
    page.run()
    assert metric_values(page)["mIoU"] == _fmt(table.loc["k-means (RGB)", "mIoU"])


def test_bad_link_settings_warn_and_keep_the_defaults():
    at = app_test(PAGE)
    at.query_params.update({"src": "scene:shapes", "methods": "kmeans-rgb",
                            "kmeans-rgb.k": "999", "kmeans-rgb.space": "lab",
                            "kmeans-rgb.rs": "../etc"})
    at.run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "kmeans-rgb.k=999" in warnings and "kmeans-rgb.rs=../etc" in warnings
    assert "kmeans-rgb.space" in warnings, "the space is the method itself, not a setting"
    link = dict(parse_qsl(urlparse(at.dataframe[0].value["Open"][0]).query))
    assert link["k"] == "5" and link["space"] == "rgb" and link["rs"] == "0"
