"""Mask R-CNN exercises: seeded, checked against torchvision / numpy / pycocotools, on the page."""

import re

import numpy as np
import pytest
import torch
from torchvision.models.detection.image_list import ImageList
from torchvision.ops import box_iou as tv_box_iou

from segcore import exercises
from segcore.deep import mask_rcnn as mr
from segcore.exercises import mask_rcnn as ex
from tests.challenge_helpers import exercise
from tests.exercise_checks import (SEEDS, check_complete, check_generation_time,
                                   check_panel, check_seeding)
from tests.test_instances_ap import pycocotools_ap

PAGE, FILE = "mask-rcnn", "pages/mask-rcnn.py"


def _numpy_box_iou(a, b) -> float:
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    area = lambda r: (r[2] - r[0]) * (r[3] - r[1])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def _bilinear_bin(feature, box, stride, row, col) -> float:
    """RoIAlign bin (row, col) of 2 x 2 bins, one sample at each bin centre, by hand."""
    x1, y1, x2, y2 = (v / stride for v in box)
    x = x1 + (col + 0.5) * (x2 - x1) / 2
    y = y1 + (row + 0.5) * (y2 - y1) / 2
    total = 0.0
    for j in range(feature.shape[0]):
        for i in range(feature.shape[1]):
            total += feature[j, i] * max(0, 1 - abs(x - i)) * max(0, 1 - abs(y - j))
    return total


def _roi_inputs(e):
    """The feature grid, box, stride and bin of a roialign-bin exercise, read from its text."""
    feature = np.asarray(e.shows[0].value)
    box = [int(v) for v in e.prompt.split("A proposal (")[1].split(")")[0].split(", ")]
    stride = int(e.prompt.split("(stride ")[1].split(")")[0])
    row, col = (int(v) for v in re.search(r"bin \(row (\d), column (\d)\)", e.prompt).groups())
    return feature, box, stride, row, col


# ----------------------------------------------------------------- seeds


def test_seeded_with_hints_and_solutions():
    check_seeding(PAGE, ["anchor-ratio", "roialign-bin", "ap50-ranking"])
    check_complete(PAGE, SEEDS)
    assert {e.kind for e in exercises.for_page(PAGE, 7)} == {"beat", "compute", "predict"}


# ----------------------------------------------------------------- anchors


@pytest.mark.parametrize("seed", SEEDS)
def test_anchors_are_the_models_own(seed):
    case = ex.anchor_case(seed)
    model = mr.pretrained_model("shapes")
    side = mr.IMAGE_SIZE
    maps = [torch.zeros(1, 1, side // 2 ** (k + 2), side // 2 ** (k + 2))
            for k in range(len(mr.ANCHOR_SIZES))]
    anchors = model.rpn.anchor_generator(ImageList(torch.zeros(1, 3, side, side),
                                                   [(side, side)]), maps)[0]
    level, stride = case["level"], case["stride"]
    cells = side // stride
    start = sum(len(mr.ASPECT_RATIOS) * (side // 2 ** (k + 2)) ** 2 for k in range(level))
    cx, cy = case["center"]
    cell = (cy // stride) * cells + cx // stride
    at = anchors[start + cell * 3:start + cell * 3 + 3].numpy()
    mine = np.array([ex.anchor_box(case["center"], case["size"], r) for r in mr.ASPECT_RATIOS])
    np.testing.assert_array_equal(at, mine)


@pytest.mark.parametrize("seed", SEEDS)
def test_anchor_iou_matches_torchvision_and_numpy(seed):
    case = ex.anchor_case(seed)
    gt = case["gt"]
    for ratio in (*mr.ASPECT_RATIOS, 0.3, 3.0, 4.2):
        box = ex.anchor_box(case["center"], case["size"], ratio)
        ref = float(tv_box_iou(torch.as_tensor(np.array([box]), dtype=torch.float64),
                               torch.as_tensor(np.array([gt]), dtype=torch.float64))[0, 0])
        assert ex.box_iou(box, gt) == pytest.approx(ref, abs=1e-12)
        assert ex.box_iou(box, gt) == pytest.approx(_numpy_box_iou(box, gt), abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_anchor_target_is_reachable_and_not_met_by_the_models_anchors(seed):
    e = exercise(PAGE, "anchor-ratio", seed)
    case = ex.anchor_case(seed)
    for ratio in mr.ASPECT_RATIOS:          # the model's own anchors (and the square default)
        verdict = e.check(str(ratio))
        assert not verdict.correct and verdict.achieved < ex.POSITIVE_IOU
        assert verdict.message.startswith("Not yet")
    gt = case["gt"]
    found = [r for r in np.geomspace(0.1, 10, 400)
             if _numpy_box_iou(ex.anchor_box(case["center"], case["size"], r), gt)
             >= ex.POSITIVE_IOU]
    assert found
    verdict = e.check(f"{found[len(found) // 2]:.6f}")
    assert verdict.correct and verdict.achieved >= ex.POSITIVE_IOU
    assert verdict.truth == ex.POSITIVE_IOU


def test_anchor_answers_out_of_range_or_text_are_refused():
    e = exercise(PAGE, "anchor-ratio", 3)
    for bad in ("0", "11", "tall", ""):
        with pytest.raises(ValueError):
            e.check(bad)


# ----------------------------------------------------------------- RoIAlign


@pytest.mark.parametrize("seed", SEEDS)
def test_roialign_truth_is_bilinear_at_the_bin_centre(seed):
    e = exercise(PAGE, "roialign-bin", seed)
    feature, box, stride, row, col = _roi_inputs(e)
    truth = _bilinear_bin(feature, box, stride, row, col)
    assert e.check(f"{truth:.4f}").correct
    assert ex.roi_value(feature, box, stride, row, col) == pytest.approx(truth, abs=1e-5)
    point = mr._roi_align_points(np.array(box, float), 1 / stride, bins=2, ratio=1)[row, col, 0]
    x1, y1, x2, y2 = (v / stride for v in box)
    assert point == pytest.approx([x1 + (col + 0.5) * (x2 - x1) / 2,
                                   y1 + (row + 0.5) * (y2 - y1) / 2])
    assert 0 < point[0] % 1 or 0 < point[1] % 1          # a real interpolation
    assert point.max() < ex.FEATURE_SIDE - 1


def test_roialign_wrong_answers_say_which_side():
    e = exercise(PAGE, "roialign-bin", 11)
    feature, box, stride, row, col = _roi_inputs(e)
    truth = _bilinear_bin(feature, box, stride, row, col)
    high = e.check(f"{min(truth + 0.5, 9):.4f}")
    assert not high.correct and "too high" in high.message and high.truth is None
    low = e.check(f"{max(truth - 0.5, 0):.4f}")
    assert not low.correct and "too low" in low.message
    with pytest.raises(ValueError, match="out of range"):
        e.check("10")


# ----------------------------------------------------------------- AP50


@pytest.mark.parametrize("seed", SEEDS + (2, 3, 4, 5))
def test_ap50_equals_pycocotools(seed):
    case = ex.ranking_case(seed)
    gt = [dict(g) for g in case["gt"]]
    preds = [dict(p) for p in case["preds"]]
    _, ap50, _, _ = pycocotools_ap([gt], [preds])
    e = exercise(PAGE, "ap50-ranking", seed)
    verdict = e.check(f"{ap50:.6f}")
    assert verdict.correct and verdict.truth == pytest.approx(ap50, abs=1e-12)
    table = e.shows[0].value
    assert [r["score"] for r in table] == sorted((r["score"] for r in table), reverse=True)
    assert 0 < ap50 < 1


def test_ap50_table_ious_are_mask_ious():
    case = ex.ranking_case(5)
    rows = exercise(PAGE, "ap50-ranking", 5).shows[0].value
    for row, p in zip(rows, case["preds"]):
        ious = [np.sum(p["mask"] & g["mask"]) / np.sum(p["mask"] | g["mask"]) for g in case["gt"]]
        assert row["IoU"] == pytest.approx(max(ious), abs=5e-4)


def test_ap50_prediction_is_revealed_whatever_the_answer():
    e = exercise(PAGE, "ap50-ranking", 9)
    truth = float(ex.ranking_case(9)["result"]["AP50"])
    far = 0.0 if truth > 0.5 else 1.0
    verdict = e.check(str(far))
    assert not verdict.correct and verdict.truth == truth
    assert f"{truth:.3f}" in verdict.message
    assert e.check(f"{truth + 0.02:.4f}").correct
    with pytest.raises(ValueError):
        e.check("1.5")


def test_generation_is_fast():
    check_generation_time(PAGE)


# ----------------------------------------------------------------- the page


def test_page_challenge_right_wrong_and_bad_input():
    roi = exercise(PAGE, "roialign-bin")
    check_panel(FILE, PAGE, right=("roialign-bin", f"{_bilinear_bin(*_roi_inputs(roi)):.4f}"),
                wrong=("anchor-ratio", "1", "Not yet"),          # the square anchor: IoU < 0.7
                bad=("ap50-ranking", "about a half", "is not a number"))
