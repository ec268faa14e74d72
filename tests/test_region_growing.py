"""Region growing: exact growth stages on hand-made 8 x 8 images, flood equality."""

import doctest
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from skimage.segmentation import flood

from segcore.classical import region_adjacency, region_growing
from segcore.classical.region_growing import (
    NOT_REACHED, merge_regions, region_grow, seeds_at_max, seeds_from_threshold)


def test_doctests():
    for module in (region_growing, region_adjacency):
        assert doctest.testmod(module).failed == 0


def _square_image():
    img = np.zeros((8, 8), np.uint8)
    img[1:6, 1:6] = 100
    return img


def test_stages_are_rings_4_connectivity():
    t = region_grow(_square_image(), [(3, 3)], criterion="fixed", threshold=0, connectivity=4)
    rows, cols = np.indices((8, 8))
    inside = (rows >= 1) & (rows <= 5) & (cols >= 1) & (cols <= 5)
    expected = np.where(inside, np.abs(rows - 3) + np.abs(cols - 3), NOT_REACHED)
    np.testing.assert_array_equal(t.stage, expected)
    np.testing.assert_array_equal(t.labels, inside.astype(int))
    assert t.total_steps == 5  # stages 0..4 (corner (1, 1) is 4 steps away)
    assert t.stop_reason == "no admissible neighbour"


def test_stages_are_rings_8_connectivity():
    t = region_grow(_square_image(), [(3, 3)], criterion="mean", threshold=10, connectivity=8)
    rows, cols = np.indices((8, 8))
    inside = (rows >= 1) & (rows <= 5) & (cols >= 1) & (cols <= 5)
    expected = np.where(inside, np.maximum(np.abs(rows - 3), np.abs(cols - 3)), NOT_REACHED)
    np.testing.assert_array_equal(t.stage, expected)


def test_steps_follow_the_rings():
    t = region_grow(_square_image(), [(3, 3)], threshold=0, connectivity=4)
    assert [s.metrics["added"] for s in t.steps] == [(t.stage == k).sum() for k in range(5)]
    assert [s.metrics["size"] for s in t.steps] == [1, 5, 13, 21, 25]
    assert [s.data["sizes"].tolist() for s in t.steps] == [[1], [5], [13], [21], [25]]
    for step in t.steps:
        ring = np.zeros(64, bool)
        ring[step.data["ring"]] = True
        np.testing.assert_array_equal(ring.reshape(8, 8), t.stage == step.index)
    assert [s.index for s in t.steps] == list(range(5))


def _ramp():
    """Columns 0, 4, 8, ..., 28; the whole column 0 is the seed set."""
    img = np.tile(np.arange(8) * 4, (8, 1))
    markers = np.zeros((8, 8), np.int32)
    markers[:, 0] = 1
    return img, markers


def test_running_mean_follows_the_ramp_further_than_fixed():
    img, markers = _ramp()
    # mean after columns 0..k is 2k; column k+1 differs by 2k + 4 <= 10 until k = 3
    mean = region_grow(img, markers=markers, criterion="mean", threshold=10, connectivity=4)
    np.testing.assert_array_equal(mean.stage[0], [0, 1, 2, 3, 4, -1, -1, -1])
    np.testing.assert_allclose(mean.history["mean"][:, 0], [0, 2, 4, 6, 8])
    # the fixed interval around the seed value 0 admits 0, 4 and 8 only
    fixed = region_grow(img, markers=markers, criterion="fixed", threshold=10, connectivity=4)
    np.testing.assert_array_equal(fixed.stage[0], [0, 1, 2, -1, -1, -1, -1, -1])


def test_adaptive_threshold_shrinks_with_sd():
    img, markers = _ramp()
    t = region_grow(img, markers=markers, criterion="adaptive", threshold=10, connectivity=4)
    # stage 0: M = 0 so T(1) = T; stage 1: values {0, 4}: M = 2, sd = 2, T(1) = (1 - 1) 10 = 0
    np.testing.assert_allclose(t.history["threshold"][:, 0], [10, 0])
    np.testing.assert_allclose(t.history["sd"][:, 0], [0, 2])
    np.testing.assert_array_equal(t.stage[0], [0, 1, -1, -1, -1, -1, -1, -1])


def test_two_seeds_split_a_constant_image_by_distance():
    img = np.full((8, 8), 50)
    t = region_grow(img, [(3, 0), (3, 7)], threshold=0, connectivity=4)
    rows, cols = np.indices((8, 8))
    np.testing.assert_array_equal(t.labels, np.where(cols <= 3, 1, 2))
    np.testing.assert_array_equal(t.stage, np.abs(rows - 3) + np.minimum(cols, 7 - cols))
    np.testing.assert_array_equal(t.sizes, [32, 32])
    for step in t.steps:
        np.testing.assert_array_equal(np.sort(step.data["ring"]),
                                      np.flatnonzero(t.stage == step.index))


def test_tie_goes_to_smaller_label_and_closer_mean_wins():
    t = region_grow(np.full((1, 3), 5), [(0, 2), (0, 0)], threshold=0, connectivity=4)
    np.testing.assert_array_equal(t.labels, [[2, 1, 1]])  # seed order: (0, 2) is region 1
    img = np.array([[10, 13, 20]])  # 13 is 3 from region 1 (10) and 7 from region 2 (20)
    t = region_grow(img, [(0, 0), (0, 2)], threshold=8, connectivity=4)
    np.testing.assert_array_equal(t.labels, [[1, 1, 2]])


def test_max_size_keeps_closest_then_raster_order():
    t = region_grow(np.full((8, 8), 7), [(0, 0)], threshold=0, connectivity=4, max_size=5)
    expected = np.zeros((8, 8), int)
    expected[0, :3] = 1
    expected[1, :2] = 1
    np.testing.assert_array_equal(t.labels, expected)
    assert t.stop_reason == "max size reached"


@pytest.mark.parametrize("connectivity", [4, 8])
@pytest.mark.parametrize("case", range(6))
def test_fixed_criterion_equals_skimage_flood(connectivity, case):
    rng = np.random.default_rng(case)
    smooth = np.cumsum(np.cumsum(rng.integers(-3, 4, (48, 40)), axis=0), axis=1)
    img = np.clip(smooth - smooth.min(), 0, 255).astype(np.uint8)
    seed = tuple(int(v) for v in rng.integers(0, (48, 40)))
    tolerance = int(rng.integers(0, 40))
    ours = region_grow(img, [seed], criterion="fixed", threshold=tolerance,
                       connectivity=connectivity, max_steps=8)
    ref = flood(img, seed, tolerance=tolerance, connectivity=1 if connectivity == 4 else 2)
    np.testing.assert_array_equal(ours.labels > 0, ref)
    assert len(ours.steps) <= 8 and ours.total_steps == ours.stage.max() + 1


def _lecture_growth(img, seeds, criterion, tolerance, connectivity):
    """The lecture's algorithm written pixel by pixel: at each stage every unlabelled
    neighbour of a region is tested against M(i) +- T(i) of that region before the stage;
    a pixel several regions accept joins the closest mean (ties: the smaller label)."""
    img = img.astype(float)
    steps = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    if connectivity == 8:
        steps += [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    stage = np.full(img.shape, -1)
    labels = np.zeros(img.shape, int)
    members = {i + 1: [seed] for i, seed in enumerate(seeds)}
    for i, seed in enumerate(seeds):
        stage[seed], labels[seed] = 0, i + 1
    k = 0
    while True:
        offers = {}
        for label, pixels in members.items():
            values = np.array([img[p] for p in pixels])
            mean, sd = values.mean(), values.std()
            ratio = sd / mean if mean > 0 else 0.0
            limit = tolerance if criterion == "mean" else max(0.0, 1 - ratio) * tolerance
            border = {(r + dr, c + dc) for r, c in pixels for dr, dc in steps
                      if 0 <= r + dr < img.shape[0] and 0 <= c + dc < img.shape[1]
                      and stage[r + dr, c + dc] < 0}
            for p in border:
                if mean - limit <= img[p] <= mean + limit:
                    offers.setdefault(p, []).append((abs(img[p] - mean), label))
        if not offers:
            return stage, labels
        k += 1
        for p, choices in offers.items():
            label = min(choices)[1]
            stage[p], labels[p] = k, label
            members[label].append(p)


@pytest.mark.parametrize("criterion", ["mean", "adaptive"])
@pytest.mark.parametrize("case", range(4))
def test_running_mean_matches_the_pixel_by_pixel_algorithm(criterion, case):
    rng = np.random.default_rng(case)
    img = rng.integers(0, 60, (14, 14)) + np.arange(14) * 6  # noise on a ramp
    seed = (int(rng.integers(14)), int(rng.integers(14)))
    tolerance = 25.5 if criterion == "mean" else 45.5
    connectivity = (4, 8)[case % 2]
    ours = region_grow(img, [seed], criterion=criterion, threshold=tolerance,
                       connectivity=connectivity)
    expected, _ = _lecture_growth(img, [seed], criterion, tolerance, connectivity)
    assert ours.stage.max() > 2  # the case really grows over several stages
    np.testing.assert_array_equal(ours.stage, expected)


@pytest.mark.parametrize("criterion", ["mean", "adaptive"])
@pytest.mark.parametrize("case", range(3))
def test_several_seeds_match_the_pixel_by_pixel_algorithm(criterion, case):
    rng = np.random.default_rng(10 + case)
    img = rng.integers(0, 60, (14, 14)) + np.arange(14) * 6
    seeds = [tuple(int(v) for v in rng.integers(0, 14, 2)) for _ in range(3)]
    seeds = list(dict.fromkeys(seeds))
    tolerance = 25.5 if criterion == "mean" else 45.5
    ours = region_grow(img, seeds, criterion=criterion, threshold=tolerance,
                       connectivity=(4, 8)[case % 2])
    stage, labels = _lecture_growth(img, seeds, criterion, tolerance, (4, 8)[case % 2])
    assert ours.stage.max() > 2
    np.testing.assert_array_equal(ours.stage, stage)
    np.testing.assert_array_equal(ours.labels, labels)


def test_fixed_criterion_with_two_seeds_equals_two_floods():
    img = np.zeros((8, 8), np.uint8)
    img[1:3, 1:4] = 100
    img[5:8, 4:7] = 140
    img[6, 6] = 150
    t = region_grow(img, [(1, 1), (7, 4)], criterion="fixed", threshold=10, connectivity=4)
    expected = flood(img, (1, 1), tolerance=10, connectivity=1) * 1
    expected += flood(img, (7, 4), tolerance=10, connectivity=1) * 2
    np.testing.assert_array_equal(t.labels, expected)


def test_bounded_recording_keeps_full_stage_map():
    img = np.zeros((8, 64), np.uint8)
    t = region_grow(img, [(0, 0)], threshold=0, max_steps=5)
    assert len(t.steps) <= 5 and t.total_steps == 64 and t.truncated
    assert t.stage.max() == 63 and (t.labels == 1).all()
    assert len(t.history["mean"]) == 64
    for step in t.steps:  # each kept step still carries its own ring
        np.testing.assert_array_equal(step.data["ring"], np.flatnonzero(t.stage == step.index))


def test_seeds_from_threshold_are_bright_random_and_reproducible():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (32, 32))
    seeds = seeds_from_threshold(img, 200, 10, random_state=3)
    assert seeds.shape == (10, 2) and (img[seeds[:, 0], seeds[:, 1]] >= 200).all()
    assert len(np.unique(seeds, axis=0)) == 10
    np.testing.assert_array_equal(seeds, seeds_from_threshold(img, 200, 10, random_state=3))
    assert seeds_from_threshold(img, 300, 4).shape == (0, 2)
    assert len(seeds_from_threshold(np.array([[9, 0], [0, 9]]), 5, 10)) == 2


def test_seeds_at_max_groups_touching_pixels():
    img = np.zeros((8, 8))
    img[0, 0] = img[1, 1] = img[7, 7] = 255
    np.testing.assert_array_equal(np.unique(seeds_at_max(img)), [0, 1, 2])
    assert seeds_at_max(img, connectivity=4).max() == 3
    t = region_grow(img, markers=seeds_at_max(img), threshold=0)
    assert t.n_regions == 2 and (t.labels > 0).sum() == 3


def test_no_seeds_returns_early_with_warning():
    t = region_grow(np.ones((8, 8)), np.zeros((0, 2), int))
    assert (t.labels == 0).all() and t.warnings and t.n_regions == 0


def test_duplicate_seeds_warn():
    t = region_grow(np.ones((4, 4)), [(1, 1), (1, 1)])
    assert t.n_regions == 1 and "duplicate" in t.warnings[0]


@pytest.mark.parametrize("kwargs, word", [
    ({"criterion": "median"}, "criterion"),
    ({"threshold": -1}, "threshold"),
    ({"connectivity": 6}, "connectivity"),
    ({"max_size": 0}, "max_size"),
    ({"seeds": [(9, 0)]}, "seed"),
    ({"seeds": [(0.5, 1)]}, "seeds"),
    ({"markers": np.ones((8, 8), int)}, "exactly one"),
    ({"position_weight": -0.5}, "position_weight"),
    ({"position_weight": np.nan}, "position_weight"),
    ({"position_weight": np.inf}, "position_weight"),
    ({"position_weight": "1"}, "position_weight"),
    ({"position_weight": True}, "position_weight"),
])
def test_validation_names_the_argument(kwargs, word):
    kwargs = {"seeds": [(0, 0)], **kwargs}
    with pytest.raises(ValueError, match=word):
        region_grow(np.zeros((8, 8)), **kwargs)
    with pytest.raises(ValueError, match="2-D"):
        region_grow(np.zeros((2, 2, 2)), [(0, 0)])


def _four_checkered_regions():
    """Quadrants with checkerboards 8/12, 10/14, 48/52, 50/54: means 10, 12, 50, 52, sd 2."""
    checker = (np.indices((4, 4)).sum(axis=0) % 2) * 4
    img = np.block([[8 + checker, 10 + checker], [48 + checker, 50 + checker]])
    labels = np.block([[np.full((4, 4), 1), np.full((4, 4), 2)],
                       [np.full((4, 4), 3), np.full((4, 4), 4)]])
    return img, labels


def test_merge_regions_with_close_means():
    img, labels = _four_checkered_regions()
    t = merge_regions(img, labels, k=1.5, connectivity=4)  # |M1 - M2| = 2 < 1.5 * 2
    np.testing.assert_array_equal(t.merged, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(t.labels, np.repeat([1, 2], 32).reshape(8, 8))
    before = t.rag_before
    np.testing.assert_array_equal(before["edges"], [[0, 1], [0, 2], [1, 3], [2, 3]])
    np.testing.assert_allclose(before["similarity"], [2, 40, 40, 2])
    np.testing.assert_array_equal(before["mergeable"], [True, False, False, True])
    np.testing.assert_allclose(before["nodes"], [[1.5, 1.5], [1.5, 5.5], [5.5, 1.5], [5.5, 5.5]])
    after = t.rag_after
    np.testing.assert_allclose(after["nodes"], [[1.5, 3.5], [5.5, 3.5]])
    np.testing.assert_allclose(after["node_mean"], [11, 51])
    assert after["edges"].tolist() == [[0, 1]] and t.n_after == 2
    assert len(merge_regions(img, labels, k=0.5).merged) == 0  # 2 < 0.5 * 2 fails


def test_merge_regions_8_connectivity_adds_diagonal_edges():
    img, labels = _four_checkered_regions()
    t = merge_regions(img, labels, k=1.5, connectivity=8)
    assert len(t.rag_before["edges"]) == 6


def _reference_growth(img, markers, criterion, tolerance, connectivity, max_size=None,
                      weight=0.0):
    """The lecture's algorithm pixel by pixel, with its statistics, for every rule.

    At each stage every unlabelled neighbour of region i is tested against
    M(i) +- T(i) of the region before the stage (the seed value +- T for the fixed
    rule); a pixel several regions accept joins the closest (ties: the smaller label);
    a region at max_size stops, and a stage fills it with the closest pixels first,
    then in raster order. With the position term (``weight`` lambda > 0) the test is
    sqrt((I - M(i))^2 + lambda^2 d^2) <= T(i), d the distance to the region's centroid
    before the stage (the seeds' centroid for the fixed rule), and "closest" uses that
    distance. Returns stage, labels and, before every stage, each region's
    (size, mean, sd, T(i), reference, centroid row, centroid col).
    """
    img = img.astype(float)
    steps = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    if connectivity == 8:
        steps += [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    stage = np.where(markers > 0, 0, -1)
    labels = markers.astype(int)
    members = {i: [tuple(p) for p in np.argwhere(markers == i)]
               for i in range(1, markers.max() + 1)}
    seed_value = {i: np.mean([img[p] for p in pixels]) for i, pixels in members.items()}
    seed_point = {i: np.mean(pixels, axis=0) for i, pixels in members.items()}

    def statistics(i):
        values = np.array([img[p] for p in members[i]])
        mean, sd = values.mean(), values.std()
        row, col = np.mean(members[i], axis=0)
        if criterion == "fixed":
            return len(values), mean, sd, tolerance, seed_value[i], row, col
        ratio = sd / mean if mean > 0 else 0.0
        limit = tolerance if criterion == "mean" else max(0.0, 1 - ratio) * tolerance
        return len(values), mean, sd, limit, mean, row, col

    def homogeneity(p, i, stats):
        """The homogeneity distance of pixel p to region i, or None if it fails the test."""
        _, _, _, limit, reference, row, col = stats
        if criterion == "fixed":
            row, col = seed_point[i]
        if not weight:
            return abs(img[p] - reference) if reference - limit <= img[p] <= reference + limit \
                else None
        square = (img[p] - reference) ** 2 + weight ** 2 * ((p[0] - row) ** 2 + (p[1] - col) ** 2)
        return np.sqrt(square) if square <= limit ** 2 else None

    history, k = [], 0
    while True:
        stats = {i: statistics(i) for i in members}
        history.append(stats)
        offers = {}
        for i, pixels in members.items():
            if max_size is not None and stats[i][0] >= max_size:
                continue
            for r, c in pixels:
                for dr, dc in steps:
                    p = (r + dr, c + dc)
                    if 0 <= p[0] < img.shape[0] and 0 <= p[1] < img.shape[1] and stage[p] < 0:
                        d = homogeneity(p, i, stats[i])
                        if d is not None:
                            offers.setdefault(p, set()).add((d, i))
        winners = {p: min(choices) for p, choices in offers.items()}  # (distance, label)
        if max_size is not None:
            kept, taken = {}, dict.fromkeys(members, 0)
            for i, gap, p in sorted((i, d, p) for p, (d, i) in winners.items()):
                if taken[i] < max_size - stats[i][0]:
                    kept[p], taken[i] = (gap, i), taken[i] + 1
            winners = kept
        if not winners:
            return stage, labels, history
        k += 1
        for p, (_, i) in winners.items():
            stage[p], labels[p] = k, i
            members[i].append(p)


def _random_case(rng, n_seeds, size=16):
    """Noise on a ramp (integers, so M(i) +- T with T = x.5 never ties with a pixel)."""
    img = rng.integers(0, 60, (size, size)) + np.arange(size) * 6
    flat = rng.choice(size * size, n_seeds, replace=False)
    markers = np.zeros((size, size), np.int32)
    markers.flat[flat] = np.arange(1, n_seeds + 1)
    return img, markers


def _assert_matches_reference(ours, stage, labels, history):
    np.testing.assert_array_equal(ours.stage, stage)
    np.testing.assert_array_equal(ours.labels, labels)
    n = min(len(history[0]), region_growing.MAX_TRACKED_REGIONS)
    expected = np.array([[stats[i] for i in range(1, n + 1)] for stats in history])
    assert ours.history["mean"].shape == (len(history), n) == (ours.total_steps, n)
    for j, name in enumerate(["size", "mean", "sd", "threshold"]):
        np.testing.assert_allclose(ours.history[name], expected[:, :, j], rtol=1e-12, atol=1e-9,
                                   err_msg=name)
    if "centroid" in ours.history:  # with the position term
        np.testing.assert_allclose(ours.history["centroid"], expected[:, :, 5:7], rtol=1e-12,
                                   atol=1e-9)
    for step in ours.steps:  # each recorded ring is exactly the pixels of its stage
        np.testing.assert_array_equal(np.sort(step.data["ring"]),
                                      np.flatnonzero(stage == step.index))
        np.testing.assert_array_equal(step.data["sizes"], expected[step.index, :, 0])
        assert step.metrics["added"] == (stage == step.index).sum()
        assert step.metrics["size"] == ((stage >= 0) & (stage <= step.index)).sum()
        np.testing.assert_allclose([step.metrics["mean"], step.metrics["sd"],
                                    step.metrics["threshold"]],
                                   expected[step.index, 0, 1:4], rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("connectivity", [4, 8])
@pytest.mark.parametrize("criterion", ["fixed", "mean", "adaptive"])
@pytest.mark.parametrize("n_seeds", [1, 3])
@pytest.mark.parametrize("case", range(3))
def test_stages_and_statistics_match_the_pixel_by_pixel_algorithm(criterion, connectivity,
                                                                   n_seeds, case):
    rng = np.random.default_rng(100 * case + 10 * n_seeds + connectivity)
    img, markers = _random_case(rng, n_seeds)
    tolerance = {"fixed": 30.5, "mean": 25.5, "adaptive": 45.5}[criterion]
    seeds = np.argwhere(markers)[np.argsort(markers[markers > 0])]
    ours = region_grow(img, seeds, criterion=criterion, threshold=tolerance,
                       connectivity=connectivity, max_steps=None)
    stage, labels, history = _reference_growth(img, markers, criterion, tolerance, connectivity)
    assert stage.max() > 2  # the case really grows over several stages
    _assert_matches_reference(ours, stage, labels, history)


@pytest.mark.parametrize("criterion", ["fixed", "mean"])
@pytest.mark.parametrize("n_seeds", [1, 3])
@pytest.mark.parametrize("connectivity", [4, 8])
def test_max_size_matches_the_pixel_by_pixel_algorithm(criterion, n_seeds, connectivity):
    rng = np.random.default_rng(n_seeds + connectivity)
    img, markers = _random_case(rng, n_seeds)
    img = img // 8 * 8  # many equal distances: the raster-order tie-break decides
    tolerance = 30.5 if criterion == "fixed" else 25.5
    ours = region_grow(img, markers=markers, criterion=criterion, threshold=tolerance,
                       connectivity=connectivity, max_size=23, max_steps=None)
    stage, labels, history = _reference_growth(img, markers, criterion, tolerance, connectivity,
                                               max_size=23)
    assert (labels == 1).sum() == 23
    _assert_matches_reference(ours, stage, labels, history)


@pytest.mark.parametrize("criterion", ["fixed", "mean", "adaptive"])
def test_seed_sets_from_markers_match_the_pixel_by_pixel_algorithm(criterion):
    rng = np.random.default_rng(5)
    img = rng.integers(0, 60, (16, 16)) + np.arange(16) * 6
    markers = np.zeros((16, 16), np.int32)
    markers[2:4, 2:5], markers[10:13, 12] = 1, 2  # two seed sets of several pixels
    tolerance = {"fixed": 30.5, "mean": 25.5, "adaptive": 45.5}[criterion]
    for one in (markers == 1, markers):  # the one-region and the many-regions code
        ours = region_grow(img, markers=one.astype(np.int32), criterion=criterion,
                           threshold=tolerance, max_steps=None)
        _assert_matches_reference(ours, *_reference_growth(img, one.astype(int), criterion,
                                                           tolerance, 8))


@pytest.mark.parametrize("criterion", ["fixed", "mean", "adaptive"])
@pytest.mark.parametrize("connectivity", [4, 8])
@pytest.mark.parametrize("max_size", [None, 300])
def test_one_region_code_equals_the_many_regions_code(criterion, connectivity, max_size):
    """The one-region stages (scalar statistics, queue marks in the state map) grow the
    same stages as the general many-regions stages, run on the same single seed."""
    rng = np.random.default_rng(connectivity)
    img = np.round(rng.normal(size=(48, 48)) * 12 + 100 + np.arange(48) * 2, 1)  # floats
    img[10:30, 15:35] += 70  # a bright square the region must go around
    markers = np.zeros(img.shape, np.int32)
    markers[40, 3] = 1
    tolerance = {"fixed": 30, "mean": 25, "adaptive": 40}[criterion]
    grown = {}
    for kind in (region_growing._OneRegion, region_growing._Regions):
        grow = kind(region_growing.gray_float(img), markers, 1, criterion, tolerance, max_size)
        region_growing._grow_stages(grow, connectivity)
        grown[kind] = grow
    one, many = grown.values()
    assert len(one.added) > 12 and one.all_full() == many.all_full() == (max_size is not None)
    np.testing.assert_array_equal(one.crop(np.maximum(one.state, NOT_REACHED)),
                                  many.crop(np.maximum(many.state, NOT_REACHED)))
    np.testing.assert_array_equal(one.final_labels(), many.final_labels())
    for name, values in one.history().items():
        np.testing.assert_allclose(values, many.history()[name], rtol=1e-9, err_msg=name)
    for k in range(len(one.added)):  # rings are sets; the two codes list them in other orders
        np.testing.assert_array_equal(np.sort(one.ring(k)), np.sort(many.ring(k)))


def test_one_region_statistics_are_region_stats_bit_for_bit():
    rng = np.random.default_rng(0)
    for criterion in ("mean", "adaptive", "fixed"):
        for _ in range(200):
            values = rng.random(int(rng.integers(1, 50))) * rng.choice([1.0, 255.0, 1e4])
            grow = region_growing._OneRegion(np.zeros((2, 2)), np.eye(2, dtype=np.int32), 1,
                                             criterion, float(rng.random() * 80), None)
            grow.count, grow.total, grow.total_sq = (float(len(values)), float(values.sum()),
                                                     float(values @ values))
            sums = np.array([[0.0, grow.count], [0.0, grow.total], [0.0, grow.total_sq]])
            expected = [v[1] for v in region_growing._region_stats(sums, criterion,
                                                                   grow.threshold)]
            assert grow.stats() == tuple(expected)


# ----------------------------------------------------------------- the position term
WITHOUT_POSITION = Path(__file__).parent / "data" / "region_growing_without_position.json"


def _digest(trace):
    return hashlib.sha256(trace.labels.astype(np.int32).tobytes()
                          + trace.stage.astype(np.int32).tobytes()).hexdigest()


def test_without_the_position_term_results_are_unchanged():
    """The function before the position term existed (digests recorded at commit 1b3428c)
    and the function now, with the term off (default) and with position_weight=0."""
    from segcore.scenes import make_scene

    cases = json.loads(WITHOUT_POSITION.read_text())["cases"]
    assert len(cases) >= 30 and sum(c["stages"] > 10 for c in cases) >= 15
    for case in cases:
        img = make_scene(case["scene"], seed=0, size=128).image
        where = ({"markers": seeds_at_max(img, case["connectivity"])} if case["seeds"] is None
                 else {"seeds": case["seeds"]})
        kwargs = {"criterion": case["criterion"], "threshold": case["threshold"],
                  "connectivity": case["connectivity"], "max_size": case["max_size"], **where}
        for extra in ({}, {"position_weight": 0.0}, {"position_weight": 0}):
            trace = region_grow(img, **kwargs, **extra)
            assert _digest(trace) == case["sha256"], (case, extra)
            assert "centroid" not in trace.history


@pytest.mark.parametrize("connectivity", [4, 8])
@pytest.mark.parametrize("criterion", ["fixed", "mean", "adaptive"])
@pytest.mark.parametrize("n_seeds", [1, 3])
@pytest.mark.parametrize("weight", [0.5, 3.0])
def test_position_term_matches_the_pixel_by_pixel_algorithm(criterion, connectivity, n_seeds,
                                                            weight):
    rng = np.random.default_rng(7 * n_seeds + connectivity)
    img, markers = _random_case(rng, n_seeds, size=20)
    tolerance = {"fixed": 30.5, "mean": 25.5, "adaptive": 45.5}[criterion]
    for max_size in (None, 40):
        ours = region_grow(img, markers=markers, criterion=criterion, threshold=tolerance,
                           connectivity=connectivity, max_size=max_size, position_weight=weight,
                           max_steps=None)
        expected = _reference_growth(img, markers, criterion, tolerance, connectivity, max_size,
                                     weight=weight)
        _assert_matches_reference(ours, *expected)
        assert ours.params["position_weight"] == weight


def _region_before(trace, img, i, k, criterion, tolerance):
    """M(i), T(i) and the reference point of region i after stage k - 1, from the maps."""
    inside = (trace.labels == i) & (trace.stage >= 0) & (trace.stage < k)
    seeds = (trace.labels == i) & (trace.stage == 0)
    values = img[inside].astype(float)
    mean, sd = values.mean(), values.std()
    limit = tolerance
    if criterion == "adaptive":
        limit = max(0.0, 1 - (sd / mean if mean > 0 else 0.0)) * tolerance
    if criterion == "fixed":
        return img[seeds].mean(), limit, np.argwhere(seeds).mean(axis=0)
    return mean, limit, np.argwhere(inside).mean(axis=0)


@pytest.mark.parametrize("criterion", ["fixed", "mean", "adaptive"])
@pytest.mark.parametrize("seeds", [[(30, 30)], [(8, 8), (50, 20), (30, 55)]])
def test_with_the_position_term_the_region_is_bounded_as_the_formula_says(criterion, seeds):
    """Brute force on a noisy ramp: every pixel that joined at stage k passed
    (I - M)^2 + lambda^2 d^2 <= T(i)^2 against its region after stage k - 1, so it lies
    within T(i) / lambda of that centroid; no unlabelled neighbour of a region passes at
    the end; and the term really cuts regions short."""
    rng = np.random.default_rng(len(seeds))
    img = rng.integers(0, 30, (64, 64)) + np.arange(64) // 2
    tolerance, weight = 40.0, 1.5
    kwargs = {"criterion": criterion, "threshold": tolerance, "connectivity": 8, "max_steps": None}
    ours = region_grow(img, seeds, position_weight=weight, **kwargs)
    assert ours.stage.max() > 5
    for r, c in np.argwhere(ours.stage > 0):
        i, k = ours.labels[r, c], ours.stage[r, c]
        reference, limit, (row, col) = _region_before(ours, img, i, k, criterion, tolerance)
        d2 = (r - row) ** 2 + (c - col) ** 2
        assert (img[r, c] - reference) ** 2 + weight ** 2 * d2 <= limit ** 2 + 1e-9
        assert np.sqrt(d2) <= tolerance / weight + 1e-9
    final = ours.stage.max() + 1
    for r, c in np.argwhere(ours.labels == 0):
        for i in {ours.labels[rr, cc] for rr in range(max(r - 1, 0), min(r + 2, 64))
                  for cc in range(max(c - 1, 0), min(c + 2, 64))} - {0}:
            reference, limit, (row, col) = _region_before(ours, img, i, final, criterion,
                                                          tolerance)
            d2 = (r - row) ** 2 + (c - col) ** 2
            assert (img[r, c] - reference) ** 2 + weight ** 2 * d2 > limit ** 2 - 1e-9
    without = region_grow(img, seeds, **kwargs)
    assert (ours.labels > 0).sum() < (without.labels > 0).sum()
    np.testing.assert_allclose(ours.history["centroid"][-1],
                               [np.argwhere(ours.labels == i).mean(axis=0)
                                for i in range(1, len(seeds) + 1)])


@pytest.mark.parametrize("criterion", ["fixed", "mean"])
def test_on_a_constant_image_the_region_is_the_disc_of_radius_t_over_lambda(criterion):
    img = np.full((41, 41), 90)
    for tolerance, weight in ((10.0, 1.0), (12.2, 0.8), (7.5, 2.5)):  # no lattice point on a rim
        t = region_grow(img, [(20, 20)], criterion=criterion, threshold=tolerance,
                        position_weight=weight, connectivity=8, max_steps=None)
        rows, cols = np.indices(img.shape)
        disc = (rows - 20) ** 2 + (cols - 20) ** 2 <= (tolerance / weight) ** 2
        np.testing.assert_array_equal(t.labels > 0, disc)


def test_one_region_code_equals_the_many_regions_code_with_the_position_term():
    rng = np.random.default_rng(3)
    img = np.round(rng.normal(size=(40, 40)) * 12 + 100 + np.arange(40) * 2, 1)
    markers = np.zeros(img.shape, np.int32)
    markers[20, 5] = 1
    for criterion in ("fixed", "mean", "adaptive"):
        grown = []
        for kind in (region_growing._OneRegion, region_growing._Regions):
            grow = kind(region_growing.gray_float(img), markers, 1, criterion, 30.0, None, 1.2)
            region_growing._grow_stages(grow, 8)
            grown.append(grow)
        one, many = grown
        np.testing.assert_array_equal(one.crop(np.maximum(one.state, NOT_REACHED)),
                                      many.crop(np.maximum(many.state, NOT_REACHED)))
        for name, values in one.history().items():
            np.testing.assert_allclose(values, many.history()[name], rtol=1e-9, err_msg=name)


def test_grow_with_rule_passes_the_position_weight():
    img = np.full((21, 21), 50)
    _, trace, _ = region_growing.grow_with_rule(img, "click", [(10, 10)], criterion="fixed",
                                                threshold=6, position_weight=2.0)
    rows, cols = np.indices(img.shape)
    disc = (rows - 10) ** 2 + (cols - 10) ** 2 <= (6 / 2.0) ** 2  # d <= T / lambda = 3
    np.testing.assert_array_equal(trace.labels > 0, disc)
    assert trace.params["position_weight"] == 2.0
