"""Formula panel of the split-and-merge page: the order that runs and P(R) with live numbers.

The split/merge rule and its interleaved form ("splitting and merging work
together ... at each iteration of quadtree partitioning") are the main deck's
slide 27/28; merging bottom-up from 2 x 2 or 4 x 4 blocks is its slide 26. So
are the variance predicate (the "Region splitting: example", variance of 1)
and the sigma/mean predicate g(x, y) of its example. The range predicate is
SegLab's addition.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ui import panels

__all__ = ["MODE_NAMES", "MODE_SUMMARY", "formula_lines"]

MODE_NAMES = {"split-then-merge": "Split all, then merge",
              "interleaved": "Interleaved, depth by depth",
              "merge-only": "Merge only, from small blocks"}
#: One sentence per mode for captions: what this run does.
MODE_SUMMARY = {
    "split-then-merge": "Mode split-then-merge: the whole quadtree is split first, then its "
                        "leaves are merged on the RAG.",
    "interleaved": "Mode interleaved (the lecture's iteration): at each depth of the quadtree "
                   "the blocks are split, then the homogeneous regions found so far are merged "
                   "before the next depth.",
    "merge-only": "Mode merge-only: no split; the image starts as small blocks that are "
                  "merged bottom-up.",
}

ALGORITHM = "Splitting & merging segmentation algorithm"
MERGING = "Region splitting and merging segmentation"
PREDICATE_TOPICS = {"variance": "Region splitting: example",
                    "lecture": "Segmentation by Region Splitting and Merging: Example"}
RANGE_NOTE = ("SegLab's range predicate, gray-level max - min (the deck uses the variance and "
              "the sigma/mean predicate g(x, y))")
_MERGE = r"\text{merge } R_1, R_2 \text{ if } P(R_1 \cup R_2) = \text{TRUE}"


def _rule(mode: str, trace) -> panels.Formula:
    """The order of splitting and merging that ran, with this run's counts."""
    if mode == "split-then-merge":
        return panels.lecture(r"\text{split } R \text{ into 4 quadrants if } P(R) = \text{FALSE};"
                              r"\quad" + _MERGE, "main", ALGORITHM)
    if mode == "interleaved":
        depths = sum(s.name.startswith("depth") for s in trace.steps) - 1
        return panels.lecture(
            rf"\text{{for }} d = 0, \dots, {depths}:\ \text{{split }} R \text{{ if }} P(R) = "
            r"\text{FALSE, then }" + _MERGE, "main", ALGORITHM)
    side = int(trace.blocks[0, 2]) if trace.n_leaves else 0
    return panels.lecture(
        rf"\text{{start: {trace.n_leaves} blocks of }} {side} \times {side};\quad" + _MERGE
        + r"\ \text{(no split)}", "main", MERGING)


def _cited(predicate: str, latex: str) -> panels.Formula:
    """A predicate line with the source of the chosen predicate."""
    if predicate == "range":
        return panels.beyond(latex, RANGE_NOTE)
    return panels.lecture(latex, "main", PREDICATE_TOPICS[predicate])


def _predicate_latex(p: Mapping, mean: float, sd: float, value_range: float, region: str) -> str:
    """P(region) with this run's numbers, the comparison sign telling the verdict."""
    le, gt, member, non_member = r"\le", ">", r"\in", r"\notin"
    if p["predicate"] == "variance":
        holds = sd ** 2 <= p["max_variance"]
        body = rf"sd^2 = {sd ** 2:.4g} {le if holds else gt} v = {p['max_variance']:g}"
    elif p["predicate"] == "range":
        holds = value_range <= p["max_range"]
        body = rf"\max - \min = {value_range:.0f} {le if holds else gt} r = {p['max_range']:g}"
    else:
        sd_ok, band_ok = sd > p["min_sd"], p["mean_low"] <= mean <= p["mean_high"]
        holds = sd_ok and band_ok
        body = (rf"sd = {sd:.1f} {gt if sd_ok else le} a = {p['min_sd']:g},\ m = {mean:.1f}"
                rf"\ {member if band_ok else non_member}\ [{p['mean_low']:g}, {p['mean_high']:g}]")
    return rf"P({region}):\ {body}\ \Rightarrow\ \text{{{str(holds).upper()}}}"


def formula_lines(trace, gray: np.ndarray, p: Mapping) -> tuple[list[panels.Formula], str]:
    """The panel's lines (rule of the mode, P of the largest region, P of the most similar
    adjacent pair left) and its caption, which says which mode ran."""
    after = trace.rag_after
    big = int(np.argmax(after["node_size"]))
    big_range = float(np.ptp(gray[trace.labels == big + 1]))
    lines = [_rule(p["mode"], trace),
             _cited(p["predicate"], _predicate_latex(p, after["node_mean"][big],
                                                     after["node_sd"][big], big_range,
                                                     rf"R_{{{big + 1}}}"))]
    caption = f"R{big + 1} is the largest region after merging; "
    if len(after["edges"]):
        e = int(np.argmin(after["similarity"]))
        a, b = after["edges"][e] + 1
        lines.append(_cited(p["predicate"], _predicate_latex(
            p, after["union_mean"][e], after["union_sd"][e], after["union_range"][e],
            rf"R_{{{a}}} \cup R_{{{b}}}")))
        caption += (f"R{a} and R{b} the most similar adjacent pair left, so P of their union "
                    "must be FALSE (merging stopped).")
    else:
        caption += "no adjacent pair is left."
    return lines, MODE_SUMMARY[p["mode"]] + " " + caption
