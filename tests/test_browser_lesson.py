"""In a real browser: a lesson link with 5 demos across 3 pages opens and walks them in order."""

import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser import CHROMIUM, VIEWPORT, chromium, open_page, serve_app, wait_idle
from ui import catalog, lesson

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not available")

# (page, settings, widget kind, widget label, what the widget shows)
DEMOS = [
    ("thresholding", {"method": "otsu"}, "stSelectbox", "Method", "Otsu (between-class variance)"),
    ("thresholding", {"method": "manual", "t": "90"}, "stSlider", "Threshold t", "90"),
    ("clustering", {"k": "5", "space": "rgb"}, "stSlider", "Clusters k", "5"),
    ("clustering", {"k": "3", "space": "texture"}, "stSelectbox", "Feature space",
     "Texture: filter bank (30D)"),
    ("split-merge", {"pred": "range", "minb": "16"}, "stSelectbox", "Predicate P(R)",
     "Range: max - min <= r"),
]
LESSON = lesson.Lesson("Walk through three pages", tuple(
    lesson.make_demo(page, values, f"demo note {i + 1}")
    for i, (page, values, *_) in enumerate(DEMOS)))


def _widget_shows(page, kind: str, label: str) -> str:
    """What the widget with ``label`` shows: a slider's value or a select box's text."""
    box = page.locator(f"[data-testid='{kind}']").filter(has_text=label).first
    if kind == "stSlider":
        return box.locator("input[type='range']").first.input_value()
    return box.locator("input[role='combobox']").first.input_value()


def _wait_for_demo(page, index: int, timeout: float = 90.0) -> None:
    """Wait until the URL names demo ``index`` and the run has finished."""
    deadline = time.monotonic() + timeout
    while parse_qs(urlsplit(page.url).query).get("demo") != [str(index)]:
        if time.monotonic() > deadline:
            raise TimeoutError(f"demo {index} did not open (URL {page.url})")
        page.wait_for_timeout(300)  # not time.sleep: playwright updates page.url meanwhile
    wait_idle(page)


def _check_demo(page, index: int, code: str) -> None:
    name, values, kind, label, shown = DEMOS[index]
    _wait_for_demo(page, index)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("h1").first.inner_text().strip().startswith(catalog.by_path(name).title)
    assert urlsplit(page.url).path.endswith("/" + name)
    query = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
    assert query["lesson"] == code
    assert {k: query.get(k) for k in values} == values, query
    assert _widget_shows(page, kind, label) == shown
    bar = page.locator(".st-key-lesson_bar").inner_text()
    assert f"demo {index + 1} of {len(DEMOS)}: demo note {index + 1}" in bar
    assert "Lesson: Walk through three pages" in bar
    assert not page.get_by_text("is not valid").count()


def _click(page, name: str) -> None:
    page.locator(".st-key-lesson_bar").get_by_role("button", name=name).click()


def test_lesson_link_walks_five_demos_across_three_pages():
    code = lesson.encode(LESSON)
    with serve_app() as url, chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        open_page(page, url + "/")  # the first page after start-up may show "Page not found"
        open_page(page, url + lesson.lesson_url(code))
        assert page.locator("h1").first.inner_text().strip().startswith("Lesson")
        links = page.locator("[data-testid='stMarkdown'] a[href*='demo=']")
        assert links.count() == len(DEMOS)
        assert "/clustering?k=3&space=texture" in links.nth(3).get_attribute("href")
        page.get_by_role("button", name="Start the lesson").click()
        for index in range(len(DEMOS)):
            _check_demo(page, index, code)
            if index < len(DEMOS) - 1:
                _click(page, "Next")
        assert page.locator(".st-key-lesson_bar").get_by_role("button", name="Next").is_disabled()
        _click(page, "Previous")
        _check_demo(page, len(DEMOS) - 2, code)
        _click(page, "Previous")
        _check_demo(page, len(DEMOS) - 3, code)
        _click(page, "Outline")  # back to the lesson page, same session
        deadline = time.monotonic() + 60
        while not urlsplit(page.url).path.endswith("/lesson") and time.monotonic() < deadline:
            page.wait_for_timeout(300)
        wait_idle(page)
        assert parse_qs(urlsplit(page.url).query) == {"lesson": [code]}
        assert page.locator("h1").first.inner_text().strip().startswith("Lesson")
        assert page.get_by_role("button", name="Start the lesson").count() == 1


def test_a_demo_link_in_a_fresh_session_lands_on_its_settings():
    code = lesson.encode(LESSON)
    with serve_app() as url, chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        open_page(page, url + "/")
        open_page(page, url + lesson.demo_url(code, LESSON, 1))
        _check_demo(page, 1, code)
