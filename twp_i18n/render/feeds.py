"""Feeds, sitemap and OPML: pure functions from data to bytes.

Nothing here reads files, the clock or the locale: the same input always gives
the same bytes.  RSS 2.0 and Atom are built with feedgen 1.0.0 and then
repaired with lxml where feedgen falls short; JSON Feed 1.1, the sitemap and
the OPML list are written by hand.

feedgen 1.0.0 workarounds (its known traps, each checked by a test):

* ``updated``/``lastBuildDate`` default to *now*: both are set to the newest
  item's ``updated`` (:data:`EPOCH` for an empty feed), and every entry's
  ``updated`` is set explicitly.
* ``<generator>`` carries feedgen's version: pinned to :data:`GENERATOR`.
* ``add_entry()`` prepends: always ``order="append"``.
* ``id()`` and ``guid()`` overwrite each other: only ``guid(id, permalink=False)``
  is called, which sets the Atom ``id`` *and* ``<guid isPermaLink="false">``.
* the RSS channel ``<link>`` is the last link added: the home page goes last;
  an RSS item's ``<link>`` is its last alternate: RSS items get only their own URL.
* Atom *entry* links lose ``rel``/``type``/``hreflang`` (upstream bug): the
  link elements feedgen writes are replaced with complete ones via lxml.  The
  page itself comes first (with ``hreflang``) and, when there are translations,
  again last without ``hreflang``: most readers take the first alternate as the
  entry's link, feedparser the last.  RSS items put their translation
  ``atom:link`` elements before ``<link>`` for the same reason.
* RSS gets no hub link and Atom entries no ``xml:lang``: both added via lxml.
* RSS ``<author>`` must be an e-mail address: authors go to ``dc:creator``.
* RSS dates are formatted by switching the process locale to C and back (not
  thread-safe): ``pubDate``/``lastBuildDate`` are rewritten with
  :func:`email.utils.format_datetime`, which always writes English names.

Item ids are ``tag:`` URIs (RFC 4151) from :func:`make_item_id`.  The date in
them is the fixed :data:`TAG_DATE` ("2026", the year this scheme was adopted),
never a publication date, so an id never changes when an article is edited.

>>> make_item_id("https://demo.example.org/", "pt-BR", "slow-taper")
'tag:demo.example.org,2026:pt-BR/slow-taper'
>>> is_valid_bcp47("zh-Hant-TW"), is_valid_bcp47("pt_BR"), is_valid_bcp47("english")
(True, False, False)
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote, urlsplit

from feedgen.feed import FeedGenerator
from lxml import etree

from ..errors import NOT_TEXT
from ..paths import check_slug

__all__ = [
    "EPOCH", "GENERATOR", "JSON_FEED_VERSION", "TAG_DATE", "Alternate", "Channel", "FeedItem",
    "is_valid_bcp47", "make_item_id", "render_atom", "render_json_feed", "render_opml",
    "render_rss", "render_sitemap",
]

#: The date part of every ``tag:`` id; fixed forever (changing it changes every id).
TAG_DATE = "2026"
#: ``updated``/``lastBuildDate`` of a feed with no items.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The ``<generator>`` of every feed, deliberately without a version.
GENERATOR = "twp-i18n"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ATOM_TYPE, RSS_TYPE, JSON_TYPE, HTML_TYPE = (
    "application/atom+xml", "application/rss+xml", "application/feed+json", "text/html")


@dataclass(frozen=True)
class Alternate:
    """Another language version of a page or feed."""

    lang_tag: str  #: BCP 47, e.g. ``pt-BR`` (``x-default`` only in sitemaps)
    url: str  #: absolute URL of that version


@dataclass(frozen=True)
class FeedItem:
    """One article in one language."""

    id: str  #: stable forever: :func:`make_item_id`
    url: str  #: absolute URL of the article page in this language
    title: str
    content_html: str  #: sanitized HTML; ``<div lang="en">`` fallback parts are kept
    summary: str | None  #: plain text
    published: datetime  #: aware
    updated: datetime  #: aware: later of the source's update and the translation's revision
    author: str | None
    alternates: tuple[Alternate, ...]  #: the *other* language versions of this article
    title_lang: str | None = None  #: language of ``title`` when it is not the feed's
    summary_lang: str | None = None  #: language of ``summary`` when it is not the feed's


@dataclass(frozen=True)
class Channel:
    """One language's feed."""

    lang_tag: str
    title: str
    description: str
    home_url: str  #: this language's index page (the RSS channel ``<link>``)
    rss_url: str
    atom_url: str  #: also the Atom feed's ``<id>``
    json_url: str
    items: tuple[FeedItem, ...]  #: newest first, already cut to ``[feeds] items``
    rights: str | None
    author: str  #: feed-level author, so every entry has one
    websub_hub: str | None
    alternates: tuple[Alternate, ...]  #: this feed (Atom) in the other languages
    rights_lang: str | None = None  #: language of ``rights`` when it is not the feed's
    title_lang: str | None = None  #: language of ``title`` when it is not the feed's


# RFC 5646 syntax, except that the primary language must be 2-3 letters (ISO 639):
# 4-letter subtags are reserved and no 5-8 letter one has ever been registered,
# so "english" is rejected.  Irregular grandfathered tags (i-klingon) are not accepted.
_LANGTAG = re.compile(
    r"[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}"  # language, extlang
    r"(?:-[A-Za-z]{4})?"  # script
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"  # region
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"  # variants
    r"(?:-[0-9A-WYZa-wyz](?:-[A-Za-z0-9]{2,8})+)*"  # extensions
    r"(?:-[xX](?:-[A-Za-z0-9]{1,8})+)?"  # private use
    r"|[xX](?:-[A-Za-z0-9]{1,8})+"  # a private-use tag on its own (x-default)
)
# Characters XML 1.0 cannot carry at all; lxml refuses them, so they are dropped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def is_valid_bcp47(tag: str) -> bool:
    """Whether ``tag`` is a well-formed BCP 47 language tag (``-`` separated).

    >>> [is_valid_bcp47(t) for t in ("ckb", "pt-BR", "sr-Latn", "es-419", "de-CH-1901")]
    [True, True, True, True, True]
    >>> [is_valid_bcp47(t) for t in ("", "pt_BR", "english", "en-", "e", "en-US ")]
    [False, False, False, False, False, False]
    """
    return isinstance(tag, str) and _LANGTAG.fullmatch(tag) is not None


def _check_lang(tag: str) -> str:
    if not is_valid_bcp47(tag):
        raise ValueError(f"not a BCP 47 language tag: {tag!r}")
    return tag


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} has no time zone: {value.isoformat()}")
    return value


def _x(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot represent, nor controls and
    noncharacters (:data:`~twp_i18n.errors.NOT_TEXT`)."""
    return _NOT_XML.sub("", NOT_TEXT.sub("", text) if NOT_TEXT.search(text) else text)


def make_item_id(base_url: str, lang_tag: str, slug: str) -> str:
    """The permanent ``tag:`` id of article ``slug`` in ``lang_tag`` on the site at ``base_url``.

    Only the host and path of ``base_url`` count (not the scheme), and the date is
    :data:`TAG_DATE`, so the id survives edits, re-publication and a move to https.

    >>> make_item_id("https://example.org/blog/", "ckb", "café")
    'tag:example.org,2026:blog/ckb/caf%C3%A9'
    """
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base_url must be an absolute http(s) URL: {base_url!r}")
    _check_lang(lang_tag)
    problem = check_slug(slug, nested=True)
    if problem:
        raise ValueError(f"bad slug: {slug!r} {problem}")
    host = parts.hostname.encode("idna").decode("ascii")
    specific = "/".join(p for p in (parts.path.strip("/"), lang_tag, slug) if p)
    return f"tag:{host},{TAG_DATE}:{quote(specific, safe='/-._~!$&()*+,;=:@')}"


def _dedupe(links: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """``(href, type, hreflang)`` links, keeping the first of each ``(type, hreflang)``."""
    seen: set[tuple[str, str]] = set()
    out = []
    for href, type_, lang in links:
        key = (type_, _check_lang(lang).lower())
        if key not in seen:
            seen.add(key)
            out.append((href, type_, lang))
    return out


def _feed_alternates(channel: Channel) -> list[tuple[str, str, str]]:
    """The Atom feeds of the other languages (the home page link is added separately)."""
    own = (channel.atom_url, ATOM_TYPE, channel.lang_tag)
    return _dedupe([own] + [(a.url, ATOM_TYPE, a.lang_tag) for a in channel.alternates])[1:]


def _item_alternates(channel: Channel, item: FeedItem) -> list[tuple[str, str, str]]:
    own = (item.url, HTML_TYPE, channel.lang_tag)
    return _dedupe([own] + [(a.url, HTML_TYPE, a.lang_tag) for a in item.alternates])


def _feed_updated(channel: Channel) -> datetime:
    return max((_aware(i.updated, f"updated of {i.id}") for i in channel.items), default=EPOCH)


def _generator(channel: Channel, rss: bool, full_content: bool) -> FeedGenerator:
    """A feedgen feed for ``channel``; the caller serializes and repairs it."""
    _check_lang(channel.lang_tag)
    fg = FeedGenerator()
    if rss:
        fg.load_extension("dc", atom=False, rss=True)
    fg.id(channel.atom_url)
    fg.title(_x(channel.title))
    fg.description(_x(channel.description or channel.title))
    fg.language(channel.lang_tag)
    fg.generator(GENERATOR)
    fg.author(name=_x(channel.author))
    if channel.rights:
        fg.rights(_x(channel.rights))
    fg.updated(_feed_updated(channel))  # also lastBuildDate; never "now"
    # Self first, home page last: feedgen makes the last link the RSS channel <link>.
    fg.link(href=channel.rss_url if rss else channel.atom_url, rel="self",
            type=RSS_TYPE if rss else ATOM_TYPE)
    if not rss:
        if channel.websub_hub:
            fg.link(href=channel.websub_hub, rel="hub")
        for href, type_, lang in _feed_alternates(channel):
            fg.link(href=href, rel="alternate", type=type_, hreflang=lang)
    fg.link(href=channel.home_url, rel="alternate", type=HTML_TYPE, hreflang=channel.lang_tag)
    for item in channel.items:
        fe = fg.add_entry(order="append")
        fe.guid(item.id, permalink=False)  # sets the Atom id too; never call id() after it
        fe.title(_x(item.title))
        fe.published(_aware(item.published, f"published of {item.id}"))
        fe.updated(_aware(item.updated, f"updated of {item.id}"))
        if full_content:
            fe.content(_x(item.content_html), type="html")
        if item.summary:  # plain text; RSS readers take <description> as HTML
            fe.summary(_x(html.escape(item.summary, quote=False) if rss else item.summary))
        if rss:
            fe.link(href=item.url)  # the only link: feedgen uses the last one as <link>
            fe.dc.dc_creator(_x(item.author or channel.author))
        else:
            if item.author:
                fe.author(name=_x(item.author))
            for href, type_, lang in _item_alternates(channel, item):
                fe.link(href=href, rel="alternate", type=type_, hreflang=lang)  # repaired below
    return fg


def _parse(data: bytes) -> etree._Element:
    # Our own feedgen output, from bounded inputs: a long article may exceed libxml2's 10 MB
    # text-node limit once escaped, so that limit is lifted (entities stay unresolved).
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True,
                             huge_tree=True)
    return etree.fromstring(data, parser)


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _link(parent: etree._Element, href: str, rel: str, type_: str | None = None,
          hreflang: str | None = None, index: int | None = None) -> etree._Element:
    attrib = {"href": href, "rel": rel}
    if type_:
        attrib["type"] = type_
    if hreflang:
        attrib["hreflang"] = hreflang
    el = etree.Element(f"{{{ATOM_NS}}}link", attrib)
    parent.insert(len(parent) if index is None else index, el)
    return el


def render_rss(channel: Channel, full_content: bool) -> bytes:
    """RSS 2.0: ``<language>``, ``atom:link`` self (and hub), ``guid isPermaLink="false"``,
    English RFC 822 dates, ``content:encoded`` when ``full_content`` (else the summary only)."""
    root = _parse(_generator(channel, rss=True, full_content=full_content).rss_str())
    chan = root.find("channel")
    assert chan is not None
    self_link = chan.find(f"{{{ATOM_NS}}}link")
    assert self_link is not None
    index = chan.index(self_link) + 1  # after the self link
    for href, type_, lang in _feed_alternates(channel)[::-1]:
        _link(chan, href, "alternate", type_, lang, index=index)
    if channel.websub_hub:
        _link(chan, channel.websub_hub, "hub", index=index)
    # feedgen formats dates by switching the whole process to the C locale and back
    # (racy with other threads); email.utils always writes English names and a zone.
    chan.find("lastBuildDate").text = format_datetime(_feed_updated(channel))  # type: ignore[union-attr]
    for item_el, item in zip(chan.iterfind("item"), channel.items, strict=True):
        item_el.find("pubDate").text = format_datetime(item.published)  # type: ignore[union-attr]
        # Translations go before <link>: feedparser lets the last link win.
        link = item_el.find("link")
        assert link is not None
        index = item_el.index(link)
        for offset, (href, type_, lang) in enumerate(_item_alternates(channel, item)[1:]):
            _link(item_el, href, "alternate", type_, lang, index=index + offset)
    return _RSS_TITLE.sub(_hex_references, _serialize(root))


_RSS_TITLE = re.compile(rb"<title>([^<]*)</title>")


def _hex_references(match: re.Match[bytes]) -> bytes:
    """An RSS title (plain text) with ``&`` and ``<`` as hexadecimal character references:
    readers that take titles as HTML still show them as text (RSS Best Practices Profile)."""
    text = match[1].replace(b"&amp;", b"&#x26;").replace(b"&lt;", b"&#x3C;")
    return b"<title>" + text + b"</title>"


def render_atom(channel: Channel, full_content: bool) -> bytes:
    """Atom 1.0 with ``xml:lang`` on the feed and every entry, entry links with
    ``rel``/``type``/``hreflang``, ``content type="html"`` when ``full_content``."""
    root = _parse(_generator(channel, rss=False, full_content=full_content).atom_str())
    rights = root.find(f"{{{ATOM_NS}}}rights")
    if rights is not None and channel.rights_lang:
        rights.set(XML_LANG, _check_lang(channel.rights_lang))
    if channel.title_lang:  # xml:lang is allowed on any Atom element (RFC 4287 §2)
        for name in ("title", "subtitle"):
            element = root.find(f"{{{ATOM_NS}}}{name}")
            if element is not None and element.text == channel.title:
                element.set(XML_LANG, _check_lang(channel.title_lang))
    entries = root.findall(f"{{{ATOM_NS}}}entry")
    for entry, item in zip(entries, channel.items, strict=True):
        if entry.findtext(f"{{{ATOM_NS}}}id") != item.id:
            raise AssertionError("feedgen reordered the entries")
        entry.set(XML_LANG, channel.lang_tag)
        for name, lang in (("title", item.title_lang), ("summary", item.summary_lang)):
            element = entry.find(f"{{{ATOM_NS}}}{name}")
            if lang and element is not None:
                element.set(XML_LANG, _check_lang(lang))
        broken = entry.findall(f"{{{ATOM_NS}}}link")
        index = entry.index(broken[0])
        for el in broken:
            entry.remove(el)
        links = _item_alternates(channel, item)
        if len(links) > 1:
            # Readers disagree on which alternate is "the" link: most take the first,
            # feedparser the last.  So the page comes first (with hreflang) and last
            # (without: a different (type, hreflang) pair, so still no duplicate).
            links.append((item.url, HTML_TYPE, ""))
        for offset, (href, type_, lang) in enumerate(links):
            _link(entry, href, "alternate", type_, lang or None, index=index + offset)
    return _serialize(root)


def _json_rights(channel: Channel) -> str:
    """The rights statement as the last paragraph of an item's HTML: JSON Feed has no
    rights field, and readers show an item's content."""
    if not channel.rights:
        return ""
    lang = f' lang="{_check_lang(channel.rights_lang)}"' if channel.rights_lang else ""
    return f'\n<p class="rights"{lang} dir="auto">{html.escape(channel.rights, quote=False)}</p>\n'


def render_json_feed(channel: Channel, full_content: bool) -> bytes:
    """JSON Feed 1.1, keys sorted, UTF-8 (not ``\\u`` escapes), ending in a newline.

    The rights statement (JSON Feed has no field for it) ends every item's
    ``content_html`` and the feed's ``description``.
    """
    _check_lang(channel.lang_tag)
    _feed_updated(channel)
    rights = _json_rights(channel)
    items: list[dict[str, Any]] = []
    for item in channel.items:
        entry: dict[str, Any] = {
            "id": item.id, "url": item.url, "title": item.title, "language": channel.lang_tag,
            "date_published": _aware(item.published, f"published of {item.id}").isoformat(),
            "date_modified": item.updated.isoformat(),
        }
        if item.author:
            entry["authors"] = [{"name": item.author}]
        if full_content:
            entry["content_html"] = item.content_html + rights
            if item.summary:
                entry["summary"] = item.summary
        else:  # one of content_html/content_text is required: the summary, as text
            entry["content_text"] = "\n\n".join(
                part for part in (item.summary, channel.rights) if part)
            if item.summary:
                entry["summary"] = item.summary
        items.append(entry)
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION, "title": channel.title,
        "description": " · ".join(part for part in (channel.description, channel.rights) if part),
        "language": channel.lang_tag,
        "home_page_url": channel.home_url, "feed_url": channel.json_url,
        "authors": [{"name": channel.author}], "items": items,
    }
    if channel.websub_hub:
        feed["hubs"] = [{"type": "WebSub", "url": channel.websub_hub}]
    return (json.dumps(feed, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def render_sitemap(pages: list[tuple[str, tuple[Alternate, ...], datetime | None]]) -> bytes:
    """A sitemap whose ``<url>`` entries list their language versions as
    ``xhtml:link rel="alternate" hreflang`` (itself and ``x-default`` included by the caller).

    >>> print(render_sitemap([("https://e.org/es/a/", (Alternate("es", "https://e.org/es/a/"),
    ...       Alternate("x-default", "https://e.org/a/")), None)]).decode())
    ... # doctest: +NORMALIZE_WHITESPACE
    <?xml version='1.0' encoding='UTF-8'?>
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">
      <url>
        <loc>https://e.org/es/a/</loc>
        <xhtml:link rel="alternate" hreflang="es" href="https://e.org/es/a/"/>
        <xhtml:link rel="alternate" hreflang="x-default" href="https://e.org/a/"/>
      </url>
    </urlset>
    """
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS, "xhtml": XHTML_NS})
    for url, alternates, lastmod in pages:
        entry = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = url
        if lastmod is not None:
            etree.SubElement(entry, f"{{{SITEMAP_NS}}}lastmod").text = \
                _aware(lastmod, f"lastmod of {url}").isoformat()
        seen: set[str] = set()
        for alt in alternates:
            key = alt.lang_tag.lower()
            if key != "x-default":
                _check_lang(alt.lang_tag)
            if key not in seen:
                seen.add(key)
                etree.SubElement(entry, f"{{{XHTML_NS}}}link",
                                 {"rel": "alternate", "hreflang": alt.lang_tag, "href": alt.url})
    return _serialize(root)


def render_opml(title: str, channels: list[Channel]) -> bytes:
    """OPML 2.0 listing, per language, its RSS, Atom and JSON feeds (``language`` noted)."""
    root = etree.Element("opml", version="2.0")
    etree.SubElement(etree.SubElement(root, "head"), "title").text = _x(title)
    body = etree.SubElement(root, "body")
    for ch in channels:
        lang = _check_lang(ch.lang_tag)
        name = f"{_x(ch.title)} ({lang})"
        group = etree.SubElement(body, "outline", {"text": name, "title": name, "language": lang})
        for label, url, version in (("RSS", ch.rss_url, "RSS2"), ("Atom", ch.atom_url, None),
                                    ("JSON Feed", ch.json_url, None)):
            attrib = {"text": f"{name} — {label}", "title": f"{name} — {label}", "type": "rss"}
            if version:
                attrib["version"] = version
            attrib.update({"xmlUrl": url, "htmlUrl": ch.home_url, "language": lang})
            if ch.description:
                attrib["description"] = _x(ch.description)
            etree.SubElement(group, "outline", attrib)
    return _serialize(root)
