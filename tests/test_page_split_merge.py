"""AppTest runs of the split-and-merge page (no browser)."""

import pytest

from tests.conftest import app_test, formula_sources

PAGE = "pages/split-merge.py"
TIMEOUT = 120


def _run(**query):
    at = app_test(PAGE, TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def _counts(at):
    return {m.label: int(m.value) for m in at.metric if m.label in
            ("Leaves after split", "Regions after merge", "Merges", "Quadtree depth")}


def test_default_run():
    at = _run()
    assert not at.exception, [e.value for e in at.exception]
    counts = _counts(at)
    assert counts["Leaves after split"] > counts["Regions after merge"] > 1
    assert len(at.get("plotly_chart")) == 2  # RAG before and after
    rule = 'From the lecture: main deck, slide "Splitting & merging segmentation algorithm"'
    variance = 'From the lecture: main deck, slide "Region splitting: example"'
    assert formula_sources(at) == [rule, variance, variance]  # the default predicate is the variance


def test_min_block_change_changes_the_quadtree():
    at = _run()
    before = _counts(at)["Leaves after split"]
    at.radio(key="split-merge:minb").set_value("32").run()
    assert not at.exception
    assert _counts(at)["Leaves after split"] < before


@pytest.mark.parametrize("pred", ["range", "lecture"])
def test_other_predicates(pred):
    at = _run(pred=pred)
    assert not at.exception, [e.value for e in at.exception]
    assert _counts(at)["Leaves after split"] >= 1


@pytest.mark.parametrize("key, value", [("minb", "3"), ("pred", "texture"), ("v", "-5"),
                                        ("mhi", "abc"), ("mode", "zigzag"), ("v", "3001")])
def test_bad_query_value_warns(key, value):
    at = _run(**{key: value})
    assert not at.exception
    assert any(f"{key}=" in w.value for w in at.warning)


def test_sd_predicate_preset_isolates_the_noisy_background():
    at = _run()
    at.button(key="try_1").click().run()
    dice = {m.label: m.value for m in at.metric}["Dice"]
    assert float(dice) > 0.9
    at.slider(key="split-merge:a").set_value(40).run()
    assert float({m.label: m.value for m in at.metric}["Dice"]) < 0.5


def test_try_this_presets_run():
    at = _run()
    for i in range(3):
        at.button(key=f"try_{i}").click().run()
        assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key="split-merge:minb").value == "4" and at.selectbox(key="split-merge:pred").value == "variance"


def test_predicateformula_sources():
    """The deck's sigma/mean predicate g(x, y) is the lecture's; the range predicate is not."""
    lecture = formula_sources(_run(pred="lecture"))
    assert len(lecture) >= 2 and all(s.startswith("From the lecture: main deck") for s in lecture)
    assert "Segmentation by Region Splitting and Merging" in lecture[1]
    ranged = formula_sources(_run(pred="range"))
    assert ranged[0].startswith("From the lecture") and ranged[1].startswith("Beyond the lecture")


def test_a_rerun_with_the_same_settings_is_served_from_the_cache(monkeypatch):
    """A slider move elsewhere on the page must not split and merge the image again."""
    from segcore.classical import split_merge

    calls = []
    real = split_merge.split_and_merge
    monkeypatch.setattr(split_merge, "split_and_merge",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    at = _run(minb="16")
    at.run()
    at.run()
    assert not at.exception
    assert len(calls) <= 1, len(calls)


def _step_names(at):
    return list(at.select_slider(key="split-merge:smstep").options)


def _mode_caption(at):
    return next(c.value for c in at.caption if c.value.startswith("Mode "))


def test_interleaved_mode_from_the_url_records_split_and_merge_at_each_depth():
    at = _run(mode="interleaved")
    assert not at.exception, [e.value for e in at.exception]
    names = _step_names(at)
    assert names[:4] == ["depth 0", "merge at depth 0", "depth 1", "merge at depth 1"]
    assert all(a.startswith("depth") and b == f"merge at {a}"
               for a, b in zip(names[::2], names[1::2]))
    assert _mode_caption(at).startswith("Mode interleaved")
    assert formula_sources(at)[0].endswith('"Splitting & merging segmentation algorithm"')
    assert at.query_params["mode"] in ("interleaved", ["interleaved"])


def test_merge_only_mode_starts_from_blocks():
    at = _run(mode="merge-only", minb="4")
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Start block side"]) == 4 and int(metrics["Start blocks"]) == 64 * 64
    assert _step_names(at)[:2] == ["start blocks", "merge round 0"]
    assert _mode_caption(at).startswith("Mode merge-only")
    assert formula_sources(at)[0].endswith('"Region splitting and merging segmentation"')


def test_default_mode_says_split_then_merge():
    at = _run()
    assert _mode_caption(at).startswith("Mode split-then-merge")
    assert at.selectbox(key="split-merge:mode").value == "split-then-merge"


def test_the_variance_threshold_takes_every_whole_number_from_1():
    at = _run(v="1", pred="variance")
    assert not at.exception and not at.warning
    assert at.slider(key="split-merge:v").value == 1
    assert "v = 1" in "".join(e.value for e in at.get("latex"))
    at.slider(key="split-merge:v").set_value(605).run()
    assert not at.exception and at.slider(key="split-merge:v").value == 605


def test_order_presets_interleaved_keeps_more_regions_than_split_then_merge():
    at = _run()
    at.button(key="try_3").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key="split-merge:v").value == 1
    assert at.selectbox(key="split-merge:mode").value == "interleaved"
    at.button(key="try_4").click().run()
    interleaved = _counts(at)
    at.selectbox(key="split-merge:mode").set_value("split-then-merge").run()
    assert not at.exception
    assert _counts(at)["Leaves after split"] == interleaved["Leaves after split"]
    assert _counts(at)["Regions after merge"] < interleaved["Regions after merge"]
