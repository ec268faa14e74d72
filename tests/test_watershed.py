"""segcore.classical.watershed: final labels equal scikit-image's watershed, the recorded
flooding equals an independent flood-level map (reconstruction by erosion), dams, markers."""

import numpy as np
import pytest
from scipy import ndimage
from skimage.filters import sobel
from skimage.morphology import reconstruction
from skimage.segmentation import watershed

from segcore.classical import watershed as W
from segcore.scenes import make_scene

CROSS = ndimage.generate_binary_structure(2, 1)


def _scene(name="shapes", seed=0, size=96, noise=None):
    return make_scene(name, seed=seed, size=size, noise=noise)


def _flood_levels(elevation, markers, connectivity=4):
    """Independent flood level of every pixel: the lowest water level that reaches it from a
    marker (the minimax path, the marker's own level included), by morphological
    reconstruction by erosion."""
    footprint = ndimage.generate_binary_structure(2, 1 if connectivity == 4 else 2)
    elevation = elevation.astype(float)
    seed = np.where(markers > 0, elevation, elevation.max() + 1)
    return reconstruction(seed, elevation, method="erosion", footprint=footprint)


RULE_CASES = [
    ("threshold", {}, "shapes", 0),
    ("threshold", {"low": 70, "high": 180, "sigma": 2.0}, "shapes", 3),
    ("click", {"points": [(20, 20), (50, 60), (80, 10)]}, "shapes", 1),
    ("click", {"points": [(5, 5)], "background": False}, "crack", 0),
    ("seeds", {"seed_threshold": 200, "n_seeds": 8, "random_state": 4}, "crack", 2),
    ("minima", {"sigma": 1.5}, "shapes", 0),
    ("minima", {"sigma": 0.0}, "texture_mosaic", 1),
]


@pytest.mark.parametrize("connectivity", [4, 8])
@pytest.mark.parametrize("lines", [False, True])
@pytest.mark.parametrize("rule, args, scene, seed", RULE_CASES)
def test_final_labels_equal_scikit_image_watershed(rule, args, scene, seed, connectivity, lines):
    image = _scene(scene, seed).image
    trace = W.watershed_with_rule(image, rule, connectivity=connectivity, watershed_line=lines,
                                  **args)
    markers = None if rule == "minima" else trace.markers
    expected = watershed(trace.elevation, markers, connectivity=1 if connectivity == 4 else 2,
                         watershed_line=lines)
    assert np.array_equal(trace.labels, expected)
    assert trace.from_minima == (rule == "minima")
    if rule == "minima":  # skimage floods from the regional minima when it gets no markers
        assert np.array_equal(watershed(trace.elevation, trace.markers,
                                        connectivity=1 if connectivity == 4 else 2),
                              watershed(trace.elevation,
                                        connectivity=1 if connectivity == 4 else 2))
        assert trace.n_basins == len(np.unique(expected[expected > 0]))


def test_the_relief_is_the_rounded_sobel_gradient_of_the_smoothed_image():
    image = _scene().image
    trace = W.watershed_with_rule(image, "threshold", sigma=1.5)
    smoothed = ndimage.gaussian_filter(image.astype(float), 1.5)
    assert np.allclose(trace.smoothed, smoothed)
    expected = np.clip(np.round(sobel(smoothed)), 0, 255).astype(np.uint8)
    assert np.array_equal(trace.elevation, expected)


@pytest.mark.parametrize("connectivity", [4, 8])
@pytest.mark.parametrize("rule, args, scene, seed", RULE_CASES)
def test_each_recorded_level_floods_what_the_water_reaches(rule, args, scene, seed, connectivity):
    """Basins at step k = final labels where the minimax flood level is <= h_k (and only there)."""
    trace = W.watershed_with_rule(_scene(scene, seed).image, rule, connectivity=connectivity,
                                  **args)
    level = _flood_levels(trace.elevation, trace.markers, connectivity)
    assert np.array_equal(W.basins_at(trace, 0) > 0, trace.markers > 0)
    for k, h in enumerate(trace.levels, start=1):
        wet = (trace.flood_step >= 0) & (trace.flood_step <= k)
        assert np.array_equal(wet, (level <= h) | (trace.markers > 0)), f"step {k}, level {h}"
        assert np.array_equal(W.basins_at(trace, k), np.where(wet, trace.labels, 0))
        assert trace.steps[k].metrics["flooded"] == int(wet.sum())
    assert (trace.flood_step >= 0).all(), "the last level floods everything"


def test_recording_is_bounded_and_spans_the_levels():
    image = _scene(size=128).image
    full = W.watershed_with_rule(image, "threshold", max_steps=None)
    present = np.unique(full.elevation[full.markers == 0])
    assert list(full.levels) == list(present) and full.total_steps == len(present) + 1
    for max_steps in (2, 5, 16):
        trace = W.watershed_with_rule(image, "threshold", max_steps=max_steps)
        assert len(trace.steps) <= max_steps and trace.truncated
        assert trace.levels[-1] == present[-1]
        assert np.all(np.diff(trace.levels) > 0)
        assert np.array_equal(trace.labels, full.labels)
        flooded = [s.metrics["flooded"] for s in trace.steps]
        assert flooded == sorted(flooded) and flooded[-1] == image.size


def _touching(labels):
    """Pixels with a 4-neighbour of another (non-zero) label, the line pixels (0) too."""
    out = labels == 0
    for axis in (0, 1):
        a = np.swapaxes(labels, 0, axis)
        differ = (a[1:] != a[:-1]) & (a[1:] > 0) & (a[:-1] > 0)
        o = np.swapaxes(out, 0, axis)
        o[1:] |= differ
        o[:-1] |= differ
    return out


@pytest.mark.parametrize("lines", [False, True])
def test_the_dams_at_the_end_are_the_borders_between_basins(lines):
    trace = W.watershed_with_rule(_scene().image, "threshold", watershed_line=lines)
    last = len(trace.steps) - 1
    assert np.array_equal(W.dams_at(trace, last), _touching(trace.labels))
    counts = [s.metrics["dams"] for s in trace.steps]
    assert counts == [int(W.dams_at(trace, k).sum()) for k in range(len(trace.steps))]
    assert counts == sorted(counts)
    apart = W.watershed_with_rule(_scene().image, "click", points=[(10, 10), (80, 80)],
                                  background=False)
    assert not W.dams_at(apart, 0).any() and apart.steps[0].metrics["dams"] == 0


def _pass_level(relief, a, b):
    """Brute force: the lowest h at which a and b lie in one connected component of T[h]."""
    for h in range(int(relief.max()) + 1):
        parts, _ = ndimage.label(relief <= h, CROSS)
        if parts[a] and parts[a] == parts[b]:
            return h
    raise AssertionError("never met")


@pytest.mark.parametrize("seed", range(8))
def test_the_first_dam_appears_at_the_pass_between_two_markers(seed):
    rng = np.random.default_rng(seed)
    relief = rng.integers(1, 10, (7, 7))
    a, b = (int(rng.integers(0, 7)), 0), (int(rng.integers(0, 7)), 6)
    relief[a] = relief[b] = 0  # the markers sit in the valleys
    markers = np.zeros(relief.shape, np.int32)
    markers[a], markers[b] = 1, 2
    trace = W.flood(relief, markers, max_steps=None)
    first = next(s for s in trace.steps if s.metrics["dams"] > 0)
    assert first.metrics["level"] == _pass_level(relief, a, b)


@pytest.mark.parametrize("seed", range(6))
def test_a_marker_high_up_starts_flooding_only_at_its_own_level(seed):
    """As in scikit-image's priority flood: a marker is a source from its own level on."""
    rng = np.random.default_rng(seed)
    relief = rng.integers(0, 10, (9, 9))
    markers = np.zeros(relief.shape, np.int32)
    cells = rng.choice(relief.size, 3, replace=False)
    markers.flat[cells] = [1, 2, 3]
    trace = W.flood(relief, markers, max_steps=None)
    assert np.array_equal(trace.labels, watershed(relief, markers, connectivity=1))
    level = _flood_levels(relief, markers)
    for k, h in enumerate(trace.levels, start=1):
        wet = (trace.flood_step >= 0) & (trace.flood_step <= k)
        assert np.array_equal(wet, (level <= h) | (markers > 0))


def test_markers_from_a_threshold_points_and_minima():
    smoothed = np.array([[10, 50, 200, 200, 50, 220], [10, 10, 50, 50, 50, 220]], float)
    markers = W.threshold_markers(smoothed, 20, 150)
    assert markers.tolist() == [[1, 0, 2, 2, 0, 3], [1, 1, 0, 0, 0, 3]]
    background = smoothed <= 20
    points = W.point_markers(smoothed.shape, [(0, 0), (1, 4)], background)
    assert points.tolist() == [[2, 0, 0, 0, 0, 0], [1, 1, 0, 0, 3, 0]]
    relief = np.array([[3, 1, 1, 4, 0], [5, 5, 5, 5, 5]])
    assert W.minima_markers(relief).tolist() == [[0, 1, 1, 0, 2], [0, 0, 0, 0, 0]]


def test_seeds_rule_uses_region_growing_seeds():
    from segcore.classical.region_growing import seeds_from_threshold

    scene = _scene("crack", 0)
    trace = W.watershed_with_rule(scene.image, "seeds", seed_threshold=220, n_seeds=6,
                                  random_state=3)
    expected = seeds_from_threshold(scene.image, 220, 6, random_state=3)
    assert np.array_equal(trace.points, expected)
    assert [trace.markers[r, c] for r, c in expected] == list(range(2, 2 + len(expected)))


def test_click_rule_defaults_to_the_brightest_pixel():
    image = np.zeros((20, 20), np.uint8)
    image[12:16, 3:7] = 200
    image[13, 4] = 255
    trace = W.watershed_with_rule(image, "click", sigma=0, low=50)
    assert trace.points.tolist() == [[13, 4]]
    assert set(np.unique(trace.labels)) == {1, 2}
    assert (trace.labels[13:15, 4:6] == 2).all() and (trace.labels[:10] == 1).all()


def test_no_markers_warns_and_labels_nothing():
    trace = W.flood(np.zeros((5, 5), np.uint8), np.zeros((5, 5), np.int32))
    assert trace.warnings and "No markers" in trace.warnings[0]
    assert not trace.labels.any() and len(trace.steps) == 1
    empty = W.watershed_with_rule(np.full((8, 8), 250, np.uint8), "threshold", sigma=0,
                                  low=10, high=255.5)
    assert empty.warnings


def test_seed_threshold_above_every_pixel_warns():
    trace = W.watershed_with_rule(np.full((8, 8), 100, np.uint8), "seeds", seed_threshold=250)
    assert any("seed threshold" in w for w in trace.warnings)


@pytest.mark.parametrize("call, match", [
    (lambda: W.flood(np.zeros((4, 4)), None), "whole levels"),
    (lambda: W.flood(np.zeros((4,)), None), "2-D"),
    (lambda: W.flood(np.full((4, 4), -1), None), "0..65535"),
    (lambda: W.flood(np.zeros((4, 4), int), np.zeros((3, 3), int)), "markers"),
    (lambda: W.flood(np.zeros((4, 4), int), -np.ones((4, 4), int)), "markers"),
    (lambda: W.flood(np.zeros((4, 4), int), None, connectivity=6), "connectivity"),
    (lambda: W.flood(np.zeros((4, 4), int), None, max_steps=1), "max_steps"),
    (lambda: W.threshold_markers(np.zeros((4, 4)), 100, 50), "t_low"),
    (lambda: W.point_markers((4, 4), [(9, 9)]), "outside"),
    (lambda: W.watershed_with_rule(np.zeros((4, 4)), "magic"), "rule"),
    (lambda: W.smooth(np.zeros((4, 4)), -1), "sigma"),
])
def test_bad_arguments_raise_value_error_naming_them(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_a_trace_pickles_for_the_page_cache():
    import pickle

    trace = W.watershed_with_rule(_scene().image)
    back = pickle.loads(pickle.dumps(trace))
    assert np.array_equal(back.labels, trace.labels) and len(back.steps) == len(trace.steps)
