"""Synthetic scenes with exact ground truth.

Every scene is generated from a seed: the same ``(name, seed, size, noise,
**kwargs)`` always gives the same arrays, bit for bit. The ground truth is the
drawn geometry itself (rasterised with :mod:`skimage.draw`), never a
thresholded copy of the image, so metrics against it are exact.

Geometry is laid out in normalised coordinates (fractions of the image side),
so one seed gives the same layout at every ``size``, and it is drawn from a
random stream separate from the noise: changing ``noise`` changes the image
but never the ground truth.

``noise`` is the standard deviation of additive Gaussian noise expressed as a
fraction of 255 (``noise=0.1`` adds noise with sigma = 25.5 grey levels);
the result is rounded and clipped to uint8.

Scenes
------
shapes
    Gray. Disks, squares and triangles on a dark background, one intensity
    per class (thresholding, clustering, region growing).
shapes_gradient
    The same objects under a strong illumination gradient: a global Otsu
    threshold fails, a local (Sauvola) threshold recovers them.
texture_mosaic
    Gray Voronoi mosaic of brick, grass and gravel with equal mean and
    standard deviation per patch: only texture separates them. Textures keep
    the native scale of scikit-image's bundled 512 x 512 photographs, so a
    small ``size`` shows fewer texture periods.
street
    RGB panoptic scene: stuff (sky, road, grass), things (cars, people),
    one crowd region and VOID pixels, in the COCO panoptic in-memory format.
crack
    Noisy dark image with a bright, thin, branching crack whose core pixels
    are exactly 255 (the lecture's "weld crack" region-growing example).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Callable

import numpy as np
from scipy import ndimage, signal
from skimage import data as skdata
from skimage import draw

__all__ = ["VOID", "PanopticGT", "Scene", "SceneInfo", "SCENES", "make_scene"]

VOID = 0
"""Panoptic segment id (and street semantic label) of unlabelled pixels."""

MIN_SIZE, MAX_SIZE = 64, 1024
GRAY_LEVELS = 255.0

# shapes / shapes_gradient ---------------------------------------------------
BACKGROUND, DISK, SQUARE, TRIANGLE = 0, 1, 2, 3
SHAPE_CLASSES = ("background", "disk", "square", "triangle")
SHAPE_INTENSITY = np.array([60.0, 230.0, 190.0, 150.0])  # indexed by class id
SHAPE_RADIUS = (0.04, 0.07)  # bounding radius of a disk, fraction of side
SHAPE_SCALE = {DISK: 1.0, SQUARE: 1.2, TRIANGLE: 1.4}  # similar areas per kind
SHAPE_GAP = 0.02  # free space between bounding circles, fraction of side
PLACEMENT_ATTEMPTS = 400  # random candidate positions per shape (and per thing)
SHRINK, SHRINK_STEPS = 0.8, 4  # a shape without room shrinks, at most this often
GRADIENT_RANGE = (0.35, 1.0)  # illumination factor, top-left -> bottom-right
GRADIENT_WIDTH = 0.25  # width of the ramp between shadow and light, along the diagonal

# texture_mosaic --------------------------------------------------------------
TEXTURES = ("brick", "grass", "gravel")
TEXTURE_MEAN, TEXTURE_STD = 128.0, 32.0
MIN_CLASS_FRACTION = 0.15  # every texture covers at least this share
LAYOUT_ATTEMPTS = 100

# street ----------------------------------------------------------------------
SKY, ROAD, GRASS, CAR, PERSON = 1, 2, 3, 4, 5
STREET_CATEGORIES = (
    {"id": SKY, "name": "sky", "isthing": 0},
    {"id": ROAD, "name": "road", "isthing": 0},
    {"id": GRASS, "name": "grass", "isthing": 0},
    {"id": CAR, "name": "car", "isthing": 1},
    {"id": PERSON, "name": "person", "isthing": 1},
)
STREET_CLASSES = ("void", "sky", "road", "grass", "car", "person")
SKY_TOP, SKY_HORIZON = (70, 130, 200), (175, 205, 235)
ROAD_RGB, LANE_RGB, GRASS_RGB = (95, 95, 100), (235, 235, 235), (70, 140, 60)
WHEEL_RGB, WINDOW_RGB, SKIN_RGB = (25, 25, 25), (140, 180, 205), (225, 185, 150)
PAINT_RGB = np.array([(200, 40, 40), (40, 80, 200), (230, 200, 50),
                      (235, 235, 235), (40, 40, 45), (150, 60, 160)])
PERSON_HEIGHT = 0.25  # height of a person at the bottom edge, fraction of side
PERSON_HALF_WIDTH = 0.12  # body half-width, in person heights
CAR_LENGTH, CAR_HEIGHT = 1.5, 0.75  # in person heights
MIN_DEPTH = 0.3  # things stand at least this far down the ground plane
MAX_OVERLAP = 0.3  # max share of a thing's box hidden by another thing's box
CROWD_PEOPLE = (5, 8)

# crack -------------------------------------------------------------------------
CRACK_BACKGROUND, CRACK_BLOTCH = 70.0, 15.0  # mean grey and smooth variation
CRACK_EDGE = 170.0  # intensity at the crack's rim (its core is 255)
CRACK_STEP = 0.01  # random-walk step, fraction of side
CRACK_TURN = 0.25  # std of the random heading kick per step (radians)
CRACK_MEMORY = 0.8  # share of the previous deviation kept per step (AR(1))
BRANCH_ANGLE = (0.7, 1.2)  # radians between a branch and its parent
BRANCH_SPAN = 6  # steps either side that define the parent's local direction
BRANCH_LENGTH = (0.15, 0.4)  # fraction of side


@dataclass(frozen=True, eq=False)
class PanopticGT:
    """Panoptic ground truth in the COCO panoptic in-memory format.

    Parameters
    ----------
    ids : (H, W) int32 ndarray
        Segment id per pixel, ``VOID`` (0) where unlabelled.
    segments : list of dict
        One ``{"id", "category_id", "iscrowd"}`` per id present in ``ids``.
    categories : list of dict
        ``{"id", "name", "isthing"}`` for every category.
    """

    ids: np.ndarray
    segments: list
    categories: list


@dataclass(frozen=True, eq=False)
class Scene:
    """A synthetic image with its exact ground truth.

    Arrays are read-only (scenes may be cached and shared); copy before
    editing.

    Parameters
    ----------
    name, title, description : str
        Catalog key, display title, one paragraph for the student.
    image : (H, W) or (H, W, 3) uint8 ndarray
        The picture (gray or RGB).
    semantic : (H, W) int32 ndarray
        Class id per pixel; ``class_names[k]`` names class ``k``.
    class_names : tuple of str
        Class names, index = class id.
    instances : (H, W) int32 ndarray or None
        Instance id per pixel (1..N), 0 where no instance: background,
        stuff, VOID and crowd pixels (a crowd is one panoptic segment, not
        an instance). ``None`` where the scene has no instances.
    panoptic : PanopticGT or None
        Panoptic ground truth (street scene only).
    has_void : bool
        Whether class 0 is ``VOID`` (unlabelled pixels, never scored; the
        street scene) rather than a real class such as "background".

    Examples
    --------
    >>> scene = make_scene("street", seed=0, size=64)
    >>> scene.class_names[scene.num_classes - 1], scene.image.shape
    ('person', (64, 64, 3))
    >>> sum(s["iscrowd"] for s in scene.panoptic.segments)
    1
    """

    name: str
    title: str
    description: str
    image: np.ndarray
    semantic: np.ndarray
    class_names: tuple
    instances: np.ndarray | None = None
    panoptic: PanopticGT | None = None
    has_void: bool = False

    @property
    def foreground(self) -> np.ndarray:
        """(H, W) bool: pixels whose class id is not 0 (not background, not VOID)."""
        return self.semantic > 0

    @property
    def void(self) -> np.ndarray:
        """(H, W) bool: the ``VOID`` pixels, which no score counts (all False without VOID)."""
        if not self.has_void:
            return np.zeros(self.semantic.shape, bool)
        return self.semantic == VOID

    @property
    def num_classes(self) -> int:
        """Number of classes, ``len(class_names)``."""
        return len(self.class_names)


@dataclass(frozen=True, eq=False)
class SceneInfo:
    """Catalog entry of a scene.

    Parameters
    ----------
    name, title, description : str
        Catalog key, display title and what the scene teaches.
    default_noise : float
        Noise used when ``make_scene(..., noise=None)``.
    params : mapping of str to (int, int, int)
        Extra keyword arguments of ``make_scene`` for this scene:
        ``name -> (default, minimum, maximum)``.
    """

    name: str
    title: str
    description: str
    default_noise: float
    params: dict = field(default_factory=dict)


# ---------------------------------------------------------------- helpers ---

def _rngs(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Independent generators for geometry and for noise."""
    return np.random.default_rng([seed, 0]), np.random.default_rng([seed, 1])


def _add_noise(clean: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Add Gaussian noise (sigma = noise * 255), round and clip to uint8."""
    noisy = clean.astype(np.float32)
    if noise > 0:
        noisy += np.float32(noise * GRAY_LEVELS) * rng.standard_normal(clean.shape, dtype=np.float32)
    return np.clip(np.rint(noisy, out=noisy), 0, 255, out=noisy).astype(np.uint8)


def _ellipse(center, radii, shape) -> tuple:
    return draw.ellipse(center[0], center[1], radii[0], radii[1], shape=shape)


def _rect(top_left, extent, shape) -> tuple:
    """Pixels of an axis-aligned rectangle; extent (rows, cols) in whole pixels."""
    rr, cc = draw.rectangle(top_left, extent=extent, shape=shape)
    return rr.ravel(), cc.ravel()


def _polygon(rows, cols, shape) -> tuple:
    return _inside(*draw.polygon(np.asarray(rows), np.asarray(cols)), shape)  # faster than shape=


def _inside(rr, cc, shape) -> tuple:
    """Keep the pixel coordinates that fall inside an image of ``shape``."""
    keep = (rr >= 0) & (rr < shape[0]) & (cc >= 0) & (cc < shape[1])
    return rr[keep], cc[keep]


def _freeze(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


# ----------------------------------------------------------------- shapes ---

@dataclass(frozen=True)
class _Shape:
    """One object of the shapes scene, in normalised coordinates."""

    kind: int
    center: tuple  # (row, col) in [0, 1]
    radius: float  # bounding radius, fraction of side
    angle: float  # triangle rotation (radians)

    def coords(self, size: int) -> tuple:
        """Pixel coordinates of the rasterised shape at ``size``."""
        shape = (size, size)
        cy, cx = self.center[0] * size, self.center[1] * size
        r = self.radius * size
        if self.kind == DISK:
            return draw.disk((cy, cx), r, shape=shape)
        if self.kind == SQUARE:
            side = max(2, int(round(r * np.sqrt(2.0))))
            return _rect((int(round(cy - side / 2)), int(round(cx - side / 2))), (side, side), shape)
        angles = self.angle + np.arange(3) * 2 * np.pi / 3
        return _polygon(cy + r * np.sin(angles), cx + r * np.cos(angles), shape)


def _shapes_layout(seed: int, n_per_class: int) -> list[_Shape]:
    """Non-overlapping disks, squares and triangles (bounding circles kept apart).

    A shape that finds no free spot in PLACEMENT_ATTEMPTS random tries is
    shrunk by SHRINK and tried again; after SHRINK_STEPS it is left out.
    """
    rng, _ = _rngs(seed)
    placed: list[_Shape] = []
    for i in range(3 * n_per_class):
        kind = (DISK, SQUARE, TRIANGLE)[i % 3]
        radius = rng.uniform(*SHAPE_RADIUS) * SHAPE_SCALE[kind]
        angle = rng.uniform(0, 2 * np.pi)
        for _ in range(SHRINK_STEPS):
            centers = rng.uniform(radius + SHAPE_GAP, 1 - radius - SHAPE_GAP, (PLACEMENT_ATTEMPTS, 2))
            free = np.ones(PLACEMENT_ATTEMPTS, bool)
            for other in placed:
                free &= np.hypot(*(centers - other.center).T) > radius + other.radius + SHAPE_GAP
            if free.any():
                placed.append(_Shape(kind, tuple(centers[np.argmax(free)]), radius, angle))
                break
            radius *= SHRINK
    return placed


def _shapes_ground_truth(seed: int, size: int, n_per_class: int) -> tuple[np.ndarray, np.ndarray]:
    semantic = np.zeros((size, size), np.int32)
    instances = np.zeros((size, size), np.int32)
    for instance_id, s in enumerate(_shapes_layout(seed, n_per_class), start=1):
        coords = s.coords(size)
        semantic[coords] = s.kind
        instances[coords] = instance_id
    return semantic, instances


def _illumination(size: int) -> np.ndarray:
    """Multiplicative soft shadow across the diagonal: dim top-left, bright bottom-right.

    ``g = low + (high - low) * smoothstep((d - 1/2) / GRADIENT_WIDTH + 1/2)``
    with ``d`` in 0..1 the position along the diagonal, so about a third of
    the image lies in the shadow, a third in full light and a third in the
    ramp between: whatever the layout, some shapes end up darker than the
    lit background.
    """
    low, high = GRADIENT_RANGE
    t = np.linspace(0.0, 1.0, size)
    u = np.clip(((t[:, None] + t[None, :]) / 2 - 0.5) / GRADIENT_WIDTH + 0.5, 0.0, 1.0)
    return low + (high - low) * u * u * (3 - 2 * u)


def _make_shapes(seed, size, noise, n_per_class, *, gradient=False):
    semantic, instances = _shapes_ground_truth(seed, size, n_per_class)
    clean = SHAPE_INTENSITY[semantic]
    if gradient:
        clean = clean * _illumination(size)
    _, noise_rng = _rngs(seed)
    image = _add_noise(clean, noise, noise_rng)
    return dict(image=image, semantic=semantic, class_names=SHAPE_CLASSES, instances=instances)


# ---------------------------------------------------------------- texture ---

@lru_cache(maxsize=8)
def _texture_sources(size: int) -> tuple[np.ndarray, ...]:
    """brick, grass, gravel as float, mirrored out to at least ``size``."""
    sources = []
    for name in TEXTURES:
        tex = getattr(skdata, name)().astype(np.float64)
        pad = max(0, size - tex.shape[0])
        sources.append(_freeze(np.pad(tex, ((0, pad), (0, pad)), mode="symmetric")))
    return tuple(sources)


def _voronoi_cells(points: np.ndarray, size: int) -> np.ndarray:
    """Index of the nearest point for every pixel (normalised coordinates)."""
    t = (np.arange(size) + 0.5) / size
    d2 = (t[None, :, None] - points[:, 0, None, None]) ** 2 + (t[None, None, :] - points[:, 1, None, None]) ** 2
    return np.argmin(d2, axis=0).astype(np.int32)


def _mosaic_layout(rng, size: int, n_regions: int) -> tuple[np.ndarray, np.ndarray]:
    """Voronoi cells and a texture class per cell, every class >= MIN_CLASS_FRACTION."""
    for _ in range(LAYOUT_ATTEMPTS):
        points = rng.uniform(0, 1, (n_regions, 2))
        cell_class = rng.permutation(np.arange(n_regions) % len(TEXTURES)).astype(np.int32)
        cells = _voronoi_cells(points, size)
        fractions = np.bincount(cell_class[cells].ravel(), minlength=len(TEXTURES)) / cells.size
        if fractions.min() >= MIN_CLASS_FRACTION:
            break
    return cells, cell_class


def _build_texture_mosaic(seed, size, noise, n_regions):
    rng, noise_rng = _rngs(seed)
    cells, cell_class = _mosaic_layout(rng, size, n_regions)
    sources = _texture_sources(size)
    clean = np.empty((size, size))
    for cell, texture in enumerate(cell_class):
        source = sources[texture]
        oy, ox = rng.integers(0, source.shape[0] - size + 1, 2)
        mask = cells == cell
        values = source[oy:oy + size, ox:ox + size][mask]
        clean[mask] = (values - values.mean()) / max(values.std(), 1e-9) * TEXTURE_STD + TEXTURE_MEAN
    image = _add_noise(clean, noise, noise_rng)
    return dict(image=image, semantic=cell_class[cells], class_names=TEXTURES, instances=None)


# ----------------------------------------------------------------- street ---

@dataclass(frozen=True)
class _Ground:
    """Perspective ground plane: horizon row and road trapezoid (normalised)."""

    horizon: float
    vanish_x: float  # road centre at the horizon
    top_half: float = 0.02  # road half-width at the horizon
    bottom_half: float = 0.55  # road half-width at the bottom edge

    def depth(self, row: float) -> float:
        """0 at the horizon, 1 at the bottom edge (object scale)."""
        return (row - self.horizon) / (1 - self.horizon)

    def road_at(self, row: float) -> tuple[float, float]:
        """(centre, half-width) of the road at a normalised row."""
        t = self.depth(row)
        return self.vanish_x + t * (0.5 - self.vanish_x), self.top_half + t * (self.bottom_half - self.top_half)


@dataclass(frozen=True)
class _Thing:
    """A car, a person or a crowd standing on the ground (normalised units).

    ``foot`` is the (row, col) where it touches the ground, ``scale`` the
    height of a person at that depth; ``members`` are the (drow, dcol)
    offsets of the people of a person or crowd, in units of ``scale``.
    """

    category: int
    foot: tuple
    scale: float
    colors: tuple  # indices into PAINT_RGB, one per member (one for a car)
    members: tuple = ((0.0, 0.0),)
    iscrowd: bool = False

    def box(self) -> tuple[float, float, float, float]:
        """(top, left, bottom, right), normalised."""
        (y, x), s = self.foot, self.scale
        if self.category == CAR:
            return y - CAR_HEIGHT * s, x - CAR_LENGTH / 2 * s, y, x + CAR_LENGTH / 2 * s
        dy, dx = np.array(self.members).T
        return (y + (dy.min() - 1) * s, x + (dx.min() - PERSON_HALF_WIDTH) * s,
                y + dy.max() * s, x + (dx.max() + PERSON_HALF_WIDTH) * s)

    def parts(self, size: int) -> list[tuple[tuple, tuple]]:
        """(pixel coords, RGB) of each drawn part, in drawing order."""
        shape = (size, size)
        y, x, s = self.foot[0] * size, self.foot[1] * size, self.scale * size
        if self.category == CAR:
            return _car_parts(y, x, s, PAINT_RGB[self.colors[0]], shape)
        parts = []
        for (dy, dx), color in zip(self.members, self.colors):
            parts += _person_parts(y + dy * s, x + dx * s, s, PAINT_RGB[color], shape)
        return parts


def _car_parts(y, x, s, paint, shape) -> list:
    """Body, cabin, window and two wheels of a car whose wheels touch row y."""
    wheel_r, body_h, cabin_h = 0.13 * s, 0.3 * s, CAR_HEIGHT * s - 0.43 * s
    body_top, cabin_top = y - wheel_r - body_h, y - CAR_HEIGHT * s

    def box(top, left, height, width):
        return _rect((int(round(top)), int(round(left))), (max(1, int(round(height))), max(1, int(round(width)))),
                     shape)

    length = CAR_LENGTH * s
    return [
        (box(body_top, x - length / 2, body_h + wheel_r / 2, length), paint),
        (box(cabin_top, x - 0.4 * s, cabin_h, 0.8 * s), paint),
        (box(cabin_top + 0.05 * s, x - 0.33 * s, cabin_h - 0.05 * s, 0.66 * s), WINDOW_RGB),
        (draw.disk((y - wheel_r, x - 0.45 * s), max(wheel_r, 0.8), shape=shape), WHEEL_RGB),
        (draw.disk((y - wheel_r, x + 0.45 * s), max(wheel_r, 0.8), shape=shape), WHEEL_RGB),
    ]


def _person_parts(y, x, s, paint, shape) -> list:
    """Ellipse body and disk head of a person of height s whose feet are at row y."""
    body = _ellipse((y - 0.4 * s, x), (max(0.4 * s, 1.0), max(PERSON_HALF_WIDTH * s, 0.8)), shape)
    head = draw.disk((y - 0.9 * s, x), max(0.1 * s, 0.8), shape=shape)
    return [(body, paint), (head, SKIN_RGB)]


def _overlap_ok(box, boxes) -> bool:
    """True when ``box`` and every other box hide < MAX_OVERLAP of each other."""
    def area(b):
        return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])

    for other in boxes:
        inter = area((max(box[0], other[0]), max(box[1], other[1]), min(box[2], other[2]), min(box[3], other[3])))
        if inter > MAX_OVERLAP * min(area(box), area(other)):
            return False
    return True


def _random_thing(rng, ground: _Ground, kind: str) -> _Thing:
    """One car (on the road), person or crowd (anywhere on the ground)."""
    depth = rng.uniform(MIN_DEPTH, 0.97)
    row = ground.horizon + (1 - ground.horizon) * depth
    scale = PERSON_HEIGHT * depth
    if kind == "car":
        centre, half = ground.road_at(row)
        return _Thing(CAR, (row, rng.uniform(centre - 0.6 * half, centre + 0.6 * half)), scale,
                      (int(rng.integers(len(PAINT_RGB))),))
    n = 1 if kind == "person" else int(rng.integers(CROWD_PEOPLE[0], CROWD_PEOPLE[1] + 1))
    dx = np.linspace(-0.45, 0.45, n) * (n > 1) + rng.uniform(-0.04, 0.04, n) * (n > 1)
    dy = np.sort(rng.uniform(-0.08, 0.08, n)) * (n > 1)  # back row first
    members = tuple((float(a), float(b)) for a, b in zip(dy, dx))
    colors = tuple(int(c) for c in rng.integers(len(PAINT_RGB), size=n))
    return _Thing(PERSON, (row, rng.uniform(0.05, 0.95)), scale, colors, members, iscrowd=n > 1)


def _street_things(rng, ground: _Ground, n_cars: int, n_people: int) -> list[_Thing]:
    """Cars, people and one crowd placed without heavy overlap, sorted far to near."""
    things: list[_Thing] = []
    for kind in ["crowd"] + ["car"] * n_cars + ["person"] * n_people:
        for _ in range(PLACEMENT_ATTEMPTS):
            thing = _random_thing(rng, ground, kind)
            top, left, _, right = thing.box()
            if top > ground.horizon * 0.5 and left > 0 and right < 1 and _overlap_ok(
                    thing.box(), [t.box() for t in things]):
                things.append(thing)
                break
    return sorted(things, key=lambda t: t.foot[0])


def _street_background(ground: _Ground, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Stuff categories and their colours: sky gradient, road with lane dashes, grass."""
    rows = (np.arange(size) + 0.5) / size
    cols = (np.arange(size) + 0.5) / size
    centre, half = np.vectorize(ground.road_at)(rows)
    on_road = (np.abs(cols[None, :] - centre[:, None]) <= half[:, None]) & (rows[:, None] >= ground.horizon)
    semantic = np.where(rows[:, None] < ground.horizon, SKY, np.where(on_road, ROAD, GRASS)).astype(np.int32)
    t = np.clip(rows / ground.horizon, 0, 1)[:, None, None]
    image = np.empty((size, size, 3))
    image[:] = (1 - t) * np.array(SKY_TOP) + t * np.array(SKY_HORIZON)
    image[semantic == ROAD] = ROAD_RGB
    image[semantic == GRASS] = GRASS_RGB
    depth = np.clip((rows - ground.horizon) / (1 - ground.horizon), 0, 1)
    dashes = (np.sin(1.0 / np.maximum(depth, 1e-3) * 6.0) > 0)[:, None]
    lane = on_road & dashes & (np.abs(cols[None, :] - centre[:, None]) <= 0.05 * half[:, None])
    image[lane] = LANE_RGB
    return semantic, image


def _void_band(things_mask: np.ndarray, size: int) -> np.ndarray:
    """Stuff pixels next to a thing: left unlabelled, as annotators do."""
    width = max(1, size // 256)
    return ndimage.binary_dilation(things_mask, iterations=width) & ~things_mask


def _build_street(seed, size, noise, n_cars, n_people):
    rng, noise_rng = _rngs(seed)
    ground = _Ground(horizon=rng.uniform(0.35, 0.45), vanish_x=rng.uniform(0.4, 0.6))
    semantic, clean = _street_background(ground, size)
    ids = semantic.copy()  # stuff segment id == its category id
    instances = np.zeros((size, size), np.int32)
    segments = [{"id": c["id"], "category_id": c["id"], "iscrowd": 0} for c in STREET_CATEGORIES if not c["isthing"]]
    n_instances = 0
    for thing in _street_things(rng, ground, n_cars, n_people):
        segment_id = len(segments) + 1
        segments.append({"id": segment_id, "category_id": thing.category, "iscrowd": int(thing.iscrowd)})
        n_instances += not thing.iscrowd
        instance_id = 0 if thing.iscrowd else n_instances
        for coords, rgb in thing.parts(size):
            clean[coords] = rgb
            semantic[coords] = thing.category
            ids[coords] = segment_id
            instances[coords] = instance_id
    void = _void_band(semantic >= CAR, size)
    semantic[void] = VOID
    ids[void] = VOID
    present = set(np.unique(ids).tolist())
    segments = [s for s in segments if s["id"] in present]
    panoptic = PanopticGT(ids=_freeze(ids), segments=segments, categories=[dict(c) for c in STREET_CATEGORIES])
    image = _add_noise(clean, noise, noise_rng)
    return dict(image=image, semantic=semantic, class_names=STREET_CLASSES, instances=instances,
                panoptic=panoptic, has_void=True)


# ------------------------------------------------------------------ crack ---

def _random_walk(rng, start, heading, n_steps) -> np.ndarray:
    """Jagged polyline (normalised) around ``heading``: an AR(1) deviation per step."""
    deviation = signal.lfilter([1.0], [1.0, -CRACK_MEMORY], rng.normal(0.0, CRACK_TURN, n_steps))
    angles = heading + deviation
    steps = CRACK_STEP * np.stack([np.sin(angles), np.cos(angles)], axis=1)
    return np.vstack([start, start + np.cumsum(steps, axis=0)])


def _crack_paths(rng, n_branches: int) -> list[np.ndarray]:
    """A main crack crossing left to right and branches forking off earlier paths.

    A branch starts at a random point of its parent (not its first or last
    tenth) and leaves it at BRANCH_ANGLE to the parent's local direction,
    turning to the same side as its parent did, so branches fan out.
    """
    main = _random_walk(rng, np.array([rng.uniform(0.3, 0.7), -0.02]), 0.0, int(1.1 / CRACK_STEP))
    paths, sides = [main], [0]
    for _ in range(n_branches):
        k = int(rng.integers(len(paths)))
        parent, side = paths[k], sides[k] or rng.choice([-1, 1])
        i = int(rng.integers(len(parent) // 10, max(len(parent) * 9 // 10, len(parent) // 10 + 1)))
        along = parent[min(i + BRANCH_SPAN, len(parent) - 1)] - parent[max(i - BRANCH_SPAN, 0)]
        heading = np.arctan2(along[0], along[1]) + side * rng.uniform(*BRANCH_ANGLE)
        paths.append(_random_walk(rng, parent[i], heading, int(rng.uniform(*BRANCH_LENGTH) / CRACK_STEP)))
        sides.append(side)
    return paths


def _rasterise_paths(paths, size: int) -> np.ndarray:
    """One-pixel, 8-connected core of the polylines (clipped to the image)."""
    core = np.zeros((size, size), bool)
    for path in paths:
        points = np.rint(path * (size - 1)).astype(int)
        for (r0, c0), (r1, c1) in zip(points[:-1], points[1:]):
            core[_inside(*draw.line(r0, c0, r1, c1), core.shape)] = True
    return core


def _smooth_field(rng, size: int, n_bumps: int = 6) -> np.ndarray:
    """Unit-variance blotchy field: random weights on a grid of Gaussian bumps."""
    t = np.linspace(0.0, 1.0, size)
    centres = np.linspace(0.0, 1.0, n_bumps)
    basis = np.exp(-0.5 * ((t[:, None] - centres[None, :]) * (n_bumps - 1)) ** 2)
    rows = basis @ rng.standard_normal((n_bumps, n_bumps))
    # a sum of outer products, not ``rows @ basis.T``: a threaded BLAS call
    # costs more wall time than it saves on a busy shared server
    field = sum(np.multiply.outer(rows[:, k], basis[:, k]) for k in range(n_bumps))
    return field / field.std()


def _build_crack(seed, size, noise, n_branches):
    rng, noise_rng = _rngs(seed)
    core = _rasterise_paths(_crack_paths(rng, n_branches), size)
    half_width = max(1.0, size / 128)
    distance = ndimage.distance_transform_edt(~core)
    crack = distance <= half_width
    clean = CRACK_BACKGROUND + CRACK_BLOTCH * _smooth_field(rng, size)
    clean[crack] = 255.0 - (255.0 - CRACK_EDGE) * distance[crack] / half_width
    image = np.minimum(_add_noise(clean, noise, noise_rng), 254)  # 255 is reserved ...
    image[core] = 255  # ... for the saturated core: the lecture's seeds
    return dict(image=image, semantic=crack.astype(np.int32), class_names=("background", "crack"), instances=None)


# ---------------------------------------------------------------- catalog ---

SCENES: dict[str, SceneInfo] = {
    "shapes": SceneInfo(
        "shapes", "Shapes on a dark background",
        "Disks, squares and triangles at one grey level per class (60 / 230 / 190 / 150) plus "
        "Gaussian noise. Semantic and instance ground truth.",
        0.08, {"n_per_class": (4, 1, 6)}),
    "shapes_gradient": SceneInfo(
        "shapes_gradient", "Shapes under uneven light",
        "The same shapes as 'shapes' (same seed, same geometry) under a soft shadow: 35% of "
        "the light top-left, full light bottom-right. Shaded shapes are darker than the lit "
        "background, so no global threshold fits; a local one (Sauvola, window larger than "
        "the shapes) does.",
        0.02, {"n_per_class": (4, 1, 6)}),
    "texture_mosaic": SceneInfo(
        "texture_mosaic", "Texture mosaic: brick, grass, gravel",
        "Voronoi patches of three textures, each patch rescaled to the same mean and standard "
        "deviation: intensity alone cannot tell them apart, texture features can.",
        0.02, {"n_regions": (6, 3, 16)}),
    "street": SceneInfo(
        "street", "Street scene (panoptic)",
        "Stuff (sky, road, grass) and things (cars, people) with one crowd segment and a VOID "
        "band around things, in the COCO panoptic format.",
        0.03, {"n_cars": (3, 0, 6), "n_people": (4, 0, 8)}),
    "crack": SceneInfo(
        "crack", "Weld crack / lightning",
        "A thin bright branching crack in a noisy dark image. Its core pixels are exactly 255, "
        "so 'all pixels at the maximum' are good region-growing seeds.",
        0.06, {"n_branches": (4, 0, 8)}),
}

_BUILDERS: dict[str, Callable[..., dict]] = {
    "shapes": _make_shapes,
    "shapes_gradient": partial(_make_shapes, gradient=True),
    "texture_mosaic": _build_texture_mosaic,
    "street": _build_street,
    "crack": _build_crack,
}


def _validate_scene_args(name, seed, size, noise, kwargs) -> tuple[int, int, float, dict]:
    """Check make_scene's arguments; return seed, size, noise and all scene params."""
    if not isinstance(name, str) or name not in SCENES:
        raise ValueError(f"name must be one of {sorted(SCENES)}, got {name!r}")
    info = SCENES[name]
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"size must be an integer in {MIN_SIZE}..{MAX_SIZE}, got {size!r}")
    noise = info.default_noise if noise is None else noise
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.number)) or not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise must be a number in 0..1 (std as a fraction of 255), got {noise!r}")
    params = {}
    for key, (default, low, high) in info.params.items():
        value = kwargs.pop(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
            raise ValueError(f"{key} must be an integer in {low}..{high} for scene {name!r}, got {value!r}")
        params[key] = int(value)
    if kwargs:
        raise ValueError(f"unknown argument(s) {sorted(kwargs)} for scene {name!r}; "
                         f"it accepts {sorted(info.params) or 'none'}")
    return int(seed), int(size), float(noise), params


def make_scene(name: str, *, seed: int = 0, size: int = 256, noise: float | None = None, **kwargs) -> Scene:
    """Generate a synthetic scene with exact ground truth.

    Parameters
    ----------
    name : str
        A key of :data:`SCENES`: ``"shapes"``, ``"shapes_gradient"``,
        ``"texture_mosaic"``, ``"street"`` or ``"crack"``.
    seed : int, optional
        Non-negative seed; the same arguments always give identical arrays.
    size : int, optional
        Side of the square image in pixels, 64..1024.
    noise : float, optional
        Standard deviation of additive Gaussian noise as a fraction of 255
        (0..1). ``None`` uses the scene's ``SCENES[name].default_noise``.
        Noise never changes the ground truth.
    **kwargs
        Scene parameters listed in ``SCENES[name].params`` as
        ``name -> (default, minimum, maximum)``, e.g. ``n_per_class`` for
        shapes, ``n_regions`` for the mosaic, ``n_cars`` and ``n_people`` for
        the street, ``n_branches`` for the crack.

    Returns
    -------
    Scene
        Image (uint8, (size, size) gray or (size, size, 3) RGB) with its
        semantic map, class names, instances (shapes, street) and panoptic
        ground truth (street). Arrays are read-only.

    Raises
    ------
    ValueError
        Unknown ``name`` or keyword, ``size`` outside 64..1024, ``noise``
        outside 0..1, a negative ``seed`` or a scene parameter out of range;
        the message names the argument.

    Notes
    -----
    The observed image is :math:`I = \\mathrm{clip}(\\mathrm{round}(J + n))`
    with :math:`n \\sim \\mathcal{N}(0, (255\\,\\mathrm{noise})^2)` and
    :math:`J` the noiseless rendering of the ground truth; geometry and noise
    come from independent random streams of ``seed``.

    ``shapes_gradient`` renders :math:`J(x) = g(x)\\,\\rho(x)` with
    :math:`\\rho` the noiseless ``shapes`` image and :math:`g` a soft diagonal
    shadow from 0.35 to 1, so a shaded triangle
    (:math:`0.35 \\cdot 150 \\approx 52`) is darker than the lit background
    (60): no global threshold separates them [2]_, while a local one such as
    Sauvola's :math:`T = m\\,(1 + k\\,(s/R - 1))` [3]_ with a window larger
    than the shapes does (``tests/test_scenes.py`` checks it).
    Sauvola assumes dark objects on a bright page, so apply it to
    ``255 - image`` (or use a bright-object polarity).

    ``street`` follows the panoptic conventions of [1]_: every pixel belongs to
    one segment or to VOID (0), stuff categories have one segment each,
    things one segment per instance, and a crowd is one ``iscrowd=1``
    segment covering several people. Things are drawn far to near, so a
    nearer one hides a farther one and the label maps record what is
    visible. A band of VOID pixels separates things from the stuff around
    them, as in human annotations.

    ``crack`` draws a one-pixel 8-connected core (value 255, the only 255s in
    the image), widened to a crack whose brightness falls off with the
    distance to the core; the lecture's weld example seeds region growing at
    exactly those pixels.

    References
    ----------
    .. [1] A. Kirillov, K. He, R. Girshick, C. Rother and P. Dollar,
       "Panoptic Segmentation", CVPR 2019.
    .. [2] N. Otsu, "A Threshold Selection Method from Gray-Level
       Histograms", IEEE Trans. SMC 9(1), 1979.
    .. [3] J. Sauvola and M. Pietikainen, "Adaptive document image
       binarization", Pattern Recognition 33(2), 2000.

    Examples
    --------
    >>> scene = make_scene("shapes", seed=1, size=64, noise=0.0)
    >>> scene.image.shape, scene.image.dtype, scene.class_names[1]
    ((64, 64), dtype('uint8'), 'disk')
    >>> sorted(set(scene.image[scene.semantic == 1].tolist()))
    [230]
    """
    seed, size, noise, params = _validate_scene_args(name, seed, size, noise, dict(kwargs))
    info = SCENES[name]
    parts = _BUILDERS[name](seed, size, noise, **params)
    for key in ("image", "semantic", "instances"):
        if parts.get(key) is not None:
            parts[key] = _freeze(np.ascontiguousarray(parts[key]))
    parts["semantic"] = _freeze(parts["semantic"].astype(np.int32, copy=False))
    return Scene(name=name, title=info.title, description=info.description, **parts)
