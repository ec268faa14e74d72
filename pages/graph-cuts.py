"""Graph cuts: affinities, min cut and its small-component bias, HCS, normalized cut, max-flow."""

from __future__ import annotations

import streamlit as st

import ui.process  # noqa: F401 - first project import: warms the process up once
from ui import challenge, panels, picker, presets, state
from ui.graph_cuts import cuts, hcs, maxflow, rncut

# The lecture's own material first (affinities, min cut vs Ncut, HCS); the page opens on it.
VIEWS = {
    "cuts": "Affinities: min cut vs Ncut",
    "hcs": "HCS (highly connected subgraphs)",
    "rncut": "Recursive Ncut on superpixels (beyond the lecture)",
    "maxflow": "Max-flow with seeds (the lecture names it)",
}

panels.page_header(
    "Graph cuts",
    "Treat the image as a graph: every pixel is a node and every edge carries an **affinity**, "
    "how much two pixels look alike. A **cut** removes edges and splits the nodes in two, so a "
    "cut *is* a segmentation. The cheapest cut tends to chop off a lonely pixel; the "
    "**normalized cut** divides by each side's total connection and prefers balanced pieces; "
    "with a few **seeds** clicked on the object and the background, max-flow finds the "
    "best cut between them exactly.")
formula_box = st.container()
picked = picker.image_picker(default="scene:shapes")


# ----------------------------------------------------------------- controls
view = state.select("What to explore", "view", list(VIEWS), "cuts", format_func=VIEWS.get,
                    radio=True)
VIEW_MODULES = {"cuts": cuts, "hcs": hcs, "rncut": rncut, "maxflow": maxflow}
VIEW_MODULES[view].view(picked, formula_box)


# ----------------------------------------------------------------- try this
panels.try_this(presets.PRESETS["graph-cuts"])


# ----------------------------------------------------------------- challenge
challenge.challenge_panel("graph-cuts")
