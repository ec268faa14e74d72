"""Seeded s-t graph cut: max-flow = min-cut, energy, seeds, lambda, solvers."""

from itertools import product

import maxflow
import networkx as nx
import numpy as np
import pytest
from skimage.measure import label

from segcore.classical import maxflow_seg
from segcore.classical.maxflow_seg import seed_mask, seeded_graph_cut, segmentation_energy


def _integer_problem(shape=(2, 3), seed=0):
    """Random integer t-links and 4-neighbour n-links on a tiny grid."""
    rng = np.random.default_rng(seed)
    source = rng.integers(0, 9, shape).astype(float)
    sink = rng.integers(0, 9, shape).astype(float)
    nlinks = []
    for offset in ((0, 1), (1, 0)):
        weights = rng.integers(1, 6, shape).astype(float)
        p, _ = maxflow_seg._shifted_pairs(shape, offset)
        outside = np.ones(shape, bool)
        outside[p] = False
        weights[outside] = 0.0
        nlinks.append((offset, weights))
    return source, sink, nlinks


def _networkx_flow(source, sink, nlinks):
    """Independent reference: networkx maximum_flow on the same s-t graph."""
    ids = np.arange(source.size).reshape(source.shape)
    g = nx.DiGraph()
    for node in range(source.size):
        g.add_edge("s", node, capacity=source.flat[node])
        g.add_edge(node, "t", capacity=sink.flat[node])
    for offset, weights in nlinks:
        p, q = maxflow_seg._shifted_pairs(source.shape, offset)
        for u, v, c in zip(ids[p].ravel(), ids[q].ravel(), weights[p].ravel()):
            g.add_edge(int(u), int(v), capacity=c)
            g.add_edge(int(v), int(u), capacity=c)
    value, _ = nx.maximum_flow(g, "s", "t")
    return value


@pytest.mark.parametrize("seed", range(5))
def test_max_flow_equals_min_cut_exactly(seed):
    source, sink, nlinks = _integer_problem(seed=seed)
    brute = min(segmentation_energy(np.array(bits).reshape(source.shape), source, sink, nlinks)["energy"]
                for bits in product([False, True], repeat=source.size))
    flow_bk, mask_bk = maxflow_seg._solve_pymaxflow(source, sink, nlinks)
    flow_nx, mask_nx = maxflow_seg._solve_networkx(source, sink, nlinks)
    assert flow_bk == brute                                     # exact: integer capacities
    assert flow_nx == brute
    assert _networkx_flow(source, sink, nlinks) == brute
    assert segmentation_energy(mask_bk, source, sink, nlinks)["energy"] == brute
    assert segmentation_energy(mask_nx, source, sink, nlinks)["energy"] == brute


def test_pymaxflow_integer_graph_agrees():
    """The same tiny graph through PyMaxflow's integer graph, built by hand."""
    source, sink, nlinks = _integer_problem(seed=7)
    g = maxflow.Graph[int]()
    ids = g.add_grid_nodes(source.shape)
    for (dr, dc), weights in nlinks:
        structure = np.zeros((3, 3), int)
        structure[1 + dr, 1 + dc] = 1
        g.add_grid_edges(ids, weights=weights.astype(int), structure=structure, symmetric=True)
    g.add_grid_tedges(ids, source.astype(int), sink.astype(int))
    assert g.maxflow() == maxflow_seg._solve_pymaxflow(source, sink, nlinks)[0]


def test_energy_by_hand():
    source = np.array([[3.0, 0.0]])
    sink = np.array([[0.0, 2.0]])
    nlinks = [((0, 1), np.array([[1.5, 0.0]]))]
    assert segmentation_energy(np.array([[True, True]]), source, sink, nlinks)["energy"] == 2.0
    assert segmentation_energy(np.array([[False, False]]), source, sink, nlinks)["energy"] == 3.0
    assert segmentation_energy(np.array([[True, False]]), source, sink, nlinks) == {
        "regional": 0.0, "boundary": 1.5, "energy": 1.5}


def _disk_scene(size=64, noise=20.0, seed=0):
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[:size, :size]
    gt = (rows - size / 2) ** 2 + (cols - size / 2) ** 2 < (size / 4) ** 2
    img = np.where(gt, 150.0, 60.0) + rng.normal(0, noise, gt.shape)
    fg = seed_mask(gt.shape, [(size // 2, size // 2)], 3)
    bg = seed_mask(gt.shape, [(3, 3), (size - 4, size - 4)], 3)
    return np.clip(img, 0, 255).astype(np.uint8), gt, fg, bg


def test_seeded_cut_segments_disk_and_respects_seeds():
    img, gt, fg, bg = _disk_scene()
    t = seeded_graph_cut(img, fg, bg, lam=10.0, sigma=15.0)
    assert (t.mask == gt).mean() > 0.97
    assert t.mask[fg].all() and not t.mask[bg].any()
    assert t.flow == pytest.approx(t.energy, rel=1e-9)
    assert t.energy == pytest.approx(t.regional + t.boundary_energy)
    assert [s.name for s in t.steps] == ["seeds", "regional term", "boundary term", "minimum cut"]
    assert t.boundary.sum() > 0 and not (t.boundary & ~t.mask).any()


def test_boundary_term_smooths_the_noisy_pixelwise_labelling():
    img, gt, fg, bg = _disk_scene(noise=35.0)
    pixelwise = seeded_graph_cut(img, fg, bg, lam=0.0)
    smooth = seeded_graph_cut(img, fg, bg, lam=10.0, sigma=50.0)
    assert (smooth.mask == gt).mean() > (pixelwise.mask == gt).mean() + 0.02
    assert label(smooth.mask).max() < label(pixelwise.mask).max() / 10   # far fewer speckles
    # lambda = 0: every unseeded pixel takes the cheaper regional cost
    bins = maxflow_seg._colour_bins(img, 16)
    fg_model, bg_model = maxflow_seg._seed_colour_models(bins, fg, bg, 16)
    r_fg, r_bg = maxflow_seg._regional_term(bins, fg_model, bg_model)
    free = ~(fg | bg) & (r_fg != r_bg)
    assert np.array_equal(pixelwise.mask[free], (r_fg < r_bg)[free])


def test_huge_lambda_with_flat_affinity_shrinks_to_the_seeds():
    """With nearly equal n-links the cheapest cut is the shortest loop around the seeds."""
    img, gt, fg, bg = _disk_scene()
    t = seeded_graph_cut(img, fg, bg, lam=1e4, sigma=500.0)
    assert t.mask.sum() < 0.5 * gt.sum() and t.mask[fg].all()


def test_networkx_solver_gives_the_same_cut():
    img, gt, fg, bg = _disk_scene(size=32)
    a = seeded_graph_cut(img, fg, bg, lam=5.0, neighbourhood="8")
    b = seeded_graph_cut(img, fg, bg, lam=5.0, neighbourhood="8", solver="networkx")
    assert a.flow == pytest.approx(b.flow, rel=1e-9)
    assert b.energy == pytest.approx(a.energy, rel=1e-9)


def test_colour_image_and_missing_or_overlapping_seeds():
    img, gt, fg, bg = _disk_scene()
    rgb = np.stack([img, 255 - img, img // 2], axis=-1)
    assert (seeded_graph_cut(rgb, fg, bg).mask == gt).mean() > 0.95
    none = seeded_graph_cut(img, fg, np.zeros_like(bg))
    assert not none.mask.any() and any("seed" in w for w in none.warnings)
    both = seeded_graph_cut(img, fg | bg, bg)
    assert any("both" in w for w in both.warnings)


def test_constant_image_does_not_divide_by_zero():
    img = np.full((16, 16), 90, np.uint8)
    fg = seed_mask(img.shape, [(8, 8)], 1)
    bg = seed_mask(img.shape, [(0, 0)], 1)
    t = seeded_graph_cut(img, fg, bg, lam=1.0)
    assert np.isfinite(t.flow) and t.mask[fg].all() and not t.mask[bg].any()


@pytest.mark.parametrize("kwargs, word", [
    ({"lam": -1.0}, "lam"), ({"sigma": 0.0}, "sigma"), ({"neighbourhood": "full"}, "neighbourhood"),
    ({"bins": 1}, "bins"), ({"solver": "magic"}, "solver"),
])
def test_validation(kwargs, word):
    img, gt, fg, bg = _disk_scene(size=16)
    with pytest.raises(ValueError, match=word):
        seeded_graph_cut(img, fg, bg, **kwargs)
    with pytest.raises(ValueError, match="fg_seeds"):
        seeded_graph_cut(img, fg[:4], bg)
    with pytest.raises(ValueError, match="networkx"):
        big = np.zeros((200, 200), np.uint8)
        seeded_graph_cut(big, big > 0, big > 0, solver="networkx")


def test_seed_mask():
    assert seed_mask((5, 5), [(2, 2)], 0).sum() == 1
    assert seed_mask((5, 5), [(2, 2)], 2).sum() == 13
    with pytest.raises(ValueError, match="outside"):
        seed_mask((5, 5), [(5, 0)])


def test_default_seeds_inside_the_object_and_in_the_corners():
    _, gt, _, _ = _disk_scene()
    fg, bg = maxflow_seg.default_seeds(gt.shape, gt)
    assert gt[fg[0]] and fg[0] == (32, 32)
    assert len(bg) == 4 and not any(gt[p] for p in bg)
    assert maxflow_seg.default_seeds((10, 10))[0] == [(5, 5)]
