"""Lesson links: an ordered list of demos (a page and its settings, with a note) in one link.

A lecturer lines up demos on the Lesson page (``/lesson``); the whole lesson
travels in one URL-safe query value, ``lesson=<code>`` (compact JSON, zlib,
base64url), so nothing is stored on the server. A demo's values are the
query-string settings of its page (``method=otsu``, ``k=5``); the page
validates them itself when it applies them, exactly as for any link.

A page opened with ``lesson=<code>&demo=<i>`` shows :func:`lesson_bar` at the
top (``panels.page_header`` calls it): where the class is in the lesson,
Previous / Next buttons and a way back to the outline. A button clears the
target page's settings in this session (:func:`ui.state.forget_page`), so the
page reads the demo's values from the URL as a fresh link would, and switches to the page with ``st.switch_page(file, query_params=...)``.

Decoding trusts nothing: the code's size, the decompressed size, the number
of demos, every page (a lecture page of :data:`ui.catalog.PAGES`), every key
and value (short plain strings; no paths) are checked, and any problem is a
:class:`LessonError` with a message in plain words.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import streamlit as st

from ui import catalog, state

__all__ = ["DEMO_KEY", "LESSON_KEY", "MAX_DEMOS", "Demo", "Lesson", "LessonError", "decode",
           "demo_from_link", "demo_from_preset", "demo_url", "encode", "go_to", "lesson_bar",
           "lesson_url", "make_demo", "plain_markdown"]

LESSON_KEY, DEMO_KEY = "lesson", "demo"  # query keys of a lesson link
MAX_DEMOS = 30
MAX_CODE = 8000                 # characters of the base64url code
MAX_JSON = 64_000               # bytes after decompression (no zip bombs)
MAX_TITLE, MAX_NOTE = 120, 400
MAX_KEYS, MAX_VALUE = 40, 100   # settings per demo, characters per value
_CODE = re.compile(r"[A-Za-z0-9_-]+")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
_VALUE = re.compile(r"[A-Za-z0-9 _.,:;+=<>()*-]*")  # option names, numbers, seeds, "car->person"
_FORMAT = 1


class LessonError(ValueError):
    """A lesson (or a link or a setting of it) that SegLab does not accept; the message says why."""


@dataclass(frozen=True)
class Demo:
    """One step of a lesson.

    Parameters
    ----------
    page : str
        URL path of a lecture page (``"thresholding"``).
    values : dict of str to str
        The page's query-string settings, e.g. ``{"method": "manual", "t": "90"}``.
    note : str
        What the lecturer wants the class to see.
    """

    page: str
    values: Mapping[str, str] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class Lesson:
    """A titled, ordered sequence of :class:`Demo`."""

    title: str
    demos: tuple[Demo, ...]


def _text(value: Any, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise LessonError(f"the {what} must be text")
    if len(value) > limit:
        raise LessonError(f"the {what} is longer than {limit} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise LessonError(f"the {what} contains control characters")
    return value


def _values(values: Any) -> dict[str, str]:
    """Validate a demo's settings: at most :data:`MAX_KEYS` short plain ``key=value`` strings."""
    if not isinstance(values, Mapping):
        raise LessonError("a demo's settings must be key=value pairs")
    if len(values) > MAX_KEYS:
        raise LessonError(f"a demo has more than {MAX_KEYS} settings")
    clean = {}
    for key, value in values.items():
        if not isinstance(key, str) or not _KEY.fullmatch(key) or key in (LESSON_KEY, DEMO_KEY):
            raise LessonError(f"`{str(key)[:40]}` is not a setting name")
        value = _text(value, f"value of `{key}`", MAX_VALUE)
        if "/" in value or "\\" in value or ".." in value:
            raise LessonError(f"the value of `{key}` looks like a path; settings are never paths")
        if not _VALUE.fullmatch(value):
            raise LessonError(f"the value of `{key}` has characters no setting uses")
        clean[key] = value
    return clean


def make_demo(page: Any, values: Any = None, note: Any = "") -> Demo:
    """A validated :class:`Demo` (``page`` must be a lecture page); raises :class:`LessonError`."""
    lecture_pages = {p.url_path for p in catalog.PAGES}
    if not isinstance(page, str) or page not in lecture_pages:
        raise LessonError(f"`{str(page)[:40]}` is not a SegLab lecture page")
    return Demo(page, _values(values or {}), _text(note, "note", MAX_NOTE))


def _lesson(title: Any, demos: Any) -> Lesson:
    if not isinstance(demos, list) or not demos:
        raise LessonError("a lesson needs at least one demo")
    if len(demos) > MAX_DEMOS:
        raise LessonError(f"a lesson has at most {MAX_DEMOS} demos")
    made = []
    for item in demos:
        if not isinstance(item, list) or len(item) != 3:
            raise LessonError("a demo must be [page, settings, note]")
        made.append(make_demo(*item))
    return Lesson(_text(title, "title", MAX_TITLE), tuple(made))


def encode(lesson: Lesson) -> str:
    """The lesson as one URL-safe query value (validated first, so it always decodes).

    Examples
    --------
    >>> code = encode(Lesson("Otsu", (Demo("thresholding", {"method": "otsu"}, "look"),)))
    >>> decode(code) == Lesson("Otsu", (Demo("thresholding", {"method": "otsu"}, "look"),))
    True
    """
    payload = {"v": _FORMAT, "t": lesson.title,
               "d": [[d.page, dict(d.values), d.note] for d in lesson.demos]}
    _lesson(payload["t"], payload["d"])
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    code = base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")
    if len(code) > MAX_CODE:
        raise LessonError("the lesson is too long for one link: shorten the notes or the demos")
    return code


def decode(code: Any) -> Lesson:
    """Read a lesson code, checking everything; raises :class:`LessonError` in plain words."""
    if not isinstance(code, str) or not code:
        raise LessonError("the lesson code is empty")
    if len(code) > MAX_CODE:
        raise LessonError(f"the lesson code is longer than {MAX_CODE} characters")
    if not _CODE.fullmatch(code):
        raise LessonError("the lesson code has characters a lesson link never contains")
    try:
        packed = base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_JSON)
        if inflater.unconsumed_tail:
            raise LessonError("the lesson is too large")
        if not inflater.eof:
            raise LessonError("the lesson code is cut short")
        payload = json.loads(raw.decode("utf-8"))
    except (binascii.Error, zlib.error, UnicodeDecodeError, json.JSONDecodeError):
        raise LessonError("this is not a SegLab lesson code (was the link copied whole?)") from None
    if not isinstance(payload, dict) or payload.get("v") != _FORMAT:
        raise LessonError("this is not a SegLab lesson code of a known version")
    return _lesson(payload.get("t"), payload.get("d"))


def demo_from_preset(page: str, preset: state.Preset, note: str = "") -> Demo:
    """A demo with a try-this preset's settings (as the query strings its page writes)."""
    values = {key: state.to_text(value) for key, value in preset.values.items()}
    return make_demo(page, values, note or preset.title)


def demo_from_link(link: str, note: str = "") -> Demo:
    """A demo from a SegLab link such as ``http://host/clustering?k=5&space=texture``.

    Only the query is used; the path's last part only chooses among the lecture
    pages (any host and prefix are ignored). Lesson keys in the link are dropped.
    """
    parts = urlsplit(_text(link.strip(), "link", 2000))
    page = parts.path.rstrip("/").rsplit("/", 1)[-1]
    if page not in {p.url_path for p in catalog.PAGES}:
        raise LessonError("the link does not open a SegLab lecture page (e.g. /thresholding?...)")
    values = {k: v for k, v in parse_qsl(parts.query, keep_blank_values=True)
              if k not in (LESSON_KEY, DEMO_KEY)}
    return make_demo(page, values, note)


def lesson_url(code: str) -> str:
    """The lesson page's relative link for ``code``."""
    return f"/lesson?{LESSON_KEY}={code}"


def _demo_query(code: str, demo: Demo, index: int) -> dict[str, str]:
    return {**demo.values, LESSON_KEY: code, DEMO_KEY: str(index)}


def demo_url(code: str, lesson: Lesson, index: int) -> str:
    """Relative link of demo ``index``: its page with its settings and the lesson's place."""
    demo = lesson.demos[index]
    return f"/{demo.page}?{urlencode(_demo_query(code, demo, index))}"


def go_to(lesson: Lesson, code: str, index: int) -> None:
    """Open demo ``index`` in this session (call from a page run, before any page widget).

    The target page's own settings (``"<page>:<key>"``) and the shared picker
    keys the demo sets are removed from the session, so the page reads them
    from the URL and validates them, as on a fresh link; then the run switches
    to the page with the demo's query.
    """
    demo = lesson.demos[index]
    page = catalog.by_path(demo.page)
    state.forget_page(Path(page.file).stem)
    for key in state.SHARED_KEYS & set(demo.values):
        st.session_state.pop(key, None)
    st.switch_page(page.file, query_params=_demo_query(code, demo, index))


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain_markdown(text: str) -> str:
    """``text`` with Markdown's special characters escaped (user text never becomes a link)."""
    return _MARKDOWN.sub(r"\\\1", text)


def _place() -> tuple[Lesson, str, int] | None:
    """The lesson and demo index of this page's URL (``None`` without; a warning when bad)."""
    code, index = st.query_params.get(LESSON_KEY), st.query_params.get(DEMO_KEY)
    if code is None or index is None:
        return None
    try:
        lesson = decode(code)
        if not index.isdigit() or int(index) >= len(lesson.demos):
            raise LessonError(f"there is no demo {index[:10]} in this lesson")
    except LessonError as err:
        st.warning(f"This page was opened from a lesson link that does not work: {err}.")
        return None
    return lesson, code, int(index)


def lesson_bar() -> None:
    """Where the class is in the lesson, with Previous / Next, when the URL names a demo."""
    place = _place()
    if place is None:
        return
    lesson, code, index = place
    n = len(lesson.demos)
    with st.container(border=True, key="lesson_bar"):
        text, back, forward, outline = st.columns([6, 1.7, 1.3, 1.8], vertical_alignment="center")
        note = lesson.demos[index].note
        text.markdown(f"**Lesson: {plain_markdown(lesson.title)}** - demo {index + 1} of {n}"
                      + (f": {plain_markdown(note)}" if note else ""))
        previous = back.button("Previous", key="lesson_previous", disabled=index == 0,
                               icon=":material/skip_previous:", width="stretch")
        following = forward.button("Next", key="lesson_next", disabled=index == n - 1,
                                   icon=":material/skip_next:", width="stretch")
        to_outline = outline.button("Outline", key="lesson_outline", width="stretch",
                                    icon=":material/playlist_play:",
                                    help="Back to the lesson page and its list of demos")
    if previous:
        go_to(lesson, code, index - 1)
    if following:
        go_to(lesson, code, index + 1)
    if to_outline:
        st.switch_page(catalog.by_path("lesson").file, query_params={LESSON_KEY: code})
