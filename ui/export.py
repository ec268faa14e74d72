"""Export of a lecture page's result: the label map, the overlay, the settings and the code.

Every lecture page calls :func:`export_panel` once, after its metrics. The
panel (a collapsed expander) offers four downloads:

- ``<page>-labels.png``: the label map, values = class ids exactly (uint8 PNG
  when the largest id is below 256, else 16-bit PNG; lossless);
- ``<page>-overlay.png``: the result drawn over the image;
- ``<page>.json``: the page, the URL query of this demo, the parameters, the
  metrics (nan -> null) and the image source;
- ``<page>.py``: a short snippet (:mod:`ui.snippets`) that rebuilds the input
  with segcore, runs the same segcore calls with the same parameters and
  leaves a numpy array ``labels`` equal to the decoded label PNG, value and
  dtype. It is also shown with ``st.code``.

The downloads are deferred (``st.download_button`` with a callable): a
normal rerun encodes no PNG and no JSON; the work happens on a click.

Which label map each page exports:

=====================  ====================================================
page                   label map
=====================  ====================================================
thresholding           the mask as 0/1; multi-Otsu: the class labels 0..k-1
region growing         the final regions (after merging when it is on),
                       0 = not grown
split and merge        the merged regions; the lecture predicate: its mask
                       g(x, y) as 0/1
watershed              the current view: the watershed basins (0 = watershed
                       line), the inside of the snake (0/1), the Chan-Vese
                       region (0/1)
clustering             the cluster labels of the chosen method
graph cuts             the current view: Ncut side (0/1, image size),
                       HCS clusters (image size), recursive Ncut regions,
                       max-flow mask (0/1); the HCS lecture graph has none
FCN upsampling         the predicted class map of the chosen network
atrous convolution     with a scene: the CRF-refined segmentation in the
                       scene's class ids (what the metrics score); without
                       one: the ASPP map of the first rate that responds
Mask R-CNN             instance ids: 0 = background, k + 1 = detection k
                       (detections in score order, higher scores on top)
panoptic quality       the predicted segment-id map that PQ scores
=====================  ====================================================

The latest export of the running page is kept in session state under
``state.widget_key("export")``: the page's label array itself (no copy), the
snippet text and the label, JSON and code download callables (no encoded
bytes, no overlay). The JSON's query is the URL as it stands when the panel is
drawn: every control the label map depends on is drawn before the panel.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import numpy as np
import streamlit as st
from PIL import Image

from ui import figures, state
from ui import overlay as overlays

__all__ = [
    "EXPORT_KEY",
    "decode_labels",
    "encode_labels",
    "export_panel",
    "label_array",
    "label_dtype",
    "to_json",
]

EXPORT_KEY = "export"
"""Page-local session-state key (``state.widget_key(EXPORT_KEY)``) of the latest export."""


def label_dtype(labels) -> np.dtype:
    """The dtype a label map is exported with: uint8 when it fits, else uint16.

    Raises
    ------
    ValueError
        If the map is not a 2-D integer or boolean array with ids in 0..65535.

    Examples
    --------
    >>> label_dtype(np.array([[0, 3]])).name, label_dtype(np.array([[0, 300]])).name
    ('uint8', 'uint16')
    """
    arr = np.asarray(labels)
    if arr.ndim != 2 or (arr.dtype != bool and arr.dtype.kind not in "iu"):
        raise ValueError(f"a label map must be a 2-D integer array, got {arr.dtype} of shape "
                         f"{arr.shape}")
    if arr.dtype == bool or arr.size == 0:
        return np.dtype(np.uint8)
    low, high = int(arr.min()), int(arr.max())
    if low < 0 or high > np.iinfo(np.uint16).max:
        raise ValueError(f"label ids from {low} to {high} do not fit a PNG (0 to 65535)")
    return np.dtype(np.uint8 if high <= np.iinfo(np.uint8).max else np.uint16)


def label_array(labels) -> np.ndarray:
    """The label map with its export dtype (:func:`label_dtype`), values unchanged."""
    return np.asarray(labels).astype(label_dtype(labels))


def encode_labels(labels) -> bytes:
    """Lossless PNG of a label map: 8-bit gray, or 16-bit gray when an id exceeds 255."""
    buf = io.BytesIO()
    Image.fromarray(label_array(labels)).save(buf, format="PNG")
    return buf.getvalue()


def decode_labels(data: bytes) -> np.ndarray:
    """Read a label PNG written by :func:`encode_labels` back (uint8 or uint16)."""
    with Image.open(io.BytesIO(data)) as image:
        arr = np.asarray(image)
        wide = image.mode.startswith("I")
    return arr.astype(np.uint16 if wide else np.uint8)


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready Python: numpy to lists and scalars, nan and inf to None."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def to_json(payload: Mapping) -> str:
    """Pretty JSON of ``payload``; nan and infinities become ``null`` (strict JSON).

    Examples
    --------
    >>> to_json({"miou": float("nan"), "k": np.int64(3)}).replace("\\n", "").replace(" ", "")
    '{"miou":null,"k":3}'
    """
    return json.dumps(_plain(payload), indent=2, allow_nan=False)


def _page_name(key: str) -> str:
    return key.rsplit(":", 1)[0] if ":" in key else "seglab"


def _overlay_png(picked, labels, drawn) -> Callable[[], bytes]:
    """The overlay download: the page's picture when given (array or PNG), else drawn here."""
    def make() -> bytes:
        if isinstance(drawn, bytes):
            return drawn
        if drawn is not None:
            return figures.png(drawn)
        return figures.png(overlays.overlay(picked.image, label_array(labels), alpha=0.5))
    return make


def _settings(page: str, picked, labels, params, metrics, query: dict) -> Callable[[], str]:
    def make() -> str:
        url = f"/{page}?{urlencode(query, safe=':;')}"
        return to_json({"page": page, "url": url, "query": query,
                        "image": {"source": picked.key, "title": picked.title,
                                  "shape": list(picked.image.shape)},
                        "params": params, "metrics": metrics,
                        "label_map": {"file": f"{page}-labels.png", "shape": list(labels.shape),
                                      "dtype": label_dtype(labels).name}})
    return make


def export_panel(picked, labels, snippet: str, params: Mapping, metrics: Mapping | None = None,
                 overlay=None) -> None:
    """The export expander: label PNG, overlay PNG, settings JSON and the Python snippet.

    Parameters
    ----------
    picked : ui.picker.Picked
        The page's image (source and overlay background).
    labels : (H, W) integer or bool ndarray
        The label map the page shows (kept as is, not copied).
    snippet : str
        Code from :mod:`ui.snippets` that leaves the same map in ``labels``;
        the line giving it the export dtype is appended here.
    params : mapping
        The parameters of the segcore call(s), for the JSON.
    metrics : mapping, optional
        The metrics the page shows (nan becomes null in the JSON).
    overlay : ndarray or bytes, optional
        The page's result picture (RGB array or PNG); default: ``labels`` over the image.
    """
    key = state.widget_key(EXPORT_KEY)
    page = _page_name(key)
    try:
        dtype = label_dtype(labels)
    except ValueError as err:
        st.warning(f"This result cannot be exported as a label map: {err}.")
        return
    code = (snippet + f"labels = np.asarray(labels).astype(np.{dtype.name})"
            "  # the exported PNG's values and dtype\n")
    files = {"labels": lambda: encode_labels(labels),
             "json": _settings(page, picked, labels, params, metrics, st.query_params.to_dict()),
             "code": lambda: code}
    st.session_state[key] = {"labels": labels, "snippet": code, "files": files}  # no overlay
    files = {**files, "overlay": _overlay_png(picked, labels, overlay)}
    with st.expander("Export: label map, overlay, settings and the code that reproduces it",
                     icon=":material/download:"):
        cols = st.columns(4)
        for col, (name, label, suffix, mime) in zip(cols, (
                ("labels", "Label map (PNG)", "-labels.png", "image/png"),
                ("overlay", "Overlay (PNG)", "-overlay.png", "image/png"),
                ("json", "Settings + metrics (JSON)", ".json", "application/json"),
                ("code", "Python snippet (.py)", ".py", "text/x-python"))):
            col.download_button(label, data=files[name], file_name=page + suffix, mime=mime,
                                on_click="ignore", key=f"export_{name}", width="stretch")
        st.caption(f"Label map: {labels.shape[1]} x {labels.shape[0]}, {dtype.name} PNG, pixel "
                   "value = class id. Run the snippet from the SegLab repository root: it "
                   "rebuilds the input and leaves the same array in `labels`.")
        st.code(code, language="python")
