"""Watershed, snake and morphological Chan-Vese on a 512 x 512 shapes scene.

The default call of the watershed page (markers from a threshold, sigma 1, 16 recorded
steps) is timed against the same work done by the libraries alone: Gaussian
smoothing, the Sobel relief, the threshold markers and
``skimage.segmentation.watershed``, without recording the levels. The
over-segmenting watershed (regional minima as markers) is timed the same way.
The snake is timed against ``skimage.segmentation.active_contour`` (the same
contour; segcore also evaluates the energy terms at every iteration), Chan-Vese
against ``skimage.segmentation.morphological_chan_vese`` (the same level sets;
segcore evaluates the data term only on the border). One BLAS thread, as on the
server.
"""

import numpy as np
from scipy import ndimage
from skimage.filters import sobel
from skimage.segmentation import active_contour, morphological_chan_vese, watershed

from benchmarks.harness import Case
from segcore import threads
from segcore.classical import active_contours as AC
from segcore.classical import watershed as W
from segcore.scenes import make_scene

threads.limit_this_thread()

SIZE = "512 x 512"
PAGE_BUDGET_MS = 100  # DESIGN.md: classical page, default parameters

_scene = make_scene("shapes", seed=0, size=512)
_image = _scene.image
_snake_image = AC.smoothed_image(_image, 3.0)
_start = AC.circle(AC.brightest_point(_image), 0.1 * 512, 100)
_level_image = AC.smoothed_image(_image, 1.0)


def _libraries(markers: bool):
    """What the libraries alone do for the same labels: smooth, relief, markers, flood."""
    smoothed = ndimage.gaussian_filter(_image.astype(np.float64), 1.0)
    relief = np.clip(np.round(sobel(smoothed)), 0, 255).astype(np.uint8)
    if not markers:
        return watershed(relief)
    seeds = np.zeros(relief.shape, np.int32)
    seeds[smoothed <= 90] = 1
    objects, _ = ndimage.label(smoothed >= 130, ndimage.generate_binary_structure(2, 2))
    seeds[objects > 0] = objects[objects > 0] + 1
    return watershed(relief, seeds)


CASES = [
    Case(name="watershed: markers from a threshold (page default: sigma 1, t 90/130, "
              "16 steps)", size=SIZE,
         run=lambda: W.watershed_with_rule(_image, "threshold"),
         reference=lambda: _libraries(True),
         reference_name="gaussian + sobel + markers + skimage watershed",
         budget_ms=PAGE_BUDGET_MS),
    Case(name="watershed: no markers, every regional minimum (sigma 1)", size=SIZE,
         run=lambda: W.watershed_with_rule(_image, "minima"),
         reference=lambda: _libraries(False),
         reference_name="gaussian + sobel + skimage watershed (minima)"),
    Case(name="snake: circle of radius 51 px on the brightest disk (page default)", size=SIZE,
         run=lambda: AC.snake(_snake_image, _start, max_num_iter=1000),
         reference=lambda: active_contour(_snake_image, _start, alpha=0.015, beta=10.0,
                                          gamma=0.001, max_num_iter=1000),
         reference_name="skimage active_contour"),
    Case(name="morphological Chan-Vese: 30 iterations from a checkerboard (page default)",
         size=SIZE, repeat=3,
         run=lambda: AC.chan_vese(_level_image, 30),
         reference=lambda: morphological_chan_vese(_level_image, 30),
         reference_name="skimage morphological_chan_vese"),
]
