"""Export on every lecture page: the snippet, run in a fresh interpreter, gives the label map.

Each case runs a page under AppTest (default settings, or settings from a
query string), takes the export the panel stored in session state, writes its
snippet to a file, runs it with a fresh ``python`` from the repository root
and compares the ``labels`` it leaves with the exported label map: the PNG
the panel's download produces, decoded, and the page's array with its export
dtype. Equal values and equal dtype, bit for bit.
"""

import io
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tests.conftest import ROOT, app_test
from ui import catalog, export

SAVE = "\nnp.save({out!r}, labels)\n"

# (page file stem, query string): defaults for all ten, other settings for eight
CASES = [
    ("thresholding", {}),
    ("thresholding", {"method": "multiotsu", "classes": "4"}),
    ("thresholding", {"method": "sauvola", "src": "scene:shapes_gradient", "window": "75"}),
    ("region-growing", {}),
    ("region-growing", {"rule": "threshold", "seedt": "200", "nseeds": "5", "merge": "1"}),
    ("region-growing", {"rule": "max", "src": "scene:crack", "crit": "fixed"}),
    ("region-growing", {"seeds": "127.102;30.40", "crit": "mean", "T": "60", "merge": "0"}),
    ("region-growing", {"seeds": "127.102;30.40", "crit": "mean", "T": "60", "lam": "0.5"}),
    ("split-merge", {}),
    ("split-merge", {"pred": "lecture", "mlo": "40", "mhi": "70"}),
    ("split-merge", {"mode": "interleaved", "v": "1", "minb": "4", "noise": "0"}),
    ("split-merge", {"mode": "merge-only", "minb": "4", "pred": "range"}),
    ("watershed", {}),
    ("watershed", {"mk": "click", "marks": "30.30;120.230", "dams": "1", "conn": "8"}),
    ("watershed", {"mk": "minima", "sigma": "2"}),
    ("watershed", {"mk": "seeds", "src": "scene:crack", "nseeds": "7", "rseed": "3"}),
    ("watershed", {"view": "snake", "beta": "1", "snsigma": "1.5"}),
    ("watershed", {"view": "levelset", "cvinit": "circle", "c": "60.60", "smooth": "2"}),
    ("clustering", {}),
    ("clustering", {"space": "texture", "k": "4", "src": "scene:texture_mosaic"}),
    ("clustering", {"method": "dbscan", "space": "lab", "lam": "0.5"}),
    ("graph-cuts", {}),
    ("graph-cuts", {"view": "maxflow", "lam": "20"}),
    ("graph-cuts", {"view": "maxflow", "mfseeds": "gt", "src": "scene:shapes"}),
    ("graph-cuts", {"view": "rncut"}),
    ("graph-cuts", {"view": "hcs", "hcsg": "pixels"}),
    ("fcn-upsampling", {}),
    ("fcn-upsampling", {"fcn_variant": "unet"}),
    ("atrous-convolution", {}),
    ("atrous-convolution", {"src": "sample:coins"}),
    ("mask-rcnn", {}),
    ("mask-rcnn", {"score": "0.3"}),
    ("panoptic-quality", {}),
    ("panoptic-quality", {"split": "1", "fp": "2", "shift": "3", "relabel": "car->person"}),
]


def _exported(page: str, query: dict):
    at = app_test(f"pages/{page}.py", timeout=300)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert any(e.label.startswith("Export") for e in at.expander)
    return at, at.session_state[f"{page}:{export.EXPORT_KEY}"]


def test_cases_cover_every_lecture_page():
    pages = {case[0] for case in CASES}
    assert pages == {p.file.removeprefix("pages/").removesuffix(".py") for p in catalog.PAGES}
    assert len({page for page, query in CASES if query}) >= 4


@pytest.mark.parametrize(("page", "query"), CASES,
                         ids=[f"{p}-{'&'.join(f'{k}={v}' for k, v in q.items()) or 'default'}"
                              for p, q in CASES])
def test_snippet_reproduces_the_exported_label_map(page, query, tmp_path):
    at, record = _exported(page, query)
    for key, value in query.items():
        assert str(at.query_params[key][0] if isinstance(at.query_params[key], list)
                   else at.query_params[key]) == value  # the setting was taken, not rejected
    downloaded = export.decode_labels(record["files"]["labels"]())
    exported = export.label_array(record["labels"])
    assert np.array_equal(downloaded, exported) and downloaded.dtype == exported.dtype
    snippet, out = tmp_path / "snippet.py", tmp_path / "labels.npy"
    assert record["files"]["code"]() == record["snippet"]
    snippet.write_text(record["snippet"] + SAVE.format(out=str(out)))
    done = subprocess.run([sys.executable, str(snippet)], cwd=ROOT, capture_output=True,
                          check=False, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    labels = np.load(out)
    assert labels.dtype == downloaded.dtype
    assert np.array_equal(labels, downloaded)
    settings = json.loads(record["files"]["json"]())
    assert settings["page"] == page and settings["label_map"]["dtype"] == labels.dtype.name


@pytest.mark.parametrize("dtype, high", [(np.uint8, 255), (np.uint16, 65535), (bool, 1),
                                         (np.int64, 300), (np.int32, 7)])
def test_label_png_round_trips_exactly(dtype, high):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, high + 1, size=(37, 53)).astype(dtype)
    labels.flat[0] = high
    back = export.decode_labels(export.encode_labels(labels))
    assert back.dtype == (np.uint8 if high < 256 else np.uint16)
    assert np.array_equal(back, labels.astype(back.dtype))
    assert np.array_equal(back.astype(np.int64), labels.astype(np.int64))


@pytest.mark.parametrize("bad", [np.array([[-1, 2]]), np.array([[0, 70000]]),
                                 np.zeros((2, 2, 3), int), np.zeros((2, 2), float)])
def test_label_maps_a_png_cannot_hold_are_refused(bad):
    with pytest.raises(ValueError):
        export.label_dtype(bad)


def test_json_turns_nan_into_null():
    text = export.to_json({"miou": float("nan"), "iou": {"car": np.float64("nan"), "road": 0.5},
                           "per": np.array([1.0, np.nan, np.inf]), "k": np.int64(3),
                           "shift": (3, 3)})
    data = json.loads(text)
    assert data == {"miou": None, "iou": {"car": None, "road": 0.5}, "per": [1.0, None, None],
                    "k": 3, "shift": [3, 3]}
    assert "NaN" not in text and not any(isinstance(v, float) and math.isnan(v)
                                         for v in data["per"] if v is not None)


def test_overlay_download_is_a_png_of_the_image_with_the_labels():
    from ui.picker import Picked

    image = np.full((12, 20, 3), 90, np.uint8)
    labels = np.zeros((12, 20), bool)
    labels[3:6, 4:9] = True
    png = export._overlay_png(Picked("sample:coins", "t", image), labels, None)()
    back = np.asarray(Image.open(io.BytesIO(png)))
    assert back.shape == (12, 20, 3)
    assert (back[4, 5] != image[4, 5]).any() and (back[0, 0] == image[0, 0]).all()
    assert export._overlay_png(None, labels, b"\x89PNG given")() == b"\x89PNG given"


def test_upload_snippet_points_the_student_at_their_file():
    from ui import snippets
    from ui.picker import Picked

    picked = Picked("upload:0123456789abcdef", "cells\nimport os.png", np.zeros((8, 8), np.uint8))
    code = snippets.clustering(picked, {"space": "intensity", "method": "kmeans"})
    assert 'images.load_image(open("<your file>", "rb").read())' in code
    assert "# Your upload 'cells\\nimport os.png': point this at your own file." in code
    assert "\nimport os" not in code  # the file name stays inside the comment
    compile(code, "snippet.py", "exec")
