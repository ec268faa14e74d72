"""In a real browser: a Challenge panel takes answers, reveals predictions and reports bad input."""

from pathlib import Path

import pytest

from segcore import exercises
from tests.browser import (CHROMIUM, VIEWPORT, answer_exercise, chromium, open_page, serve_app,
                           wait_idle)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not available")


def test_a_prediction_is_revealed_once_and_bad_input_is_explained():
    otsu = next(e for e in exercises.for_page("thresholding", 7) if e.id == "otsu-t")
    truth = otsu.check("0").truth
    with serve_app() as url, chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        open_page(page, url + "/thresholding?challenge=7")  # the first request of the process
        assert page.locator("[data-testid='stException']").count() == 0
        box = answer_exercise(page, "otsu-t", "0")
        text = box.inner_text()
        assert f"Not quite: Otsu's threshold is {truth:.0f}" in text
        assert box.locator("input[type='text']").is_disabled()  # a committed prediction stays
        beat = answer_exercise(page, "beat-otsu", "ten")
        assert "'ten' is not a number" in beat.inner_text()
        beat = answer_exercise(page, "beat-otsu", "150")
        assert "Done: with t = 150" in beat.inner_text()
        page.get_by_role("button", name="New numbers").click()
        wait_idle(page)
        assert "challenge=7" not in page.url and "challenge=" in page.url
        assert page.locator(".st-key-challenge_otsu-t input[type='text']").is_enabled()
        assert page.locator("[data-testid='stException']").count() == 0
