"""Synthetic instance-segmentation scenes for training and testing Mask R-CNN.

Each scene is a dark, noisy gray image with a few overlapping disks, squares
and triangles. Objects are painted one after another, so a later object
occludes an earlier one; every instance mask is the *visible* part of its
object (the COCO convention). An object's brightness is drawn from a band
typical of its class (as in SegLab's "shapes" scene) but the bands overlap,
so brightness alone cannot name the class and the shape has to; a new object
is only accepted when every instance keeps at least ``MIN_VISIBLE`` of its
area visible.

Everything is drawn from ``np.random.default_rng(seed)``: the same seed always
gives the same scene, training uses seeds ``0, 1, 2, ...`` and the held-out
evaluation set starts at ``HELD_OUT_SEED``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from skimage.draw import disk, polygon

__all__ = ["CLASS_NAMES", "HELD_OUT_SEED", "InstanceScene", "make_instance_scene",
           "make_instance_set"]

CLASS_NAMES = ("background", "disk", "square", "triangle")
BACKGROUND = 0
HELD_OUT_SEED = 1_000_000
MIN_VISIBLE = 0.55                  # fraction of an object that must stay visible
MIN_CONTRAST = 40                   # gray levels between overlapping objects
OBJECTS_RANGE = (3, 7)              # objects per scene (inclusive)
RADIUS_RANGE = (0.045, 0.14)        # object radius as a fraction of the image size
CLASS_GRAY = (0.0, 230.0, 190.0, 150.0)   # typical gray level of disk / square / triangle
GRAY_SPREAD = 45.0                  # object gray = CLASS_GRAY +- GRAY_SPREAD (bands overlap)
BACKGROUND_GRAY = (10, 90)
NOISE_SIGMA = (2.0, 28.0)
GRADIENT_GRAY = 30.0                # peak illumination change across the image
MAX_ATTEMPTS = 60


@dataclass(frozen=True)
class InstanceScene:
    """One synthetic scene with instance ground truth.

    Attributes
    ----------
    image : (H, W) uint8
        Gray image.
    masks : (N, H, W) bool
        Visible mask of each instance, in painting order.
    labels : (N,) int64
        Class of each instance, ``1..3`` indexing :data:`CLASS_NAMES`.
    boxes : (N, 4) float32
        Tight ``(x1, y1, x2, y2)`` box of each mask, ``x2``/``y2`` exclusive.
    """

    image: np.ndarray
    masks: np.ndarray
    labels: np.ndarray
    boxes: np.ndarray

    @property
    def instances(self) -> np.ndarray:
        """(H, W) int32 instance-id map, 0 = background, ``i + 1`` = instance i."""
        ids = np.zeros(self.image.shape, np.int32)
        for i, mask in enumerate(self.masks):
            ids[mask] = i + 1
        return ids


def _validate_scene_args(seed: int, size: int) -> tuple[int, int]:
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not isinstance(size, (int, np.integer)) or not 64 <= size <= 1024:
        raise ValueError(f"size must be an integer in [64, 1024], got {size!r}")
    return int(seed), int(size)


def _shape_footprint(label: int, center: np.ndarray, radius: float, angle: float,
                     size: int) -> np.ndarray:
    """Filled mask of one disk, square or triangle of the given circumradius."""
    mask = np.zeros((size, size), bool)
    if label == 1:
        rr, cc = disk(tuple(center), radius, shape=mask.shape)
    else:
        corners = 4 if label == 2 else 3
        circumradius = radius * (1.2 if label == 2 else 1.35)
        theta = angle + 2 * np.pi * np.arange(corners) / corners
        rr, cc = polygon(center[0] + circumradius * np.sin(theta),
                         center[1] + circumradius * np.cos(theta), shape=mask.shape)
    mask[rr, cc] = True
    return mask


def _visible_masks(footprints: list[np.ndarray]) -> list[np.ndarray]:
    """Visible part of each footprint when later footprints are painted on top."""
    covered = np.zeros_like(footprints[0])
    visible = []
    for footprint in reversed(footprints):
        visible.append(footprint & ~covered)
        covered |= footprint
    return visible[::-1]


def _place_objects(rng: np.random.Generator, size: int):
    """Sample objects until the count is reached, rejecting heavy occlusions."""
    wanted = int(rng.integers(OBJECTS_RANGE[0], OBJECTS_RANGE[1] + 1))
    footprints, labels, grays = [], [], []
    for _ in range(MAX_ATTEMPTS):
        if len(labels) == wanted:
            break
        label = int(rng.integers(1, len(CLASS_NAMES)))
        radius = rng.uniform(*RADIUS_RANGE) * size
        center = rng.uniform(radius * 0.6, size - radius * 0.6, size=2)
        footprint = _shape_footprint(label, center, radius, rng.uniform(0, 2 * np.pi), size)
        gray = float(np.clip(CLASS_GRAY[label] + rng.uniform(-GRAY_SPREAD, GRAY_SPREAD), 0, 250))
        touching = [g for f, g in zip(footprints, grays) if (f & footprint).any()]
        if any(abs(gray - g) < MIN_CONTRAST for g in touching):
            continue
        visible = _visible_masks(footprints + [footprint])
        areas = [f.sum() for f in footprints + [footprint]]
        if min(v.sum() / max(a, 1) for v, a in zip(visible, areas)) < MIN_VISIBLE:
            continue
        footprints.append(footprint)
        labels.append(label)
        grays.append(gray)
    return footprints, labels, grays


def _render(rng: np.random.Generator, size: int, footprints, grays) -> np.ndarray:
    """Background with a linear illumination ramp, painted objects, Gaussian noise."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    direction = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(direction) * xx + np.sin(direction) * yy) * rng.uniform(0, GRADIENT_GRAY)
    image = rng.uniform(*BACKGROUND_GRAY) + ramp
    for footprint, gray in zip(footprints, grays):
        image[footprint] = gray
    image = image + rng.normal(0.0, rng.uniform(*NOISE_SIGMA), image.shape)
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def _tight_boxes(masks: np.ndarray) -> np.ndarray:
    boxes = np.zeros((len(masks), 4), np.float32)
    for i, mask in enumerate(masks):
        rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
        boxes[i] = cols[0], rows[0], cols[-1] + 1, rows[-1] + 1
    return boxes


def make_instance_scene(seed: int = 0, size: int = 256) -> InstanceScene:
    """Draw one scene of overlapping shapes with visible-part instance masks.

    Parameters
    ----------
    seed : int
        Seed of ``np.random.default_rng``; equal seeds give equal scenes.
    size : int
        Side of the square image in pixels, in ``[64, 1024]``.

    Returns
    -------
    InstanceScene
        Image ``(size, size)`` uint8, masks ``(N, size, size)``, labels ``(N,)``,
        boxes ``(N, 4)`` with ``N <= 7``.

    Raises
    ------
    ValueError
        If ``seed`` is negative or ``size`` is out of range.

    Notes
    -----
    Instance masks follow the occlusion order: the mask of object :math:`i` is
    :math:`F_i \\setminus \\bigcup_{j > i} F_j` for filled footprints
    :math:`F`, so instance masks never overlap.

    Examples
    --------
    >>> scene = make_instance_scene(seed=3, size=128)
    >>> scene.image.shape, scene.masks.shape[1:], bool((scene.masks.sum(0) <= 1).all())
    ((128, 128), (128, 128), True)
    """
    seed, size = _validate_scene_args(seed, size)
    rng = np.random.default_rng(seed)
    footprints, labels, grays = _place_objects(rng, size)
    image = _render(rng, size, footprints, grays)
    masks = np.stack(_visible_masks(footprints))
    return InstanceScene(image=image, masks=masks, labels=np.asarray(labels, np.int64),
                         boxes=_tight_boxes(masks))


def make_instance_set(count: int, *, start_seed: int = HELD_OUT_SEED,
                      size: int = 256) -> list[InstanceScene]:
    """Scenes for seeds ``start_seed .. start_seed + count - 1``.

    Examples
    --------
    >>> len(make_instance_set(2, size=64))
    2
    """
    return [make_instance_scene(start_seed + i, size) for i in range(count)]
