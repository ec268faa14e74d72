"""Recursive normalized cut on a region adjacency graph (RAG) of superpixels.

A pixel graph of a full-size image is far too big for the dense eigenproblem
of :mod:`segcore.classical.ncut`, so the image is first over-segmented into a
few hundred SLIC superpixels. Adjacent superpixels are linked with the
similarity of their mean colours,

.. math:: w_{ij} = \\exp\\left(-\\frac{\\|\\bar c_i - \\bar c_j\\|^2}{\\sigma}\\right),

and ``skimage.graph.cut_normalized`` splits this small graph two ways again
and again, solving :math:`(D - W) y = \\lambda D y` on each piece, until the
best cut's Ncut exceeds a threshold.
"""

from __future__ import annotations

import numpy as np
from skimage.graph import RAG, cut_normalized
from skimage.segmentation import slic

from segcore.threads import limited_threads
from segcore.trace import Trace, TraceRecorder

__all__ = ["recursive_ncut"]

#: SLIC rescales a gray image to [0, 1] but works on colour in Lab (L in
#: 0-100); dividing the compactness by this makes one value suit both.
_LAB_L_RANGE = 100.0


def _validate_rag_ncut_args(image, n_segments, compactness, sigma, thresh, num_cuts):
    image = np.asarray(image)
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3) or min(image.shape[:2]) < 2:
        raise ValueError("image must be a (H, W) or (H, W, 3) array of at least 2 x 2, "
                         f"got shape {image.shape}")
    if not (isinstance(n_segments, (int, np.integer)) and n_segments >= 2):
        raise ValueError(f"n_segments must be an integer >= 2, got {n_segments!r}")
    for name, value in (("compactness", compactness), ("sigma", sigma), ("thresh", thresh)):
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number, got {value!r}")
    if not (isinstance(num_cuts, (int, np.integer)) and num_cuts >= 1):
        raise ValueError(f"num_cuts must be an integer >= 1, got {num_cuts!r}")
    return image


def _superpixels(image: np.ndarray, n_segments: int, compactness: float) -> np.ndarray:
    if image.ndim == 2:
        return slic(image, n_segments=n_segments, compactness=compactness / _LAB_L_RANGE,
                    channel_axis=None, start_label=1)
    return slic(image, n_segments=n_segments, compactness=compactness, start_label=1)


def _region_adjacency_graph(image: np.ndarray, superpixels: np.ndarray, sigma: float) -> RAG:
    """Similarity RAG of 4-adjacent superpixels, built with numpy.

    Same graph as ``skimage.graph.rag_mean_color(mode="similarity")`` (4-connectivity),
    without its per-pixel Python callback.
    """
    pairs = np.concatenate([
        np.stack([superpixels[:, :-1].ravel(), superpixels[:, 1:].ravel()], axis=1),
        np.stack([superpixels[:-1, :].ravel(), superpixels[1:, :].ravel()], axis=1)])
    pairs = np.unique(np.sort(pairs[pairs[:, 0] != pairs[:, 1]], axis=1), axis=0)
    channels = image.reshape(superpixels.size, -1).astype(np.float64)
    flat = superpixels.ravel()
    counts = np.bincount(flat)
    sums = np.stack([np.bincount(flat, ch) for ch in channels.T], axis=1)
    means = sums / np.maximum(counts, 1)[:, None]
    dist2 = np.sum((means[pairs[:, 0]] - means[pairs[:, 1]]) ** 2, axis=1)
    rag = RAG()
    for label in np.unique(flat).tolist():
        rag.add_node(label, labels=[label], **{"mean color": means[label]})
    rag.add_weighted_edges_from(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(),
                                    np.exp(-dist2 / sigma).tolist()))
    return rag


def recursive_ncut(image: np.ndarray, *, n_segments: int = 200, compactness: float = 10.0,
                   sigma: float = 100.0, thresh: float = 0.2, num_cuts: int = 10,
                   random_state: int | np.random.Generator | None = 0) -> Trace:
    """Recursive two-way Ncut on a superpixel region adjacency graph.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) uint8 ndarray
    n_segments : int
        Approximate number of SLIC superpixels (the RAG's nodes).
    compactness : float
        SLIC compactness on the Lab scale (divided by 100 for gray images,
        which SLIC rescales to [0, 1]).
    sigma : float
        RAG similarity :math:`w = \\exp(-\\|\\bar c_i - \\bar c_j\\|^2 / \\sigma)`
        between mean colours (grey levels) of adjacent superpixels.
    thresh : float
        A subgraph is split only while its best Ncut is below ``thresh``.
    num_cuts : int
        Thresholds tried on each eigenvector.
    random_state : int, Generator or None
        Seed of the eigensolver's start vector (deterministic for an int).

    Returns
    -------
    Trace
        ``output``: ``labels`` (H, W) int32 from 0, ``superpixels`` (H, W)
        int32, ``n_regions``. Steps: superpixels, RAG weights, Ncut labels.

    Raises
    ------
    ValueError
        For a malformed image or non-positive parameters.

    Notes
    -----
    Each recursion solves :math:`(D - W) y = \\lambda D y` on the current
    subgraph and stops when :math:`Ncut \\ge` ``thresh``.

    References
    ----------
    .. [1] J. Shi and J. Malik, "Normalized cuts and image segmentation",
           IEEE TPAMI 22(8), 2000.

    Examples
    --------
    >>> img = np.zeros((40, 40), np.uint8); img[:, 20:] = 200
    >>> t = recursive_ncut(img, n_segments=16)
    >>> t.n_regions, len(np.unique(t.labels[:, :20])), len(np.unique(t.labels[:, 20:]))
    (2, 1, 1)
    """
    image = _validate_rag_ncut_args(image, n_segments, compactness, sigma, thresh, num_cuts)
    rec = TraceRecorder()
    warnings = []
    superpixels = _superpixels(image, n_segments, compactness).astype(np.int32)
    n_super = int(superpixels.max())
    rec.add("superpixels", superpixels, f"SLIC gives {n_super} superpixels, the RAG's nodes.",
            nodes=n_super)
    if n_super < 2:
        warnings.append("SLIC produced a single superpixel (flat image?); nothing to cut.")
        labels = np.zeros(image.shape[:2], np.int32)
        return rec.finish({"labels": labels, "superpixels": superpixels, "n_regions": 1},
                          {"n_segments": n_segments}, warnings)
    rag = _region_adjacency_graph(image, superpixels, sigma)
    edge_weights = np.array([d["weight"] for _, _, d in rag.edges(data=True)])
    rec.add("RAG", edge_weights, f"{rag.number_of_edges()} edges between adjacent superpixels.",
            mean_weight=float(edge_weights.mean()) if len(edge_weights) else 0.0)
    rng = np.random.default_rng(random_state)
    with limited_threads():
        cut = cut_normalized(superpixels, rag, thresh=thresh, num_cuts=num_cuts, rng=rng)
    labels = np.unique(cut, return_inverse=True)[1].reshape(cut.shape).astype(np.int32)
    n_regions = int(labels.max()) + 1
    rec.add("normalized cut", labels, f"Recursive Ncut keeps {n_regions} regions.", regions=n_regions)
    params = {"n_segments": n_segments, "compactness": compactness, "sigma": sigma,
              "thresh": thresh, "num_cuts": num_cuts}
    return rec.finish({"labels": labels, "superpixels": superpixels, "n_regions": n_regions},
                      params, warnings)
