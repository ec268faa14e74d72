"""A minimal page for testing presentation mode in isolation (AppTest only).

One essential and one advanced control, and a step player over five steps.
"""

import numpy as np
import streamlit as st

from segcore.trace import Step
from ui import panels, player, state

panels.page_header("Presentation test page", "Two controls and a player.")
main = state.slider("Main", "main", 0, 10, 3)
extra = state.slider("Extra", "extra", 0, 10, 2, advanced=True)
st.write(f"main={main} extra={extra}")
steps = [Step(f"step {i}", np.zeros(1), "") for i in range(5)]
player.step_player(steps, key="pstep", render=lambda i, step: st.write(f"showing {i}"))
