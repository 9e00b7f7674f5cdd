"""``twp import``: existing translated articles into fuzzy catalog entries, safely."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

from .conftest import snapshot
from .import_fixtures import (
    BASE,
    Fixture,
    english_article,
    fixtures,
    spanish_article,
)

FIXTURES = {fixture.name: fixture for fixture in fixtures()}
CATALOG = "locales/es/LC_MESSAGES/walking.po"


def _site(make_site, twp, fixture: Fixture, files: dict[str, str] | None = None) -> Path:
    root = make_site({"content/en/walking.md": english_article(fixture), **(files or {})})
    assert twp("--site", root, "sync").code == 0
    return root


def _entries(root: Path) -> dict[str, polib.POEntry]:
    return {e.msgid: e for e in polib.pofile(str(root / CATALOG)) if not e.obsolete}


def _score(fixture: Fixture, entries: dict[str, polib.POEntry]) -> tuple[list[str], float]:
    """Wrong pairs, and the share of units with a counterpart that were filled."""
    wrong = [msgid for msgid, e in entries.items()
             if e.msgstr and fixture.expected.get(msgid) != e.msgstr]
    wanted = [msgid for msgid in entries if msgid not in fixture.counterpart_less]
    filled = [msgid for msgid in wanted if entries[msgid].msgstr
              and fixture.expected.get(msgid) == entries[msgid].msgstr]
    return wrong, len(filled) / len(wanted)


def test_an_article_assembled_from_known_translations_imports_whole_by_structure(
        make_site, twp) -> None:
    fixture = FIXTURES["exact"]
    root = _site(make_site, twp, fixture, {"es/walking.md": spanish_article(fixture)})
    result = twp("--site", root, "import", "es", root / "es/walking.md")
    assert result.code == 0, result
    assert "(structure)" in result.out and f"{len(BASE) + 2} imported as fuzzy, 0 left" in result.out
    entries = _entries(root)
    wrong, recall = _score(fixture, entries)
    assert wrong == [] and recall == 1.0
    assert all(e.fuzzy for e in entries.values())
    title = entries["Walking as a daily anchor"]
    assert title.msgstr == "Caminar como ancla diaria"
    assert "twp-import: es/walking.md, score 1.00" in title.tcomment
    more = next(e for msgid, e in entries.items() if msgid.startswith("More ideas"))
    assert more.tcomment.endswith("; check: link-changed")  # a warning: kept, and named


@pytest.mark.parametrize("name", [name for name in FIXTURES if name != "exact"])
def test_damaged_translations_make_no_wrong_pair(make_site, twp, name: str, record_property) -> None:
    fixture = FIXTURES[name]
    root = _site(make_site, twp, fixture, {"es/walking.md": spanish_article(fixture)})
    result = twp("--site", root, "import", "es", root / "es")
    assert result.code == 0, result
    wrong, recall = _score(fixture, _entries(root))
    record_property("recall", round(recall, 3))
    print(f"{name}: recall {recall:.0%}")
    assert wrong == []
    assert recall >= 0.8


def _confirmed_site(make_site, twp) -> Path:
    """The exact fixture imported, then one entry confirmed and one fuzzy by hand."""
    fixture = FIXTURES["exact"]
    return _site(make_site, twp, fixture, {"es/walking.md": spanish_article(fixture)})


def _edit(root: Path, edits: dict[str, tuple[str, bool]]) -> None:
    """Set msgid -> (msgstr, fuzzy) in the catalog, as a PO editor would."""
    po = polib.pofile(str(root / CATALOG), wrapwidth=79)
    for entry in po:
        if entry.msgid in edits:
            entry.msgstr, fuzzy = edits[entry.msgid]
            if fuzzy and "fuzzy" not in entry.flags:
                entry.flags.append("fuzzy")
            if not fuzzy and "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
    po.save()


def test_never_replaces_a_confirmed_translation_and_a_fuzzy_one_only_when_asked(
        make_site, twp) -> None:
    root = _confirmed_site(make_site, twp)
    _edit(root, {"Why walking helps": ("Por qué andar sienta bien", False),
                 "What members told us": ("Lo que dijeron", True)})
    result = twp("--site", root, "import", "es", root / "es")
    assert result.code == 0, result
    assert "2 already translated" in result.out
    entries = _entries(root)
    assert entries["Why walking helps"].msgstr == "Por qué andar sienta bien"
    assert not entries["Why walking helps"].fuzzy
    assert entries["What members told us"].msgstr == "Lo que dijeron"

    result = twp("--site", root, "import", "es", root / "es", "--overwrite-fuzzy")
    assert result.code == 0, result
    entries = _entries(root)
    assert entries["Why walking helps"].msgstr == "Por qué andar sienta bien"  # confirmed: never
    members = entries["What members told us"]
    assert members.msgstr == "Lo que nos contaron los miembros" and members.fuzzy
    assert "twp-import replaced: Lo que dijeron" in members.tcomment


def test_writes_nothing_but_the_catalog_and_a_dry_run_nothing_at_all(make_site, twp) -> None:
    fixture = FIXTURES["English grown"]
    root = _site(make_site, twp, fixture, {"es/walking.md": spanish_article(fixture)})
    before = snapshot(root)
    result = twp("--site", root, "import", "es", root / "es", "--dry-run")
    assert result.code == 0, result
    assert snapshot(root) == before
    assert "16 to import as fuzzy, 3 left" in result.out, result.out
    assert "left: line" in result.out and "Tell us how your walks go" in result.out
    assert "lowest: 0." in result.out
    result = twp("--site", root, "import", "es", root / "es")
    after = snapshot(root)
    changed = {path for path in after if after[path] != before.get(path)}
    assert changed == {CATALOG}, changed


def test_update_removes_the_origin_note_once_a_translator_confirms(make_site, twp) -> None:
    root = _confirmed_site(make_site, twp)
    assert twp("--site", root, "import", "es", root / "es").code == 0
    _edit(root, {"Why walking helps": ("Por qué caminar ayuda", False)})
    result = twp("--site", root, "update")
    assert result.code == 0, result
    entries = _entries(root)
    assert "twp-import" not in entries["Why walking helps"].tcomment
    assert "twp-import: es/walking.md" in entries["What members told us"].tcomment  # still fuzzy


def _html_page(fixture: Fixture, lang: str = "es", extra: str = "") -> str:
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark").render("\n".join(document_lines(fixture)))
    return (f'<!DOCTYPE html><html lang="{lang}"><head><title>Caminar | Sitio</title>'
            '<meta name="description" content="Cómo un paseo corto puede sostener una semana '
            'difícil."><script>track()</script></head><body><nav><a href="/">Inicio</a></nav>'
            f"<article><h1>Caminar como ancla diaria</h1>{body}{extra}</article>"
            "<footer>pie</footer></body></html>")


def document_lines(fixture: Fixture) -> list[str]:
    from .import_fixtures import document

    return [document(fixture.spanish)]


def test_an_html_page_imports_like_markdown(make_site, twp) -> None:
    fixture = FIXTURES["exact"]
    root = _site(make_site, twp, fixture, {"old-site/es/walking.html": _html_page(fixture)})
    result = twp("--site", root, "import", "es", root / "old-site")
    assert result.code == 0, result
    wrong, recall = _score(fixture, _entries(root))
    assert wrong == [] and recall == 1.0


def test_pairs_failing_the_checks_are_left_out_with_their_finding(make_site, twp) -> None:
    fixture = FIXTURES["exact"]
    text = spanish_article(fixture)
    text = text.replace("Camina con una amistad cuando puedas.",
                        'Camina con una <span onmouseover="steal()">amistad</span> cuando puedas.')
    text = text.replace("**20 minutos**", "20 minutos")  # the emphasis lost: markup-mismatch
    text = text.replace("[diario sencillo](/keeping-a-journal/)", "[diario sencillo](javascript:alert(1))")
    root = _site(make_site, twp, fixture, {"es/walking.md": text})
    result = twp("--site", root, "import", "es", root / "es")
    assert result.code == 0, result
    assert "refused (unsafe-html): 'Walk with a friend when you can.'" in result.out
    assert "refused (markup-mismatch): 'When the days feel long" in result.out
    entries = _entries(root)
    assert entries["Walk with a friend when you can."].msgstr == ""
    assert not any("javascript:" in e.msgstr or "onmouseover" in e.msgstr for e in entries.values())
    assert entries["Leave your phone at home, or put it on silent."].msgstr  # the rest came in


def test_scripts_and_javascript_links_of_an_html_page_never_arrive(make_site, twp) -> None:
    fixture = FIXTURES["exact"]
    page = _html_page(fixture, extra='<p>Pulsa <a href="javascript:alert(1)">aquí</a>.</p>'
                                     "<script>document.write('x')</script>")
    root = _site(make_site, twp, fixture, {"old/walking.html": page})
    result = twp("--site", root, "import", "es", root / "old")
    assert result.code == 0, result
    catalog = (root / CATALOG).read_text(encoding="utf-8")
    assert "javascript:" not in catalog and "<script" not in catalog and "track()" not in catalog


@pytest.mark.parametrize("name, text, message", [
    ("walking.md", spanish_article(FIXTURES["exact"]).replace("lang: es", "lang: fr"),
     "it declares the language 'fr', not 'es'"),
    ("walking.html", _html_page(FIXTURES["exact"], lang="fr-FR"),
     "it declares the language 'fr-FR', not 'es'"),
    ("walking.md", "---\ntitle: [unclosed\n---\nTexto.\n", "front matter is not valid YAML"),
    ("walking.md", b"---\ntitle: x\n---\n\xff\xfe", "not valid UTF-8"),
    ("another.md", "---\ntitle: Otro\n---\n\nTexto.\n", "no English article found for it"),
])
def test_a_bad_source_is_skipped_with_a_clear_message(make_site, twp, name, text, message) -> None:
    fixture = FIXTURES["exact"]
    root = _site(make_site, twp, fixture, {f"es/{name}": text})
    before = snapshot(root)
    result = twp("--site", root, "import", "es", root / "es")
    assert result.code == 1, result
    assert f"es/{name}" in result.err and message in result.err
    assert "Traceback" not in result.err + result.out
    assert snapshot(root) == before


def test_a_file_over_the_bound_is_refused_before_it_is_read(make_site, twp) -> None:
    fixture = FIXTURES["exact"]
    root = _site(make_site, twp, fixture)
    huge = root / "es" / "walking.md"
    huge.parent.mkdir()
    with open(huge, "wb") as handle:  # sparse: reading it whole would take minutes
        handle.truncate(64 * 1024 ** 3)
    result = twp("--site", root, "import", "es", huge)
    assert result.code == 1, result
    assert "over the bound of 2097152 bytes; not read" in result.err


def test_an_unknown_language_or_a_missing_source_is_an_error(make_site, twp) -> None:
    fixture = FIXTURES["exact"]
    root = _site(make_site, twp, fixture)
    result = twp("--site", root, "import", "it", root / "content")
    assert result.code == 2 and "not in [site] languages" in result.err
    result = twp("--site", root, "import", "es", root / "nowhere")
    assert result.code == 2 and "no such file or folder" in result.err


def test_the_article_is_found_by_option_slug_or_file_name(make_site, twp) -> None:
    fixture = FIXTURES["exact"]
    body = spanish_article(fixture).replace("translation_of: walking\n", "")
    root = _site(make_site, twp, fixture, {"a/caminar.md": body,
                                           "b/walking/index.md": body,
                                           "c/x.md": body.replace("lang: es", "slug: walking")})
    assert twp("--site", root, "import", "es", root / "a").code == 1
    for args in (["--article", "walking", root / "a/caminar.md"], [root / "b"], [root / "c"]):
        (root / CATALOG).unlink()
        assert twp("--site", root, "update").code == 0
        result = twp("--site", root, "import", "es", *args)
        assert result.code == 0 and "16 imported" in result.out, (args, result)


def test_status_counts_the_fuzzy_entries_an_import_made(make_site, twp) -> None:
    import json

    root = _confirmed_site(make_site, twp)
    assert twp("--site", root, "import", "es", root / "es").code == 0
    _edit(root, {"Why walking helps": ("Por qué caminar ayuda", False)})
    data = json.loads(twp("--site", root, "status", "--format", "json").out)
    spanish = next(lang for lang in data["languages"] if lang["language"] == "es")
    assert spanish["fuzzy"] == 15 and spanish["imported"] == 15
    assert "fuzzy entries from 'twp import', to confirm: es 15" in twp("--site", root, "status").out


def test_the_translation_of_another_article_is_refused_whole(make_site, twp) -> None:
    fixture = FIXTURES["exact"]
    other = (Path(__file__).parent.parent / "content/en/our-values.md").read_text(encoding="utf-8")
    root = _site(make_site, twp, fixture, {"content/en/our-values.md": other,
                                           "es/walking.md": spanish_article(fixture)})
    before = snapshot(root)
    result = twp("--site", root, "import", "es", root / "es/walking.md", "--article", "our-values")
    assert result.code == 1, result
    assert "does not look like a translation of it" in result.err
    assert snapshot(root) == before


def test_table_cells_and_image_alt_texts_pair_by_structure(make_site, twp) -> None:
    english = ("---\ntitle: Doses table\ndate: 2026-01-15\n---\n\n"
               "![A calm lake at dawn](/images/lake.png)\n\n"
               "| Week | What we noticed |\n|---|---|\n| One | Some tiredness |\n| Two | Better sleep |\n")
    page = ('<html lang="es"><body><article><h1>Tabla de dosis</h1>'
            '<p><img src="/images/lake.png" alt="Un lago en calma al amanecer"></p>'
            "<table><thead><tr><th>Semana</th><th>Lo que notamos</th></tr></thead>"
            "<tbody><tr><td>Una</td><td>Algo de cansancio</td></tr>"
            "<tr><td>Dos</td><td>Mejor sueño</td></tr></tbody></table></article></body></html>")
    root = make_site({"content/en/doses.md": english, "old/doses.html": page})
    assert twp("--site", root, "sync").code == 0
    result = twp("--site", root, "import", "es", root / "old")
    assert result.code == 0 and "(structure)" in result.out, result
    entries = {e.msgid: e.msgstr for e in polib.pofile(str(root / "locales/es/LC_MESSAGES/doses.po"))}
    assert entries["A calm lake at dawn"] == "Un lago en calma al amanecer"
    assert entries["What we noticed"] == "Lo que notamos"
    assert entries["Some tiredness"] == "Algo de cansancio"
    assert entries["Doses table"] == "Tabla de dosis"
