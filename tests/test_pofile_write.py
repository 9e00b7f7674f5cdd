"""format_po must write exactly what GNU msgcat 0.21 writes for the same catalog.

Every test feeds our text to the real ``msgcat`` and requires it to come back
byte-identical (msgcat re-wraps and re-orders everything it reads, so any
difference in line breaking, escaping, flag handling or ordering shows up).
A few golden assertions also pin the behaviour without msgcat.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twp_i18n.catalog import linebreak
from twp_i18n.catalog.pofile import format_po, parse_po, write_po
from twp_i18n.errors import CatalogError

MSGCAT = shutil.which("msgcat")
needs_msgcat = pytest.mark.skipif(MSGCAT is None, reason="GNU gettext (msgcat) is not installed")

HEADER = {"Project-Id-Version": "twp 1.0", "Content-Type": "text/plain; charset=UTF-8",
          "Content-Transfer-Encoding": "8bit"}
PROSE = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
         "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
         "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure "
         "dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur.")
URL = ("Read https://example.org/articles/2024/some-very-long-path/with-many-segments/index.html"
       "?query=value&other-key=other-value&x=1#fragment-part before you start.")
TRICKY = {
    "prose": PROSE,
    "url": URL,
    "long_word": "Pneumonoultramicroscopicsilicovolcanoconiosis" * 4,
    "japanese": "日本語の文章はスペースを使わずに書かれますが、それでも行は適切に折り返されます。" * 3,
    "chinese": "中文文本也很长，需要在汉字之间换行，并且每个汉字占两列。" * 4,
    "korean": "한국어 문장은 띄어쓰기를 사용합니다. " * 6,
    "arabic": "مرحبا بالعالم، هذه فقرة طويلة باللغة العربية لاختبار الالتفاف. " * 3,
    "emoji": "Emoji 😀🎉👍🏽 and flags 🇫🇷🇯🇵 and a family 👨‍👩‍👧 " * 4,
    "tabs": "col1\tcol2\tcol3\t" * 12,
    "quotes": 'He said "hello" and \'bye\' and „Anführung“ and «guillemets» ' * 3,
    "backslashes": r"C:\path\to\file and \\server\share and a \n that is not a newline " * 2,
    "newlines": "First line\nSecond line is a bit longer than the first one\n\nFourth\n",
    "markdown": "**bold** and _em_ and `code` and [text](https://example.org/a/b) and "
                "![img](/static/images/picture-of-a-cat.png \"title\") " * 2,
    "controls": "bell\a back\b form\f vtab\v cr\r esc\x1b del\x7f nel\x85 ls\u2028 end",
    "wide_edge": "x" * 60 + "漢字" * 10,
    "zero_width": "zero\u200bwidth\u200bspaces\u200band\u00a0no\u00a0break\u00a0spaces " * 5,
    "percent": "100% done, 50 % left, %s and %(name)s and {name} stay together " * 3,
}


def msgcat(text: str) -> str:
    """What msgcat writes when it reads ``text`` (--force-po: write header-only files too)."""
    proc = subprocess.run([MSGCAT or "msgcat", "--force-po", "-"], input=text.encode("utf-8"),
                          capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    return proc.stdout.decode("utf-8")


def catalog(*entries: polib.POEntry, **kwargs: object) -> polib.POFile:
    po = polib.POFile()
    po.metadata = dict(HEADER)
    for key, value in kwargs.items():
        setattr(po, key, value)
    for entry in entries:
        po.append(entry)
    return po


def assert_msgcat_agrees(po: polib.POFile) -> str:
    text = format_po(po)
    assert msgcat(text) == text
    return text


@needs_msgcat
@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_string_everywhere(name: str) -> None:
    s = TRICKY[name]
    po = catalog(
        polib.POEntry(msgid=s, msgstr=s[::-1]),
        polib.POEntry(msgctxt=s, msgid="ctx " + s, msgstr="", previous_msgid=s,
                      previous_msgctxt="old " + s, flags=["fuzzy"]),
        polib.POEntry(msgid="one " + s, msgid_plural="many " + s,
                      msgstr_plural={0: "un " + s, 1: "des " + s, 2: s}),
        polib.POEntry(msgid="nowrap " + s, msgstr=s, flags=["no-wrap"]),
        polib.POEntry(msgid="py " + s, msgstr=s, flags=["python-format"]),
        polib.POEntry(msgid="obsolete " + s, msgstr=s, obsolete=True, previous_msgid="was " + s),
    )
    assert_msgcat_agrees(po)


@needs_msgcat
def test_full_catalog_with_comments_references_and_order() -> None:
    refs = [(f"content/posts/2024/a-rather-long-article-name-{i}.md", str(i * 17)) for i in range(9)]
    po = catalog(
        polib.POEntry(msgid=PROSE, msgstr=PROSE.upper(), occurrences=refs,
                      tcomment="Translator note\n\n  indented line", comment="Heading: Intro\nline 2"),
        polib.POEntry(msgid="old", msgstr="alt", obsolete=True),
        polib.POEntry(msgid="gone", msgstr="", obsolete=True),  # msgcat drops it
        polib.POEntry(msgid=URL, msgstr="", occurrences=[("./a.md", "1"), ("a.md", "")],
                      flags=["bogus-flag", "python-format", "c-format", "wrap", "range: 1..3"]),
        polib.POEntry(msgid="untranslated but fuzzy", msgstr="", flags=["fuzzy"]),
        header="Translations of the site.\nCopyright (C) 2024\n\nSecond paragraph",
        metadata_is_fuzzy=True,
    )
    text = assert_msgcat_agrees(po)
    assert text.startswith("# Translations of the site.\n# Copyright (C) 2024\n#\n"
                           "# Second paragraph\n#, fuzzy\nmsgid \"\"\nmsgstr \"\"\n")
    assert text.index('#~ msgid "old"') > text.index("untranslated but fuzzy")
    assert '"gone"' not in text and "bogus" not in text
    assert "#, c-format, python-format, range: 1..3\n" in text
    assert '#: a.md:1 a.md\n' in text
    assert text.endswith('#~ msgid "old"\n#~ msgstr "alt"\n')
    assert "\n\n\n" not in text


@needs_msgcat
def test_many_references_wrap_like_msgcat() -> None:
    refs = [(f"content/p{i}/index.md", str(i)) for i in range(40)] + [("ünïcödé/päth.md", "")]
    text = assert_msgcat_agrees(catalog(polib.POEntry(msgid="x", msgstr="y", occurrences=refs)))
    lines = [line for line in text.splitlines() if line.startswith("#:")]
    assert len(lines) > 5 and all(len(line) <= 79 for line in lines)


@needs_msgcat
def test_header_forms() -> None:
    assert format_po(catalog()) == 'msgid ""\nmsgstr ""\n' + "".join(
        f'"{k}: {v}\\n"\n' for k, v in HEADER.items())
    short = catalog()
    short.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    assert assert_msgcat_agrees(short) == 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n'
    assert_msgcat_agrees(catalog())


@needs_msgcat
def test_format_directives_are_not_split() -> None:
    pad = "a" * 66
    po = catalog(
        polib.POEntry(msgid=pad + " %(foo-bar-baz)s tail tail tail", msgstr="", flags=["python-format"]),
        polib.POEntry(msgctxt="plain", msgid=pad + " %(foo-bar-baz)s tail tail tail", msgstr=""),
        polib.POEntry(msgid=pad + "aaa %-s and % d tail tail tail", msgstr="", flags=["c-format"]),
    )
    text = assert_msgcat_agrees(po)
    assert '"%(foo-bar-baz)s tail tail tail"' in text
    assert '%(foo-bar-"\n"baz)s' in text


def test_golden_breaks_without_msgcat() -> None:
    text = format_po(catalog(polib.POEntry(msgid=URL, msgstr=TRICKY["chinese"])))
    assert ('msgid ""\n"Read https://example.org/articles/2024/some-very-long-path/with-many-"\n'
            '"segments/index.html?query=value&other-key=other-value&x=1#fragment-part "\n'
            '"before you start."\n') in text
    for line in text.splitlines()[6:]:  # CJK: 2 columns each, 79 columns at most
        assert sum(2 if "\u4e00" <= c <= "\u9fff" or c in "，。" else 1 for c in line) <= 79
    assert format_po(catalog(polib.POEntry(msgid='a "b" \\ \t\n', msgstr="x"))).endswith(
        'msgid "a \\"b\\" \\\\ \\t\\n"\nmsgstr "x"\n')


def test_unrepresentable_values_are_refused() -> None:
    with pytest.raises(CatalogError):
        format_po(catalog(polib.POEntry(msgid="a\x04b", msgstr="")))
    with pytest.raises(CatalogError):
        format_po(catalog(polib.POEntry(msgid="a", msgstr="", tcomment="ends with \\")))


def test_write_po_only_writes_changes(tmp_path: Path) -> None:
    po = catalog(polib.POEntry(msgid=PROSE, msgstr=""))
    target = tmp_path / "sub" / "fr.po"
    assert write_po(target, po) is True
    assert target.read_bytes() == format_po(po).encode("utf-8")
    assert write_po(target, po) is False
    po[0].msgstr = "traduit"
    assert write_po(target, po) is True
    assert parse_po(target.read_text("utf-8"))[0].msgstr == "traduit"


def _libunistring() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("unistring")
    try:
        lib = ctypes.CDLL(name or "libunistring.so.2")
        lib.libunistring_unilbrkprop  # noqa: B018 - the table must be exported
        return lib
    except (OSError, AttributeError):
        return None


@pytest.mark.skipif(_libunistring() is None, reason="libunistring 1.0 tables are not available")
def test_embedded_tables_match_libunistring() -> None:
    """The line-break data file holds libunistring's (how to regenerate them, too)."""
    lib = _libunistring()
    assert lib is not None
    pair = bytes((ctypes.c_ubyte * 1089).in_dll(lib, "libunistring_unilbrk_table"))
    assert pair == linebreak.PAIR
    raw = bytes((ctypes.c_ubyte * 39740).in_dll(lib, "libunistring_unilbrkprop"))
    level1 = memoryview(raw)[:60].cast("i")
    level2 = memoryview(raw)[60:8252].cast("i")
    width = lib.uc_width
    width.argtypes, width.restype = [ctypes.c_uint32, ctypes.c_char_p], ctypes.c_int
    for cp in list(range(0, 0x30000, 7)) + list(range(0x3000, 0x3100)) + [0xE0001, 0x10FFFF]:
        prop = 42
        if (cp >> 16 < 15 and level1[cp >> 16] >= 0
                and (l2 := level2[level1[cp >> 16] + ((cp >> 7) & 511)]) >= 0):
            prop = raw[8252 + l2 + (cp & 127)]
        assert linebreak.char_info(cp) == prop * 4 + max(width(cp, b"UTF-8"), 0), hex(cp)


# ---------------------------------------------------------------- property tests

_ANY = st.characters(exclude_categories=("Cs",), exclude_characters="\x00\x04")
_HOT_CHARS = ' "\\\n\t/-?=&.,;:()[]{}*%_#<>\'日本語中文😀🏽\u200b\u00a0\u3000'
_HOT = st.sampled_from(list(_HOT_CHARS))
_COMMENT = st.text(st.sampled_from([c for c in _HOT_CHARS + "abc" if c not in "\n\\"]), max_size=40)
_TEXT = st.text(st.one_of(_ANY, _HOT, st.sampled_from(list("abcdefghij     "))), max_size=260)
_FLAGS = st.sampled_from([[], ["fuzzy"], ["python-format"], ["fuzzy", "c-format"], ["no-wrap"],
                          ["fuzzy", "python-format", "no-wrap"]])


@st.composite
def entries(draw: st.DrawFn) -> list[polib.POEntry]:
    result = []
    for i in range(draw(st.integers(1, 14))):
        msgstr = draw(_TEXT)
        obsolete = draw(st.booleans()) and draw(st.booleans()) and bool(msgstr)
        flags = [f for f in draw(_FLAGS) if f != "fuzzy" or msgstr]
        entry = polib.POEntry(
            msgid=draw(_TEXT) + f" #{i}", msgstr=msgstr, obsolete=obsolete, flags=flags,
            msgctxt=draw(st.none() | _TEXT),
            previous_msgid=draw(st.none() | _TEXT),
            tcomment=draw(_COMMENT),
            occurrences=[(f"content/{path}.md", str(line)) for path, line in draw(st.lists(
                st.tuples(st.from_regex(r"[a-z0-9/_.-]{1,50}", fullmatch=True), st.integers(1, 99999)),
                max_size=6, unique=True))],
        )
        if draw(st.booleans()) and not obsolete:
            entry.msgid_plural = draw(_TEXT) or "p"
            entry.msgstr_plural = {n: draw(_TEXT) for n in range(draw(st.integers(1, 3)))}
            entry.msgstr = ""
            entry.flags = [f for f in entry.flags if f != "fuzzy" or entry.msgstr_plural[0]]
        result.append(entry)
    return result


def _fields(entry: polib.POEntry) -> tuple[object, ...]:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural, entry.msgstr, entry.msgstr_plural,
            entry.obsolete, entry.tcomment, entry.comment, list(entry.occurrences),
            list(entry.flags), entry.previous_msgctxt, entry.previous_msgid,
            entry.previous_msgid_plural)


@needs_msgcat
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(entries())
def test_random_catalogs_match_msgcat_and_round_trip(items: list[polib.POEntry]) -> None:
    po = catalog(*items)
    text = assert_msgcat_agrees(po)
    back = parse_po(text)
    expected = [e for e in items if not e.obsolete] + [e for e in items if e.obsolete]
    assert [_fields(e) for e in back] == [_fields(e) for e in expected]
    assert back.metadata == po.metadata
    assert format_po(back) == text
    # Given the file as read, the text is written again as it was...
    assert format_po(back, original=parse_po(text)) == text
    # ...and a canonical original gives canonical text, whatever changed.
    for entry in back:
        entry.flags = (["no-wrap"] if "no-wrap" not in entry.flags else []) + ["c-format"]
        entry.msgid, entry.obsolete = entry.msgid + "!", False
    assert format_po(back, original=parse_po(text)) == format_po(back)


def test_kept_entries_are_only_those_that_mean_the_same() -> None:
    long = "A sentence long enough to be wrapped by msgcat at seventy-nine columns, " * 3
    text = format_po(catalog(polib.POEntry(msgid=long, msgstr=long),
                             polib.POEntry(msgid="x", msgstr="y", previous_msgid=long,
                                           flags=["fuzzy"])))
    one_line = text.replace('"\n"', "")  # the same catalog, written without wrapping
    assert one_line != text
    original = parse_po(one_line)
    po = parse_po(one_line)
    assert format_po(po, original=original) == one_line
    po[0].obsolete = True  # the same value, but obsolete now: written anew, canonical
    header, _, second = one_line.rstrip("\n").split("\n\n")
    out = format_po(po, original=original)
    assert out.startswith(f"{header}\n\n{second}\n\n#~ msgid \"\"\n#~ \"A sentence")
    assert out == f"{header}\n\n{second}\n\n" + format_po(catalog(po[0])).split("\n\n")[1]


@needs_msgcat
def test_a_charset_placeholder_is_written_as_utf8():
    # A POT copied to a .po without msginit keeps xgettext's "charset=CHARSET": twp reads it
    # as UTF-8, and so writes it, or msgcat and msgfmt refuse the file's non-ASCII text.
    text = ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=CHARSET\\n"\n'
            '"Content-Transfer-Encoding: 8bit\\n"\n\nmsgid "Sleep"\nmsgstr "Sueño"\n')
    out = format_po(parse_po(text), original=parse_po(text))
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in out
    assert msgcat(out) == out
    assert '"Content-Transfer-Encoding: 8bit\\n"' in out and 'msgstr "Sueño"' in out
