"""segcore.metrics against scikit-learn and hand-computed cases."""

import numpy as np
import pytest
from sklearn import metrics as skm

from segcore import metrics

SEEDS = range(20)


def _random_pair(seed, num_classes=5, shape=(17, 23), ignore=None):
    rng = np.random.default_rng(seed)
    gt = rng.integers(0, num_classes, shape)
    pred = np.where(rng.random(shape) < 0.6, gt, rng.integers(0, num_classes, shape))
    if ignore is not None:
        gt[rng.random(shape) < 0.2] = ignore
    return gt, pred


@pytest.mark.parametrize("seed", SEEDS)
def test_confusion_matrix_matches_sklearn(seed):
    gt, pred = _random_pair(seed)
    expected = skm.confusion_matrix(gt.ravel(), pred.ravel(), labels=range(5))
    np.testing.assert_array_equal(metrics.confusion_matrix(gt, pred, 5), expected)


@pytest.mark.parametrize("seed", SEEDS)
def test_ignore_index_matches_sklearn_on_kept_pixels(seed):
    gt, pred = _random_pair(seed, ignore=255)
    keep = gt.ravel() != 255
    g, p = gt.ravel()[keep], pred.ravel()[keep]
    np.testing.assert_array_equal(metrics.confusion_matrix(gt, pred, 5, ignore_index=255),
                                  skm.confusion_matrix(g, p, labels=range(5)))
    assert metrics.pixel_accuracy(gt, pred, ignore_index=255) == pytest.approx(skm.accuracy_score(g, p))
    np.testing.assert_allclose(metrics.iou_per_class(gt, pred, 5, ignore_index=255),
                               skm.jaccard_score(g, p, labels=range(5), average=None, zero_division=0))


@pytest.mark.parametrize("seed", SEEDS)
def test_iou_accuracy_match_sklearn(seed):
    gt, pred = _random_pair(seed)
    np.testing.assert_allclose(metrics.iou_per_class(gt, pred, 5),
                               skm.jaccard_score(gt.ravel(), pred.ravel(), labels=range(5), average=None))
    assert metrics.mean_iou(gt, pred, 5) == pytest.approx(
        skm.jaccard_score(gt.ravel(), pred.ravel(), labels=range(5), average="macro"))
    assert metrics.pixel_accuracy(gt, pred) == pytest.approx(skm.accuracy_score(gt.ravel(), pred.ravel()))


@pytest.mark.parametrize("seed", SEEDS)
def test_dice_matches_f1(seed):
    gt, pred = _random_pair(seed, num_classes=2)
    assert metrics.dice(gt, pred) == pytest.approx(skm.f1_score(gt.ravel(), pred.ravel()))


def test_hand_computed_example():
    # The lecture's worked example style: 3 x 3 image, two classes.
    gt = np.array([[0, 0, 1], [0, 1, 1], [1, 1, 1]])
    pred = np.array([[0, 1, 1], [0, 1, 1], [0, 1, 1]])
    # class 0: inter 2, union 4 -> 0.5 ; class 1: inter 5, union 7
    np.testing.assert_allclose(metrics.iou_per_class(gt, pred, 2), [0.5, 5 / 7])
    assert metrics.pixel_accuracy(gt, pred) == pytest.approx(7 / 9)
    assert metrics.dice(gt == 1, pred == 1) == pytest.approx(2 * 5 / (6 + 6))


def test_absent_class_is_nan_and_left_out_of_mean():
    gt = np.array([[0, 1]])
    iou = metrics.iou_per_class(gt, gt, 3)
    assert np.isnan(iou[2]) and iou[0] == 1.0
    assert metrics.mean_iou(gt, gt, 3) == 1.0


def test_empty_masks_dice_is_one():
    assert metrics.dice(np.zeros((3, 3)), np.zeros((3, 3))) == 1.0


@pytest.mark.parametrize("bad", [
    dict(gt=np.zeros((2, 2), int), pred=np.zeros((3, 2), int)),
    dict(gt=np.zeros((2, 2)), pred=np.zeros((2, 2), int)),
    dict(gt=np.full((2, 2), 7), pred=np.zeros((2, 2), int)),
])
def test_bad_input_raises_valueerror(bad):
    with pytest.raises(ValueError):
        metrics.confusion_matrix(bad["gt"], bad["pred"], 3)


def test_all_ignored_accuracy_is_nan():
    with pytest.warns(RuntimeWarning):
        assert np.isnan(metrics.pixel_accuracy(np.full((2, 2), 255), np.zeros((2, 2), int), 255))


def test_soft_dice_loss_is_the_lectures_formula_on_a_hand_computed_case():
    """Deck 004, "Variation: Dice-Loss": 1 - 2 sum(y p) / (sum y^2 + sum p^2) per class, then
    the mean over classes. Two classes, two pixels, worked by hand:
    class 0: 1 - 2 (0.9) / (1 + 0.81 + 0.04) = 1 - 1.8 / 1.85
    class 1: 1 - 2 (0.8) / (1 + 0.01 + 0.64) = 1 - 1.6 / 1.65"""
    probs = np.array([[[0.9, 0.2]], [[0.1, 0.8]]])   # (C=2, H=1, W=2)
    onehot = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    expected = ((1 - 1.8 / 1.85) + (1 - 1.6 / 1.65)) / 2   # 0.028665...
    assert metrics.soft_dice_loss(probs, onehot, eps=0) == pytest.approx(expected, rel=1e-12)
    assert metrics.soft_dice_loss(probs, onehot) == pytest.approx(expected, abs=1e-6)
    # not the sum(p) + sum(y) variant, which gives (1 - 1.8/2.1 + 1 - 1.6/1.9) / 2 = 0.15
    assert metrics.soft_dice_loss(probs, onehot, eps=0) == pytest.approx(0.028665, abs=1e-6)
    # a batch (N, C, H, W) sums each class over the whole batch: two copies change nothing
    batch = np.stack([probs, probs]), np.stack([onehot, onehot])
    assert metrics.soft_dice_loss(*batch, eps=0) == pytest.approx(expected, rel=1e-12)


def test_soft_dice_loss_limits():
    t = np.array([[1, 1], [0, 0]], float)
    assert metrics.soft_dice_loss(t, t) == 0.0
    assert metrics.soft_dice_loss(1 - t, t, eps=0) == 1.0
    # a class in neither map is perfect agreement, also without smoothing (no 0 / 0)
    assert metrics.soft_dice_loss(np.zeros((2, 2)), np.zeros((2, 2)), eps=0) == 0.0
    # on {0, 1} masks the lecture's soft Dice is 1 - Dice
    rng = np.random.default_rng(0)
    a, b = rng.random((9, 7)) < 0.4, rng.random((9, 7)) < 0.5
    assert metrics.soft_dice_loss(b, a, eps=0) == pytest.approx(1 - metrics.dice(a, b))


def _softmax_and_onehot(shape, class_axis, seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=shape)
    probs = np.exp(logits) / np.exp(logits).sum(class_axis, keepdims=True)
    labels = rng.integers(0, shape[class_axis], np.delete(shape, class_axis))
    return probs, np.moveaxis(np.eye(shape[class_axis])[labels], -1, class_axis)


@pytest.mark.parametrize("shape,class_axis", [((2, 50), 0), ((4, 9, 11), 0), ((3, 4, 9, 11), 1)])
def test_soft_dice_loss_numpy_and_torch_forms_agree(shape, class_axis):
    """One definition serves the pages (numpy -> float) and training (tensor -> tensor).
    Shapes: a 2-D mask (summed as one), (C, H, W), and a training batch (N, C, H, W)."""
    torch = pytest.importorskip("torch")
    probs, onehot = _softmax_and_onehot(shape, class_axis, seed=sum(shape))
    expected = metrics.soft_dice_loss(probs, onehot)
    assert isinstance(expected, float)
    p = torch.tensor(probs, requires_grad=True)
    loss = metrics.soft_dice_loss(p, torch.from_numpy(onehot))
    assert isinstance(loss, torch.Tensor) and loss.dim() == 0
    assert float(loss.detach()) == pytest.approx(expected, rel=1e-12)
    loss.backward()
    assert torch.isfinite(p.grad).all() and float(p.grad.abs().sum()) > 0
    # a tensor against a numpy target, and float32 as in training
    assert float(metrics.soft_dice_loss(p.detach().float(), onehot)) == pytest.approx(expected,
                                                                                      rel=1e-5)


@pytest.mark.parametrize("probs,target", [(np.zeros((2, 3)), np.zeros((3, 2))),
                                          (np.zeros((1, 1, 1, 2, 2)), np.zeros((1, 1, 1, 2, 2)))])
def test_soft_dice_loss_rejects_bad_shapes(probs, target):
    with pytest.raises(ValueError, match="probs"):
        metrics.soft_dice_loss(probs, target)


def test_cross_entropy_matches_sklearn_log_loss():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(4, 6, 5))
    probs = np.exp(logits) / np.exp(logits).sum(0)
    labels = rng.integers(0, 4, (6, 5))
    expected = skm.log_loss(labels.ravel(), probs.reshape(4, -1).T, labels=range(4))
    assert metrics.cross_entropy(probs, labels) == pytest.approx(expected)
    labels_ign = labels.copy()
    labels_ign[0] = 255
    keep = labels_ign.ravel() != 255
    expected_ign = skm.log_loss(labels.ravel()[keep], probs.reshape(4, -1).T[keep], labels=range(4))
    assert metrics.cross_entropy(probs, labels_ign, ignore_index=255) == pytest.approx(expected_ign)


def test_match_clusters_recovers_permutation_and_extra_clusters():
    gt = np.repeat(np.arange(3), 10).reshape(3, 10)
    perm = np.array([2, 0, 1])[gt]
    np.testing.assert_array_equal(metrics.match_clusters(gt, perm), gt)
    over = perm.copy()
    over[0, :3] = 9  # an extra cluster inside class 0
    matched = metrics.match_clusters(gt, over)
    np.testing.assert_array_equal(matched, gt)


def test_segmentation_report_keys():
    gt, pred = _random_pair(1, num_classes=2)
    rep = metrics.segmentation_report(gt, pred, 2, ("bg", "fg"))
    assert set(rep) == {"pixel_accuracy", "mean_iou", "iou", "dice"}
    assert rep["iou"]["fg"] == pytest.approx(metrics.iou_per_class(gt, pred, 2)[1])
