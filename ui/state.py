"""Widgets whose values are mirrored in the URL query string, each page's its own.

A lecturer's link (``/thresholding?method=sauvola&window=25``) must reopen the
exact demo, so every page parameter is created through these wrappers. The
``key`` a page passes is the query-string name. Values read from the URL are
validated like any other input: an unknown option or an out-of-range number
shows a warning and falls back to the default; a number between two slider
steps is snapped to the nearest step; nothing from the URL is ever used as a
path.

Page-local state
----------------
A page's controls are its own (DESIGN.md, page contract 9): ``k`` on the
thresholding page and ``k`` on the clustering page are different settings.
The widget state lives under ``"<page>:<key>"`` (:func:`widget_key`), where
``<page>`` is the running page's file name, set by :func:`enter_page` (which
:func:`ui.panels.page_header` calls first on every page); the URL keeps the
short name. The image picker's keys (:data:`SHARED_KEYS`) stay shared on
purpose: the chosen image follows the student from page to page.

Notes
-----
The value is read from the URL once per session (when the widget state does
not exist yet), then the widget owns it and every rerun writes it back to the
URL. Try-this presets set the widget states in a button callback, before the
widgets are drawn, which is what Streamlit allows. Slider values coming back
from the browser are snapped to the step as well (a client may send any
number in range), so pages only ever see values on the slider's grid.

Controls marked ``advanced=True`` (log scales, secondary options) are not
drawn in presentation mode (:mod:`ui.present`); they still return their
current value (session state, URL or default), so the demo stays the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import streamlit as st

__all__ = ["Preset", "SHARED_KEYS", "HIDE_ADVANCED", "enter_page", "widget_key", "forget_page",
           "slider",
           "select", "checkbox", "number", "apply_preset", "get_query", "set_query", "snap", "to_text",
           "parse_bool", "parse_number", "page_value"]

#: Keys shared by every page on purpose: the image picker's choice and presentation mode.
SHARED_KEYS = frozenset({"src", "seed", "noise", "gt", "present"})
_PAGE = "_seglab_page"  # session-state slot of the running page's name
#: Session-state flag: controls drawn with ``advanced=True`` are hidden this run
#: (set by :func:`ui.present.apply` while presentation mode is on).
HIDE_ADVANCED = "_seglab_hide_advanced"


def enter_page(name: str) -> None:
    """Make ``name`` (a page's file name, e.g. ``"clustering"``) own the controls drawn next."""
    st.session_state[_PAGE] = name


def widget_key(key: str) -> str:
    """Session-state key of the running page's control ``key`` (``"<page>:<key>"``).

    Shared keys (:data:`SHARED_KEYS`) and keys drawn outside a page keep their name.
    """
    page = st.session_state.get(_PAGE)
    return key if key in SHARED_KEYS or not page else f"{page}:{key}"


def forget_page(page: str) -> None:
    """Drop the page ``page``'s own control states (``"<page>:*"``) from this session, so
    that page reads its settings from the URL again, as on a fresh link."""
    prefix = f"{page}:"
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefix)]:
        del st.session_state[key]


@dataclass(frozen=True)
class Preset:
    """A guided experiment: a title, what to look for, and the widget values it sets.

    Parameters
    ----------
    title : str
        Button label, e.g. "Uneven light: Otsu vs Sauvola".
    text : str
        What the student should notice.
    values : dict
        Widget key -> value to set (the same keys as the query string).
    """

    title: str
    text: str
    values: Mapping[str, Any] = field(default_factory=dict)


def get_query(key: str) -> str | None:
    """Raw query-string value of ``key`` (``None`` when absent)."""
    return st.query_params.get(key)


def set_query(key: str, value: Any) -> None:
    """Write ``value`` to the query string when it differs (avoids needless URL updates)."""
    text = to_text(value)
    if st.query_params.get(key) != text:
        st.query_params[key] = text


def to_text(value: Any) -> str:
    """``value`` as the URL holds it: booleans as 1/0, floats in ``%g`` form."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _warn_bad(key: str, raw: str, expected: str, default: Any) -> None:
    st.warning(f"The link's setting `{key}={raw[:40]}` is not valid ({expected}); "
               f"using `{to_text(default)}` instead.")


def _init(key: str, default: Any, parse: Callable[[str], Any], expected: str) -> str:
    """Seed the widget state from the URL (validated) or the default, once; return its key."""
    state_key = widget_key(key)
    if state_key in st.session_state:
        return state_key
    raw = get_query(key)
    value = default
    if raw is not None:
        try:
            value = parse(raw)
        except (ValueError, TypeError, OverflowError):
            _warn_bad(key, raw, expected, default)
    st.session_state[state_key] = value
    return state_key


def _hidden(advanced: bool, state_key: str) -> bool:
    """Whether an ``advanced`` control is left out this run; its value is then kept as user state.

    Re-assigning the value keeps it when the widget is not drawn (Streamlit drops the
    state of widgets a run does not draw).
    """
    if not (advanced and st.session_state.get(HIDE_ADVANCED, False)):
        return False
    st.session_state[state_key] = st.session_state[state_key]
    return True


def snap(value, lo, hi, step):
    """``value`` moved to the nearest point ``lo + n * step`` of the slider's grid, in [lo, hi].

    Floats are rounded to the step's decimals, so ``0.1 + 0.2`` snaps to ``0.3``
    exactly and never becomes a surprising dictionary key. Without a step the
    value is only clamped to [lo, hi].

    Examples
    --------
    >>> snap(0.37, 0.0, 1.0, 0.1), snap(7, 1, 20, 2), snap(0.999, 0.0, 0.95, 0.05)
    (0.4, 7, 0.95)
    """
    if not step:
        return min(max(value, lo), hi)
    n = round((value - lo) / step)
    top = int((hi - lo) / step + 1e-9)
    n = min(max(n, 0), top)
    if isinstance(lo, int) and isinstance(step, int):
        return lo + n * step
    decimals = max(0, -int(np.floor(np.log10(abs(step))))) + 6
    return float(round(lo + n * step, decimals))


def parse_number(kind: type, lo: float, hi: float, grid: float | None) -> Callable[[str], Any]:
    """A parser of URL numbers: ``kind`` in [lo, hi] snapped to ``grid``; ValueError otherwise."""
    def parse(raw: str):
        value = float(raw)
        if not lo <= value <= hi:  # also rejects nan
            raise ValueError(raw)
        return kind(snap(value, lo, hi, grid))
    return parse


def slider(label: str, key: str, min_value, max_value, default, step=None, help: str | None = None,
           container=None, advanced: bool = False, format: str | None = None):
    """A slider mirrored in the URL under ``key``; returns its value, always on the grid.

    ``int`` or ``float`` is taken from ``default``. Out-of-range URL values
    fall back to ``default`` with a warning; values between steps (from a
    URL, a preset or the browser) snap to the nearest step; a kept value
    outside a range that has since shrunk is pulled back into it. An
    ``advanced`` slider is not drawn in presentation mode but keeps its value.
    ``format`` is Streamlit's display format (e.g. ``"%.3f"`` for a step of 0.001).
    """
    kind = float if isinstance(default, float) else int
    grid = step or (1 if kind is int else None)
    expected = f"a number from {min_value} to {max_value}"
    state_key = _init(key, default, parse_number(kind, min_value, max_value, grid), expected)
    kept = st.session_state[state_key]
    on_grid = kind(snap(kept, min_value, max_value, grid))
    if on_grid != kept:
        st.session_state[state_key] = on_grid
    if _hidden(advanced, state_key):
        value = on_grid
    else:
        value = (container or st).slider(label, min_value=min_value, max_value=max_value,
                                         step=step, key=state_key, help=help, format=format)
    value = kind(snap(value, min_value, max_value, grid))  # a client may send any number
    set_query(key, value)
    return value


def select(label: str, key: str, options: Sequence[str], default: str,
           format_func: Callable[[str], str] = str, radio: bool = False,
           help: str | None = None, container=None, advanced: bool = False) -> str:
    """A selectbox (or horizontal radio) over string ``options``, mirrored in the URL.

    An ``advanced`` one is not drawn in presentation mode but keeps its value.
    """
    options = list(options)
    if default not in options:
        raise ValueError(f"default {default!r} is not one of the options {options}")

    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(raw)
        return raw

    state_key = _init(key, default, parse, "one of " + ", ".join(options))
    if st.session_state[state_key] not in options:  # a preset or stale state: fall back
        st.session_state[state_key] = default
    where = container or st
    if _hidden(advanced, state_key):
        value = st.session_state[state_key]
    elif radio:
        value = where.radio(label, options, key=state_key, format_func=format_func,
                            horizontal=True, help=help)
    else:
        value = where.selectbox(label, options, key=state_key, format_func=format_func,
                                help=help)
    set_query(key, value)
    return value


def parse_bool(raw: str) -> bool:
    """A URL flag: 1/true/yes/on or 0/false/no/off (any case); ValueError otherwise."""
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def checkbox(label: str, key: str, default: bool, help: str | None = None, container=None,
             advanced: bool = False) -> bool:
    """A checkbox mirrored in the URL as 1/0 (``advanced``: hidden while presenting)."""
    state_key = _init(key, default, parse_bool, "1 or 0")
    if _hidden(advanced, state_key):
        value = bool(st.session_state[state_key])
    else:
        value = (container or st).checkbox(label, key=state_key, help=help)
    set_query(key, value)
    return value


def number(label: str, key: str, min_value: int, max_value: int, default: int,
           help: str | None = None, container=None) -> int:
    """A whole-number input mirrored in the URL under ``key`` (e.g. an exercise seed).

    URL values outside [min_value, max_value] or not numbers warn and fall back
    to ``default``; fractions are rounded to the nearest whole number.
    """
    state_key = _init(key, default, parse_number(int, min_value, max_value, 1),
                      f"a whole number from {min_value} to {max_value}")
    kept = st.session_state[state_key]
    st.session_state[state_key] = int(snap(kept, min_value, max_value, 1))
    value = (container or st).number_input(label, min_value=min_value, max_value=max_value,
                                           step=1, key=state_key, help=help)
    value = int(snap(value, min_value, max_value, 1))
    set_query(key, value)
    return value


def page_value(key: str, default: Any, parse: Callable[[str], Any], expected: str) -> str:
    """Session-state key of a page value that no single widget holds (a grid of cells that
    buttons edit), seeded once from the URL under ``key``.

    ``parse`` turns the URL text into the value or raises ValueError; a bad value shows
    the usual warning (``expected`` says what was wanted) and ``default`` is used. The
    caller keeps the URL up to date with :func:`set_query`.
    """
    return _init(key, default, parse, expected)


def apply_preset(preset: Preset) -> None:
    """Set the widget states and URL of a preset (use as a button ``on_click``)."""
    for key, value in preset.values.items():
        st.session_state[widget_key(key)] = value
        set_query(key, value)
