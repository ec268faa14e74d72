"""Pixel-level segmentation metrics, as defined in the lectures.

All functions take integer label maps of equal shape. ``ignore_index`` marks
pixels (in the ground truth) that are left out of every count, the way
datasets mark unlabelled pixels with ``IGNORE = 255``.

Notes
-----
With the confusion matrix :math:`n_{ij}` (ground truth class i predicted as j):

.. math::

    \\text{pixel accuracy} = \\frac{\\sum_i n_{ii}}{\\sum_{ij} n_{ij}}, \\qquad
    \\text{per-class accuracy}_i = \\frac{n_{ii}}{\\sum_j n_{ij}}, \\qquad
    \\mathrm{IoU}_i = \\frac{n_{ii}}{\\sum_j n_{ij} + \\sum_j n_{ji} - n_{ii}}, \\qquad
    \\mathrm{Dice} = \\frac{2 |A \\cap B|}{|A| + |B|}
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = [
    "IGNORE",
    "confusion_matrix",
    "iou_per_class",
    "mean_iou",
    "pixel_accuracy",
    "per_class_accuracy",
    "dice",
    "soft_dice_loss",
    "cross_entropy",
    "match_clusters",
    "segmentation_report",
]

IGNORE = 255
_EPS = 1e-7


def _validate_pair(gt, pred, num_classes=None, ignore_index=None):
    """Return flattened int64 gt/pred with ignored pixels removed."""
    gt = np.asarray(gt)
    pred = np.asarray(pred)
    if gt.shape != pred.shape:
        raise ValueError(f"gt and pred must have the same shape, got {gt.shape} and {pred.shape}")
    for name, arr in (("gt", gt), ("pred", pred)):
        if not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool):
            raise ValueError(f"{name} must be an integer label map, got dtype {arr.dtype}")
    gt = gt.astype(np.int64).ravel()
    pred = pred.astype(np.int64).ravel()
    if ignore_index is not None:
        keep = gt != ignore_index
        gt, pred = gt[keep], pred[keep]
    if num_classes is not None:
        if num_classes < 1:
            raise ValueError(f"num_classes must be >= 1, got {num_classes}")
        for name, arr in (("gt", gt), ("pred", pred)):
            if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
                raise ValueError(
                    f"{name} labels must lie in 0..{num_classes - 1} (num_classes={num_classes}), "
                    f"found {arr.min()}..{arr.max()}")
    return gt, pred


def confusion_matrix(gt, pred, num_classes, ignore_index=None):
    """Count pixels of ground-truth class i predicted as class j.

    Parameters
    ----------
    gt, pred : (H, W) int array
        Ground-truth and predicted class labels in ``0..num_classes-1``.
    num_classes : int
        Number of classes C.
    ignore_index : int, optional
        Ground-truth label whose pixels are not counted.

    Returns
    -------
    (C, C) int64 array
        Rows are ground truth, columns are prediction (sklearn's convention).

    Raises
    ------
    ValueError
        If shapes differ, dtypes are not integer, or labels are out of range.

    Examples
    --------
    >>> confusion_matrix([[0, 1], [1, 1]], [[0, 1], [0, 1]], 2)
    array([[1, 0],
           [1, 2]])
    """
    g, p = _validate_pair(gt, pred, num_classes, ignore_index)
    return np.bincount(g * num_classes + p, minlength=num_classes**2).reshape(
        num_classes, num_classes).astype(np.int64)


def iou_per_class(gt, pred, num_classes, ignore_index=None):
    """Intersection over union of every class (Jaccard index).

    Returns
    -------
    (C,) float array
        ``nan`` where a class is absent from both gt and pred.

    Examples
    --------
    >>> iou_per_class([[0, 1], [1, 1]], [[0, 1], [0, 1]], 3)
    array([0.5       , 0.66666667,        nan])
    """
    cm = confusion_matrix(gt, pred, num_classes, ignore_index)
    inter = np.diag(cm).astype(float)
    union = cm.sum(0) + cm.sum(1) - np.diag(cm)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / np.maximum(union, 1), np.nan)


def mean_iou(gt, pred, num_classes, ignore_index=None):
    """Mean IoU over the classes present in gt or pred (nan-mean of :func:`iou_per_class`).

    Examples
    --------
    >>> round(mean_iou([[0, 1], [1, 1]], [[0, 1], [0, 1]], 3), 4)
    0.5833
    """
    iou = iou_per_class(gt, pred, num_classes, ignore_index)
    if np.all(np.isnan(iou)):
        return float("nan")
    return float(np.nanmean(iou))


def pixel_accuracy(gt, pred, ignore_index=None):
    """Fraction of (non-ignored) pixels whose predicted label equals the ground truth.

    Returns ``nan`` (with a warning) when every pixel is ignored.

    Examples
    --------
    >>> pixel_accuracy([[0, 1], [1, 1]], [[0, 1], [0, 1]])
    0.75
    """
    g, p = _validate_pair(gt, pred, None, ignore_index)
    if g.size == 0:
        warnings.warn("pixel_accuracy: no pixels left after ignore_index", RuntimeWarning, stacklevel=2)
        return float("nan")
    return float(np.mean(g == p))


def per_class_accuracy(gt, pred, num_classes, ignore_index=None):
    """Per-class accuracy: of the pixels of class c in the ground truth, the share predicted c.

    The panoptic deck lists it next to IoU because plain pixel accuracy is
    dominated by the biggest class ("heavily unbalanced"); averaging this over
    the classes gives every class the same weight.

    Returns
    -------
    (C,) float array
        :math:`n_{cc} / \\sum_j n_{cj}` (the recall of class c); ``nan``
        where class c has no ground-truth pixel.

    Examples
    --------
    >>> per_class_accuracy([[0, 1], [1, 1]], [[0, 1], [0, 1]], 3)
    array([1.        , 0.66666667,        nan])
    """
    cm = confusion_matrix(gt, pred, num_classes, ignore_index)
    total = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, np.diag(cm) / np.maximum(total, 1), np.nan)


def dice(gt_mask, pred_mask):
    """Dice coefficient 2|A n B| / (|A| + |B|) of two binary masks.

    Two empty masks agree perfectly: the result is 1.0.

    Examples
    --------
    >>> dice([[1, 1], [0, 0]], [[1, 0], [0, 0]])
    0.6666666666666666
    """
    a = np.asarray(gt_mask).astype(bool)
    b = np.asarray(pred_mask).astype(bool)
    if a.shape != b.shape:
        raise ValueError(f"gt_mask and pred_mask must have the same shape, got {a.shape} and {b.shape}")
    total = a.sum() + b.sum()
    if total == 0:
        return 1.0
    return float(2.0 * np.logical_and(a, b).sum() / total)


SOFT_DICE_EPS = 1e-6
_SOFT_DICE_AXES = {1: (0,), 2: (0, 1), 3: (1, 2), 4: (0, 2, 3)}  # pixel (and batch) axes


def _validate_soft_dice(probs, target):
    """Return probs and target as float numpy arrays, or both as torch tensors if one is.

    torch is never imported here: a tensor can only exist if torch already was.
    """
    torch = sys.modules.get("torch")
    if torch is not None and (isinstance(probs, torch.Tensor) or isinstance(target, torch.Tensor)):
        dtype = probs.dtype if isinstance(probs, torch.Tensor) else target.dtype
        probs = torch.as_tensor(probs, dtype=dtype)
        target = torch.as_tensor(target, dtype=dtype, device=probs.device)
    else:
        probs = np.asarray(probs, dtype=float)
        target = np.asarray(target, dtype=float)
    if tuple(probs.shape) != tuple(target.shape):
        raise ValueError(f"probs and target must have the same shape, got {tuple(probs.shape)} "
                         f"and {tuple(target.shape)}")
    if probs.ndim not in _SOFT_DICE_AXES:
        raise ValueError(f"probs must be a mask, (C, H, W) or (N, C, H, W), got {probs.ndim} "
                         f"dimensions")
    return probs, target


def soft_dice_loss(probs, target, eps=SOFT_DICE_EPS):
    """The lecture's soft Dice loss, 1 - 2 sum(y p) / (sum y^2 + sum p^2), averaged over classes.

    One definition for the page's numbers and for training: numpy arrays (or
    lists) give a float, torch tensors give a differentiable 0-d tensor
    computed with the same operations.

    Parameters
    ----------
    probs : array or torch.Tensor of float in [0, 1]
        Predicted probabilities: one mask (``(P,)`` or ``(H, W)``), one image
        ``(C, H, W)`` or a batch ``(N, C, H, W)``.
    target : array or torch.Tensor, same shape
        Ground truth, {0, 1} (one-hot along C for several classes).
    eps : float
        Smoothing added to numerator and denominator, beyond the lecture
        (whose formula has none); the shipped FCN weights were trained with
        the default. ``eps=0`` gives the lecture's value exactly.

    Returns
    -------
    float or torch.Tensor
        The loss in [0, 1]; a 0-d tensor (with gradient) for tensor input.

    Raises
    ------
    ValueError
        If the shapes differ or have more than 4 dimensions.

    Notes
    -----
    The practical deck's slide "Variation: Dice-Loss" computes, for
    each class mask c, with :math:`y` the ground truth and :math:`p` the
    predicted probability of c at each pixel,

    .. math::

        L_c = 1 - \\frac{2 \\sum_{\\text{pixels}} y\\,p + \\varepsilon}
                          {\\sum_{\\text{pixels}} y^2 + \\sum_{\\text{pixels}} p^2 + \\varepsilon},
        \\qquad L = \\frac{1}{C} \\sum_c L_c ,

    "repeated over all classes and averaged". The lecture's formula has
    :math:`\\varepsilon = 0`; the default 1e-6 changes a value by at most
    about :math:`\\varepsilon / (\\sum y^2 + \\sum p^2)`. A class absent from
    both maps (denominator 0) counts as perfect agreement, loss 0, as
    :func:`dice` does for two empty masks. The sums run over the pixels,
    and over the batch for ``(N, C, H, W)`` input (one mask per class).
    With {0, 1} masks :math:`y^2 = y`, :math:`p^2 = p` and, at
    :math:`\\varepsilon = 0`, :math:`1 - L_c` is the Dice coefficient
    :math:`2|A \\cap B| / (|A| + |B|)` of :func:`dice`.

    Examples
    --------
    One pixel of the class at 0.9, one background pixel at 0.1:
    1 - 2 (0.9) / (1 + 0.81 + 0.01) = 0.011.

    >>> round(soft_dice_loss([0.9, 0.1], [1, 0]), 4)
    0.011
    >>> import torch
    >>> p = torch.tensor([0.9, 0.1], requires_grad=True)
    >>> loss = soft_dice_loss(p, torch.tensor([1.0, 0.0]))
    >>> round(loss.item(), 4), loss.requires_grad
    (0.011, True)
    """
    probs, target = _validate_soft_dice(probs, target)
    axes = _SOFT_DICE_AXES[probs.ndim]
    inter = (probs * target).sum(axes)
    denom = (target ** 2).sum(axes) + (probs ** 2).sum(axes)
    empty = denom + eps == 0  # a class in neither map: 0 / 0 read as perfect agreement
    loss = (1.0 - (2.0 * inter + eps + empty) / (denom + eps + empty)).mean()
    return float(loss) if isinstance(loss, (np.ndarray, np.generic)) else loss


def cross_entropy(probs, labels, ignore_index=None):
    """Mean pixel-wise cross entropy -log p(true class).

    Parameters
    ----------
    probs : (C, H, W) float array
        Class probabilities per pixel (each pixel sums to 1).
    labels : (H, W) int array
        True class per pixel.
    ignore_index : int, optional
        Label whose pixels are skipped.

    Examples
    --------
    >>> p = np.array([[[0.5]], [[0.5]]])
    >>> round(cross_entropy(p, np.array([[1]])), 4)
    0.6931
    """
    probs = np.asarray(probs, dtype=float)
    labels = np.asarray(labels).astype(np.int64)
    if probs.ndim != 3 or probs.shape[1:] != labels.shape:
        raise ValueError(f"probs must be (C, H, W) matching labels (H, W), got {probs.shape} and {labels.shape}")
    keep = np.ones(labels.shape, bool) if ignore_index is None else labels != ignore_index
    if labels[keep].size and (labels[keep].min() < 0 or labels[keep].max() >= probs.shape[0]):
        raise ValueError(f"labels must lie in 0..{probs.shape[0] - 1}")
    rows, cols = np.nonzero(keep)
    if rows.size == 0:
        return float("nan")
    picked = probs[labels[rows, cols], rows, cols]
    return float(-np.mean(np.log(np.clip(picked, _EPS, 1.0))))


def match_clusters(gt, pred, num_classes=None):
    """Relabel arbitrary cluster ids so they best agree with ground-truth classes.

    Unsupervised methods (k-means, mean shift) number their clusters
    arbitrarily. The Hungarian algorithm finds the one-to-one assignment of
    clusters to classes that maximises the number of agreeing pixels; extra
    clusters (more clusters than classes) go to the class they overlap most.

    Parameters
    ----------
    gt : (H, W) int array
        Ground-truth classes ``0..num_classes-1``.
    pred : (H, W) int array
        Cluster ids (any non-negative integers).
    num_classes : int, optional
        Number of gt classes; default ``gt.max() + 1``.

    Returns
    -------
    (H, W) int64 array
        ``pred`` expressed in ground-truth class ids.

    Examples
    --------
    >>> match_clusters(np.array([0, 0, 1, 1]), np.array([7, 7, 3, 3])).tolist()
    [0, 0, 1, 1]
    """
    gt = np.asarray(gt)
    pred = np.asarray(pred)
    g, p = _validate_pair(gt, pred)
    if p.size and p.min() < 0:
        raise ValueError("pred cluster ids must be non-negative")
    n_cls = int(num_classes if num_classes is not None else (g.max() + 1 if g.size else 1))
    cluster_ids, p_compact = np.unique(p, return_inverse=True)
    n_clu = cluster_ids.size
    overlap = np.bincount(p_compact * n_cls + g, minlength=n_clu * n_cls).reshape(n_clu, n_cls)
    rows, cols = linear_sum_assignment(-overlap)
    mapping = overlap.argmax(axis=1)
    mapping[rows] = cols
    return mapping[p_compact].reshape(pred.shape).astype(np.int64)


def segmentation_report(gt, pred, num_classes, class_names=None, ignore_index=None):
    """All pixel metrics of a prediction against ground truth, for a metrics panel.

    Returns
    -------
    dict
        ``pixel_accuracy``, ``mean_iou``, ``iou`` (class name -> IoU, classes
        absent from both left out) and, for two classes, ``dice`` of class 1.

    Examples
    --------
    >>> r = segmentation_report([[0, 1], [1, 1]], [[0, 1], [0, 1]], 2, ("bg", "fg"))
    >>> r["pixel_accuracy"], round(r["dice"], 3)
    (0.75, 0.8)
    """
    names = list(class_names) if class_names is not None else [str(i) for i in range(num_classes)]
    if len(names) != num_classes:
        raise ValueError(f"class_names must have {num_classes} entries, got {len(names)}")
    iou = iou_per_class(gt, pred, num_classes, ignore_index)
    report = {
        "pixel_accuracy": pixel_accuracy(gt, pred, ignore_index),
        "mean_iou": mean_iou(gt, pred, num_classes, ignore_index),
        "iou": {n: float(v) for n, v in zip(names, iou) if not np.isnan(v)},
    }
    if num_classes == 2:
        g, p = _validate_pair(gt, pred, num_classes, ignore_index)
        report["dice"] = dice(g == 1, p == 1)
    return report
