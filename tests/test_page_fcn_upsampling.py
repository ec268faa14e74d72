"""AppTest runs of pages/fcn-upsampling.py (no browser)."""

import pytest

from tests.conftest import (app_test, formula_lines, formula_sources, latex_texts,
                            metric_values)

PAGE = "pages/fcn-upsampling.py"


@pytest.fixture(scope="module")
def default_run():
    return app_test(PAGE).run()


def test_default_render(default_run):
    at = default_run
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "FCN upsampling"
    metrics = metric_values(at)
    assert {"mIoU", "Pixel accuracy", "Dice", "segcore time"} <= set(metrics)
    assert float(metrics["mIoU"]) > 0.8
    latex = " ".join(latex_texts(at))
    assert r"(8 - 1)\cdot 2 - 2\cdot 1 + 4 = 16" in latex
    assert "L_{CE}" in latex and "soft Dice" in latex
    assert len(at.dataframe) == 1  # the per-variant table
    assert {b.label for b in at.button} >= {"32s vs 8s: skips sharpen boundaries",
                                             "Stride 2, kernel 3: checkerboard",
                                             "Unpooling puts values back where the max was"}


def test_variant_change_changes_the_result():
    at = app_test(PAGE).run()
    before = metric_values(at)["mIoU"], latex_texts(at)
    at.radio(key="fcn-upsampling:fcn_variant").set_value("fcn32s").run()
    assert not at.exception, [e.value for e in at.exception]
    after = metric_values(at)["mIoU"], latex_texts(at)
    assert after != before
    assert at.radio(key="fcn-upsampling:fcn_variant").value == "fcn32s"
    assert "fcn32s" in str(at.query_params["fcn_variant"])  # mirrored in the URL


def test_checkerboard_preset_warns_and_updates_the_formula():
    at = app_test(PAGE).run()
    at.button(key="try_1").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key="fcn-upsampling:up_k").value == 3
    assert any("checkerboard" in w.value for w in at.warning)
    assert any(r"+ 3 = 15" in text for text in latex_texts(at))


def test_padding_too_large_is_an_error_not_a_traceback():
    at = app_test(PAGE)
    at.query_params["up_k"] = "2"
    at.query_params["up_p"] = "3"
    at.run()
    assert not at.exception
    assert any("Padding" in e.value for e in at.error)


@pytest.mark.parametrize("key,value", [("fcn_variant", "fcn4s"), ("up_k", "99"),
                                       ("up_init", "random"), ("sw_stride", "1"),
                                       ("fcn_row", "x")])
def test_bad_query_value_warns_instead_of_failing(key, value):
    at = app_test(PAGE)
    at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(key in w.value for w in at.warning)


@pytest.mark.parametrize("src", ["sample:text", "sample:coins", "scene:street"])
def test_other_images_run_without_metrics(src):
    at = app_test(PAGE)
    at.query_params["src"] = src
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert "mIoU" not in metric_values(at)
    assert any("no ground truth" in c.value or "other classes" in c.value
               for c in list(at.caption) + list(at.info))


def test_every_formula_says_where_it_comes_from(default_run):
    sources, lines = formula_sources(default_run), formula_lines(default_run)
    assert len(lines) == len(sources) == 8
    source = {key: next(s for line, s in zip(lines, sources) if key in line)
              for key in ("o = (i - 1)", r"\mathrel{+}=", r"\text{1-D", r"\lfloor u",
                          "s_{16}", "L_{CE}", "soft Dice", "Dice}")}
    for key in ("o = (i - 1)", r"\mathrel{+}=", r"\lfloor u"):
        assert "Beyond the lecture:" in source[key]
    assert 'panoptic deck, slide "Learned upsampling"' in source[r"\text{1-D"]
    assert "From the lecture: main deck" in source["s_{16}"]
    assert 'practical deck, slide "LOSS"' in source["L_{CE}"]
    assert 'practical deck, slide "Variation: Dice-Loss"' in source["soft Dice"]


def test_segcore_time_is_the_warm_inference_of_the_table(default_run):
    at = default_run
    shown = metric_values(at)["segcore time"]
    table = at.dataframe[0].value
    row = table[table["variant"] == "fcn8s"].iloc[0]
    timing = next(c for c in table.columns if c.startswith("inference ms (warm model"))
    assert abs(float(shown.removesuffix(" ms")) - row[timing]) <= 0.55  # same number, rounded
    assert any(c.value.startswith("segcore time = inference only") for c in at.caption)
