"""Images as weighted graphs: pixels are nodes, affinities are edge weights.

The lecture measures how strongly two pixels ``x`` and ``y`` belong together
with Gaussian affinities on their distance, intensity and colour:

.. math::

    aff(x, y) = \\exp\\left(-\\frac{\\|x - y\\|^2}{2\\sigma_d^2}\\right)
                \\exp\\left(-\\frac{(I(x) - I(y))^2}{2\\sigma_i^2}\\right)
                \\exp\\left(-\\frac{\\|c(x) - c(y)\\|^2}{2\\sigma_c^2}\\right)

A graph over every pixel pair of a 512 x 512 image has 3.4e10 edges, so the
image is first block-averaged down to at most ``max_nodes`` nodes (and at most
:data:`FULL_MAX_NODES` for the fully connected graph); the trace says so.
"""

from __future__ import annotations

import math

import numpy as np
from skimage.color import rgb2gray

from segcore.trace import Trace, TraceRecorder

__all__ = [
    "NEIGHBOURHOODS", "DEFAULT_MAX_NODES", "MAX_NODES", "FULL_MAX_NODES",
    "affinity_graph", "downsample_labels", "grid_edges",
]

#: Graph structures: 4- or 8-neighbourhood on the pixel grid, or every pair.
NEIGHBOURHOODS = ("4", "8", "full")
#: Default node budget of the small pixel graph (16 x 16 for a square image).
DEFAULT_MAX_NODES = 256
#: Largest node budget accepted (24 x 24): Stoer-Wagner and the dense
#: eigenproblem grow as n^3.
MAX_NODES = 576
#: Node budget of the fully connected graph (n^2 / 2 edges).
FULL_MAX_NODES = 144
#: Grey-level range of the intensity and colour features.
_INTENSITY_RANGE = 255.0


def _validate_affinity_args(image, sigma_d, sigma_i, sigma_c, neighbourhood, max_nodes):
    image = np.asarray(image)
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError(f"image must be a (H, W) gray or (H, W, 3) RGB array, got shape {image.shape}")
    if image.size == 0:
        raise ValueError("image must have at least one pixel, got an empty array")
    for name, sigma in (("sigma_d", sigma_d), ("sigma_i", sigma_i), ("sigma_c", sigma_c)):
        if sigma is not None and not (np.isfinite(sigma) and sigma > 0):
            raise ValueError(f"{name} must be a positive number or None (term off), got {sigma!r}")
    if neighbourhood not in NEIGHBOURHOODS:
        raise ValueError(f"neighbourhood must be one of {NEIGHBOURHOODS}, got {neighbourhood!r}")
    if not (isinstance(max_nodes, (int, np.integer)) and 4 <= max_nodes <= MAX_NODES):
        raise ValueError(f"max_nodes must be an integer in [4, {MAX_NODES}], got {max_nodes!r}")
    return image


def grid_edges(shape: tuple[int, int], neighbourhood: str = "4") -> np.ndarray:
    """Node pairs ``(i, j)``, ``i < j``, of a pixel grid in raster order.

    Parameters
    ----------
    shape : tuple of int
        Grid shape ``(h, w)``; node ``r * w + c`` is pixel ``(r, c)``.
    neighbourhood : {"4", "8", "full"}
        Which pixel pairs are linked.

    Returns
    -------
    edges : (m, 2) int64 ndarray

    Examples
    --------
    >>> grid_edges((2, 2), "4").tolist()
    [[0, 1], [2, 3], [0, 2], [1, 3]]
    >>> len(grid_edges((2, 2), "8")), len(grid_edges((2, 2), "full"))
    (6, 6)
    """
    h, w = shape
    n = h * w
    if neighbourhood == "full":
        return np.stack(np.triu_indices(n, k=1), axis=1).astype(np.int64)
    ids = np.arange(n).reshape(h, w)
    offsets = [(0, 1), (1, 0)] + ([(1, 1), (1, -1)] if neighbourhood == "8" else [])
    pairs = []
    for dr, dc in offsets:
        src = ids[: h - dr, max(0, -dc): w - max(0, dc)]
        dst = ids[dr:, max(0, dc): w + min(0, dc)]
        pairs.append(np.stack([src.ravel(), dst.ravel()], axis=1))
    return np.concatenate(pairs).astype(np.int64)


def downsample_labels(labels: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize of a label map to the graph's grid.

    Parameters
    ----------
    labels : (H, W) int ndarray
    shape : tuple of int
        Target ``(h, w)``.

    Returns
    -------
    (h, w) int32 ndarray

    Examples
    --------
    >>> downsample_labels(np.kron(np.eye(2, dtype=int), np.ones((4, 4), int)), (2, 2)).tolist()
    [[1, 0], [0, 1]]
    """
    labels = np.asarray(labels)
    rows = ((np.arange(shape[0]) + 0.5) * labels.shape[0] / shape[0]).astype(int)
    cols = ((np.arange(shape[1]) + 0.5) * labels.shape[1] / shape[1]).astype(int)
    return labels[np.ix_(rows, cols)].astype(np.int32)


def _downsample(image: np.ndarray, max_nodes: int) -> tuple[np.ndarray, float]:
    """Average non-overlapping f x f blocks (the ragged border is dropped)."""
    h, w = image.shape[:2]
    factor = max(1, math.ceil(math.sqrt(h * w / max_nodes)))
    if factor == 1:
        return image, 1.0
    sh, sw = max(1, h // factor), max(1, w // factor)
    fh, fw = min(factor, h), min(factor, w)
    blocks = image[: sh * fh, : sw * fw].astype(np.float64)
    blocks = blocks.reshape((sh, fh, sw, fw) + image.shape[2:]).mean(axis=(1, 3))
    return np.clip(np.rint(blocks), 0, 255).astype(np.uint8), float(factor)


def _features(small: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    h, w = small.shape[:2]
    rows, cols = np.mgrid[:h, :w]
    coords = np.stack([rows.ravel(), cols.ravel()], axis=1).astype(np.float64)
    if small.ndim == 2:
        return coords, small.ravel().astype(np.float64), None
    intensity = rgb2gray(small).ravel() * _INTENSITY_RANGE
    return coords, intensity, small.reshape(-1, 3).astype(np.float64)


def _gaussian_term(features: np.ndarray, edges: np.ndarray, sigma: float | None) -> np.ndarray:
    if sigma is None:
        return np.ones(len(edges))
    diff = features[edges[:, 0]] - features[edges[:, 1]]
    sq = diff**2 if diff.ndim == 1 else np.sum(diff**2, axis=1)
    return np.exp(-sq / (2.0 * sigma**2))


def _weight_matrix(n: int, edges: np.ndarray, weights: np.ndarray) -> np.ndarray:
    matrix = np.zeros((n, n))
    matrix[edges[:, 0], edges[:, 1]] = weights
    matrix[edges[:, 1], edges[:, 0]] = weights
    return matrix


def affinity_graph(image: np.ndarray, *, sigma_d: float | None = 3.0,
                   sigma_i: float | None = 20.0, sigma_c: float | None = None,
                   neighbourhood: str = "8", max_nodes: int = DEFAULT_MAX_NODES) -> Trace:
    """Build the weighted pixel graph of a (downsampled) image.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) uint8 ndarray
    sigma_d : float or None
        Scale of the distance term, in nodes of the downsampled grid; ``None``
        switches the term off.
    sigma_i : float or None
        Scale of the intensity term in grey levels (0-255).
    sigma_c : float or None
        Scale of the colour term (RGB distance, 0-255); ignored for gray images.
    neighbourhood : {"4", "8", "full"}
        Pixel pairs that get an edge.
    max_nodes : int
        Node budget in [4, :data:`MAX_NODES`]; the image is block-averaged
        down to fit. The fully connected graph is capped at
        :data:`FULL_MAX_NODES`.

    Returns
    -------
    Trace
        ``output``: ``weights`` (n, n) float64 symmetric matrix W,
        ``edges`` (m, 2) int64, ``edge_weights`` (m,), ``shape`` (h, w),
        ``image`` the downsampled uint8 image, ``scale`` original pixels per
        node side. Steps: downsample, then one per affinity term, then the
        product. ``warnings`` says when the image was downsampled.

    Raises
    ------
    ValueError
        For a malformed image, a non-positive sigma, an unknown neighbourhood
        or a node budget outside [4, MAX_NODES].

    Notes
    -----
    Each term is :math:`\\exp(-\\|f(x) - f(y)\\|^2 / 2\\sigma^2)` for its
    feature ``f`` (position, intensity, colour); the affinity is their
    product, so a pair is strongly linked only if it is close in every
    feature that is switched on.

    References
    ----------
    .. [1] J. Shi and J. Malik, "Normalized cuts and image segmentation",
           IEEE TPAMI 22(8), 2000.

    Examples
    --------
    >>> img = np.array([[0, 0, 200, 200]], np.uint8)
    >>> t = affinity_graph(img, sigma_d=None, sigma_i=20.0, neighbourhood="4")
    >>> np.round(t.edge_weights, 3).tolist()
    [1.0, 0.0, 1.0]
    """
    image = _validate_affinity_args(image, sigma_d, sigma_i, sigma_c, neighbourhood, max_nodes)
    warnings = []
    budget = min(max_nodes, FULL_MAX_NODES) if neighbourhood == "full" else max_nodes
    if budget < max_nodes:
        warnings.append(f"The fully connected graph is capped at {FULL_MAX_NODES} nodes "
                        f"(it has n(n-1)/2 edges); asked for {max_nodes}.")
    rec = TraceRecorder()
    small, scale = _downsample(image, budget)
    h, w = small.shape[:2]
    if scale > 1:
        warnings.append(f"Graph built on a {h} x {w} downsampled image ({h * w} nodes, "
                        f"{scale:.0f} x {scale:.0f} pixels per node) to cap the node count at {budget}.")
    rec.add("downsample", small, f"{image.shape[0]} x {image.shape[1]} image averaged to "
            f"{h} x {w} nodes.", nodes=h * w)
    edges = grid_edges((h, w), neighbourhood)
    coords, intensity, colour = _features(small)
    weights = np.ones(len(edges))
    terms = [("distance", coords, sigma_d, "sigma_d"), ("intensity", intensity, sigma_i, "sigma_i")]
    if colour is not None:
        terms.append(("colour", colour, sigma_c, "sigma_c"))
    for name, feats, sigma, sigma_name in terms:
        term = _gaussian_term(feats, edges, sigma)
        weights = weights * term
        state = "off" if sigma is None else f"{sigma_name} = {sigma:g}"
        rec.add(f"{name} term", term, f"{name.capitalize()} affinity per edge ({state}).",
                mean=float(term.mean()) if len(term) else 0.0)
    rec.add("affinity", weights, "Product of the terms: the edge weights w(x, y).",
            mean=float(weights.mean()) if len(weights) else 0.0)
    output = {"weights": _weight_matrix(h * w, edges, weights), "edges": edges,
              "edge_weights": weights, "shape": (h, w), "image": small, "scale": scale}
    params = {"sigma_d": sigma_d, "sigma_i": sigma_i, "sigma_c": sigma_c,
              "neighbourhood": neighbourhood, "max_nodes": max_nodes}
    return rec.finish(output, params, warnings)
