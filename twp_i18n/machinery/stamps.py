"""Stat signatures: telling that files are unchanged without reading them.

A cache that answers from signatures instead of digests of the bytes (``twp status`` with
nothing changed) records, for each file it read, ``[inode, size, mtime_ns, ctime_ns]`` as
``os.stat`` gave it *before* the file was read, and treats the file as unchanged while the
same four numbers come back.  An edit changes the ctime (which no tool can set back) and
a replacement the inode.

The one hole is git's "racily clean" file: file systems keep times at a coarse clock
(a few milliseconds; whole seconds on some), so an edit made just after the signature was
taken can leave all four numbers as they were.  A signature is therefore trusted only
when the file's times are at least :data:`RACY_NS` older than the moment the signatures
were taken (:func:`now`); a cache keeps a digest of the bytes for the other ("racy")
files and reads those again.

This module imports nothing beyond the standard library's core, so that a command
answering from such a cache starts fast.
"""

from __future__ import annotations

import os
import sys

Stamp = list[int]
"""``[st_ino, st_size, st_mtime_ns, st_ctime_ns]``."""

RACY_NS = 2_000_000_000
"""How much older than the signatures a file's times must be for its signature to be
trusted alone (two seconds: more than any local file system's time granularity)."""

CODE_SUFFIXES = (".py", ".html", ".css")
"""The package's files whose signatures make up :func:`code_stamp` (those of
:func:`~twp_i18n.machinery.cache.code_digest`)."""


def now() -> int:
    """The time signatures are taken at, in nanoseconds (take it before taking them)."""
    import time

    return time.time_ns()


def stamp(path: str) -> Stamp | None:
    """The signature of the file at ``path`` (following symbolic links), None if there is
    no such file or it cannot be looked at."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def racy(signature: Stamp | None, taken: int) -> bool:
    """Whether a signature taken at ``taken`` (:func:`now`) cannot tell an edit made right
    after it: the file's times are less than :data:`RACY_NS` older (or in the future)."""
    return signature is not None and max(signature[2], signature[3]) >= taken - RACY_NS


def digest(data: bytes) -> str:
    """The digest of some bytes caches key their entries by (blake2b, 16 bytes, hex)."""
    import hashlib

    return hashlib.blake2b(data, digest_size=16).hexdigest()


def file_digest(path: str, size: int) -> str | None:
    """:func:`digest` of a file expected to hold ``size`` bytes; None if it cannot be read
    or holds another number of bytes."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(size + 1)
    except OSError:
        return None
    return digest(data) if len(data) == size else None


def find_upwards(start: str, name: str) -> str | None:
    """The folder holding a file ``name``: ``start`` (made absolute, links resolved) or its
    nearest parent that holds one (as git finds its repository); None when none does."""
    folder = os.path.realpath(start)
    while True:
        if os.path.isfile(os.path.join(folder, name)):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def listing(directory: str, suffix: str | tuple[str, ...],
            skip: frozenset[str] = frozenset()) -> list[str]:
    """The files in ``directory`` and its folders whose names end with ``suffix``, as sorted
    paths relative to it, the way :func:`~twp_i18n.paths.domain_files` walks (symbolic links
    to files followed, to folders not; unreadable folders left out), without the top-level
    folders named in ``skip``."""
    found: list[str] = []
    todo = [("", directory)]
    while todo:
        below, folder = todo.pop()
        try:
            with os.scandir(folder) as scan:
                for entry in scan:
                    if entry.is_dir():
                        if not entry.is_symlink() and not (not below and entry.name in skip):
                            todo.append((f"{below}{entry.name}/", entry.path))
                    elif entry.name.endswith(suffix) and entry.is_file():
                        found.append(below + entry.name)
        except OSError:
            continue
    found.sort()
    return found


def code_stamp(package: str | None = None) -> list[object]:
    """Signatures of the code that runs: this package's files (see :data:`CODE_SUFFIXES`;
    ``package``: another folder's),
    the folders Python imports libraries from (installing, upgrading or removing a library
    changes its folder's listing, hence its times) and the Python version.

    Equal stamps mean the same code and libraries, which is what
    :func:`~twp_i18n.machinery.cache.code_digest` digests; the stamp costs a few hundred
    ``stat`` calls instead of reading every file.
    """
    if package is None:
        package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    files = [[name, stamp(os.path.join(package, name))] for name in listing(package, CODE_SUFFIXES)]
    # sys.path[0] is the script's folder or the current one (unless -P): not a library's
    folders = [[entry, stamp(entry)] for entry in sys.path[0 if sys.flags.safe_path else 1:]
               if entry]
    return [sys.version, package, files, folders]


def stamp_is_racy(code: list[object], taken: int) -> bool:
    """Whether any signature in a :func:`code_stamp` is :func:`racy`."""
    files, folders = code[2], code[3]
    assert isinstance(files, list) and isinstance(folders, list)
    return any(racy(signature, taken) for _, signature in [*files, *folders])
