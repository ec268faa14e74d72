"""Region growing from seeds, stage by stage, and merging of similar regions.

Region growing starts from seed pixels and, at every stage k, tests the
unlabelled pixels that touch each region's border against a homogeneity
rule; the pixels that pass join the region. A stage is one vectorised step
over the whole border ring (no Python loop over pixels), so the recorded
steps are the growth rings a student can replay.

Notes
-----
Homogeneity tests (region i, mean M(i), standard deviation sd(i), user
tolerance T):

* ``"mean"``: :math:`|I(r,c) - M(i)| \\le T` with the running region mean;
* ``"adaptive"``: the same test with
  :math:`T(i) = \\left(1 - \\frac{sd(i)}{M(i)}\\right) T` (clipped at 0), so
  noisy regions become stricter;
* ``"fixed"``: :math:`|I(r,c) - I(seed)| \\le T`, a fixed interval around the
  seed value. With one seed this equals :func:`skimage.segmentation.flood`.

Location (optional, ``position_weight`` lambda > 0): the lecture lets the
similarity criterion "incorporate pixel location", and its clustering slides
group pixels by "intensity + position" to encode both similarity and
proximity. SegLab does the same in the homogeneity test: a pixel x at
distance d(x) from the region's centroid (the seed set's centroid for the
fixed rule) joins region i when its distance to the region in the
(I, lambda r, lambda c) feature space is within the tolerance,

.. math:: D(x) = \\sqrt{(I(r,c) - M(i))^2 + \\lambda^2 d(x)^2} \\le T(i),

so no pixel farther than T(i) / lambda from the centroid ever joins, and the
intensity tolerance shrinks to :math:`\\sqrt{T(i)^2 - \\lambda^2 d^2}` with the
distance. lambda is in gray levels per pixel; lambda = 0 is the test without
location, computed exactly as before.

M(i), sd(i) and the centroid are updated once per stage (after all pixels of
the ring joined). A pixel wanted by several regions in the same stage joins the
one whose reference value is closest, by D(x) with the position term (ties: the
smaller label). Growth stops when no region has an admissible neighbour, or a
region reaches ``max_size``.

Two adjacent regions merge when :math:`|M_1 - M_2| < k\\, sd(i)` for
i = 1 and 2, i.e. :math:`|M_1 - M_2| < k \\min(sd_1, sd_2)`.

References
----------
.. [1] R. C. Gonzalez, R. E. Woods, Digital Image Processing, 4th ed.,
       section 10.4 "Region growing" (weld cracks, seeds from a threshold).
.. [2] R. Adams, L. Bischof, "Seeded region growing", IEEE TPAMI 16(6), 1994.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage
from skimage.segmentation import relabel_sequential

from segcore.classical.region_adjacency import (
    BACKGROUND, adjacent_pairs, centroids, gray_float, merge_adjacent, merged_centroids, rag_data,
    region_stats)
from segcore.trace import Step, Trace, TraceRecorder

__all__ = ["CRITERIA", "UNLABELLED", "NOT_REACHED", "SEED_RULES", "region_grow", "merge_regions",
           "seeds_from_threshold", "seeds_at_max", "brightest_seed", "grow_with_rule"]

CRITERIA = ("mean", "adaptive", "fixed")
#: How :func:`grow_with_rule` places seeds: given points, random bright pixels, every maximum.
SEED_RULES = ("click", "threshold", "max")
CONNECTIVITIES = (4, 8)
UNLABELLED = BACKGROUND  # label of pixels no region reached
NOT_REACHED = -1  # stage of pixels no region reached
_CLOSED = -2  # state of the padding frame (and of pixels a fixed test rejects for good)
_QUEUED = -3  # state of pixels waiting in the queue of a single region
MAX_TRACKED_REGIONS = 8  # per-stage statistics are kept for regions 1..8
DEFAULT_MAX_STEPS = 60

_OFFSETS = {
    4: np.array([(-1, 0), (1, 0), (0, -1), (0, 1)]),
    8: np.array([(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]),
}


def _validate_grow(image, seeds, markers, criterion, threshold, connectivity, max_size,
                   position_weight=0.0):
    """Check and normalise region-growing arguments; raise ValueError naming the culprit."""
    image = gray_float(image)
    if criterion not in CRITERIA:
        raise ValueError(f"criterion must be one of {CRITERIA}, got {criterion!r}")
    if not np.isfinite(threshold) or threshold < 0:
        raise ValueError(f"threshold must be a finite number >= 0, got {threshold}")
    if (isinstance(position_weight, (bool, np.bool_))
            or not isinstance(position_weight, (int, float, np.integer, np.floating))
            or not np.isfinite(position_weight) or position_weight < 0):
        raise ValueError(f"position_weight must be a finite number >= 0, got {position_weight!r}")
    if connectivity not in CONNECTIVITIES:
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity!r}")
    if max_size is not None and (int(max_size) != max_size or max_size < 1):
        raise ValueError(f"max_size must be None or an integer >= 1, got {max_size}")
    if (seeds is None) == (markers is None):
        raise ValueError("give exactly one of seeds (row, col points) or markers (label image)")
    warnings = []
    if markers is not None:
        markers = np.asarray(markers)
        if markers.shape != image.shape or not np.issubdtype(markers.dtype, np.integer):
            raise ValueError(f"markers must be an integer array of the image shape {image.shape}, "
                             f"got {markers.dtype} {markers.shape}")
        if markers.min() < 0:
            raise ValueError(f"markers must be >= 0 (0 = no seed), found {markers.min()}")
        markers = relabel_sequential(markers.astype(np.int32))[0]
    else:
        points = np.asarray(seeds)
        if points.size == 0:
            points = np.zeros((0, 2), np.int64)
        if points.ndim != 2 or points.shape[1] != 2 or not np.issubdtype(points.dtype, np.integer):
            raise ValueError(f"seeds must be integer (row, col) pairs of shape (N, 2), "
                             f"got {points.dtype} {points.shape}")
        inside = ((points >= 0) & (points < image.shape)).all(axis=1)
        if not inside.all():
            raise ValueError(f"seed {tuple(points[~inside][0])} lies outside the image "
                             f"of shape {image.shape}")
        _, first = np.unique(points[:, 0] * image.shape[1] + points[:, 1], return_index=True)
        if len(first) < len(points):
            warnings.append(f"{len(points) - len(first)} duplicate seed(s) ignored.")
        points = points[np.sort(first)]
        markers = np.zeros(image.shape, np.int32)
        markers[points[:, 0], points[:, 1]] = np.arange(1, len(points) + 1)
    return image, markers, warnings


def region_grow(image, seeds=None, *, markers=None, criterion="mean", threshold=20.0,
                connectivity=8, max_size=None, position_weight=0.0,
                max_steps=DEFAULT_MAX_STEPS) -> Trace:
    """Grow one labelled region per seed, recording the ring added at each stage.

    Parameters
    ----------
    image : (H, W) array
        Gray image (any numeric dtype; computed in float64).
    seeds : (N, 2) int array-like, optional
        Seed points as (row, col); seed j grows region j + 1.
    markers : (H, W) int array, optional
        Alternative to ``seeds``: pixels with label l > 0 form the seed set of
        region l (e.g. all brightest pixels from :func:`seeds_at_max`).
    criterion : {"mean", "adaptive", "fixed"}
        Homogeneity test, see Notes of the module.
    threshold : float
        Tolerance T (>= 0), in intensity units.
    connectivity : {4, 8}
        Neighbourhood of the border pixels.
    max_size : int, optional
        A region stops growing when it has this many pixels.
    position_weight : float
        lambda >= 0, gray levels per pixel: the weight of the pixel's distance
        to the region's centroid in the homogeneity test (module Notes);
        0 (default) leaves location out.
    max_steps : int or None
        Bound on recorded stages (the full ``stage`` map is always kept).

    Returns
    -------
    Trace
        ``output``: ``labels`` (H, W) int32 (0 = not reached), ``stage``
        (H, W) int32 stage at which each pixel joined (seeds 0, -1 = never),
        ``history`` dict of (K + 1, min(N, 8)) float arrays ``mean``, ``sd``,
        ``size`` after each stage and ``threshold`` T(i) computed from them
        (the tolerance tested at the next stage), with ``position_weight`` > 0
        also ``centroid`` (K + 1, min(N, 8), 2) (row, col) of the regions,
        ``sizes`` (N,) final sizes,
        ``n_regions`` and ``stop_reason``. Step k holds ``ring`` (flat
        indices of the pixels that joined at stage k, i.e. ``stage == k``)
        and ``sizes`` of the tracked regions, with metrics ``added``,
        ``size`` (all regions), ``mean``, ``sd``, ``threshold`` (region 1).

    Raises
    ------
    ValueError
        For a non-2-D image, unknown criterion or connectivity, negative
        threshold or position_weight, seeds outside the image, or
        both/neither of seeds/markers.

    Notes
    -----
    At stage k every unlabelled neighbour x of region i (one vectorised step
    over the whole ring, plus the earlier rejected border pixels, which are
    re-tested because M(i) moved) joins it when P(R_i(k) U {x}) is TRUE:

    .. math:: M(i) - T(i) \\le I(x) \\le M(i) + T(i), \\qquad
              T(i) = T \\;\\text{or}\\; \\left(1 - \\frac{sd(i)}{M(i)}\\right) T

    with M(i), sd(i) of the region after stage k - 1 (the seed value instead
    of M(i) for the fixed rule). With the position term, the test is
    :math:`(I(x) - M(i))^2 + \\lambda^2 d(x)^2 \\le T(i)^2`, d(x) the distance
    from x to the region's centroid after stage k - 1 (to the seeds' centroid
    for the fixed rule).

    References
    ----------
    .. [1] R. C. Gonzalez, R. E. Woods, Digital Image Processing, 4th ed.,
           section 10.4.
    .. [2] skimage.segmentation.flood, the fixed rule with one seed.

    Examples
    --------
    >>> img = np.array([[10, 10, 50], [10, 12, 50], [50, 50, 50]])
    >>> t = region_grow(img, [(0, 0)], threshold=5, connectivity=4)
    >>> t.labels.tolist(), t.stage.tolist()
    ([[1, 1, 0], [1, 1, 0], [0, 0, 0]], [[0, 1, -1], [1, 2, -1], [-1, -1, -1]])

    With location: on a constant row, no pixel farther than T / lambda = 2 from
    the seed joins.

    >>> region_grow(np.zeros((1, 7)), [(0, 3)], threshold=4, position_weight=2).labels
    array([[0, 1, 1, 1, 1, 1, 0]], dtype=int32)
    """
    image, markers, warnings = _validate_grow(image, seeds, markers, criterion, threshold,
                                              connectivity, max_size, position_weight)
    params = {"criterion": criterion, "threshold": float(threshold),
              "connectivity": connectivity, "max_size": max_size,
              "position_weight": float(position_weight)}
    rec = TraceRecorder(max_steps)
    n_regions = int(markers.max())
    if n_regions == 0:
        warnings.append("No seeds: nothing to grow. Click the image or choose a seed rule.")
        stage = np.full(markers.shape, NOT_REACHED, np.int32)
        return rec.finish(_grow_output(markers, stage, _empty_history(), 0, "no seeds"),
                          params, warnings)
    grow = (_OneRegion if n_regions == 1 else _Regions)(image, markers, n_regions, criterion,
                                                         float(threshold), max_size,
                                                         float(position_weight))
    _grow_stages(grow, connectivity)
    history = grow.history()
    reason = "max size reached" if grow.all_full() else "no admissible neighbour"
    stage = grow.crop(np.maximum(grow.state, NOT_REACHED))
    output = _grow_output(grow.final_labels(), stage, history, n_regions, reason, grow.sizes())
    return Trace(output, _stage_steps(grow, history, max_steps), params, warnings,
                 total_steps=len(grow.added))


def _grow_stages(grow, connectivity):
    """Run the lecture's stages until no region admits a neighbour.

    Stage 0 is the seeds; each later stage takes the unlabelled neighbours
    of the last ring, applies the homogeneity test, sets the rejected ones
    aside, gives each admissible pixel to one region, and updates the
    regions' statistics with the new ring.
    """
    offsets = grow.flat_offsets(connectivity)
    ring = grow.seeds
    while True:
        pix, lab = grow.border_candidates(ring, offsets)  # unlabelled neighbours of the ring
        ok, distance = grow.homogeneity_test(pix, lab)  # M(i) - T(i) <= I <= M(i) + T(i)
        pix, lab, distance = grow.set_aside(pix, lab, ok, distance)  # rejected ones wait
        ring, ring_lab = grow.assign(pix, lab, distance)  # closest region, max_size
        if not len(ring):
            return grow
        grow.add(ring, ring_lab)  # the ring joins; update M(i), sd(i) and T(i)


class _Growth:
    """What every growth shares: the padded image, the stage map and the rings.

    Works on the image padded by one pixel whose state is ``_CLOSED``, so the
    neighbours of a flat index are ``index + offset`` without bounds checks
    (the trick :func:`skimage.segmentation.flood` uses). ``state`` holds the
    stage at which a pixel joined, ``NOT_REACHED`` for candidates-to-be and
    ``_CLOSED`` (or ``_QUEUED``) for pixels that are no candidates now. Flat
    indices are ``intp``: numpy converts any other index dtype on every
    gather and scatter, which costs more than the work itself on a ring.

    Per stage the work is proportional to the ring (its neighbours and the
    queued pixels the moved interval admits), never to the image. The
    subclasses :class:`_OneRegion` and :class:`_Regions` implement the
    lecture's stages: ``border_candidates`` (unlabelled neighbours of the
    ring), ``homogeneity_test``, ``set_aside`` (rejected pixels wait until
    M(i) moves), ``assign`` (closest region, ``max_size``) and ``add`` (the
    ring joins; update M(i), sd(i), T(i)).
    """

    def __init__(self, image, markers, criterion, threshold, max_size, n_labels,
                 position_weight):
        self.shape = image.shape
        self.width = image.shape[1] + 2
        self.criterion, self.threshold, self.max_size = criterion, threshold, max_size
        padded = (image.shape[0] + 2, self.width)
        values = np.zeros(padded)
        values[1:-1, 1:-1] = image
        state = np.full(padded, _CLOSED, np.int32)  # the frame is never a candidate
        state[1:-1, 1:-1] = np.where(markers > 0, 0, NOT_REACHED)
        self.values, self.state = values.ravel(), state.ravel()
        self.seeds = np.flatnonzero(self.state == 0)
        self.added = [len(self.seeds)]
        self._rings = [self.seeds]
        self._stamp = np.empty(len(self.values), np.intp)
        self._order = np.arange(4096)
        self.position = None  # the position term, only with position_weight > 0
        if position_weight > 0:
            self.position = _Position(position_weight, padded, self.seeds,
                                      np.pad(markers, 1).ravel()[self.seeds], n_labels + 1,
                                      fixed=criterion == "fixed")

    def flat_offsets(self, connectivity):
        return (_OFFSETS[connectivity] @ np.array([self.width, 1])).astype(np.intp)

    def crop(self, padded):
        return padded.reshape(self.shape[0] + 2, self.width)[1:-1, 1:-1].astype(np.int32)

    def unique(self, pix):
        """``pix`` without repeats, in the order of each pixel's last copy (one surviving
        write per pixel marks that copy; no sort)."""
        if len(pix) > len(self._order):
            self._order = np.arange(2 * len(pix))
        order = self._order[:len(pix)]
        self._stamp[pix] = order
        return pix.compress(self._stamp.take(pix) == order)

    def ring(self, k):
        """The pixels that joined at stage k, as flat indices of the unpadded image."""
        pix = self._rings[k]
        return ((pix // self.width - 1) * self.shape[1] + pix % self.width - 1).astype(np.int32)

    def centroid_history(self):
        """``{"centroid": (K + 1, min(N, 8), 2)}`` (row, col) after every stage with the
        position term, else ``{}``."""
        if self.position is None:
            return {}
        return {"centroid": np.stack(self.position.snapshots)[:, 1:1 + MAX_TRACKED_REGIONS] - 1}


class _Position:
    """The position term: centroids of the regions and lambda^2 d^2 of candidate pixels.

    Works in the padded image's (row, col), like the flat indices; the
    reference point of region i is its running centroid, or the centroid of
    its seed set for the fixed rule (whose reference never moves). ``lab``
    None means the one region 1.
    """

    def __init__(self, weight, shape, seeds, lab, n_labels, fixed):
        self.weight2, self.fixed = float(weight) ** 2, fixed
        self.rows, self.cols = (a.ravel() for a in np.indices(shape, np.float64))
        self.sums = np.zeros((3, n_labels))  # count, sum of rows, sum of cols
        self.centroid = np.zeros((n_labels, 2))
        self.snapshots = []
        self.add(seeds, lab)
        self.seed_centroid = self.centroid.copy()

    def add(self, pix, lab):
        """The pixels ``pix`` joined regions ``lab``: update the centroids."""
        rows, cols = self.rows.take(pix), self.cols.take(pix)
        if lab is None:
            self.sums[:, 1] += (len(pix), rows.sum(), cols.sum())
        else:
            size = self.sums.shape[1]
            self.sums += np.stack([np.bincount(lab, minlength=size),
                                   np.bincount(lab, rows, minlength=size),
                                   np.bincount(lab, cols, minlength=size)])
        self.centroid = (self.sums[1:] / np.maximum(self.sums[0], 1)).T
        self.snapshots.append(self.centroid)

    def admits(self, pix, lab, values, reference, limit, distance=True):
        """The test D <= T(i), D^2 = (I - M(i))^2 + lambda^2 d^2, and D (None unless
        ``distance``), for pixels ``pix`` of regions ``lab`` (intensities ``values``; M(i),
        T(i) per pixel or scalars; a negative T(i) admits nothing)."""
        point = (self.seed_centroid if self.fixed else self.centroid)[1 if lab is None else lab]
        rows = self.rows.take(pix) - point[..., 0]
        cols = self.cols.take(pix) - point[..., 1]
        square = values - reference
        square *= square
        square += self.weight2 * (rows * rows + cols * cols)
        ok = (limit >= 0) & (square <= np.square(limit))
        return ok, np.sqrt(square) if distance else None


class _OneRegion(_Growth):
    """One region: M, sd and T(i) are Python floats, and the pixels waiting in
    the queue are marked ``_QUEUED`` in ``state``, so one test on ``state``
    finds the new candidates and no labels are carried.
    """

    def __init__(self, image, markers, n_regions, criterion, threshold, max_size,
                 position_weight=0.0):
        super().__init__(image, markers, criterion, threshold, max_size, 1, position_weight)
        seeds = np.flatnonzero(markers)
        sums = _region_sums(markers.ravel()[seeds], image.ravel()[seeds], 2)[:, 1]
        self.count, self.total, self.total_sq = (float(v) for v in sums)
        self.snapshots = [(self.count, self.total, self.total_sq)]
        self.seed_value = self.stats()[0]
        self.queue = _ValueQueue(self.values, labelled=False) if criterion != "fixed" else None
        self.low, self.high = self.interval()
        # fixed interval, no size limit: the test never changes, so it is applied to all
        # pixels up front and failing pixels are never proposed as candidates
        self.static = criterion == "fixed" and max_size is None
        if self.static:
            if self.position is None:
                outside = (self.values < self.low) | (self.values > self.high)
            else:
                outside = ~self.position.admits(np.arange(len(self.values)), None, self.values,
                                                *self.reference_limit(), distance=False)[0]
            self.state[outside & (self.state == NOT_REACHED)] = _CLOSED

    def all_full(self):
        """True when the region reached max_size."""
        return self.max_size is not None and self.count >= self.max_size

    def sizes(self):
        return np.array([self.count])

    def final_labels(self):
        return self.crop(self.state >= 0)

    def stats(self):
        """M, sd and T(i) of the region: :func:`_region_stats` for one region, in floats."""
        count, total = self.count, self.total
        n = max(count, 1.0)
        mean = total / n
        sd = math.sqrt(max(count * self.total_sq - total * total, 0.0)) / n
        if self.criterion != "adaptive":
            return mean, sd, self.threshold
        ratio = sd / mean if mean > 0 else 0.0
        return mean, sd, max(1.0 - ratio, 0.0) * self.threshold

    def reference_limit(self):
        """M (the seed value for the fixed rule) and T(i); T(i) = -1 once the region
        reached max_size."""
        if self.criterion == "fixed":  # reference and tolerance never change
            reference, threshold = self.seed_value, self.threshold
        else:
            reference, _, threshold = self.stats()
        return reference, -1.0 if self.all_full() else threshold

    def interval(self):
        """Bounds M - T(i) and M + T(i) (the seed value for the fixed rule); empty
        (low > high) once the region reached max_size."""
        reference, limit = self.reference_limit()
        return reference - limit, reference + limit

    def border_candidates(self, ring, offsets):
        """Unlabelled neighbours of the ring (once each), then the queued pixels the
        moved interval now admits."""
        pix = np.add.outer(ring, offsets).ravel()  # ring pixel by ring pixel
        pix = self.unique(pix.compress(self.state.take(pix) == NOT_REACHED))  # not _QUEUED
        if self.queue is not None:
            pix = np.concatenate([pix, self.queue.pop_between(self.low, self.high)[0]])
        return pix, None

    def homogeneity_test(self, pix, lab):
        """Admissible candidates and, with max_size, their distance |I - M|.

        Returns ``(None, None)`` when the test was applied up front (every candidate passes).
        """
        if self.static:
            return None, None
        values = self.values[pix]
        if self.position is not None:
            return self.position.admits(pix, None, values, *self.reference_limit(),
                                        distance=self.max_size is not None)
        ok = (values >= self.low) & (values <= self.high)
        distance = None
        if self.max_size is not None:
            distance = np.abs(values - (self.low + self.high) / 2)
        return ok, distance

    def set_aside(self, pix, lab, ok, distance):
        """Queue the rejected candidates (M and T(i) move) and keep the admissible ones;
        the fixed rule's interval never moves, so its rejected pixels are closed."""
        if ok is None:
            return pix, lab, distance
        rejected = pix[~ok]
        if self.queue is None:
            self.state[rejected] = _CLOSED
        else:
            self.state[rejected] = _QUEUED
            self.queue.push(rejected)
        return pix[ok], lab, None if distance is None else distance[ok]

    def assign(self, pix, lab, distance):
        """Respect max_size: the closest pixels first, then raster order."""
        if self.max_size is not None and len(pix):
            pix = pix[np.lexsort((pix, distance))][:int(self.max_size - self.count)]
        return pix, lab

    def add(self, pix, lab):
        """Next stage: the pixels join; update the sums and the interval."""
        self.state[pix] = len(self.added)
        values = self.values[pix]
        self.count += len(values)
        self.total += float(values.sum())
        self.total_sq += float(values @ values)
        self.snapshots.append((self.count, self.total, self.total_sq))
        self.added.append(len(pix))
        self._rings.append(pix)
        if self.position is not None:
            self.position.add(pix, None)
        self.low, self.high = self.interval()

    def history(self):
        """Mean, sd, size and next T(i) after every stage (and the centroid with the
        position term)."""
        sums = np.array(self.snapshots)[:, :, None]
        mean, sd, threshold = _region_stats(sums, self.criterion, self.threshold)
        return {"mean": mean, "sd": sd, "size": sums[:, 0], "threshold": threshold,
                **self.centroid_history()}


class _Regions(_Growth):
    """Several regions: sums per region in a (3, N + 1) array, candidates as
    unique (pixel, touching region) pairs; a pixel several regions admit
    joins the closest.
    """

    def __init__(self, image, markers, n_regions, criterion, threshold, max_size,
                 position_weight=0.0):
        super().__init__(image, markers, criterion, threshold, max_size, n_regions,
                         position_weight)
        self.n_regions = n_regions
        labels = np.zeros((image.shape[0] + 2, self.width), np.int32)
        labels[1:-1, 1:-1] = markers
        self.labels = labels.ravel()
        seeds = np.flatnonzero(markers)
        self.sums = _region_sums(markers.ravel()[seeds], image.ravel()[seeds], n_regions + 1)
        self.seed_value = _region_stats(self.sums, criterion, threshold)[0]
        self.snapshots = [self.sums.copy()]
        self.queue = _ValueQueue(self.values, labelled=True) if criterion != "fixed" else None

    @property
    def full(self):
        """(N + 1,) bool: region reached max_size (index 0 is the background)."""
        if self.max_size is None:
            return np.zeros(self.sums.shape[1], bool)
        return self.sums[0] >= self.max_size

    def all_full(self):
        return self.max_size is not None and bool(self.full[1:].all())

    def sizes(self):
        return self.sums[0, 1:]

    def final_labels(self):
        return self.crop(self.labels)

    def reference_limit(self):
        """(N + 1,) M(i) (the seed value for the fixed rule) and T(i), -1 for regions at
        max_size."""
        if self.criterion == "fixed":  # reference and tolerance never change
            reference, threshold = self.seed_value, self.threshold
        else:
            reference, _, threshold = _region_stats(self.sums, self.criterion, self.threshold)
        return reference, np.where(self.full, -1.0, threshold)

    def interval(self):
        """(N + 1,) bounds M(i) - T(i) and M(i) + T(i) (the seed value for the fixed rule);
        empty (low > high) for regions at max_size."""
        reference, limit = self.reference_limit()
        return reference - limit, reference + limit

    def border_candidates(self, ring, offsets):
        """Unlabelled neighbours of the ring plus the queued pairs the regions' new intervals
        admit, as unique (pixel, touching region) pairs."""
        pix = (ring[:, None] + offsets).ravel()
        lab = np.repeat(self.labels[ring], len(offsets))
        if self.queue is not None:
            queued_pix, queued_lab = self.queue.pop_between(*self.interval())
            pix = np.concatenate([pix, queued_pix])
            lab = np.concatenate([lab, queued_lab])
        free = self.state[pix] == NOT_REACHED
        pix, lab = pix[free], lab[free]
        _, first = np.unique(pix * (self.n_regions + 1) + lab, return_index=True)
        return pix[first], lab[first]

    def homogeneity_test(self, pix, lab):
        """Admissible candidates (M(i) - T(i) <= I <= M(i) + T(i)) and their distance |I - M(i)|
        (with the position term: D <= T(i), and D)."""
        if self.position is not None:
            reference, limit = self.reference_limit()
            return self.position.admits(pix, lab, self.values[pix], reference[lab], limit[lab])
        low, high = self.interval()
        low, high = low[lab], high[lab]
        values = self.values[pix]
        return (values >= low) & (values <= high), np.abs(values - (low + high) / 2)

    def set_aside(self, pix, lab, ok, distance):
        """Queue rejected pairs for re-testing (M(i) and T(i) move; not with the fixed rule,
        whose interval never changes) and keep the admissible ones."""
        if self.queue is not None:
            self.queue.push(pix[~ok], lab[~ok])
        return pix[ok], lab[ok], distance[ok]

    def assign(self, pix, lab, distance):
        """Give each admissible pixel to its closest region, respecting max_size."""
        order = np.lexsort((lab, distance, pix))
        pix, lab, distance = pix[order], lab[order], distance[order]
        first = np.r_[True, pix[1:] != pix[:-1]][:len(pix)]
        pix, lab, distance = pix[first], lab[first], distance[first]
        if self.max_size is not None and len(pix):
            order = np.lexsort((pix, distance, lab))
            pix, lab = pix[order], lab[order]
            start = np.flatnonzero(np.r_[True, lab[1:] != lab[:-1]])
            rank = np.arange(len(lab)) - np.repeat(start, np.diff(np.r_[start, len(lab)]))
            keep = rank < (self.max_size - self.sums[0, lab])
            pix, lab = pix[keep], lab[keep]
        return pix, lab

    def add(self, pix, lab):
        """Next stage: the pixels join their regions; update the sums."""
        self.state[pix] = len(self.added)
        self.labels[pix] = lab
        self.sums += _region_sums(lab, self.values[pix], self.sums.shape[1])
        self.snapshots.append(self.sums.copy())
        self.added.append(len(pix))
        self._rings.append(pix)
        if self.position is not None:
            self.position.add(pix, lab)

    def history(self):
        """Mean, sd, size and next T(i) after every stage, for the tracked regions."""
        sums = np.stack(self.snapshots)[:, :, 1:1 + MAX_TRACKED_REGIONS]
        mean, sd, threshold = _region_stats(sums, self.criterion, self.threshold)
        return {"mean": mean, "sd": sd, "size": sums[:, 0], "threshold": threshold,
                **self.centroid_history()}


class _ValueQueue:
    """Rejected candidates waiting for their region's interval to reach them.

    Most entries sit in a store sorted by region and then by intensity, where
    one binary search per region finds the entries inside the admissible
    interval [M(i) - T(i), M(i) + T(i)]; recent entries sit in a small
    unsorted buffer that is tested directly and merged into the store when it
    grows. So a long border of rejected pixels costs little per stage. With
    one region an entry is a pixel (the caller keeps each pixel at most once
    in the queue); with several it is a (pixel, region) pair, which may be
    queued more than once (the caller removes duplicates).
    """

    MIN_BUFFER = 4096

    def __init__(self, values, labelled):
        self.values = values
        self.low_value = float(values.min())
        self.high_value = float(values.max())
        self.span = self.high_value - self.low_value + 1.0  # region l owns keys [l span, (l+1) span)
        self.labelled = labelled  # False: one region, no label arrays, scalar bounds
        self.keys = np.zeros(0)
        self.pix = self.new_pix = np.zeros(0, np.intp)
        self.lab = self.new_lab = np.zeros(0, np.int32)

    def _key(self, lab, value):
        return lab * self.span + (value - self.low_value)

    def push(self, pix, lab=None):
        self.new_pix = np.concatenate([self.new_pix, pix])
        if self.labelled:
            self.new_lab = np.concatenate([self.new_lab, lab])
        if len(self.new_pix) > max(self.MIN_BUFFER, len(self.keys) // 8):
            pix = np.concatenate([self.pix, self.new_pix])
            lab = np.concatenate([self.lab, self.new_lab]) if self.labelled else 1
            keys = self._key(lab, self.values[pix])
            order = np.argsort(keys, kind="stable")
            self.keys, self.pix = keys[order], pix[order]
            if self.labelled:
                self.lab = lab[order]
            self.new_pix, self.new_lab = self.new_pix[:0], self.new_lab[:0]

    def pop_between(self, low, high):
        """Remove and return the entries whose value lies in [low[l], high[l]] of their
        region l (scalars ``low``, ``high`` with one region) as ``(pix, lab)``, ``lab`` None
        with one region."""
        values = self.values[self.new_pix]
        if self.labelled:
            hit = (values >= low[self.new_lab]) & (values <= high[self.new_lab])
        else:
            hit = (values >= low) & (values <= high)
        pix, lab = self.new_pix[:0], self.new_lab[:0]
        if hit.any():
            pix, self.new_pix = self.new_pix[hit], self.new_pix[~hit]
            if self.labelled:
                lab, self.new_lab = self.new_lab[hit], self.new_lab[~hit]
        if not self.labelled:
            low = min(max(low, self.low_value), self.high_value)  # np.clip, for floats
            high = min(max(high, self.low_value), self.high_value)
            start = self.keys.searchsorted(self._key(1, low), side="left")
            stop = max(start, self.keys.searchsorted(self._key(1, high), side="right"))
            if stop > start:
                pix = np.concatenate([pix, self.pix[start:stop]])
                self.keys = np.concatenate([self.keys[:start], self.keys[stop:]])
                self.pix = np.concatenate([self.pix[:start], self.pix[stop:]])
            return pix, None
        labels = np.arange(len(low))
        low = np.clip(low, self.low_value, self.high_value)  # keep each search inside its region
        high = np.clip(high, self.low_value, self.high_value)
        start = np.searchsorted(self.keys, self._key(labels, low), side="left")
        stop = np.maximum(start, np.searchsorted(self.keys, self._key(labels, high), side="right"))
        ranges = np.flatnonzero(stop > start)
        if len(ranges):
            out = np.concatenate([np.arange(start[r], stop[r]) for r in ranges])
            pix = np.concatenate([pix, self.pix[out]])
            lab = np.concatenate([lab, self.lab[out]])
            self.keys, self.pix, self.lab = (np.delete(a, out) for a in (self.keys, self.pix,
                                                                         self.lab))
        return pix, lab


def _region_sums(lab, values, size):
    """(3, size) pixel count, sum and sum of squares per label."""
    return np.stack([np.bincount(lab, minlength=size).astype(np.float64),
                     np.bincount(lab, values, minlength=size),
                     np.bincount(lab, values * values, minlength=size)])


def _region_stats(sums, criterion, threshold):
    """Mean M(i), sd(i) and T(i) from sums of shape (..., 3, N).

    T(i) = T, or for the adaptive rule (1 - sd(i)/M(i)) T clipped at 0
    (sd/M taken as 0 when M = 0, where sd is 0 too for intensities >= 0).
    """
    count, total, total_sq = sums[..., 0, :], sums[..., 1, :], sums[..., 2, :]
    n = np.maximum(count, 1)
    mean = total / n
    sd = np.sqrt(np.maximum(count * total_sq - total ** 2, 0.0)) / n
    if criterion != "adaptive":
        return mean, sd, np.full_like(mean, threshold)
    ratio = np.divide(sd, mean, out=np.zeros_like(mean), where=mean > 0)
    return mean, sd, np.clip(1.0 - ratio, 0.0, None) * threshold


def _empty_history():
    return {name: np.zeros((0, 0)) for name in ("mean", "sd", "size", "threshold")}


def _kept_stages(n_stages, max_steps):
    """The stages a ``TraceRecorder(max_steps)`` keeps out of ``n_stages`` (no payloads)."""
    rec = TraceRecorder(max_steps)
    for k in range(n_stages):
        rec.add("", None)
    return [step.index for step in rec.steps]


def _stage_steps(grow, history, max_steps):
    """Steps of the kept stages: the ring, the tracked sizes and region 1's statistics.

    Only kept stages are built (the recorder's own choice of stages), so a run
    of hundreds of stages pays for at most ``max_steps`` rings.
    """
    total = np.cumsum(grow.added)
    steps = []
    for k in _kept_stages(len(grow.added), max_steps):
        caption = ("Stage 0: the seeds." if k == 0 else
                   f"Stage {k}: {grow.added[k]} border pixel(s) passed the homogeneity test.")
        metrics = {"added": grow.added[k], "size": total[k], "mean": history["mean"][k, 0],
                   "sd": history["sd"][k, 0], "threshold": history["threshold"][k, 0]}
        steps.append(Step(f"stage {k}", {"ring": grow.ring(k), "sizes": history["size"][k]},
                          caption, {name: float(v) for name, v in metrics.items()}, k))
    return tuple(steps)


def _grow_output(labels, stage, history, n_regions, reason, sizes=np.zeros(0)):
    return {"labels": labels.astype(np.int32), "stage": stage, "history": history,
            "sizes": np.asarray(sizes, np.int64), "n_regions": n_regions, "stop_reason": reason}


def seeds_from_threshold(image, threshold, n_seeds, random_state=None):
    """Random seed points among the pixels at or above ``threshold``.

    The weld-crack recipe: threshold to find bright candidate pixels, then pick
    seeds at random among them.

    Parameters
    ----------
    image : (H, W) array
    threshold : float
    n_seeds : int
        Number of seeds (fewer when fewer pixels qualify).
    random_state : int or numpy.random.Generator, optional

    Returns
    -------
    (n, 2) int64
        (row, col) seeds in raster order; empty when no pixel qualifies.

    Examples
    --------
    >>> seeds_from_threshold(np.array([[0, 9], [9, 0]]), 5, 5, random_state=0).tolist()
    [[0, 1], [1, 0]]
    """
    image = np.asarray(image)
    if int(n_seeds) != n_seeds or n_seeds < 1:
        raise ValueError(f"n_seeds must be an integer >= 1, got {n_seeds}")
    candidates = np.flatnonzero(image >= threshold)
    rng = np.random.default_rng(random_state)
    chosen = np.sort(rng.choice(candidates, size=min(int(n_seeds), len(candidates)), replace=False))
    return np.stack(np.unravel_index(chosen, image.shape), axis=1).astype(np.int64)


def seeds_at_max(image, connectivity=8):
    """Markers from all pixels at the maximum intensity (the lightning example).

    Touching maximum pixels form one seed set, so each bright blob grows one
    region.

    Parameters
    ----------
    image : (H, W) array
    connectivity : {4, 8}

    Returns
    -------
    (H, W) int32
        Marker image for :func:`region_grow` (0 = no seed).

    Examples
    --------
    >>> seeds_at_max(np.array([[9, 9, 0], [0, 0, 0], [0, 0, 9]])).tolist()
    [[1, 1, 0], [0, 0, 0], [0, 0, 2]]
    """
    image = np.asarray(image)
    structure = ndimage.generate_binary_structure(2, 1 if connectivity == 4 else 2)
    return ndimage.label(image == image.max(), structure=structure)[0].astype(np.int32)


def brightest_seed(image) -> list[tuple[int, int]]:
    """The one default seed: the first pixel (row-major) at the maximum intensity.

    Examples
    --------
    >>> brightest_seed(np.array([[1, 7], [7, 2]]))
    [(0, 1)]
    """
    image = np.asarray(image)
    return [tuple(int(v) for v in np.unravel_index(np.argmax(image), image.shape))]


def grow_with_rule(image, rule="click", points=None, *, seed_threshold=240, n_seeds=10,
                   random_state=0, criterion="adaptive", threshold=80, connectivity=8,
                   max_size=None, position_weight=0.0, merge_k=None):
    """Seeds by a rule, region growing from them, then optional merging (one pipeline).

    Parameters
    ----------
    image : (H, W) array
    rule : {"click", "threshold", "max"}
        ``"click"``: grow from ``points`` (default: :func:`brightest_seed`);
        ``"threshold"``: :func:`seeds_from_threshold`; ``"max"``: :func:`seeds_at_max`.
    points : sequence of (int, int), optional
        Seed pixels for ``rule="click"``.
    seed_threshold, n_seeds, random_state
        Passed to :func:`seeds_from_threshold`.
    criterion, threshold, connectivity, max_size, position_weight
        Passed to :func:`region_grow`.
    merge_k : float, optional
        If given and more than one region grew, :func:`merge_regions` with ``k=merge_k``.

    Returns
    -------
    seeds : (N, 2) int64 ndarray
    trace : Trace
        The :func:`region_grow` trace.
    merged : Trace or None
        The :func:`merge_regions` trace (``merged.labels`` is the final result).
    """
    if rule not in SEED_RULES:
        raise ValueError(f"rule must be one of {SEED_RULES}, got {rule!r}")
    grow = {"criterion": criterion, "threshold": threshold, "connectivity": connectivity,
            "max_size": max_size, "position_weight": position_weight}
    if rule == "max":
        markers = seeds_at_max(image, connectivity)
        seeds = np.argwhere(markers > 0)
        trace = region_grow(image, markers=markers, **grow)
    else:
        if rule == "click":
            seeds = np.array(brightest_seed(image) if points is None else points,
                             np.int64).reshape(-1, 2)
        else:
            seeds = seeds_from_threshold(image, seed_threshold, n_seeds, random_state=random_state)
        trace = region_grow(image, seeds, **grow)
    merged = None
    if merge_k is not None and trace.n_regions > 1:
        merged = merge_regions(image, trace.labels, k=merge_k, connectivity=connectivity)
    return seeds, trace, merged


def merge_regions(image, labels, *, k=1.0, connectivity=8) -> Trace:
    """Merge adjacent regions whose means differ by less than k standard deviations.

    Parameters
    ----------
    image : (H, W) array
        Gray image the regions were grown on.
    labels : (H, W) int array
        Regions 1..N, 0 = unlabelled (never merged).
    k : float
        Factor k (>= 0) in :math:`|M_1 - M_2| < k \\min(sd_1, sd_2)`.
    connectivity : {4, 8}
        When two regions count as adjacent.

    Returns
    -------
    Trace
        ``output``: ``labels`` (H, W) int32 merged regions numbered 1..R,
        ``merged`` (P, 2) int64 (kept, absorbed) pairs of original labels in
        merge order, ``rag_before`` / ``rag_after`` RAG drawing data (see
        :func:`segcore.classical.region_adjacency.rag_data`), ``n_before``,
        ``n_after``. One step per merge round with ``parent`` (N + 1,) mapping
        original to current labels.

    Notes
    -----
    Regions R1, R2 that touch merge when :math:`|M_1 - M_2| < k\\, sd(i)` for
    i = 1 and 2. Merging runs in rounds of mutually most similar pairs
    (:func:`segcore.classical.region_adjacency.merge_adjacent`), and the
    statistics of a merged region are recomputed before the next round.

    References
    ----------
    .. [1] R. Adams, L. Bischof, "Seeded region growing", IEEE TPAMI 16(6), 1994.

    Examples
    --------
    >>> img = np.array([[10, 12, 11, 13, 90, 92]])
    >>> t = merge_regions(img, np.array([[1, 1, 2, 2, 3, 3]]), k=2)
    >>> t.merged.tolist(), t.labels.tolist()
    ([[1, 2]], [[1, 1, 1, 1, 2, 2]])
    """
    image, markers, warnings = _validate_grow(image, None, labels, "mean", 0.0, connectivity, None)
    if not np.isfinite(k) or k < 0:
        raise ValueError(f"k must be a finite number >= 0, got {k}")
    n = int(markers.max())
    stats = region_stats(image, markers, n)
    edges = adjacent_pairs(markers, connectivity)

    def close_means(st, a, b):
        gap = np.abs(st.mean[a] - st.mean[b])
        return gap < k * np.minimum(st.sd[a], st.sd[b]), gap

    rec = TraceRecorder(None)
    rec.add("before", {"parent": np.arange(n + 1)}, f"{n} regions before merging.", regions=n)
    if n == 0:
        warnings.append("No regions to merge.")
    parent, merged_stats, merged_edges, merged = merge_adjacent(
        stats, edges, close_means, None,
        lambda r, p, pairs: rec.add(f"round {r}", {"parent": p},
                                    f"Round {r}: {len(pairs)} pair(s) merged.",
                                    regions=len(np.unique(p[1:]))))
    final = relabel_sequential(parent[markers].astype(np.int32))[0]
    survivors = np.unique(parent[1:]) if n else np.zeros(0, np.int64)
    after_stats = merged_stats.take(np.r_[0, survivors])
    remap = np.zeros(n + 1, np.int64)
    remap[survivors] = np.arange(1, len(survivors) + 1)
    after_edges = remap[merged_edges]
    points = centroids(markers, n)
    after_points = merged_centroids(points, stats.count, remap[parent])
    output = {
        "labels": final, "merged": merged, "n_before": n, "n_after": len(survivors),
        "rag_before": rag_data(points[1:], stats, edges, close_means(stats, *edges.T)[0]),
        "rag_after": rag_data(after_points, after_stats, after_edges,
                              close_means(after_stats, *after_edges.T)[0]),
    }
    return rec.finish(output, {"k": float(k), "connectivity": connectivity}, warnings)
