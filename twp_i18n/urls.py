"""Which site a URL leads to: the one same-site rule, for links in translations and for
redirects that ``twp fetch`` follows.

Two hosts are the same site when they are equal ignoring case, a trailing dot and
one initial ``www.``; the scheme (http or https) and the port do not matter.  So
``http://example.org`` and ``https://www.example.org`` are one site, and
``cms.example.org`` is another.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit


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
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:  # a malformed authority such as 'http://[x': somewhere unknown
        return "invalid:" + url.strip()
    if parts.scheme.lower() == "mailto":
        return "mailto:" + parts.path.rsplit("@", 1)[-1].lower()
    return site_of_host(host)


#: The former name of :func:`site_key`.
url_site = site_key


def foreign_urls(translated: Iterable[str], source: Iterable[str]) -> list[str]:
    """URLs of a translation that lead to a site none of the source's URLs lead to.

    A translator may point a link elsewhere on the same site (a translated page,
    or any relative link) but never to another site: readers would be redirected
    unnoticed.

    >>> foreign_urls(["https://www.example.org/fr/guide"], ["https://example.org/guide"])
    []
    >>> foreign_urls(["https://evil.example/"], ["../sleep/"])
    ['https://evil.example/']
    """
    source = list(source)
    sites = {site_key(url) for url in source}
    exact = {url.strip() for url in source}
    return [url for url in translated
            if url.strip() not in exact and site_key(url) and site_key(url) not in sites]
