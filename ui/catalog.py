"""The lecture pages: where they live, where they are served and what they teach.

app.py builds the navigation from :data:`PAGES`; the home page and the
"coming next" panels read the same entries, so the outline is written once.
:data:`TOOLS` are the lecturer's tools (``/compare``, ``/lesson``): pages that
work across the lecture pages rather than teaching one topic.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LecturePage", "PAGES", "GROUPS", "TOOLS", "TOOLS_GROUP", "by_path"]


@dataclass(frozen=True)
class LecturePage:
    """One lecture topic of SegLab.

    Parameters
    ----------
    url_path : str
        Stable URL path without the slash (links in slides use it).
    file : str
        Page script, relative to the app root.
    title, icon : str
        Navigation label and Material icon.
    group : str
        Navigation section: "Classical", "Deep learning" or "Evaluation".
    summary : str
        One line for the home page.
    teaches : tuple of str
        Lecture items the page covers.
    """

    url_path: str
    file: str
    title: str
    icon: str
    group: str
    summary: str
    teaches: tuple[str, ...]


GROUPS = ("Classical", "Deep learning", "Evaluation")

PAGES = (
    LecturePage(
        "thresholding", "pages/thresholding.py", "Thresholding", ":material/contrast:", "Classical",
        "Pick a grey level that splits objects from background, and see why each method picks it.",
        ("manual threshold, histogram and class means", "Otsu's between-class variance",
         "multi-Otsu", "iterative isodata and Li", "adaptive mean/Gaussian, Niblack, Sauvola",
         "document background removal", "hysteresis")),
    LecturePage(
        "region-growing", "pages/region-growing.py", "Region growing", ":material/grain:", "Classical",
        "Grow regions from seeds ring by ring while the homogeneity test holds.",
        ("seeds: clicked, random from a threshold, maximum intensity",
         "homogeneity |I - M| <= T and T(i) = (1 - sd/M) T", "4- and 8-connectivity",
         "region merging |M1 - M2| < k sd", "noise leakage and the gradient problem",
         "pixel location in the test: sqrt((I - M)^2 + lambda^2 d^2) <= T(i)")),
    LecturePage(
        "split-merge", "pages/split-merge.py", "Split and merge", ":material/grid_view:", "Classical",
        "Split inhomogeneous quadrants recursively, then merge similar neighbours on the RAG.",
        ("quadtree split with a homogeneity predicate (variance of 1 and up)",
         "minimum quadrant 8 / 16 / 32", "region adjacency graph",
         "merge while P(R1 U R2) is TRUE: after the split, at each depth, or bottom-up "
         "from 2 x 2 / 4 x 4 blocks")),
    LecturePage(
        "watershed", "pages/watershed.py", "Watershed and active contours", ":material/water:",
        "Classical",
        "Flood the gradient from markers, level by level; move a snake or a level set.",
        ("marker-controlled watershed: markers from clicks, a threshold or region-growing seeds",
         "flooding level by level: basins and dams", "over-segmentation without markers",
         "active contour (snake): alpha, beta, gamma", "level set: morphological Chan-Vese")),
    LecturePage(
        "clustering", "pages/clustering.py", "Clustering", ":material/scatter_plot:", "Classical",
        "Group pixels in a feature space: intensity, colour, texture, position.",
        ("feature spaces: intensity, RGB, Lab, filter-bank texture, position",
         "k-means iteration by iteration", "mean shift, GMM", "choosing k")),
    LecturePage(
        "graph-cuts", "pages/graph-cuts.py", "Graph cuts", ":material/hub:", "Classical",
        "Pixels are nodes, affinities are edge weights, a cut is a segmentation.",
        ("affinity aff(x, y) from distance, intensity, colour", "min cut and its small-component bias",
         "HCS clustering", "normalized cut (D - W) y = lambda D y", "s-t max-flow with seeds")),
    LecturePage(
        "fcn-upsampling", "pages/fcn-upsampling.py", "FCN upsampling", ":material/open_in_full:",
        "Deep learning",
        "From sliding windows to fully convolutional networks and learned upsampling.",
        ("sliding window vs FCN", "nearest, bilinear, transposed convolution, unpooling",
         "FCN-32s / 16s / 8s skips", "U-Net", "cross entropy, Dice and soft-Dice loss")),
    LecturePage(
        "atrous-convolution", "pages/atrous-convolution.py", "Atrous convolution", ":material/blur_on:",
        "Deep learning",
        "Dilated kernels enlarge the receptive field without losing resolution.",
        ("y[i] = sum_k x[i + r k] w[k]", "receptive field growth", "ASPP",
         "dense CRF refinement (mean-field)")),
    LecturePage(
        "mask-rcnn", "pages/mask-rcnn.py", "Mask R-CNN", ":material/category:", "Deep learning",
        "Follow one image through RPN, RoIAlign and the 28 x 28 mask head; score it like COCO.",
        ("region proposal network and anchors", "RoIAlign vs RoIPool", "box head and NMS",
         "28 x 28 mask head", "instance AP: sorted scores, TP/FP, PR curve")),
    LecturePage(
        "panoptic-quality", "pages/panoptic-quality.py", "Panoptic quality", ":material/join:",
        "Evaluation",
        "Match segments, count TP/FP/FN, and see PQ = SQ x RQ for things and stuff.",
        ("things vs stuff", "matching at IoU > 0.5", "PQ = SQ x RQ", "VOID and crowd regions",
         "panoptic fusion", "PQ vs mIoU vs AP")),
)


#: Navigation section of the tools.
TOOLS_GROUP = "Tools"

#: Pages that work across the lecture pages (same fields; ``group`` is :data:`TOOLS_GROUP`).
TOOLS: tuple[LecturePage, ...] = (
    LecturePage(
        "compare", "pages/compare.py", "Compare methods", ":material/leaderboard:", TOOLS_GROUP,
        "Every classical method on one scene, ranked; each row opens its page on the same numbers.",
        ("pixel accuracy, mIoU, Dice and boundary F-score side by side",
         "every method at its page's defaults")),
    LecturePage(
        "lesson", "pages/lesson.py", "Lesson", ":material/playlist_play:", TOOLS_GROUP,
        "Line up demos of any page with their settings and a note each; share one link.",
        ("demos from try-this presets, page defaults or a copied link", "one link per lesson",
         "previous / next through the demos", "the lecture outline as a ready lesson")),
)


def by_path(url_path: str) -> LecturePage:
    """Return the lecture page or tool served at ``url_path`` (KeyError if there is none)."""
    for page in PAGES + TOOLS:
        if page.url_path == url_path:
            return page
    raise KeyError(url_path)
