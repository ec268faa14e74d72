"""Lesson links: codes round-trip, bad codes warn, the ready lesson works on every page."""

import base64
import json
import re
import zlib

import pytest

from tests.conftest import app_test
from ui import catalog, lesson, panels, presets

DEMOS = (
    lesson.make_demo("thresholding", {"method": "otsu"}, "Otsu first"),
    lesson.make_demo("thresholding", {"method": "manual", "t": "90"}, "then t = 90 by hand"),
    lesson.make_demo("clustering", {"k": "5", "init": "k-means++"}, "Ünïcode and symbols: <b>*"),
    lesson.make_demo("panoptic-quality", {"relabel": "none", "void": "0.1"}, ""),
    lesson.make_demo("region-growing", {"seeds": "127.102;5.5", "merge": "0"}, "two seeds"),
)
WALK = lesson.Lesson("A walk: three pages", DEMOS)


def _code(payload) -> str:
    """A code built by hand (bypasses encode's validation), like a forged link."""
    raw = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
    return base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("=")


def _payload(page="thresholding", values=None, n=1, title="T"):
    return {"v": 1, "t": title, "d": [[page, values or {"method": "otsu"}, "note"]] * n}


def test_round_trip():
    code = lesson.encode(WALK)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", code)
    assert lesson.decode(code) == WALK
    assert lesson.decode(lesson.encode(presets.lecture_outline())) == presets.lecture_outline()


BAD_CODES = {
    "empty": "",
    "garbage": "this-is-not-a-lesson",
    "not base64 characters": "abc/../def",
    "too long": "A" * (lesson.MAX_CODE + 1),
    "cut short": lesson.encode(WALK)[:-12],
    "not json": _code(b"\x00\x01 not json"),
    "json list": _code([1, 2, 3]),
    "other version": _code({**_payload(), "v": 2}),
    "unknown page": _code(_payload(page="no-such-page")),
    "a tool page": _code(_payload(page="lesson")),
    "a path as page": _code(_payload(page="../pages/thresholding")),
    "a path in a value": _code(_payload(values={"src": "../../etc/passwd"})),
    "an absolute path": _code(_payload(values={"src": "/etc/passwd"})),
    "a backslash path": _code(_payload(values={"src": "C:\\temp\\x.png"})),
    "a number value": _code(_payload(values={"t": 90})),
    "a bad key": _code(_payload(values={"a b": "1"})),
    "a lesson key": _code(_payload(values={"demo": "1"})),
    "a long value": _code(_payload(values={"t": "9" * 101})),
    "too many demos": _code(_payload(n=lesson.MAX_DEMOS + 1)),
    "no demos": _code(_payload(n=0)),
    "long title": _code(_payload(title="x" * 500)),
    "control characters": _code(_payload(title="a\x1b[31mb")),
    "zip bomb": _code({"v": 1, "t": "x" * 1_000_000, "d": []}),
}


@pytest.mark.parametrize("name", BAD_CODES)
def test_bad_codes_raise_lesson_error_only(name):
    with pytest.raises(lesson.LessonError):
        lesson.decode(BAD_CODES[name])


def test_zip_bomb_code_is_small_but_refused():
    assert len(BAD_CODES["zip bomb"]) < lesson.MAX_CODE
    with pytest.raises(lesson.LessonError, match="too large"):
        lesson.decode(BAD_CODES["zip bomb"])


def test_encode_refuses_what_decode_would_refuse():
    with pytest.raises(lesson.LessonError):
        lesson.encode(lesson.Lesson("t", (lesson.Demo("thresholding", {"src": "../x"}, ""),)))
    with pytest.raises(lesson.LessonError):
        lesson.encode(lesson.Lesson("t", ()))


def test_demo_from_link_uses_the_query_and_chooses_the_page_by_its_path():
    demo = lesson.demo_from_link("https://seglab.example.org/prefix/clustering/?k=5&space=texture"
                                 "&lesson=abc&demo=2", "note")
    assert demo == lesson.Demo("clustering", {"k": "5", "space": "texture"}, "note")
    assert lesson.demo_from_link("/split-merge").values == {}
    for bad in ("/etc/passwd?k=5", "https://example.org/?k=5", "/clustering?src=../../x",
                "/lesson?lesson=abc"):
        with pytest.raises(lesson.LessonError):
            lesson.demo_from_link(bad)


def test_presets_cover_every_lecture_page():
    assert list(presets.PRESETS) == [p.url_path for p in catalog.PAGES]
    for page, experiments in presets.PRESETS.items():
        assert len(experiments) >= 2
        for preset in experiments:  # every preset is a valid demo
            demo = lesson.demo_from_preset(page, preset)
            assert demo.note == preset.title and set(demo.values) == set(preset.values)


def test_the_ready_lesson_follows_the_lecture_and_names_its_decks():
    outline = presets.lecture_outline()
    assert outline.title == "The lecture outline"
    pages = [d.page for d in outline.demos]
    order = [p.url_path for p in catalog.PAGES]
    assert sorted(set(pages), key=order.index) == order, "every lecture page"
    assert pages == sorted(pages, key=order.index), "in lecture order"
    decks = [name.split()[0] for name in panels.DECKS.values()]
    for demo in outline.demos:
        assert re.match(r"(Main|Seminar|Short|Panoptic|Practical)( and \w+)? decks?, ", demo.note)
    assert all(any(d in demo.note.lower() for demo in outline.demos) for d in decks)


def _run_page(file: str, query: dict) -> object:
    at = app_test(file)
    at.query_params.update(query)
    return at.run()


@pytest.mark.parametrize("index", range(len(presets.lecture_outline().demos)))
def test_every_ready_demo_is_accepted_by_its_page(index):
    outline = presets.lecture_outline()
    code = lesson.encode(outline)
    demo = outline.demos[index]
    at = _run_page(catalog.by_path(demo.page).file,
                   {**demo.values, lesson.LESSON_KEY: code, lesson.DEMO_KEY: str(index)})
    assert not at.exception
    assert not [w.value for w in at.warning if "not valid" in w.value or "lesson" in w.value]
    bar = [m.value for m in at.markdown if m.value.startswith("**Lesson: The lecture outline**")]
    assert bar and f"demo {index + 1} of {len(outline.demos)}" in bar[0]
    for key, value in demo.values.items():  # the page keeps the demo's settings in its URL
        if key in at.query_params:
            assert at.query_params[key] == value, key


def test_lesson_bar_buttons_at_the_ends():
    code = lesson.encode(WALK)
    at = _run_page("pages/thresholding.py", {"method": "otsu", "lesson": code, "demo": "0"})
    assert not at.exception
    assert at.button(key="lesson_previous").disabled
    assert not at.button(key="lesson_next").disabled
    assert at.button(key="lesson_outline").label == "Outline"
    at = _run_page("pages/thresholding.py", {"lesson": code, "demo": str(len(DEMOS) - 1)})
    assert at.button(key="lesson_next").disabled
    bar = next(m.value for m in at.markdown if m.value.startswith("**Lesson:"))
    assert "demo 5 of 5: two seeds" in bar


@pytest.mark.parametrize("query", [
    {"lesson": "garbage", "demo": "0"},
    {"lesson": BAD_CODES["a path in a value"], "demo": "0"},
    {"lesson": BAD_CODES["unknown page"], "demo": "0"},
    {"lesson": BAD_CODES["too long"], "demo": "0"},
    {"lesson": lesson.encode(WALK), "demo": "7"},
    {"lesson": lesson.encode(WALK), "demo": "-1"},
])
def test_a_bad_lesson_link_warns_and_the_page_still_works(query):
    at = _run_page("pages/thresholding.py", query)
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any("lesson link that does not work" in w for w in warnings), warnings
    assert at.title[0].value == "Thresholding"
    assert not [m for m in at.markdown if m.value.startswith("**Lesson:")]


def test_lesson_page_with_a_bad_code_warns():
    at = _run_page("pages/lesson.py", {"lesson": BAD_CODES["a path in a value"]})
    assert not at.exception
    assert any("does not work" in w.value and "path" in w.value for w in at.warning)


def test_lesson_page_shows_the_outline_of_a_link():
    code = lesson.encode(WALK)
    at = _run_page("pages/lesson.py", {"lesson": code})
    assert not at.exception and not at.warning
    assert at.code[0].value == lesson.lesson_url(code)
    links = [m.value for m in at.markdown if "&demo=" in m.value]
    assert len(links) == len(DEMOS)
    assert f"({lesson.demo_url(code, WALK, 1)})" in links[1]
    assert "<b>" not in "".join(links), "notes are escaped, never markup"


def test_build_a_lesson_on_the_page():
    at = _run_page("pages/lesson.py", {})
    assert not at.code, "no link before the first demo"
    at.button(key="lesson:outline").click().run()
    assert lesson.decode(at.query_params["lesson"]) == presets.lecture_outline()
    at.button(key="lesson:clear").click().run()
    at.text_input(key="lesson:title").set_value("Clustering in two steps").run()
    at.selectbox(key="lesson:add_page").set_value("clustering").run()
    at.selectbox(key="lesson:add_how").set_value("1").run()  # the texture preset
    at.button(key="lesson:add").click().run()
    at.selectbox(key="lesson:add_how").set_value("link").run()
    at.text_input(key="lesson:add_link").set_value("http://h/clustering?k=4&space=lab").run()
    at.text_input(key="lesson:add_note").set_value("k = 4 in CIELAB").run()
    at.button(key="lesson:add").click().run()
    at.text_input(key="lesson:add_link").set_value("http://h/clustering?src=/etc/passwd").run()
    at.button(key="lesson:add").click().run()
    assert any("Not added" in w.value and "path" in w.value for w in at.warning)
    at.button(key="lesson:down_0").click().run()
    built = lesson.decode(at.query_params["lesson"])
    assert built.title == "Clustering in two steps"
    assert [d.values.get("space") for d in built.demos] == ["lab", "texture"]
    assert built.demos[0].note == "k = 4 in CIELAB"
    at.button(key="lesson:remove_0").click().run()
    assert len(lesson.decode(at.query_params["lesson"]).demos) == 1
    assert not at.exception
