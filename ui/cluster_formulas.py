"""The clustering page's formula panel: feature vector, k-means and the other methods.

Feature vectors, k-means and its SSE are the main deck's ("Feature Space", "K-Means
Clustering Algorithm", "Stopping/convergence criterion"); the deck only names the other
methods (slide "Other Clustering Approaches"), so their formulas go beyond it.
"""

from __future__ import annotations

import numpy as np

from segcore.trace import Trace
from ui import panels

__all__ = ["SPACE_TOPICS", "BEYOND_NOTES", "formulas"]


def _vector(v: np.ndarray, limit: int = 4) -> str:
    shown = r",\ ".join(f"{x:.2f}" for x in v[:limit])
    more = r",\ \dots" if len(v) > limit else ""
    return f"({shown}{more})"


def _num(value: float) -> str:
    """A number for LaTeX: thousands grouped for big values, 3 significant digits otherwise."""
    if abs(value) >= 1000:
        return f"{value:,.0f}".replace(",", "{,}")
    if value != 0 and abs(value) < 0.01:
        mantissa, exponent = f"{value:.1e}".split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return f"{value:.3g}"


#: The main deck's "Feature Space" slides, by feature space.
SPACE_TOPICS = {"intensity": "intensity value (1D)", "rgb": "color value (3D)",
                "lab": "color value (3D)", "texture": "filter bank responses (e.g., 24D)"}
KMEANS, STOPPING = "K-Means Clustering Algorithm", "Stopping/convergence criterion"
#: What the other methods' formulas are and whose (the deck only names these methods).
BEYOND_NOTES = {
    "gmm": "Gaussian mixture fitted by EM (Dempster, Laird & Rubin 1977), as in scikit-learn "
           "GaussianMixture; the deck only names GMM",
    "meanshift": "mean shift with a flat kernel (Fukunaga & Hostetler 1975; Comaniciu & Meer "
                 "2002), as in scikit-learn MeanShift; the deck only names it",
    "dbscan": "DBSCAN (Ester, Kriegel, Sander & Xu 1996), as in scikit-learn DBSCAN; the deck "
              "only names it",
    "agglomerative": "Ward's merge criterion (Ward 1963), as in scikit-learn "
                     "AgglomerativeClustering; the deck only names agglomerative clustering",
}


def formulas(trace: Trace, method: str, space: str, position_weight: float, params: dict
             ) -> tuple[list[panels.Formula], str]:
    """The chosen method's formulas with this run's numbers at the probe pixel; a caption."""
    out = trace.output
    labels = out["labels"]
    x = out["probe_features"]
    dist = ((out["centroids"] - x) ** 2).sum(axis=1)
    j = int(out["labels"].ravel()[out["probe_index"]])
    h, w = labels.shape
    space_topic = ("Feature Space: " + SPACE_TOPICS[space]
                   + (" + position" if position_weight else ""))
    probe = panels.lecture(
        rf"x_p = {_vector(x)}\quad \text{{(pixel }}({w // 2}, {h // 2})\text{{, }} D = {len(x)})",
        "main", space_topic)
    dists = rf"\lVert x_p - m_j \rVert^2 = {_vector(dist, 8)}_{{j = 1..{len(dist)}}}"
    if method == "kmeans":
        sizes = np.bincount(labels.ravel(), minlength=len(out["centroids"]))
        curve = out["sse_curve"]
        drop = (curve[-2] - curve[-1]) / curve[-2] if len(curve) > 1 and curve[-2] > 0 else 0.0
        reassigned = trace.steps[-1].metrics["reassigned"]
        return [
            panels.lecture(
                rf"SSE = \sum_{{j=1}}^{{k}} \sum_{{x \in C_j}} \lVert x - m_j \rVert^2 = "
                rf"{_num(out['sse'])}\qquad (k = {len(sizes)},\ N = {_num(labels.size)})",
                "main", STOPPING),
            probe,
            panels.lecture(dists, "main", KMEANS),
            panels.lecture(
                rf"j^* = \arg\min_j \lVert x_p - m_j \rVert^2 = {j + 1},\qquad m_{{j^*}} = "
                rf"\frac{{1}}{{|C_{{j^*}}|}} \sum_{{x \in C_{{j^*}}}} x,\quad "
                rf"|C_{{j^*}}| = {_num(sizes[j])}", "main", KMEANS),
            panels.lecture(
                rf"\text{{iteration {out['n_iter']}: }} {_num(reassigned)} \text{{ re-assigned}},"
                rf"\quad \frac{{SSE_{{t-1}} - SSE_t}}{{SSE_{{t-1}}}} = {_num(drop)}\ "
                rf"(\text{{tol}} = {_num(trace.params['tol'])})", "main", STOPPING)], \
            ("Lecture: assign each pixel to the nearest centroid, move each centroid to the mean "
             "of its pixels, stop when no pixel changes cluster or the SSE hardly decreases.")
    note = BEYOND_NOTES[method]
    if method == "gmm":
        p = out["probabilities"].reshape(-1, out["probabilities"].shape[-1])[out["probe_index"]]
        return [panels.beyond(
                    r"p(x) = \sum_j \pi_j\, \mathcal{N}(x;\ \mu_j, \Sigma_j),\qquad "
                    r"\gamma_j(x) = \frac{\pi_j \mathcal{N}(x;\mu_j,\Sigma_j)}"
                    r"{\sum_l \pi_l \mathcal{N}(x;\mu_l,\Sigma_l)}", note),
                probe,
                panels.beyond(rf"\gamma(x_p) = {_vector(p.astype(float), 8)}\ \Rightarrow\ "
                              rf"\text{{component }} {j + 1}", note)], \
            "EM fits the mixture on a pixel subsample; every pixel then gets soft responsibilities."
    if method == "meanshift":
        return [panels.beyond(
                    r"m(x) = \frac{\sum_{x_i \in N_h(x)} x_i}{|N_h(x)|} \quad \text{(flat kernel), "
                    r"move } x \leftarrow m(x) \text{ until it stops}", note),
                panels.beyond(rf"h = {params['bandwidth']:g} \Rightarrow {out['n_clusters']} "
                              r"\text{ modes}", note),
                probe,
                panels.beyond(dists + rf"\ \Rightarrow\ \text{{mode }} {j + 1}",
                              "each pixel takes its nearest mode, as scikit-learn MeanShift "
                              "labels points")], \
            "The number of clusters is found, not given: it follows from the bandwidth h."
    if method == "dbscan":
        return [panels.beyond(r"\text{core point: } |\{x_i : \lVert x_i - x \rVert \le "
                              r"\varepsilon\}| \ge \text{min\_samples}", note),
                panels.beyond(rf"\varepsilon = {params['eps']:g},\ \text{{min\_samples}} = "
                              rf"{params['min_samples']}\Rightarrow {out['n_clusters']} "
                              r"\text{ clusters + noise}", note),
                probe], \
            "Clusters are density-connected core points; far pixels are noise (the extra label)."
    return [panels.beyond(r"\Delta SSE(A, B) = \frac{|A||B|}{|A| + |B|} \lVert m_A - m_B \rVert^2 "
                          r"\to \min \text{ over adjacent } A, B", note),
            panels.beyond(rf"\text{{merged until }} k = {params['n_clusters']}", note),
            probe], \
        "Ward's criterion: merge the adjacent pair whose union raises the within-cluster SSE least."
