"""Evaluation basics: the seminar deck's 5 x 5 worked example, editable cell by cell.

A target grid and a prediction grid of 5 x 5 buttons (1 = object, 0 =
background): clicking a cell flips it. Under them every count and metric is
recomputed by :func:`segcore.evaluation.worked_example.cell_by_cell` (the
values come from :mod:`segcore.metrics`) and shown as a fraction of cells:
at the lecture's setting the slide's pixel accuracy 6/25 and IoU 6/12. Both
grids live in the URL as 25 digits (``egt``, ``epred``), validated like any
link value. The panel is one fragment: a click reruns only the panel.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from segcore.evaluation import worked_example as we
from ui import figures, panels, state

__all__ = ["panel", "parse_grid", "encode_grid", "kinds_figure", "formula_lines", "ANCHOR"]

ANCHOR = "evaluation-basics"
URL_KEYS = {"target": "egt", "prediction": "epred"}
CELLS = we.SIZE * we.SIZE
DEFAULTS = {"target": we.LECTURE_TARGET, "prediction": we.LECTURE_PREDICTION}
KIND_COLOURS = {we.TN: "rgb(240,240,240)", we.FP: "rgb(255,127,14)", we.FN: "rgb(31,119,180)",
                we.TP: "rgb(44,160,44)"}
KIND_TEXT = {we.TN: "TN", we.FP: "FP", we.FN: "FN", we.TP: "TP"}
LEGEND = ("TP (green): target and prediction overlap; FP (orange): predicted only; FN (blue): "
          "target only; TN (gray): background in both.")


def encode_grid(grid: np.ndarray) -> str:
    """A 0/1 grid as the URL holds it: its cells row by row (``"0000001110..."``)."""
    return "".join(str(int(v)) for v in np.asarray(grid).ravel())


def parse_grid(raw: str) -> np.ndarray:
    """The 5 x 5 grid of a URL value of 25 digits 0/1; ValueError for anything else."""
    if len(raw) != CELLS or set(raw) - {"0", "1"}:
        raise ValueError(raw)
    return np.array([int(c) for c in raw], np.uint8).reshape(we.SIZE, we.SIZE)


def _state_key(which: str) -> str:
    return state.page_value(URL_KEYS[which], encode_grid(DEFAULTS[which]),
                            lambda raw: encode_grid(parse_grid(raw)),
                            f"{CELLS} digits 0 or 1, row by row")


def _set(which: str, grid: np.ndarray) -> None:
    st.session_state[_state_key(which)] = encode_grid(grid)
    state.set_query(URL_KEYS[which], encode_grid(grid))


def _flip(which: str, row: int, col: int) -> None:
    """Button callback: flip one cell of one grid."""
    grid = parse_grid(st.session_state[_state_key(which)]).copy()
    grid[row, col] = 1 - grid[row, col]
    _set(which, grid)


def _preset(target: np.ndarray, prediction: np.ndarray) -> None:
    _set("target", target)
    _set("prediction", prediction)


PRESETS = {
    "lecture": ("The lecture's setting (6/25, 6/12)", we.LECTURE_TARGET, we.LECTURE_PREDICTION),
    "background": ("Predict everything as background", we.LECTURE_TARGET,
                   np.zeros((we.SIZE, we.SIZE), np.uint8)),
    "perfect": ("Perfect prediction", we.LECTURE_TARGET, we.LECTURE_TARGET),
}


def _grid_buttons(which: str, grid: np.ndarray, title: str) -> None:
    """One grid as 5 x 5 buttons: 1 (object, filled) or 0 (background); a click flips it."""
    st.markdown(f"**{title}**")
    for row in range(we.SIZE):
        cols = st.columns(we.SIZE, gap="small")
        for col in range(we.SIZE):
            value = int(grid[row, col])
            cols[col].button(str(value), key=f"eb_{which}_{row}_{col}", width="stretch",
                             type="primary" if value else "secondary",
                             on_click=_flip, args=(which, row, col),
                             help=f"{title}, row {row + 1}, column {col + 1}: "
                                  f"{'object' if value else 'background'}. Click to flip.")


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def kinds_figure(target_code: str, prediction_code: str) -> dict:
    """The cells as TP / FP / FN / TN in colour, with their names written in (plain dict)."""
    kinds = we.cell_kinds(parse_grid(target_code), parse_grid(prediction_code))
    order = sorted(KIND_COLOURS)
    scale = [[i / (len(order) - 1), KIND_COLOURS[k]] for i, k in enumerate(order)]
    fig = go.Figure(go.Heatmap(z=kinds, zmin=0, zmax=len(order) - 1, colorscale=scale,
                               showscale=False, xgap=3, ygap=3, hoverinfo="skip",
                               text=[[KIND_TEXT[k] for k in row] for row in kinds.tolist()],
                               texttemplate="%{text}", textfont=dict(size=16)))
    fig.update_layout(xaxis=dict(visible=False), yaxis=dict(visible=False, autorange="reversed",
                                                            scaleanchor="x"))
    return figures.plain(figures.tidy(fig, 260))


def _frac(f: dict) -> str:
    return f"{f['num']}/{f['den']} = {f['value']:.3f}" if f["den"] else "0/0 (undefined)"


def _tex(f: dict) -> str:
    return rf"\frac{{{f['num']}}}{{{f['den']}}}" if f["den"] else r"\text{undefined}"


def formula_lines(r: dict) -> list[panels.Formula]:
    """The lecture's pixel accuracy, IoU, per-class accuracy and Dice, filled cell by cell."""
    c, acc, iou = r["counts"], r["class_accuracy"], r["iou"]
    tp, fp, fn, tn, total = c["TP"], c["FP"], c["FN"], c["TN"], c["total"]
    return [
        panels.lecture(rf"PA = \frac{{Correct}}{{Total}} = \frac{{TP}}{{Total}} = "
                       rf"{_tex(r['overlap_accuracy'])}\quad\text{{(the slide counts only the "
                       rf"overlapped object cells)}}", "seminar", "Pixel Accuracy"),
        panels.lecture(rf"\text{{pixel accuracy}} = \frac{{TP + TN}}{{Total}} = "
                       rf"\frac{{{tp} + {tn}}}{{{total}}} = {r['pixel_accuracy']['value']:.3f}",
                       "main", "Metrics: mean intersection over union (mIoU): the ratio of "
                       "pixels classified correctly"),
        panels.lecture(rf"IoU = \frac{{Intersect}}{{Union}} = \frac{{TP}}{{TP + FP + FN}} = "
                       rf"\frac{{{tp}}}{{{tp} + {fp} + {fn}}} = {_tex(iou['object'])}",
                       "seminar", "Intersection over Union (IoU) (Jaccard Index)"),
        panels.lecture(rf"\text{{per-class accuracy}} = \frac{{1}}{{C}}\sum_c "
                       rf"\frac{{n_{{cc}}}}{{\sum_j n_{{cj}}}} = \frac{{1}}{{2}}\left("
                       rf"{_tex(acc['background'])} + {_tex(acc['object'])}\right) = "
                       rf"{r['mean_class_accuracy']:.3f}", "panoptic", "Evaluation metric"),
        panels.lecture(rf"Dice = \frac{{2\,TP}}{{2\,TP + FP + FN}} = "
                       rf"\frac{{2\cdot{tp}}}{{2\cdot{tp} + {fp} + {fn}}} = {_tex(r['dice'])}",
                       "practical", "Evaluation metrics (Dice-Koeffizient)"),
    ]


def _grids() -> tuple[np.ndarray, np.ndarray]:
    """The preset buttons and both editable grids; returns (target, prediction)."""
    row = st.columns(len(PRESETS))
    for col, (name, (label, target, prediction)) in zip(row, PRESETS.items()):
        col.button(label, key=f"eb_preset_{name}", on_click=_preset, args=(target, prediction),
                   width="stretch")
    grids = {}
    for which in URL_KEYS:
        code = st.session_state[_state_key(which)]
        state.set_query(URL_KEYS[which], code)
        grids[which] = parse_grid(code)
    left, middle, right = st.columns(3, gap="large")
    with left:
        _grid_buttons("target", grids["target"], "Target (ground truth)")
    with middle:
        _grid_buttons("prediction", grids["prediction"], "Prediction")
    with right:
        st.markdown("**Cell by cell**")
        st.plotly_chart(kinds_figure(encode_grid(grids["target"]),
                                     encode_grid(grids["prediction"])),
                        width="stretch", key="eb_kinds")
        st.caption(LEGEND)
    return grids["target"], grids["prediction"]


def _results(r: dict) -> None:
    """Metrics as fractions of cells, the formulas filled in, the per-class table."""
    m = st.columns(4)
    m[0].metric("PA as on the slide", _frac(r["overlap_accuracy"]),
                help="The seminar slide's count: overlapped object cells (TP) over all cells.")
    m[1].metric("Pixel accuracy", _frac(r["pixel_accuracy"]),
                help="Every correctly classified cell, background included (TP + TN) over all "
                     "cells: the usual definition, segcore.metrics.pixel_accuracy.")
    m[2].metric("IoU (object)", _frac(r["iou"]["object"]))
    m[3].metric("Dice (object)", _frac(r["dice"]))
    for line in formula_lines(r):
        st.latex(line.latex)
        st.caption((":material/school: " if line.from_lecture else ":material/explore: ")
                   + line.source)
    acc, iou = r["class_accuracy"], r["iou"]
    rows = [f"| {name} | {acc[name]['den']} | {_frac(acc[name])} | {_frac(iou[name])} |"
            for name in we.CLASS_NAMES]
    st.markdown("| class | cells in the target | per-class accuracy | IoU |\n|---|---:|---:|---:|\n"
                + "\n".join(rows) + f"\n| mean over classes | | {r['mean_class_accuracy']:.3f} "
                f"| {r['miou']:.3f} (mIoU) |")
    background = acc["background"]["den"]
    if not background or not acc["object"]["den"]:
        return
    st.caption(f"Class imbalance: background is {background} of {r['counts']['total']} cells, "
               f"so predicting no object at all still scores pixel accuracy {background}/"
               f"{r['counts']['total']} = {background / r['counts']['total']:.2f}, with object "
               "IoU 0 and a mean per-class accuracy of 0.5. That is why the lecture prefers IoU "
               "and per-class accuracy, averaged over the classes.")


@st.fragment
def panel() -> None:
    """The whole "Evaluation basics" section (its own fragment: a click reruns only it)."""
    st.subheader("Evaluation basics: the lecture's 5 x 5 example", anchor=ANCHOR)
    st.caption("The seminar deck scores a 5 x 5 prediction against its target: pixel accuracy "
               "6/25, IoU 6/12. Click any cell of either grid to flip it between object (1) and "
               "background (0); every number below is recounted from the cells.")
    target, prediction = _grids()
    r = None
    with panels.user_errors():
        r = we.cell_by_cell(target, prediction)
    if r is not None:
        _results(r)
