"""Normalized cut: the relaxed eigenproblem, the threshold sweep, and recursion on a RAG.

Minimising Ncut exactly is NP-complete. Shi and Malik relax the indicator
vector to real values ``y`` and solve the generalized eigenproblem

.. math:: (D - W) y = \\lambda D y, \\qquad D = \\mathrm{diag}(d), \\; d_i = \\sum_j w_{ij}.

The smallest eigenvalue is 0 (constant ``y``); the eigenvector of the second
smallest, :math:`y_2`, is a soft segmentation. Splitting it at the threshold
with the lowest Ncut gives the partition. For full-size images the same cut
is applied recursively to a region adjacency graph of superpixels: see
:mod:`segcore.classical.rag_ncut`.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import eigh

from segcore.classical.cut_measures import UNCONNECTED_CUT_RATIO, partition_measures
from segcore.threads import limited_threads
from segcore.trace import Trace, TraceRecorder

__all__ = ["spectral_ncut"]

#: Degree given to nodes without any connection so that D stays invertible.
_ISOLATED_DEGREE = 1e-9

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
    with limited_threads():
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
