"""Score a label map against a synthetic scene's ground truth: the one scoring path.

Every classical page scores its result here, so pixel accuracy, IoU and mIoU
mean the same thing everywhere, and the scene's VOID pixels (unlabelled, like
COCO's id 0) are handled one way: they are left out of every count and never
take part in matching clusters to classes.

Notes
-----
With the confusion matrix :math:`n_{ij}` over the scored (non-VOID) pixels,
ground-truth class i predicted as j (lecture: pixel accuracy and IoU):

.. math::

    \\text{pixel accuracy} = \\frac{\\sum_i n_{ii}}{\\sum_{ij} n_{ij}}, \\qquad
    \\mathrm{IoU}_i = \\frac{n_{ii}}{\\sum_j n_{ij} + \\sum_j n_{ji} - n_{ii}}, \\qquad
    \\mathrm{mIoU} = \\operatorname{mean}_{i:\\ \\mathrm{IoU}_i \\neq \\mathrm{nan}} \\mathrm{IoU}_i

VOID is never a class: it has no IoU and does not enter the mean. A
prediction that says "VOID" (label 0 on a scene with VOID) on a labelled pixel
is simply wrong there.

Unsupervised results (k-means clusters, regions, cut sides) number their
parts arbitrarily; ``match_clusters=True`` first maps every cluster id to a
class by the Hungarian algorithm on the non-VOID pixels
(:func:`segcore.metrics.match_clusters`): the one-to-one assignment that
maximises agreeing pixels, extra clusters to the class they overlap most.
"""

from __future__ import annotations

import numpy as np

from segcore import metrics
from segcore.scenes import VOID, Scene

__all__ = ["VOID", "BINARY_CLASSES", "score_against_scene"]

#: Class names of a binary (object vs background) score.
BINARY_CLASSES = ("background", "object")


def _validate_labels(labels, scene: Scene, binary: bool) -> np.ndarray:
    """Return ``labels`` as a non-negative int64 map of the scene's shape."""
    arr = np.asarray(labels)
    if arr.shape != scene.semantic.shape:
        raise ValueError(f"labels must have the scene's shape {scene.semantic.shape}, "
                         f"got {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool):
        raise ValueError(f"labels must be an integer label map or a boolean mask, got {arr.dtype}")
    arr = arr.astype(np.int64)
    if arr.size and arr.min() < 0:
        raise ValueError(f"labels must be non-negative, found {arr.min()}")
    if binary and arr.size and arr.max() > 1:
        raise ValueError(f"a binary score needs a mask (0/1), found label {arr.max()}")
    return arr


def _matched(gt: np.ndarray, pred: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Cluster ids of ``pred`` mapped to the scored ``classes`` (Hungarian, see the notes)."""
    compact = np.searchsorted(classes, gt)  # gt class -> 0..len(classes)-1
    return classes[metrics.match_clusters(compact, pred, len(classes))]


def score_against_scene(labels, scene: Scene, *, match_clusters: bool = False,
                        binary: bool = False, object_classes=None) -> dict:
    """Pixel accuracy, IoU per class and mIoU of a label map, VOID pixels ignored.

    Parameters
    ----------
    labels : (H, W) int or bool array
        Class ids of the scene (``0..scene.num_classes - 1``), or arbitrary
        non-negative cluster ids with ``match_clusters=True``, or a mask with
        ``binary=True``.
    scene : segcore.scenes.Scene
        The ground truth. Its VOID pixels (``scene.void``) are never counted.
    match_clusters : bool
        Map cluster ids to classes first (Hungarian matching on the non-VOID
        pixels; with ``binary=True`` it decides which side is the object).
    binary : bool
        Score a mask against the scene's foreground (every class but class 0),
        with the classes :data:`BINARY_CLASSES`.
    object_classes : sequence of int, optional
        With ``binary=True``: the classes that make the object instead of the
        foreground. One class ``c`` names the two sides ``("rest", name of c)``.

    Returns
    -------
    dict
        ``pixel_accuracy`` (float), ``miou`` (float, nan-mean over the scored
        classes), ``iou`` (class name -> IoU for every scored class, nan where
        a class is absent from both ground truth and prediction), ``dice``
        (two scored classes: Dice of the second, the object; more: the mean
        Dice over the classes present, Dice = 2 IoU / (1 + IoU) per class),
        ``scored_pixels`` and ``void_pixels`` (ints).

    Raises
    ------
    ValueError
        If ``labels`` has the wrong shape or dtype, negative ids, ids that are
        not classes of the scene (without ``match_clusters``), or is not a mask
        with ``binary=True``.

    Examples
    --------
    >>> from segcore.scenes import make_scene
    >>> scene = make_scene("street", seed=0, size=64)
    >>> labels = np.where(scene.void, 3, scene.semantic)  # wrong on VOID only
    >>> score_against_scene(labels, scene)["miou"]
    1.0
    """
    pred = _validate_labels(labels, scene, binary)
    if object_classes is not None and not binary:
        raise ValueError("object_classes needs binary=True")
    keep = ~scene.void
    n_void = keep.size - int(keep.sum())
    if binary:
        names = BINARY_CLASSES
        if object_classes is None:
            gt = scene.foreground.astype(np.int64)
        else:
            gt = np.isin(scene.semantic, list(object_classes)).astype(np.int64)
            if len(object_classes) == 1:
                names = ("rest", scene.class_names[int(object_classes[0])])
        classes = np.arange(2)
    else:
        gt = scene.semantic.astype(np.int64)
        classes = np.arange(1 if scene.has_void else 0, scene.num_classes)  # VOID is class 0
        names = tuple(scene.class_names[c] for c in classes)
    gt, pred = gt[keep], pred[keep]
    if match_clusters:
        pred = _matched(gt, pred, classes)
    n_labels = 2 if binary else scene.num_classes
    if pred.size and pred.max() >= n_labels:
        raise ValueError(f"labels must be class ids 0..{n_labels - 1} of the scene (or pass "
                         f"match_clusters=True for cluster ids), found {pred.max()}")
    iou = metrics.iou_per_class(gt, pred, n_labels)[classes]
    report = {
        "pixel_accuracy": metrics.pixel_accuracy(gt, pred) if gt.size else float("nan"),
        "miou": float(np.nanmean(iou)) if not np.all(np.isnan(iou)) else float("nan"),
        "iou": {name: float(v) for name, v in zip(names, iou)},
        "scored_pixels": int(gt.size),
        "void_pixels": n_void,
    }
    if len(classes) == 2:
        report["dice"] = metrics.dice(gt == classes[1], pred == classes[1])
    elif not np.all(np.isnan(iou)):
        report["dice"] = float(np.nanmean(2 * iou / (1 + iou)))
    return report
