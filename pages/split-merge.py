"""Split and merge: quadtree split while P(R) is FALSE, then merge on the RAG while P(R1 U R2)."""

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
    PREDICATES,
    SPLIT,
    split_and_merge,
)
from ui import challenge, export, panels, picker, player, present, presets, snippets, state
from ui import region_figs as figs
from ui.caching import CACHE
from ui.overlay import PALETTE, mask_overlay, overlay

PREDICATE_NAMES = {"variance": "Variance: sd^2 <= v", "range": "Range: max - min <= r",
                   "lecture": "Lecture: sd > a and m_low <= m <= m_high"}

panels.page_header(
    "Split and merge",
    "Start with the whole image as one region. Any region R whose homogeneity predicate "
    "P(R) is FALSE is split into four quadrants, recursively, down to a minimum quadrant "
    "size: a **quadtree**. Splitting alone leaves neighbouring quadrants apart even when "
    "they belong together, so adjacent regions of the **region adjacency graph** are then "
    "merged while P(R1 U R2) is TRUE.")
formula_slot = st.container()
picked = picker.image_picker(default="scene:shapes")
gray = picked.gray

# ----------------------------------------------------------------- controls
box = st.container(border=True)
c1, c2, c3 = box.columns(3)
predicate = state.select("Predicate P(R)", "pred", list(PREDICATES), "variance",
                         format_func=PREDICATE_NAMES.get, container=c1)
min_block = int(state.select("Minimum quadrant (px)", "minb", [str(b) for b in MIN_BLOCKS], "8",
                             radio=True, container=c1, advanced=True))
# Presenting, only the chosen predicate's sliders are drawn (the others keep their values).
max_variance = state.slider("v (max variance)", "v", 0, 3000, 600, step=10, container=c2,
                            advanced=predicate != "variance",
                            help="Variance predicate: P(R) TRUE when sd^2 <= v.")
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
    trace = split_and_merge(image, **params)
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
    """Partition at a depth (tinted by P), or the regions after a merge round."""
    trace = run_split_merge(key, image, params)["trace"]
    step = trace.steps[i]
    if "blocks" in step.data:
        return figs.quadtree_rgb(image, step.data["blocks"], step.data["state"])
    parent = step.data["parent"]
    return overlay(image, parent[trace.leaves], alpha=0.45, skip_zero=True)


@st.cache_data(**CACHE)
def rag_plots(key: str, params: dict, image: np.ndarray):
    trace = run_split_merge(key, image, params)["trace"]
    before = figs.rag_figure(overlay(image, trace.leaves, alpha=0.3), trace.rag_before,
                             f"Before merging: RAG of {trace.n_leaves} quadtree leaves")
    after = figs.rag_figure(overlay(image, trace.labels, alpha=0.3), trace.rag_after,
                            f"After merging: {trace.n_regions} regions")
    return before, after


params = {"predicate": predicate, "max_variance": float(max_variance),
          "max_range": float(max_range), "min_sd": float(min_sd), "mean_low": float(mean_low),
          "mean_high": float(mean_high), "min_block": min_block}
run = None
with panels.user_errors():
    run = run_split_merge(picked.key, gray, params, _scene=picked.scene)
if run is None:
    st.stop()
trace = run["trace"]
panels.show_warnings(trace)


# ----------------------------------------------------------------- formulas (live numbers)
# The split/merge rule is the main deck's; so are the variance predicate (the "Region
# splitting: example" uses variance as the criterion of homogeneity) and the sigma/mean
# predicate g(x, y) of its example. The range predicate is SegLab's addition.
RULE = panels.lecture(r"\text{split } R \text{ into 4 quadrants if } P(R) = \text{FALSE};\quad"
                      r"\text{merge } R_1, R_2 \text{ if } P(R_1 \cup R_2) = \text{TRUE}",
                      "main", "Splitting & merging segmentation algorithm")
PREDICATE_TOPICS = {"variance": "Region splitting: example",
                    "lecture": "Segmentation by Region Splitting and Merging: Example"}
RANGE_NOTE = ("SegLab's range predicate, gray-level max - min (the deck uses the variance and "
              "the sigma/mean predicate g(x, y))")


def _cited(latex: str) -> panels.Formula:
    """A predicate line with the source of the chosen predicate."""
    if predicate == "range":
        return panels.beyond(latex, RANGE_NOTE)
    return panels.lecture(latex, "main", PREDICATE_TOPICS[predicate])


def _predicate_latex(mean: float, sd: float, value_range: float, region: str) -> str:
    """P(region) with this run's numbers, the comparison sign telling the verdict."""
    le, gt, member, non_member = r"\le", ">", r"\in", r"\notin"
    if predicate == "variance":
        holds = sd ** 2 <= max_variance
        body = rf"sd^2 = {sd ** 2:.0f} {le if holds else gt} v = {max_variance}"
    elif predicate == "range":
        holds = value_range <= max_range
        body = rf"\max - \min = {value_range:.0f} {le if holds else gt} r = {max_range}"
    else:
        sd_ok, band_ok = sd > min_sd, mean_low <= mean <= mean_high
        holds = sd_ok and band_ok
        body = (rf"sd = {sd:.1f} {gt if sd_ok else le} a = {min_sd},\ m = {mean:.1f}"
                rf"\ {member if band_ok else non_member}\ [{mean_low}, {mean_high}]")
    return rf"P({region}):\ {body}\ \Rightarrow\ \text{{{str(holds).upper()}}}"


with formula_slot:
    after = trace.rag_after
    big = int(np.argmax(after["node_size"]))
    big_range = float(np.ptp(gray[trace.labels == big + 1]))
    lines = [RULE, _cited(_predicate_latex(after["node_mean"][big], after["node_sd"][big],
                                           big_range, rf"R_{{{big + 1}}}"))]
    if len(after["edges"]):
        e = int(np.argmin(after["similarity"]))
        a, b = after["edges"][e] + 1
        lines.append(_cited(_predicate_latex(after["union_mean"][e], after["union_sd"][e],
                                             after["union_range"][e],
                                             rf"R_{{{a}}} \cup R_{{{b}}}")))
    panels.formula_panel(lines, caption=(
        f"R{big + 1} is the largest region after merging; R{a} and R{b} the most similar "
        "adjacent pair left, so P of their union must be FALSE (merging stopped)."
        if len(after["edges"]) else "The largest region after merging; no adjacent pair left."))

# ----------------------------------------------------------------- counts, result, steps
n_depths = sum(s.name.startswith("depth") for s in trace.steps)
k1, k2, k3, k4 = st.columns(4)
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


with right:
    st.markdown("**Split depth by depth, then merge round by round**")
    player.step_player(trace.steps, key="smstep", render=render, label="Step")

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
