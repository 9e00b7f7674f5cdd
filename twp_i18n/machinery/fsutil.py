"""Atomic, change-aware file writing: the only way the library writes files.

A file is written to a temporary sibling named ``.<name>.twp-<pid>-<random>.tmp``
and renamed into place.  A process killed in between leaves that file behind;
:func:`remove_stale_temp_files` removes such leftovers once the process that
wrote them (the ``<pid>`` in the name) is gone, and never a live writer's file.
"""

from __future__ import annotations

import os
import re
import tempfile
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
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise OutputError(f"cannot read: {exc.strerror}", path=path) from exc
    atomic_write(path, data)
    return True


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary sibling of ``path`` and rename it into place."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.twp-{os.getpid()}-", suffix=".tmp",
                                   dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if path.exists():
                os.chmod(tmp, path.stat().st_mode & 0o777)
            else:
                os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
    except OSError as exc:
        raise OutputError(
            f"cannot write: {exc.strerror or exc}",
            path=path,
            hint="check that the directory exists and is writable",
        ) from exc


def remove_file(path: Path) -> bool:
    """Delete ``path`` if it exists; True when something was removed."""
    try:
        path.unlink()
    except (FileNotFoundError, NotADirectoryError):  # gone, or a parent is no longer a directory
        return False
    except OSError as exc:
        raise OutputError(f"cannot remove: {exc.strerror}", path=path) from exc
    return True


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
