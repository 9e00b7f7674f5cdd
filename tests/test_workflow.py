"""The maintainer's commands: add-language, sync, check, end to end on the demo site."""

from __future__ import annotations

import json
import re
import subprocess

from twp_i18n.catalog import pofile
from twp_i18n.config import load_config

from .conftest import gettext_tool, snapshot


def msgstrs(root) -> set[str]:
    found = set()
    for path in (root / "locales").glob("*/LC_MESSAGES/*.po"):
        for entry in pofile.read_po(path):
            if entry.msgstr:
                found.add(entry.msgstr)
            found.update(v for v in entry.msgstr_plural.values() if v)
    return found


def test_sync_after_source_edits_keeps_every_translation(demo_site, twp):
    msgfmt = gettext_tool("msgfmt")
    before = msgstrs(demo_site)
    assert len(before) > 300
    article = demo_site / "content/en/coping-with-sleep-problems.md"
    text = article.read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n\n") if p and not p.startswith(("#", "-", ">", "---"))]
    edited = text.replace(paragraphs[2], paragraphs[2].replace(".", ", as we learned.", 1))
    edited = edited.replace(paragraphs[3] + "\n\n", "")  # delete a paragraph
    edited += "\nA brand new closing paragraph about kindness at night.\n"
    article.write_text(edited, encoding="utf-8")
    result = twp("--site", demo_site, "sync")
    assert result.code == 0, result
    assert before <= msgstrs(demo_site), "a translation was lost"
    es = pofile.read_po(demo_site / "locales/es/LC_MESSAGES/coping-with-sleep-problems.po")
    fuzzy = [e for e in es if e.fuzzy]
    assert fuzzy and all(e.previous_msgid for e in fuzzy)
    assert [e for e in es if e.obsolete]
    for po in (demo_site / "locales").rglob("*.po"):
        check = subprocess.run([msgfmt, "--check", "-o", "/dev/null", str(po)],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
    state = snapshot(demo_site)
    again = twp("--site", demo_site, "sync")
    assert again.code == 0 and "0 written" in again.out
    assert snapshot(demo_site) == state


def test_sync_dry_run_lists_changes_and_writes_nothing(demo_site, twp):
    (demo_site / "content/en/our-values.md").write_text(
        (demo_site / "content/en/our-values.md").read_text(encoding="utf-8") + "\nOne more line.\n",
        encoding="utf-8")
    state = snapshot(demo_site)
    result = twp("--site", demo_site, "sync", "--dry-run")
    assert result.code == 0, result
    assert "would write locales/our-values.pot" in result.out
    assert "would write locales/es/LC_MESSAGES/our-values.po" in result.out
    assert snapshot(demo_site) == state


def test_add_language_creates_catalogs_and_keeps_config_comments(demo_site, twp):
    before = (demo_site / "twp.toml").read_text(encoding="utf-8")
    result = twp("--site", demo_site, "add-language", "pl", "it")
    assert result.code == 0, result
    after = (demo_site / "twp.toml").read_text(encoding="utf-8")
    assert after.splitlines()[0] == before.splitlines()[0]  # the comment survives
    assert load_config(demo_site).languages[-2:] == ("pl", "it")
    po = pofile.read_po(demo_site / "locales/pl/LC_MESSAGES/site.po")
    assert po.metadata["Language"] == "pl"
    assert po.metadata["Plural-Forms"].startswith("nplurals=3;")
    assert len(list((demo_site / "locales/it/LC_MESSAGES").glob("*.po"))) == 8


def test_add_language_refuses_unknown_or_present_and_writes_nothing(demo_site, twp):
    state = snapshot(demo_site)
    for lang, message in (("xx", "unknown language 'xx'"), ("es", "already in [site] languages"),
                          ("en", "source language")):
        result = twp("--site", demo_site, "add-language", lang)
        assert result.code == 2 and message in result.err, result
    assert snapshot(demo_site) == state


def test_add_language_header_matches_msginit(demo_site, tmp_path, twp):
    msginit = gettext_tool("msginit")
    assert twp("--site", demo_site, "add-language", "pl").code == 0
    pot = demo_site / "locales/our-values.pot"
    out = tmp_path / "pl.po"
    subprocess.run([msginit, "--no-translator", "-l", "pl", "-i", str(pot), "-o", str(out)],
                   check=True, capture_output=True, env={"LC_ALL": "C"})
    theirs = pofile.read_po(out).metadata
    ours = pofile.read_po(demo_site / "locales/pl/LC_MESSAGES/our-values.po").metadata
    for key in ("Language", "Plural-Forms", "Content-Type", "Project-Id-Version", "POT-Creation-Date"):
        assert ours[key] == theirs[key], key


def test_check_flags_a_hostile_catalog_with_file_and_line(demo_site, twp):
    path = demo_site / "locales/fr/LC_MESSAGES/our-values.po"
    po = pofile.read_po(path)
    entries = [e for e in po if not e.obsolete]
    link_entry = next(e for e in entries if "](" in e.msgid)
    plain = [e for e in entries if "](" not in e.msgid and "*" not in e.msgid and "`" not in e.msgid]
    plain[0].msgstr = "Nos <script>alert(1)</script> valeurs"
    plain[1].msgstr = '<span onclick="steal()">texte</span>'
    link_entry.msgstr = re.sub(r"\]\([^)]*\)", "](javascript:alert(1))", link_entry.msgid)
    bold = next(e for e in entries if "**" in e.msgid)
    bold.msgstr = bold.msgid.replace("**", "", 2)
    pofile.write_po(path, po)
    site = demo_site / "locales/fr/LC_MESSAGES/site.po"
    text = site.read_text(encoding="utf-8").replace("nplurals=2; plural=(n > 1);",
                                                    "nplurals=3; plural=(n > 1);")
    site.write_text(text, encoding="utf-8")
    result = twp("--site", demo_site, "check", "--lang", "fr")
    assert result.code == 1, result
    reread = pofile.read_po(path)
    for entry, code in ((plain[0], "unsafe-html"), (plain[1], "unsafe-html"),
                        (link_entry, "unsafe-link"), (bold, "markup-mismatch")):
        line = next(e.linenum for e in reread if e.msgid == entry.msgid)
        assert any(printed.startswith(f"locales/fr/LC_MESSAGES/our-values.po:{line}: error:")
                   and f"[{code}]" in printed for printed in result.out.splitlines()), (code, result.out)
    assert "locales/fr/LC_MESSAGES/site.po" in result.out and "[plural-forms]" in result.out
    data = json.loads(twp("--site", demo_site, "check", "--lang", "fr", "--format", "json").out)
    assert data["errors"] >= 5
    assert {"path", "line", "severity", "code", "message", "hint", "unit"} <= set(data["findings"][0])


def test_check_reports_a_broken_catalog_as_syntax_error(demo_site, twp):
    path = demo_site / "locales/es/LC_MESSAGES/site.po"
    path.write_text(path.read_text(encoding="utf-8").replace('msgstr "', 'msgstr "oops', 1)
                    .replace("oops", 'oops"x', 1), encoding="utf-8")
    result = twp("--site", demo_site, "check", "--lang", "es")
    assert result.code == 1
    assert re.search(r"locales/es/LC_MESSAGES/site\.po:\d+: error: .*\[syntax\]", result.out)


def test_demo_site_passes_check(demo_site, twp):
    result = twp("--site", demo_site, "check")
    assert result.code == 0, result.out
    assert "0 errors" in result.out
