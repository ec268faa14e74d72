"""Clustering: feature spaces, k-means step by step, alternatives, metrics after matching."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

import ui.process  # noqa: F401 - first project import: warms the process up once
from segcore.evaluation.scoring import score_against_scene
from segcore.classical import clustering as clu
from segcore.classical import features as feat
from ui import cluster_figs as figs
from ui import cluster_formulas, cluster_search
from ui import challenge, export, panels, picker, player, present, presets, snippets, state
from ui.caching import CACHE
from ui.figures import plain, png

SPACE_LABELS = {
    "intensity": "Intensity (1D)",
    "rgb": "Colour: RGB (3D)",
    "lab": "Colour: CIELAB (3D)",
    "texture": "Texture: filter bank (30D)",
}
METHOD_LABELS = {
    "kmeans": "k-means (step by step)",
    "meanshift": "Mean shift",
    "gmm": "Gaussian mixture (EM, soft)",
    "agglomerative": "Agglomerative (Ward, pixel-grid graph)",
    "dbscan": "DBSCAN",
}
WITH_K = ("kmeans", "gmm", "agglomerative")
MAX_K = 12
ELBOW_KS = range(1, 11)
MAX_FEATURE_MAPS = 8

panels.page_header(
    "Clustering",
    "Describe every pixel by a feature vector (its gray level, its colour, how a bank of filters "
    "responds around it, optionally where it is) and group similar vectors. **What you cluster "
    "matters more than how**: k-means on intensity is only vector quantisation of gray levels and "
    "ignores space, so two textures with the same brightness fall into the same clusters, while "
    "texture features or the position (x, y) change what counts as similar.")
formula_box = st.container()
picked = picker.image_picker(default="scene:street")
image = picked.image


# ----------------------------------------------------------------- cached computations
@st.cache_data(**CACHE)
def compute(key: str, image: np.ndarray, params: tuple) -> dict:
    """Features + clustering for one image and parameter set (cached); time the call."""
    start = time.perf_counter()
    trace = clu.cluster_image(image, **dict(params))
    return {"trace": trace, "wall_ms": (time.perf_counter() - start) * 1000}


@st.cache_data(**CACHE)
def elbow_curve(key: str, image: np.ndarray, space: str, position_weight: float) -> dict:
    """k-means SSE for k = 1..10 in the chosen feature space (cached)."""
    features = feat.pixel_features(image, space, position_weight=position_weight)
    return clu.elbow(features.values, ELBOW_KS)


@st.cache_data(**CACHE)
def elbow_chart(key: str, image: np.ndarray, space: str, position_weight: float, k: int) -> dict:
    """The elbow figure with the chosen k marked, as a plain dict (cached: a rerun only draws it)."""
    curve = elbow_curve(key, image, space, position_weight)
    return plain(figs.elbow_figure(curve["k"], curve["sse"], k))


@st.cache_data(**CACHE)
def feature_maps(key: str, image: np.ndarray, space: str, position_weight: float) -> list:
    """Up to eight standardised feature maps as (PNG bytes, name), evenly spread over the features."""
    features = feat.pixel_features(image, space, position_weight=position_weight)
    picks = np.unique(np.linspace(0, features.dim - 1, min(features.dim, MAX_FEATURE_MAPS)).round())
    return [(png(figs.feature_picture(features.values[:, j].reshape(features.shape))), features.names[j])
            for j in picks.astype(int)]



def _raw_intensity(out: dict, centroids: np.ndarray) -> np.ndarray:
    """Intensity column of standardised centroids, back in gray levels."""
    return centroids[:, 0] * out["feature_scale"][0] + out["feature_mean"][0]


def _is_1d(out: dict) -> bool:
    return out["feature_names"] == ("intensity",)


def _view_names(out: dict) -> list[str]:
    names, dim = out["feature_names"], out["view_points"].shape[1]
    if len(names) <= 3:
        return list(names)
    return [f"PC{i + 1} ({100 * v:.0f}% var.)" for i, v in zip(range(dim), out["view_explained"])]


def _feature_figure(out: dict, gray: np.ndarray, labels: np.ndarray, n_clusters: int,
                    centroids: np.ndarray | None, trail: np.ndarray | None, method: str,
                    dims: int) -> dict:
    """The teaching plot: 1D histogram with boundaries, or the (PCA) scatter with centroids
    on the first ``dims`` (2 or 3) view axes."""
    if _is_1d(out):
        raw = None if centroids is None else _raw_intensity(out, centroids)
        bounds = figs.boundaries_1d(raw) if raw is not None and method == "kmeans" else ()
        return plain(figs.histogram_figure(gray, labels, n_clusters, centroids=raw, boundaries=bounds))
    points = out["view_points"][:, :dims]
    view_labels = labels.ravel()[out["view_index"]]
    projected = None if centroids is None else figs.project(centroids, out)[..., :dims]
    path = None if trail is None else figs.project(trail, out)[..., :dims]
    return plain(figs.scatter_figure(points, view_labels, _view_names(out)[:dims],
                                      centroids=projected, trail=path))


def _n_clusters(out: dict) -> int:
    return max(int(out["labels"].max()) + 1, len(out["centroids"]))


@st.cache_data(**CACHE)
def result_view(key: str, image: np.ndarray, gray: np.ndarray, params: tuple, cluster: int,
                bold: bool) -> dict:
    """Overlay, one cluster's mask and the GMM probability map (PNG bytes)."""
    trace = compute(key, image, params)["trace"]
    out = trace.output
    view = {"overlay": png(figs.label_picture(image, out["labels"], bold=bold)),
            "cluster": png(figs.cluster_picture(image, out["labels"], cluster))}
    if "probabilities" in out:
        view["probability"] = png(figs.probability_picture(out["probabilities"][..., cluster]))
    return view


@st.cache_data(**CACHE)
def step_view(key: str, image: np.ndarray, gray: np.ndarray, params: tuple, index: int,
              dims: int, bold: bool) -> dict:
    """Picture and feature-space figure of one recorded step (cached per step)."""
    trace = compute(key, image, params)["trace"]
    out, method = trace.output, dict(params)["method"]
    step = trace.steps[index]
    labels = step.data["labels"].astype(np.int64)
    centroids = step.data.get("centroids") if isinstance(step.data, dict) else None
    trail = None
    if centroids is not None:
        trail = np.stack([s.data["centroids"] for s in trace.steps[: index + 1]])
    elif index == len(trace.steps) - 1:
        centroids = out["centroids"]
    view = {"picture": png(figs.label_picture(image, labels, bold=bold)),
            "figure": _feature_figure(out, gray, labels, _n_clusters(out), centroids, trail, method,
                                      dims)}
    if method == "kmeans":
        view["sse"] = plain(figs.sse_figure(out["sse_curve"], current=step.index))
    return view


# ----------------------------------------------------------------- controls
controls = st.container(border=True)
c1, c2, c3 = controls.columns(3)
space = state.select("Feature space", "space", list(feat.FEATURE_SPACES), "rgb",
                     format_func=SPACE_LABELS.get, container=c1)
position_weight = state.slider("Position weight lambda (x, y)", "lam", 0.0, 3.0, 0.0, step=0.1,
                               container=c1, help="0: position ignored. Larger: clusters become "
                               "spatially compact blobs.")
method = state.select("Method", "method", list(clu.METHODS), "kmeans", format_func=METHOD_LABELS.get,
                      container=c2)
params: dict = {"space": space, "method": method, "position_weight": float(position_weight)}
if method in WITH_K:
    params["n_clusters"] = state.slider("Clusters k", "k", 1, MAX_K, 5, container=c2)
if method == "kmeans":
    params["init"] = state.select("Initialisation", "init", list(clu.INITS), "k-means++", radio=True,
                                  container=c3, advanced=True)
    params["n_init"] = state.slider("Restarts (lowest SSE kept)", "restarts", 1, 5, 1, container=c3,
                                    advanced=True)
elif method == "meanshift":
    params["bandwidth"] = state.slider("Bandwidth h (std. units)", "bw", 0.1, 6.0, 1.0, step=0.05,
                                       container=c3)
elif method == "dbscan":
    params["eps"] = state.slider("eps (std. units)", "eps", 0.02, 2.0, 0.3, step=0.02, container=c3)
    params["min_samples"] = state.slider("min_samples", "minpts", 2, 50, 10, container=c3)
if method != "agglomerative":
    params["random_state"] = state.slider("Random seed", "rs", 0, 99, 0, container=c3,
                                          advanced=True)
key_params = tuple(sorted(params.items()))

run = None
with panels.user_errors():
    run = compute(picked.key, image, key_params)
if run is None:
    st.stop()
trace = run["trace"]
out = trace.output
labels = out["labels"]
k_found = _n_clusters(out)
panels.show_warnings(trace)
scene = picked.scene
gray = picked.gray
names = out["feature_names"]
if space == "texture":
    used = (f"{len(names)} features: local energy of first (d1) and second (d2) Gaussian "
            "derivatives at 0/45/90/135 deg, LoG and Gaussian, each at sigma = 1, 2, 4 px")
    used += " + x, y" if position_weight > 0 else ""
else:
    used = f"{len(names)} feature(s): " + ", ".join(names)
controls.caption(f"Features used (standardised, position times lambda = {position_weight:g}): {used}.")


# ----------------------------------------------------------------- formula panel (live)
with formula_box:
    panels.formula_panel(*cluster_formulas.formulas(trace, method, space, position_weight, params))


# ----------------------------------------------------------------- result + teaching plot
st.subheader("Result")
show_max = max(k_found, 2)
has_probability = "probabilities" in out
n_cols = 3 if has_probability else 2
show = min(state.slider("Cluster to show", "show", 1, show_max, 1, container=st.columns(n_cols)[1]),
           k_found)
cols = st.columns(n_cols)
view = result_view(picked.key, image, gray, key_params, show - 1, present.is_on())
cols[0].image(view["overlay"], width="stretch",
              caption=f"{k_found} clusters in palette colours ({METHOD_LABELS[method]}).")
cols[1].image(view["cluster"], width="stretch",
              caption=f"k = {k_found}, cluster {show}: its pixels, everything else black "
                      f"({int((labels == show - 1).sum()):,} pixels).")
if has_probability:
    cols[2].image(view["probability"], width="stretch",
                  caption=f"Soft assignment p(component {show} | x): white = 1.")


# ----------------------------------------------------------------- metrics
report = None if scene is None else score_against_scene(labels, scene, match_clusters=True)
panels.metrics_panel(report, run["wall_ms"])
if scene is not None:
    st.caption("Clusters have no class names: each is matched to a ground-truth class by the "
               "Hungarian algorithm (extra clusters go to the class they overlap most).")
export.export_panel(picked, labels, snippets.clustering(picked, params), params, report,
                    view["overlay"])


# ----------------------------------------------------------------- step player
st.subheader("Feature space, step by step")
if trace.truncated:
    st.caption(f"{trace.total_steps} iterations ran; {len(trace.steps)} evenly spaced ones are kept.")
view_dims = 2
if _is_1d(out):
    st.caption("Histogram of the gray levels, coloured by cluster. In 1D, k-means cuts the gray "
               "axis at the midpoints between neighbouring centroids (dashed): like "
               "multi-thresholding.")
else:
    if out["view_points"].shape[1] == 3:
        view_dims = 3 if state.checkbox(
            "3D feature space (drag to rotate)", "view3d", False, advanced=True,
            help="Off: the first two axes as a flat scatter, quick to draw on any computer. On: "
                 "all three axes in a WebGL view, which wants a graphics card.") else 2
    how = "the first principal components of the standardised features" if len(names) > 3 \
        else "the standardised features"
    st.caption(f"{len(out['view_index']):,} random pixels in {how} "
               f"({'3D: drag to rotate' if view_dims == 3 else 'first two axes'}), coloured by "
               "cluster; diamonds are the centroids, black lines their path over the iterations. "
               "The last step is the final result.")


def render(i: int, step) -> None:
    shown = step_view(picked.key, image, gray, key_params, i, view_dims, present.is_on())
    left, right = st.columns([2, 3])
    left.image(shown["picture"], width="stretch", caption=step.name)
    if "sse" in shown:
        left.plotly_chart(shown["sse"], width="stretch", key="sse_curve")
    right.plotly_chart(shown["figure"], width="stretch", key="step_feature_space")
    if step.metrics:
        st.caption(" | ".join(f"{k} = {v:,.0f}" if abs(v) >= 1000 else f"{k} = {v:.4g}"
                              for k, v in step.metrics.items()))


player.step_player(trace.steps, key="step", render=render,
                   label="Iteration" if method == "kmeans" else "Stage")


# ----------------------------------------------------------------- feature maps (own fragment)
@st.fragment
def feature_maps_panel() -> None:
    if not state.checkbox("Show the feature maps (what each pixel is described by)", "maps", False,
                          advanced=True):
        return
    maps = None
    with panels.user_errors():
        maps = feature_maps(picked.key, image, space, float(position_weight))
    if maps:
        cols = st.columns(4)
        for i, (picture, name) in enumerate(maps):
            cols[i % 4].image(picture, caption=name, width="stretch")
        st.caption("Standardised features, black = -2.5 to white = +2.5 standard deviations. Texture "
                   "features are local energies: the mean |filter response| around each pixel.")


feature_maps_panel()


# ----------------------------------------------------------------- elbow (own fragment)
@st.fragment
def elbow_panel() -> None:
    st.subheader("How many clusters? The elbow plot")
    if not state.checkbox("Compute the elbow plot (k-means for k = 1..10)", "elbow", True):
        return
    chart = None
    with panels.user_errors():
        chart = elbow_chart(picked.key, image, space, float(position_weight),
                            params.get("n_clusters", 0))
    if chart is not None:
        st.plotly_chart(chart, width="stretch", key="elbow_chart")
        st.caption("SSE always falls as k grows; pick k where it stops falling fast (the elbow). "
                   "Fitted on a 20,000-pixel sample, SSE measured on all pixels.")


elbow_panel()


cluster_search.panel()  # exhaustive search vs Lloyd, and the distance (own fragment)

# ----------------------------------------------------------------- try this
panels.try_this(presets.PRESETS["clustering"])


# ----------------------------------------------------------------- challenge
challenge.challenge_panel("clustering")
