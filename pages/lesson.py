"""Lesson: line up demos (a page, its settings, a note) and share them as one link."""

from __future__ import annotations

import streamlit as st

import ui.process  # noqa: F401 - first project import: warms the process up once
from ui import catalog, lesson, panels, presets

DRAFT, LOADED = "lesson:draft", "lesson:loaded"  # the lesson being built; the code it came from
DEFAULTS, LINK = "defaults", "link"
TITLES = {p.url_path: p.title for p in catalog.PAGES}

panels.page_header(
    "Lesson",
    "A lesson is a sequence of demos: a page with its settings and a note for the class. "
    "Build one here (from each page's try-this experiments, its defaults or a link copied "
    "from the page) and share **one link**; on every demo a bar at the top walks the "
    "class to the previous or next demo.")


def _draft() -> lesson.Lesson:
    return st.session_state.get(DRAFT) or lesson.Lesson("", ())


def _set_draft(new: lesson.Lesson) -> None:
    """Replace the whole lesson, title included (call before the title box is drawn)."""
    st.session_state[DRAFT] = new
    st.session_state["lesson:title"] = new.title


def _ready_lesson() -> None:
    _set_draft(presets.lecture_outline())


def _load_from_url() -> None:
    """Take the lesson of the URL into the builder (once per code); warn when it is bad."""
    code = st.query_params.get(lesson.LESSON_KEY)
    if code is None or code == st.session_state.get(LOADED):
        return
    st.session_state[LOADED] = code
    try:
        _set_draft(lesson.decode(code))
    except lesson.LessonError as err:
        st.warning(f"This lesson link does not work: {err}.")


def _with_demos(demos) -> None:
    st.session_state[DRAFT] = lesson.Lesson(_draft().title, tuple(demos))


def _move(i: int, step: int) -> None:
    demos = list(_draft().demos)
    demos[i], demos[i + step] = demos[i + step], demos[i]
    _with_demos(demos)


def _remove(i: int) -> None:
    _with_demos(d for j, d in enumerate(_draft().demos) if j != i)


def _retitle() -> None:
    title = st.session_state["lesson:title"].strip()[:lesson.MAX_TITLE]
    st.session_state[DRAFT] = lesson.Lesson(title, _draft().demos)


def _new_demo(page: str, how: str, link: str, note: str) -> lesson.Demo:
    if how == LINK:
        return lesson.demo_from_link(link, note)
    if how == DEFAULTS:
        return lesson.make_demo(page, {}, note or f"{TITLES[page]} at its defaults")
    return lesson.demo_from_preset(page, presets.PRESETS[page][int(how)], note)


def add_panel() -> None:
    """Choose a page and its settings (a preset, the defaults or a pasted link), add a note."""
    with st.container(border=True):
        st.markdown("**Add a demo**")
        c1, c2 = st.columns(2)
        page = c1.selectbox("Page", list(TITLES), format_func=TITLES.get, key="lesson:add_page")
        how_options = {DEFAULTS: "The page's defaults"}
        how_options |= {str(i): f"Try this: {p.title}"
                        for i, p in enumerate(presets.PRESETS[page])}
        how_options[LINK] = "A SegLab link (paste it below)"
        if st.session_state.get("lesson:add_how") not in how_options:  # another page's preset
            st.session_state["lesson:add_how"] = DEFAULTS
        how = c2.selectbox("Settings", list(how_options), format_func=how_options.get,
                           key="lesson:add_how")
        link = ""
        if how == LINK:
            link = st.text_input("Link of a lecture page, e.g. /clustering?k=5&space=texture "
                                 "(only its query is used; its path chooses the page)",
                                 key="lesson:add_link", max_chars=2000)
        note = st.text_input("Note for the class (empty: the experiment's title)",
                             key="lesson:add_note", max_chars=lesson.MAX_NOTE)
        if st.button("Add demo", key="lesson:add", icon=":material/add:"):
            draft = _draft()
            try:
                if len(draft.demos) >= lesson.MAX_DEMOS:
                    raise lesson.LessonError(f"a lesson has at most {lesson.MAX_DEMOS} demos")
                demo = _new_demo(page, how, link, note.strip())
            except lesson.LessonError as err:
                st.warning(f"Not added: {err}.")
            else:
                _with_demos(draft.demos + (demo,))


def demos_panel() -> None:
    """The demos in order, each with up / down / remove."""
    demos = _draft().demos
    if not demos:
        st.info("No demos yet: add one above, or load the ready lesson.")
    for i, demo in enumerate(demos):
        text, up, down, remove = st.columns([10, 1, 1, 1], vertical_alignment="center")
        settings = ", ".join(f"{k}={v}" for k, v in demo.values.items()) or "defaults"
        text.markdown(f"**{i + 1}. {TITLES[demo.page]}** - {lesson.plain_markdown(demo.note)}")
        text.caption(lesson.plain_markdown(settings))
        up.button("", key=f"lesson:up_{i}", icon=":material/arrow_upward:", help="Earlier",
                  disabled=i == 0, on_click=_move, args=(i, -1))
        down.button("", key=f"lesson:down_{i}", icon=":material/arrow_downward:", help="Later",
                    disabled=i == len(demos) - 1, on_click=_move, args=(i, 1))
        remove.button("", key=f"lesson:remove_{i}", icon=":material/delete:", help="Remove",
                      on_click=_remove, args=(i,))


def builder() -> None:
    """Title, the ready lesson, adding and ordering demos."""
    if "lesson:title" not in st.session_state:
        st.session_state["lesson:title"] = _draft().title
    st.text_input("Title", key="lesson:title", max_chars=lesson.MAX_TITLE, on_change=_retitle)
    c1, c2 = st.columns(2)
    c1.button("Load the ready lesson: The lecture outline", key="lesson:outline",
              icon=":material/school:", on_click=_ready_lesson,
              help="The lecture pages in lecture order, one or two demos each, every note naming "
                   "its slide deck")
    c2.button("Start a new lesson", key="lesson:clear", icon=":material/restart_alt:",
              on_click=_set_draft, args=(lesson.Lesson("", ()),))
    add_panel()
    demos_panel()


def outline(draft: lesson.Lesson) -> None:
    """The shareable link, Start, and a link per demo."""
    shown = lesson.Lesson(draft.title or "Untitled lesson", draft.demos)
    try:
        code = lesson.encode(shown)
    except lesson.LessonError as err:
        st.warning(f"No link yet: {err}.")
        return
    if st.query_params.get(lesson.LESSON_KEY) != code:
        st.query_params[lesson.LESSON_KEY] = code
        st.session_state[LOADED] = code
    st.subheader(f"{lesson.plain_markdown(shown.title)}: {len(shown.demos)} demos")
    st.caption("The lesson link (relative to this server; paste it after the host name):")
    st.code(lesson.lesson_url(code), language=None, wrap_lines=True)
    if st.button("Start the lesson", key="lesson:start", type="primary",
                 icon=":material/play_arrow:"):
        lesson.go_to(shown, code, 0)
    for i, demo in enumerate(shown.demos):
        st.markdown(f"{i + 1}. [{TITLES[demo.page]}]({lesson.demo_url(code, shown, i)}): "
                    f"{lesson.plain_markdown(demo.note)}")


_load_from_url()
top = st.container()  # the outline goes above the builder, drawn after it (with its changes)
with st.expander("Build or edit the lesson", expanded=not _draft().demos, icon=":material/edit:"):
    builder()
if _draft().demos:
    with top:
        outline(_draft())
