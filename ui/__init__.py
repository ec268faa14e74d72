"""Shared Streamlit helpers for SegLab pages (no algorithms live here).

Modules
-------
catalog   the page list: titles, URL paths, groups, what each page teaches
state     widgets mirrored in the URL query string (validated, never paths)
picker    the shared image picker (samples, synthetic scenes, upload)
player    the step player over a Trace's steps
overlay   label maps and masks drawn over images, colour-blind-safe palette
figures   small plotly.graph_objects builders
panels    page header, formula panel, metrics panel, try-this, error guard
process   once per server process: eager imports, bounded thread pools, gc.freeze;
          app.py and every page import it before any other project module
"""
