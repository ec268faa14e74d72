"""Pictures and plotly figures for the FCN upsampling page (numpy + plotly.graph_objects only).

Builders take a Trace's arrays and return a uint8 picture for ``st.image``
or a small ``go.Figure``; pixel grids are ``go.Heatmap`` with gaps between
cells (a 16 x 16 crop is 256 cells, cheap to draw).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui import figures, overlay
from ui.figures import stretched_picture as feature_picture

__all__ = ["feature_mosaic", "label_picture", "profile_figure", "pixel_grid_figure",
           "coverage_figure", "variant_bars", "timing_bars"]

MOSAIC_COLUMNS = 4
MOSAIC_GAP = 2
VARIANT_COLORS = {"fcn32s": "#E69F00", "fcn16s": "#56B4E9", "fcn8s": "#009E73", "unet": "#CC79A7"}


def feature_mosaic(features: np.ndarray, tile: int = 96) -> np.ndarray:
    """Up to 8 feature maps (C, h, w), each stretched and enlarged to ``tile`` px, in a 2 x 4 grid."""
    tiles = [feature_picture(f, size=tile) for f in features]
    th, tw = tiles[0].shape  # all maps of one stage share a shape
    rows = -(-len(tiles) // MOSAIC_COLUMNS)
    cols = min(len(tiles), MOSAIC_COLUMNS)
    out = np.full((rows * (th + MOSAIC_GAP) - MOSAIC_GAP, cols * (tw + MOSAIC_GAP) - MOSAIC_GAP),
                  255, np.uint8)
    for k, t in enumerate(tiles):
        r, c = divmod(k, MOSAIC_COLUMNS)
        out[r * (th + MOSAIC_GAP):r * (th + MOSAIC_GAP) + th,
            c * (tw + MOSAIC_GAP):c * (tw + MOSAIC_GAP) + tw] = t
    return out


def label_picture(labels: np.ndarray, size: int = 256) -> np.ndarray:
    """A (coarse) label map coloured with the shared palette, enlarged by pixel repetition."""
    factor = max(1, size // max(labels.shape))
    return overlay.colorize(np.kron(labels, np.ones((factor, factor), labels.dtype)))


def profile_figure(profiles: dict[str, np.ndarray], chosen: str) -> go.Figure:
    """One probability curve along an image row per variant (the chosen one drawn thicker)."""
    fig = go.Figure()
    for name, values in profiles.items():
        fig.add_trace(go.Scatter(y=values, mode="lines", name=name,
                                 line=dict(color=VARIANT_COLORS.get(name),
                                           width=3.5 if name == chosen else 1.5)))
    fig.update_layout(xaxis_title="column (px)", yaxis_title="probability",
                      yaxis_range=[-0.05, 1.05])
    return figures.tidy(fig, height=300)


def pixel_grid_figure(maps: dict[str, np.ndarray], zmax: float = 255.0,
                      height: int = 250) -> go.Figure:
    """Small maps side by side as heatmaps with a visible pixel grid (shared gray scale)."""
    fig = make_subplots(rows=1, cols=len(maps), subplot_titles=list(maps),
                        horizontal_spacing=0.02)
    for k, values in enumerate(maps.values(), start=1):
        fig.add_trace(go.Heatmap(z=values, zmin=0, zmax=zmax, colorscale="gray", showscale=False,
                                 xgap=1, ygap=1, hovertemplate="row %{y}, col %{x}: %{z:.1f}"
                                 "<extra></extra>"), row=1, col=k)
        fig.update_yaxes(autorange="reversed", scaleanchor=f"x{k}", showticklabels=False,
                         row=1, col=k)
        fig.update_xaxes(showticklabels=False, row=1, col=k)
    fig.update_xaxes(showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(showgrid=False, zeroline=False, constrain="domain")
    fig.update_layout(plot_bgcolor="#ffffff", paper_bgcolor="#ffffff",
                      margin=dict(l=5, r=5, t=30, b=5), height=height)
    return fig


def coverage_figure(coverage: np.ndarray) -> go.Figure:
    """Stamps per output pixel of the transposed conv, numbers written in the cells."""
    fig = go.Figure(go.Heatmap(z=coverage, colorscale="Blues", xgap=1, ygap=1,
                               text=coverage, texttemplate="%{text}", showscale=False,
                               hovertemplate="row %{y}, col %{x}: %{z} stamps<extra></extra>"))
    fig.update_yaxes(autorange="reversed", scaleanchor="x", showticklabels=False,
                     showgrid=False, zeroline=False, constrain="domain")
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, constrain="domain")
    fig.update_layout(title="Stamps per output pixel", height=300, plot_bgcolor="#ffffff",
                      margin=dict(l=5, r=5, t=30, b=5))
    return fig


def variant_bars(rows: list[dict]) -> go.Figure:
    """mIoU and boundary accuracy per variant."""
    names = [r["variant"] for r in rows]
    fig = go.Figure([go.Bar(x=names, y=[r["mIoU"] for r in rows], name="mIoU",
                            marker_color="#0072B2"),
                     go.Bar(x=names, y=[r["boundary acc."] for r in rows],
                            name="boundary accuracy (2 px band)", marker_color="#E69F00")])
    fig.update_layout(barmode="group", yaxis_range=[0, 1], yaxis_title="score")
    return figures.tidy(fig, height=280)


def timing_bars(fcn_ms: float, window_ms: float, windows: int) -> go.Figure:
    """Wall time of one FCN pass against the sliding window over the same image."""
    fig = go.Figure(go.Bar(x=[fcn_ms, window_ms], y=["one FCN pass", f"{windows} windows"],
                           orientation="h", marker_color=["#009E73", "#D55E00"],
                           text=[f"{fcn_ms:.0f} ms", f"{window_ms:.0f} ms"],
                           textposition="auto"))
    fig.update_layout(xaxis_title="wall time (ms)")
    return figures.tidy(fig, height=180)
