"""Panoptic quality on a 1024 x 2048 pair with 100 segments, next to pq_compute's approach.

The reference is the COCO panoptic API's per-image loop (panopticapi
``pq_compute_single_core``): areas by ``np.unique`` over the prediction and
intersections by ``np.unique`` over ``gt * 2**24 + pred`` as uint64, then
Python dict loops. segcore compacts ids with a lookup table and counts every
pair with one ``np.bincount``. Both must give the same PQ (checked on import).
The second case marks 6 cars and 6 persons crowd: several crowd segments per
category, of which both use the last one listed (``crowd_labels_dict``).
"""

import numpy as np

from benchmarks.harness import Case
from segcore.evaluation.panoptic import VOID, panoptic_quality

_H, _W = 1024, 2048
_OFFSET = 256 * 256 * 256
_CATEGORIES = [{"id": 1, "name": "sky", "isthing": 0}, {"id": 2, "name": "road", "isthing": 0},
               {"id": 3, "name": "grass", "isthing": 0}, {"id": 11, "name": "car", "isthing": 1},
               {"id": 12, "name": "person", "isthing": 1}]


def _street_pair(seed=0, n_segments=100):
    """Three stuff bands + thing boxes (100 segments), a VOID strip and one crowd box;
    the prediction shifts every segment a few pixels, drops, relabels and adds some."""
    rng = np.random.default_rng(seed)
    gt = np.empty((_H, _W), np.int32)
    gt[: _H // 3], gt[_H // 3: 2 * _H // 3], gt[2 * _H // 3:] = 1001, 3001, 2001
    segments = [{"id": 1001, "category_id": 1}, {"id": 3001, "category_id": 3},
                {"id": 2001, "category_id": 2}]
    gt[-12:] = VOID
    k = 0
    while len(present := set(np.unique(gt[:-12]).tolist())) < n_segments:
        k += 1
        cat = 11 if k % 3 else 12
        h, w = rng.integers(20, 160), rng.integers(20, 200)
        y, x = rng.integers(0, _H - 12 - h), rng.integers(0, _W - w)
        gt[y:y + h, x:x + w] = cat * 1000 + k
    segments += [{"id": i, "category_id": i // 1000, "iscrowd": 0} for i in sorted(present)
                 if i >= 11000]
    segments[-1]["iscrowd"] = 1

    pred = np.roll(gt, (int(rng.integers(-6, 7)), int(rng.integers(-6, 7))), axis=(0, 1))
    pred[rng.integers(0, _H - 50):, :40] = VOID
    pred_segments = []
    for seg in segments:
        if seg["id"] not in np.unique(pred[::8, ::8]) and rng.random() < 0.5:
            continue
        cat = seg["category_id"] if rng.random() < 0.9 else 11 + (seg["category_id"] == 11)
        pred_segments.append({"id": seg["id"], "category_id": cat})
    keep = np.isin(pred, [s["id"] for s in pred_segments])
    pred[~keep] = VOID
    pred_segments = [s for s in pred_segments if s["id"] in set(np.unique(pred).tolist())]
    return gt, [s for s in segments if s["id"] in present], pred, pred_segments


def reference_pq(gt, gt_segments, pred, pred_segments, categories):
    """panopticapi's per-image algorithm (np.unique over uint64), returns PQ All."""
    gt_segms = {el["id"]: dict(el) for el in gt_segments}
    pred_segms = {el["id"]: dict(el) for el in pred_segments}
    gt_area = dict(zip(*np.unique(gt, return_counts=True)))
    for label, area in zip(*np.unique(pred, return_counts=True)):
        if label != VOID:
            pred_segms[label]["area"] = area
    pairs = gt.astype(np.uint64) * _OFFSET + pred.astype(np.uint64)
    gt_pred_map = {(int(label // _OFFSET), int(label % _OFFSET)): int(count)
                   for label, count in zip(*np.unique(pairs, return_counts=True))}
    stats = {c["id"]: [0.0, 0, 0, 0] for c in categories}  # iou, tp, fp, fn
    gt_matched, pred_matched = set(), set()
    for (g, p), inter in gt_pred_map.items():
        if g not in gt_segms or p not in pred_segms or gt_segms[g].get("iscrowd", 0) == 1:
            continue
        if gt_segms[g]["category_id"] != pred_segms[p]["category_id"]:
            continue
        union = pred_segms[p]["area"] + gt_area[g] - inter - gt_pred_map.get((VOID, p), 0)
        if inter / union > 0.5:
            stats[gt_segms[g]["category_id"]][0] += inter / union
            stats[gt_segms[g]["category_id"]][1] += 1
            gt_matched.add(g)
            pred_matched.add(p)
    crowd = {}  # category -> crowd id: the last crowd segment listed wins
    for g, info in gt_segms.items():
        if g in gt_matched:
            continue
        if info.get("iscrowd", 0) == 1:
            crowd[info["category_id"]] = g
            continue
        stats[info["category_id"]][3] += 1
    for p, info in pred_segms.items():
        if p in pred_matched:
            continue
        inter = gt_pred_map.get((VOID, p), 0)
        if info["category_id"] in crowd:
            inter += gt_pred_map.get((crowd[info["category_id"]], p), 0)
        if inter / info["area"] > 0.5:
            continue
        stats[info["category_id"]][2] += 1
    per_class = [iou / (tp + 0.5 * fp + 0.5 * fn) for iou, tp, fp, fn in stats.values()
                 if tp + fp + fn]
    return sum(per_class) / len(per_class)


def _crowded(pair, per_category=6):
    """The same pair with the last ``per_category`` car and person segments marked crowd:
    several crowd segments per category, pq_compute using the last listed one of each."""
    gt, segments, pred, pred_segments = pair
    segments = [dict(s) for s in segments]
    for cat in (11, 12):
        for s in [s for s in segments if s["category_id"] == cat][-per_category:]:
            s["iscrowd"] = 1
    return gt, segments, pred, pred_segments


_PAIR = _street_pair()
_SIZE = f"{_H} x {_W}, {len(_PAIR[1])} gt / {len(_PAIR[3])} pred segments"
_CROWDED = _crowded(_PAIR)
for _pair in (_PAIR, _CROWDED):
    _OURS = panoptic_quality(*_pair, _CATEGORIES).summary["all"]["pq"]
    assert abs(_OURS - reference_pq(*_pair, _CATEGORIES)) < 1e-12, "segcore and pq_compute disagree"

CASES = [
    Case("panoptic: panoptic_quality", _SIZE, lambda: panoptic_quality(*_PAIR, _CATEGORIES),
         lambda: reference_pq(*_PAIR, _CATEGORIES),
         "pq_compute per image (np.unique over uint64)", repeat=7, budget_ms=150),
    Case("panoptic: panoptic_quality, 12 crowd segments", _SIZE,
         lambda: panoptic_quality(*_CROWDED, _CATEGORIES),
         lambda: reference_pq(*_CROWDED, _CATEGORIES),
         "pq_compute per image (np.unique over uint64)", repeat=7, budget_ms=150),
]
