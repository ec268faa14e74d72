"""The one result shape every segcore algorithm returns.

An algorithm returns a :class:`Trace`: its final output plus a tuple of
:class:`Step` records, one per textbook stage or iteration. Steps hold plain
numpy arrays, so a Trace pickles (``st.cache_data`` needs that) and a page can
replay the steps with a slider.

Recording is bounded: a :class:`TraceRecorder` built with ``max_steps`` keeps
the first step, the last step and evenly spaced steps in between, so an
algorithm that iterates thousands of times stores at most ``max_steps``
frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

__all__ = ["Step", "Trace", "TraceRecorder"]


@dataclass(frozen=True)
class Step:
    """One recorded stage of an algorithm.

    Parameters
    ----------
    name : str
        Short stage name, e.g. ``"iteration 3"`` or ``"depth 2"``.
    data : ndarray or dict of str to ndarray
        What the stage produced: a label map, a mask, a curve, or a small dict
        of such arrays.
    caption : str
        One sentence for the student saying what happened at this stage.
    metrics : dict of str to float, optional
        Scalar values at this stage (threshold, SSE, region mean, ...).
    index : int, optional
        Position of the stage in the full, unbounded run (iteration number).
    """

    name: str
    data: Any
    caption: str = ""
    metrics: Mapping[str, float] = field(default_factory=dict)
    index: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "metrics", dict(self.metrics))

    def __reduce__(self):
        return (Step, (self.name, self.data, self.caption, dict(self.metrics), self.index))


@dataclass(frozen=True)
class Trace:
    """Final output of an algorithm and the steps that led to it.

    Parameters
    ----------
    output : dict of str to Any
        The final results, e.g. ``{"labels": (H, W) int32}`` or
        ``{"mask": (H, W) bool, "threshold": 117.0}``. Also reachable as
        attributes (``trace.labels``).
    steps : tuple of Step
        Recorded stages in order.
    params : dict of str to Any
        The parameters the algorithm ran with (after validation).
    warnings : tuple of str
        Messages about degenerate input or downsampling the page should show.
    total_steps : int
        Number of stages the run went through; larger than ``len(steps)``
        when recording was bounded by ``max_steps``.

    Examples
    --------
    >>> import numpy as np
    >>> t = Trace(output={"mask": np.ones((2, 2), bool)},
    ...           steps=(Step("only", np.zeros(2)),))
    >>> t.mask.sum(), len(t), t.total_steps
    (np.int64(4), 1, 1)
    """

    output: Mapping[str, Any]
    steps: tuple[Step, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    total_steps: int = -1

    def __post_init__(self) -> None:
        object.__setattr__(self, "output", dict(self.output))
        object.__setattr__(self, "params", dict(self.params))
        object.__setattr__(self, "steps", tuple(self.steps))
        object.__setattr__(self, "warnings", tuple(self.warnings))
        if self.total_steps < 0:
            object.__setattr__(self, "total_steps", len(self.steps))

    def __getattr__(self, name: str) -> Any:
        output = self.__dict__.get("output", {})
        if name in output:
            return output[name]
        raise AttributeError(f"Trace has no output or attribute {name!r}")

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def truncated(self) -> bool:
        """True when some stages were not recorded because of ``max_steps``."""
        return self.total_steps > len(self.steps)


class TraceRecorder:
    """Collect steps while an algorithm runs, keeping at most ``max_steps``.

    Stages are kept on a stride that doubles whenever the store is full, and
    the latest stage is always kept, so the replay spans the whole run with
    evenly spaced frames.

    Parameters
    ----------
    max_steps : int or None
        Upper bound on stored steps (>= 2); ``None`` stores everything.

    Examples
    --------
    >>> rec = TraceRecorder(max_steps=4)
    >>> for i in range(10):
    ...     rec.add(f"it {i}", i)
    >>> [s.index for s in rec.steps], rec.total
    ([0, 4, 8, 9], 10)
    """

    def __init__(self, max_steps: int | None = None) -> None:
        if max_steps is not None and max_steps < 2:
            raise ValueError(f"max_steps must be None or at least 2, got {max_steps}")
        self.max_steps = max_steps
        self._kept: list[Step] = []
        self._last: Step | None = None
        self._stride = 1
        self.total = 0

    def add(self, name: str, data: Any, caption: str = "", **metrics: float) -> None:
        """Record one stage; ``metrics`` are scalar keyword values."""
        step = Step(name, data, caption, {k: float(v) for k, v in metrics.items()}, self.total)
        self.total += 1
        self._last = step
        if step.index % self._stride:
            return
        self._kept.append(step)
        while self.max_steps is not None and len(self._kept) >= self.max_steps:
            self._stride *= 2
            self._kept = [s for s in self._kept if s.index % self._stride == 0]

    @property
    def steps(self) -> tuple[Step, ...]:
        """The recorded steps, in run order (first and latest always included)."""
        if self._last is None:
            return ()
        if self._kept and self._kept[-1] is self._last:
            return tuple(self._kept)
        return tuple(self._kept) + (self._last,)

    def finish(self, output: Mapping[str, Any], params: Mapping[str, Any] | None = None,
               warnings: tuple[str, ...] | list[str] = ()) -> Trace:
        """Build the :class:`Trace` from the recorded steps."""
        return Trace(output=output, steps=self.steps, params=params or {},
                     warnings=tuple(warnings), total_steps=self.total)
