"""``twp status``: how far each language has come, per article.

Message counts follow ``msgfmt --statistics``: the header and obsolete entries
are not counted; an entry whose (first) msgstr is empty is untranslated, even
when flagged fuzzy; a fuzzy entry with a translation is fuzzy; the rest are
translated.

Words are counted in the source text (the msgid) by this rule
(:func:`~twp_i18n.source.segments.word_count`): Markdown markup, HTML tags, URLs
and code spans are not words; what remains is split on whitespace and every
piece holding a letter or a digit is one word.

**Percent translated**, the one definition that ``status``, the build's publishing
plan and its pages use: of the words of an article's units, each unit counted once
for every place the article uses it, the share whose entry in the language's
catalog is translated, is not fuzzy and has no ``twp check`` error (the build
shows the source text for the others).  So a long paragraph weighs more than a
heading.  The units are the article's as its template lists them (``twp
extract`` makes it from the article; the build reads the article itself): a
catalog not updated since the article changed lacks the new units, which count
as untranslated, and keeps entries the article no longer uses, which count for
nothing.  An article is publishable in a language when its percent translated
reaches ``[publish] min_percent``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Config, LimitsConfig
from ..errors import CatalogError
from ..languages import single_count_forms
from ..machinery import cache, parallel
from ..paths import SITE_DOMAIN
from . import pofile, quickstatus
from .catalogs import UNTRANSLATABLE_HEADER, check_plural_counts, load_templates, pot_files
from .context import DEFAULT_CONTEXT, Context, check_context
from .counts import CatalogStatus, Counts, LanguageStatus, floor1
from .poguard import IMPORT_MARK

__all__ = ["CatalogStatus", "Counts", "LanguageStatus", "catalog_counts", "entry_state", "floor1",
           "site_status"]

if TYPE_CHECKING:
    import polib

    from .checks import Verdicts

# The checks and the Markdown parser are imported where catalogs are counted: a status
# answered from the cache (nothing changed) needs neither.


def entry_state(entry: polib.POEntry) -> str:
    """``translated``, ``fuzzy`` or ``untranslated``, as msgfmt counts it."""
    first = entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr
    if not first:
        return "untranslated"
    return "fuzzy" if entry.fuzzy else "translated"


def catalog_counts(po: polib.POFile, kind: str = "article",
                   verdicts: Verdicts | None = None,
                   uses: dict[tuple[str | None, str], int] | None = None,
                   context: Context = DEFAULT_CONTEXT,
                   words: dict[tuple[str | None, str], int] | None = None) -> Counts:
    """Count one catalog's entries and words.

    Entries are counted as msgfmt counts them.  Words are weighed the way the
    build publishes (see the module's docstring): ``uses`` gives the units of the
    article, how many times each (msgctxt, msgid) is used, from its template; a catalog
    not updated since holds entries the article no longer has (they weigh nothing) and
    lacks its new units (untranslated).  Without ``uses`` (``site.po``, a template),
    the catalog's own entries are weighed, each by its references.  ``words``: the
    :func:`~twp_i18n.source.segments.word_count` of some units' msgids, known already.
    """
    from ..source.segments import word_count
    from .checks import unsafe_entry

    counts = Counts()
    unsafe = verdicts.unsafe if verdicts is not None else unsafe_entry
    single = single_count_forms(po.metadata.get("Plural-Forms", ""))
    weighed: dict[tuple[str | None, str], polib.POEntry] = {}
    for entry in po:
        if entry.obsolete:
            counts.obsolete += 1
            continue
        if entry.msgid == "" and not entry.msgctxt:
            continue
        state = entry_state(entry)
        counts.units += 1
        setattr(counts, state, getattr(counts, state) + 1)
        if state == "fuzzy" and IMPORT_MARK in entry.tcomment:
            counts.imported += 1
        weighed[(entry.msgctxt, entry.msgid)] = entry
    units = uses if uses is not None else {key: len(e.occurrences) for key, e in weighed.items()}
    for key, used in units.items():
        found = weighed.get(key)
        known = words.get(key) if words is not None else None
        words_here = (known if known is not None else word_count(key[1])) * max(1, used)
        state = entry_state(found) if found is not None else "untranslated"
        if found is not None and state == "translated" and unsafe(
                found, kind=kind, single_forms=single, context=context):  # type: ignore[arg-type]
            state = "untranslated"
        counts.words += words_here
        setattr(counts, f"{state}_words", getattr(counts, f"{state}_words") + words_here)
    return counts


def site_status(config: Config, *, languages: Iterable[str] | None = None,
                articles: Iterable[str] | None = None, remember: bool = True,
                broken: list[CatalogError] | None = None,
                counted: dict[str, list[Any]] | None = None) -> list[LanguageStatus]:
    """Status of every (selected) language and article, from the catalogs on disk.

    A language with no catalog yet for an article counts all of that article's
    units as untranslated.  Counts are cached by the digest of each file's
    bytes, so only catalogs that changed are parsed again (``remember=False``
    reads the cache but writes nothing, for dry runs).  A catalog that cannot be read
    raises its :class:`CatalogError`, or, when a ``broken`` list is given, is added to it
    and counted as untranslated (as the build publishes nothing from it).  Having counted
    every article, it also records what :func:`~.quickstatus.answer` needs to answer the
    next time without reading any catalog.
    ``counted``: cache entries (:func:`counted_entry`) just made for some catalogs (by
    ``update``, which had them parsed), used as if the cache held them.
    """
    recorder = quickstatus.Recorder(config) if remember and articles is None else None
    domains = list(pot_files(config))
    if not domains:
        load_templates(config)  # raises the "run twp extract first" error
    if articles is not None:
        wanted = set(articles)
        domains = [domain for domain in domains if domain in wanted]
    stored = cache.Memo(config, "status")
    known: dict[str, list[Any]] = stored.get("files", {})
    langs = list(dict.fromkeys(languages if languages is not None else config.languages))
    if recorder is not None:
        recorder.take(langs, domains)
    broken_before = len(broken) if broken is not None else 0
    rows, fresh, todo = _counting_plan(config, langs, domains, {**known, **(counted or {})},
                                       broken)
    failed: list[CatalogError] = []
    verdicts = None
    if todo:
        from .checks import Verdicts

        verdicts = Verdicts(config)
    fresh.update(_count_catalogs(todo, verdicts, config.limits,
                                 failed if broken is not None else None))
    if failed:
        assert broken is not None
        broken.extend(failed)
        rows = _count_templates_instead(config, rows, failed, fresh, verdicts)
    result = _language_statuses(config, langs, rows, fresh)
    if remember and (fresh.keys() - known.keys() or any(known.get(k) != v for k, v in fresh.items())):
        stored.save(files={**known, **fresh})
        if verdicts is not None:
            verdicts.save()
    if recorder is not None and len(broken or ()) == broken_before:
        recorder.save(langs, rows, fresh)
    return result


_Row = tuple[str, str, str, bool, str]
"""Language, article, path of its catalog, whether that exists, path of the file counted."""


def _counting_plan(config: Config, langs: list[str], domains: list[str],
                   known: dict[str, list[Any]], broken: list[CatalogError] | None
                   ) -> tuple[list[_Row], dict[str, list[Any]],
                              dict[str, tuple[Path, str, Path, Context]]]:
    """Which file each (language, article) is counted from, the counts the cache has, and
    the files to count: counted -> (file, kind, template, context)."""
    directory = config.templates_po_dir
    template_dir = config.rel(directory) + "/"
    template_digests: dict[str, str] = {}
    rows: list[_Row] = []
    fresh: dict[str, list[Any]] = {}
    todo: dict[str, tuple[Path, str, Path, Context]] = {}
    for lang in langs:
        lang_dir = config.po_dir(lang)
        prefix = config.rel(lang_dir) + "/"
        # as the build checks them: articles with the language's glossary, site.po without
        contexts = {"article": check_context(config, lang), "site": Context(lang)}
        for domain in domains:
            kind = "site" if domain == SITE_DOMAIN else "article"
            rel = prefix + domain + ".po"
            path, data, exists, counted = _read_counted(config, lang_dir / f"{domain}.po", rel,
                                                        domain, template_dir, broken)
            rows.append((lang, domain, rel, exists, counted))
            if counted in fresh or counted in todo:
                continue
            context = contexts[kind] if counted == rel else DEFAULT_CONTEXT
            key = _counts_key(data, path, context)
            if exists:  # the counts of a catalog depend on its template's too
                key += ":" + _template_digest(config, domain, template_dir, template_digests)
            hit = known.get(counted)
            if hit is not None and hit[0] == key:
                fresh[counted] = hit
            else:
                todo[counted] = (path, kind, directory / f"{domain}.pot", context)
    return rows, fresh, todo


def _read_counted(config: Config, path: Path, rel: str, domain: str, template_dir: str,
                  broken: list[CatalogError] | None) -> tuple[Path, bytes, bool, str]:
    """The file an article is counted from in a language, its bytes, whether the catalog
    exists, and its path: the catalog, or its template when there is none (or, with a
    ``broken`` list, when it cannot be read)."""
    try:
        return path, pofile.read_bytes(path, rel, config.limits), True, rel
    except (FileNotFoundError, CatalogError) as exc:
        if isinstance(exc, CatalogError):
            if broken is None:
                raise
            broken.append(exc)
        template = config.templates_po_dir / f"{domain}.pot"
        data = pofile.read_bytes(template, template_dir + template.name, config.limits)
        return template, data, not isinstance(exc, FileNotFoundError), template_dir + template.name


def _template_digest(config: Config, domain: str, template_dir: str,
                     digests: dict[str, str]) -> str:
    """The digest of an article's template (``""`` when there is none), remembered in
    ``digests``."""
    if domain not in digests:
        try:
            digests[domain] = cache.digest(pofile.read_bytes(
                config.templates_po_dir / f"{domain}.pot", template_dir + f"{domain}.pot",
                config.limits))
        except FileNotFoundError:
            digests[domain] = ""
    return digests[domain]


def _count_templates_instead(config: Config, rows: list[_Row], failed: list[CatalogError],
                             fresh: dict[str, list[Any]], verdicts: Verdicts | None
                             ) -> list[_Row]:
    """The rows, with the catalogs that failed while counted counted from their templates
    (all untranslated); the templates' counts are added to ``fresh``."""
    template_dir = config.rel(config.templates_po_dir) + "/"
    domain_of = {rel: domain for _, domain, rel, _, _ in rows}
    instead = {exc.path: template_dir + domain_of.get(exc.path or "", Path(exc.path or "").stem) + ".pot"
               for exc in failed}
    fresh.update(_count_catalogs({rel: (config.root / rel, "article", config.root / rel,
                                        DEFAULT_CONTEXT)
                                  for rel in set(instead.values()) - fresh.keys()},
                                 verdicts, config.limits))
    return [(lang, domain, rel, exists, instead.get(counted, counted))
            for lang, domain, rel, exists, counted in rows]


def _language_statuses(config: Config, langs: list[str], rows: list[_Row],
                       fresh: dict[str, list[Any]]) -> list[LanguageStatus]:
    """Each language's catalogs with their counts and totals, in the order of ``rows``."""
    result = [LanguageStatus(lang) for lang in langs]
    by_lang = {status.lang: status for status in result}
    for lang, domain, rel, exists, counted in rows:
        status = by_lang[lang]
        counts = Counts(**fresh[counted][1])
        publishable = domain != SITE_DOMAIN and counts.percent >= config.min_percent
        status.catalogs.append(CatalogStatus(lang, domain, rel, counts, exists, publishable))
        status.total.add(counts)
    return result


PARALLEL_COUNT_MIN = 200
"""Catalogs to count below which starting processes costs more than it saves."""


def _counts_key(data: bytes, path: Path, context: Context) -> str:
    """What a catalog's counts depend on: its bytes, and for a catalog (not a template)
    the language, dose units and glossary its entries are checked with:
    ``<digest of the bytes>`` or ``<digest of the bytes>/<context's key>`` (the digest
    first: :mod:`.quickstatus` checks a file by it)."""
    if path.suffix != ".po":
        return cache.digest(data)
    return cache.digest(data) + "/" + context.key


def _count_catalogs(todo: dict[str, tuple[Path, str, Path, Context]], verdicts: Verdicts | None,
                    limits: LimitsConfig | None = None,
                    failed: list[CatalogError] | None = None) -> dict[str, list[Any]]:
    """``[digest, counts]`` of catalogs the cache could not answer for, by path.

    Catalogs are taken article by article (each source text is then checked once
    for all languages), in parallel processes when there are many.  The first
    broken catalog, in the order given, raises its :class:`CatalogError` (or, with
    ``failed``, every broken one is added to it).
    """
    if not todo:
        return {}
    assert verdicts is not None
    tasks = sorted(((rel, *task) for rel, task in todo.items()),
                   key=lambda task: (task[1].name, task[0]))
    order = {rel: index for index, rel in enumerate(todo)}
    workers = (os.cpu_count() or 1) if len(tasks) >= PARALLEL_COUNT_MIN else 1
    parts = parallel.fork_map(_count_tasks, parallel.chunks(range(len(tasks)), workers), workers,
                              job=(tasks, verdicts, limits or LimitsConfig()))
    counted: dict[str, list[Any]] = {}
    errors: list[tuple[int, CatalogError]] = []
    for part, used in parts:
        verdicts.used.update(used)
        for rel, outcome in part:
            if isinstance(outcome, list):
                counted[rel] = outcome
            else:
                message, line, hint = outcome
                errors.append((order[rel], CatalogError(message, path=rel, line=line, hint=hint)))
    if errors and failed is not None:
        failed.extend(error for _, error in sorted(errors, key=lambda item: item[0]))
    elif errors:
        raise min(errors, key=lambda item: item[0])[1]
    return counted


def counted_entry(data: bytes, po: polib.POFile, kind: str, context: Context, template: bytes,
                  uses: dict[tuple[str | None, str], int], untranslatable: int,
                  verdicts: Verdicts, words: dict[tuple[str | None, str], int] | None = None
                  ) -> list[Any]:
    """The cache's entry for a catalog's bytes ``data`` (``po``: them parsed, their plural
    counts checked), in ``context``, counted against its template's bytes ``template``
    (:func:`template_uses` of it parsed, and its count of untranslatable words; ``words``
    as :func:`catalog_counts` takes them)."""
    key = _counts_key(data, Path("catalog.po"), context) + ":" + cache.digest(template)
    counts = catalog_counts(po, kind, verdicts, uses, context, words)
    counts.untranslatable_words = untranslatable
    return [key, dict(vars(counts))]


def template_uses(po: polib.POFile) -> tuple[dict[tuple[str | None, str], int], int]:
    """How many times each (msgctxt, msgid) of a template (its references as in the file) is
    used, and its count of words no unit holds."""
    return {(e.msgctxt, e.msgid): len(e.occurrences) for e in po}, _untranslatable(po)


def _uses(template: Path, limits: LimitsConfig
          ) -> tuple[str, dict[tuple[str | None, str], int] | None, int]:
    """The digest of a template ("" if there is none) and how many times each of its
    (msgctxt, msgid) is used."""
    try:
        text = pofile.read_bytes(template, str(template), limits)
    except FileNotFoundError:
        return "", None, 0
    po = pofile.parse_po(pofile.decode(text, str(template)), str(template), limits=limits)
    return cache.digest(text), *template_uses(po)


def _untranslatable(po: polib.POFile) -> int:
    """The template's count of words no unit holds (see :mod:`~twp_i18n.catalog.extract`)."""
    value = po.metadata.get(UNTRANSLATABLE_HEADER, "0")
    return int(value) if value.isdigit() and len(value) < 10 else 0


def _count_tasks(job: tuple[Any, Any, Any],
                 indexes: list[int]) -> tuple[list[tuple[str, Any]], dict[str, bool]]:
    tasks, verdicts, limits = job
    result: list[tuple[str, Any]] = []
    templates: dict[Path, tuple[str, dict[tuple[str | None, str], int] | None, int]] = {}
    with verdicts.recording() as used:
        for index in indexes:
            rel, path, kind, template, context = tasks[index]
            uses = None
            untranslatable = 0
            try:
                data = pofile.read_bytes(path, rel, limits)
                po = pofile.parse_po(pofile.decode(data, rel), rel, limits=limits)
                key = _counts_key(data, path, context)
                if path.suffix == ".po":
                    check_plural_counts(po, rel)
                    if template not in templates:  # one article's catalogs come together
                        templates[template] = _uses(template, limits)
                    digest, uses, untranslatable = templates[template]
                    key += ":" + digest
                else:
                    untranslatable = _untranslatable(po)
            except CatalogError as exc:  # sent back as plain data: the parent raises it
                result.append((rel, (exc.message, exc.line, exc.hint)))
                continue
            counts = catalog_counts(po, kind, verdicts, uses, context)
            counts.untranslatable_words = untranslatable
            result.append((rel, [key, dict(vars(counts))]))
    return result, used
