"""Compact Mask R-CNN: stages, RoIAlign/RoIPool geometry, weights, training, held-out AP."""

import numpy as np
import pytest
import torch
from torchvision.ops import roi_align, roi_pool

from segcore.deep import mask_rcnn as mr
from segcore.deep import weights as w
from segcore.deep.instance_data import CLASS_NAMES, make_instance_scene
from segcore.deep.train import evaluate_mask_ap, train_maskrcnn
from segcore.evaluation.instances import mask_iou

STAGES = ["transform", "backbone FPN", "RPN anchors", "objectness", "proposals before NMS",
          "proposals after NMS", "RoIAlign vs RoIPool", "box head + NMS", "mask logits",
          "pasted masks", "final overlay"]


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def random_model():
    torch.manual_seed(0)
    return mr.build_mask_rcnn().eval()


@pytest.fixture(scope="module")
def shapes_model():
    return mr.pretrained_model("shapes")


def _bilinear(fmap, x, y):
    """torchvision's CPU bilinear_interpolate (aligned=False), one point."""
    h, w = fmap.shape
    if y < -1 or y > h or x < -1 or x > w:
        return 0.0
    y, x = max(y, 0.0), max(x, 0.0)
    y0, x0 = int(y), int(x)
    y1, x1 = min(y0 + 1, h - 1), min(x0 + 1, w - 1)
    if y0 >= h - 1:
        y0 = y1 = h - 1
        y = float(y0)
    if x0 >= w - 1:
        x0 = x1 = w - 1
        x = float(x0)
    ly, lx = y - y0, x - x0
    return ((1 - ly) * (1 - lx) * fmap[y0, x0] + (1 - ly) * lx * fmap[y0, x1]
            + ly * (1 - lx) * fmap[y1, x0] + ly * lx * fmap[y1, x1])


@pytest.mark.parametrize("box", [(3.3, 10.9, 40.2, 31.7), (0.0, 0.0, 63.0, 63.0),
                                 (50.5, 47.2, 52.1, 49.9)])
def test_roi_align_points_reproduce_roi_align(box):
    rng = np.random.default_rng(0)
    fmap = rng.random((16, 16))
    scale = 0.25
    points = mr._roi_align_points(np.array(box), scale)
    ours = np.array([[np.mean([_bilinear(fmap, x, y) for x, y in points[i, j]])
                      for j in range(mr.ROI_OUTPUT)] for i in range(mr.ROI_OUTPUT)])
    rois = torch.tensor([[0.0, *box]], dtype=torch.float64)
    ref = roi_align(torch.from_numpy(fmap)[None, None], rois, mr.ROI_OUTPUT, scale,
                    mr.SAMPLING_RATIO, aligned=False)[0, 0].numpy()
    np.testing.assert_allclose(ours, ref, atol=1e-9)


@pytest.mark.parametrize("box", [(3.3, 10.9, 40.2, 31.7), (6.0, 2.0, 30.0, 60.0)])
def test_roi_pool_bins_reproduce_roi_pool(box):
    fmap = np.random.default_rng(1).random((16, 16))
    scale = 0.25
    quant, x_bins, y_bins = mr._roi_pool_bins(np.array(box), scale)
    ours = np.array([[fmap[int(max(ys, 0)):int(min(ye, 16)), int(max(xs, 0)):int(min(xe, 16))].max()
                      for xs, xe in x_bins] for ys, ye in y_bins])
    rois = torch.tensor([[0.0, *box]], dtype=torch.float64)
    ref = roi_pool(torch.from_numpy(fmap)[None, None], rois, mr.ROI_OUTPUT, scale)[0, 0].numpy()
    np.testing.assert_allclose(ours, ref, atol=1e-12)
    assert np.abs(quant - np.array(box) * scale).max() <= 0.5


def test_trace_has_every_stage(random_model):
    scene = make_instance_scene(3)
    trace = mr.mask_rcnn_trace(scene.image, model=random_model, score_thresh=0.0,
                               point=(40, 200))
    assert [s.name for s in trace.steps] == STAGES
    anchors = trace.steps[2].data
    assert len(anchors["boxes"]) == len(mr.ANCHOR_SIZES) * len(mr.ASPECT_RATIOS)
    centres = (anchors["boxes"][:, :2] + anchors["boxes"][:, 2:]) / 2
    assert np.abs(centres - [40, 200]).max() < 64           # anchors sit at cell corners
    before, after = trace.steps[4].data["boxes"], trace.steps[5].data["boxes"]
    assert 0 < len(after) <= len(before)
    box_head = trace.steps[7].data
    assert box_head["kept"].sum() == len(trace.scores)
    assert trace.masks.shape == (len(trace.scores), 256, 256)
    assert trace.steps[8].data["logits"].shape[1:] == (28, 28)
    assert set(np.unique(trace.instances)) <= set(range(len(trace.scores) + 1))


def test_thresholds_change_the_result(random_model):
    image = make_instance_scene(4).image
    loose = mr.mask_rcnn_trace(image, model=random_model, score_thresh=0.0, nms_thresh=0.9)
    strict = mr.mask_rcnn_trace(image, model=random_model, score_thresh=0.0, nms_thresh=0.1)
    assert len(strict.scores) < len(loose.scores)
    none = mr.mask_rcnn_trace(image, model=random_model, score_thresh=1.0)
    assert len(none.scores) == 0 and none.warnings


def test_threads_are_restored(random_model):
    torch.set_num_threads(1)
    mr.mask_rcnn_trace(make_instance_scene(0).image, model=random_model, threads=2)
    assert torch.get_num_threads() == 1


@pytest.mark.parametrize("kwargs, match", [
    ({"image": np.zeros((10, 10), np.uint8)}, "at least"),
    ({"image": np.zeros((64, 64), np.float32)}, "uint8"),
    ({"image": np.zeros((64, 64), np.uint8), "score_thresh": 1.5}, "score_thresh"),
    ({"image": np.zeros((64, 64), np.uint8), "point": (70, 3)}, "point"),
])
def test_bad_input(random_model, kwargs, match):
    with pytest.raises(ValueError, match=match):
        mr.mask_rcnn_trace(model=random_model, **kwargs)


def test_unknown_weights():
    with pytest.raises(ValueError, match="weights"):
        mr.build_mask_rcnn("imagenet")


def test_committed_weights_checksum():
    path = w.ASSETS_DIR / w.SHAPES_FILE
    assert w.sha256_of(path) == w.expected_sha256(w.SHAPES_FILE)
    assert path.stat().st_size < 8e6


def test_checksum_mismatch_refused(tmp_path):
    path = tmp_path / "m.pt"
    torch.save({"x": torch.zeros(1)}, path)
    with pytest.raises(ValueError, match="SHA-256"):
        w.load_state_dict(path, "0" * 64)
    with pytest.raises(ValueError, match="not found"):
        w.load_state_dict(tmp_path / "missing.pt", "0" * 64)


def test_coco_weights_from_local_cache(tmp_path, monkeypatch):
    """The COCO path loads from $TORCH_HOME only; a wrong file is refused."""
    from torchvision.models.detection import maskrcnn_resnet50_fpn_v2

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    assert w.coco_checkpoint_path() is None
    with pytest.raises(ValueError, match="not in the local"):
        mr.build_mask_rcnn("coco")
    torch.manual_seed(0)
    reference = maskrcnn_resnet50_fpn_v2(weights=None, weights_backbone=None)
    cache = tmp_path / "hub" / "checkpoints"
    cache.mkdir(parents=True)
    cached = cache / w.COCO_CHECKPOINT
    torch.save(reference.state_dict(), cached)
    with pytest.raises(ValueError, match="SHA-256"):          # right name, wrong digest
        mr.build_mask_rcnn("coco")
    named = f"maskrcnn_resnet50_fpn_v2_coco-{w.sha256_of(cached)[:8]}.pth"
    cached.rename(cache / named)
    monkeypatch.setattr(w, "COCO_CHECKPOINT", named)
    model = mr.build_mask_rcnn("coco")
    key = "roi_heads.mask_predictor.mask_fcn_logits.weight"
    assert torch.equal(model.state_dict()[key], reference.state_dict()[key])
    assert not model.training
    assert len(mr.class_names_for("coco")) == mr.COCO_CATEGORIES


def test_training_smoke(tmp_path):
    model, info = train_maskrcnn(2, batch_size=1, out_dir=tmp_path, log=lambda line: None)
    assert info["iterations"] == 2 and np.isfinite(info["loss"])
    digest = w.expected_sha256(w.SHAPES_FILE, tmp_path)
    assert w.sha256_of(tmp_path / w.SHAPES_FILE) == digest
    assert not model.training


def test_held_out_mask_ap50(shapes_model):
    scores = evaluate_mask_ap(shapes_model)
    assert scores["AP50"] >= 0.8, scores


def test_shapes_model_finds_the_objects(shapes_model):
    """At the default thresholds most objects are found and most detections are right."""
    found = detections = objects = 0
    for seed in range(1_000_100, 1_000_110):
        scene = make_instance_scene(seed)
        trace = mr.mask_rcnn_trace(scene.image, model=shapes_model)
        assert set(trace.labels) <= set(range(1, len(CLASS_NAMES)))
        if len(trace.masks):
            found += int((mask_iou(trace.masks, scene.masks).max(axis=0) >= 0.5).sum())
        detections += len(trace.masks)
        objects += len(scene.labels)
    assert found / objects >= 0.9 and found / detections >= 0.7, (found, objects, detections)


def test_instance_scenes_are_reproducible_and_disjoint():
    a, b = make_instance_scene(11), make_instance_scene(11)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.masks, b.masks)
    assert (a.masks.sum(axis=0) <= 1).all() and a.masks.reshape(len(a.masks), -1).any(1).all()
    for mask, (x1, y1, x2, y2) in zip(a.masks, a.boxes.astype(int)):
        rows, cols = np.nonzero(mask)
        assert (cols.min(), rows.min(), cols.max() + 1, rows.max() + 1) == (x1, y1, x2, y2)
    assert np.array_equal(np.unique(a.instances), np.arange(len(a.labels) + 1))
    assert not np.array_equal(a.image, make_instance_scene(12).image)


@pytest.mark.parametrize("seed, size", [(-1, 256), (0, 16), (0.5, 256)])
def test_instance_scene_bad_arguments(seed, size):
    with pytest.raises(ValueError):
        make_instance_scene(seed, size)
