"""Region-growing exercises: seeded numbers, truths checked independently (numpy, scipy),
the beat target reachable but not met by the page's defaults, and the Challenge panel."""

import re

import numpy as np
import pytest
from scipy import ndimage

from segcore import exercises
from segcore.classical.region_growing import merge_regions, region_grow
from segcore.exercises import region_growing as rg
from tests import challenge_helpers as ch
from tests import exercise_checks

PAGE = "region-growing"
FILE = "pages/region-growing.py"
SEEDS = (1, 7, 42, 2024, 9999)


def _by_id(seed):
    return {e.id: e for e in exercises.for_page(PAGE, seed)}


def _grid(ex, index=0):
    return np.asarray(ex.shows[index].value)


def _number(pattern, text):
    return int(re.search(pattern, text).group(1))


# ----------------------------------------------------------------- independent truths
def adaptive_t(ex):
    """T(i) = (1 - sd/M) T from the shown pixels, population sd (numpy)."""
    values = _grid(ex).astype(float)
    t = _number(r"\*\*T = (\d+)\*\*", ex.prompt)
    return (1 - values.std() / values.mean()) * t


def region_size(ex):
    """Bright pixels connected to the seed (scipy), the region the test admits."""
    values = _grid(ex)
    row, col = (int(v) for v in re.search(r"row (\d+), column (\d+)", ex.prompt).groups())
    connectivity = _number(r"(\d)-connectivity", ex.prompt)
    structure = ndimage.generate_binary_structure(2, 1 if connectivity == 4 else 2)
    labels = ndimage.label(values > 120, structure)[0]
    return int((labels == labels[row, col]).sum())


def critical_k(ex):
    """|M1 - M2| / min(sd1, sd2) of the two halves of the shown grid (numpy)."""
    values = _grid(ex).astype(float)
    left, right = values[:, :3], values[:, 3:]
    return abs(left.mean() - right.mean()) / min(left.std(), right.std())


# ----------------------------------------------------------------- seeds
def test_module_is_registered_with_four_exercises_of_three_kinds():
    items = exercise_checks.check_complete(PAGE)
    assert [e.kind for e in items] == ["compute", "predict", "compute", "beat"]


def test_same_seed_same_numbers_other_seed_other_numbers():
    exercise_checks.check_seeding(PAGE)


@pytest.mark.parametrize("seed", SEEDS)
def test_adaptive_t_truth_is_the_lecture_formula(seed):
    ex = _by_id(seed)["adaptive-t"]
    truth = adaptive_t(ex)
    assert 0 < truth < 60
    assert ex.check(f"{truth:.1f}").correct
    assert ex.check(str(truth).replace(".", ",")).correct  # decimal comma
    wrong = ex.check(f"{truth + 1:.1f}")
    assert not wrong.correct and "too high" in wrong.message and wrong.truth is None


@pytest.mark.parametrize("seed", SEEDS)
def test_region_size_truth_is_the_connected_bright_component(seed):
    ex = _by_id(seed)["region-size"]
    truth = region_size(ex)
    right = ex.check(str(truth))
    assert right.correct and right.truth == truth
    wrong = ex.check(str(truth + 1))
    assert not wrong.correct and wrong.truth == truth and f"is {truth};" in wrong.message
    # the case is built so that the other connectivity gives another region
    values = _grid(ex)
    row, col = (int(v) for v in re.search(r"row (\d+), column (\d+)", ex.prompt).groups())
    t = _number(r"\*\*T = (\d+)\*\*", ex.prompt)
    sizes = {c: int((region_grow(values, [(row, col)], criterion="mean", threshold=t,
                                 connectivity=c).labels > 0).sum()) for c in (4, 8)}
    assert sizes[4] < sizes[8]


@pytest.mark.parametrize("seed", SEEDS)
def test_merge_k_truth_and_the_merge_rule_agree(seed):
    ex = _by_id(seed)["merge-k"]
    k_star = critical_k(ex)
    assert 0.1 < k_star < 20
    assert ex.check(f"{k_star:.3f}").correct
    assert not ex.check(f"{k_star * 1.1:.3f}").correct
    labels = np.repeat([[1, 1, 1, 2, 2, 2]], 2, axis=0)
    just_above = merge_regions(_grid(ex), labels, k=k_star * 1.001)
    just_below = merge_regions(_grid(ex), labels, k=k_star * 0.999)
    assert (just_above.n_after, just_below.n_after) == (1, 2)


@pytest.mark.parametrize("seed", (7, 42, 9999))
def test_leak_target_is_reachable_but_not_by_the_defaults(seed):
    ex = _by_id(seed)["stop-leak"]
    case = rg.leak_case(seed)
    assert np.array_equal(ex.shows[0].value, case.image)
    best = max(case.scores, key=case.scores.get)
    verdict = ex.check(str(best))
    assert verdict.correct and verdict.achieved >= verdict.truth == case.target
    # the achieved Dice is the Dice of the grown mask (numpy)
    grown = region_grow(case.image, markers=case.markers, criterion="mean", threshold=best,
                        connectivity=8).labels > 0
    overlap = 2 * (grown & case.truth).sum() / (grown.sum() + case.truth.sum())
    assert verdict.achieved == pytest.approx(overlap)
    for naive in (0, rg.DEFAULT_T, 128):  # only the seeds, the page's T, the largest T
        assert not ex.check(str(naive)).correct, naive
    assert case.target >= 0.5


def test_bad_answers_are_rejected_with_a_reason():
    found = _by_id(7)
    with pytest.raises(ValueError, match="not a number"):
        found["adaptive-t"].check("about ten")
    with pytest.raises(ValueError, match="out of range"):
        found["stop-leak"].check("300")
    with pytest.raises(ValueError, match="not a whole number"):
        found["region-size"].check("3.5")
    with pytest.raises(ValueError, match="Type an answer"):
        found["merge-k"].check("  ")


def test_generation_is_quick():
    exercise_checks.check_generation_time(PAGE)


# ----------------------------------------------------------------- the panel (AppTest)
def test_panel_right_wrong_and_bad_input():
    at = ch.open_page(FILE)
    assert not at.exception, [e.value for e in at.exception]
    right = ch.exercise(PAGE, "adaptive-t")
    at = ch.answer(at, right, f"{adaptive_t(right):.2f}")
    successes, errors, _ = ch.feedback(at, right)
    assert successes and not errors and "Right" in successes[0]

    wrong = ch.exercise(PAGE, "region-size")
    at = ch.answer(at, wrong, region_size(wrong) + 2)
    successes, errors, _ = ch.feedback(at, wrong)
    assert errors and not successes and f"is {region_size(wrong)};" in errors[0]

    bad = ch.exercise(PAGE, "stop-leak")
    at = ch.answer(at, bad, "lots")
    _, errors, warnings = ch.feedback(at, bad)
    assert warnings and "not a number" in warnings[0] and not errors
    at = ch.answer(at, bad, "500")
    _, _, warnings = ch.feedback(at, bad)
    assert warnings and "out of range" in warnings[0]
    assert not at.exception
