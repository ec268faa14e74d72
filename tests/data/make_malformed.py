"""Write the image corpus that tests/test_images.py feeds to load_image.

Run from the repository root: ``python tests/data/make_malformed.py``.
The generated files are committed; rerun only to change the corpus.

Valid odd files use a 32 x 24 "quadrants" picture (top-left red, top-right
green, bottom-left blue, bottom-right white) or a horizontal ramp, so a test
can check the decoded pixels. Every file is a few hundred bytes at most,
including the PNG whose header claims 40000 x 40000 pixels.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

OUT = Path(__file__).resolve().parent / "malformed"
WIDTH, HEIGHT = 32, 24
HUGE_SIDE = 40_000
EXIF_ORIENTATION = 0x0112
ROTATE_90_CW = 6  # "the 0th row is the visual right-hand side"
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def quadrants(width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """(H, W, 3) uint8: red | green over blue | white."""
    image = np.empty((height, width, 3), np.uint8)
    top, left = slice(0, height // 2), slice(0, width // 2)
    bottom, right = slice(height // 2, None), slice(width // 2, None)
    image[top, left], image[top, right] = RED, GREEN
    image[bottom, left], image[bottom, right] = BLUE, WHITE
    return image


def ramp(high: float, dtype, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """(H, W) ramp from 0 (left column) to ``high`` (right column)."""
    row = np.linspace(0, high, width)
    return np.tile(row, (height, 1)).astype(dtype)


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_with_header(width: int, height: int) -> bytes:
    """A syntactically valid PNG (8-bit RGB) whose IHDR claims ``width x height``.

    The IDAT holds one compressed empty row only, so the file stays tiny.
    """
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00")
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))


def truncated(data: bytes, keep: float = 0.6) -> bytes:
    return data[: int(len(data) * keep)]


def noisy_rgb(seed: int = 0) -> Image.Image:
    """Incompressible content, so truncation cuts into the pixel data."""
    pixels = np.random.default_rng(seed).integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def corpus() -> dict[str, bytes]:
    """File name -> bytes of every corpus file."""
    rgb = Image.fromarray(quadrants())
    rgba = np.dstack([quadrants(), np.full((HEIGHT, WIDTH), 255, np.uint8)])
    rgba[:, WIDTH // 2:, 3] = 0  # right half fully transparent
    gray_alpha = np.dstack([np.full((HEIGHT, WIDTH), 0, np.uint8),
                            np.full((HEIGHT, WIDTH), 255, np.uint8)])
    gray_alpha[:, WIDTH // 2:, 1] = 0
    palette = rgb.quantize(colors=4)
    palette_transparent = palette.copy()
    palette_transparent.info["transparency"] = palette.getpixel((0, HEIGHT - 1))  # blue
    frames = [Image.new("RGB", (WIDTH, HEIGHT), colour) for colour in (RED, GREEN, BLUE)]
    marked = Image.new("RGB", (40, 24), (0, 0, 0))
    marked.paste(RED, (0, 0, 12, 12))  # red block in the stored top-left corner
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = ROTATE_90_CW
    bilevel = Image.fromarray(ramp(255, np.uint8) > 127)
    return {
        "empty.png": b"",
        "text.png": b"This is a text file that someone named .png\n",
        "truncated.png": truncated(encode(noisy_rgb(), "PNG")),
        "truncated.jpg": truncated(encode(noisy_rgb(), "JPEG", quality=95)),
        "huge_header.png": png_with_header(HUGE_SIDE, HUGE_SIDE),
        "zero_width.png": png_with_header(0, HEIGHT),
        "one_pixel.png": encode(Image.new("RGB", (1, 1), RED), "PNG"),
        "gray16.tif": encode(Image.fromarray(ramp(65535, np.uint16)), "TIFF"),
        "gray12.tif": encode(Image.fromarray(ramp(4095, np.uint16)), "TIFF"),
        "float01.tif": encode(Image.fromarray(ramp(1.0, np.float32)), "TIFF"),
        "float_wide.tif": encode(Image.fromarray(ramp(50.0, np.float32) - 10), "TIFF"),
        "rgba.png": encode(Image.fromarray(rgba, "RGBA"), "PNG"),
        "gray_alpha.png": encode(Image.fromarray(gray_alpha, "LA"), "PNG"),
        "palette.png": encode(palette, "PNG"),
        "palette_transparent.png": encode(palette_transparent, "PNG"),
        "bilevel.png": encode(bilevel, "PNG"),
        "cmyk.jpg": encode(Image.new("CMYK", (WIDTH, HEIGHT), (255, 0, 0, 0)), "JPEG", quality=95),
        "animated.gif": encode(frames[0], "GIF", save_all=True, append_images=frames[1:],
                               duration=100, loop=0),
        "exif_rotated.jpg": encode(marked, "JPEG", quality=95, exif=exif),
        "quadrants.bmp": encode(rgb, "BMP"),
        "quadrants.webp": encode(rgb, "WEBP", lossless=True),
    }


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, data in corpus().items():
        (OUT / name).write_bytes(data)
        print(f"{name:26s} {len(data):6d} bytes")


if __name__ == "__main__":
    main()
