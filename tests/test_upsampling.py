"""segcore.deep.upsampling against torch.nn.functional and scikit-image."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from skimage.transform import rescale

from segcore.deep import upsampling as U

torch.set_num_threads(1)


def _t(x):
    return torch.from_numpy(np.asarray(x, np.float64))[None, None]


@pytest.fixture
def coarse():
    return np.random.default_rng(3).normal(size=(5, 7))


@pytest.mark.parametrize("factor", [1, 2, 3, 4])
def test_nearest_equals_torch_and_skimage(coarse, factor):
    y = U.upsample_nearest(coarse, factor).y
    ref = F.interpolate(_t(coarse), scale_factor=factor, mode="nearest")[0, 0].numpy()
    np.testing.assert_array_equal(y, ref)
    sk = rescale(coarse, factor, order=0, mode="edge", anti_aliasing=False, preserve_range=True)
    np.testing.assert_array_equal(y, sk)


@pytest.mark.parametrize("factor", [2, 3, 4, 8])
def test_bilinear_equals_torch_and_skimage(coarse, factor):
    trace = U.upsample_bilinear(coarse, factor)
    ref = F.interpolate(_t(coarse), scale_factor=factor, mode="bilinear",
                        align_corners=False)[0, 0].numpy()
    np.testing.assert_allclose(trace.y, ref, atol=1e-12)
    sk = rescale(coarse, factor, order=1, mode="edge", anti_aliasing=False, preserve_range=True)
    np.testing.assert_allclose(trace.y, sk, atol=1e-12)
    assert [s.name for s in trace.steps] == ["interpolate along rows", "interpolate along columns"]


def test_bilinear_weights_of_factor_two_are_quarter_three_quarter():
    # output pixels sit at u = i/2 - 1/4: weights 3/4 and 1/4 (lecture's interpolation picture)
    np.testing.assert_allclose(U.upsample_bilinear(np.zeros((2, 2)), 2).weights, [0.75, 0.25])


@pytest.mark.parametrize("kernel_shape,stride,padding", [((3, 3), 2, 0), ((3, 3), 2, 1),
                                                          ((4, 4), 2, 1), ((2, 2), 2, 0),
                                                          ((3, 3), 1, 0), ((5, 3), 3, 2),
                                                          ((16, 16), 8, 4)])
def test_transposed_conv_equals_torch(coarse, kernel_shape, stride, padding):
    kernel = np.random.default_rng(1).normal(size=kernel_shape)
    trace = U.transposed_conv2d(coarse, kernel, stride, padding)
    ref = F.conv_transpose2d(_t(coarse), _t(kernel), stride=stride, padding=padding)[0, 0].numpy()
    np.testing.assert_allclose(trace.y, ref, atol=1e-12)
    assert trace.y.shape == tuple(U.transposed_output_size(n, k, stride, padding)
                                  for n, k in zip(coarse.shape, kernel_shape))


def test_transposed_conv_records_the_stamps():
    trace = U.transposed_conv2d(np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((2, 2)), 2)
    assert len(trace.steps) == 4
    first = trace.steps[0].data
    assert first[:2, :2].sum() == 4 and first[2:, 2:].sum() == 0  # only x[0, 0] stamped
    np.testing.assert_array_equal(trace.steps[-1].data, trace.y)
    assert trace.steps[2].metrics == {"row": 1.0, "col": 0.0, "value": 3.0}


def test_stamp_steps_are_bounded():
    trace = U.transposed_conv2d(np.ones((20, 20)), np.ones((3, 3)), 2)
    assert len(trace.steps) <= U.MAX_STAMP_STEPS and trace.total_steps == 400


def test_lecture_1d_learned_upsampling_is_linear_interpolation():
    # y[i] = sum_k w[k] x[(i - k)/2], w = (1/2, 1, 1/2): even i copy, odd i average
    x = np.array([[2.0, 4.0, 8.0]])
    y = U.transposed_conv2d(x, np.array([[0.5, 1.0, 0.5]]), stride=2, padding=0).y[0]
    np.testing.assert_allclose(y, [1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 4.0])


def test_fcn_bilinear_kernel_reproduces_bilinear_interpolation_inside(coarse):
    for f in (2, 4, 8):
        y = U.transposed_conv2d(coarse, U.bilinear_kernel(2 * f), f, f // 2).y
        ref = U.upsample_bilinear(coarse, f).y
        assert y.shape == ref.shape
        np.testing.assert_allclose(y[f:-f, f:-f], ref[f:-f, f:-f], atol=1e-12)


def test_bilinear_kernel_is_a_separable_tent():
    k = U.bilinear_kernel(3)
    np.testing.assert_allclose(k, np.outer([0.5, 1, 0.5], [0.5, 1, 0.5]))
    assert U.bilinear_kernel(4).sum() == pytest.approx(4.0)  # stride 2: each pixel gets weight 1


@pytest.mark.parametrize("k,s,uneven", [(3, 2, True), (4, 2, False), (2, 2, False),
                                        (5, 2, True), (6, 3, False), (4, 3, True)])
def test_checkerboard_when_stride_does_not_divide_kernel(k, s, uneven):
    trace = U.stamp_coverage(k, s, n=10)
    assert trace.uneven is uneven
    assert bool(trace.warnings) is uneven


def test_checkerboard_pattern_of_k3_s2():
    cov = U.stamp_coverage(3, 2, n=6).coverage
    np.testing.assert_array_equal(cov[4:8, 4:8], [[4, 2, 4, 2], [2, 1, 2, 1],
                                                  [4, 2, 4, 2], [2, 1, 2, 1]])


def test_max_pool_and_unpool_equal_torch():
    x = np.random.default_rng(0).normal(size=(8, 10))
    pooled = U.max_pool_switches(x, 2)
    ref, ref_idx = F.max_pool2d(_t(x), 2, return_indices=True)
    np.testing.assert_array_equal(pooled.pooled, ref[0, 0].numpy())
    np.testing.assert_array_equal(pooled.indices, ref_idx[0, 0].numpy())
    values = np.random.default_rng(1).normal(size=pooled.pooled.shape)
    un = U.max_unpool(values, pooled.indices, x.shape)
    ref_un = F.max_unpool2d(_t(values), ref_idx, 2, output_size=x.shape)[0, 0].numpy()
    np.testing.assert_array_equal(un.y, ref_un)
    assert un.switches.sum() == values.size
    # the values go back exactly where the maxima were
    np.testing.assert_array_equal(np.flatnonzero(un.switches), np.sort(pooled.indices.ravel()))


def test_unpooling_puts_the_max_back_in_place():
    x = np.array([[1.0, 9.0, 0.0, 0.0], [2.0, 3.0, 0.0, 7.0]])
    pooled = U.max_pool_switches(x, 2)
    y = U.max_unpool(pooled.pooled, pooled.indices, x.shape).y
    np.testing.assert_array_equal(y, [[0, 9, 0, 0], [0, 0, 0, 7]])
    assert pooled.steps[0].data["switches"].sum() == 2


def test_compare_methods_shapes_and_warning():
    crop = np.random.default_rng(2).uniform(0, 255, (16, 16))
    trace = U.compare_methods(crop, 2, kernel_size=4, stride=2, padding=1)
    assert [s.name for s in trace.steps] == list(U.METHODS)
    assert all(v.shape == (16, 16) for v in trace.outputs.values())
    assert trace.coarse.shape == (8, 8) and not trace.warnings
    bad = U.compare_methods(crop, 2, kernel_size=3, stride=2, padding=1, init="uniform")
    assert bad.warnings and bad.outputs["transposed"].shape == (15, 15)
    flat = U.compare_methods(np.full((16, 16), 100.0), 2, kernel_size=3, stride=2, padding=1,
                             init="uniform").outputs["transposed"]
    assert flat[4:10, 4:10].std() > 10  # constant input, checkerboard output


@pytest.mark.parametrize("call", [
    lambda: U.upsample_nearest(np.zeros(3), 2),
    lambda: U.upsample_bilinear(np.zeros((2, 2)), 0),
    lambda: U.upsample_bilinear([[np.nan]], 2),
    lambda: U.transposed_conv2d(np.zeros((2, 2)), np.ones((3, 3)), 2, 3),
    lambda: U.max_pool_switches(np.zeros((1, 1)), 2),
    lambda: U.max_unpool([[1.0]], [[4]], (2, 2)),
    lambda: U.compare_methods(np.zeros((4, 4)), init="random"),
])
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()
