"""Translated articles made outside twp, read into blocks for ``twp import``.

A volunteer's Markdown file (front matter optional), a saved HTML page, or a page or
node fetched from the live site: each becomes a :class:`TranslatedDocument`, its
title and summary, its declared language, the hints naming its English article, and
its body cut into blocks by the very walk that cuts English articles into units
(:func:`~twp_i18n.source.segments.translatable_blocks`), so a block's kind means what
a unit's kind means.

HTML goes through the fetch's converter (:func:`~twp_i18n.source.htmlmd.html_to_markdown`):
scripts, styles, forms and widgets are dropped before anything is read.  A file over
``[limits] max_article_bytes`` is refused before it is read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bs4 import Tag

from ..config import ContentConfig, LimitsConfig
from ..errors import ContentError
from ..languages import bcp47_tag
from .content import front_matter
from .htmlmd import ConversionError, html_to_markdown, html_to_text, parse_html
from .segments import block_text, has_words, markdown, translatable_blocks

__all__ = [
    "TRANSLATED_SUFFIXES",
    "Block",
    "TranslatedDocument",
    "declared_language_matches",
    "fragment_translation",
    "parse_html_translation",
    "parse_markdown_translation",
    "read_translation",
]

MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
TRANSLATED_SUFFIXES = MARKDOWN_SUFFIXES + HTML_SUFFIXES

_LANG_KEYS = ("lang", "language", "locale")
_TARGET_KEYS = ("translation_of", "slug")


@dataclass(frozen=True)
class Block:
    """One block of a translated body: its kind (as a unit's), its Markdown, its line."""

    kind: str
    text: str
    line: int


@dataclass(frozen=True)
class TranslatedDocument:
    """A translated article, as read."""

    origin: str
    """Where it came from: a path relative to the site (or as given) or a URL."""
    title: str | None
    summary: str | None
    blocks: tuple[Block, ...]
    lang: str | None = None
    """The language it declares (front matter ``lang``, HTML ``lang``), if any."""
    translation_of: str | None = None
    """The English article's slug as the document names it (``translation_of:``)."""
    slug: str | None = None
    """Its own ``slug:`` front-matter value (often the English one)."""


def declared_language_matches(declared: str, lang: str) -> bool:
    """Whether a declared language tag can be ``lang``: the same tag, or one of them a
    more precise form of the other (``es-ES`` for ``es``).

    >>> declared_language_matches("es-ES", "es"), declared_language_matches("pt-PT", "pt_BR")
    (True, False)
    """
    one, other = bcp47_tag(declared.strip()).lower(), bcp47_tag(lang).lower()
    return one == other or one.startswith(other + "-") or other.startswith(one + "-")


def read_translation(path: Path, shown: str, limits: LimitsConfig,
                     content: ContentConfig | None = None) -> TranslatedDocument:
    """Read one translated file (Markdown or HTML, by its suffix); one larger than
    ``limits.max_article_bytes`` is refused before it is read."""
    bound = limits.max_article_bytes
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > bound:
                raise ContentError(f"the file is {size} bytes, over the bound of {bound} bytes; "
                                   "not read", path=shown,
                                   hint="split it, or raise [limits] max_article_bytes in twp.toml")
            raw = handle.read(bound + 1)
    except OSError as exc:
        raise ContentError(f"cannot read: {exc.strerror or exc}", path=shown) from exc
    if len(raw) > bound:
        raise ContentError(f"the file grew over the bound of {bound} bytes while read",
                           path=shown)
    if path.suffix.lower() in HTML_SUFFIXES:
        return parse_html_translation(raw, shown, limits)
    return parse_markdown_translation(raw, shown, limits, content)


def _decode(raw: bytes, shown: str) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ContentError("not valid UTF-8", path=shown, line=raw[:exc.start].count(b"\n") + 1,
                           hint="save the file as UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_markdown_translation(raw: bytes, shown: str, limits: LimitsConfig,
                               content: ContentConfig | None = None) -> TranslatedDocument:
    """A translated Markdown file: front matter (optional) and body."""
    text = _decode(raw, shown)
    meta: dict[str, Any] = {}
    body, body_line = text, 1
    lines = text.split("\n")
    if lines and lines[0].rstrip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
        if end is None:
            raise ContentError("front matter is not closed", path=shown, line=1,
                               hint="end the front matter with a line holding only '---'")
        meta = front_matter("\n".join(lines[1:end]), shown)
        body, body_line = "\n".join(lines[end + 1:]), end + 2
    fields = (content or ContentConfig()).front_matter
    return TranslatedDocument(
        origin=shown,
        title=_field(meta, fields.get("title", ("title",))),
        summary=_field(meta, fields.get("summary", ("summary",))),
        blocks=tuple(markdown_blocks(body, body_line, shown, limits)),
        lang=_field(meta, _LANG_KEYS),
        translation_of=_field(meta, ("translation_of",)),
        slug=_field(meta, ("slug",)),
    )


def _field(meta: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = meta.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
            return " ".join(str(value).split()) if key != "summary" else str(value).strip()
    return None


def markdown_blocks(body: str, body_line: int, shown: str, limits: LimitsConfig) -> list[Block]:
    """The blocks of a Markdown body, in document order, as units are cut."""
    if "\x04" in body:
        raise ContentError("contains the control character U+0004", path=shown,
                           hint="delete the invisible character")
    tokens = markdown().parse(body)
    deepest = max((token.level for token in tokens), default=0)
    if deepest > 2 * min(limits.max_nesting, 100) + 2:
        raise ContentError(f"lists and block quotes nested deeper than the bound of "
                           f"{limits.max_nesting}", path=shown,
                           hint="flatten the structure, or raise [limits] max_nesting in twp.toml")
    blocks = []
    for token, kind in translatable_blocks(tokens):
        text = block_text(token, kind)
        if not has_words(text):
            continue
        line = body_line + (token.map[0] if token.map else 0)
        if len(text.encode("utf-8")) > limits.max_entry_bytes:
            raise ContentError(f"this {kind} is over the bound of {limits.max_entry_bytes} bytes "
                               "for one translation unit", path=shown, line=line,
                               hint="raise [limits] max_entry_bytes in twp.toml")
        blocks.append(Block(kind, text, line))
    return blocks


_BODY_GUESSES = ("article", "main", "[role=main]", "body")


def parse_html_translation(raw: bytes | str, shown: str, limits: LimitsConfig, *,
                           body_selector: str | None = None, title_selector: str | None = None,
                           base_url: str | None = None) -> TranslatedDocument:
    """A translated HTML page: the title (``title_selector``, else the body's first
    ``<h1>``, else ``<title>``), the ``lang`` of ``<html>``, the description, and the body
    (``body_selector``, else ``<article>``, ``<main>`` or ``<body>``) as blocks."""
    if len(raw) > limits.max_article_bytes:
        raise ContentError(f"the page is over the bound of {limits.max_article_bytes} bytes",
                           path=shown, hint="raise [limits] max_article_bytes in twp.toml")
    soup = parse_html(raw)
    html_el = soup.find("html")
    lang = html_el.get("lang") if isinstance(html_el, Tag) else None
    description = soup.find("meta", attrs={"name": "description"})
    summary = description.get("content") if isinstance(description, Tag) else None
    page_title = soup.find("title")
    body_el = None
    for selector in ([body_selector] if body_selector else list(_BODY_GUESSES)):
        body_el = soup.select_one(selector)
        if body_el is not None:
            break
    if body_el is None:
        raise ContentError(f"no body found{f' (selector {body_selector!r})' if body_selector else ''}",
                           path=shown, hint="check [fetch] body_selector")
    title_el = soup.select_one(title_selector) if title_selector else body_el.find("h1")
    title = html_to_text(title_el) if isinstance(title_el, Tag) else None
    if isinstance(title_el, Tag) and any(parent is body_el for parent in title_el.parents):
        title_el.extract()
    if not title and isinstance(page_title, Tag):
        title = html_to_text(page_title.get_text()) or None
    try:
        body = html_to_markdown(body_el, base_url)
    except ConversionError as exc:
        raise ContentError(str(exc), path=shown) from None
    return TranslatedDocument(
        origin=shown, title=title or None,
        summary=" ".join(str(summary).split()) or None if isinstance(summary, str) else None,
        blocks=tuple(markdown_blocks(body, 1, shown, limits)),
        lang=str(lang).strip() or None if isinstance(lang, str) else None,
    )


def fragment_translation(origin: str, title: str, summary_html: str, body_html: str,
                         lang: str | None, limits: LimitsConfig) -> TranslatedDocument:
    """A translation that came as fields (a CMS's API): plain title, HTML summary and body."""
    if len(body_html) > limits.max_article_bytes:
        raise ContentError(f"the body is over the bound of {limits.max_article_bytes} bytes",
                           path=origin, hint="raise [limits] max_article_bytes in twp.toml")
    try:
        body = html_to_markdown(body_html, origin)
    except ConversionError as exc:
        raise ContentError(str(exc), path=origin) from None
    return TranslatedDocument(origin=origin, title=" ".join(title.split()) or None,
                              summary=html_to_text(summary_html) or None,
                              blocks=tuple(markdown_blocks(body, 1, origin, limits)), lang=lang)
