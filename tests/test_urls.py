"""The same-site rule (twp_i18n/urls.py): one definition for fetch redirects and link checks."""

from __future__ import annotations

import pytest

from twp_i18n.urls import foreign_urls, same_site, site_key


@pytest.mark.parametrize("a,b", [
    ("example.org", "example.org"),
    ("example.org", "www.example.org"),
    ("WWW.Example.ORG", "example.org"),
    ("www.example.org", "www.example.org"),
    ("example.org.", "example.org"),
])
def test_same_site(a: str, b: str) -> None:
    assert same_site(a, b) and same_site(b, a)


@pytest.mark.parametrize("a,b", [
    ("cms.example.org", "example.org"),
    ("wwwexample.org", "example.org"),
    ("www.www.example.org", "example.org"),
    ("example.org.evil.example", "example.org"),
    ("evil-example.org", "example.org"),
    ("", "example.org"),
])
def test_other_site(a: str, b: str) -> None:
    assert not same_site(a, b) and not same_site(b, a)


def test_site_key_ignores_scheme_port_and_www() -> None:
    keys = {site_key(url) for url in ("http://example.org/a", "https://www.example.org/b",
                                      "HTTPS://WWW.EXAMPLE.ORG:443/c", "//example.org/d")}
    assert keys == {"example.org"}
    assert site_key("../relative/") == ""
    assert site_key("mailto:team@www.example.org") == "mailto:www.example.org"


def test_www_and_apex_links_are_not_foreign() -> None:
    assert foreign_urls(["https://www.example.org/x"], ["https://example.org/y"]) == []
    assert foreign_urls(["http://example.org/x"], ["https://www.example.org/y"]) == []
    assert foreign_urls(["https://cms.example.org/x"], ["https://example.org/y"]) == [
        "https://cms.example.org/x"]
