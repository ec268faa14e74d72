"""Exercises for every lecture page, generated from a seed and checked by segcore.

Each page's exercises live in a module named after its topic; the module
lists its generators in ``EXERCISES``, each ``make(seed) -> Exercise``.
:func:`for_page` builds a page's exercises for one seed: the same seed gives
the same numbers (a lecturer puts it in the link), another seed other ones.

Examples
--------
>>> first = for_page("thresholding", 7)
>>> [e.prompt for e in first] == [e.prompt for e in for_page("thresholding", 7)]
True
"""

from __future__ import annotations

import importlib
import numbers

from segcore.exercises.core import (KINDS, Answer, Exercise, Show, Verdict, choice_is,
                                    close_to, parse_answer, reach, rng_for)

__all__ = ["KINDS", "Answer", "Exercise", "Show", "Verdict", "MODULES", "SEED_RANGE",
           "for_page", "count", "parse_answer", "close_to", "reach", "choice_is", "rng_for"]

#: Lecture page (URL path) -> module of its exercises.
MODULES = {
    "thresholding": "thresholding",
    "region-growing": "region_growing",
    "split-merge": "split_merge",
    "watershed": "watershed",
    "clustering": "clustering",
    "graph-cuts": "graph_cuts",
    "fcn-upsampling": "fcn_upsampling",
    "atrous-convolution": "atrous",
    "mask-rcnn": "mask_rcnn",
    "panoptic-quality": "panoptic",
}
#: Seeds a link may carry (inclusive).
SEED_RANGE = (1, 9999)


def _module(page: str):
    if page not in MODULES:
        raise ValueError(f"page must be one of {list(MODULES)}, got {page!r}")
    return importlib.import_module(f"segcore.exercises.{MODULES[page]}")


def _validate_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed must be a whole number, got {seed!r}")
    seed = int(seed)
    if not SEED_RANGE[0] <= seed <= SEED_RANGE[1]:
        raise ValueError(f"seed must be between {SEED_RANGE[0]} and {SEED_RANGE[1]}, got {seed}")
    return seed


def for_page(page: str, seed: int) -> tuple[Exercise, ...]:
    """The exercises of lecture page ``page`` (its URL path) for ``seed``.

    Raises
    ------
    ValueError
        For an unknown page or a seed outside :data:`SEED_RANGE`.
    """
    seed = _validate_seed(seed)
    return tuple(make(seed) for make in _module(page).EXERCISES)


def count(page: str) -> int:
    """How many exercises page ``page`` has (without generating them)."""
    return len(_module(page).EXERCISES)
