"""Watershed segmentation: the gradient image flooded level by level from markers.

Read the gradient magnitude as a relief: edges are ridges, the insides of
objects and the background are valleys. Water rises from a set of **markers**
(one source per object and one for the background); every source fills its
own **basin**, and where the water of two basins would meet a **dam** is
built. The dams are the watershed lines, the segmentation's borders. Without
markers every regional minimum of the relief is a source, and noise makes
thousands of them: the watershed **over-segments**.

Notes
-----
The relief is the Sobel gradient of the Gaussian-smoothed image
:math:`I_\\sigma = G_\\sigma * I`, rounded to whole gray levels (the flooding
levels h = 0..255):

.. math:: g = \\operatorname{round}\\sqrt{\\tfrac{1}{2}\\left((S_r * I_\\sigma)^2
          + (S_c * I_\\sigma)^2\\right)}

with :func:`skimage.filters.sobel`'s kernels (:math:`S_r, S_c`, normalised by 1/4).
Flooding with markers :math:`M = M_1 \\cup \\dots \\cup M_K` (Meyer's priority
flood, as :func:`skimage.segmentation.watershed` runs it): with
:math:`T[h] = \\{p : g(p) \\le h\\}`, the water at level h covers

.. math:: F[h] = \\bigcup \\{ C : C \\text{ a connected component of } T[h],
          \\; C \\cap M \\neq \\emptyset \\}

(a marker starts to flood when the water reaches its own level), and every
flooded pixel already belongs to the basin it ends in (a pixel is labelled
once, by the marker whose water reaches it first). Basins i and j
touch at the lowest level of a path between them (the pass); there the dam
appears. The final labels are :func:`skimage.segmentation.watershed` on the
same relief and markers (the reference, called here); the levels recorded in
between are the sets :math:`F[h]` computed with :func:`scipy.ndimage.label`.

References
----------
.. [1] S. Beucher, F. Meyer, "The morphological approach to segmentation: the
       watershed transformation", in Mathematical Morphology in Image
       Processing, 1993.
.. [2] R. C. Gonzalez, R. E. Woods, Digital Image Processing, 4th ed.,
       section 10.5 "Segmentation using morphological watersheds".
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from skimage.filters import sobel
from skimage.morphology import local_minima
from skimage.segmentation import watershed

from segcore.classical.region_adjacency import gray_float
from segcore.classical.region_growing import brightest_seed, seeds_from_threshold
from segcore.trace import Step, Trace

__all__ = ["CONNECTIVITIES", "MARKER_RULES", "BACKGROUND", "NOT_FLOODED", "DEFAULT_MAX_STEPS",
           "smooth", "gradient_levels", "threshold_markers", "point_markers", "minima_markers",
           "flood", "basins_at", "dams_at", "watershed_with_rule"]

CONNECTIVITIES = (4, 8)
#: Where the markers come from: a threshold, clicked points, region-growing seeds, or none
#: (every regional minimum of the relief, the over-segmenting watershed).
MARKER_RULES = ("threshold", "click", "seeds", "minima")
BACKGROUND = 1  # label of the background marker (objects' markers are 2, 3, ...)
NOT_FLOODED = -1  # flood step of pixels the recorded levels never reached (none at the end)
DEFAULT_MAX_STEPS = 16  # recorded steps: the markers plus up to 15 flooding levels
MAX_ELEVATION = 65535


def _structure(connectivity: int) -> np.ndarray:
    return ndimage.generate_binary_structure(2, 1 if connectivity == 4 else 2)


def _validate_flood(elevation, markers, connectivity, max_steps):
    """Check and normalise :func:`flood` arguments; raise ValueError naming the culprit."""
    elevation = np.asarray(elevation)
    if elevation.ndim != 2 or elevation.size == 0:
        raise ValueError(f"elevation must be a non-empty 2-D array, got shape {elevation.shape}")
    if not np.issubdtype(elevation.dtype, np.integer) and elevation.dtype != bool:
        raise ValueError(f"elevation must hold whole levels (an integer array such as "
                         f"gradient_levels gives), got {elevation.dtype}")
    if elevation.min() < 0 or elevation.max() > MAX_ELEVATION:
        raise ValueError(f"elevation levels must lie in 0..{MAX_ELEVATION}, found "
                         f"{elevation.min()}..{elevation.max()}")
    if connectivity not in CONNECTIVITIES:
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity!r}")
    if max_steps is not None and (int(max_steps) != max_steps or max_steps < 2):
        raise ValueError(f"max_steps must be None or an integer >= 2, got {max_steps}")
    if markers is not None:
        markers = np.asarray(markers)
        if markers.shape != elevation.shape or not np.issubdtype(markers.dtype, np.integer):
            raise ValueError(f"markers must be an integer array of the elevation's shape "
                             f"{elevation.shape}, got {markers.dtype} {markers.shape}")
        if markers.size and markers.min() < 0:
            raise ValueError(f"markers must be >= 0 (0 = no marker), found {markers.min()}")
        markers = markers.astype(np.int32)
    if elevation.dtype not in (np.uint8, np.uint16):
        elevation = elevation.astype(np.int32)
    return elevation, markers


def smooth(image, sigma: float = 1.0) -> np.ndarray:
    """The image as float64 gray levels, Gaussian-smoothed with ``sigma`` (0 = unchanged).

    Examples
    --------
    >>> smooth(np.array([[0, 0], [0, 255]], np.uint8), 0).tolist()
    [[0.0, 0.0], [0.0, 255.0]]
    """
    image = gray_float(image)
    if not np.isfinite(sigma) or sigma < 0:
        raise ValueError(f"sigma must be a finite number >= 0, got {sigma}")
    return ndimage.gaussian_filter(image, sigma) if sigma > 0 else image


def gradient_levels(smoothed) -> np.ndarray:
    """The relief: Sobel gradient magnitude rounded to whole levels, (H, W) uint8.

    Parameters
    ----------
    smoothed : (H, W) array
        Gray levels 0..255 (usually :func:`smooth`'s output).

    Examples
    --------
    >>> step = np.zeros((4, 6)); step[:, 3:] = 200
    >>> gradient_levels(step)[0].tolist()
    [0, 0, 141, 141, 0, 0]
    """
    magnitude = sobel(gray_float(smoothed))
    return np.clip(np.round(magnitude), 0, 255).astype(np.uint8)


def threshold_markers(smoothed, low: float, high: float, connectivity: int = 8) -> np.ndarray:
    """Markers from two thresholds: background where ``I <= low``, one object marker per
    connected component of ``I >= high``.

    Returns
    -------
    (H, W) int32
        :data:`BACKGROUND` (1) on the background marker, 2, 3, ... on the object
        components, 0 elsewhere (the pixels the flooding labels).

    Examples
    --------
    >>> threshold_markers(np.array([[0, 50, 200, 50, 210]]), 10, 150).tolist()
    [[1, 0, 2, 0, 3]]
    """
    smoothed = gray_float(smoothed)
    if not (np.isfinite(low) and np.isfinite(high)) or low >= high:
        raise ValueError(f"the background threshold t_low must lie below the object threshold "
                         f"t_high, got t_low = {low:g}, t_high = {high:g}")
    markers = np.zeros(smoothed.shape, np.int32)
    markers[smoothed <= low] = BACKGROUND
    objects, _ = ndimage.label(smoothed >= high, _structure(connectivity))
    markers[objects > 0] = objects[objects > 0] + BACKGROUND
    return markers


def point_markers(shape, points, background=None) -> np.ndarray:
    """Markers from points: point j gets label j + 2; ``background`` (bool mask) gets 1.

    A point on the background mask keeps its own label.

    Examples
    --------
    >>> point_markers((2, 3), [(0, 2)], np.array([[1, 0, 0], [1, 0, 0]], bool)).tolist()
    [[1, 0, 2], [1, 0, 0]]
    """
    points = np.asarray(points, dtype=np.int64).reshape(-1, 2)
    inside = ((points >= 0) & (points < np.asarray(shape))).all(axis=1)
    if not inside.all():
        raise ValueError(f"marker point {tuple(points[~inside][0])} lies outside the image of "
                         f"shape {tuple(shape)}")
    markers = np.zeros(shape, np.int32)
    if background is not None:
        markers[np.asarray(background, bool)] = BACKGROUND
    markers[points[:, 0], points[:, 1]] = np.arange(len(points)) + BACKGROUND + 1
    return markers


def minima_markers(elevation, connectivity: int = 4) -> np.ndarray:
    """One marker per regional minimum of the relief: what the watershed floods from when
    it is given no markers (as :func:`skimage.segmentation.watershed` does).

    Examples
    --------
    >>> minima_markers(np.array([[0, 5, 1, 1, 7, 0]])).tolist()
    [[1, 0, 2, 2, 0, 3]]
    """
    structure = _structure(connectivity)
    minima = local_minima(np.asarray(elevation), connectivity=1 if connectivity == 4 else 2)
    return ndimage.label(minima, structure)[0].astype(np.int32)


def _levels(elevation, seeds, max_levels):
    """The flooding levels to record: every level present when unbounded, else up to
    ``max_levels`` levels that each flood about the same number of pixels (the top always)."""
    counts = np.bincount(elevation[~seeds], minlength=1) if (~seeds).any() else np.zeros(1)
    present = np.flatnonzero(counts)
    if max_levels is None or len(present) <= max_levels:
        return present, len(present)
    share = np.cumsum(counts[present]) / counts[present].sum()
    picks = np.searchsorted(share, np.linspace(0, 1, max_levels + 1)[1:] - 1e-12)
    return np.unique(present[np.minimum(picks, len(present) - 1)]), len(present)


def _flood_steps(elevation, markers, levels, structure, from_minima):
    """Step at which each pixel is flooded (markers 0, level k: k), by labelling T[h]."""
    seeds = markers > 0
    step = np.where(seeds, 0, NOT_FLOODED).astype(np.int16)
    dry = ~seeds
    where = np.flatnonzero(seeds)
    for k, level in enumerate(levels, start=1):
        low = elevation <= level
        if not from_minima:  # with the minima as markers every component of T[h] holds one
            parts, n = ndimage.label(low, structure)
            reached = np.zeros(n + 1, bool)
            reached[parts.ravel()[where]] = True  # a marker above h lies outside T[h]: part 0
            reached[0] = False
            low = reached[parts]
        low &= dry
        np.copyto(step, k, where=low)
        dry &= ~low
    return step


def _dam_steps(labels, step, connectivity):
    """Step at which each pixel becomes part of a dam: it and a neighbour of another basin
    are both flooded (or, with watershed lines, the unlabelled line pixel is flooded)."""
    never = np.iinfo(np.int16).max
    dam = np.full(labels.shape, never, np.int16)
    offsets = [(0, 1), (1, 0)] + ([(1, 1), (1, -1)] if connectivity == 8 else [])
    height, width = labels.shape
    for dr, dc in offsets:
        c0, c1 = max(0, -dc), width - max(0, dc)
        a = (slice(0, height - dr), slice(c0, c1))
        b = (slice(dr, height), slice(c0 + dc, c1 + dc))
        differ = (labels[a] != labels[b]) & (labels[a] > 0) & (labels[b] > 0)
        when = np.where(differ, np.maximum(step[a], step[b]), never)
        dam[a] = np.minimum(dam[a], when)
        dam[b] = np.minimum(dam[b], when)
    line = labels == 0
    dam[line] = np.minimum(dam[line], step[line])
    dam[dam == never] = NOT_FLOODED
    return dam


def basins_at(trace: Trace, k: int) -> np.ndarray:
    """The basins after recorded step ``k`` of a :func:`flood` trace: final labels where
    flooded, 0 where the water has not arrived yet."""
    step = trace.flood_step
    return np.where((step >= 0) & (step <= k), trace.labels, 0)


def dams_at(trace: Trace, k: int) -> np.ndarray:
    """(H, W) bool: the dam pixels built by recorded step ``k`` of a :func:`flood` trace."""
    dam = trace.dam_step
    return (dam >= 0) & (dam <= k)


def _flood_trace(elevation, markers, labels, levels, n_levels, connectivity, from_minima,
                 params, warnings):
    structure = _structure(connectivity)
    step = _flood_steps(elevation, markers, levels, structure, from_minima)
    dam = _dam_steps(labels, step, connectivity)
    n_basins = int(np.count_nonzero(np.bincount(markers.ravel())[1:]))
    touching = int((dam == 0).sum())  # markers of two basins side by side
    steps = [Step("markers", np.int64(-1), f"{n_basins} marker(s): the water starts here.",
                  {"level": -1, "flooded": int((step == 0).sum()), "dams": touching}, 0)]
    for k, level in enumerate(levels, start=1):
        flooded, dams = int(((step >= 0) & (step <= k)).sum()), int(((dam >= 0) & (dam <= k)).sum())
        steps.append(Step(f"level {level}", np.int64(level),
                          f"Water at level h = {level}: {100 * flooded / step.size:.0f} % of the "
                          f"image flooded, {dams} dam pixel(s).",
                          {"level": float(level), "flooded": flooded, "dams": dams}, k))
    output = {"labels": labels, "markers": markers, "elevation": elevation,
              "flood_step": step, "dam_step": dam, "levels": np.asarray(levels, np.int64),
              "n_basins": n_basins, "from_minima": from_minima}
    return Trace(output, steps, params, warnings, total_steps=n_levels + 1)


def flood(elevation, markers=None, *, connectivity=4, watershed_line=False,
          max_steps=DEFAULT_MAX_STEPS) -> Trace:
    """Flood the relief from markers (or from its regional minima), level by level.

    Parameters
    ----------
    elevation : (H, W) integer array
        The relief, whole levels 0..65535 (:func:`gradient_levels`).
    markers : (H, W) int array, optional
        Sources: pixels with label l > 0 start basin l. ``None``: every
        regional minimum is a source (:func:`minima_markers`).
    connectivity : {4, 8}
        Neighbourhood of the flooding (skimage's connectivity 1 or 2).
    watershed_line : bool
        Keep the dams as a one-pixel line of label 0 (skimage's ``watershed_line``).
    max_steps : int or None
        Recorded steps: the markers plus at most ``max_steps - 1`` levels, chosen
        so each floods about the same number of pixels; ``None`` records every level.

    Returns
    -------
    Trace
        ``output``: ``labels`` (H, W) int32, equal to
        ``skimage.segmentation.watershed(elevation, markers, connectivity=...,
        watershed_line=...)``; ``markers`` (int32, the minima's when none were
        given); ``elevation`` (uint8 or uint16 kept, other integers as int32);
        ``flood_step`` (int16, the recorded step
        at which each pixel is flooded: 0 for markers); ``dam_step`` (int16,
        the step at which a pixel becomes a dam, -1 never); ``levels`` (int64,
        the level h of steps 1..); ``n_basins``; ``from_minima``. Step 0 is the
        markers, step k the water at ``levels[k - 1]`` (metrics ``level``,
        ``flooded``, ``dams``); :func:`basins_at` and :func:`dams_at` draw them.

    Raises
    ------
    ValueError
        For a non-2-D or non-integer relief, levels outside 0..65535, markers
        of another shape or negative, an unknown connectivity or a bad ``max_steps``.

    Notes
    -----
    See the module: :math:`F[h]` is the union of the components of
    :math:`T[h]` that hold a marker; the dam between two basins appears at the
    level of the pass between them.

    Examples
    --------
    >>> relief = np.array([[0, 1, 5, 2, 0]])
    >>> t = flood(relief, np.array([[1, 0, 0, 0, 2]]), max_steps=None)
    >>> t.labels.tolist(), t.levels.tolist(), t.flood_step.tolist()
    ([[1, 1, 1, 2, 2]], [1, 2, 5], [[0, 1, 3, 2, 0]])
    >>> dams_at(t, 2).any(), dams_at(t, 3).tolist()
    (np.False_, [[False, False, True, True, False]])
    """
    elevation, markers = _validate_flood(elevation, markers, connectivity, max_steps)
    params = {"connectivity": connectivity, "watershed_line": bool(watershed_line),
              "max_steps": max_steps}
    from_minima = markers is None
    if from_minima:
        markers = minima_markers(elevation, connectivity)
    warnings = []
    seeds = markers > 0
    if not seeds.any():
        warnings.append("No markers: there is nothing to flood from. Click the image, lower "
                        "t_high or raise t_low.")
        labels = np.zeros(elevation.shape, np.int32)
        return _flood_trace(elevation, markers, labels, [], 0, connectivity, False, params,
                            warnings)
    labels = watershed(elevation, markers, connectivity=1 if connectivity == 4 else 2,
                       watershed_line=bool(watershed_line)).astype(np.int32)
    levels, n_levels = _levels(elevation, seeds, None if max_steps is None else max_steps - 1)
    return _flood_trace(elevation, markers, labels, levels, n_levels, connectivity, from_minima,
                        params, warnings)


def _rule_markers(rule, image, smoothed, elevation, points, low, high, background,
                  seed_threshold, n_seeds, random_state, connectivity):
    """(markers or None, marker points) for :func:`watershed_with_rule`."""
    if rule == "threshold":
        return threshold_markers(smoothed, low, high), np.zeros((0, 2), np.int64)
    if rule == "minima":
        return None, np.zeros((0, 2), np.int64)
    if rule == "click":
        points = np.array(brightest_seed(image) if points is None else points,
                          np.int64).reshape(-1, 2)
    else:
        points = seeds_from_threshold(image, seed_threshold, n_seeds, random_state=random_state)
    back = smoothed <= low if background else None
    return point_markers(elevation.shape, points, back), points


def watershed_with_rule(image, rule="threshold", points=None, *, sigma=1.0, low=90.0,
                        high=130.0, background=True, seed_threshold=240, n_seeds=10,
                        random_state=0, connectivity=4, watershed_line=False,
                        max_steps=DEFAULT_MAX_STEPS) -> Trace:
    """Smooth, take the gradient, place markers by a rule and flood (the page's one pipeline).

    Parameters
    ----------
    image : (H, W) array
        Gray image, levels 0..255.
    rule : {"threshold", "click", "seeds", "minima"}
        ``"threshold"``: :func:`threshold_markers` (``low``, ``high``) on the
        smoothed image; ``"click"``: ``points`` (default: the brightest pixel)
        one marker each; ``"seeds"``: region growing's random seeds
        (:func:`segcore.classical.region_growing.seeds_from_threshold` with
        ``seed_threshold``, ``n_seeds``, ``random_state``) one marker each;
        ``"minima"``: no markers, every regional minimum floods.
    points : sequence of (int, int), optional
        Marker pixels for ``rule="click"``.
    sigma : float
        Gaussian smoothing before the gradient (0 = none).
    low, high : float
        Background marker ``I_sigma <= low`` (threshold rule, and the click and
        seeds rules when ``background``); objects ``I_sigma >= high`` (threshold rule).
    background : bool
        Click and seeds rules: add the background marker.
    connectivity, watershed_line, max_steps
        Passed to :func:`flood`.

    Returns
    -------
    Trace
        The :func:`flood` trace, its output extended with ``points`` ((N, 2)
        int64, the click or seed points; empty otherwise) and ``smoothed``
        (float64, the image the markers and the gradient came from).

    Examples
    --------
    >>> img = np.zeros((8, 8)); img[2:6, 2:6] = 200
    >>> t = watershed_with_rule(img, "threshold", sigma=0, low=50, high=150)
    >>> np.unique(t.labels).tolist(), int((t.labels == 2).sum())
    ([1, 2], 16)
    """
    if rule not in MARKER_RULES:
        raise ValueError(f"rule must be one of {MARKER_RULES}, got {rule!r}")
    smoothed = smooth(image, sigma)
    elevation = gradient_levels(smoothed)
    markers, found = _rule_markers(rule, image, smoothed, elevation, points, low, high,
                                   background, seed_threshold, n_seeds, random_state,
                                   connectivity)
    trace = flood(elevation, markers, connectivity=connectivity, watershed_line=watershed_line,
                  max_steps=max_steps)
    params = {"rule": rule, "sigma": float(sigma), "low": float(low), "high": float(high),
              "background": bool(background), **trace.params}
    warnings = list(trace.warnings)
    if rule == "seeds" and not len(found):
        warnings.append(f"No pixel is at or above the seed threshold {seed_threshold}: no "
                        "object markers. Lower the seed threshold.")
    return Trace({**trace.output, "points": found, "smoothed": smoothed}, trace.steps, params,
                 warnings, trace.total_steps)
