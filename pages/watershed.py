"""Watershed and active contours: flooding the gradient from markers, snakes, level sets."""

from __future__ import annotations

import streamlit as st

import ui.process  # noqa: F401 - first project import: warms the process up once
from ui import challenge, panels, picker, presets, state
from ui.watershed_contours import level_set_view, snake_view
from ui.watershed_flood import view as flood_view

# The main deck lists these next to each other under "Other Classical Segmentation Methods".
VIEWS = {
    "flood": "Watershed: flooding from markers",
    "snake": "Active contour (snake)",
    "levelset": "Level set (morphological Chan-Vese)",
}

panels.page_header(
    "Watershed and active contours",
    "Read the image's **gradient** as a landscape: edges are ridges, objects and background "
    "are valleys. Let water rise from a few **markers**; each marker fills its own **basin**, "
    "and where two basins would meet a **dam** is built: the dams are the borders. Without "
    "markers every dip of the noise becomes a basin. An **active contour** instead moves a "
    "curve to lower its energy (short, smooth, on the edges); a **level set** lets the "
    "region split and merge while inside and outside become as uniform as possible.")
formula_box = st.container()
picked = picker.image_picker(default="scene:shapes")

# ----------------------------------------------------------------- the chosen view
view = state.select("What to explore", "view", list(VIEWS), "flood", format_func=VIEWS.get,
                    radio=True)
{"flood": flood_view, "snake": snake_view, "levelset": level_set_view}[view](picked, formula_box)

# ----------------------------------------------------------------- try this
panels.try_this(presets.PRESETS["watershed"])

# ----------------------------------------------------------------- challenge
challenge.challenge_panel("watershed")
