"""The step player: a slider plus a play button over a Trace's steps.

It runs inside an ``st.fragment``, so moving the slider or playing reruns
only the player and its drawing, not the whole page. The shown step index is
mirrored in the URL under the player's ``key``.

In presentation mode (:mod:`ui.present`) a player starts playing from its
first step once when its page opens; pausing it sticks.
"""

from __future__ import annotations

from typing import Callable, Sequence

import streamlit as st

from segcore.trace import Step
from ui import present
from ui.state import set_query, widget_key

__all__ = ["step_player"]


def _initial_index(key: str, n: int) -> int:
    raw = st.query_params.get(key)
    if raw is not None and raw.isdigit() and int(raw) < n:
        return int(raw)
    return n - 1


def step_player(steps: Sequence[Step], *, key: str, render: Callable[[int, Step], None],
                label: str = "Step", interval: float = 0.8) -> None:
    """Show one step of ``steps`` with a slider and a play/pause button.

    Parameters
    ----------
    steps : sequence of Step
        The recorded steps (``trace.steps``).
    key : str
        The query-string name of the step index; the widget state is the
        page's own (:func:`ui.state.widget_key`).
    render : callable(i, step)
        Draws the chosen step (images, figures, captions).
    label : str
        Slider label ("Iteration", "Depth", "Stage", ...).
    interval : float
        Seconds between frames while playing.
    """
    steps = tuple(steps)
    if not steps:
        st.info("This run recorded no intermediate steps.")
        return
    n = len(steps)
    name, key = key, widget_key(key)
    playing_key, hold_key = f"{key}__playing", f"{key}__hold"
    if key not in st.session_state or st.session_state[key] >= n:
        st.session_state[key] = _initial_index(name, n)
    if n > 1 and present.autoplay_due(key):
        st.session_state.update({key: 0, playing_key: True, hold_key: True})
    playing = st.session_state.get(playing_key, False)

    def body() -> None:
        if st.session_state.pop(hold_key, False):
            pass  # autoplay just started: show the first step before advancing
        elif st.session_state.get(playing_key):
            nxt = st.session_state[key] + 1
            st.session_state[key] = min(nxt, n - 1)
            if nxt >= n - 1:
                st.session_state[playing_key] = False
                st.rerun(scope="app")  # stop the timer
        left, right = st.columns([1, 8], vertical_alignment="bottom")
        # icon-only label: it fits the narrow column of a half-width panel
        if left.button(":material/pause:" if playing else ":material/play_arrow:",
                       key=f"{key}__button", help="Pause" if playing else "Play the steps",
                       disabled=n < 2):
            st.session_state[playing_key] = not playing
            if not playing and st.session_state[key] >= n - 1:
                st.session_state[key] = 0
            st.rerun(scope="app")
        if n > 1:
            right.select_slider(label, options=list(range(n)), key=key,
                                format_func=lambda i: steps[i].name)
        index = st.session_state[key]
        set_query(name, index)
        step = steps[index]
        if step.caption:
            st.caption(step.caption)
        render(index, step)

    st.fragment(body, run_every=interval if playing else None)()
