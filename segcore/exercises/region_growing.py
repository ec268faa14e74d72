"""Region-growing exercises: T(i) by hand, the region a connectivity reaches, the merge
test's k by hand, and a leaking region stopped by choosing T.

Every answer is checked with :mod:`segcore.classical.region_growing`
(:func:`~segcore.classical.region_growing.region_grow`,
:func:`~segcore.classical.region_growing.merge_regions`) and
:func:`segcore.metrics.dice`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import ndimage

from segcore.classical.region_growing import merge_regions, region_grow, seeds_at_max
from segcore.exercises.core import Answer, Exercise, Show, close_to, fmt, reach, rng_for
from segcore.metrics import dice
from segcore.scenes import make_scene

__all__ = ["EXERCISES", "adaptive_t_by_hand", "predict_region_size", "merge_k_by_hand",
           "stop_the_leak", "LeakCase", "leak_case", "crack_dice", "DEFAULT_T"]

# T(i) by hand ------------------------------------------------------------------------
REGION_SHAPE = (2, 3)        # the grown region: six pixels
REGION_CENTRE = (60, 160)    # its gray levels lie around a centre in this range ...
REGION_OFFSETS = np.arange(-30, 31, 3)  # ... plus six distinct offsets (so sd > 0)
T_CHOICES = (20, 30, 40, 50, 60)
T_TOLERANCE = 0.2            # T(i) to one decimal
# region size by connectivity ---------------------------------------------------------
GRID_SIDE = 7
BRIGHT_SHARE = 0.45          # share of bright pixels in the grid
DARK_LEVELS = (30, 50)       # gray levels of the dark and the bright pixels (inclusive)
BRIGHT_LEVELS = (190, 210)
GRID_T = (30, 40, 50)        # any of them admits every bright pixel and no dark one
GRID_ATTEMPTS = 50
# merge test by hand --------------------------------------------------------------------
MERGE_CENTRE = (60, 180)
MERGE_GAP = (4, 30)          # |M1 - M2| before the offsets' own means
MERGE_MIN_GAP = 3.0          # smaller gaps are pushed apart (k* near 0 teaches nothing)
SPREADS = (np.arange(-12, 13, 3), np.arange(-24, 25, 4))  # R1 tight, R2 looser, or swapped
K_RELATIVE = 0.02            # k* within 2 % (sd rounded by hand)
# stop the leak ---------------------------------------------------------------------------
LEAK_SIZE = 96               # side of the weld image
LEAK_NOISE = 0.08            # scene noise before the contrast is lowered
LEAK_CONTRAST = (0.5, 0.75)  # the image is the crack scene times this factor ...
LEAK_SHRINK = 0.85           # ... lowered further while the page's default T still works
LEAK_ATTEMPTS = 4
LEAK_CONNECTIVITY = 8        # the lecture's 8-neighbourhood
DEFAULT_T = 80               # the page's default T: it must flood the exercise's image
LEAK_SCAN = range(0, 129, 2)  # T values tried when the exercise is made, up to ...
LEAK_FLOODED = 0.5           # ... the second one whose region covers this share of the image
LEAK_CAP = 0.9               # target Dice: 0.9, or lower so that ...
LEAK_WINDOW = 3              # ... at least this many scanned T values reach it


def _spread(rng, offsets, n):
    """n distinct offsets (so the standard deviation is never 0)."""
    return rng.choice(offsets, size=n, replace=False)


def adaptive_t_by_hand(seed: int) -> Exercise:
    """Compute the adaptive tolerance T(i) = (1 - sd(i)/M(i)) T of a six-pixel region."""
    rng = rng_for(seed, "adaptive-t")
    centre = int(rng.integers(REGION_CENTRE[0], REGION_CENTRE[1] + 1))
    n = REGION_SHAPE[0] * REGION_SHAPE[1]
    values = (centre + _spread(rng, REGION_OFFSETS, n)).reshape(REGION_SHAPE)
    t = int(rng.choice(T_CHOICES))
    history = region_grow(values, markers=np.ones(REGION_SHAPE, np.int32),
                          criterion="adaptive", threshold=t).history
    mean, sd, truth = (float(history[name][0, 0]) for name in ("mean", "sd", "threshold"))
    solution = (
        f"$M(i) = {int(values.sum())}/{n} = {fmt(mean)}$. "
        f"$sd(i) = \\sqrt{{\\tfrac{{1}}{{{n}}}\\sum (I - M)^2}} = {fmt(sd)}$. "
        f"$sd/M = {fmt(sd / mean)}$, so $T(i) = (1 - {fmt(sd / mean)}) \\times {t} = "
        f"{truth:.2f}$. The next border pixel joins when its gray level lies in "
        f"$[M - T(i), M + T(i)] = [{mean - truth:.1f}, {mean + truth:.1f}]$: the noisier "
        "the region, the narrower the interval.")
    return Exercise(
        id="adaptive-t", kind="compute", title="The adaptive tolerance T(i)",
        prompt=(f"Region $R_i$ has grown to the {n} pixels below. The homogeneity test is "
                f"$|I(r,c) - M(i)| \\le T(i)$ with the adaptive tolerance "
                f"$T(i) = \\left(1 - \\frac{{sd(i)}}{{M(i)}}\\right) T$ and **T = {t}**. "
                "Compute T(i) to one decimal (sd with 1/n, as SegLab computes it)."),
        answer=Answer("T(i)", low=0.0, high=float(max(T_CHOICES))),
        judge=close_to(truth, T_TOLERANCE, reveal=False, name="T(i)"),
        hints=("M(i) is the mean of the six gray levels; sd(i) the square root of the mean "
               "squared difference from M(i).",
               "sd/M is a small fraction (a noisy region has a larger one); T(i) is T "
               "shrunk by that fraction."),
        solution=solution, seed=seed,
        shows=(Show("grid", values, "Gray levels of the region's pixels"),))


def _size_grid(rng):
    """A bright/dark grid and a bright seed whose 4- and 8-connected regions differ."""
    four = ndimage.generate_binary_structure(2, 1)
    eight = ndimage.generate_binary_structure(2, 2)
    for _ in range(GRID_ATTEMPTS):
        bright = rng.random((GRID_SIDE, GRID_SIDE)) < BRIGHT_SHARE
        lab4, lab8 = ndimage.label(bright, four)[0], ndimage.label(bright, eight)[0]
        size4 = np.bincount(lab4.ravel())[lab4]
        size8 = np.bincount(lab8.ravel())[lab8]
        candidates = np.argwhere(bright & (size4 >= 2) & (size4 != size8))
        if len(candidates):
            break
    else:  # never met in practice: a pair and a pixel touching it only at a corner
        bright = np.zeros((GRID_SIDE, GRID_SIDE), bool)
        bright[0, 0] = bright[0, 1] = bright[1, 2] = True
        candidates = np.array([[0, 0]])
    seed_pixel = tuple(int(v) for v in candidates[rng.integers(len(candidates))])
    values = np.where(bright, rng.integers(BRIGHT_LEVELS[0], BRIGHT_LEVELS[1] + 1, bright.shape),
                      rng.integers(DARK_LEVELS[0], DARK_LEVELS[1] + 1, bright.shape))
    return values, seed_pixel


def predict_region_size(seed: int) -> Exercise:
    """Predict how many pixels a region grows to with 4- or 8-connectivity, then see it."""
    rng = rng_for(seed, "region-size")
    values, (row, col) = _size_grid(rng)
    connectivity = int(rng.choice((4, 8)))
    t = int(rng.choice(GRID_T))
    trace = region_grow(values, [(row, col)], criterion="mean", threshold=t,
                        connectivity=connectivity)
    truth = int((trace.labels > 0).sum())
    other = 8 if connectivity == 4 else 4
    other_size = int((region_grow(values, [(row, col)], criterion="mean", threshold=t,
                                  connectivity=other).labels > 0).sum())
    neighbours = ("its 4 edge neighbours (up, down, left, right): diagonal contact does "
                  "not count" if connectivity == 4 else
                  "its 8 neighbours, the diagonal ones included")
    return Exercise(
        id="region-size", kind="predict", title="How far does the region grow?",
        prompt=(f"A seed sits at **row {row}, column {col}** (gray level {values[row, col]}). "
                f"The region grows with the running-mean test $|I(r,c) - M(1)| \\le T$, "
                f"**T = {t}**, and **{connectivity}-connectivity**: a pixel can join when it "
                f"touches the region through {neighbours}. **Predict the region's size** "
                "(pixels, seed included) when growth stops, commit, and the page grows it."),
        answer=Answer("Region size (pixels)", 1, GRID_SIDE * GRID_SIDE, integer=True),
        judge=close_to(truth, 0, reveal=True, fmt="{:.0f}", name="the region's size"),
        hints=(f"Bright pixels lie within {BRIGHT_LEVELS[1] - BRIGHT_LEVELS[0]} gray levels of "
               f"each other and about {BRIGHT_LEVELS[0] - DARK_LEVELS[1]} above the dark ones: "
               f"with T = {t} every bright pixel passes the test and no dark one does.",
               "So the region is the set of bright pixels you can reach from the seed by "
               f"{connectivity}-neighbour steps through bright pixels only."),
        solution=(f"With T = {t} the test admits exactly the bright pixels, so growth "
                  f"follows the bright pixels {connectivity}-connected to the seed: "
                  f"**{truth} pixels**. With {other}-connectivity the same seed would grow to "
                  f"{other_size} pixels: "
                  + ("diagonal contacts join bright groups that edge steps cannot reach."
                     if other == 8 else "without diagonal steps some bright groups stay apart.")),
        seed=seed,
        shows=(Show("grid", values, "Gray levels (row index on the left)"),))


def merge_k_by_hand(seed: int) -> Exercise:
    """Compute the smallest k for which |M1 - M2| < k sd(i), i = 1, 2 merges two regions."""
    rng = rng_for(seed, "merge-k")
    n = REGION_SHAPE[0] * REGION_SHAPE[1]
    centre = int(rng.integers(MERGE_CENTRE[0], MERGE_CENTRE[1] + 1))
    gap = int(rng.integers(MERGE_GAP[0], MERGE_GAP[1] + 1)) * int(rng.choice((-1, 1)))
    tight, loose = SPREADS if rng.random() < 0.5 else SPREADS[::-1]
    first = centre + _spread(rng, tight, n)
    second = centre + gap + _spread(rng, loose, n)
    if abs(second.mean() - first.mean()) < MERGE_MIN_GAP:
        second = second + 2 * MERGE_GAP[0]
    values = np.hstack([first.reshape(REGION_SHAPE), second.reshape(REGION_SHAPE)])
    labels = np.repeat([[1] * REGION_SHAPE[1] + [2] * REGION_SHAPE[1]], REGION_SHAPE[0], axis=0)
    rag = merge_regions(values, labels, k=0.0).rag_before  # k = 0: the statistics only
    mean, sd = rag["node_mean"], rag["node_sd"]
    difference = float(rag["similarity"][0])
    truth = difference / float(sd.min())
    return Exercise(
        id="merge-k", kind="compute", title="When do two regions merge?",
        prompt=("Two adjacent regions: $R_1$ is columns 0-2, $R_2$ columns 3-5 of the grid. "
                "They merge when $|M_1 - M_2| < k\\, sd(i)$ for i = 1 and 2 (sd with 1/n). "
                "**Compute the critical $k^*$**: the regions merge for every k above it."),
        answer=Answer("k*", low=0.0, high=1000.0),
        judge=close_to(truth, max(K_RELATIVE * truth, 0.01), reveal=False, name="k*"),
        hints=("The test must hold for both regions, so the smaller sd decides.",
               "k* = |M1 - M2| / min(sd1, sd2)."),
        solution=(f"$M_1 = {fmt(mean[0])}$, $M_2 = {fmt(mean[1])}$, so "
                  f"$|M_1 - M_2| = {fmt(difference)}$; $sd_1 = {fmt(sd[0])}$, "
                  f"$sd_2 = {fmt(sd[1])}$. Both tests hold when "
                  f"$k > {fmt(difference)} / \\min(sd_1, sd_2) = {fmt(truth)}$. "
                  "A small k merges only regions whose means are close compared with their "
                  "own noise."),
        seed=seed,
        shows=(Show("grid", values, "Gray levels: R1 = columns 0-2, R2 = columns 3-5"),))


class LeakCase(NamedTuple):
    """The low-contrast weld image of :func:`stop_the_leak`: image, seeds, true crack,
    contrast factor, crack Dice of every scanned T and the target."""

    image: np.ndarray
    markers: np.ndarray
    truth: np.ndarray
    contrast: float
    scores: dict
    target: float


def _leak_target(scores: dict) -> float:
    """0.9, or the LEAK_WINDOW-th best scanned Dice (rounded down) when that is lower."""
    reachable = sorted(scores.values(), reverse=True)[LEAK_WINDOW - 1]
    return math.floor(100 * min(LEAK_CAP, reachable)) / 100


def leak_case(seed: int) -> LeakCase:
    """The crack scene with its contrast lowered (further while T = DEFAULT_T still reaches
    the target); seeds on the crack's core (its 255s)."""
    contrast = float(rng_for(seed, "stop-leak").uniform(*LEAK_CONTRAST))
    scene = make_scene("crack", seed=seed, size=LEAK_SIZE, noise=LEAK_NOISE)
    markers, truth = seeds_at_max(scene.image), scene.semantic == 1
    for _ in range(LEAK_ATTEMPTS):
        case = LeakCase(np.round(scene.image * contrast).astype(np.uint8), markers, truth,
                        contrast, {}, 0.0)
        scores = _scan(case)
        case = case._replace(scores=scores, target=_leak_target(scores))
        if crack_dice(case, DEFAULT_T) < case.target:
            break
        contrast *= LEAK_SHRINK
    return case


def _grow_crack(case: LeakCase, t: float) -> np.ndarray:
    return region_grow(case.image, markers=case.markers, criterion="mean", threshold=float(t),
                       connectivity=LEAK_CONNECTIVITY).labels > 0


def crack_dice(case: LeakCase, t: float) -> float:
    """Dice of the crack grown with the running-mean test and tolerance ``t``."""
    return dice(case.truth, _grow_crack(case, t))


def _scan(case: LeakCase) -> dict:
    """Crack Dice of the T values of LEAK_SCAN until the region has flooded the image twice
    (larger T flood it too)."""
    scores, flooded = {}, 0
    for t in LEAK_SCAN:
        grown = _grow_crack(case, t)
        scores[t] = dice(case.truth, grown)
        flooded += grown.mean() > LEAK_FLOODED
        if flooded == 2:
            break
    return scores


def stop_the_leak(seed: int) -> Exercise:
    """Choose T so the crack grows fully without leaking into the background."""
    case = leak_case(seed)
    target, best = case.target, max(case.scores.values())
    default = crack_dice(case, DEFAULT_T)
    good = [t for t, s in case.scores.items() if s >= target]
    contiguous = len(good) == (max(good) - min(good)) // LEAK_SCAN.step + 1
    good_text = (f"T = {min(good)} to {max(good)}" if contiguous and len(good) > 2 else
                 "T = " + ", ".join(str(t) for t in good))
    core = int(case.image[case.markers > 0].max())
    crack = int(np.median(case.image[case.truth]))
    background = int(np.median(case.image[~case.truth]))
    noise = LEAK_NOISE * 255 * case.contrast
    return Exercise(
        id="stop-leak", kind="beat", title="Grow the crack, not the background",
        prompt=(f"A low-contrast weld image: the crack's core is at gray level {core}, the "
                f"crack around {crack}, the background around {background}. Seeds are the "
                f"core pixels; the region grows with the running-mean test "
                f"$|I(r,c) - M(i)| \\le T$ and "
                f"{LEAK_CONNECTIVITY}-connectivity. With the page's default T = {DEFAULT_T} it "
                f"leaks into the background (crack Dice {default:.3f}). Find a T whose crack "
                f"Dice is at least **{target:.2f}**."),
        answer=Answer("Your T (0-128)", 0, 128, integer=True),
        judge=reach(lambda t: crack_dice(case, t), target, name="crack Dice", setting="T",
                    fmt="{:.3f}"),
        hints=("Too small a T stops at the bright core; too large lets the region flood the "
               "background once M - T reaches the background's brightest noise.",
               f"T is in gray levels and must fit this image's contrast: the noise has a "
               f"standard deviation of about {noise:.0f}, so background pixels reach "
               f"{background + 2 * noise:.0f} and more. The page's T = {DEFAULT_T} was made "
               "for a weld image with more contrast."),
        solution=(f"Of the T values 0, 2, 4, ... tried, {good_text} "
                  f"reach the target (best Dice {best:.3f}). Below that range the region "
                  "stops inside the crack's bright core; above it M - T sinks into the "
                  "background's noise, bright background pixels next to the crack pass, and "
                  "from them the region floods the background: region growing is a local "
                  "method, and T must fit the image's contrast."),
        seed=seed, shows=(Show("image", case.image, "The weld image (gray)"),))


EXERCISES = (adaptive_t_by_hand, predict_region_size, merge_k_by_hand, stop_the_leak)
