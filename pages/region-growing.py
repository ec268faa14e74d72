"""Region growing: seeds grow ring by ring while the homogeneity test holds; then merging."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

import ui.process  # noqa: F401 - first project import: warms the process up once
from segcore.evaluation.scoring import score_against_scene
from segcore.classical.region_growing import CRITERIA, brightest_seed, grow_with_rule
from ui import challenge
from ui import clicks, export, panels, picker, player, present, presets, snippets, state
from ui import region_figs as figs
from ui import region_position as position
from ui.caching import CACHE
from ui.overlay import overlay

SEEDS_KEY = "seeds"  # query-string name of the clicked seeds: seeds=r1.c1;r2.c2
MAX_CLICKED_SEEDS = 20
MAX_DRAWN_SEEDS = 200
RULES = {"click": "Clicked points", "threshold": "Random among bright pixels (weld crack)",
         "max": "All pixels at maximum intensity (lightning)"}
CRITERION_NAMES = {"mean": "Running mean |I - M(i)| <= T",
                   "adaptive": "Adaptive T(i) = (1 - sd/M) T",
                   "fixed": "Fixed interval around the seed value"}

panels.page_header(
    "Region growing",
    "Start from a few **seed** pixels and let each one grow: at every stage k the "
    "unlabelled pixels touching a region's border join it if they pass a homogeneity test "
    "against the region's statistics. Growth stops when no neighbour passes. The method is "
    "fast and local, so noise lets regions leak and slow intensity ramps (the *gradient "
    "problem*) carry them across object borders.")
formula_slot = st.container()
picked = picker.image_picker(default="scene:crack")
gray = picked.gray
height, width = gray.shape


# ----------------------------------------------------------------- clicked seeds
def _default_seed() -> list[tuple[int, int]]:
    return brightest_seed(gray)


def _clicked_seeds() -> tuple[list[tuple[int, int]], bool]:
    """The clicked seeds and whether they are the default one.

    They live in the page's ``seeds`` state (:func:`ui.state.widget_key`) as the same text the URL holds
    (so a Try-this preset can set them), first read from the URL; an invalid
    text gives a warning and the default seed (the brightest pixel).
    """
    if state.widget_key(SEEDS_KEY) not in st.session_state:
        st.session_state[state.widget_key(SEEDS_KEY)] = state.get_query(SEEDS_KEY)
    raw = st.session_state[state.widget_key(SEEDS_KEY)]
    if raw is None:
        return _default_seed(), True
    try:
        return clicks.parse_points(raw, (height, width), MAX_CLICKED_SEEDS), False
    except ValueError:
        st.warning(f"The setting `{SEEDS_KEY}={str(raw)[:40]}` is not valid (up to "
                   f"{MAX_CLICKED_SEEDS} points row.col;row.col inside this {height} x {width} "
                   "image); using the default seed instead.")
        st.session_state[state.widget_key(SEEDS_KEY)] = None
        return _default_seed(), True


def _take_click() -> None:
    """Turn the latest click on the image (display pixels) into a seed (image pixels)."""
    point = clicks.new_click("rg_click", (height, width))
    if point is None:
        return
    try:
        seeds = clicks.parse_points(st.session_state.get(state.widget_key(SEEDS_KEY)) or "",
                                    (height, width), MAX_CLICKED_SEEDS)
    except ValueError:
        seeds = []
    if point not in seeds:
        seeds = (seeds + [point])[-MAX_CLICKED_SEEDS:]
    st.session_state[state.widget_key(SEEDS_KEY)] = clicks.format_points(seeds)
    st.session_state[state.widget_key("rule")] = "click"  # a click: grow from the clicked points


def _set_seeds(seeds) -> None:
    st.session_state[state.widget_key(SEEDS_KEY)] = clicks.format_points(seeds)


# ----------------------------------------------------------------- controls
_take_click()
box = st.container(border=True)
c1, c2, c3 = box.columns(3)
rule = state.select("Seeds", "rule", list(RULES), "click", format_func=RULES.get, container=c1)
seed_threshold = state.slider("Seed threshold (bright pixels)", "seedt", 0, 255, 240, container=c1,
                              help="Random seeds are drawn among pixels at or above this level.")
n_seeds = state.slider("Number of random seeds", "nseeds", 1, 50, 10, container=c1)
rseed = state.slider("Random seed", "rseed", 0, 99, 0, container=c1, advanced=True)
criterion = state.select("Homogeneity test", "crit", list(CRITERIA), "adaptive",
                         format_func=CRITERION_NAMES.get, container=c2)
tolerance = state.slider("T (intensity tolerance)", "T", 0, 128, 80, container=c2)
position_weight = state.slider(
    "lambda (position weight, 0 = off)", "lam", 0.0, 4.0, 0.0, step=0.05, container=c2,
    help="Location in the homogeneity test: a pixel joins when sqrt((I - M)^2 + lambda^2 d^2) "
         "<= T(i), d its distance to the region's centroid (the seeds' for the fixed rule), "
         "so no pixel farther than T(i) / lambda joins.")
connectivity = int(state.select("Connectivity", "conn", ["4", "8"], "8", radio=True,
                                container=c2, advanced=True))
max_pct = state.slider("Max region size (% of image)", "maxsize", 1, 100, 100, container=c3,
                       advanced=True,
                       help="A region stops when it reaches this size; 100 = no limit.")
do_merge = state.checkbox("Merge similar adjacent regions", "merge", True, container=c3)
k_sd = state.slider("k in |M1 - M2| < k sd", "k", 0.0, 5.0, 1.0, step=0.1, container=c3)
clicked, is_default = _clicked_seeds()
if rule == "click":
    b1, b2, b3 = box.columns([1, 1, 4], vertical_alignment="center")
    b1.button("Undo last seed", on_click=_set_seeds, args=(clicked[:-1],), disabled=not clicked)
    b2.button("Clear seeds", on_click=_set_seeds, args=([],), disabled=not clicked)
    b3.caption("Click the image to add a seed."
               + (" (Default: one seed on the brightest pixel.)" if is_default else ""))
    if not is_default:
        state.set_query(SEEDS_KEY, clicks.format_points(clicked))


# ----------------------------------------------------------------- computation (cached)
@st.cache_data(**CACHE)
def grow(key: str, image: np.ndarray, rule: str, clicked: tuple, seed_threshold: int,
         n_seeds: int, rseed: int, criterion: str, tolerance: int, connectivity: int,
         max_size: int | None, position_weight: float, do_merge: bool, k_sd: float,
         bold: bool = False, _scene=None) -> dict:
    """Seeds -> region growing -> merging, the result pictures and the metrics."""
    start = time.perf_counter()
    seeds, trace, merged = grow_with_rule(
        image, rule, clicked, seed_threshold=seed_threshold, n_seeds=n_seeds, random_state=rseed,
        criterion=criterion, threshold=tolerance, connectivity=connectivity, max_size=max_size,
        position_weight=position_weight, merge_k=k_sd if do_merge else None)
    wall_ms = (time.perf_counter() - start) * 1000
    final = trace.labels if merged is None else merged.labels
    report = None
    if _scene is not None:
        report = score_against_scene(final, _scene, match_clusters=True)
    drawn = seeds[:: max(1, len(seeds) // MAX_DRAWN_SEEDS)]
    result = figs.mark_points(overlay(image, final, alpha=0.45, bold=bold), drawn)
    if position_weight > 0 and trace.n_regions:  # the bound T(i) / lambda of each tracked region
        result = position.draw_circles(result, *position.reference_points(
            trace.history, criterion, tolerance, position_weight))
    return {"trace": trace, "merged": merged, "wall_ms": wall_ms, "report": report,
            "seeds": seeds, "drawn": drawn, "result_rgb": result}


@st.cache_data(**CACHE)
def stage_picture(key: str, image: np.ndarray, labels: np.ndarray, stage: np.ndarray, k: int):
    return figs.stage_rgb(image, labels, stage, k)


@st.cache_data(**CACHE)
def growth_plot(key: str, params: tuple, history: dict, criterion: str):
    return figs.growth_figure(history, criterion)


@st.cache_data(**CACHE)
def rag_plots(key: str, params: tuple, image: np.ndarray, before_labels: np.ndarray,
              after_labels: np.ndarray, _merged):
    before = figs.rag_figure(overlay(image, before_labels, alpha=0.45), _merged.rag_before,
                             f"Before: {_merged.n_before} regions")
    after = figs.rag_figure(overlay(image, after_labels, alpha=0.45), _merged.rag_after,
                            f"After: {_merged.n_after} regions")
    return before, after


params = (rule, tuple(clicked), seed_threshold, n_seeds, rseed, criterion, tolerance,
          connectivity, None if max_pct == 100 else max(1, gray.size * max_pct // 100),
          position_weight, do_merge, k_sd)
run = None
with panels.user_errors():
    run = grow(picked.key, gray, *params, bold=present.is_on(), _scene=picked.scene)
if run is None:
    st.stop()
trace, merged = run["trace"], run["merged"]
panels.show_warnings(trace)
history = trace.history

# ----------------------------------------------------------------- formulas (live numbers)
# The main deck's region-growing slide 18 ("Homogeneity test") states the running-mean test,
# the adaptive T(i) and the merge test. Comparing with the seed's value is not on it.
HOMOGENEITY = "Homogeneity test"
ADAPTIVE_T = "Homogeneity test: threshold T(i)"
MERGE = "Homogeneity test: merging of two regions R1, R2"
SEED_TEST = ("the homogeneity test with the seed's gray level in place of the region mean, the "
             "predicate of Gonzalez & Woods' weld-crack example (in the deck only as figures)")

with formula_slot:
    if trace.n_regions:
        m, sd, t_i = (history[name][-1, 0] for name in ("mean", "sd", "threshold"))
        ratio = sd / m if m > 0 else 0.0
        stages = rf"\ \text{{after {trace.total_steps - 1} stages}}"
        tests = {
            "mean": panels.lecture(
                rf"|I(r,c) - M(1)| \le T = {tolerance}:\quad M(1) = {m:.1f}{stages}",
                "main", HOMOGENEITY),
            "adaptive": panels.lecture(
                rf"|I(r,c) - M(1)| \le T(1):\quad M(1) = {m:.1f},\ sd(1) = {sd:.1f}" + stages,
                "main", HOMOGENEITY),
            "fixed": panels.beyond(
                rf"|I(r,c) - I(\text{{seed}})| \le T = {tolerance}:\quad I(\text{{seed}}) = "
                rf"{history['mean'][0, 0]:.1f}\ \text{{(region 1)}}", SEED_TEST),
        }
        lines = [
            tests[criterion],
            panels.lecture(
                rf"T(1) = \left(1 - \frac{{sd(1)}}{{M(1)}}\right) T = (1 - {ratio:.3f}) \times "
                rf"{tolerance} = {max(0.0, 1 - ratio) * tolerance:.1f}"
                + (r"\quad\text{(used)}" if criterion == "adaptive" else
                   r"\quad\text{(the adaptive rule; not used in this run)}"),
                "main", ADAPTIVE_T),
        ]
        if position_weight > 0:
            lines.append(position.position_line(history, criterion, tolerance, position_weight))
        if merged is not None and len(merged.rag_before["edges"]):
            rag = merged.rag_before
            best = int(np.argmin(rag["similarity"]))
            a, b = rag["edges"][best]
            limit = k_sd * min(rag["node_sd"][a], rag["node_sd"][b])
            verdict = "merge" if rag["mergeable"][best] else "keep apart"
            lines.append(panels.lecture(
                rf"|M_{{{a + 1}}} - M_{{{b + 1}}}| = {rag['similarity'][best]:.1f}"
                rf"\ \text{{vs}}\ k \min(sd_{{{a + 1}}}, sd_{{{b + 1}}}) = {k_sd:g} \times "
                rf"{min(rag['node_sd'][a], rag['node_sd'][b]):.1f} = {limit:.1f}"
                rf"\ \Rightarrow\ \text{{{verdict}}}", "main", MERGE))
        panels.formula_panel(lines, caption="Region 1's statistics at the last stage"
                             + ("; the merge line shows the most similar pair of adjacent "
                                "regions." if merged is not None and len(merged.rag_before["edges"])
                                else ".")
                             + (" Position term on: yellow circles on the result mark T(i) / "
                                "lambda around each region's reference point."
                                if position_weight > 0 else ""))
    else:
        panels.formula_panel([panels.lecture(r"|I(r,c) - M(i)| \le T(i),\qquad T(i) = "
                                             r"\left(1 - \frac{sd(i)}{M(i)}\right) T",
                                             "main", HOMOGENEITY)],
                             caption="No seeds yet: the numbers appear once a region grows.")

# ----------------------------------------------------------------- result + step player
left, right = st.columns(2)
with left:
    st.markdown("**Result** (click to add a seed)")
    streamlit_image_coordinates(run["result_rgb"], key="rg_click", width="stretch",
                                cursor="crosshair")
    st.caption(f"{trace.n_regions} seed region(s) from {len(run['seeds'])} seed pixel(s); "
               f"grown: {int((trace.labels > 0).sum())} px "
               f"({100 * float((trace.labels > 0).mean()):.1f} % of the image), "
               f"{trace.total_steps - 1} stages; stopped: {trace.stop_reason}."
               + (f" Position term lambda = {position_weight:g}: yellow circles of radius "
                  "T(i) / lambda." if position_weight > 0 else "")
               + (f" After merging: {merged.n_after} region(s)." if merged is not None else ""))


def render_stage(i, step) -> None:
    k = step.index
    st.image(stage_picture(picked.key, gray, trace.labels, trace.stage, k), width="stretch",
             caption=f"Stage {k}: regions so far, the ring added at stage {k} in vermillion")
    st.caption(f"Region 1 after stage {k}: size {history['size'][k, 0]:.0f} px, "
               f"M(1) = {history['mean'][k, 0]:.1f}, sd(1) = {history['sd'][k, 0]:.1f}, "
               f"next T(1) = {history['threshold'][k, 0]:.1f}")


with right:
    st.markdown("**Growth, stage by stage**")
    if trace.n_regions:
        player.step_player(trace.steps, key="stage", render=render_stage, label="Stage")
        if trace.truncated:
            st.caption(f"{len(trace.steps)} of {trace.total_steps} stages are kept for replay.")

# ----------------------------------------------------------------- teaching plot
st.subheader("Region statistics per stage")
if trace.n_regions:
    st.plotly_chart(growth_plot(picked.key, params, history, criterion), width="stretch")
    st.caption("Solid: region means M(i); dotted: sd(i) (right axis). The shaded band is "
               "M(1) +- T(1): the intensities the next ring of region 1 may have. "
               "On a ramp the mean drifts with the region and the band follows it."
               + (" With the position term it is the band at the centroid itself; at distance "
                  "d it narrows to M(1) +- sqrt(T(1)^2 - lambda^2 d^2)."
                  if position_weight > 0 else ""))

# ----------------------------------------------------------------- merging
if merged is not None:
    st.subheader("Region merging: |M1 - M2| < k sd")
    before, after = rag_plots(picked.key, params, gray, trace.labels, merged.labels, merged)
    c_before, c_after = st.columns(2)
    c_before.plotly_chart(before, width="stretch")
    c_after.plotly_chart(after, width="stretch")
    pairs = merged.merged
    st.caption("Merged pairs (kept + absorbed, in merge order): "
               + (", ".join(f"{a} + {b}" for a, b in pairs[:40]) if len(pairs) else "none")
               + (" ..." if len(pairs) > 40 else "")
               + ". Edges: green = similar means, red = different; dotted = the test fails.")

# ----------------------------------------------------------------- metrics + try this
panels.metrics_panel(run["report"], run["wall_ms"])
if run["report"] is not None:
    st.caption("Regions are matched to ground-truth classes (Hungarian matching; ungrown "
               "pixels count as one more cluster).")
grow_args = dict(zip(("criterion", "threshold", "connectivity", "max_size", "position_weight"),
                     params[5:10]))
export.export_panel(picked, trace.labels if merged is None else merged.labels,
                    snippets.region_growing(picked, *params[:5], grow_args, *params[10:]),
                    dict(zip(("rule", "seeds", "seedt", "nseeds", "rseed"), params[:5]),
                         **grow_args, merge=do_merge, k=k_sd), run["report"], run["result_rgb"])
panels.try_this(presets.PRESETS["region-growing"])


# ----------------------------------------------------------------- challenge
challenge.challenge_panel("region-growing")
