"""The clustering page's tiny-problem panel: exhaustive search vs Lloyd, and the distance.

The lecture says k-means' global optimum needs an exhaustive search of all
partitions and that k-means is a heuristic; it assigns points "measured with a
specific distance metric". On 7 or 8 points both can be shown exactly:
:func:`segcore.classical.kmeans_search.exhaustive_vs_lloyd` tries every
partition and runs Lloyd's loop from every choice of k data points, with the
Euclidean (k-means), Manhattan (k-medians) or cosine (spherical k-means)
distance. The panel is one fragment: its controls rerun only the panel.
"""

from __future__ import annotations

from math import comb

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from segcore.classical import kmeans_search as ks
from segcore.classical.kmeans_metrics import METRICS
from ui import figures, panels, player, state
from ui.caching import CACHE
from ui.cluster_figs import css

__all__ = ["panel", "search_run", "points_figure", "starts_figure", "formula_lines"]

POINT_LABELS = {"groups": "Three groups (8 points, 2-D)", "outlier": "Line with an outlier "
                "(7 points, 1-D)", "rays": "Two directions (8 points, 2-D)"}
METRIC_LABELS = {"euclidean": "Euclidean: k-means (mean)",
                 "manhattan": "Manhattan: k-medians (median)",
                 "cosine": "Cosine: spherical k-means (mean direction)"}
#: The distance and the centre that goes with it, as the page states them.
METRIC_NOTES = {
    "euclidean": "the lecture's k-means: squared Euclidean distance, centre = mean, objective "
                 "= SSE.",
    "manhattan": "this is **k-medians**, not k-means: with the Manhattan (L1) distance the "
                 "centre that minimises a cluster's total distance is the coordinate-wise "
                 "**median**, so the update step takes medians. Taking means with an L1 "
                 "assignment would no longer minimise anything.",
    "cosine": "this is **spherical k-means**: every point is scaled to unit length, so only "
              "its direction counts; the centre is the mean direction (the mean of the unit "
              "vectors, scaled back to length 1) and the objective is the sum of 1 - cos.",
}
OBJECTIVE = {
    "euclidean": r"J = \sum_{j=1}^{k}\sum_{x\in C_j}\lVert x-m_j\rVert_2^2,\quad m_j="
                 r"\mathrm{mean}(C_j)",
    "manhattan": r"J = \sum_{j=1}^{k}\sum_{x\in C_j}\lVert x-m_j\rVert_1,\quad m_j="
                 r"\mathrm{median}(C_j)\ \text{(per coordinate)}",
    "cosine": r"J = \sum_{j=1}^{k}\sum_{x\in C_j}\left(1-\frac{x\cdot m_j}{\lVert x\rVert}\right),"
              r"\quad m_j=\frac{\sum_{x\in C_j} x/\lVert x\rVert}"
              r"{\lVert\sum_{x\in C_j} x/\lVert x\rVert\rVert}",
}


@st.cache_data(**CACHE)
def search_run(name: str, k: int, metric: str, start: int | None) -> dict:
    """Exhaustive search and every Lloyd start for one tiny problem (cached), with figures.

    Lloyd's clusters are renumbered in order of their first point, as the exhaustive
    search numbers its partitions, so the same group has the same colour in both plots.
    """
    trace = ks.exhaustive_vs_lloyd(ks.point_set(name), k, metric, start)
    out = trace.output
    rename = _first_point_order(out["labels"], k)
    frames = [(rename[s.data["labels"].astype(int)], s.data["centroids"][np.argsort(rename)])
              for s in trace.steps]
    replay = out["starts"][out["start"]]
    return {"trace": trace,
            "steps": [figures.plain(points_figure(out["points"], *frame, metric))
                      for frame in frames],
            "global": figures.plain(points_figure(out["points"], out["global_labels"],
                                                  out["global_centroids"], metric)),
            "lloyd": figures.plain(points_figure(
                out["points"], *frames[-1], metric, init=replay,
                trail=np.stack([centres for _, centres in frames]))),
            "starts": figures.plain(starts_figure(out["final_objectives"],
                                                  out["global_objective"], out["objective"]))}


def _first_point_order(labels: np.ndarray, k: int) -> np.ndarray:
    """old cluster id -> new id, numbering clusters by their first point (empty ones last)."""
    firsts = [np.flatnonzero(labels == j)[0] if np.any(labels == j) else len(labels) + j
              for j in range(k)]
    return np.argsort(np.argsort(firsts))


def _xy(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(points, float)
    return p[:, 0], (p[:, 1] if p.shape[1] > 1 else np.zeros(len(p)))


def points_figure(points, labels, centroids, metric: str, *, init=None, trail=None,
                  height: int = 330) -> go.Figure:
    """The tiny problem's points by cluster, its centres (diamonds; on the unit circle for
    cosine), and for a Lloyd run its start points (circled) and the centres' path."""
    fig = go.Figure()
    x, y = _xy(points)
    for j in np.unique(labels):
        sel = np.asarray(labels) == j
        fig.add_scatter(x=x[sel], y=y[sel], mode="markers+text", name=f"cluster {j + 1}",
                        text=[str(i + 1) for i in np.flatnonzero(sel)], textposition="top center",
                        cliponaxis=False,
                        marker=dict(size=13, color=css(int(j)), line=dict(color="black", width=1)))
    if init is not None:
        fig.add_scatter(x=x[init], y=y[init], mode="markers", name="start centres",
                        marker=dict(size=24, color="rgba(0,0,0,0)",
                                    line=dict(color="black", width=2, dash="dot")))
    if trail is not None and len(trail) > 1:
        for j in range(trail.shape[1]):
            tx, ty = _xy(trail[:, j])
            fig.add_scatter(x=tx, y=ty, mode="lines", showlegend=False, hoverinfo="skip",
                            line=dict(color="black", width=2))
    cx, cy = _xy(centroids)
    fig.add_scatter(x=cx, y=cy, mode="markers", name="centres" if metric != "cosine" else
                    "centres (unit directions)",
                    marker=dict(size=15, symbol="diamond", line=dict(color="black", width=2),
                                color=[css(j) for j in range(len(centroids))]))
    flat = np.asarray(points).shape[1] == 1
    fig.update_layout(xaxis_title="x", yaxis_title="" if flat else "y",
                      yaxis=dict(showticklabels=False, range=[-1, 1]) if flat else
                      dict(scaleanchor="x"))
    return figures.tidy(fig, height // 2 if flat else height)


def starts_figure(finals: np.ndarray, best: float, shown: float, height: int = 260) -> go.Figure:
    """How many of the starts end at each objective value; the global optimum in green."""
    values, counts = np.unique(np.round(finals, 6), return_counts=True)
    optimal = np.isclose(values, round(best, 6), rtol=1e-6, atol=1e-9)
    labels = [f"{v:.4g}" for v in values]
    fig = go.Figure(go.Bar(x=labels, y=counts, text=counts, textposition="outside",
                           marker_color=["rgb(44,160,44)" if o else "rgb(255,127,14)"
                                         for o in optimal],
                           marker_line=dict(color=["black" if np.isclose(v, round(shown, 6))
                                                   else "rgba(0,0,0,0)" for v in values], width=3)))
    fig.update_layout(xaxis_title="objective J where Lloyd's loop stopped (green: the global "
                      "optimum)", yaxis_title="starts", xaxis_type="category", showlegend=False,
                      yaxis_range=[0, 1.2 * counts.max()])
    return figures.tidy(fig, height)


def _count(value: int) -> str:
    """A whole number for LaTeX with grouped thousands (6{,}561)."""
    return f"{value:,}".replace(",", "{,}")


def formula_lines(out: dict, metric: str, n: int, k: int) -> list[panels.Formula]:
    """The objective with this run's numbers and the size of the exhaustive search."""
    return [
        panels.lecture(OBJECTIVE["euclidean"] if metric == "euclidean" else
                       r"SSE=\sum_{j=1}^{k}\sum_{x\in C_j} dist(x,m_j)^2",
                       "main", "Stopping/convergence criterion"),
        panels.lecture(
            rf"\text{{all partitions: }} S({n},{k}) = {_count(out['n_partitions'])}\ "
            rf"\text{{(of }} {k}^{{{n}}} = {_count(out['n_assignments'])}"
            rf"\text{{ assignments)}},\quad J^* = {out['global_objective']:.4g}",
            "main", "K-means (global optimum: exhaustively search all partitions)"),
        *([] if metric == "euclidean" else [panels.beyond(
            OBJECTIVE[metric] + rf",\quad J^* = {out['global_objective']:.4g}",
            "the lecture only says the distance is 'a specific distance metric'; k-medians "
            "(Bradley et al. 1996) and spherical k-means (Dhillon and Modha 2001) are the "
            "variants whose centre update still minimises J")]),
    ]


def _controls() -> tuple[str, int, str, int]:
    c1, c2, c3, c4 = st.container(border=True).columns(4)
    name = state.select("Points", "tiny", list(ks.POINT_SETS), "groups",
                        format_func=POINT_LABELS.get, container=c1)
    n = len(ks.POINT_SETS[name][1])
    k = state.slider("Clusters k", "tk", 2, min(ks.MAX_CLUSTERS, n - 1), 3, container=c2)
    metric = state.select("Distance", "dist", list(METRICS), "euclidean",
                          format_func=METRIC_LABELS.get, container=c3)
    start = state.slider("Lloyd's start (0 = first one stuck)", "tstart", 0, comb(n, k), 0,
                         container=c4, help=f"Start j uses the j-th choice of {k} of the {n} "
                         "points (1 2 3, 1 2 4, ...) as initial centres; 0 picks the first "
                         "start that ends in a local optimum.")
    return name, k, metric, start


def _show_formulas(lines: list[panels.Formula]) -> None:
    """Formula lines with their sources, inside the panel (the page has one formula panel)."""
    for line in lines:
        st.latex(line.latex)
        st.caption((":material/school: " if line.from_lecture else ":material/explore: ")
                   + line.source)


@st.fragment
def panel() -> None:
    """The panel: controls, exhaustive optimum vs the replayed start, all starts, steps."""
    st.subheader("Global optimum vs Lloyd's local optima, and the choice of distance")
    st.caption("k-means is a heuristic: it only ever improves the current partition, so where "
               "it ends depends on where it starts. On a handful of points the lecture's "
               "exhaustive search is affordable: try every partition, keep the best. The same "
               "points show what changes with the distance (Euclidean, Manhattan, cosine).")
    if not state.checkbox("Show the tiny problem (7 or 8 points: every partition, and Lloyd "
                          "from every start)", "tinyp", False):
        return  # off by default: its four charts would add ~25 ms to every page rerun
    name, k, metric, start = _controls()
    st.markdown(f"**{METRIC_LABELS[metric]}**: {METRIC_NOTES[metric]} "
                f"*{ks.POINT_SETS[name][0][0].upper() + ks.POINT_SETS[name][0][1:]}.*")
    if metric == "cosine" and ks.POINT_SETS[name][1].shape[1] < 2:
        st.warning("The cosine distance compares directions, and on a line every positive "
                   "point points the same way: pick 2-D points for it.")
        return
    run = None
    with panels.user_errors():
        run = search_run(name, k, metric, start - 1 if start else None)
    if run is None:
        return
    _results(run, metric, k)


def _results(run: dict, metric: str, k: int) -> None:
    trace = run["trace"]
    out = trace.output
    n, shown = len(out["points"]), out["start"]
    chosen = " ".join(str(i + 1) for i in out["starts"][shown])
    _show_formulas(formula_lines(out, metric, n, k))
    m = st.columns(3)
    m[0].metric("Global optimum J* (exhaustive)", f"{out['global_objective']:.4g}")
    gap = 0.0 if not out["local_optimum"] else out["objective"] - out["global_objective"]
    m[1].metric(f"Lloyd from start {shown + 1} (points {chosen})", f"{out['objective']:.4g}",
                delta=f"{gap:+.4g}", delta_color="inverse")
    m[2].metric("Starts reaching J*", f"{int(out['reaches_global'].sum())} of {len(out['starts'])}")
    left, right = st.columns(2)
    left.plotly_chart(run["global"], width="stretch", key="tiny_global")
    left.caption(f"Exhaustive search: the best of {out['n_partitions']:,} partitions.")
    right.plotly_chart(run["lloyd"], width="stretch", key="tiny_lloyd")
    verdict = ("stuck in a **local optimum**: no single reassignment or centre move helps, "
               "yet the exhaustive search found a better partition" if out["local_optimum"]
               else "it reaches the global optimum")
    right.caption(f"Lloyd's loop from points {chosen} (dotted circles; black lines: the "
                  f"centres' path) stops after {len(trace.steps)} assignment steps: {verdict}.")
    st.plotly_chart(run["starts"], width="stretch", key="tiny_starts")
    st.caption(f"All {len(out['starts'])} ways to pick {k} of the {n} points as starting "
               "centres, by where Lloyd's loop ends (outlined: the replayed start). Restarts "
               "with different seeds, as the Restarts control above does, are the usual cure.")
    player.step_player(trace.steps, key="tstep", label="Iteration", render=lambda i, step:
                       st.plotly_chart(run["steps"][i], width="stretch", key="tiny_step"))
