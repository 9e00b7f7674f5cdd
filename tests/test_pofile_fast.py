"""The fast line-breaking paths of the PO writer agree with the plain, per-character algorithm.

The reference below is the straightforward port of libunistring's
u8_possible_linebreaks / u8_width_linebreaks (itself checked against msgcat in
test_pofile_write.py); the library's dense version skips runs of letters and digits
and only visits break opportunities; its windowed version (``line_breaks``) looks
for opportunities only near each line's end.
"""

from __future__ import annotations

import random

from twp_i18n.catalog import linebreak
from twp_i18n.catalog.linebreak import (
    AI,
    AL,
    BA,
    BK,
    CB,
    CM,
    CR,
    HL,
    HL_BA,
    HY,
    ID1,
    LF,
    MUST,
    NO,
    PAIR,
    RI,
    SA,
    SP,
    XX,
    YES,
    ZW,
    ZWJ,
)


def reference_possible_breaks(infos: list[int]) -> list[int]:
    """Break opportunity before each code point (given its ``_char_info``):
    u8_possible_linebreaks_v2."""
    out = [NO] * len(infos)
    prev = last = BK  # previous class; last class ignoring spaces
    space = False
    ri_count = 0
    for i, info in enumerate(infos):
        prop = info >> 2
        if prop in (BK, LF, CR):
            out[i] = MUST
            prev, last, space = prop, BK, False
        else:
            if prop in (AI, SA, XX):
                prop = AL
            elif prop == CB:
                prop = ID1
            if prop == SP:
                space = True
            elif prop == ZW:
                last, space = ZW, False
            elif prop in (CM, ZWJ):
                if last == BK:
                    last, space = AL, False
                elif last == ZW or space:
                    out[i] = YES
                    last, space = AL, False
            else:
                if last in (BK, ZW):
                    out[i] = YES if last == ZW else NO
                elif prev in (ZWJ, HL_BA):
                    pass
                elif last == RI and prop == RI:
                    out[i] = YES if space or ri_count % 2 == 0 else NO
                else:
                    kind = PAIR[last * 33 + prop]  # 1 direct, 2 indirect, 3 no
                    if kind == 1 or (kind == 2 and space):
                        out[i] = YES
                last, space = prop, False
            prev = HL_BA if prev == HL and prop in (HY, BA) else prop
        ri_count = ri_count + 1 if prop == RI else 0
    return out


def reference_width_breaks(cps: list[int], width: int, start: int,
                  overrides: list[bool]) -> list[bool]:
    """Where to break so lines fit ``width``: u8_width_linebreaks_v2.

    ``overrides[i]`` true forbids a break before ``cps[i]``.
    """
    infos = [linebreak.char_info(cp) for cp in cps]
    brk = reference_possible_breaks(infos)
    result = [False] * len(cps)
    last_i = -1
    column, piece = start, 0
    for i, info in enumerate(infos):
        b = NO if overrides[i] else brk[i]
        if b != NO and last_i >= 0 and column + piece > width:
            result[last_i] = True
            column = 0
        if b == MUST:
            last_i, column, piece = -1, 0, 0
        else:
            if b == YES:
                last_i, column, piece = i, column + piece, 0
            piece += info & 3
    if last_i >= 0 and column + piece > width:
        result[last_i] = True
    return result


ALPHABET = list("abcdefghij ABC 0123456789 .,;:!?-/()[]{}\"'\\*_#<>&%$@~`+=|") + [
    "é", "ß", "日", "本", "語", "ア", "한", "ع", "ب", "\u200b", "\u0301", "\u200d", "😀", "🇫", "🇷",
    "–", "—", "«", "»", "\u00a0", "\t", "\n", "٣", "א", "ב"]


def test_fast_line_breaks_match_the_reference():
    rng = random.Random(20261127)
    for _ in range(5000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 120)))
        cps = [ord(ch) for ch in text]
        infos = [linebreak.char_info(cp) for cp in cps]
        overrides = [rng.random() < 0.05 for _ in cps]
        width, start = rng.choice([10, 30, 77]), rng.randint(0, 20)
        expected = reference_possible_breaks(infos)
        assert linebreak.possible_breaks(linebreak.text_infos(text), text) == \
            [(i, kind) for i, kind in enumerate(expected) if kind != NO], text
        dense = reference_width_breaks(cps, width, start, overrides)
        forbidden = {i for i, flag in enumerate(overrides) if flag}
        expected_breaks = [i for i, flag in enumerate(dense) if flag]
        assert linebreak.dense_line_breaks(text, width, start, forbidden) == expected_breaks, text
        assert linebreak.line_breaks(text, width, start, forbidden) == expected_breaks, text


# Prose without the classes that carry state (what the windowed path handles): ASCII, and
# text in Latin, Arabic and CJK scripts with their punctuation.
PROSE = [*"abcdefghij ABC 0123456789 .,;:!?-/()[]{}\"'\\*_#<>&%$@~`+=|", "    ", "word ",
         "longerword ", "https://example.org/a-b/c?d=e ", *"éßñçøå日本語アイ、。「」한국ابت٣–—«»\u00a0…"]


def test_the_windowed_path_matches_the_dense_one_on_prose():
    rng = random.Random(20261202)
    for _ in range(5000):
        text = "".join(rng.choice(PROSE) for _ in range(rng.randint(0, 150)))
        forbidden = {i for i in range(len(text)) if rng.random() < 0.03}
        width, start = rng.choice([5, 20, 40, 77]), rng.randint(0, 20)
        assert linebreak.line_breaks(text, width, start, forbidden) == \
            linebreak.dense_line_breaks(text, width, start, forbidden), (text, width, start)


def test_display_width_counts_columns():
    assert linebreak.display_width("plain text") == 10
    assert linebreak.display_width("日本語") == 6
    assert linebreak.display_width("e\u0301") == 1
