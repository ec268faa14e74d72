"""Bounded BLAS/OpenMP threading for numeric calls on a shared server.

One server process hosts a whole class: a numeric call may use one core, so
one student's eigensolver or k-means cannot starve everybody else's reruns.

:func:`threadpool_limits` from threadpoolctl rediscovers the loaded BLAS and
OpenMP libraries on every call (it walks every shared object of the process);
under thirty students that discovery alone took about 8% of the server's CPU.
Here the libraries are discovered once per process, by a cached
:class:`threadpoolctl.ThreadpoolController`, and each call only sets the limit.
OpenMP limits are per thread, which is why the limit is applied in the thread
that does the work (every Streamlit session runs its script in a thread of
its own).
"""

from __future__ import annotations

import functools
import threading
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

__all__ = ["THREADS", "limited_threads", "limit_this_thread", "bounded", "controller"]

THREADS = 1
"""BLAS/OpenMP threads one numeric call may use."""

_lock = threading.Lock()
_controller: ThreadpoolController | None = None


def controller() -> ThreadpoolController:
    """The process's thread-pool controller, discovered on first use.

    Import the numeric libraries (numpy, scipy, scikit-learn, torch) before the
    first call: a library loaded later is not controlled.
    """
    global _controller
    with _lock:
        if _controller is None:
            _controller = ThreadpoolController()
        return _controller


@contextmanager
def limited_threads(limit: int = THREADS):
    """Run the block with at most ``limit`` BLAS and OpenMP threads in this thread.

    Parameters
    ----------
    limit : int
        Maximum number of threads (at least 1).

    Raises
    ------
    ValueError
        If ``limit`` is below 1.

    Examples
    --------
    >>> import numpy as np
    >>> with limited_threads(1):
    ...     float(np.ones((3, 3)).dot(np.ones(3)).sum())
    9.0
    """
    with controller().limit(limits=_checked(limit)):
        yield


def limit_this_thread(limit: int = THREADS) -> None:
    """Bound BLAS and OpenMP to ``limit`` threads from now on (OpenMP: in the calling thread).

    For the thread that runs a whole Streamlit script; calls inside it may
    still use :func:`limited_threads`, which restores this limit afterwards.
    """
    controller().limit(limits=_checked(limit))


def _checked(limit: int) -> int:
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    return limit


def bounded(func):
    """Decorate ``func`` so it runs under :func:`limited_threads` (``THREADS`` threads)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with limited_threads(THREADS):
            return func(*args, **kwargs)
    return wrapper
