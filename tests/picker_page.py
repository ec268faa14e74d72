"""A minimal page for testing the shared picker in isolation (AppTest only)."""

import streamlit as st

from ui import picker

picked = picker.image_picker()
st.title(picked.title)
st.write(picked.key)
