"""SegLab entry point: page config, navigation over the lecture pages.

Run with ``streamlit run app.py``. The pages live in ``pages/`` and are
served at the stable URL paths listed in :mod:`ui.catalog`; see
:mod:`ui.navigation` for how a fresh process answers a deep link.
"""

import streamlit as st

import ui.process  # first project import: warms the process up once
from segcore import threads
from ui import navigation, present

navigation.hand_over()

# One shared server hosts a whole class: a BLAS/OpenMP call may use one core, so
# one student's eigensolver cannot starve everybody else's reruns (OpenMP limits
# are per thread, and every script run has a thread of its own).
threads.limit_this_thread()

# Presentation mode (?present=1 or the sidebar toggle) starts with the sidebar collapsed.
st.set_page_config(page_title="SegLab", page_icon="assets/favicon.png", layout="wide",
                   initial_sidebar_state=present.sidebar_state())
with ui.process.run_slot():  # a few page runs at a time per process (ui/process.py)
    navigation.run_app()
