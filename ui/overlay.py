"""Label maps and masks drawn over images with a colour-blind-safe palette.

The palette starts with the Okabe-Ito colours (distinguishable with the
common colour-vision deficiencies) and continues with Paul Tol's "muted"
set; labels beyond its length reuse colours cyclically.

Every drawing function takes ``bold``: the presentation-mode style
(:mod:`ui.present`), readable on a projector: outlines :data:`BOLD_WIDTH` px
wide, colours at least :data:`BOLD_ALPHA` opaque, and the error overlay in
more saturated colours (:data:`BOLD_ERROR_COLORS`). Cached picture builders
take the flag as an argument, so the cache keeps both styles apart.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from skimage.segmentation import find_boundaries

__all__ = ["BOLD_ALPHA", "BOLD_ERROR_COLORS", "BOLD_WIDTH", "ERROR_LEGEND", "FN_COLOR",
           "FP_COLOR", "PALETTE", "TP_COLOR", "as_rgb", "bold_alpha", "colorize",
           "error_overlay", "mask_overlay", "overlay"]

PALETTE = np.array([
    (230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66), (0, 114, 178),
    (213, 94, 0), (204, 121, 167), (51, 34, 136), (136, 204, 238), (68, 170, 153),
    (17, 119, 51), (153, 153, 51), (221, 204, 119), (204, 102, 119), (136, 34, 85),
    (170, 68, 153),
], dtype=np.uint8)

TP_COLOR = (0, 158, 115)   # bluish green: correct foreground
FP_COLOR = (230, 159, 0)   # orange: predicted but not in the ground truth
FN_COLOR = (0, 114, 178)   # blue: missed ground truth
ERROR_LEGEND = "green = correct foreground, orange = false positive, blue = missed (false negative)"

BOLD_WIDTH = 3      #: outline width (px) in presentation mode
BOLD_ALPHA = 0.75   #: least colour opacity in presentation mode
#: TP, FP, FN colours in presentation mode: the same hues, more saturated.
BOLD_ERROR_COLORS = ((0, 190, 120), (255, 140, 0), (0, 90, 230))


def bold_alpha(alpha: float, bold: bool) -> float:
    """``alpha``, raised to at least :data:`BOLD_ALPHA` when ``bold``."""
    return max(alpha, BOLD_ALPHA) if bold else alpha


def _edges(labels: np.ndarray, bold: bool) -> np.ndarray:
    """Inner region boundaries: 1 px wide, or :data:`BOLD_WIDTH` px wide when ``bold``."""
    if not bold:
        return find_boundaries(labels, mode="inner")
    size = 2 * BOLD_WIDTH + 1
    return ((ndimage.maximum_filter(labels, size=size, mode="nearest") != labels)
            | (ndimage.minimum_filter(labels, size=size, mode="nearest") != labels))


def as_rgb(image: np.ndarray) -> np.ndarray:
    """Return ``image`` as uint8 (H, W, 3), replicating a gray channel."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"image must be uint8, got {image.dtype}")
    if image.ndim == 2:
        return np.repeat(image[..., None], 3, axis=2)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    raise ValueError(f"image must be (H, W) or (H, W, 3), got shape {image.shape}")


def colorize(labels: np.ndarray, skip_zero: bool = False) -> np.ndarray:
    """Colour a label map: label k gets ``PALETTE[k % len]`` (label 0 black if ``skip_zero``).

    Examples
    --------
    >>> colorize(np.array([[0, 1]])).shape
    (1, 2, 3)
    """
    labels = np.asarray(labels).astype(np.int64)
    index = np.mod(labels - (1 if skip_zero else 0), len(PALETTE))
    rgb = PALETTE[index]
    if skip_zero:
        rgb[labels == 0] = 0
    return rgb


def _check_shape(image: np.ndarray, labels: np.ndarray) -> None:
    if labels.shape != image.shape[:2]:
        raise ValueError(f"labels {labels.shape} do not match image {image.shape[:2]}")


def overlay(image: np.ndarray, labels: np.ndarray, alpha: float = 0.5, outline: bool = False,
            skip_zero: bool = True, bold: bool = False) -> np.ndarray:
    """Blend a label map over an image.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) uint8
    labels : (H, W) int
        Label map; label 0 stays transparent when ``skip_zero``.
    alpha : float
        Opacity of the colours (0 = image only, 1 = labels only).
    outline : bool
        Draw only region boundaries, fully opaque, so the image stays visible.
    skip_zero : bool
        Leave label 0 unpainted.
    bold : bool
        Presentation style: outlines :data:`BOLD_WIDTH` px wide, ``alpha`` at
        least :data:`BOLD_ALPHA`.

    Returns
    -------
    (H, W, 3) uint8
    """
    rgb = as_rgb(image)
    labels = np.asarray(labels)
    _check_shape(rgb, labels)
    colours = colorize(labels, skip_zero=skip_zero)
    painted = labels != 0 if skip_zero else np.ones(labels.shape, bool)
    alpha = bold_alpha(alpha, bold)
    if outline:
        painted &= _edges(labels, bold)
        alpha = 1.0
    out = rgb.astype(np.float32)
    out[painted] = (1 - alpha) * out[painted] + alpha * colours[painted]
    return out.round().astype(np.uint8)


def mask_overlay(image: np.ndarray, mask: np.ndarray, color=PALETTE[0], alpha: float = 0.5,
                 outline: bool = False, bold: bool = False) -> np.ndarray:
    """Blend one binary mask over an image in a single colour (``bold``: see :func:`overlay`)."""
    rgb = as_rgb(image)
    mask = np.asarray(mask, bool)
    _check_shape(rgb, mask)
    alpha = bold_alpha(alpha, bold)
    if outline:
        mask = _edges(mask.astype(np.uint8), bold) & mask
        alpha = 1.0
    out = rgb.astype(np.float32)
    out[mask] = (1 - alpha) * out[mask] + alpha * np.asarray(color, np.float32)
    return out.round().astype(np.uint8)


def error_overlay(image: np.ndarray, gt_mask: np.ndarray, pred_mask: np.ndarray,
                  alpha: float = 0.6, ignore: np.ndarray | None = None,
                  bold: bool = False) -> np.ndarray:
    """Show agreement of a binary prediction with the ground truth (see :data:`ERROR_LEGEND`).

    Pixels in ``ignore`` (the scene's VOID) are left unpainted: no score counts them.
    ``bold`` paints :data:`BOLD_ERROR_COLORS` at least :data:`BOLD_ALPHA` opaque.
    """
    gt_mask = np.asarray(gt_mask, bool)
    pred_mask = np.asarray(pred_mask, bool)
    if gt_mask.shape != pred_mask.shape:
        raise ValueError(f"gt_mask {gt_mask.shape} and pred_mask {pred_mask.shape} differ in shape")
    if ignore is not None:
        pred_mask = pred_mask & ~ignore
        gt_mask = gt_mask & ~ignore
    tp, fp, fn = BOLD_ERROR_COLORS if bold else (TP_COLOR, FP_COLOR, FN_COLOR)
    alpha = bold_alpha(alpha, bold)
    out = mask_overlay(image, gt_mask & pred_mask, tp, alpha)
    out = mask_overlay(out, pred_mask & ~gt_mask, fp, alpha)
    return mask_overlay(out, gt_mask & ~pred_mask, fn, alpha)
