"""PO text -> catalog, as strictly as GNU ``msgfmt`` 0.21 reads it.

:func:`parse_po` refuses whatever ``msgfmt`` cannot read, and reads the rest as msgfmt
does or refuses it as :class:`UnsupportedSyntax` (a :class:`~twp_i18n.errors.CatalogError`,
with file and line, like every refusal).  It is linear in the size of its input and
bounded by ``[limits]``.  The catalog it returns remembers the lines it was read from
(:class:`RawHeader`, ``twp_span``), so that :func:`~.powrite.format_po` writes the entries
that did not change exactly as they were.
"""

from __future__ import annotations

import re
from functools import partial

import polib

from ..config import LimitsConfig
from ..errors import CatalogError

__all__ = ["DEFAULT_LIMITS", "RawHeader", "UnsupportedSyntax", "parse_po", "too_large"]

_QUOTING_HINT = ("a translator's edit probably broke the quoting; open the file "
                 "in a PO editor or fix line {line}")
_STRUCTURE_HINT = ("each entry is [msgctxt] msgid then msgstr (or msgid_plural then "
                   "msgstr[0], msgstr[1], ...); fix line {line} or open the file in a PO editor")
_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr)(?:[ \t]*\[[ \t]*([0-9]+)[ \t]*\])?"
                      r"(?=[ \t\n\r\f\v\"]|$)")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]+)|([ntbrfva\\\"]))")
_WORD = re.compile(r"(?:msgctxt|msgid_plural|msgid|msgstr|domain)(?![A-Za-z0-9_$])")
_UNESCAPE = {"n": "\n", "t": "\t", "b": "\b", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
# The file name runs to the last comma (what follows holds none); written so that a run of
# spaces is not tried at every split (the lazy '(.*?)[ \t]*,' took cubic time on one).
_SOLARIS = re.compile(r" [Ff]ile:[ \t]*+((?:.*[^ \t])?)[ \t]*,"
                      r"[ \t]*line[ \t]*(?:number[ \t]*)?:([0-9]+)[ \t]*")
_NUMBER = re.compile(r"[0-9]+")
_COLON_NUMBER = re.compile(r":[0-9]+")
_REFERENCE = re.compile(r"(.+):([0-9]+)")
_CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")  # git merge
_OPEN = ("msgctxt", "msgid", "msgid_plural")  # states in which msgstr is still due
# A keyword (or none: a continuation) and one string without escapes: most lines.
_PLAIN_LINE = re.compile(r'(?:(msgctxt|msgid_plural|msgid|msgstr)(?:\[([0-9]+)\])? )?'
                         r'"([^"\\\x00\x04]*)"')
_PLAIN_STRING = re.compile(r'"([^"\\\x00\x04]*)"')  # a continuation line of those
_PLAIN_COMMENTS = (".", ":", ",", " ")  # after "#": comment lines with nothing special
_SPACE = " \t\f\v"  # what gettext skips between tokens (with CR and LF)
_FLAG_SEPARATORS = re.compile(r"[ \t\n\v\f\r,]+")
# What separates references on a '#:' line for gettext: not every character Python calls
# a space (U+2028 or a no-break space is part of a file name there).
_REFERENCE_SEPARATORS = re.compile(r"[ \t\n\r]+")
_PREVIOUS_NEXT = {None: "msgctxt", "msgctxt": "msgid", "msgid": "msgid_plural",
                  "msgid_plural": None}  # the '#|' keyword that may come next

# The whole-entry fast path (see _Parser.fast_entries): the common shape of an entry, in the
# text.  Two versions: one for strings without escapes, where a string is any run of
# characters but '"' (quick for the regex engine; what it lets through, a string spanning
# lines, is looked for afterwards), and one for strings with the escapes \n \t \" \\ only.
_FAST_TEMPLATE = r"""
    (?:[ \t\f\v]*\n)*                               # blank lines before it
    (?P<comments>(?:\#[.:,\ ]COMMENT\n)*)          # '#.', '#:', '#,', '# ' lines
    (?:msgctxt\ "(?P<msgctxt>STRING)"\n(?P<msgctxt_more>MORE))?
    msgid\ "(?P<msgid>STRING)"\n(?P<msgid_more>MORE)
    (?:msgstr\ "(?P<msgstr>STRING)"\n(?P<msgstr_more>MORE)
     |msgid_plural\ "(?P<plural>STRING)"\n(?P<plural_more>MORE)
      (?P<forms>(?:msgstr\[[0-9]+\]\ "STRING"\nMORE)+))
    # What follows cannot continue the entry: blank lines, then the end of the text, a
    # comment, or the first keyword of another entry.
    (?=(?:[ \t\f\v]*\n)*(?:[ \t\f\v]*\Z|\#(?![~|])|\#\|[ \t\f\v]*[^ \t\f\v\n]|msgid|msgctxt
           |\#~\ msgid\ |\#~\ msgctxt\ ))
    """


def _fast_pattern(string: str, comment: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The entry and plural form patterns of the fast path, strings and comment text being
    ``string`` and ``comment``."""
    more = f'(?:"{string}"\\n)*'  # continuation lines
    entry = _FAST_TEMPLATE.replace("STRING", string).replace("MORE", more)
    return (re.compile(entry.replace("COMMENT", comment), re.VERBOSE),
            re.compile(f'msgstr\\[([0-9]+)\\] "({string})"\\n({more})'))


_FAST_PLAIN, _FAST_PLAIN_FORM = _fast_pattern(r'[^"]*+', r"[^\n]*+")
_ESCAPED_CHARS = r'[^"\\\n\x00\x04\ud800-\udfff]*+'  # no NUL, U+0004 or surrogate
_FAST_ESCAPED, _FAST_ESCAPED_FORM = _fast_pattern(
    rf'{_ESCAPED_CHARS}(?:\\[nt"\\]{_ESCAPED_CHARS})*+', r"(?:[^\n]*[^\n\\])?")
_FAST_ESCAPE = re.compile(r'\\([nt"\\])')
_FAST_UNESCAPE = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


DEFAULT_LIMITS = LimitsConfig()


def max_lines(limits: LimitsConfig) -> int:
    """The most lines a catalog may have: one per 16 bytes of ``max_catalog_bytes`` (a real
    catalog's lines average about twice that, the demo's 28 to 42; every line is an object
    in memory)."""
    return max(100_000, limits.max_catalog_bytes // 16)


def too_large(path: str, bound: int, size: int | None = None) -> CatalogError:
    what = f"{size} bytes, " if size is not None else ""
    return CatalogError(
        f"the file is larger than [limits] max_catalog_bytes ({what}the bound is {bound} bytes)",
        path=path, hint="a translation catalog is rarely that large: check that this is the right "
                        "file; if it is, raise [limits] max_catalog_bytes in twp.toml")


class UnsupportedSyntax(CatalogError):
    """A catalog that GNU gettext reads but twp does not, rather than guess: the error says
    how to write the same thing in a form twp reads.  Everything else the reader refuses,
    ``msgfmt`` refuses too (``tests/test_pofile_msgfmt.py`` checks both against msgfmt).

    The forms refused: a carriage return not followed by a line feed (old Mac line
    endings, or a raw CR in a string or comment); a line ending in a backslash (which
    gettext joins with the next line); a keyword and its string on different lines,
    several keywords on one line, or a comment after a keyword or string (also after
    ``#~`` or ``#|``); a ``domain`` directive; a NUL character in a string; escape
    sequences that do not stand for UTF-8 text (``\\xff``, ``\\x`` with more than two
    hex digits); bytes that are not UTF-8 where gettext does not check them (comments, or
    before the header names the charset); a header charset other than UTF-8 (ASCII for
    ASCII text); a header entry with plural forms, or a header line not of the form
    ``Name: value``; comment lines after the last entry (which belong to no entry).
    """


class SourcedEntry(polib.POEntry):
    """An entry as :func:`parse_po` read it; ``twp_span`` (set when it joined the catalog)
    is ``(gap, start, end)`` among the catalog's ``twp_lines``."""

    twp_span: tuple[int, int, int]


class SourcedCatalog(polib.POFile):
    """A catalog as :func:`parse_po` read it: the text's lines, where the last entry ended,
    and the header's place (``twp_header``, when there is a header)."""

    twp_lines: list[str]
    twp_end: int
    twp_header: RawHeader
    twp_has_header: bool


_new_entry = object.__new__
_BLANK_ENTRY = dict(vars(SourcedEntry(msgid="")))
"""The attributes of an entry as polib makes it (``linenum`` None), in its order."""


class RawHeader:
    """Where the header entry was in the text read: its lines ``start:end`` (after the
    blank lines from ``gap``), the line of its msgstr, and that field's lines and strings."""

    __slots__ = ("gap", "start", "end", "msgstr_at", "msgstr_lines", "pieces")

    def __init__(self, gap: int, start: int, end: int, msgstr_at: int,
                 msgstr_lines: list[str], pieces: list[str]) -> None:
        self.gap, self.start, self.end, self.msgstr_at = gap, start, end, msgstr_at
        self.msgstr_lines, self.pieces = msgstr_lines, pieces

    @property
    def span(self) -> tuple[int, int, int]:
        return (self.gap, self.start, self.end)


def _references(text: str, refs: list[tuple[str, str]]) -> None:
    """Append to ``refs`` the references of a ``#:`` line (``text`` after the colon)."""
    tokens = [tok for tok in _REFERENCE_SEPARATORS.split(text) if tok]
    if ":" not in text:  # file names without line numbers
        refs += [(tok, "") for tok in tokens]
        return
    i = 0
    while i < len(tokens):
        tok, nxt = tokens[i], tokens[i + 1:i + 3]
        i += 1
        if nxt and _COLON_NUMBER.fullmatch(nxt[0]):
            ref, i = (tok, nxt[0][1:]), i + 1
        elif nxt[:1] == [":"] and len(nxt) == 2 and _NUMBER.fullmatch(nxt[1]):
            ref, i = (tok, nxt[1]), i + 2
        elif tok.endswith(":") and nxt and _NUMBER.fullmatch(nxt[0]):
            ref, i = (tok[:-1], nxt[0]), i + 1
        elif m := _REFERENCE.fullmatch(tok):
            ref = (m[1], m[2])
        else:
            ref = (tok, "")
        refs.append((ref[0], str(int(ref[1])) if ref[1] else ""))


class _Slow(Exception):
    """What the fast path leaves to the general one."""


def _fast_value(first: str, more: str) -> str:
    """A field read by the fast path from its first string and its continuation lines
    (``"..."`` lines, each ending in LF): joined and unescaped.  A string spanning lines
    (that the general path refuses) is :class:`_Slow`."""
    if more:  # '"\n"' only occurs where one line's string ends and the next one's starts
        first += more[1:-2].replace('"\n"', "")
    if "\n" in first:
        raise _Slow
    if "\\" in first:
        if "\\\\" in first:
            return _FAST_ESCAPE.sub(lambda m: _FAST_UNESCAPE[m[1]], first)
        # Then each backslash starts an escape of its own: they do not overlap.
        return first.replace("\\n", "\n").replace('\\"', '"').replace("\\t", "\t")
    return first


def _fast_entry(groups: tuple[str, ...], form: re.Pattern[str]) -> SourcedEntry:
    """The entry that a match of the fast path stands for (its ``groups``; ``form`` matches
    its plural forms), as the general path builds it but ``linenum`` and ``twp_span``."""
    comments, msgctxt, msgctxt_more, msgid, msgid_more, msgstr, msgstr_more, plural, \
        plural_more, forms = groups
    # What SourcedEntry(...) would make, without its keyword arguments' cost.
    entry = _new_entry(SourcedEntry)
    fields = entry.__dict__
    fields.update(_BLANK_ENTRY)
    fields["msgid"] = _fast_value(msgid, msgid_more)
    if msgctxt is not None:
        fields["msgctxt"] = _fast_value(msgctxt, msgctxt_more)
    if forms is None:
        fields["msgstr"] = _fast_value(msgstr, msgstr_more)
        fields["msgstr_plural"] = {}
    else:
        fields["msgid_plural"] = _fast_value(plural, plural_more)
        fields["msgstr_plural"] = values = {}
        for n, (number, first, more) in enumerate(form.findall(forms)):
            if number != str(n):  # msgstr[01], or a wrong index (an error)
                raise _Slow
            values[n] = _fast_value(first, more)
    refs: list[tuple[str, str]] = []
    fields["occurrences"] = refs
    fields["flags"] = []
    if comments:
        notes: list[str] = []
        extracted: list[str] = []
        for line in comments[:-1].split("\n"):  # as _Parser.comment reads them
            kind = line[1]
            if kind == ".":
                extracted.append(line[3:] if line[2:3] == " " else line[2:])
            elif kind == ":":
                known = len(refs)
                _references(line[2:], refs)
                if any(name.endswith("\\") for name, _ in refs[known:]):  # this line's
                    raise _Slow  # refused there, with its line
            elif kind == ",":
                fields["flags"] = [f for f in _FLAG_SEPARATORS.split(line[2:]) if f]
            elif solaris := _SOLARIS.fullmatch(line, 1):
                refs.append((solaris[1], str(int(solaris[2]))))
            else:
                notes.append(line[2:])
        fields["tcomment"] = "\n".join(notes)
        fields["comment"] = "\n".join(extracted)
    return entry


class _Parser:
    """Line-oriented PO parser; the state is the last keyword of the entry.

    Each entry read gets ``twp_span``: ``(gap, start, end)``, indices in the file's lines
    (``po.twp_lines``) of the blank lines before it and of its own lines; the header's
    are in ``po.twp_header``; ``po.twp_end`` is where the last entry ends.  :func:`format_po`
    writes again from them what did not change.
    """

    def __init__(self, text: str, path: str, limits: LimitsConfig = DEFAULT_LIMITS,
                 fast: bool = True) -> None:
        self.path = path
        if len(text) > limits.max_catalog_bytes or (
                4 * len(text) > limits.max_catalog_bytes
                and len(text.encode("utf-8", "surrogatepass")) > limits.max_catalog_bytes):
            raise too_large(path, limits.max_catalog_bytes)
        self.max_entry = limits.max_entry_bytes
        self.raw_lines: list[str] = []  # the lines of the field being read
        self.msgstr_lines: list[str] = []  # those of the last msgstr read, and its strings
        self.msgstr_pieces: list[str] = []
        self.msgstr_at = 0  # the index of its keyword's line
        self.gap = 0  # the index of the line after the last entry read
        self.start: int | None = None  # of the first line of the entry being read
        self.end = 0  # just after its last line
        text = text.removeprefix("\ufeff")
        if "\r" in text and (cr := (text := text.replace("\r\n", "\n")).find("\r")) >= 0:
            # gettext ends a comment line only at LF: an old Mac file (CR only) is one long
            # comment to it, and a lone CR elsewhere is whitespace or part of a string.
            line = text.count("\n", 0, cr) + 1
            raise UnsupportedSyntax(
                "carriage return (CR) without a line feed: the file does not have LF or CRLF "
                "line endings", path=path, line=line,
                hint=f"save the file again with LF (Unix) line endings (line {line} has the "
                     "first lone CR; inside a string, write it as \\r)")
        lines = text.count("\n")
        if lines > max_lines(limits):
            raise CatalogError(
                f"the file has {lines} lines, more than a catalog of [limits] max_catalog_bytes "
                f"holds ({max_lines(limits)})", path=path,
                hint="most of its lines hold nothing (empty strings, comment marks or blank "
                     "lines): check that this is the right file, or save it again with a PO "
                     "editor; a larger real catalog needs a larger [limits] max_catalog_bytes")
        self.lines = text.split("\n")
        self.text = text
        # Whether to read entries of the common shape in one go: not when NUL or U+0004
        # (refused in strings) might be in one.
        self.fast = fast and "\x00" not in text and "\x04" not in text
        self.fast_at = (0, 0)  # a line's index and where it starts in the text
        self.po = SourcedCatalog(encoding="utf-8")
        self.po.metadata_is_fuzzy = False
        self.seen: dict[tuple[str | None, str], int | None] = {}
        self.header_text = ""  # the header entry's msgstr, once read
        self.state = "idle"
        self.lineno = 0
        # The strings read so far of the field being read (``self.state``): joined once, when
        # the field ends, so that a field of many lines costs its length, not its length squared.
        self.pieces: list[str] = []
        self.field_bytes = 0  # their size in UTF-8
        self.field_line = 0  # the line of their keyword
        self._new_pending()

    def error(self, message: str, hint: str = _QUOTING_HINT, line: int | None = None) -> CatalogError:
        line = line or self.lineno
        return CatalogError(message, path=self.path, line=line, hint=hint.format(line=line))

    def _new_pending(self) -> None:
        self.comments: dict[str, list[str]] = {"#": [], "#.": []}
        self.refs: list[tuple[str, str]] = []
        self.flags: list[str] = []
        self.prev: dict[str, list[str]] = {}  # previous (#|) fields: their strings
        self.prev_bytes = 0
        self.prev_line = 0
        self.prev_obsolete = False
        self.comment_bytes: dict[str, int] = {}  # by kind of comment
        self.prev_last: str | None = None
        self.pending_start: int | None = None  # the first comment or '#|' line read

    def grow(self, size: int, value: str, what: str, line: int) -> int:
        """``size`` plus the UTF-8 length of ``value``; an error if that exceeds the bound."""
        size += len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))
        if size > self.max_entry:
            raise self.too_long(what, line)
        return size

    def too_long(self, what: str, line: int) -> CatalogError:
        return CatalogError(
            f"{what} is larger than [limits] max_entry_bytes ({self.max_entry} bytes)",
            path=self.path, line=line,
            hint=f"shorten it (from line {line}), or raise [limits] max_entry_bytes in "
                 "twp.toml if it is really meant to be that long")

    def strings(self, text: str) -> str:
        """Decode the quoted strings making up the rest of a line."""
        out: list[str] = []
        pos = 0
        while pos < len(text):
            if text[pos] in " \t\f\v":
                pos += 1
                continue
            m = _STRING.match(text, pos)
            if m is None:
                if text[pos] == '"':
                    raise self.error("unterminated string (missing closing '\"')")
                if text[pos] == "#":
                    raise self.unsupported("a comment after a keyword or string",
                                           "write the comment on a line of its own, starting "
                                           "with '#', before the entry (line {line})")
                if _WORD.match(text, pos):
                    raise self.unsupported("several keywords on one line",
                                           "start a new line before each keyword (line {line})")
                what = "after the string" if out else "where a quoted string was expected"
                raise self.error(f"unexpected text {what}: {text[pos:pos + 20]!r}")
            out.append(self.unescape(m.group(1)))
            pos = m.end()
        if not out:
            raise self.unsupported("a keyword without its string on the same line",
                                   "put the keyword and its first string on the same line "
                                   "(line {line})")
        if "\x04" in (value := "".join(out)):
            raise self.error("control character U+0004 (the msgctxt separator) in string")
        return value

    def unescape(self, body: str) -> str:
        if "\\" not in body and "\0" not in body:
            return body
        data = bytearray()
        pos = 0
        for m in _ESCAPE.finditer(body):
            chunk = body[pos:m.start()]
            if "\\" in chunk:
                bad = chunk[chunk.index("\\"):][:2]
                raise self.error(f"invalid escape sequence {bad!r} in string")
            data += chunk.encode("utf-8", "surrogatepass")
            octal, hexa, simple = m.groups()
            if simple:
                data += _UNESCAPE.get(simple, simple).encode()
            elif hexa is not None and len(hexa) > 2:
                raise self.unsupported(
                    f"escape sequence '\\x{hexa}' with more than two hex digits (gettext reads "
                    "it as one byte)", "write at most two hex digits after \\x, or the "
                    "character itself (line {line})")
            else:
                data.append(int(octal, 8) & 0xFF if octal else int(hexa, 16))
            pos = m.end()
        tail = body[pos:]
        if "\\" in tail:
            raise self.error(f"invalid escape sequence {tail[tail.index(chr(92)):][:2]!r} in string")
        data += tail.encode("utf-8", "surrogatepass")
        if 0 in data:
            raise self.unsupported("NUL character in string (gettext ends the string there)",
                                   "remove the NUL character or \\0 escape on line {line}")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise self.unsupported("escape sequences that do not form valid UTF-8 text",
                                   "write the characters themselves instead of \\ooo or "
                                   "\\xhh escapes (line {line})") from None

    def run(self) -> polib.POFile:  # noqa: C901 - the kinds of line, one branch each
        plain, lines, index = _PLAIN_LINE.fullmatch, self.lines, 0
        count = len(lines)
        fast = self.fast_entries if self.fast else None
        if fast is not None:
            index = fast(0)
        while index < count:
            raw, index = lines[index], index + 1
            self.lineno = index  # errors read it
            # Fast paths for the lines of canonical files; anything else takes the general one.
            if not raw:
                # After a blank line, an entry may start: try reading whole entries.
                if fast is not None and index < count and lines[index] and \
                        self.pending_start is None and self.state not in _OPEN:
                    index = fast(index)
                continue
            if (m := plain(raw)) is not None and (m[1] or self.state != "idle"):
                self.line = raw
                if m[1] is None:
                    self.check_obsolete(False)
                    self.more(m[3])
                else:
                    self.field(m[1], m[2], m[3], obsolete=False)
                    if index < count and lines[index][:1] == '"' and not self.entry.obsolete:
                        index = self.continuation(index)
                continue
            if raw[0] == "#" and raw[1:2] in _PLAIN_COMMENTS and raw[-1] != "\\":
                self.comment(raw[1:])
                continue
            line = raw.lstrip(" \t\r\f\v")
            if not line.rstrip(" \t\r\f\v"):
                continue
            if line.endswith("\\"):
                raise self.unsupported(
                    "line ends with a backslash, which gettext joins with the next line",
                    "remove the backslash at the end of line {line}, or join the two lines")
            self.line = raw
            if line.startswith("#~|") or line.startswith("#|"):
                obsolete = line[1] == "~"
                self.previous(line[3:] if obsolete else line[2:], obsolete)
            elif line.startswith("#~"):
                rest = line[2:].strip(_SPACE)
                if rest.startswith("#"):
                    raise self.unsupported("a comment after '#~'",
                                           "write the comment on a line of its own, starting "
                                           "with '#', before the entry (line {line})")
                if rest:
                    self.keyword(rest, obsolete=True)
            elif line.startswith("#"):
                self.comment(line[1:])
            else:
                self.keyword(line.rstrip(_SPACE), obsolete=False)
        return self.end_of_text()

    def end_of_text(self) -> polib.POFile:
        """Close the last entry, refuse what is left over, and give the catalog."""
        self.lineno = len(self.lines)
        self.close_entry()
        if self.prev_last is not None:
            raise self.error("'#|' lines without an entry after them", _STRUCTURE_HINT,
                             line=self.prev_line)
        if any(line.strip() for line in self.comments["#"]) or self.comments["#."] or \
                self.refs or self.flags:
            self.lineno = self.comment_line
            raise self.unsupported("comment lines after the last entry (twp keeps comments "
                                   "with the entry after them)",
                                   "move the comments from line {line} on above an entry")
        self.check_charset()
        self.po.twp_lines = self.lines
        self.po.twp_end = self.gap
        return self.po

    def fast_entries(self, index: int) -> int:
        """Read the entries of the common shape from line ``index`` on, each with one match
        of a regular expression; the index of the first line not read.

        The shape: ``#.``, ``#:``, ``#,`` or ``# `` comment lines, then [msgctxt] msgid
        and msgstr (or msgid_plural and msgstr[0], msgstr[1], ...), each keyword and its
        string on one line as canonical files write them, maybe followed by string lines;
        no escape but ``\\n \\t \\" \\\\``; then blank lines, and the end of the text, a
        comment or another entry (nothing that could still belong to this one).  Such an
        entry is built as the general path (line by line) would build it.  Anything else
        is left to the general path, from its first line: another shape, the header, a
        duplicate, an entry long enough that it might exceed ``max_entry_bytes``.  So
        errors are always raised by the general path; this one requires that no entry be
        open (it calls :meth:`close_entry`, as the entry's first line would).
        """
        text, seen, bound = self.text, self.seen, self.max_entry // 4
        count = text.count
        append = self.po.append if self.po.check_for_duplicates else partial(list.append, self.po)
        at, pos = self.fast_at
        pos += sum(map(len, self.lines[at:index])) + index - at  # index >= at
        while True:
            m = _FAST_PLAIN.match(text, pos)
            if m is not None and text.find("\\", pos, m.end()) < 0:
                form = _FAST_PLAIN_FORM
            elif (m := _FAST_ESCAPED.match(text, pos)) is not None:
                form = _FAST_ESCAPED_FORM
            else:
                break
            if (after := m.end()) - pos > bound:  # 4 bytes a character at most
                break
            try:
                entry = _fast_entry(m.groups(), form)
            except (_Slow, ValueError):  # ValueError: int() of too many digits
                break
            if self.state != "idle":
                self.close_entry()
            fields = entry.__dict__
            if (key := (fields["msgctxt"], fields["msgid"])) in seen:
                break  # a duplicate
            begin, msgid, msgid_end = m.start(1), m.start(4), m.end(4)
            start = index + count("\n", pos, begin)
            fields["linenum"] = linenum = start + count("\n", begin, msgid) + 1
            end = linenum - 1 + count("\n", msgid_end, after)
            if key == (None, ""):  # the header
                self.start, self.end = start, end
                if not self.fast_header(m, linenum):
                    break
                self.entry = entry
                self.finish()
            else:  # what finish() does
                seen[key] = linenum
                fields["twp_span"] = (self.gap, start, end)
                append(entry)
                self.gap = self.end = end
            pos, index = after, end
        self.fast_at = (index, pos)
        return index

    def fast_header(self, m: re.Match[str], linenum: int) -> bool:
        """Whether the header entry matched by ``m`` (its msgid on line ``linenum``) is one
        :meth:`finish` reads without an error; if so, sets what it reads of its msgstr."""
        if m["forms"] is not None or not all(
                colon and name.strip() for name, colon, _ in
                (field.partition(":") for field in _fast_value(m["msgstr"], m["msgstr_more"])
                 .split("\n") if field)):
            return False
        self.msgstr_at = at = linenum - 1 + self.text.count("\n", m.end("msgid"), m.start("msgstr"))
        self.msgstr_lines = lines = self.lines[at:self.end]
        self.msgstr_pieces = [_fast_value(m["msgstr"], "")]
        self.msgstr_pieces += [_fast_value(line[1:-1], "") for line in lines[1:]]
        return True

    def check_charset(self) -> None:
        """The header's charset must say UTF-8 (or ASCII for ASCII text, or be left unset).
        Like gettext, it is looked for anywhere in the header's text, not only in a
        well-formed ``Content-Type`` field."""
        m = re.search(r"charset=([^\s;]*)", self.header_text)
        charset = m[1] if m else ""
        if charset.upper() in ("", "UTF-8", "UTF8", "CHARSET"):
            return
        if charset.upper() in ("ASCII", "US-ASCII") and all(line.isascii() for line in self.lines):
            return
        line = getattr(self.po, "header_linenum", None)
        raise UnsupportedSyntax(
            f"the header says charset={charset}: twp reads UTF-8 catalogs only",
            path=self.path, line=line,
            hint="convert the file to UTF-8 (msgconv -t UTF-8) and set 'Content-Type: "
                 f"text/plain; charset=UTF-8' in its header (the entry on line {line})")

    def unsupported(self, message: str, hint: str) -> UnsupportedSyntax:
        return UnsupportedSyntax(message, path=self.path, line=self.lineno,
                                 hint=hint.format(line=self.lineno))

    def close_entry(self) -> None:
        """End the current entry (if any) before a comment or a new entry."""
        if self.state in _OPEN:
            raise self.error(
                "missing msgstr after this msgid", _STRUCTURE_HINT,
                line=self.entry.linenum or self.entry_line)
        if self.state != "idle":
            self.flush()
            self.finish()
        self.state = "idle"

    def comment(self, text: str) -> None:
        if self.state in _OPEN:
            raise self.error("comment line inside an entry (before its msgstr)", _STRUCTURE_HINT)
        if self.prev_last is not None:
            raise self.error("comment line between the '#|' lines and their entry",
                             "write the comments before the '#|' lines; " + _STRUCTURE_HINT)
        self.close_entry()
        if self.pending_start is None:
            self.pending_start = self.lineno - 1
        if not self.comment_bytes:
            self.comment_line = self.lineno  # the first comment line of the entry
        kind = text[:1] if text[:1] in ".:,!" else " "
        size = self.comment_bytes.get(kind, 0) + (
            len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass")))
        if size > self.max_entry:
            raise self.too_long(f"the '#{kind.strip()}' comment of an entry", self.lineno)
        self.comment_bytes[kind] = size
        if text.startswith("."):
            self.comments["#."].append(text[2:] if text.startswith(". ") else text[1:])
        elif text.startswith(":"):
            known = len(self.refs)
            _references(text[1:], self.refs)
            if any(name.endswith("\\") for name, _ in self.refs[known:]):  # this line's
                raise self.unsupported("a reference ending with a backslash (gettext would "
                                       "join it with the next line once wrapped)",
                                       "remove that backslash from the '#:' line {line}")
        elif text[:1] in (",", "!"):
            # As in gettext, a flags line replaces the flags of the lines before it.
            self.flags = [f for f in _FLAG_SEPARATORS.split(text[1:]) if f]
        elif m := _SOLARIS.fullmatch(text):
            self.refs.append((m[1], str(int(m[2]))))
        else:
            self.comments["#"].append(text[1:] if text.startswith(" ") else text)

    def previous(self, text: str, obsolete: bool) -> None:
        text = text.strip(_SPACE)
        if not text:  # nothing for gettext, as a blank line
            return
        if self.state in _OPEN:
            raise self.error("'#|' line inside an entry (before its msgstr)", _STRUCTURE_HINT)
        self.close_entry()
        if self.pending_start is None:
            self.pending_start = self.lineno - 1
        if text.startswith("#"):
            raise self.unsupported("a comment after '#|'", "write the comment on a line of its "
                                   "own, starting with '#', before the entry (line {line})")
        if self.prev_last is not None and obsolete != self.prev_obsolete:
            raise self.error("inconsistent use of '#~' within one entry", _STRUCTURE_HINT)
        self.prev_obsolete = obsolete
        if text.startswith('"'):
            if self.prev_last is None:
                raise self.error("'#|' string without a keyword", _STRUCTURE_HINT)
            value = self.strings(text)
            self.prev_bytes = self.grow(self.prev_bytes, value, f"'#| {self.prev_last}'",
                                        self.prev_line)
            self.prev[self.prev_last].append(value)
            self.raw_lines.append(self.line)
            return
        m = _KEYWORD.match(text)
        if m is None or m[1] == "msgstr" or m[2] is not None:
            word = re.split(r"[ \t\f\v\"]", text, maxsplit=1)[0][:30]
            raise self.error(f"unknown keyword in '#|' line: {word!r}", _STRUCTURE_HINT)
        if m[1] != _PREVIOUS_NEXT[self.prev_last] and (m[1], self.prev_last) != ("msgid", None):
            raise self.error("'#|' lines out of order: they are [msgctxt] msgid [msgid_plural], "
                             "each once", _STRUCTURE_HINT)
        self.prev_last = m[1]
        value = self.strings(text[m.end():])
        self.prev_line = self.lineno
        self.prev_bytes = self.grow(0, value, f"'#| {m[1]}'", self.lineno)
        self.prev[m[1]] = [value]
        self.raw_lines = [self.line]

    def keyword(self, text: str, obsolete: bool) -> None:
        if text.startswith('"'):
            if self.state == "idle":
                raise self.error("string without a keyword before it", _STRUCTURE_HINT)
            self.check_obsolete(obsolete)
            self.more(self.strings(text))
            return
        m = _KEYWORD.match(text)
        if m is None:
            if text.startswith(_CONFLICT_MARKERS):
                raise self.merge_conflict()
            word = re.match(r"\S*", text)[0]  # type: ignore[index]
            if re.match(r"domain(?![A-Za-z0-9_$])", text):
                raise self.unsupported(
                    "a 'domain' directive: twp reads one domain per file (one article, or the "
                    "site)", "remove the directive on line {line}, or move what follows it to "
                    "the catalog of that domain")
            raise self.error(f"unknown keyword {word!r}", _STRUCTURE_HINT)
        self.field(m[1], m[2], self.strings(text[m.end():]), obsolete)

    def merge_conflict(self) -> CatalogError:
        """A git conflict marker: the file is a merge git could not finish."""
        # the file's path, not the version a merge names ("x.po (theirs)")
        shown = re.sub(r" \((?:base|ours|theirs|merged)\)$", "", self.path).replace('"', "")
        return CatalogError(
            f"git conflict marker {self.line.strip()[:7]!r}: this catalog is an unresolved git "
            "merge", path=self.path, line=self.lineno,
            hint=f"do not keep one side of the whole file ('ours' or 'theirs' drops the other "
                 f"side's translations): run 'twp merge-po --from-git \"{shown}\"' to merge it "
                 "entry by entry from git's copies of both sides, then 'twp check' and 'git add'; "
                 "'twp git-setup' makes git merge catalogs that way by itself")

    def continuation(self, index: int) -> int:
        """The plain string lines right after a keyword's line (a wrapped field), read in one
        go as :meth:`more` would read them one by one; the index of the line after them."""
        lines, pieces, raw_lines = self.lines, self.pieces, self.raw_lines
        string = _PLAIN_STRING.fullmatch
        size = self.field_bytes
        start = index
        while index < len(lines) and (m := string(lines[index])) is not None:
            value = m[1]
            raw_lines.append(lines[index])
            pieces.append(value)
            size += len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))
            index += 1
        if index > start:
            self.lineno = self.end = index
            self.line = lines[index - 1]
            self.field_bytes = size
            if size > self.max_entry:
                raise self.too_long(self.state if self.state != "msgstr[]" else
                                    f"msgstr[{len(self.entry.msgstr_plural) - 1}]", self.field_line)
        return index

    def more(self, value: str) -> None:
        """A string continuing the current field."""
        self.raw_lines.append(self.line)
        self.pieces.append(value)
        self.end = self.lineno
        self.field_bytes += len(value) if value.isascii() else \
            len(value.encode("utf-8", "surrogatepass"))
        if self.field_bytes > self.max_entry:
            raise self.too_long(self.state if self.state != "msgstr[]" else
                                f"msgstr[{len(self.entry.msgstr_plural) - 1}]", self.field_line)

    def flush(self) -> None:
        """Store the value of the field just read into the entry."""
        value = self.pieces[0] if len(self.pieces) == 1 else "".join(self.pieces)
        if self.state == "msgstr[]":
            self.entry.msgstr_plural[len(self.entry.msgstr_plural) - 1] = value
        elif self.state != "idle":
            setattr(self.entry, self.state, value)
            if self.state == "msgstr":
                self.msgstr_lines, self.msgstr_pieces = self.raw_lines, self.pieces
        self.pieces = []

    def field(self, kw: str, index: str | None, value: str, obsolete: bool) -> None:  # noqa: C901 - the PO keywords, one branch each, on the reader's hot path
        """A keyword line: ``kw`` (``msgstr`` with ``index`` for a plural form) and its value."""
        state = self.state
        if index is not None and kw != "msgstr":
            raise self.error(f"{kw}[{index}]: only msgstr takes a plural form index",
                             _STRUCTURE_HINT)
        if state not in ("idle", "msgstr", "msgstr[]"):
            self.flush()  # the end of msgctxt, msgid or msgid_plural
        if kw in ("msgctxt", "msgid") and state in ("idle", "msgstr", "msgstr[]"):
            self.close_entry()
            self.start_entry(obsolete)
        elif kw == "msgid" and state == "msgctxt":
            self.check_obsolete(obsolete)
        elif kw in ("msgctxt", "msgid"):
            self.close_entry()
        elif kw == "msgid_plural" and state != "msgid":
            raise self.error("msgid_plural without a msgid before it", _STRUCTURE_HINT)
        elif kw == "msgstr" and index is None and state != "msgid":
            what = ("msgstr after msgid_plural (use msgstr[0], msgstr[1], ...)"
                    if state == "msgid_plural" else "msgstr without a msgid before it")
            raise self.error(what, _STRUCTURE_HINT)
        elif kw == "msgstr" and index is not None:
            if state == "msgid":
                raise self.error(f"msgstr[{index}] without msgid_plural", _STRUCTURE_HINT)
            if state not in ("msgid_plural", "msgstr[]"):
                raise self.error(f"msgstr[{index}] without a msgid before it", _STRUCTURE_HINT)
            expected = len(self.entry.msgstr_plural)
            if int(index) != expected:
                raise self.error(f"plural form has wrong index: expected msgstr[{expected}]",
                                 _STRUCTURE_HINT)
        self.check_obsolete(obsolete)
        self.raw_lines = [self.line]
        self.end = self.lineno
        if kw == "msgstr" and index is None:
            self.msgstr_at = self.lineno - 1
        if kw == "msgstr" and index is not None:
            if state == "msgstr[]":
                self.flush()
            self.entry.msgstr_plural[int(index)] = ""  # filled by flush()
            self.state = "msgstr[]"
        else:
            if kw == "msgid":
                self.entry.linenum = self.lineno
            self.state = kw
        self.pieces = [value]
        self.field_line = self.lineno
        self.field_bytes = len(value) if value.isascii() else \
            len(value.encode("utf-8", "surrogatepass"))
        if self.field_bytes > self.max_entry:
            raise self.too_long(kw if index is None else f"msgstr[{index}]", self.lineno)

    def check_obsolete(self, obsolete: bool) -> None:
        if obsolete != self.entry.obsolete:
            raise self.error("inconsistent use of '#~' within one entry", _STRUCTURE_HINT)

    def start_entry(self, obsolete: bool) -> None:
        if self.prev_last == "msgctxt":
            raise self.error("'#| msgctxt' without a '#| msgid' after it", _STRUCTURE_HINT,
                             line=self.prev_line)
        if self.prev_last is not None and self.prev_obsolete != obsolete:
            raise self.error("inconsistent use of '#~' within one entry", _STRUCTURE_HINT)
        prev = self.prev
        # What SourcedEntry(...) would make, without its keyword arguments' cost.
        self.entry = entry = _new_entry(SourcedEntry)
        fields = entry.__dict__
        fields.update(_BLANK_ENTRY)
        fields["msgstr_plural"] = {}
        fields["obsolete"] = obsolete
        fields["tcomment"] = "\n".join(self.comments["#"])
        fields["comment"] = "\n".join(self.comments["#."])
        fields["occurrences"] = self.refs
        fields["flags"] = self.flags
        if prev:
            fields["previous_msgctxt"] = "".join(prev["msgctxt"]) if "msgctxt" in prev else None
            fields["previous_msgid"] = "".join(prev["msgid"]) if "msgid" in prev else None
            fields["previous_msgid_plural"] = ("".join(prev["msgid_plural"])
                                               if "msgid_plural" in prev else None)
        self.entry_line = self.lineno
        self.start = self.pending_start if self.pending_start is not None else self.lineno - 1
        self._new_pending()

    def finish(self) -> None:
        entry = self.entry
        key = (entry.msgctxt, entry.msgid)
        if key in self.seen:
            raise self.error(
                f"duplicate message definition (first defined on line {self.seen[key]})",
                "merge the two entries, or delete one; fix line {line}", line=entry.linenum)
        self.seen[key] = entry.linenum
        assert self.start is not None
        gap, self.gap = self.gap, self.end
        if entry.msgid or entry.msgctxt is not None or entry.obsolete:
            entry.twp_span = (gap, self.start, self.end)
            self.po.append(entry)
            return
        if entry.msgid_plural or entry.msgstr_plural:
            raise UnsupportedSyntax("the header entry (msgid \"\") has plural forms",
                                    path=self.path, line=entry.linenum,
                                    hint="give the header a plain msgstr (line "
                                         f"{entry.linenum} is its msgid)")
        self.po.header = entry.tcomment
        self.header_text = entry.msgstr
        self.po.header_linenum = entry.linenum
        self.po.metadata_is_fuzzy = "fuzzy" in entry.flags
        self.po.twp_has_header = True  # header present even if empty
        self.po.twp_header = RawHeader(gap, self.start, self.end, self.msgstr_at,
                                        self.msgstr_lines, self.msgstr_pieces)
        for field in entry.msgstr.split("\n"):
            if field:
                name, colon, value = field.partition(":")
                if not colon or not name.strip():
                    raise UnsupportedSyntax(
                        f"header field {field[:30]!r} is not of the form 'Name: value'",
                        path=self.path, line=entry.linenum,
                        hint=f"fix or remove that header line (line {entry.linenum} is the "
                             "header's msgid)")
                self.po.metadata[name] = value[1:] if value.startswith(" ") else value


def parse_po(text: str, path: str = "<string>", *,
             limits: LimitsConfig = DEFAULT_LIMITS) -> polib.POFile:
    """Parse PO text strictly into a :class:`polib.POFile`.

    The header entry fills ``po.header`` (its comment), ``po.metadata`` (fields
    in file order) and ``po.metadata_is_fuzzy``; every entry gets ``linenum``,
    the 1-based line of its msgid keyword.  Syntax errors, bad escapes,
    misplaced keywords, wrongly numbered plural forms and duplicate
    (msgctxt, msgid) pairs raise :class:`CatalogError` naming ``path``:line.

    The result remembers the text's lines and where each entry was among them, so
    that :func:`format_po` given it as ``original`` writes again, byte for byte, the
    entries that did not change (the text's BOM and CRs before line feeds are not kept).

    ``limits``: text longer than ``max_catalog_bytes``, and any msgctxt, msgid,
    msgstr, previous field or comment of an entry longer than ``max_entry_bytes``
    (in UTF-8), is a :class:`CatalogError` naming the ``[limits]`` key.
    """
    return _Parser(text, path, limits).run()
