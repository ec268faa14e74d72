"""FCN-upsampling exercises: a decoder layer's output size, the skips' gain, a learnt kernel.

Every answer is checked with :mod:`segcore.deep.upsampling` (output-size
arithmetic, transposed convolution, nearest upsampling) and
:mod:`segcore.deep.fcn` (the shipped FCN-32s / FCN-8s and their boundary
accuracy against a shapes scene's ground truth).
"""

from __future__ import annotations

import numpy as np

from segcore.deep import fcn
from segcore.deep import upsampling as U
from segcore.exercises.core import Answer, Exercise, Show, close_to, reach, rng_for
from segcore.scenes import SHAPE_RADIUS, make_scene

__all__ = ["EXERCISES", "output_size", "predict_skip_gain", "beat_bilinear",
           "skip_scene", "boundary_accuracies", "score_row", "upsample_row", "error_removed",
           "best_side_weight", "SKIP_SIDES", "LEARN_COARSE"]

# --- output size of a transposed convolution
SIZE_INPUT = (3, 16)        # input side n (inclusive)
SIZE_KERNEL = (2, 7)        # kernel side k (inclusive)
SIZE_STRIDES = (1, 2, 3, 4)
MAX_OUTPUT = 500            # answer box range

# --- skips and boundaries (the shipped networks)
SKIP_SIDES = (64, 80, 96, 112, 128)   # scene side: objects scale with it, the 8-px cells do not
SKIP_TOLERANCE = 0.05                 # boundary accuracy either side of the truth that counts

# --- a 3-tap kernel learnt by hand
LEARN_COARSE = 10            # coarse score samples x; the fine row has 2 n - 1
LEARN_PERIODS = (7.0, 11.0)  # periods (fine samples) of the two cosines: curved, still smooth
LEARN_AMPLITUDES = (1.5, 4.0)
LEARN_OFFSET = 0.5           # |mean score| at most this
LEARN_MIN_GAP = 0.05         # the best kernel removes at least this much more error than a = 1/2
LEARN_MAX_DRAWS = 20         # rows drawn until one has that gap (the first almost always does)
LEARN_SHARE = 0.5            # target: this share of the way from a = 1/2 to the best a
LEARN_STRIDE = 2
BILINEAR_SIDE = 0.5          # the lecture's w = (1/2, 1, 1/2): linear interpolation


def output_size(seed: int) -> Exercise:
    """Compute a decoder layer's output side, o = (n - 1) s - 2 p + k + output_padding."""
    rng = rng_for(seed, "tconv-size")
    n = int(rng.integers(SIZE_INPUT[0], SIZE_INPUT[1] + 1))
    s = int(rng.choice(SIZE_STRIDES))
    k = int(rng.integers(SIZE_KERNEL[0], SIZE_KERNEL[1] + 1))
    p = int(rng.integers(0, (k - 1) // 2 + 1))
    extra = int(rng.integers(0, s))  # PyTorch allows output_padding < stride
    full = U.transposed_output_size(n, k, s)
    truth = U.transposed_output_size(n, k, s, p) + extra
    solution = (
        f"Every input pixel stamps the {k} x {k} kernel, the stamps {s} px apart: the first "
        f"covers positions 0 to {k - 1}, the last starts at $(n-1)s = {(n - 1) * s}$ and "
        f"covers {k} positions from there, so the full canvas is $(n-1)s + k = {full}$ "
        f"pixels wide. Padding crops $p = {p}$ from each side and output_padding adds {extra} "
        f"at the bottom/right: $o = (n-1)s - 2p + k + \\text{{output\\_padding}} = "
        f"{n - 1}\\cdot{s} - 2\\cdot{p} + {k} + {extra} = {truth}$. output_padding exists "
        f"because a stride-{s} convolution maps several input sizes to the same output size; "
        "it picks which one the transposed layer returns.")
    return Exercise(
        id="tconv-size", kind="compute", title="Output size of a transposed convolution",
        prompt=(f"A decoder upsamples a score map of **{n} x {n}** with a transposed convolution "
                f"(PyTorch `ConvTranspose2d`): kernel **k = {k}**, stride **s = {s}**, padding "
                f"**p = {p}**, output_padding **{extra}**. How many pixels wide is its output?"),
        answer=Answer("Output side o (pixels)", 1, MAX_OUTPUT, integer=True),
        judge=close_to(truth, 0, reveal=False, fmt="{:.0f}", name="the output side"),
        hints=("Draw the stamps: input pixel i puts its kernel at output position i s, so the "
               "last stamp starts at (n - 1) s and covers k pixels from there.",
               "Padding p removes p pixels on both sides (2 p in all); output_padding adds "
               "its rows and columns on one side only."),
        solution=solution, seed=seed,
        shows=(Show("latex", r"o = (n - 1)\,s - 2p + k + \text{output\_padding}"),))


def skip_scene(seed: int):
    """The shapes scene of :func:`predict_skip_gain` (its side is drawn from :data:`SKIP_SIDES`)."""
    side = int(rng_for(seed, "skip-boundary").choice(SKIP_SIDES))
    return make_scene("shapes", seed=seed, size=side)


def boundary_accuracies(scene, variants=fcn.VARIANTS) -> dict[str, float]:
    """Boundary accuracy (pixels within 2 px of a true boundary) of each shipped variant."""
    gt = np.asarray(scene.semantic)
    return {v: fcn.boundary_accuracy(gt, fcn.predict(fcn.pretrained(v), scene.image)[0])
            for v in variants}


def predict_skip_gain(seed: int) -> Exercise:
    """Given FCN-8s's boundary accuracy, predict FCN-32s's (no skips) on the same scene."""
    scene = skip_scene(seed)
    side = scene.image.shape[0]
    span = 2 * np.mean(SHAPE_RADIUS) * side  # a typical object's diameter in pixels
    acc = boundary_accuracies(scene)
    truth = acc["fcn32s"]
    listing = "; ".join(f"{fcn.VARIANT_TITLES[v]} {acc[v]:.3f}" for v in fcn.VARIANTS)
    return Exercise(
        id="skip-boundary", kind="predict", title="What do the skips buy at the boundaries?",
        prompt=(f"On this **{side} x {side}** shapes scene the shipped FCN-8s (scores of pool2 "
                f"and pool1 added after each 2x upsampling) labels **{acc['fcn8s']:.3f}** of "
                "the pixels within 2 px of a true boundary correctly (its *boundary "
                "accuracy*). FCN-32s has the same encoder but no skips: it scores the stride-8 "
                "map and upsamples it 8x in one step. **Predict FCN-32s's boundary accuracy** "
                "(0 to 1), commit, and the page runs it."),
        answer=Answer("FCN-32s boundary accuracy (0-1)", 0, 1),
        judge=close_to(truth, SKIP_TOLERANCE, reveal=True, fmt="{:.3f}",
                       name="FCN-32s's boundary accuracy"),
        hints=("FCN-32s decides once per 8 x 8 cell and interpolates between the cells, so "
               "it misses boundary detail finer than a few pixels; FCN-8s fuses scores of a "
               "stride-2 map.",
               f"The objects scale with the image, the 8-px cells do not: at {side} px a "
               f"typical object is about {span:.0f} px across, {span / fcn.STRIDE:.1f} cells. "
               "The fewer cells per object, the larger the share of the boundary band "
               "FCN-32s gets wrong."),
        solution=(f"Boundary accuracy on this scene: {listing}. Without skips the coarse "
                  "scores are upsampled 8x by a fixed bilinear kernel, so corners round off "
                  "and edges shift by up to half a cell; each skip adds the scores of a map "
                  "twice as fine (FCN-16s: stride 4, FCN-8s: stride 2), and the U-Net decoder "
                  "goes all the way to stride 1. The gap between FCN-32s and FCN-8s shrinks "
                  "as the image grows: with more cells per object, fewer boundary pixels fall "
                  "in cells that straddle an edge."),
        seed=seed,
        shows=(Show("image", scene.image, f"The shapes scene ({side} x {side}, shown at 256 px)"),))


def score_row(seed: int) -> np.ndarray:
    """Fine class scores along one row (2 n - 1 samples): an offset plus two cosines.

    Drawn again (deterministically) until the best 3-tap kernel beats linear
    interpolation by :data:`LEARN_MIN_GAP`, so the target is reachable.
    """
    rng = rng_for(seed, "learned-upsampling")
    t = np.arange(2 * LEARN_COARSE - 1)
    for _ in range(LEARN_MAX_DRAWS):
        f = np.full(t.shape, rng.uniform(-LEARN_OFFSET, LEARN_OFFSET))
        for _ in range(2):
            f += rng.uniform(*LEARN_AMPLITUDES) * np.cos(
                2 * np.pi * t / rng.uniform(*LEARN_PERIODS) + rng.uniform(0, 2 * np.pi))
        f = np.round(f, 1)
        if error_removed(f, best_side_weight(f)) - error_removed(f, BILINEAR_SIDE) \
                >= LEARN_MIN_GAP:
            break
    return f


def upsample_row(x: np.ndarray, a: float) -> np.ndarray:
    """Transposed conv of the coarse row with w = (a, 1, a), stride 2, padding 1 (2 n - 1 out)."""
    full = U.transposed_conv2d(np.asarray(x, float)[None, :], np.array([[a, 1.0, a]]),
                               stride=LEARN_STRIDE).y[0]
    return full[1:-1]  # padding 1 along the row: one sample cropped at each end


def error_removed(f: np.ndarray, a: float) -> float:
    """Share of nearest upsampling's RMS error that the kernel (a, 1, a) removes (1 = all)."""
    x = f[::LEARN_STRIDE]
    nearest = U.upsample_nearest(x[None, :], LEARN_STRIDE).y[0][:f.size]
    rms_nearest = np.sqrt(np.mean((nearest - f) ** 2))
    rms = np.sqrt(np.mean((upsample_row(x, a) - f) ** 2))
    return float(1.0 - rms / max(rms_nearest, 1e-12))


def best_side_weight(f: np.ndarray) -> float:
    """The least-squares a: only the odd outputs a (x_i + x_{i+1}) depend on it."""
    x = f[::LEARN_STRIDE]
    pair = x[:-1] + x[1:]
    return float(pair @ f[1::LEARN_STRIDE] / max(pair @ pair, 1e-12))


def _listed(values) -> str:
    return ", ".join(f"{v:g}" for v in values)


def beat_bilinear(seed: int) -> Exercise:
    """Learn the side weight a of a stride-2 kernel (a, 1, a) by hand: beat linear interpolation."""
    f = score_row(seed)
    x = f[::LEARN_STRIDE]
    base = error_removed(f, BILINEAR_SIDE)
    best_a = best_side_weight(f)
    best = error_removed(f, best_a)
    target = float(np.floor(1000 * (base + LEARN_SHARE * (best - base))) / 1000)
    n = LEARN_COARSE
    return Exercise(
        id="learned-upsampling", kind="beat", title="Learn the upsampling kernel by hand",
        prompt=(f"A coarse row of {n} class scores x (below: x[i] = f[2i]) is upsampled 2x by a "
                "transposed convolution with kernel **w = (a, 1, a)**, stride 2, padding 1: "
                "the even outputs copy x[i], the odd ones are a (x[i] + x[i+1]). The lecture's "
                f"w = (1/2, 1, 1/2) is linear interpolation (FCN's bilinear initialisation); it "
                f"removes {base:.3f} of nearest-neighbour upsampling's RMS error on the fine "
                f"scores f. Train the filter yourself: find an **a** that removes at least "
                f"**{target:.3f}**. Each check runs the transposed convolution."),
        answer=Answer("Side weight a (0-2)", 0, 2),
        judge=reach(lambda a: error_removed(f, a), target,
                    name="share of nearest's error removed", setting="a"),
        hints=("Look at the peaks and troughs of f: between two samples the curve bulges "
               "beyond the straight line, so the mean of the neighbours (a = 1/2) "
               "undershoots there.",
               "Only the odd outputs depend on a: a* = sum(f[2i+1] (x[i] + x[i+1])) / "
               "sum((x[i] + x[i+1])^2), a least-squares fit, as training would find it."),
        solution=(f"The odd samples are $a\\,(x_i + x_{{i+1}})$, so the squared error is a "
                  f"parabola in a with its minimum at $a^* = \\sum_i f_{{2i+1}}(x_i + x_{{i+1}}) "
                  f"/ \\sum_i (x_i + x_{{i+1}})^2 = {best_a:.3f}$, which removes {best:.3f} of "
                  f"nearest's error (a = 1/2 removes {base:.3f}). Values of a near {best_a:.2f} "
                  "reach the target. On curved scores the best weight is above 1/2: a cosine "
                  "of angular step $\\omega$ per fine sample has mid-point "
                  "$(x_i + x_{i+1}) / (2\\cos\\omega)$. This is why FCN learns its "
                  "upsampling filters instead of fixing them to bilinear interpolation."),
        seed=seed,
        shows=(Show("bars", {"x": list(range(f.size)), "y": f.tolist(),
                             "xlabel": "fine position j", "ylabel": "score f[j]"},
                    "The fine scores f to reconstruct; the coarse input is every second one"),
               Show("markdown", f"Coarse input x[i] = f[2i]: ({_listed(x)})  \n"
                                f"Odd samples f[2i+1] to match: ({_listed(f[1::LEARN_STRIDE])})")))


EXERCISES = (output_size, predict_skip_gain, beat_bilinear)
