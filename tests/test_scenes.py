"""Tests for segcore.scenes: determinism, exact ground truth, scene properties."""

import pickle

import numpy as np
import pytest
from scipy import ndimage
from skimage.filters import threshold_local, threshold_otsu, threshold_sauvola

from segcore import scenes
from segcore.scenes import SCENES, VOID, PanopticGT, Scene, make_scene

NAMES = sorted(SCENES)


def _iou(a, b):
    return (a & b).sum() / (a | b).sum()


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_gives_identical_arrays(name):
    a, b = make_scene(name, seed=3), make_scene(name, seed=3)
    for key in ("image", "semantic", "instances"):
        x, y = getattr(a, key), getattr(b, key)
        assert (x is None and y is None) or np.array_equal(x, y)
    if a.panoptic is not None:
        assert np.array_equal(a.panoptic.ids, b.panoptic.ids)
        assert a.panoptic.segments == b.panoptic.segments


@pytest.mark.parametrize("name", NAMES)
def test_different_seed_gives_different_scene(name):
    a, b = make_scene(name, seed=0), make_scene(name, seed=1)
    assert not np.array_equal(a.semantic, b.semantic)
    assert not np.array_equal(a.image, b.image)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("size", [64, 256, 512])
def test_dtypes_shapes_and_classes(name, size):
    scene = make_scene(name, size=size)
    assert isinstance(scene, Scene) and scene.name == name and scene.title == SCENES[name].title
    assert scene.image.dtype == np.uint8 and scene.image.shape[:2] == (size, size)
    assert scene.image.ndim == (3 if name == "street" else 2)
    assert scene.semantic.dtype == np.int32 and scene.semantic.shape == (size, size)
    assert scene.num_classes == len(scene.class_names)
    present = np.unique(scene.semantic)
    assert present.min() >= 0 and present.max() < scene.num_classes
    assert set(range(1, scene.num_classes)) <= set(present.tolist()), "every class appears"
    assert scene.foreground.dtype == bool and np.array_equal(scene.foreground, scene.semantic > 0)
    if scene.instances is not None:
        assert scene.instances.dtype == np.int32 and scene.instances.shape == (size, size)
    with pytest.raises(ValueError):
        scene.image[0, 0] = 1  # arrays are read-only


@pytest.mark.parametrize("size", [64, 256, 512])
def test_shapes_ground_truth_is_the_drawn_geometry(size):
    scene = make_scene("shapes", seed=5, size=size, noise=0.0)
    layout = scenes._shapes_layout(5, SCENES["shapes"].params["n_per_class"][0])
    yy, xx = np.mgrid[:size, :size]
    for instance_id, shape in enumerate(layout, start=1):
        labelled = scene.instances == instance_id
        if shape.kind == scenes.DISK:
            cy, cx, r = shape.center[0] * size, shape.center[1] * size, shape.radius * size
            expected = (yy - cy) ** 2 + (xx - cx) ** 2 < r ** 2  # the disk's own equation
            assert np.array_equal(labelled, expected)
        elif shape.kind == scenes.SQUARE:
            rows, cols = np.nonzero(labelled)
            side = rows.max() - rows.min() + 1
            assert side == cols.max() - cols.min() + 1 and labelled.sum() == side ** 2
        assert labelled.sum() == len(shape.coords(size)[0])
        assert np.all(scene.semantic[labelled] == shape.kind)
    assert scene.instances.max() == len(layout)
    # noise-free image shows exactly one grey level per class
    for k, level in enumerate(scenes.SHAPE_INTENSITY):
        assert set(np.unique(scene.image[scene.semantic == k]).tolist()) == {int(level)}


@pytest.mark.parametrize("n_per_class", [1, 4, 6])
def test_every_shape_is_placed_without_overlap(n_per_class):
    for seed in range(25):
        layout = scenes._shapes_layout(seed, n_per_class)
        assert len(layout) == 3 * n_per_class
        for size in (64, 200):
            canvas = np.zeros((size, size), int)
            for shape in layout:
                canvas[shape.coords(size)] += 1
            assert canvas.max() == 1


@pytest.mark.parametrize("name", ["shapes", "street"])
def test_instances_consistent_with_semantic(name):
    scene = make_scene(name, seed=2)
    ids = np.unique(scene.instances)
    assert ids[0] == 0 and np.array_equal(ids[1:], np.arange(1, len(ids)))
    for i in ids[1:]:
        classes = np.unique(scene.semantic[scene.instances == i])
        assert len(classes) == 1 and classes[0] > 0
    assert np.all(scene.semantic[scene.instances > 0] > 0)


def test_shapes_gradient_has_the_same_geometry():
    plain = make_scene("shapes", seed=7, size=256)
    lit = make_scene("shapes_gradient", seed=7, size=256)
    assert np.array_equal(plain.semantic, lit.semantic)
    assert np.array_equal(plain.instances, lit.instances)
    assert not np.array_equal(plain.image, lit.image)


def _threshold_ious(image, truth):
    """Foreground IoU of global Otsu, Sauvola and a local mean threshold."""
    window = image.shape[0] // 4 | 1  # local windows must be larger than the shapes
    negative = 255 - image  # Sauvola expects dark objects on a bright page
    sauvola = negative < threshold_sauvola(negative, window_size=window, k=0.1)
    local_mean = image > threshold_local(image, window, offset=-10)
    return (_iou(image > threshold_otsu(image), truth), _iou(sauvola, truth), _iou(local_mean, truth))


@pytest.mark.parametrize("size", [256, 512])
def test_global_otsu_fails_where_local_thresholds_recover(size):
    ious = []
    for seed in range(6):
        scene = make_scene("shapes_gradient", seed=seed, size=size)
        otsu, sauvola, local_mean = _threshold_ious(scene.image, scene.foreground)
        assert sauvola > 0.95 and local_mean > 0.85
        assert sauvola > otsu + 0.2
        ious.append((otsu, sauvola))
        # ... while on the evenly lit scene Otsu is fine
        plain = make_scene("shapes", seed=seed, size=size)
        assert _iou(plain.image > threshold_otsu(plain.image), plain.foreground) > 0.9
    otsu, sauvola = np.mean(ious, axis=0)
    assert otsu < 0.7 and sauvola > otsu + 0.3
    assert ious[0][0] < 0.6, "the default seed shows the failure clearly"


@pytest.mark.parametrize("name", NAMES)
def test_noise_changes_the_image_not_the_ground_truth(name):
    quiet, loud = make_scene(name, seed=4, noise=0.0), make_scene(name, seed=4, noise=0.2)
    assert not np.array_equal(quiet.image, loud.image)
    assert np.array_equal(quiet.semantic, loud.semantic)
    if quiet.instances is not None:
        assert np.array_equal(quiet.instances, loud.instances)
    diff = loud.image.astype(float) - quiet.image
    if name != "crack":  # the crack clips to 254 / forces 255, which bends the statistics
        assert abs(diff[(quiet.image > 60) & (quiet.image < 195)].std() - 0.2 * 255) < 3


@pytest.mark.parametrize("size", [128, 512])
def test_texture_patches_share_mean_and_std(size):
    scene = make_scene("texture_mosaic", seed=1, size=size, noise=0.0)
    cells, cell_class = scenes._mosaic_layout(np.random.default_rng([1, 0]), size, 6)
    assert np.array_equal(cell_class[cells], scene.semantic)
    for cell in np.unique(cells):
        values = scene.image[cells == cell].astype(float)
        assert abs(values.mean() - scenes.TEXTURE_MEAN) < 1.0
        assert abs(values.std() - scenes.TEXTURE_STD) < 1.0
    fractions = np.bincount(scene.semantic.ravel(), minlength=3) / scene.semantic.size
    assert fractions.min() >= scenes.MIN_CLASS_FRACTION
    # intensity alone cannot separate the textures: class means within 2 grey levels
    means = [scene.image[scene.semantic == k].mean() for k in range(3)]
    assert np.ptp(means) < 2.0


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("size", [64, 256])
def test_street_panoptic_ground_truth(seed, size):
    scene = make_scene("street", seed=seed, size=size)
    gt = scene.panoptic
    assert isinstance(gt, PanopticGT) and gt.ids.dtype == np.int32
    categories = {c["id"]: c for c in gt.categories}
    assert {c["name"] for c in gt.categories} == {"sky", "road", "grass", "car", "person"}
    segment_ids = [s["id"] for s in gt.segments]
    assert len(segment_ids) == len(set(segment_ids)) and VOID not in segment_ids
    assert set(np.unique(gt.ids).tolist()) - {VOID} == set(segment_ids), "ids <-> segments"
    assert (gt.ids == VOID).any(), "VOID pixels present"
    assert sum(s["iscrowd"] for s in gt.segments) == 1, "exactly one crowd"
    for s in gt.segments:
        assert s["category_id"] in categories
        mask = gt.ids == s["id"]
        assert np.all(scene.semantic[mask] == s["category_id"])
        if s["iscrowd"]:
            assert categories[s["category_id"]]["isthing"] and not scene.instances[mask].any()
        elif categories[s["category_id"]]["isthing"]:
            assert len(np.unique(scene.instances[mask])) == 1 and scene.instances[mask][0] > 0
        else:
            assert not scene.instances[mask].any()
    assert np.array_equal(gt.ids == VOID, scene.semantic == VOID)
    instance_ids = np.unique(scene.instances)
    assert np.array_equal(instance_ids, np.arange(len(instance_ids))), "instances 0..N, no gaps"
    n_things = sum(1 for s in gt.segments if categories[s["category_id"]]["isthing"] and not s["iscrowd"])
    assert n_things == len(instance_ids) - 1
    assert scene.class_names[scenes.CAR] == "car" and scene.class_names[VOID] == "void"


def test_street_void_band_separates_things_from_stuff():
    gt = make_scene("street", seed=0).panoptic
    things = {s["id"] for s in gt.segments if s["category_id"] in (scenes.CAR, scenes.PERSON)}
    thing_mask = np.isin(gt.ids, list(things))
    stuff_mask = (gt.ids != VOID) & ~thing_mask
    right = thing_mask[:, :-1] & stuff_mask[:, 1:] | stuff_mask[:, :-1] & thing_mask[:, 1:]
    down = thing_mask[:-1] & stuff_mask[1:] | stuff_mask[:-1] & thing_mask[1:]
    assert not right.any() and not down.any()


@pytest.mark.parametrize("size", [64, 256, 512])
def test_crack_core_is_saturated_and_inside_the_crack(size):
    scene = make_scene("crack", seed=6, size=size)
    seeds = scene.image == 255
    assert seeds.any() and np.all(scene.semantic[seeds] == 1)
    crack = scene.semantic == 1
    assert 0.005 < crack.mean() < 0.15, "thin"
    assert scene.image[crack].mean() > scene.image[~crack].mean() + 80


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_growing_from_the_255_seeds_recovers_the_crack(seed):
    """The lecture's recipe: seeds at 255, keep bright pixels connected to them."""
    scene = make_scene("crack", seed=seed)
    candidates = scene.image > 120
    labels, _ = ndimage.label(candidates, np.ones((3, 3)))
    seeded = np.unique(labels[scene.image == 255])
    grown = np.isin(labels, seeded[seeded > 0])
    crack = scene.semantic == 1
    assert _iou(grown, crack) > 0.95
    assert _iou(grown, crack) >= _iou(candidates, crack)


@pytest.mark.parametrize(
    "kwargs, word",
    [
        (dict(name="nope"), "name"),
        (dict(name=["shapes"]), "name"),
        (dict(name="shapes", size=63), "size"),
        (dict(name="shapes", size=1025), "size"),
        (dict(name="shapes", size=256.0), "size"),
        (dict(name="shapes", noise=-0.1), "noise"),
        (dict(name="shapes", noise=1.5), "noise"),
        (dict(name="shapes", noise="loud"), "noise"),
        (dict(name="shapes", seed=-1), "seed"),
        (dict(name="shapes", seed=1.5), "seed"),
        (dict(name="shapes", n_per_class=99), "n_per_class"),
        (dict(name="shapes", n_regions=4), "n_regions"),
        (dict(name="street", n_cars=True), "n_cars"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(kwargs, word):
    name = kwargs.pop("name")
    with pytest.raises(ValueError, match=word):
        make_scene(name, **kwargs)


@pytest.mark.parametrize("name", NAMES)
def test_scenes_pickle_for_streamlit_caches(name):
    scene = make_scene(name, size=64)
    copy = pickle.loads(pickle.dumps(scene))
    assert np.array_equal(copy.image, scene.image) and copy.class_names == scene.class_names
    assert pickle.loads(pickle.dumps(SCENES[name])).params == SCENES[name].params


@pytest.mark.parametrize("n_regions", [3, 6, 16])
def test_every_texture_covers_a_decent_area(n_regions):
    for seed in range(10):
        semantic = make_scene("texture_mosaic", seed=seed, size=64, n_regions=n_regions).semantic
        fractions = np.bincount(semantic.ravel(), minlength=3) / semantic.size
        assert fractions.min() >= scenes.MIN_CLASS_FRACTION, (seed, fractions)


def test_catalog_entries_match_builders():
    for name, info in SCENES.items():
        assert info.name == name and info.title and info.description
        assert 0 <= info.default_noise <= 1
        for key, (default, low, high) in info.params.items():
            assert low <= default <= high
            make_scene(name, size=64, **{key: low})
