"""panoptic_quality against an independent port of COCO's pq_compute (panoptic_reference.py)."""

from dataclasses import FrozenInstanceError

import numpy as np
import pytest

from segcore.evaluation.panoptic import (
    OUTCOME_NAMES, VOID, panoptic_quality, panoptic_trace, semantic_from_panoptic)
from tests.panoptic_reference import reference_pq

CATS = [
    {"id": 1, "name": "sky", "isthing": 0},
    {"id": 2, "name": "road", "isthing": 0},
    {"id": 5, "name": "grass", "isthing": 0},
    {"id": 7, "name": "car", "isthing": 1},
    {"id": 9, "name": "person", "isthing": 1},
]
N_PAIRS = 240


# ---------------------------------------------------------------- random pairs
def _paint_rectangles(rng, canvas, values, count):
    h, w = canvas.shape
    for _ in range(count):
        y0, x0 = rng.integers(0, h), rng.integers(0, w)
        y1, x1 = y0 + rng.integers(1, h // 2 + 2), x0 + rng.integers(1, w // 2 + 2)
        canvas[y0:y1, x0:x1] = rng.choice(values)


def random_pair(seed):
    """Small GT/prediction pair with VOID, crowd (any number per category), stuff and things."""
    rng = np.random.default_rng(seed)
    h, w = rng.integers(6, 14), rng.integers(6, 16)
    gt = np.zeros((h, w), np.int64)
    _paint_rectangles(rng, gt, np.arange(1, 9), rng.integers(3, 9))
    _paint_rectangles(rng, gt, [VOID], rng.integers(0, 3))
    cat_ids = [c["id"] for c in CATS]
    gt_cat = {i: int(rng.choice(cat_ids)) for i in np.unique(gt) if i != VOID}
    gt_segments = [{"id": int(i), "category_id": c, "iscrowd": int(rng.random() < 0.25)}
                   for i, c in gt_cat.items()]
    gt_segments = [gt_segments[k] for k in rng.permutation(len(gt_segments))]

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


def crowd_pair(seed):
    """A pair built around several crowd segments of one or two categories (thing or stuff).

    Ground-truth segments are listed in random order (the order decides which
    crowd segment is its category's crowd region); predictions copy whole
    segments or parts of them, sometimes two segments of one category under
    one id, with the right category most of the time; a few extra rectangles
    add false positives and VOID; some predictions are empty.
    """
    rng = np.random.default_rng(seed)
    cat_ids = [c["id"] for c in CATS]
    h, w = rng.integers(8, 16), rng.integers(8, 18)
    gt = np.zeros((h, w), np.int64)
    _paint_rectangles(rng, gt, np.arange(1, 13), rng.integers(4, 12))
    _paint_rectangles(rng, gt, [VOID], rng.integers(0, 3))
    crowd_cats = [int(c) for c in rng.choice(cat_ids, size=rng.integers(1, 3), replace=False)]
    gt_segments = []
    for i in np.unique(gt):
        if i == VOID:
            continue
        crowd = rng.random() < 0.6
        cat = rng.choice(crowd_cats) if crowd or rng.random() < 0.5 else rng.choice(cat_ids)
        gt_segments.append({"id": int(i), "category_id": int(cat), "iscrowd": int(crowd)})
    gt_segments = [gt_segments[k] for k in rng.permutation(len(gt_segments))]

    pred = np.zeros_like(gt)
    if rng.random() < 0.12:
        return gt, gt_segments, pred, []
    pred_cat = {}
    for k, seg in enumerate(gt_segments):
        if rng.random() < 0.25:
            continue                                    # not predicted
        cat = seg["category_id"] if rng.random() < 0.85 else int(rng.choice(cat_ids))
        same = [p for p, c in pred_cat.items() if c == cat]
        pid = int(rng.choice(same)) if same and rng.random() < 0.25 else 100 + k
        where = gt == seg["id"]
        if rng.random() < 0.35:                         # only a window of the segment
            y, x = rng.integers(0, h), rng.integers(0, w)
            window = np.zeros_like(where)
            window[y:y + rng.integers(2, h), x:x + rng.integers(2, w)] = True
            where &= window
        if where.any():
            pred[where] = pid
            pred_cat[pid] = cat
    _paint_rectangles(rng, pred, [VOID, 200, 201], rng.integers(0, 3))
    present = {int(i) for i in np.unique(pred)} - {VOID}
    pred_segments = [{"id": i, "category_id": pred_cat.get(i, int(rng.choice(cat_ids)))}
                     for i in sorted(present)]
    return gt, gt_segments, pred, pred_segments


def _assert_equals_reference(gt, gt_segs, pred, pred_segs, context):
    """Every score, count and id list of panoptic_quality equals the panopticapi port's."""
    ours = panoptic_quality(gt, gt_segs, pred, pred_segs, CATS)
    ref = reference_pq(gt, gt_segs, pred, pred_segs, CATS)
    for group, expected in ref["summary"].items():
        assert ours.summary[group]["n"] == expected["n"], (context, group)
        for key in ("pq", "sq", "rq"):
            assert ours.summary[group][key] == pytest.approx(
                expected[key], rel=1e-12, nan_ok=True), (context, group, key)
    for cid, stats in ref["stats"].items():
        mine = ours.per_class[cid]
        assert (mine["tp"], mine["fp"], mine["fn"]) == (
            stats["tp"], stats["fp"], stats["fn"]), (context, cid)
        assert mine["iou_sum"] == pytest.approx(stats["iou"], rel=1e-12), (context, cid)
        for key in ("pq", "sq", "rq"):
            if stats["tp"] + stats["fp"] + stats["fn"]:
                assert mine[key] == pytest.approx(
                    ref["per_class"][cid][key], rel=1e-12), (context, cid, key)
            else:  # left out of the averages: nan here, 0.0 in panopticapi's per_class
                assert np.isnan(mine[key]) and ref["per_class"][cid][key] == 0.0, (context, cid)
    got = sorted(ours.matches)
    expected_matches = sorted(ref["matches"])
    assert [m[:2] for m in got] == [m[:2] for m in expected_matches], context
    assert [m[2] for m in got] == pytest.approx([m[2] for m in expected_matches]), context
    assert sorted(ours.false_negatives) == sorted(ref["false_negatives"]), context
    assert sorted(ours.false_positives) == sorted(ref["false_positives"]), context
    assert sorted(ours.ignored) == sorted(ref["ignored"]), context
    assert sorted(ours.crowd) == sorted(ref["crowd"]), context
    assert sorted(ours.crowd_regions) == sorted(ref["crowd_labels_dict"].values()), context
    return ours


@pytest.mark.parametrize("block", range(8))
def test_equals_reference_on_random_pairs(block):
    for seed in range(block * N_PAIRS // 8, (block + 1) * N_PAIRS // 8):
        _assert_equals_reference(*random_pair(seed), ("random_pair", seed))


@pytest.mark.parametrize("block", range(8))
def test_equals_reference_with_several_crowd_segments_per_category(block):
    for seed in range(block * N_PAIRS // 8, (block + 1) * N_PAIRS // 8):
        _assert_equals_reference(*crowd_pair(seed), ("crowd_pair", seed))


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


def _on(id_map, ids, where):
    """Pixels of ``where`` whose id in ``id_map`` is one of ``ids``."""
    return int(np.sum(where & np.isin(id_map, list(ids))))


def test_crowd_pairs_cover_the_last_listed_crowd_rule():
    """The crowd pairs reach every case the last-listed rule decides."""
    seen = dict.fromkeys(("excused by the last crowd", "not excused by an earlier crowd",
                          "stuff crowd excuses", "thing crowd excuses", "empty prediction",
                          "no category counted", "crowd segments not used"), 0)
    stuff = {c["id"] for c in CATS if not c["isthing"]}
    for seed in range(N_PAIRS):
        gt, gt_segs, pred, pred_segs = crowd_pair(seed)
        r = panoptic_quality(gt, gt_segs, pred, pred_segs, CATS)
        seen["empty prediction"] += not pred_segs
        seen["no category counted"] += r.summary["all"]["n"] == 0
        seen["crowd segments not used"] += len(r.crowd) - len(r.crowd_regions)
        region = {s["category_id"]: s["id"] for s in gt_segs if s["id"] in r.crowd_regions}
        all_crowd = {}
        for s in gt_segs:
            if s["iscrowd"]:
                all_crowd.setdefault(s["category_id"], set()).add(s["id"])
        for s in pred_segs:
            p, cat = s["id"], s["category_id"]
            mask = pred == p
            void = _on(gt, {VOID}, mask)
            on_region = _on(gt, {region[cat]}, mask) if cat in region else 0
            on_any = _on(gt, all_crowd.get(cat, set()), mask)
            if p in r.ignored and void <= mask.sum() / 2:
                seen["excused by the last crowd"] += 1
                seen["stuff crowd excuses" if cat in stuff else "thing crowd excuses"] += 1
            if p in r.false_positives and void + on_any > mask.sum() / 2:
                seen["not excused by an earlier crowd"] += 1
                assert void + on_region <= mask.sum() / 2
    assert min(seen.values()) >= 5, seen


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
    assert r.crowd_regions == (4,)
    assert r.summary["things"]["n"] == 0 and np.isnan(r.summary["things"]["pq"])
    r = panoptic_quality(gt, gt_segs, pred, _segs((5, 7), (1, 1)), CATS)  # a car on person-crowd
    assert r.false_positives == (5,)


def test_only_the_last_listed_crowd_segment_of_a_category_excuses_predictions():
    # two person crowds (4, 6); person predictions 5 (on crowd 4) and 8 (on crowd 6)
    gt = np.array([[4, 4, 4, 6, 6, 6, 1, 1]])
    pred = np.array([[5, 5, 5, 8, 8, 8, 1, 1]])
    pred_segs = _segs((5, 9), (8, 9), (1, 1))
    r = panoptic_quality(gt, _segs((4, 9), (6, 9), (1, 1), crowd=(4, 6)), pred, pred_segs, CATS)
    assert r.crowd == (4, 6) and r.crowd_regions == (6,)
    assert r.ignored == (8,) and r.false_positives == (5,) and r.false_negatives == ()
    assert r.per_class[9] | {} == {"tp": 0, "fp": 1, "fn": 0, "iou_sum": 0.0, "pq": 0.0,
                                   "sq": 0.0, "rq": 0.0}
    # the same segments listed the other way round: crowd 4 is the region now
    r = panoptic_quality(gt, _segs((6, 9), (4, 9), (1, 1), crowd=(4, 6)), pred, pred_segs, CATS)
    assert r.crowd == (6, 4) and r.crowd_regions == (4,)
    assert r.ignored == (5,) and r.false_positives == (8,) and r.false_negatives == ()


def test_crowd_segments_are_not_merged_into_one_region():
    # one prediction lying half on each person crowd: 3 of 6 px on the region, not > 0.5
    gt = np.array([[4, 4, 4, 6, 6, 6, 1, 1]])
    pred = np.array([[5, 5, 5, 5, 5, 5, 1, 1]])
    r = panoptic_quality(gt, _segs((4, 9), (6, 9), (1, 1), crowd=(4, 6)), pred,
                         _segs((5, 9), (1, 1)), CATS)
    assert r.false_positives == (5,) and r.ignored == ()
    # VOID counts on top of the region: 1 VOID + 3 on the region of 7 px > 0.5
    gt = np.array([[4, 4, 4, 6, 6, 6, 0, 1]])
    pred = np.array([[5, 5, 5, 5, 5, 5, 5, 1]])
    r = panoptic_quality(gt, _segs((4, 9), (6, 9), (1, 1), crowd=(4, 6)), pred,
                         _segs((5, 9), (1, 1)), CATS)
    assert r.ignored == (5,) and r.false_positives == ()


def test_several_crowd_segments_of_a_stuff_category_and_of_other_categories():
    # road crowds 2 and 3, person crowd 4 listed last of all; a road prediction on crowd 3
    gt = np.array([[2, 2, 3, 3, 4, 4, 1, 1]])
    pred = np.array([[0, 0, 5, 5, 0, 0, 1, 1]])
    gt_segs = _segs((3, 2), (2, 2), (1, 1), (4, 9), crowd=(2, 3, 4))
    r = panoptic_quality(gt, gt_segs, pred, _segs((5, 2), (1, 1)), CATS)
    assert r.crowd_regions == (2, 4) and r.false_positives == (5,)
    assert r.per_class[2]["fp"] == 1 and r.per_class[2]["fn"] == 0
    gt_segs = _segs((2, 2), (3, 2), (1, 1), (4, 9), crowd=(2, 3, 4))
    r = panoptic_quality(gt, gt_segs, pred, _segs((5, 2), (1, 1)), CATS)
    assert r.crowd_regions == (3, 4) and r.ignored == (5,)
    assert np.isnan(r.per_class[2]["pq"]) and r.summary["all"]["n"] == 1


def test_trace_says_when_a_crowd_segment_excuses_nothing():
    gt = np.array([[4, 4, 6, 6, 1, 1]])
    t = panoptic_trace(gt, _segs((4, 9), (6, 9), (1, 1), crowd=(4, 6)), gt,
                       _segs((4, 9), (6, 9), (1, 1)), CATS)
    assert "2 crowd segment(s)" in t.steps[0].caption
    assert "1 of them excuse no prediction" in t.steps[0].caption
    assert t.result.ignored == (6,) and t.result.false_positives == (4,)
    gt = np.array([[4, 4, 0, 0, 1, 1]])
    t = panoptic_trace(gt, _segs((4, 9), (1, 1), crowd=(4,)), np.zeros_like(gt), [], CATS)
    assert "excuse no prediction" not in t.steps[0].caption


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


# ---------------------------------------------------------------- matching table
def test_matching_table_says_which_crowd_segment_is_used_for_ignoring():
    from ui.panoptic_figs import CROWD_NOT_USED, CROWD_USED, matching_rows

    # person crowds 4 (listed first), 6 (last) and 3 (no prediction on it: listed first),
    # a sky crowd 2 (its class's only one)
    gt = np.array([[4, 4, 4, 6, 6, 6, 1, 1, 3, 2]])
    pred = np.array([[5, 5, 5, 8, 8, 8, 1, 1, 0, 0]])
    gt_segs = _segs((3, 9), (4, 9), (6, 9), (1, 1), (2, 1), crowd=(2, 3, 4, 6))
    pred_segs = _segs((5, 9), (8, 9), (1, 1))
    r = panoptic_quality(gt, gt_segs, pred, pred_segs, CATS)
    rows = matching_rows(r, gt_segs, pred_segs, {c["id"]: c["name"] for c in CATS})
    verdict = {(row["GT id"], row["pred id"]): row["verdict"] for row in rows}
    assert verdict[(4, 5)] == CROWD_NOT_USED and verdict[(6, 8)] == CROWD_USED
    assert verdict[(3, None)] == CROWD_NOT_USED and verdict[(2, None)] == CROWD_USED
    assert verdict[(None, 5)] == "FP" and verdict[(None, 8)].startswith("ignored")
    assert verdict[(1, 1)].startswith("TP") and len(rows) == 7


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
    ((GT, [{"id": 1, "category_id": 1, "iscrowd": 2}] + GT_SEGS[1:], GT, GT_SEGS, CATS),
     "iscrowd 2; expected 0 or 1"),
])
def test_invalid_input_raises_value_error(args, match):
    with pytest.raises(ValueError, match=match):
        panoptic_quality(*args)
