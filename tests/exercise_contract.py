"""Checks every page's exercises must pass (used by the tests/test_exercises_<module>.py files).

The page-specific tests compute each truth independently; these helpers hold
what is the same for every page: seeding, hints and solution, no HTML,
generation time, and the Challenge panel's right / wrong / bad-input feedback.
"""

import re
import time

import pytest

from segcore import exercises
from tests.challenge_helpers import answer, exercise, feedback, open_page

HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
GENERATION_SECONDS = 0.5  # one page's exercises for a new seed, imports and weights loaded


def by_id(page: str, seed: int) -> dict:
    """The page's exercises for ``seed`` by id."""
    return {e.id: e for e in exercises.for_page(page, seed)}


def check_seeding(page: str, ids: list[str], min_changed: int = 2) -> None:
    """Same seed, same exercises; another seed, other numbers; hints, solution, no HTML."""
    first, again, other = (exercises.for_page(page, s) for s in (7, 7, 8))
    assert [e.id for e in first] == ids and exercises.count(page) == len(ids)
    assert len({e.kind for e in first}) >= 2
    assert [(e.prompt, e.solution) for e in first] == [(e.prompt, e.solution) for e in again]
    assert sum(a.prompt != b.prompt for a, b in zip(first, other)) >= min_changed
    assert [e.solution for e in first] != [e.solution for e in other]
    for e in first:
        assert len(e.hints) == 2 and e.solution
        assert not HTML_TAG.search(e.prompt + e.solution + "".join(e.hints))


def check_rejects(ex, *bad: str) -> None:
    """Each of ``bad`` is refused with a ValueError the panel shows as a warning."""
    for raw in bad:
        with pytest.raises(ValueError):
            ex.check(raw)


def check_generation_time(page: str) -> None:
    """A new seed's exercises within :data:`GENERATION_SECONDS` once imports are done."""
    exercises.for_page(page, 1)
    start = time.perf_counter()
    exercises.for_page(page, 2024)
    assert time.perf_counter() - start < GENERATION_SECONDS


def check_panel(file: str, page: str, right: tuple, wrong: tuple, bad: tuple) -> None:
    """Open ``file`` with ?challenge=7 and answer three exercises in its panel.

    Each of ``right``, ``wrong``, ``bad`` is ``(exercise id, value(exercise))``: the
    first must show a success, the second an error, the third a warning, each
    in its own exercise's container.
    """
    at = open_page(file)
    assert not at.exception, [e.value for e in at.exception]
    shown = []
    for ex_id, value in (right, wrong, bad):
        ex = exercise(page, ex_id)
        at = answer(at, ex, value(ex))
        shown.append(feedback(at, ex))
    (ok, errors, warnings), (ok2, errors2, _), (ok3, errors3, warnings3) = shown
    assert ok and not errors and not warnings
    assert errors2 and not ok2
    assert warnings3 and not ok3 and not errors3
    assert not at.exception
