"""k-means with a choice of distance: Euclidean, Manhattan (k-medians), cosine (spherical).

The lecture's k-means loop assigns each point "to the cluster of the nearest
seed point measured with a specific distance metric" and moves every seed to
the centre of its cluster. Which centre goes with which distance is not free:
the update must make the cluster's total distance as small as possible, or
the loop stops being a descent. Three pairs keep it one:

========== =========================== ======================================
metric     distance :math:`d(x, c)`     centre of a cluster (the update)
========== =========================== ======================================
euclidean  :math:`\\|x - c\\|_2^2`        mean: k-means
manhattan  :math:`\\|x - c\\|_1`          coordinate-wise median: **k-medians**
cosine     :math:`1 - \\cos(x, c)`       normalised mean direction: **spherical k-means**
========== =========================== ======================================

Any other distance with the *mean* update is no longer minimising anything;
k-medoids (centres restricted to data points) is the general fix and is not
implemented here. The objective each variant lowers is
:math:`J = \\sum_j \\sum_{x \\in C_j} d(x, c_j)` (the lecture's SSE for the
Euclidean case).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

from segcore.threads import bounded
from segcore.trace import Trace, TraceRecorder

__all__ = ["METRICS", "CENTRES", "kmeans_metric", "objective", "centres_of",
           "normalise_rows"]

#: Distances :func:`kmeans_metric` offers.
METRICS = ("euclidean", "manhattan", "cosine")
#: The update that goes with each distance (what the page says the method is).
CENTRES = {"euclidean": "mean (k-means)", "manhattan": "median (k-medians)",
           "cosine": "normalised mean (spherical k-means)"}
_CDIST = {"euclidean": "sqeuclidean", "manhattan": "cityblock", "cosine": "cosine"}
MAX_ITER = 100
MAX_CLUSTERS = 32
MAX_RECORDED_STEPS = 25


def _validate_metric_input(features, n_clusters, metric, image_shape=None) -> np.ndarray:
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"features must be a non-empty (N, D) array, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("features must not contain NaN or infinite values")
    if not 1 <= int(n_clusters) <= min(MAX_CLUSTERS, x.shape[0]):
        raise ValueError(f"n_clusters must be between 1 and {min(MAX_CLUSTERS, x.shape[0])}, "
                         f"got {n_clusters}")
    if image_shape is not None and int(np.prod(image_shape)) != x.shape[0]:
        raise ValueError(f"image_shape {tuple(image_shape)} does not hold {x.shape[0]} points")
    if metric == "cosine":
        if x.shape[1] < 2:
            raise ValueError("the cosine distance compares directions: it needs at least 2 "
                             "features, got 1 (every positive value points the same way)")
        zero = int((~np.any(x != 0, axis=1)).sum())
        if zero:
            raise ValueError(f"the cosine distance is undefined for zero vectors: {zero} of "
                             f"{len(x)} feature vectors are all zeros")
    return x


def normalise_rows(x: np.ndarray) -> np.ndarray:
    """Every row scaled to unit Euclidean length (the space spherical k-means works in).

    Examples
    --------
    >>> normalise_rows(np.array([[3.0, 4.0], [0.0, 2.0]])).tolist()
    [[0.6, 0.8], [0.0, 1.0]]
    """
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def centres_of(x: np.ndarray, labels: np.ndarray, k: int, metric: str,
               previous: np.ndarray | None = None) -> np.ndarray:
    """The update step: each cluster's centre for ``metric`` (mean, median, mean direction).

    ``x`` must already be row-normalised for ``"cosine"``. A cluster without
    points (or, for cosine, whose directions cancel out) keeps its ``previous``
    centre (NaN when there is none).

    Examples
    --------
    >>> x = np.array([[0.0], [1.0], [9.0], [10.0], [11.0], [40.0]])
    >>> centres_of(x, np.array([0, 0, 1, 1, 1, 1]), 2, "manhattan").ravel().tolist()
    [0.5, 10.5]
    """
    out = np.full((k, x.shape[1]), np.nan) if previous is None else previous.astype(float).copy()
    for j in range(k):
        members = x[labels == j]
        if len(members) == 0:
            continue
        if metric == "euclidean":
            out[j] = members.mean(axis=0)
        elif metric == "manhattan":
            out[j] = np.median(members, axis=0)
        else:
            total = members.sum(axis=0)
            norm = np.linalg.norm(total)
            if norm > 1e-12:
                out[j] = total / norm
    return out


def objective(x: np.ndarray, labels: np.ndarray, centres: np.ndarray, metric: str) -> float:
    """:math:`J = \\sum_j \\sum_{x \\in C_j} d(x, c_j)` for the given centres.

    ``x`` must already be row-normalised for ``"cosine"`` (then
    :math:`d = 1 - x \\cdot c`).

    Examples
    --------
    >>> x = np.array([[0.0, 0.0], [2.0, 0.0]])
    >>> objective(x, np.array([0, 0]), np.array([[1.0, 0.0]]), "euclidean")
    2.0
    """
    d = cdist(x, centres, _CDIST[metric])[np.arange(len(x)), labels]
    return float(np.maximum(d, 0.0).sum())


def _initial(x: np.ndarray, k: int, init, metric: str, rng) -> np.ndarray:
    if isinstance(init, str):
        if init != "random":
            raise ValueError(f"init must be 'random' or a (k, D) array, got {init!r}")
        return x[rng.choice(len(x), k, replace=False)].copy()
    centres = np.asarray(init, dtype=np.float64)
    if centres.shape != (k, x.shape[1]):
        raise ValueError(f"init array must have shape {(k, x.shape[1])}, got {centres.shape}")
    if metric == "cosine":
        if not np.all(np.any(centres != 0, axis=1)):
            raise ValueError("init centres for the cosine distance must not be zero vectors")
        centres = normalise_rows(centres)
    return centres.copy()


@bounded
def kmeans_metric(features, n_clusters: int, *, metric: str = "euclidean", init="random",
                  random_state=0, max_iter: int = MAX_ITER, image_shape=None,
                  max_steps: int | None = MAX_RECORDED_STEPS) -> Trace:
    """Lloyd's loop with the distance ``metric`` and its matching centre update.

    Parameters
    ----------
    features : (N, D) float array
        One feature vector per point (pixel). For ``"cosine"`` no row may be
        all zeros and D >= 2; rows are scaled to unit length first.
    n_clusters : int
        Number of clusters ``k``, 1..32.
    metric : {"euclidean", "manhattan", "cosine"}
        Distance of the assignment step; the update is the mean, the
        coordinate-wise median or the normalised mean direction.
    init : "random" or (k, D) array
        k distinct data points chosen with ``random_state``, or given centres
        (normalised for cosine).
    random_state : int or numpy Generator
    max_iter : int
        Most assignment steps.
    image_shape : (H, W), optional
        Labels are returned and recorded as (H, W) maps.
    max_steps : int or None
        Most iterations kept in the Trace.

    Returns
    -------
    Trace
        ``output``: ``labels`` (N,) or (H, W) int32, ``centroids`` (k, D) the
        centres the final labels were assigned to (unit vectors for cosine),
        ``objective`` J, ``objective_curve`` (n_iter,), ``n_iter``,
        ``init_centroids``, ``converged``. One step per iteration with
        ``{"labels", "centroids"}`` and metrics ``objective``, ``reassigned``.

    Raises
    ------
    ValueError
        For an unknown metric or init, bad shapes, non-finite values, or
        cosine on one feature or on zero vectors.

    Notes
    -----
    Each iteration (1) assigns :math:`x` to :math:`\\arg\\min_j d(x, c_j)`,
    (2) moves :math:`c_j` to the minimiser of :math:`\\sum_{x \\in C_j}
    d(x, c)`: the mean for :math:`\\|x - c\\|^2`, the coordinate-wise median
    for :math:`\\|x - c\\|_1`, :math:`\\sum x / \\|\\sum x\\|` for
    :math:`1 - \\cos` on unit vectors; (3) stops when no point changes
    cluster. Neither step can raise J, so it converges, to a local optimum.
    With ``"euclidean"`` it is :func:`segcore.classical.clustering.kmeans`
    with ``tol=0`` (a test checks it).

    References
    ----------
    .. [1] P. S. Bradley, O. L. Mangasarian and W. N. Street, "Clustering via
       concave minimization", NIPS 1996 (k-medians).
    .. [2] I. S. Dhillon and D. S. Modha, "Concept decompositions for large
       sparse text data using clustering", Machine Learning 42, 2001
       (spherical k-means).

    Examples
    --------
    >>> x = np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [12.0], [30.0]])
    >>> t = kmeans_metric(x, 2, metric="manhattan", init=np.array([[0.0], [12.0]]))
    >>> t.labels.tolist(), t.centroids.ravel().tolist()
    ([0, 0, 0, 1, 1, 1, 1], [1.0, 11.5])
    """
    x = _validate_metric_input(features, n_clusters, metric, image_shape)
    k = int(n_clusters)
    if metric == "cosine":
        x = normalise_rows(x)
    rng = np.random.default_rng(random_state)
    centres = _initial(x, k, init, metric, rng)
    init_centres = centres.copy()
    recorder = TraceRecorder(max_steps=max_steps)
    previous, curve, converged = None, [], False
    for it in range(1, int(max_iter) + 1):
        labels = cdist(x, centres, _CDIST[metric]).argmin(axis=1)
        value = objective(x, labels, centres, metric)
        reassigned = len(x) if previous is None else int((labels != previous).sum())
        curve.append(value)
        shaped = labels.reshape(image_shape) if image_shape is not None else labels
        recorder.add(f"iteration {it}", {"labels": shaped.astype(np.uint8), "centroids": centres},
                     f"Each point to its nearest centre by the {metric} distance: {reassigned} "
                     f"changed cluster, J = {value:.6g}.", objective=value, reassigned=reassigned)
        if previous is not None and reassigned == 0:
            converged = True
            break
        previous, centres = labels, centres_of(x, labels, k, metric, centres)
    warnings = () if converged else (f"stopped after max_iter = {max_iter} without converging",)
    output = {"labels": shaped.astype(np.int32), "centroids": centres, "objective": value,
              "objective_curve": np.asarray(curve), "n_iter": len(curve),
              "init_centroids": init_centres, "converged": converged}
    return recorder.finish(output, {"n_clusters": k, "metric": metric,
                                    "max_iter": int(max_iter)}, warnings)
