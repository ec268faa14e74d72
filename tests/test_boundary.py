"""Boundary F-score (segcore.evaluation.boundary) against brute force and hand-made cases."""

import numpy as np
import pytest

from segcore.evaluation.boundary import boundary_f_score, boundary_map


def _brute_border(labels, ignore):
    h, w = labels.shape
    out = np.zeros((h, w), bool)
    for r in range(h):
        for c in range(w):
            for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0)):
                rr, cc = r + dr, c + dc
                if (0 <= rr < h and 0 <= cc < w and not ignore[r, c] and not ignore[rr, cc]
                        and labels[rr, cc] != labels[r, c]):
                    out[r, c] = True
    return out


def _brute_f(gt, pred, tolerance, ignore):
    """Pixel loops: every border pixel against every border pixel of the other map."""
    gb, pb = _brute_border(gt, ignore), _brute_border(pred, ignore)
    g_pts, p_pts = np.argwhere(gb), np.argwhere(pb)

    def hits(points, others):
        return sum(any(np.hypot(*(p - o)) <= tolerance for o in others) for p in points)

    if len(g_pts) == 0 or len(p_pts) == 0:
        precision = 1.0 if len(p_pts) == 0 else 0.0
        recall = 1.0 if len(g_pts) == 0 else 0.0
    else:
        precision, recall = hits(p_pts, g_pts) / len(p_pts), hits(g_pts, p_pts) / len(g_pts)
    f = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f, precision, recall


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("tolerance", [0, 1, 1.5, 2, 3])
def test_equals_brute_force(seed, tolerance):
    rng = np.random.default_rng(seed)
    shape = (14, 17)
    gt = np.kron(rng.integers(0, 3, (4, 5)), np.ones((4, 4), int))[: shape[0], : shape[1]]
    pred = gt.copy()
    flip = rng.random(shape) < 0.08
    pred[flip] = rng.integers(0, 3, int(flip.sum()))
    ignore = rng.random(shape) < 0.1 if seed % 2 else np.zeros(shape, bool)
    got = boundary_f_score(gt, pred, tolerance=tolerance, ignore=ignore)
    f, precision, recall = _brute_f(gt, pred, tolerance, ignore)
    assert np.array_equal(boundary_map(gt, ignore), _brute_border(gt, ignore))
    assert got["f_score"] == pytest.approx(f)
    assert got["precision"] == pytest.approx(precision)
    assert got["recall"] == pytest.approx(recall)


def test_perfect_and_relabelled_prediction_scores_one():
    gt = np.zeros((10, 10), int)
    gt[2:7, 3:8] = 4
    assert boundary_f_score(gt, gt)["f_score"] == 1.0
    # cluster ids need no matching: only where the labels change counts
    assert boundary_f_score(gt, np.where(gt == 4, 0, 9))["f_score"] == 1.0


def test_shift_within_and_beyond_tolerance():
    gt = np.zeros((10, 20), int)
    gt[:, 10:] = 1
    shifted = np.zeros_like(gt)
    shifted[:, 12:] = 1  # borders at columns 9/10 and 11/12
    assert boundary_f_score(gt, shifted, tolerance=2)["f_score"] == 1.0
    # tolerance 1: column 11 matches 10, column 12 does not; 9 matches nothing
    got = boundary_f_score(gt, shifted, tolerance=1)
    assert got["precision"] == 0.5 and got["recall"] == 0.5 and got["f_score"] == 0.5
    assert boundary_f_score(gt, shifted, tolerance=0)["f_score"] == 0.0


def test_extra_border_lowers_precision_only():
    gt = np.zeros((10, 10), int)
    gt[:, 5:] = 1
    pred = gt.copy()
    pred[:, 8:] = 2  # an extra cut far from the true border
    got = boundary_f_score(gt, pred, tolerance=1)
    assert got["recall"] == 1.0
    assert got["precision"] == pytest.approx(20 / 40)  # 2 x 10 true + 2 x 10 extra border px


def test_empty_borders_follow_the_davis_conventions():
    flat = np.zeros((6, 6), int)
    edge = flat.copy()
    edge[:, 3:] = 1
    assert boundary_f_score(flat, flat)["f_score"] == 1.0
    got = boundary_f_score(edge, flat)
    assert (got["precision"], got["recall"], got["f_score"]) == (1.0, 0.0, 0.0)
    got = boundary_f_score(flat, edge)
    assert (got["precision"], got["recall"], got["f_score"]) == (0.0, 1.0, 0.0)


def test_ignored_pixels_make_no_border():
    gt = np.zeros((6, 8), int)
    gt[:, 4:] = 1
    ignore = np.zeros_like(gt, bool)
    ignore[:, 3:5] = True  # the whole border strip is VOID
    assert boundary_map(gt, ignore).sum() == 0
    assert boundary_f_score(gt, np.zeros_like(gt), ignore=ignore)["f_score"] == 1.0


@pytest.mark.parametrize("kwargs", [{"tolerance": -1}, {"tolerance": float("nan")},
                                    {"ignore": np.zeros((3, 3), bool)}])
def test_bad_input_raises_value_error(kwargs):
    with pytest.raises(ValueError):
        boundary_f_score(np.zeros((4, 4)), np.zeros((4, 4)), **kwargs)
    with pytest.raises(ValueError):
        boundary_f_score(np.zeros((4, 4)), np.zeros((4, 5)))
