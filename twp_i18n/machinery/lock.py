"""A per-site lock so two ``update``/``sync`` runs never interleave their writes."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import LockError

LOCK_NAME = ".twp/lock"
WAIT = 5.0
"""Seconds a second run waits for the first before it gives up."""


@contextmanager
def site_lock(root: Path, wait: float | None = None) -> Iterator[None]:
    """Hold ``<site>/.twp/lock``; wait up to ``wait`` seconds (default :data:`WAIT`), then
    raise :class:`LockError`.

    The lock is an OS file lock (``flock``): it is released when the process
    ends, even on a crash, so a stale lock file never blocks anyone.
    """
    path = root / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + (WAIT if wait is None else wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
                    raise LockError(
                        "another twp run is updating this site"
                        + (f" (process {holder})" if holder else ""),
                        path=LOCK_NAME,
                        hint="wait for it to finish, then run the command again",
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
