"""Highly Connected Subgraphs (HCS): clustering by repeated minimum cuts.

The edge connectivity :math:`k(G)` of a graph is the least number of edges
whose removal disconnects it. A graph on :math:`n > 1` vertices is *highly
connected* when :math:`k(G) > n/2`. HCS (Hartuv and Shamir) cuts a graph
along a minimum cut until every piece is highly connected::

    HCS(G):
        (H, H', C) <- MINCUT(G)
        if G is highly connected: return G          # a cluster
        else: HCS(H); HCS(H')

Single vertices are not clusters; they are collected as singletons.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from segcore.classical.cut_measures import stoer_wagner
from segcore.trace import Trace, TraceRecorder

__all__ = ["SINGLETON", "lecture_example_graph", "hcs", "hcs_pixels", "DEFAULT_MAX_STEPS"]

#: Label of vertices that end up alone (not part of any cluster).
SINGLETON = 0
#: Recorded HCS calls kept for the step player.
DEFAULT_MAX_STEPS = 64


def _validate_hcs_input(graph=None, *, weights=None, shape=None, threshold=None):
    """Check a graph for HCS, or a pixel affinity matrix with its grid shape and threshold."""
    if weights is not None:
        weights = np.asarray(weights, dtype=np.float64)
        n = int(np.prod(shape))
        if weights.ndim != 2 or weights.shape[0] != weights.shape[1] or weights.shape[0] != n:
            raise ValueError(f"weights must be an (n, n) matrix with n = h * w for shape "
                             f"{tuple(shape)}, got {weights.shape}")
        if not 0 <= threshold < 1:
            raise ValueError(f"threshold must be in [0, 1), got {threshold!r}")
        return weights
    if not isinstance(graph, nx.Graph) or graph.is_directed() or graph.is_multigraph():
        raise ValueError("graph must be an undirected simple networkx.Graph, "
                         f"got {type(graph).__name__}")
    n = graph.number_of_nodes()
    if n == 0:
        raise ValueError("graph must have at least one node, got an empty graph")
    if set(graph.nodes) != set(range(n)):
        raise ValueError(f"graph nodes must be the integers 0..{n - 1}")
    return graph


def lecture_example_graph() -> nx.Graph:
    """A small graph of the lecture's kind: three dense groups and a straggler.

    Nodes 0-4 form K5 minus the edges (0, 1) and (2, 3) (k = 3 > 5/2);
    nodes 5-8 form K4 (k = 3 > 4/2); nodes 9-11 a triangle (k = 2 > 3/2).
    Two edges join the first two groups, one edge the last two, and node 12
    hangs on node 7 by a single edge.

    Returns
    -------
    networkx.Graph
        13 nodes, unweighted.

    Examples
    --------
    >>> g = lecture_example_graph()
    >>> g.number_of_nodes(), g.number_of_edges()
    (13, 21)
    """
    graph = nx.Graph()
    graph.add_nodes_from(range(13))
    graph.add_edges_from(e for e in nx.complete_graph(range(5)).edges if e not in {(0, 1), (2, 3)})
    graph.add_edges_from(nx.complete_graph(range(5, 9)).edges)
    graph.add_edges_from([(9, 10), (10, 11), (9, 11)])
    graph.add_edges_from([(4, 5), (3, 6), (8, 9), (7, 12)])
    return graph


def _minimum_cut(adjacency: np.ndarray) -> tuple[int, np.ndarray]:
    """MINCUT(G) on the 0/1 adjacency matrix: its value is the edge connectivity k(G)."""
    value, side = stoer_wagner(adjacency)
    return int(round(value)), side


def _is_highly_connected(k: int, n: int) -> bool:
    return n > 1 and k > n / 2


def hcs(graph: nx.Graph, *, max_steps: int | None = DEFAULT_MAX_STEPS) -> Trace:
    """Cluster an unweighted graph into highly connected subgraphs.

    Parameters
    ----------
    graph : networkx.Graph
        Undirected simple graph with nodes ``0..n-1``; edge weights are
        ignored (HCS counts edges).
    max_steps : int or None
        Bound on recorded HCS calls (the run itself is not bounded).

    Returns
    -------
    Trace
        ``output``: ``labels`` (n,) int32, cluster number from 1 and
        :data:`SINGLETON` (0) for lone vertices; ``clusters`` list of sorted
        node lists; ``singletons`` sorted list. One step per HCS call with
        ``data = {"nodes", "side"}`` and metrics ``n``, ``k`` and
        ``highly_connected``.

    Raises
    ------
    ValueError
        If ``graph`` is not an undirected simple graph on nodes ``0..n-1``.

    Notes
    -----
    :math:`G` is highly connected iff :math:`k(G) > n/2`; such a graph has
    diameter at most 2 and every vertex has degree > n/2, which is why HCS
    clusters are dense. Stoer-Wagner on unit weights gives both the minimum
    cut and :math:`k(G)` (edge connectivity = minimum cut of unit weights).

    References
    ----------
    .. [1] E. Hartuv and R. Shamir, "A clustering algorithm based on graph
           connectivity", Information Processing Letters 76, 2000.

    Examples
    --------
    >>> t = hcs(lecture_example_graph())
    >>> t.clusters, t.singletons
    ([[0, 1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11]], [12])
    """
    graph = _validate_hcs_input(graph)
    adjacency = nx.to_numpy_array(graph, nodelist=range(graph.number_of_nodes()), weight=None)
    rec = TraceRecorder(max_steps=max_steps)
    clusters, singletons = [], []
    pending = [np.arange(graph.number_of_nodes())]
    while pending:
        nodes = pending.pop()
        n = len(nodes)
        if n == 1:
            singletons.append(int(nodes[0]))
            rec.add("singleton", {"nodes": nodes, "side": np.zeros(1, bool)},
                    f"Vertex {nodes[0]} is alone: a singleton, not a cluster.", n=1, k=0,
                    highly_connected=0)
            continue
        k, side = _minimum_cut(adjacency[np.ix_(nodes, nodes)])
        verdict = _is_highly_connected(k, n)
        if verdict:
            clusters.append(nodes.tolist())
            caption = f"k(G) = {k} > n/2 = {n / 2:g}: these {n} vertices are a cluster."
        else:
            pending.extend([nodes[~side], nodes[side]])
            caption = (f"k(G) = {k} <= n/2 = {n / 2:g}: cut {k} edge(s), splitting {n} vertices "
                       f"into {int(side.sum())} + {n - int(side.sum())}.")
        rec.add("cluster" if verdict else "split", {"nodes": nodes, "side": side}, caption,
                n=n, k=k, highly_connected=int(verdict))
    clusters.sort()
    labels = np.full(graph.number_of_nodes(), SINGLETON, np.int32)
    for number, members in enumerate(clusters, start=1):
        labels[members] = number
    output = {"labels": labels, "clusters": clusters, "singletons": sorted(singletons)}
    return rec.finish(output, {"n": graph.number_of_nodes(), "edges": graph.number_of_edges()})


def hcs_pixels(weights: np.ndarray, shape: tuple[int, int], threshold: float, *,
               max_steps: int | None = DEFAULT_MAX_STEPS) -> Trace:
    """HCS on a pixel graph: keep the edges whose affinity exceeds ``threshold``.

    Parameters
    ----------
    weights : (n, n) float ndarray
        Affinity matrix W of an ``h x w`` grid (see ``affinity_graph``).
    shape : tuple of int
        ``(h, w)`` with ``h * w == n``.
    threshold : float
        Affinity in [0, 1) above which two pixels are linked.
    max_steps : int or None
        Bound on recorded HCS calls.

    Returns
    -------
    Trace
        As :func:`hcs`, with ``labels`` reshaped to ``(h, w)`` and one more
        output, ``edges``, the number of kept edges.

    Raises
    ------
    ValueError
        If W does not match ``shape`` or ``threshold`` is outside [0, 1).

    Examples
    --------
    >>> w = np.kron(np.eye(2), np.ones((3, 3))) - np.eye(6)
    >>> hcs_pixels(w, (2, 3), 0.5).labels.tolist()
    [[1, 1, 1], [2, 2, 2]]
    """
    weights = _validate_hcs_input(weights=weights, shape=shape, threshold=threshold)
    graph = nx.Graph()
    graph.add_nodes_from(range(weights.shape[0]))
    rows, cols = np.nonzero(np.triu(weights > threshold, k=1))
    graph.add_edges_from(zip(rows.tolist(), cols.tolist()))
    trace = hcs(graph, max_steps=max_steps)
    output = dict(trace.output, labels=trace.labels.reshape(shape), edges=graph.number_of_edges())
    warnings = () if graph.number_of_edges() else (
        f"No affinity exceeds {threshold:g}: every pixel is a singleton. Lower the threshold "
        "or raise the sigmas.",)
    return Trace(output, trace.steps, dict(trace.params, threshold=threshold), warnings,
                 trace.total_steps)
