"""Messages are safe to print: no input can put control or bidi characters on the terminal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from twp_i18n.errors import ContentError, safe_text
from twp_i18n.source import fetch_http

from .conftest import SiteFactory, article
from .fetch_server import FakeSite, Running, wp_post

RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def assert_clean(text: str) -> None:
    """Only the line ends the tool writes itself: no raw control, format or bidi character."""
    found = RAW.findall(text)
    assert not found, found


def test_safe_text_escapes_control_and_bidi_characters() -> None:
    assert safe_text("a\x1b[31mb\x00c\nd\te\u202ef\u2066g\u200eh\u2028i\x85j\ud800k") == \
        "a\\x1b[31mb\\x00c\\nd\\te\\u202ef\\u2066g\\u200eh\\u2028i\\x85j\\ud800k"
    assert safe_text("café ありがとう שלום مرحبا \\x1b") == "café ありがとう שלום مرحبا \\x1b"


def test_error_str_is_escaped_but_keeps_its_own_layout() -> None:
    error = ContentError("slug 'a\x1bb\nerror: fake' is bad", path="content/en/x\u202e.md", line=4,
                         hint="rename\u2066 it")
    text = str(error)
    assert text == ("content/en/x\\u202e.md:4: slug 'a\\x1bb\\nerror: fake' is bad\n"
                    "  hint: rename\\u2066 it")


@pytest.mark.parametrize("yaml_slug, shown", [
    ('"a\\eb"', "a\\x1bb"),
    ('"a\\nerror: all good"', "a\\nerror: all good"),
    ('"txt.\\u202egnp"', "txt.\\u202egnp"),
    ('"a\\x9bb"', "a\\x9bb"),
])
def test_a_content_slug_with_control_characters_is_shown_escaped(make_site: SiteFactory, twp,
                                                                 yaml_slug: str, shown: str) -> None:
    root = make_site({"content/en/x.md": article(slug=yaml_slug)})
    result = twp("--site", root, "extract")
    assert result.code == 2
    # Refused by the front matter's own control-character rule or by the slug rule: either
    # way the line is named and whatever is quoted is escaped.
    assert "error: content/en/x.md:4: " in result.err, result
    assert f"slug '{shown}'" in result.err or "'slug' contains a control character" in result.err
    assert_clean(result.err)
    assert result.err.count("\n") == 2  # the error line and its hint, nothing injected


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    monkeypatch.setattr(fetch_http, "_sleep", lambda seconds: None)
    running = Running(FakeSite())
    try:
        yield running
    finally:
        running.close()


def fetch_site(make_site: SiteFactory, server: Running, kind: str, extra: str = "") -> Path:
    prefix = {"wordpress": "/wp", "sitemap": "/site"}[kind]
    return make_site(config=(
        '[site]\ntitle = "T"\nbase_url = "https://example.org/"\nsource_language = "en"\n'
        f'languages = ["es"]\n\n[fetch]\ntype = "{kind}"\nurl = "{server.url}{prefix}"\n'
        'timeout = 2\n' + extra))


def test_a_remote_slug_with_control_characters_is_shown_escaped(make_site: SiteFactory, twp,
                                                                server: Running) -> None:
    server.site.wp_posts.append(wp_post(6, "a%1B%5B2Jb%0Aerror:%20ok%E2%80%AE", "Evil", "<p>x</p>"))
    root = fetch_site(make_site, server, "wordpress")
    result = twp("--site", root, "fetch")
    assert result.code == 2, result
    assert "slug 'a\\x1b[2Jb\\nerror: ok\\u202e'" in result.err, result
    assert_clean(result.err)


def test_warnings_with_remote_text_are_shown_escaped(make_site: SiteFactory, twp,
                                                    server: Running) -> None:
    server.site.sitemaps["/site/sitemap-pages.xml"].append("/site/gone?\u202eevil\u2066")
    root = fetch_site(make_site, server, "sitemap",
                      'title_selector = "article h1"\nbody_selector = "article .entry-content"\n')
    result = twp("--site", root, "fetch")
    assert result.code == 1, result
    assert "gone?\\u202eevil\\u2066" in result.err, result
    assert_clean(result.err)
