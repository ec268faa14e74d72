"""Checks every page's exercise tests share: seeding, hints and solutions, speed, one page round.

The page round answers one exercise right, one wrong and one with bad input in the
page's Challenge panel (AppTest, ``?challenge=7``); the caller computes the right
answer independently and says which text the wrong and bad verdicts must contain.
"""

import time

import numpy as np

from segcore import exercises
from tests.challenge_helpers import SEED, answer, exercise, feedback, open_page

SEEDS = (1, 7, 42, 321, 5000, 9999)
BUDGET_S = 0.5  # generating one page's exercises (imports and model loads excluded)


def view(e):
    """What a student sees of an exercise (prompt, shows, solution) as comparable values."""
    shows = [s.value.tolist() if isinstance(s.value, np.ndarray) else s.value for s in e.shows]
    return e.prompt, e.solution, shows


def assert_seeded(page: str, ids: list[str]) -> None:
    """The same seed gives the same exercises, another seed other numbers in each one; each
    exercise has two hints and a solution without HTML; at least two kinds on the page."""
    first, again = exercises.for_page(page, SEED), exercises.for_page(page, SEED)
    assert [e.id for e in first] == ids and exercises.count(page) == len(ids)
    assert len({e.kind for e in first}) >= 2
    assert [view(e) for e in first] == [view(e) for e in again]
    for a, b in zip(first, exercises.for_page(page, SEED + 1)):
        assert view(a) != view(b), a.id
    for seed in SEEDS:
        for e in exercises.for_page(page, seed):
            assert len(e.hints) == 2 and e.solution and e.seed == seed
            assert "<" not in e.prompt + e.solution + "".join(e.hints), e.id


def assert_fast(page: str) -> None:
    """Generating the page's exercises for a new seed takes less than :data:`BUDGET_S`."""
    exercises.for_page(page, 1)
    for seed in (123, 4567, 8910):
        start = time.perf_counter()
        exercises.for_page(page, seed)
        assert time.perf_counter() - start < BUDGET_S


def page_round(file: str, page: str, right: tuple, wrong: tuple, bad: tuple) -> None:
    """On the page: ``right = (id, value)`` gets a success, ``wrong = (id, value, text)`` an
    error containing ``text``, ``bad = (id, value, text)`` a warning containing ``text``."""
    at = open_page(file)
    assert not at.exception, [e.value for e in at.exception]
    ex = exercise(page, right[0])
    at = answer(at, ex, right[1])
    successes, errors, warnings = feedback(at, ex)
    assert len(successes) == 1 and not errors and not warnings
    for (exercise_id, value, text), kind in ((wrong, 1), (bad, 2)):
        ex = exercise(page, exercise_id)
        at = answer(at, ex, value)
        shown = feedback(at, ex)
        assert not shown[0] and len(shown[kind]) == 1 and text in shown[kind][0]
        assert not shown[3 - kind]
    assert not at.exception, [e.value for e in at.exception]
