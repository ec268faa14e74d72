"""Panoptic-quality exercises: seeded, checked against the COCO panoptic port and sklearn."""

import re

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, jaccard_score

from segcore import exercises
from segcore.exercises import panoptic as ex
from tests.challenge_helpers import exercise
from tests.exercise_checks import (SEEDS, check_complete, check_generation_time,
                                   check_panel, check_seeding)
from tests.panoptic_reference import reference_pq

PAGE, FILE = "panoptic-quality", "pages/panoptic-quality.py"


def _things_reference(gt_ids, gt_segments, pred_ids, pred_segments, categories) -> float:
    return reference_pq(gt_ids, gt_segments, pred_ids, pred_segments,
                        categories)["summary"]["things"]["pq"]


def _grid_answer(e) -> float:
    """The asked metric of a grid-metrics exercise, with sklearn, from what the page shows."""
    gt, pred = (np.asarray(s.value).ravel() for s in e.shows)
    label = re.search(r"of class (\d)", e.prompt)
    if "pixel accuracy" in e.prompt:
        return accuracy_score(gt, pred)
    if "mIoU" in e.prompt:
        return float(np.mean(jaccard_score(gt, pred, labels=[0, 1, 2], average=None)))
    c = int(label.group(1))
    if "IoU of class" in e.prompt:
        return jaccard_score(gt == c, pred == c)
    return f1_score(gt == c, pred == c)            # Dice = F1 of the class's pixels


# ----------------------------------------------------------------- seeds


def test_seeded_with_hints_and_solutions():
    check_seeding(PAGE, ["pq-by-hand", "pq-after-error", "keep-threshold", "grid-metrics"])
    check_complete(PAGE, SEEDS)
    assert {e.kind for e in exercises.for_page(PAGE, 7)} == {"beat", "compute", "predict"}


def test_pictures_are_rgb_uint8():
    for seed in SEEDS:
        for e in exercises.for_page(PAGE, seed):
            for show in e.shows:
                if show.kind == "image":
                    assert show.value.dtype == np.uint8 and show.value.shape[2] == 3


# ----------------------------------------------------------------- PQ of a matching table


@pytest.mark.parametrize("seed", SEEDS + (2, 3, 4, 5, 6))
def test_pq_by_hand_equals_the_coco_panoptic_port(seed):
    case = ex.toy_case(seed)
    ref = reference_pq(case["gt"], case["gt_segments"], case["pred"], case["pred_segments"],
                       list(ex.TOY_CATEGORIES))
    truth = ref["per_class"][ex.CAR]["pq"]
    e = exercise(PAGE, "pq-by-hand", seed)
    assert e.check(f"{truth:.4f}").correct
    wrong = e.check(f"{min(truth + 0.05, 1):.4f}")
    assert not wrong.correct and "too high" in wrong.message
    assert ref["stats"][ex.CAR]["tp"] >= 2


def test_pq_by_hand_from_the_table_alone():
    """The table holds all a student needs: same class, IoU > 0.5, crowd excuses."""
    for seed in SEEDS:
        e = exercise(PAGE, "pq-by-hand", seed)
        rows = e.shows[0].value
        crowd = [r["prediction"] for r in rows if r["ground truth"].startswith("crowd")
                 and r["shared px"] * 2 > r["pred px"]]
        tps = [r for r in rows if r["ground truth"].endswith("car")
               and r["prediction"].endswith("car") and r["IoU"] > 0.5
               and not r["ground truth"].startswith("crowd")]
        cars_gt = {r["ground truth"] for r in rows if r["ground truth"].endswith("car")
                   and not r["ground truth"].startswith("crowd")}
        cars_pred = {r["prediction"] for r in rows if r["prediction"].endswith("car")}
        fp = len(cars_pred) - len(tps) - len(crowd)
        fn = len(cars_gt) - len(tps)
        pq = sum(r["IoU"] for r in tps) / (len(tps) + fp / 2 + fn / 2)
        assert e.check(f"{pq:.4f}").correct, seed


def test_half_a_car_is_no_match():
    seed = next(s for s in range(1, 200) if any(r["IoU"] == 0.5 for r in
                                                 exercise(PAGE, "pq-by-hand", s).shows[0].value))
    case = ex.toy_case(seed)
    halves = [(g, p) for g, p, _, iou in case["result"].overlaps if iou == 0.5]
    assert halves and not {(g, p) for g, p, _ in case["result"].matches} & set(halves)


# ----------------------------------------------------------------- PQ after an error


@pytest.mark.parametrize("seed", SEEDS)
def test_pq_after_error_equals_the_port(seed):
    case = ex.error_case(seed)
    gt = case["scene"].panoptic
    truth = _things_reference(gt.ids, gt.segments, case["pred"].ids, case["pred"].segments,
                              gt.categories)
    e = exercise(PAGE, "pq-after-error", seed)
    verdict = e.check(f"{truth:.4f}")
    assert verdict.correct and verdict.truth == pytest.approx(truth, abs=1e-12)
    far = e.check("0" if truth > 0.5 else "1")
    assert not far.correct and far.truth == pytest.approx(truth) and "Not quite" in far.message


def test_pq_after_error_covers_several_errors():
    kinds = {ex.error_case(seed)["kind"] for seed in range(1, 40)}
    assert len(kinds) >= 4


# ----------------------------------------------------------------- keep-threshold


@pytest.mark.parametrize("seed", SEEDS)
def test_keep_threshold_target_reachable_and_not_met_by_keeping_all(seed):
    e = exercise(PAGE, "keep-threshold", seed)
    target = float(re.search(r"at least \*\*([0-9.]+)\*\*", e.prompt).group(1))
    case = ex.threshold_case(seed)
    gt, pred = case["scene"].panoptic, case["pred"]
    scores = sorted(float(r["score"]) for r in e.shows[2].value)
    reached = []
    for low, high in zip(scores[:-1], scores[1:]):
        t = (low + high) / 2
        ids, segments = ex.kept_prediction(pred.ids, pred.segments, gt.categories, t)
        if _things_reference(gt.ids, gt.segments, ids, segments, gt.categories) >= target:
            reached.append(t)
    assert reached
    verdict = e.check(f"{reached[0]:.6f}")
    assert verdict.correct and verdict.achieved >= target
    for naive in ("0", "1"):                    # keep every thing / keep none
        verdict = e.check(naive)
        assert not verdict.correct and verdict.achieved < target


def test_kept_prediction_only_removes_things():
    case = ex.threshold_case(3)
    gt, pred = case["scene"].panoptic, case["pred"]
    ids, segments = ex.kept_prediction(pred.ids, pred.segments, gt.categories, 0.99)
    stuff = {c["id"] for c in gt.categories if not c["isthing"]}
    assert {s["category_id"] for s in segments} >= stuff
    for s in pred.segments:
        if s in segments:
            assert np.array_equal(ids == s["id"], pred.ids == s["id"])
        else:
            assert s["score"] < 0.99 and not np.any(ids == s["id"])


# ----------------------------------------------------------------- the 5 x 5 grid


@pytest.mark.parametrize("seed", range(1, 25))
def test_grid_metric_equals_sklearn(seed):
    e = exercise(PAGE, "grid-metrics", seed)
    truth = _grid_answer(e)
    assert e.check(f"{truth:.5f}").correct
    assert not e.check(f"{truth - 0.02:.5f}").correct
    if "pixel accuracy" in e.prompt:              # the lecture's form: correct / total
        assert e.check(f"{round(truth * 25)}/25").correct


def test_grid_asks_every_metric():
    asked = {ex.grid_case(seed)["metric"] for seed in range(1, 40)}
    assert asked == set(ex.GRID_METRICS)


def test_bad_answers_are_refused():
    e = exercise(PAGE, "grid-metrics", 4)
    for bad in ("1.2", "-0.1", "half", "3/0"):
        with pytest.raises(ValueError):
            e.check(bad)


def test_generation_is_fast():
    check_generation_time(PAGE)


# ----------------------------------------------------------------- the page


def test_page_challenge_right_wrong_and_bad_input():
    grid = exercise(PAGE, "grid-metrics")
    check_panel(FILE, PAGE, right=("grid-metrics", f"{_grid_answer(grid):.4f}"),
                wrong=("keep-threshold", "0", "Not yet"),   # keep every thing: false alarms stay
                bad=("pq-by-hand", "2", "out of range"))
