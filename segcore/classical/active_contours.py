"""Active contours: a snake pulled by its energy, and a morphological Chan-Vese level set.

A **snake** is a closed curve of N points v_i = (row, col) that moves to
lower its energy: an internal part keeps it short (alpha, elasticity) and
smooth (beta, rigidity); an external part pulls it towards edges or bright
lines of the smoothed image. It needs a starting curve near the object and
finds one object's outline.

A **level set** represents the region as the set where a function is
positive, so the outline can split and merge freely. Morphological Chan-Vese
moves it to make the inside and the outside each as uniform as possible
(two means c1, c0), with a smoothing step that acts like curvature.

Notes
-----
Snake energy, discretised as :func:`skimage.segmentation.active_contour` uses it
(periodic contour, :math:`I_\\sigma = G_\\sigma * I` with gray levels in [0, 1]):

.. math:: E(v) = \\underbrace{\\tfrac{\\alpha}{2}\\sum_i |v_{i+1} - v_i|^2}_{E_{cont}}
          + \\underbrace{\\tfrac{\\beta}{2}\\sum_i |v_{i+1} - 2 v_i + v_{i-1}|^2}_{E_{curv}}
          \\underbrace{- \\sum_i P(v_i)}_{E_{ext}}, \\qquad
          P = w_{line} I_\\sigma + w_{edge} |\\nabla I_\\sigma|

One iteration is the semi-implicit step :math:`(A + \\gamma I)\\, v^{t+1} =
\\gamma v^t + \\nabla P(v^t)` with A the pentadiagonal matrix of the internal
energy, so :math:`1/\\gamma` is the time step; each point moves at most
``max_px_move`` pixels (:math:`\\tanh`-capped), and the run stops when the
contour stays within ``convergence`` px of one of its last 10 positions.
:func:`snake` is that loop, written out so every iteration can be recorded;
a test checks it against scikit-image's final contour.

Morphological Chan-Vese (Marquez-Neila et al.) alternates the data step

.. math:: u \\leftarrow 1 \\text{ where } |\\nabla u|\\left(\\lambda_1 (I - c_1)^2 -
          \\lambda_2 (I - c_0)^2\\right) < 0, \\quad 0 \\text{ where } > 0

with ``smoothing`` passes of the curvature operators SI o IS / IS o SI, and
lowers the Chan-Vese fitting energy
:math:`F = \\lambda_1 \\sum_{u=1} (I - c_1)^2 + \\lambda_2 \\sum_{u=0} (I - c_0)^2`.
:func:`chan_vese` equals :func:`skimage.segmentation.morphological_chan_vese`
started in a fresh process (scikit-image keeps which of the two operators comes
next in a module-level cycle; here every call starts with SI o IS).

References
----------
.. [1] M. Kass, A. Witkin, D. Terzopoulos, "Snakes: active contour models",
       IJCV 1(4), 1988.
.. [2] T. F. Chan, L. A. Vese, "Active contours without edges", IEEE TIP
       10(2), 2001.
.. [3] P. Marquez-Neila, L. Baumela, L. Alvarez, "A morphological approach to
       curvature-based evolution of curves and surfaces", IEEE TPAMI 36(1), 2014.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import RectBivariateSpline
from skimage.draw import polygon2mask
from skimage.filters import gaussian, sobel
from skimage.segmentation import checkerboard_level_set, disk_level_set

from segcore.classical.region_adjacency import gray_float
from segcore.evaluation.scoring import score_against_scene
from segcore.scenes import VOID, Scene
from segcore.trace import TraceRecorder

__all__ = ["INITS", "DEFAULT_MAX_STEPS", "CONVERGENCE_ORDER", "circle", "brightest_point",
           "smoothed_image",
           "snake_energy", "snake", "contour_mask", "initial_level_set", "chan_vese",
           "contour_report"]

#: Starting level sets of :func:`chan_vese`: skimage's checkerboard (5 px squares) or a disk.
INITS = ("checkerboard", "circle")
DEFAULT_MAX_STEPS = 40
CONVERGENCE_ORDER = 10  # skimage compares with the last 10 positions
CHECKER_SQUARE = 5


def _validate_snake(image, init, alpha, beta, gamma, w_line, w_edge, max_px_move,
                    max_num_iter, convergence):
    """Check and normalise snake arguments; raise ValueError naming the culprit."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2 or min(image.shape) < 3:
        raise ValueError(f"image must be a 2-D gray array of at least 3 x 3, got {image.shape}")
    init = np.asarray(init, dtype=np.float64)
    if init.ndim != 2 or init.shape[1] != 2 or len(init) < 5:
        raise ValueError(f"init must be (N, 2) points (row, col) with N >= 5, got {init.shape}")
    for name, value in (("alpha", alpha), ("beta", beta), ("w_line", w_line),
                        ("w_edge", w_edge), ("convergence", convergence)):
        if not np.isfinite(value) or (name in ("alpha", "beta", "convergence") and value < 0):
            raise ValueError(f"{name} must be a finite number{' >= 0' * (name != 'w_line')}, "
                             f"got {value}")
    if not (np.isfinite(gamma) and gamma > 0) or not (np.isfinite(max_px_move) and max_px_move > 0):
        raise ValueError(f"gamma and max_px_move must be > 0, got {gamma} and {max_px_move}")
    if int(max_num_iter) != max_num_iter or max_num_iter < 1:
        raise ValueError(f"max_num_iter must be an integer >= 1, got {max_num_iter}")
    return image, init.copy()


def circle(center, radius: float, n_points: int = 100) -> np.ndarray:
    """A closed starting contour: ``n_points`` (row, col) on a circle, counter-clockwise.

    Examples
    --------
    >>> circle((10, 20), 5, 4).round(6).tolist()
    [[10.0, 25.0], [15.0, 20.0], [10.0, 15.0], [5.0, 20.0]]
    """
    if not (np.isfinite(radius) and radius > 0) or int(n_points) != n_points or n_points < 4:
        raise ValueError(f"radius must be > 0 and n_points an integer >= 4, got {radius} and "
                         f"{n_points}")
    t = np.linspace(0, 2 * np.pi, int(n_points), endpoint=False)
    return np.stack([center[0] + radius * np.sin(t), center[1] + radius * np.cos(t)], axis=1)


def brightest_point(image, sigma: float = 3.0) -> tuple[int, int]:
    """The default centre of a starting circle: the brightest pixel of the smoothed image
    (first in raster order), usually inside the brightest object.

    Examples
    --------
    >>> img = np.zeros((9, 9)); img[5:8, 1:4] = 255; img[0, 8] = 255
    >>> brightest_point(img, 1.0)
    (6, 2)
    """
    smoothed = smoothed_image(image, sigma)
    row, col = np.unravel_index(np.argmax(smoothed), smoothed.shape)
    return int(row), int(col)


def smoothed_image(image, sigma: float) -> np.ndarray:
    """Gray levels in [0, 1], Gaussian-smoothed (``sigma`` 0: only rescaled), float64.

    Examples
    --------
    >>> smoothed_image(np.array([[0, 255]], np.uint8), 0).tolist()
    [[0.0, 1.0]]
    """
    image = gray_float(image) / 255.0
    if not np.isfinite(sigma) or sigma < 0:
        raise ValueError(f"sigma must be a finite number >= 0, got {sigma}")
    return gaussian(image, sigma=sigma) if sigma > 0 else image


def _potential(image, w_line, w_edge):
    """P = w_line I + w_edge |grad I| (Sobel), as skimage builds it."""
    edge = sobel(image) if w_edge != 0 else 0
    return w_line * image + w_edge * edge


def _internal_matrix(n, alpha, beta):
    """A of the internal energy: -alpha (2nd difference) + beta (4th difference), periodic."""
    eye = np.eye(n, dtype=float)
    second = np.roll(eye, -1, axis=0) + np.roll(eye, -1, axis=1) - 2 * eye
    fourth = (np.roll(eye, -2, axis=0) + np.roll(eye, -2, axis=1) - 4 * np.roll(eye, -1, axis=0)
              - 4 * np.roll(eye, -1, axis=1) + 6 * eye)
    return -alpha * second + beta * fourth


def snake_energy(points, alpha: float, beta: float, potential=None) -> dict:
    """The snake's energy terms at ``points`` ((N, 2) row, col; a closed contour).

    Parameters
    ----------
    points : (N, 2) array
    alpha, beta : float
        Weights of continuity and curvature.
    potential : callable, optional
        ``potential(rows, cols) -> (N,)`` values of P; without it ``ext`` is 0.

    Returns
    -------
    dict
        ``cont`` = alpha/2 sum |v_{i+1} - v_i|^2, ``curv`` = beta/2 sum
        |v_{i+1} - 2 v_i + v_{i-1}|^2, ``ext`` = -sum P(v_i) and ``total``.

    Examples
    --------
    >>> square = np.array([[0, 0], [0, 2], [2, 2], [2, 0]])
    >>> snake_energy(square, alpha=1.0, beta=0.5)
    {'cont': 8.0, 'curv': 8.0, 'ext': 0.0, 'total': 16.0}
    """
    v = np.asarray(points, dtype=np.float64)
    step = np.roll(v, -1, axis=0) - v
    bend = np.roll(v, -1, axis=0) - 2 * v + np.roll(v, 1, axis=0)
    cont = 0.5 * alpha * float((step ** 2).sum())
    curv = 0.5 * beta * float((bend ** 2).sum())
    ext = -float(np.sum(potential(v[:, 0], v[:, 1]))) if potential is not None else 0.0
    return {"cont": cont, "curv": curv, "ext": ext, "total": cont + curv + ext}


def contour_mask(points, shape) -> np.ndarray:
    """(H, W) bool: the pixels inside the closed contour ``points`` (row, col)."""
    return polygon2mask(shape, np.asarray(points, dtype=np.float64))


def _snake_record(rec, i, y, x, alpha, beta, value, history, caption):
    energy = snake_energy(np.stack([y, x], axis=1), alpha, beta,
                          lambda r, c: value(c, r, grid=False))
    for key, number in energy.items():
        history[key].append(number)
    rec.add("start" if i == 0 else f"iteration {i}", np.stack([y, x], axis=1), caption,
            **energy)


def snake(image, init, *, alpha=0.015, beta=10.0, gamma=0.001, w_line=0.0, w_edge=1.0,
          max_px_move=1.0, max_num_iter=2500, convergence=0.1,
          max_steps=DEFAULT_MAX_STEPS):
    """Move a closed snake on ``image``, recording it iteration by iteration.

    Parameters
    ----------
    image : (H, W) float array
        The (smoothed) image, gray levels in [0, 1] (:func:`smoothed_image`).
    init : (N, 2) array
        Starting contour (row, col), e.g. :func:`circle`; N >= 5.
    alpha, beta, gamma : float
        Elasticity, rigidity and the inverse time step (> 0).
    w_line, w_edge : float
        Weights of brightness and edges in the potential P.
    max_px_move, max_num_iter, convergence : float, int, float
        As :func:`skimage.segmentation.active_contour`.
    max_steps : int or None
        Recorded contours (first, last and evenly spaced iterations).

    Returns
    -------
    Trace
        ``output``: ``snake`` (N, 2) final contour (row, col), equal to
        ``skimage.segmentation.active_contour(image, init, ...)`` with the same
        arguments and ``boundary_condition="periodic"``; ``init``; ``mask``
        (H, W) bool inside; ``potential`` (H, W) float32 picture of P;
        ``n_iter`` and ``converged``; ``energy`` dict of (n_iter + 1,) arrays
        ``cont``, ``curv``, ``ext``, ``total`` at the start and after each
        iteration. Step i holds the contour after iteration i (metrics: the
        energy terms).

    Raises
    ------
    ValueError
        For a non-2-D image, fewer than 5 points, negative weights where they
        must be >= 0, gamma or max_px_move <= 0.

    Notes
    -----
    See the module: E = E_cont + E_curv + E_ext and the semi-implicit step.

    Examples
    --------
    >>> yy, xx = np.mgrid[:40, :40]
    >>> disk = ((yy - 20) ** 2 + (xx - 20) ** 2 < 8 ** 2).astype(float)
    >>> t = snake(smoothed_image(disk * 255, 2), circle((20, 20), 14, 40), alpha=0.1, beta=1,
    ...           gamma=0.01)
    >>> bool(t.energy["total"][-1] < t.energy["total"][0]), bool(7 < t.mask.sum() ** 0.5 < 16)
    (True, True)
    """
    image, init = _validate_snake(image, init, alpha, beta, gamma, w_line, w_edge,
                                  max_px_move, max_num_iter, convergence)
    params = {"alpha": alpha, "beta": beta, "gamma": gamma, "w_line": w_line, "w_edge": w_edge,
              "max_px_move": max_px_move, "max_num_iter": int(max_num_iter),
              "convergence": convergence}
    potential = _potential(image, w_line, w_edge)
    value = RectBivariateSpline(np.arange(image.shape[1]), np.arange(image.shape[0]),
                                potential.T, kx=2, ky=2, s=0)
    dx, dy = value.partial_derivative(1, 0), value.partial_derivative(0, 1)
    x, y = init[:, 1].copy(), init[:, 0].copy()
    n = len(x)
    inverse = np.linalg.inv(_internal_matrix(n, alpha, beta) + gamma * np.eye(n, dtype=float))
    saved = np.empty((2, CONVERGENCE_ORDER, n))
    rec, history = TraceRecorder(max_steps), {"cont": [], "curv": [], "ext": [], "total": []}
    _snake_record(rec, 0, y, x, alpha, beta, value, history, "The starting contour.")
    converged, i = False, -1
    for i in range(int(max_num_iter)):
        fx, fy = dx(x, y, grid=False), dy(x, y, grid=False)
        xn, yn = inverse @ (gamma * x + fx), inverse @ (gamma * y + fy)
        x += max_px_move * np.tanh(xn - x)
        y += max_px_move * np.tanh(yn - y)
        j = i % (CONVERGENCE_ORDER + 1)
        if j < CONVERGENCE_ORDER:
            saved[0, j], saved[1, j] = x, y
        else:
            shift = np.min(np.max(np.abs(saved[0] - x[None]) + np.abs(saved[1] - y[None]), 1))
            converged = bool(shift < convergence)
        _snake_record(rec, i + 1, y, x, alpha, beta, value, history,
                      f"After iteration {i + 1}.")
        if converged:
            break
    final = np.stack([y, x], axis=1)
    output = {"snake": final, "init": init, "mask": contour_mask(final, image.shape),
              "potential": potential.astype(np.float32), "n_iter": i + 1,
              "converged": converged, "energy": {k: np.array(v) for k, v in history.items()}}
    return rec.finish(output, params)


def initial_level_set(shape, init="checkerboard", center=None, radius=None) -> np.ndarray:
    """Starting region of :func:`chan_vese`: skimage's checkerboard of 5 px squares, or a
    disk (``center``, ``radius``); (H, W) int8 0/1.

    Examples
    --------
    >>> initial_level_set((3, 12))[0].tolist()
    [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0]
    """
    if init == "checkerboard":
        return checkerboard_level_set(shape, CHECKER_SQUARE).astype(np.int8)
    if init == "circle":
        return disk_level_set(shape, center=center, radius=radius).astype(np.int8)
    raise ValueError(f"init must be one of {INITS}, got {init!r}")


def _lines(u: np.ndarray, combine, reduce) -> np.ndarray:
    """The four 3-pixel line operators of SI / IS (outside the image counts as 0)."""
    p = np.pad(u, 1)
    c = p[1:-1, 1:-1]
    pairs = ((p[:-2, :-2], p[2:, 2:]), (p[:-2, 1:-1], p[2:, 1:-1]),
             (p[:-2, 2:], p[2:, :-2]), (p[1:-1, :-2], p[1:-1, 2:]))
    out = None
    for a, b in pairs:
        line = combine(combine(a, c), b)
        out = line if out is None else reduce(out, line)
    return out


def _sup_inf(u):
    """SI: the largest of the erosions by the four line segments."""
    return _lines(u, np.logical_and, np.logical_or)


def _inf_sup(u):
    """IS: the smallest of the dilations by the four line segments."""
    return _lines(u, np.logical_or, np.logical_and)


def _chan_vese_step(image, u, lambda1, lambda2):
    """The data step of morphological Chan-Vese, in place on int8 ``u``; returns c0, c1.

    The same arithmetic as scikit-image, evaluated only where the gradient of u is not
    zero (elsewhere the product is 0 and nothing changes).
    """
    c0 = (image * (1 - u)).sum() / float((1 - u).sum() + 1e-8)
    c1 = (image * u).sum() / float(u.sum() + 1e-8)
    abs_du = np.abs(np.gradient(u)).sum(0)
    front = np.flatnonzero(abs_du)
    values = image.ravel()[front]
    aux = abs_du.ravel()[front] * (lambda1 * (values - c1) ** 2 - lambda2 * (values - c0) ** 2)
    flat = u.ravel()
    flat[front[aux < 0]] = 1
    flat[front[aux > 0]] = 0
    return c0, c1


class _Fit:
    """The Chan-Vese fitting energy of a partition, from sums: the sum over one side of
    (I - c)^2 is sum I^2 - (sum I)^2 / n, with c that side's mean."""

    def __init__(self, image, lambda1, lambda2):
        self.flat = image.ravel()
        self.squares = self.flat ** 2
        self.total, self.total_sq = self.flat.sum(), self.squares.sum()
        self.lambdas = (lambda1, lambda2)

    def __call__(self, u) -> float:
        inside = u.ravel().astype(bool)
        n_in = int(np.count_nonzero(inside))
        s_in, sq_in = self.flat[inside].sum(), self.squares[inside].sum()  # no BLAS threads
        n_out = self.flat.size - n_in
        fit_in = sq_in - s_in ** 2 / n_in if n_in else 0.0
        fit_out = (self.total_sq - sq_in) - (self.total - s_in) ** 2 / n_out if n_out else 0.0
        return float(self.lambdas[0] * max(fit_in, 0.0) + self.lambdas[1] * max(fit_out, 0.0))


def _validate_chan_vese(image, num_iter, init, smoothing, lambda1, lambda2, center, radius):
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2 or image.size == 0:
        raise ValueError(f"image must be a non-empty 2-D gray array, got {image.shape}")
    if int(num_iter) != num_iter or num_iter < 1 or int(smoothing) != smoothing or smoothing < 0:
        raise ValueError(f"num_iter must be an integer >= 1 and smoothing an integer >= 0, got "
                         f"{num_iter} and {smoothing}")
    if not (np.isfinite(lambda1) and np.isfinite(lambda2)) or lambda1 < 0 or lambda2 < 0:
        raise ValueError(f"lambda1 and lambda2 must be finite and >= 0, got {lambda1}, {lambda2}")
    if isinstance(init, str):
        u = initial_level_set(image.shape, init, center, radius)
    else:
        u = np.asarray(init)
        if u.shape != image.shape:
            raise ValueError(f"init must be one of {INITS} or a level set of the image's shape "
                             f"{image.shape}, got shape {u.shape}")
    return image, np.int8(u > 0)


def chan_vese(image, num_iter=30, *, init="checkerboard", smoothing=1, lambda1=1.0,
              lambda2=1.0, center=None, radius=None, max_steps=DEFAULT_MAX_STEPS):
    """Morphological Chan-Vese, recording the level set iteration by iteration.

    Parameters
    ----------
    image : (H, W) float array
        Gray levels (e.g. [0, 1] from :func:`smoothed_image` with sigma 0).
    num_iter : int
        Iterations (>= 1).
    init : {"checkerboard", "circle"} or (H, W) array
        Starting level set (:func:`initial_level_set`; ``center``, ``radius``
        for the circle, skimage's defaults when None).
    smoothing : int
        Curvature passes per iteration.
    lambda1, lambda2 : float
        Weights of the inside and outside fit.
    max_steps : int or None
        Recorded level sets (first, last and evenly spaced iterations).

    Returns
    -------
    Trace
        ``output``: ``mask`` (H, W) bool final region (u = 1), equal to
        ``skimage.segmentation.morphological_chan_vese`` in a fresh process;
        ``history`` dict of (num_iter + 1,) arrays ``c0``, ``c1`` (outside and
        inside means used by each iteration's data step; the first entry is
        the start's), ``energy`` (F after each iteration) and ``changed``
        (pixels that flipped). Step i's data is ``np.packbits`` of the level
        set after iteration i (unpack with ``np.unpackbits(data,
        count=H * W).reshape(H, W)``).

    Raises
    ------
    ValueError
        For a non-2-D image, bad counts or weights, or an unknown init.

    Examples
    --------
    >>> img = np.zeros((20, 20)); img[5:15, 5:15] = 1
    >>> t = chan_vese(img, 10)
    >>> m = t.mask if t.mask[10, 10] else ~t.mask
    >>> int(m.sum()), bool(m[6:14, 6:14].all())  # the smoothing rounds the 4 corners off
    (96, True)
    """
    image, u = _validate_chan_vese(image, num_iter, init, smoothing, lambda1, lambda2,
                                   center, radius)
    params = {"num_iter": int(num_iter), "init": init if isinstance(init, str) else "array",
              "smoothing": int(smoothing), "lambda1": lambda1, "lambda2": lambda2}
    rec, fit = TraceRecorder(max_steps), _Fit(image, lambda1, lambda2)
    history = {"c0": [np.nan], "c1": [np.nan], "energy": [fit(u)], "changed": [0]}
    rec.add("start", np.packbits(u), "The starting level set.", energy=history["energy"][0])
    phase = 0  # SI o IS first, then IS o SI, alternating
    for i in range(int(num_iter)):
        before = u.copy()
        c0, c1 = _chan_vese_step(image, u, lambda1, lambda2)
        for _ in range(int(smoothing)):
            inner, outer = (_inf_sup, _sup_inf) if phase == 0 else (_sup_inf, _inf_sup)
            u = outer(inner(u)).astype(np.int8)
            phase = 1 - phase
        energy = fit(u)
        changed = int(np.count_nonzero(u != before))
        for key, number in (("c0", c0), ("c1", c1), ("energy", energy), ("changed", changed)):
            history[key].append(number)
        rec.add(f"iteration {i + 1}", np.packbits(u),
                f"After iteration {i + 1}: c1 = {c1:.3f} inside, c0 = {c0:.3f} outside, "
                f"{changed} pixel(s) flipped.", c0=c0, c1=c1, energy=energy, changed=changed)
    output = {"mask": u.astype(bool), "history": {k: np.array(v, float) for k, v in
                                                  history.items()}}
    return rec.finish(output, params)


def _one_object_scene(scene: Scene, instance: int) -> Scene:
    """The scene seen as one object (``instance``) on its background; the other objects and
    the scene's VOID become VOID, so they count for nothing."""
    kind = int(np.bincount(scene.semantic[scene.instances == instance]).argmax())
    semantic = np.where(scene.instances == instance, 2, 1).astype(np.int32)
    semantic[(scene.instances > 0) & (scene.instances != instance)] = VOID
    semantic[scene.void] = VOID
    return Scene(scene.name, scene.title, scene.description, scene.image, semantic,
                 ("void", "background", f"{scene.class_names[kind]} {instance}"),
                 has_void=True)


def contour_report(mask, scene: Scene, *, one_object: bool = True) -> tuple[dict, str]:
    """Score a contour's inside with :func:`score_against_scene`; return (report, what).

    A snake outlines one object: with ``one_object`` the mask is scored against
    the ground-truth instance it covers most, other objects left out (VOID).
    Without instances under the mask (or ``one_object=False``) it is scored as
    a binary mask against the foreground, the side that matches best taken
    as the object (``match_clusters``), as a level set segments every object.

    Examples
    --------
    >>> from segcore.scenes import make_scene
    >>> scene = make_scene("shapes", seed=0, size=64)
    >>> report, what = contour_report(scene.instances == 1, scene)
    >>> report["iou"][what], what
    (1.0, 'disk 1')
    """
    mask = np.asarray(mask, bool)
    if one_object and scene.instances is not None and (scene.instances[mask] > 0).any():
        overlap = np.bincount(scene.instances[mask])
        overlap[0] = 0  # the background under the contour is no object
        instance = int(overlap.argmax())
        sub = _one_object_scene(scene, instance)
        return score_against_scene(np.where(mask, 2, 1), sub), sub.class_names[2]
    report = score_against_scene(mask, scene, binary=True, match_clusters=True)
    return report, "object"
