"""The compare page's Streamlit part: which methods, their settings from the link, cached runs.

The methods themselves, their runners and scoring live in :mod:`ui.compare_methods`
(no Streamlit); every uncached run goes to the background worker process
(:mod:`ui.background`), so a class changing the compare page's scene does not
slow the other pages down.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import streamlit as st

from ui import background, process
from ui.caching import CACHE
from ui.compare_methods import (BOUNDARY_TOLERANCE, BY_KEY, METHODS, TUNABLE, Method, Result,
                                compute, link)
from ui.state import get_query, parse_number, set_query, to_text, widget_key

__all__ = ["BOUNDARY_TOLERANCE", "METHODS", "TUNABLE", "Method", "Result", "chosen_methods",
           "link", "run_method", "with_link_settings"]


def _setting(allowed: tuple, raw: str) -> str:
    """``raw`` as the page writes it to its URL, or ValueError when the page would refuse it."""
    if isinstance(allowed[0], str):
        if raw not in allowed:
            raise ValueError(f"one of {', '.join(allowed)}")
        return raw
    lo, hi, step = allowed
    try:  # the page's own URL check: in range, snapped to the slider's grid
        return to_text(parse_number(type(lo), lo, hi, step)(raw))
    except (ValueError, OverflowError):
        raise ValueError(f"a number from {lo} to {hi}") from None


def with_link_settings(methods: list[Method], query: Mapping[str, str]) -> list[Method]:
    """``methods`` with the settings a link gives them (``<method key>.<setting>=value``).

    Values are checked like the page's own widgets check them (options, range, snapped to
    the slider's grid); a bad one gives a warning and the page default stays.
    """
    out = []
    for method in methods:
        tunable = TUNABLE[method.kind]
        changed = dict(method.query)
        for name, raw in query.items():
            prefix, _, setting = name.partition(".")
            if prefix != method.key:
                continue
            if setting not in tunable or setting not in method.query:
                known = ", ".join(sorted(set(tunable) & set(method.query)))
                st.warning(f"The link's setting `{name[:40]}` is not a setting of "
                           f"{method.name} here; its settings: {known}.")
                continue
            try:
                changed[setting] = _setting(tunable[setting], raw)
            except ValueError as err:
                st.warning(f"The link's setting `{name[:40]}={raw[:20]}` is not valid ({err}); "
                           f"using `{method.query[setting]}` instead.")
        out.append(replace(method, query=changed))
    return out


def chosen_methods(container=None) -> list[Method]:
    """The methods to run: a multiselect mirrored in the URL as ``methods=otsu,ncut,...``.

    The link's list is validated like any setting: unknown names give a warning and
    are left out (all methods when none is left). Choosing every method drops
    ``methods`` from the URL.
    """
    state_key = widget_key("methods")
    if state_key not in st.session_state:
        raw = get_query("methods")
        keys = list(BY_KEY)
        if raw is not None:
            asked = [k.strip() for k in raw.split(",") if k.strip()]
            bad = [k for k in asked if k not in BY_KEY]
            if bad:
                st.warning(f"The link's setting `methods={raw[:60]}` names unknown methods "
                           f"({', '.join(b[:20] for b in bad[:5])}); known: "
                           f"{', '.join(BY_KEY)}.")
            keys = [k for k in asked if k in BY_KEY] or keys
        st.session_state[state_key] = keys
    keys = (container or st).multiselect("Methods", list(BY_KEY), key=state_key,
                                         format_func=lambda k: BY_KEY[k].name)
    if len(keys) == len(BY_KEY):
        st.query_params.pop("methods", None)
    else:
        set_query("methods", ",".join(keys))
    return [BY_KEY[k] for k in keys]


def run_method(image_key: str, method: Method, picked) -> Result:
    """Run one method on the picked scene and score it as its page does (cached per image
    key, method and settings).

    Raises
    ------
    ValueError
        From segcore, or when the scene cannot give the method its input.
    """
    return _run(image_key, method.kind, tuple(sorted(method.query.items())), picked.image,
                picked.gray, picked.scene)


@st.cache_data(**{**CACHE, "max_entries": 4 * len(METHODS)})
def _run(image_key: str, kind: str, query: tuple, _image: np.ndarray, _gray: np.ndarray,
         _scene) -> Result:
    """:func:`ui.compare_methods.compute` in the background worker, cached per image key,
    method and settings; the page run gives its run slot back while it waits."""
    return background.run_in_background(compute, kind, query, _image, _gray, _scene,
                                        wait=process.outside_run_slot)
