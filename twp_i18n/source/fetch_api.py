"""Readers for CMS APIs: Drupal's core JSON:API and the WordPress REST API."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from ..errors import FetchError
from ..languages import bcp47_tag
from .fetch_http import HTTPStatusProblem
from .fetch_sources import (
    ACCEPT_JSON,
    ACCEPT_JSONAPI,
    PAGE_GUESS,
    Context,
    Harvest,
    Item,
    as_text,
    expect,
    norm_date,
    parse_json,
    safe_slug,
    validators_of,
)
from .htmlmd import ConversionError, html_to_markdown, html_to_text


def drupal(ctx: Context) -> Harvest:
    """Every published source-language node of ``[fetch] bundle``, following ``links.next``."""
    harvest = Harvest()
    query = urlencode({"filter[status]": "1", "sort": "drupal_internal__nid"})
    url: str | None = f"{ctx.base}/jsonapi/node/{ctx.config.bundle}?{query}"
    visited: set[str] = set()
    count = 0
    while url is not None:
        if url in visited:
            raise FetchError(f"{url}: the pagination (links.next) goes round in circles")
        ctx.claim(1, url, f"links.next still leads on after {len(visited)} pages")
        visited.add(url)
        old = ctx.old_listings.get(url)
        response = ctx.get(url, ACCEPT_JSONAPI, old if old and ctx.trust(old.get("slugs", [])) else None)
        if response.not_modified:
            assert old is not None
            for slug in old.get("slugs", []):
                if harvest.see(slug, _origin(ctx, slug, url), url):
                    harvest.unchanged.append(slug)
            harvest.listings[url] = old
            count += len(old.get("slugs", []))
            url = old.get("next")
            ctx.report(count, count + (1 if url else 0))
            continue
        doc = parse_json(response)
        expect(isinstance(doc, dict) and isinstance(doc.get("data"), list), url, "no 'data' list")
        slugs: list[str] = []
        for node in doc["data"]:
            item = _drupal_item(ctx, node, url)
            if item is None or not harvest.see(item.slug, _origin_of(item), item.source_url):
                continue
            harvest.items.append(item)
            slugs.append(item.slug)
        links = doc.get("links") if isinstance(doc.get("links"), dict) else {}
        nxt = links.get("next")
        if isinstance(nxt, dict):
            nxt = nxt.get("href")
        try:
            next_url = str(httpx.URL(response.url).join(nxt)) if isinstance(nxt, str) and nxt else None
        except httpx.InvalidURL:
            raise FetchError(f"{url}: links.next is not a valid URL: {nxt!r}") from None
        harvest.listings[url] = {**validators_of(response), "slugs": slugs, "next": next_url}
        count += len(slugs)
        meta = doc.get("meta") if isinstance(doc.get("meta"), dict) else {}
        total = meta.get("count")
        if not isinstance(total, int):
            total = count + (PAGE_GUESS if next_url else 0)
        ctx.report(count, total)
        url = next_url
    return harvest


def _origin_of(item: Item) -> str:
    return f"{item.source_url} (id {item.source_id})"


def _origin(ctx: Context, slug: str, listing_url: str) -> str:
    """Where an unchanged (304) slug came from, as recorded when it was fetched."""
    entry = ctx.old_articles.get(slug, {})
    if "source_url" in entry:
        return f"{entry['source_url']} (id {entry.get('source_id')})"
    return listing_url


def _convert(html: str, url: str) -> tuple[str, str | None]:
    """The Markdown of an article body, or ``("", why not)``."""
    try:
        return html_to_markdown(html, url), None
    except ConversionError as exc:
        return "", str(exc)


def _same_language(code: str, source: str) -> bool:
    code = code.lower().replace("_", "-")
    return code in (bcp47_tag(source).lower(), "und", "zxx")


def drupal_item(ctx: Context, node: Any, url: str) -> Item | None:
    """A node of a JSON:API answer as an :class:`Item` (None for an unpublished node or one in
    another language than the source's); a FetchError when the node is malformed."""
    return _drupal_item(ctx, node, url)


def _drupal_item(ctx: Context, node: Any, url: str) -> Item | None:
    expect(isinstance(node, dict) and isinstance(node.get("attributes"), dict), url,
           "an item of 'data' has no 'attributes'")
    attrs = node["attributes"]
    if attrs.get("status") is False:
        return None
    langcode = attrs.get("langcode")
    if isinstance(langcode, str) and not _same_language(langcode, ctx.source_language):
        return None
    nid = attrs.get("drupal_internal__nid")
    path = attrs.get("path") if isinstance(attrs.get("path"), dict) else {}
    alias = path.get("alias") if isinstance(path.get("alias"), str) and path.get("alias") else None
    expect(nid is not None or alias is not None, url,
           "a node has neither drupal_internal__nid nor path.alias")
    source_url = f"{ctx.base}{alias}" if alias and alias.startswith("/") else \
        f"{ctx.base}/{alias}" if alias else f"{ctx.base}/node/{nid}"
    slug = safe_slug(alias, source_url, path=True) if alias else None
    if slug is None:
        slug = safe_slug(str(nid), source_url, path=False)
    assert slug is not None
    body = attrs.get("body") if isinstance(attrs.get("body"), dict) else {}
    html = as_text(body.get("value")) or as_text(body.get("processed"))
    summary = html_to_text(as_text(body.get("summary"))) or None
    markdown, problem = _convert(html, source_url)
    return Item(
        slug=slug,
        problem=problem,
        title=" ".join(as_text(attrs.get("title")).split()),  # plain text in Drupal
        body=markdown,
        date=norm_date(attrs.get("created")),
        updated=norm_date(attrs.get("changed")),
        summary=summary,
        source_url=source_url,
        source_id=str(nid if nid is not None else node.get("id")),
    )


# --- WordPress REST API ------------------------------------------------------------------------

WP_PER_PAGE = 100
_WP_FIELDS = "id,slug,status,link,title,content,excerpt,date_gmt,modified_gmt"


def wordpress(ctx: Context) -> Harvest:
    """Every published post and page, ``page``/``per_page`` up to ``X-WP-TotalPages``.

    The pages are ordered by id, so new posts land on the last page.  When the last
    page answers 304 (no fresh ``X-WP-TotalPages``), the page after it is probed:
    WordPress answers 400 when it does not exist.
    """
    harvest = Harvest()
    for kind in ("posts", "pages"):
        pages = _wp_listing(ctx, kind, len(harvest.seen))
        for n in sorted(pages):
            page = pages[n]
            for slug in page.unchanged:
                if harvest.see(slug, _origin(ctx, slug, page.url), page.url):
                    harvest.unchanged.append(slug)
            for item in page.items:
                if harvest.see(item.slug, _origin_of(item), item.source_url):
                    harvest.items.append(item)
            harvest.notes.extend(page.notes)
            harvest.listings[page.url] = page.listing
        ctx.report(len(harvest.seen), len(harvest.seen))
    return harvest


def _wp_listing(ctx: Context, kind: str, seen: int) -> dict[int, _WpPage]:
    """The pages of one listing (``posts`` or ``pages``), by number; ``seen`` items came before."""

    def page_url(page: int) -> str:
        query = urlencode({"page": page, "per_page": WP_PER_PAGE, "orderby": "id",
                           "order": "asc", "_fields": _WP_FIELDS})
        return f"{ctx.base}/wp-json/wp/v2/{kind}?{query}"

    ctx.claim(1, page_url(1), f"the listing of {kind} starts here")
    first = _wp_page(ctx, page_url(1), 1)
    pages = {1: first}
    total = first.total_pages
    told_by = first.url  # the page whose X-WP-TotalPages gave ``total``
    size = len(first.slugs)  # the server's page size, for the estimate
    got = [seen + size]

    def step(_: int, page: _WpPage) -> None:
        got[0] += len(page.slugs)
        ctx.report(got[0], got[0] + size * (total - len(pages)))

    while True:
        ctx.report(got[0], got[0] + size * (total - len(pages)))
        known = sum(1 for n in pages if 2 <= n <= total)
        ctx.claim(total - 1 - known, told_by,  # before a list of ``total`` pages is made
                  f"X-WP-TotalPages says there are {total} pages of {kind}")
        todo = [n for n in range(2, total + 1) if n not in pages]
        fetched = ctx.pool_map(lambda n: _wp_page(ctx, page_url(n), n), todo, step)
        pages.update(zip(todo, fetched, strict=True))
        missing = [n for n, page in pages.items() if page.missing]
        if missing:  # fewer pages than last time: posts were deleted
            return {n: page for n, page in pages.items() if n < min(missing)}
        last = pages[total]
        if not last.fresh:
            ctx.claim(1, page_url(total + 1), "probing for a page past the last one")
            probe = _wp_page(ctx, page_url(total + 1), total + 1, conditional=False)
            if probe.missing:
                return pages
            pages[total + 1] = probe
            last = probe
        if last.total_pages <= len(pages):
            return pages
        total, told_by = last.total_pages, last.url


_MORE_MARKS = ("[…]", "[&hellip;]", "[...]", "…")


def without_read_more(excerpt: str, *, continue_reading: bool = False) -> str:
    """``excerpt`` stripped, without the "read more" mark a CMS ends it with ('[…]', '…';
    with ``continue_reading``, also from "Continue reading" on, on its last line).  Written
    without a pattern anchored at the end, which took quadratic time on a run of spaces."""
    text = excerpt.rstrip()
    if continue_reading:
        at = text.find("Continue reading", text.rfind("\n") + 1)
        if at >= 0:
            return text[:at].strip()
    for mark in _MORE_MARKS:
        if text.endswith(mark):
            return text[:-len(mark)].strip()
    return text.strip()


@dataclass
class _WpPage:
    url: str
    items: list[Item] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    total_pages: int = 1
    listing: dict[str, Any] = field(default_factory=dict)
    fresh: bool = True
    """False when the page answered 304 (its total is last run's)."""
    missing: bool = False
    """True when WordPress said there is no such page (400 past the last page)."""
    notes: list[str] = field(default_factory=list)
    """Warnings about the page's posts (password-protected ones left out)."""

    @property
    def slugs(self) -> list[str]:
        return [item.slug for item in self.items] + self.unchanged


def _wp_page(ctx: Context, url: str, number: int, *, conditional: bool = True) -> _WpPage:
    old = ctx.old_listings.get(url) if conditional else None
    try:
        response = ctx.get(url, ACCEPT_JSON, old if old and ctx.trust(old.get("slugs", [])) else None)
    except HTTPStatusProblem as exc:
        if number > 1 and exc.status == 400:
            return _WpPage(url, missing=True)
        raise
    if response.not_modified:
        assert old is not None
        return _WpPage(url, [], list(old.get("slugs", [])), int(old.get("total_pages", 1)), old,
                       fresh=False)
    data = parse_json(response)
    expect(isinstance(data, list), url, "expected a list of posts")
    header = response.headers.get("X-WP-TotalPages", "1").strip()
    total_pages = _page_count(header)
    items: list[Item] = []
    notes: list[str] = []
    for post in data:
        item = _wp_item(post, url)
        if isinstance(item, Item):
            items.append(item)
        elif item is not None:
            notes.append(item)
    listing = {**validators_of(response), "slugs": [i.slug for i in items], "total_pages": total_pages}
    return _WpPage(url, items, [], total_pages, listing, notes=notes)


def page_count(header: str) -> int:
    """``X-WP-TotalPages`` as a number (see :func:`_page_count`)."""
    return _page_count(header)


def _page_count(header: str) -> int:
    """``X-WP-TotalPages`` as a number: 1 when unreadable, at most 10**12 (max_pages stops it).

    >>> _page_count("3"), _page_count("²"), _page_count("0"), _page_count("9" * 5000)
    (3, 1, 1, 1000000000000)
    """
    if not re.fullmatch(r"[0-9]+", header):
        return 1
    return max(1, int(header)) if len(header) <= 12 else 10 ** 12


def _wp_item(post: Any, url: str) -> Item | str | None:
    """The post as an :class:`Item`; None for a draft; a warning for a post left out."""
    expect(isinstance(post, dict) and "slug" in post and "id" in post, url,
           "a post without 'slug' or 'id'")
    if post.get("status", "publish") != "publish":
        return None
    content = post.get("content")
    if isinstance(content, dict) and content.get("protected"):
        return f"{as_text(post.get('link')) or url} is password-protected; left out"
    link = as_text(post.get("link")) or url
    slug = safe_slug(as_text(post["slug"]), link, path=False)
    assert slug is not None

    def rendered(key: str) -> str:
        value = post.get(key)
        return as_text(value.get("rendered")) if isinstance(value, dict) else as_text(value)

    markdown, problem = _convert(rendered("content"), link)
    excerpt = html_to_text(rendered("excerpt"))
    excerpt = without_read_more(excerpt, continue_reading=True)
    return Item(
        slug=slug,
        title=html_to_text(rendered("title")),
        body=markdown,
        problem=problem,
        date=norm_date(post.get("date_gmt")),  # naive: UTC, as norm_date assumes
        updated=norm_date(post.get("modified_gmt")),
        summary=excerpt or None,
        source_url=link,
        source_id=str(post["id"]),
    )
