"""Tests for segcore.classical.features: pixel feature spaces and the filter bank."""

import numpy as np
import pytest
from scipy import ndimage
from skimage import color

from segcore.classical.features import FEATURE_SPACES, filter_bank, pixel_features


@pytest.fixture(scope="module")
def rgb():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)


@pytest.mark.parametrize("space, dim", [("intensity", 1), ("rgb", 3), ("lab", 3), ("texture", 30)])
def test_spaces_have_expected_dimension_and_are_standardised(rgb, space, dim):
    f = pixel_features(rgb, space)
    assert f.values.shape == (24 * 32, dim) and f.dim == dim == len(f.names)
    assert f.values.dtype == np.float32 and f.shape == (24, 32)
    np.testing.assert_allclose(f.values.mean(axis=0), 0, atol=1e-3)
    np.testing.assert_allclose(f.values.std(axis=0), 1, atol=1e-3)


def test_to_raw_inverts_standardisation(rgb):
    f = pixel_features(rgb, "lab")
    np.testing.assert_allclose(f.to_raw(f.values), color.rgb2lab(rgb).reshape(-1, 3), atol=1e-3)
    g = pixel_features(rgb, "rgb")
    np.testing.assert_allclose(g.to_raw(g.values), rgb.reshape(-1, 3), atol=1e-3)


def test_position_columns_are_weighted_coordinates(rgb):
    plain = pixel_features(rgb, "rgb")
    f = pixel_features(rgb, "rgb", position_weight=2.0)
    assert f.names[-2:] == ("x", "y") and f.position_weight == 2.0
    np.testing.assert_array_equal(f.values[:, :3], plain.values)
    np.testing.assert_allclose(f.values[:, 3:].std(axis=0), 2.0, rtol=1e-4)
    x_col = f.values[:, 3].reshape(24, 32)
    assert np.all(np.diff(x_col, axis=1) > 0) and np.all(np.diff(x_col, axis=0) == 0)
    raw = f.to_raw(f.values)[:, 3:]
    yy, xx = np.indices((24, 32))
    np.testing.assert_allclose(raw, np.c_[xx.ravel(), yy.ravel()], atol=1e-3)


def test_gray_image_in_colour_spaces_and_rgb_intensity_is_luminance(rgb):
    gray = rgb[..., 0]
    f = pixel_features(gray, "rgb")
    np.testing.assert_allclose(f.values[:, 0], f.values[:, 2])
    lum = color.rgb2gray(rgb).ravel()
    corr = np.corrcoef(pixel_features(rgb, "intensity").values[:, 0], lum)[0, 1]
    assert corr > 0.9999


def test_constant_image_gives_zero_features_without_nan():
    f = pixel_features(np.full((8, 8), 7, np.uint8), "texture", position_weight=1.0)
    assert np.all(np.isfinite(f.values))
    np.testing.assert_allclose(f.values[:, :30], 0, atol=1e-5)


def test_filter_bank_has_at_least_24_named_responses():
    responses, names = filter_bank(np.zeros((20, 20)))
    assert responses.shape[2] == len(names) == len(set(names)) >= 24
    assert sum(n.startswith("LoG") for n in names) == 3 and sum(n.startswith("G ") for n in names) == 3


def test_filter_bank_steered_derivative_matches_direct_filter():
    rng = np.random.default_rng(1)
    gray = ndimage.gaussian_filter(rng.random((40, 40)), 1) * 255
    raw, names = filter_bank(gray, scales=(2.0,), orientations=(0, 90), energy=False)
    gx = ndimage.gaussian_filter(gray.astype(np.float32), 2.0, order=(0, 1), truncate=3.0) * 2.0
    gyy = ndimage.gaussian_filter(gray.astype(np.float32), 2.0, order=(2, 0), truncate=3.0) * 4.0
    np.testing.assert_allclose(raw[..., names.index("d1 s=2 0deg")], gx, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(raw[..., names.index("d2 s=2 90deg")], gyy, rtol=1e-4, atol=1e-3)


def test_local_energy_responds_to_texture_not_to_flat_region():
    rng = np.random.default_rng(2)
    image = np.full((64, 128), 128.0)
    image[:, 64:] += rng.normal(0, 40, (64, 64))
    energy, names = filter_bank(image)
    d1 = energy[..., names.index("d1 s=1 0deg")]
    assert d1[:, 64 + 30:].mean() > 10 * d1[:, :64 - 30].mean()


@pytest.mark.parametrize("bad, match", [
    (np.zeros((4, 4, 2)), "image"), (np.zeros((1, 5)), "at least"),
    (np.array([[np.nan, 0], [0, 0]]), "NaN"), (np.zeros((4, 4), complex), "real"),
])
def test_invalid_images_raise(bad, match):
    with pytest.raises(ValueError, match=match):
        pixel_features(bad)


def test_invalid_space_and_weight_raise(rgb):
    with pytest.raises(ValueError, match="space"):
        pixel_features(rgb, "hsv")
    with pytest.raises(ValueError, match="position_weight"):
        pixel_features(rgb, "rgb", position_weight=-1)
    assert set(FEATURE_SPACES) == {"intensity", "rgb", "lab", "texture"}
