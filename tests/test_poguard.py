"""The writer's guard: no command replaces or removes a catalog if that loses a translation
or a translator's comment, whatever bug upstream would make it do so."""

from __future__ import annotations

from pathlib import Path

import pytest

from twp_i18n.catalog import pofile
from twp_i18n.catalog.poguard import check_kept
from twp_i18n.errors import CatalogError

from .conftest import snapshot
from .test_pofile_read import CANONICAL

OLD = CANONICAL.encode("utf-8")


def without(text: str, start: str, end: str) -> str:
    """``text`` without the part from ``start`` up to (not including) ``end``."""
    a = text.index(start)
    return text[:a] + text[text.index(end, a):]


def test_a_lost_translation_is_refused_naming_the_entry() -> None:
    new = without(CANONICAL, "msgid \"One file\"", "#, no-wrap")
    with pytest.raises(CatalogError) as info:
        check_kept(OLD, new, "fr.po")
    assert info.value.path == "fr.po" and info.value.line == 32  # its msgid
    assert "'One file'" in info.value.message and "nothing was written" in info.value.message


def test_translations_may_move_to_fuzzy_or_obsolete_entries() -> None:
    po = pofile.parse_po(CANONICAL)
    po[2].obsolete = True  # the plural entry, now obsolete
    po[0].msgid = "Hello there, %(name)s!"  # another source text, same translation
    assert check_kept(OLD, pofile.format_po(po), "fr.po") == []


def test_a_lost_translator_comment_is_refused() -> None:
    new = CANONICAL.replace("# A translator note\n", "")
    with pytest.raises(CatalogError, match="translator comment 'A translator note'"):
        check_kept(OLD, new, "fr.po")
    moved = new.replace("#, no-wrap\n", "# A translator note\n#, no-wrap\n")
    assert check_kept(OLD, moved, "fr.po") == []


def test_the_header_comment_is_kept_unless_the_file_goes() -> None:
    with pytest.raises(CatalogError, match="on the header"):
        check_kept(OLD, CANONICAL.replace("# French translation of the site.\n", ""), "fr.po")
    untranslated = b'# A header note\nmsgid ""\nmsgstr "Language: fr\\n"\n\nmsgid "a"\nmsgstr ""\n'
    assert check_kept(untranslated, None, "fr.po") == []
    with pytest.raises(CatalogError, match="Hello, %\\(name\\)s"):
        check_kept(OLD, None, "fr.po")


def test_knowingly_replaced_entries_are_allowed_and_reported() -> None:
    new = without(CANONICAL, "msgid \"One file\"", "#, no-wrap").replace(
        "# A translator note\n", "")
    assert check_kept(OLD, new, "fr.po", replaced=[(None, "One file"), ("greeting", "Hello, %(name)s!")]) \
        == [("greeting", "Hello, %(name)s!"), (None, "One file")]


def test_a_misread_old_file_is_still_read_line_by_line() -> None:
    """What the CR-only bug did: the old reader saw one comment, the new file had lost all."""
    old = OLD.replace(b"\n", b"\r")
    misread = 'msgid ""\nmsgstr ""\n"Language: fr\\n"\n'
    with pytest.raises(CatalogError, match="Bonjour|translation of|comment"):
        check_kept(old, misread, "fr.po")


def test_a_line_the_guard_does_not_understand_stops_the_write() -> None:
    with pytest.raises(CatalogError, match="cannot check"):
        check_kept(OLD, CANONICAL + "msgid\n", "fr.po")


def test_write_po_is_guarded(tmp_path: Path) -> None:
    target = tmp_path / "fr.po"
    target.write_bytes(OLD)
    po = pofile.parse_po(CANONICAL)
    del po[2]
    with pytest.raises(CatalogError, match="One file"):
        pofile.write_po(target, po, replaced=())
    assert target.read_bytes() == OLD
    assert pofile.write_po(target, po, replaced=[(None, "One file")])
    assert b"One file" not in target.read_bytes()


CATALOG = "locales/es/LC_MESSAGES/our-values.po"


def test_update_with_a_merge_that_drops_an_entry_writes_nothing(demo_site: Path, twp,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import twp_i18n.catalog.update as merge

    original = merge.merge_catalog

    def buggy(template, old, lang, domain, memory=None):
        result, stats = original(template, old, lang, domain, memory)
        if domain == "our-values" and lang == "es":
            victim = next(e for e in result if e.msgstr and not e.obsolete)
            result.remove(victim)
        return result, stats

    monkeypatch.setattr(merge, "merge_catalog", buggy)
    content = demo_site / "content/en/our-values.md"
    content.write_text(content.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    assert twp("--site", demo_site, "extract").code == 0
    before = snapshot(demo_site / "locales")
    result = twp("--site", demo_site, "update")
    assert result.code == 2, result
    assert f"{CATALOG}:" in result.err and "would lose the translation of" in result.err
    assert snapshot(demo_site / "locales") == before


def test_removing_a_catalog_that_holds_translations_is_refused(demo_site: Path, twp,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import twp_i18n.catalog.update as merge

    monkeypatch.setattr(merge, "_orphaned", lambda po: None)  # as if nothing were translated
    (demo_site / "content/en/our-values.md").unlink()
    assert twp("--site", demo_site, "extract").code == 0
    before = snapshot(demo_site / "locales")
    result = twp("--site", demo_site, "update")
    assert result.code == 2, result
    assert "would lose the translation of" in result.err
    assert snapshot(demo_site / "locales") == before


def test_the_two_readers_agree_on_every_catalog_of_the_demo() -> None:
    """Reading a catalog and writing it again loses nothing, as the guard sees it; and the
    guard finds in it the translations and comments the main reader finds."""
    from twp_i18n.catalog.poguard import _entries

    from .conftest import REPO

    catalogs = sorted((REPO / "locales").rglob("*.po"))
    assert len(catalogs) > 40
    for path in catalogs:
        data = path.read_bytes()
        po = pofile.parse_po(data.decode("utf-8"))
        check_kept(data, pofile.format_po(po), path.name)
        check_kept(data.replace(b"\n", b"\r\n"), pofile.format_po(po), path.name)
        entries, _ = _entries(data)
        ours = sorted(tuple(e.msgstr_plural[k] for k in sorted(e.msgstr_plural))
                      if e.msgstr_plural else (e.msgstr,) for e in po)
        assert ours == sorted(e.msgstrs for e in entries if not e.header), path
        lines = [line.strip() for text in [po.header, *(e.tcomment for e in po)]
                 for line in text.split("\n") if line.strip()]
        assert sorted(lines) == sorted(line for e in entries for line in e.comments), path


def test_a_lone_obsolete_mark_inside_a_string_list_is_nothing_as_in_gettext() -> None:
    # msgfmt reads "one two" here: the '#~' line holds no token.  Found by the differential test.
    old = (b'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
           b'msgid "a"\nmsgstr ""\n"one "\n#~\n"two"\n')
    new = b'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "a"\nmsgstr "one two"\n'
    assert check_kept(old, new, "x.po") == []


@pytest.mark.parametrize("between", [b"#|", b"#~|", b" #|  "])
def test_a_lone_previous_mark_inside_a_string_list_is_nothing_as_in_gettext(between: bytes) -> None:
    # msgfmt reads "one two" here, as both our readers must (other comment lines there are a
    # syntax error for msgfmt and for us).  Found by the differential test.
    old = (b'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
           b'msgid "a"\nmsgstr ""\n"one "\n' + between + b'\n"two"\n')
    po = pofile.parse_po(pofile.decode(old, "x.po"), "x.po")
    assert [e.msgstr for e in po if e.msgid == "a"] == ["one two"]
    assert check_kept(old, pofile.format_po(po), "x.po") == []
