"""``twp fetch``: bring the live site's canonical articles into ``content/<source-lang>/``.

:func:`fetch` reads the site named in ``[fetch]`` (Drupal JSON:API or the
WordPress REST API, :mod:`twp_i18n.source.fetch_api`; any site with a sitemap,
:mod:`twp_i18n.source.fetch_sitemap`), converts each article's HTML to Markdown
(:mod:`twp_i18n.source.htmlmd`) and writes ``<slug>.md`` with front matter.

Everything is read and checked before anything is written, so a fatal problem
(unreachable host, malformed JSON or XML, an unsafe slug) raises
:class:`~twp_i18n.errors.FetchError` and leaves the site as it was.

The run is incremental: ``<site>/.twp/fetch-state.json`` remembers, per slug,
the source URL, the ETag/Last-Modified of its page (sitemap), and the sha256 of
the file as written; per listing URL (API pages, sitemaps) the validators and
what it listed.  The next run sends conditional requests, rewrites nothing
that did not change, and never overwrites a file edited since it was written
(unless ``force``).  HTTP manners live in :mod:`twp_i18n.source.fetch_http`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

from ..config import Config
from ..diagnostics import Diagnostic, warning
from ..errors import ContentError, FetchError
from ..machinery.fsutil import remove_file, remove_stale_temp_files, write_if_changed
from ..paths import check_slug, inside, language_folders
from .content import parse_article
from .fetch_api import drupal, wordpress
from .fetch_http import Bounds, Counter, make_client
from .fetch_http import ping_hub as _ping_hub
from .fetch_sitemap import sitemap
from .fetch_sources import Context, Harvest, Item, fetch_settings, load_json

SOURCES: dict[str, Callable[[Context], Harvest]] = {
    "drupal": drupal,
    "wordpress": wordpress,
    "sitemap": sitemap,
}

STATE_PATH = ".twp/fetch-state.json"
STATE_FORMAT = 1
FRONT_MATTER_ORDER = ("title", "date", "updated", "summary", "source_url", "source_id")

__all__ = ["FetchReport", "fetch", "ping_hub", "render_article", "STATE_PATH"]


@dataclass
class FetchReport:
    """What a fetch did; slugs in each list are sorted."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped_edited: list[str] = field(default_factory=list)
    """Files edited locally since the last fetch (or never fetched), left alone."""
    deleted_upstream: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    page_problems: list[str] = field(default_factory=list)
    """``"URL: reason"`` for each page skipped with a warning."""
    warnings: list[Diagnostic] = field(default_factory=list)
    """Every warning of the run, each once, in the order met (the library logs none of them:
    the caller shows them)."""
    requests: int = 0
    not_modified: int = 0

    @property
    def exit_code(self) -> int:
        """1 when some page was skipped, else 0."""
        return 1 if self.page_problems else 0


def ping_hub(hub: str, feed_urls: list[str], *, timeout: float = 30,
             client: httpx.Client | None = None) -> list[str]:
    """POST ``hub.mode=publish`` / ``hub.url`` to a WebSub hub for each feed URL.

    Uses the fetch retry policy; returns the URLs pinged, raises
    :class:`~twp_i18n.errors.FetchError` when the hub keeps failing.
    """
    return _ping_hub(hub, feed_urls, timeout=timeout, client=client)


def render_article(item: Item) -> bytes:
    """The Markdown file for a fetched article: front matter in a fixed order, LF, UTF-8.

    >>> item = Item(slug="a", title="Sleep: notes", body="Text.\\n", date="2024-01-15",
    ...             updated=None, summary=None, source_url="https://x/a", source_id="7")
    >>> print(render_article(item).decode(), end="")
    ---
    title: 'Sleep: notes'
    date: '2024-01-15'
    source_url: https://x/a
    source_id: '7'
    ---
    <BLANKLINE>
    Text.
    """
    values: dict[str, str | None] = {
        "title": item.title,
        "date": item.date,
        "updated": item.updated if item.updated != item.date else None,
        "summary": item.summary,
        "source_url": item.source_url,
        "source_id": item.source_id,
    }
    meta = {key: values[key] for key in FRONT_MATTER_ORDER if values[key]}
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=False,
                           width=1_000_000, line_break="\n")
    text = f"---\n{front}---\n\n{item.body}" if item.body else f"---\n{front}---\n"
    return text.encode("utf-8")


def fetch(config: Config, *, force: bool = False, prune: bool = False,
          progress: Callable[[int, int], None] | None = None,
          client: httpx.Client | None = None) -> FetchReport:
    """Fetch every article of ``[fetch]`` into ``content/<source-lang>/``.

    :param force: overwrite files edited locally (and re-request what a 304 would hide).
    :param prune: delete the files of articles gone upstream (unless edited locally).
    :param progress: called with ``(done, total)`` as articles are read.
    :param client: an ``httpx.Client`` to use (the caller closes it); one is made otherwise.
    """
    settings = fetch_settings(config)
    remove_stale_temp_files(config.source_dir, depth=0)  # of a fetch killed while writing
    state = _State.load(config)
    same_source = state.source == {"type": settings.type, "url": settings.url}
    counter = Counter()
    files = _Files(config)

    def trust(slugs: Iterable[str]) -> bool:
        if not same_source:
            return False
        for slug in slugs:
            entry = state.articles.get(slug)
            digest = files.sha(slug)
            if entry is None or digest is None or (force and digest != entry.get("sha256")):
                return False
        return True

    # The configured addresses are the site; redirects may also go to redirect_hosts.
    home = tuple(urlsplit(url).hostname or "" for url in (settings.url, settings.sitemap) if url)
    bounds = Bounds(deadline=settings.deadline, max_retry_after=settings.max_retry_after,
                    redirect_hosts=(*home, *settings.redirect_hosts))
    http = make_client(settings.timeout) if client is None else client
    try:
        ctx = Context(client=http, config=settings, source_language=config.source_language,
                      counter=counter, old_articles=state.articles if same_source else {},
                      old_listings=state.listings if same_source else {}, trust=trust,
                      progress=progress, bounds=bounds)
        harvest = SOURCES[settings.type](ctx)
    finally:
        if client is None:
            http.close()

    report = FetchReport()
    try:
        _apply(config, harvest, state, files, report, force=force, prune=prune)
    finally:
        state.source = {"type": settings.type, "url": settings.url}
        state.save(config)
    report.requests = counter.requests
    report.not_modified = counter.not_modified
    for name in ("written", "unchanged", "skipped_edited", "deleted_upstream", "pruned"):
        getattr(report, name).sort()
    return report


def _apply(config: Config, harvest: Harvest, state: _State, files: _Files, report: FetchReport,
           *, force: bool, prune: bool) -> None:
    """Write what came back, respecting local edits; then handle deletions."""
    troubled: set[str] = set()
    report.warnings.extend(warning("page-left-out", note) for note in harvest.notes)
    for slug, reason in harvest.problems:
        report.page_problems.append(reason)
        report.warnings.append(warning("page-skipped", f"skipped {reason}"))
        if slug is not None:
            troubled.add(slug)
    old_articles = dict(state.articles)
    old_listings = dict(state.listings)
    state.listings = {}
    reserved = language_folders((config.source_language, *config.languages))
    for item in sorted(harvest.items, key=lambda i: i.slug):
        if not _write_item(config, item, reserved, old_articles, state, files, report, force):
            troubled.add(item.slug)
    for slug in sorted(set(harvest.unchanged)):
        old = old_articles.get(slug)
        digest = files.sha(slug)
        if old is not None and digest is not None and digest != old.get("sha256"):
            report.warnings.append(_edited(config.rel(files.path(slug)),
                                           "it differs from the fetched version"))
            report.skipped_edited.append(slug)
        else:
            report.unchanged.append(slug)

    # A listing page keeps its old validators when one of its articles was not taken,
    # so the next run asks again instead of hearing "304" about content never written.
    for url, listing in harvest.listings.items():
        if troubled.intersection(listing.get("slugs", [])):
            previous = old_listings.get(url, {})
            listing = {key: value for key, value in listing.items()
                       if key not in ("etag", "last_modified")}
            listing.update({key: previous[key] for key in ("etag", "last_modified") if key in previous})
        state.listings[url] = listing
    for slug in sorted(set(old_articles) - set(harvest.seen)):
        _deleted_upstream(config, slug, old_articles[slug], state, files, report, force, prune)


def _write_item(config: Config, item: Item, reserved: set[str],
                old_articles: dict[str, dict[str, Any]], state: _State, files: _Files,
                report: FetchReport, force: bool) -> bool:
    """Write one fetched article unless it is broken or edited here; whether it was taken
    (written, or already the same)."""
    path = files.path(item.slug)
    rel = config.rel(path)
    data = render_article(item)
    problem = item.problem
    if problem is None and check_slug(item.slug, reserved=reserved):
        problem = f"slug '{item.slug}' {check_slug(item.slug, reserved=reserved)}"
    if problem is None:
        try:
            parse_article(data, path, rel, config.limits)
        except ContentError as exc:
            problem = exc.message
    if problem is not None:
        report.page_problems.append(f"{item.source_url}: {problem}")
        report.warnings.append(warning("page-skipped", f"skipped {item.source_url}: {problem}"))
        return False
    entry = {"source_url": item.source_url, "source_id": item.source_id,
             "etag": item.etag, "last_modified": item.last_modified,
             "sha256": hashlib.sha256(data).hexdigest()}
    entry = {key: value for key, value in entry.items() if value}
    existing = files.read(item.slug)
    old = old_articles.get(item.slug)
    if existing == data:
        report.unchanged.append(item.slug)
    elif existing is None or force or (old is not None and files.sha(item.slug) == old.get("sha256")):
        write_if_changed(path, data)
        report.written.append(item.slug)
    else:
        report.warnings.append(_edited(rel, "a newer version was fetched"))
        report.skipped_edited.append(item.slug)
        return False
    state.articles[item.slug] = entry
    return True


def _deleted_upstream(config: Config, slug: str, old: dict[str, Any], state: _State,
                      files: _Files, report: FetchReport, force: bool, prune: bool) -> None:
    """An article the site no longer lists: kept (and said), or removed with ``--prune``
    unless edited here (``--force`` removes it all the same)."""
    report.deleted_upstream.append(slug)
    rel = config.rel(files.path(slug))
    if not prune:
        report.warnings.append(warning(
            "deleted-upstream", f"deleted upstream ({old.get('source_url', '?')}); "
            "kept (use --prune to delete it)", rel))
        return
    digest = files.sha(slug)
    if digest is not None and digest != old.get("sha256") and not force:
        report.warnings.append(warning(
            "deleted-upstream", "deleted upstream but edited locally; kept "
            "(use --force --prune to delete it)", rel))
        return
    remove_file(files.path(slug))
    del state.articles[slug]
    report.pruned.append(slug)


def _edited(rel: str, why: str) -> Diagnostic:
    return warning("edited-locally", f"edited locally since the last fetch and {why}; not "
                   "overwritten (use --force to overwrite)", rel)


class _Files:
    """The source-language article files, with their hashes cached."""

    def __init__(self, config: Config) -> None:
        self.dir = config.source_dir
        self._sha: dict[str, str | None] = {}

    def path(self, slug: str) -> Path:
        path = inside(self.dir, f"{slug}.md")
        if path is None:
            raise FetchError(f"refusing the slug '{slug}': its file would land outside "
                             f"{self.dir.as_posix()}",
                             hint=f"delete {STATE_PATH} if it lists that slug, and fix it on the site")
        return path

    def read(self, slug: str) -> bytes | None:
        try:
            return self.path(slug).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise FetchError(f"cannot read: {exc.strerror}", path=self.path(slug)) from exc

    def sha(self, slug: str) -> str | None:
        if slug not in self._sha:
            data = self.read(slug)
            self._sha[slug] = hashlib.sha256(data).hexdigest() if data is not None else None
        return self._sha[slug]


class _State:
    """``.twp/fetch-state.json``: sorted keys, two-space indent, written atomically."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.source: dict[str, str] = data.get("source", {})
        self.articles: dict[str, dict[str, Any]] = data.get("articles", {})
        self.listings: dict[str, dict[str, Any]] = data.get("listings", {})

    @staticmethod
    def path(config: Config) -> Path:
        return config.root / STATE_PATH

    @classmethod
    def load(cls, config: Config) -> _State:
        path = cls.path(config)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cls({})
        except OSError as exc:
            raise FetchError(f"cannot read: {exc.strerror}", path=STATE_PATH) from exc
        hint = f"delete {STATE_PATH} to start afresh (files that differ are then kept as local edits)"
        try:
            data = load_json(raw)
        except ValueError as exc:
            raise FetchError(f"the fetch state is not valid JSON: {exc}", path=STATE_PATH,
                             hint=hint) from None
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT or not all(
                isinstance(data.get(key, {}), dict) for key in ("source", "articles", "listings")):
            raise FetchError("the fetch state has an unknown layout", path=STATE_PATH, hint=hint)
        return cls(data)

    def save(self, config: Config) -> None:
        data = {"format": STATE_FORMAT, "source": self.source, "articles": self.articles,
                "listings": self.listings}
        text = json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
        write_if_changed(self.path(config), text)
