"""Commands that chain several stages: adding a language, and ``sync``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..config import (
    CONFIG_NAME,
    Config,
    add_languages_text,
    load_config,
    validate_language,
)
from ..diagnostics import from_error
from ..errors import CatalogError, ConfigError
from ..machinery.fsutil import write_if_changed
from ..source.content import load_articles
from .dates import DatesReport, record_dates
from .extract import ExtractReport, build_templates, extract
from .glossary import load_glossary, start_glossary

if TYPE_CHECKING:
    from ..source.fetch import FetchReport
from .status import LanguageStatus, site_status
from .update import UpdateReport, update


@dataclass
class AddLanguageReport:
    languages: list[str]
    created: list[str] = field(default_factory=list)
    glossaries: list[str] = field(default_factory=list)
    """``locales/<lang>/glossary.csv`` started with the site's do-not-translate terms."""


def add_languages(config: Config, languages: list[str]) -> AddLanguageReport:
    """Create every catalog of each new language and list it in ``twp.toml``.

    An unknown language, or one already configured, raises
    :class:`ConfigError` before anything is written.
    """
    problems: list[str] = []
    wanted: list[str] = []
    for lang in languages:
        try:
            validate_language(lang)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if lang == config.source_language:
            problems.append(f"'{lang}' is the source language")
        elif lang in config.languages or lang in wanted:
            problems.append(f"'{lang}' is already in [site] languages")
        else:
            wanted.append(lang)
    if problems:
        raise ConfigError("; ".join(problems), path=CONFIG_NAME,
                          hint="use POSIX locale ids such as 'es', 'pt_BR' or 'zh_Hant'")
    text = config.config_path.read_text(encoding="utf-8")
    new_text = add_languages_text(text, wanted)
    result = update(config, languages=wanted, for_status=False)  # no status follows
    glossaries = [start_glossary(config, lang) for lang in wanted]
    write_if_changed(config.config_path, new_text)
    report = AddLanguageReport(wanted)
    report.created = [p for lang in result.languages for p in lang.created]
    report.glossaries = [path for path in glossaries if path]
    return report


@dataclass
class SyncReport:
    fetched: FetchReport | None
    extracted: ExtractReport
    updated: UpdateReport
    status: list[LanguageStatus]
    dates: DatesReport | None = None
    """``locales/dates.json`` brought up to date (what a dry run would change)."""


def sync(config: Config, *, dry_run: bool = False, fetch: bool = True,
         progress: Callable[[str, int, int], None] | None = None) -> SyncReport:
    """Fetch (when configured), extract, update, and return the status."""
    fetched = None
    if dry_run:  # reads only: no lock, no fetch
        articles = load_articles(config)
        extracted = extract(config, articles, dry_run=True)
        planned = {path.stem: po for path, po in build_templates(config, articles).items()}
        updated = update(config, dry_run=True, templates=planned)
        status = _status(config, updated, remember=False)
        _glossaries(config, updated)
        return SyncReport(None, extracted, updated, status,
                          _record(config, status, updated, dry_run=True))
    if fetch and config.fetch is not None:
        from ..source.fetch import fetch as run_fetch

        fetched = run_fetch(config, progress=(lambda d, t: progress("fetch", d, t))
                            if progress else None)
        config = load_config(config.root)
    extracted = extract(config)
    updated = update(config, progress=(lambda d, t: progress("update", d, t))
                     if progress else None)
    status = _status(config, updated)
    _glossaries(config, updated)
    return SyncReport(fetched, extracted, updated, status, _record(config, status, updated))


def update_catalogs(config: Config, *, languages: list[str] | None = None, dry_run: bool = False,
                    progress: Callable[[int, int], None] | None = None
                    ) -> tuple[UpdateReport, DatesReport]:
    """``twp update``: merge the templates into the catalogs, then record in
    ``locales/dates.json`` the translations newly published or changed."""
    updated = update(config, languages=languages, dry_run=dry_run, progress=progress)
    status = _status(config, updated, remember=not dry_run)
    if languages is not None:
        status = [s for s in status if s.lang in languages]
    _glossaries(config, updated, languages)
    return updated, _record(config, status, updated, dry_run=dry_run)


def _record(config: Config, status: list[LanguageStatus], updated: UpdateReport,
            dry_run: bool = False) -> DatesReport:
    """:func:`record_dates`; a record that cannot be read joins the update's broken files."""
    dates = record_dates(config, status, dry_run=dry_run, dated=updated.handover.dated)
    if dates.broken is not None:
        updated.broken.append(dates.broken)
    return dates


def _status(config: Config, updated: UpdateReport, remember: bool = True) -> list[LanguageStatus]:
    """The status after an update; catalogs that cannot be read count as untranslated and
    join the update's broken ones (each file once)."""
    broken: list[CatalogError] = []
    status = site_status(config, remember=remember, broken=broken,
                         counted=updated.handover.counted)
    seen = {error.path for error in updated.broken}
    updated.broken.extend(from_error(error, "catalog-unreadable") for error in broken
                          if error.path not in seen)
    return status


def _glossaries(config: Config, updated: UpdateReport,
                languages: list[str] | None = None) -> None:
    """The glossaries' problems, as the build reports them: a file not used joins the
    update's broken files, a row left out its warnings (the status counted with them)."""
    for lang in languages if languages is not None else config.languages:
        errors, warnings = load_glossary(config, lang).reported()
        updated.broken.extend(errors)
        updated.warnings.extend(warnings)
