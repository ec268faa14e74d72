"""Pictures and plotly figures for the Mask R-CNN page (numpy + plotly.graph_objects only).

Every builder takes a Trace step's arrays (boxes in input pixels, small
feature maps) and returns either a uint8 RGB picture for ``st.image`` or a
``go.Figure`` built from precomputed arrays; nothing loops over pixels in
plotly.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ui import figures, overlay
from ui.figures import stretched_picture as feature_picture

__all__ = ["boxes_picture", "heat_picture", "instances_picture",
           "logits_strip", "pr_figure", "roi_figure", "step_view"]

LEVEL_COLORS = ("#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7")
KEPT_COLOR = (0, 158, 115)
DROPPED_COLOR = (213, 94, 0)
POINT_COLOR = "#D55E00"
EXACT_COLOR = "#0072B2"
QUANT_COLOR = "#D55E00"
MAX_LOGITS = 8


def heat_picture(image: np.ndarray, heat: np.ndarray, alpha: float = 0.6) -> np.ndarray:
    """Blend a [0, 1] heat map (orange) over the image; heat shape may be smaller."""
    base = overlay.as_rgb(image).astype(np.float64)
    if heat.shape != base.shape[:2]:
        rows = np.minimum((np.arange(base.shape[0]) * heat.shape[0]) // base.shape[0],
                          heat.shape[0] - 1)
        cols = np.minimum((np.arange(base.shape[1]) * heat.shape[1]) // base.shape[1],
                          heat.shape[1] - 1)
        heat = heat[rows][:, cols]
    weight = alpha * np.clip(heat, 0, 1)[..., None]
    return np.round(base * (1 - weight) + np.array(overlay.FP_COLOR) * weight).astype(np.uint8)


def boxes_picture(image: np.ndarray, boxes: np.ndarray, colors=None,
                  limit: int = 300, width: int = 1) -> np.ndarray:
    """Draw box outlines (``(x1, y1, x2, y2)`` in pixels, ``width`` px inwards) on the image."""
    pic = overlay.as_rgb(image).copy()
    h, w = pic.shape[:2]
    for k, box in enumerate(np.asarray(boxes)[:limit]):
        x1, y1, x2, y2 = np.clip(np.round(box), 0, [w - 1, h - 1, w - 1, h - 1]).astype(int)
        color = KEPT_COLOR if colors is None else colors[k]
        for d in range(min(width, (x2 - x1) // 2 + 1, (y2 - y1) // 2 + 1)):
            pic[y1:y2 + 1, [x1 + d, x2 - d]] = color
            pic[[y1 + d, y2 - d], x1:x2 + 1] = color
    return pic


def instances_picture(image: np.ndarray, instances: np.ndarray, boxes: np.ndarray,
                      bold: bool = False) -> np.ndarray:
    """Instance masks in palette colours with their boxes (``bold``: presentation style)."""
    pic = overlay.overlay(image, instances, alpha=0.55, bold=bold)
    colors = [tuple(overlay.PALETTE[(k + 1) % len(overlay.PALETTE)]) for k in range(len(boxes))]
    return boxes_picture(pic, boxes, colors, width=overlay.BOLD_WIDTH if bold else 1)


def logits_strip(logits: np.ndarray, size: int = 112) -> list[np.ndarray]:
    """The first ``MAX_LOGITS`` 28 x 28 mask logit maps as enlarged gray pictures."""
    return [feature_picture(l, size) for l in logits[:MAX_LOGITS]]


def _rectangles(boxes, name: str, line: dict) -> go.Scatter:
    """Outlines of ``(x1, y1, x2, y2)`` boxes as one line trace (None between boxes)."""
    xs, ys = [], []
    for x1, y1, x2, y2 in boxes:
        xs += [x1, x2, x2, x1, x1, None]
        ys += [y1, y1, y2, y2, y1, None]
    return go.Scatter(x=xs, y=ys, mode="lines", name=name, line=line, hoverinfo="skip")


def roi_figure(data: dict) -> go.Figure:
    """The proposal on its FPN level: exact box, RoIPool's rounded bins, RoIAlign's samples.

    Feature cells are centred on integer coordinates, as in RoIAlign's
    ``aligned=False`` convention the page uses.
    """
    feature = data["feature"]
    x1, y1, x2, y2 = data["box_cells"]
    pad = 2
    c0, c1 = int(max(np.floor(x1) - pad, 0)), int(min(np.ceil(x2) + pad, feature.shape[1] - 1))
    r0, r1 = int(max(np.floor(y1) - pad, 0)), int(min(np.ceil(y2) + pad, feature.shape[0] - 1))
    fig = go.Figure(go.Heatmap(z=feature[r0:r1 + 1, c0:c1 + 1], x=np.arange(c0, c1 + 1),
                               y=np.arange(r0, r1 + 1), colorscale="Greys", reversescale=True,
                               showscale=False, hovertemplate="cell (%{x}, %{y}): %{z:.2f}"))
    # RoIPool bins: integer cells [start, end) -> cell edges at start - 0.5, end - 0.5
    bins = [(xs - 0.5, ys - 0.5, xe - 0.5, ye - 0.5)
            for xs, xe in data["x_bins"] for ys, ye in data["y_bins"]]
    fig.add_trace(_rectangles(bins, "RoIPool bins", dict(color=QUANT_COLOR, width=1, dash="dot")))
    qx1, qy1, qx2, qy2 = data["quantised_cells"]
    fig.add_trace(_rectangles([(qx1 - 0.5, qy1 - 0.5, qx2 + 0.5, qy2 + 0.5)],
                              "RoIPool: rounded RoI", dict(color=QUANT_COLOR, width=2, dash="dash")))
    fig.add_trace(_rectangles([(x1, y1, x2, y2)], "exact RoI", dict(color=EXACT_COLOR, width=3)))
    points = data["points"].reshape(-1, 2)
    fig.add_trace(go.Scatter(x=points[:, 0], y=points[:, 1], mode="markers",
                             name="RoIAlign samples", marker=dict(size=4, color=EXACT_COLOR)))
    fig.update_yaxes(autorange="reversed", scaleanchor="x", title="feature row")
    fig.update_xaxes(title="feature column")
    return figures.tidy(fig, height=420)


def pr_figure(raw: tuple[np.ndarray, np.ndarray] | None, recall101: np.ndarray,
              precision101: np.ndarray, threshold: float) -> go.Figure:
    """Precision down the ranking, its monotone envelope and COCO's 101-point reading."""
    fig = go.Figure()
    if raw is not None and len(raw[0]):
        recall, precision = (np.concatenate([[0.0], a]) for a in raw)
        precision[0] = precision[1]
        envelope = np.maximum.accumulate(precision[::-1])[::-1]
        fig.add_trace(go.Scatter(x=recall, y=precision, mode="lines+markers", name="P_k, R_k",
                                 line=dict(color="#999999"), marker=dict(size=6)))
        fig.add_trace(go.Scatter(x=recall, y=envelope, mode="lines",
                                 name="max precision to the right",
                                 line=dict(color=EXACT_COLOR, shape="hv")))
    fig.add_trace(go.Scatter(x=recall101, y=np.maximum(precision101, 0), mode="markers",
                             name="101 recall levels", marker=dict(size=4, color=QUANT_COLOR)))
    fig.update_layout(xaxis=dict(title="recall", range=[-0.02, 1.02]),
                      yaxis=dict(title="precision", range=[-0.02, 1.05]),
                      title=f"IoU threshold {threshold:.2f}")
    return figures.tidy(fig, height=360)


def step_view(image: np.ndarray, step) -> list[tuple[str, object, str]]:
    """What to show for one Trace step: a list of ``(kind, content, caption)``.

    ``kind`` is ``"image"`` (uint8 picture), ``"images"`` (list of pictures)
    or ``"figure"`` (go.Figure).
    """
    d = step.data
    name = step.name
    if name == "transform":
        return [("image", feature_picture(d["image"]), "Normalised input the network sees")]
    if name == "backbone FPN":
        return [("images", [feature_picture(v, 128) for v in d.values()],
                 " | ".join(f"{k}: {v.shape[1]} x {v.shape[0]}" for k, v in d.items()))]
    if name == "RPN anchors":
        colors = [tuple(int(LEVEL_COLORS[l][i:i + 2], 16) for i in (1, 3, 5)) for l in d["level"]]
        return [("image", boxes_picture(image, d["boxes"], colors),
                 "Anchors on the clicked cell, coloured by level (P2 orange ... P6 purple)")]
    if name == "objectness":
        return [("image", heat_picture(image, d["heatmap"]), "Objectness (orange = high)")]
    if name.startswith("proposals"):
        shown = min(len(d["boxes"]), 300)
        return [("image", boxes_picture(image, d["boxes"], limit=300),
                 f"{shown} of {len(d['boxes'])} boxes drawn")]
    if name == "RoIAlign vs RoIPool":
        return [("figure", roi_figure(d), "Feature cells of the RoI's level"),
                ("images", [feature_picture(d["align"], 112), feature_picture(d["pool"], 112)],
                 "7 x 7 output: RoIAlign (left) vs RoIPool (right)")]
    if name == "box head + NMS":
        order = np.argsort(d["kept"], kind="stable")        # suppressed first, kept on top
        colors = [KEPT_COLOR if k else DROPPED_COLOR for k in d["kept"][order]]
        return [("image", boxes_picture(image, d["boxes"][order], colors),
                 "Green: kept by per-class NMS; vermillion: suppressed")]
    if name == "mask logits":
        return [("images", logits_strip(d["logits"]), "28 x 28 mask logits (bright = object)")]
    if name == "pasted masks":
        heat = d["probabilities"].max(axis=0, initial=0) / 255.0 if len(d["probabilities"]) \
            else np.zeros(image.shape[:2])
        return [("image", heat_picture(image, heat), "Mask probabilities pasted into the boxes")]
    return [("image", instances_picture(image, d["instances"], d["boxes"]), "Final instances")]
