"""Region splitting and merging: a quadtree split, then merging on the RAG.

Splitting starts from the whole image as one region and divides every region
R for which the predicate P(R) is FALSE into four quadrants, down to a
minimum block size. Merging then joins adjacent regions R1, R2 of the region
adjacency graph (RAG) while P(R1 U R2) is TRUE.

Notes
-----
Predicates P(R) offered (M = mean, sd = standard deviation of R):

* ``"variance"``: :math:`\\mathrm{sd}^2 \\le v`;
* ``"range"``: :math:`\\max R - \\min R \\le r`;
* ``"lecture"``: :math:`\\mathrm{sd} > a \\;\\text{and}\\; m_{low} \\le M \\le m_{high}`,
  which picks noisy regions of moderate intensity (the lecture's example uses
  a = 10, m in [0, 126]); ``mask`` marks the merged regions where P holds.

The image is padded to a square of side S = 2^L; pixels of the padding count
for nothing (n = 0). Statistics of every block come from sum pyramids (each
level sums 2 x 2 blocks of the level below), so one depth of the quadtree is a
few vectorised operations. Blocks are (row, col, size) in padded
coordinates; they are clipped to the image when painted.

References
----------
.. [1] S. L. Horowitz, T. Pavlidis, "Picture segmentation by a tree traversal
       algorithm", JACM 23(2), 1976.
.. [2] R. C. Gonzalez, R. E. Woods, Digital Image Processing, 4th ed.,
       section 10.4 "Region splitting and merging".
"""

from __future__ import annotations

from functools import partial

import numpy as np

from segcore.classical.region_adjacency import (
    RegionStats, adjacent_pairs, gray_float, merge_adjacent, merged_centroids, rag_data)
from segcore.trace import Trace, TraceRecorder

__all__ = ["PREDICATES", "MIN_BLOCKS", "SPLIT", "HOMOGENEOUS", "AT_MIN_SIZE",
           "split_and_merge", "blocks_to_labels", "homogeneous"]

PREDICATES = ("variance", "range", "lecture")
MIN_BLOCKS = (2, 4, 8, 16, 32, 64)
# state of a block in the recorded partitions
SPLIT = 0  # P(R) FALSE: split into four at the next depth
HOMOGENEOUS = 1  # P(R) TRUE: a leaf
AT_MIN_SIZE = 2  # P(R) FALSE but already at the minimum block size: a leaf

_FIELDS = ("count", "total", "total_sq", "low", "high")
_CHILD_OFFSETS = np.array([(0, 0), (0, 1), (1, 0), (1, 1)])


def _validate_split(image, predicate, max_variance, max_range, min_sd, mean_low, mean_high,
                    min_block):
    """Check and normalise split-and-merge arguments; raise ValueError naming the culprit."""
    image = gray_float(image)
    if predicate not in PREDICATES:
        raise ValueError(f"predicate must be one of {PREDICATES}, got {predicate!r}")
    for name, value in (("max_variance", max_variance), ("max_range", max_range),
                        ("min_sd", min_sd)):
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    if not (np.isfinite(mean_low) and np.isfinite(mean_high) and mean_low <= mean_high):
        raise ValueError(f"mean_low <= mean_high expected (finite), got {mean_low} and {mean_high}")
    if min_block not in MIN_BLOCKS:
        raise ValueError(f"min_block must be one of {MIN_BLOCKS}, got {min_block!r}")
    return image


def homogeneous(stats: RegionStats, predicate="variance", *, max_variance=100.0, max_range=40.0,
                min_sd=10.0, mean_low=0.0, mean_high=126.0) -> np.ndarray:
    """Evaluate the predicate P(R) on regions given by their statistics.

    Parameters
    ----------
    stats : RegionStats
        Statistics of any number of regions (arrays of one shape).
    predicate : {"variance", "range", "lecture"}
    max_variance, max_range, min_sd, mean_low, mean_high : float
        v, r, a, m_low, m_high of the module Notes.

    Returns
    -------
    ndarray of bool
        P(R) per region; regions with no pixels are FALSE.

    Examples
    --------
    >>> from segcore.classical.region_adjacency import region_stats
    >>> s = region_stats(np.array([[0., 2.], [50., 90.]]), np.array([[1, 1], [2, 2]]), 2)
    >>> homogeneous(s, "variance", max_variance=1).tolist()
    [False, True, False]
    >>> homogeneous(s, "lecture", min_sd=10, mean_low=0, mean_high=126).tolist()
    [False, False, True]
    """
    if predicate == "variance":
        holds = stats.variance <= max_variance
    elif predicate == "range":
        holds = stats.value_range <= max_range
    else:
        mean = stats.mean
        holds = (stats.sd > min_sd) & (mean >= mean_low) & (mean <= mean_high)
    return holds & (stats.count > 0)


def split_and_merge(image, *, predicate="variance", max_variance=100.0, max_range=40.0,
                    min_sd=10.0, mean_low=0.0, mean_high=126.0, min_block=8,
                    max_steps=None) -> Trace:
    """Quadtree split while P(R) is FALSE, then merge adjacent regions while P(R1 U R2).

    Parameters
    ----------
    image : (H, W) array
        Gray image (any numeric dtype; computed in float64).
    predicate : {"variance", "range", "lecture"}
        Homogeneity predicate P, see the module Notes.
    max_variance, max_range, min_sd, mean_low, mean_high : float
        Predicate parameters v, r, a, m_low, m_high.
    min_block : {2, 4, 8, 16, 32, 64}
        Smallest quadrant side; such blocks are never split.
    max_steps : int or None
        Bound on recorded merge rounds (every depth of the split is kept).

    Returns
    -------
    Trace
        ``output``: ``labels`` (H, W) int32 merged regions 1..R, ``leaves``
        (H, W) int32 quadtree leaves 1..L, ``blocks`` (L, 3) int32 leaf
        (row, col, size), ``leaf_state`` (L,) int8 (HOMOGENEOUS or
        AT_MIN_SIZE), ``mask`` (H, W) bool pixels of merged regions where P
        holds, ``merged`` (P, 2) (kept, absorbed) leaf pairs, ``rag_before`` /
        ``rag_after`` drawing data (see
        :func:`segcore.classical.region_adjacency.rag_data`; ``mergeable`` =
        P(R1 U R2)), ``n_leaves``, ``n_regions``. Steps ``depth d`` hold the
        partition (``blocks`` (M, 3), ``state`` (M,)); steps ``merge round r``
        hold ``parent`` (L + 1,) mapping leaves to regions.

    Raises
    ------
    ValueError
        For a non-2-D image, an unknown predicate, negative parameters or a
        minimum block outside MIN_BLOCKS.

    Notes
    -----
    Split: a block R with P(R) = FALSE becomes four quadrants unless it is
    already ``min_block`` wide. Merge: on the RAG of the leaves, adjacent
    R1, R2 merge while :math:`P(R_1 \\cup R_2)` = TRUE; each round a region
    takes the neighbours that chose it when P holds on the whole group,
    otherwise only the most similar one (:func:`merge_adjacent`).

    References
    ----------
    .. [1] S. L. Horowitz, T. Pavlidis, JACM 23(2), 1976.
    .. [2] R. C. Gonzalez, R. E. Woods, Digital Image Processing, 4th ed., 10.4.

    Examples
    --------
    >>> img = np.zeros((4, 4)); img[:2, :2] = 9
    >>> t = split_and_merge(img, max_variance=0, min_block=2)
    >>> t.n_leaves, t.n_regions, t.labels.tolist()
    (4, 2, [[1, 1, 2, 2], [1, 1, 2, 2], [2, 2, 2, 2], [2, 2, 2, 2]])
    """
    image = _validate_split(image, predicate, max_variance, max_range, min_sd, mean_low,
                            mean_high, min_block)
    params = {"predicate": predicate, "max_variance": float(max_variance),
              "max_range": float(max_range), "min_sd": float(min_sd),
              "mean_low": float(mean_low), "mean_high": float(mean_high), "min_block": min_block}
    test = partial(homogeneous, predicate=predicate, max_variance=max_variance,
                   max_range=max_range, min_sd=min_sd, mean_low=mean_low, mean_high=mean_high)
    warnings = []
    if np.ptp(image) == 0:
        warnings.append("The image is constant: every predicate gives the same answer "
                        "everywhere, so there is nothing to split apart.")
    rec = TraceRecorder(None)
    pyramid = _stat_pyramid(image)
    blocks, state, leaf_stats = _quadtree_split(pyramid, test, min_block, rec, image.shape)
    leaves = blocks_to_labels(blocks, image.shape)
    merge_rec = TraceRecorder(max_steps)
    labels, mask, merged, rags = _merge_leaves(leaves, _block_centroids(blocks, image.shape),
                                               leaf_stats, test, merge_rec)
    for step in merge_rec.steps:
        rec.add(step.name, step.data, step.caption, **step.metrics)
    output = {"labels": labels, "leaves": leaves, "blocks": blocks, "leaf_state": state,
              "mask": mask, "merged": merged, "n_leaves": len(blocks),
              "n_regions": int(labels.max()), **rags}
    trace = rec.finish(output, params, warnings)
    return Trace(trace.output, trace.steps, trace.params, trace.warnings,
                 len(trace.steps) - len(merge_rec.steps) + merge_rec.total)


def _stat_pyramid(image):
    """Level l holds RegionStats grids of the 2^l x 2^l blocks of the padded square."""
    height, width = image.shape
    side = 1 << int(np.ceil(np.log2(max(height, width, 1))))
    values = np.zeros((side, side))
    values[:height, :width] = image
    count = np.zeros((side, side))
    count[:height, :width] = 1.0
    low = np.full((side, side), np.inf)
    low[:height, :width] = image
    high = np.full((side, side), -np.inf)
    high[:height, :width] = image
    levels = [RegionStats(count, values, values ** 2, low, high)]
    while side > 1:
        side //= 2
        quads = [(getattr(levels[-1], f)[r::2, c::2]) for f in _FIELDS
                 for r, c in ((0, 0), (0, 1), (1, 0), (1, 1))]
        sums = [quads[4 * i] + quads[4 * i + 1] + quads[4 * i + 2] + quads[4 * i + 3]
                for i in range(3)]
        low = np.minimum(np.minimum(quads[12], quads[13]), np.minimum(quads[14], quads[15]))
        high = np.maximum(np.maximum(quads[16], quads[17]), np.maximum(quads[18], quads[19]))
        levels.append(RegionStats(*sums, low, high))
    return levels


def _quadtree_split(pyramid, test, min_block, rec, shape):
    """Split every block whose P is FALSE into four, depth by depth.

    Returns the leaves as (row, col, size) blocks, their states and stats.
    """
    top = len(pyramid) - 1
    active = np.zeros((1, 2), np.int64)  # (i, j) grid positions at the current depth
    leaf_blocks, leaf_states, leaf_stats = [], [], []
    for depth in range(top + 1):
        level = top - depth
        size = 1 << level
        grid = pyramid[level]
        stats = RegionStats(*(getattr(grid, f)[active[:, 0], active[:, 1]] for f in _FIELDS))
        holds = test(stats)
        state = np.where(holds, HOMOGENEOUS, np.where(size // 2 >= min_block, SPLIT, AT_MIN_SIZE))
        blocks = np.column_stack([active * size, np.full(len(active), size)])
        done = state != SPLIT
        _record_depth(rec, depth, size, leaf_blocks, leaf_states, blocks, state)
        leaf_blocks.append(blocks[done])
        leaf_states.append(state[done])
        leaf_stats.append(stats.take(done))
        active = (2 * active[~done][:, None, :] + _CHILD_OFFSETS[None]).reshape(-1, 2)
        if len(active):
            child_count = pyramid[level - 1].count[active[:, 0], active[:, 1]]
            active = active[child_count > 0]  # quadrants entirely in the padding vanish
        if not len(active):
            break
    stats = RegionStats(*(np.concatenate([np.zeros(1)] + [getattr(s, f) for s in leaf_stats])
                          for f in _FIELDS))
    return (np.concatenate(leaf_blocks).astype(np.int32),
            np.concatenate(leaf_states).astype(np.int8), stats)


def _record_depth(rec, depth, size, leaf_blocks, leaf_states, blocks, state):
    split = int((state == SPLIT).sum())
    caption = (f"Depth {depth}: {len(blocks)} block(s) of side {size} tested; "
               f"{int((state == HOMOGENEOUS).sum())} satisfy P, {split} will be split"
               + (f", {int((state == AT_MIN_SIZE).sum())} are at the minimum size."
                  if (state == AT_MIN_SIZE).any() else "."))
    rec.add(f"depth {depth}",
            {"blocks": np.concatenate(leaf_blocks + [blocks]).astype(np.int32),
             "state": np.concatenate(leaf_states + [state]).astype(np.int8)},
            caption, blocks=len(blocks), split=split, size=size)


def blocks_to_labels(blocks, shape):
    """Paint quadtree blocks 1..N into a label image.

    Parameters
    ----------
    blocks : (N, 3) int array
        Disjoint (row, col, size) blocks, aligned to multiples of their size,
        in the padded square's coordinates.
    shape : (int, int)
        Image shape (H, W); blocks are clipped to it.

    Returns
    -------
    (H, W) int32
        Block i + 1 at the pixels of ``blocks[i]``, 0 where no block lies.

    Examples
    --------
    >>> blocks_to_labels(np.array([[0, 0, 2], [2, 0, 2], [2, 2, 1]]), (3, 3)).tolist()
    [[1, 1, 0], [1, 1, 0], [2, 2, 3]]
    """
    blocks = np.asarray(blocks, np.int64).reshape(-1, 3)
    height, width = shape
    labels = np.zeros(shape, np.int32)
    for size in np.unique(blocks[:, 2]):
        pick = np.flatnonzero(blocks[:, 2] == size)
        grid = np.zeros((-(-height // size), -(-width // size)), np.int32)
        rows, cols = blocks[pick, 0] // size, blocks[pick, 1] // size
        inside = (rows < grid.shape[0]) & (cols < grid.shape[1])
        grid[rows[inside], cols[inside]] = pick[inside] + 1
        labels += np.repeat(np.repeat(grid, size, axis=0), size, axis=1)[:height, :width]
    return labels


def _block_centroids(blocks, shape):
    """(L + 1, 2) centroids of the blocks clipped to the image (row 0 unused)."""
    rows_end = np.minimum(blocks[:, 0] + blocks[:, 2], shape[0])
    cols_end = np.minimum(blocks[:, 1] + blocks[:, 2], shape[1])
    points = np.column_stack([(blocks[:, 0] + rows_end - 1) / 2, (blocks[:, 1] + cols_end - 1) / 2])
    return np.vstack([np.zeros((1, 2)), points])


def _merge_leaves(leaves, points, leaf_stats, test, rec):
    """Merge adjacent leaves of the RAG while P(R1 U R2) is TRUE."""
    n = len(leaf_stats.count) - 1
    edges = adjacent_pairs(leaves, 4)

    def union_holds(stats, a, b):
        return test(stats.union(a, b)), np.abs(stats.mean[a] - stats.mean[b])

    rec.add("merge round 0", {"parent": np.arange(n + 1)}, f"The RAG of the {n} leaves.",
            regions=n)
    parent, stats, merged_edges, merged = merge_adjacent(
        leaf_stats, edges, union_holds, test,
        lambda r, p, pairs: rec.add(f"merge round {r}", {"parent": p},
                                    f"Round {r}: {len(pairs)} pair(s) with P(R1 U R2) TRUE merged.",
                                    regions=int((np.bincount(p[1:], minlength=n + 1) > 0).sum())))
    survivors = np.unique(parent[1:])
    remap = np.zeros(n + 1, np.int64)
    remap[survivors] = np.arange(1, len(survivors) + 1)
    labels = remap[parent][leaves].astype(np.int32)
    after = stats.take(np.r_[0, survivors])
    after_edges = remap[merged_edges]
    holds = test(after)
    rags = {"rag_before": rag_data(points[1:], leaf_stats, edges,
                                   union_holds(leaf_stats, *edges.T)[0]),
            "rag_after": rag_data(merged_centroids(points, leaf_stats.count, remap[parent]),
                                  after, after_edges,
                                  union_holds(after, *after_edges.T)[0])}
    return labels, holds[labels], merged, rags
