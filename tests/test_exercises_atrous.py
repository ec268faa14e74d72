"""Exercises of the atrous-convolution page: seeded, checked by segcore, right against torch."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from segcore.deep import crf
from segcore.exercises import atrous as ex_atrous
from tests.exercise_checks import (by_id, check_generation_time, check_panel, check_rejects,
                                     check_seeding)

PAGE = "atrous-convolution"
FILE = "pages/atrous-convolution.py"
SEEDS = (1, 7, 42, 999, 9999)


def _show(ex, kind):
    return next(s.value for s in ex.shows if s.kind == kind)


def _torch_atrous(ex) -> int:
    """y[i] of the prompt's kernel, rate and index on the shown signal, by torch's conv1d."""
    w = [int(v) for v in re.search(r"w = \(([-\d, ]+)\)", ex.prompt).group(1).split(",")]
    r = int(re.search(r"r = (\d+)\*\*", ex.prompt).group(1))
    i = int(re.search(r"Compute \*\*y\[(\d+)\]", ex.prompt).group(1))
    x = torch.tensor(np.asarray(_show(ex, "grid"))[0], dtype=torch.float64)[None, None]
    y = F.conv1d(x, torch.tensor(w, dtype=torch.float64)[None, None], dilation=r)
    return int(round(float(y[0, 0, i])))


def _support(rows) -> int:
    """Receptive field by walking one output unit back through the stack (positions, no formula)."""
    positions = {0}
    for row in reversed(rows):
        k, r, s = row["kernel k"], row["rate r"], row["stride s"]
        positions = {j * s + t * r for j in positions for t in range(k)}
    return max(positions) - min(positions) + 1


def _miou(gt, pred, n_classes) -> float:
    """Mean IoU over the classes present in either map, with numpy."""
    ious = [np.sum((gt == c) & (pred == c)) / np.sum((gt == c) | (pred == c))
            for c in range(n_classes) if np.any((gt == c) | (pred == c))]
    return float(np.mean(ious))


# ----------------------------------------------------------------- seeds
def test_same_seed_same_exercises_other_seed_other_numbers():
    check_seeding(PAGE, ["atrous-sum", "rf-stack", "crf-weight"])


# ----------------------------------------------------------------- the atrous sum
@pytest.mark.parametrize("seed", SEEDS + tuple(range(2, 40)))
def test_atrous_sum_equals_torch(seed):
    ex = by_id(PAGE, seed)["atrous-sum"]
    truth = _torch_atrous(ex)
    assert ex.check(str(truth)).correct
    assert not ex.check(str(truth + 1)).correct


def test_atrous_sum_rejects_bad_input():
    check_rejects(by_id(PAGE, 7)["atrous-sum"], "minus eight", "1.5", "999", "")


# ----------------------------------------------------------------- receptive field
@pytest.mark.parametrize("seed", SEEDS + tuple(range(2, 40)))
def test_rf_truth_equals_walking_the_stack_back(seed):
    ex = by_id(PAGE, seed)["rf-stack"]
    truth = _support(_show(ex, "table"))
    verdict = ex.check(str(truth))
    assert verdict.correct and verdict.truth == truth
    far = ex.check(str(3 * truth))
    assert not far.correct and far.truth == truth  # predict: revealed anyway
    assert f"= {truth}$" in ex.solution


def test_rf_stacks_vary_and_sometimes_pool():
    tables = [_show(by_id(PAGE, s)["rf-stack"], "table") for s in range(1, 30)]
    assert len({_support(t) for t in tables}) > 8
    assert any(row["kind"] == "pool" for t in tables for row in t)
    check_rejects(by_id(PAGE, 7)["rf-stack"], "0", "wide")


# ----------------------------------------------------------------- dense CRF
@pytest.mark.parametrize("seed", SEEDS + (2, 3, 11, 500))
def test_crf_target_reachable_not_by_the_network_alone(seed):
    ex = by_id(PAGE, seed)["crf-weight"]
    scene, noise, noise_seed = ex_atrous.crf_case(seed)
    gt = np.asarray(scene.semantic)
    probs = crf.coarse_scores(gt, 4, factor=ex_atrous.CRF_FACTOR, noise=noise,
                              random_state=noise_seed)
    network = _miou(gt, probs.argmax(0), 4)
    assert f"**{network:.3f}**" in ex.prompt
    for naive in ("0", "0.5"):  # no pairwise term, or a token one
        miss = ex.check(naive)
        assert not miss.correct and miss.achieved < miss.truth
    assert ex.check("0").achieved == pytest.approx(network)
    reached = [w for w in (1, 2, 3, 4, 5, 6, 8, 10) if ex.check(str(w)).correct]
    assert reached, "no bilateral weight reaches the target"
    w = reached[0]
    labels = crf.scene_crf(scene.image, scene, factor=ex_atrous.CRF_FACTOR, noise=noise,
                           iterations=ex_atrous.CRF_ITERATIONS, w_spatial=0.0, w_bilateral=w,
                           random_state=noise_seed).labels
    assert ex.check(str(w)).achieved == pytest.approx(_miou(gt, labels, 4))


def test_crf_rejects_out_of_range():
    check_rejects(by_id(PAGE, 7)["crf-weight"], "25", "-1", "strong")


def test_generation_time():
    check_generation_time(PAGE)


# ----------------------------------------------------------------- the page
def test_page_challenge_right_wrong_and_bad_input():
    check_panel(FILE, PAGE, right=("atrous-sum", _torch_atrous),
                wrong=("rf-stack", lambda ex: 3 * _support(_show(ex, "table"))),
                bad=("crf-weight", lambda ex: "25"))  # weights go up to 20
