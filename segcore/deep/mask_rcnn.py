"""A compact Mask R-CNN and its forward pass recorded stage by stage.

Mask R-CNN = Faster R-CNN + a small FCN on every region of interest. The model
is torchvision's :class:`~torchvision.models.detection.MaskRCNN` with a small
convolutional backbone built from scratch (four stride-2 stages, 16-96
channels) under a feature pyramid, one anchor size per pyramid level and three
aspect ratios, and slim box and mask heads, so it trains on two CPU cores in
minutes (``python -m segcore.deep.train maskrcnn``).
"""

from __future__ import annotations

from collections import OrderedDict
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.detection import MaskRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
from torchvision.models.detection.rpn import concat_box_prediction_layers
from torchvision.ops import MultiScaleRoIAlign, roi_align, roi_pool
from torchvision.ops import boxes as box_ops
from torchvision.ops.feature_pyramid_network import FeaturePyramidNetwork, LastLevelMaxPool

from segcore.deep import weights as _weights
from segcore.deep.instance_data import CLASS_NAMES
from segcore.deep.threads import torch_threads
from segcore.trace import Trace, TraceRecorder

__all__ = ["IMAGE_SIZE", "WEIGHT_CHOICES", "build_mask_rcnn", "class_names_for",
           "mask_rcnn_trace", "pretrained_model"]

IMAGE_SIZE = 256
STAGE_CHANNELS = (32, 48, 64, 96)           # strides 4, 8, 16, 32
FPN_CHANNELS = 32
ANCHOR_SIZES = ((16,), (32,), (64,), (128,), (256,))
ASPECT_RATIOS = (0.5, 1.0, 2.0)
REPRESENTATION = 256
MASK_LAYERS = (64, 64)
IMAGE_MEAN = (0.25, 0.25, 0.25)
IMAGE_STD = (0.25, 0.25, 0.25)
WEIGHT_CHOICES = ("shapes", "coco")
COCO_CATEGORIES = 91
MIN_SIDE = 32
LUMA = np.array([0.299, 0.587, 0.114])


class SmallBackbone(nn.Module):
    """Four stride-2 conv stages under an FPN; ``forward`` returns FPN maps.

    The output is an ordered dict ``{"0": stride 4, "1": 8, "2": 16, "3": 32,
    "pool": 64}`` of ``FPN_CHANNELS``-channel maps, the interface torchvision's
    detection heads expect (``out_channels`` attribute included).
    """

    def __init__(self) -> None:
        super().__init__()
        stem = STAGE_CHANNELS[0] // 2
        blocks = [nn.Sequential(_conv(3, stem, 2), _conv(stem, STAGE_CHANNELS[0], 2))]
        for c_in, c_out in zip(STAGE_CHANNELS[:-1], STAGE_CHANNELS[1:]):
            blocks.append(nn.Sequential(_conv(c_in, c_out, 2), _conv(c_out, c_out, 1)))
        self.body = nn.ModuleList(blocks)
        self.fpn = FeaturePyramidNetwork(list(STAGE_CHANNELS), FPN_CHANNELS,
                                         extra_blocks=LastLevelMaxPool())
        self.out_channels = FPN_CHANNELS

    def forward(self, x: torch.Tensor) -> "OrderedDict[str, torch.Tensor]":
        features = OrderedDict()
        for i, block in enumerate(self.body):
            x = block(x)
            features[str(i)] = x
        return self.fpn(features)


def _conv(c_in: int, c_out: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


def _small_mask_rcnn(num_classes: int) -> MaskRCNN:
    backbone = SmallBackbone()
    levels = ["0", "1", "2", "3"]
    return MaskRCNN(
        backbone, num_classes=None, min_size=IMAGE_SIZE, max_size=IMAGE_SIZE,
        image_mean=list(IMAGE_MEAN), image_std=list(IMAGE_STD),
        rpn_anchor_generator=AnchorGenerator(ANCHOR_SIZES, (ASPECT_RATIOS,) * len(ANCHOR_SIZES)),
        rpn_pre_nms_top_n_train=300, rpn_pre_nms_top_n_test=300,
        rpn_post_nms_top_n_train=150, rpn_post_nms_top_n_test=100,
        box_roi_pool=MultiScaleRoIAlign(levels, 7, 2),
        box_head=TwoMLPHead(FPN_CHANNELS * 7 * 7, REPRESENTATION),
        box_predictor=FastRCNNPredictor(REPRESENTATION, num_classes),
        box_batch_size_per_image=64, box_detections_per_img=50,
        mask_roi_pool=MultiScaleRoIAlign(levels, 14, 2),
        mask_head=MaskRCNNHeads(FPN_CHANNELS, list(MASK_LAYERS), 1),
        mask_predictor=MaskRCNNPredictor(MASK_LAYERS[-1], MASK_LAYERS[-1], num_classes))


def _validate_weights(weights: str | None) -> str | None:
    if weights is not None and weights not in WEIGHT_CHOICES:
        raise ValueError(f"weights must be None or one of {WEIGHT_CHOICES}, got {weights!r}")
    return weights


def build_mask_rcnn(weights: str | None = None) -> MaskRCNN:
    """Build the compact shapes Mask R-CNN or torchvision's COCO model.

    Parameters
    ----------
    weights : {None, "shapes", "coco"}
        ``None``: the small model, randomly initialised (for training).
        ``"shapes"``: the small model with the committed trained weights.
        ``"coco"``: ``maskrcnn_resnet50_fpn_v2`` with COCO weights, only if they
        are already in the local torch hub cache.

    Returns
    -------
    torchvision.models.detection.MaskRCNN
        In eval mode when weights were loaded, train mode otherwise.

    Raises
    ------
    ValueError
        Unknown ``weights``, a missing file, or a file whose SHA-256 differs
        from the recorded one.

    Notes
    -----
    Stages, as torchvision's ``GeneralizedRCNN`` composes them:
    ``transform`` (resize + normalise) -> ``backbone`` (FPN maps) -> ``rpn``
    (anchors, objectness, proposals) -> ``roi_heads`` (RoIAlign, box head,
    mask head) -> ``transform.postprocess`` (boxes and masks back to the
    input size).

    Examples
    --------
    >>> model = build_mask_rcnn()
    >>> model.backbone.out_channels, model.roi_heads.box_predictor.cls_score.out_features
    (32, 4)
    """
    weights = _validate_weights(weights)
    if weights == "coco":
        return _coco_model()
    model = _small_mask_rcnn(len(CLASS_NAMES))
    if weights == "shapes":
        path = _weights.ASSETS_DIR / _weights.SHAPES_FILE
        state = _weights.load_state_dict(path, _weights.expected_sha256(_weights.SHAPES_FILE))
        model.load_state_dict(state)
        model.eval()
    return model


def _coco_model() -> MaskRCNN:
    from torchvision.models.detection import maskrcnn_resnet50_fpn_v2

    path = _weights.coco_checkpoint_path()
    if path is None:
        raise ValueError(f"COCO weights {_weights.COCO_CHECKPOINT} are not in the local "
                         f"torch cache {_weights.torch_hub_dir()}; nothing is downloaded")
    prefix = path.stem.rsplit("-", 1)[-1]
    model = maskrcnn_resnet50_fpn_v2(weights=None, weights_backbone=None,
                                     num_classes=COCO_CATEGORIES)
    model.load_state_dict(_weights.load_state_dict(path, prefix))
    return model.eval()


def class_names_for(weights: str | None) -> tuple[str, ...]:
    """Category names indexed by label for the chosen weights."""
    if _validate_weights(weights) == "coco":
        from torchvision.models.detection import MaskRCNN_ResNet50_FPN_V2_Weights

        return tuple(MaskRCNN_ResNet50_FPN_V2_Weights.COCO_V1.meta["categories"])
    return CLASS_NAMES


# ---------------------------------------------------------------------------
# The forward pass, stage by stage
# ---------------------------------------------------------------------------

ROI_OUTPUT = 7                     # box-head RoI grid (bins per side)
SAMPLING_RATIO = 2                 # RoIAlign bilinear samples per bin and axis
MASK_THRESHOLD = 0.5
TRACE_THREADS = 1
DEFAULT_SCORE_THRESH = 0.5
DEFAULT_NMS_THRESH = 0.5
DEFAULT_RPN_NMS_THRESH = 0.7
FPN_LEVEL_NAMES = ("P2", "P3", "P4", "P5", "P6")


@lru_cache(maxsize=2)
def pretrained_model(weights: str = "shapes") -> MaskRCNN:
    """The model with ``weights`` loaded once per process (eval mode, shared)."""
    if weights is None:
        raise ValueError("pretrained_model needs weights 'shapes' or 'coco', got None")
    return build_mask_rcnn(weights)


def _validate_trace_args(image, point, thresholds: dict[str, float]):
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (
            image.ndim == 3 and image.shape[2] != 3):
        raise ValueError(f"image must be uint8 (H, W) or (H, W, 3), got {image.dtype} "
                         f"{image.shape}")
    if min(image.shape[:2]) < MIN_SIDE:
        raise ValueError(f"image must be at least {MIN_SIDE} pixels on each side, "
                         f"got {image.shape[:2]}")
    for name, value in thresholds.items():
        if not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    height, width = image.shape[:2]
    if point is None:
        point = (width / 2.0, height / 2.0)
    x, y = (float(v) for v in point)
    if not (0 <= x < width and 0 <= y < height):
        raise ValueError(f"point must be (x, y) inside the {width} x {height} image, got {point!r}")
    return image, (x, y)


def _to_tensor(image: np.ndarray, weights: str | None) -> torch.Tensor:
    """uint8 image -> (3, H, W) float in [0, 1]; gray for the shapes model."""
    if image.ndim == 3 and weights != "coco":
        image = np.round(image @ LUMA).astype(np.uint8)
    tensor = torch.from_numpy(np.array(image)).float().div_(255.0)
    return tensor.expand(3, -1, -1).contiguous() if tensor.ndim == 2 else tensor.permute(2, 0, 1)


def _transform(model, tensor):
    """Resize so the short side is ``min_size`` and normalise by mean/std."""
    images, _ = model.transform([tensor])
    return images


def _fpn_features(model, images):
    return model.backbone(images.tensors)


def _rpn_head(model, images, features):
    """Objectness logits and box deltas for every anchor of every level."""
    maps = list(features.values())
    objectness, deltas = model.rpn.head(maps)
    anchors = model.rpn.anchor_generator(images, maps)[0]
    shapes = [tuple(o.shape[1:]) for o in objectness]             # (A, h, w) per level
    flat_obj, flat_deltas = concat_box_prediction_layers(objectness, deltas)
    proposals = model.rpn.box_coder.decode(flat_deltas, [anchors]).reshape(-1, 4)
    return anchors, flat_obj.reshape(-1), proposals, shapes


def _rpn_filter(model, proposals, objectness, shapes, image_size, nms_thresh):
    """Top-n per level, clip, drop tiny boxes, NMS per level, keep post-NMS top-n."""
    counts = [a * h * w for a, h, w in shapes]
    pre_n, post_n = model.rpn.pre_nms_top_n(), model.rpn.post_nms_top_n()
    chosen, start = [], 0
    for count in counts:
        chosen.append(objectness[start:start + count].topk(min(pre_n, count)).indices + start)
        start += count
    index = torch.cat(chosen)
    levels = torch.repeat_interleave(torch.arange(len(counts)), torch.tensor(counts))[index]
    boxes = box_ops.clip_boxes_to_image(proposals[index], image_size)
    scores = objectness[index].sigmoid()
    keep = box_ops.remove_small_boxes(boxes, model.rpn.min_size)
    keep = keep[scores[keep] >= model.rpn.score_thresh]
    boxes, scores, levels = boxes[keep], scores[keep], levels[keep]
    kept = box_ops.batched_nms(boxes, scores, levels, nms_thresh)[:post_n]
    return boxes, scores, levels, kept


def _box_head(model, features, proposals, image_size):
    """RoIAlign 7 x 7 per proposal -> two FC layers -> class logits and box deltas."""
    pooled = model.roi_heads.box_roi_pool(features, [proposals], [image_size])
    logits, deltas = model.roi_heads.box_predictor(model.roi_heads.box_head(pooled))
    boxes = model.roi_heads.box_coder.decode(deltas, [proposals])
    return F.softmax(logits, -1), box_ops.clip_boxes_to_image(boxes, image_size)


def _per_class_nms(scores, boxes, score_thresh, nms_thresh, max_detections):
    """Drop background, keep scores > threshold, NMS independently per class."""
    num_classes = scores.shape[1]
    labels = torch.arange(num_classes).expand_as(scores)[:, 1:].reshape(-1)
    roi = torch.arange(len(scores))[:, None].expand(-1, num_classes - 1).reshape(-1)
    boxes, scores = boxes[:, 1:].reshape(-1, 4), scores[:, 1:].reshape(-1)
    keep = torch.where(scores > score_thresh)[0]
    keep = keep[box_ops.remove_small_boxes(boxes[keep], 1e-2)]
    boxes, scores, labels, roi = boxes[keep], scores[keep], labels[keep], roi[keep]
    kept = box_ops.batched_nms(boxes, scores, labels, nms_thresh)[:max_detections]
    return boxes, scores, labels, roi, kept


def _mask_head(model, features, boxes, labels, image_size):
    """RoIAlign 14 x 14 -> FCN -> 28 x 28 mask logits of each detection's class."""
    if len(boxes) == 0:
        side = 2 * model.roi_heads.mask_roi_pool.output_size[0]
        return torch.zeros((0, side, side))
    pooled = model.roi_heads.mask_roi_pool(features, [boxes], [image_size])
    logits = model.roi_heads.mask_predictor(model.roi_heads.mask_head(pooled))
    return logits[torch.arange(len(labels)), labels]


def _paste_masks(model, boxes, labels, scores, logits, resized, original):
    """Resize each 28 x 28 probability map into its box in the input image."""
    result = {"boxes": boxes, "labels": labels, "scores": scores,
              "masks": logits.sigmoid()[:, None]}
    return model.transform.postprocess([result], [resized], [original])[0]


def _roi_level(model, features, box, image_size):
    """FPN level the box head reads for ``box`` (FPN paper: k = 4 + log2(sqrt(wh)/224))."""
    pooler = model.roi_heads.box_roi_pool
    if pooler.scales is None:
        pooler(features, [box[None]], [image_size])
    level = int(pooler.map_levels([box[None]])[0])
    return level, float(pooler.scales[level]), pooler.featmap_names[level]


def _roi_align_points(box: np.ndarray, scale: float, bins: int = ROI_OUTPUT,
                      ratio: int = SAMPLING_RATIO) -> np.ndarray:
    """Bilinear sampling points of RoIAlign (``aligned=False``) in feature-cell units.

    Returns (bins, bins, ratio * ratio, 2) ``(x, y)``; cell ``i`` is centred at ``i``.
    """
    x1, y1, x2, y2 = np.asarray(box, np.float64) * scale
    width, height = max(x2 - x1, 1.0), max(y2 - y1, 1.0)
    offsets = (np.arange(ratio) + 0.5) / ratio
    xs = x1 + (np.arange(bins)[:, None] + offsets[None]) * width / bins      # (bins, ratio)
    ys = y1 + (np.arange(bins)[:, None] + offsets[None]) * height / bins
    gx = np.broadcast_to(xs[None, :, None, :], (bins, bins, ratio, ratio))
    gy = np.broadcast_to(ys[:, None, :, None], (bins, bins, ratio, ratio))
    return np.stack([gx, gy], -1).reshape(bins, bins, ratio * ratio, 2)


def _roi_pool_bins(box: np.ndarray, scale: float, bins: int = ROI_OUTPUT):
    """RoIPool's rounded box and integer bin edges ``[start, end)`` per axis (cells)."""
    quant = np.floor(np.asarray(box, np.float64) * scale + 0.5)     # C round half away
    edges = []
    for start, end in ((quant[0], quant[2]), (quant[1], quant[3])):
        size = max(end - start + 1, 1) / bins
        p = np.arange(bins)
        edges.append(np.stack([np.floor(p * size), np.ceil((p + 1) * size)], 1) + start)
    return quant, edges[0], edges[1]


def _roi_align_vs_pool(model, features, box, image_size):
    """One proposal through RoIAlign and RoIPool on its FPN level."""
    level, scale, name = _roi_level(model, features, box, image_size)
    fmap = features[name][0]
    energy = fmap.norm(dim=0)[None, None]
    rois = torch.cat([torch.zeros(1), box])[None]
    align = roi_align(energy, rois, ROI_OUTPUT, scale, SAMPLING_RATIO, aligned=False)[0, 0]
    pool = roi_pool(energy, rois, ROI_OUTPUT, scale)[0, 0]
    full_align = roi_align(fmap[None], rois, ROI_OUTPUT, scale, SAMPLING_RATIO, aligned=False)
    full_pool = roi_pool(fmap[None], rois, ROI_OUTPUT, scale)
    box_np = box.numpy().astype(np.float64)
    quant, x_bins, y_bins = _roi_pool_bins(box_np, scale)
    exact = box_np * scale
    return {
        "feature": energy[0, 0].numpy(), "box_cells": exact, "quantised_cells": quant,
        "x_bins": x_bins, "y_bins": y_bins, "points": _roi_align_points(box_np, scale),
        "align": align.numpy(), "pool": pool.numpy(), "box": box_np,
    }, {"level": level + 2, "scale": scale,
        "quantisation_px": float(np.abs(quant - exact).max() / scale),
        "align_pool_difference": float((full_align - full_pool).abs().mean())}


def _anchors_at(anchors, shapes, tensor_size, point_resized):
    """Indices of the anchors whose grid cell contains the point, on every level."""
    index, start = [], 0
    for a, h, w in shapes:
        stride_y, stride_x = tensor_size[0] / h, tensor_size[1] / w
        row = min(int(point_resized[1] // stride_y), h - 1)
        col = min(int(point_resized[0] // stride_x), w - 1)
        index.append(start + (row * w + col) * a + np.arange(a))
        start += a * h * w
    return np.concatenate(index)


def _objectness_maps(objectness, shapes, resized):
    """Per-level max-over-anchors objectness and their nearest-upsampled maximum."""
    maps, start, combined = {}, 0, np.zeros(resized, np.float32)
    for name, (a, h, w) in zip(FPN_LEVEL_NAMES, shapes):
        level = objectness[start:start + a * h * w].sigmoid().reshape(h, w, a).amax(-1).numpy()
        start += a * h * w
        factor = -(-resized[0] // h), -(-resized[1] // w)
        up = np.kron(level, np.ones(factor, np.float32))[:resized[0], :resized[1]]
        up = np.pad(up, [(0, resized[0] - up.shape[0]), (0, resized[1] - up.shape[1])], "edge")
        combined = np.maximum(combined, up)
        maps[name] = level
    return maps, combined


def _instance_map(masks: np.ndarray, scores: np.ndarray, shape) -> np.ndarray:
    """Paint masks lowest score first, so a higher-scoring instance stays on top."""
    ids = np.zeros(shape, np.int32)
    for k in np.argsort(scores, kind="stable"):
        ids[masks[k]] = k + 1
    return ids


def _proposal_at(boxes: np.ndarray, point) -> int:
    """Highest-objectness kept proposal containing the point (else the top one)."""
    x, y = point
    inside = np.nonzero((boxes[:, 0] <= x) & (x <= boxes[:, 2]) &
                        (boxes[:, 1] <= y) & (y <= boxes[:, 3]))[0]
    return int(inside[0]) if len(inside) else 0


@torch.no_grad()
def mask_rcnn_trace(image: np.ndarray, *, model: MaskRCNN | None = None, weights: str = "shapes",
                    point=None, score_thresh: float = DEFAULT_SCORE_THRESH,
                    nms_thresh: float = DEFAULT_NMS_THRESH,
                    rpn_nms_thresh: float = DEFAULT_RPN_NMS_THRESH,
                    threads: int = TRACE_THREADS) -> Trace:
    """Run Mask R-CNN on one image and record every stage of the forward pass.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) uint8
        Input image, at least ``MIN_SIDE`` pixels per side.
    model : MaskRCNN, optional
        A model in eval mode; default ``pretrained_model(weights)``.
    weights : {"shapes", "coco"}
        Which trained weights (and class names) to use when ``model`` is None.
    point : (x, y), optional
        Clicked location in input pixels for the anchor and RoI stages;
        default the image centre.
    score_thresh : float
        Box-head class probability a detection must exceed.
    nms_thresh : float
        IoU above which a lower-scoring box of the same class is suppressed.
    rpn_nms_thresh : float
        IoU for the RPN's per-level NMS of proposals.
    threads : int
        torch intra-op threads for this call (restored afterwards).

    Returns
    -------
    Trace
        ``output``: ``boxes`` (K, 4) float32 ``(x1, y1, x2, y2)`` in input
        pixels, ``labels`` (K,), ``scores`` (K,), ``masks`` (K, H, W) bool,
        ``instances`` (H, W) int32 (0 = background, k + 1 = detection k),
        ``class_names``. Eleven steps from "transform" to "final overlay";
        boxes in step data are in input pixels unless the key says ``cells``.

    Raises
    ------
    ValueError
        Bad image, thresholds outside [0, 1], point outside the image.

    Notes
    -----
    The RPN decodes anchor :math:`(x_a, y_a, w_a, h_a)` with deltas
    :math:`(t_x, t_y, t_w, t_h)` into :math:`x = x_a + t_x w_a`,
    :math:`w = w_a e^{t_w}`. A RoI of size :math:`w \\times h` is read from FPN
    level :math:`k = \\lfloor 4 + \\log_2(\\sqrt{wh}/224) \\rfloor`. RoIAlign
    averages bilinear samples at unrounded positions; RoIPool rounds the box
    to the feature grid and takes a max per bin. Masks are 28 x 28 sigmoid
    maps resized into the box and thresholded at 0.5.

    References
    ----------
    K. He, G. Gkioxari, P. Dollar, R. Girshick, "Mask R-CNN", ICCV 2017.

    Examples
    --------
    >>> from segcore.deep.instance_data import make_instance_scene
    >>> trace = mask_rcnn_trace(make_instance_scene(1).image, model=build_mask_rcnn().eval())
    >>> [s.name for s in trace.steps][:3], trace.instances.shape
    (['transform', 'backbone FPN', 'RPN anchors'], (256, 256))
    """
    image, point = _validate_trace_args(image, point, {
        "score_thresh": score_thresh, "nms_thresh": nms_thresh, "rpn_nms_thresh": rpn_nms_thresh})
    model = pretrained_model(weights) if model is None else model
    names = class_names_for(weights) if model.roi_heads.box_predictor.cls_score.out_features \
        == COCO_CATEGORIES else CLASS_NAMES
    with torch_threads(threads):
        return _run_stages(model, image, point, names, float(score_thresh), float(nms_thresh),
                           float(rpn_nms_thresh), weights)


def _run_stages(model, image, point, names, score_thresh, nms_thresh, rpn_nms_thresh, weights):
    rec, warnings = TraceRecorder(), []
    original = image.shape[:2]
    images = _transform(model, _to_tensor(image, weights))
    resized = tuple(images.image_sizes[0])
    ratio = np.array([resized[1] / original[1], resized[0] / original[0]] * 2, np.float32)
    rec.add("transform", {"image": images.tensors[0, 0, :resized[0], :resized[1]].numpy()},
            f"Resized {original[1]} x {original[0]} -> {resized[1]} x {resized[0]} and normalised "
            "per channel: (x - mean) / std.", scale=float(ratio[0]))

    features = _fpn_features(model, images)
    rec.add("backbone FPN", {n: f[0].norm(dim=0).numpy() for n, f in zip(FPN_LEVEL_NAMES,
                                                                          features.values())},
            "Feature pyramid: one map per stride (4 to 64 px); shown as the activation "
            "length over channels.", levels=len(features))

    anchors, objectness, proposals, shapes = _rpn_head(model, images, features)
    at = _anchors_at(anchors, shapes, images.tensors.shape[-2:], np.array(point) * ratio[:2])
    rec.add("RPN anchors", {"boxes": anchors[at].numpy() / ratio,
                            "objectness": objectness[at].sigmoid().numpy(),
                            "level": np.repeat(np.arange(len(shapes)), [s[0] for s in shapes]),
                            "point": np.array(point, np.float32)},
            f"{len(at)} anchors sit on the clicked cell ({len(shapes)} levels x "
            f"{shapes[0][0]} aspect ratios); {len(anchors)} anchors in the whole image.",
            anchors=len(anchors))

    maps, combined = _objectness_maps(objectness, shapes, resized)
    rec.add("objectness", {"heatmap": combined, **maps},
            "Objectness sigmoid(logit): the RPN's belief that an anchor covers an object "
            "(maximum over the anchors of each cell).", peak=float(combined.max()))

    boxes, scores, _, kept = _rpn_filter(model, proposals, objectness, shapes, resized,
                                         rpn_nms_thresh)
    rec.add("proposals before NMS", {"boxes": boxes.numpy() / ratio, "scores": scores.numpy()},
            f"Top {model.rpn.pre_nms_top_n()} decoded anchors per level, clipped to the image.",
            proposals=len(boxes))
    props = boxes[kept]
    rec.add("proposals after NMS", {"boxes": props.numpy() / ratio,
                                    "scores": scores[kept].numpy()},
            f"NMS per level at IoU {rpn_nms_thresh:.2f} keeps {len(kept)} of {len(boxes)}.",
            proposals=len(kept))
    if len(props) == 0:
        warnings.append("The RPN produced no proposals; nothing to detect.")
        props = torch.tensor([[0.0, 0.0, resized[1] - 1.0, resized[0] - 1.0]])

    chosen = _proposal_at(props.numpy() / ratio, point)
    roi_data, roi_metrics = _roi_align_vs_pool(model, features, props[chosen], resized)
    roi_data["box"] = roi_data["box"] / ratio
    rec.add("RoIAlign vs RoIPool", roi_data,
            f"Proposal {chosen} read on P{roi_metrics['level']}: RoIPool rounds the box to the "
            f"grid (error up to {roi_metrics['quantisation_px']:.1f} px), RoIAlign samples "
            f"{SAMPLING_RATIO}x{SAMPLING_RATIO} bilinear points per bin.", **roi_metrics)

    probs, class_boxes = _box_head(model, features, props, resized)
    cand, cand_scores, cand_labels, roi_index, keep = _per_class_nms(
        probs, class_boxes, score_thresh, nms_thresh, model.roi_heads.detections_per_img)
    kept_mask = np.zeros(len(cand), bool)
    kept_mask[keep.numpy()] = True
    rec.add("box head + NMS", {"boxes": cand.numpy() / ratio, "scores": cand_scores.numpy(),
                               "labels": cand_labels.numpy(), "proposal": roi_index.numpy(),
                               "kept": kept_mask, "class_probs": probs[:10].numpy()},
            f"{len(cand)} class-specific boxes score above {score_thresh:.2f}; NMS per class "
            f"at IoU {nms_thresh:.2f} keeps {len(keep)}.", candidates=len(cand), kept=len(keep))

    det_boxes, det_scores, det_labels = cand[keep], cand_scores[keep], cand_labels[keep]
    logits = _mask_head(model, features, det_boxes, det_labels, resized)
    rec.add("mask logits", {"logits": logits.numpy(), "labels": det_labels.numpy()},
            f"{len(logits)} x 28 x 28 mask logits, one map per detection (its class's channel).",
            detections=len(logits))

    pasted = _paste_masks(model, det_boxes, det_labels, det_scores, logits, resized, original)
    probs_in_image = pasted["masks"][:, 0].numpy()
    masks = probs_in_image > MASK_THRESHOLD
    rec.add("pasted masks", {"probabilities": np.round(probs_in_image * 255).astype(np.uint8),
                             "boxes": pasted["boxes"].numpy()},
            "Each 28 x 28 map is resized into its box in the input image and thresholded "
            f"at {MASK_THRESHOLD}.")

    out_scores = pasted["scores"].numpy()
    instances = _instance_map(masks, out_scores, original)
    if not len(masks):
        warnings.append(f"No detection scores above {score_thresh:.2f}; lower the score "
                        "threshold.")
    rec.add("final overlay", {"instances": instances, "boxes": pasted["boxes"].numpy(),
                              "labels": pasted["labels"].numpy(), "scores": out_scores},
            f"{len(masks)} instances.", detections=len(masks))
    output = {"boxes": pasted["boxes"].numpy(), "labels": pasted["labels"].numpy(),
              "scores": out_scores, "masks": masks, "instances": instances,
              "class_names": names}
    params = {"score_thresh": score_thresh, "nms_thresh": nms_thresh,
              "rpn_nms_thresh": rpn_nms_thresh, "point": point}
    return rec.finish(output, params, warnings)
