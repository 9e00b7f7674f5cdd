"""The ``twp`` command line: parse options, call the library, print the result.

Commands stay thin: every one loads the config, calls one library function
that returns data, and prints it.  Errors the user can fix are
:class:`~twp_i18n.errors.TwpError`: one message naming the file and line,
exit code 2, no traceback unless ``--debug``.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from .. import __version__
from ..config import Config, find_site, load_config
from ..diagnostics import Diagnostic
from ..errors import ConfigError, TwpError, safe_text
from ..languages import bcp47_tag

if TYPE_CHECKING:
    from rich.progress import TaskID

    from ..catalog.dates import DatesReport
    from ..catalog.importer import ImportReport
    from ..catalog.merge import UpdateReport
    from ..config import LimitsConfig
    from ..source.fetch import FetchReport

app = typer.Typer(
    name="twp",
    help="Carry a community site's articles into many languages with gettext catalogs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


Strict = Annotated[bool, typer.Option(
    "--strict", help="Treat warnings as errors: exit 1 when any is printed "
    "([warnings] ignore silences codes).")]
Langs = Annotated[list[str] | None, typer.Option(
    "--lang", "-l", metavar="LANG", help="Only this language (repeatable).")]
Articles = Annotated[list[str] | None, typer.Option(
    "--article", "-a", metavar="SLUG", help="Only this article slug (repeatable).")]


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


class _WarningHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        prefix = "warning" if record.levelno < logging.ERROR else "error"
        typer.echo(f"{prefix}: {safe_text(record.getMessage())}", err=True)


def _warn(config: Config, items: Iterable[Diagnostic | str]) -> int:
    """Print each warning once on stderr, minus the codes ``[warnings] ignore`` silences;
    return how many were printed (``--strict`` fails on any)."""
    from ..diagnostics import shown

    records = [item if isinstance(item, Diagnostic) else Diagnostic(None, None, "warning", "warning", item)
               for item in items]
    printed = shown(records, config.ignore_warnings)
    for record in printed:
        typer.echo(str(record), err=True)
    return sum(1 for record in printed if record.severity != "note")  # notes never fail --strict


def _version(value: bool) -> None:
    if value:
        typer.echo(f"twp {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    site: Annotated[Path | None, typer.Option(
        "--site", help="The site directory (holding twp.toml; default: the current folder "
        "or the nearest parent that has one).", file_okay=False)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every file.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    ctx.obj = Console(quiet=quiet, verbose=verbose, debug=debug, site=site)
    logger = logging.getLogger("twp_i18n")
    logger.handlers[:] = [_WarningHandler()]
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)
    logger.propagate = False


def _files(console: Console, verb: str, paths: list[str], always: bool = False) -> None:
    """List files: with --verbose, or always (a dry run exists to show them)."""
    for path in paths:
        if always:
            console.say(f"{verb} {path}")
        else:
            console.detail(f"{verb} {path}")


@app.command()
def extract(ctx: typer.Context) -> None:
    """Write one gettext template per article (locales/<slug>.pot) and site.pot."""
    from ..catalog.extract import extract as run_extract

    console: Console = ctx.obj
    with console.writing() as config:
        report = run_extract(config)
    _warn(config, report.warnings)
    _files(console, "wrote", report.written)
    _files(console, "removed", report.removed)
    console.say(
        f"extract: {report.templates} templates, {report.units} units: "
        f"{len(report.written)} written, {len(report.unchanged)} unchanged"
        + (f", {len(report.removed)} removed" if report.removed else "")
    )


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


@contextmanager
def _progress(console: Console) -> Iterator[Callable[[str, int, int], None] | None]:
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


def _check_languages(config: Config, langs: list[str] | None) -> list[str] | None:
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
            + _did_you_mean(config, unknown[0]),
            path="twp.toml",
            hint=f"configured: {', '.join(config.languages) or 'none'}; add one with 'twp add-language'",
        )
    return langs


def _show_update(console: Console, report: UpdateReport, dry_run: bool = False) -> None:
    verb = "would write" if dry_run else "wrote"
    _files(console, verb, report.written, always=dry_run)
    _files(console, "would remove" if dry_run else "removed", report.removed, always=dry_run)
    for lang in report.languages:
        s = lang.stats
        console.detail(
            f"{lang.lang}: {len(lang.written)} written, {len(lang.unchanged)} unchanged; "
            f"{s.fuzzy_matched} fuzzy matches, {s.from_memory} from memory, "
            f"{s.obsoleted} made obsolete, {s.revived} revived"
        )
    created = sum(len(lang.created) for lang in report.languages)
    console.say(
        f"update: {len(report.languages)} languages, {len(report.written)} catalogs "
        f"{'to write' if dry_run else 'written'}, "
        f"{len(report.unchanged)} unchanged"
        + (f", {created} created" if created else "")
        + (f", {len(report.removed)} removed" if report.removed else "")
    )


def _show_dates(console: Console, report: DatesReport | None, dry_run: bool = False) -> None:
    if report is None:
        return
    if report.written:
        _files(console, "would write" if dry_run else "wrote", [report.path], always=dry_run)
    for item in report.published:
        console.detail(f"dates: {item}: first published")
    for item in report.changed:
        console.detail(f"dates: {item}: translation changed")
    for item in report.undated:
        console.detail(f"dates: {item}: no valid PO-Revision-Date; feeds use the English dates")


@app.command()
def update(
    ctx: typer.Context,
    lang: Langs = None,
    dry_run: Annotated[bool, typer.Option("--dry-run",
                                          help="List what would change; write nothing.")] = False,
) -> None:
    """Merge the templates into every language's catalogs, keeping every translation."""
    from ..catalog.workflow import update_catalogs

    console: Console = ctx.obj
    with console.writing(lock=not dry_run) as config:
        langs = _check_languages(config, lang)
        with _progress(console) as advance:
            report, dates = update_catalogs(
                config, languages=langs, dry_run=dry_run,
                progress=(lambda d, t: advance("update", d, t)) if advance else None)
    _show_update(console, report, dry_run)
    _show_dates(console, dates, dry_run)
    _exit_if_broken([str(error) for error in report.broken], "left untouched", escaped=True)


@app.command("add-language")
def add_language(
    ctx: typer.Context,
    languages: Annotated[list[str], typer.Argument(help="POSIX locale ids, e.g. it pt_PT zh_Hant.")],
) -> None:
    """Start new languages: create their catalogs and add them to twp.toml."""
    from ..catalog.workflow import add_languages

    console: Console = ctx.obj
    with console.writing() as config:
        report = add_languages(config, languages)
    _files(console, "wrote", report.created + report.glossaries)
    console.say(f"add-language: {', '.join(report.languages)}: {len(report.created)} catalogs "
                f"created; twp.toml updated")


@app.command()
def status(
    ctx: typer.Context,
    lang: Langs = None,
    article: Articles = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    fail_under: Annotated[float | None, typer.Option("--fail-under", metavar="PCT",
                          help="Exit 1 when a selected language is below PCT percent.")] = None,
) -> None:
    """How far each language has come: units, words, percent, publishable articles."""
    from ..catalog.report import render_status
    from ..catalog.status import site_status

    console: Console = ctx.obj
    config = console.config()
    langs = _check_languages(config, lang)
    statuses = site_status(config, languages=langs, articles=article)
    if article:
        known = {c.domain for s in statuses for c in s.catalogs}
        missing = [a for a in article if a not in known]
        if missing:
            raise ConfigError(f"no article '{missing[0]}'", hint="see the slugs with 'twp status'")
    typer.echo(render_status(statuses, fmt.value, config.min_percent,
                             per_article=bool(article) or console.verbose,
                             color=sys.stdout.isatty()), nl=False)
    if fail_under is not None:
        below = [s.lang for s in statuses if s.total.percent < fail_under]
        if below:
            typer.echo(f"status: below {fail_under:g}%: {', '.join(below)}", err=True)
            raise typer.Exit(1)


class CheckFormat(StrEnum):
    text = "text"
    json = "json"


@app.command()
def check(
    ctx: typer.Context,
    lang: Langs = None,
    article: Articles = None,
    fmt: Annotated[CheckFormat, typer.Option("--format", "-f", help="Output format.")] = CheckFormat.text,
) -> None:
    """Check every translation: broken markup, unsafe links or HTML, placeholders, plural forms."""
    import json

    from ..catalog.checks import check_site, finding_dict

    console: Console = ctx.obj
    config = console.config()
    findings, checked = check_site(config, languages=_check_languages(config, lang),
                                   articles=article)
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    if fmt is CheckFormat.json:
        typer.echo(json.dumps({"catalogs": checked, "errors": errors, "warnings": warnings,
                               "findings": [finding_dict(f) for f in findings]},
                              indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            if console.quiet and finding.severity != "error":
                continue
            typer.echo(safe_text(str(finding)))
            if finding.msgid:
                unit = finding.msgid if len(finding.msgid) <= 70 else finding.msgid[:67] + "..."
                typer.echo(f"  unit: {safe_text(repr(unit))}")
            if finding.hint is not None:
                typer.echo(f"  hint: {safe_text(finding.hint)}")
        console.say(f"check: {checked} catalogs, {errors} errors, {warnings} warnings")
    if errors:
        raise typer.Exit(1)


@app.command()
def sync(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run",
                                          help="List which files would change; write nothing.")] = False,
    strict: Strict = False,
) -> None:
    """The maintainer's one command: fetch (if configured), extract, update, then status."""
    from ..catalog.report import render_status
    from ..catalog.workflow import sync as run_sync

    console: Console = ctx.obj
    with console.writing(lock=not dry_run) as config, _progress(console) as advance:
        report = run_sync(config, dry_run=dry_run, progress=advance)
    verb = "would write" if dry_run else "wrote"
    warned = 0
    if report.fetched is not None:
        warned += _show_fetch(console, config, report.fetched)
    warned += _warn(config, report.extracted.warnings)
    _files(console, verb, report.extracted.written, always=dry_run)
    _files(console, "would remove" if dry_run else "removed", report.extracted.removed,
           always=dry_run)
    console.say(f"extract: {report.extracted.templates} templates, "
                f"{len(report.extracted.written)} {'to write' if dry_run else 'written'}")
    _show_update(console, report.updated, dry_run)
    _show_dates(console, report.dates, dry_run)
    if not console.quiet:
        typer.echo(render_status(report.status, "table", config.min_percent, per_article=False,
                                 color=sys.stdout.isatty()), nl=False)
    if report.fetched is not None and report.fetched.exit_code:
        raise typer.Exit(report.fetched.exit_code)
    _exit_if_broken([str(error) for error in report.updated.broken], "left untouched",
                    escaped=True)
    if strict and warned:
        raise typer.Exit(1)


def _show_fetch(console: Console, config: Config, report: FetchReport) -> int:
    _files(console, "wrote", [f"content: {slug}" for slug in report.written])
    warned = _warn(config, report.warnings)  # each once: the library returns them and logs none
    console.say(
        f"fetch: {len(report.written)} articles written, {len(report.unchanged)} unchanged "
        f"({report.not_modified} not modified), {len(report.skipped_edited)} kept as edited, "
        f"{len(report.deleted_upstream)} deleted upstream"
        + (f", {len(report.pruned)} pruned" if report.pruned else "")
        + (f", {len(report.page_problems)} pages skipped" if report.page_problems else "")
        + f"; {report.requests} requests"
    )
    return warned


@app.command()
def fetch(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option(
        "--force", help="Overwrite articles edited here since the last fetch (with "
        "--translations: ask again for every translation).")] = False,
    prune: Annotated[bool, typer.Option("--prune", help="Remove articles deleted on the site.")] = False,
    translations: Annotated[bool, typer.Option(
        "--translations", help="Instead, import the site's existing translations into the catalogs "
        "of twp.toml's languages, as fuzzy entries (as twp import does).")] = False,
) -> None:
    """Pull the canonical articles from the live site ([fetch] in twp.toml)."""
    from ..source.fetch import fetch as run_fetch

    console: Console = ctx.obj
    with console.writing() as config:
        if config.fetch is None:
            raise ConfigError("no [fetch] section", path="twp.toml",
                              hint='add [fetch] with type = "drupal", "wordpress" or "sitemap" and url')
        if translations:
            from ..catalog.importer import import_fetched

            imported = import_fetched(config, force=force)
            _show_import(console, config, imported, dry_run=False)
            console.say(f"fetch --translations: {imported.requests} requests")
            raise typer.Exit(1 if imported.skipped else 0)
        with _progress(console) as advance:
            report = run_fetch(config, force=force, prune=prune,
                               progress=(lambda d, t: advance("fetch", d, t)) if advance else None)
    _show_fetch(console, config, report)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


@app.command("import")
def import_command(
    ctx: typer.Context,
    lang: Annotated[str, typer.Argument(metavar="LANG", help="The language of the translations.")],
    sources: Annotated[list[Path], typer.Argument(
        metavar="SOURCE...", help="Translated Markdown or HTML files, or folders of them.")],
    article: Annotated[str | None, typer.Option(
        "--article", "-a", metavar="SLUG", help="The English article the one file translates.")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Show per article what would be imported; write nothing.")] = False,
    overwrite_fuzzy: Annotated[bool, typer.Option(
        "--overwrite-fuzzy", help="Replace fuzzy translations too (their text is kept as a comment); "
        "never confirmed ones.")] = False,
) -> None:
    """Bring in existing translated articles as fuzzy entries, for translators to confirm."""
    from ..catalog.importer import import_translations

    console: Console = ctx.obj
    with console.writing(lock=not dry_run) as config:
        langs = _check_languages(config, [lang])
        assert langs is not None
        report = import_translations(config, langs[0], sources, article=article,
                                     dry_run=dry_run, overwrite_fuzzy=overwrite_fuzzy)
    _show_import(console, config, report, dry_run)
    if report.skipped:
        raise typer.Exit(1)


def _show_import(console: Console, config: Config, report: ImportReport, dry_run: bool) -> None:
    _warn(config, report.skipped)
    for item in report.articles:
        how = "structure" if item.structural else "alignment"
        console.say(f"{item.catalog}: from {item.origin} ({how}): {len(item.aligned)} "
                    f"{'to import' if dry_run else 'imported'} as fuzzy, {len(item.left)} left, "
                    f"{item.already} already translated"
                    + (f", {len(item.refused)} refused by the checks" if item.refused else ""))
        for finding in item.refused:
            console.say(f"  refused ({finding.code}): {_short(finding.msgid or '')}")
        if dry_run:
            for score, msgid, _ in item.lowest:
                console.say(f"  lowest: {score:.2f} {_short(msgid)}")
            for unit in item.left:
                console.say(f"  left: line {unit.line} ({unit.kind}): {_short(unit.text)}")
    total = sum(len(item.aligned) for item in report.articles)
    console.say(f"import: {len(report.articles)} articles, {total} entries "
                f"{'would be imported' if dry_run else 'imported'} as fuzzy"
                + (f", {len(report.skipped)} files skipped" if report.skipped else "")
                + ("" if dry_run or not total else "; confirm them in a PO editor (docs/translating.md)"))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return safe_text(repr(text if len(text) <= 60 else text[:57] + "..."))


@app.command()
def build(
    ctx: typer.Context,
    lang: Annotated[list[str] | None, typer.Option(
        "--lang", "-l", metavar="LANG",
        help="Only this language (repeatable); the source language is always built.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Output directory (default: [paths] output).", file_okay=False)] = None,
    jobs: Annotated[int, typer.Option(
        "--jobs", "-j", min=0, metavar="N",
        help="Render languages in N processes (default 0: one per CPU core).")] = 0,
    ping: Annotated[bool, typer.Option(
        "--ping", help="Tell the WebSub hub about feeds that changed.")] = False,
    strict: Strict = False,
) -> None:
    """Publish: localized pages, feeds, sitemap, OPML, status dashboard and offline bundles."""
    from ..publish.build import build as run_build

    console: Console = ctx.obj
    with console.writing() as config, _progress(console) as advance:
        langs = _check_languages(config, lang)
        report = run_build(config, languages=langs, out=out, jobs=jobs or (os.cpu_count() or 1),
                           progress=(lambda d, t: advance("build", d, t)) if advance else None)
    warned = _warn(config, report.warnings)
    _files(console, "wrote", report.written)
    _files(console, "removed", report.removed)
    summary = ", ".join(f"{lang} {len(slugs)}" for lang, slugs in report.published.items())
    console.say(f"build: {config.rel(report.output)}: {len(report.written)} files written, "
                f"{len(report.unchanged)} unchanged"
                + (f", {len(report.removed)} removed" if report.removed else "")
                + f"; articles published: {summary}")
    if ping:
        _ping(console, config, report.changed_feeds)
    _exit_if_broken(report.errors, "left out of the build")
    if strict and warned:
        raise typer.Exit(1)


def _ping(console: Console, config: Config, feeds: list[str]) -> None:
    hub = config.feeds.websub_hub
    if hub is None:
        raise ConfigError("--ping needs a hub", path="twp.toml",
                          hint="set [feeds] websub_hub to your WebSub hub's URL")
    if not feeds:
        console.say("ping: no feed changed; the hub was not contacted")
        return
    from ..source.fetch import ping_hub

    pinged = ping_hub(hub, feeds, timeout=config.fetch.timeout if config.fetch else 30.0)
    _files(console, "pinged", pinged)
    console.say(f"ping: {hub}: {len(pinged)} feeds announced")


@app.command()
def serve(
    ctx: typer.Context,
    port: Annotated[int, typer.Option("--port", "-p", metavar="PORT", help="Port on 127.0.0.1.")] = 8000,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Directory to serve (default: [paths] output).", file_okay=False)] = None,
) -> None:
    """Preview the built site on http://127.0.0.1:PORT/ (local only)."""
    from ..publish.serve import serve as run_serve

    console: Console = ctx.obj
    config = console.config()
    directory = (out or config.output_dir).resolve()
    if not (directory / "index.html").exists():
        raise ConfigError("nothing to serve yet", path=config.rel(directory),
                          hint="run 'twp build' first")
    with run_serve(directory, port) as url:
        typer.echo(f"serving {config.rel(directory)} on {url} (Ctrl+C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            typer.echo("stopped")


_GLOBAL_FLAGS = frozenset({"-q", "--quiet", "-v", "--verbose", "--debug"})
_GLOBAL_VALUED = frozenset({"--site"})


def _globals_first(args: list[str]) -> list[str]:
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


@app.command("format")
def format_catalogs(
    ctx: typer.Context,
    check: Annotated[bool, typer.Option(
        "--check", help="Write nothing; exit 1 listing the files not in canonical form.")] = False,
    lang: Annotated[list[str] | None, typer.Option(
        "--lang", "-l", metavar="LANG",
        help="Only this language's catalogs (repeatable; default: all, and the templates).")] = None,
) -> None:
    """Rewrite catalogs in canonical form (msgcat's, references as [catalogs] says)."""
    from ..catalog.canonical import format_catalogs as run_format

    console: Console = ctx.obj
    config = console.config()
    langs = _check_languages(config, lang)
    if check:
        report = run_format(config, languages=langs, check=True)
        for path in report.changed:
            typer.echo(f"{path}: not in canonical form")
        console.say(f"format: {len(report.changed) + len(report.unchanged)} files, "
                    f"{len(report.changed)} not in canonical form"
                    + ("; run 'twp format' to rewrite them" if report.changed else ""))
        if report.changed:
            raise typer.Exit(1)
        return
    with console.writing() as config:
        report = run_format(config, languages=langs)
    _files(console, "wrote", report.changed)
    console.say(f"format: {len(report.changed)} files written, {len(report.unchanged)} unchanged")


def _limits(console: Console) -> LimitsConfig:
    """The site's [limits] when a twp.toml is found (git runs the driver at the top of the
    repository, which may not be the site), else the defaults."""
    from ..config import LimitsConfig

    try:
        return console.config().limits
    except TwpError:  # none, or a broken one (in a merge, say): merging catalogs goes on
        return LimitsConfig()


@app.command("merge-po")
def merge_po(
    ctx: typer.Context,
    files: Annotated[list[str] | None, typer.Argument(
        metavar="BASE OURS THEIRS [PATH] | PATH...",
        help="git's %O %A %B %P (the merge driver); with --from-git, the catalogs to resolve.")] = None,
    from_git: Annotated[bool, typer.Option(
        "--from-git", help="Resolve catalogs of an unfinished git merge "
        "from git's copies of both sides (all unmerged ones if none given).")] = False,
) -> None:
    """Merge two versions of a catalog entry by entry (git's merge driver, see git-setup)."""
    from ..catalog.gitmerge import merge_files, merge_from_git, text_merge, unmerged

    console: Console = ctx.obj
    files = files or []
    limits = _limits(console)
    conflicts = 0
    if from_git:
        paths = files or unmerged()
        if not paths:
            console.say("merge-po: git lists no unmerged catalog")
            return
        for path in paths:
            result = merge_from_git(path, limits=limits)
            conflicts += len(result.conflicts)
            console.say(f"merge-po: {path}: merged"
                        + (f", {len(result.conflicts)} entries in conflict (see 'twp check')"
                           if result.conflicts else "; 'git add' it to mark it resolved"))
    else:
        if len(files) not in (3, 4):
            raise ConfigError("merge-po takes BASE OURS THEIRS [PATH] (git's %O %A %B %P)",
                              hint="or --from-git PATH... during an unfinished merge; "
                                   "'twp git-setup' configures git to call it")
        base, ours, theirs = (Path(name) for name in files[:3])
        shown = files[3] if len(files) == 4 else files[1]
        try:
            result = merge_files(base, ours, theirs, shown, limits)
        except TwpError:
            text_merge(base, ours, theirs)  # git's line merge, markers and all
            raise
        conflicts = len(result.conflicts)
        if conflicts:
            typer.echo(f"merge-po: {shown}: {conflicts} entries changed differently on both "
                       "branches: both versions are in the file, see 'twp check'", err=True)
    if conflicts:
        raise typer.Exit(1)


@app.command("git-setup")
def git_setup(ctx: typer.Context) -> None:
    """Make git merge this site's catalogs with 'twp merge-po' (.gitattributes, .git/config)."""
    from ..catalog.gitmerge import git_setup as run_setup

    console: Console = ctx.obj
    report = run_setup(console.config())
    for change in report.changed:
        console.say(f"git-setup: {change}")
    if not report.changed:
        console.say("git-setup: already set up; nothing changed")


@app.command("weblate-config")
def weblate_config(ctx: typer.Context) -> None:
    """Print the Weblate component-discovery settings for this site as JSON (docs/weblate.md)."""
    import json

    from ..catalog.weblate import discovery_settings

    console: Console = ctx.obj
    typer.echo(json.dumps(discovery_settings(console.config()), indent=2, ensure_ascii=False))


def _did_you_mean(config: Config, unknown: str) -> str:
    """``"; did you mean 'pt_BR'?"`` for the configured language closest to ``unknown``."""
    import difflib

    names = {lang.lower(): lang for lang in config.languages}
    names.update({bcp47_tag(lang).lower(): lang for lang in config.languages})
    close = difflib.get_close_matches(unknown.lower(), list(names), n=1, cutoff=0.5)
    return f"; did you mean '{names[close[0]]}'?" if close else ""


def _exit_if_broken(errors: list[str], what: str, escaped: bool = False) -> None:
    """Report the broken inputs a command left aside (each as ``path:line: message``;
    ``escaped``: already shown safely, as ``str()`` of an error is, hint included) and
    exit with 1: the rest of the work is done."""
    if not errors:
        return
    for error in errors:
        typer.echo(f"error: {error if escaped else safe_text(error)}", err=True)
    typer.echo(f"{len(errors)} broken file{'s' if len(errors) != 1 else ''} {what}; "
               "everything else is done (fix them and run again)", err=True)
    raise typer.Exit(1)


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point of the ``twp`` script."""
    args = _globals_first(list(sys.argv[1:] if argv is None else argv))
    debug = "--debug" in args
    try:  # typer reports usage errors itself (exit 2) and ends with SystemExit
        app(args=args, prog_name="twp")
    except TwpError as exc:
        if debug:
            raise
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    sys.exit(0)
