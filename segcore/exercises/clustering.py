"""Clustering exercises: one k-means iteration by hand, intensity on textures predicted,
k-means's k chosen to beat k = number of classes.

Every answer is checked with :func:`segcore.classical.clustering.kmeans`,
:func:`segcore.classical.clustering.cluster_image` and
:func:`segcore.evaluation.scoring.score_against_scene`.
"""

from __future__ import annotations

import numpy as np

from segcore.classical import clustering as clu
from segcore.evaluation.scoring import score_against_scene
from segcore.exercises.core import Answer, Exercise, Show, close_to, fmt, reach, rng_for
from segcore.scenes import make_scene

__all__ = ["EXERCISES", "kmeans_step", "predict_intensity_on_texture", "beat_k_equals_classes",
           "one_iteration", "mosaic_scene", "beat_scene", "kmeans_miou"]

STEP_SHAPE = (4, 4)        # the by-hand image: 16 gray levels
STEP_K = 3                 # seed points of the by-hand iteration
STEP_GROUPS = ((20, 80), (100, 160), (180, 240))  # dark, mid and bright gray-level ranges
STEP_SPREAD = 25           # how far a pixel strays from its group's level
STEP_TOLERANCE = 0.05      # gray levels either side of the new centroid
STEP_ATTEMPTS = 100        # draws until no pixel is equally near two seeds
MOSAIC_SIZE = 128          # side of the texture mosaic whose mIoU the student predicts
MOSAIC_K = 3               # one cluster per texture
PREDICT_TOLERANCE = 0.1    # mIoU either side of the truth that counts as right
BEAT_SIZE = 96             # side of the shapes scene of "choose k"
BEAT_NOISE = 0.065         # noise of the shapes scene (std as a fraction of 255)
MAX_K = 12                 # the page's largest k
NAIVE_K = 4                # one cluster per class: the setting to beat
BEAT_TARGET = 0.8          # mIoU to reach, lowered to what the best k reaches ...
BEAT_SLACK = 0.01          # ... minus this, so the target is always reachable
RANDOM_STATE = 0           # the page's default seed of the k-means++ initialisation


# ----------------------------------------------------------------- one iteration by hand


def _step_case(rng) -> tuple[np.ndarray, np.ndarray]:
    """16 gray levels around three levels and three distinct pixels as seed points, drawn
    until no pixel is equally near two seeds (the assignment is then unambiguous)."""
    n = STEP_SHAPE[0] * STEP_SHAPE[1]
    for _ in range(STEP_ATTEMPTS):
        levels = np.array([rng.integers(lo, hi + 1) for lo, hi in STEP_GROUPS])
        values = levels[rng.integers(0, len(levels), n)] + rng.integers(-STEP_SPREAD,
                                                                        STEP_SPREAD + 1, n)
        values = np.clip(values, 0, 255)
        distinct = np.unique(values)
        if len(distinct) < STEP_K:
            continue
        seeds = rng.choice(distinct, STEP_K, replace=False).astype(np.float64)
        dist = np.abs(values[:, None] - seeds[None, :])
        if np.all(np.sort(dist, axis=1)[:, 1] > np.min(dist, axis=1)):
            return values.reshape(STEP_SHAPE), seeds
    raise RuntimeError("could not draw an unambiguous k-means case")  # pragma: no cover


def one_iteration(values: np.ndarray, seeds: np.ndarray):
    """Labels of the first assignment and the centroids after the first update (segcore).

    Runs :func:`segcore.classical.clustering.kmeans` from the given seed points: its second
    recorded step holds the centroids the pixels are assigned to after one update.
    """
    x = np.asarray(values, np.float64).reshape(-1, 1)
    trace = clu.kmeans(x, len(seeds), init=np.asarray(seeds, np.float64)[:, None], max_iter=2,
                       tol=0.0, max_steps=None)
    return trace.steps[0].data["labels"].astype(int), trace.steps[1].data["centroids"][:, 0]


def kmeans_step(seed: int) -> Exercise:
    """Run one k-means iteration (assign, then update) by hand on a 4 x 4 gray image."""
    rng = rng_for(seed, "kmeans-step")
    values, seeds = _step_case(rng)
    labels, updated = one_iteration(values, seeds)
    j = int(rng.integers(0, STEP_K))
    truth = float(updated[j])
    flat = values.ravel()
    seed_text = ", ".join(f"$m_{i + 1} = {s:.0f}$" for i, s in enumerate(seeds))
    members = []
    for i in range(STEP_K):
        mine = flat[labels == i]
        members.append(f"cluster {i + 1} gets {{{', '.join(str(v) for v in mine)}}}, so "
                       f"$m_{i + 1} = {int(mine.sum())}/{len(mine)} = {fmt(updated[i])}$")
    return Exercise(
        id="kmeans-step", kind="compute", title="One k-means iteration by hand",
        prompt=(f"k-means on intensity with k = {STEP_K} starts from three seed points picked "
                f"among the pixels of this 4 x 4 image: {seed_text}. Run **one iteration**: "
                "(1) assign every pixel to the nearest seed point, (2) move each seed point "
                f"to the mean of its pixels. What is the new **$m_{j + 1}$**?"),
        answer=Answer(f"new m_{j + 1} (gray level)", 0, 255),
        judge=close_to(truth, STEP_TOLERANCE, reveal=False, name=f"the new m_{j + 1}"),
        hints=("Step 1: in 1D the nearest seed point is the one with the smallest "
               "|gray level - m|; a pixel on a seed point's value belongs to that seed.",
               f"Step 2: m_{j + 1} becomes the mean (centroid) of the pixels assigned to "
               f"cluster {j + 1} only; a fraction such as 517/4 is accepted."),
        solution=("Assign each gray level to its nearest seed point, then average: "
                  + "; ".join(members) + f". The answer is $m_{j + 1} = {fmt(truth)}$. "
                  "The next iteration would re-assign the pixels to these new centroids and "
                  "stop once no pixel changes cluster."),
        seed=seed, shows=(Show("grid", values, "Gray levels of the 16 pixels"),))


# ----------------------------------------------------------------- intensity on textures


def kmeans_miou(scene, k: int) -> float:
    """mIoU of k-means with ``k`` clusters on intensity alone (the page's k-means++ seeding),
    each cluster matched to a class of the scene."""
    trace = clu.cluster_image(scene.image, space="intensity", n_clusters=int(k),
                              random_state=RANDOM_STATE)
    return score_against_scene(trace.labels, scene, match_clusters=True)["miou"]


def mosaic_scene(seed: int):
    """The texture mosaic whose k-means-on-intensity mIoU the student predicts."""
    return make_scene("texture_mosaic", seed=seed, size=MOSAIC_SIZE)


def predict_intensity_on_texture(seed: int) -> Exercise:
    """Predict the mIoU of k-means on intensity for a mosaic of equally bright textures."""
    scene = mosaic_scene(seed)
    truth = kmeans_miou(scene, MOSAIC_K)
    shares = np.bincount(scene.semantic.ravel(), minlength=scene.num_classes) / scene.semantic.size
    share_text = ", ".join(f"{name} {100 * s:.0f}%" for name, s in zip(scene.class_names, shares))
    return Exercise(
        id="texture-intensity", kind="predict", title="k-means on intensity, textures to separate",
        prompt=(f"This mosaic has three textures ({share_text} of the pixels); every patch was "
                "rescaled to the **same mean and standard deviation** of gray levels. k-means "
                f"with k = {MOSAIC_K} clusters the pixels in the intensity feature space (1D) and "
                "each cluster is matched to a texture. **Predict the mIoU**, commit, and the page "
                "runs k-means."),
        answer=Answer("Your mIoU (0-1)", 0, 1),
        judge=close_to(truth, PREDICT_TOLERANCE, reveal=True, fmt="{:.2f}", name="the mIoU"),
        hints=("Intensity k-means is vector quantisation of gray levels: a cluster is a band of "
               "gray levels, wherever the pixel lies and whatever texture surrounds it.",
               "If every cluster took the same share of each texture, a cluster of a third of "
               "the pixels matched to a texture of a third would give IoU = "
               "(1/9) / (1/3 + 1/3 - 1/9) = 0.2."),
        solution=(f"k-means on intensity reaches mIoU = {truth:.2f}: near the 0.2 of clusters "
                  "that ignore the textures, because the three textures share one gray-level "
                  "distribution (same mean, same spread), so every gray-level band holds "
                  "pixels of all three. Only a feature space that describes the neighbourhood, "
                  "such as filter bank responses (the page's texture space), can tell them apart."),
        seed=seed, shows=(Show("image", scene.image, "The texture mosaic (gray)"),))


# ----------------------------------------------------------------- choose k


def beat_scene(seed: int):
    """The shapes scene of :func:`beat_k_equals_classes`: a large background, small shapes."""
    return make_scene("shapes", seed=seed, size=BEAT_SIZE, noise=BEAT_NOISE)


def beat_k_equals_classes(seed: int) -> Exercise:
    """Choose k so that k-means on intensity beats k = number of classes on the shapes scene."""
    scene = beat_scene(seed)
    scores = {}
    for k in range(NAIVE_K, MAX_K + 1):  # until a k clears the target (most scenes: 5-7)
        scores[k] = kmeans_miou(scene, k)
        if scores[k] >= BEAT_TARGET + BEAT_SLACK:
            break
    naive = scores[NAIVE_K]
    target = float(np.floor(100 * min(BEAT_TARGET, max(scores.values()) - BEAT_SLACK)) / 100)
    shares = np.bincount(scene.semantic.ravel(), minlength=scene.num_classes) / scene.semantic.size
    return Exercise(
        id="choose-k", kind="beat", title="Beat k = number of classes",
        prompt=(f"This shapes scene has {scene.num_classes} classes (background "
                f"{100 * shares[0]:.0f}% of the pixels, disks, squares, triangles), one gray "
                f"level each plus noise. k-means on intensity with k = {NAIVE_K}, one cluster per "
                f"class, reaches only mIoU = {naive:.2f}. Choose **k** (1-{MAX_K}) so that k-means "
                f"(k-means++ seeding, seed {RANDOM_STATE}) reaches an mIoU of at least "
                f"**{target:.2f}**; each cluster is matched to a class, extra clusters to the "
                "class they overlap most."),
        answer=Answer(f"Your k (1-{MAX_K})", 1, MAX_K, integer=True),
        judge=reach(lambda k: kmeans_miou(scene, k), target, name="mIoU", setting="k",
                    fmt="{:.2f}"),
        hints=("k-means minimises SSE = sum of squared distances to the centroids. Where does "
               "most of the SSE sit: in the noisy background that covers most pixels, or in "
               "the small shapes?",
               "Splitting the noisy background in two lowers the SSE more than separating two "
               "small shape classes, so with k = 4 two shape classes share a cluster. Give "
               "k-means more clusters than classes."),
        solution=(f"With k = {NAIVE_K} the SSE objective is lowered most by cutting the "
                  f"background's noise band ({100 * shares[0]:.0f}% of the pixels) in two, so "
                  "two shape classes end up in one cluster. With more clusters the small "
                  "shapes get centroids of their own and the extra background clusters are "
                  "matched back to the background. Here: "
                  + ", ".join(f"k = {k}: {v:.2f}" for k, v in scores.items()) + "."),
        seed=seed, shows=(Show("image", scene.image, "The shapes scene (gray)"),))


EXERCISES = (kmeans_step, predict_intensity_on_texture, beat_k_equals_classes)
