"""In a real browser: clicking the region-growing image adds a seed and grows a region."""

import re
import time
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, VIEWPORT, chromium, open_page, serve_app, wait_idle

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not available")

SUMMARY = re.compile(r"(\d+) seed region\(s\) from (\d+) seed pixel\(s\); grown: (\d+) px")


def _summary(page):
    text = page.get_by_text(SUMMARY).first.inner_text(timeout=30_000)
    regions, _, grown = SUMMARY.search(text).groups()
    return int(regions), int(grown)


def test_click_on_the_image_grows_a_region():
    # one seed at the top left; the click lands in the dark background at the bottom right
    with serve_app() as url, chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        open_page(page, url + "/")  # the first page after start-up may show "Page not found"
        open_page(page, url + "/region-growing?src=scene:crack&rule=click&seeds=5.5"
                  "&crit=fixed&T=40&merge=0")
        regions, grown = _summary(page)
        assert regions == 1
        frame = page.frame_locator("iframe[title*='streamlit_image_coordinates']")
        image = frame.locator("#image")
        image.wait_for(timeout=30_000)
        box = image.bounding_box()
        image.click(position={"x": box["width"] * 0.9, "y": box["height"] * 0.9})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            wait_idle(page)
            if _summary(page) != (regions, grown):
                break
            time.sleep(0.5)
        new_regions, new_grown = _summary(page)
        assert new_regions == 2
        assert new_grown > grown
        assert "seeds=5.5%3B" in page.url or "seeds=5.5;" in page.url
