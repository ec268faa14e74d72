"""Bounded torch threading: one student's forward pass must not starve the others.

A shared server runs many sessions in one process; torch would otherwise use
every core for each call. Deep modules wrap their torch work in
:func:`torch_threads`.
"""

from __future__ import annotations

from contextlib import contextmanager

import torch

__all__ = ["torch_threads"]


@contextmanager
def torch_threads(count: int = 1):
    """Run the block with ``count`` torch intra-op threads, restoring the previous number.

    Examples
    --------
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
