"""The sanitizer of an article's HTML (nh3): only the tags the Markdown renderer makes plus
those the source itself contains survive, with the attributes listed here, and links keep
only http, https, mailto and relative URLs."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import nh3

from ..errors import NOT_TEXT
from ..source.attrlists import valid_id

MARKDOWN_TAGS = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code",
    "em", "strong", "a", "img", "br", "hr", "table", "thead", "tbody", "tr", "th", "td", "div",
    "span",
})
_ATTRIBUTES = {
    "*": {"lang", "dir", "class"},
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"}, "details": {"open"},
    "th": {"style"},
    "td": {"style"},
    "code": {"class"},
}
_ATTRIBUTES_WITH_IDS = {**_ATTRIBUTES, "*": _ATTRIBUTES["*"] | {"id"}}  # kramdown sites'
_SOURCE_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
_TABLE_ALIGN = re.compile(r"^text-align:(left|right|center)$")


def source_tags(markdown_source: str) -> set[str]:
    """HTML tag names the (trusted) source itself uses."""
    return {name.lower() for name in _SOURCE_TAG.findall(markdown_source)
            if name.lower() not in {"script", "style", "iframe", "object", "embed"}}


CONTROLS = NOT_TEXT
"""Controls (but tab and line ends) and noncharacters: not text in HTML, feeds or books."""


def sanitize(html: str, extra_tags: set[str] = frozenset(),  # type: ignore[assignment]
             ids: bool = False) -> str:
    """Keep only markup the Markdown renderer makes (plus the source's own tags, and with
    ``ids``, kramdown's ids that are names), and no control characters."""
    if CONTROLS.search(html):
        html = CONTROLS.sub("", html)
    # The filter (a call back into Python for every attribute) only judges 'style' and the
    # ids: no HTML spells 'style' without those letters (an attribute name has no character
    # reference), and only kramdown sites keep ids.
    filtered = ids or "style" in html.lower()
    return _cleaner(frozenset(extra_tags), ids, filtered)(html)


@lru_cache(maxsize=64)
def _cleaner(extra_tags: frozenset[str], ids: bool, filtered: bool) -> Any:
    """``clean(html)`` with these settings, made once: nh3 turns the sets into its own on
    every ``nh3.clean`` call, which cost as much as cleaning an article's HTML."""
    settings: dict[str, Any] = {
        "tags": set(MARKDOWN_TAGS | extra_tags),
        "attributes": _ATTRIBUTES_WITH_IDS if ids else _ATTRIBUTES,
        "url_schemes": {"http", "https", "mailto"}, "strip_comments": True, "link_rel": None,
        "attribute_filter": _attribute_filter if filtered else None,
    }
    if hasattr(nh3, "Cleaner"):  # older nh3 has only clean()
        return nh3.Cleaner(**settings).clean
    return lambda html: nh3.clean(html, **settings)


def _attribute_filter(tag: str, name: str, value: str) -> str | None:
    if name == "style":
        return value if _TABLE_ALIGN.match(value) else None
    if name == "id":
        return value if valid_id(value) else None
    return value
