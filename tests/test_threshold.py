"""segcore.classical.threshold against scikit-image, plus its own invariants."""

import pickle
from itertools import combinations

import numpy as np
import pytest
from skimage import data, filters

from segcore import metrics
from segcore.classical import threshold as T
from segcore.scenes import make_scene

SCENE_NAMES = ("shapes", "shapes_gradient", "crack")
IMAGE_NAMES = ("camera", "coins", "page") + SCENE_NAMES
SKIMAGE_GLOBAL = {
    "otsu": filters.threshold_otsu,
    "isodata": filters.threshold_isodata,
    "li": filters.threshold_li,
    "mean": filters.threshold_mean,
    "triangle": filters.threshold_triangle,
    "yen": filters.threshold_yen,
}


def _image(name: str) -> np.ndarray:
    if name in SCENE_NAMES:
        return make_scene(name, seed=0).image
    return getattr(data, name)()


@pytest.fixture(scope="module", params=IMAGE_NAMES)
def image(request):
    return _image(request.param)


def _iou(a, b):
    return metrics.iou_per_class(a.astype(int), b.astype(int), 2)[1]


# --------------------------------------------------------------------------
# global methods == scikit-image
# --------------------------------------------------------------------------

@pytest.mark.parametrize("method", sorted(SKIMAGE_GLOBAL))
def test_global_threshold_equals_skimage(image, method):
    trace = T.threshold(image, method)
    expected = SKIMAGE_GLOBAL[method](image)
    assert trace.threshold == pytest.approx(float(expected), abs=1e-9)
    np.testing.assert_array_equal(trace.mask, image > expected)
    assert trace.warnings == ()


@pytest.mark.parametrize("method", sorted(SKIMAGE_GLOBAL))
def test_dark_polarity_is_the_complement(method):
    image = _image("coins")
    bright = T.threshold(image, method)
    dark = T.threshold(image, method, polarity=T.DARK)
    assert dark.threshold == bright.threshold
    np.testing.assert_array_equal(dark.mask, image <= bright.threshold)


def test_minimum_equals_skimage_or_warns(image):
    trace = T.threshold_minimum(image)
    try:
        expected = filters.threshold_minimum(image)
    except RuntimeError:
        assert trace.warnings and "mean" in trace.warnings[0]
        assert trace.threshold == pytest.approx(image.mean())
    else:
        assert trace.threshold == expected
        assert trace.warnings == ()
    assert 1 <= len(trace.steps) <= T.DEFAULT_MAX_STEPS + 1


def test_minimum_fails_gracefully_on_a_unimodal_texture():
    trace = T.threshold_minimum(data.grass())
    with pytest.raises(RuntimeError):
        filters.threshold_minimum(data.grass())
    assert trace.warnings and trace.mask.any()


# --------------------------------------------------------------------------
# Otsu: the criterion curve and its terms
# --------------------------------------------------------------------------

def test_otsu_curve_is_total_minus_within_class_variance(image):
    counts = T.histogram(image)
    curve = T.otsu_criterion(counts)
    levels = image.astype(np.float64).ravel()
    for t in np.quantile(levels, [0.2, 0.5, 0.8]).astype(int):
        low, high = levels[levels <= t], levels[levels > t]
        within = (low.size * low.var() + high.size * high.var()) / levels.size
        assert curve[t] == pytest.approx(levels.var() - within, rel=1e-9)
    trace = T.threshold_otsu(image)
    assert trace.threshold == np.argmax(curve)
    np.testing.assert_array_equal(trace.criterion, curve)


def test_otsu_curve_is_skimage_variance_up_to_scale():
    image = _image("camera")
    counts = T.histogram(image)
    lo, hi = np.flatnonzero(counts)[[0, -1]]
    c = counts[lo:hi + 1].astype(np.float64)
    centers = np.arange(lo, hi + 1)
    w1, w2 = np.cumsum(c), np.cumsum(c[::-1])[::-1]
    m1 = np.cumsum(c * centers) / w1
    m2 = (np.cumsum((c * centers)[::-1]) / w2[::-1])[::-1]
    skimage_curve = w1[:-1] * w2[1:] * (m1[:-1] - m2[1:]) ** 2 / c.sum() ** 2
    np.testing.assert_allclose(T.otsu_criterion(counts)[lo:hi], skimage_curve, rtol=1e-10)


def test_otsu_terms_match_the_curve_and_the_mask():
    image = _image("coins")
    counts = T.histogram(image)
    curve = T.otsu_criterion(counts)
    for t in (60, 107, 150):
        terms = T.otsu_terms(counts, t)
        low, high = image[image <= t], image[image > t]
        assert terms["omega0"] == pytest.approx(low.size / image.size)
        assert terms["omega1"] == pytest.approx(high.size / image.size)
        assert terms["mu0"] == pytest.approx(low.mean())
        assert terms["mu1"] == pytest.approx(high.mean())
        assert terms["sigma_b2"] == pytest.approx(curve[t])


def test_otsu_steps_follow_the_textbook_stages():
    trace = T.threshold_otsu(_image("camera"))
    assert [s.name for s in trace.steps] == [
        "histogram", "class probabilities", "class means", "between-class variance", "threshold"]
    assert trace.steps[-1].metrics["threshold"] == trace.threshold


def test_manual_threshold_reports_class_means_and_warns_outside_the_range():
    image = _image("coins")
    trace = T.threshold_manual(image, 100, polarity=T.DARK)
    np.testing.assert_array_equal(trace.mask, image <= 100)
    assert trace.terms["mu0"] == pytest.approx(image[image <= 100].mean())
    assert T.threshold_manual(image, 255).warnings


# --------------------------------------------------------------------------
# multi-Otsu
# --------------------------------------------------------------------------

@pytest.mark.parametrize("classes", [2, 3, 4])
def test_multiotsu_equals_skimage(image, classes):
    """Equal thresholds, or a float32 near-tie in skimage that our float64 split wins."""
    trace = T.threshold_multiotsu(image, classes)
    expected = filters.threshold_multiotsu(image, classes)
    if not np.array_equal(trace.thresholds, expected):
        counts = T.histogram(image)
        ours = T._between_class_variance(counts, trace.thresholds)
        theirs = T._between_class_variance(counts, expected)
        assert ours >= theirs and ours - theirs < 1e-6 * ours
        expected = trace.thresholds
    np.testing.assert_array_equal(trace.labels, np.digitize(image, expected, right=True))
    assert [s.name for s in trace.steps][1:] == [f"{k} classes" for k in range(2, classes + 1)]


def test_multiotsu_five_classes_equals_skimage():
    image = (_image("coins") // 4).astype(np.uint8)  # 64 levels keep skimage's search quick
    trace = T.threshold_multiotsu(image, 5)
    np.testing.assert_array_equal(trace.thresholds, filters.threshold_multiotsu(image, 5))
    assert trace.labels.max() == 4


def test_two_class_multiotsu_is_otsu():
    image = _image("camera")
    assert T.threshold_multiotsu(image, 2).thresholds[0] == T.threshold_otsu(image).threshold


def _brute_force_three_classes(counts):
    best, best_t = -np.inf, None
    for t0, t1 in combinations(range(np.flatnonzero(counts)[-1]), 2):
        value = T._between_class_variance(counts, [t0, t1])
        if value > best:
            best, best_t = value, (t0, t1)
    return best, best_t


def test_multiotsu_is_optimal_where_skimage_weights_the_first_bin_wrongly():
    rng = np.random.default_rng(3)
    image = np.clip(rng.normal(40, 30, (64, 64)), 0, 255)
    image[20:40, 20:40] += 120
    image = np.clip(image, 0, 255).astype(np.uint8)  # many pixels clipped to 0
    counts = T.histogram(image)
    ours = T.threshold_multiotsu(image, 3)
    best, best_t = _brute_force_three_classes(counts)
    assert tuple(ours.thresholds) == best_t
    assert ours.criterion_value == pytest.approx(best)
    theirs = filters.threshold_multiotsu(image, 3)
    assert T._between_class_variance(counts, theirs) <= best


def test_multiotsu_with_too_few_levels_warns():
    image = np.array([[5, 9]] * 3, np.uint8)
    trace = T.threshold_multiotsu(image, 3)
    assert trace.warnings and trace.thresholds.tolist() == [5.0]
    assert set(np.unique(trace.labels)) == {0, 1}


# --------------------------------------------------------------------------
# iterative methods
# --------------------------------------------------------------------------

def test_isodata_iterates_to_a_fixed_point(image):
    trace = T.threshold_isodata(image)
    np.testing.assert_array_equal(trace.fixed_points,
                                  filters.threshold_isodata(image, return_all=True))
    assert trace.iterated_threshold in trace.fixed_points
    first = trace.steps[0].metrics["threshold"]
    assert first == np.floor(image.mean())
    iterations = [s for s in trace.steps if s.name.startswith("iteration")]
    assert iterations[-1].metrics["threshold"] == trace.iterated_threshold
    for step in iterations:
        t = step.metrics["threshold"]
        assert step.metrics["mu0"] == pytest.approx(image[image <= t].mean())
        assert step.metrics["mu1"] == pytest.approx(image[image > t].mean())


def test_li_iterations_equal_skimage_callback(image):
    visited = []
    expected = filters.threshold_li(image, iter_callback=visited.append)
    trace = T.threshold_li(image)
    assert trace.threshold == expected
    iterations = [s.metrics["threshold"] for s in trace.steps[:-1]]
    np.testing.assert_allclose(iterations + [trace.threshold], visited, rtol=0, atol=1e-9)


def test_li_curve_is_skimage_cross_entropy():
    from skimage.filters.thresholding import _cross_entropy

    image = _image("coins")
    lo = int(image.min())
    curve = T.threshold_li(image).criterion
    shifted = image.astype(np.float64) - lo
    for t in (60, 100, 140):
        assert curve[t] == pytest.approx(_cross_entropy(shifted, t - lo), rel=1e-9)


def test_iteration_recording_is_bounded():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (64, 64)).astype(np.uint8)
    trace = T.threshold_minimum(image)
    assert len(trace.steps) <= T.DEFAULT_MAX_STEPS


# --------------------------------------------------------------------------
# local thresholds
# --------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["gaussian", "mean"])
@pytest.mark.parametrize("block_size", [3, 35])
def test_local_equals_skimage(image, method, block_size):
    trace = T.threshold_local(image, method=method, block_size=block_size, offset=5)
    expected = filters.threshold_local(image, block_size, method, offset=5)
    np.testing.assert_allclose(trace.surface, expected, atol=1e-4)
    np.testing.assert_array_equal(trace.mask, image > expected)
    dark = T.threshold_local(image, method=method, block_size=block_size, offset=5,
                             polarity=T.DARK)
    np.testing.assert_array_equal(dark.mask, image <= expected)


@pytest.mark.parametrize("name", ["niblack", "sauvola"])
@pytest.mark.parametrize("window_size,k", [(15, 0.2), (25, 0.5), (5, -0.1)])
def test_niblack_sauvola_equal_skimage(image, name, window_size, k):
    reference = getattr(filters, f"threshold_{name}")
    ours = getattr(T, f"threshold_{name}")
    dark = ours(image, window_size=window_size, k=k, polarity=T.DARK)
    expected = reference(image, window_size=window_size, k=k)
    np.testing.assert_allclose(dark.surface, expected, atol=1e-4)
    np.testing.assert_array_equal(dark.mask, image <= expected)
    negative = 255 - image
    bright = ours(image, window_size=window_size, k=k)
    expected_negative = reference(negative, window_size=window_size, k=k)
    np.testing.assert_array_equal(bright.mask, negative <= expected_negative)
    np.testing.assert_allclose(bright.surface, 255 - expected_negative, atol=1e-4)


def test_integral_image_stage_equals_window_statistics():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (9, 11)).astype(np.uint8)
    mean, std = T._local_mean_std(image, 5)
    padded = np.pad(image.astype(float), 2, mode="reflect")
    for y, x in [(0, 0), (4, 5), (8, 10), (3, 0)]:
        window = padded[y:y + 5, x:x + 5]
        assert mean[y, x] == pytest.approx(window.mean())
        assert std[y, x] == pytest.approx(window.std())


def test_sauvola_fixes_uneven_light_where_otsu_fails():
    scene = make_scene("shapes_gradient", seed=0)
    otsu = T.threshold_otsu(scene.image).mask
    sauvola = T.threshold_sauvola(scene.image, window_size=75, k=0.1).mask
    assert _iou(scene.foreground, otsu) < 0.8
    assert _iou(scene.foreground, sauvola) > 0.9


def test_sauvola_removes_the_page_background():
    image = data.page()
    global_dark = T.threshold_otsu(image, polarity=T.DARK).mask
    local_dark = T.threshold_sauvola(image, window_size=25, k=0.2, polarity=T.DARK).mask
    # the dark (left) side of the page: Otsu calls most of it ink, Sauvola does not
    assert global_dark[:, :60].mean() > 0.5 > 0.3 > local_dark[:, :60].mean()


# --------------------------------------------------------------------------
# hysteresis
# --------------------------------------------------------------------------

@pytest.mark.parametrize("low,high", [(10, 30), (5, 60), (20, 20)])
def test_hysteresis_equals_skimage(image, low, high):
    trace = T.hysteresis(image, low, high)
    magnitude = filters.sobel(image.astype(float))
    np.testing.assert_array_equal(trace.mask,
                                  filters.apply_hysteresis_threshold(magnitude, low, high))
    assert (magnitude > high)[trace.mask].any() or not trace.mask.any()
    assert [s.name for s in trace.steps] == ["edge magnitude", "weak edges", "strong edges",
                                             "kept edges"]


# --------------------------------------------------------------------------
# try all, dispatcher, degenerate input, validation, pickling
# --------------------------------------------------------------------------

def test_try_all_runs_every_global_method():
    image = _image("camera")
    trace = T.try_all(image)
    assert list(trace.thresholds) == list(T.GLOBAL_METHODS)
    for name in T.GLOBAL_METHODS:
        single = T.threshold(image, name)
        assert trace.thresholds[name] == single.threshold
        np.testing.assert_array_equal(trace.masks[name], single.mask)


@pytest.mark.parametrize("polarity", T.POLARITIES)
@pytest.mark.parametrize("method", sorted(T.METHODS))
def test_constant_image_warns_without_crashing(method, polarity):
    image = np.full((32, 32), 77, np.uint8)
    params = {"manual": {"t": 77}, "hysteresis": {"low": 1, "high": 2},
              "multiotsu": {}}.get(method, {"polarity": polarity})
    with np.errstate(all="raise"):
        trace = T.threshold(image, method, **params)
    assert trace.warnings
    result = trace.labels if method == "multiotsu" else trace.mask
    assert result.shape == image.shape and not result.any()


def test_try_all_on_a_constant_image_gives_one_warning():
    trace = T.try_all(np.zeros((8, 8), np.uint8))
    assert len(trace.warnings) == 1 and trace.warnings[0].startswith("otsu, isodata")


@pytest.mark.parametrize("call,argument", [
    (lambda: T.threshold_otsu(np.zeros((4, 4, 3), np.uint8)), "image"),
    (lambda: T.threshold_otsu(np.zeros((4, 4), np.float32)), "image"),
    (lambda: T.threshold_otsu(np.zeros((0, 4), np.uint8)), "image"),
    (lambda: T.threshold_otsu(np.zeros((4, 4), np.uint8), polarity="up"), "polarity"),
    (lambda: T.threshold_manual(np.zeros((4, 4), np.uint8), 300), "t"),
    (lambda: T.threshold_multiotsu(np.zeros((4, 4), np.uint8), 6), "classes"),
    (lambda: T.threshold_local(np.zeros((4, 4), np.uint8), block_size=4), "block_size"),
    (lambda: T.threshold_local(np.zeros((4, 4), np.uint8), method="median"), "method"),
    (lambda: T.threshold_sauvola(np.zeros((4, 4), np.uint8), window_size=1), "window_size"),
    (lambda: T.threshold_sauvola(np.zeros((4, 4), np.uint8), r=0), "r"),
    (lambda: T.hysteresis(np.zeros((4, 4), np.uint8), 5, 1), "low"),
    (lambda: T.threshold(np.zeros((4, 4), np.uint8), "magic"), "method"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, argument):
    with pytest.raises(ValueError, match=f"^{argument}:"):
        call()


def test_dispatcher_passes_the_local_weighting_through():
    image = _image("coins")
    via = T.threshold(image, "local", method="mean", block_size=15)
    np.testing.assert_array_equal(via.mask, T.threshold_local(image, method="mean",
                                                              block_size=15).mask)


def test_integer_images_in_range_are_accepted():
    image = np.array([[10, 12], [200, 210]], np.int64)
    assert T.threshold_otsu(image).threshold == 12.0


def test_traces_pickle_for_the_streamlit_cache():
    trace = T.threshold_li(_image("coins"))
    clone = pickle.loads(pickle.dumps(trace))
    np.testing.assert_array_equal(clone.mask, trace.mask)
    assert [s.metrics for s in clone.steps] == [s.metrics for s in trace.steps]
