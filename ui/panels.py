"""Page furniture every lecture page shares (DESIGN.md's page contract).

Header with intuition, the formula panel (each formula marked as from the
lecture or beyond it), the metrics panel, "Try this" experiments, warnings
from a Trace, and the guard that turns a ``ValueError`` into a readable
message instead of a traceback.
"""

from __future__ import annotations

import logging
import math
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import streamlit as st

from ui import catalog, lesson, navigation, present
from ui.state import Preset, apply_preset, enter_page

__all__ = ["DECKS", "Formula", "lecture", "beyond", "page_header", "formula_panel",
           "metrics_panel", "try_this", "show_warnings", "user_errors", "coming_next"]

#: The lecture's slide decks (``shared/lectures/README.md``), by the short name a formula cites.
DECKS = {
    "main": "main deck",                   # 000: thresholding ... graph cuts, FCN ... PQ
    "seminar": "seminar deck",             # 001: metrics worked examples, FCN, DeepLab
    "short": "short deck",                 # 002: mAP, deconvolution, atrous formula, Mask R-CNN
    "panoptic": "panoptic deck",           # 003: things/stuff, instance protocol, PQ, CRF
    "practical": "practical deck",         # 004: sliding window vs FCN, Keras FCN, losses
}

log = logging.getLogger("seglab")


def page_header(title: str, intuition: str) -> None:
    """Page title and two or three sentences of intuition.

    Every page calls this first: on the first run of a fresh process it hands
    the run over to ``app.py``'s navigation (:func:`ui.navigation.hand_over`),
    and it makes the controls drawn next the calling page's own
    (:func:`ui.state.enter_page`, named after the page file). It is also the
    one hook of presentation mode (:func:`ui.present.apply`).
    """
    navigation.hand_over()
    page = Path(sys._getframe(1).f_globals["__file__"]).stem
    present.apply(page)
    enter_page(page)
    lesson.lesson_bar()  # "Lesson: ... demo i of n" with Previous / Next, on a lesson's link
    st.title(title)
    st.markdown(intuition)


@dataclass(frozen=True)
class Formula:
    """One line of a formula panel and where it comes from.

    Parameters
    ----------
    latex : str
        The formula, with this run's numbers filled in.
    source : str
        "From the lecture: <deck>, <slide topic>" or "Beyond the lecture: <why
        it is here>"; build it with :func:`lecture` or :func:`beyond`.
    """

    latex: str
    source: str

    @property
    def from_lecture(self) -> bool:
        """Whether the lecture itself states this formula."""
        return self.source.startswith(LECTURE)


LECTURE, BEYOND = "From the lecture", "Beyond the lecture"


def lecture(latex: str, deck: str, topic: str) -> Formula:
    """A formula the lecture states: ``deck`` is a key of :data:`DECKS`, ``topic`` its slide."""
    return Formula(latex, f"{LECTURE}: {DECKS[deck]}, slide \"{topic}\"")


def beyond(latex: str, note: str) -> Formula:
    """A formula that goes beyond the lecture; ``note`` says what it is (and whose it is)."""
    return Formula(latex, f"{BEYOND}: {note}")


def formula_panel(formulas: Iterable[Formula], caption: str = "", expanded: bool = True) -> None:
    """The formula panel: each formula with this run's numbers, and where it comes from.

    Every line is a :class:`Formula`, so a student can always tell what the
    lecture taught from what SegLab adds.
    """
    with st.expander("Formulas: from the lecture and beyond", expanded=expanded,
                     icon=":material/function:"):
        for formula in formulas:
            if not isinstance(formula, Formula):
                raise TypeError("formula_panel takes Formula lines (panels.lecture / "
                                f"panels.beyond), got {type(formula).__name__}")
            st.latex(formula.latex)
            icon = ":material/school:" if formula.from_lecture else ":material/explore:"
            st.caption(f"{icon} {formula.source}")
        if caption:
            st.caption(caption)


def _fmt(value: float) -> str:
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    return "n/a" if missing else f"{value:.3f}"


def metrics_panel(report: Mapping | None, wall_ms: float | None = None) -> None:
    """Show a :func:`segcore.evaluation.scoring.score_against_scene` report and the wall time.

    ``report=None`` means the image has no ground truth: the panel says so.
    """
    st.subheader("Metrics")
    cols = st.columns(4)
    if report is None:
        st.caption("This image has no ground truth: pick a synthetic scene to score the result.")
    else:
        cols[0].metric("Pixel accuracy", _fmt(report["pixel_accuracy"]))
        cols[1].metric("mIoU", _fmt(report["miou"]))
        if "dice" in report:
            cols[2].metric("Dice", _fmt(report["dice"]))
        if report.get("iou"):
            st.caption("IoU per class: " + ", ".join(
                f"{name} {_fmt(v)}" for name, v in report["iou"].items()))
    if wall_ms is not None:
        cols[3].metric("segcore time", f"{wall_ms:.0f} ms")


def try_this(experiments: Iterable[Preset]) -> None:
    """Guided experiments, each one click away (the button sets the widgets)."""
    st.subheader("Try this")
    for i, preset in enumerate(experiments):
        with st.container(border=True):
            st.button(preset.title, key=f"try_{i}", on_click=apply_preset, args=(preset,),
                      icon=":material/science:")
            st.caption(preset.text)


def show_warnings(trace) -> None:
    """Show ``trace.warnings`` (degenerate input, downsampling) as Streamlit warnings."""
    for message in getattr(trace, "warnings", ()):
        st.warning(message)


@contextmanager
def user_errors():
    """Turn a ``ValueError`` from segcore into ``st.error`` so the page keeps working.

    Code after the ``with`` block still runs; check for missing results there.
    Other exceptions are logged server-side and shown as a short generic error.
    """
    try:
        yield
    except ValueError as err:
        st.error(str(err))
    except Exception:  # noqa: BLE001 - a page must never show a traceback to students
        log.exception("unexpected error in a page")
        st.error("Something went wrong while computing this result. Try other settings; "
                 "the error was logged for the lecturer.")


def coming_next(url_path: str) -> None:
    """Placeholder for a lecture page not built yet: what it will teach, no fake results."""
    page = catalog.by_path(url_path)
    st.title(page.title)
    st.markdown(page.summary)
    st.info("This page is coming next. It will teach:\n\n"
            + "\n".join(f"- {item}" for item in page.teaches), icon=":material/construction:")
