"""Mask R-CNN staged trace and COCO mask AP, each next to the library doing the same work.

* The full eleven-stage trace of the shipped shapes model at 256 x 256 (the
  issue's budget: <= 1 s on CPU) against torchvision's plain ``model([x])``
  forward pass, which computes the same detections without recording stages.
* ``coco_mask_ap`` against pycocotools' COCOeval (RLE encoding, evaluate,
  accumulate, summarise) on the same masks: one image, and the 40-scene
  held-out set with the model's detections.

torch runs on one thread, as in the tests.
"""

import contextlib
import io

import numpy as np
import torch
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from benchmarks.harness import Case
from segcore.deep import mask_rcnn as mr
from segcore.deep.instance_data import make_instance_scene, make_instance_set
from segcore.deep.threads import torch_threads
from segcore.deep.train import HELD_OUT_COUNT, predict_instances
from segcore.evaluation.instances import coco_mask_ap, coco_mask_ap_images

torch.set_num_threads(1)
_TRACE_BUDGET_MS = 1000.0
_MODEL = mr.pretrained_model("shapes")
_IMAGE = make_instance_scene(1_000_007).image
_TENSOR = torch.from_numpy(_IMAGE).float().div(255).expand(3, -1, -1).contiguous()


def _forward():
    with torch.no_grad():
        return _MODEL([_TENSOR])


def _held_out():
    scenes = make_instance_set(HELD_OUT_COUNT)
    gts = [[{"mask": m, "category_id": int(c)} for m, c in zip(s.masks, s.labels)]
           for s in scenes]
    with torch_threads(1):
        preds = [predict_instances(_MODEL, s.image) for s in scenes]
    return gts, preds


_GTS, _PREDS = _held_out()


def _pycocotools(gt_images, pred_images):
    """COCOeval on the same masks (RLE-encoded here, as a user of pycocotools must)."""
    height, width = (gt_images[0] or pred_images[0])[0]["mask"].shape
    images = [{"id": i + 1, "height": height, "width": width} for i in range(len(gt_images))]
    categories = [{"id": c, "name": str(c)} for c in (1, 2, 3)]
    gts, dts = [], []
    for image_id, (gt, pred) in enumerate(zip(gt_images, pred_images), start=1):
        for item, out, extra in [(g, gts, {"iscrowd": 0}) for g in gt] + \
                                [(p, dts, {"score": p["score"], "iscrowd": 0}) for p in pred]:
            rle = mask_utils.encode(np.asfortranarray(item["mask"].astype(np.uint8)))
            out.append({"id": len(out) + 1, "image_id": image_id, "segmentation": rle,
                        "category_id": item["category_id"], "area": float(mask_utils.area(rle)),
                        "bbox": list(mask_utils.toBbox(rle)), **extra})
    cocos = []
    for anns in (gts, dts):
        coco = COCO()
        coco.dataset = {"images": images, "categories": categories, "annotations": anns}
        with contextlib.redirect_stdout(io.StringIO()):
            coco.createIndex()
        cocos.append(coco)
    with contextlib.redirect_stdout(io.StringIO()):
        ev = COCOeval(cocos[0], cocos[1], iouType="segm")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev.stats[:3]


CASES = [
    Case("mask_rcnn: staged trace, 11 stages (shapes model, 1 thread)", "256 x 256",
         lambda: mr.mask_rcnn_trace(_IMAGE, model=_MODEL), _forward,
         "torchvision MaskRCNN forward (no stages)", repeat=5, budget_ms=_TRACE_BUDGET_MS),
    Case("coco_mask_ap: one image (held-out scene 0)", "256 x 256",
         lambda: coco_mask_ap(_GTS[0], _PREDS[0]),
         lambda: _pycocotools(_GTS[:1], _PREDS[:1]), "pycocotools COCOeval segm (incl. RLE)"),
    Case(f"coco_mask_ap: {HELD_OUT_COUNT} held-out scenes, model detections",
         f"{HELD_OUT_COUNT} x 256 x 256",
         lambda: coco_mask_ap_images(_GTS, _PREDS),
         lambda: _pycocotools(_GTS, _PREDS), "pycocotools COCOeval segm (incl. RLE)", repeat=3),
]
