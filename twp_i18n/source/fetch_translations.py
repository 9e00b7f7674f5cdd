"""``twp fetch --translations``: the translations a live site already has, read for import.

Two ways to find them, by ``[fetch] type``:

- **Drupal** (core's content translation): every published source-language node of
  ``[fetch] bundle`` is listed as ``twp fetch`` lists them, then each is asked for in
  each configured language at ``/<langcode>/jsonapi/node/<bundle>/<uuid>``.  Drupal
  answers with the node's own language when it has no translation: such answers, and
  404s, mean "not translated".
- **Any site with a sitemap** (``sitemap``, and ``wordpress`` when ``[fetch] sitemap``
  is set): the ``hreflang`` alternates of each English page, from the sitemap's
  ``xhtml:link`` entries or else from the page's own ``<link rel="alternate" hreflang>``;
  each translated page is read with the same selectors as the English.

Only languages in ``twp.toml`` are asked for, and only alternates on the site itself (or
``[fetch] redirect_hosts``) are followed.  Every request goes through the fetch's
manners and bounds (:mod:`twp_i18n.source.fetch_http`: timeouts, size cap, retries,
``Retry-After``, the deadline, ``max_pages``, ``concurrency``).  Nothing is written here:
the documents go to :mod:`twp_i18n.catalog.importer`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from ..config import Config, LimitsConfig
from ..errors import ContentError, FetchError
from ..languages import bcp47_tag
from .fetch_api import drupal_item
from .fetch_http import (
    Bounds,
    Counter,
    HTTPStatusProblem,
    PageProblem,
    check_scheme,
    make_client,
    redirect_allowed,
)
from .fetch_sitemap import check_selectors, read_sitemaps
from .fetch_sources import ACCEPT_HTML, ACCEPT_JSONAPI, Context, as_text, expect, parse_json, safe_slug
from .htmlmd import parse_html
from .translated import TranslatedDocument, fragment_translation, parse_html_translation

__all__ = ["FetchedTranslation", "TranslationHarvest", "fetch_translations"]


@dataclass(frozen=True)
class FetchedTranslation:
    lang: str
    """The configured language (``pt_BR``)."""
    slug: str
    """The English article's slug."""
    document: TranslatedDocument


@dataclass
class TranslationHarvest:
    found: list[FetchedTranslation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """``URL: reason`` of each translation skipped."""
    notes: list[str] = field(default_factory=list)
    requests: int = 0


def fetch_translations(config: Config, *, client: httpx.Client | None = None) -> TranslationHarvest:
    """Every translation of the site's articles into the configured languages."""
    settings = config.fetch
    if settings is None:
        raise FetchError("there is no [fetch] section in twp.toml", path="twp.toml",
                         hint='add [fetch] with type = "drupal", "wordpress" or "sitemap" and url = "..."')
    check_scheme(settings.url)
    if settings.sitemap:
        check_scheme(settings.sitemap)
    home = tuple(urlsplit(url).hostname or "" for url in (settings.url, settings.sitemap) if url)
    bounds = Bounds(deadline=settings.deadline, max_retry_after=settings.max_retry_after,
                    redirect_hosts=(*home, *settings.redirect_hosts))
    counter = Counter()
    http = make_client(settings.timeout) if client is None else client
    harvest = TranslationHarvest()
    try:
        ctx = Context(client=http, config=settings, source_language=config.source_language,
                      counter=counter, old_articles={}, old_listings={}, trust=lambda _: False,
                      bounds=bounds)
        if settings.type == "drupal":
            _drupal(ctx, config.languages, config.limits, harvest)
        elif settings.type == "sitemap" or settings.sitemap:
            _sitemap(ctx, config, harvest)
        else:
            harvest.notes.append("a WordPress site's translations are read from the hreflang "
                                 "alternates of its sitemap: set [fetch] sitemap")
    finally:
        if client is None:
            http.close()
    harvest.requests = counter.requests
    harvest.found.sort(key=lambda item: (item.lang, item.slug))
    return harvest


# --- Drupal -------------------------------------------------------------------------------

def _drupal_nodes(ctx: Context) -> list[tuple[str, str]]:
    """``(uuid, slug)`` of every published source-language node, in listing order."""
    query = urlencode({"filter[status]": "1", "sort": "drupal_internal__nid"})
    url: str | None = f"{ctx.base}/jsonapi/node/{ctx.config.bundle}?{query}"
    visited: set[str] = set()
    nodes: list[tuple[str, str]] = []
    while url is not None:
        if url in visited:
            raise FetchError(f"{url}: the pagination (links.next) goes round in circles")
        ctx.claim(1, url, f"links.next still leads on after {len(visited)} pages")
        visited.add(url)
        response = ctx.get(url, ACCEPT_JSONAPI)
        doc = parse_json(response)
        expect(isinstance(doc, dict) and isinstance(doc.get("data"), list), url, "no 'data' list")
        for node in doc["data"]:
            item = drupal_item(ctx, node, url)
            if item is not None and isinstance(node.get("id"), str) and node["id"]:
                nodes.append((node["id"], item.slug))
        links = doc.get("links") if isinstance(doc.get("links"), dict) else {}
        nxt = links.get("next")
        nxt = nxt.get("href") if isinstance(nxt, dict) else nxt
        try:
            url = str(httpx.URL(response.url).join(nxt)) if isinstance(nxt, str) and nxt else None
        except httpx.InvalidURL:
            raise FetchError(f"{url}: links.next is not a valid URL: {nxt!r}") from None
    return nodes


def _drupal(ctx: Context, languages: tuple[str, ...] | list[str], limits: LimitsConfig,
            harvest: TranslationHarvest) -> None:
    nodes = _drupal_nodes(ctx)
    jobs = [(lang, uuid, slug) for uuid, slug in nodes for lang in languages]
    ctx.claim(len(jobs), ctx.base, f"{len(nodes)} nodes in {len(languages)} languages")
    results = ctx.pool_map(lambda job: _drupal_translation(ctx, limits, *job), jobs)
    for (lang, _, slug), result in zip(jobs, results):
        if isinstance(result, TranslatedDocument):
            harvest.found.append(FetchedTranslation(lang, slug, result))
        elif result:
            harvest.problems.append(result)


def _drupal_translation(ctx: Context, limits: LimitsConfig, lang: str, uuid: str, slug: str
                        ) -> TranslatedDocument | str | None:
    """The node's translation, None when it has none, or ``URL: why it was skipped``."""
    code = bcp47_tag(lang).lower()
    url = f"{ctx.base}/{code}/jsonapi/node/{ctx.config.bundle}/{uuid}"
    try:
        response = ctx.get(url, ACCEPT_JSONAPI)
    except HTTPStatusProblem as exc:
        return None if exc.status in (403, 404) else f"{url}: {exc.reason}"
    except PageProblem as exc:
        return f"{url}: {exc.reason}"
    doc = parse_json(response)
    node: Any = doc.get("data") if isinstance(doc, dict) else None
    expect(isinstance(node, dict) and isinstance(node.get("attributes"), dict), url,
           "no 'data' with 'attributes'")
    attrs = node["attributes"]
    langcode = as_text(attrs.get("langcode")).lower().replace("_", "-")
    if langcode != code or attrs.get("status") is False:
        return None  # Drupal's answer in the node's own language: no translation
    body = attrs.get("body") if isinstance(attrs.get("body"), dict) else {}
    try:
        return fragment_translation(url, as_text(attrs.get("title")), as_text(body.get("summary")),
                                    as_text(body.get("value")) or as_text(body.get("processed")),
                                    as_text(attrs.get("langcode")), limits)
    except ContentError as exc:
        return f"{url}: {exc.message}"


# --- sitemap hreflang ----------------------------------------------------------------------

def _pick(alternates: dict[str, str], lang: str) -> str | None:
    """The alternate for a configured language: its exact tag, else the one regional form."""
    tag = bcp47_tag(lang).lower()
    by_tag = {key.lower(): href for key, href in alternates.items()}
    if tag in by_tag:
        return by_tag[tag]
    regional = [href for key, href in by_tag.items() if key.startswith(tag + "-")]
    return regional[0] if len(regional) == 1 else None


def _sitemap(ctx: Context, config: Config, harvest: TranslationHarvest) -> None:
    if ctx.config.type == "sitemap":
        check_selectors(ctx.config)
    start = ctx.config.sitemap or f"{ctx.base}/sitemap.xml"
    listings = read_sitemaps(ctx, start).listings
    alternates: dict[str, dict[str, str]] = {}
    locs: list[str] = []
    for listing in listings.values():
        locs.extend(str(entry[0]) for entry in listing.get("urls", []))
        alternates.update(listing.get("alternates", {}))
    source = bcp47_tag(config.source_language).lower()
    translated = {href for links in alternates.values() for key, href in links.items()
                  if key.lower() not in (source, "x-default")}
    english = [loc for loc in dict.fromkeys(locs) if loc not in translated]
    missing = [loc for loc in english if loc not in alternates]
    ctx.claim(len(missing), start, f"{len(missing)} pages to read for their hreflang links")
    for loc, links in zip(missing, ctx.pool_map(lambda loc: _page_alternates(ctx, loc), missing)):
        if links:
            alternates[loc] = links
    jobs: list[tuple[str, str, str]] = []
    for loc in english:
        slug = _slug(loc)
        for lang in config.languages:
            href = _pick(alternates.get(loc, {}), lang)
            if slug is None or href is None or href == loc:
                continue
            if not redirect_allowed(loc, href, ctx.bounds.redirect_hosts) or \
                    urlsplit(href).scheme.lower() not in ("http", "https"):
                harvest.problems.append(f"{href}: an hreflang alternate of {loc} on another "
                                        "site; not followed (add its host to [fetch] redirect_hosts)")
                continue
            jobs.append((lang, slug, href))
    ctx.claim(len(jobs), start, f"{len(jobs)} translated pages")
    pages = ctx.pool_map(lambda job: _translated_page(ctx, config.limits, job[2]), jobs)
    for (lang, slug, _), page in zip(jobs, pages):
        if isinstance(page, TranslatedDocument):
            harvest.found.append(FetchedTranslation(lang, slug, page))
        else:
            harvest.problems.append(page)


def _slug(loc: str) -> str | None:
    try:
        return safe_slug(urlsplit(loc).path, loc, path=True)
    except (FetchError, ValueError):
        return None


def _page_alternates(ctx: Context, loc: str) -> dict[str, str]:
    """The ``<link rel="alternate" hreflang>`` of a page (absolute URLs), or none."""
    try:
        response = ctx.get(loc, ACCEPT_HTML)
    except PageProblem:
        return {}
    soup = parse_html(response.body)
    links: dict[str, str] = {}
    for link in soup.find_all("link", hreflang=True, href=True):
        rel: Any = link.get("rel") or []
        if "alternate" in (rel if isinstance(rel, list) else str(rel).split()):
            try:
                links[str(link["hreflang"]).strip()] = str(httpx.URL(response.url).join(str(link["href"])))
            except httpx.InvalidURL:
                continue
    return links


def _translated_page(ctx: Context, limits: LimitsConfig, url: str) -> TranslatedDocument | str:
    try:
        response = ctx.get(url, ACCEPT_HTML)
    except PageProblem as exc:
        return f"{url}: {exc.reason}"
    try:
        return parse_html_translation(response.body, url, limits,
                                      body_selector=ctx.config.body_selector,
                                      title_selector=ctx.config.title_selector,
                                      base_url=response.url)
    except ContentError as exc:
        return f"{url}: {exc.message}"

