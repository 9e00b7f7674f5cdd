"""Polite HTTP for ``twp fetch`` and WebSub pings: the only module that opens sockets.

Every request goes through :func:`request`: http and https only, a descriptive
User-Agent, redirects followed only within the same site (:func:`redirect_allowed`),
the configured timeout for the whole response (not per read: a server dripping a
byte at a time is cut off), a cap on the response size enforced while streaming,
and retries with exponential backoff on connection errors, timeouts, 429 and 5xx,
honouring ``Retry-After`` up to ``max_retry_after`` seconds (a server asking for
longer is an error).  :class:`Bounds` carries what a whole run may spend: its
deadline counts every request and every wait.  Failures become
:class:`~twp_i18n.errors.FetchError` subclasses so callers can tell a per-page
problem (which carries a ``reason`` without the URL) from a dead host or a bound.

The knobs tests turn are module-level: :data:`RETRIES`, :data:`BACKOFF`,
:func:`_sleep` and :func:`_now` (the clock of every deadline).
"""

from __future__ import annotations

import email.utils
import logging
import math
import re
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from .. import __version__
from ..errors import FetchError
from ..urls import same_site

log = logging.getLogger("twp_i18n.source.fetch")

#: Retries after the first attempt (so ``RETRIES + 1`` attempts in all).
RETRIES = 3
#: First backoff in seconds; doubled after every failed attempt.
BACKOFF = 0.5
#: The longest ``Retry-After`` honoured when the caller sets none (WebSub pings).
RETRY_AFTER_CAP = 60.0
#: Redirects followed for one request.
MAX_REDIRECTS = 10


def _retryable(status: int) -> bool:
    """429 Too Many Requests and every 5xx are worth another try."""
    return status == 429 or 500 <= status <= 599


_sleep = time.sleep
_now = time.monotonic

USER_AGENT = f"twp-i18n/{__version__} (article fetcher for translation; python-httpx)"


class PageProblem(FetchError):
    """A problem with one URL.  ``reason`` says it without the URL (for per-page warnings
    that name the URL once) and names the ``[fetch]`` key to change when one applies."""

    def __init__(self, message: str, *, url: str, reason: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.url = url
        self.reason = reason or message


class HTTPStatusProblem(PageProblem):
    """The server answered with an error status (after any retries)."""

    def __init__(self, message: str, *, status: int, url: str, reason: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message, url=url, reason=reason, hint=hint)
        self.status = status


class TooLarge(PageProblem):
    """The response is bigger than ``[fetch] max_bytes``."""

    def __init__(self, message: str, *, url: str, reason: str | None = None) -> None:
        super().__init__(message, url=url, reason=reason,
                         hint="raise [fetch] max_bytes in twp.toml if the page is genuine")


class TimedOut(PageProblem):
    """The server did not answer, or not completely, within the timeout (after retries)."""

    def __init__(self, message: str, *, url: str, reason: str | None = None) -> None:
        super().__init__(message, url=url, reason=reason,
                         hint="raise [fetch] timeout in twp.toml, or try again later")


class BadResponse(PageProblem):
    """An answer that cannot be used: too many redirects, undecodable, or a broken URL."""


class OffSiteRedirect(BadResponse):
    """A redirect to another site, not listed in ``[fetch] redirect_hosts``."""


class DeadlineExceeded(FetchError):
    """The whole run has taken ``[fetch] deadline`` seconds: it stops (nothing is written)."""

    def __init__(self, url: str, deadline: float, waiting: float | None = None) -> None:
        doing = f"waiting {waiting:g}s more to retry {url}" if waiting is not None else f"reading {url}"
        super().__init__(f"fetch stopped while {doing}: the run would take longer than "
                         f"deadline = {deadline:g}s",
                         hint="raise [fetch] deadline in twp.toml (seconds for the whole fetch), "
                              "or try again later")
        self.url = url


class WaitTooLong(FetchError):
    """The server asks (``Retry-After``) to wait longer than ``[fetch] max_retry_after``."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message, hint="try again later, or raise [fetch] max_retry_after in "
                                       "twp.toml to wait as long as the server asks")
        self.url = url


@dataclass
class Response:
    """A fully read response: what callers of :func:`request` get back."""

    url: str
    """The final URL, after redirects."""
    status: int
    headers: httpx.Headers
    body: bytes

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class Counter:
    """Requests sent (every attempt counts) and 304 answers received."""

    requests: int = 0
    not_modified: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, *, not_modified: bool = False) -> None:
        with self._lock:
            self.requests += 1
            if not_modified:
                self.not_modified += 1


@dataclass
class Bounds:
    """What one run may spend, shared by all its requests (read-only once made)."""

    deadline: float | None = None
    """Seconds for the whole run, from when the bounds were made; None: no limit."""
    max_retry_after: float = RETRY_AFTER_CAP
    redirect_hosts: tuple[str, ...] = ()
    """Hosts (sites) redirects may lead to besides the site of the URL requested."""
    started: float = field(default_factory=lambda: _now())

    def remaining(self) -> float | None:
        """Seconds left before the deadline (may be negative), or None without one."""
        return None if self.deadline is None else self.deadline - (_now() - self.started)

    def expired(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0

    def check(self, url: str) -> None:
        if self.expired():
            assert self.deadline is not None
            raise DeadlineExceeded(url, self.deadline)


def _host(entry: str) -> str:
    """The host of a ``redirect_hosts`` entry, also when written as a URL or with a port."""
    if "/" not in entry and ":" not in entry:
        return entry
    try:
        return urlsplit(entry if "://" in entry else f"//{entry}").hostname or entry
    except ValueError:
        return entry


def redirect_allowed(origin: str, target: str, hosts: Iterable[str] = ()) -> bool:
    """Whether a request for ``origin`` may be redirected to ``target``: the same site
    (:func:`twp_i18n.urls.same_site`: http/https and an initial ``www.`` do not matter)
    or the site of one of ``hosts``.

    >>> redirect_allowed("http://example.org/a", "https://www.example.org/a")
    True
    >>> redirect_allowed("https://example.org/a", "https://cdn.example.net/a")
    False
    >>> redirect_allowed("https://example.org/a", "https://cdn.example.net/a", ["cdn.example.net"])
    True
    """
    try:
        target_host = urlsplit(target).hostname or ""
        origin_host = urlsplit(origin).hostname or ""
    except ValueError:
        return False
    return any(same_site(target_host, host) for host in (origin_host, *map(_host, hosts)))


def check_scheme(url: str) -> None:
    """Refuse anything but http and https.

    >>> check_scheme("https://example.org/")
    >>> check_scheme("file:///etc/passwd")
    Traceback (most recent call last):
    ...
    twp_i18n.errors.FetchError: refusing file:///etc/passwd: only http and https URLs are fetched
    """
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"refusing {url}: only http and https URLs are fetched")


def make_client(timeout: float) -> httpx.Client:
    """The client used when the caller passes none (:func:`request` follows redirects itself)."""
    return httpx.Client(
        follow_redirects=False,
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": USER_AGENT},
    )


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    >>> retry_after("3")
    3.0
    >>> retry_after("soon") is None
    True
    """
    if value is None:
        return None
    value = value.strip()
    if re.fullmatch(r"[0-9]+", value):
        return float(value) if len(value) <= 15 else math.inf
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _is_tls(exc: BaseException) -> bool:
    """Whether an ``ssl`` error lies somewhere in the exception's chain."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    text = str(exc)
    return "[SSL" in text or "CERTIFICATE_VERIFY_FAILED" in text


def _describe(exc: httpx.TransportError, url: str, timeout: float | None) -> FetchError:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        limit = f" after {timeout:g}s" if timeout else ""
        reason = f"no answer within [fetch] timeout = {timeout:g}s" if timeout else "no answer"
        return TimedOut(f"{url} did not answer{limit}", url=url, reason=reason)
    if isinstance(exc, httpx.UnsupportedProtocol):
        return BadResponse(f"refusing {url}: a redirect led to a URL that is not http or https",
                           url=url, reason="a redirect led to a URL that is not http or https")
    if _is_tls(exc):
        return FetchError(f"TLS failure talking to {url}: {text}",
                          hint="check the site's certificate, or the URL's scheme")
    if isinstance(exc, httpx.ConnectError):
        host = urlsplit(url).netloc
        return FetchError(f"cannot connect to {host}: {text}",
                          hint="check [fetch] url in twp.toml and your network connection")
    return FetchError(f"network error reading {url}: {text}")


def _is_permanent(exc: httpx.TransportError) -> bool:
    return isinstance(exc, httpx.UnsupportedProtocol) or _is_tls(exc)


def request(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    max_bytes: int,
    counter: Counter,
    timeout: float | None = None,
    headers: Mapping[str, str] | None = None,
    data: Mapping[str, str] | None = None,
    bounds: Bounds | None = None,
) -> Response:
    """Send one request with the retry policy and read the whole (capped) body.

    ``timeout`` bounds each attempt as a whole, redirects and body included.
    Returns the response for 2xx and 304.  Raises :class:`HTTPStatusProblem` for other
    statuses (after retries for 429/5xx), :class:`TooLarge`, :class:`TimedOut`,
    :class:`BadResponse` (:class:`OffSiteRedirect`), :class:`WaitTooLong`,
    :class:`DeadlineExceeded` (``bounds``), or a plain :class:`FetchError` for
    connection and TLS failures.
    """
    check_scheme(url)
    bounds = Bounds() if bounds is None else bounds
    all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    attempt = 0
    while True:
        bounds.check(url)
        left = bounds.remaining()
        clamped = left is not None and (timeout is None or left < timeout)
        limit = left if clamped else timeout
        try:
            result = _once(client, method, url, all_headers, data, max_bytes, timeout, limit, bounds)
        except httpx.TransportError as exc:
            counter.add()
            delay = _failure_delay(exc, method, url, timeout, clamped, attempt, bounds)
        except httpx.DecodingError as exc:
            counter.add()
            raise BadResponse(f"{url} sent a body that cannot be decoded: {exc}", url=url,
                              reason=f"a body that cannot be decoded: {exc}") from None
        except httpx.InvalidURL as exc:
            raise BadResponse(f"{url} is not a valid URL: {exc}", url=url,
                              reason=f"not a valid URL: {exc}") from None
        except FetchError:  # refused while reading: a redirect, the size, the time
            counter.add()
            raise
        else:
            counter.add(not_modified=result.status == 304)
            if result.status < 300 or result.status == 304:
                return result
            delay = _retry_delay(method, url, result, attempt, bounds)
        left = bounds.remaining()
        if left is not None and delay >= left:
            assert bounds.deadline is not None
            raise DeadlineExceeded(url, bounds.deadline, waiting=delay)
        _sleep(delay)
        attempt += 1


def _failure_delay(exc: httpx.TransportError, method: str, url: str, timeout: float | None,
                   clamped: bool, attempt: int, bounds: Bounds) -> float:
    """How long to wait before trying again after a failed connection (``clamped``: the
    attempt had only the time left before the deadline); an error once retries are spent."""
    if clamped and isinstance(exc, httpx.TimeoutException):
        assert bounds.deadline is not None
        raise DeadlineExceeded(url, bounds.deadline) from None
    if attempt >= RETRIES or _is_permanent(exc):
        raise _describe(exc, url, timeout) from None
    delay = float(BACKOFF * (2 ** attempt))
    log.debug("%s %s failed (%s); retrying in %.2fs", method, url, exc, delay)
    return delay


def _retry_delay(method: str, url: str, result: Response, attempt: int, bounds: Bounds) -> float:
    """How long to wait before asking again after an error status: what ``Retry-After`` says
    (within ``max_retry_after``), else the backoff; an error once retries are spent."""
    if not _retryable(result.status) or attempt >= RETRIES:
        raise _status_problem(method, url, result)
    header = result.headers.get("Retry-After")
    asked = retry_after(header)
    if asked is not None and asked > bounds.max_retry_after:
        wait = f"{asked:.0f}s" if math.isfinite(asked) else "forever"
        raise WaitTooLong(
            f"{method} {url} answered {result.status} and asks to wait {wait} "
            f"(Retry-After: {(header or '').strip()[:40]}), longer than "
            f"max_retry_after = {bounds.max_retry_after:g}s", url=url)
    delay = asked if asked is not None else float(BACKOFF * (2 ** attempt))
    log.debug("%s %s answered %d; retrying in %.2fs", method, url, result.status, delay)
    return delay


def _once(client: httpx.Client, method: str, url: str, headers: dict[str, str],
          data: Mapping[str, str] | None, max_bytes: int, timeout: float | None,
          limit: float | None, bounds: Bounds) -> Response:
    """One attempt: redirects followed (checked), the body read, all within ``timeout``.

    ``limit`` is the timeout of each network operation: ``timeout``, or less when the
    run's deadline is nearer.
    """
    until = None if timeout is None else _now() + timeout

    def in_time(current: str) -> None:
        bounds.check(current)
        if until is not None and _now() > until:
            raise TimedOut(f"{current} sent its answer too slowly: not complete after "
                           f"timeout = {timeout:g}s", url=current,
                           reason=f"the answer took longer than [fetch] timeout = {timeout:g}s")

    kwargs: dict[str, object] = {"headers": headers}
    if data is not None:
        kwargs["data"] = dict(data)
    if limit is not None:
        kwargs["timeout"] = max(limit, 0.001)
    pending = client.build_request(method, url, **kwargs)  # type: ignore[arg-type]
    redirects = 0
    while True:
        resp = client.send(pending, stream=True, follow_redirects=False)
        try:
            final = str(resp.url)
            target = resp.next_request
            if target is not None:
                _check_redirect(url, final, str(target.url), bounds)
                redirects += 1
                if redirects > MAX_REDIRECTS:
                    raise BadResponse(f"{url} redirects too many times", url=url,
                                      reason="redirects too many times")
                in_time(final)
                pending = target
                continue
            if resp.status_code >= 300 and resp.status_code != 304:
                # Error pages are read only as far as the cap; their text is not used.
                body = _read_capped(resp, min(max_bytes, 64 * 1024), url, in_time, truncate=True)
                return Response(final, resp.status_code, resp.headers, body)
            length = resp.headers.get("Content-Length", "").strip()
            if re.fullmatch(r"[0-9]+", length) and (len(length) > 18 or int(length) > max_bytes):
                raise TooLarge(f"{final} is {length} bytes, more than max_bytes = {max_bytes}",
                               url=final, reason=f"{length} bytes, more than [fetch] max_bytes = "
                                                 f"{max_bytes}")
            body = _read_capped(resp, max_bytes, final, in_time)
            return Response(final, resp.status_code, resp.headers, body)
        finally:
            resp.close()


def _check_redirect(origin: str, current: str, target: str, bounds: Bounds) -> None:
    if urlsplit(target).scheme not in ("http", "https"):
        raise BadResponse(f"refusing a redirect to {target}: only http and https URLs are fetched",
                          url=current, reason=f"redirects to {target}, which is not http or https")
    if not redirect_allowed(origin, target, bounds.redirect_hosts):
        host = urlsplit(target).hostname or target
        raise OffSiteRedirect(
            f"{current} redirects to {target}, another site", url=current,
            reason=f"redirects to {target}, another site (add '{host}' to [fetch] "
                   "redirect_hosts if that site is expected)",
            hint=f"add '{host}' to [fetch] redirect_hosts in twp.toml if that site is expected")


def _read_capped(resp: httpx.Response, limit: int, url: str, in_time: Callable[[str], None],
                 truncate: bool = False) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in resp.iter_bytes():
        in_time(url)
        size += len(chunk)
        if size > limit:
            if truncate:
                break
            raise TooLarge(f"{url} is larger than max_bytes = {limit}", url=url,
                           reason=f"larger than [fetch] max_bytes = {limit}")
        chunks.append(chunk)
    return b"".join(chunks)


def _status_problem(method: str, url: str, result: Response) -> HTTPStatusProblem:
    reason = httpx.codes.get_reason_phrase(result.status)
    hint = None
    if result.status in (401, 403):
        hint = "the content must be readable without logging in"
    elif result.status == 404:
        hint = "check [fetch] url (and bundle or sitemap) in twp.toml"
    elif result.status == 429 or result.status >= 500:
        hint = "the server kept failing after retries; try again later"
    return HTTPStatusProblem(f"{method} {url} answered {result.status} {reason}".rstrip(),
                             status=result.status, url=url,
                             reason=f"answered {result.status} {reason}".rstrip(), hint=hint)


def ping_hub(hub: str, feed_urls: list[str], *, timeout: float = 30,
             client: httpx.Client | None = None) -> list[str]:
    """POST ``hub.mode=publish`` with ``hub.url`` for each feed; return the URLs pinged."""
    check_scheme(hub)
    for url in feed_urls:
        check_scheme(url)
    own = client is None
    http = make_client(timeout) if client is None else client
    counter = Counter()
    pinged: list[str] = []
    try:
        for url in feed_urls:
            request(http, "POST", hub, max_bytes=1024 * 1024, counter=counter, timeout=timeout,
                    data={"hub.mode": "publish", "hub.url": url})
            pinged.append(url)
    finally:
        if own:
            http.close()
    return pinged
