"""Split-and-merge exercises: seeded numbers, truths checked independently (a quadtree and
connected components in numpy/scipy, a boundary F-score by hand), the beat target
reachable but not met by the page's default, and the Challenge panel."""

import numpy as np
import pytest
from scipy import ndimage

from segcore import exercises
from segcore.classical.split_merge import split_and_merge
from segcore.exercises import split_merge as sm
from tests import challenge_helpers as ch
from tests import exercise_checks

PAGE = "split-merge"
FILE = "pages/split-merge.py"
SEEDS = (1, 7, 42, 2024, 9999)


def _by_id(seed):
    return {e.id: e for e in exercises.for_page(PAGE, seed)}


def _values(ex):
    return np.asarray(ex.shows[0].value).astype(float)


# ----------------------------------------------------------------- independent truths
def quadtree(values, row=0, col=0, size=8):
    """Leaves (row, col, size, uniform) of the split with variance <= 1, smallest side 2."""
    block = values[row:row + size, col:col + size]
    if block.var() <= 1 or size == 2:
        return [(row, col, size, bool(block.var() <= 1))]
    half = size // 2
    return [leaf for r in (row, row + half) for c in (col, col + half)
            for leaf in quadtree(values, r, c, half)]


def regions_after_merge(values):
    """Uniform leaves join their 4-connected group of the same kind; mixed leaves stay alone."""
    leaves = quadtree(values)
    count = sum(not uniform for *_, uniform in leaves)
    for bright in (False, True):
        kind = np.zeros(values.shape, bool)
        for row, col, size, uniform in leaves:
            block = values[row:row + size, col:col + size]
            if uniform and (block.mean() > 45) == bright:
                kind[row:row + size, col:col + size] = True
        count += ndimage.label(kind)[1]
    return count


def borders(labels):
    """Pixels with a 4-neighbour of another label."""
    edge = np.zeros(labels.shape, bool)
    down, right = labels[:-1] != labels[1:], labels[:, :-1] != labels[:, 1:]
    edge[:-1] |= down
    edge[1:] |= down
    edge[:, :-1] |= right
    edge[:, 1:] |= right
    return edge


def f_score(gt, pred, tolerance):
    """Boundary F: border pixels matched within ``tolerance`` px of the other map's border."""
    b_gt, b_pred = borders(gt), borders(pred)
    precision = (ndimage.distance_transform_edt(~b_gt)[b_pred] <= tolerance).mean()
    recall = (ndimage.distance_transform_edt(~b_pred)[b_gt] <= tolerance).mean()
    return 2 * precision * recall / (precision + recall)


# ----------------------------------------------------------------- seeds
def test_module_is_registered_with_three_kinds():
    items = exercise_checks.check_complete(PAGE)
    assert [e.kind for e in items] == ["compute", "predict", "beat"]


def test_same_seed_same_numbers_other_seed_other_numbers():
    exercise_checks.check_seeding(PAGE)
    for a, c in zip(exercises.for_page(PAGE, 7), exercises.for_page(PAGE, 8)):
        assert not np.array_equal(a.shows[0].value, c.shows[0].value), a.id


@pytest.mark.parametrize("seed", SEEDS)
def test_leaves_truth_is_an_independent_quadtree(seed):
    ex = _by_id(seed)["leaves"]
    leaves = quadtree(_values(ex))
    truth = len(leaves)
    assert sm.LEAVES_RANGE[0] <= truth <= sm.LEAVES_RANGE[1]
    assert any(size == 2 and not uniform for _, _, size, uniform in leaves)  # kept at the minimum
    assert ex.check(str(truth)).correct
    wrong = ex.check(str(truth - 1))
    assert not wrong.correct and "too low" in wrong.message and wrong.truth is None


@pytest.mark.parametrize("seed", SEEDS)
def test_regions_truth_is_the_groups_of_uniform_leaves_plus_the_mixed_ones(seed):
    ex = _by_id(seed)["regions"]
    values = _values(ex)
    truth = regions_after_merge(values)
    assert len(np.unique(ex.shows[1].value)) == len(quadtree(values))  # the leaves shown
    right = ex.check(str(truth))
    assert right.correct and right.truth == truth
    wrong = ex.check(str(truth + 1))
    assert not wrong.correct and wrong.truth == truth


def test_regions_rule_holds_for_many_grids():
    """The by-hand rule of the hints matches segcore's merge on any generated grid."""
    rng = np.random.default_rng(0)
    for _ in range(60):
        values, _ = sm.two_level_grid(rng, lambda v: True)
        assert sm.split_grid(values).n_regions == regions_after_merge(values.astype(float))
        assert sm.split_grid(values).n_leaves == len(quadtree(values.astype(float)))


@pytest.mark.parametrize("seed", (7, 42, 9999))
def test_outline_target_is_reachable_but_not_by_the_default(seed):
    ex = _by_id(seed)["outlines"]
    case = sm.outline_case(seed)
    assert np.array_equal(ex.shows[0].value, case.scene.image)
    best = max(case.scores, key=case.scores.get)
    verdict = ex.check(str(best))
    assert verdict.correct and verdict.achieved >= verdict.truth == case.target >= 0.8
    labels = split_and_merge(case.scene.image, predicate="variance", max_variance=best,
                             min_block=sm.OUTLINE_MIN_BLOCK).labels
    assert verdict.achieved == pytest.approx(f_score(case.scene.instances, labels, 2))
    for naive in (0, sm.DEFAULT_V, 3000):  # everything split, the page's v, everything merged
        assert not ex.check(str(naive)).correct, naive


def test_bad_answers_are_rejected_with_a_reason():
    found = _by_id(7)
    with pytest.raises(ValueError, match="not a number"):
        found["leaves"].check("ten")
    with pytest.raises(ValueError, match="out of range"):
        found["regions"].check("0")
    with pytest.raises(ValueError, match="not a whole number"):
        found["outlines"].check("1000.5")


def test_generation_is_quick():
    exercise_checks.check_generation_time(PAGE)


# ----------------------------------------------------------------- the panel (AppTest)
def test_panel_right_wrong_and_bad_input():
    at = ch.open_page(FILE)
    assert not at.exception, [e.value for e in at.exception]
    right = ch.exercise(PAGE, "regions")
    truth = regions_after_merge(_values(right))
    at = ch.answer(at, right, truth)
    successes, errors, _ = ch.feedback(at, right)
    assert successes and not errors and f"is {truth};" in successes[0]

    wrong = ch.exercise(PAGE, "leaves")
    at = ch.answer(at, wrong, len(quadtree(_values(wrong))) + 3)
    successes, errors, _ = ch.feedback(at, wrong)
    assert errors and not successes and "too high" in errors[0]

    bad = ch.exercise(PAGE, "outlines")
    at = ch.answer(at, bad, "5000")
    _, errors, warnings = ch.feedback(at, bad)
    assert warnings and "out of range" in warnings[0] and not errors
    assert not at.exception
