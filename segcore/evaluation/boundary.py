"""Boundary F-score: how well the borders of a segmentation sit on the true borders.

Region scores (pixel accuracy, IoU) barely move when a border is off by a few
pixels along a long edge, and they cannot tell a clean outline from a ragged
one. The boundary measure of the Berkeley segmentation benchmark (BSDS) and of
DAVIS compares the *border pixels* instead: a predicted border pixel is
correct when a true border pixel lies within a small tolerance, and the other
way round for recall.

Notes
-----
A pixel p of a label map L is a border pixel when one of its 4-neighbours q
has another label, :math:`L(q) \\ne L(p)` (pixels in ``ignore`` are never
border pixels and never make one). With the border pixel sets :math:`B_{gt}`,
:math:`B_{pred}` and the tolerance :math:`\\tau` (pixels, Euclidean):

.. math::

    P = \\frac{|\\{p \\in B_{pred} : d(p, B_{gt}) \\le \\tau\\}|}{|B_{pred}|}, \\qquad
    R = \\frac{|\\{g \\in B_{gt} : d(g, B_{pred}) \\le \\tau\\}|}{|B_{gt}|}, \\qquad
    F = \\frac{2 P R}{P + R}

Matching is by distance, as DAVIS does it (a border pixel is matched when the
other border passes within the tolerance disk), not the one-to-one bipartite
matching of BSDS, which can only lower P and R slightly. Both borders empty
gives P = R = F = 1; only the prediction empty gives P = 1, R = 0; only the
ground truth empty gives P = 0, R = 1 (the DAVIS conventions).

References
----------
D. Martin, C. Fowlkes, J. Malik, "Learning to detect natural image boundaries
using local brightness, color, and texture cues", IEEE TPAMI 26(5), 2004.
F. Perazzi et al., "A benchmark dataset and evaluation methodology for video
object segmentation" (DAVIS), CVPR 2016.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

__all__ = ["boundary_f_score", "boundary_map"]


def _validate_boundary(gt_labels, pred_labels, tolerance, ignore):
    """Return the two label maps and the ignore mask as arrays of one shape."""
    gt, pred = np.asarray(gt_labels), np.asarray(pred_labels)
    if gt.ndim != 2 or gt.shape != pred.shape:
        raise ValueError(f"gt_labels and pred_labels must be 2-D maps of one shape, got "
                         f"{gt.shape} and {pred.shape}")
    if not np.isfinite(tolerance) or tolerance < 0:
        raise ValueError(f"tolerance must be a finite number >= 0 (pixels), got {tolerance}")
    if ignore is None:
        ignore = np.zeros(gt.shape, bool)
    ignore = np.asarray(ignore, bool)
    if ignore.shape != gt.shape:
        raise ValueError(f"ignore must have the labels' shape {gt.shape}, got {ignore.shape}")
    return gt, pred, ignore


def boundary_map(labels, ignore=None) -> np.ndarray:
    """Border pixels of a label map: a 4-neighbour has another label.

    Parameters
    ----------
    labels : (H, W) array
        Any label map (class ids, cluster ids or a mask).
    ignore : (H, W) bool array, optional
        Pixels that are neither border pixels nor make their neighbours one.

    Returns
    -------
    (H, W) bool ndarray

    Examples
    --------
    >>> boundary_map(np.array([[0, 0, 1, 1]])).astype(int)
    array([[0, 1, 1, 0]])
    """
    labels = np.asarray(labels)
    keep = np.ones(labels.shape, bool) if ignore is None else ~np.asarray(ignore, bool)
    border = np.zeros(labels.shape, bool)
    for axis in (0, 1):
        a = [slice(None)] * 2
        b = [slice(None)] * 2
        a[axis], b[axis] = slice(None, -1), slice(1, None)
        a, b = tuple(a), tuple(b)
        differs = (labels[a] != labels[b]) & keep[a] & keep[b]
        border[a] |= differs
        border[b] |= differs
    return border


def _matched(border: np.ndarray, other: np.ndarray, tolerance: float) -> int:
    """How many pixels of ``border`` lie within ``tolerance`` of a pixel of ``other``."""
    distance = ndi.distance_transform_edt(~other)
    return int(np.count_nonzero(border & (distance <= tolerance)))


def boundary_f_score(gt_labels, pred_labels, tolerance: float = 2, ignore=None) -> dict:
    """Precision, recall and F-score of the predicted borders against the true ones.

    Parameters
    ----------
    gt_labels, pred_labels : (H, W) array
        Ground-truth and predicted label maps. Only where labels change
        matters, so cluster ids need no matching to classes.
    tolerance : float
        Largest distance (pixels, Euclidean) at which two border pixels match.
    ignore : (H, W) bool array, optional
        Pixels left out (e.g. a scene's VOID): never border pixels of either map.

    Returns
    -------
    dict
        ``f_score``, ``precision``, ``recall`` (floats in [0, 1]) and the
        border pixel counts ``n_gt``, ``n_pred``.

    Raises
    ------
    ValueError
        If the maps are not 2-D of one shape, ``ignore`` has another shape, or
        ``tolerance`` is negative or not finite.

    Notes
    -----
    See the module notes: P = matched predicted border pixels / predicted
    border pixels, R = matched true border pixels / true border pixels,
    F = 2 P R / (P + R).

    Examples
    --------
    >>> gt = np.zeros((8, 8), int); gt[:, 4:] = 1
    >>> pred = np.zeros((8, 8), int); pred[:, 5:] = 1
    >>> boundary_f_score(gt, pred, tolerance=1)["f_score"]
    1.0
    >>> boundary_f_score(gt, pred, tolerance=0)["f_score"]
    0.5
    """
    gt, pred, ignore = _validate_boundary(gt_labels, pred_labels, tolerance, ignore)
    gt_border, pred_border = boundary_map(gt, ignore), boundary_map(pred, ignore)
    n_gt, n_pred = int(gt_border.sum()), int(pred_border.sum())
    if n_gt == 0 or n_pred == 0:
        precision = 1.0 if n_pred == 0 else 0.0
        recall = 1.0 if n_gt == 0 else 0.0
    else:
        precision = _matched(pred_border, gt_border, tolerance) / n_pred
        recall = _matched(gt_border, pred_border, tolerance) / n_gt
    total = precision + recall
    f_score = 2 * precision * recall / total if total > 0 else 0.0
    return {"f_score": float(f_score), "precision": float(precision), "recall": float(recall),
            "n_gt": n_gt, "n_pred": n_pred}
