"""Python snippets that reproduce a lecture page's exported label map with segcore alone.

One function per page topic returns the code text. Every snippet starts the
same way (:func:`_header`): numpy and segcore only (segcore from the repository
root, which the snippet puts on ``sys.path``), the BLAS/OpenMP thread limit of
the SegLab server (:mod:`segcore.threads`; torch calls set their own
thread count inside segcore), and the input rebuilt exactly as the image
picker builds it: a scene with ``scenes.make_scene(name, seed=..., size=256,
noise=...)``, a bundled sample with ``images.load_sample(key)``, an upload with
``images.load_image`` on the student's own file. It then calls the same public
segcore functions as the page, with the page's parameters, and leaves the
result in ``labels``; :func:`ui.export.export_panel` appends the line that
gives it the exported PNG's dtype. Run a snippet from the repository root.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Mapping
from typing import Any

import numpy as np

from segcore import scenes

__all__ = [
    "atrous",
    "clustering",
    "fcn",
    "graph_cuts",
    "mask_rcnn",
    "panoptic",
    "region_growing",
    "split_merge",
    "thresholding",
    "watershed",
]

WIDTH = 88  # snippet lines longer than this are wrapped
SCENE_SIZE = 256  # ui.picker.SCENE_SIZE (not imported: the picker imports Streamlit widgets)


def _value(value: Any) -> Any:
    """Plain Python for ``repr``: numpy scalars and tuples of them become builtins."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(_value(v) for v in value)
    if isinstance(value, dict):
        return {_value(k): _value(v) for k, v in value.items()}
    return value


def _args(params: Mapping[str, Any]) -> str:
    """``k=v, ...`` with exact literals (``repr``), in the given order."""
    return ", ".join(f"{k}={_value(v)!r}" for k, v in params.items())


def _source(picked) -> list[str]:
    """Lines that rebuild the picked input: ``image`` (and ``scene`` for a scene)."""
    kind, _, rest = picked.key.partition(":")
    if kind == "scene":
        name, *fields = rest.split(":")
        found = dict(field.split("=", 1) for field in fields)
        seed = int(found.get("seed", 0))
        noise = float(found.get("noise", scenes.SCENES[name].default_noise))
        make = (f"scene = scenes.make_scene({name!r}, seed={seed}, size={SCENE_SIZE}, "
                f"noise={noise!r})")
        return [make, "image = scene.image"]
    if kind == "sample":
        return [f"image = images.load_sample({rest!r})"]
    return [f"# Your upload {picked.title!r}: point this at your own file.",
            'image = images.load_image(open("<your file>", "rb").read())']


def _header(picked, title: str, what: str, gray: bool, imports: str = "") -> list[str]:
    lines = [f'"""SegLab, {title}: reproduces the exported label map ({what}).',
             "", 'Run it from the SegLab repository root."""', "import sys", "",
             'sys.path.insert(0, ".")  # the repository root: segcore is imported from there',
             "import numpy as np", "",
             "from segcore import images, scenes, threads"]
    if imports:
        lines.append(imports)
    lines += ["", "threads.limit_this_thread()  # one BLAS/OpenMP thread, as on the server", ""]
    lines += _source(picked)
    if gray:
        lines.append("gray = images.to_gray(image)")
    return lines


def _breakable(line: str) -> bool:
    """Whether ``line`` is one statement without a string containing a space (so a line
    break at any space inside its brackets keeps it valid)."""
    try:
        tree = ast.parse(line)
    except SyntaxError:
        return False
    return not any(isinstance(node, ast.Constant) and isinstance(node.value, str)
                   and " " in node.value for node in ast.walk(tree))


def _wrapped(line: str) -> list[str]:
    """A long call split after its first ``(`` at spaces (valid inside brackets)."""
    if len(line) <= WIDTH or "(" not in line or not _breakable(line):
        return [line]
    head, rest = line.split("(", 1)
    return [head + "("] + textwrap.wrap(rest, WIDTH, initial_indent="    ",
                                        subsequent_indent="    ", break_long_words=False,
                                        break_on_hyphens=False)


def _code(lines: list[str]) -> str:
    return "\n".join(part for line in lines for part in _wrapped(line)) + "\n"


def thresholding(picked, method: str, params: Mapping) -> str:
    """Thresholding: the mask as 0/1, or multi-Otsu's class labels."""
    multi = method == "multiotsu"
    return _code(_header(picked, "Thresholding", "class labels" if multi else "mask as 0/1",
                         True, "from segcore.classical import threshold as thr") + [
        f"trace = thr.threshold(gray, {method!r}" + (f", {_args(params)})" if params else ")"),
        "labels = trace.output[" + ("'labels']" if multi else "'mask']")])


def region_growing(picked, rule: str, seeds: tuple, seed_threshold: int, n_seeds: int,
                   rseed: int, grow: Mapping, merge: bool, k_sd: float) -> str:
    """Region growing: seeds, growth, then merging when it is on (0 = not grown).

    The page's one pipeline call, :func:`segcore.classical.region_growing.grow_with_rule`.
    """
    lines = _header(picked, "Region growing", "regions, 0 = not grown", True,
                    "from segcore.classical import region_growing as rg")
    options = {"seed_threshold": seed_threshold, "n_seeds": n_seeds, "random_state": rseed,
               **grow, "merge_k": k_sd if merge else None}
    return _code(lines + [
        f"seeds, trace, merged = rg.grow_with_rule(gray, {rule!r}, {_value(tuple(seeds))!r}, "
        f"{_args(options)})",
        "labels = trace.labels if merged is None else merged.labels"])


def split_merge(picked, params: Mapping) -> str:
    """Split and merge: the merged regions, or the lecture predicate's mask as 0/1."""
    mask = params["predicate"] == "lecture"
    return _code(_header(picked, "Split and merge", "mask g(x, y) as 0/1" if mask else "regions",
                         True, "from segcore.classical.split_merge import split_and_merge") + [
        f"trace = split_and_merge(gray, {_args(params)})",
        "labels = trace.mask" if mask else "labels = trace.labels"])


def watershed(picked, view: str, args: Mapping) -> str:
    """Watershed and active contours, the current view: ``flood`` the basins of
    :func:`segcore.classical.watershed.watershed_with_rule` (0 = watershed line), ``snake``
    the inside of the final snake as 0/1, ``levelset`` the Chan-Vese region as 0/1."""
    if view == "flood":
        rest = {k: v for k, v in args.items() if k not in ("rule", "points")}
        points = None if args["points"] is None else _value(tuple(args["points"]))
        return _code(_header(picked, "Watershed", "basins, 0 = watershed line", True,
                             "from segcore.classical import watershed as ws") + [
            f"trace = ws.watershed_with_rule(gray, {args['rule']!r}, {points!r}, {_args(rest)})",
            "labels = trace.labels"])
    lines = _header(picked, "Watershed and active contours",
                    "snake inside as 0/1" if view == "snake" else "level set region as 0/1",
                    True, "from segcore.classical import active_contours as ac")
    lines.append(f"smoothed = ac.smoothed_image(gray, {args['sigma']!r})")
    if view == "snake":
        snake = {k: v for k, v in args.items()
                 if k not in ("sigma", "center", "radius", "n_points")}
        lines += [f"start = ac.circle({_value(tuple(args['center']))!r}, {args['radius']!r}, "
                  f"{args['n_points']!r})",
                  f"labels = ac.snake(smoothed, start, {_args(snake)}).mask"]
    else:
        level = {k: v for k, v in args.items() if k not in ("sigma", "num_iter")}
        lines.append(f"labels = ac.chan_vese(smoothed, {args['num_iter']!r}, {_args(level)}).mask")
    return _code(lines)


def clustering(picked, params: Mapping) -> str:
    """Clustering: the cluster labels of the chosen method and feature space."""
    return _code(_header(picked, "Clustering", "cluster labels", False,
                         "from segcore.classical import clustering as clu") + [
        f"trace = clu.cluster_image(image, {_args(params)})",
        "labels = trace.output['labels']"])


def graph_cuts(picked, view: str, p: Mapping) -> str:
    """Graph cuts, the current view, from the page's control values ``p``.

    ``cuts``: the normalized-cut side (0/1, image size); ``hcs``: the HCS
    clusters on the pixel graph (image size); ``rncut``: the recursive Ncut
    regions; ``maxflow``: the seeded max-flow foreground (0/1), from the clicked
    seeds or (``source="gt"``) from the ground truth's interior.
    """
    what = {"cuts": "normalized-cut side as 0/1", "hcs": "HCS clusters",
            "rncut": "recursive Ncut regions", "maxflow": "max-flow foreground as 0/1"}[view]
    lines = _header(picked, "Graph cuts", what, False,
                    "from segcore.classical import graph_cuts as G")
    if view == "cuts":
        graph = {"sigma_d": p["sd"], "sigma_i": p["si"], "sigma_c": p["sc"],
                 "neighbourhood": p["hood"], "max_nodes": p["nodes"]}
        lines += [f"graph = G.affinity_graph(image, {_args(graph)})",
                  "cuts = G.compare_cuts(graph.weights, graph.shape)",
                  "labels = G.downsample_labels(cuts.ncut, image.shape[:2]) > 0"]
    elif view == "hcs":
        graph = {"sigma_d": None, "sigma_i": p["si"], "neighbourhood": "full",
                 "max_nodes": p["nodes"]}
        lines += [f"graph = G.affinity_graph(image, {_args(graph)})",
                  f"trace = G.hcs_pixels(graph.weights, graph.shape, {p['threshold']!r})",
                  "labels = G.downsample_labels(trace.labels, image.shape[:2])"]
    elif view == "rncut":
        args = {"n_segments": p["nseg"], "compactness": p["compact"], "sigma": p["sigma"],
                "thresh": p["thresh"], "random_state": p["rseed"]}
        lines.append(f"labels = G.recursive_ncut(image, {_args(args)}).labels")
    else:
        args = {"lam": p["lam"], "sigma": p["sigma"], "neighbourhood": p["hood"],
                "bins": p["bins"]}
        if p["source"] == "gt":
            lines.append("fg, bg = G.ground_truth_seeds(scene.foreground, scene.void)")
        else:
            lines += [f"{kind} = G.seed_mask(image.shape[:2], {_value(tuple(p[kind]))!r}, "
                      f"{p['brush']!r})" for kind in ("fg", "bg")]
        lines += [f"trace = G.seeded_graph_cut(image, fg, bg, {_args(args)})",
                  "labels = trace.output['mask']"]
    return _code(lines)


def fcn(picked, variant: str) -> str:
    """FCN upsampling: the class map the chosen shipped network predicts."""
    return _code(_header(picked, "FCN upsampling", f"{variant} class map", True,
                         "from segcore.deep import fcn") + [
        f"labels = fcn.fcn_trace(gray, {variant!r}, model=fcn.pretrained({variant!r})).labels"])


def atrous(picked, crf: Mapping | None = None, aspp: Mapping | None = None) -> str:
    """Atrous convolution: the CRF-refined segmentation (scene ids), else the ASPP map."""
    if crf is not None:
        return _code(_header(picked, "Atrous convolution", "CRF-refined classes", False,
                             "from segcore.deep import crf") + [
            f"labels = crf.scene_crf(image, scene, {_args(crf)}).labels"])
    return _code(_header(picked, "Atrous convolution", "first ASPP rate that responds", False,
                         "from segcore.deep import atrous") + [
        f"labels = atrous.aspp(image, {_args(aspp)}).labels"])


def mask_rcnn(picked, params: Mapping) -> str:
    """Mask R-CNN: instance ids, 0 = background, k + 1 = detection k (score order)."""
    return _code(_header(picked, "Mask R-CNN", "instance ids, 0 = background", False,
                         "from segcore.deep import mask_rcnn as mr") + [
        f"labels = mr.mask_rcnn_trace(image, {_args(params)}).instances"])


def panoptic(picked, params: Mapping) -> str:
    """Panoptic quality: the predicted segment-id map made from the ground truth."""
    return _code(_header(picked, "Panoptic quality", "predicted segment ids, 0 = VOID", False,
                         "from segcore.evaluation.perturb import perturb_panoptic") + [
        "gt = scene.panoptic",
        f"pred = perturb_panoptic(gt.ids, gt.segments, gt.categories, {_args(params)})",
        "labels = pred.ids"])
