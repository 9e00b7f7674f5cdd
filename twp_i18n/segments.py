"""Cutting an article into translation units, and putting translations back.

A unit is one block of text: the title, the summary, a heading, a paragraph, a
list item, a paragraph in a block quote, a table cell, or the alt text of an
image standing alone in its paragraph.  Code blocks, HTML blocks and comments
are not units.  Inline markup stays in the unit exactly as the author wrote
it; only line breaks are normalised: a soft break becomes a space and a hard
break (two trailing spaces or a backslash) becomes ``\\`` + newline.

Both directions use the same walk over markdown-it tokens
(:func:`translatable_blocks`), so a unit found by extraction is always the one
replaced when rendering.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .content import Article
from .urls import foreign_urls

#: Order of preference when one text appears in several roles: the first kind
#: keeps a plain entry, the others get a msgctxt naming their role.
ROLE_ORDER = ("paragraph", "list item", "block quote", "table cell", "table header",
              "heading", "title", "summary", "image alt text")


@dataclass(frozen=True)
class Unit:
    """One translatable block of an article."""

    text: str
    """The msgid: normalised Markdown source of the block."""
    kind: str
    """What the block is: ``title``, ``heading 2``, ``list item``, ..."""
    line: int
    """1-based line in the article's file."""

    @property
    def role(self) -> str:
        """The kind without heading level: what msgctxt distinguishes."""
        return "heading" if self.kind.startswith("heading") else self.kind


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """The one Markdown parser: CommonMark with tables, raw HTML allowed (it is sanitized later)."""
    return MarkdownIt("commonmark", {"html": True}).enable("table")


_CODE_SPAN = re.compile(r"(`+)(?:.+?)(?<!`)\1(?!`)", re.DOTALL)
_IMAGE_ONLY = re.compile(
    r"!\[(?P<alt>(?:\\.|[^\\\[\]])*)\](?P<rest>\([^\n]*\)|\[[^\]]*\])?", re.DOTALL)


def normalize_inline(content: str) -> str:
    r"""Join the source lines of a block the way translators should see them.

    >>> normalize_inline("one\ntwo  \nthree\\\nfour")
    'one two\\\nthree\\\nfour'
    >>> normalize_inline("a  b `x  y`")
    'a b `x  y`'
    """
    lines = content.split("\n")
    out: list[str] = []
    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        stripped = line.rstrip(" \t")
        if not last and (len(line) - len(stripped) >= 2 and line.endswith("  ")):
            out.append(stripped + "\\\n")
        elif not last and stripped.endswith("\\") and not stripped.endswith("\\\\"):
            out.append(stripped + "\n")
        else:
            out.append(stripped.strip(" \t") if last else stripped + " ")
    joined = "".join(part.lstrip(" \t") if i and out[i - 1].endswith("\n") else part
                     for i, part in enumerate(out))
    return _collapse_spaces(joined).strip(" ")


def _collapse_spaces(text: str) -> str:
    pieces: list[str] = []
    position = 0
    for match in _CODE_SPAN.finditer(text):
        pieces.append(re.sub(r"[ \t]+", " ", text[position:match.start()]))
        pieces.append(match.group(0))
        position = match.end()
    pieces.append(re.sub(r"[ \t]+", " ", text[position:]))
    return "".join(pieces)


def has_words(text: str) -> bool:
    """True when ``text`` holds at least one letter: a unit worth translating."""
    return any(unicodedata.category(ch).startswith("L") for ch in text)


def image_alt(token: Token) -> re.Match[str] | None:
    """If the inline ``token`` is one image and nothing else, the match of its source."""
    children = [c for c in token.children or [] if not (c.type == "text" and not c.content.strip())]
    if len(children) != 1 or children[0].type != "image":
        return None
    return _IMAGE_ONLY.fullmatch(token.content.strip())


def translatable_blocks(tokens: list[Token]) -> Iterator[tuple[Token, str]]:
    """Yield ``(inline token, kind)`` for every translatable block, in document order."""
    containers: list[str] = []
    heading: str | None = None
    cell: str | None = None
    for token in tokens:
        if token.type in ("blockquote_open", "list_item_open"):
            containers.append(token.type)
        elif token.type in ("blockquote_close", "list_item_close"):
            containers.pop()
        elif token.type == "heading_open":
            heading = f"heading {token.tag[1:]}"
        elif token.type == "heading_close":
            heading = None
        elif token.type in ("th_open", "td_open"):
            cell = "table header" if token.type == "th_open" else "table cell"
        elif token.type in ("th_close", "td_close"):
            cell = None
        elif token.type == "inline":
            if heading:
                kind = heading
            elif cell:
                kind = cell
            elif containers and containers[-1] == "list_item_open":
                kind = "list item"
            elif containers:
                kind = "block quote"
            else:
                kind = "paragraph"
            if kind == "paragraph" or kind in ("list item", "block quote"):
                if image_alt(token):
                    kind = "image alt text"
            yield token, kind


def block_text(token: Token, kind: str) -> str:
    """The msgid of a block yielded by :func:`translatable_blocks`."""
    if kind == "image alt text":
        match = image_alt(token)
        assert match is not None
        return normalize_inline(match.group("alt"))
    return normalize_inline(token.content)


def article_units(article: Article, tokens: list[Token] | None = None) -> list[Unit]:
    """All units of an article, in document order: title, summary, then the body.

    ``tokens`` are the body's tokens when the caller already parsed it (untouched).
    """
    units = [Unit(article.title, "title", article.field_lines.get("title", 1))]
    if article.summary:
        units.append(Unit(normalize_inline(article.summary), "summary",
                          article.field_lines.get("summary", 1)))
    if tokens is None:
        tokens = markdown().parse(article.body)
    for token, kind in translatable_blocks(tokens):
        text = block_text(token, kind)
        if not has_words(text):
            continue
        line = article.body_line + (token.map[0] if token.map else 0)
        units.append(Unit(text, kind, line))
    return units


def link_urls(tokens: list[Token] | None) -> list[str]:
    """Every link target and image source among inline tokens (reference links resolved)."""
    found: list[str] = []
    for token in tokens or []:
        if token.type == "link_open":
            found.append(str(token.attrs.get("href", "")))
        elif token.type == "image":
            found.append(str(token.attrs.get("src", "")))
            found.extend(link_urls(token.children))
    return found


def unit_blocks(tokens: list[Token]) -> list[tuple[int, str, str]]:
    """``(index in tokens, kind, unit text)`` of every translatable block that is a unit."""
    position = {id(token): index for index, token in enumerate(tokens)}
    found = []
    for token, kind in translatable_blocks(tokens):
        text = block_text(token, kind)
        if has_words(text):
            found.append((position[id(token)], kind, text))
    return found


def translate_tokens(tokens: list[Token], lookup: Callable[[str, str], str | None],
                     env: dict[str, Any],
                     on_reject: Callable[[Token, str], None] | None = None,
                     blocks: list[tuple[int, str, str]] | None = None,
                     ) -> list[tuple[Token, str, bool]]:
    """Replace every block's inline content with its translation, in place.

    ``lookup(text, kind)`` returns the translation of a unit or None.  Returns
    ``(token, kind, translated)`` for every unit so callers can mark the blocks
    that fell back to the source language.  A translation whose links lead to a
    site the source unit does not link to (reference-style links included, as
    resolved here) is not used: ``on_reject(token, text)`` is told and the source
    stays.  An image's alt text is replaced as text, never as Markdown source.
    ``blocks`` is :func:`unit_blocks` of these tokens, when the caller has it.
    """
    md = markdown()
    result: list[tuple[Token, str, bool]] = []
    for index, kind, text in unit_blocks(tokens) if blocks is None else blocks:
        token = tokens[index]
        translation = lookup(text, kind)
        if translation is None:
            result.append((token, kind, False))
            continue
        if kind == "image alt text":
            # The token's children may be shared with other renderings: replace, never mutate.
            children = list(token.children or [])
            at = next(i for i, child in enumerate(children) if child.type == "image")
            image = children[at] = copy.copy(children[at])
            image.children = md.parseInline(translation.replace("\n", " "), {})[0].children
            image.content = translation
            token.children = children
            result.append((token, kind, True))
            continue
        children = md.parseInline(translation, env)[0].children
        if foreign_urls(link_urls(children), link_urls(token.children)):
            if on_reject is not None:
                on_reject(token, text)
            result.append((token, kind, False))
            continue
        token.content = translation
        token.children = children
        result.append((token, kind, True))
    return result
