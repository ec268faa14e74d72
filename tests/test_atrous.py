"""segcore.deep.atrous and segcore.deep.crf: the lecture formulas against torch and by hand."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from segcore import metrics
from segcore.deep import atrous as A
from segcore.deep import crf
from segcore.scenes import make_scene

torch.set_num_threads(1)


# ----------------------------------------------------------------- y[i] = sum_k x[i + r k] w[k]
@pytest.mark.parametrize("rate,kernel,padding",
                         itertools.product((1, 2, 3, 5), (1, 2, 3, 4), (0, 2)))
def test_conv1d_equals_torch(rate, kernel, padding):
    rng = np.random.default_rng(rate * 10 + kernel)
    x, w = rng.normal(size=40), rng.normal(size=kernel)
    ours = A.dilated_conv1d(x, w, rate=rate, padding=padding)
    ref = F.conv1d(torch.from_numpy(x)[None, None], torch.from_numpy(w)[None, None],
                   dilation=rate, padding=padding)[0, 0].numpy()
    np.testing.assert_allclose(ours.y, ref, atol=1e-12)
    assert ours.span == (rate * (kernel - 1) + 1,)
    assert len(ours.steps) == kernel  # one step per tap
    np.testing.assert_allclose(ours.steps[-1].data, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("rate,shape,padding", [(1, (3, 3), 0), (2, (3, 3), 2), (4, (3, 2), 1),
                                                 (6, (3, 3), 6), (3, (5, 5), 0)])
def test_conv2d_equals_torch(rate, shape, padding):
    rng = np.random.default_rng(rate)
    x, w = rng.normal(size=(31, 27)), rng.normal(size=shape)
    ours = A.dilated_conv2d(x, w, rate=rate, padding=padding)
    ref = F.conv2d(torch.from_numpy(x)[None, None], torch.from_numpy(w)[None, None],
                   dilation=rate, padding=padding)[0, 0].numpy()
    np.testing.assert_allclose(ours.y, ref, atol=1e-12)
    assert len(ours.steps) == w.size


def test_conv1d_by_hand_and_rate_one_is_ordinary_correlation():
    x = np.array([1.0, 2, 3, 4, 5, 6])
    assert A.dilated_conv1d(x, [1, -1], rate=3).y.tolist() == [-3, -3, -3]
    np.testing.assert_allclose(A.dilated_conv1d(x, [1, 2, 3]).y,
                               np.correlate(x, [1, 2, 3], "valid"))


def test_conv_constant_input_warns_and_stays_finite():
    t = A.dilated_conv2d(np.full((8, 8), 3.0), np.ones((3, 3)), rate=2)
    assert t.warnings and np.all(t.y == 27.0)


@pytest.mark.parametrize("kwargs,word", [
    (dict(x=np.ones(10), w=np.ones(3), rate=0), "rate"),
    (dict(x=np.ones(10), w=np.ones(3), rate=1.5), "rate"),
    (dict(x=np.ones(10), w=np.ones(3), padding=-1), "padding"),
    (dict(x=np.ones(5), w=np.ones(3), rate=3), "spans"),
    (dict(x=np.ones((4, 4)), w=np.ones(3)), "x must"),
    (dict(x=np.ones(10), w=np.ones((3, 3))), "w must"),
    (dict(x=np.array([1.0, np.nan, 1, 1]), w=np.ones(2)), "finite"),
    (dict(x=np.ones(0), w=np.ones(1)), "x must"),
])
def test_conv_validation_names_the_argument(kwargs, word):
    with pytest.raises(ValueError, match=word):
        A.dilated_conv1d(**kwargs)


# ----------------------------------------------------------------- receptive fields
def _offsets_1d(layers):
    """The exact 1-D input offsets a unit reaches: all sums of t_l r_l prod_{j<l} s_j."""
    offsets, jump = {0}, 1
    for layer in layers:
        offsets = {o + t * layer.dilation * jump for o in offsets for t in range(layer.kernel)}
        jump *= layer.stride
    return np.array(sorted(offsets))


def _support_offsets(influence):
    rows = np.flatnonzero(influence.any(axis=1))
    cols = np.flatnonzero(influence.any(axis=0))
    return rows - rows[0], cols - cols[0], influence[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def _check_support(layers):
    t = A.receptive_field(layers)
    expected = _offsets_1d(layers)
    rows, cols, box = _support_offsets(t.influence)
    support_rows = np.flatnonzero(box.any(axis=1))
    np.testing.assert_array_equal(support_rows, expected)
    np.testing.assert_array_equal(np.flatnonzero(box.any(axis=0)), expected)
    # a square stack is separable: the 2-D support is the outer product of the 1-D ones
    mask_1d = np.zeros(box.shape[0], bool)
    mask_1d[expected] = True
    np.testing.assert_array_equal(box > 0, np.outer(mask_1d, mask_1d))
    assert t.rf == t.rf_measured == A.receptive_field_size(layers) == expected[-1] + 1
    return t


@pytest.mark.parametrize("name", list(A.PRESETS))
def test_measured_influence_equals_formula_for_presets(name):
    t = _check_support(A.PRESETS[name])
    assert len(t.steps) == len(A.PRESETS[name])
    rfs = [s.metrics["rf"] for s in t.steps]
    assert rfs == sorted(rfs) and rfs[-1] == t.rf
    assert all(s.metrics["rf"] == s.metrics["rf_measured"] for s in t.steps)


def test_measured_influence_equals_formula_for_random_stacks():
    rng = np.random.default_rng(7)
    for _ in range(12):
        layers = [A.Layer(int(rng.integers(1, 5)), int(rng.integers(1, 4)), int(rng.integers(1, 3)))
                  for _ in range(int(rng.integers(1, 4)))]
        _check_support(layers)


def test_preset_numbers_from_the_lecture():
    assert A.receptive_field_size(A.PRESETS["plain"]) == 9  # 1 + 4 * 2
    exp = A.receptive_field(A.PRESETS["exponential"])
    assert [s.metrics["rf"] for s in exp.steps] == [3, 7, 15, 31]  # 2^(l+1) - 1
    assert exp.holes == 0 and exp.weights == 36
    big = A.receptive_field(A.PRESETS["big kernel"])
    assert big.rf == exp.rf and big.weights == 961  # same RF, 27x the weights
    grid = A.receptive_field(A.PRESETS["gridding"])
    assert grid.rf == 13 and grid.holes == 13 ** 2 - 7 ** 2  # only even offsets are reached
    assert A.receptive_field(A.PRESETS["hybrid"]).holes == 0  # rates 1-2-3 fill the holes
    fcn = A.receptive_field(A.PRESETS["fcn encoder"])
    assert fcn.jump == 8 and fcn.weights == 27 and fcn.rf == 22


def test_influence_counts_paths_and_peaks_in_the_centre():
    t = A.receptive_field(A.PRESETS["plain"])
    _, _, box = _support_offsets(t.influence)
    assert box.sum() == 9 ** 4  # every path through four 3x3 all-ones layers
    assert box[4, 4] == box.max() > box[0, 0] == 1


def test_effective_receptive_field_holds_half_the_paths():
    # 1-D path counts of four 3-tap layers: coefficients of (1 + x + x^2)^4
    counts = np.array([1, 4, 10, 16, 19, 16, 10, 4, 1])
    inner = {side: counts[(9 - side) // 2:(9 + side) // 2].sum() ** 2 / 81 ** 2 for side in (3, 5)}
    assert inner[3] < A.ERF_SHARE <= inner[5]
    assert A.receptive_field(A.PRESETS["plain"]).erf == 5
    assert A.receptive_field(A.PRESETS["big kernel"]).erf == 23  # uniform: 23^2 >= 961 / 2 > 21^2
    for layers in A.PRESETS.values():
        t = A.receptive_field(layers)
        assert all(s.metrics["erf"] <= s.metrics["rf"] for s in t.steps)


@pytest.mark.parametrize("layers,word", [([], "at least one"), ([(3, 1, 1)], "Layer"),
                                         ([A.Layer(0)], ">= 1"), ([A.Layer(3, kind="fc")], "kind")])
def test_receptive_field_validation(layers, word):
    with pytest.raises(ValueError, match=word):
        A.receptive_field(layers)


def test_sampling_offsets():
    off = A.sampling_offsets(3, 12)
    assert off.shape == (9, 2) and off.max() == 12 and off.min() == -12
    assert set(map(tuple, off)) == {(a, b) for a in (-12, 0, 12) for b in (-12, 0, 12)}
    with pytest.raises(ValueError, match="odd"):
        A.sampling_offsets(4, 1)


# ----------------------------------------------------------------- ASPP
def _two_squares():
    img = np.zeros((96, 96))
    img[20:23, 20:23] = 1.0  # 3 px square
    img[50:80, 50:80] = 1.0  # 30 px square
    return img


def test_aspp_larger_rates_reach_deeper_into_larger_structures():
    t = A.aspp(_two_squares(), rates=(1, 6, 12), output_stride=1)
    assert t.reach[20, 21] == 1  # the small square's rim: rate 1 sees the outside
    assert t.reach[21, 21] == 2  # its centre: the rate-1 ring lies inside, rate 6 reaches out
    # from the big square's top edge inwards: the first rate that sees the outside grows
    column = t.reach[50:66, 65]
    assert column[0] == 1 and column[5] == 2 and column[11] == 3 and column[15] == 0
    nonzero = column[column > 0]
    assert np.all(np.diff(nonzero) >= 0)
    assert [s.name for s in t.steps] == ["rate 1", "rate 6", "rate 12", A.IMAGE_POOLING,
                                         "first rate to respond"]
    assert np.allclose(t.pooling, _two_squares().mean())
    assert t.share.sum() == pytest.approx(1.0 - np.mean(t.reach == 0))


def test_aspp_branch_is_the_padded_atrous_conv_on_the_feature_map():
    img = np.random.default_rng(0).random((40, 42))
    t = A.aspp(img, rates=(3,), kernel="vertical edge", output_stride=4)
    features = img[:40, :40].reshape(10, 4, 10, 4).mean(axis=(1, 3))
    np.testing.assert_allclose(t.features, features)
    padded = np.pad(features, 3, mode="reflect")
    ref = F.conv2d(torch.from_numpy(padded)[None, None],
                   torch.from_numpy(A.ASPP_KERNELS["vertical edge"])[None, None], dilation=3)
    np.testing.assert_allclose(t.responses[0], ref[0, 0].numpy(), atol=1e-12)
    assert t.labels.shape == img.shape
    np.testing.assert_array_equal(t.labels[::4, :40:4], t.reach)


def test_aspp_uint8_rgb_and_constant():
    rgb = np.zeros((32, 32, 3), np.uint8)
    t = A.aspp(rgb, rates=(1, 2))
    assert t.warnings and np.all(t.labels == 0) and t.labels.shape == (32, 32)


@pytest.mark.parametrize("kwargs,word", [
    (dict(rates=(8,)), "rate 8"), (dict(rates=()), "rates"), (dict(rates=(0,)), "rates"),
    (dict(kernel="sobel"), "kernel"), (dict(output_stride=0), "output_stride"),
    (dict(output_stride=32), "2 x 2"), (dict(level=0.0), "level")])
def test_aspp_validation(kwargs, word):
    with pytest.raises(ValueError, match=word):
        A.aspp(np.zeros((32, 32)), **kwargs)


# ----------------------------------------------------------------- dense CRF
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_crf_improves_miou_on_shapes(seed):
    scene = make_scene("shapes", seed=seed, size=256)  # the page's scene size
    n = len(scene.class_names)
    probs = crf.coarse_scores(scene.semantic, n, factor=8, random_state=seed)
    t = crf.dense_crf(scene.image, probs, iterations=5, ground_truth=scene.semantic)
    before = metrics.mean_iou(scene.semantic, t.initial, n)
    after = metrics.mean_iou(scene.semantic, t.labels, n)
    assert after > before + 0.15, (before, after)
    assert t.steps[0].metrics["miou"] == pytest.approx(before)
    assert t.steps[-1].metrics["miou"] == pytest.approx(after)
    assert len(t.steps) == 6
    np.testing.assert_allclose(t.q.sum(axis=0), 1.0)


@pytest.mark.parametrize("name", ["shapes", "street"])
def test_scene_crf_is_coarse_scores_then_dense_crf_in_scene_class_ids(name):
    scene = make_scene(name, seed=0, size=64)
    void = scene.has_void
    target = np.where(scene.semantic == 0, metrics.IGNORE, scene.semantic - 1) if void \
        else scene.semantic
    probs = crf.coarse_scores(target, scene.num_classes - void, factor=4, noise=1.0,
                              ignore_index=metrics.IGNORE if void else None, random_state=3)
    direct = crf.dense_crf(scene.image, probs, iterations=3, w_spatial=2.0, w_bilateral=4.0)
    result = crf.scene_crf(scene.image, scene, factor=4, noise=1.0, iterations=3,
                           w_spatial=2.0, w_bilateral=4.0, random_state=3)
    assert result.shift == int(void)
    np.testing.assert_array_equal(result.labels, direct.labels + void)
    np.testing.assert_array_equal(result.initial, direct.initial + void)
    assert result.labels.min() >= int(void) and result.labels.max() < scene.num_classes


def test_crf_zero_iterations_is_the_network_argmax():
    probs = np.random.default_rng(0).random((3, 20, 20))
    t = crf.dense_crf(np.zeros((20, 20), np.uint8), probs, iterations=0)
    np.testing.assert_array_equal(t.labels, np.argmax(probs, axis=0))
    assert t.warnings  # constant guide image


def test_crf_bilateral_message_is_a_weighted_average():
    guide = np.random.default_rng(1).random((24, 24))
    grid = crf._bilateral_grid(guide, 4.0, 0.2)
    q = np.full((2, 24, 24), 0.5)
    np.testing.assert_allclose(crf._bilateral_message(q, grid), 0.5)


@pytest.mark.parametrize("kwargs,word", [
    (dict(probs=np.ones((1, 8, 8))), "C >= 2"), (dict(probs=np.ones((2, 8, 9))), "matching"),
    (dict(probs=-np.ones((2, 8, 8))), "non-negative"), (dict(iterations=99), "iterations"),
    (dict(sigma_xy=0.0), "sigma_xy"), (dict(w_spatial=-1.0), "w_spatial"),
    (dict(ground_truth=np.zeros((4, 4), int)), "ground_truth")])
def test_crf_validation(kwargs, word):
    args = dict(image=np.zeros((8, 8)), probs=np.ones((2, 8, 8)))
    args.update(kwargs)
    with pytest.raises(ValueError, match=word):
        crf.dense_crf(args.pop("image"), args.pop("probs"), **args)


def test_coarse_scores_validation():
    with pytest.raises(ValueError, match="labels"):
        crf.coarse_scores(np.full((4, 4), 3), 2)


def test_rgb_uint8_is_scaled_before_the_colour_average():
    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, (48, 48, 3)).astype(np.uint8)
    gray = rgb.astype(np.float64).mean(axis=2) / 255.0
    np.testing.assert_allclose(A.aspp(rgb, rates=(1, 4)).responses,
                               A.aspp(gray, rates=(1, 4)).responses)
    probs = crf.coarse_scores(rng.integers(0, 3, (48, 48)), 3, random_state=0)
    np.testing.assert_array_equal(crf.dense_crf(rgb, probs, iterations=2).labels,
                                  crf.dense_crf(gray, probs, iterations=2).labels)


def test_crf_rejects_a_guide_with_too_many_intensity_cells():
    with pytest.raises(ValueError, match="intensity"):
        crf.dense_crf(np.linspace(0, 255, 64).reshape(8, 8), np.ones((2, 8, 8)))


def test_coarse_scores_fill_void_from_the_nearest_label_and_crf_ignores_it():
    labels = np.zeros((32, 32), int)
    labels[:, 16:] = 1
    labels[:, 14:18] = metrics.IGNORE  # a void band between the two classes
    probs = crf.coarse_scores(labels, 2, factor=1, noise=0.0, ignore_index=metrics.IGNORE)
    pred = np.argmax(probs, axis=0)
    assert np.all(pred[:, :16] == 0) and np.all(pred[:, 16:] == 1)
    t = crf.dense_crf(np.zeros((32, 32)), probs, iterations=1, ground_truth=labels,
                      ignore_index=metrics.IGNORE)
    assert t.steps[0].metrics["miou"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="all ignore_index"):
        crf.coarse_scores(np.full((4, 4), 9), 2, ignore_index=9)
