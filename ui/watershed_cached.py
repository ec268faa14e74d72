"""The watershed page's cached segcore calls and pictures, and its clicked points.

One cache entry per image key and parameters (:data:`ui.caching.CACHE`). The
picture and figure builders call the run again (a cache hit) instead of taking
the Trace as an argument, so nothing big is hashed per rerun.
"""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from segcore.classical import active_contours as AC
from segcore.classical import watershed as W
from segcore.evaluation.scoring import score_against_scene
from ui import clicks, figures, panels, state
from ui import watershed_figs as figs
from ui.caching import CACHE
from ui.region_figs import mark_points

__all__ = ["points", "add_click", "set_points", "shown", "flood_run", "result_picture",
           "flood_picture", "relief_picture", "profile_plot", "snake_run", "snake_picture",
           "energy_plot", "chan_vese_run", "level_set_picture", "chan_vese_plot"]


# ----------------------------------------------------------------- clicked points
def points(key: str, shape: tuple[int, int], max_points: int) -> list[tuple[int, int]] | None:
    """The clicked points kept under the page's ``key`` (first read from the URL), or
    ``None`` when there are none yet; an invalid link value warns and is dropped."""
    slot = state.widget_key(key)
    if slot not in st.session_state:
        st.session_state[slot] = state.get_query(key)
    raw = st.session_state[slot]
    if raw is None:
        return None
    try:
        return clicks.parse_points(raw, shape, max_points)
    except ValueError:
        st.warning(f"The setting `{key}={str(raw)[:40]}` is not valid (up to {max_points} "
                   f"point(s) row.col;row.col inside this {shape[0]} x {shape[1]} image); "
                   "using the default instead.")
        st.session_state[slot] = None
        return None


def set_points(key: str, found) -> None:
    """Keep ``found`` as the page's points ``key`` (button callbacks use it)."""
    st.session_state[state.widget_key(key)] = clicks.format_points(found)


def add_click(click_key: str, key: str, shape: tuple[int, int], max_points: int) -> bool:
    """Add the latest click on the image widget ``click_key`` to the points ``key``
    (the oldest goes when there are ``max_points``); True when there was a new click."""
    point = clicks.new_click(click_key, shape)
    if point is None:
        return False
    try:
        kept = clicks.parse_points(st.session_state.get(state.widget_key(key)) or "", shape,
                                   max_points)
    except ValueError:
        kept = []
    if point not in kept:
        kept = (kept + [point])[-max_points:]
    set_points(key, kept)
    return True


def shown(formula_box, run_call, formulas, caption: str):
    """Run a view's cached segcore call with bad input shown as an error, show the trace's
    warnings, fill the formula panel (``formulas(trace)``) and open the result's two
    columns: ``(run, left, right)``, or ``None`` when the call failed."""
    run = None
    with panels.user_errors():
        run = run_call()
    if run is None:
        return None
    panels.show_warnings(run["trace"])
    with formula_box:
        panels.formula_panel(formulas(run["trace"]), caption=caption)
    return (run, *st.columns(2))


# ----------------------------------------------------------------- flooding
@st.cache_data(**CACHE)
def flood_run(key: str, image: np.ndarray, params: dict, _scene=None) -> dict:
    """:func:`segcore.classical.watershed.watershed_with_rule` and its score."""
    start = time.perf_counter()
    trace = W.watershed_with_rule(image, **params)
    wall_ms = (time.perf_counter() - start) * 1000
    report = None
    if _scene is not None and trace.markers.any():
        report = score_against_scene(trace.labels, _scene, match_clusters=True)
    return {"trace": trace, "wall_ms": wall_ms, "report": report}


@st.cache_data(**CACHE)
def result_picture(key: str, image: np.ndarray, params: dict, bold: bool) -> np.ndarray:
    """The basins with their dams (white) and the clicked or seed points, RGB."""
    trace = flood_run(key, image, params)["trace"]
    rgb = figs.basins_rgb(image, trace.labels, not trace.from_minima, bold)
    rgb[W.dams_at(trace, len(trace.steps) - 1)] = figs.DAM_COLOR
    return mark_points(rgb, trace.points)


@st.cache_data(**CACHE)
def flood_picture(key: str, image: np.ndarray, params: dict, k: int, row: int,
                  bold: bool) -> bytes:
    """The water after recorded step ``k`` as PNG (the profile row dashed)."""
    trace = flood_run(key, image, params)["trace"]
    return figures.png(figs.flood_rgb(image, trace, k, row, bold))


@st.cache_data(**CACHE)
def relief_picture(key: str, image: np.ndarray, sigma: float, row: int) -> bytes:
    """The relief g as PNG (it depends on the smoothing only, so moving a threshold
    sends no new picture)."""
    return figures.png(figs.relief_rgb(W.gradient_levels(W.smooth(image, sigma)), row))


@st.cache_data(**CACHE)
def profile_plot(key: str, image: np.ndarray, params: dict, row: int, k: int) -> dict:
    """The relief along image row ``row`` with the water of step ``k``."""
    trace = flood_run(key, image, params)["trace"]
    return figures.plain(figs.profile_figure(trace, row, k))


# ----------------------------------------------------------------- snake
@st.cache_data(**CACHE)
def snake_run(key: str, image: np.ndarray, sigma: float, center: tuple, radius: float,
              n_points: int, params: dict, _scene=None) -> dict:
    """Smooth, start on a circle, run :func:`segcore.classical.active_contours.snake`."""
    start = time.perf_counter()
    smoothed = AC.smoothed_image(image, sigma)
    trace = AC.snake(smoothed, AC.circle(center, radius, n_points), **params)
    wall_ms = (time.perf_counter() - start) * 1000
    report, what = (None, "")
    if _scene is not None:
        report, what = AC.contour_report(trace.mask, _scene)
    return {"trace": trace, "wall_ms": wall_ms, "report": report, "object": what}


@st.cache_data(**CACHE)
def snake_picture(key: str, image: np.ndarray, args: tuple, i: int, bold: bool,
                  png: bool = True):
    """The snake at recorded step ``i`` (the start in blue), as PNG (or the RGB array)."""
    trace = snake_run(key, image, *args)["trace"]
    rgb = figs.contour_rgb(image, trace.steps[i].data, trace.init, bold)
    return figures.png(rgb) if png else rgb


@st.cache_data(**CACHE)
def energy_plot(key: str, image: np.ndarray, args: tuple, at: int) -> dict:
    trace = snake_run(key, image, *args)["trace"]
    return figures.plain(figs.energy_figure(trace.energy, at))


# ----------------------------------------------------------------- Chan-Vese
@st.cache_data(**CACHE)
def chan_vese_run(key: str, image: np.ndarray, sigma: float, params: dict,
                  _scene=None) -> dict:
    """Smooth, then :func:`segcore.classical.active_contours.chan_vese`."""
    start = time.perf_counter()
    trace = AC.chan_vese(AC.smoothed_image(image, sigma), **params)
    wall_ms = (time.perf_counter() - start) * 1000
    report = None
    if _scene is not None:
        report = AC.contour_report(trace.mask, _scene, one_object=False)[0]
    return {"trace": trace, "wall_ms": wall_ms, "report": report}


@st.cache_data(**CACHE)
def level_set_picture(key: str, image: np.ndarray, sigma: float, params: dict, i: int,
                      bold: bool, png: bool = True):
    """The level set after recorded step ``i`` as PNG (or the RGB array)."""
    trace = chan_vese_run(key, image, sigma, params)["trace"]
    inside = np.unpackbits(trace.steps[i].data, count=image.size).reshape(image.shape)
    rgb = figs.level_set_rgb(image, inside.astype(bool), bold)
    return figures.png(rgb) if png else rgb


@st.cache_data(**CACHE)
def chan_vese_plot(key: str, image: np.ndarray, sigma: float, params: dict, at: int) -> dict:
    trace = chan_vese_run(key, image, sigma, params)["trace"]
    return figures.plain(figs.chan_vese_figure(trace.history, at))
