"""Normalized cut: the relaxed eigenproblem, the threshold sweep, and recursion on a RAG.

Minimising Ncut exactly is NP-complete. Shi and Malik relax the indicator
vector to real values ``y`` and solve the generalized eigenproblem

.. math:: (D - W) y = \\lambda D y, \\qquad D = \\mathrm{diag}(d), \\; d_i = \\sum_j w_{ij}.

The smallest eigenvalue is 0 (constant ``y``); the eigenvector of the second
smallest, :math:`y_2`, is a soft segmentation. Splitting it at the threshold
with the lowest Ncut gives the partition. For full-size images the same cut
is applied recursively to a region adjacency graph of superpixels
(``skimage.graph.cut_normalized``).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import eigh
from skimage.graph import RAG, cut_normalized
from threadpoolctl import threadpool_limits
from skimage.segmentation import slic

from segcore.classical.cut_measures import UNCONNECTED_CUT_RATIO, partition_measures
from segcore.trace import Trace, TraceRecorder

__all__ = ["spectral_ncut", "recursive_ncut"]

#: Degree given to nodes without any connection so that D stays invertible.
_ISOLATED_DEGREE = 1e-9
#: BLAS threads per eigensolver call: on a busy 2-core server more threads
#: make ARPACK an order of magnitude slower, and one user must not starve others.
_BLAS_THREADS = 1
#: SLIC rescales a gray image to [0, 1] but works on colour in Lab (L in
#: 0-100); dividing the compactness by this makes one value suit both.
_LAB_L_RANGE = 100.0


def _validate_ncut_args(weights, shape):
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 2 or weights.shape[0] != weights.shape[1] or weights.shape[0] < 2:
        raise ValueError("weights must be a square (n, n) matrix with n >= 2, "
                         f"got shape {weights.shape}")
    if not np.allclose(weights, weights.T) or np.any(weights < 0) or not np.all(np.isfinite(weights)):
        raise ValueError("weights must be symmetric, finite and non-negative")
    if shape is not None and int(np.prod(shape)) != weights.shape[0]:
        raise ValueError(f"shape {tuple(shape)} must hold {weights.shape[0]} nodes")
    return weights


def _degree_matrix(weights: np.ndarray) -> tuple[np.ndarray, int]:
    degree = weights.sum(axis=1)
    isolated = int(np.sum(degree <= 0))
    return np.where(degree > 0, degree, _ISOLATED_DEGREE), isolated


def _laplacian(weights: np.ndarray, degree: np.ndarray) -> np.ndarray:
    return np.diag(degree) - weights


def _solve_generalized_eigenproblem(laplacian: np.ndarray, degree: np.ndarray):
    with threadpool_limits(limits=_BLAS_THREADS):
        values, vectors = eigh(laplacian, np.diag(degree), subset_by_index=[0, 1])
    y2 = vectors[:, 1]
    sign = 1.0 if y2[np.argmax(np.abs(y2))] >= 0 else -1.0
    return values, sign * y2


def _cut_ratio(cut: np.ndarray, assoc: np.ndarray) -> np.ndarray:
    out = np.full_like(cut, UNCONNECTED_CUT_RATIO)
    return np.divide(cut, assoc, out=out, where=assoc > 0)


def _ncut_threshold_sweep(weights: np.ndarray, y: np.ndarray):
    """Ncut of every split ``{y > t}`` at midpoints between sorted distinct values."""
    order = np.argsort(y, kind="stable")
    ys = y[order]
    permuted = weights[np.ix_(order, order)]
    assoc_av = np.cumsum(permuted.sum(axis=1))[:-1]
    assoc_aa = np.diagonal(np.cumsum(np.cumsum(permuted, axis=0), axis=1))[:-1]
    total = permuted.sum()
    cut = assoc_av - assoc_aa
    assoc_bv = total - assoc_av
    ncut = _cut_ratio(cut, assoc_av) + _cut_ratio(cut, assoc_bv)
    distinct = ys[1:] > ys[:-1]
    thresholds = (ys[1:] + ys[:-1])[distinct] / 2.0
    return thresholds, ncut[distinct]


def spectral_ncut(weights: np.ndarray, shape: tuple[int, int] | None = None) -> Trace:
    """Two-way normalized cut from the second generalized eigenvector.

    Parameters
    ----------
    weights : (n, n) float ndarray
        Symmetric non-negative affinity matrix W, n >= 2 (keep n small: the
        dense solver costs O(n^3)).
    shape : tuple of int, optional
        Grid shape ``(h, w)`` with ``h * w == n``; outputs are reshaped to it.

    Returns
    -------
    Trace
        ``output``: ``in_a`` bool (n,) or (h, w), the side ``y2 > t*``;
        ``y2`` the second eigenvector; ``eigenvalues`` the two smallest;
        ``thresholds`` and ``ncut_values`` of the sweep; ``threshold`` t*;
        ``measures`` from :func:`partition_measures`. Steps: degree,
        eigenvector, sweep, partition.

    Raises
    ------
    ValueError
        If W is malformed or ``shape`` does not match it.

    Notes
    -----
    With :math:`x` the indicator of A, :math:`b = assoc(A,V)/assoc(B,V)` and
    :math:`y = (1 + x) - b(1 - x)`, :math:`Ncut(A,B) = y^T (D - W) y / y^T D y`.
    Letting y be real gives the eigenproblem; :math:`\\lambda_2` is a lower
    bound of the minimum Ncut.

    References
    ----------
    .. [1] J. Shi and J. Malik, "Normalized cuts and image segmentation",
           IEEE TPAMI 22(8), 2000.

    Examples
    --------
    >>> w = np.array([[0, 1, .1, 0], [1, 0, 0, .1], [.1, 0, 0, 1], [0, .1, 1, 0]])
    >>> t = spectral_ncut(w)
    >>> t.in_a.tolist(), round(t.measures["ncut"], 3)
    ([True, True, False, False], 0.182)
    """
    weights = _validate_ncut_args(weights, shape)
    rec = TraceRecorder()
    warnings = []
    degree, isolated = _degree_matrix(weights)
    if isolated:
        warnings.append(f"{isolated} node(s) have no connection at all (every affinity ~0); "
                        "they are given a tiny degree so D stays invertible. Try a larger sigma.")
    grid = (lambda a: a.reshape(shape)) if shape is not None else (lambda a: a)
    rec.add("degree", grid(degree), "Degree d_i = sum_j w_ij: each node's total connection.",
            total=float(degree.sum()))
    values, y2 = _solve_generalized_eigenproblem(_laplacian(weights, degree), degree)
    rec.add("eigenvector", grid(y2), "Second generalized eigenvector y2 of (D - W) y = lambda D y.",
            lambda2=float(values[1]))
    thresholds, ncut_values = _ncut_threshold_sweep(weights, y2)
    if len(thresholds) == 0:
        warnings.append("The eigenvector is constant, so no threshold splits the graph; "
                        "all nodes stay in one segment.")
        in_a = np.ones_like(y2, dtype=bool)
        output = {"in_a": grid(in_a), "y2": grid(y2), "eigenvalues": values,
                  "thresholds": thresholds, "ncut_values": ncut_values,
                  "threshold": float("nan"), "measures": None}
        return rec.finish(output, {"n": len(y2)}, warnings)
    best = int(np.argmin(ncut_values))
    in_a = y2 > thresholds[best]
    rec.add("sweep", {"thresholds": thresholds, "ncut": ncut_values},
            f"Ncut at each split of y2; the lowest, {ncut_values[best]:.4f}, "
            f"is at t = {thresholds[best]:.4g}.",
            ncut=float(ncut_values[best]), threshold=float(thresholds[best]))
    measures = partition_measures(weights, in_a)
    rec.add("partition", grid(in_a), f"A = {{y2 > t}} holds {measures['size_a']} of {len(y2)} nodes.",
            ncut=measures["ncut"], cut=measures["cut"])
    output = {"in_a": grid(in_a), "y2": grid(y2), "eigenvalues": values,
              "thresholds": thresholds, "ncut_values": ncut_values,
              "threshold": float(thresholds[best]), "measures": measures}
    return rec.finish(output, {"n": len(y2)}, warnings)


def _validate_recursive_args(image, n_segments, compactness, sigma, thresh, num_cuts):
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
    image = _validate_recursive_args(image, n_segments, compactness, sigma, thresh, num_cuts)
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
    with threadpool_limits(limits=_BLAS_THREADS):
        cut = cut_normalized(superpixels, rag, thresh=thresh, num_cuts=num_cuts, rng=rng)
    labels = np.unique(cut, return_inverse=True)[1].reshape(cut.shape).astype(np.int32)
    n_regions = int(labels.max()) + 1
    rec.add("normalized cut", labels, f"Recursive Ncut keeps {n_regions} regions.", regions=n_regions)
    params = {"n_segments": n_segments, "compactness": compactness, "sigma": sigma,
              "thresh": thresh, "num_cuts": num_cuts}
    return rec.finish({"labels": labels, "superpixels": superpixels, "n_regions": n_regions},
                      params, warnings)
