"""ui.background (one low-priority worker process) and ui.process.outside_run_slot."""

import os
import signal
import time

import pytest

from segcore import images, scenes
from tests import background_jobs as jobs
from ui import background, compare_methods, process


def test_work_runs_in_another_process_at_lower_priority():
    pid, nice = background.run_in_background(jobs.whoami)
    assert pid != os.getpid()
    assert nice >= os.nice(0) + background.NICE or nice == 19


def test_errors_come_back_as_they_were_raised():
    with pytest.raises(ValueError, match="bad settings"):
        background.run_in_background(jobs.fails)


def test_a_killed_worker_is_replaced():
    first, _ = background.run_in_background(jobs.whoami)
    os.kill(first, signal.SIGKILL)
    time.sleep(0.5)
    second, _ = background.run_in_background(jobs.whoami)
    assert second != first


def test_a_worker_dying_on_a_job_is_restarted_for_the_next_one():
    with pytest.raises(background.WorkerDied):
        background.run_in_background(os._exit, 3)
    assert background.run_in_background(jobs.whoami)[0] != os.getpid()


def test_a_compare_job_leaves_out_streamlit_and_torch():
    """The worker imports what its jobs need: a compare method needs neither."""
    scene = scenes.make_scene("shapes", seed=0, size=64)
    method = compare_methods.BY_KEY["otsu"]
    query = tuple(sorted(method.query.items()))
    args = (method.kind, query, scene.image, images.to_gray(scene.image), scene)
    there = background.run_in_background(compare_methods.compute, *args)
    here = compare_methods.compute(*args)
    assert there.report == here.report and there.picture == here.picture
    assert not background.run_in_background(jobs.heavy_modules)


def _free_slots() -> int:
    taken = 0
    while process._slots.acquire(blocking=False):
        taken += 1
    for _ in range(taken):
        process._slots.release()
    return taken


def test_a_run_gives_its_slot_back_while_it_waits():
    assert _free_slots() == process.RUN_SLOTS
    with process.run_slot():
        assert _free_slots() == process.RUN_SLOTS - 1
        with process.outside_run_slot():
            assert _free_slots() == process.RUN_SLOTS
        assert _free_slots() == process.RUN_SLOTS - 1
    assert _free_slots() == process.RUN_SLOTS


def test_outside_a_run_slot_nothing_is_released():
    with process.outside_run_slot():
        assert _free_slots() == process.RUN_SLOTS
