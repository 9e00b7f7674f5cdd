"""The reader refuses what it cannot read exactly as gettext does, and stays linear and bounded."""

from __future__ import annotations

from pathlib import Path

import pytest

from twp_i18n.catalog import poread
from twp_i18n.catalog.pofile import parse_po, read_po
from twp_i18n.config import LimitsConfig
from twp_i18n.errors import CatalogError

from .conftest import snapshot

CATALOG = "locales/es/LC_MESSAGES/our-values.po"


def test_update_refuses_a_catalog_with_cr_only_line_endings(demo_site: Path, twp) -> None:
    target = demo_site / CATALOG
    data = target.read_bytes().replace(b"\n", b"\r")  # saved by an old Mac editor
    target.write_bytes(data)
    before = snapshot(demo_site / "locales")
    result = twp("--site", demo_site, "update")
    assert result.code == 1, result  # left as it is; the others are updated
    assert f"{CATALOG}:1: " in result.err
    assert "LF" in result.err and "Traceback" not in result.err
    assert snapshot(demo_site / "locales") == before


def test_update_refuses_a_catalog_whose_second_half_is_cr_only(demo_site: Path, twp) -> None:
    target = demo_site / CATALOG
    lines = target.read_bytes().split(b"\n")
    half = next(i for i in range(len(lines) // 2, len(lines)) if lines[i].startswith(b"#"))
    data = b"\n".join(lines[:half]) + b"\n" + b"\r".join(lines[half:])
    target.write_bytes(data)
    result = twp("--site", demo_site, "update")
    assert result.code == 1, result
    assert f"{CATALOG}:{half + 1}: " in result.err and "LF" in result.err
    assert target.read_bytes() == data


HEAD = 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'  # lines 1-3


@pytest.mark.parametrize("text, line", [
    (HEAD + '# a note\rmsgid "a"\nmsgstr "b"\n', 4),   # would hide the entry in the comment
    (HEAD + 'msgid "a"\nmsgstr "b\rc"\n', 5),          # a raw CR inside a string
    (HEAD + 'msgid "a"\nmsgstr "b"\r\r\n', 5),          # CR CR LF
    (HEAD + 'msgid "a"\nmsgstr "b"\n\r', 6),            # a CR at the very end
])
def test_lone_carriage_returns_are_refused_with_their_line(text: str, line: int) -> None:
    with pytest.raises(CatalogError) as info:
        parse_po(text, "x.po")
    assert (info.value.path, info.value.line) == ("x.po", line)
    assert "LF" in (info.value.hint or "")


def test_crlf_is_still_read(tmp_path: Path) -> None:
    target = tmp_path / "fr.po"
    target.write_bytes((HEAD + '# note\nmsgid "a"\nmsgstr "b"\n').replace("\n", "\r\n").encode())
    po = read_po(target)
    assert po[0].msgstr == "b" and po[0].tcomment == "note"


def assigned_characters(monkeypatch: pytest.MonkeyPatch, text: str) -> int:
    """Characters stored into entries while ``text`` is read line by line (the reader's
    general path; its fast path reads each field with one join): the copying work.

    Building a field by appending each continuation line to the value read so far copies
    the whole value again for every line; joining the lines once copies it once.
    """
    import polib

    total = [0]
    original = polib.POEntry.__setattr__

    class CountingDict(dict):
        def __setitem__(self, key: object, value: str) -> None:
            total[0] += len(value)
            super().__setitem__(key, value)

    def counting_setattr(entry: polib.POEntry, name: str, value: object) -> None:
        if isinstance(value, str):
            total[0] += len(value)
        elif name == "msgstr_plural" and isinstance(value, dict):
            total[0] += sum(len(v) for v in value.values())
            value = CountingDict(value)
        original(entry, name, value)

    with monkeypatch.context() as patch:
        patch.setattr(polib.POEntry, "__setattr__", counting_setattr)
        poread._Parser(text, "<string>", fast=False).run()
    return total[0]


def long_fields(lines: int) -> str:
    piece = "".join(f'"Part {n} of a very long translation, split over many lines. "\n'
                    for n in range(lines))
    return (HEAD + 'msgid ""\n' + piece + 'msgstr ""\n' + piece + '\n'
            'msgid "one"\nmsgid_plural "many"\nmsgstr[0] ""\n' + piece + 'msgstr[1] ""\n' + piece)


def test_reading_is_linear_in_continuation_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    small = assigned_characters(monkeypatch, long_fields(500))
    large = assigned_characters(monkeypatch, long_fields(5000))
    assert large <= 15 * small, (small, large)
    po = parse_po(long_fields(50))
    assert po[0].msgstr.startswith("Part 0 of")
    assert po[0].msgstr.endswith("Part 49 of a very long translation, split over many lines. ")
    assert po[1].msgstr_plural[0] == po[1].msgstr_plural[1] == po[0].msgid


LIMITED = {"catalog": "[limits]\nmax_catalog_bytes = 100000\n",
           "entry": "[limits]\nmax_entry_bytes = 20000\n"}


def oversized(demo_site: Path, bound: str) -> tuple[Path, int]:
    """Make one catalog of the demo exceed ``bound``; returns it and the line to blame."""
    config = demo_site / "twp.toml"
    config.write_text(config.read_text(encoding="utf-8") + LIMITED[bound], encoding="utf-8")
    target = demo_site / CATALOG
    lines = target.read_text(encoding="utf-8").split("\n")
    line = 0
    if bound == "catalog":
        lines[:0] = ["# " + "padding " * 10] * 2000  # a long header comment
    else:
        index = next(i for i, line in enumerate(lines) if line.startswith("msgstr") and i > 20)
        lines[index] = 'msgstr "' + "Una traducción muy larga. " * 1000 + '"'
        line = index + 1
    target.write_text("\n".join(lines), encoding="utf-8")
    return target, line


@pytest.mark.parametrize("command", [["update"], ["status"], ["check"], ["build"], ["sync"]])
@pytest.mark.parametrize("bound", ["catalog", "entry"])
def test_catalog_over_a_bound_is_refused_by_every_command(demo_site: Path, twp, command: list[str],
                                                          bound: str) -> None:
    target, line = oversized(demo_site, bound)
    data = target.read_bytes()
    result = twp("--site", demo_site, *command)
    where = f"{CATALOG}:{line}: " if line else f"{CATALOG}: "
    if command == ["check"]:  # a finding like any other broken catalog: exit 1
        assert result.code == 1, result
        assert f"{where}error: " in result.out and f"[limits] max_{bound}_bytes" in result.out
    elif command != ["status"]:  # left aside, the rest is done: exit 1
        assert result.code == 1, result
        assert where in result.err and f"[limits] max_{bound}_bytes" in result.err, result.err
    else:
        assert result.code == 2, result
        assert where in result.err and f"[limits] max_{bound}_bytes" in result.err, result.err
    assert "Traceback" not in result.err
    assert target.read_bytes() == data


def test_oversized_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    huge = tmp_path / "huge.po"
    with open(huge, "wb") as handle:
        handle.truncate(64 * 1024 * 1024 + 1)  # sparse: nothing to read, but too large
    with pytest.raises(CatalogError) as info:
        read_po(huge, "huge.po")
    assert info.value.path == "huge.po" and info.value.line is None
    assert "max_catalog_bytes" in str(info.value) and "33554432" in str(info.value)


@pytest.mark.parametrize("filler", ['""\n', "#\n", "\n"])
def test_a_file_of_millions_of_short_lines_is_refused_before_it_is_split(filler: str) -> None:
    # 30 MB of empty continuation lines (or comment marks, or blank lines) is under the size
    # bound, but each line is an object in memory: ten million of them took gigabytes.
    text = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "a"\nmsgstr ""\n'
    many = text + filler * 2_200_000 + '"x"\n'
    with pytest.raises(CatalogError) as info:
        parse_po(many, "many.po")
    assert info.value.path == "many.po"
    assert "lines" in info.value.message and "max_catalog_bytes" in str(info.value)
    # a real catalog of the same size has far fewer lines, and is read
    real = text.replace('msgstr ""', 'msgstr "' + "word " * 12 + '"') * 1
    entries = "".join(f'\nmsgid "Unit {n} of the article, a sentence."\nmsgstr "Eine Zeile {n}."\n'
                      for n in range(60_000))
    assert len(parse_po(real + entries, "real.po")) == 60_001


@pytest.mark.parametrize("field, line", [
    ('msgid "a"\nmsgstr ""\n' + '"0123456789"\n' * 11, 5),
    ('msgid ""\n' + '"0123456789"\n' * 11 + 'msgstr "x"\n', 4),
    ('msgid "a"\nmsgid_plural "b"\nmsgstr[0] "x"\nmsgstr[1] "' + "é" * 51 + '"\n', 7),
    ('#| msgid "' + "0123456789" * 11 + '"\nmsgid "a"\nmsgstr "b"\n', 4),
    ('msgctxt "' + "0123456789" * 11 + '"\nmsgid "a"\nmsgstr "b"\n', 4),
    ("# " + "0123456789" * 5 + "\n# " + "0123456789" * 6 + '\nmsgid "a"\nmsgstr "b"\n', 5),
])
def test_entry_over_max_entry_bytes_names_its_line(field: str, line: int) -> None:
    with pytest.raises(CatalogError) as info:
        parse_po(HEAD + field, "x.po", limits=LimitsConfig(max_entry_bytes=100))
    assert (info.value.path, info.value.line) == ("x.po", line), str(info.value)
    assert "[limits] max_entry_bytes" in str(info.value) and "100 bytes" in str(info.value)
    parse_po(HEAD + field, "x.po", limits=LimitsConfig(max_entry_bytes=200))  # within the bound: read


# Files msgfmt reads, that we refuse with a message saying how to write the same thing.
UNSUPPORTED = {
    "keyword and string on two lines": (HEAD + 'msgid\n"a"\nmsgstr "b"\n', 4),
    "two keywords on one line": (HEAD + 'msgid "a" msgstr "b"\n', 4),
    "comment after a string": (HEAD + 'msgid "a"\nmsgstr "b" # note\n', 5),
    "comment after #~": (HEAD + '#~ # note\n#~ msgid "a"\n#~ msgstr "b"\n', 4),
    "backslash newline": (HEAD + 'msgid "a"\nmsgstr "b"\\\n\n', 5),
    "domain": (HEAD + 'domain "other"\nmsgid "a"\nmsgstr "b"\n', 4),
    "long hex escape": (HEAD + 'msgid "a"\nmsgstr "\\x414"\n', 5),
    "nul": (HEAD + 'msgid "a"\nmsgstr "x\\0y"\n', 5),
    "escapes not utf-8": (HEAD + 'msgid "a"\nmsgstr "\\xff"\n', 5),
    "other charset": ('msgid ""\nmsgstr "Content-Type: text/plain; charset=ISO-8859-1\\n"\n', 1),
    "header line without colon": ('msgid ""\nmsgstr "Language fr\\n"\n', 1),
    "comments after the last entry": (HEAD + 'msgid "a"\nmsgstr "b"\n\n# to do\n# later\n', 7),
    "reference ending in a backslash": (HEAD + '#: \\ a.md:3\nmsgid "a"\nmsgstr "b"\n', 4),
}


@pytest.mark.parametrize("case", sorted(UNSUPPORTED))
def test_what_gettext_reads_but_we_do_not_is_refused_clearly(case: str) -> None:
    from twp_i18n.catalog.pofile import UnsupportedSyntax

    text, line = UNSUPPORTED[case]
    with pytest.raises(UnsupportedSyntax) as info:
        parse_po(text, "x.po")
    assert info.value.line == line and str(line) in (info.value.hint or ""), str(info.value)


@pytest.mark.parametrize("text, line", [
    (HEAD + '#| msgctxt "old"\nmsgid "a"\nmsgstr "b"\n', 4),       # no '#| msgid'
    (HEAD + '#| msgid "x"\n# note\nmsgid "a"\nmsgstr "b"\n', 5),    # comment after '#|'
    (HEAD + '#| msgid "x"\n#| msgctxt "c"\nmsgid "a"\nmsgstr "b"\n', 5),  # out of order
    (HEAD + '#~| msgid "x"\nmsgid "a"\nmsgstr "b"\n', 5),           # obsolete previous, live entry
    (HEAD + 'msgid "a"\nmsgstr "b"\n\n#| msgid "x"\n', 7),          # no entry after '#|'
    (HEAD + 'msgid "a"\nmsgstr "\udcff"\n', 5),                    # a byte that is not UTF-8
    (HEAD + 'msgid[1] "a"\nmsgstr "b"\n', 4),                       # an index on msgid
])
def test_what_msgfmt_refuses_we_refuse(text: str, line: int) -> None:
    from twp_i18n.catalog.pofile import UnsupportedSyntax, decode

    with pytest.raises(CatalogError) as info:
        parse_po(decode(text.encode("utf-8", "surrogateescape"), "x.po"), "x.po")
    assert info.value.line == line and not isinstance(info.value, UnsupportedSyntax), info.value


def test_the_header_entry_line_is_recorded() -> None:
    from .test_pofile_read import CANONICAL

    assert parse_po(CANONICAL).header_linenum == 5
    assert parse_po(HEAD).header_linenum == 1
    assert not hasattr(parse_po('msgid "a"\nmsgstr "b"\n'), "header_linenum")


def test_a_flags_line_replaces_the_flags_before_it_as_in_gettext() -> None:
    po = parse_po(HEAD + '#, fuzzy\n#, c-format\nmsgid "c"\nmsgstr "d"\n\n'
                  '#, c-format\n#, fuzzy\nmsgid "e"\nmsgstr "f"\n')
    assert [e.flags for e in po] == [["c-format"], ["fuzzy"]]  # what msgfmt and msgcat read
    assert parse_po(HEAD + '#, fuzzy c-format\nmsgid "a"\nmsgstr "b"\n')[0].fuzzy


def test_a_charset_anywhere_in_the_header_counts_as_msgfmt_reads_it() -> None:
    # A header line without its \n runs into the next: msgfmt still finds "charset=" in
    # the header's text, and refuses UTF-8 bytes in a file that says ASCII.
    text = ('msgid ""\nmsgstr ""\n"Language: de\\n"\n"Written over some evenings. "\n'
            '"Content-Type: text/plain; charset=ASCII\\n"\n\nmsgid "Our values"\n'
            'msgstr "Unsere Werte für alle"\n')
    with pytest.raises(CatalogError, match="charset=ASCII"):
        parse_po(text)


def test_a_plural_entry_with_an_empty_first_form_is_untranslated_as_msgfmt_says() -> None:
    from twp_i18n.catalog.catalogs import check_plural_counts

    text = ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
            '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
            'msgid "%d term"\nmsgid_plural "%d terms"\nmsgstr[0] ""\nmsgstr[1] "x"\n'
            'msgstr[2] ""\n')
    check_plural_counts(parse_po(text), "x.po")  # msgfmt -c reads it: nothing to refuse
    with pytest.raises(CatalogError, match="3 plural forms"):
        check_plural_counts(parse_po(text.replace('msgstr[0] ""', 'msgstr[0] "y"')), "x.po")


# Characters Python calls whitespace (or a line end) but gettext does not: U+2028/U+2029,
# NEL, the file/group/record separators, no-break and ideographic spaces.
UNICODE_SPACES = ["\u2028", "\u2029", "\x85", "\x1c", "\x1d", "\x1e", "\x1f", "\xa0", "\u3000"]


@pytest.mark.parametrize("space", UNICODE_SPACES)
@pytest.mark.parametrize("line", ["#|{s}", "#~|{s}", "#| msgid{s}\"x\"", "msgid{s}\"a\"",
                                  "#~ msgid{s}\"a\"", "#|{s}msgid \"x\""])
def test_unicode_space_where_gettext_wants_a_keyword_is_a_clear_error(space: str, line: str) -> None:
    text = HEAD + line.format(s=space) + '\nmsgid "a"\nmsgstr "b"\n'
    with pytest.raises(CatalogError) as info:
        parse_po(text, "x.po")
    assert info.value.path == "x.po" and info.value.line == 4, str(info.value)


@pytest.mark.parametrize("space", UNICODE_SPACES)
def test_unicode_space_inside_a_reference_is_part_of_the_name(space: str) -> None:
    po = parse_po(HEAD + f"#: a{space}b.md:3 c.md:4\nmsgid \"a\"\nmsgstr \"b\"\n", "x.po")
    assert po[0].occurrences == [(f"a{space}b.md", "3"), ("c.md", "4")]


def test_long_runs_in_comments_and_directives_are_read_in_linear_time() -> None:
    # A Solaris reference ('# File: a, line: 3') with a long run of spaces took cubic time,
    # and a c-format '%' then thousands of zeros quadratic time in the writer: minutes here.
    spaces = " " * 200_000
    po = parse_po(HEAD + f"# File: a.md{spaces}, line:3\n# File:{spaces}x\n"
                  'msgid "a"\nmsgstr "b"\n', "x.po")
    assert po[0].occurrences == [("a.md", "3")] and po[0].tcomment == f"File:{spaces}x"
    entry = poread.polib.POEntry(msgid="%" + "0" * 200_000 + "y", msgstr="x", flags=["c-format"])
    from twp_i18n.catalog.pofile import format_po

    catalog = parse_po(HEAD, "x.po")
    catalog.append(entry)
    assert parse_po(format_po(catalog), "y.po")[0].msgid == entry.msgid
