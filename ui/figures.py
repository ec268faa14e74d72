"""Small plotly.graph_objects builders shared by pages.

plotly.express over raw pixels is far too slow for a shared server (tens of
milliseconds per figure); these helpers take precomputed summaries.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go
from PIL import Image

__all__ = ["histogram_bars", "image_layer", "tidy"]


def histogram_bars(counts: np.ndarray, x: np.ndarray | None = None, name: str = "pixels",
                   color: str = "#999999") -> go.Figure:
    """Bar chart of precomputed histogram ``counts`` (bins at ``x``, default 0..n-1)."""
    counts = np.asarray(counts)
    x = np.arange(counts.size) if x is None else np.asarray(x)
    fig = go.Figure(go.Bar(x=x, y=counts, name=name, marker_color=color, marker_line_width=0))
    fig.update_layout(bargap=0, xaxis_title="grey level", yaxis_title="pixels")
    return tidy(fig)


def image_layer(image: np.ndarray) -> go.Image:
    """An image as a PNG-encoded ``go.Image`` trace (fast; use it to draw graphs over images)."""
    image = np.asarray(image)
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return go.Image(source=uri, hoverinfo="skip")


_GRID = dict(gridcolor="#e5e5e5", zerolinecolor="#cccccc", linecolor="#cccccc", showgrid=True)


def tidy(fig: go.Figure, height: int = 320) -> go.Figure:
    """Apply SegLab's compact, white figure layout.

    Uses ``template="none"`` plus a few colours: materialising plotly's named
    templates (``plotly_white``) costs tens of milliseconds per figure, which a
    shared server pays on every rerun.
    """
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), template="none",
                      legend=dict(orientation="h", y=1.08), paper_bgcolor="white",
                      plot_bgcolor="white", font=dict(size=12), xaxis=_GRID, yaxis=_GRID)
    return fig
