"""What a SegLab server process does once, before its first session runs.

``app.py`` and every page import this module before any other project
module (a test checks), so it runs exactly once per process, in the first
session thread, while the other threads wait on the import lock:

1. Import every segcore and ui module and the libraries they use lazily.
   Imported from many session threads at once on a fresh process, pandas
   (pulled in by plotly on the first figure) failed with "partially
   initialized module 'pandas' has no attribute 'Series'", and scipy with
   "partially initialized module 'torch' has no attribute 'Tensor'" (it peeks
   at ``sys.modules['torch']`` while another thread is importing torch).
2. Discover the BLAS/OpenMP libraries once (:mod:`segcore.threads`) and give
   torch one intra-op thread, so the per-call limits are cheap and one
   student's computation cannot occupy every core.
3. ``gc.freeze()`` what was imported: Streamlit's post-run ``gc.collect(2)``
   (switched off in ``.streamlit/config.toml``, ``runner.postScriptGC``) took
   44% of the CPU under load, and the automatic collections that remain no
   longer walk the hundreds of thousands of objects of the libraries.

It also holds the process's :func:`run_slot`: at most :data:`RUN_SLOTS` page
runs compute at the same time (``app.py`` runs every page inside one), the
others wait their turn, so however many students open pages at the same
moment, only a few runs hold their intermediate arrays at once. A run that
waits for another process (:mod:`ui.background`) gives its slot back meanwhile
(:func:`outside_run_slot`).
"""

from __future__ import annotations

import gc
import importlib
import pkgutil
import threading
from contextlib import contextmanager

import numpy as np
import pandas  # noqa: F401 - plotly imports it lazily, on the first figure
import plotly.graph_objects as go
import torch

import segcore
import ui
from segcore import threads

__all__ = ["prepare", "run_slot", "outside_run_slot", "RUN_SLOTS"]

RUN_SLOTS = 3
"""Page runs of one process that compute at the same time."""

_slots = threading.BoundedSemaphore(RUN_SLOTS)
_holding = threading.local()  # .slot: whether this thread holds a run slot now


@contextmanager
def run_slot():
    """Wait for one of the :data:`RUN_SLOTS` run slots and hold it for the block."""
    with _slots:
        _holding.slot = True
        try:
            yield
        finally:
            _holding.slot = False


@contextmanager
def outside_run_slot():
    """Give this thread's run slot back for the block, e.g. while it waits for a result
    computed in another process (:mod:`ui.background`); take one again after.

    Outside a run slot (a page run by a test without ``app.py``) it does nothing.
    """
    if not getattr(_holding, "slot", False):
        yield
        return
    _holding.slot = False
    _slots.release()
    try:
        yield
    finally:
        _slots.acquire()
        _holding.slot = True


def prepare() -> None:
    """Warm the lazy imports, bound the thread pools and freeze the imported objects.

    Runs when this module is imported, so once per process. Walking segcore and
    ui imports everything they use (scipy, scikit-image, scikit-learn, torchvision).
    """
    for package in (segcore, ui):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    # plotly imports its validators (and checks for pandas/numpy types) on the
    # first figure: build one here instead of in a session thread.
    go.Figure(go.Bar(x=np.arange(3), y=np.arange(3))).to_plotly_json()
    torch.set_num_threads(threads.THREADS)
    threads.limit_this_thread()  # OpenBLAS: for the whole process
    gc.collect()
    gc.freeze()


prepare()
