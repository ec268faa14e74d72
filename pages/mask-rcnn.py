"""Mask R-CNN: a trained model run stage by stage, RoIAlign made visible, COCO-exact instance AP."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

import ui.process  # noqa: F401 - first project import: warms the process up once
from segcore.deep import mask_rcnn as mr
from segcore.deep import weights as wts
from segcore.evaluation import instances as inst
from segcore.evaluation.scoring import score_against_scene
from ui import challenge, clicks, export, panels, picker, player, present, presets, snippets, state
from ui import rcnn_figs as figs

CACHE = dict(max_entries=8, ttl=3600, show_spinner=False)
MODEL_LABELS = {"shapes": "Compact Mask R-CNN trained on synthetic shapes (bundled)",
                "coco": "torchvision ResNet-50 FPN v2, COCO weights (local cache)"}
CLICK_KEY = "mr_click"
MARK = {True: "\u2713", False: "\u2717"}

panels.page_header(
    "Mask R-CNN",
    "Mask R-CNN = Faster R-CNN + a small FCN on every region of interest. A region proposal "
    "network slides anchors over a feature pyramid and keeps the boxes that look like objects; "
    "RoIAlign reads a fixed 7 x 7 (box) or 14 x 14 (mask) grid from each box without rounding; "
    "the heads classify, refine the box and predict a 28 x 28 mask. Instances are then scored the "
    "COCO way: sort by confidence, match by mask overlap, average the precision.")
formula_box = st.container()
picked = picker.image_picker(default="scene:shapes")
image = picked.image
height, width = image.shape[:2]


clicked = clicks.new_click(CLICK_KEY, (height, width))   # a click moves the location sliders
if clicked is not None:
    st.session_state[state.widget_key("py")] = min(int(100 * clicked[0] / height), 99)
    st.session_state[state.widget_key("px")] = min(int(100 * clicked[1] / width), 99)

# ----------------------------------------------------------------- controls
models = ["shapes"] + (["coco"] if wts.coco_checkpoint_path() is not None else [])
controls = st.container(border=True)
c1, c2, c3 = controls.columns(3)
weights = state.select("Model", "model", models, "shapes", format_func=MODEL_LABELS.get,
                       container=c1)
iou_t = state.slider("IoU threshold of the matching table", "iou", 0.5, 0.95, 0.5, step=0.05,
                     container=c1)
score = state.slider("Score threshold", "score", 0.05, 0.95, 0.5, step=0.05, container=c2,
                     help="Box-head class probability a detection must exceed.")
nms = state.slider("NMS IoU (per class)", "nms", 0.1, 0.9, 0.5, step=0.05, container=c2,
                   help="A box overlapping a better box of its class by more is suppressed.")
rpn_nms = state.slider("RPN NMS IoU", "rpnnms", 0.3, 0.95, 0.7, step=0.05, container=c2,
                       advanced=True)
px = state.slider("Location x (% of width)", "px", 0, 99, 50, container=c3, advanced=True,
                  help="Where the anchors and the RoIAlign proposal are taken; or click the image.")
py = state.slider("Location y (% of height)", "py", 0, 99, 50, container=c3, advanced=True)
point = (px / 100 * width, py / 100 * height)


# ----------------------------------------------------------------- cached computations
@st.cache_data(**CACHE)
def compute(key: str, image: np.ndarray, weights: str, score: float, nms: float,
            rpn_nms: float, point: tuple) -> dict:
    """The staged trace (cached per image + parameters) and its wall time."""
    start = time.perf_counter()
    trace = mr.mask_rcnn_trace(image, weights=weights, point=point, score_thresh=score,
                               nms_thresh=nms, rpn_nms_thresh=rpn_nms)
    return {"trace": trace, "wall_ms": (time.perf_counter() - start) * 1000}


def _ground_truth(scene) -> tuple[list[dict], tuple[str, ...]]:
    """Instance ground truth of a scene: things of the panoptic map, else the instance map."""
    if scene.panoptic is not None:
        names = {c["id"]: c["name"] for c in scene.panoptic.categories}
        things = {c["id"] for c in scene.panoptic.categories if c["isthing"]}
        gts = [{"mask": scene.panoptic.ids == s["id"], "category": names[s["category_id"]],
                "iscrowd": int(s.get("iscrowd", 0))}
               for s in scene.panoptic.segments if s["category_id"] in things]
        return gts, tuple(names.values())
    if scene.instances is None:
        return [], ()
    gts = []
    for k in np.unique(scene.instances[scene.instances > 0]):
        mask = scene.instances == k
        label = int(np.bincount(scene.semantic[mask]).argmax())
        gts.append({"mask": mask, "category": scene.class_names[label], "iscrowd": 0})
    return gts, tuple(scene.class_names)


def _nearest(values, t: float):
    """Index of the evaluated IoU threshold equal to ``t`` up to 1e-6, else None.

    IoU thresholds are floats (0.9 may be stored as 0.8999999999999999): they are
    matched by distance, never used as exact keys.
    """
    gaps = np.abs(np.asarray(list(values), float) - t)
    return int(np.argmin(gaps)) if gaps.size and gaps.min() < 1e-6 else None


@st.cache_data(**CACHE)
def evaluate(key: str, weights: str, score: float, nms: float, rpn_nms: float,
             point: tuple, _trace, _scene) -> dict | None:
    """COCO mask AP of the detections against the scene's instances (class names matched)."""
    gts, names = _ground_truth(_scene)
    if not gts:
        return None
    ids = {name: i + 1 for i, name in enumerate(dict.fromkeys(names))}
    gt = [{"mask": g["mask"], "category_id": ids[g["category"]], "iscrowd": g["iscrowd"]}
          for g in gts]
    model_names = _trace.class_names
    preds = [{"mask": m, "category_id": ids.get(model_names[c], -1), "score": float(s)}
             for m, c, s in zip(_trace.masks, _trace.labels, _trace.scores)]
    result = inst.coco_mask_ap(gt, preds)
    result["names"] = {v: k for k, v in ids.items()}
    result["gt"] = gt
    return result


@st.cache_data(**CACHE)
def result_picture(key: str, weights: str, score: float, nms: float, rpn_nms: float,
                   point: tuple, bold: bool, _trace, _image) -> np.ndarray:
    pic = figs.instances_picture(_image, _trace.instances, _trace.boxes, bold)
    x, y = (int(v) for v in point)
    pic[max(y - 4, 0):y + 5, x] = (213, 94, 0)
    pic[y, max(x - 4, 0):x + 5] = (213, 94, 0)
    return pic


run = None
params = (weights, score, nms, rpn_nms, point)
with panels.user_errors():
    run = compute(picked.key, image, *params)
if run is None:
    st.stop()
trace = run["trace"]
panels.show_warnings(trace)
names = trace.class_names
scene = picked.scene
evaluation = evaluate(picked.key, *params, trace, scene) if scene is not None else None
steps = {s.name: s for s in trace.steps}

# ----------------------------------------------------------------- formula panel (live)
roi = steps["RoIAlign vs RoIPool"]
bx1, by1, bx2, by2 = roi.data["box"]
side = float(np.sqrt(max(bx2 - bx1, 1e-6) * max(by2 - by1, 1e-6)))
cells, quant = roi.data["box_cells"], roi.data["quantised_cells"]
sample = roi.data["points"][0, 0, 0]
latex = [
    panels.beyond(
        r"\text{RoI level: } k = \left\lfloor 4 + \log_2\frac{\sqrt{wh}}{224} \right\rfloor"
        rf" = \left\lfloor 4 + \log_2\frac{{{side:.1f}}}{{224}} \right\rfloor \to "
        rf"P_{{{roi.metrics['level']:.0f}}}\ (\text{{stride }} {1 / roi.metrics['scale']:.0f})",
        "FPN's rule for the pyramid level of a RoI (Lin et al., Feature Pyramid Networks, "
        "2017, eq. 1; k0 = 4, clamped to this pyramid's levels as in torchvision's "
        "MultiScaleRoIAlign)"),
    panels.beyond(
        rf"\text{{RoIPool: }} x_1 = {bx1:.1f} \times {roi.metrics['scale']:g} = {cells[0]:.2f}"
        rf" \to {quant[0]:.0f}\ \text{{(rounded: }} "
        rf"{abs(quant[0] - cells[0]) / roi.metrics['scale']:.2f}"
        r"\text{ px off)}",
        "RoIPool's rounding of the box to the feature grid (Fast R-CNN), the misalignment the "
        "Mask R-CNN paper removes; the short deck only says RoIAlign has sub-pixel precision"),
    panels.lecture(
        rf"\text{{RoIAlign, first sample }} (x, y) = ({sample[0]:.2f}, {sample[1]:.2f}):\ "
        r"f(x, y) = \sum_{i,j} f_{ij}\,\max(0, 1-|x-i|)\,\max(0, 1-|y-j|)",
        "short", "Mask R-CNN: ROI Align, bilinear interpolation"),
]
if evaluation is not None and evaluation["AP"] != inst.UNDEFINED:
    t_index = _nearest(evaluation["thresholds"], iou_t)
    rows = evaluation["table"]
    if rows:
        marks = [bool(r["tp"][t_index]) for r in rows] if t_index is not None else []
        tp = int(np.sum(marks))
        k = len(rows) - sum(bool(r["ignored"][t_index]) for r in rows) if t_index is not None \
            else len(rows)
        n_gt = sum(1 for g in evaluation["gt"] if not g["iscrowd"])
        latex.append(panels.lecture(
            rf"P_k = \frac{{TP_k}}{{k}},\ R_k = \frac{{TP_k}}{{N}}:\quad "
            rf"P_{{{k}}} = \frac{{{tp}}}{{{k}}} = {tp / max(k, 1):.3f},\ "
            rf"R_{{{k}}} = \frac{{{tp}}}{{{n_gt}}} = {tp / max(n_gt, 1):.3f}"
            rf"\quad (\text{{IoU}} \ge {iou_t:.2f},\ \text{{all classes pooled}})",
            "short", "mAP – Cheat sheet"))
    at = _nearest(evaluation["per_iou"], iou_t)
    ap_t = float("nan") if at is None else list(evaluation["per_iou"].values())[at]
    latex.append(panels.beyond(
        r"AP = \frac{1}{101}\sum_{r \in \{0, 0.01, \dots, 1\}} \max_{k: R_k \ge r} P_k"
        rf" = {ap_t:.3f}\ (\text{{IoU }} {iou_t:.2f}),\quad AP@[.5{{:}}.95] = "
        rf"{evaluation['AP']:.3f}",
        "COCO's 101-point interpolated AP, averaged over IoU 0.50:0.05:0.95 (pycocotools "
        "COCOeval); the short deck's AP averages P_rank at the true positives instead"))
with formula_box:
    panels.formula_panel(latex, caption="Numbers of this run: the proposal at the chosen "
                         "location and the detections against the scene's ground truth.")

# ----------------------------------------------------------------- result + stage player
left, right = st.columns([2, 3])
with left:
    st.markdown("**Detections** (click to move the location marker)")
    streamlit_image_coordinates(result_picture(picked.key, *params, present.is_on(), trace, image),
                                key=CLICK_KEY, width="stretch", cursor="crosshair")
    found = ", ".join(f"{names[c]} {s:.2f}" for c, s in zip(trace.labels, trace.scores))
    st.caption(f"{len(trace.scores)} instance(s): {found or 'none'}.")


@st.cache_data(**CACHE)
def stage_view(key: str, weights: str, score: float, nms: float, rpn_nms: float, point: tuple,
               index: int, _step, _image) -> list:
    """Pictures and figures of one stage (cached: moving the player costs no rebuild)."""
    return figs.step_view(_image, _step)


def render(i: int, step) -> None:
    for kind, content, caption in stage_view(picked.key, *params, i, step, image):
        if kind == "image":
            st.image(content, caption=caption, width=360)
        elif kind == "images":
            cols = st.columns(max(len(content), 4))
            for col, pic in zip(cols, content):
                col.image(pic, width="stretch")
            st.caption(caption)
        else:
            st.plotly_chart(content, width="stretch", key=f"stage_fig_{i}")
            st.caption(caption)
    if step.metrics:
        st.caption(" | ".join(f"{k} = {v:.4g}" for k, v in step.metrics.items()))


with right:
    st.markdown("**The forward pass, stage by stage**")
    player.step_player(trace.steps, key="stage", render=render, label="Stage")

# ----------------------------------------------------------------- evaluation (teaching plot)
st.subheader("Instance evaluation, the COCO way")
if evaluation is None:
    st.info("This image has no instance ground truth: pick a synthetic scene (e.g. Shapes) to "
            "see the matching table, the precision-recall curve and AP.")
    panels.metrics_panel(None, run["wall_ms"])
else:
    t_index = _nearest(evaluation["thresholds"], iou_t) or 0
    m1, m2, m3, m4 = st.columns(4)
    fmt = lambda v: "undefined" if v == inst.UNDEFINED else f"{v:.3f}"  # noqa: E731
    m1.metric("AP@[.5:.95]", fmt(evaluation["AP"]))
    m2.metric("AP50", fmt(evaluation["AP50"]))
    m3.metric("AP75", fmt(evaluation["AP75"]))
    m4.metric("segcore time", f"{run['wall_ms']:.0f} ms")
    rows = evaluation["table"]
    marks = [MARK[bool(r["tp"][t_index])] if not r["ignored"][t_index] else "crowd" for r in rows]
    st.markdown(f"Ranking by score at IoU >= {iou_t:.2f}: **[{' '.join(marks)}]**")
    table = [{"rank": i + 1, "class": evaluation["names"].get(r["category_id"], "?"),
              "score": round(r["score"], 3),
              "matched GT": f"#{r['gt'][t_index] + 1}" if r["gt"][t_index] >= 0 else "-",
              "IoU": round(r["iou"][t_index], 3), "TP/FP": mark}
             for i, (r, mark) in enumerate(zip(rows, marks))]
    tcol, pcol = st.columns([2, 3])
    tcol.dataframe(table, hide_index=True, width="stretch")
    classes = [evaluation["names"][c] for c in evaluation["per_category"]]
    if classes:
        chosen = state.select("PR curve of class", "prclass", classes, classes[0],
                              container=pcol)
        per = evaluation["per_category"][{v: k for k, v in evaluation["names"].items()}[chosen]]
        recall101, precision101 = per["pr"][iou_t]
        pcol.plotly_chart(figs.pr_figure(per["raw"][iou_t], recall101, precision101, iou_t),
                          width="stretch", key="pr")
        pcol.caption("Grey: precision and recall after each detection of this class. Blue: the "
                     "precision made monotone (max to the right). Dots: read at 101 recall "
                     "levels; their mean is this class's AP at this IoU.")
    if evaluation["names"] and set(names[1:]) <= set(evaluation["names"].values()):
        ids = {n: i for i, n in enumerate(scene.class_names)}
        semantic = np.zeros(scene.semantic.shape, np.int64)
        for k in np.argsort(trace.scores, kind="stable"):
            semantic[trace.masks[k]] = ids.get(names[trace.labels[k]], 0)
        panels.metrics_panel(score_against_scene(semantic, scene), run["wall_ms"])
mr_args = {"weights": weights, "point": point, "score_thresh": score, "nms_thresh": nms,
           "rpn_nms_thresh": rpn_nms}
export.export_panel(picked, trace.instances, snippets.mask_rcnn(picked, mr_args), mr_args,
                    evaluation and {k: evaluation[k] for k in ("AP", "AP50", "AP75")})

# ----------------------------------------------------------------- try this
panels.try_this(presets.PRESETS["mask-rcnn"])


# ----------------------------------------------------------------- challenge
challenge.challenge_panel("mask-rcnn")
