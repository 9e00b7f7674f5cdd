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
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from .. import __version__
from ..config import Config
from ..errors import ConfigError, TwpError
from .console import (
    Console,
    WarningHandler,
    check_languages,
    exit_if_broken,
    globals_first,
    list_files,
    progress,
    warn,
)
from .merging import merge_driver as _merge_driver
from .merging import merge_from_git as _merge_from_git
from .show import show_build, show_dates, show_fetch, show_findings, show_import, show_sync, show_update

if TYPE_CHECKING:
    from ..config import LimitsConfig

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
    logger.handlers[:] = [WarningHandler()]
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)
    logger.propagate = False


@app.command()
def extract(ctx: typer.Context) -> None:
    """Write one gettext template per article (locales/<slug>.pot) and site.pot."""
    from ..catalog.extract import extract as run_extract

    console: Console = ctx.obj
    with console.writing() as config:
        report = run_extract(config)
    warn(config, report.warnings)
    list_files(console, "wrote", report.written)
    list_files(console, "removed", report.removed)
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
        langs = check_languages(config, lang)
        with progress(console) as advance:
            report, dates = update_catalogs(
                config, languages=langs, dry_run=dry_run,
                progress=(lambda d, t: advance("update", d, t)) if advance else None)
    warn(config, report.warnings)
    show_update(console, report, dry_run)
    show_dates(console, dates, dry_run)
    exit_if_broken(report.broken, "left untouched")


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
    list_files(console, "wrote", report.created + report.glossaries)
    console.say(f"add-language: {', '.join(report.languages)}: {len(report.created)} catalogs "
                f"created; twp.toml updated")


StatusFormat = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
FailUnder = Annotated[float | None, typer.Option(
    "--fail-under", metavar="PCT", help="Exit 1 when a selected language is below PCT percent.")]


@app.command()
def status(ctx: typer.Context, lang: Langs = None, article: Articles = None,
           fmt: StatusFormat = Format.table, fail_under: FailUnder = None) -> None:
    """How far each language has come: units, words, percent, publishable articles."""
    from ..catalog.report import render_status
    from ..catalog.status import site_status

    console: Console = ctx.obj
    config = console.config()
    statuses = site_status(config, languages=check_languages(config, lang), articles=article)
    if article:
        known = {c.domain for s in statuses for c in s.catalogs}
        missing = [a for a in article if a not in known]
        if missing:
            raise ConfigError(f"no article '{missing[0]}'", hint="see the slugs with 'twp status'")
    typer.echo(render_status(statuses, fmt.value, config.min_percent,
                             per_article=bool(article) or console.verbose,
                             color=sys.stdout.isatty()), nl=False)
    below = [s.lang for s in statuses if fail_under is not None and s.total.percent < fail_under]
    if below:
        typer.echo(f"status: below {fail_under:g}%: {', '.join(below)}", err=True)
        raise typer.Exit(1)


class CheckFormat(StrEnum):
    text = "text"
    json = "json"


CheckFormatOption = Annotated[CheckFormat, typer.Option("--format", "-f", help="Output format.")]


@app.command()
def check(ctx: typer.Context, lang: Langs = None, article: Articles = None,
          fmt: CheckFormatOption = CheckFormat.text) -> None:
    """Check every translation: broken markup, unsafe links or HTML, placeholders, plural forms."""
    from ..catalog.checks import check_site

    console: Console = ctx.obj
    config = console.config()
    findings, checked = check_site(config, languages=check_languages(config, lang),
                                   articles=article)
    if show_findings(console, findings, checked, as_json=fmt is CheckFormat.json):
        raise typer.Exit(1)


SyncDryRun = Annotated[bool, typer.Option(
    "--dry-run", help="List which files would change; write nothing.")]


@app.command()
def sync(ctx: typer.Context, dry_run: SyncDryRun = False, strict: Strict = False) -> None:
    """The maintainer's one command: fetch (if configured), extract, update, then status."""
    from ..catalog.workflow import sync as run_sync

    console: Console = ctx.obj
    with console.writing(lock=not dry_run) as config, progress(console) as advance:
        report = run_sync(config, dry_run=dry_run, progress=advance)
    warned = show_sync(console, config, report, dry_run)
    if report.fetched is not None and report.fetched.exit_code:
        raise typer.Exit(report.fetched.exit_code)
    exit_if_broken(report.updated.broken, "left untouched")
    if strict and warned:
        raise typer.Exit(1)


Force = Annotated[bool, typer.Option(
    "--force", help="Overwrite articles edited here since the last fetch (with "
    "--translations: ask again for every translation).")]
Prune = Annotated[bool, typer.Option("--prune", help="Remove articles deleted on the site.")]
Translations = Annotated[bool, typer.Option(
    "--translations", help="Instead, import the site's existing translations into the catalogs "
    "of twp.toml's languages, as fuzzy entries (as twp import does).")]


@app.command()
def fetch(ctx: typer.Context, force: Force = False, prune: Prune = False,
          translations: Translations = False) -> None:
    """Pull the canonical articles from the live site ([fetch] in twp.toml)."""
    from ..source.fetch import fetch as run_fetch

    console: Console = ctx.obj
    with console.writing() as config:
        if config.fetch is None:
            raise ConfigError("no [fetch] section", path="twp.toml",
                              hint='add [fetch] with type = "drupal", "wordpress" or "sitemap" and url')
        if translations:
            _fetch_translations(console, config, force)
        with progress(console) as advance:
            report = run_fetch(config, force=force, prune=prune,
                               progress=(lambda d, t: advance("fetch", d, t)) if advance else None)
    show_fetch(console, config, report)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _fetch_translations(console: Console, config: Config, force: bool) -> NoReturn:
    """``fetch --translations``: import the site's translations (``force``: ask again for
    every one), then exit."""
    from ..catalog.importer import import_fetched

    imported = import_fetched(config, force=force)
    show_import(console, config, imported, dry_run=False)
    console.say(f"fetch --translations: {imported.requests} requests")
    raise typer.Exit(1 if imported.skipped else 0)


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
        langs = check_languages(config, [lang])
        assert langs is not None
        report = import_translations(config, langs[0], sources, article=article,
                                     dry_run=dry_run, overwrite_fuzzy=overwrite_fuzzy)
    show_import(console, config, report, dry_run)
    if report.skipped:
        raise typer.Exit(1)


BuildLangs = Annotated[list[str] | None, typer.Option(
    "--lang", "-l", metavar="LANG",
    help="Only this language (repeatable); the source language is always built.")]
BuildOut = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Output directory (default: [paths] output).", file_okay=False)]
Jobs = Annotated[int, typer.Option(
    "--jobs", "-j", min=0, metavar="N",
    help="Render languages in N processes (default 0: one per CPU core).")]
Ping = Annotated[bool, typer.Option("--ping", help="Tell the WebSub hub about feeds that changed.")]


@app.command()
def build(ctx: typer.Context, lang: BuildLangs = None, out: BuildOut = None, jobs: Jobs = 0,
          ping: Ping = False, strict: Strict = False) -> None:
    """Publish: localized pages, feeds, sitemap, OPML, status dashboard and offline bundles."""
    from ..publish.build import build as run_build

    console: Console = ctx.obj
    with console.writing() as config, progress(console) as advance:
        langs = check_languages(config, lang)
        report = run_build(config, languages=langs, out=out, jobs=jobs or (os.cpu_count() or 1),
                           progress=(lambda d, t: advance("build", d, t)) if advance else None)
    warned = show_build(console, config, report)
    if ping:
        _ping(console, config, report.changed_feeds)
    exit_if_broken(report.errors, "left out of the build")
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
    list_files(console, "pinged", pinged)
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


FormatCheck = Annotated[bool, typer.Option(
    "--check", help="Write nothing; exit 1 listing the files not in canonical form.")]
FormatLangs = Annotated[list[str] | None, typer.Option(
    "--lang", "-l", metavar="LANG",
    help="Only this language's catalogs (repeatable; default: all, and the templates).")]


@app.command("format")
def format_catalogs(ctx: typer.Context, check: FormatCheck = False, lang: FormatLangs = None) -> None:
    """Rewrite catalogs in canonical form (msgcat's, references as [catalogs] says)."""
    from ..catalog.canonical import format_catalogs as run_format

    console: Console = ctx.obj
    config = console.config()
    langs = check_languages(config, lang)
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
    list_files(console, "wrote", report.changed)
    console.say(f"format: {len(report.changed)} files written, {len(report.unchanged)} unchanged")


def _limits(console: Console) -> LimitsConfig:
    """The site's [limits] when a twp.toml is found (git runs the driver at the top of the
    repository, which may not be the site), else the defaults."""
    from ..config import LimitsConfig

    try:
        return console.config().limits
    except TwpError:  # none, or a broken one (in a merge, say): merging catalogs goes on
        return LimitsConfig()


MergeFiles = Annotated[list[str] | None, typer.Argument(
    metavar="BASE OURS THEIRS [PATH] | PATH...",
    help="git's %O %A %B %P (the merge driver); with --from-git, the catalogs to resolve.")]
FromGit = Annotated[bool, typer.Option(
    "--from-git", help="Resolve catalogs of an unfinished git merge "
    "from git's copies of both sides (all unmerged ones if none given).")]


@app.command("merge-po")
def merge_po(ctx: typer.Context, files: MergeFiles = None, from_git: FromGit = False) -> None:
    """Merge two versions of a catalog entry by entry (git's merge driver, see git-setup)."""
    console: Console = ctx.obj
    limits = _limits(console)
    if from_git:
        conflicts = _merge_from_git(console, files or [], limits)
    else:
        conflicts = _merge_driver(files or [], limits)
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


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point of the ``twp`` script."""
    args = globals_first(list(sys.argv[1:] if argv is None else argv))
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
