"""Which site a URL leads to: the one same-site rule, for links in translations and for
redirects that ``twp fetch`` follows.

Two hosts are the same site when they are equal ignoring case, a trailing dot and
one initial ``www.``; the scheme (http or https) and the port do not matter.  So
``http://example.org`` and ``https://www.example.org`` are one site, and
``cms.example.org`` is another.

A link in a translation may also lead to a *language version* of a site its source
links to (:func:`language_version`): ``es.wikipedia.org`` for ``en.wikipedia.org``,
or to a host the maintainer allows (``[check] allowed_link_hosts``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from functools import lru_cache
from urllib.parse import unquote, urlsplit


def site_of_host(host: str) -> str:
    """The site a host belongs to: lower case, no trailing dot, no initial ``www.``.

    >>> site_of_host("WWW.Example.org."), site_of_host("cms.example.org")
    ('example.org', 'cms.example.org')
    """
    host = host.strip().lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def same_site(a_host: str, b_host: str) -> bool:
    """Whether two hosts are the same site (see the module's rule).

    >>> same_site("example.org", "www.example.org"), same_site("example.org", "cms.example.org")
    (True, False)
    """
    a, b = site_of_host(a_host), site_of_host(b_host)
    return bool(a) and a == b


def site_key(url: str) -> str:
    """Where a URL leads: its site (see :func:`site_of_host`), ``mailto:<domain>``, or ``""``
    (a relative URL: this site).

    >>> site_key("HTTPS://www.Example.org/a"), site_key("../b/"), site_key("mailto:team@Example.net")
    ('example.org', '', 'mailto:example.net')
    >>> site_key("//evil.example/x"), site_key("http://[oops/")
    ('evil.example', 'invalid:http://[oops/')
    """
    special = _WEB_ADDRESS.match(_BROWSER_IGNORES.sub("", url).lstrip(_LEADING)) \
        or _NETWORK_PATH.match(_BROWSER_IGNORES.sub("", url).lstrip(_LEADING))
    if special is not None:  # as a browser reads it: 'http:evil.org', 'https:///evil.org'
        authority = unquote(special.group(1)).rsplit("@", 1)[-1].strip().lower()
        if authority.startswith("["):  # an IPv6 address, closed, or nothing a browser opens
            host = authority.split("]", 1)[0] + "]" if "]" in authority else ""
        else:
            host = authority.split(":", 1)[0]
        return site_of_host(host.rstrip(".")) if host else "invalid:" + url.strip()
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:  # a malformed authority such as 'http://[x': somewhere unknown
        return "invalid:" + url.strip()
    if parts.scheme.lower() == "mailto":
        return "mailto:" + parts.path.rsplit("@", 1)[-1].lower()
    return site_of_host(host)


_BROWSER_IGNORES = re.compile(r"[\t\n\r]")  # removed from URLs anywhere (WHATWG URL)
_LEADING = "".join(map(chr, range(0x21)))  # C0 controls and space, stripped at the start
#: A web address as browsers parse it: after the scheme any run of slashes and backslashes
#: (none, one, three) is skipped, and the authority runs to the next slash, backslash, '?'
#: or '#'.
_WEB_ADDRESS = re.compile(r"(?i)(?:https?|ftp|wss?):[/\\]*([^/\\?#]*)")
#: A URL without a scheme that a browser reads as another host: two or more slashes or
#: backslashes first ('//evil.org', '/\\evil.org', '\\\\evil.org').
_NETWORK_PATH = re.compile(r"[/\\]{2,}([^/\\?#]*)")


#: The former name of :func:`site_key`.
url_site = site_key

_LANGUAGE_LABEL = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})?")


@lru_cache(maxsize=4096)
def _is_language(label: str) -> bool:
    """Whether a host's first label names a language (``es``, ``pt-br``, ``zh-hans``)."""
    if not _LANGUAGE_LABEL.fullmatch(label):
        return False
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(label, sep="-")
    except (UnknownLocaleError, ValueError):
        return False
    return True


def language_root(site: str) -> str:
    """A site without a first label naming a language, when two labels remain:
    the site every language version of it belongs to.

    >>> language_root("en.wikipedia.org"), language_root("pt-br.example.org")
    ('wikipedia.org', 'example.org')
    >>> language_root("es.org"), language_root("cms.example.org")
    ('es.org', 'cms.example.org')
    """
    first, _, rest = site.partition(".")
    if "." in rest and _is_language(first):
        return rest
    return site


def language_version(a_key: str, b_key: str) -> bool:
    """Whether two sites (:func:`site_key`) are language versions of one site.

    >>> language_version("en.wikipedia.org", "es.wikipedia.org")
    True
    >>> language_version("wikipedia.org", "de.wikipedia.org"), language_version("a.org", "b.org")
    (True, False)
    >>> language_version("evil.wikipedia.org", "en.wikipedia.org")
    False
    """
    if not a_key or not b_key or ":" in a_key or ":" in b_key:
        return False
    return language_root(a_key) == language_root(b_key)


def _allowed(key: str, allowed_hosts: Collection[str]) -> bool:
    return any(key == site_of_host(host) for host in allowed_hosts)


def foreign_urls(translated: Iterable[str], source: Iterable[str],
                 allowed_hosts: Collection[str] = ()) -> list[str]:
    """URLs of a translation that lead to a site none of the source's URLs lead to,
    nor a language version of one (:func:`language_version`), nor a host of
    ``allowed_hosts``.

    A translator may point a link elsewhere on the same site (a translated page,
    or any relative link) but never to another site: readers would be redirected
    unnoticed.

    >>> foreign_urls(["https://www.example.org/fr/guide"], ["https://example.org/guide"])
    []
    >>> foreign_urls(["https://evil.example/"], ["../sleep/"])
    ['https://evil.example/']
    >>> foreign_urls(["https://es.wikipedia.org/wiki/Sue%C3%B1o"], ["https://en.wikipedia.org/wiki/Sleep"])
    []
    """
    source = list(source)
    sites = {site_key(url) for url in source}
    exact = {url.strip() for url in source}
    return [url for url in translated
            if url.strip() not in exact and (key := site_key(url)) and key not in sites
            and not _allowed(key, allowed_hosts)
            and not any(language_version(key, site) for site in sites)]


def language_version_urls(translated: Iterable[str], source: Iterable[str]) -> list[str]:
    """URLs of a translation that lead to another language version of a site the source
    links to, not to that site itself (a translator should see it, it is no error).

    >>> language_version_urls(["https://es.wikipedia.org/wiki/A"], ["https://en.wikipedia.org/wiki/A"])
    ['https://es.wikipedia.org/wiki/A']
    """
    sites = {site_key(url) for url in source}
    return [url for url in translated
            if (key := site_key(url)) and key not in sites
            and any(language_version(key, site) for site in sites)]
