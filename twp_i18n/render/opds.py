"""The catalog of the offline books: ``opds.xml`` and ``bundles/SHA256SUMS``.

``opds.xml`` is an OPDS 1.2 acquisition feed (Atom, RFC 4287) with one entry per
language that has a book: its title, language, identifier, ``updated`` (the
book's ``dcterms:modified``), a link to the language's pages and an open-access
acquisition link to the EPUB with its size (Atom's ``length``).  Everything in an
entry is read back from the book itself, so the catalog and the books never
disagree, whether a book was written by this build or kept from the last one.

``bundles/SHA256SUMS`` lists the digest of every language's zip bundle and book,
in ``sha256sum -c`` format.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from ..languages import bcp47_tag
from .epub import DC_NS, OPF_NS, ROOT
from .feeds import ATOM_NS, EPOCH, GENERATOR

if TYPE_CHECKING:
    from ..config import Config
    from .plan import Plan

__all__ = ["ACQUISITION", "CATALOG", "OPDS_TYPE", "BookEntry", "catalog_files", "read_book",
           "render_opds"]

CATALOG = "opds.xml"
SUMS = "bundles/SHA256SUMS"
OPDS_TYPE = "application/atom+xml;profile=opds-catalog;kind=acquisition"
ACQUISITION = "http://opds-spec.org/acquisition/open-access"
DCTERMS_NS = "http://purl.org/dc/terms/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@dataclass(frozen=True)
class BookEntry:
    """What the catalog says of one book."""

    lang_tag: str
    title: str
    identifier: str
    modified: str
    """``dcterms:modified`` (RFC 3339, UTC)."""
    url: str
    """Absolute URL of the EPUB."""
    home_url: str
    """Absolute URL of the language's index page."""
    length: int
    language_name: str
    """The language's name in itself (the entry's summary: titles may be alike)."""


def read_book(data: bytes) -> tuple[str, str, str, str] | None:
    """``(language, title, identifier, modified)`` of an EPUB this tool wrote, or None
    when it cannot be read as one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            opf = archive.read(f"{ROOT}/package.opf")
        metadata = etree.fromstring(opf, _PARSER).find(f"{{{OPF_NS}}}metadata")
    except (zipfile.BadZipFile, KeyError, OSError, etree.XMLSyntaxError, ValueError):
        return None
    if metadata is None:
        return None
    values = [metadata.findtext(f"{{{DC_NS}}}{name}") for name in ("language", "title", "identifier")]
    changed = metadata.findtext(f"{{{OPF_NS}}}meta[@property='dcterms:modified']")
    language, title, identifier = values
    if not (language and title and identifier and changed):
        return None
    return language, title, identifier, changed


def render_opds(config: Config, books: list[BookEntry]) -> bytes:
    """The OPDS 1.2 acquisition feed listing ``books`` (in that order)."""
    nsmap = {None: ATOM_NS, "dc": DCTERMS_NS, "opds": "http://opds-spec.org/2010/catalog"}
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap=nsmap)
    feed.set(XML_LANG, bcp47_tag(config.source_language))
    url = config.base_url + CATALOG

    def add(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
        element = etree.SubElement(parent, f"{{{ATOM_NS}}}{name}", attrs)
        if text is not None:
            element.text = text
        return element

    add(feed, "id", f"{config.base_url}{CATALOG}")
    add(feed, "title", config.title)
    updated = max((b.modified for b in books), default=EPOCH.strftime("%Y-%m-%dT%H:%M:%SZ"))
    add(feed, "updated", updated)
    author = add(feed, "author")
    add(author, "name", config.title)
    add(author, "uri", config.base_url)
    if config.feeds.rights:
        add(feed, "rights", config.feeds.rights)
    add(feed, "generator", GENERATOR)
    add(feed, "link", rel="self", href=url, type=OPDS_TYPE)
    add(feed, "link", rel="start", href=url, type=OPDS_TYPE)
    add(feed, "link", rel="alternate", href=config.base_url, type="text/html")
    for book in books:
        entry = add(feed, "entry")
        entry.set(XML_LANG, book.lang_tag)
        add(entry, "title", book.title)
        add(entry, "id", book.identifier)
        add(entry, "updated", book.modified)
        add(entry, "summary", book.language_name, type="text")
        etree.SubElement(entry, f"{{{DCTERMS_NS}}}language").text = book.lang_tag
        add(entry, "link", rel="alternate", href=book.home_url, type="text/html",
            hreflang=book.lang_tag)
        add(entry, "link", rel=ACQUISITION, href=book.url, type="application/epub+zip",
            hreflang=book.lang_tag, length=str(book.length))
    return etree.tostring(feed, encoding="utf-8", xml_declaration=True, pretty_print=True)


def catalog_files(config: Config, plan: Plan, output: Path,
                  files: dict[str, bytes]) -> dict[str, bytes]:
    """``opds.xml`` and ``bundles/SHA256SUMS`` for every language's book and bundle:
    those in ``files`` (made by this build) or else those already in ``output``."""
    from ..languages import native_name
    from .pages import tag_dir

    def bundle(rel: str) -> bytes | None:
        if rel in files:
            return files[rel]
        try:
            return (output / rel).read_bytes()
        except OSError:
            return None

    books: list[BookEntry] = []
    sums: list[tuple[str, str]] = []
    for lang in plan.languages:
        if not plan.published[lang]:
            continue
        base = tag_dir(lang)
        for suffix in ("zip", "epub"):
            data = bundle(f"bundles/{base}.{suffix}")
            if data is None:
                continue
            sums.append((f"{base}.{suffix}", hashlib.sha256(data).hexdigest()))
            info = read_book(data) if suffix == "epub" else None
            if info is not None:
                language, title, identifier, changed = info
                books.append(BookEntry(language, title, identifier, changed,
                                       f"{config.base_url}bundles/{base}.epub",
                                       f"{config.base_url}{base}/", len(data), native_name(lang)))
    manifest = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums))
    return {CATALOG: render_opds(config, books), SUMS: manifest.encode("utf-8")}
