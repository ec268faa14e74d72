"""An independent port of the COCO panoptic API's per-image PQ loop, for tests only.

``pq_compute_single_core`` and ``PQStat.pq_average`` of cocodataset/panopticapi,
``panopticapi/evaluation.py`` (commit 7bb4655548f98f3fedc07bf37e9040a992b054b0),
ported line by line for one image given as two id maps instead of two PNG files.
It shares no code with :mod:`segcore.evaluation.panoptic`: areas and
intersections are counted pixel by pixel into dicts, and the matching, the
false-negative loop (where ``crowd_labels_dict`` is filled) and the
false-positive loop keep panopticapi's order and conditions. Comments give
the source line numbers.

Differences, all outside the algorithm:

* areas come from pixel counts on the id maps; panopticapi reads the ground
  truth's ``area`` from its JSON (equal for well-formed annotations);
* the PNG / JSON sanity checks (lines 94-107) are left out: segcore validates
  its input in its own way;
* the loops also record which ids were matched, missed, counted as false
  positives or ignored, and the final ``crowd_labels_dict``, so a test can
  compare more than the scores;
* ``pq_average`` with ``n == 0`` returns nan scores (panopticapi would raise
  ZeroDivisionError on ``pq / n``).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

VOID = 0  # line 20


class PQStatCat:
    """Lines 22-34: one category's IoU sum and TP / FP / FN counts."""

    def __init__(self):
        self.iou = 0.0
        self.tp = 0
        self.fp = 0
        self.fn = 0


def pq_compute_single_image(pan_gt, gt_segments_info, pan_pred, pred_segments_info):
    """One iteration of the loop of ``pq_compute_single_core`` (lines 81-163).

    Parameters
    ----------
    pan_gt, pan_pred : (H, W) array of int
        Segment-id maps (what ``rgb2id`` returns), 0 = VOID.
    gt_segments_info, pred_segments_info : list of dict
        The annotations' ``segments_info``: ``{"id", "category_id"}``, plus
        ``"iscrowd"`` on the ground truth (default 0 here).

    Returns
    -------
    dict
        ``pq_per_cat`` (category_id -> PQStatCat), and the ids behind them:
        ``matches`` [(gt, pred, iou)], ``false_negatives``, ``false_positives``,
        ``ignored``, ``crowd`` (every crowd gt id skipped by the FN loop) and
        ``crowd_labels_dict`` (category_id -> the crowd gt id used).
    """
    pq_per_cat = defaultdict(PQStatCat)
    gt_pixels = [int(v) for v in pan_gt.ravel().tolist()]
    pred_pixels = [int(v) for v in pan_pred.ravel().tolist()]

    # lines 91-92 (copies: 'area' is written into the dicts below)
    gt_segms = {el["id"]: dict(el, iscrowd=el.get("iscrowd", 0)) for el in gt_segments_info}
    pred_segms = {el["id"]: dict(el) for el in pred_segments_info}

    # lines 96-102: predicted areas; the ground truth's come from pixels too (JSON in COCO)
    for label, label_cnt in Counter(pred_pixels).items():
        if label == VOID:
            continue
        pred_segms[label]["area"] = label_cnt
    for label, label_cnt in Counter(gt_pixels).items():
        if label in gt_segms:
            gt_segms[label]["area"] = label_cnt

    # lines 109-116: confusion of (gt id, pred id) pairs, VOID included
    gt_pred_map = dict(Counter(zip(gt_pixels, pred_pixels)))

    # lines 118-138: count all matched pairs
    gt_matched = set()
    pred_matched = set()
    matches = []
    for label_tuple, intersection in gt_pred_map.items():
        gt_label, pred_label = label_tuple
        if gt_label not in gt_segms:
            continue
        if pred_label not in pred_segms:
            continue
        if gt_segms[gt_label]["iscrowd"] == 1:
            continue
        if gt_segms[gt_label]["category_id"] != pred_segms[pred_label]["category_id"]:
            continue

        union = (pred_segms[pred_label]["area"] + gt_segms[gt_label]["area"] - intersection
                 - gt_pred_map.get((VOID, pred_label), 0))
        iou = intersection / union
        if iou > 0.5:
            pq_per_cat[gt_segms[gt_label]["category_id"]].tp += 1
            pq_per_cat[gt_segms[gt_label]["category_id"]].iou += iou
            gt_matched.add(gt_label)
            pred_matched.add(pred_label)
            matches.append((gt_label, pred_label, iou))

    # lines 140-149: false negatives; crowd_labels_dict keeps the LAST crowd id per category
    crowd_labels_dict = {}
    false_negatives, crowd = [], []
    for gt_label, gt_info in gt_segms.items():
        if gt_label in gt_matched:
            continue
        # crowd segments are ignored
        if gt_info["iscrowd"] == 1:
            crowd_labels_dict[gt_info["category_id"]] = gt_label
            crowd.append(gt_label)
            continue
        pq_per_cat[gt_info["category_id"]].fn += 1
        false_negatives.append(gt_label)

    # lines 151-163: false positives
    false_positives, ignored = [], []
    for pred_label, pred_info in pred_segms.items():
        if pred_label in pred_matched:
            continue
        # intersection of the segment with VOID
        intersection = gt_pred_map.get((VOID, pred_label), 0)
        # plus intersection with corresponding CROWD region if it exists
        if pred_info["category_id"] in crowd_labels_dict:
            intersection += gt_pred_map.get(
                (crowd_labels_dict[pred_info["category_id"]], pred_label), 0)
        # predicted segment is ignored if more than half of the segment correspond to VOID
        # and CROWD regions
        if intersection / pred_info["area"] > 0.5:
            ignored.append(pred_label)
            continue
        pq_per_cat[pred_info["category_id"]].fp += 1
        false_positives.append(pred_label)

    return {"pq_per_cat": pq_per_cat, "matches": matches, "false_negatives": false_negatives,
            "false_positives": false_positives, "ignored": ignored, "crowd": crowd,
            "crowd_labels_dict": crowd_labels_dict}


def pq_average(pq_per_cat, categories, isthing):
    """``PQStat.pq_average`` (lines 49-73); ``categories`` maps id -> {"isthing", ...}."""
    pq, sq, rq, n = 0, 0, 0, 0
    per_class_results = {}
    for label, label_info in categories.items():
        if isthing is not None:
            cat_isthing = label_info["isthing"] == 1
            if isthing != cat_isthing:
                continue
        iou = pq_per_cat[label].iou
        tp = pq_per_cat[label].tp
        fp = pq_per_cat[label].fp
        fn = pq_per_cat[label].fn
        if tp + fp + fn == 0:
            per_class_results[label] = {"pq": 0.0, "sq": 0.0, "rq": 0.0}
            continue
        n += 1
        pq_class = iou / (tp + 0.5 * fp + 0.5 * fn)
        sq_class = iou / tp if tp != 0 else 0
        rq_class = tp / (tp + 0.5 * fp + 0.5 * fn)
        per_class_results[label] = {"pq": pq_class, "sq": sq_class, "rq": rq_class}
        pq += pq_class
        sq += sq_class
        rq += rq_class
    if n == 0:  # panopticapi: ZeroDivisionError
        return {"pq": math.nan, "sq": math.nan, "rq": math.nan, "n": 0}, per_class_results
    return {"pq": pq / n, "sq": sq / n, "rq": rq / n, "n": n}, per_class_results


def reference_pq(pan_gt, gt_segments_info, pan_pred, pred_segments_info, categories):
    """One image through the port: lines 81-163, then ``pq_compute``'s lines 221-226.

    Returns
    -------
    dict
        ``summary`` {"all" | "things" | "stuff": {"pq", "sq", "rq", "n"}},
        ``per_class`` {category_id: {"pq", "sq", "rq"}} (the "All" pass),
        ``stats`` {category_id: {"iou", "tp", "fp", "fn"}} for every category,
        and the id lists of :func:`pq_compute_single_image`.
    """
    out = pq_compute_single_image(pan_gt, gt_segments_info, pan_pred, pred_segments_info)
    cats = {el["id"]: el for el in categories}  # line 196
    summary = {}
    for name, isthing in (("all", None), ("things", True), ("stuff", False)):
        summary[name], per_class = pq_average(out["pq_per_cat"], cats, isthing)
        if name == "all":
            out["per_class"] = per_class
    out["summary"] = summary
    out["stats"] = {c: {"iou": s.iou, "tp": s.tp, "fp": s.fp, "fn": s.fn}
                    for c, s in ((c, out["pq_per_cat"][c]) for c in cats)}
    return out
