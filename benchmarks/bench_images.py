"""load_image on typical uploads: a 12 Mpx phone JPEG, a 3 Mpx PNG, a 16-bit TIFF.

The reference is the naive Pillow path a page could have written itself:
``Image.open`` -> ``load`` -> ``convert`` -> Lanczos ``resize`` to the same
working size. For JPEG, load_image asks the decoder for a reduced-scale
decode first (``Image.draft``), which is where it gains.
"""

import io

import numpy as np
from PIL import Image

from benchmarks.harness import Case
from segcore.images import DEFAULT_WORKING_SIZE, load_image


def _smooth_rgb(height, width, seed=0):
    """Natural-ish content (smooth gradients + mild noise) that JPEG compresses normally."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    channels = [127 + 100 * np.sin(x / (40 + 30 * c) + y / (55 + 20 * c)) for c in range(3)]
    image = np.stack(channels, axis=2) + rng.normal(0, 6, (height, width, 3))
    return np.clip(image, 0, 255).astype(np.uint8)


def _encode(array, fmt, **options):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _naive(data, mode):
    image = Image.open(io.BytesIO(data))
    image.load()
    image = image.convert(mode)
    scale = DEFAULT_WORKING_SIZE / max(image.size)
    size = (round(image.width * scale), round(image.height * scale))
    return np.asarray(image.resize(size, Image.Resampling.LANCZOS))


_JPEG = _encode(_smooth_rgb(3000, 4000), "JPEG", quality=90)
_PNG = _encode(_smooth_rgb(1536, 2048, seed=1), "PNG")
_TIFF16 = _encode((_smooth_rgb(2048, 2048, seed=2)[..., 0].astype(np.uint16) * 257), "TIFF")

CASES = [
    Case("images: load_image phone JPEG -> 512", "4000 x 3000 RGB",
         lambda: load_image(_JPEG), reference=lambda: _naive(_JPEG, "RGB"),
         reference_name="PIL open+load+resize", repeat=5),
    Case("images: load_image PNG -> 512", "2048 x 1536 RGB",
         lambda: load_image(_PNG), reference=lambda: _naive(_PNG, "RGB"),
         reference_name="PIL open+load+resize", repeat=5),
    Case("images: load_image 16-bit TIFF -> 512", "2048 x 2048 I;16",
         lambda: load_image(_TIFF16), reference=lambda: _naive(_TIFF16, "L"),
         reference_name="PIL open+load+convert L+resize", repeat=5),
]
