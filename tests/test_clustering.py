"""Tests for segcore.classical.clustering: k-means loop, alternatives, pipeline."""

import numpy as np
import pytest
from sklearn.cluster import KMeans

from segcore.classical.clustering import (UNLABELLED, _initial_centroids, agglomerative, cluster_image,
                                          dbscan, elbow, gmm, kmeans, mean_shift)
from segcore.classical.features import pixel_features
from segcore.metrics import match_clusters, mean_iou
from segcore.scenes import make_scene


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0, 0], [6, 0, 0], [0, 6, 0], [0, 0, 6]], float)
    return np.concatenate([c + rng.normal(size=(150, 3)) for c in centres]), np.repeat(np.arange(4), 150)


@pytest.fixture(scope="module")
def two_halves():
    """A gray image: dark left half, bright right half, mild noise; (H, W) = (20, 30)."""
    rng = np.random.default_rng(3)
    img = np.where(np.arange(30) < 15, 60.0, 190.0)[None, :].repeat(20, axis=0)
    return np.clip(img + rng.normal(0, 8, img.shape), 0, 255).astype(np.uint8)


# ------------------------------------------------------------------ k-means


@pytest.mark.parametrize("init", ["random", "k-means++"])
def test_kmeans_equals_sklearn_lloyd_from_same_centroids(init):
    x = np.random.default_rng(1).normal(size=(3000, 4))
    t = kmeans(x, 5, init=init, random_state=7, tol=0, max_iter=300)
    ref = KMeans(5, init=t.init_centroids, n_init=1, algorithm="lloyd", tol=0, max_iter=300).fit(x)
    assert t.converged
    np.testing.assert_array_equal(t.labels, ref.labels_)
    np.testing.assert_allclose(t.centroids, ref.cluster_centers_, atol=1e-10)
    assert t.sse == pytest.approx(ref.inertia_, rel=1e-9)
    assert t.n_iter == ref.n_iter_


def test_kmeans_matches_sklearn_on_float32_image_features():
    rng = np.random.default_rng(4)
    img = np.clip(rng.normal(120, 50, (64, 64, 3)), 0, 255).astype(np.uint8)
    x = pixel_features(img, "rgb").values
    t = kmeans(x, 4, random_state=2, tol=0, max_iter=300)
    ref = KMeans(4, init=t.init_centroids.astype(np.float32), n_init=1, algorithm="lloyd", tol=0,
                 max_iter=300).fit(x)
    assert (t.labels == ref.labels_).mean() > 0.999
    np.testing.assert_allclose(t.centroids, ref.cluster_centers_, atol=1e-3)


def test_kmeans_trace_records_every_iteration(blobs):
    x, truth = blobs
    t = kmeans(x, 4, init="random", random_state=0, image_shape=(24, 25), max_steps=None)
    assert len(t.steps) == t.n_iter == len(t.sse_curve) == t.total_steps
    assert t.labels.shape == (24, 25) and t.labels.dtype == np.int32
    for step, sse in zip(t.steps, t.sse_curve):
        assert step.data["labels"].shape == (24, 25) and step.data["centroids"].shape == (4, 3)
        assert step.metrics["sse"] == pytest.approx(sse)
    assert np.all(np.diff(t.sse_curve) <= 1e-9)  # Lloyd never increases the SSE
    assert t.steps[0].metrics["reassigned"] == len(x) and t.steps[-1].metrics["reassigned"] == 0
    np.testing.assert_array_equal(t.steps[0].data["centroids"], t.init_centroids)
    assert mean_iou(truth, match_clusters(truth, t.labels.ravel(), 4).ravel(), 4) > 0.95


def test_kmeans_trace_is_bounded_and_sse_matches_definition(blobs):
    x, _ = blobs
    t = kmeans(x, 4, init="random", random_state=3, max_steps=3)
    assert len(t.steps) <= 3 and t.steps[-1].index == t.n_iter - 1
    sse = sum(((x[t.labels == j] - t.centroids[j]) ** 2).sum() for j in range(4))
    assert t.sse == pytest.approx(sse)


def test_kmeans_tol_stops_earlier_than_strict_convergence():
    x = np.random.default_rng(5).normal(size=(4000, 2))
    strict = kmeans(x, 6, init="random", random_state=1, tol=0, max_iter=500)
    loose = kmeans(x, 6, init="random", random_state=1, tol=0.05, max_iter=500)
    assert loose.n_iter < strict.n_iter and loose.converged


def test_kmeans_plus_plus_spreads_seeds_better_than_random(blobs):
    x, truth = blobs
    def blobs_hit(init, seed):
        seeds = kmeans(x, 4, init=init, random_state=seed, max_iter=1).init_centroids
        return len({truth[np.argmin(((x - s) ** 2).sum(axis=1))] for s in seeds})
    plus = sum(blobs_hit("k-means++", seed) == 4 for seed in range(20))
    uniform = sum(blobs_hit("random", seed) == 4 for seed in range(20))
    assert plus >= 16 and plus > uniform


def test_kmeans_n_init_keeps_the_lowest_sse_run(blobs):
    x, _ = blobs
    rng = np.random.default_rng(11)
    seeds = [_initial_centroids(x, 6, "random", rng) for _ in range(4)]
    runs = [kmeans(x, 6, init=c).sse for c in seeds]
    best = kmeans(x, 6, init="random", n_init=4, random_state=11)
    assert best.sse == pytest.approx(min(runs)) and best.params["n_init"] == 4
    assert len(set(np.round(runs, 6))) > 1  # the restarts did end differently


def test_kmeans_is_reproducible_and_warns_at_max_iter(blobs):
    x, _ = blobs
    a, b = kmeans(x, 4, random_state=9), kmeans(x, 4, random_state=9)
    np.testing.assert_array_equal(a.labels, b.labels)
    short = kmeans(x, 4, init="random", random_state=0, max_iter=1)
    assert not short.converged and any("max_iter" in w for w in short.warnings)


def test_kmeans_constant_features_return_one_cluster_with_warning():
    t = kmeans(np.ones((50, 2)), 3, image_shape=(5, 10))
    assert t.sse == 0 and np.all(t.labels == 0) and t.warnings


@pytest.mark.parametrize("kwargs, match", [
    ({"features": np.zeros((0, 2)), "n_clusters": 2}, "features"),
    ({"features": np.full((5, 2), np.nan), "n_clusters": 2}, "NaN"),
    ({"features": np.zeros((5, 2)), "n_clusters": 0}, "n_clusters"),
    ({"features": np.zeros((5, 2)), "n_clusters": 2, "init": "kmeans"}, "init"),
    ({"features": np.eye(5), "n_clusters": 2, "init": np.zeros((3, 5))}, "init array"),
    ({"features": np.eye(5), "n_clusters": 2, "image_shape": (2, 2)}, "image_shape"),
])
def test_kmeans_invalid_input_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        kmeans(**kwargs)


def test_elbow_decreases_and_bends_at_true_k(blobs):
    x, _ = blobs
    curve = elbow(x, range(1, 8), random_state=0)
    assert curve["k"].tolist() == list(range(1, 8))
    assert np.all(np.diff(curve["sse"]) < 0.05 * curve["sse"][0])
    drops = -np.diff(curve["sse"])
    assert drops[2] > 5 * drops[3]  # big gain up to k = 4, little after


# ------------------------------------------------------------- alternatives


def test_mean_shift_finds_the_modes(blobs):
    x, truth = blobs
    t = mean_shift(x, bandwidth=2.5, image_shape=(24, 25))
    assert t.n_clusters == 4 and t.labels.shape == (24, 25)
    assert mean_iou(truth, match_clusters(truth, t.labels.ravel(), 4), 4) > 0.95
    assert [s.name for s in t.steps] == ["fit on subsample", "predict the rest"]


def test_gmm_soft_probabilities_sum_to_one(blobs):
    x, truth = blobs
    t = gmm(x, 4, image_shape=(24, 25))
    assert t.probabilities.shape == (24, 25, 4)
    np.testing.assert_allclose(t.probabilities.astype(float).sum(axis=2), 1, atol=1e-2)
    np.testing.assert_array_equal(t.labels, t.probabilities.argmax(axis=2))
    assert mean_iou(truth, match_clusters(truth, t.labels.ravel(), 4), 4) > 0.95


def test_subsample_fit_then_predict_labels_every_pixel(blobs):
    x, _ = blobs
    t = gmm(x, 4, sample=100)
    first, last = (s.data["labels"] for s in t.steps)
    assert (first != UNLABELLED).sum() == 100 and np.all(last >= 0)


def test_agglomerative_regions_are_connected(two_halves):
    x = pixel_features(two_halves, "intensity").values
    t = agglomerative(x, 2, image_shape=two_halves.shape)
    gt = (np.arange(30) >= 15)[None, :].repeat(20, axis=0).astype(int)
    assert mean_iou(gt, match_clusters(gt, t.labels), 2) > 0.95
    big = agglomerative(np.zeros((100 * 100, 1)) + np.arange(100 * 100)[:, None] % 7, 3,
                        image_shape=(100, 100), grid=16)
    assert big.warnings and big.params["grid"] == (16, 16)


def test_dbscan_marks_far_points_as_noise(blobs):
    x, _ = blobs
    outliers = np.array([[30.0, 30, 30], [-30, 30, -30]])
    t = dbscan(np.r_[x, outliers], eps=1.0, min_samples=5)
    assert t.n_clusters == 4 and t.noise_label == 4
    assert np.all(t.labels[-2:] == 4) and t.centroids.shape == (5, 3)
    empty = dbscan(x, eps=1e-3, min_samples=50)
    assert empty.n_clusters == 0 and empty.warnings


def test_alternatives_validate_parameters(blobs):
    x, _ = blobs
    with pytest.raises(ValueError, match="bandwidth"):
        mean_shift(x, 0)
    with pytest.raises(ValueError, match="eps"):
        dbscan(x, -1)
    with pytest.raises(ValueError, match="image_shape"):
        agglomerative(x, 2, image_shape=None)


# ----------------------------------------------------------------- pipeline


@pytest.mark.parametrize("seed", [0, 1])
def test_texture_features_beat_intensity_on_texture_mosaic(seed):
    """The page's texture preset: k = 3 classes, best of 3 k-means++ runs."""
    scene = make_scene("texture_mosaic", seed=seed)
    n = len(scene.class_names)
    scores = {}
    for space in ("intensity", "texture"):
        t = cluster_image(scene.image, space=space, n_clusters=n, n_init=3, random_state=seed)
        scores[space] = mean_iou(scene.semantic, match_clusters(scene.semantic, t.labels, n), n)
    assert scores["texture"] >= scores["intensity"] + 0.25, scores


def test_position_weight_makes_clusters_spatially_compact():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (40, 40), dtype=np.uint8)  # intensity alone: speckle
    def boundary_fraction(labels):
        return ((labels[1:] != labels[:-1]).mean() + (labels[:, 1:] != labels[:, :-1]).mean()) / 2
    plain = cluster_image(img, n_clusters=4).labels
    compact = cluster_image(img, n_clusters=4, position_weight=3.0).labels
    assert boundary_fraction(compact) < 0.5 * boundary_fraction(plain)


@pytest.mark.parametrize("method", ["kmeans", "meanshift", "gmm", "agglomerative", "dbscan"])
def test_cluster_image_every_method_gives_label_map_and_view(two_halves, method):
    t = cluster_image(two_halves, method=method, n_clusters=2, bandwidth=1.0, eps=0.5)
    assert t.labels.shape == two_halves.shape and t.labels.min() >= 0
    assert t.params["method"] == method and t.feature_names == ("intensity",)
    assert t.view_points.shape == (two_halves.size, 1) and len(t.steps) >= 1


def test_cluster_image_texture_view_is_pca(two_halves):
    t = cluster_image(two_halves, space="texture", n_clusters=2)
    assert t.view_axes.shape == (3, 30) and t.view_points.shape[1] == 3
    np.testing.assert_allclose(t.view_axes @ t.view_axes.T, np.eye(3), atol=1e-5)
    assert np.all(np.diff(t.view_explained) <= 0)


def test_cluster_image_rejects_unknown_method(two_halves):
    with pytest.raises(ValueError, match="method"):
        cluster_image(two_halves, method="spectral")


@pytest.mark.parametrize("method", ["kmeans", "agglomerative", "dbscan"])
def test_cluster_image_constant_image_warns_and_stays_finite(method):
    t = cluster_image(np.full((16, 16), 90, np.uint8), space="texture", method=method, n_clusters=2)
    assert any("constant image" in w for w in t.warnings)
    assert np.all(np.isfinite(t.view_points)) and np.all(np.isfinite(t.view_explained))
