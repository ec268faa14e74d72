"""Split and merge: exact quadtrees and merges on hand-made 8 x 8 images."""

import doctest

import numpy as np
import pytest
from skimage import graph

from segcore.classical import split_merge
from segcore.classical.region_adjacency import adjacent_pairs, region_stats
from segcore.classical.split_merge import (
    AT_MIN_SIZE, HOMOGENEOUS, SPLIT, blocks_to_labels, homogeneous, split_and_merge)


def test_doctests():
    assert doctest.testmod(split_merge).failed == 0


def _quadrants():
    """TL = TR = 10, BL = 200, BR = 200 except a 2 x 2 block of 90 at its top left."""
    img = np.full((8, 8), 200)
    img[:4] = 10
    img[4:6, 4:6] = 90
    return img


def test_quadtree_depths_and_leaves():
    t = split_and_merge(_quadrants(), predicate="variance", max_variance=0, min_block=2)
    depth = [s for s in t.steps if s.name.startswith("depth")]
    assert [s.name for s in depth] == ["depth 0", "depth 1", "depth 2"]
    assert depth[0].data["state"].tolist() == [SPLIT]
    assert depth[1].data["blocks"].tolist() == [[0, 0, 4], [0, 4, 4], [4, 0, 4], [4, 4, 4]]
    assert depth[1].data["state"].tolist() == [HOMOGENEOUS] * 3 + [SPLIT]
    assert depth[2].data["blocks"].tolist() == [[0, 0, 4], [0, 4, 4], [4, 0, 4],
                                                [4, 4, 2], [4, 6, 2], [6, 4, 2], [6, 6, 2]]
    assert t.n_leaves == 7 and (t.leaf_state == HOMOGENEOUS).all()
    expected = np.array([[1] * 4 + [2] * 4] * 4 + [[3] * 4 + [4, 4, 5, 5]] * 2
                        + [[3] * 4 + [6, 6, 7, 7]] * 2)
    np.testing.assert_array_equal(t.leaves, expected)


def test_merge_rounds_are_exact():
    t = split_and_merge(_quadrants(), predicate="variance", max_variance=0, min_block=2)
    # round 1: mutual best pairs (1, 2), (3, 6), (5, 7); round 2: (3, 5)
    np.testing.assert_array_equal(t.merged, [[1, 2], [3, 6], [5, 7], [3, 5]])
    merge_steps = [s for s in t.steps if s.name.startswith("merge")]
    assert [s.metrics["regions"] for s in merge_steps] == [7, 4, 3]
    expected = np.full((8, 8), 2)
    expected[:4] = 1
    expected[4:6, 4:6] = 3
    np.testing.assert_array_equal(t.labels, expected)
    assert t.n_regions == 3 and t.mask.all()  # every final region has variance 0
    before, after = t.rag_before, t.rag_after
    assert len(before["nodes"]) == 7 and len(after["nodes"]) == 3
    np.testing.assert_allclose(after["node_mean"], [10, 200, 90])
    np.testing.assert_allclose(before["nodes"][0], [1.5, 1.5])
    assert not after["mergeable"].any()


def test_min_block_stops_the_split():
    t = split_and_merge(_quadrants(), predicate="variance", max_variance=0, min_block=4)
    assert t.n_leaves == 4
    assert t.leaf_state.tolist() == [HOMOGENEOUS] * 3 + [AT_MIN_SIZE]
    assert t.n_regions == 3  # only TL + TR merge; the mixed block stays alone
    assert t.mask.sum() == 48


def test_range_predicate():
    img = np.zeros((8, 8))
    img[:4, :4] = np.indices((4, 4)).sum(axis=0) % 2 * 3  # range 3 in the top-left quadrant
    loose = split_and_merge(img, predicate="range", max_range=3, min_block=2)
    strict = split_and_merge(img, predicate="range", max_range=2, min_block=2)
    assert loose.n_leaves == 1 and loose.n_regions == 1
    # TL splits into four 2 x 2 blocks of range 3 that stay at the minimum size
    assert strict.n_leaves == 3 + 4 and strict.n_regions == 1 + 4
    assert (strict.leaf_state == AT_MIN_SIZE).sum() == 4


def test_lecture_predicate_isolates_the_noisy_region():
    img = np.zeros((8, 8))
    img[:4] = 250  # dense bright region (top)
    img[4:, 4:] = 60 + np.indices((4, 4)).sum(axis=0) % 2 * 40  # noisy, mean 80, sd 20
    t = split_and_merge(img, predicate="lecture", min_sd=10, mean_low=70, mean_high=100,
                        min_block=2)
    assert t.n_leaves == 13 and t.n_regions == 13
    assert (t.leaf_state == HOMOGENEOUS).sum() == 1
    expected = np.zeros((8, 8), bool)
    expected[4:, 4:] = True
    np.testing.assert_array_equal(t.mask, expected)


def test_non_square_leaves_cover_the_image_and_stats_are_exact():
    rng = np.random.default_rng(1)
    img = rng.integers(0, 4, (13, 21)) * 60
    t = split_and_merge(img, predicate="variance", max_variance=500, min_block=2)
    assert (t.leaves > 0).all() and t.leaves.max() == t.n_leaves
    np.testing.assert_array_equal(blocks_to_labels(t.blocks, img.shape), t.leaves)
    stats = region_stats(img.astype(float), t.labels, t.n_regions)
    np.testing.assert_allclose(stats.mean[1:], t.rag_after["node_mean"])
    # stopping rule: no adjacent pair of final regions passes P(R1 U R2)
    edges = adjacent_pairs(t.labels, 4)
    assert not homogeneous(stats.union(edges[:, 0], edges[:, 1]), max_variance=500).any()
    # every region built from several leaves satisfies P
    leaves_per_region = np.bincount(t.labels.ravel()[np.unique(t.leaves, return_index=True)[1]])
    assert homogeneous(stats, max_variance=500)[leaves_per_region > 1].all()


def test_adjacent_pairs_match_skimage_rag():
    rng = np.random.default_rng(0)
    labels = rng.integers(1, 6, (12, 12))
    for connectivity, sk in ((4, 1), (8, 2)):
        rag = graph.RAG(labels, connectivity=sk)
        expected = sorted(tuple(sorted(e)) for e in rag.edges)
        assert [tuple(e) for e in adjacent_pairs(labels, connectivity)] == expected


def test_constant_image_warns_and_is_one_region():
    t = split_and_merge(np.full((8, 8), 7), max_variance=0)
    assert t.warnings and t.n_leaves == 1 and t.n_regions == 1


@pytest.mark.parametrize("kwargs, word", [
    ({"predicate": "texture"}, "predicate"),
    ({"min_block": 3}, "min_block"),
    ({"max_variance": -1}, "max_variance"),
    ({"min_sd": np.nan}, "min_sd"),
    ({"mean_low": 100, "mean_high": 10}, "mean_low"),
])
def test_validation_names_the_argument(kwargs, word):
    with pytest.raises(ValueError, match=word):
        split_and_merge(np.zeros((8, 8)), **kwargs)
    with pytest.raises(ValueError, match="2-D"):
        split_and_merge(np.zeros(8))


# ----------------------------------------------------------------- the three orders (modes)
def _notes_image():
    """The example of split_and_merge's Notes: TL quadrant 0, TR quadrant 2 (their union has
    variance exactly 1), a 2 x 2 block of 3 under TR, the rest far away."""
    img = np.full((8, 8), 100)
    img[:4, :4] = 0
    img[:4, 4:] = 2
    img[4:6, 4:6] = 3
    img[4:, :4] = 200
    img[4:6, 2:4] = 250
    img[6:, :2] = 250
    return img


def _predicate(values, predicate, kw):
    """P(R) by brute force, in exact integer arithmetic (n q - s^2 = n^2 var)."""
    values = [int(v) for v in np.ravel(values)]
    n, s, q = len(values), sum(values), sum(v * v for v in values)
    if predicate == "variance":
        return n * q - s * s <= kw["max_variance"] * n * n
    if predicate == "range":
        return max(values) - min(values) <= kw["max_range"]
    return (n * q - s * s > kw["min_sd"] ** 2 * n * n
            and kw["mean_low"] * n <= s <= kw["mean_high"] * n)


def _adjacent_regions(labels):
    """4-adjacent label pairs, pixel by pixel."""
    pairs = set()
    height, width = labels.shape
    for r in range(height):
        for c in range(width):
            for rr, cc in ((r + 1, c), (r, c + 1)):
                if rr < height and cc < width and labels[r, c] != labels[rr, cc]:
                    pairs.add(tuple(sorted((int(labels[r, c]), int(labels[rr, cc])))))
    return pairs


def _same_partition(a, b):
    """Whether two label maps group the pixels the same way (numbering aside)."""
    pairs = np.unique(np.stack([a.ravel(), b.ravel()]), axis=1)
    return len(pairs[0]) == len(np.unique(a)) == len(np.unique(b))


def _check_against_brute_force(img, t, predicate, kw, min_block):
    """Every final region satisfies P (or is one leaf P rejects at the minimum size); no two
    adjacent final regions satisfy P on their union; every quadtree leaf satisfies P while
    its parent quadrant did not (or sits at the minimum size with P FALSE)."""
    mode = t.params["mode"]
    for region in range(1, t.n_regions + 1):
        inside = t.labels == region
        leaves = np.unique(t.leaves[inside])
        if not _predicate(img[inside], predicate, kw):
            assert len(leaves) == 1 and t.leaf_state[leaves[0] - 1] == AT_MIN_SIZE
        assert t.mask[inside].all() == _predicate(img[inside], predicate, kw)
    for a, b in _adjacent_regions(t.labels):
        assert not _predicate(img[(t.labels == a) | (t.labels == b)], predicate, kw), (a, b)
    for (row, col, size), state in zip(t.blocks, t.leaf_state):
        leaf = img[row:row + size, col:col + size]
        assert _predicate(leaf, predicate, kw) == (state == HOMOGENEOUS)
        if mode == "merge-only":
            assert size == min_block or size > max(img.shape)
        elif state == AT_MIN_SIZE:
            assert size == min_block or size >= max(img.shape)
        elif size < 2 ** int(np.ceil(np.log2(max(img.shape)))):  # not the root: parent split
            top, left = row // (2 * size) * 2 * size, col // (2 * size) * 2 * size
            assert not _predicate(img[top:top + 2 * size, left:left + 2 * size], predicate, kw)


def _test_images():
    rng = np.random.default_rng(3)
    blocky = np.kron(rng.integers(0, 4, (7, 11)), np.ones((3, 3), int))[:19, :29] * 40
    noisy = blocky + rng.integers(0, 3, blocky.shape)  # not square, not a power of two
    from segcore.scenes import make_scene
    shapes = make_scene("shapes", seed=2, size=64).image[:40, :52].astype(int)
    return {"notes": _notes_image(), "blocky": blocky, "noisy": noisy, "shapes": shapes}


CHECKS = [("variance", {"max_variance": 1}), ("variance", {"max_variance": 300}),
          ("range", {"max_range": 45}), ("lecture", {"min_sd": 10, "mean_low": 20,
                                                     "mean_high": 60})]


@pytest.mark.parametrize("mode", split_merge.MODES)
@pytest.mark.parametrize("predicate, kw", CHECKS, ids=[f"{p}-{list(k.values())[0]}"
                                                       for p, k in CHECKS])
@pytest.mark.parametrize("name", ["notes", "blocky", "noisy", "shapes"])
def test_every_mode_agrees_with_a_brute_force_predicate_check(mode, predicate, kw, name):
    img = _test_images()[name]
    for min_block in (2, 4):
        t = split_and_merge(img, predicate=predicate, min_block=min_block, mode=mode, **kw)
        assert (t.leaves > 0).all() and t.leaves.max() == t.n_leaves
        np.testing.assert_array_equal(blocks_to_labels(t.blocks, img.shape), t.leaves)
        _check_against_brute_force(img, t, predicate, kw, min_block)


@pytest.mark.parametrize("mode", split_merge.MODES)
def test_the_brute_force_cases_are_not_vacuous(mode):
    """Across the cases above, regions of several leaves form, and leaves P rejects at the
    minimum size are left over, in every mode and for every predicate."""
    images = _test_images()
    for predicate, kw in CHECKS:
        runs = [split_and_merge(img, predicate=predicate, min_block=2, mode=mode, **kw)
                for img in images.values()]
        assert sum(len(t.merged) for t in runs) > 10, predicate
        assert sum((t.leaf_state == AT_MIN_SIZE).sum() for t in runs) > 10, predicate


def test_interleaved_trace_differs_from_split_then_merge_as_documented():
    """The Notes' example: the same quadtree, merged in another order, other regions."""
    img = _notes_image()
    after = split_and_merge(img, max_variance=1, min_block=2, mode="split-then-merge")
    inter = split_and_merge(img, max_variance=1, min_block=2, mode="interleaved")
    np.testing.assert_array_equal(after.blocks, inter.blocks)  # the split ignores the merge
    np.testing.assert_array_equal(after.leaves, inter.leaves)
    assert [s.name for s in after.steps] == ["depth 0", "depth 1", "depth 2", "merge round 0",
                                             "merge round 1", "merge round 2"]
    assert [s.name for s in inter.steps] == ["depth 0", "merge at depth 0", "depth 1",
                                             "merge at depth 1", "depth 2", "merge at depth 2"]
    top_left, top_right, three = after.leaves[0, 0], after.leaves[0, 4], after.leaves[4, 4]
    # interleaved: at depth 1 only TL and TR exist, and P(TL U TR) holds (variance 1): merged
    at_depth_1 = inter.steps[3].data["parent"]
    assert at_depth_1[top_left] == at_depth_1[top_right] != 0
    assert (at_depth_1[3:] == 0).all()  # the depth-2 leaves do not exist yet
    assert inter.steps[3].metrics == {"regions": 1, "merges": 1, "rounds": 1}
    # split-then-merge: round 1 merges TR with the block of 3 (|2 - 3| = 1 < |0 - 2|)
    assert [top_right, three] in after.merged[:2].tolist()
    assert inter.labels[0, 0] == inter.labels[0, 4] != inter.labels[4, 4]
    assert after.labels[0, 0] != after.labels[0, 4] == after.labels[4, 4]
    assert not _same_partition(after.labels, inter.labels)
    assert after.n_regions == inter.n_regions == 7


def test_merge_only_starts_from_2x2_and_4x4_blocks():
    img = _test_images()["blocky"]  # 19 x 29
    for side in (2, 4):
        t = split_and_merge(img, max_variance=0, min_block=side, mode="merge-only")
        assert t.n_leaves == -(-19 // side) * -(-29 // side)
        assert (t.blocks[:, 2] == side).all()
        assert [s.name for s in t.steps[:2]] == ["start blocks", "merge round 0"]
        np.testing.assert_array_equal(t.steps[0].data["blocks"], t.blocks)
    # 3 x 3 cells of one value: 2 x 2 blocks straddle cells, 4 x 4 ones more of them
    assert split_and_merge(img, max_variance=0, min_block=2, mode="merge-only").mask.mean() > \
        split_and_merge(img, max_variance=0, min_block=4, mode="merge-only").mask.mean()


def test_modes_agree_on_an_image_one_block_can_hold():
    """A block bigger than the image: one start block; a constant image: one region."""
    for mode in split_merge.MODES:
        t = split_and_merge(np.full((5, 6), 7), max_variance=0, min_block=16, mode=mode)
        assert t.n_leaves == 1 and t.n_regions == 1 and t.mask.all()


def test_mode_is_validated():
    with pytest.raises(ValueError, match="mode"):
        split_and_merge(np.zeros((8, 8)), mode="zigzag")
