"""Watershed page, views "snake" (active contour) and "levelset" (morphological Chan-Vese)."""

from __future__ import annotations

import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from segcore.classical import active_contours as AC
from ui import clicks, export, panels, player, present, snippets, state
from ui import watershed_cached as cached

__all__ = ["snake_view", "level_set_view"]

CENTER_KEY = "c"  # query-string name of the clicked centre of the starting circle: c=row.col
CLICK_KEY = "ac_click"
OTHERS = "Other Classical Segmentation Methods"  # the main deck's slide naming both methods
SNAKE_NOTE = "the snake energy of Kass, Witkin & Terzopoulos (1988), as scikit-image discretises it"
STEP_NOTE = "the semi-implicit snake step of scikit-image's active_contour"
CHAN_VESE_NOTE = "the Chan-Vese fitting energy (2001), minimised by morphological operators"



def _replay(column, title: str, key: str, steps, picture, plot) -> None:
    """The iteration player in ``column``: each step's picture (``picture(i)``) above its
    energy plot (``plot(step)``), both cached by the caller."""
    def render(i, step) -> None:
        st.image(picture(i), width="stretch")
        st.plotly_chart(plot(step), width="stretch")

    with column:
        st.markdown(title)
        player.step_player(steps, key=key, render=render, label="Iteration")

def _circle(gray, box) -> tuple[tuple[int, int], float]:
    """Centre (clicked, default: the brightest smoothed pixel) and radius of the start."""
    height, width = gray.shape
    found = cached.points(CENTER_KEY, gray.shape, 1)
    pct = state.slider("Start circle radius (% of the short side)", "radius", 2, 50, 10,
                       container=box)
    if found:
        state.set_query(CENTER_KEY, clicks.format_points(found))
    center = found[0] if found else AC.brightest_point(gray)
    return center, float(max(2, round(pct / 100 * min(height, width))))


def _result(picture, caption: str) -> None:
    st.markdown("**Result** (click to move the start circle's centre)")
    streamlit_image_coordinates(picture, key=CLICK_KEY, width="stretch", cursor="crosshair",
                                png_compression_level=1)
    st.caption(caption)


def _snake_formulas(trace, params) -> list:
    e = {k: v[-1] for k, v in trace.energy.items()}
    a, b, g = params["alpha"], params["beta"], params["gamma"]
    return [
        panels.lecture(rf"\text{{Active contour = segmentation as energy minimisation: }} "
                       rf"\min_v E(v),\quad E = {e['total']:.3f}", "main", OTHERS),
        panels.beyond(rf"E = \tfrac{{\alpha}}{{2}}\sum_i |v_{{i+1}} - v_i|^2 + "
                      rf"\tfrac{{\beta}}{{2}}\sum_i |v_{{i+1}} - 2v_i + v_{{i-1}}|^2 - "
                      rf"\sum_i P(v_i) = {e['cont']:.3f} + {e['curv']:.3f} {e['ext']:+.3f}"
                      rf"\quad (\alpha = {a:g},\ \beta = {b:g})", SNAKE_NOTE),
        panels.beyond(rf"P = w_{{line}} I_\sigma + w_{{edge}} |\nabla I_\sigma| = "
                      rf"{params['w_line']:g}\, I_\sigma + {params['w_edge']:g}\, "
                      r"|\nabla I_\sigma|", SNAKE_NOTE),
        panels.beyond(rf"(A + \gamma I)\, v^{{t+1}} = \gamma v^t + \nabla P(v^t),\ "
                      rf"\gamma = {g:g}:\ {trace.n_iter} \text{{ iterations, }}"
                      + (r"\text{converged}" if trace.converged else r"\text{not converged}"),
                      STEP_NOTE)]


def snake_view(picked, formula_box) -> None:
    """A snake from a circle: its iterations, its energy terms, metrics and export."""
    gray = picked.gray
    cached.add_click(CLICK_KEY, CENTER_KEY, gray.shape, 1)
    box = st.container(border=True)
    c1, c2, c3 = box.columns(3)
    sigma = state.slider("Smoothing sigma", "snsigma", 0.0, 6.0, 3.0, step=0.5, container=c1)
    center, radius = _circle(gray, c1)
    n_points = state.slider("Snake points", "npts", 20, 400, 100, step=10, container=c1,
                            advanced=True)
    params = {
        "alpha": state.slider("alpha (elasticity)", "alpha", 0.0, 0.1, 0.015, step=0.005,
                              container=c2, format="%.3f"),
        "beta": state.slider("beta (rigidity)", "beta", 0.0, 20.0, 10.0, step=0.5, container=c2),
        "gamma": state.slider("gamma (1 / time step)", "gamma", 0.001, 0.1, 0.001, step=0.001,
                              container=c2, format="%.3f"),
        "w_edge": state.slider("w_edge (pull to edges)", "wedge", 0.0, 2.0, 1.0, step=0.1,
                               container=c3),
        "w_line": state.slider("w_line (pull to bright; < 0: to dark)", "wline", -1.0, 1.0, 0.0,
                               step=0.1, container=c3),
        "max_num_iter": state.slider("Max iterations", "iters", 10, 2500, 1000, step=10,
                                     container=c3, advanced=True)}
    args = (sigma, center, radius, n_points, params)
    shown = cached.shown(
        formula_box, lambda: cached.snake_run(picked.key, gray, *args, _scene=picked.scene),
        lambda trace: _snake_formulas(trace, params),
        "Energies after the last iteration (gray levels in [0, 1]). alpha keeps the snake "
        "short, beta smooth; the potential P pulls it to edges (w_edge) or brightness.")
    if shown is None:
        return
    run, left, right = shown
    trace, bold = run["trace"], present.is_on()
    with left:
        _result(cached.snake_picture(picked.key, gray, args, len(trace.steps) - 1, bold, False),
                f"Start (blue): circle of radius {radius:g} px at {center}; after "
                f"{trace.n_iter} iteration(s) the snake (vermillion) "
                + ("has converged." if trace.converged else "is still moving."))

    _replay(right, "**The snake, iteration by iteration**", "it", trace.steps,
            lambda i: cached.snake_picture(picked.key, gray, args, i, bold),
            lambda step: cached.energy_plot(picked.key, gray, args, step.index))
    panels.metrics_panel(run["report"], run["wall_ms"])
    if run["report"] is not None:
        st.caption(f"A snake outlines one object: the inside is scored against "
                   f"'{run['object']}', the ground-truth object it covers most; the other "
                   "objects are left out (VOID).")
    export.export_panel(picked, trace.mask, snippets.watershed(picked, "snake", {
        "sigma": sigma, "center": center, "radius": radius, "n_points": n_points, **params}),
        {"sigma": sigma, "center": center, "radius": radius, "n_points": n_points, **params},
        run["report"])


def _chan_vese_formulas(trace, params) -> list:
    h = trace.history
    c0, c1, energy = h["c0"][-1], h["c1"][-1], h["energy"][-1]
    return [
        panels.lecture(rf"\text{{Level set segmentation: }} \Omega = \{{u > 0\}},\ "
                       rf"|\Omega| = {int(trace.mask.sum())} \text{{ px}}", "main", OTHERS),
        panels.beyond(rf"F = \lambda_1 \sum_{{u=1}} (I - c_1)^2 + \lambda_2 \sum_{{u=0}} "
                      rf"(I - c_0)^2 = {energy:.2f}\quad (\lambda_1 = {params['lambda1']:g},\ "
                      rf"\lambda_2 = {params['lambda2']:g})", CHAN_VESE_NOTE),
        panels.beyond(rf"u \leftarrow 1 \text{{ where }} \lambda_1 (I - c_1)^2 < \lambda_2 "
                      rf"(I - c_0)^2 \text{{ on the border}};\ c_1 = {c1:.3f},\ c_0 = {c0:.3f}",
                      CHAN_VESE_NOTE)]


def level_set_view(picked, formula_box) -> None:
    """Morphological Chan-Vese iteration by iteration, its energy, metrics and export."""
    gray = picked.gray
    if cached.add_click(CLICK_KEY, CENTER_KEY, gray.shape, 1):
        st.session_state[state.widget_key("cvinit")] = "circle"  # a click: start from a circle
    box = st.container(border=True)
    c1, c2, c3 = box.columns(3)
    sigma = state.slider("Smoothing sigma", "cvsigma", 0.0, 4.0, 1.0, step=0.5, container=c1)
    init = state.select("Start", "cvinit", list(AC.INITS), "checkerboard", radio=True,
                        container=c1)
    center, radius = _circle(gray, c1) if init == "circle" else (None, None)
    params = {
        "num_iter": state.slider("Iterations", "cviters", 1, 100, 30, container=c2),
        "init": init, "center": center, "radius": radius,
        "smoothing": state.slider("Smoothing passes per iteration", "smooth", 0, 4, 1,
                                  container=c2),
        "lambda1": state.slider("lambda1 (inside fit)", "l1", 0.0, 4.0, 1.0, step=0.1,
                                container=c3),
        "lambda2": state.slider("lambda2 (outside fit)", "l2", 0.0, 4.0, 1.0, step=0.1,
                                container=c3)}
    shown = cached.shown(
        formula_box,
        lambda: cached.chan_vese_run(picked.key, gray, sigma, params, _scene=picked.scene),
        lambda trace: _chan_vese_formulas(trace, params),
        "c1, c0: mean gray level (in [0, 1]) inside and outside, as the last iteration used "
        "them. The smoothing passes act like curvature and keep the border smooth.")
    if shown is None:
        return
    run, left, right = shown
    trace, bold = run["trace"], present.is_on()
    with left:
        _result(cached.level_set_picture(picked.key, gray, sigma, params, len(trace.steps) - 1,
                                         bold, False),
                f"The region u = 1 after {params['num_iter']} iteration(s): "
                f"{int(trace.mask.sum())} px ({100 * trace.mask.mean():.1f} % of the image).")

    _replay(right, "**The level set, iteration by iteration**", "cvit", trace.steps,
            lambda i: cached.level_set_picture(picked.key, gray, sigma, params, i, bold),
            lambda step: cached.chan_vese_plot(picked.key, gray, sigma, params, step.index))
    panels.metrics_panel(run["report"], run["wall_ms"])
    if run["report"] is not None:
        st.caption("A level set can hold every object: the region is scored against all "
                   "objects (its side that matches the foreground best counts as object).")
    export.export_panel(picked, trace.mask, snippets.watershed(picked, "levelset", {
        "sigma": sigma, **params}), {"sigma": sigma, **params}, run["report"])


