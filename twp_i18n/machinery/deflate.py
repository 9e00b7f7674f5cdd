"""Zip members deflated before their archive is made (in worker processes, in parallel).

:func:`pack` gives a member's bytes as :mod:`zipfile` writes them deflated at level 9,
with the CRC and size the archive records; :func:`write` puts such a member into an
archive, byte for byte as ``archive.writestr(info, data, compresslevel=9)`` would,
without deflating it again or even having ``data`` (the process that makes the archive
neither inflates nor checksums it).  It hands the packed bytes to the member's writer in
place of its compressor; on a Python whose :mod:`zipfile` does not take them so (checked
once, on a small archive), the member is inflated and deflated again: the archive's bytes
are the same either way.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib
from functools import lru_cache
from typing import NamedTuple

LEVEL = 9


class Packed(NamedTuple):
    """A zip member made ahead: its bytes deflated, and the size, CRC-32 and SHA-256 (hex) of
    the bytes (for a manifest of the archive)."""

    deflated: bytes
    size: int
    crc: int
    sha256: str


def pack(data: bytes) -> Packed:
    """``data`` deflated as :mod:`zipfile` deflates a member at level 9 (raw, no header)."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return Packed(compressor.compress(data) + compressor.flush(), len(data), zlib.crc32(data),
                  hashlib.sha256(data).hexdigest())


def unpack(packed: Packed) -> bytes:
    """The bytes :func:`pack` was given."""
    return zlib.decompress(packed.deflated, -15)


class _Done:
    """Stands for the member's compressor, whose work is done already: flushes nothing."""

    @staticmethod
    def flush() -> bytes:
        return b""


def _handed(archive: zipfile.ZipFile, info: zipfile.ZipInfo, packed: Packed) -> None:
    info.compress_type = zipfile.ZIP_DEFLATED
    info.file_size = packed.size  # before opening: it decides whether ZIP64 is needed
    with archive.open(info, "w") as member:
        # What member.write(data) would have counted, computed where the data was made.
        member._compressor = _Done()  # type: ignore[attr-defined]
        member._file_size = packed.size  # type: ignore[attr-defined]
        member._crc = packed.crc  # type: ignore[attr-defined]
        member._compress_size = len(packed.deflated)  # type: ignore[attr-defined]
        member._fileobj.write(packed.deflated)  # type: ignore[attr-defined]


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
                    _handed(archive, info, pack(data))
                except (AttributeError, TypeError, ValueError):
                    return False
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data, compresslevel=LEVEL)
        made.append(buffer.getvalue())
    return made[0] == made[1]


def write(archive: zipfile.ZipFile, info: zipfile.ZipInfo, packed: Packed) -> None:
    """Add the bytes ``packed`` holds (:func:`pack`) to ``archive`` as
    ``writestr(info, data, compresslevel=9)`` would."""
    if _takes_deflated():
        _handed(archive, info, packed)
    else:
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, unpack(packed), compresslevel=LEVEL)
