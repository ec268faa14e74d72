"""Checks every page's exercise module passes (seeding, completeness, timing, bad input).

The per-page tests (``tests/test_exercises_<module>.py``) call these and add
their own truths, computed independently of segcore.
"""

import time

import numpy as np
import pytest

from segcore import exercises
from tests.challenge_helpers import answer, exercise, feedback, open_page


def by_id(page: str, seed: int) -> dict:
    """The page's exercises for ``seed`` by id."""
    return {e.id: e for e in exercises.for_page(page, seed)}


def _same_shows(a, b) -> bool:
    return len(a.shows) == len(b.shows) and all(
        x.kind == y.kind and (x.value == y.value if x.kind == "table"
                              else np.array_equal(x.value, y.value))
        for x, y in zip(a.shows, b.shows))


def check_seeding(page: str, ids: list[str]) -> None:
    """Same seed, same exercises (text and pictures); another seed, other numbers."""
    first, again, other = (exercises.for_page(page, s) for s in (7, 7, 8))
    assert [e.id for e in first] == ids and exercises.count(page) == len(ids)
    assert len({e.kind for e in first}) >= 2
    for a, b in zip(first, again):
        assert (a.prompt, a.solution, a.hints) == (b.prompt, b.solution, b.hints)
        assert _same_shows(a, b)
    for a, c in zip(first, other):
        assert a.prompt != c.prompt or not _same_shows(a, c), a.id


def check_complete(page: str, seeds) -> None:
    """Two hints and a worked solution everywhere, the seed recorded, no HTML."""
    for seed in seeds:
        for e in exercises.for_page(page, seed):
            assert len(e.hints) == 2 and e.solution and e.seed == seed
            assert "<" not in e.prompt + e.solution + "".join(e.hints)


def check_rejects(ex, bad_inputs) -> None:
    """Every entry of ``bad_inputs`` is refused with a ValueError (the panel's warning)."""
    for bad in bad_inputs:
        with pytest.raises(ValueError):
            ex.check(bad)


def generation_seconds(page: str, seeds=(11, 12, 13)) -> float:
    """Median time to generate the page's exercises for a new seed, after a warm-up."""
    exercises.for_page(page, 3)  # imports and lazily loaded data
    times = []
    for seed in seeds:
        start = time.perf_counter()
        exercises.for_page(page, seed)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def check_panel(file: str, page: str, *, right, wrong, bad):
    """Open ``file`` with ``?challenge=7`` and answer three exercises in its panel.

    ``right``, ``wrong`` and ``bad`` are ``(exercise id, entry)``: the first must show
    only a success in its container, the second only an error, the third (text or out
    of range) only a warning. Returns the AppTest for more answers.
    """
    at = open_page(file)
    assert not at.exception, [e.value for e in at.exception]
    for (exercise_id, entry), shown in ((right, "success"), (wrong, "error"), (bad, "warning")):
        ex = exercise(page, exercise_id)
        at = answer(at, ex, entry)
        got = dict(zip(("success", "error", "warning"), feedback(at, ex)))
        assert got[shown] and not any(v for k, v in got.items() if k != shown), (exercise_id, got)
    assert not at.exception, [e.value for e in at.exception]
    return at
