"""Mask R-CNN exercises: an anchor that the RPN's set lacks, one RoIAlign bin by hand, AP50.

Anchors are made by the model's own :class:`~torchvision.models.detection.anchor_utils.
AnchorGenerator` (sizes and ratios of :mod:`segcore.deep.mask_rcnn`) and compared with
:func:`segcore.evaluation.instances.mask_iou`; the RoIAlign bin is read by
:func:`torchvision.ops.roi_align`, the operator the model's ``MultiScaleRoIAlign`` calls;
AP50 is :func:`segcore.evaluation.instances.coco_mask_ap` (equal to pycocotools COCOeval).
"""

from __future__ import annotations

import numpy as np
import torch
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.ops import roi_align

from segcore.deep import mask_rcnn as mr
from segcore.evaluation.instances import RECALL_LEVELS, coco_mask_ap, mask_iou
from segcore.exercises.core import Answer, Exercise, Show, close_to, fmt, reach, rng_for

__all__ = ["EXERCISES", "anchor_ratio", "roialign_bin", "ap50_ranking", "anchor_box",
           "box_iou", "anchor_case", "roi_value", "ranking_case"]

# anchor-ratio ("beat the anchor set")
CANVAS = mr.IMAGE_SIZE             # the model's input side: anchors live on this image
POSITIVE_IOU = 0.7                 # Faster R-CNN: an anchor is positive at IoU >= 0.7
ANCHOR_LEVELS = (1, 2)             # P3 (size 32, stride 8) or P4 (size 64, stride 16)
GT_ELONGATION = (3.2, 4.5)         # the object's h/w (or w/h): beyond the model's ratio 2
GT_AREA = (0.85, 1.15)             # object area / anchor area
GT_OFFSET = 3                      # object centre off the anchor centre by up to 3 px
MODEL_BEST_MAX = 0.68              # the model's best anchor stays clearly below 0.7
REACHABLE_MIN = 0.75               # the anchor of the object's own ratio clearly above
RATIO_RANGE = (0.1, 10.0)          # answers: aspect ratios h/w
# roialign-bin (compute)
FEATURE_SIDE = 6                   # the feature map shown is 6 x 6 cells
FEATURE_MAX = 9                    # feature values 0..9
STRIDES = (4, 8, 16)               # P2, P3, P4
BINS = 2                           # a toy 2 x 2 RoIAlign output, one sample per bin
SAMPLES_PER_BIN = 1
BIN_WIDTHS = (1.0, 1.5, 2.0)       # bin sides in cells (the RoI is 2 bins wide)
QUARTER = 0.25                     # box corners on a quarter-cell grid (whole pixels)
ROI_TOLERANCE = 0.01
# ap50-ranking (predict)
SQUARE = 10                        # ground-truth squares of 10 x 10 px
SLOT = 20                          # one square per 20 px slot
LEFT = 8                           # first slot's square starts at x = 8 (shifts stay inside)
SLOTS = 7                          # objects in the first slots, background detections after
CANVAS_H = 24
TOP = 7                            # squares start at row 7 (vertical shifts stay inside)
GOOD_SHIFTS = (0, 1, 2, 3)         # IoU (10 - d) / (10 + d) >= 0.538: a hit at 0.5
POOR_SHIFTS = (4, 5, 6)            # IoU <= 0.43: a miss at 0.5
AP_TOLERANCE = 0.03
AP_THRESHOLD = 0.5


# ----------------------------------------------------------------- anchors


def anchor_box(center, size: float, ratio: float) -> np.ndarray:
    """The anchor of ``size`` and aspect ratio ``ratio`` = h/w at ``center``, as the model
    makes it (:class:`AnchorGenerator`: ``w = size / sqrt(r)``, ``h = size sqrt(r)``, the
    half-sides rounded, shifted to the grid point). Returns ``(x1, y1, x2, y2)`` int64."""
    base = AnchorGenerator(((float(size),),), ((float(ratio),),)).cell_anchors[0][0]
    cx, cy = center
    return base.numpy().astype(np.int64) + np.array([cx, cy, cx, cy], np.int64)


def _box_mask(box) -> np.ndarray:
    mask = np.zeros((CANVAS, CANVAS), bool)
    x1, y1, x2, y2 = (int(v) for v in box)
    mask[max(y1, 0):max(y2, 0), max(x1, 0):max(x2, 0)] = True
    return mask


def box_iou(a, b) -> float:
    """IoU of two whole-pixel boxes, with segcore's mask IoU of their pixels."""
    return float(mask_iou(_box_mask(a)[None], _box_mask(b)[None])[0, 0])


def anchor_case(seed: int) -> dict:
    """The object, the anchor position and level of :func:`anchor_ratio` for ``seed``."""
    rng = rng_for(seed, "anchor-ratio")
    while True:
        level = int(rng.choice(ANCHOR_LEVELS))
        size, stride = mr.ANCHOR_SIZES[level][0], 4 * 2 ** level
        cells = CANVAS // stride
        center = (int(rng.integers(cells // 3, 2 * cells // 3)) * stride,
                  int(rng.integers(cells // 3, 2 * cells // 3)) * stride)
        rho = rng.uniform(*GT_ELONGATION) ** rng.choice([-1, 1])      # h / w
        area = size ** 2 * rng.uniform(*GT_AREA)
        w, h = int(round(np.sqrt(area / rho))), int(round(np.sqrt(area * rho)))
        dx, dy = rng.integers(-GT_OFFSET, GT_OFFSET + 1, 2)
        x1, y1 = center[0] + int(dx) - w // 2, center[1] + int(dy) - h // 2
        gt = np.array([x1, y1, x1 + w, y1 + h], np.int64)
        model = {r: box_iou(anchor_box(center, size, r), gt) for r in mr.ASPECT_RATIOS}
        own = box_iou(anchor_box(center, size, h / w), gt)
        if max(model.values()) < MODEL_BEST_MAX and own >= REACHABLE_MIN:
            return {"level": level, "size": size, "stride": stride, "center": center,
                    "gt": gt, "model": model, "own": own}


def anchor_ratio(seed: int) -> Exercise:
    """Beat the anchor set: choose an aspect ratio whose anchor is positive (IoU >= 0.7)."""
    case = anchor_case(seed)
    size, center, gt = case["size"], case["center"], case["gt"]
    level_name = mr.FPN_LEVEL_NAMES[case["level"]]
    w, h = int(gt[2] - gt[0]), int(gt[3] - gt[1])
    rows = [{"anchor ratio h/w": r, "anchor (x1, y1, x2, y2)":
             str(tuple(int(v) for v in anchor_box(center, size, r))),
             "IoU with the object": round(iou, 3)} for r, iou in case["model"].items()]
    return Exercise(
        id="anchor-ratio", kind="beat", title="An anchor for an elongated object",
        prompt=(f"The RPN labels an anchor **positive** when its IoU with a ground-truth box "
                f"is at least {POSITIVE_IOU}. At the grid point ({center[0]}, {center[1]}) of "
                f"{level_name} (stride {case['stride']}) this model places {len(mr.ASPECT_RATIOS)} anchors of size "
                f"{size} (area {size}², aspect ratios h/w = "
                f"{', '.join(f'{r:g}' for r in mr.ASPECT_RATIOS)}). The object's box is "
                f"({', '.join(str(int(v)) for v in gt)}), {w} x {h} px: none of the three "
                f"anchors is positive. **Choose an aspect ratio h/w** for an anchor of size "
                f"{size} at the same centre that reaches IoU >= {POSITIVE_IOU}."),
        answer=Answer(f"Aspect ratio h/w ({RATIO_RANGE[0]:g}-{RATIO_RANGE[1]:g})",
                      *RATIO_RANGE),
        judge=reach(lambda r: box_iou(anchor_box(center, size, r), gt), POSITIVE_IOU,
                    name="IoU with the object", setting="h/w"),
        hints=(f"An anchor of size s and ratio r is s/sqrt(r) wide and s·sqrt(r) tall: its "
               f"area stays s² = {size * size} whatever r.",
               f"IoU = |A ∩ B| / (|A| + |B| - |A ∩ B|) of two boxes with the same centre is "
               f"largest when their shapes agree: try the object's own h/w = {h}/{w}."),
        solution=(f"The object is {w} x {h} px, h/w = {h / w:.2f}, area {w * h} px² "
                  f"(the anchor's is {size * size} px²). The best of the model's anchors "
                  f"reaches only IoU {max(case['model'].values()):.3f}. An anchor of ratio "
                  f"$r = {h / w:.2f}$ is $s/\\sqrt r \\approx {size / np.sqrt(h / w):.1f}$ wide "
                  f"and $s\\sqrt r \\approx {size * np.sqrt(h / w):.1f}$ tall (half-sides rounded "
                  f"to whole pixels) and reaches IoU {case['own']:.3f}. This is why Faster "
                  "R-CNN regresses box deltas from the anchors and why detectors for long "
                  "objects (text, pedestrians) add ratios like 1:3."),
        seed=seed,
        shows=(Show("table", rows, f"The model's anchors at ({center[0]}, {center[1]}) and "
                                   "their IoU with the object"),))


# ----------------------------------------------------------------- RoIAlign


def roi_value(feature: np.ndarray, box, stride: int, row: int, col: int) -> float:
    """Bin ``(row, col)`` of a 2 x 2 RoIAlign of ``box`` (image px) on ``feature`` (one
    sample per bin, ``aligned=False``), with the operator Mask R-CNN uses."""
    rois = torch.tensor([[0.0, *[float(v) for v in box]]])
    out = roi_align(torch.from_numpy(np.asarray(feature, np.float32))[None, None], rois,
                    BINS, 1.0 / stride, SAMPLES_PER_BIN, aligned=False)
    return float(out[0, 0, row, col])


def _axis(rng, index: int) -> tuple[float, float]:
    """Start and bin width (cells) along one axis, so that bin ``index``'s sample is
    fractional and its 2 x 2 neighbourhood lies inside the map."""
    while True:
        width = float(rng.choice(BIN_WIDTHS))
        room = FEATURE_SIDE - 1 - BINS * width
        start = QUARTER * int(rng.integers(0, int(room / QUARTER) + 1))
        sample = start + (index + 0.5) * width
        if sample % 1 and sample < FEATURE_SIDE - 1:
            return start, width


def roialign_bin(seed: int) -> Exercise:
    """Compute one RoIAlign bin: box to feature cells, bin centre, bilinear interpolation."""
    rng = rng_for(seed, "roialign-bin")
    feature = rng.integers(0, FEATURE_MAX + 1, (FEATURE_SIDE, FEATURE_SIDE))
    stride = int(rng.choice(STRIDES))
    row, col = (int(v) for v in rng.integers(0, BINS, 2))
    x0, bw = _axis(rng, col)
    y0, bh = _axis(rng, row)
    box = [int(round(v * stride)) for v in (x0, y0, x0 + BINS * bw, y0 + BINS * bh)]
    truth = roi_value(feature, box, stride, row, col)
    sx, sy = x0 + (col + 0.5) * bw, y0 + (row + 0.5) * bh
    i, j = int(sx), int(sy)
    fx, fy = sx - i, sy - j
    corners = feature[j:j + 2, i:i + 2]
    level = int(np.log2(stride))
    return Exercise(
        id="roialign-bin", kind="compute", title="One RoIAlign bin by hand",
        prompt=(f"A proposal ({', '.join(map(str, box))}) (x1, y1, x2, y2 in image pixels) is "
                f"read from P{level} (stride {stride}) with a toy RoIAlign of {BINS} x {BINS} "
                f"bins and one bilinear sample at the centre of each bin (Mask R-CNN's box head "
                "uses 7 x 7 bins, the mask head 14 x 14 for its 28 x 28 mask). The grid is the "
                "feature map: row = y, column = x, cell (x, y) holds the value at the point "
                f"(x, y). **Compute the value of bin (row {row}, column {col}).**"),
        answer=Answer(f"Bin ({row}, {col}) value", 0, FEATURE_MAX),
        judge=close_to(truth, ROI_TOLERANCE, reveal=False, name=f"bin ({row}, {col})"),
        hints=(f"Divide the box by the stride: it spans x from {x0:g} to {x0 + BINS * bw:g} "
               "cells. Each bin is half of that; its sample sits at the bin centre, without "
               "rounding (RoIPool would round).",
               "Bilinear: f(x, y) = Σ f_ij max(0, 1-|x-i|) max(0, 1-|y-j|) over the four "
               "cells around (x, y)."),
        solution=(f"In cells the box is $x \\in [{x0:g}, {x0 + BINS * bw:g}]$, "
                  f"$y \\in [{y0:g}, {y0 + BINS * bh:g}]$ (pixels / {stride}); bins are "
                  f"{bw:g} x {bh:g} cells. Bin ({row}, {col})'s centre is "
                  f"$x = {x0:g} + {col + 0.5:g} \\cdot {bw:g} = {sx:g}$, "
                  f"$y = {y0:g} + {row + 0.5:g} \\cdot {bh:g} = {sy:g}$. Its neighbours are "
                  f"$f({i},{j}) = {corners[0, 0]}$, $f({i + 1},{j}) = {corners[0, 1]}$, "
                  f"$f({i},{j + 1}) = {corners[1, 0]}$, $f({i + 1},{j + 1}) = {corners[1, 1]}$ "
                  f"with weights $(1-{fx:g})(1-{fy:g})$, ${fx:g}(1-{fy:g})$, "
                  f"$(1-{fx:g}){fy:g}$, ${fx:g}\\cdot{fy:g}$: the bin's value is "
                  f"{fmt(truth)}."),
        seed=seed,
        shows=(Show("grid", feature, f"The {FEATURE_SIDE} x {FEATURE_SIDE} feature map of "
                                     f"P{level} (row = y, column = x)"),))


# ----------------------------------------------------------------- AP50 of a ranking


def _square(x: int, y: int) -> np.ndarray:
    mask = np.zeros((CANVAS_H, SLOT * SLOTS), bool)
    mask[y:y + SQUARE, x:x + SQUARE] = True
    return mask


def ranking_case(seed: int) -> dict:
    """Ground-truth squares and scored detections (masks) of :func:`ap50_ranking`."""
    rng = rng_for(seed, "ap50-ranking")
    while True:
        n_gt = int(rng.choice([4, 5]))
        xs = [LEFT + SLOT * k for k in range(n_gt)]
        gts = [_square(x, TOP) for x in xs]
        dets = []

        def near(k, shifts):
            d = int(rng.choice(shifts)) * int(rng.choice([-1, 1]))
            dx, dy = (d, 0) if rng.random() < 0.5 else (0, d)
            dets.append(_square(xs[k] + dx, TOP + dy))

        for k in range(n_gt):               # most objects found, some missed
            if rng.random() < 0.8:
                near(k, GOOD_SHIFTS)
        for _ in range(int(rng.integers(0, 3))):                 # duplicates
            near(int(rng.integers(0, n_gt)), GOOD_SHIFTS[1:])
        for _ in range(int(rng.integers(0, 3))):                 # poor localisation
            near(int(rng.integers(0, n_gt)), POOR_SHIFTS)
        if rng.random() < 0.5:                                   # a detection on background
            dets.append(_square(LEFT + SLOT * int(rng.integers(n_gt, SLOTS)), TOP))
        scores = np.sort(rng.choice(np.arange(30, 100), len(dets), replace=False))[::-1] / 100
        order = rng.permutation(len(dets))
        dets = [dets[i] for i in order]                          # rank k has scores[k]
        gt = [{"mask": m, "category_id": 1} for m in gts]
        preds = [{"mask": m, "category_id": 1, "score": float(s)} for m, s in zip(dets, scores)]
        result = coco_mask_ap(gt, preds, iou_thresholds=[AP_THRESHOLD])
        tps = [bool(r["tp"][0]) for r in result["table"]]
        if sum(tps) >= 2 and result["AP50"] < 1:
            return {"gt": gt, "preds": preds, "result": result, "tp": tps}


def _ranking_rows(case) -> list[dict]:
    ious = mask_iou(np.array([p["mask"] for p in case["preds"]]),
                    np.array([g["mask"] for g in case["gt"]]))
    rows = []
    for k, (p, row) in enumerate(zip(case["preds"], ious)):
        best = int(row.argmax())
        rows.append({"rank": k + 1, "score": p["score"],
                     "overlaps": f"G{best + 1}" if row[best] > 0 else "nothing",
                     "IoU": round(float(row[best]), 3)})
    return rows


def _ap_solution(case) -> str:
    n_gt, tps = len(case["gt"]), np.array(case["tp"])
    tp_sum = np.cumsum(tps)
    precision = tp_sum / np.arange(1, len(tps) + 1)
    recall = tp_sum / n_gt
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    at = np.searchsorted(recall, RECALL_LEVELS, side="left")
    terms, reads = [], []
    for k in np.unique(at[at < len(tps)]):
        count = int(np.sum(at == k))
        terms.append(f"{count} \\cdot {envelope[k]:.3f}")
        reads.append(f"{count} level{'s' * (count > 1)} up to recall {recall[k]:.2f} read "
                     f"$\\hat p = {envelope[k]:.3f}$ (rank {k + 1})")
    missing = int(np.sum(at >= len(tps)))
    if missing:
        reads.append(f"the {missing} levels above the highest recall {recall[-1]:.2f} read 0")
    marks = " ".join("✓" if t else "✗" for t in tps)
    lecture = float(np.sum(precision[tps])) / n_gt
    return (f"Down the ranking (IoU >= {AP_THRESHOLD} with a ground truth not taken by a "
            f"higher score): [{marks}]; $P_k = TP_k / k$ = "
            f"{', '.join(f'{p:.2f}' for p in precision)}; $R_k = TP_k / {n_gt}$ = "
            f"{', '.join(f'{r:.2f}' for r in recall)}. COCO makes precision monotone from the "
            "right ($\\hat p_k = \\max_{j \\ge k} P_j$) and reads it at the 101 recall levels "
            f"0, 0.01, ..., 1: {'; '.join(reads)}. AP50 = $({' + '.join(terms)}) / 101 = "
            f"{case['result']['AP50']:.4f}$. The lecture's version (mean of $P_k$ at the true "
            f"positives over the {n_gt} objects) gives {lecture:.4f}.")


def ap50_ranking(seed: int) -> Exercise:
    """Predict the COCO AP50 of a ranked list of detections, then see COCOeval's value."""
    case = ranking_case(seed)
    truth = float(case["result"]["AP50"])
    n_gt = len(case["gt"])
    return Exercise(
        id="ap50-ranking", kind="predict", title="AP50 of a ranking",
        prompt=(f"An image holds {n_gt} objects of one class (G1 to G{n_gt}). The detector "
                f"returns the {len(case['preds'])} masks below, ranked by score, each with the "
                "ground-truth object it overlaps most and the mask IoU. **Predict AP50**: COCO "
                "AP at the IoU threshold 0.5 (101-point interpolation), then commit and see "
                "segcore's COCOeval."),
        answer=Answer("Your AP50 (0-1)", 0, 1),
        judge=close_to(truth, AP_TOLERANCE, reveal=True, fmt="{:.3f}", name="AP50"),
        hints=("A detection is a true positive when IoU >= 0.5 and its object was not already "
               "taken by a higher-scoring detection; a second hit on the same object is a "
               "false positive.",
               "Precision P_k = TP_k / k and recall R_k = TP_k / N after each rank; COCO "
               "replaces P by its maximum to the right and averages it at recall "
               "0, 0.01, ..., 1 (0 beyond the last recall reached)."),
        solution=_ap_solution(case), seed=seed,
        shows=(Show("table", _ranking_rows(case), "Detections ranked by score"),))


EXERCISES = (anchor_ratio, roialign_bin, ap50_ranking)
