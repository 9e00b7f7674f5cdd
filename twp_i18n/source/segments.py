"""Cutting an article into translation units, and putting translations back.

A unit is one block of text: the title, the summary, a heading, a paragraph, a
list item, a paragraph in a block quote, a table cell, the alt text of an
image standing alone in its paragraph, or the text of an element inside an HTML
block (``<summary>``, ``<p>``, ``<li>``..., see :func:`~.htmlblocks.html_runs`).  Code
blocks and comments are not units.  Inline markup stays in the unit exactly as the author wrote
it; only line breaks are normalised: a soft break becomes a space and a hard
break (two trailing spaces or a backslash) becomes ``\\`` + newline.

Both directions use the same walk over markdown-it tokens
(:func:`translatable_blocks`), so a unit found by extraction is always the one
replaced when rendering.
"""

from __future__ import annotations

import copy
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core.state_core import StateCore
from markdown_it.rules_core.text_join import text_join
from markdown_it.token import Token

from ..config import MARKDOWN_FLAVOURS
from ..diagnostics import Diagnostic, warning
from ..errors import ContentError
from ..urls import foreign_urls
from .content import Article
from .htmlblocks import html_leftover, html_runs, html_tags, replace_html_runs
from .kramdown import NOTES as KRAMDOWN_NOTES
from .kramdown import kramdown_plugin
from .markup import (
    alert_marker,
    html_text,
    markdown_in_html,
    template_code,
    title_heading,
    without_template_tags,
)

#: Order of preference when one text appears in several roles: the first kind
#: keeps a plain entry, the others get a msgctxt naming their role.
ROLE_ORDER = ("paragraph", "list item", "block quote", "table cell", "table header",
              "heading", "title", "summary", "image alt text", "html")


@dataclass(frozen=True)
class Unit:
    """One translatable block of an article: what extraction writes as an entry, what
    status and the build weigh, and what rendering replaces."""

    text: str
    """The msgid: normalised Markdown source of the block."""
    kind: str
    """What the block is: ``title``, ``heading 2``, ``list item``, ..."""
    line: int
    """1-based line in the article's file."""
    context: str | None = None
    """The msgctxt: None, unless the same text is also a unit of a more common role
    (:data:`ROLE_ORDER`), which keeps the plain entry."""
    block: int | None = None
    """Index of the block's inline token in the body's tokens (None for title and summary);
    for text inside HTML, of its ``html_block`` token."""
    run: int | None = None
    """For text inside HTML (kind ``html summary``, ``html p``...): which run of the HTML
    block's :func:`~.htmlblocks.html_runs` it is."""

    @property
    def role(self) -> str:
        """The kind without heading level or HTML element: what msgctxt distinguishes."""
        if self.kind.startswith("heading"):
            return "heading"
        return "html" if self.run is not None else self.kind

    @property
    def key(self) -> tuple[str | None, str]:
        """``(msgctxt, msgid)``: the unit's entry in the article's catalog."""
        return (self.context, self.text)

    @cached_property
    def words(self) -> int:
        """Words of the source text (:func:`word_count`): what the unit weighs in the
        percent translated."""
        return word_count(self.text)


def with_contexts(units: list[Unit]) -> list[Unit]:
    """``units`` with their msgctxt: None, unless the text also appears in a more common role."""
    roles: dict[str, set[str]] = {}
    for unit in units:
        roles.setdefault(unit.text, set()).add(unit.role)
    result = []
    for unit in units:
        primary = min(roles[unit.text], key=ROLE_ORDER.index)
        context = None if unit.role == primary else unit.role
        result.append(unit if unit.context == context else replace(unit, context=context))
    return result


#: The deepest nesting of lists and block quotes the parser reads.  It is recursive, so
#: Python's stack bounds it: an article nested deeper is refused whatever
#: ``[limits] max_nesting`` says.
MAX_PARSED_NESTING = 100
#: markdown-it's ``maxNesting`` while it reads blocks: a list takes two levels (the list and
#: its item), so nesting up to :data:`MAX_PARSED_NESTING` is read whole.  Past it,
#: markdown-it silently drops the rest, and :func:`check_nesting` refuses the article.
_BLOCK_NESTING = 2 * MAX_PARSED_NESTING + 2
#: ``maxNesting`` while it reads inline markup (CommonMark's default): its cost grows with
#: it on text full of brackets, and no sentence needs deeper links or emphasis.
_INLINE_NESTING = 20


class _Refused(threading.local):
    count = 0


_REFUSED = _Refused()


def refused_links() -> int:
    """How many links the site's parser refused (``javascript:`` and the like) in this thread
    so far: a parse during which it did not change refused none."""
    return _REFUSED.count


#: The key of a body's ``env`` naming its flavour, when it is not CommonMark.
FLAVOUR = "twp_flavour"


@lru_cache(maxsize=len(MARKDOWN_FLAVOURS))
def markdown(flavour: str = "commonmark") -> MarkdownIt:
    """The site's Markdown parser: CommonMark with tables, raw HTML allowed (it is sanitized
    later); with ``flavour`` ``kramdown``, kramdown's extensions too (:mod:`.kramdown`)."""
    return _parser(flavour)


@lru_cache(maxsize=1)
def _block_markdown() -> MarkdownIt:
    """:func:`markdown` reading blocks only: its inline tokens have their ``content`` but
    no children (what extraction needs of most blocks, at a quarter of the cost)."""
    return _parser().disable(["inline", "text_join"])


def flavour_of(env: Mapping[str, Any]) -> str:
    """The flavour of the body whose ``env`` this is (:func:`parse_body` records it)."""
    return str(env.get(FLAVOUR, "commonmark"))


def prepare_parsers(flavour: str = "commonmark") -> None:
    """Build the parsers now: worker processes forked after this share them."""
    markdown()
    _block_markdown()
    if flavour != "commonmark":
        markdown(flavour)


def _parser(flavour: str = "commonmark") -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": _INLINE_NESTING}).enable("table")
    validate = md.validateLink

    def counted(url: str) -> bool:
        if validate(url):
            return True
        _REFUSED.count += 1
        return False

    md.validateLink = counted  # type: ignore[method-assign]
    # A pure function of the URL, and the same links come back in every language.
    md.normalizeLink = lru_cache(maxsize=4096)(md.normalizeLink)  # type: ignore[method-assign]

    def nesting(value: int) -> Callable[[Any], None]:
        def rule(state: Any) -> None:
            state.md.options["maxNesting"] = value
        return rule

    md.core.ruler.before("block", "twp_block_nesting", nesting(_BLOCK_NESTING))
    md.core.ruler.before("inline", "twp_inline_nesting", nesting(_INLINE_NESTING))
    md.core.ruler.after("block", "twp_markdown_in_html", markdown_in_html)
    if flavour == "kramdown":
        kramdown_plugin(md, after="twp_markdown_in_html")
    return md


def parse_body(article: Article, env: dict[str, Any] | None = None, *,
               inline: bool = True) -> list[Token]:
    """The tokens of an article's body, without a first ``# Heading`` repeating the title
    (the page shows the title already).  ``env`` receives the link definitions.

    Without ``inline``, only the inline tokens that :func:`article_units` looks into have
    their children (an image alone in its block, raw HTML inside a block); the others'
    are None.  Their content and lines are the same, and so are the units.
    """
    env = {} if env is None else env
    flavour = article.markdown
    if flavour != "commonmark":  # read whole: attribute lists are applied after inline
        env[FLAVOUR] = flavour
        env.setdefault(KRAMDOWN_NOTES, [])
        tokens = markdown(flavour).parse(article.body, env)
        inline = True
    else:
        tokens = (markdown() if inline else _block_markdown()).parse(article.body, env)
    if title_heading(tokens, article.title):
        env["title_heading_line"] = article.body_line + (tokens[0].map or [0])[0]
        del tokens[:3]
    if not inline:
        for token in tokens:
            if token.type == "inline":
                content = token.content
                looked_into = "<" in content or content.lstrip().startswith("![")
                token.children = inline_children(content, env) if looked_into else None
    return tokens


def inline_children(content: str, env: dict[str, Any]) -> list[Token]:
    """The children the full parse gives an inline token of this content (the body's
    link definitions in ``env``)."""
    return inline_tokens(markdown(flavour_of(env)), content, env)


#: The core rules :meth:`MarkdownIt.parseInline` runs with the site's CommonMark parser.
#: On one line of inline text only two do anything: the nesting limit and ``inline``
#: itself (then ``text_join``); a parser with other rules (kramdown's) is not shortcut.
_PLAIN_CORE = ["normalize", "twp_block_nesting", "block", "twp_markdown_in_html",
               "twp_inline_nesting", "inline", "text_join"]


def inline_tokens(md: MarkdownIt, text: str, env: dict[str, Any] | None = None) -> list[Token]:
    """The children of the one inline token ``md.parseInline(text, env)`` gives, the same
    tokens, made without its core pass over the text (a quarter of its time on a sentence)."""
    env = {} if env is None else env
    if "\r" in text or "\0" in text or md.core.ruler.get_active_rules() != _PLAIN_CORE:
        return md.parseInline(text, env)[0].children or []
    md.options["maxNesting"] = _INLINE_NESTING  # as twp_inline_nesting leaves it
    children: list[Token] = []
    state = StateCore(text, md, env)
    state.tokens = [Token("inline", "", 0, content=text, map=[0, 1], children=children)]
    md.inline.parse(text, md, env, children)
    text_join(state)  # gives the token new children
    return state.tokens[0].children or []


def html_blocks_with_text(tokens: list[Token]) -> list[tuple[Token, str]]:
    """``(token, visible text)`` of the HTML blocks holding prose no unit holds (inside
    ``<svg>``, ``<select>``, or HTML the parser cannot read)."""
    found = []
    for token in tokens:
        if token.type == "html_block":
            text = html_leftover(token.content)
            if has_words(text):
                found.append((token, text))
    return found


def untranslatable_words(tokens: list[Token]) -> int:
    """Words of the English no unit holds: prose inside raw HTML that is no unit."""
    return sum(word_count(text) for _, text in html_blocks_with_text(tokens))


def body_notes(article: Article, tokens: list[Token], env: dict[str, Any]) -> list[Diagnostic]:
    """What extraction tells the maintainer about a body :func:`parse_body` read."""
    notes = []
    line = env.get("title_heading_line")
    if line is not None:
        notes.append(Diagnostic(
            article.rel_path, line, "note", "title-heading",
            "the first heading repeats the title: it is not extracted again, and the page "
            "shows the title once"))
    for line, message in sorted(dict.fromkeys(env.get(KRAMDOWN_NOTES, ()))):
        notes.append(warning("kramdown", message, article.rel_path, article.body_line + line))
    for token, text in html_blocks_with_text(tokens):
        shown = text if len(text) <= 40 else text[:37] + "..."
        notes.append(warning(
            "html-text", f"{word_count(text)} words inside HTML are not translatable and stay "
            f"in English: \u201c{shown}\u201d",
            article.rel_path, article.body_line + (token.map or [0])[0],
            hint='write the text in Markdown or in elements such as <p>, or give the element '
                 'markdown="1" with its content on the lines below it'))
    return notes


_BACKTICKS = re.compile(r"`+")
_IMAGE_ONLY = re.compile(
    r"!\[(?P<alt>(?:\\.|[^\\\[\]])*)\](?P<rest>\([^\n]*\)|\[[^\]]*\])?", re.DOTALL)


def normalize_inline(content: str) -> str:
    r"""Join the source lines of a block the way translators should see them.

    Only line breaks of plain text change: inside a code span a line end is the
    space it renders as, and when joining lines would change what the block
    renders (a link destination ``<...>`` or raw HTML across lines), the lines stay.

    >>> normalize_inline("one\ntwo  \nthree\\\nfour")
    'one two\\\nthree\\\nfour'
    >>> normalize_inline("a  b `x  y`")
    'a b `x  y`'
    >>> normalize_inline("a `code  \nspan\\\nend` b")
    'a `code   span\\ end` b'
    """
    if "\n" not in content:
        return _normalize_lines(content)
    spans = _code_spans(content) if "`" in content else []
    if not spans or "\ue000" in content:
        joined = _normalize_lines(content)
    else:
        codes = [content[start:end].replace("\n", " ") for start, end in spans]
        masked, position = [], 0
        for index, (start, end) in enumerate(spans):
            masked.append(content[position:start] + f"\ue000{index}\ue001")
            position = end
        masked.append(content[position:])
        joined = re.sub("\ue000(\\d+)\ue001", lambda m: codes[int(m.group(1))],
                        _normalize_lines("".join(masked)))
    if "<" in content and _rendered(joined) != _rendered(content):
        return content
    return joined


def _rendered(text: str) -> str:
    return markdown().renderInline(text).replace("\n", " ")


def _normalize_lines(content: str) -> str:
    if "\n" not in content:  # what the loop below does with one line
        return _collapse_spaces(content.strip(" \t")).strip(" ")
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
    if "  " not in text and "\t" not in text:
        return text
    pieces: list[str] = []
    position = 0
    for start, end in _code_spans(text):
        pieces.append(re.sub(r"[ \t]+", " ", text[position:start]))
        pieces.append(text[start:end])
        position = end
    pieces.append(re.sub(r"[ \t]+", " ", text[position:]))
    return "".join(pieces)


def _code_spans(text: str) -> list[tuple[int, int]]:
    r"""``(start, end)`` of the code spans, as ``re.finditer(r"(`+).+?(?<!`)\1(?!`)", text,
    re.DOTALL)`` finds them, but in linear time (that expression takes cubic time on a
    long run of backticks).

    That is: at each run of backticks, left to right, the longest opener (the
    run, or the start of it) for which a later run of exactly its length exists;
    the span ends with the first such run, and the search goes on after it.

    >>> _code_spans("a ``b`` `c d")
    [(2, 7)]
    """
    if "`" not in text:
        return []
    runs = [(m.start(), m.end() - m.start()) for m in _BACKTICKS.finditer(text)]
    by_length: dict[int, list[int]] = {}
    for index, (_, length) in enumerate(runs):
        by_length.setdefault(length, []).append(index)
    cursor = dict.fromkeys(by_length, 0)  # per length: its first run not yet left behind
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(runs):
        start, length = runs[index]
        closer = None
        for size in range(length, 0, -1):  # all runs' lengths add up to at most len(text)
            later = by_length.get(size)
            if later is None:
                continue
            at = cursor[size]
            while at < len(later) and later[at] <= index:
                at += 1
            cursor[size] = at
            if at < len(later):
                closer = later[at]
                break
        if closer is None:
            index += 1
            continue
        spans.append((start, runs[closer][0] + runs[closer][1]))
        index = closer + 1
    return spans


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
    if kind == "block quote" and (marker := alert_marker(token.content)):
        return normalize_inline(token.content[len(marker):])
    return normalize_inline(token.content)


#: An HTML block without text between its tags holds no unit (most hold some).
_MAY_HOLD_TEXT = re.compile(r"(?:^|>)[^<>]*[^\W\d_]")


def _html_units(tokens: list[Token], body_line: int, position: Mapping[int, int]
                ) -> Iterator[tuple[Token, list[Unit]]]:
    """The units of the text inside each HTML block holding some (see
    :func:`~.htmlblocks.html_runs`), kind ``html`` and the element's name."""
    for token in tokens:
        if token.type != "html_block" or not _MAY_HOLD_TEXT.search(token.content):
            continue
        units = []
        line = body_line + (token.map[0] if token.map else 0)
        content = token.content
        for number, run in enumerate(html_runs(content)):
            if is_unit(html_text(run.text)):
                units.append(Unit(run.text, f"html {run.element or 'text'}",
                                  line + content.count("\n", 0, run.start),
                                  block=position[id(token)], run=number))
        if units:
            yield token, units


def is_unit(text: str) -> bool:
    """True when a block's text is translatable: words besides shortcodes and template tags."""
    return not template_code(text) and has_words(without_template_tags(text))


def article_units(article: Article, tokens: list[Token] | None = None) -> list[Unit]:
    """All units of an article, in document order: title, summary, then the body, each
    with its key (msgctxt, msgid), kind, line and word count.

    ``tokens`` are the body's tokens when the caller already parsed it (untouched).
    Raises :class:`~twp_i18n.errors.ContentError` for nesting deeper than
    ``[limits] max_nesting`` and a unit larger than ``[limits] max_entry_bytes``.
    """
    units = [Unit(article.title, "title", article.field_lines.get("title", 1))]
    if article.summary:
        units.append(Unit(normalize_inline(article.summary), "summary",
                          article.field_lines.get("summary", 1)))
    if tokens is None:
        tokens = parse_body(article)
    check_nesting(article, tokens)
    units.extend(_body_units(tokens, article.body_line, references="]:" in article.body))
    limit = article.limits.max_entry_bytes
    for unit in units:
        if len(unit.text) * 4 > limit and len(size := unit.text.encode("utf-8")) > limit:
            raise ContentError(
                f"this {unit.kind} is {len(size)} bytes, over the bound of {limit} bytes "
                "for one translation unit",
                path=article.rel_path, line=unit.line,
                hint="split it (a blank line starts a new paragraph), or raise "
                     "[limits] max_entry_bytes in twp.toml")
    return with_contexts(units)


def _body_units(tokens: list[Token], body_line: int = 1, references: bool = True) -> list[Unit]:
    """The units of a parsed body (``body_line``: the file's line of its first line;
    ``references``: whether the body may define reference links)."""
    position = {id(token): index for index, token in enumerate(tokens)}
    found = []
    for token, kind in translatable_blocks(tokens):
        text = block_text(token, kind)
        if is_unit(text):
            line = body_line + (token.map[0] if token.map else 0)
            unit = Unit(text, kind, line, block=position[id(token)])
            if token.children is not None and text == token.content and "{" not in text \
                    and not (references and "[" in text):
                # the block's own parse is the parse of its text: count words from it
                unit.__dict__["words"] = _count_words(token.children or [])
            found.append(unit)
    html = [unit for _, units in _html_units(tokens, body_line, position) for unit in units]
    if html:  # in document order: by block, then run
        found = sorted(found + html, key=lambda unit: (unit.block, unit.run or 0))
    return found


_CONTAINER_DEPTH = {"blockquote_open": 1, "bullet_list_open": 1, "ordered_list_open": 1,
                    "blockquote_close": -1, "bullet_list_close": -1, "ordered_list_close": -1}


def check_nesting(article: Article, tokens: list[Token]) -> None:
    """Refuse lists and block quotes, or raw HTML elements, nested deeper than
    ``[limits] max_nesting`` (or than :data:`MAX_PARSED_NESTING`, what the parser reads).

    The sanitizer's cost grows with the depth of the HTML it is given, and the
    parser's with the depth of lists: both stay linear in the article's size
    under the bound.
    """
    limit = min(article.limits.max_nesting, MAX_PARSED_NESTING)
    depth = 0
    html = _HtmlNesting(article.limits.max_nesting)
    for token in tokens:
        step = _CONTAINER_DEPTH.get(token.type)
        if step is not None:
            depth += step
            if depth > limit:
                _nesting_error(article, token, depth, "lists and block quotes", limit)
        elif token.type == "html_block":
            if html.feed(token.content):
                _nesting_error(article, token, html.deepest, "HTML elements", html.limit)
        elif token.type == "inline" and "<" in token.content:
            for child in token.children or []:
                if child.type == "html_inline" and html.feed(child.content):
                    _nesting_error(article, token, html.deepest, "HTML elements", html.limit)


def _nesting_error(article: Article, token: Token, depth: int, what: str, limit: int) -> None:
    line = article.body_line + (token.map[0] if token.map else 0)
    if limit < article.limits.max_nesting:
        hint = (f"twp reads at most {MAX_PARSED_NESTING} levels of lists and block quotes: "
                "flatten the structure")
    else:
        hint = "flatten the structure, or raise [limits] max_nesting in twp.toml"
    raise ContentError(f"{what} nested {depth} deep, deeper than the bound of {limit}",
                       path=article.rel_path, line=line, hint=hint)


#: Elements without content, and those whose end tag may be left out (``<p>``, ``<li>``,
#: table rows and cells...): neither adds to the depth.
_HTML_FLAT = frozenset(
    "area base br col embed hr img input link meta param source track wbr keygen "
    "p li dt dd tr td th thead tbody tfoot option optgroup rt rp colgroup caption".split())
_HTML_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "iframe",
                            "noembed", "noframes", "noscript", "plaintext"})
# [^<>]* stops at the next '<': every character is looked at by one attempt only.
_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)([^<>]*)>")


class _HtmlNesting:
    """The depth of open elements in a stream of raw HTML pieces, as a browser nests them
    (closely enough to bound it: optional end tags do not count, an end tag closes the
    nearest open element of its name, comments and raw text are skipped)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.stack: list[str] = []
        self.deepest = 0
        self.raw_text: str | None = None  # inside <script> and the like: its end tag
        self.in_comment = False

    def feed(self, text: str) -> bool:
        """Read one more piece; True once the depth exceeds the limit."""
        position = 0
        lowered: str | None = None
        while position < len(text):
            if self.in_comment:
                end = text.find("-->", position)
                if end < 0:
                    return False
                self.in_comment, position = False, end + 3
                continue
            if self.raw_text is not None:
                lowered = text.lower() if lowered is None else lowered
                end = lowered.find(f"</{self.raw_text}", position)
                if end < 0:
                    return False
                self.raw_text, position = None, end
            start = text.find("<", position)
            if start < 0:
                return False
            if text.startswith("<!--", start):
                self.in_comment, position = True, start + 4
                continue
            match = _HTML_TAG.match(text, start)
            if match is None:
                position = start + 1
                continue
            position = match.end()
            closing, name = match.group(1), match.group(2).lower()
            if closing:
                if name in self.stack:
                    del self.stack[len(self.stack) - 1 - self.stack[::-1].index(name):]
                continue
            if name in _HTML_RAW_TEXT:
                self.raw_text = name
            if name in _HTML_FLAT or (match.group(3).endswith("/") and self._foreign()):
                continue
            self.stack.append(name)
            if len(self.stack) > self.limit:
                self.deepest = len(self.stack)
                return True
        return False

    def _foreign(self) -> bool:
        """Inside SVG or MathML, where ``<x/>`` is a whole element."""
        return "svg" in self.stack or "math" in self.stack


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


def translate_tokens(tokens: list[Token], lookup: Callable[[Unit], str | None],
                     env: dict[str, Any],
                     on_reject: Callable[[Token, Unit], None] | None = None,
                     units: Sequence[Unit] | None = None,
                     allowed_hosts: tuple[str, ...] = (),
                     parsed: Mapping[str, list[Token]] | None = None,
                     source_tag: str | None = None,
                     ) -> list[tuple[Token, str, bool]]:
    """Replace every block's inline content with its translation, in place.

    ``lookup(unit)`` returns the translation of a unit or None.  Returns
    ``(token, kind, translated)`` for every unit so callers can mark the blocks
    that fell back to the source language.  A translation whose links lead to a
    site the source unit does not link to (reference-style links included, as
    resolved here) is not used: ``on_reject(token, unit)`` is told and the source
    stays.  An image's alt text is replaced as text, never as Markdown source.
    ``units`` are :func:`article_units` of the article these tokens are the body of,
    when the caller has them (those without a block, title and summary, are skipped);
    ``allowed_hosts`` the sites translations may link to besides the source's
    (``[check] allowed_link_hosts``); ``parsed`` the inline tokens of translations parsed
    already, as they are here when the body defines no links (they are not changed).

    Text inside HTML blocks is put in by :func:`translate_html`, which marks what stays in
    the source language there with ``source_tag`` if given (the rest is the caller's to mark).
    """
    md = markdown(flavour_of(env))
    if parsed is None or "references" in env or FLAVOUR in env:
        parsed = {}  # the checks' parses are CommonMark's
    result: list[tuple[Token, str, bool]] = []
    html: dict[int, dict[int, tuple[Unit, str | None]]] = {}
    for unit in with_contexts(_body_units(tokens)) if units is None else units:
        if unit.block is None:
            continue
        token, kind = tokens[unit.block], unit.kind
        translation = lookup(unit)
        if unit.run is not None:
            html.setdefault(unit.block, {})[unit.run] = (unit, translation)
            continue
        if translation is None:
            result.append((token, kind, False))
            continue
        if kind == "image alt text":
            _translate_alt(token, translation)
            result.append((token, kind, True))
            continue
        if kind == "block quote" and (marker := alert_marker(token.content)):
            translation = marker + translation
        known = parsed.get(translation)
        children = inline_tokens(md, translation, env) if known is None else known
        if foreign_urls(link_urls(children), link_urls(token.children), allowed_hosts):
            if on_reject is not None:
                on_reject(token, unit)
            result.append((token, kind, False))
            continue
        token.content = translation
        token.children = children
        result.append((token, kind, True))
    return result + _translate_html_blocks(tokens, html, on_reject, source_tag)


def _translate_html_blocks(tokens: list[Token], html: dict[int, dict[int, tuple[Unit, str | None]]],
                           on_reject: Callable[[Token, Unit], None] | None,
                           source_tag: str | None) -> list[tuple[Token, str, bool]]:
    """:func:`translate_html` of every HTML block with units (``html``: by block), and with
    ``source_tag`` of those holding prose but no unit too (to mark it)."""
    if source_tag is not None:
        html.update((block, {}) for block, token in enumerate(tokens)
                    if token.type == "html_block" and block not in html
                    and has_words(html_leftover(token.content)))
    result: list[tuple[Token, str, bool]] = []
    for block, found in sorted(html.items()):
        result.extend(translate_html(tokens, block, found, on_reject, source_tag))
    return result


def _translate_alt(token: Token, translation: str) -> None:
    """Put ``translation`` as the alt text of the image alone in the inline ``token``."""
    # The token's children may be shared with other renderings: replace, never mutate.
    children = list(token.children or [])
    at = next(i for i, child in enumerate(children) if child.type == "image")
    image = children[at] = copy.copy(children[at])
    image.children = inline_tokens(markdown(), translation.replace("\n", " "))
    image.content = translation
    token.children = children


def translate_html(tokens: list[Token], block: int, found: Mapping[int, tuple[Unit, str | None]],
                   on_reject: Callable[[Token, Unit], None] | None = None,
                   source_tag: str | None = None) -> list[tuple[Token, str, bool]]:
    """Put the translations ``found`` (run number -> (unit, translation or None)) into the
    HTML block ``tokens[block]`` (replaced by a copy: tokens may be shared).

    A translation is used only when the page's HTML parser reads in it the tags, comments
    and attributes (by name) the source's text has (:func:`_fits`): text that would close
    an element, open a comment or leave a tag unfinished is refused (``on_reject(token,
    unit)`` is told), and the source shown.
    """
    token = tokens[block]
    content = token.content
    runs = html_runs(content)
    replacements: dict[int, str | None] = {}
    kinds: list[tuple[str, bool]] = []
    for number, (unit, translation) in sorted(found.items()):
        if translation is not None:
            translation = translation.strip(" \t\n\r\f")
            if not _fits(content, runs, number, translation):
                if on_reject is not None:
                    on_reject(token, unit)
                translation = None
        replacements[number] = translation
        kinds.append((unit.kind, translation is not None))
    if any(text is not None for text in replacements.values()) or source_tag is not None:
        token = tokens[block] = copy.copy(token)
        token.content = replace_html_runs(content, replacements, source_tag)
    return [(token, kind, translated) for kind, translated in kinds]


def _fits(content: str, runs: Sequence[Any], number: int, translation: str) -> bool:
    """Whether ``translation`` may take the place of run ``number`` of an HTML block: the
    browser reads in it the tags (and attribute names) and comments of the source's text,
    closed in the same order, and nothing unfinished, so the rest of the block reads the
    same around it."""
    source = runs[number]
    if translation == source.text:
        return True
    tags = html_tags(translation)
    return tags is not None and tags == html_tags(content[source.start:source.end])


_URL = re.compile(r"(?:https?|mailto|ftp):\S+|www\.\S+", re.IGNORECASE)


@lru_cache(maxsize=65536)
def word_count(text: str) -> int:
    """Words of a unit's source text, markup and URLs excluded.

    >>> word_count("Read **our notes** at [the page](https://example.org/a) or `x.md`.")
    7
    """
    return _count_words(inline_tokens(markdown(), without_template_tags(text)))


def _count_words(children: list[Token]) -> int:
    """:func:`word_count` of a text without template tags whose inline tokens are ``children``."""
    plain: list[str] = []
    for child in children:
        if child.type == "text":
            plain.append(child.content)
        elif child.type == "image":
            plain.append(" ".join(c.content for c in child.children or [] if c.type == "text"))
        else:
            plain.append(" ")
    text = "".join(plain)
    if ":" in text or "ww." in text.lower():  # what _URL cannot match without (most text)
        text = _URL.sub(" ", text)
    others = _NO_ASCII_WORD_CHAR.findall(text)  # most words have an ASCII letter or digit
    return len(text.split()) - len(others) + sum(1 for word in others if _is_word(word))


_ASCII_WORD_CHAR = re.compile("[A-Za-z0-9]")
"""The ASCII characters :func:`_is_word_char` accepts (letters and digits)."""
_NO_ASCII_WORD_CHAR = re.compile(r"(?<!\S)[^\sA-Za-z0-9]+(?!\S)")
"""A whitespace-separated word without an ASCII letter or digit (linear: it starts only
where a word starts)."""


def _is_word(word: str) -> bool:
    """True when ``word`` holds a letter or a digit (an ASCII word looked at by one regex)."""
    if word.isascii():
        return _ASCII_WORD_CHAR.search(word) is not None
    return any(_is_word_char(ch) for ch in word)


def _is_word_char(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category.startswith("L") or category == "Nd"
