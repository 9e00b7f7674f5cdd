"""The one exception hierarchy that carries user-facing messages.

Every error a user can cause (bad config, broken front matter, a PO file a
translator broke, an unreachable site) is a :class:`TwpError`.  Its ``str()`` is
the gcc-style ``path:line: message`` text that editors and CI annotators pick
up, followed by a hint saying what to do.  Anything that is not a ``TwpError``
is a bug and keeps its traceback.

Messages quote untrusted text (a remote slug, a file name, a translation), so
:func:`safe_text` escapes every control and format character before a message
reaches a terminal: ``str()`` of an error applies it, and so does the CLI to
every warning it prints.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff"
                      + "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF)
                                for plane in range(1, 17)) + "]")
"""Characters that are no text: C0 and C1 controls (tab and line ends aside) and Unicode's
noncharacters.  HTML calls them parse errors, feed validators "bad characters"; the pages,
feeds and books leave them out, and ``twp check`` warns of those a translation adds."""

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    code = ord(ch)
    if ch in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[ch]
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def control_character(text: str) -> str | None:
    """The first control character in ``text`` other than tab and line feed, as ``U+XXXX``
    (for a message refusing an input that holds one), or None.

    >>> control_character("a\\x1bb"), control_character("tab\\tok")
    ('U+001B', None)
    """
    for ch in text:
        if ch not in "\t\n" and unicodedata.category(ch) == "Cc":
            return f"U+{ord(ch):04X}"
    return None


def safe_text(text: str) -> str:
    r"""``text`` with control, format (bidi included), surrogate and line/paragraph separator
    characters shown as escapes, so printing it cannot move the cursor, recolour the
    terminal, reorder the line or start a new one.

    >>> safe_text("a\x1b[2Jb\nc\u202ed")
    'a\\x1b[2Jb\\nc\\u202ed'
    >>> safe_text("sueño, 日本語, العربية")
    'sueño, 日本語, العربية'
    """
    if text.isprintable():
        return text
    return "".join(_escape(ch) if unicodedata.category(ch) in _UNSAFE_CATEGORIES else ch
                   for ch in text)


class TwpError(Exception):
    """A problem the user can fix; shown without a traceback, exit code 2."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
        details: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.hint = hint
        self.details = tuple(details)
        """Lines shown under the message, indented (e.g. each problem of several)."""

    @property
    def location(self) -> str:
        """``path:line`` (or just ``path``), or an empty string."""
        if self.path is None:
            return ""
        if self.line is None:
            return self.path
        return f"{self.path}:{self.line}"

    def __str__(self) -> str:
        text = safe_text(f"{self.location}: {self.message}" if self.path else self.message)
        for detail in self.details:
            text += f"\n  {safe_text(detail)}"
        if self.hint:
            text += f"\n  hint: {safe_text(self.hint)}"
        return text


class ConfigError(TwpError):
    """``twp.toml`` is missing, malformed or holds a bad value."""


class ContentError(TwpError):
    """A source article cannot be read: encoding, front matter, slug, date."""


class CatalogError(TwpError):
    """A PO/POT file cannot be read or is inconsistent."""


class TemplateError(TwpError):
    """A Jinja2 template of the theme or of the site is broken."""


class FetchError(TwpError):
    """The live site could not be read (network, HTTP status, malformed data)."""


class OutputError(TwpError):
    """An output file cannot be written."""


class LockError(TwpError):
    """Another ``twp`` run holds the site's lock."""
