"""kramdown's extensions of Markdown, for sites whose articles are written for Jekyll
(``[content] markdown = "kramdown"`` in ``twp.toml``).

What the parser reads, as markdown-it rules (:func:`kramdown_plugin`):

- block attribute lists (IALs): ``{: .class #id lang="fr"}`` on the line right after a
  block, or right before it, puts those attributes on it; ``{:name: .class}`` (an ALD)
  defines attributes an IAL takes by naming them (``{: name}``).  Neither is text: no unit
  holds them.  Only safe attributes are kept (:mod:`.attrlists`); anything else is
  dropped with a warning;
- header IDs: ``## Heading {#custom-id}``: the unit is ``Heading``, the heading's id is
  ``custom-id`` in every language.  Other headings get kramdown's automatic id, made from
  the English text, so a link to ``page#a-heading`` works on every language's page;
- span IALs: ``*span*{: .x}`` puts the attributes on the element before it.  The unit
  keeps the IAL as it is written, as a placeholder: the translator keeps it after their
  own ``*...*`` (``twp check`` requires it unchanged), and the page carries the same
  attributes in every language;
- extensions: ``{::comment}...{:/comment}`` and ``{::options ... /}`` are dropped;
  ``{::nomarkdown}...{:/nomarkdown}`` is raw HTML (sanitized as all HTML is); any other
  extension is dropped with a warning;
- ``{:toc}`` on a list (``* TOC`` then ``{:toc}``): the list becomes the table of contents
  of the page's headings, in the page's language (headings with class ``no_toc`` left
  out).

Warnings land in ``env["kramdown_notes"]`` as ``(0-based body line, message)`` when the
parser reads a whole body; extraction prints them.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.ruler import RuleOptionsType
from markdown_it.token import Token

from .attrlists import LIST, RESERVED_IDS, SPAN_IAL, attribute_list, safe_attributes, valid_id

NOTES = "kramdown_notes"
"""The key of ``env`` where the parse of a body puts its warnings."""

_BLOCK_IAL = re.compile(rf"\{{:(?!:)(?P<attrs>{LIST})\}}[ \t]*")
_ALD = re.compile(rf"\{{:(?P<name>[A-Za-z0-9_][\w-]*):(?P<attrs>{LIST})\}}[ \t]*")
_EXTENSION = re.compile(r" {0,3}\{::(?P<name>[A-Za-z_][\w-]*)(?P<rest>[^}\n]*?)(?P<end>/)?\}")
_SPAN_EXTENSION = re.compile(
    r"\{::(?P<name>[A-Za-z_][\w-]*)(?P<rest>[^}\n]*?)(?:/\}|\}(?P<body>.{0,4000}?)\{:/(?P=name)?\})",
    re.DOTALL)  # bounded: each '{::' is looked at so far at most
_HEADER_ID = re.compile(r"[ \t]+\{#(?P<id>[^\s{}]+)\}[ \t]*$")
KNOWN_EXTENSIONS = ("comment", "nomarkdown", "options")


def _apply(token: Token, attrs: list[tuple[str, str]]) -> None:
    for name, value in attrs:
        if name == "class" and token.attrGet("class"):
            token.attrSet("class", " ".join(dict.fromkeys(
                f"{token.attrGet('class')} {value}".split())))
        else:
            token.attrSet(name, value)


def _note(state: Any, line: int | None, message: str) -> None:
    notes = state.env.get(NOTES)
    if notes is not None and line is not None:
        notes.append((line, message))


# ---------------------------------------------------------------------------- block rules

def _attribute_line(state: Any, start: int, end: int, silent: bool) -> bool:
    """A line holding only an IAL or an ALD: a hidden token the core rule applies."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    text = state.src[state.bMarks[start] + state.tShift[start]:state.eMarks[start]]
    if not text.startswith("{:") or text.startswith("{::"):
        return False
    ald = _ALD.fullmatch(text)
    ial = None if ald else _BLOCK_IAL.fullmatch(text)
    if (ald or ial) is None or not attribute_list((ald or ial).group("attrs")):  # type: ignore[union-attr]
        return False
    if silent:
        return True
    token = state.push("kramdown_ald" if ald else "kramdown_ial", "", 0)
    token.map = [start, start + 1]
    token.hidden = True
    token.content = (ald or ial).group("attrs")  # type: ignore[union-attr]
    token.meta = {"name": ald.group("name")} if ald else {}
    state.line = start + 1
    return True


def _extension(state: Any, start: int, end: int, silent: bool) -> bool:
    """``{::name ... /}``, or ``{::name}`` ... ``{:/name}`` (``{:/}``): dropped, but for
    ``nomarkdown``, whose content is an HTML block."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    first = state.src[state.bMarks[start] + state.tShift[start]:state.eMarks[start]]
    match = _EXTENSION.match(first)
    if match is None:
        return False
    name = match.group("name")
    after = first[match.end():]
    closers = (f"{{:/{name}}}", "{:/}")
    if match.group("end"):
        if after.strip():
            return False
        last, inner = start, ""
    elif any(after.rstrip().endswith(closer) for closer in closers):
        last = start
        inner = after.rstrip()
        inner = inner[:-len(next(c for c in closers if inner.endswith(c)))]
    else:
        if after.strip():
            return False
        # no closer after a line means none after any later one: each line is looked at once
        unclosed = state.env.setdefault("kramdown_unclosed", {})
        closing = None if unclosed.get((name, end), end) <= start else next(
            (line for line in range(start + 1, end)
             if state.src[state.bMarks[line] + state.tShift[line]:state.eMarks[line]]
             .rstrip() in closers), None)
        if closing is None:
            unclosed[(name, end)] = min(start, unclosed.get((name, end), end))
            if not silent:
                _note(state, start, f"the kramdown extension '{{::{name}}}' is not closed "
                      f"('{{:/{name}}}' on a line of its own): it is read as text")
            return False
        last = closing
        inner = state.getLines(start + 1, last, state.blkIndent, False)
    if silent:
        return True
    state.line = last + 1
    if name == "nomarkdown":
        if inner.strip():
            token = state.push("html_block", "", 0)
            token.map = [start, last + 1]
            token.content = inner if inner.endswith("\n") else inner + "\n"
    elif name not in KNOWN_EXTENSIONS:
        _note(state, start, f"unknown kramdown extension '{{::{name}}}': it is left out "
              f"(known: {', '.join(KNOWN_EXTENSIONS)})")
    return True


# ----------------------------------------------------------------------------- core rules

def _matching_open(tokens: list[Token], close: int) -> int:
    depth = 0
    for index in range(close, -1, -1):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return close


def _matching_close(tokens: list[Token], open_: int) -> int:
    depth = 0
    for index in range(open_, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return open_


def _block_attributes(state: Any) -> None:
    """Core rule (after ``block``): header IDs, ALDs and block IALs applied, then gone."""
    tokens: list[Token] = state.tokens
    headings = any(token.type == "heading_open" for token in tokens)
    if not headings and not any(token.type.startswith("kramdown_") for token in tokens):
        return
    alds: dict[str, str] = state.env.setdefault("kramdown_alds", {})
    for token in tokens:
        if token.type == "kramdown_ald":
            alds[token.meta["name"]] = token.content
    if headings:
        _explicit_header_ids(state, tokens)
    out: list[Token] = []  # a new list: taking tokens out of this one would be quadratic
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "kramdown_ald":
            index += 1
        elif token.type != "kramdown_ial":
            out.append(token)
            index += 1
        else:
            group = index
            while group + 1 < len(tokens) and tokens[group + 1].type == "kramdown_ial" \
                    and (tokens[group + 1].map or [0])[0] == (tokens[group].map or [0, -1])[1]:
                group += 1
            index = _apply_ials(state, out, tokens, index, group + 1, alds)
    state.tokens = out


def _explicit_header_ids(state: Any, tokens: list[Token]) -> None:
    """``## Heading {#id}``: the id out of the heading's text, onto the heading."""
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and index + 1 < len(tokens):
            inline = tokens[index + 1]
            match = _HEADER_ID.search(inline.content)
            if match is None:
                continue
            inline.content = inline.content[:match.start()]
            value = match.group("id")
            if valid_id(value):
                token.attrSet("id", value)
            else:
                _note(state, (token.map[0] if token.map else None),
                      f"the header id {value!r} is dropped: not valid, or used by the page")


def _apply_ials(state: Any, out: list[Token], tokens: list[Token], start: int, after: int,
                alds: dict[str, str]) -> int:
    """Put the attributes of the lines ``tokens[start:after]`` on the block right before
    them (the end of ``out``, the tokens kept so far), else right after; returns where to
    go on in ``tokens``."""
    ials = tokens[start:after]
    first, last = ials[0].map or [0, 0], ials[-1].map or [0, 0]
    level, line = ials[0].level, first[0]
    target = _previous_block(out, len(out), level, first[0])
    before = target is not None
    if target is None:
        target = _next_block(tokens, after, level, last[1])
    if target is None:
        _note(state, line, "this kramdown attribute list belongs to no block: put it on the "
              "line right after the block (or right before it)")
        return after
    attrs: list[tuple[str, str]] = []
    unknown: set[str] = set()
    for ial in ials:
        at = (ial.map or [0])[0]
        found, more = safe_attributes(ial.content, alds,
                                      lambda message, at=at: _note(state, at, message))
        attrs.extend(found)
        unknown |= more
    opener = out[target] if before else tokens[target]
    if "toc" in unknown and opener.type in ("bullet_list_open", "ordered_list_open"):
        toc = Token("kramdown_toc", "ul", 0, map=opener.map, level=opener.level, block=True)
        toc.attrs = {"id": "markdown-toc"}
        _apply(toc, attrs)
        if before:
            del out[target:]  # the list ends ``out``
        out.append(toc)
        return after if before else _matching_close(tokens, target) + 1
    for ref in sorted(unknown - {"toc"}):
        _note(state, line, f"the kramdown attribute list names '{ref}', which no "
              f"'{{:{ref}: ...}}' defines")
    if opener.type == "html_block":
        _note(state, line, "a kramdown attribute list on raw HTML is dropped: write the "
              "attributes in the HTML")
        return after
    if opener.type == "paragraph_open" and opener.hidden:  # a tight list's item
        opener = next((out[back] for back in range((target if before else len(out)) - 1, -1, -1)
                       if out[back].type == "list_item_open"
                       and out[back].level < opener.level), opener)
    _apply(opener, attrs)
    return after


def _previous_block(tokens: list[Token], index: int, level: int, line: int) -> int | None:
    """The opener (or the whole token) of the block ending right before line ``line``."""
    if index == 0:
        return None
    before = index - 1
    if tokens[before].level != level:
        return None
    opener = _matching_open(tokens, before) if tokens[before].nesting == -1 else before
    if tokens[opener].nesting == -1 or tokens[opener].map is None:
        return None
    return opener if tokens[opener].map[1] == line else None  # type: ignore[index]


def _next_block(tokens: list[Token], index: int, level: int, line: int) -> int | None:
    if index >= len(tokens):
        return None
    token = tokens[index]
    if token.level != level or token.nesting == -1 or token.map is None \
            or token.type.startswith("kramdown_"):
        return None
    return index if token.map[0] == line else None


def _span_attributes(state: Any) -> None:
    """Core rule (after ``inline``): span IALs put on the element before them, and
    kramdown's automatic header ids."""
    tokens: list[Token] = state.tokens
    alds: dict[str, str] = state.env.get("kramdown_alds", {})
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        children = token.children
        if not any(child.type == "kramdown_span_ial" for child in children):
            continue
        line = None if state.inlineMode else (token.map[0] if token.map else None)

        def note(message: str, line: int | None = line) -> None:
            _note(state, line, message)
        kept = []
        for child in children:
            if child.type != "kramdown_span_ial":
                kept.append(child)
                continue
            before = len(kept) - 1
            while before >= 0 and kept[before].type == "text" and not kept[before].content:
                before -= 1  # what is left of the delimiters of strong emphasis
            if before < 0 or kept[before].type == "text":
                continue  # after text, an IAL is no element's: kramdown drops it too
            target = _matching_open(kept, before) if kept[before].nesting == -1 else before
            attrs, _ = safe_attributes(child.content, alds, note)
            _apply(kept[target], attrs)
        token.children = kept
    if not state.inlineMode:
        _header_ids(tokens)


def _header_ids(tokens: list[Token]) -> None:
    """kramdown's ``auto_ids``: a heading without an id gets one made from its text
    (letters, digits, spaces and hyphens; spaces become hyphens; ``-1``, ``-2``... when
    taken), before translation, so it is the same in every language."""
    used: dict[str, int] = {name: 0 for name in RESERVED_IDS}
    for token in tokens:
        if token.type == "heading_open" and token.attrGet("id"):
            used.setdefault(str(token.attrGet("id")), 0)
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.attrGet("id") or index + 1 >= len(tokens):
            continue
        text = plain_text(tokens[index + 1].children or [])
        made = re.sub(r"^[^A-Za-z]+", "", text)
        made = re.sub(r"[^A-Za-z0-9 -]", "", made).replace(" ", "-").lower() or "section"
        if made in used:
            used[made] += 1
            made = f"{made}-{used[made]}"
        used[made] = 0
        token.attrSet("id", made)


def plain_text(children: list[Token]) -> str:
    """The text of inline tokens, markup left out."""
    out = []
    for child in children:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif child.type == "image":
            out.append(plain_text(child.children or []))
    return "".join(out)


# ---------------------------------------------------------------------------- inline rule

def _span(state: Any, silent: bool) -> bool:
    """``{: attrs}`` after an element, and span extensions (``{::comment}x{:/comment}``)."""
    if not state.src.startswith("{:", state.pos):
        return False
    ial = SPAN_IAL.match(state.src, state.pos, state.posMax)
    if ial is not None and attribute_list(ial.group("attrs")):
        if not silent:
            token = state.push("kramdown_span_ial", "", 0)
            token.content = ial.group("attrs")
        state.pos = ial.end()
        return True
    extension = _SPAN_EXTENSION.match(state.src, state.pos, state.posMax)
    if extension is None or extension.group("name") not in KNOWN_EXTENSIONS:
        return False
    if not silent and extension.group("name") == "nomarkdown" and extension.group("body"):
        token = state.push("html_inline", "", 0)
        token.content = extension.group("body")
    state.pos = extension.end()
    return True


# ----------------------------------------------------------------------------- rendering

def _render_toc(self: Any, tokens: list[Token], index: int, options: Any, env: Any) -> str:
    """The table of contents of the headings of the page (their text as rendered now: in
    the page's language), as nested lists."""
    entries = [(int(token.tag[1:]), str(token.attrGet("id")), plain_text(tokens[at + 1].children or []))
               for at, token in enumerate(tokens)
               if token.type == "heading_open" and token.attrGet("id") and at + 1 < len(tokens)
               and "no_toc" not in str(token.attrGet("class") or "").split()]
    toc = tokens[index]
    attrs = "".join(f' {name}="{escapeHtml(str(value))}"' for name, value in toc.attrs.items())
    if not entries:
        return ""
    out = [f"<ul{attrs}>\n"]
    levels = [entries[0][0]]
    for number, (level, ident, text) in enumerate(entries):
        if number:
            if level > levels[-1]:
                out.append("\n<ul>\n")
                levels.append(level)
            else:
                out.append("</li>\n")
                while len(levels) > 1 and level < levels[-1]:
                    levels.pop()
                    out.append("</ul>\n</li>\n")
        out.append(f'<li><a href="#{escapeHtml(ident)}">{escapeHtml(text)}</a>')
    out.append("</li>\n")
    while len(levels) > 1:
        levels.pop()
        out.append("</ul>\n</li>\n")
    out.append("</ul>\n")
    return "".join(out)


def kramdown_plugin(md: MarkdownIt, after: str = "block") -> None:
    """Teach ``md`` kramdown (see the module); its core rules run after the core rule
    ``after``."""
    terminates: RuleOptionsType = {"alt": ["paragraph", "blockquote"]}
    md.block.ruler.before("fence", "kramdown_extension", _extension, terminates)
    md.block.ruler.before("fence", "kramdown_attributes", _attribute_line, terminates)
    md.inline.ruler.before("emphasis", "kramdown_span", _span)
    md.core.ruler.after(after, "kramdown_blocks", _block_attributes)
    md.core.ruler.after("inline", "kramdown_spans", _span_attributes)
    md.add_render_rule("kramdown_toc", _render_toc)
