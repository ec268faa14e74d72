"""Clustering pixels in a feature space: k-means step by step, and alternatives.

k-means is written out as the lecture's loop so that every iteration can be
replayed: *assign* each pixel to its nearest centroid, *update* every centroid
to the mean of its pixels, and *stop* when no pixel changes cluster or the sum
of squared errors (SSE) hardly decreases. The alternatives (mean shift,
Gaussian mixture, agglomerative with a pixel-grid connectivity, DBSCAN) come
from scikit-learn; the costly ones fit on a pixel subsample and predict the
rest. :func:`cluster_image` runs the whole pipeline for the page: features,
clustering and a low-dimensional view of the feature space.
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import DBSCAN, AgglomerativeClustering, MeanShift
from sklearn.feature_extraction.image import grid_to_graph
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors

from segcore.classical.features import pixel_features
from segcore.threads import bounded
from segcore.trace import Trace, TraceRecorder

__all__ = ["METHODS", "INITS", "UNLABELLED", "kmeans", "elbow", "mean_shift", "gmm",
           "agglomerative", "dbscan", "cluster_image"]

#: Clustering methods :func:`cluster_image` offers.
METHODS = ("kmeans", "meanshift", "gmm", "agglomerative", "dbscan")
#: k-means initialisations.
INITS = ("k-means++", "random")
#: Label of pixels not (yet) assigned to a cluster in a recorded step.
UNLABELLED = -1
#: Most clusters a label map step may hold (steps store uint8 maps).
MAX_CLUSTERS = 32
MAX_ITER = 100
TOL = 1e-4
#: Up to this many features, centroid sums use one bincount per feature (else a one-hot product).
FEW_FEATURES = 8
#: Most k-means iterations kept in a Trace (first and last always).
MAX_RECORDED_STEPS = 25
CONSTANT_WARNING = "all pixels have identical features (constant image)"
#: Pixels the scikit-learn alternatives fit on (they predict the rest).
FIT_SAMPLE = 3000
#: Pixels mean shift seeks modes on (its cost grows with seeds x points x iterations).
MEAN_SHIFT_SAMPLE = 1500
#: Pixels the elbow curve fits on (SSE is then measured on all pixels).
ELBOW_SAMPLE = 20000
#: Largest pixel grid agglomerative clustering builds its graph on.
AGGLOMERATIVE_GRID = 64
#: Points in the feature-space view of :func:`cluster_image` (a browser redraws every
#: point on each slider move: 1,000 show the clusters and keep that redraw short).
VIEW_SAMPLE = 1000
#: Dimensions of the feature-space view (PCA when the space has more).
VIEW_DIM = 3


def _validate_features(features, n_clusters=None, image_shape=None) -> np.ndarray:
    x = np.asarray(features)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"features must be a non-empty (N, D) array, got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("features must not contain NaN or infinite values")
    if n_clusters is not None and not (1 <= int(n_clusters) <= min(MAX_CLUSTERS, x.shape[0])):
        raise ValueError(f"n_clusters must be between 1 and {min(MAX_CLUSTERS, x.shape[0])}, "
                         f"got {n_clusters}")
    if image_shape is not None and int(np.prod(image_shape)) != x.shape[0]:
        raise ValueError(f"image_shape {tuple(image_shape)} does not hold {x.shape[0]} pixels")
    return x


def _as_map(labels: np.ndarray, image_shape) -> np.ndarray:
    """Labels as a compact label map (uint8, or int16 when UNLABELLED occurs)."""
    dtype = np.int16 if labels.min(initial=0) < 0 else np.uint8
    labels = labels.astype(dtype)
    return labels.reshape(image_shape) if image_shape is not None else labels


def _subsample(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of ``min(n, size)`` distinct rows."""
    return np.arange(n) if n <= size else np.sort(rng.choice(n, size, replace=False))


# --------------------------------------------------------------------------- k-means


def _init_random(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Initialisation: k distinct data points chosen uniformly at random."""
    return x[rng.choice(len(x), k, replace=False)].astype(np.float64)


def _init_kmeans_plus_plus(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Initialisation: greedy k-means++ seeding.

    Each next seed is drawn with probability proportional to ``D(x)^2``, the
    squared distance to the nearest seed so far; as in scikit-learn,
    ``2 + ln k`` candidates are drawn and the one lowering the total
    ``sum D(x)^2`` most is kept.
    """
    n_trials = 2 + int(np.log(k))
    xt, x_sq = np.ascontiguousarray(x.T), np.einsum("ij,ij->i", x, x)
    centroids = [x[rng.integers(len(x))].astype(np.float64)]
    closest = _assign(xt, centroids[0][None, :], x_sq)[1]
    for _ in range(1, k):
        total = closest.sum(dtype=np.float64)
        candidates = (rng.choice(len(x), n_trials, p=closest / total) if total > 0
                      else rng.integers(len(x), size=n_trials))
        trial = [np.minimum(closest, _assign(xt, x[c][None, :], x_sq)[1]) for c in candidates]
        best = int(np.argmin([t.sum(dtype=np.float64) for t in trial]))
        centroids.append(x[candidates[best]].astype(np.float64))
        closest = trial[best]
    return np.stack(centroids)


def _assign(xt: np.ndarray, centroids: np.ndarray, x_sq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step 1: each point to its nearest centroid; returns labels and squared distances.

    ``xt`` is the (D, N) transposed feature matrix. Uses
    ``||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2``, built feature by feature with
    in-place vector operations, and the nearest centroid by a minimum over
    rows: for the few features and centroids here both are faster than a
    matrix product and ``argmin`` over the short axis.
    """
    c = centroids.astype(xt.dtype)
    cross = np.empty((len(c), xt.shape[1]), xt.dtype)
    for row, centroid in zip(cross, c):
        np.multiply(xt[0], -2 * centroid[0], out=row)
        for feature, value in zip(xt[1:], centroid[1:]):
            row += (-2 * value) * feature
        row += centroid @ centroid
    dist = np.minimum.reduce(cross, axis=0)
    labels = np.zeros(xt.shape[1], np.intp)
    for j in range(len(c) - 1, 0, -1):  # descending: ties go to the lowest index, like argmin
        np.copyto(labels, j, where=cross[j] == dist)
    dist += x_sq
    np.maximum(dist, 0, out=dist)
    return labels, dist


def _update(xt: np.ndarray, labels: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, int]:
    """Step 2: every centroid to the mean of its points; an empty cluster keeps its centroid.

    ``xt`` is the (D, N) transposed feature matrix; with few features, pass it
    as float64 (see :func:`_sum_weights`) so ``bincount`` need not convert it.
    """
    k = len(centroids)
    counts = np.bincount(labels, minlength=k)
    if len(xt) <= FEW_FEATURES:
        sums = np.stack([np.bincount(labels, feature, k) for feature in xt], axis=1)
    else:
        sums = (xt @ (np.arange(k)[None, :] == labels[:, None]).astype(xt.dtype)).T.astype(np.float64)
    new = centroids.copy()
    filled = counts > 0
    new[filled] = sums[filled] / counts[filled, None]
    return new, int((~filled).sum())


def _sum_weights(xt: np.ndarray) -> np.ndarray:
    """The matrix :func:`_update` sums: float64 for the bincount path, ``xt`` itself otherwise."""
    return xt.astype(np.float64) if len(xt) <= FEW_FEATURES else xt


def _converged(reassigned: int, sse: float, previous_sse: float, tol: float) -> bool:
    """Step 3: stop when no point moved or the SSE decreased by less than tol (relative)."""
    return reassigned == 0 or previous_sse - sse < tol * previous_sse


def _initial_centroids(x, n_clusters, init, rng) -> np.ndarray:
    if isinstance(init, str):
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS} or a (k, D) array, got {init!r}")
        return (_init_random if init == "random" else _init_kmeans_plus_plus)(x, n_clusters, rng)
    centroids = np.asarray(init, dtype=np.float64)
    if centroids.shape != (n_clusters, x.shape[1]):
        raise ValueError(f"init array must have shape {(n_clusters, x.shape[1])}, got {centroids.shape}")
    return centroids.copy()


@bounded
def kmeans(features, n_clusters: int, *, init="k-means++", n_init: int = 1, random_state=0,
           max_iter: int = MAX_ITER, tol: float = TOL, image_shape=None, max_steps: int | None = MAX_RECORDED_STEPS) -> Trace:
    """k-means (Lloyd's algorithm) with one recorded step per iteration.

    Parameters
    ----------
    features : (N, D) float array
        One feature vector per pixel (see :func:`~segcore.classical.features.pixel_features`).
    n_clusters : int
        Number of clusters ``k``, 1..32.
    init : {"k-means++", "random"} or (k, D) array
        Seeding: random distinct points, k-means++, or given centroids.
    n_init : int
        Runs from different seedings; the one with the lowest SSE is returned
        (its steps are the ones recorded). Ignored (1) for an init array.
    random_state : int or numpy Generator
        Seed of the initialisation.
    max_iter : int
        Most assignment steps.
    tol : float
        Stop when ``(SSE_prev - SSE) < tol * SSE_prev``; 0 stops only when no
        point is re-assigned.
    image_shape : (H, W), optional
        If given, labels are returned and recorded as (H, W) maps.
    max_steps : int or None
        Most iterations stored in the Trace (None: all).

    Returns
    -------
    Trace
        ``output``: ``labels`` (N,) or (H, W) int32, ``centroids`` (k, D) the
        centroids the final labels were assigned to, ``sse`` float,
        ``sse_curve`` (n_iter,), ``n_iter`` int, ``init_centroids`` (k, D),
        ``converged`` bool. One step per iteration, ``data`` =
        ``{"labels": uint8 map, "centroids": (k, D)}`` (the centroids the
        pixels were assigned to), metrics ``sse`` and ``reassigned``.

    Raises
    ------
    ValueError
        For a non-finite or empty feature matrix, ``n_clusters`` out of range,
        ``n_init < 1``, an unknown ``init`` or an init array of the wrong shape.

    Notes
    -----
    Minimises :math:`SSE = \\sum_{j=1}^{k} \\sum_{x \\in C_j} \\lVert x - m_j \\rVert^2`.
    Each iteration: (1) assign :math:`x` to :math:`\\arg\\min_j \\lVert x - m_j\\rVert^2`;
    (2) :math:`m_j \\leftarrow` mean of :math:`C_j`; (3) repeat until no re-assignment
    or a minimal SSE decrease. Identical to ``sklearn.cluster.KMeans(init=C0,
    n_init=1, algorithm="lloyd")`` started from the same centroids ``C0``.
    Constant features (zero total variance) return one cluster with a warning.

    References
    ----------
    .. [1] J. MacQueen, "Some methods for classification and analysis of
       multivariate observations", 1967.
    .. [2] D. Arthur and S. Vassilvitskii, "k-means++: the advantages of
       careful seeding", SODA 2007.

    Examples
    --------
    >>> x = np.array([[0.0], [0.1], [5.0], [5.2]])
    >>> t = kmeans(x, 2, init=np.array([[0.0], [0.1]]))
    >>> t.labels.tolist(), t.centroids.ravel().round(2).tolist(), t.n_iter
    ([0, 0, 1, 1], [0.05, 5.1], 3)
    """
    x = _validate_features(features, n_clusters, image_shape)
    if int(n_init) < 1:
        raise ValueError(f"n_init must be >= 1, got {n_init}")
    rng = np.random.default_rng(random_state)
    params = {"n_clusters": int(n_clusters), "init": init if isinstance(init, str) else "given",
              "n_init": int(n_init) if isinstance(init, str) else 1, "max_iter": int(max_iter), "tol": float(tol)}
    constant = not np.any(x.var(axis=0) > 0)
    runs = []
    for _ in range(params["n_init"]):
        centroids = _initial_centroids(x, int(n_clusters), init, rng)
        if constant:
            return _single_cluster(x, TraceRecorder(max_steps=max_steps), params, image_shape)
        runs.append(_lloyd(x, centroids, TraceRecorder(max_steps=max_steps), params, image_shape))
    return min(runs, key=lambda run: run.sse)


def _lloyd(x, centroids, recorder, params, image_shape) -> Trace:
    """Lloyd's loop from given centroids: assign, update, until converged or max_iter."""
    max_iter, tol = params["max_iter"], params["tol"]
    init_centroids = centroids.copy()
    xt, x_sq = np.ascontiguousarray(x.T), np.einsum("ij,ij->i", x, x)
    weights = _sum_weights(xt)
    previous, previous_sse, sse_curve, warnings, converged = None, np.inf, [], [], False
    for it in range(1, max_iter + 1):
        labels, dist = _assign(xt, centroids, x_sq)
        sse = float(dist.sum(dtype=np.float64))
        reassigned = len(x) if previous is None else int((labels != previous).sum())
        sse_curve.append(sse)
        recorder.add(f"iteration {it}", {"labels": _as_map(labels, image_shape), "centroids": centroids},
                     f"Assigned every pixel to its nearest of {len(centroids)} centroids: "
                     f"{reassigned} pixels changed cluster, SSE = {sse:.6g}.",
                     sse=sse, reassigned=reassigned)
        if previous is not None and _converged(reassigned, sse, previous_sse, tol):
            converged = True
            break
        updated, empty = _update(weights, labels, centroids)
        if empty:
            warnings.append(f"iteration {it}: {empty} cluster(s) lost all pixels and kept their centroid")
        previous, previous_sse, centroids = labels, sse, updated
    if not converged:
        warnings.append(f"k-means stopped after max_iter = {max_iter} iterations without converging")
    output = {"labels": _as_map(labels, image_shape).astype(np.int32), "centroids": centroids,
              "sse": sse, "sse_curve": np.asarray(sse_curve), "n_iter": len(sse_curve),
              "init_centroids": init_centroids, "converged": converged}
    return recorder.finish(output, params, warnings)


def _single_cluster(x, recorder, params, image_shape) -> Trace:
    """Degenerate input: all feature vectors equal, so one cluster and SSE = 0."""
    labels = np.zeros(len(x), np.int32)
    centroids = x[:1].astype(np.float64)
    recorder.add("iteration 1", {"labels": _as_map(labels, image_shape), "centroids": centroids},
                 "All pixels have the same features: one cluster.", sse=0.0, reassigned=0)
    output = {"labels": _as_map(labels, image_shape).astype(np.int32), "centroids": centroids,
              "sse": 0.0, "sse_curve": np.zeros(1), "n_iter": 1, "init_centroids": centroids,
              "converged": True}
    return recorder.finish(output, params, [CONSTANT_WARNING + ": returned a single cluster"])


@bounded
def elbow(features, ks=range(1, 11), *, random_state=0, sample: int = ELBOW_SAMPLE) -> dict:
    """SSE of k-means for each k (the elbow plot).

    Parameters
    ----------
    features : (N, D) float array
    ks : iterable of int
        Cluster counts to try.
    random_state : int
        Seed of the subsample and of k-means++.
    sample : int
        k-means fits on at most this many random points; the SSE is then
        measured on all N points against the fitted centroids.

    Returns
    -------
    dict
        ``{"k": (K,) int, "sse": (K,) float}``; the "elbow" where the curve
        stops falling fast suggests a k.

    Examples
    --------
    >>> x = np.r_[np.zeros((20, 1)), np.ones((20, 1))]
    >>> elbow(x, [1, 2])["sse"].round(6).tolist()
    [10.0, 0.0]
    """
    x = _validate_features(features)
    rng = np.random.default_rng(random_state)
    fit = x[_subsample(len(x), sample, rng)]
    xt, x_sq = np.ascontiguousarray(x.T), np.einsum("ij,ij->i", x, x)
    ks = np.array([k for k in ks if 1 <= k <= min(MAX_CLUSTERS, len(fit))], dtype=int)
    sse = [float(_assign(xt, kmeans(fit, k, random_state=rng, max_steps=2).centroids, x_sq)[1].sum())
           for k in ks]
    return {"k": ks, "sse": np.asarray(sse)}


# ------------------------------------------------------------------ alternatives


def _centroids_of(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Mean feature vector of each label 0..max (rows of absent labels are 0)."""
    k = int(labels.max()) + 1 if labels.size else 0
    centroids, _ = _update(_sum_weights(np.ascontiguousarray(x.T)), labels, np.zeros((k, x.shape[1])))
    return centroids


def _fit_predict_steps(recorder, n, fit_idx, fit_labels, labels, image_shape, what):
    """The two recorded stages of a subsample method: fit on the sample, predict the rest."""
    partial = np.full(n, UNLABELLED, np.int64)
    partial[fit_idx] = fit_labels
    recorder.add("fit on subsample", {"labels": _as_map(partial, image_shape)},
                 f"{what} ran on {len(fit_idx)} randomly sampled pixels.",
                 clusters=len(np.unique(fit_labels[fit_labels >= 0])))
    recorder.add("predict the rest", {"labels": _as_map(labels, image_shape)},
                 "Every other pixel joined the cluster of its nearest fitted centre/core point.")


@bounded
def mean_shift(features, bandwidth: float, *, random_state=0, image_shape=None,
               sample: int = MEAN_SHIFT_SAMPLE) -> Trace:
    """Mean shift (sklearn.cluster.MeanShift) on a subsample, nearest mode for the rest.

    Parameters
    ----------
    features : (N, D) float array
    bandwidth : float
        Kernel radius in (standardised) feature units, > 0: small finds many
        modes, large merges them.
    random_state : int
        Seed of the subsample.
    image_shape : (H, W), optional
    sample : int
        Pixels the modes are sought on.

    Returns
    -------
    Trace
        ``labels``, ``centroids`` (the modes), ``n_clusters``; steps "fit on
        subsample" and "predict the rest".

    Notes
    -----
    Every point climbs the density estimate by moving to the mean of its
    neighbours within the bandwidth, :math:`m(x) = \\frac{\\sum_i K(x_i - x) x_i}{\\sum_i K(x_i - x)}`,
    until it stops; points reaching the same mode form one cluster, so k is
    found, not given.

    Examples
    --------
    >>> x = np.r_[np.zeros((10, 1)), np.full((10, 1), 5.0)]
    >>> mean_shift(x, 1.0).n_clusters
    2
    """
    x = _validate_features(features, None, image_shape)
    if not (np.isfinite(bandwidth) and bandwidth > 0):
        raise ValueError(f"bandwidth must be a finite number > 0, got {bandwidth}")
    rng = np.random.default_rng(random_state)
    idx = _subsample(len(x), sample, rng)
    try:
        model = MeanShift(bandwidth=float(bandwidth), bin_seeding=True).fit(x[idx])
    except ValueError as err:  # no seed has a neighbour within the bandwidth
        raise ValueError(f"mean shift found no mode with bandwidth {bandwidth:g} in {x.shape[1]} "
                         "features: increase the bandwidth (distances grow with the number of "
                         "features)") from err
    labels = model.predict(x)
    recorder = TraceRecorder()
    _fit_predict_steps(recorder, len(x), idx, model.labels_, labels, image_shape, "Mean shift")
    output = {"labels": _as_map(labels, image_shape).astype(np.int32),
              "centroids": model.cluster_centers_.astype(np.float64),
              "n_clusters": len(model.cluster_centers_)}
    return recorder.finish(output, {"bandwidth": float(bandwidth), "sample": len(idx)})


@bounded
def gmm(features, n_components: int, *, random_state=0, image_shape=None, sample: int = FIT_SAMPLE) -> Trace:
    """Gaussian mixture (sklearn.mixture.GaussianMixture, full covariances) with soft labels.

    Parameters
    ----------
    features : (N, D) float array
    n_components : int
        Number of Gaussians ``k``.
    random_state : int
        Seed of the subsample and of the EM initialisation.
    image_shape : (H, W), optional
    sample : int
        Pixels EM fits on; responsibilities are computed for all.

    Returns
    -------
    Trace
        ``labels`` (most probable component), ``centroids`` (the means),
        ``probabilities`` (H, W, k) or (N, k) float16 soft assignments
        :math:`p(j \\mid x)`; steps "fit on subsample" and "predict the rest".

    Notes
    -----
    :math:`p(x) = \\sum_j \\pi_j \\mathcal{N}(x; \\mu_j, \\Sigma_j)`, fitted by EM;
    k-means is the limit of equal, shrinking spherical covariances and hard
    assignments.

    Examples
    --------
    >>> x = np.r_[np.zeros((10, 1)), np.full((10, 1), 5.0)] + np.linspace(0, 0.1, 20)[:, None]
    >>> t = gmm(x, 2)
    >>> t.probabilities.shape, len(set(t.labels.tolist()))
    ((20, 2), 2)
    """
    x = _validate_features(features, n_components, image_shape)
    rng = np.random.default_rng(random_state)
    idx = _subsample(len(x), sample, rng)
    model = GaussianMixture(n_components=int(n_components), covariance_type="full", reg_covar=1e-4,
                            random_state=int(rng.integers(2**31))).fit(x[idx])
    probabilities = model.predict_proba(x)
    labels = probabilities.argmax(axis=1)
    recorder = TraceRecorder()
    _fit_predict_steps(recorder, len(x), idx, model.predict(x[idx]), labels, image_shape,
                       "EM for a Gaussian mixture")
    shape = (len(x),) if image_shape is None else tuple(image_shape)
    output = {"labels": _as_map(labels, image_shape).astype(np.int32),
              "centroids": model.means_.astype(np.float64),
              "probabilities": probabilities.astype(np.float16).reshape(shape + (int(n_components),)),
              "n_clusters": int(n_components)}
    return recorder.finish(output, {"n_components": int(n_components), "sample": len(idx)})


def _block_means(x: np.ndarray, image_shape, grid: int) -> tuple[np.ndarray, tuple[int, int], np.ndarray]:
    """Downsample a feature image to at most grid x grid cells (mean per cell).

    Returns cell features (h * w, D), the cell grid (h, w) and every pixel's cell index.
    """
    height, width = image_shape
    h, w = min(grid, height), min(grid, width)
    rows = np.arange(height) * h // height
    cols = np.arange(width) * w // width
    cell = (rows[:, None] * w + cols[None, :]).ravel()
    counts = np.bincount(cell, minlength=h * w)[:, None]
    sums = np.stack([np.bincount(cell, x[:, j], h * w) for j in range(x.shape[1])], axis=1)
    return sums / counts, (h, w), cell


@bounded
def agglomerative(features, n_clusters: int, *, image_shape, grid: int = AGGLOMERATIVE_GRID) -> Trace:
    """Ward agglomerative clustering with a 4-neighbour pixel-grid connectivity.

    Parameters
    ----------
    features : (H * W, D) float array
    n_clusters : int
    image_shape : (H, W)
        Needed to build the grid graph.
    grid : int
        The image is averaged down to at most ``grid x grid`` cells first
        (the merge tree grows with the square of the node count).

    Returns
    -------
    Trace
        ``labels`` (H, W), ``centroids``; steps "grid" (cell map) and
        "merged" (labels).

    Notes
    -----
    Starts with every cell as a cluster and repeatedly merges the two
    *adjacent* clusters whose union increases the within-cluster SSE least
    (Ward); the connectivity graph makes clusters spatially connected.

    Examples
    --------
    >>> img = np.repeat([[0.0] * 4 + [9.0] * 4], 4, axis=0)
    >>> agglomerative(img.reshape(-1, 1), 2, image_shape=(4, 8)).labels[0].tolist()
    [1, 1, 1, 1, 0, 0, 0, 0]
    """
    if image_shape is None or len(image_shape) != 2:
        raise ValueError(f"image_shape must be (H, W), got {image_shape}")
    x = _validate_features(features, n_clusters, image_shape)
    cells, (h, w), cell = _block_means(x, image_shape, grid)
    if int(n_clusters) > h * w:
        raise ValueError(f"n_clusters must be at most the {h * w} grid cells, got {n_clusters}")
    model = AgglomerativeClustering(n_clusters=int(n_clusters), linkage="ward",
                                    connectivity=grid_to_graph(h, w)).fit(cells)
    labels = model.labels_[cell]
    recorder = TraceRecorder()
    recorder.add("grid", {"labels": _as_map(np.arange(h * w)[cell] % 256, image_shape)},
                 f"Averaged the features over a {h} x {w} grid: {h * w} nodes, "
                 "each linked to its 4 neighbours.", nodes=h * w)
    recorder.add("merged", {"labels": _as_map(labels, image_shape)},
                 f"Merged adjacent clusters by Ward's criterion until {n_clusters} were left.")
    warnings = [f"agglomerative clustering ran on a {h} x {w} grid of averaged pixels"] \
        if h * w < len(x) else []
    output = {"labels": _as_map(labels, image_shape).astype(np.int32),
              "centroids": _centroids_of(x, labels), "n_clusters": int(n_clusters)}
    return recorder.finish(output, {"n_clusters": int(n_clusters), "grid": (h, w)}, warnings)


@bounded
def dbscan(features, eps: float, min_samples: int = 10, *, random_state=0, image_shape=None,
           sample: int = FIT_SAMPLE) -> Trace:
    """DBSCAN (sklearn.cluster.DBSCAN) on a subsample; the rest joins the nearest core point.

    Parameters
    ----------
    features : (N, D) float array
    eps : float
        Neighbourhood radius in (standardised) feature units, > 0.
    min_samples : int
        Neighbours (within eps, itself included) that make a core point.
    random_state : int
        Seed of the subsample.
    image_shape : (H, W), optional
    sample : int
        Pixels DBSCAN runs on.

    Returns
    -------
    Trace
        ``labels`` with noise as the extra cluster ``noise_label`` (=
        ``n_clusters``), ``centroids`` (k + 1 rows, the last the noise mean),
        ``n_clusters``; steps "fit on subsample" (noise shown as -1) and
        "predict the rest". A pixel farther than eps from every core point is noise.

    Notes
    -----
    Clusters are maximal sets of density-connected points; a point with fewer
    than ``min_samples`` neighbours within ``eps`` that is not near a core point is noise.

    Examples
    --------
    >>> x = np.r_[np.zeros((10, 1)), np.full((10, 1), 5.0), [[20.0]]]
    >>> t = dbscan(x, 0.5, 3)
    >>> t.n_clusters, t.noise_label, t.labels[-1]
    (2, 2, np.int32(2))
    """
    x = _validate_features(features, None, image_shape)
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a finite number > 0, got {eps}")
    if int(min_samples) < 1:
        raise ValueError(f"min_samples must be >= 1, got {min_samples}")
    rng = np.random.default_rng(random_state)
    idx = _subsample(len(x), sample, rng)
    model = DBSCAN(eps=float(eps), min_samples=int(min_samples)).fit(x[idx])
    n_found = int(model.labels_.max()) + 1
    warnings = []
    if n_found == 0:
        labels = np.zeros(len(x), np.int64)
        warnings.append("DBSCAN found no dense region (all pixels are noise): increase eps "
                        "or lower min_samples")
    else:
        core = model.core_sample_indices_
        dist, nearest = NearestNeighbors(n_neighbors=1).fit(x[idx][core]).kneighbors(x)
        labels = np.where(dist[:, 0] <= eps, model.labels_[core][nearest[:, 0]], n_found)
    recorder = TraceRecorder()
    _fit_predict_steps(recorder, len(x), idx, model.labels_, labels, image_shape, "DBSCAN")
    output = {"labels": _as_map(labels, image_shape).astype(np.int32), "centroids": _centroids_of(x, labels),
              "n_clusters": n_found, "noise_label": n_found}
    return recorder.finish(output, {"eps": float(eps), "min_samples": int(min_samples),
                                    "sample": len(idx)}, warnings)


# ---------------------------------------------------------------- the pipeline


def _view(x: np.ndarray, rng: np.random.Generator, image_shape=None) -> dict:
    """A subsample of points, a <= 3D linear view of the feature space (PCA if D > 3),
    and the centre pixel's features (the page's worked example)."""
    idx = _subsample(len(x), VIEW_SAMPLE, rng)
    if x.shape[1] <= VIEW_DIM:
        axes, mean, variance = np.eye(x.shape[1]), np.zeros(x.shape[1]), np.ones(x.shape[1])
    else:
        mean = x.mean(axis=0, dtype=np.float64)
        _, s, vt = np.linalg.svd(x[idx] - mean, full_matrices=False)
        total = (s ** 2).sum()
        axes = vt[:VIEW_DIM]
        variance = (s ** 2 / total)[:VIEW_DIM] if total > 0 else np.zeros(VIEW_DIM)
    height, width = image_shape if image_shape is not None else (1, len(x))
    probe = (height // 2) * width + width // 2
    return {"view_index": idx, "view_points": (x[idx] - mean) @ axes.T, "view_axes": axes,
            "view_mean": mean, "view_explained": variance, "probe_index": probe,
            "probe_features": x[probe].astype(np.float64)}


def cluster_image(image, *, space: str = "intensity", method: str = "kmeans", n_clusters: int = 3,
                  position_weight: float = 0.0, init: str = "k-means++", n_init: int = 1, random_state=0,
                  bandwidth: float = 1.0, eps: float = 0.3, min_samples: int = 10) -> Trace:
    """Segment an image by clustering its pixels' features.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) array
        Gray or RGB image.
    space : {"intensity", "rgb", "lab", "texture"}
        Feature space; see :func:`~segcore.classical.features.pixel_features`.
    method : {"kmeans", "meanshift", "gmm", "agglomerative", "dbscan"}
    n_clusters : int
        k for k-means, GMM and agglomerative.
    position_weight : float
        ``lambda``: weight of the (x, y) position features, 0 = none.
    init : {"k-means++", "random"}
        k-means seeding.
    n_init : int
        k-means runs from different seedings (lowest SSE kept).
    random_state : int
    bandwidth, eps, min_samples
        Parameters of mean shift and DBSCAN (standardised units).

    Returns
    -------
    Trace
        The method's Trace (labels (H, W), centroids, steps ...) whose output
        also holds ``feature_names``, ``feature_mean``/``feature_scale`` (to
        turn centroids back into raw units), and a feature-space view:
        ``view_index`` (n,) pixel indices, ``view_points`` (n, <=3) their
        coordinates along ``view_axes`` (<=3, D) through ``view_mean``
        (identity axes when D <= 3, else PCA with ``view_explained``), and
        ``probe_index`` / ``probe_features`` (D,): the centre pixel, for a
        worked example of the assignment step.

    Raises
    ------
    ValueError
        For an unknown space or method and the invalid values the parts reject
        (also when mean shift finds no mode: bandwidth too small).

    Examples
    --------
    >>> img = np.repeat(np.array([[10, 10, 200, 200]], np.uint8), 3, axis=0)
    >>> t = cluster_image(img, n_clusters=2)
    >>> t.labels[0].tolist() in ([0, 0, 1, 1], [1, 1, 0, 0]), t.feature_names
    (True, ('intensity',))
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    feats = pixel_features(image, space, position_weight=position_weight)
    x, shape = feats.values, feats.shape
    rng = np.random.default_rng(random_state)
    seed = int(rng.integers(2**31))
    if method == "kmeans":
        trace = kmeans(x, n_clusters, init=init, n_init=n_init, random_state=seed, image_shape=shape)
    elif method == "meanshift":
        trace = mean_shift(x, bandwidth, random_state=seed, image_shape=shape)
    elif method == "gmm":
        trace = gmm(x, n_clusters, random_state=seed, image_shape=shape)
    elif method == "agglomerative":
        trace = agglomerative(x, n_clusters, image_shape=shape)
    else:
        trace = dbscan(x, eps, min_samples, random_state=seed, image_shape=shape)
    output = dict(trace.output, feature_names=feats.names, feature_mean=feats.mean,
                  feature_scale=feats.scale, **_view(x, rng, shape))
    params = dict(trace.params, space=space, method=method, position_weight=float(position_weight))
    warnings = trace.warnings
    if method != "kmeans" and not x.any():  # standardising zeroes every constant feature
        warnings += (CONSTANT_WARNING,)
    return Trace(output=output, steps=trace.steps, params=params, warnings=warnings,
                 total_steps=trace.total_steps)
