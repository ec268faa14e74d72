"""SegLab entry point: page config, navigation over the lecture pages.

Run with ``streamlit run app.py``. The pages live in ``pages/`` and are
served at the stable URL paths listed in :mod:`ui.catalog`.
"""

import streamlit as st
from threadpoolctl import threadpool_limits

from ui import catalog

# One shared server hosts a whole class: a BLAS/OpenMP call may use one core, so
# one student's eigensolver cannot starve everybody else's reruns.
threadpool_limits(limits=1)

st.set_page_config(page_title="SegLab", page_icon="assets/favicon.png", layout="wide")

home = st.Page("pages/home.py", title="Home", icon=":material/home:", default=True)
sections = {"SegLab": [home]}
for group in catalog.GROUPS:
    sections[group] = [
        st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path)
        for p in catalog.PAGES if p.group == group
    ]

st.navigation(sections, expanded=True).run()
