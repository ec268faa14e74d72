"""ui.region_figs: growth rings, quadtree pictures and RAG figures."""

import numpy as np

from segcore.classical.region_growing import region_grow
from segcore.classical.split_merge import split_and_merge
from ui import region_figs as figs


def test_stage_picture_paints_the_ring():
    img = np.zeros((8, 8), np.uint8)
    t = region_grow(img, [(0, 0)], threshold=0, connectivity=4)
    rgb = figs.stage_rgb(img, t.labels, t.stage, 2)
    ring = t.stage == 2
    assert rgb[ring].any(axis=-1).all() and (rgb[t.stage > 2] == 0).all()
    assert not np.array_equal(rgb[ring][0], rgb[t.stage == 1][0])  # ring colour differs


def test_quadtree_picture_draws_block_borders():
    img = np.zeros((8, 8), np.uint8)
    img[:4, :4] = 200
    rgb = figs.quadtree_rgb(img, np.array([[0, 0, 4], [0, 4, 4], [4, 0, 4], [4, 4, 4]]),
                            np.array([1, 1, 1, 1]))
    assert (rgb[:, 4] == 255).all() and (rgb[4, :] == 255).all()
    assert (rgb[1, 1] != 255).any()


def test_rag_figure_caps_nodes_and_edges():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (128, 128)).astype(np.uint8)
    t = split_and_merge(img, max_variance=0, min_block=2)
    assert t.n_leaves > figs.MAX_DRAWN_NODES
    fig = figs.rag_figure(np.zeros((128, 128, 3), np.uint8), t.rag_before, "RAG")
    nodes = fig.data[-1]
    assert len(nodes.x) == figs.MAX_DRAWN_NODES
    n_edges = sum(np.isnan(np.asarray(tr.x, float)).sum() for tr in fig.data[1:-1])
    assert n_edges <= figs.MAX_DRAWN_EDGES
    assert "largest" in fig.layout.title.text


def test_growth_figure_has_mean_and_sd_per_region():
    img = np.tile(np.arange(8) * 4, (8, 1))
    t = region_grow(img, [(0, 0), (7, 7)], threshold=10, criterion="adaptive")
    fig = figs.growth_figure(t.history, "adaptive")
    names = [tr.name for tr in fig.data]
    assert {"M(1)", "sd(1)", "M(2)", "sd(2)"} <= set(names) and len(fig.data) == 5
