"""The Challenge framework: answer parsing, judges, seeds, the panel and home-page progress."""

import re

import pytest

from segcore import exercises
from segcore.exercises import Answer, Exercise, close_to, choice_is, parse_answer, reach, rng_for
from tests.challenge_helpers import answer, exercise, feedback, open_page, show
from tests.conftest import app_test

PAGE = "pages/thresholding.py"


# ----------------------------------------------------------------- parsing the student's entry
@pytest.mark.parametrize("raw,value", [("6/25", 0.24), (" 0,5 ", 0.5), ("1e-2", 0.01),
                                       ("-3", -3.0), ("12", 12.0)])
def test_numbers_decimal_commas_and_fractions_parse(raw, value):
    assert parse_answer(raw, Answer("x")) == pytest.approx(value)


@pytest.mark.parametrize("raw,words", [
    ("", "Type an answer first"), (None, "Type an answer first"),
    ("abc", "is not a number"), ("1,2,3", "is not a number"), ("nan", "finite"),
    ("inf", "finite"), ("3/0", "divides by zero"), ("2.5", "not a whole number"),
    ("300", "out of range"), ("-1", "out of range")])
def test_bad_entries_get_a_clear_message(raw, words):
    with pytest.raises(ValueError, match=words):
        parse_answer(raw, Answer("t", 0, 255, integer=True))


def test_integer_answers_come_back_as_int_and_choices_are_checked():
    assert parse_answer("7.0", Answer("t", 0, 9, integer=True)) == 7
    assert isinstance(parse_answer("7.0", Answer("t", 0, 9, integer=True)), int)
    assert parse_answer("b", Answer("pick", choices=("a", "b"))) == "b"
    with pytest.raises(ValueError, match="Choose one of: a, b"):
        parse_answer("c", Answer("pick", choices=("a", "b")))


# ----------------------------------------------------------------- judges
def test_close_to_reveals_only_when_asked():
    hidden, shown = close_to(10.0, 0.5, reveal=False), close_to(10.0, 0.5, reveal=True)
    assert hidden(10.4).correct and hidden(10.4).truth == 10.0
    wrong = hidden(12.0)
    assert not wrong.correct and wrong.truth is None and "10" not in wrong.message
    assert "too high" in wrong.message and "too low" in hidden(8).message
    revealed = shown(12.0)
    assert not revealed.correct and revealed.truth == 10.0 and "off by 2" in revealed.message
    assert shown(10.5).correct  # the tolerance is inclusive


def test_reach_runs_the_score_and_compares_with_the_target():
    calls = []

    def score(v):
        calls.append(v)
        return v / 10

    judge = reach(score, 0.5, name="IoU", setting="t")
    assert not judge(4).correct and judge(5).correct
    seven = judge(7)
    assert seven.achieved == 0.7 and seven.truth == 0.5
    assert calls == [4, 5, 7]


def test_choice_is_reveals_the_right_choice_and_why():
    judge = choice_is("8s", explain="it fuses the finest skip.")
    assert judge("8s").correct
    wrong = judge("32s")
    assert not wrong.correct and "you chose 32s" in wrong.message and "8s" in wrong.message


def test_exercise_rejects_an_unknown_kind_and_checks_through_the_judge():
    args = dict(id="x", title="t", prompt="p", answer=Answer("a", 0, 1),
                judge=close_to(0.5, 0.1, reveal=False), hints=("h",), solution="s", seed=1)
    with pytest.raises(ValueError, match="kind must be one of"):
        Exercise(kind="guess", **args)
    ex = Exercise(kind="compute", **args)
    assert ex.check("1/2").correct and not ex.check("0.9").correct
    with pytest.raises(ValueError, match="out of range"):
        ex.check("2")


def test_rng_for_mixes_seed_and_exercise():
    draw = lambda seed, name: rng_for(seed, name).integers(0, 10**9)  # noqa: E731
    assert draw(3, "a") == draw(3, "a")
    assert len({draw(3, "a"), draw(4, "a"), draw(3, "b")}) == 3


# ----------------------------------------------------------------- every page's exercises
@pytest.mark.parametrize("seed", [0, 10_000, 2.5, True, "7"])
def test_for_page_rejects_bad_seeds(seed):
    with pytest.raises((ValueError, TypeError)):
        exercises.for_page("thresholding", seed)


def test_for_page_rejects_an_unknown_page():
    with pytest.raises(ValueError, match="page must be one of"):
        exercises.for_page("../etc/passwd", 1)


def _numbers(exs) -> list:
    """What a student sees of a page's exercises: prompts and drawn data."""
    return [(e.prompt, repr([(s.kind, str(s.value)) for s in e.shows])) for e in exs]


@pytest.mark.parametrize("page", sorted(exercises.MODULES))
def test_every_page_has_two_kinds_of_sound_exercises(page):
    exs = exercises.for_page(page, 7)
    assert len(exs) >= 2 and exercises.count(page) == len(exs)
    assert len({e.kind for e in exs}) >= 2
    assert len({e.id for e in exs}) == len(exs)
    for e in exs:
        assert e.seed == 7 and e.hints and e.solution and e.prompt and e.title
        assert not re.search(r"<[A-Za-z/!]", e.prompt + e.solution + "".join(e.hints))  # no HTML
        assert e.answer.choices or e.answer.low < e.answer.high


@pytest.mark.parametrize("page", sorted(exercises.MODULES))
def test_same_seed_same_numbers_different_seeds_differ(page):
    assert _numbers(exercises.for_page(page, 7)) == _numbers(exercises.for_page(page, 7))
    for seed in (8, 123, 9999):
        assert _numbers(exercises.for_page(page, seed)) != _numbers(exercises.for_page(page, 7))


# ----------------------------------------------------------------- the panel (thresholding)
@pytest.fixture(scope="module")
def panel():
    return open_page(PAGE)


def test_the_seed_comes_from_the_link(panel):
    at = panel
    assert not at.exception and not at.error
    assert at.number_input(key="thresholding:challenge").value == 7
    assert at.query_params["challenge"] == "7"
    assert any("Exercise set 7" in c.value for c in at.caption)
    assert at.subheader[-1].value == "Challenge"


@pytest.mark.parametrize("raw", ["abc", "0", "99999", "../x"])
def test_a_bad_seed_in_the_link_warns_and_a_random_set_is_used(raw):
    at = app_test(PAGE)
    at.query_params["challenge"] = raw
    at.run()
    assert not at.exception
    assert any("`challenge=" in w.value and "is not valid" in w.value for w in at.warning)
    seed = at.number_input(key="thresholding:challenge").value
    assert exercises.SEED_RANGE[0] <= seed <= exercises.SEED_RANGE[1]


def test_without_a_link_seed_each_session_draws_its_own():
    seeds = {app_test(PAGE).run().number_input(key="thresholding:challenge").value
             for _ in range(3)}
    assert len(seeds) >= 2  # three draws from 9999 seeds: equal ones would be a fixed default


def test_predict_commit_reveals_the_truth_and_freezes_the_answer():
    at = open_page(PAGE)
    ex = exercise("thresholding", "otsu-t")
    show(at, ex)
    solution = at.button(key="thresholding:ex-otsu-t-7-solution")
    assert solution.disabled  # no worked solution before the prediction is committed
    at = answer(at, ex, 0)
    successes, errors, _ = feedback(at, ex)
    assert not successes and "Not quite" in errors[0] and "Otsu's threshold is" in errors[0]
    assert at.text_input(key="thresholding:ex-otsu-t-7").disabled
    assert at.button(key="thresholding:ex-otsu-t-7-check").disabled
    assert not at.button(key="thresholding:ex-otsu-t-7-solution").disabled
    at.button(key="thresholding:ex-otsu-t-7-solution").click().run()
    assert any(m.value.startswith("**Worked solution.**") for m in at.markdown)
    assert at.session_state["_seglab_progress"] == {"thresholding": {"otsu-t": "tried"}}


def test_one_exercise_is_drawn_at_a_time_and_the_link_names_it():
    at = open_page(PAGE, exercise="beat-otsu")
    assert at.radio(key="thresholding:exercise").value == "beat-otsu"
    assert [w.key for w in at.text_input] == ["thresholding:ex-beat-otsu-7"]
    assert list(at.radio(key="thresholding:exercise").options) == [
        f"{n}. {e.title}" for n, e in enumerate(exercises.for_page("thresholding", 7), 1)]
    at.radio(key="thresholding:exercise").set_value("otsu-t").run()
    assert [w.key for w in at.text_input] == ["thresholding:ex-otsu-t-7"]
    assert at.query_params["exercise"] == "otsu-t"
    bad = open_page(PAGE, exercise="../etc")
    assert any("`exercise=../etc`" in w.value for w in bad.warning)
    assert bad.radio(key="thresholding:exercise").value == "sigma-b"


def test_hints_come_one_at_a_time():
    at = open_page(PAGE)
    ex = exercise("thresholding", "sigma-b")
    hint = "thresholding:ex-sigma-b-7-hint"
    assert not [i for i in at.info if i.value == ex.hints[0]]
    at.button(key=hint).click().run()
    assert [i.value for i in at.info if i.value in ex.hints] == [ex.hints[0]]
    at.button(key=hint).click().run()
    assert [i.value for i in at.info if i.value in ex.hints] == list(ex.hints)
    assert at.button(key=hint).disabled


def test_new_numbers_changes_the_seed_and_the_link():
    at = open_page(PAGE)
    at.button(key="thresholding:challenge-new").click().run()
    seed = at.number_input(key="thresholding:challenge").value
    assert seed != 7 and at.query_params["challenge"] == str(seed)
    assert at.text_input(key=f"thresholding:ex-sigma-b-{seed}") is not None


def test_progress_shows_on_the_home_page():
    at = app_test("app.py").run()
    assert any("Challenges solved this session: 0 of" in c.value for c in at.caption)
    at.switch_page("pages/thresholding.py")
    at.query_params["challenge"] = "7"
    at.run()
    ex = exercise("thresholding", "beat-otsu")
    at = answer(at, ex, 150)
    assert feedback(at, ex)[0]
    at = answer(at, exercise("thresholding", "otsu-t"), 0)
    at.switch_page("pages/home.py").run()
    captions = [c.value for c in at.caption]
    assert any("Challenges solved this session: 1 of" in c for c in captions), captions
    assert any(c.endswith("Challenge: 1 of 3 solved, 1 tried") for c in captions), captions
