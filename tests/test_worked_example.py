"""The seminar deck's 5 x 5 example: 6/25 and 6/12, and every metric cell by cell."""

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    jaccard_score,
    recall_score,
)

from segcore import metrics
from segcore.evaluation.worked_example import (
    FN,
    FP,
    LECTURE_PREDICTION,
    LECTURE_TARGET,
    TN,
    TP,
    cell_by_cell,
    cell_kinds,
)


def test_lecture_setting_gives_the_slides_numbers():
    r = cell_by_cell(LECTURE_TARGET, LECTURE_PREDICTION)
    assert (r["overlap_accuracy"]["num"], r["overlap_accuracy"]["den"]) == (6, 25)  # PA slide
    assert (r["iou"]["object"]["num"], r["iou"]["object"]["den"]) == (6, 12)        # IoU slide
    assert r["iou"]["object"]["value"] == 0.5
    assert LECTURE_TARGET.sum() == LECTURE_PREDICTION.sum() == 9
    assert (r["pixel_accuracy"]["num"], r["pixel_accuracy"]["den"]) == (19, 25)
    assert (r["class_accuracy"]["background"]["num"], r["class_accuracy"]["background"]["den"]) \
        == (13, 16)
    assert (r["class_accuracy"]["object"]["num"], r["class_accuracy"]["object"]["den"]) == (6, 9)
    assert (r["dice"]["num"], r["dice"]["den"]) == (12, 18)


def _count(kinds, kind):
    return sum(1 for row in kinds for cell in row if cell == kind)


@pytest.mark.parametrize("seed", range(12))
def test_every_metric_against_sklearn_and_a_cell_count(seed):
    rng = np.random.default_rng(seed)
    t = (rng.random((5, 5)) < rng.uniform(0.1, 0.7)).astype(int)
    p = (rng.random((5, 5)) < rng.uniform(0.1, 0.7)).astype(int)
    t[0, 0], p[4, 4] = 1 - p[0, 0], 1 - t[4, 4]   # both classes present somewhere
    t[4, 0], t[0, 4] = 0, 1
    r = cell_by_cell(t, p)
    kinds = [[2 * a + b for a, b in zip(tr, pr)] for tr, pr in zip(t.tolist(), p.tolist())]
    tp, fp, fn, tn = (_count(kinds, k) for k in (TP, FP, FN, TN))
    assert r["counts"] == {"TP": tp, "FP": fp, "FN": fn, "TN": tn, "total": 25}
    y, z = t.ravel(), p.ravel()
    checks = [(r["pixel_accuracy"], accuracy_score(y, z)),
              (r["dice"], f1_score(y, z, zero_division=1.0)),
              (r["iou"]["object"], jaccard_score(y, z, zero_division=1.0)),
              (r["iou"]["background"], jaccard_score(1 - y, 1 - z, zero_division=1.0)),
              (r["class_accuracy"]["object"], recall_score(y, z)),
              (r["class_accuracy"]["background"], recall_score(1 - y, 1 - z))]
    for fraction, expected in checks:
        assert fraction["value"] == pytest.approx(expected)
        assert fraction["num"] / fraction["den"] == pytest.approx(fraction["value"])
    assert r["mean_class_accuracy"] == pytest.approx(balanced_accuracy_score(y, z))
    assert r["overlap_accuracy"]["value"] == tp / 25


def test_class_imbalance_everything_background():
    """Predicting no object at all still scores 16/25 pixel accuracy, and IoU 0."""
    r = cell_by_cell(LECTURE_TARGET, np.zeros((5, 5), int))
    assert (r["pixel_accuracy"]["num"], r["pixel_accuracy"]["den"]) == (16, 25)
    assert r["iou"]["object"]["value"] == 0.0 and r["dice"]["value"] == 0.0
    assert r["class_accuracy"]["background"]["value"] == 1.0
    assert r["class_accuracy"]["object"]["value"] == 0.0
    assert r["mean_class_accuracy"] == 0.5  # per-class accuracy is not fooled


def test_undefined_classes_are_nan_not_zero_division():
    r = cell_by_cell(np.zeros((5, 5), int), np.zeros((5, 5), int))
    assert r["pixel_accuracy"]["value"] == 1.0
    assert np.isnan(r["iou"]["object"]["value"]) and r["iou"]["object"]["den"] == 0
    assert np.isnan(r["class_accuracy"]["object"]["value"])
    assert r["dice"]["value"] == 1.0  # two empty masks agree (segcore.metrics.dice)
    assert r["mean_class_accuracy"] == 1.0


def test_per_class_accuracy_is_the_recall_of_each_class():
    rng = np.random.default_rng(3)
    gt, pred = rng.integers(0, 4, (20, 20)), rng.integers(0, 4, (20, 20))
    gt[gt == 3] = 2  # class 3 absent from the ground truth
    acc = metrics.per_class_accuracy(gt, pred, 4)
    np.testing.assert_allclose(acc[:3], recall_score(gt.ravel(), pred.ravel(), labels=[0, 1, 2],
                                                     average=None))
    assert np.isnan(acc[3])
    ignored = metrics.per_class_accuracy(gt, pred, 4, ignore_index=2)
    assert np.isnan(ignored[2]) and ignored[0] == pytest.approx(acc[0])


def test_cell_kinds_and_validation():
    kinds = cell_kinds(LECTURE_TARGET, LECTURE_PREDICTION)
    assert kinds[2].tolist() == [TN, FN, TP, TP, FP]
    with pytest.raises(ValueError, match="0 \\(background\\) or 1"):
        cell_by_cell(np.full((5, 5), 2), LECTURE_PREDICTION)
    with pytest.raises(ValueError, match="same shape"):
        cell_by_cell(np.zeros((5, 5), int), np.zeros((4, 5), int))
    with pytest.raises(ValueError, match="2-D"):
        cell_by_cell(np.zeros(5, int), np.zeros(5, int))
    with pytest.raises(ValueError):
        LECTURE_TARGET[0, 0] = 1  # the lecture's layout cannot be changed by accident
