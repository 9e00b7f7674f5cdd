"""How the reports of ``update``, ``fetch``, ``import`` and the dates record are printed."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import typer

from ..errors import safe_text
from .console import Console, list_files, short, warn

if TYPE_CHECKING:
    from ..catalog.checks import Finding
    from ..catalog.dates import DatesReport
    from ..catalog.importer import ImportReport
    from ..catalog.update import UpdateReport
    from ..catalog.workflow import SyncReport
    from ..config import Config
    from ..publish.build import BuildReport
    from ..source.fetch import FetchReport


def show_update(console: Console, report: UpdateReport, dry_run: bool = False) -> None:
    verb = "would write" if dry_run else "wrote"
    list_files(console, verb, report.written, always=dry_run)
    list_files(console, "would remove" if dry_run else "removed", report.removed, always=dry_run)
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


def show_dates(console: Console, report: DatesReport | None, dry_run: bool = False) -> None:
    if report is None:
        return
    if report.repaired:
        console.say(f"dates: {report.path}: merged both versions of a git conflict"
                    + ("" if dry_run else "; 'git add' it"))
    if report.written:
        list_files(console, "would write" if dry_run else "wrote", [report.path], always=dry_run)
    for item in report.published:
        console.detail(f"dates: {item}: first published")
    for item in report.changed:
        console.detail(f"dates: {item}: translation changed")
    for item in report.undated:
        console.detail(f"dates: {item}: no valid PO-Revision-Date; feeds use the English dates")


def show_fetch(console: Console, config: Config, report: FetchReport) -> int:
    list_files(console, "wrote", [f"content: {slug}" for slug in report.written])
    warned = warn(config, report.warnings)  # each once: the library returns them and logs none
    console.say(
        f"fetch: {len(report.written)} articles written, {len(report.unchanged)} unchanged "
        f"({report.not_modified} not modified), {len(report.skipped_edited)} kept as edited, "
        f"{len(report.deleted_upstream)} deleted upstream"
        + (f", {len(report.pruned)} pruned" if report.pruned else "")
        + (f", {len(report.page_problems)} pages skipped" if report.page_problems else "")
        + f"; {report.requests} requests"
    )
    return warned


def show_import(console: Console, config: Config, report: ImportReport, dry_run: bool) -> None:
    warn(config, report.skipped)
    for item in report.articles:
        how = "structure" if item.structural else "alignment"
        console.say(f"{item.catalog}: from {item.origin} ({how}): {len(item.aligned)} "
                    f"{'to import' if dry_run else 'imported'} as fuzzy, {len(item.left)} left, "
                    f"{item.already} already translated"
                    + (f", {len(item.refused)} refused by the checks" if item.refused else ""))
        for finding in item.refused:
            console.say(f"  refused ({finding.code}): {short(finding.msgid or '')}")
        if dry_run:
            for score, msgid, _ in item.lowest:
                console.say(f"  lowest: {score:.2f} {short(msgid)}")
            for unit in item.left:
                console.say(f"  left: line {unit.line} ({unit.kind}): {short(unit.text)}")
    total = sum(len(item.aligned) for item in report.articles)
    console.say(f"import: {len(report.articles)} articles, {total} entries "
                f"{'would be imported' if dry_run else 'imported'} as fuzzy"
                + (f", {len(report.skipped)} files skipped" if report.skipped else "")
                + ("" if dry_run or not total else "; confirm them in a PO editor (docs/translating.md)"))


def show_sync(console: Console, config: Config, report: SyncReport, dry_run: bool) -> int:
    """Each step of ``sync`` as its own command prints it, then the status table; how many
    warnings were printed."""
    from ..catalog.report import render_status

    verb = "would write" if dry_run else "wrote"
    warned = 0
    if report.fetched is not None:
        warned += show_fetch(console, config, report.fetched)
    warned += warn(config, report.extracted.warnings)
    list_files(console, verb, report.extracted.written, always=dry_run)
    list_files(console, "would remove" if dry_run else "removed", report.extracted.removed,
               always=dry_run)
    console.say(f"extract: {report.extracted.templates} templates, "
                f"{len(report.extracted.written)} {'to write' if dry_run else 'written'}")
    warned += warn(config, report.updated.warnings)
    show_update(console, report.updated, dry_run)
    show_dates(console, report.dates, dry_run)
    if not console.quiet:
        typer.echo(render_status(report.status, "table", config.min_percent, per_article=False,
                                 color=sys.stdout.isatty()), nl=False)
    return warned


def show_build(console: Console, config: Config, report: BuildReport) -> int:
    """The build's warnings (each once), files and summary; how many warnings were printed."""
    warned = warn(config, report.warnings)
    list_files(console, "wrote", report.written)
    list_files(console, "removed", report.removed)
    summary = ", ".join(f"{lang} {len(slugs)}" for lang, slugs in report.published.items())
    console.say(f"build: {config.rel(report.output)}: {len(report.written)} files written, "
                f"{len(report.unchanged)} unchanged"
                + (f", {len(report.removed)} removed" if report.removed else "")
                + f"; articles published: {summary}")
    return warned


def show_findings(console: Console, findings: list[Finding], checked: int, as_json: bool) -> int:
    """What ``twp check`` found, as text (with each unit and hint) or JSON; the errors."""
    from ..catalog.checks import finding_dict

    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    if as_json:
        typer.echo(json.dumps({"catalogs": checked, "errors": errors, "warnings": warnings,
                               "findings": [finding_dict(f) for f in findings]},
                              indent=2, ensure_ascii=False))
        return errors
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
    return errors
