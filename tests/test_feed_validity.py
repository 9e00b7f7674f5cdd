"""The demo's feeds as readers and validators meet them.

The W3C Feed Validator is on no package registry, so CI holds the feeds to what it
checks in other ways: feedparser without ``bozo``, the Atom feeds against RFC 4287's
RELAX NG schema (``tests/data/atom-rfc4287.rng``) and its Schematron rules, and one test
per warning the validator gave on the demo ("Two entries with the same value for
atom:updated", "Self reference doesn't match document location").
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from twp_i18n.config import load_config
from twp_i18n.publish.build import build

from .conftest import REPO

ATOM = "http://www.w3.org/2005/Atom"
NS = {"atom": ATOM}
SCHEMA = REPO / "tests/data/atom-rfc4287.rng"
LANG_DIRS = ("en", "es", "fr", "de", "pt-br", "ar")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    shutil.copy(REPO / "twp.toml", root / "twp.toml")
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "locales", root / "locales")
    build(load_config(root))
    return root / "dist"


def feeds_of(dist: Path, name: str) -> list[Path]:
    found = [dist / lang / name for lang in LANG_DIRS if (dist / lang / name).is_file()]
    assert len(found) == len(LANG_DIRS), "every language with articles has its feeds"
    return found


def test_feedparser_reads_every_feed_without_complaint(dist: Path) -> None:
    for path in feeds_of(dist, "atom.xml") + feeds_of(dist, "rss.xml"):
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.entries, path
        assert all(entry.get("id") and entry.get("title") for entry in parsed.entries), path


def test_atom_feeds_match_the_rfc_4287_schema(dist: Path) -> None:
    schema = etree.RelaxNG(etree.parse(str(SCHEMA)))
    for path in feeds_of(dist, "atom.xml"):
        doc = etree.parse(str(path))
        assert schema.validate(doc), (path, schema.error_log)
        # the Schematron rules of the RFC's schema, which RELAX NG validators ignore
        feed = doc.getroot()
        for entry in feed.iterfind("atom:entry", NS):
            assert entry.find("atom:link[@rel='alternate']", NS) is not None
            assert entry.find("atom:author", NS) is not None or feed.find("atom:author", NS) is not None


def test_the_schema_refuses_an_entry_without_id() -> None:
    """The vendored schema does check: a feed missing a required element fails."""
    schema = etree.RelaxNG(etree.parse(str(SCHEMA)))
    bad = etree.fromstring(
        f'<feed xmlns="{ATOM}"><id>x:1</id><title>t</title><updated>2026-01-01T00:00:00Z</updated>'
        f'<author><name>a</name></author><entry><title>e</title>'
        f'<updated>2026-01-01T00:00:00Z</updated></entry></feed>'.encode())
    assert not schema.validate(bad)


def test_no_two_entries_of_a_feed_share_their_updated_date(dist: Path) -> None:
    """The validator's warning "Two entries with the same value for atom:updated": each
    translation is dated by its own catalog's history, not by a date its catalogs share."""
    for path in feeds_of(dist, "atom.xml"):
        updated = [e.text for e in etree.parse(str(path)).iterfind("atom:entry/atom:updated", NS)]
        assert len(updated) == len(set(updated)), (path, updated)


def test_self_links_are_where_the_feeds_are_served(dist: Path) -> None:
    """The validator's "Self reference doesn't match document location" (seen when a feed
    is checked away from its address): the self link is the feed's own URL on the site."""
    config = load_config(dist.parent)
    for path in feeds_of(dist, "atom.xml"):
        rel = path.relative_to(dist).as_posix()
        selfs = etree.parse(str(path)).xpath("/atom:feed/atom:link[@rel='self']/@href", namespaces=NS)
        assert selfs == [config.base_url + rel]
    for path in feeds_of(dist, "rss.xml"):
        rel = path.relative_to(dist).as_posix()
        selfs = etree.parse(str(path)).xpath("//atom:link[@rel='self']/@href", namespaces=NS)
        assert selfs == [config.base_url + rel]


def test_a_partly_translated_german_entry_shows_the_notice_in_a_reader(dist: Path) -> None:
    """feedparser's view of the content: the page's notice, in German, comes first."""
    for name in ("atom.xml", "rss.xml"):
        parsed = feedparser.parse((dist / "de" / name).read_bytes())
        entry = next(e for e in parsed.entries if e.link.endswith("/de/coping-with-sleep-problems/"))
        html = entry.content[0].value
        assert 'lang="en"' in html  # the paragraph still in English
        assert html.startswith('<p class="notice">Ein Teil dieses Artikels ist noch nicht übersetzt')
        assert 'href="https://demo.example.org/en/how-to-help-translate/"' in html
        finished = next(e for e in parsed.entries if e.link.endswith("/de/our-values/"))
        assert 'class="notice"' not in finished.content[0].value


def test_arabic_entries_are_right_to_left(dist: Path) -> None:
    for name in ("atom.xml", "rss.xml"):
        parsed = feedparser.parse((dist / "ar" / name).read_bytes())
        assert parsed.entries
        for entry in parsed.entries:
            assert entry.content[0].value.startswith('<div dir="rtl" lang="ar">'), entry.link
    items = json.loads((dist / "ar/feed.json").read_bytes())["items"]
    assert all(item["content_html"].startswith('<div dir="rtl" lang="ar">') for item in items)
    german = feedparser.parse((dist / "de/atom.xml").read_bytes())
    assert not any('dir="rtl"' in e.content[0].value for e in german.entries)


def test_json_feed_carries_the_rights_statement_where_readers_show_it(dist: Path) -> None:
    rights = load_config(dist.parent).feeds.rights
    assert rights
    feed = json.loads((dist / "de/feed.json").read_bytes())
    assert rights in feed["description"]
    for item in feed["items"]:
        assert item["content_html"].endswith(f'<p class="rights" lang="en" dir="auto">{rights}</p>\n')
    atom = etree.parse(str(dist / "de/atom.xml")).getroot()
    statement = atom.find("atom:rights", NS)
    assert statement is not None and statement.text == rights
    assert statement.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


def test_a_new_translation_of_an_old_article_is_first_in_its_feed(dist: Path) -> None:
    """German readers learn that "About this library" (English: 2025) now exists in German."""
    parsed = feedparser.parse((dist / "de/atom.xml").read_bytes())
    first = parsed.entries[0]
    assert first.link.endswith("/de/about-this-library/")
    assert first.published.startswith("2026-10-18")  # when the German translation was published
    english = feedparser.parse((dist / "en/atom.xml").read_bytes())
    original = next(e for e in english.entries if e.link.endswith("/en/about-this-library/"))
    assert original.published.startswith("2025-09-12")
    assert english.entries[0] is not original
