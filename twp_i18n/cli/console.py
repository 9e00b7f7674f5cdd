"""What every command shares: where it prints, the site it works on (and its lock), progress
bars, the languages it was given, and how warnings and broken inputs are printed (each once)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ..config import Config, find_site, load_config
from ..diagnostics import Diagnostic, unique
from ..errors import ConfigError, safe_text
from ..languages import bcp47_tag
from .quick import globals_first

__all__ = ["Console", "WarningHandler", "check_languages", "did_you_mean", "exit_if_broken",
           "globals_first", "list_files", "progress", "short", "warn"]

if TYPE_CHECKING:
    from rich.progress import TaskID


@dataclass
class Console:
    """Where commands print: results on stdout, diagnostics on stderr."""

    quiet: bool = False
    verbose: bool = False
    debug: bool = False
    site: Path | None = None
    """``--site``; None: the current folder or the nearest parent holding twp.toml."""

    def say(self, message: str) -> None:
        """A result line (suppressed by --quiet)."""
        if not self.quiet:
            typer.echo(message)

    def detail(self, message: str) -> None:
        """A line shown only with --verbose."""
        if self.verbose and not self.quiet:
            typer.echo(message)

    def config(self) -> Config:
        return load_config(self.site if self.site is not None else find_site(Path.cwd()))

    @contextmanager
    def writing(self, lock: bool = True) -> Iterator[Config]:
        """The site's config, with the site lock held: the one place every command that
        writes catalogs, content or output takes it (``lock=False`` for a dry run)."""
        from ..machinery.lock import site_lock

        config = self.config()
        if not lock:
            yield config
            return
        with site_lock(config.root):
            yield config


class WarningHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        prefix = "warning" if record.levelno < logging.ERROR else "error"
        typer.echo(f"{prefix}: {safe_text(record.getMessage())}", err=True)


def warn(config: Config, records: Iterable[Diagnostic]) -> int:
    """Print each warning once on stderr, minus the codes ``[warnings] ignore`` silences;
    return how many were printed (``--strict`` fails on any)."""
    from ..diagnostics import shown

    printed = shown(records, config.ignore_warnings)
    for record in printed:
        typer.echo(str(record), err=True)
    return sum(1 for record in printed if record.severity != "note")  # notes never fail --strict


def list_files(console: Console, verb: str, paths: list[str], always: bool = False) -> None:
    """List files: with --verbose, or always (a dry run exists to show them)."""
    for path in paths:
        if always:
            console.say(f"{verb} {path}")
        else:
            console.detail(f"{verb} {path}")


@contextmanager
def progress(console: Console) -> Iterator[Callable[[str, int, int], None] | None]:
    """A rich progress bar on a terminal; nothing when output is piped or --quiet."""
    if console.quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console as RichConsole
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    # No refresh thread (auto_refresh=False): update and extract fork worker processes.
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  transient=True, auto_refresh=False, console=RichConsole(stderr=True)) as bar:
        tasks: dict[str, TaskID] = {}

        def advance(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)
            bar.refresh()

        yield advance


def check_languages(config: Config, langs: list[str] | None) -> list[str] | None:
    if not langs:
        return None
    by_key = {bcp47_tag(lang).lower(): lang for lang in config.languages}
    by_key.update({lang.lower(): lang for lang in config.languages})
    langs = [by_key.get(lang.lower(), by_key.get(bcp47_tag(lang).lower(), lang))  # pt-BR -> pt_BR
             for lang in langs]
    unknown = [lang for lang in langs if lang not in config.languages]
    if unknown:
        raise ConfigError(
            f"language {', '.join(repr(u) for u in unknown)} is not in [site] languages"
            + did_you_mean(config, unknown[0]),
            path="twp.toml",
            hint=f"configured: {', '.join(config.languages) or 'none'}; add one with 'twp add-language'",
        )
    return langs


def did_you_mean(config: Config, unknown: str) -> str:
    """``"; did you mean 'pt_BR'?"`` for the configured language closest to ``unknown``."""
    import difflib

    names = {lang.lower(): lang for lang in config.languages}
    names.update({bcp47_tag(lang).lower(): lang for lang in config.languages})
    close = difflib.get_close_matches(unknown.lower(), list(names), n=1, cutoff=0.5)
    return f"; did you mean '{names[close[0]]}'?" if close else ""


def exit_if_broken(errors: Sequence[Diagnostic], what: str) -> None:
    """Report the broken inputs a command left aside (each once, as
    ``path:line: error: message [code]`` and its hint) and exit with 1: the rest of the work
    is done."""
    if not errors:
        return
    errors = unique(errors)
    for error in errors:
        typer.echo(str(error) + (f"\n  hint: {safe_text(error.hint)}" if error.hint else ""),
                   err=True)
    typer.echo(f"{len(errors)} broken file{'s' if len(errors) != 1 else ''} {what}; "
               "everything else is done (fix them and run again)", err=True)
    raise typer.Exit(1)


def short(text: str) -> str:
    text = " ".join(text.split())
    return safe_text(repr(text if len(text) <= 60 else text[:57] + "..."))
