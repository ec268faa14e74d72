"""Graph cuts, view "hcs": highly connected subgraphs (the lecture's min-cut clustering)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from segcore.classical import graph_cuts as G
from ui import export, panels, player, snippets, state
from ui import graph_figs as figs
from ui.graph_cuts.cached import hcs_lecture, hcs_pixel_run, labels_report

__all__ = ["view"]

HCS_GRAPHS = {"lecture": "Lecture example graph", "pixels": "Pixel graph of the image"}


def view(picked, formula_box) -> None:
    """HCS on the lecture's small graph or on the image's pixel graph."""
    image, scene = picked.image, picked.scene
    height, width = image.shape[:2]
    c1, c2, c3 = st.container(border=True).columns(3)
    which = state.select("Graph", "hcsg", list(HCS_GRAPHS), "lecture", format_func=HCS_GRAPHS.get,
                         radio=True, container=c1)
    run = None
    if which == "lecture":
        c2.caption("A small unweighted graph of the lecture's kind: HCS counts edges.")
        run = hcs_lecture()
    else:
        si = state.slider("sigma_i (intensity, gray levels)", "si", 1.0, 255.0, 20.0, step=1.0,
                          container=c2)
        threshold = state.slider("Keep edges with affinity >", "hcst", 0.05, 0.95, 0.5,
                                 step=0.05, container=c2)
        nodes = state.slider("Max nodes (fully connected pixel graph)", "hcsn", 16,
                             G.FULL_MAX_NODES, 100, step=4, container=c3, advanced=True,
                             help="HCS runs one minimum cut per split, so the graph is kept small.")
        with panels.user_errors():
            run = hcs_pixel_run(picked.key, image, si, nodes, threshold)
    if run is None:
        st.stop()
    trace = run["trace"]
    panels.show_warnings(trace)
    first = trace.steps[0].metrics
    relation = ">" if first["highly_connected"] else r"\le"
    with formula_box:
        panels.formula_panel([
            panels.lecture(
                r"k(G) = \min\{|C| : C \text{ disconnects } G\},\qquad G \text{ highly "
                r"connected} \iff k(G) > \tfrac{n}{2}", "main", "Segmentation by Min Cut method"),
            panels.lecture(
                rf"\text{{whole graph: }} k(G) = {first['k']:.0f} "
                rf"{relation} \tfrac{{{first['n']:.0f}}}{{2}} = {first['n'] / 2:g}",
                "main", "Segmentation by Min Cut method (the HCS test, this graph's numbers)"),
            panels.lecture(
                rf"\text{{result: }} {len(trace.clusters)} \text{{ clusters}},\; "
                rf"{len(trace.singletons)} \text{{ singletons}},\; {trace.total_steps} "
                r"\text{ HCS calls}", "main", "HCS(G(V,E)) procedure"),
        ], "HCS(G): (H, H', C) = MINCUT(G); if G is highly connected return G, else HCS(H), "
           "HCS(H').")
    if which == "lecture":
        st.caption("Three dense groups joined by a few edges, and vertex 12 hanging on by one "
                   "edge. Play the steps: each call cuts a minimum cut (red, dotted) until every "
                   "piece passes k(G) > n/2; finished clusters keep their colour.")
        graph, positions = run["graph"], run["positions"]

        def render(i: int, step) -> None:
            done = [s.data["nodes"].tolist() for s in trace.steps[:i] if s.name == "cluster"]
            st.plotly_chart(figs.hcs_figure(graph, positions, step, done), width="stretch",
                            key="hcs_graph")
            st.caption(f"n = {step.metrics['n']:.0f}, k(G) = {step.metrics['k']:.0f}, "
                       f"n/2 = {step.metrics['n'] / 2:g}")

        player.step_player(trace.steps, key="hstep", render=render, label="HCS call")
        st.markdown(f"**Clusters:** {trace.clusters} &nbsp; **Singletons:** {trace.singletons}")
        st.metric("segcore time", f"{run['wall_ms']:.0f} ms")
        return
    shape = run["graph"].shape
    left, right = st.columns([3, 2])
    left.image(run["picture"], width="stretch",
               caption=f"{len(trace.clusters)} HCS cluster(s) in colour on a {shape[0]} x "
                       f"{shape[1]} graph with {trace.edges} edges; {len(trace.singletons)} "
                       "singleton(s) stay uncoloured.")

    def render_pixels(i: int, step) -> None:
        side = step.data["side"] if step.name == "split" else np.ones_like(step.data["side"])
        st.image(figs.subgraph_picture(image, shape, step.data["nodes"], side),
                 width="stretch", caption="This call's subgraph: the two sides of its min cut "
                                          "(orange, blue); a cluster is all orange.")

    with right:
        player.step_player(trace.steps, key="hstep", render=render_pixels, label="HCS call")
    st.caption("HCS keeps only dense groups: an object covering one or two nodes can never "
               "satisfy k(G) > n/2 and ends up among the singletons, and one weak link is "
               "enough to split a region (the lecture's 'main problem' of HCS). For the metrics "
               "all singletons form one group, matched to a class like any cluster.")
    report = labels_report(picked.key, run["labels"], scene)
    panels.metrics_panel(report, run["wall_ms"])
    p = {"si": si, "nodes": nodes, "threshold": threshold}
    export.export_panel(picked, run["labels"], snippets.graph_cuts(picked, "hcs", p), p, report,
                        run["picture"])
