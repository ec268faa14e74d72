"""Graph-cut exercises: Ncut of a 4-node graph by hand, what the minimum cut cuts off,
how many clusters HCS finds, and max-flow's lambda chosen to beat the colour model alone.

Every answer is checked with :mod:`segcore.classical.graph_cuts`
(``partition_measures``, ``affinity_graph``, ``minimum_cut``, ``hcs``,
``seeded_graph_cut``) and :func:`segcore.evaluation.scoring.score_against_scene`.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np

from segcore.classical import graph_cuts as G
from segcore.evaluation.scoring import score_against_scene
from segcore.exercises.core import (
    Answer,
    Exercise,
    Show,
    choice_is,
    close_to,
    fmt,
    reach,
    rng_for,
)
from segcore.scenes import make_scene

__all__ = ["EXERCISES", "ncut_by_hand", "predict_min_cut", "predict_hcs", "beat_colour_model",
           "MIN_CUT_CHOICES", "min_cut_case", "min_cut_outcome", "hcs_case", "beat_scene",
           "object_iou"]

# Ncut by hand
NCUT_NODES = 4
NCUT_WEIGHTS = (1, 9)       # integer edge weights
NCUT_MIN_EDGES = 4          # of the 6 node pairs
NCUT_RELATIVE = 0.01        # Ncut by hand: 1 % either side ...
NCUT_ABSOLUTE = 0.005       # ... but at least this much
NCUT_ATTEMPTS = 100
# what the minimum cut cuts off
CUT_SIDE = 8                # the pixel graph is an 8 x 8 image, one node per pixel
CUT_BACKGROUND = (40, 100)  # gray level of the background
CUT_NOISE = 3.0             # gray-level noise
CUT_CONTRAST = (15, 70)     # how much brighter the block is
CUT_BLOCK = (2, 3)          # block sides in pixels (inclusive)
CUT_SIGMA_D, CUT_SIGMA_I, CUT_HOOD = 3.0, 20.0, "8"  # the page's default graph
CUT_CLEAR = 1.25            # the cheaper candidate is at least 25 % cheaper (no near-ties)
CUT_ATTEMPTS = 200
CUT_PICTURE = 16            # each node drawn as a 16 x 16 block
MIN_CUT_CHOICES = ("A single pixel", "The bright block", "A larger piece of the background")
# HCS
HCS_GROUPS = (2, 3)         # dense groups in the graph
HCS_GROUP_SIZES = (3, 5)    # vertices per group (inclusive)
HCS_STRAGGLER = 0.5         # chance of a vertex hanging on by one edge
# max-flow
BEAT_SIZE = 96              # side of the shapes scene
BEAT_NOISE = 0.2            # heavy noise: the colour model alone speckles
BEAT_SEED_MARGIN = 3        # seeds: pixels at least this far inside each side
BEAT_SIGMA = 30.0           # the page's default sigma of the boundary term
BEAT_LAMBDAS = (1, 2, 3, 5, 8, 12, 20, 30, 50)  # lambdas tried to make sure the target is reachable
BEAT_MARGIN = 0.08          # target: lambda = 0's IoU plus this, ...
BEAT_SLACK = 0.005          # ... at most the best tried lambda's IoU minus this
MAX_LAMBDA = 500.0          # the page's largest lambda


def _nodes(mask) -> str:
    """The nodes of a side as a set, e.g. ``{0, 2}``."""
    return "{" + ", ".join(str(int(i)) for i in np.flatnonzero(mask)) + "}"


# ----------------------------------------------------------------- Ncut by hand


def _ncut_case(rng) -> tuple[np.ndarray, np.ndarray]:
    """A connected 4-node graph with integer weights and a partition A, B of it."""
    pairs = list(itertools.combinations(range(NCUT_NODES), 2))
    for _ in range(NCUT_ATTEMPTS):
        weights = np.zeros((NCUT_NODES, NCUT_NODES), int)
        keep = rng.permutation(len(pairs))[: rng.integers(NCUT_MIN_EDGES, len(pairs) + 1)]
        for p in keep:
            i, j = pairs[p]
            weights[i, j] = weights[j, i] = rng.integers(NCUT_WEIGHTS[0], NCUT_WEIGHTS[1] + 1)
        in_a = np.zeros(NCUT_NODES, bool)
        in_a[rng.choice(NCUT_NODES, rng.integers(1, 3), replace=False)] = True
        if weights[np.ix_(in_a, ~in_a)].sum() > 0:
            return weights, in_a
    raise RuntimeError("could not draw a 4-node graph")  # pragma: no cover


def ncut_by_hand(seed: int) -> Exercise:
    """Compute Ncut(A, B) = cut/assoc(A, V) + cut/assoc(B, V) of a 4-node graph."""
    weights, in_a = _ncut_case(rng_for(seed, "ncut-4"))
    m = G.partition_measures(weights.astype(float), in_a)
    truth = m["ncut"]
    a, b = _nodes(in_a), _nodes(~in_a)
    return Exercise(
        id="ncut-4", kind="compute", title="Normalized cut of a 4-node graph",
        prompt=(f"The table gives the edge weights $w(i, j)$ of a graph on the nodes 0-3 (row i, "
                f"column j; 0 = no edge). Split it into A = {a} and B = {b} and compute "
                "$Ncut(A,B) = \\frac{cut(A,B)}{assoc(A,V)} + \\frac{cut(A,B)}{assoc(B,V)}$."),
        answer=Answer("Ncut(A, B)", 0, 2),
        judge=close_to(truth, max(NCUT_RELATIVE * truth, NCUT_ABSOLUTE), reveal=False,
                       name="Ncut(A, B)"),
        hints=("cut(A, B) adds the weights of the edges with one end in A and the other in B.",
               "assoc(A, V) adds every edge weight at a node of A, to any node (inside A or "
               "across): it is cut(A, B) plus twice each edge inside A, so the row sums of A."),
        solution=(f"$cut(A,B) = {m['cut']:g}$ (edges from {a} to {b}). "
                  f"$assoc(A,V) = {m['assoc_av']:g}$ and $assoc(B,V) = {m['assoc_bv']:g}$ "
                  "(row sums of the table over each side). "
                  f"$Ncut = {m['cut']:g}/{m['assoc_av']:g} + {m['cut']:g}/{m['assoc_bv']:g} "
                  f"= {fmt(truth)}$. Check: $Nassoc = 2 - Ncut = {fmt(m['nassoc'])}$."),
        seed=seed,
        shows=(Show("grid", weights, "Edge weights w(i, j): row i, column j"),))


# ----------------------------------------------------------------- what the min cut cuts


def min_cut_case(seed: int):
    """An 8 x 8 image with a bright block, its page-default affinity graph and the block mask.

    Redrawn until the cheapest single pixel and the block differ by :data:`CUT_CLEAR`
    and the minimum cut takes one of them (no near-ties for the student to guess).
    """
    rng = rng_for(seed, "min-cut")
    for _ in range(CUT_ATTEMPTS):
        block = np.zeros((CUT_SIDE, CUT_SIDE), bool)
        h, w = rng.integers(CUT_BLOCK[0], CUT_BLOCK[1] + 1, 2)
        r0, c0 = rng.integers(1, CUT_SIDE - h), rng.integers(1, CUT_SIDE - w)
        block[r0:r0 + h, c0:c0 + w] = True
        level = rng.integers(CUT_BACKGROUND[0], CUT_BACKGROUND[1] + 1)
        contrast = rng.uniform(*CUT_CONTRAST)
        image = np.clip(np.round(level + contrast * block
                                 + rng.normal(0, CUT_NOISE, block.shape)), 0, 255).astype(np.uint8)
        graph = G.affinity_graph(image, sigma_d=CUT_SIGMA_D, sigma_i=CUT_SIGMA_I,
                                 neighbourhood=CUT_HOOD)
        block_cut = G.partition_measures(graph.weights, block.ravel())["cut"]
        pixel_cut = float(graph.weights.sum(axis=1).min())
        if max(block_cut, pixel_cut) >= CUT_CLEAR * min(block_cut, pixel_cut) and \
                min_cut_outcome(graph.weights, block) != MIN_CUT_CHOICES[2]:
            return image, graph, block
    raise RuntimeError("could not draw a clear min-cut case")  # pragma: no cover


def min_cut_outcome(weights: np.ndarray, block: np.ndarray) -> str:
    """Which of :data:`MIN_CUT_CHOICES` the minimum cut (Stoer-Wagner) cuts off."""
    side = G.minimum_cut(weights).in_a
    if side.sum() == 1:
        return MIN_CUT_CHOICES[0]
    if np.array_equal(side, np.asarray(block).ravel()):
        return MIN_CUT_CHOICES[1]
    return MIN_CUT_CHOICES[2]


def predict_min_cut(seed: int) -> Exercise:
    """Predict whether the minimum cut isolates one pixel or the bright block."""
    image, graph, block = min_cut_case(seed)
    truth = min_cut_outcome(graph.weights, block)
    w = graph.weights
    pixel = int(np.argmin(w.sum(axis=1)))
    lone = np.zeros(w.shape[0], bool)
    lone[pixel] = True
    m_block = G.partition_measures(w, block.ravel())
    m_pixel = G.partition_measures(w, lone)
    inside = float(np.median(image[block])) - float(np.median(image[~block]))
    explain = (f"cutting off the block costs cut = {m_block['cut']:.3g}, the cheapest single "
               f"pixel (row {pixel // CUT_SIDE}, column {pixel % CUT_SIDE}) costs "
               f"{m_pixel['cut']:.3g}, and "
               "the minimum cut takes the cheaper. The normalized cut divides by each side's "
               f"assoc: Ncut(block) = {m_block['ncut']:.3f}, Ncut(pixel) = "
               f"{m_pixel['ncut']:.3f} (a lone node always has Ncut >= 1).")
    return Exercise(
        id="min-cut", kind="predict", title="What will the minimum cut cut off?",
        prompt=(f"This 8 x 8 image has a block about {inside:.0f} gray levels brighter than the "
                "background. The page's graph links every pixel to its 8 neighbours with "
                "$aff(x,y) = \\exp(-\\lVert x-y \\rVert^2/2\\sigma_d^2)\\,"
                "\\exp(-(I(x)-I(y))^2/2\\sigma_i^2)$, "
                f"$\\sigma_d = {CUT_SIGMA_D:g}$, $\\sigma_i = {CUT_SIGMA_I:g}$. The minimum cut "
                "removes the edges of least total weight that split the graph in two. "
                "**Predict the smaller side.**"),
        answer=Answer("The minimum cut cuts off", choices=MIN_CUT_CHOICES),
        judge=choice_is(truth, explain=explain),
        hints=("Count the edges a candidate side loses: a corner pixel has only 3 neighbours, "
               "each edge worth about exp(-1/18) = 0.95 (sideways) or exp(-2/18) = 0.89 "
               "(diagonal) when the gray levels agree.",
               "An edge across the block's border weighs about "
               f"exp(-D^2 / {2 * CUT_SIGMA_I ** 2:g}) times its distance term, with D the "
               "contrast; multiply by the number of edges that cross the border (sideways and "
               "diagonal)."),
        solution=(f"The minimum cut cuts off **{truth.lower()}**: {explain} With little contrast "
                  "the block's many border edges stay heavy and a lone pixel with few neighbours "
                  "(on the image border, or beside the block) is cheapest: the lecture's "
                  "small-component bias. With strong contrast the block's border edges are "
                  "nearly free."),
        seed=seed,
        shows=(Show("image", np.kron(image, np.ones((CUT_PICTURE, CUT_PICTURE), np.uint8)),
                    "The 8 x 8 image (one block per pixel)"),
               Show("grid", image.astype(int), "Its gray levels, row by row")))


# ----------------------------------------------------------------- HCS


def _dense_group(rng, nodes: list[int]) -> list[tuple[int, int]]:
    """A complete graph on ``nodes`` minus up to one (3 nodes) or two edges."""
    edges = list(itertools.combinations(nodes, 2))
    drop = rng.integers(0, 2 if len(nodes) == 3 else 3)
    gone = set(rng.permutation(len(edges))[:drop].tolist())
    return [e for i, e in enumerate(edges) if i not in gone]


def hcs_case(seed: int) -> nx.Graph:
    """Dense groups joined in a chain by single edges, maybe one straggler on one edge.

    Single joining edges are bridges, so the clusters HCS finds do not depend on which of
    several equally small cuts a MINCUT routine returns first.
    """
    rng = rng_for(seed, "hcs")
    graph, groups, start = nx.Graph(), [], 0
    for _ in range(rng.integers(HCS_GROUPS[0], HCS_GROUPS[1] + 1)):
        size = int(rng.integers(HCS_GROUP_SIZES[0], HCS_GROUP_SIZES[1] + 1))
        nodes = list(range(start, start + size))
        graph.add_nodes_from(nodes)
        graph.add_edges_from(_dense_group(rng, nodes))
        groups.append(nodes)
        start += size
    for left, right in itertools.pairwise(groups):
        graph.add_edge(int(rng.choice(left)), int(rng.choice(right)))
    if rng.random() < HCS_STRAGGLER:
        graph.add_edge(start, int(rng.integers(0, start)))
    return graph


def predict_hcs(seed: int) -> Exercise:
    """Predict how many highly connected subgraphs HCS returns."""
    graph = hcs_case(seed)
    trace = G.hcs(graph)
    truth = len(trace.clusters)
    n = graph.number_of_nodes()
    rows = [{"vertex": v, "linked to": ", ".join(str(u) for u in sorted(graph[v])),
             "degree": graph.degree[v]} for v in range(n)]
    found = sorted((s for s in trace.steps if s.name == "cluster"),
                   key=lambda s: int(s.data["nodes"].min()))
    clusters = "; ".join(f"{sorted(s.data['nodes'].tolist())} (n = {int(s.metrics['n'])}, "
                         f"k = {int(s.metrics['k'])} > {s.metrics['n'] / 2:g})"
                         for s in found) or "none"
    return Exercise(
        id="hcs", kind="predict", title="How many clusters will HCS find?",
        prompt=(f"HCS splits a graph along a minimum cut until every piece is **highly "
                f"connected**: its edge connectivity k(G) (fewest edges whose removal "
                "disconnects it) is greater than n/2. Single vertices are not clusters. "
                f"**Predict how many clusters** HCS returns for this {n}-vertex graph."),
        answer=Answer("Number of clusters", 0, n, integer=True),
        judge=close_to(truth, 0, reveal=True, fmt="{:.0f}", name="the number of HCS clusters"),
        hints=("A single edge between two groups is the cheapest cut: HCS removes it first and "
               "then looks at each group alone.",
               "Check every group with k(G) > n/2: a triangle passes (2 > 1.5), a 4-cycle fails "
               "(2 is not > 2), and a vertex of degree d caps k(G) at d."),
        solution=(f"HCS returns {truth} cluster(s): {clusters}; singletons: "
                  f"{', '.join(map(str, trace.singletons)) or 'none'}. Each cluster's k(G) "
                  "exceeds half its size; a group missing edges fails the test and is cut "
                  "again, often down to singletons."),
        seed=seed, shows=(Show("table", rows, "The graph: each vertex's neighbours"),))


# ----------------------------------------------------------------- max-flow lambda


def beat_scene(seed: int):
    """The very noisy shapes scene of :func:`beat_colour_model`."""
    return make_scene("shapes", seed=seed, size=BEAT_SIZE, noise=BEAT_NOISE)


def object_iou(scene, lam: float) -> float:
    """Object IoU of the seeded s-t cut with the ground truth's interior as seeds."""
    fg, bg = G.ground_truth_seeds(scene.foreground, margin=BEAT_SEED_MARGIN)
    mask = G.seeded_graph_cut(scene.image, fg, bg, lam=float(lam), sigma=BEAT_SIGMA).mask
    return score_against_scene(mask, scene, binary=True)["iou"]["object"]


def beat_colour_model(seed: int) -> Exercise:
    """Choose lambda so the boundary term beats the seeds' colour model alone (lambda = 0)."""
    scene = beat_scene(seed)
    alone = object_iou(scene, 0.0)
    best = max(object_iou(scene, lam) for lam in BEAT_LAMBDAS)
    target = float(np.floor(1000 * min(alone + BEAT_MARGIN, best - BEAT_SLACK)) / 1000)
    return Exercise(
        id="beat-lambda", kind="beat", title="Beat the colour model with the boundary term",
        prompt=(f"Max-flow with seeds labels each pixel by minimising "
                "$E(L) = \\sum_p R_p(L_p) + \\lambda \\sum_{(p,q)} B_{pq}[L_p \\ne L_q]$: the "
                "regional term R from the seeds' gray-level histograms, the boundary term B "
                f"from the intensity affinity ($\\sigma = {BEAT_SIGMA:g}$, 4 neighbours). The "
                f"seeds are the pixels at least {BEAT_SEED_MARGIN} px inside the shapes and "
                "inside the background. With "
                f"$\\lambda = 0$ the object IoU is {alone:.3f}. Choose $\\lambda$ (0-"
                f"{MAX_LAMBDA:g}) with an object IoU of at least **{target:.3f}**; each check "
                "runs the max-flow."),
        answer=Answer("Your lambda", 0, MAX_LAMBDA),
        judge=reach(lambda lam: object_iou(scene, lam), target, name="object IoU",
                    setting="lambda"),
        hints=("lambda = 0 decides every pixel by its gray level alone: the noise turns "
               "background pixels into object speckles and back.",
               "Each n-link cut costs lambda B_pq, so a larger lambda removes speckles; too "
               "large and the cut shortens the boundary by shaving off corners and thin "
               "triangles. Try values between 2 and 30."),
        solution=(f"With $\\lambda = 0$ the object IoU is {alone:.3f}: the noise "
                  f"(sigma about {BEAT_NOISE * 255:.0f} gray levels) flips isolated pixels. "
                  f"A moderate $\\lambda$ charges every cut neighbour pair, so isolated "
                  f"flips cost more than they save; the best lambda tried reaches {best:.3f}. "
                  "Much larger values make the boundary so expensive that the cut smooths "
                  "away corners and the IoU falls again."),
        seed=seed, shows=(Show("image", scene.image, "The scene (gray)"),))


EXERCISES = (ncut_by_hand, predict_min_cut, predict_hcs, beat_colour_model)
