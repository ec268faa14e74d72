"""In a real browser: a Challenge panel takes answers, reveals predictions and reports bad input."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from segcore import exercises
from tests.browser import (CHROMIUM, VIEWPORT, answer_exercise, chromium, open_page,
                           pick_exercise, serve_app, wait_idle)

WAIT = 30_000  # ms: a shared 2-core machine can be slow to rerun
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not available")


def test_a_prediction_is_revealed_once_and_bad_input_is_explained():
    otsu = next(e for e in exercises.for_page("thresholding", 7) if e.id == "otsu-t")
    truth = otsu.check("0").truth
    with serve_app() as url, chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        open_page(page, url + "/thresholding?challenge=7&exercise=otsu-t")  # first request
        assert page.locator("[data-testid='stException']").count() == 0
        box = answer_exercise(page, "otsu-t", "0")
        expect(box).to_contain_text(f"Not quite: Otsu's threshold is {truth:.0f}", timeout=WAIT)
        expect(box.locator("input[type='text']")).to_be_disabled()  # a committed prediction
        pick_exercise(page, "3. Beat Otsu")
        beat = answer_exercise(page, "beat-otsu", "ten")
        expect(beat).to_contain_text("'ten' is not a number", timeout=WAIT)
        beat = answer_exercise(page, "beat-otsu", "150")
        expect(beat).to_contain_text("Done: with t = 150", timeout=WAIT)
        page.get_by_role("button", name="New numbers").click()
        wait_idle(page)
        expect(page).to_have_url(re.compile(r"challenge=(?!7&|7$)\d+"), timeout=WAIT)
        pick_exercise(page, "2. Where will Otsu")
        expect(page.locator(".st-key-challenge_otsu-t input[type='text']")).to_be_enabled()
        assert page.locator("[data-testid='stException']").count() == 0
