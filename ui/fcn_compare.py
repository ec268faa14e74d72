"""The FCN-upsampling page's "four ways to upsample" panel: cached comparison and figures.

A 16 x 16 crop of the image (the busiest one) is average-pooled by :data:`FACTOR`
and brought back with nearest, bilinear, a transposed convolution (the page's
k, s, p and kernel weights) and max unpooling
(:func:`segcore.deep.upsampling.compare_methods`). The decorated functions live
in a module, as in :mod:`ui.atrous_cached`, so the decorators run once at import.
Figures are cached as shared objects (st.cache_resource): unpickling a cached
go.Figure re-validates its whole template (~40 ms each).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from segcore.deep import upsampling as U
from ui import fcn_figs as figs
from ui.caching import CACHE

__all__ = ["CROP", "FACTOR", "METHOD_TITLES", "comparison", "comparison_figures",
           "stamp_figure"]

FIGURES = dict(max_entries=64, ttl=3600, show_spinner=False)
CROP = 16                                     # side of the upsampling-comparison crop
FACTOR = 2                                    # its down/upsampling factor
METHOD_TITLES = {"nearest": "nearest", "bilinear": "bilinear", "transposed": "transposed conv",
                 "unpooling": "max unpooling"}


@st.cache_data(**CACHE)
def comparison(key: str, image: np.ndarray, k: int, s: int, p: int, init: str) -> dict:
    """The four upsampling methods on the busiest 16 x 16 crop, and the stamping trace."""
    top, left = U.busiest_crop(image.astype(np.float64), CROP)
    crop = image[top:top + CROP, left:left + CROP].astype(np.float64)
    trace = U.compare_methods(crop, FACTOR, kernel_size=k, stride=s, padding=p, init=init)
    stamps = U.transposed_conv2d(trace.coarse, trace.kernel, s, p)
    pooled = U.max_pool_switches(crop, FACTOR)
    zmax = max(255.0, *(float(v.max()) for v in trace.outputs.values()))
    return {"trace": trace, "corner": (top, left), "crop": crop, "stamps": stamps,
            "pooled": pooled, "zmax": zmax}


@st.cache_resource(**FIGURES)
def comparison_figures(key: str, image: np.ndarray, k: int, s: int, p: int, init: str) -> dict:
    """Pixel-grid figures of the comparison, the stamp coverage and the switches."""
    c = comparison(key, image, k, s, p, init)
    trace, pooled = c["trace"], c["pooled"]
    maps = {"crop 16 x 16": c["crop"], "avg-pooled 8 x 8": trace.coarse}
    maps.update({METHOD_TITLES[m]: v for m, v in trace.outputs.items()})
    return {"grid": figs.pixel_grid_figure(maps, c["zmax"]),
            "coverage": figs.coverage_figure(trace.coverage),
            "switches": figs.pixel_grid_figure(
                {"max-pooled 8 x 8": pooled.pooled,
                 "switches": pooled.steps[0].data["switches"] * 255.0,
                 "unpooled 16 x 16": trace.outputs["unpooling"]}, 255.0)}


@st.cache_resource(**FIGURES)
def stamp_figure(key: str, image: np.ndarray, k: int, s: int, p: int, init: str, i: int):
    """The output canvas after the i-th recorded stamp."""
    c = comparison(key, image, k, s, p, init)
    return figs.pixel_grid_figure({"output canvas": c["stamps"].steps[i].data}, c["zmax"],
                                  height=300)
