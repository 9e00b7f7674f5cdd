"""The reader for any site at all: its ``sitemap.xml`` (indexes followed) and CSS selectors."""

from __future__ import annotations

import gzip
import io
import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import soupsieve
from bs4 import BeautifulSoup, Tag
from lxml import etree

from ..config import FetchConfig
from ..errors import FetchError
from .fetch_http import PageProblem, Response, TooLarge
from .fetch_sources import (
    ACCEPT_HTML,
    ACCEPT_XML,
    MAX_SITEMAP_DEPTH,
    Context,
    Harvest,
    Item,
    load_json,
    norm_date,
    safe_slug,
    validators_of,
)
from .htmlmd import ConversionError, html_to_markdown, html_to_text, parse_html


def check_selectors(config: FetchConfig) -> None:
    """Both selectors present and valid CSS, before any request is sent."""
    for key in ("title_selector", "body_selector"):
        selector = getattr(config, key)
        if not selector:
            raise FetchError(f"[fetch] {key} is required for type = \"sitemap\"", path="twp.toml")
        try:
            soupsieve.compile(selector)
        except (soupsieve.SelectorSyntaxError, ValueError, TypeError) as exc:
            raise FetchError(f"[fetch] {key} is not a valid CSS selector: {exc}".splitlines()[0],
                             path="twp.toml", hint="use a CSS selector such as 'article h1'") from None


def sitemap(ctx: Context) -> Harvest:
    """Every page listed in the sitemap (indexes followed), read with the configured selectors."""
    check_selectors(ctx.config)
    harvest = Harvest()
    start = ctx.config.sitemap or f"{ctx.base}/sitemap.xml"
    entries: dict[str, str | None] = {}
    ctx.claim(1, start, "the sitemap")
    _read_sitemap(ctx, harvest, start, entries, depth=0, visited=set())
    jobs: list[tuple[str, str, str | None]] = []
    for loc, lastmod in entries.items():
        try:
            parts = urlsplit(loc)
        except ValueError:
            harvest.problem(None, loc, "not a valid URL")
            continue
        if parts.scheme.lower() not in ("http", "https"):
            harvest.problem(None, loc, "not an http or https URL")
            continue
        slug = safe_slug(parts.path, loc, path=True)
        if slug is None:
            harvest.problem(None, loc, "the URL has no path segment to use as a slug")
            continue
        if harvest.see(slug, loc, loc):
            jobs.append((loc, slug, lastmod))
    ctx.claim(len(jobs), start, f"the sitemaps list {len(jobs)} pages")
    total = len(jobs)
    ctx.report(0, total)
    results = ctx.pool_map(lambda job: _sitemap_page(ctx, *job), jobs,
                           lambda done, _: ctx.report(done, total))
    for (loc, slug, _), result in zip(jobs, results, strict=True):
        if isinstance(result, Item):
            harvest.items.append(result)
        elif result is None:
            harvest.unchanged.append(slug)
        else:
            harvest.problem(slug, loc, result)
    return harvest


def read_sitemaps(ctx: Context, start: str) -> Harvest:
    """The sitemap at ``start`` and those it lists (unconditionally): ``listings`` holds what
    each listed, with the language versions (``alternates``) of each page."""
    harvest = Harvest()
    ctx.claim(1, start, "the sitemap")
    _read_sitemap(ctx, harvest, start, {}, depth=0, visited=set())
    return harvest


def _read_sitemap(ctx: Context, harvest: Harvest, url: str, entries: dict[str, str | None],
                  depth: int, visited: set[str]) -> None:
    if url in visited:
        return
    if depth > MAX_SITEMAP_DEPTH:
        raise FetchError(f"{url}: sitemap indexes nested more than {MAX_SITEMAP_DEPTH} deep")
    visited.add(url)
    old = ctx.old_listings.get(url)
    response = ctx.get(url, ACCEPT_XML, old)
    if response.not_modified:
        assert old is not None
        listing = old
    else:
        listing = {**validators_of(response), **_parse_sitemap(response, ctx.config.max_bytes)}
    harvest.listings[url] = listing
    for loc, lastmod in listing.get("urls", []):
        entries.setdefault(loc, lastmod)
    children = [child for child in dict.fromkeys(listing.get("sitemaps", [])) if child not in visited]
    if children:
        ctx.claim(len(children), url, f"the sitemap index lists {len(children)} sitemaps")
    for child in children:
        _read_sitemap(ctx, harvest, child, entries, depth + 1, visited)


def _parse_sitemap(response: Response, max_bytes: int) -> dict[str, Any]:
    body = response.body
    if body[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
                body = fh.read(max_bytes + 1)
        except (OSError, EOFError) as exc:
            raise FetchError(f"{response.url}: broken gzip data: {exc}") from None
        if len(body) > max_bytes:
            raise TooLarge(f"{response.url} unpacks to more than max_bytes = {max_bytes}",
                           url=response.url)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        line = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
        raise FetchError(f"{response.url} is not well-formed XML{line}: {exc.msg}",
                         hint="check [fetch] sitemap in twp.toml") from None
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        raise FetchError(f"{response.url} is not a sitemap (its root element is <{kind}>)",
                         hint="check [fetch] sitemap in twp.toml")
    urls: list[list[str | None]] = []
    children: list[str] = []
    alternates: dict[str, dict[str, str]] = {}
    for entry in root:
        if not isinstance(entry.tag, str):
            continue
        fields = {etree.QName(child).localname: (child.text or "").strip()
                  for child in entry if isinstance(child.tag, str)}
        links = {str(child.get("hreflang")).strip(): str(child.get("href")).strip()
                 for child in entry if isinstance(child.tag, str)
                 and etree.QName(child).localname == "link" and child.get("rel") == "alternate"
                 and child.get("hreflang") and child.get("href")}
        loc = fields.get("loc")
        if not loc:
            continue
        if "://" not in loc:
            try:
                loc = str(httpx.URL(response.url).join(loc))
            except httpx.InvalidURL:
                pass  # reported as a bad URL when its turn comes
        if kind == "sitemapindex":
            children.append(loc)
        else:
            urls.append([loc, fields.get("lastmod") or None])
            if links:
                alternates[loc] = links
    result: dict[str, Any] = {"urls": urls, "sitemaps": children}
    if alternates:  # the language versions of each page (xhtml:link hreflang)
        result["alternates"] = alternates
    return result


def _sitemap_page(ctx: Context, loc: str, slug: str, lastmod: str | None) -> Item | str | None:
    """The page as an :class:`Item`, None when unchanged (304), or the reason it was skipped."""
    old = ctx.old_articles.get(slug)
    conditional = old if old and old.get("source_url") == loc and ctx.trust([slug]) else None
    try:
        response = ctx.get(loc, ACCEPT_HTML, conditional)
    except PageProblem as exc:  # this page's trouble; the run's own bounds stop the run
        return exc.reason
    if response.not_modified:
        return None
    content_type = response.headers.get("Content-Type", "text/html")
    if "html" not in content_type.lower() and "xml" not in content_type.lower():
        return f"not an HTML page ({content_type.split(';')[0]})"
    match = re.search(r"charset=[\"']?([\w.:-]+)", content_type, re.I)
    soup = parse_html(response.body, match.group(1) if match else None)
    meta = _page_metadata(soup)
    title_el = soup.select_one(ctx.config.title_selector or "")
    body_el = soup.select_one(ctx.config.body_selector or "")
    if title_el is None:
        return f"title_selector '{ctx.config.title_selector}' matched nothing"
    if body_el is None:
        return f"body_selector '{ctx.config.body_selector}' matched nothing"
    title = html_to_text(title_el)
    if any(parent is body_el for parent in title_el.parents):
        title_el.extract()
    try:
        body = html_to_markdown(body_el, response.url)
    except ConversionError as exc:
        return str(exc)
    date = meta.get("published") or norm_date(lastmod) or norm_date(response.headers.get("Last-Modified"))
    updated = meta.get("modified") or norm_date(lastmod)
    if date is None:
        return "no date found (no <lastmod>, no date metadata in the page, no Last-Modified)"
    return Item(slug=slug, title=title, body=body, date=date, updated=updated,
                summary=meta.get("description"), source_url=loc, source_id=loc,
                **validators_of(response))


_META_KEYS = {
    "published": ("article:published_time", "datepublished", "date", "dc.date", "dcterms.created"),
    "modified": ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified",
                 "last-modified"),
    "description": ("description", "og:description", "twitter:description"),
}


def _page_metadata(soup: BeautifulSoup) -> dict[str, str]:
    found: dict[str, str] = {}
    metas = _meta_values(soup)
    for what, keys in _META_KEYS.items():
        for key in keys:
            value = metas.get(key)
            if value is None:
                continue
            if what == "description":
                found[what] = " ".join(value.split())
            else:
                normalised = norm_date(value)
                if normalised is None:
                    continue
                found[what] = normalised
            break
    if "published" not in found:
        time_el = soup.find("time", attrs={"datetime": True})
        if isinstance(time_el, Tag):
            normalised = norm_date(str(time_el.get("datetime")))
            if normalised:
                found["published"] = normalised
    return found


def _meta_values(soup: BeautifulSoup) -> dict[str, str]:
    """The page's ``<meta>`` values and JSON-LD dates, by lower-cased name (the first wins)."""
    metas: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        if not isinstance(tag, Tag):
            continue
        name = tag.get("property") or tag.get("name") or tag.get("itemprop")
        content = tag.get("content")
        if isinstance(name, str) and isinstance(content, str) and content.strip():
            metas.setdefault(name.strip().lower(), content.strip())
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            data = load_json(script.get_text() or "null")
        except ValueError:  # broken or hostile metadata: the page's other dates still count
            continue
        for obj in data if isinstance(data, list) else [data]:
            if isinstance(obj, dict):
                for key in ("datePublished", "dateModified"):
                    if isinstance(obj.get(key), str):
                        metas.setdefault(key.lower(), obj[key])
    return metas
