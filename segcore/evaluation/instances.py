"""COCO instance-segmentation AP, computed exactly as pycocotools' COCOeval.

The lecture's evaluation protocol: sort the predicted instances by
confidence, match each one to the best still-unmatched ground-truth segment
of its class whose overlap reaches the threshold (a true positive, otherwise
a false positive), read precision and recall down the ranking, and average
the precision over recall levels. COCO fixes the details reproduced here:

* mask IoU; for a *crowd* ground truth the overlap is ``|D n G| / |D|`` and
  a crowd region may absorb any number of detections, which are then
  ignored (neither TP nor FP); non-crowd ground truth is preferred;
* greedy matching in descending score order (a stable sort, so ties keep
  input order), at most ``MAX_DETECTIONS`` detections per category;
* precision made monotone from the right, then read at the 101 recall levels
  ``0, 0.01, ..., 1`` (``np.searchsorted(..., side="left")``), zero past the
  highest recall reached;
* AP = mean of those 101 values over categories that have non-crowd ground
  truth, and over the IoU thresholds ``0.50:0.05:0.95``; ``UNDEFINED`` (-1)
  when no category can be scored, as COCOeval reports.
"""

from __future__ import annotations

import numpy as np

__all__ = ["COCO_IOU_THRESHOLDS", "MAX_DETECTIONS", "RECALL_LEVELS", "UNDEFINED",
           "coco_mask_ap", "coco_mask_ap_images", "mask_iou"]

COCO_IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10, endpoint=True)
RECALL_LEVELS = np.linspace(0.0, 1.0, 101, endpoint=True)
MAX_DETECTIONS = 100
UNDEFINED = -1.0
IOU_CAP = 1 - 1e-10          # COCOeval: a threshold of 1.0 still matches IoU 1
FLOAT32_EXACT = 2 ** 24      # float32 sums of 0/1 are exact below this many pixels


def mask_iou(det_masks: np.ndarray, gt_masks: np.ndarray,
             iscrowd: np.ndarray | None = None) -> np.ndarray:
    """IoU of every detection mask with every ground-truth mask.

    Parameters
    ----------
    det_masks : (D, H, W) bool
    gt_masks : (G, H, W) bool
    iscrowd : (G,) bool, optional
        For a crowd ground truth the overlap is ``|D n G| / |D|``.

    Returns
    -------
    (D, G) float64
        0 where the denominator is empty.

    Notes
    -----
    :math:`\\mathrm{IoU}(D, G) = |D \\cap G| / |D \\cup G|`, and for crowd
    ground truth :math:`|D \\cap G| / |D|` (pycocotools ``maskUtils.iou``).

    Examples
    --------
    >>> d = np.zeros((1, 2, 2), bool); d[0, 0] = True
    >>> g = np.ones((1, 2, 2), bool)
    >>> mask_iou(d, g).tolist(), mask_iou(d, g, np.array([True])).tolist()
    ([[0.5]], [[1.0]])
    """
    pixels = int(np.prod(det_masks.shape[1:] if len(det_masks) else gt_masks.shape[1:]))
    det = det_masks.reshape(len(det_masks), pixels)
    gt = gt_masks.reshape(len(gt_masks), pixels)
    exact = np.float32 if pixels < FLOAT32_EXACT else np.float64   # integer counts stay exact
    inter = (det.astype(exact) @ gt.astype(exact).T).astype(np.float64)
    det_area = np.count_nonzero(det, axis=1).astype(np.float64)[:, None]
    gt_area = np.count_nonzero(gt, axis=1).astype(np.float64)[None, :]
    union = det_area + gt_area - inter
    if iscrowd is not None:
        union = np.where(np.asarray(iscrowd, bool)[None, :], det_area, union)
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _validate_instances(gt, predictions) -> tuple[list[dict], list[dict], tuple[int, int] | None]:
    """Check the dict lists; return them with bool masks and the common shape."""
    shape = None
    checked = []
    for name, items, keys in (("gt", gt, ("mask", "category_id")),
                              ("predictions", predictions, ("mask", "category_id", "score"))):
        if not isinstance(items, (list, tuple)):
            raise ValueError(f"{name} must be a list of dicts, got {type(items).__name__}")
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, dict) or any(k not in item for k in keys):
                raise ValueError(f"{name}[{i}] must be a dict with keys {keys}, got {item!r:.80}")
            mask = np.asarray(item["mask"])
            if mask.ndim != 2:
                raise ValueError(f"{name}[{i}]['mask'] must be a 2-D array, got shape {mask.shape}")
            if shape is not None and mask.shape != shape:
                raise ValueError(f"{name}[{i}]['mask'] has shape {mask.shape}, expected {shape} "
                                 "like the other masks of this image")
            shape = mask.shape
            entry = {"mask": mask.astype(bool), "category_id": int(item["category_id"])}
            if name == "gt":
                entry["iscrowd"] = bool(item.get("iscrowd", 0))
            else:
                score = float(item["score"])
                if not np.isfinite(score):
                    raise ValueError(f"predictions[{i}]['score'] must be finite, got {score}")
                entry["score"] = score
            out.append(entry)
        checked.append(out)
    return checked[0], checked[1], shape


def _sort_by_confidence(dets: list[dict]) -> np.ndarray:
    """Indices of ``dets`` by descending score, stable for ties, top MAX_DETECTIONS."""
    scores = np.array([d["score"] for d in dets], np.float64)
    return np.argsort(-scores, kind="mergesort")[:MAX_DETECTIONS]


def _match(ious: np.ndarray, crowd: np.ndarray, thresholds: np.ndarray):
    """Greedy COCO matching of score-sorted detections to crowd-last ground truth.

    All thresholds advance together, one detection at a time. A detection
    takes the free non-crowd ground truth of highest IoU (the last one on
    ties, as COCOeval's ``>=`` update does) reaching the threshold, and only
    if there is none, a crowd region, which stays free for later detections.

    Returns, per threshold and detection, the matched ground-truth column
    (-1 for none) and whether the detection is ignored (matched to crowd).
    """
    n_det, n_gt = ious.shape
    caps = np.minimum(thresholds, IOU_CAP)[:, None]
    matched = np.full((len(thresholds), n_det), -1)
    ignored = np.zeros((len(thresholds), n_det), bool)
    taken = np.zeros((len(thresholds), n_gt), bool)
    rows = np.arange(len(thresholds))
    for d in range(n_det if n_gt else 0):
        reach = (ious[d] >= caps) & (~taken | crowd)                   # (T, G)
        real = reach & ~crowd
        pool = np.where(real.any(axis=1, keepdims=True), real, reach)
        values = np.where(pool, ious[d], -1.0)
        best = n_gt - 1 - np.argmax(values[:, ::-1], axis=1)           # last of the maxima
        found = pool.any(axis=1)
        matched[found, d] = best[found]
        ignored[found, d] = crowd[best[found]]
        taken[rows[found], best[found]] = True
    return matched, ignored


def _evaluate_category(images: list[tuple[list[dict], list[dict]]], thresholds: np.ndarray):
    """Per-image matching of one category, pooled as COCOeval.accumulate does."""
    scores, hits, ignores, rows, n_positive = [], [], [], [], 0
    for image_index, (gts, dets) in enumerate(images):
        if not gts and not dets:
            continue
        order = _sort_by_confidence(dets)
        dets = [dets[i] for i in order]
        gt_order = np.argsort([g["iscrowd"] for g in gts], kind="mergesort")
        gts = [gts[i] for i in gt_order]
        crowd = np.array([g["iscrowd"] for g in gts], bool)
        n_positive += int((~crowd).sum())
        shape = (gts or dets)[0]["mask"].shape
        ious = mask_iou(np.array([d["mask"] for d in dets]).reshape(len(dets), *shape),
                        np.array([g["mask"] for g in gts]).reshape(len(gts), *shape), crowd)
        matched, ignored = _match(ious, crowd, thresholds)
        scores.append(np.array([d["score"] for d in dets], np.float64))
        hits.append(matched >= 0)
        ignores.append(ignored)
        for d, det in enumerate(dets):
            rows.append({"image": image_index, "det": int(det["index"]), "score": det["score"],
                         "gt": [int(gts[m]["index"]) if m >= 0 else -1 for m in matched[:, d]],
                         "iou": [float(ious[d, m]) if m >= 0 else
                                 float(ious[d].max(initial=0.0)) for m in matched[:, d]],
                         "tp": (matched[:, d] >= 0) & ~ignored[:, d],
                         "ignored": ignored[:, d]})
    if not scores:
        return None
    return _accumulate(np.concatenate(scores), np.concatenate(hits, axis=1),
                       np.concatenate(ignores, axis=1), n_positive, rows)


def _accumulate(scores, hits, ignores, n_positive, rows):
    """Precision/recall down the ranking, monotone envelope, 101-point reading."""
    order = np.argsort(-scores, kind="mergesort")
    hits, ignores = hits[:, order], ignores[:, order]
    rows = [rows[i] for i in order]
    if n_positive == 0:
        return {"precision": None, "raw": None, "rows": rows}
    tp_sum = np.cumsum(hits & ~ignores, axis=1).astype(np.float64)
    fp_sum = np.cumsum(~hits & ~ignores, axis=1).astype(np.float64)
    precision101 = np.zeros((len(hits), len(RECALL_LEVELS)))
    raw = []
    for t, (tp, fp) in enumerate(zip(tp_sum, fp_sum)):
        recall = tp / n_positive
        precision = tp / (fp + tp + np.spacing(1))
        raw.append((recall, precision.copy()))
        precision = np.maximum.accumulate(precision[::-1])[::-1]
        at = np.searchsorted(recall, RECALL_LEVELS, side="left")
        reached = at < len(precision)
        precision101[t, reached] = precision[at[reached]]
    return {"precision": precision101, "raw": raw, "rows": rows}


def _validate_thresholds(iou_thresholds) -> np.ndarray:
    if iou_thresholds is None:
        return COCO_IOU_THRESHOLDS.copy()
    values = np.atleast_1d(np.asarray(iou_thresholds, np.float64))
    if values.ndim != 1 or len(values) == 0 or not np.all((values >= 0) & (values <= 1)):
        raise ValueError(f"iou_thresholds must be a non-empty 1-D list of values in [0, 1], "
                         f"got {iou_thresholds!r}")
    return values


def _mean_valid(per_category: list[np.ndarray]) -> float:
    return float(np.mean(np.stack(per_category))) if per_category else UNDEFINED


def coco_mask_ap_images(gt_images: list[list[dict]], prediction_images: list[list[dict]],
                        iou_thresholds=None) -> dict:
    """COCO mask AP over several images (one COCO dataset, area "all", maxDets 100).

    Parameters and result are those of :func:`coco_mask_ap`, with one list of
    ground truth and one list of predictions per image; each row of
    ``"table"`` carries the ``"image"`` index.

    Examples
    --------
    >>> m = np.zeros((4, 4), bool); m[:2, :2] = True
    >>> r = coco_mask_ap_images([[{"mask": m, "category_id": 1}], []],
    ...                         [[{"mask": m, "category_id": 1, "score": 0.9}], []])
    >>> round(r["AP"], 6)
    1.0
    """
    if len(gt_images) != len(prediction_images):
        raise ValueError(f"gt_images and prediction_images must have the same length, "
                         f"got {len(gt_images)} and {len(prediction_images)}")
    asked = _validate_thresholds(iou_thresholds)
    thresholds = np.union1d(asked, [0.5, 0.75])
    per_image = []
    for gt, preds in zip(gt_images, prediction_images):
        gt, preds, _ = _validate_instances(gt, preds)
        for i, item in enumerate(gt):
            item["index"] = i
        for i, item in enumerate(preds):
            item["index"] = i
        per_image.append((gt, preds))
    categories = sorted({x["category_id"] for gt, preds in per_image for x in gt + preds})
    results = {}
    for category in categories:
        images = [([g for g in gt if g["category_id"] == category],
                   [p for p in preds if p["category_id"] == category]) for gt, preds in per_image]
        results[category] = _evaluate_category(images, thresholds)
    return _summarise(results, thresholds, asked)


def _summarise(results: dict, thresholds: np.ndarray, asked: np.ndarray) -> dict:
    scored = {c: r["precision"] for c, r in results.items() if r and r["precision"] is not None}
    per_iou, pr = {}, {}
    for t, threshold in enumerate(thresholds):
        curves = [p[t] for p in scored.values()]
        key = float(np.round(threshold, 10))
        per_iou[key] = _mean_valid(curves)
        pr[key] = (RECALL_LEVELS.copy(), np.mean(curves, axis=0) if curves
                   else np.full(len(RECALL_LEVELS), UNDEFINED))
    chosen = np.isin(thresholds, asked)
    table = []
    for category, result in results.items():
        for row in (result or {}).get("rows", []):
            table.append({"category_id": category, **row})
    table.sort(key=lambda r: -r["score"])
    per_category = {c: {"AP": float(p[chosen].mean()),
                        "raw": {float(np.round(t, 10)): results[c]["raw"][i]
                                for i, t in enumerate(thresholds)},
                        "pr": {float(np.round(t, 10)): (RECALL_LEVELS.copy(), p[i])
                               for i, t in enumerate(thresholds)}}
                    for c, p in scored.items()}
    return {"AP": _mean_valid([p[chosen] for p in scored.values()]),
            "AP50": per_iou[0.5], "AP75": per_iou[0.75],
            "per_iou": {k: v for k, v in per_iou.items() if np.isin(k, np.round(asked, 10))},
            "pr": {k: v for k, v in pr.items() if np.isin(k, np.round(asked, 10))},
            "thresholds": [float(np.round(t, 10)) for t in thresholds[chosen]],
            "per_category": per_category, "table": table}


def coco_mask_ap(gt: list[dict], predictions: list[dict], iou_thresholds=None) -> dict:
    """COCO mask average precision of one image, as pycocotools COCOeval computes it.

    Parameters
    ----------
    gt : list of dict
        Ground-truth instances: ``"mask"`` (H, W) bool, ``"category_id"`` int,
        optional ``"iscrowd"`` (default 0).
    predictions : list of dict
        Detections: ``"mask"`` (H, W) bool, ``"category_id"`` int, ``"score"`` float.
    iou_thresholds : sequence of float, optional
        Thresholds AP averages over; default COCO's ``0.50:0.05:0.95``.

    Returns
    -------
    dict
        ``"AP"`` (mean over thresholds and categories), ``"AP50"``, ``"AP75"``,
        ``"per_iou"`` {t: AP}, ``"pr"`` {t: (recall (101,), precision (101,))}
        (interpolated precision averaged over categories), plus for teaching
        ``"per_category"`` {id: {"AP", "raw": {t: (recall, precision)},
        "pr": {t: (recall (101,), precision (101,))}}} (``raw`` is the
        un-interpolated curve down the ranking), and ``"table"``: one row
        per detection in descending score order with ``"det"`` (input index),
        ``"category_id"``, ``"score"`` and, per threshold in
        ``"thresholds"`` order, ``"gt"`` (matched input index or -1),
        ``"iou"`` (of the match, else the best overlap), ``"tp"`` and
        ``"ignored"`` (matched to crowd). Values are ``UNDEFINED`` (-1) when
        no category has non-crowd ground truth.

    Raises
    ------
    ValueError
        Malformed entries, masks of different shapes, thresholds outside [0, 1].

    Notes
    -----
    With detections of one class ranked by score, :math:`TP_k` and
    :math:`FP_k` the counts among the top :math:`k` and :math:`N` non-crowd
    ground-truth instances,

    .. math:: P_k = \\frac{TP_k}{TP_k + FP_k}, \\quad R_k = \\frac{TP_k}{N},
              \\quad AP = \\frac{1}{101} \\sum_{r \\in \\{0, 0.01, \\dots, 1\\}}
              \\max_{k: R_k \\ge r} P_k .

    References
    ----------
    T.-Y. Lin et al., "Microsoft COCO: Common Objects in Context", ECCV 2014;
    pycocotools ``cocoeval.py`` (evaluateImg, accumulate, summarize).

    Examples
    --------
    >>> a = np.zeros((8, 8), bool); a[:4, :4] = True
    >>> b = np.zeros((8, 8), bool); b[4:, 4:] = True
    >>> gt = [{"mask": a, "category_id": 1}, {"mask": b, "category_id": 1}]
    >>> preds = [{"mask": a, "category_id": 1, "score": 0.9},
    ...          {"mask": ~a, "category_id": 1, "score": 0.8}]
    >>> r = coco_mask_ap(gt, preds)
    >>> round(r["AP50"], 4), [row["tp"][0] for row in r["table"]]
    (0.505, [np.True_, np.False_])
    """
    return coco_mask_ap_images([gt], [predictions], iou_thresholds)
