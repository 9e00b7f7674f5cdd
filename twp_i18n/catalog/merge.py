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
   ones are dropped, as msgmerge does, unless a translator commented on them: the
   comment goes to the changed unit's new entry (the most similar new unit), or stays on
   an obsolete entry when the unit is gone (msgmerge would drop it).
"""

from __future__ import annotations

import bisect
import gc
import itertools
import os
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polib
from rapidfuzz import fuzz, process

from ..config import Config
from ..errors import CatalogError
from ..languages import nplurals
from ..machinery import cache, parallel
from ..machinery.fsutil import one_sync, remove_file, write_if_changed
from ..paths import domain_files
from . import pofile
from .catalogs import (
    catalog_path,
    header_nplurals,
    load_catalog,
    load_templates,
    new_catalog,
    pot_files,
    template_path,
)
from .poguard import IMPORT_MARK, check_kept

FUZZY_THRESHOLD = 60.0
"""Minimum similarity (0-100) for a fuzzy match; msgmerge uses 0.6."""

MEMORY_CANDIDATES = 8
"""The translation memory proposes the best of this many most similar entries that is
from another catalog (an entry of the unit's own catalog was already tried)."""
SHORTLIST_MIN_LENGTH = 100
"""Units at least this long are compared only with the entries sharing distinctive words..."""
SHORTLIST_MIN_WORDS = 3
"""...if they have at least this many distinctive words (else: the whole length window)."""
SHORTLIST_SHARE = 10
"""...and share at least a tenth of them (rounded up) with the unit."""
COMMON_WORD_SHARE = 0.02
"""A word found in more than this share of a language's entries is not distinctive..."""
COMMON_WORD_MIN = 20
"""...unless in this many entries or fewer (small memories)."""

Key = tuple[str | None, str]


LONG_TEXT = 2048
"""Texts at least this long are scored one by one: rapidfuzz's ``process`` functions skip
the common prefix and suffix that make ``fuzz.ratio`` fast (linear) on a small edit in a
long paragraph, and take time quadratic in its length."""


def similar(query: str, choices: list[str]) -> list[tuple[float, int]]:
    """``(score, index)`` of every choice whose ``fuzz.ratio`` with ``query`` reaches
    :data:`FUZZY_THRESHOLD`, in the order of ``choices``.

    >>> similar("one small edit", ["one small edit!", "unrelated"])
    [(96.55172413793103, 0)]
    """
    if len(query) < LONG_TEXT:
        found = process.extract(query, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD,
                                limit=None)
        return sorted(((score, position) for _, score, position in found), key=lambda f: f[1])
    scores = ((fuzz.ratio(query, choice, score_cutoff=FUZZY_THRESHOLD), position)
              for position, choice in enumerate(choices))
    return [(score, position) for score, position in scores if score >= FUZZY_THRESHOLD]


def most_similar(query: str, choices: list[str]) -> int | None:
    """The index of the choice most similar to ``query`` (the first of equals), if any
    reaches :data:`FUZZY_THRESHOLD`: what ``process.extractOne`` gives, in linear time for a
    small edit in a long text."""
    if len(query) < LONG_TEXT:
        found = process.extractOne(query, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD)
        return None if found is None else found[2]
    best: tuple[float, int] | None = None
    for score, position in similar(query, choices):
        if best is None or score > best[0]:
            best = (score, position)
    return None if best is None else best[1]


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
    replaced: list[Key] = field(default_factory=list)
    """Entries whose translation could not be kept whole: the unit became plural, or stopped
    being plural, or has fewer plural forms than the old entry.  Their first forms are kept,
    fuzzy; the writer's guard is told."""


class Memory:
    """The translated entries of one language's catalogs, for reuse across articles.

    :meth:`closest` must find, among thousands of entries, the ones at least
    :data:`FUZZY_THRESHOLD` similar to a new unit; comparing the unit with every
    entry costs a long paragraph about 90 ms.  Two filters make it cheap:

    * Length: an Indel ratio of at least ``t`` needs ``min/max >= t / (2 - t)``
      (3/7 for 60%), so only entries in that length window can qualify.  This
      bound is exact.
    * Words, for long units (:data:`SHORTLIST_MIN_LENGTH` characters or more):
      an index of *distinctive* words (space-separated, lowercased, found in at
      most :data:`COMMON_WORD_SHARE` of the entries: not ``the`` or ``and``)
      shortlists the entries that share at least a tenth of the unit's
      distinctive words.  A paragraph at least 60% similar to another (moved and
      edited, say) shares most of its words with it, so in practice no such
      match is lost; what is given up are texts that share almost none of the
      unit's rare words yet reach 60% character by character: coincidences,
      not earlier versions of the same text.  Entries with too few distinctive
      words to be found that way are indexed by pairs of consecutive words
      instead (which a similar text shares too, however common its words), and
      a unit with too few (text without spaces, or only common words) is
      compared with the whole length window, as short units are, whose window
      is cheap.

    The score is always the exact rapidfuzz ratio and ties are broken as
    rapidfuzz's ``process.extract`` over all entries would: highest score, then
    first entry, among the best :data:`MEMORY_CANDIDATES`.
    """

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
        self._by_length: list[int] | None = None  # entry indices, shortest first
        self._lengths: list[int] = []
        self._words: dict[str, list[int]] = {}  # distinctive word -> entry indices
        # Pairs of consecutive words -> entries with too few distinctive words to be found by them.
        self._plain_pairs: dict[tuple[str, str], list[int]] = {}

    def lookup(self, entry: polib.POEntry, domain: str) -> tuple[polib.POEntry, bool] | None:
        """An exact-text entry from another catalog; True when its role matches too."""
        candidates = [(d, e) for d, e in self.exact.get(entry.msgid, ()) if d != domain]
        for _, other in candidates:
            if other.msgctxt == entry.msgctxt and unit_types(other) == unit_types(entry):
                return other, True
        return (candidates[0][1], False) if candidates else None

    def closest(self, text: str, domain: str) -> polib.POEntry | None:
        """The most similar translated entry of another catalog, if similar enough."""
        candidates = self._candidates(text)
        found = similar(text, [self.texts[i] for i in candidates])
        ranked = sorted((-score, candidates[position]) for score, position in found)
        for _, index in ranked[:MEMORY_CANDIDATES]:
            if self.entries[index][0] != domain:
                return self.entries[index][1]
        return None

    def _candidates(self, text: str) -> list[int]:
        """Indices of the entries that may be similar enough to ``text``."""
        if self._by_length is None:
            self._index()
            assert self._by_length is not None
        # ratio >= t needs 2 * min(a, b) / (a + b) >= t; one character of slack each side.
        size = len(text)
        shortest = size * FUZZY_THRESHOLD / (200 - FUZZY_THRESHOLD) - 1
        longest = size * (200 - FUZZY_THRESHOLD) / FUZZY_THRESHOLD + 1
        if size >= SHORTLIST_MIN_LENGTH:
            words = text.lower().split()
            postings = [self._words[w] for w in set(words) if w in self._words]
            if len(postings) >= SHORTLIST_MIN_WORDS:
                shared = Counter(itertools.chain.from_iterable(postings))
                need = -(-len(postings) // SHORTLIST_SHARE)  # rounded up
                found = {i for i, count in shared.items() if count >= need}
                for pair in zip(words, words[1:], strict=False):
                    found.update(self._plain_pairs.get(pair, ()))
                return sorted(i for i in found if shortest <= len(self.texts[i]) <= longest)
        low = bisect.bisect_left(self._lengths, shortest)
        return self._by_length[low:bisect.bisect_right(self._lengths, longest)]

    def _index(self) -> None:
        self._by_length = sorted(range(len(self.texts)), key=lambda i: len(self.texts[i]))
        self._lengths = [len(self.texts[i]) for i in self._by_length]
        words: dict[str, list[int]] = {}
        for index, text in enumerate(self.texts):
            for word in set(text.lower().split()):
                posting = words.get(word)
                if posting is None:
                    words[word] = [index]
                else:
                    posting.append(index)
        common = max(COMMON_WORD_MIN, int(len(self.texts) * COMMON_WORD_SHARE))
        self._words = {w: p for w, p in words.items() if len(p) <= common}
        counts = Counter(itertools.chain.from_iterable(self._words.values()))
        pairs: dict[tuple[str, str], list[int]] = {}
        for index, text in enumerate(self.texts):
            if counts[index] < SHORTLIST_MIN_WORDS:
                tokens = text.lower().split()
                for pair in set(zip(tokens, tokens[1:], strict=False)):
                    pairs.setdefault(pair, []).append(index)
        self._plain_pairs = {pair: p for pair, p in pairs.items() if len(p) <= common}


def merge_catalog(template: polib.POFile, old: polib.POFile | None, lang: str, domain: str,  # noqa: C901 - too long too, listed in CONTRIBUTING.md
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

    # Translator comments on untranslated entries whose unit changed go to the new unit;
    # those whose unit is gone are kept on an obsolete entry, below.
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

    for done in merged:
        assert done is not None
        result.append(done)
    for entry in old:
        if entry.obsolete and id(entry) not in used:
            result.append(entry)
    for entry in old:
        if not entry.obsolete and id(entry) not in used and (
                has_translation(entry) or entry.tcomment.strip()):
            result.append(_obsolete(entry))
            stats.obsoleted += 1
    return result, stats


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
    broken: list[CatalogError] = field(default_factory=list)
    """Catalogs that cannot be read: left untouched, every other one was updated."""

    @property
    def written(self) -> list[str]:
        return [p for lang in self.languages for p in lang.written]

    @property
    def unchanged(self) -> list[str]:
        return [p for lang in self.languages for p in lang.unchanged]


def update(config: Config, *, languages: Iterable[str] | None = None,  # noqa: C901 - too long too, listed in CONTRIBUTING.md
           dry_run: bool = False, progress: Callable[[int, int], None] | None = None,
           templates: dict[str, polib.POFile] | None = None) -> UpdateReport:
    """Bring every catalog of every language up to date with the templates.

    All catalogs are read and checked first.  A catalog that cannot be read
    (syntax, encoding, conflict markers, over a bound) is left as it is, listed in
    the report's ``broken``, and kept out of the language's translation memory;
    every other catalog is merged in memory, and only then written.
    ``templates`` (by domain) stands in for the template files (``locales/*.pot``)
    (``sync --dry-run`` passes the ones it would write).

    A catalog whose template and own bytes are those of the previous update is
    already up to date and is skipped; a language with nothing to merge is not
    even read.  Languages are merged in parallel processes when there is much
    to do.
    """
    langs = list(languages) if languages is not None else list(config.languages)
    if templates is None:
        texts = {domain: pofile.read_bytes(p, config.rel(p), config.limits)
                 for domain, p in pot_files(config).items()}
        if not texts:
            load_templates(config)  # raises the "run twp extract first" error
        source = _Templates(config, texts, {})
    else:
        source = _Templates(config, {d: pofile.format_po(po).encode("utf-8")
                                     for d, po in templates.items()}, dict(templates))
    code = cache.code_digest()
    stored = cache.load(config, "update")
    memo: dict[str, list[str]] = stored.get("catalogs", {}) if stored.get("code") == code else {}

    workers = min(len(langs), os.cpu_count() or 1)
    if workers > 1 and len(langs) * len(source.texts) >= 400:
        # Parse, once for every language, the templates that changed since the previous update
        # (all of them without a cache); the others are parsed by the workers that need them.
        for domain, digest in source.digests.items():
            if any(_remembered(memo, config.rel(catalog_path(config, lang, domain)))[0] != digest
                   for lang in langs):
                source.get(domain)
    else:
        workers = 1
    finished = [0]

    def done() -> None:
        finished[0] += 1
        if progress:
            progress(finished[0], len(langs))

    results = parallel.fork_map(_update_language, langs, workers, job=(config, source, memo),
                                done=done)
    broken = [error for result in results for error in result.errors]
    if broken:  # the writer's guard refused a catalog: write nothing at all
        raise _combined(broken)

    moved = [rel for result in results for rel, seen in result.read_digests.items()
             if rel in result.outputs and _digest_now(config.root / rel) != seen]
    if moved:
        raise CatalogError(
            "changed while twp update was running (saved by an editor or a git pull?); "
            "nothing was written", path=moved[0],
            hint="run twp update again: it will merge the new version")

    outputs = {rel: text.encode("utf-8") for result in results
               for rel, text in sorted(result.outputs.items())}
    if dry_run:
        changes = [not (config.root / rel).exists() or (config.root / rel).read_bytes() != data
                   for rel, data in outputs.items()]
    else:
        # One sync for every catalog, not one each; threads overlap the file system's waits.
        with one_sync(), ThreadPoolExecutor(max_workers=_WRITERS) as writers:
            changes = list(writers.map(lambda item: write_if_changed(config.root / item[0], item[1]),
                                       outputs.items()))
    changed = {rel for rel, change in zip(outputs, changes, strict=True) if change}

    report = UpdateReport(broken=[error for result in results for error in result.unreadable])
    fresh = dict(memo)
    for result in results:
        item = LanguageUpdate(result.lang, stats=result.stats, created=result.created)
        item.unchanged.extend(result.skipped)
        for rel in sorted(result.outputs):
            (item.written if rel in changed else item.unchanged).append(rel)
            fresh[rel] = [result.template_digests.get(rel, ""), cache.digest(outputs[rel])]
        item.unchanged.sort()
        for rel in result.removals:
            if dry_run or remove_file(config.root / rel):
                report.removed.append(rel)
            fresh.pop(rel, None)
        report.languages.append(item)
    if not dry_run:
        cache.save(config, "update", {"code": code, "catalogs": fresh})
    return report


def _digest_now(path: Path) -> str | None:
    try:
        return cache.digest(path.read_bytes())
    except OSError:
        return None


_WRITERS = 16
"""Threads writing catalogs (creating and renaming a file waits on the file system)."""


@dataclass
class _Templates:
    """Template bytes by domain, parsed on first use."""

    config: Config
    texts: dict[str, bytes]
    parsed: dict[str, polib.POFile]
    digests: dict[str, str] = field(default_factory=dict)

    projected: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        # The references a catalog gives are part of what it is merged from.
        mode = self.config.catalogs.references
        tail = b"" if mode == "line" else f"\0references={mode}".encode()
        self.digests = {domain: cache.digest(text + tail) for domain, text in self.texts.items()}

    def get(self, domain: str) -> polib.POFile:
        """The template of ``domain``, its references as the catalogs give them."""
        if domain not in self.parsed:
            path = template_path(self.config, domain)
            self.parsed[domain] = pofile.parse_po(pofile.decode(self.texts[domain], self.config.rel(path)),
                                                  self.config.rel(path), limits=self.config.limits)
        template = self.parsed[domain]
        if domain not in self.projected:
            self.projected.add(domain)
            mode = self.config.catalogs.references
            if mode != "line":
                for entry in template:
                    entry.occurrences = pofile.project_references(entry.occurrences, mode)
        return template


@dataclass
class _LanguageResult:
    lang: str
    outputs: dict[str, str] = field(default_factory=dict)
    """Catalog text by path relative to the site root."""
    template_digests: dict[str, str] = field(default_factory=dict)
    read_digests: dict[str, str] = field(default_factory=dict)
    """Digest of each catalog as it was read, to notice an edit made meanwhile."""
    skipped: list[str] = field(default_factory=list)
    removals: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    stats: MergeStats = field(default_factory=MergeStats)
    errors: list[CatalogError] = field(default_factory=list)
    """The writer's guard refused a catalog (nothing is written)."""
    unreadable: list[CatalogError] = field(default_factory=list)
    """Catalogs that cannot be read: left untouched."""


def _update_language(job: tuple[Config, Any, Any], lang: str) -> _LanguageResult:
    """Merge one language's catalogs that need it; runs in a worker process or inline."""
    # Everything read stays until the end and holds no cycles: the cyclic collector would
    # only walk the growing heap again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _merge_language(job, lang)
    finally:
        if collecting:
            gc.enable()


def _merge_language(job: tuple[Config, Any, Any], lang: str) -> _LanguageResult:  # noqa: C901 - too long too, listed in CONTRIBUTING.md
    config, source, memo = job
    result = _LanguageResult(lang)
    directory = config.po_dir(lang)
    on_disk = domain_files(directory, ".po")
    data: dict[str, bytes] = {}
    untouchable: set[str] = set()
    for domain, path in list(on_disk.items()):
        try:
            data[domain] = pofile.read_bytes(path, config.rel(path), config.limits)
        except CatalogError as exc:  # left as it is; the others are updated
            result.unreadable.append(exc)
            untouchable.add(domain)
            del on_disk[domain]
    digests = {domain: cache.digest(data[domain]) for domain in on_disk}
    result.read_digests = {config.rel(path): digests[domain] for domain, path in on_disk.items()}
    todo: list[str] = []
    for domain in source.texts:
        if domain in untouchable:
            continue
        rel = config.rel(catalog_path(config, lang, domain))
        template_digest = source.digests[domain]
        result.template_digests[rel] = template_digest
        if domain in digests and memo.get(rel) == [template_digest, digests[domain]]:
            result.skipped.append(rel)
        else:
            todo.append(domain)
    orphans = [domain for domain in on_disk if domain not in source.texts
               and memo.get(config.rel(on_disk[domain])) != ["", digests[domain]]]
    for domain in on_disk:
        if domain not in source.texts and domain not in orphans:
            result.skipped.append(config.rel(on_disk[domain]))
    if not todo and not orphans:
        return result
    old: dict[str, polib.POFile] = {}
    for domain in sorted(on_disk):
        try:
            po = load_catalog(config, lang, domain, data[domain])
        except CatalogError as exc:  # left as it is, and out of the translation memory
            result.unreadable.append(exc)
            untouchable.add(domain)
            continue
        assert po is not None
        old[domain] = po
    todo = [domain for domain in todo if domain in old or domain not in on_disk]
    orphans = [domain for domain in orphans if domain in old]
    memory = Memory(old)
    replaced: dict[str, list[Key]] = {}
    # Entries that did not change are written again exactly as they were read.
    references = config.catalogs.references
    for domain in todo:
        merged, stats = merge_catalog(source.get(domain), old.get(domain), lang, domain, memory)
        rel = config.rel(catalog_path(config, lang, domain))
        replaced[rel] = stats.replaced
        result.outputs[rel] = pofile.format_po(merged, original=old.get(domain),
                                               references=references)
        _add_stats(result.stats, stats)
        if stats.created:
            result.created.append(rel)
    for domain in orphans:
        rel = config.rel(catalog_path(config, lang, domain))
        orphan = _orphaned(old[domain])
        if orphan is None:
            result.removals.append(rel)
        else:
            result.outputs[rel] = pofile.format_po(orphan, original=old[domain],
                                                   references=references)
    # The writer's guard: read the old bytes and the new text independently, and refuse to
    # write anything if the new catalogs lost a translation or a translator's comment.
    by_rel = {config.rel(path): data[domain] for domain, path in on_disk.items()}
    for rel, text in [*result.outputs.items(), *((rel, None) for rel in result.removals)]:
        if rel in by_rel:
            try:
                check_kept(by_rel[rel], text, rel, replaced.get(rel, ()))
            except CatalogError as exc:
                result.errors.append(exc)
    return result


def _remembered(memo: dict[str, list[str]], rel: str) -> list[str | None]:
    """The digests of the template merged into the catalog ``rel`` the previous time and of
    the bytes written then, as far as the cache knows."""
    entry = memo.get(rel)
    return list(entry) if isinstance(entry, list) and len(entry) == 2 else [None, None]


def _orphaned(po: polib.POFile) -> polib.POFile | None:
    """A catalog whose article is gone: translations (and translator comments) become
    obsolete; None if it holds none."""
    kept = [e if e.obsolete else _obsolete(e) for e in po
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
    return CatalogError(
        f"{len(errors)} catalogs are broken; nothing was written:",
        path=first.path, line=first.line, hint=first.hint,
        details=[f"{error.location}: {error.message}" for error in errors],
    )
