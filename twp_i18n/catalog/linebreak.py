"""Where ``msgcat`` breaks a line: a port of libunistring 1.0's ``u8_width_linebreaks_v2``.

UAX #14 line breaking with display widths (79 columns, CJK counting 2), as GNU gettext
0.21 uses it to wrap PO strings.  The data is libunistring's own, so results do not
depend on the running Python's Unicode version: ``data/linebreak.bin`` holds the 33x33
UAX #14 pair table (1089 bytes: 1 direct break, 2 indirect, 3 none), then, for each range
of code points sharing one value, the distance from the previous range's first code point
(a little-endian base-128 varint) and the value ``line_break_class * 4 + uc_width``
(controls as width 0).  ``tests/test_pofile_write.py`` checks it against the library
when present.

:func:`line_breaks` is what the writer calls.  For the texts whose break opportunities
depend only on the nearest non-space character before them (every class but the ones
with rules of their own: combining marks, ZWJ, ZW, regional indicators, Hebrew letters,
mandatory breaks — which is nearly all prose, ASCII or not), it looks for opportunities
only near each line's end; the others take :func:`dense_line_breaks`, the plain port,
which visits every character.  ``tests/test_pofile_fast.py`` checks that both agree with
a per-character reference.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from pathlib import Path

__all__ = ["AI", "AL", "BA", "BK", "CB", "CM", "CR", "HL", "HL_BA", "HY", "ID1", "LF", "MUST",
           "NO", "NU", "PAIR", "RI", "SA", "SP", "XX", "YES", "ZW", "ZWJ", "char_info",
           "dense_line_breaks", "display_width", "line_breaks", "possible_breaks", "text_infos"]

DATA = Path(__file__).with_name("data") / "linebreak.bin"


def _load_tables() -> tuple[bytes, list[int], list[int]]:
    raw = DATA.read_bytes()
    starts: list[int] = []
    values: list[int] = []
    pos, cp = 1089, 0
    while pos < len(raw):
        delta = shift = 0
        while True:
            byte = raw[pos]
            pos += 1
            delta |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        cp += delta
        starts.append(cp)
        values.append(raw[pos])
        pos += 1
    return raw[:1089], starts, values


PAIR, _STARTS, _VALUES = _load_tables()

# libunistring's line-break classes (lbrktables.h); < 33 index the pair table.
(WJ, GL, B2, BA, BB, HY, CL, CP1, CP2, EX, IN, NS, OP1, OP2, QU,
 IS, NU, PO, PR, SY, AL, H2, H3, ID1) = range(24)
HL, RI, ZWJ = 28, 29, 30
BK, CR, LF, CM, ZW, SP, CB, AI, SA, XX = range(33, 43)
HL_BA = 100
NO, YES, MUST = 0, 1, 2  # UC_BREAK_PROHIBITED, _POSSIBLE, _MANDATORY


def _char_info_slow(cp: int) -> int:
    return _VALUES[bisect.bisect_right(_STARTS, cp) - 1]


def _bmp_table() -> bytes:
    """A direct table for the Basic Multilingual Plane: one lookup instead of a bisection."""
    table = bytearray()
    for index, start in enumerate(_STARTS):
        if start >= 0x10000:
            break
        end = min(_STARTS[index + 1] if index + 1 < len(_STARTS) else 0x10000, 0x10000)
        table += bytes([_VALUES[index]]) * (end - start)
    return bytes(table)


_BMP_INFO = _bmp_table()


def char_info(cp: int) -> int:
    """``class * 4 + width`` of code point ``cp``."""
    return _BMP_INFO[cp] if cp < 0x10000 else _char_info_slow(cp)


def _class_ranges(wanted: set[int] | None = None, width: int | None = None) -> str:
    """A regex character class body of the BMP ranges whose class is in ``wanted`` (or
    whose width is not ``width``), surrogates left out."""
    ranges: list[str] = []
    ends = [*_STARTS[1:], 0x110000]
    for start, end, value in zip(_STARTS, ends, _VALUES, strict=True):
        if start >= 0x10000:
            break
        end = min(end, 0x10000)
        if (wanted is not None and value >> 2 in wanted) or \
                (width is not None and value & 3 != width):
            for lo, hi in ((start, min(end, 0xD800)), (max(start, 0xE000), end)):
                if lo < hi:
                    ranges.append(f"\\u{lo:04x}-\\u{hi - 1:04x}")
    return "".join(ranges)


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Character classes over the table, compiled on first use (not on import).

    * Runs: between two characters that act as AL or NU there is never a break
      opportunity, so a run of them can be skipped in one step.
    * Local exceptions: the classes with rules of their own in the main loop (astral
      characters are left to the dense path too).  In a text without them, whether there
      is a break opportunity before a character depends on it and on the nearest non-space
      character before it only.
    * Characters not one column wide (astral ones counted among them).
    """
    run = re.compile(f"[{_class_ranges({AL, AI, SA, XX, NU})}]{{2,}}")
    local = re.compile(f"[{_class_ranges({CM, ZWJ, ZW, RI, HL, BK, CR, LF})}"
                       "\\U00010000-\\U0010ffff]")
    wide = re.compile(f"[{_class_ranges(width=1)}\\U00010000-\\U0010ffff]")
    return run, local, wide


assert all(PAIR[a * 33 + b] != 1 for a in (AL, NU) for b in (AL, NU))  # for the runs


def _resolved(info: int) -> int:
    prop = info >> 2
    return AL if prop in (AI, SA, XX) else ID1 if prop == CB else prop


_ASCII_INFO = bytes(_BMP_INFO[:256])
_CLASSES = _BMP_INFO.translate(bytes(_resolved(info) for info in range(256)))  # cp -> class
_WIDTHS = _BMP_INFO.translate(bytes(info & 3 for info in range(256))).decode("latin-1")  # str.translate
assert all(_BMP_INFO[cp] & 3 == 1 for cp in range(0x20, 0x7F))


def text_infos(text: str) -> bytes | list[int]:
    """``char_info`` of every character of ``text`` (a bytes object for ASCII: C speed)."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_INFO)
    return [_BMP_INFO[cp] if cp < 0x10000 else _char_info_slow(cp) for cp in map(ord, text)]


def possible_breaks(infos: bytes | list[int], text: str) -> list[tuple[int, int]]:  # noqa: C901 - the UAX #14 pair rules in the order of the specification
    """Break opportunities as ``(index, kind)`` (kind ``YES`` or ``MUST``), given each
    character's ``char_info``: u8_possible_linebreaks_v2.  Runs of letters and digits,
    which never hold a break, are skipped in one step."""
    out: list[tuple[int, int]] = []
    runs = {m.start(): m.end() for m in _patterns()[0].finditer(text)}
    prev = last = BK  # previous class; last class ignoring spaces
    space = False
    ri_count = 0
    i, n = 0, len(infos)
    while i < n:
        prop = infos[i] >> 2
        if prop in (BK, LF, CR):
            out.append((i, MUST))
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
                    out.append((i, YES))
                    last, space = AL, False
            else:
                if last in (BK, ZW):
                    if last == ZW:
                        out.append((i, YES))
                elif prev in (ZWJ, HL_BA):
                    pass
                elif last == RI and prop == RI:
                    if space or ri_count % 2 == 0:
                        out.append((i, YES))
                else:
                    kind = PAIR[last * 33 + prop]  # 1 direct, 2 indirect, 3 no
                    if kind == 1 or (kind == 2 and space):
                        out.append((i, YES))
                last, space = prop, False
            prev = HL_BA if prev == HL and prop in (HY, BA) else prop
        ri_count = ri_count + 1 if prop == RI else 0
        end = runs.get(i)
        if end is not None:  # the rest of a letter/digit run: no break, state follows
            tail = infos[end - 1] >> 2
            prev = last = NU if tail == NU else AL
            ri_count = 0
            i = end
        else:
            i += 1
    return out


def dense_line_breaks(text: str, width: int, start: int, forbidden: set[int] | frozenset[int]
                      ) -> list[int]:
    """Indices of ``text`` before which a line is broken so lines fit ``width`` columns,
    the first line starting at column ``start``: u8_width_linebreaks_v2, visiting every
    break opportunity.  No break is made before an index in ``forbidden``."""
    infos = text_infos(text)
    cumulative: list[int] | range
    if text.isascii() and text.isprintable():
        cumulative = range(len(text) + 1)
    else:
        cumulative = [0, *itertools.accumulate(info & 3 for info in infos)]
    result: list[int] = []
    last_i = -1
    column, segment = start, 0  # the current piece's width is cumulative[i] - cumulative[segment]
    for i, kind in possible_breaks(infos, text):
        if i in forbidden:
            continue
        if last_i >= 0 and column + cumulative[i] - cumulative[segment] > width:
            result.append(last_i)
            column = 0
        if kind == MUST:
            last_i, column, segment = -1, 0, i + 1
        else:
            last_i, column, segment = i, column + cumulative[i] - cumulative[segment], i
    if last_i >= 0 and column + cumulative[-1] - cumulative[segment] > width:
        result.append(last_i)
    return result


def display_width(text: str) -> int:
    """The columns ``text`` takes (CJK 2, controls and combining marks 0)."""
    if text.isascii() and text.isprintable() or \
            not text.isascii() and not _patterns()[2].search(text):
        return len(text)
    return sum(info & 3 for info in text_infos(text))


def line_breaks(text: str, width: int, start: int, forbidden: set[int] | frozenset[int]
                ) -> list[int]:
    """What :func:`dense_line_breaks` gives, looking only near the end of each line when
    the text allows it (see the module's docstring)."""
    cumulative = None
    if text.isascii():
        if not text.isprintable():
            return dense_line_breaks(text, width, start, forbidden)
        points: bytes | memoryview = text.encode("ascii")
    elif _patterns()[1].search(text):
        return dense_line_breaks(text, width, start, forbidden)
    else:
        points = memoryview(text.encode("utf-32-le")).cast("I")
        if _patterns()[2].search(text):
            cumulative = [0, *itertools.accumulate(text.translate(_WIDTHS).encode("latin-1"))]
    return _greedy_breaks(points, width, start, forbidden, cumulative)


def _greedy_breaks(points: bytes | memoryview, width: int, start: int,
                   forbidden: set[int] | frozenset[int], cumulative: list[int] | None) -> list[int]:
    """u8_width_linebreaks_v2 for a text without the classes that carry state, given its
    code points: each line ends at the last opportunity that fits, or, when none does, at
    the first one after it.  ``cumulative`` is the running sum of the widths (None when
    every character is one column wide)."""
    n = len(points)
    classes = _CLASSES
    result: list[int] = []
    line, column = 0, start  # where the current line starts, and at which column
    while True:
        if cumulative is None:
            if column + n - line <= width:
                return result
            limit = line + width - column  # the last index before which a break still fits
        else:
            if column + cumulative[n] - cumulative[line] <= width:
                return result
            limit = bisect.bisect_right(cumulative, width - column + cumulative[line]) - 1
        at = min(limit, n - 1)
        while at > line:  # the last opportunity that fits (inlined _opportunity)
            prop = classes[points[at]]
            if prop != SP and at not in forbidden:
                before = at - 1
                while before and classes[points[before]] == SP:
                    before -= 1
                last = classes[points[before]]
                if last != SP and ((kind := PAIR[last * 33 + prop]) == 1 or
                                   (kind == 2 and before < at - 1)):
                    break
            at -= 1
        if at <= line:
            at = max(limit + 1, line + 1)
            while at < n and not _opportunity(points, forbidden, at):
                at += 1
            if at >= n:
                return result
        result.append(at)
        line, column = at, 0


def _opportunity(points: bytes | memoryview, forbidden: set[int] | frozenset[int], at: int) -> bool:
    """Whether a line may break before character ``at`` (``0 < at < len(points)``) of a
    text without the classes that carry state."""
    prop = _CLASSES[points[at]]
    if prop == SP or at in forbidden:
        return False
    before = at - 1
    while before and _CLASSES[points[before]] == SP:
        before -= 1
    last = _CLASSES[points[before]]
    if last == SP:  # only spaces before it
        return False
    kind = PAIR[last * 33 + prop]
    return kind == 1 or (kind == 2 and before < at - 1)
