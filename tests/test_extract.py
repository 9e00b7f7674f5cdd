"""``twp extract``: templates that gettext accepts, byte for byte stable."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import polib

from twp_i18n.catalog.extract import extract
from twp_i18n.config import load_config

from .conftest import MINIMAL_CONFIG, REPO, article, gettext_tool, snapshot

MINIMAL = REPO / "tests" / "data" / "minimal"


def minimal_copy(tmp_path: Path) -> Path:
    root = tmp_path / "minimal"
    shutil.copytree(MINIMAL, root, ignore=shutil.ignore_patterns("locales"))
    return root


def test_golden_templates(tmp_path, golden):
    root = minimal_copy(tmp_path)
    extract(load_config(root))
    golden("extract-minimal", root / "locales")


def test_entries_carry_type_reference_and_notes(tmp_path):
    root = minimal_copy(tmp_path)
    extract(load_config(root))
    po = polib.pofile(str(root / "locales/rest-and-sleep.pot"))
    title = po.find("Rest and sleep")
    assert title.occurrences == [("content/en/rest-and-sleep.md", "2")]
    assert "type: title" in title.comment
    assert "Translator notes: Use the everyday word for sleep." in title.comment
    assert po.find("Sleep came back slowly, one night at a time.").comment == "type: paragraph"
    assert po.metadata["POT-Creation-Date"] == "2026-03-05 10:30+0100"
    assert po.metadata["Project-Id-Version"] == "Minimal Library"
    assert po.find("not translated") is None


def test_same_text_in_two_roles_gets_context_only_where_needed(tmp_path):
    root = minimal_copy(tmp_path)
    extract(load_config(root))
    po = polib.pofile(str(root / "locales/rest-and-sleep.pot"))
    sleep = [e for e in po if e.msgid == "Sleep"]
    assert sorted((e.msgctxt or "", e.comment) for e in sleep) == [
        ("", "type: list item"),
        ("heading", "type: heading 2"),
        ("table header", "type: table header"),
    ]
    assert all(e.msgctxt is None for e in po if e.msgid != "Sleep")


def test_identical_units_share_one_entry(make_site):
    body = "Same words.\n\nOther.\n\nSame words.\n"
    root = make_site({"content/en/a.md": article(body=body)})
    extract(load_config(root))
    po = polib.pofile(str(root / "locales/a.pot"))
    [entry] = [e for e in po if e.msgid == "Same words."]
    assert entry.occurrences == [("content/en/a.md", "5"), ("content/en/a.md", "9")]


def test_site_templates_override_theme(tmp_path):
    root = minimal_copy(tmp_path)
    extract(load_config(root))
    site = polib.pofile(str(root / "locales/site.pot"))
    ours = site.find("Our articles")
    assert ours is not None and ours.occurrences == [("templates/index.html", "3")]
    assert site.find("Articles") is None  # theme/index.html was overridden
    assert site.find("Skip to content") is not None  # theme/base.html still in effect
    plural = [e for e in site if e.msgid_plural]
    assert plural and "python-format" in plural[0].flags


def test_second_run_changes_nothing(tmp_path):
    root = minimal_copy(tmp_path)
    config = load_config(root)
    first = extract(config)
    assert len(first.written) == 3
    before = snapshot(root)
    mtimes = {p: p.stat().st_mtime_ns for p in (root / "locales").rglob("*.pot")}
    second = extract(config)
    assert second.written == [] and len(second.unchanged) == 3
    assert snapshot(root) == before
    assert mtimes == {p: p.stat().st_mtime_ns for p in (root / "locales").rglob("*.pot")}


def test_deleted_article_loses_its_template(tmp_path):
    root = minimal_copy(tmp_path)
    config = load_config(root)
    extract(config)
    (root / "content/en/journal.md").unlink()
    report = extract(config)
    assert report.removed == ["locales/journal.pot"]
    assert not (root / "locales/journal.pot").exists()


def test_gettext_accepts_and_msgcat_keeps_every_demo_template(demo_site):
    msgfmt, msgcat = gettext_tool("msgfmt"), gettext_tool("msgcat")
    extract(load_config(demo_site))
    pots = sorted((demo_site / "locales").glob("*.pot"))
    assert len(pots) >= 7
    for pot in pots:
        check = subprocess.run([msgfmt, "--check-format", "-o", "/dev/null", str(pot)],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        canonical = subprocess.run([msgcat, str(pot)], capture_output=True, check=True).stdout
        assert canonical == pot.read_bytes(), f"msgcat rewrites {pot.name}"


def test_template_syntax_error_is_reported_with_line(make_site, twp):
    root = make_site({"content/en/a.md": article(),
                      "templates/base.html": "<p>\n{{ _('ok') }}\n{% if %}\n"})
    result = twp("--site", root, "extract")
    assert result.code == 2
    assert "templates/base.html:3: template syntax error" in result.err
    assert "Traceback" not in result.err


def test_cli_says_what_it_wrote(tmp_path, twp):
    root = minimal_copy(tmp_path)
    result = twp("--site", root, "--verbose", "extract")
    assert result.code == 0, result
    assert "wrote locales/rest-and-sleep.pot" in result.out
    assert "extract: 3 templates" in result.out
    result = twp("--site", root, "extract")
    assert "0 written, 3 unchanged" in result.out
    assert twp("--site", root, "--quiet", "extract").out == ""


def test_the_rights_statement_is_offered_to_translators(make_site):
    root = make_site({"content/en/a.md": article()},
                     config=MINIMAL_CONFIG + '\n[feeds]\nrights = "Shared under CC BY-SA 4.0"\n')
    extract(load_config(root))
    site = polib.pofile(str(root / "locales/site.pot"))
    entry = site.find("Shared under CC BY-SA 4.0")
    line = (root / "twp.toml").read_text(encoding="utf-8").splitlines().index(
        'rights = "Shared under CC BY-SA 4.0"') + 1
    assert entry is not None and entry.occurrences == [("twp.toml", str(line))]
    assert "rights" in entry.comment


def test_markdown_files_not_named_md_are_named_in_a_warning(make_site, twp):
    # Jekyll names pages index.markdown; a file A.MD is no article either: both are said.
    from .conftest import article

    root = make_site({"content/en/a.md": article(), "content/en/about.markdown": article(),
                      "content/en/B.MD": article(), "content/en/notes.txt": "plain"})
    result = twp("--site", root, "extract")
    assert result.code == 0, result
    assert "content/en/about.markdown" in result.err and "content/en/B.MD" in result.err
    assert "notes.txt" not in result.err and "not read" in result.err
