"""What the upstream readers of ``twp fetch`` share.

A reader (:func:`twp_i18n.source.fetch_api.drupal`, :func:`twp_i18n.source.fetch_api.wordpress`,
:func:`twp_i18n.source.fetch_sitemap.sitemap`) takes a :class:`Context` (HTTP, config,
the previous run's state) and returns a :class:`Harvest`: the articles whose
content came back, the slugs the server said were unchanged (304), every slug
listed upstream, and per-page problems.  Readers never write files; a fatal
problem raises :class:`~twp_i18n.errors.FetchError` before anything is written.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, TypeVar
from urllib.parse import unquote

import httpx

from ..config import Config, FetchConfig
from ..errors import FetchError
from ..paths import check_slug, slug_hint
from .fetch_http import Bounds, Counter, Response, check_scheme, request

T = TypeVar("T")
R = TypeVar("R")

#: Guards against sitemap indexes nested deeply (pages in all are bounded by max_pages).
MAX_SITEMAP_DEPTH = 4
#: Drupal's default page size: how many more articles a ``links.next`` promises, for progress.
PAGE_GUESS = 50

ACCEPT_JSONAPI = "application/vnd.api+json, application/json;q=0.9"
ACCEPT_JSON = "application/json"
ACCEPT_XML = "application/xml, text/xml;q=0.9, */*;q=0.1"
ACCEPT_HTML = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"


@dataclass
class Item:
    """One article whose content came back from upstream, already converted."""

    slug: str
    title: str
    body: str
    """Markdown, ending in one newline (or empty)."""
    date: str | None
    updated: str | None
    summary: str | None
    source_url: str
    source_id: str
    etag: str | None = None
    last_modified: str | None = None
    problem: str | None = None
    """Why the article cannot be written (e.g. its HTML could not be converted)."""


@dataclass
class Harvest:
    items: list[Item] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    """Slugs whose listing page or page answered 304 Not Modified."""
    seen: dict[str, str] = field(default_factory=dict)
    """Every slug listed upstream -> where it came from (for duplicate and deletion checks)."""
    problems: list[tuple[str | None, str]] = field(default_factory=list)
    """(slug or None, "URL: reason") for pages skipped with a warning."""
    notes: list[str] = field(default_factory=list)
    """Other warnings for the report (e.g. a password-protected post left out)."""
    listings: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Listing URL -> validators and what it listed, for the next run's conditional requests."""

    _folded: dict[str, str] = field(default_factory=dict, repr=False)

    def see(self, slug: str, origin: str, url: str) -> bool:
        """Record an upstream slug; False (and a page problem) when another article has it.

        Slugs are compared ignoring case, as on case-insensitive file systems.  The
        first article in listing order keeps the slug, so the outcome is stable.
        """
        other_slug = self._folded.setdefault(slug.casefold(), slug)
        other = self.seen.get(other_slug)
        if other is not None and other != origin:
            self.problem(slug, url, f"its slug '{slug}' is already taken by {other}")
            return False
        self.seen[slug] = origin
        return True

    def problem(self, slug: str | None, url: str, reason: str) -> None:
        """A page skipped: reported once, in :attr:`FetchReport.warnings` (not logged)."""
        self.problems.append((slug, f"{url}: {reason}"))


@dataclass
class Context:
    """What a reader needs: HTTP, the [fetch] config, and the last run's state."""

    client: httpx.Client
    config: FetchConfig
    source_language: str
    counter: Counter
    old_articles: dict[str, dict[str, Any]]
    old_listings: dict[str, dict[str, Any]]
    trust: Callable[[Iterable[str]], bool]
    """Whether a conditional request is fine for these slugs (their files are as fetched)."""
    progress: Callable[[int, int], None] | None = None
    bounds: Bounds = field(default_factory=Bounds)
    """The run's deadline, longest Retry-After and redirect hosts, shared by every request."""
    pages: int = 0
    """Pages (listing pages, sitemaps, articles) counted against ``max_pages`` so far."""

    @property
    def base(self) -> str:
        return self.config.url.rstrip("/")

    def claim(self, count: int, url: str, what: str) -> None:
        """Count ``count`` more pages about to be requested; past ``[fetch] max_pages`` the
        run stops with a :class:`FetchError` (before those requests are sent).

        Readers call it from their own thread, before handing pages to :meth:`pool_map`.
        """
        self.pages += count
        if self.pages > self.config.max_pages:
            raise FetchError(f"{url}: {what}; that makes {self.pages} pages to request, more "
                             f"than max_pages = {self.config.max_pages}",
                             hint="raise [fetch] max_pages in twp.toml if the site really has "
                                  "that many pages")

    def get(self, url: str, accept: str, validators: dict[str, Any] | None = None) -> Response:
        headers = {"Accept": accept}
        if validators:
            if validators.get("etag"):
                headers["If-None-Match"] = validators["etag"]
            if validators.get("last_modified"):
                headers["If-Modified-Since"] = validators["last_modified"]
        response = request(self.client, "GET", url, max_bytes=self.config.max_bytes,
                           counter=self.counter, timeout=self.config.timeout, headers=headers,
                           bounds=self.bounds)
        if response.not_modified and not validators:
            raise FetchError(f"{url} answered 304 Not Modified to an unconditional request")
        return response

    def report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, max(done, total))

    def pool_map(self, fn: Callable[[T], R], items: Sequence[T],
                 on_done: Callable[[int, R], None] | None = None) -> list[R]:
        """``[fn(x) for x in items]`` on at most ``concurrency`` threads, in input order.

        ``on_done(count, result)`` is called in this thread as each call finishes.
        """
        results: list[R | None] = [None] * len(items)
        if not items:
            return []
        with ThreadPoolExecutor(max_workers=max(1, self.config.concurrency)) as pool:
            futures = {pool.submit(fn, item): i for i, item in enumerate(items)}
            try:
                for done, future in enumerate(as_completed(futures), start=1):
                    result = future.result()
                    results[futures[future]] = result
                    if on_done is not None:
                        on_done(done, result)
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        return results  # type: ignore[return-value]


def validators_of(response: Response) -> dict[str, Any]:
    return {key: value for key, value in (("etag", response.headers.get("ETag")),
                                          ("last_modified", response.headers.get("Last-Modified")))
            if value}


# --- slugs -------------------------------------------------------------------------------------

def safe_slug(raw: str, origin: str, *, path: bool) -> str | None:
    """The slug for an upstream path (its last segment) or slug, percent-decoded.

    Any ``..`` segment, a decoded ``/`` or ``\\`` in the slug, or anything
    :func:`~twp_i18n.paths.check_slug` refuses is a :class:`FetchError`.
    Returns None for a path with no segment at all (``/``).

    >>> safe_slug("/blog/caf%C3%A9", "https://x/", path=True)
    'café'
    >>> safe_slug("/blog/../../etc", "https://x/", path=True)
    Traceback (most recent call last):
    ...
    twp_i18n.errors.FetchError: https://x/: '/blog/../../etc' has a '..' segment; refusing it as a slug
      hint: a slug must be one safe path segment; fix it on the site
    """
    what = "path" if path else "slug"
    try:
        for segment in re.split(r"[/\\]", raw):
            decoded = unquote(segment, errors="strict")
            if segment == ".." or ".." in re.split(r"[/\\]", decoded):
                raise FetchError(f"{origin}: '{raw}' has a '..' segment; refusing it as a slug",
                                 hint="a slug must be one safe path segment; fix it on the site")
        if path:
            segments = [s for s in raw.split("/") if s]
            if not segments:
                return None
            raw_slug = segments[-1]
        else:
            raw_slug = raw
        slug = unquote(raw_slug, errors="strict")
    except UnicodeDecodeError:
        raise FetchError(f"{origin}: the {what} '{raw}' is not valid percent-encoded UTF-8") from None
    problem = check_slug(slug)
    if problem:
        raise FetchError(f"{origin}: slug '{slug}' (from the {what} '{raw}') {problem}",
                         hint=f"{slug_hint()}; fix it on the site")
    return slug


# --- dates and JSON ----------------------------------------------------------------------------

def norm_date(value: Any) -> str | None:
    """An upstream date as ``YYYY-MM-DD`` or a UTC ``YYYY-MM-DDTHH:MM:SS+00:00``; None if unreadable.

    >>> norm_date("2024-01-15T12:00:00+02:00")
    '2024-01-15T10:00:00+00:00'
    >>> norm_date("Mon, 15 Jan 2024 10:00:00 GMT")
    '2024-01-15T10:00:00+00:00'
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).replace(microsecond=0).isoformat()


#: JSON nested deeper than this is refused before parsing (the parser would recurse
#: into a RecursionError); real API answers nest a dozen levels at most.
MAX_JSON_DEPTH = 200
#: A number longer than this is refused (int() gives up at 4,300 digits; no id needs 100).
MAX_JSON_DIGITS = 100

_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class JSONProblem(ValueError):
    """JSON that parses but is refused: too deep, a huge number, NaN or Infinity."""


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text``; brackets inside strings do not count.

    A few linear passes at C speed, safe on any input.  Escaped backslashes and
    quotes are dropped first, so every remaining ``"`` opens or closes a string (an
    unclosed string may miscount; such text is not JSON anyway).

    >>> json_depth('{"a": [1, {"b": "[[[["}]}'), json_depth("[]"), json_depth("7")
    (3, 1, 0)
    >>> json_depth(r'["\\", "\"[[", [[]]]')
    3
    """
    outside = "".join(text.replace("\\\\", "").replace('\\"', "").split('"')[::2])
    brackets = _NOT_BRACKET.sub("", outside)
    return max(accumulate(map(_BRACKET_STEP.__getitem__, brackets)), default=0)


def _json_constant(name: str) -> Any:
    raise JSONProblem(f"{name} is not a number JSON allows")


def _json_int(text: str) -> int:
    if len(text) > MAX_JSON_DIGITS:
        raise JSONProblem(f"a number of more than {MAX_JSON_DIGITS} digits ({text[:20]}...)")
    return int(text)


def _json_float(text: str) -> float:
    if len(text) > MAX_JSON_DIGITS:
        raise JSONProblem(f"a number of more than {MAX_JSON_DIGITS} digits ({text[:20]}...)")
    value = float(text)
    if not math.isfinite(value):
        raise JSONProblem(f"the number {text} is too large")
    return value


def load_json(data: bytes | str) -> Any:
    """Parse JSON that came from a server (or any file not written by us), refusing what
    would crash or mislead: nesting deeper than :data:`MAX_JSON_DEPTH`, numbers longer
    than :data:`MAX_JSON_DIGITS`, ``NaN`` and ``Infinity`` (not JSON, though Python's
    parser takes them), and numbers too large for a float.

    Raises :class:`ValueError` (:class:`JSONProblem`, :class:`json.JSONDecodeError` or
    :class:`UnicodeDecodeError`) with a one-line message.

    >>> load_json(b'{"id": 7}')
    {'id': 7}
    >>> load_json('{"id": NaN}')
    Traceback (most recent call last):
    ...
    twp_i18n.source.fetch_sources.JSONProblem: NaN is not a number JSON allows
    """
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise JSONProblem(f"nested more than {MAX_JSON_DEPTH} deep ({depth} levels)")
    return json.loads(text, parse_constant=_json_constant, parse_int=_json_int,
                      parse_float=_json_float)


def parse_json(response: Response) -> Any:
    """The JSON body of ``response``; a :class:`FetchError` naming its URL when it is not
    JSON that :func:`load_json` accepts."""
    try:
        return load_json(response.body)
    except ValueError as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        message = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise FetchError(f"{response.url} did not return valid JSON{where}: {message}",
                         hint="is [fetch] url the site's address, and its API enabled?") from None


def expect(ok: bool, url: str, what: str) -> None:
    """Raise a :class:`FetchError` saying the JSON at ``url`` has the wrong shape unless ``ok``."""
    if not ok:
        raise FetchError(f"{url}: unexpected JSON: {what}",
                         hint="is [fetch] type right for this site?")


def as_text(value: Any) -> str:
    """``value`` if it is a string, else ``""``."""
    return value if isinstance(value, str) else ""


def fetch_settings(config: Config) -> FetchConfig:
    """``[fetch]``, its URLs' schemes checked; a :class:`FetchError` when there is none."""
    settings = config.fetch
    if settings is None:
        raise FetchError("there is no [fetch] section in twp.toml", path="twp.toml",
                         hint='add [fetch] with type = "drupal", "wordpress" or "sitemap" and url = "..."')
    check_scheme(settings.url)
    if settings.sitemap:
        check_scheme(settings.sitemap)
    return settings
