"""Atrous convolution: the dilated-kernel formula, receptive-field growth, ASPP, dense CRF."""

from __future__ import annotations

import numpy as np
import streamlit as st

import ui.process  # noqa: F401 - first project import: warms the process up once
from segcore.deep import atrous as A
from ui import challenge, export, panels, picker, player, present, presets, snippets, state
from ui.atrous_cached import (ZOOM, ZOOM_WINDOW, aspp_figures, aspp_run, crf_curve, crf_run,
                              footprints, receptive, signal, tap_png, taps)

RATE_SETS = {"1-6-12-18": (1, 6, 12, 18), "1-2-4-8": (1, 2, 4, 8), "1-3-6-9": (1, 3, 6, 9),
             "2-2-2-2": (2, 2, 2, 2)}
STRIDES = ["1", "2", "4", "8", "16"]
COARSE_FACTORS = ["4", "8", "16"]

panels.page_header(
    "Atrous convolution",
    "A dilated (atrous) kernel reads its input with gaps: tap k of a kernel with rate r looks "
    "r k pixels away, so the same 3 x 3 weights cover a larger window. Stacking such layers grows "
    "the receptive field as fast as pooling does, **without** throwing resolution away. DeepLab "
    "runs several rates in parallel (ASPP) to see objects at several scales, and sharpens the "
    "coarse result with a dense CRF.")
formula_slot = st.container()  # filled once the widgets below have values


# ----------------------------------------------------------------- controls
picked = picker.image_picker(default="scene:shapes")
gray = picked.gray

st.subheader("1. One kernel, read with gaps")
rate = state.slider("Dilation rate r", "at_rate", 1, 16, 2,
                    help="r - 1 zeros between the taps of the 3-tap / 3 x 3 kernel")


# ----------------------------------------------------------------- 1. formula demo
with panels.user_errors():
    demo = signal(picked.key, gray, rate)
    left, right = st.columns(2)
    left.plotly_chart(demo["grid"], key="at_grid_fig")
    right.plotly_chart(demo["fig"], key="at_signal_fig")
    st.caption(f"Three weights, one every {rate} pixels: the difference x[i + {2 * rate}] - x[i] "
               f"responds to edges over {2 * rate + 1} pixels, so larger rates smear fine detail "
               "but still see a change across wide, flat objects.")
    tap_steps = taps(picked.key, gray, rate)
    st.caption(f"The same sum in 2-D, tap by tap: a 3 x 3 centre-surround kernel at rate {rate} "
               f"adds the image shifted by r k = multiples of {rate} pixels, one weight at a time "
               "(grey = 0, white/black = positive/negative partial sum).")

    def render_tap(i: int, step) -> None:
        st.image(tap_png(picked.key, gray, rate, i), output_format="PNG", width=420,
                 caption=f"{step.name}: partial sum after {i + 1} of 9 taps")

    player.step_player(tap_steps, key="at_tap", render=render_tap, label="Kernel tap")


# ----------------------------------------------------------------- 2. receptive field
st.subheader("2. Receptive field of a stack")
stack = state.select("Layer stack", "at_stack", list(A.PRESETS), "exponential",
                     format_func=A.PRESET_TITLES.get)
layers = A.PRESETS[stack]
rf_trace = None
with panels.user_errors():
    rf_result = receptive(stack)
    rf_trace = rf_result["trace"]
if rf_trace is not None:
    views = footprints(picked.key, picked.image, stack)
    st.caption("The step player adds one layer at a time. Left: the input pixels that reach one "
               "output unit, drawn on the centre of the image. Right: how many paths connect each "
               "pixel to that unit (blank inside the box = a hole).")

    def render_layer(i: int, step) -> None:
        m = step.metrics
        cols = st.columns(5)
        cols[0].metric("RF (formula)", f"{m['rf']:.0f} px")
        cols[1].metric("RF (measured)", f"{m['rf_measured']:.0f} px")
        cols[2].metric("Half the paths in", f"{m['erf']:.0f} px",
                       help="side of the central square that holds half of all paths: the "
                            "effective receptive field is smaller than the theoretical one")
        cols[3].metric("Holes in the RF", f"{m['holes']:.0f}")
        cols[4].metric("Weights so far", f"{m['weights']:.0f}",
                       help="k^2 per conv layer, one channel; pooling has none")
        a, b = st.columns(2)
        a.image(views[i], output_format="PNG", width="stretch",
                caption=f"{step.name}: the unit's input pixels in the central "
                        f"{ZOOM_WINDOW} x {ZOOM_WINDOW} pixels of {picked.title}, zoomed {ZOOM}x")
        b.plotly_chart(rf_result["heatmaps"][i], key=f"at_heat_{i}")

    player.step_player(rf_trace.steps, key="at_layer", render=render_layer, label="Layer")
    if rf_trace.holes:
        st.info(f"Gridding: {rf_trace.holes} pixels inside the {rf_trace.rf} x {rf_trace.rf} "
                "window never reach the unit. Equal rates only ever combine pixels on a lattice; "
                "rates without a common factor (1-2-3) fill the holes.")
    if rf_trace.jump > 1:
        st.info(f"This stack subsamples by {rf_trace.jump}: its output has one unit every "
                f"{rf_trace.jump} pixels, the resolution issue dilation avoids.")
    st.plotly_chart(rf_result["growth"], key="at_growth_fig")


# ----------------------------------------------------------------- 3. ASPP
st.subheader("3. Atrous spatial pyramid pooling (ASPP)")
st.caption("Parallel 3 x 3 branches with different rates on the same feature map, plus image "
           "pooling. The weights here are fixed (a centre-surround or edge kernel) instead of "
           "learned, so you can see what each rate can notice.")
c1, c2, c3, c4 = st.columns(4)
rates_name = state.select("Rates", "at_rates", list(RATE_SETS), "1-6-12-18", container=c1)
kernel = state.select("Fixed kernel", "at_kernel", list(A.ASPP_KERNELS), "center-surround",
                      container=c2)
stride = int(state.select("Output stride of the feature map", "at_stride", STRIDES, "4",
                          container=c3, help="the image is averaged over stride x stride blocks",
                          advanced=True))
level = state.slider("Response level", "at_level", 0.02, 0.5, 0.1, step=0.01, container=c4,
                     advanced=True,
                     help="|response| at which a branch counts as seeing a change")
rates = RATE_SETS[rates_name]
aspp_result = None
with panels.user_errors():
    aspp_result = aspp_run(picked.key, picked.image, rates, kernel, stride, level,
                           present.is_on())
if aspp_result is not None:
    trace = aspp_result["trace"]
    panels.show_warnings(trace)
    a, b = st.columns(2)
    a.image(aspp_result["overlay"], output_format="PNG", width="stretch",
            caption="Colour = the smallest rate whose branch sees a change there; uncoloured = "
                    "no rate reaches one (only image pooling gives context).")
    aspp_figs = aspp_figures(picked.key, picked.image, rates, stride, tuple(trace.share),
                             float(np.mean(trace.reach == 0)))
    b.plotly_chart(aspp_figs["pattern"], key="at_pattern_fig")
    b.plotly_chart(aspp_figs["bars"], key="at_bars_fig")

    def render_branch(i: int, step) -> None:
        if i < len(rates):
            st.image(aspp_result["branches"][i], output_format="PNG", width=360,
                     caption=f"|response| of the rate-{rates[i]} branch on the "
                             f"{trace.features.shape[1]} x {trace.features.shape[0]} feature map")
        elif step.name == A.IMAGE_POOLING:
            st.metric("Image pooling (global mean)", f"{float(step.data.flat[0]):.3f}")
        else:
            st.image(aspp_result["reach"], output_format="PNG", width=360,
                     caption="first rate to respond, on the feature map")

    player.step_player(trace.steps, key="at_branch", render=render_branch, label="Branch")
    st.caption(f"ASPP wall time: {aspp_result['wall_ms']:.0f} ms")


# ----------------------------------------------------------------- 4. dense CRF
st.subheader("4. Refine a coarse prediction with a dense CRF")
scene = picked.scene
if scene is None:
    st.info("The CRF demo simulates a coarse network from the ground truth: pick a synthetic "
            "scene in the sidebar to see it and its metrics.")
    crf_result = None
else:
    st.caption("A simulated network predicts on a grid coarser by its output stride (blurry "
               "boundaries) with noisy scores. Mean-field iterations of a Potts CRF with a spatial "
               "and a bilateral Gaussian kernel pull the labels together and onto image edges.")
    d1, d2, d3, d4, d5 = st.columns(5)
    factor = int(state.select("Network output stride", "at_crf_stride", COARSE_FACTORS, "8",
                              container=d1))
    noise = state.slider("Score noise", "at_crf_noise", 0.0, 3.0, 1.5, step=0.1, container=d2)
    iterations = state.slider("Mean-field iterations", "at_crf_iters", 0, 10, 5, container=d3)
    w_spatial = state.slider("Spatial weight", "at_crf_wsp", 0.0, 10.0, 3.0, step=0.5,
                             container=d4, advanced=True)
    w_bilateral = state.slider("Bilateral weight", "at_crf_wbil", 0.0, 10.0, 5.0, step=0.5,
                               container=d5, advanced=True)
    crf_result = None
    with panels.user_errors():
        crf_result = crf_run(picked.key, picked.image, scene, factor, noise, iterations,
                             w_spatial, w_bilateral, present.is_on())
if crf_result is not None:
    ctrace = crf_result["trace"]
    names = scene.class_names
    curve = crf_curve(tuple(s.metrics["miou"] for s in ctrace.steps))
    panels.show_warnings(ctrace)

    def render_iteration(i: int, step) -> None:
        a, b = st.columns(2)
        a.image(crf_result["views"][i], output_format="PNG", width="stretch",
                caption=f"{step.name} ({', '.join(names[1:])} coloured, {names[0]} clear"
                        f"{'; VOID not scored' if crf_result['void_ignored'] else ''}): "
                        f"mIoU {step.metrics['miou']:.3f}, "
                        f"{100 * step.metrics['changed']:.1f}% of pixels changed")
        b.plotly_chart(curve, key=f"at_curve_{i}")

    player.step_player(ctrace.steps, key="at_crf_step", render=render_iteration,
                       label="Iteration")
    before, after = crf_result["before"]["miou"], crf_result["after"]["miou"]
    st.metric("mIoU: network -> CRF", f"{after:.3f}", delta=f"{after - before:+.3f}")
    if after < before:
        st.warning("Here the CRF made the result worse: the Potts term charges every label change, "
                   "so thin structures (a crack, a pole) are cheaper to erase than to keep. "
                   "Try spatial and bilateral weights of 1, or a finer network output stride (4).")
    panels.metrics_panel(crf_result["after"], crf_result["wall_ms"])
if crf_result is not None:  # export what the metrics score, else the ASPP map
    export.export_panel(picked, crf_result["labels"],
                        snippets.atrous(picked, crf=crf_result["args"]), crf_result["args"],
                        crf_result["after"])
elif aspp_result is not None:
    aspp_args = {"rates": rates, "kernel": kernel, "output_stride": stride, "level": level}
    export.export_panel(picked, aspp_result["trace"].labels,
                        snippets.atrous(picked, aspp=aspp_args), aspp_args, None,
                        aspp_result["overlay"])


# ----------------------------------------------------------------- try this
panels.try_this(presets.PRESETS["atrous-convolution"])


# ----------------------------------------------------------------- formulas (live, shown on top)
def _formulas() -> list[panels.Formula]:
    jumps = np.cumprod([1] + [lay.stride for lay in layers])[:-1]
    terms = " + ".join(f"({lay.kernel}-1)\\cdot{lay.dilation}\\cdot{j}"
                       for lay, j in zip(layers, jumps))
    reach = ",\\ ".join(f"{2 * r + 1}" for r in rates)
    rf_note = ("the receptive-field recurrence of stacked (dilated, strided) convolutions "
               "(e.g. Araujo et al., Distill 2019); the decks show receptive fields only as "
               "pictures and say dilation enlarges them without extra weights")
    latex = [
        panels.lecture(r"y[i] = \sum_{k=0}^{K-1} x[i + r\,k]\; w[k]",
                       "short", "Atrous (Dilated) Convolution"),
        panels.lecture(
            rf"r = {rate}:\quad y[i] = x[i]\,w[0] + x[i + {rate}]\,w[1] + x[i + {2 * rate}]\,w[2]"
            rf"\quad\text{{(reach }} {2 * rate + 1}\text{{ pixels, 3 weights)}}",
            "short", "Atrous (Dilated) Convolution"),
        panels.beyond(r"RF = 1 + \sum_{l} (k_l - 1)\, r_l \prod_{j<l} s_j", rf_note),
        panels.beyond(rf"RF_{{\text{{{stack}}}}} = 1 + {terms} = {A.receptive_field_size(layers)}",
                      "the receptive-field recurrence above, filled with the chosen stack"),
        panels.lecture(
            rf"\text{{ASPP}}: r \in \{{{', '.join(map(str, rates))}\}} \Rightarrow "
            rf"\text{{reach }} {reach} \text{{ positions}} \times {stride}"
            rf"\text{{ px (output stride)}}",
            "seminar", "Atrous Spatial Pyramid Pooling (ASPP)"),
        panels.lecture(
            r"q_i(l) \propto \exp\Big[-\psi_u(l) - \sum_{l'} \mu(l,l') \sum_m w_m \sum_j "
            r"k_m(\mathbf{f}_i, \mathbf{f}_j)\, q_j(l')\Big]",
            "panoptic", "Mean field inference for Dense-CRF"),
    ]
    if crf_result is not None:
        p = crf_result["trace"].params
        latex.append(panels.beyond(
            rf"w_{{\text{{spatial}}}} = {p['w_spatial']:g}\ "
            rf"(\sigma = {p['sigma_spatial']:g}"
            rf"\text{{ px}}),\quad w_{{\text{{bilateral}}}} = {p['w_bilateral']:g}\ "
            rf"(\sigma_{{xy}} = {p['sigma_xy']:g}\text{{ px}}, \sigma_I = "
            rf"{p['sigma_intensity']:g}),\quad {p['iterations']}\text{{ iterations}}",
            "the two Gaussian kernels k_m of Krähenbühl & Koltun's dense CRF (as in DeepLab): "
            "spatial (position) and bilateral (position and intensity), each feature divided "
            "by its sigma; the panoptic deck's 'Gaussian edge potentials' leaves f open "
            "('color, position')"))
    return latex


with formula_slot:
    panels.formula_panel(_formulas(), caption=(
        "The atrous formula at the chosen rate, the receptive field of the chosen stack with its "
        "numbers (k kernel, r rate, s stride), the ASPP branches' reach, and the dense-CRF "
        "mean-field update with this run's weights."))


# ----------------------------------------------------------------- challenge
challenge.challenge_panel("atrous-convolution")
