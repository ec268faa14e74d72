"""The seminar deck's 5 x 5 worked example of pixel accuracy and IoU, cell by cell.

The slides ("Image Segmentation: Evaluation") draw a 5 x 5 grid with a target
(ground-truth object), a prediction and their overlap, and compute

.. math:: PA = \\frac{Correct}{Total} = \\frac{6}{25}, \\qquad
          IoU = \\frac{Intersect}{Union} = \\frac{6}{12}.

The figure itself did not survive in the notes; the numbers fix it up to a
shift: a 3 x 3 target and a 3 x 3 prediction one cell to the right overlap in
6 cells, and their union is 9 + 9 - 6 = 12 cells. :data:`LECTURE_TARGET` and
:data:`LECTURE_PREDICTION` are that layout.

The slide's 6/25 counts only the *overlapped* object cells as correct. The
13 cells that are background in both are classified correctly too, and
pixel accuracy as benchmarks define it (and
:func:`segcore.metrics.pixel_accuracy`) counts them: 19/25. That gap is the
class imbalance the panoptic deck warns about ("Accuracy? Heavily
unbalanced"), and why it recommends IoU and per-class accuracy, averaged over
classes. :func:`cell_by_cell` returns every count and every metric, each as
a fraction of cell counts and as the value segcore's metric functions give.
"""

from __future__ import annotations

import numpy as np

from segcore import metrics

__all__ = ["SIZE", "BACKGROUND", "OBJECT", "CLASS_NAMES", "TN", "FP", "FN", "TP", "KIND_NAMES",
           "LECTURE_TARGET", "LECTURE_PREDICTION", "cell_kinds", "cell_by_cell"]

SIZE = 5
BACKGROUND, OBJECT = 0, 1
CLASS_NAMES = ("background", "object")
#: What a cell is: background in both, predicted only, target only, overlapped.
TN, FP, FN, TP = 0, 1, 2, 3
KIND_NAMES = {TN: "TN", FP: "FP", FN: "FN", TP: "TP"}

LECTURE_TARGET = np.zeros((SIZE, SIZE), np.uint8)
LECTURE_TARGET[1:4, 1:4] = OBJECT
LECTURE_PREDICTION = np.zeros((SIZE, SIZE), np.uint8)
LECTURE_PREDICTION[1:4, 2:5] = OBJECT
LECTURE_TARGET.flags.writeable = False
LECTURE_PREDICTION.flags.writeable = False


def _validate_grids(target, prediction) -> tuple[np.ndarray, np.ndarray]:
    grids = []
    for name, grid in (("target", target), ("prediction", prediction)):
        arr = np.asarray(grid)
        if arr.ndim != 2 or arr.size == 0:
            raise ValueError(f"{name} must be a non-empty 2-D grid, got shape {arr.shape}")
        if not np.isin(arr, (BACKGROUND, OBJECT)).all():
            raise ValueError(f"{name} cells must be 0 (background) or 1 (object), "
                             f"found {sorted(set(np.unique(arr).tolist()) - {0, 1})[:3]}")
        grids.append(arr.astype(np.int64))
    if grids[0].shape != grids[1].shape:
        raise ValueError(f"target and prediction must have the same shape, got "
                         f"{grids[0].shape} and {grids[1].shape}")
    return grids[0], grids[1]


def cell_kinds(target, prediction) -> np.ndarray:
    """Each cell as TN (0), FP (1, predicted only), FN (2, target only) or TP (3, overlap).

    Examples
    --------
    >>> cell_kinds([[0, 1, 1]], [[0, 0, 1]]).tolist()
    [[0, 2, 3]]
    """
    t, p = _validate_grids(target, prediction)
    return (2 * t + p).astype(np.int64)


def _fraction(num: int, den: int, value: float) -> dict:
    return {"num": int(num), "den": int(den), "value": float(value)}


def cell_by_cell(target, prediction) -> dict:
    """Counts and metrics of a binary prediction against its target, cell by cell.

    Parameters
    ----------
    target, prediction : (H, W) array of 0/1
        Ground truth and prediction: 1 = object, 0 = background.

    Returns
    -------
    dict
        ``kinds`` (H, W) from :func:`cell_kinds`; ``counts`` {"TP", "FP",
        "FN", "TN", "total"}; and metrics as ``{"num", "den", "value"}``
        (``value`` from :mod:`segcore.metrics`, equal to num / den):
        ``overlap_accuracy`` (the slide's PA: TP / all), ``pixel_accuracy``
        ((TP + TN) / all), ``class_accuracy`` and ``iou`` (dicts by class
        name; ``value`` nan and ``den`` 0 where undefined), ``dice`` (object).
        Also ``mean_class_accuracy`` and ``miou`` (nan-means over classes).

    Raises
    ------
    ValueError
        For grids of different shapes or with values other than 0 and 1.

    Examples
    --------
    >>> r = cell_by_cell(LECTURE_TARGET, LECTURE_PREDICTION)
    >>> r["counts"]
    {'TP': 6, 'FP': 3, 'FN': 3, 'TN': 13, 'total': 25}
    >>> [(r[m]["num"], r[m]["den"]) for m in ("overlap_accuracy", "pixel_accuracy", "dice")]
    [(6, 25), (19, 25), (12, 18)]
    >>> r["iou"]["object"]["num"], r["iou"]["object"]["den"]
    (6, 12)
    """
    t, p = _validate_grids(target, prediction)
    kinds = 2 * t + p
    tp, fp, fn, tn = (int((kinds == kind).sum()) for kind in (TP, FP, FN, TN))
    cm = metrics.confusion_matrix(t, p, 2)
    iou = metrics.iou_per_class(t, p, 2)
    accuracy = metrics.per_class_accuracy(t, p, 2)
    union = cm.sum(axis=0) + cm.sum(axis=1) - np.diag(cm)
    return {
        "kinds": kinds,
        "counts": {"TP": tp, "FP": fp, "FN": fn, "TN": tn, "total": int(kinds.size)},
        "overlap_accuracy": _fraction(tp, kinds.size, tp / kinds.size),
        "pixel_accuracy": _fraction(tp + tn, kinds.size, metrics.pixel_accuracy(t, p)),
        "class_accuracy": {name: _fraction(cm[c, c], cm[c].sum(), accuracy[c])
                           for c, name in enumerate(CLASS_NAMES)},
        "mean_class_accuracy": _nanmean(accuracy),
        "iou": {name: _fraction(cm[c, c], union[c], iou[c]) for c, name in enumerate(CLASS_NAMES)},
        "miou": metrics.mean_iou(t, p, 2),
        "dice": _fraction(2 * tp, 2 * tp + fp + fn, metrics.dice(t == OBJECT, p == OBJECT)),
    }


def _nanmean(values: np.ndarray) -> float:
    return float("nan") if np.all(np.isnan(values)) else float(np.nanmean(values))
