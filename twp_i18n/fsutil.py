"""Atomic, change-aware file writing: the only way the library writes files."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import OutputError


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
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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
