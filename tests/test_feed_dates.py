"""Feed dates come from the content: ``locales/dates.json``, kept by update and sync.

A translated entry is published when its translation first reached the threshold and
updated when its text last changed (by its catalog's ``PO-Revision-Date`` at that
moment); an editor re-saving a catalog changes nothing; the clock, the time zone, the
locale, the folder and the files' times never reach the output.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import feedparser
import pytest
from lxml import etree
from lxml import html as lxml_html

from twp_i18n.catalog import pofile
from twp_i18n.catalog.dates import read_dates
from twp_i18n.catalog.extract import extract
from twp_i18n.catalog.workflow import update_catalogs
from twp_i18n.config import load_config
from twp_i18n.publish.build import build

from .conftest import REPO, article, snapshot

CONFIG = """\
[site]
title = "Test Site"
base_url = "https://example.org/"
source_language = "en"
languages = ["es"]

[publish]
min_percent = 80
"""


def translate(site: Path, slug: str, revision: str, suffix: str = "") -> None:
    """Translate every entry of the Spanish catalog of ``slug``, saved at ``revision``."""
    path = site / f"locales/es/LC_MESSAGES/{slug}.po"
    po = pofile.read_po(path)
    for entry in po:
        entry.msgstr = f"ES {entry.msgid}{suffix}"
    po.metadata["PO-Revision-Date"] = revision
    pofile.write_po(path, po)


def dated_site(make_site, config: str = CONFIG) -> Path:
    """An old and a new article; the new one's Spanish translation recorded on 2026-04-10."""
    root = make_site({
        "content/en/old.md": article("An old article", "2024-03-01", "Old text.\n"),
        "content/en/new.md": article("A new article", "2026-04-01", "New text.\n"),
    }, config=config)
    loaded = load_config(root)
    extract(loaded)
    update_catalogs(loaded)
    translate(root, "new", "2026-04-10 08:00+0000")
    update_catalogs(loaded)
    return root


@pytest.fixture
def site(make_site) -> Path:
    return dated_site(make_site)


def spanish_feed(site: Path) -> list[feedparser.FeedParserDict]:
    build(load_config(site))
    return feedparser.parse((site / "dist/es/atom.xml").read_bytes()).entries


def test_a_new_translation_of_an_old_article_comes_first(site: Path) -> None:
    assert [e.link.rsplit("/", 2)[-2] for e in spanish_feed(site)] == ["new"]
    translate(site, "old", "2026-05-20 18:30+0200")
    report, dates = update_catalogs(load_config(site))
    assert dates.published == ["es/old"] and dates.written
    entries = spanish_feed(site)
    assert [e.link.rsplit("/", 2)[-2] for e in entries] == ["old", "new"]
    assert entries[0].published == "2026-05-20T16:30:00+00:00"  # in UTC
    assert entries[0].updated == "2026-05-20T16:30:00+00:00"
    english = feedparser.parse((site / "dist/en/atom.xml").read_bytes()).entries
    assert [e.link.rsplit("/", 2)[-2] for e in english] == ["new", "old"]


def test_re_saving_a_catalog_changes_no_date_and_no_feed(site: Path) -> None:
    spanish_feed(site)
    before = snapshot(site / "dist")
    record = (site / "locales/dates.json").read_bytes()
    path = site / "locales/es/LC_MESSAGES/new.po"
    po = pofile.read_po(path)
    po.metadata["PO-Revision-Date"] = "2026-09-30 23:59+0000"  # the editor saved it again
    pofile.write_po(path, po)
    assert not update_catalogs(load_config(site))[1].written
    assert (site / "locales/dates.json").read_bytes() == record
    spanish_feed(site)
    assert snapshot(site / "dist") == before


def test_a_changed_translation_moves_updated_but_not_published(site: Path) -> None:
    translate(site, "new", "2026-06-02 09:00+0000", suffix=" (revisado)")
    dates = update_catalogs(load_config(site))[1]
    assert dates.changed == ["es/new"] and not dates.published
    record = read_dates(load_config(site))["es"]["new"]
    assert record.published.isoformat() == "2026-04-10T08:00:00+00:00"
    assert record.changed.isoformat() == "2026-06-02T09:00:00+00:00"
    entry = spanish_feed(site)[0]
    assert (entry.published, entry.updated) == ("2026-04-10T08:00:00+00:00",
                                                "2026-06-02T09:00:00+00:00")


def test_an_unpublishable_translation_is_not_recorded_and_a_record_is_kept(site: Path) -> None:
    config = load_config(site)
    assert "old" not in read_dates(config)["es"]
    path = site / "locales/es/LC_MESSAGES/new.po"
    po = pofile.read_po(path)
    for entry in po:
        entry.msgstr = ""  # the translation falls below the threshold
    pofile.write_po(path, po)
    update_catalogs(config)
    assert read_dates(config)["es"]["new"].published.isoformat() == "2026-04-10T08:00:00+00:00"


def test_the_record_is_stable_json_in_utc(site: Path) -> None:
    text = (site / "locales/dates.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert data["es"]["new"]["published"] == "2026-04-10T08:00:00+00:00"


def test_a_broken_record_is_reported_and_the_feeds_use_the_english_dates(site: Path, twp) -> None:
    (site / "locales/dates.json").write_text("{not json", encoding="utf-8")
    result = twp("--site", site, "build")
    assert result.code == 1
    assert "locales/dates.json" in result.err and "Traceback" not in result.err
    entry = feedparser.parse((site / "dist/es/atom.xml").read_bytes()).entries[0]
    assert entry.published == "2026-04-01T00:00:00+00:00"


def test_a_record_with_a_merge_conflict_is_left_as_it_is(site: Path, twp) -> None:
    path = site / "locales/dates.json"
    text = path.read_text(encoding="utf-8")
    conflicted = text.replace('  "es": {', '<<<<<<< HEAD\n  "es": {\n=======\n>>>>>>> theirs', 1)
    path.write_text(conflicted, encoding="utf-8")
    translate(site, "old", "2026-05-20 18:30+0200")
    for command in ("update", "sync"):
        result = twp("--site", site, command)
        assert result.code == 1, result
        assert "Traceback" not in result.err
        [printed] = [line for line in result.err.splitlines() if "locales/dates.json" in line]
        assert printed.startswith("locales/dates.json:") and printed.endswith("[dates-unreadable]")
        assert path.read_text(encoding="utf-8") == conflicted  # its history is not lost


def test_without_a_record_the_english_dates_are_used(site: Path) -> None:
    (site / "locales/dates.json").unlink()
    entry = spanish_feed(site)[0]
    assert (entry.published, entry.updated) == ("2026-04-01T00:00:00+00:00",) * 2


def test_two_clean_builds_on_two_machines_agree_byte_for_byte(tmp_path: Path) -> None:
    """The demo built in two folders, from different working folders, under different time
    zones and locales, with files of different times: the same bytes."""
    outputs = []
    for n, (tz, lang) in enumerate((("UTC", "C.UTF-8"), ("Pacific/Kiritimati", "de_DE.UTF-8"))):
        root = tmp_path / f"machine{n}" / "site"
        root.mkdir(parents=True)
        shutil.copy(REPO / "twp.toml", root / "twp.toml")
        for folder in ("content", "locales"):
            shutil.copytree(REPO / folder, root / folder)
        stamp = 1_000_000_000 + n * 123_456_789
        for path in root.rglob("*"):
            os.utime(path, (stamp, stamp))
        cwd = root / "content" if n else root
        env = {**os.environ, "TZ": tz, "LANG": lang, "LC_ALL": lang}
        done = subprocess.run([sys.executable, "-m", "twp_i18n", "build", "--jobs", str(n + 1)],
                              cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        outputs.append(snapshot(root / "dist"))
    assert outputs[0].keys() == outputs[1].keys()
    assert [rel for rel in outputs[0] if outputs[0][rel] != outputs[1][rel]] == []


def test_a_translated_page_shows_the_update_its_feed_entry_gives(site: Path) -> None:
    translate(site, "new", "2026-06-02 09:00+0000", suffix=" (revisado)")
    update_catalogs(load_config(site))
    entry = spanish_feed(site)[0]
    page = lxml_html.fromstring((site / "dist/es/new/index.html").read_bytes())
    shown = page.xpath("//p[@class='meta']/time/@datetime")
    assert shown == [entry.published[:10], entry.updated[:10]] == ["2026-04-10", "2026-06-02"]
    english = lxml_html.fromstring((site / "dist/en/new/index.html").read_bytes())
    assert english.xpath("//p[@class='meta']/time/@datetime") == ["2026-04-01"]


def test_a_translated_page_is_published_when_its_feed_entry_says(site: Path) -> None:
    """The Spanish page of an English article of 2026-04-01 translated on 2026-04-10
    says it was published on 2026-04-10, in Spanish, and (never changed since) no update."""
    entry = spanish_feed(site)[0]
    page = lxml_html.fromstring((site / "dist/es/new/index.html").read_bytes())
    times = page.xpath("//p[@class='meta']/time")
    assert [t.get("datetime") for t in times] == [entry.published[:10]] == ["2026-04-10"]
    assert "10" in times[0].text_content() and "2026" in times[0].text_content()
    with zipfile.ZipFile(site / "dist/bundles/es.epub") as book:
        chapter = etree.fromstring(book.read("EPUB/chapter-1.xhtml"))
    assert chapter.xpath("//*[@class='meta']/*[local-name()='time']/@datetime") == ["2026-04-10"]


def test_a_language_index_lists_its_newest_translation_first_with_its_date(site: Path) -> None:
    """The Spanish index says what its feed says: the old article translated last is on top,
    dated when its translation was published, not with the English date of 2024."""
    translate(site, "old", "2026-05-20 18:30+0200")
    update_catalogs(load_config(site))
    entries = spanish_feed(site)
    index = lxml_html.fromstring((site / "dist/es/index.html").read_bytes())
    listed = [(a.get("href").split("/")[0], t) for a, t in zip(
        index.xpath("//ol[@class='articles']//h2/a"),
        index.xpath("//ol[@class='articles']//time/@datetime"), strict=True)]
    assert listed == [(e.link.rsplit("/", 2)[-2], e.published[:10]) for e in entries]
    assert listed == [("old", "2026-05-20"), ("new", "2026-04-10")]
    english = lxml_html.fromstring((site / "dist/en/index.html").read_bytes())
    assert english.xpath("//ol[@class='articles']//time/@datetime") == ["2026-04-01", "2024-03-01"]
