"""Read and write PO/POT catalogs byte-for-byte as GNU ``msgcat`` 0.21 does: the files.

polib's model (:class:`polib.POFile`, :class:`polib.POEntry`) is kept; the text format is
ours, in three modules: :mod:`.poread` (text -> catalog, as strictly as ``msgfmt``),
:mod:`.powrite` (catalog -> text, as ``msgcat`` writes it) and :mod:`.linebreak` (where
a line breaks: UAX #14 as libunistring does it).  This module is the public face: it
reads and writes files (bounded, atomically, with the writer's guard) and re-exports
what the rest of twp uses.  Catalogs are UTF-8.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from pathlib import Path

import polib

from ..config import REFERENCES, LimitsConfig
from ..errors import CatalogError
from ..machinery.fsutil import open_regular, write_if_changed
from .poguard import Key, check_kept
from .poread import DEFAULT_LIMITS, UnsupportedSyntax, parse_po, too_large
from .powrite import PAGE_WIDTH, entry_key, entry_lines, format_po, project_references

__all__ = ["PAGE_WIDTH", "REFERENCES", "UnsupportedSyntax", "decode", "entry_key", "entry_lines",
           "format_po", "parse_po", "project_references", "read_bytes", "read_po", "write_po"]


def read_po(path: Path, display: str | None = None, *,
            limits: LimitsConfig = DEFAULT_LIMITS) -> polib.POFile:
    """Read and parse the catalog at ``path`` (UTF-8, optional BOM, LF or CRLF).

    ``display`` is the path shown in error messages (default ``str(path)``);
    ``limits`` as for :func:`parse_po`.
    """
    shown = display if display is not None else str(path)
    try:
        data = read_bytes(path, shown, limits)
    except FileNotFoundError as exc:
        raise CatalogError(f"cannot read: {exc.strerror or exc}", path=shown) from exc
    po = parse_po(decode(data, shown), shown, limits=limits)
    po.fpath = str(path)
    return po


def read_bytes(path: Path | str, shown: str, limits: LimitsConfig = DEFAULT_LIMITS) -> bytes:
    """The bytes of the catalog at ``path``; refused before it is read when larger than
    ``limits.max_catalog_bytes``.  A missing file raises :class:`FileNotFoundError`, any
    other failure a :class:`CatalogError` naming ``shown``."""
    bound = limits.max_catalog_bytes
    try:
        with open_regular(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > bound:
                raise too_large(shown, bound, size)
            data = handle.read(bound + 1)  # no more, even if the file grows meanwhile
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise CatalogError(f"cannot read: {exc.strerror or exc}", path=shown,
                           hint="it should be a readable file") from exc
    if len(data) > bound:
        raise too_large(shown, bound)
    return data


def decode(data: bytes, shown: str) -> str:
    """The text of a catalog's bytes; invalid UTF-8 is a CatalogError naming the line."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        # gettext checks the encoding of strings only, and only after the header naming it.
        named = re.search(rb"charset=UTF-8(?=[ \t\\\"])", data[:exc.start], re.IGNORECASE)
        lenient = b"#" in data[start:exc.start] or named is None or \
            re.search(rb"\r(?!\n)", data) is not None or \
            not re.search(rb"\n[ \t\f\v]*[^\"\s]", data[named.end():start])
        raise (UnsupportedSyntax if lenient else CatalogError)(
            "not valid UTF-8", path=shown, line=line,
            hint=f"save the file as UTF-8 (line {line} has the first bad byte)") from None




def write_po(path: Path, po: polib.POFile, *, replaced: Collection[Key] | None = None,
             original: polib.POFile | None = None, references: str = "line") -> bool:
    """Atomically write :func:`format_po` of ``po`` unless unchanged; True if written.
    ``original`` and ``references`` as for :func:`format_po`.

    With ``replaced`` (what every command passes), an existing file is replaced only if
    that loses none of its translations and translator comments but those of the
    (msgctxt, msgid) entries listed (:func:`~twp_i18n.catalog.poguard.check_kept`).  Without it,
    the caller sets the file's whole content knowingly (as a translator's editor does).
    """
    data = format_po(po, original=original, references=references).encode("utf-8")
    if replaced is not None:
        try:
            old: bytes | None = path.read_bytes()
        except FileNotFoundError:
            old = None
        except OSError as exc:
            raise CatalogError(f"cannot read: {exc.strerror or exc}", path=str(path)) from exc
        if old is not None:
            check_kept(old, data, str(path), replaced)
    return write_if_changed(path, data)
