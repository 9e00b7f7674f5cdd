"""``twp build``: localized pages, feeds and bundles that are safe, stable and reachable."""

from __future__ import annotations

import hashlib
import html
import io
import json
import posixpath
import re
import shutil
import zipfile
from pathlib import Path

import feedparser
import polib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from twp_i18n.catalog import pofile
from twp_i18n.catalog.workflow import update_catalogs
from twp_i18n.config import load_config
from twp_i18n.errors import OutputError, TemplateError
from twp_i18n.publish.build import build

from .conftest import REPO, snapshot

MINIMAL = REPO / "tests" / "data" / "minimal"
HTML_PARSER = etree.HTMLParser(recover=False)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "minimal"
    shutil.copytree(MINIMAL, root)
    return root


def built(root: Path) -> Path:
    build(load_config(root))
    return root / "dist"


def record_rendered_languages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The languages whose files the next builds render (in the order rendered)."""
    import twp_i18n.render.pages as pages_module

    rendered: list[str] = []
    original = pages_module.render_language
    monkeypatch.setattr(pages_module, "render_language",
                        lambda cfg, lang, *rest: rendered.append(lang) or original(cfg, lang, *rest))
    return rendered


def pages(dist: Path) -> list[Path]:
    return sorted(dist.rglob("*.html"))


def test_golden_pages_and_feeds(site, golden, tmp_path):
    dist = built(site)
    chosen = tmp_path / "chosen"
    for rel in ["es/rest-and-sleep/index.html", "ar/rest-and-sleep/index.html", "es/index.html",
                "index.html", "es/rss.xml", "es/atom.xml", "es/feed.json", "sitemap.xml",
                "feeds.opml"]:
        (chosen / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(dist / rel, chosen / rel)
    golden("build-minimal", chosen)


def test_layout_and_publish_policy(site):
    dist = built(site)
    assert (dist / "es/rest-and-sleep/index.html").exists()
    assert (dist / "ar/rest-and-sleep/index.html").exists()  # 76% >= min_percent 70
    assert not (dist / "ar/journal/index.html").exists()  # 0%: not published in Arabic
    for name in ("index.html", "sitemap.xml", "feeds.opml", "status/index.html", "style.css",
                 "bundles/es.zip", "es/rss.xml", "es/atom.xml", "es/feed.json"):
        assert (dist / name).exists(), name


def test_untranslated_units_fall_back_marked_with_source_language(site):
    html = (built(site) / "ar/rest-and-sleep/index.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in html
    assert '<li lang="en" class="untranslated">Dim lights in the evening.</li>' in html
    assert 'class="notice"' in html and 'href="../../status/index.html"' in html
    es = (site / "dist/es/rest-and-sleep/index.html").read_text(encoding="utf-8")
    assert '<p lang="en" class="untranslated">It took weeks, not days.<br>' in es


def test_every_page_is_valid_reachable_and_light(site):
    dist = built(site)
    css = (dist / "style.css").stat().st_size
    for page in pages(dist):
        data = page.read_bytes()
        etree.fromstring(data, HTML_PARSER)  # raises on malformed HTML
        assert b"<script" not in data, page
        if page.parent.parent.name in ("es", "ar", "en") and page.name == "index.html":
            assert len(data) + css < 30_000, f"{page} weighs {len(data) + css} bytes with CSS"
    for feed in ("rss.xml", "atom.xml", "sitemap.xml", "feeds.opml"):
        for path in dist.rglob(feed):
            etree.fromstring(path.read_bytes())  # well-formed XML


def test_the_sitemap_lists_every_public_page_and_only_those(site):
    dist = built(site)
    base = load_config(site).base_url
    made = {base + str(p.parent.relative_to(dist)).removeprefix(".") + "/" for p in pages(dist)
            if p.name == "index.html" and not p.relative_to(dist).parts[0] == "status"}
    made = {url.replace(base + "/", base) for url in made}
    sitemap = etree.fromstring((dist / "sitemap.xml").read_bytes())
    ns = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
          "xhtml": "http://www.w3.org/1999/xhtml"}
    listed = [loc.text for loc in sitemap.iterfind("sm:url/sm:loc", ns)]
    assert sorted(listed) == sorted(made) and len(listed) == len(set(listed))
    assert base in listed and base + "es/" in listed
    spanish = sitemap.xpath("sm:url[sm:loc='" + base + "es/']/xhtml:link", namespaces=ns)
    assert {(link.get("hreflang"), link.get("href")) for link in spanish} >= {
        ("es", base + "es/"), ("en", base + "en/"), ("x-default", base + "en/")}


def test_hreflang_links_are_reciprocal(site):
    dist = built(site)
    links: dict[str, set[tuple[str, str]]] = {}
    for page in dist.glob("*/rest-and-sleep/index.html"):
        html = page.read_text(encoding="utf-8")
        canonical = re.search(r'<link rel="canonical" href="([^"]+)"', html).group(1)
        links[canonical] = set(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)"', html))
    assert len(links) == 3
    for canonical, alternates in links.items():
        assert any(url == canonical for _, url in alternates), "a page lists itself"
        assert ("x-default", "https://minimal.example.org/en/rest-and-sleep/") in alternates
        for lang, url in alternates:
            if lang != "x-default":
                assert url in links and (lang, url) in links[url]


def test_feeds_parse_with_the_right_language(site):
    dist = built(site)
    for lang in ("en", "es", "ar"):
        for name in ("rss.xml", "atom.xml"):
            parsed = feedparser.parse((dist / lang / name).read_bytes())
            assert parsed.bozo == 0, (lang, name, parsed.get("bozo_exception"))
            assert parsed.feed.get("language", "").lower().startswith(lang), (lang, name)
        data = json.loads((dist / lang / "feed.json").read_text(encoding="utf-8"))
        assert data["language"].lower().startswith(lang)


def test_two_builds_are_identical_and_a_rebuild_writes_nothing(site, tmp_path):
    config = load_config(site)
    first = build(config)
    assert first.written
    before = snapshot(site / "dist")
    mtimes = {p: p.stat().st_mtime_ns for p in (site / "dist").rglob("*") if p.is_file()}
    again = build(config)
    assert again.written == [] and again.removed == []
    assert mtimes == {p: p.stat().st_mtime_ns for p in (site / "dist").rglob("*") if p.is_file()}
    other = tmp_path / "other"
    build(config, out=other)
    assert snapshot(other) == before


def test_one_language_changed_rewrites_only_its_files(site):
    config = load_config(site)
    build(config)
    path = site / "locales/es/LC_MESSAGES/journal.po"
    po = pofile.read_po(path)
    po.find("Keeping a journal").msgstr = "Llevar un diario personal"
    pofile.write_po(path, po)
    report = build(config)
    assert report.written
    assert all(not rel.startswith(("en/", "ar/", "bundles/en", "bundles/ar"))
               for rel in report.written), report.written
    assert sorted(rel for rel in report.written if rel.endswith(".epub")) == ["bundles/es.epub"]
    assert {"opds.xml", "bundles/SHA256SUMS"} <= set(report.written)
    assert "es/journal/index.html" in report.written


def test_bundle_is_deterministic_with_checksums(site):
    dist = built(site)
    data = (dist / "bundles/es.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert "es/rest-and-sleep/index.html" in names and "style.css" in names
        sums = archive.read("SHA256SUMS").decode().splitlines()
        for line in sums:
            digest, name = line.split("  ")
            assert hashlib.sha256(archive.read(name)).hexdigest() == digest
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_title_or_summary_left_in_english_is_marked_english_everywhere(site):
    # The body's untranslated paragraphs say lang="en"; so must the title and summary when
    # they fall back to English (screen readers pick the voice, bidi the order), and on a
    # right-to-left page with dir="ltr".
    for lang in ("es", "ar"):
        path = site / f"locales/{lang}/LC_MESSAGES/rest-and-sleep.po"
        po = pofile.read_po(path)
        title = next(e for e in po if e.msgid == "Rest and sleep")
        title.msgstr = ""
        pofile.write_po(path, po)
    (site / "templates/index.html").unlink()  # the theme's own index, which lists the articles
    dist = built(site)
    page = (dist / "ar/rest-and-sleep/index.html").read_text(encoding="utf-8")
    assert '<h1 lang="en" dir="ltr">Rest and sleep</h1>' in page
    assert '<h1 lang="en">Rest and sleep</h1>' in (dist / "es/rest-and-sleep/index.html").read_text(
        encoding="utf-8")
    index = (dist / "ar/index.html").read_text(encoding="utf-8")
    assert '<h2 lang="en" dir="ltr"><a href="rest-and-sleep/index.html">Rest and sleep</a></h2>' \
        in index
    atom = etree.fromstring((dist / "ar/atom.xml").read_bytes())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = {t.text: t.get("{http://www.w3.org/XML/1998/namespace}lang")
              for t in atom.iterfind("a:entry/a:title", ns)}
    assert titles["Rest and sleep"] == "en"
    assert all(lang is None for text, lang in titles.items() if text != "Rest and sleep")
    with zipfile.ZipFile(dist / "bundles/ar.epub") as book:
        chapters = [book.read(n).decode("utf-8") for n in book.namelist() if "chapter" in n]
    assert any('<h1 lang="en" xml:lang="en" dir="ltr">Rest and sleep</h1>' in c for c in chapters)
    # the English pages themselves say nothing more
    assert "<h1>Rest and sleep</h1>" in (dist / "en/rest-and-sleep/index.html").read_text(
        encoding="utf-8")


def test_every_link_of_a_bundle_works_offline_or_leads_to_the_web(site):
    # A bundle holds one language: its links to other languages, the books, the feeds list
    # or an English page lead to the site on the web, never to a file the zip does not have.
    dist = built(site)
    base = load_config(site).base_url
    to_web = 0
    for bundle in sorted(dist.glob("bundles/*.zip")):
        with zipfile.ZipFile(bundle) as archive:
            names = set(archive.namelist())
            for name in sorted(n for n in names if n.endswith(".html")):
                page = archive.read(name).decode("utf-8")
                for value in re.findall(r'\b(?:href|src)="([^"]*)"', page):
                    url = html.unescape(value)
                    if url.startswith(("https://", "http://", "mailto:", "#")):
                        to_web += url.startswith(base)
                        continue
                    target = posixpath.normpath(posixpath.join(
                        posixpath.dirname(name), url.split("#")[0].split("?")[0]))
                    # (an image the site does not have is missing on the web too)
                    assert target in names or f"{target}/index.html" in names \
                        or not (dist / target).exists(), (bundle.name, name, url)
                    # the same page on the web links the same way (below: links a reader follows
                    # to what the bundle has stay inside it)
                    assert (dist / name).read_text(encoding="utf-8").count(value) >= 1
                for value in re.findall(r'<a\b[^>]*\bhref="([^"]*)"', page):
                    path = html.unescape(value).removeprefix(base).split("#")[0]
                    assert not value.startswith(base) or not (
                        path in names or f"{path}index.html" in names), (bundle.name, name, value)
    assert to_web > 10
    # text that looks like an attribute (a code sample) is left as it is
    from twp_i18n.render.pages import (
        absolute_links,
        bundled_links,
        disk_friendly_links,
        link_to_source_when_unpublished,
    )

    sample = '<p>Write <code>&lt;a href="/en/x/"&gt;</code> or href="../../en/y/" plainly.</p>'
    assert bundled_links(sample, base, "es/a/index.html") == sample
    assert absolute_links(sample, base + "es/a/") == sample  # feeds
    assert disk_friendly_links(sample) == sample  # pages
    sibling = '<p>See href="../b/" in the code.</p>'
    assert link_to_source_when_unpublished(sibling, {"a"}, {"a", "b"}, "en", "a") == sibling


LINK = ("https://example.org/library/shared-notes/rest-and-sleep/"
        "what-members-noticed-while-reducing?lang=en&section=2")
HOSTILE = {
    "Sleep came back slowly, one night at a time.":
        'Sleep <script>alert(1)</script> came <img src=x onerror="alert(2)"> back.',
    "Dim lights in the evening.": "[click](javascript:alert(3)) here",
    "**Short** walks, *outside* if possible.":
        "**Short** [walks](data:text/html,<script>alert(4)</script>) *x*",
    "Poor": "</textarea><iframe src=https://evil.example/></iframe>",
    "Better": "<a href=\"https://evil.example/\" onclick=\"steal()\">Better</a>",
    "Week": "W" * 200_000,
    f"Many of us slept badly for a while. A long link to a shared notes page: [our notes]({LINK}).":
        "Muchos dormimos mal. Notas: [nuestras notas](https://evil.example/notes).",
    "A notebook beside a cup of tea":
        "Un cuaderno\\](https://evil.example/pixel.png) \\[Haz clic\\](https://evil.example/x) \\![x",
    "Rest and sleep": 'Descanso <svg onload="alert(7)"><foreignObject>y</foreignObject></svg> sueño',
    "This is lay experience, not medical advice.":
        'Experiencia <math><mi>x</mi></math> <custom-el onclick="x()">no</custom-el> &nbsp; consejo',
}
SITE_HOSTILE = {
    "Other languages": 'Otros idiomas" onmouseover="alert(document.domain)" style="position:fixed',
    "Published %(date)s": "Publicado el %(date)s <img src=x onerror=alert(1) ",
    "Skip to content": "<script>alert(5)</script>",
    "Contents": '<script>alert(8)</script>]]>&nbsp;',
    "Read offline:": '<a href="https://evil.example/">Leer</a>',
    "About this book": "Sobre\" xml:lang=\"x",
}


def unsafe_markup(html_bytes: bytes) -> list[str]:
    """Script, event handlers, frames, bad schemes or other sites' URLs in a page's DOM."""
    from lxml import html as lxml_html

    found = []
    document = lxml_html.fromstring(html_bytes)
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in ("script", "iframe", "object", "embed", "textarea"):
            found.append(f"<{element.tag}>")
        for name, value in element.attrib.items():
            if name.startswith("on") or (name == "style" and element.tag != "span"):
                found.append(f"{element.tag}@{name}")
            if name in ("href", "src") and ("evil.example" in value
                                            or value.strip().lower().startswith(("javascript:", "data:"))):
                found.append(f"{element.tag}@{name}={value}")
    return found


BOOK_NAMESPACES = {"http://www.w3.org/1999/xhtml", "http://www.idpf.org/2007/opf",
                   "http://purl.org/dc/elements/1.1/", "http://www.daisy.org/z3986/2005/ncx/",
                   "urn:oasis:names:tc:opendocument:xmlns:container"}


def foreign_markup(xml_bytes: bytes) -> list[str]:
    """Elements of a book's XML file from outside the book's own vocabularies (XHTML, the
    package, NCX and container formats), elements XHTML chapters never carry, and
    attributes they never need."""
    from twp_i18n.render.epub import ELEMENTS

    skeleton = {"html", "head", "meta", "title", "link", "body", "section", "nav"}
    attributes = {"lang", "dir", "class", "title", "href", "hreflang", "src", "alt", "width",
                  "height", "start", "style", "charset", "rel", "type", "id", "datetime",
                  "hidden", "{http://www.w3.org/XML/1998/namespace}lang",
                  "{http://www.idpf.org/2007/ops}type"}
    found = []
    tree = etree.fromstring(xml_bytes, etree.XMLParser(resolve_entities=False, no_network=True))
    xhtml = tree.tag == "{http://www.w3.org/1999/xhtml}html"
    for element in tree.iter():
        if not isinstance(element.tag, str):
            found.append(f"node {element!r}")
            continue
        name = etree.QName(element)
        if name.namespace not in BOOK_NAMESPACES:
            found.append(element.tag)
        if xhtml and name.localname not in ELEMENTS | skeleton:
            found.append(name.localname)
        for attribute, value in element.attrib.items():
            if xhtml and attribute not in attributes:
                found.append(f"{name.localname}@{attribute}")
            if "evil.example" in value or "javascript:" in value.lower():
                found.append(f"{name.localname}@{attribute}={value}")
    return found


def test_hostile_catalog_leaves_no_unsafe_markup_anywhere(site):  # noqa: C901 - one pass over every kind of output file
    for domain, table in (("rest-and-sleep", HOSTILE), ("journal", HOSTILE), ("site", SITE_HOSTILE)):
        path = site / f"locales/es/LC_MESSAGES/{domain}.po"
        po = pofile.read_po(path)
        for entry in po:
            if entry.msgid in table:
                entry.msgstr = table[entry.msgid]
                if "evil.example" in entry.msgstr:
                    entry.tcomment = "twp-ignore: link-changed, foreign-link"
        if domain == "site":
            po.metadata["Plural-Forms"] = "nplurals=2; plural=n%0;"  # would divide by zero
            known = {entry.msgid for entry in po}
            for msgid, msgstr in table.items():  # strings newer than the fixture's catalog
                if msgid not in known:
                    po.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
        pofile.write_po(path, po)
    report = build(load_config(site))
    assert any("rest-and-sleep.po:" in str(w) for w in report.warnings)
    dist = site / "dist"
    pages = [p for p in dist.rglob("*.html")]
    assert pages
    for page in pages:
        assert unsafe_markup(page.read_bytes()) == [], page
    for feed in dist.rglob("*.xml"):
        tree = etree.fromstring(feed.read_bytes())
        for node in tree.iter():
            if node.text and "<" in node.text:  # escaped HTML content of an entry
                assert unsafe_markup(node.text.encode("utf-8")) == [], feed
            for value in node.attrib.values():
                assert "evil.example" not in value and "javascript:" not in value.lower(), feed
    for bundle in dist.rglob("*.zip"):
        with zipfile.ZipFile(bundle) as archive:
            for name in archive.namelist():
                assert not name.startswith(("/", "..")) and "/../" not in name
                if name.endswith(".html"):
                    assert unsafe_markup(archive.read(name)) == [], name
    books = list(dist.rglob("*.epub"))
    assert books
    for book in books:
        with zipfile.ZipFile(book) as archive:
            for name in archive.namelist():
                assert not name.startswith(("/", "..")) and "/../" not in name
                data = archive.read(name)
                if name.endswith((".xhtml", ".opf", ".ncx", ".xml")):
                    assert foreign_markup(data) == [], (book.name, name)
                if name.endswith(".xhtml"):
                    assert unsafe_markup(data) == [], (book.name, name)
    page = (dist / "es/journal/index.html").read_text(encoding="utf-8")
    assert 'aria-label="Otros idiomas&#34; onmouseover=' in page  # kept as text, harmless
    with zipfile.ZipFile(dist / "bundles/es.epub") as archive:
        nav = archive.read("EPUB/nav.xhtml").decode("utf-8")
        about = archive.read("EPUB/about.xhtml").decode("utf-8")
    # refused (twp check finds HTML): the English stays, marked as English
    assert '<h1><span lang="en">Contents</span></h1>' in nav
    assert "<h1>Sobre&#34; xml:lang=&#34;x</h1>" in about  # kept as text, harmless


def test_template_error_names_file_and_keeps_previous_output(site, twp):
    dist = built(site)
    before = snapshot(dist)
    (site / "templates/index.html").write_text("{% extends 'base.html' %}\n{% block main %}\n{% for %}\n",
                                               encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        build(load_config(site))
    assert info.value.path == "templates/index.html" and info.value.line == 3
    assert snapshot(dist) == before
    result = twp("--site", site, "build")
    assert result.code == 2 and "templates/index.html:3:" in result.err


def test_a_build_that_fails_late_replaces_no_file(site):
    # The article pages are written (to temporary files) while the rest is still being made:
    # a failure after them, in rendering or in writing, must still leave dist/ as it was.
    dist = built(site)
    po = site / "locales/es/LC_MESSAGES/rest-and-sleep.po"
    catalog = polib.pofile(str(po))
    entry = next(e for e in catalog if e.msgstr and not e.obsolete and e.msgctxt != "title")
    entry.msgstr += " Más."
    catalog.save(str(po))
    before = snapshot(dist)
    index = site / "templates/index.html"
    good = index.read_text(encoding="utf-8")
    index.write_text(good.replace("{% block main %}", "{% block main %}{{ site.nothing.deeper }}"),
                     encoding="utf-8")
    with pytest.raises(TemplateError):
        build(load_config(site))
    assert snapshot(dist) == before
    index.write_text(good, encoding="utf-8")
    feed = dist / "es/rss.xml"  # a file every build writes after the article pages
    feed.unlink()
    feed.mkdir()
    with pytest.raises(OutputError) as info:
        build(load_config(site))
    assert info.value.path is not None and Path(info.value.path).name == "rss.xml"
    feed.rmdir()
    assert {rel: data for rel, data in snapshot(dist).items()} == \
        {rel: data for rel, data in before.items() if rel != "es/rss.xml"}
    built(site)
    assert snapshot(dist)["es/rest-and-sleep/index.html"] != before["es/rest-and-sleep/index.html"]


def test_unpublished_article_is_removed_on_rebuild(site):
    config = load_config(site)
    build(config)
    assert (site / "dist/es/journal/index.html").exists()
    path = site / "locales/es/LC_MESSAGES/journal.po"
    po = pofile.read_po(path)
    for entry in po:
        entry.msgstr = ""
    pofile.write_po(path, po)
    report = build(config)
    assert "es/journal/index.html" in report.removed
    assert not (site / "dist/es/journal/index.html").exists()
    assert not (site / "dist/es/journal").exists()  # no empty folder left: the URL is a 404
    assert snapshot(site / "dist") == snapshot(built(site))


NOT_TEXT = "\x85\x9b\ufffe\ufdd0\U0001fffe\x01"


def test_controls_and_noncharacters_of_a_translation_reach_no_output(site):
    # C1 controls (U+0085 NEXT LINE, U+009B) and noncharacters are no text in HTML, feeds or
    # books (validators flag them, screen readers may read them): left out everywhere.
    path = site / "locales/es/LC_MESSAGES/journal.po"
    po = pofile.read_po(path)
    changed = 0
    for entry in po:
        if entry.msgstr and not entry.msgid_plural:
            entry.msgstr = entry.msgstr[:3] + NOT_TEXT + entry.msgstr[3:]
            changed += 1
    assert changed > 2
    pofile.write_po(path, po)
    build(load_config(site))
    dist = site / "dist"
    files = {str(p.relative_to(dist)): p.read_bytes() for p in dist.rglob("*") if p.is_file()}
    for name, data in list(files.items()):
        if name.endswith((".zip", ".epub")):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                files.update({f"{name}:{m}": archive.read(m) for m in archive.namelist()})
    texts = {name: data.decode("utf-8") for name, data in files.items()
             if name.endswith((".html", ".xml", ".json", ".xhtml", ".opf", ".ncx", ".opml"))}
    assert any(name.startswith("es/journal/") for name in texts)
    for name, text in texts.items():
        assert not any(ch in text for ch in NOT_TEXT), name


def test_cli_build_reports_and_jobs_give_same_output(site, twp, tmp_path, monkeypatch):
    import twp_i18n.publish.planning as planning_module
    import twp_i18n.render.pages as pages_module

    monkeypatch.setattr(planning_module, "PARALLEL_READ_MIN", 0)  # catalogs read in processes too
    monkeypatch.setattr(pages_module, "PARALLEL_RENDER_MIN", 0)  # and pages rendered in them
    result = twp("--site", site, "build", "--jobs", "2")
    assert result.code == 0, result
    assert "articles published: en 2, es 2, ar 1" in result.out
    serial = tmp_path / "serial"
    assert twp("--site", site, "build", "--out", serial).code == 0
    assert snapshot(serial) == snapshot(site / "dist")


def test_status_and_build_agree_on_what_is_published(demo_site):
    from twp_i18n.catalog.status import site_status

    config = load_config(demo_site)
    report = build(config)
    for status in site_status(config):
        assert sorted(c.domain for c in status.articles if c.publishable) == \
            sorted(report.published[status.lang]), status.lang


def test_status_does_not_count_unsafe_translations(site):
    from twp_i18n.catalog.status import site_status

    config = load_config(site)
    [es] = site_status(config, languages=["es"], articles=["journal"])
    assert es.catalogs[0].publishable
    path = site / "locales/es/LC_MESSAGES/journal.po"
    po = pofile.read_po(path)
    po.find("Keeping a journal").msgstr = "<script>x</script>"
    entry = po.find("Writing things down helped. Use a file such as `journal.md`.")
    entry.msgstr = "Escribir [ayudó](javascript:x)."
    pofile.write_po(path, po)
    [es] = site_status(config, languages=["es"], articles=["journal"])
    assert es.catalogs[0].counts.translated == 4  # as msgfmt counts
    assert not es.catalogs[0].publishable
    assert "es/journal/index.html" not in {p.relative_to(site / "dist").as_posix()
                                           for p in built(site).rglob("*.html")}


def test_links_to_articles_not_published_in_the_language_lead_to_the_source(demo_site):
    config = load_config(demo_site)
    report = build(config)
    assert "finding-peer-support" not in report.published["de"]
    html = (demo_site / "dist/de/about-this-library/index.html").read_text(encoding="utf-8")
    assert 'href="../../en/finding-peer-support/index.html" hreflang="en"' in html
    assert 'href="../finding-peer-support/' not in html
    dist = demo_site / "dist"
    for page in dist.glob("*/*/index.html"):  # every relative link resolves to a built file
        for href in re.findall(r'href="(\.\.?/[^"#?]*)', page.read_text(encoding="utf-8")):
            target = (page.parent / href).resolve()
            assert target.exists() and (target.is_file() or (target / "index.html").exists()), (page, href)


def test_incremental_rebuild_equals_a_clean_build(site, tmp_path, monkeypatch):
    """Build, change one catalog, rebuild: the result is byte-identical to a fresh build,
    and only the changed language was rendered again."""
    config = load_config(site)
    update_catalogs(config)
    build(config)
    path = site / "locales/ar/LC_MESSAGES/rest-and-sleep.po"
    po = pofile.read_po(path)
    po.find("Dim lights in the evening.").msgstr = "أضواء خافتة في المساء."
    po.metadata["PO-Revision-Date"] = "2026-06-01 10:00+0000"
    pofile.write_po(path, po)
    update_catalogs(config)  # records the new date of the Arabic translation
    rendered = record_rendered_languages(monkeypatch)
    report = build(config)
    assert rendered == ["ar"]
    assert report.written and all(r.startswith(("ar/", "bundles/ar", "status/", "index.html"))
                                   or r in ("sitemap.xml", "feeds.opml", ".twp-build.json",
                                            "opds.xml", "bundles/SHA256SUMS")
                                   for r in report.written), report.written
    assert "bundles/ar.epub" in report.written and "opds.xml" in report.written
    monkeypatch.undo()
    fresh = tmp_path / "fresh"
    shutil.copytree(site, fresh, ignore=shutil.ignore_patterns("dist", ".twp"))
    build(load_config(fresh))
    assert snapshot(fresh / "dist") == snapshot(site / "dist")
    rendered = record_rendered_languages(monkeypatch)
    assert build(config).written == [] and rendered == []


def test_tampered_output_is_rendered_again(site):
    config = load_config(site)
    build(config)
    page = site / "dist/es/journal/index.html"
    page.write_text("broken", encoding="utf-8")
    report = build(config)
    assert "es/journal/index.html" in report.written
    assert "broken" not in page.read_text(encoding="utf-8")


def test_partial_build_does_not_forget_other_languages_files(site):
    config = load_config(site)
    build(config)
    build(config, languages=["ar"])
    shutil.rmtree(site / "locales/es")  # Spanish withdrawn
    report = build(config)
    assert "es/journal/index.html" in report.removed and "bundles/es.zip" in report.removed
    assert not (site / "dist/es").exists() or not list((site / "dist/es").rglob("*.html"))


def test_a_partial_build_into_an_empty_folder_links_only_what_it_built(site, tmp_path):
    # 'twp build --lang es' into a new folder: the sitemap, chooser, feeds list and the pages'
    # language links name only the languages whose pages are there, never a 404.
    out = tmp_path / "preview"
    build(load_config(site), languages=["es"], out=out)
    assert (out / "es/journal/index.html").exists() and not (out / "ar").exists()
    for name in ("sitemap.xml", "feeds.opml", "index.html", "es/journal/index.html",
                 "es/atom.xml", "es/index.html"):
        text = (out / name).read_text(encoding="utf-8")
        assert "/ar/" not in text and '"ar/' not in text and 'hreflang="ar"' not in text, name
    # over a full build whose file list is gone (an upload that skips hidden files), the
    # other languages' pages are there: they stay linked
    build(load_config(site), out=out)
    (out / ".twp-build.json").unlink()
    build(load_config(site), languages=["es"], out=out)
    assert "/ar/" in (out / "sitemap.xml").read_text(encoding="utf-8")
    # built later in full, every language is linked again
    build(load_config(site), out=out)
    assert 'hreflang="ar"' in (out / "es/journal/index.html").read_text(encoding="utf-8") \
        or 'hreflang="ar"' in (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "/ar/" in (out / "sitemap.xml").read_text(encoding="utf-8")


def test_slugs_that_would_collide_with_outputs_are_refused(make_site, twp):
    from .conftest import article

    for slug in ("rss.xml", "images", "index.html"):
        root = make_site({"content/en/x.md": article(slug=f'"{slug}"')})
        result = twp("--site", root, "build")
        assert result.code == 2 and "reserved" in result.err, result


def test_caches_survive_moving_the_site(site, tmp_path, monkeypatch):
    build(load_config(site))
    moved = tmp_path / "moved"
    shutil.copytree(site, moved)  # keeps file times, as git checkouts of CI caches do not
    rendered = record_rendered_languages(monkeypatch)
    assert build(load_config(moved)).written == [] and rendered == []


def test_build_after_status_still_refuses_a_translation_made_unsafe_since(site):
    """Check verdicts remembered by status are keyed by the texts: an entry edited
    afterwards is checked again, in status and in build."""
    from twp_i18n.catalog.status import site_status

    config = load_config(site)
    site_status(config, languages=["es"])
    assert (site / ".twp/cache/verdicts.json").is_file()
    built(site)
    path = site / "locales/es/LC_MESSAGES/journal.po"
    po = pofile.read_po(path)
    po.find("Writing things down helped. Use a file such as `journal.md`.").msgstr = \
        "Escribir [ayudó](javascript:alert(1)). Usa `journal.md`."
    pofile.write_po(path, po)
    [es] = site_status(config, languages=["es"], articles=["journal"])
    assert es.catalogs[0].counts.untranslated_words > 0
    report = build(config)
    assert any(w.code == "check-error-shown" and "journal.po:" in str(w) for w in report.warnings)
    assert "journal" not in report.published["es"]  # too little left translated to publish
    assert not (site / "dist/es/journal/index.html").exists()


def test_one_parse_localized_into_several_languages_keeps_them_apart(site):
    """An article is parsed once and localized into every language: a translation
    (alt text included) must never leak into the rendering of another language."""
    from twp_i18n.catalog.catalogs import load_catalog
    from twp_i18n.render.localize import catalog_view, localize, parse_source
    from twp_i18n.source.content import load_articles

    config = load_config(site)
    [journal] = [a for a in load_articles(config) if a.slug == "journal"]
    source = parse_source(journal)
    view = catalog_view(load_catalog(config, "es", "journal"), "es/journal.po")
    spanish = localize(journal, "es", "en", view, source)
    english = localize(journal, "en", "en", None, source)
    spanish_again = localize(journal, "es", "en", view, source)
    assert 'alt="Un cuaderno junto a una taza de té"' in spanish.html
    assert 'alt="A notebook beside a cup of tea"' in english.html
    assert "Escribir" in spanish.html and "Escribir" not in english.html
    assert spanish_again.html == spanish.html
    assert english.html == localize(journal, "en", "en", None).html  # same as a fresh parse


BIDI = {"Rest and sleep": "\u202eDescanso y sue\u00f1o",                      # the title
        "What members noticed about rest while reducing.":                # the summary
            "Lo que \u2067notaron\u2069 los miembros sobre el descanso.",
        "Sleep came back slowly, one night at a time.":
            "El sue\u00f1o volvi\u00f3 \u202adespacio\u202c, una noche cada vez.",
        "Minimal Library": "Biblioteca \u202dm\u00ednima"}                # the site title


def test_bidi_controls_of_a_translation_reach_no_output(site):
    for domain in ("rest-and-sleep", "site"):
        path = site / f"locales/es/LC_MESSAGES/{domain}.po"
        po = pofile.read_po(path)
        for entry in po:
            if entry.msgid in BIDI and not entry.msgctxt:
                entry.msgstr = BIDI[entry.msgid]
        pofile.write_po(path, po)
    config = site / "twp.toml"
    config.write_text(config.read_text().replace("min_percent = 70", "min_percent = 10"))
    report = build(load_config(site))
    assert sum("rest-and-sleep.po:" in str(w) or "site.po:" in str(w) for w in report.warnings) >= 3
    dist = site / "dist"
    page = (dist / "es/rest-and-sleep/index.html").read_text(encoding="utf-8")
    assert "<title>Rest and sleep" in page and re.search(r"<h1[^>]*>Rest and sleep</h1>", page)
    assert "Sleep came back slowly" in page and "Luces tenues" in page  # others translated
    controls = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
    forms = [form for char in controls
             for form in (char, f"\\u{ord(char):04x}", f"&#{ord(char)};", f"&#x{ord(char):x};")]

    def leaks(name: str, data: bytes) -> list[str]:
        text = data.decode("utf-8", "replace").lower()
        return [f"{name}: {form!r}" for form in forms if form.lower() in text]

    found = []
    outputs = [p for p in dist.rglob("*") if p.is_file()]
    assert any(p.suffix == ".zip" for p in outputs) and any(p.name == "feed.json" for p in outputs)
    for path in outputs:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    found += leaks(f"{path.name}/{name}", archive.read(name))
        else:
            found += leaks(str(path.relative_to(dist)), path.read_bytes())
    assert found == []


def test_control_characters_in_article_text_never_reach_a_page(make_site, twp):
    """C0 controls (BEL, backspace, form feed...) are not text: HTML forbids them and XHTML
    books cannot hold them.  They are dropped from every rendered body."""
    from .conftest import MINIMAL_CONFIG

    root = make_site({"content/en/bell.md": '---\ntitle: "Bell"\ndate: 2026-01-05\n---\n\n'
                      "Ring\x07 the\x08 bell\x0c now\x1b[31m.\n"},
                     config=MINIMAL_CONFIG + "[publish]\nmin_percent = 0\n")
    for args in (["extract"], ["update"]):
        result = twp("--site", root, "--quiet", *args)
        assert result.code == 0, result
    po = root / "locales" / "es" / "LC_MESSAGES" / "bell.po"
    po.write_text(po.read_text(encoding="utf-8").replace(
        'msgid "Bell"\nmsgstr ""', 'msgid "Bell"\nmsgstr "Campana\\a\\b"'), encoding="utf-8")
    result = twp("--site", root, "--quiet", "build")
    assert result.code == 0, result
    page = (root / "dist" / "en" / "bell" / "index.html").read_text(encoding="utf-8")
    assert "Ring the bell now[31m." in page
    assert "<h1>Campana</h1>" in (root / "dist" / "es" / "bell" / "index.html").read_text(encoding="utf-8")
    for path in (root / "dist").rglob("*"):
        if path.suffix in (".html", ".xml", ".json"):
            data = path.read_text(encoding="utf-8")
            assert not any(ch in data for ch in "\x07\x08\x0c\x1b"), path


def test_status_and_build_agree_on_catalogs_not_updated_since_the_articles_changed(demo_site):
    """Both weigh the article's units as its template lists them: a paragraph added since
    the last ``update`` counts as untranslated, an entry whose paragraph is gone counts for
    nothing (the catalogs keep both until ``update``)."""
    from twp_i18n.catalog.extract import extract
    from twp_i18n.catalog.status import site_status

    config = load_config(demo_site)
    before = {s.lang: {c.domain: c.counts.percent for c in s.articles} for s in site_status(config)}
    values = demo_site / "content/en/our-values.md"
    values.write_text(values.read_text(encoding="utf-8") + "".join(
        f"\nA new paragraph number {n} about sharing what we learn, written after the "
        "last update of the catalogs.\n" for n in range(12)), encoding="utf-8")
    support = demo_site / "content/en/finding-peer-support.md"
    paragraphs = support.read_text(encoding="utf-8").split("\n\n")
    support.write_text("\n\n".join(paragraphs[:3]) + "\n", encoding="utf-8")
    extract(config)
    report = build(config)
    statuses = site_status(config)
    after = {s.lang: {c.domain: c.counts.percent for c in s.articles} for s in statuses}
    assert any(after[lang]["our-values"] < before[lang]["our-values"] for lang in after)
    assert any(after[lang]["finding-peer-support"] != before[lang]["finding-peer-support"]
               for lang in after)
    for status in statuses:
        assert sorted(c.domain for c in status.articles if c.publishable) == \
            sorted(report.published[status.lang]), status.lang


_DIR_LINK_AS_BEFORE = re.compile(r'\b(href)="((?![a-z][a-z0-9+.-]*:|/|#)[^"?#]*/)([?#][^"]*)?"')


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(['href="', 'xhref="', 'é_href="', ' ', '"', "a", "../", "/",
                                 "#", "?", "b:", "é", "<a ", ">"]), max_size=30).map("".join))
def test_directory_links_get_index_html_exactly_as_the_word_bounded_rule_says(text: str) -> None:
    from twp_i18n.render.pages import _in_tag, disk_friendly_links

    # (only inside a tag: text that looks like an attribute stays; see the bundle test)
    expected = _DIR_LINK_AS_BEFORE.sub(
        lambda m: f'{m.group(1)}="{m.group(2)}index.html{m.group(3) or ""}"'
        if _in_tag(text, m.start()) else m.group(0), text)
    assert disk_friendly_links(text) == expected
