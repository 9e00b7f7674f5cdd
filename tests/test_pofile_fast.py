"""The fast line-breaking paths of pofile agree with the plain, per-character algorithm.

The reference below is the straightforward port of libunistring's
u8_possible_linebreaks / u8_width_linebreaks (itself checked against msgcat in
test_pofile_write.py); the library's version skips runs of letters and digits
and only visits break opportunities.
"""

from __future__ import annotations

import random

from twp_i18n.catalog import pofile
from twp_i18n.catalog.pofile import (
    _AI,
    _AL,
    _BA,
    _BK,
    _CB,
    _CM,
    _CR,
    _HL,
    _HL_BA,
    _HY,
    _ID1,
    _LF,
    _MUST,
    _NO,
    _PAIR,
    _RI,
    _SA,
    _SP,
    _XX,
    _YES,
    _ZW,
    _ZWJ,
)


def reference_possible_breaks(infos: list[int]) -> list[int]:
    """Break opportunity before each code point (given its ``_char_info``):
    u8_possible_linebreaks_v2."""
    out = [_NO] * len(infos)
    prev = last = _BK  # previous class; last class ignoring spaces
    space = False
    ri_count = 0
    for i, info in enumerate(infos):
        prop = info >> 2
        if prop in (_BK, _LF, _CR):
            out[i] = _MUST
            prev, last, space = prop, _BK, False
        else:
            if prop in (_AI, _SA, _XX):
                prop = _AL
            elif prop == _CB:
                prop = _ID1
            if prop == _SP:
                space = True
            elif prop == _ZW:
                last, space = _ZW, False
            elif prop in (_CM, _ZWJ):
                if last == _BK:
                    last, space = _AL, False
                elif last == _ZW or space:
                    out[i] = _YES
                    last, space = _AL, False
            else:
                if last in (_BK, _ZW):
                    out[i] = _YES if last == _ZW else _NO
                elif prev in (_ZWJ, _HL_BA):
                    pass
                elif last == _RI and prop == _RI:
                    out[i] = _YES if space or ri_count % 2 == 0 else _NO
                else:
                    kind = _PAIR[last * 33 + prop]  # 1 direct, 2 indirect, 3 no
                    if kind == 1 or (kind == 2 and space):
                        out[i] = _YES
                last, space = prop, False
            prev = _HL_BA if prev == _HL and prop in (_HY, _BA) else prop
        ri_count = ri_count + 1 if prop == _RI else 0
    return out


def reference_width_breaks(cps: list[int], width: int, start: int,
                  overrides: list[bool]) -> list[bool]:
    """Where to break so lines fit ``width``: u8_width_linebreaks_v2.

    ``overrides[i]`` true forbids a break before ``cps[i]``.
    """
    infos = [pofile._char_info(cp) for cp in cps]
    brk = reference_possible_breaks(infos)
    result = [False] * len(cps)
    last_i = -1
    column, piece = start, 0
    for i, info in enumerate(infos):
        b = _NO if overrides[i] else brk[i]
        if b != _NO and last_i >= 0 and column + piece > width:
            result[last_i] = True
            column = 0
        if b == _MUST:
            last_i, column, piece = -1, 0, 0
        else:
            if b == _YES:
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
        infos = [pofile._char_info(cp) for cp in cps]
        overrides = [rng.random() < 0.05 for _ in cps]
        width, start = rng.choice([10, 30, 77]), rng.randint(0, 20)
        expected = reference_possible_breaks(infos)
        assert pofile._possible_breaks(pofile._infos(text), text) == \
            [(i, kind) for i, kind in enumerate(expected) if kind != _NO], text
        dense = reference_width_breaks(cps, width, start, overrides)
        forbidden = {i for i, flag in enumerate(overrides) if flag}
        assert pofile._line_breaks(text, width, start, forbidden) == \
            [i for i, flag in enumerate(dense) if flag], text
