"""Region growing and split-and-merge on 512 x 512 synthetic scenes.

Region growing with the fixed-tolerance rule is timed next to
``skimage.segmentation.flood`` on the same seed, tolerance and connectivity
(the two give the same region; flood does not record the growth stages).
Two seeds are timed: one inside a disk (a typical click: a few dozen stages)
and one in the noisy background (the worst case: the region covers most of the
image and takes several hundred stages: about 540 with 8-connectivity, about
1000 with 4-connectivity). The budget holds for every rule (fixed, mean,
adaptive) with one background seed. The position term (lambda > 0, off by
default) and the split-and-merge orders other than the default
split-then-merge are timed without a budget (the budgets are for default
parameters).
"""

import numpy as np
from scipy import ndimage
from skimage.segmentation import flood

from benchmarks.harness import Case
from segcore.classical.region_growing import region_grow, seeds_at_max, seeds_from_threshold
from segcore.classical.split_merge import split_and_merge
from segcore.scenes import make_scene

SIZE = "512 x 512"
GROW_BUDGET_MS = 50
SPLIT_MERGE_BUDGET_MS = 150
PAGE_BUDGET_MS = 100  # DESIGN.md: classical page, default parameters

_shapes = make_scene("shapes", seed=0, size=512)
_crack = make_scene("crack", seed=0, size=512)
_image = _shapes.image
_disks = ndimage.label(_shapes.semantic == 1)[0]
_disk_seed = tuple(int(v) for v in np.argwhere(_disks == 1).mean(axis=0).round())  # first disk's centre
_background_seed = (5, 5)
_crack_seeds = seeds_from_threshold(_crack.image, 240, 20, random_state=0)
_noisy = make_scene("shapes", seed=0, size=512, noise=0.3).image
_noisy_max = seeds_at_max(_noisy)  # hundreds of seed blobs: the many-regions path


def _grow_case(label, seed, criterion, tolerance, connectivity=8):
    return Case(
        name=f"region growing: {criterion}, T={tolerance}, 1 seed {label}"
             + ("" if connectivity == 8 else ", 4-connected"),
        size=SIZE,
        run=lambda: region_grow(_image, [seed], criterion=criterion, threshold=tolerance,
                                connectivity=connectivity),
        reference=(lambda: flood(_image, seed, tolerance=tolerance,
                                 connectivity=1 if connectivity == 4 else 2))
        if criterion == "fixed" else None,
        reference_name="skimage.segmentation.flood" if criterion == "fixed" else "",
        budget_ms=GROW_BUDGET_MS,
    )


CASES = [
    _grow_case("in a disk", _disk_seed, "fixed", 50),
    _grow_case("in the background", _background_seed, "fixed", 50),
    _grow_case("in a disk", _disk_seed, "mean", 40),
    _grow_case("in the background", _background_seed, "mean", 40),
    _grow_case("in the background", _background_seed, "adaptive", 60),
    _grow_case("in the background", _background_seed, "fixed", 50, connectivity=4),
    _grow_case("in the background", _background_seed, "mean", 40, connectivity=4),
    _grow_case("in the background", _background_seed, "adaptive", 60, connectivity=4),
    Case(name="region growing: adaptive, T=80, 20 seeds from a threshold (crack)", size=SIZE,
         run=lambda: region_grow(_crack.image, _crack_seeds, criterion="adaptive", threshold=80),
         budget_ms=PAGE_BUDGET_MS),
    Case(name=f"region growing: adaptive, T=60, all {_noisy_max.max()} max-intensity blobs "
              "as seeds (noisy shapes)", size=SIZE,
         run=lambda: region_grow(_noisy, markers=_noisy_max, criterion="adaptive", threshold=60)),
    Case(name="region growing: mean, T=40, position lambda=0.2, 1 seed in the background",
         size=SIZE,
         run=lambda: region_grow(_image, [_background_seed], criterion="mean", threshold=40,
                                 position_weight=0.2)),
    Case(name="split-and-merge: variance <= 400, min block 8", size=SIZE,
         run=lambda: split_and_merge(_image, predicate="variance", max_variance=400, min_block=8),
         budget_ms=SPLIT_MERGE_BUDGET_MS),
    Case(name="split-and-merge: range <= 120, min block 8", size=SIZE,
         run=lambda: split_and_merge(_image, predicate="range", max_range=120, min_block=8),
         budget_ms=SPLIT_MERGE_BUDGET_MS),
    Case(name="split-and-merge: lecture (sd > 10, 0 <= m <= 126), min block 8", size=SIZE,
         run=lambda: split_and_merge(_image, predicate="lecture", min_sd=10, mean_low=0,
                                     mean_high=126, min_block=8),
         budget_ms=SPLIT_MERGE_BUDGET_MS),
    Case(name="split-and-merge: variance <= 400, min block 8, interleaved", size=SIZE,
         run=lambda: split_and_merge(_image, predicate="variance", max_variance=400, min_block=8,
                                     mode="interleaved")),
    Case(name="split-and-merge: variance <= 400, merge-only from 8 x 8 blocks", size=SIZE,
         run=lambda: split_and_merge(_image, predicate="variance", max_variance=400, min_block=8,
                                     mode="merge-only")),
]
