"""Checks every page's exercise module passes (used by the per-page exercise tests)."""

import re
import time

import numpy as np

from segcore import exercises

HTML_TAG = re.compile(r"<[a-zA-Z/!]")
FAST_SECONDS = 0.5  # generating one page's exercises (the fastest of three seeds)
SLOW_SECONDS = 2.0  # ... and the slowest, on a busy shared machine


def assert_well_formed(page: str, seed: int = 7) -> tuple:
    """Two hints and a solution each, no HTML, the count the page announces; the items."""
    items = exercises.for_page(page, seed)
    assert exercises.count(page) == len(items)
    for ex in items:
        assert len(ex.hints) == 2 and ex.solution, ex.id
        assert not HTML_TAG.search(ex.prompt + ex.solution + "".join(ex.hints)), ex.id
    return items


def assert_seeded(page: str, seed: int = 7) -> None:
    """The same seed gives the same exercises; the next seed other numbers or pictures."""
    first, again, other = (exercises.for_page(page, s) for s in (seed, seed, seed + 1))
    for a, b, c in zip(first, again, other):
        assert (a.prompt, a.solution, a.hints) == (b.prompt, b.solution, b.hints), a.id
        assert all(np.array_equal(x.value, y.value) for x, y in zip(a.shows, b.shows)), a.id
        assert a.prompt != c.prompt or not all(
            np.array_equal(x.value, y.value) for x, y in zip(a.shows, c.shows)), a.id


def assert_quick(page: str, seeds=(11, 12, 13)) -> None:
    """First generation (no cache) within budget for the fastest seed, bounded for all."""
    times = []
    for seed in seeds:
        start = time.perf_counter()
        exercises.for_page(page, seed)
        times.append(time.perf_counter() - start)
    assert min(times) < FAST_SECONDS and max(times) < SLOW_SECONDS, times
