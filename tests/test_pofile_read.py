"""parse_po/read_po: canonical text round-trips; every broken file names path and line."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from twp_i18n.catalog.pofile import format_po, parse_po, read_po
from twp_i18n.errors import CatalogError

CANONICAL = '''\
# French translation of the site.
#
#  Indented second paragraph.
#, fuzzy
msgid ""
msgstr ""
"Project-Id-Version: twp 1.0\\n"
"Language: fr\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"

# A translator note
#. Extracted: heading
#: content/posts/hello.md:12 content/posts/hello.md:40 content/about.md
#: content/no-line.md
#, fuzzy, python-format
#| msgctxt "old"
#| msgid "Hello %(name)s"
msgctxt "greeting"
msgid "Hello, %(name)s!"
msgstr "Bonjour, %(name)s !"

msgid ""
"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
"tempor incididunt ut labore et dolore magna aliqua.\\n"
"\\n"
"Second \\"paragraph\\" with a \\\\ and a \\t tab."
msgstr ""
"日本語の文章はスペースを使わずに書かれますが、それでも行は適切に折り返されま"
"す。"

msgid "One file"
msgid_plural "%d files"
msgstr[0] "Un fichier"
msgstr[1] "%d fichiers"

#, no-wrap
msgid "Empty translation"
msgstr ""

# obsolete note
#~| msgid "Old text"
#~ msgid "Gone text"
#~ msgstr "Texte disparu"

#~ msgctxt "menu"
#~ msgid "Gone"
#~ msgid_plural "Gones"
#~ msgstr[0] "Parti"
#~ msgstr[1] "Partis"
'''


def test_canonical_text_round_trips() -> None:
    po = parse_po(CANONICAL, "fr.po")
    assert format_po(po) == CANONICAL


@pytest.mark.skipif(shutil.which("msgcat") is None, reason="GNU gettext is not installed")
def test_canonical_text_is_what_msgcat_writes() -> None:
    out = subprocess.run(["msgcat", "-"], input=CANONICAL.encode(), capture_output=True, check=True)
    assert out.stdout.decode("utf-8") == CANONICAL


def test_model_is_filled() -> None:
    po = parse_po(CANONICAL, "fr.po")
    assert po.header == "French translation of the site.\n\n Indented second paragraph."
    assert po.metadata_is_fuzzy
    assert list(po.metadata) == ["Project-Id-Version", "Language", "Content-Type", "Plural-Forms"]
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n > 1);"
    first = po[0]
    assert (first.msgctxt, first.msgid, first.msgstr) == ("greeting", "Hello, %(name)s!",
                                                          "Bonjour, %(name)s !")
    assert first.tcomment == "A translator note" and first.comment == "Extracted: heading"
    assert first.occurrences == [("content/posts/hello.md", "12"), ("content/posts/hello.md", "40"),
                                 ("content/about.md", ""), ("content/no-line.md", "")]
    assert first.flags == ["fuzzy", "python-format"]
    assert (first.previous_msgctxt, first.previous_msgid) == ("old", "Hello %(name)s")
    assert first.linenum == 20
    assert po[1].msgid.endswith("\\ and a \t tab.") and po[1].linenum == 23
    assert po[2].msgid_plural == "%d files"
    assert po[2].msgstr_plural == {0: "Un fichier", 1: "%d fichiers"}
    assert [e.obsolete for e in po] == [False, False, False, False, True, True]
    assert po[4].previous_msgid == "Old text" and po[4].tcomment == "obsolete note"
    assert po[5].msgctxt == "menu" and po[5].msgstr_plural[1] == "Partis"


def test_lenient_but_valid_syntax_is_normalised() -> None:
    text = ('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            '#:a.md:3 b.md :4 c.md: 5\n#,fuzzy,c-format\n  msgid "a" "b"\n'
            '\tmsgstr "\\x41\\102\\"" \n')
    po = parse_po(text)
    assert po[0].msgid == "ab" and po[0].msgstr == 'AB"'
    assert po[0].occurrences == [("a.md", "3"), ("b.md", "4"), ("c.md", "5")]
    assert format_po(po).endswith('#: a.md:3 b.md:4 c.md:5\n#, fuzzy, c-format\n'
                                  'msgid "ab"\nmsgstr "AB\\""\n')


def test_read_po_accepts_bom_and_crlf(tmp_path: Path) -> None:
    target = tmp_path / "de.po"
    target.write_bytes(b"\xef\xbb\xbf" + CANONICAL.replace("\n", "\r\n").encode("utf-8"))
    po = read_po(target)
    assert format_po(po) == CANONICAL
    assert po[0].linenum == 20


def test_read_po_invalid_utf8_names_file_and_line(tmp_path: Path) -> None:
    target = tmp_path / "es.po"
    target.write_bytes(CANONICAL.encode("utf-8").replace(b"Bonjour", b"Bonj\xf6ur"))
    with pytest.raises(CatalogError) as info:
        read_po(target, display="po/es.po")
    assert (info.value.path, info.value.line) == ("po/es.po", 21)
    assert str(info.value).startswith("po/es.po:21: ")


def test_read_po_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as info:
        read_po(tmp_path / "nope.po")
    assert info.value.path == str(tmp_path / "nope.po")


HEAD = 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'  # lines 1-3

ERRORS = {
    "unterminated string": (HEAD + 'msgid "a\nmsgstr "b"\n', 4),
    "unterminated after escape": (HEAD + 'msgid "a"\nmsgstr "b\\"\n', 5),
    "bad escape": (HEAD + 'msgid "a"\nmsgstr "b\\q"\n', 5),
    "bad quote escape": (HEAD + 'msgid "it\\\'s"\nmsgstr ""\n', 4),
    "nul escape": (HEAD + 'msgid "a"\nmsgstr "b\\0"\n', 5),
    "eot character": (HEAD + 'msgid "a\x04b"\nmsgstr ""\n', 4),
    "text after string": (HEAD + 'msgid "a" b\nmsgstr ""\n', 4),
    "no string": (HEAD + 'msgid\nmsgstr ""\n', 4),
    "unknown keyword": (HEAD + 'msgid "a"\nmsgtxt "b"\n', 5),
    "msgstr without msgid": (HEAD + 'msgid "a"\nmsgstr "b"\n\nmsgstr "c"\n', 7),
    "msgid without msgstr at eof": (HEAD + '\nmsgid "a"\n', 5),
    "msgid without msgstr": (HEAD + 'msgid "a"\n\nmsgid "b"\nmsgstr ""\n', 4),
    "msgctxt without msgid": (HEAD + 'msgctxt "c"\nmsgstr "x"\n', 5),
    "msgstr[n] without msgid_plural": (HEAD + 'msgid "a"\nmsgstr[0] "x"\n', 5),
    "msgstr after msgid_plural": (HEAD + 'msgid "a"\nmsgid_plural "b"\nmsgstr "x"\n', 6),
    "plural index skipped": (HEAD + 'msgid "a"\nmsgid_plural "b"\nmsgstr[0] "x"\nmsgstr[2] "y"\n', 7),
    "first plural index not 0": (HEAD + 'msgid "a"\nmsgid_plural "b"\nmsgstr[1] "x"\n', 6),
    "msgid_plural without msgid": (HEAD + 'msgctxt "c"\nmsgid_plural "b"\nmsgstr[0] ""\n', 5),
    "duplicate entry": (HEAD + 'msgid "a"\nmsgstr "1"\n\nmsgid "a"\nmsgstr "2"\n', 7),
    "duplicate with context": (HEAD + 'msgctxt "c"\nmsgid "a"\nmsgstr ""\n\n'
                               'msgctxt "c"\nmsgid "a"\nmsgstr ""\n', 9),
    "duplicate obsolete": (HEAD + 'msgid "a"\nmsgstr "1"\n\n#~ msgid "a"\n#~ msgstr "2"\n', 7),
    "duplicate header": (HEAD + 'msgid ""\nmsgstr "X: y\\n"\n', 4),
    "comment inside entry": (HEAD + 'msgid "a"\n# note\nmsgstr "b"\n', 5),
    "previous inside entry": (HEAD + 'msgid "a"\n#| msgid "z"\nmsgstr "b"\n', 5),
    "inconsistent obsolete": (HEAD + '#~ msgid "a"\nmsgstr "b"\n', 5),
    "string without keyword": ('"stray"\nmsgid "a"\nmsgstr ""\n', 1),
    "continuation after comment": (HEAD + 'msgid "a"\nmsgstr "b"\n# c\n"d"\n', 7),
    "trailing backslash": (HEAD + '# a comment \\\nmsgid "a"\nmsgstr ""\n', 4),
    "bad header field": ('msgid ""\nmsgstr ""\n"Content-Type: text/plain\\n"\n"garbage\\n"\n', 1),
    "plural header": ('msgid ""\nmsgid_plural "x"\nmsgstr[0] ""\n', 1),
    "unknown previous keyword": (HEAD + '#| msgstr "a"\nmsgid "a"\nmsgstr ""\n', 4),
    "bad utf-8 from escapes": (HEAD + 'msgid "\\xff"\nmsgstr ""\n', 4),
    "unterminated on last line": (HEAD + 'msgid "a"\nmsgstr "b', 5),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_name_path_and_line(case: str) -> None:
    text, line = ERRORS[case]
    with pytest.raises(CatalogError) as info:
        parse_po(text, "locale/fr/LC_MESSAGES/site.po")
    error = info.value
    assert error.path == "locale/fr/LC_MESSAGES/site.po"
    assert error.line == line, str(error)
    assert error.hint and str(line) in error.hint
    assert str(error).startswith(f"locale/fr/LC_MESSAGES/site.po:{line}: ")


def test_duplicate_error_mentions_first_definition() -> None:
    with pytest.raises(CatalogError) as info:
        parse_po(HEAD + 'msgid "a"\nmsgstr "1"\n\nmsgid "a"\nmsgstr "2"\n')
    assert "line 4" in info.value.message and info.value.path == "<string>"


def test_quoting_hint_mentions_the_line() -> None:
    with pytest.raises(CatalogError) as info:
        parse_po(HEAD + 'msgid "a"\nmsgstr "broken\n', "x.po")
    assert info.value.hint == ("a translator's edit probably broke the quoting; open the file "
                               "in a PO editor or fix line 5")
