"""Panoptic quality (PQ = SQ x RQ) with the COCO panoptic evaluation rules.

A panoptic segmentation gives every pixel a segment id; each segment has one
category, and categories are *things* (countable: car, person) or *stuff*
(amorphous: sky, road). :func:`panoptic_quality` matches predicted segments to
ground-truth segments and scores the matching, exactly as the COCO panoptic
API's ``pq_compute`` does for one image:

1. *intersections*: one vectorised pass counts the pixels shared by every
   (ground truth, prediction) pair, VOID included;
2. *matching*: a pair is a true positive when both have the same category and
   IoU > 0.5 (strictly). The IoU's union leaves out the part of the
   prediction that lies on VOID. Because segments do not overlap, IoU > 0.5
   makes every match unique;
3. *false negatives*: unmatched ground-truth segments, except crowd segments;
4. *false positives*: unmatched predictions, except those lying more than
   half on VOID or on the crowd region of their own category (ignored);
   a category may have several crowd segments, and then, as in
   ``pq_compute`` (its ``crowd_labels_dict``), only the **last one listed**
   in ``gt_segments`` is the category's crowd region; earlier ones are still
   never matched and never false negatives, but excuse no prediction;
5. *averages*: PQ, SQ and RQ per category, then averaged over the categories
   that have at least one TP, FP or FN (All, Things, Stuff).

:func:`panoptic_trace` wraps the same computation in a
:class:`segcore.trace.Trace` whose steps paint the matching stage by stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from segcore.scenes import VOID  # the one VOID: unlabelled pixels, never a segment of its own
from segcore.trace import Trace, TraceRecorder

__all__ = [
    "VOID", "MATCH_IOU", "IGNORE_FRACTION", "OUTCOME_NAMES",
    "PanopticResult", "panoptic_quality", "panoptic_trace", "semantic_from_panoptic",
]

#: A pair matches when its IoU is strictly greater than this.
MATCH_IOU = 0.5
#: An unmatched prediction lying more than this fraction on VOID/crowd is ignored.
IGNORE_FRACTION = 0.5
#: Largest id map value for which ids are compacted by a lookup table;
#: larger ids (e.g. COCO's RGB-encoded ids) fall back to a binary search.
_LOOKUP_MAX_ID = 1 << 21
#: Cap on (gt segments + 1) x (predicted segments + 1): the dense count matrix.
_MAX_PAIRS = 1 << 22
#: Lookup-table entry of an id that has no segment.
#: (Two unknowns still sum to a valid int32, and any sum with one stays negative.)
_UNKNOWN = -(1 << 30)
#: Pixel outcome codes painted by :func:`panoptic_trace`, index -> name.
OUTCOME_NAMES = ("void", "true positive", "false negative", "false positive",
                 "ignored prediction", "crowd")
_TP, _FN, _FP, _IGNORED, _CROWD = 1, 2, 3, 4, 5
_GROUPS = (("all", None), ("things", True), ("stuff", False))


@dataclass(frozen=True)
class PanopticResult:
    """Panoptic quality of one image and the matching behind it.

    Attributes
    ----------
    summary : dict
        ``{"all" | "things" | "stuff": {"pq", "sq", "rq", "n"}}``; ``n`` is
        the number of categories averaged (nan scores when ``n == 0``).
    per_class : dict
        ``{category_id: {"pq", "sq", "rq", "tp", "fp", "fn", "iou_sum"}}``
        for every category; scores are nan for a category with no TP, FP or
        FN (it is left out of the averages), and ``sq`` is 0 when ``tp == 0``.
    matches : tuple of (gt_id, pred_id, iou)
        True positives, ordered by ground-truth id.
    false_positives : tuple of int
        Unmatched, counted prediction ids.
    false_negatives : tuple of int
        Unmatched, non-crowd ground-truth ids.
    ignored : tuple of int
        Unmatched prediction ids left out because more than half of them
        lies on VOID or on the crowd region of its category (see
        ``crowd_regions``).
    crowd : tuple of int
        All ground-truth crowd segment ids, in ``gt_segments`` order (never
        matched, never counted).
    crowd_regions : tuple of int
        The crowd ids that excuse predictions: per category, the last crowd
        segment listed in ``gt_segments`` (one per category with crowd).
    overlaps : tuple of (gt_id, pred_id, intersection, iou)
        Every pair of segments sharing pixels, whatever their categories,
        with the void-corrected IoU (the matching table of the page).
    """

    summary: dict
    per_class: dict
    matches: tuple
    false_positives: tuple
    false_negatives: tuple
    ignored: tuple = ()
    crowd: tuple = ()
    overlaps: tuple = field(default=(), repr=False)
    crowd_regions: tuple = ()


@dataclass(frozen=True)
class _Segments:
    """One side's segments; position k is the compact index (0 = VOID, 1..n the segments)."""

    ids: np.ndarray          # (n + 1,) int64, ids[0] == VOID
    category: np.ndarray     # (n + 1,) int64, category[0] == -1
    crowd: np.ndarray        # (n + 1,) bool
    id_map: np.ndarray       # (H, W) raw segment ids


def _validate_panoptic(gt_ids, gt_segments, pred_ids, pred_segments, categories):
    """Check and convert the inputs; raise ValueError naming the argument."""
    cats = _check_categories(categories)
    gt_map = _check_id_map(gt_ids, "gt_ids")
    pred_map = _check_id_map(pred_ids, "pred_ids")
    if gt_map.shape != pred_map.shape:
        raise ValueError(f"gt_ids and pred_ids must have the same shape, got "
                         f"{gt_map.shape} and {pred_map.shape}")
    gt = _check_segments(gt_segments, "gt_segments", cats, gt_map, "gt_ids", crowd_allowed=True)
    pred = _check_segments(pred_segments, "pred_segments", cats, pred_map, "pred_ids",
                           crowd_allowed=False)
    return gt, pred, cats


def _check_categories(categories) -> dict[int, dict]:
    if not isinstance(categories, Sequence) or len(categories) == 0:
        raise ValueError("categories must be a non-empty list of {'id', 'name', 'isthing'} "
                         f"dicts, got {type(categories).__name__}")
    cats: dict[int, dict] = {}
    for cat in categories:
        if not isinstance(cat, Mapping) or not {"id", "isthing"} <= set(cat):
            raise ValueError(f"categories entries need 'id' and 'isthing', got {cat!r}")
        cid = int(cat["id"])
        if cid in cats:
            raise ValueError(f"categories has the id {cid} twice")
        cats[cid] = {"id": cid, "name": str(cat.get("name", cid)), "isthing": bool(cat["isthing"])}
    return cats


def _check_id_map(ids, name: str) -> np.ndarray:
    arr = np.asarray(ids)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (H, W) id map, got shape {arr.shape}")
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integer segment ids, got dtype {arr.dtype}")
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} must hold non-negative ids (0 = VOID), got {arr.min()}")
    return arr


def _check_segments(segments, name, cats, id_map, map_name, *, crowd_allowed) -> _Segments:
    if not isinstance(segments, Sequence):
        raise ValueError(f"{name} must be a list of {{'id', 'category_id'}} dicts, "
                         f"got {type(segments).__name__}")
    ids, category, crowd = [VOID], [-1], [False]
    for seg in segments:
        if not isinstance(seg, Mapping) or not {"id", "category_id"} <= set(seg):
            raise ValueError(f"{name} entries need 'id' and 'category_id', got {seg!r}")
        sid, cid = int(seg["id"]), int(seg["category_id"])
        if sid == VOID or sid < 0:
            raise ValueError(f"{name}: segment id {sid} is invalid (ids are > 0; 0 is VOID)")
        if cid not in cats:
            raise ValueError(f"{name}: segment {sid} has unknown category_id {cid}; "
                             f"known categories are {sorted(cats)}")
        iscrowd = seg.get("iscrowd", 0)
        if crowd_allowed and iscrowd not in (0, 1):  # COCO tests iscrowd == 1
            raise ValueError(f"{name}: segment {sid} has iscrowd {iscrowd!r}; expected 0 or 1")
        ids.append(sid)
        category.append(cid)
        crowd.append(crowd_allowed and iscrowd == 1)
    ids_arr = np.asarray(ids, dtype=np.int64)
    if len(np.unique(ids_arr)) != len(ids_arr):
        raise ValueError(f"{name} lists a segment id more than once")
    return _Segments(ids_arr, np.asarray(category, np.int64), np.asarray(crowd, bool), id_map)


def _gather(id_map: np.ndarray, ids: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values[k]`` at every pixel whose id is ``ids[k]``, :data:`_UNKNOWN` elsewhere.

    One gather through a lookup table indexed by id; ids too large for a
    table are found by binary search instead.
    """
    values = np.asarray(values, np.int32)
    max_id = int(id_map.max()) if id_map.size else 0
    if max_id <= max(_LOOKUP_MAX_ID, id_map.size):
        table = np.full(max(max_id, int(ids.max())) + 1, _UNKNOWN, dtype=np.int32)
        table[ids] = values
        return np.take(table, id_map)
    order = np.argsort(ids)
    found = order[np.searchsorted(ids[order], id_map).clip(0, len(ids) - 1)]
    return np.where(ids[found] == id_map, values[found], np.int32(_UNKNOWN))


def _check_known(side: _Segments, map_name: str, seg_name: str) -> None:
    """Raise ValueError naming the ids of ``side.id_map`` missing from its segments."""
    unknown = np.isin(side.id_map, side.ids, invert=True)
    if unknown.any():
        raise ValueError(f"{map_name} contains segment ids without an entry in {seg_name}: "
                         f"{np.unique(side.id_map[unknown])[:5].tolist()}")


def _count_intersections(gt: _Segments, pred: _Segments) -> np.ndarray:
    """(n_gt + 1, n_pred + 1) pixel counts of every pair, VOID in row/column 0.

    Every pixel gets the compact pair code ``gt_index * n_pred + pred_index``
    (two table gathers), and one ``np.bincount`` counts all pairs at once.
    """
    n_gt, n_pred = len(gt.ids), len(pred.ids)
    if n_gt * n_pred > _MAX_PAIRS:
        raise ValueError(f"gt_segments and pred_segments hold {n_gt - 1} and {n_pred - 1} "
                         f"segments; at most {_MAX_PAIRS} pairs are supported")
    codes = _gather(gt.id_map, gt.ids, np.arange(n_gt) * n_pred)
    codes += _gather(pred.id_map, pred.ids, np.arange(n_pred))
    if codes.size and codes.min() < 0:  # an unknown id on either side
        _check_known(gt, "gt_ids", "gt_segments")
        _check_known(pred, "pred_ids", "pred_segments")
    inter = np.bincount(codes.ravel(), minlength=n_gt * n_pred).reshape(n_gt, n_pred)
    for side, area, name in ((gt, inter.sum(axis=1), "gt"), (pred, inter.sum(axis=0), "pred")):
        absent = side.ids[1:][area[1:] == 0]
        if absent.size:
            raise ValueError(f"{name}_segments lists ids that never occur in {name}_ids: "
                             f"{absent[:5].tolist()}")
    return inter


def _pair_iou(inter: np.ndarray) -> np.ndarray:
    """IoU of every pair with the prediction's VOID part removed from the union.

    ``union = |p| + |g| - |p n g| - |p n VOID|``, as in ``pq_compute``.
    """
    gt_area = inter.sum(axis=1, keepdims=True)
    pred_area = inter.sum(axis=0, keepdims=True)
    union = pred_area + gt_area - inter - inter[:1, :]
    return np.divide(inter, union, out=np.zeros(inter.shape), where=union > 0)


def _match_segments(iou: np.ndarray, gt: _Segments, pred: _Segments):
    """True-positive pairs: same category, non-crowd, IoU > MATCH_IOU."""
    candidate = (gt.category[:, None] == pred.category[None, :]) & ~gt.crowd[:, None]
    candidate[0, :] = candidate[:, 0] = False
    return np.nonzero(candidate & (iou > MATCH_IOU))


def _crowd_regions(gt: _Segments) -> np.ndarray:
    """(n_gt + 1,) bool: the crowd segment standing for its category's crowd region.

    ``pq_compute`` sets ``crowd_labels_dict[category_id] = gt_label`` for each
    crowd segment in list order, so the last one listed per category wins.
    """
    crowd = np.flatnonzero(gt.crowd)[::-1]                # last listed first
    _, last = np.unique(gt.category[crowd], return_index=True)
    region = np.zeros(len(gt.ids), bool)
    region[crowd[last]] = True
    return region


def _ignored_predictions(inter: np.ndarray, gt: _Segments, pred: _Segments,
                         crowd_region: np.ndarray) -> np.ndarray:
    """(n_pred + 1,) bool: prediction lies more than half on VOID or its class's crowd region."""
    on_ignored = inter[0].copy()
    for g in np.flatnonzero(crowd_region):
        same = pred.category == gt.category[g]
        on_ignored[same] += inter[g, same]
    return on_ignored > IGNORE_FRACTION * inter.sum(axis=0)


def _class_scores(stats: dict) -> dict:
    """PQ, SQ, RQ of one category from its TP/FP/FN counts and IoU sum."""
    tp, fp, fn, iou_sum = stats["tp"], stats["fp"], stats["fn"], stats["iou_sum"]
    if tp + fp + fn == 0:
        return {**stats, "pq": np.nan, "sq": np.nan, "rq": np.nan}
    denominator = tp + 0.5 * fp + 0.5 * fn
    return {**stats, "pq": iou_sum / denominator, "sq": iou_sum / tp if tp else 0.0,
            "rq": tp / denominator}


def _average(per_class: dict, cats: dict) -> dict:
    """All / Things / Stuff means over the categories with any TP, FP or FN."""
    summary = {}
    for group, isthing in _GROUPS:
        rows = [per_class[c] for c, info in cats.items()
                if (isthing is None or info["isthing"] == isthing)
                and per_class[c]["tp"] + per_class[c]["fp"] + per_class[c]["fn"] > 0]
        summary[group] = {key: float(np.mean([r[key] for r in rows])) if rows else np.nan
                          for key in ("pq", "sq", "rq")}
        summary[group]["n"] = len(rows)
    return summary


def _evaluate(gt: _Segments, pred: _Segments, cats: dict):
    """Run the five stages; return the result and the per-segment outcome arrays."""
    inter = _count_intersections(gt, pred)
    iou = _pair_iou(inter)
    tp_g, tp_p = _match_segments(iou, gt, pred)
    gt_matched = np.zeros(len(gt.ids), bool)
    pred_matched = np.zeros(len(pred.ids), bool)
    gt_matched[tp_g] = pred_matched[tp_p] = True
    fn = ~gt_matched & ~gt.crowd
    crowd_region = _crowd_regions(gt)
    ignored = ~pred_matched & _ignored_predictions(inter, gt, pred, crowd_region)
    fp = ~pred_matched & ~ignored
    fn[0] = fp[0] = ignored[0] = False

    per_class = {}
    for cid in cats:
        stats = {"tp": int(np.sum(gt.category[tp_g] == cid)),
                 "fp": int(np.sum(fp & (pred.category == cid))),
                 "fn": int(np.sum(fn & (gt.category == cid))),
                 "iou_sum": float(iou[tp_g, tp_p][gt.category[tp_g] == cid].sum())}
        per_class[cid] = _class_scores(stats)

    g_idx, p_idx = np.nonzero(inter[1:, 1:])
    result = PanopticResult(
        summary=_average(per_class, cats),
        per_class=per_class,
        matches=tuple((int(gt.ids[g]), int(pred.ids[p]), float(iou[g, p]))
                      for g, p in zip(tp_g, tp_p)),
        false_positives=tuple(int(i) for i in pred.ids[fp]),
        false_negatives=tuple(int(i) for i in gt.ids[fn]),
        ignored=tuple(int(i) for i in pred.ids[ignored]),
        crowd=tuple(int(i) for i in gt.ids[gt.crowd]),
        overlaps=tuple((int(gt.ids[g + 1]), int(pred.ids[p + 1]), int(inter[g + 1, p + 1]),
                        float(iou[g + 1, p + 1])) for g, p in zip(g_idx, p_idx)),
        crowd_regions=tuple(int(i) for i in gt.ids[crowd_region]),
    )
    return result, (tp_g, tp_p, fn, fp, ignored)


def panoptic_quality(gt_ids, gt_segments, pred_ids, pred_segments, categories) -> PanopticResult:
    """Panoptic quality of one image, with COCO panoptic semantics.

    Parameters
    ----------
    gt_ids, pred_ids : (H, W) array of int
        Segment-id maps; ``0`` (:data:`VOID`) marks unlabelled pixels.
    gt_segments : list of dict
        ``{"id", "category_id", "iscrowd" (0 or 1, default 0)}`` for every
        non-zero id of ``gt_ids``; a category may have several crowd
        segments (see Notes). The list order matters only for those.
    pred_segments : list of dict
        ``{"id", "category_id"}`` for every non-zero id of ``pred_ids``
        (an ``iscrowd`` key is ignored: predictions are never crowd).
    categories : list of dict
        ``{"id", "name", "isthing"}``.

    Returns
    -------
    PanopticResult
        ``.summary``, ``.per_class``, ``.matches``, ``.false_positives``,
        ``.false_negatives`` (and ``.ignored``, ``.crowd``, ``.crowd_regions``,
        ``.overlaps``).

    Raises
    ------
    ValueError
        On shape mismatch, non-integer or negative ids, ids without a segment
        entry, segments listed but absent from the map, duplicate ids,
        unknown categories, an ``iscrowd`` other than 0 or 1, or more
        than ~2000 segments on each side.

    Notes
    -----
    For one category, with TP the matched pairs (same category and
    IoU(p, g) > 0.5),

    .. math::

        PQ = \\underbrace{\\frac{\\sum_{(p,g) \\in TP} IoU(p,g)}{|TP|}}_{SQ}
             \\times \\underbrace{\\frac{|TP|}{|TP| + \\frac12 |FP| + \\frac12 |FN|}}_{RQ}

    The IoU's union leaves out the prediction's pixels on VOID; crowd ground
    truth is never matched and never a false negative; an unmatched
    prediction is ignored (not a false positive) when

    .. math::

        \\frac{|p \\cap \\mathrm{VOID}| + |p \\cap \\mathrm{crowd}_c|}{|p|} > 0.5,

    with :math:`\\mathrm{crowd}_c` the crowd region of the prediction's
    category :math:`c`. When ``gt_segments`` lists several crowd segments of
    :math:`c`, :math:`\\mathrm{crowd}_c` is the **last one listed** (the COCO
    panoptic API keeps ``crowd_labels_dict[category_id] = gt_label`` while
    looping over the segments, so later entries overwrite earlier ones);
    a prediction lying on an earlier crowd segment of its category is not
    excused by it. ``.crowd_regions`` lists the crowd segments used.
    Categories without TP, FP and FN are left out of the averages (nan
    scores; with none at all a group's scores are nan where COCO would
    divide by zero). Areas are counted on the id maps. Otherwise identical
    to ``panopticapi.evaluation.pq_compute`` restricted to one image.

    References
    ----------
    .. [1] A. Kirillov, K. He, R. Girshick, C. Rother, P. Dollar, "Panoptic
       Segmentation", CVPR 2019.
    .. [2] COCO panoptic API, ``panopticapi/evaluation.py``.

    Examples
    --------
    >>> import numpy as np
    >>> gt = np.array([[1, 1, 2, 2]]); pred = np.array([[1, 1, 1, 2]])
    >>> cats = [{"id": 1, "name": "road", "isthing": 0}, {"id": 2, "name": "car", "isthing": 1}]
    >>> segs = [{"id": 1, "category_id": 1}, {"id": 2, "category_id": 2}]
    >>> r = panoptic_quality(gt, segs, pred, segs, cats)
    >>> r.matches
    ((1, 1, 0.6666666666666666),)
    >>> r.false_negatives, r.false_positives, round(r.summary["all"]["pq"], 3)
    ((2,), (2,), 0.333)
    """
    gt, pred, cats = _validate_panoptic(gt_ids, gt_segments, pred_ids, pred_segments, categories)
    return _evaluate(gt, pred, cats)[0]


def _paint_outcomes(gt: _Segments, pred: _Segments, tp_p, fn, fp, ignored):
    """Per-pixel outcome codes of the ground-truth side and the prediction side."""
    gt_code = np.full(len(gt.ids), _TP, np.uint8)
    gt_code[0] = VOID
    gt_code[gt.crowd] = _CROWD
    gt_code[fn] = _FN
    pred_code = np.zeros(len(pred.ids), np.uint8)
    pred_code[tp_p] = _TP
    pred_code[fp] = _FP
    pred_code[ignored] = _IGNORED
    return (_gather(gt.id_map, gt.ids, gt_code).astype(np.uint8),
            _gather(pred.id_map, pred.ids, pred_code).astype(np.uint8))


def panoptic_trace(gt_ids, gt_segments, pred_ids, pred_segments, categories) -> Trace:
    """:func:`panoptic_quality` with the matching painted stage by stage.

    Parameters
    ----------
    gt_ids, gt_segments, pred_ids, pred_segments, categories
        As in :func:`panoptic_quality`.

    Returns
    -------
    Trace
        ``output = {"result": PanopticResult, "outcome": (H, W) uint8,
        "gt_outcome": (H, W) uint8, "pred_outcome": (H, W) uint8}``, codes
        indexing :data:`OUTCOME_NAMES`. ``gt_outcome`` colours ground-truth
        segments (TP, FN, crowd), ``pred_outcome`` predicted segments (TP, FP,
        ignored); ``outcome`` combines them: prediction-side outcome where a
        prediction is, else the ground-truth side. Steps (each an outcome
        map): VOID and crowd set aside, matches, false negatives, ignored
        predictions, false positives.

    Raises
    ------
    ValueError
        As :func:`panoptic_quality`.

    Notes
    -----
    Same formulas as :func:`panoptic_quality`; the steps add the pixels of
    one outcome at a time so a student sees which segments each rule touches.

    Examples
    --------
    >>> import numpy as np
    >>> ids = np.array([[1, 0]]); segs = [{"id": 1, "category_id": 1}]
    >>> t = panoptic_trace(ids, segs, ids, segs, [{"id": 1, "name": "sky", "isthing": 0}])
    >>> [s.name for s in t.steps][:2], t.outcome.tolist()
    (['VOID and crowd', 'matches'], [[1, 0]])
    """
    gt, pred, cats = _validate_panoptic(gt_ids, gt_segments, pred_ids, pred_segments, categories)
    result, (tp_g, tp_p, fn, fp, ignored) = _evaluate(gt, pred, cats)
    gt_side, pred_side = _paint_outcomes(gt, pred, tp_p, fn, fp, ignored)
    combined = np.where(pred.id_map != VOID, pred_side, gt_side)
    all_scores = result.summary["all"]
    unused = len(result.crowd) - len(result.crowd_regions)
    stages = (
        ("VOID and crowd", gt_side == _CROWD, _CROWD,
         f"{int(np.sum(gt.id_map == VOID))} VOID pixels and {len(result.crowd)} crowd "
         "segment(s) are set aside: they never count as misses."
         + (f" {unused} of them excuse no prediction: only the last crowd segment listed "
            "per class does." if unused else ""), {"crowd": len(result.crowd)}),
        ("matches", combined == _TP, _TP,
         f"{len(result.matches)} pairs share a category and overlap with IoU > {MATCH_IOU}.",
         {"tp": len(result.matches)}),
        ("false negatives", combined == _FN, _FN,
         f"{len(result.false_negatives)} ground-truth segments found no partner.",
         {"fn": len(result.false_negatives)}),
        ("ignored predictions", combined == _IGNORED, _IGNORED,
         f"{len(result.ignored)} unmatched predictions lie mostly on VOID or crowd: not counted.",
         {"ignored": len(result.ignored)}),
        ("false positives", combined == _FP, _FP,
         f"{len(result.false_positives)} predictions matched nothing. PQ = "
         f"{all_scores['pq']:.3f}.", {"fp": len(result.false_positives), "pq": all_scores["pq"]}),
    )
    recorder = TraceRecorder()
    canvas = np.zeros(combined.shape, np.uint8)
    for name, where, code, caption, metrics in stages:
        canvas = np.where(where, np.uint8(code), canvas)
        recorder.add(name, canvas, caption, **metrics)
    output = {"result": result, "outcome": combined, "gt_outcome": gt_side,
              "pred_outcome": pred_side}
    return recorder.finish(output, params={"match_iou": MATCH_IOU})


def semantic_from_panoptic(ids, segments, categories, void_label: int) -> np.ndarray:
    """Class-index map (position in ``categories``) of a panoptic id map.

    Parameters
    ----------
    ids : (H, W) array of int
        Segment ids, 0 = VOID.
    segments : list of dict
        ``{"id", "category_id"}`` for every non-zero id.
    categories : list of dict
        ``{"id", "name", "isthing"}``; class index = position in this list.
    void_label : int
        Label written where ``ids`` is VOID.

    Returns
    -------
    (H, W) int32
        Class index per pixel: the semantic segmentation that mIoU scores,
        where instances of one class are no longer told apart.

    Raises
    ------
    ValueError
        As :func:`panoptic_quality` for the id map and its segments.

    Examples
    --------
    >>> cats = [{"id": 7, "name": "sky", "isthing": 0}, {"id": 9, "name": "car", "isthing": 1}]
    >>> segs = [{"id": 3, "category_id": 9}, {"id": 4, "category_id": 9}]
    >>> semantic_from_panoptic([[3, 4, 0]], segs, cats, void_label=255).tolist()
    [[1, 1, 255]]
    """
    cats = _check_categories(categories)
    side = _check_segments(segments, "segments", cats, _check_id_map(ids, "ids"), "ids",
                           crowd_allowed=True)
    position = {cid: i for i, cid in enumerate(cats)}
    labels = _gather(side.id_map, side.ids, [void_label] + [position[c] for c in side.category[1:]])
    if labels.size and labels.min() < 0:
        _check_known(side, "ids", "segments")
    return labels.astype(np.int32)
