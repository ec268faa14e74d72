"""Perturbations that turn panoptic ground truth into a prediction with known errors."""

import numpy as np
import pytest

from segcore.evaluation.panoptic import VOID, panoptic_quality
from segcore.evaluation.perturb import perturb_panoptic
from segcore.scenes import make_scene

CATS = [{"id": 1, "name": "road", "isthing": 0}, {"id": 2, "name": "car", "isthing": 1},
        {"id": 3, "name": "person", "isthing": 1}]


@pytest.fixture(scope="module")
def toy():
    """Road with two cars side by side and one person, 40 x 60."""
    ids = np.ones((40, 60), np.int32)
    ids[10:30, 5:25] = 2
    ids[10:30, 27:45] = 3
    ids[5:15, 50:56] = 4
    segs = [{"id": 1, "category_id": 1, "iscrowd": 0}, {"id": 2, "category_id": 2, "iscrowd": 0},
            {"id": 3, "category_id": 2, "iscrowd": 0}, {"id": 4, "category_id": 3, "iscrowd": 0}]
    return ids, segs


def _pq(toy, trace):
    return panoptic_quality(toy[0], toy[1], trace.ids, trace.segments, CATS)


def test_no_perturbation_is_a_perfect_copy(toy):
    t = perturb_panoptic(*toy, CATS)
    assert np.array_equal(t.ids, toy[0]) and len(t.steps) == 1
    assert _pq(toy, t).summary["all"]["pq"] == 1.0
    assert all(0.0 < s["score"] < 1.0 for s in t.segments)


def test_split_gives_one_false_negative_and_two_false_positives(toy):
    r = _pq(toy, perturb_panoptic(*toy, CATS, split=1))
    assert r.false_negatives == (2,) and len(r.false_positives) == 2  # largest instance: car 2


def test_merge_joins_the_closest_same_class_pair(toy):
    t = perturb_panoptic(*toy, CATS, merge=1)
    assert set(np.unique(t.ids).tolist()) == {1, 2, 4}
    assert _pq(toy, t).false_negatives == (3,)  # car 3 is smaller: car 2 keeps IoU > 0.5


def test_grow_dilates_things_over_stuff_and_erodes_to_void(toy):
    grown = perturb_panoptic(*toy, CATS, grow=2).ids
    eroded = perturb_panoptic(*toy, CATS, grow=-2).ids
    assert (grown == 2).sum() > (toy[0] == 2).sum() > (eroded == 2).sum()
    assert (grown == 1).sum() < (toy[0] == 1).sum() == (eroded == 1).sum()
    assert (eroded == VOID).sum() > 0 and (grown == VOID).sum() == 0


def test_shift_leaves_a_void_border(toy):
    ids = perturb_panoptic(*toy, CATS, shift=(3, -2)).ids
    assert (ids[:3] == VOID).all() and (ids[:, -2:] == VOID).all()
    assert np.array_equal(ids[3:, :-2], toy[0][:-3, 2:])


def test_drop_false_positives_and_void_are_deterministic_by_seed(toy):
    kwargs = dict(drop=1, false_positives=2, void_fraction=0.1)
    a = perturb_panoptic(*toy, CATS, random_state=4, **kwargs)
    b = perturb_panoptic(*toy, CATS, random_state=4, **kwargs)
    c = perturb_panoptic(*toy, CATS, random_state=5, **kwargs)
    assert np.array_equal(a.ids, b.ids) and a.segments == b.segments
    assert not np.array_equal(a.ids, c.ids)
    assert [s.name for s in a.steps] == ["ground truth", "drop", "false positives", "paint VOID"]
    void_only = perturb_panoptic(*toy, CATS, void_fraction=0.1).ids
    assert (void_only == VOID).mean() == pytest.approx(0.1, abs=0.01)
    assert len([s for s in a.segments if s["id"] > 4]) == 2


def test_relabel_turns_matches_into_fn_and_fp(toy):
    r = _pq(toy, perturb_panoptic(*toy, CATS, relabel={2: 3}))
    assert sorted(r.false_negatives) == [2, 3] and sorted(r.false_positives) == [2, 3]
    assert r.per_class[1]["pq"] == 1.0


def test_street_scene_predictions_are_valid_panoptic_input():
    p = make_scene("street", seed=3).panoptic
    t = perturb_panoptic(p.ids, p.segments, p.categories, grow=2, shift=(1, 2), split=1, merge=1,
                         drop=1, false_positives=1, void_fraction=0.05, random_state=0)
    r = panoptic_quality(p.ids, p.segments, t.ids, t.segments, p.categories)
    assert 0.0 < r.summary["all"]["pq"] < 1.0
    assert len(t.steps) == 8


@pytest.mark.parametrize("kwargs, match", [
    (dict(grow=99), "grow"), (dict(split=-1), "split"), (dict(void_fraction=2.0), "void_fraction"),
    (dict(relabel={2: 9}), "relabel"), (dict(shift=(1,)), "shift"),
])
def test_bad_parameters_raise(toy, kwargs, match):
    with pytest.raises(ValueError, match=match):
        perturb_panoptic(*toy, CATS, **kwargs)


def test_ids_without_segments_raise(toy):
    with pytest.raises(ValueError, match="without an entry"):
        perturb_panoptic(toy[0], toy[1][:2], CATS)
