"""Zip members deflated before their archive is made (in worker processes, in parallel).

:func:`deflate` gives the bytes :mod:`zipfile` writes for a member deflated at level 9;
:func:`write` puts such a member into an archive, byte for byte as
``archive.writestr(info, data, compresslevel=9)`` would, without deflating it again.
It hands the deflated bytes to the member's writer in place of its compressor; on a
Python whose :mod:`zipfile` does not take them so (checked once, on a small archive),
the member is simply deflated again: the archive's bytes are the same either way.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from functools import lru_cache

LEVEL = 9


def deflate(data: bytes) -> bytes:
    """``data`` deflated as :mod:`zipfile` deflates a member at level 9 (raw, no header)."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def inflate(deflated: bytes) -> bytes:
    """The bytes :func:`deflate` was given."""
    return zlib.decompress(deflated, -15)


class _Deflated:
    """Stands for the member's compressor: gives the deflated bytes made already."""

    def __init__(self, deflated: bytes) -> None:
        self.deflated = deflated

    def compress(self, data: bytes) -> bytes:
        out, self.deflated = self.deflated, b""
        return out

    def flush(self) -> bytes:
        return b""


def _handed(archive: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes, deflated: bytes) -> None:
    info.compress_type = zipfile.ZIP_DEFLATED
    info.file_size = len(data)
    with archive.open(info, "w") as member:
        member._compressor = _Deflated(deflated)  # type: ignore[attr-defined]
        member.write(data)


@lru_cache(maxsize=1)
def _takes_deflated() -> bool:
    """Whether :func:`_handed` writes what ``writestr`` writes, on this Python."""
    data = b"<p>A paragraph, and another paragraph.</p>\n" * 40
    made = []
    for hand in (True, False):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            info = zipfile.ZipInfo("a/index.html", date_time=(1980, 1, 1, 0, 0, 0))
            if hand:
                try:
                    _handed(archive, info, data, deflate(data))
                except (AttributeError, TypeError, ValueError):
                    return False
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data, compresslevel=LEVEL)
        made.append(buffer.getvalue())
    return made[0] == made[1]


def write(archive: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes, deflated: bytes) -> None:
    """Add ``data`` to ``archive`` as ``writestr(info, data, compresslevel=9)`` would, deflated
    (``deflated``: :func:`deflate` of ``data``)."""
    if _takes_deflated():
        _handed(archive, info, data, deflated)
    else:
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, data, compresslevel=LEVEL)
