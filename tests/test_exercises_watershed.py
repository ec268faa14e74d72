"""Watershed exercises: truths against brute force, numpy and scikit-image, the beat target
reachable but not met naively, bad answers refused, and the page's Challenge panel."""

import re
import time

import numpy as np
import pytest
from scipy import ndimage
from skimage.morphology import local_minima

from segcore import exercises
from segcore.exercises import watershed as ex_ws
from tests.challenge_helpers import answer, exercise, feedback, open_page

SEEDS = (1, 7, 42, 2024, 9999)
GRID_GAP = ex_ws.GRID - 3  # A in the two left columns, B in the two right ones
CROSS = ndimage.generate_binary_structure(2, 1)


def _markers_of(ex):
    """A and B as the prompt states them: (row r, col c)."""
    found = re.findall(r"\*\*[AB] at \(row (\d+), col (\d+)\)\*\*", ex.prompt)
    return [tuple(int(v) for v in pair) for pair in found]


def _pass_by_brute_force(relief, a, b) -> int:
    """The lowest h at which a path of cells <= h joins a and b (4-neighbours)."""
    for h in range(int(relief.max()) + 1):
        parts, _ = ndimage.label(relief <= h, CROSS)
        if parts[a] and parts[a] == parts[b]:
            return h
    raise AssertionError("the markers never meet")


@pytest.mark.parametrize("seed", SEEDS)
def test_pass_level_is_the_brute_force_pass(seed):
    ex = ex_ws.pass_level(seed)
    relief = np.asarray(ex.shows[0].value)
    a, b = _markers_of(ex)
    assert relief[a] == relief[b] == 0 and abs(a[1] - b[1]) >= GRID_GAP
    truth = _pass_by_brute_force(relief, a, b)
    assert 1 <= truth <= ex_ws.TOP_LEVEL
    assert ex.check(str(truth)).correct
    wrong = ex.check(str(truth - 1))
    assert not wrong.correct and wrong.truth is None  # compute: the truth is not given away
    assert f"**h = {truth}**" in ex.solution


@pytest.mark.parametrize("seed", SEEDS)
def test_basin_count_is_the_number_of_regional_minima(seed):
    ex = ex_ws.predict_basins(seed)
    relief = np.asarray(ex.shows[0].value)
    truth = ndimage.label(local_minima(relief, connectivity=1), CROSS)[1]
    verdict = ex.check(str(truth))
    assert verdict.correct and verdict.truth == truth
    off = ex.check(str(truth + 1))
    assert not off.correct and off.truth == truth  # a prediction always reveals


def _snake_by_numpy(ex):
    rows = ex.shows[0].value
    v = np.array([[r["row"], r["col"]] for r in rows], float)
    alpha = float(ex.prompt.split("**alpha = ")[1].split("**")[0])
    beta = float(ex.prompt.split("**beta = ")[1].split("**")[0])
    cont = sum(((v[(i + 1) % len(v)] - v[i]) ** 2).sum() for i in range(len(v)))
    curv = sum(((v[(i + 1) % len(v)] - 2 * v[i] + v[i - 1]) ** 2).sum() for i in range(len(v)))
    return alpha / 2 * cont + beta / 2 * curv


@pytest.mark.parametrize("seed", SEEDS)
def test_snake_energy_is_checked_against_the_formula(seed):
    ex = ex_ws.snake_by_hand(seed)
    truth = _snake_by_numpy(ex)
    assert truth > 0
    assert ex.check(f"{truth:.4f}").correct
    assert ex.check(f"{truth * 1.009:.5f}").correct
    assert not ex.check(f"{truth * 1.05:.5f}").correct


@pytest.mark.parametrize("seed", SEEDS)
def test_beating_the_markers_is_possible_and_the_naive_threshold_is_not(seed):
    ex = ex_ws.beat_markers(seed)
    assert not ex.check(str(ex_ws.BEAT_NAIVE)).correct
    scene = ex_ws.beat_scene(seed)
    best = max(range(100, 200, 5), key=lambda t: ex_ws.markers_miou(scene, t))
    verdict = ex.check(str(best))
    assert verdict.correct and verdict.achieved >= verdict.truth
    assert not ex.check("250").correct


def test_same_seed_same_numbers_other_seed_other_numbers():
    first = exercises.for_page("watershed", 7)
    again = exercises.for_page("watershed", 7)
    other = exercises.for_page("watershed", 8)
    assert [e.prompt for e in first] == [e.prompt for e in again]
    assert [e.solution for e in first] == [e.solution for e in again]
    for a, b in zip(first, other):
        assert a.prompt != b.prompt or str(a.shows[0].value) != str(b.shows[0].value), a.id
    assert len({e.kind for e in first}) >= 2 and len(first) == 4


@pytest.mark.parametrize("seed", [3, 500, 7777])
def test_every_exercise_has_hints_and_a_solution(seed):
    for ex in exercises.for_page("watershed", seed):
        assert len(ex.hints) == 2 and ex.solution
        assert not re.search(r"</?[a-z]", ex.solution + ex.prompt + "".join(ex.hints))  # no HTML


@pytest.mark.parametrize("raw", ["ten", "", "4.5", "-1", "99"])
def test_bad_answers_are_refused_with_a_reason(raw):
    ex = ex_ws.pass_level(7)
    with pytest.raises(ValueError):
        ex.check(raw)


def test_generation_is_quick():
    exercises.for_page("watershed", 10)  # warm the imports
    start = time.perf_counter()
    for seed in (11, 12, 13):
        exercises.for_page("watershed", seed)
    assert (time.perf_counter() - start) / 3 < 2.0  # generous: the machine is shared


def test_the_page_judges_a_right_and_a_wrong_answer_and_bad_input():
    at = open_page("pages/watershed.py")
    ex = exercise("watershed", "pass-level")
    relief = np.asarray(ex.shows[0].value)
    truth = _pass_by_brute_force(relief, *_markers_of(ex))
    at = answer(at, ex, truth)
    successes, errors, warnings = feedback(at, ex)
    assert successes and successes[0].startswith("Right") and not errors and not warnings
    beat = exercise("watershed", "beat-markers")
    at = answer(at, beat, 250)
    successes, errors, _ = feedback(at, beat)
    assert not successes and errors[0].startswith("Not yet: with t_high = 250")
    at = answer(at, beat, "ten")
    assert "is not a number" in feedback(at, beat)[2][0]
    assert not at.exception
