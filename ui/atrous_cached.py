"""Cached computations of the atrous-convolution page.

The decorated functions live in a module, not in the page script, so the
``st.cache_*`` decorators run once at import instead of on every rerun (each
run of a decorator reads the function's source to build its key). Arrays that
``key`` already identifies (the picked image, its ground truth) are passed as
``_``-prefixed arguments, which Streamlit does not hash. Figures are cached as
shared read-only objects: ``st.cache_data`` would unpickle, and so re-validate,
every plotly figure on each rerun (about 10 ms a figure).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import streamlit as st

from segcore.deep import atrous as A
from segcore.deep import crf
from segcore.evaluation.scoring import score_against_scene
from ui import atrous_figs as figs
from ui import overlay
from ui.caching import CACHE

__all__ = ["signal", "taps", "tap_png", "receptive", "footprints", "aspp_run", "aspp_figures",
           "crf_run", "crf_curve", "ZOOM_WINDOW", "ZOOM"]

FIGURES = dict(max_entries=32, ttl=3600, show_spinner=False)
CRF_CACHE = dict(max_entries=8, ttl=3600, show_spinner=False)  # ~1.5 MB an entry
DIFFERENCE = np.array([-1.0, 0.0, 1.0])  # the 1-D demo kernel
ZOOM_WINDOW = 96  # pixels around the image centre shown with the receptive field
ZOOM = 4
CRF_SEED = 0  # noise of the simulated network (the scene seed varies the scene itself)


@st.cache_resource(**FIGURES)
def signal(key: str, _image: np.ndarray, r: int) -> dict:
    """The middle image row and its dilated difference at rate r."""
    row = _image[_image.shape[0] // 2].astype(np.float64)
    if A.receptive_field_size([A.Layer(3, r)]) > row.size:
        raise ValueError(f"Rate {r} is too large for a row of {row.size} pixels.")
    trace = A.dilated_conv1d(row, DIFFERENCE, rate=r)
    return {"fig": figs.signal_plot(row, trace.y, r),
            "grid": figs.sampling_grid(A.sampling_offsets(3, r), r)}


def _tap_trace(image: np.ndarray, r: int):
    return A.dilated_conv2d(image / 255.0, A.ASPP_KERNELS["center-surround"], rate=r, padding=r)


@st.cache_data(**CACHE)
def taps(key: str, _image: np.ndarray, r: int) -> list:
    """Steps (names and captions, no arrays) of the centre-surround kernel at rate r, tap by tap."""
    return [replace(s, data=None) for s in _tap_trace(_image, r).steps]


@st.cache_data(**CACHE)
def tap_png(key: str, _image: np.ndarray, r: int, i: int) -> bytes:
    """The partial sum after tap i as a PNG: only the tap a student looks at is drawn (nine
    shifted additions are cheaper to redo than nine pictures to encode on every rate)."""
    return figs.png(figs.signed_image(_tap_trace(_image, r).steps[i].data))


@st.cache_resource(**FIGURES)
def receptive(stack_name: str) -> dict:
    """Influence maps of the stack, their figures, and the RF curves of every preset."""
    trace = A.receptive_field(A.PRESETS[stack_name])
    heatmaps = [figs.influence_heatmap(s.data, int(s.metrics["rf"]), s.name) for s in trace.steps]
    curves = {name: [A.receptive_field_size(lay[:i + 1]) for i in range(len(lay))]
              for name, lay in A.PRESETS.items()}
    return {"trace": trace, "heatmaps": heatmaps, "growth": figs.rf_growth(curves, stack_name)}


@st.cache_data(**CACHE)
def footprints(key: str, _image: np.ndarray, stack_name: str) -> list[bytes]:
    """Each layer's influence footprint over a zoomed window at the image centre (PNG)."""
    trace = receptive(stack_name)["trace"]
    side = min(ZOOM_WINDOW, *_image.shape[:2])
    top, left = _image.shape[0] // 2 - side // 2, _image.shape[1] // 2 - side // 2
    window = _image[top:top + side, left:left + side]
    views = []
    for step in trace.steps:
        foot = step.data > 0
        n = foot.shape[0]
        mask = np.zeros(window.shape[:2], bool)
        ys, xs = np.nonzero(foot)
        ys, xs = ys + side // 2 - n // 2, xs + side // 2 - n // 2
        keep = (ys >= 0) & (ys < side) & (xs >= 0) & (xs < side)
        mask[ys[keep], xs[keep]] = True
        zoomed = np.repeat(np.repeat(overlay.mask_overlay(window, mask, alpha=0.85), ZOOM, 0),
                           ZOOM, 1)
        views.append(figs.png(zoomed))
    return views


@st.cache_data(**CACHE)
def aspp_run(key: str, _image: np.ndarray, rates: tuple, kernel: str, stride: int,
             level: float, bold: bool = False) -> dict:
    """ASPP branches and the first-rate map as overlay (``bold``: presentation style)."""
    start = time.perf_counter()
    trace = A.aspp(_image, rates=rates, kernel=kernel, output_stride=stride, level=level)
    wall_ms = (time.perf_counter() - start) * 1000
    return {"trace": trace, "wall_ms": wall_ms,
            "overlay": figs.png(overlay.overlay(_image, trace.labels, alpha=0.55, bold=bold)),
            "branches": [figs.png(figs.response_image(s.data)) for s in trace.steps[:len(rates)]],
            "reach": figs.png(overlay.colorize(trace.reach, skip_zero=True))}


@st.cache_resource(**FIGURES)
def aspp_figures(key: str, _image: np.ndarray, rates: tuple, stride: int, share: tuple,
                 none_share: float) -> dict:
    """The sampling pattern of every branch over the image, and the first-rate shares."""
    offsets = [A.sampling_offsets(3, r) for r in rates]
    return {"pattern": figs.aspp_pattern(_image, rates, stride, offsets),
            "bars": figs.share_bars(rates, np.array(share), none_share)}


@st.cache_data(**CRF_CACHE)
def crf_run(key: str, _image: np.ndarray, _scene, factor: int, noise: float, iterations: int,
            w_spatial: float, w_bilateral: float, bold: bool = False) -> dict:
    """Simulated coarse network -> dense CRF; overlays per step; reports before/after.

    ``bold`` draws the overlays in the presentation style (:mod:`ui.overlay`).

    A scene with VOID is scored like COCO (:func:`score_against_scene`): VOID pixels are
    neither predicted (the network has no VOID class) nor counted.
    """
    args = {"factor": factor, "noise": noise, "iterations": iterations, "w_spatial": w_spatial,
            "w_bilateral": w_bilateral, "random_state": CRF_SEED}
    start = time.perf_counter()
    result = crf.scene_crf(_image, _scene, **args)
    wall_ms = (time.perf_counter() - start) * 1000
    trace, shift = result.trace, result.shift
    slim = replace(trace, output={"labels": trace.labels, "initial": trace.initial})  # no q
    return {"trace": slim, "wall_ms": wall_ms, "void_ignored": _scene.has_void,
            "labels": result.labels, "args": args,  # what the export's snippet repeats
            "views": [figs.png(overlay.overlay(_image, s.data + shift, alpha=0.6, bold=bold))
                      for s in trace.steps],
            "before": score_against_scene(result.initial, _scene),
            "after": score_against_scene(result.labels, _scene)}


@st.cache_resource(**FIGURES)
def crf_curve(mious: tuple) -> object:
    """mIoU per mean-field iteration."""
    return figs.miou_curve(list(mious))
