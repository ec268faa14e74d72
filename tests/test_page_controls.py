"""Every page's controls are its own, and no valid value crashes a page.

DESIGN.md, page contract 9: changing one page never changes another's. These
tests run the whole app (``app.py`` with its navigation) in AppTest, the way a
student's session moves from page to page, plus every page at slider values
between steps (from a link and from the browser) and at every Try-this preset.
"""

from __future__ import annotations

import pytest

from tests.conftest import app_test
from ui import catalog
from ui.state import SHARED_KEYS

PAGES = [p.file for p in catalog.PAGES] + ["pages/home.py"]
KINDS = ("slider", "select_slider", "selectbox", "radio", "checkbox", "toggle")


def _controls(at) -> dict:
    """key -> widget of every keyed control of a run, the shared image picker and the
    Challenge panel's answer boxes (answers, not settings; keyed by the session's random
    exercise set) left out."""
    found = {}
    for kind in KINDS:
        for widget in at.get(kind):
            if widget.key and widget.key not in SHARED_KEYS and ":ex-" not in widget.key:
                found[widget.key] = widget
    return found


def _values(at) -> dict:
    return {key: widget.value for key, widget in _controls(at).items()}


def _extreme(widget):
    """A value at the far end of the control's range, different from the current one.

    ``None`` when the raw option values cannot be recovered (AppTest lists only the
    formatted options; ``state.select`` widgets format with a ``dict.get``).
    """
    kind = type(widget).__name__
    if kind in ("Checkbox", "Toggle"):
        return not widget.value
    if kind == "Slider":
        return widget.max if widget.value != widget.max else widget.min
    if kind == "SelectSlider":  # the step player: options are step indices
        last = len(widget.options) - 1
        return last if widget.value != last else 0
    labels = getattr(widget.format_func, "__self__", None)
    raw = list(labels) if isinstance(labels, dict) else list(widget.options)
    shown = {}
    for value in raw:
        try:
            shown[str(widget.format_func(value))] = value
        except (KeyError, TypeError):  # a formatter that only knows raw values
            return None
    target = widget.options[-1] if widget.index != len(widget.options) - 1 else widget.options[0]
    return shown.get(target)


def _open(at, file: str):
    """Switch the session to ``file`` the way the navigation does (the query string is dropped)."""
    at.query_params.clear()
    at.switch_page(file)
    return at.run()


@pytest.fixture(scope="module")
def defaults() -> dict:
    """Each page's own defaults, from a fresh session per page."""
    found = {}
    for file in PAGES:
        at = app_test("app.py")
        at.run()
        _open(at, file)
        assert not at.exception, (file, [e.value for e in at.exception])
        found[file] = _values(at)
    return found


@pytest.mark.parametrize("moved", PAGES)
def test_moving_one_page_controls_leaves_every_other_page_at_its_defaults(moved, defaults):
    at = app_test("app.py")
    at.run()
    _open(at, moved)
    controls = _controls(at)
    moved_any = False
    for widget in controls.values():
        value = _extreme(widget)
        if value is not None:
            widget.set_value(value)
            moved_any = True
    at.run()
    assert not at.exception, (moved, [e.value for e in at.exception])
    kept = {key: widget.value for key, widget in _controls(at).items()}
    assert kept != defaults[moved] or not moved_any  # the move happened
    for other in PAGES:
        if other == moved:
            continue
        for key, value in kept.items():  # the session still holds the moved page's values
            at.session_state[key] = value
        _open(at, other)
        assert not at.exception, (moved, other, [e.value for e in at.exception])
        assert _values(at) == defaults[other], f"{moved} changed the controls of {other}"


def _between(widget):
    """An in-range value half a step past a grid point, or None for a one-point slider."""
    step = widget.step or 1
    lo, hi = widget.min, widget.max
    if hi - lo < step:
        return None
    value = lo + 1.5 * step if lo + 2 * step <= hi else lo + 0.5 * step
    return float(value)


def _on_grid(widget) -> bool:
    step = widget.step or 1
    n = (widget.value - widget.min) / step
    return abs(n - round(n)) < 1e-6 and widget.min <= widget.value <= widget.max


def _configurations(file: str) -> list[dict]:
    """The page's URL state at its defaults and after each Try-this preset."""
    at = app_test(file).run()
    presets = [b.key for b in at.button if b.key and b.key.startswith("try_")]
    configs = [dict(at.query_params)]
    for key in presets:
        at = app_test(file).run()
        at.button(key=key).click().run()
        assert not at.exception, (file, key, [e.value for e in at.exception])
        configs.append(dict(at.query_params))
    return configs


@pytest.mark.parametrize("file", [p.file for p in catalog.PAGES])
def test_values_between_slider_steps_from_a_link_or_the_browser_never_crash(file):
    for config in _configurations(file):
        at = app_test(file).run()
        between = {w.key: _between(w) for w in at.slider if w.key}
        at = app_test(file)
        at.query_params.update(config)
        for key, value in between.items():
            if value is not None:
                at.query_params[key.split(":")[-1]] = f"{value:g}"
        at.run()
        assert not at.exception, (file, config, [e.value for e in at.exception])
        assert not at.warning or all("not valid" not in w.value for w in at.warning), \
            [w.value for w in at.warning]  # snapped, not rejected
        off_grid = [w.key for w in at.slider if not _on_grid(w)]
        assert not off_grid, (file, off_grid)
        for widget in at.slider:  # the browser may send any number in range, too
            value = _between(widget)
            if value is not None:
                widget.set_value(value if isinstance(widget.value, float) else value)
        at.run()
        assert not at.exception, (file, config, [e.value for e in at.exception])
