"""Panoptic quality: match segments, count TP/FP/FN, PQ = SQ x RQ; panoptic fusion."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

import ui.process  # noqa: F401 - first project import: warms the process up once
from segcore.evaluation.fusion import (
    fusion_conflicts,
    heuristic_fusion,
    synthetic_heads,
    upsnet_fusion,
)
from segcore.evaluation.instances import coco_mask_ap
from segcore.evaluation.panoptic import (
    MATCH_IOU,
    panoptic_quality,
    panoptic_trace,
    semantic_from_panoptic,
)
from segcore.evaluation.perturb import MAX_GROW, perturb_panoptic
from segcore.evaluation.scoring import score_against_scene
from segcore.trace import Step
from ui import (challenge, eval_basics, export, panels, picker, player, present, presets,
                snippets, state)
from ui import panoptic_figs as figs
from ui.caching import CACHE

NO_RELABEL = "none"

panels.page_header(
    "Panoptic quality",
    "A panoptic segmentation gives every pixel a class **and** tells instances of *things* "
    "(cars, people) apart, while amorphous *stuff* (sky, road) is one segment per class. "
    "PQ matches predicted segments to ground-truth segments (same class, IoU > 0.5: at most "
    "one partner each), then multiplies how well matched segments overlap (SQ) by how many "
    "segments were found without false alarms (RQ).")

st.caption(f"Pixel accuracy, IoU and Dice first? [Evaluation basics](#{eval_basics.ANCHOR}) "
           "at the end of the page works the lecture's 5 x 5 example cell by cell.")
picked = picker.image_picker(default="scene:street", sources=["scene:street"])
panoptic = picked.scene.panoptic if picked.scene is not None else None
if panoptic is None:
    st.error("This page needs a scene with panoptic ground truth: choose the street scene.")
    st.stop()
CATEGORIES = panoptic.categories
NAMES = {c["id"]: c["name"] for c in CATEGORIES}
BY_NAME = {c["name"]: c["id"] for c in CATEGORIES}
RELABELS = [NO_RELABEL] + [f"{a}->{b}" for a in BY_NAME for b in BY_NAME if a != b]


# ----------------------------------------------------------------- computations (cached)
def _captions(steps) -> tuple[Step, ...]:
    """Steps without their arrays: cached results keep PNGs only (cache memory budget)."""
    return tuple(Step(s.name, None, s.caption, s.metrics, s.index) for s in steps)


def _without_crowd(segments):
    return [{"id": s["id"], "category_id": s["category_id"], "iscrowd": 0} for s in segments]


def _miou(scene, pred_ids, pred_segments) -> float:
    """mIoU of the semantic map behind the predicted panoptic map, by the one scoring path.

    Class ids of the street scene are the category positions + 1 (0 is VOID): the
    scene's VOID pixels are not scored; a VOID prediction on a labelled pixel is wrong.
    """
    semantic = semantic_from_panoptic(pred_ids, pred_segments, CATEGORIES, void_label=-1) + 1
    return score_against_scene(semantic, scene)["miou"]


def _mask_ap(gt_ids, gt_segments, pred_ids, pred_segments):
    """COCO mask AP over the thing segments (crowd GT marked as crowd)."""
    things = {c["id"] for c in CATEGORIES if c["isthing"]}
    gt = [{"mask": gt_ids == s["id"], "category_id": s["category_id"], "iscrowd": s["iscrowd"]}
          for s in gt_segments if s["category_id"] in things]
    preds = [{"mask": pred_ids == s["id"], "category_id": s["category_id"], "score": s["score"]}
             for s in pred_segments if s["category_id"] in things]
    return float(coco_mask_ap(gt, preds)["AP"])


@st.cache_data(**CACHE)
def evaluate(key: str, image, ids, segments, params: dict, bold: bool, _scene) -> dict:
    """Perturb the ground truth, score it, and draw the pictures (cached per image + params)."""
    pred = perturb_panoptic(ids, segments, CATEGORIES, **params)
    start = time.perf_counter()
    trace = panoptic_trace(ids, segments, pred.ids, pred.segments, CATEGORIES)
    wall_ms = (time.perf_counter() - start) * 1000
    swapped = panoptic_quality(pred.ids, _without_crowd(pred.segments), ids,
                               _without_crowd(segments), CATEGORIES)
    return {
        "result": trace.result, "pred_segments": pred.segments, "wall_ms": wall_ms,
        "pred_ids": pred.ids,
        "pred_steps": _captions(pred.steps), "match_steps": _captions(trace.steps),
        "swapped": swapped,
        "miou": _miou(_scene, pred.ids, pred.segments),
        "ap": _mask_ap(ids, segments, pred.ids, pred.segments),
        "gt_png": figs.png(figs.panoptic_rgb(image, ids, bold=bold)),
        "pred_png": figs.png(figs.panoptic_rgb(image, pred.ids, bold=bold)),
        "outcome_png": figs.png(figs.outcome_rgb(image, trace.outcome, trace.gt_outcome, bold)),
        # step label maps, drawn only when shown (step_png): most are never looked at
        "made_maps": [s.data.astype(np.int32) for s in pred.steps],
        "match_maps": [s.data.astype(np.uint8) for s in trace.steps],
    }


@st.cache_data(**CACHE)
def step_png(key: str, image, ids, segments, params: dict, which: str, index: int,
             bold: bool) -> bytes:
    """One step picture of :func:`evaluate`: how the prediction was made, or the matching."""
    maps = evaluate(key, image, ids, segments, params, bold, picked.scene)[which]
    draw = figs.panoptic_rgb if which == "made_maps" else figs.outcome_rgb
    return figs.png(draw(image, maps[index], bold=bold))


@st.cache_data(max_entries=4, ttl=3600, show_spinner=False)
def heads(key: str, ids, segments, noise: float, duplicates: int, seed: int) -> dict:
    """Synthetic semantic logits and instance masks (kept apart: they are the large part)."""
    return synthetic_heads(ids, segments, CATEGORIES, noise=noise, duplicates=duplicates,
                           random_state=seed)


@st.cache_data(**CACHE)
def fuse(key: str, image, ids, segments, noise, duplicates, seed, score, overlap, stuff_area):
    """Both fusions of the same heads, their PQ, and the pictures."""
    h = heads(key, ids, segments, noise, duplicates, seed)
    logits, instances = h["semantic_logits"], h["instances"]
    heuristic = heuristic_fusion(logits, instances, CATEGORIES, score_threshold=score,
                                 overlap_threshold=overlap, stuff_area=stuff_area)
    upsnet = upsnet_fusion(logits, instances, CATEGORIES)
    conflicts = fusion_conflicts(logits, instances, CATEGORIES)
    out = {"conflict_png": figs.png(figs.conflict_rgb(image, conflicts)),
           "n_instances": len(instances)}
    for name, fused in (("heuristic", heuristic), ("upsnet", upsnet)):
        out[name + "_steps"] = _captions(fused.steps)
        out[name + "_pq"] = panoptic_quality(ids, segments, fused.ids, fused.segments, CATEGORIES)
        out[name + "_png"] = [figs.png(figs.panoptic_rgb(image, s.data)) for s in fused.steps]
    out["disagree"] = float(np.mean(heuristic.ids != upsnet.ids))
    return out


def formula_lines(result, cid: int) -> list[panels.Formula]:
    """The lecture's PQ formula, then one class's and the average's numbers filled in."""
    s, name, allq = result.per_class[cid], NAMES[cid], result.summary["all"]
    counts = rf"{s['tp']}+\tfrac12\cdot{s['fp']}+\tfrac12\cdot{s['fn']}"
    if s["tp"]:
        filled = (rf"\frac{{{s['iou_sum']:.2f}}}{{{s['tp']}}}\times\frac{{{s['tp']}}}{{{counts}}}"
                  rf" = {figs.fmt(s['sq'])}\times{figs.fmt(s['rq'])} = {figs.fmt(s['pq'])}")
    elif s["fp"] + s["fn"]:
        filled = rf"\frac{{0}}{{{counts}}} = 0 \quad\text{{(no match)}}"
    else:
        filled = r"\text{n/a: no TP, FP or FN, left out of the average}"
    counted = [c["id"] for c in CATEGORIES if not np.isnan(result.per_class[c["id"]]["pq"])]
    average = " + ".join(figs.fmt(result.per_class[c]["pq"], 2) for c in counted) or "0"
    return [
        panels.lecture(
            r"\mathrm{PQ} = \underbrace{\frac{\sum_{(p,g)\in TP}\mathrm{IoU}(p,g)}{|TP|}}_{SQ}"
            r"\times\underbrace{\frac{|TP|}{|TP|+\frac12|FP|+\frac12|FN|}}_{RQ}",
            "panoptic", "Panoptic segmentation evaluation metric"),
        panels.beyond(
            r"\mathrm{IoU}(p,g)=\frac{|p\cap g|}{|p|+|g|-|p\cap g|-|p\cap \mathrm{VOID}|} > "
            + f"{MATCH_IOU}",
            "the COCO panoptic API's IoU (pq_compute), which leaves the prediction's VOID "
            "pixels out of the union; the match threshold IoU > 0.5 is the main deck's "
            "('Metrics: Panoptic quality')"),
        panels.lecture(rf"\mathrm{{PQ}}_{{\text{{{name}}}}} = " + filled,
                       "panoptic", "Panoptic segmentation evaluation metric"),
        panels.beyond(
            rf"\mathrm{{PQ}}_{{\text{{all}}}} = \frac{{1}}{{{allq['n']}}}\left({average}\right)"
            rf" = {figs.fmt(allq['pq'])}",
            "the average over classes of Kirillov et al.'s PQ paper and the COCO panoptic API "
            "(classes with no TP, FP or FN left out); the lecture gives PQ for one class"),
    ]


# ----------------------------------------------------------------- the prediction
st.subheader("1. Make a prediction from the ground truth")
st.caption("Each control is one typical model error; watch which of TP, FP, FN it creates.")
box = st.container(border=True)
c1, c2, c3, c4, c5 = box.columns(5)
grow = state.slider("Erode (-) / dilate (+) things, px", "grow", -MAX_GROW, MAX_GROW, 0,
                    container=c1)
shift = state.slider("Shift prediction (px, right and down)", "shift", 0, 20, 0, container=c1)
split = state.slider("Split instances in two", "split", 0, 3, 0, container=c2)
merge = state.slider("Merge closest same-class pairs", "merge", 0, 2, 0, container=c2)
drop = state.slider("Drop instances", "drop", 0, 3, 0, container=c3)
fps = state.slider("Add false positives", "fp", 0, 4, 0, container=c3)
relabel = state.select("Relabel a class", "relabel", RELABELS, NO_RELABEL, container=c5)
void = state.slider("Paint VOID (fraction of image)", "void", 0.0, 0.5, 0.0, step=0.05,
                    container=c4)
pseed = state.slider("Perturbation seed", "pseed", 0, 99, 0, container=c5, advanced=True,
                     help="Which instances are dropped, where false positives and VOID land.")

params = {"grow": grow, "shift": (shift, shift), "split": split, "merge": merge, "drop": drop,
          "false_positives": fps, "void_fraction": void, "random_state": pseed,
          "relabel": {} if relabel == NO_RELABEL else
          {BY_NAME[relabel.split("->")[0]]: BY_NAME[relabel.split("->")[1]]}}
run = None
with panels.user_errors():
    run = evaluate(picked.key, picked.image, panoptic.ids, panoptic.segments, params,
                   present.is_on(), picked.scene)
if run is None:
    st.stop()
result = run["result"]
allq = result.summary["all"]

left, middle, right = st.columns(3)
left.image(run["gt_png"], caption="Ground truth: one colour per segment; uncoloured pixels "
           "are VOID", width="stretch", output_format="PNG")
middle.image(run["pred_png"], caption="Prediction made by the chosen errors", width="stretch",
             output_format="PNG")
right.image(run["outcome_png"], caption=figs.OUTCOME_LEGEND, width="stretch", output_format="PNG")
made = st.expander(f"How the prediction was made ({len(run['pred_steps'])} steps)",
                   key="pqmade", on_change="rerun")
if made.open:  # drawn only when a student opens it
    cols = made.columns(min(4, len(run["pred_steps"])))
    for k, step in enumerate(run["pred_steps"]):
        cols[k % len(cols)].image(
            step_png(picked.key, picked.image, panoptic.ids, panoptic.segments, params,
                     "made_maps", k, present.is_on()),
            caption=f"{step.name}: {step.caption}", width="stretch", output_format="PNG")

# ----------------------------------------------------------------- matching
formula_slot = st.container()  # filled once the class choice below exists
st.subheader("2. Matching: who is TP, FP, FN")
show_class = state.select("Formula for class", "pqclass", list(BY_NAME), "car" if "car" in BY_NAME
                          else list(BY_NAME)[0], container=st.sidebar)
with formula_slot:
    panels.formula_panel(formula_lines(result, BY_NAME[show_class]),
                         caption="Filled with this image's numbers; pick the class in the "
                                 "sidebar. A class with no TP, FP and FN in this image is left "
                                 "out of the average.")

o_left, o_right = st.columns([2, 3])
with o_left:
    st.markdown("**Step by step**: each rule adds its pixels")
    player.step_player(run["match_steps"], key="pqstep", label="Stage",
                       render=lambda i, step: st.image(
                           step_png(picked.key, picked.image, panoptic.ids, panoptic.segments,
                                    params, "match_maps", i, present.is_on()), width="stretch",
                           output_format="PNG"))
with o_right:
    st.markdown("**Matching table**: every pair of segments sharing pixels, then the unpaired")
    st.dataframe(figs.matching_rows(result, panoptic.segments, run["pred_segments"], NAMES),
                 hide_index=True, width="stretch", height=420)
    st.caption("Crowd regions are never matched and never missed. A prediction is ignored when "
               "more than half of it lies on VOID plus its class's crowd region; if a class has "
               "several crowd segments, only the last one listed counts, as in the COCO panoptic "
               "API.")

# ----------------------------------------------------------------- metrics
st.subheader("3. PQ, SQ, RQ per class")
m = st.columns(6)
m[0].metric("PQ", figs.fmt(allq["pq"]))
m[1].metric("SQ", figs.fmt(allq["sq"]))
m[2].metric("RQ", figs.fmt(allq["rq"]))
m[3].metric("PQ things", figs.fmt(result.summary["things"]["pq"]))
m[4].metric("PQ stuff", figs.fmt(result.summary["stuff"]["pq"]))
m[5].metric("segcore time", f"{run['wall_ms']:.0f} ms")
st.plotly_chart(figs.pq_bars(result, CATEGORIES), width="stretch", key="pq_bars")
st.dataframe(figs.class_rows(result, CATEGORIES), hide_index=True, width="stretch")
export.export_panel(picked, run["pred_ids"], snippets.panoptic(picked, params), params,
                    {**result.summary, "miou": run["miou"], "mask_ap": run["ap"]}, run["pred_png"])

st.subheader("4. PQ vs mIoU vs mask AP on the same prediction")
k = st.columns(3)
k[0].metric("PQ", figs.fmt(allq["pq"]))
k[1].metric("mIoU (semantic)", figs.fmt(run["miou"]))
k[2].metric("mask AP (things)", figs.fmt(run["ap"]))
st.markdown(
    "They disagree because they look at different things: **mIoU** scores pixels of each "
    "class and cannot see instances (a split or merged car costs it almost nothing); **mask AP** "
    "ranks thing detections by score over IoU thresholds 0.5 to 0.95 and ignores stuff; **PQ** "
    "counts whole segments of things and stuff at one threshold, so one split car is one FN and "
    "two FP.")

swap = run["swapped"].summary["all"]
st.markdown("**Swap prediction and ground truth**")
w = st.columns(3)
w[0].metric("PQ(prediction vs GT)", figs.fmt(allq["pq"]))
w[1].metric("PQ(GT vs prediction)", figs.fmt(swap["pq"]),
            delta=None if np.isnan(swap["pq"] - allq["pq"]) else f"{swap['pq'] - allq['pq']:+.3f}")
w[2].metric("FP / FN after the swap", f"{len(run['swapped'].false_positives)} / "
            f"{len(run['swapped'].false_negatives)}")
st.caption("PQ is not symmetric: VOID is taken out of the union only where the *ground truth* is "
           "VOID, only ground-truth crowd regions excuse predictions, and predictions lying on "
           "VOID are ignored while ground truth is never ignored. Paint VOID or add false "
           "positives on the crowd to see the two numbers part.")

# ----------------------------------------------------------------- fusion
st.subheader("5. Panoptic fusion: semantic head + instance head -> one panoptic map")
st.caption("Synthetic heads made from the ground truth plus smooth noise (no trained model "
           "needed): per-class logits for the semantic head, scored masks for the instances.")
f1, f2, f3 = st.columns(3)
fnoise = state.slider("Head noise", "fnoise", 0.0, 3.0, 1.0, step=0.25, container=f1)
dups = state.slider("Duplicate detections", "dups", 0, 3, 1, container=f1)
score = state.slider("Score threshold", "score", 0.0, 1.0, 0.5, step=0.05, container=f2)
overlap = state.slider("Overlap threshold (visible fraction)", "overlap", 0.0, 1.0, 0.5,
                       step=0.05, container=f2)
stuff_area = state.slider("Stuff area threshold (px)", "stuffarea", 0, 4096, 256, step=64,
                          container=f3, advanced=True)
fused = None
with panels.user_errors():
    fused = fuse(picked.key, picked.image, panoptic.ids, panoptic.segments, fnoise, dups, pseed,
                 score, overlap, stuff_area)
if fused is not None:
    g1, g2, g3 = st.columns(3)
    g1.image(fused["conflict_png"], caption=f"Conflicts between the heads ({fused['n_instances']} "
             f"instances). {figs.CONFLICT_LEGEND}", width="stretch", output_format="PNG")
    for col, name, title in ((g2, "heuristic", "Heuristic: by score, overlap, stuff area"),
                             (g3, "upsnet", "UPSNet head: softmax over stuff + instance logits")):
        r = fused[name + "_pq"]
        col.image(fused[name + "_png"][-1], width="stretch", caption=title, output_format="PNG")
        col.metric(f"PQ {name}", figs.fmt(r.summary["all"]["pq"]),
                   help=f"SQ {figs.fmt(r.summary['all']['sq'])}, "
                        f"RQ {figs.fmt(r.summary['all']['rq'])}")
        col.caption(f"{len(r.matches)} TP, {len(r.false_positives)} FP, "
                    f"{len(r.false_negatives)} FN")
    st.caption(f"The two fusions disagree on {fused['disagree']:.1%} of the pixels. The heuristic "
               "has three knobs; UPSNet has none: every pixel goes to the channel with the "
               "highest probability, so a duplicate detection keeps the pixels where its logits "
               "win and usually survives as a false positive, which the overlap threshold would "
               "have removed.")
    which = state.select("Replay the fusion of", "fmethod", ["heuristic", "upsnet"], "heuristic",
                         radio=True)
    player.step_player(fused[which + "_steps"], key="fstep", label="Stage", render=lambda i, step:
                       st.image(fused[which + "_png"][i], width=420, output_format="PNG"))

eval_basics.panel()  # the seminar deck's 5 x 5 example: pixel accuracy, IoU, Dice by hand

panels.try_this(presets.PRESETS["panoptic-quality"])


# ----------------------------------------------------------------- challenge
challenge.challenge_panel("panoptic-quality")
