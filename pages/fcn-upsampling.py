"""FCN upsampling: a small FCN stage by stage, 32s/16s/8s skips, upsampling, sliding window."""

from __future__ import annotations

import numpy as np
import streamlit as st

import ui.process  # noqa: F401 - first project import: warms the process up once
from segcore.deep import fcn
from segcore.deep import upsampling as U
from segcore.evaluation.scoring import score_against_scene
from segcore.scenes import SHAPE_CLASSES
from segcore.trace import Step, Trace
from ui import fcn_figs as figs
from ui import fcn_formulas
from ui import challenge, export, overlay, panels, picker, player, present, presets, snippets, state
from ui.caching import CACHE
from ui.fcn_compare import FACTOR, METHOD_TITLES, comparison, comparison_figures, stamp_figure
from ui.figures import png

# Figures are cached as shared objects (st.cache_resource): unpickling a cached go.Figure
# re-validates its whole template (~40 ms each), which would dominate every rerun.
FIGURES = dict(max_entries=64, ttl=3600, show_spinner=False)
WINDOW_STRIDES = ["4", "8", "16"]
INITS = ["bilinear", "uniform"]
INIT_TITLES = {"bilinear": "bilinear (FCN init)", "uniform": "uniform (flat, untrained)"}

panels.page_header(
    "FCN upsampling",
    "A fully convolutional network classifies **every pixel in one pass**: the convolutions and "
    "poolings of a classifier run over the whole image, a 1 x 1 convolution turns the coarse "
    "features into class scores, and an upsampling layer brings them back to the image size. "
    "Upsampling only the coarsest scores (FCN-32s) gives blobs; adding the scores of earlier, "
    "finer layers (skips, FCN-16s/8s) or a U-Net decoder sharpens the boundaries.")
formula_slot = st.container()  # filled at the end, when every widget has its value

picked = picker.image_picker(default="scene:shapes")
gray = picked.gray
scene = picked.scene
has_gt = scene is not None and tuple(scene.class_names) == SHAPE_CLASSES
semantic = np.asarray(scene.semantic) if has_gt else None


# ----------------------------------------------------------------- cached computations
@st.cache_data(**CACHE)
def network_run(key: str, image: np.ndarray, variant: str, gt: np.ndarray | None,
                bold: bool = False, _scene=None) -> dict:
    """Staged forward pass of the shipped model, its pictures and (with GT) its reports.

    ``wall_ms`` is :func:`variant_prediction`'s warm inference time (loaded model, one
    warm-up pass per input size, then :data:`segcore.deep.fcn.TIMED_PASSES` timed), not the
    staged pass.
    ``scores`` (the metrics panel) comes from the one scoring path,
    :func:`score_against_scene`; ``report`` adds the deep-learning numbers
    (boundary accuracy, cross entropy, soft Dice) of :func:`segcore.deep.fcn.evaluate`.
    """
    # The time shown is warm inference only, the same cached number as the variant table and
    # the window comparison: the model is loaded (SHA-256 check on a process's first call) and
    # run once before the clock starts, so a cold first pass is never what students see.
    wall_ms = variant_prediction(key, image, variant)["ms"]
    trace = fcn.fcn_trace(image, variant, model=fcn.pretrained(variant))
    pictures = []
    for step in trace.steps:
        if isinstance(step.data, np.ndarray):
            pictures.append(png(figs.feature_mosaic(step.data)))
        elif step.name == "coarse scores":
            pictures.append(png(figs.label_picture(step.data["labels"])))
        else:
            pictures.append(png(overlay.overlay(image, step.data["labels"], alpha=0.5, bold=bold)))
    # keep the steps' names, captions and metrics, not their arrays (the cache stays small)
    light = Trace(output={}, steps=tuple(Step(step.name, None, step.caption, step.metrics,
                                              step.index) for step in trace.steps),
                  params=trace.params, warnings=trace.warnings)
    result = {"trace": light, "wall_ms": wall_ms, "pictures": pictures,
              "labels": export.label_array(trace.labels),  # uint8: 1/4 of the cache entry
              "overlay": png(overlay.overlay(image, trace.labels, outline=True, bold=bold)),
              "gt_overlay": None if gt is None else
              png(overlay.overlay(image, gt, outline=True, bold=bold))}
    if gt is not None:
        result["report"] = fcn.evaluate(gt, trace.labels, trace.probs, SHAPE_CLASSES)
        result["scores"] = score_against_scene(trace.labels, _scene)
        result["stage_miou"] = {s.name: fcn.evaluate(gt, s.data["labels"])["mean_iou"]
                                for s in trace.steps if isinstance(s.data, dict)
                                and s.data["labels"].shape == gt.shape}
    return result


PASSES = ("one timed pass" if fcn.TIMED_PASSES == 1 else
          f"median of {fcn.TIMED_PASSES} timed passes")
TIMING_HEADER = f"inference ms (warm model, 1 image, {PASSES})"


@st.cache_data(**CACHE)
def variant_prediction(key: str, image: np.ndarray, variant: str) -> dict:
    """A shipped variant's labels, probabilities (float16 to keep the cache small) and the
    warm inference ms (loading and the first pass happen before the clock starts)."""
    labels, probs, ms = fcn.timed_predict(image, variant)
    return {"labels": labels, "probs": probs.astype(np.float16), "ms": ms}


@st.cache_data(**CACHE)
def all_variants(key: str, image: np.ndarray, gt: np.ndarray) -> list[dict]:
    """Every shipped variant on this image: metrics vs GT, losses and warm inference time."""
    rows = []
    for variant in fcn.VARIANTS:
        pred = variant_prediction(key, image, variant)
        r = fcn.evaluate(gt, pred["labels"], pred["probs"].astype(np.float32))
        rows.append({"variant": variant, "mIoU": r["mean_iou"],
                     "pixel acc.": r["pixel_accuracy"], "Dice": r["dice"],
                     "boundary acc.": r["boundary_accuracy"], "CE": r["cross_entropy"],
                     "soft Dice loss": r["soft_dice"], TIMING_HEADER: round(pred["ms"], 1),
                     "parameters": fcn.parameter_count(fcn.pretrained(variant))})
    return rows


@st.cache_resource(**FIGURES)
def variant_chart(key: str, image: np.ndarray, gt: np.ndarray):
    """Bars of mIoU and boundary accuracy per variant."""
    return figs.variant_bars(all_variants(key, image, gt))


@st.cache_resource(**FIGURES)
def timing_chart(key: str, image: np.ndarray, variant: str, stride: int, gt: np.ndarray | None):
    """Bars of one FCN pass against the sliding window, both on the loaded, warm model."""
    w = window_run(key, image, variant, stride, gt)
    fig = figs.timing_bars(w["fcn_ms"], w["window_ms"], w["windows"])
    return fig.update_layout(xaxis_title="inference ms (warm model, 1 image)")


@st.cache_resource(**FIGURES)
def profile(key: str, image: np.ndarray, variant: str, gt: np.ndarray | None, row: int):
    """P(true class) along one row for every variant (P(class of the chosen net) without GT)."""
    target = gt[row] if gt is not None else variant_prediction(key, image, variant)["labels"][row]
    cols = np.arange(image.shape[1])
    curves = {v: variant_prediction(key, image, v)["probs"][target, row, cols].astype(np.float32)
              for v in fcn.VARIANTS}
    return figs.profile_figure(curves, variant)


@st.cache_data(**CACHE)
def window_run(key: str, image: np.ndarray, variant: str, stride: int,
               gt: np.ndarray | None) -> dict:
    """Sliding window against one pass of the same network, with pictures and mIoU.

    Both times exclude loading: the FCN pass is :func:`variant_prediction`'s warm median,
    and the window run starts after it, on the model that call loaded and warmed up.
    """
    one = variant_prediction(key, image, variant)
    win = fcn.sliding_window(image, variant, stride=stride)
    out = {"fcn_ms": one["ms"], "window_ms": win.wall_ms, "windows": win.windows,
           "overlay": png(overlay.overlay(image, win.labels, alpha=0.5))}
    if gt is not None:
        out["miou"] = (fcn.evaluate(gt, one["labels"])["mean_iou"],
                       fcn.evaluate(gt, win.labels)["mean_iou"])
    return out


# ----------------------------------------------------------------- 1. the network, stage by stage
st.subheader("1. The network, stage by stage")
c1, c2 = st.columns([2, 1])
variant = state.select("Network", "fcn_variant", list(fcn.VARIANTS), "fcn8s",
                       format_func=fcn.VARIANT_TITLES.get, radio=True, container=c1)
row_pct = state.slider("Profile row (% of the height)", "fcn_row", 0, 100, 50, container=c2,
                       advanced=True,
                       help="the row along which the teaching plot reads the class probability")
if scene is not None and not has_gt:
    st.info("The networks were trained on the shapes scenes (background / disk / square / "
            "triangle); this scene's ground truth has other classes, so no metrics are shown.")

run = None
with panels.user_errors():
    run = network_run(picked.key, gray, variant, semantic, present.is_on(), scene)
if run is not None:
    trace = run["trace"]
    panels.show_warnings(trace)
    a, b = st.columns(2)
    a.image(run["overlay"], width="stretch",
            caption=f"{fcn.VARIANT_TITLES[variant]} on {picked.title} "
                    f"({trace.params['parameters']} weights)")
    if run["gt_overlay"] is not None:
        b.image(run["gt_overlay"], width="stretch", caption="ground truth")
    else:
        b.image(picked.image, width="stretch", caption="input")

    def render_stage(i: int, step) -> None:
        left, right = st.columns([1, 1])
        left.image(run["pictures"][i], width="stretch")
        m = run.get("stage_miou", {}).get(step.name)
        if m is not None:
            right.metric("mIoU of this stage", f"{m:.3f}")
        if "stride" in step.metrics:
            right.metric("stride", f"{step.metrics['stride']:.0f}")
        if "factor" in step.metrics:
            right.metric("upsampling factor", f"x{step.metrics['factor']:.0f}")

    player.step_player(trace.steps, key="fcn_stage", render=render_stage, label="Stage")
    if variant in ("fcn16s", "fcn8s"):
        st.caption("Inside a 16s/8s net the coarse scores are trained together with the skips, "
                   "so its 32s path alone is cruder than the separately trained FCN-32s: the "
                   "skips carry part of the answer.")
    row = min(gray.shape[0] - 1, row_pct * gray.shape[0] // 100)
    target = "the true class" if semantic is not None else "the class the chosen net predicts"
    st.markdown(f"**Probability of {target} along row {row}, one curve per network**")
    st.plotly_chart(profile(picked.key, gray, variant, semantic, row), key="fcn_profile")
    st.caption("Every dip is a boundary (or an error). FCN-32s decides once per 8 x 8 cell and "
               "interpolates, so its dips are wide and rounded; the skips of 16s/8s and the "
               "U-Net decoder narrow them to a pixel or two.")
    panels.metrics_panel(run.get("scores"), run["wall_ms"])
    export.export_panel(picked, run["labels"], snippets.fcn(picked, variant), {"variant": variant},
                        run.get("scores"), run["overlay"])
    st.caption(f"segcore time = inference only: one forward pass of the already loaded, "
               f"warmed-up {fcn.VARIANT_TITLES[variant]} on this {gray.shape[1]} x "
               f"{gray.shape[0]} image ({PASSES}). Loading and "
               "checking the weights (once per server process) and the first, cold pass at an "
               "image size happen before the clock starts; recording the stages shown above "
               "is not timed.")


# ----------------------------------------------------------------- 2. variants compared
if semantic is not None:
    st.subheader("2. FCN-32s vs 16s vs 8s vs U-Net on this image")
    with panels.user_errors():
        rows = all_variants(picked.key, gray, semantic)
        st.dataframe([{k: (round(v, 3) if isinstance(v, float) and k != TIMING_HEADER else v)
                       for k, v in r.items()} for r in rows], hide_index=True)
        st.plotly_chart(variant_chart(picked.key, gray, semantic), key="fcn_variant_bars")
        st.caption("Same encoder, same training; only the head differs. Boundary accuracy counts "
                   "pixels within 2 px of a true boundary, where the skips make the difference. "
                   "Times are for an already loaded model after one warm-up pass (loading and "
                   "checking the weights happens once per server process).")


# ----------------------------------------------------------------- 3. upsampling methods
st.subheader("3. Four ways to upsample")
st.caption("A 16 x 16 crop of the image (the busiest one) is average-pooled to 8 x 8 and brought "
           "back 2x with each method; max unpooling starts from a max-pooled copy and its "
           "switches. The transposed convolution uses the kernel, stride and padding below.")
d1, d2, d3, d4, d5 = st.columns(5)
k = state.slider("Kernel k", "up_k", 1, 8, 4, container=d1)
s = state.slider("Stride s", "up_s", 1, 4, 2, container=d2)
p = state.slider("Padding p", "up_p", 0, 3, 1, container=d3)
init = state.select("Kernel weights", "up_init", INITS, "bilinear",
                    format_func=INIT_TITLES.get, container=d4)
focus = state.select("Look closer at", "up_focus", list(U.METHODS), "transposed",
                     format_func=METHOD_TITLES.get, container=d5)
cmp_ = None
with panels.user_errors():
    if p > k - 1:
        raise ValueError(f"Padding p = {p} must be smaller than the kernel k = {k}.")
    cmp_ = comparison(picked.key, gray, k, s, p, init)
    cmp_figs = comparison_figures(picked.key, gray, k, s, p, init)
if cmp_ is not None:
    ctrace = cmp_["trace"]
    panels.show_warnings(ctrace)
    st.plotly_chart(cmp_figs["grid"], key="fcn_grid")
    top, left = cmp_["corner"]
    st.caption(f"Crop at row {top}, column {left}. Transposed output: "
               f"{ctrace.outputs['transposed'].shape[0]} x {ctrace.outputs['transposed'].shape[1]} "
               f"= (8 - 1) x {s} - 2 x {p} + {k} per side.")
    if focus == "transposed":
        def render_stamp(i: int, step) -> None:
            a, b = st.columns(2)
            a.plotly_chart(stamp_figure(picked.key, gray, k, s, p, init, i), key=f"fcn_stamp_{i}")
            b.plotly_chart(cmp_figs["coverage"], key=f"fcn_coverage_{i}")

        player.step_player(cmp_["stamps"].steps, key="up_stamp", render=render_stamp,
                           label="Stamp")
    elif focus == "unpooling":
        st.plotly_chart(cmp_figs["switches"], key="fcn_switches")
        st.caption("Max pooling keeps one value per 2 x 2 window and remembers where it was "
                   "(white = switch). Unpooling writes the value back exactly there and zeros "
                   "elsewhere: sparse, but edges stay in place. SegNet reuses the encoder's "
                   "switches in its decoder.")
    else:
        w = U.upsample_bilinear(np.zeros((2, 2)), FACTOR).weights
        st.markdown(
            "Nearest copies each value into a 2 x 2 block (no parameters, blocky). Bilinear "
            f"mixes the two nearest samples per axis with weights {1 - w[0]:.2f} / {w[0]:.2f} "
            f"and {1 - w[1]:.2f} / {w[1]:.2f} (for the two output pixels inside one input "
            "cell): smooth, still no parameters.")


# ----------------------------------------------------------------- 4. sliding window vs FCN
st.subheader("4. Sliding window vs one FCN pass")
window_stride = int(state.select("Window stride (px)", "sw_stride", WINDOW_STRIDES, "8",
                                 radio=True))
win = None
with panels.user_errors():
    win = window_run(picked.key, gray, variant, window_stride, semantic)
if win is not None:
    a, b = st.columns(2)
    a.image(win["overlay"], width="stretch",
            caption=f"sliding window: {win['windows']} crops of {fcn.WINDOW} x {fcn.WINDOW}, "
                    f"one label per {window_stride} x {window_stride} cell")
    b.plotly_chart(timing_chart(picked.key, gray, variant, window_stride, semantic),
                   key="fcn_timing")
    ratio = win["window_ms"] / max(win["fcn_ms"], 1e-3)
    b.markdown(f"The sliding window runs the same network **{win['windows']} times** on "
               f"overlapping crops: **{ratio:.0f}x** the time of one pass (both on the loaded, "
               f"warm model), and its labels are {window_stride}-pixel blocks.")
    if "miou" in win:
        b.caption(f"mIoU: one FCN pass {win['miou'][0]:.3f}, sliding window {win['miou'][1]:.3f}")


# ----------------------------------------------------------------- try this
panels.try_this(presets.PRESETS["fcn-upsampling"])

# ----------------------------------------------------------------- formulas (drawn at the top)
with formula_slot:
    panels.formula_panel(fcn_formulas.formulas(k, s, p, FACTOR, run),
                         caption=fcn_formulas.caption(fcn.VARIANT_TITLES[variant]))


# ----------------------------------------------------------------- challenge
challenge.challenge_panel("fcn-upsampling")
