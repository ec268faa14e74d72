"""In a real browser: clicking a cell of the 5 x 5 example recounts the metrics and the URL."""

from pathlib import Path

import pytest

from tests.browser import CHROMIUM, VIEWPORT, chromium, open_page, serve_app, wait_idle

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not available")


def _has(page, text: str) -> None:
    page.wait_for_function(f"() => document.body.innerText.includes({text!r})", timeout=30_000)


def test_clicking_a_prediction_cell_changes_the_numbers_and_the_link():
    with serve_app() as url, chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        open_page(page, url + "/panoptic-quality")
        _has(page, "6/25 = 0.240")
        _has(page, "6/12 = 0.500")
        # Streamlit draws a second, hidden copy of a button with a tooltip: take the first
        cell = page.locator(".st-key-eb_prediction_1_1 button").first
        cell.scroll_into_view_if_needed()
        cell.click()
        _has(page, "7/25 = 0.280")
        _has(page, "7/12 = 0.583")
        wait_idle(page)
        assert "epred=0000001111001110011100000" in page.url
        page.locator(".st-key-eb_preset_lecture button").first.click()
        _has(page, "6/25 = 0.240")
