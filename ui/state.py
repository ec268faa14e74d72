"""Widgets whose values are mirrored in the URL query string.

A lecturer's link (``/thresholding?method=sauvola&window=25``) must reopen the
exact demo, so every page parameter is created through these wrappers. The
widget ``key`` is also the query-string name. Values read from the URL are
validated like any other input: an unknown option or an out-of-range number
shows a warning and falls back to the default; nothing from the URL is ever
used as a path.

Notes
-----
The value is read from the URL once per session (when the widget state does
not exist yet), then the widget owns it and every rerun writes it back to the
URL. Try-this presets set the widget states in a button callback, before the
widgets are drawn, which is what Streamlit allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import streamlit as st

__all__ = ["Preset", "slider", "select", "checkbox", "apply_preset", "get_query", "set_query"]


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
    text = _to_text(value)
    if st.query_params.get(key) != text:
        st.query_params[key] = text


def _to_text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _warn_bad(key: str, raw: str, expected: str, default: Any) -> None:
    st.warning(f"The link's setting `{key}={raw[:40]}` is not valid ({expected}); "
               f"using `{_to_text(default)}` instead.")


def _init(key: str, default: Any, parse: Callable[[str], Any], expected: str) -> None:
    """Seed the widget state from the URL (validated) or the default, once."""
    if key in st.session_state:
        return
    raw = get_query(key)
    value = default
    if raw is not None:
        try:
            value = parse(raw)
        except (ValueError, TypeError, OverflowError):
            _warn_bad(key, raw, expected, default)
    st.session_state[key] = value


def _parse_number(kind: type, lo: float, hi: float, step: float | None) -> Callable[[str], Any]:
    def parse(raw: str):
        value = kind(float(raw)) if kind is int and "." not in raw else kind(raw)
        if not (lo <= value <= hi) or value != value:  # value != value catches nan
            raise ValueError(raw)
        if kind is int and step and (value - lo) % step:
            raise ValueError(raw)
        return value
    return parse


def slider(label: str, key: str, min_value, max_value, default, step=None, help: str | None = None,
           container=None):
    """A slider mirrored in the URL under ``key``; returns its value.

    ``int`` or ``float`` is taken from ``default``. Out-of-range URL values
    fall back to ``default`` with a warning.
    """
    kind = float if isinstance(default, float) else int
    expected = f"a number from {min_value} to {max_value}"
    _init(key, default, _parse_number(kind, min_value, max_value, step), expected)
    value = (container or st).slider(label, min_value=min_value, max_value=max_value, step=step,
                                     key=key, help=help)
    set_query(key, value)
    return value


def select(label: str, key: str, options: Sequence[str], default: str,
           format_func: Callable[[str], str] = str, radio: bool = False,
           help: str | None = None, container=None) -> str:
    """A selectbox (or horizontal radio) over string ``options``, mirrored in the URL."""
    options = list(options)
    if default not in options:
        raise ValueError(f"default {default!r} is not one of the options {options}")

    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(raw)
        return raw

    _init(key, default, parse, "one of " + ", ".join(options))
    if st.session_state[key] not in options:  # a preset or stale state: fall back
        st.session_state[key] = default
    where = container or st
    if radio:
        value = where.radio(label, options, key=key, format_func=format_func, horizontal=True,
                            help=help)
    else:
        value = where.selectbox(label, options, key=key, format_func=format_func, help=help)
    set_query(key, value)
    return value


def _parse_bool(raw: str) -> bool:
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def checkbox(label: str, key: str, default: bool, help: str | None = None, container=None) -> bool:
    """A checkbox mirrored in the URL as 1/0."""
    _init(key, default, _parse_bool, "1 or 0")
    value = (container or st).checkbox(label, key=key, help=help)
    set_query(key, value)
    return value


def apply_preset(preset: Preset) -> None:
    """Set the widget states and URL of a preset (use as a button ``on_click``)."""
    for key, value in preset.values.items():
        st.session_state[key] = value
        set_query(key, value)
