"""Thresholding: global, multi-level, iterative, adaptive and hysteresis thresholds, live."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

import ui.process  # noqa: F401 - first project import: warms the process up once
from segcore import images
from segcore.evaluation.scoring import score_against_scene
from segcore.classical import threshold as thr
from ui import challenge, export, panels, picker, player, present, presets, snippets, state
from ui import threshold_figs as figs
from ui import threshold_formulas
from ui.caching import CACHE
from ui.figures import plain
from ui.overlay import ERROR_LEGEND

LARGE = dict(max_entries=16, ttl=3600, show_spinner=False)  # traces and pictures: ~1-5 MB each
METHOD_LABELS = {
    "manual": "Manual threshold",
    "otsu": "Otsu (between-class variance)",
    "multiotsu": "Multi-Otsu (2-5 classes)",
    "isodata": "Isodata / Ridler-Calvard (iterative)",
    "li": "Li minimum cross entropy (iterative)",
    "triangle": "Triangle",
    "yen": "Yen",
    "mean": "Mean gray level",
    "minimum": "Minimum (valley of the smoothed histogram)",
    "local": "Adaptive: local mean / Gaussian block",
    "niblack": "Adaptive: Niblack",
    "sauvola": "Adaptive: Sauvola",
    "hysteresis": "Hysteresis on the edge magnitude",
}
ITERATIVE = ("isodata", "li", "minimum")
WITH_MEANS = ("manual", "otsu", "isodata")  # methods whose rule is about the two class means
LOCAL = thr.LOCAL_METHODS
DOCUMENTS = ("page", "text")
POLARITY_LABELS = {thr.BRIGHT: "objects brighter", thr.DARK: "objects darker"}

panels.page_header(
    "Thresholding",
    "A threshold t splits the pixels by gray level alone: above t is object, at or below t is "
    "background (or the other way round). Everything hinges on **where** t goes: each automatic "
    "method optimises its own criterion over the histogram, and the curve below shows why it "
    "picked its t. One global t fails under uneven light; a local threshold surface T(x, y) "
    "fixes that.")
formula_box = st.container()
picked = picker.image_picker(default="scene:shapes")
gray = picked.gray


# ----------------------------------------------------------------- cached computations
@st.cache_data(**LARGE)
def compute(key: str, image: np.ndarray, method: str, params: tuple) -> dict:
    """Run one segcore method (cached per image + parameters); time the call."""
    start = time.perf_counter()
    trace = thr.threshold(image, method, **dict(params))
    return {"trace": trace, "wall_ms": (time.perf_counter() - start) * 1000}


@st.cache_data(**LARGE)
def pictures(key: str, image: np.ndarray, method: str, params: tuple,
             gt_mask: np.ndarray | None, void: np.ndarray | None, log: bool, bold: bool) -> dict:
    """The result overlay, the surface/magnitude picture and the teaching figure (cached)."""
    trace = compute(key, image, method, params)["trace"]
    out = trace.output
    result = out["labels"] if method == "multiotsu" else out["mask"]
    scored = None if method == "multiotsu" else gt_mask
    pics = {"result": figs.result_picture(image, result, scored, void, bold)}
    if method in LOCAL:
        surface = out["surface"]
        pics["side"] = figs.gray_picture(surface)
        pics["figure"] = figs.histogram_figure(
            thr.histogram(image), band=(float(surface.min()), float(surface.max())), log=log)
    elif method == "hysteresis":
        pics["side"] = figs.gray_picture(out["magnitude"], stretch=True)
        pics["figure"] = figs.magnitude_histogram(out["magnitude"], trace.params["low"],
                                                  trace.params["high"])
    elif method == "multiotsu":
        otsu = compute(key, image, "otsu", ())["trace"]
        pics["figure"] = figs.histogram_figure(
            out["histogram"], thresholds=out["thresholds"], shade_classes=True,
            criterion=otsu.criterion, criterion_name="2-class sigma_B^2(t)",
            reference=otsu.threshold, reference_name="Otsu", log=log)
    else:
        means = None
        if method in WITH_MEANS:
            terms = thr.otsu_terms(out["histogram"], out["threshold"])
            means = (terms["mu0"], terms["mu1"])
        pics["figure"] = figs.histogram_figure(
            out["histogram"], thresholds=[out["threshold"]], criterion=out["criterion"],
            criterion_name=out["criterion_name"], means=means, log=log)
    pics["figure"] = plain(pics["figure"])
    return pics



@st.cache_data(**CACHE)
def step_figure(key: str, image: np.ndarray, method: str, params: tuple, index: int) -> dict:
    """The figure of one curve-like step (cached, so replaying the steps stays cheap)."""
    step = compute(key, image, method, params)["trace"].steps[index]
    return plain(figs.step_picture(image, step)[1])


@st.cache_data(**CACHE)
def iteration_figure(key: str, image: np.ndarray, method: str, params: tuple, index: int) -> dict:
    """Histogram with one iteration's t_k and the class means it produced (cached)."""
    trace = compute(key, image, method, params)["trace"]
    m = trace.steps[index].metrics
    return plain(figs.histogram_figure(trace.histogram, thresholds=[m["threshold"]],
                                        criterion=trace.criterion,
                                        criterion_name=trace.criterion_name,
                                        means=(m["mu0"], m["mu1"]), height=300))


@st.cache_data(**LARGE)
def try_all(key: str, image: np.ndarray, polarity: str):
    """Every global method on one image (cached)."""
    return thr.try_all(image, polarity=polarity)


@st.cache_data(max_entries=4, ttl=3600, show_spinner=False)
def document(key: str) -> np.ndarray:
    """A bundled document sample as uint8 gray (cached)."""
    return images.to_gray(images.load_sample(key))


# ----------------------------------------------------------------- controls
controls = st.container(border=True)
c1, c2, c3 = controls.columns([3, 2, 3])
method = state.select("Method", "method", list(METHOD_LABELS), "otsu",
                      format_func=METHOD_LABELS.get, container=c1)
params: dict = {}
if method not in ("multiotsu", "hysteresis"):
    params["polarity"] = state.select("Polarity", "polarity", list(thr.POLARITIES), thr.BRIGHT,
                                      format_func=POLARITY_LABELS.get, radio=True, container=c2)
if method == "manual":
    params["t"] = state.slider("Threshold t", "t", 0, 255, 128, container=c3)
elif method == "multiotsu":
    params["classes"] = state.slider("Classes", "classes", thr.MULTIOTSU_CLASSES[0],
                                     thr.MULTIOTSU_CLASSES[1], 3, container=c3)
elif method == "local":
    params["method"] = state.select("Weighting", "localkind", ["gaussian", "mean"], "gaussian",
                                    radio=True, container=c2)
    params["block_size"] = state.slider("Block size (odd)", "block", 3, 201, 35, step=2,
                                        container=c3)
    params["offset"] = float(state.slider("Offset C (T = mean - C)", "offset", -50, 50, 0,
                                          container=c3))
elif method in ("niblack", "sauvola"):
    params["window_size"] = state.slider("Window (odd)", "window", 3, 201, 25, step=2,
                                         container=c3)
    params["k"] = state.slider("k", "k", -1.0, 1.0, 0.2, step=0.05, container=c3)
elif method == "hysteresis":
    params["low"] = float(state.slider("Low (weak edges)", "low", 0, 150, 15, container=c3))
    params["high"] = float(state.slider("High (strong edges)", "high", 0, 250, 40, container=c3))
    if params["low"] > params["high"]:
        st.warning("Low must not exceed high: using low = high.")
        params["low"] = params["high"]
log_counts = False
if method != "hysteresis":
    log_counts = state.checkbox("Log pixel counts", "logy", False, container=c2, advanced=True,
                                help="Show small object peaks next to a big background peak.")
key_params = tuple(sorted(params.items()))

run = None
with panels.user_errors():
    run = compute(picked.key, gray, method, key_params)
if run is None:
    st.stop()
trace = run["trace"]
out = trace.output
panels.show_warnings(trace)
scene = picked.scene
gt_mask = scene.foreground if scene is not None else None
void = scene.void if scene is not None and scene.has_void else None
pics = pictures(picked.key, gray, method, key_params, gt_mask, void, log_counts, present.is_on())


# ----------------------------------------------------------------- formula panel (live)
with formula_box:
    panels.formula_panel(*threshold_formulas.formulas(method, trace, params, gray))


# ----------------------------------------------------------------- result + teaching plot
left, right = st.columns([2, 3])
with left:
    if method == "multiotsu":
        caption = "Classes from dark to light: " + ", ".join(
            f"class {k}" for k in range(int(out["labels"].max()) + 1))
    elif gt_mask is not None:
        caption = ERROR_LEGEND
    else:
        caption = "Object pixels in orange."
    st.image(pics["result"], caption=caption, width="stretch")
with right:
    if "side" in pics:
        a, b = st.columns(2)
        a.image(pics["side"], width="stretch",
                caption="Threshold surface T(x, y) (gray levels)" if method in LOCAL
                else "Edge magnitude |grad I| (Sobel)")
        b.plotly_chart(pics["figure"], width="stretch", key="histogram")
    else:
        st.plotly_chart(pics["figure"], width="stretch", key="histogram")
    if method not in LOCAL and method not in ("multiotsu", "hysteresis"):
        st.caption(f"Histogram of the {gray.size:,} pixels, threshold t = "
                   f"{out['threshold']:.4g} and the method's criterion over every t.")


# ----------------------------------------------------------------- metrics
if scene is not None:
    if method == "multiotsu":
        report = score_against_scene(out["labels"], scene, match_clusters=True)
    else:
        report = score_against_scene(out["mask"], scene, binary=True)
    panels.metrics_panel(report, run["wall_ms"])
    if method in LOCAL:
        otsu = compute(picked.key, gray, "otsu", (("polarity", params["polarity"]),))["trace"]
        st.caption(f"For comparison, one global Otsu threshold on this image: IoU(object) = "
                   f"{score_against_scene(otsu.mask, scene, binary=True)['iou']['object']:.3f}.")
    elif method == "multiotsu":
        st.caption("Classes are matched to the ground-truth classes by the Hungarian algorithm.")
else:
    panels.metrics_panel(None, run["wall_ms"])
export.export_panel(picked, out["labels"] if method == "multiotsu" else out["mask"],
                    snippets.thresholding(picked, method, params), {"method": method, **params},
                    report if scene is not None else None, pics["result"])


# ----------------------------------------------------------------- step player
st.subheader("Step by step")
label = "Iteration" if method in ITERATIVE else "Stage"


def render(i: int, step) -> None:
    if figs.step_kind(step) == "figure":
        st.plotly_chart(step_figure(picked.key, gray, method, key_params, i), width="stretch",
                        key="step_figure")
    elif "mu0" in step.metrics:  # an isodata / Li iteration: where t_k sits between the means
        left_col, right_col = st.columns([2, 3])
        left_col.image(figs.step_picture(gray, step)[1], width="stretch")
        right_col.plotly_chart(iteration_figure(picked.key, gray, method, key_params, i),
                               width="stretch", key="iteration_figure")
    else:
        st.image(figs.step_picture(gray, step)[1], width=360)
    if step.metrics:
        st.caption(" | ".join(f"{k} = {v:.4g}" for k, v in step.metrics.items()))


if trace.truncated:
    st.caption(f"{trace.total_steps} stages ran; {len(trace.steps)} evenly spaced ones are kept.")
player.step_player(trace.steps, key="step", render=render, label=label)


# ----------------------------------------------------------------- try all (own fragment)
@st.fragment
def try_all_panel() -> None:
    if not state.checkbox("Compare all global methods side by side", "tryall", False,
                          advanced=True):
        return
    polarity = params.get("polarity", thr.BRIGHT)
    result = try_all(picked.key, gray, polarity)
    cols = st.columns(4)
    rows = []
    for i, name in enumerate(thr.GLOBAL_METHODS):
        mask = result.masks[name]
        row = {"method": name, "t": round(result.thresholds[name], 2)}
        if gt_mask is not None:
            rep = score_against_scene(mask, scene, binary=True)
            row |= {"pixel accuracy": rep["pixel_accuracy"], "IoU (object)": rep["iou"]["object"],
                    "Dice": rep["dice"]}
        rows.append(row)
        cols[i % 4].image(figs.result_picture(gray, mask, gt_mask, void), width="stretch",
                          caption=f"{name}: t = {result.thresholds[name]:.1f}")
    st.dataframe(rows, hide_index=True, width="stretch")
    panels.show_warnings(result)


st.subheader("All global methods")
try_all_panel()


# ----------------------------------------------------------------- documents (own fragment)
@st.fragment
def documents_panel() -> None:
    st.subheader("Document background removal")
    st.caption("Dark ink on unevenly lit paper: one global threshold blackens the shaded side; "
               "Sauvola's local threshold follows the paper. Pixels it calls paper become white.")
    d1, d2, d3 = st.columns(3)
    doc = state.select("Document", "doc", list(DOCUMENTS), "page", container=d1,
                       format_func=lambda k: images.SAMPLES[k].title)
    window = state.slider("Sauvola window (odd)", "docwin", 3, 101, 25, step=2, container=d2)
    k = state.slider("Sauvola k", "dock", 0.0, 1.0, 0.2, step=0.05, container=d3)
    page = document(doc)
    dark = (("polarity", thr.DARK),)
    otsu = compute(f"sample:{doc}", page, "otsu", dark)["trace"]
    sauvola = compute(f"sample:{doc}", page, "sauvola",
                      dark + (("k", k), ("window_size", window)))["trace"]
    cols = st.columns(4)
    cols[0].image(page, caption="Scanned document", width="stretch")
    cols[1].image(np.where(otsu.mask, 0, 255).astype(np.uint8), width="stretch",
                  caption=f"Global Otsu, t = {otsu.threshold:.0f}")
    cols[2].image(figs.gray_picture(sauvola.surface), caption="Sauvola surface T(x, y)",
                  width="stretch")
    cols[3].image(np.where(sauvola.mask, page, 255).astype(np.uint8), width="stretch",
                  caption="Background removed (Sauvola)")


documents_panel()


# ----------------------------------------------------------------- try this
panels.try_this(presets.PRESETS["thresholding"])


# ----------------------------------------------------------------- challenge
challenge.challenge_panel("thresholding")
