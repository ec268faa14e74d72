"""Presentation mode in headless Chromium: every page opens with ?present=1, no exception,
the sidebar collapsed on first load, the large-type style applied."""

import pytest

from tests.browser import chromium, open_page, serve_app
from ui import catalog, present

PATHS = ["/"] + [f"/{p.url_path}" for p in catalog.PAGES + catalog.TOOLS]
SIDEBAR = "[data-testid='stSidebar']"


def _collapsed(page) -> bool:
    """Streamlit 1.67 keeps the collapsed sidebar in the DOM, 0 px wide and off-screen
    (no aria-expanded attribute): collapsed means not visible or zero width."""
    sidebar = page.locator(SIDEBAR)
    if sidebar.count() == 0 or not sidebar.first.is_visible():
        return True
    if sidebar.first.get_attribute("aria-expanded") == "false":
        return True
    box = sidebar.first.bounding_box()
    return box is None or box["width"] < 5 or box["x"] + box["width"] <= 0


@pytest.fixture(scope="module")
def app():
    with serve_app() as url, chromium() as browser:
        yield url, browser


@pytest.mark.parametrize("path", PATHS)
def test_page_opens_presenting_with_the_sidebar_collapsed(app, path):
    url, browser = app
    page = browser.new_page(viewport={"width": 1280, "height": 720})  # a fresh session
    try:
        open_page(page, f"{url}{path}?present=1")
        assert page.locator("[data-testid='stException']").count() == 0
        assert _collapsed(page), "presentation mode starts with the sidebar collapsed"
        assert page.locator(f"style.{present.MARKER}").count() >= 1, "the large-type style"
        size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
        assert size >= 20
        assert "present=1" in page.url
    finally:
        page.close()


def test_without_present_the_sidebar_is_open(app):
    url, browser = app
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        open_page(page, f"{url}/thresholding")
        assert not _collapsed(page)
        assert page.locator(f"style.{present.MARKER}").count() == 0
    finally:
        page.close()
