"""Panoptic-quality exercises: PQ of a matching table, PQ after an error, a cut, a 5 x 5 grid.

PQ, SQ and RQ are :func:`segcore.evaluation.panoptic.panoptic_quality` (the COCO
panoptic API's rules: IoU strictly above 0.5, VOID, crowd); predictions are made by
:func:`segcore.evaluation.perturb.perturb_panoptic` on the street scene, as on the
page; pixel accuracy, IoU, mIoU and Dice are :mod:`segcore.metrics`.
"""

from __future__ import annotations

import numpy as np

from segcore import metrics
from segcore.evaluation.panoptic import MATCH_IOU, VOID, panoptic_quality
from segcore.evaluation.perturb import perturb_panoptic
from segcore.exercises.core import Answer, Exercise, Show, close_to, fmt, reach, rng_for
from segcore.scenes import make_scene

__all__ = ["EXERCISES", "pq_by_hand", "pq_after_error", "keep_threshold", "grid_metrics",
           "TOY_CATEGORIES", "toy_case", "error_case", "things_pq", "kept_prediction",
           "threshold_case", "grid_case", "GRID_METRICS"]

# pq-by-hand (compute): a road with cars, drawn as rectangles
ROAD, CAR, PERSON = 1, 2, 3
TOY_CATEGORIES = ({"id": ROAD, "name": "road", "isthing": 0},
                  {"id": CAR, "name": "car", "isthing": 1},
                  {"id": PERSON, "name": "person", "isthing": 1})
TOY_SLOT, TOY_H = 16, 20           # one object per 16 px slot of a 20 px tall strip
CAR_W, CAR_H, CAR_X, CAR_Y = 10, 8, 3, 6
CARS = 4                           # ground-truth cars (plus maybe a crowd of cars)
CROWD_BOX = (1, 3, TOY_SLOT - 2, TOY_H - 6)   # x, y, w, h of a crowd region in its slot
ON_CROWD = (3, 5)                  # x, y of the car predicted inside the crowd region
GOOD_SHIFTS = (0, 1, 2, 3)         # IoU (10 - d) / (10 + d) > 0.5
OUTCOMES = ("good", "half", "person", "missed")   # half: IoU exactly 0.5, no match
PQ_TOLERANCE = 0.005
# pq-after-error (predict) and keep-threshold (beat): the street scene of the page
SCENE_SIZE = 128
SCENE_SEEDS = 10_000
ERRORS = (("split", 1), ("split", 2), ("drop", 1), ("drop", 2), ("merge", 1),
          ("false_positives", 2), ("false_positives", 3), ("grow", -2), ("grow", 2))
PREDICT_TOLERANCE = 0.05
FALSE_POSITIVES = 4                # the beat's prediction has four false-positive things
MIN_GAIN = 0.03                    # the best cut beats keeping everything by this much
TARGET_SHARE = 0.6                 # target: this share of the way from "keep all" to the best
GOLDEN = 0.618033988749895         # hue step between consecutive segment ids
TOY_COLOURS = {ROAD: (90, 90, 90), CAR: (86, 180, 233), PERSON: (230, 159, 0),
               "crowd": (204, 121, 167)}
# grid-metrics (compute)
GRID = 5
GRID_CLASSES = 3                   # 0 = background, 1 and 2 objects
GRID_FLIPS = (4, 8)                # wrongly predicted cells (inclusive)
GRID_TOLERANCE = 0.005
GRID_METRICS = ("pixel accuracy", "IoU", "Dice", "mIoU")


def things_pq(result) -> float:
    """PQ averaged over the thing classes (``summary["things"]["pq"]``)."""
    return float(result.summary["things"]["pq"])


def _hues(n: int) -> np.ndarray:
    """``n`` colours, id k at hue k x golden ratio (neighbouring ids far apart), id 0 black."""
    hue = (np.arange(n) * GOLDEN % 1.0)[:, None]
    rgb = np.clip(np.abs((hue * 6 + np.array([0.0, 4.0, 2.0])) % 6 - 3) - 1, 0, 1)
    colours = np.round(255 * (0.25 + 0.7 * rgb)).astype(np.uint8)   # soft, never black
    colours[VOID] = 0
    return colours


def _paint(ids: np.ndarray, colours: np.ndarray | None = None) -> np.ndarray:
    """An id map as a picture, 2x enlarged: ``colours[id]`` (default one hue per segment id,
    the same id the same colour in every picture), VOID black."""
    ids = np.asarray(ids)
    colours = _hues(int(ids.max()) + 1) if colours is None else colours
    return np.repeat(np.repeat(colours[ids], 2, axis=0), 2, axis=1)


# ----------------------------------------------------------------- PQ of a matching table


def _rect(ids, slot, x, y, w, h, value):
    ids[y:y + h, TOY_SLOT * slot + x:TOY_SLOT * slot + x + w] = value


def toy_case(seed: int) -> dict:
    """Ground truth and prediction (id maps and segments) of :func:`pq_by_hand`."""
    rng = rng_for(seed, "pq-by-hand")
    outcomes = ["good", "good"] + list(rng.choice(OUTCOMES, CARS - 2))
    extras = [e for e in ("false positive", "crowd") if rng.random() < 0.6]
    slots = rng.permutation(CARS + len(extras))
    width = TOY_SLOT * len(slots)
    gt, pred = np.full((TOY_H, width), ROAD), np.full((TOY_H, width), ROAD)
    gt_segments = [{"id": ROAD, "category_id": ROAD, "iscrowd": 0}]
    pred_segments = [{"id": ROAD, "category_id": ROAD}]
    new_id = 2

    def predict(category, slot, x, y, w, h):
        nonlocal new_id
        _rect(pred, slot, x, y, w, h, new_id)
        pred_segments.append({"id": new_id, "category_id": category})
        new_id += 1

    for k, outcome in enumerate(outcomes):
        slot = int(slots[k])
        gid = 2 + k
        _rect(gt, slot, CAR_X, CAR_Y, CAR_W, CAR_H, gid)
        gt_segments.append({"id": gid, "category_id": CAR, "iscrowd": 0})
        if outcome == "good":
            predict(CAR, slot, CAR_X + int(rng.choice(GOOD_SHIFTS)), CAR_Y, CAR_W, CAR_H)
        elif outcome == "half":
            predict(CAR, slot, CAR_X, CAR_Y, CAR_W // 2, CAR_H)
        elif outcome == "person":
            predict(PERSON, slot, CAR_X, CAR_Y, CAR_W, CAR_H)
    for k, extra in enumerate(extras):
        slot = int(slots[CARS + k])
        if extra == "crowd":
            gid = 2 + CARS
            _rect(gt, slot, *CROWD_BOX, gid)
            gt_segments.append({"id": gid, "category_id": CAR, "iscrowd": 1})
            predict(CAR, slot, *ON_CROWD, CAR_W, CAR_H)
        else:
            predict(CAR, slot, CAR_X, CAR_Y, CAR_W, CAR_H)
    result = panoptic_quality(gt, gt_segments, pred, pred_segments, list(TOY_CATEGORIES))
    names = {("gt", s["id"]): "crowd" for s in gt_segments if s["iscrowd"]}
    for side, ids, segments, letter in (("gt", gt, gt_segments, "G"),
                                        ("pred", pred, pred_segments, "P")):
        left = {s["id"]: int(np.nonzero(ids == s["id"])[1].min()) for s in segments[1:]
                if (side, s["id"]) not in names}
        for i, sid in enumerate(sorted(left, key=left.get)):    # numbered left to right
            names[(side, sid)] = f"{letter}{i + 1}"
    return {"gt": gt, "gt_segments": gt_segments, "pred": pred, "pred_segments": pred_segments,
            "result": result, "names": names}


def _toy_rows(case) -> list[dict]:
    """The matching table: every (ground truth, prediction) pair of things sharing pixels."""
    cat = {("gt", s["id"]): s["category_id"] for s in case["gt_segments"]}
    cat.update({("pred", s["id"]): s["category_id"] for s in case["pred_segments"]})
    name = {c["id"]: c["name"] for c in TOY_CATEGORIES}
    area = {("gt", s["id"]): int(np.sum(case["gt"] == s["id"])) for s in case["gt_segments"]}
    area.update({("pred", s["id"]): int(np.sum(case["pred"] == s["id"]))
                 for s in case["pred_segments"]})

    def label(side, sid):
        return f"{case['names'][(side, sid)]} {name[cat[(side, sid)]]}"

    rows, seen = [], set()
    for gid, pid, inter, iou in case["result"].overlaps:
        if ROAD in (gid, pid):
            continue
        seen |= {("gt", gid), ("pred", pid)}
        rows.append({"ground truth": label("gt", gid), "prediction": label("pred", pid),
                     "GT px": area[("gt", gid)], "pred px": area[("pred", pid)],
                     "shared px": int(inter), "IoU": round(float(iou), 3)})
    for key in sorted(set(case["names"]) - seen, key=lambda k: case["names"][k]):
        gt_side = key[0] == "gt"
        rows.append({"ground truth": label(*key) if gt_side else "-",
                     "prediction": "-" if gt_side else label(*key),
                     "GT px": area[key] if gt_side else 0,
                     "pred px": 0 if gt_side else area[key], "shared px": 0, "IoU": 0.0})
    rows.sort(key=lambda r: (r["ground truth"] == "-", r["ground truth"], r["prediction"]))
    return rows


def _toy_picture(case) -> np.ndarray:
    """Ground truth above prediction, coloured by class (crowd apart), a black line between."""
    pictures = []
    for ids, segments in ((case["gt"], case["gt_segments"]),
                          (case["pred"], case["pred_segments"])):
        colours = np.zeros((int(ids.max()) + 1, 3), np.uint8)
        for s in segments:
            colours[s["id"]] = TOY_COLOURS["crowd" if s.get("iscrowd") else s["category_id"]]
        pictures.append(_paint(ids, colours))
    line = np.zeros((4,) + pictures[0].shape[1:], np.uint8)
    return np.vstack([pictures[0], line, pictures[1]])


def pq_by_hand(seed: int) -> Exercise:
    """Compute PQ of the class car from a matching table (strict IoU > 0.5, crowd, classes)."""
    case = toy_case(seed)
    result, names = case["result"], case["names"]
    stats = result.per_class[CAR]
    truth = float(stats["pq"])
    matched = [(names[("gt", g)], names[("pred", p)], iou) for g, p, iou in result.matches
               if g != ROAD]
    car_fp = [names[("pred", p)] for p in result.false_positives
              if any(s["id"] == p and s["category_id"] == CAR for s in case["pred_segments"])]
    car_fn = [names[("gt", g)] for g in result.false_negatives
              if any(s["id"] == g and s["category_id"] == CAR for s in case["gt_segments"])]
    ignored = [names[("pred", p)] for p in result.ignored]
    iou_sum = sum(iou for _, _, iou in matched)
    tp, fp, fn = stats["tp"], stats["fp"], stats["fn"]
    sq = iou_sum / tp if tp else 0.0
    solution = (
        f"True positives (car with car, IoU > {MATCH_IOU}): "
        f"{', '.join(f'{g}-{p} ({iou:.3f})' for g, p, iou in matched) or 'none'}, so "
        f"$|TP| = {tp}$ and $SQ = {iou_sum:.3f} / {tp} = {sq:.3f}$. "
        f"False positives (unmatched car predictions): {', '.join(car_fp) or 'none'} "
        f"($|FP| = {fp}$); false negatives (unmatched, non-crowd car ground truth): "
        f"{', '.join(car_fn) or 'none'} ($|FN| = {fn}$)"
        + (f"; {', '.join(ignored)} lies more than half on the crowd region and is ignored"
           if ignored else "")
        + f". $RQ = {tp} / ({tp} + \\tfrac12 \\cdot {fp} + \\tfrac12 \\cdot {fn}) = "
        f"{stats['rq']:.3f}$, $PQ = SQ \\times RQ = {truth:.4f}$. An IoU of exactly 0.5 is "
        "no match, and a prediction of another class never matches a car.")
    return Exercise(
        id="pq-by-hand", kind="compute", title="PQ of one class from the matching table",
        prompt=("A strip of road with cars: the table lists every pair of ground-truth and "
                "predicted thing segments that share pixels, then the segments that overlap no "
                "thing. The road is predicted perfectly and there is no VOID. **Compute PQ of "
                "the class car** with the lecture's rules (a match needs the same class and "
                "IoU > 0.5; a crowd region is never matched or missed, and a prediction lying "
                "more than half on it is ignored)."),
        answer=Answer("PQ of car (0-1)", 0, 1),
        judge=close_to(truth, PQ_TOLERANCE, reveal=False, name="PQ of car"),
        hints=("Go row by row: which pairs are true positives? A pair needs the same class "
               "and IoU strictly above 0.5.",
               "PQ = (sum of the TP IoUs / |TP|) x |TP| / (|TP| + |FP|/2 + |FN|/2); the crowd "
               "row and the prediction it excuses count in none of these."),
        solution=solution, seed=seed,
        shows=(Show("table", _toy_rows(case), "The matching table (IoU from segcore)"),
               Show("image", _toy_picture(case), "Top: ground truth, bottom: prediction; road "
                    "grey, car blue, person orange, crowd pink. G1, G2, ... and P1, P2, ... "
                    "are numbered left to right.")))


# ----------------------------------------------------------------- PQ after one error


def _street(rng):
    scene = make_scene("street", seed=int(rng.integers(0, SCENE_SEEDS)), size=SCENE_SIZE)
    return scene, scene.panoptic


def _describe(kind: str, amount: int) -> str:
    return {"split": f"the {amount} largest thing(s) each cut in two by a vertical line",
            "drop": f"{amount} random thing(s) dropped (left VOID)",
            "merge": "the closest pair of same-class things merged into one segment",
            "false_positives": f"{amount} false-positive disk(s) of a thing class added",
            "grow": (f"every thing eroded by {-amount} px (the rim left VOID)" if amount < 0
                     else f"every thing dilated by {amount} px over its surroundings")}[kind]


def error_case(seed: int) -> dict:
    """Scene, error and prediction of :func:`pq_after_error`."""
    rng = rng_for(seed, "pq-after-error")
    scene, gt = _street(rng)
    kind, amount = ERRORS[int(rng.integers(0, len(ERRORS)))]
    pred = perturb_panoptic(gt.ids, gt.segments, gt.categories, **{kind: amount},
                            random_state=int(rng.integers(0, SCENE_SEEDS)))
    result = panoptic_quality(gt.ids, gt.segments, pred.ids, pred.segments, gt.categories)
    return {"scene": scene, "kind": kind, "amount": amount, "pred": pred, "result": result}


def _class_rows(categories, segments) -> list[dict]:
    rows = []
    for c in categories:
        mine = [s for s in segments if s["category_id"] == c["id"]]
        rows.append({"class": c["name"], "kind": "thing" if c["isthing"] else "stuff",
                     "segments": sum(not s.get("iscrowd", 0) for s in mine),
                     "crowd regions": sum(bool(s.get("iscrowd", 0)) for s in mine)})
    return rows


def pq_after_error(seed: int) -> Exercise:
    """Predict PQ of the things after one typical error, then see panoptic_quality."""
    case = error_case(seed)
    result, gt = case["result"], case["scene"].panoptic
    truth = things_pq(result)
    per = [f"{c['name']}: TP {result.per_class[c['id']]['tp']}, "
           f"FP {result.per_class[c['id']]['fp']}, FN {result.per_class[c['id']]['fn']}, "
           f"SQ {result.per_class[c['id']]['sq']:.3f}, RQ {result.per_class[c['id']]['rq']:.3f}, "
           f"PQ {result.per_class[c['id']]['pq']:.3f}"
           for c in gt.categories if c["isthing"]]
    return Exercise(
        id="pq-after-error", kind="predict", title="PQ after one typical error",
        prompt=(f"The prediction is the ground truth of this street scene with one error: "
                f"**{_describe(case['kind'], case['amount'])}**. **Predict PQ of the things** "
                "(the mean of PQ over car and person), commit, and the page runs the matching."),
        answer=Answer("Your PQ of the things (0-1)", 0, 1),
        judge=close_to(truth, PREDICT_TOLERANCE, reveal=True, fmt="{:.3f}",
                       name="PQ of the things"),
        hints=("Untouched segments match with IoU 1. Ask for each changed segment: does it "
               "still overlap its ground truth by IoU > 0.5 (a TP with a lower IoU, so SQ "
               "falls) or not (an FN, and maybe FPs, so RQ falls)?",
               "PQ of a class = SQ x RQ, RQ = |TP| / (|TP| + |FP|/2 + |FN|/2); things are "
               "small here, so a few pixels change an IoU a lot."),
        solution=(f"segcore's matching per thing class: {'; '.join(per)}. PQ of the things "
                  f"= the mean of the two = {truth:.3f}. Stuff classes are barely touched by "
                  "this error; PQ over all classes is "
                  f"{result.summary['all']['pq']:.3f}."),
        seed=seed,
        shows=(Show("image", _paint(gt.ids), "Ground truth (one colour per segment, VOID black)"),
               Show("image", _paint(case["pred"].ids), "Prediction"),
               Show("table", _class_rows(gt.categories, gt.segments), "Ground-truth segments")))


# ----------------------------------------------------------------- keep-threshold (beat)


def kept_prediction(ids, segments, categories, t: float):
    """The prediction keeping thing segments scoring at least ``t`` (others become VOID)."""
    things = {c["id"] for c in categories if c["isthing"]}
    dropped = [s["id"] for s in segments if s["category_id"] in things and s["score"] < t]
    return (np.where(np.isin(ids, dropped), VOID, ids),
            [s for s in segments if s["id"] not in dropped])


def threshold_case(seed: int) -> dict:
    """Scene, scored prediction, PQ of the things keeping everything, best cut and target."""
    rng = rng_for(seed, "keep-threshold")
    while True:
        scene, gt = _street(rng)
        pred = perturb_panoptic(gt.ids, gt.segments, gt.categories,
                                false_positives=FALSE_POSITIVES,
                                random_state=int(rng.integers(0, SCENE_SEEDS)))

        def score(t, pred=pred, gt=gt):
            ids, segments = kept_prediction(pred.ids, pred.segments, gt.categories, t)
            return things_pq(panoptic_quality(gt.ids, gt.segments, ids, segments,
                                              gt.categories))

        things = {c["id"] for c in gt.categories if c["isthing"]}
        levels = sorted({s["score"] for s in pred.segments if s["category_id"] in things})
        cuts = [(a + b) / 2 for a, b in zip(levels[:-1], levels[1:])]
        values = [score(t) for t in cuts]
        base = score(0.0)
        best = int(np.argmax(values)) if values else None
        if best is not None and values[best] - base >= MIN_GAIN:
            target = np.floor((base + TARGET_SHARE * (values[best] - base)) * 1000) / 1000
            return {"scene": scene, "pred": pred, "score": score, "base": base,
                    "best_t": cuts[best], "best": values[best], "target": float(target)}


def keep_threshold(seed: int) -> Exercise:
    """Beat "keep every detection": choose the confidence a thing needs to be kept."""
    case = threshold_case(seed)
    gt, pred = case["scene"].panoptic, case["pred"]
    names = {c["id"]: c["name"] for c in gt.categories if c["isthing"]}
    rows = []
    for s in pred.segments:
        if s["category_id"] in names:
            ys, xs = np.nonzero(pred.ids == s["id"])
            if len(xs):
                rows.append({"segment": s["id"], "class": names[s["category_id"]],
                             "score": round(float(s["score"]), 3), "pixels": len(xs),
                             "centre (x, y)": f"({xs.mean():.0f}, {ys.mean():.0f})"})
    rows.sort(key=lambda r: -r["score"])
    return Exercise(
        id="keep-threshold", kind="beat", title="How confident must a thing be?",
        prompt=(f"A panoptic prediction must commit: unlike AP, PQ has no ranking, so every "
                f"low-scoring false alarm costs RQ. This prediction holds the scene's things "
                f"plus {FALSE_POSITIVES} false-positive disks. Keeping every thing gives a PQ "
                f"of the things of {case['base']:.3f}. **Choose a score threshold t** (things "
                f"scoring below t are removed, left VOID) that reaches a PQ of the things of at "
                f"least **{case['target']:.3f}**."),
        answer=Answer("Score threshold t (0-1)", 0, 1),
        judge=reach(case["score"], case["target"], name="PQ of the things", setting="t"),
        hints=("Compare the table with the pictures: which segments lie where the ground "
               "truth has no thing?",
               "Removing a false positive shrinks RQ's denominator by 1/2; removing a true "
               "positive loses its IoU and adds a false negative. Find a t between two scores "
               "that drops more of the former."),
        solution=(f"Keeping everything: PQ of the things {case['base']:.3f}. The best cut, "
                  f"e.g. t = {case['best_t']:.3f}, gives {case['best']:.3f}: it removes the "
                  "false positives that score below the weakest true things (and perhaps a "
                  "weak true thing whose removal costs less than the false alarms it takes "
                  "along)."),
        seed=seed,
        shows=(Show("image", _paint(gt.ids), "Ground truth"),
               Show("image", _paint(pred.ids), "Prediction (every thing kept)"),
               Show("table", rows, "Predicted things by score")))


# ----------------------------------------------------------------- a 5 x 5 grid


def grid_case(seed: int) -> dict:
    """Ground truth, prediction, asked metric and class of :func:`grid_metrics`."""
    rng = rng_for(seed, "grid-metrics")
    while True:
        gt = np.zeros((GRID, GRID), np.int64)
        for label in range(1, GRID_CLASSES):
            h, w = rng.integers(2, 4, 2)
            y, x = rng.integers(0, GRID - h + 1), rng.integers(0, GRID - w + 1)
            gt[y:y + h, x:x + w] = label
        pred = gt.copy()
        flips = rng.choice(GRID * GRID, int(rng.integers(GRID_FLIPS[0], GRID_FLIPS[1] + 1)),
                           replace=False)
        pred.flat[flips] = (gt.flat[flips] + rng.integers(1, GRID_CLASSES, len(flips))) \
            % GRID_CLASSES
        if len(np.unique(gt)) == GRID_CLASSES:
            metric = GRID_METRICS[int(rng.integers(0, len(GRID_METRICS)))]
            return {"gt": gt, "pred": pred, "metric": metric,
                    "label": int(rng.integers(1, GRID_CLASSES))}


def _grid_truth(case) -> float:
    gt, pred, label = case["gt"], case["pred"], case["label"]
    if case["metric"] == "pixel accuracy":
        return metrics.pixel_accuracy(gt, pred)
    if case["metric"] == "IoU":
        return float(metrics.iou_per_class(gt, pred, GRID_CLASSES)[label])
    if case["metric"] == "Dice":
        return metrics.dice(gt == label, pred == label)
    return metrics.mean_iou(gt, pred, GRID_CLASSES)


def grid_metrics(seed: int) -> Exercise:
    """Pixel accuracy, IoU, Dice or mIoU of a 5 x 5 grid, by counting cells."""
    case = grid_case(seed)
    gt, pred, label, metric = case["gt"], case["pred"], case["label"], case["metric"]
    truth = float(_grid_truth(case))
    asked = {"pixel accuracy": "the pixel accuracy",
             "IoU": f"the IoU of class {label}",
             "Dice": f"the Dice coefficient of class {label}",
             "mIoU": "the mIoU over the classes 0, 1 and 2"}[metric]
    inter = [int(np.sum((gt == c) & (pred == c))) for c in range(GRID_CLASSES)]
    union = [int(np.sum((gt == c) | (pred == c))) for c in range(GRID_CLASSES)]
    sizes = (int(np.sum(gt == label)), int(np.sum(pred == label)))
    work = {
        "pixel accuracy": (f"{int(np.sum(gt == pred))} of {GRID * GRID} cells agree: "
                           f"$PA = {int(np.sum(gt == pred))}/{GRID * GRID}"),
        "IoU": (f"class {label}: $|A \\cap B| = {inter[label]}$, $|A \\cup B| = "
                f"{union[label]}$, $IoU = {inter[label]}/{union[label]}"),
        "Dice": (f"class {label}: $|A| = {sizes[0]}$, $|B| = {sizes[1]}$, "
                 f"$|A \\cap B| = {inter[label]}$, $Dice = 2 \\cdot {inter[label]} / "
                 f"({sizes[0]} + {sizes[1]})"),
        "mIoU": ("per class " + ", ".join(f"$IoU_{c} = {inter[c]}/{union[c]}$"
                                          for c in range(GRID_CLASSES))
                 + f"; $mIoU = \\frac13 ({' + '.join(f'{i}/{u}' for i, u in zip(inter, union))})"),
    }[metric]
    return Exercise(
        id="grid-metrics", kind="compute", title="Pixel metrics on a 5 x 5 grid",
        prompt=(f"Semantic labels of a {GRID} x {GRID} image: ground truth A and prediction B "
                f"(classes 0 = background, 1 and 2). **Compute {asked}.** A fraction such as "
                "17/25 is fine."),
        answer=Answer(metric, 0, 1),
        judge=close_to(truth, GRID_TOLERANCE, reveal=False, name=asked),
        hints=("Pixel accuracy = correct cells / all cells; IoU = |A ∩ B| / |A ∪ B| of one "
               "class's cells; Dice = 2 |A ∩ B| / (|A| + |B|).",
               "mIoU averages the IoU of every class, background included."),
        solution=f"{work} = {fmt(truth)}$.", seed=seed,
        shows=(Show("grid", gt, "Ground truth A"), Show("grid", pred, "Prediction B")))


EXERCISES = (pq_by_hand, pq_after_error, keep_threshold, grid_metrics)
