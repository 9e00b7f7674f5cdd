"""``twp fetch --translations``: the translations a live site already has, read for import.

Two ways to find them, by ``[fetch] type``:

- **Drupal** (core's content translation): every published source-language node of
  ``[fetch] bundle`` is listed as ``twp fetch`` lists them, then each is asked for in
  each configured language at ``/<langcode>/jsonapi/node/<bundle>/<uuid>``.  Drupal
  answers with the node's own language when it has no translation: such answers, and
  404s, mean "not translated".
- **WordPress with Polylang Pro**: its documented REST fields (``lang``, and
  ``translations``: language code -> post id) on the English posts and pages listed with
  ``?lang=``; each translation is then read at ``/wp-json/wp/v2/<posts|pages>/<id>``.
- **Any site with a sitemap** (``sitemap``, and ``wordpress`` when ``[fetch] sitemap``
  is set, for a WordPress site without Polylang): the ``hreflang`` alternates of each
  English page, from the sitemap's ``xhtml:link`` entries or else from the page's own
  ``<link rel="alternate" hreflang>``; each translated page is read with the same selectors
  as the English.

Only languages in ``twp.toml`` are asked for, and only alternates on the site itself (or
``[fetch] redirect_hosts``) are followed.  Every request goes through the fetch's
manners and bounds (:mod:`twp_i18n.source.fetch_http`: timeouts, size cap, retries,
``Retry-After``, the deadline, ``max_pages``, ``concurrency``).  Nothing is written here:
the documents go to :mod:`twp_i18n.catalog.importer`.
"""

from __future__ import annotations

import html
import json
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from ..config import Config, LimitsConfig
from ..errors import ContentError, FetchError
from ..languages import bcp47_tag
from ..machinery.fsutil import write_if_changed
from .fetch_api import WP_PER_PAGE, drupal_item, page_count, without_read_more
from .fetch_http import (
    Bounds,
    Counter,
    HTTPStatusProblem,
    PageProblem,
    Response,
    make_client,
    redirect_allowed,
)
from .fetch_sitemap import check_selectors, read_sitemaps
from .fetch_sources import (
    ACCEPT_HTML,
    ACCEPT_JSON,
    ACCEPT_JSONAPI,
    Context,
    as_text,
    expect,
    fetch_settings,
    load_json,
    parse_json,
    safe_slug,
    validators_of,
)
from .htmlmd import html_to_text, parse_html
from .translated import TranslatedDocument, fragment_translation, parse_html_translation

__all__ = ["STATE_PATH", "FetchedTranslation", "TranslationHarvest", "fetch_translations",
           "load_state", "save_state"]


@dataclass(frozen=True)
class FetchedTranslation:
    lang: str
    """The configured language (``pt_BR``)."""
    slug: str
    """The English article's slug."""
    document: TranslatedDocument
    url: str = ""
    """The URL requested for it (the key of its validators in the state)."""


@dataclass
class TranslationHarvest:
    found: list[FetchedTranslation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """``URL: reason`` of each translation skipped."""
    notes: list[str] = field(default_factory=list)
    requests: int = 0
    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    """URL -> ETag and Last-Modified of each translation that came back (see :func:`save_state`)."""
    unchanged: dict[str, dict[str, str]] = field(default_factory=dict)
    """URL -> validators of the translations that answered 304 Not Modified: imported before."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def get(self, ctx: Context, url: str, accept: str, old: dict[str, dict[str, str]]
            ) -> Response | None:
        """``url``, conditionally when the state has its validators; None when unchanged."""
        response = ctx.get(url, accept, old.get(url))
        with self._lock:
            if response.not_modified:
                self.unchanged[url] = old[url]
                return None
            self.validators[url] = validators_of(response)
        return response


STATE_PATH = ".twp/fetch-translations.json"
"""The validators of the translations imported, per URL: the next run asks conditionally."""


def load_state(config: Config) -> dict[str, dict[str, str]]:
    """The validators of the translations a previous run imported from the same source."""
    try:
        data = load_json((config.root / STATE_PATH).read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}  # unreadable: everything is asked for again, and the state rewritten
    settings = config.fetch
    if not isinstance(data, dict) or settings is None or data.get("source") != \
            {"type": settings.type, "url": settings.url} or not isinstance(data.get("pages"), dict):
        return {}
    return {url: value for url, value in data["pages"].items() if isinstance(value, dict)}


def save_state(config: Config, pages: dict[str, dict[str, str]]) -> None:
    assert config.fetch is not None
    data = {"format": 1, "source": {"type": config.fetch.type, "url": config.fetch.url},
            "pages": {url: pages[url] for url in sorted(pages) if pages[url]}}
    write_if_changed(config.root / STATE_PATH,
                     json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n")


def fetch_translations(config: Config, *, client: httpx.Client | None = None,
                       force: bool = False) -> TranslationHarvest:
    """Every translation of the site's articles into the configured languages; those
    imported before are asked for conditionally (unless ``force``), and an unchanged one
    (304) is left out: it is in the catalogs already."""
    settings = fetch_settings(config)
    home = tuple(urlsplit(url).hostname or "" for url in (settings.url, settings.sitemap) if url)
    bounds = Bounds(deadline=settings.deadline, max_retry_after=settings.max_retry_after,
                    redirect_hosts=(*home, *settings.redirect_hosts))
    counter = Counter()
    http = make_client(settings.timeout) if client is None else client
    harvest = TranslationHarvest()
    old = {} if force else load_state(config)
    try:
        ctx = Context(client=http, config=settings, source_language=config.source_language,
                      counter=counter, old_articles={}, old_listings={}, trust=lambda _: False,
                      bounds=bounds)
        if settings.type == "drupal":
            _drupal(ctx, config.languages, config.limits, harvest, old)
        elif settings.type == "wordpress" and _wordpress(ctx, config, harvest, old):
            pass
        elif settings.type == "sitemap" or settings.sitemap:
            _sitemap(ctx, config, harvest, old)
        else:
            harvest.notes.append("the WordPress posts carry no Polylang 'translations' field; "
                                 "set [fetch] sitemap to follow its hreflang alternates instead")
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
            harvest: TranslationHarvest, old: dict[str, dict[str, str]]) -> None:
    nodes = _drupal_nodes(ctx)
    jobs = [(lang, uuid, slug) for uuid, slug in nodes for lang in languages]
    ctx.claim(len(jobs), ctx.base, f"{len(nodes)} nodes in {len(languages)} languages")
    results = ctx.pool_map(lambda job: _drupal_translation(ctx, limits, harvest, old, *job), jobs)
    for (lang, _, slug), result in zip(jobs, results, strict=True):
        if isinstance(result, TranslatedDocument):
            harvest.found.append(FetchedTranslation(lang, slug, result, result.origin))
        elif result:
            harvest.problems.append(result)


def _drupal_translation(ctx: Context, limits: LimitsConfig, harvest: TranslationHarvest,
                        old: dict[str, dict[str, str]], lang: str, uuid: str, slug: str
                        ) -> TranslatedDocument | str | None:
    """The node's translation, None when it has none (or it is unchanged), or ``URL: why it
    was skipped``."""
    code = bcp47_tag(lang).lower()
    url = f"{ctx.base}/{code}/jsonapi/node/{ctx.config.bundle}/{uuid}"
    try:
        response = harvest.get(ctx, url, ACCEPT_JSONAPI, old)
    except HTTPStatusProblem as exc:
        return None if exc.status in (403, 404) else f"{url}: {exc.reason}"
    except PageProblem as exc:
        return f"{url}: {exc.reason}"
    if response is None:
        return None
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


# --- WordPress with Polylang Pro ---------------------------------------------------------------
#: Polylang Pro's REST API (https://polylang.pro/doc/rest-api/) adds to every post ``lang``
#: (its language code) and ``translations`` ({language code: post id}, itself included), and
#: filters listings with ``?lang=``.
_PLL_LIST_FIELDS = "id,slug,status,lang,translations"
_PLL_POST_FIELDS = "id,status,lang,link,title,content,excerpt"


def _wordpress(ctx: Context, config: Config, harvest: TranslationHarvest,
               old: dict[str, dict[str, str]]) -> bool:
    """Polylang's translations of every published source-language post and page; False
    (nothing asked beyond the first listing) when the posts carry no ``translations``."""
    source = bcp47_tag(config.source_language).lower()
    jobs: list[tuple[str, str, str]] = []
    polylang = False
    for kind in ("posts", "pages"):
        page, total = 1, 1
        while page <= total:
            query = urlencode({"lang": source, "page": page, "per_page": WP_PER_PAGE,
                               "orderby": "id", "order": "asc", "_fields": _PLL_LIST_FIELDS})
            url = f"{ctx.base}/wp-json/wp/v2/{kind}?{query}"
            ctx.claim(1, url, f"page {page} of the {kind}")
            response = ctx.get(url, ACCEPT_JSON)
            posts = parse_json(response)
            expect(isinstance(posts, list), url, "expected a list of posts")
            total = page_count(response.headers.get("X-WP-TotalPages", "1").strip())
            for post in posts:
                links = post.get("translations") if isinstance(post, dict) else None
                if not isinstance(links, dict):
                    continue
                polylang = True
                if post.get("status", "publish") != "publish" or \
                        as_text(post.get("lang")).lower() != source:
                    continue
                slug = safe_slug(as_text(post.get("slug")), url, path=False)
                ids = {str(code): str(value) for code, value in links.items()}
                for lang in config.languages:
                    target = _pick(ids, lang)
                    if slug and target and target.isdigit():
                        jobs.append((lang, slug, f"{ctx.base}/wp-json/wp/v2/{kind}/{target}"))
            if not polylang:
                return False
            page += 1
    ctx.claim(len(jobs), ctx.base, f"{len(jobs)} translated posts")
    results = ctx.pool_map(
        lambda job: _wp_translation(ctx, config.limits, harvest, old, job[0], job[2]), jobs)
    for (lang, slug, url), result in zip(jobs, results, strict=True):
        if isinstance(result, TranslatedDocument):
            harvest.found.append(FetchedTranslation(lang, slug, result, _wp_url(url)))
        elif result:
            harvest.problems.append(result)
    return True


def _wp_url(url: str) -> str:
    return f"{url}?{urlencode({'_fields': _PLL_POST_FIELDS})}"


def _wp_translation(ctx: Context, limits: LimitsConfig, harvest: TranslationHarvest,
                    old: dict[str, dict[str, str]], lang: str, url: str
                    ) -> TranslatedDocument | str | None:
    url = _wp_url(url)
    try:
        response = harvest.get(ctx, url, ACCEPT_JSON, old)
    except PageProblem as exc:
        return f"{url}: {exc.reason}"
    if response is None:
        return None
    post = parse_json(response)
    expect(isinstance(post, dict), url, "expected a post")
    if post.get("status", "publish") != "publish":
        return None

    def rendered(key: str) -> str:
        value = post.get(key)
        return as_text(value.get("rendered")) if isinstance(value, dict) else as_text(value)

    content = post.get("content")
    if isinstance(content, dict) and content.get("protected"):
        return f"{url}: password-protected; left out"
    try:
        excerpt = without_read_more(html_to_text(rendered("excerpt")))
        return fragment_translation(as_text(post.get("link")) or url, html_to_text(rendered("title")),
                                    html.escape(excerpt), rendered("content"),
                                    as_text(post.get("lang")) or lang, limits)
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


def _sitemap(ctx: Context, config: Config, harvest: TranslationHarvest,
             old: dict[str, dict[str, str]]) -> None:
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
    found = ctx.pool_map(lambda loc: _page_alternates(ctx, loc), missing)
    for loc, links in zip(missing, found, strict=True):
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
    pages = ctx.pool_map(lambda job: _translated_page(ctx, config.limits, harvest, old, job[2]),
                         jobs)
    for (lang, slug, url), page in zip(jobs, pages, strict=True):
        if isinstance(page, TranslatedDocument):
            harvest.found.append(FetchedTranslation(lang, slug, page, url))
        elif page:
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


def _translated_page(ctx: Context, limits: LimitsConfig, harvest: TranslationHarvest,
                     old: dict[str, dict[str, str]], url: str) -> TranslatedDocument | str | None:
    try:
        response = harvest.get(ctx, url, ACCEPT_HTML, old)
    except PageProblem as exc:
        return f"{url}: {exc.reason}"
    if response is None:
        return None
    try:
        return parse_html_translation(response.body, url, limits,
                                      body_selector=ctx.config.body_selector,
                                      title_selector=ctx.config.title_selector,
                                      base_url=response.url)
    except ContentError as exc:
        return f"{url}: {exc.message}"

