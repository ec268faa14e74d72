"""segcore's graph cuts on the shapes scene: seeded max-flow, Ncut, min cut.

The issue's bar: a seeded s-t max-flow segmentation of a 512 x 512 image in
<= 300 ms median (PyMaxflow, Boykov-Kolmogorov). The same s-t graph on a
64 x 64 image is cut by networkx's pure-Python maximum flow
(``solver="networkx"``: ``networkx.minimum_cut``, preflow-push) with the
PyMaxflow run as the reference column, so the ratio reads "networkx is N
times slower"; both give the same flow value (tests/test_graph_cuts_maxflow.py). The small-graph
cases (affinity graph, Stoer-Wagner min cut, generalized eigenproblem, HCS)
run at the page's default node budget.
"""

import numpy as np
from scipy import ndimage as ndi

from benchmarks.harness import Case
from segcore.classical import graph_cuts as G
from segcore.scenes import make_scene

_MAXFLOW_BUDGET_MS = 300.0  # issue 7
_HCS_NODES = 100  # the page's default pixel-HCS graph
_SCENE = make_scene("shapes", seed=0, size=512)
_IMAGE = _SCENE.image


def _seeds(semantic, radius):
    """An fg seed disk at the most interior object pixel and bg disks in two corners."""
    inside = ndi.distance_transform_edt(semantic > 0)
    centre = np.unravel_index(int(np.argmax(inside)), semantic.shape)
    h, w = semantic.shape
    return (G.seed_mask(semantic.shape, [centre], radius),
            G.seed_mask(semantic.shape, [(2, 2), (h - 3, w - 3)], radius))


_FG, _BG = _seeds(_SCENE.semantic, 8)
_SMALL = _IMAGE[::8, ::8].copy()
_FG_SMALL, _BG_SMALL = _seeds(_SCENE.semantic[::8, ::8], 1)
_GRAPH = G.affinity_graph(_IMAGE)
_FULL = G.affinity_graph(_IMAGE, neighbourhood="full", sigma_d=None, max_nodes=_HCS_NODES)

CASES = [
    Case("graph cuts: seeded max-flow (PyMaxflow)", "512 x 512",
         lambda: G.seeded_graph_cut(_IMAGE, _FG, _BG), budget_ms=_MAXFLOW_BUDGET_MS),
    Case("graph cuts: seeded cut via networkx maximum flow (ratio = networkx / PyMaxflow)",
         "64 x 64",
         lambda: G.seeded_graph_cut(_SMALL, _FG_SMALL, _BG_SMALL, solver="networkx"),
         lambda: G.seeded_graph_cut(_SMALL, _FG_SMALL, _BG_SMALL),
         "same s-t graph through PyMaxflow (Boykov-Kolmogorov)", repeat=3),
    Case("graph cuts: affinity graph (8-neighbourhood)", "512 x 512 -> 16 x 16",
         lambda: G.affinity_graph(_IMAGE)),
    Case("graph cuts: min cut (Stoer-Wagner) + Ncut (eigh)", "256 nodes",
         lambda: G.compare_cuts(_GRAPH.weights, _GRAPH.shape), repeat=3),
    Case("graph cuts: HCS on thresholded full graph", f"{_HCS_NODES} nodes",
         lambda: G.hcs_pixels(_FULL.weights, _FULL.shape, 0.5), repeat=3),
    Case("graph cuts: recursive Ncut on SLIC RAG", "512 x 512",
         lambda: G.recursive_ncut(_IMAGE), repeat=3),
]
