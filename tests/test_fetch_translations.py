"""``twp fetch --translations`` against the real loopback server of the fetch tests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import polib
import pytest

from twp_i18n.source import fetch_http

from .conftest import SiteFactory, snapshot
from .fetch_server import FakeSite, Running, drupal_node, html_page, wp_post

SELECTORS = 'title_selector = "article h1.entry-title"\nbody_selector = "article .entry-content"\n'
PREFIX = {"drupal": "/drupal", "sitemap": "/site"}


@pytest.fixture
def server() -> Iterator[Running]:
    running = Running(FakeSite())
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(fetch_http, "_sleep", slept.append)
    monkeypatch.setattr(fetch_http, "_now", lambda: time.monotonic() + sum(slept))
    monkeypatch.setattr(fetch_http, "BACKOFF", 0.01)


def _site(make_site: SiteFactory, server: Running, kind: str) -> Path:
    config = ('[site]\ntitle = "T"\nbase_url = "https://example.org/"\nsource_language = "en"\n'
              'languages = ["es", "fr"]\n\n[fetch]\n'
              f'type = "{kind}"\nurl = "{server.url}{PREFIX[kind]}"\ntimeout = 2\nconcurrency = 3\n'
              + (SELECTORS if kind == "sitemap" else ""))
    return make_site({}, config=config)


def _catalog(root: Path, lang: str, slug: str) -> dict[str, polib.POEntry]:
    path = root / "locales" / lang / "LC_MESSAGES" / f"{slug}.po"
    return {e.msgid: e for e in polib.pofile(str(path)) if not e.obsolete}


def _translate_drupal(site: FakeSite) -> None:
    site.drupal_translations = {
        ("es", "uuid-1"): drupal_node(1, "Encontrar apoyo entre pares", "/blog/encontrar-apoyo",
                                      "<p>Los pares <strong>ayudan</strong>.</p>", langcode="es",
                                      summary="<p>Por qué importan los pares.</p>"),
        ("fr", "uuid-1"): drupal_node(1, "Trouver le soutien des pairs", "/blog/trouver-soutien",
                                      "<p>Les pairs <strong>aident</strong>.</p>", langcode="fr"),
        ("es", "uuid-2"): drupal_node(2, "Dormir: lo que ayudó", "/blog/dormir",
                                      "<h2>Rutina</h2><ul><li>Habitación oscura</li>"
                                      "<li>Sin pantallas</li></ul>", langcode="es"),
        ("de", "uuid-2"): drupal_node(2, "Schlaf", "/blog/schlaf", "<p>Nein.</p>", langcode="de"),
    }


def test_drupal_translations_arrive_as_fuzzy_entries_and_a_second_run_changes_nothing(
        make_site: SiteFactory, server: Running, twp) -> None:
    _translate_drupal(server.site)
    root = _site(make_site, server, "drupal")
    assert twp("--site", root, "sync").code == 0
    server.site.clear()
    synced = snapshot(root)
    result = twp("--site", root, "fetch", "--translations")
    assert result.code == 0, result
    fetched = snapshot(root)
    changed = {path for path in fetched if fetched[path] != synced.get(path)}
    assert changed == {"locales/es/LC_MESSAGES/finding-peer-support.po",
                       "locales/es/LC_MESSAGES/sleep-what-helped.po",
                       "locales/fr/LC_MESSAGES/finding-peer-support.po",
                       ".twp/fetch-translations.json"}  # the catalogs, and what was asked
    peers = _catalog(root, "es", "finding-peer-support")
    assert peers["Peers **help**."].msgstr == "Los pares **ayudan**."
    assert peers["Peers **help**."].fuzzy
    assert peers["Finding peer support"].msgstr == "Encontrar apoyo entre pares"
    assert peers["Why peers matter."].msgstr == "Por qué importan los pares."
    assert f"twp-import: {server.url}/drupal/es/jsonapi/node/article/uuid-1, score" in \
        peers["Peers **help**."].tcomment
    assert _catalog(root, "fr", "finding-peer-support")["Peers **help**."].msgstr == \
        "Les pairs **aident**."
    sleep = _catalog(root, "es", "sleep-what-helped")
    assert sleep["Dark room"].msgstr == "Habitación oscura" and sleep["Routine"].msgstr == "Rutina"
    journal = _catalog(root, "es", "journal")  # no translation: Drupal answered in English
    assert not any(e.msgstr for e in journal.values())
    paths = [seen.path for seen in server.site.seen("/drupal/") if "/jsonapi/node/article/" in seen.path]
    assert paths and all(path.startswith(("/drupal/es/", "/drupal/fr/")) for path in paths)

    before = snapshot(root)
    server.site.clear()
    again = twp("--site", root, "fetch", "--translations")
    assert again.code == 0, again
    assert "0 entries imported" in again.out
    assert snapshot(root) == before
    imported = [seen for seen in server.site.seen("/drupal/") if seen.path.endswith(
        ("es/jsonapi/node/article/uuid-1", "fr/jsonapi/node/article/uuid-1",
         "es/jsonapi/node/article/uuid-2"))]
    assert len(imported) == 3 and all(seen.status == 304 for seen in imported)  # asked politely
    server.site.clear()
    assert twp("--site", root, "fetch", "--translations", "--force").code == 0
    assert all(seen.status == 200 for seen in server.site.seen("/drupal/"))
    assert snapshot(root) == before


def test_sitemap_hreflang_alternates_from_the_sitemap_and_from_the_page(
        make_site: SiteFactory, server: Running, twp) -> None:
    site = server.site
    site.alternates = {"/site/blog/coping-with-nights": {
        "en": "/site/blog/coping-with-nights", "es": "/site/es/blog/coping-with-nights",
        "de": "/site/de/blog/coping-with-nights", "fr": "https://elsewhere.example/nuits"}}
    site.pages["/site/es/blog/coping-with-nights"] = html_page(
        "Afrontar las noches", "<p>Las noches son <em>largas</em>.</p>", lang="es")
    site.pages["/site/about"] = html_page(
        "About", "<p>About the site.</p>",
        head='<link rel="alternate" hreflang="es" href="/site/es/about">')
    site.pages["/site/es/about"] = html_page("Acerca de", "<p>Acerca del sitio.</p>", lang="es")
    root = _site(make_site, server, "sitemap")
    assert twp("--site", root, "sync").code == 0
    server.site.clear()
    result = twp("--site", root, "fetch", "--translations")
    assert result.code == 1, result  # the alternate on another site is reported
    assert "elsewhere.example/nuits: an hreflang alternate" in result.err
    nights = _catalog(root, "es", "coping-with-nights")
    assert nights["Nights are *long*."].msgstr == "Las noches son *largas*."
    assert nights["Coping with nights"].msgstr == "Afrontar las noches"
    assert _catalog(root, "es", "about")["About the site."].msgstr == "Acerca del sitio."
    assert not [seen for seen in site.seen() if "/de/" in seen.path or "elsewhere" in seen.path]

    before = snapshot(root)
    assert twp("--site", root, "fetch", "--translations").code == 1
    assert snapshot(root) == before


def test_a_translated_page_in_another_language_is_skipped(
        make_site: SiteFactory, server: Running, twp) -> None:
    site = server.site
    site.alternates = {"/site/blog/journal": {"es": "/site/es/blog/journal"}}
    site.pages["/site/es/blog/journal"] = html_page("Journal", "<p>Write.</p>", lang="en")
    root = _site(make_site, server, "sitemap")
    assert twp("--site", root, "sync").code == 0
    result = twp("--site", root, "fetch", "--translations")
    assert result.code == 1
    assert "it declares the language 'en', not 'es'" in result.err
    assert "Traceback" not in result.err


def test_wordpress_polylang_translations(make_site: SiteFactory, server: Running, twp) -> None:
    """Polylang Pro's documented REST fields: ``lang`` and ``translations`` on each post."""
    site = server.site
    for post in site.wp_posts + site.wp_pages:
        post.update({"lang": "en", "translations": {"en": post["id"]}})
    site.wp_posts[0]["translations"] = {"en": 1, "es": 21, "de": 22}
    site.wp_translated = {
        21: {**wp_post(21, "descanso-y-sueno", "Descanso y sue&ntilde;o",
                       "<p>Descansa <em>bien</em>.</p>", "<p>Sobre el descanso [&hellip;]</p>"),
             "lang": "es"},
        22: {**wp_post(22, "ruhe", "Ruhe", "<p>Ruhe.</p>"), "lang": "de"},
    }
    root = make_site({}, config=(
        '[site]\ntitle = "T"\nbase_url = "https://example.org/"\nsource_language = "en"\n'
        f'languages = ["es", "fr"]\n\n[fetch]\ntype = "wordpress"\nurl = "{server.url}/wp"\n'
        "timeout = 2\n"))
    assert twp("--site", root, "sync").code == 0
    server.site.clear()
    result = twp("--site", root, "fetch", "--translations")
    assert result.code == 0, result
    rest = _catalog(root, "es", "rest-and-sleep")
    assert rest["Rest *well*."].msgstr == "Descansa *bien*." and rest["Rest *well*."].fuzzy
    assert rest["Rest & sleep"].msgstr == "Descanso y sueño"
    assert rest["On resting"].msgstr == "Sobre el descanso"
    assert not [seen for seen in site.seen() if seen.path.endswith("/22")]  # German: not asked
    before = snapshot(root)
    assert twp("--site", root, "fetch", "--translations").code == 0
    assert snapshot(root) == before


def test_the_fetch_bounds_hold_and_a_failing_page_is_reported(
        make_site: SiteFactory, server: Running, twp) -> None:
    _translate_drupal(server.site)
    root = _site(make_site, server, "drupal")
    assert twp("--site", root, "sync").code == 0
    server.site.fault("/drupal/es/jsonapi/node/article/uuid-2", "status", status=500, times=10)
    result = twp("--site", root, "fetch", "--translations")
    assert result.code == 1, result
    assert "uuid-2" in result.err and "500" in result.err and "Traceback" not in result.err
    assert _catalog(root, "es", "finding-peer-support")["Peers **help**."].msgstr  # the rest came

    config = (root / "twp.toml").read_text(encoding="utf-8") + "max_pages = 4\n"
    (root / "twp.toml").write_text(config, encoding="utf-8")
    before = snapshot(root)
    result = twp("--site", root, "fetch", "--translations")
    assert result.code == 2 and "more than max_pages = 4" in result.err, result
    assert snapshot(root) == before
