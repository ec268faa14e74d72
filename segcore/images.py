"""Decode and validate images, normalise them to uint8, and the sample catalog.

Every image SegLab segments goes through :func:`load_image` (uploads) or
:func:`load_sample` (scikit-image's bundled pictures), so the algorithms only
ever see one of two shapes:

* ``(H, W)`` uint8 - grayscale,
* ``(H, W, 3)`` uint8 - RGB,

with the long side at most ``working_size`` pixels (512 by default).

Safety on a shared server
-------------------------
* The format is detected from the file's first bytes (its "magic number"),
  never from its name, and only PNG, JPEG, TIFF, BMP, WebP and GIF are
  accepted. Pillow is then told to use that one decoder only.
* The pixel count is read from the header (``Image.open`` is lazy) and checked
  against :data:`MAX_PIXELS` *before* any pixel is decoded.
* Pillow's own decompression-bomb guard stays on: importing this module sets
  ``PIL.Image.MAX_IMAGE_PIXELS = MAX_PIXELS`` for the whole process (Pillow
  warns above it and refuses twice as much), and both the error and the
  warning become a :class:`ValueError`.
* Nothing is written to disk; bytes are decoded in memory.

Every failure is a :class:`ValueError` whose message a student can act on.
"""

from __future__ import annotations

import functools
import importlib.resources
import io
import struct
import zlib
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

__all__ = [
    "MAX_PIXELS",
    "MIN_SIDE",
    "DEFAULT_WORKING_SIZE",
    "SUPPORTED_FORMATS",
    "Sample",
    "SAMPLES",
    "load_image",
    "load_sample",
    "to_gray",
    "to_rgb",
]

#: Largest accepted image, in pixels (width x height), checked from the header.
MAX_PIXELS = 40_000_000
#: Smallest accepted side, in pixels, before and after downscaling.
MIN_SIDE = 8
#: Default long side, in pixels, of the array handed to the algorithms.
DEFAULT_WORKING_SIZE = 512
#: Human names of the formats :func:`load_image` reads, in message order.
SUPPORTED_FORMATS = ("PNG", "JPEG", "TIFF", "BMP", "WebP", "GIF")

#: ITU-R BT.709 luma weights, the ones ``skimage.color.rgb2gray`` uses.
LUMA_WEIGHTS = np.array([0.2125, 0.7154, 0.0721])
#: Pillow's ``reducing_gap`` (as in ``Image.thumbnail``): JPEGs are decoded at
#: a reduced DCT scale, and other images first shrunk by a whole factor, only
#: while they stay at least this many times the target size; Lanczos does the
#: rest, so the shortcut costs no visible detail.
REDUCING_GAP = 2.0
WHITE = 255

Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# (leading bytes, Pillow decoder name); RIFF files are checked for "WEBP" too.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"II+\x00", "TIFF"),  # BigTIFF
    (b"MM\x00+", "TIFF"),
    (b"BM", "BMP"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
)
# Pillow reports phone JPEGs holding several pictures as "MPO".
_ALLOWED_PILLOW_FORMATS = frozenset({"PNG", "JPEG", "MPO", "TIFF", "BMP", "WEBP", "GIF"})
# What Pillow's decoders raise on damaged data.
_DECODE_ERRORS = (OSError, SyntaxError, EOFError, ValueError, IndexError,
                  struct.error, zlib.error)
_BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)

_FORMAT_LIST = ", ".join(SUPPORTED_FORMATS[:-1]) + " or " + SUPPORTED_FORMATS[-1]
_NOT_AN_IMAGE = f"This file is not an image SegLab can read ({_FORMAT_LIST})."
_CORRUPT = "The image is truncated or corrupt: "

# Pillow modes -> how to reach "L" or "RGB".
_GRAY_MODES = frozenset({"1", "L"})
_COLOUR_MODES = frozenset({"RGB", "RGBX", "YCbCr", "CMYK"})
_GRAY_ALPHA_MODES = frozenset({"LA", "La"})
_COLOUR_ALPHA_MODES = frozenset({"RGBA", "RGBa", "PA"})
_INTEGER_MODES = frozenset({"I", "I;16", "I;16L", "I;16B", "I;16N"})
_FLOAT_MODES = frozenset({"F"})


# --------------------------------------------------------------------------
# load_image
# --------------------------------------------------------------------------

def load_image(data: bytes, *, working_size: int | None = DEFAULT_WORKING_SIZE) -> np.ndarray:
    """Decode an image file's bytes into a validated uint8 array.

    Parameters
    ----------
    data : bytes
        The whole file, e.g. ``uploaded_file.getvalue()``. ``bytearray`` and
        ``memoryview`` are accepted too. The format is detected from the
        content: PNG, JPEG, TIFF, BMP, WebP, or GIF (first frame only).
    working_size : int or None, optional
        Largest allowed side of the result, in pixels (default 512). Bigger
        images are shrunk with Lanczos (anti-aliased) resampling, keeping the
        aspect ratio, so the long side equals ``working_size``; smaller images
        are never enlarged. ``None`` keeps the full size.

    Returns
    -------
    image : (H, W) or (H, W, 3) uint8 ndarray
        Grayscale files give a 2-D array, colour files an RGB array. The array
        is a fresh, writable copy.

    Raises
    ------
    ValueError
        With a message meant for a student when the bytes are empty, not one
        of the supported formats, truncated or corrupt, bigger than
        :data:`MAX_PIXELS`, smaller than ``MIN_SIDE x MIN_SIDE``, or too
        elongated to keep ``MIN_SIDE`` pixels on the short side after
        downscaling; with a message naming the argument when ``data`` is not
        bytes or ``working_size`` is not ``None`` or an int >= ``MIN_SIDE``.

    Notes
    -----
    The decoding pipeline, one private function per stage:

    1. ``_sniff_format``: magic bytes -> decoder name (allow-list).
    2. ``_open_header``: lazy open; size checked against the pixel cap and
       the minimum size before any pixel is decoded.
    3. ``_decode``: full decode (JPEGs are decoded directly at a reduced scale
       when that is still at least twice the target size).
    4. ``ImageOps.exif_transpose``: the EXIF orientation tag is applied, so a
       phone photo taken upright is upright here.
    5. ``_normalise_mode``: to Pillow mode ``"L"`` or ``"RGB"``:

       * 1-bit -> ``L`` (0 or 255); palette -> ``RGB`` (even when the palette
         happens to be gray); CMYK, YCbCr -> ``RGB``.
       * Transparency (RGBA, LA, palette or colour-key transparency) is
         composited over **white**, ``out = a * c + (1 - a) * 255``, because
         transparent areas of logos and scans are usually meant as paper.
       * 16/32-bit integers: the effective bit depth is inferred from the
         maximum, :math:`b = \\max(8, \\lceil \\log_2(\\max + 1) \\rceil)`, and
         :math:`0 \\ldots 2^b - 1` maps linearly to :math:`0 \\ldots 255`. So
         8-bit data stored in 16 bits keeps its values, a 12-bit microscope
         image fills the range, and full 16-bit data is divided by 257.
         Negative integers are min-max stretched.
       * Float: values inside :math:`[0, 1]` are multiplied by 255; any other
         range is min-max stretched to :math:`0 \\ldots 255` (a constant image
         then becomes 0). NaN and -inf count as the smallest finite value,
         +inf as the largest.

       An RGB file whose three channels are equal stays RGB: the file said
       colour, and :func:`to_gray` is one call away.
    6. ``_downscale``: Lanczos resize to the working size.

    Images smaller than ``MIN_SIDE x MIN_SIDE`` (8 x 8) are refused rather
    than segmented: neighbourhood-based methods (split and merge, texture
    windows, 3 x 3 kernels) have nothing to work on.

    References
    ----------
    .. [1] Pillow, "Image file formats" and ``Image.MAX_IMAGE_PIXELS``,
       https://pillow.readthedocs.io/
    .. [2] JEITA CP-3451, Exif 2.3, tag 0x0112 "Orientation".

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> buf = io.BytesIO()
    >>> Image.new("RGB", (640, 480), "red").save(buf, format="PNG")
    >>> image = load_image(buf.getvalue())
    >>> image.shape, image.dtype.name, image[0, 0].tolist()
    ((384, 512, 3), 'uint8', [255, 0, 0])
    >>> load_image(buf.getvalue(), working_size=None).shape
    (480, 640, 3)
    >>> load_image(b"hello")
    Traceback (most recent call last):
    ...
    ValueError: This file is not an image SegLab can read (PNG, JPEG, TIFF, BMP, WebP or GIF).
    """
    data = _validate_load_args(data, working_size)
    fmt = _sniff_format(data)
    image = _open_header(data, fmt)
    target = _target_size(image.size, working_size)
    image = _decode(image, fmt, target)
    image = _normalise_mode(image)
    image = _downscale(image, working_size)
    return np.array(image, dtype=np.uint8)


def _validate_load_args(data, working_size) -> bytes:
    """Check ``load_image``'s arguments; return ``data`` as ``bytes``."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValueError(
            f"data: expected the file's bytes (bytes, bytearray or memoryview), "
            f"got {type(data).__name__}")
    if working_size is not None and (
            isinstance(working_size, bool)
            or not isinstance(working_size, (int, np.integer))
            or working_size < MIN_SIDE):
        raise ValueError(
            f"working_size: expected None or an int >= {MIN_SIDE}, got {working_size!r}")
    return bytes(data)


def _sniff_format(data: bytes) -> str:
    """Stage 1: the Pillow decoder name from the file's magic bytes."""
    if not data:
        raise ValueError("This file is empty (0 bytes), so it is not an image SegLab can "
                         f"read ({_FORMAT_LIST}).")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    for magic, fmt in _MAGIC:
        if data.startswith(magic):
            return fmt
    raise ValueError(_NOT_AN_IMAGE)


def _open_header(data: bytes, fmt: str) -> Image.Image:
    """Stage 2: parse the header only; refuse too big or too small images."""
    try:
        image = Image.open(io.BytesIO(data), formats=[fmt])
    except _BOMB_ERRORS as exc:
        raise ValueError(_too_big_message(_header_size(data, fmt))) from exc
    except _DECODE_ERRORS as exc:
        raise ValueError(
            f"{_CORRUPT}it starts like a {fmt} file but its header cannot be read. "
            f"Re-save it with an image editor and try again.") from exc
    if image.format not in _ALLOWED_PILLOW_FORMATS:  # defence in depth
        raise ValueError(_NOT_AN_IMAGE)
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ValueError(_too_big_message(image.size))
    if min(width, height) < MIN_SIDE:
        raise ValueError(
            f"The image is {width} x {height} pixels, too small to segment "
            f"(at least {MIN_SIDE} x {MIN_SIDE} pixels).")
    return image


def _header_size(data: bytes, fmt: str) -> tuple[int, int] | None:
    """(width, height) from the header, bypassing Pillow's bomb guard.

    Used only to word the message after the guard fired: the decoder class
    parses the header and nothing else.
    """
    try:
        return Image.OPEN[fmt][0](io.BytesIO(data)).size
    except _DECODE_ERRORS:
        return None


def _too_big_message(size: tuple[int, int] | None) -> str:
    limit = f"SegLab accepts at most {MAX_PIXELS / 1e6:.0f} Mpx. Scale it down and try again."
    if size is None:
        return f"The image is too large; {limit}"
    width, height = size
    megapixels = width * height / 1e6
    shown = f"{megapixels:.0f}" if megapixels >= 100 else f"{megapixels:.1f}"
    return f"The image is {width} x {height} = {shown} Mpx; {limit}"


def _target_size(size: tuple[int, int], working_size: int | None) -> tuple[int, int] | None:
    """(width, height) after downscaling, or None when no resize is needed.

    Raises ValueError when the short side would drop below ``MIN_SIDE``.
    """
    width, height = size
    long_side = max(width, height)
    if working_size is None or long_side <= working_size:
        return None
    scale = working_size / long_side
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    if min(target) < MIN_SIDE:
        raise ValueError(
            f"The image is {width} x {height} pixels: shrunk to the working size of "
            f"{working_size} pixels its short side would be {min(target)} pixels, too "
            f"thin to segment (at least {MIN_SIDE}). Crop it to a less elongated shape.")
    return target


def _decode(image: Image.Image, fmt: str, target: tuple[int, int] | None) -> Image.Image:
    """Stages 3-4: decode the pixels and apply the EXIF orientation."""
    try:
        if fmt == "JPEG" and target is not None:
            image.draft(None, (int(target[0] * REDUCING_GAP), int(target[1] * REDUCING_GAP)))
        image.load()
        return ImageOps.exif_transpose(image)
    except _DECODE_ERRORS as exc:
        raise ValueError(
            f"{_CORRUPT}SegLab could not decode its pixels (the file may have been cut "
            f"off while uploading or saving). Re-save it with an image editor and "
            f"try again.") from exc


def _normalise_mode(image: Image.Image) -> Image.Image:
    """Stage 5: any supported Pillow mode -> ``"L"`` or ``"RGB"`` (see load_image)."""
    mode = image.mode
    has_key = "transparency" in image.info
    if mode in _GRAY_MODES:
        return _over_white(image.convert("LA")) if has_key else image.convert("L")
    if mode in _GRAY_ALPHA_MODES:
        return _over_white(image.convert("LA"))
    if mode == "P" or mode in _COLOUR_MODES:
        return _over_white(image.convert("RGBA")) if has_key else image.convert("RGB")
    if mode in _COLOUR_ALPHA_MODES:
        return _over_white(image.convert("RGBA"))
    if mode in _INTEGER_MODES:
        return Image.fromarray(_integers_to_uint8(np.asarray(image)))
    if mode in _FLOAT_MODES:
        return Image.fromarray(_floats_to_uint8(np.asarray(image)))
    raise ValueError(
        f"The image uses a pixel format SegLab cannot convert ({mode} colour mode). "
        f"Save it as an 8-bit RGB or grayscale image and try again.")


def _over_white(image: Image.Image) -> Image.Image:
    """Composite an ``LA`` or ``RGBA`` image over an opaque white background."""
    opaque_mode = image.mode[:-1]
    background = Image.new(opaque_mode, image.size, (WHITE,) * len(opaque_mode))
    background.paste(image.convert(opaque_mode), mask=image.getchannel("A"))
    return background


def _integers_to_uint8(values: np.ndarray) -> np.ndarray:
    """Map integer samples to uint8 by their inferred bit depth (see load_image)."""
    low, high = int(values.min()), int(values.max())
    if low < 0:
        return _rescale(values, low, high)
    bits = max(8, high.bit_length())
    full_scale = (1 << bits) - 1
    if bits <= 16:  # lookup table: exact, and no float copy of a big image
        lut = np.rint(np.arange(full_scale + 1) * (255 / full_scale)).astype(np.uint8)
        return lut[values]
    return _rescale(values, 0, full_scale)


def _floats_to_uint8(values: np.ndarray) -> np.ndarray:
    """Map float samples to uint8: [0, 1] times 255, else min-max stretch."""
    finite = np.isfinite(values)
    if not finite.all():
        kept = values[finite]
        low, high = (kept.min(), kept.max()) if kept.size else (0.0, 0.0)
        values = np.nan_to_num(values, nan=low, posinf=high, neginf=low)
    low, high = float(values.min()), float(values.max())
    if 0.0 <= low and high <= 1.0:
        return _rescale(values, 0.0, 1.0)
    return _rescale(values, low, high)


def _rescale(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Map ``low..high`` linearly to 0..255 (float32 maths); constant -> 0."""
    span = high - low
    if span == 0:
        return np.zeros(values.shape, dtype=np.uint8)
    scaled = np.subtract(values, low, dtype=np.float32)
    scaled *= np.float32(255 / span)
    return np.rint(scaled, out=scaled).astype(np.uint8)


def _downscale(image: Image.Image, working_size: int | None) -> Image.Image:
    """Stage 6: Lanczos resize so the long side equals ``working_size``.

    The target is recomputed from the decoded, rotated image (a JPEG may have
    been decoded at a reduced scale already).
    """
    target = _target_size(image.size, working_size)
    if target is None:
        return image
    return image.resize(target, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)


# --------------------------------------------------------------------------
# gray / RGB conversions
# --------------------------------------------------------------------------

def to_gray(image: np.ndarray) -> np.ndarray:
    """Luma of an RGB image as uint8; a gray image is returned unchanged.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) uint8 ndarray
        What :func:`load_image` returns.

    Returns
    -------
    gray : (H, W) uint8 ndarray
        ``image`` itself when it is already 2-D (no copy), else a new array.

    Raises
    ------
    ValueError
        If ``image`` is not a uint8 array of shape (H, W) or (H, W, 3).

    Notes
    -----
    The same weights as ``skimage.color.rgb2gray`` (ITU-R BT.709),
    rounded to the nearest integer:

    .. math:: Y = 0.2125 R + 0.7154 G + 0.0721 B

    Examples
    --------
    >>> rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]], np.uint8)
    >>> to_gray(rgb)
    array([[ 54, 182,  18, 255]], dtype=uint8)
    """
    _validate_image(image)
    if image.ndim == 2:
        return image
    return np.clip(np.rint(image @ LUMA_WEIGHTS), 0, 255).astype(np.uint8)


def to_rgb(image: np.ndarray) -> np.ndarray:
    """Three-channel view of an image; an RGB image is returned unchanged.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) uint8 ndarray
        What :func:`load_image` returns.

    Returns
    -------
    rgb : (H, W, 3) uint8 ndarray
        ``image`` itself when it is already RGB (no copy), else a new array
        with the gray value in all three channels.

    Raises
    ------
    ValueError
        If ``image`` is not a uint8 array of shape (H, W) or (H, W, 3).

    Examples
    --------
    >>> to_rgb(np.array([[0, 200]], np.uint8)).tolist()
    [[[0, 0, 0], [200, 200, 200]]]
    """
    _validate_image(image)
    if image.ndim == 3:
        return image
    return np.repeat(image[:, :, np.newaxis], 3, axis=2)


def _validate_image(image) -> None:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        got = image.dtype if isinstance(image, np.ndarray) else type(image).__name__
        raise ValueError(f"image: expected a uint8 numpy array, got {got}")
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise ValueError(f"image: expected shape (H, W) or (H, W, 3), got {image.shape}")


# --------------------------------------------------------------------------
# sample catalog
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Sample:
    """One bundled picture and the segmentation lesson it carries.

    Attributes
    ----------
    key : str
        Catalog key (also the query-string value), e.g. ``"coins"``.
    title : str
        Short human title.
    why : str
        One line: what the image teaches about segmentation.
    """

    key: str
    title: str
    why: str


def _catalog(*rows: tuple[str, str, str, str]) -> tuple[dict[str, Sample], dict[str, str]]:
    samples = {key: Sample(key, title, why) for key, title, why, _ in rows}
    files = {key: filename for key, _, _, filename in rows}
    return samples, files


SAMPLES, _SAMPLE_FILES = _catalog(
    ("camera", "Cameraman",
     "A dark figure against a bright sky: a two-peaked histogram where one global "
     "(Otsu) threshold works, until the textured grass spoils it.", "camera.png"),
    ("coins", "Coins",
     "Two dozen coins on a background that shares some of their grey levels: a "
     "global threshold breaks coins apart, which motivates region growing and "
     "counting instances.", "coins.png"),
    ("astronaut", "Astronaut",
     "A colourful portrait whose regions differ in colour more than in brightness: "
     "clustering in RGB feature space and graph cuts on colour affinities.",
     "astronaut.png"),
    ("coffee", "Coffee cup",
     "Red cup, brown saucer and wooden table of close hues with soft shading: colour "
     "clustering splits objects along highlights and shadows, not object borders.",
     "coffee.png"),
    ("page", "Scanned page",
     "Printed text under uneven illumination: a global threshold blackens the dark "
     "side, a local (adaptive) threshold reads the whole page.", "page.png"),
    ("text", "Writing on a board",
     "Thin hand-written strokes under a strong lighting gradient: thin structures "
     "plus a sloping background defeat global thresholds.", "text.png"),
    ("moon", "Moon surface",
     "A low-contrast image whose grey levels crowd into a narrow band: the histogram "
     "has no valley to put a threshold in.", "moon.png"),
    ("brick", "Brick wall",
     "A regular texture whose mean brightness matches its neighbours': intensity "
     "fails, texture features computed over a window succeed.", "brick.png"),
    ("grass", "Grass",
     "An irregular, oriented texture; beside brick and gravel it shows why texture "
     "segmentation needs window statistics, not single pixels.", "grass.png"),
    ("gravel", "Gravel",
     "A fine, direction-free texture of small stones: each pixel alone looks like "
     "noise, only a neighbourhood statistic tells gravel from grass.", "gravel.png"),
    ("immunohistochemistry", "Stained tissue (IHC)",
     "Brown (DAB) and blue (hematoxylin) stains on tissue: each stain is a cluster in "
     "colour space, the way pathology slides get segmented.", "ihc.png"),
    ("cell", "Cell in saline",
     "One bright cell on a background with banding artefacts: an easy-looking "
     "foreground/background split where the background pattern fools simple "
     "thresholds.", "cell.png"),
)


def load_sample(key: str, working_size: int | None = DEFAULT_WORKING_SIZE) -> np.ndarray:
    """Load a catalog image, decoded like an upload, from scikit-image's own files.

    Parameters
    ----------
    key : str
        A key of :data:`SAMPLES`, e.g. ``"coins"``.
    working_size : int or None, optional
        As in :func:`load_image` (default 512).

    Returns
    -------
    image : (H, W) or (H, W, 3) uint8 ndarray
        **Read-only** and shared between callers (results are cached); use
        ``image.copy()`` before editing it in place.

    Raises
    ------
    ValueError
        If ``key`` is not in the catalog or ``working_size`` is invalid.

    Notes
    -----
    The files are read from the scikit-image installation itself (the images
    bundled with the package), never downloaded.

    Examples
    --------
    >>> coins = load_sample("coins")
    >>> coins.shape, coins.dtype.name, coins.flags.writeable
    ((303, 384), 'uint8', False)
    >>> load_sample("cell").shape
    (512, 427)
    """
    if key not in SAMPLES:
        raise ValueError(f"key: expected one of {', '.join(SAMPLES)}, got {key!r}")
    return _load_sample_cached(key, working_size)


@functools.lru_cache(maxsize=32)  # at most ~25 MB of 512 x 512 RGB arrays
def _load_sample_cached(key: str, working_size: int | None) -> np.ndarray:
    data = importlib.resources.files("skimage.data").joinpath(_SAMPLE_FILES[key]).read_bytes()
    image = load_image(data, working_size=working_size)
    image.setflags(write=False)
    return image
