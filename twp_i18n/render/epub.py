"""Offline books: one EPUB 3 per language (with an EPUB 2 NCX for older readers).

The book is written here with :mod:`zipfile` and lxml rather than with ebooklib,
whose writer reads the clock twice: ``dcterms:modified`` defaults to
``datetime.now()``, and every entry goes in through ``ZipFile.writestr(name, ...)``,
which dates it with the current local time.  A book is a handful of small XML
files in a zip; written here, the same input gives the same bytes: ``mimetype``
first and stored, every entry dated 1980-01-01 like the zip bundles, a fixed
order, and ``dcterms:modified`` from the content (the latest date any feed entry
of the language carries).

A chapter is the article's HTML exactly as its page shows it (sanitized,
untranslated parts marked with ``lang``), converted to XHTML: elements HTML does
not define are unwrapped, attribute values XHTML would refuse are dropped, and
each link is pointed inside the book when it leads to one of its articles, and
at the web (an absolute URL) otherwise.  Images under ``content/images/`` that a
chapter shows travel with the book; other images become their alt text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urljoin, urlsplit

from jinja2 import Environment
from lxml import etree
from markupsafe import Markup

from ..errors import NOT_TEXT, TemplateError
from ..languages import bcp47_tag, native_name, text_direction
from ..machinery.deflate import Packed, pack
from ..machinery.deflate import write as write_packed
from ..paths import THEME_STATIC
from ..source.attrlists import valid_id
from .feeds import is_valid_bcp47
from .localize import date_text, render_template

if TYPE_CHECKING:
    from ..config import Config
    from ..source.content import Article
    from .localize import Localized, Translations

__all__ = ["BookLinks", "Chapter", "book", "book_id", "book_links", "chapter", "chapter_file"]

TEMPLATE = "epub.html"
"""The theme template of the book's XHTML documents (overridable like the others)."""
STYLE = THEME_STATIC / "epub.css"
MEDIA_TYPE = "application/epub+zip"
ROOT = "EPUB"
"""The folder of the package document and everything it lists, inside the zip."""
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

OPF_NS = "http://www.idpf.org/2007/opf"
DC_NS = "http://purl.org/dc/elements/1.1/"
NCX_NS = "http://www.daisy.org/z3986/2005/ncx/"
CONTAINER_NS = "urn:oasis:names:tc:opendocument:xmlns:container"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: Image formats every reading system shows (EPUB 3.3 core media types).
IMAGE_TYPES = {".gif": "image/gif", ".jpeg": "image/jpeg", ".jpg": "image/jpeg",
               ".png": "image/png", ".svg": "image/svg+xml", ".webp": "image/webp"}

#: Elements a chapter keeps (HTML's flow and phrasing content); others are unwrapped.
ELEMENTS = frozenset({
    "a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "blockquote", "br",
    "caption", "cite", "code", "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl",
    "dt", "em", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s",
    "samp", "section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
})
#: Elements dropped with everything inside them.
_DROPPED = frozenset({"script", "style", "iframe", "object", "embed", "textarea", "template",
                      "noscript", "svg", "math", "select", "button", "form", "input", "head",
                      "title", "link", "meta", "base", "frame", "frameset", "applet", "audio",
                      "video", "source", "track", "canvas", "map", "area", "param"})
_INVALID_XML = re.compile(f"{NOT_TEXT.pattern[:-1]}\ud800-\udfff]")  # and surrogates
_TABLE_ALIGN = re.compile(r"^text-align:(left|right|center)$")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Our own XHTML, from bounded inputs: an article near the size bound may hold a text node
# over libxml2's 10 MB default once escaped, so that limit is lifted (no entities, no DTD).
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                              huge_tree=True)


def _clean(text: str | None) -> str | None:
    """Text without the characters XML 1.0 cannot carry."""
    return None if text is None else _INVALID_XML.sub("", text)


def chapter_file(index: int) -> str:
    """The file of the ``index``-th article (0-based) in the book."""
    return f"chapter-{index + 1}.xhtml"


def book_id(base_url: str, lang_tag: str) -> str:
    """The book's ``dc:identifier``: the same for a site and language forever.

    >>> book_id("https://demo.example.org/", "es")
    'urn:uuid:9c0f2979-eae7-56f3-82de-09846af54240'
    """
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, base_url + lang_tag)}"


def _uri(url: str) -> str:
    """``url`` as a URI: non-ASCII and spaces percent-encoded, a stray ``%`` escaped."""
    return quote(_BAD_PERCENT.sub("%25", url), safe=":/?#[]@!$&'()*+,;=-._~%")


@dataclass
class BookLinks:
    """Where the links of one language's chapters lead: into the book or to the web."""

    lang_root: str
    """Absolute URL of the language's directory on the web (``https://site/es/``)."""
    chapters: dict[str, str]
    """Slug of every article in the book -> its file in the book."""
    images_dir: Path
    _images: dict[str, bool] = field(default_factory=dict)
    _root: tuple[str, str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        root = urlsplit(self.lang_root)
        self._root = (root.scheme, root.netloc, root.path)

    def page_url(self, slug: str) -> str:
        return f"{self.lang_root}{quote(slug)}/"

    def _inside(self, url: str) -> str | None:
        """The path below the language's directory of a URL on this site, if it is one."""
        parts = urlsplit(url)
        scheme, netloc, path = self._root
        if parts.query or parts.scheme != scheme or parts.netloc != netloc \
                or not parts.path.startswith(path):
            return None
        return unquote(parts.path[len(path):])

    def href(self, value: str, page: str) -> str | None:
        """Where a link of the chapter whose web page is ``page`` leads in the book;
        None when it leads nowhere there (a fragment of the chapter itself, which the
        book's documents, carrying no ids, cannot resolve)."""
        value = value.strip()
        if not value:
            return None
        if value.lower().startswith("mailto:"):
            return _uri(value)
        try:
            absolute = urljoin(page, value)
            parts = urlsplit(absolute)
        except ValueError:
            return None
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return None
        bare = absolute.split("#", 1)[0]
        rest = self._inside(bare)
        if rest is not None:
            for end in ("/index.html", "/"):
                slug = rest[:-len(end)] if rest.endswith(end) else None
                if slug in self.chapters:
                    if bare == page and parts.fragment:
                        return None  # #fragment of this very chapter: no ids to land on
                    return self.chapters[slug]  # fragments dropped: no ids in the book
        return _uri(absolute)

    def image(self, value: str, page: str) -> str | None:
        """The path under ``content/images/`` of an image the book can carry, else None."""
        try:
            rest = self._inside(urljoin(page, value.strip()).split("#", 1)[0])
        except ValueError:
            return None
        if rest is None or not rest.startswith("images/"):
            return None
        rel = rest[len("images/"):]
        known = self._images.get(rel)
        if known is None:
            known = False
            parts = PurePosixPath(rel).parts
            if rel and "\\" not in rel and ".." not in parts and not rel.startswith("/") \
                    and PurePosixPath(rel).suffix.lower() in IMAGE_TYPES:
                path = self.images_dir.joinpath(*parts)
                try:
                    known = path.is_file() and path.resolve().is_relative_to(self.images_dir.resolve())
                except OSError:
                    known = False
            self._images[rel] = known
        return rel if known else None


def book_links(config: Config, published: list[Article], lang_dir: str) -> BookLinks:
    """The links of the book of a language whose articles are ``published`` (in order)."""
    return BookLinks(f"{config.base_url}{lang_dir}/",
                     {article.slug: chapter_file(i) for i, article in enumerate(published)},
                     config.content_dir / "images")


def image_name(rel: str) -> str:
    """The file in the book of ``content/images/<rel>``: its own name when it is plain
    ASCII, else a digest of it (OCF file names must travel across every system)."""
    path = PurePosixPath(rel)
    if all(_PLAIN_NAME.fullmatch(part) for part in path.parts):
        return f"images/{rel}"
    digest = hashlib.sha256(rel.encode("utf-8")).hexdigest()[:16]
    return f"images/{digest}{path.suffix.lower()}"


@dataclass
class Chapter:
    """One article in one language, as a document of its language's book."""

    slug: str
    file: str
    title: str
    packed: Packed
    """The XHTML document deflated as the book's zip has it (made where the chapter is, in
    parallel): every chapter of every language waits in memory until its book is made, and
    text shrinks about four times."""
    images: tuple[str, ...]
    """Paths under ``content/images/`` the chapter shows."""
    updated: dt.datetime
    """When the article last changed in this language (as its feed entry says)."""


def _attributes(tag: str, element: Any, links: BookLinks, page: str,
                ids: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """The attributes a chapter element keeps, with values XHTML accepts (``ids``: those
    of the chapter's elements, which a link ``#id`` of the chapter may lead to)."""
    kept = _common_attributes(element, ids)
    if tag == "a":
        raw = (element.get("href") or "").strip()
        href = raw if raw[1:] in ids and raw.startswith("#") else links.href(raw, page)
        if href is not None:
            kept.append(("href", href))
            hreflang = (element.get("hreflang") or "").strip()
            if is_valid_bcp47(hreflang):
                kept.append(("hreflang", hreflang))
    elif tag == "ol":
        start = (element.get("start") or "").strip()
        if re.fullmatch(r"-?[0-9]{1,9}", start):
            kept.append(("start", start))
    elif tag in ("th", "td"):
        style = (element.get("style") or "").strip()
        if _TABLE_ALIGN.match(style):
            kept.append(("style", style))
    elif tag == "img":  # one the book carries (see to_xhtml)
        rel = links.image(element.get("src") or "", page) or ""
        kept = [("src", _uri(image_name(rel))), ("alt", element.get("alt") or ""), *kept]
        for name in ("width", "height"):
            value = (element.get(name) or "").strip()
            if re.fullmatch(r"[0-9]{1,6}", value):
                kept.append((name, value))
    return kept


def _common_attributes(element: Any, ids: frozenset[str] = frozenset()
                       ) -> list[tuple[str, str]]:
    """The attributes any chapter element keeps: id (one of ``ids``), language, direction,
    class, title."""
    kept: list[tuple[str, str]] = []
    ident = element.get("id")
    if ident is not None and ident in ids:
        kept.append(("id", ident))
    lang = element.get("lang")
    if lang is not None:
        lang = lang.strip()
        if lang == "" or is_valid_bcp47(lang):
            kept += [("lang", lang), (XML_LANG, lang)]
    direction = (element.get("dir") or "").strip().lower()
    if direction in ("ltr", "rtl", "auto"):
        kept.append(("dir", direction))
    classes = " ".join((element.get("class") or "").split())
    if classes:
        kept.append(("class", classes))
    title = element.get("title")
    if title is not None:
        kept.append(("title", title))
    return kept


def _join_text(parent: Any, previous: Any | None, text: str) -> None:
    """Add ``text`` after ``previous`` (a child of ``parent``), or first in ``parent``."""
    if previous is None:
        parent.text = (parent.text or "") + text
    else:
        previous.tail = (previous.tail or "") + text


def _drop_tree(element: Any) -> None:
    """Remove ``element`` with its content, keeping the text after it."""
    parent = element.getparent()
    if element.tail:
        _join_text(parent, element.getprevious(), element.tail)
    parent.remove(element)


def _drop_tag(element: Any) -> None:
    """Remove ``element`` but not its content: its text and children take its place."""
    parent = element.getparent()
    previous = element.getprevious()
    if element.text:
        _join_text(parent, previous, element.text)
    if element.tail:
        if len(element):
            last = element[-1]
            last.tail = (last.tail or "") + element.tail
        else:
            _join_text(parent, previous, element.tail)
    index = parent.index(element)
    parent[index:index + 1] = element[:]


_HTML_PARSER = etree.HTMLParser()
"""Plain elements (lxml.html's classes cost a call into Python for every element)."""
_FULL_HTML = re.compile(r"^\s*<(?:html|!doctype)", re.IGNORECASE)


def _fragment(html_text: str) -> Any:
    """``html_text`` parsed as HTML, inside a ``div`` (as lxml.html's ``fragment_fromstring``
    with ``create_parent="div"`` makes it: text before the first element kept unless it is
    only white space)."""
    if not _FULL_HTML.match(html_text):
        html_text = f"<html><body>{html_text}</body></html>"
    root = etree.Element("div")
    document = etree.fromstring(html_text, _HTML_PARSER)
    body = document.find("body") if document is not None else None
    if body is not None:
        if body.text and body.text.strip():
            root.text = body.text
        root.extend(body)
    return root


def _replace(element: Any, new: Any | None) -> None:
    """Put ``new`` (or nothing) where ``element`` is, keeping the text after it."""
    if new is None:
        _drop_tree(element)
        return
    new.tail = element.tail
    element.tail = None
    element.getparent().replace(element, new)


_XML_REFERENCE = re.compile(r"&#(?:[xX]([0-9A-Fa-f]+)|([0-9]+));")


def _xml_safe(text: str) -> str:
    """``text`` without characters, or references to characters, that XML 1.0 forbids."""
    def keep(match: re.Match[str]) -> str:
        code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
        if code > 0x10FFFF or _INVALID_XML.match(chr(code)):
            return ""
        return match.group(0)

    return _XML_REFERENCE.sub(keep, _INVALID_XML.sub("", text))


def _chapter_ids(root: Any) -> frozenset[str]:
    """The ids the chapter keeps: once each, on elements it keeps (kramdown sites' pages
    have ids, other pages none)."""
    seen: dict[str, int] = {}
    for element in root.xpath(".//*[@id]"):
        ident = element.get("id")
        if element.tag.lower() in ELEMENTS and valid_id(ident):
            seen[ident] = seen.get(ident, 0) + 1
    return frozenset(ident for ident, count in seen.items() if count == 1)


def to_xhtml(html_text: str, links: BookLinks, page: str) -> tuple[str, set[str]]:
    """Sanitized page HTML as XHTML for a chapter, and the images it shows.

    The HTML is parsed once and fixed in place: unknown elements are unwrapped,
    elements that run or embed something are dropped with their content, attributes
    are filtered, links and images pointed inside the book or at the web.

    >>> links = BookLinks("https://e.org/es/", {"a": "chapter-1.xhtml"}, Path("/nowhere"))
    >>> to_xhtml('<p lang="en" class="untranslated">See <a href="../a/#x">a</a>'
    ...          '<br><a href="../../en/b/">b</a></p>', links, "https://e.org/es/c/")[0]
    '<p lang="en" xml:lang="en" class="untranslated">See <a href="chapter-1.xhtml">a</a><br/><a href="https://e.org/en/b/">b</a></p>'
    """
    images: set[str] = set()
    html_text = _INVALID_XML.sub("", html_text)
    if not html_text.strip():
        return "", images
    root = _fragment(html_text)
    ids = _chapter_ids(root)
    for element in list(root.iterdescendants()):
        tag = element.tag
        if not isinstance(tag, str):  # a comment or processing instruction
            _replace(element, None)
            continue
        tag = tag.lower()
        if tag in _DROPPED:
            _replace(element, None)
            continue
        if tag not in ELEMENTS:
            _drop_tag(element)  # unknown element: its content stays
            continue
        if element.tag != tag:
            element.tag = tag
        if tag == "img":
            rel = links.image(element.get("src") or "", page)
            if rel is None:  # not one of the site's images: the book shows its alt text
                alt = (element.get("alt") or "").strip()
                span = None
                if alt:
                    span = etree.Element("span", {"class": "image-alt"})
                    span.text = element.get("alt")
                _replace(element, span)
                continue
            images.add(rel)
        if element.attrib:
            kept = _attributes(tag, element, links, page, ids)
            element.attrib.clear()
            for name, value in kept:
                element.set(name, value)
    body = etree.tostring(root, encoding="unicode", method="xml")
    body = body.removeprefix("<div>").removesuffix("</div>")
    return ("" if body == "<div/>" else _xml_safe(body)), images


def _render(env: Environment, doc: str, **context: Any) -> bytes:
    """One XHTML document of the book from the theme's ``epub.html``, checked well-formed."""
    data = render_template(env, TEMPLATE, doc=doc, **context).encode("utf-8")
    try:
        etree.fromstring(data, _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise TemplateError(f"the book's {doc} is not well-formed XHTML: {exc.msg}",
                            path=TEMPLATE, line=exc.lineno,
                            hint="the template must give XML: close every element, no HTML "
                                 "entities such as &nbsp;") from None
    return data


def _book_context(lang: str, title: str) -> dict[str, Any]:
    tag = bcp47_tag(lang)
    return {"lang_tag": tag, "dir": text_direction(lang), "title": title, "css": "epub.css"}


def chapter(env: Environment, links: BookLinks, loc: Localized, site_title: str,
            dates: tuple[dt.datetime, dt.datetime], help_href: str) -> Chapter:
    """One article's chapter: its title, dates, notice and body as its page shows them.

    ``dates`` are the article's ``(published, updated)`` in the chapter's language, as its
    feed entry has them; ``help_href`` is the notice's link as the page has it (relative
    to the page).
    """
    article = loc.article
    page = links.page_url(article.slug)
    body, images = to_xhtml(loc.html, links, page)
    published, updated = dates
    shown = updated if updated.date() != published.date() else None  # as the page has it
    data = {
        "title": _clean(loc.title), "body": Markup(body), "untranslated": loc.untranslated_units,
        "date_iso": published.date().isoformat(), "date_text": date_text(published, loc.lang),
        "updated_iso": shown.date().isoformat() if shown else None,
        "updated_text": date_text(shown, loc.lang) if shown else None,
        "help_url": links.href(help_href, page) or links.lang_root,
        "title_lang": loc.title_lang,  # shown untranslated: its language, and its direction
        "fallback_dir": (text_direction(loc.title_lang) if loc.title_lang and
                         text_direction(loc.title_lang) != text_direction(loc.lang) else None),
    }
    xhtml = _render(env, "chapter", book=_book_context(loc.lang, site_title), article=data)
    return Chapter(article.slug, links.chapters[article.slug], _clean(loc.title) or article.slug,
                   pack(xhtml), tuple(sorted(images)), updated)


def modified(chapters: Iterable[Chapter]) -> dt.datetime:
    """``dcterms:modified`` of a book: when its latest chapter changed, in UTC."""
    return max(c.updated for c in chapters).astimezone(dt.UTC)


def book(env: Environment, translations: Translations, config: Config, lang: str, lang_dir: str,
         chapters: list[Chapter], images: dict[str, bytes]) -> bytes:
    """The EPUB of one language (whose pages are under ``lang_dir/``) from its chapters,
    in reading order; ``images`` are the site's images by path under ``content/images/``.
    """
    tag = bcp47_tag(lang)
    direction = text_direction(lang)
    title = _clean(translations.text(config.title)) or config.title
    identifier = book_id(config.base_url, tag)
    changed = modified(chapters)
    context = _book_context(lang, title)
    context.update({
        "language_name": native_name(lang),
        "modified_text": date_text(changed, lang),
        "modified_iso": changed.date().isoformat(),
        "toc": [{"href": c.file, "title": c.title} for c in chapters],
        "home_url": f"{config.base_url}{lang_dir}/",
        "rights": None, "rights_lang": None, "rights_dir": None,
    })
    if config.feeds.rights:
        context["rights"], context["rights_lang"] = translations.text_lang(config.feeds.rights)
        source_dir = text_direction(config.source_language)
        if context["rights_lang"] and source_dir != direction:  # as the page footer has it
            context["rights_dir"] = source_dir
    documents = {
        "cover.xhtml": _render(env, "cover", book=context, article=None),
        "nav.xhtml": _render(env, "nav", book=context, article=None),
        "about.xhtml": _render(env, "about", book=context, article=None),
    }
    used = sorted({rel for c in chapters for rel in c.images if rel in images})
    members: dict[str, bytes | Chapter] = {f"{ROOT}/{name}": data for name, data in documents.items()}
    for item in chapters:  # written as packed in the workers (deflated, with CRC and size)
        members[f"{ROOT}/{item.file}"] = item
    members[f"{ROOT}/epub.css"] = STYLE.read_bytes()
    for rel in used:
        members[f"{ROOT}/{image_name(rel)}"] = images[rel]
    contents = [(c.file, c.title) for c in chapters]
    contents.append(("about.xhtml", translations.text("About this book")))
    members[f"{ROOT}/toc.ncx"] = _ncx(identifier, tag, direction, title, contents)
    members[f"{ROOT}/package.opf"] = _package(config, identifier, tag, direction, title, changed,
                                              [c.file for c in chapters], used,
                                              context.get("rights"), context.get("rights_lang"))
    return _ocf(members)


def _xml(root: Any) -> bytes:
    return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True)


def _package(config: Config, identifier: str, tag: str, direction: str, title: str,
             changed: dt.datetime, chapter_files: list[str], images: list[str],
             rights: str | None = None, rights_lang: str | None = None) -> bytes:
    """The package document: metadata, manifest and spine (cover, contents, chapters, about);
    ``rights`` in ``rights_lang`` (None: the book's language)."""
    package = etree.Element(f"{{{OPF_NS}}}package", nsmap={None: OPF_NS})
    package.set("version", "3.0")
    package.set("unique-identifier", "book-id")
    package.set(XML_LANG, tag)
    package.set("dir", direction)
    metadata = etree.SubElement(package, f"{{{OPF_NS}}}metadata", nsmap={"dc": DC_NS})
    etree.SubElement(metadata, f"{{{DC_NS}}}identifier", id="book-id").text = identifier
    etree.SubElement(metadata, f"{{{DC_NS}}}title").text = title
    etree.SubElement(metadata, f"{{{DC_NS}}}language").text = tag
    source = bcp47_tag(config.source_language)
    for name in ("creator", "publisher"):
        element = etree.SubElement(metadata, f"{{{DC_NS}}}{name}")
        element.text = config.title
        element.set(XML_LANG, source)
    if rights:
        element = etree.SubElement(metadata, f"{{{DC_NS}}}rights")
        element.text = _clean(rights)
        element.set(XML_LANG, rights_lang or tag)
    etree.SubElement(metadata, f"{{{OPF_NS}}}meta", property="dcterms:modified").text = \
        changed.strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest = etree.SubElement(package, f"{{{OPF_NS}}}manifest")
    xhtml = "application/xhtml+xml"
    items = [("cover", "cover.xhtml", xhtml, None), ("nav", "nav.xhtml", xhtml, "nav")]
    items += [(name.removesuffix(".xhtml"), name, xhtml, None) for name in chapter_files]
    items += [("about", "about.xhtml", xhtml, None),
              ("ncx", "toc.ncx", "application/x-dtbncx+xml", None),
              ("css", "epub.css", "text/css", None)]
    items += [(f"image-{i + 1}", image_name(rel), IMAGE_TYPES[PurePosixPath(rel).suffix.lower()], None)
              for i, rel in enumerate(images)]
    for item_id, href, media_type, properties in items:
        item = etree.SubElement(manifest, f"{{{OPF_NS}}}item", id=item_id, href=_uri(href))
        item.set("media-type", media_type)
        if properties:
            item.set("properties", properties)
    spine = etree.SubElement(package, f"{{{OPF_NS}}}spine", toc="ncx")
    if direction == "rtl":
        spine.set("page-progression-direction", "rtl")
    for item_id, _href, media_type, _properties in items:
        if media_type == xhtml:
            etree.SubElement(spine, f"{{{OPF_NS}}}itemref", idref=item_id)
    return _xml(package)


def _ncx(identifier: str, tag: str, direction: str, title: str,
         contents: list[tuple[str, str]]) -> bytes:
    """The EPUB 2 table of contents, for reading systems that do not read the nav document."""
    ncx = etree.Element(f"{{{NCX_NS}}}ncx", nsmap={None: NCX_NS}, version="2005-1")
    ncx.set(XML_LANG, tag)
    ncx.set("dir", direction)
    head = etree.SubElement(ncx, f"{{{NCX_NS}}}head")
    for name, content in (("dtb:uid", identifier), ("dtb:depth", "1"),
                          ("dtb:totalPageCount", "0"), ("dtb:maxPageNumber", "0")):
        etree.SubElement(head, f"{{{NCX_NS}}}meta", name=name, content=content)
    doc_title = etree.SubElement(ncx, f"{{{NCX_NS}}}docTitle")
    etree.SubElement(doc_title, f"{{{NCX_NS}}}text").text = title
    nav_map = etree.SubElement(ncx, f"{{{NCX_NS}}}navMap")
    for order, (href, label) in enumerate(contents, start=1):
        point = etree.SubElement(nav_map, f"{{{NCX_NS}}}navPoint", id=f"nav-{order}",
                                 playOrder=str(order))
        nav_label = etree.SubElement(point, f"{{{NCX_NS}}}navLabel")
        etree.SubElement(nav_label, f"{{{NCX_NS}}}text").text = label
        etree.SubElement(point, f"{{{NCX_NS}}}content", src=_uri(href))
    return _xml(ncx)


def _container() -> bytes:
    container = etree.Element(f"{{{CONTAINER_NS}}}container", nsmap={None: CONTAINER_NS},
                              version="1.0")
    rootfiles = etree.SubElement(container, f"{{{CONTAINER_NS}}}rootfiles")
    rootfile = etree.SubElement(rootfiles, f"{{{CONTAINER_NS}}}rootfile")
    rootfile.set("full-path", f"{ROOT}/package.opf")
    rootfile.set("media-type", "application/oebps-package+xml")
    return _xml(container)


def _ocf(members: dict[str, bytes | Chapter]) -> bytes:
    """The zip container: ``mimetype`` first and stored, then the container file, the
    package document and the rest in name order; fixed dates and permissions."""
    first: dict[str, bytes | Chapter] = {
        "mimetype": MEDIA_TYPE.encode("ascii"), "META-INF/container.xml": _container(),
        f"{ROOT}/package.opf": members[f"{ROOT}/package.opf"]}
    ordered = list(first.items()) + sorted(((k, v) for k, v in members.items() if k not in first),
                                           key=lambda member: member[0])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, member in ordered:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.create_system = 3
            if isinstance(member, Chapter):
                write_packed(archive, info, member.packed)
            elif name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
                archive.writestr(info, member)
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, member, compresslevel=9)
    return buffer.getvalue()
