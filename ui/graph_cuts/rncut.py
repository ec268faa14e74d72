"""Graph cuts, view "rncut": recursive normalized cut on superpixels (beyond the lecture)."""

from __future__ import annotations

import streamlit as st

from ui import export, panels, player, snippets, state
from ui import graph_figs as figs
from ui.graph_cuts.cached import labels_report, rncut_run
from ui.overlay import overlay

__all__ = ["view"]


def view(picked, formula_box) -> None:
    """Recursive two-way Ncut on a RAG of SLIC superpixels."""
    image, scene = picked.image, picked.scene
    height, width = image.shape[:2]
    c1, c2, c3 = st.container(border=True).columns(3)
    nseg = state.slider("Superpixels (SLIC)", "nseg", 20, 400, 150, step=10, container=c1)
    compact = state.slider("SLIC compactness", "compact", 1.0, 40.0, 10.0, step=1.0, container=c1,
                           advanced=True)
    sigma = state.slider("RAG sigma (w = exp(-d^2 / sigma))", "rsigma", 10.0, 3000.0, 300.0,
                         step=10.0, container=c2)
    thresh = state.slider("Stop when Ncut >", "nthresh", 0.001, 0.5, 0.05, step=0.001,
                          container=c2)
    rseed = state.slider("Random seed (eigensolver start)", "rseed", 0, 99, 0, container=c3,
                         advanced=True)
    run = None
    with panels.user_errors():
        run = rncut_run(picked.key, image, nseg, compact, sigma, thresh, rseed)
    if run is None:
        st.stop()
    trace = run["trace"]
    panels.show_warnings(trace)
    with formula_box:
        panels.formula_panel([
            panels.beyond(
                rf"w_{{ij}} = \exp\!\left(-\frac{{\|\bar c_i - \bar c_j\|^2}}{{{sigma:g}}}"
                r"\right)\quad\text{(adjacent superpixels } i, j)",
                "the lecture's colour affinity, here between SLIC superpixels (scikit-image's "
                "rag_mean_color) instead of pixels"),
            panels.beyond(
                rf"(D-W)\,y = \lambda D y \text{{ on each piece; split while }} Ncut < {thresh:g}",
                "recursive two-way Ncut, Shi and Malik (2000), as skimage.graph.cut_normalized"),
            panels.beyond(
                rf"{trace.steps[0].metrics['nodes']:.0f} \text{{ superpixels}} \to "
                rf"{trace.n_regions} \text{{ regions}}", "this run's counts"),
        ], "skimage.graph.cut_normalized on a region adjacency graph of SLIC superpixels.")
    left, right = st.columns([3, 2])
    left.image(run["picture"], width="stretch",
               caption=f"Recursive normalized cut: {trace.n_regions} regions.")

    def render(i: int, step) -> None:
        if step.name == "RAG":
            st.plotly_chart(figs.rag_weight_figure(step.data), width="stretch", key="rag")
            st.caption("RAG edge weights: near 1 between look-alike neighbours, near 0 across "
                       "edges of the image.")
        elif step.name == "superpixels":
            st.image(overlay(image, step.data, alpha=1.0, outline=True), width="stretch")
        else:
            st.image(run["picture"], width="stretch")

    with right:
        player.step_player(trace.steps, key="rstep", render=render, label="Stage")
    report = labels_report(picked.key, trace.labels, scene)
    panels.metrics_panel(report, run["wall_ms"])
    p = {"nseg": nseg, "compact": compact, "sigma": sigma, "thresh": thresh, "rseed": rseed}
    export.export_panel(picked, trace.labels, snippets.graph_cuts(picked, "rncut", p), p, report,
                        run["picture"])
