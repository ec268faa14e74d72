"""Pictures for the region pages: growth rings, seeds, quadtree partitions, RAGs, statistics.

Everything is numpy in, uint8 RGB or ``plotly.graph_objects`` out; no
plotly.express over pixels. Colours come from the colour-blind-safe palette in
:mod:`ui.overlay`.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from segcore.classical.split_merge import AT_MIN_SIZE, HOMOGENEOUS, SPLIT, blocks_to_labels
from ui.figures import image_layer, tidy
from ui.overlay import PALETTE, as_rgb, mask_overlay, overlay

__all__ = ["RING_COLOR", "SEED_COLOR", "STATE_COLORS", "STATE_NAMES", "stage_rgb", "mark_points",
           "quadtree_rgb", "rag_figure", "growth_figure"]

RING_COLOR = (213, 94, 0)  # vermillion: the pixels added at the shown stage
SEED_COLOR = (0, 114, 178)  # dark blue crosses (visible on the light region colours)
STATE_COLORS = {SPLIT: (230, 159, 0), HOMOGENEOUS: (0, 158, 115), AT_MIN_SIZE: (86, 180, 233)}
STATE_NAMES = {SPLIT: "P FALSE: split next", HOMOGENEOUS: "P TRUE: leaf",
               AT_MIN_SIZE: "P FALSE at minimum size: leaf"}
MIN_OUTLINED = 4  # quadtree blocks at least this wide get a white border
MAX_DRAWN_EDGES = 3000  # more RAG edges than this are thinned for drawing
MAX_DRAWN_NODES = 1500  # more regions than this: only the largest are drawn
SIMILARITY_BINS = 5
_EDGE_SCALE = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")  # similar -> different


def stage_rgb(gray: np.ndarray, labels: np.ndarray, stage: np.ndarray, k: int) -> np.ndarray:
    """Regions as grown after stage ``k``, with the ring added at stage ``k`` highlighted."""
    grown = np.where((stage >= 0) & (stage <= k), labels, 0)
    rgb = overlay(gray, grown, alpha=0.45)
    return mask_overlay(rgb, stage == k, color=RING_COLOR, alpha=0.9)


def mark_points(rgb: np.ndarray, points: np.ndarray, color=SEED_COLOR) -> np.ndarray:
    """Draw a small cross at every (row, col) point (arm length ~1 % of the image)."""
    out = as_rgb(rgb).copy()
    height, width = out.shape[:2]
    arm = max(2, round(max(height, width) / 100))
    for row, col in np.asarray(points, int).reshape(-1, 2):
        out[max(row - arm, 0):row + arm + 1, col] = color
        out[row, max(col - arm, 0):col + arm + 1] = color
    return out


def quadtree_rgb(gray: np.ndarray, blocks: np.ndarray, state: np.ndarray) -> np.ndarray:
    """A quadtree partition: blocks tinted by their state, block borders in white.

    Borders between two blocks narrower than :data:`MIN_OUTLINED` pixels are
    not drawn (white lines would cover half of a 2 x 2 block); the tint still
    shows those blocks.
    """
    labels = blocks_to_labels(blocks, gray.shape)
    out = as_rgb(gray)
    for value, color in STATE_COLORS.items():
        tinted = np.isin(labels, np.flatnonzero(state == value) + 1)
        out = mask_overlay(out, tinted, color=color, alpha=0.35)
    big = np.r_[0, np.asarray(blocks, np.int64).reshape(-1, 3)[:, 2]][labels] >= MIN_OUTLINED
    border = np.zeros(gray.shape, bool)
    border[:, 1:] |= (labels[:, 1:] != labels[:, :-1]) & (big[:, 1:] | big[:, :-1])
    border[1:, :] |= (labels[1:, :] != labels[:-1, :]) & (big[1:, :] | big[:-1, :])
    out[border] = 255
    return out


def _segments(points: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y arrays with None gaps drawing every edge as one line segment."""
    xs = np.full((len(edges), 3), np.nan)
    ys = np.full((len(edges), 3), np.nan)
    xs[:, 0], xs[:, 1] = points[edges[:, 0], 1], points[edges[:, 1], 1]
    ys[:, 0], ys[:, 1] = points[edges[:, 0], 0], points[edges[:, 1], 0]
    return xs.ravel(), ys.ravel()


def rag_figure(rgb: np.ndarray, rag: dict, title: str, height: int = 520) -> go.Figure:
    """The region adjacency graph over the image: nodes at centroids, edges coloured by
    similarity |M1 - M2| (green = similar, red = different), dashed when not mergeable."""
    fig = go.Figure(image_layer(rgb))
    points, edges, similarity = rag["nodes"], rag["edges"], rag["similarity"]
    mergeable = rag["mergeable"]
    nodes = np.arange(len(points))
    if len(points) > MAX_DRAWN_NODES:  # keep the figure small: the largest regions only
        nodes = np.sort(np.argsort(-rag["node_size"], kind="stable")[:MAX_DRAWN_NODES])
        title += f" (the {MAX_DRAWN_NODES} largest of {len(points)} regions drawn)"
    kept = np.zeros(len(points), bool)
    kept[nodes] = True
    shown = np.flatnonzero(kept[edges[:, 0]] & kept[edges[:, 1]]) if len(edges) else nodes[:0]
    if len(shown) > MAX_DRAWN_EDGES:
        shown = np.sort(shown[np.argsort(similarity[shown], kind="stable")[:MAX_DRAWN_EDGES]])
        title += f" ({MAX_DRAWN_EDGES} most similar edges drawn)"
    if len(shown):
        cuts = np.quantile(similarity[shown], np.linspace(0, 1, SIMILARITY_BINS + 1))
        which = np.clip(np.searchsorted(cuts, similarity[shown], side="right") - 1, 0,
                        SIMILARITY_BINS - 1)
        for b in range(SIMILARITY_BINS):
            for can_merge in (True, False):
                pick = shown[(which == b) & (mergeable[shown] == can_merge)]
                if not len(pick):
                    continue
                x, y = _segments(points, edges[pick])
                fig.add_trace(go.Scatter(
                    x=x, y=y, mode="lines", hoverinfo="skip",
                    line=dict(color=_EDGE_SCALE[b], width=2.5 if can_merge else 1.2,
                              dash="solid" if can_merge else "dot"),
                    name=f"|M1-M2| {cuts[b]:.0f}-{cuts[b + 1]:.0f}"
                         + ("" if can_merge else " (no merge)"),
                    legendgroup=str(b)))
    fig.add_trace(go.Scatter(
        x=points[nodes, 1], y=points[nodes, 0], mode="markers", name="regions (centroids)",
        marker=dict(size=5, color="white", line=dict(color="black", width=1)),
        customdata=np.column_stack([nodes + 1, rag["node_mean"][nodes], rag["node_size"][nodes]]),
        hovertemplate="region %{customdata[0]:.0f}<br>M = %{customdata[1]:.1f}"
                      "<br>%{customdata[2]:.0f} px<extra></extra>"))
    fig.update_xaxes(visible=False, range=[-0.5, rgb.shape[1] - 0.5])
    fig.update_yaxes(visible=False, range=[rgb.shape[0] - 0.5, -0.5], scaleanchor="x")
    fig = tidy(fig, height=height)
    fig.update_layout(title=dict(text=title, font=dict(size=13)), showlegend=False)
    return fig


def growth_figure(history: dict, criterion: str, height: int = 320) -> go.Figure:
    """Region mean M(i) and sd(i) per stage; for region 1 the band M +- T(i) of admissible
    intensities (the band the next ring is tested against)."""
    mean, sd, thr = history["mean"], history["sd"], history["threshold"]
    stages = np.arange(len(mean))
    fig = go.Figure()
    if mean.size and criterion != "fixed":
        fig.add_trace(go.Scatter(x=np.r_[stages, stages[::-1]],
                                 y=np.r_[mean[:, 0] + thr[:, 0], (mean[:, 0] - thr[:, 0])[::-1]],
                                 fill="toself", fillcolor="rgba(230,159,0,0.18)",
                                 line=dict(width=0), hoverinfo="skip",
                                 name="region 1: M(1) +- T(1) (admissible)"))
    for i in range(mean.shape[1] if mean.size else 0):
        color = "rgb({},{},{})".format(*PALETTE[i % len(PALETTE)])  # overlay's colour of label i+1
        fig.add_trace(go.Scatter(x=stages, y=mean[:, i], mode="lines", name=f"M({i + 1})",
                                 line=dict(color=color, width=2)))
        fig.add_trace(go.Scatter(x=stages, y=sd[:, i], mode="lines", name=f"sd({i + 1})",
                                 line=dict(color=color, width=1.5, dash="dot"), yaxis="y2"))
    fig.update_layout(xaxis_title="stage k", yaxis=dict(title="region mean M(i)"),
                      yaxis2=dict(title="sd(i)", overlaying="y", side="right", showgrid=False))
    return tidy(fig, height=height)
