"""``twp status`` answered from file signatures: the same bytes as counting, and never an
answer once something it depends on has changed.

The tests *poison* the record (the counts it keeps are replaced by ones no catalog has),
check that a status prints the poison (so the record really answers), then change one
input: a status must then print the truth (what a status with no record prints).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twp_i18n.catalog import pofile, quickstatus, report
from twp_i18n.catalog.counts import CatalogStatus, Counts, LanguageStatus
from twp_i18n.catalog.extract import extract
from twp_i18n.catalog.update import update
from twp_i18n.config import load_config
from twp_i18n.machinery import stamps

POISON = 987654
RECORD = quickstatus.CACHE_PATH


@pytest.fixture
def site(demo_site):
    """The demo site with its catalogs, some entries translated or fuzzy, counted once."""
    config = load_config(demo_site)
    extract(config)
    update(config)
    path = demo_site / "locales/de/LC_MESSAGES/our-values.po"
    po = pofile.read_po(path)
    for i, entry in enumerate(po):
        if i % 2 == 0:
            entry.msgstr = "Übersetzt"
    pofile.write_po(path, po)
    return demo_site


@pytest.fixture(params=["racy", "settled"])
def clock(request, monkeypatch):
    """``racy``: files were just written, so their signatures are checked against their
    bytes; ``settled``: the record was taken long after they were (signatures alone)."""
    if request.param == "settled":
        later = time.time_ns() + 3600 * 10**9
        monkeypatch.setattr(stamps, "now", lambda: later)
    return request.param


def truth(twp, site: Path, *args: str) -> str:
    """What a status prints when it has to count (no record), leaving a fresh record."""
    (site / RECORD).unlink(missing_ok=True)
    result = twp("--site", site, "status", *args)
    assert (site / RECORD).is_file()
    return result.out


def poison(site: Path) -> None:
    record = json.loads((site / RECORD).read_bytes())
    for section in record["langs"].values():
        for n, row in enumerate(section["rows"]):
            row[3][2] = 0 if n else POISON  # translated units: the total shows it too
    (site / RECORD).write_text(json.dumps(record), encoding="utf-8")


def poisoned(twp, site: Path, *args: str) -> str:
    """A status with a poisoned record, checked to print the poison."""
    truth(twp, site, *args)
    poison(site)
    out = twp("--site", site, "status", *args).out
    assert str(POISON) in out
    return out


def answered_quickly(monkeypatch) -> None:
    """Make the typer application fail if a status has to be run the long way."""
    import twp_i18n.cli.app as app

    def refuse(argv=None):
        raise AssertionError(f"run the long way: {argv}")

    monkeypatch.setattr(app, "main", refuse)


@pytest.mark.parametrize("args", [
    (), ("-f", "json"), ("--format=csv",), ("-f", "markdown"), ("-v",), ("--lang", "de"),
    ("-l", "de", "-l", "es"), ("--article", "our-values"), ("-a", "site", "-f", "json"),
    ("--fail-under", "95"), ("--fail-under=0.5", "-l", "fr"),
])
def test_the_record_answers_with_the_same_bytes(site, twp, clock, monkeypatch, args):
    (site / RECORD).unlink(missing_ok=True)
    counted = twp("--site", site, "status", *args)  # counted: there is no record
    twp("--site", site, "status")  # leaves one
    assert (site / RECORD).is_file()
    answered_quickly(monkeypatch)
    again = twp("--site", site, "status", *args)
    assert (again.code, again.out, again.err) == (counted.code, counted.out, counted.err)


def test_global_options_after_the_command_and_site_from_the_folder(site, twp, monkeypatch):
    counted = truth(twp, site)
    answered_quickly(monkeypatch)
    monkeypatch.chdir(site / "content")
    assert twp("status", "-q", "--debug").out == counted


@pytest.mark.parametrize("args", [
    ("--help",), ("--format", "JSON"), ("-fjson",), ("--lang", "it"), ("--lang", "pt-BR"),
    ("--article", "nope"), ("--fail-under", "much"), ("extra",), ("--format",),
    ("-f", "json", "-f", "csv"),
])
def test_anything_else_goes_the_long_way(site, twp, monkeypatch, args):
    truth(twp, site)
    poison(site)
    import twp_i18n.cli.app as app

    calls = []
    real = app.main
    monkeypatch.setattr(app, "main", lambda argv=None: calls.append(argv) or real(argv))
    result = twp("--site", site, "status", *args)
    assert calls and str(POISON) not in result.out + result.err


def test_a_catalog_edited_in_place_with_the_same_size(site, twp, clock):
    poisoned(twp, site)
    path = site / "locales/de/LC_MESSAGES/our-values.po"
    data = path.read_bytes()
    before = os.stat(path)
    edited = data.replace(b'msgstr "\xc3\x9cbersetzt"', b'msgstr "Ubersetzt!"', 1)
    assert edited != data and len(edited) == len(data)
    with open(path, "r+b") as handle:  # the same file, its times put back
        handle.write(edited)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert twp("--site", site, "status", "-v").out == truth(twp, site, "-v")


@pytest.mark.parametrize("change", ["translated", "created", "removed", "template", "config",
                                    "glossary", "new-article", "language-added"])
def test_a_change_is_noticed(site, twp, clock, change):
    poisoned(twp, site, "-v")
    config = load_config(site)
    catalog = site / "locales/fr/LC_MESSAGES/our-values.po"
    if change == "translated":
        po = pofile.read_po(catalog)
        po[0].msgstr = ""  # no longer translated
        assert pofile.write_po(catalog, po)
    elif change == "created":
        catalog.unlink()
        truth(twp, site, "-v")
        poison(site)
        shutil.copy(site / "locales/de/LC_MESSAGES/our-values.po", catalog)
    elif change == "removed":
        catalog.unlink()
    elif change == "template":
        article = site / "content/en/our-values.md"
        article.write_text(article.read_text(encoding="utf-8") + "\nA new closing line.\n",
                           encoding="utf-8")
        extract(config)
    elif change == "config":
        toml = site / "twp.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace("min_percent = 80",
                                                                 "min_percent = 10"),
                        encoding="utf-8")
    elif change == "glossary":
        (site / "locales/fr/glossary.csv").write_text("source,target,do_not_translate\nvalues,valeurs,\n",
                                                      encoding="utf-8")
    elif change == "new-article":
        (site / "content/en/a-new-one.md").write_text(
            '---\ntitle: "A new one"\ndate: 2026-02-01\n---\n\nFresh words.\n', encoding="utf-8")
        extract(config)
    else:
        toml = site / "twp.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace('"ja"]', '"ja", "it"]'),
                        encoding="utf-8")
    assert str(POISON) not in twp("--site", site, "status", "-v").out
    assert twp("--site", site, "status", "-v").out == truth(twp, site, "-v")


def test_an_article_edited_but_not_extracted_counts_as_before(site, twp, clock):
    """The status counts an article's units from its template: until ``twp extract``, an
    edit of the article changes nothing (whether counted or answered)."""
    before = truth(twp, site, "-v")
    article = site / "content/en/our-values.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nA new closing line.\n",
                       encoding="utf-8")
    assert twp("--site", site, "status", "-v").out == before == truth(twp, site, "-v")


def test_other_code_or_libraries_are_noticed(site, twp, monkeypatch):
    poisoned(twp, site)
    real = stamps.code_stamp()
    monkeypatch.setattr(stamps, "code_stamp", lambda: [*real[:2], real[2][1:], real[3]])
    assert str(POISON) not in twp("--site", site, "status").out


def test_the_code_stamp_follows_every_code_file(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    module = package / "sub" / "mod.py"
    module.write_text("x = 1\n", encoding="utf-8")
    (package / "notes.txt").write_text("not code\n", encoding="utf-8")
    first = stamps.code_stamp(str(package))
    assert [name for name, _ in first[2]] == ["sub/mod.py"]
    assert stamps.code_stamp(str(package)) == first
    module.write_text("x = 2\n", encoding="utf-8")
    assert stamps.code_stamp(str(package)) != first
    (package / "theme.css").write_text("p {}\n", encoding="utf-8")
    assert len(stamps.code_stamp(str(package))[2]) == 2


def test_a_language_only_counted_alone_is_kept_beside_the_others(site, twp, monkeypatch):
    truth(twp, site)
    from twp_i18n.catalog.status import site_status

    site_status(load_config(site), languages=["de"])  # records de again, keeps the others
    record = json.loads((site / RECORD).read_bytes())
    assert set(record["langs"]) == set(load_config(site).languages)
    answered_quickly(monkeypatch)
    assert twp("--site", site, "status", "-l", "fr").code == 0


@pytest.mark.parametrize("damage", [b"", b"{", b"[]", b'{"format": 1}', b"\xff\xfe",
                                    b"[" * 100_000 + b"]" * 100_000])
def test_a_damaged_record_is_ignored(site, twp, damage):
    counted = truth(twp, site, "-f", "json")
    (site / RECORD).write_bytes(damage)
    assert twp("--site", site, "status", "-f", "json").out == counted


def test_a_record_is_not_left_by_a_dry_run_or_a_broken_catalog(site, twp):
    from twp_i18n.catalog.status import site_status

    config = load_config(site)
    site_status(config, remember=False)
    assert not (site / RECORD).exists()
    broken = site / "locales/es/LC_MESSAGES/site.po"
    broken.write_text(broken.read_text(encoding="utf-8") + '\nmsgid "x"\n', encoding="utf-8")
    found: list = []
    site_status(config, broken=found)
    assert found and not (site / RECORD).exists()
    result = twp("--site", site, "status")
    assert result.code == 2 and "site.po" in result.err


def test_racy_signatures():
    taken = 10 * stamps.RACY_NS
    assert not stamps.racy(None, taken)
    assert not stamps.racy([1, 2, taken - stamps.RACY_NS - 1, 0], taken)
    assert stamps.racy([1, 2, 0, taken - stamps.RACY_NS], taken)  # changed just before
    assert stamps.racy([1, 2, taken + 5, 0], taken)  # a time in the future


def test_an_edit_in_the_same_clock_tick_is_told_by_the_bytes(site, twp, monkeypatch):
    """A file written just before its signature was taken may be edited again without its
    times moving (file systems keep a coarse clock): its bytes are compared then."""
    poisoned(twp, site)
    path = site / "locales/de/LC_MESSAGES/our-values.po"
    recorded = stamps.stamp(str(path))
    po = pofile.read_po(path)
    po[0].msgstr = ""
    assert pofile.write_po(path, po)
    real = stamps.stamp
    monkeypatch.setattr(stamps, "stamp", lambda name: recorded if name == str(path) else real(name))
    assert str(POISON) not in twp("--site", site, "status").out


_DOMAINS = st.text(st.sampled_from("abcdefghij-0123456789/ñ[]:"), min_size=1, max_size=70)


@st.composite
def _statuses(draw):
    statuses = []
    for lang in draw(st.lists(st.sampled_from(["es", "pt_BR", "sr@latin", "ar", "ja"]),
                              unique=True, max_size=4)):
        status = LanguageStatus(lang)
        for domain in draw(st.lists(_DOMAINS, max_size=4)) + ["site"]:
            words = draw(st.integers(0, 10**7))
            counts = Counts(units=draw(st.integers(0, 10**6)), words=words,
                            translated=draw(st.integers(0, 10**6)),
                            translated_words=draw(st.integers(0, words)),
                            fuzzy=draw(st.integers(0, 10**4)), untranslated=draw(st.integers(0, 10**5)),
                            obsolete=draw(st.integers(0, 99)), imported=draw(st.integers(0, 3)))
            status.catalogs.append(CatalogStatus(lang, domain, f"locales/{lang}/{domain}.po", counts,
                                                 True, draw(st.booleans()) and domain != "site"))
            status.total.add(counts)
        statuses.append(status)
    return statuses


@settings(max_examples=300, deadline=None)
@given(_statuses(), st.sampled_from([0.0, 33.3, 80.0, 100.0, 12.5]), st.booleans())
def test_the_plain_table_is_what_rich_prints(statuses, min_percent, per_article):
    plain = report._plain_table(report._table_rows(statuses, min_percent, per_article),
                                report._notes(statuses, min_percent))
    rich = report._rich_table(report._table_rows(statuses, min_percent, per_article),
                              report._notes(statuses, min_percent), color=False)
    assert plain is None or plain == rich
    assert report.render_status(statuses, "table", min_percent, per_article=per_article) == rich


def test_a_site_s_usual_table_is_the_plain_one(site, twp):
    config = load_config(site)
    from twp_i18n.catalog.status import site_status

    statuses = site_status(config)
    rows = report._table_rows(statuses, config.min_percent, False)
    assert report._plain_table(rows, ["a note"]) is not None


def test_a_record_of_files_just_written_settles_once_they_are_older(site, twp, monkeypatch):
    """Files written just before the record was taken are checked by their bytes; the first
    status that finds them unchanged once they are older records that their signatures
    suffice, so later ones read none of them."""
    counted = truth(twp, site)

    def digests() -> list:
        record = json.loads((site / RECORD).read_bytes())
        return [entry[-2] for section in record["langs"].values() for entry in section["rows"]
                if entry[-2]] + [digest for _, digest in record["templates"] if digest]

    assert digests()  # just written: racy
    later = time.time_ns() + 3600 * 10**9
    monkeypatch.setattr(stamps, "now", lambda: later)
    answered_quickly(monkeypatch)
    assert twp("--site", site, "status").out == counted
    assert digests() == []
    monkeypatch.setattr(stamps, "file_digest", lambda path, size: pytest.fail("read " + path))
    assert twp("--site", site, "status").out == counted
    assert twp("--site", site, "status", "-a", "our-values").code == 0


def test_a_record_of_old_files_keeps_no_digest(site, twp, monkeypatch):
    later = time.time_ns() + 3600 * 10**9
    monkeypatch.setattr(stamps, "now", lambda: later)
    truth(twp, site)
    record = json.loads((site / RECORD).read_bytes())
    assert [digest for _, digest in record["templates"] if digest] == []
    assert [row for section in record["langs"].values() for row in section["rows"] if row[2]] == []
