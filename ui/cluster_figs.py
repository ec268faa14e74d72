"""Pictures and plotly figures for the clustering page (numpy + plotly.graph_objects only).

Builders take segcore's clustering outputs (label maps, centroids, the
subsampled feature-space view) and return uint8 RGB pictures for
``st.image`` or small ``go.Figure`` objects; nothing draws pixels one by one
in plotly.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from segcore.classical.clustering import UNLABELLED
from ui import figures, overlay

__all__ = ["css", "label_picture", "cluster_picture", "probability_picture", "feature_picture",
           "histogram_figure",
           "scatter_figure", "sse_figure", "elbow_figure", "project", "boundaries_1d"]

UNLABELLED_COLOR = "rgb(170,170,170)"
CENTROID_SIZE = {2: 16, 3: 7}
#: Standard deviations either side of the mean a feature picture spans.
FEATURE_SPREAD = 2.5


def css(i: int) -> str:
    """The overlay palette colour of cluster ``i`` as CSS."""
    r, g, b = overlay.PALETTE[i % len(overlay.PALETTE)]
    return f"rgb({r},{g},{b})"


def label_picture(image: np.ndarray, labels: np.ndarray, alpha: float = 0.6,
                  bold: bool = False) -> np.ndarray:
    """Clusters in palette colours over the image; UNLABELLED pixels show the image only.

    ``bold`` is the presentation style (:mod:`ui.overlay`).
    """
    picture = overlay.overlay(image, np.maximum(labels, 0), alpha=alpha, skip_zero=False,
                              bold=bold)
    unlabelled = labels == UNLABELLED
    if unlabelled.any():
        picture[unlabelled] = overlay.as_rgb(image)[unlabelled]
    return picture


def cluster_picture(image: np.ndarray, labels: np.ndarray, cluster: int) -> np.ndarray:
    """One cluster's pixels in their own colours on black (the lecture's "k = 9, cluster 5")."""
    rgb = overlay.as_rgb(image)
    return np.where((labels == cluster)[..., None], rgb, 0).astype(np.uint8)


def probability_picture(probability: np.ndarray) -> np.ndarray:
    """A [0, 1] map as a gray picture (white = probability 1)."""
    return np.clip(np.asarray(probability, np.float32) * 255 + 0.5, 0, 255).astype(np.uint8)


def feature_picture(values: np.ndarray, spread: float = FEATURE_SPREAD) -> np.ndarray:
    """A standardised feature map as a gray picture: -spread..+spread std. units to black..white."""
    scaled = (np.asarray(values, np.float32) + spread) * (255 / (2 * spread))
    return np.clip(scaled + 0.5, 0, 255).astype(np.uint8)


def boundaries_1d(centroids: np.ndarray) -> np.ndarray:
    """Decision boundaries of nearest-centroid assignment on a line: midpoints of sorted centroids."""
    c = np.sort(np.asarray(centroids, float).ravel())
    return (c[1:] + c[:-1]) / 2


def project(points: np.ndarray, output: dict) -> np.ndarray:
    """Standardised feature vectors (..., D) into the page's view coordinates (..., <= 3)."""
    return (np.asarray(points, float) - output["view_mean"]) @ output["view_axes"].T


def histogram_figure(gray: np.ndarray, labels: np.ndarray, n_clusters: int, *,
                     centroids=None, boundaries=(), height: int = 320) -> go.Figure:
    """Gray-level histogram stacked by cluster, with the 1D cluster boundaries and centroids.

    Parameters
    ----------
    gray : (H, W) uint8
    labels : (H, W) int
        Clusters (UNLABELLED pixels are counted in a gray "not yet" bar).
    n_clusters : int
    centroids : (k,) float, optional
        Centroids in gray levels, drawn as triangles on the axis.
    boundaries : sequence of float
        Gray levels where the nearest centroid changes, drawn as dashed lines.
    """
    levels = np.asarray(gray, np.int64).ravel()
    lab = np.asarray(labels, np.int64).ravel()
    known = lab >= 0
    counts = np.bincount(lab[known] * 256 + levels[known], minlength=n_clusters * 256)
    counts = counts[: n_clusters * 256].reshape(n_clusters, 256)
    fig = go.Figure()
    if not known.all():
        fig.add_bar(x=np.arange(256), y=np.bincount(levels[~known], minlength=256), name="not yet",
                    marker_color=UNLABELLED_COLOR, marker_line_width=0)
    for j in range(n_clusters):
        if counts[j].any():
            fig.add_bar(x=np.arange(256), y=counts[j], name=f"cluster {j + 1}", marker_color=css(j),
                        marker_line_width=0)
    for b in boundaries:
        figures.vline(fig, float(b), dict(dash="dash", color="#333333"))
    if centroids is not None:
        c = np.asarray(centroids, float).ravel()
        fig.add_scatter(x=c, y=np.zeros_like(c), mode="markers", name="centroids",
                        marker=dict(symbol="triangle-up", size=13, color=[css(j) for j in range(len(c))],
                                    line=dict(color="black", width=1.5)))
    fig.update_layout(barmode="stack", bargap=0, xaxis_title="gray level (feature: intensity)",
                      yaxis_title="pixels", legend_traceorder="normal")
    return figures.tidy(fig, height)


def scatter_figure(points: np.ndarray, labels: np.ndarray, axis_names, *, centroids=None,
                   trail=None, height: int = 520) -> go.Figure:
    """Feature-space scatter coloured by cluster, with centroids and their path.

    2D is drawn as SVG (fast everywhere: a rerun redraws it); 3D needs WebGL.

    Parameters
    ----------
    points : (n, 2) or (n, 3) float
        Subsampled pixels in view coordinates.
    labels : (n,) int
        Their clusters (UNLABELLED drawn gray).
    axis_names : sequence of str
    centroids : (k, dim) float, optional
        Current centroids (large diamonds).
    trail : (t, k, dim) float, optional
        Centroids of the earlier iterations, drawn as a path per cluster.
    """
    dim = points.shape[1]
    scatter = go.Scatter3d if dim == 3 else go.Scatter
    def coords(p):
        return dict(zip("xyz", np.asarray(p).T))
    fig = go.Figure()
    for j in np.unique(labels):
        sel = labels == j
        name, colour = ("not yet", UNLABELLED_COLOR) if j == UNLABELLED else (f"cluster {j + 1}", css(j))
        fig.add_trace(scatter(**coords(points[sel]), mode="markers", name=name,
                              marker=dict(size=3 if dim == 3 else 4, color=colour, opacity=0.7)))
    if trail is not None and len(trail) > 1:
        for j in range(trail.shape[1]):
            fig.add_trace(scatter(**coords(trail[:, j]), mode="lines", showlegend=False,
                                  line=dict(color="black", width=3), hoverinfo="skip"))
    if centroids is not None:
        fig.add_trace(scatter(**coords(centroids), mode="markers", name="centroids",
                              marker=dict(size=CENTROID_SIZE[dim], symbol="diamond",
                                          color=[css(j) for j in range(len(centroids))],
                                          line=dict(color="black", width=2))))
    names = list(axis_names)
    if dim == 3:
        fig.update_layout(scene=dict(xaxis_title=names[0], yaxis_title=names[1], zaxis_title=names[2],
                                     aspectmode="cube"))
    else:
        fig.update_layout(xaxis_title=names[0], yaxis_title=names[1])
    fig = figures.tidy(fig, height)
    fig.update_layout(legend=dict(itemsizing="constant"), uirevision="feature-space")
    return fig


def sse_figure(sse: np.ndarray, current: int | None = None, height: int = 260) -> go.Figure:
    """SSE after each k-means assignment step; the shown iteration highlighted."""
    it = np.arange(1, len(sse) + 1)
    fig = go.Figure(go.Scatter(x=it, y=sse, mode="lines+markers", name="SSE", line_color=css(1)))
    if current is not None:
        fig.add_scatter(x=[it[current]], y=[sse[current]], mode="markers", name="shown",
                        marker=dict(size=13, color=css(5), line=dict(color="black", width=1)))
    fig.update_layout(xaxis_title="iteration", yaxis_title="SSE", showlegend=False)
    return figures.tidy(fig, height)


def elbow_figure(ks: np.ndarray, sse: np.ndarray, chosen: int, height: int = 260) -> go.Figure:
    """SSE against k (the elbow plot), the current k marked."""
    fig = go.Figure(go.Scatter(x=ks, y=sse, mode="lines+markers", line_color=css(2), name="SSE"))
    if chosen in set(np.asarray(ks).tolist()):
        i = int(np.flatnonzero(np.asarray(ks) == chosen)[0])
        fig.add_scatter(x=[chosen], y=[sse[i]], mode="markers", name=f"k = {chosen}",
                        marker=dict(size=13, color=css(5), line=dict(color="black", width=1)))
    fig.update_layout(xaxis_title="k (clusters)", yaxis_title="SSE (k-means)", showlegend=False)
    return figures.tidy(fig, height)
