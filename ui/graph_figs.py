"""Pictures and plotly figures for the graph-cuts page (numpy + plotly.graph_objects only).

Builders take segcore outputs (node grids, edge lists, eigenvectors, HCS
steps) and return uint8 RGB pictures for ``st.image`` or small ``go.Figure``
objects; nothing draws pixels one by one in plotly.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import plotly.graph_objects as go

from segcore.classical.affinity import downsample_labels
from ui.figures import image_layer, tidy, vline
from ui.overlay import PALETTE, as_rgb, mask_overlay

__all__ = ["resize_nearest", "partition_picture", "subgraph_picture", "signed_picture",
           "affinity_heatmap",
           "edge_weight_figure", "sweep_figure", "hcs_figure", "hcs_layout", "seed_model_figure",
           "seeds_picture", "energy_figure", "rag_weight_figure", "FG_COLOR", "BG_COLOR",
           "MAX_HEATMAP_SIDE", "MAX_DRAWN_EDGES"]

#: Seed colours: foreground orange, background sky blue (Okabe-Ito).
FG_COLOR = PALETTE[0]
BG_COLOR = PALETTE[1]
#: Largest heatmap drawn (rows and columns are subsampled beyond it).
MAX_HEATMAP_SIDE = 128
#: Strongest edges drawn over the image (the fully connected graph has thousands).
MAX_DRAWN_EDGES = 1500
#: Weight classes of the edge drawing (one line trace each).
_EDGE_CLASSES = 5
#: Line colour per weight class, weak (dark blue) to strong (yellow), Viridis-like.
_EDGE_COLOURS = ("#3b528b", "#21918c", "#5ec962", "#b5de2b", "#fde725")
#: Side of the enlarged node-grid pictures, in pixels.
_PICTURE_SIDE = 256
_NEGATIVE = np.array([0, 114, 178], np.float32)   # blue
_POSITIVE = np.array([230, 159, 0], np.float32)   # orange
_WHITE = np.array([255, 255, 255], np.float32)


def resize_nearest(labels: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize of a node grid (or any label map) to ``shape``."""
    return downsample_labels(np.asarray(labels).astype(np.int32), shape)


def partition_picture(image: np.ndarray, in_a: np.ndarray, bold: bool = False) -> np.ndarray:
    """Side A tinted orange, side B faintly blue, over the image (``bold``: presentation style)."""
    a = resize_nearest(in_a, image.shape[:2]) > 0
    rgb = mask_overlay(image, a, color=FG_COLOR, alpha=0.6, bold=bold)
    return mask_overlay(rgb, ~a, color=BG_COLOR, alpha=0.4 if bold else 0.2)


def subgraph_picture(image: np.ndarray, shape: tuple[int, int], nodes: np.ndarray,
                     side: np.ndarray) -> np.ndarray:
    """The nodes of one HCS call over the image: side A orange, side B blue, others untouched."""
    grid = np.zeros(shape[0] * shape[1], np.int32)
    grid[nodes] = np.where(side, 1, 2)
    labels = resize_nearest(grid.reshape(shape), image.shape[:2])
    rgb = mask_overlay(image, labels == 1, color=FG_COLOR, alpha=0.6)
    return mask_overlay(rgb, labels == 2, color=BG_COLOR, alpha=0.6)


def signed_picture(values: np.ndarray) -> np.ndarray:
    """A signed map (eigenvector, cost difference): blue < 0 < orange, white at 0."""
    values = np.asarray(values, np.float64)
    scale = float(np.abs(values).max()) or 1.0
    t = np.clip(values / scale, -1.0, 1.0)[..., None]
    rgb = np.where(t >= 0, _WHITE + t * (_POSITIVE - _WHITE), _WHITE - t * (_NEGATIVE - _WHITE))
    return _enlarge_rgb(rgb.round().astype(np.uint8))


def _enlarge_rgb(rgb: np.ndarray) -> np.ndarray:
    factor = max(1, _PICTURE_SIDE // max(rgb.shape[:2]))
    return np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)


def affinity_heatmap(weights: np.ndarray, group: np.ndarray, group_names: list[str],
                     height: int = 420) -> go.Figure:
    """The affinity matrix W with rows and columns sorted by ``group`` (block structure).

    Parameters
    ----------
    weights : (n, n) float ndarray
    group : (n,) int ndarray
        Ground-truth class (or intensity bin) of each node.
    group_names : list of str
        Name of each group value, for the axis ticks.
    """
    order = np.argsort(group, kind="stable")
    stride = max(1, int(np.ceil(len(order) / MAX_HEATMAP_SIDE)))
    shown = order[::stride]
    w = weights[np.ix_(shown, shown)]
    sorted_groups = group[shown]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    fig = go.Figure(go.Heatmap(z=w, colorscale="Viridis", zmin=0, zmax=max(float(w.max()), 1e-9),
                               colorbar=dict(title="w", thickness=12), hovertemplate="w=%{z:.3f}"))
    for start in starts[1:]:
        for axis in ("x", "y"):
            fig.add_shape(type="line", line=dict(color="white", width=1),
                          **({"x0": start - .5, "x1": start - .5, "y0": -.5, "y1": len(shown) - .5}
                             if axis == "x" else
                             {"y0": start - .5, "y1": start - .5, "x0": -.5, "x1": len(shown) - .5}))
    ticks = dict(tickvals=starts.tolist(), ticktext=[group_names[g] for g in sorted_groups[starts]])
    fig.update_xaxes(**ticks, showgrid=False)
    fig.update_yaxes(**ticks, showgrid=False, autorange="reversed", scaleanchor="x")
    return tidy(fig, height)


def edge_weight_figure(small_image: np.ndarray, edges: np.ndarray, weights: np.ndarray,
                       cut: np.ndarray | None = None, height: int = 420) -> go.Figure:
    """Graph edges drawn over the downsampled image; thicker and brighter = stronger affinity.

    ``cut`` (optional, bool per node) marks the edges a partition cuts in red.
    """
    h, w = small_image.shape[:2]
    fig = go.Figure(image_layer(as_rgb(small_image)))
    keep = np.argsort(weights)[::-1][:MAX_DRAWN_EDGES]
    rows, cols = np.divmod(edges[keep], w)
    levels = np.minimum((weights[keep] * _EDGE_CLASSES).astype(int), _EDGE_CLASSES - 1)
    for level in range(_EDGE_CLASSES):
        sel = levels == level
        if not sel.any():
            continue
        xs = np.stack([cols[sel, 0], cols[sel, 1], np.full(sel.sum(), np.nan)], 1).ravel()
        ys = np.stack([rows[sel, 0], rows[sel, 1], np.full(sel.sum(), np.nan)], 1).ravel()
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", opacity=0.8,
                                 line=dict(width=0.4 + 0.6 * level, color=_EDGE_COLOURS[level]),
                                 name=f"w in [{level / _EDGE_CLASSES:.1f}, "
                                      f"{(level + 1) / _EDGE_CLASSES:.1f})"))
    if cut is not None:
        crossing = cut[edges[:, 0]] != cut[edges[:, 1]]
        r, c = np.divmod(edges[crossing], w)
        xs = np.stack([c[:, 0], c[:, 1], np.full(len(c), np.nan)], 1).ravel()
        ys = np.stack([r[:, 0], r[:, 1], np.full(len(r), np.nan)], 1).ravel()
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(width=2, color="red"),
                                 name="cut edges", hoverinfo="skip"))
    fig.update_xaxes(visible=False, range=[-0.5, w - 0.5])
    fig.update_yaxes(visible=False, range=[h - 0.5, -0.5], scaleanchor="x")
    return tidy(fig, height)


def sweep_figure(thresholds: np.ndarray, ncut_values: np.ndarray, chosen: float,
                 height: int = 300) -> go.Figure:
    """Ncut(A, B) of the split {y2 > t} for every threshold t; the chosen t marked."""
    fig = go.Figure(go.Scatter(x=thresholds, y=ncut_values, mode="lines+markers", name="Ncut",
                               marker=dict(size=4), line=dict(color="rgb(0,114,178)")))
    if np.isfinite(chosen):
        vline(fig, chosen, dict(color="rgb(213,94,0)", dash="dash"), "t*")
    fig.update_xaxes(title="threshold t on y2")
    fig.update_yaxes(title="Ncut", rangemode="tozero")
    return tidy(fig, height)


def hcs_layout(graph: nx.Graph) -> dict[int, np.ndarray]:
    """Fixed node positions of a small graph (spring layout with a fixed seed)."""
    return nx.spring_layout(graph, seed=3)


def hcs_figure(graph: nx.Graph, positions: dict, step, clusters_so_far: list[list[int]],
               height: int = 420) -> go.Figure:
    """One HCS call: the current subgraph's two sides, its min-cut edges, earlier clusters."""
    nodes = step.data["nodes"].tolist()
    side = dict(zip(nodes, step.data["side"].tolist()))
    ex, ey, cx, cy = [], [], [], []
    for u, v in graph.edges:
        (x0, y0), (x1, y1) = positions[u], positions[v]
        crossing = u in side and v in side and side[u] != side[v] and step.name == "split"
        (cx if crossing else ex).extend([x0, x1, None])
        (cy if crossing else ey).extend([y0, y1, None])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=ex, y=ey, mode="lines", line=dict(color="#bbbbbb", width=1.5),
                             hoverinfo="skip", name="edge"))
    if cx:
        fig.add_trace(go.Scatter(x=cx, y=cy, mode="lines", line=dict(color="red", width=3, dash="dot"),
                                 hoverinfo="skip", name="min cut"))
    cluster_of = {n: i for i, members in enumerate(clusters_so_far) for n in members}
    colours = []
    for n in graph.nodes:
        if n in side:
            colours.append(_rgb(FG_COLOR if side[n] or step.name != "split" else BG_COLOR))
        elif n in cluster_of:
            colours.append(_rgb(PALETTE[2 + cluster_of[n] % (len(PALETTE) - 2)]))
        else:
            colours.append("#dddddd")
    xs = [positions[n][0] for n in graph.nodes]
    ys = [positions[n][1] for n in graph.nodes]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers+text", text=[str(n) for n in graph.nodes],
                             textposition="middle center", name="vertex",
                             textfont=dict(size=13, color="black"),
                             marker=dict(size=28, color=colours, line=dict(color="#333", width=1))))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    return tidy(fig, height)


def _rgb(colour) -> str:
    return "rgb({},{},{})".format(*(int(c) for c in colour))


def seed_model_figure(fg_model: np.ndarray, bg_model: np.ndarray, bins: int, colour: bool,
                      height: int = 260) -> go.Figure:
    """The seed colour models P(I | fg) and P(I | bg) (gray histograms or RGB marginals)."""
    fig = go.Figure()
    if colour:
        for channel, name in enumerate("RGB"):
            axes = tuple(a for a in range(3) if a != channel)
            for model, who, col in ((fg_model, "fg", FG_COLOR), (bg_model, "bg", BG_COLOR)):
                marginal = model.reshape(bins, bins, bins).sum(axis=axes)
                fig.add_trace(go.Bar(x=[f"{name}{i}" for i in range(bins)], y=marginal,
                                     name=f"P({name} | {who})", marker_color=_rgb(col),
                                     showlegend=channel == 0))
    else:
        centres = (np.arange(bins) + 0.5) * 256 / bins
        fig.add_trace(go.Bar(x=centres, y=fg_model, name="P(I | fg)", marker_color=_rgb(FG_COLOR)))
        fig.add_trace(go.Bar(x=centres, y=bg_model, name="P(I | bg)", marker_color=_rgb(BG_COLOR)))
        fig.update_xaxes(title="gray level")
    fig.update_layout(barmode="group", bargap=0.1)
    return tidy(fig, height)


def seeds_picture(image: np.ndarray, mask: np.ndarray, boundary: np.ndarray,
                  fg: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """The foreground tinted, the cut boundary in white, and the seeds painted solid."""
    rgb = mask_overlay(image, mask, color=FG_COLOR, alpha=0.35)
    rgb[boundary] = 255
    rgb[fg] = FG_COLOR
    rgb[bg] = BG_COLOR
    return rgb


def energy_figure(regional: float, boundary: float, flow: float, height: int = 240) -> go.Figure:
    """The two energy terms of the cut and the max-flow value (equal to their sum)."""
    fig = go.Figure(go.Bar(x=["regional: sum R_p", "boundary: lambda sum B_pq", "max-flow"],
                           y=[regional, boundary, flow],
                           marker_color=[_rgb(FG_COLOR), _rgb(BG_COLOR), _rgb(PALETTE[2])]))
    fig.update_yaxes(title="energy (log scale)", type="log")
    return tidy(fig, height)


def rag_weight_figure(weights: np.ndarray, bins: int = 20, height: int = 260) -> go.Figure:
    """Histogram of the RAG's edge weights in [0, 1]."""
    counts, edges = np.histogram(weights, bins=bins, range=(0.0, 1.0))
    fig = go.Figure(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, marker_color=_rgb(BG_COLOR)))
    fig.update_xaxes(title="edge weight w_ij")
    fig.update_yaxes(title="edges")
    return tidy(fig, height)
