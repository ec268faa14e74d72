"""The thresholding page's formula panel: each method's formulas with this run's numbers.

The main deck (slide "Thresholding based") says what thresholding does, binarise by
intensity with a single threshold; :func:`binarise_rule` writes that out. It states no
rule for choosing t, so every method's criterion goes beyond the lecture, cited to its
paper (:data:`SOURCES`).
"""

from __future__ import annotations

import numpy as np

from segcore.classical import threshold as thr
from segcore.trace import Trace
from ui import panels
from ui import threshold_figs as figs

__all__ = ["SOURCES", "formulas", "binarise_rule", "method_formulas"]


#: What each method's formulas are (all beyond the lecture), and whose: the method's paper.
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


def _otsu_formulas(out: dict, t: float) -> list[panels.Formula]:
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


def _multiotsu_formulas(out: dict) -> list[panels.Formula]:
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


def _isodata_formulas(out: dict, last: dict) -> list[panels.Formula]:
    source = SOURCES["isodata"] + "; on gray levels it is 2-means, one threshold between two means"
    return [panels.beyond(r"t_{k+1} = \left\lfloor \frac{\mu_0(t_k) + \mu_1(t_k)}{2} "
                          r"\right\rfloor,\quad t_0 = \lfloor \bar I \rfloor", source),
            panels.beyond(rf"t = \left\lfloor\frac{{{figs.fmt(last['mu0'])} + "
                          rf"{figs.fmt(last['mu1'])}}}{{2}}\right\rfloor = "
                          rf"{out['iterated_threshold']:.0f}", SOURCES["isodata"])]


def _li_formulas(out: dict, last: dict, lo: int) -> list[panels.Formula]:
    mb, mf = last["mu0"] - lo, last["mu1"] - lo
    return [panels.beyond(r"\eta(t) = -m_b\ln\mu_b - m_f\ln\mu_f \;\to\; \min,\qquad "
                          r"t_{k+1} = \frac{\mu_b - \mu_f}{\ln\mu_b - \ln\mu_f}", SOURCES["li"]),
            panels.beyond(rf"t = {lo} + \frac{{{figs.fmt(mb)} - {figs.fmt(mf)}}}"
                          rf"{{\ln {figs.fmt(mb)} - \ln {figs.fmt(mf)}}} = {out['threshold']:.2f}",
                          SOURCES["li"])]


def _hysteresis_formulas(trace: Trace) -> list[panels.Formula]:
    weak, strong, kept = (trace.steps[i].metrics["pixels"] for i in (1, 2, 3))
    source = SOURCES["hysteresis"]
    return [panels.beyond(r"E = \{\,|\nabla I| > \text{low}\,\},\qquad "
                          r"S = \{\,|\nabla I| > \text{high}\,\}", source),
            panels.beyond(r"\text{keep every connected component of } E \text{ that touches } S",
                          source),
            panels.beyond(rf"|E| = {weak:.0f},\; |S| = {strong:.0f},\; \text{{kept}} = {kept:.0f}"
                          r"\text{ pixels}", source)]


def method_formulas(method: str, trace: Trace, params: dict, gray: np.ndarray
                    ) -> tuple[list[panels.Formula], str]:
    """The chosen method's formulas with this run's numbers (beyond the lecture), and a caption."""
    out = trace.output
    iterations = [s.metrics for s in trace.steps if s.name.startswith("iteration")]
    if method in ("manual", "otsu"):
        best = int(np.argmax(out["criterion"]))
        lines = _otsu_formulas(out, out["threshold"]) + [
            panels.beyond(rf"t^* = \arg\max_t \sigma_B^2(t) = {best}",
                          "Otsu's threshold, the t of largest between-class variance (Otsu 1979)")]
        return lines, ("Class probabilities and means of this image at the chosen t; on the "
                       "curve, sigma_B^2 peaks at Otsu's t*.")
    if method == "multiotsu":
        return _multiotsu_formulas(out), ("Found exactly by dynamic programming over the class "
                                       "boundaries.")
    if method == "isodata" and iterations:
        fixed = ", ".join(f"{v:.0f}" for v in out["fixed_points"])
        return _isodata_formulas(out, iterations[-1]), (
            f"{len(iterations)} iteration(s) from the mean; fixed points of the rule: {fixed} "
            f"(the lowest is used, as in scikit-image).")
    if method == "li" and iterations:
        lo = int(np.flatnonzero(out["histogram"])[0])
        return _li_formulas(out, iterations[-1], lo), (
            f"Gray levels shifted so the darkest ({lo}) is 0; m_b, m_f are the first moments and "
            f"mu_b, mu_f the means of background (<= t) and foreground in the last iteration.")
    if method in thr.LOCAL_METHODS:
        note = "" if method == "local" else (
            " Niblack and Sauvola assume dark ink: for bright objects they run on 255 - I.")
        caption = "Numbers at the image centre pixel." + note
        return _local_formulas(method, trace, params, gray), caption
    if method == "hysteresis":
        return _hysteresis_formulas(trace), "Edge pixel counts of this image."
    latex = NAMED_FORMULAS.get(method, r"\text{no iteration ran: the image is constant}")
    return [panels.beyond(latex, SOURCES[method]),
            panels.beyond(rf"t = {out['threshold']:.2f}", SOURCES[method])], ""


def _local_formulas(method: str, trace: Trace, params: dict, gray: np.ndarray
                    ) -> list[panels.Formula]:
    out = trace.output
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


def binarise_rule(method: str, out: dict, params: dict) -> list[panels.Formula]:
    """The lecture's idea, binarise by a threshold, written out with this run's threshold.

    The main deck states it in words ("binarize an image ... using a single threshold
    value"); multi-Otsu (several thresholds) and hysteresis (thresholds on the edge
    magnitude) go beyond it and get no such line.
    """
    if method in ("multiotsu", "hysteresis"):
        return []
    bright = params.get("polarity", thr.BRIGHT) == thr.BRIGHT
    t = "T(x,y)" if method in thr.LOCAL_METHODS else f"{out['threshold']:.4g}"
    test = rf"I(x,y) > {t}" if bright else rf"I(x,y) \le {t}"
    return [panels.lecture(rf"g(x,y) = \begin{{cases}} 1 \text{{ (object)}} & {test} \\ "
                           r"0 \text{ (background)} & \text{otherwise} \end{cases}",
                           "main", "Thresholding based; Clustering-Based (a single threshold)")]


def formulas(method: str, trace: Trace, params: dict, gray: np.ndarray
             ) -> tuple[list[panels.Formula], str]:
    """The whole panel: the lecture's binarising rule, then the method's formulas; a caption."""
    lines, caption = method_formulas(method, trace, params, gray)
    return binarise_rule(method, trace.output, params) + lines, caption
