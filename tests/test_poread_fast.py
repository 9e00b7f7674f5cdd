"""The PO reader's whole-entry fast path reads exactly what its line-by-line path reads.

Every catalog is read both ways (``_Parser(..., fast=False)`` is the general path alone)
and everything a caller can see is compared: each entry's fields, its line and its span
among the lines, the header and where it was, the lines kept for writing unchanged entries
again, and, for a text the reader refuses, the error (message, line, hint).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from hypothesis import given, settings
from hypothesis import strategies as st

from twp_i18n.catalog import poread
from twp_i18n.config import LimitsConfig
from twp_i18n.errors import CatalogError

from .conftest import REPO


def snapshot(text: str, limits: LimitsConfig = poread.DEFAULT_LIMITS,
             fast: bool = True) -> Any:
    try:
        po = poread._Parser(text, "x.po", limits, fast=fast).run()
    except CatalogError as error:
        return ("refused", type(error).__name__, str(error), error.line, error.hint)
    header = getattr(po, "twp_header", None)
    return {
        "entries": [dict(vars(entry)) for entry in po],
        "metadata": list(po.metadata.items()), "header": po.header,
        "fuzzy": po.metadata_is_fuzzy, "lines": po.twp_lines, "end": po.twp_end,
        "has_header": getattr(po, "twp_has_header", False),
        "header_line": getattr(po, "header_linenum", None),
        "raw_header": None if header is None else (
            header.span, header.msgstr_at, header.msgstr_lines, header.pieces),
    }


def same(text: str, limits: LimitsConfig = poread.DEFAULT_LIMITS) -> Any:
    fast = snapshot(text, limits)
    assert fast == snapshot(text, limits, fast=False), text[:300]
    return fast


def catalogs() -> list[Path]:
    found = [*REPO.glob("locales/**/*.po"), *REPO.glob("locales/**/*.pot"),
             *REPO.glob("tests/**/*.po"), *REPO.glob("tests/**/*.pot")]
    return sorted(p for p in found if ".venv" not in p.parts)


def test_the_repositorys_catalogs_read_the_same_and_as_polib_saved_them():
    read = 0
    for path in catalogs():
        text = path.read_bytes().decode("utf-8", "replace")
        result = same(text)
        if isinstance(result, dict):
            read += 1
            # The same catalog as a translator's tool (polib) saves it: its wrapping.
            same(str(polib.pofile(text, wrapwidth=78)))
    assert read > 20


def test_the_fast_path_reads_most_entries_of_ordinary_catalogs():
    calls = 0
    original = poread._fast_entry

    def counting(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        return original(*args)

    poread._fast_entry = counting  # type: ignore[assignment]
    try:
        path = next(p for p in catalogs() if p.suffix == ".po" and "locales" in p.parts)
        po = poread.parse_po(path.read_text(encoding="utf-8"))
    finally:
        poread._fast_entry = original  # type: ignore[assignment]
    assert calls >= len(po) > 5


# Pieces of entries, ordinary and not: the reader must give the same result (or the same
# error) whichever path reads them, wherever they stand.
STRINGS = ['""', '"plain text"', '"with \\"quotes\\" and \\\\"', '"tab\\there\\n"',
           '"octal \\303\\251"', '"hex \\x41"', '"bad \\q"', '"unterminated', '"a" "b"',
           '"café ☕ 日本"', '"x" # comment', '"nul \\0"', '"%d dose"']
LINES = [
    "", "   ", "# translator note", "#. extracted", "#: a.md:3 b.md:4", "#: file", "#, fuzzy",
    "#, fuzzy, python-format", "#| msgid \"old\"", "#| msgctxt \"ctx\"", "#~ msgid \"gone\"",
    "#~ msgstr \"ido\"", "#~| msgid \"older\"", "#", "#~", "domain \"x\"", "<<<<<<< HEAD",
    "msgid_plural \"forms\"", "msgstr[0] \"one\"", "msgstr[1] \"two\"", "msgstr[2] \"three\"",
    "msgid \"dup\"", "msgstr \"\"", "\\", "  msgid \"indented\"",
    *[f"msgid {s}" for s in STRINGS], *[f"msgstr {s}" for s in STRINGS],
    *[f"msgctxt {s}" for s in STRINGS[:4]], *STRINGS,
]
HEADER = ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
          '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n')


def entry(draw: Any) -> str:
    ctx = draw(st.sampled_from(["", 'msgctxt "role"\n']))
    comments = "".join(draw(st.lists(st.sampled_from(LINES[2:9]), max_size=3)))
    msgid = draw(st.sampled_from(STRINGS[:5] + STRINGS[9:]))
    more = "".join(f"{s}\n" for s in draw(st.lists(st.sampled_from(STRINGS[1:5]), max_size=2)))
    if draw(st.booleans()):
        forms = "".join(f"msgstr[{n}] {draw(st.sampled_from(STRINGS[:5]))}\n"
                        for n in range(draw(st.integers(1, 3))))
        tail = f'msgid_plural "many"\n{forms}'
    else:
        tail = f"msgstr {draw(st.sampled_from(STRINGS[:5]))}\n{more}"
    return f"{comments.replace('#', chr(10) + '#').lstrip()}\n{ctx}msgid {msgid}\n{more}{tail}"


@st.composite
def catalog_texts(draw: Any) -> str:
    parts = [HEADER] if draw(st.booleans()) else []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 4))
        if kind == 0:  # any line at all, anywhere
            parts.append(draw(st.sampled_from(LINES)) + "\n")
        else:
            parts.append(entry(draw))
        parts.append(draw(st.sampled_from(["\n", "", "\n\n", "  \n"])))
    return "".join(parts)


@settings(max_examples=600, deadline=None)
@given(catalog_texts())
def test_generated_catalogs_read_the_same(text: str):
    same(text)


@settings(max_examples=200, deadline=None)
@given(catalog_texts(), st.integers(8, 120))
def test_entry_limits_are_the_same(text: str, bound: int):
    same(text, LimitsConfig(max_entry_bytes=bound))
