"""Compare methods: every classical method on one scene with ground truth, ranked."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

import ui.process  # noqa: F401 - first project import: warms the process up once
from ui import catalog, compare, panels, picker

GRID_COLUMNS = 6
ROW_PX = 35  # st.dataframe's row height: the whole ranking fits without scrolling
REFRESH_S = 0.25  # while methods run, the table is redrawn at most this often

COLUMNS = {
    **{name: st.column_config.NumberColumn(name, format="%.3f")
       for name in ("Pixel accuracy", "mIoU", "Dice", "Boundary F")},
    "Time (ms)": st.column_config.NumberColumn(
        "Time (ms)", format="%.0f", help="The segcore call on this server (cached after)"),
    "Open": st.column_config.LinkColumn("Open", display_text="open page",
                                        help="The method's page with these settings and image"),
}

panels.page_header(
    "Compare methods",
    "Every classical method of SegLab on the same image, each at its page's default settings, "
    "scored against the scene's ground truth exactly as its own page scores it. Click a column "
    "header to sort; **Open** takes you to the method's page with these settings and this "
    "image, where the same numbers appear.")
picked = picker.image_picker(default="scene:shapes")
if picked.scene is None:
    st.warning("This image has no ground truth, so the methods cannot be scored: pick a "
               "synthetic scene (\"Scene: ...\") in the sidebar. Uploads with a ground-truth "
               "label image are not offered here.")
    st.stop()
image_query = {"src": st.session_state["src"], "seed": str(st.session_state["seed"]),
               "noise": f"{st.session_state['noise']:g}"}

methods = compare.with_link_settings(
    compare.chosen_methods(st.expander("Methods to compare (all by default)")),
    st.query_params.to_dict())
if not methods:
    st.info("Choose at least one method.")
    st.stop()
progress = st.progress(0.0, text="Running the methods ...")
table = st.empty()
st.subheader("Results")
gallery = st.container()
rows, skipped = [], []
shown_at = time.perf_counter()
for i, method in enumerate(methods):
    progress.progress(i / len(methods), text=f"Running {method.name} ...")
    try:
        result = compare.run_method(picked.key, method, picked)
    except ValueError as err:
        skipped.append(f"{method.name}: {err}")
        continue
    report = result.report
    rows.append({
        "Method": method.name, "Page": catalog.by_path(method.page).title,
        "Pixel accuracy": report["pixel_accuracy"], "mIoU": report["miou"],
        "Dice": report.get("dice", float("nan")), "Boundary F": result.boundary["f_score"],
        "Time (ms)": result.wall_ms,
        "Open": compare.link(method.page, image_query, result.query)})
    if (len(rows) - 1) % GRID_COLUMNS == 0:  # a new row of the overlay grid
        grid = gallery.columns(GRID_COLUMNS)
    grid[(len(rows) - 1) % GRID_COLUMNS].image(
        result.picture, width="stretch",
        caption=f"{method.name}: mIoU {report['miou']:.3f}")
    if time.perf_counter() - shown_at > REFRESH_S:  # a slow (uncached) run: show progress
        table.dataframe(pd.DataFrame(rows), hide_index=True)
        shown_at = time.perf_counter()
progress.empty()
for line in skipped:
    st.caption(f"Skipped {line}.")
if not rows:
    st.stop()

frame = pd.DataFrame(rows).sort_values("mIoU", ascending=False, kind="stable")
frame.insert(0, "Rank", range(1, len(frame) + 1))
table.dataframe(frame, hide_index=True, width="stretch", height=ROW_PX * (len(frame) + 1) + 3,
                column_config=COLUMNS)
st.caption(
    f"Ranked by mIoU (click a header to sort by another column). Pixel accuracy, mIoU and Dice "
    f"come from the one scoring function with the arguments each page uses: thresholds and "
    f"cuts are object-vs-background masks, clusters and regions are matched to the classes "
    f"first (Hungarian). **Boundary F** compares borders instead of areas: the share of "
    f"predicted border pixels within {compare.BOUNDARY_TOLERANCE} px of a true border "
    f"(precision P) and of true border pixels within {compare.BOUNDARY_TOLERANCE} px of a "
    f"predicted one (recall R), F = 2PR / (P + R), as in the BSDS and DAVIS benchmarks.")
