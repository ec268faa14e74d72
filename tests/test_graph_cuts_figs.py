"""ui/graph_figs.py: pictures and figures of the graph-cuts page (no Streamlit run needed)."""

import numpy as np

from segcore.classical import graph_cuts as G
from ui import graph_figs as figs


def test_partition_picture_tints_side_a_orange():
    image = np.full((8, 8), 100, np.uint8)
    in_a = np.zeros((2, 2), bool)
    in_a[0, 0] = True
    rgb = figs.partition_picture(image, in_a)
    assert rgb.shape == (8, 8, 3) and rgb.dtype == np.uint8
    assert rgb[0, 0, 0] > rgb[0, 0, 2]      # orange in the A quarter
    assert rgb[7, 7, 2] > rgb[7, 7, 0]      # bluish elsewhere


def test_signed_picture_colours_and_zero():
    rgb = figs.signed_picture(np.array([[-1.0, 0.0, 1.0]]))
    assert tuple(rgb[0, 0]) == (0, 114, 178)
    assert tuple(rgb[0, rgb.shape[1] // 2]) == (255, 255, 255)
    assert tuple(rgb[0, -1]) == (230, 159, 0)
    assert np.all(figs.signed_picture(np.zeros((2, 2))) == 255)  # no division by zero


def test_affinity_heatmap_is_sorted_and_capped():
    rng = np.random.default_rng(0)
    w = rng.random((300, 300))
    w = (w + w.T) / 2
    group = rng.integers(0, 3, 300)
    fig = figs.affinity_heatmap(w, group, ["a", "b", "c"])
    z = np.asarray(fig.data[0].z)
    assert z.shape[0] <= figs.MAX_HEATMAP_SIDE
    assert list(fig.layout.xaxis.ticktext) == ["a", "b", "c"]


def test_edge_figure_marks_exactly_the_cut_edges():
    img = np.zeros((4, 4), np.uint8)
    img[:, 2:] = 200
    g = G.affinity_graph(img, sigma_d=None, sigma_i=50.0, neighbourhood="4", max_nodes=16)
    side = np.zeros(16, bool)
    side[np.arange(16) % 4 < 2] = True
    fig = figs.edge_weight_figure(g.image, g.edges, g.edge_weights, cut=side)
    cut_trace = next(t for t in fig.data if t.name == "cut edges")
    assert np.sum(np.isnan(np.asarray(cut_trace.x, float))) == 4  # one per row crosses


def test_hcs_figure_draws_the_min_cut_of_a_split():
    graph = G.lecture_example_graph()
    trace = G.hcs(graph)
    positions = figs.hcs_layout(graph)
    split = next(s for s in trace.steps if s.name == "split")
    fig = figs.hcs_figure(graph, positions, split, [])
    names = [t.name for t in fig.data]
    assert "min cut" in names and "vertex" in names
    cluster = next(s for s in trace.steps if s.name == "cluster")
    assert "min cut" not in [t.name for t in figs.hcs_figure(graph, positions, cluster, []).data]


def test_seed_model_figure_gray_and_colour():
    gray = figs.seed_model_figure(np.full(16, 1 / 16), np.full(16, 1 / 16), 16, colour=False)
    assert len(gray.data) == 2
    colour = figs.seed_model_figure(np.full(64, 1 / 64), np.full(64, 1 / 64), 4, colour=True)
    assert len(colour.data) == 6 and np.isclose(sum(colour.data[0].y), 1.0)


def test_seeds_picture_paints_seeds_over_the_result():
    image = np.zeros((5, 5), np.uint8)
    mask = np.zeros((5, 5), bool)
    fg = np.zeros((5, 5), bool)
    bg = np.zeros((5, 5), bool)
    fg[2, 2] = bg[0, 0] = True
    rgb = figs.seeds_picture(image, mask, mask, fg, bg)
    assert tuple(rgb[2, 2]) == tuple(figs.FG_COLOR) and tuple(rgb[0, 0]) == tuple(figs.BG_COLOR)
