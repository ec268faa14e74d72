"""Clustering exercises: seeded, truths checked against numpy and scikit-learn, the page panel."""

import re

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans

from segcore.classical import clustering as clu
from segcore.classical.features import pixel_features
from segcore.exercises import clustering as ex_clu
from tests import exercise_checks as checks
from tests.challenge_helpers import exercise

PAGE = "clustering"
SEEDS = (1, 7, 42, 1234, 9999)


def _miou_by_hand(gt, labels, n_classes):
    """Hungarian matching (extra clusters to the class they overlap most), then mean IoU."""
    gt, labels = np.ravel(gt), np.ravel(labels)
    clusters = np.unique(labels)
    overlap = np.array([[np.sum((labels == c) & (gt == k)) for k in range(n_classes)]
                        for c in clusters])
    mapping = overlap.argmax(axis=1)
    rows, cols = linear_sum_assignment(-overlap)
    mapping[rows] = cols
    pred = mapping[np.searchsorted(clusters, labels)]
    ious = [np.sum((pred == k) & (gt == k)) / np.sum((pred == k) | (gt == k))
            for k in range(n_classes)]
    return float(np.mean(ious))


def _step_by_hand(ex):
    """The new centroid of the k-means exercise, from the shown grid and the prompt only."""
    values = np.asarray(ex.shows[0].value, float).ravel()
    seeds = np.array([float(v) for v in re.findall(r"\$m_\d = (\d+)\$", ex.prompt)])
    j = int(re.search(r"new \*\*\$m_(\d)\$", ex.prompt).group(1)) - 1
    nearest = np.argmin(np.abs(values[:, None] - seeds[None, :]), axis=1)
    return float(values[nearest == j].mean())


# ----------------------------------------------------------------- seeding


def test_same_seed_same_exercises_and_other_seeds_differ():
    checks.check_seeding(PAGE, ["kmeans-step", "texture-intensity", "choose-k"])


def test_every_exercise_has_two_hints_a_solution_and_no_html():
    checks.check_complete(PAGE, SEEDS)


# ----------------------------------------------------------------- one k-means iteration


@pytest.mark.parametrize("seed", SEEDS)
def test_kmeans_step_truth_is_the_mean_of_the_nearest_pixels(seed):
    ex = checks.by_id(PAGE, seed)["kmeans-step"]
    truth = _step_by_hand(ex)
    assert ex.check(str(truth)).correct
    assert ex.check(f"{truth + 0.04:.4f}").correct
    wrong = ex.check(f"{truth + 1:.4f}")
    assert not wrong.correct and wrong.truth is None and "too high" in wrong.message


def test_kmeans_step_agrees_with_sklearn_one_lloyd_iteration():
    ex = checks.by_id(PAGE, 42)["kmeans-step"]
    values = np.asarray(ex.shows[0].value, float).reshape(-1, 1)
    seeds = np.array([float(v) for v in re.findall(r"\$m_\d = (\d+)\$", ex.prompt)])
    model = KMeans(len(seeds), init=seeds[:, None], n_init=1, max_iter=1).fit(values)
    _, updated = ex_clu.one_iteration(values, seeds)
    assert np.allclose(np.sort(model.cluster_centers_[:, 0]), np.sort(updated))


def test_kmeans_step_seeds_are_pixels_and_no_pixel_is_equally_near_two():
    for seed in range(1, 60):
        ex = ex_clu.kmeans_step(seed)
        values = np.asarray(ex.shows[0].value).ravel()
        seeds = np.array([int(v) for v in re.findall(r"\$m_\d = (\d+)\$", ex.prompt)])
        assert len(set(seeds)) == 3 and set(seeds) <= set(values)
        dist = np.sort(np.abs(values[:, None] - seeds[None, :]), axis=1)
        assert np.all(dist[:, 1] > dist[:, 0])


def test_kmeans_step_rejects_text_and_out_of_range():
    checks.check_rejects(checks.by_id(PAGE, 7)["kmeans-step"], ("abc", "300", "-1", ""))


# ----------------------------------------------------------------- intensity on textures


@pytest.mark.parametrize("seed", (1, 7, 1234))
def test_texture_intensity_truth_matches_sklearn_kmeans_and_hungarian(seed):
    ex = checks.by_id(PAGE, seed)["texture-intensity"]
    truth = ex.check("0.5").truth
    scene = ex_clu.mosaic_scene(seed)
    gray = scene.image.reshape(-1, 1).astype(float)
    labels = KMeans(3, n_init=10, random_state=0).fit_predict(gray)
    independent = _miou_by_hand(scene.semantic, labels, len(scene.class_names))
    assert abs(truth - independent) < 0.05
    assert 0.15 < truth < 0.45  # near the 0.2 of clusters blind to texture


def test_texture_intensity_reveals_the_truth_whatever_the_answer():
    ex = checks.by_id(PAGE, 7)["texture-intensity"]
    truth = ex.check("0").truth
    near, far = ex.check(f"{truth + 0.05:.3f}"), ex.check(f"{min(truth + 0.5, 1):.3f}")
    assert near.correct and not far.correct
    assert near.truth == far.truth == truth and f"{truth:.2f}" in far.message
    checks.check_rejects(ex, ("1.5",))


# ----------------------------------------------------------------- choose k


@pytest.mark.parametrize("seed", SEEDS)
def test_choose_k_target_is_reachable_and_not_met_by_one_cluster_per_class(seed):
    ex = checks.by_id(PAGE, seed)["choose-k"]
    verdicts = {k: ex.check(str(k)) for k in range(1, ex_clu.MAX_K + 1)}
    assert not verdicts[ex_clu.NAIVE_K].correct and not verdicts[1].correct
    assert any(v.correct for v in verdicts.values())
    assert verdicts[ex_clu.NAIVE_K].achieved < verdicts[ex_clu.NAIVE_K].truth - 0.1


def test_choose_k_score_matches_sklearn_kmeans_from_the_same_seeding():
    seed = 7
    ex = checks.by_id(PAGE, seed)["choose-k"]
    k = next(k for k in range(1, ex_clu.MAX_K + 1) if ex.check(str(k)).correct)
    scene = ex_clu.beat_scene(seed)
    trace = clu.cluster_image(scene.image, space="intensity", n_clusters=k,
                              random_state=ex_clu.RANDOM_STATE)
    x = pixel_features(scene.image, "intensity").values
    model = KMeans(k, init=trace.init_centroids, n_init=1, algorithm="lloyd").fit(x)
    independent = _miou_by_hand(scene.semantic, model.labels_, scene.num_classes)
    assert abs(independent - ex.check(str(k)).achieved) < 0.01


def test_choose_k_rejects_fractions_of_clusters_and_out_of_range():
    checks.check_rejects(checks.by_id(PAGE, 7)["choose-k"], ("2.5", "0", "13", "many"))


# ----------------------------------------------------------------- timing


def test_generation_is_quick():
    # ~0.2 s on an idle core (the mosaic's texture photographs load once); the machine is shared
    assert checks.generation_seconds(PAGE) < 1.0


# ----------------------------------------------------------------- the page's panel


def test_panel_right_wrong_and_bad_answers():
    step = exercise(PAGE, "kmeans-step")
    checks.check_panel("pages/clustering.py", PAGE,
                right=("kmeans-step", f"{_step_by_hand(step):.4f}"),
                wrong=("choose-k", str(ex_clu.NAIVE_K)),
                bad=("texture-intensity", "about a third"))
