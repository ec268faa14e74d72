"""segcore.classical.active_contours: the snake equals scikit-image's active_contour, its
energy terms equal a numpy computation, Chan-Vese equals morphological_chan_vese iteration by
iteration, and contours are scored through score_against_scene."""

import numpy as np
import pytest
from skimage.segmentation import active_contour, morphological_chan_vese, morphsnakes

from segcore.classical import active_contours as AC
from segcore.evaluation.scoring import score_against_scene
from segcore.scenes import make_scene

SNAKE_CASES = [
    dict(),
    dict(alpha=0.1, beta=1.0, gamma=0.01),
    dict(alpha=0.015, beta=0.5, gamma=0.005, max_px_move=0.5),
    dict(w_line=-0.5, w_edge=0.0, gamma=0.01),
    dict(w_line=0.3, w_edge=2.0, alpha=0.0, beta=0.0, gamma=0.05),
    dict(max_num_iter=7),  # stopped before it converged
    dict(convergence=0.0, max_num_iter=150),
]


@pytest.fixture(scope="module")
def shapes():
    return make_scene("shapes", seed=0, size=128)


def _start(scene, radius=16.0, n=60):
    return AC.circle(AC.brightest_point(scene.image), radius, n)


@pytest.mark.parametrize("args", SNAKE_CASES)
@pytest.mark.parametrize("sigma", [3.0, 1.0])
def test_final_snake_equals_scikit_image(shapes, args, sigma):
    image = AC.smoothed_image(shapes.image, sigma)
    init = _start(shapes)
    trace = AC.snake(image, init, **args)
    reference = active_contour(image, init, boundary_condition="periodic",
                               **{"alpha": 0.015, "beta": 10.0, "gamma": 0.001, **args})
    assert np.allclose(trace.snake, reference, rtol=0, atol=1e-9)
    assert trace.n_iter <= args.get("max_num_iter", 2500)
    assert np.array_equal(trace.steps[-1].data, trace.snake)
    assert trace.steps[0].name == "start" and np.array_equal(trace.steps[0].data, init)


def test_snake_converges_on_the_disk_and_scores_against_it(shapes):
    trace = AC.snake(AC.smoothed_image(shapes.image, 2.0), _start(shapes, 20.0, 100))
    assert trace.converged and trace.n_iter < 2500
    report, what = AC.contour_report(trace.mask, shapes)
    assert what.startswith("disk") and report["iou"][what] > 0.7
    assert trace.energy["ext"][-1] < trace.energy["ext"][0]  # it moved onto the edges


def _energy_by_hand(points, alpha, beta):
    v = np.asarray(points, float)
    n = len(v)
    cont = sum(((v[(i + 1) % n] - v[i]) ** 2).sum() for i in range(n))
    curv = sum(((v[(i + 1) % n] - 2 * v[i] + v[i - 1]) ** 2).sum() for i in range(n))
    return alpha / 2 * cont, beta / 2 * curv


@pytest.mark.parametrize("seed", range(5))
def test_energy_terms_match_the_formula(seed):
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 50, (int(rng.integers(5, 30)), 2))
    alpha, beta = rng.uniform(0, 1, 2)
    energy = AC.snake_energy(points, alpha, beta)
    cont, curv = _energy_by_hand(points, alpha, beta)
    assert energy["cont"] == pytest.approx(cont) and energy["curv"] == pytest.approx(curv)
    assert energy["ext"] == 0 and energy["total"] == pytest.approx(cont + curv)


def test_recorded_energies_are_the_terms_at_each_recorded_contour(shapes):
    from scipy.interpolate import RectBivariateSpline
    from skimage.filters import sobel

    image = AC.smoothed_image(shapes.image, 3.0)
    trace = AC.snake(image, _start(shapes), alpha=0.05, beta=2.0, gamma=0.01, max_steps=6)
    assert len(trace.steps) <= 6 and trace.truncated
    assert len(trace.energy["total"]) == trace.n_iter + 1
    edges = sobel(image)  # P with w_line = 0, w_edge = 1, interpolated as skimage does
    spline = RectBivariateSpline(np.arange(edges.shape[1]), np.arange(edges.shape[0]), edges.T,
                                 kx=2, ky=2, s=0)
    assert np.allclose(trace.potential, edges, atol=1e-6)
    for step in trace.steps:
        cont, curv = _energy_by_hand(step.data, 0.05, 2.0)
        assert step.metrics["cont"] == pytest.approx(cont)
        assert step.metrics["curv"] == pytest.approx(curv)
        ext = -spline(step.data[:, 1], step.data[:, 0], grid=False).sum()
        assert step.metrics["ext"] == pytest.approx(ext)
        assert trace.energy["total"][step.index] == pytest.approx(step.metrics["total"])
    on_grid = np.array([[40, 40], [40, 60], [60, 60], [60, 40], [50, 30]])
    assert AC.snake_energy(on_grid, 0, 0, lambda r, c: spline(c, r, grid=False))["ext"] == \
        pytest.approx(-edges[on_grid[:, 0], on_grid[:, 1]].sum())  # the spline interpolates


def _fresh_cycle(monkeypatch):
    """scikit-image alternates SI o IS / IS o SI through one module-level cycle: start it
    afresh, as in a new process (segcore starts every call that way)."""
    cycle = morphsnakes._fcycle([lambda u: morphsnakes.sup_inf(morphsnakes.inf_sup(u)),
                                 lambda u: morphsnakes.inf_sup(morphsnakes.sup_inf(u))])
    monkeypatch.setattr(morphsnakes, "_curvop", cycle)


@pytest.mark.parametrize("smoothing", [0, 1, 2, 3])
@pytest.mark.parametrize("case", ["checkerboard", "circle", "noisy", "lambdas"])
def test_chan_vese_equals_scikit_image_at_every_iteration(monkeypatch, smoothing, case):
    noise = 0.3 if case == "noisy" else None
    scene = make_scene("shapes", seed=2, size=96, noise=noise)
    image = AC.smoothed_image(scene.image, 1.0)
    kwargs = {"lambda1": 1.0, "lambda2": 1.0}
    if case == "lambdas":
        kwargs = {"lambda1": 2.0, "lambda2": 0.5}
    init = "circle" if case == "circle" else "checkerboard"
    start = AC.initial_level_set(image.shape, init, (40, 50), 20)
    _fresh_cycle(monkeypatch)
    seen = []
    reference = morphological_chan_vese(image, 12, init_level_set=start, smoothing=smoothing,
                                        iter_callback=lambda u: seen.append(u.copy()), **kwargs)
    trace = AC.chan_vese(image, 12, init=init, center=(40, 50), radius=20, smoothing=smoothing,
                         max_steps=None, **kwargs)
    assert np.array_equal(trace.mask, reference.astype(bool))
    assert len(trace.steps) == len(seen) == 13
    for step, u in zip(trace.steps, seen):
        assert np.array_equal(np.unpackbits(step.data, count=u.size).reshape(u.shape), u)


def test_chan_vese_history_matches_the_fitting_energy():
    scene = make_scene("shapes", seed=1, size=64)
    image = AC.smoothed_image(scene.image, 1.0)
    trace = AC.chan_vese(image, 8, max_steps=4)
    assert len(trace.steps) <= 4
    final = trace.mask
    c1, c0 = image[final].mean(), image[~final].mean()
    by_hand = ((image[final] - c1) ** 2).sum() + ((image[~final] - c0) ** 2).sum()
    assert trace.history["energy"][-1] == pytest.approx(by_hand)
    assert trace.history["energy"][-1] < trace.history["energy"][0]
    assert len(trace.history["c0"]) == 9 and np.isnan(trace.history["c0"][0])


def test_contour_report_scores_one_object_and_leaves_the_others_out(shapes):
    instance = int(shapes.instances.max())
    mask = shapes.instances == instance
    report, what = AC.contour_report(mask, shapes)
    assert report["iou"][what] == 1.0 and report["pixel_accuracy"] == 1.0
    others = int(((shapes.instances > 0) & ~mask).sum())
    assert report["void_pixels"] == others
    grown = mask | np.roll(mask, 3, axis=1)
    report, _ = AC.contour_report(grown, shapes)
    assert report["iou"][what] == pytest.approx(mask.sum() / grown.sum())
    every = shapes.semantic > 0
    whole, name = AC.contour_report(every, shapes, one_object=False)
    assert name == "object" and whole == score_against_scene(every, shapes, binary=True,
                                                             match_clusters=True)


@pytest.mark.parametrize("call, match", [
    (lambda: AC.snake(np.zeros((10, 10)), np.zeros((3, 2))), "init"),
    (lambda: AC.snake(np.zeros(10), AC.circle((5, 5), 2, 8)), "image"),
    (lambda: AC.snake(np.zeros((10, 10)), AC.circle((5, 5), 2, 8), alpha=-1), "alpha"),
    (lambda: AC.snake(np.zeros((10, 10)), AC.circle((5, 5), 2, 8), gamma=0), "gamma"),
    (lambda: AC.snake(np.zeros((10, 10)), AC.circle((5, 5), 2, 8), max_num_iter=0),
     "max_num_iter"),
    (lambda: AC.circle((5, 5), 0), "radius"),
    (lambda: AC.chan_vese(np.zeros((10, 10)), 0), "num_iter"),
    (lambda: AC.chan_vese(np.zeros((10, 10)), 3, init="star"), "init"),
    (lambda: AC.chan_vese(np.zeros((10, 10)), 3, init=np.zeros((4, 4))), "init"),
    (lambda: AC.chan_vese(np.zeros((10, 10)), 3, lambda1=-1), "lambda1"),
    (lambda: AC.smoothed_image(np.zeros((10, 10)), -2), "sigma"),
])
def test_bad_arguments_raise_value_error_naming_them(call, match):
    with pytest.raises(ValueError, match=match):
        call()
