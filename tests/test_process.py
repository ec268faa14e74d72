"""ui.process (once-per-process warm-up, run slots) and segcore.threads (bounded BLAS/OpenMP)."""

import gc
import sys
import threading
import time

import numpy as np
import pytest

from segcore import threads


def test_warm_up_imports_every_module_and_freezes_them():
    import ui.process  # noqa: F401

    for name in ("segcore.deep.mask_rcnn", "segcore.classical.clustering", "ui.picker",
                 "ui.navigation", "pandas", "torchvision"):
        assert name in sys.modules, name
    assert gc.get_freeze_count() > 10_000
    import torch

    assert torch.get_num_threads() == threads.THREADS


def test_run_slots_bound_how_many_runs_compute_at_once():
    from ui import process

    inside, most, lock = [0], [0], threading.Lock()

    def run():
        with process.run_slot():
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.05)
            with lock:
                inside[0] -= 1

    workers = [threading.Thread(target=run) for _ in range(process.RUN_SLOTS + 3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert most[0] == process.RUN_SLOTS


def _blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threads.controller().info()
            if lib["user_api"] == "blas"}


def test_limited_threads_sets_and_restores_the_limit():
    threads.controller().limit(limits=2)
    try:
        with threads.limited_threads(1):
            assert _blas_threads() == {1}
            assert float(np.ones((50, 50)).dot(np.ones(50)).sum()) == 2500.0
        assert _blas_threads() == {2}
    finally:
        threads.limit_this_thread()
    assert _blas_threads() == {threads.THREADS}


def test_bounded_runs_the_function_under_the_limit():
    seen = []

    @threads.bounded
    def work(x):
        seen.append(_blas_threads())
        return x + 1

    threads.controller().limit(limits=2)
    try:
        assert work(1) == 2
    finally:
        threads.limit_this_thread()
    assert seen == [{threads.THREADS}]


@pytest.mark.parametrize("call", [lambda: threads.limited_threads(0).__enter__(),
                                  lambda: threads.limit_this_thread(0)])
def test_a_limit_below_one_is_refused(call):
    with pytest.raises(ValueError, match="at least 1"):
        call()
