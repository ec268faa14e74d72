"""Jobs for tests/test_background.py's worker: a module importing nothing heavy, so the
worker that unpickles them imports only what the production jobs import."""

import os
import sys


def whoami():
    """The worker's pid and niceness."""
    return os.getpid(), os.nice(0)


def fails():
    raise ValueError("bad settings")


def heavy_modules():
    """Which of Streamlit and torch the worker has imported."""
    return [name for name in ("streamlit", "torch") if name in sys.modules]
