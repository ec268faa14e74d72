"""Region splitting and merging: a quadtree split and merging on the RAG, in three orders.

Splitting starts from the whole image as one region and divides every region
R for which the predicate P(R) is FALSE into four quadrants, down to a
minimum block size. Merging joins adjacent regions R1, R2 of the region
adjacency graph (RAG) while P(R1 U R2) is TRUE. The lecture runs the two in
three ways (:data:`MODES`):

* ``"split-then-merge"``: the whole quadtree first, then merging of its
  leaves (splitting alone leaves adjacent homogeneous quadrants apart);
* ``"interleaved"``: split and merge together at each iteration of the
  quadtree partitioning: after the blocks of depth d are tested, the
  homogeneous regions found so far merge before depth d + 1 is split;
* ``"merge-only"``: no split; start from small blocks (2 x 2, 4 x 4, ...)
  and merge bottom-up, the way region merging avoids over-segmentation.

Notes
-----
Predicates P(R) offered (M = mean, sd = standard deviation of R):

* ``"variance"``: :math:`\\mathrm{sd}^2 \\le v` (the lecture's example uses
  v = 1);
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
    RegionStats, _unique_edges, adjacent_pairs, gray_float, merge_adjacent, merged_centroids,
    rag_data)
from segcore.trace import Trace, TraceRecorder

__all__ = ["PREDICATES", "MODES", "MIN_BLOCKS", "SPLIT", "HOMOGENEOUS", "AT_MIN_SIZE",
           "split_and_merge", "blocks_to_labels", "homogeneous"]

PREDICATES = ("variance", "range", "lecture")
#: The order of splitting and merging (module docstring).
MODES = ("split-then-merge", "interleaved", "merge-only")
MIN_BLOCKS = (2, 4, 8, 16, 32, 64)
# state of a block in the recorded partitions
SPLIT = 0  # P(R) FALSE: split into four at the next depth
HOMOGENEOUS = 1  # P(R) TRUE: a leaf
AT_MIN_SIZE = 2  # P(R) FALSE but already at the minimum block size: a leaf

_FIELDS = ("count", "total", "total_sq", "low", "high")
_CHILD_OFFSETS = np.array([(0, 0), (0, 1), (1, 0), (1, 1)])


def _validate_split(image, predicate, max_variance, max_range, min_sd, mean_low, mean_high,
                    min_block, mode):
    """Check and normalise split-and-merge arguments; raise ValueError naming the culprit."""
    image = gray_float(image)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
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
                    mode="split-then-merge", max_steps=None) -> Trace:
    """Quadtree split while P(R) is FALSE and merging of adjacent regions while P(R1 U R2).

    Parameters
    ----------
    image : (H, W) array
        Gray image (any numeric dtype; computed in float64).
    predicate : {"variance", "range", "lecture"}
        Homogeneity predicate P, see the module Notes.
    max_variance, max_range, min_sd, mean_low, mean_high : float
        Predicate parameters v, r, a, m_low, m_high.
    min_block : {2, 4, 8, 16, 32, 64}
        Smallest quadrant side; such blocks are never split. With
        ``mode="merge-only"`` the side of the blocks merging starts from.
    mode : {"split-then-merge", "interleaved", "merge-only"}
        Order of splitting and merging, see Notes.
    max_steps : int or None
        Bound on recorded merge rounds (every depth of the split is kept).

    Returns
    -------
    Trace
        ``output``: ``labels`` (H, W) int32 merged regions 1..R, ``leaves``
        (H, W) int32 quadtree leaves (or start blocks) 1..L, ``blocks`` (L, 3)
        int32 leaf (row, col, size), ``leaf_state`` (L,) int8 (HOMOGENEOUS or
        AT_MIN_SIZE), ``mask`` (H, W) bool pixels of merged regions where P
        holds, ``merged`` (P, 2) (kept, absorbed) leaf pairs, ``rag_before`` /
        ``rag_after`` drawing data (see
        :func:`segcore.classical.region_adjacency.rag_data`; ``mergeable`` =
        P(R1 U R2)), ``n_leaves``, ``n_regions``. Steps by mode:
        split-then-merge: ``depth d`` for d = 0, 1, ... (the partition:
        ``blocks`` (M, 3), ``state`` (M,)), then ``merge round r`` (``parent``
        (L + 1,) mapping leaves to regions); interleaved: ``depth d``, ``merge
        at depth d``, ``depth d + 1``, ... (``parent`` is 0 for leaves that do
        not exist yet); merge-only: ``start blocks``, then ``merge round r``.

    Raises
    ------
    ValueError
        For a non-2-D image, an unknown predicate or mode, negative parameters
        or a minimum block outside MIN_BLOCKS.

    Notes
    -----
    Split: a block R with P(R) = FALSE becomes four quadrants unless it is
    already ``min_block`` wide. Merge: on the RAG, adjacent R1, R2 merge while
    :math:`P(R_1 \\cup R_2)` = TRUE; each round a region takes the neighbours
    that chose it when P holds on the whole group, otherwise only the most
    similar one (:func:`merge_adjacent`). Merging stops when no adjacent pair
    passes, so in every mode no two adjacent final regions satisfy P on their
    union, and a region built from several leaves satisfies P.

    The split never depends on the merge (it tests quadtree blocks only), so
    ``"split-then-merge"`` and ``"interleaved"`` have the same leaves. They
    merge in a different order: interleaved, the big homogeneous quadrants of
    depth d merge with each other before the smaller blocks of depth d + 1
    exist; split-then-merge lets every leaf pick its most similar neighbour
    among all leaves at once. Greedy merging depends on the order, so the final
    regions can differ. Example (v = 1, min_block 2, 8 x 8): top-left quadrant
    0, top-right quadrant 2 (their union has variance exactly 1), below the
    top-right one a 2 x 2 block of 3, the rest far away. Interleaved, the two
    top quadrants merge at depth 1 (variance 1); at depth 2 the block of 3 would
    raise the variance to 1.28, so it stays alone. Split-then-merge, the block
    of 3 and the quadrant of 2 are each other's most similar neighbours
    (|2 - 3| = 1 < |0 - 2|) and merge first (variance 0.16); the quadrant of 0
    then fails with them (1.28), so it stays alone.

    ``"merge-only"`` cuts the image into ``min_block`` x ``min_block`` blocks
    and merges them bottom-up (no split).

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

    The Notes' example: the two modes end with different regions.

    >>> img = np.full((8, 8), 100); img[:4, :4] = 0; img[:4, 4:] = 2; img[4:6, 4:6] = 3
    >>> img[4:, :4] = 200; img[4:6, 2:4] = 250; img[6:, :2] = 250
    >>> for mode in ("split-then-merge", "interleaved"):  # 0 with 2? 2 with the block of 3?
    ...     lab = split_and_merge(img, max_variance=1, min_block=2, mode=mode).labels
    ...     print(mode, lab[0, 0] == lab[0, 4], lab[0, 4] == lab[4, 4])
    split-then-merge False True
    interleaved True False
    """
    image = _validate_split(image, predicate, max_variance, max_range, min_sd, mean_low,
                            mean_high, min_block, mode)
    params = {"predicate": predicate, "max_variance": float(max_variance),
              "max_range": float(max_range), "min_sd": float(min_sd),
              "mean_low": float(mean_low), "mean_high": float(mean_high),
              "min_block": min_block, "mode": mode}
    test = partial(homogeneous, predicate=predicate, max_variance=max_variance,
                   max_range=max_range, min_sd=min_sd, mean_low=mean_low, mean_high=mean_high)
    warnings = []
    if np.ptp(image) == 0:
        warnings.append("The image is constant: every predicate gives the same answer "
                        "everywhere, so there is nothing to split apart.")
    pyramid = _stat_pyramid(image)
    split_rec = TraceRecorder(None)
    if mode == "merge-only":
        blocks, state, leaf_stats = _start_blocks(pyramid, test, min_block, split_rec)
        per_depth = [len(blocks)]
    else:
        blocks, state, leaf_stats, per_depth = _quadtree_split(pyramid, test, min_block,
                                                               split_rec)
    leaves = blocks_to_labels(blocks, image.shape)
    edges = adjacent_pairs(leaves, 4)
    if mode == "interleaved":
        rec = TraceRecorder(None)
        merge = _merge_interleaved(leaf_stats, edges, per_depth, test, split_rec.steps, rec)
        total = rec.total
    else:
        rec = TraceRecorder(max_steps)
        merge = _merge_rounds(leaf_stats, edges, test, rec)
        total = len(split_rec.steps) + rec.total
    labels, mask, rags = _final_regions(leaves, _block_centroids(blocks, image.shape),
                                        leaf_stats, edges, merge, test)
    output = {"labels": labels, "leaves": leaves, "blocks": blocks, "leaf_state": state,
              "mask": mask, "merged": merge[3], "n_leaves": len(blocks),
              "n_regions": int(labels.max()), **rags}
    steps = rec.steps if mode == "interleaved" else split_rec.steps + rec.steps
    return Trace(output, steps, params, warnings, total)


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


def _quadtree_split(pyramid, test, min_block, rec):
    """Split every block whose P is FALSE into four, depth by depth.

    Returns the leaves as (row, col, size) blocks (depth by depth), their
    states, their stats (index 0: no region) and the number of leaves each
    depth finished.
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
    return (np.concatenate(leaf_blocks).astype(np.int32),
            np.concatenate(leaf_states).astype(np.int8), _numbered(leaf_stats),
            [len(b) for b in leaf_blocks])


def _numbered(parts):
    """One RegionStats of the parts' regions, numbered from 1 (index 0: no region)."""
    return RegionStats(*(np.concatenate([np.zeros(1)] + [getattr(s, f) for s in parts])
                         for f in _FIELDS))


def _start_blocks(pyramid, test, size, rec):
    """Merge-only: the image cut into blocks of side ``size`` (the whole padded square when
    it is smaller), tested with P; returns them like :func:`_quadtree_split`."""
    level = min(size.bit_length() - 1, len(pyramid) - 1)
    grid = pyramid[level]
    active = np.argwhere(grid.count > 0)  # blocks entirely in the padding are no regions
    stats = RegionStats(*(getattr(grid, f)[active[:, 0], active[:, 1]] for f in _FIELDS))
    state = np.where(test(stats), HOMOGENEOUS, AT_MIN_SIZE).astype(np.int8)
    side = 1 << level
    blocks = np.column_stack([active * side, np.full(len(active), side)]).astype(np.int32)
    rec.add("start blocks", {"blocks": blocks, "state": state},
            f"Merge only: the image cut into {len(blocks)} blocks of side {side}; "
            f"{int((state == HOMOGENEOUS).sum())} satisfy P.",
            blocks=len(blocks), split=0, size=side)
    return blocks, state, _numbered([stats])


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


def _pair_test(test):
    """The merge test of two regions: P(R1 U R2), ranked by |M1 - M2|."""
    def union_holds(stats, a, b):
        return test(stats.union(a, b)), np.abs(stats.mean[a] - stats.mean[b])
    return union_holds


def _n_regions(parent):
    return int((np.bincount(parent[1:], minlength=len(parent))[1:] > 0).sum())


def _merge_rounds(leaf_stats, edges, test, rec):
    """Merge adjacent leaves of the RAG while P(R1 U R2) is TRUE, recording every round."""
    n = len(leaf_stats.count) - 1
    rec.add("merge round 0", {"parent": np.arange(n + 1)}, f"The RAG of the {n} leaves.",
            regions=n)
    return merge_adjacent(
        leaf_stats, edges, _pair_test(test), test,
        lambda r, p, pairs: rec.add(f"merge round {r}", {"parent": p},
                                    f"Round {r}: {len(pairs)} pair(s) with P(R1 U R2) TRUE merged.",
                                    regions=_n_regions(p)))


def _merge_interleaved(leaf_stats, edges, per_depth, test, depth_steps, rec):
    """Split and merge at each depth: record depth d, then merge every region found so far.

    Leaves of depth d are numbered after those of earlier depths, so the leaves
    that exist at depth d are 1..(leaves finished by depth d). ``parent`` maps a
    leaf to its region (0 while the leaf does not exist).
    """
    n = len(leaf_stats.count) - 1
    parent = np.zeros(n + 1, np.int64)
    stats, group_edges, merged, done = leaf_stats, edges[:0], [], 0
    for depth, (step, count) in enumerate(zip(depth_steps, per_depth)):
        rec.add(step.name, step.data, step.caption, **step.metrics)
        parent[done + 1:done + count + 1] = np.arange(done + 1, done + count + 1)
        done += count
        live = edges[edges[:, 1] <= done]  # rows (a, b) with a < b: both leaves exist
        group_edges = _unique_edges(parent[live[:, 0]], parent[live[:, 1]])
        rounds = []
        regroup, stats, group_edges, pairs = merge_adjacent(
            leaf_stats.regroup(parent), group_edges, _pair_test(test), test,
            lambda r, p, pr: rounds.append(r))
        parent = regroup[parent]
        merged.append(pairs)
        regions = _n_regions(parent)
        rec.add(f"merge at depth {depth}", {"parent": parent.copy()},
                f"Merge at depth {depth}: {len(pairs)} pair(s) of the {done} leaves so far with "
                f"P(R1 U R2) TRUE merged in {len(rounds)} round(s); {regions} region(s)."
                if done else f"Merge at depth {depth}: no leaf yet, nothing to merge.",
                regions=regions, merges=len(pairs), rounds=len(rounds))
    return parent, stats, group_edges, np.concatenate(merged).astype(np.int64)


def _final_regions(leaves, points, leaf_stats, edges, merge, test):
    """Label map, mask where P holds, and the RAGs before and after merging."""
    parent, stats, merged_edges, _ = merge
    union_holds = _pair_test(test)
    n = len(leaf_stats.count) - 1
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
    return labels, holds[labels], rags
