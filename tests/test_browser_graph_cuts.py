"""In a real browser: clicking seeds on the graph-cuts image re-runs the s-t cut."""

import re
import time
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, VIEWPORT, chromium, open_page, serve_app, wait_idle

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not available")

SUMMARY = re.compile(r"(\d+) foreground seed point\(s\) \(orange\), (\d+) background \(blue\); "
                     r"cut boundary in white; foreground: (\d+) px")


def _summary(page) -> tuple[int, int, int]:
    text = page.get_by_text(SUMMARY).first.inner_text(timeout=30_000)
    return tuple(int(v) for v in SUMMARY.search(text).groups())


def _click_and_wait(page, fx: float, fy: float, before: tuple) -> tuple:
    frame = page.frame_locator("iframe[title*='streamlit_image_coordinates']")
    image = frame.locator("#image")
    image.wait_for(timeout=30_000)
    box = image.bounding_box()
    image.click(position={"x": box["width"] * fx, "y": box["height"] * fy})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        wait_idle(page)
        now = _summary(page)
        if now != before:
            return now
        time.sleep(0.5)
    return _summary(page)


def test_clicked_seeds_change_the_cut():
    # one fg seed in the middle, one bg seed in the top-left corner of the 256 x 256 shapes scene
    with serve_app() as url, chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        open_page(page, url + "/")  # the first page after start-up may show "Page not found"
        open_page(page, url + "/graph-cuts?src=scene:shapes&seed=0&noise=0.08&view=maxflow"
                  "&fg=128.128&bg=5.5&seedmode=fg&lam=10")
        fg, bg, area = _summary(page)
        assert (fg, bg) == (1, 1)
        # a foreground seed on the dark background: the foreground colour model now covers
        # background grey levels, so the foreground grows
        fg2, bg2, area2 = _click_and_wait(page, 0.97, 0.97, (fg, bg, area))
        assert (fg2, bg2) == (2, 1)
        assert area2 != area
        assert "fg=128.128%3B" in page.url or "fg=128.128;" in page.url
        # switch the click mode to background and click the same corner region again
        page.get_by_text("background seeds", exact=True).click()
        wait_idle(page)
        fg3, bg3, area3 = _click_and_wait(page, 0.9, 0.97, (fg2, bg2, area2))
        assert (fg3, bg3) == (2, 2)
        assert "seedmode=bg" in page.url
