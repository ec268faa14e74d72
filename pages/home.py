"""Home: what SegLab is and how the lecture outline maps to the pages."""

import streamlit as st

import ui.process  # noqa: F401 - first project import: warms the process up once
from ui import catalog, challenge, panels, picker

panels.page_header(
    "SegLab: image segmentation, step by step",
    "Each page runs one segmentation method from the lecture on an image you choose and shows "
    "**every intermediate step**: the histogram and criterion behind a threshold, the ring a region "
    "grew at stage k, the k-means iteration, the cut in a graph. Metrics against ground truth "
    "update as you move the controls, and every setting is part of the page's URL, so a link "
    "reopens the exact demo.")
st.markdown(
    "Pick an image in the sidebar of any page: a bundled sample, a synthetic scene with exact "
    "ground truth, or your own upload. The choice follows you from page to page.")

picked = picker.image_picker()
if picked.scene is not None:
    st.caption(f"Current image: {picked.title}, a synthetic scene with exact ground truth "
               f"({', '.join(picked.scene.class_names)}).")
else:
    st.caption(f"Current image: {picked.title} (no ground truth: metrics need a synthetic scene).")

progress = {row["file"]: row for row in challenge.progress_rows()}
solved = sum(row["solved"] for row in progress.values())
st.caption(f"Challenges solved this session: {solved} of "
           f"{sum(row['total'] for row in progress.values())}. Each lecture page ends with a "
           "Challenge panel of exercises that SegLab checks.")

for group in catalog.GROUPS + ((catalog.TOOLS_GROUP,) if catalog.TOOLS else ()):
    st.subheader(group)
    for page in (p for p in catalog.PAGES + catalog.TOOLS if p.group == group):
        with st.container(border=True):
            st.page_link(page.file, label=page.title, icon=page.icon)
            st.caption(page.summary)
            st.markdown("Lecture: " + "; ".join(page.teaches) + ".")
            if page.file in progress:
                row = progress[page.file]
                tried = f", {row['tried']} tried" if row["tried"] else ""
                st.caption(f":material/task_alt: Challenge: {row['solved']} of {row['total']} "
                           f"solved{tried}")
