"""Answering a page's Challenge panel in AppTest (used by the per-page exercise tests)."""

from segcore import exercises
from tests.conftest import app_test

SEED = 7  # the exercise set the page tests open (``?challenge=7``)


def open_page(file: str, seed: int = SEED, **query):
    """Run page ``file`` with ``?challenge=seed`` (and ``query``); return the AppTest."""
    at = app_test(file)
    at.query_params["challenge"] = str(seed)
    for key, value in query.items():
        at.query_params[key] = str(value)
    return at.run()


def exercise(page: str, exercise_id: str, seed: int = SEED):
    """The exercise ``exercise_id`` of ``page`` for ``seed`` (what the panel shows)."""
    return next(e for e in exercises.for_page(page, seed) if e.id == exercise_id)


def _key(at, ex, suffix: str = "") -> str:
    stem = at.session_state["_seglab_page"]
    return f"{stem}:ex-{ex.id}-{ex.seed}{suffix}"


def show(at, ex):
    """Pick the exercise in the panel's list (one exercise is drawn at a time)."""
    key = f"{at.session_state['_seglab_page']}:exercise"
    if at.radio(key=key).value != ex.id:
        at.radio(key=key).set_value(ex.id).run()
    return at


def answer(at, ex, value):
    """Pick the exercise, type (or choose) ``value`` in its box and press Check / Commit."""
    show(at, ex)
    if ex.answer.choices:
        at.selectbox(key=_key(at, ex)).set_value(value)
    else:
        at.text_input(key=_key(at, ex)).input(str(value))
    at.button(key=_key(at, ex, "-check")).click()
    return at.run()


def feedback(at, ex) -> tuple[list[str], list[str], list[str]]:
    """(successes, errors, warnings) shown in the exercise's container."""
    box = _container(at, ex)
    return ([e.value for e in box.success], [e.value for e in box.error],
            [e.value for e in box.warning])


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _container(at, ex):
    """The bordered container of the exercise: the block holding its heading and answer box."""
    key = _key(at, ex)
    heading = f". {ex.title}**"
    for block in _walk(at.main):
        if getattr(block, "type", None) not in ("vertical", "flex_container"):
            continue
        if any(heading in m.value for m in block.markdown if m.value) and any(
                w.key == key for w in list(block.text_input) + list(block.selectbox)):
            found = block  # keep the innermost such block
    try:
        return found
    except NameError:
        raise AssertionError(f"no container for exercise {ex.id}") from None
