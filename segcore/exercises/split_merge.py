"""Split-and-merge exercises: quadtree leaves counted by hand, the regions left after
merging predicted, and the variance predicate tuned against the true outlines.

Every answer is checked with :func:`segcore.classical.split_merge.split_and_merge` and
:func:`segcore.evaluation.boundary.boundary_f_score`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from segcore.classical.split_merge import AT_MIN_SIZE, HOMOGENEOUS, split_and_merge
from segcore.evaluation.boundary import boundary_f_score
from segcore.exercises.core import Answer, Exercise, Show, close_to, reach, rng_for
from segcore.scenes import Scene, make_scene

__all__ = ["EXERCISES", "leaves_by_hand", "predict_regions", "beat_over_segmentation",
           "two_level_grid", "split_grid", "OutlineCase", "outline_case", "outline_f",
           "DEFAULT_V"]

# the by-hand grids -----------------------------------------------------------------------
GRID_SIDE = 8
MIN_BLOCK = 2                # the smallest quadrant: 2 x 2 blocks are never split
MAX_VARIANCE = 1.0           # the lecture's example: P(R) TRUE when the variance is at most 1
BACKGROUND_LEVELS = (10, 12)  # gray levels (inclusive): three consecutive levels have a
OBJECT_LEVELS = (80, 82)      # variance of at most 1, a block mixing both far more
RECTANGLES = (1, 2)          # the object is the union of this many random rectangles
RECT_SIDE = (2, 6)           # side of each (inclusive)
GRID_ATTEMPTS = 200
LEAVES_RANGE = (7, 13)       # leaves of a by-hand quadtree: enough to count, not too many
REGIONS_RANGE = (3, 9)       # regions after merging in the prediction
# beat: over- and under-segmentation ----------------------------------------------------------
OUTLINE_SIZE = 128
OUTLINE_NOISE = (0.11, 0.14)  # noise sd 28-36 gray levels: flat quadrants have variance ~800-1300
OUTLINE_MIN_BLOCK = 4
OUTLINE_TOLERANCE = 2        # boundary F-score tolerance (pixels)
DEFAULT_V = 600              # the page's default v: it over-segments these scenes
OUTLINE_SCAN = (0.8, 0.9, 1.0, 1.1, 1.2, 1.35, 1.5, 1.75, 2.0)  # v tried: these times the
OUTLINE_STEP = 50                     # noise variance, rounded to this step
OUTLINE_CAP = 0.9            # target F: 0.9, or lower so that ...
OUTLINE_WINDOW = 3           # ... at least this many scanned v values reach it


def two_level_grid(rng, accept) -> tuple[np.ndarray, np.ndarray]:
    """An 8 x 8 grid of background levels with an object of one or two rectangles.

    Draws until ``accept(values)`` holds (at most GRID_ATTEMPTS times, then keeps the
    last draw). Returns the gray levels and the object mask.
    """
    for _ in range(GRID_ATTEMPTS):
        mask = np.zeros((GRID_SIDE, GRID_SIDE), bool)
        for _ in range(int(rng.integers(RECTANGLES[0], RECTANGLES[1] + 1))):
            height, width = rng.integers(RECT_SIDE[0], RECT_SIDE[1] + 1, 2)
            row = rng.integers(0, GRID_SIDE - height + 1)
            col = rng.integers(0, GRID_SIDE - width + 1)
            mask[row:row + height, col:col + width] = True
        values = np.where(mask, rng.integers(OBJECT_LEVELS[0], OBJECT_LEVELS[1] + 1, mask.shape),
                          rng.integers(BACKGROUND_LEVELS[0], BACKGROUND_LEVELS[1] + 1, mask.shape))
        if accept(values):
            break
    return values, mask


def split_grid(values):
    """split_and_merge of a by-hand grid: variance predicate v = 1, minimum quadrant 2."""
    return split_and_merge(values, predicate="variance", max_variance=MAX_VARIANCE,
                           min_block=MIN_BLOCK)


def _leaves_ok(values) -> bool:
    """Enough leaves to count, a homogeneous 4 x 4 quadrant and a 2 x 2 kept at the minimum."""
    trace = split_grid(values)
    sizes = trace.blocks[:, 2]
    return (LEAVES_RANGE[0] <= trace.n_leaves <= LEAVES_RANGE[1] and (sizes == 4).any()
            and (trace.leaf_state == AT_MIN_SIZE).any())


def leaves_by_hand(seed: int) -> Exercise:
    """Count the leaves of the quadtree that splits an 8 x 8 grid while P(R) is FALSE."""
    rng = rng_for(seed, "leaves")
    values, _ = two_level_grid(rng, _leaves_ok)
    trace = split_grid(values)
    truth = int(trace.n_leaves)
    sizes, state = trace.blocks[:, 2], trace.leaf_state
    counts = {size: int((sizes == size).sum()) for size in (8, 4, 2)}
    kept = int((state == AT_MIN_SIZE).sum())
    return Exercise(
        id="leaves", kind="compute", title="Count the quadtree's leaves",
        prompt=("Split this 8 x 8 image with the predicate **P(R): the variance of R is at most "
                "1** (the lecture's example). A region whose P is FALSE is split into four "
                "quadrants; the smallest quadrant is **2 x 2** (never split further, whatever "
                "P says). **How many leaves** (undivided quadrants) does the quadtree have?"),
        answer=Answer("Leaves", 1, (GRID_SIDE // MIN_BLOCK) ** 2, integer=True),
        judge=close_to(truth, 0, reveal=False, fmt="{:.0f}", name="the number of leaves"),
        hints=(f"Gray levels {BACKGROUND_LEVELS[0]}-{BACKGROUND_LEVELS[1]} or "
               f"{OBJECT_LEVELS[0]}-{OBJECT_LEVELS[1]} alone have a variance of at most 1; a "
               "quadrant holding both kinds has a variance in the hundreds. So P(R) is TRUE "
               "exactly when a quadrant is all dark or all bright.",
               "Go depth by depth: the whole image, its four 4 x 4 quadrants, then the 2 x 2 "
               "quadrants of every mixed 4 x 4 one. Each split replaces one block by four."),
        solution=(f"The 8 x 8 image mixes both kinds and is split. Leaves: {counts[4]} uniform "
                  f"4 x 4 quadrant(s) and {counts[2]} of side 2; {kept} of these mix both "
                  f"kinds but stay whole at the minimum size: **{truth} leaves**."),
        seed=seed, shows=(Show("grid", values, "Gray levels (row index on the left)"),))


def _regions_ok(values) -> bool:
    """Some leaves merge, and the count is small enough to reason about."""
    trace = split_grid(values)
    return (REGIONS_RANGE[0] <= trace.n_regions <= REGIONS_RANGE[1]
            and trace.n_regions < trace.n_leaves)


def predict_regions(seed: int) -> Exercise:
    """Predict how many regions the RAG merge leaves from a given quadtree, then see it."""
    rng = rng_for(seed, "regions")
    values, _ = two_level_grid(rng, _regions_ok)
    trace = split_grid(values)
    truth = int(trace.n_regions)
    kept = int((trace.leaf_state == AT_MIN_SIZE).sum())
    uniform = int((trace.leaf_state == HOMOGENEOUS).sum())
    return Exercise(
        id="regions", kind="predict", title="How many regions survive the merge?",
        prompt=(f"The quadtree of this image (P(R): variance at most 1, smallest quadrant "
                f"2 x 2) has {trace.n_leaves} leaves, numbered in the second grid. Merging "
                "then joins two adjacent regions of the region adjacency graph (sharing a "
                "side) whenever $P(R_1 \\cup R_2)$ is TRUE, until no pair can merge. "
                "**Predict the number of regions** after merging, commit, and the page "
                "merges."),
        answer=Answer("Regions after merging", 1, (GRID_SIDE // MIN_BLOCK) ** 2, integer=True),
        judge=close_to(truth, 0, reveal=True, fmt="{:.0f}", name="the number of regions"),
        hints=("A union of uniform dark leaves is still uniform (variance at most 1), and so "
               "is a union of uniform bright leaves.",
               "A leaf that mixes dark and bright pixels makes every union it joins "
               "inhomogeneous: it stays a region of its own."),
        solution=(f"The {uniform} uniform leaves merge into one region per connected group of "
                  f"the same kind; the {kept} mixed 2 x 2 leaves merge with nothing. Result: "
                  f"**{truth} regions**. Splitting alone cannot join quadrants that belong "
                  "together; merging on the RAG does, but it cannot repair a mixed quadrant "
                  "at the minimum size."),
        seed=seed,
        shows=(Show("grid", values, "Gray levels"),
               Show("grid", trace.leaves, "Quadtree leaves (number of the leaf of each pixel)")))


class OutlineCase(NamedTuple):
    """The noisy shapes scene of :func:`beat_over_segmentation`, its noise level, boundary F
    of every scanned v and the target."""

    scene: Scene
    noise: float
    scores: dict
    target: float


def outline_f(scene: Scene, v: float) -> float:
    """Boundary F-score of split and merge (variance predicate ``v``) against the shapes."""
    trace = split_and_merge(scene.image, predicate="variance", max_variance=float(v),
                            min_block=OUTLINE_MIN_BLOCK)
    return boundary_f_score(scene.instances, trace.labels, OUTLINE_TOLERANCE)["f_score"]


def outline_case(seed: int) -> OutlineCase:
    """The scene, the scan over OUTLINE_SCAN and the target (0.9, or the OUTLINE_WINDOW-th
    best scanned F rounded down when that is lower)."""
    noise = float(rng_for(seed, "outline").uniform(*OUTLINE_NOISE))
    scene = make_scene("shapes", seed=seed, size=OUTLINE_SIZE, noise=noise)
    variance = (255 * noise) ** 2
    scanned = sorted({OUTLINE_STEP * round(f * variance / OUTLINE_STEP) for f in OUTLINE_SCAN})
    scores = {v: outline_f(scene, v) for v in scanned}
    reachable = sorted(scores.values(), reverse=True)[OUTLINE_WINDOW - 1]
    return OutlineCase(scene, noise, scores, math.floor(100 * min(OUTLINE_CAP, reachable)) / 100)


def beat_over_segmentation(seed: int) -> Exercise:
    """Choose the variance threshold v so the regions' borders match the true outlines."""
    case = outline_case(seed)
    default_trace = split_and_merge(case.scene.image, predicate="variance",
                                    max_variance=DEFAULT_V, min_block=OUTLINE_MIN_BLOCK)
    default = boundary_f_score(case.scene.instances, default_trace.labels,
                               OUTLINE_TOLERANCE)["f_score"]
    good = [v for v, f in case.scores.items() if f >= case.target]
    sigma = 255 * case.noise
    return Exercise(
        id="outlines", kind="beat", title="Neither too many regions nor too few",
        prompt=(f"Split and merge this noisy shapes scene with **P(R): variance at most v** "
                f"and a smallest quadrant of {OUTLINE_MIN_BLOCK} x {OUTLINE_MIN_BLOCK}. The "
                f"score is the boundary F-score (tolerance {OUTLINE_TOLERANCE} px) of the "
                "regions' borders against the shapes' true outlines: extra borders lower it, "
                f"missing ones too. The page's default v = {DEFAULT_V} gives "
                f"{default_trace.n_regions} regions and F = {default:.3f}. Find a v with "
                f"**F at least {case.target:.2f}**."),
        answer=Answer("Your v (0-3000)", 0, 3000, integer=True),
        judge=reach(lambda v: outline_f(case.scene, v), case.target, name="boundary F-score",
                    setting="v"),
        hints=("v is a variance: a quadrant of pure background is split as long as its noise "
               "alone has a variance above v, and the background ends up in many pieces.",
               f"The noise here has a standard deviation of about {sigma:.0f} gray levels "
               f"(variance about {sigma ** 2:.0f}); a quadrant straddling the background (60) "
               "and a shape (150 to 230) has a much larger variance. Too large a v merges "
               "shapes into the background."),
        solution=(f"Of the v values {', '.join(str(v) for v in case.scores)} tried, v = "
                  f"{', '.join(str(v) for v in good)} reach the target (best F "
                  f"{max(case.scores.values()):.3f}). v must exceed the noise variance "
                  f"(about {sigma ** 2:.0f}) so that flat quadrants and their unions count as "
                  "homogeneous, and stay well below the variance of a quadrant or union that "
                  "mixes a shape with the background: then P(R1 U R2) stops the merge at the "
                  "outlines."),
        seed=seed, shows=(Show("image", case.scene.image, "The scene (gray)"),))


EXERCISES = (leaves_by_hand, predict_regions, beat_over_segmentation)
