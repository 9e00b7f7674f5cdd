"""The writer's guard: no command replaces a catalog with one that lost a translator's work.

Before a catalog is rewritten (or removed), :func:`check_kept` reads the bytes on disk
and the bytes about to replace them with its own small reader, independent of
:mod:`twp_i18n.catalog.pofile`, and checks that every translation (the msgstr texts of an
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

from ..errors import CatalogError

__all__ = ["IMPORT_MARK", "Key", "check_kept"]

IMPORT_MARK = "twp-import:"
"""Starts the translator comment ``twp import`` puts on a fuzzy entry it filled (origin and
score).  twp wrote it, not a translator: ``twp update`` removes it once the entry is
confirmed, and the guard lets it go."""

Key = tuple["str | None", str]
"""(msgctxt, msgid) of an entry."""

_WS = r"[ \t\f\v]*"
_STRING = r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'  # a quoted string (the loop unrolled, for speed)
_STRINGS = rf"{_STRING}(?:{_WS}{_STRING})*{_WS}"
_OBSOLETE = rf"(?:#~{_WS})"
# A field: its keyword line and the string lines after it (blank lines may come between).
_FIELD = (rf"^{_WS}(?P<obsolete>{_OBSOLETE})?(?P<kw>msgctxt|msgid_plural|msgid|msgstr)"
          rf"{_WS}(?:\[{_WS}(?P<index>\d+){_WS}\])?{_WS}"
          rf"(?P<strings>{_STRINGS}(?:\n(?:{_WS}\n)*{_WS}{_OBSOLETE}?{_STRINGS})*)$")
# A translator's comment: '#' then anything but what makes it another kind of line.
_COMMENT = rf"^{_WS}{_OBSOLETE}?#(?![.:,!|~])(?P<comment>.*)$"
_ITEMS = re.compile(f"{_FIELD}|{_COMMENT}", re.MULTILINE)
# Every line of a catalog: blank, a field's line, or a comment of any kind (# ...).
_LINE = (rf"{_WS}(?:{_OBSOLETE}?(?:(?:msgctxt|msgid_plural|msgid|msgstr){_WS}"
         rf"(?:\[{_WS}\d+{_WS}\])?{_WS})?{_STRINGS}|#.*)?")
_UNDERSTOOD = re.compile(rf"(?:{_LINE}\n)*{_LINE}")
# A line of only "#~", "#|" or "#~|" holds no token for gettext: it is nothing, even between
# the strings of one field.
_EMPTY_MARK = re.compile(rf"^{_WS}#(?:~|\|)(?:{_WS}\|)?{_WS}$", re.MULTILINE)
_BODY = re.compile(r'"([^"\\\n]*(?:\\.[^"\\\n]*)*)"')
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))", re.DOTALL)
_SIMPLE = {"n": b"\n", "t": b"\t", "r": b"\r", "a": b"\a", "b": b"\b", "f": b"\f", "v": b"\v",
           "\\": b"\\", '"': b'"'}
# "# File: a.md, line: 3" is a Solaris-style reference, not a translator's comment.
_SOLARIS = re.compile(r"\s*[Ff]ile:.*,\s*line\s*(number\s*)?:\s*\d+\s*")


class _Entry:
    """One entry as the guard sees it: where it starts, its key, msgstr texts, comments."""

    __slots__ = ("offset", "obsolete", "comments", "fields", "trailing", "key", "msgstrs",
                 "header")

    def __init__(self, offset: int, obsolete: bool, comments: list[str],
                 trailing: bool = False) -> None:
        self.offset = offset  # of its first field in the text (-1: comments at the end)
        self.obsolete = obsolete
        self.comments = comments
        self.fields: dict[str, str] = {}
        self.trailing = trailing
        self.key: Key = (None, "")
        self.msgstrs: tuple[str, ...] = ()
        self.header = False

    def close(self) -> None:
        fields = self.fields
        self.key = (fields.get("msgctxt"), fields.get("msgid", ""))
        if "msgstr" in fields or "msgstr[0]" not in fields:
            self.msgstrs = (fields.get("msgstr", ""),)
        else:
            forms = sorted((int(name[7:-1]), text) for name, text in fields.items()
                           if name.startswith("msgstr["))
            self.msgstrs = tuple(text for _, text in forms)
        self.header = self.key == (None, "") and not self.trailing


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

    # Escapes stand for bytes: gather them as latin-1 characters, then read the UTF-8.
    raw = _ESCAPE.sub(one, body.encode("utf-8", "surrogateescape").decode("latin-1"))
    return raw.encode("latin-1").decode("utf-8", "surrogateescape")


def _text(data: bytes) -> str:
    """A catalog's bytes as the guard reads them: LF line ends, no BOM, no empty marks."""
    text = data.decode("utf-8", "surrogateescape").removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "#~" in text or "#|" in text:  # '#~' or '#|' and nothing else: nothing, as in gettext
        text = _EMPTY_MARK.sub("", text)
    return text


def _entries(data: bytes) -> tuple[list[_Entry], str]:
    """The entries of a catalog's bytes, each with its translator comment lines (stripped,
    blank ones left out), and the text they were read from.  Raises :class:`_Unreadable`
    on a line it does not understand."""
    text = _text(data)
    return _parse(text), text


def _parse(text: str) -> list[_Entry]:
    """The entries of a catalog's text (as :func:`_text` gives it)."""
    understood = _UNDERSTOOD.match(text)
    assert understood is not None  # it matches the empty string at least
    if understood.end() != len(text):
        raise _Unreadable(text.count("\n", 0, understood.end()) + 1)
    entries: list[_Entry] = []
    comments: list[str] = []
    current: _Entry | None = None
    has_msgstr = False
    for m in _ITEMS.finditer(text):
        obsolete, kw, index, strings, comment = m.groups()
        if comment is not None:
            comment = comment.strip()
            if comment and not ("ile:" in comment and _SOLARIS.fullmatch(comment)):
                comments.append(comment)
            continue
        name = kw if index is None else f"msgstr[{int(index)}]"
        if kw in ("msgctxt", "msgid") and (current is None or has_msgstr or kw in current.fields
                                           or (kw == "msgctxt" and "msgid" in current.fields)):
            current = _Entry(m.start(), obsolete is not None, comments)
            comments = []
            has_msgstr = False
            entries.append(current)
        elif current is None:
            raise _Unreadable(text.count("\n", 0, m.start()) + 1)
        has_msgstr = has_msgstr or kw == "msgstr"
        if "\n" not in strings and strings.count('"') == 2:  # one string, the usual line
            value = strings[1:strings.rindex('"')]
        else:
            value = "".join(_BODY.findall(strings))
        if "\\" in value:
            value = _unescape(value, text.count("\n", 0, m.start()) + 1)
        current.fields[name] = value
    if comments:  # comment lines after the last entry belong to no entry: keep them too
        entries.append(_Entry(-1, True, comments, trailing=True))
    for entry in entries:
        entry.close()
    return entries


# Where one entry ends and the next starts: a blank line, then (past its comment lines, but
# not '#~' ones, which may continue an obsolete field) a msgctxt or msgid keyword.  A block
# between two such places is read alike wherever it stands: a msgctxt or msgid after a
# blank line always starts an entry.
_ENTRY_START = re.compile(rf"\n\n(?=(?:{_WS}#(?!~)[^\n]*\n)*{_WS}{_OBSOLETE}?(?:msgctxt|msgid(?!_)))")


def _changed_blocks(old: str, new: str) -> tuple[list[str], list[str]] | None:
    """The blocks of entries (see ``_ENTRY_START``) of ``old`` and of ``new`` that are not
    in the other, byte for byte (as many times); None when none are shared."""
    before, after = _ENTRY_START.split(old), _ENTRY_START.split(new)
    shared = Counter(before) & Counter(after)
    if not shared:
        return None

    def rest(blocks: list[str]) -> list[str]:
        left = shared.copy()
        kept = []
        for block in blocks:
            if left[block] > 0:
                left[block] -= 1
            else:
                kept.append(block)
        return kept

    return rest(before), rest(after)


def _read(data: bytes, path: str, which: str) -> tuple[list[_Entry], str]:
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
    if new is not None and not replaced and _kept_apart(old, new):
        return []
    before, text = _read(old, path, "old")
    after = _read(new, path, "new")[0] if new is not None else []
    return _compare(before, after, text, path, replaced, removing=new is None)


def _kept_apart(old: bytes, new: bytes) -> bool:
    """Whether ``new`` keeps every translation and translator comment of ``old``, judged on
    the blocks of entries that differ only: a block found byte for byte in both keeps what
    it holds, and each entry lies in one block.  False when it cannot tell (then the whole
    files are read, for the error with its line)."""
    changed = _changed_blocks(_text(old), _text(new))
    if changed is None:
        return False
    try:
        before, after = (_parse("\n\n".join(blocks)) for blocks in changed)
        _compare(before, after, "", "", (), removing=False)
    except (_Unreadable, CatalogError):
        return False
    return True


def _compare(before: list[_Entry], after: list[_Entry], text: str, path: str,
             replaced: Collection[Key], *, removing: bool) -> list[Key]:
    """:func:`check_kept` on the entries read: ``text`` (the old file's) gives lines."""
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
                raise _lost(path, text, entry, f"the translation of {what}")
            translations[entry.msgstrs] -= 1
        if entry.header and removing:
            continue
        for line in entry.comments:
            if line.strip().startswith(IMPORT_MARK):
                continue
            if comment_lines[line] <= 0:
                raise _lost(path, text, entry, f"the translator comment {_short(line)!r} "
                                         f"(on {what})")
            comment_lines[line] -= 1
    return dropped


def _lost(path: str, text: str, entry: _Entry, what: str) -> CatalogError:
    return CatalogError(
        f"refusing to write: the new catalog would lose {what}; nothing was written",
        path=path, line=text.count("\n", 0, entry.offset) + 1 if entry.offset >= 0 else None,
        hint="the file is unchanged; this is a bug in twp: please report it with a copy of "
             "the file and the command")
