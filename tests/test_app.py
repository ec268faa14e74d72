"""AppTest runs of app.py, the home page and every lecture page (no browser)."""

import ast

import pytest

from tests.conftest import ROOT, app_test
from ui import catalog

TIMEOUT = 120
# home.py uses st.page_link, which needs the navigation of app.py: it runs through app.py.
PAGE_FILES = [p.file for p in catalog.PAGES + catalog.TOOLS]


def test_catalog_matches_design_url_paths():
    assert [p.url_path for p in catalog.PAGES] == [
        "thresholding", "region-growing", "split-merge", "watershed", "clustering", "graph-cuts",
        "fcn-upsampling", "atrous-convolution", "mask-rcnn", "panoptic-quality"]
    assert {p.group for p in catalog.PAGES} == set(catalog.GROUPS)


def test_page_files_are_named_like_their_url_paths():
    """A fresh process runs pages/<url-path>.py directly before handing over (ui.navigation):
    a file named otherwise would make its first visitor see "Page not found"."""
    for page in catalog.PAGES + catalog.TOOLS:
        assert page.file == f"pages/{page.url_path}.py"
        assert (ROOT / page.file).is_file()


@pytest.mark.parametrize("file", ["app.py", "pages/home.py"] + PAGE_FILES)
def test_scripts_import_ui_process_before_any_other_project_module(file):
    """Concurrent first sessions of a fresh process: the one that imports ``ui.process`` first
    warms the libraries while the others wait on the import lock. A script that imported
    segcore first could see a half-imported torch or pandas of another thread."""
    tree = ast.parse((ROOT / file).read_text())
    project = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
               and (node.names[0].name if isinstance(node, ast.Import) else node.module or ""
                    ).split(".")[0] in ("segcore", "ui")]
    first = project[0]
    assert isinstance(first, ast.Import) and first.names[0].name == "ui.process", \
        ast.unparse(first)


def test_app_runs_home():
    at = app_test("app.py", TIMEOUT).run()
    assert not at.exception
    assert "SegLab" in at.title[0].value
    assert len(at.get("page_link")) == len(catalog.PAGES) + len(catalog.TOOLS)


@pytest.mark.parametrize("file", PAGE_FILES)
def test_every_page_runs_without_exception(file):
    at = app_test(file, TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, "every page has a title"


def test_picker_rejects_a_path_in_the_query_string():
    at = app_test("tests/picker_page.py", TIMEOUT)
    at.query_params["src"] = "../../etc/passwd"
    at.query_params["seed"] = "1e99"
    at.run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "src=" in warnings and "seed=" in warnings


def test_picker_choice_persists_and_scene_has_gt_toggle():
    at = app_test("tests/picker_page.py", TIMEOUT).run()
    at.sidebar.selectbox(key="src").set_value("scene:crack").run()
    assert at.query_params["src"] == ["scene:crack"] or at.query_params["src"] == "scene:crack"
    gt = at.sidebar.checkbox(key="gt")
    gt.check().run()
    assert not at.exception
    assert any("Ground truth" in c.value for c in at.sidebar.caption)


def test_picker_sample_loads():
    at = app_test("tests/picker_page.py", TIMEOUT)
    at.query_params["src"] = "sample:coins"
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox(key="src").value == "sample:coins"
    assert at.title[0].value == "coins" or "coin" in at.title[0].value.lower()


def test_scene_key_changes_with_seed_and_noise():
    at = app_test("tests/picker_page.py", TIMEOUT).run()
    first = at.markdown[0].value
    at.sidebar.slider(key="seed").set_value(5).run()
    assert at.markdown[0].value != first and "seed=5" in at.markdown[0].value
    assert not at.exception
