"""The glossary: agreed terms per language, drug names kept as written."""

from __future__ import annotations

import json
from pathlib import Path

import polib

from twp_i18n.catalog import pofile
from twp_i18n.catalog.checks import Context, check_entry, unsafe_entry
from twp_i18n.catalog.glossary import Glossary, Term, load_glossary
from twp_i18n.config import load_config

from .conftest import MINIMAL_CONFIG

PATH = "locales/de/LC_MESSAGES/x.po"
GLOSSARY = """source,target,do_not_translate,notes
tapering,Ausschleichen,,the usual word
prescriber,verschreibende Person,no,
sertraline,Sertralin,yes,German INN
venlafaxine,,yes,
"""


def codes(glossary: Glossary, msgid: str, msgstr: str, lang: str = "de") -> set[tuple[str, str]]:
    item = polib.POEntry(msgid=msgid, msgstr=msgstr)
    item.linenum = 5
    return {(f.code, f.severity) for f in check_entry(item, path=PATH, kind="article",
                                                      context=Context(lang, glossary=glossary))}


def site_with_glossary(make_site, text: str, extra: str = "") -> Path:
    config = MINIMAL_CONFIG.replace('["es", "fr"]', '["de", "ar"]') + extra
    return make_site({"locales/de/glossary.csv": text}, config=config)


def test_glossary_terms_are_read_with_their_flags(make_site):
    root = site_with_glossary(make_site, GLOSSARY)
    glossary = load_glossary(load_config(root), "de")
    assert glossary.problems == ()
    assert [(t.source, t.target, t.keep, t.line) for t in glossary.terms] == [
        ("tapering", "Ausschleichen", False, 2), ("prescriber", "verschreibende Person", False, 3),
        ("sertraline", "Sertralin", True, 4), ("venlafaxine", "", True, 5)]


def test_an_agreed_term_translated_otherwise_is_a_warning(make_site):
    glossary = load_glossary(load_config(site_with_glossary(make_site, GLOSSARY)), "de")
    assert codes(glossary, "Tapering takes time.", "Das Ausschleichen braucht Zeit.") == set()
    assert codes(glossary, "Tapering takes time.", "Das Absetzen braucht Zeit.") \
        == {("glossary", "warning")}
    assert codes(glossary, "Ask your prescriber.", "Fragen Sie die verschreibende Person.") == set()
    # a word that only contains the term is not the term
    assert codes(glossary, "Retapering? No.", "Nein.") == set()


def test_a_drug_name_altered_or_missing_is_an_error(make_site):
    glossary = load_glossary(load_config(site_with_glossary(make_site, GLOSSARY)), "de")
    assert codes(glossary, "I took venlafaxine.", "Ich nahm Venlafaxin.") \
        == {("do-not-translate", "error")}
    assert codes(glossary, "I took venlafaxine.", "Ich nahm venlafaxine.") == set()
    # the glossary's own accepted form, or the English
    assert codes(glossary, "I took sertraline.", "Ich nahm Sertralin.") == set()
    assert codes(glossary, "I took sertraline.", "Ich nahm Sertraline.") == set()
    assert codes(glossary, "I took sertraline.", "Ich nahm Paroxetin.") \
        == {("do-not-translate", "error")}
    item = polib.POEntry(msgid="I took sertraline.", msgstr="Ich nahm Paroxetin.",
                         tcomment="twp-ignore: do-not-translate")
    assert unsafe_entry(item, context=Context("de", glossary=glossary))


def test_site_terms_apply_everywhere_and_a_language_gives_its_transliteration(make_site):
    root = site_with_glossary(make_site, GLOSSARY,
                              '[glossary]\ndo_not_translate = ["sertraline", "Paxil"]\n')
    (root / "locales/ar").mkdir(parents=True)
    (root / "locales/ar/glossary.csv").write_text(
        "source,target,do_not_translate\nsertraline,سيرترالين,yes\n", encoding="utf-8")
    arabic = load_glossary(load_config(root), "ar")
    assert codes(arabic, "I took sertraline.", "تناولت سيرترالين.", "ar") == set()
    assert codes(arabic, "I took sertraline.", "تناولت دواء.", "ar") == {("do-not-translate", "error")}
    assert codes(arabic, "Paxil is a brand.", "Paxil علامة تجارية.", "ar") == set()
    assert codes(arabic, "Paxil is a brand.", "باكسيل علامة تجارية.", "ar") \
        == {("do-not-translate", "error")}


def test_bad_rows_are_errors_with_their_line_and_the_rest_is_used(make_site, twp):
    text = GLOSSARY + "withdrawal,,no,\n,Entzug,,\nnausea,Übelkeit,maybe,\ntapering,Reduktion,,\n"
    root = site_with_glossary(make_site, text)
    glossary = load_glossary(load_config(root), "de")
    assert [(p.path, p.line, p.code) for p in glossary.problems] == [
        ("locales/de/glossary.csv", line, "glossary-row") for line in (6, 7, 8, 9)]
    assert glossary.problems[0].message == ("no target term (leave a term out, or mark it "
                                            "do_not_translate); this row is left out")
    assert len(glossary.terms) == 4
    (root / "content/en").mkdir(parents=True)
    (root / "content/en/a.md").write_text('---\ntitle: "A"\ndate: 2026-01-05\n---\n\nText.\n',
                                          encoding="utf-8")
    for args in (["extract"], ["update"]):
        assert twp("--site", root, "--quiet", *args).code == 0
    result = twp("--site", root, "check")
    assert result.code == 1
    assert "locales/de/glossary.csv:6: error:" in result.out and "[glossary-file]" in result.out


def test_a_bad_row_is_a_build_warning_printed_once_with_its_line(make_site, twp):
    root = site_with_glossary(make_site, GLOSSARY + "withdrawal,,no,\n",
                              "[publish]\nmin_percent = 0\n")
    (root / "content/en").mkdir(parents=True)
    (root / "content/en/a.md").write_text('---\ntitle: "A"\ndate: 2026-01-05\n---\n\nText.\n',
                                          encoding="utf-8")
    expected = ["locales/de/glossary.csv:6: warning: no target term (leave a term out, or mark "
                "it do_not_translate); this row is left out (the glossary's other rows are "
                "used) [glossary-row]"]
    synced = twp("--site", root, "--quiet", "sync")  # sync and update say it as build does
    assert synced.code == 0 and [ln for ln in synced.err.splitlines() if "glossary" in ln] == expected
    assert twp("--site", root, "--quiet", "sync", "--strict").code == 1
    updated = twp("--site", root, "--quiet", "update")
    assert updated.code == 0 and [ln for ln in updated.err.splitlines() if "glossary" in ln] == expected
    for _ in range(2):  # the second build plans from its cache: the same line, once
        result = twp("--site", root, "build")
        assert result.code == 0, result
        assert [line for line in result.err.splitlines() if "glossary" in line] == expected
    assert twp("--site", root, "build", "--strict").code == 1
    with open(root / "twp.toml", "a", encoding="utf-8") as toml:
        toml.write('\n[warnings]\nignore = ["glossary-row"]\n')
    quiet = twp("--site", root, "build", "--strict")
    assert quiet.code == 0 and "glossary" not in quiet.err


def test_an_unreadable_glossary_is_a_build_error_printed_once(make_site, twp):
    root = site_with_glossary(make_site, "")
    (root / "locales/de/glossary.csv").write_bytes(b"source,target\n\xff\xfe,x\n")
    (root / "content/en").mkdir(parents=True)
    (root / "content/en/a.md").write_text('---\ntitle: "A"\ndate: 2026-01-05\n---\n\nText.\n',
                                          encoding="utf-8")
    expected = ["locales/de/glossary.csv:2: error: not valid UTF-8; the glossary is not used "
                "(save it as UTF-8) [glossary-unreadable]"]
    for command in ("sync", "update", "build"):  # each says it once and exits 1, work done
        result = twp("--site", root, "--quiet", command)
        assert result.code == 1, result
        assert [line for line in result.err.splitlines() if "glossary" in line] == expected
    assert (root / "locales/de/LC_MESSAGES/a.po").is_file()
    assert (root / "locales/de/glossary.csv").read_bytes() == b"source,target\n\xff\xfe,x\n"


def test_the_glossary_file_is_bounded(make_site, twp):
    root = site_with_glossary(make_site, GLOSSARY + "x,y,\n" * 200,
                              "[glossary]\nmax_bytes = 1000\n")
    glossary = load_glossary(load_config(root), "de")
    [too_big] = glossary.problems
    assert glossary.terms == () and "max_bytes" in too_big.message
    assert (too_big.path, too_big.line, too_big.code) == ("locales/de/glossary.csv", None,
                                                          "glossary-unreadable")
    bad = site_with_glossary(make_site, "source,target\nx,\"unterminated\n")
    assert load_glossary(load_config(bad), "de").problems
    binary = site_with_glossary(make_site, "")
    (binary / "locales/de/glossary.csv").write_bytes(b"source,target\n\xff\xfe,x\n")
    [not_utf8] = load_glossary(load_config(binary), "de").problems
    assert (not_utf8.line, not_utf8.severity) == (2, "error")
    assert not_utf8.message.startswith("not valid UTF-8")


def test_check_and_build_use_the_glossary(make_site, twp):
    root = site_with_glossary(
        make_site, GLOSSARY,
        "[publish]\nmin_percent = 0\n[glossary]\ndo_not_translate = [\"sertraline\"]\n")
    (root / "content/en").mkdir(parents=True)
    (root / "content/en/meds.md").write_text(
        '---\ntitle: "Meds"\ndate: 2026-01-05\n---\n\nI took sertraline for years.\n\n'
        "Tapering took time.\n", encoding="utf-8")
    for args in (["extract"], ["update"]):
        assert twp("--site", root, "--quiet", *args).code == 0
    path = root / "locales/de/LC_MESSAGES/meds.po"
    po = pofile.read_po(path)
    for entry in po:
        entry.msgstr = {"Meds": "Medikamente",
                        "I took sertraline for years.": "Ich nahm jahrelang Paroxetin.",
                        "Tapering took time.": "Das Absetzen brauchte Zeit."}.get(entry.msgid, "")
    pofile.write_po(path, po)
    result = twp("--site", root, "check", "--lang", "de")
    assert result.code == 1
    assert "[do-not-translate]" in result.out and "[glossary]" in result.out
    status = json.loads(twp("--site", root, "status", "--format", "json", "--lang", "de").out)
    [meds] = [c for c in status["languages"][0]["catalogs"] if c["article"] == "meds"]
    assert meds["untranslated_words"] == 5  # "I took sertraline for years.", as the build
    assert twp("--site", root, "--quiet", "build").code == 0
    page = (root / "dist/de/meds/index.html").read_text(encoding="utf-8")
    assert "Paroxetin" not in page and '<p lang="en" class="untranslated">I took sertraline' in page
    assert "Das Absetzen brauchte Zeit." in page  # a warning only
    dashboard = (root / "dist/status/index.html").read_text(encoding="utf-8")
    assert 'href="de-glossary.csv"' in dashboard and "Glossary: 4 terms" in dashboard
    assert (root / "dist/status/de-glossary.csv").read_text(encoding="utf-8") == GLOSSARY
    # the glossary changed: the verdict follows
    (root / "locales/de/glossary.csv").write_text(
        GLOSSARY.replace("sertraline,Sertralin,yes", "sertraline,Paroxetin,yes"), encoding="utf-8")
    assert twp("--site", root, "--quiet", "build").code == 0
    assert "Ich nahm jahrelang Paroxetin." in (root / "dist/de/meds/index.html").read_text()


def test_add_language_starts_a_glossary_with_the_sites_terms(demo_site, twp):
    with open(demo_site / "twp.toml", "a", encoding="utf-8") as toml:
        toml.write('\n[glossary]\ndo_not_translate = ["sertraline", "venlafaxine"]\n')
    result = twp("--site", demo_site, "add-language", "it")
    assert result.code == 0, result
    path = demo_site / "locales/it/glossary.csv"
    assert path.read_text(encoding="utf-8") == (
        "source,target,do_not_translate\nsertraline,,yes\nvenlafaxine,,yes\n")
    assert not list((demo_site / "locales/it/LC_MESSAGES").glob("glossary*"))
    glossary = load_glossary(load_config(demo_site), "it")
    assert [t.source for t in glossary.terms] == ["sertraline", "venlafaxine"]
    assert glossary.problems == ()


def test_glossary_terms_are_found_in_linear_time():
    terms = tuple(Term(f"drug{n}", "", True, n) for n in range(2000))
    glossary = Glossary(terms)
    text = " ".join(f"drug{n}" for n in range(0, 2000, 7))
    assert len(glossary.found(text)) == len(range(0, 2000, 7))


TBX = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE martif [<!ENTITY big "&#x41;&#x41;&#x41;">]>
<martif type="TBX" xml:lang="en">
<text><body>
<termEntry id="tapering">
  <langSet xml:lang="en"><tig><term>tapering</term></tig></langSet>
  <langSet xml:lang="pt-BR"><tig><term>desmame</term></tig></langSet>
</termEntry>
<termEntry id="sertraline">
  <descrip type="Translation needed">No</descrip>
  <langSet xml:lang="en"><tig><term>sertraline</term></tig></langSet>
  <langSet xml:lang="pt-BR"><tig><term>sertralina</term></tig></langSet>
</termEntry>
<termEntry id="broken">
  <langSet xml:lang="pt-BR"><tig><term>sem origem</term></tig></langSet>
</termEntry>
</body></text>
</martif>
"""


def test_a_weblate_tbx_glossary_is_read_too(make_site):
    root = make_site({"locales/pt_BR/glossary.tbx": TBX},
                     config=MINIMAL_CONFIG.replace('["es", "fr"]', '["pt_BR"]'))
    glossary = load_glossary(load_config(root), "pt_BR")
    assert [(t.source, t.target, t.keep) for t in glossary.terms] == [
        ("tapering", "desmame", False), ("sertraline", "sertralina", True)]
    assert [(p.path, p.line) for p in glossary.problems] == [("locales/pt_BR/glossary.tbx", 14)]
    assert codes(glossary, "I took sertraline.", "Tomei sertralina.", "pt_BR") == set()
    (root / "locales/pt_BR/glossary.tbx").write_text("<martif><text>", encoding="utf-8")
    [problem] = load_glossary(load_config(root), "pt_BR").problems
    assert str(problem).startswith("locales/pt_BR/glossary.tbx:1: error: XML syntax error")


def test_many_terms_are_looked_up_word_by_word():
    terms = tuple(Term(f"drug{n} extended", "", True, n) for n in range(5000))
    glossary = Glossary(terms + (Term("St. John's wort", "", True, 9), Term("5-HTP", "", True, 8)))
    text = "I took drug7 extended, then drug7 alone, St. John's wort and 5-HTP. " * 200
    found = glossary.found(text)
    assert [t.source for t in found[:3]] == ["drug7 extended", "St. John's wort", "5-HTP"]
    assert len(found) == 600
    # each word of the text is compared only with the terms starting with that word
    assert len(glossary.by_first_word["drug7"]) == 1 and "drug" not in glossary.by_first_word
