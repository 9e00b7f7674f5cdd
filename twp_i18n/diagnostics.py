"""Warnings and notes as records: what every report carries and the CLI prints once.

A :class:`Diagnostic` says where (path, line), how bad (severity), which rule (a stable
``code`` a site can silence in ``twp.toml`` under ``[warnings] ignore``), what happened
and what to do.  The library returns them in its reports and never logs them; the CLI
prints each exactly once, as ``path:line: warning: message [code]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from .errors import TwpError, safe_text

Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True)
class Diagnostic:
    """One problem or remark about one place of the site."""

    path: str | None
    line: int | None
    severity: Severity
    code: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        """``path:line: warning: message [code]``, the form editors and CI annotators parse."""
        where = "" if self.path is None else (
            f"{self.path}: " if self.line is None else f"{self.path}:{self.line}: ")
        return safe_text(f"{where}{self.severity}: {self.message} [{self.code}]")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnostic:
        return cls(data.get("path"), data.get("line"), data["severity"], data["code"],
                   data["message"], data.get("hint"))


def warning(code: str, message: str, path: str | None = None, line: int | None = None,
            hint: str | None = None) -> Diagnostic:
    return Diagnostic(path, line, "warning", code, message, hint)


def from_error(error: TwpError, code: str, severity: Severity = "error") -> Diagnostic:
    """The record of an input a command left aside because reading it raised ``error``
    (a catalog it could not read): its place, message and hint, under ``code``."""
    message = "; ".join([error.message, *error.details])
    return Diagnostic(error.path, error.line, severity, code, message, error.hint)


def unique(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """``diagnostics`` in order, each once (the same warning reached by two routes)."""
    return list(dict.fromkeys(diagnostics))


def shown(diagnostics: Iterable[Diagnostic], ignore: Iterable[str] = ()) -> list[Diagnostic]:
    """What to print: each diagnostic once, minus the codes a site silenced."""
    silenced = set(ignore)
    return [d for d in unique(diagnostics) if d.code not in silenced]
