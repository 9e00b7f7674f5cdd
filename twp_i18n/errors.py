"""The one exception hierarchy that carries user-facing messages.

Every error a user can cause (bad config, broken front matter, a PO file a
translator broke, an unreachable site) is a :class:`TwpError`.  Its ``str()`` is
the gcc-style ``path:line: message`` text that editors and CI annotators pick
up, followed by a hint saying what to do.  Anything that is not a ``TwpError``
is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


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
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.hint = hint

    @property
    def location(self) -> str:
        """``path:line`` (or just ``path``), or an empty string."""
        if self.path is None:
            return ""
        if self.line is None:
            return self.path
        return f"{self.path}:{self.line}"

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.path else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
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
