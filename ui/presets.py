"""The lecture pages' "Try this" experiments, importable without running a page.

Each lecture page shows its experiments with
``panels.try_this(presets.PRESETS["<url path>"])``; the lesson builder
(``pages/lesson.py``) offers the same experiments as demos, and
:func:`lecture_outline` is the ready lesson built from them. Keys are the
pages' query-string names, values the widget values a preset sets.
"""

from __future__ import annotations

from segcore import scenes
from segcore.classical import threshold as thr
from ui.lesson import Demo, Lesson, demo_from_preset, make_demo
from ui.state import Preset

__all__ = ["PRESETS", "lecture_outline"]


def _default_noise(scene: str) -> float:
    return float(scenes.SCENES[scene].default_noise)


# thresholding: the illumination-gradient scene at its own noise level
GRADIENT_NOISE = _default_noise("shapes_gradient")
# region growing: a seed in a triangle, running mean, strong noise (the region leaks)
LEAKING_TRIANGLE = {"src": "scene:shapes", "seed": 0, "noise": 0.2, "rule": "click",
                    "seeds": "127.102", "crit": "mean", "T": 60, "conn": "8", "merge": False,
                    "maxsize": 100}
# split-merge: the lecture predicate tuned to the shapes scene's noisy, moderately dark background
NOISY_BACKGROUND = {"src": "scene:shapes", "noise": 0.08, "pred": "lecture", "a": 10, "mlo": 40,
                    "mhi": 70, "mode": "split-then-merge"}
# clustering: the texture mosaic, k-means with three clusters
MOSAIC = {"src": "scene:texture_mosaic", "seed": 0, "noise": _default_noise("texture_mosaic"),
          "method": "kmeans", "k": 3, "restarts": 3, "lam": 0.0, "init": "k-means++", "rs": 0}
# graph cuts: the shapes scene at its own noise level
SHAPES_NOISE = _default_noise("shapes")

#: url path of a lecture page -> its try-this experiments, in the order the page shows them.
#: ("seeds" is the region-growing page's clicked seeds, "relabel" "none" the panoptic page's
#: no-relabel option.)
PRESETS: dict[str, tuple[Preset, ...]] = {
    "thresholding": (
        Preset("Uneven light: Otsu fails, Sauvola recovers",
               "Shapes under an illumination gradient. One global t cannot fit the dark and "
               "the bright corner; Sauvola's surface T(x, y) follows the light. Compare its IoU "
               "with the global Otsu IoU printed under the metrics.",
               {"src": "scene:shapes_gradient", "seed": 0, "noise": GRADIENT_NOISE,
                "method": "sauvola", "polarity": thr.BRIGHT, "window": 75, "k": 0.1}),
        Preset("Raise the noise: the modes merge",
               "Strong noise widens every peak of the histogram until the valley between "
               "background and objects fills up; the sigma_B^2 curve flattens and Otsu's t "
               "no longer separates the classes.",
               {"src": "scene:shapes", "seed": 0, "noise": 0.3, "method": "otsu",
                "polarity": thr.BRIGHT}),
        Preset("Coins: Otsu vs multi-Otsu",
               "Coins share gray levels with the background. Multi-Otsu with 3 classes splits "
               "the histogram twice; the dashed line is the single Otsu threshold.",
               {"src": "sample:coins", "method": "multiotsu", "classes": 3}),
    ),
    "region-growing": (
        Preset("Noise makes regions leak",
               "A seed in a triangle (grey 150 on a background of 60), running mean, T = 60, "
               "noise 0.2: noisy pixels bridge the gap and the region floods the background. "
               "Set the noise (sidebar) back to 0.08, or switch to the adaptive T(i), and "
               "it stays inside the triangle.",
               {**LEAKING_TRIANGLE, "lam": 0.0}),
        Preset("The gradient problem",
               "A seed on the dark left edge of an unevenly lit page. With the running mean "
               "the region follows the illumination ramp towards the bright side, because "
               "its mean drifts with it; switch to the fixed interval around the seed value "
               "and it stops near the seed.",
               {"src": "sample:page", "rule": "click", "seeds": "5.5", "crit": "mean",
                "T": 12, "conn": "8", "merge": False, "maxsize": 100, "lam": 0.0}),
        Preset("Seeds in the wrong place",
               "Random seeds drawn from a too-low threshold land in the background of the "
               "crack image: those regions grow over the background and merging glues "
               "them together. Raise the seed threshold to 240.",
               {"src": "scene:crack", "rule": "threshold", "seedt": 120, "nseeds": 10,
                "crit": "adaptive", "T": 80, "merge": True, "k": 1.0, "lam": 0.0}),
        Preset("Location bounds the leak",
               "The leaking triangle of the first experiment with pixel location in the test "
               "(lambda = 1.5): no pixel farther than T / lambda = 40 px from the region's "
               "centroid joins, so the leak stops at the yellow circle, though it still takes "
               "the background inside it. Location bounds a leak; it does not find the border. "
               "Set lambda to 0 and the region floods the background again.",
               {**LEAKING_TRIANGLE, "lam": 1.5}),
    ),
    "split-merge": (
        Preset("Minimum quadrant 32, then 16 and 8",
               "The lecture's example: the sd-based predicate picks noisy matter of "
               "moderate intensity, here the background (mean 60, sd about 20) but not the "
               "brighter objects. Quadrants of 32 give blocky object outlines; switch to 16 "
               "and 8 and watch the outlines sharpen while the number of leaves grows.",
               {**NOISY_BACKGROUND, "minb": "32"}),
        Preset("A noisy region the sd-based predicate isolates",
               "sd > a and 40 <= m <= 70 isolates the noisy background (Dice about 0.96). "
               "Now set a = 40, above the background's noise: P fails on the background "
               "and only blocks straddling object borders (where sd is large) remain. The "
               "sd test is what finds the noisy region.",
               {**NOISY_BACKGROUND, "minb": "8"}),
        Preset("Heavy noise breaks the variance test",
               "With strong noise even flat areas exceed v, so the quadtree splits down to "
               "the minimum everywhere and the merge has thousands of leaves to glue back. "
               "Raise v, or try the range predicate.",
               {"src": "scene:shapes", "noise": 0.3, "pred": "variance", "v": 600,
                "minb": "4", "mode": "split-then-merge"}),
        Preset("The lecture's variance of 1, split and merge interleaved",
               "The deck's example takes a variance of 1 as the criterion of homogeneity. On "
               "the noise-free shapes only flat blocks pass, so the quadtree follows every "
               "border down to 4 x 4. Step through: at each depth the blocks are split, then "
               "the flat regions found so far merge before the next depth. Now add noise "
               "0.02 (sidebar): no block has a variance of 1 any more, and nothing merges.",
               {"src": "scene:shapes", "seed": 0, "noise": 0.0, "pred": "variance", "v": 1,
                "minb": "4", "mode": "interleaved"}),
        Preset("The order matters: interleaved vs split-then-merge",
               "Interleaved, the background's big quadrants merge at the first depths into a "
               "region whose variance is close to v; the small blocks split off later no "
               "longer fit, so about 170 regions are left. Switch to split-then-merge: the "
               "same leaves, merged all at once, end as about 90 regions with a better mIoU.",
               {"src": "scene:shapes", "seed": 0, "noise": SHAPES_NOISE, "pred": "variance",
                "v": 600, "minb": "4", "mode": "interleaved"}),
    ),
    "watershed": (
        Preset("No markers: every dip is a basin",
               "Without markers every regional minimum of the noisy gradient floods its own "
               "basin: thousands of basins, dams everywhere (over-segmentation). Raise sigma "
               "to 4: fewer minima, still far too many basins. Switch the markers to 'From a "
               "threshold': one basin per shape.",
               {"src": "scene:shapes", "seed": 0, "noise": SHAPES_NOISE, "view": "flood",
                "mk": "minima", "sigma": 1.0}),
        Preset("Coins: one marker per coin",
               "Markers from two thresholds: the dark background (I <= t_low) and one blob "
               "per coin (I >= t_high). The dams settle on the coins' rims. Set sigma to 1 and "
               "t_high to 140: textured coins break into several blobs, so into several "
               "basins; the markers decide what the watershed finds.",
               {"src": "sample:coins", "view": "flood", "mk": "threshold", "sigma": 2.0,
                "tlow": 70, "thigh": 120}),
        Preset("A stiff snake cuts corners",
               "A circle around a triangle, rigidity beta = 10: bending costs more than the "
               "edges give back, so the snake shrinks to a rounded blob inside the triangle. "
               "Set beta to 1 and sigma to 1.5: it reaches the corners and the IoU rises "
               "from about 0.6 to 0.9. "
               "Watch the energy terms trade off in the plot.",
               {"src": "scene:shapes", "seed": 0, "noise": SHAPES_NOISE, "view": "snake",
                "c": "180.220", "radius": 12, "snsigma": 3.0, "alpha": 0.015, "beta": 10.0,
                "gamma": 0.001, "wedge": 1.0, "wline": 0.0}),
        Preset("A level set finds every object at once",
               "Morphological Chan-Vese from a checkerboard on very noisy shapes (noise 0.3): "
               "no edges needed, the inside and outside only have to be uniform, so every "
               "shape is found in one region and the object IoU stays above 0.9. Set "
               "lambda2 to 3: a poor fit outside now costs three times more, and the inside "
               "swallows the background.",
               {"src": "scene:shapes", "seed": 0, "noise": 0.3, "view": "levelset",
                "cvinit": "checkerboard", "cvsigma": 1.0, "cviters": 30, "smooth": 1,
                "l1": 1.0, "l2": 1.0}),
    ),
    "clustering": (
        Preset("Texture mosaic: intensity fails",
               "Brick, grass and gravel have the same mean and spread of gray levels: intensity "
               "k-means cuts the histogram into bands that ignore the regions (low mIoU).",
               MOSAIC | {"space": "intensity"}),
        Preset("Texture mosaic: filter-bank features succeed",
               "The same image in the 30-D filter-bank space: each texture is a compact cloud "
               "(see the PCA view), and mIoU jumps.",
               MOSAIC | {"space": "texture"}),
        Preset("Add position: compact regions",
               "Very noisy shapes clustered on intensity alone give speckle. Weighting (x, y) by "
               "lambda = 1 pulls every cluster together in space: compact regions, but the "
               "background now splits by place, because k-means only knows 'close in feature "
               "space'. Move lambda between 0 and 3 and watch the 3D view (intensity, x, y).",
               {"src": "scene:shapes", "seed": 0, "noise": 0.35, "space": "intensity",
                "method": "kmeans", "k": 6, "lam": 1.0, "restarts": 1, "rs": 0}),
        Preset("k too small, k too large: k = 9, cluster 5",
               "The lecture's example: RGB k-means with k = 9 splits one object over several "
               "clusters; cluster 5 alone shows one colour band. Then drop k to 2: suit, sky and "
               "skin merge into light versus dark. The elbow plot shows where more k stops paying.",
               {"src": "sample:astronaut", "space": "rgb", "method": "kmeans", "k": 9, "show": 5,
                "lam": 0.0, "restarts": 1, "rs": 0}),
    ),
    "graph-cuts": (
        Preset("Min cut grabs a tiny isolated piece",
               "The cameraman on an 8-neighbour graph: the cheapest cut cuts off one lonely node "
               "(few edges to pay). Compare the table: its cut is the smallest, but its Ncut is "
               "about 1; the normalized cut pays more edge weight, cuts out the dark figure "
               "and scores a far lower Ncut.",
               {"src": "sample:camera", "view": "cuts", "hood": "8", "si": 40.0, "sd": 3.0,
                "nodes": 256}),
        Preset("sigma_i too large, then too small",
               "With sigma_i = 255 every edge weighs about the same, so Ncut cuts the grid "
               "geometrically (a straight-ish line across the image), ignoring the objects. "
               "Then drag sigma_i down to 2: neighbours of different brightness disconnect, "
               "cuts cost nothing and a warning reports nodes with no connection at all.",
               {"src": "scene:shapes", "seed": 0, "noise": SHAPES_NOISE, "view": "cuts",
                "hood": "8", "si": 255.0, "sd": 3.0, "nodes": 256}),
        Preset("lambda 0 vs large",
               "Noisy shapes and lambda = 0: every pixel follows the seed colour models alone, "
               "so the result is speckled (look at Dice). Raise lambda to 10-20: the boundary "
               "term removes the speckles. At lambda = 200 the cut shrinks to the seeded disk: the "
               "other objects are not worth their boundary (the min cut's shrinking bias).",
               {"src": "scene:shapes", "seed": 0, "noise": 0.2, "view": "maxflow", "lam": 0.0,
                "mfsigma": 60.0, "mfhood": "4"}),
    ),
    "fcn-upsampling": (
        Preset("32s vs 8s: skips sharpen boundaries",
               "FCN-32s upsamples only the stride-8 scores: corners round off and thin tips "
               "vanish. Compare the profile and the boundary accuracy, then switch back to "
               "FCN-8s.", {"fcn_variant": "fcn32s", "fcn_stage": 4}),
        Preset("Stride 2, kernel 3: checkerboard",
               "With a flat 3 x 3 kernel at stride 2, output pixels get 1, 2 or 4 stamps: a "
               "grid pattern even where the crop is flat. Kernel 4 (a multiple of the stride) "
               "removes it.", {"up_k": 3, "up_s": 2, "up_p": 1, "up_init": "uniform",
                               "up_focus": "transposed"}),
        Preset("Unpooling puts values back where the max was",
               "Look at the switches: each 2 x 2 window remembers one position, and the "
               "unpooled map is zero everywhere else.", {"up_focus": "unpooling"}),
    ),
    "atrous-convolution": (
        Preset("Equal dilations 2-2-2: see the holes (gridding)",
               "The receptive field is 13 x 13 but only every second pixel reaches the unit. "
               "Then pick 'rates 1-2-3' in the stack menu: same size, no holes.",
               {"at_stack": "gridding", "at_layer": 2}),
        Preset("Rates 1-2-4-8: exponential receptive field",
               "Four 3 x 3 layers, 36 weights, and the receptive field doubles each layer: "
               "3, 7, 15, 31. The plain stack reaches only 9.",
               {"at_stack": "exponential", "at_layer": 3}),
        Preset("Same RF with a big kernel costs more weights",
               "One 31 x 31 kernel sees the same window as rates 1-2-4-8, with 961 weights "
               "instead of 36 (and no non-linearities in between).",
               {"at_stack": "big kernel", "at_layer": 0}),
    ),
    "mask-rcnn": (
        Preset("Lower the score threshold",
               "COCO scores every detection, also the unsure ones. At 0.05 more boxes survive: "
               "the tail of the ranking gains recall and a few false positives; watch AP and "
               "the PR curve.",
               {"src": "scene:shapes", "score": 0.05, "nms": 0.5}),
        Preset("NMS too loose: duplicates",
               "With NMS IoU 0.9 overlapping boxes of one object both survive. Only the first "
               "can match the object; the duplicate becomes a false positive (x in the table).",
               {"src": "scene:shapes", "score": 0.05, "nms": 0.9}),
        Preset("RoIAlign vs RoIPool on a small object",
               "Move the location onto a small shape and open the 'RoIAlign vs RoIPool' stage: "
               "on stride-4 cells rounding the box moves it by up to 2 pixels, a large share "
               "of a 20-pixel object.",
               {"src": "scene:shapes", "px": 20, "py": 80, "stage": 6}),
    ),
    "panoptic-quality": (
        Preset("Split one car", "One instance cut in two: PQ loses a TP and gains one FN and "
               "two FP, mIoU hardly moves.",
               {"grow": 0, "shift": 0, "split": 1, "merge": 0, "drop": 0, "fp": 0,
                "relabel": "none", "void": 0.0}),
        Preset("A few pixels off", "Shift the prediction by 5 px: big stuff keeps its match, "
               "small people fall below IoU 0.5 and become FN + FP at once.",
               {"grow": 0, "shift": 5, "split": 0, "merge": 0, "drop": 0, "fp": 0,
                "relabel": "none", "void": 0.0}),
        Preset("Duplicates: heuristic vs UPSNet", "Three duplicate detections: the overlap "
               "threshold removes them, the parameter-free head turns their pixels into FP.",
               {"dups": 3, "overlap": 0.5, "score": 0.0, "fnoise": 1.0}),
    ),
}


def lecture_outline() -> Lesson:
    """The ready lesson "The lecture outline": the lecture pages in lecture order, deck by deck.

    Each demo is one of the page's try-this experiments (or plain Otsu to start),
    with a note naming the slide deck it belongs to (``panels.DECKS``).
    """
    def demo(page: str, i: int, note: str) -> Demo:
        return demo_from_preset(page, PRESETS[page][i], note)

    return Lesson("The lecture outline", (
        make_demo("thresholding", {"src": "scene:shapes", "seed": "0", "method": "otsu"},
                  "Main deck, thresholding: Otsu puts t where the between-class variance "
                  "peaks; read it off the criterion curve under the histogram."),
        demo("thresholding", 0, "Main deck, adaptive thresholding: under uneven light no single "
                                "t works, a local surface T(x, y) does."),
        demo("region-growing", 0, "Main deck, region growing: noise lets the region leak past "
                                  "|I - M| <= T; the adaptive T(i) keeps it in."),
        demo("split-merge", 0, "Main deck, split and merge: the minimum-quadrant example "
                               "(32, then 16 and 8) and merging on the adjacency graph."),
        demo("watershed", 0, "Main deck, other classical methods (watersheds): without "
                             "markers every dip of the noise is a basin; markers give one per "
                             "object."),
        demo("clustering", 1, "Main deck, clustering: the feature space decides; texture "
                              "features separate what gray levels cannot."),
        demo("graph-cuts", 0, "Main deck, graph cuts: the minimum cut likes tiny pieces, the "
                              "normalized cut does not."),
        demo("fcn-upsampling", 0, "Main and practical decks, FCN: the skips of FCN-8s recover "
                                  "the boundaries FCN-32s rounds off."),
        demo("fcn-upsampling", 1, "Panoptic deck, learned upsampling: a transposed convolution "
                                  "whose kernel the stride does not divide leaves a checkerboard."),
        demo("atrous-convolution", 1, "Short deck, atrous convolution: rates 1-2-4-8 double the "
                                      "receptive field per layer; ASPP (seminar deck) is below."),
        demo("mask-rcnn", 2, "Short deck, Mask R-CNN: RoIAlign against RoIPool on a small "
                             "object, then the 28 x 28 mask head."),
        demo("panoptic-quality", 0, "Panoptic deck, PQ = SQ x RQ: one car split in two costs PQ "
                                    "a lot and mIoU (seminar deck) almost nothing."),
    ))
