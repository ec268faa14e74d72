"""The app in headless Chromium: every URL path renders, uploads of bad files fail politely."""

from pathlib import Path

import pytest

from segcore.images import load_image
from tests.browser import chromium, open_page, serve_app, wait_idle
from ui import catalog

MALFORMED = sorted((Path(__file__).parent / "data" / "malformed").iterdir())
PATHS = ["/"] + [f"/{p.url_path}" for p in catalog.PAGES + catalog.TOOLS]
NAV_LINKS = len(catalog.PAGES) + len(catalog.TOOLS) + 1
NAV_SECTIONS = ["SegLab", *catalog.GROUPS] + ([catalog.TOOLS_GROUP] if catalog.TOOLS else [])
# Streamlit's frontend probes <path>/_stcore/health and host-config to find its base
# URL on deep links; those 404s are expected. Other failed loads are reported
# through the response/requestfailed hooks below, so the console's generic
# "Failed to load resource" line is not counted twice.
BASE_PATH_PROBES = ("/_stcore/health", "/_stcore/host-config")
IGNORED_CONSOLE = ("Failed to load resource",)


def _bad_response(response) -> bool:
    return response.status >= 400 and not response.url.endswith(BASE_PATH_PROBES)


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def browser_page(browser):
    with serve_app() as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("requestfailed", lambda req: errors.append(f"request failed: {req.url}"))
        page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if _bad_response(r) else None)
        yield url, page, errors


@pytest.mark.parametrize("path", PATHS)
def test_every_url_path_renders_without_exception(browser_page, path):
    url, page, errors = browser_page
    errors.clear()
    open_page(page, url + path)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator("h1").count() >= 1, "the page shows its title"
    nav = page.locator("[data-testid='stSidebarNav'] a")
    assert nav.count() == NAV_LINKS, "the app's own navigation, not a pages/ folder"
    real = [e for e in errors if not any(s in e for s in IGNORED_CONSOLE)]
    assert not real, real


FRESH_LINKS = PATHS + ["/thresholding?method=sauvola&window=51", "/clustering?k=5&space=lab"]


@pytest.mark.parametrize("link", FRESH_LINKS)
def test_fresh_process_serves_a_deep_link_on_its_first_request(browser, link):
    """A lecturer restarts the app and sends a link: its first visitor gets the right page."""
    with serve_app() as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            open_page(page, url + link)
            assert page.get_by_text("Page not found").count() == 0
            assert page.locator("[data-testid='stException']").count() == 0
            nav = page.locator("[data-testid='stSidebarNav'] a")
            assert nav.count() == NAV_LINKS, "the grouped navigation, not pages/"
            headers = page.locator("[data-testid='stNavSectionHeader']").all_inner_texts()
            assert [h.strip() for h in headers] == NAV_SECTIONS
            path, _, query = link.partition("?")
            expected = "Home" if path == "/" else catalog.by_path(path[1:]).title
            assert page.locator("h1").first.inner_text().startswith(
                "SegLab" if path == "/" else expected)
            assert page.url.split("?")[0].rstrip("/") == (url + path).rstrip("/")
            for pair in filter(None, query.split("&")):
                assert pair in page.url, f"the link's {pair} survived the hand-over"
        finally:
            page.close()


def _expected_error(path: Path) -> bool:
    try:
        load_image(path.read_bytes())
    except ValueError:
        return True
    return False


def test_malformed_uploads_show_a_message_not_a_traceback(browser_page):
    url, page, _ = browser_page
    open_page(page, url + "/?src=upload")
    refused = 0
    for path in MALFORMED:
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
        if _expected_error(path):
            # the sidebar error names the file and explains in words
            alert = page.locator("[data-testid='stAlertContentError']", has_text=path.name)
            alert.first.wait_for(timeout=30_000)
            assert "Traceback" not in alert.first.inner_text()
            refused += 1
        else:
            page.get_by_text(path.name).first.wait_for(timeout=30_000)
        wait_idle(page)
        assert page.locator("[data-testid='stException']").count() == 0, path.name
    assert refused >= 6, "the corpus holds plenty of unusable files"
