"""Watershed page, view "flood": markers, the relief, and the flooding level by level."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from segcore.classical.region_growing import brightest_seed
from ui import clicks, export, panels, player, present, snippets, state
from ui import watershed_cached as cached

__all__ = ["RULES", "view"]

RULES = {"threshold": "From a threshold: I ≤ t_low, I ≥ t_high",
         "click": "Clicked points",
         "seeds": "Region-growing seeds (random bright pixels)",
         "minima": "None: every regional minimum (over-segmentation)"}
MARKS_KEY = "marks"  # query-string name of the clicked markers: marks=r1.c1;r2.c2
CLICK_KEY = "ws_click"
MAX_MARKS = 20
WATERSHEDS = "Other Classical Segmentation Methods"  # the main deck's slide naming watersheds
RELIEF = ("the gradient magnitude (Sobel) of the smoothed image as the relief, as in "
          "Gonzalez & Woods' marker-controlled watershed")
FLOODING = "Meyer's flooding (Beucher & Meyer, 1993), the algorithm scikit-image runs"


def _controls(shape) -> dict:
    """The view's widgets; returns the arguments of ``watershed_with_rule`` (minus points)."""
    box = st.container(border=True)
    c1, c2, c3 = box.columns(3)
    rule = state.select("Markers", "mk", list(RULES), "threshold", format_func=RULES.get,
                        container=c1)
    sigma = state.slider("Smoothing sigma (before the gradient)", "sigma", 0.0, 4.0, 1.0,
                         step=0.5, container=c1)
    low = state.slider("t_low (background marker: I ≤ t_low)", "tlow", 0, 255, 90,
                       container=c2, advanced=rule == "minima")
    high = state.slider("t_high (object markers: I ≥ t_high)", "thigh", 0, 255, 130,
                        container=c2, advanced=rule != "threshold")
    background = state.checkbox("Add the background marker (I ≤ t_low)", "bg", True,
                                container=c2, advanced=rule not in ("click", "seeds"))
    seed_threshold = state.slider("Seed threshold (bright pixels)", "seedt", 0, 255, 200,
                                  container=c3, advanced=rule != "seeds")
    n_seeds = state.slider("Number of seeds", "nseeds", 1, 50, 10, container=c3,
                           advanced=rule != "seeds")
    rseed = state.slider("Random seed", "rseed", 0, 99, 0, container=c3, advanced=True)
    connectivity = int(state.select("Connectivity", "conn", ["4", "8"], "4", radio=True,
                                    container=c3, advanced=True))
    lines = state.checkbox("Keep the dams as watershed lines (label 0)", "dams", False,
                           container=c3)
    return {"rule": rule, "sigma": sigma, "low": float(low), "high": float(high),
            "background": background, "seed_threshold": seed_threshold, "n_seeds": n_seeds,
            "random_state": rseed, "connectivity": connectivity, "watershed_line": lines}


def _marks(gray, box, clicking: bool) -> list[tuple[int, int]] | None:
    """Clicked markers (default: the brightest pixel), with undo / clear buttons; ``None``
    when the markers come from another rule (a link's value is checked all the same)."""
    found = cached.points(MARKS_KEY, gray.shape, MAX_MARKS)
    if not clicking:
        return None
    b1, b2, b3 = box.columns([1, 1, 4], vertical_alignment="center")
    b1.button("Undo last marker", on_click=cached.set_points,
              args=(MARKS_KEY, (found or [])[:-1]), disabled=not found)
    b2.button("Clear markers", on_click=cached.set_points, args=(MARKS_KEY, []),
              disabled=not found)
    b3.caption("Click the image to add a marker, one per object (plus the background "
               "marker below t_low)." + (" Default: the brightest pixel." if found is None
                                         else ""))
    if found is None:
        return brightest_seed(gray)
    state.set_query(MARKS_KEY, clicks.format_points(found))
    return found


def _formulas(trace, args) -> list:
    """Formula lines with this run's numbers."""
    g = trace.elevation
    n = trace.n_basins
    lines = [panels.lecture(
        rf"\text{{Segmentation by morphological watersheds: }} g \text{{ flooded from }} "
        rf"{n} \text{{ marker(s)}} \Rightarrow {n} \text{{ basin(s)}}", "main", WATERSHEDS),
        panels.beyond(rf"g = \left|\nabla (G_\sigma * I)\right|,\ \sigma = {args['sigma']:g}:"
                      rf"\quad g \in [{int(g.min())}, {int(g.max())}],\ \text{{median }} "
                      rf"{int(np.median(g))}", RELIEF)]
    if args["rule"] == "threshold":
        marks = (rf"M_{{bg}} = \{{I_\sigma \le t_{{low}} = {args['low']:g}\}},\ "
                 rf"M_{{obj}} = \{{I_\sigma \ge t_{{high}} = {args['high']:g}\}}:\ "
                 rf"{max(n - 1, 0)} \text{{ object component(s)}}")
    elif args["rule"] == "minima":
        marks = (rf"M = \text{{regional minima of }} g:\ {n} \text{{ markers}} \Rightarrow "
                 r"\text{over-segmentation}")
    else:
        marks = (rf"M = {len(trace.points)} \text{{ point(s)}}"
                 + (rf" \cup \{{I_\sigma \le t_{{low}} = {args['low']:g}\}}"
                    if args["background"] else ""))
    lines.append(panels.beyond(marks, "markers, the sources of the flooding"))
    touching = trace.steps[0].metrics["dams"]  # markers of two basins side by side
    dams = [s for s in trace.steps[1:] if s.metrics["dams"] > touching]
    first = (rf"\text{{first dam at }} h = {int(dams[0].metrics['level'])}" if dams
             else r"\text{no dam between floods}")
    lines.append(panels.beyond(
        r"F[h] = \bigcup\{C \in \mathrm{comp}(T[h]) : C \cap M \neq \emptyset\},\ "
        r"T[h] = \{g \le h\}:\quad " + first, FLOODING))
    return lines


def view(picked, formula_box) -> None:
    """Markers, flooding level by level, the profile of one row, metrics and export."""
    gray = picked.gray
    height = gray.shape[0]
    if cached.add_click(CLICK_KEY, MARKS_KEY, gray.shape, MAX_MARKS):
        st.session_state[state.widget_key("mk")] = "click"  # a click: flood from the clicks
    args = _controls(gray.shape)
    box = st.container()
    points = _marks(gray, box, args["rule"] == "click")
    params = {**args, "points": None if points is None else tuple(points)}
    shown = cached.shown(
        formula_box, lambda: cached.flood_run(picked.key, gray, params, _scene=picked.scene),
        lambda trace: _formulas(trace, args),
        "T[h]: the pixels at or below the water level h; F[h]: the flooded ones, every piece "
        "of T[h] that holds a marker. A pass between two basins gets a dam.")
    if shown is None:
        return
    run, left, right = shown
    trace, bold = run["trace"], present.is_on()
    with left:
        st.markdown("**Result: basins and dams**" + (" (click to add a marker)"
                                                     if args["rule"] == "click" else ""))
        result = cached.result_picture(picked.key, gray, params, bold)
        streamlit_image_coordinates(result, key=CLICK_KEY, width="stretch", cursor="crosshair",
                                    png_compression_level=1)
        st.caption(f"{trace.n_basins} basin(s); {trace.total_steps - 1} flooding levels, "
                   f"{len(trace.steps) - 1} of them kept for replay. Dams in white; the "
                   "background marker's basin is pale blue.")
    with right:
        st.markdown("**Flooding, level by level** (the dashed row is profiled below)")
        row_pct = state.slider("Profile row (% of the height)", "row", 0, 100, 50)
    row = min(height - 1, round(row_pct / 100 * (height - 1)))

    def render(i, step) -> None:
        st.image(cached.flood_picture(picked.key, gray, params, i, row, bold), width="stretch")
        st.plotly_chart(cached.profile_plot(picked.key, gray, params, row, i), width="stretch")

    with right:
        player.step_player(trace.steps, key="level", render=render, label="Level")
    with left:
        st.image(cached.relief_picture(picked.key, gray, args["sigma"], row), width="stretch",
                 caption="The relief g: bright = steep, the edges are ridges (the dashed row "
                         "is profiled on the right). Level 'markers' of the player shows "
                         "where the water starts.")
    panels.metrics_panel(run["report"], run["wall_ms"])
    if run["report"] is not None:
        st.caption("Basins are matched to ground-truth classes (Hungarian matching; extra "
                   "basins go to the class they overlap most; a watershed line is one more "
                   "cluster)." + (f" Matching forgives over-segmentation: count the "
                                  f"{trace.n_basins} basins, not the mIoU."
                                  if args["rule"] == "minima" else ""))
    export.export_panel(picked, trace.labels, snippets.watershed(picked, "flood", params),
                        params, run["report"], result)
