"""The graph-cuts page's cached segcore calls, pictures and reports (one entry per image
key and parameters, :data:`ui.caching.CACHE`)."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from segcore.classical import graph_cuts as G
from segcore.evaluation.scoring import score_against_scene
from ui import graph_figs as figs
from ui.caching import CACHE
from ui.overlay import overlay

__all__ = ["binary_report", "cut_pictures", "fmt", "graph_cut_run", "hcs_lecture",
           "hcs_pixel_run", "labels_report", "maxflow_run", "rncut_run"]


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


@st.cache_data(**CACHE)
def binary_report(key: str, pred_mask: np.ndarray, _scene) -> dict | None:
    """Object-vs-background scores of a two-way result (sides matched to the classes);
    ``None`` without a scene (``key`` names the image and so the scene)."""
    if _scene is None:
        return None
    return score_against_scene(pred_mask, _scene, binary=True, match_clusters=True)


@st.cache_data(**CACHE)
def labels_report(key: str, labels: np.ndarray, _scene) -> dict | None:
    """Per-class scores of a multi-region result (regions matched to classes,
    Hungarian); ``None`` without a scene."""
    if _scene is None:
        return None
    return score_against_scene(labels, _scene, match_clusters=True)


def fmt(value, digits: int = 3) -> str:
    """A number for LaTeX: ``4.17 \\times 10^{-6}`` rather than ``4.17e-06``."""
    if value is None or not np.isfinite(value):
        return r"\text{n/a}"
    mantissa, _, exponent = f"{value:.{digits}g}".partition("e")
    return mantissa if not exponent else rf"{mantissa} \times 10^{{{int(exponent)}}}"
