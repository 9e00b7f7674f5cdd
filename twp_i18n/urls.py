"""Which sites a URL leads to: the rule that keeps translations from redirecting readers."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit


def url_site(url: str) -> str:
    """Where a URL leads: its host (lower case), ``mailto:<domain>``, or ``""`` (this site).

    >>> url_site("HTTPS://Example.org/a"), url_site("../b/"), url_site("mailto:team@Example.net")
    ('example.org', '', 'mailto:example.net')
    >>> url_site("//evil.example/x")
    'evil.example'
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() == "mailto":
        return "mailto:" + parts.path.rsplit("@", 1)[-1].lower()
    return (parts.hostname or "").lower()


def foreign_urls(translated: Iterable[str], source: Iterable[str]) -> list[str]:
    """URLs of a translation that lead to a site none of the source's URLs lead to.

    A translator may point a link elsewhere on the same site (a translated page,
    or any relative link) but never to another site: readers would be redirected
    unnoticed.

    >>> foreign_urls(["https://example.org/fr/guide"], ["https://example.org/guide"])
    []
    >>> foreign_urls(["https://evil.example/"], ["../sleep/"])
    ['https://evil.example/']
    """
    source = list(source)
    sites = {url_site(url) for url in source}
    exact = {url.strip() for url in source}
    return [url for url in translated
            if url.strip() not in exact and url_site(url) and url_site(url) not in sites]
