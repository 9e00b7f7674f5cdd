"""Three-way merge of two versions of one catalog by entry: git's merge driver (``twp merge-po``).

Entries are matched by (msgctxt, msgid), the pair gettext identifies an entry by; every
other part of an entry is merged on its own, the way a translator would:

- What both sides changed the same way, or only one side changed, is taken.  Wrapping is
  never compared (the catalogs are parsed), and the parts ``twp sync`` owns (references,
  extracted comments, format flags, ``msgid_plural``) are never a conflict: when both
  sides changed them differently, ours are kept and the next ``twp sync`` sets them.
- Translator comments are merged line by line: lines either side added are kept, lines
  either side removed go.
- An entry whose source changed on one side (``twp sync`` made a new, fuzzy entry with
  the old source as ``#| msgid``, and dropped the old one) while the other side changed
  its translation gets that new translation, stays fuzzy and keeps the previous source.
- An entry one side removed and the other changed is kept, as an obsolete entry, unless
  its change was carried to the entry that replaced it (above).  An entry both sides
  added, obsolete on one and live on the other, is live.
- A real conflict (both sides changed a translation, differently) keeps ours as the
  translation, marks the entry fuzzy and writes theirs into a translator comment (one
  ``# merge-conflict:`` line per form, as a PO string), which ``twp check`` reports as an
  error until someone chooses.  No conflict marker ever enters the file.
- Header: fields merge the same way; ``PO-Revision-Date`` and ``Last-Translator`` come
  from the side with the later revision date, which also wins fields both changed.

"No translation lost" means: every translation (each form) and translator comment line
that a side changed or added since the base is in the result, as a translation or in a
``merge-conflict`` comment.  :func:`merge_catalogs` checks that on its own result before
returning it, and refuses (a :class:`~twp_i18n.errors.CatalogError`) rather than lose one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import polib

from ..config import LimitsConfig
from ..errors import CatalogError
from . import pofile

__all__ = ["CONFLICT_MARK", "MergeResult", "conflict_versions", "merge_catalogs"]

CONFLICT_MARK = "merge-conflict:"
"""How the translator comment lines of an unresolved conflict begin."""

CONFLICT_NOTE = (f"{CONFLICT_MARK} this translation was changed on both branches; the other "
                 "version follows. Keep one (or write a new one), then delete these lines "
                 "and the fuzzy flag.")

Key = tuple["str | None", str]
T = TypeVar("T")

_VERSION_LINE = re.compile(r'merge-conflict:\s*(msgstr(?:\[(\d+)\])?)\s*"((?:[^"\\]|\\.)*)"\s*$')
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\a": "\\a",
            "\b": "\\b", "\f": "\\f", "\v": "\\v"}
_UNESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_NPLURALS = re.compile(r"nplurals\s*=\s*(\d+)")
_DATE = re.compile(r"\s*(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d)(?::\d\d)?\s*([+-]\d{4})?")


@dataclass
class MergeResult:
    """The merged catalog's text and the entries left in conflict (by msgctxt, msgid)."""

    text: str
    conflicts: list[Key] = field(default_factory=list)


def _escape(text: str) -> str:
    return "".join(_ESCAPES.get(ch) or (f"\\{ord(ch):03o}" if ord(ch) < 32 or ord(ch) == 127
                                         else ch) for ch in text)


def _unescape(body: str) -> str:
    def one(m: re.Match[str]) -> str:
        char = m[1]
        if char in _UNESCAPES:
            return _UNESCAPES[char]
        if char.isdigit():
            return chr(int(m[0][1:], 8))
        return char
    return re.sub(r"\\([0-7]{1,3}|.)", one, body)


def conflict_versions(entry: polib.POEntry) -> list[tuple[str, str]]:
    """The other versions an unresolved merge conflict left in the entry's translator
    comment, as (``msgstr`` or ``msgstr[N]``, text); [] when there is no conflict.

    >>> e = polib.POEntry(msgid="a", tcomment='merge-conflict: note\\nmerge-conflict: msgstr "x\\\\ny"')
    >>> conflict_versions(e)
    [('msgstr', 'x\\ny')]
    """
    found = []
    for line in (entry.tcomment or "").split("\n"):
        m = _VERSION_LINE.match(line.strip())
        if m is not None:
            found.append((m[1], _unescape(m[3])))
    return found


def has_conflict(entry: polib.POEntry) -> bool:
    """Whether the entry still holds a ``# merge-conflict:`` comment."""
    return any(line.strip().startswith(CONFLICT_MARK)
               for line in (entry.tcomment or "").split("\n"))


# ----------------------------------------------------------------------------- values

def _key(entry: polib.POEntry) -> Key:
    return (entry.msgctxt, entry.msgid)


def _translation(entry: polib.POEntry | None) -> str | tuple[str, ...] | None:
    if entry is None:
        return None
    if entry.msgid_plural or entry.msgstr_plural:
        return tuple(entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural, key=int))
    return entry.msgstr


def _forms(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return value if isinstance(value, tuple) else (value,)


def _empty(value: str | tuple[str, ...] | None) -> bool:
    return not any(_forms(value))


def _same(a: str | tuple[str, ...] | None, b: str | tuple[str, ...] | None) -> bool:
    return a == b or (_empty(a) and _empty(b))


def _lines(text: str | None) -> list[str]:
    return text.split("\n") if text else []


def _previous(entry: polib.POEntry | None) -> tuple[str | None, str | None, str | None] | None:
    if entry is None:
        return None
    return (entry.previous_msgctxt, entry.previous_msgid, entry.previous_msgid_plural)


def _pick(base: T | None, ours: T, theirs: T) -> tuple[T, bool]:
    """The three-way choice and whether both sides changed it differently (ours kept)."""
    if ours == theirs or theirs == base:
        return ours, False
    if ours == base:
        return theirs, False
    return ours, True


def _merge_lines(base: list[str], ours: list[str], theirs: list[str]) -> list[str]:
    """Comment lines: ours without those theirs removed, then those theirs added."""
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    old, mine, other = set(base), set(ours), set(theirs)
    return ([line for line in ours if not (line in old and line not in other)]
            + [line for line in theirs if line not in old and line not in mine])


def _date(value: str | None) -> datetime | None:
    m = _DATE.match(value or "")
    if m is None:
        return None
    try:
        return datetime.strptime(f"{m[1]}-{m[2]}-{m[3]} {m[4]}:{m[5]} {m[6] or '+0000'}",
                                 "%Y-%m-%d %H:%M %z")
    except ValueError:
        return None


def _theirs_later(ours: polib.POFile, theirs: polib.POFile, name: str) -> bool:
    mine, other = _date(ours.metadata.get(name)), _date(theirs.metadata.get(name))
    return other is not None and (mine is None or other > mine)


# ----------------------------------------------------------------------------- header

def _merge_header(base: polib.POFile, ours: polib.POFile, theirs: polib.POFile,
                  result: polib.POFile) -> None:
    later = _theirs_later(ours, theirs, "PO-Revision-Date")
    names = list(ours.metadata) + [n for n in theirs.metadata if n not in ours.metadata]
    names += [n for n in base.metadata if n not in names]
    metadata: dict[str, str] = {}
    for name in names:
        value, both = _pick(base.metadata.get(name), ours.metadata.get(name),
                            theirs.metadata.get(name))
        if name in ("PO-Revision-Date", "Last-Translator"):
            value = (theirs if later else ours).metadata.get(name, value)
        elif both:
            if name.endswith("-Date"):
                value = theirs.metadata[name] if _theirs_later(ours, theirs, name) else value
            elif later:
                value = theirs.metadata.get(name)
        if value is not None:
            metadata[name] = value
    result.metadata = metadata
    result.header = "\n".join(_merge_lines(_lines(base.header), _lines(ours.header),
                                           _lines(theirs.header)))
    result.metadata_is_fuzzy = _pick(base.metadata_is_fuzzy, ours.metadata_is_fuzzy,
                                     theirs.metadata_is_fuzzy)[0]
    if any(getattr(po, "twp_has_header", False) for po in (ours, theirs)):
        setattr(result, "twp_has_header", True)  # noqa: B010 - polib.POFile does not declare it


# ----------------------------------------------------------------------------- entries

class _Side:
    """One version of the catalog, by key, with what it lost of the base's live entries."""

    def __init__(self, po: polib.POFile, base: dict[Key, polib.POEntry]) -> None:
        self.po = po
        self.by_key = {_key(e): e for e in po}
        self.base = base

    def lost(self, key: Key) -> bool:
        """A live entry of the base that this side removed or made obsolete."""
        old = self.base.get(key)
        mine = self.by_key.get(key)
        return old is not None and not old.obsolete and (mine is None or mine.obsolete)


def _origin(entry: polib.POEntry, side: _Side, base: dict[Key, polib.POEntry],
            by_previous: dict[tuple[str | None, str | None, str | None], list[Key]],
            ) -> Key | None:
    """The base entry a new entry of ``side`` replaces (``twp update`` moved its
    translation there when its source changed), or None: the entry its ``#|`` previous
    source names, or one with the same previous source (a fuzzy entry changed again)."""
    if entry.previous_msgid is not None:
        previous = (entry.previous_msgctxt, entry.previous_msgid)
        if side.lost(previous):
            return previous
        for key in by_previous.get(_previous(entry) or (None, None, None), []):
            if side.lost(key):
                return key
    return None


def _changed(entry: polib.POEntry | None, old: polib.POEntry | None) -> bool:
    """Whether a translator's part (translation, translator comment) differs from ``old``."""
    if entry is None:
        return False
    return not _same(_translation(entry), _translation(old)) or \
        _lines(entry.tcomment) != _lines(old.tcomment if old is not None else None)


def _fit(value: str | tuple[str, ...] | None, plural: bool, count: int
         ) -> str | tuple[str, ...] | None:
    """``value`` in the shape of the merged entry (None if it does not fit without loss)."""
    forms = _forms(value)
    if plural:
        if len(forms) > count and any(forms[count:]):
            return None
        if not isinstance(value, tuple) and any(forms):
            return None
        return tuple((forms + ("",) * count)[:count]) if forms or count else ()
    if isinstance(value, tuple):
        return None if any(value) else ""
    return value or ""


def _set_translation(entry: polib.POEntry, value: str | tuple[str, ...]) -> None:
    if isinstance(value, tuple):
        entry.msgstr = ""
        entry.msgstr_plural = dict(enumerate(value))
    else:
        entry.msgstr = value
        entry.msgstr_plural = {}


def _version_lines(value: str | tuple[str, ...] | None) -> list[str]:
    if isinstance(value, tuple):
        return [f'{CONFLICT_MARK} msgstr[{i}] "{_escape(text)}"' for i, text in enumerate(value)]
    return [f'{CONFLICT_MARK} msgstr "{_escape(value or "")}"']


class _Merger:
    def __init__(self, base: polib.POFile, ours: polib.POFile, theirs: polib.POFile) -> None:
        self.base = {_key(e): e for e in base}
        self.ours = _Side(ours, self.base)
        self.theirs = _Side(theirs, self.base)
        self.by_previous: dict[tuple[str | None, str | None, str | None], list[Key]] = {}
        for key, entry in self.base.items():
            if entry.previous_msgid is not None:
                self.by_previous.setdefault(_previous(entry), []).append(key)  # type: ignore[arg-type]
        self.carried: set[tuple[str, Key]] = set()  # (side, base key) whose change moved on
        self.conflicts: list[Key] = []
        self.count = 2

    def order(self) -> list[Key]:
        """Ours' entries in their order; theirs' others after the entry before them there."""
        keys = list(self.ours.by_key)
        known = set(keys)
        after: dict[Key | None, list[Key]] = {}
        anchor: Key | None = None
        for key in self.theirs.by_key:
            if key in known:
                anchor = key
            else:
                after.setdefault(anchor, []).append(key)
        result = list(after.get(None, []))
        for key in keys:
            result.append(key)
            result.extend(after.get(key, []))
        return result

    def merge(self, count: int) -> list[polib.POEntry]:
        self.count = count
        keys = self.order()
        merged: dict[Key, polib.POEntry] = {}
        for key in keys:  # new entries first: they may carry the changes of removed ones
            if key not in self.base:
                merged[key] = self.entry(key)
        for key in keys:
            if key in self.base:
                entry = self.kept(key)
                if entry is not None:
                    merged[key] = entry
        return [merged[key] for key in keys if key in merged]

    def kept(self, key: Key) -> polib.POEntry | None:
        """An entry of the base: merged, or gone, or kept obsolete (removed vs changed)."""
        base, ours, theirs = self.base[key], self.ours.by_key.get(key), self.theirs.by_key.get(key)
        if ours is not None and theirs is not None:
            return self.entry(key)
        if ours is None and theirs is None:
            return None
        name, other = ("theirs", theirs) if ours is None else ("ours", ours)
        assert other is not None
        if not _changed(other, base) or (name, key) in self.carried:
            return None  # removed on one side, unchanged (or carried on) on the other
        kept = self.entry(key)
        kept.obsolete = True
        return kept

    def entry(self, key: Key) -> polib.POEntry:  # noqa: C901 - the three-way decision for each part of an entry, in one table
        base, ours, theirs = (self.base.get(key), self.ours.by_key.get(key),
                              self.theirs.by_key.get(key))
        # What stands for the translation on each side: for a new entry replacing a base
        # entry, that entry (on the side that does not have the new one yet).
        tbase = base
        tours, ttheirs = ours, theirs
        if base is None:
            origin = None
            for side, entry in ((self.ours, ours), (self.theirs, theirs)):
                if entry is not None and origin is None:
                    origin = _origin(entry, side, self.base, self.by_previous)
            if origin is not None:
                tbase = self.base[origin]
                if ours is None:
                    tours = self.ours.by_key.get(origin, tbase)
                    if _changed(tours, tbase):
                        self.carried.add(("ours", origin))
                if theirs is None:
                    ttheirs = self.theirs.by_key.get(origin, tbase)
                    if _changed(ttheirs, tbase):
                        self.carried.add(("theirs", origin))
        if tours is None:
            tours = tbase
        if ttheirs is None:
            ttheirs = tbase
        present = ours if ours is not None else theirs
        assert present is not None

        def part(get: Callable[[polib.POEntry], T]) -> T:
            if ours is None or theirs is None:
                return get(present)
            return _pick(get(base) if base is not None else None, get(ours), get(theirs))[0]

        result = polib.POEntry(msgid=key[1], msgctxt=key[0])
        result.msgid_plural = part(lambda e: e.msgid_plural or "")
        result.comment = part(lambda e: e.comment or "")
        result.occurrences = list(part(lambda e: tuple(e.occurrences)))
        own = part(lambda e: tuple(f for f in e.flags if f != "fuzzy"))
        # Added on both sides, live on one: live (the next sync decides; an obsolete entry
        # without a translation would vanish from the file, and only from one side's merge).
        result.obsolete = part(lambda e: e.obsolete) and not (
            base is None and ours is not None and theirs is not None
            and not (ours.obsolete and theirs.obsolete))

        def source(entry: polib.POEntry | None) -> tuple[Key, str] | None:
            return None if entry is None else (_key(entry), entry.msgid_plural or "")

        src_ours = tbase is not None and source(tours) != source(tbase)
        src_theirs = tbase is not None and source(ttheirs) != source(tbase)
        tr_base, tr_ours, tr_theirs = (_translation(tbase), _translation(tours),
                                       _translation(ttheirs))
        fz_base = bool(tbase is not None and tbase.fuzzy)
        fz_ours, fz_theirs = bool(tours is not None and tours.fuzzy), \
            bool(ttheirs is not None and ttheirs.fuzzy)
        ours_changed = not _same(tr_ours, tr_base)
        theirs_changed = not _same(tr_theirs, tr_base)
        conflict = ours_changed and theirs_changed and not _same(tr_ours, tr_theirs)
        fuzzy = _pick(fz_base, fz_ours, fz_theirs)[0]
        if ours_changed and not theirs_changed:
            fuzzy = fz_ours or (fz_theirs and not fz_base) or src_theirs
            chosen: str | tuple[str, ...] | None = tr_ours
        elif theirs_changed and not ours_changed:
            fuzzy = fz_theirs or (fz_ours and not fz_base) or src_ours
            chosen = tr_theirs
        else:
            chosen = tr_ours if not _empty(tr_ours) else tr_theirs
        if (src_ours and fz_ours) or (src_theirs and fz_theirs):
            fuzzy = True
        plural = bool(result.msgid_plural)
        others: list[str | tuple[str, ...] | None] = []
        if conflict:
            first = _fit(tr_ours, plural, self.count)
            if first is None:
                first, others = _fit(tr_theirs, plural, self.count), [tr_ours]
                if first is None:
                    others.append(tr_theirs)
            else:
                others = [tr_theirs]
            chosen = first
        fitted = _fit(chosen, plural, self.count)
        if fitted is None:  # a translation of another shape than the merged source
            others.append(chosen)
            fitted = _fit(None, plural, self.count)
        assert fitted is not None
        _set_translation(result, fitted)
        comments = _merge_lines(_lines(tbase.tcomment if tbase is not None else None),
                                _lines(tours.tcomment if tours is not None else None),
                                _lines(ttheirs.tcomment if ttheirs is not None else None))
        if others:
            self.conflicts.append(key)
            fuzzy = True
            comments.append(CONFLICT_NOTE)
            for value in others:
                comments.extend(_version_lines(value))
        result.tcomment = "\n".join(comments)
        previous, _ = _pick(_previous(tbase), _previous(tours), _previous(ttheirs))
        if previous is not None:
            result.previous_msgctxt, result.previous_msgid, result.previous_msgid_plural = previous
        result.flags = (["fuzzy"] if fuzzy else []) + list(own)
        return result


# ----------------------------------------------------------------------------- the merge

def _parse(text: str | None, what: str, limits: LimitsConfig) -> polib.POFile:
    if not text:
        return polib.POFile()
    return pofile.parse_po(text, what, limits=limits)


def _nplurals(po: polib.POFile, entries: Iterable[polib.POEntry]) -> int:
    m = _NPLURALS.search(po.metadata.get("Plural-Forms", ""))
    if m is not None and 0 < int(m[1]) <= 100:
        return int(m[1])
    return max([len(e.msgstr_plural) for e in entries if e.msgid_plural] + [2])


def merge_catalogs(base: str | None, ours: str, theirs: str, *, path: str = "<catalog>",
                   limits: LimitsConfig | None = None) -> MergeResult:
    """Merge two versions (``ours``, ``theirs``) of the catalog at ``path`` that both come
    from ``base`` (None or empty: added on both sides).  Each text is read strictly (a
    :class:`~twp_i18n.errors.CatalogError` names the version); the result is canonical
    text (fields unchanged from ours or theirs keep their lines) and its conflicts."""
    limits = limits or LimitsConfig()
    base_po = _parse(base, f"{path} (base)", limits)
    theirs_po = _parse(theirs, f"{path} (theirs)", limits)
    ours_po = _parse(ours, f"{path} (ours)", limits)
    for name, po in (("ours", ours_po), ("theirs", theirs_po)):
        if len(base_po) and not len(po) and not po.metadata:
            raise CatalogError(
                "the catalog is empty; nothing was written", path=f"{path} ({name})",
                hint="one branch emptied the file (an editor or a tool that failed?): it is "
                     "not merged as the removal of every entry. Take the other version "
                     "('git checkout --ours' or '--theirs'), or restore the file on that "
                     "branch and merge again")
    result = polib.POFile(wrapwidth=79)
    result.metadata_is_fuzzy = False
    _merge_header(base_po, ours_po, theirs_po, result)
    merger = _Merger(base_po, ours_po, theirs_po)
    for entry in merger.merge(_nplurals(result, list(ours_po) + list(theirs_po))):
        result.append(entry)
    text = pofile.format_po(result, original=ours_po)  # what ours did not change keeps its bytes
    merged = pofile.parse_po(text, f"{path} (merged)", limits=limits)
    for name, po in (("ours", ours_po), ("theirs", theirs_po)):
        lost = _first_lost(base_po, po, merged)
        if lost is not None:
            raise CatalogError(
                f"the merge would lose {name}' {lost}; nothing was written", path=path,
                hint="this is a bug in twp: please report it; meanwhile take one version "
                     "('git checkout --ours' or '--theirs') and copy the other's change by hand")
    return MergeResult(text, merger.conflicts)


def _first_lost(base: polib.POFile, side: polib.POFile, merged: polib.POFile) -> str | None:
    """What ``side`` changed since ``base`` that ``merged`` does not hold, described; or None."""
    texts: set[str] = set()
    comments: set[str] = set()
    for entry in merged:
        texts.update(_forms(_translation(entry)))
        texts.update(text for _, text in conflict_versions(entry))
        comments.update(line.strip() for line in _lines(entry.tcomment))
    old = {_key(e): e for e in base}
    by_previous: dict[object, list[polib.POEntry]] = {}
    for e in base:
        if e.previous_msgid is not None:
            by_previous.setdefault(_previous(e), []).append(e)
    for entry in side:
        before = old.get(_key(entry))
        # twp update moved a translation of the base: the entry its #| names, or one with the
        # same #| (a fuzzy entry whose source changed again)
        moved_from = [e for e in (old.get((entry.previous_msgctxt, entry.previous_msgid or "")),)
                      if e is not None]
        if entry.previous_msgid is not None:
            moved_from += by_previous.get(_previous(entry), [])
        if not _same(_translation(entry), _translation(before)) and not any(
                _same(_translation(entry), _translation(e)) for e in moved_from):
            for text in _forms(_translation(entry)):
                if text and text not in texts:
                    return f"translation {text[:60]!r} of {entry.msgid[:40]!r}"
        known = set(_lines(before.tcomment)) if before is not None else set()
        for line in _lines(entry.tcomment):
            if line not in known and line.strip() and line.strip() not in comments:
                return f"translator comment {line[:60]!r} on {entry.msgid[:40]!r}"
    return None
