"""The files of a build: article pages, language indexes, feeds, bundles and shared pages.

:mod:`twp_i18n.publish.build` decides what is published and what must be rendered again,
and its plan holds each article localized already (its HTML, made while its catalogs were
read: :mod:`twp_i18n.publish.planning`); this module puts them into the templates (in
parallel processes when there are many pages, one language after the other), and each
language's index, feeds, bundle and book are assembled from its pages as soon as they are
all made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from jinja2 import Environment
from markupsafe import Markup

from ..catalog.catalogs import load_catalog, untranslatable_words
from ..config import Config
from ..diagnostics import Diagnostic
from ..errors import CatalogError
from ..languages import bcp47_tag, native_name, text_direction
from ..machinery import parallel
from ..machinery.deflate import Packed, pack
from ..machinery.deflate import write as write_packed
from ..paths import SITE_DOMAIN, THEME_STATIC, site_images
from . import epub, feeds
from .localize import (
    Localized,
    Translations,
    date_text,
    jinja_environment,
    localize,
    parse_source,
    read_view,
    render_template,
)

if TYPE_CHECKING:
    from .plan import Plan

STYLE = THEME_STATIC / "style.css"
HELP_SLUG = "how-to-help-translate"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def tag_dir(lang: str) -> str:
    """The output directory of a language: its BCP 47 tag in lower case (``pt-br``)."""
    return bcp47_tag(lang).lower()


def _rel_root(depth: int) -> str:
    return "../" * depth


@dataclass
class _ArticleOutput:
    """One article rendered in one language, for its language's index, feeds and bundle."""

    page: bytes
    listing: dict[str, Any]
    item: feeds.FeedItem | None
    """Its feed entry, when the article is recent enough to be in the feeds."""
    problems: list[Diagnostic]
    chapter: epub.Chapter | None = None
    """Its chapter in the language's book."""
    packed: Packed | None = None
    """The page deflated for the language's bundle (:func:`~twp_i18n.machinery.deflate.pack`),
    made where the page is: in parallel, not while the bundle is written."""


PARALLEL_RENDER_MIN = 200
"""Article pages to render below which starting processes costs more than it saves."""


def render_articles(config: Config, plan: Plan, langs: list[str], jobs: int,
                    step: Callable[..., None],
                    put: Callable[[dict[str, bytes]], None] | None = None,
                    finished: Callable[[str, dict[str, _ArticleOutput]], None] | None = None
                    ) -> None:
    """Render every published article page of ``langs``.

    Each page is made from its article as the plan localized it (parsed and localized
    here only if the plan has it not); chunks of articles go to parallel processes when
    there are many pages to render, one language after the other.  Once no more process
    is to be forked, ``put`` is given the pages as files (:func:`article_files`) as they
    come, and ``finished`` each language with its pages as soon as they are all made (its
    index, feeds and books can be made while the next language's pages are).
    """
    pages: dict[str, dict[str, _ArticleOutput]] = {lang: {} for lang in langs}
    order = [a.slug for a in plan.articles]
    count = sum(len(plan.published[lang]) for lang in langs)
    workers = jobs if count >= PARALLEL_RENDER_MIN else 1
    pieces = [(lang, part) for lang in langs
              for part in parallel.chunks([s for s in order if s in plan.slugs[lang]], workers)]
    left = Counter(lang for lang, _ in pieces)
    step(0, len(pieces))
    published = {lang: {a.slug for a in plan.published[lang]} for lang in langs}

    def arrived(part: tuple[str, list[tuple[str, _ArticleOutput]]]) -> None:
        lang, outputs = part
        pages[lang].update(outputs)
        if put is not None:
            put({f"{tag_dir(lang)}/{slug}/index.html": output.page
                 for slug, output in outputs if slug in published[lang]})
        left[lang] -= 1
        if not left[lang] and finished is not None:
            finished(lang, pages[lang])

    # Once the workers are forked they have the articles' HTML; this process can let it go
    # before the pages come back (a worker started later would localize them again).
    parallel.fork_map(_render_chunk, pieces, workers, job=(config, plan, {}),
                      done=step, forked=plan.localized.clear, arrived=arrived)
    for lang in langs:  # nothing to render in it
        if lang not in left and finished is not None:
            finished(lang, pages[lang])


def _render_chunk(job: tuple[Config, Plan, dict[str, Any]], piece: tuple[str, list[str]]
                  ) -> tuple[str, list[tuple[str, _ArticleOutput]]]:
    """Render some articles in one language (``job``'s dict: what a process made once per
    language, kept for its next chunks)."""
    config, plan, made = job
    lang, slugs = piece
    if lang not in made:
        env, translations = _language_environment(config, lang)
        recent = {a.slug for a in plan.feed_order(lang)[:config.feeds.items]}
        links = epub.book_links(config, plan.published[lang], tag_dir(lang))
        by_slug = {a.slug: a for a in plan.articles}
        made[lang] = (env, translations, recent, links, by_slug, set(by_slug))
    env, translations, recent, links, by_slug, all_slugs = made[lang]
    site_title = translations.text(config.title)
    result: list[tuple[str, _ArticleOutput]] = []
    for slug in slugs:
        article = by_slug[slug]
        localized = plan.localized.get(lang, {}).get(slug)
        if localized is None:
            view = read_view(config, lang, slug) if lang != config.source_language else None
            localized = localize(article, lang, config.source_language, view,
                                 parse_source(article))
        # A copy: the plan's object, inherited from the parent process, stays untouched (its
        # memory shared), and the page's HTML goes once the page is made.
        localized = replace(localized, html=link_to_source_when_unpublished(
            localized.html, plan.slugs[lang], all_slugs, config.source_language, slug))
        page = _article_page(env, config, plan, lang, localized, translations)
        published = plan.entry_dates(lang, article)[0]  # as its page and feed entry say
        listing = {
            "href": f"{slug}/", "title": localized.title, "summary": localized.summary,
            "title_lang": localized.title_lang, "summary_lang": localized.summary_lang,
            "fallback_dir": _fallback_dir(config, lang),
            "date_iso": published.date().isoformat(),
            "date_text": date_text(published, lang),
        }
        item = _feed_item(env, config, plan, lang, localized) if slug in recent else None
        chapter = epub.chapter(env, links, localized, site_title,
                               plan.entry_dates(lang, article), _help_url(config, plan, slug))
        data = page.encode("utf-8")
        bundled = bundled_links(page, config.base_url, f"{tag_dir(lang)}/{slug}/index.html")
        result.append((slug, _ArticleOutput(data, listing, item, localized.problems, chapter,
                                            pack(bundled.encode("utf-8")))))
    return lang, result


def _language_environment(config: Config, lang: str) -> tuple[Environment, Translations]:
    """The theme's templates speaking ``lang`` (its ``site.po``), and those translations."""
    env = jinja_environment(config)
    try:  # a broken site.po: the interface in English (the build reports it)
        site_po = load_catalog(config, lang, SITE_DOMAIN) if lang != config.source_language else None
    except CatalogError:
        site_po = None
    source = config.source_language
    fallback_dir = "ltr" if text_direction(lang) != text_direction(source) else None
    translations = Translations(site_po, lang, None if lang == source else bcp47_tag(source),
                                fallback_dir)
    env.globals["site_disclaimer"] = translations.gettext(config.disclaimer)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translations.gettext, translations.ngettext, newstyle=True,
        pgettext=translations.pgettext, npgettext=translations.npgettext)
    return env, translations


def render_language(config: Config, lang: str, plan: Plan,
                    pages: dict[str, _ArticleOutput]) -> tuple[dict[str, bytes], list[Diagnostic]]:
    """Every file under ``<tag>/`` for one language (none when nothing is published in it),
    from its article pages rendered by :func:`render_articles`."""
    if not plan.published[lang]:
        return {}, []
    env, translations = _language_environment(config, lang)
    base = tag_dir(lang)
    site = _site(config, lang, translations)
    files: dict[str, bytes] = {}
    problems: list[Diagnostic] = []
    items: list[feeds.FeedItem] = []
    files.update(article_files(lang, plan, pages))
    for article in plan.published[lang]:
        output = pages[article.slug]
        problems.extend(output.problems)
        if output.item is not None:
            items.append(output.item)
    # The index lists the newest publication in this language first, as the feeds do.
    listing = [pages[article.slug].listing for article in plan.feed_order(lang)]
    page = _page(config, plan, lang, depth=1, canonical=f"{base}/",
                 hreflang=[(code, f"{tag_dir(code)}/") for code in plan.languages if plan.published[code]])
    page["opds"] = "../opds.xml"
    languages = [{"href": f"../{tag_dir(code)}/", "lang_tag": bcp47_tag(code), "name": native_name(code),
                  "current": code == lang} for code in plan.languages if plan.published[code]]
    files[f"{base}/index.html"] = _render(env, "index.html", site=site,
                                          page=page, articles=listing,
                                          languages=languages).encode("utf-8")
    channel = _channel(config, plan, lang, site, items)
    full = config.feeds.full_content
    files[f"{base}/rss.xml"] = feeds.render_rss(channel, full)
    files[f"{base}/atom.xml"] = feeds.render_atom(channel, full)
    files[f"{base}/feed.json"] = feeds.render_json_feed(channel, full)
    assets = _assets(config)
    for rel, data in assets.items():
        files[f"{base}/{rel}"] = data
    files[f"bundles/{base}.zip"] = _bundle(config.base_url, {k: v for k, v in files.items()
                                                             if k.startswith(base + "/")},
                                           {f"{base}/{slug}/index.html": output.packed
                                            for slug, output in pages.items() if output.packed})
    chapters = [pages[article.slug].chapter for article in plan.published[lang]]
    files[f"bundles/{base}.epub"] = epub.book(
        env, translations, config, lang, base, [c for c in chapters if c is not None],
        {rel.removeprefix("images/"): data for rel, data in assets.items()})
    return files, problems


def article_files(lang: str, plan: Plan, pages: dict[str, _ArticleOutput]) -> dict[str, bytes]:
    """The article pages of one language as files (as :func:`render_language` has them)."""
    base = tag_dir(lang)
    return {f"{base}/{article.slug}/index.html": pages[article.slug].page
            for article in plan.published[lang]}


def _assets(config: Config) -> dict[str, bytes]:
    """``content/images/`` is copied into every language, so ``../images/x.png`` works
    (not a symbolic link leading outside the site: :func:`~twp_i18n.paths.site_images`)."""
    images, _warnings = site_images(config)
    return {f"images/{name}": path.read_bytes() for name, path in images}


def _site(config: Config, lang: str, translations: Translations | None = None) -> dict[str, Any]:
    """What every page says of the site: its title and rights statement (translated from
    ``site.po``, else marked with the source language) and its address."""
    source = bcp47_tag(config.source_language)
    fallback = source if lang != config.source_language else None

    def shown(text: str) -> tuple[str, str | None]:
        return translations.text_lang(text) if translations else (text, fallback)

    title, title_lang = shown(config.title)
    rights, rights_lang = shown(config.feeds.rights) if config.feeds.rights else (None, None)
    return {"title": title, "base_url": config.base_url, "title_lang": title_lang,
            "title_dir": _fallback_dir(config, lang) if title_lang else None,
            "rights": rights, "rights_lang": rights_lang,
            "rights_dir": _fallback_dir(config, lang)}


def _page(config: Config, plan: Plan, lang: str, *, depth: int, canonical: str | None,
          hreflang: list[tuple[str, str]], description: str | None = None) -> dict[str, Any]:
    root = _rel_root(depth)
    alternates = [{"hreflang": bcp47_tag(code), "url": config.base_url + path} for code, path in hreflang]
    source_paths = [path for code, path in hreflang if code == config.source_language]
    if source_paths:
        alternates.append({"hreflang": "x-default", "url": config.base_url + source_paths[0]})
    base = tag_dir(lang)
    return {
        "lang_tag": bcp47_tag(lang), "dir": text_direction(lang), "root": root,
        "home": f"{root}{base}/", "canonical": config.base_url + canonical if canonical else None,
        "hreflang": alternates, "description": description,
        "feeds": {"rss": f"{root}{base}/rss.xml", "atom": f"{root}{base}/atom.xml",
                  "json": f"{root}{base}/feed.json"},
        "offline": {"epub": f"{root}bundles/{base}.epub", "zip": f"{root}bundles/{base}.zip"},
        "opds": None,
    }


def _article_page(env: Environment, config: Config, plan: Plan, lang: str, loc: Localized,
                  translations: Translations) -> str:
    slug = loc.article.slug
    versions = [code for code in plan.languages if slug in plan.slugs[code]]
    depth = _depth(slug)
    page = _page(config, plan, lang, depth=depth, canonical=f"{tag_dir(lang)}/{slug}/",
                 hreflang=[(code, f"{tag_dir(code)}/{slug}/") for code in versions],
                 description=loc.summary)
    alternates = [{"href": f"{_rel_root(depth)}{tag_dir(code)}/{slug}/", "lang_tag": bcp47_tag(code),
                   "name": native_name(code), "current": code == lang} for code in versions]
    article = loc.article
    help_url = _help_url(config, plan, slug)
    published, changed = plan.entry_dates(lang, article)  # as the feed entry says
    # no "Updated" line saying the day of the "Published" one again
    updated = changed if changed.date() != published.date() else None
    data = {
        "title": loc.title, "html": Markup(loc.html), "untranslated": loc.untranslated_units,
        "title_lang": loc.title_lang, "fallback_dir": _fallback_dir(config, lang),
        "date_iso": published.date().isoformat(), "date_text": date_text(published, lang),
        "updated_iso": updated.date().isoformat() if updated else None,
        "updated_text": date_text(updated, lang) if updated else None,
        "help_url": help_url,
    }
    return _render(env, "article.html", site=_site(config, lang, translations), page=page,
                   article=data, alternates=alternates)


def _fallback_dir(config: Config, lang: str) -> str | None:
    """The source language's direction, on the pages of a language written the other way
    (what is shown untranslated there needs it), else None."""
    source = text_direction(config.source_language)
    return source if text_direction(lang) != source else None


def _depth(slug: str) -> int:
    """How many folders below the output folder the page of article ``slug`` lies:
    ``es/sleep/index.html`` 2, ``es/about/governance/index.html`` 3."""
    return 2 + slug.count("/")


def _help_url(config: Config, plan: Plan, slug: str = "") -> str:
    """Where an article page's notice of untranslated parts leads (relative to the page)."""
    root = _rel_root(_depth(slug))
    return (f"{root}{tag_dir(config.source_language)}/{HELP_SLUG}/"
            if HELP_SLUG in plan.slugs[config.source_language] else f"{root}status/")


# Starting with the literal lets the regex engine skip to each 'href="'; the word boundary
# before it is looked at in the replacement (no match can hide inside a refused one: a
# value holds no quote).
_RELATIVE_DIR_LINK = re.compile(r'href="((?![a-z][a-z0-9+.-]*:|/|#)[^"?#]*/)([?#][^"]*)?"')
_WORD_CHAR = re.compile(r"\w")


def disk_friendly_links(html_text: str) -> str:
    """Relative links to a directory get an explicit ``index.html``.

    Browsers opening pages from disk (an offline bundle) show a directory
    listing for ``../es/``; ``../es/index.html`` works from disk and on a server.

    >>> disk_friendly_links('<a href="../b/#top">b</a> <a href="https://x.org/a/">x</a>')
    '<a href="../b/index.html#top">b</a> <a href="https://x.org/a/">x</a>'
    """
    def fix(match: re.Match[str]) -> str:
        at = match.start()
        if at and _WORD_CHAR.match(html_text, at - 1) or not _in_tag(html_text, at):
            return match.group(0)  # 'xhref="...', or text (a code sample): not an attribute
        return f'href="{match.group(1)}index.html{match.group(2) or ""}"'

    return _RELATIVE_DIR_LINK.sub(fix, html_text)


def _render(env: Environment, name: str, **context: Any) -> str:
    return disk_friendly_links(render_template(env, name, **context))


def _feed_item(env: Environment, config: Config, plan: Plan, lang: str,
               loc: Localized) -> feeds.FeedItem:
    article = loc.article
    published, updated = plan.entry_dates(lang, article)
    url = f"{config.base_url}{tag_dir(lang)}/{article.slug}/"
    others = tuple(
        feeds.Alternate(bcp47_tag(other), f"{config.base_url}{tag_dir(other)}/{article.slug}/")
        for other in plan.languages
        if other != lang and article.slug in plan.slugs[other])
    return feeds.FeedItem(
        id=feeds.make_item_id(config.base_url, bcp47_tag(lang), article.slug),
        url=url, title=loc.title,
        content_html=absolute_links(_feed_content(env, config, plan, loc), url),
        summary=loc.summary, title_lang=loc.title_lang, summary_lang=loc.summary_lang,
        published=published, updated=updated, author=article.author, alternates=others,
    )


def _feed_content(env: Environment, config: Config, plan: Plan, loc: Localized) -> str:
    """An entry's HTML as a feed reader shows it: the page's notice of untranslated parts
    on top, and, in a right-to-left language, all of it in a ``dir="rtl"`` block (readers
    ignore the feed's ``xml:lang``)."""
    body = loc.html
    if loc.untranslated_units:
        notice = render_template(env, "notice.html", article={
            "untranslated": loc.untranslated_units,
            "help_url": _help_url(config, plan, loc.article.slug)})
        body = notice.strip() + "\n" + body
    if text_direction(loc.lang) == "rtl":
        body = f'<div dir="rtl" lang="{bcp47_tag(loc.lang)}">\n{body}</div>\n'
    return body


_SIBLING = re.compile(r'href="((?:\.\./)+)([^"#?]*?)/?((?:[?#][^"]*)?)"')


def link_to_source_when_unpublished(html_text: str, published: set[str], slugs: set[str],
                                    source_lang: str, page_slug: str = "") -> str:
    """Point links to sibling articles not published in this language at the source version
    (``page_slug``: the article whose page holds the links; ``../b/`` on the page of
    ``about/a`` leads to ``about/b``).

    >>> link_to_source_when_unpublished('<a href="../b/">b</a>', {"a"}, {"a", "b"}, "en")
    '<a href="../../en/b/" hreflang="en">b</a>'
    """
    folders = ["", *page_slug.split("/")] if page_slug else ["", ""]  # "" the language's folder
    root = _rel_root(_depth(page_slug))

    def fix(match: re.Match[str]) -> str:
        up = len(match.group(1)) // 3
        if up > len(folders) - 1 or not _in_tag(html_text, match.start()):
            return match.group(0)  # leaves the language's folder, or is text
        slug = "/".join(part for part in (*folders[1:len(folders) - up], match.group(2)) if part)
        if slug not in slugs or slug in published:
            return match.group(0)
        return (f'href="{root}{tag_dir(source_lang)}/{slug}/{match.group(3)}" '
                f'hreflang="{bcp47_tag(source_lang)}"')

    return _SIBLING.sub(fix, html_text)


_LINK_ATTR = re.compile(r'\b(href|src)="([^"]*)"')
_UPS = re.compile(r"(?:\.\./)+")
_INDEX = re.compile(r"(?<![^/])index\.html(?=$|[?#])")


def bundled_links(html_text: str, site_url: str, page: str) -> str:
    """A page of a language's bundle (``page``: its path, ``es/a/index.html``) with every link
    that leaves the language's folder — to another language, the books, the feeds list, an
    English page — made absolute to the site on the web, so that none leads offline to a file
    the bundle does not have (the stylesheet, at the bundle's root, stays).

    >>> bundled_links('<a href="../../en/b/index.html">b</a> <a href="../c/index.html">c</a>'
    ...               '<a href="../../es/index.html">es</a>', "https://e.org/", "es/a/index.html")
    '<a href="https://e.org/en/b/">b</a> <a href="../c/index.html">c</a><a href="../../es/index.html">es</a>'
    """
    if '="../' not in html_text and '="/' not in html_text:
        return html_text
    depth = page.count("/")  # folders between the site's root and the page
    own = page.split("/", 1)[0] + "/"  # the language's folder, which the bundle holds

    def fix(match: re.Match[str]) -> str:
        value = match.group(2)
        if not value.startswith(("../", "/")) or not _in_tag(html_text, match.start()):
            return match.group(0)  # inside the bundle, or text that looks like an attribute
        ups = _UPS.match(value)
        if ups is not None:
            up, rest = len(ups.group(0)) // 3, value[ups.end():]
            if up < depth or (up == depth and (rest.startswith(own) or re.match(
                    r"style\.css(?:$|[?#])", rest))):
                return match.group(0)  # inside the bundle
        url = urljoin(site_url + page, html.unescape(value))
        return f'{match.group(1)}="{html.escape(_INDEX.sub("", url, count=1), quote=True)}"'

    return _LINK_ATTR.sub(fix, html_text)


def _in_tag(html_text: str, at: int) -> bool:
    """Whether position ``at`` of serialized HTML lies inside a tag, between its attributes,
    not in text: no '>' outside quotes since the last '<' before it (text holds no raw '<',
    an attribute value may hold a '>').

    >>> _in_tag('<a title="1 > 0" href="x">', 17), _in_tag('<p>a href="x"</p>', 5)
    (True, False)
    """
    start = html_text.rfind("<", 0, at)
    if start < 0:
        return False
    if html_text.rfind(">", start, at) < 0:  # the common case, without a loop in Python
        return True
    quote = ""
    for char in html_text[start:at]:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == ">":
            return False
    return not quote


def absolute_links(html_text: str, base: str) -> str:
    """Resolve relative ``href``/``src`` URLs against the page URL (feed readers need them).

    >>> absolute_links('<a href="../x/">x</a>', "https://e.org/es/a/")
    '<a href="https://e.org/es/x/">x</a>'
    """
    def resolve(match: re.Match[str]) -> str:
        if not _in_tag(html_text, match.start()):
            return match.group(0)  # text that looks like an attribute (a code sample)
        url = urljoin(base, html.unescape(match.group(2)))
        return f'{match.group(1)}="{html.escape(url, quote=True)}"'

    return _LINK_ATTR.sub(resolve, html_text)


def _channel(config: Config, plan: Plan, lang: str, site: dict[str, Any],
             items: list[feeds.FeedItem]) -> feeds.Channel:
    """One language's feed; its title and rights as the pages show them (``site``)."""
    base = f"{config.base_url}{tag_dir(lang)}/"
    ordered = sorted(items, key=lambda i: (i.published, i.id), reverse=True)
    others = tuple(feeds.Alternate(bcp47_tag(other), f"{config.base_url}{tag_dir(other)}/atom.xml")
                   for other in plan.languages if other != lang and plan.published[other])
    return feeds.Channel(
        lang_tag=bcp47_tag(lang), title=site["title"], description=site["title"], home_url=base,
        rss_url=base + "rss.xml", atom_url=base + "atom.xml", json_url=base + "feed.json",
        items=tuple(ordered[: config.feeds.items]), rights=site["rights"],
        rights_lang=site["rights_lang"], title_lang=site["title_lang"],
        author=config.title, websub_hub=config.feeds.websub_hub, alternates=others,
    )


def render_shared(config: Config, plan: Plan) -> dict[str, bytes]:
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
    root_page["offline"] = None
    root_page["opds"] = "opds.xml"
    help_url = (f"{tag_dir(source)}/{HELP_SLUG}/" if HELP_SLUG in plan.slugs[source]
                else "status/")
    files["index.html"] = _render(env, "chooser.html", site=_site(config, source),
                                  page=root_page, languages=chooser,
                                  help_url=help_url).encode("utf-8")
    status_rows = []
    untranslatable = {a.slug: untranslatable_words(config, a.slug) for a in plan.articles}
    for lang in plan.languages:
        if lang == source:
            continue
        rows = [{"title": a.title, "percent": plan.percent[lang][a.slug],
                 "percent_text": f"{plan.percent[lang][a.slug]:.0f}%",
                 "published": a.slug in plan.slugs[lang],
                 "untranslatable": untranslatable[a.slug],
                 "href": f"../{tag_dir(lang)}/{a.slug}/"} for a in plan.articles]
        status_rows.append({"lang_tag": bcp47_tag(lang), "name": native_name(lang),
                            "percent": plan.site_percent[lang],
                            "percent_text": f"{plan.site_percent[lang]:.0f}%", "articles": rows,
                            "glossary": _glossary_link(config, lang, files)})
    status_page = _page(config, plan, source, depth=1, canonical="status/", hreflang=[])
    status_page["home"] = "../"
    status_page["feeds"] = None
    status_page["offline"] = None
    files["status/index.html"] = _render(
        env, "status.html", site=_site(config, source), page=status_page,
        languages=status_rows, min_percent=f"{config.min_percent:g}").encode("utf-8")
    files["sitemap.xml"] = feeds.render_sitemap(_sitemap_pages(config, plan))
    channels = [_channel(config, plan, lang, _site(config, config.source_language), [])
                for lang in plan.languages
                if plan.published[lang]]
    files["feeds.opml"] = feeds.render_opml(config.title, channels)
    return files


def _glossary_link(config: Config, lang: str, files: dict[str, bytes]) -> dict[str, Any] | None:
    """The language's glossary on the dashboard: its number of terms, and a copy beside the
    dashboard (``status/<tag>-glossary.csv``, or ``.tbx``) for volunteers to download; None
    if it has none."""
    from ..catalog.glossary import glossary_path, load_glossary

    path = glossary_path(config, lang)
    if not path.is_file():
        path = path.with_suffix(".tbx")  # Weblate's export
        if not path.is_file():
            return None
    glossary = load_glossary(config, lang)
    name = f"{tag_dir(lang)}-glossary{path.suffix}"
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if len(data) > config.glossary.max_bytes:  # refused by load_glossary, reported by check
        return None
    files[f"status/{name}"] = data
    return {"terms": sum(1 for term in glossary.terms if term.line is not None), "href": name}


def _sitemap_pages(config: Config,
                   plan: Plan) -> list[tuple[str, tuple[feeds.Alternate, ...], dt.datetime | None]]:
    """Every public page (the dashboard aside): the chooser, each language's index, the
    articles, with their language versions as the pages list them."""
    source_dir = tag_dir(config.source_language)
    published = [code for code in plan.languages if plan.published[code]]
    indexes = tuple(feeds.Alternate(bcp47_tag(code), f"{config.base_url}{tag_dir(code)}/")
                    for code in published)
    if config.source_language in published:
        indexes += (feeds.Alternate("x-default", f"{config.base_url}{source_dir}/"),)
    pages: list[tuple[str, tuple[feeds.Alternate, ...], dt.datetime | None]] = [
        (config.base_url, (), None)]
    for lang in published:
        changed = max(plan.entry_dates(lang, article)[1] for article in plan.published[lang])
        pages.append((f"{config.base_url}{tag_dir(lang)}/", indexes, changed))
    for article in sorted(plan.articles, key=lambda a: a.slug):
        versions = [code for code in plan.languages if article.slug in plan.slugs[code]]
        alternates = tuple(feeds.Alternate(bcp47_tag(code),
                                           f"{config.base_url}{tag_dir(code)}/{article.slug}/")
                           for code in versions)
        alternates += (feeds.Alternate("x-default", f"{config.base_url}{source_dir}/{article.slug}/"),)
        for lang in versions:
            pages.append((f"{config.base_url}{tag_dir(lang)}/{article.slug}/", alternates,
                          plan.entry_dates(lang, article)[1]))  # when it changed in that language
    return pages


def _bundle(site_url: str, files: dict[str, bytes], packed: dict[str, Packed] | None = None
            ) -> bytes:
    """A deterministic zip of one language: sorted entries, fixed dates, a sha256 manifest
    (``packed``: members deflated already, by name, their links :func:`bundled_links`)."""
    packed = packed or {}
    style = STYLE.read_bytes()
    members = {name: bundled_links(data.decode("utf-8"), site_url, name).encode("utf-8")
               if name.endswith(".html") and name not in packed else data
               for name, data in files.items()}
    members["style.css"] = style
    manifest = "".join(f"{packed[name].sha256 if name in packed else hashlib.sha256(data).hexdigest()}"
                       f"  {name}\n"
                       for name, data in sorted(members.items()))
    members["SHA256SUMS"] = manifest.encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            if name in packed:
                write_packed(archive, info, packed[name])
            else:
                archive.writestr(info, members[name], compresslevel=9)
    return buffer.getvalue()
