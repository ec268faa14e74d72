"""coco_mask_ap against pycocotools COCOeval on random single-image cases."""

import numpy as np
import pytest
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from segcore.evaluation.instances import (UNDEFINED, coco_mask_ap, coco_mask_ap_images,
                                          mask_iou)

CASES = 240
SIZE = 24


def _coco(images, annotations, categories):
    coco = COCO()
    coco.dataset = {"images": images, "categories": categories, "annotations": annotations}
    coco.createIndex()
    return coco


def _rle(mask):
    return mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))


def pycocotools_ap(gt_images, pred_images):
    """AP, AP50, AP75 and the (T, R) precision of COCOeval (segm, area all, 100 dets)."""
    images = [{"id": i + 1, "height": SIZE, "width": SIZE} for i in range(len(gt_images))]
    cats = sorted({x["category_id"] for im in gt_images + pred_images for x in im} | {1})
    categories = [{"id": c, "name": str(c)} for c in cats]
    gt_anns, dt_anns = [], []
    for image_id, (gts, preds) in enumerate(zip(gt_images, pred_images), start=1):
        for g in gts:
            rle = _rle(g["mask"])
            gt_anns.append({"id": len(gt_anns) + 1, "image_id": image_id,
                            "category_id": g["category_id"], "segmentation": rle,
                            "area": float(mask_utils.area(rle)),
                            "iscrowd": int(g.get("iscrowd", 0)),
                            "bbox": list(mask_utils.toBbox(rle))})
        for p in preds:
            rle = _rle(p["mask"])
            dt_anns.append({"id": len(dt_anns) + 1, "image_id": image_id,
                            "category_id": p["category_id"], "segmentation": rle,
                            "score": p["score"], "area": float(mask_utils.area(rle)),
                            "iscrowd": 0, "bbox": list(mask_utils.toBbox(rle))})
    coco_gt = _coco(images, gt_anns, categories)
    coco_dt = _coco(images, dt_anns, categories)
    ev = COCOeval(coco_gt, coco_dt, iouType="segm")
    ev.evaluate()
    ev.accumulate()
    precision = ev.eval["precision"][:, :, :, 0, 2]          # (T, R, K), area all, 100 dets

    def summary(t=None):
        s = precision if t is None else precision[[t]]
        return float(np.mean(s[s > -1])) if (s > -1).any() else -1.0
    return summary(), summary(0), summary(5), precision


def _random_mask(rng):
    mask = np.zeros((SIZE, SIZE), bool)
    for _ in range(rng.integers(1, 3)):
        y, x = rng.integers(0, SIZE - 4, 2)
        h, w = rng.integers(3, SIZE // 2, 2)
        mask[y:y + h, x:x + w] = True
    return mask


def _jitter(mask, rng):
    shifted = np.roll(mask, tuple(rng.integers(-1, 2, 2)), axis=(0, 1))
    return shifted | (rng.random(mask.shape) < 0.01)


def random_case(rng):
    n_cats = int(rng.integers(1, 4))
    gts = [{"mask": _random_mask(rng), "category_id": int(rng.integers(1, n_cats + 1)),
            "iscrowd": int(rng.random() < 0.15)} for _ in range(rng.integers(0, 7))]
    preds = []
    for _ in range(rng.integers(0, 10)):
        if gts and rng.random() < 0.7:
            src = gts[rng.integers(len(gts))]
            mask, cat = _jitter(src["mask"], rng), src["category_id"]
            if rng.random() < 0.15:
                cat = int(rng.integers(1, n_cats + 1))
        else:
            mask, cat = _random_mask(rng), int(rng.integers(1, n_cats + 1))
        preds.append({"mask": mask, "category_id": cat,
                      "score": float(rng.choice([0.3, 0.5, 0.9])) if rng.random() < 0.4
                      else float(rng.random())})
    return gts, preds


@pytest.mark.parametrize("seed", range(CASES))
def test_matches_pycocotools(seed):
    rng = np.random.default_rng(seed)
    gts, preds = random_case(rng)
    ap, ap50, ap75, precision = pycocotools_ap([gts], [preds])
    ours = coco_mask_ap(gts, preds)
    assert ours["AP"] == pytest.approx(ap, abs=1e-9)
    assert ours["AP50"] == pytest.approx(ap50, abs=1e-9)
    assert ours["AP75"] == pytest.approx(ap75, abs=1e-9)
    valid = precision[0] > -1
    if valid.any():
        curve = precision[0][:, valid.all(axis=0)].mean(axis=1)
        np.testing.assert_allclose(ours["pr"][0.5][1], curve, atol=1e-9)


def test_covered_situations():
    """The random cases include every situation the issue lists."""
    seen = set()
    for seed in range(CASES):
        gts, preds = random_case(np.random.default_rng(seed))
        scores = [p["score"] for p in preds]
        seen |= {"crowd"} if any(g["iscrowd"] for g in gts) else set()
        seen |= {"no_dets"} if not preds and gts else set()
        seen |= {"no_gt"} if not gts and preds else set()
        seen |= {"ties"} if len(scores) != len(set(scores)) else set()
        seen |= {"categories"} if len({g["category_id"] for g in gts}) > 1 else set()
    assert seen == {"crowd", "no_dets", "no_gt", "ties", "categories"}


def test_several_images_match_pycocotools():
    rng = np.random.default_rng(99)
    cases = [random_case(rng) for _ in range(6)]
    gt_images, pred_images = [c[0] for c in cases], [c[1] for c in cases]
    ap, ap50, ap75, _ = pycocotools_ap(gt_images, pred_images)
    ours = coco_mask_ap_images(gt_images, pred_images)
    assert (ours["AP"], ours["AP50"], ours["AP75"]) == pytest.approx((ap, ap50, ap75), abs=1e-9)


def test_mask_iou_matches_pycocotools():
    rng = np.random.default_rng(5)
    dets = np.array([_random_mask(rng) for _ in range(5)])
    gts = np.array([_random_mask(rng) for _ in range(4)])
    crowd = np.array([0, 1, 0, 1], np.uint8)
    expected = mask_utils.iou([_rle(m) for m in dets], [_rle(m) for m in gts], crowd)
    np.testing.assert_allclose(mask_iou(dets, gts, crowd.astype(bool)), expected, atol=1e-12)


def test_lecture_ranking_table():
    """Ranking [v v x v x x v] with 4 objects: every ground truth found."""
    size, labels = 16, [1, 1, 0, 1, 0, 0, 1]
    scores = [0.90, 0.87, 0.82, 0.78, 0.70, 0.69, 0.60]
    gts, preds, k = [], [], 0
    for i, (hit, score) in enumerate(zip(labels, scores)):
        mask = np.zeros((size, size), bool)
        mask[i * 2:i * 2 + 2, :4] = True
        if hit:
            gts.append({"mask": mask, "category_id": 1})
            k += 1
        preds.append({"mask": mask if hit else np.roll(mask, 8, axis=1),
                      "category_id": 1, "score": score})
    result = coco_mask_ap(gts, preds, iou_thresholds=[0.5])
    assert [bool(r["tp"][0]) for r in result["table"]] == [bool(x) for x in labels]
    assert result["thresholds"] == [0.5, 0.75] or 0.5 in result["per_iou"]
    recall, precision = result["per_category"][1]["raw"][0.5]
    np.testing.assert_allclose(precision[-1], 4 / 7, atol=1e-12)
    assert recall[-1] == 1.0


def test_undefined_without_ground_truth():
    mask = np.ones((4, 4), bool)
    result = coco_mask_ap([], [{"mask": mask, "category_id": 1, "score": 0.5}])
    assert result["AP"] == UNDEFINED and result["AP50"] == UNDEFINED


@pytest.mark.parametrize("gt, preds, thresholds, match", [
    ("x", [], None, "gt must be a list"),
    ([{"mask": np.ones((2, 2))}], [], None, "category_id"),
    ([{"mask": np.ones(3), "category_id": 1}], [], None, "2-D"),
    ([{"mask": np.ones((2, 2)), "category_id": 1}],
     [{"mask": np.ones((3, 3)), "category_id": 1, "score": 1.0}], None, "shape"),
    ([], [{"mask": np.ones((2, 2)), "category_id": 1, "score": float("nan")}], None, "finite"),
    ([], [], [1.5], "iou_thresholds"),
])
def test_bad_input_raises(gt, preds, thresholds, match):
    with pytest.raises(ValueError, match=match):
        coco_mask_ap(gt, preds, thresholds)
