"""segcore.classical.threshold next to scikit-image on the 512 x 512 camera image.

Each segcore call returns a full Trace (mask, histogram, criterion curve,
steps); its reference is the scikit-image threshold plus the same mask. The
first case is the issue's bar: segcore's whole Otsu criterion curve
(histogram -> sigma_B^2(t) for every t -> argmax) against scikit-image's
bare ``threshold_otsu``; the ratio column must stay <= 2.
"""

import numpy as np
from skimage import data, filters

from benchmarks.harness import Case
from segcore.classical import threshold as T

_IMAGE = data.camera()
_SIZE = "512 x 512"
_BUDGET_MS = 100.0  # DESIGN.md: classical segcore call at default parameters
_SKIMAGE = {
    "otsu": filters.threshold_otsu,
    "isodata": filters.threshold_isodata,
    "li": filters.threshold_li,
    "mean": filters.threshold_mean,
    "minimum": filters.threshold_minimum,
    "triangle": filters.threshold_triangle,
    "yen": filters.threshold_yen,
}


def _otsu_curve():
    curve = T.otsu_criterion(T.histogram(_IMAGE))
    return int(np.argmax(curve))


def _global_case(name):
    return Case(f"threshold: {name}", _SIZE, lambda: T.threshold(_IMAGE, name),
                lambda: _IMAGE > _SKIMAGE[name](_IMAGE),
                f"image > skimage.filters.threshold_{name}", budget_ms=_BUDGET_MS)


def _try_all_reference():
    return {name: _IMAGE > fn(_IMAGE) for name, fn in _SKIMAGE.items()}


def _magnitude():
    return filters.sobel(_IMAGE.astype(np.float64))


CASES = [
    Case("threshold: otsu criterion curve (histogram, sigma_B^2(t), argmax)", _SIZE, _otsu_curve,
         lambda: filters.threshold_otsu(_IMAGE), "skimage.filters.threshold_otsu (bare)"),
    *[_global_case(name) for name in _SKIMAGE],
    *[Case(f"threshold: multiotsu {k} classes", _SIZE,
           lambda k=k: T.threshold_multiotsu(_IMAGE, k),
           lambda k=k: np.digitize(_IMAGE, filters.threshold_multiotsu(_IMAGE, k), right=True),
           "skimage.filters.threshold_multiotsu + digitize",
           repeat=1 if k == 5 else 7, budget_ms=_BUDGET_MS) for k in (2, 3, 4, 5)],
    *[Case(f"threshold: local {method} block 35", _SIZE,
           lambda method=method: T.threshold_local(_IMAGE, method=method, block_size=35),
           lambda method=method: _IMAGE > filters.threshold_local(_IMAGE, 35, method),
           f"image > skimage.filters.threshold_local({method!r})", budget_ms=_BUDGET_MS)
      for method in ("gaussian", "mean")],
    Case("threshold: niblack window 15 (dark)", _SIZE,
         lambda: T.threshold_niblack(_IMAGE, window_size=15, polarity=T.DARK),
         lambda: _IMAGE <= filters.threshold_niblack(_IMAGE, 15),
         "image <= skimage.filters.threshold_niblack", budget_ms=_BUDGET_MS),
    Case("threshold: sauvola window 15 (dark)", _SIZE,
         lambda: T.threshold_sauvola(_IMAGE, window_size=15, polarity=T.DARK),
         lambda: _IMAGE <= filters.threshold_sauvola(_IMAGE, 15),
         "image <= skimage.filters.threshold_sauvola", budget_ms=_BUDGET_MS),
    Case("threshold: hysteresis on sobel 10 / 30", _SIZE,
         lambda: T.hysteresis(_IMAGE, 10, 30),
         lambda: filters.apply_hysteresis_threshold(_magnitude(), 10, 30),
         "apply_hysteresis_threshold(sobel(image))", budget_ms=_BUDGET_MS),
    Case("threshold: try_all (7 global methods)", _SIZE, lambda: T.try_all(_IMAGE),
         _try_all_reference, "the 7 skimage thresholds + masks", budget_ms=_BUDGET_MS),
]
