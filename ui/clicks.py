"""Points clicked on an image: URL text format and display-to-image scaling.

Seeds clicked with ``streamlit_image_coordinates`` arrive in display pixels
of the shown picture; the algorithms need image pixels. Points travel in the
URL as ``row.col;row.col`` and are validated like any other link value.
"""

from __future__ import annotations

from typing import Mapping

import streamlit as st

__all__ = ["parse_points", "format_points", "new_click"]


def parse_points(raw: str, shape: tuple[int, int], max_points: int) -> list[tuple[int, int]]:
    """``"r1.c1;r2.c2"`` -> ``[(r1, c1), (r2, c2)]``.

    Raises
    ------
    ValueError
        Malformed text, a point outside an image of ``shape`` (rows, cols),
        or more than ``max_points`` points.

    Examples
    --------
    >>> parse_points("3.4;0.0", (8, 8), 5)
    [(3, 4), (0, 0)]
    """
    height, width = shape
    points = []
    for part in filter(None, str(raw).split(";")):
        row, col = (int(v) for v in part.split("."))
        if not (0 <= row < height and 0 <= col < width):
            raise ValueError(part)
        points.append((row, col))
    if len(points) > max_points:
        raise ValueError(raw)
    return points


def format_points(points) -> str:
    """Inverse of :func:`parse_points`.

    Examples
    --------
    >>> format_points([(3, 4), (0, 0)])
    '3.4;0.0'
    """
    return ";".join(f"{r}.{c}" for r, c in points)


def _to_pixel(click: Mapping, shape: tuple[int, int]) -> tuple[int, int]:
    height, width = shape
    row = min(int(click["y"] * height / max(click["height"], 1)), height - 1)
    col = min(int(click["x"] * width / max(click["width"], 1)), width - 1)
    return row, col


def new_click(click_key: str, shape: tuple[int, int]) -> tuple[int, int] | None:
    """The latest click of the image widget ``click_key`` in image pixels, once.

    Returns ``None`` when there is no click or it was already handled in an
    earlier run (the click's timestamp is remembered under ``<click_key>__last``).
    """
    click = st.session_state.get(click_key)
    last_key = f"{click_key}__last"
    if not click or click.get("unix_time") == st.session_state.get(last_key):
        return None
    st.session_state[last_key] = click.get("unix_time")
    return _to_pixel(click, shape)
