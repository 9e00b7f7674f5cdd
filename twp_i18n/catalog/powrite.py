"""Catalog -> PO text, byte-for-byte as GNU ``msgcat`` 0.21 writes it.

:func:`format_po` ports gettext 0.21's ``write-po.c`` (``wrap()`` and the comment and flag
printers); where lines break is :mod:`.linebreak`'s (UAX #14, 79 display columns).  Given
the catalog a file was read into (``original``), it writes the entries that did not change
exactly as they were there, whatever tool wrote them.

The wrapped lines of a string are remembered: the same msgid is written in the template
and in every language's catalog.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import polib

from ..errors import CatalogError
from ..languages import plural_function
from .linebreak import display_width, line_breaks
from .poread import SourcedCatalog

__all__ = ["PAGE_WIDTH", "entry_key", "entry_lines", "format_po", "project_references"]

PAGE_WIDTH = 79  # msgcat's default --width

_ESCAPES = {"\a": "a", "\b": "b", "\f": "f", "\n": "n", "\r": "r", "\t": "t",
            "\v": "v", "\\": "\\", '"': '"'}
# Format languages in gettext 0.21's order, which is the order of the flags.
_FORMAT_LANGS = (
    "c objc python python-brace java java-printf csharp javascript scheme lisp"
    " elisp librep ruby sh awk lua object-pascal smalltalk qt qt-plural kde"
    " kde-kuit boost tcl perl perl-brace php gcc-internal gfc-internal ycp"
).split()
_PY_DIRECTIVE = re.compile(r"[-+ #0]*(\*|\d*)(?:\.(\*|\d*))?[hlL]?([%csrdiuoxXeEfgG])?")
_C_DIRECTIVE = re.compile(
    r"([1-9]\d*\$)?[ +\-#0'I]*+(?:(\*)([1-9]\d*\$)?|\d+)?(?:\.(?:(\*)([1-9]\d*\$)?|\d*))?"
    r"(?:<PRI[diouxX](?:MAX|PTR|(?:LEAST|FAST)?(?:8|16|32|64))>"
    r"|(?:hh|h|ll|l|L|q|j|z|Z|t)?([diouxXeEfFgGaAcspn%]))")


def _directive_interiors(value: str, lang: str | None) -> set[int]:
    """Indices of ``value`` inside (not at the start of) a format directive.

    msgcat never breaks a line there.  Only python-format and c-format are
    modelled; the scan stops at the first invalid directive, as gettext does.
    """
    inside: set[int] = set()
    if lang not in ("python", "c"):
        return inside
    pos, named, unnamed = 0, False, False
    while (start := value.find("%", pos)) >= 0:
        pos = start + 1
        if lang == "c":
            m = _C_DIRECTIVE.match(value, pos)
            if m is None:
                break
            args = [m[3], m[5]] if m[2] and m[4] else [m[3]] if m[2] else [m[5]] if m[4] else []
            if m[1] or m[6] != "%":
                args.append(m[1])  # main argument: numbered "n$" or unnumbered
            for arg in args:
                if unnamed if arg else named:  # numbered and unnumbered mixed
                    return inside
                named, unnamed = named or bool(arg), unnamed or not arg
        else:
            is_named = value.startswith("(", pos)
            if is_named:
                depth = 0
                for end in range(pos + 1, len(value) + 1):
                    if end == len(value):
                        return inside
                    ch = value[end]
                    if ch == ")" and depth == 0:
                        break
                    depth += (ch == "(") - (ch == ")")
                pos = end + 1
            m = _PY_DIRECTIVE.match(value, pos)
            assert m is not None
            star = "*" in (m.group(1), m.group(2))
            if (star and named) or m.group(3) is None:
                break
            unnamed = unnamed or star
            if is_named or m.group(3) != "%":
                if unnamed if is_named else named:
                    break
                named, unnamed = named or is_named, unnamed or not is_named
        pos = m.end()
        inside.update(range(start + 1, pos))
    return inside


def _wrap(prefix: str, name: str, value: str, wrap: bool,
          inside: set[int]) -> list[str]:
    """Lines for ``name "value"`` as write-po.c's ``wrap()`` prints them."""
    return list(_wrap_cached(prefix, name, value, wrap, frozenset(inside)))


@functools.lru_cache(maxsize=1 << 17)
def _wrap_cached(prefix: str, name: str, value: str, wrap: bool,
                 inside: frozenset[int]) -> tuple[str, ...]:
    # The same msgid is written in the template and in every language's catalog.
    return tuple(_wrap_uncached(prefix, name, value, wrap, inside))


_ESCAPE_TABLE = str.maketrans({ch: "\\" + code for ch, code in _ESCAPES.items()})
_NEEDS_ESCAPE = re.compile("[" + re.escape("".join(_ESCAPES)) + "]")


def _wrap_uncached(prefix: str, name: str, value: str, wrap: bool,
                   inside: frozenset[int]) -> list[str]:
    if "\x04" in value or "\0" in value:
        raise CatalogError(f"{name} {value[:40]!r} contains U+0004 or NUL, which PO cannot hold")
    lines: list[str] = []
    first = True
    width = (PAGE_WIDTH if wrap else 2**31 - 1) - 2 - len(prefix)  # after the opening quote
    pos = 0
    while True:
        end = value.find("\n", pos) + 1 or len(value)
        segment = value[pos:end]
        text, forbidden = _escaped(segment, pos, inside)
        pos = end
        start = len(name) + 1 if first else 0
        if pos >= len(value) and start + len(text) <= width and \
                (text.isascii() or max(map(ord, text)) < 0x1100):
            # Fast path: it fits on the first line (every character here is at most one
            # column wide), so there is no break to compute.
            return [f'{prefix}{name} "{text}"'] if first else [*lines, f'{prefix}"{text}"']
        if first and text:
            own, breaks = (True, line_breaks(text, width, 0, forbidden)) \
                if pos < len(value) or start > width else _first_segment(text, width, start, forbidden)
            if own:
                lines.append(f'{prefix}{name} ""')  # and the string from the next line on
        else:
            own, breaks = not first, line_breaks(text, width, 0, forbidden)
        head = f'{prefix}"' if own else f"{prefix}{name} \""
        first = False
        cuts = [0, *breaks, len(text)]
        lines.append(head + text[:cuts[1]] + '"')
        lines.extend(f'{prefix}"{text[a:b]}"' for a, b in zip(cuts[1:], cuts[2:], strict=False))
        if pos >= len(value):
            return lines


def _escaped(segment: str, pos: int, inside: frozenset[int]) -> tuple[str, set[int]]:
    """``segment`` (of a value, at ``pos`` in it) escaped, and the indices of the escaped text
    before which no line may break: inside an escape sequence, inside a format directive
    (``inside``: indices in the value), just before a final ``\\n``."""
    forbidden: set[int] = set()
    shift = 0
    for match in _NEEDS_ESCAPE.finditer(segment):
        forbidden.add(match.start() + shift + 1)
        shift += 1
    text = segment.translate(_ESCAPE_TABLE) if shift else segment
    if inside:
        shift = 0
        for k, ch in enumerate(segment):
            if pos + k in inside:
                forbidden.add(k + shift)
            shift += ch in _ESCAPES
    if segment.endswith("\n"):
        forbidden.add(len(text) - 2)  # never break just before a final "\n"
    return text, forbidden


def _first_segment(text: str, width: int, start: int, forbidden: set[int]) -> tuple[bool, list[int]]:
    """Whether the only segment of a value goes on lines of its own (after ``name ""``) rather
    than after the keyword, and its breaks there: the first, as msgcat decides it, when
    the text breaks after the keyword (``start`` columns in)."""
    total = display_width(text)
    if start + total <= width:
        return False, []
    breaks = line_breaks(text, width, 0, forbidden)
    if breaks or total > width:  # no break at all when there is no opportunity anywhere
        return bool(breaks), breaks
    return bool(line_breaks(text, width, start, forbidden)), []


def _flags(flags: list[str]) -> tuple[bool, list[str], str | None, bool]:
    """msgcat's view of ``flags``: (fuzzy, format flags, range, wrap)."""
    fuzzy, formats, rng, wrap = _flags_cached(tuple(flags))
    return fuzzy, list(formats), rng, wrap


@functools.lru_cache(maxsize=1024)
def _flags_cached(flags: tuple[str, ...]) -> tuple[bool, tuple[str, ...], str | None, bool]:
    # A catalog holds a handful of distinct flag lists, each on thousands of entries.
    tokens = [t for t in re.split(r"[\n \t\r\f\v,]+", ",".join(flags)) if t]
    fuzzy, formats, rng, wrap = False, {}, None, True
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        if tok == "fuzzy":
            fuzzy = True
        elif tok in ("wrap", "no-wrap"):
            wrap = tok == "wrap"
        elif tok == "range:" and i < len(tokens):
            m = re.match(r"(\d+)\.\.(\d+)", tokens[i])
            i += 1
            if m and int(m[1]) <= int(m[2]):
                lo, hi = (min(int(x), 2**31 - 1) for x in m.groups())
                rng = f"range: {lo}..{hi}"
        elif tok.endswith("-format"):
            m = re.fullmatch(r"(no-|possible-|impossible-)?(.*)-format", tok)
            if m and m[2] in _FORMAT_LANGS:
                formats[m[2]] = m[1] or ""
    kept = [f"{'no-' if mode == 'no-' else ''}{lang}-format"
            for lang in _FORMAT_LANGS
            if (mode := formats.get(lang)) is not None and mode != "impossible-"]
    return fuzzy, tuple(kept), rng, wrap


def _comment_lines(mark: str, text: str | None) -> list[str]:
    lines = [f"{mark} {line}" if line else mark for line in text.split("\n")] if text else []
    for line in lines:
        if line.endswith("\\"):
            raise CatalogError(f"comment {line!r} ends with a backslash",
                               hint="gettext would join it with the next line; remove it")
    return lines


def _references(occurrences: list[tuple[str, str]]) -> list[str]:
    seen: set[tuple[str, int | None]] = set()
    refs: list[str] = []
    for path, line in occurrences:
        num = int(line) if str(line).isdigit() else None
        if (path, num) in seen:
            continue
        seen.add((path, num))
        while path.startswith("./"):
            path = path[2:]
        refs.append(path if num is None else f"{path}:{num}")
        if refs[-1].endswith("\\"):
            raise CatalogError(f"reference {refs[-1]!r} ends with a backslash",
                               hint="gettext would join it with the next line")
    lines: list[str] = []
    line, column = "#:", 2
    for ref in refs:
        size = len(ref.encode("utf-8")) + 1
        if column > 2 and column + size > PAGE_WIDTH:
            lines.append(line)
            line, column = "#:", 2
        line += " " + ref
        column += size
    return lines + [line] if refs else []


def _field_lines(prefix: str, name: str, value: str, wrap: bool, lang: str | None) -> list[str]:
    """The canonical lines of one field."""
    return _wrap(prefix, name, value, wrap, _directive_interiors(value, lang))


def _format_language(formats: list[str]) -> str | None:
    """The format language whose directives are never broken: the first one, if not ``no-``."""
    return next((f[:-7] for f in formats if not f.startswith("no-")), None)


def _msgstrs(entry: polib.POEntry, plural: bool) -> list[str]:
    """The translations of an entry as msgcat writes them: one, or every plural form."""
    if not plural:
        return [entry.msgstr or ""]
    forms: dict[Any, str] = dict(entry.msgstr_plural or {})  # numbers, or text set by a caller
    count = max([int(k) + 1 for k in forms] + [2 if not forms else 1])
    return [forms.get(n, forms.get(str(n), "")) for n in range(count)]


def entry_lines(entry: polib.POEntry) -> list[str]:
    """The lines of one entry, or [] when msgcat would drop it."""
    plural = bool(entry.msgid_plural or entry.msgstr_plural)
    msgstrs = _msgstrs(entry, plural)
    if entry.obsolete and not any(msgstrs) and not (entry.tcomment or "").strip():
        return []  # msgcat also drops those with a translator comment, or msgstr[1] only
    fuzzy, formats, rng, wrap = _flags(list(entry.flags))
    flags = (["fuzzy"] if fuzzy and msgstrs[0] else []) + formats
    flags += ([rng] if rng and not entry.obsolete else []) + ([] if wrap else ["no-wrap"])
    lines = _comment_lines("#", entry.tcomment) + _comment_lines("#.", entry.comment)
    lines += _references(list(entry.occurrences))
    lines += [f"#, {', '.join(flags)}"] if flags else []
    lang = _format_language(formats)
    prev = "#~| " if entry.obsolete else "#| "
    for name in ("msgctxt", "msgid", "msgid_plural"):
        value = getattr(entry, f"previous_{name}", None)
        if value is not None:
            lines += _field_lines(prev, name, value, wrap, lang)
    prefix = "#~ " if entry.obsolete else ""
    fields = [("msgctxt", entry.msgctxt), ("msgid", entry.msgid)]
    fields += [("msgid_plural", entry.msgid_plural or "")] if plural else []
    if plural:
        fields += [(f"msgstr[{n}]", s) for n, s in enumerate(msgstrs)]
    else:
        fields.append(("msgstr", msgstrs[0]))
    for name, value in fields:
        if value is not None:
            lines += _field_lines(prefix, name, value, wrap, lang)
    return lines


def project_references(occurrences: list[tuple[str, str]], references: str
                       ) -> list[tuple[str, str]]:
    """``occurrences`` as ``references`` (one of :data:`REFERENCES`) writes them: ``line``
    keeps them, ``file`` drops the line numbers (each file once, like gettext's
    ``--add-location=file``), ``never`` drops them all."""
    if references == "line":
        return list(occurrences)
    if references == "never":
        return []
    return [(path, "") for path in dict.fromkeys(path for path, _ in occurrences)]


def _reference_key(occurrences: list[tuple[str, str]], references: str) -> tuple[object, ...]:
    """What two entries' references must share to count as the same under ``references``:
    ``file`` compares the files only, ``never`` nothing."""
    if references == "never" or not occurrences:
        return ()
    paths = [_plain_path(path) for path, _ in occurrences]
    if references == "file":
        return tuple(dict.fromkeys(paths))
    return tuple(dict.fromkeys((path, int(line) if str(line).isdigit() else None)
                               for path, (_, line) in zip(paths, occurrences, strict=True)))


def _plain_path(path: str) -> str:
    while path.startswith("./"):
        path = path[2:]
    return path


def entry_key(entry: polib.POEntry, references: str) -> tuple[object, ...]:
    """Everything of an entry that its canonical text shows, normalised as the writer
    normalises it (flags as msgcat keeps them, plural forms filled), with the references
    compared as ``references`` says and extracted comments by their words (a tool may
    wrap them).  Two entries with the same key mean the same to gettext."""
    plural = bool(entry.msgid_plural or entry.msgstr_plural)
    comment = entry.comment or ""
    return (entry.obsolete, entry.msgctxt, entry.msgid, entry.msgid_plural or "",
            tuple(_msgstrs(entry, plural)), entry.tcomment or "",
            " ".join(comment.split()) if "\n" in comment or "  " in comment else comment,
            _reference_key(entry.occurrences, references), _flags_cached(tuple(entry.flags)),
            entry.previous_msgctxt, entry.previous_msgid, entry.previous_msgid_plural)


def _same_field(name: str, old: str, new: str) -> bool:
    """Whether two values of a header field mean the same: equal, or for ``Plural-Forms``
    the same number of forms and the same form for every count."""
    if old == new:
        return True
    if name != "Plural-Forms":
        return False
    parsed = plural_function(old.strip())
    return parsed is not None and parsed == plural_function(new.strip())


def _header_fields(text: str) -> list[tuple[str, str]]:
    """``(name, value)`` of each ``Name: value`` line of a header's text, as the reader
    reads them."""
    fields = []
    for line in text.split("\n"):
        if line:
            name, _, value = line.partition(":")
            fields.append((name, value[1:] if value.startswith(" ") else value))
    return fields


_CHARSET_PLACEHOLDER = re.compile(r"charset=CHARSET\b", re.IGNORECASE)
"""xgettext's placeholder, which a POT copied to a .po keeps: twp reads and writes UTF-8."""


def _header_block(po: polib.POFile, original: polib.POFile | None) -> list[str]:
    """The lines of ``po``'s header entry: as they were in ``original`` where its fields are
    the same (each changed field on canonical lines of its own), else canonical."""
    fields = [(name, _CHARSET_PLACEHOLDER.sub("charset=UTF-8", value)
               if name.lower() == "content-type" else value) for name, value in po.metadata.items()]
    header = polib.POEntry(
        msgid="", msgstr="".join(f"{k}: {v}\n" for k, v in fields),
        tcomment=po.header, flags=["fuzzy"] if po.metadata_is_fuzzy else [])
    canonical = entry_lines(header)
    if not isinstance(original, SourcedCatalog) or not hasattr(original, "twp_header"):
        return canonical
    raw = original.twp_header
    lines = original.twp_lines
    same_top = (original.header or "") == (po.header or "") and \
        bool(original.metadata_is_fuzzy) == bool(po.metadata_is_fuzzy)
    old_fields = list(original.metadata.items())
    if same_top and len(old_fields) == len(fields) and all(
            a == c and _same_field(a, b, d) for (a, b), (c, d) in zip(old_fields, fields, strict=True)):
        return lines[raw.start:raw.end]
    if len(fields) < 2 or not raw.pieces or raw.pieces[0] != "" or \
            not raw.msgstr_lines[0].startswith("msgstr"):
        return canonical
    # The old msgstr's lines, grouped into whole fields (a group ends with a line end).
    groups: dict[str, tuple[list[tuple[str, str]], list[str]]] = {}
    text, group = "", []
    for line, piece in zip(raw.msgstr_lines[1:], raw.pieces[1:], strict=False):
        text += piece
        group.append(line)
        if text.endswith("\n"):
            found = _header_fields(text)
            if found:
                groups.setdefault(found[0][0], (found, group))
            text, group = "", []
    at = next(i for i, line in enumerate(canonical) if line.startswith("msgstr"))
    out = lines[raw.start:raw.msgstr_at + 1] if same_top else canonical[:at + 1]
    i = 0
    while i < len(fields):
        name, value = fields[i]
        old = groups.get(name)
        if old is not None and len(old[0]) <= len(fields) - i and all(
                a == c and _same_field(a, b, d)
                for (a, b), (c, d) in zip(old[0], fields[i:i + len(old[0])], strict=True)):
            out += old[1]
            i += len(old[0])
            continue
        # The canonical lines of this field alone: msgcat wraps each line of the header
        # on its own (the lines after 'msgstr ""' and a first "\n").
        out += _wrap("", "msgstr", f"\n{name}: {value}\n", True, set())[2:]
        i += 1
    return out


def format_po(po: polib.POFile, *, original: polib.POFile | None = None,
              references: str = "line") -> str:
    """The text of the catalog: canonical, as msgcat would write it, except what is kept
    from ``original``.

    UTF-8 text with ``\\n`` line ends: the header entry (built from
    ``po.header``, ``po.metadata`` in dict order and ``po.metadata_is_fuzzy``),
    then the live entries, then the obsolete ones, separated by blank lines.
    Unknown flags are dropped, and so are obsolete entries without a
    translation and the fuzzy flag of untranslated entries, as msgcat does; but
    an obsolete entry with a translator comment, or a translation in a plural form
    other than the first, is kept (msgcat drops it, and with it that work).

    ``original``, the catalog as :func:`parse_po` read it from the file about to be
    replaced: an entry that means the same as one of its entries (:func:`entry_key`;
    references compared as ``references`` says) is written exactly as it was there,
    with the blank lines before it, whatever tool wrote it; so are the header's fields
    that did not change (``Plural-Forms`` by its meaning) and the end of the file.
    """
    sourced = original if isinstance(original, SourcedCatalog) else None
    old = sourced.twp_lines if sourced is not None else []
    blocks: list[tuple[list[str], tuple[int, int, int] | None]] = []
    if po.metadata or po.header or po.metadata_is_fuzzy or getattr(po, "twp_has_header", False):
        header = _header_block(po, original)
        raw_header = getattr(sourced, "twp_header", None)
        same = raw_header is not None and sourced is not None and \
            header == sourced.twp_lines[raw_header.start:raw_header.end]
        blocks.append((header, raw_header.span if same and raw_header else None))
    spans: dict[tuple[object, ...], tuple[int, int, int]] = {}
    if sourced is not None:
        for entry in sourced:
            span = getattr(entry, "twp_span", None)
            if span is not None:
                spans.setdefault(entry_key(entry, references), span)
    entries = [e for e in po if not e.obsolete] + [e for e in po if e.obsolete]
    for entry in entries:
        span = spans.get(entry_key(entry, references)) if spans else None
        if span is not None:
            blocks.append((old[span[1]:span[2]], span))
        elif lines := entry_lines(entry):
            blocks.append((lines, None))
    if not blocks:
        return ""
    if sourced is None:
        return "\n\n".join("\n".join(b) for b, _ in blocks) + "\n"
    out: list[str] = []
    for index, (lines, span) in enumerate(blocks):
        if span is not None and (span[0] == 0) == (index == 0):
            out += old[span[0]:span[1]]  # the blank lines before it, as they were
        elif index:
            out.append("")
        out += lines
    span = blocks[-1][1]
    out += old[span[2]:] if span is not None and span[2] == sourced.twp_end else [""]
    return "\n".join(out)
