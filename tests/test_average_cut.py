"""The lecture's average cut, Acut = cut/|A| + cut/|B|, against a brute-force count."""

import numpy as np
import pytest

from segcore.classical.cut_measures import average_cut, minimum_cut, partition_measures
from tests.test_graph_cuts import _all_partitions as _partitions
from tests.test_graph_cuts import _symmetric as _random_graph


def _brute_acut(w, in_a):
    """Acut by walking over every node pair: no matrix slicing, no shared code."""
    a = [i for i in range(len(w)) if in_a[i]]
    b = [j for j in range(len(w)) if not in_a[j]]
    cut = 0.0
    for i in a:
        for j in b:
            cut += w[i][j]
    return cut / len(a) + cut / len(b)


@pytest.mark.parametrize("n, seed, density", [(4, 0, 1.0), (6, 1, 0.6), (7, 2, 0.4)])
def test_average_cut_equals_brute_force_on_every_partition(n, seed, density):
    w = _random_graph(n, seed, density)
    for in_a in _partitions(n):
        expected = _brute_acut(w.tolist(), in_a.tolist())
        assert average_cut(w, in_a) == pytest.approx(expected, rel=1e-12, abs=1e-15)
        assert partition_measures(w, in_a)["acut"] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_average_cut_is_symmetric_in_a_and_b():
    w = _random_graph(6, 5)
    for in_a in _partitions(6):
        assert average_cut(w, in_a) == pytest.approx(average_cut(w, ~in_a))


def test_lone_node_pays_its_whole_cut():
    """A single node A gives Acut = cut (1 + 1/(n-1)) >= cut: the size term punishes it."""
    w = _random_graph(5, 3)
    for node in range(5):
        in_a = np.zeros(5, bool)
        in_a[node] = True
        cut = w[node].sum()
        assert average_cut(w, in_a) == pytest.approx(cut * (1 + 1 / 4))


def _cliques_with_straggler(tie):
    """Two triangles joined by a bridge of weight 1, and node 6 hanging on by ``tie``."""
    w = np.zeros((7, 7))
    for i, j, v in [(0, 1, 2), (1, 2, 2), (0, 2, 2), (3, 4, 2), (4, 5, 2), (3, 5, 2),
                    (2, 3, .5), (1, 4, .5), (0, 6, tie)]:
        w[i, j] = w[j, i] = v
    return w


def _best(w, key):
    best = min(_partitions(len(w)), key=lambda in_a: partition_measures(w, in_a)[key])
    side = set(np.flatnonzero(best).tolist())
    return min(side, set(range(len(w))) - side, key=len)


def test_acut_sits_between_the_min_cut_and_ncut():
    """Brute force over all 63 partitions. With a tie of 0.6 the min cut still chops off the
    straggler (0.6 < 1) while Acut pays 0.6 (1 + 1/6) = 0.7 for it and splits the triangles
    (1 (1/4 + 1/3) = 0.58). With a tie of 0.3 Acut isolates it too (0.35), but Ncut, which
    divides by assoc rather than by node counts, still does not (a lone node has Ncut >= 1)."""
    w = _cliques_with_straggler(0.6)
    assert np.flatnonzero(minimum_cut(w).in_a).tolist() == [6]
    assert _best(w, "acut") == {3, 4, 5}
    w = _cliques_with_straggler(0.3)
    assert _best(w, "acut") == {6}
    assert _best(w, "acut") == _best(w, "cut")
    assert _best(w, "ncut") == {3, 4, 5}


@pytest.mark.parametrize("in_a, word", [(np.ones(4, bool), "in_a"), (np.ones(3, bool), "in_a")])
def test_average_cut_validation(in_a, word):
    with pytest.raises(ValueError, match=word):
        average_cut(_random_graph(4, 0), in_a)
    with pytest.raises(ValueError, match="symmetric"):
        average_cut(np.triu(_random_graph(4, 0)), [True, False, False, False])
