"""Exercises of the FCN-upsampling page: seeded, checked by segcore, right against torch / numpy."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.ndimage import binary_dilation
from skimage.segmentation import find_boundaries

from segcore.deep import fcn
from segcore.exercises import fcn_upsampling as ex_fcn
from tests.exercise_checks import (by_id, check_generation_time, check_panel, check_rejects,
                                     check_seeding)

PAGE = "fcn-upsampling"
FILE = "pages/fcn-upsampling.py"
SEEDS = (1, 7, 42, 999, 9999)


def _layer(ex):
    """n, k, s, p, output_padding as the prompt states them."""
    patterns = (r"\*\*(\d+) x \1\*\*", r"kernel \*\*k = (\d+)\*\*", r"stride \*\*s = (\d+)\*\*",
                r"padding \*\*p = (\d+)\*\*", r"output_padding \*\*(\d+)\*\*")
    return tuple(int(re.search(pattern, ex.prompt).group(1)) for pattern in patterns)


def _torch_output_side(n, k, s, p, extra) -> int:
    layer = torch.nn.ConvTranspose2d(1, 1, k, stride=s, padding=p, output_padding=extra)
    with torch.no_grad():
        return int(layer(torch.zeros(1, 1, n, n)).shape[-1])


def _band_accuracy(gt, pred, band=2):
    """Accuracy within ``band`` px of a ground-truth boundary (skimage + scipy, by hand)."""
    near = binary_dilation(find_boundaries(gt, mode="thick"), iterations=band - 1)
    return float((gt[near] == pred[near]).mean())


def _torch_labels(variant, image):
    """Argmax of the shipped network, run with torch directly (edge-padded to a multiple of 8)."""
    model = fcn.build_fcn(variant, weights="shapes")
    h, w = image.shape
    padded = np.pad(image, ((0, -h % 8), (0, -w % 8)), mode="edge").astype(np.float32) / 255
    with torch.no_grad():
        logits = model(torch.from_numpy(padded)[None, None])
    return F.softmax(logits, 1)[0, :, :h, :w].argmax(0).numpy()


def _fine_scores(ex):
    """The fine score row f the learned-upsampling exercise draws (its bars)."""
    return np.asarray(next(s.value for s in ex.shows if s.kind == "bars")["y"], float)


def _share_removed(f, a):
    """1 - RMS(transposed conv (a, 1, a)) / RMS(nearest), with torch's conv_transpose1d."""
    x = torch.tensor(f[::2], dtype=torch.float64)[None, None]
    w = torch.tensor([a, 1.0, a], dtype=torch.float64)[None, None]
    up = F.conv_transpose1d(x, w, stride=2, padding=1)[0, 0].numpy()
    nearest = np.repeat(f[::2], 2)[:f.size]
    return 1 - np.sqrt(np.mean((up - f) ** 2)) / np.sqrt(np.mean((nearest - f) ** 2))


def _least_squares_a(f):
    pair = f[::2][:-1] + f[::2][1:]
    return float(np.linalg.lstsq(pair[:, None], f[1::2], rcond=None)[0][0])


# ----------------------------------------------------------------- seeds
def test_same_seed_same_exercises_other_seed_other_numbers():
    check_seeding(PAGE, ["tconv-size", "skip-boundary", "learned-upsampling"], min_changed=3)


# ----------------------------------------------------------------- output size
@pytest.mark.parametrize("seed", SEEDS + tuple(range(2, 30)))
def test_output_size_equals_torch(seed):
    ex = by_id(PAGE, seed)["tconv-size"]
    side = _torch_output_side(*_layer(ex))
    assert ex.check(str(side)).correct
    for wrong in (side - 1, side + 1):
        verdict = ex.check(str(wrong))
        assert not verdict.correct and verdict.truth is None  # compute: no reveal


def test_output_size_rejects_bad_input():
    check_rejects(by_id(PAGE, 7)["tconv-size"], "abc", "12.5", "0", "100000", "")


# ----------------------------------------------------------------- skips and boundaries
@pytest.mark.parametrize("seed", (7, 123, 4567))
def test_skip_truth_equals_torch_and_skimage(seed):
    ex = by_id(PAGE, seed)["skip-boundary"]
    scene = ex_fcn.skip_scene(seed)
    gt = np.asarray(scene.semantic)
    truth = _band_accuracy(gt, _torch_labels("fcn32s", scene.image))
    given = _band_accuracy(gt, _torch_labels("fcn8s", scene.image))
    assert f"**{given:.3f}**" in ex.prompt
    verdict = ex.check(f"{truth:.4f}")
    assert verdict.correct and verdict.truth == pytest.approx(truth, abs=1e-9)
    far = ex.check("1" if truth < 0.5 else "0")
    assert not far.correct and far.truth == pytest.approx(truth)  # predict: revealed anyway
    assert f"{truth:.3f}" in far.message
    assert given > truth  # the skips help at the boundaries


def test_skip_scene_sides_vary_and_out_of_range_is_rejected():
    sides = {ex_fcn.skip_scene(s).image.shape[0] for s in range(1, 40)}
    assert sides == set(ex_fcn.SKIP_SIDES)
    check_rejects(by_id(PAGE, 7)["skip-boundary"], "1.2", "-0.1", "seventy")


# ----------------------------------------------------------------- the learnt kernel
@pytest.mark.parametrize("seed", SEEDS + tuple(range(100, 160)))
def test_learned_kernel_target_reachable_and_not_met_by_naive_kernels(seed):
    ex = by_id(PAGE, seed)["learned-upsampling"]
    f = _fine_scores(ex)
    a_star = _least_squares_a(f)
    verdict = ex.check(f"{a_star:.4f}")
    assert verdict.correct, verdict.message
    assert verdict.achieved == pytest.approx(_share_removed(f, round(a_star, 4)), abs=1e-9)
    for naive in ("0.5", "0", "1"):  # linear interpolation, zero insertion, a flat kernel
        miss = ex.check(naive)
        assert not miss.correct and miss.achieved < miss.truth
        assert miss.achieved == pytest.approx(_share_removed(f, float(naive)), abs=1e-9)
    assert f"{_share_removed(f, 0.5):.3f}" in ex.prompt


def test_learned_kernel_rejects_out_of_range():
    check_rejects(by_id(PAGE, 7)["learned-upsampling"], "3", "-1", "a half")


def test_generation_time():
    check_generation_time(PAGE)


# ----------------------------------------------------------------- the page
def test_page_challenge_right_wrong_and_bad_input():
    check_panel(FILE, PAGE, right=("tconv-size", lambda ex: _torch_output_side(*_layer(ex))),
                wrong=("learned-upsampling", lambda ex: 0.5),  # the bilinear init, to beat
                bad=("skip-boundary", lambda ex: "70 %"))
