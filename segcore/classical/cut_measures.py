"""Graph cuts and how to score them: cut, assoc, Ncut, Nassoc, Acut, and the min cut.

A two-way partition ``V = A ∪ B`` of a weighted graph is a segmentation. The
lecture scores it by the weight it cuts,

.. math:: cut(A, B) = \\sum_{p \\in A, q \\in B} w_{p,q},

which the minimum cut (Stoer-Wagner) makes as small as possible. That
favours cutting off a tiny group of nodes, so the normalized cut divides by
each side's total connection :math:`assoc(A, V) = \\sum_{u \\in A, t \\in V} w(u, t)`:

.. math:: Ncut(A, B) = \\frac{cut(A, B)}{assoc(A, V)} + \\frac{cut(A, B)}{assoc(B, V)}
          = 2 - Nassoc(A, B).

The lecture also names the *average cut* among the other graph-cut measures,
which divides by each side's number of nodes instead of its connection:

.. math:: Acut(A, B) = \\frac{cut(A, B)}{|A|} + \\frac{cut(A, B)}{|B|}.
"""

from __future__ import annotations

import numpy as np

from segcore.trace import Trace, TraceRecorder

__all__ = ["UNCONNECTED_CUT_RATIO", "average_cut", "partition_measures", "minimum_cut",
           "stoer_wagner"]


def _validate_partition(weights, in_a):
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 2 or weights.shape[0] != weights.shape[1]:
        raise ValueError(f"weights must be a square (n, n) matrix, got shape {weights.shape}")
    if not np.allclose(weights, weights.T) or np.any(weights < 0) or not np.all(np.isfinite(weights)):
        raise ValueError("weights must be symmetric, finite and non-negative")
    if in_a is None:
        return weights, None
    in_a = np.asarray(in_a).ravel()
    if in_a.shape != (weights.shape[0],):
        raise ValueError(f"in_a must have one entry per node ({weights.shape[0]}), got {in_a.shape[0]}")
    in_a = in_a.astype(bool)
    if in_a.all() or not in_a.any():
        raise ValueError("in_a must put at least one node in A and one in B, got a one-sided partition")
    return weights, in_a


#: cut / assoc(A, V) of a side without any connection (then cut = assoc = 0):
#: the limit for a lone node, where cut(A, B) = assoc(A, V).
UNCONNECTED_CUT_RATIO = 1.0


def _ratio(num: float, den: float, empty: float) -> float:
    return float(num / den) if den > 0 else empty


def average_cut(weights: np.ndarray, in_a: np.ndarray) -> float:
    """Average cut of the partition ``(A, B)``: the cut weight per node of each side.

    Parameters
    ----------
    weights, in_a
        The affinity matrix W and the partition, as for :func:`partition_measures`.

    Returns
    -------
    float
        :math:`Acut(A, B) = cut(A, B) / |A| + cut(A, B) / |B|`.

    Raises
    ------
    ValueError
        As :func:`partition_measures`.

    Notes
    -----
    The lecture lists the average cut next to the normalized cut ("Other
    Graph Cut Methods"); the formula is Shi and Malik's [1]_. Like Ncut it
    penalises a small side, but it counts that side's *nodes* rather than its
    total connection :math:`assoc(A, V)`: a lone node pays its whole cut
    (:math:`cut / 1`), however strongly the rest of the graph holds together.
    Minimising Acut relaxes to the ordinary eigenproblem :math:`(D - W) y =
    \\lambda y` instead of Ncut's generalized one.

    References
    ----------
    .. [1] J. Shi and J. Malik, "Normalized cuts and image segmentation",
       IEEE TPAMI 22(8), 2000, section 2 (average cut and average association).

    Examples
    --------
    >>> w = np.array([[0, 2, 1], [2, 0, 0], [1, 0, 0]], float)
    >>> average_cut(w, [True, True, False])  # cut = 1, |A| = 2, |B| = 1
    1.5
    """
    weights, in_a = _validate_partition(weights, in_a)
    cut = float(weights[np.ix_(in_a, ~in_a)].sum())
    return cut / int(in_a.sum()) + cut / int((~in_a).sum())


def partition_measures(weights: np.ndarray, in_a: np.ndarray) -> dict[str, float]:
    """Cut, associations, Ncut, Nassoc and Acut of the partition ``(A, B)``.

    Parameters
    ----------
    weights : (n, n) float ndarray
        Symmetric non-negative affinity matrix W (zero diagonal).
    in_a : (n,) bool ndarray
        True for nodes in A, False for nodes in B (both non-empty).

    Returns
    -------
    dict
        ``cut``, ``assoc_av``, ``assoc_bv``, ``assoc_aa``, ``assoc_bb``,
        ``ncut``, ``nassoc``, ``acut`` (:func:`average_cut`), ``size_a``,
        ``size_b``. A side with no
        connection at all (assoc = 0) counts like a lone node:
        cut / assoc = 1 and assoc(A, A) / assoc = 0.

    Raises
    ------
    ValueError
        If W is not square, symmetric and non-negative, or the partition is
        one-sided or of the wrong length.

    Notes
    -----
    :math:`assoc(A, A) = \\sum_{u, t \\in A} w(u, t)` counts each edge inside A
    from both ends, so :math:`assoc(A, V) = assoc(A, A) + cut(A, B)` and
    :math:`Ncut = 2 - Nassoc` with
    :math:`Nassoc = assoc(A,A)/assoc(A,V) + assoc(B,B)/assoc(B,V)`.

    Examples
    --------
    >>> w = np.array([[0, 2, 1], [2, 0, 0], [1, 0, 0]], float)
    >>> m = partition_measures(w, [True, True, False])
    >>> m["cut"], m["assoc_av"], m["assoc_bv"], round(m["ncut"], 3), round(m["nassoc"], 3)
    (1.0, 5.0, 1.0, 1.2, 0.8)
    >>> m["acut"]
    1.5
    """
    weights, in_a = _validate_partition(weights, in_a)
    in_b = ~in_a
    cut = float(weights[np.ix_(in_a, in_b)].sum())
    assoc_aa = float(weights[np.ix_(in_a, in_a)].sum())
    assoc_bb = float(weights[np.ix_(in_b, in_b)].sum())
    assoc_av, assoc_bv = assoc_aa + cut, assoc_bb + cut
    size_a, size_b = int(in_a.sum()), int(in_b.sum())
    return {
        "cut": cut, "assoc_av": assoc_av, "assoc_bv": assoc_bv,
        "assoc_aa": assoc_aa, "assoc_bb": assoc_bb,
        "ncut": (_ratio(cut, assoc_av, UNCONNECTED_CUT_RATIO)
                 + _ratio(cut, assoc_bv, UNCONNECTED_CUT_RATIO)),
        "nassoc": (_ratio(assoc_aa, assoc_av, 1.0 - UNCONNECTED_CUT_RATIO)
                   + _ratio(assoc_bb, assoc_bv, 1.0 - UNCONNECTED_CUT_RATIO)),
        "acut": cut / size_a + cut / size_b,
        "size_a": size_a, "size_b": size_b,
    }


def _maximum_adjacency_phase(adjacency: np.ndarray) -> tuple[float, int, int]:
    """One Stoer-Wagner phase: grow A by the most tightly connected node.

    Returns the cut of the phase (the last node against the rest) and the
    last two nodes added, which the next phase merges.
    """
    connection = adjacency[0].copy()
    connection[0] = -np.inf
    before, last = 0, 0
    for _ in range(adjacency.shape[0] - 1):
        before, last = last, int(np.argmax(connection))
        cut_of_phase = float(connection[last])
        connection += adjacency[last]  # nodes already in A stay at -inf
        connection[last] = -np.inf
    return cut_of_phase, before, last


def stoer_wagner(weights: np.ndarray) -> tuple[float, np.ndarray]:
    """Global minimum cut of a weighted graph by Stoer-Wagner, on the dense matrix.

    The same algorithm as ``networkx.stoer_wagner`` (a test checks the values
    agree), vectorised over the dense affinity matrix: on this machine about
    2x faster on a 256-node 8-neighbour pixel graph and about 9x faster on
    the dense subgraphs HCS cuts, which keeps HCS interactive.

    Parameters
    ----------
    weights : (n, n) float ndarray
        Symmetric non-negative matrix, n >= 2. A disconnected graph gives 0.

    Returns
    -------
    value : float
        Weight of the minimum cut.
    in_a : (n,) bool ndarray
        One side of it.

    Notes
    -----
    Each phase orders the nodes by maximum adjacency; the last node's total
    connection to the others is a cut, the "cut of the phase". Merging the
    last two nodes and repeating n - 1 times visits a minimum cut.

    Examples
    --------
    >>> w = np.array([[0, 2, 0], [2, 0, .5], [0, .5, 0]])
    >>> value, in_a = stoer_wagner(w)
    >>> value, in_a.tolist()
    (0.5, [False, False, True])
    """
    adjacency = np.array(weights, dtype=np.float64)
    np.fill_diagonal(adjacency, 0.0)
    members = [[i] for i in range(adjacency.shape[0])]
    best_value, best_side = np.inf, []
    while len(members) > 1:
        value, before, last = _maximum_adjacency_phase(adjacency)
        if value < best_value:
            best_value, best_side = value, list(members[last])
        adjacency[before] += adjacency[last]
        adjacency[:, before] += adjacency[:, last]
        adjacency[before, before] = 0.0
        adjacency = np.delete(np.delete(adjacency, last, axis=0), last, axis=1)
        members[before].extend(members.pop(last))
    in_a = np.zeros(np.asarray(weights).shape[0], dtype=bool)
    in_a[best_side] = True
    return float(best_value), in_a


def minimum_cut(weights: np.ndarray) -> Trace:
    """Global minimum cut of a weighted graph (Stoer-Wagner).

    Parameters
    ----------
    weights : (n, n) float ndarray
        Symmetric non-negative affinity matrix with n >= 2.

    Returns
    -------
    Trace
        ``output``: ``in_a`` (n,) bool, the smaller side of the min cut, and
        ``measures`` from :func:`partition_measures`. One step holding
        ``in_a``.

    Raises
    ------
    ValueError
        If W is malformed or has fewer than two nodes.

    Notes
    -----
    The min cut minimises :math:`cut(A, B)` alone. On an image graph the
    cheapest cut usually isolates one weakly linked pixel or a tiny blob
    (the lecture's small-component bias): a single node A has
    :math:`cut(A, B) = assoc(A, V)`, hence :math:`Ncut \\ge 1`.

    References
    ----------
    .. [1] M. Stoer and F. Wagner, "A simple min-cut algorithm", JACM 44(4), 1997.

    Examples
    --------
    >>> w = np.array([[0, 5, 5, 0], [5, 0, 5, 1], [5, 5, 0, 0], [0, 1, 0, 0]], float)
    >>> t = minimum_cut(w)
    >>> t.in_a.tolist(), t.measures["cut"]
    ([False, False, False, True], 1.0)
    """
    weights, _ = _validate_partition(weights, None)
    n = weights.shape[0]
    if n < 2:
        raise ValueError(f"weights must describe at least 2 nodes to cut, got {n}")
    value, in_a = stoer_wagner(weights)
    if in_a.sum() > n - in_a.sum():
        in_a = ~in_a
    measures = partition_measures(weights, in_a)
    rec = TraceRecorder()
    rec.add("min cut", in_a, f"Stoer-Wagner cuts weight {value:.4g}, separating "
            f"{measures['size_a']} of {n} nodes.", cut=value, ncut=measures["ncut"])
    return rec.finish({"in_a": in_a, "measures": measures}, {"n": n})
