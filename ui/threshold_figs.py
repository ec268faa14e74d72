"""Figures and pictures for the thresholding page (plotly.graph_objects and numpy only).

Every builder takes precomputed summaries (the 256-bin histogram, a criterion
curve, a Trace step) and never loops over pixels in plotly, so a figure costs
a few milliseconds; the page caches them anyway.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from segcore.trace import Step
from ui import figures, overlay

__all__ = ["THRESHOLD_COLOR", "histogram_figure", "magnitude_histogram", "curve_figure",
           "gray_picture", "result_picture", "step_kind", "step_picture", "fmt"]

THRESHOLD_COLOR = "#D55E00"  # Okabe-Ito vermillion
CURVE_COLOR = "#0072B2"      # Okabe-Ito blue
REFERENCE_COLOR = "#009E73"  # Okabe-Ito bluish green
BAND_COLOR = "#CC79A7"       # Okabe-Ito reddish purple
CLASS_OPACITY = 0.18
CLIPPED_END_RATIO = 1.5  # an end bar this many times the tallest interior bar is clipping
LEVELS = np.arange(256)
STRETCHED_STEPS = ("local standard deviation", "edge magnitude")


def fmt(value: float, digits: int = 1) -> str:
    """A number for LaTeX and captions ('n/a' for NaN)."""
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _boundary(t: float) -> float:
    """x of the class boundary of threshold t: level t is still class 0, so between t and t+1."""
    return float(np.floor(t)) + 0.5


def histogram_figure(counts: np.ndarray, *, thresholds=(), criterion: np.ndarray | None = None,
                     criterion_name: str = "", shade_classes: bool = False,
                     reference: float | None = None, reference_name: str = "",
                     band: tuple[float, float] | None = None,
                     means: tuple[float, float] | None = None, log: bool = False,
                     height: int = 340) -> go.Figure:
    """The 256-bin histogram with thresholds, the criterion curve and class regions.

    Parameters
    ----------
    counts : (256,) array
        Pixels per gray level.
    thresholds : sequence of float
        Vertical lines at the class boundaries (level t belongs to the class below).
    criterion : (256,) array, optional
        The curve the method optimises over t, drawn on a second y axis (NaN = undefined).
    shade_classes : bool
        Shade the classes between the thresholds (multi-Otsu).
    reference : float, optional
        A second threshold drawn dashed for comparison (e.g. Otsu on the multi-Otsu view).
    band : (low, high), optional
        Shaded range, e.g. the range of a local threshold surface T(x, y).
    means : (mu0, mu1), optional
        The two class means, drawn dotted (manual threshold, Otsu, isodata).
    log : bool
        Logarithmic pixel counts, so small object modes next to a big background peak show.
    """
    fig = figures.histogram_bars(counts, LEVELS)
    edges = [-0.5] + [_boundary(t) for t in thresholds] + [255.5]
    if shade_classes:
        for k, (x0, x1) in enumerate(zip(edges[:-1], edges[1:])):
            color = "rgb({},{},{})".format(*overlay.PALETTE[k % len(overlay.PALETTE)])
            figures.vband(fig, x0, x1, color, CLASS_OPACITY, f"class {k}")
    if band is not None:
        figures.vband(fig, band[0], band[1], BAND_COLOR, CLASS_OPACITY, "range of T(x, y)")
    if criterion is not None and np.isfinite(criterion).any():
        fig.add_trace(go.Scatter(x=LEVELS, y=criterion, name=criterion_name, yaxis="y2",
                                 mode="lines", line=dict(color=CURVE_COLOR, width=2)))
        fig.update_layout(yaxis2=dict(title=criterion_name, overlaying="y", side="right",
                                      showgrid=False, zerolinecolor=CURVE_COLOR,
                                      zeroline=bool(np.nanmin(criterion) < 0),
                                      type="linear", tickmode="auto", nticks=6))
    for t in thresholds:
        figures.vline(fig, _boundary(t), dict(color=THRESHOLD_COLOR, width=2), f"t = {t:.4g}")
    for name, value in zip(("mu0", "mu1"), means or ()):
        if np.isfinite(value):
            figures.vline(fig, value, dict(color=THRESHOLD_COLOR, width=1, dash="dot"),
                          f"{name} = {value:.1f}", "bottom right")
    if reference is not None:
        figures.vline(fig, _boundary(reference), dict(color=REFERENCE_COLOR, width=2, dash="dash"),
                      f"{reference_name} {reference:.4g}", "bottom right")
    fig.update_layout(xaxis=dict(range=[-0.5, 255.5]), showlegend=criterion is not None,
                      yaxis=dict(type="log", dtick=1) if log else dict(type="linear"))
    if not log:
        _cut_clipped_ends(fig, np.asarray(counts))
    return figures.tidy(fig, height)


def _cut_clipped_ends(fig: go.Figure, counts: np.ndarray) -> None:
    """Keep the y range for the interior bars when clipping piles pixels up at 0 or 255."""
    interior = counts[1:-1].max() if counts.size > 2 else 0
    ends = max(counts[0], counts[-1])
    if interior > 0 and ends > CLIPPED_END_RATIO * interior:
        fig.update_yaxes(range=[0, 1.15 * interior], selector=dict(title_text="pixels"))
        fig.add_annotation(text=f"bars at 0 / 255 cut off ({counts[0]:,} / {counts[-1]:,} pixels)",
                           xref="paper", yref="paper", x=0.5, y=0.98, showarrow=False,
                           font=dict(size=11))


def magnitude_histogram(magnitude: np.ndarray, low: float, high: float,
                        bins: int = 128) -> go.Figure:
    """Histogram of the edge magnitude (log counts) with the low and high thresholds."""
    top = max(float(magnitude.max()), high, 1.0)
    counts, edges = np.histogram(magnitude, bins=bins, range=(0.0, top))
    centers = (edges[:-1] + edges[1:]) / 2
    fig = figures.histogram_bars(counts, centers)
    for value, name, dash in ((low, "low", "dash"), (high, "high", "solid")):
        figures.vline(fig, value, dict(color=THRESHOLD_COLOR, width=2, dash=dash),
                      f"{name} = {value:g}")
    fig.update_layout(xaxis_title="edge magnitude (gray levels)",
                      yaxis=dict(type="log", dtick=1))
    return figures.tidy(fig, 300)


def curve_figure(curves: dict[str, np.ndarray], title: str = "", height: int = 260) -> go.Figure:
    """Curves over the gray levels 0..255 (a step of a histogram method)."""
    fig = go.Figure()
    for name, values in curves.items():
        fig.add_trace(go.Scatter(x=LEVELS, y=values, name=name, mode="lines"))
    fig.update_layout(xaxis_title="threshold t (gray level)", title=title,
                      xaxis=dict(range=[-0.5, 255.5]))
    return figures.tidy(fig, height)


def gray_picture(values: np.ndarray, stretch: bool = False) -> np.ndarray:
    """A float map as a uint8 picture: gray levels clipped to 0..255, or stretched to its max."""
    values = np.asarray(values, np.float64)
    if stretch:
        top = values.max()
        values = values * (255.0 / top) if top > 0 else np.zeros_like(values)
    return np.clip(np.round(values), 0, 255).astype(np.uint8)


def result_picture(image: np.ndarray, result: np.ndarray, gt_mask: np.ndarray | None = None,
                   void: np.ndarray | None = None, bold: bool = False) -> np.ndarray:
    """The result over the image: classes coloured (labels), or the mask, or its errors vs GT.

    ``void`` marks unlabelled ground-truth pixels: never scored, so never painted as errors.
    ``bold`` is the presentation style (:mod:`ui.overlay`).
    """
    if result.dtype != bool:
        return overlay.overlay(image, result, alpha=0.45, skip_zero=False, bold=bold)
    if gt_mask is not None:
        return overlay.error_overlay(image, gt_mask, result, ignore=void, bold=bold)
    return overlay.mask_overlay(image, result, alpha=0.5, bold=bold)


def step_kind(step: Step) -> str:
    """``"figure"`` for curve-like steps (dicts of curves, 1-D arrays), else ``"image"``."""
    return "figure" if isinstance(step.data, dict) or np.ndim(step.data) == 1 else "image"


def step_picture(image: np.ndarray, step: Step) -> tuple[str, object]:
    """What to draw for one Trace step: ``("image", rgb)`` or ``("figure", go.Figure)``."""
    data = step.data
    if isinstance(data, dict):
        return "figure", curve_figure(data, step.name)
    data = np.asarray(data)
    if data.ndim == 1:
        if data.dtype.kind in "iu":
            return "figure", figures.tidy(figures.histogram_bars(data, LEVELS), 260)
        return "figure", curve_figure({step.name: data})
    if data.dtype == bool or data.dtype.kind in "iu":
        return "image", result_picture(image, data)
    return "image", gray_picture(data, stretch=step.name in STRETCHED_STEPS)
