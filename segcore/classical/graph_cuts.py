"""Segmentation as graph partitioning: the lecture's graph-cut toolbox in one import.

Pixels are nodes, affinities are edge weights, and a cut is a segmentation.
The pieces live in modules named after what they teach:

- :mod:`segcore.classical.affinity` - the pixel graph and its Gaussian affinities;
- :mod:`segcore.classical.cut_measures` - cut, assoc, Ncut, Nassoc, Stoer-Wagner min cut;
- :mod:`segcore.classical.hcs` - Highly Connected Subgraphs by repeated min cuts;
- :mod:`segcore.classical.ncut` - normalized cut by the generalized eigenproblem;
- :mod:`segcore.classical.rag_ncut` - recursive Ncut on a superpixel RAG;
- :mod:`segcore.classical.maxflow_seg` - seeded s-t cut by max-flow (Boykov-Kolmogorov).

:func:`compare_cuts` puts the minimum cut and the normalized cut of one graph
side by side, which is where the min cut's small-component bias shows.
"""

from __future__ import annotations

import numpy as np

from segcore.classical.affinity import (
    DEFAULT_MAX_NODES,
    FULL_MAX_NODES,
    MAX_NODES,
    NEIGHBOURHOODS,
    affinity_graph,
    downsample_labels,
    grid_edges,
)
from segcore.classical.cut_measures import minimum_cut, partition_measures, stoer_wagner
from segcore.classical.hcs import SINGLETON, hcs, hcs_pixels, lecture_example_graph
from segcore.classical.maxflow_seg import (
    GT_SEED_MARGIN,
    NX_MAX_PIXELS,
    SOLVERS,
    default_seeds,
    ground_truth_seeds,
    seed_mask,
    seeded_graph_cut,
    segmentation_energy,
)
from segcore.classical.ncut import spectral_ncut
from segcore.classical.rag_ncut import recursive_ncut
from segcore.trace import Step, Trace

__all__ = [
    "DEFAULT_MAX_NODES", "FULL_MAX_NODES", "GT_SEED_MARGIN", "MAX_NODES", "NEIGHBOURHOODS",
    "NX_MAX_PIXELS",
    "SINGLETON", "SOLVERS", "affinity_graph", "compare_cuts", "default_seeds",
    "downsample_labels", "grid_edges", "ground_truth_seeds",
    "hcs", "hcs_pixels", "lecture_example_graph", "minimum_cut", "partition_measures",
    "recursive_ncut", "seed_mask", "seeded_graph_cut", "segmentation_energy", "spectral_ncut",
    "stoer_wagner",
]


def compare_cuts(weights: np.ndarray, shape: tuple[int, int] | None = None) -> Trace:
    """Minimum cut and normalized cut of the same graph, with both scored.

    Parameters
    ----------
    weights : (n, n) float ndarray
        Symmetric non-negative affinity matrix, n >= 2.
    shape : tuple of int, optional
        Grid ``(h, w)`` to reshape the partitions to.

    Returns
    -------
    Trace
        ``output``: ``min_cut`` and ``ncut`` partitions (bool, A side),
        ``measures`` = ``{"min cut": {...}, "normalized cut": {...}}`` from
        :func:`partition_measures` (``None`` for a cut that does not exist),
        ``y2`` the eigenvector. Steps: the min cut, then the Ncut stages.

    Raises
    ------
    ValueError
        If W is malformed or does not match ``shape``.

    Notes
    -----
    The min cut minimises :math:`cut(A,B)`; Ncut minimises
    :math:`cut/assoc(A,V) + cut/assoc(B,V)`. A lone node has
    :math:`Ncut \\ge 1`, so Ncut no longer prefers it.

    Examples
    --------
    Two triangles (weight 2) joined by two weak edges, and node 6 hanging on node 0:

    >>> w = np.zeros((7, 7))
    >>> for i, j, v in [(0, 1, 2), (1, 2, 2), (0, 2, 2), (3, 4, 2), (4, 5, 2), (3, 5, 2),
    ...                 (2, 3, .5), (1, 4, .5), (0, 6, .3)]:
    ...     w[i, j] = w[j, i] = v
    >>> t = compare_cuts(w)
    >>> np.flatnonzero(t.min_cut).tolist(), round(t.measures["min cut"]["ncut"], 2)
    ([6], 1.01)
    >>> sorted(np.flatnonzero(t.ncut).tolist()) in ([0, 1, 2, 6], [3, 4, 5])
    True
    >>> round(t.measures["normalized cut"]["ncut"], 2)
    0.15
    """
    min_trace = minimum_cut(weights)
    ncut_trace = spectral_ncut(weights, shape)
    grid = (lambda a: a.reshape(shape)) if shape is not None else (lambda a: a)
    output = {
        "min_cut": grid(min_trace.in_a), "ncut": ncut_trace.in_a, "y2": ncut_trace.y2,
        "measures": {"min cut": min_trace.measures, "normalized cut": ncut_trace.measures},
    }
    min_steps = tuple(Step(s.name, grid(s.data), s.caption, s.metrics, s.index) for s in min_trace.steps)
    steps = min_steps + ncut_trace.steps
    return Trace(output, steps, {"n": int(np.asarray(weights).shape[0])},
                 min_trace.warnings + ncut_trace.warnings)
