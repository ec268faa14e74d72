"""Atrous-convolution exercises: a dilated sum by hand, a stack's receptive field, a dense CRF.

Every answer is checked with :mod:`segcore.deep.atrous` (the atrous formula,
the receptive-field recurrence) and :mod:`segcore.deep.crf` (a dense CRF by
mean field on a simulated coarse network, scored against the scene).
"""

from __future__ import annotations

import numpy as np

from segcore.deep import atrous as A
from segcore.deep import crf
from segcore.exercises.core import Answer, Exercise, Show, close_to, reach, rng_for
from segcore.scenes import make_scene

__all__ = ["EXERCISES", "atrous_sum", "predict_rf", "beat_network", "sum_case", "rf_stack",
           "crf_case", "crf_miou", "CRF_GRID"]

# --- the atrous sum
SIGNAL_LENGTH = 12
SIGNAL_MAX = 9                # x[i] in 0..9
WEIGHT_RANGE = (-2, 2)        # integer weights
TAPS = 3
RATES = (2, 3, 4)

# --- receptive field of a stack
STACK_DEPTH = (3, 4)          # conv layers in the stack
STACK_KERNELS = (3, 3, 5)     # drawn uniformly: 3 x 3 twice as often as 5 x 5
STACK_RATES = (1, 2, 3, 4)
POOL_CHANCE = 0.4             # a 2 x 2 pooling (stride 2) between two convs
POOL = A.Layer(2, 1, 2, "pool")
RF_RELATIVE = 0.1             # a prediction within 10 % of the RF counts (at least 1 px)

# --- dense CRF against the network
CRF_SIDE = 96                 # shapes scene side
CRF_FACTOR = 4                # output stride of the simulated network
CRF_NOISE = (1.0, 2.0)        # score noise (more noise: a stronger pull from the neighbours)
CRF_ITERATIONS = 5
CRF_GRID = (2.0, 3.0, 5.0, 8.0)  # bilateral weights tried at generation time
CRF_SHARE = 0.75              # target: this share of the way from the network to the grid's best
LABEL_GRAY = 80               # class id -> gray level in the picture of the network's labels


def sum_case(seed: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """The signal x, the 3 weights w, the rate r and the output index i of :func:`atrous_sum`."""
    rng = rng_for(seed, "atrous-sum")
    x = rng.integers(0, SIGNAL_MAX + 1, SIGNAL_LENGTH)
    w = rng.integers(WEIGHT_RANGE[0], WEIGHT_RANGE[1] + 1, TAPS)
    while not np.count_nonzero(w) >= 2:  # at least two taps to add up
        w = rng.integers(WEIGHT_RANGE[0], WEIGHT_RANGE[1] + 1, TAPS)
    r = int(rng.choice(RATES))
    i = int(rng.integers(0, SIGNAL_LENGTH - r * (TAPS - 1)))
    return x, w, r, i


def atrous_sum(seed: int) -> Exercise:
    """Compute one output of a 1-D atrous convolution, y[i] = sum_k x[i + r k] w[k]."""
    x, w, r, i = sum_case(seed)
    truth = float(A.dilated_conv1d(x, w, rate=r).y[i])
    span = r * (TAPS - 1) + 1
    positions = [i + r * k for k in range(TAPS)]
    products = " + ".join(f"{x[p]}\\cdot({w[k]})" for k, p in enumerate(positions))
    return Exercise(
        id="atrous-sum", kind="compute", title="One output of an atrous convolution",
        prompt=(f"The kernel **w = ({', '.join(map(str, w))})** reads the signal x below at rate "
                f"**r = {r}** with the lecture's formula $y[i] = \\sum_k x[i + r\\,k]\\,w[k]$ "
                f"(taps k = 0, 1, 2; x starts at index 0; no padding). Compute **y[{i}]**."),
        answer=Answer(f"y[{i}]", -SIGNAL_MAX * 2 * TAPS, SIGNAL_MAX * 2 * TAPS, integer=True),
        judge=close_to(truth, 0, reveal=False, fmt="{:.0f}", name=f"y[{i}]"),
        hints=(f"Tap k reads x at i + r k: here the indices {i}, {i} + {r} and {i} + {2 * r}; "
               "the kernel's three weights stay three, only the gaps between them grow.",
               f"The dilated kernel spans k + (k - 1)(r - 1) = {span} samples; multiply the "
               "first, middle and last of them by w[0], w[1], w[2] and add."),
        solution=(f"Rate {r} puts {r - 1} zeros between the taps, so y[{i}] reads x at "
                  f"{', '.join(map(str, positions))}: $y[{i}] = {products} = {truth:.0f}$. "
                  f"The kernel spans {span} samples with {TAPS} weights, and the output has "
                  f"{SIGNAL_LENGTH} - {span - 1} = {SIGNAL_LENGTH - span + 1} values."),
        seed=seed,
        shows=(Show("grid", x[None, :], "The signal x (column = index)"),))


def rf_stack(seed: int) -> tuple[A.Layer, ...]:
    """The layer stack of :func:`predict_rf`: 3-4 dilated convs, perhaps one 2 x 2 pooling."""
    rng = rng_for(seed, "rf-stack")
    depth = int(rng.integers(STACK_DEPTH[0], STACK_DEPTH[1] + 1))
    layers = [A.Layer(int(rng.choice(STACK_KERNELS)), int(rng.choice(STACK_RATES)))
              for _ in range(depth)]
    if rng.random() < POOL_CHANCE:
        layers.insert(int(rng.integers(1, depth)), POOL)
    return tuple(layers)


def predict_rf(seed: int) -> Exercise:
    """Predict the receptive field of a stack of dilated convolutions (and maybe a pooling)."""
    layers = rf_stack(seed)
    truth = A.receptive_field_size(layers)
    jumps = np.cumprod([1] + [layer.stride for layer in layers])[:-1]
    terms = " + ".join(f"({layer.kernel}-1)\\cdot{layer.dilation}\\cdot{jump}"
                       for layer, jump in zip(layers, jumps))
    rows = [{"layer": n, "kind": layer.kind, "kernel k": layer.kernel, "rate r": layer.dilation,
             "stride s": layer.stride} for n, layer in enumerate(layers, 1)]
    return Exercise(
        id="rf-stack", kind="predict", title="How far does one output unit see?",
        prompt=("One output unit at the top of this stack (first layer first) sees a square "
                "window of the input. **Predict its side in input pixels** (the receptive "
                "field), commit, and the page computes it."),
        answer=Answer("Receptive field (pixels)", 1, 1000, integer=True),
        judge=close_to(truth, max(1.0, round(RF_RELATIVE * truth)), reveal=True, fmt="{:.0f}",
                       name="the receptive field"),
        hints=("A k x k kernel at rate r spans k + (k - 1)(r - 1) pixels: each layer adds "
               "(k - 1) r to the field of the layer before.",
               "After a stride-2 pooling one step of the next layer is 2 input pixels: "
               "multiply what every later layer adds by the product of the strides before it."),
        solution=(f"$RF = 1 + \\sum_l (k_l - 1)\\,r_l \\prod_{{j \\lt l}} s_j = 1 + {terms} = "
                  f"{truth}$. Dilation grows the field without extra weights; a pooling "
                  "doubles what every later layer adds, but halves the resolution, which is "
                  "the resolution issue DeepLab avoids with atrous convolution."),
        seed=seed, shows=(Show("table", rows, "The stack"),))


def crf_case(seed: int):
    """The scene, the network's score noise and its noise seed of :func:`beat_network`."""
    rng = rng_for(seed, "crf-weight")
    noise = round(float(rng.uniform(*CRF_NOISE)), 1)
    return make_scene("shapes", seed=seed, size=CRF_SIDE), noise, int(rng.integers(2 ** 31))


def _crf(scene, noise: float, noise_seed: int, w_bilateral: float) -> crf.SceneCRF:
    """The simulated network refined with the appearance kernel only (spatial weight 0)."""
    return crf.scene_crf(scene.image, scene, factor=CRF_FACTOR, noise=noise,
                         iterations=CRF_ITERATIONS, w_spatial=0.0,
                         w_bilateral=float(w_bilateral), random_state=noise_seed)


def crf_miou(scene, noise: float, noise_seed: int, w_bilateral: float) -> float:
    """mIoU against the scene after the CRF with bilateral weight ``w_bilateral``."""
    return float(_crf(scene, noise, noise_seed, w_bilateral).trace.steps[-1].metrics["miou"])


def beat_network(seed: int) -> Exercise:
    """Choose a dense CRF's bilateral weight so it lifts a coarse network's mIoU to a target."""
    scene, noise, noise_seed = crf_case(seed)
    runs = {w: _crf(scene, noise, noise_seed, w) for w in CRF_GRID}
    tried = {w: float(run.trace.steps[-1].metrics["miou"]) for w, run in runs.items()}
    first = runs[CRF_GRID[0]]  # every run starts from the same network scores
    network = float(first.trace.steps[0].metrics["miou"])
    best_w = max(tried, key=tried.get)
    target = float(np.floor(1000 * (network + CRF_SHARE * (tried[best_w] - network))) / 1000)
    listing = ", ".join(f"w = {w:g}: {m:.3f}" for w, m in tried.items())
    labels = (first.initial * LABEL_GRAY).astype(np.uint8)
    return Exercise(
        id="crf-weight", kind="beat", title="Beat the coarse network with a dense CRF",
        prompt=(f"A simulated network with output stride {CRF_FACTOR} and score noise "
                f"{noise:g} labels this {CRF_SIDE} x {CRF_SIDE} shapes scene with mIoU "
                f"**{network:.3f}**. A dense CRF refines it with {CRF_ITERATIONS} mean-field "
                "iterations and **only the bilateral (appearance) kernel**: pixels that are "
                "close (sigma_xy = 16 px) and of similar intensity (sigma_I = 0.08) pull each "
                f"other's labels together. Choose its weight w so the mIoU reaches at least "
                f"**{target:.3f}**. Each check runs the CRF and scores it against the ground "
                "truth."),
        answer=Answer("Bilateral weight w (0-20)", 0, 20),
        judge=reach(lambda w: crf_miou(scene, noise, noise_seed, w), target,
                    name="mIoU after the CRF", setting="w"),
        hints=("w = 0 leaves the network's answer as it is; every unit of w weighs the "
               "neighbours' labels against the network's own scores (the unary term).",
               "Noisier scores need a stronger pull, but too strong a pull lets the background, "
               "the biggest class, swallow small objects: try a few values between 1 and 10."),
        solution=(f"With this seed: {listing} (network alone: {network:.3f}). The mean-field "
                  "update $q_i(l) \\propto \\exp[-\\psi_u(l) - w \\sum_{l' \\ne l} \\sum_j "
                  "k(f_i, f_j)\\, q_j(l')]$ lets each pixel's similar-looking neighbours outvote "
                  "its noisy score, so speckles vanish and labels snap to the image's edges. "
                  f"Here w = {best_w:g} works best of these; much larger weights over-smooth "
                  "and erase small or thin objects."),
        seed=seed,
        shows=(Show("image", scene.image, "The scene (the CRF's guide image)"),
               Show("image", labels, f"The network's labels (class id x {LABEL_GRAY} as gray)")))


EXERCISES = (atrous_sum, predict_rf, beat_network)
