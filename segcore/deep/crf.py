"""A compact fully connected (dense) CRF refined by mean-field inference.

A coarse network predicts blurry, speckled class scores; the CRF sharpens
them with two pairwise terms: a spatial Gaussian (near pixels agree) and a
bilateral Gaussian (near pixels *of similar intensity* agree, so labels snap
to image edges). Mean-field inference replaces the joint distribution by
independent per-pixel distributions q_i and updates them all at once a few
times; each update is a filtering of q, which is what makes the dense CRF
tractable.

The bilateral filter runs on a downsampled bilateral grid (splat, blur,
slice) instead of the permutohedral lattice of [1]_: simpler, and fast on a
gray guide image.

References
----------
.. [1] P. Krähenbühl, V. Koltun, "Efficient Inference in Fully Connected CRFs
   with Gaussian Edge Potentials", NIPS 2011.
.. [2] J. Chen, S. Paris, F. Durand, "Real-time Edge-Aware Image Processing
   with the Bilateral Grid", SIGGRAPH 2007.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.ndimage import distance_transform_edt, gaussian_filter
from skimage.transform import resize

from segcore import metrics
from segcore.scenes import VOID
from segcore.trace import Trace, TraceRecorder

__all__ = ["MAX_ITERATIONS", "SceneCRF", "coarse_scores", "dense_crf", "scene_crf"]

MAX_ITERATIONS = 20
UINT8_MAX = 255.0  # uint8 guide images are scaled to [0, 1]
MAX_INTENSITY_CELLS = 256  # bound on the bilateral grid's intensity axis
PROB_FLOOR = 1e-6  # keeps -log(q) finite
GRID_BLUR = 1.0  # bilateral-grid blur, in grid cells (one cell = one sigma)
SPATIAL_TRUNCATE = 3.0  # spatial Gaussian cut at 3 sigma


# ----------------------------------------------------------------- validation
def _validate_crf(image, probs, iterations, weights, sigmas, ground_truth):
    image = np.asarray(image)
    image = image.astype(np.float64) / (UINT8_MAX if image.dtype == np.uint8 else 1.0)
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 3 or probs.shape[0] < 2:
        raise ValueError(f"probs must be (C, H, W) with C >= 2 classes, got shape {probs.shape}")
    if image.ndim == 3 and image.shape[2] == 3:
        image = image.mean(axis=2)
    if image.shape != probs.shape[1:]:
        raise ValueError(f"image must be (H, W) or (H, W, 3) matching probs {probs.shape[1:]}, "
                         f"got {np.asarray(image).shape}")
    if not np.all(np.isfinite(probs)) or probs.min() < 0:
        raise ValueError("probs must be finite and non-negative")
    if int(iterations) != iterations or not 0 <= iterations <= MAX_ITERATIONS:
        raise ValueError(f"iterations must be an integer in 0..{MAX_ITERATIONS}, "
                         f"got {iterations!r}")
    for name, value in {**weights, **sigmas}.items():
        if not np.isfinite(value) or value < 0 or (name.startswith("sigma") and value == 0):
            bound = "> 0" if name.startswith("sigma") else ">= 0"
            raise ValueError(f"{name} must be finite and {bound}, got {value!r}")
    if np.ptp(image) / sigmas["sigma_intensity"] > MAX_INTENSITY_CELLS:
        raise ValueError(f"image spans {np.ptp(image):g} intensity units, more than "
                         f"{MAX_INTENSITY_CELLS} x sigma_intensity "
                         f"({sigmas['sigma_intensity']:g}): "
                         "pass uint8 or a float image in [0, 1], or raise sigma_intensity")
    if ground_truth is not None and np.shape(ground_truth) != probs.shape[1:]:
        raise ValueError(f"ground_truth must be (H, W) = {probs.shape[1:]}, "
                         f"got {np.shape(ground_truth)}")
    probs = probs / np.maximum(probs.sum(axis=0, keepdims=True), PROB_FLOOR)
    return image, probs


# ----------------------------------------------------------------- a coarse "network" output
def coarse_scores(labels, num_classes: int, *, factor: int = 8, noise: float = 1.5,
                  confidence: float = 4.0, ignore_index=None, random_state=None) -> np.ndarray:
    """Class probabilities like a coarse FCN's: blurred at the boundaries and noisy.

    Parameters
    ----------
    labels : (H, W) int array
        Ground-truth classes 0 .. num_classes - 1.
    num_classes : int
        Number of classes C (>= 2).
    factor : int
        Output stride of the imagined network: scores live on a grid
        ``factor`` times coarser and are upsampled bilinearly.
    noise : float
        Standard deviation of the Gaussian noise added to every logit.
    confidence : float
        Logit of the true class on the coarse grid.
    ignore_index : int, optional
        Label of unlabelled pixels (a VOID band): they take the class of the
        nearest labelled pixel, since the network has no VOID class.
    random_state : int or Generator, optional

    Returns
    -------
    (C, H, W) float64
        Softmax probabilities.

    Raises
    ------
    ValueError
        For labels outside 0 .. num_classes - 1 (after filling ``ignore_index``),
        fewer than 2 classes, only ignored pixels, or a factor < 1.

    Notes
    -----
    Stands in for a network's output at output stride ``factor``: shrink
    the one-hot ground truth (anti-aliased), upsample it bilinearly (boundaries blur
    over about ``factor`` pixels, the resolution issue), scale to logits,
    add noise, softmax.

    Examples
    --------
    >>> p = coarse_scores(np.eye(16, dtype=int), 2, factor=4, random_state=0)
    >>> p.shape, bool(np.allclose(p.sum(axis=0), 1))
    ((2, 16, 16), True)
    """
    labels = np.asarray(labels)
    if ignore_index is not None and np.any(labels == ignore_index):
        unknown = labels == ignore_index
        if unknown.all():
            raise ValueError(f"labels are all ignore_index ({ignore_index}): nothing to predict")
        nearest = distance_transform_edt(unknown, return_distances=False, return_indices=True)
        labels = labels[tuple(nearest)]
    if labels.ndim != 2 or labels.min() < 0 or labels.max() >= num_classes or num_classes < 2:
        raise ValueError(f"labels must be (H, W) in 0..num_classes-1 with num_classes >= 2, got "
                         f"shape {labels.shape}, range {labels.min()}..{labels.max()}, "
                         f"num_classes {num_classes}")
    if int(factor) != factor or factor < 1:
        raise ValueError(f"factor must be an integer >= 1, got {factor!r}")
    rng = np.random.default_rng(random_state)
    h, w = labels.shape
    onehot = (labels[None] == np.arange(num_classes)[:, None, None]).astype(np.float64)
    small = (max(1, h // factor), max(1, w // factor))
    coarse = resize(onehot, (num_classes, *small), order=1, anti_aliasing=True)
    logits = confidence * resize(coarse, onehot.shape, order=1)
    logits += rng.normal(0.0, noise, logits.shape)
    return _softmax(logits)


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


# ----------------------------------------------------------------- the CRF stages
def _unary(probs: np.ndarray) -> np.ndarray:
    """psi_u(y_i = l) = -log p_i(l) from the network's scores."""
    return -np.log(np.maximum(probs, PROB_FLOOR))


@dataclass(frozen=True)
class _BilateralGrid:
    """Trilinear splat/slice matrix of every pixel into a (y/sxy, x/sxy, I/sr) grid."""

    slice: sparse.csr_matrix  # (N pixels, G cells), 8 trilinear weights per row
    splat: sparse.csr_matrix  # its transpose (G, N), stored row-major for the splat product
    shape: tuple[int, int, int]


def _bilateral_grid(guide: np.ndarray, sigma_xy: float, sigma_intensity: float) -> _BilateralGrid:
    h, w = guide.shape
    yy, xx = np.mgrid[0:h, 0:w]
    coords = np.stack([yy.ravel() / sigma_xy, xx.ravel() / sigma_xy,
                       (guide.ravel() - guide.min()) / sigma_intensity]) + 1.0  # one cell margin
    shape = tuple(int(np.ceil(c.max())) + 3 for c in coords)
    base = np.floor(coords).astype(np.int64)
    frac = coords - base
    strides = np.array([shape[1] * shape[2], shape[2], 1])
    corners = np.array(list(np.ndindex(2, 2, 2)))  # (8, 3) offsets
    index = (base.T @ strides)[:, None] + corners @ strides  # (N, 8) flat cell index
    per_axis = np.stack([1.0 - frac, frac])  # (2, 3, N): weight of offset 0 / 1 per axis
    weight = np.prod(per_axis[corners, np.arange(3)], axis=1).T  # (N, 8) trilinear weights
    n = h * w
    matrix = sparse.csr_matrix((weight.ravel(), index.ravel(), np.arange(0, 8 * n + 1, 8)),
                               shape=(n, int(np.prod(shape))))
    return _BilateralGrid(matrix, matrix.T.tocsr(), shape)


def _bilateral_message(q: np.ndarray, grid: _BilateralGrid) -> np.ndarray:
    """sum_j k_bilateral(i, j) q_j / sum_j k_bilateral(i, j): splat, blur, slice (normalised)."""
    c = q.shape[0]
    values = np.vstack([q.reshape(c, -1), np.ones((1, q[0].size))])  # last row: normaliser
    splat = (grid.splat @ values.T).T
    blurred = gaussian_filter(splat.reshape(c + 1, *grid.shape), (0,) + (GRID_BLUR,) * 3)
    sliced = (grid.slice @ blurred.reshape(c + 1, -1).T).T
    return (sliced[:c] / np.maximum(sliced[c], PROB_FLOOR)).reshape(q.shape)


def _spatial_message(q: np.ndarray, sigma: float) -> np.ndarray:
    """sum_j k_spatial(i, j) q_j: a normalised Gaussian blur of every class map."""
    return gaussian_filter(q, (0, sigma, sigma), mode="nearest", truncate=SPATIAL_TRUNCATE)


def _compatibility_transform(message: np.ndarray) -> np.ndarray:
    """Potts mu(l, l') = [l != l']: penalty of label l = sum of the messages of the other labels."""
    return message.sum(axis=0, keepdims=True) - message


def _mean_field_update(unary, q, grid, w_spatial, sigma_spatial, w_bilateral) -> np.ndarray:
    """q_i(l) ~ exp(-psi_u(l) - sum_l' mu(l, l') sum_m w_m sum_j k_m(i, j) q_j(l'))."""
    pairwise = (w_spatial * _compatibility_transform(_spatial_message(q, sigma_spatial))
                + w_bilateral * _compatibility_transform(_bilateral_message(q, grid)))
    return _softmax(-unary - pairwise)


def dense_crf(image, probs, *, iterations: int = 5, w_spatial: float = 3.0,
              sigma_spatial: float = 3.0, w_bilateral: float = 5.0, sigma_xy: float = 16.0,
              sigma_intensity: float = 0.08, ground_truth=None, ignore_index=None) -> Trace:
    """Refine class probabilities with a dense CRF (Potts, Gaussian kernels) by mean field.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) array_like
        Guide image (uint8 scaled to [0, 1]; colour averaged to gray).
    probs : (C, H, W) array_like
        Network class probabilities (renormalised per pixel).
    iterations : int
        Mean-field updates, 0 .. MAX_ITERATIONS (0 = the network's argmax).
    w_spatial, sigma_spatial : float
        Weight and width (pixels) of the spatial (smoothness) kernel.
    w_bilateral, sigma_xy, sigma_intensity : float
        Weight, spatial width (pixels) and intensity width (in [0, 1] units)
        of the bilateral (appearance) kernel.
    ground_truth : (H, W) int array, optional
        When given, every step records mIoU against it.
    ignore_index : int, optional
        Ground-truth label left out of that mIoU (e.g. a VOID band).

    Returns
    -------
    Trace
        ``labels`` (H, W) int32 (argmax of q), ``q`` (C, H, W) float64 the
        final marginals, ``initial`` (H, W) int32 the network's argmax.
        Steps: the unary argmax, then one per iteration, each with the
        metric ``changed`` (fraction of pixels whose label changed) and
        ``miou`` when ``ground_truth`` is given.

    Raises
    ------
    ValueError
        For mismatched shapes, negative or non-finite probabilities,
        iterations outside 0 .. MAX_ITERATIONS, negative weights or
        non-positive sigmas.

    Notes
    -----
    The lecture's mean-field update for the dense CRF, with the Potts
    compatibility mu(l, l') = [l != l'] and two Gaussian kernels
    (m = spatial, bilateral):

    .. math:: q_i(l) \\propto \\exp\\Big[-\\psi_u(l) - \\sum_{l'} \\mu(l, l')
              \\sum_m w_m \\sum_{j} k_m(f_i, f_j)\\, q_j(l')\\Big]

    Each sum over j is a filtering of q: a Gaussian blur for the spatial
    kernel, a bilateral-grid blur for the appearance kernel. The kernels are
    normalised (weighted averages) and include j = i, which for sigmas of a
    few pixels changes the messages by a few percent.

    References
    ----------
    .. [1] P. Krähenbühl, V. Koltun, NIPS 2011.

    Examples
    --------
    >>> gt = np.zeros((32, 32), int); gt[8:24, 8:24] = 1
    >>> image = np.where(gt == 1, 200, 50).astype(np.uint8)
    >>> p = coarse_scores(gt, 2, factor=8, random_state=0)
    >>> t = dense_crf(image, p, iterations=3, ground_truth=gt)
    >>> t.steps[-1].metrics["miou"] >= t.steps[0].metrics["miou"]
    True
    """
    weights = {"w_spatial": w_spatial, "w_bilateral": w_bilateral}
    sigmas = {"sigma_spatial": sigma_spatial, "sigma_xy": sigma_xy,
              "sigma_intensity": sigma_intensity}
    guide, q = _validate_crf(image, probs, iterations, weights, sigmas, ground_truth)
    n_classes = q.shape[0]
    rec = TraceRecorder()
    warnings = []

    def record(name, labels, previous, caption):
        extra = {}
        if ground_truth is not None:
            extra["miou"] = metrics.mean_iou(ground_truth, labels, n_classes,
                                             ignore_index=ignore_index)
        rec.add(name, labels, caption, changed=np.mean(labels != previous), **extra)

    unary = _unary(q)
    initial = np.argmax(q, axis=0).astype(np.int32)
    record("network", initial, initial, "The network's own answer: argmax of its scores.")
    if np.ptp(guide) == 0:
        warnings.append("The guide image is constant: the bilateral kernel acts like a plain "
                        "spatial blur.")
    grid = _bilateral_grid(guide, sigma_xy, sigma_intensity)
    labels = initial
    for it in range(1, int(iterations) + 1):
        q = _mean_field_update(unary, q, grid, w_spatial, sigma_spatial, w_bilateral)
        new = np.argmax(q, axis=0).astype(np.int32)
        record(f"iteration {it}", new, labels,
               f"Mean-field update {it}: every q_i re-weighed by its neighbours' labels.")
        labels = new
    params = {"iterations": int(iterations), **weights, **sigmas}
    return rec.finish({"labels": labels, "q": q, "initial": initial}, params, warnings)


# ----------------------------------------------------------------- a scene, end to end
@dataclass(frozen=True)
class SceneCRF:
    """:func:`scene_crf`'s result: the CRF trace and the offset back to the scene's class ids.

    Parameters
    ----------
    trace : Trace
        :func:`dense_crf`'s trace, in network classes (a scene's VOID is not a class).
    shift : int
        1 when the scene has VOID (network class c is scene class c + 1), else 0.
    """

    trace: Trace
    shift: int

    @property
    def labels(self) -> np.ndarray:
        """The refined segmentation in the scene's class ids, (H, W) int32."""
        return self.trace.labels + self.shift

    @property
    def initial(self) -> np.ndarray:
        """The simulated network's argmax in the scene's class ids, (H, W) int32."""
        return self.trace.initial + self.shift


def scene_crf(image, scene, *, factor: int = 8, noise: float = 1.5, iterations: int = 5,
              w_spatial: float = 3.0, w_bilateral: float = 5.0, random_state=0) -> SceneCRF:
    """A simulated coarse network made from a scene's ground truth, refined by :func:`dense_crf`.

    The network has no VOID class: on a scene with VOID (the street scene) the
    classes are shifted down by one and VOID pixels are ignored, as COCO does.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) uint8
        The scene's picture (the CRF's guide image).
    scene : segcore.scenes.Scene
        Gives ``semantic``, ``num_classes`` and ``has_void``.
    factor, noise : int, float
        Output stride and score noise of :func:`coarse_scores`.
    iterations, w_spatial, w_bilateral
        As in :func:`dense_crf`.
    random_state : int or Generator
        Seed of the simulated network's noise.

    Returns
    -------
    SceneCRF
        ``labels`` in the scene's class ids; ``trace`` records mIoU per step
        against the (shifted) ground truth.

    Examples
    --------
    >>> from segcore.scenes import make_scene
    >>> scene = make_scene("shapes", seed=0, size=64)
    >>> scene_crf(scene.image, scene, iterations=2).labels.shape
    (64, 64)
    """
    semantic = np.asarray(scene.semantic)
    if scene.has_void:
        target = np.where(semantic == VOID, metrics.IGNORE, semantic - 1)
        ignore, shift = metrics.IGNORE, 1
    else:
        target, ignore, shift = semantic, None, 0
    probs = coarse_scores(target, scene.num_classes - shift, factor=factor, noise=noise,
                          ignore_index=ignore, random_state=random_state)
    trace = dense_crf(image, probs, iterations=iterations, w_spatial=w_spatial,
                      w_bilateral=w_bilateral, ground_truth=target, ignore_index=ignore)
    return SceneCRF(trace, shift)
