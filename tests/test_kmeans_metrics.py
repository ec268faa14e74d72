"""k-means with a choice of distance: Euclidean = the page's k-means, k-medians, spherical."""

import numpy as np
import pytest
from sklearn.cluster import KMeans

from segcore.classical import clustering, kmeans_metrics
from segcore.classical.kmeans_metrics import centres_of, kmeans_metric, normalise_rows


def _blobs(n=300, d=3, k=4, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, (k, d))
    return centres[rng.integers(k, size=n)] + rng.normal(0, 1, (n, d))


@pytest.mark.parametrize("seed, k", [(0, 3), (1, 4), (2, 6)])
def test_euclidean_equals_the_current_kmeans(seed, k):
    x = _blobs(seed=seed)
    init = x[np.random.default_rng(seed).choice(len(x), k, replace=False)]
    ours = kmeans_metric(x, k, metric="euclidean", init=init)
    page = clustering.kmeans(x, k, init=init, tol=0.0)
    assert ours.converged and page.converged
    np.testing.assert_array_equal(ours.labels, page.labels)
    np.testing.assert_allclose(ours.centroids, page.centroids, rtol=1e-10)
    assert ours.objective == pytest.approx(page.sse, rel=1e-9)
    assert ours.n_iter == page.n_iter
    ref = KMeans(k, init=init, n_init=1, algorithm="lloyd", tol=0.0).fit(x)
    np.testing.assert_array_equal(ours.labels, ref.labels_)
    assert ours.objective == pytest.approx(ref.inertia_, rel=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_kmedians_centres_are_per_cluster_medians_at_convergence(seed):
    x = _blobs(n=201, d=2, k=3, seed=seed)
    x[:5] += 60.0  # outliers: a mean would move, a median hardly does
    t = kmeans_metric(x, 3, metric="manhattan", random_state=seed)
    assert t.converged
    for j in range(3):
        members = x[t.labels == j]
        np.testing.assert_allclose(t.centroids[j], np.median(members, axis=0))
    # a fixed point: assigning by L1 to these centres gives the same labels
    l1 = np.abs(x[:, None, :] - t.centroids[None]).sum(axis=2)
    np.testing.assert_array_equal(l1.argmin(axis=1), t.labels)
    assert t.objective == pytest.approx(l1.min(axis=1).sum())


def test_kmedians_objective_never_increases():
    x = _blobs(n=400, d=2, k=5, seed=7)
    t = kmeans_metric(x, 5, metric="manhattan", random_state=3)
    assert np.all(np.diff(t.objective_curve) <= 1e-9)


def test_cosine_works_on_normalised_features():
    x = np.abs(_blobs(n=240, d=3, k=3, seed=4)) + 0.1
    init = x[[0, 1, 2]]
    t = kmeans_metric(x, 3, metric="cosine", init=init)
    assert t.converged
    np.testing.assert_allclose(np.linalg.norm(t.centroids, axis=1), 1.0)
    # only directions count: scaling every row by its own positive factor changes nothing
    scale = np.random.default_rng(0).uniform(0.1, 50.0, (len(x), 1))
    scaled = kmeans_metric(x * scale, 3, metric="cosine", init=init * 7.0)
    np.testing.assert_array_equal(scaled.labels, t.labels)
    # it is Euclidean k-means' assignment on unit vectors: 1 - cos = |u - c|^2 / 2
    u = normalise_rows(x)
    nearest = ((u[:, None, :] - t.centroids[None]) ** 2).sum(axis=2).argmin(axis=1)
    np.testing.assert_array_equal(nearest, t.labels)
    for j in range(3):
        total = u[t.labels == j].sum(axis=0)
        np.testing.assert_allclose(t.centroids[j], total / np.linalg.norm(total))
    assert t.objective == pytest.approx((1 - (u * t.centroids[t.labels]).sum(axis=1)).sum())


def test_cosine_groups_directions_whatever_the_length():
    near = np.array([[1.0, 0.1], [0.1, 1.0]])
    x = np.r_[near, 10 * near, 0.5 * near]
    t = kmeans_metric(x, 2, metric="cosine", init=np.array([[1.0, 1.0], [0.0, 1.0]]))
    assert t.labels.tolist() == [0, 1, 0, 1, 0, 1]
    euclid = kmeans_metric(x, 2, metric="euclidean", init=np.array([[1.0, 1.0], [0.0, 1.0]]))
    assert euclid.labels.tolist() != t.labels.tolist()


def test_image_shape_and_steps():
    x = _blobs(n=64, d=2, k=2, seed=1)
    t = kmeans_metric(x, 2, metric="manhattan", image_shape=(8, 8))
    assert t.labels.shape == (8, 8) and t.steps[0].data["labels"].shape == (8, 8)
    assert [s.metrics["objective"] for s in t.steps] == list(t.objective_curve)


def test_empty_cluster_keeps_its_centre():
    x = np.array([[0.0], [1.0], [2.0]])
    t = kmeans_metric(x, 2, metric="manhattan", init=np.array([[1.0], [100.0]]))
    assert t.centroids[1, 0] == 100.0 and t.labels.tolist() == [0, 0, 0]
    assert centres_of(x, np.zeros(3, int), 2, "euclidean")[1, 0] != centres_of(
        x, np.zeros(3, int), 2, "euclidean")[1, 0]  # NaN without a previous centre


@pytest.mark.parametrize("kwargs, word", [
    ({"metric": "chebyshev"}, "metric"),
    ({"init": "k-means++"}, "init"),
    ({"init": np.zeros((3, 2))}, "shape"),
])
def test_validation(kwargs, word):
    with pytest.raises(ValueError, match=word):
        kmeans_metric(_blobs(n=20, d=2), 2, **kwargs)


def test_cosine_refuses_one_feature_and_zero_vectors():
    with pytest.raises(ValueError, match="at least 2 features"):
        kmeans_metric(np.arange(1.0, 6.0)[:, None], 2, metric="cosine")
    x = np.ones((5, 2))
    x[2] = 0.0
    with pytest.raises(ValueError, match="zero vectors: 1 of 5"):
        kmeans_metric(x, 2, metric="cosine")
    assert kmeans_metrics.METRICS == ("euclidean", "manhattan", "cosine")
