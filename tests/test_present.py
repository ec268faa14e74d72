"""Presentation mode (ui/present.py): every page opens with ?present=1, advanced controls are
hidden but keep driving the result, the step player autoplays once, overlays go bold."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import app_test, latex_texts, metric_values
from ui import catalog, overlay, present

PAGE = "tests/present_page.py"
KINDS = ("slider", "select_slider", "selectbox", "radio", "checkbox", "toggle")

#: page file -> (query of the demo, advanced control key, a value of it that changes the result)
ADVANCED = {
    "pages/thresholding.py": ({"method": "otsu"}, "tryall", "1"),
    "pages/clustering.py": ({"method": "kmeans", "init": "random", "k": "4", "elbow": "0"},
                            "rs", "7"),
    "pages/region-growing.py": ({}, "maxsize", "1"),
    "pages/split-merge.py": ({"pred": "variance"}, "minb", "32"),
    "pages/watershed.py": ({"mk": "minima"}, "conn", "8"),
    "pages/graph-cuts.py": ({}, "nodes", "64"),
    "pages/fcn-upsampling.py": ({}, "fcn_row", "10"),
    "pages/atrous-convolution.py": ({}, "at_crf_wbil", "0"),
    "pages/mask-rcnn.py": ({}, "px", "20"),
    "pages/panoptic-quality.py": ({"drop": "2"}, "pseed", "5"),
}
PAGES = ["pages/home.py", *ADVANCED, *(tool.file for tool in catalog.TOOLS)]
HOME = "app.py"  # home.py's page links need app.py's navigation: it runs through app.py


def _run(file: str, query: dict):
    """Run ``file`` with ``query``; the exercise set is pinned, so two runs show the same."""
    at = app_test(file, timeout=300)
    for key, value in ({"challenge": "7"} | query).items():
        at.query_params[key] = value
    return at.run()


def _keys(at) -> set[str]:
    return {w.key for kind in KINDS for w in at.get(kind) if w.key}


def _query(at, key: str) -> str:
    value = at.query_params[key]
    return value[0] if isinstance(value, list) else value


def _css_present(at) -> bool:
    return any(present.MARKER in m.value for m in at.markdown)


SCORES = ("accuracy", "IoU", "Dice", "AP", "PQ", "SQ", "RQ")


def _signature(at) -> tuple:
    """What a run shows, without timings: scores, formulas, texts, table sizes.

    Metrics drawn by a step player (``... of this stage``) are left out: in presentation
    mode the player starts from its first step.
    """
    metrics = {k: v for k, v in metric_values(at).items()
               if any(s in k for s in SCORES) and "stage" not in k}
    texts = [m.value for m in at.markdown if present.MARKER not in m.value and " ms" not in m.value]
    return metrics, latex_texts(at), texts, [len(d.value) for d in at.dataframe]


@pytest.mark.parametrize("file", PAGES)
def test_page_opens_in_presentation_mode(file):
    at = _run(HOME if file == "pages/home.py" else file, {"present": "1"})
    assert not at.exception, [e.value for e in at.exception]
    assert _css_present(at)
    assert at.toggle(key=present.KEY).value is True
    assert _query(at, present.KEY) == "1"


@pytest.mark.parametrize("file", list(ADVANCED))
def test_advanced_control_hidden_but_still_drives_the_result(file):
    query, key, value = ADVANCED[file]
    query = {**query, "challenge": "7"}  # the same exercise set in every run (not a random one)
    page = file.split("/")[-1][:-3]
    shown = _run(file, query | {key: value})
    hidden = _run(file, query | {key: value, "present": "1"})
    default = _run(file, query)
    assert not hidden.exception and not shown.exception
    assert f"{page}:{key}" in _keys(shown)
    assert f"{page}:{key}" not in _keys(hidden)
    assert _query(hidden, key) == value  # the link keeps the setting
    assert _signature(hidden) == _signature(shown)
    assert _signature(shown) != _signature(default)  # ... and the setting matters


def test_presentation_mode_follows_the_student_to_the_next_page():
    at = _run(HOME, {"present": "1"})
    assert _css_present(at)
    at.query_params.clear()  # the navigation drops the query string
    at.switch_page("pages/split-merge.py")
    at.run()
    assert not at.exception
    assert _css_present(at)
    assert _query(at, present.KEY) == "1"
    assert "split-merge:minb" not in _keys(at)
    at.toggle(key=present.KEY).set_value(False).run()
    at.query_params.clear()
    at.switch_page("pages/thresholding.py")
    at.run()
    assert not _css_present(at) and present.KEY not in at.query_params


def test_css_only_while_presenting():
    at = _run(PAGE, {})
    assert not _css_present(at)
    assert at.toggle(key=present.KEY).value is False
    assert present.KEY not in at.query_params
    at.toggle(key=present.KEY).set_value(True).run()
    assert _css_present(at)
    assert _query(at, present.KEY) == "1"


def test_bad_present_value_warns_and_stays_off():
    at = _run(PAGE, {"present": "maybe"})
    assert not at.exception
    assert any("present=maybe" in w.value for w in at.warning)
    assert not _css_present(at)


def test_advanced_value_survives_toggling_presentation_on_and_off():
    at = _run(PAGE, {})
    at.slider(key="present_page:extra").set_value(7).run()
    at.toggle(key=present.KEY).set_value(True).run()
    assert "present_page:extra" not in _keys(at)
    assert "present_page:main" in _keys(at)
    assert "main=3 extra=7" in [m.value for m in at.markdown]
    at.run()  # a second run without the widget keeps the value too
    assert "main=3 extra=7" in [m.value for m in at.markdown]
    at.toggle(key=present.KEY).set_value(False).run()
    assert at.slider(key="present_page:extra").value == 7


def _player(at) -> tuple[bool, int]:
    state, key = at.session_state, "present_page:pstep"
    playing = f"{key}__playing" in state and state[f"{key}__playing"]
    return bool(playing), state[key]


def test_player_autoplays_once_in_presentation_mode():
    at = _run(PAGE, {"present": "1"})
    assert _player(at) == (True, 0)  # playing from the first step
    at.run()  # a rerun advances the playing player; it does not restart it
    assert _player(at) == (True, 1)
    at.button(key="present_page:pstep__button").click().run()  # pause
    assert _player(at)[0] is False
    at.run()
    at.slider(key="present_page:main").set_value(5).run()
    assert _player(at)[0] is False  # pausing sticks


def test_player_does_not_autoplay_otherwise():
    at = _run(PAGE, {})
    assert _player(at) == (False, 4)  # the last step, still
    at.run()
    assert _player(at) == (False, 4)


def test_bold_outline_is_three_pixels_wide():
    image = np.zeros((20, 20), np.uint8)
    labels = np.zeros((20, 20), int)
    labels[5:15, 5:15] = 1
    thin = overlay.overlay(image, labels, outline=True).any(axis=2)
    bold = overlay.overlay(image, labels, outline=True, bold=True).any(axis=2)
    assert thin[10, 5] and not thin[10, 6]
    assert bold[10, 5:5 + overlay.BOLD_WIDTH].all() and not bold[10, 5 + overlay.BOLD_WIDTH]
    assert not bold[10, 4]  # only inside the region


def test_bold_raises_alpha_and_saturates_errors():
    image = np.full((4, 4), 100, np.uint8)
    mask = np.zeros((4, 4), bool)
    mask[:2] = True
    faint = overlay.mask_overlay(image, mask, color=(255, 0, 0), alpha=0.3)
    bold = overlay.mask_overlay(image, mask, color=(255, 0, 0), alpha=0.3, bold=True)
    assert bold[0, 0, 0] > faint[0, 0, 0]
    assert bold[0, 0, 0] == round(100 + overlay.BOLD_ALPHA * 155)
    gt = np.zeros((4, 4), bool)
    gt[:, :2] = True
    errors = overlay.error_overlay(np.zeros((4, 4), np.uint8), gt, mask, bold=True)
    tp, fp, fn = (np.round(np.array(c) * overlay.BOLD_ALPHA) for c in overlay.BOLD_ERROR_COLORS)
    assert (errors[0, 0] == tp).all() and (errors[0, 3] == fp).all()
    assert (errors[3, 0] == fn).all()
