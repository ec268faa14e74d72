"""Interactive s-t graph cut: foreground/background seeds, max-flow = min-cut.

Every pixel is a node; two terminals, the source ``s`` (foreground) and the
sink ``t`` (background), are linked to every pixel. A labelling L costs

.. math:: E(L) = \\sum_p R_p(L_p) + \\lambda \\sum_{(p,q) \\in N} B_{pq}\\,[L_p \\ne L_q]

- regional term :math:`R_p(fg) = -\\ln P(I_p \\mid fg)`, :math:`R_p(bg) = -\\ln P(I_p \\mid bg)`
  from colour histograms of the seeds (t-links);
- boundary term :math:`B_{pq} = aff(p, q) / \\|p - q\\| =
  \\exp(-\\|I_p - I_q\\|^2 / 2\\sigma^2) / \\|p - q\\|`, the intensity affinity
  (n-links): cutting between similar neighbours is expensive.

Seeds are hard constraints (a t-link of capacity K larger than any cut). The
minimum s-t cut is exactly the labelling of least energy, and by the
max-flow/min-cut theorem its cost equals the maximum flow from s to t, which
the Boykov-Kolmogorov algorithm (PyMaxflow) finds fast on grids.
"""

from __future__ import annotations

import maxflow
import networkx as nx
import numpy as np
from scipy import ndimage as ndi

from segcore.trace import Trace, TraceRecorder

__all__ = [
    "GT_SEED_MARGIN",
    "NX_MAX_PIXELS",
    "SOLVERS",
    "default_seeds",
    "ground_truth_seeds",
    "seed_mask",
    "seeded_graph_cut",
    "segmentation_energy",
]

#: Max-flow back ends: Boykov-Kolmogorov in C++ (PyMaxflow) or networkx's
#: pure-Python maximum flow (the same cut, for comparison).
SOLVERS = ("pymaxflow", "networkx")
#: Largest image the networkx solver accepts (128 x 128).
NX_MAX_PIXELS = 128 * 128
#: Grid neighbour offsets (row, col) for each neighbourhood, one per edge.
_OFFSETS = {"4": ((0, 1), (1, 0)), "8": ((0, 1), (1, 0), (1, 1), (1, -1))}
#: Pseudo-count added to each histogram bin so unseen colours get a finite cost.
#: Kept small: a prior that swamps a few hundred seed pixels makes both models
#: nearly flat, and near-tied t-links make the max-flow many times slower.
_HISTOGRAM_PRIOR = 0.1
#: Background default seeds sit 1/20 of the side in from each corner.
_CORNER_INSET = 20
#: Ground-truth seeds keep pixels at least this far (px) inside their region.
GT_SEED_MARGIN = 6
#: Grey-level range of uint8 images.
_LEVELS = 256


def _validate_cut_args(image, fg_seeds, bg_seeds, lam, sigma, neighbourhood, bins, solver):
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError("image must be a uint8 (H, W) or (H, W, 3) array, "
                         f"got {image.dtype} {image.shape}")
    seeds = []
    for name, mask in (("fg_seeds", fg_seeds), ("bg_seeds", bg_seeds)):
        mask = np.asarray(mask)
        if mask.shape != image.shape[:2]:
            raise ValueError(f"{name} must be a boolean mask of shape {image.shape[:2]}, "
                             f"got {mask.shape}")
        seeds.append(mask.astype(bool))
    if not (np.isfinite(lam) and lam >= 0):
        raise ValueError(f"lam must be a finite number >= 0, got {lam!r}")
    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be a positive number, got {sigma!r}")
    if neighbourhood not in _OFFSETS:
        raise ValueError(f"neighbourhood must be one of {tuple(_OFFSETS)}, got {neighbourhood!r}")
    if not (isinstance(bins, (int, np.integer)) and 2 <= bins <= 64):
        raise ValueError(f"bins must be an integer in [2, 64], got {bins!r}")
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
    if solver == "networkx" and image.shape[0] * image.shape[1] > NX_MAX_PIXELS:
        raise ValueError(f"the networkx solver is limited to {NX_MAX_PIXELS} pixels, "
                         f"got {image.shape[0]} x {image.shape[1]}")
    return image, seeds[0], seeds[1]


def seed_mask(shape: tuple[int, int], points, radius: int = 3) -> np.ndarray:
    """Boolean mask with a disk of ``radius`` around each ``(row, col)`` point.

    Parameters
    ----------
    shape : tuple of int
        ``(H, W)`` of the image.
    points : sequence of (int, int)
        Seed positions; points outside the image raise.
    radius : int
        Brush radius in pixels (0 marks single pixels).

    Returns
    -------
    (H, W) bool ndarray

    Raises
    ------
    ValueError
        For a point outside the image or a negative radius.

    Examples
    --------
    >>> seed_mask((3, 4), [(1, 1)], radius=1).astype(int).tolist()
    [[0, 1, 0, 0], [1, 1, 1, 0], [0, 1, 0, 0]]
    """
    if radius < 0:
        raise ValueError(f"radius must be >= 0, got {radius}")
    mask = np.zeros(shape, dtype=bool)
    rows, cols = np.ogrid[: shape[0], : shape[1]]
    for row, col in points:
        if not (0 <= row < shape[0] and 0 <= col < shape[1]):
            raise ValueError(f"seed point ({row}, {col}) lies outside the {shape[0]} x {shape[1]} image")
        mask |= (rows - row) ** 2 + (cols - col) ** 2 <= radius**2
    return mask


def default_seeds(shape: tuple[int, int], foreground: np.ndarray | None = None):
    """Starting seeds: one foreground point, background points near the four corners.

    Parameters
    ----------
    shape : tuple of int
        ``(H, W)`` of the image.
    foreground : (H, W) bool ndarray, optional
        A known object mask (e.g. a scene's ground truth); the foreground seed
        goes to its most interior pixel. Without it, the image centre.

    Returns
    -------
    fg_points, bg_points : list of (int, int)

    Examples
    --------
    >>> default_seeds((100, 80))
    ([(50, 40)], [(5, 4), (5, 75), (94, 4), (94, 75)])
    """
    h, w = shape
    if foreground is not None and np.any(foreground):
        depth = ndi.distance_transform_edt(np.pad(foreground, 1))[1:-1, 1:-1]
        fg = [tuple(int(v) for v in np.unravel_index(int(np.argmax(depth)), shape))]
    else:
        fg = [(h // 2, w // 2)]
    dr, dc = max(1, h // _CORNER_INSET), max(1, w // _CORNER_INSET)
    return fg, [(dr, dc), (dr, w - 1 - dc), (h - 1 - dr, dc), (h - 1 - dr, w - 1 - dc)]


def ground_truth_seeds(foreground: np.ndarray, void: np.ndarray | None = None,
                       margin: int = GT_SEED_MARGIN) -> tuple[np.ndarray, np.ndarray]:
    """Seed masks from a known object mask: the interiors of object and background.

    Each side is eroded by ``margin`` pixels (Euclidean distance to the other
    side, the image frame not counting as a border); a side too thin for the
    margin keeps its most interior pixels instead, so neither mask is empty
    while its side has pixels. VOID pixels are never seeds.

    Parameters
    ----------
    foreground : (H, W) bool ndarray
        The object mask (e.g. a scene's ground-truth foreground).
    void : (H, W) bool ndarray, optional
        Unlabelled pixels (a scene's VOID).
    margin : int
        Erosion depth in pixels (>= 0).

    Returns
    -------
    fg, bg : (H, W) bool ndarray

    Examples
    --------
    >>> fg, bg = ground_truth_seeds(np.arange(10)[None, :].repeat(3, 0) >= 5, margin=2)
    >>> fg.astype(int)[0].tolist(), bg.astype(int)[0].tolist()
    ([0, 0, 0, 0, 0, 0, 0, 1, 1, 1], [1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
    """
    foreground = np.asarray(foreground, bool)
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    labelled = np.ones_like(foreground) if void is None else ~np.asarray(void, bool)
    masks = []
    for side in (foreground & labelled, ~foreground & labelled):
        depth = ndi.distance_transform_edt(side | ~labelled)  # distance to the other side
        depth[~side] = 0
        masks.append(side & (depth > min(margin, depth.max() - 1)) if side.any() else side)
    return masks[0], masks[1]


def _colour_bins(image: np.ndarray, bins: int) -> np.ndarray:
    index = image.astype(np.int64) * bins // _LEVELS
    if image.ndim == 2:
        return index
    return (index[..., 0] * bins + index[..., 1]) * bins + index[..., 2]


def _seed_colour_models(bin_index: np.ndarray, fg: np.ndarray, bg: np.ndarray, n_bins: int):
    """Smoothed histograms P(colour | fg) and P(colour | bg) of the seed pixels."""
    models = []
    for seeds in (fg, bg):
        counts = np.bincount(bin_index[seeds], minlength=n_bins) + _HISTOGRAM_PRIOR
        models.append(counts / counts.sum())
    return models


def _regional_term(bin_index, fg_model, bg_model):
    """R_p(fg) = -ln P(I_p | fg) and R_p(bg) = -ln P(I_p | bg)."""
    return -np.log(fg_model[bin_index]), -np.log(bg_model[bin_index])


def _shifted_pairs(shape, offset):
    """Slices selecting p and q = p + offset for every in-bounds pair."""
    (h, w), (dr, dc) = shape, offset
    p = (slice(0, h - dr), slice(max(0, -dc), w - max(0, dc)))
    q = (slice(dr, h), slice(max(0, dc), w + min(0, dc)))
    return p, q


def _boundary_term(features: np.ndarray, neighbourhood: str, sigma: float):
    """B_pq = exp(-|I_p - I_q|^2 / 2 sigma^2) / |p - q| per offset, stored at p (0 off-grid)."""
    shape = features.shape[:2]
    terms = []
    for offset in _OFFSETS[neighbourhood]:
        p, q = _shifted_pairs(shape, offset)
        diff = features[p] - features[q]
        sq = diff**2 if diff.ndim == 2 else np.sum(diff**2, axis=-1)
        weights = np.zeros(shape)
        weights[p] = np.exp(-sq / (2.0 * sigma**2)) / np.hypot(*offset)
        terms.append((offset, weights))
    return terms


def _terminal_capacities(r_fg, r_bg, fg, bg, hard):
    """t-links: cutting s-p labels p background (cost R_p(bg)), cutting p-t labels it foreground."""
    source = np.where(fg, hard, np.where(bg, 0.0, r_bg))
    sink = np.where(bg, hard, np.where(fg, 0.0, r_fg))
    return source, sink


def _solve_pymaxflow(source, sink, nlinks):
    shape = source.shape
    ids = np.arange(source.size, dtype=np.int32).reshape(shape)
    graph = maxflow.Graph[float](source.size, len(nlinks) * source.size)
    graph.add_nodes(source.size)
    for offset, weights in nlinks:
        p, q = _shifted_pairs(shape, offset)
        caps = np.ascontiguousarray(weights[p]).ravel()
        graph.add_edges(ids[p].ravel(), ids[q].ravel(), caps, caps)
    graph.add_grid_tedges(ids, source, sink)
    flow = graph.maxflow()
    return float(flow), ~graph.get_grid_segments(ids)


def _solve_networkx(source, sink, nlinks):
    shape = source.shape
    ids = np.arange(source.size).reshape(shape)
    graph = nx.DiGraph()
    graph.add_nodes_from(["s", "t"])
    graph.add_nodes_from(range(source.size))
    for node, cap in zip(ids.ravel().tolist(), source.ravel().tolist()):
        if cap > 0:
            graph.add_edge("s", node, capacity=cap)
    for node, cap in zip(ids.ravel().tolist(), sink.ravel().tolist()):
        if cap > 0:
            graph.add_edge(node, "t", capacity=cap)
    for offset, weights in nlinks:
        p, q = _shifted_pairs(shape, offset)
        pairs = zip(ids[p].ravel().tolist(), ids[q].ravel().tolist(), weights[p].ravel().tolist())
        for u, v, cap in pairs:
            graph.add_edge(u, v, capacity=cap)
            graph.add_edge(v, u, capacity=cap)
    flow, (source_side, _) = nx.minimum_cut(graph, "s", "t")
    fg = np.zeros(source.size, dtype=bool)
    fg[[n for n in source_side if n != "s"]] = True
    return float(flow), fg.reshape(shape)


def _inner_boundary(mask: np.ndarray) -> np.ndarray:
    """Foreground pixels with a 4-neighbour on the other side of the cut."""
    edge = np.zeros_like(mask)
    for offset in _OFFSETS["4"]:
        p, q = _shifted_pairs(mask.shape, offset)
        differs = mask[p] != mask[q]
        edge[p] |= differs
        edge[q] |= differs
    return edge & mask


def segmentation_energy(mask: np.ndarray, source: np.ndarray, sink: np.ndarray, nlinks) -> dict:
    """Energy of a labelling: t-link costs it pays plus n-link weights it cuts.

    Parameters
    ----------
    mask : (H, W) bool ndarray
        Foreground (source side) labelling.
    source, sink : (H, W) float ndarray
        t-link capacities s-p and p-t.
    nlinks : list of ((dr, dc), (H, W) float ndarray)
        n-link capacities per neighbour offset, stored at p for the pair (p, p + offset).

    Returns
    -------
    dict
        ``regional`` (t-links cut), ``boundary`` (n-links cut) and ``energy``
        (their sum), equal to the capacity of the cut the mask defines.

    Examples
    --------
    >>> s = np.array([[3.0, 0.0]]); t = np.array([[0.0, 2.0]])
    >>> n = [((0, 1), np.array([[1.5, 0.0]]))]
    >>> segmentation_energy(np.array([[True, False]]), s, t, n)
    {'regional': 0.0, 'boundary': 1.5, 'energy': 1.5}
    """
    regional = float(np.sum(np.where(mask, sink, source)))
    boundary = 0.0
    for offset, weights in nlinks:
        p, q = _shifted_pairs(mask.shape, offset)
        boundary += float(np.sum(weights[p][mask[p] != mask[q]]))
    return {"regional": regional, "boundary": boundary, "energy": regional + boundary}


def seeded_graph_cut(image: np.ndarray, fg_seeds: np.ndarray, bg_seeds: np.ndarray, *,
                     lam: float = 10.0, sigma: float = 30.0, neighbourhood: str = "4",
                     bins: int = 16, solver: str = "pymaxflow") -> Trace:
    """Segment foreground from background with seeds and an s-t minimum cut.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) uint8 ndarray
    fg_seeds, bg_seeds : (H, W) bool ndarray
        Pixels the user marked as object and as background (see :func:`seed_mask`).
    lam : float
        Weight :math:`\\lambda \\ge 0` of the boundary term; 0 labels each pixel
        by its colour model alone.
    sigma : float
        Scale of the intensity affinity in grey levels.
    neighbourhood : {"4", "8"}
        n-link structure.
    bins : int
        Histogram bins per channel of the seed colour models (2-64).
    solver : {"pymaxflow", "networkx"}
        Max-flow implementation; networkx is limited to :data:`NX_MAX_PIXELS`.

    Returns
    -------
    Trace
        ``output``: ``mask`` (H, W) bool foreground, ``boundary`` (H, W) bool
        cut boundary, ``flow`` the max-flow value, ``energy``, ``regional``,
        ``boundary_energy`` of the result (flow == energy), the seed colour
        models ``fg_model`` and ``bg_model`` (bins or bins**3 probabilities)
        and ``hard`` = K. Steps: seeds, regional term, boundary term, minimum cut.

    Raises
    ------
    ValueError
        For a malformed image or seeds, negative lam, non-positive sigma, an
        unknown neighbourhood or solver, or an image too big for networkx.

    Notes
    -----
    Foreground seeds get :math:`R_p(bg) = K`, background seeds
    :math:`R_p(fg) = K`, with :math:`K = 1 + \\max_p (R_p + \\lambda \\sum_q B_{pq})`
    larger than any cut through unseeded pixels, so seeds keep their label.
    Boykov and Jolly put :math:`\\lambda` on the regional term instead; the
    trade-off is the same, inverted.

    References
    ----------
    .. [1] Y. Boykov and M.-P. Jolly, "Interactive graph cuts for optimal
           boundary and region segmentation of objects in N-D images", ICCV 2001.
    .. [2] Y. Boykov and V. Kolmogorov, "An experimental comparison of
           min-cut/max-flow algorithms for energy minimization in vision", TPAMI 2004.

    Examples
    --------
    >>> img = np.zeros((6, 6), np.uint8); img[:, 3:] = 200
    >>> fg = seed_mask((6, 6), [(2, 4)], 0); bg = seed_mask((6, 6), [(2, 1)], 0)
    >>> t = seeded_graph_cut(img, fg, bg, lam=1.0)
    >>> t.mask.sum(), bool(np.isclose(t.flow, t.energy))
    (np.int64(18), True)
    """
    image, fg, bg = _validate_cut_args(image, fg_seeds, bg_seeds, lam, sigma, neighbourhood,
                                       bins, solver)
    params = {"lam": lam, "sigma": sigma, "neighbourhood": neighbourhood, "bins": bins, "solver": solver}
    rec = TraceRecorder()
    warnings = []
    overlap = fg & bg
    if overlap.any():
        warnings.append(f"{int(overlap.sum())} pixel(s) were marked both foreground and background; "
                        "they are left unseeded.")
        fg, bg = fg & ~overlap, bg & ~overlap
    rec.add("seeds", {"fg": fg, "bg": bg}, f"{int(fg.sum())} foreground and {int(bg.sum())} "
            "background seed pixels.", fg=int(fg.sum()), bg=int(bg.sum()))
    if not fg.any() or not bg.any():
        warnings.append("Mark at least one foreground and one background seed to cut.")
        empty = np.zeros(image.shape[:2], dtype=bool)
        output = {"mask": empty, "boundary": empty, "flow": 0.0, "energy": 0.0,
                  "regional": 0.0, "boundary_energy": 0.0, "fg_model": None, "bg_model": None,
                  "hard": 0.0}
        return rec.finish(output, params, warnings)
    bin_index = _colour_bins(image, bins)
    fg_model, bg_model = _seed_colour_models(bin_index, fg, bg, bins if image.ndim == 2 else bins**3)
    r_fg, r_bg = _regional_term(bin_index, fg_model, bg_model)
    rec.add("regional term", (r_bg - r_fg).astype(np.float32),
            "R_p(bg) - R_p(fg): positive where the colour looks like the foreground seeds.")
    nlinks = [(offset, lam * weights) for offset, weights in
              _boundary_term(image.astype(np.float64), neighbourhood, sigma)]
    link_sum = sum(w for _, w in nlinks)
    rec.add("boundary term", link_sum.astype(np.float32),
            "lambda * sum of B_pq to the next neighbours: dark where an edge makes cutting cheap.",
            lam=lam)
    hard = 1.0 + float(np.max(np.maximum(r_fg, r_bg) + 2.0 * link_sum))
    source, sink = _terminal_capacities(r_fg, r_bg, fg, bg, hard)
    solve = _solve_pymaxflow if solver == "pymaxflow" else _solve_networkx
    flow, mask = solve(source, sink, nlinks)
    energy = segmentation_energy(mask, source, sink, nlinks)
    rec.add("minimum cut", mask, f"Max-flow {flow:.2f} = cut energy {energy['energy']:.2f}; "
            f"{int(mask.sum())} pixels on the foreground side.", flow=flow, energy=energy["energy"])
    output = {"mask": mask, "boundary": _inner_boundary(mask), "flow": flow,
              "energy": energy["energy"], "regional": energy["regional"],
              "boundary_energy": energy["boundary"], "fg_model": fg_model, "bg_model": bg_model,
              "hard": hard}
    return rec.finish(output, params, warnings)
