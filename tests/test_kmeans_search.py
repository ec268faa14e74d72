"""Exhaustive search finds k-means' global optimum; Lloyd from a bad start ends worse."""

from itertools import product

import numpy as np
import pytest
from sklearn.cluster import KMeans

from segcore.classical.kmeans_metrics import kmeans_metric
from segcore.classical.kmeans_search import (
    POINT_SETS,
    exhaustive_kmeans,
    exhaustive_vs_lloyd,
    partition_objectives,
    point_set,
    set_partitions,
)

CASES = [(name, k, metric) for name in POINT_SETS for k in (2, 3)
         for metric in ("euclidean", "manhattan", "cosine")
         if not (metric == "cosine" and POINT_SETS[name][1].shape[1] == 1)]


def _stirling2(n, k):
    if n == k:
        return 1
    if k == 0 or k > n:
        return 0
    return k * _stirling2(n - 1, k) + _stirling2(n - 1, k - 1)


def _objective_by_hand(points, labels, k, metric):
    """The best-centre objective of one labelling, written out per cluster."""
    total = 0.0
    for j in range(k):
        m = points[np.asarray(labels) == j]
        if metric == "euclidean":
            total += ((m - m.mean(axis=0)) ** 2).sum()
        elif metric == "manhattan":
            total += np.abs(m - np.median(m, axis=0)).sum()
        else:
            u = m / np.linalg.norm(m, axis=1, keepdims=True)
            total += len(m) - np.linalg.norm(u.sum(axis=0))
    return total


@pytest.mark.parametrize("n, k", [(3, 2), (5, 3), (7, 2), (8, 3), (8, 4), (10, 4)])
def test_set_partitions_lists_each_partition_once(n, k):
    rows = set_partitions(n, k)
    assert len(rows) == _stirling2(n, k)
    assert len({tuple(r) for r in rows.tolist()}) == len(rows)
    assert np.all(rows.max(axis=1) == k - 1) and np.all(rows[:, 0] == 0)
    first_seen = np.array([[list(r).index(v) for v in range(k)] for r in rows.tolist()])
    assert np.all(np.diff(first_seen, axis=1) > 0)  # canonical: clusters open in order


@pytest.mark.parametrize("name, k, metric", CASES)
def test_brute_force_is_the_minimum_over_every_assignment(name, k, metric):
    """Against all k^n labellings (not only canonical ones), each scored cluster by cluster."""
    x = point_set(name)
    best = exhaustive_kmeans(x, k, metric)
    by_hand = min(_objective_by_hand(x, lab, k, metric)
                  for lab in product(range(k), repeat=len(x)) if len(set(lab)) == k)
    assert best["objective"] == pytest.approx(by_hand, rel=1e-9, abs=1e-12)
    assert best["n_assignments"] == k ** len(x)
    assert _objective_by_hand(x, best["labels"], k, metric) == pytest.approx(best["objective"],
                                                                             abs=1e-9)


@pytest.mark.parametrize("name, k", [(n, k) for n in POINT_SETS for k in (2, 3, 4)])
def test_brute_force_equals_sklearn_kmeans_with_many_inits(name, k):
    x = point_set(name)
    best = exhaustive_kmeans(x, k)["objective"]
    many = KMeans(k, init="random", n_init=100, random_state=0).fit(x)
    assert best == pytest.approx(many.inertia_, rel=1e-9, abs=1e-9)
    # sklearn's partition is one of the optimal ones (there can be ties, e.g. 3 points split 2+1)
    assert _objective_by_hand(x, many.labels_, k, "euclidean") == pytest.approx(best, abs=1e-9)


@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "cosine"])
def test_vectorised_objectives_match_the_written_out_ones(metric):
    x = point_set("rays")
    parts = set_partitions(len(x), 3)
    values = partition_objectives(x, parts, 3, metric)
    for row, value in zip(parts[::37], values[::37]):
        assert value == pytest.approx(_objective_by_hand(x, row, 3, metric), abs=1e-9)


def test_the_demo_start_lands_in_a_worse_local_optimum():
    t = exhaustive_vs_lloyd(point_set("groups"), 3)
    assert t.local_optimum and t.start == 0
    assert t.objective > t.global_objective + 1.0  # 28.3 against 3.0
    x = point_set("groups")
    # Lloyd from these data points really stops there: the result is a fixed point
    rerun = kmeans_metric(x, 3, init=x[t.starts[t.start]])
    assert rerun.objective == pytest.approx(t.objective)
    d = ((x[:, None, :] - t.centroids[None]) ** 2).sum(axis=2)
    np.testing.assert_array_equal(d.argmin(axis=1), t.labels)
    for j in range(3):
        np.testing.assert_allclose(t.centroids[j], x[t.labels == j].mean(axis=0))
    # ... and it is not the optimal partition
    assert sorted(map(tuple, _groups(t.labels))) != sorted(map(tuple, _groups(t.global_labels)))


def _groups(labels):
    return [np.flatnonzero(labels == v).tolist() for v in np.unique(labels)]


@pytest.mark.parametrize("name, k, metric", CASES)
def test_every_start_ends_at_or_above_the_global_optimum(name, k, metric):
    t = exhaustive_vs_lloyd(point_set(name), k, metric)
    assert np.all(t.final_objectives >= t.global_objective - 1e-9)
    assert t.reaches_global.any()  # some data-point start finds it on these tiny sets
    assert len(t.starts) == len(t.final_labels) == len(t.final_objectives)
    assert t.local_optimum == (not t.reaches_global[t.start])
    reached = t.final_labels[t.reaches_global][0]
    assert _objective_by_hand(point_set(name), reached, k, metric) == pytest.approx(
        t.global_objective, abs=1e-9)


def test_chosen_start_and_steps():
    t = exhaustive_vs_lloyd(point_set("outlier"), 2, "manhattan", start=3)
    assert t.start == 3 and t.starts[3].tolist() == [0, 4]
    assert t.steps[0].data["centroids"].ravel().tolist() == [0.0, 11.0]
    assert t.steps[-1].metrics["reassigned"] == 0


@pytest.mark.parametrize("kwargs, word", [
    ({"points": np.zeros((11, 2))}, "points"),
    ({"points": point_set("groups"), "n_clusters": 5}, "n_clusters"),
    ({"points": point_set("outlier"), "metric": "cosine"}, "cosine"),
    ({"points": point_set("groups"), "start": 56}, "start"),
    ({"points": point_set("groups"), "metric": "hamming"}, "metric"),
])
def test_validation(kwargs, word):
    args = {"n_clusters": 3, **kwargs}
    with pytest.raises(ValueError, match=word):
        exhaustive_vs_lloyd(**args)
    with pytest.raises(ValueError, match="point set"):
        point_set("nope")


def test_what_the_point_sets_claim_is_true():
    """The descriptions the page shows under each point set."""
    rays = exhaustive_kmeans(point_set("rays"), 2, "cosine")["labels"].tolist()
    assert rays == [0, 0, 0, 0, 1, 1, 1, 1]                    # the two directions apart
    mixed = exhaustive_kmeans(point_set("rays"), 2, "euclidean")["labels"].tolist()
    assert mixed != rays                                        # Euclidean mixes them (both
    #                                         labellings are canonical: cluster 0 holds point 1)
    means = exhaustive_kmeans(point_set("outlier"), 2, "euclidean")["labels"].tolist()
    medians = exhaustive_kmeans(point_set("outlier"), 2, "manhattan")["labels"].tolist()
    assert means == [0, 0, 0, 0, 0, 0, 1]                      # a cluster for the outlier
    assert medians == [0, 0, 0, 1, 1, 1, 1]                    # the two groups apart
    groups = exhaustive_vs_lloyd(point_set("groups"), 3)
    stuck = groups.labels.tolist()
    assert len(set(stuck[:3])) == 2 and len(set(stuck[3:])) == 1  # split one, merged two
