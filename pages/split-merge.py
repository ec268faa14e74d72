"""Split and merge: quadtree split while P(R) is FALSE, merge on the RAG while P(R1 U R2);
split then merge, interleaved depth by depth, or merge only from small blocks."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

import ui.process  # noqa: F401 - first project import: warms the process up once
from segcore.evaluation.scoring import score_against_scene
from segcore.scenes import VOID
from segcore.classical.split_merge import (
    AT_MIN_SIZE,
    HOMOGENEOUS,
    MIN_BLOCKS,
    MODES,
    PREDICATES,
    SPLIT,
    split_and_merge,
)
from ui import challenge, export, panels, picker, player, present, presets, snippets, state
from ui import region_figs as figs
from ui import split_merge_formulas as formulas
from ui.caching import CACHE
from ui.overlay import PALETTE, mask_overlay, overlay

PREDICATE_NAMES = {"variance": "Variance: sd^2 <= v", "range": "Range: max - min <= r",
                   "lecture": "Lecture: sd > a and m_low <= m <= m_high"}
MAX_MERGE_STEPS = 60  # recorded merge rounds (merge-only from 2 x 2 blocks can take many)

panels.page_header(
    "Split and merge",
    "Start with the whole image as one region. Any region R whose homogeneity predicate "
    "P(R) is FALSE is split into four quadrants, recursively, down to a minimum quadrant "
    "size: a **quadtree**. Splitting alone leaves neighbouring quadrants apart even when "
    "they belong together, so adjacent regions of the **region adjacency graph** are "
    "merged while P(R1 U R2) is TRUE: after the whole split, at each depth of it (as the "
    "lecture iterates), or bottom-up from small blocks without any split.")
formula_slot = st.container()
picked = picker.image_picker(default="scene:shapes")
gray = picked.gray

# ----------------------------------------------------------------- controls
box = st.container(border=True)
c1, c2, c3 = box.columns(3)
mode = state.select("Order of split and merge", "mode", list(MODES), "split-then-merge",
                    format_func=formulas.MODE_NAMES.get, container=c1)
predicate = state.select("Predicate P(R)", "pred", list(PREDICATES), "variance",
                         format_func=PREDICATE_NAMES.get, container=c1)
min_block = int(state.select("Minimum quadrant (px)", "minb", [str(b) for b in MIN_BLOCKS], "8",
                             radio=True, container=c1, advanced=True,
                             help="Quadrants this small are never split. Merge only: the side "
                                  "of the blocks the image starts as."))
# Presenting, only the chosen predicate's sliders are drawn (the others keep their values).
max_variance = state.slider("v (max variance)", "v", 0, 3000, 600, step=1, container=c2,
                            advanced=predicate != "variance",
                            help="Variance predicate: P(R) TRUE when sd^2 <= v. Steps of 1: "
                                 "the lecture's example uses a variance of 1 (arrow keys move "
                                 "the slider by one).")
max_range = state.slider("r (max range)", "r", 0, 255, 120, container=c2,
                         advanced=predicate != "range",
                         help="Range predicate: P(R) TRUE when max - min <= r.")
min_sd = state.slider("a (sd must exceed)", "a", 0, 80, 10, container=c3,
                      advanced=predicate != "lecture",
                      help="Lecture predicate: P(R) TRUE when sd > a and m_low <= m <= m_high.")
mean_low = state.slider("m_low", "mlo", 0, 255, 0, container=c3, advanced=predicate != "lecture")
mean_high = state.slider("m_high", "mhi", 0, 255, 126, container=c3,
                         advanced=predicate != "lecture")
box.caption("Only the sliders of the chosen predicate matter; the others are kept for "
            "switching back.")


# ----------------------------------------------------------------- computation (cached)
def _mask_class(mask: np.ndarray, scene) -> int:
    """The labelled (non-VOID) class that the mask covers most."""
    counts = np.bincount(scene.semantic[mask & ~scene.void], minlength=scene.num_classes)
    if scene.has_void:
        counts[VOID] = -1
    return int(np.argmax(counts))


@st.cache_data(**CACHE)
def run_split_merge(key: str, image: np.ndarray, params: dict, _scene=None) -> dict:
    """split_and_merge plus the result pictures and the metrics against ground truth."""
    start = time.perf_counter()
    trace = split_and_merge(image, **params, max_steps=MAX_MERGE_STEPS)
    wall_ms = (time.perf_counter() - start) * 1000
    report = None
    if _scene is not None:
        if params["predicate"] == "lecture":  # the output is the mask g(x, y): score its class
            report = score_against_scene(trace.mask, _scene, binary=True,
                                         object_classes=[_mask_class(trace.mask, _scene)])
        else:
            report = score_against_scene(trace.labels, _scene, match_clusters=True)
    lecture = params["predicate"] == "lecture"
    result = {bold: mask_overlay(image, trace.mask, color=PALETTE[2], alpha=0.55, bold=bold)
              if lecture else overlay(image, trace.labels, alpha=0.4, bold=bold)
              for bold in (False, True)}  # plain and presentation style (ui.present)
    return {"trace": trace, "wall_ms": wall_ms, "report": report, "result_rgb": result}


@st.cache_data(**CACHE)
def step_picture(key: str, params: dict, image: np.ndarray, i: int) -> np.ndarray:
    """Partition at a depth (tinted by P), or the regions after a merge (interleaved: only the
    leaves that exist at that depth; the rest is left plain)."""
    trace = run_split_merge(key, image, params)["trace"]
    step = trace.steps[i]
    if "blocks" in step.data:
        return figs.quadtree_rgb(image, step.data["blocks"], step.data["state"])
    parent = step.data["parent"]
    return overlay(image, parent[trace.leaves], alpha=0.45, skip_zero=True)


@st.cache_data(**CACHE)
def rag_plots(key: str, params: dict, image: np.ndarray):
    trace = run_split_merge(key, image, params)["trace"]
    what = "start blocks" if params["mode"] == "merge-only" else "quadtree leaves"
    before = figs.rag_figure(overlay(image, trace.leaves, alpha=0.3), trace.rag_before,
                             f"Before merging: RAG of {trace.n_leaves} {what}")
    after = figs.rag_figure(overlay(image, trace.labels, alpha=0.3), trace.rag_after,
                            f"After merging: {trace.n_regions} regions")
    return before, after


params = {"predicate": predicate, "max_variance": float(max_variance),
          "max_range": float(max_range), "min_sd": float(min_sd), "mean_low": float(mean_low),
          "mean_high": float(mean_high), "min_block": min_block, "mode": mode}
run = None
with panels.user_errors():
    run = run_split_merge(picked.key, gray, params, _scene=picked.scene)
if run is None:
    st.stop()
trace = run["trace"]
panels.show_warnings(trace)


# ----------------------------------------------------------------- formulas (live numbers)
with formula_slot:
    panels.formula_panel(*formulas.formula_lines(trace, gray, params))

# ----------------------------------------------------------------- counts, result, steps
n_depths = sum(s.name.startswith("depth") for s in trace.steps)
k1, k2, k3, k4 = st.columns(4)
if mode == "merge-only":
    k1.metric("Start block side", int(trace.blocks[0, 2]))
    k2.metric("Start blocks", trace.n_leaves)
else:
    k1.metric("Quadtree depth", n_depths - 1)
    k2.metric("Leaves after split", trace.n_leaves)
k3.metric("Regions after merge", trace.n_regions)
k4.metric("Merges", len(trace.merged))
left, right = st.columns(2)
with left:
    st.markdown("**Result**")
    st.image(run["result_rgb"][present.is_on()], width="stretch",
             caption="Pixels of regions where P holds (g = 1)" if predicate == "lecture"
             else "Regions after merging")


def render(i, step) -> None:
    st.image(step_picture(picked.key, params, gray, i), width="stretch")
    if "state" in step.data:
        st.caption("Tint: " + "; ".join(
            f"{'green' if v == HOMOGENEOUS else 'orange' if v == SPLIT else 'blue'} = "
            f"{figs.STATE_NAMES[v]}" for v in (HOMOGENEOUS, SPLIT, AT_MIN_SIZE)))
    elif step.name.startswith("merge at depth"):
        st.caption("Plain (untinted): blocks still to be split at the next depth.")


PLAYER_TITLES = {"split-then-merge": "Split depth by depth, then merge round by round",
                 "interleaved": "At each depth: split, then merge",
                 "merge-only": "Start blocks, then merge round by round"}
with right:
    st.markdown(f"**{PLAYER_TITLES[mode]}**")
    player.step_player(trace.steps, key="smstep", render=render, label="Step")
    if trace.truncated:
        st.caption(f"{len(trace.steps)} of {trace.total_steps} steps are kept for replay.")

# ----------------------------------------------------------------- the RAG
st.subheader("Region adjacency graph before and after merging")
before_fig, after_fig = rag_plots(picked.key, params, gray)
c_before, c_after = st.columns(2)
c_before.plotly_chart(before_fig, width="stretch")
c_after.plotly_chart(after_fig, width="stretch")
st.caption("Nodes sit at region centroids; an edge joins regions that share a border. Edge "
           "colour: green = similar means, red = different; solid = P(R1 U R2) is TRUE "
           "(mergeable), dotted = FALSE.")

# ----------------------------------------------------------------- metrics + try this
panels.metrics_panel(run["report"], run["wall_ms"])
if run["report"] is not None:
    st.caption("Lecture predicate: the mask g(x, y) is scored against the class it covers most. "
               if predicate == "lecture" else
               "Regions are matched to ground-truth classes (Hungarian matching; extra "
               "regions go to the class they overlap most).")
export.export_panel(picked, trace.mask if predicate == "lecture" else trace.labels,
                    snippets.split_merge(picked, params), params, run["report"], run["result_rgb"])
panels.try_this(presets.PRESETS["split-merge"])


# ----------------------------------------------------------------- challenge
challenge.challenge_panel("split-merge")
