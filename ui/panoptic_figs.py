"""Drawing helpers of the panoptic-quality page (no algorithm: colours, tables, figures).

Panoptic maps are drawn with one palette colour per segment and white
segment boundaries; matching outcomes with the shared TP/FP/FN colours plus
grey for ignored predictions and pink for crowd regions.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from scipy.ndimage import binary_dilation
from skimage.segmentation import find_boundaries

from segcore.evaluation.fusion import CONFLICT_NAMES
from segcore.evaluation.panoptic import OUTCOME_NAMES
from ui import overlay
from ui.figures import png

__all__ = ["OUTCOME_LEGEND", "CONFLICT_LEGEND", "CROWD_USED", "CROWD_NOT_USED", "panoptic_rgb",
           "outcome_rgb", "conflict_rgb", "matching_rows", "class_rows", "pq_bars", "fmt", "png"]

_OUTCOME_COLORS = {"true positive": overlay.TP_COLOR, "false negative": overlay.FN_COLOR,
                   "false positive": overlay.FP_COLOR, "ignored prediction": (150, 150, 150),
                   "crowd": (204, 121, 167)}
_OUTCOME_ALPHA = {name: 0.35 if name == "true positive" else 0.75 for name in _OUTCOME_COLORS}
OUTCOME_LEGEND = ("green = matched (TP), blue = missed ground truth (FN, outlined), orange = false "
                  "positive (FP), grey = ignored prediction (mostly on VOID or its class's crowd "
                  "region), pink = crowd, no colour = VOID")
#: Matching-table verdicts of a ground-truth crowd segment: COCO's pq_compute keeps one crowd
#: region per class, the last crowd segment listed, to excuse predictions of that class.
CROWD_USED = "crowd, never matched (used for ignoring: last crowd listed of its class)"
CROWD_NOT_USED = ("crowd, never matched (not used for ignoring: a later crowd segment of its "
                  "class is)")
_CONFLICT_COLORS = {"two instances": (213, 94, 0), "instance on stuff": (240, 228, 66)}
CONFLICT_LEGEND = ("vermilion = two instance masks claim the pixel, yellow = an instance mask "
                   "covers pixels the semantic head calls stuff")


def fmt(value: float, digits: int = 3) -> str:
    """A score for display: ``n/a`` for nan."""
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else f"{value:.{digits}f}"



def panoptic_rgb(image: np.ndarray, ids: np.ndarray, alpha: float = 0.6,
                 bold: bool = False) -> np.ndarray:
    """Segments in palette colours over the image, white boundaries; VOID left as image.

    ``bold`` (presentation mode): colours more opaque, boundaries 2 px wide.
    """
    out = overlay.overlay(image, ids, alpha=alpha, bold=bold)
    edges = find_boundaries(ids, mode="thick" if bold else "inner")
    out[edges & (ids != 0)] = 255
    return out


def _paint_codes(image, codes, names, colors, alpha: dict, boost: float = 1.0) -> np.ndarray:
    out = overlay.as_rgb(image)
    for code, name in enumerate(names):
        if name in colors:
            out = overlay.mask_overlay(out, codes == code, colors[name],
                                       min(1.0, alpha[name] * boost))
    return out


def outcome_rgb(image: np.ndarray, outcome: np.ndarray, gt_outcome: np.ndarray | None = None,
                bold: bool = False) -> np.ndarray:
    """Matching outcome codes (``OUTCOME_NAMES``) painted over the image.

    Matches are drawn faintly so errors stand out; with ``gt_outcome`` the
    missed ground-truth segments also get a blue outline, visible even where
    a false positive covers them. ``bold`` (presentation mode) paints every
    colour 1.3 times as opaque and the outline :data:`ui.overlay.BOLD_WIDTH` px wide.
    """
    out = _paint_codes(image, outcome, OUTCOME_NAMES, _OUTCOME_COLORS, _OUTCOME_ALPHA,
                       1.3 if bold else 1.0)
    if gt_outcome is not None:
        missed = gt_outcome == OUTCOME_NAMES.index("false negative")
        edge = binary_dilation(find_boundaries(missed, mode="inner") & missed,
                               iterations=overlay.BOLD_WIDTH - 1 if bold else 1)
        out[edge] = overlay.FN_COLOR
    return out


def conflict_rgb(image: np.ndarray, conflicts: np.ndarray, alpha: float = 0.8) -> np.ndarray:
    """Fusion conflict codes (``CONFLICT_NAMES``) painted over the dimmed image."""
    dimmed = (overlay.as_rgb(image) * 0.5).astype(np.uint8)
    return _paint_codes(dimmed, conflicts, CONFLICT_NAMES, _CONFLICT_COLORS,
                        dict.fromkeys(_CONFLICT_COLORS, alpha))


def _crowd_verdict(result, g: int) -> str:
    """Whether crowd segment ``g`` is its class's crowd region (the one excusing predictions)."""
    return CROWD_USED if g in result.crowd_regions else CROWD_NOT_USED


def matching_rows(result, gt_segments, pred_segments, names: dict) -> list[dict]:
    """One table row per overlapping (ground truth, prediction) pair plus unpaired segments.

    Unpaired rows: missed ground truth (FN), crowd segments no prediction
    touches, then false positives and ignored predictions. A crowd row says
    whether that segment is its class's crowd region used for ignoring.
    """
    gt_cat = {s["id"]: s["category_id"] for s in gt_segments}
    pred_cat = {s["id"]: s["category_id"] for s in pred_segments}
    matched = {(g, p) for g, p, _ in result.matches}
    crowd = set(result.crowd)
    rows = []
    for g, p, inter, iou in result.overlaps:
        if (g, p) in matched:
            verdict = "TP (IoU > 0.5)"
        elif g in crowd:
            verdict = _crowd_verdict(result, g)
        elif gt_cat[g] != pred_cat[p]:
            verdict = "different class"
        else:
            verdict = "IoU <= 0.5"
        rows.append({"GT id": g, "GT class": names[gt_cat[g]], "pred id": p,
                     "pred class": names[pred_cat[p]], "shared px": inter,
                     "IoU": round(iou, 3), "verdict": verdict})
    rows.sort(key=lambda r: (not r["verdict"].startswith("TP"), -r["IoU"]))
    for g in result.false_negatives:
        rows.append({"GT id": g, "GT class": names[gt_cat[g]], "pred id": None, "pred class": "",
                     "shared px": 0, "IoU": None, "verdict": "FN"})
    touched = {g for g, *_ in result.overlaps}
    for g in result.crowd:
        if g not in touched:
            rows.append({"GT id": g, "GT class": names[gt_cat[g]], "pred id": None,
                         "pred class": "", "shared px": 0, "IoU": None,
                         "verdict": _crowd_verdict(result, g)})
    for p in result.false_positives + result.ignored:
        rows.append({"GT id": None, "GT class": "", "pred id": p, "pred class": names[pred_cat[p]],
                     "shared px": 0, "IoU": None,
                     "verdict": "FP" if p in result.false_positives
                     else "ignored (> half on VOID + its class's crowd region)"})
    return rows


def class_rows(result, categories) -> list[dict]:
    """Per-class PQ table rows (classes without TP, FP, FN marked as left out)."""
    rows = []
    for c in categories:
        s = result.per_class[c["id"]]
        counted = s["tp"] + s["fp"] + s["fn"] > 0
        rows.append({"class": c["name"], "kind": "thing" if c["isthing"] else "stuff",
                     "TP": s["tp"], "FP": s["fp"], "FN": s["fn"], "sum IoU": round(s["iou_sum"], 3),
                     "SQ": fmt(s["sq"]), "RQ": fmt(s["rq"]), "PQ": fmt(s["pq"]),
                     "in average": "yes" if counted else "no (absent)"})
    return rows


def pq_bars(result, categories) -> go.Figure:
    """Grouped bars of SQ, RQ and PQ per class, with the All/Things/Stuff means."""
    names = [c["name"] for c in categories] + ["All", "Things", "Stuff"]
    fig = go.Figure()
    for key, color in (("sq", "#56B4E9"), ("rq", "#E69F00"), ("pq", "#009E73")):
        values = [result.per_class[c["id"]][key] for c in categories] + [
            result.summary[g][key] for g in ("all", "things", "stuff")]
        fig.add_trace(go.Bar(x=names, y=[None if math.isnan(v) else v for v in values],
                             name=key.upper(), marker_color=color,
                             text=[fmt(v, 2) for v in values], textposition="outside"))
    # template "none" + explicit styling: the plotly_white template alone costs ~50 ms per
    # figure build (validation), which a rerun cannot afford
    fig.update_layout(barmode="group", height=300, template="none", plot_bgcolor="white",
                      paper_bgcolor="white", margin=dict(l=40, r=10, t=30, b=30),
                      legend=dict(orientation="h", y=1.12),
                      yaxis=dict(range=[0, 1.15], title="score", gridcolor="#e5e5e5"))
    return fig
