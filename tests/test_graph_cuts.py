"""Graph cuts on hand-built graphs: affinities, cut measures, min cut, HCS, Ncut."""

from itertools import product

import networkx as nx
import numpy as np
import pytest
from skimage.graph import rag_mean_color

from segcore.classical import affinity, cut_measures, graph_cuts, hcs, rag_ncut
from segcore.classical.affinity import affinity_graph, downsample_labels, grid_edges
from segcore.classical.cut_measures import minimum_cut, partition_measures
from segcore.classical.hcs import SINGLETON, hcs_pixels, lecture_example_graph
from segcore.classical.ncut import spectral_ncut
from segcore.classical.rag_ncut import recursive_ncut


def _symmetric(n, seed=0, density=1.0):
    rng = np.random.default_rng(seed)
    w = np.triu(rng.random((n, n)) * (rng.random((n, n)) < density), k=1)
    return w + w.T


def _all_partitions(n):
    """Every (A, B) split with node 0 in A and B non-empty."""
    for bits in product([False, True], repeat=n - 1):
        in_a = np.array((True,) + bits)
        if not in_a.all():
            yield in_a


def _two_cliques_with_straggler():
    w = np.zeros((7, 7))
    for i, j, v in [(0, 1, 2), (1, 2, 2), (0, 2, 2), (3, 4, 2), (4, 5, 2), (3, 5, 2),
                    (2, 3, .5), (1, 4, .5), (0, 6, .3)]:
        w[i, j] = w[j, i] = v
    return w


def _two_regions(shape=(12, 12), low=40, high=200):
    img = np.full(shape, low, np.uint8)
    img[:, shape[1] // 2:] = high
    return img


# --- affinities --------------------------------------------------------------

@pytest.mark.parametrize("hood, expected", [("4", 2 * 3 * 4 - 3 - 4), ("8", 17 + 2 * 2 * 3), ("full", 66)])
def test_grid_edge_counts(hood, expected):
    edges = grid_edges((3, 4), hood)
    assert len(edges) == expected
    assert np.all(edges[:, 0] < edges[:, 1])
    assert len({tuple(e) for e in edges.tolist()}) == expected


def test_grid_edges_join_only_neighbours():
    rows, cols = np.divmod(grid_edges((5, 6), "8"), 6)
    assert np.all(np.maximum(abs(rows[:, 0] - rows[:, 1]), abs(cols[:, 0] - cols[:, 1])) == 1)


def test_affinity_matches_lecture_formula():
    img = np.array([[10, 50], [90, 10]], np.uint8)
    t = affinity_graph(img, sigma_d=2.0, sigma_i=30.0, neighbourhood="full")
    w = t.weights
    # pixels (0, 0) = node 0 and (1, 0) = node 2: distance 1, intensities 10 and 90
    expected = np.exp(-1 / (2 * 2.0**2)) * np.exp(-80**2 / (2 * 30.0**2))
    assert w[0, 2] == pytest.approx(expected)
    # nodes 0 and 3: diagonal distance^2 = 2, same intensity
    assert w[0, 3] == pytest.approx(np.exp(-2 / 8.0))
    assert np.allclose(w, w.T) and np.all(np.diag(w) == 0)
    assert [s.name for s in t.steps] == ["downsample", "distance term", "intensity term", "affinity"]


def test_affinity_term_off_and_colour_term():
    rgb = np.zeros((1, 2, 3), np.uint8)
    rgb[0, 0] = (200, 0, 0)
    rgb[0, 1] = (0, 0, 200)  # different colours, similar gray levels are not required
    off = affinity_graph(rgb, sigma_d=None, sigma_i=None, sigma_c=None, neighbourhood="4")
    assert off.edge_weights.tolist() == [1.0]
    on = affinity_graph(rgb, sigma_d=None, sigma_i=None, sigma_c=50.0, neighbourhood="4")
    assert on.edge_weights[0] == pytest.approx(np.exp(-(2 * 200**2) / (2 * 50.0**2)))


def test_affinity_caps_nodes_and_says_so():
    img = np.zeros((512, 512), np.uint8)
    t = affinity_graph(img, max_nodes=256)
    assert t.shape == (16, 16) and t.weights.shape == (256, 256)
    assert any("downsampled" in w for w in t.warnings)
    full = affinity_graph(img, neighbourhood="full", max_nodes=400)
    assert np.prod(full.shape) <= affinity.FULL_MAX_NODES
    assert any("capped" in w for w in full.warnings)
    assert affinity_graph(np.zeros((8, 8), np.uint8), max_nodes=64).warnings == ()


@pytest.mark.parametrize("kwargs, word", [
    ({"sigma_i": 0.0}, "sigma_i"), ({"sigma_d": -1.0}, "sigma_d"), ({"neighbourhood": "6"}, "neighbourhood"),
    ({"max_nodes": 10_000}, "max_nodes"),
])
def test_affinity_validation(kwargs, word):
    with pytest.raises(ValueError, match=word):
        affinity_graph(np.zeros((4, 4), np.uint8), **kwargs)
    with pytest.raises(ValueError, match="image"):
        affinity_graph(np.zeros((4, 4, 2), np.uint8))


def test_downsample_labels_nearest():
    labels = np.repeat(np.arange(4), 8).reshape(4, 8)
    assert downsample_labels(labels, (2, 4)).tolist() == [[1, 1, 1, 1], [3, 3, 3, 3]]  # block centres


# --- cut measures and the minimum cut ----------------------------------------

def test_partition_measures_by_hand():
    w = _two_cliques_with_straggler()
    m = partition_measures(w, [False, False, False, False, False, False, True])
    assert m["cut"] == pytest.approx(0.3)
    assert m["assoc_av"] == pytest.approx(0.3)           # a lone node: cut = assoc(A, V)
    assert m["assoc_aa"] == 0.0
    assert m["assoc_bv"] == pytest.approx(w.sum() - 0.3)
    assert m["ncut"] == pytest.approx(1 + 0.3 / (w.sum() - 0.3))
    assert m["ncut"] >= 1.0


@pytest.mark.parametrize("seed", range(4))
def test_ncut_equals_two_minus_nassoc_for_every_partition(seed):
    w = _symmetric(7, seed)
    for in_a in _all_partitions(7):
        m = partition_measures(w, in_a)
        assert m["ncut"] == pytest.approx(2.0 - m["nassoc"], abs=1e-12)
        assert m["assoc_av"] + m["assoc_bv"] == pytest.approx(w.sum())


def test_partition_measures_validation():
    w = _symmetric(4)
    with pytest.raises(ValueError, match="in_a"):
        partition_measures(w, np.ones(4, bool))
    with pytest.raises(ValueError, match="in_a"):
        partition_measures(w, np.ones(3, bool))
    with pytest.raises(ValueError, match="symmetric"):
        partition_measures(np.triu(w), [True, False, False, False])


@pytest.mark.parametrize("seed", range(3))
def test_minimum_cut_is_the_brute_force_minimum(seed):
    w = _symmetric(8, seed, density=0.7)
    best = min(partition_measures(w, a)["cut"] for a in _all_partitions(8))
    t = minimum_cut(w)
    assert t.measures["cut"] == pytest.approx(best)


def _networkx_graph(w):
    return nx.from_numpy_array(w)


@pytest.mark.parametrize("n, density, seed", [(6, 1.0, 0), (20, 0.5, 1), (40, 0.3, 2), (60, 0.9, 3)])
def test_stoer_wagner_agrees_with_networkx(n, density, seed):
    w = _symmetric(n, seed, density)
    value, in_a = cut_measures.stoer_wagner(w)
    ref_value, _ = nx.stoer_wagner(_networkx_graph(w))
    assert value == pytest.approx(ref_value)
    assert partition_measures(w, in_a)["cut"] == pytest.approx(value)


def test_minimum_cut_of_disconnected_graph_is_free():
    w = np.zeros((4, 4))
    w[0, 1] = w[1, 0] = 1.0
    w[2, 3] = w[3, 2] = 1.0
    t = minimum_cut(w)
    assert t.measures["cut"] == 0.0 and t.in_a.sum() == 2


def test_min_cut_isolates_the_straggler_ncut_does_not():
    w = _two_cliques_with_straggler()
    t = graph_cuts.compare_cuts(w)
    assert np.flatnonzero(t.min_cut).tolist() == [6]
    min_m, n_m = t.measures["min cut"], t.measures["normalized cut"]
    assert min_m["cut"] < n_m["cut"]            # the min cut is cheaper ...
    assert min_m["ncut"] > 1.0 > n_m["ncut"]    # ... but its Ncut is far worse
    assert sorted(np.flatnonzero(t.ncut).tolist()) in ([0, 1, 2, 6], [3, 4, 5])


# --- normalized cut ----------------------------------------------------------

def test_second_eigenvector_solves_generalized_problem():
    w = _symmetric(9, 3)
    t = spectral_ncut(w)
    d = w.sum(axis=1)
    lam = t.eigenvalues[1]
    residual = (np.diag(d) - w) @ t.y2 - lam * d * t.y2
    assert np.abs(residual).max() < 1e-8
    assert t.eigenvalues[0] == pytest.approx(0.0, abs=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_lambda2_bounds_min_ncut_and_sweep_is_consistent(seed):
    w = _symmetric(8, seed)
    brute = min(partition_measures(w, a)["ncut"] for a in _all_partitions(8))
    t = spectral_ncut(w)
    assert t.eigenvalues[1] <= brute + 1e-12
    assert t.measures["ncut"] >= brute - 1e-12
    for thr, value in zip(t.thresholds, t.ncut_values):
        assert value == pytest.approx(partition_measures(w, t.y2 > thr)["ncut"])


def test_rayleigh_quotient_of_indicator_equals_ncut():
    w = _symmetric(6, 5)
    d = w.sum(axis=1)
    for in_a in _all_partitions(6):
        m = partition_measures(w, in_a)
        x = np.where(in_a, 1.0, -1.0)
        b = m["assoc_av"] / m["assoc_bv"]
        y = (1 + x) - b * (1 - x)
        assert y @ (np.diag(d) - w) @ y / (y @ (d * y)) == pytest.approx(m["ncut"])


def test_spectral_ncut_on_two_region_image_and_shape():
    g = affinity_graph(_two_regions(), sigma_d=3.0, sigma_i=20.0, neighbourhood="8", max_nodes=144)
    t = spectral_ncut(g.weights, g.shape)
    assert t.in_a.shape == g.shape and t.y2.shape == g.shape
    left = t.in_a[:, :6]
    assert left.all() != t.in_a[:, 6:].all() and (left.all() or not left.any())
    assert t.measures["ncut"] < 0.01


def test_spectral_ncut_warns_about_isolated_nodes():
    w = _symmetric(5)
    w[4, :] = w[:, 4] = 0
    t = spectral_ncut(w)
    assert any("no connection" in m for m in t.warnings)
    assert np.all(np.isfinite(t.y2))


def test_recursive_ncut_deterministic_and_splits_regions():
    rng = np.random.default_rng(0)
    img = np.clip(_two_regions((64, 64)).astype(float) + rng.normal(0, 8, (64, 64)), 0, 255).astype(np.uint8)
    a = recursive_ncut(img, n_segments=30, random_state=3)
    b = recursive_ncut(img, n_segments=30, random_state=3)
    assert np.array_equal(a.labels, b.labels)
    assert a.n_regions >= 2
    # no region straddles the boundary by more than a few pixels
    for region in range(a.n_regions):
        cols = np.nonzero(a.labels == region)[1]
        assert np.mean(cols < 32) > 0.9 or np.mean(cols >= 32) > 0.9


def test_numpy_rag_equals_skimage_rag_mean_color():
    rng = np.random.default_rng(1)
    img = np.kron(rng.integers(0, 256, (3, 3, 3)), np.ones((8, 8, 1))).astype(np.uint8)
    sp = rag_ncut._superpixels(img, 12, 10.0)
    assert sp.max() > 4
    ref = rag_mean_color(img.astype(float), sp, mode="similarity", sigma=5000.0, connectivity=1)
    mine = rag_ncut._region_adjacency_graph(img, sp, 5000.0)
    assert {frozenset(e) for e in ref.edges} == {frozenset(e) for e in mine.edges}
    for u, v in ref.edges:
        assert mine[u][v]["weight"] == pytest.approx(ref[u][v]["weight"])


# --- HCS ---------------------------------------------------------------------

def test_hcs_on_lecture_graph_steps():
    g = lecture_example_graph()
    t = hcs.hcs(g)
    assert t.clusters == [[0, 1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11]]
    assert t.singletons == [12] and t.labels[12] == SINGLETON
    for step in t.steps:
        nodes = step.data["nodes"].tolist()
        n = len(nodes)
        if n > 1:
            assert step.metrics["k"] == nx.edge_connectivity(g.subgraph(nodes))
        assert step.metrics["highly_connected"] == (n > 1 and step.metrics["k"] > n / 2)
    for cluster in t.clusters:
        assert nx.edge_connectivity(g.subgraph(cluster)) > len(cluster) / 2


def test_hcs_clique_and_path():
    assert hcs.hcs(nx.complete_graph(5)).clusters == [[0, 1, 2, 3, 4]]
    path = hcs.hcs(nx.path_graph(4))
    assert path.clusters == [] and path.singletons == [0, 1, 2, 3]


def test_hcs_validation():
    with pytest.raises(ValueError, match="nodes"):
        hcs.hcs(nx.Graph([(1, 2)]))
    with pytest.raises(ValueError, match="undirected"):
        hcs.hcs(nx.DiGraph([(0, 1)]))


def test_hcs_pixels_separates_two_regions():
    g = affinity_graph(_two_regions((8, 8)), sigma_d=None, sigma_i=20.0, neighbourhood="full", max_nodes=64)
    t = hcs_pixels(g.weights, g.shape, 0.5)
    assert len(np.unique(t.labels[:, :4])) == 1 and len(np.unique(t.labels[:, 4:])) == 1
    assert t.labels[0, 0] != t.labels[0, 7] and SINGLETON not in t.labels
    empty = hcs_pixels(np.zeros((4, 4)), (2, 2), 0.5)
    assert empty.warnings and np.all(empty.labels == SINGLETON)
    with pytest.raises(ValueError, match="threshold"):
        hcs_pixels(np.zeros((4, 4)), (2, 2), 1.5)


def test_compare_cuts_steps_live_on_the_grid():
    g = affinity_graph(_two_regions((6, 8)), sigma_d=2.0, sigma_i=30.0, neighbourhood="4", max_nodes=48)
    t = graph_cuts.compare_cuts(g.weights, g.shape)
    names = [s.name for s in t.steps]
    assert names == ["min cut", "degree", "eigenvector", "sweep", "partition"]
    for step in t.steps:
        if step.name != "sweep":
            assert np.asarray(step.data).shape == g.shape
    assert t.min_cut.shape == t.ncut.shape == g.shape
