"""Graph-cut exercises: seeded, truths checked against numpy and networkx, the page panel."""

import re

import networkx as nx
import numpy as np
import pytest

from segcore.classical import graph_cuts as G
from segcore.exercises import graph_cuts as ex_gc
from tests import exercise_checks as checks
from tests.challenge_helpers import answer, exercise, feedback

PAGE = "graph-cuts"
SEEDS = (1, 7, 42, 1234, 9999)


# ----------------------------------------------------------------- seeding


def test_same_seed_same_exercises_and_other_seeds_differ():
    checks.check_seeding(PAGE, ["ncut-4", "min-cut", "hcs", "beat-lambda"])
    assert {e.kind for e in checks.by_id(PAGE, 7).values()} == {"compute", "predict", "beat"}


def test_every_exercise_has_two_hints_a_solution_and_no_html():
    checks.check_complete(PAGE, SEEDS)


# ----------------------------------------------------------------- Ncut by hand


def _ncut_by_hand(ex) -> float:
    """Ncut from the shown weight table and the prompt's A, with numpy only."""
    w = np.asarray(ex.shows[0].value, float)
    a = [int(v) for v in re.search(r"A = \{([0-9, ]+)\} and B", ex.prompt).group(1).split(",")]
    in_a = np.isin(np.arange(len(w)), a)
    cut = w[np.ix_(in_a, ~in_a)].sum()
    return cut / w[in_a].sum() + cut / w[~in_a].sum()


@pytest.mark.parametrize("seed", SEEDS)
def test_ncut_truth_is_cut_over_each_sides_assoc(seed):
    ex = checks.by_id(PAGE, seed)["ncut-4"]
    w = np.asarray(ex.shows[0].value)
    assert w.shape == (4, 4) and np.array_equal(w, w.T) and np.all(np.diag(w) == 0)
    truth = _ncut_by_hand(ex)
    assert 0 < truth <= 2
    assert ex.check(f"{truth:.4f}").correct
    wrong = ex.check(f"{truth * 0.9 - 0.01:.4f}")
    assert not wrong.correct and wrong.truth is None and "too low" in wrong.message


def test_ncut_accepts_a_fraction_and_rejects_bad_input():
    ex = checks.by_id(PAGE, 7)["ncut-4"]
    w = np.asarray(ex.shows[0].value, int)
    a = [int(v) for v in re.search(r"A = \{([0-9, ]+)\} and B", ex.prompt).group(1).split(",")]
    in_a = np.isin(np.arange(4), a)
    cut, sa, sb = w[np.ix_(in_a, ~in_a)].sum(), w[in_a].sum(), w[~in_a].sum()
    assert ex.check(f"{cut * (sa + sb)}/{sa * sb}").correct
    checks.check_rejects(ex, ("x", "3", "-0.5", "1/0"))


# ----------------------------------------------------------------- what the min cut cuts off


def _min_cut_by_hand(image: np.ndarray) -> str:
    """Page-default 8-neighbour affinities by numpy, the min cut by networkx's Stoer-Wagner."""
    h, w = image.shape
    graph = nx.Graph()
    for r in range(h):
        for c in range(w):
            for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
                rr, cc = r + dr, c + dc
                if 0 <= rr < h and 0 <= cc < w:
                    diff = float(image[r, c]) - float(image[rr, cc])
                    weight = (np.exp(-(dr * dr + dc * dc) / (2 * ex_gc.CUT_SIGMA_D ** 2))
                              * np.exp(-diff * diff / (2 * ex_gc.CUT_SIGMA_I ** 2)))
                    graph.add_edge(r * w + c, rr * w + cc, weight=weight)
    _, (one, two) = nx.stoer_wagner(graph)
    side = np.zeros(h * w, bool)
    side[min(one, two, key=len)] = True
    if side.sum() == 1:
        return ex_gc.MIN_CUT_CHOICES[0]
    values = image.ravel().astype(float)
    if values[side].min() > values[~side].max():  # exactly the bright pixels: the block
        return ex_gc.MIN_CUT_CHOICES[1]
    return ex_gc.MIN_CUT_CHOICES[2]


def test_min_cut_truth_matches_networkx_stoer_wagner_and_both_outcomes_occur():
    outcomes = set()
    for seed in range(1, 25):
        ex = ex_gc.predict_min_cut(seed)
        image = np.asarray(ex.shows[1].value)
        truth = ex.check(ex_gc.MIN_CUT_CHOICES[2]).truth
        assert truth == _min_cut_by_hand(image)
        outcomes.add(truth)
    assert outcomes == set(ex_gc.MIN_CUT_CHOICES[:2])


def test_min_cut_reveals_the_truth_for_any_choice():
    ex = checks.by_id(PAGE, 7)["min-cut"]
    truth = ex.check(ex_gc.MIN_CUT_CHOICES[0]).truth
    for choice in ex_gc.MIN_CUT_CHOICES:
        verdict = ex.check(choice)
        assert verdict.correct == (choice == truth) and verdict.truth == truth
        assert "Ncut" in verdict.message
    checks.check_rejects(ex, ("the sky",))


# ----------------------------------------------------------------- HCS


def _graph_of(ex) -> nx.Graph:
    graph = nx.Graph()
    for row in ex.shows[0].value:
        graph.add_node(row["vertex"])
        graph.add_edges_from((row["vertex"], int(u)) for u in row["linked to"].split(", ") if u)
    return graph


def _hcs_by_hand(graph: nx.Graph) -> int:
    """Hartuv and Shamir's HCS with networkx's edge connectivity and Stoer-Wagner min cut."""
    n = graph.number_of_nodes()
    if n == 1:
        return 0
    if not nx.is_connected(graph):
        return sum(_hcs_by_hand(graph.subgraph(c).copy()) for c in nx.connected_components(graph))
    if nx.edge_connectivity(graph) > n / 2:
        return 1
    _, (h1, h2) = nx.stoer_wagner(graph)
    return _hcs_by_hand(graph.subgraph(h1).copy()) + _hcs_by_hand(graph.subgraph(h2).copy())


def test_hcs_truth_matches_an_independent_hcs_and_varies():
    counts = set()
    for seed in range(1, 41):
        ex = ex_gc.predict_hcs(seed)
        graph = _graph_of(ex)
        assert graph.number_of_nodes() == int(re.search(r"this (\d+)-vertex", ex.prompt).group(1))
        truth = ex.check("0").truth
        assert truth == _hcs_by_hand(graph)
        counts.add(truth)
    assert len(counts) >= 2


def test_hcs_predict_reveals_and_rejects_bad_input():
    ex = checks.by_id(PAGE, 7)["hcs"]
    truth = int(ex.check("0").truth)
    right, wrong = ex.check(str(truth)), ex.check(str(truth + 1))
    assert right.correct and not wrong.correct and wrong.truth == truth
    checks.check_rejects(ex, ("1.5", "-1", "100", "two"))


# ----------------------------------------------------------------- max-flow lambda


def _cut(scene, lam: float, solver: str = "pymaxflow"):
    fg, bg = G.ground_truth_seeds(scene.foreground, margin=ex_gc.BEAT_SEED_MARGIN)
    return G.seeded_graph_cut(scene.image, fg, bg, lam=lam, sigma=ex_gc.BEAT_SIGMA, solver=solver)


def _iou_by_hand(mask, scene) -> float:
    truth = scene.foreground
    return float((mask & truth).sum() / (mask | truth).sum())


@pytest.mark.parametrize("seed", SEEDS)
def test_beat_lambda_target_is_reachable_and_not_met_by_the_colour_model_alone(seed):
    ex = checks.by_id(PAGE, seed)["beat-lambda"]
    alone = ex.check("0")
    assert not alone.correct and alone.achieved < alone.truth - 0.02
    scene = ex_gc.beat_scene(seed)
    assert abs(alone.achieved - _iou_by_hand(_cut(scene, 0.0).mask, scene)) < 1e-9
    reached = [lam for lam in (1, 2, 3, 5, 8, 12, 20, 30, 50) if ex.check(str(lam)).correct]
    assert reached
    assert not ex.check("500").correct  # far too smooth: the boundary term wins


def test_beat_lambda_cut_agrees_with_networkx_max_flow():
    seed = 7
    ex = checks.by_id(PAGE, seed)["beat-lambda"]
    lam = next(lam for lam in (5, 8, 12, 20, 3) if ex.check(str(lam)).correct)
    scene = ex_gc.beat_scene(seed)
    ours, reference = _cut(scene, lam), _cut(scene, lam, "networkx")
    assert reference.flow == pytest.approx(ours.flow, rel=1e-6)  # the max-flow value is unique
    assert abs(_iou_by_hand(ours.mask, scene) - ex.check(str(lam)).achieved) < 1e-9
    # a cut of equal cost may label a few tied pixels the other way
    assert abs(_iou_by_hand(reference.mask, scene) - ex.check(str(lam)).achieved) < 0.01


def test_beat_lambda_rejects_out_of_range():
    checks.check_rejects(checks.by_id(PAGE, 7)["beat-lambda"], ("-1", "501", "lots"))


# ----------------------------------------------------------------- timing


def test_generation_is_quick():
    assert checks.generation_seconds(PAGE) < 0.5  # ~0.05 s on an idle core


# ----------------------------------------------------------------- the page's panel


def test_panel_right_wrong_and_bad_answers_and_a_revealed_prediction():
    ncut = exercise(PAGE, "ncut-4")
    at = checks.check_panel("pages/graph-cuts.py", PAGE,
                     right=("ncut-4", f"{_ncut_by_hand(ncut):.4f}"),
                     wrong=("beat-lambda", "0"),
                     bad=("hcs", "999"))
    cut = exercise(PAGE, "min-cut")
    truth = _min_cut_by_hand(np.asarray(cut.shows[1].value))
    at = answer(at, cut, truth)
    successes, errors, _ = feedback(at, cut)
    assert successes and not errors and truth in successes[0]
