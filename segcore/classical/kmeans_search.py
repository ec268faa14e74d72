"""The global optimum of k-means by exhaustive search, next to Lloyd's local optima.

The lecture: "Given a K, find a partition of K clusters to optimize the
chosen partitioning criterion; global optimum: exhaustively search all
partitions. The K-means algorithm: a heuristic method." On a handful of
points the exhaustive search is affordable: n points fall into exactly k
non-empty clusters in S(n, k) ways (a Stirling number of the second kind;
S(8, 3) = 966, out of k^n = 6561 label assignments, each partition k! times).
For each partition the best centres are known in closed form (mean, median
or mean direction, see :mod:`segcore.classical.kmeans_metrics`), so its
objective is exact and the smallest one is the global optimum.

Lloyd's loop, started from every choice of k data points as initial centres,
then shows how often the heuristic reaches that optimum and where else it
gets stuck: a local optimum is a partition where no single assignment or
update step helps, yet another partition is better.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from segcore.classical.kmeans_metrics import METRICS, centres_of, kmeans_metric, normalise_rows
from segcore.trace import Trace

__all__ = ["POINT_SETS", "MAX_POINTS", "MAX_CLUSTERS", "point_set", "set_partitions",
           "partition_objectives", "exhaustive_kmeans", "exhaustive_vs_lloyd"]

#: Tiny problems: name -> (what it shows, points). Points avoid the origin (cosine).
POINT_SETS = {
    "groups": ("three groups in 2-D: with k = 3, centres started inside one group split it "
               "and merge the two others", np.array([[1, 1], [1, 2], [2, 1], [6, 1], [6, 2], [7, 1.5],
                                       [11, 1], [11, 2]], float)),
    "outlier": ("two groups and an outlier on a line: with k = 2 the best partition by means "
                "spends a cluster on the outlier, the best by medians keeps the groups apart",
                np.array([[0], [1], [2], [10], [11], [12], [30]], float)),
    "rays": ("points along two directions at different lengths: with k = 2 the cosine "
             "distance separates the directions, the Euclidean distance mixes them",
             np.array([[np.cos(a) * r, np.sin(a) * r] for a, r in
                       [(0.2, 1), (0.2, 2.5), (0.2, 4), (0.25, 1.7),
                        (1.2, 1), (1.2, 2.5), (1.2, 4), (1.15, 3.2)]])),
}
MAX_POINTS = 10
MAX_CLUSTERS = 4
#: Objectives closer than this (relative) count as the same optimum.
RTOL = 1e-9


def _validate_tiny(points, n_clusters, metric) -> np.ndarray:
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    x = np.asarray(points, dtype=np.float64)
    if x.ndim != 2 or not 2 <= x.shape[0] <= MAX_POINTS or x.shape[1] == 0:
        raise ValueError(f"points must be an (n, D) array with 2 <= n <= {MAX_POINTS} "
                         f"(exhaustive search grows like k^n), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("points must be finite")
    if not 2 <= int(n_clusters) <= min(MAX_CLUSTERS, x.shape[0] - 1):
        raise ValueError(f"n_clusters must be between 2 and {min(MAX_CLUSTERS, x.shape[0] - 1)} "
                         f"for {x.shape[0]} points, got {n_clusters}")
    if metric == "cosine" and (x.shape[1] < 2 or not np.all(np.any(x != 0, axis=1))):
        raise ValueError("the cosine distance needs points with at least 2 coordinates and "
                         "none at the origin (a direction to compare)")
    return x


def point_set(name: str) -> np.ndarray:
    """The points of the tiny problem ``name`` (a key of :data:`POINT_SETS`).

    Examples
    --------
    >>> point_set("outlier").ravel().tolist()
    [0.0, 1.0, 2.0, 10.0, 11.0, 12.0, 30.0]
    """
    if name not in POINT_SETS:
        raise ValueError(f"point set must be one of {tuple(POINT_SETS)}, got {name!r}")
    return POINT_SETS[name][1].copy()


def set_partitions(n: int, k: int) -> np.ndarray:
    """Every partition of n points into exactly k non-empty clusters, once each.

    Returns
    -------
    (S(n, k), n) int array
        Restricted growth strings: point 0 is in cluster 0 and each point
        joins a used cluster or opens the next one, so cluster renamings
        (the k! label permutations of one partition) never repeat.

    Examples
    --------
    >>> set_partitions(3, 2).tolist()
    [[0, 0, 1], [0, 1, 0], [0, 1, 1]]
    """
    rows = np.zeros((1, 1), np.int64)
    for position in range(1, n):
        used = rows.max(axis=1)
        grown = [np.column_stack([rows[ok], np.full(int(ok.sum()), v)])
                 for v in range(k) for ok in [used + 1 >= v]]
        rows = np.concatenate(grown)
        rows = rows[k - 1 - rows.max(axis=1) <= n - 1 - position]  # can still open k clusters
    rows = rows[rows.max(axis=1) == k - 1]
    return rows[np.lexsort(rows.T[::-1])]


def partition_objectives(points, partitions: np.ndarray, k: int, metric: str) -> np.ndarray:
    """Exact objective of each partition with its best centres (mean, median, mean direction).

    Parameters
    ----------
    points : (n, D) float array
    partitions : (P, n) int array
        Cluster of every point, in 0..k-1, every cluster non-empty.
    k : int
    metric : {"euclidean", "manhattan", "cosine"}

    Returns
    -------
    (P,) float
        :math:`\\sum_j \\sum_{x \\in C_j} \\|x - \\bar x_j\\|^2` (Euclidean),
        :math:`\\sum_j \\sum_{x \\in C_j} \\|x - \\mathrm{med}_j\\|_1` (Manhattan) or
        :math:`\\sum_j (|C_j| - \\|\\sum_{x \\in C_j} x / \\|x\\|\\|)` (cosine).

    Examples
    --------
    >>> x = np.array([[0.0], [2.0], [10.0]])
    >>> partition_objectives(x, np.array([[0, 0, 1], [0, 1, 1]]), 2, "euclidean").tolist()
    [2.0, 32.0]
    """
    x = np.asarray(points, dtype=np.float64)
    member = partitions[:, None, :] == np.arange(k)[None, :, None]  # (P, k, n)
    counts = member.sum(axis=2)
    if metric == "euclidean":
        sums = member @ x                                              # (P, k, D)
        out = (x ** 2).sum() - ((sums ** 2).sum(axis=2) / counts).sum(axis=1)
        return np.maximum(out, 0.0)
    if metric == "cosine":
        sums = member @ normalise_rows(x)
        return np.maximum((counts - np.linalg.norm(sums, axis=2)).sum(axis=1), 0.0)
    values = np.where(member[..., None], x[None, None], np.nan)        # (P, k, n, D)
    medians = np.nanmedian(values, axis=2)
    return np.nansum(np.abs(values - medians[:, :, None, :]), axis=(1, 2, 3))


def exhaustive_kmeans(points, n_clusters: int, metric: str = "euclidean") -> dict:
    """The global optimum of the k-means objective, by trying every partition.

    Parameters
    ----------
    points : (n, D) float array
        2..10 points.
    n_clusters : int
        k, 2..min(4, n - 1).
    metric : {"euclidean", "manhattan", "cosine"}
        Euclidean: the lecture's SSE; Manhattan: k-medians; cosine: spherical k-means.

    Returns
    -------
    dict
        ``labels`` (n,) of the best partition, ``objective``, ``centroids``
        (k, D), ``n_partitions`` S(n, k), ``n_assignments`` k^n, ``objectives``
        (S(n, k),) of every partition and ``n_optimal``: how many partitions
        reach the optimum (ties).

    Raises
    ------
    ValueError
        For too many points, k out of range, an unknown metric, or cosine
        on 1-D points or points at the origin.

    Examples
    --------
    >>> best = exhaustive_kmeans(point_set("outlier"), 2)
    >>> best["labels"].tolist(), best["objective"], best["n_partitions"], best["n_assignments"]
    ([0, 0, 0, 0, 0, 0, 1], 154.0, 63, 128)
    """
    x = _validate_tiny(points, n_clusters, metric)
    k = int(n_clusters)
    partitions = set_partitions(len(x), k)
    values = partition_objectives(x, partitions, k, metric)
    best = int(np.argmin(values))
    labels = partitions[best]
    space = normalise_rows(x) if metric == "cosine" else x
    return {"labels": labels, "objective": float(values[best]),
            "centroids": centres_of(space, labels, k, metric),
            "n_partitions": len(partitions), "n_assignments": k ** len(x), "objectives": values,
            "n_optimal": int(np.isclose(values, values[best], rtol=RTOL, atol=RTOL).sum())}


def _canonical(labels: np.ndarray) -> np.ndarray:
    """Cluster ids renamed in order of first appearance (one name per partition)."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    return np.argsort(np.argsort(first))[inverse]


def exhaustive_vs_lloyd(points, n_clusters: int, metric: str = "euclidean",
                        start: int | None = None) -> Trace:
    """Exhaustive search next to Lloyd's loop from every choice of k data points.

    Parameters
    ----------
    points : (n, D) float array
    n_clusters : int
    metric : {"euclidean", "manhattan", "cosine"}
    start : int, optional
        Which start (0-based, in :func:`itertools.combinations` order of the
        point indices) to replay step by step. Default: the first start that
        ends in a local optimum (the first start when every start finds the
        global one).

    Returns
    -------
    Trace
        ``output``: ``points``; the exhaustive result (``global_labels``,
        ``global_objective``, ``global_centroids``, ``n_partitions``,
        ``n_assignments``, ``objectives``); for every start ``starts`` (S, k)
        point indices, ``final_labels`` (S, n), ``final_objectives`` (S,),
        ``reaches_global`` (S,) bool; the replayed ``start`` and its
        ``labels``, ``centroids``, ``objective``, ``local_optimum`` bool.
        Steps: the replayed start's iterations (labels, centroids).

    Raises
    ------
    ValueError
        As :func:`exhaustive_kmeans`, or a start out of range.

    Examples
    --------
    >>> t = exhaustive_vs_lloyd(point_set("groups"), 3)
    >>> t.global_objective, round(t.objective, 1), t.local_optimum, t.starts[t.start].tolist()
    (3.0, 28.3, True, [0, 1, 2])
    """
    x = _validate_tiny(points, n_clusters, metric)
    k = int(n_clusters)
    best = exhaustive_kmeans(x, k, metric)
    starts = np.array(list(combinations(range(len(x)), k)))
    if start is not None and not 0 <= int(start) < len(starts):
        raise ValueError(f"start must be between 0 and {len(starts) - 1} "
                         f"(C({len(x)}, {k}) starts), got {start}")
    runs = [kmeans_metric(x, k, metric=metric, init=x[s], max_steps=None) for s in starts]
    finals = np.array([r.objective for r in runs])
    reaches = np.isclose(finals, best["objective"], rtol=RTOL, atol=RTOL)
    if start is None:
        start = int(np.argmax(~reaches)) if (~reaches).any() else 0
    chosen = runs[int(start)]
    output = {"points": x, "global_labels": best["labels"], "global_objective": best["objective"],
              "global_centroids": best["centroids"], "n_partitions": best["n_partitions"],
              "n_assignments": best["n_assignments"], "objectives": best["objectives"],
              "starts": starts, "final_labels": np.array([_canonical(r.labels) for r in runs]),
              "final_objectives": finals, "reaches_global": reaches, "start": int(start),
              "labels": chosen.labels, "centroids": chosen.centroids,
              "objective": chosen.objective, "local_optimum": bool(not reaches[int(start)])}
    return Trace(output=output, steps=chosen.steps,
                 params={"n_clusters": k, "metric": metric, "start": int(start)},
                 warnings=chosen.warnings, total_steps=chosen.total_steps)
