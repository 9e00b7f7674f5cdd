"""Merging a template into one catalog without losing work (:func:`merge_catalog`); ``twp
update`` does it for every catalog of every language (:mod:`.update`).

The rules, per catalog (msgmerge's semantics, plus a translation memory):

1. An entry whose (msgctxt, msgid) is still in the template keeps its
   translation, translator comments and flags.  An obsolete entry whose text
   comes back is revived.
2. A new or changed unit is matched to the closest old entry of the same
   article (then of the language's other catalogs); it gets that translation,
   the ``fuzzy`` flag and the old source as ``#| msgid`` so editors show what
   changed.  Similarity is rapidfuzz's normalised Indel ratio (difflib's
   ratio without difflib's autojunk, which misses small edits in long
   paragraphs), at least :data:`FUZZY_THRESHOLD`.
3. Translation memory: a new unit whose exact text is translated in another
   catalog of the language is filled from it: translated when the role
   (msgctxt and unit type) is the same, fuzzy otherwise.
4. Old translated entries no longer used become obsolete (``#~``); untranslated
   ones are dropped, as msgmerge does, unless a translator commented on them: the
   comment goes to the changed unit's new entry (the most similar new unit), or stays on
   an obsolete entry when the unit is gone (msgmerge would drop it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import polib

from ..languages import nplurals
from .catalogs import (
    header_nplurals,
    new_catalog,
)
from .memory import Memory
from .poguard import IMPORT_MARK
from .similarity import most_similar

Key = tuple[str | None, str]


def key_of(entry: polib.POEntry) -> Key:
    return (entry.msgctxt, entry.msgid)


def has_translation(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return any(entry.msgstr_plural.values())
    return bool(entry.msgstr)


@dataclass
class MergeStats:
    """What happened to one catalog."""

    kept: int = 0
    fuzzy_matched: int = 0
    from_memory: int = 0
    obsoleted: int = 0
    revived: int = 0
    created: bool = False
    replaced: list[Key] = field(default_factory=list)
    """Entries whose translation could not be kept whole: the unit became plural, or stopped
    being plural, or has fewer plural forms than the old entry.  Their first forms are kept,
    fuzzy; the writer's guard is told."""

    def add(self, other: MergeStats) -> None:
        """Count ``other``'s entries in these (a language's total)."""
        self.kept += other.kept
        self.fuzzy_matched += other.fuzzy_matched
        self.from_memory += other.from_memory
        self.obsoleted += other.obsoleted
        self.revived += other.revived


def orphaned(po: polib.POFile) -> polib.POFile | None:
    """A catalog whose article is gone: translations (and translator comments) become
    obsolete; None if it holds none."""
    kept = [e if e.obsolete else as_obsolete(e) for e in po
            if e.obsolete or has_translation(e) or e.tcomment.strip()]
    if not kept:
        return None
    result = polib.POFile(wrapwidth=79)
    result.header = po.header
    result.metadata = dict(po.metadata)
    result.metadata_is_fuzzy = po.metadata_is_fuzzy
    for entry in kept:
        result.append(entry)
    return result


def merge_catalog(template: polib.POFile, old: polib.POFile | None, lang: str, domain: str,
                  memory: Memory | None = None) -> tuple[polib.POFile, MergeStats]:
    """Return the updated catalog for ``domain`` in ``lang`` and what changed."""
    stats = MergeStats()
    if old is None:
        old = new_catalog(template, lang)
        del old[:]  # the header only: entries come from the template below
        stats.created = True
    result = polib.POFile(wrapwidth=79)
    result.header = old.header
    result.metadata = dict(old.metadata)
    result.metadata_is_fuzzy = old.metadata_is_fuzzy
    for name in ("POT-Creation-Date",):
        if name in template.metadata:
            result.metadata[name] = template.metadata[name]
    forms = _plural_count(old, lang)
    used: set[int] = set()
    merged, pending = _same_units(template, old, forms, stats, used)
    _new_units(merged, pending, old, forms, stats, used, memory, domain)
    _move_notes(merged, pending, old, used)
    for done in merged:
        assert done is not None
        result.append(done)
    for entry in old:
        if entry.obsolete and id(entry) not in used:
            result.append(entry)
    for entry in old:
        if not entry.obsolete and id(entry) not in used and (
                has_translation(entry) or entry.tcomment.strip()):
            result.append(as_obsolete(entry))
            stats.obsoleted += 1
    return result, stats


Pending = list[tuple[int, polib.POEntry]]
"""Template units no entry of the old catalog has, by their index in the template."""


def _same_units(template: polib.POFile, old: polib.POFile, forms: int, stats: MergeStats,
                used: set[int]) -> tuple[list[polib.POEntry | None], Pending]:
    """Each template unit with the old entry of the same key carried over (None where there
    is none, those in ``pending``); the old entries used are added to ``used``."""
    by_key: dict[Key, polib.POEntry] = {}
    for entry in old:  # live entries first: they win over obsolete duplicates
        if not entry.obsolete:
            by_key.setdefault(key_of(entry), entry)
    for entry in old:
        if entry.obsolete:
            by_key.setdefault(key_of(entry), entry)

    pending: Pending = []
    merged: list[polib.POEntry | None] = []
    for index, unit in enumerate(template):
        previous = by_key.get(key_of(unit))
        if previous is not None and not _carries(unit, previous, forms):
            used.add(id(previous))
            merged.append(_reshaped(unit, previous, forms, stats))
            continue
        if previous is not None:
            used.add(id(previous))
            merged.append(_carry(unit, previous, forms))
            if previous.obsolete:
                stats.revived += 1
            else:
                stats.kept += 1
        else:
            merged.append(None)
            pending.append((index, unit))
    return merged, pending


def _new_units(merged: list[polib.POEntry | None], pending: Pending, old: polib.POFile,
               forms: int, stats: MergeStats, used: set[int], memory: Memory | None,
               domain: str) -> None:
    """Fill in the units no old entry had: a fuzzy match among the unused translations,
    else the translation memory, else an empty entry."""
    candidates = [e for e in old if id(e) not in used and has_translation(e)
                  and not e.msgid_plural]
    candidate_texts = [e.msgid for e in candidates]
    for index, unit in pending:
        match = None
        if candidate_texts and not unit.msgid_plural:
            found = most_similar(unit.msgid, candidate_texts)
            if found is not None:
                match = candidates[found]
        if match is not None:
            used.add(id(match))
            merged[index] = _fuzzy(unit, match, forms)
            stats.fuzzy_matched += 1
            continue
        if memory is not None and not unit.msgid_plural:
            remembered = _from_memory(unit, memory, domain, forms)
            if remembered is not None:
                merged[index] = remembered
                stats.from_memory += 1
                continue
        merged[index] = _fresh(unit, forms)


def _from_memory(unit: polib.POEntry, memory: Memory, domain: str,
                 forms: int) -> polib.POEntry | None:
    """The entry for ``unit`` from the translation memory (fuzzy unless the same text had
    the same role), or None."""
    hit = memory.lookup(unit, domain)
    if hit is not None:
        other, same_role = hit
        entry = _fresh(unit, forms)
        entry.msgstr = other.msgstr
        if not same_role:
            entry.flags.insert(0, "fuzzy")
        return entry
    similar = memory.closest(unit.msgid, domain)
    if similar is not None:
        return _fuzzy(unit, similar, forms)
    return None


def _move_notes(merged: list[polib.POEntry | None], pending: Pending, old: polib.POFile,
                used: set[int]) -> None:
    """Translator comments on untranslated entries whose unit changed go to the new unit;
    those whose unit is gone are kept on an obsolete entry (by :func:`merge_catalog`)."""
    noted = [e for e in old if id(e) not in used and not has_translation(e) and e.tcomment.strip()]
    noted_texts = [e.msgid for e in noted]
    for index, unit in pending:
        if not noted_texts:
            break
        found = most_similar(unit.msgid, noted_texts)
        if found is not None:
            entry, target = noted[found], merged[index]
            assert target is not None
            used.add(id(entry))
            target.tcomment = "\n".join(filter(None, [target.tcomment, entry.tcomment]))
            del noted[found], noted_texts[found]


def _reshaped(unit: polib.POEntry, previous: polib.POEntry, forms: int,
              stats: MergeStats) -> polib.POEntry:
    """``unit`` with what ``previous`` (same msgctxt and msgid, another shape) holds that fits:
    its forms in order, fuzzy, the old source as ``#|``; recorded in ``stats.replaced``."""
    texts = ([previous.msgstr_plural[k] for k in sorted(previous.msgstr_plural)]
             if previous.msgid_plural or previous.msgstr_plural else [previous.msgstr])
    entry = _fresh(unit, forms)
    entry.tcomment = previous.tcomment
    if unit.msgid_plural:
        entry.msgstr_plural = {i: texts[i] if i < len(texts) else "" for i in range(forms)}
    else:
        entry.msgstr = texts[0]
    if any(texts):
        entry.flags = _unique(["fuzzy"] + entry.flags)
        entry.previous_msgctxt, entry.previous_msgid = previous.msgctxt, previous.msgid
        entry.previous_msgid_plural = previous.msgid_plural or None
        stats.replaced.append(key_of(previous))
        stats.fuzzy_matched += 1
    return entry


def _carries(unit: polib.POEntry, previous: polib.POEntry, forms: int) -> bool:
    """Whether ``previous`` (same msgctxt and msgid) can hold ``unit``'s translation without
    losing any of its own: both plural or both not, and no more plural forms than kept."""
    if bool(unit.msgid_plural) != bool(previous.msgid_plural or previous.msgstr_plural):
        return False
    return not unit.msgid_plural or all(
        not text for i, text in previous.msgstr_plural.items() if int(i) >= forms)


def _plural_count(po: polib.POFile, lang: str) -> int:
    return header_nplurals(po) or nplurals(lang)


def _fresh(unit: polib.POEntry, forms: int) -> polib.POEntry:
    """An untranslated entry with the template's source, comments and format flags."""
    entry = polib.POEntry(
        msgid=unit.msgid, msgctxt=unit.msgctxt, msgid_plural=unit.msgid_plural,
        occurrences=list(unit.occurrences), comment=unit.comment,
        flags=[f for f in unit.flags if f != "fuzzy"],
    )
    if unit.msgid_plural:
        entry.msgstr_plural = {i: "" for i in range(forms)}
    return entry


def _carry(unit: polib.POEntry, previous: polib.POEntry, forms: int) -> polib.POEntry:
    """Same source: keep everything the translator wrote, refresh what the template owns."""
    entry = _fresh(unit, forms)
    entry.tcomment = previous.tcomment
    own_flags = [f for f in previous.flags if f == "fuzzy" or not f.endswith("-format")]
    entry.flags = _unique(own_flags + entry.flags)
    if IMPORT_MARK in entry.tcomment and not entry.fuzzy:  # confirmed: the import's note goes
        entry.tcomment = "\n".join(line for line in entry.tcomment.split("\n")
                                   if not line.startswith(IMPORT_MARK))
    if unit.msgid_plural:
        entry.msgstr_plural = {i: previous.msgstr_plural.get(i, "") for i in range(forms)}
    else:
        entry.msgstr = previous.msgstr
    if entry.fuzzy:
        entry.previous_msgctxt = previous.previous_msgctxt
        entry.previous_msgid = previous.previous_msgid
        entry.previous_msgid_plural = previous.previous_msgid_plural
    return entry


def _fuzzy(unit: polib.POEntry, match: polib.POEntry, forms: int) -> polib.POEntry:
    """A changed unit: the closest old translation, flagged fuzzy, with the old source."""
    entry = _fresh(unit, forms)
    entry.tcomment = match.tcomment
    entry.msgstr = match.msgstr
    entry.flags = _unique(["fuzzy"] + entry.flags)
    if match.fuzzy and match.previous_msgid:
        entry.previous_msgctxt = match.previous_msgctxt
        entry.previous_msgid = match.previous_msgid
    else:
        entry.previous_msgctxt = match.msgctxt
        entry.previous_msgid = match.msgid
    return entry


def as_obsolete(entry: polib.POEntry) -> polib.POEntry:
    """The entry as a ``#~`` obsolete one: translation and translator's notes kept."""
    gone = polib.POEntry(
        msgid=entry.msgid, msgctxt=entry.msgctxt, msgid_plural=entry.msgid_plural,
        msgstr=entry.msgstr, tcomment=entry.tcomment, obsolete=True,
        flags=[f for f in entry.flags if f == "fuzzy"],
        previous_msgctxt=entry.previous_msgctxt, previous_msgid=entry.previous_msgid,
    )
    if entry.msgid_plural:
        gone.msgstr_plural = dict(entry.msgstr_plural)
    return gone


def _unique(items: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen
