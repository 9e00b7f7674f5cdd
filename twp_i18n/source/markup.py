"""What real sites' Markdown holds besides CommonMark, and how units treat it.

- kramdown's ``<aside markdown="1">``: the element's content is read as Markdown
  (:func:`markdown_in_html`, a parser rule), so its prose becomes units;
- text inside other HTML blocks (``<details>``, ``<summary>``, ``<div>`` wrappers, HTML
  tables and lists): each text-bearing element's content is a unit whose msgid keeps its
  inline HTML (:mod:`~twp_i18n.source.htmlblocks`).  Text no unit holds (in ``<svg>``,
  ``<select>``...) is not translatable: extraction warns with its line, and a translated
  page marks it with the source language (:func:`mark_html_lang`);
- GitHub alerts (``> [!NOTE]``): the marker stays out of the unit (:func:`alert_marker`);
- Hugo shortcodes (``{{< … >}}``, ``{{% … %}}``) and Liquid tags (``{% … %}``,
  ``{{ … }}``): a block of nothing else is not a unit, and inside prose ``twp check``
  requires them unchanged (:func:`template_tags`);
- a first ``# Heading`` that repeats the title is dropped (:func:`title_heading`):
  the page template already shows the title;
- reference links (``[text][label]``, ``[text][]``, ``[text]``): the definitions a unit
  uses (:func:`used_references`) go into its entry's comments, so translators see
  them and ``twp check`` resolves links as the build does (:func:`references_env`).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from markdown_it.common.utils import normalizeReference
from markdown_it.token import Token

# --------------------------------------------------------------------------- markdown="1"

_MARKDOWN_OPEN = re.compile(
    r"[ \t]*<(?P<name>[A-Za-z][A-Za-z0-9-]*)\b[^<>\n]*?\smarkdown=(?P<q>[\"']?)(?:1|block)(?P=q)"
    r"[^<>\n]*>[ \t]*\n")
#: How deep ``markdown="1"`` elements are read inside each other (deeper ones stay HTML).
_MAX_MARKDOWN_DEPTH = 16


def markdown_in_html(state: Any) -> None:
    """Core rule (after ``block``): an HTML block opening with ``<tag markdown="1">`` on its
    own line is that line, its content parsed as Markdown, and its closing line."""
    if any(t.type == "html_block" and "markdown=" in t.content for t in state.tokens):
        state.tokens = _expand(state, state.tokens, 0)


def _expand(state: Any, tokens: list[Token], depth: int) -> list[Token]:
    out: list[Token] = []
    for token in tokens:
        match = _MARKDOWN_OPEN.match(token.content) if token.type == "html_block" else None
        if match is None or depth >= _MAX_MARKDOWN_DEPTH:
            out.append(token)
            continue
        opening = token.content[:match.end()]
        rest = token.content[match.end():]
        closing = ""
        lines = rest.rstrip("\n").rsplit("\n", 1)
        if lines[-1].strip().lower() == f"</{match.group('name').lower()}>":
            closing = lines[-1] + "\n"
            rest = lines[0] + "\n" if len(lines) == 2 else ""
        start = token.map[0] if token.map else 0
        out.append(_html(token, opening, [start, start + 1]))
        inner: list[Token] = []
        if rest.strip():
            state.md.block.parse(rest, state.md, state.env, inner)
        for child in inner:
            if child.map:
                child.map = [child.map[0] + start + 1, child.map[1] + start + 1]
            child.level += token.level
        out.extend(_expand(state, inner, depth + 1))
        if closing:
            end = token.map[1] if token.map else start + 1
            out.append(_html(token, closing, [end - 1, end]))
    return out


def _html(model: Token, content: str, line_map: list[int]) -> Token:
    token = Token("html_block", "", 0, map=line_map, level=model.level, block=True)
    token.content = content
    return token


# --------------------------------------------------------------------------- HTML text

_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_RAW = re.compile(r"<(script|style|textarea|pre|code)\b.*?(?:</\1\s*>|$)", re.DOTALL | re.I)
_TAG = re.compile(r"<[^<>]*>")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});", re.I)


def html_text(html: str) -> str:
    """The visible prose of a piece of raw HTML: no tags, comments, code or scripts."""
    text = _COMMENT.sub(" ", html)
    text = _RAW.sub(" ", text)
    text = _TAG.sub(" ", text)
    return " ".join(_ENTITY.sub(" ", text).split())


_START_BEFORE_TEXT = re.compile(
    r"<(?P<name>[A-Za-z][A-Za-z0-9-]*)(?P<attrs>(?:[^<>\"']|\"[^\"]*\"|'[^']*')*)>"
    r"(?=[^<]*?[^\W\d_])")


def mark_html_lang(html: str, tag: str) -> str:
    """``html`` with ``lang`` and ``class="untranslated"`` on each element whose own text
    follows its start tag (the prose a translated page shows in the source language)."""
    return _START_BEFORE_TEXT.sub(lambda match: marked_start(match, tag), html)


START_TAG = re.compile(r"<(?P<name>[A-Za-z][A-Za-z0-9-]*)(?P<attrs>(?:[^<>\"']|\"[^\"]*\"|'[^']*')*)>")


def marked_start(match: re.Match[str], tag: str) -> str:
    """The start tag ``match`` found, with ``lang`` (and a class, if it has none)."""
    attrs = match.group("attrs")
    if re.search(r"\blang\s*=", attrs) or attrs.rstrip().endswith("/"):
        return match.group(0)
    marks = f'lang="{tag}"' if re.search(r"\bclass\s*=", attrs) \
        else f'lang="{tag}" class="untranslated"'
    return f'<{match.group("name")} {marks}{attrs}>'


# --------------------------------------------------------------------------- alerts

_ALERT = re.compile(r"\[!(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION)\][ \t]*(?:\n|$)", re.I)


def alert_marker(content: str) -> str:
    """The GitHub alert marker (``[!NOTE]`` and its line end) opening a block quote's
    first paragraph, or ``""``."""
    match = _ALERT.match(content)
    return match.group(0) if match else ""


# --------------------------------------------------------------------------- template tags

#: ``{{< … >}}``, ``{{% … %}}``, ``{{ … }}`` (Hugo, Liquid output) and ``{% … %}`` (Liquid
#: tags); no braces inside, so each match is found in linear time.
TEMPLATE_TAG = re.compile(r"\{\{[^{}]{0,2000}\}\}|\{%[^{}]{0,2000}?%\}")


def template_tags(text: str) -> Counter[str]:
    """The shortcodes and template tags of a text, spaces inside them normalised."""
    if "{" not in text:
        return Counter()
    return Counter(" ".join(m.group(0).split()) for m in TEMPLATE_TAG.finditer(text))


def without_template_tags(text: str) -> str:
    return TEMPLATE_TAG.sub(" ", text) if "{" in text else text


#: A block opening with a tag whose content is code or kept verbatim (``{{< highlight go >}}``,
#: ``{% raw %}``, ``{% comment %}``): the whole block is for the generator, not a unit.
_CODE_TAG = re.compile(r"\{(?:\{[<%]|%)-?\s*(?:highlight|code|codeblock|raw|comment)\b", re.I)


def template_code(text: str) -> bool:
    """True when a block is a shortcode or tag holding code (see :data:`_CODE_TAG`)."""
    return text.startswith("{") and _CODE_TAG.match(text) is not None


# --------------------------------------------------------------------------- title heading

def title_heading(tokens: list[Token], title: str) -> bool:
    """True when the body opens with a level-1 heading whose text is the title."""
    if len(tokens) < 3 or tokens[0].type != "heading_open" or tokens[0].tag != "h1":
        return False
    return " ".join(tokens[1].content.split()) == " ".join(title.split())


# --------------------------------------------------------------------------- references

_LABEL = re.compile(r"\[((?:\\.|[^\\\[\]]){1,999})\]")
_COMMENT_PREFIX = "reference link: "
_COMMENT_LINE = re.compile(r'reference link: \[(?P<label>.*)\]: <(?P<href>[^<>]*)>'
                           r'(?: "(?P<title>.*)")?$')


def used_references(text: str, env: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(label, href, title)`` of the link definitions of the article a unit's text
    may use, in order of first use."""
    references = env.get("references") or {}
    if not references or "[" not in text:
        return []
    found: dict[str, tuple[str, str, str]] = {}
    for match in _LABEL.finditer(text):
        key = normalizeReference(match.group(1))
        definition = references.get(key)
        if definition is not None and key not in found:
            found[key] = (match.group(1), str(definition.get("href", "")),
                          str(definition.get("title") or ""))
    return list(found.values())


def reference_comment(label: str, href: str, title: str) -> str:
    """The extracted comment showing a translator one link definition."""
    shown = f' "{title}"' if title else ""
    return f"{_COMMENT_PREFIX}[{' '.join(label.split())}]: <{href}>{shown}"


def comment_references(comment: str) -> tuple[tuple[str, str, str], ...]:
    """The link definitions written by :func:`reference_comment` in an entry's comments."""
    if _COMMENT_PREFIX not in comment:
        return ()
    found = []
    for line in comment.split("\n"):
        match = _COMMENT_LINE.match(line.strip())
        if match:
            found.append((match.group("label"), match.group("href"), match.group("title") or ""))
    return tuple(found)


def references_env(references: tuple[tuple[str, str, str], ...]) -> dict[str, Any]:
    """A markdown-it ``env`` knowing these link definitions."""
    if not references:
        return {}
    table: dict[str, dict[str, str]] = {}
    for label, href, title in references:
        table.setdefault(normalizeReference(label), {"href": href, "title": title})
    return {"references": table}
