"""Graph cuts, view "maxflow": s-t max-flow with seeds (Boykov-Jolly; the lecture names it)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from segcore.classical import graph_cuts as G
from streamlit_image_coordinates import streamlit_image_coordinates

from ui import clicks, export, panels, player, snippets, state
from ui import graph_figs as figs
from ui.graph_cuts import HOODS
from ui.graph_cuts.cached import binary_report, maxflow_run

__all__ = ["view"]

SEED_MODES = {"fg": "foreground", "bg": "background"}
SEED_SOURCES = {"click": "clicked points", "gt": "ground-truth interior"}
MAX_CLICKED_SEEDS = 40  # per kind; URL: fg=r1.c1;r2.c2 and bg=...


def _seeds(picked) -> dict[str, list[tuple[int, int]]]:
    """Seeds in session state: first read (validated) from the URL, else defaults for the image.

    Default seeds follow the image (a new scene gets new defaults); clicked seeds are kept
    across images, minus those outside the new image.
    """
    scene = picked.scene
    height, width = picked.image.shape[:2]
    kept = st.session_state.get("gc_seeds")
    if kept is None or (not kept["clicked"] and kept["key"] != picked.key):
        fg, bg = G.default_seeds((height, width), scene.foreground if scene is not None else None)
        kept = {"fg": fg, "bg": bg, "clicked": False, "key": picked.key}
        for kind in SEED_MODES if "gc_seeds" not in st.session_state else ():
            raw = state.get_query(kind)
            if raw is None:
                continue
            try:
                kept[kind] = clicks.parse_points(raw, (height, width), MAX_CLICKED_SEEDS)
                kept["clicked"] = True
            except ValueError:
                st.warning(f"The link's setting `{kind}={raw[:40]}` is not valid (up to "
                           f"{MAX_CLICKED_SEEDS} points row.col;row.col inside the "
                           f"{height} x {width} image); using the default seeds instead.")
        st.session_state["gc_seeds"] = kept
    return {k: [(r, c) for r, c in kept[k] if r < height and c < width] for k in SEED_MODES}


def _take_click(picked) -> None:
    """Turn the latest click (display pixels) into a seed of the chosen kind (image pixels)."""
    point = clicks.new_click("gc_click", picked.image.shape[:2])
    if point is None:
        return
    seeds = _seeds(picked)
    kind = st.session_state.get(state.widget_key("seedmode"), "fg")
    if point not in seeds[kind]:
        seeds[kind] = (seeds[kind] + [point])[-MAX_CLICKED_SEEDS:]
    _set_seeds(picked.key, seeds)
    st.session_state[state.widget_key("mfseeds")] = "click"  # a click: use the clicked seeds


def _set_seeds(key: str, seeds) -> None:
    st.session_state["gc_seeds"] = {**seeds, "clicked": True, "key": key}


def view(picked, formula_box) -> None:
    """Seeded s-t max-flow: clicked seeds or the ground truth's interior."""
    image, scene = picked.image, picked.scene
    height, width = image.shape[:2]
    _take_click(picked)
    left, right = st.columns([3, 2])
    box = right.container(border=True)
    c1, c2 = box.columns(2)
    mode = state.select("Clicks add", "seedmode", list(SEED_MODES), "fg",
                        format_func=lambda k: f"{SEED_MODES[k]} seeds", radio=True, container=box)
    lam = state.slider("lambda (boundary weight)", "lam", 0.0, 500.0, 10.0, step=1.0, container=c1)
    sigma = state.slider("sigma (intensity affinity)", "mfsigma", 1.0, 150.0, 30.0, step=1.0,
                         container=c2, help="Scale of the boundary term's affinity, gray levels.")
    brush = state.slider("Seed brush radius (px)", "brush", 0, 20, 4, container=c1)
    bins = state.slider("Histogram bins per channel", "bins", 4, 64, 8 if image.ndim == 3 else 16,
                        step=4,
                        container=c2, help="Colour images use bins^3 joint RGB bins.",
                        advanced=True)
    hood = state.select("n-links", "mfhood", ["4", "8"], "4", format_func=HOODS.get, radio=True,
                        container=box)
    source = state.select("Seeds from", "mfseeds", list(SEED_SOURCES), "click",
                          format_func=SEED_SOURCES.get, radio=True, container=box)
    if source == "gt" and scene is None:
        box.warning("This image has no ground truth: using the clicked seeds.")
        source = "click"
    truth = (scene.foreground, scene.void) if source == "gt" else None
    seeds = _seeds(picked)
    b1, b2 = box.columns(2)
    b1.button("Undo last seed", key="gc_undo", on_click=_set_seeds, width="stretch",
              args=(picked.key, {**seeds, mode: seeds[mode][:-1]}), disabled=not seeds[mode])
    b2.button("Clear seeds", key="gc_clear", on_click=_set_seeds, width="stretch",
              args=(picked.key, {"fg": [], "bg": []}))
    for kind in SEED_MODES:
        state.set_query(kind, ";".join(f"{r}.{c}" for r, c in seeds[kind]))
    run = None
    with panels.user_errors():
        run = maxflow_run(picked.key, image, tuple(seeds["fg"]), tuple(seeds["bg"]), brush, lam,
                          sigma, hood, bins, source, _truth=truth)
    if run is None:
        st.stop()
    trace = run["trace"]
    out = trace.output
    with left:
        panels.show_warnings(trace)
    with formula_box:
        boykov = "Boykov and Jolly (2001) interactive graph cuts; the lecture only names max flow"
        panels.formula_panel([
            panels.beyond(
                r"E(L) = \sum_p R_p(L_p) + \lambda \sum_{(p,q)\in N} B_{pq}\,[L_p \ne L_q],\quad "
                r"R_p(\ell) = -\ln P(I_p \mid \ell)", f"the seeded max-flow energy of {boykov}"),
            panels.beyond(
                rf"B_{{pq}} = \frac{{1}}{{\|p-q\|}}\exp\!\left(-\frac{{\|I_p - I_q\|^2}}"
                rf"{{2\cdot{sigma:g}^2}}\right),\quad \lambda = {lam:g},\quad K = "
                rf"{out['hard']:.4g}", f"the boundary term of {boykov} (an intensity affinity "
                "like the lecture's, over the distance)"),
            panels.beyond(
                rf"E = {out['regional']:.2f} + {out['boundary_energy']:.2f} = {out['energy']:.2f}"
                rf"\;=\; \text{{max-flow}} = {out['flow']:.2f}",
                "max-flow min-cut theorem (Ford and Fulkerson): this run's numbers"),
        ], "Seeds are hard constraints: their t-link to the other terminal costs K, more than "
           "any cut. The minimum s-t cut is the labelling of least energy.")
    with left:
        streamlit_image_coordinates(run["picture"], key="gc_click", width="stretch",
                                    cursor="crosshair")
        st.caption((f"Seeds: the ground truth's object and background, each eroded by "
                    f"{G.GT_SEED_MARGIN} px (orange, blue); a click switches to clicked seeds. "
                    if truth is not None else
                    f"Click to add a **{SEED_MODES[mode]}** seed. {len(seeds['fg'])} foreground "
                    f"seed point(s) (orange), {len(seeds['bg'])} background (blue); ")
                   + "cut boundary in white; foreground: "
                   f"{int(out['mask'].sum())} px. Max-flow {out['flow']:.2f} = cut energy "
                   f"{out['energy']:.2f}."
                   + ("" if st.session_state["gc_seeds"]["clicked"] or truth is not None else
                      " Default seeds: one on an object (for a scene, its most interior "
                      "ground-truth pixel; otherwise the centre) and four near the corners."))
    with right:
        if run["models"] is not None:
            st.plotly_chart(run["models"], width="stretch", key="models")
            st.caption("Seed colour models (smoothed histograms of the seed pixels): the "
                       "regional term is -ln of these probabilities.")
        st.plotly_chart(run["energy"], width="stretch", key="energy")
    report = binary_report(picked.key, out["mask"], scene)
    panels.metrics_panel(report, run["wall_ms"])
    p = {"source": source, "fg": seeds["fg"], "bg": seeds["bg"], "brush": brush, "lam": lam,
         "sigma": sigma, "hood": hood, "bins": bins}
    export.export_panel(picked, out["mask"], snippets.graph_cuts(picked, "maxflow", p), p, report,
                        run["picture"])
    st.subheader("Step by step")

    def render(i: int, step) -> None:
        if step.name == "seeds":
            st.image(figs.seeds_picture(image, np.zeros((height, width), bool),
                                        np.zeros((height, width), bool), step.data["fg"],
                                        step.data["bg"]), width=360)
        elif step.name in ("regional term", "boundary term"):
            values = step.data if step.name == "regional term" else -step.data
            st.image(figs.signed_picture(values), width=360,
                     caption="orange: looks like foreground, blue: background"
                     if step.name == "regional term"
                     else "blue: strong n-links (cutting is expensive)")
        else:
            st.image(figs.seeds_picture(image, step.data, out["boundary"],
                                        np.zeros((height, width), bool),
                                        np.zeros((height, width), bool)), width=360)
        if step.metrics:
            st.caption(" | ".join(f"{k} = {v:.4g}" for k, v in step.metrics.items()))

    player.step_player(trace.steps, key="mstep", render=render, label="Stage")
