"""``twp update``: every language's catalogs merged with the templates, and only then written.

The rules of one merge are :func:`~.merge.merge_catalog`'s; this module decides what to merge
(a catalog whose template and own bytes are those of the last update is up to date), reads
each language's catalogs once (its translation memory), merges them in worker processes,
which also write the catalogs that change to temporary files beside them, refuses to write
if any merge lost a translation (the temporary files are removed), and otherwise renames
every one into place at once, after one sync.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polib

from ..config import Config
from ..diagnostics import Diagnostic, from_error
from ..errors import CatalogError
from ..machinery import cache, parallel
from ..machinery.fsutil import commit, discard, remove_file, remove_stale_temp_files, stage
from ..paths import domain_files
from . import pofile
from .catalogs import catalog_path, load_catalog, load_templates, pot_files, template_path
from .checks import Verdicts
from .handover import Handover, Template, hand_over_language
from .memory import Memory
from .merge import Key, MergeStats, merge_catalog, orphaned
from .poguard import check_kept
from .status import template_uses


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
    broken: list[Diagnostic] = field(default_factory=list)
    """Catalogs that cannot be read (``catalog-unreadable`` errors, with path and line):
    left untouched, every other one was updated."""
    warnings: list[Diagnostic] = field(default_factory=list)
    """Inputs used in part (a glossary row left out: ``glossary-row``)."""
    handover: Handover = field(default_factory=Handover)
    """For the status and the dates: what they would read in the catalogs written (none
    on a dry run)."""

    @property
    def written(self) -> list[str]:
        return [p for lang in self.languages for p in lang.written]

    @property
    def unchanged(self) -> list[str]:
        return [p for lang in self.languages for p in lang.unchanged]


def update(config: Config, *, languages: Iterable[str] | None = None,
           dry_run: bool = False, progress: Callable[[int, int], None] | None = None,
           templates: dict[str, polib.POFile] | None = None,
           for_status: bool = True) -> UpdateReport:
    """Bring every catalog of every language up to date with the templates.

    All catalogs are read and checked first.  A catalog that cannot be read
    (syntax, encoding, conflict markers, over a bound) is left as it is, listed in
    the report's ``broken``, and kept out of the language's translation memory;
    every other catalog is merged in memory, and only then written.
    ``templates`` (by domain) stands in for the template files (``locales/*.pot``)
    (``sync --dry-run`` passes the ones it would write).  ``for_status``: count the catalogs
    written for the status and the dates after it (the report's ``handover``).

    A catalog whose template and own bytes are those of the previous update is
    already up to date and is skipped; a language with nothing to merge is not
    even read.  Languages are merged in parallel processes when there is much
    to do.
    """
    langs = list(languages) if languages is not None else list(config.languages)
    if not dry_run:  # the temporary catalogs of a run that was killed
        remove_stale_temp_files(config.locales_dir, depth=2)
    source = _template_source(config, templates)
    stored = cache.Memo(config, "update")
    memo: dict[str, list[str]] = stored.get("catalogs", {})
    source.remember_words(stored.get("words", {}))
    counting = for_status and not dry_run
    workers = _workers(config, langs, source, memo, words=counting)
    verdicts = _verdicts(config) if counting else None
    finished = [0]

    def done() -> None:
        finished[0] += 1
        if progress:
            progress(finished[0], len(langs))

    owner = None if dry_run else os.getpid()  # the workers' temporary files are this process's
    results = parallel.fork_map(_update_language, langs, workers,
                                job=(config, source, memo, verdicts, owner), done=done)
    _put_in_place(config, results)
    changed = {rel for result in results for rel in result.changed}
    report = UpdateReport(broken=[from_error(error, "catalog-unreadable") for result in results
                                  for error in result.unreadable])
    fresh = dict(memo)
    for result in results:
        item = LanguageUpdate(result.lang, stats=result.stats, created=result.created)
        item.unchanged.extend(result.skipped)
        for rel, digest in sorted(result.outputs.items()):
            (item.written if rel in changed else item.unchanged).append(rel)
            fresh[rel] = [result.template_digests.get(rel, ""), digest]
        item.unchanged.sort()
        for rel in result.removals:
            if dry_run or remove_file(config.root / rel):
                report.removed.append(rel)
            fresh.pop(rel, None)
        report.languages.append(item)
        report.handover.add(result.handover)
    if not dry_run:
        _save(stored, fresh, source.words_memo(results), verdicts, report.handover)
    return report


def _save(stored: cache.Memo, catalogs: dict[str, list[str]], words: dict[str, int],
          verdicts: Verdicts | None, handover: Handover) -> None:
    """Remember what this update merged, and the verdicts and words its counting used."""
    if verdicts is not None:
        verdicts.used.update(handover.verdicts)
        verdicts.save()
    stored.save(catalogs=catalogs, words=words)


def _verdicts(config: Config) -> Verdicts:
    """The check verdicts the merged catalogs are counted with, read once here for every
    worker."""
    verdicts = Verdicts(config)
    verdicts.known  # noqa: B018 - reads them
    return verdicts


def _template_source(config: Config, templates: dict[str, polib.POFile] | None) -> _Templates:
    """The template files (``locales/*.pot``), or ``templates`` standing in for them."""
    if templates is None:
        texts = {domain: pofile.read_bytes(p, config.rel(p), config.limits)
                 for domain, p in pot_files(config).items()}
        if not texts:
            load_templates(config)  # raises the "run twp extract first" error
        return _Templates(config, texts, {})
    return _Templates(config, {d: pofile.format_po(po).encode("utf-8")
                               for d, po in templates.items()}, dict(templates))


PARALLEL_MERGE_MIN = 400
"""Catalogs (languages times templates) below which starting processes costs more than it
saves."""


def _workers(config: Config, langs: list[str], source: _Templates,
             memo: dict[str, list[str]], words: bool) -> int:
    """How many processes merge the languages; with several, the templates they need parsed
    first, once for all of them (and with ``words``, the words of their units counted)."""
    workers = min(len(langs), os.cpu_count() or 1)
    if workers <= 1 or len(langs) * len(source.texts) < PARALLEL_MERGE_MIN:
        return 1
    # Parse, once for every language, the templates that changed since the previous update
    # (all of them without a cache); the others are parsed by the workers that need them.
    with parallel.fewer_collections():
        for domain, digest in source.digests.items():
            if any(_remembered(memo, config.rel(catalog_path(config, lang, domain)))[0] != digest
                   for lang in langs):
                source.get(domain)
                if words:
                    source.counted_against(domain)
    return workers


def _put_in_place(config: Config, results: list[_LanguageResult]) -> None:
    """Rename the catalogs the workers staged into place, or, when the writer's guard refused
    one or one changed meanwhile, remove them and raise."""
    staged = [(tmp, config.root / rel) for result in results
              for rel, tmp in sorted(result.staged.items())]
    try:
        _refuse_to_write(config, results)
    except BaseException:
        discard(staged, {folder: made for result in results
                         for folder, made in result.folders.items()})
        raise
    commit(staged)


def _refuse_to_write(config: Config, results: list[_LanguageResult]) -> None:
    """Write nothing when the writer's guard refused a catalog, or one changed meanwhile."""
    broken = [error for result in results for error in result.errors]
    if broken:
        raise _combined(broken)
    moved = [rel for result in results for rel, seen in result.read_digests.items()
             if rel in result.outputs and _digest_now(config.root / rel) != seen]
    if moved:
        raise CatalogError(
            "changed while twp update was running (saved by an editor or a git pull?); "
            "nothing was written", path=moved[0],
            hint="run twp update again: it will merge the new version")


def _digest_now(path: Path) -> str | None:
    try:
        return cache.digest(path.read_bytes())
    except OSError:
        return None


@dataclass
class _Templates:
    """Template bytes by domain, parsed on first use."""

    config: Config
    texts: dict[str, bytes]
    parsed: dict[str, polib.POFile]
    digests: dict[str, str] = field(default_factory=dict)

    projected: set[str] = field(default_factory=set)
    units: dict[str, tuple[dict[Key, int], int]] = field(default_factory=dict)
    """By domain, :func:`~.status.template_uses` of the template (once parsed)."""
    remembered_words: dict[str, Any] = field(default_factory=dict)
    """The word counts of units as the previous update left them, by digest of the msgid."""
    counted: dict[str, Template] = field(default_factory=dict)
    used_words: dict[str, int] = field(default_factory=dict)
    """The word counts of the units of the templates counted here, by digest of the msgid."""

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
            self.units[domain] = template_uses(template)
            mode = self.config.catalogs.references
            if mode != "line":
                for entry in template:
                    entry.occurrences = pofile.project_references(entry.occurrences, mode)
        return template

    def remember_words(self, remembered: Any) -> None:
        """The word counts the previous update left (by digest of the msgid)."""
        self.remembered_words = remembered if isinstance(remembered, dict) else {}

    def counted_against(self, domain: str) -> Template:
        """The template of ``domain`` as the status counts its catalogs (after :meth:`get`),
        the words of its units remembered if the template did not change."""
        if domain not in self.counted:
            from ..source.segments import word_count

            uses, untranslatable = self.units[domain]
            words: dict[Key, int] = {}
            for key in uses:
                digest = cache.digest(key[1].encode("utf-8", "surrogatepass"))
                count = self.remembered_words.get(digest)
                if not isinstance(count, int):
                    count = word_count(key[1])
                words[key] = self.used_words[digest] = count
            self.counted[domain] = Template(self.texts[domain], uses, untranslatable, words)
        return self.counted[domain]

    def words_memo(self, results: list[_LanguageResult]) -> dict[str, int]:
        """The word counts to remember: those used now, and those of before unless they far
        outnumber them (units long gone)."""
        used = {digest: count for result in results for digest, count in result.words.items()}
        if not used:
            return self.remembered_words
        kept = {**self.remembered_words, **used}
        return used if len(kept) > 2 * len(used) + 10_000 else kept


@dataclass
class _LanguageResult:
    lang: str
    outputs: dict[str, str] = field(default_factory=dict)
    """Catalog text by path relative to the site root; once the language is done, the digest
    of its bytes instead (the text stays in the worker)."""
    changed: set[str] = field(default_factory=set)
    """The catalogs of ``outputs`` whose bytes differ from the file's (or that are new)."""
    staged: dict[str, str] = field(default_factory=dict)
    """The temporary file holding each changed catalog's new bytes (none on a dry run)."""
    folders: dict[Path, bool] = field(default_factory=dict)
    """The folders staging found (False) or made (True: a new language's, say)."""
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
    handover: Handover = field(default_factory=Handover)
    words: dict[str, int] = field(default_factory=dict)
    """The word counts of the units of the templates counted here, by digest of the msgid."""


_Job = tuple[Config, "_Templates", dict[str, list[str]], Verdicts | None, int | None]
"""The configuration, the templates, the previous update's memo, the verdicts to count with
(None: no counting) and the process the staged catalogs are named for (None: a dry run)."""


def _update_language(job: _Job, lang: str) -> _LanguageResult:
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


def _merge_language(job: _Job, lang: str) -> _LanguageResult:
    config, source, memo, verdicts, owner = job
    result = _LanguageResult(lang)
    on_disk, data, untouchable = _read_language(config, lang, result)
    todo, orphans = _to_merge(config, lang, source, memo, result, on_disk, data, untouchable)
    if not todo and not orphans:
        return result
    old = _load_old(config, lang, on_disk, data, result)
    todo = [domain for domain in todo if domain in old or domain not in on_disk]
    orphans = [domain for domain in orphans if domain in old]
    memory = Memory(old)
    replaced: dict[str, list[Key]] = {}
    # Entries that did not change are written again exactly as they were read.
    references = config.catalogs.references
    merged_domains: dict[str, str] = {}  # by path
    for domain in todo:
        merged, stats = merge_catalog(source.get(domain), old.get(domain), lang, domain, memory)
        rel = config.rel(catalog_path(config, lang, domain))
        merged_domains[rel] = domain
        replaced[rel] = stats.replaced
        result.outputs[rel] = pofile.format_po(merged, original=old.get(domain),
                                               references=references)
        result.stats.add(stats)
        if stats.created:
            result.created.append(rel)
    for domain in orphans:
        rel = config.rel(catalog_path(config, lang, domain))
        orphan = orphaned(old[domain])
        if orphan is None:
            result.removals.append(rel)
        else:
            result.outputs[rel] = pofile.format_po(orphan, original=old[domain],
                                                   references=references)
    by_rel = {config.rel(path): data[domain] for domain, path in on_disk.items()}
    _guard(result, by_rel, replaced)
    if result.errors:
        return result
    if verdicts is not None:
        hand_over_language(config, lang, merged_domains, result.outputs, by_rel, old,
                           source.counted_against, verdicts, result.handover)
        result.words = source.used_words
    _stage(config, result, by_rel, owner)
    return result


def _stage(config: Config, result: _LanguageResult, by_rel: dict[str, bytes],
           owner: int | None) -> None:
    """Write each catalog whose bytes change to a temporary file beside it (unless ``owner``
    is None: a dry run), for the parent to rename into place; keep only digests of the
    texts."""
    made = result.folders
    try:
        for rel, text in result.outputs.items():
            data = text.encode("utf-8")
            result.outputs[rel] = cache.digest(data)
            if by_rel.get(rel) == data:
                continue
            result.changed.add(rel)
            if owner is not None:
                result.staged[rel] = stage(config.root / rel, data, owner=owner, made=made)
    except BaseException:
        discard([(tmp, config.root / rel) for rel, tmp in result.staged.items()], made)
        raise


def _read_language(config: Config, lang: str,
                   result: _LanguageResult) -> tuple[dict[str, Path], dict[str, bytes], set[str]]:
    """The catalogs of ``lang`` on disk and their bytes, by domain; those that cannot be read
    are left as they are (in ``result.unreadable``, and the third item)."""
    on_disk = domain_files(config.po_dir(lang), ".po")
    data: dict[str, bytes] = {}
    untouchable: set[str] = set()
    for domain, path in list(on_disk.items()):
        try:
            data[domain] = pofile.read_bytes(path, config.rel(path), config.limits)
        except CatalogError as exc:  # left as it is; the others are updated
            result.unreadable.append(exc)
            untouchable.add(domain)
            del on_disk[domain]
    return on_disk, data, untouchable


def _to_merge(config: Config, lang: str, source: _Templates, memo: dict[str, list[str]],
              result: _LanguageResult, on_disk: dict[str, Path], data: dict[str, bytes],
              untouchable: set[str]) -> tuple[list[str], list[str]]:
    """The domains to merge and the orphaned catalogs (no template) to clean; the others are
    up to date since the previous update (``result.skipped``)."""
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
    return todo, orphans


def _load_old(config: Config, lang: str, on_disk: dict[str, Path], data: dict[str, bytes],
              result: _LanguageResult) -> dict[str, polib.POFile]:
    """The readable catalogs of ``lang``, parsed; the others are left as they are (and out of
    the translation memory)."""
    old: dict[str, polib.POFile] = {}
    for domain in sorted(on_disk):
        try:
            po = load_catalog(config, lang, domain, data[domain])
        except CatalogError as exc:  # left as it is, and out of the translation memory
            result.unreadable.append(exc)
            continue
        assert po is not None
        old[domain] = po
    return old


def _guard(result: _LanguageResult, by_rel: dict[str, bytes],
           replaced: dict[str, list[Key]]) -> None:
    """The writer's guard: read the old bytes and the new text independently, and refuse to
    write anything if the new catalogs lost a translation or a translator's comment."""
    for rel, text in [*result.outputs.items(), *((rel, None) for rel in result.removals)]:
        if rel in by_rel:
            try:
                check_kept(by_rel[rel], text, rel, replaced.get(rel, ()))
            except CatalogError as exc:
                result.errors.append(exc)


def _remembered(memo: dict[str, list[str]], rel: str) -> list[str | None]:
    """The digests of the template merged into the catalog ``rel`` the previous time and of
    the bytes written then, as far as the cache knows."""
    entry = memo.get(rel)
    return list(entry) if isinstance(entry, list) and len(entry) == 2 else [None, None]


def _combined(errors: list[CatalogError]) -> CatalogError:
    if len(errors) == 1:
        return errors[0]
    first = errors[0]
    return CatalogError(
        f"{len(errors)} catalogs are broken; nothing was written:",
        path=first.path, line=first.line, hint=first.hint,
        details=[f"{error.location}: {error.message}" for error in errors],
    )
