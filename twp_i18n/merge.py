"""``twp update``: merge templates into every language's catalogs without losing work.

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
   ones are dropped, as msgmerge does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polib
from rapidfuzz import fuzz, process

from . import pofile
from .catalogs import catalog_path, header_nplurals, load_language, load_templates, new_catalog
from .config import Config
from .errors import CatalogError
from .fsutil import remove_file, write_if_changed
from .languages import nplurals

FUZZY_THRESHOLD = 60.0
"""Minimum similarity (0-100) for a fuzzy match; msgmerge uses 0.6."""

Key = tuple[str | None, str]


def key_of(entry: polib.POEntry) -> Key:
    return (entry.msgctxt, entry.msgid)


def has_translation(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return any(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def unit_types(entry: polib.POEntry) -> tuple[str, ...]:
    """The ``type: ...`` lines of an entry's extracted comments."""
    return tuple(line for line in entry.comment.split("\n") if line.startswith("type: "))


@dataclass
class MergeStats:
    """What happened to one catalog."""

    kept: int = 0
    fuzzy_matched: int = 0
    from_memory: int = 0
    obsoleted: int = 0
    revived: int = 0
    created: bool = False


class Memory:
    """The translated entries of one language's catalogs, for reuse across articles."""

    def __init__(self, catalogs: dict[str, polib.POFile]) -> None:
        self.exact: dict[str, list[tuple[str, polib.POEntry]]] = {}
        self.texts: list[str] = []
        self.entries: list[tuple[str, polib.POEntry]] = []
        for domain, po in sorted(catalogs.items()):
            for entry in po:
                if entry.obsolete or entry.msgid_plural or not entry.msgstr or entry.fuzzy:
                    continue
                self.exact.setdefault(entry.msgid, []).append((domain, entry))
                self.texts.append(entry.msgid)
                self.entries.append((domain, entry))

    def lookup(self, entry: polib.POEntry, domain: str) -> tuple[polib.POEntry, bool] | None:
        """An exact-text entry from another catalog; True when its role matches too."""
        candidates = [(d, e) for d, e in self.exact.get(entry.msgid, ()) if d != domain]
        for _, other in candidates:
            if other.msgctxt == entry.msgctxt and unit_types(other) == unit_types(entry):
                return other, True
        return (candidates[0][1], False) if candidates else None

    def closest(self, text: str, domain: str) -> polib.POEntry | None:
        """The most similar translated entry of another catalog, if similar enough."""
        best: tuple[float, int] | None = None
        for _, score, index in process.extract(text, self.texts, scorer=fuzz.ratio,
                                               score_cutoff=FUZZY_THRESHOLD, limit=8):
            if self.entries[index][0] == domain:
                continue
            if best is None or score > best[0] or (score == best[0] and index < best[1]):
                best = (score, index)
        return self.entries[best[1]][1] if best else None


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

    by_key: dict[Key, polib.POEntry] = {}
    for entry in old:  # live entries first: they win over obsolete duplicates
        if not entry.obsolete:
            by_key.setdefault(key_of(entry), entry)
    for entry in old:
        if entry.obsolete:
            by_key.setdefault(key_of(entry), entry)

    used: set[int] = set()
    pending: list[tuple[int, polib.POEntry]] = []
    merged: list[polib.POEntry | None] = []
    for index, unit in enumerate(template):
        previous = by_key.get(key_of(unit))
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

    candidates = [e for e in old if id(e) not in used and has_translation(e)
                  and not e.msgid_plural]
    candidate_texts = [e.msgid for e in candidates]
    for index, unit in pending:
        match = None
        if candidate_texts and not unit.msgid_plural:
            found = process.extractOne(unit.msgid, candidate_texts, scorer=fuzz.ratio,
                                       score_cutoff=FUZZY_THRESHOLD)
            if found is not None:
                match = candidates[found[2]]
        if match is not None:
            used.add(id(match))
            merged[index] = _fuzzy(unit, match, forms)
            stats.fuzzy_matched += 1
            continue
        if memory is not None and not unit.msgid_plural:
            hit = memory.lookup(unit, domain)
            if hit is not None:
                other, same_role = hit
                entry = _fresh(unit, forms)
                entry.msgstr = other.msgstr
                if not same_role:
                    entry.flags.insert(0, "fuzzy")
                merged[index] = entry
                stats.from_memory += 1
                continue
            similar = memory.closest(unit.msgid, domain)
            if similar is not None:
                merged[index] = _fuzzy(unit, similar, forms)
                stats.from_memory += 1
                continue
        merged[index] = _fresh(unit, forms)

    for entry in merged:
        assert entry is not None
        result.append(entry)
    for entry in old:
        if entry.obsolete and id(entry) not in used:
            result.append(entry)
    for entry in old:
        if not entry.obsolete and id(entry) not in used and has_translation(entry):
            result.append(_obsolete(entry))
            stats.obsoleted += 1
    return result, stats


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


def _obsolete(entry: polib.POEntry) -> polib.POEntry:
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


@dataclass
class LanguageUpdate:
    """What ``update`` did for one language (paths relative to the site root)."""

    lang: str
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    stats: MergeStats = field(default_factory=MergeStats)


@dataclass
class UpdateReport:
    """What ``update`` did, per language."""

    languages: list[LanguageUpdate] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def written(self) -> list[str]:
        return [p for lang in self.languages for p in lang.written]

    @property
    def unchanged(self) -> list[str]:
        return [p for lang in self.languages for p in lang.unchanged]


def update(config: Config, *, languages: Iterable[str] | None = None,
           dry_run: bool = False, progress: Callable[[int, int], None] | None = None,
           templates: dict[str, polib.POFile] | None = None) -> UpdateReport:
    """Bring every catalog of every language up to date with the templates.

    All catalogs are read and checked first: if any is broken, a
    :class:`CatalogError` naming every broken file is raised and no file is
    written.  Then every catalog is merged in memory, and only then written.
    """
    langs = list(languages) if languages is not None else list(config.languages)
    if templates is None:
        templates = load_templates(config)
    existing: dict[str, dict[str, polib.POFile]] = {}
    broken: list[CatalogError] = []
    for lang in langs:
        try:
            existing[lang] = load_language(config, lang)
        except CatalogError as exc:
            broken.append(exc)
    if broken:
        raise _combined(broken)

    report = UpdateReport()
    outputs: dict[Path, str] = {}
    removals: list[Path] = []
    total = len(langs) * len(templates)
    done = 0
    for lang in langs:
        old = existing[lang]
        memory = Memory(old)
        result = LanguageUpdate(lang)
        for domain, template in templates.items():
            merged, stats = merge_catalog(template, old.get(domain), lang, domain, memory)
            path = catalog_path(config, lang, domain)
            outputs[path] = pofile.format_po(merged)
            _add_stats(result.stats, stats)
            if stats.created:
                result.created.append(config.rel(path))
            done += 1
            if progress:
                progress(done, total)
        for domain, po in old.items():
            if domain in templates:
                continue
            path = catalog_path(config, lang, domain)
            orphan = _orphaned(po)
            if orphan is None:
                removals.append(path)
            else:
                outputs[path] = pofile.format_po(orphan)
        report.languages.append(result)

    by_lang = {item.lang: item for item in report.languages}
    for path, text in outputs.items():
        lang = path.parent.parent.name
        if dry_run:
            changed = not path.exists() or path.read_bytes() != text.encode("utf-8")
        else:
            changed = write_if_changed(path, text)
        (by_lang[lang].written if changed else by_lang[lang].unchanged).append(config.rel(path))
    for path in removals:
        if dry_run or remove_file(path):
            report.removed.append(config.rel(path))
    return report


def _orphaned(po: polib.POFile) -> polib.POFile | None:
    """A catalog whose article is gone: translations become obsolete; None if it holds none."""
    kept = [e if e.obsolete else _obsolete(e) for e in po if e.obsolete or has_translation(e)]
    if not kept:
        return None
    result = polib.POFile(wrapwidth=79)
    result.header = po.header
    result.metadata = dict(po.metadata)
    result.metadata_is_fuzzy = po.metadata_is_fuzzy
    for entry in kept:
        result.append(entry)
    return result


def _add_stats(total: MergeStats, one: MergeStats) -> None:
    total.kept += one.kept
    total.fuzzy_matched += one.fuzzy_matched
    total.from_memory += one.from_memory
    total.obsoleted += one.obsoleted
    total.revived += one.revived


def _combined(errors: list[CatalogError]) -> CatalogError:
    if len(errors) == 1:
        return errors[0]
    first = errors[0]
    listing = "\n".join(f"  {error.location}: {error.message}" for error in errors)
    return CatalogError(
        f"{len(errors)} catalogs are broken; nothing was written:\n{listing}",
        path=first.path, line=first.line, hint=first.hint,
    )
