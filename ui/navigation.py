"""The app's own navigation, right on the very first request of a fresh process.

Why this exists
---------------
Streamlit (1.67) decides, for the whole process, that an app with a ``pages/``
folder beside its main script is a legacy "pages folder" app, and keeps
thinking so until some script run calls ``st.navigation``. So the first
visitor of a freshly started server does not run ``app.py`` at all: Streamlit
runs ``pages/<url-path>.py`` directly, with a raw listing of the folder as the
sidebar, or answers "Page not found" when no file name equals the URL path.

SegLab keeps the ``pages/`` layout and makes that first run harmless:

* every page file is named exactly like its URL path (``pages/graph-cuts.py``
  for ``/graph-cuts``), so the legacy lookup always finds the page and never
  says "Page not found" (a test checks the names);
* the first thing every page does (:func:`ui.panels.page_header`) and the
  first thing ``app.py`` does is :func:`hand_over`: when it finds the process
  still in legacy mode, it switches the mode off and reruns. The rerun keeps
  the page (page hashes are derived from the URL path) and its query string,
  and this time ``app.py`` runs with the grouped navigation.

After that first run the check is one attribute read.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from ui import catalog

__all__ = ["hand_over", "run_app"]


def hand_over() -> None:
    """Rerun through ``app.py`` if Streamlit runs this script as a legacy pages/-folder page."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def run_app() -> None:
    """Build the grouped navigation from :mod:`ui.catalog` and run the requested page."""
    home = st.Page("pages/home.py", title="Home", icon=":material/home:", default=True)
    sections = {"SegLab": [home]}
    for group in catalog.GROUPS:
        sections[group] = [st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path)
                           for p in catalog.PAGES if p.group == group]
    if catalog.TOOLS:
        sections[catalog.TOOLS_GROUP] = [st.Page(p.file, title=p.title, icon=p.icon,
                                                 url_path=p.url_path) for p in catalog.TOOLS]
    st.navigation(sections, expanded=True).run()
