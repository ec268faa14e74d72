"""segcore.deep.fcn and fcn_training: architecture, staged trace, weights, accuracy, timing,
training."""

import shutil

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from segcore import metrics
from segcore.deep import fcn
from segcore.deep import fcn_training as T
from segcore.deep import weights as W
from segcore.scenes import make_scene

torch.set_num_threads(1)


@pytest.mark.parametrize("variant", fcn.VARIANTS)
def test_every_variant_keeps_the_input_size_and_stays_tiny(variant):
    model = fcn.build_fcn(variant)
    assert model(torch.zeros(2, 1, 48, 40)).shape == (2, fcn.NUM_CLASSES, 48, 40)
    assert fcn.parameter_count(model) < 20_000


def test_lecture_width_has_the_lectures_filters():
    enc = fcn.build_fcn("fcn32s", width=1.0).encoder
    assert [enc.conv1.out_channels, enc.conv2.out_channels, enc.conv3.out_channels,
            enc.fc.out_channels] == list(fcn.LECTURE_WIDTHS)
    assert enc.conv1.kernel_size == (3, 3)


@pytest.mark.parametrize("factor", [2, 4, 8])
def test_fixed_upsampler_is_bilinear_interpolation_inside(factor):
    model = fcn.build_fcn("fcn32s")
    score = torch.randn(1, 4, 6, 5)
    ours = model.upsample(score, factor)
    ref = F.interpolate(score, scale_factor=factor, mode="bilinear", align_corners=False)
    assert ours.shape == ref.shape
    torch.testing.assert_close(ours[..., factor:-factor, factor:-factor],
                               ref[..., factor:-factor, factor:-factor])


def test_learned_upsampler_starts_bilinear():
    layer = fcn.build_fcn("fcn8s").up2_pool2
    score = torch.randn(1, 4, 6, 6)
    ref = F.interpolate(score, scale_factor=2, mode="bilinear", align_corners=False)
    with torch.no_grad():
        torch.testing.assert_close(layer(score)[..., 2:-2, 2:-2], ref[..., 2:-2, 2:-2])


def test_zero_initialised_skips_make_an_untrained_8s_equal_to_32s():
    torch.manual_seed(0)
    m32 = fcn.build_fcn("fcn32s")
    m8 = fcn.build_fcn("fcn8s")
    missing = m8.load_state_dict(m32.state_dict(), strict=False).missing_keys
    assert all(k.startswith(("score_pool", "up2_")) for k in missing)
    x = torch.rand(1, 1, 64, 64)
    with torch.no_grad():
        a, b = m8(x)[..., 8:-8, 8:-8], m32(x)[..., 8:-8, 8:-8]
    # three bilinear 2x steps are not exactly one bilinear 8x step, but close
    assert float((a - b).abs().max()) < 0.05 * float(b.max() - b.min())
    assert float((a.argmax(1) == b.argmax(1)).float().mean()) > 0.95


@pytest.fixture(scope="module")
def scene():
    return make_scene("shapes", seed=5, size=256)


def test_trace_stages_of_fcn8s(scene):
    trace = fcn.fcn_trace(scene.image, "fcn8s")
    names = [s.name for s in trace.steps]
    assert names == ["pool1 features", "pool2 features", "pool3 features", "coarse scores",
                     "32s: coarse x8", "16s: 2x + pool2 skip, x4", "8s: 2x + pool1 skip, x2"]
    assert trace.steps[0].data.shape == (8, 128, 128)
    assert trace.steps[3].data["scores"].shape == (4, 32, 32)
    assert trace.steps[5].data["scores"].shape == (4, 64, 64)
    final = trace.steps[-1].data
    np.testing.assert_array_equal(final["labels"], trace.labels)
    np.testing.assert_allclose(trace.probs.sum(0), 1.0, atol=1e-5)
    labels, _ = fcn.predict(fcn.pretrained("fcn8s"), scene.image)
    np.testing.assert_array_equal(labels, trace.labels)


def test_trace_of_32s_and_unet_and_odd_sizes():
    image = make_scene("shapes", seed=2, size=80).image[:77, :69]
    t32 = fcn.fcn_trace(image, "fcn32s")
    assert [s.name for s in t32.steps][-1] == "32s: coarse x8"
    assert t32.labels.shape == (77, 69)
    tu = fcn.fcn_trace(image, "unet")
    assert [s.name for s in tu.steps][3:] == ["decoder + conv3", "decoder + conv2",
                                               "decoder + conv1", "1 x 1 scores"]
    assert tu.probs.shape == (4, 77, 69)


def test_constant_image_warns():
    assert fcn.fcn_trace(np.full((32, 32), 60, np.uint8), "fcn8s").warnings


@pytest.mark.parametrize("call", [
    lambda: fcn.fcn_trace(np.zeros((32, 32, 3), np.uint8)),
    lambda: fcn.fcn_trace(np.zeros((32, 32), np.float32)),
    lambda: fcn.fcn_trace(np.zeros((4, 32), np.uint8)),
    lambda: fcn.fcn_trace(np.zeros((32, 32), np.uint8), "fcn4s"),
    lambda: fcn.build_fcn("fcn8s", weights="imagenet"),
    lambda: fcn.sliding_window(np.zeros((256, 256), np.uint8), stride=2),
    lambda: fcn.sliding_window(np.zeros((64, 64), np.uint8), window=20),
    lambda: fcn.timed_predict(np.zeros((32, 32), np.uint8), "fcn4s"),
    lambda: fcn.timed_predict(np.zeros((32, 32), np.uint8), repeat=0),
])
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_sliding_window_paints_cells_and_counts_windows(scene):
    trace = fcn.sliding_window(scene.image, "fcn8s", stride=16)
    assert trace.windows == 256 and trace.labels.shape == (256, 256)
    block = trace.labels[:16, :16]
    assert (block == block[0, 0]).all()
    report = fcn.evaluate(scene.semantic, trace.labels)
    assert report["mean_iou"] > 0.3  # blocky but not random
    odd = fcn.sliding_window(scene.image[:172, :45], "fcn8s", stride=8)
    assert odd.labels.shape == (172, 45) and odd.windows == 22 * 6


def test_sliding_window_batches_do_not_change_the_labels(scene, monkeypatch):
    """Patches go through the network WINDOW_BATCH at a time (bounded memory on a shared
    server); every patch is classified alone, so the batching cannot change a label."""
    batched = fcn.sliding_window(scene.image, "fcn8s", stride=16)
    assert batched.windows > fcn.WINDOW_BATCH
    monkeypatch.setattr(fcn, "WINDOW_BATCH", 10_000)
    whole = fcn.sliding_window(scene.image, "fcn8s", stride=16)
    np.testing.assert_array_equal(batched.labels, whole.labels)


def test_weights_are_verified_and_loaded_weights_only(tmp_path):
    for name in fcn.WEIGHTS_FILES.values():
        path = W.ASSETS_DIR / name
        assert path.is_file() and path.stat().st_size < 200_000
        assert W.expected_sha256(name) == W.sha256_of(path)
    shutil.copy(W.ASSETS_DIR / fcn.WEIGHTS_FILES["fcn8s"], tmp_path / fcn.WEIGHTS_FILES["fcn8s"])
    (tmp_path / W.SUMS_FILE).write_text(f"{'0' * 64}  {fcn.WEIGHTS_FILES['fcn8s']}\n")
    with pytest.raises(ValueError, match="SHA-256"):
        fcn.build_fcn("fcn8s", "shapes", weights_dir=tmp_path)
    W.record_sha256(tmp_path, [fcn.WEIGHTS_FILES["fcn8s"]])
    assert not fcn.build_fcn("fcn8s", "shapes", weights_dir=tmp_path).training
    with pytest.raises(ValueError, match="no checksum"):
        fcn.build_fcn("fcn32s", "shapes", weights_dir=tmp_path)


def test_training_loss_is_cross_entropy_plus_the_lectures_soft_dice():
    """Training and the pages share one soft Dice, segcore.metrics.soft_dice_loss (deck 004:
    1 - 2 sum(y p) / (sum y^2 + sum p^2) per class, averaged): the loss on tensors equals
    the hand-written formula and the numpy form on the same numbers."""
    assert not hasattr(fcn, "soft_dice_loss")  # no second definition to drift apart
    c = fcn.NUM_CLASSES
    rng = np.random.default_rng(0)
    logits = torch.from_numpy(rng.normal(size=(2, c, 5, 6))).requires_grad_(True)
    target = torch.from_numpy(rng.integers(0, c, (2, 5, 6)))
    p = torch.softmax(logits, 1).detach().numpy()
    y = np.eye(c)[target.numpy()].transpose(0, 3, 1, 2)
    by_hand = np.mean([1 - 2 * (y[:, k] * p[:, k]).sum()
                       / ((y[:, k] ** 2).sum() + (p[:, k] ** 2).sum()) for k in range(c)])
    assert metrics.soft_dice_loss(p, y) == pytest.approx(by_hand, abs=1e-6)
    loss = T._loss(logits, target)
    expected = float(F.cross_entropy(logits, target).detach()) + T.DICE_WEIGHT * by_hand
    assert float(loss.detach()) == pytest.approx(expected, abs=1e-6)
    loss.backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all()


def test_evaluate_reports_the_metrics_soft_dice(scene):
    labels, probs = fcn.predict(fcn.pretrained("fcn8s"), scene.image)
    report = fcn.evaluate(scene.semantic, labels, probs)
    onehot = np.eye(fcn.NUM_CLASSES)[scene.semantic].transpose(2, 0, 1)
    assert report["soft_dice"] == pytest.approx(metrics.soft_dice_loss(probs, onehot))
    assert 0.0 < report["soft_dice"] < 0.2


def test_timed_predict_times_only_the_warm_model(monkeypatch):
    """The variant table's ms: loading (build, SHA-256 check, torch.load) and the first pass
    come before the clock starts; the timed region holds predict calls on the loaded model only."""
    model = fcn.build_fcn("fcn16s").eval()
    events = []
    real_predict = fcn.predict

    def loader(variant):
        events.append("load")
        return model

    def spy_predict(m, image):
        assert m is model
        events.append("predict")
        return real_predict(m, image)

    ticks = iter(range(100))

    def clock():
        events.append("clock")
        return float(next(ticks))

    monkeypatch.setattr(fcn, "pretrained", loader)
    monkeypatch.setattr(fcn, "predict", spy_predict)
    image = make_scene("shapes", seed=3, size=64).image
    labels, probs, ms = fcn.timed_predict(image, "fcn16s", repeat=3, clock=clock)
    assert events == ["load", "predict"] + ["clock", "predict", "clock"] * 3
    assert ms == 1000.0  # one fake-clock tick (1 s) around each timed pass, median of three
    np.testing.assert_array_equal(labels, real_predict(model, image)[0])
    assert probs.shape == (fcn.NUM_CLASSES, 64, 64)
    events.clear()  # another image of the same size: the model is warm, no untimed pass
    fcn.timed_predict(make_scene("shapes", seed=4, size=64).image, "fcn16s", repeat=1, clock=clock)
    assert events == ["load", "clock", "predict", "clock"]


def test_timed_predict_of_a_shipped_model(scene):
    labels, probs, ms = fcn.timed_predict(scene.image, "fcn32s")
    expected_labels, expected_probs = fcn.predict(fcn.pretrained("fcn32s"), scene.image)
    np.testing.assert_array_equal(labels, expected_labels)
    np.testing.assert_allclose(probs, expected_probs)
    assert ms > 0


@pytest.fixture(scope="module")
def held_out():
    scenes = T.held_out_scenes(8)
    return {v: T.evaluate_variant(fcn.pretrained(v), scenes) for v in fcn.VARIANTS}


def test_shipped_fcn8s_segments_held_out_scenes(held_out):
    assert held_out["fcn8s"]["mean_iou"] >= 0.9
    assert held_out["fcn8s"]["pixel_accuracy"] >= 0.98


def test_skips_beat_32s_on_boundaries_and_miou(held_out):
    assert held_out["fcn8s"]["boundary_accuracy"] > held_out["fcn32s"]["boundary_accuracy"] + 0.02
    assert held_out["fcn8s"]["mean_iou"] > held_out["fcn32s"]["mean_iou"]
    assert held_out["fcn16s"]["boundary_accuracy"] > held_out["fcn32s"]["boundary_accuracy"]


def test_training_smoke_two_iterations(tmp_path):
    results = T.train_all(("fcn8s",), iterations=2, pool_scenes=3, held_out=1,
                          out_dir=tmp_path, log=lambda *_: None)
    assert set(results) == {"fcn8s"}
    assert np.isfinite(results["fcn8s"]["metrics"]["cross_entropy"])
    model = fcn.build_fcn("fcn8s", "shapes", weights_dir=tmp_path)
    assert model(torch.zeros(1, 1, 16, 16)).shape == (1, 4, 16, 16)


def test_training_batch_shapes():
    rng = np.random.default_rng(0)
    pool = [(make_scene("shapes", seed=s, size=128).image,
             make_scene("shapes", seed=s, size=128).semantic) for s in range(2)]
    x, y = T.training_batch(pool, rng, 3)
    assert x.shape[0] == 3 and x.shape[2] in T.CROP_SIZES and y.shape == x.shape[:1] + x.shape[2:]
    assert 0 <= float(x.min()) and float(x.max()) <= 1 and int(y.max()) < fcn.NUM_CLASSES
