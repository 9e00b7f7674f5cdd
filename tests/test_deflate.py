"""Zip members deflated ahead of time make the archive writestr makes, byte for byte."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from twp_i18n.machinery import deflate


def _archive(members: dict[str, bytes], ahead: bool) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            if ahead:
                deflate.write(archive, info, deflate.pack(data))
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


@pytest.mark.parametrize("data", [
    b"", b"x", "<p>Un párrafo, y otro párrafo.</p>\n".encode() * 3000, os.urandom(70_000),
])
def test_a_member_deflated_ahead_gives_the_archive_writestr_gives(data: bytes) -> None:
    members = {"es/a/index.html": data, "es/b/index.html": data[::-1]}
    made = _archive(members, ahead=True)
    assert made == _archive(members, ahead=False)
    with zipfile.ZipFile(io.BytesIO(made)) as archive:
        assert archive.testzip() is None
        assert {name: archive.read(name) for name in archive.namelist()} == members
    assert deflate.unpack(deflate.pack(data)) == data


def test_this_python_takes_the_deflated_bytes() -> None:
    # otherwise members are deflated twice: the same bytes, but the speed is lost
    assert deflate._takes_deflated()
