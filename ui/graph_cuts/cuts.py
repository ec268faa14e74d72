"""Graph cuts, view "cuts": affinities, min cut and its small-component bias, Ncut."""

from __future__ import annotations

import streamlit as st

from segcore.classical import graph_cuts as G
from ui import export, panels, player, present, snippets, state
from ui import graph_figs as figs
from ui.graph_cuts import HOODS
from ui.graph_cuts.cached import binary_report, cut_pictures, fmt, graph_cut_run

__all__ = ["view"]


def graph_controls(c1, c2, c3, colour: bool) -> dict:
    """The affinity parameters shared by the cut and HCS views."""
    sd = state.slider("sigma_d (distance, nodes; 0 = off)", "sd", 0.0, 10.0, 3.0, step=0.5,
                      container=c1)
    si = state.slider("sigma_i (intensity, gray levels)", "si", 1.0, 255.0, 20.0, step=1.0,
                      container=c1)
    sc = None
    if colour:
        sc = state.slider("sigma_c (colour, RGB; 0 = off)", "sc", 0.0, 255.0, 0.0, step=1.0,
                          container=c2) or None
    hood = state.select("Graph", "hood", list(HOODS), "8", format_func=HOODS.get, container=c2)
    nodes = state.slider("Max nodes (image is averaged down to fit)", "nodes", 16, G.MAX_NODES,
                         G.DEFAULT_MAX_NODES, step=4, container=c3, advanced=True)
    return {"sd": sd or None, "si": si, "sc": sc, "hood": hood, "nodes": nodes}


def view(picked, formula_box) -> None:
    """The affinity graph, min cut vs normalized cut, the second eigenvector."""
    image, scene = picked.image, picked.scene
    height, width = image.shape[:2]
    c1, c2, c3 = st.container(border=True).columns(3)
    p = graph_controls(c1, c2, c3, image.ndim == 3)
    run = None
    with panels.user_errors():
        run = graph_cut_run(picked.key, image, p["sd"], p["si"], p["sc"], p["hood"], p["nodes"])
    if run is None:
        st.stop()
    graph, cuts = run["graph"], run["cuts"]
    panels.show_warnings(graph)
    panels.show_warnings(cuts)
    m_min, m_ncut = cuts.measures["min cut"], cuts.measures["normalized cut"]
    lam2 = next((s.metrics["lambda2"] for s in cuts.steps if s.name == "eigenvector"), float("nan"))
    with formula_box:
        panels.formula_panel(_formula_lines(p, m_min, m_ncut, lam2),
                             f"Live values on the {graph.shape[0]} x {graph.shape[1]} "
                             "node graph of this image.")
    pics = cut_pictures(picked.key, image, p["sd"], p["si"], p["sc"], p["hood"], p["nodes"],
                        scene.semantic if scene is not None else None,
                        tuple(scene.class_names) if scene is not None else None,
                        present.is_on())
    left, right = st.columns(2)
    left.image(pics["ncut"], width="stretch", caption="Normalized cut: side A orange, side B blue.")
    right.image(pics["min_cut"], width="stretch",
                caption="Minimum cut (Stoer-Wagner): side A orange, side B blue.")
    _comparison(m_min, m_ncut)
    st.subheader("Normalized cut: the second eigenvector")
    a, b = st.columns([2, 3])
    a.image(pics["y2"], width="stretch",
            caption="y2 of (D - W) y = lambda D y per node: blue < 0 < orange. Nodes on the same "
                    "side of the threshold t* form A.")
    b.plotly_chart(pics["sweep"], width="stretch", key="sweep_main")
    b.caption("Ncut of the split {y2 > t} for every threshold t between node values; the "
              "dashed line is the lowest, t*.")
    st.subheader("The graph")
    a, b = st.columns(2)
    a.plotly_chart(pics["heatmap"], width="stretch", key="heatmap")
    a.caption("Affinity matrix W, rows and columns sorted by "
              + ("ground-truth class: bright blocks on the diagonal are classes."
                 if scene is not None else "gray level (no ground truth)."))
    b.plotly_chart(pics["edges"], width="stretch", key="edges")
    b.caption("Edge weights over the downsampled image (thicker and brighter = higher "
              "affinity); red: the edges the normalized cut removes.")
    ncut_mask = figs.resize_nearest(cuts.ncut, (height, width)) > 0
    report = binary_report(picked.key, ncut_mask, scene)
    panels.metrics_panel(report, run["wall_ms"])
    export.export_panel(picked, ncut_mask, snippets.graph_cuts(picked, "cuts", p), p, report,
                        pics["ncut"])
    if scene is not None:
        min_cut_mask = figs.resize_nearest(cuts.min_cut, (height, width)) > 0
        rep = binary_report(picked.key, min_cut_mask, scene)
        st.caption(f"Scored as object vs background. The min cut's pixel accuracy: "
                   f"{rep['pixel_accuracy']:.3f}.")

    _steps(image, cuts, pics)


def _steps(image, cuts, pics: dict) -> None:
    """The step player over the cut trace: min cut, degrees, eigenvector, sweep, partition."""
    st.subheader("Step by step")

    def render(i: int, step) -> None:
        if step.name == "sweep":
            st.plotly_chart(pics["sweep"], width="stretch", key="sweep")
        elif step.name in ("eigenvector", "degree"):
            st.image(figs.signed_picture(step.data), width=320,
                     caption="Second eigenvector y2 (blue < 0 < orange)"
                     if step.name == "eigenvector" else "Degree d_i of each node")
        else:
            st.image(figs.partition_picture(image, step.data), width=320)
        if step.metrics:
            st.caption(" | ".join(f"{k} = {v:.4g}" for k, v in step.metrics.items()))

    player.step_player(cuts.steps, key="gstep", render=render, label="Stage")


def _formula_lines(p: dict, m_min, m_ncut, lam2: float) -> list:
    """The affinity, cut/assoc, Ncut and Acut of both partitions, with this run's numbers."""
    sc_term = (rf"\exp\!\left(-\frac{{\|c(x)-c(y)\|^2}}{{2\cdot{p['sc']:g}^2}}\right)"
               if p["sc"] else "")
    sd_term = (rf"\exp\!\left(-\frac{{\|x-y\|^2}}{{2\cdot{p['sd']:g}^2}}\right)"
               if p["sd"] else "")
    latex = [
        panels.lecture(
            rf"aff(x,y) = {sd_term}\exp\!\left(-\frac{{(I(x)-I(y))^2}}"
            rf"{{2\cdot{p['si']:g}^2}}\right){sc_term}",
            "main", "Measuring Affinity (distance, intensity, colour; multiplied here)"),
        panels.lecture(
            r"cut(A,B)=\sum_{p\in A,q\in B} w_{p,q},\quad "
            r"assoc(A,V)=\sum_{u\in A,t\in V} w(u,t)", "main", "Graph cut; Normalized Cut"),
    ]
    partitions = [(name, m) for name, m in (("min cut", m_min), ("Ncut", m_ncut)) if m is not None]
    for name, m in partitions:
        latex.append(panels.lecture(
            rf"\text{{{name}}}:\; Ncut = \frac{{{fmt(m['cut'])}}}{{{fmt(m['assoc_av'])}}} + "
            rf"\frac{{{fmt(m['cut'])}}}{{{fmt(m['assoc_bv'])}}} = {m['ncut']:.4f} = "
            rf"2 - Nassoc = 2 - {m['nassoc']:.4f}", "main", "Normalized Cut"))
    for name, m in partitions:
        latex.append(panels.beyond(
            rf"\text{{{name}}}:\; Acut = \frac{{cut(A,B)}}{{|A|}} + \frac{{cut(A,B)}}{{|B|}} = "
            rf"\frac{{{fmt(m['cut'])}}}{{{m['size_a']}}} + "
            rf"\frac{{{fmt(m['cut'])}}}{{{m['size_b']}}}"
            rf" = {fmt(m['acut'], 4)}",
            "the lecture names the average cut (main deck, slide \"Other Graph Cut Methods\") "
            "without a formula; this is Shi and Malik's (2000) definition: the cut per node of "
            "each side, where Ncut divides by each side's connection assoc"))
    latex.append(panels.beyond(
        rf"(D - W)\,y = \lambda D y,\quad \lambda_2 = {fmt(lam2, 4)}",
        "the lecture says minimising Ncut exactly is NP-complete; Shi and Malik (2000) relax "
        "it to this generalized eigenproblem and split on the second eigenvector"))
    return latex


def _comparison(m_min, m_ncut) -> None:
    """The table of both partitions' measures (cut, assoc, Ncut, Nassoc, Acut) and its reading."""
    st.subheader("Min cut vs normalized cut")
    rows = []
    for name, m in (("minimum cut", m_min), ("normalized cut", m_ncut)):
        if m is not None:
            rows.append({"partition": name, "|A|": m["size_a"], "|B|": m["size_b"],
                         "cut(A,B)": m["cut"], "assoc(A,V)": m["assoc_av"],
                         "assoc(B,V)": m["assoc_bv"], "Ncut": m["ncut"], "Nassoc": m["nassoc"],
                         "Acut": m["acut"]})
    st.dataframe(rows, hide_index=True, width="stretch")
    if m_ncut is None:
        return
    st.caption(f"The min cut is cheaper (cut {m_min['cut']:.3g} vs {m_ncut['cut']:.3g}) but "
               f"isolates {m_min['size_a']} node(s): its Ncut is {m_min['ncut']:.3f} "
               f"(a lone node always has Ncut >= 1) against {m_ncut['ncut']:.3f}.")
    lower = "min cut" if m_min["acut"] < m_ncut["acut"] else "normalized cut"
    st.caption(f"Average cut Acut = cut/|A| + cut/|B| (the lecture's \"Average Cut\") divides by "
               f"node counts instead of connections: {m_min['acut']:.4g} for the min cut, "
               f"{m_ncut['acut']:.4g} for the normalized cut, so by Acut the {lower} is the "
               "better of the two here. A small side costs Acut its whole cut, but a cut that "
               "is cheap enough can still win, which Ncut (>= 1 for a lone node) never allows.")
