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
