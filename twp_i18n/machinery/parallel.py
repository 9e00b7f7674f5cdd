"""Spreading independent pieces of work over processes.

``fork_map(function, pieces, workers, job)`` calls ``function(job, piece)`` for every
piece, in order, and returns the results.  ``job`` is the work every piece shares (the
site, its catalogs, caches): the function receives it as its first argument, whether it
runs here or in a worker.

On Linux the workers are forked: they start with everything the parent has loaded, and
``job`` reaches them through the fork, without pickling (the build's memory target relies
on that copy-on-write sharing).  Elsewhere (macOS, Windows) they are spawned and ``job`` is
pickled once per worker.  Only the pieces and the results travel between processes, and
the serial path (one worker, or one piece) gives the same results.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
J = TypeVar("J")

START_METHOD_ENV = "TWP_START_METHOD"
"""Overrides the start method ("fork", "spawn" or "forkserver"); for tests and odd platforms."""


def start_method() -> str:
    """``fork`` on Linux, ``spawn`` elsewhere (fork is unsafe on macOS with system libraries)."""
    chosen = os.environ.get(START_METHOD_ENV)
    if chosen in multiprocessing.get_all_start_methods():
        return chosen
    return "fork" if sys.platform.startswith("linux") else "spawn"


@contextmanager
def fewer_collections() -> Iterator[None]:
    """The cyclic garbage collector runs less often inside the block (in the worker processes
    forked inside it too).  A build or an update makes millions of objects (Markdown tokens,
    catalog entries) that hold no cycles: the short-lived ones are freed by reference
    counting, and each full collection walks every one still alive again (about 6% of a
    build; a fifth of an update's parsing of its templates at N = 5000, where it grows
    with the heap)."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def chunks(items: Sequence[T], workers: int, per_worker: int = 8) -> list[list[T]]:
    """``items`` cut into consecutive chunks, about ``per_worker`` per worker, the last ones
    smaller: each takes at most a ``2 * workers``-th of what is left, down to an eighth of
    the others, so the workers finish at about the same time (the last chunk is short)."""
    workers = max(1, workers)
    size = max(1, -(-len(items) // (workers * per_worker)))
    smallest = max(1, size // 8) if workers > 1 else size  # one worker: nobody waits
    pieces: list[list[T]] = []
    at = 0
    while at < len(items):
        left = len(items) - at
        take = min(size, max(smallest, -(-left // (2 * workers))))
        pieces.append(list(items[at:at + take]))
        at += take
    return pieces


# What a worker process was given when it started (set in the worker only, by _receive).
_worker: tuple[Callable[[Any, Any], Any], Any] | None = None


def _receive(function: Callable[[Any, Any], Any], job: Any) -> None:
    global _worker
    _worker = (function, job)


def _run(piece: Any) -> Any:
    assert _worker is not None
    function, job = _worker
    return function(job, piece)


def fork_map(function: Callable[[J, T], R], pieces: Sequence[T], workers: int, job: J,
             done: Callable[[], None] | None = None,
             forked: Callable[[], None] | None = None,
             arrived: Callable[[R], None] | None = None) -> list[R]:
    """``function(job, piece)`` for every piece, in order, in up to ``workers`` processes
    (in this one when ``workers`` is 1 or there is one piece).

    ``done`` is called after each piece, in order, for progress reports;
    ``forked`` once the worker processes exist (never when the work runs here):
    what only they need can then be dropped from this process; ``arrived`` with each
    result as it comes, in order (after ``forked``: it may start threads).
    """
    results: list[R] = []
    if workers > 1 and len(pieces) > 1:
        method = start_method()
        context = multiprocessing.get_context(method)
        if method == "fork":  # the collector then leaves the inherited objects alone,
            gc.freeze()       # so the workers share their pages instead of copying them
        try:
            with ProcessPoolExecutor(max_workers=min(workers, len(pieces)), mp_context=context,
                                     initializer=_receive, initargs=(function, job)) as pool:
                mapped = pool.map(_run, pieces)  # every worker has started once map returns
                if forked:
                    forked()
                for result in mapped:
                    results.append(result)
                    if arrived:
                        arrived(result)
                    if done:
                        done()
        finally:
            gc.unfreeze()
    else:
        for piece in pieces:
            results.append(function(job, piece))
            if arrived:
                arrived(results[-1])
            if done:
                done()
    return results
