"""The ``twp`` entry point; ``twp status`` answered before the command line is loaded.

Loading the command line (typer, click, rich) and the configuration takes longer than a
status with nothing changed needs.  :func:`main` reads a ``twp status`` call itself when
it uses only the options this module knows in their plain forms, and asks
:func:`~twp_i18n.catalog.quickstatus.answer` for the statuses.  Everything else, and every
case it is not sure of (another command, ``--help``, an unknown language or article, an
option spelled another way, a cache that cannot answer), goes to the typer application
(:mod:`.app`), which does it all, with the same output, messages and exit codes.
"""

from __future__ import annotations

import os
import sys

from ..machinery import stamps

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: this module imports as little as it can
if TYPE_CHECKING:
    from typing import NoReturn, TextIO

_FORMATS = ("table", "json", "csv", "markdown")
_GLOBAL_FLAGS = frozenset({"-q", "--quiet", "-v", "--verbose", "--debug"})
_GLOBAL_VALUED = frozenset({"--site"})
_STATUS_VALUED = {"--lang": "lang", "-l": "lang", "--article": "article", "-a": "article",
                  "--format": "format", "-f": "format", "--fail-under": "fail_under"}


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point of the ``twp`` script."""
    args = globals_first(list(sys.argv[1:] if argv is None else argv))
    code = quick_status(args)
    if code is None:
        from .app import main as run

        run(args)
    sys.exit(code)


def globals_first(args: list[str]) -> list[str]:
    """Move the global options given after the command (``twp extract -q``) before it, where
    typer reads them; everything after a ``--`` is left as it is."""
    index = 0
    while index < len(args) and args[index].startswith("-") and args[index] != "--":
        index += 2 if args[index] in _GLOBAL_VALUED else 1
    if index >= len(args) or args[index] == "--":
        return args
    before, command, after = args[:index], args[index], args[index + 1:]
    moved: list[str] = []
    rest: list[str] = []
    position = 0
    while position < len(after):
        token = after[position]
        if token == "--":
            rest.extend(after[position:])
            break
        if token in _GLOBAL_FLAGS or token.split("=", 1)[0] in _GLOBAL_VALUED and "=" in token:
            moved.append(token)
        elif token in _GLOBAL_VALUED and position + 1 < len(after):
            moved.extend(after[position:position + 2])
            position += 1
        else:
            rest.append(token)
        position += 1
    return [*before, *moved, command, *rest]


class _Call:
    """A ``twp status`` call, as :func:`_read_call` understood it."""

    def __init__(self) -> None:
        self.site: str | None = None
        self.verbose = False
        self.lang: list[str] = []
        self.article: list[str] = []
        self.format = "table"
        self.fail_under: float | None = None


def _read_call(args: list[str]) -> _Call | None:  # noqa: C901 - one branch per option
    """The options of a ``twp status`` call (global ones before ``status``, as
    :func:`globals_first` leaves them), or None for anything else or any doubt."""
    call = _Call()
    seen: set[str] = set()
    tokens = iter(args)
    command = False
    for token in tokens:
        if token in _GLOBAL_FLAGS and not command:
            call.verbose = call.verbose or token in ("-v", "--verbose")
            continue
        if token == "status" and not command:
            command = True
            continue
        name, equals, value = token.partition("=") if token.startswith("--") else (token, "", "")
        field = "site" if name == "--site" and not command else (
            _STATUS_VALUED.get(name) if command else None)
        if field is None or (field in seen and field not in ("lang", "article")):
            return None  # not ours, or given twice (which typer settles)
        if not equals:
            following = next(tokens, None)
            if following is None:
                return None
            value = following
        if value.startswith("-") and field != "fail_under":
            return None
        seen.add(field)
        if field == "fail_under":
            try:
                call.fail_under = float(value)
            except ValueError:
                return None
        elif field == "format":
            if value not in _FORMATS:
                return None
            call.format = value
        elif field in ("lang", "article"):
            getattr(call, field).append(value)
        else:
            call.site = value
    return call if command else None


def _utf8(stream: TextIO | None) -> bool:
    encoding = getattr(stream, "encoding", None) or ""
    return encoding.lower().replace("-", "").replace("_", "") == "utf8"


def _site(call: _Call) -> str | None:
    """The site's root as the command line finds it, or None when it would report a
    problem with it."""
    if call.site is None:
        return stamps.find_upwards(os.getcwd(), "twp.toml")
    if not call.site or (os.path.exists(call.site) and not (
            os.path.isdir(call.site) and os.access(call.site, os.R_OK))):
        return None  # typer's own message about --site
    return os.path.realpath(call.site)


def quick_status(args: list[str]) -> int | None:
    """Run ``twp status`` from its cache and return the exit code, or None when it has to be
    run the long way (see the module's docstring)."""
    call = _read_call(args)
    if call is None or not _utf8(sys.stdout) or not _utf8(sys.stderr):
        return None
    root = _site(call)
    if root is None:
        return None
    from ..catalog.quickstatus import answer

    found = answer(root, call.lang or None, call.article or None)
    if found is None:
        return None
    from ..catalog.report import render_status

    color = sys.stdout.isatty()
    text = render_status(found.statuses, call.format, found.min_percent,
                         per_article=bool(call.article) or call.verbose, color=color)
    if "\x1b" in text and not color:
        return None  # the command line strips escape codes when piped
    sys.stdout.write(text)
    sys.stdout.flush()
    below = [s.lang for s in found.statuses
             if call.fail_under is not None and s.total.percent < call.fail_under]
    if below:
        sys.stderr.write(f"status: below {call.fail_under:g}%: {', '.join(below)}\n")
        sys.stderr.flush()
        return 1
    return 0
