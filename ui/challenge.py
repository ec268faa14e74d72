"""The Challenge panel of a lecture page: seeded exercises whose answers segcore checks.

Every lecture page calls :func:`challenge_panel` with its URL path, last. The
panel draws the page's exercises (:mod:`segcore.exercises`) for one seed:

- the seed is a page setting mirrored in the URL as ``challenge=N``, so a
  lecturer's link sets the same numbers for the whole class; without one
  each session starts from its own random seed, so two students get
  different numbers. "New numbers" draws another.
- the exercises are listed by title and one is drawn at a time, mirrored in the URL as ``exercise=<id>``: a page
  rerun then pays for one exercise's widgets and pictures, not all of them
  (measured under load: a class of 20 moving sliders shares one process).
- each exercise has an answer box and a button: *Check* (beat the method,
  compute by hand) or *Commit and reveal* (predict: the truth stays hidden
  until the student commits, then the gap is shown and the answer is final).
  Bad input (text, out of range) gets a warning that says what is expected;
  a wrong answer an error; a right one a success.
- hints one at a time on request, and the worked solution on request (for a
  prediction only after the reveal).

The panel is an ``st.fragment``: answering reruns the panel, not the page.
Progress (which exercises were solved or tried, per page) is kept for the
session in :data:`PROGRESS` and summed up on the home page
(:func:`progress_rows`).
"""

from __future__ import annotations

import secrets
from typing import Any

import streamlit as st

from segcore import exercises
from segcore.exercises import KINDS, Exercise, Show
from ui import catalog, state
from ui.figures import png

__all__ = ["SEED_KEY", "EXERCISE_KEY", "PROGRESS", "challenge_panel", "page_exercises", "progress_rows",
           "answer_key", "check_key", "hint_key", "solution_key"]

SEED_KEY = "challenge"
"""URL key of the exercise seed (``/thresholding?challenge=42``)."""
EXERCISE_KEY = "exercise"
"""URL key of the exercise shown (``/thresholding?challenge=42&exercise=otsu-t``)."""
PROGRESS = "_seglab_progress"
"""Session-state slot, shared by all pages: ``{page: {exercise id: "solved" | "tried"}}``."""
_DEFAULT_SEED = "_seglab_challenge_seed"  # this session's random seed for pages without one


@st.cache_resource(max_entries=256, ttl=3600, show_spinner=False)
def page_exercises(page: str, seed: int) -> tuple[Exercise, ...]:
    """The exercises of ``page`` for ``seed`` (shared by every session: they are immutable)."""
    return exercises.for_page(page, seed)


@st.cache_data(max_entries=256, ttl=3600, show_spinner=False)
def _png(page: str, seed: int, name: str, _image) -> bytes:
    """An exercise's picture as PNG bytes, encoded once (``name`` identifies it)."""
    return png(_image)


@st.cache_data(max_entries=256, ttl=3600, show_spinner=False)
def _bars(page: str, seed: int, name: str, _value: dict) -> dict:
    """A bar chart as a Vega-Lite spec with its data inline (cached: a rerun only sends it).

    Vega-Lite rather than plotly: the spec needs no figure validation on every rerun
    (about 1 ms instead of 5 ms for 256 bars on this machine). ``(page, seed, name)``
    identifies the data, so ``_value`` is not hashed.
    """
    value = _value
    axis = {"grid": True, "gridColor": "#e5e5e5"}
    domain = [min(value["x"]), max(value["x"])]
    layers = [{"mark": {"type": "bar", "color": "#4c78a8"},
               "data": {"values": [{"x": x, "y": y} for x, y in zip(value["x"], value["y"])]},
               "encoding": {"x": {"field": "x", "type": "quantitative", "axis": axis,
                                  "title": value.get("xlabel", ""),
                                  "scale": {"domain": domain, "nice": False}},
                            "y": {"field": "y", "type": "quantitative",
                                  "title": value.get("ylabel", ""), "axis": axis}}}]
    marks = [{"x": x, "label": label} for x, label in value.get("lines", ())]
    if marks:
        layers += [{"data": {"values": marks}, "mark": {"type": "rule", "color": "#d62728",
                                                        "strokeWidth": 2},
                    "encoding": {"x": {"field": "x", "type": "quantitative"}}},
                   {"data": {"values": marks}, "mark": {"type": "text", "align": "left",
                                                        "dx": 4, "dy": -4, "color": "#d62728",
                                                        "fontSize": 13},
                    "encoding": {"x": {"field": "x", "type": "quantitative"},
                                 "y": {"value": 12}, "text": {"field": "label"}}}]
    return {"layer": layers, "height": 200}


def _cell(value) -> str:
    """A grid cell: whole numbers as they are, others to four significant digits."""
    return str(int(value)) if float(value).is_integer() else f"{float(value):.4g}"


def _markdown_table(rows) -> str:
    """Rows of dicts as a Markdown table (cheaper on every rerun than a dataframe)."""
    head = list(rows[0])
    lines = [[str(k) for k in head], ["---"] * len(head)]
    lines += [[str(row[k]) for k in head] for row in rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def answer_key(ex: Exercise) -> str:
    """Session-state key of the exercise's answer box (page-local, per seed)."""
    return state.widget_key(f"ex-{ex.id}-{ex.seed}")


def check_key(ex: Exercise) -> str:
    """Key of the exercise's Check / Commit button."""
    return state.widget_key(f"ex-{ex.id}-{ex.seed}-check")


def hint_key(ex: Exercise) -> str:
    """Key of the exercise's Hint button."""
    return state.widget_key(f"ex-{ex.id}-{ex.seed}-hint")


def solution_key(ex: Exercise) -> str:
    """Key of the exercise's worked-solution button."""
    return state.widget_key(f"ex-{ex.id}-{ex.seed}-solution")


def _record(ex: Exercise) -> dict:
    """The exercise's feedback state: verdict, input error, hints shown, solution shown."""
    return st.session_state.setdefault(state.widget_key(f"ex-{ex.id}-{ex.seed}-record"),
                                       {"verdict": None, "error": None, "hints": 0,
                                        "solution": False})


def _mark(page: str, ex: Exercise, solved: bool) -> None:
    done = st.session_state.setdefault(PROGRESS, {}).setdefault(page, {})
    if done.get(ex.id) != "solved":
        done[ex.id] = "solved" if solved else "tried"


def _check(page: str, ex: Exercise) -> None:
    """Button callback: parse and judge the answer with segcore, keep the feedback."""
    record = _record(ex)
    try:
        verdict = ex.check(st.session_state.get(answer_key(ex)))
    except ValueError as err:
        record["error"] = str(err)
        return
    record["error"], record["verdict"] = None, verdict
    _mark(page, ex, verdict.correct)


def _more(ex: Exercise, what: str) -> None:
    record = _record(ex)
    if what == "hint":
        record["hints"] = min(record["hints"] + 1, len(ex.hints))
    else:
        record["solution"] = True


def _show(page: str, ex: Exercise, name: str, show: Show) -> None:
    if show.kind == "image":
        st.image(_png(page, ex.seed, f"{ex.id}-{name}", show.value),
                 caption=show.caption or None, width=256)
        return
    if show.kind == "bars":
        st.vega_lite_chart(spec=_bars(page, ex.seed, f"{ex.id}-{name}", show.value),
                           width="stretch")
    elif show.kind in ("table", "grid"):
        rows: Any = show.value
        if show.kind == "grid":
            rows = [{"row": r, **{f"col {c}": _cell(v) for c, v in enumerate(row)}}
                    for r, row in enumerate(show.value)]
        st.markdown(_markdown_table(rows))
    elif show.kind == "latex":
        st.latex(show.value)
    else:
        st.markdown(show.value)
    if show.caption:
        st.caption(show.caption)


def _answer_box(page: str, ex: Exercise, final: bool) -> None:
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    if ex.answer.choices:
        left.selectbox(ex.answer.label, ex.answer.choices, index=None, key=answer_key(ex),
                       placeholder="Choose...", disabled=final)
    else:
        left.text_input(ex.answer.label, key=answer_key(ex), disabled=final,
                        placeholder="a number, e.g. 0.42 or 6/25")
    label = "Commit and reveal" if ex.kind == "predict" else "Check"
    right.button(label, key=check_key(ex), on_click=_check, args=(page, ex), disabled=final,
                 icon=":material/task_alt:", type="primary")


def _feedback(ex: Exercise, record: dict) -> None:
    if record["error"]:
        st.warning(record["error"], icon=":material/edit:")
    verdict = record["verdict"]
    if verdict is not None:
        if verdict.correct:
            st.success(verdict.message, icon=":material/check_circle:")
        else:
            st.error(verdict.message, icon=":material/cancel:")


def _helpers(ex: Exercise, record: dict, revealed: bool) -> None:
    for hint in ex.hints[: record["hints"]]:
        st.info(hint, icon=":material/lightbulb:")
    a, b = st.columns(2)
    a.button(f"Hint ({record['hints']} of {len(ex.hints)} shown)", key=hint_key(ex),
             on_click=_more, args=(ex, "hint"), disabled=record["hints"] >= len(ex.hints),
             icon=":material/lightbulb:")
    hidden = ex.kind == "predict" and not revealed
    b.button("Worked solution", key=solution_key(ex), on_click=_more, args=(ex, "solution"),
             disabled=hidden or record["solution"], icon=":material/menu_book:",
             help="Available after you commit a prediction." if hidden else None)
    if record["solution"] and not hidden:
        with st.container(border=True):
            st.markdown("**Worked solution.** " + ex.solution)


def _exercise(page: str, number: int, ex: Exercise) -> None:
    record = _record(ex)
    revealed = ex.kind == "predict" and record["verdict"] is not None
    with st.container(border=True, key=f"challenge_{ex.id}"):
        done = st.session_state.get(PROGRESS, {}).get(page, {}).get(ex.id)
        st.markdown(f"**{number}. {ex.title}** · *{KINDS[ex.kind]}*"
                    + (f" · {done}" if done else ""))
        st.markdown(ex.prompt)
        for i, show in enumerate(ex.shows):
            _show(page, ex, f"show{i}", show)
        _answer_box(page, ex, final=revealed)
        _feedback(ex, record)
        verdict = record["verdict"]
        if revealed or record["solution"] or (verdict is not None and verdict.correct):
            for i, show in enumerate(ex.reveal):
                _show(page, ex, f"reveal{i}", show)
        _helpers(ex, record, revealed)


def _new_seed(key: str, current: int) -> None:
    low, high = exercises.SEED_RANGE
    seed = current
    while seed == current:
        seed = low + secrets.randbelow(high - low + 1)
    st.session_state[key] = seed


@st.fragment
def _panel(page: str) -> None:
    low, high = exercises.SEED_RANGE
    default = st.session_state.setdefault(_DEFAULT_SEED, low + secrets.randbelow(high - low + 1))
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    seed = state.number("Exercise set", SEED_KEY, low, high, default, container=left,
                        help="The seed the numbers come from; it is in the page's link.")
    right.button("New numbers", key=state.widget_key("challenge-new"), on_click=_new_seed,
                 args=(state.widget_key(SEED_KEY), seed), icon=":material/casino:")
    st.caption(f"Exercise set {seed}: everyone who opens this page's link gets the same numbers. "
               "Answers are checked by SegLab's own segcore functions.")
    with st.spinner("Preparing the exercises..."):
        items = page_exercises(page, seed)
    ids = [ex.id for ex in items]
    number = {ex.id: n for n, ex in enumerate(items, 1)}
    titles = {ex.id: f"{number[ex.id]}. {ex.title}" for ex in items}
    chosen = state.select("Exercise", EXERCISE_KEY, ids, ids[0], format_func=titles.get,
                          radio=True)
    ex = items[ids.index(chosen)]
    _exercise(page, number[chosen], ex)


def challenge_panel(page: str) -> None:
    """The page's "Challenge" section (``page`` is its URL path, e.g. ``"thresholding"``)."""
    with st.container(key="challenge_panel"):
        st.subheader("Challenge")
        _panel(page)


def progress_rows() -> list[dict]:
    """This session's progress per lecture page: title, solved, tried, total."""
    done = st.session_state.get(PROGRESS, {})
    rows = []
    for page in catalog.PAGES:
        if page.url_path not in exercises.MODULES:
            continue
        marks = done.get(page.url_path, {}).values()
        rows.append({"page": page.title, "file": page.file,
                     "solved": sum(m == "solved" for m in marks),
                     "tried": sum(m == "tried" for m in marks),
                     "total": exercises.count(page.url_path)})
    return rows
