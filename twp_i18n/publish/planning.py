"""The publishing plan of a build, made in one pass over the articles.

Each article is taken once, with all its languages, in one process: its body is
parsed, its catalogs are read and checked, the share translated in each language
is weighed, and, in every language whose pages are to be made and that publishes
it, it is localized (its HTML made).  What is left after the plan is templating:
pages, feeds and books (:mod:`twp_i18n.render.pages`), which need to know what
every language publishes.  Chunks of articles go to parallel processes when there
is much to read; only small results (percents, problems, HTML) come back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Config
from ..diagnostics import Diagnostic
from ..machinery import cache, parallel
from ..machinery.fsutil import read_regular
from ..render.plan import Plan

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..catalog.checks import Verdicts
    from ..catalog.context import Context
    from ..render.localize import CatalogView, Localized, SourceDocument, UnitKeys
    from ..source.content import Article

PARALLEL_READ_MIN = 400
"""Catalogs to read below which starting processes costs more than it saves."""


def _units_key(article: Article) -> str:
    """A digest of what decides an article's units: its title, summary and body."""
    return cache.digest(repr((article.title, article.summary, article.body)).encode("utf-8"))


def _known_unit_keys(config: Config, articles: list[Article]) -> dict[str, UnitKeys]:
    """:func:`unit_keys` of the articles the cache knows, by slug."""
    known: dict[str, Any] = cache.Memo(config, "units").get("articles", {})
    result: dict[str, UnitKeys] = {}
    for article in articles:
        hit = known.get(_units_key(article))
        if hit is not None:
            result[article.slug] = [((context, text), words) for context, text, words in hit]
    return result


def _save_unit_keys(config: Config, articles: list[Article], keys: dict[str, UnitKeys]) -> None:
    """Remember every article's unit keys for the next build (when they changed)."""
    stored = cache.Memo(config, "units")
    known: dict[str, Any] = stored.get("articles", {})
    fresh = {_units_key(article): [[context, text, words]
                                   for (context, text), words in keys[article.slug]]
             for article in articles}
    if fresh.keys() != known.keys():
        stored.save(articles=fresh)


@dataclass
class _LanguagePlan:
    """One language's part of the plan: the share translated of each article, the words
    counted and translated, and what was wrong with its catalogs."""

    percent: dict[str, float]
    words: int = 0
    done: int = 0
    warnings: list[Diagnostic] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)

    @classmethod
    def from_memo(cls, cached: dict[str, Any]) -> _LanguagePlan:
        return cls(dict(cached["percent"]), cached["words"], cached["done"],
                   list(map(Diagnostic.from_dict, cached["warnings"])),
                   list(map(Diagnostic.from_dict, cached.get("errors", []))),
                   list(cached.get("broken", [])))

    def as_memo(self, key: str) -> dict[str, Any]:
        return {"key": key, "percent": self.percent, "words": self.words, "done": self.done,
                "warnings": [w.as_dict() for w in self.warnings],
                "errors": [e.as_dict() for e in self.errors], "broken": self.broken}


Coverage = tuple[int, int, list[Diagnostic], Diagnostic | None]
"""One article's catalog in one language: words, words translated, the catalog's problems,
and why it cannot be read (if it cannot)."""


def make_plan(config: Config, articles: list[Article], langs: list[str], memo: dict[str, Any],
              per_lang: dict[str, str], verdicts: Verdicts, jobs: int,
              localize_langs: list[str],
              step: Callable[[int, int], None] | None = None) -> Plan:
    """Decide, for every language and article, the share translated and what is published;
    the published articles of ``localize_langs`` are localized on the way (``plan.localized``).

    A language whose inputs are those of the previous build takes its part of ``memo``;
    the others are decided from their catalogs.
    """
    source = config.source_language
    stale = [lang for lang in langs if lang != source
             and memo.get(lang, {}).get("key") != per_lang[lang]]
    keys = _known_unit_keys(config, articles) if stale else {}
    cached = {lang: dict(memo[lang]["percent"]) for lang in localize_langs
              if lang != source and lang not in stale}
    coverage, localized = read_articles(config, articles, stale, localize_langs, cached,
                                        verdicts, jobs, keys, step)
    if stale:
        _save_unit_keys(config, articles, keys)
    parts: dict[str, _LanguagePlan] = {}
    fresh_memo: dict[str, Any] = {}
    for lang in langs:
        if lang == source:
            parts[lang] = _LanguagePlan({a.slug: 100.0 for a in articles})
        elif lang in stale:
            parts[lang] = _language_plan(config, lang, articles, coverage[lang])
            fresh_memo[lang] = parts[lang].as_memo(per_lang[lang])
        else:
            parts[lang] = _LanguagePlan.from_memo(memo[lang])
            fresh_memo[lang] = memo[lang]
    broken = {lang: set(part.broken) for lang, part in parts.items()}
    published = {lang: sorted((a for a in articles if lang == source
                               or (parts[lang].percent[a.slug] >= config.min_percent
                                   and a.slug not in broken[lang])),
                              key=lambda a: (a.date, a.slug), reverse=True)
                 for lang in langs}
    site_percent = {lang: 100.0 if lang == source or part.words == 0
                    else 100.0 * part.done / part.words for lang, part in parts.items()}
    return Plan(langs, articles, {lang: part.percent for lang, part in parts.items()}, published,
                site_percent, [w for part in parts.values() for w in part.warnings], fresh_memo,
                localized, errors=[e for part in parts.values() for e in part.errors],
                broken={lang: part.broken for lang, part in parts.items() if lang != source})


def _language_plan(config: Config, lang: str, articles: list[Article],
                   coverage: dict[str, Coverage]) -> _LanguagePlan:
    """The share translated of each article in ``lang`` under its catalogs (what publishing
    weighs), with the problems found in them: the publishing rule, apart from the memo."""
    from ..catalog.catalogs import load_catalog
    from ..catalog.checks import check_context
    from ..errors import CatalogError
    from ..paths import SITE_DOMAIN

    part = _LanguagePlan({})
    errors, warnings = check_context(config, lang).glossary.reported()
    part.errors.extend(errors)
    part.warnings.extend(warnings)
    try:
        load_catalog(config, lang, SITE_DOMAIN)
    except CatalogError as exc:
        part.errors.append(Diagnostic(
            exc.path, exc.line, "error", "catalog-unreadable",
            f"{exc.message}; the {lang} pages show the interface in English", exc.hint))
    for article in articles:
        words, done, problems, broken = coverage[article.slug]
        if broken:
            part.broken.append(article.slug)
            part.errors.append(replace(
                broken, message=f"{broken.message}; '{article.slug}' is not "
                f"published again in {lang}: its previous page, if any, is kept"))
        part.percent[article.slug] = _percent(words, done)
        part.warnings.extend(problems)
        part.words += words
        part.done += done
    return part


def _percent(words: int, done: int) -> float:
    return 100.0 if words == 0 else 100.0 * done / words


@dataclass
class _Job:
    """What every chunk of :func:`read_articles` shares (through the fork, in workers)."""

    config: Config
    by_slug: dict[str, Article]
    plan_langs: list[str]
    """Languages whose share translated is weighed here (their catalogs are all read)."""
    localize_langs: list[str]
    """Languages whose published articles are localized here."""
    percent: dict[str, dict[str, float]]
    """The share translated of the localized languages not weighed here (from the memo)."""
    verdicts: Verdicts
    keys: dict[str, UnitKeys]
    """Unit keys known already (from the cache), by slug."""


_Result = tuple[dict[str, dict[str, Coverage]], dict[str, dict[str, dict[str, Any]]],
                dict[str, bool], dict[str, Any]]


def read_articles(config: Config, articles: list[Article], plan_langs: list[str],
                  localize_langs: list[str], percent: dict[str, dict[str, float]],
                  verdicts: Verdicts, jobs: int, keys: dict[str, UnitKeys],
                  step: Callable[[int, int], None] | None = None
                  ) -> tuple[dict[str, dict[str, Coverage]], dict[str, dict[str, Localized]]]:
    """The coverage of every article in each of ``plan_langs`` and the localized published
    articles of ``localize_langs``; the unit keys of the articles missing from ``keys`` are
    added to it (when they were parsed), and the verdicts used to ``verdicts``.
    ``step(count, total)`` is told the number of chunks of articles, then each one done."""
    coverage: dict[str, dict[str, Coverage]] = {lang: {} for lang in plan_langs}
    localized: dict[str, dict[str, Localized]] = {lang: {} for lang in localize_langs}
    if not plan_langs and not localize_langs:
        return coverage, localized
    from ..render.localize import Localized

    slugs = [article.slug for article in articles]
    catalogs = len(slugs) * len({*plan_langs, *localize_langs})
    workers = jobs if catalogs >= PARALLEL_READ_MIN else 1
    verdicts.known  # noqa: B018 -- read once here, before the workers are forked
    job = _Job(config, {a.slug: a for a in articles}, plan_langs, localize_langs, percent,
               verdicts, keys)
    by_slug = job.by_slug
    pieces = parallel.chunks(slugs, workers)
    if step:
        step(0, len(pieces))
    for found, made, used, found_keys in parallel.fork_map(
            _read_chunk, pieces, workers, job=job, done=(lambda: step(1, 0)) if step else None):
        for lang, part in found.items():
            coverage[lang].update(part)
        for lang, pages in made.items():
            for slug, values in pages.items():
                localized[lang][slug] = Localized(article=by_slug[slug], **values)
        verdicts.used.update(used)
        keys.update(found_keys)
    return coverage, localized


def _read_chunk(job: _Job, slugs: list[str]) -> _Result:
    from ..catalog.checks import check_context
    from ..render.localize import Localized

    langs = [lang for lang in dict.fromkeys([*job.plan_langs, *job.localize_langs])
             if lang != job.config.source_language]
    contexts = {lang: check_context(job.config, lang) for lang in langs}
    coverage: dict[str, dict[str, Coverage]] = {lang: {} for lang in job.plan_langs}
    made: dict[str, dict[str, dict[str, Any]]] = {lang: {} for lang in job.localize_langs}
    found_keys: dict[str, Any] = {}
    sent = [f.name for f in fields(Localized) if f.name != "article"]  # it is known there
    with job.verdicts.recording() as used:
        for slug in slugs:
            for lang, localized in _read_article(job, job.by_slug[slug], contexts, coverage,
                                                 found_keys):
                made[lang][slug] = {name: getattr(localized, name) for name in sent}
    return coverage, made, used, found_keys


def _read_article(job: _Job, article: Article, contexts: dict[str, Context],
                  coverage: dict[str, dict[str, Coverage]], found_keys: dict[str, Any]
                  ) -> list[tuple[str, Localized]]:
    """One article in all the job's languages, parsed at most once and each catalog read
    once: its coverage in the languages planned, and its localized versions."""
    from ..render.localize import coverage as weigh
    from ..render.localize import localize, parse_source, read_view, unit_keys

    config, slug = job.config, article.slug
    source_lang = config.source_language
    parsed: list[SourceDocument] = []

    def source() -> SourceDocument:
        if not parsed:
            parsed.append(parse_source(article))
        return parsed[0]

    keys = job.keys.get(slug)
    if keys is None and job.plan_langs:
        keys = found_keys[slug] = unit_keys(article, source().units)
    elif source_lang in job.localize_langs:
        source()  # parsed first: the checks can use its parses of the units
    known = parsed[0].unit_parses() if parsed else None
    views: dict[str, CatalogView] = {}
    percent: dict[str, float] = {}
    for lang in job.plan_langs:
        view = views[lang] = read_view(config, lang, slug, job.verdicts, contexts[lang],
                                       keep_parses=lang in job.localize_langs, known=known)
        assert keys is not None
        words, done = weigh(keys, view)
        coverage[lang][slug] = (words, done, view.problems, view.broken)
        percent[lang] = _percent(words, done)
    result = []
    for lang in job.localize_langs:
        found: CatalogView | None = None
        if lang != source_lang:
            share = percent[lang] if lang in percent else job.percent[lang][slug]
            if share < config.min_percent:
                continue  # not published in it
            found = views.get(lang) or read_view(config, lang, slug, job.verdicts, contexts[lang],
                                                 keep_parses=True, known=known)
        result.append((lang, localize(article, lang, source_lang, found, source())))
    return result


def input_digests(config: Config, langs: list[str],
                   images: list[Path]) -> tuple[str, dict[str, str]]:
    """A digest of every input of a build that all languages share, and one per language
    adding its catalogs and dates (a build whose digests are the last one's renders nothing)."""
    paths = [config.config_path, *images]
    if config.templates_dir.is_dir():
        paths.extend(sorted(p for p in config.templates_dir.glob("*") if p.is_file()))
    inputs = cache.file_digests(config, paths)
    inputs.update(cache.directory_digests(config, config.source_dir, ".md"))
    shared = cache.digest((cache.code_digest() + json.dumps(inputs, sort_keys=True)).encode("utf-8"))
    per_lang = {}
    dates = _dates_digests(config)
    for lang in langs:
        catalogs = cache.directory_digests(config, config.po_dir(lang), ".po")
        catalogs["#dates"] = dates.get(lang, dates.get("", ""))
        glossary = config.locales_dir / lang / "glossary.csv"
        if glossary.is_file():
            catalogs.update(cache.file_digests(config, [glossary]))
        per_lang[lang] = cache.digest((shared + json.dumps(catalogs, sort_keys=True)).encode("utf-8"))
    return shared, per_lang


def _dates_digests(config: Config) -> dict[str, str]:
    """A digest of each language's part of ``locales/dates.json`` (so a new date renders only
    that language again); ``""``: of the whole file, when it is not a record."""
    path = config.locales_dir / "dates.json"
    try:  # bounded as its reader bounds it (which reports a file over the bound)
        data = read_regular(path, config.limits.max_catalog_bytes)
    except OSError:
        return {}
    try:
        record = json.loads(data)
        return {lang: cache.digest(json.dumps(part, sort_keys=True).encode("utf-8"))
                for lang, part in record.items()}
    except (ValueError, AttributeError):
        return {"": cache.digest(data)}
