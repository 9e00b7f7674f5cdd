"""``twp build``: every language's pages, feeds, sitemap, OPML, dashboard and bundles.

Everything is rendered in memory first; only then are files written, each
atomically and only when its bytes changed, so a failed build leaves the
previous ``dist/`` intact and a no-change rebuild writes nothing.  Files a
previous build wrote and this one does not are removed (the list lives in
``dist/.twp-build.json``).  No clock is read: dates come from the content.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from babel.dates import format_date
from jinja2 import Environment, TemplateSyntaxError
from jinja2 import TemplateError as JinjaTemplateError
from markupsafe import Markup

from . import cache, feeds, parallel
from .catalogs import SITE_DOMAIN, catalog_path, load_catalog
from .checks import Verdicts
from .config import Config
from .content import Article, load_articles
from .errors import OutputError, TemplateError
from .extract import THEME_DIR, template_files
from .fsutil import files, remove_file, write_if_changed
from .languages import bcp47_tag, native_name, text_direction
from .render import (
    CatalogView,
    Localized,
    Translations,
    UnitKeys,
    catalog_view,
    coverage,
    jinja_environment,
    localize,
    parse_source,
    unit_keys,
)

MANIFEST = ".twp-build.json"
STYLE = THEME_DIR.parent / "static" / "style.css"
HELP_SLUG = "how-to-help-translate"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def tag_dir(lang: str) -> str:
    """The output directory of a language: its BCP 47 tag in lower case (``pt-br``)."""
    return bcp47_tag(lang).lower()


@dataclass
class BuildReport:
    """What ``build`` did (paths relative to the output directory)."""

    output: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    published: dict[str, list[str]] = field(default_factory=dict)
    """Language -> slugs published in it."""
    warnings: list[str] = field(default_factory=list)
    changed_feeds: list[str] = field(default_factory=list)
    """Absolute URLs of feeds whose content changed in this build (for WebSub pings)."""


@dataclass
class _Plan:
    """Which article is published in which language, decided before rendering."""

    languages: list[str]
    articles: list[Article]
    percent: dict[str, dict[str, float]]
    published: dict[str, list[Article]]
    site_percent: dict[str, float]
    warnings: list[str]
    memo: dict[str, Any] = field(default_factory=dict)
    """The per-language part, cached for the next build."""
    views: dict[str, dict[str, CatalogView]] = field(default_factory=dict, repr=False)
    """Catalogs read while planning, reused when rendering in the same process."""
    slugs: dict[str, set[str]] = field(default_factory=dict, repr=False)
    """Slugs published per language, for membership tests."""
    words: dict[str, int] = field(default_factory=dict, repr=False)
    """Word count of unit texts, when planning counted them."""

    def __post_init__(self) -> None:
        self.slugs = {lang: {a.slug for a in articles} for lang, articles in self.published.items()}


def build(config: Config, *, languages: Iterable[str] | None = None, out: Path | None = None,
          jobs: int = 1, progress: Callable[[int, int], None] | None = None) -> BuildReport:
    """Render the whole site into ``out`` (default: ``[paths] output``).

    Work is skipped where its inputs are byte-for-byte those of the previous
    build: a language's publishing plan when the content, theme, config and
    its catalogs are unchanged, and its pages when, in addition, no language
    published or unpublished an article.  Files are still only written when
    their bytes change, so skipped and rendered work give the same output.
    """
    output = (out or config.output_dir).resolve()
    all_langs = [config.source_language, *config.languages]
    selected = set(languages) if languages else set(all_langs)
    selected.add(config.source_language)
    shared, per_lang = _input_digests(config, all_langs)
    memo_name = "build-" + cache.digest(config.rel(output).encode("utf-8"))
    memo = cache.load(config, memo_name)
    if memo.get("shared") != shared:
        memo = {}
    if selected == set(all_langs):
        unchanged = _unchanged_build(config, output, memo, all_langs, per_lang)
        if unchanged is not None:
            return unchanged
    articles = load_articles(config)
    _check_templates(config)
    verdicts = Verdicts(config)
    plan = _plan(config, articles, all_langs, memo.get("plans", {}), per_lang, verdicts, jobs)
    published_key = cache.digest(json.dumps(
        {lang: [a.slug for a in plan.published[lang]] for lang in all_langs}).encode("utf-8"))

    files: dict[str, bytes] = {}
    kept: dict[str, list[str]] = {}
    todo: list[str] = []
    rendered_before = memo.get("rendered", {})
    for lang in all_langs:
        if lang not in selected:
            continue
        key = cache.digest(f"{per_lang[lang]} {published_key}".encode("utf-8"))
        previous = rendered_before.get(lang)
        if previous and previous["key"] == key and _intact(output, previous["files"]):
            kept[lang] = list(previous["files"])
        else:
            todo.append(lang)
    for lang in todo:  # a cached plan read no catalogs: read those to render here, once
        if lang != config.source_language and lang not in plan.views and plan.published[lang]:
            plan.views[lang] = {article.slug: _view(config, lang, article.slug, verdicts)
                                for article in plan.published[lang]}
    verdicts.save()
    render_problems: list[str] = []
    steps = [0, 0]

    def step(count: int = 1, total: int = 0) -> None:
        steps[0] += count
        steps[1] += total
        if progress:
            progress(steps[0], steps[1])

    step(0, 1)  # first the pages common to all languages, while memory is low
    shared_key = _shared_key(all_langs, per_lang, published_key)
    previous = rendered_before.get(SHARED)
    if previous and previous["key"] == shared_key and _intact(output, previous["files"]):
        kept[SHARED] = list(previous["files"])
    else:
        shared_files = _render_shared(config, plan)
        files.update(shared_files)
    step()
    pages = _render_articles(config, plan, todo, jobs, step)
    plan.views.clear()  # the pages are made: the catalogs' memory can go
    step(total=len(todo))
    # Threads suffice here: most of the time goes to zlib, which releases the GIL.
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as threads:
        for lang_files, lang_problems in threads.map(
                lambda lang: _render_language(config, lang, plan, pages[lang]), todo):
            files.update(lang_files)
            render_problems.extend(lang_problems)
            step()

    report = BuildReport(output, warnings=list(plan.warnings) + render_problems,
                         published={lang: [a.slug for a in plan.published[lang]]
                                    for lang in all_langs})
    previous_files = _read_manifest(output)
    keep_dirs = {tag_dir(lang) for lang in all_langs if lang not in selected}
    kept_files = {rel for names in kept.values() for rel in names}
    # Files of languages not built this time stay listed, so a later build can still remove them.
    kept_files |= {rel for rel in previous_files
                   if rel.split("/", 1)[0] in keep_dirs
                   or rel.startswith(tuple(f"bundles/{d}." for d in keep_dirs))}
    manifest = (json.dumps(sorted(set(files) | kept_files), indent=0) + "\n").encode("utf-8")
    for rel, data in sorted(files.items()):
        if write_if_changed(output / rel, data):
            report.written.append(rel)
            if rel.endswith(("/rss.xml", "/atom.xml", "/feed.json")):
                report.changed_feeds.append(config.base_url + rel)
        else:
            report.unchanged.append(rel)
    report.unchanged.extend(sorted(kept_files))
    for rel in sorted(previous_files - set(files) - kept_files):
        if remove_file(output / rel):
            report.removed.append(rel)
    write_if_changed(output / MANIFEST, manifest)  # last: it lists only files that exist

    rendered = {lang: info for lang, info in rendered_before.items() if lang not in todo}
    for lang in todo:
        base = tag_dir(lang)
        names = sorted(rel for rel in files if rel.startswith(f"{base}/") or rel == f"bundles/{base}.zip")
        rendered[lang] = {"key": cache.digest(f"{per_lang[lang]} {published_key}".encode("utf-8")),
                          "files": {rel: _stamp(output / rel) for rel in names}}
    if SHARED not in kept:
        rendered[SHARED] = {"key": shared_key,
                            "files": {rel: _stamp(output / rel) for rel in sorted(shared_files)}}
    for lang, names in kept.items():
        rendered[lang]["files"] = {rel: _stamp(output / rel) for rel in names}
    cache.save(config, memo_name, {"shared": shared, "plans": plan.memo, "rendered": rendered,
                                   "published": report.published, "published_key": published_key})
    return report


def _unchanged_build(config: Config, output: Path, memo: dict[str, Any], langs: list[str],
                     per_lang: dict[str, str]) -> BuildReport | None:
    """The report of a build that would change nothing, when the memo proves it; else None.

    Every input (content, config, theme, code and each language's catalogs) has the
    digest it had at the last build, and every file that build wrote is still there,
    untouched: the output is already what rendering would give.
    """
    plans = memo.get("plans", {})
    rendered = memo.get("rendered", {})
    published_key = memo.get("published_key")
    if published_key is None or any(plans.get(lang, {}).get("key") != per_lang[lang]
                                    for lang in langs if lang != config.source_language):
        return None
    expected = {lang: cache.digest(f"{per_lang[lang]} {published_key}".encode("utf-8"))
                for lang in langs}
    expected[SHARED] = _shared_key(langs, per_lang, published_key)
    names: set[str] = set()
    for key, digest in expected.items():
        entry = rendered.get(key)
        if entry is None or entry["key"] != digest or not _intact(output, entry["files"]):
            return None
        names.update(entry["files"])
    if _read_manifest(output) != names:
        return None
    warnings = [w for lang in langs if lang != config.source_language
                for w in plans[lang]["warnings"]]
    published = memo.get("published", {})
    if set(published) != set(langs):
        return None
    return BuildReport(output, unchanged=sorted(names),
                       published={lang: published[lang] for lang in langs}, warnings=warnings)


def _shared_key(langs: list[str], per_lang: dict[str, str], published_key: str) -> str:
    return cache.digest(json.dumps([per_lang[lang] for lang in langs] + [published_key])
                        .encode("utf-8"))


SHARED = "#shared"
"""Key of the files common to all languages (chooser, dashboard, sitemap, OPML, stylesheet)
in the build memo, next to the language codes."""


def _input_digests(config: Config, langs: list[str]) -> tuple[str, dict[str, str]]:
    """A digest of everything all languages share, and one per language adding its catalogs."""
    paths = [config.config_path]
    for directory, pattern in ((config.content_dir / "images", "**/*"), (config.templates_dir, "*")):
        if directory.is_dir():
            paths.extend(sorted(p for p in directory.glob(pattern) if p.is_file()))
    inputs = cache.file_digests(config, paths)
    inputs.update(cache.directory_digests(config, config.source_dir, ".md"))
    shared = cache.digest((cache.code_digest() + json.dumps(inputs, sort_keys=True)).encode("utf-8"))
    per_lang = {}
    for lang in langs:
        catalogs = cache.directory_digests(config, config.po_dir(lang), ".po")
        per_lang[lang] = cache.digest((shared + json.dumps(catalogs, sort_keys=True)).encode("utf-8"))
    return shared, per_lang


def _inside(rel: str) -> bool:
    """True for a plain relative path that stays inside the output directory."""
    parts = rel.split("/")
    return bool(rel) and not rel.startswith("/") and "\\" not in rel and ".." not in parts \
        and "" not in parts and ":" not in parts[0]


def _stamp(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def _intact(output: Path, files: dict[str, list[int]]) -> bool:
    """True when every file a previous build wrote is still there, untouched."""
    try:
        return all(_stamp(output / rel) == stamp for rel, stamp in files.items())
    except OSError:
        return False


def _check_templates(config: Config) -> None:
    """Compile every template first, so a syntax error names its file and line."""
    env = jinja_environment(config)
    for name, (_path, ref) in template_files(config).items():
        try:
            env.get_template(name)
        except TemplateSyntaxError as exc:
            raise TemplateError(f"template syntax error: {exc.message}", path=ref, line=exc.lineno,
                                hint="fix the Jinja2 syntax on that line") from None


def _unit_keys(config: Config, articles: list[Article]) -> dict[str, UnitKeys]:
    """:func:`unit_keys` of every article, remembered by a digest of what decides them."""
    code = cache.code_digest()
    stored = cache.load(config, "units")
    known: dict[str, Any] = stored.get("articles", {}) if stored.get("code") == code else {}
    fresh: dict[str, Any] = {}
    result: dict[str, UnitKeys] = {}
    for article in articles:
        key = cache.digest(repr((article.title, article.summary, article.body)).encode("utf-8"))
        hit = known.get(key)
        if hit is None:
            result[article.slug] = unit_keys(article)
            fresh[key] = [[context, text, words] for (context, text), words in result[article.slug]]
        else:
            result[article.slug] = [((context, text), words) for context, text, words in hit]
            fresh[key] = hit
    if fresh.keys() != known.keys():
        cache.save(config, "units", {"code": code, "articles": fresh})
    return result


def _view(config: Config, lang: str, slug: str, verdicts: Verdicts | None = None) -> CatalogView:
    display = config.rel(catalog_path(config, lang, slug))
    return catalog_view(load_catalog(config, lang, slug), display, verdicts)


def _plan(config: Config, articles: list[Article], langs: list[str],
          memo: dict[str, Any], per_lang: dict[str, str], verdicts: Verdicts,
          jobs: int = 1) -> _Plan:
    """Decide, for every language and article, the share translated and what is published."""
    percent: dict[str, dict[str, float]] = {}
    published: dict[str, list[Article]] = {}
    site_percent: dict[str, float] = {}
    warnings: list[str] = []
    fresh_memo: dict[str, Any] = {}
    stale = [lang for lang in langs if lang != config.source_language
             and memo.get(lang, {}).get("key") != per_lang[lang]]
    views = _read_views(config, articles, stale, verdicts, jobs)
    keys = _unit_keys(config, articles) if stale else {}
    for lang in langs:
        words = done = 0
        if lang == config.source_language:
            percent[lang] = {a.slug: 100.0 for a in articles}
        elif lang not in stale:
            cached = memo[lang]
            percent[lang] = dict(cached["percent"])
            words, done = cached["words"], cached["done"]
            warnings.extend(cached["warnings"])
        else:
            percent[lang] = {}
            lang_warnings: list[str] = []
            for article in articles:
                view = views[lang][article.slug]
                article_words, article_done = coverage(keys[article.slug], view)
                percent[lang][article.slug] = (100.0 if article_words == 0
                                               else 100.0 * article_done / article_words)
                lang_warnings.extend(view.problems)
                words += article_words
                done += article_done
            warnings.extend(lang_warnings)
            memo = {**memo, lang: {"key": per_lang[lang], "percent": percent[lang], "words": words,
                                   "done": done, "warnings": lang_warnings}}
        if lang != config.source_language:
            fresh_memo[lang] = memo[lang]
        published[lang] = sorted(
            (a for a in articles if percent[lang][a.slug] >= config.min_percent
             or lang == config.source_language),
            key=lambda a: (a.date, a.slug), reverse=True)
        site_percent[lang] = 100.0 if lang == config.source_language or words == 0 \
            else 100.0 * done / words
    words = {text: count for article_keys in keys.values() for (_, text), count in article_keys}
    return _Plan(langs, articles, percent, published, site_percent, warnings, fresh_memo, views,
                 words=words)


PARALLEL_READ_MIN = 400
"""Catalogs to read below which starting processes costs more than it saves."""

def _read_views(config: Config, articles: list[Article], langs: list[str], verdicts: Verdicts,
                jobs: int) -> dict[str, dict[str, CatalogView]]:
    """Every catalog of ``langs`` for ``articles``, read and checked.

    Articles are taken one after the other with all their languages, so that each
    source text is analysed once for all of them; chunks of articles go to
    parallel processes when there is much to read.
    """
    views: dict[str, dict[str, CatalogView]] = {lang: {} for lang in langs}
    if not langs:
        return views
    slugs = [article.slug for article in articles]
    workers = jobs if len(slugs) * len(langs) >= PARALLEL_READ_MIN else 1
    parts = parallel.fork_map(_read_chunk, parallel.chunks(slugs, workers, 4), workers,
                              job=(config, langs, verdicts))
    texts: dict[str, str] = {}  # one copy of each source text for all languages' tables
    for part, used in parts:
        for lang, found in part.items():
            for view in found.values():
                view.table = {(context, texts.setdefault(msgid, msgid)): msgstr
                              for (context, msgid), msgstr in view.table.items()}
            views[lang].update(found)
        verdicts.used.update(used)
    return views


def _read_chunk(slugs: list[str]) -> tuple[dict[str, dict[str, CatalogView]], dict[str, bool]]:
    config, langs, verdicts = parallel.job()
    before, verdicts.used = verdicts.used, {}
    found: dict[str, dict[str, CatalogView]] = {lang: {} for lang in langs}
    try:
        for slug in slugs:
            for lang in langs:
                found[lang][slug] = _view(config, lang, slug, verdicts)
        return found, verdicts.used
    finally:
        verdicts.used = before


def _rel_root(depth: int) -> str:
    return "../" * depth


def _date_text(moment: dt.datetime, lang: str) -> str:
    return format_date(moment.date(), format="long", locale=lang)


@dataclass
class _ArticleOutput:
    """One article rendered in one language, for its language's index, feeds and bundle."""

    page: bytes
    listing: dict[str, Any]
    item: feeds.FeedItem | None
    """Its feed entry, when the article is recent enough to be in the feeds."""
    problems: list[str]


PARALLEL_RENDER_MIN = 200
"""Article pages to render below which starting processes costs more than it saves."""

def _render_articles(config: Config, plan: _Plan, langs: list[str], jobs: int,
                     step: Callable[..., None]) -> dict[str, dict[str, _ArticleOutput]]:
    """Every published article page of ``langs``, by language and slug.

    Each article is parsed once and localized into all its languages; chunks of
    articles go to parallel processes when there are many pages to render.
    """
    pages: dict[str, dict[str, _ArticleOutput]] = {lang: {} for lang in langs}
    slugs = [a.slug for a in plan.articles if any(a.slug in plan.slugs[lang] for lang in langs)]
    if not slugs:
        return pages
    count = sum(len(plan.published[lang]) for lang in langs)
    workers = jobs if count >= PARALLEL_RENDER_MIN else 1
    pieces = parallel.chunks(slugs, workers)
    step(0, len(pieces))
    for part in parallel.fork_map(_render_chunk, pieces, workers, job=(config, plan, langs),
                                  done=step):
        for lang, slug, output in part:
            pages[lang][slug] = output
    return pages


def _render_chunk(slugs: list[str]) -> list[tuple[str, str, _ArticleOutput]]:
    """Render some articles in every language of the job that publishes them."""
    config, plan, langs = parallel.job()
    by_slug = {a.slug: a for a in plan.articles}
    all_slugs = set(by_slug)
    settings: dict[str, tuple[Environment, str, set[str]]] = {}
    result: list[tuple[str, str, _ArticleOutput]] = []
    for slug in slugs:
        article = by_slug[slug]
        source = parse_source(article, plan.words)
        for lang in langs:
            if slug not in plan.slugs[lang]:
                continue
            if lang not in settings:
                env, translations = _language_environment(config, lang)
                recent = {a.slug for a in plan.published[lang][:config.feeds.items]}
                settings[lang] = (env, translations.text(config.title), recent)
            env, site_title, recent = settings[lang]
            view = plan.views.get(lang, {}).get(slug)
            if view is None and lang != config.source_language:
                view = _view(config, lang, slug)
            localized = localize(article, lang, config.source_language, view, source)
            problems = [p for p in localized.problems if view is None or p not in view.problems]
            localized.html = link_to_source_when_unpublished(
                localized.html, plan.slugs[lang], all_slugs, config.source_language)
            page = _article_page(env, config, plan, lang, localized, site_title)
            listing = {
                "href": f"{slug}/", "title": localized.title, "summary": localized.summary,
                "date_iso": article.date.date().isoformat(),
                "date_text": _date_text(article.date, lang),
            }
            item = _feed_item(config, plan, lang, localized) if slug in recent else None
            result.append((lang, slug, _ArticleOutput(page.encode("utf-8"), listing, item,
                                                      problems)))
    return result


def _language_environment(config: Config, lang: str) -> tuple[Environment, Translations]:
    """The theme's templates speaking ``lang`` (its ``site.po``), and those translations."""
    env = jinja_environment(config)
    site_po = load_catalog(config, lang, SITE_DOMAIN) if lang != config.source_language else None
    translations = Translations(site_po, lang)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translations.gettext, translations.ngettext, newstyle=True,
        pgettext=translations.pgettext, npgettext=translations.npgettext)
    return env, translations


def _render_language(config: Config, lang: str, plan: _Plan,
                     pages: dict[str, _ArticleOutput]) -> tuple[dict[str, bytes], list[str]]:
    """Every file under ``<tag>/`` for one language (none when nothing is published in it),
    from its article pages rendered by :func:`_render_articles`."""
    if not plan.published[lang]:
        return {}, []
    env, translations = _language_environment(config, lang)
    base = tag_dir(lang)
    site_title = translations.text(config.title)
    files: dict[str, bytes] = {}
    problems: list[str] = []
    items: list[feeds.FeedItem] = []
    listing: list[dict[str, Any]] = []
    for article in plan.published[lang]:
        output = pages[article.slug]
        files[f"{base}/{article.slug}/index.html"] = output.page
        listing.append(output.listing)
        problems.extend(output.problems)
        if output.item is not None:
            items.append(output.item)
    page = _page(config, plan, lang, depth=1, canonical=f"{base}/",
                 hreflang=[(l, f"{tag_dir(l)}/") for l in plan.languages if plan.published[l]])
    languages = [{"href": f"../{tag_dir(l)}/", "lang_tag": bcp47_tag(l), "name": native_name(l),
                  "current": l == lang} for l in plan.languages if plan.published[l]]
    files[f"{base}/index.html"] = _render(env, "index.html", site=_site(config, site_title),
                                          page=page, articles=listing,
                                          languages=languages).encode("utf-8")
    channel = _channel(config, plan, lang, site_title, items)
    full = config.feeds.full_content
    files[f"{base}/rss.xml"] = feeds.render_rss(channel, full)
    files[f"{base}/atom.xml"] = feeds.render_atom(channel, full)
    files[f"{base}/feed.json"] = feeds.render_json_feed(channel, full)
    assets = _assets(config)
    for rel, data in assets.items():
        files[f"{base}/{rel}"] = data
    files[f"bundles/{base}.zip"] = _bundle(base, {k: v for k, v in files.items()
                                                  if k.startswith(base + "/")})
    return files, problems


def _assets(config: Config) -> dict[str, bytes]:
    """``content/images/`` is copied into every language, so ``../images/x.png`` works."""
    images = config.content_dir / "images"
    if not images.is_dir():
        return {}
    return {f"images/{p.relative_to(images).as_posix()}": p.read_bytes()
            for p in sorted(images.rglob("*")) if p.is_file()}


def _site(config: Config, title: str) -> dict[str, str]:
    return {"title": title, "base_url": config.base_url}


def _page(config: Config, plan: _Plan, lang: str, *, depth: int, canonical: str | None,
          hreflang: list[tuple[str, str]], description: str | None = None) -> dict[str, Any]:
    root = _rel_root(depth)
    alternates = [{"hreflang": bcp47_tag(l), "url": config.base_url + path} for l, path in hreflang]
    source_paths = [path for l, path in hreflang if l == config.source_language]
    if source_paths:
        alternates.append({"hreflang": "x-default", "url": config.base_url + source_paths[0]})
    base = tag_dir(lang)
    return {
        "lang_tag": bcp47_tag(lang), "dir": text_direction(lang), "root": root,
        "home": f"{root}{base}/", "canonical": config.base_url + canonical if canonical else None,
        "hreflang": alternates, "description": description,
        "feeds": {"rss": f"{root}{base}/rss.xml", "atom": f"{root}{base}/atom.xml",
                  "json": f"{root}{base}/feed.json"},
    }


def _article_page(env: Environment, config: Config, plan: _Plan, lang: str, loc: Localized,
                  site_title: str) -> str:
    slug = loc.article.slug
    versions = [l for l in plan.languages if slug in plan.slugs[l]]
    page = _page(config, plan, lang, depth=2, canonical=f"{tag_dir(lang)}/{slug}/",
                 hreflang=[(l, f"{tag_dir(l)}/{slug}/") for l in versions],
                 description=loc.summary)
    alternates = [{"href": f"../../{tag_dir(l)}/{slug}/", "lang_tag": bcp47_tag(l),
                   "name": native_name(l), "current": l == lang} for l in versions]
    article = loc.article
    help_url = (f"../../{tag_dir(config.source_language)}/{HELP_SLUG}/"
                if any(a.slug == HELP_SLUG for a in plan.articles) else "../../status/")
    data = {
        "title": loc.title, "html": Markup(loc.html), "untranslated": loc.untranslated_units,
        "date_iso": article.date.date().isoformat(), "date_text": _date_text(article.date, lang),
        "updated_iso": article.updated.date().isoformat() if article.updated else None,
        "updated_text": _date_text(article.updated, lang) if article.updated else None,
        "help_url": help_url,
    }
    return _render(env, "article.html", site=_site(config, site_title), page=page, article=data,
                   alternates=alternates)


_RELATIVE_DIR_LINK = re.compile(r'\b(href)="((?![a-z][a-z0-9+.-]*:|/|#)[^"?#]*/)([?#][^"]*)?"')


def disk_friendly_links(html_text: str) -> str:
    """Relative links to a directory get an explicit ``index.html``.

    Browsers opening pages from disk (an offline bundle) show a directory
    listing for ``../es/``; ``../es/index.html`` works from disk and on a server.

    >>> disk_friendly_links('<a href="../b/#top">b</a> <a href="https://x.org/a/">x</a>')
    '<a href="../b/index.html#top">b</a> <a href="https://x.org/a/">x</a>'
    """
    return _RELATIVE_DIR_LINK.sub(lambda m: f'{m.group(1)}="{m.group(2)}index.html{m.group(3) or ""}"',
                                  html_text)


def _render(env: Environment, name: str, **context: Any) -> str:
    try:
        return disk_friendly_links(env.get_template(name).render(**context))
    except TemplateSyntaxError as exc:
        raise TemplateError(f"template syntax error: {exc.message}", path=exc.filename or name,
                            line=exc.lineno) from None
    except JinjaTemplateError as exc:
        raise TemplateError(f"template {name} failed: {exc}", path=name,
                            hint="check the variable names the template uses") from None


def _revision(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.strptime(value.strip(), "%Y-%m-%d %H:%M%z")
    except ValueError:
        return None


def _feed_item(config: Config, plan: _Plan, lang: str, loc: Localized) -> feeds.FeedItem:
    article = loc.article
    revision = _revision(loc.revision)
    updated = max(article.last_modified, revision) if revision else article.last_modified
    others = tuple(
        feeds.Alternate(bcp47_tag(l), f"{config.base_url}{tag_dir(l)}/{article.slug}/")
        for l in plan.languages
        if l != lang and article.slug in plan.slugs[l])
    return feeds.FeedItem(
        id=feeds.make_item_id(config.base_url, bcp47_tag(lang), article.slug),
        url=f"{config.base_url}{tag_dir(lang)}/{article.slug}/",
        title=loc.title, content_html=absolute_links(loc.html, f"{config.base_url}{tag_dir(lang)}/{article.slug}/"),
        summary=loc.summary,
        published=article.date, updated=updated, author=article.author, alternates=others,
    )


_SIBLING = re.compile(r'href="\.\./([^/"#?]+)/?((?:[?#][^"]*)?)"')


def link_to_source_when_unpublished(html_text: str, published: set[str], slugs: set[str],
                                    source_lang: str) -> str:
    """Point links to sibling articles not published in this language at the source version.

    >>> link_to_source_when_unpublished('<a href="../b/">b</a>', {"a"}, {"a", "b"}, "en")
    '<a href="../../en/b/" hreflang="en">b</a>'
    """
    def fix(match: re.Match[str]) -> str:
        slug = match.group(1)
        if slug not in slugs or slug in published:
            return match.group(0)
        return f'href="../../{tag_dir(source_lang)}/{slug}/{match.group(2)}" hreflang="{bcp47_tag(source_lang)}"'

    return _SIBLING.sub(fix, html_text)


_LINK_ATTR = re.compile(r'\b(href|src)="([^"]*)"')


def absolute_links(html_text: str, base: str) -> str:
    """Resolve relative ``href``/``src`` URLs against the page URL (feed readers need them).

    >>> absolute_links('<a href="../x/">x</a>', "https://e.org/es/a/")
    '<a href="https://e.org/es/x/">x</a>'
    """
    def resolve(match: re.Match[str]) -> str:
        url = urljoin(base, html.unescape(match.group(2)))
        return f'{match.group(1)}="{html.escape(url, quote=True)}"'

    return _LINK_ATTR.sub(resolve, html_text)


def _channel(config: Config, plan: _Plan, lang: str, title: str,
             items: list[feeds.FeedItem]) -> feeds.Channel:
    base = f"{config.base_url}{tag_dir(lang)}/"
    ordered = sorted(items, key=lambda i: (i.published, i.id), reverse=True)
    others = tuple(feeds.Alternate(bcp47_tag(l), f"{config.base_url}{tag_dir(l)}/atom.xml")
                   for l in plan.languages if l != lang and plan.published[l])
    return feeds.Channel(
        lang_tag=bcp47_tag(lang), title=title, description=title, home_url=base,
        rss_url=base + "rss.xml", atom_url=base + "atom.xml", json_url=base + "feed.json",
        items=tuple(ordered[: config.feeds.items]), rights=config.feeds.rights,
        author=config.title, websub_hub=config.feeds.websub_hub, alternates=others,
    )


def _render_shared(config: Config, plan: _Plan) -> dict[str, bytes]:
    """Root chooser, status dashboard, sitemap, OPML and the stylesheet."""
    env = jinja_environment(config)
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    source = config.source_language
    files: dict[str, bytes] = {"style.css": STYLE.read_bytes()}
    chooser = []
    for lang in plan.languages:
        chooser.append({
            "lang_tag": bcp47_tag(lang), "dir": text_direction(lang), "name": native_name(lang),
            "href": f"{tag_dir(lang)}/" if plan.published[lang] else None,
            "percent": plan.site_percent[lang], "percent_text": f"{plan.site_percent[lang]:.0f}%",
        })
    root_page = _page(config, plan, source, depth=0, canonical="",
                      hreflang=[])
    root_page["home"] = "./"
    root_page["feeds"] = None
    files["index.html"] = _render(env, "chooser.html", site=_site(config, config.title),
                                  page=root_page, languages=chooser).encode("utf-8")
    status_rows = []
    for lang in plan.languages:
        if lang == source:
            continue
        rows = [{"title": a.title, "percent": plan.percent[lang][a.slug],
                 "percent_text": f"{plan.percent[lang][a.slug]:.0f}%",
                 "published": a.slug in plan.slugs[lang],
                 "href": f"../{tag_dir(lang)}/{a.slug}/"} for a in plan.articles]
        status_rows.append({"lang_tag": bcp47_tag(lang), "name": native_name(lang),
                            "percent": plan.site_percent[lang],
                            "percent_text": f"{plan.site_percent[lang]:.0f}%", "articles": rows})
    status_page = _page(config, plan, source, depth=1, canonical="status/", hreflang=[])
    status_page["home"] = "../"
    status_page["feeds"] = None
    files["status/index.html"] = _render(
        env, "status.html", site=_site(config, config.title), page=status_page,
        languages=status_rows, min_percent=f"{config.min_percent:g}").encode("utf-8")
    files["sitemap.xml"] = feeds.render_sitemap(_sitemap_pages(config, plan))
    channels = [_channel(config, plan, lang, config.title, []) for lang in plan.languages
                if plan.published[lang]]
    files["feeds.opml"] = feeds.render_opml(config.title, channels)
    return files


def _sitemap_pages(config: Config, plan: _Plan) -> list[tuple[str, tuple[feeds.Alternate, ...], dt.datetime | None]]:
    pages: list[tuple[str, tuple[feeds.Alternate, ...], dt.datetime | None]] = []
    source_dir = tag_dir(config.source_language)
    for article in sorted(plan.articles, key=lambda a: a.slug):
        versions = [l for l in plan.languages if article.slug in plan.slugs[l]]
        alternates = tuple(feeds.Alternate(bcp47_tag(l), f"{config.base_url}{tag_dir(l)}/{article.slug}/")
                           for l in versions)
        alternates += (feeds.Alternate("x-default", f"{config.base_url}{source_dir}/{article.slug}/"),)
        for lang in versions:
            pages.append((f"{config.base_url}{tag_dir(lang)}/{article.slug}/", alternates,
                          article.last_modified))
    return pages


def _bundle(base: str, files: dict[str, bytes]) -> bytes:
    """A deterministic zip of one language: sorted entries, fixed dates, a sha256 manifest."""
    style = STYLE.read_bytes()
    members = dict(files)
    members["style.css"] = style
    manifest = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n"
                       for name, data in sorted(members.items()))
    members["SHA256SUMS"] = manifest.encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, members[name], compresslevel=9)
    return buffer.getvalue()


def _read_manifest(output: Path) -> set[str]:
    """Files the previous build wrote: only relative paths inside the output directory."""
    try:
        names = json.loads((output / MANIFEST).read_text(encoding="utf-8"))
        return {name for name in names if isinstance(name, str) and _inside(name)}
    except FileNotFoundError:
        return set()
    except (OSError, ValueError) as exc:
        raise OutputError(f"cannot read the previous build's file list: {exc}",
                          path=output / MANIFEST,
                          hint="delete the output directory and build again") from None
