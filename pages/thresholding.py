"""Thresholding: global, multi-level, iterative, adaptive and hysteresis thresholds, live."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

import ui.process  # noqa: F401 - first project import: warms the process up once
from segcore import images, scenes
from segcore.evaluation.scoring import score_against_scene
from segcore.classical import threshold as thr
from ui import panels, picker, player, state
from ui import threshold_figs as figs
from ui.caching import CACHE
from ui.figures import plain
from ui.overlay import ERROR_LEGEND

LARGE = dict(max_entries=16, ttl=3600, show_spinner=False)  # traces and pictures: ~1-5 MB each
METHOD_LABELS = {
    "manual": "Manual threshold",
    "otsu": "Otsu (between-class variance)",
    "multiotsu": "Multi-Otsu (2-5 classes)",
    "isodata": "Isodata / Ridler-Calvard (iterative)",
    "li": "Li minimum cross entropy (iterative)",
    "triangle": "Triangle",
    "yen": "Yen",
    "mean": "Mean gray level",
    "minimum": "Minimum (valley of the smoothed histogram)",
    "local": "Adaptive: local mean / Gaussian block",
    "niblack": "Adaptive: Niblack",
    "sauvola": "Adaptive: Sauvola",
    "hysteresis": "Hysteresis on the edge magnitude",
}
ITERATIVE = ("isodata", "li", "minimum")
WITH_MEANS = ("manual", "otsu", "isodata")  # methods whose rule is about the two class means
LOCAL = thr.LOCAL_METHODS
DOCUMENTS = ("page", "text")
POLARITY_LABELS = {thr.BRIGHT: "objects brighter", thr.DARK: "objects darker"}

panels.page_header(
    "Thresholding",
    "A threshold t splits the pixels by gray level alone: above t is object, at or below t is "
    "background (or the other way round). Everything hinges on **where** t goes: each automatic "
    "method optimises its own criterion over the histogram, and the curve below shows why it "
    "picked its t. One global t fails under uneven light; a local threshold surface T(x, y) "
    "fixes that.")
formula_box = st.container()
picked = picker.image_picker(default="scene:shapes")
gray = picked.gray


# ----------------------------------------------------------------- cached computations
@st.cache_data(**LARGE)
def compute(key: str, image: np.ndarray, method: str, params: tuple) -> dict:
    """Run one segcore method (cached per image + parameters); time the call."""
    start = time.perf_counter()
    trace = thr.threshold(image, method, **dict(params))
    return {"trace": trace, "wall_ms": (time.perf_counter() - start) * 1000}


@st.cache_data(**LARGE)
def pictures(key: str, image: np.ndarray, method: str, params: tuple,
             gt_mask: np.ndarray | None, void: np.ndarray | None, log: bool) -> dict:
    """The result overlay, the surface/magnitude picture and the teaching figure (cached)."""
    trace = compute(key, image, method, params)["trace"]
    out = trace.output
    result = out["labels"] if method == "multiotsu" else out["mask"]
    scored = None if method == "multiotsu" else gt_mask
    pics = {"result": figs.result_picture(image, result, scored, void)}
    if method in LOCAL:
        surface = out["surface"]
        pics["side"] = figs.gray_picture(surface)
        pics["figure"] = figs.histogram_figure(
            thr.histogram(image), band=(float(surface.min()), float(surface.max())), log=log)
    elif method == "hysteresis":
        pics["side"] = figs.gray_picture(out["magnitude"], stretch=True)
        pics["figure"] = figs.magnitude_histogram(out["magnitude"], trace.params["low"],
                                                  trace.params["high"])
    elif method == "multiotsu":
        otsu = compute(key, image, "otsu", ())["trace"]
        pics["figure"] = figs.histogram_figure(
            out["histogram"], thresholds=out["thresholds"], shade_classes=True,
            criterion=otsu.criterion, criterion_name="2-class sigma_B^2(t)",
            reference=otsu.threshold, reference_name="Otsu", log=log)
    else:
        means = None
        if method in WITH_MEANS:
            terms = thr.otsu_terms(out["histogram"], out["threshold"])
            means = (terms["mu0"], terms["mu1"])
        pics["figure"] = figs.histogram_figure(
            out["histogram"], thresholds=[out["threshold"]], criterion=out["criterion"],
            criterion_name=out["criterion_name"], means=means, log=log)
    pics["figure"] = plain(pics["figure"])
    return pics



@st.cache_data(**CACHE)
def step_figure(key: str, image: np.ndarray, method: str, params: tuple, index: int) -> dict:
    """The figure of one curve-like step (cached, so replaying the steps stays cheap)."""
    step = compute(key, image, method, params)["trace"].steps[index]
    return plain(figs.step_picture(image, step)[1])


@st.cache_data(**CACHE)
def iteration_figure(key: str, image: np.ndarray, method: str, params: tuple, index: int) -> dict:
    """Histogram with one iteration's t_k and the class means it produced (cached)."""
    trace = compute(key, image, method, params)["trace"]
    m = trace.steps[index].metrics
    return plain(figs.histogram_figure(trace.histogram, thresholds=[m["threshold"]],
                                        criterion=trace.criterion,
                                        criterion_name=trace.criterion_name,
                                        means=(m["mu0"], m["mu1"]), height=300))


@st.cache_data(**LARGE)
def try_all(key: str, image: np.ndarray, polarity: str):
    """Every global method on one image (cached)."""
    return thr.try_all(image, polarity=polarity)


@st.cache_data(max_entries=4, ttl=3600, show_spinner=False)
def document(key: str) -> np.ndarray:
    """A bundled document sample as uint8 gray (cached)."""
    return images.to_gray(images.load_sample(key))


# ----------------------------------------------------------------- controls
controls = st.container(border=True)
c1, c2, c3 = controls.columns([3, 2, 3])
method = state.select("Method", "method", list(METHOD_LABELS), "otsu",
                      format_func=METHOD_LABELS.get, container=c1)
params: dict = {}
if method not in ("multiotsu", "hysteresis"):
    params["polarity"] = state.select("Polarity", "polarity", list(thr.POLARITIES), thr.BRIGHT,
                                      format_func=POLARITY_LABELS.get, radio=True, container=c2)
if method == "manual":
    params["t"] = state.slider("Threshold t", "t", 0, 255, 128, container=c3)
elif method == "multiotsu":
    params["classes"] = state.slider("Classes", "classes", thr.MULTIOTSU_CLASSES[0],
                                     thr.MULTIOTSU_CLASSES[1], 3, container=c3)
elif method == "local":
    params["method"] = state.select("Weighting", "localkind", ["gaussian", "mean"], "gaussian",
                                    radio=True, container=c2)
    params["block_size"] = state.slider("Block size (odd)", "block", 3, 201, 35, step=2,
                                        container=c3)
    params["offset"] = float(state.slider("Offset C (T = mean - C)", "offset", -50, 50, 0,
                                          container=c3))
elif method in ("niblack", "sauvola"):
    params["window_size"] = state.slider("Window (odd)", "window", 3, 201, 25, step=2,
                                         container=c3)
    params["k"] = state.slider("k", "k", -1.0, 1.0, 0.2, step=0.05, container=c3)
elif method == "hysteresis":
    params["low"] = float(state.slider("Low (weak edges)", "low", 0, 150, 15, container=c3))
    params["high"] = float(state.slider("High (strong edges)", "high", 0, 250, 40, container=c3))
    if params["low"] > params["high"]:
        st.warning("Low must not exceed high: using low = high.")
        params["low"] = params["high"]
log_counts = False
if method != "hysteresis":
    log_counts = state.checkbox("Log pixel counts", "logy", False, container=c2,
                                help="Show small object peaks next to a big background peak.")
key_params = tuple(sorted(params.items()))

run = None
with panels.user_errors():
    run = compute(picked.key, gray, method, key_params)
if run is None:
    st.stop()
trace = run["trace"]
out = trace.output
panels.show_warnings(trace)
scene = picked.scene
gt_mask = scene.foreground if scene is not None else None
void = scene.void if scene is not None and scene.has_void else None
pics = pictures(picked.key, gray, method, key_params, gt_mask, void, log_counts)


# ----------------------------------------------------------------- formula panel (live)
# Where the formulas come from. The main deck (slide "Thresholding based") only says what
# thresholding does, binarise by intensity; it states no rule for choosing t, so every
# formula on this page goes beyond the lecture. Each note names the method's paper.
SOURCES = {
    "otsu": "Otsu's between-class variance (Otsu 1979), as in scikit-image threshold_otsu",
    "multiotsu": "multi-level Otsu (Liao, Chen & Chung 2001), as in scikit-image "
                 "threshold_multiotsu",
    "isodata": "isodata, Ridler & Calvard's iterative selection (1978), as in scikit-image "
               "threshold_isodata",
    "li": "Li's minimum cross entropy (Li & Lee 1993) with Li & Tam's iteration (1998), as in "
          "scikit-image threshold_li",
    "triangle": "the triangle method (Zack, Rogers & Latt 1977), as in scikit-image "
                "threshold_triangle",
    "yen": "Yen's maximum correlation criterion (Yen, Chang & Chang 1995), as in scikit-image "
           "threshold_yen",
    "mean": "the mean gray level as threshold, as in scikit-image threshold_mean",
    "minimum": "the minimum method (Prewitt & Mendelsohn 1966), as in scikit-image "
               "threshold_minimum",
    "local": "adaptive threshold: weighted block mean minus C, as in scikit-image "
             "threshold_local",
    "niblack": "Niblack's local threshold (Niblack 1986), as in scikit-image threshold_niblack",
    "sauvola": "Sauvola's local threshold (Sauvola & Pietikainen 2000), as in scikit-image "
               "threshold_sauvola",
    "hysteresis": "hysteresis thresholding (Canny 1986), as in scikit-image "
                  "apply_hysteresis_threshold",
}


def _otsu_formulas(t: float) -> list[panels.Formula]:
    terms = thr.otsu_terms(out["histogram"], t)
    return [
        panels.beyond(
            r"\omega_0(t)=\sum_{i\le t}p_i,\quad \mu_0(t)=\frac{1}{\omega_0}\sum_{i\le t} i\,p_i,"
            r"\quad \omega_1 = 1-\omega_0,\quad \mu_1(t)=\frac{1}{\omega_1}\sum_{i>t} i\,p_i",
            "class probabilities and means of Otsu's method (Otsu 1979)"),
        panels.beyond(
            rf"\sigma_B^2({t:.0f}) = \omega_0\,\omega_1\,(\mu_0-\mu_1)^2 = {terms['omega0']:.3f}"
            rf"\times{terms['omega1']:.3f}\times({figs.fmt(terms['mu0'])}-{figs.fmt(terms['mu1'])})^2"
            rf" = {figs.fmt(terms['sigma_b2'])}", SOURCES["otsu"]),
    ]


NAMED_FORMULAS = {
    "triangle": r"t = \arg\max_t \text{distance}(h(t), \text{peak-tail line})",
    "yen": r"t = \arg\max_t \ln\frac{[P(t)(1-P(t))]^2}{\sum_{i\le t}p_i^2\,\sum_{i>t}p_i^2}",
    "mean": r"t = \bar I = \frac{1}{N}\sum_i i\,n_i",
    "minimum": r"h \leftarrow \tfrac13(h_{i-1}+h_i+h_{i+1}) \text{ until two peaks; } "
               r"t = \arg\min_{\text{between peaks}} h",
}


def _multiotsu_formulas() -> list[panels.Formula]:
    omega, mu = thr.class_statistics(out["histogram"], out["thresholds"])
    terms = " + ".join(rf"{w:.2f}({figs.fmt(m)}-\mu_T)^2" for w, m in zip(omega, mu))
    mu_total = float(np.nansum(omega * mu))
    ts = ", ".join(f"{t:.0f}" for t in out["thresholds"])
    source = SOURCES["multiotsu"]
    return [panels.beyond(r"\sigma_B^2 = \sum_{k} \omega_k (\mu_k - \mu_T)^2 \;\to\; "
                          r"\max_{t_1<\dots<t_{K-1}}", source),
            panels.beyond(rf"\sigma_B^2 = {terms}", source),
            panels.beyond(rf"= {figs.fmt(out['criterion_value'])}\quad\text{{with}}\quad"
                          rf"\mu_T = {figs.fmt(mu_total)},\quad t = ({ts})", source)]


def _isodata_formulas(last: dict) -> list[panels.Formula]:
    source = SOURCES["isodata"] + "; on gray levels it is 2-means, one threshold between two means"
    return [panels.beyond(r"t_{k+1} = \left\lfloor \frac{\mu_0(t_k) + \mu_1(t_k)}{2} "
                          r"\right\rfloor,\quad t_0 = \lfloor \bar I \rfloor", source),
            panels.beyond(rf"t = \left\lfloor\frac{{{figs.fmt(last['mu0'])} + "
                          rf"{figs.fmt(last['mu1'])}}}{{2}}\right\rfloor = "
                          rf"{out['iterated_threshold']:.0f}", SOURCES["isodata"])]


def _li_formulas(last: dict, lo: int) -> list[panels.Formula]:
    mb, mf = last["mu0"] - lo, last["mu1"] - lo
    return [panels.beyond(r"\eta(t) = -m_b\ln\mu_b - m_f\ln\mu_f \;\to\; \min,\qquad "
                          r"t_{k+1} = \frac{\mu_b - \mu_f}{\ln\mu_b - \ln\mu_f}", SOURCES["li"]),
            panels.beyond(rf"t = {lo} + \frac{{{figs.fmt(mb)} - {figs.fmt(mf)}}}"
                          rf"{{\ln {figs.fmt(mb)} - \ln {figs.fmt(mf)}}} = {out['threshold']:.2f}",
                          SOURCES["li"])]


def _hysteresis_formulas() -> list[panels.Formula]:
    weak, strong, kept = (trace.steps[i].metrics["pixels"] for i in (1, 2, 3))
    source = SOURCES["hysteresis"]
    return [panels.beyond(r"E = \{\,|\nabla I| > \text{low}\,\},\qquad "
                          r"S = \{\,|\nabla I| > \text{high}\,\}", source),
            panels.beyond(r"\text{keep every connected component of } E \text{ that touches } S",
                          source),
            panels.beyond(rf"|E| = {weak:.0f},\; |S| = {strong:.0f},\; \text{{kept}} = {kept:.0f}"
                          r"\text{ pixels}", source)]


def formulas() -> tuple[list[panels.Formula], str]:
    """The chosen method's formulas with this run's numbers (all beyond the lecture), and a caption."""
    iterations = [s.metrics for s in trace.steps if s.name.startswith("iteration")]
    if method in ("manual", "otsu"):
        best = int(np.argmax(out["criterion"]))
        lines = _otsu_formulas(out["threshold"]) + [
            panels.beyond(rf"t^* = \arg\max_t \sigma_B^2(t) = {best}",
                          "Otsu's threshold, the t of largest between-class variance (Otsu 1979)")]
        return lines, ("Class probabilities and means of this image at the chosen t; on the "
                       "curve, sigma_B^2 peaks at Otsu's t*.")
    if method == "multiotsu":
        return _multiotsu_formulas(), ("Found exactly by dynamic programming over the class "
                                       "boundaries.")
    if method == "isodata" and iterations:
        fixed = ", ".join(f"{v:.0f}" for v in out["fixed_points"])
        return _isodata_formulas(iterations[-1]), (
            f"{len(iterations)} iteration(s) from the mean; fixed points of the rule: {fixed} "
            f"(the lowest is used, as in scikit-image).")
    if method == "li" and iterations:
        lo = int(np.flatnonzero(out["histogram"])[0])
        return _li_formulas(iterations[-1], lo), (
            f"Gray levels shifted so the darkest ({lo}) is 0; m_b, m_f are the first moments and "
            f"mu_b, mu_f the means of background (<= t) and foreground in the last iteration.")
    if method in LOCAL:
        note = "" if method == "local" else (" Niblack and Sauvola assume dark ink: for "
                                             "bright objects they run on 255 - I.")
        return _local_formulas(), "Numbers at the image centre pixel." + note
    if method == "hysteresis":
        return _hysteresis_formulas(), "Edge pixel counts of this image."
    latex = NAMED_FORMULAS.get(method, r"\text{no iteration ran: the image is constant}")
    return [panels.beyond(latex, SOURCES[method]),
            panels.beyond(rf"t = {out['threshold']:.2f}", SOURCES[method])], ""


def _local_formulas() -> list[panels.Formula]:
    y, x = gray.shape[0] // 2, gray.shape[1] // 2
    level = int(gray[y, x])
    surface = float(out["surface"][y, x])
    by_name = {s.name: s.data for s in trace.steps}
    m = float(by_name["local mean"][y, x])
    on_negative = method != "local" and params["polarity"] == thr.BRIGHT
    prime = "'" if on_negative else ""
    if method == "local":
        first = rf"T(x,y) = \text{{mean}}_{{{params['block_size']}\times{params['block_size']}}}" \
                rf"(x,y) - C = {m:.1f} - ({params['offset']:g}) = {surface:.1f}"
    else:
        s = float(by_name["local standard deviation"][y, x])
        k = params["k"]
        if method == "niblack":
            value = m - k * s
            first = rf"T{prime} = m - k\,s = {m:.1f} - {k:g}\times{s:.1f} = {value:.1f}"
        else:
            r = trace.params["r"]
            value = m * (1 + k * (s / r - 1))
            first = (rf"T{prime} = m\left(1 + k\left(\frac{{s}}{{R}} - 1\right)\right) = {m:.1f}"
                     rf"\left(1 + {k:g}\left(\frac{{{s:.1f}}}{{{r:g}}} - 1\right)\right)"
                     rf" = {value:.1f}")
        if on_negative:
            first += rf"\;\text{{on }} 255 - I,\quad T = 255 - T' = {255 - value:.1f}"
    is_object = bool(out["mask"][y, x])
    return [panels.beyond(first, SOURCES[method]),
            panels.beyond(rf"I({x},{y}) = {level},\; T({x},{y}) = {surface:.1f} \Rightarrow "
                          rf"\text{{{'object' if is_object else 'background'}}}",
                          "the local threshold surface T(x, y) applied at one pixel")]


def binarise_rule() -> list[panels.Formula]:
    """The lecture's idea, binarise by a threshold, written out with this run's threshold.

    The main deck states it in words ("binarize an image ... using a single threshold
    value"); multi-Otsu (several thresholds) and hysteresis (thresholds on the edge
    magnitude) go beyond it and get no such line.
    """
    if method in ("multiotsu", "hysteresis"):
        return []
    bright = params.get("polarity", thr.BRIGHT) == thr.BRIGHT
    t = "T(x,y)" if method in LOCAL else f"{out['threshold']:.4g}"
    test = rf"I(x,y) > {t}" if bright else rf"I(x,y) \le {t}"
    return [panels.lecture(rf"g(x,y) = \begin{{cases}} 1 \text{{ (object)}} & {test} \\ "
                           r"0 \text{ (background)} & \text{otherwise} \end{cases}",
                           "main", "Thresholding based; Clustering-Based (a single threshold)")]


with formula_box:
    lines, caption = formulas()
    panels.formula_panel(binarise_rule() + lines, caption)


# ----------------------------------------------------------------- result + teaching plot
left, right = st.columns([2, 3])
with left:
    if method == "multiotsu":
        caption = "Classes from dark to light: " + ", ".join(
            f"class {k}" for k in range(int(out["labels"].max()) + 1))
    elif gt_mask is not None:
        caption = ERROR_LEGEND
    else:
        caption = "Object pixels in orange."
    st.image(pics["result"], caption=caption, width="stretch")
with right:
    if "side" in pics:
        a, b = st.columns(2)
        a.image(pics["side"], width="stretch",
                caption="Threshold surface T(x, y) (gray levels)" if method in LOCAL
                else "Edge magnitude |grad I| (Sobel)")
        b.plotly_chart(pics["figure"], width="stretch", key="histogram")
    else:
        st.plotly_chart(pics["figure"], width="stretch", key="histogram")
    if method not in LOCAL and method not in ("multiotsu", "hysteresis"):
        st.caption(f"Histogram of the {gray.size:,} pixels, threshold t = "
                   f"{out['threshold']:.4g} and the method's criterion over every t.")


# ----------------------------------------------------------------- metrics
if scene is not None:
    if method == "multiotsu":
        report = score_against_scene(out["labels"], scene, match_clusters=True)
    else:
        report = score_against_scene(out["mask"], scene, binary=True)
    panels.metrics_panel(report, run["wall_ms"])
    if method in LOCAL:
        otsu = compute(picked.key, gray, "otsu", (("polarity", params["polarity"]),))["trace"]
        st.caption(f"For comparison, one global Otsu threshold on this image: IoU(object) = "
                   f"{score_against_scene(otsu.mask, scene, binary=True)['iou']['object']:.3f}.")
    elif method == "multiotsu":
        st.caption("Classes are matched to the ground-truth classes by the Hungarian algorithm.")
else:
    panels.metrics_panel(None, run["wall_ms"])


# ----------------------------------------------------------------- step player
st.subheader("Step by step")
label = "Iteration" if method in ITERATIVE else "Stage"


def render(i: int, step) -> None:
    if figs.step_kind(step) == "figure":
        st.plotly_chart(step_figure(picked.key, gray, method, key_params, i), width="stretch",
                        key="step_figure")
    elif "mu0" in step.metrics:  # an isodata / Li iteration: where t_k sits between the means
        left_col, right_col = st.columns([2, 3])
        left_col.image(figs.step_picture(gray, step)[1], width="stretch")
        right_col.plotly_chart(iteration_figure(picked.key, gray, method, key_params, i),
                               width="stretch", key="iteration_figure")
    else:
        st.image(figs.step_picture(gray, step)[1], width=360)
    if step.metrics:
        st.caption(" | ".join(f"{k} = {v:.4g}" for k, v in step.metrics.items()))


if trace.truncated:
    st.caption(f"{trace.total_steps} stages ran; {len(trace.steps)} evenly spaced ones are kept.")
player.step_player(trace.steps, key="step", render=render, label=label)


# ----------------------------------------------------------------- try all (own fragment)
@st.fragment
def try_all_panel() -> None:
    if not state.checkbox("Compare all global methods side by side", "tryall", False):
        return
    polarity = params.get("polarity", thr.BRIGHT)
    result = try_all(picked.key, gray, polarity)
    cols = st.columns(4)
    rows = []
    for i, name in enumerate(thr.GLOBAL_METHODS):
        mask = result.masks[name]
        row = {"method": name, "t": round(result.thresholds[name], 2)}
        if gt_mask is not None:
            rep = score_against_scene(mask, scene, binary=True)
            row |= {"pixel accuracy": rep["pixel_accuracy"], "IoU (object)": rep["iou"]["object"],
                    "Dice": rep["dice"]}
        rows.append(row)
        cols[i % 4].image(figs.result_picture(gray, mask, gt_mask, void), width="stretch",
                          caption=f"{name}: t = {result.thresholds[name]:.1f}")
    st.dataframe(rows, hide_index=True, width="stretch")
    panels.show_warnings(result)


st.subheader("All global methods")
try_all_panel()


# ----------------------------------------------------------------- documents (own fragment)
@st.fragment
def documents_panel() -> None:
    st.subheader("Document background removal")
    st.caption("Dark ink on unevenly lit paper: one global threshold blackens the shaded side; "
               "Sauvola's local threshold follows the paper. Pixels it calls paper become white.")
    d1, d2, d3 = st.columns(3)
    doc = state.select("Document", "doc", list(DOCUMENTS), "page", container=d1,
                       format_func=lambda k: images.SAMPLES[k].title)
    window = state.slider("Sauvola window (odd)", "docwin", 3, 101, 25, step=2, container=d2)
    k = state.slider("Sauvola k", "dock", 0.0, 1.0, 0.2, step=0.05, container=d3)
    page = document(doc)
    dark = (("polarity", thr.DARK),)
    otsu = compute(f"sample:{doc}", page, "otsu", dark)["trace"]
    sauvola = compute(f"sample:{doc}", page, "sauvola",
                      dark + (("k", k), ("window_size", window)))["trace"]
    cols = st.columns(4)
    cols[0].image(page, caption="Scanned document", width="stretch")
    cols[1].image(np.where(otsu.mask, 0, 255).astype(np.uint8), width="stretch",
                  caption=f"Global Otsu, t = {otsu.threshold:.0f}")
    cols[2].image(figs.gray_picture(sauvola.surface), caption="Sauvola surface T(x, y)",
                  width="stretch")
    cols[3].image(np.where(sauvola.mask, page, 255).astype(np.uint8), width="stretch",
                  caption="Background removed (Sauvola)")


documents_panel()


# ----------------------------------------------------------------- try this
GRADIENT_NOISE = float(scenes.SCENES["shapes_gradient"].default_noise)
panels.try_this([
    state.Preset("Uneven light: Otsu fails, Sauvola recovers",
                 "Shapes under an illumination gradient. One global t cannot fit the dark and "
                 "the bright corner; Sauvola's surface T(x, y) follows the light. Compare its IoU "
                 "with the global Otsu IoU printed under the metrics.",
                 {"src": "scene:shapes_gradient", "seed": 0, "noise": GRADIENT_NOISE,
                  "method": "sauvola", "polarity": thr.BRIGHT, "window": 75, "k": 0.1}),
    state.Preset("Raise the noise: the modes merge",
                 "Strong noise widens every peak of the histogram until the valley between "
                 "background and objects fills up; the sigma_B^2 curve flattens and Otsu's t "
                 "no longer separates the classes.",
                 {"src": "scene:shapes", "seed": 0, "noise": 0.3, "method": "otsu",
                  "polarity": thr.BRIGHT}),
    state.Preset("Coins: Otsu vs multi-Otsu",
                 "Coins share gray levels with the background. Multi-Otsu with 3 classes splits "
                 "the histogram twice; the dashed line is the single Otsu threshold.",
                 {"src": "sample:coins", "method": "multiotsu", "classes": 3}),
])
