"""The shared image picker: bundled samples, synthetic scenes with ground truth, uploads.

It lives in the sidebar of every lecture page. The choice persists across
pages (kept in ``st.session_state`` under keys no widget owns, because
Streamlit forgets a widget's state on pages that do not draw it) and is
mirrored in the URL as ``src`` (``sample:coins``, ``scene:shapes``) plus the
scene's ``seed`` and ``noise``. Uploads are decoded in memory by
:func:`segcore.images.load_image`; a file it cannot use shows the reason in
plain words and the page falls back to the previous image.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import streamlit as st

from segcore import images, scenes
from segcore.scenes import Scene
from ui import figures, overlay, state

__all__ = ["Picked", "image_picker", "source_options"]

UPLOAD = "upload"
SCENE_SIZE = 256
_KEEP = "_picker_keep"  # persistent copy of the picker's choice


@dataclass(frozen=True)
class Picked:
    """The image a page works on.

    Parameters
    ----------
    key : str
        Stable identity of the image (for caches): source plus scene parameters
        or the upload's SHA-256.
    title : str
        Human-readable name.
    image : ndarray
        uint8 (H, W) gray or (H, W, 3) RGB.
    scene : Scene or None
        The synthetic scene with its ground truth, ``None`` for samples and uploads.
    """

    key: str
    title: str
    image: np.ndarray
    scene: Scene | None = None

    @property
    def gray(self) -> np.ndarray:
        """The image as uint8 (H, W)."""
        return images.to_gray(self.image)

    @property
    def has_ground_truth(self) -> bool:
        """True for synthetic scenes."""
        return self.scene is not None


def source_options() -> list[str]:
    """Every picker source: ``scene:<name>``, ``sample:<key>`` and ``upload``."""
    return ([f"scene:{name}" for name in scenes.SCENES]
            + [f"sample:{key}" for key in images.SAMPLES] + [UPLOAD])


def _label(source: str) -> str:
    if source == UPLOAD:
        return "Upload your own image"
    kind, name = source.split(":", 1)
    if kind == "scene":
        return f"Scene: {scenes.SCENES[name].title} (ground truth)"
    return f"Sample: {images.SAMPLES[name].title}"


@st.cache_data(max_entries=24, ttl=3600, show_spinner=False)
def _scene(name: str, seed: int, noise: float) -> Scene:
    return scenes.make_scene(name, seed=seed, size=SCENE_SIZE, noise=noise)


@st.cache_data(max_entries=16, ttl=3600, show_spinner=False)
def _sample(key: str) -> np.ndarray:
    return images.load_sample(key)


@st.cache_data(max_entries=8, ttl=3600, show_spinner=False)
def _decode(data: bytes) -> np.ndarray:
    return images.load_image(data)


def _restore(options: list[str], default: str) -> None:
    """Put the persisted choice back into the widget keys before the widgets are drawn."""
    kept = st.session_state.get(_KEEP, {})
    for key in ("src", "seed", "noise", "gt"):
        if key not in st.session_state and key in kept and state.get_query(key) is None:
            st.session_state[key] = kept[key]
    if st.session_state.get("src") not in options + [None]:
        st.session_state["src"] = default


def _upload(sidebar) -> Picked | None:
    file = sidebar.file_uploader("Image file (PNG, JPEG, TIFF, BMP, WebP, GIF)", key="upload_file")
    if file is not None:
        data = file.getvalue()
        digest = hashlib.sha256(data).hexdigest()[:16]
        try:
            image = _decode(data)
        except ValueError as err:
            sidebar.error(f"Could not use {file.name!r}: {err}")
        else:
            st.session_state["_picker_upload"] = Picked(f"upload:{digest}", file.name, image)
    kept = st.session_state.get("_picker_upload")
    if kept is None:
        sidebar.info("No usable upload yet: showing the default image meanwhile.")
    return kept


def image_picker(default: str = "scene:shapes", sources: list[str] | None = None) -> Picked:
    """Draw the sidebar picker and return the chosen image.

    Parameters
    ----------
    default : str
        Source used when the student has not chosen one yet, e.g. ``"sample:coins"``.
    sources : list of str, optional
        Restrict the choice (e.g. only ``["scene:street"]`` on the panoptic page).

    Returns
    -------
    Picked
    """
    options = sources or source_options()
    if default not in options:
        raise ValueError(f"default source {default!r} is not among {options}")
    _restore(options, default)
    side = st.sidebar
    side.header("Image")
    source = state.select("Image source", "src", options, default, format_func=_label,
                          container=side)
    picked = None
    if source.startswith("scene:"):
        name = source.split(":", 1)[1]
        info = scenes.SCENES[name]
        seed = state.slider("Scene seed", "seed", 0, 99, 0, container=side)
        noise = state.slider("Noise (sd / 255)", "noise", 0.0, 0.5, float(info.default_noise),
                             step=0.01, container=side)
        scene = _scene(name, seed, noise)
        picked = Picked(f"scene:{name}:seed={seed}:noise={noise:g}", info.title, scene.image, scene)
        side.caption(info.description)
    elif source.startswith("sample:"):
        key = source.split(":", 1)[1]
        picked = Picked(source, images.SAMPLES[key].title, _sample(key))
        side.caption(images.SAMPLES[key].why)
    else:
        picked = _upload(side)
    if picked is None:
        picked = Picked(default, _label(default), *_default_image(default))
    _show_thumbnail(side, picked)
    st.session_state[_KEEP] = {k: st.session_state[k] for k in ("src", "seed", "noise", "gt")
                               if k in st.session_state}
    return picked


def _default_image(default: str) -> tuple[np.ndarray, Scene | None]:
    kind, name = default.split(":", 1)
    if kind == "scene":
        scene = _scene(name, 0, float(scenes.SCENES[name].default_noise))
        return scene.image, scene
    return _sample(name), None


@st.cache_data(max_entries=24, ttl=3600, show_spinner=False)
def _thumbnail_png(key: str, show_gt: bool, _picked: Picked) -> bytes:
    """The sidebar picture as PNG bytes, cached by the image key (``st.image`` would
    otherwise re-encode the array on every rerun of every page)."""
    image = _picked.image
    if show_gt:
        scene = _picked.scene
        labels = scene.semantic
        if scene.instances is not None:
            labels = np.where(scene.instances > 0, scene.instances + labels.max(), labels)
        image = overlay.overlay(image, labels, alpha=0.6)
    return figures.png(image)


def _show_thumbnail(side, picked: Picked) -> None:
    show_gt = False
    if picked.scene is not None:
        show_gt = state.checkbox("Show ground truth", "gt", False, container=side)
        if show_gt:
            side.caption("Ground truth: " + ", ".join(picked.scene.class_names))
    side.image(_thumbnail_png(picked.key, show_gt, picked),
               caption=f"{picked.title} ({picked.image.shape[1]} x {picked.image.shape[0]})",
               width="stretch")
