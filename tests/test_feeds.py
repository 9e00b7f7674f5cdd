"""Feeds, sitemap and OPML: well-formed, language-tagged, stable, validator-friendly."""

from __future__ import annotations

import email.utils
import html
import json
import locale
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import feedparser
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from twp_i18n.render.feeds import (
    EPOCH,
    JSON_FEED_VERSION,
    Alternate,
    Channel,
    FeedItem,
    is_valid_bcp47,
    make_item_id,
    render_atom,
    render_json_feed,
    render_opml,
    render_rss,
    render_sitemap,
)

BASE = "https://demo.example.org/"
LANGS = ("ar", "pt-BR", "ckb", "en")
HUB = "https://hub.example.org/"
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "xhtml": "http://www.w3.org/1999/xhtml",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SLUGS = ("slow-taper", "special-chars", "emoji")
NASTY = "Dose <10mg> & \"slow\" 'taper' ]]> end"
FULL_MARKER = "FULL-BODY-ONLY"


def prefix(lang: str) -> str:
    return BASE if lang == "en" else f"{BASE}{lang}/"


def page(lang: str, slug: str) -> str:
    return f"{prefix(lang)}{slug}/"


def make_channel(lang: str, hub: str | None = None) -> Channel:
    others = [other for other in LANGS if other != lang]
    tz = timezone(timedelta(hours=3)) if lang == "ar" else timezone(timedelta(hours=-3))
    contents = (
        f'<p>{FULL_MARKER} translated</p><div lang="en"><p>Not yet translated part.</p></div>',
        f"<p>{FULL_MARKER} {NASTY.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}"
        "</p><pre>]]&gt;</pre>",
        f"<p>{FULL_MARKER} growing back 🌱 𝄞 😀</p>",
    )
    titles = ("Slow taper", NASTY, "Spring 🌱 returns")
    items = []
    for n, (slug, title, content) in enumerate(zip(SLUGS, titles, contents, strict=True)):
        items.append(FeedItem(
            id=make_item_id(BASE, lang, slug),
            url=page(lang, slug),
            title=f"{title} [{lang}]",
            content_html=content,
            summary=None if n == 2 else f"Summary {n}" + (f" {NASTY}" if n == 1 else ""),
            published=datetime(2026, 3, 10 - n, 8, 30, tzinfo=tz),
            updated=datetime(2026, 3, 12 - n, 9, 15, 7, tzinfo=tz),
            author="Ana 🌻" if n == 0 else None,
            alternates=tuple(Alternate(other, page(other, slug)) for other in others),
        ))
    return Channel(
        lang_tag=lang, title=f"Tapering Commons ({lang})", description="Lay experience",
        home_url=prefix(lang), rss_url=f"{prefix(lang)}index.xml",
        atom_url=f"{prefix(lang)}atom.xml", json_url=f"{prefix(lang)}feed.json",
        items=tuple(items), rights="CC BY-SA 4.0", author="Tapering Commons", websub_hub=hub,
        alternates=tuple(Alternate(other, f"{prefix(other)}atom.xml") for other in others),
    )


@pytest.fixture(params=LANGS)
def channel(request: pytest.FixtureRequest) -> Channel:
    return make_channel(request.param)


def xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


# --- parsing and language -------------------------------------------------------------

@pytest.mark.parametrize("full", [True, False])
def test_rss_parses_with_language(channel: Channel, full: bool) -> None:
    data = render_rss(channel, full)
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.feed.language == channel.lang_tag
    assert [e.id for e in parsed.entries] == [i.id for i in channel.items]
    assert [e.title for e in parsed.entries] == [i.title for i in channel.items]
    assert xml(data).findtext("channel/language") == channel.lang_tag


@pytest.mark.parametrize("full", [True, False])
def test_atom_parses_with_xml_lang_on_feed_and_entries(channel: Channel, full: bool) -> None:
    data = render_atom(channel, full)
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert [e.id for e in parsed.entries] == [i.id for i in channel.items]
    assert [e.title for e in parsed.entries] == [i.title for i in channel.items]
    root = xml(data)
    assert root.get(XML_LANG) == channel.lang_tag
    entries = root.findall("atom:entry", NS)
    assert len(entries) == 3
    assert all(entry.get(XML_LANG) == channel.lang_tag for entry in entries)


def test_json_feed_shape(channel: Channel) -> None:
    data = render_json_feed(channel, True)
    assert data.endswith(b"}\n")
    feed = json.loads(data.decode("utf-8"))
    assert feed["version"] == JSON_FEED_VERSION
    assert feed["language"] == channel.lang_tag
    assert feed["home_page_url"] == channel.home_url
    assert feed["feed_url"] == channel.json_url
    assert "hubs" not in feed
    for entry, item in zip(feed["items"], channel.items, strict=True):
        assert entry["id"] == item.id and entry["url"] == item.url
        assert datetime.fromisoformat(entry["date_published"]) == item.published
        assert datetime.fromisoformat(entry["date_modified"]) == item.updated
        # JSON Feed has no rights field: the statement ends every item's HTML
        assert entry["content_html"] == (item.content_html
                                         + '\n<p class="rights" dir="auto">CC BY-SA 4.0</p>\n')
    assert feed["description"] == "Lay experience · CC BY-SA 4.0"
    # sorted keys, real UTF-8 rather than \u escapes
    assert data == (json.dumps(feed, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()
    assert "🌱".encode() in data and b"\\ud83c" not in data


# --- content: fallbacks, special characters, emoji, summary-only ---------------------

def test_full_content_keeps_fallback_nasty_chars_and_emoji(channel: Channel) -> None:
    atom = feedparser.parse(render_atom(channel, True))
    rss = feedparser.parse(render_rss(channel, True))
    for parsed in (atom, rss):
        # an RSS item without a summary carries its HTML in <description>
        bodies = [e.content[0].value if "content" in e else e.summary for e in parsed.entries]
        assert 'lang="en"' in bodies[0]
        assert "]]&gt;" in bodies[1] and "&lt;10mg&gt;" in bodies[1]
        assert "🌱 𝄞 😀" in bodies[2]
    content = xml(render_atom(channel, True)).findall("atom:entry/atom:content", NS)
    assert [c.get("type") for c in content] == ["html"] * 3
    assert content[0].text == channel.items[0].content_html
    encoded = xml(render_rss(channel, True)).findall("channel/item/content:encoded", NS)
    assert [e.text for e in encoded[:2]] == [i.content_html for i in channel.items[:2]]


def test_summary_only_has_no_full_content(channel: Channel) -> None:
    for data in (render_rss(channel, False), render_atom(channel, False),
                 render_json_feed(channel, False)):
        assert FULL_MARKER.encode() not in data
    assert xml(render_atom(channel, False)).find("atom:entry/atom:content", NS) is None
    assert xml(render_rss(channel, False)).find("channel/item/content:encoded", NS) is None
    items = json.loads(render_json_feed(channel, False))["items"]
    assert all("content_html" not in item for item in items)
    assert items[0]["content_text"] == f"{channel.items[0].summary}\n\nCC BY-SA 4.0"
    rss = xml(render_rss(channel, False))
    assert rss.findtext("channel/item/description") == channel.items[0].summary


def test_plain_text_titles_and_summaries_read_the_same_in_rss_readers() -> None:
    # RSS readers take <description> as HTML: a plain summary holding "<b>" or "<night
    # owls>" must be escaped once more, or readers drop words and open a bold that never
    # ends.  Titles are plain text, with & and < as hexadecimal character references (the
    # RSS Best Practices Profile, which the W3C validator applies).
    plain = 'Tips for the <night owls> among us, and a note on <b> tags & "quotes".'
    base = make_channel("en")
    item = replace(base.items[0], title=plain, summary=plain)
    channel = replace(base, items=(item,))
    for full in (True, False):
        data = render_rss(channel, full)
        entry = feedparser.parse(data).entries[0]
        assert entry.summary_detail.type == "text/html"
        assert "<" not in entry.summary and html.unescape(entry.summary) == plain
        assert entry.title == plain
        raw_title = re.findall(rb"<title>(.*?)</title>", data)[1]
        assert b"&lt;" not in raw_title and b"&amp;" not in raw_title
        assert raw_title.count(b"&#x3C;") == 2 and raw_title.count(b"&#x26;") == 1
        assert xml(data).find("channel/item/title").text == plain
    atom = feedparser.parse(render_atom(channel, False)).entries[0]
    assert (atom.title, atom.summary) == (plain, plain)


# --- dates ---------------------------------------------------------------------------

RFC822 = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}")


def check_rss_dates(channel: Channel, data: bytes) -> None:
    chan = xml(data).find("channel")
    assert chan is not None
    dates = [chan.findtext("lastBuildDate")] + [i.findtext("pubDate") for i in chan.iterfind("item")]
    expected = [max(i.updated for i in channel.items)] + [i.published for i in channel.items]
    for text, when in zip(dates, expected, strict=True):
        assert text is not None and RFC822.fullmatch(text), text
        assert text.split(",")[0] == ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[when.weekday()]
        assert email.utils.parsedate_to_datetime(text) == when


def test_rss_dates_rfc822_english_with_zone(channel: Channel) -> None:
    check_rss_dates(channel, render_rss(channel, True))


def test_rss_dates_english_under_foreign_locale() -> None:
    old = locale.setlocale(locale.LC_ALL)
    for name in ("fr_FR.UTF-8", "fr_FR.utf8", "de_DE.UTF-8", "ar_EG.UTF-8"):
        try:
            locale.setlocale(locale.LC_ALL, name)
            break
        except locale.Error:
            continue
    else:
        pytest.skip("no non-English locale installed")
    try:
        channel = make_channel("pt-BR")
        check_rss_dates(channel, render_rss(channel, True))
    finally:
        locale.setlocale(locale.LC_ALL, old)


def test_rss_dates_do_not_depend_on_feedgens_locale_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    """feedgen formats dates by switching the process locale; simulate that going wrong."""
    import feedgen.entry
    import feedgen.feed

    def french(date: datetime) -> str:
        return "mar., 10 mars 2026 08:30:00"

    monkeypatch.setattr(feedgen.entry, "formatRFC2822", french)
    monkeypatch.setattr(feedgen.feed, "formatRFC2822", french)
    channel = make_channel("ar")
    check_rss_dates(channel, render_rss(channel, True))


def test_atom_and_json_dates_rfc3339(channel: Channel) -> None:
    rfc3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
    root = xml(render_atom(channel, True))
    stamps = [el.text for el in root.iter(f"{{{NS['atom']}}}updated", f"{{{NS['atom']}}}published")]
    assert len(stamps) == 7 and all(s and rfc3339.fullmatch(s) for s in stamps)
    assert datetime.fromisoformat(root.findtext("atom:updated", namespaces=NS)) == max(
        i.updated for i in channel.items)


def test_empty_feed_uses_fixed_epoch() -> None:
    channel = make_channel("ckb")
    empty = Channel(**{**channel.__dict__, "items": ()})
    root = xml(render_atom(empty, True))
    assert datetime.fromisoformat(root.findtext("atom:updated", namespaces=NS)) == EPOCH
    assert xml(render_rss(empty, True)).findtext("channel/lastBuildDate") == \
        "Thu, 01 Jan 1970 00:00:00 +0000"
    assert json.loads(render_json_feed(empty, True))["items"] == []


def test_naive_datetime_rejected() -> None:
    channel = make_channel("en")
    item = channel.items[0]
    naive = FeedItem(**{**item.__dict__, "published": datetime(2026, 1, 1)})
    bad = Channel(**{**channel.__dict__, "items": (naive,)})
    for render in (render_rss, render_atom, render_json_feed):
        with pytest.raises(ValueError):
            render(bad, True)


# --- ids, links, authors -------------------------------------------------------------

def test_guid_is_not_permalink_and_ids_are_tag_uris(channel: Channel) -> None:
    guids = xml(render_rss(channel, True)).findall("channel/item/guid")
    assert [g.get("isPermaLink") for g in guids] == ["false"] * 3
    assert [g.text for g in guids] == [i.id for i in channel.items]
    ids = [e.findtext("atom:id", namespaces=NS) for e in xml(render_atom(channel, True))
           .findall("atom:entry", NS)]
    assert ids == [i.id for i in channel.items]
    assert all(i.startswith("tag:demo.example.org,2026:") for i in ids)


def test_make_item_id_is_stable() -> None:
    assert make_item_id(BASE, "pt-BR", "slow-taper") == "tag:demo.example.org,2026:pt-BR/slow-taper"
    assert make_item_id("http://demo.example.org", "pt-BR", "slow-taper") == \
        make_item_id(BASE, "pt-BR", "slow-taper")
    assert make_item_id(BASE, "ckb", "a") != make_item_id(BASE, "ar", "a")
    for bad in [("demo.example.org", "en", "a"), (BASE, "pt_BR", "a"), (BASE, "en", ""),
                (BASE, "en", "a b")]:
        with pytest.raises(ValueError):
            make_item_id(*bad)


def test_rss_channel_link_is_home_page_and_item_link_is_page(channel: Channel) -> None:
    chan = xml(render_rss(channel, True)).find("channel")
    assert chan is not None
    assert chan.findtext("link") == channel.home_url
    assert [i.findtext("link") for i in chan.iterfind("item")] == [i.url for i in channel.items]
    parsed = feedparser.parse(render_rss(channel, True))
    assert parsed.feed.link == channel.home_url


def test_atom_entry_links_keep_rel_and_hreflang(channel: Channel) -> None:
    for entry, item in zip(xml(render_atom(channel, True)).findall("atom:entry", NS),
                           channel.items, strict=True):
        links = entry.findall("atom:link", NS)
        assert all(link.get("rel") == "alternate" and link.get("type") == "text/html"
                   for link in links)
        pairs = [(link.get("hreflang"), link.get("href")) for link in links]
        # the page itself first (most readers) and last, without hreflang (feedparser)
        assert pairs[0] == (channel.lang_tag, item.url)
        assert pairs[-1] == (None, item.url)
        assert sorted(pairs[1:-1]) == sorted((a.lang_tag, a.url) for a in item.alternates)
    for data in (render_atom(channel, True), render_rss(channel, True)):
        parsed = feedparser.parse(data)
        assert [e.link for e in parsed.entries] == [i.url for i in channel.items]
        hreflangs = {link.get("hreflang") for link in parsed.entries[0].links}
        assert {a.lang_tag for a in channel.items[0].alternates} <= hreflangs


def alternates_unique(root: etree._Element, parent_tag: str) -> None:
    for parent in root.iter(parent_tag):
        keys = [(link.get("type"), link.get("hreflang"))
                for link in parent.findall("atom:link", NS) if link.get("rel") == "alternate"]
        assert len(keys) == len(set(keys)), keys


def test_no_duplicate_alternates_even_with_duplicate_input() -> None:
    channel = make_channel("pt-BR")
    item = channel.items[0]
    dup = item.alternates + (Alternate("en", "https://elsewhere.example/"),
                             Alternate("pt-BR", "https://self.example/"))
    items = (FeedItem(**{**item.__dict__, "alternates": dup}),) + channel.items[1:]
    channel = Channel(**{**channel.__dict__, "items": items,
                         "alternates": channel.alternates + channel.alternates[:1]})
    for data in (render_atom(channel, True), render_rss(channel, True)):
        root = xml(data)
        for tag in (f"{{{NS['atom']}}}feed", f"{{{NS['atom']}}}entry", "channel", "item"):
            alternates_unique(root, tag)
    hrefs = [link.get("href") for link in xml(render_atom(channel, True)).iter(f"{{{NS['atom']}}}link")]
    assert "https://elsewhere.example/" not in hrefs and "https://self.example/" not in hrefs


def test_feed_links_other_languages_and_authors(channel: Channel) -> None:
    root = xml(render_atom(channel, True))
    feed_links = {(link.get("rel"), link.get("type"), link.get("hreflang")): link.get("href")
                  for link in root.findall("atom:link", NS)}
    assert feed_links[("alternate", "text/html", channel.lang_tag)] == channel.home_url
    for alt in channel.alternates:
        assert feed_links[("alternate", "application/atom+xml", alt.lang_tag)] == alt.url
    assert root.findtext("atom:author/atom:name", namespaces=NS) == channel.author
    assert root.findtext("atom:entry/atom:author/atom:name", namespaces=NS) == "Ana 🌻"
    creators = xml(render_rss(channel, True)).findall(
        "channel/item/{http://purl.org/dc/elements/1.1/}creator")
    assert [c.text for c in creators] == ["Ana 🌻", channel.author, channel.author]


def self_and_hub(data: bytes, parent: str) -> dict[str, str]:
    root = xml(data)
    where = root.find(parent) if parent else root
    assert where is not None
    return {link.get("rel"): link.get("href") for link in where.findall("atom:link", NS)
            if link.get("rel") in ("self", "hub")}


@pytest.mark.parametrize("hub", [HUB, None])
def test_self_and_hub_links(hub: str | None) -> None:
    channel = make_channel("ar", hub)
    expected_rss = {"self": channel.rss_url} | ({"hub": hub} if hub else {})
    expected_atom = {"self": channel.atom_url} | ({"hub": hub} if hub else {})
    assert self_and_hub(render_rss(channel, True), "channel") == expected_rss
    assert self_and_hub(render_atom(channel, True), "") == expected_atom
    feed = json.loads(render_json_feed(channel, True))
    assert feed["feed_url"] == channel.json_url
    assert feed.get("hubs") == ([{"type": "WebSub", "url": hub}] if hub else None)


# --- determinism, generator ----------------------------------------------------------

def test_same_input_same_bytes() -> None:
    for lang in LANGS:
        for render in (render_rss, render_atom, render_json_feed):
            for full in (True, False):
                assert render(make_channel(lang, HUB), full) == render(make_channel(lang, HUB), full)
    assert render_opml("T", [make_channel(x) for x in LANGS]) == \
        render_opml("T", [make_channel(x) for x in LANGS])


def test_generator_pinned_without_version(channel: Channel) -> None:
    rss = xml(render_rss(channel, True))
    assert rss.findtext("channel/generator") == "twp-i18n"
    generator = xml(render_atom(channel, True)).find("atom:generator", NS)
    assert generator is not None and generator.text == "twp-i18n" and not generator.attrib


def test_bad_language_tag_rejected() -> None:
    channel = make_channel("en")
    for bad in (Channel(**{**channel.__dict__, "lang_tag": "pt_BR"}),
                Channel(**{**channel.__dict__, "alternates": (Alternate("english", BASE),)})):
        for render in (render_rss, render_atom):
            with pytest.raises(ValueError):
                render(bad, True)
    with pytest.raises(ValueError):
        render_json_feed(Channel(**{**channel.__dict__, "lang_tag": ""}), True)
    with pytest.raises(ValueError):
        render_opml("T", [Channel(**{**channel.__dict__, "lang_tag": "english"})])


# --- BCP 47 --------------------------------------------------------------------------

@pytest.mark.parametrize("tag", ["ckb", "pt-BR", "zh-Hant-TW", "sr-Latn", "ar", "en", "es-419",
                                 "de-CH-1901", "en-US-u-ca-gregory", "zh-yue-HK", "x-default",
                                 "en-x-twp", "PT-br"])
def test_bcp47_accepts(tag: str) -> None:
    assert is_valid_bcp47(tag)


@pytest.mark.parametrize("tag", ["pt_BR", "", "english", "e", "en-", "-en", "en--US", "en US",
                                 "en-US\n", "zh-Hant-TW-", "en-a", "pt-BRA1", "x", "12"])
def test_bcp47_rejects(tag: str) -> None:
    assert not is_valid_bcp47(tag)


@given(st.text(max_size=20))
def test_bcp47_never_crashes_and_valid_tags_are_ascii(tag: str) -> None:
    if is_valid_bcp47(tag):
        assert tag.isascii() and "_" not in tag and tag.strip() == tag


# --- sitemap and OPML ----------------------------------------------------------------

def test_sitemap_hreflang_alternates() -> None:
    pages = []
    for slug in SLUGS:
        alts = tuple(Alternate(lang, page(lang, slug)) for lang in LANGS) + \
            (Alternate("x-default", page("en", slug)),)
        for lang in LANGS:
            pages.append((page(lang, slug), alts, datetime(2026, 3, 1, 12, tzinfo=UTC)))
    pages.append((BASE, (), None))
    data = render_sitemap(pages)
    assert data == render_sitemap(pages)
    root = xml(data)
    urls = root.findall("sm:url", NS)
    assert len(urls) == 13
    first = urls[0]
    assert first.findtext("sm:loc", namespaces=NS) == page("ar", SLUGS[0])
    assert datetime.fromisoformat(first.findtext("sm:lastmod", namespaces=NS)) == \
        datetime(2026, 3, 1, 12, tzinfo=UTC)
    links = first.findall("xhtml:link", NS)
    assert all(link.get("rel") == "alternate" for link in links)
    assert [link.get("hreflang") for link in links] == list(LANGS) + ["x-default"]
    assert urls[-1].find("sm:lastmod", NS) is None
    with pytest.raises(ValueError):
        render_sitemap([(BASE, (Alternate("pt_BR", BASE),), None)])


def test_opml_lists_every_languages_feeds() -> None:
    channels = [make_channel(lang) for lang in LANGS]
    root = xml(render_opml("Tapering Commons — feeds", channels))
    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == "Tapering Commons — feeds"
    feeds = {(o.get("language"), o.get("xmlUrl")) for o in root.iter("outline") if o.get("xmlUrl")}
    expected = {(c.lang_tag, url) for c in channels for url in (c.rss_url, c.atom_url, c.json_url)}
    assert feeds == expected
    assert all(o.get("type") == "rss" and o.get("text") for o in root.iter("outline")
               if o.get("xmlUrl"))


def test_an_article_at_the_size_bound_makes_valid_feeds() -> None:
    """An article just under ``[limits] max_article_bytes`` of '&' becomes a text node of more
    than libxml2's 10 MB default limit once escaped twice; the feeds must still be made."""
    channel = make_channel("es")
    body = "<p>" + "&amp;" * 2_000_000 + "</p>"
    big = FeedItem(**{**channel.items[0].__dict__, "content_html": body})
    channel = Channel(**{**channel.__dict__, "items": (big,)})
    for render in (render_rss, render_atom):
        data = render(channel, True)
        root = etree.fromstring(data, etree.XMLParser(huge_tree=True, resolve_entities=False))
        assert len(data) > 10_000_000 and root is not None
