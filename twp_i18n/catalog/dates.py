"""When each translation was first published and when its text last changed.

Feeds date a translated entry by its translation, never by the clock or by a
catalog's save: ``twp update`` and ``twp sync`` keep ``locales/dates.json``,
which maintainers commit with the catalogs, and ``twp build`` only reads it.

For every language and article it holds:

* ``published``: the catalog's ``PO-Revision-Date`` when the translation first
  reached ``[publish] min_percent`` (a new translation of an old article is new
  in its language's feed);
* ``changed``: the catalog's ``PO-Revision-Date`` when its translated text last
  changed;
* ``text``: a digest of that text (msgctxt, msgid and msgstr of every translated,
  non-fuzzy entry), so an editor re-saving a catalog, or ``twp update``
  rewrapping it, changes no date.

A record is never removed while its language and article exist, so an article
that falls below the threshold and comes back keeps its first publication date.  Two
branches' records merge article by article (:mod:`.datesmerge`, git's merge driver once
``twp git-setup`` ran); a record git's line merge left with conflict markers is merged
the same way, and one that cannot be read otherwise is left as it is and reported.
A catalog without a valid ``PO-Revision-Date`` gets no record (its feed entry
then carries the English dates).  The file is JSON with sorted keys, dates in
UTC: the same catalogs give the same bytes on every machine.

>>> revision_date("2026-10-20 18:00+0200").isoformat()
'2026-10-20T16:00:00+00:00'
>>> revision_date("YEAR-MO-DA HO:MI+ZONE") is None
True
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..diagnostics import Diagnostic, from_error
from ..errors import CatalogError
from ..machinery import cache
from ..machinery.fsutil import read_regular, write_if_changed
from ..paths import SITE_DOMAIN
from .catalogs import catalog_path, load_catalog
from .datesmerge import merge_records, split_markers
from .handover import revision_date, translation_digest
from .status import LanguageStatus

__all__ = ["DATES_NAME", "DatesReport", "Record", "TranslationDates", "dates_path",
           "dump_dates", "merge_dates", "parse_dates", "read_dates", "record_dates", "resolve_markers",
           "revision_date", "translation_digest"]

DATES_NAME = "dates.json"
_MAX_BYTES = 16 * 1024 * 1024
_HINT = ("'twp git-setup' makes git merge it by itself; after a merge conflict keep both "
         "sides' articles (for one in both, the earlier 'published' and the later 'changed'), "
         "or restore it from git; until then feeds carry the English dates")


@dataclass(frozen=True)
class TranslationDates:
    """The record of one article in one language."""

    published: dt.datetime
    changed: dt.datetime
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"published": self.published.isoformat(), "changed": self.changed.isoformat(),
                "text": self.text}


Record = dict[str, dict[str, TranslationDates]]
"""A record of translation dates: by language, then article slug."""


@dataclass
class DatesReport:
    """What :func:`record_dates` changed (``lang/slug`` items)."""

    path: str
    written: bool = False
    published: list[str] = field(default_factory=list)
    """Translations recorded as published for the first time."""
    changed: list[str] = field(default_factory=list)
    """Translations whose text changed since the last record."""
    undated: list[str] = field(default_factory=list)
    """Publishable catalogs without a valid ``PO-Revision-Date`` (not recorded)."""
    broken: Diagnostic | None = None
    """The record could not be read (a merge conflict?): it was left as it is."""
    repaired: bool = False
    """The record held git's conflict markers: both versions were merged (written)."""


def dates_path(config: Config) -> Path:
    return config.locales_dir / DATES_NAME


def read_dates(config: Config) -> Record:
    """``locales/dates.json`` by language and slug; empty when there is none.

    A file that cannot be read raises :class:`CatalogError` naming it.
    """
    path = dates_path(config)
    display = config.rel(path)
    try:
        data = read_regular(path, _MAX_BYTES)
        if len(data) > _MAX_BYTES:
            raise CatalogError(f"larger than {_MAX_BYTES // (1024 * 1024)} MB", path=display)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise CatalogError(f"cannot read the record of translation dates: {exc}",
                           path=display, hint=_HINT) from None
    return parse_dates(data, display)


def parse_dates(data: bytes | str, display: str) -> Record:
    """The text of a record of translation dates, by language and slug; :class:`CatalogError`
    naming ``display`` (and the line) when it is not one."""
    if len(data) > _MAX_BYTES:
        raise CatalogError(f"larger than {_MAX_BYTES // (1024 * 1024)} MB", path=display)
    try:
        parsed = json.loads(data)
    except ValueError as exc:
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else None
        message = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise CatalogError(f"cannot read the record of translation dates: {message}",
                           path=display, line=line, hint=_HINT) from None
    try:
        return {str(lang): {str(slug): TranslationDates(_date(item["published"]),
                                                        _date(item["changed"]),
                                                        str(item["text"]))
                            for slug, item in articles.items()}
                for lang, articles in parsed.items()}
    except (AttributeError, KeyError, TypeError, ValueError):
        raise CatalogError("not a record of translation dates", path=display,
                           hint=_HINT) from None


def dump_dates(record: Record) -> str:
    """The file's text: JSON with sorted keys, languages without articles left out."""
    data = {lang: {slug: dates.as_dict() for slug, dates in sorted(articles.items())}
            for lang, articles in sorted(record.items()) if articles}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _date(value: object) -> dt.datetime:
    moment = dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment.astimezone(dt.UTC)


def record_dates(config: Config, statuses: Iterable[LanguageStatus],
                 dry_run: bool = False, dated: dict[str, list[str]] | None = None) -> DatesReport:
    """Bring ``locales/dates.json`` up to date with the catalogs as they are now.

    ``statuses``: :func:`~twp_i18n.catalog.status.site_status` of the languages to
    record (the others keep their records); it says which articles are publishable.
    Catalogs that cannot be read are left out (their records stay as they were).
    ``dated``: cache entries (:func:`~.handover.dates_entry`) just made for some catalogs
    (by ``update``, which had them parsed), used as if the cache held them.
    """
    path = dates_path(config)
    report = DatesReport(config.rel(path))
    old = _old_record(config, report)
    if old is None:
        return report
    record = {lang: dict(articles) for lang, articles in old.items()
              if lang in config.languages}
    known: dict[str, list[str]] = cache.load(config, "dates").get("files", {})
    usable = {**known, **dated} if dated else known
    fresh: dict[str, list[str]] = {}
    for status in statuses:
        articles = record.setdefault(status.lang, {})
        domains = {c.domain for c in status.catalogs}
        for slug in [slug for slug in articles if slug not in domains]:
            del articles[slug]  # the article is gone
        for catalog in status.articles:
            if not (catalog.exists and catalog.publishable):
                continue
            found = _text_and_revision(config, status.lang, catalog.domain, usable, fresh)
            item = f"{status.lang}/{catalog.domain}"
            if found is None:
                continue
            text, revision = found
            if revision is None:
                report.undated.append(item)
                continue
            before = articles.get(catalog.domain)
            if before is None:
                articles[catalog.domain] = TranslationDates(revision, revision, text)
                report.published.append(item)
            elif before.text != text:
                articles[catalog.domain] = TranslationDates(
                    before.published, max(before.changed, revision), text)
                report.changed.append(item)
    text = dump_dates(record)
    if not (any(record.values()) or path.exists()):
        return report
    if dry_run:  # "written": would be
        try:
            report.written = path.read_bytes() != text.encode("utf-8")
        except OSError:
            report.written = True
        return report
    report.written = write_if_changed(path, text)
    if fresh != known:
        cache.save(config, "dates", {"files": fresh})
    return report


def _old_record(config: Config, report: DatesReport) -> Record | None:
    """The record as it is (both sides merged if it holds git's conflict markers: then
    ``report.repaired``), or None if it cannot be read (``report.broken``)."""
    try:
        return read_dates(config)
    except CatalogError as exc:  # never replaced by a fresh record: its history would be lost
        repaired = _merge_conflicted(dates_path(config))
        if repaired is None:
            report.broken = from_error(exc, "dates-unreadable")
            return None
        report.repaired = True
        return repaired


def merge_dates(base: Record | None, ours: Record, theirs: Record) -> Record:
    """Two records merged article by article (:func:`.datesmerge.merge_records`)."""
    return merge_records(base, ours, theirs, TranslationDates)


def _merge_conflicted(path: Path) -> Record | None:
    """The merge of both versions in a record git's line merge left with conflict markers,
    or None (no markers, or versions that cannot be read: for a person)."""
    try:
        if path.stat().st_size > _MAX_BYTES:
            return None
        return resolve_markers(path.read_text(encoding="utf-8"), path.name)
    except (OSError, UnicodeDecodeError):
        return None


def resolve_markers(text: str, shown: str) -> Record | None:
    """The merge of the versions in a text with git's conflict markers; None without
    markers, or when a version is not a record (a file edited by hand, say)."""
    sides = split_markers(text)
    if sides is None:
        return None
    try:
        ours, theirs = (parse_dates(sides[s] or "", f"{shown} ({s})") for s in ("ours", "theirs"))
        base = None if sides["base"] is None else parse_dates(sides["base"], f"{shown} (base)")
    except CatalogError:
        return None
    return merge_dates(base, ours, theirs)


def _text_and_revision(config: Config, lang: str, domain: str, known: dict[str, list[str]],
                       fresh: dict[str, list[str]]) -> tuple[str, dt.datetime | None] | None:
    """The translation digest and revision date of one catalog (None if it cannot be read),
    remembered by a digest of its bytes."""
    if domain == SITE_DOMAIN:
        return None
    path = catalog_path(config, lang, domain)
    rel = config.rel(path)
    try:
        data = read_regular(path, config.limits.max_catalog_bytes)
    except OSError:
        return None
    if len(data) > config.limits.max_catalog_bytes:
        return None
    key = cache.digest(data)
    hit = known.get(rel)
    if not (isinstance(hit, list) and len(hit) == 3 and hit[0] == key):
        try:
            po = load_catalog(config, lang, domain, data)
        except CatalogError:
            return None
        assert po is not None
        revision = revision_date(po.metadata.get("PO-Revision-Date"))
        hit = [key, translation_digest(po), revision.isoformat() if revision else ""]
    fresh[rel] = hit
    return hit[1], (_date(hit[2]) if hit[2] else None)
