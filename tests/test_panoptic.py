"""panoptic_quality against an independent, pixel-loop reimplementation of COCO's pq_compute."""

from dataclasses import FrozenInstanceError

import numpy as np
import pytest

from segcore.evaluation.panoptic import (
    OUTCOME_NAMES, VOID, panoptic_quality, panoptic_trace, semantic_from_panoptic)

CATS = [
    {"id": 1, "name": "sky", "isthing": 0},
    {"id": 2, "name": "road", "isthing": 0},
    {"id": 5, "name": "grass", "isthing": 0},
    {"id": 7, "name": "car", "isthing": 1},
    {"id": 9, "name": "person", "isthing": 1},
]
N_PAIRS = 240


# ---------------------------------------------------------------- reference
def reference_pq(gt_ids, gt_segments, pred_ids, pred_segments, categories):
    """Published algorithm (panopticapi pq_compute, one image), written with plain loops."""
    gt_segms = {s["id"]: dict(s) for s in gt_segments}
    pred_segms = {s["id"]: dict(s) for s in pred_segments}
    pairs, gt_area, pred_area = {}, {}, {}
    h, w = gt_ids.shape
    for y in range(h):
        for x in range(w):
            g, p = int(gt_ids[y, x]), int(pred_ids[y, x])
            pairs[(g, p)] = pairs.get((g, p), 0) + 1
            gt_area[g] = gt_area.get(g, 0) + 1
            pred_area[p] = pred_area.get(p, 0) + 1
    stats = {c["id"]: {"iou": 0.0, "tp": 0, "fp": 0, "fn": 0} for c in categories}
    gt_matched, pred_matched, matches = set(), set(), []
    for (g, p), inter in pairs.items():
        if g not in gt_segms or p not in pred_segms:
            continue
        if gt_segms[g].get("iscrowd", 0) == 1:
            continue
        if gt_segms[g]["category_id"] != pred_segms[p]["category_id"]:
            continue
        union = pred_area[p] + gt_area[g] - inter - pairs.get((VOID, p), 0)
        iou = inter / union
        if iou > 0.5:
            stats[gt_segms[g]["category_id"]]["tp"] += 1
            stats[gt_segms[g]["category_id"]]["iou"] += iou
            gt_matched.add(g)
            pred_matched.add(p)
            matches.append((g, p, iou))
    crowd_by_cat, fns, fps = {}, [], []
    for g, info in gt_segms.items():
        if g in gt_matched:
            continue
        if info.get("iscrowd", 0) == 1:
            crowd_by_cat[info["category_id"]] = g
            continue
        stats[info["category_id"]]["fn"] += 1
        fns.append(g)
    for p, info in pred_segms.items():
        if p in pred_matched:
            continue
        inter = pairs.get((VOID, p), 0)
        if info["category_id"] in crowd_by_cat:
            inter += pairs.get((crowd_by_cat[info["category_id"]], p), 0)
        if inter / pred_area[p] > 0.5:
            continue
        stats[info["category_id"]]["fp"] += 1
        fps.append(p)
    summary = {}
    for name, isthing in (("all", None), ("things", True), ("stuff", False)):
        pq = sq = rq = 0.0
        n = 0
        for c in categories:
            if isthing is not None and bool(c["isthing"]) != isthing:
                continue
            s = stats[c["id"]]
            if s["tp"] + s["fp"] + s["fn"] == 0:
                continue
            n += 1
            pq += s["iou"] / (s["tp"] + 0.5 * s["fp"] + 0.5 * s["fn"])
            sq += s["iou"] / s["tp"] if s["tp"] else 0.0
            rq += s["tp"] / (s["tp"] + 0.5 * s["fp"] + 0.5 * s["fn"])
        summary[name] = {"pq": pq / n, "sq": sq / n, "rq": rq / n, "n": n} if n else {"n": 0}
    return summary, stats, sorted(matches), sorted(fns), sorted(fps)


# ---------------------------------------------------------------- random pairs
def _paint_rectangles(rng, canvas, values, count):
    h, w = canvas.shape
    for _ in range(count):
        y0, x0 = rng.integers(0, h), rng.integers(0, w)
        y1, x1 = y0 + rng.integers(1, h // 2 + 2), x0 + rng.integers(1, w // 2 + 2)
        canvas[y0:y1, x0:x1] = rng.choice(values)


def random_pair(seed):
    """Small GT/prediction pair with VOID, crowd, stuff and thing segments."""
    rng = np.random.default_rng(seed)
    h, w = rng.integers(6, 14), rng.integers(6, 16)
    gt = np.zeros((h, w), np.int64)
    _paint_rectangles(rng, gt, np.arange(1, 9), rng.integers(3, 9))
    _paint_rectangles(rng, gt, [VOID], rng.integers(0, 3))
    cat_ids = [c["id"] for c in CATS]
    gt_cat = {i: int(rng.choice(cat_ids)) for i in np.unique(gt) if i != VOID}
    crowd_cats = set()
    gt_segments = []
    for i, c in gt_cat.items():
        crowd = c not in crowd_cats and rng.random() < 0.25
        crowd_cats |= {c} if crowd else set()
        gt_segments.append({"id": int(i), "category_id": c, "iscrowd": int(crowd)})

    pred = gt.copy() if rng.random() < 0.7 else np.zeros_like(gt)
    _paint_rectangles(rng, pred, np.arange(0, 12), rng.integers(1, 6))
    present = [i for i in np.unique(pred) if i != VOID]
    pred_cat = {i: gt_cat.get(i, int(rng.choice(cat_ids))) if rng.random() < 0.8
                else int(rng.choice(cat_ids)) for i in present}
    # arbitrary, sparse prediction ids (sometimes huge: the binary-search path)
    scale = 1 << 30 if rng.random() < 0.2 else 37
    pred = np.where(pred > 0, pred * scale + 3, 0)
    pred_segments = [{"id": int(i * scale + 3), "category_id": c} for i, c in pred_cat.items()]
    return gt, gt_segments, pred, pred_segments


@pytest.mark.parametrize("block", range(8))
def test_equals_reference_on_random_pairs(block):
    for seed in range(block * N_PAIRS // 8, (block + 1) * N_PAIRS // 8):
        gt, gt_segs, pred, pred_segs = random_pair(seed)
        ours = panoptic_quality(gt, gt_segs, pred, pred_segs, CATS)
        summary, stats, matches, fns, fps = reference_pq(gt, gt_segs, pred, pred_segs, CATS)
        for group, ref in summary.items():
            assert ours.summary[group]["n"] == ref["n"], (seed, group)
            for key in ("pq", "sq", "rq"):
                expected = ref.get(key, np.nan)
                assert ours.summary[group][key] == pytest.approx(
                    expected, rel=1e-12, nan_ok=True), (seed, group, key)
        for cid, ref in stats.items():
            mine = ours.per_class[cid]
            assert (mine["tp"], mine["fp"], mine["fn"]) == (ref["tp"], ref["fp"], ref["fn"]), seed
            assert mine["iou_sum"] == pytest.approx(ref["iou"], rel=1e-12), seed
        got = sorted(ours.matches)
        assert [m[:2] for m in got] == [m[:2] for m in matches], seed
        assert [m[2] for m in got] == pytest.approx([m[2] for m in matches]), seed
        assert sorted(ours.false_negatives) == fns, seed
        assert sorted(ours.false_positives) == fps, seed


def test_random_pairs_cover_every_rule():
    """The random pairs really exercise crowd, VOID-ignored predictions, TP, FP, FN."""
    seen = {"tp": 0, "fp": 0, "fn": 0, "ignored": 0, "crowd": 0, "huge ids": 0}
    for seed in range(N_PAIRS):
        gt, gt_segs, pred, pred_segs = random_pair(seed)
        r = panoptic_quality(gt, gt_segs, pred, pred_segs, CATS)
        seen["tp"] += len(r.matches)
        seen["fp"] += len(r.false_positives)
        seen["fn"] += len(r.false_negatives)
        seen["ignored"] += len(r.ignored)
        seen["crowd"] += len(r.crowd)
        seen["huge ids"] += int(pred.max() > 1 << 22)
    assert min(seen.values()) >= 20, seen


# ---------------------------------------------------------------- hand cases
def _segs(*pairs, crowd=()):
    return [{"id": i, "category_id": c, "iscrowd": int(i in crowd)} for i, c in pairs]


def test_iou_exactly_half_is_not_a_match():
    gt = np.array([[1, 1, 2, 2]])
    pred = np.array([[1, 1, 1, 1]])
    r = panoptic_quality(gt, _segs((1, 7), (2, 7)), pred, _segs((1, 7)), CATS)
    assert r.matches == ()
    assert r.per_class[7]["fn"] == 2 and r.per_class[7]["fp"] == 1
    assert r.summary["all"]["pq"] == 0.0


def test_void_part_of_prediction_leaves_the_union():
    # gt car = 4 px; prediction = those 4 px + 4 VOID px: plain IoU 0.5, COCO IoU 1.0
    gt = np.array([[1, 1, 1, 1, 0, 0, 0, 0]])
    pred = np.ones_like(gt)
    r = panoptic_quality(gt, _segs((1, 7)), pred, _segs((1, 7)), CATS)
    assert r.matches == ((1, 1, 1.0),)
    assert r.summary["all"] == {"pq": 1.0, "sq": 1.0, "rq": 1.0, "n": 1}


def test_prediction_mostly_on_void_is_ignored_exactly_half_is_not():
    gt = np.array([[1, 1, 1, 0, 0, 0, 2, 2]])
    mostly = np.array([[0, 0, 3, 3, 3, 0, 0, 0]])   # 2 of 3 pixels on VOID
    half = np.array([[0, 3, 3, 3, 3, 0, 0, 0]])     # 2 of 4 on VOID
    gt_segs = _segs((1, 1), (2, 2))
    r = panoptic_quality(gt, gt_segs, mostly, _segs((3, 9)), CATS)
    assert r.false_positives == () and r.ignored == (3,)
    assert r.per_class[9]["fp"] == 0 and np.isnan(r.per_class[9]["pq"])
    r = panoptic_quality(gt, gt_segs, half, _segs((3, 9)), CATS)
    assert r.false_positives == (3,) and r.ignored == ()


def test_crowd_ignores_same_class_predictions_only():
    gt = np.array([[4, 4, 4, 4, 1, 1]])
    pred = np.array([[5, 5, 5, 0, 1, 1]])
    gt_segs = _segs((4, 9), (1, 1), crowd=(4,))
    r = panoptic_quality(gt, gt_segs, pred, _segs((5, 9), (1, 1)), CATS)
    assert r.false_negatives == () and r.crowd == (4,) and r.ignored == (5,)
    assert r.summary["things"]["n"] == 0 and np.isnan(r.summary["things"]["pq"])
    r = panoptic_quality(gt, gt_segs, pred, _segs((5, 7), (1, 1)), CATS)  # a car on person-crowd
    assert r.false_positives == (5,)


def test_classes_without_tp_fp_fn_are_left_out_and_groups_split():
    gt = np.array([[1, 1, 2, 2, 3, 3]])
    pred = np.array([[1, 1, 2, 2, 2, 6]])
    r = panoptic_quality(gt, _segs((1, 1), (2, 7), (3, 7)), pred, _segs((1, 1), (2, 7), (6, 9)),
                         CATS)
    assert r.summary["stuff"] == {"pq": 1.0, "sq": 1.0, "rq": 1.0, "n": 1}
    car_iou = 2 / 3
    assert r.per_class[7]["pq"] == pytest.approx(car_iou / (1 + 0.5))  # TP 1, FN 1
    assert r.per_class[9] | {} == {"tp": 0, "fp": 1, "fn": 0, "iou_sum": 0.0, "pq": 0.0,
                                   "sq": 0.0, "rq": 0.0}
    assert r.summary["things"]["n"] == 2
    assert r.summary["all"]["pq"] == pytest.approx((1.0 + car_iou / 1.5 + 0.0) / 3)
    assert np.isnan(r.per_class[2]["pq"]) and np.isnan(r.per_class[5]["pq"])


def test_swapping_prediction_and_ground_truth_is_not_symmetric():
    gt = np.array([[1, 1, 1, 0, 0, 0]])
    pred = np.array([[1, 1, 1, 1, 1, 1]])
    a = panoptic_quality(gt, _segs((1, 7)), pred, _segs((1, 7)), CATS)
    b = panoptic_quality(pred, _segs((1, 7)), gt, _segs((1, 7)), CATS)
    assert a.summary["all"]["pq"] == 1.0 and b.summary["all"]["pq"] == 0.0


def test_result_is_frozen_and_overlaps_list_every_touching_pair():
    gt = np.array([[1, 1, 2, 2]])
    r = panoptic_quality(gt, _segs((1, 1), (2, 7)), gt, _segs((1, 1), (2, 9)), CATS)
    with pytest.raises(FrozenInstanceError):
        r.matches = ()
    assert r.overlaps == ((1, 1, 2, 1.0), (2, 2, 2, 1.0))
    assert r.matches == ((1, 1, 1.0),)


def test_trace_paints_each_outcome():
    gt = np.array([[1, 1, 2, 2, 0, 0, 4, 4]])
    pred = np.array([[1, 1, 3, 3, 3, 0, 5, 5]])
    t = panoptic_trace(gt, _segs((1, 1), (2, 7), (4, 9), crowd=(4,)), pred,
                       _segs((1, 1), (3, 9), (5, 9)), CATS)
    code = {name: i for i, name in enumerate(OUTCOME_NAMES)}
    assert t.gt_outcome.tolist() == [[code[n] for n in (
        "true positive", "true positive", "false negative", "false negative",
        "void", "void", "crowd", "crowd")]]
    assert t.outcome[0, 3] == code["false positive"]      # 3 is 1/3 on VOID
    assert t.pred_outcome[0, 6] == code["ignored prediction"]
    assert [s.name for s in t.steps] == ["VOID and crowd", "matches", "false negatives",
                                         "ignored predictions", "false positives"]
    assert np.array_equal(t.steps[-1].data, t.outcome)
    assert t.result.false_positives == (3,)


def test_semantic_from_panoptic_uses_category_positions():
    ids = np.array([[3, 3, 0, 8]])
    sem = semantic_from_panoptic(ids, _segs((3, 9), (8, 1)), CATS, void_label=255)
    assert sem.tolist() == [[4, 4, 255, 0]]
    with pytest.raises(ValueError, match="without an entry"):
        semantic_from_panoptic(ids, _segs((3, 9)), CATS, void_label=255)


# ---------------------------------------------------------------- invalid input
GT = np.array([[1, 1, 2, 0]])
GT_SEGS = _segs((1, 1), (2, 7))


@pytest.mark.parametrize("args, match", [
    ((GT, GT_SEGS, np.array([[1, 1, 2, 3]]), GT_SEGS, CATS), "pred_ids contains segment ids"),
    ((GT, GT_SEGS, np.array([[1, 1, 2, 1 << 40]]), GT_SEGS, CATS), "pred_ids contains segment ids"),
    ((np.array([[1, 1, 2, 5]]), GT_SEGS, GT, GT_SEGS, CATS), "gt_ids contains segment ids"),
    ((GT, GT_SEGS, GT, _segs((1, 1), (2, 4)), CATS), "unknown category_id 4"),
    ((GT, _segs((1, 3), (2, 7)), GT, GT_SEGS, CATS), "unknown category_id 3"),
    ((GT, GT_SEGS, GT[:, :3], GT_SEGS, CATS), "same shape"),
    ((GT.astype(float), GT_SEGS, GT, GT_SEGS, CATS), "integer segment ids"),
    ((GT, GT_SEGS, -GT, GT_SEGS, CATS), "non-negative"),
    ((GT, GT_SEGS, GT, GT_SEGS + _segs((6, 1)), CATS), "never occur in pred_ids"),
    ((GT, GT_SEGS + _segs((1, 1)), GT, GT_SEGS, CATS), "more than once"),
    ((GT, GT_SEGS, GT, _segs((0, 1), (1, 1), (2, 7)), CATS), "segment id 0"),
    ((GT, GT_SEGS, GT, [{"id": 1}], CATS), "'id' and 'category_id'"),
    ((GT, GT_SEGS, GT, GT_SEGS, []), "non-empty list"),
    ((GT, GT_SEGS, GT, GT_SEGS, CATS + CATS[:1]), "id 1 twice"),
    ((GT[0], GT_SEGS, GT[0], GT_SEGS, CATS), "2-D"),
    ((np.array([[1, 2, 3]]), _segs((1, 7), (2, 7), (3, 7), crowd=(1, 2)), np.array([[1, 2, 3]]),
      _segs((1, 7), (2, 7), (3, 7)), CATS), "at most one crowd segment"),
])
def test_invalid_input_raises_value_error(args, match):
    with pytest.raises(ValueError, match=match):
        panoptic_quality(*args)
