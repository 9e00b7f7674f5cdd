"""The writer's guard: no command replaces or removes a catalog if that loses a translation
or a translator's comment, whatever bug upstream would make it do so."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twp_i18n.catalog import pofile, poguard
from twp_i18n.catalog.poguard import check_kept
from twp_i18n.errors import CatalogError

from .conftest import REPO, snapshot
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

    monkeypatch.setattr(merge, "orphaned", lambda po: None)  # as if nothing were translated
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


# --- the check on the blocks that differ -------------------------------------------------------

DEMO_CATALOGS = sorted((REPO / "locales").glob("*/LC_MESSAGES/*.po"))


def _blocks(text: str) -> list[str]:
    return text.split("\n\n")


@st.composite
def edited_catalogs(draw: st.DrawFn) -> tuple[bytes, str]:
    """A demo catalog and an edit of it: entries removed, moved, doubled, a translation or a
    comment line changed or moved, fields made obsolete, lines wrapped otherwise."""
    old = draw(st.sampled_from(DEMO_CATALOGS)).read_text(encoding="utf-8")
    blocks = _blocks(old)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(1, len(blocks) - 1))
        kind = draw(st.sampled_from(["remove", "move", "double", "translation", "comment",
                                     "move comment", "obsolete", "rewrap", "blank"]))
        block = blocks[i]
        if kind == "remove":
            del blocks[i]
        elif kind == "move":
            blocks.insert(draw(st.integers(1, len(blocks))), blocks.pop(i))
        elif kind == "double":
            blocks.insert(i, block)
        elif kind == "translation" and 'msgstr "' in block:
            blocks[i] = block.replace('msgstr "', 'msgstr "X', 1)
        elif kind in ("comment", "move comment"):
            lines = block.split("\n")
            notes = [n for n, line in enumerate(lines) if line.startswith("# ")]
            if notes:
                line = lines.pop(notes[0])
                blocks[i] = "\n".join(lines)
                if kind == "move comment":
                    j = draw(st.integers(1, len(blocks) - 1))
                    blocks[j] = line + "\n" + blocks[j]
        elif kind == "obsolete":
            blocks[i] = "\n".join(line if line.startswith("#") else "#~ " + line
                                  for line in block.split("\n") if line)
        elif kind == "rewrap":
            blocks[i] = block.replace(" ", '"\n" ', 1) if '"' in block else block
        elif kind == "blank":
            blocks[i] = block.replace("\n", "\n\n", 1)
    return old.encode("utf-8"), "\n\n".join(blocks)


def _whole_file_verdict(old: bytes, new: str, monkeypatch: pytest.MonkeyPatch) -> str | None:
    with monkeypatch.context() as patch:
        patch.setattr(poguard, "_kept_apart", lambda old, new: False)
        return _verdict(old, new)


def _verdict(old: bytes, new: str) -> str | None:
    try:
        check_kept(old, new, "fr.po")
    except CatalogError as exc:
        return str(exc)
    return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pair=edited_catalogs())
def test_judging_the_changed_blocks_agrees_with_reading_the_whole_files(
        pair: tuple[bytes, str], monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = pair
    assert _verdict(old, new) == _whole_file_verdict(old, new, monkeypatch)


def test_only_the_changed_entries_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    # after 'update', most of a catalog is the same bytes: the guard reads the rest only
    target = max(DEMO_CATALOGS, key=lambda p: p.stat().st_size)
    old = target.read_text(encoding="utf-8")
    translated = [b for b in _blocks(old)[1:] if 'msgstr "' in b and 'msgstr ""' not in b]
    new = old.replace(translated[3], "#, fuzzy\n" + translated[3], 1)
    read: list[int] = []
    parse = poguard._parse
    monkeypatch.setattr(poguard, "_parse", lambda text: (read.append(len(text)), parse(text))[1])
    assert check_kept(old.encode("utf-8"), new, "fr.po") == []
    assert sum(read) < len(old) / 5, (read, len(old))
    with pytest.raises(CatalogError, match="would lose the translation") as info:
        check_kept(old.encode("utf-8"), new.replace(translated[5], ""), "fr.po")
    assert info.value.line == old[:old.index(translated[5])].count("\n") + 1 + \
        translated[5].split("\n").index(next(line for line in translated[5].split("\n")
                                             if line.startswith("msgid")))
