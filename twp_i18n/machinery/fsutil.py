"""Atomic, change-aware file writing: the only way the library writes files.

A file is written to a temporary sibling named ``.<name>.twp-<pid>-<random>.tmp``
and renamed into place.  A process killed in between leaves that file behind;
:func:`remove_stale_temp_files` removes such leftovers once the process that
wrote them (the ``<pid>`` in the name) is gone, and never a live writer's file.

Durability.  One file alone is synced (``fsync``) before its rename.  Many files written
inside :func:`one_sync` (what ``extract`` and ``build`` do), or by :func:`stage` and then
:func:`commit` (``update``: its worker processes stage the catalogs, the parent commits them
once every language passed the writer's guard), are written to their temporary siblings
unsynced; at the end one sync of each file system holding them makes all their bytes
durable, then each is renamed over its target, then one more sync makes the renames
durable.  What a crash (power loss, kernel panic) can leave:

* never a partly written file under a target's name: a rename happens only after the
  bytes it points to are on disk, in both modes;
* before the first sync: every target as it was, plus temporary files (removed later by
  :func:`remove_stale_temp_files`);
* between the two syncs: each target either as it was or as written, complete; some of
  a run's files may be new and others old (the caches, saved after the block, then still
  describe the old state, so the next run does the work again);
* after the block: everything written.

``build`` writes inside an all-or-nothing block (:func:`staged_writes`: its files are
written while the rest is still being made): an error before the block ends leaves every
target as it was, without the block's temporary files and the folders it made.

A process that is killed (not the machine) loses nothing the kernel accepted: the renames
it made stand, the temporary files of the others are removed later.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from ..errors import OutputError


def write_if_changed(path: Path, data: bytes | str) -> bool:
    """Write ``data`` to ``path`` atomically unless the file already holds it.

    Returns True when the file was (re)written.  The bytes go to a temporary
    file in the same directory which is then renamed over ``path``, so a reader
    (or a crash) never sees half a file.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        pending = _pending.get(path)  # written earlier in this one_sync block: that is current
        if (Path(pending) if pending else path).read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise OutputError(f"cannot read: {exc.strerror}", path=path) from exc
    atomic_write(path, data)
    return True


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary sibling of ``path`` and rename it into place (inside
    :func:`one_sync`: at the end of its block)."""
    try:
        folder = path.parent
        if folder not in _made:  # inside one_sync, each folder is made once
            if _batch is not None:
                _created.extend(_missing(folder))
            folder.mkdir(parents=True, exist_ok=True)
            if _batch is not None:
                _made.add(folder)
        batch = _batch
        tmp = _temp_sibling(path, data, os.getpid(), durable=batch is None)
        try:
            if batch is not None:
                with _batch_lock:
                    batch.append((tmp, path))
                    _pending[path] = tmp
                return
            os.replace(tmp, path)
        except BaseException:
            _unlink(tmp)
            raise
    except OSError as exc:
        raise OutputError(
            f"cannot write: {exc.strerror or exc}",
            path=path,
            hint="check that the directory exists and is writable",
        ) from exc


def _temp_sibling(path: Path, data: bytes, owner: int, durable: bool) -> str:
    """A new temporary sibling of ``path`` (its folder exists) holding ``data``, named for
    process ``owner``, with the permissions ``path`` has (0644 if new): synced if
    ``durable``, else its writeback started."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.twp-{owner}-", suffix=".tmp",
                               dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
            else:
                _start_writeback(fh.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
    except BaseException:
        _unlink(tmp)
        raise
    return tmp


def stage(path: Path, data: bytes, *, owner: int | None = None,
          made: dict[Path, bool] | None = None) -> str:
    """Write ``data`` to a new temporary sibling of ``path``, for :func:`commit` to put in
    place later (or :func:`discard` to remove), and return its name.  Its folder is made
    if missing; ``made`` remembers the folders found or made (True: made here, which
    :func:`discard` removes again).  ``owner``: the process the file is named for (default:
    this one); :func:`remove_stale_temp_files` keeps it while that process lives, so a
    worker can stage files its parent commits."""
    try:
        folder = path.parent
        if made is None or folder not in made:
            missing = _missing(folder)
            folder.mkdir(parents=True, exist_ok=True)
            if made is not None:
                made.update(dict.fromkeys(missing, True))
                made.setdefault(folder, False)
        return _temp_sibling(path, data, os.getpid() if owner is None else owner, durable=False)
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", path=path,
                          hint="check that the directory exists and is writable") from exc


def discard(staged: list[tuple[str, Path]], made: dict[Path, bool] | None = None) -> None:
    """Remove the files :func:`stage` wrote, and the folders it made (those ``made`` says it
    made, if empty), leaving every target as it was."""
    for tmp, _path in staged:
        _unlink(tmp)
    for folder in sorted((f for f, new in (made or {}).items() if new),
                         key=lambda f: len(f.parts), reverse=True):
        with contextlib.suppress(OSError):  # one holding anything else stays
            folder.rmdir()


RENAMERS = 16
"""Threads renaming the files of a :func:`one_sync` block into place."""

# The writes of the current one_sync block: (temporary file, target), in the order written
# (a target written twice gets its last write).
_batch: list[tuple[str, Path]] | None = None
_pending: dict[Path, str] = {}  # target -> its last temporary file in the current block
_made: set[Path] = set()  # folders made (or found) in the current block
_created: list[Path] = []  # folders the current block made (an all-or-nothing one removes them)
_batch_lock = threading.Lock()


@contextlib.contextmanager
def one_sync(*, all_or_nothing: bool = False) -> Iterator[None]:
    """Make the files :func:`atomic_write` and :func:`write_if_changed` write inside the block
    durable with one sync for all of them instead of one ``fsync`` each (see the module's
    docstring for what a crash can leave).  The files appear under their names when the
    block ends, also when it ends with an exception (those written until then, as without
    the block), unless ``all_or_nothing``: then an exception leaves every target as it was.
    A nested block belongs to the outer one.  Threads may write inside it (and must be done
    when it ends)."""
    global _batch
    if _batch is not None:
        yield
        return
    pending: list[tuple[str, Path]] = []
    _batch = pending
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        _batch = None
        _pending.clear()
        _made.clear()
        created = sorted(set(_created), key=lambda path: len(path.parts), reverse=True)
        _created.clear()
        if failed and all_or_nothing:
            for tmp, _path in pending:
                _unlink(tmp)
            for folder in created:  # deepest first; one holding anything else stays
                with contextlib.suppress(OSError):
                    folder.rmdir()
        else:
            commit(pending)


def _missing(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that do not exist."""
    missing = []
    while not folder.exists() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    return missing


class Staged:
    """Files each written (when its bytes changed) to a temporary sibling as soon as it is
    made, in threads, while the rest is still being made (see :func:`staged_writes`)."""

    def __init__(self, target: Callable[[str], Path], writers: int) -> None:
        self._target = target
        self._data: dict[str, bytes] = {}
        self._futures: dict[str, Future[bool]] = {}
        self.threads = ThreadPoolExecutor(max_workers=writers)

    def put(self, files: dict[str, bytes]) -> None:
        """Write these files (by name; a name put again with other bytes is written again)."""
        for rel, data in files.items():
            known = self._data.get(rel)
            if known is data:
                continue
            target = self._target(rel)
            if known is not None:  # the later bytes must be written last
                self._futures[rel].result()
            self._data[rel] = data
            self._futures[rel] = self.threads.submit(write_if_changed, target, data)

    def written(self) -> dict[str, bool]:
        """Whether each file was written (False: it held these bytes already), once all are."""
        return {rel: future.result() for rel, future in self._futures.items()}


@contextlib.contextmanager
def staged_writes(target: Callable[[str], Path], writers: int) -> Iterator[Staged]:
    """An all-or-nothing :func:`one_sync` block whose files are written by ``writers`` threads
    as they are put (``target`` gives, or refuses, the path of a name): when the block ends
    every file is in place, or, if it ends with an error (in making the files or in writing
    one), none is."""
    with one_sync(all_or_nothing=True):
        staged = Staged(target, writers)
        try:
            yield staged
            staged.written()  # a write that failed fails the block
        finally:
            staged.threads.shutdown(wait=True, cancel_futures=True)


def commit(pending: list[tuple[str, Path]]) -> None:
    """Put temporary files (:func:`stage`'s, or a :func:`one_sync` block's) in place, each
    over its target: one sync of their bytes, the renames, one sync of the renames."""
    if not pending:
        return
    latest: dict[Path, str] = {}  # a target written twice: its last write, the others dropped
    for tmp, path in pending:
        if path in latest:
            _unlink(latest.pop(path))
        latest[path] = tmp
    pending = [(tmp, path) for path, tmp in latest.items()]
    try:
        _sync([tmp for tmp, _ in pending])
    except OSError as exc:
        for tmp, _ in pending:
            _unlink(tmp)
        raise OutputError(f"cannot write: {exc.strerror or exc}", path=pending[0][1]) from exc
    failed: list[tuple[Path, OSError]] = []

    def rename(item: tuple[str, Path]) -> None:
        try:
            os.replace(*item)
        except OSError as exc:
            _unlink(item[0])
            failed.append((item[1], exc))

    # A rename waits on the file system's journal: threads let those waits overlap.
    with ThreadPoolExecutor(max_workers=min(RENAMERS, len(pending))) as threads:
        list(threads.map(rename, pending))
    if failed:
        path, error = min(failed, key=lambda item: str(item[0]))
        raise OutputError(f"cannot write: {error.strerror or error}", path=path,
                          hint="check that the directory exists and is writable") from error
    with contextlib.suppress(OSError):  # the renames are made; their durability is a bonus
        _sync([str(path) for _, path in pending])


def _sync(paths: list[str]) -> None:
    """Make the written data of ``paths`` durable: one ``syncfs`` per file system holding
    them on Linux, one ``sync`` on other POSIX systems, else one ``fsync`` per file."""
    devices: dict[int, str] = {}
    for name in paths:
        devices.setdefault(os.stat(name).st_dev, name)
    syncfs = _syncfs()
    if syncfs is not None:
        for name in devices.values():
            fd = os.open(name, os.O_RDONLY)
            try:
                if syncfs(fd) != 0:
                    import ctypes

                    code = ctypes.get_errno()
                    raise OSError(code, os.strerror(code), name)
            finally:
                os.close(fd)
    elif hasattr(os, "sync"):
        os.sync()
    else:
        for name in paths:
            with open(name, "rb+") as fh:
                os.fsync(fh.fileno())


@functools.cache
def _linux_libc(name: str, *argtypes: str) -> Callable[..., int] | None:
    """libc's function ``name`` taking arguments of these ctypes types (by name) and giving an
    int (Linux), or None; looked up once."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        found = getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, AttributeError):
        return None
    found.argtypes = [getattr(ctypes, kind) for kind in argtypes]
    found.restype = ctypes.c_int
    return found


def _syncfs() -> Callable[[int], int] | None:
    """libc's ``syncfs`` (Linux), or None."""
    return _linux_libc("syncfs", "c_int")


_SYNC_FILE_RANGE_WRITE = 2


def _start_writeback(fd: int) -> None:
    """Have the kernel start writing the file's bytes to disk now, without waiting for them
    (Linux's ``sync_file_range``): the block's one sync then finds them written, or under
    way, instead of starting them all at its end."""
    start = _linux_libc("sync_file_range", "c_int", "c_int64", "c_int64", "c_uint")
    if start is not None:
        start(fd, 0, 0, _SYNC_FILE_RANGE_WRITE)  # a failure leaves it to the sync


def _unlink(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass


class NotRegularFile(OSError):
    """What was opened as an input is a device, a pipe, a socket or a folder (perhaps
    through a symbolic link): reading it could never end, or wait forever."""

    def __init__(self) -> None:
        super().__init__("not a regular file (a device, a pipe or a folder)")
        self.strerror = "not a regular file (a device, a pipe or a folder)"


def open_regular(path: Path | str) -> io.BufferedReader:
    """``open(path, "rb")`` of a regular file only (:class:`NotRegularFile` else): opened
    without waiting (a named pipe would block the open) and checked before any read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile()
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return io.open(fd, "rb", closefd=True)  # noqa: UP020 - from a descriptor
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path | str, bound: int) -> bytes:
    """At most ``bound + 1`` bytes of a regular file (:func:`open_regular`): the caller tells
    a file over its bound by the length."""
    with open_regular(path) as handle:
        return handle.read(bound + 1)


def remove_file(path: Path) -> bool:
    """Delete ``path`` if it exists; True when something was removed."""
    try:
        path.unlink()
    except (FileNotFoundError, NotADirectoryError):  # gone, or a parent is no longer a directory
        return False
    except OSError as exc:
        raise OutputError(f"cannot remove: {exc.strerror}", path=path) from exc
    return True


def remove_empty_folders(path: Path, root: Path) -> None:
    """Remove the folders holding ``path`` that are left empty, up to (not including) ``root``:
    a page no longer made leaves no empty folder, which a web server would answer with a
    listing or 403 instead of 404."""
    folder = path.parent
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:  # not empty (or gone, or not ours to remove): the folders above stay
            return
        folder = folder.parent


def files(directory: Path, pattern: str) -> list[Path]:
    """Regular files in ``directory`` matching ``pattern``, sorted ([] if it does not exist)."""
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.glob(pattern) if path.is_file())


_TEMP_NAME = re.compile(r"\..+\.twp-(?P<pid>[0-9]{1,10})-[a-z0-9_]+\.tmp", re.DOTALL)


def temp_writer(name: str) -> int | None:
    """The process id in a temporary file name made by :func:`atomic_write`, else None.

    >>> temp_writer(".es.zip.twp-4242-k2j4h5g6.tmp"), temp_writer("es.zip")
    (4242, None)
    """
    match = _TEMP_NAME.fullmatch(name)
    return int(match["pid"]) if match else None


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (when unsure: yes)."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OverflowError, ValueError):  # no process can have that id
        return False
    except OSError:  # PermissionError: it exists, owned by someone else
        return True
    return True


def remove_stale_temp_files(directory: Path, *, depth: int | None = None) -> list[Path]:
    """Delete the temporary files :func:`atomic_write` left in ``directory`` when its process
    was killed, once that process is gone; return what was removed.

    Sub-folders are searched down to ``depth`` levels (all when None); symbolic links
    are never followed.  A file whose writer is still running is kept.
    """
    removed: list[Path] = []
    pending = [(directory, 0)]
    while pending:
        folder, level = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:  # gone, not a folder, or unreadable: nothing of ours to clean there
            continue
        deeper = depth is None or level < depth
        for entry in entries:
            name = entry.name
            try:
                if name.startswith(".") and name.endswith(".tmp"):
                    pid = temp_writer(name)
                    if pid is not None and not _alive(pid) and entry.is_file(follow_symlinks=False):
                        os.unlink(entry.path)
                        removed.append(Path(entry.path))
                elif deeper and entry.is_dir(follow_symlinks=False):
                    pending.append((Path(entry.path), level + 1))
            except OSError:
                continue
    return sorted(removed)
