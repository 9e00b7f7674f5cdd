"""kramdown's attribute lists (``{: .class #id key="value" name}``): their grammar, and the
attributes a page may take from them (:func:`safe_attributes`).

Only ``class``, ``id``, ``lang`` and ``dir`` are kept, each value of its own syntax (a class
name; an id that is a name, and not one the page template uses; a language tag; ``ltr``,
``rtl`` or ``auto``): event handlers, ``style``, ``href`` and the rest never reach a page.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

#: What may stand between ``{:`` and ``}``: :func:`attribute_list` tells whether it is one.
LIST = r"[^{}\n]*"
#: A span attribute list, as it stands after an element.
SPAN_IAL = re.compile(rf"\{{:(?!:)(?P<attrs>{LIST})\}}")
_PARTS = re.compile(r"\.(?P<cls>[^\s.#\"'=}]+)|\#(?P<id>[^\s.#\"'=}]+)"
                    r"|(?P<key>[A-Za-z_][\w:.-]*)=(?:\"(?P<dq>(?:\\.|[^\"\\])*)\""
                    r"|'(?P<sq>(?:\\.|[^'\\])*)')|(?P<ref>[A-Za-z0-9_][\w-]*)")

_CLASS = re.compile(r"-?[A-Za-z_][\w-]*")
_ID = re.compile(r"[A-Za-z][\w.-]*")
_LANG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")
_DIRS = ("ltr", "rtl", "auto")
SAFE_NAMES = ("class", "id", "lang", "dir")
"""The attributes an attribute list may set; the page's sanitizer keeps them too."""
RESERVED_IDS = frozenset({"main", "markdown-toc-title"})
"""Ids the page template uses itself: an article's element may not take them."""
_MAX_REFERENCE_DEPTH = 8


_SPACE = re.compile(r"[ \t]*")


def attribute_list(text: str) -> bool:
    """Whether ``text`` (between ``{:`` and ``}``) is a kramdown attribute list: classes,
    ids, ``key="value"`` and names, separated by spaces (looked at once, left to right)."""
    position = _SPACE.match(text).end()  # type: ignore[union-attr]
    while position < len(text):
        item = _PARTS.match(text, position)
        if item is None:
            return False
        space = _SPACE.match(text, item.end()).end()  # type: ignore[union-attr]
        glued = text[space:space + 1] in (".", "#") and item.group("ref") is None \
            and item.group("key") is None  # .one.two#three
        if space == item.end() and space < len(text) and not glued:
            return False
        position = space
    return True


def span_attribute_lists(text: str) -> Counter[str]:
    """The span attribute lists of a unit's text (``{: .x}``), spaces inside normalised:
    what a translation keeps."""
    if "{:" not in text:
        return Counter()
    return Counter("{: " + " ".join(match.group("attrs").split()) + "}"
                   for match in SPAN_IAL.finditer(text) if attribute_list(match.group("attrs")))


def valid_id(value: str) -> bool:
    """Whether ``value`` may be an element's id on a page (and in an EPUB's XHTML)."""
    return _ID.fullmatch(value) is not None and value not in RESERVED_IDS


def safe_attributes(text: str, alds: dict[str, str], note: Any = None,
                    depth: int = 0) -> tuple[list[tuple[str, str]], set[str]]:
    """The attributes an attribute list's ``text`` sets, safe ones only, in order
    (classes joined), and the references it makes that name no ALD (``toc``...).

    ``note(message)`` is told of what is dropped.
    """
    say = note or (lambda message: None)
    classes: list[str] = []
    found: dict[str, str] = {}
    unknown: set[str] = set()
    for match in _PARTS.finditer(text):
        if match.group("ref") is not None:
            ref = match.group("ref")
            if ref in alds and depth < _MAX_REFERENCE_DEPTH:
                attrs, more = safe_attributes(alds[ref], alds, note, depth + 1)
                unknown |= more
                for name, value in attrs:
                    if name == "class":
                        classes.extend(value.split())
                    else:
                        found[name] = value
            else:
                unknown.add(ref)
            continue
        if match.group("cls") is not None:
            name, value = "class", match.group("cls")
        elif match.group("id") is not None:
            name, value = "id", match.group("id")
        else:
            name = match.group("key").lower()
            raw = match.group("dq") if match.group("dq") is not None else match.group("sq")
            value = re.sub(r"\\(.)", r"\1", raw)
        if name not in SAFE_NAMES:
            say(f"the attribute '{name}' of a kramdown attribute list is dropped: only "
                f"{', '.join(SAFE_NAMES)} are kept")
            continue
        if name == "class":
            good = [part for part in value.split() if _CLASS.fullmatch(part)]
            if len(good) != len(value.split()):
                say(f"the class {value!r} of a kramdown attribute list is dropped: not a class name")
            classes.extend(good)
        elif (name == "id" and not valid_id(value)) or (
                name == "lang" and not _LANG.fullmatch(value)) or (
                name == "dir" and value not in _DIRS):
            why = "the page uses it" if name == "id" and value in RESERVED_IDS else "not valid"
            say(f"the {name} {value!r} of a kramdown attribute list is dropped: {why}")
        else:
            found[name] = value
    attrs = [("class", " ".join(dict.fromkeys(classes)))] if classes else []
    attrs.extend(sorted(found.items()))
    return attrs, unknown
