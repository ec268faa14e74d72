"""The compare page's methods: every classical page's method, run and scored as its page does.

Each :class:`Method` names its page and the page's settings as they appear in
the page's query string (its defaults, unless a link changes them). A runner
turns those settings into exactly the segcore call the page makes and says how
the page scores the result (``binary`` masks, ``match_clusters`` for clusters
and regions), so a row's link opens the page on the same numbers.

No Streamlit here: :func:`compute` runs in the background worker process
(:mod:`ui.background`); :mod:`ui.compare` draws the page's part.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

import numpy as np

from segcore.classical import clustering as clu
from segcore.classical import graph_cuts as G
from segcore.classical import threshold as thr
from segcore.classical.region_growing import brightest_seed, grow_with_rule
from segcore.classical.split_merge import split_and_merge
from segcore.evaluation.boundary import boundary_f_score
from segcore.evaluation.scoring import score_against_scene
from ui.figures import png
from ui.graph_figs import resize_nearest
from ui.overlay import mask_overlay, overlay

__all__ = ["BOUNDARY_TOLERANCE", "BY_KEY", "METHODS", "TUNABLE", "Method", "Result", "compute",
           "link"]

#: Tolerance (pixels) of the boundary F-score.
BOUNDARY_TOLERANCE = 2
_THUMB = 128  # side of the overlay thumbnails (pixels)


@dataclass(frozen=True)
class Method:
    """One row of the comparison.

    Parameters
    ----------
    key : str
        Short name in the compare page's ``methods=`` list, e.g. ``"kmeans-texture"``.
    name : str
        Row label, e.g. "k-means (texture)".
    page : str
        URL path of the page that runs it.
    kind : str
        Which runner computes it (a key of ``_RUNNERS``).
    query : mapping
        The page's settings as query-string values (page-local keys).
    """

    key: str
    name: str
    page: str
    kind: str
    query: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    """A method's scores (as its page shows them), time and overlay thumbnail (PNG)."""

    report: dict
    boundary: dict
    wall_ms: float
    picture: bytes
    query: Mapping[str, str]


# ----------------------------------------------------------------- runners
# Each takes (image, gray, scene, query) and returns (labels or mask, scoring keyword
# arguments of score_against_scene exactly as the page passes them, query actually used).

def _threshold(image, gray, scene, q):
    method = q["method"]
    params: dict = {}
    if method not in ("multiotsu", "hysteresis"):
        params["polarity"] = q["polarity"]
    if method == "multiotsu":
        params["classes"] = int(q["classes"])
    elif method == "local":
        params.update(method=q["localkind"], block_size=int(q["block"]),
                      offset=float(q["offset"]))
    elif method in ("niblack", "sauvola"):
        params.update(window_size=int(q["window"]), k=float(q["k"]))
    out = thr.threshold(gray, method, **params).output
    if method == "multiotsu":
        return out["labels"], {"match_clusters": True}, q
    return out["mask"], {"binary": True}, q


def _region_growing(image, gray, scene, q):
    q = dict(q)
    q.setdefault("seeds", ";".join(f"{r}.{c}" for r, c in brightest_seed(gray)))
    points = [tuple(int(v) for v in p.split(".")) for p in q["seeds"].split(";")]
    max_pct = int(q["maxsize"])
    _, trace, merged = grow_with_rule(
        gray, "click", points, criterion=q["crit"], threshold=int(q["T"]),
        connectivity=int(q["conn"]), max_size=None if max_pct == 100 else
        max(1, gray.size * max_pct // 100), merge_k=float(q["k"]) if q["merge"] == "1" else None)
    labels = trace.labels if merged is None else merged.labels
    return labels, {"match_clusters": True}, q


def _split_merge(image, gray, scene, q):
    trace = split_and_merge(gray, predicate=q["pred"], max_variance=float(q["v"]),
                            min_block=int(q["minb"]))
    return trace.labels, {"match_clusters": True}, q


def _kmeans(image, gray, scene, q):
    trace = clu.cluster_image(image, space=q["space"], method="kmeans",
                              position_weight=float(q["lam"]), n_clusters=int(q["k"]),
                              init=q["init"], n_init=int(q["restarts"]),
                              random_state=int(q["rs"]))
    return trace.labels, {"match_clusters": True}, q


def _ncut(image, gray, scene, q):
    q = dict(q) | ({"sc": "0"} if image.ndim == 3 else {})
    graph = G.affinity_graph(image, sigma_d=float(q["sd"]) or None, sigma_i=float(q["si"]),
                             sigma_c=float(q.get("sc", 0)) or None, neighbourhood=q["hood"],
                             max_nodes=int(q["nodes"]))
    cuts = G.compare_cuts(graph.weights, graph.shape)
    mask = resize_nearest(cuts.ncut, image.shape[:2]) > 0
    return mask, {"binary": True, "match_clusters": True}, q


def _recursive_ncut(image, gray, scene, q):
    trace = G.recursive_ncut(image, n_segments=int(q["nseg"]), compactness=float(q["compact"]),
                             sigma=float(q["rsigma"]), thresh=float(q["nthresh"]),
                             random_state=int(q["rseed"]))
    return trace.labels, {"match_clusters": True}, q


def _max_flow(image, gray, scene, q):
    q = dict(q) | {"bins": q.get("bins", "8" if image.ndim == 3 else "16")}
    fg, bg = G.ground_truth_seeds(scene.foreground, scene.void)
    if not (fg.any() and bg.any()):
        raise ValueError("the ground truth has no object or no background to take seeds from")
    out = G.seeded_graph_cut(image, fg, bg, lam=float(q["lam"]), sigma=float(q["mfsigma"]),
                             neighbourhood=q["mfhood"], bins=int(q["bins"])).output
    return out["mask"], {"binary": True, "match_clusters": True}, q


_RUNNERS: dict[str, Callable] = {
    "threshold": _threshold, "region": _region_growing, "split": _split_merge,
    "kmeans": _kmeans, "ncut": _ncut, "rncut": _recursive_ncut, "maxflow": _max_flow,
}

_SPACES = {"intensity": "intensity", "rgb": "RGB", "lab": "CIELAB", "texture": "texture"}
_BRIGHT = {"polarity": thr.BRIGHT}

#: Every classical method at its page's defaults.
METHODS: tuple[Method, ...] = (
    Method("otsu", "Otsu", "thresholding", "threshold", {"method": "otsu", **_BRIGHT}),
    Method("multiotsu", "Multi-Otsu (3 classes)", "thresholding", "threshold",
           {"method": "multiotsu", "classes": "3"}),
    Method("li", "Li (min. cross entropy)", "thresholding", "threshold",
           {"method": "li", **_BRIGHT}),
    Method("triangle", "Triangle", "thresholding", "threshold",
           {"method": "triangle", **_BRIGHT}),
    Method("adaptive", "Adaptive Gaussian", "thresholding", "threshold",
           {"method": "local", **_BRIGHT, "localkind": "gaussian", "block": "35", "offset": "0"}),
    Method("sauvola", "Sauvola", "thresholding", "threshold",
           {"method": "sauvola", **_BRIGHT, "window": "25", "k": "0.2"}),
    Method("region", "Region growing (brightest seed)", "region-growing", "region",
           {"rule": "click", "crit": "adaptive", "T": "80", "conn": "8", "maxsize": "100",
            "merge": "1", "k": "1"}),
    Method("splitmerge", "Split and merge", "split-merge", "split",
           {"pred": "variance", "minb": "8", "v": "600"}),
    *(Method(f"kmeans-{space}", f"k-means ({label})", "clustering", "kmeans",
             {"space": space, "method": "kmeans", "k": "5", "init": "k-means++", "restarts": "1",
              "lam": "0", "rs": "0"}) for space, label in _SPACES.items()),
    Method("ncut", "Normalized cut (2-way)", "graph-cuts", "ncut",
           {"view": "cuts", "sd": "3", "si": "20", "hood": "8", "nodes": str(G.DEFAULT_MAX_NODES)}),
    Method("rncut", "Recursive Ncut (superpixels)", "graph-cuts", "rncut",
           {"view": "rncut", "nseg": "150", "compact": "10", "rsigma": "300", "nthresh": "0.05",
            "rseed": "0"}),
    Method("maxflow", "Max-flow (ground-truth seeds)", "graph-cuts", "maxflow",
           {"view": "maxflow", "mfseeds": "gt", "lam": "10", "mfsigma": "30", "mfhood": "4"}),
)
BY_KEY = {m.key: m for m in METHODS}

#: What a link may change, per runner: ``<method key>.<setting>=value`` (e.g.
#: ``kmeans-texture.k=4``) for a setting the method has. Options, or ``(lo, hi, step)``:
#: the same choices and slider grids as the method's page (tests/test_compare.py reads
#: them off the page's widgets), so the row's link opens the page on the same settings.
TUNABLE: dict[str, dict[str, tuple]] = {
    "threshold": {"polarity": (thr.BRIGHT, thr.DARK), "classes": (2, 5, 1),
                  "localkind": ("gaussian", "mean"), "block": (3, 201, 2),
                  "offset": (-50, 50, 1), "window": (3, 201, 2), "k": (-1.0, 1.0, 0.05)},
    "region": {"crit": ("mean", "adaptive", "fixed"), "T": (0, 128, 1), "conn": ("4", "8"),
               "maxsize": (1, 100, 1), "merge": ("0", "1"), "k": (0.0, 5.0, 0.1)},
    "split": {"minb": ("2", "4", "8", "16", "32", "64"), "v": (0, 3000, 1)},
    "kmeans": {"k": (1, 12, 1), "init": ("k-means++", "random"), "restarts": (1, 5, 1),
               "lam": (0.0, 3.0, 0.1), "rs": (0, 99, 1)},
    "ncut": {"sd": (0.0, 10.0, 0.5), "si": (1.0, 255.0, 1.0), "hood": ("4", "8", "full"),
             "nodes": (16, G.MAX_NODES, 4)},
    "rncut": {"nseg": (20, 400, 10), "compact": (1.0, 40.0, 1.0),
              "rsigma": (10.0, 3000.0, 10.0), "nthresh": (0.001, 0.5, 0.001),
              "rseed": (0, 99, 1)},
    "maxflow": {"lam": (0.0, 500.0, 1.0), "mfsigma": (1.0, 150.0, 1.0), "mfhood": ("4", "8")},
}


def _picture(image: np.ndarray, labels: np.ndarray) -> bytes:
    """A small overlay thumbnail (PNG, exact colours)."""
    step = max(1, max(image.shape[:2]) // _THUMB)
    image, labels = image[::step, ::step], labels[::step, ::step]
    if labels.dtype == bool:
        return png(mask_overlay(image, labels, alpha=0.55))
    return png(overlay(image, labels, alpha=0.5, skip_zero=False))


def compute(kind: str, query: tuple, image: np.ndarray, gray: np.ndarray, scene) -> Result:
    """Run one method (runner ``kind``, settings ``query`` as sorted (key, value) pairs) on a
    scene and score it as its page does: the work :mod:`ui.compare` sends to the background
    worker."""
    start = time.perf_counter()
    labels, scoring, query = _RUNNERS[kind](image, gray, scene, dict(query))
    wall_ms = (time.perf_counter() - start) * 1000
    report = score_against_scene(labels, scene, **scoring)
    truth = scene.foreground if scoring.get("binary") else scene.semantic
    boundary = boundary_f_score(truth, labels, tolerance=BOUNDARY_TOLERANCE,
                                ignore=scene.void if scene.has_void else None)
    return Result(report, boundary, wall_ms, _picture(image, np.asarray(labels)), dict(query))


def link(page: str, image_query: Mapping[str, str], query: Mapping[str, str]) -> str:
    """The page's URL with the image and the method's settings as its query string."""
    return f"/{page}?" + urlencode({**image_query, **query})
