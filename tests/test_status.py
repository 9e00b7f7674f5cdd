"""``twp status``: counts agree with msgfmt, words follow the documented rule."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess

import pytest

from twp_i18n.catalog import pofile
from twp_i18n.catalog.extract import extract
from twp_i18n.catalog.status import catalog_counts, site_status
from twp_i18n.catalog.update import update
from twp_i18n.config import load_config
from twp_i18n.errors import CatalogError
from twp_i18n.source.segments import word_count

from .conftest import gettext_tool


@pytest.mark.parametrize("text, words", [
    ("Plain words here.", 3),
    ("**Bold** and *emphasis* count as words.", 6),
    ("A [link text](https://example.org/long/path) here.", 4),
    ("See https://example.org/x for more.", 3),
    ("Visit WwW.Example.org or MAILTO:a@b.org today", 3),
    ("Code `like_this()` is not a word.", 5),
    ("<b>Tagged</b> words.", 2),
    ("Numbers 1 and 2026 count.", 5),
    ("— dash alone", 2),
    ("![alt words](a.png)", 2),
    ("-- … ** ² Ⅻ", 0),  # no letter or decimal digit: superscripts and numerals are not
    ("٣ أيام ـ and x² 3", 6),  # an Arabic digit, letters, tatweel (a letter), x², 3
    ("über\u00a0straße —\u2003é", 3),  # no-break and em spaces separate words
])
def test_word_rule(text, words):
    assert word_count(text) == words


@pytest.fixture
def translated_demo(demo_site):
    """The demo site with its catalogs present, some entries translated, some fuzzy."""
    config = load_config(demo_site)
    extract(config)
    update(config)
    path = demo_site / "locales/de/LC_MESSAGES/our-values.po"
    po = pofile.read_po(path)
    for i, entry in enumerate(po):
        if i % 3 == 0:
            entry.msgstr = "Übersetzt"
        elif i % 3 == 1:
            entry.msgstr = "Ungefähr"
            entry.flags.append("fuzzy")
    pofile.write_po(path, po)
    return demo_site


def test_counts_agree_with_msgfmt_statistics(translated_demo):
    msgfmt = gettext_tool("msgfmt")
    config = load_config(translated_demo)
    for status in site_status(config):
        for cat in status.catalogs:
            if not cat.exists:
                continue
            out = subprocess.run([msgfmt, "--statistics", "-o", "/dev/null",
                                  str(translated_demo / cat.path)],
                                 capture_output=True, text=True, check=True).stderr
            numbers = {kind: int(n) for n, kind in re.findall(
                r"(\d+) (translated|fuzzy|untranslated)", out)}
            c = cat.counts
            assert (c.translated, c.fuzzy, c.untranslated) == (
                numbers.get("translated", 0), numbers.get("fuzzy", 0),
                numbers.get("untranslated", 0)), cat.path


def test_fuzzy_counts_as_untranslated_for_publishing(translated_demo):
    config = load_config(translated_demo)
    [de] = site_status(config, languages=["de"], articles=["our-values"])
    [cat] = de.catalogs
    assert cat.counts.translated > 0 and cat.counts.fuzzy > 0
    assert cat.counts.percent == 100 * cat.counts.translated_words / cat.counts.words
    assert not cat.publishable


def test_json_csv_markdown_formats(translated_demo, twp):
    result = twp("--site", translated_demo, "status", "--format", "json", "--lang", "de")
    assert result.code == 0, result
    data = json.loads(result.out)
    assert data["min_percent"] == 80
    [de] = data["languages"]
    assert de["language"] == "de"
    assert set(de) >= {"units", "words", "translated", "fuzzy", "untranslated", "obsolete",
                       "percent", "articles_published", "articles_total", "catalogs"}
    values = next(c for c in de["catalogs"] if c["article"] == "our-values")
    assert values["fuzzy"] > 0 and values["publishable"] is False
    rows = list(csv.DictReader(io.StringIO(
        twp("--site", translated_demo, "status", "-f", "csv", "-l", "de").out)))
    assert {r["article"] for r in rows} >= {"our-values", "site", "(all)"}
    md = twp("--site", translated_demo, "status", "-f", "markdown", "-a", "our-values").out
    assert "| de | our-values |" in md


def test_table_reads_at_a_glance(translated_demo, twp):
    out = twp("--site", translated_demo, "status").out
    assert re.search(r"^de\s+█*░+\s+\d+\.\d", out, re.M)
    assert "\x1b[" not in out  # no colour codes when piped


def test_fail_under_is_a_quality_gate(translated_demo, twp):
    assert twp("--site", translated_demo, "status", "--fail-under", "0").code == 0
    result = twp("--site", translated_demo, "status", "--fail-under", "95", "-l", "de")
    assert result.code == 1
    assert "below 95%: de" in result.err


def test_unknown_language_or_article_is_exit_2(translated_demo, twp):
    result = twp("--site", translated_demo, "status", "--lang", "it")
    assert result.code == 2 and "'it' is not in [site] languages" in result.err
    result = twp("--site", translated_demo, "status", "--article", "nope")
    assert result.code == 2 and "no article 'nope'" in result.err


def test_obsolete_entries_counted_apart(translated_demo):
    po = pofile.read_po(translated_demo / "locales/de/LC_MESSAGES/our-values.po")
    live = catalog_counts(po)
    assert live.obsolete == 0
    po[0].obsolete = True
    after = catalog_counts(po)
    assert after.obsolete == 1 and after.units == live.units - 1


def test_counting_in_parallel_processes_gives_the_same_status_and_errors(translated_demo,
                                                                         monkeypatch):
    import twp_i18n.catalog.status as status_module

    config = load_config(translated_demo)
    serial = [s.as_dict() for s in site_status(config, remember=False)]
    monkeypatch.setattr(status_module, "PARALLEL_COUNT_MIN", 0)
    parallel = [s.as_dict() for s in site_status(config, remember=False)]
    assert parallel == serial
    for lang in ("fr", "de"):  # two broken catalogs: the first in language order is named
        broken = translated_demo / f"locales/{lang}/LC_MESSAGES/site.po"
        broken.write_text(broken.read_text(encoding="utf-8") + '\nmsgid "x"\n', encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        site_status(config)
    first = config.languages[min(config.languages.index("fr"), config.languages.index("de"))]
    assert caught.value.path == f"locales/{first}/LC_MESSAGES/site.po"
    assert caught.value.line is not None
