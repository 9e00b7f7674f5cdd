"""Polite HTTP for ``twp fetch`` and WebSub pings: the only module that opens sockets.

Every request goes through :func:`request`: http and https only (redirects
included), a descriptive User-Agent, the configured timeout, a cap on the
response size enforced while streaming, and retries with exponential backoff on
connection errors, timeouts, 429 and 5xx, honouring ``Retry-After`` up to
:data:`RETRY_AFTER_CAP` seconds.  Failures become :class:`~twp_i18n.errors.FetchError`
subclasses so callers can tell a per-page problem from a dead host.

The knobs tests turn are module-level: :data:`RETRIES`, :data:`BACKOFF`,
:data:`RETRY_AFTER_CAP` and :func:`_sleep`.
"""

from __future__ import annotations

import email.utils
import logging
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from . import __version__
from .errors import FetchError

log = logging.getLogger("twp_i18n.fetch")

#: Retries after the first attempt (so ``RETRIES + 1`` attempts in all).
RETRIES = 3
#: First backoff in seconds; doubled after every failed attempt.
BACKOFF = 0.5
#: The longest ``Retry-After`` honoured, in seconds; a longer one is cut to this.
RETRY_AFTER_CAP = 60.0
def _retryable(status: int) -> bool:
    """429 Too Many Requests and every 5xx are worth another try."""
    return status == 429 or 500 <= status <= 599


_sleep = time.sleep

USER_AGENT = f"twp-i18n/{__version__} (article fetcher for translation; python-httpx)"


class HTTPStatusProblem(FetchError):
    """The server answered with an error status (after any retries)."""

    def __init__(self, message: str, *, status: int, url: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.url = url


class TooLarge(FetchError):
    """The response is bigger than ``[fetch] max_bytes``."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message, hint="raise [fetch] max_bytes in twp.toml if the page is genuine")
        self.url = url


class TimedOut(FetchError):
    """The server did not answer within the timeout (after retries)."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message, hint="raise [fetch] timeout in twp.toml, or try again later")
        self.url = url


class BadResponse(FetchError):
    """An answer that cannot be used: too many redirects, undecodable, or a broken URL."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
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


def _request_hook(request: httpx.Request) -> None:
    if request.url.scheme not in ("http", "https"):
        raise BadResponse(f"refusing a redirect to {request.url}: only http and https URLs are fetched",
                          url=str(request.url))


def make_client(timeout: float) -> httpx.Client:
    """The client used when the caller passes none: redirects followed, but only to http(s)."""
    return httpx.Client(
        follow_redirects=True,
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": USER_AGENT},
        event_hooks={"request": [_request_hook]},
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
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _wait(attempt: int, header: str | None) -> float:
    asked = retry_after(header)
    if asked is not None:
        return min(asked, RETRY_AFTER_CAP)
    return float(BACKOFF * (2 ** attempt))


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
        return TimedOut(f"{url} did not answer{limit}", url=url)
    if isinstance(exc, httpx.UnsupportedProtocol):
        return BadResponse(f"refusing {url}: a redirect led to a URL that is not http or https",
                           url=url)
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
) -> Response:
    """Send one request with the retry policy and read the whole (capped) body.

    Returns the response for 2xx and 304.  Raises :class:`HTTPStatusProblem` for other
    statuses (after retries for 429/5xx), :class:`TooLarge`, :class:`TimedOut`, or a
    plain :class:`FetchError` for connection and TLS failures.
    """
    check_scheme(url)
    all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    attempt = 0
    while True:
        try:
            result = _once(client, method, url, all_headers, data, max_bytes, timeout)
        except httpx.TransportError as exc:
            counter.add()
            if attempt >= RETRIES or _is_permanent(exc):
                raise _describe(exc, url, timeout) from None
            delay = _wait(attempt, None)
            log.debug("%s %s failed (%s); retrying in %.2fs", method, url, exc, delay)
        except httpx.TooManyRedirects:
            counter.add()
            raise BadResponse(f"{url} redirects too many times", url=url) from None
        except httpx.DecodingError as exc:
            counter.add()
            raise BadResponse(f"{url} sent a body that cannot be decoded: {exc}", url=url) from None
        except httpx.InvalidURL as exc:
            raise BadResponse(f"{url} is not a valid URL: {exc}", url=url) from None
        else:
            counter.add(not_modified=result.status == 304)
            if result.status < 300 or result.status == 304:
                return result
            if not _retryable(result.status) or attempt >= RETRIES:
                raise _status_problem(method, url, result)
            delay = _wait(attempt, result.headers.get("Retry-After"))
            log.debug("%s %s answered %d; retrying in %.2fs", method, url, result.status, delay)
        _sleep(delay)
        attempt += 1


def _once(client: httpx.Client, method: str, url: str, headers: dict[str, str],
          data: Mapping[str, str] | None, max_bytes: int, timeout: float | None) -> Response:
    kwargs: dict[str, object] = {"headers": headers}
    if data is not None:
        kwargs["data"] = dict(data)
    if timeout is not None:
        kwargs["timeout"] = timeout
    with client.stream(method, url, **kwargs) as resp:  # type: ignore[arg-type]
        final = str(resp.url)
        if urlsplit(final).scheme not in ("http", "https"):
            raise FetchError(f"refusing {final}: only http and https URLs are fetched")
        if resp.status_code >= 300 and resp.status_code != 304:
            # Error pages are read only as far as the cap; their text is not used.
            body = _read_capped(resp, min(max_bytes, 64 * 1024), url, truncate=True)
            return Response(final, resp.status_code, resp.headers, body)
        length = resp.headers.get("Content-Length")
        if length is not None and length.isdigit() and int(length) > max_bytes:
            raise TooLarge(f"{final} is {int(length)} bytes, more than max_bytes = {max_bytes}",
                           url=final)
        body = _read_capped(resp, max_bytes, final)
        return Response(final, resp.status_code, resp.headers, body)


def _read_capped(resp: httpx.Response, limit: int, url: str, truncate: bool = False) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in resp.iter_bytes():
        size += len(chunk)
        if size > limit:
            if truncate:
                break
            raise TooLarge(f"{url} is larger than max_bytes = {limit}", url=url)
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
                             status=result.status, url=url, hint=hint)


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
