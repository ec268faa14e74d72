"""The region-growing page's position term: its formula line and the circles it implies.

With lambda > 0 a pixel x joins region i when
sqrt((I - M(i))^2 + lambda^2 d^2) <= T(i), d the distance from x to the region's
centroid (to the seeds' centroid for the fixed rule), so no pixel farther
than T(i) / lambda joins. The deck says only that the similarity "may
incorporate pixel location"; the distance in the intensity + position feature
space is its clustering slides' "intensity + position" grouping, so the line
is marked as beyond the lecture.
"""

from __future__ import annotations

import numpy as np

from ui import panels
from ui.overlay import as_rgb

__all__ = ["POSITION_NOTE", "reference_points", "position_line", "draw_circles"]

POSITION_NOTE = ("SegLab's form of the deck's \"may incorporate pixel location\" (region "
                 "growing, how to select the similarity properties): the distance in its "
                 "clustering slides' intensity + position feature space")
CIRCLE_COLOR = (240, 228, 66)  # yellow: visible on the region colours and the gray image


def reference_points(history: dict, criterion: str, tolerance: float,
                     weight: float) -> tuple[np.ndarray, np.ndarray]:
    """(n, 2) reference points (row, col) of the tracked regions after the last stage and
    (n,) radii T(i) / lambda around them (the seeds' centroid and T / lambda for the fixed
    rule, whose reference never moves)."""
    if criterion == "fixed":
        return history["centroid"][0], np.full(history["centroid"].shape[1], tolerance / weight)
    return history["centroid"][-1], history["threshold"][-1] / weight


def position_line(history: dict, criterion: str, tolerance: float,
                  weight: float) -> panels.Formula:
    """The test with the position term, filled with region 1's numbers."""
    points, radii = reference_points(history, criterion, tolerance, weight)
    row, col = points[0]
    if criterion == "fixed":
        what = (rf"I(\text{{seed}}) = {history['mean'][0, 0]:.1f},\ \text{{seeds' centroid}}\ "
                rf"({row:.1f}, {col:.1f})")
        limit = f"T = {tolerance:g}"
    else:
        what = rf"M(1) = {history['mean'][-1, 0]:.1f},\ \text{{centroid}}\ ({row:.1f}, {col:.1f})"
        limit = f"T(1) = {history['threshold'][-1, 0]:.1f}"
    return panels.beyond(
        rf"\sqrt{{(I(r,c) - M(1))^2 + \lambda^2 d^2}} \le {limit}:\quad \lambda = {weight:g},\ "
        rf"{what},\ d \le {radii[0]:.1f}\ \text{{px}}", POSITION_NOTE)


def draw_circles(rgb: np.ndarray, points: np.ndarray, radii: np.ndarray,
                 color=CIRCLE_COLOR) -> np.ndarray:
    """A one-pixel circle of radius ``radii[i]`` around every (row, col) ``points[i]``."""
    out = as_rgb(rgb).copy()
    rows, cols = np.indices(out.shape[:2])
    for (row, col), radius in zip(np.asarray(points, float), np.asarray(radii, float)):
        if np.isfinite(radius) and radius > 0:
            out[np.abs(np.hypot(rows - row, cols - col) - radius) < 0.7] = color
    return out
