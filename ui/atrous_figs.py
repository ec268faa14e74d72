"""plotly.graph_objects figures for the atrous-convolution page (precomputed arrays only)."""

from __future__ import annotations


import numpy as np
import plotly.graph_objects as go

from ui.figures import image_layer, png, tidy
from ui.overlay import PALETTE

__all__ = ["png", "signed_image", "rate_colour", "sampling_grid", "signal_plot",
           "influence_heatmap", "rf_growth",
           "aspp_pattern", "share_bars", "miou_curve", "response_image"]

HOLE_COLOUR = "#d9d9d9"



def rate_colour(i: int) -> str:
    """The overlay colour of label ``i + 1`` (branch ``i``; label 0 is left transparent), as CSS."""
    r, g, b = PALETTE[i % len(PALETTE)]
    return f"rgb({r},{g},{b})"


def sampling_grid(offsets: np.ndarray, rate: int) -> go.Figure:
    """The pixels a centred 3 x 3 kernel reads at ``rate``: taps filled, skipped pixels grey.

    The skipped pixels are one heatmap of grey cells (not a marker each: at rate 16 that
    would be 1,080 markers for the browser to redraw on every slider move).
    """
    reach = int(np.abs(offsets).max()) if offsets.size else 0
    span = np.arange(-reach, reach + 1)
    skipped = np.ones((span.size, span.size))
    skipped[offsets[:, 0] + reach, offsets[:, 1] + reach] = 0
    fig = go.Figure()
    fig.add_trace(go.Heatmap(x=span, y=span, z=skipped, colorscale=[[0, "white"],
                                                                    [1, HOLE_COLOUR]],
                             zmin=0, zmax=1, showscale=False, xgap=1, ygap=1, hoverinfo="skip",
                             name="skipped (the r - 1 zeros)", showlegend=True))
    fig.add_trace(go.Scatter(x=offsets[:, 1], y=offsets[:, 0], mode="markers", name="kernel taps",
                             marker=dict(symbol="square", size=14, color=rate_colour(0)),
                             hovertemplate="offset (%{y}, %{x})<extra></extra>"))
    fig.update_yaxes(autorange="reversed", scaleanchor="x", title="dy")
    fig.update_xaxes(title="dx")
    fig.update_layout(title=f"3 x 3 kernel at rate {rate}: reach {2 * reach + 1} x {2 * reach + 1}")
    return tidy(fig, 340)


def signal_plot(x: np.ndarray, y: np.ndarray, rate: int) -> go.Figure:
    """An image row x[i] and the valid dilated difference y, drawn at its centre i + r."""
    fig = go.Figure([
        go.Scatter(x=np.arange(x.size), y=x, name="x[i]: image row", line=dict(color="#999999")),
        go.Scatter(x=np.arange(y.size) + rate, y=y, name=f"y, r = {rate}",
                   line=dict(color=rate_colour(0))),
    ])
    fig.update_layout(xaxis_title="i (pixel)", yaxis_title="value",
                      title="w = [-1, 0, 1]: y[i] = x[i + 2r] - x[i], drawn at i + r")
    return tidy(fig, 340)


def influence_heatmap(influence: np.ndarray, rf: int, title: str) -> go.Figure:
    """Paths from each input pixel to one unit (log scale); holes and outside left blank."""
    z = np.where(influence > 0, np.log10(np.maximum(influence, 1)), np.nan)
    fig = go.Figure(go.Heatmap(z=z, colorscale="Viridis", zmin=0, hoverongaps=False,
                               colorbar=dict(title="log10 paths", thickness=12),
                               hovertemplate="row %{y}, col %{x}<br>log10 paths %{z:.2f}"
                                             "<extra></extra>"))
    rows = np.flatnonzero(influence.any(axis=1))
    cols = np.flatnonzero(influence.any(axis=0))
    if rows.size:
        fig.add_shape(type="rect", x0=cols[0] - 0.5, x1=cols[-1] + 0.5, y0=rows[0] - 0.5,
                      y1=rows[-1] + 0.5, line=dict(color="#d55e00", width=2))
    n = influence.shape[0]
    fig.update_xaxes(range=[-0.5, n - 0.5], showgrid=False, zeroline=False)
    fig.update_yaxes(range=[n - 0.5, -0.5], scaleanchor="x", showgrid=False, zeroline=False)
    fig.update_layout(title=f"{title}: receptive field {rf} x {rf} (box)",
                      plot_bgcolor="white")
    return tidy(fig, 380)


def rf_growth(curves: dict[str, list[float]], chosen: str) -> go.Figure:
    """Receptive field after each layer, one line per stack; the chosen stack is bold."""
    fig = go.Figure()
    for i, (name, rfs) in enumerate(curves.items()):
        bold = name == chosen
        fig.add_trace(go.Scatter(x=np.arange(1, len(rfs) + 1), y=rfs, name=name,
                                 mode="lines+markers",
                                 line=dict(width=4 if bold else 1.5, color=rate_colour(i)),
                                 opacity=1.0 if bold else 0.5))
    fig.update_layout(xaxis_title="layer", yaxis_title="receptive field (pixels)",
                      title="RF = 1 + sum (k - 1) r prod s")
    return tidy(fig, 340)


def aspp_pattern(image: np.ndarray, rates: tuple[int, ...], stride: int,
                 offsets: list[np.ndarray]) -> go.Figure:
    """Each branch's 3 x 3 sampling points (in image pixels) drawn over the image centre."""
    h, w = image.shape[:2]
    cy, cx = h // 2, w // 2
    fig = go.Figure(image_layer(image))
    for i, (rate, off) in enumerate(zip(rates, offsets)):
        pts = off * stride
        fig.add_trace(go.Scatter(x=cx + pts[:, 1], y=cy + pts[:, 0], mode="markers",
                                 name=f"rate {rate}",
                                 marker=dict(size=11 - i, color=rate_colour(i),
                                             line=dict(width=1, color="black"))))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    fig.update_layout(title="Where each branch samples (centre pixel, image scale)")
    return tidy(fig, 420)


def share_bars(rates: tuple[int, ...], share: np.ndarray, none_share: float) -> go.Figure:
    """Fraction of positions where each rate is the first to respond (and where none does)."""
    names = [f"rate {r}" for r in rates] + ["none"]
    colours = [rate_colour(i) for i in range(len(rates))] + [HOLE_COLOUR]
    fig = go.Figure(go.Bar(x=names, y=list(share) + [none_share], marker_color=colours))
    fig.update_layout(yaxis_title="share of positions", yaxis_range=[0, 1],
                      title="First rate to see a change")
    return tidy(fig, 300)


def miou_curve(mious: list[float]) -> go.Figure:
    """mIoU against ground truth after each mean-field iteration (0 = the network)."""
    fig = go.Figure(go.Scatter(x=np.arange(len(mious)), y=mious, mode="lines+markers",
                               line=dict(color=rate_colour(1))))
    fig.update_layout(xaxis_title="mean-field iteration", yaxis_title="mIoU vs ground truth",
                      title="CRF refinement")
    return tidy(fig, 300)


def response_image(response: np.ndarray) -> np.ndarray:
    """|response| scaled to uint8 for st.image (0 = black)."""
    mag = np.abs(np.asarray(response, dtype=np.float64))
    top = mag.max()
    return (255 * mag / top).astype(np.uint8) if top > 0 else np.zeros(mag.shape, np.uint8)


def signed_image(values: np.ndarray) -> np.ndarray:
    """Signed values as uint8 gray: 0 -> mid grey, the largest |value| -> black or white."""
    values = np.asarray(values, dtype=np.float64)
    top = np.abs(values).max()
    scaled = values / top if top > 0 else np.zeros_like(values)
    return np.round(127.5 + 127.5 * scaled).astype(np.uint8)
