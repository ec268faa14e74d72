"""Thresholding exercises: truths against numpy and scikit-image, targets reachable, the page."""

import time

import numpy as np
import pytest
from skimage.filters import threshold_otsu

from segcore.exercises import thresholding as ex_thr
from tests.challenge_helpers import answer, exercise, feedback, open_page

SEEDS = (1, 7, 42, 2024, 9999)


def _sigma_b_by_numpy(ex) -> float:
    """sigma_B^2 from the table the student sees: omega fractions and class means."""
    row = ex.shows[0].value[0]
    levels = np.array([float(k) for k in row if k != "gray level"])
    counts = np.array([row[k] for k in row if k != "gray level"], float)
    t = int(ex.prompt.split("**t = ")[1].split("**")[0])
    low = levels <= t
    w0, w1 = counts[low].sum() / counts.sum(), counts[~low].sum() / counts.sum()
    mu0 = (levels[low] * counts[low]).sum() / counts[low].sum()
    mu1 = (levels[~low] * counts[~low]).sum() / counts[~low].sum()
    return w0 * w1 * (mu0 - mu1) ** 2


@pytest.mark.parametrize("seed", SEEDS)
def test_sigma_b_is_checked_against_the_formula(seed):
    ex = ex_thr.sigma_b_by_hand(seed)
    truth = _sigma_b_by_numpy(ex)
    assert truth > 0
    assert ex.check(f"{truth:.3f}").correct
    assert ex.check(f"{truth * 1.015:.5f}").correct        # rounding while working by hand
    assert not ex.check(f"{truth * 1.1:.5f}").correct
    assert not ex.check(f"{truth * 0.5:.5f}").correct


@pytest.mark.parametrize("seed", SEEDS)
def test_otsu_prediction_is_judged_against_scikit_image(seed):
    ex = ex_thr.predict_otsu(seed)
    counts = np.asarray(ex.shows[0].value["y"])
    truth = threshold_otsu(hist=(counts, np.arange(256)))
    verdict = ex.check(str(int(truth)))
    assert verdict.correct and verdict.truth == pytest.approx(truth, abs=0.5)
    far = ex.check(str(int(truth) + ex_thr.PREDICT_TOLERANCE + 1))
    assert not far.correct and far.truth == verdict.truth  # a prediction always reveals


@pytest.mark.parametrize("seed", SEEDS)
def test_beating_otsu_is_possible_and_otsu_itself_does_not(seed):
    ex = ex_thr.beat_otsu(seed)
    otsu_t = int(ex.prompt.split("Otsu's t = ")[1].split(" ")[0])
    assert not ex.check(str(otsu_t)).correct  # the target really is above Otsu's IoU
    best = max(range(0, 256, 4), key=lambda t: ex_thr.object_iou(ex_thr.beat_scene(seed), t))
    verdict = ex.check(str(best))
    assert verdict.correct and verdict.achieved >= verdict.truth


def test_generation_is_quick():
    start = time.perf_counter()
    for seed in (11, 12, 13):
        for make in ex_thr.EXERCISES:
            make(seed)
    assert (time.perf_counter() - start) / 3 < 2.0  # generous: CI machines are shared


def test_the_page_judges_a_right_and_a_wrong_answer_and_bad_input():
    at = open_page("pages/thresholding.py")
    sigma = exercise("thresholding", "sigma-b")
    at = answer(at, sigma, f"{_sigma_b_by_numpy(sigma):.4f}")
    successes, errors, warnings = feedback(at, sigma)
    assert successes and successes[0].startswith("Right") and not errors and not warnings
    beat = exercise("thresholding", "beat-otsu")
    at = answer(at, beat, 10)
    successes, errors, _ = feedback(at, beat)
    assert not successes and errors[0].startswith("Not yet: with t = 10")
    at = answer(at, beat, "ten")
    assert "is not a number" in feedback(at, beat)[2][0]
    assert not at.exception
