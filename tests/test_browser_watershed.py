"""In a real browser: clicking the watershed result adds a marker, so one more basin floods."""

import re
import time
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, VIEWPORT, chromium, open_page, serve_app, wait_idle

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not available")

SUMMARY = re.compile(r"(\d+) basin\(s\); (\d+) flooding levels")


def _basins(page) -> int:
    text = page.get_by_text(SUMMARY).first.inner_text(timeout=30_000)
    return int(SUMMARY.search(text).group(1))


def test_click_on_the_result_adds_a_marker_and_a_basin():
    # two clicked markers and no background marker: two basins; the click lands on a new spot
    with serve_app() as url, chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        open_page(page, url + "/")
        open_page(page, url + "/watershed?src=scene:shapes&mk=click&marks=30.30;200.200&bg=0")
        assert _basins(page) == 2
        frame = page.frame_locator("iframe[title*='streamlit_image_coordinates']")
        image = frame.locator("#image")
        image.wait_for(timeout=30_000)
        box = image.bounding_box()
        image.click(position={"x": box["width"] * 0.9, "y": box["height"] * 0.1})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            wait_idle(page)
            if _basins(page) != 2:
                break
            time.sleep(0.5)
        assert _basins(page) == 3
        assert "marks=30.30%3B200.200%3B" in page.url or "marks=30.30;200.200;" in page.url
