"""Graph cuts: affinities, min cut and its small-component bias, HCS, normalized cut, max-flow."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

import ui.process  # noqa: F401 - first project import: warms the process up once
from segcore.evaluation.scoring import score_against_scene
from segcore.classical import graph_cuts as G
from ui import clicks, export, panels, picker, player, present, presets, snippets, state
from ui import graph_figs as figs
from ui.caching import CACHE
from ui.overlay import overlay

# The lecture's own material first (affinities, min cut vs Ncut, HCS); the page opens on it.
VIEWS = {
    "cuts": "Affinities: min cut vs Ncut",
    "hcs": "HCS (highly connected subgraphs)",
    "rncut": "Recursive Ncut on superpixels (beyond the lecture)",
    "maxflow": "Max-flow with seeds (the lecture names it)",
}
HOODS = {"4": "4-neighbours", "8": "8-neighbours", "full": "fully connected"}
SEED_MODES = {"fg": "foreground", "bg": "background"}
SEED_SOURCES = {"click": "clicked points", "gt": "ground-truth interior"}
MAX_CLICKED_SEEDS = 40  # per kind; URL: fg=r1.c1;r2.c2 and bg=...
HCS_GRAPHS = {"lecture": "Lecture example graph", "pixels": "Pixel graph of the image"}

panels.page_header(
    "Graph cuts",
    "Treat the image as a graph: every pixel is a node and every edge carries an **affinity**, "
    "how much two pixels look alike. A **cut** removes edges and splits the nodes in two, so a "
    "cut *is* a segmentation. The cheapest cut tends to chop off a lonely pixel; the "
    "**normalized cut** divides by each side's total connection and prefers balanced pieces; "
    "with a few **seeds** clicked on the object and the background, max-flow finds the "
    "best cut between them exactly.")
formula_box = st.container()
picked = picker.image_picker(default="scene:shapes")
image = picked.image
scene = picked.scene
height, width = image.shape[:2]
colour = image.ndim == 3


# ----------------------------------------------------------------- cached segcore calls
def _timed(fn, *args, **kwargs) -> dict:
    start = time.perf_counter()
    trace = fn(*args, **kwargs)
    return {"trace": trace, "wall_ms": (time.perf_counter() - start) * 1000}


@st.cache_data(**CACHE)
def graph_cut_run(key: str, img: np.ndarray, sd, si, sc, hood: str, nodes: int) -> dict:
    """Affinity graph, then min cut and Ncut on it (cached per image + parameters)."""
    start = time.perf_counter()
    graph = G.affinity_graph(img, sigma_d=sd, sigma_i=si, sigma_c=sc, neighbourhood=hood,
                             max_nodes=nodes)
    cuts = G.compare_cuts(graph.weights, graph.shape)
    return {"graph": graph, "cuts": cuts, "wall_ms": (time.perf_counter() - start) * 1000}


@st.cache_data(**CACHE)
def cut_pictures(key: str, img: np.ndarray, sd, si, sc, hood: str, nodes: int,
                 semantic: np.ndarray | None, class_names: tuple | None, bold: bool) -> dict:
    """Partition overlays, the sorted affinity heatmap and the edge drawing (cached)."""
    run = graph_cut_run(key, img, sd, si, sc, hood, nodes)
    graph, cuts = run["graph"], run["cuts"]
    if semantic is not None:
        group = G.downsample_labels(semantic, graph.shape).ravel()
        names = list(class_names)
    else:
        gray = graph.image if graph.image.ndim == 2 else graph.image.mean(axis=2)
        group = (gray.ravel() // 64).astype(int)
        names = [f"gray {64 * i}-{64 * i + 63}" for i in range(4)]
    return {
        "ncut": figs.partition_picture(img, cuts.ncut, bold),
        "min_cut": figs.partition_picture(img, cuts.min_cut, bold),
        "heatmap": figs.affinity_heatmap(graph.weights, group, names),
        "edges": figs.edge_weight_figure(graph.image, graph.edges, graph.edge_weights,
                                         cut=cuts.ncut.ravel()),
        "y2": figs.signed_picture(cuts.y2),
        "sweep": figs.sweep_figure(*_sweep_of(cuts)),
    }


def _sweep_of(cuts) -> tuple:
    step = next((s for s in cuts.steps if s.name == "sweep"), None)
    if step is None:
        return np.zeros(0), np.zeros(0), float("nan")
    return step.data["thresholds"], step.data["ncut"], step.metrics["threshold"]


@st.cache_data(**CACHE)
def hcs_lecture() -> dict:
    graph = G.lecture_example_graph()
    return dict(_timed(G.hcs, graph), graph=graph, positions=figs.hcs_layout(graph))


@st.cache_data(**CACHE)
def hcs_pixel_run(key: str, img: np.ndarray, si, nodes: int, threshold: float) -> dict:
    start = time.perf_counter()
    graph = G.affinity_graph(img, sigma_d=None, sigma_i=si, neighbourhood="full", max_nodes=nodes)
    trace = G.hcs_pixels(graph.weights, graph.shape, threshold)
    wall_ms = (time.perf_counter() - start) * 1000
    labels = figs.resize_nearest(trace.labels, img.shape[:2])
    return {"graph": graph, "trace": trace, "wall_ms": wall_ms, "labels": labels,
            "picture": overlay(img, labels, alpha=0.45)}


@st.cache_data(**CACHE)
def rncut_run(key: str, img: np.ndarray, nseg: int, compact: float, sigma: float, thresh: float,
              rseed: int) -> dict:
    run = _timed(G.recursive_ncut, img, n_segments=nseg, compactness=compact, sigma=sigma,
                 thresh=thresh, random_state=rseed)
    run["picture"] = overlay(img, run["trace"].labels + 1, alpha=0.5)
    return run


@st.cache_data(**CACHE)
def maxflow_run(key: str, img: np.ndarray, fg_points: tuple, bg_points: tuple, brush: int,
                lam: float, sigma: float, hood: str, bins: int, source: str = "click",
                _truth=None) -> dict:
    """Seeded max-flow; ``source="gt"`` takes the seeds from the interior of ``_truth`` =
    (foreground, void), the ground truth of the scene ``key``, instead of the points."""
    if source == "gt":
        fg, bg = G.ground_truth_seeds(*_truth)
    else:
        fg = G.seed_mask(img.shape[:2], fg_points, brush)
        bg = G.seed_mask(img.shape[:2], bg_points, brush)
    run = _timed(G.seeded_graph_cut, img, fg, bg, lam=lam, sigma=sigma, neighbourhood=hood,
                 bins=bins)
    out = run["trace"].output
    run["picture"] = figs.seeds_picture(img, out["mask"], out["boundary"], fg, bg)
    run["energy"] = figs.energy_figure(out["regional"], out["boundary_energy"], out["flow"])
    run["models"] = (None if out["fg_model"] is None else
                     figs.seed_model_figure(out["fg_model"], out["bg_model"], bins, img.ndim == 3))
    return run


# ----------------------------------------------------------------- metrics helpers
@st.cache_data(**CACHE)
def _binary_report(key: str, pred_mask: np.ndarray) -> dict | None:
    """Object-vs-background scores of a two-way result (sides matched to the classes)."""
    if scene is None:
        return None
    return score_against_scene(pred_mask, scene, binary=True, match_clusters=True)


@st.cache_data(**CACHE)
def _labels_report(key: str, labels: np.ndarray) -> dict | None:
    """Per-class scores of a multi-region result (regions matched to classes, Hungarian)."""
    if scene is None:
        return None
    return score_against_scene(labels, scene, match_clusters=True)


def _fmt(value, digits: int = 3) -> str:
    """A number for LaTeX: ``4.17 \\times 10^{-6}`` rather than ``4.17e-06``."""
    if value is None or not np.isfinite(value):
        return r"\text{n/a}"
    mantissa, _, exponent = f"{value:.{digits}g}".partition("e")
    return mantissa if not exponent else rf"{mantissa} \times 10^{{{int(exponent)}}}"


# ----------------------------------------------------------------- controls
view = state.select("What to explore", "view", list(VIEWS), "cuts", format_func=VIEWS.get,
                    radio=True)


def graph_controls(c1, c2, c3) -> dict:
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


# ================================================================= view: affinities and cuts
def cuts_view() -> None:
    c1, c2, c3 = st.container(border=True).columns(3)
    p = graph_controls(c1, c2, c3)
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
        sc_term = (rf"\exp\!\left(-\frac{{\|c(x)-c(y)\|^2}}{{2\cdot{p['sc']:g}^2}}\right)"
                   if p["sc"] else "")
        sd_term = (rf"\exp\!\left(-\frac{{\|x-y\|^2}}{{2\cdot{p['sd']:g}^2}}\right)" if p["sd"] else "")
        latex = [
            panels.lecture(
                rf"aff(x,y) = {sd_term}\exp\!\left(-\frac{{(I(x)-I(y))^2}}"
                rf"{{2\cdot{p['si']:g}^2}}\right){sc_term}",
                "main", "Measuring Affinity (distance, intensity, colour; multiplied here)"),
            panels.lecture(
                r"cut(A,B)=\sum_{p\in A,q\in B} w_{p,q},\quad "
                r"assoc(A,V)=\sum_{u\in A,t\in V} w(u,t)", "main", "Graph cut; Normalized Cut"),
        ]
        for name, m in (("min cut", m_min), ("Ncut", m_ncut)):
            if m is None:
                continue
            latex.append(panels.lecture(
                rf"\text{{{name}}}:\; Ncut = \frac{{{_fmt(m['cut'])}}}{{{_fmt(m['assoc_av'])}}} + "
                rf"\frac{{{_fmt(m['cut'])}}}{{{_fmt(m['assoc_bv'])}}} = {m['ncut']:.4f} = "
                rf"2 - Nassoc = 2 - {m['nassoc']:.4f}", "main", "Normalized Cut"))
        latex.append(panels.beyond(
            rf"(D - W)\,y = \lambda D y,\quad \lambda_2 = {_fmt(lam2, 4)}",
            "the lecture says minimising Ncut exactly is NP-complete; Shi and Malik (2000) relax "
            "it to this generalized eigenproblem and split on the second eigenvector"))
        panels.formula_panel(latex, f"Live values on the {graph.shape[0]} x {graph.shape[1]} "
                                    "node graph of this image.")
    pics = cut_pictures(picked.key, image, p["sd"], p["si"], p["sc"], p["hood"], p["nodes"],
                        scene.semantic if scene is not None else None,
                        tuple(scene.class_names) if scene is not None else None,
                        present.is_on())
    left, right = st.columns(2)
    left.image(pics["ncut"], width="stretch", caption="Normalized cut: side A orange, side B blue.")
    right.image(pics["min_cut"], width="stretch",
                caption="Minimum cut (Stoer-Wagner): side A orange, side B blue.")
    st.subheader("Min cut vs normalized cut")
    rows = []
    for name, m in (("minimum cut", m_min), ("normalized cut", m_ncut)):
        if m is not None:
            rows.append({"partition": name, "|A|": m["size_a"], "|B|": m["size_b"],
                         "cut(A,B)": m["cut"], "assoc(A,V)": m["assoc_av"],
                         "assoc(B,V)": m["assoc_bv"], "Ncut": m["ncut"], "Nassoc": m["nassoc"]})
    st.dataframe(rows, hide_index=True, width="stretch")
    if m_ncut is not None:
        st.caption(f"The min cut is cheaper (cut {m_min['cut']:.3g} vs {m_ncut['cut']:.3g}) but "
                   f"isolates {m_min['size_a']} node(s): its Ncut is {m_min['ncut']:.3f} "
                   f"(a lone node always has Ncut >= 1) against {m_ncut['ncut']:.3f}.")
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
    report = _binary_report(picked.key, ncut_mask)
    panels.metrics_panel(report, run["wall_ms"])
    export.export_panel(picked, ncut_mask, snippets.graph_cuts(picked, "cuts", p), p, report,
                        pics["ncut"])
    if scene is not None:
        rep = _binary_report(picked.key, figs.resize_nearest(cuts.min_cut, (height, width)) > 0)
        st.caption(f"Scored as object vs background. The min cut's pixel accuracy: "
                   f"{rep['pixel_accuracy']:.3f}.")

    st.subheader("Step by step")

    def render(i: int, step) -> None:
        if step.name == "sweep":
            st.plotly_chart(pics["sweep"], width="stretch", key="sweep")
        elif step.name in ("eigenvector", "degree"):
            st.image(figs.signed_picture(step.data), width=320,
                     caption="Second eigenvector y2 (blue < 0 < orange)" if step.name == "eigenvector"
                     else "Degree d_i of each node")
        else:
            st.image(figs.partition_picture(image, step.data), width=320)
        if step.metrics:
            st.caption(" | ".join(f"{k} = {v:.4g}" for k, v in step.metrics.items()))

    player.step_player(cuts.steps, key="gstep", render=render, label="Stage")


# ================================================================= view: HCS
def hcs_view() -> None:
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
        ], "HCS(G): (H, H', C) = MINCUT(G); if G is highly connected return G, else HCS(H), HCS(H').")
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
               caption=f"{len(trace.clusters)} HCS cluster(s) in colour on a {shape[0]} x {shape[1]} "
                       f"graph with {trace.edges} edges; {len(trace.singletons)} singleton(s) stay "
                       "uncoloured.")

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
    report = _labels_report(picked.key, run["labels"])
    panels.metrics_panel(report, run["wall_ms"])
    p = {"si": si, "nodes": nodes, "threshold": threshold}
    export.export_panel(picked, run["labels"], snippets.graph_cuts(picked, "hcs", p), p, report,
                        run["picture"])


# ================================================================= view: recursive Ncut
def rncut_view() -> None:
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
    report = _labels_report(picked.key, trace.labels)
    panels.metrics_panel(report, run["wall_ms"])
    p = {"nseg": nseg, "compact": compact, "sigma": sigma, "thresh": thresh, "rseed": rseed}
    export.export_panel(picked, trace.labels, snippets.graph_cuts(picked, "rncut", p), p, report,
                        run["picture"])


# ================================================================= view: max-flow with seeds
def _seeds() -> dict[str, list[tuple[int, int]]]:
    """Seeds in session state: first read (validated) from the URL, else defaults for the image.

    Default seeds follow the image (a new scene gets new defaults); clicked seeds are kept
    across images, minus those outside the new image.
    """
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


def _take_click() -> None:
    """Turn the latest click (display pixels) into a seed of the chosen kind (image pixels)."""
    point = clicks.new_click("gc_click", (height, width))
    if point is None:
        return
    seeds = _seeds()
    kind = st.session_state.get(state.widget_key("seedmode"), "fg")
    if point not in seeds[kind]:
        seeds[kind] = (seeds[kind] + [point])[-MAX_CLICKED_SEEDS:]
    _set_seeds(seeds)
    st.session_state[state.widget_key("mfseeds")] = "click"  # a click: use the clicked seeds


def _set_seeds(seeds) -> None:
    st.session_state["gc_seeds"] = {**seeds, "clicked": True, "key": picked.key}


def maxflow_view() -> None:
    _take_click()
    left, right = st.columns([3, 2])
    box = right.container(border=True)
    c1, c2 = box.columns(2)
    mode = state.select("Clicks add", "seedmode", list(SEED_MODES), "fg",
                        format_func=lambda k: f"{SEED_MODES[k]} seeds", radio=True, container=box)
    lam = state.slider("lambda (boundary weight)", "lam", 0.0, 500.0, 10.0, step=1.0, container=c1)
    sigma = state.slider("sigma (intensity affinity)", "mfsigma", 1.0, 150.0, 30.0, step=1.0,
                         container=c2, help="Scale of the boundary term's affinity, gray levels.")
    brush = state.slider("Seed brush radius (px)", "brush", 0, 20, 4, container=c1)
    bins = state.slider("Histogram bins per channel", "bins", 4, 64, 8 if colour else 16, step=4,
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
    seeds = _seeds()
    b1, b2 = box.columns(2)
    b1.button("Undo last seed", key="gc_undo", on_click=_set_seeds, width="stretch",
              args=({**seeds, mode: seeds[mode][:-1]},), disabled=not seeds[mode])
    b2.button("Clear seeds", key="gc_clear", on_click=_set_seeds, args=({"fg": [], "bg": []},),
              width="stretch")
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
    report = _binary_report(picked.key, out["mask"])
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
                     if step.name == "regional term" else "blue: strong n-links (cutting is expensive)")
        else:
            st.image(figs.seeds_picture(image, step.data, out["boundary"],
                                        np.zeros((height, width), bool),
                                        np.zeros((height, width), bool)), width=360)
        if step.metrics:
            st.caption(" | ".join(f"{k} = {v:.4g}" for k, v in step.metrics.items()))

    player.step_player(trace.steps, key="mstep", render=render, label="Stage")


{"maxflow": maxflow_view, "cuts": cuts_view, "hcs": hcs_view, "rncut": rncut_view}[view]()


# ----------------------------------------------------------------- try this
panels.try_this(presets.PRESETS["graph-cuts"])
