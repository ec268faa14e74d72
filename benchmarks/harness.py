"""Time registered benchmark cases and print one table.

Each ``benchmarks/bench_<topic>.py`` module defines ``CASES``, a list of
:class:`Case`. A case times segcore's call and, where a library does the same
work, a reference call on the same input, and reports the ratio.
Timing is plain ``time.perf_counter`` around each call (or
``time.process_time`` for CPU budgets), after one warm-up call; the table
shows the median and minimum over ``repeat`` runs.
"""

from __future__ import annotations

import importlib
import pkgutil
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

__all__ = ["Case", "Timing", "time_call", "discover", "run", "format_table"]


@dataclass(frozen=True)
class Case:
    """One benchmark case.

    Parameters
    ----------
    name : str
        What is timed, e.g. "threshold: otsu".
    size : str
        Input size, e.g. "512 x 512".
    run : callable
        segcore's call (no arguments; build the input outside).
    reference : callable, optional
        The library call doing the same work.
    reference_name : str
        E.g. "skimage.filters.threshold_otsu".
    repeat : int
        Timed runs (after one warm-up).
    budget_ms : float, optional
        The budget from DESIGN.md or the issue; the table marks pass/fail.
    clock : callable
        ``time.perf_counter`` (wall time, default) or ``time.process_time``
        (CPU time of the whole process, all threads) where the budget is CPU.
    """

    name: str
    size: str
    run: Callable[[], object]
    reference: Callable[[], object] | None = None
    reference_name: str = ""
    repeat: int = 7
    budget_ms: float | None = None
    clock: Callable[[], float] = time.perf_counter


@dataclass(frozen=True)
class Timing:
    """Median and minimum wall time of a call, in milliseconds."""

    median_ms: float
    min_ms: float


def time_call(fn: Callable[[], object], repeat: int,
              clock: Callable[[], float] = time.perf_counter) -> Timing:
    """Time ``fn`` ``repeat`` times with ``clock`` after one warm-up call."""
    fn()
    samples = []
    for _ in range(repeat):
        start = clock()
        fn()
        samples.append((clock() - start) * 1000.0)
    return Timing(statistics.median(samples), min(samples))


def discover(pattern: str = "") -> list[Case]:
    """Collect ``CASES`` from every ``bench_*`` module whose name or case matches ``pattern``."""
    cases = []
    folder = Path(__file__).parent
    for info in sorted(pkgutil.iter_modules([str(folder)]), key=lambda m: m.name):
        if not info.name.startswith("bench_"):
            continue
        module = importlib.import_module(f"benchmarks.{info.name}")
        for case in module.CASES:
            if pattern.lower() in (info.name + " " + case.name).lower():
                cases.append(case)
    return cases


def run(cases: list[Case]) -> list[tuple[Case, Timing, Timing | None]]:
    """Time every case (and its reference)."""
    rows = []
    for case in cases:
        mine = time_call(case.run, case.repeat, case.clock)
        ref = time_call(case.reference, case.repeat, case.clock) if case.reference else None
        rows.append((case, mine, ref))
    return rows


def format_table(rows) -> str:
    """A Markdown table: case, size, median, min, budget, reference, ratio."""
    head = ("| case | size | median ms | min ms | budget ms | reference | ref median ms | "
            "ratio (segcore / ref) |\n|---|---|---:|---:|---|---|---:|---:|")
    lines = [head]
    for case, mine, ref in rows:
        budget = "" if case.budget_ms is None else (
            f"{case.budget_ms:g} {'ok' if mine.median_ms <= case.budget_ms else 'OVER'}")
        ref_ms = f"{ref.median_ms:.2f}" if ref else ""
        ratio = f"{mine.median_ms / ref.median_ms:.3g}" if ref and ref.median_ms > 0 else ""
        lines.append(f"| {case.name} | {case.size} | {mine.median_ms:.2f} | {mine.min_ms:.2f} | "
                     f"{budget} | {case.reference_name} | {ref_ms} | {ratio} |")
    return "\n".join(lines)
