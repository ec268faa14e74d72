"""segcore.images: decoding the malformed corpus, downscaling, conversions, samples."""

from __future__ import annotations

import doctest
import io
import struct
from pathlib import Path

import numpy as np
import pytest
import skimage.color
import skimage.data
import skimage.data._fetchers as skimage_fetchers
from PIL import Image, ImageFile

from segcore import images
from tests.data.make_malformed import png_with_header
from segcore.images import SAMPLES, load_image, load_sample, to_gray, to_rgb

CORPUS = Path(__file__).parent / "data" / "malformed"
RED, GREEN, BLUE, WHITE = [255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]
# Phrases of raw Pillow / Python messages that must never reach a student.
RAW_PHRASES = ("cannot identify", "_io.", "BytesIO", "PIL", "Errno", "decompression bomb",
               "Traceback", "broken data stream")


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def encoded(array: np.ndarray, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def student_error(data: bytes, **kwargs) -> str:
    """The ValueError message load_image raises; checks it is plain words."""
    with pytest.raises(ValueError) as info:
        load_image(data, **kwargs)
    message = str(info.value)
    for phrase in RAW_PHRASES:
        assert phrase.lower() not in message.lower(), message
    assert message[0].isupper() and message.endswith("."), message
    return message


def assert_quadrants(image: np.ndarray, top_left, top_right, bottom_left, bottom_right,
                     atol: int = 0) -> None:
    assert image.shape == (24, 32, 3) and image.dtype == np.uint8
    for (row, col), expected in zip([(0, 0), (0, -1), (-1, 0), (-1, -1)],
                                    [top_left, top_right, bottom_left, bottom_right]):
        assert np.abs(image[row, col].astype(int) - expected).max() <= atol, (row, col)


# --------------------------------------------------------------------------
# the corpus: refused files
# --------------------------------------------------------------------------

@pytest.mark.parametrize("name, words", [
    ("empty.png", ["empty", "0 bytes", "PNG, JPEG, TIFF, BMP, WebP or GIF"]),
    ("text.png", ["not an image", "PNG, JPEG, TIFF, BMP, WebP or GIF"]),
    ("truncated.png", ["truncated or corrupt", "Re-save"]),
    ("truncated.jpg", ["truncated or corrupt", "Re-save"]),
    ("zero_width.png", ["truncated or corrupt", "PNG"]),
    ("huge_header.png", ["40000 x 40000 = 1600 Mpx", "at most 40 Mpx"]),
    ("one_pixel.png", ["1 x 1", "too small", "at least 8 x 8"]),
])
def test_corpus_refusals_are_plain_words(name, words):
    message = student_error(corpus(name))
    for word in words:
        assert word in message


def test_not_an_image_message_is_exactly_the_documented_one():
    assert student_error(corpus("text.png")) == (
        "This file is not an image SegLab can read (PNG, JPEG, TIFF, BMP, WebP or GIF).")


@pytest.mark.parametrize("data", [b"GIF", b"RIFF\x00\x00\x00\x00WAVE", b"%PDF-1.7", b"\x00" * 64,
                                  b"<svg xmlns='http://www.w3.org/2000/svg'/>"])
def test_other_content_is_not_an_image(data):
    assert "not an image" in student_error(data)


def test_corpus_files_are_tiny():
    sizes = {path.name: path.stat().st_size for path in CORPUS.iterdir()}
    assert sizes["huge_header.png"] < 100
    assert max(sizes.values()) < 4096, sizes


# --------------------------------------------------------------------------
# the pixel cap is checked from the header, before decoding
# --------------------------------------------------------------------------

@pytest.fixture
def no_full_decode(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise AssertionError("load_image decoded pixels of an over-sized image")
    monkeypatch.setattr(Image.Image, "load", refuse)
    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("width, height, shown", [
    (40_000, 40_000, "40000 x 40000 = 1600 Mpx"),  # Pillow's bomb error fires first
    (7_500, 6_000, "7500 x 6000 = 45.0 Mpx"),      # between our cap and Pillow's error
    (40_000_001, 1, "40000001 x 1 = 40.0 Mpx"),    # one pixel over the cap
])
def test_pixel_cap_never_decodes(no_full_decode, width, height, shown):
    message = student_error(png_with_header(width, height))
    assert shown in message and "at most 40 Mpx" in message


def huge_jpeg() -> bytes:
    data = bytearray(encoded(np.zeros((16, 16), np.uint8), "JPEG"))
    start_of_frame = data.find(b"\xff\xc0")
    data[start_of_frame + 5:start_of_frame + 9] = struct.pack(">HH", 40_000, 40_000)
    return bytes(data)


def huge_gif() -> bytes:
    size = struct.pack("<HH", 40_000, 40_000)
    return (b"GIF89a" + size + b"\x00\x00\x00" + b"," + b"\x00" * 4 + size + b"\x00"
            + b"\x08\x01\x00\x00;")


def huge_bmp() -> bytes:
    info = struct.pack("<IiiHHIIiiII", 40, 40_000, 40_000, 1, 24, 0, 0, 0, 0, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + len(info), 0, 0, 14 + len(info)) + info


@pytest.mark.parametrize("data", [huge_jpeg(), huge_gif(), huge_bmp()], ids=["jpeg", "gif", "bmp"])
def test_pixel_cap_from_other_headers(no_full_decode, data):
    assert "40000 x 40000 = 1600 Mpx" in student_error(data)


def test_no_full_decode_fixture_bites(no_full_decode):
    with pytest.raises(AssertionError):
        load_image(corpus("quadrants.bmp"))


def test_pixel_cap_names_the_constant():
    assert images.MAX_PIXELS == 40_000_000
    assert Image.MAX_IMAGE_PIXELS == images.MAX_PIXELS  # Pillow's guard is on


def test_bomb_warning_promoted_to_error_still_gives_the_cap_message(no_full_decode):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        assert "7500 x 6000" in student_error(png_with_header(7_500, 6_000))


# --------------------------------------------------------------------------
# the corpus: odd but valid files
# --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["gray16.tif", "float01.tif"])
def test_full_range_ramps_map_to_0_255(name):
    image = load_image(corpus(name))
    expected = np.rint(np.linspace(0, 255, 32))
    assert image.shape == (24, 32) and image.dtype == np.uint8
    np.testing.assert_allclose(image[5], expected, atol=1)
    assert image.min() == 0 and image.max() == 255


def test_sixteen_bit_is_divided_by_257():
    values = np.array([[0, 257, 25700, 65535] * 2] * 8, np.uint16)
    image = load_image(encoded(values, "TIFF"))
    assert image[0].tolist() == [0, 1, 100, 255] * 2


def test_sixteen_bit_png_and_wider_integers():
    png = load_image(encoded(np.tile(np.array([0, 514, 65535, 32896], np.uint16), (8, 2))))
    assert png[0, :4].tolist() == [0, 2, 255, 128]
    wide = np.tile(np.array([0, 65536, 131071, 100], np.int32), (8, 2))  # 17 bits
    assert load_image(encoded(wide, "TIFF"))[0, :4].tolist() == [0, 128, 255, 0]


def test_twelve_bit_fills_the_range():
    image = load_image(corpus("gray12.tif"))
    assert image.dtype == np.uint8 and image.min() == 0 and image.max() == 255
    assert np.all(np.diff(image[0].astype(int)) >= 0)


def test_eight_bit_values_in_sixteen_bits_are_kept():
    values = np.tile(np.arange(0, 256, 8, dtype=np.uint16), (8, 1))
    image = load_image(encoded(values, "TIFF"))
    np.testing.assert_array_equal(image, values)


def test_wide_float_range_is_stretched():
    image = load_image(corpus("float_wide.tif"))  # ramp -10 .. 40
    assert image.shape == (24, 32)
    assert image[0, 0] == 0 and image[0, -1] == 255
    assert abs(int(image[0, 16]) - 255 * (50 / 31 * 16) / 50) <= 1


def test_float_nan_and_constant_images():
    with_nan = np.full((8, 8), 0.5, np.float32)
    with_nan[0, 0], with_nan[0, 1] = np.nan, np.inf
    image = load_image(encoded(with_nan, "TIFF"))
    assert image[0, 0] == 128 and image[0, 1] == 128 and image[4, 4] == 128
    assert load_image(encoded(np.full((8, 8), 7.0, np.float32), "TIFF")).max() == 0


def test_negative_integers_are_stretched():
    values = np.tile(np.array([-1000, 0, 1000, 3000], np.int32), (8, 2))
    image = load_image(encoded(values, "TIFF"))
    assert image[0, :4].tolist() == [0, 64, 128, 255]


def test_rgba_composited_over_white():
    image = load_image(corpus("rgba.png"))  # right half transparent
    assert_quadrants(image, RED, WHITE, BLUE, WHITE)


def test_gray_alpha_composited_over_white_stays_gray():
    image = load_image(corpus("gray_alpha.png"))  # black, right half transparent
    assert image.shape == (24, 32) and image.dtype == np.uint8
    assert image[:, :16].max() == 0 and image[:, 16:].min() == 255


def test_partial_alpha_blends_with_white():
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 3] = 64  # black at a quarter opacity
    image = load_image(encoded(rgba))
    assert np.all(np.abs(image.astype(int) - 191) <= 1)


def test_palette_becomes_rgb():
    assert_quadrants(load_image(corpus("palette.png")), RED, GREEN, BLUE, WHITE)


def test_palette_transparency_becomes_white():
    assert_quadrants(load_image(corpus("palette_transparent.png")), RED, GREEN, WHITE, WHITE)


def test_bilevel_becomes_0_or_255_gray():
    image = load_image(corpus("bilevel.png"))
    assert image.shape == (24, 32) and set(np.unique(image)) == {0, 255}
    assert image[0, 0] == 0 and image[0, -1] == 255


def test_cmyk_jpeg_becomes_rgb():
    image = load_image(corpus("cmyk.jpg"))  # pure cyan ink
    assert image.shape == (24, 32, 3) and image.dtype == np.uint8
    assert np.abs(image.reshape(-1, 3).mean(axis=0) - [0, 255, 255]).max() < 3


def test_animated_gif_gives_first_frame():
    image = load_image(corpus("animated.gif"))  # red, green, blue frames
    assert image.shape == (24, 32, 3)
    assert np.all(image == RED)


def test_exif_orientation_is_applied():
    stored = Image.open(io.BytesIO(corpus("exif_rotated.jpg")))
    assert stored.size == (40, 24)  # stored landscape, red block top-left
    image = load_image(corpus("exif_rotated.jpg"))
    assert image.shape == (40, 24, 3)  # shown portrait
    top_right = image[:12, -12:].reshape(-1, 3).mean(axis=0)
    assert top_right[0] > 200 and top_right[1:].max() < 40
    for corner in (image[:8, :8], image[-8:, :8], image[-8:, -8:]):
        assert corner.mean() < 10  # the other corners stay black


@pytest.mark.parametrize("name", ["quadrants.bmp", "quadrants.webp"])
def test_lossless_formats_decode_exactly(name):
    assert_quadrants(load_image(corpus(name)), RED, GREEN, BLUE, WHITE)


def test_unconvertible_colour_mode_is_refused_in_plain_words():
    buffer = io.BytesIO()
    Image.new("LAB", (16, 16)).save(buffer, format="TIFF")
    message = student_error(buffer.getvalue())
    assert "LAB colour mode" in message and "8-bit RGB or grayscale" in message


@pytest.mark.parametrize("mode, result", [
    ("1", "L"), ("L", "L"), ("LA", "L"), ("La", "L"), ("I", "L"), ("I;16", "L"), ("I;16B", "L"),
    ("F", "L"), ("P", "RGB"), ("PA", "RGB"), ("RGB", "RGB"), ("RGBX", "RGB"), ("YCbCr", "RGB"),
    ("CMYK", "RGB"), ("RGBA", "RGB"), ("RGBa", "RGB")])
def test_normalise_mode_stage_covers_pillow_modes(mode, result):
    assert images._normalise_mode(Image.new(mode, (8, 8))).mode == result


def test_gray_stays_2d_and_equal_channel_rgb_stays_rgb():
    gray = np.tile(np.arange(0, 256, 16, dtype=np.uint8), (16, 1))
    assert load_image(encoded(gray)).shape == (16, 16)
    assert load_image(encoded(np.dstack([gray] * 3))).shape == (16, 16, 3)


def test_result_is_a_writable_copy():
    image = load_image(corpus("quadrants.bmp"))
    assert image.flags.writeable and image.flags.c_contiguous


# --------------------------------------------------------------------------
# working size
# --------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_long_side_becomes_working_size_keeping_aspect(fmt):
    rng = np.random.default_rng(0)
    big = rng.integers(0, 256, (600, 1000, 3), dtype=np.uint8)
    image = load_image(encoded(big, fmt))
    assert image.shape == (307, 512, 3) and image.dtype == np.uint8
    assert load_image(encoded(big[:, :600], fmt)).shape == (512, 512, 3)
    assert load_image(encoded(big, fmt), working_size=100).shape == (60, 100, 3)


def test_working_size_none_keeps_full_size():
    big = np.zeros((700, 900), np.uint8)
    assert load_image(encoded(big), working_size=None).shape == (700, 900)


def test_small_images_are_not_enlarged():
    assert load_image(encoded(np.zeros((20, 30), np.uint8))).shape == (20, 30)


def test_downscale_is_anti_aliased():
    stripes = np.zeros((64, 1024), np.uint8)
    stripes[:, ::2] = 255  # one-pixel stripes alias badly without a low-pass
    image = load_image(encoded(stripes), working_size=256)
    assert image.shape == (16, 256)
    error = np.abs(image.astype(int) - 128)
    assert error[:, 2:-2].max() <= 4 and error.max() <= 16  # Lanczos rings at the borders


def test_portrait_exif_jpeg_downscales_to_rotated_shape():
    stored = np.zeros((300, 1000, 3), np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    Image.fromarray(stored).save(buffer, format="JPEG", exif=exif)
    assert load_image(buffer.getvalue(), working_size=200).shape == (200, 60, 3)


def test_too_elongated_after_downscaling():
    message = student_error(encoded(np.zeros((8, 2000), np.uint8)))
    assert "2000 x 8" in message and "elongated" in message  # width x height
    assert load_image(encoded(np.zeros((8, 2000), np.uint8)), working_size=None).shape == (8, 2000)


@pytest.mark.parametrize("working_size", [0, 7, -512, 5.5, "512", True])
def test_invalid_working_size_is_named(working_size):
    with pytest.raises(ValueError, match="working_size"):
        load_image(corpus("quadrants.bmp"), working_size=working_size)


@pytest.mark.parametrize("data", [None, "image.png", io.BytesIO(b"x"), np.zeros(4, np.uint8)])
def test_non_bytes_data_is_named(data):
    with pytest.raises(ValueError, match="data"):
        load_image(data)


def test_bytearray_and_memoryview_are_accepted():
    data = corpus("quadrants.webp")
    assert load_image(bytearray(data)).shape == load_image(memoryview(data)).shape == (24, 32, 3)


# --------------------------------------------------------------------------
# to_gray / to_rgb
# --------------------------------------------------------------------------

def test_to_gray_matches_skimage_rgb2gray():
    rgb = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    expected = np.rint(skimage.color.rgb2gray(rgb) * 255)
    gray = to_gray(rgb)
    assert gray.dtype == np.uint8 and gray.shape == (64, 64)
    assert np.abs(gray.astype(int) - expected).max() <= 1
    assert np.mean(gray == expected) > 0.99


def test_to_gray_and_to_rgb_round_trip_and_pass_through():
    gray = np.arange(64, dtype=np.uint8).reshape(8, 8)
    assert to_gray(gray) is gray
    rgb = to_rgb(gray)
    assert rgb.shape == (8, 8, 3) and to_rgb(rgb) is rgb
    np.testing.assert_array_equal(to_gray(rgb), gray)


@pytest.mark.parametrize("bad", [np.zeros((4, 4), np.float64), np.zeros((4, 4, 4), np.uint8),
                                 np.zeros(4, np.uint8), [[1, 2]]])
def test_conversions_name_the_argument(bad):
    for convert in (to_gray, to_rgb):
        with pytest.raises(ValueError, match="image"):
            convert(bad)


# --------------------------------------------------------------------------
# samples
# --------------------------------------------------------------------------

EXPECTED_SAMPLES = ["camera", "coins", "astronaut", "coffee", "page", "text", "moon",
                    "brick", "grass", "gravel", "immunohistochemistry", "cell"]


def test_catalog_has_every_teaching_sample():
    assert list(SAMPLES) == EXPECTED_SAMPLES
    for key, sample in SAMPLES.items():
        assert sample.key == key and sample.title and len(sample.why) > 40
        with pytest.raises(AttributeError):
            sample.title = "changed"  # frozen


@pytest.fixture
def offline_samples(monkeypatch):
    """Fail if scikit-image would fetch (download) anything."""
    def no_download(*args, **kwargs):
        raise AssertionError("a sample tried to go through skimage's fetcher")
    monkeypatch.setattr(skimage_fetchers, "_fetch", no_download)
    images._load_sample_cached.cache_clear()
    yield
    images._load_sample_cached.cache_clear()


@pytest.mark.parametrize("key", EXPECTED_SAMPLES)
def test_samples_load_offline_as_uint8_within_working_size(offline_samples, key):
    image = load_sample(key)
    assert image.dtype == np.uint8 and image.ndim in (2, 3)
    assert max(image.shape[:2]) <= 512 and min(image.shape[:2]) >= 8
    assert not image.flags.writeable
    assert load_sample(key) is image  # cached


@pytest.mark.parametrize("key", EXPECTED_SAMPLES)
def test_full_size_samples_equal_skimage_data(key):
    reference = getattr(skimage.data, key)()
    np.testing.assert_array_equal(load_sample(key, working_size=None), reference)


def test_cell_is_downscaled_keeping_aspect():
    assert skimage.data.cell().shape == (660, 550)
    assert load_sample("cell").shape == (512, 427)


@pytest.mark.parametrize("key", ["nope", "../etc/passwd", "Camera", None])
def test_unknown_sample_key(key):
    with pytest.raises(ValueError, match="key"):
        load_sample(key)


def test_docstring_examples():
    result = doctest.testmod(images, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 5 and result.failed == 0
