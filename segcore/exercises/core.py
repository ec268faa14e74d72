"""The shape of an exercise and the checks every exercise shares.

An :class:`Exercise` is generated from a seed (the same seed gives the same
numbers, so a lecturer can set one exercise for a whole class) and carries a
``judge``: a function that checks a parsed answer **with segcore**, never by
comparing text with a stored answer. Three kinds, named after what the
student does:

=========  =================================================================
kind       what the student does
=========  =================================================================
beat       chooses a setting; the judge runs the method with it and compares
           the score with a target (e.g. a manual t that reaches Otsu's IoU)
predict    commits to a prediction; the truth (computed by segcore) is
           revealed with the gap whatever the answer
compute    works a small lecture case by hand; the answer is checked to a
           tolerance, and a worked solution is there on request
=========  =================================================================
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["KINDS", "Answer", "Show", "Verdict", "Exercise", "parse_answer", "close_to",
           "reach", "choice_is", "rng_for", "fmt"]

#: Exercise kinds and the label a page shows for each.
KINDS = {
    "beat": "Beat the method",
    "predict": "Predict, then reveal",
    "compute": "Compute by hand",
}
_FRACTION = re.compile(r"^\s*([-+]?[0-9.]+)\s*/\s*([0-9.]+)\s*$")


@dataclass(frozen=True)
class Answer:
    """What the student enters.

    Parameters
    ----------
    label : str
        Input label, e.g. ``"Your t (0-255)"``.
    low, high : float
        Valid range (inclusive) of a numeric answer.
    integer : bool
        Whether a numeric answer must be a whole number.
    choices : tuple of str
        When given, the answer is one of these (a select box), not a number.
    """

    label: str
    low: float = -math.inf
    high: float = math.inf
    integer: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Show:
    """Something the panel draws with the exercise (segcore stays free of Streamlit).

    ``kind`` is one of ``"image"`` (uint8 array), ``"bars"`` (``{"x", "y",
    "xlabel", "ylabel"}`` and optionally ``"lines": [(x, label), ...]``, vertical
    marks), ``"table"`` (list of row dicts), ``"grid"`` (small integer array
    shown cell by cell), ``"latex"`` or ``"markdown"`` (a string).
    """

    kind: str
    value: Any
    caption: str = ""


@dataclass(frozen=True)
class Verdict:
    """The judge's answer.

    Parameters
    ----------
    correct : bool
        Whether the answer counts as solved.
    message : str
        Feedback for the student (Markdown, no HTML).
    truth : float or str, optional
        The true value (predict, compute) or the target (beat).
    achieved : float, optional
        Beat: the score the student's setting reached.
    """

    correct: bool
    message: str
    truth: Any = None
    achieved: float | None = None


@dataclass(frozen=True)
class Exercise:
    """One seeded exercise of a lecture page.

    Parameters
    ----------
    id : str
        Stable name within its page (``"otsu-t"``): widget keys and progress use it.
    kind : {"beat", "predict", "compute"}
        See :data:`KINDS`.
    title, prompt : str
        Heading and question (Markdown with this seed's numbers).
    answer : Answer
        What the student enters.
    judge : callable
        ``judge(value) -> Verdict`` for a parsed answer; computes with segcore.
    hints : tuple of str
        Shown one at a time on request.
    solution : str
        Worked solution (Markdown; may contain ``$...$`` maths).
    seed : int
        The seed the numbers came from.
    shows : tuple of Show
        What to draw between the prompt and the answer box.
    reveal : tuple of Show
        What to draw once the truth is out (a prediction committed, a right answer,
        or the worked solution shown): the step that explains the answer.
    """

    id: str
    kind: str
    title: str
    prompt: str
    answer: Answer
    judge: Callable[[Any], Verdict] = field(repr=False, compare=False)
    hints: tuple[str, ...]
    solution: str
    seed: int
    shows: tuple[Show, ...] = ()
    reveal: tuple[Show, ...] = ()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {list(KINDS)}, got {self.kind!r}")

    def check(self, raw: str) -> Verdict:
        """Parse the student's text and judge it; ``ValueError`` explains bad input."""
        return self.judge(parse_answer(raw, self.answer))


def fmt(x: float) -> str:
    """A number as prompts and worked solutions print it: four significant digits.

    Examples
    --------
    >>> fmt(2 / 3), fmt(12.0)
    ('0.6667', '12')
    """
    return f"{x:.4g}"


def _number(text: str) -> float:
    """``text`` as a float: a decimal (comma or dot) or a fraction ``a/b``."""
    fraction = _FRACTION.match(text)
    if fraction:
        num, den = float(fraction.group(1)), float(fraction.group(2))
        if den == 0:
            raise ValueError(f"'{text}' divides by zero.")
        return num / den
    return float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)


def parse_answer(raw: Any, answer: Answer) -> float | str:
    """The student's entry as a checked value, or ``ValueError`` with a clear message.

    Numbers may use a decimal comma (``0,5``) or be a fraction (``6/25``).

    Examples
    --------
    >>> parse_answer("6/25", Answer("accuracy", 0, 1))
    0.24
    >>> parse_answer("0,5", Answer("x"))
    0.5
    >>> parse_answer("abc", Answer("x"))
    Traceback (most recent call last):
    ...
    ValueError: 'abc' is not a number: type digits such as 0.42 (or a fraction such as 6/25).
    """
    if answer.choices:
        if raw not in answer.choices:
            raise ValueError(f"Choose one of: {', '.join(answer.choices)}.")
        return raw
    text = str(raw if raw is not None else "").strip()
    if not text:
        raise ValueError("Type an answer first.")
    try:
        value = _number(text)
    except ValueError as err:
        if "divides by zero" in str(err):
            raise
        raise ValueError(f"'{text[:30]}' is not a number: type digits such as 0.42 "
                         "(or a fraction such as 6/25).") from None
    if not math.isfinite(value):
        raise ValueError("The answer must be a finite number.")
    if answer.integer and value != round(value):
        raise ValueError(f"{text} is not a whole number: this answer counts pixels, "
                         "levels or steps.")
    if not answer.low <= value <= answer.high:
        raise ValueError(f"{text} is out of range: the answer lies between "
                         f"{answer.low:g} and {answer.high:g}.")
    return int(round(value)) if answer.integer else value


def close_to(truth: float, tolerance: float, *, reveal: bool, fmt: str = "{:.4g}",
             name: str = "the answer") -> Callable[[float], Verdict]:
    """A judge: right when ``|value - truth| <= tolerance``.

    ``reveal=True`` (predict) always states the truth and the gap; ``False``
    (compute) only says whether the value is within the tolerance and in which
    direction it is off, so the student can try again.
    """
    def judge(value: float) -> Verdict:
        gap = value - truth
        ok = abs(gap) <= tolerance
        within = f"within ±{fmt.format(tolerance)}" if tolerance > 0 else "exactly"
        if reveal:
            verdict = "Right" if ok else "Not quite"
            message = (f"{verdict}: {name} is {fmt.format(truth)}; your prediction "
                       f"{fmt.format(value)} is off by {fmt.format(abs(gap))} "
                       f"({within} counts as right).")
        elif ok:
            message = f"Right: {name} is {fmt.format(truth)}."
        else:
            side = "too high" if gap > 0 else "too low"
            must = f"it must be {within}" if tolerance > 0 else "it must be exact"
            message = (f"Not yet: {fmt.format(value)} is {side} ({must}). "
                       "Try a hint or check each term.")
        return Verdict(ok, message, truth=truth if reveal or ok else None)
    return judge


def reach(score: Callable[[Any], float], target: float, *, name: str, setting: str,
          fmt: str = "{:.3f}") -> Callable[[Any], Verdict]:
    """A beat-the-method judge: run ``score(value)`` (segcore) and compare with ``target``."""
    def judge(value: Any) -> Verdict:
        achieved = float(score(value))
        shown = fmt.format(achieved)
        if achieved >= target:
            message = (f"Done: with {setting} = {value} the {name} is {shown}, "
                       f"the target was {fmt.format(target)}.")
        else:
            message = (f"Not yet: with {setting} = {value} the {name} is {shown}, "
                       f"below the target {fmt.format(target)}.")
        return Verdict(achieved >= target, message, truth=target, achieved=achieved)
    return judge


def choice_is(truth: str, *, explain: str) -> Callable[[str], Verdict]:
    """A predict judge over choices: reveals ``truth`` and why (``explain``)."""
    def judge(value: str) -> Verdict:
        ok = value == truth
        head = "Right" if ok else f"Not quite: you chose {value}"
        return Verdict(ok, f"{head}. The answer is {truth}: {explain}", truth=truth)
    return judge


def rng_for(seed: int, exercise_id: str):
    """The random generator of one exercise: the seed mixed with the exercise's id,
    so two exercises on a page do not share numbers by accident."""
    salt = sum(ord(c) * (i + 1) for i, c in enumerate(exercise_id))
    return np.random.default_rng([int(seed), salt])
