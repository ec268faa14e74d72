"""Panoptic fusion: heuristic (score order, overlap, stuff area) and the UPSNet-style head."""

import numpy as np
import pytest

from segcore.evaluation.fusion import (
    STUFF_ID_BASE, fusion_conflicts, heuristic_fusion, synthetic_heads, upsnet_fusion)
from segcore.evaluation.panoptic import VOID, panoptic_quality
from segcore.scenes import make_scene

CATS = [{"id": 1, "name": "road", "isthing": 0}, {"id": 2, "name": "grass", "isthing": 0},
        {"id": 3, "name": "car", "isthing": 1}]
ROAD, GRASS, CAR = STUFF_ID_BASE + 1, STUFF_ID_BASE + 2, 3


def _instance(mask, score, category_id=CAR, logit=3.0):
    rows, cols = np.nonzero(mask)
    return {"mask_logits": np.where(mask, logit, -logit), "category_id": category_id,
            "box": (rows.min(), cols.min(), rows.max() + 1, cols.max() + 1), "score": score}


@pytest.fixture()
def heads():
    """1 x 10 strip: semantic says road | road | car x4 | grass x4; two overlapping cars."""
    logits = np.zeros((3, 1, 10))
    logits[0, 0, :2] = 2
    logits[2, 0, 2:6] = 2
    logits[1, 0, 6:] = 2
    a = np.zeros((1, 10), bool)
    a[0, 2:6] = True
    b = np.zeros((1, 10), bool)
    b[0, 4:7] = True
    return logits, [_instance(a, 0.9), _instance(b, 0.6)]


def test_heuristic_pastes_by_score_and_drops_covered_instances(heads):
    logits, inst = heads
    t = heuristic_fusion(logits, inst, CATS, overlap_threshold=0.5, stuff_area=1)
    # b: 2 of its 3 pixels are taken by a -> 1/3 free < 0.5 -> dropped
    assert t.ids[0].tolist() == [ROAD] * 2 + [1] * 4 + [GRASS] * 4
    assert t.kept == [0]
    t = heuristic_fusion(logits, inst, CATS, overlap_threshold=0.3, stuff_area=1)
    assert t.ids[0].tolist() == [ROAD] * 2 + [1] * 4 + [2] + [GRASS] * 3
    assert [s.name for s in t.steps] == ["instance 1", "instance 2", "stuff"]


def test_heuristic_score_threshold_and_stuff_area(heads):
    logits, inst = heads
    t = heuristic_fusion(logits, inst, CATS, score_threshold=0.95, stuff_area=3)
    # no instance; road has only 2 free pixels (< 3) -> VOID; the car pixels stay VOID
    assert t.ids[0].tolist() == [VOID] * 6 + [GRASS] * 4
    assert {s["id"] for s in t.segments} == {GRASS}


def test_upsnet_takes_softmax_argmax_over_stuff_and_instance_channels(heads):
    logits, inst = heads
    t = upsnet_fusion(logits, inst, CATS)
    # pixels 4, 5: a has 3 + 2 (car logit) against b's 3 + 2 -> tie -> the first channel (a);
    # pixel 6: b claims it with 3 + 0 = 3 > grass 2
    assert t.ids[0].tolist() == [ROAD] * 2 + [1] * 4 + [2] + [GRASS] * 3
    z = np.array([0.0, 0.0, 5.0])  # road, grass, instance a at pixel 2 (b is outside its box)
    assert t.confidence[0, 2] == pytest.approx(np.exp(5) / np.exp(z).sum())
    assert [s.name for s in t.steps] == ["stuff logits", "instance logits", "softmax + argmax"]


def test_upsnet_without_stuff_leaves_pixels_outside_boxes_void(heads):
    logits, inst = heads
    cats = [dict(c, isthing=1) for c in CATS]
    t = upsnet_fusion(logits, inst, cats)
    assert t.ids[0, 0] == VOID and t.confidence[0, 0] == 0.0


def test_conflicts_mark_double_claims_and_instances_on_stuff(heads):
    logits, inst = heads
    assert fusion_conflicts(logits, inst, CATS)[0].tolist() == [0, 0, 0, 0, 1, 1, 2, 0, 0, 0]


def test_synthetic_heads_without_noise_fuse_back_to_ground_truth():
    p = make_scene("street", seed=1).panoptic
    heads = synthetic_heads(p.ids, p.segments, p.categories, noise=0, jitter=0, duplicates=0)
    for fused in (heuristic_fusion(heads["semantic_logits"], heads["instances"], p.categories,
                                   stuff_area=0),
                  upsnet_fusion(heads["semantic_logits"], heads["instances"], p.categories)):
        r = panoptic_quality(p.ids, p.segments, fused.ids, fused.segments, p.categories)
        assert r.summary["all"]["rq"] == 1.0 and r.summary["all"]["sq"] > 0.95


def test_duplicates_hurt_upsnet_but_the_heuristic_drops_them():
    p = make_scene("street", seed=0).panoptic
    heads = synthetic_heads(p.ids, p.segments, p.categories, noise=0.5, duplicates=1,
                            random_state=0)
    n_things = sum(1 for s in p.segments if s["category_id"] in (4, 5) and not s["iscrowd"])
    assert len(heads["instances"]) == n_things + 1
    duplicate_id = n_things + 1  # the last instance; fused ids are index + 1
    h = heuristic_fusion(heads["semantic_logits"], heads["instances"], p.categories)
    u = upsnet_fusion(heads["semantic_logits"], heads["instances"], p.categories)
    assert duplicate_id - 1 not in h.kept
    r_h = panoptic_quality(p.ids, p.segments, h.ids, h.segments, p.categories)
    r_u = panoptic_quality(p.ids, p.segments, u.ids, u.segments, p.categories)
    assert duplicate_id in r_u.false_positives and duplicate_id not in r_h.false_positives
    assert r_h.summary["all"]["rq"] > r_u.summary["all"]["rq"]


@pytest.mark.parametrize("mutate, match", [
    (lambda l, i: (l[:2], i), "shape"),
    (lambda l, i: (l, [dict(i[0], category_id=9)]), "unknown category_id"),
    (lambda l, i: (l, [{"score": 1}]), "misses"),
    (lambda l, i: (l, [dict(i[0], mask_logits=np.zeros((2, 2)))]), "mask_logits"),
])
def test_bad_heads_raise(heads, mutate, match):
    logits, inst = mutate(*heads)
    with pytest.raises(ValueError, match=match):
        upsnet_fusion(logits, inst, CATS)


def test_bad_thresholds_raise(heads):
    with pytest.raises(ValueError, match="overlap_threshold"):
        heuristic_fusion(*heads, CATS, overlap_threshold=2)
