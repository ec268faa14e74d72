"""Checks every page's exercise tests share (``tests/test_exercises_<module>.py``).

Seeding (same seed, same numbers; another seed, other ones), completeness (two
hints, a worked solution, no HTML), bad entries refused, generation time, and one
round on the page's Challenge panel in AppTest. The per-page tests add the
truths, computed independently of segcore.
"""

import re
import time

import numpy as np
import pytest

from segcore import exercises
from tests.challenge_helpers import SEED, answer, exercise, feedback, open_page

HTML_TAG = re.compile(r"</?[a-zA-Z!][^>]*>")
SEEDS = (1, 7, 42, 321, 5000, 9999)  # seeds the per-page truth tests sweep
GENERATION_SECONDS = 0.5  # one page's exercises for a new seed (imports and weights loaded)


def by_id(page: str, seed: int) -> dict:
    """The page's exercises for ``seed`` by id."""
    return {e.id: e for e in exercises.for_page(page, seed)}


def view(e) -> tuple:
    """What a student sees of an exercise (prompt, solution, hints, shows) as comparable values."""
    shows = [(s.kind, s.value.tolist() if isinstance(s.value, np.ndarray) else s.value)
             for s in e.shows]
    return e.prompt, e.solution, e.hints, shows


def check_seeding(page: str, ids: list[str] | None = None, min_changed: int | None = None):
    """Same seed, same exercises; the next seed changes at least ``min_changed`` of them
    (default: every one); at least two kinds; :func:`segcore.exercises.count` agrees."""
    first, again, other = (exercises.for_page(page, s) for s in (SEED, SEED, SEED + 1))
    if ids is not None:
        assert [e.id for e in first] == ids
    assert exercises.count(page) == len(first)
    assert len({e.kind for e in first}) >= 2
    assert [view(e) for e in first] == [view(e) for e in again]
    changed = [a.id for a, b in zip(first, other) if view(a) != view(b)]
    assert len(changed) >= (len(first) if min_changed is None else min_changed), changed


def check_complete(page: str, seeds=(SEED,)) -> tuple:
    """Two hints and a worked solution each, the seed recorded, no HTML; the first seed's
    exercises."""
    for seed in seeds:
        items = exercises.for_page(page, seed)
        for e in items:
            assert len(e.hints) == 2 and e.solution and e.seed == seed, e.id
            assert not HTML_TAG.search(e.prompt + e.solution + "".join(e.hints)), e.id
    return exercises.for_page(page, seeds[0])


def check_rejects(ex, *bad) -> None:
    """Each bad entry (given one by one or as one sequence) raises the ValueError the panel
    shows as a warning."""
    if len(bad) == 1 and isinstance(bad[0], (list, tuple)):
        bad = tuple(bad[0])
    for raw in bad:
        with pytest.raises(ValueError):
            ex.check(raw)


def generation_seconds(page: str, seeds=(11, 12, 13)) -> float:
    """Median time to generate the page's exercises for a new seed, after a warm-up."""
    exercises.for_page(page, 3)  # imports and lazily loaded data
    times = []
    for seed in seeds:
        start = time.perf_counter()
        exercises.for_page(page, seed)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def check_generation_time(page: str, budget: float = GENERATION_SECONDS) -> None:
    """A new seed's exercises within ``budget`` seconds (median of three seeds)."""
    assert generation_seconds(page) < budget


def _entry(ex, value):
    return value(ex) if callable(value) else value


def check_panel(file: str, page: str, *, right: tuple, wrong: tuple, bad: tuple):
    """Open ``file`` with ``?challenge=7`` and answer three exercises in its panel.

    ``right``, ``wrong`` and ``bad`` are ``(exercise id, entry[, text])``; an entry may
    be a function of the exercise. The first must show only a success in its
    container, the second only an error, the third (text or out of range) only a
    warning; a ``text`` must be part of that message. Returns the AppTest.
    """
    at = open_page(file)
    assert not at.exception, [e.value for e in at.exception]
    for (exercise_id, value, *text), shown in ((right, "success"), (wrong, "error"),
                                               (bad, "warning")):
        ex = exercise(page, exercise_id)
        at = answer(at, ex, _entry(ex, value))
        got = dict(zip(("success", "error", "warning"), feedback(at, ex)))
        assert len(got[shown]) == 1 and not any(v for k, v in got.items() if k != shown), \
            (exercise_id, got)
        assert not text or text[0] in got[shown][0], (text, got[shown])
    assert not at.exception, [e.value for e in at.exception]
    return at
