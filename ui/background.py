"""One low-priority worker process per server for long computations a class should not feel.

Why
---
The compare page runs every classical method on a scene: about a second of
CPU, most of it Python holding the GIL. Run in a session thread, two students
changing the compare page's scene doubled every other student's rerun time
(the load test in the README). Here such work goes to one worker process per
server process instead:

* it runs at a lower CPU priority (``os.nice(NICE)``), so the server's own
  threads, the other students' page runs, get the cores first;
* it is one process doing one job at a time, so the compare pages of a whole
  class together use at most one core and queue behind each other;
* it holds no GIL of the server, and the waiting page run gives back its run
  slot (:func:`ui.process.outside_run_slot`) while it waits.

How
---
The worker is ``python -m ui.background``, started on first use. It reads
pickled ``(function, arguments)`` jobs from its stdin and writes pickled
results to its stdout; only this module writes those jobs, so nothing
untrusted is ever unpickled. It is a plain subprocess and not a
``multiprocessing`` pool on purpose: a ``spawn``/``forkserver`` child re-runs
the parent's ``__main__`` module, and while Streamlit runs a page,
``__main__`` *is* that page script (forking a multi-threaded server is
unsafe). This module imports neither Streamlit nor torch; the worker
imports what the submitted function needs. If the worker dies (out of
memory, killed), the next job starts a new one.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable

__all__ = ["NICE", "WorkerDied", "run_in_background"]

NICE = 10
"""How much lower the worker's CPU priority is than the server's (``os.nice``)."""

ROOT = Path(__file__).resolve().parents[1]

_lock = threading.Lock()  # one job at a time; also guards _worker
_worker: subprocess.Popen | None = None


class WorkerDied(RuntimeError):
    """The worker process ended while it had a job (it is restarted for the next one)."""


def _start() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ui.background"], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)


def _ask(worker: subprocess.Popen, fn: Callable, args: tuple) -> tuple[bool, Any]:
    try:
        pickle.dump((fn, args), worker.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        worker.stdin.flush()
        return pickle.load(worker.stdout)
    except (OSError, EOFError, pickle.UnpicklingError) as err:
        worker.kill()
        worker.wait()
        raise WorkerDied(f"the background worker ended ({err!r})") from err


def _job(fn: Callable, args: tuple) -> tuple[bool, Any]:
    """Send one job to the worker (starting one if needed); a dead worker is replaced once."""
    global _worker
    with _lock:
        if _worker is None or _worker.poll() is not None:
            _worker = _start()
        try:
            return _ask(_worker, fn, args)
        except WorkerDied:
            _worker = _start()
            return _ask(_worker, fn, args)


def run_in_background(fn: Callable[..., Any], *args: Any, wait: Callable | None = None) -> Any:
    """``fn(*args)`` computed in the background worker; wait for it and return its result.

    Parameters
    ----------
    fn : callable
        A module-level function (pickled by reference), with picklable
        arguments and result.
    *args
        Its arguments.
    wait : context manager factory, optional
        Entered while queueing and waiting, e.g. :func:`ui.process.outside_run_slot`.

    Raises
    ------
    Exception
        Whatever ``fn`` raised, re-raised here.
    WorkerDied
        If a freshly started worker died on the job as well.
    """
    if wait is None:
        ok, value = _job(fn, args)
    else:
        with wait():
            ok, value = _job(fn, args)
    if not ok:
        raise value
    return value


def _serve() -> None:
    """The worker's loop: jobs from stdin, ``(ok, result or exception)`` to stdout."""
    jobs = sys.stdin.buffer
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not break the pipe
    os.nice(NICE)
    from segcore import threads  # noqa: PLC0415 - the worker's own import

    threads.limit_this_thread()
    while True:
        try:
            fn, args = pickle.load(jobs)
        except EOFError:  # the server closed the pipe: its process ended
            return
        try:
            answer = pickle.dumps((True, fn(*args)), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as err:  # noqa: BLE001 - sent back and re-raised by the caller
            try:
                answer = pickle.dumps((False, err))
            except Exception:  # noqa: BLE001 - an exception that does not pickle
                answer = pickle.dumps((False, RuntimeError(repr(err))))
        answers.write(answer)
        answers.flush()


if __name__ == "__main__":
    _serve()
