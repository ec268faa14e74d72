"""Panoptic fusion: one panoptic map from a semantic head (stuff) and instance masks (things).

A semantic network (FCN) labels every pixel with a class; an instance network
(Mask R-CNN) returns scored masks. The two disagree: two masks claim one
pixel, or a mask covers pixels the semantic head calls stuff. Two ways to
resolve that are implemented:

- :func:`heuristic_fusion` (Kirillov et al., Panoptic Segmentation): paste
  instances by decreasing score, drop an instance whose still-free part is a
  small fraction of its mask, then fill free pixels with the semantic head's
  stuff classes, dropping stuff regions below an area threshold;
- :func:`upsnet_fusion` (Xiong et al., UPSNet): a parameter-free head. Stack
  the stuff logits and one logit map per instance (its mask logits plus the
  semantic logits of its class, inside its box), take a softmax over the
  channels and the argmax per pixel.

:func:`synthetic_heads` builds both inputs from panoptic ground truth plus
noise, so the demo needs no trained model; :func:`fusion_conflicts` marks the
pixels where the inputs disagree.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from segcore.evaluation.panoptic import VOID
from segcore.evaluation.perturb import shift_map
from segcore.trace import Trace, TraceRecorder

__all__ = ["STUFF_ID_BASE", "CONFLICT_NAMES", "synthetic_heads", "fusion_conflicts",
           "heuristic_fusion", "upsnet_fusion"]

#: Panoptic id of stuff category c in the fused maps is STUFF_ID_BASE + c;
#: instance k of the input list gets id k + 1.
STUFF_ID_BASE = 1000
#: Conflict codes of :func:`fusion_conflicts`, index -> name.
CONFLICT_NAMES = ("none", "two instances", "instance on stuff")
#: Logit margin of the true class (synthetic semantic head) and of mask pixels.
SEMANTIC_LOGIT, MASK_LOGIT = 4.0, 3.0
#: Smoothing of the synthetic noise (pixels): errors come in blobs, not salt and pepper.
NOISE_SIGMA = 4.0
_BOX_MARGIN = 2
_MAX_RECORDED = 24


def _validate_heads(semantic_logits, instances, categories):
    """Check the semantic logits (C, H, W) and the instance list; return float arrays."""
    logits = np.asarray(semantic_logits, dtype=np.float64)
    if logits.ndim != 3 or logits.shape[0] != len(categories):
        raise ValueError(f"semantic_logits must have shape (C, H, W) with C = {len(categories)} "
                         f"categories, got {logits.shape}")
    cat_ids = [int(c["id"]) for c in categories]
    for k, inst in enumerate(instances):
        missing = {"mask_logits", "box", "category_id", "score"} - set(inst)
        if missing:
            raise ValueError(f"instances[{k}] misses {sorted(missing)}")
        if np.shape(inst["mask_logits"]) != logits.shape[1:]:
            raise ValueError(f"instances[{k}]['mask_logits'] must have shape {logits.shape[1:]}, "
                             f"got {np.shape(inst['mask_logits'])}")
        if int(inst["category_id"]) not in cat_ids:
            raise ValueError(f"instances[{k}] has unknown category_id {inst['category_id']}")
    return logits, cat_ids


def _smooth_noise(rng, shape, sigma=NOISE_SIGMA) -> np.ndarray:
    """Gaussian-smoothed noise rescaled to unit standard deviation."""
    field = ndimage.gaussian_filter(rng.standard_normal(shape), sigma)
    return field / max(field.std(), 1e-12)


def _box(mask: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.nonzero(mask)
    h, w = mask.shape
    return (max(0, rows.min() - _BOX_MARGIN), max(0, cols.min() - _BOX_MARGIN),
            min(h, rows.max() + 1 + _BOX_MARGIN), min(w, cols.max() + 1 + _BOX_MARGIN))


def synthetic_heads(ids, segments, categories, *, noise: float = 1.0, jitter: int = 3,
                    duplicates: int = 1, random_state=0) -> dict:
    """Semantic logits and scored instance masks made from panoptic ground truth plus noise.

    Parameters
    ----------
    ids : (H, W) array of int
        Ground-truth segment ids, 0 = VOID.
    segments : list of dict
        ``{"id", "category_id", "iscrowd"}``.
    categories : list of dict
        ``{"id", "name", "isthing"}``; channel order of the semantic logits.
    noise : float
        Standard deviation of the smooth logit noise (0 = perfect heads).
    jitter : int
        Each instance mask is shifted and dilated by up to ``jitter`` pixels,
        so neighbouring masks overlap as real ones do.
    duplicates : int
        Extra, lower-scored copies of random instances (a detector's
        duplicate detections), shifted by ``2 * jitter + 2`` pixels.
    random_state : int or numpy.random.Generator
        Seed.

    Returns
    -------
    dict
        ``"semantic_logits"``: (C, H, W) float64; ``"instances"``: list of
        ``{"mask_logits": (H, W), "box": (y0, x0, y1, x1), "category_id",
        "score", "source_id"}`` (``source_id`` = ground-truth segment).

    Raises
    ------
    ValueError
        ``noise < 0`` or ``jitter < 0``.

    Examples
    --------
    >>> ids = np.array([[1, 1, 2, 2]] * 4)
    >>> segs = [{"id": 1, "category_id": 1}, {"id": 2, "category_id": 2}]
    >>> cats = [{"id": 1, "name": "road", "isthing": 0}, {"id": 2, "name": "car", "isthing": 1}]
    >>> heads = synthetic_heads(ids, segs, cats, noise=0, jitter=0, duplicates=0)
    >>> heads["semantic_logits"].argmax(0)[0].tolist(), len(heads["instances"])
    ([0, 0, 1, 1], 1)
    """
    if noise < 0 or jitter < 0 or duplicates < 0:
        raise ValueError(f"noise, jitter and duplicates must be >= 0, got {noise}, {jitter}, "
                         f"{duplicates}")
    rng = np.random.default_rng(random_state)
    id_map = np.asarray(ids)
    category = {int(s["id"]): int(s["category_id"]) for s in segments}
    isthing = {int(c["id"]): bool(c["isthing"]) for c in categories}
    channel = {int(c["id"]): k for k, c in enumerate(categories)}
    logits = np.zeros((len(categories),) + id_map.shape)
    for seg, cat in category.items():
        logits[channel[cat]][id_map == seg] = SEMANTIC_LOGIT
    logits += noise * np.stack([_smooth_noise(rng, id_map.shape) for _ in categories])

    instances = []
    for s in segments:
        if not isthing[int(s["category_id"])] or s.get("iscrowd", 0):
            continue
        mask = id_map == int(s["id"])
        if jitter:
            grow = int(rng.integers(0, jitter + 1))
            mask = ndimage.binary_dilation(mask, iterations=grow) if grow else mask
            mask = shift_map(mask, *rng.integers(-jitter, jitter + 1, 2).tolist())
        if not mask.any():
            continue
        instances.append(_instance(mask, int(s["category_id"]), rng.uniform(0.6, 0.99),
                                   int(s["id"]), noise, rng))
    for k in rng.permutation(len(instances))[:duplicates].tolist():
        original = instances[k]
        step = 2 * int(jitter) + 2
        mask = shift_map(original["mask_logits"] > 0, step, step)
        if not mask.any():
            continue
        instances.append(_instance(mask, original["category_id"], rng.uniform(0.3, 0.6),
                                   original["source_id"], noise, rng))
    return {"semantic_logits": logits, "instances": instances}


def _instance(mask, category_id, score, source_id, noise, rng) -> dict:
    """Mask logits: +MASK_LOGIT inside, -MASK_LOGIT outside, softened edge, noise."""
    soft = ndimage.gaussian_filter(np.where(mask, MASK_LOGIT, -MASK_LOGIT), 1.0)
    return {"mask_logits": soft + 0.5 * noise * _smooth_noise(rng, mask.shape, 2.0),
            "box": _box(mask), "category_id": category_id, "score": float(score),
            "source_id": source_id}


def _instance_masks(instances, shape) -> np.ndarray:
    """(N, H, W) bool: mask logits > 0 inside each instance's box."""
    masks = np.zeros((len(instances),) + tuple(shape), bool)
    for k, inst in enumerate(instances):
        y0, x0, y1, x1 = inst["box"]
        masks[k, y0:y1, x0:x1] = np.asarray(inst["mask_logits"])[y0:y1, x0:x1] > 0
    return masks


def fusion_conflicts(semantic_logits, instances, categories) -> np.ndarray:
    """Pixels where the two heads disagree.

    Parameters
    ----------
    semantic_logits : (C, H, W) array
        Semantic head, channels in ``categories`` order.
    instances : list of dict
        ``{"mask_logits", "box", "category_id", "score"}``.
    categories : list of dict
        ``{"id", "name", "isthing"}``.

    Returns
    -------
    (H, W) uint8
        Codes of :data:`CONFLICT_NAMES`: 1 where two or more instance masks
        claim the pixel, 2 where one mask claims a pixel the semantic head
        calls stuff, 0 elsewhere.

    Raises
    ------
    ValueError
        Shapes or categories that do not fit.

    Examples
    --------
    >>> cats = [{"id": 1, "name": "road", "isthing": 0}, {"id": 2, "name": "car", "isthing": 1}]
    >>> logits = np.zeros((2, 1, 3)); logits[0, 0, 0] = 1
    >>> inst = {"mask_logits": np.ones((1, 3)), "box": (0, 0, 1, 3), "category_id": 2, "score": 1}
    >>> fusion_conflicts(logits, [inst, inst], cats).tolist()
    [[1, 1, 1]]
    """
    logits, _ = _validate_heads(semantic_logits, instances, categories)
    masks = _instance_masks(instances, logits.shape[1:])
    stuff = ~np.array([bool(c["isthing"]) for c in categories])[logits.argmax(axis=0)]
    claims = masks.sum(axis=0)
    return np.select([claims >= 2, (claims == 1) & stuff], [1, 2], 0).astype(np.uint8)


def _stuff_segments(ids: np.ndarray, categories) -> list[dict]:
    present = set(np.unique(ids).tolist())
    return [{"id": STUFF_ID_BASE + int(c["id"]), "category_id": int(c["id"])}
            for c in categories if not c["isthing"] and STUFF_ID_BASE + int(c["id"]) in present]


def heuristic_fusion(semantic_logits, instances, categories, *, score_threshold: float = 0.5,
                     overlap_threshold: float = 0.5, stuff_area: int = 64) -> Trace:
    """Panoptic map by the Panoptic-FPN heuristic: instances by score, then stuff.

    Parameters
    ----------
    semantic_logits : (C, H, W) array
        Semantic head, channels in ``categories`` order.
    instances : list of dict
        ``{"mask_logits": (H, W), "box": (y0, x0, y1, x1), "category_id", "score"}``.
    categories : list of dict
        ``{"id", "name", "isthing"}``.
    score_threshold : float
        Instances scoring below it are dropped.
    overlap_threshold : float
        An instance is kept only when at least this fraction of its mask is
        still free when its turn comes (higher scores paste first).
    stuff_area : int
        A stuff class keeps its free pixels only when they number at least
        this many; smaller leftovers (and pixels the semantic head calls a
        thing) stay VOID.

    Returns
    -------
    Trace
        ``output = {"ids": (H, W) int32, "segments": list of {"id",
        "category_id", "score"?}, "kept": list of kept instance indices}``.
        Instance k gets id ``k + 1``, stuff class c id ``STUFF_ID_BASE + c``.
        One step per instance considered (bounded) and one for stuff.

    Raises
    ------
    ValueError
        Shapes or categories that do not fit; thresholds outside [0, 1];
        negative ``stuff_area``.

    Notes
    -----
    Instance i (by score) keeps ``m_i \\setminus \\bigcup_{j<i} m_j`` when
    ``|m_i \\setminus \\bigcup_{j<i} m_j| / |m_i| \\ge`` overlap threshold.

    References
    ----------
    .. [1] A. Kirillov et al., "Panoptic Segmentation", CVPR 2019, Sec. 7.

    Examples
    --------
    >>> cats = [{"id": 1, "name": "road", "isthing": 0}, {"id": 2, "name": "car", "isthing": 1}]
    >>> logits = np.zeros((2, 1, 4)); logits[0] = 1
    >>> inst = {"mask_logits": np.array([[1., 1, -1, -1]]), "box": (0, 0, 1, 4),
    ...         "category_id": 2, "score": 0.9}
    >>> heuristic_fusion(logits, [inst], cats, stuff_area=1).ids.tolist()
    [[1, 1, 1001, 1001]]
    """
    logits, _ = _validate_heads(semantic_logits, instances, categories)
    if not (0 <= score_threshold <= 1 and 0 <= overlap_threshold <= 1) or stuff_area < 0:
        raise ValueError(f"score_threshold and overlap_threshold must lie in [0, 1] and "
                         f"stuff_area >= 0, got {score_threshold}, {overlap_threshold}, "
                         f"{stuff_area}")
    masks = _instance_masks(instances, logits.shape[1:])
    ids = np.full(logits.shape[1:], VOID, np.int32)
    rec = TraceRecorder(max_steps=_MAX_RECORDED)
    segments, kept = [], []
    for k in sorted(range(len(instances)), key=lambda i: -instances[i]["score"]):
        inst = instances[k]
        free = masks[k] & (ids == VOID)
        visible = free.sum() / max(int(masks[k].sum()), 1)
        keep = inst["score"] >= score_threshold and masks[k].any() and visible >= overlap_threshold
        if keep:
            ids[free] = k + 1
            kept.append(k)
            segments.append({"id": k + 1, "category_id": int(inst["category_id"]),
                             "score": float(inst["score"])})
        why = ("kept" if keep else "score too low" if inst["score"] < score_threshold
               else "mostly covered: dropped")
        rec.add(f"instance {k + 1}", ids.copy(), f"Instance {k + 1} (score {inst['score']:.2f}): "
                f"{visible:.0%} of its mask still free -> {why}.", score=inst["score"],
                visible=visible)
    semantic = logits.argmax(axis=0)
    for c, cat in enumerate(categories):
        region = (semantic == c) & (ids == VOID)
        if not cat["isthing"] and region.sum() >= stuff_area:
            ids[region] = STUFF_ID_BASE + int(cat["id"])
    rec.add("stuff", ids.copy(), f"Free pixels take the semantic head's stuff class when the "
            f"class keeps >= {stuff_area} px; the rest stays VOID.")
    params = {"score_threshold": score_threshold, "overlap_threshold": overlap_threshold,
              "stuff_area": stuff_area}
    return rec.finish({"ids": ids, "segments": segments + _stuff_segments(ids, categories),
                       "kept": kept}, params)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=0, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=0, keepdims=True)


def upsnet_fusion(semantic_logits, instances, categories) -> Trace:
    """Panoptic map by UPSNet's parameter-free panoptic head.

    Parameters
    ----------
    semantic_logits : (C, H, W) array
        Semantic head, channels in ``categories`` order.
    instances : list of dict
        ``{"mask_logits": (H, W), "box": (y0, x0, y1, x1), "category_id", "score"}``.
    categories : list of dict
        ``{"id", "name", "isthing"}``.

    Returns
    -------
    Trace
        ``output = {"ids": (H, W) int32, "segments", "confidence": (H, W)
        float (winning softmax probability)}``; ids as in
        :func:`heuristic_fusion`. Steps: stuff channels only, instance
        channels only, softmax over all and argmax.

    Raises
    ------
    ValueError
        Shapes or categories that do not fit.

    Notes
    -----
    Panoptic logits ``Z = [X_stuff ; Y_1 ; ... ; Y_N]`` with
    ``Y_i = X_{mask,i} + X_{thing, c_i}`` inside box ``B_i`` and
    ``-inf`` outside it, then ``softmax`` over channels and ``argmax``.
    Simplification: the paper's zero padding outside the box and its
    "unknown" channel are replaced by masking the instance outside its box.

    References
    ----------
    .. [1] Y. Xiong et al., "UPSNet: A Unified Panoptic Segmentation
       Network", CVPR 2019, Sec. 3.3.

    Examples
    --------
    >>> cats = [{"id": 1, "name": "road", "isthing": 0}, {"id": 2, "name": "car", "isthing": 1}]
    >>> logits = np.zeros((2, 1, 4)); logits[0] = 1
    >>> inst = {"mask_logits": np.array([[3., 3, -3, -3]]), "box": (0, 0, 1, 3),
    ...         "category_id": 2, "score": 0.9}
    >>> upsnet_fusion(logits, [inst], cats).ids.tolist()
    [[1, 1, 1001, 1001]]
    """
    logits, cat_ids = _validate_heads(semantic_logits, instances, categories)
    stuff = [k for k, c in enumerate(categories) if not c["isthing"]]
    channel_ids = ([STUFF_ID_BASE + cat_ids[k] for k in stuff]
                   + [k + 1 for k in range(len(instances))])
    z = np.full((len(channel_ids),) + logits.shape[1:], -np.inf)
    z[:len(stuff)] = logits[stuff]
    for k, inst in enumerate(instances):
        y0, x0, y1, x1 = inst["box"]
        thing = logits[cat_ids.index(int(inst["category_id"])), y0:y1, x0:x1]
        z[len(stuff) + k, y0:y1, x0:x1] = np.asarray(inst["mask_logits"])[y0:y1, x0:x1] + thing
    lookup = np.array(channel_ids + [VOID], np.int32)
    rec = TraceRecorder()
    if stuff:
        rec.add("stuff logits", lookup[z[:len(stuff)].argmax(axis=0)],
                "Stuff channels alone: argmax over the semantic head's stuff logits.")
    inst_z = z[len(stuff):]
    if len(instances):
        inst_arg = np.where(np.isfinite(inst_z.max(axis=0)), inst_z.argmax(axis=0) + len(stuff),
                            len(channel_ids))
        rec.add("instance logits", lookup[inst_arg], "Instance channels alone: mask logits plus "
                "the semantic logits of the instance's class, inside its box.")
    covered = np.isfinite(z).any(axis=0)  # False only outside every box when there is no stuff
    winner, confidence = np.full(logits.shape[1:], len(channel_ids)), np.zeros(logits.shape[1:])
    if len(channel_ids):
        probs = _softmax(np.where(covered, z, 0.0))
        winner = np.where(covered, probs.argmax(axis=0), len(channel_ids))
        confidence = np.where(covered, probs.max(axis=0), 0.0)
    ids = lookup[winner]
    rec.add("softmax + argmax", ids, "Softmax over stuff and instance channels; each pixel goes "
            "to its most probable channel.", mean_confidence=float(confidence.mean()))
    inst_segments = [{"id": k + 1, "category_id": int(inst["category_id"]),
                      "score": float(inst["score"])}
                     for k, inst in enumerate(instances) if np.any(ids == k + 1)]
    return rec.finish({"ids": ids, "segments": inst_segments + _stuff_segments(ids, categories),
                       "confidence": confidence})
