"""The writer's guard: no command replaces a catalog with one that lost a translator's work.

Before a catalog is rewritten (or removed), :func:`check_kept` reads the bytes on disk
and the bytes about to replace them with its own small reader, independent of
:mod:`twp_i18n.pofile`, and checks that every translation (the msgstr texts of an
entry) and every translator comment line (``# ...``) of the old file is still in the
new one: on a translated, fuzzy or obsolete entry, under the same or another msgid.  A
bug in the main reader (say, one that takes half the file for a comment) or in the merge
then stops the command instead of losing work.

This reader is deliberately simple and strict: it knows entries, strings and comment
lines, nothing of wrapping or flags, and it gives up (refusing the write) on any line it
does not understand.  Line ends are LF, CRLF or a lone CR, so that a file the main reader
misread for its line ends is still read line by line here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

from .errors import CatalogError

__all__ = ["Key", "check_kept"]

Key = tuple["str | None", str]
"""(msgctxt, msgid) of an entry."""

_LINE_END = re.compile(r"\r\n|\r|\n")
_FIELD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr)\s*(?:\[\s*(\d+)\s*\])?\s*(?=\")")
_QUOTED = re.compile(r'\s*"((?:[^"\\]|\\.)*)"\s*')
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))", re.DOTALL)
_SIMPLE = {"n": b"\n", "t": b"\t", "r": b"\r", "a": b"\a", "b": b"\b", "f": b"\f", "v": b"\v",
           "\\": b"\\", '"': b'"'}
# "# File: a.md, line: 3" is a Solaris-style reference, not a translator's comment.
_SOLARIS = re.compile(r"\s*[Ff]ile:.*,\s*line\s*(number\s*)?:\s*\d+\s*")


@dataclass
class _Entry:
    line: int
    obsolete: bool
    comments: list[str]
    fields: dict[str, list[str]] = field(default_factory=dict)
    trailing: bool = False  # comment lines after the last entry

    def text(self, name: str) -> str | None:
        parts = self.fields.get(name)
        return None if parts is None else "".join(parts)

    @property
    def key(self) -> Key:
        return (self.text("msgctxt"), self.text("msgid") or "")

    @property
    def header(self) -> bool:
        return self.key == (None, "") and not self.trailing

    @property
    def msgstrs(self) -> tuple[str, ...]:
        forms = sorted((int(name[7:-1]), name) for name in self.fields if name.startswith("msgstr["))
        names = [name for _, name in forms] or ["msgstr"]
        return tuple(self.text(name) or "" for name in names)


class _Unreadable(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def _unescape(body: str, line: int) -> str:
    def one(m: re.Match[str]) -> str:
        octal, hexa, simple = m.groups()
        if simple is not None:
            if simple not in _SIMPLE:
                raise _Unreadable(line)
            return _SIMPLE[simple].decode("latin-1")
        return chr(int(octal, 8) & 0xFF if octal else int(hexa, 16))

    if "\\" not in body:
        return body
    # Escapes stand for bytes: gather them as latin-1 characters, then read the UTF-8.
    raw = _ESCAPE.sub(one, body.encode("utf-8", "surrogateescape").decode("latin-1"))
    return raw.encode("latin-1").decode("utf-8", "surrogateescape")


def _strings(text: str, line: int) -> list[str]:
    out, pos = [], 0
    while pos < len(text):
        m = _QUOTED.match(text, pos)
        if m is None:
            raise _Unreadable(line)
        out.append(_unescape(m[1], line))
        pos = m.end()
    if not out:
        raise _Unreadable(line)
    return out


def _entries(data: bytes) -> list[_Entry]:
    """The entries of a catalog's bytes, each with its translator comment lines (stripped,
    blank ones left out).  Raises :class:`_Unreadable` on a line it does not understand."""
    text = data.decode("utf-8", "surrogateescape").removeprefix("\ufeff")
    entries: list[_Entry] = []
    comments: list[str] = []
    current: _Entry | None = None
    last: str | None = None  # the field that a string on its own continues
    for number, line in enumerate(_LINE_END.split(text), 1):
        line = line.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line or line.startswith("#|") or line.startswith("|"):
            continue  # blank, or a previous msgid: the old source, not the translator's work
        if line.startswith("#"):
            if line[1:2] not in (".", ":", ",", "!") and not _SOLARIS.fullmatch(line[1:]):
                if line[1:].strip():
                    comments.append(line[1:].strip())
            last = None
            continue
        m = _FIELD.match(line)
        if m is None:
            if not line.startswith('"') or current is None or last is None:
                raise _Unreadable(number)
            current.fields[last] += _strings(line, number)
            continue
        name = m[1] if m[2] is None else f"msgstr[{int(m[2])}]"
        starts = name in ("msgctxt", "msgid") and (
            current is None or any(f.startswith("msgstr") for f in current.fields)
            or name in current.fields or (name == "msgctxt" and "msgid" in current.fields))
        if starts:
            current = _Entry(number, obsolete, comments)
            comments = []
            entries.append(current)
        elif current is None:
            raise _Unreadable(number)
        current.fields[name] = _strings(line[m.end():], number)
        last = name
    if comments:  # comment lines after the last entry belong to no entry: keep them too
        entries.append(_Entry(0, True, comments, trailing=True))
    return entries


def _read(data: bytes, path: str, which: str) -> list[_Entry]:
    try:
        return _entries(data)
    except _Unreadable as exc:
        raise CatalogError(
            f"cannot check that the {which} catalog keeps every translation (line {exc.line} "
            "is not understood); nothing was written", path=path,
            hint="this is a bug in twp: please report it with a copy of the file") from None


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."


def check_kept(old: bytes, new: bytes | str | None, path: str,
               replaced: Collection[Key] = ()) -> list[Key]:
    """Refuse (:class:`CatalogError` naming ``path`` and the first lost entry) a write of
    ``new`` over ``old`` (``None``: removing the file) that loses a translation or a
    translator's comment line of ``old``.

    A translation is kept when an entry of ``new`` (translated, fuzzy or obsolete, under
    any msgid) has the same msgstr texts, as many times as ``old`` has them; a comment
    line when ``new`` holds it as often.  The header's msgstr (metadata that ``update``
    refreshes) is not checked; its comment lines are, unless the file is removed.
    ``replaced``: the (msgctxt, msgid) of the entries of ``old`` whose translation and
    comments the caller knowingly replaces; returned are those of them that did hold
    some, for the caller to report.
    """
    if isinstance(new, str):
        new = new.encode("utf-8")
    if new == old:
        return []
    before = _read(old, path, "old")
    after = _read(new, path, "new") if new is not None else []
    translations = Counter(e.msgstrs for e in after if not e.header and any(e.msgstrs))
    comment_lines = Counter(line for e in after for line in e.comments)
    dropped: list[Key] = []
    for entry in before:
        if entry.key in replaced and not entry.header:
            if any(entry.msgstrs) or entry.comments:
                dropped.append(entry.key)
            continue
        what = ("the header" if entry.header else "the end of the file" if entry.trailing
                else repr(_short(entry.key[1])))
        if not entry.header and any(entry.msgstrs):
            if translations[entry.msgstrs] <= 0:
                raise _lost(path, entry, f"the translation of {what}")
            translations[entry.msgstrs] -= 1
        if entry.header and new is None:
            continue
        for line in entry.comments:
            if comment_lines[line] <= 0:
                raise _lost(path, entry, f"the translator comment {_short(line)!r} "
                                         f"(on {what})")
            comment_lines[line] -= 1
    return dropped


def _lost(path: str, entry: _Entry, what: str) -> CatalogError:
    return CatalogError(
        f"refusing to write: the new catalog would lose {what}; nothing was written",
        path=path, line=entry.line or None,
        hint="the file is unchanged; this is a bug in twp: please report it with a copy of "
             "the file and the command")
