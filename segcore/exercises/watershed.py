"""Watershed and active-contour exercises: the pass where two floods meet, the basins of a
markerless watershed, a snake's internal energy by hand, and markers that beat a threshold.

Every answer is checked with :mod:`segcore.classical.watershed`,
:mod:`segcore.classical.active_contours` and
:func:`segcore.evaluation.scoring.score_against_scene`.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from segcore.classical import active_contours as AC
from segcore.classical import watershed as W
from segcore.evaluation.scoring import score_against_scene
from segcore.exercises.core import Answer, Exercise, Show, close_to, fmt, reach, rng_for
from segcore.scenes import make_scene

__all__ = ["EXERCISES", "pass_level", "predict_basins", "snake_by_hand", "beat_markers",
           "meeting_level", "beat_scene", "markers_miou", "GRID", "TOP_LEVEL"]

GRID = 6                 # the by-hand reliefs are GRID x GRID cells
TOP_LEVEL = 9            # their levels are 1..9 (markers sit on 0)
SNAKE_POINTS = 5         # corners of the by-hand snake
SNAKE_SPAN = 8           # its coordinates lie in 0..SNAKE_SPAN
SNAKE_RELATIVE = 0.01    # E_int by hand: 1 % either side
BEAT_SIZE = 128          # side of the scene of "beat the markers"
BEAT_NOISE = 0.15        # noisy shapes: some object markers need a low t_high
BEAT_SIGMA = 1.0         # smoothing of the page's default
BEAT_LOW = 90            # background marker I <= 90 (the page's default)
BEAT_NAIVE = 220         # only the brightest shapes (disks) get markers
BEAT_SCAN = range(110, 200, 10)  # t_high values tried to set the target
BEAT_MARGIN = 0.01       # the target sits this far below the best t_high of the scan


def _relief(rng) -> tuple[np.ndarray, tuple[int, int], tuple[int, int]]:
    """A GRID x GRID relief of levels 1..9 and two marker cells (level 0) far apart:
    A in the two left columns, B in the two right ones."""
    relief = rng.integers(1, TOP_LEVEL + 1, (GRID, GRID))
    a = (int(rng.integers(0, GRID)), int(rng.integers(0, 2)))
    b = (int(rng.integers(0, GRID)), int(rng.integers(GRID - 2, GRID)))
    relief[a] = relief[b] = 0
    return relief, a, b


def meeting_level(relief: np.ndarray, a, b) -> int:
    """The level at which the floods from cells ``a`` and ``b`` first meet (the first dam),
    from :func:`segcore.classical.watershed.flood` with every level recorded."""
    markers = np.zeros(relief.shape, np.int32)
    markers[a], markers[b] = 1, 2
    trace = W.flood(relief, markers, connectivity=4, max_steps=None)
    first = next(s for s in trace.steps if s.metrics["dams"] > 0)
    return int(first.metrics["level"])


def _path(relief, a, b, level) -> list[tuple[int, int]]:
    """Cells of a 4-connected path from a to b with every cell <= level (breadth first)."""
    came = {a: None}
    todo = deque([a])
    while todo:
        cell = todo.popleft()
        if cell == b:
            break
        r, c = cell
        for nxt in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if (0 <= nxt[0] < GRID and 0 <= nxt[1] < GRID and nxt not in came
                    and relief[nxt] <= level):
                came[nxt] = cell
                todo.append(nxt)
    path, cell = [], b
    while cell is not None:
        path.append(cell)
        cell = came[cell]
    return path[::-1]


def pass_level(seed: int) -> Exercise:
    """Compute the level at which two floods meet on a 6 x 6 relief (the dam's level)."""
    relief, a, b = _relief(rng_for(seed, "pass-level"))
    truth = meeting_level(relief, a, b)
    path = _path(relief, a, b, truth)
    cells = ", ".join(f"({r}, {c})" for r, c in path)
    return Exercise(
        id="pass-level", kind="compute", title="Where the two floods meet",
        prompt=(f"The grid is a relief g (levels 1 to {TOP_LEVEL}). Water rises from two "
                f"markers: **A at (row {a[0]}, col {a[1]})** and **B at (row {b[0]}, col "
                f"{b[1]})** (shown as 0). A cell is flooded at level h when a 4-connected path "
                "of cells with g <= h links it to a marker. **At which level h do the two "
                "floods first touch**, so that the watershed builds its first dam?"),
        answer=Answer("Level h of the first dam", 0, TOP_LEVEL, integer=True),
        judge=close_to(truth, 0, reveal=False, fmt="{:.0f}", name="the level of the first dam"),
        hints=("Raise the water one level at a time: at level h, every cell <= h that is "
               "connected (up, down, left, right) to A is A's water; the same for B.",
               "The answer is the lowest h for which one path from A to B uses only cells "
               "<= h: the lowest pass over the ridge between them."),
        solution=(f"At $h = {truth}$ the cells $\\le {truth}$ link A to B, for example along "
                  f"{cells}; at $h = {truth - 1}$ no such path exists, so the floods stay "
                  f"apart. The first dam is built at **h = {truth}**, on the pass."),
        seed=seed,
        shows=(Show("grid", relief, "The relief g (row, col from 0); A and B are the 0s"),))


def _plateau_relief(rng) -> np.ndarray:
    """A 6 x 6 relief with a few flat patches, so that minima can be plateaus."""
    relief = rng.integers(1, TOP_LEVEL + 1, (GRID, GRID))
    for _ in range(3):
        r, c = rng.integers(0, GRID - 1, 2)
        relief[r:r + 2, c:c + 2] = rng.integers(1, 4)
    return relief


def predict_basins(seed: int) -> Exercise:
    """Predict how many basins a watershed without markers makes (its regional minima)."""
    relief = _plateau_relief(rng_for(seed, "basins"))
    trace = W.flood(relief, None, connectivity=4, max_steps=2)
    truth = int(trace.n_basins)
    return Exercise(
        id="basins", kind="predict", title="How many basins without markers?",
        prompt=("Without markers the watershed floods from every **regional minimum**: a "
                "connected patch of equal level (4-neighbours) whose neighbours are all "
                "higher. **Predict how many basins** the watershed of this relief has, "
                "commit, and segcore floods it."),
        answer=Answer("Number of basins", 1, GRID * GRID, integer=True),
        judge=close_to(truth, 0, reveal=True, fmt="{:.0f}", name="the number of basins"),
        hints=("A single cell lower than its 4 neighbours is a minimum; so is a flat patch "
               "whose border cells are all higher.",
               "Noise makes many small dips: each one is a basin. That is the "
               "over-segmentation markers prevent."),
        solution=(f"The relief has **{truth}** regional minima (flat patches count once), so "
                  f"the watershed without markers makes {truth} basins. On a real image the "
                  "noise makes thousands: smoothing removes some, markers fix it."),
        seed=seed,
        shows=(Show("grid", relief, "The relief g (row, col from 0)"),))


def _snake_points(rng) -> np.ndarray:
    """A closed 5-point snake with distinct integer corners, roughly around a centre."""
    angles = np.sort(rng.uniform(0, 2 * np.pi, SNAKE_POINTS))
    radius = rng.uniform(2.5, SNAKE_SPAN / 2, SNAKE_POINTS)
    centre = SNAKE_SPAN / 2
    points = np.round(np.stack([centre + radius * np.sin(angles),
                                centre + radius * np.cos(angles)], axis=1)).astype(int)
    return np.clip(points, 0, SNAKE_SPAN)


def snake_by_hand(seed: int) -> Exercise:
    """Compute a closed snake's internal energy E_cont + E_curv by hand."""
    rng = rng_for(seed, "snake-energy")
    points = _snake_points(rng)
    alpha = float(rng.choice([0.5, 1.0, 2.0]))
    beta = float(rng.choice([0.1, 0.2, 0.5]))
    energy = AC.snake_energy(points, alpha, beta)
    truth = energy["cont"] + energy["curv"]
    steps = np.roll(points, -1, axis=0) - points
    bends = np.roll(points, -1, axis=0) - 2 * points + np.roll(points, 1, axis=0)
    return Exercise(
        id="snake-energy", kind="compute", title="A snake's internal energy",
        prompt=(f"A closed snake has the {SNAKE_POINTS} points v_0..v_{SNAKE_POINTS - 1} below "
                "(row, col; after the last comes v_0 again). With **alpha = "
                f"{alpha:g}** and **beta = {beta:g}**, compute its internal energy "
                "$E_{int} = \\frac{\\alpha}{2}\\sum_i |v_{i+1} - v_i|^2 + "
                "\\frac{\\beta}{2}\\sum_i |v_{i+1} - 2 v_i + v_{i-1}|^2$."),
        answer=Answer("E_int", 0, 1e6),
        judge=close_to(truth, max(SNAKE_RELATIVE * truth, 0.01), reveal=False, name="E_int"),
        hints=("|v_{i+1} - v_i|^2 is (row difference)^2 + (col difference)^2, for the "
               f"{SNAKE_POINTS} sides including v_{SNAKE_POINTS - 1} -> v_0.",
               "The curvature term uses the second difference v_{i+1} - 2 v_i + v_{i-1} at "
               "every point, with the neighbours taken around the closed curve."),
        solution=(f"Sides: $\\sum |v_{{i+1}}-v_i|^2 = {int((steps ** 2).sum())}$, so "
                  f"$E_{{cont}} = {alpha:g}/2 \\times {int((steps ** 2).sum())} = "
                  f"{fmt(energy['cont'])}$. Second differences: $\\sum |v_{{i+1}} - 2v_i + "
                  f"v_{{i-1}}|^2 = {int((bends ** 2).sum())}$, so $E_{{curv}} = {beta:g}/2 "
                  f"\\times {int((bends ** 2).sum())} = {fmt(energy['curv'])}$. "
                  f"$E_{{int}} = {fmt(truth)}$."),
        seed=seed,
        shows=(Show("table", [{"point": f"v_{i}", "row": int(r), "col": int(c)}
                              for i, (r, c) in enumerate(points)], "The snake's points"),))


def beat_scene(seed: int):
    """The noisy shapes scene of :func:`beat_markers`."""
    return make_scene("shapes", seed=seed, size=BEAT_SIZE, noise=BEAT_NOISE)


def markers_miou(scene, high: float) -> float:
    """mIoU of the marker-controlled watershed with object markers I_sigma >= ``high``
    (background I_sigma <= BEAT_LOW), clusters matched to classes."""
    trace = W.watershed_with_rule(scene.image, "threshold", sigma=BEAT_SIGMA, low=BEAT_LOW,
                                  high=float(high), max_steps=2)
    return score_against_scene(trace.labels, scene, match_clusters=True)["miou"]


def beat_markers(seed: int) -> Exercise:
    """Choose the object-marker threshold t_high so the watershed reaches a target mIoU."""
    scene = beat_scene(seed)
    naive = markers_miou(scene, BEAT_NAIVE)
    best, best_t = max((markers_miou(scene, t), t) for t in BEAT_SCAN)
    target = round(best - BEAT_MARGIN, 3)
    return Exercise(
        id="beat-markers", kind="beat", title="Give every shape a marker",
        prompt=(f"Marker-controlled watershed on this noisy shapes scene: the background "
                f"marker is I <= {BEAT_LOW} (after smoothing, sigma = {BEAT_SIGMA:g}), the "
                f"object markers are the blobs with I >= t_high. With t_high = {BEAT_NAIVE} "
                f"only the brightest shapes get a marker and the mIoU is {naive:.3f}. Find a "
                f"t_high with an mIoU of at least **{target:.3f}**; each check runs the "
                "watershed and scores it against the ground truth."),
        answer=Answer("Your t_high", BEAT_LOW + 1, 255, integer=True),
        judge=reach(lambda t: markers_miou(scene, t), target, name="mIoU", setting="t_high"),
        hints=("The shapes have gray levels 230 (disks), 190 (squares) and 150 (triangles) "
               "on a background of 60: a shape without a marker is flooded by a neighbour.",
               "Too low a t_high lets noisy background blobs become object markers and glues "
               "shapes to them; aim between the background and the darkest shape."),
        solution=(f"Every shape needs its own marker, so t_high must lie below the triangles' "
                  f"150 (minus the noise) and well above the background's 60: of the values "
                  f"{BEAT_SCAN.start}, {BEAT_SCAN.start + BEAT_SCAN.step}, ..., "
                  f"{BEAT_SCAN[-1]}, t_high = {best_t} gives the best mIoU, {best:.3f}."),
        seed=seed, shows=(Show("image", scene.image, "The scene (gray)"),))


EXERCISES = (pass_level, predict_basins, snake_by_hand, beat_markers)
