"""ui helpers that need no Streamlit run: overlays, palette, catalog."""

import numpy as np
import pytest

from segcore import scenes
from tests.conftest import app_test
from ui import overlay


def test_palette_is_distinct_uint8():
    assert overlay.PALETTE.dtype == np.uint8 and overlay.PALETTE.shape[1] == 3
    assert len({tuple(c) for c in overlay.PALETTE}) == len(overlay.PALETTE)


def test_overlay_blends_with_opacity_and_keeps_label_zero_transparent():
    image = np.full((4, 4), 100, np.uint8)
    labels = np.zeros((4, 4), int)
    labels[1:3, 1:3] = 1
    out = overlay.overlay(image, labels, alpha=0.5)
    assert out.shape == (4, 4, 3) and out.dtype == np.uint8
    assert (out[0, 0] == 100).all()
    expected = np.round(0.5 * 100 + 0.5 * overlay.PALETTE[0].astype(float))
    np.testing.assert_array_equal(out[1, 1], expected)
    np.testing.assert_array_equal(overlay.overlay(image, labels, alpha=0.0), overlay.as_rgb(image))


def test_outline_mode_paints_only_boundaries():
    image = np.zeros((9, 9), np.uint8)
    labels = np.zeros((9, 9), int)
    labels[2:7, 2:7] = 3
    out = overlay.overlay(image, labels, outline=True)
    painted = out.any(axis=2)
    assert painted[2, 2] and painted[2, 4] and not painted[4, 4]


def test_error_overlay_colours():
    image = np.zeros((1, 4), np.uint8)
    gt = np.array([[1, 1, 0, 0]], bool)
    pred = np.array([[1, 0, 1, 0]], bool)
    out = overlay.error_overlay(image, gt, pred, alpha=1.0)
    assert tuple(out[0, 0]) == overlay.TP_COLOR
    assert tuple(out[0, 1]) == overlay.FN_COLOR
    assert tuple(out[0, 2]) == overlay.FP_COLOR
    assert tuple(out[0, 3]) == (0, 0, 0)


def test_overlay_rejects_mismatched_shapes():
    with pytest.raises(ValueError):
        overlay.overlay(np.zeros((4, 4), np.uint8), np.zeros((3, 4), int))
    with pytest.raises(ValueError):
        overlay.as_rgb(np.zeros((4, 4)))


@pytest.mark.parametrize("name", list(scenes.SCENES))
def test_every_scene_shows_in_the_picker_with_its_ground_truth(name):
    at = app_test("tests/picker_page.py")
    at.query_params["src"] = f"scene:{name}"
    at.query_params["gt"] = "1"
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox(key="src").value == f"scene:{name}"
    assert at.sidebar.checkbox(key="gt").value is True
    captions = " ".join(c.value for c in at.sidebar.caption)
    scene = scenes.make_scene(name)
    assert "Ground truth: " + ", ".join(scene.class_names) in captions
