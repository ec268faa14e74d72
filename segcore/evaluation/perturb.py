"""Make a panoptic prediction from ground truth by the errors a real model makes.

Each perturbation is one typical failure, and each changes panoptic quality
in its own way:

- *grow* (erode / dilate): boundaries off by a few pixels; SQ drops, RQ
  survives until IoU falls to 0.5;
- *shift*: the whole prediction is misregistered; small things lose their
  match first;
- *split* an instance in two: one FN plus two FP (neither half has IoU > 0.5);
- *merge* two touching instances of one class: one of them becomes a FN, or
  both when the pair is about equal in size;
- *drop* an instance: a FN;
- *false positive*: a thing where there is none: a FP, unless it lies mostly
  on VOID or on a crowd region of its class;
- *relabel* a class: every segment of it becomes a FN *and* a FP;
- *paint VOID*: the prediction abstains on a rectangle; VOID predictions cost
  IoU but are never false positives.

:func:`perturb_panoptic` applies the chosen ones in a fixed order, records
one step per perturbation, and is deterministic for a given ``random_state``.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
from scipy import ndimage

from segcore.evaluation.panoptic import VOID
from segcore.trace import Trace, TraceRecorder

__all__ = ["MAX_GROW", "perturb_panoptic", "shift_map"]

#: Largest erosion / dilation radius in pixels.
MAX_GROW = 15
#: Radius of an added false-positive blob, as a fraction of the image's short side.
FP_RADIUS_FRACTION = 0.07
#: Confidence ranges given to copied segments and to invented ones (for mask AP).
_SCORE_RANGE = (0.55, 0.99)
_FP_SCORE_RANGE = (0.3, 0.9)


def _validate_perturb(ids, segments, categories, grow, shift, counts, void_fraction, relabel):
    """Check inputs; return the id map (int64 copy) and id -> category dict."""
    id_map = np.asarray(ids)
    if id_map.ndim != 2 or id_map.dtype.kind not in "iu":
        raise ValueError(f"ids must be a 2-D integer segment-id map, got shape {id_map.shape} "
                         f"and dtype {id_map.dtype}")
    cats = {int(c["id"]): bool(c["isthing"]) for c in categories}
    category = {int(s["id"]): int(s["category_id"]) for s in segments}
    unknown = set(np.unique(id_map).tolist()) - set(category) - {VOID}
    if unknown:
        raise ValueError(f"ids contains segment ids without an entry in segments: "
                         f"{sorted(unknown)[:5]}")
    if set(category.values()) - set(cats):
        raise ValueError(f"segments use categories {sorted(set(category.values()) - set(cats))} "
                         f"missing from categories")
    if not -MAX_GROW <= int(grow) <= MAX_GROW:
        raise ValueError(f"grow must lie in -{MAX_GROW}..{MAX_GROW}, got {grow}")
    if len(shift) != 2:
        raise ValueError(f"shift must be (dy, dx), got {shift!r}")
    for name, value in counts.items():
        if int(value) < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    if not 0.0 <= float(void_fraction) <= 1.0:
        raise ValueError(f"void_fraction must lie in [0, 1], got {void_fraction}")
    for source, target in (relabel or {}).items():
        if int(source) not in cats or int(target) not in cats:
            raise ValueError(f"relabel maps category {source} -> {target}; both must be in "
                             f"categories {sorted(cats)}")
    return id_map.astype(np.int64), category, cats


def _things(id_map, category, isthing, crowd) -> list[int]:
    """Thing instance ids present in the map (crowd regions excluded), largest first."""
    ids, areas = np.unique(id_map[id_map != VOID], return_counts=True)
    keep = [(-a, i) for i, a in zip(ids.tolist(), areas.tolist())
            if isthing[category[i]] and i not in crowd]
    return [i for _, i in sorted(keep)]


def _disk(radius: int) -> np.ndarray:
    yy, xx = np.mgrid[-radius:radius + 1, -radius:radius + 1]
    return yy ** 2 + xx ** 2 <= radius ** 2


def _grow_things(id_map, category, isthing, radius: int) -> np.ndarray:
    """Dilate (radius > 0) thing instances over their surroundings, or erode them (< 0) to VOID."""
    things = np.isin(id_map, [i for i in category if isthing[category[i]]])
    footprint = _disk(abs(radius))
    if radius > 0:
        grown = ndimage.grey_dilation(np.where(things, id_map, 0), footprint=footprint)
        return np.where(~things & (grown > 0), grown, id_map)
    same = (ndimage.grey_erosion(id_map, footprint=footprint, mode="nearest")
            == ndimage.grey_dilation(id_map, footprint=footprint, mode="nearest"))
    return np.where(things & ~same, VOID, id_map)


def shift_map(id_map: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Translate a (H, W) map by (dy, dx) pixels; uncovered border pixels become 0 (VOID).

    Examples
    --------
    >>> shift_map(np.array([[1, 2, 3]]), 0, 1).tolist()
    [[0, 1, 2]]
    """
    out = np.full_like(id_map, VOID)
    h, w = id_map.shape
    src = id_map[max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
    out[max(0, dy):max(0, dy) + src.shape[0], max(0, dx):max(0, dx) + src.shape[1]] = src
    return out


def _split_instances(id_map, category, targets, next_id) -> tuple[np.ndarray, int]:
    """Cut each target instance by a vertical line through its centroid."""
    out = id_map.copy()
    cols = np.arange(id_map.shape[1])[None, :]
    for seg in targets:
        mask = id_map == seg
        cut = np.nonzero(mask)[1].mean()
        out[mask & (cols > cut)] = next_id
        category[next_id] = category[seg]
        next_id += 1
    return out, next_id


def _closest_pairs(id_map, category, things, count) -> list[tuple[int, int]]:
    """The ``count`` closest same-class instance pairs (centroid distance), disjoint."""
    centers = {i: np.array(ndimage.center_of_mass(id_map == i)) for i in things}
    pairs = sorted((float(np.linalg.norm(centers[a] - centers[b])), a, b)
                   for k, a in enumerate(things) for b in things[k + 1:]
                   if category[a] == category[b])
    chosen, used = [], set()
    for _, a, b in pairs:
        if len(chosen) < count and not {a, b} & used:
            chosen.append((a, b))
            used |= {a, b}
    return chosen


def _add_false_positives(id_map, category, cats, count, rng, next_id):
    """Paint ``count`` disks of a random thing class at random places."""
    thing_cats = sorted(c for c, t in cats.items() if t) or sorted(cats)
    h, w = id_map.shape
    radius = max(2, int(FP_RADIUS_FRACTION * min(h, w)))
    yy, xx = np.mgrid[:h, :w]
    out = id_map.copy()
    new = []
    for _ in range(count):
        cy, cx = rng.integers(0, h), rng.integers(0, w)
        out[(yy - cy) ** 2 + (xx - cx) ** 2 <= radius ** 2] = next_id
        category[next_id] = int(rng.choice(thing_cats))
        new.append(next_id)
        next_id += 1
    return out, new


def _paint_void(id_map, fraction: float, rng) -> np.ndarray:
    """Set a random rectangle covering ``fraction`` of the image to VOID."""
    h, w = id_map.shape
    rh, rw = max(1, round(h * np.sqrt(fraction))), max(1, round(w * np.sqrt(fraction)))
    y, x = rng.integers(0, h - rh + 1), rng.integers(0, w - rw + 1)
    out = id_map.copy()
    out[y:y + rh, x:x + rw] = VOID
    return out


def perturb_panoptic(ids, segments, categories, *, grow: int = 0, shift=(0, 0), split: int = 0,
                     merge: int = 0, drop: int = 0, false_positives: int = 0,
                     relabel: Mapping[int, int] | None = None, void_fraction: float = 0.0,
                     random_state=0) -> Trace:
    """A panoptic prediction made from ground truth by chosen, typical errors.

    Parameters
    ----------
    ids : (H, W) array of int
        Ground-truth segment ids, 0 = VOID.
    segments : list of dict
        ``{"id", "category_id", "iscrowd"}`` for the ids (crowd regions become
        ordinary predicted segments: a model does not predict crowd).
    categories : list of dict
        ``{"id", "name", "isthing"}``.
    grow : int
        Thing boundary change in pixels: > 0 dilates things over their
        surroundings, < 0 erodes them (freed pixels become VOID);
        ``|grow| <= MAX_GROW``.
    shift : (int, int)
        ``(dy, dx)`` translation of the whole prediction; uncovered border VOID.
    split, merge, drop, false_positives : int
        How many instances to split in two (largest first), how many
        closest same-class pairs to merge, how many random instances to drop
        (VOID), how many random false-positive disks to add. Crowd regions
        are never split, merged or dropped.
    relabel : dict of int to int, optional
        Category changes ``{from_category: to_category}`` for every segment.
    void_fraction : float
        Fraction of the image covered by a random VOID rectangle, in [0, 1].
    random_state : int or numpy.random.Generator
        Seed for the random choices (drop, false positives, VOID rectangle,
        scores); the same seed gives the same prediction.

    Returns
    -------
    Trace
        ``output = {"ids": (H, W) int32, "segments": list of {"id",
        "category_id", "score"}}``; one step per applied perturbation, each
        holding the id map after it.

    Raises
    ------
    ValueError
        Ids without segments, unknown categories, out-of-range parameters.

    Notes
    -----
    Order: relabel, merge, split, grow, shift, drop, false positives, VOID.
    Scores (for mask AP) are random in [0.55, 0.99] for copied segments and
    [0.3, 0.9] for false positives.

    Examples
    --------
    >>> import numpy as np
    >>> ids = np.array([[1, 1, 2, 2, 2, 2]])
    >>> segs = [{"id": 1, "category_id": 1}, {"id": 2, "category_id": 2}]
    >>> cats = [{"id": 1, "name": "road", "isthing": 0}, {"id": 2, "name": "car", "isthing": 1}]
    >>> t = perturb_panoptic(ids, segs, cats, split=1)
    >>> t.ids.tolist(), [s["category_id"] for s in t.segments]
    ([[1, 1, 2, 2, 3, 3]], [1, 2, 2])
    """
    counts = {"split": split, "merge": merge, "drop": drop, "false_positives": false_positives}
    id_map, category, isthing = _validate_perturb(ids, segments, categories, grow, shift, counts,
                                                  void_fraction, relabel)
    rng = np.random.default_rng(random_state)
    next_id = max([int(id_map.max()), *category]) + 1
    invented: list[int] = []
    crowd = {int(s["id"]) for s in segments if s.get("iscrowd", 0)}
    rec = TraceRecorder()
    rec.add("ground truth", id_map.astype(np.int32), "The prediction starts as a copy of the "
            "ground truth (crowd regions become ordinary segments).")

    if relabel:
        for seg, cat in category.items():
            category[seg] = int(relabel.get(cat, cat))
        rec.add("relabel", id_map.astype(np.int32), f"Categories changed: {dict(relabel)}.")
    if merge:
        things = _things(id_map, category, isthing, crowd)
        for keep, gone in _closest_pairs(id_map, category, things, merge):
            id_map = np.where(id_map == gone, keep, id_map)
        rec.add("merge", id_map.astype(np.int32), f"{merge} closest same-class pair(s) merged.")
    if split:
        targets = _things(id_map, category, isthing, crowd)[:split]
        id_map, next_id = _split_instances(id_map, category, targets, next_id)
        rec.add("split", id_map.astype(np.int32), f"{split} largest instance(s) cut in two.")
    if grow:
        id_map = _grow_things(id_map, category, isthing, int(grow))
        verb = "dilated" if grow > 0 else "eroded"
        rec.add("grow", id_map.astype(np.int32), f"Things {verb} by {abs(int(grow))} px.")
    if any(shift):
        id_map = shift_map(id_map, int(shift[0]), int(shift[1]))
        rec.add("shift", id_map.astype(np.int32), f"Prediction shifted by {tuple(shift)} px.")
    if drop:
        things = _things(id_map, category, isthing, crowd)
        gone = rng.permutation(things)[:drop].tolist() if things else []
        id_map = np.where(np.isin(id_map, gone), VOID, id_map)
        rec.add("drop", id_map.astype(np.int32), f"Instance(s) {gone} dropped (now VOID).")
    if false_positives:
        id_map, invented = _add_false_positives(id_map, category, isthing, false_positives, rng,
                                                next_id)
        rec.add("false positives", id_map.astype(np.int32),
                f"Invented segment(s) {invented} added.")
    if void_fraction > 0:
        id_map = _paint_void(id_map, float(void_fraction), rng)
        rec.add("paint VOID", id_map.astype(np.int32),
                f"A rectangle of {void_fraction:.0%} of the image left unlabelled.")

    present = np.unique(id_map[id_map != VOID]).tolist()
    scores = rng.uniform(*_SCORE_RANGE, size=len(present))
    fp_scores = rng.uniform(*_FP_SCORE_RANGE, size=len(present))
    out_segments = [{"id": int(i), "category_id": category[i],
                     "score": float(fp_scores[k] if i in invented else scores[k])}
                    for k, i in enumerate(present)]
    params = {"grow": int(grow), "shift": tuple(int(v) for v in shift), **counts,
              "relabel": dict(relabel or {}), "void_fraction": float(void_fraction)}
    return rec.finish({"ids": id_map.astype(np.int32), "segments": out_segments}, params)
