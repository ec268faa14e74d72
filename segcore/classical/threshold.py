"""Thresholding: global, multi-level, iterative, local and hysteresis thresholds.

Every method returns a :class:`~segcore.trace.Trace` whose output holds the
final ``mask`` (or ``labels`` for multi-Otsu), the threshold and, for the
histogram methods, the 256-bin ``histogram`` and the ``criterion`` curve the
method optimises over the candidate thresholds t = 0..255. The steps replay the
textbook stages: histogram -> class statistics -> criterion -> threshold, or one
step per iteration for the iterative methods (isodata, Li, minimum).

Conventions (the same as scikit-image, which the tests check against):

* The input is a 2-D ``uint8`` gray image; bin ``t`` of the histogram counts
  the pixels of gray level ``t``.
* A global threshold ``t`` splits the pixels into class 0 (``image <= t``) and
  class 1 (``image > t``). ``polarity="bright"`` returns ``image > t`` as the
  object mask, ``polarity="dark"`` returns ``image <= t``.
* Local methods return the threshold surface T(x, y) and compare each pixel
  with its own threshold: ``image > T`` (bright) or ``image <= T`` (dark).
  Niblack and Sauvola were made for dark ink on paper; for bright objects
  they run on the negative image (see their docstrings).

A constant image has nothing to separate: the methods return early with a
warning in ``Trace.warnings`` and an empty mask (either polarity), never
dividing by zero.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy import ndimage as ndi
from skimage.filters import sobel

from segcore.trace import Trace, TraceRecorder

__all__ = [
    "BRIGHT", "DARK", "POLARITIES", "GLOBAL_METHODS", "LOCAL_METHODS", "METHODS",
    "MULTIOTSU_CLASSES", "histogram", "otsu_criterion", "otsu_terms", "class_statistics",
    "threshold_manual", "threshold_otsu", "threshold_multiotsu", "threshold_isodata",
    "threshold_li", "threshold_mean", "threshold_minimum", "threshold_triangle",
    "threshold_yen", "threshold_local", "threshold_niblack", "threshold_sauvola",
    "edge_magnitude", "hysteresis", "try_all", "threshold",
]

BRIGHT = "bright"
DARK = "dark"
POLARITIES = (BRIGHT, DARK)
NBINS = 256
MAX_LEVEL = 255
GRAY_LEVELS = np.arange(NBINS, dtype=np.float64)
MULTIOTSU_CLASSES = (2, 5)
DEFAULT_MAX_STEPS = 64
ISODATA_MAX_ITER = 100
LI_TOLERANCE = 0.5
MINIMUM_MAX_ITER = 10_000
SAUVOLA_R_UINT8 = 127.5
GAUSSIAN_SIGMAS_PER_BLOCK = 6.0

GLOBAL_METHODS = ("otsu", "isodata", "li", "mean", "minimum", "triangle", "yen")
LOCAL_METHODS = ("local", "niblack", "sauvola")


# --------------------------------------------------------------------------
# validation and shared stages
# --------------------------------------------------------------------------

def _validate_inputs(image, *, polarity=BRIGHT, **params) -> np.ndarray:
    """Check the image and the named parameters; return the image as uint8.

    ``params`` may hold ``t`` (gray level), ``classes`` (multi-Otsu),
    ``block_size`` / ``window_size`` (odd window widths), ``k``, ``low`` and
    ``high`` (hysteresis); each is checked when present.
    """
    image = np.asarray(image)
    if image.ndim != 2 or image.size == 0:
        hint = " (convert colour images with segcore.images.to_gray)" if image.ndim == 3 else ""
        raise ValueError(f"image: expected a non-empty 2-D gray image (H, W), "
                         f"got shape {image.shape}{hint}")
    if image.dtype != np.uint8:
        if image.dtype.kind not in "iu" or image.min() < 0 or image.max() >= NBINS:
            raise ValueError(f"image: expected uint8 gray levels 0..255, got dtype "
                             f"{image.dtype} with range [{image.min()}, {image.max()}]")
        image = image.astype(np.uint8)
    if polarity not in POLARITIES:
        raise ValueError(f"polarity: expected one of {POLARITIES}, got {polarity!r}")
    checks = {
        "t": lambda v: 0 <= v <= NBINS - 1,
        "classes": lambda v: float(v).is_integer()
        and MULTIOTSU_CLASSES[0] <= v <= MULTIOTSU_CLASSES[1],
        "block_size": lambda v: float(v).is_integer() and v >= 3 and v % 2 == 1,
        "window_size": lambda v: float(v).is_integer() and v >= 3 and v % 2 == 1,
        "k": np.isfinite,
        "low": lambda v: v >= 0,
        "high": lambda v: v >= 0,
    }
    expected = {
        "t": "a gray level in 0..255",
        "classes": f"an integer from {MULTIOTSU_CLASSES[0]} to {MULTIOTSU_CLASSES[1]}",
        "block_size": "an odd integer >= 3",
        "window_size": "an odd integer >= 3",
        "k": "a finite number",
        "low": "a number >= 0",
        "high": "a number >= 0",
    }
    for name, value in params.items():
        if not isinstance(value, (int, float, np.integer, np.floating)) or not checks[name](value):
            raise ValueError(f"{name}: expected {expected[name]}, got {value!r}")
    if "low" in params and "high" in params and params["low"] > params["high"]:
        raise ValueError(f"low: expected low <= high, got low={params['low']} "
                         f"and high={params['high']}")
    return image


def histogram(image: np.ndarray) -> np.ndarray:
    """Count the pixels of each gray level.

    Parameters
    ----------
    image : (H, W) uint8 ndarray
        Gray image.

    Returns
    -------
    counts : (256,) int64 ndarray
        ``counts[t]`` is the number of pixels with gray level ``t``.

    Examples
    --------
    >>> histogram(np.array([[0, 0], [3, 255]], np.uint8))[[0, 3, 255]]
    array([2, 1, 1])
    """
    image = _validate_inputs(image)
    return np.bincount(image.ravel(), minlength=NBINS)


def _apply_polarity(image: np.ndarray, threshold, polarity: str) -> np.ndarray:
    """Object mask: ``image > T`` for bright objects, ``image <= T`` for dark ones."""
    return image > threshold if polarity == BRIGHT else image <= threshold


def _constant_warning(level: int) -> str:
    return (f"The image has a single gray level ({level}); there is nothing to "
            f"separate, so the mask is empty.")


def _degenerate(image: np.ndarray, counts: np.ndarray, params: dict) -> Trace | None:
    """Early result for a constant image (one occupied histogram bin), else None."""
    occupied = np.flatnonzero(counts)
    if occupied.size > 1:
        return None
    level = int(occupied[0])
    mask = np.zeros(image.shape, bool)
    rec = TraceRecorder()
    rec.add("histogram", counts, "Every pixel has the same gray level.")
    return rec.finish({"mask": mask, "threshold": float(level), "histogram": counts,
                       "criterion": np.full(NBINS, np.nan), "criterion_name": ""},
                      params, [_constant_warning(level)])


def _histogram_stage(image, polarity: str, params: dict):
    """Stage 1 of the histogram methods: validate, count gray levels, stop on a constant image.

    Returns the uint8 image, its (256,) counts and, for a constant image, the
    finished early Trace (else None).
    """
    image = _validate_inputs(image, polarity=polarity)
    counts = np.bincount(image.ravel(), minlength=NBINS)
    return image, counts, _degenerate(image, counts, {**params, "polarity": polarity})


def _recorder(counts: np.ndarray) -> TraceRecorder:
    """A recorder whose first step is the histogram."""
    rec = TraceRecorder()
    rec.add("histogram", counts, "Count the pixels of each gray level.")
    return rec


def _class_moments(counts: np.ndarray):
    """Cumulative statistics of class 0 (levels <= t) and class 1 (> t) for every t.

    Returns omega0, omega1 (class probabilities) and mu0, mu1 (class means),
    each (256,); means are NaN where their class is empty.
    """
    p = counts / counts.sum()
    omega0 = np.cumsum(p)
    omega1 = 1.0 - omega0
    first = np.cumsum(p * GRAY_LEVELS)
    mu_total = first[-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        mu0 = np.where(omega0 > 0, first / omega0, np.nan)
        mu1 = np.where(omega1 > 0, (mu_total - first) / omega1, np.nan)
    last = np.flatnonzero(counts)[-1]
    omega1[last:] = 0.0  # cancel the rounding residue of 1 - cumsum
    mu1[last:] = np.nan
    return omega0, omega1, mu0, mu1


def _global_result(rec: TraceRecorder, image, counts, t: float, polarity: str,
                   criterion: np.ndarray, criterion_name: str, params: dict,
                   warnings=(), **extra) -> Trace:
    """Final step of every global method: mask at t, and the Trace."""
    mask = _apply_polarity(image, t, polarity)
    rec.add("threshold", mask, f"t = {t:.2f}: pixels "
            f"{'above' if polarity == BRIGHT else 'at or below'} t are the objects.",
            threshold=t, foreground_fraction=mask.mean())
    output = {"mask": mask, "threshold": float(t), "histogram": counts,
              "criterion": criterion, "criterion_name": criterion_name, **extra}
    return rec.finish(output, {**params, "polarity": polarity}, warnings)


# --------------------------------------------------------------------------
# manual threshold and Otsu
# --------------------------------------------------------------------------

def otsu_criterion(counts: np.ndarray) -> np.ndarray:
    """Between-class variance sigma_B^2(t) for every candidate threshold.

    Parameters
    ----------
    counts : (256,) array of int or float
        Histogram, ``counts[t]`` pixels of gray level ``t``.

    Returns
    -------
    sigma_b2 : (256,) float64 ndarray
        ``sigma_B^2(t) = omega0 * omega1 * (mu0 - mu1)^2`` in gray levels squared,
        0 where one class is empty.

    Notes
    -----
    Otsu's method picks the t that maximises sigma_B^2(t); since the total
    variance is fixed this is the t that minimises the within-class variance.

    Examples
    --------
    >>> counts = np.zeros(256); counts[[10, 200]] = 50
    >>> s = otsu_criterion(counts)
    >>> int(np.argmax(s)), float(s.max())
    (10, 9025.0)
    """
    omega0, omega1, mu0, mu1 = _class_moments(np.asarray(counts, np.float64))
    with np.errstate(invalid="ignore"):
        sigma_b2 = omega0 * omega1 * (mu0 - mu1) ** 2
    return np.nan_to_num(sigma_b2, nan=0.0)


def otsu_terms(counts: np.ndarray, t: float) -> dict[str, float]:
    """The terms of Otsu's criterion at one threshold (for the formula panel).

    Parameters
    ----------
    counts : (256,) array
        Histogram.
    t : float
        Threshold; class 0 is the levels <= t.

    Returns
    -------
    terms : dict
        ``omega0, omega1, mu0, mu1, sigma_b2`` (means NaN for an empty class).

    Examples
    --------
    >>> counts = np.zeros(256); counts[[10, 200]] = 50
    >>> otsu_terms(counts, 100)
    {'omega0': 0.5, 'omega1': 0.5, 'mu0': 10.0, 'mu1': 200.0, 'sigma_b2': 9025.0}
    """
    omega0, omega1, mu0, mu1 = _class_moments(np.asarray(counts, np.float64))
    i = int(np.clip(np.floor(t), 0, NBINS - 1))
    empty = omega0[i] == 0 or omega1[i] == 0
    sigma_b2 = 0.0 if empty else omega0[i] * omega1[i] * (mu0[i] - mu1[i]) ** 2
    return {"omega0": float(omega0[i]), "omega1": float(omega1[i]),
            "mu0": float(mu0[i]), "mu1": float(mu1[i]), "sigma_b2": float(sigma_b2)}


def threshold_manual(image: np.ndarray, t: float, *, polarity: str = BRIGHT) -> Trace:
    """Threshold at a gray level the user chose, with the two class means.

    Parameters
    ----------
    image : (H, W) uint8 ndarray
        Gray image.
    t : float
        Threshold in 0..255.
    polarity : {"bright", "dark"}
        Whether the objects are the pixels above t or at/below t.

    Returns
    -------
    trace : Trace
        Output ``mask`` (H, W) bool, ``threshold``, ``histogram``, ``criterion``
        (the Otsu curve, for comparison) and ``terms`` (omega0, omega1, mu0, mu1,
        sigma_b2 at t).

    Raises
    ------
    ValueError
        If the image is not 2-D uint8 or t is outside 0..255.

    Examples
    --------
    >>> img = np.array([[10, 10], [200, 200]], np.uint8)
    >>> tr = threshold_manual(img, 100)
    >>> tr.mask.tolist(), tr.terms["mu1"]
    ([[False, False], [True, True]], 200.0)
    """
    image = _validate_inputs(image, polarity=polarity, t=t)
    counts = np.bincount(image.ravel(), minlength=NBINS)
    params = {"method": "manual", "t": float(t)}
    rec = _recorder(counts)
    terms = otsu_terms(counts, t)
    occupied = np.flatnonzero(counts)
    warnings = []
    if occupied.size == 1:
        warnings.append(f"The image has a single gray level ({occupied[0]}); no threshold "
                        f"can separate anything.")
    elif terms["omega0"] == 0 or terms["omega1"] == 0:
        warnings.append(f"t = {t:g} puts every pixel in one class; pick t between "
                        f"{occupied[0]} and {occupied[-1] - 1}.")
    return _global_result(rec, image, counts, float(t), polarity, otsu_criterion(counts),
                          "between-class variance", params, warnings, terms=terms)


def threshold_otsu(image: np.ndarray, *, polarity: str = BRIGHT) -> Trace:
    """Otsu's threshold: maximise the between-class variance of the histogram.

    Parameters
    ----------
    image : (H, W) uint8 ndarray
        Gray image.
    polarity : {"bright", "dark"}
        Whether the objects are the pixels above t or at/below t.

    Returns
    -------
    trace : Trace
        Output ``mask`` (H, W) bool, ``threshold`` (float gray level),
        ``histogram`` (256,), ``criterion`` sigma_B^2(t) (256,) and ``terms`` at
        the chosen t. Steps: histogram, class probabilities, class means,
        between-class variance, threshold.

    Raises
    ------
    ValueError
        If the image is not a 2-D uint8 gray image.

    Notes
    -----
    With p_i = n_i / N, omega0(t) = sum_{i<=t} p_i, omega1 = 1 - omega0,
    mu0(t) = sum_{i<=t} i p_i / omega0 and mu1(t) likewise above t,

        sigma_B^2(t) = omega0(t) omega1(t) (mu0(t) - mu1(t))^2,
        t* = argmax_t sigma_B^2(t).

    Equal to ``skimage.filters.threshold_otsu`` for uint8 images (lowest t on ties).

    References
    ----------
    .. [1] N. Otsu, "A threshold selection method from gray-level histograms",
           IEEE Trans. Systems, Man, and Cybernetics 9(1): 62-66, 1979.

    Examples
    --------
    >>> img = np.array([[10, 12], [200, 210]], np.uint8)
    >>> threshold_otsu(img).threshold
    12.0
    """
    params = {"method": "otsu"}
    image, counts, early = _histogram_stage(image, polarity, params)
    if early is not None:
        return early
    rec = _recorder(counts)
    omega0, omega1, mu0, mu1 = _class_moments(counts)
    rec.add("class probabilities", {"omega0": omega0, "omega1": omega1},
            "omega0(t): share of pixels at or below t; omega1(t) = 1 - omega0(t).")
    rec.add("class means", {"mu0": mu0, "mu1": mu1},
            "mu0(t), mu1(t): mean gray level of each class for every t.")
    sigma_b2 = otsu_criterion(counts)
    t = int(np.argmax(sigma_b2))
    rec.add("between-class variance", sigma_b2,
            f"sigma_B^2(t) peaks at t = {t}.", sigma_b2=sigma_b2[t])
    return _global_result(rec, image, counts, float(t), polarity, sigma_b2,
                          "between-class variance", params,
                          terms=otsu_terms(counts, t))


def _classes_of(image: np.ndarray, thresholds) -> np.ndarray:
    """Class index per pixel, class k holding levels t_{k-1} < level <= t_k (lookup table)."""
    lookup = np.digitize(GRAY_LEVELS, thresholds, right=True).astype(np.uint8)
    return lookup[image]


def class_statistics(counts: np.ndarray, thresholds) -> tuple[np.ndarray, np.ndarray]:
    """Probability and mean gray level of each class cut at ``thresholds``.

    Parameters
    ----------
    counts : (256,) array
        Histogram.
    thresholds : sequence of float
        Increasing thresholds; class k holds the levels t_{k-1} < level <= t_k.

    Returns
    -------
    omega : (K,) float64 ndarray
        Class probabilities omega_k, K = len(thresholds) + 1.
    mu : (K,) float64 ndarray
        Class means mu_k (NaN for an empty class).

    Examples
    --------
    >>> counts = np.zeros(256); counts[[10, 100, 200]] = [2, 1, 1]
    >>> class_statistics(counts, [50, 150])
    (array([0.5 , 0.25, 0.25]), array([ 10., 100., 200.]))
    """
    counts = np.asarray(counts, np.float64)
    classes = np.digitize(GRAY_LEVELS, thresholds, right=True)
    size = len(thresholds) + 1
    p = counts / counts.sum()
    omega = np.bincount(classes, p, minlength=size)
    first = np.bincount(classes, p * GRAY_LEVELS, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = np.where(omega > 0, first / omega, np.nan)
    return omega, mu


def _between_class_variance(counts: np.ndarray, thresholds) -> float:
    """sigma_B^2 = sum_k omega_k (mu_k - mu_T)^2 of the classes cut at ``thresholds``."""
    omega, mu = class_statistics(counts, thresholds)
    occupied = omega > 0
    mu_total = np.dot(omega[occupied], mu[occupied])
    return float(np.dot(omega[occupied], (mu[occupied] - mu_total) ** 2))


def _class_variance_table(counts: np.ndarray) -> np.ndarray:
    """H[i, j] = S(i..j)^2 / P(i..j): one class spanning levels i..j (0 if empty)."""
    p = counts / counts.sum()
    zeroth = np.concatenate([[0.0], np.cumsum(p)])
    first = np.concatenate([[0.0], np.cumsum(p * np.arange(p.size))])
    weight = zeroth[None, 1:] - zeroth[:-1, None]
    moment = first[None, 1:] - first[:-1, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        table = np.where(weight > 0, moment ** 2 / weight, 0.0)
    table[np.tril_indices(p.size, -1)] = -np.inf  # i > j is no class
    return table


def _best_partitions(table: np.ndarray, classes: int):
    """Dynamic programme over classes: best split of levels 0..j into k classes.

    Returns, for k = 1..classes, ``start[k-1][j]``: where the last class of the
    best k-class split of levels 0..j begins (the lowest start on ties).
    """
    n = table.shape[0]
    best = [table[0].copy()]
    start = [np.zeros(n, int)]
    for k in range(1, classes):
        prev = np.concatenate([[-np.inf], best[-1][:-1]])  # best of 0..i-1
        candidates = prev[:, None] + table  # [i, j]: last class i..j
        candidates[:k] = -np.inf  # the first k classes need k levels
        start.append(np.argmax(candidates, axis=0))
        best.append(candidates[start[-1], np.arange(n)])
    return start


def _thresholds_from(start: list, k: int, last: int) -> list[int]:
    """Backtrack the k-class partition of levels 0..last into k - 1 thresholds."""
    thresholds, j = [], last
    for layer in range(k - 1, 0, -1):
        i = int(start[layer][j])
        thresholds.append(i - 1)
        j = i - 1
    return thresholds[::-1]


def threshold_multiotsu(image: np.ndarray, classes: int = 3) -> Trace:
    """Multi-Otsu: split the histogram into 2-5 classes of maximal between-class variance.

    Parameters
    ----------
    image : (H, W) uint8 ndarray
        Gray image.
    classes : int
        Number of classes, 2..5.

    Returns
    -------
    trace : Trace
        Output ``labels`` (H, W) uint8 in 0..classes-1 (class k holds the levels
        t_{k-1} < level <= t_k), ``thresholds`` (classes-1,) float,
        ``histogram`` and ``criterion_value`` (sigma_B^2 of the partition).
        One step per number of classes 2..classes: the best partition with
        that many classes.

    Raises
    ------
    ValueError
        If the image is not 2-D uint8 or classes is not in 2..5.

    Notes
    -----
    sigma_B^2 = sum_k omega_k (mu_k - mu_T)^2 = sum_k S_k^2 / omega_k - mu_T^2,
    with S_k = sum_{i in class k} i p_i. Each class adds its own term, so the
    best partition is found exactly by dynamic programming over the class
    boundaries in O(classes * 256^2) instead of trying all 256^(classes-1)
    threshold sets. Equal to ``skimage.filters.threshold_multiotsu`` except when
    the darkest gray level holds many pixels (e.g. a clipped, noisy image):
    scikit-image weights that first histogram bin by intensity 1 instead of 0
    (scikit-image pull requests 6596 and 8252), so its thresholds can be one
    level off with a lower sigma_B^2 than the ones found here.

    References
    ----------
    .. [1] P.-S. Liao, T.-S. Chen and P.-C. Chung, "A fast algorithm for
           multilevel thresholding", J. Inf. Sci. Eng. 17(5): 713-727, 2001.

    Examples
    --------
    >>> img = np.repeat(np.array([[10, 100, 200]], np.uint8), 2, axis=0)
    >>> tr = threshold_multiotsu(img, classes=3)
    >>> tr.thresholds.tolist(), tr.labels[0].tolist()
    ([10.0, 100.0], [0, 1, 2])
    """
    image = _validate_inputs(image, classes=classes)
    classes = int(classes)
    counts = np.bincount(image.ravel(), minlength=NBINS)
    params = {"method": "multiotsu", "classes": classes}
    occupied = np.flatnonzero(counts)
    rec = _recorder(counts)
    warnings, found = [], {}
    if occupied.size <= classes:
        if occupied.size < classes:
            warnings.append(f"The image has only {occupied.size} gray level(s); it "
                            f"cannot be split into {classes} classes.")
        found[occupied.size] = occupied[:-1]
    else:
        lo, hi = occupied[0], occupied[-1]
        start = _best_partitions(_class_variance_table(counts[lo:hi + 1]), classes)
        for k in range(2, classes + 1):
            found[k] = np.array(_thresholds_from(start, k, hi - lo)) + lo
    for k, levels in found.items():
        if k < 2:
            continue
        rec.add(f"{k} classes", _classes_of(image, levels),
                f"Best {k}-class split: t = {', '.join(str(int(v)) for v in levels)}.",
                sigma_b2=_between_class_variance(counts, levels))
    thresholds = found[max(found)].astype(float)
    labels = _classes_of(image, thresholds)
    value = _between_class_variance(counts, thresholds)
    return rec.finish({"labels": labels, "thresholds": thresholds, "histogram": counts,
                       "criterion_value": value}, params, warnings)


# --------------------------------------------------------------------------
# iterative methods: isodata (Ridler-Calvard) and Li
# --------------------------------------------------------------------------

def threshold_isodata(image: np.ndarray, *, polarity: str = BRIGHT,
                      max_iter: int = ISODATA_MAX_ITER) -> Trace:
    """Isodata (Ridler-Calvard): t is the midpoint of the two class means.

    Parameters
    ----------
    image : (H, W) uint8 ndarray
        Gray image.
    polarity : {"bright", "dark"}
        Whether the objects are the pixels above t or at/below t.
    max_iter : int
        Upper bound on the iterations.

    Returns
    -------
    trace : Trace
        Output ``mask``, ``threshold`` (the lowest fixed point, as scikit-image),
        ``iterated_threshold`` (where the iteration from the mean stopped),
        ``fixed_points`` (all t with t <= (mu0 + mu1)/2 < t + 1), ``histogram``
        and ``criterion`` g(t) - t with g(t) = (mu0(t) + mu1(t)) / 2. One step
        per iteration (mask, with t, mu0, mu1 as metrics).

    Raises
    ------
    ValueError
        If the image is not a 2-D uint8 gray image.

    Notes
    -----
    Start at t_0 = mean gray level and repeat t_{k+1} = floor((mu0(t_k) +
    mu1(t_k)) / 2) until t no longer changes. Equal to
    ``skimage.filters.threshold_isodata``.

    References
    ----------
    .. [1] T. W. Ridler and S. Calvard, "Picture thresholding using an iterative
           selection method", IEEE Trans. SMC 8: 630-632, 1978.

    Examples
    --------
    >>> img = np.array([[10, 20], [200, 220]], np.uint8)
    >>> threshold_isodata(img).threshold
    112.0
    """
    params = {"method": "isodata", "max_iter": int(max_iter)}
    image, counts, early = _histogram_stage(image, polarity, params)
    if early is not None:
        return early
    _, _, mu0, mu1 = _class_moments(counts)
    midpoint = (mu0 + mu1) / 2.0
    gap = midpoint - GRAY_LEVELS  # NaN at and above the top occupied level
    with np.errstate(invalid="ignore"):
        fixed_points = np.flatnonzero((gap >= 0) & (gap < 1))
    rec = TraceRecorder(max_steps=DEFAULT_MAX_STEPS)
    t = int(np.floor(np.dot(counts, GRAY_LEVELS) / counts.sum()))
    seen = []
    while t not in seen and len(seen) < max_iter:
        seen.append(t)
        rec.add(f"iteration {len(seen)}", _apply_polarity(image, t, polarity),
                f"t = {t}: mu0 = {mu0[t]:.1f}, mu1 = {mu1[t]:.1f}, next t = "
                f"floor(({mu0[t]:.1f} + {mu1[t]:.1f}) / 2) = {int(np.floor(midpoint[t]))}.",
                threshold=t, mu0=mu0[t], mu1=mu1[t])
        t = int(np.floor(midpoint[t]))
    warnings = []
    if t not in fixed_points:
        warnings.append(f"The iteration did not settle within {len(seen)} steps (last "
                        f"t = {seen[-2:]}); the lowest fixed point of the rule is used.")
    chosen = int(fixed_points[0]) if fixed_points.size else t
    if chosen != t:
        rec.add("lowest fixed point", _apply_polarity(image, chosen, polarity),
                f"t = {chosen} is the lowest t with t = floor((mu0 + mu1) / 2); the "
                f"convention (as in scikit-image) keeps the lowest.", threshold=chosen)
    return _global_result(rec, image, counts, float(chosen), polarity, gap,
                          "(mu0 + mu1)/2 - t", params, warnings,
                          iterated_threshold=float(t),
                          fixed_points=fixed_points.astype(float))


def _li_curve(counts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Li's cross-entropy eta(t) = -m1a ln(mua) - m1b ln(mub) for every t (NaN if undefined)."""
    p = counts / counts.sum()
    m1a = np.cumsum(p * values)
    m0a = np.cumsum(p)
    m1b, m0b = m1a[-1] - m1a, m0a[-1] - m0a
    with np.errstate(invalid="ignore", divide="ignore"):
        eta = -m1a * np.log(m1a / m0a) - m1b * np.log(m1b / m0b)
    return np.where(np.isfinite(eta), eta, np.nan)


def threshold_li(image: np.ndarray, *, polarity: str = BRIGHT,
                 tolerance: float = LI_TOLERANCE) -> Trace:
    """Li's minimum cross-entropy threshold, iterated from the mean.

    Parameters
    ----------
    image : (H, W) uint8 ndarray
        Gray image.
    polarity : {"bright", "dark"}
        Whether the objects are the pixels above t or at/below t.
    tolerance : float
        Stop when t changes by at most this much.

    Returns
    -------
    trace : Trace
        Output ``mask``, ``threshold`` (float), ``histogram`` and ``criterion``
        eta(t), the cross entropy Li minimises. One step per iteration.

    Raises
    ------
    ValueError
        If the image is not a 2-D uint8 gray image.

    Notes
    -----
    On levels shifted so that the darkest is 0, with mu_b, mu_f the means below
    and above t, iterate t_{k+1} = (mu_b - mu_f) / (ln mu_b - ln mu_f) from the
    mean until |t_{k+1} - t_k| <= tolerance. Equal to
    ``skimage.filters.threshold_li``.

    References
    ----------
    .. [1] C. H. Li and P. K. S. Tam, "An iterative algorithm for minimum cross
           entropy thresholding", Pattern Recognit. Lett. 18(8): 771-776, 1998.

    Examples
    --------
    >>> img = np.array([[10, 20], [200, 220]], np.uint8)
    >>> round(threshold_li(img).threshold, 2)
    62.86
    """
    params = {"method": "li", "tolerance": float(tolerance)}
    image, counts, early = _histogram_stage(image, polarity, params)
    if early is not None:
        return early
    lo = int(np.flatnonzero(counts)[0])
    values = GRAY_LEVELS - lo
    weights = counts.astype(np.float64)
    rec = TraceRecorder(max_steps=DEFAULT_MAX_STEPS)
    t_next, t_curr = np.dot(weights, values) / weights.sum(), -2 * tolerance
    while abs(t_next - t_curr) > tolerance:
        t_curr = t_next
        fore = values > t_curr
        mean_fore = np.dot(weights[fore], values[fore]) / weights[fore].sum()
        mean_back = np.dot(weights[~fore], values[~fore]) / weights[~fore].sum()
        rec.add(f"iteration {rec.total + 1}", _apply_polarity(image, t_curr + lo, polarity),
                f"t = {t_curr + lo:.2f}: background mean {mean_back + lo:.1f}, "
                f"object mean {mean_fore + lo:.1f}.",
                threshold=t_curr + lo, mu0=mean_back + lo, mu1=mean_fore + lo)
        if mean_back == 0:
            break
        t_next = (mean_back - mean_fore) / (np.log(mean_back) - np.log(mean_fore))
    return _global_result(rec, image, counts, float(t_next + lo), polarity,
                          _li_curve(counts, values), "cross entropy", params)


# --------------------------------------------------------------------------
# one-shot histogram methods: mean, minimum, triangle, Yen
# --------------------------------------------------------------------------

def threshold_mean(image: np.ndarray, *, polarity: str = BRIGHT) -> Trace:
    """Threshold at the mean gray level.

    Parameters
    ----------
    image : (H, W) uint8 ndarray
        Gray image.
    polarity : {"bright", "dark"}
        Whether the objects are the pixels above t or at/below t.

    Returns
    -------
    trace : Trace
        Output ``mask``, ``threshold`` = mean gray level, ``histogram``.

    Raises
    ------
    ValueError
        If the image is not a 2-D uint8 gray image.

    Notes
    -----
    t = (1/N) sum_i i n_i. Equal to ``skimage.filters.threshold_mean``.

    Examples
    --------
    >>> threshold_mean(np.array([[10, 20], [30, 40]], np.uint8)).threshold
    25.0
    """
    params = {"method": "mean"}
    image, counts, early = _histogram_stage(image, polarity, params)
    if early is not None:
        return early
    rec = _recorder(counts)
    t = float(np.mean(image))
    return _global_result(rec, image, counts, t, polarity, np.full(NBINS, np.nan),
                          "", params)


def _local_maxima(hist: np.ndarray) -> np.ndarray:
    """Indices where the histogram stops rising (a plateau counts once, at its start).

    Walking left to right with the direction initially "rising", a maximum is
    every i where h[i + 1] < h[i] while the last strict change was a rise.
    """
    change = hist[1:] - hist[:-1]
    moves = np.flatnonzero(change)
    rising = change[moves] > 0
    was_rising = np.empty_like(rising)
    was_rising[:1] = True
    was_rising[1:] = rising[:-1]
    return moves[~rising & was_rising]


def threshold_minimum(image: np.ndarray, *, polarity: str = BRIGHT,
                      max_iter: int = MINIMUM_MAX_ITER) -> Trace:
    """Smooth the histogram until it has two peaks; threshold at the valley.

    Parameters
    ----------
    image : (H, W) uint8 ndarray
        Gray image.
    polarity : {"bright", "dark"}
        Whether the objects are the pixels above t or at/below t.
    max_iter : int
        Upper bound on the smoothing passes.

    Returns
    -------
    trace : Trace
        Output ``mask``, ``threshold``, ``histogram`` and ``criterion`` (the
        final smoothed histogram). One step per smoothing pass (bounded).
        If the histogram never has exactly two peaks the mean is used and a
        warning says so.

    Raises
    ------
    ValueError
        If the image is not a 2-D uint8 gray image.

    Notes
    -----
    Repeat h <- (h_{i-1} + h_i + h_{i+1}) / 3 until at most two local maxima
    remain; t is the lowest point between them. Equal to
    ``skimage.filters.threshold_minimum`` where that succeeds.

    References
    ----------
    .. [1] J. M. S. Prewitt and M. L. Mendelsohn, "The analysis of cell
           images", Ann. N. Y. Acad. Sci. 128: 1035-1053, 1966.

    Examples
    --------
    >>> img = np.repeat(np.array([[10, 10, 11, 200, 201, 201]], np.uint8), 3, axis=0)
    >>> 11 <= threshold_minimum(img).threshold < 200
    True
    """
    params = {"method": "minimum", "max_iter": int(max_iter)}
    image, counts, early = _histogram_stage(image, polarity, params)
    if early is not None:
        return early
    occupied = np.flatnonzero(counts)
    lo, hi = occupied[0], occupied[-1]
    smooth = counts[lo:hi + 1].astype(np.float32)
    spare = np.empty_like(smooth)  # ping-pong buffers: no allocation per pass
    rec = TraceRecorder(max_steps=DEFAULT_MAX_STEPS)
    maxima = np.zeros(0, int)
    for _ in range(max_iter):
        ndi.uniform_filter1d(smooth, 3, output=spare)
        smooth, spare = spare, smooth
        maxima = _local_maxima(smooth)
        curve = np.full(NBINS, np.nan)
        curve[lo:hi + 1] = smooth
        rec.add(f"smoothing {rec.total + 1}", curve,
                f"{len(maxima)} peak(s) after {rec.total + 1} smoothing pass(es).",
                peaks=len(maxima))
        if len(maxima) < 3:
            break
    warnings = []
    if len(maxima) == 2:
        t = float(lo + maxima[0] + np.argmin(smooth[maxima[0]:maxima[1] + 1]))
    else:
        t = float(np.mean(image))
        warnings.append("The smoothed histogram never had exactly two peaks; the "
                        "minimum method fails here, so the mean is used instead.")
    return _global_result(rec, image, counts, t, polarity, curve,
                          "smoothed histogram", params, warnings)


def threshold_triangle(image: np.ndarray, *, polarity: str = BRIGHT) -> Trace:
    """Triangle method: the level farthest below the line from the peak to the far tail.

    Parameters
    ----------
    image : (H, W) uint8 ndarray
        Gray image.
    polarity : {"bright", "dark"}
        Whether the objects are the pixels above t or at/below t.

    Returns
    -------
    trace : Trace
        Output ``mask``, ``threshold``, ``histogram`` and ``criterion`` (the
        normalised distance below the peak-to-tail line, on the long tail side).

    Raises
    ------
    ValueError
        If the image is not a 2-D uint8 gray image.

    Notes
    -----
    Draw a line from the histogram peak to the end of the longer tail; t is the
    level whose bar top is farthest from that line. Suits one dominant
    background peak with a long, flat object tail. Equal to
    ``skimage.filters.threshold_triangle``.

    References
    ----------
    .. [1] G. W. Zack, W. E. Rogers and S. A. Latt, "Automatic measurement of
           sister chromatid exchange frequency", J. Histochem. Cytochem. 25(7):
           741-753, 1977.

    Examples
    --------
    >>> img = np.array([[10, 10, 10, 10], [10, 10, 60, 250]], np.uint8)
    >>> threshold_triangle(img).threshold
    11.0
    """
    params = {"method": "triangle"}
    image, counts, early = _histogram_stage(image, polarity, params)
    if early is not None:
        return early
    occupied = np.flatnonzero(counts)
    hist = counts[occupied[0]:occupied[-1] + 1]
    peak = int(np.argmax(hist))
    flip = peak < hist.size - 1 - peak  # the long tail is above the peak
    if flip:
        hist, peak = hist[::-1], hist.size - 1 - peak
    width = peak
    norm = np.sqrt(hist[peak] ** 2 + width ** 2)
    x = np.arange(width)
    length = hist[peak] / norm * x - width / norm * hist[x]
    level = int(np.argmax(length))
    curve_local = np.full(hist.size, np.nan)
    curve_local[:width] = length
    if flip:
        level, curve_local = hist.size - 1 - level, curve_local[::-1]
    curve = np.full(NBINS, np.nan)
    curve[occupied[0]:occupied[-1] + 1] = curve_local
    rec = _recorder(counts)
    rec.add("distance to the line", curve,
            "Distance of each bar top below the line from the peak to the far tail.")
    return _global_result(rec, image, counts, float(occupied[0] + level), polarity, curve,
                          "distance to peak-tail line", params)


def threshold_yen(image: np.ndarray, *, polarity: str = BRIGHT) -> Trace:
    """Yen's threshold: maximise the entropic correlation of the two classes.

    Parameters
    ----------
    image : (H, W) uint8 ndarray
        Gray image.
    polarity : {"bright", "dark"}
        Whether the objects are the pixels above t or at/below t.

    Returns
    -------
    trace : Trace
        Output ``mask``, ``threshold``, ``histogram`` and ``criterion`` C(t).

    Raises
    ------
    ValueError
        If the image is not a 2-D uint8 gray image.

    Notes
    -----
    With P(t) = sum_{i<=t} p_i,
    C(t) = ln[(P(t) (1 - P(t)))^2 / (sum_{i<=t} p_i^2 * sum_{i>t} p_i^2)],
    t* = argmax C(t). Equal to ``skimage.filters.threshold_yen``.

    References
    ----------
    .. [1] J. C. Yen, F. J. Chang and S. Chang, "A new criterion for automatic
           multilevel thresholding", IEEE Trans. Image Process. 4(3): 370-378, 1995.

    Examples
    --------
    >>> img = np.array([[10, 12], [200, 210]], np.uint8)
    >>> threshold_yen(img).threshold
    12.0
    """
    params = {"method": "yen"}
    image, counts, early = _histogram_stage(image, polarity, params)
    if early is not None:
        return early
    occupied = np.flatnonzero(counts)
    lo, hi = occupied[0], occupied[-1]
    occupied_counts = counts[lo:hi + 1].astype(np.float32)
    pmf = occupied_counts / occupied_counts.sum()
    cum = np.cumsum(pmf)
    sq_below = np.cumsum(pmf ** 2)
    sq_above = np.cumsum(pmf[::-1] ** 2)[::-1]
    with np.errstate(divide="ignore"):
        crit = np.log((sq_below[:-1] * sq_above[1:]) ** -1 * (cum[:-1] * (1.0 - cum[:-1])) ** 2)
    curve = np.full(NBINS, np.nan)
    curve[lo:hi] = np.where(np.isfinite(crit), crit, np.nan)
    rec = _recorder(counts)
    rec.add("entropic correlation", curve, "Yen's criterion C(t) for every t.")
    return _global_result(rec, image, counts, float(lo + np.argmax(crit)), polarity,
                          curve, "entropic correlation", params)


# --------------------------------------------------------------------------
# local (adaptive) thresholds
# --------------------------------------------------------------------------

def _local_mean_std(image: np.ndarray, window: int):
    """Window mean and standard deviation via integral images (summed-area tables)."""
    before, after = window // 2 + 1, window // 2
    padded = np.pad(image.astype(np.float64), ((before, after), (before, after)),
                    mode="reflect")
    sums = []
    for values in (padded, padded * padded):
        integral = values.cumsum(axis=0).cumsum(axis=1)
        sums.append(integral[:-window, :-window] - integral[:-window, window:]
                    - integral[window:, :-window] + integral[window:, window:])
    area = window * window
    mean = sums[0] / area
    std = np.sqrt(np.clip(sums[1] / area - mean * mean, 0, None))
    return mean, std


def _local_result(rec: TraceRecorder, image, surface: np.ndarray, mask: np.ndarray,
                  params: dict) -> Trace:
    """Record the threshold surface T(x, y) and the mask; build the Trace."""
    surface32 = surface.astype(np.float32)
    warnings = []
    if image.min() == image.max():
        warnings.append(_constant_warning(int(image.flat[0])))
        mask = np.zeros(image.shape, bool)
    rec.add("threshold surface", surface32, "T(x, y): one threshold per pixel.")
    rec.add("mask", mask, "Each pixel compared with its own threshold.",
            foreground_fraction=mask.mean())
    return rec.finish({"mask": mask, "surface": surface32}, params, warnings)


def threshold_local(image: np.ndarray, *, method: str = "gaussian", block_size: int = 35,
                    offset: float = 0.0, polarity: str = BRIGHT) -> Trace:
    """Adaptive threshold: T(x, y) = weighted mean of the block around (x, y) - offset.

    Parameters
    ----------
    image : (H, W) uint8 ndarray
        Gray image.
    method : {"gaussian", "mean"}
        Gaussian-weighted (sigma = (block_size - 1) / 6) or plain block mean.
    block_size : int
        Odd width of the neighbourhood, >= 3.
    offset : float
        Constant subtracted from the local mean.
    polarity : {"bright", "dark"}
        Whether the objects are the pixels above T or at/below T.

    Returns
    -------
    trace : Trace
        Output ``mask`` (H, W) bool and ``surface`` T(x, y) (H, W) float32.
        Steps: local mean, threshold surface, mask.

    Raises
    ------
    ValueError
        For a bad image, method, or an even/too small block_size.

    Notes
    -----
    Borders are reflected. Equal to ``skimage.filters.threshold_local``.

    Examples
    --------
    >>> img = np.tile(np.array([[10, 200]], np.uint8), (4, 2))
    >>> threshold_local(img, block_size=3).mask.sum()
    np.int64(8)
    """
    image = _validate_inputs(image, polarity=polarity, block_size=block_size)
    if method not in ("gaussian", "mean"):
        raise ValueError(f"method: expected 'gaussian' or 'mean', got {method!r}")
    params = {"method": method, "block_size": int(block_size), "offset": float(offset)}
    values = image.astype(np.float64)
    if method == "gaussian":
        local = ndi.gaussian_filter(values, (block_size - 1) / GAUSSIAN_SIGMAS_PER_BLOCK,
                                    mode="reflect")
    else:
        local = ndi.uniform_filter(values, int(block_size), mode="reflect")
    rec = TraceRecorder()
    rec.add("local mean", local.astype(np.float32),
            f"{'Gaussian-weighted' if method == 'gaussian' else 'Plain'} mean of the "
            f"{block_size} x {block_size} block around each pixel.")
    surface = local - offset
    return _local_result(rec, image, surface, _apply_polarity(image, surface, polarity),
                         params | {"polarity": polarity})


def _local_stats_threshold(image, window_size, polarity, params,
                           formula: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Trace:
    """Niblack/Sauvola skeleton: local mean and std -> T = formula(m, s) -> mask.

    The formulas assume dark objects (ink) on a bright background. For bright
    objects they run on the negative 255 - image; the surface is mapped back to
    gray levels (T = 255 - T_negative) and the objects are ``image >= T``.
    """
    values = image if polarity == DARK else MAX_LEVEL - image
    mean, std = _local_mean_std(values, int(window_size))
    negative = " of the negative 255 - I" if polarity == BRIGHT else ""
    rec = TraceRecorder()
    rec.add("local mean", mean.astype(np.float32),
            f"m(x, y): mean{negative} over the {window_size} x {window_size} window "
            f"(integral image).")
    rec.add("local standard deviation", std.astype(np.float32),
            "s(x, y): standard deviation of the same window.")
    surface = formula(mean, std)
    mask = values <= surface
    if polarity == BRIGHT:
        surface = MAX_LEVEL - surface
    return _local_result(rec, image, surface, mask, params | {"polarity": polarity})


def threshold_niblack(image: np.ndarray, *, window_size: int = 15, k: float = 0.2,
                      polarity: str = BRIGHT) -> Trace:
    """Niblack's local threshold T = m - k s.

    Parameters
    ----------
    image : (H, W) uint8 ndarray
        Gray image.
    window_size : int
        Odd window width, >= 3.
    k : float
        Weight of the local standard deviation.
    polarity : {"bright", "dark"}
        Dark objects (the method's native case, ink on paper): ``image <= T``.
        Bright objects: the method runs on the negative 255 - image and the
        objects are ``image >= T`` with T mapped back to gray levels.

    Returns
    -------
    trace : Trace
        Output ``mask`` and ``surface`` T(x, y) (float32, gray levels). Steps:
        local mean, local standard deviation, threshold surface, mask.

    Raises
    ------
    ValueError
        For a bad image, window_size or k.

    Notes
    -----
    T(x, y) = m(x, y) - k s(x, y); window sums come from integral images, so the
    cost does not grow with the window. For dark objects equal to
    ``image <= skimage.filters.threshold_niblack(image)``.

    References
    ----------
    .. [1] W. Niblack, An Introduction to Digital Image Processing, 1986.

    Examples
    --------
    >>> img = np.tile(np.array([[10, 200]], np.uint8), (4, 2))
    >>> threshold_niblack(img, window_size=3, k=0, polarity="dark").mask.sum()
    np.int64(8)
    """
    image = _validate_inputs(image, polarity=polarity, window_size=window_size, k=k)
    params = {"method": "niblack", "window_size": int(window_size), "k": float(k)}
    return _local_stats_threshold(image, window_size, polarity, params,
                                  lambda m, s: m - k * s)


def threshold_sauvola(image: np.ndarray, *, window_size: int = 15, k: float = 0.2,
                      r: float | None = None, polarity: str = BRIGHT) -> Trace:
    """Sauvola's local threshold T = m (1 + k (s / R - 1)), made for documents.

    Parameters
    ----------
    image : (H, W) uint8 ndarray
        Gray image.
    window_size : int
        Odd window width, >= 3.
    k : float
        Weight of the contrast term.
    r : float, optional
        Dynamic range R of the standard deviation; 127.5 (half of 0..255) by default.
    polarity : {"bright", "dark"}
        Dark objects (the method's native case, ink on paper): ``image <= T``.
        Bright objects: the method runs on the negative 255 - image and the
        objects are ``image >= T`` with T mapped back to gray levels.

    Returns
    -------
    trace : Trace
        Output ``mask`` and ``surface`` T(x, y) (float32, gray levels). Steps:
        local mean, local standard deviation, threshold surface, mask.

    Raises
    ------
    ValueError
        For a bad image, window_size, k or r.

    Notes
    -----
    T(x, y) = m(x, y) (1 + k (s(x, y) / R - 1)): in flat areas (s small) T drops
    below the mean, so paper noise stays background. For dark objects equal to
    ``image <= skimage.filters.threshold_sauvola(image)``.

    References
    ----------
    .. [1] J. Sauvola and M. Pietikainen, "Adaptive document image
           binarization", Pattern Recognit. 33(2): 225-236, 2000.

    Examples
    --------
    >>> img = np.tile(np.array([[10, 200]], np.uint8), (4, 2))
    >>> threshold_sauvola(img, window_size=3, polarity="dark").mask.sum()
    np.int64(8)
    """
    image = _validate_inputs(image, polarity=polarity, window_size=window_size, k=k)
    r = SAUVOLA_R_UINT8 if r is None else r
    if not (isinstance(r, (int, float, np.integer, np.floating)) and r > 0):
        raise ValueError(f"r: expected a positive number, got {r!r}")
    params = {"method": "sauvola", "window_size": int(window_size), "k": float(k),
              "r": float(r)}
    return _local_stats_threshold(image, window_size, polarity, params,
                                  lambda m, s: m * (1 + k * (s / r - 1)))


# --------------------------------------------------------------------------
# hysteresis on edge magnitude
# --------------------------------------------------------------------------

def edge_magnitude(image: np.ndarray) -> np.ndarray:
    """Sobel gradient magnitude in gray levels (``skimage.filters.sobel`` on 0..255).

    Parameters
    ----------
    image : (H, W) uint8 ndarray
        Gray image.

    Returns
    -------
    magnitude : (H, W) float64 ndarray

    Examples
    --------
    >>> edge_magnitude(np.zeros((3, 3), np.uint8)).max()
    np.float64(0.0)
    """
    return sobel(_validate_inputs(image).astype(np.float64))


def hysteresis(image: np.ndarray, low: float, high: float) -> Trace:
    """Hysteresis thresholding of the edge magnitude: strong edges plus the weak ones touching them.

    Parameters
    ----------
    image : (H, W) uint8 ndarray
        Gray image; its Sobel edge magnitude is thresholded.
    low, high : float
        Thresholds on the magnitude (gray levels), 0 <= low <= high.

    Returns
    -------
    trace : Trace
        Output ``mask`` (H, W) bool and ``magnitude`` (H, W) float32. Steps:
        edge magnitude, weak edges (> low), strong edges (> high), kept edges.

    Raises
    ------
    ValueError
        For a bad image or low > high.

    Notes
    -----
    Keep every 4-connected component of {magnitude > low} that contains at
    least one pixel of {magnitude > high}. Equal to
    ``skimage.filters.apply_hysteresis_threshold(sobel(image), low, high)``.

    References
    ----------
    .. [1] J. Canny, "A computational approach to edge detection", IEEE TPAMI
           8(6): 679-698, 1986.

    Examples
    --------
    >>> img = np.zeros((5, 5), np.uint8); img[:, 3:] = 200
    >>> hysteresis(img, 10, 50).mask.any(axis=0).tolist()
    [False, False, True, True, False]
    """
    image = _validate_inputs(image, low=low, high=high)
    params = {"method": "hysteresis", "low": float(low), "high": float(high)}
    magnitude = sobel(image.astype(np.float64))
    weak = magnitude > low
    strong = magnitude > high
    components, count = ndi.label(weak)
    touches_strong = np.zeros(count + 1, bool)
    touches_strong[np.unique(components[strong])] = True
    touches_strong[0] = False
    mask = touches_strong[components]
    rec = TraceRecorder()
    rec.add("edge magnitude", magnitude.astype(np.float32), "Sobel gradient magnitude.")
    rec.add("weak edges", weak, f"Magnitude above low = {low:g}.", pixels=weak.sum())
    rec.add("strong edges", strong, f"Magnitude above high = {high:g}.", pixels=strong.sum())
    rec.add("kept edges", mask, f"Weak edges connected to a strong edge: "
            f"{int(touches_strong.sum())} of {count} components kept.", pixels=mask.sum())
    warnings = [] if magnitude.max() > 0 else ["The image has no edges (constant image)."]
    return rec.finish({"mask": mask, "magnitude": magnitude.astype(np.float32)}, params,
                      warnings)


# --------------------------------------------------------------------------
# catalog, dispatcher and "try all"
# --------------------------------------------------------------------------

METHODS: dict[str, Callable[..., Trace]] = {
    "manual": threshold_manual,
    "otsu": threshold_otsu,
    "multiotsu": threshold_multiotsu,
    "isodata": threshold_isodata,
    "li": threshold_li,
    "mean": threshold_mean,
    "minimum": threshold_minimum,
    "triangle": threshold_triangle,
    "yen": threshold_yen,
    "local": threshold_local,
    "niblack": threshold_niblack,
    "sauvola": threshold_sauvola,
    "hysteresis": hysteresis,
}



def threshold(image: np.ndarray, method: str, /, **params) -> Trace:
    """Run the thresholding method named ``method`` (a key of :data:`METHODS`).

    Parameters
    ----------
    image : (H, W) uint8 ndarray
        Gray image.
    method : str
        One of ``METHODS``.
    **params
        Keyword arguments of that method (``image`` and ``method`` are
        positional-only, so ``threshold(img, "local", method="mean")`` works).

    Returns
    -------
    trace : Trace

    Raises
    ------
    ValueError
        For an unknown method or bad parameters.

    Examples
    --------
    >>> img = np.array([[10, 12], [200, 210]], np.uint8)
    >>> threshold(img, "otsu").threshold
    12.0
    """
    if method not in METHODS:
        raise ValueError(f"method: expected one of {sorted(METHODS)}, got {method!r}")
    return METHODS[method](image, **params)


def try_all(image: np.ndarray, *, polarity: str = BRIGHT) -> Trace:
    """Run every global method on one image (like ``skimage.filters.try_all_threshold``).

    Parameters
    ----------
    image : (H, W) uint8 ndarray
        Gray image.
    polarity : {"bright", "dark"}
        Whether the objects are the pixels above t or at/below t.

    Returns
    -------
    trace : Trace
        Output ``masks`` {method: (H, W) bool} and ``thresholds`` {method: float},
        in :data:`GLOBAL_METHODS` order; one step per method. Warnings of the
        methods are collected once each, prefixed with the methods that gave them.

    Raises
    ------
    ValueError
        If the image is not a 2-D uint8 gray image.

    Examples
    --------
    >>> img = np.array([[10, 12], [200, 210]], np.uint8)
    >>> sorted(try_all(img).thresholds) == sorted(GLOBAL_METHODS)
    True
    """
    image = _validate_inputs(image, polarity=polarity)
    rec = TraceRecorder()
    masks, thresholds, warned = {}, {}, {}
    for name in GLOBAL_METHODS:
        result = METHODS[name](image, polarity=polarity)
        masks[name], thresholds[name] = result.mask, result.threshold
        for message in result.warnings:
            warned.setdefault(message, []).append(name)
        rec.add(name, result.mask, f"{name}: t = {result.threshold:.1f}",
                threshold=result.threshold)
    warnings = [f"{', '.join(names)}: {message}" for message, names in warned.items()]
    return rec.finish({"masks": masks, "thresholds": thresholds},
                      {"method": "try_all", "polarity": polarity}, warnings)
