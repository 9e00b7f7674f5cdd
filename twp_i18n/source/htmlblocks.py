"""Text inside HTML blocks as translation units.

Each text-bearing element of an HTML block (``<summary>``, ``<p>``, ``<li>``, ``<td>``, a
heading...) and the text directly inside a container (``<details>``, ``<div>``...) is a
run (:func:`html_runs`, read with the standard library's HTML tokenizer): a unit whose
msgid is its content, inline HTML kept as written.  A translation takes the place of the
run's text in the block, the rest of the block left byte for byte as written
(:func:`replace_html_runs`), only when the browser reads the same tags in it
(:func:`html_tags`).  Text no run holds (in ``<svg>``, ``<select>``...) is found by
:func:`html_leftover`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

from .markup import START_TAG, html_text, mark_html_lang, marked_start

#: Elements that are part of the text around them (a run goes through them).
_INLINE_ELEMENTS = frozenset(
    "a abbr b bdi bdo big br cite code data del dfn em font i img ins kbd mark q rp rt ruby s "
    "samp small span strike strong sub sup time tt u var wbr".split())
#: Elements whose content is no prose to translate: code, scripts, forms' options, drawings.
_SKIPPED_ELEMENTS = frozenset(
    "script style pre textarea listing xmp plaintext svg math template noscript iframe "
    "object select noembed noframes title".split())
_VOID_ELEMENTS = frozenset(
    "area base br col embed hr img input link meta param source track wbr keygen".split())
#: Elements a new one of the same group closes (``<li>`` after ``<li>``, ``<td>`` after ``<th>``).
_SIBLING_GROUPS = {"li": "li", "dt": "d", "dd": "d", "td": "cell", "th": "cell", "tr": "tr",
                   "option": "option", "p": "p"}
_SPACES = " \t\n\r\f"
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")


@dataclass(frozen=True)
class HtmlRun:
    """One stretch of prose in an HTML block: what an HTML unit's msgid comes from."""

    start: int
    """Offset of its first character in the block's content."""
    end: int
    """Offset after its last character."""
    element: str
    """The element it is the text of (``summary``, ``p``, ``details``...; ``""`` at the top)."""
    text: str
    """Its content as written, white space between words normalised to one space."""
    whole: int | None = None
    """When it is all the content of its element: the offset of that element's start tag."""


_Event = tuple[str, str, int, int, str]
"""``(kind, tag name, start, end, attribute names)`` of one piece of HTML."""


class _Events(HTMLParser):
    """The pieces of a piece of HTML, in order."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lines = [0]
        self.lines.extend(m.end() for m in re.finditer("\n", html))
        self.events: list[tuple[str, str, int, str]] = []

    def _add(self, kind: str, name: str = "", attrs: Any = ()) -> None:
        line, column = self.getpos()
        names = " ".join(sorted(attr for attr, _ in attrs))
        self.events.append((kind, name, self.lines[line - 1] + column, names))

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self._add("void" if tag in _VOID_ELEMENTS else "start", tag, attrs)

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        self._add("void" if tag in _VOID_ELEMENTS else "start", tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self._add("end", tag)

    def handle_data(self, data: str) -> None:
        self._add("data")

    def handle_comment(self, data: str) -> None:
        self._add("comment")

    def handle_decl(self, decl: str) -> None:
        self._add("other")

    def unknown_decl(self, data: str) -> None:
        self._add("other")

    def handle_pi(self, data: str) -> None:
        self._add("other")


#: A complete tag, comment or declaration (or the start of a comment holding ``<``).
_COMPLETE_TAG = re.compile(r"<[^<>]*>")
#: At most this many ``<`` that start no complete tag: the parser reads the rest of the text
#: again at each (so many of them would take quadratic time).
_MAX_STRAY = 100


def parses_in_linear_time(html: str) -> bool:
    """Whether Python's HTML parser reads ``html`` in linear time: it reads the rest of the
    text again at each ``<`` that starts no complete tag, so at most ``_MAX_STRAY`` of them."""
    stray = html.count("<") - sum(1 for _ in _COMPLETE_TAG.finditer(html))
    # A comment or CDATA section also reads on to its own end: those opened after the last
    # end ('<!--x>' looks complete) are read to the end of the text, each of them.
    for opening, closing in (("<!--", "-->"), ("<![", "]]>")):
        if opening in html:
            stray += html.count(opening, html.rfind(closing) + 1)
    return stray <= _MAX_STRAY


def _html_events(html: str) -> list[_Event] | None:
    """Every piece of ``html``, or None if the parser cannot read it (or not in linear time)."""
    if not parses_in_linear_time(html):
        return None
    parser = _Events(html)
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, AttributeError, IndexError, ValueError):
        return None
    events = parser.events
    ends = [start for _, _, start, _ in events[1:]] + [len(html)]
    found = [(kind, name, start, end, attrs)
             for (kind, name, start, attrs), end in zip(events, ends, strict=True)]
    if any(start > end for _, _, start, end, _ in found):
        return None  # pragma: no cover - the parser reports pieces in order
    return found


@lru_cache(maxsize=4096)
def html_runs(html: str) -> tuple[HtmlRun, ...]:
    """The runs of prose of an HTML block, in document order.

    A run is the content of a text-bearing element (``<summary>``, ``<p>``, ``<li>``,
    ``<td>``, a heading...) or the text directly inside a container (``<details>``,
    ``<div>``...), inline elements (``<b>``, ``<a>``, ``<code>``, ``<br>``...) and comments
    kept in it as written; any other tag ends it.  The content of ``<script>``, ``<style>``,
    ``<pre>``, ``<textarea>``, SVG and the like is no run.  Outside the runs, the block is
    left as it is."""
    events = _html_events(html) if "<" in html or "&" in html else None
    if events is None:
        return (_top_run(html),) if "<" not in html and html.strip() else ()
    runs: list[HtmlRun] = []
    stack: list[tuple[str, int]] = []  # open elements that are not inline: name, event index
    skipping: list[str] = []
    current: list[int] = []
    for index, (kind, name, _, _, _) in enumerate(events):
        if skipping:
            if kind == "end" and name == skipping[0]:
                skipping.pop()
            elif kind == "start" and name == skipping[0]:
                skipping.append(name)
            continue
        if kind in ("data", "comment") or name in _INLINE_ELEMENTS:
            current.append(index)
            continue
        _flush(html, events, current, stack, runs)
        current = []
        if kind == "start" and name in _SKIPPED_ELEMENTS:
            skipping.append(name)
        elif kind == "start":
            group = _SIBLING_GROUPS.get(name)
            if stack and (stack[-1][0] == "p" or (group and _SIBLING_GROUPS.get(stack[-1][0]) == group)):
                stack.pop()
            stack.append((name, index))
        elif kind == "end":
            names = [open_name for open_name, _ in stack]
            if name in names:
                del stack[len(names) - 1 - names[::-1].index(name):]
    _flush(html, events, current, stack, runs)
    return tuple(runs)


def _top_run(html: str) -> HtmlRun:
    start = len(html) - len(html.lstrip(_SPACES))
    end = len(html.rstrip(_SPACES))
    return HtmlRun(start, end, "", _HTML_SPACE.sub(" ", html[start:end]))


def _flush(html: str, events: list[_Event], current: list[int],
           stack: list[tuple[str, int]], runs: list[HtmlRun]) -> None:
    """Add the run made of the pieces ``current``, without the white space and comments
    around it, if anything is left."""
    def blank(index: int) -> bool:
        kind, _, start, end, _ = events[index]
        return kind == "comment" or (kind == "data" and not html[start:end].strip(_SPACES))

    first, last = 0, len(current) - 1
    while first <= last and blank(current[first]):
        first += 1
    while last >= first and blank(current[last]):
        last -= 1
    if first > last:
        return
    pieces = [events[index] for index in current[first:last + 1]]
    start, end = pieces[0][2], pieces[-1][3]
    if pieces[0][0] == "data":
        piece = html[start:pieces[0][3]]
        start += len(piece) - len(piece.lstrip(_SPACES))
    if pieces[-1][0] == "data":
        end = pieces[-1][2] + len(html[pieces[-1][2]:end].rstrip(_SPACES))
    text = "".join(_HTML_SPACE.sub(" ", html[max(s, start):min(e, end)]) if kind == "data"
                   else html[s:e] for kind, _, s, e, _ in pieces)
    element, opened = stack[-1] if stack else ("", -1)
    whole = None
    before, after = current[0] - 1, current[-1] + 1
    if opened >= 0 and before == opened and after < len(events) \
            and events[after][0] == "end" and events[after][1] == element:
        whole = events[opened][2]
    runs.append(HtmlRun(start, end, element, text.strip(" "), whole))


def html_unit_text(run: HtmlRun) -> str:
    """The prose of a run (no tags, code or comments): whether it is worth a unit."""
    return html_text(run.text)


def replace_html_runs(html: str, replacements: dict[int, str | None], mark: str | None) -> str:
    """``html`` with the runs of :func:`html_runs` numbered in ``replacements`` replaced by
    their text; a run given None stays, and with ``mark`` (a language tag) gets it as
    ``lang``, on its element when it is all of its content, else on a ``<span>`` around it.
    Prose outside every run is marked by :func:`mark_html_lang`."""
    runs = html_runs(html)
    out: list[str] = []
    position = 0
    for number, run in enumerate(runs):
        gap = html[position:run.start]
        if number in replacements:
            found = replacements[number]
            if found is not None:
                out.append(_mark_gap(gap, mark))
                out.append(found)
            elif mark is None:
                out.append(gap + html[run.start:run.end])
            elif run.whole is not None and run.whole >= position \
                    and (tag := START_TAG.match(html, run.whole)) is not None:
                at = run.whole - position
                out.append(_mark_gap(gap[:at], mark) + marked_start(tag, mark)
                           + gap[at + len(tag.group(0)):] + html[run.start:run.end])
            else:
                marks = f'<span lang="{mark}" class="untranslated">'
                out.append(_mark_gap(gap, mark) + marks + html[run.start:run.end] + "</span>")
        else:
            out.append(_mark_gap(gap, mark) + html[run.start:run.end])
        position = run.end
    out.append(_mark_gap(html[position:], mark))
    return "".join(out)


def _mark_gap(gap: str, mark: str | None) -> str:
    if mark is None or not html_text(gap):
        return gap
    return mark_html_lang(gap, mark)


def html_leftover(html: str) -> str:
    """The prose of an HTML block that no run holds (in ``<svg>``, ``<select>``...)."""
    runs = html_runs(html)
    if not runs:
        return html_text(html)
    pieces, position = [], 0
    for run in runs:
        pieces.append(html[position:run.start])
        position = run.end
    pieces.append(html[position:])
    return html_text(" ".join(pieces))


_OPENS_MARKUP = re.compile(r"<[A-Za-z!/?]")


def html_tags(text: str) -> Counter[str] | None:
    """The tags and comments of a run's text as the page's HTML parser reads them, each tag
    with its attributes' names, and ``unbalanced`` when its tags do not close in order.
    None when it holds markup the parser leaves unfinished (``<!--`` without its end,
    ``<b`` without ``>``): such text would swallow what follows it on the page."""
    events = _html_events(text)
    if events is None:
        return None
    found: Counter[str] = Counter()
    open_tags: list[str] = []
    for kind, name, start, end, attrs in events:
        piece = text[start:end]
        if kind == "data":  # the parser gives a '<' it cannot finish as text, alone
            if "<" in piece and any(_OPENS_MARKUP.match(text, start + at.start())
                                    for at in re.finditer("<", piece)):
                return None
            continue
        if kind == "comment" and not piece.endswith("-->"):
            return None
        found[f"{kind} {name} {attrs}".rstrip()] += 1
        if kind == "start":
            open_tags.append(name)
        elif kind == "end" and (not open_tags or open_tags.pop() != name):
            found["unbalanced"] = 1
    if open_tags:
        found["unbalanced"] = 1
    return found
