"""Thresholding exercises: Otsu's criterion by hand, Otsu's t predicted, Otsu beaten by hand.

Every answer is checked with :mod:`segcore.classical.threshold` and
:func:`segcore.evaluation.scoring.score_against_scene`.
"""

from __future__ import annotations

import numpy as np

from segcore.classical import threshold as thr
from segcore.evaluation.scoring import score_against_scene
from segcore.exercises.core import Answer, Exercise, Show, close_to, fmt, reach, rng_for
from segcore.scenes import make_scene

__all__ = ["EXERCISES", "sigma_b_by_hand", "predict_otsu", "beat_otsu", "SMALL_LEVELS"]

SMALL_LEVELS = 8          # the by-hand histogram has gray levels 0..7
PREDICT_SIDE = 64         # side of the image whose histogram the student reads
PREDICT_TOLERANCE = 10    # gray levels either side of Otsu's t that count as right
                          # (sigma_B^2 stays within about 1 % of its peak over ~17 levels)
BY_HAND_RELATIVE = 0.02   # sigma_B^2 by hand: 2 % either side (rounded omegas and means)
BEAT_SIZE = 128           # side of the scene of "beat Otsu"
BEAT_NOISE = 0.15         # heavy noise: Otsu's t lands too low and lets background in
BEAT_MARGIN = 0.05        # the manual t must beat Otsu's object IoU by this much


def sigma_b_by_hand(seed: int) -> Exercise:
    """Compute sigma_B^2(t) = w0 w1 (mu0 - mu1)^2 for a histogram of eight gray levels."""
    rng = rng_for(seed, "sigma-b")
    counts = np.zeros(thr.NBINS)
    counts[:SMALL_LEVELS] = rng.integers(0, 10, SMALL_LEVELS)
    counts[rng.integers(0, 3)] += 5        # a dark and a bright mode either side of t
    counts[rng.integers(5, SMALL_LEVELS)] += 5
    t = int(rng.integers(2, 5))
    terms = thr.otsu_terms(counts, t)
    truth = terms["sigma_b2"]
    n = int(counts.sum())
    n0 = int(counts[: t + 1].sum())
    solution = (
        f"Class 0 is the levels $\\le {t}$: $n_0 = {n0}$ of $N = {n}$ pixels, so "
        f"$\\omega_0 = {n0}/{n} = {fmt(terms['omega0'])}$ and "
        f"$\\omega_1 = {fmt(terms['omega1'])}$. "
        f"The class means are $\\mu_0 = {fmt(terms['mu0'])}$ and "
        f"$\\mu_1 = {fmt(terms['mu1'])}$ (count-weighted mean level of each side). "
        f"$\\sigma_B^2 = \\omega_0\\,\\omega_1\\,(\\mu_0-\\mu_1)^2 = {fmt(truth)}$.")
    return Exercise(
        id="sigma-b", kind="compute", title="Otsu's criterion at one threshold",
        prompt=(f"An image has {n} pixels with gray levels 0 to {SMALL_LEVELS - 1}, counted "
                f"below. Class 0 is the levels at or below **t = {t}**. Compute the "
                "between-class variance $\\sigma_B^2(t) = \\omega_0\\,\\omega_1\\,"
                "(\\mu_0 - \\mu_1)^2$, with $\\omega$ the class fractions."),
        answer=Answer("sigma_B^2 at t", low=0.0, high=100.0),
        judge=close_to(truth, max(BY_HAND_RELATIVE * truth, 0.005), reveal=False,
                       name=f"sigma_B^2({t})"),
        hints=("omega_0 is the share of pixels at or below t; omega_1 = 1 - omega_0.",
               "mu_0 = sum(level x count) / sum(count) over the levels <= t; "
               "mu_1 the same over the levels > t."),
        solution=solution, seed=seed,
        shows=(Show("table", [{"gray level": "pixels",
                               **{str(lv): int(counts[lv]) for lv in range(SMALL_LEVELS)}}],
                    "The histogram: pixels per gray level"),))


def _bimodal_image(rng) -> np.ndarray:
    dark = rng.uniform(50, 110)
    bright = dark + rng.uniform(50, 80)  # overlapping modes: no empty gap, so one clear peak
    share = rng.uniform(0.15, 0.6)  # unequal classes pull Otsu's t towards the bigger one
    spread = rng.uniform(16, 26, 2)
    n = PREDICT_SIDE * PREDICT_SIDE
    is_bright = rng.random(n) < share
    values = np.where(is_bright, rng.normal(bright, spread[1], n), rng.normal(dark, spread[0], n))
    return np.clip(np.round(values), 0, 255).astype(np.uint8).reshape(PREDICT_SIDE, PREDICT_SIDE)


def predict_otsu(seed: int) -> Exercise:
    """Read a two-mode histogram and predict where Otsu puts t, then see it."""
    image = _bimodal_image(rng_for(seed, "otsu-t"))
    trace = thr.threshold(image, "otsu")
    truth = float(trace.threshold)
    counts = thr.histogram(image)
    return Exercise(
        id="otsu-t", kind="predict", title="Where will Otsu put the threshold?",
        prompt=("Here is the histogram of an image with a dark and a bright class. Otsu picks "
                "the t that maximises the between-class variance. **Predict t**, commit, and "
                "the page runs Otsu."),
        answer=Answer("Your t (0-255)", 0, 255, integer=True),
        judge=close_to(truth, PREDICT_TOLERANCE, reveal=True, fmt="{:.0f}",
                       name="Otsu's threshold"),
        hints=("Otsu's t lies between the two peaks, not necessarily at the valley.",
               "A bigger class pulls t towards its own mean: sigma_B^2 weights each mean "
               "by its class fraction."),
        solution=(f"Otsu's criterion peaks at t = {truth:.0f}: there "
                  f"$\\omega_0\\omega_1(\\mu_0-\\mu_1)^2$ is largest. Compare it with the "
                  "valley: when one class is much bigger, t moves towards that class's mean."),
        seed=seed,
        shows=(Show("bars", {"x": list(range(thr.NBINS)), "y": counts.astype(int).tolist(),
                             "xlabel": "gray level", "ylabel": "pixels"},
                    f"Histogram of {image.size:,} pixels"),),
        reveal=(Show("bars", {"x": list(range(thr.NBINS)),
                              "y": np.nan_to_num(trace.output["criterion"]).round(1).tolist(),
                              "xlabel": "t", "ylabel": "sigma_B^2(t)",
                              "lines": [(truth, f"Otsu t = {truth:.0f}")]},
                     "Otsu's criterion sigma_B^2(t) for every t: its maximum is Otsu's t."),))


def beat_scene(seed: int):
    """The noisy shapes scene of :func:`beat_otsu`."""
    return make_scene("shapes", seed=seed, size=BEAT_SIZE, noise=BEAT_NOISE)


def object_iou(scene, t: float) -> float:
    """IoU of the object after a manual threshold at ``t`` (bright objects)."""
    mask = thr.threshold(scene.image, "manual", t=float(t)).output["mask"]
    return score_against_scene(mask, scene, binary=True)["iou"]["object"]


def beat_otsu(seed: int) -> Exercise:
    """Choose a manual t whose object IoU beats Otsu's on a very noisy shapes scene."""
    scene = beat_scene(seed)
    otsu_t = float(thr.threshold(scene.image, "otsu").threshold)
    otsu_iou = object_iou(scene, otsu_t)
    target = round(otsu_iou + BEAT_MARGIN, 3)
    return Exercise(
        id="beat-otsu", kind="beat", title="Beat Otsu with a manual threshold",
        prompt=(f"On this very noisy shapes scene Otsu's t = {otsu_t:.0f} reaches an object IoU "
                f"of {otsu_iou:.3f}. Find a manual t (objects are the brighter pixels) with an "
                f"object IoU of at least **{target:.3f}**. Each check runs the threshold and "
                "scores it against the ground truth."),
        answer=Answer("Your t (0-255)", 0, 255, integer=True),
        judge=reach(lambda t: object_iou(scene, t), target, name="object IoU", setting="t"),
        hints=("The background is about 60 and the darkest shapes (triangles) about 150; "
               "the noise has a standard deviation of about 38 gray levels.",
               "The background covers most of the image: each step of t into its noisy tail "
               "adds many false object pixels. Try a t above Otsu's."),
        solution=(f"Otsu's t = {otsu_t:.0f} sits low: the two modes overlap so much that the "
                  "criterion no longer sees a clean valley, and the huge background's tail "
                  "above t becomes object. Raising t removes many background pixels for each "
                  "triangle pixel lost; values about 30-50 levels above Otsu's beat it."),
        seed=seed, shows=(Show("image", scene.image, "The scene (gray)"),))


EXERCISES = (sigma_b_by_hand, predict_otsu, beat_otsu)
