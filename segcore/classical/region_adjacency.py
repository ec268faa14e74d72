"""Region adjacency graphs (RAG) and merging adjacent regions.

Shared by region growing (merge regions whose means are close) and split and
merge (merge quadtree leaves while the predicate holds on their union). A
region is summarised by five sums, so the statistics of a union of regions are
exact sums of the parts and merging never revisits pixels.

Notes
-----
For a region R with n pixels, sum s and sum of squares q:

.. math::

    M = s / n, \\qquad \\mathrm{var} = (n q - s^2) / n^2, \\qquad
    \\mathrm{sd} = \\sqrt{\\mathrm{var}}

Merging runs in rounds. In every round each region picks its most similar
admissible neighbour (smallest score, ties broken by the smaller label); pairs
that pick each other merge. The globally best admissible pair always picks
itself, so every round merges at least one pair, and the pairs of one round
are disjoint, so a round is a handful of vectorised numpy operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["BACKGROUND", "gray_float", "RegionStats", "region_stats", "adjacent_pairs", "centroids",
           "merged_centroids", "rag_data", "merge_adjacent"]

BACKGROUND = 0  # label of pixels that belong to no region; never a graph node


def gray_float(image) -> np.ndarray:
    """Return ``image`` as a float64 (H, W) array, or raise ValueError saying why not.

    Examples
    --------
    >>> gray_float(np.ones((2, 2), np.uint8)).dtype
    dtype('float64')
    """
    image = np.asarray(image)
    if image.ndim != 2 or image.size == 0:
        raise ValueError(f"image must be a non-empty 2-D gray array, got shape {image.shape}")
    if not (np.issubdtype(image.dtype, np.number) or image.dtype == bool):
        raise ValueError(f"image must be numeric, got dtype {image.dtype}")
    image = image.astype(np.float64)
    if not np.isfinite(image).all():
        raise ValueError("image must contain only finite values, found nan or inf")
    return image


@dataclass(frozen=True)
class RegionStats:
    """Sums describing each region, indexed by region label (index 0 unused).

    Parameters
    ----------
    count, total, total_sq, low, high : (N + 1,) float64
        Pixel count, sum of intensities, sum of squared intensities, minimum
        and maximum intensity of region ``i`` at index ``i``.
    """

    count: np.ndarray
    total: np.ndarray
    total_sq: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        """Region means M (0 where a region is empty)."""
        return self.total / np.maximum(self.count, 1)

    @property
    def variance(self) -> np.ndarray:
        """Population variance, exact for integer intensities."""
        n = np.maximum(self.count, 1)
        return np.maximum(self.count * self.total_sq - self.total ** 2, 0.0) / n ** 2

    @property
    def sd(self) -> np.ndarray:
        """Population standard deviation."""
        return np.sqrt(self.variance)

    @property
    def value_range(self) -> np.ndarray:
        """Max minus min intensity."""
        return self.high - self.low

    def take(self, index: np.ndarray) -> "RegionStats":
        """Statistics of the regions at ``index``."""
        return RegionStats(*(getattr(self, f)[index] for f in _FIELDS))

    def union(self, a: np.ndarray, b: np.ndarray) -> "RegionStats":
        """Statistics of the unions ``R_a U R_b`` for paired label arrays."""
        return RegionStats(self.count[a] + self.count[b], self.total[a] + self.total[b],
                           self.total_sq[a] + self.total_sq[b],
                           np.minimum(self.low[a], self.low[b]),
                           np.maximum(self.high[a], self.high[b]))

    def regroup(self, relabel: np.ndarray) -> "RegionStats":
        """Statistics after every region i joined region ``relabel[i]``."""
        size = len(self.count)
        low = np.full(size, np.inf)
        high = np.full(size, -np.inf)
        np.minimum.at(low, relabel, self.low)
        np.maximum.at(high, relabel, self.high)
        return RegionStats(np.bincount(relabel, self.count, size),
                           np.bincount(relabel, self.total, size),
                           np.bincount(relabel, self.total_sq, size), low, high)


_FIELDS = ("count", "total", "total_sq", "low", "high")


def region_stats(image: np.ndarray, labels: np.ndarray, n_labels: int) -> RegionStats:
    """Compute :class:`RegionStats` of labels ``1..n_labels`` over ``image``.

    Parameters
    ----------
    image : (H, W) float array
    labels : (H, W) int array, 0 = background
    n_labels : int
        Largest label.

    Returns
    -------
    RegionStats
        Arrays of length ``n_labels + 1``.

    Examples
    --------
    >>> s = region_stats(np.array([[1., 3.], [5., 5.]]), np.array([[1, 1], [2, 2]]), 2)
    >>> s.mean.tolist(), s.variance.tolist()
    ([0.0, 2.0, 5.0], [0.0, 1.0, 0.0])
    """
    flat = labels.ravel()
    values = image.ravel().astype(np.float64)
    size = n_labels + 1
    low = np.full(size, np.inf)
    high = np.full(size, -np.inf)
    _reduce_sorted(low, flat, values, np.minimum)
    _reduce_sorted(high, flat, values, np.maximum)
    return RegionStats(np.bincount(flat, minlength=size).astype(np.float64),
                       np.bincount(flat, values, minlength=size),
                       np.bincount(flat, values * values, minlength=size), low, high)


def _reduce_sorted(out: np.ndarray, flat: np.ndarray, values: np.ndarray, ufunc) -> None:
    """Per-label reduction of ``values`` into ``out`` via a stable sort and reduceat."""
    if not flat.size:
        return
    order = np.argsort(flat, kind="stable")
    keys = flat[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    out[keys[starts]] = ufunc.reduceat(values[order], starts)


def adjacent_pairs(labels: np.ndarray, connectivity: int = 4) -> np.ndarray:
    """Unique pairs of different, touching, non-background labels.

    Parameters
    ----------
    labels : (H, W) int array
    connectivity : {4, 8}
        4: regions sharing a pixel side touch; 8: corners count too.

    Returns
    -------
    (E, 2) int64
        Rows ``(a, b)`` with ``a < b``, sorted.

    Examples
    --------
    >>> adjacent_pairs(np.array([[1, 2], [3, 0]])).tolist()
    [[1, 2], [1, 3]]
    >>> adjacent_pairs(np.array([[1, 2], [3, 0]]), connectivity=8).tolist()
    [[1, 2], [1, 3], [2, 3]]
    """
    shifts = [(labels[:, :-1], labels[:, 1:]), (labels[:-1, :], labels[1:, :])]
    if connectivity == 8:
        shifts += [(labels[:-1, :-1], labels[1:, 1:]), (labels[:-1, 1:], labels[1:, :-1])]
    a, b = [], []
    for first, second in shifts:
        differ = first != second  # region borders are a small part of the image
        a.append(first[differ])
        b.append(second[differ])
    a = np.concatenate(a).astype(np.int64)
    b = np.concatenate(b).astype(np.int64)
    keep = (a != BACKGROUND) & (b != BACKGROUND)
    return _unique_edges(a[keep], b[keep])


def _unique_edges(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sorted unique undirected edges without self loops."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    if not keep.any():
        return np.zeros((0, 2), np.int64)
    lo, hi = lo[keep], hi[keep]
    base = int(hi.max()) + 1
    key = np.sort(lo * base + hi)
    key = key[np.r_[True, key[1:] != key[:-1]]]
    return np.stack([key // base, key % base], axis=1)


def centroids(labels: np.ndarray, n_labels: int) -> np.ndarray:
    """(n_labels + 1, 2) float64 mean (row, col) of every label (nan when empty)."""
    rows, cols = np.indices(labels.shape)
    flat = labels.ravel()
    count = np.bincount(flat, minlength=n_labels + 1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.stack([np.bincount(flat, rows.ravel(), minlength=n_labels + 1) / count,
                         np.bincount(flat, cols.ravel(), minlength=n_labels + 1) / count], axis=1)


def merged_centroids(points: np.ndarray, count: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Centroids of groups of regions, weighting each region's centroid by its size.

    Parameters
    ----------
    points : (N + 1, 2) float
        Centroid of every region (row 0 unused).
    count : (N + 1,) float
        Pixel count of every region.
    group : (N + 1,) int
        Group 1..G of every region (entry 0 ignored).

    Returns
    -------
    (G, 2) float64
        Centroids of groups 1..G.

    Examples
    --------
    >>> merged_centroids(np.array([[0, 0], [0, 0.], [0, 4]]), np.array([0, 1, 3.]),
    ...                  np.array([0, 1, 1])).tolist()
    [[0.0, 3.0]]
    """
    size = int(group[1:].max()) + 1 if len(group) > 1 else 1
    weight = np.bincount(group[1:], count[1:], size)[1:]
    rows = np.bincount(group[1:], points[1:, 0] * count[1:], size)[1:]
    cols = np.bincount(group[1:], points[1:, 1] * count[1:], size)[1:]
    return np.stack([rows, cols], axis=1) / np.maximum(weight, 1)[:, None]


def rag_data(nodes: np.ndarray, stats: RegionStats, edges: np.ndarray,
             mergeable: np.ndarray) -> dict[str, np.ndarray]:
    """Everything a page needs to draw a RAG over the image.

    Parameters
    ----------
    nodes : (N, 2) float array
        Centroids (row, col) of regions 1..N.
    stats : RegionStats
        Statistics of those regions (length N + 1, index 0 unused).
    edges : (E, 2) int array
        Adjacent labels (1-based).
    mergeable : (E,) bool
        Whether the merge test holds for each edge.

    Returns
    -------
    dict
        ``nodes`` (N, 2) float centroids, ``node_mean`` (N,), ``node_sd``
        (N,), ``node_size`` (N,), ``edges`` (E, 2) int32 0-based node indices, ``similarity``
        (E,) = |M_a - M_b|, ``mergeable`` (E,) bool, and the statistics of
        each union R_a U R_b: ``union_mean``, ``union_sd``, ``union_range``.
    """
    mean = stats.mean
    edges = np.asarray(edges, np.int64).reshape(-1, 2)
    union = stats.union(edges[:, 0], edges[:, 1])
    return {
        "nodes": np.asarray(nodes, np.float64),
        "node_mean": mean[1:],
        "node_size": stats.count[1:],
        "node_sd": stats.sd[1:],
        "edges": (edges - 1).astype(np.int32),
        "similarity": np.abs(mean[edges[:, 0]] - mean[edges[:, 1]]),
        "mergeable": np.asarray(mergeable, bool),
        "union_mean": union.mean,
        "union_sd": union.sd,
        "union_range": union.value_range,
    }


PairTest = Callable[[RegionStats, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


GroupTest = Callable[[RegionStats], np.ndarray]


def merge_adjacent(stats: RegionStats, edges: np.ndarray, test: PairTest,
                   group_test: GroupTest | None = None,
                   on_round: Callable[[int, np.ndarray, np.ndarray], None] | None = None):
    """Merge adjacent regions in rounds until no adjacent pair passes ``test``.

    In each round every region picks its most similar admissible neighbour.
    A region nobody picked moves into the region it picked; of a mutual pair
    the larger label moves into the smaller. A receiving region takes all its
    movers when ``group_test`` holds on the whole group, otherwise only the
    most similar one (which passed ``test`` with it).

    Parameters
    ----------
    stats : RegionStats
        Statistics of regions ``1..N``.
    edges : (E, 2) int array
        Adjacent label pairs ``a < b``.
    test : callable
        ``test(stats, a, b) -> (ok, score)`` for label arrays ``a``, ``b``:
        ``ok`` (bool) says whether the pair may merge, ``score`` (float,
        smaller = more similar) orders the candidates.
    group_test : callable, optional
        ``group_test(stats) -> bool`` per region, e.g. the predicate P; lets a
        region absorb several neighbours in one round.
    on_round : callable, optional
        Called after every round as ``on_round(round, parent, pairs)`` with
        ``parent`` (N + 1,) mapping every original label to its current
        region and ``pairs`` (P, 2) the (kept, absorbed) labels merged.

    Returns
    -------
    parent : (N + 1,) int64
        Final region of every original label (the smallest label of the
        group when only pairs merge).
    stats : RegionStats
        Statistics indexed by the surviving labels.
    edges : (E', 2) int64
        Adjacency of the surviving regions.
    merged : (P, 2) int64
        Every merged (kept, absorbed) pair in merge order.

    Examples
    --------
    >>> s = region_stats(np.array([[1., 1., 9.]]), np.array([[1, 2, 3]]), 3)
    >>> close = lambda st, a, b: (abs(st.mean[a] - st.mean[b]) < 2, abs(st.mean[a] - st.mean[b]))
    >>> parent, _, edges, merged = merge_adjacent(s, np.array([[1, 2], [2, 3]]), close)
    >>> parent.tolist(), edges.tolist(), merged.tolist()
    ([0, 1, 1, 3], [[1, 3]], [[1, 2]])
    """
    parent = np.arange(len(stats.count), dtype=np.int64)
    edges = np.asarray(edges, np.int64).reshape(-1, 2)
    merged = []
    round_no = 0
    while len(edges):
        relabel, pairs = _choose_merges(stats, edges, test, group_test)
        if not len(pairs):
            break
        round_no += 1
        stats = stats.regroup(relabel)
        parent = relabel[parent]
        edges = _unique_edges(relabel[edges[:, 0]], relabel[edges[:, 1]])
        merged.append(pairs)
        if on_round is not None:
            on_round(round_no, parent.copy(), pairs)
    merged = np.concatenate(merged) if merged else np.zeros((0, 2), np.int64)
    return parent, stats, edges, merged


def _choose_merges(stats: RegionStats, edges: np.ndarray, test: PairTest,
                   group_test: GroupTest | None):
    """One round: ``relabel`` (label -> receiving label) and (receiver, mover) pairs."""
    size = len(stats.count)
    relabel = np.arange(size, dtype=np.int64)
    a, b = edges[:, 0], edges[:, 1]
    ok, score = test(stats, a, b)
    a, b, score = a[ok], b[ok], np.asarray(score, np.float64)[ok]
    if not len(a):
        return relabel, np.zeros((0, 2), np.int64)
    best, best_score = _best_neighbour(a, b, score, size)
    label = np.arange(size)
    has = best >= 0
    target = np.where(has, best, 0)
    picked = np.zeros(size, bool)
    picked[best[has]] = True
    mutual = has & (best[target] == label)
    moves = has & (~picked | (mutual & (label > best)))
    moves &= ~moves[target]  # a receiving region stays put this round
    mover = np.flatnonzero(moves)
    receiver = best[mover]
    take_all = np.zeros(len(mover), bool)
    if group_test is not None:
        grouped = relabel.copy()
        grouped[mover] = receiver
        crowded = np.bincount(receiver, minlength=size) > 1
        take_all = (group_test(stats.regroup(grouped)) | ~crowded)[receiver]
    order = np.lexsort((mover, best_score[mover], receiver))
    first = order[np.r_[True, receiver[order][1:] != receiver[order][:-1]]]
    take = take_all.copy()
    take[first] = True  # the most similar mover passed the pair test with its receiver
    relabel[mover[take]] = receiver[take]
    return relabel, np.stack([receiver[take], mover[take]], axis=1)


def _best_neighbour(a, b, score, size):
    """Most similar admissible neighbour of every label (ties: smaller label), -1 if none."""
    node = np.concatenate([a, b])
    other = np.concatenate([b, a])
    both = np.concatenate([score, score])
    order = np.lexsort((other, both, node))
    node, other, both = node[order], other[order], both[order]
    first = np.r_[True, node[1:] != node[:-1]]
    best = np.full(size, -1, np.int64)
    best[node[first]] = other[first]
    best_score = np.full(size, np.inf)
    best_score[node[first]] = both[first]
    return best, best_score
