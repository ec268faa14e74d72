"""score_against_scene: the one scoring path, VOID never counted and never matched."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, jaccard_score

from segcore import metrics
from segcore.evaluation.scoring import score_against_scene
from segcore.scenes import VOID, Scene, make_scene


def _scored(scene, labels):
    """Ground truth and labels on the scene's non-VOID pixels."""
    keep = ~scene.void
    return scene.semantic[keep], labels[keep]


@pytest.fixture(scope="module")
def street():
    return make_scene("street", seed=3, size=128)


@pytest.fixture(scope="module", params=["shapes", "texture_mosaic", "crack"])
def plain(request):
    return make_scene(request.param, seed=1, size=96)


def test_street_has_void_and_other_scenes_do_not(street, plain):
    assert street.has_void and street.void.sum() > 0
    assert np.array_equal(street.void, street.semantic == VOID)
    assert not plain.has_void and not plain.void.any()


def test_errors_only_on_void_pixels_score_one(street):
    labels = np.where(street.void, 4, street.semantic)  # "car" everywhere VOID is
    report = score_against_scene(labels, street)
    assert report["pixel_accuracy"] == 1.0 and report["miou"] == 1.0
    assert set(report["iou"]) == {"sky", "road", "grass", "car", "person"}
    assert all(v == 1.0 for v in report["iou"].values())
    assert report["void_pixels"] == int(street.void.sum())
    assert report["scored_pixels"] + report["void_pixels"] == street.semantic.size


def test_without_void_handling_the_same_labels_would_score_less(street):
    """The test above could fail: scored as a class, VOID errors cost accuracy."""
    labels = np.where(street.void, 4, street.semantic)
    assert metrics.pixel_accuracy(street.semantic, labels) < 1.0


def test_matched_clusters_with_arbitrary_ids_and_anything_on_void_score_one(street):
    rng = np.random.default_rng(0)
    ids = rng.permutation(np.arange(10, 16))  # class c -> cluster ids[c]
    labels = ids[street.semantic]
    labels[street.void] = rng.choice(ids, size=int(street.void.sum()))  # noise on VOID only
    report = score_against_scene(labels, street, match_clusters=True)
    assert report["pixel_accuracy"] == 1.0 and report["miou"] == 1.0
    assert "void" not in report["iou"]


def test_a_cluster_never_goes_to_void(street):
    """An extra cluster covering VOID plus a little sky is matched to sky, not VOID."""
    labels = street.semantic.copy()
    labels[street.void] = 7
    sky = np.argwhere(street.semantic == 1)[:5]
    labels[sky[:, 0], sky[:, 1]] = 7
    report = score_against_scene(labels, street, match_clusters=True)
    assert report["pixel_accuracy"] == 1.0  # 7 -> sky, the one labelled class it touches


def test_predicting_void_on_a_labelled_pixel_is_an_error(street):
    labels = street.semantic.copy()
    road = street.semantic == 2
    labels[road] = VOID
    report = score_against_scene(labels, street)
    assert report["iou"]["road"] == 0.0
    assert report["pixel_accuracy"] == pytest.approx(1 - road.sum() / (~street.void).sum())


def test_equals_sklearn_on_the_non_void_pixels(street):
    rng = np.random.default_rng(1)
    labels = rng.integers(0, street.num_classes, street.semantic.shape)
    report = score_against_scene(labels, street)
    gt, pred = _scored(street, labels)
    assert report["pixel_accuracy"] == pytest.approx(accuracy_score(gt, pred))
    present = np.union1d(np.unique(gt), np.unique(pred))
    jac = jaccard_score(gt, pred, labels=present, average=None)
    by_id = dict(zip(present.tolist(), jac))
    for c, name in enumerate(street.class_names):
        if c != VOID:
            assert report["iou"][name] == pytest.approx(by_id[c])
    assert report["miou"] == pytest.approx(np.mean([by_id[c] for c in range(1, 6)]))


def test_equals_segcore_metrics_on_scenes_without_void(plain):
    rng = np.random.default_rng(2)
    n = plain.num_classes
    labels = np.where(rng.random(plain.semantic.shape) < 0.3,
                      rng.integers(0, n, plain.semantic.shape), plain.semantic)
    ref = metrics.segmentation_report(plain.semantic, labels, n, plain.class_names)
    report = score_against_scene(labels, plain)
    assert report["pixel_accuracy"] == pytest.approx(ref["pixel_accuracy"])
    assert report["miou"] == pytest.approx(ref["mean_iou"])
    assert report["iou"] == pytest.approx(ref["iou"])
    if n == 2:
        assert report["dice"] == pytest.approx(ref["dice"])
    clusters = rng.permutation(np.arange(n)) + 5
    matched = score_against_scene(clusters[labels], plain, match_clusters=True)
    ref_matched = metrics.segmentation_report(
        plain.semantic, metrics.match_clusters(plain.semantic, clusters[labels], n), n,
        plain.class_names)
    assert matched["miou"] == pytest.approx(ref_matched["mean_iou"])


def test_absent_classes_are_nan_and_left_out_of_the_mean():
    semantic = np.array([[0, 0, 1, 1], [0, 0, 1, 1]], np.int32)
    scene = Scene(name="tiny", title="", description="", image=np.zeros((2, 4), np.uint8),
                  semantic=semantic, class_names=("void", "a", "b", "c"), has_void=True)
    report = score_against_scene(np.array([[2, 2, 1, 2], [3, 3, 1, 1]]), scene)
    assert report["iou"]["a"] == pytest.approx(3 / 4)  # 3 right, 1 labelled b
    assert report["iou"]["b"] == 0.0  # predicted once, never true: IoU 0, counted
    assert np.isnan(report["iou"]["c"])  # predicted only on VOID: absent, not 0
    assert report["miou"] == pytest.approx((3 / 4 + 0.0) / 2)
    assert report["pixel_accuracy"] == pytest.approx(3 / 4)


def test_binary_scores_the_foreground(plain):
    mask = plain.foreground.copy()
    mask[: mask.shape[0] // 4] = ~mask[: mask.shape[0] // 4]
    report = score_against_scene(mask, plain, binary=True)
    ref = metrics.segmentation_report(plain.foreground.astype(int), mask.astype(int), 2,
                                      ("background", "object"))
    assert report["pixel_accuracy"] == pytest.approx(ref["pixel_accuracy"])
    assert report["iou"] == pytest.approx(ref["iou"])
    assert report["dice"] == pytest.approx(ref["dice"])
    flipped = score_against_scene(~mask, plain, binary=True, match_clusters=True)
    assert flipped["pixel_accuracy"] == pytest.approx(report["pixel_accuracy"])


@pytest.mark.parametrize("labels, message", [
    (np.zeros((5, 5), int), "shape"),
    (np.zeros((64, 64), float), "integer"),
    (np.full((64, 64), -1), "non-negative"),
    (np.full((64, 64), 9), "class ids"),
])
def test_bad_labels_raise_a_clear_error(labels, message):
    scene = make_scene("street", seed=0, size=64)
    with pytest.raises(ValueError, match=message):
        score_against_scene(labels, scene)


def test_binary_needs_a_mask():
    scene = make_scene("shapes", seed=0, size=64)
    with pytest.raises(ValueError, match="mask"):
        score_against_scene(scene.semantic, scene, binary=True)


def test_multiclass_dice_is_the_mean_over_present_classes(street):
    rng = np.random.default_rng(4)
    labels = rng.integers(1, street.num_classes, street.semantic.shape)
    report = score_against_scene(labels, street)
    gt, pred = _scored(street, labels)
    expected = np.mean([metrics.dice(gt == c, pred == c) for c in range(1, 6)])
    assert report["dice"] == pytest.approx(expected)
