"""Differential test: our PO reader against GNU ``msgfmt -c`` on mutated and random files.

For every input, whatever ``msgfmt`` cannot read our reader refuses (a :class:`CatalogError`
naming the file), and whatever ``msgfmt`` reads our reader reads the same way (the
translations msgfmt compiles are exactly ours) or refuses with
:class:`~twp_i18n.catalog.pofile.UnsupportedSyntax`, saying how to write the same thing in a form
it reads.  And what we read, we write again without loss, as the writer's guard sees it.

``msgfmt -c`` also refuses files that it reads perfectly well, for what ``twp check``
reports per entry instead (format directives, a translation that does not begin or end
with ``\\n`` like its source, a missing or invalid header or ``Plural-Forms``): such a file
we may read.  A file is "readable" when plain ``msgfmt`` (without ``-c``) reports nothing
but those per-entry findings.  The one leniency: a UTF-8 byte order mark at the very
start, which msgfmt 0.21 refuses and editors on Windows write, is skipped.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twp_i18n.catalog import pofile
from twp_i18n.catalog.catalogs import check_plural_counts
from twp_i18n.catalog.poguard import check_kept
from twp_i18n.errors import CatalogError

from .conftest import REPO, gettext_tool
from .test_pofile_read import CANONICAL

BASES = [
    CANONICAL.encode("utf-8"),
    (REPO / "locales/fr/LC_MESSAGES/site.po").read_bytes()[:3000].rsplit(b"\n\n", 1)[0] + b"\n",
    # from the dashboard's strings on: an untranslated entry with six plural forms
    (REPO / "locales/ar/LC_MESSAGES/site.po").read_bytes().split(b"\n\n#: theme/status.html", 1)[1],
    (REPO / "locales/de/LC_MESSAGES/our-values.po").read_bytes()[:2500].rsplit(b"\n\n", 1)[0] + b"\n",
]
HEADER = (b'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
          b'"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n')
BASES[2] = HEADER + b"#: theme/status.html" + BASES[2]  # six plural forms... now with two

PIECES = [b"\r", b"\n", b"\r\n", b'"', b'""', b"\\", b"\\n", b"\\q", b"\\x", b"\\0", b"\\400",
          b"\\x414", b"\\xff", b"\\303\\251", b"\x00", b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\x04",
          b"#", b"#~ ", b"#| ", b"#~| ", b" ", b"\t", b"\f", b"\v", b"[", b"]", b"[1]", b"msgid ",
          b"msgstr ", b"msgctxt ", b"msgid_plural ", b"msgstr[0] ", b"domain ", b"%s", b"%(n)d",
          b"\xe2\x80\xa8", b"\xc2\x85", b"a"]
LINES = [b"<<<<<<< HEAD", b"=======", b">>>>>>> theirs", b'msgid "x"', b'msgstr "y"',
         b'msgctxt "c"', b'msgid_plural "p"', b'msgstr[0] "z"', b'msgstr[1] "z"', b'msgstr[2] ""',
         b'#~ msgid "old"', b'#~ msgstr "vieux"', b'#| msgid "prev"', b'#~| msgid "prev"',
         b'"continued"', b"#, fuzzy", b"#, fuzzy c-format", b"#,fuzzy", b"#, python-format",
         b"#, no-wrap", b"#. note", b"# note", b"#: ref.md:3", b'domain "d"', b"", b"#", b"#~",
         b"#~ # note", b'msgid ""', b'msgstr ""', b'"Language: fr\\n"', b'"garbage\\n"',
         b'"Content-Type: text/plain; charset=ISO-8859-1\\n"', b"msgid", b"msgstr", b"\\",
         b'msgstr [ 1 ] "z"', b'msgstr[01] "z"', b'msgid"x"', b'"a""b"', b'\tmsgid "t"',
         b'msgid "a" msgstr "b"', b'msgstr "b" # note', b"#|", b'#| msgctxt "c"',
         b'#| msgid_plural "ps"', b'#~| msgctxt "c"', b'#~ msgid_plural "old"', b"#!fuzzy"]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    lines = draw(st.sampled_from(BASES)).split(b"\n")
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "insert", "line",
                                   "cut", "endings", "charset"]))
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, line)
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(st.sampled_from(PIECES)) + line[at:]
        elif op == "line":
            lines.insert(i, draw(st.sampled_from(LINES)))
        elif op == "cut":
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + line[at + draw(st.integers(1, 3)):]
        elif op == "endings":
            lines = b"\n".join(lines).replace(b"\n", draw(st.sampled_from([b"\r", b"\r\n"])),
                                              draw(st.integers(1, 40))).split(b"\n")
        else:
            charset = draw(st.sampled_from([b"ISO-8859-1", b"CHARSET", b"ASCII", b"utf8",
                                            b"UTF-16", b"SHIFT_JIS", b"", b"UTF-8 x"]))
            lines = b"\n".join(lines).replace(b"charset=UTF-8", b"charset=" + charset).split(b"\n")
        if not lines:
            lines = [b""]
    return b"\n".join(lines)


def random_bytes() -> st.SearchStrategy[bytes]:
    tokens = st.sampled_from(PIECES + [line + b"\n" for line in LINES] + [b"msgid", b"msgstr"])
    return st.one_of(
        st.binary(max_size=120),
        st.lists(tokens, max_size=30).map(b"".join),
        st.lists(tokens, max_size=30).map(lambda parts: HEADER + b"".join(parts)),
    )


# What msgfmt reports for a file it reads but whose entries fail a check twp check does too.
ENTRY_CHECKS = re.compile(
    r"entries do not both (begin|end) with|^\.\.\.but |message catalog has plural form translations"
    r"|invalid plural expression|invalid nplurals value|nplurals = \d|format specification"
    r"|is not a valid \S+ format string")


def msgfmt(data: bytes, *options: str) -> tuple[int, str, bytes | None]:
    with tempfile.TemporaryDirectory() as tmp:
        source, compiled = Path(tmp, "x.po"), Path(tmp, "x.mo")
        source.write_bytes(data)
        run = subprocess.run([MSGFMT, *options, "-o", str(compiled), str(source)],
                             capture_output=True, cwd=tmp, timeout=20)
        mo = compiled.read_bytes() if run.returncode == 0 and compiled.exists() else None
        return run.returncode, run.stderr.decode("utf-8", "replace"), mo


def mo_messages(data: bytes) -> dict[bytes, bytes]:
    """Original string -> translation of a compiled catalog (without the header)."""
    order = "little" if data[:4] == b"\xde\x12\x04\x95" else "big"

    def u32(at: int) -> int:
        return int.from_bytes(data[at:at + 4], order)

    count, originals, translations = u32(8), u32(12), u32(16)
    result = {}
    for i in range(count):
        length, offset = u32(originals + 8 * i), u32(originals + 8 * i + 4)
        key = data[offset:offset + length]
        length, offset = u32(translations + 8 * i), u32(translations + 8 * i + 4)
        if key:
            result[key] = data[offset:offset + length]
    return result


def our_messages(po) -> dict[bytes, bytes]:
    """What msgfmt compiles, as we read it: live, not fuzzy, first form translated."""
    result = {}
    for entry in po:
        plural = entry.msgid_plural is not None and bool(entry.msgstr_plural)
        forms = [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)] if plural \
            else [entry.msgstr]
        if entry.obsolete or entry.fuzzy or not forms[0]:
            continue
        key = ("" if entry.msgctxt is None else entry.msgctxt + "\x04") + entry.msgid
        key += "\0" + entry.msgid_plural if plural else ""
        result[key.encode("utf-8")] = "\0".join(forms).encode("utf-8")
    return result


def errors_of(stderr: str) -> list[str]:
    """msgfmt's error messages (not its warnings, nor its closing count)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    return [line for line in lines if "warning:" not in line and not line.startswith(" ")
            and "fatal error" not in line]


def compare(data: bytes) -> None:
    bare = data.removeprefix(b"\xef\xbb\xbf")
    code, stderr, mo = msgfmt(bare, "-c")
    readable = code == 0
    if code != 0:
        plain, plain_stderr, mo = msgfmt(bare)
        readable = plain == 0 or not [
            e for e in errors_of(plain_stderr)
            if not ENTRY_CHECKS.search(re.sub(r"^\S*x\.po:[\d:]*: ", "", e))]
    try:
        po = pofile.parse_po(pofile.decode(data, "x.po"), "x.po")
        check_plural_counts(po, "x.po")
    except pofile.UnsupportedSyntax as exc:
        assert exc.path == "x.po" and exc.hint, exc
        return
    except CatalogError as exc:
        assert exc.path == "x.po", exc
        assert code != 0 and not (readable and "plural forms but" not in exc.message), (
            f"we refuse what msgfmt reads: {exc}\nmsgfmt -c: {stderr}")
        return
    assert code == 0 or readable, f"we read what msgfmt refuses:\n{stderr}"
    if mo is not None:
        assert our_messages(po) == mo_messages(mo), "we read other translations than msgfmt"
    # What we read, we write again without losing a translation or comment (as the
    # writer's guard, a reader of its own, sees both files).
    check_kept(data, pofile.format_po(po), "x.po")


MSGFMT = ""
BUDGET = settings(max_examples=int(os.environ.get("TWP_FUZZ_EXAMPLES", "150")), deadline=None,
                  derandomize=bool(os.environ.get("CI")),
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(autouse=True)
def _msgfmt() -> None:
    global MSGFMT
    MSGFMT = gettext_tool("msgfmt")


@pytest.mark.parametrize("base", range(len(BASES)))
def test_bases_are_valid_and_read_alike(base: int) -> None:
    code, stderr, _ = msgfmt(BASES[base], "-c")
    assert code == 0, stderr
    compare(BASES[base])


@BUDGET
@given(mutated())
def test_mutated_catalogs_are_read_as_msgfmt_reads_them(data: bytes) -> None:
    compare(data)


@BUDGET
@given(random_bytes())
def test_random_bytes_are_read_as_msgfmt_reads_them(data: bytes) -> None:
    compare(data)
