"""Spreading independent pieces of work over processes.

Workers are forked, so they start with everything the parent has loaded (the
site, its catalogs, caches) without pickling it: the work shared by every chunk
is handed to :func:`fork_map` as ``job`` and read back in the worker with
:func:`job`.  Only the chunks and the results travel between processes.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_JOB: Any = None


def chunks(items: Sequence[T], workers: int, per_worker: int = 8) -> list[list[T]]:
    """``items`` cut into consecutive chunks, about ``per_worker`` per worker (for balance)."""
    size = max(1, -(-len(items) // (max(1, workers) * per_worker)))
    return [list(items[at:at + size]) for at in range(0, len(items), size)]


def fork_map(function: Callable[[T], R], pieces: Sequence[T], workers: int, job: Any,
             done: Callable[[], None] | None = None,
             forked: Callable[[], None] | None = None) -> list[R]:
    """``function`` applied to every piece, in order, in up to ``workers`` forked
    processes (in this one when ``workers`` is 1 or there is one piece).

    ``done`` is called after each piece, in order, for progress reports;
    ``forked`` once the worker processes exist (never when the work runs here):
    what only they need can then be dropped from this process.
    """
    global _JOB
    _JOB = job
    results: list[R] = []
    try:
        if workers > 1 and len(pieces) > 1:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=min(workers, len(pieces)),
                                     mp_context=context) as pool:
                mapped = pool.map(function, pieces)  # with fork, every worker starts here
                if forked:
                    forked()
                for result in mapped:
                    results.append(result)
                    if done:
                        done()
        else:
            for piece in pieces:
                results.append(function(piece))
                if done:
                    done()
    finally:
        _JOB = None
    return results


def job() -> Any:
    """The ``job`` given to :func:`fork_map`, inside the function it runs."""
    assert _JOB is not None, "job() is only available inside fork_map"
    return _JOB
