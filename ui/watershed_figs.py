"""Pictures and plots of the watershed page: flooding, the relief profile, snakes, level sets.

numpy in, uint8 RGB or ``plotly.graph_objects`` out; colours from the
colour-blind-safe palette of :mod:`ui.overlay` (label l is ``PALETTE[(l - 1) % 16]``,
as :func:`ui.overlay.overlay` paints it).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from segcore.classical.watershed import BACKGROUND, basins_at, dams_at
from ui.figures import tidy
from ui.overlay import BOLD_WIDTH, PALETTE, as_rgb, mask_overlay, overlay

__all__ = ["BACKGROUND_COLOR", "DAM_COLOR", "DAM_LINE", "ROW_COLOR", "SNAKE_COLOR", "START_COLOR",
           "basins_rgb", "flood_rgb", "relief_rgb", "profile_figure", "contour_rgb",
           "energy_figure", "level_set_rgb", "chan_vese_figure"]

DAM_COLOR = (255, 255, 255)   # white: dams / watershed lines on the pictures
DAM_LINE = "rgba(178, 24, 43, 0.7)"  # ... and in the profile plot (dark red)
BACKGROUND_COLOR = (198, 219, 239)  # pale blue: the background marker's basin
ROW_COLOR = (255, 255, 0)     # yellow: the profile row
SNAKE_COLOR = (213, 94, 0)    # the contour at the shown iteration
START_COLOR = (86, 180, 233)  # the starting contour (sky blue)
_DIM = 0.55                   # dry pixels are shown darker


def _hex(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in rgb))


def _label_colors(labels: np.ndarray, light_background: bool) -> list[str]:
    def color(v) -> str:
        if v <= 0:
            return "#bbbbbb"
        if light_background and v == BACKGROUND:
            return _hex(BACKGROUND_COLOR)
        return _hex(PALETTE[(int(v) - 1) % len(PALETTE)])
    return [color(v) for v in labels]


def basins_rgb(gray: np.ndarray, labels: np.ndarray, light_background: bool,
               bold: bool = False) -> np.ndarray:
    """Basins over the image in their label colours; with ``light_background`` the
    background marker's basin (label 1) only faintly tinted, so the objects stand out."""
    if not light_background:
        return overlay(gray, labels, alpha=0.5, bold=bold)
    back = labels == BACKGROUND
    rgb = overlay(gray, np.where(back, 0, labels), alpha=0.5, bold=bold)
    return mask_overlay(rgb, back, color=BACKGROUND_COLOR, alpha=0.3)


def _mark_row(rgb: np.ndarray, row: int | None) -> np.ndarray:
    if row is not None:
        rgb[row, ::2] = ROW_COLOR  # dashed, so the image under it stays visible
    return rgb


def flood_rgb(gray: np.ndarray, trace, k: int, row: int | None = None,
              bold: bool = False) -> np.ndarray:
    """The water after step ``k``: basins in their colours, dams in white, dry land dimmed."""
    basins = basins_at(trace, k)
    base = as_rgb(gray).astype(np.float32)
    base[basins == 0] *= _DIM
    rgb = basins_rgb(base.round().astype(np.uint8), basins, not trace.from_minima, bold)
    rgb[dams_at(trace, k)] = DAM_COLOR
    return _mark_row(rgb, row)


def relief_rgb(elevation: np.ndarray, row: int | None = None) -> np.ndarray:
    """The relief g as a picture: 0 black, the largest level white."""
    top = max(int(elevation.max()), 1)
    pic = np.round(np.asarray(elevation, np.float64) * (255.0 / top)).astype(np.uint8)
    return _mark_row(as_rgb(pic).copy(), row)


def profile_figure(trace, row: int, k: int, height: int = 300) -> go.Figure:
    """One image row of the relief as a landscape, with the water of step ``k``.

    Flooded pixels hold water up to the level h of the step, in their basin's
    colour; dams are vertical lines up to the water (a dam running along the row
    fills a stretch); markers are triangles on the ground line.
    """
    g = np.asarray(trace.elevation[row], np.float64)
    cols = np.arange(g.size)
    level = float(trace.levels[k - 1]) if k > 0 else -1.0
    flooded = (trace.flood_step[row] >= 0) & (trace.flood_step[row] <= k)
    labels = np.where(flooded, trace.labels[row], 0)
    light = not trace.from_minima
    fig = go.Figure(go.Scatter(x=cols, y=g, mode="lines", fill="tozeroy", name="relief g",
                               line=dict(color="#555555", width=1), fillcolor="#dddddd"))
    water = np.where(flooded, np.maximum(level - g, 0), 0)
    wet = np.flatnonzero(water > 0)
    if wet.size:
        fig.add_trace(go.Bar(x=wet, y=water[wet], base=g[wet], name="water (basin colour)",
                             marker=dict(color=_label_colors(labels[wet], light), line_width=0),
                             width=1.0, hoverinfo="skip"))
    seeds = np.flatnonzero(trace.markers[row] > 0)
    if seeds.size:
        fig.add_trace(go.Scatter(x=seeds, y=np.zeros(seeds.size), mode="markers",
                                 name="markers", hoverinfo="skip",
                                 marker=dict(symbol="triangle-up", size=7,
                                             color=_label_colors(trace.markers[row][seeds],
                                                                 light))))
    dams = np.flatnonzero(dams_at(trace, k)[row])
    if dams.size:
        xs = np.repeat(dams, 3).astype(float)
        ys = np.stack([g[dams], np.maximum(g[dams], level), np.full(dams.size, np.nan)], 1)
        xs[2::3] = np.nan
        fig.add_trace(go.Scatter(x=xs, y=ys.ravel(), mode="lines", name="dams",
                                 line=dict(color=DAM_LINE, width=1.5), hoverinfo="skip"))
    if k > 0:
        fig.add_shape(type="line", x0=0, x1=g.size - 1, y0=level, y1=level,
                      line=dict(color="#0072b2", dash="dash", width=1.5))
    fig.update_layout(xaxis_title=f"column (image row {row})", yaxis_title="level g",
                      bargap=0, barmode="overlay")
    return tidy(fig, height=height)


def _draw_contour(rgb: np.ndarray, points: np.ndarray, color, width: int) -> None:
    """Draw the closed polygon ``points`` (row, col), ``width`` px thick, clipped to the image."""
    start = np.asarray(points, np.float64)
    end = np.roll(start, -1, axis=0)
    n = int(np.ceil(np.abs(end - start).max(initial=1.0))) + 1  # samples per side
    t = np.linspace(0.0, 1.0, n)[None, :, None]
    line = (start[:, None] + t * (end - start)[:, None]).reshape(-1, 2).round().astype(int)
    height, wide = rgb.shape[:2]
    for dr in range(-(width // 2), width - width // 2):
        rows, cols = line[:, 0] + dr, line[:, 1]
        keep = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < wide)
        rgb[rows[keep], cols[keep]] = color


def contour_rgb(gray: np.ndarray, points: np.ndarray, start: np.ndarray | None = None,
                bold: bool = False) -> np.ndarray:
    """The snake over the image (vermillion), its start in sky blue when given."""
    rgb = as_rgb(gray).copy()
    width = BOLD_WIDTH if bold else 1
    if start is not None:
        _draw_contour(rgb, start, START_COLOR, width)
    _draw_contour(rgb, points, SNAKE_COLOR, width + 1)
    return rgb


def energy_figure(energy: dict, at: int | None = None, height: int = 300) -> go.Figure:
    """The snake's energy terms per iteration (and a line at the shown iteration)."""
    its = np.arange(len(energy["total"]))
    fig = go.Figure()
    names = {"cont": "E_cont (alpha, elasticity)", "curv": "E_curv (beta, rigidity)",
             "ext": "E_ext (-sum P)", "total": "E (total)"}
    colors = {"cont": _hex(PALETTE[1]), "curv": _hex(PALETTE[2]), "ext": _hex(PALETTE[4]),
              "total": "#000000"}
    for key, name in names.items():
        width = 2.5 if key == "total" else 1.5
        fig.add_trace(go.Scatter(x=its, y=energy[key], mode="lines", name=name,
                                 line=dict(color=colors[key], width=width)))
    if at is not None:
        fig.add_shape(type="line", x0=at, x1=at, y0=0, y1=1, yref="paper",
                      line=dict(color=_hex(SNAKE_COLOR), dash="dot"))
    fig.update_layout(xaxis_title="iteration", yaxis_title="energy")
    return tidy(fig, height=height)


def level_set_rgb(gray: np.ndarray, inside: np.ndarray, bold: bool = False) -> np.ndarray:
    """The level set's inside {u = 1} tinted, its border drawn."""
    rgb = mask_overlay(gray, inside, color=PALETTE[2], alpha=0.4, bold=bold)
    return mask_overlay(rgb, inside, color=SNAKE_COLOR, outline=True, bold=bold)


def chan_vese_figure(history: dict, at: int | None = None, height: int = 300) -> go.Figure:
    """Fitting energy F per iteration, and the inside / outside means c1, c0."""
    its = np.arange(len(history["energy"]))
    fig = go.Figure(go.Scatter(x=its, y=history["energy"], mode="lines", name="F (fit energy)",
                               line=dict(color="#000000", width=2.5)))
    for key, name, color in (("c1", "c1 (mean inside)", PALETTE[2]),
                             ("c0", "c0 (mean outside)", PALETTE[4])):
        fig.add_trace(go.Scatter(x=its, y=history[key], mode="lines", name=name, yaxis="y2",
                                 line=dict(color=_hex(color), dash="dot")))
    if at is not None:
        fig.add_shape(type="line", x0=at, x1=at, y0=0, y1=1, yref="paper",
                      line=dict(color=_hex(SNAKE_COLOR), dash="dot"))
    fig.update_layout(xaxis_title="iteration", yaxis=dict(title="F"),
                      yaxis2=dict(title="mean gray level", overlaying="y", side="right",
                                  showgrid=False, range=[0, 1], dtick=0.2))
    return tidy(fig, height=height)
