"""Presentation mode: SegLab readable from the back of a lecture hall.

On when the URL has ``present=1`` or the sidebar toggle "Presentation mode" is
on. Like the image picker's choice, the setting is shared by every page and
follows the student (or the lecturer) from page to page: it is kept in
``st.session_state`` under a key no widget owns and mirrored in the URL as
``present=1`` (the key is absent when the mode is off, so ordinary links stay
as they were).

What changes while it is on
---------------------------
* large type and tighter paddings: one constant CSS block (:data:`CSS`, never
  user text) injected by :func:`apply`;
* the sidebar starts collapsed (``app.py`` passes :func:`sidebar_state` to
  ``st.set_page_config``);
* overlays are thicker and more opaque (pages pass :func:`is_on` as the
  ``bold`` flag of :mod:`ui.overlay` into their cached picture builders);
* controls marked ``advanced=True`` in :mod:`ui.state` are not drawn but keep
  their value, so the demo stays the same;
* each step player starts playing once when its page opens
  (:func:`autoplay_due`, used by :mod:`ui.player`).

:func:`apply` is the one hook, called by :func:`ui.panels.page_header`, so
every page (lecture pages, home and tool pages) gets the mode for free.
"""

from __future__ import annotations

import streamlit as st

from ui import state

__all__ = ["CSS", "KEY", "MARKER", "apply", "autoplay_due", "is_on", "requested",
           "sidebar_state"]

KEY = "present"  #: query-string name and session-state key of the toggle
_KEEP = "_present_keep"  # persistent copy of the toggle (survives pages that drop the widget)
_PAGE = "_present_page"  # page the autoplay memory below belongs to
_PLAYED = "_present_played"  # step players that already autoplayed on this page visit

MARKER = "seglab-present"  #: class of the style block (tests look for it)

#: The presentation style: constant text, never user input (DESIGN.md, shared-server rules).
CSS = f"""<style class="{MARKER}">
html {{ font-size: 20px; }}
[data-testid="stMainBlockContainer"] {{ padding: 4rem 1.6rem 2rem; max-width: 100%; }}
h1 {{ font-size: 2.3rem !important; padding: 0.2rem 0 0.5rem !important; }}
h2 {{ font-size: 1.8rem !important; }}
h3 {{ font-size: 1.5rem !important; }}
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {{
  font-size: 1.1rem; line-height: 1.45; }}
[data-testid="stWidgetLabel"] p {{ font-size: 1.1rem !important; font-weight: 600; }}
[data-testid="stMetricValue"] {{ font-size: 2.6rem !important; font-weight: 700; }}
[data-testid="stMetricLabel"] p {{ font-size: 1.1rem !important; }}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stImageCaption"] {{ font-size: 1rem !important; color: inherit !important; }}
[data-testid="stVerticalBlock"] {{ gap: 0.6rem; }}
[data-testid="stExpander"] summary p {{ font-size: 1.15rem; font-weight: 600; }}
.katex {{ font-size: 1.35em !important; }}
.js-plotly-plot .main-svg text {{ font-size: 15px !important; }}
</style>"""


def _parse(raw: str) -> bool | None:
    """A URL flag as :func:`ui.state.parse_bool` reads it; ``None`` when it is not one."""
    try:
        return state.parse_bool(raw.strip())
    except ValueError:
        return None


def requested() -> bool:
    """Whether presentation mode is on for this run (toggle, kept choice or URL).

    Safe to call before the toggle is drawn (``app.py`` calls it for the page config).
    """
    if KEY in st.session_state:
        return bool(st.session_state[KEY])
    if _KEEP in st.session_state and state.get_query(KEY) is None:
        return bool(st.session_state[_KEEP])
    return bool(_parse(state.get_query(KEY) or ""))


def is_on() -> bool:
    """Whether this run is in presentation mode (the value :func:`apply` settled on)."""
    return bool(st.session_state.get(state.HIDE_ADVANCED, False))


def sidebar_state() -> str:
    """``initial_sidebar_state`` for ``st.set_page_config``: collapsed while presenting."""
    return "collapsed" if requested() else "auto"


def _toggle(opened: bool) -> bool:
    """Draw the sidebar toggle; on a page's first run seed it from the URL (validated) or
    the kept choice (Streamlit gives a widget drawn by another page its default again)."""
    if opened or KEY not in st.session_state:
        raw = state.get_query(KEY)
        value = bool(st.session_state.get(_KEEP, False))
        if raw is not None:
            parsed = _parse(raw)
            if parsed is None:
                st.warning(f"The link's setting `{KEY}={raw[:40]}` is not valid (1 or 0); "
                           f"presentation mode stays {'on' if value else 'off'}.")
            value = value if parsed is None else parsed
        st.session_state[KEY] = value
    on = st.sidebar.toggle("Presentation mode", key=KEY,
                           help="Large type, thick overlays, only the essential controls and "
                                "the step player playing: for projecting in a lecture hall.")
    if on:
        state.set_query(KEY, True)
    elif KEY in st.query_params:
        del st.query_params[KEY]
    st.session_state[_KEEP] = on
    return on


def apply(page: str) -> bool:
    """The page hook: draw the toggle, inject the style, settle the mode; return it.

    Parameters
    ----------
    page : str
        The running page's name; opening another page re-arms the step
        players' autoplay (:func:`autoplay_due`).
    """
    opened = st.session_state.get(_PAGE) != page
    if opened:
        st.session_state[_PAGE] = page
        st.session_state[_PLAYED] = set()
    on = _toggle(opened)
    st.session_state[state.HIDE_ADVANCED] = on
    if on:
        st.markdown(CSS, unsafe_allow_html=True)
    return on


def autoplay_due(player_key: str) -> bool:
    """True once per page visit for each step player while presenting (then it is remembered).

    Pausing therefore sticks: the next rerun finds the player already played.
    """
    if not is_on():
        return False
    played = st.session_state.setdefault(_PLAYED, set())
    if player_key in played:
        return False
    played.add(player_key)
    return True
