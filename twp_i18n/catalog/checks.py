"""Quality checks of translations: the library behind ``twp check``.

Translations come from volunteers and are untrusted: nothing a translator
writes may inject script or send readers elsewhere unnoticed.  Every finding
names the file and line of the entry, a short code and a hint saying how to
fix it.

Errors (the renderer then shows the source text instead of the translation,
see :func:`unsafe_entry`):

``syntax``
    the PO file cannot be read (made by the caller from a CatalogError with
    :func:`finding_from_error`);
``plural-forms``
    the header's ``Plural-Forms`` is missing or does not match the language,
    or a plural entry has the wrong number of ``msgstr[n]``;
``markup-mismatch``
    the translation's inline markup (emphasis, strong, code spans, links,
    images, HTML tags and comments) does not match the source's, kind by kind
    (markup may move within the sentence, but none may be lost or added);
``unsafe-link``
    a link, image or HTML URL whose scheme is not http, https, mailto or
    relative (``javascript:``, ``data:``, ``vbscript:``, ..., however it is
    disguised: mixed case, leading spaces or control characters, entities or
    percent-encoding), unless the very same URL is in the source;
``foreign-link``
    a link, image or HTML URL leading to a site that none of the source's URLs
    lead to (a changed target on the same site is only the ``link-changed``
    warning);
``unsafe-html``
    an HTML tag or attribute that the source unit does not have (``<script>``,
    ``<iframe>``, ``on*=`` handlers, ``style``, ...);
``template-tag``
    in an article, a Hugo shortcode (``{{< … >}}``, ``{{% … %}}``) or Liquid tag
    (``{% … %}``, ``{{ … }}``) of the source missing, changed or added: the site's
    generator would run something else;
``attribute-list``
    on a kramdown site, a span attribute list of the source (``*word*{: .x}``) missing,
    changed or added: the page would not carry the English's attributes;
``placeholder``
    in interface strings (``site.po``), a ``{name}``, ``%(name)s``, ``%s`` or
    ``%d`` placeholder missing or added (every ``msgstr[n]`` is checked);
``dose-changed``
    a number written with a unit of dose, time or proportion in the source
    (``2.5 mg``, ``10%``, ``every 2 weeks``; the units are ``[check] dose_units``)
    is missing or different in the translation, or the translation adds one.
    Numbers are compared as numbers, read the way the source language or the
    translation's language writes them (``2,5`` is ``2.5`` in German, ``10 %`` is
    ``10%`` in French, ``٢٫٥`` is ``2.5``); on a site about tapering a changed
    dose is a safety problem, so the reader gets the English;
``do-not-translate``
    a term of the language's glossary that must stay as written (a drug name)
    is in the source but not in the translation, neither as written nor in the
    form the glossary accepts (see :mod:`~twp_i18n.catalog.glossary`);
``bidi-control``
    an invisible text-direction embedding, override or isolate (U+202A to
    U+202E, U+2066 to U+2069) that the source does not have, counted character
    by character: such a control can show readers text in another order than
    the one written ("Trojan Source").  The direction marks U+200E, U+200F and
    U+061C are no finding: right-to-left text needs them, and they only
    attach neutral characters such as punctuation to a side, never reorder a
    run of words.
``merge-conflict``
    ``twp merge-po`` found the translation changed differently on two git
    branches: it kept one (the entry is fuzzy) and wrote the other into a
    ``# merge-conflict:`` translator comment, until someone chooses.

Warnings (shown, never blocking):

``link-changed``
    the links are all there but point elsewhere;
``number-changed``
    other numbers differ (compared as numbers, as for ``dose-changed``);
``glossary``
    a term of the language's glossary is in the source but its agreed
    translation is not in the translation;
``untranslated-copy``
    the translation is the source text itself (not reported for text without
    letters, a lone acronym such as ``RSS``, or text made mostly of code and URLs);
``whitespace``
    leading or trailing whitespace differs from the source;
``line-break``
    the translation has more or fewer hard line breaks (a backslash at the
    end of a line) than the source;
``control-character``
    the translation holds an invisible control character (C0 or C1, such as
    U+0085 NEXT LINE) or a Unicode noncharacter (U+FFFE) the source does not
    have: the pages, feeds and books leave it out.

Silencing a warning
-------------------
A translator who checked a warning and wants to keep the translation adds a
translator comment naming its code to the entry::

    # twp-ignore: link-changed
    msgid "Read [the guide](https://example.org/guide)."
    msgstr "Lisez [le guide](https://example.org/fr/guide)."

Several codes may be given, separated by commas or spaces.  Errors cannot be
silenced: an unsafe or broken translation must be fixed.

Only translated entries are checked (not fuzzy, obsolete or untranslated
ones); the header is checked for ``Plural-Forms``.
"""

from __future__ import annotations

import copy
import html
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

import polib
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..config import DEFAULT_DOSE_UNITS, Config
from ..diagnostics import Diagnostic
from ..errors import NOT_TEXT, CatalogError
from ..languages import (
    NUMBER_SEPARATORS,
    PLURAL_SAMPLES,
    parse_number,
    plural_forms,
    plural_function,
    single_count_forms,
    unit_words,
)
from ..languages import nplurals as language_nplurals
from ..machinery import cache, parallel
from ..paths import domain_files
from ..source.attrlists import span_attribute_lists
from ..source.htmlblocks import html_tags, parses_in_linear_time
from ..source.markup import comment_references, references_env, template_tags, without_template_tags
from ..source.segments import inline_tokens, markdown, refused_links
from ..urls import foreign_urls, language_version_urls
from .context import DEFAULT_CONTEXT, Context, check_context
from .glossary import ROW_HINT, Glossary, load_glossary

__all__ = [
    "ERRORS",
    "Context",
    "check_context",
    "SAFE_SCHEMES",
    "WARNINGS",
    "Finding",
    "check_catalog",
    "check_entry",
    "finding_from_error",
    "ignored_codes",
    "unsafe_entry",
]

Severity = Literal["error", "warning"]
Kind = Literal["article", "site"]
References = tuple[tuple[str, str, str], ...]
"""``(label, href, title)`` of the link definitions an entry's comments show."""

#: Codes of findings that make an entry unusable.
ERRORS = frozenset({"syntax", "plural-forms", "markup-mismatch", "unsafe-link", "foreign-link",
                    "unsafe-html", "placeholder", "bidi-control", "merge-conflict", "dose-changed",
                    "do-not-translate", "glossary-file", "template-tag", "attribute-list"})
#: Codes of findings a translator may silence with ``# twp-ignore: CODE``.
WARNINGS = frozenset({"link-changed", "number-changed", "untranslated-copy", "whitespace",
                      "line-break", "language-link", "glossary", "control-character"})
#: URL schemes a translation may use; relative URLs (no scheme) are fine too.
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})

_HINTS = {
    "syntax": "fix the PO syntax at that line (an editor such as Poedit shows it), "
              "or check it with 'msgfmt -c'",
    "plural-forms": "use the Plural-Forms header of the language ('{expected}') and one "
                    "msgstr[N] per plural form",
    "markup-mismatch": "keep every **strong**, *emphasis*, `code`, [link](url), ![image](src) "
                       "and HTML tag of the source (they may move within the sentence); "
                       "no space between ']' and '('",
    "unsafe-link": "use the source's URL, or an http(s)://, mailto: or relative one",
    "foreign-link": "keep the link on the sites the source links to: use the source's URL, "
                    "or a page of the same site (a translated version, say)",
    "unsafe-html": "remove the HTML the source does not have; keep the source's tags and "
                   "attributes as they are",
    "template-tag": "keep every shortcode and template tag of the source ({{< ... >}}, "
                    "{{% ... %}}, {% ... %}, {{ ... }}) exactly as written; translate only "
                    "the text around them",
    "attribute-list": "keep every attribute list of the source ({: .name}) exactly as "
                      "written, right after the same markup as in the source",
    "placeholder": "keep every placeholder of the source exactly as written ({name}, "
                   "%(name)s, %s, %d); do not add others",
    "bidi-control": "remove the invisible direction controls (U+202A-U+202E, U+2066-U+2069) "
                    "the source does not have: the page sets the text direction itself; "
                    "where a neutral character sits on the wrong side, use the marks "
                    "U+200F (RLM), U+061C (ALM) or U+200E (LRM)",
    "language-link": "check that the page exists in that language version of the site; if "
                     "it is intended, add the translator comment '# twp-ignore: language-link'",
    "merge-conflict": "choose: keep the msgstr, or put the version from the comment (or a "
                      "new one) in its place; then delete the '# merge-conflict:' lines and "
                      "the fuzzy flag",
    "dose-changed": "write every dose, duration and percentage of the source in digits, with "
                    "the same value (2.5 mg may be written 2,5 mg where the language uses a "
                    "decimal comma); a changed dose is never shown to readers",
    "do-not-translate": "keep the term as the source writes it (a drug name), or add the "
                        "accepted local form to the language's glossary.csv",
    "glossary": "use the translation the glossary gives for the term; or add "
                "'# twp-ignore: glossary'",
    "glossary-file": ROW_HINT,
    "link-changed": "check the link targets; if a different URL is intended (a localized "
                    "page), add the translator comment '# twp-ignore: link-changed'",
    "number-changed": "check the numbers; if the change is intended, add the translator "
                      "comment '# twp-ignore: number-changed'",
    "untranslated-copy": "translate the text, or leave msgstr empty; if it really reads "
                         "the same, add '# twp-ignore: untranslated-copy'",
    "line-break": "keep the source's line breaks: end the line with a backslash (\\) where "
                  "the source does; or add '# twp-ignore: line-break'",
    "whitespace": "start and end the translation like the source (spaces and line breaks); "
                  "or add '# twp-ignore: whitespace'",
    "control-character": "delete the invisible character (an editor may show it as a box or "
                         "not at all; it often comes with text copied from a PDF or a word "
                         "processor)",
}


@dataclass(frozen=True)
class Finding(Diagnostic):
    """One problem found in a catalog: a :class:`Diagnostic` that also names its unit."""

    msgid: str | None = None


def glossary_findings(glossary: Glossary) -> list[Finding]:
    """The ``glossary-file`` error of each row of the glossary that was left out."""
    return [Finding(problem.path, problem.line, "error", "glossary-file", problem.message,
                    _HINTS["glossary-file"], None) for problem in glossary.problems]


def finding_from_error(exc: CatalogError) -> Finding:
    """The ``syntax`` finding for a catalog that could not be read at all."""
    return Finding(path=exc.path or "", line=exc.line, severity="error", code="syntax",
                   message=exc.message, hint=exc.hint or _HINTS["syntax"], msgid=None)


# --------------------------------------------------------------------------- analysis

@lru_cache(maxsize=1)
def _inspecting_parser() -> MarkdownIt:
    """The site's Markdown parser, but keeping every link so its URL can be inspected.

    markdown-it silently turns ``[x](javascript:...)`` into plain text; checks
    must see such links to report them.  The links the site's parser would refuse
    are counted (:func:`~twp_i18n.source.segments.refused_links`): a parse that met
    none is the site parser's own.
    """
    md = copy.copy(markdown())  # same rules and options; only link validation differs
    validate = markdown().validateLink

    def keep(url: str) -> bool:
        validate(url)  # counted when refused
        return True

    md.validateLink = keep  # type: ignore[method-assign]
    return md


_shared: dict[str, list[Token]] | None = None


@contextmanager
def sharing_parses(known: Mapping[str, list[Token]] | None = None
                   ) -> Iterator[dict[str, list[Token]]]:
    """Inside the block, the texts of articles that a check parsed as the build renders them
    (no template tag, no link definition, no link the site's parser refuses) are kept:
    text -> inline tokens, for the renderer to use instead of parsing again.  ``known``:
    such parses made already (of the article's own units), which the checks use."""
    global _shared
    before, _shared = _shared, dict(known or {})
    try:
        yield _shared
    finally:
        _shared = before


@dataclass
class _Tag:
    """One piece of raw HTML: a tag (``name``/``/name``), comment or declaration."""

    name: str
    attrs: list[tuple[str, str | None]] = field(default_factory=list)


class _TagCollector(HTMLParser):
    """Collects the tags of a piece of raw HTML, with lower-cased names and unescaped values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[_Tag] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(_Tag(tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(_Tag(tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        self.tags.append(_Tag("/" + tag))

    def handle_comment(self, data: str) -> None:
        self.tags.append(_Tag("!--"))

    def handle_decl(self, decl: str) -> None:
        self.tags.append(_Tag("!" + (decl.split() or [""])[0].lower()))

    def unknown_decl(self, data: str) -> None:
        self.tags.append(_Tag("![" + (data.split("[") or [""])[0].lower()))

    def handle_pi(self, data: str) -> None:
        self.tags.append(_Tag("?"))


def _parse_html(source: str) -> list[_Tag]:
    """The tags in ``source``; anything the parser chokes on (or would read in quadratic
    time) counts as an unknown tag."""
    if not parses_in_linear_time(source):
        return [_Tag("?unparsable")]
    collector = _TagCollector()
    try:
        collector.feed(source)
        collector.close()
    except (AssertionError, AttributeError, IndexError, ValueError):
        collector.tags.append(_Tag("?unparsable"))
    return collector.tags


#: Attributes whose value is a URL (or a list of them) a browser may load or follow.
_URL_ATTRIBUTES = frozenset({
    "href", "src", "srcset", "action", "formaction", "xlink:href", "poster", "background",
    "cite", "longdesc", "data", "codebase", "ping", "manifest", "icon", "dynsrc", "lowsrc",
    "archive", "classid", "profile", "usemap",
})
#: Attributes whose value must be one the source has, not just the attribute name.
_VALUE_SENSITIVE = frozenset({"style", "srcdoc", "content", "http-equiv"})

_LINKISH_MARKDOWN = re.compile(r"\]\(([^)]*)\)?")
_LINKISH_ANGLE = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^<>]*)>")
_LINKISH_ATTRIBUTE = re.compile(
    r"(?i)\b(?:href|src|action|formaction|srcset|poster|data)\s*=\s*(\"[^\"]*\"?|'[^']*'?|[^\s>]+)")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\xa0\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5"
                        r"\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\u3164\ufeff]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


def url_scheme(url: str) -> str | None:
    """The scheme a browser could see in ``url``, lower-cased, or None for a relative URL.

    Deliberately suspicious: entities and percent-escapes are decoded (repeatedly)
    and every control, space and invisible character is dropped before looking,
    so ``" &#106;ava\\tscript:"`` is ``javascript``.

    >>> url_scheme("JaVaScRiPt:alert(1)"), url_scheme("/fr/about"), url_scheme("#top")
    ('javascript', None, None)
    >>> url_scheme("&#x6A;avascript&colon;alert(1)"), url_scheme("\\x01 java%09script:x")
    ('javascript', 'javascript')
    """
    text = url
    for _ in range(4):
        decoded = unquote(html.unescape(text))
        if decoded == text:
            break
        text = decoded
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))
    text = _INVISIBLE.sub("", text)
    match = _SCHEME.match(text)
    return match.group(1).lower() if match else None


def _unsafe_scheme(url: str) -> str | None:
    scheme = url_scheme(url)
    return scheme if scheme is not None and scheme not in SAFE_SCHEMES else None


def _same_url_key(url: str) -> str:
    """How URLs are compared between source and translation (whitespace-insensitive)."""
    return _INVISIBLE.sub("", html.unescape(url))


@dataclass
class _Analysis:
    """What the checks need to know about one text (a msgid or a msgstr)."""

    markup: Counter[str] = field(default_factory=Counter)
    tags: list[_Tag] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    """Every URL a browser may follow or load: links, images, HTML attributes."""
    loose_urls: list[str] = field(default_factory=list)
    """URL-like text that is *not* markup, e.g. a link broken by a control character."""
    targets: list[str] = field(default_factory=list)
    """Link and image targets, compared by the ``link-changed`` warning."""
    number_text: str = ""
    """The text numbers are taken from (prose and code, without URLs)."""
    prose: str = ""
    technical: str = ""
    placeholders: Counter[str] = field(default_factory=Counter)
    template_tags: Counter[str] = field(default_factory=Counter)
    """Shortcodes and template tags of an article's text."""
    line_breaks: int = 0


_MARKUP_NAMES = {
    "em_open": "emphasis (*...*)",
    "strong_open": "strong emphasis (**...**)",
    "code_inline": "code span (`...`)",
    "link_open": "link ([...](...))",
    "image": "image (![...](...))",
}


def _add_tags(result: _Analysis, tags: list[_Tag]) -> None:
    for tag in tags:
        result.tags.append(tag)
        if tag.name == "!--":
            result.markup["HTML comment"] += 1
        elif tag.name.startswith("/"):
            result.markup[f"HTML tag </{tag.name[1:]}>"] += 1
        else:
            result.markup[f"HTML tag <{tag.name}>"] += 1
        for name, value in tag.attrs:
            if name in _URL_ATTRIBUTES and value is not None:
                urls = [part.strip().split(" ")[0] for part in value.split(",")] \
                    if name == "srcset" else [value]
                result.urls.extend(urls)
                if name in ("href", "src"):
                    result.targets.extend(urls)


def _walk(tokens: Iterable[Token], result: _Analysis, prose: list[str], technical: list[str],
          numbers_from: list[str]) -> None:
    in_autolink = False
    for token in tokens:
        kind = token.type
        if kind in _MARKUP_NAMES:
            result.markup[_MARKUP_NAMES[kind]] += 1
        if kind == "link_open":
            href = str(token.attrs.get("href", ""))
            result.urls.append(href)
            result.targets.append(href)
            in_autolink = token.markup == "autolink"
        elif kind == "link_close":
            in_autolink = False
        elif kind == "image":
            src = str(token.attrs.get("src", ""))
            result.urls.append(src)
            result.targets.append(src)
            prose.append(token.content)
            numbers_from.append(token.content)
        elif kind == "hardbreak":
            result.line_breaks += 1
        elif kind == "code_inline":
            technical.append(token.content)
            numbers_from.append(token.content)
        elif kind == "html_inline":
            _add_tags(result, _parse_html(token.content))
        elif kind == "text":
            if in_autolink:
                technical.append(token.content)
            else:
                prose.append(token.content)
                numbers_from.append(token.content)


# Bounded repeats keep this linear on huge input (a translator's 200 kB string).
_BARE_URL = re.compile(r"(?:\b[A-Za-z][A-Za-z0-9+.\-]{0,31}://|\bwww\.)[^\s<>]*"
                       r"|\b[\w.+\-]{1,64}@[\w\-]{1,63}(?:\.[\w\-]{1,63})+")
# The flags are possessive (*+): they and the width both take "0", and giving zeros back to
# the width would take quadratic time on "%000...0" with no conversion after it.
_PLACEHOLDER = re.compile(
    r"%%"                                                          # escaped percent
    r"|%\([^()\s]+\)[#0\-+]*+\d*(?:\.\d+)?[sdifr]"                 # %(name)s
    r"|%[#0\-+]*+\d*(?:\.\d+)?[sdifr]"                             # %s, %d
    r"|\{\{|\}\}"                                                  # escaped braces
    r"|\{[A-Za-z0-9_]*(?:\.[A-Za-z_]\w*|\[[^\]{}]*\])*(?:![rsa])?(?::[^{}]*)?\}")  # {name}
#: Digits grouped by thousands (1,000 / 1.000 / 1 000 / ١٬٠٠٠) count as one number.
_NUMBER = re.compile(r"\d+(?:[,.\u00a0\u202f\u2009 '\u2019\u066c]\d{3}(?!\d))*")
_GROUPING = re.compile(r"[,.\u00a0\u202f\u2009 '\u2019\u066c]")


def placeholders(text: str) -> Counter[str]:
    """The format placeholders of an interface string, as a multiset.

    >>> sorted(placeholders("%(count)d files in {folder}, 100%% done, {{literal}} %s").elements())
    ['%(count)d', '%s', '{folder}']
    """
    found: Counter[str] = Counter()
    for match in _PLACEHOLDER.finditer(text):
        token = match.group(0)
        if token not in ("%%", "{{", "}}"):
            found[token] += 1
    return found


def numbers(text: str) -> Counter[str]:
    """The numbers in ``text`` as a multiset of canonical digit strings.

    >>> sorted(numbers("1,000 people in 2026, ٣ times, 1 000 and 1.5").elements())
    ['1', '1000', '1000', '2026', '3', '5']
    """
    found: Counter[str] = Counter()
    for match in _NUMBER.finditer(text):
        digits = _GROUPING.sub("", match.group(0))
        try:
            found[str(int(digits))] += 1
        except ValueError:  # pragma: no cover - \d only matches decimal digits
            found[digits] += 1
    return found


_DIGIT = re.compile(r"\d")
_NUMBER_TOKEN = re.compile(r"\d+(?:[" + re.escape(NUMBER_SEPARATORS) + r"]\d+)*")
_RANGE = re.compile(r"\s{0,3}(?:[-\u2010-\u2015/]|to|or|and|x|\u00d7)\s{0,3}\Z", re.IGNORECASE)
MAX_MATCHED_NUMBERS = 100
"""Numbers in one text above which they are paired greedily (exact pairing is quadratic)."""


@dataclass(frozen=True)
class _Number:
    """A number of a text: what it says and the values it may mean."""

    text: str
    values: frozenset[str]
    dose: str | None
    """The unit of dose, time or proportion written after it, if any."""
    negative: bool = False
    """A minus sign right before it ("-0.5 mg"), not a range's dash ("2-4")."""


_LEADING_ZERO = re.compile(r"0\D")


@lru_cache(maxsize=64)
def _unit_pattern(units: tuple[str, ...]) -> re.Pattern[str] | None:
    if not units:
        return None
    names = sorted(units, key=lambda u: (-len(u), u))
    return re.compile(r"[\s\u00a0\u202f\u2009]{0,2}-?(" + "|".join(map(re.escape, names))
                      + r")(?![^\W\d_])", re.IGNORECASE)


def number_values(text: str, langs: tuple[str | None, ...],
                  units: tuple[str, ...] = DEFAULT_DOSE_UNITS,
                  own: str | None = None) -> list[_Number]:
    """The numbers of ``text``, each with the values it has in any of ``langs``' way of
    writing numbers, and whether a unit of ``units`` follows it (or follows the number it
    makes a range with: ``2-4 weeks``).  A number with a unit has only ``own``'s reading
    when ``own`` reads it: readers of that language take ``17.500 mg`` for 17 500, whatever
    the English would make of it.  A digit run no language reads as one number
    counts as its digit groups, each a number.  Compatibility forms count as the
    characters they stand for (NFKC: full-width ``２．５％`` is ``2.5%``).

    >>> [sorted(n.values) for n in number_values("2,5 mg, 1.000", ("en", "de"))]
    [['2.5'], ['1', '1000']]
    >>> [(n.text, n.dose) for n in number_values("every 2-4 weeks, 10 % of 2026", ("fr",))]
    [('2', 'weeks'), ('4', 'weeks'), ('10', '%'), ('2026', None)]
    """
    pattern = _unit_pattern(units)
    if not text.isascii():  # full-width digits and signs (２．５ｍｇ) as the ASCII ones
        text = unicodedata.normalize("NFKC", text)
    found: list[tuple[int, int, _Number]] = []
    for match in _NUMBER_TOKEN.finditer(text):
        token = match.group(0)
        values = frozenset(v for v in (parse_number(token, lang) for lang in langs) if v is not None)
        unit = pattern.match(text, match.end()) if pattern else None
        dose = unit.group(1) if unit else None
        # ("0.125": no language groups thousands after a lone 0, so that is a decimal)
        if dose and own is not None and len(values) > 1 and not _LEADING_ZERO.match(token):
            read = parse_number(token, own)
            if read is not None:
                values = frozenset({read})
        if values:
            start = match.start()
            negative = start > 0 and text[start - 1] in "-\u2212" and (
                start == 1 or not text[start - 2].isalnum())
            found.append((start, match.end(), _Number(token, values, dose, negative)))
            continue
        pieces = list(re.finditer(r"\d+", token))
        for index, piece in enumerate(pieces):
            value = parse_number(piece.group(0), None) or piece.group(0)
            found.append((match.start() + piece.start(), match.start() + piece.end(),
                          _Number(piece.group(0), frozenset({value}),
                                  dose if index == len(pieces) - 1 else None)))
    for index in range(len(found) - 2, -1, -1):  # "2-4 weeks": the 2 is a dose too
        start, end, number = found[index]
        after = found[index + 1]
        if number.dose is None and after[2].dose and _RANGE.match(text[end:after[0]]):
            found[index] = (start, end, _Number(number.text, number.values, after[2].dose,
                                                number.negative))
    return [number for _, _, number in found]


@dataclass
class _NumberComparison:
    lost: list[_Number] = field(default_factory=list)
    """Numbers of the source the translation does not have."""
    added: list[_Number] = field(default_factory=list)
    """Numbers of the translation the source does not have."""


def compare_numbers(source_text: str, translation: str, context: Context) -> _NumberComparison:
    """Pair the source's numbers with the translation's, value for value.

    A source number is read as the source language writes numbers; a number of the
    translation may be read either way (``2.5`` in a German text is the English
    reading).  Numbers with a unit are paired first, so they never lose their partner
    to a plain number.
    """
    result = _NumberComparison()
    if not source_text and not translation:
        return result
    source = number_values(source_text, (context.source_lang,), context.dose_units)
    local = _local_units(context.lang, context.source_lang, context.dose_units)
    target = number_values(translation, (context.source_lang, context.lang),
                           context.dose_units + local, own=context.lang)
    source_kinds = [_unit_kind(n.dose, (context.source_lang,)) for n in source]
    target_kinds = [_unit_kind(n.dose, (context.lang, context.source_lang)) for n in target]
    order = sorted(range(len(source)), key=lambda i: source[i].dose is None)
    partner: dict[int, int] = {}  # target index -> source index
    by_value: dict[str, list[int]] = {}
    for index, number in enumerate(target):
        for value in sorted(number.values):
            by_value.setdefault(value, []).append(index)
    exact = len(source) <= MAX_MATCHED_NUMBERS and len(target) <= MAX_MATCHED_NUMBERS

    def fits(i: int, j: int) -> bool:  # not another unit (mg, mcg; weeks, months), nor "-0.5 mg"
        mine, theirs, a, b = source_kinds[i], target_kinds[j], source[i], target[j]
        signed = bool(a.dose and b.dose) and a.negative != b.negative
        return not signed and (mine is None or theirs is None or mine == theirs)

    def assign(i: int, seen: set[int]) -> bool:  # Kuhn's augmenting path
        (value,) = source[i].values
        for j in by_value.get(value, ()):
            if j in seen or not fits(i, j):
                continue
            seen.add(j)
            if j not in partner or assign(partner[j], seen):
                partner[j] = i
                return True
        return False

    if exact:
        matched = {i for i in order if assign(i, set())}
    else:  # many numbers: the first free one of the same value (each list walked once)
        matched = set()
        cursor: dict[str, int] = {}
        for i in order:
            (value,) = source[i].values
            candidates = by_value.get(value, [])
            at = cursor.get(value, 0)
            while at < len(candidates) and candidates[at] in partner:
                at += 1
            cursor[value] = at
            pick = next((j for j in candidates[at:] if j not in partner and fits(i, j)), None)
            if pick is not None:  # the first free one, unless its unit is another
                partner[pick] = i
                matched.add(i)
    result.lost = [source[i] for i in range(len(source)) if i not in matched]
    result.added = _added(target, partner, context.dose_units)
    return result


def _added(target: list[_Number], partner: dict[int, int],
           units: tuple[str, ...]) -> list[_Number]:
    """The translation's numbers no source number pairs with.  A duration the source spells
    out ("two weeks") may be written in digits: a number the translation adds before its own
    word for a time counts as a number, not as a dose (only ``units`` make a dose there)."""
    configured = {unit.lower() for unit in units}
    return [number if not number.dose or number.dose.lower() in configured
            else _Number(number.text, number.values, None)
            for j, number in enumerate(target) if j not in partner]


_MASS_UNITS = {"mg": "mg", "mcg": "µg", "\u00b5g": "µg", "\u03bcg": "µg", "ug": "µg", "g": "g",
               "ml": "ml"}


@lru_cache(maxsize=64)
def _local_units(lang: str | None, source_lang: str | None,
                 units: tuple[str, ...]) -> tuple[str, ...]:
    """The words of ``lang`` for the units of time and dose among ``units`` (the dose units,
    written in the source language): a number before one of them is a dose in a
    translation (``20 мкг``, ``2 semanas``)."""
    kinds = {_unit_kind(unit, (source_lang, "en")) for unit in units} - {None}
    return tuple(word for word, kind in unit_words(lang).items() if kind in kinds)


def _unit_kind(dose: str | None, langs: tuple[str | None, ...]) -> str | None:
    """The unit a dose is written in: of mass or volume (``mcg`` and ``µg`` the same) or of
    time, in one of ``langs`` (``semanas`` is ``week``, ``мкг`` is ``µg``); None for another
    unit or a word the tool does not know (``ملغ``)."""
    if not dose:
        return None
    word = dose.lower()
    if word in _MASS_UNITS:
        return _MASS_UNITS[word]
    for lang in langs:
        kind = unit_words(lang).get(word)
        if kind:
            return kind
    return None


def _shown(number: _Number) -> str:
    return f"{number.text} {number.dose}" if number.dose else number.text


def _analyze(text: str, kind: Kind, for_warnings: bool = True,
             references: References = ()) -> _Analysis:
    """What the checks look at in ``text``; without ``for_warnings``, only what the
    errors need (markup, tags, URLs, placeholders): no prose or numbers.  ``references``:
    the article's link definitions the entry's comments show, resolved as the build does."""
    result = _Analysis()
    prose: list[str] = []
    technical: list[str] = []
    numbers_from: list[str] = []
    if kind == "article":
        result.template_tags = template_tags(text)
        plain = without_template_tags(text)
        env = references_env(references)
        shared = _shared if plain == text and not env else None
        children = shared.get(text) if shared is not None else None
        if children is None:
            refused = refused_links()
            children = inline_tokens(_inspecting_parser(), plain, env)
            if shared is not None and refused_links() == refused:
                shared[text] = children
        text = plain
        _walk(children, result, prose, technical, numbers_from)
    else:
        result.placeholders = placeholders(text)
        without = _PLACEHOLDER.sub(" ", text)
        tags = _parse_html(without) if "<" in without else []
        _add_tags(result, tags)
        last = without.rfind(">") + 1  # no tag after the last '>': not searched (linear)
        plain = re.sub(r"<[^>]*>", " ", without[:last]) + without[last:]
        prose.append(plain)
        numbers_from.append(plain)
    # Each pattern is searched only where the text holds what it cannot match without.
    if "](" in text:
        for match in _LINKISH_MARKDOWN.finditer(text):
            result.loose_urls.append(match.group(1).strip().lstrip("<"))
    if "<" in text:
        for match in _LINKISH_ANGLE.finditer(text):
            result.loose_urls.append(match.group(1))
    if "=" in text:
        for match in _LINKISH_ATTRIBUTE.finditer(text):
            result.loose_urls.append(match.group(1).strip("\"'"))
    numbers_joined = " ".join(numbers_from)
    if _DIGIT.search(numbers_joined):
        result.number_text = _without_bare_urls(numbers_joined)
    if not for_warnings:
        return result
    joined = " ".join(prose)
    urls = _BARE_URL.findall(joined) if _may_hold_bare_url(joined) else []
    result.prose = _without_bare_urls(joined)
    result.technical = " ".join(technical + urls)
    return result


def _may_hold_bare_url(text: str) -> bool:
    """False when ``text`` cannot hold a match of ``_BARE_URL`` (most prose)."""
    return "://" in text or "www." in text or "@" in text


def _without_bare_urls(text: str) -> str:
    return _BARE_URL.sub(" ", text) if _may_hold_bare_url(text) else text


@lru_cache(maxsize=8192)
def _source_analysis(text: str, kind: Kind, references: References = ()) -> _Analysis:
    """:func:`_analyze` of a source text, which every language's entry compares with
    (read only: the checks never change an analysis)."""
    return _analyze(text, kind, references=references)


def _tag_label(name: str) -> str:
    """How a raw HTML piece is named in messages: ``HTML tag <script>``, ``HTML comment``."""
    name = name.lstrip("/")
    if name == "!--":
        return "HTML comment"
    if name.startswith("?"):
        return "HTML processing instruction"
    if name.startswith("!"):
        return f"HTML declaration <{name}>"
    return f"HTML tag <{name}>"


def _letters(text: str) -> int:
    return sum(1 for ch in text if unicodedata.category(ch).startswith("L"))


def _describe(counter: Counter[str]) -> str:
    return ", ".join(f"{name} ×{count}" if count > 1 else name
                     for name, count in sorted(counter.items()))


# --------------------------------------------------------------------------- entries

_IGNORE = re.compile(r"twp-ignore\s*:\s*([A-Za-z0-9_\-, \t]+)")


def ignored_codes(entry: polib.POEntry) -> frozenset[str]:
    """The codes a translator silenced with ``# twp-ignore: CODE[, CODE...]`` on the entry."""
    codes: set[str] = set()
    for match in _IGNORE.finditer(entry.tcomment or ""):
        codes.update(code for code in re.split(r"[,\s]+", match.group(1).strip().lower()) if code)
    return frozenset(codes)


def _forms(entry: polib.POEntry) -> list[tuple[str, str, str]]:
    """``(label, source, translation)`` for each msgstr of the entry.

    ``msgstr[0]`` is compared with the singular msgid, the other forms with
    the plural one; a language with a single form (Japanese, say) uses it for
    every count, so it is compared with the plural msgid.
    """
    if entry.msgid_plural:
        single = len(entry.msgstr_plural) == 1
        return [(f"msgstr[{index}]",
                 entry.msgid if index == 0 and not single else entry.msgid_plural, text)
                for index, text in sorted(entry.msgstr_plural.items())]
    return [("msgstr", entry.msgid, entry.msgstr)]


class _Reporter:
    """Collects the findings of one entry, without duplicates and honouring ``twp-ignore``."""

    def __init__(self, entry: polib.POEntry, path: str) -> None:
        self.entry = entry
        self.path = path
        self.line: int | None = getattr(entry, "linenum", None)
        self.ignored = ignored_codes(entry)
        self.findings: list[Finding] = []
        self._seen: set[Finding] = set()

    def add(self, code: str, message: str, label: str, plural: bool,
            hint: str | None = None) -> None:
        severity: Severity = "error" if code in ERRORS else "warning"
        if severity == "warning" and code in self.ignored:
            return
        if plural:
            message = f"{label}: {message}"
        finding = Finding(self.path, self.line, severity, code, message,
                          hint or _HINTS[code], self.entry.msgid)
        if finding not in self._seen:
            self._seen.add(finding)
            self.findings.append(finding)


def check_entry(entry: polib.POEntry, *, path: str, kind: Kind,
                nplurals: int | None = None,
                single_forms: frozenset[int] = frozenset(),
                errors_only: bool = False,
                context: Context = DEFAULT_CONTEXT) -> list[Finding]:
    """All findings for one entry, errors first.

    ``nplurals`` is the language's number of plural forms; when given, a plural
    entry with another number of ``msgstr[n]`` is an error (checked whether
    or not the entry is translated).  ``single_forms`` are the plural forms
    that serve one count only (Arabic's "one" and "two"): those may leave the
    number placeholder out, as gettext allows.  Fuzzy, obsolete and untranslated entries
    are otherwise not checked.  ``context`` gives the languages, dose units, glossary and
    the other sites a translation may link to (``[check] allowed_link_hosts``).
    """
    report = _Reporter(entry, path)
    if entry.obsolete or not entry.msgid:
        return []
    plural = bool(entry.msgid_plural)
    if plural and nplurals is not None and len(entry.msgstr_plural) != nplurals:
        report.add("plural-forms", f"the entry has {len(entry.msgstr_plural)} plural forms "
                   f"but the language has {nplurals}", "msgstr", False,
                   hint=f"give the entry exactly msgstr[0] to msgstr[{nplurals - 1}], one per "
                        "plural form of the language")
    if entry.fuzzy or not entry.translated():
        return _sorted(report.findings)
    known_placeholders = placeholders(entry.msgid) | placeholders(entry.msgid_plural or "") \
        if kind == "site" else Counter()
    forms = _forms(entry)
    references = comment_references(entry.comment or "") if kind == "article" else ()
    for label, source_text, translation in forms:
        if not translation:
            continue
        _check_text(report, label, plural, source_text, translation, kind, known_placeholders,
                    may_omit=plural and int(label[7:-1]) in single_forms, errors_only=errors_only,
                    context=context, references=references)
    if kind == "article" and not plural and html_unit(entry) \
            and html_tags(entry.msgstr.strip(" \t\n\r\f")) != html_tags(entry.msgid):
        report.add("markup-mismatch", "the HTML a browser reads in the translation differs "
                   "from the source's: a tag, attribute, comment or '<' added, lost or left "
                   "unfinished", "msgstr", False)
    return _sorted(report.findings)


def html_unit(entry: polib.POEntry) -> bool:
    """Whether the entry is text inside an HTML block (its comments say ``type: html ...``):
    its translation goes into the page as HTML, as the browser reads it."""
    return "type: html " in (entry.comment or "")


def _check_text(report: _Reporter, label: str, plural: bool, source_text: str,
                translation: str, kind: Kind, known_placeholders: Counter[str],
                may_omit: bool = False, errors_only: bool = False,
                context: Context = DEFAULT_CONTEXT, references: References = ()) -> None:
    """Run the text rules over one translation: the errors, then (unless ``errors_only``)
    the warnings, each rule in its turn."""
    source = _source_analysis(source_text, kind, references)
    target = _analyze(translation, kind, for_warnings=not errors_only, references=references)
    pair = _Pair(source_text, translation, source, target, kind, known_placeholders, may_omit,
                 context, _LazyNumbers(source.number_text, target.number_text, context))

    def add(code: str, message: str) -> None:
        report.add(code, message, label, plural)

    for rule in _ERROR_RULES if errors_only else _TEXT_RULES:
        rule(pair, add)


Add = Callable[[str, str], None]
"""How a rule reports: ``add(code, message)``."""


@dataclass
class _Pair:
    """One translation beside its source, as the text rules see them."""

    source_text: str
    translation: str
    source: _Analysis
    target: _Analysis
    kind: Kind
    known_placeholders: Counter[str]
    may_omit: bool
    context: Context
    numbers: _LazyNumbers
    unsafe: set[str] = field(default_factory=set)
    """Keys of the links reported as ``unsafe-link``: no other link rule reports them."""
    languages: set[str] = field(default_factory=set)
    """Keys of the links reported as ``language-link``: ``link-changed`` skips them."""


def _bidi_control(pair: _Pair, add: Add) -> None:
    """``bidi-control``: invisible controls that reorder what readers see."""
    if _BIDI_CONTROL.search(pair.translation):
        added = (Counter(_BIDI_CONTROL.findall(pair.translation))
                 - Counter(_BIDI_CONTROL.findall(pair.source_text)))
        if added:
            add("bidi-control", "invisible text-direction control " + " and ".join(
                f"U+{ord(char):04X} ({unicodedata.name(char)}) ×{count}"
                for char, count in sorted(added.items())) + " not in the source")


def _template_tag(pair: _Pair, add: Add) -> None:
    """``template-tag``: shortcodes or template tags lost or added."""
    source, target = pair.source, pair.target
    if source.template_tags != target.template_tags:
        missing = source.template_tags - target.template_tags
        extra = target.template_tags - source.template_tags
        parts = ([f"missing {_describe(missing)}"] if missing else []) + \
            ([f"added {_describe(extra)}"] if extra else [])
        add("template-tag", "shortcodes or template tags do not match the source: "
            + "; ".join(parts))


def _attribute_list(pair: _Pair, add: Add) -> None:
    """``attribute-list``: on a kramdown site, span attribute lists lost, changed or added."""
    if pair.context.markdown != "kramdown" or pair.kind != "article" \
            or ("{:" not in pair.source_text and "{:" not in pair.translation):
        return
    source, target = span_attribute_lists(pair.source_text), span_attribute_lists(pair.translation)
    if source != target:
        parts = ([f"missing {_describe(source - target)}"] if source - target else []) + \
            ([f"added {_describe(target - source)}"] if target - source else [])
        add("attribute-list", "kramdown attribute lists do not match the source: "
            + "; ".join(parts))


def _markup_mismatch(pair: _Pair, add: Add) -> None:
    """``markup-mismatch``: inline markup lost or added."""
    source, target = pair.source, pair.target
    if source.markup != target.markup:
        missing = source.markup - target.markup
        extra = target.markup - source.markup
        parts = []
        if missing:
            parts.append(f"missing {_describe(missing)}")
        if extra:
            parts.append(f"added {_describe(extra)}")
        add("markup-mismatch", "inline markup does not match the source: " + "; ".join(parts))


def _unsafe_link(pair: _Pair, add: Add) -> None:
    """``unsafe-link``: a link with a forbidden scheme the source does not have.

    Markup is looked at first; URL-like text that is not markup (a link broken on purpose
    with a control character, say) only if the markup is clean."""
    source = pair.source
    allowed = {_same_url_key(url) for url in source.urls + source.loose_urls}
    for candidates in (pair.target.urls, pair.target.loose_urls):
        for url in candidates:
            scheme = _unsafe_scheme(url)
            if scheme and _same_url_key(url) not in allowed:
                shown = url if len(url) <= 60 else url[:57] + "..."
                add("unsafe-link", f"link with a forbidden scheme '{scheme}:': {shown!r}")
                pair.unsafe.add(_same_url_key(url))
        if pair.unsafe:
            break


def _foreign_link(pair: _Pair, add: Add) -> None:
    """``foreign-link``: readers must never be sent to other sites by a translation."""
    source = pair.source
    for url in foreign_urls(pair.target.urls, source.urls + source.loose_urls,
                            pair.context.allowed_hosts):
        if _same_url_key(url) not in pair.unsafe and not _unsafe_scheme(url):
            shown = url if len(url) <= 60 else url[:57] + "..."
            add("foreign-link", f"link to a site the source does not link to: {shown!r}")


def _unsafe_html(pair: _Pair, add: Add) -> None:
    """``unsafe-html``: raw HTML elements, attributes or values the source does not have."""
    source_tags = {tag.name for tag in pair.source.tags}
    source_attrs = {(tag.name, name) for tag in pair.source.tags for name, _ in tag.attrs}
    source_values = {(tag.name, name, value) for tag in pair.source.tags
                     for name, value in tag.attrs}
    for tag in pair.target.tags:
        if tag.name not in source_tags:
            add("unsafe-html", f"{_tag_label(tag.name)} is not in the source")
            continue
        for name, value in tag.attrs:
            if (tag.name, name) not in source_attrs:
                add("unsafe-html", f"HTML attribute '{name}' on <{tag.name}> is not in the source")
            elif ((name in _VALUE_SENSITIVE or name.startswith("on"))
                  and (tag.name, name, value) not in source_values):
                add("unsafe-html", f"HTML attribute '{name}' on <{tag.name}> has a value "
                    "that is not in the source")


def _placeholder(pair: _Pair, add: Add) -> None:
    """``placeholder``: an interface string's placeholders lost or added."""
    if pair.kind != "site":
        return
    source, target = pair.source, pair.target
    missing = Counter() if pair.may_omit else source.placeholders - target.placeholders
    extra = target.placeholders - pair.known_placeholders
    if missing:
        add("placeholder", "missing placeholder " + ", ".join(sorted(missing)))
    if extra:
        add("placeholder", "added placeholder " + ", ".join(sorted(extra)))


def _link_changed(pair: _Pair, add: Add) -> None:
    """``link-changed``: the same links in number, but some lead elsewhere."""
    source, target = pair.source, pair.target
    if (source.markup == target.markup and len(source.targets) == len(target.targets)
            and sorted(map(_same_url_key, source.targets))
            != sorted(map(_same_url_key, target.targets))):
        changed = sorted(set(map(_same_url_key, target.targets))
                         - set(map(_same_url_key, source.targets)) - pair.unsafe - pair.languages)
        if changed:
            add("link-changed", "link target changed: " + ", ".join(changed))


def _line_break(pair: _Pair, add: Add) -> None:
    """``line-break``: not as many line breaks as the source."""
    source, target = pair.source, pair.target
    if source.line_breaks != target.line_breaks:
        add("line-break", f"the source has {source.line_breaks} line break(s), "
            f"the translation {target.line_breaks}")


def _untranslated_copy(pair: _Pair, add: Add) -> None:
    """``untranslated-copy``: the source's prose copied as it is (not an acronym or code)."""
    if pair.translation.strip() == pair.source_text.strip():
        source = pair.source
        prose_letters = _letters(source.prose)
        words = source.prose.split()
        acronym = len(words) == 1 and not any(ch.islower() for ch in words[0])
        if prose_letters >= 2 and prose_letters >= _letters(source.technical) and not acronym:
            add("untranslated-copy", "the translation is a copy of the source text")


def _whitespace(pair: _Pair, add: Add) -> None:
    """``whitespace``: leading or trailing whitespace unlike the source's."""
    for where, edge in (("leading", _leading_space), ("trailing", _trailing_space)):
        expected, got = edge(pair.source_text), edge(pair.translation)
        if expected != got:
            add("whitespace", f"{where} whitespace differs from the source: "
                f"{expected!r} in the source, {got!r} in the translation")


def _control_character(pair: _Pair, add: Add) -> None:
    """``control-character``: controls or noncharacters the source does not have (the
    pages, feeds and books leave them out)."""
    if NOT_TEXT.search(pair.translation):
        added = Counter(NOT_TEXT.findall(pair.translation)) - Counter(
            NOT_TEXT.findall(pair.source_text))
        if added:
            add("control-character", "invisible control character or noncharacter " + " and ".join(
                f"U+{ord(char):04X}" + (f" ({unicodedata.name(char)})" if unicodedata.name(char, "")
                                        else "") + (f" ×{count}" if count > 1 else "")
                for char, count in sorted(added.items())) + " not in the source; the pages "
                "leave it out")


def _language_link(pair: _Pair, add: Add) -> None:
    """``language-link``: a link to another language version of a site the source links to
    (``es.wikipedia.org`` for ``en.wikipedia.org``); ``link-changed`` then skips it."""
    found = language_version_urls(pair.target.urls, pair.source.urls + pair.source.loose_urls)
    for url in found:
        shown = url if len(url) <= 60 else url[:57] + "..."
        add("language-link", f"link to another language version of a site the source "
            f"links to: {shown!r}")
    pair.languages = {_same_url_key(url) for url in found}


class _LazyNumbers:
    """The numbers of a source text and its translation, paired when first asked for."""

    def __init__(self, source: str, translation: str, context: Context) -> None:
        self.source, self.translation, self.context = source, translation, context
        self._compared: _NumberComparison | None = None

    @property
    def compared(self) -> _NumberComparison:
        if self._compared is None:
            self._compared = compare_numbers(self.source, self.translation, self.context)
        return self._compared


def _dose_changed(pair: _Pair, add: Add) -> None:
    """``dose-changed``: a number with a unit of dose, time or proportion lost or added."""
    numbers = pair.numbers
    if not numbers.source and not numbers.translation:
        return
    lost = [n for n in numbers.compared.lost if n.dose]
    added = [n for n in numbers.compared.added if n.dose]
    parts = []
    if lost:
        parts.append("missing " + ", ".join(_shown(n) for n in lost))
    if added:
        parts.append("added " + ", ".join(_shown(n) for n in added))
    if parts:
        others = [n.text for n in numbers.compared.added if not n.dose]
        found = f" (the translation has {', '.join(others)})" if lost and others else ""
        add("dose-changed", "a dose, duration or percentage differs from the source: "
            + "; ".join(parts) + found)


def _number_changed(pair: _Pair, add: Add) -> None:
    """``number-changed``: other numbers lost or added."""
    numbers = pair.numbers
    if not numbers.source and not numbers.translation:
        return
    lost = [n.text for n in numbers.compared.lost if not n.dose]
    added = [n.text for n in numbers.compared.added if not n.dose]
    if not lost and not added:
        return
    if any(n.dose for n in numbers.compared.lost + numbers.compared.added):
        return  # reported with the dose
    parts = []
    if lost:
        parts.append("missing " + ", ".join(lost))
    if added:
        parts.append("added " + ", ".join(added))
    add("number-changed", "numbers differ from the source: " + "; ".join(parts))


def _do_not_translate(pair: _Pair, add: Add) -> None:
    """``do-not-translate``: a term to keep as written (a drug name) altered or missing."""
    terms = [t for t in pair.context.glossary.found(pair.source_text) if t.keep]
    if not terms:
        return
    folded = pair.translation.casefold()
    missing = []
    for term, count in Counter(terms).items():
        have = sum(folded.count(form.casefold()) for form in term.forms)
        if have < count:
            missing.append(term)
    if missing:
        add("do-not-translate", "a term to keep as written is not in the translation: "
            + ", ".join(" or ".join(repr(f) for f in t.forms) for t in missing))


def _glossary(pair: _Pair, add: Add) -> None:
    """``glossary``: a term with an agreed translation translated otherwise."""
    terms = [t for t in dict.fromkeys(pair.context.glossary.found(pair.source_text)) if not t.keep]
    if not terms:
        return
    folded = pair.translation.casefold()
    missing = [t for t in terms if not any(form.casefold() in folded for form in t.forms)]
    if missing:
        add("glossary", "the glossary's translation is not used: "
            + ", ".join(f"{t.source!r} → {t.target!r}" for t in missing))


_ERROR_RULES: tuple[Callable[[_Pair, Add], None], ...] = (
    _bidi_control, _template_tag, _attribute_list, _markup_mismatch, _unsafe_link, _foreign_link,
    _unsafe_html, _placeholder, _dose_changed, _do_not_translate,
)
"""The rules whose findings are errors, in the order they report."""

_TEXT_RULES: tuple[Callable[[_Pair, Add], None], ...] = (
    *_ERROR_RULES,
    _language_link, _link_changed, _line_break, _number_changed, _glossary, _untranslated_copy,
    _whitespace, _control_character,
)
"""Every text rule: the errors, then the warnings."""


def _leading_space(text: str) -> str:
    return text[:len(text) - len(text.lstrip())]


def _trailing_space(text: str) -> str:
    # Not re.search(r"\s*\Z"): that takes quadratic time on a long run of inner spaces.
    return text[len(text.rstrip()):]


def _sorted(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.line or 0, f.severity != "error"))


#: Embeddings, overrides and isolates (not the marks U+200E, U+200F, U+061C).
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
#: What makes a text more than plain prose: a character of Markdown markup, a link, HTML or
#: an entity, or a digit; in a translation, also a text-direction control.
_NOT_PLAIN_SOURCE = re.compile(r"[*_`\[\]()<>&!\\:{}\d]")
_NOT_PLAIN_TRANSLATION = re.compile(r"[*_`\[\]()<>&!\\:{}\d\u202a-\u202e\u2066-\u2069]|"
                                    + NOT_TEXT.pattern)


def _plain_prose(entry: polib.POEntry, kind: Kind, context: Context = DEFAULT_CONTEXT) -> bool:
    """True for an article entry with no markup, link, HTML, number or term to keep on
    either side: nothing to get wrong, so no check needed."""
    return (kind == "article" and not entry.msgid_plural
            and not _NOT_PLAIN_SOURCE.search(entry.msgid)
            and not _NOT_PLAIN_TRANSLATION.search(entry.msgstr)
            and not any(t.keep for t in context.glossary.found(entry.msgid)))


def unsafe_entry(entry: polib.POEntry, *, kind: Kind = "article",
                 nplurals: int | None = None, single_forms: frozenset[int] = frozenset(),
                 context: Context = DEFAULT_CONTEXT) -> bool:
    """True when the entry has any error finding: the renderer then uses the source text."""
    if _plain_prose(entry, kind, context):
        return False
    return any(f.severity == "error"
               for f in check_entry(entry, path="", kind=kind, nplurals=nplurals,
                                    single_forms=single_forms, errors_only=True,
                                    context=context))


class Verdicts:
    """:func:`unsafe_entry` results remembered across runs (``.twp/cache/verdicts.json``).

    Checking a translation parses its Markdown, which is the costly part of
    ``status`` and of planning a build; the verdict only depends on the texts of
    the entry, the kind of catalog and the language's plural forms, so it is
    kept by a digest of exactly those.  ``status`` and ``build`` share it: after
    one of them ran, the other only checks entries that changed since.
    """

    NAME = "verdicts"

    def __init__(self, config: Config | None = None) -> None:
        self.config = config
        self._known: dict[str, bool] | None = None if config is not None else {}
        self.used: dict[str, bool] = {}

    @property
    def known(self) -> dict[str, bool]:
        """The verdicts stored by earlier runs (read on first use)."""
        if self._known is None:
            self._known = {}
            assert self.config is not None
            stored = cache.Memo(self.config, self.NAME)
            self._known = dict.fromkeys(stored.get("safe", []), False)
            self._known.update(dict.fromkeys(stored.get("unsafe", []), True))
        return self._known

    def unsafe(self, entry: polib.POEntry, *, kind: Kind = "article",
               nplurals: int | None = None, single_forms: frozenset[int] = frozenset(),
               context: Context = DEFAULT_CONTEXT) -> bool:
        """:func:`unsafe_entry`, from memory when the same texts were checked before."""
        if _plain_prose(entry, kind, context):
            return False
        forms = (sorted(entry.msgstr_plural.items()) if entry.msgid_plural else entry.msgstr)
        key = cache.digest(repr((kind, nplurals, sorted(single_forms), entry.msgctxt,
                                 entry.msgid, entry.msgid_plural, forms,
                                 entry.fuzzy, entry.obsolete, context.key,
                                 comment_references(entry.comment or ""),
                                 *(("html",) if html_unit(entry) else ()))).encode("utf-8"))
        verdict = self.known.get(key)
        if verdict is None:
            verdict = unsafe_entry(entry, kind=kind, nplurals=nplurals, single_forms=single_forms,
                                   context=context)
        self.used[key] = verdict
        return verdict

    @contextmanager
    def recording(self) -> Iterator[dict[str, bool]]:
        """Collect apart the verdicts used inside the block (in a worker process, to send
        them back to the parent, which saves them)."""
        before, self.used = self.used, {}
        try:
            yield self.used
        finally:
            self.used = before

    def save(self) -> None:
        """Store the verdicts (those of earlier runs too, unless they far outnumber this run's)."""
        if self.config is None or not self.used or self.used.keys() <= self.known.keys():
            return
        kept = {**self.known, **self.used}
        if len(kept) > 3 * len(self.used) + 10_000:  # mostly texts that are long gone
            kept = self.used
        cache.Memo(self.config, self.NAME).save(
            safe=sorted(k for k, v in kept.items() if not v),
            unsafe=sorted(k for k, v in kept.items() if v))


# --------------------------------------------------------------------------- catalogs

def _header_line(po: polib.POFile) -> int | None:
    """The header's line, as the PO reader recorded it (None for a catalog made in memory)."""
    line = getattr(po, "header_linenum", None)
    return line if isinstance(line, int) else None


def _check_header(po: polib.POFile, path: str, lang: str) -> Iterator[Finding]:
    try:
        expected = plural_forms(lang)
    except ValueError:
        return
    hint = _HINTS["plural-forms"].format(expected=expected)
    line = _header_line(po)
    value = po.metadata.get("Plural-Forms", "").strip()

    def finding(message: str) -> Finding:
        return Finding(path, line, "error", "plural-forms", message, hint, None)

    if not value:
        yield finding("the header has no Plural-Forms")
        return
    got = plural_function(value)
    want = plural_function(expected)
    assert want is not None, expected
    if got is None:
        yield finding(f"Plural-Forms is not a valid gettext formula: {value!r}")
    elif got[0] != want[0]:
        yield finding(f"Plural-Forms says nplurals={got[0]} but {lang} has {want[0]} plural forms")
    elif any(form < 0 or form >= got[0] for form in got[1]):
        yield finding(f"Plural-Forms gives a form number outside 0..{got[0] - 1}: {value!r}")
    elif got[1] != want[1]:
        first = next(n for n, a, b in zip(PLURAL_SAMPLES, got[1], want[1], strict=True) if a != b)
        yield finding(f"Plural-Forms does not fit {lang}: n={first} gets form "
                      f"{got[1][PLURAL_SAMPLES.index(first)]}, not {want[1][PLURAL_SAMPLES.index(first)]}")


def check_catalog(po: polib.POFile, *, path: str, lang: str, kind: Kind,
                  context: Context | None = None) -> list[Finding]:
    """All findings of one catalog: its header, then each entry in file order.

    The header's ``Plural-Forms`` must be equivalent to
    :func:`~twp_i18n.languages.plural_forms` (same ``nplurals``, same form for
    every count; spacing and parentheses may differ).
    """
    findings = list(_check_header(po, path, lang))
    try:
        count: int | None = language_nplurals(lang)
    except ValueError:
        count = None
    single = single_count_forms(po.metadata.get("Plural-Forms", ""))
    if context is None:
        context = Context(lang)
    for entry in po:
        findings.extend(check_entry(entry, path=path, kind=kind, nplurals=count,
                                    single_forms=single, context=context))
        findings.extend(_merge_conflict(entry, path))
    return findings


def _merge_conflict(entry: polib.POEntry, path: str) -> list[Finding]:
    """``merge-conflict``: ``twp merge-po`` left two versions of the translation to choose from
    (fuzzy, obsolete and untranslated entries too: the choice is still to be made)."""
    from .merge3 import CONFLICT_MARK, has_conflict

    if CONFLICT_MARK not in (entry.tcomment or "") or not has_conflict(entry):
        return []
    return [Finding(path, getattr(entry, "linenum", None), "error", "merge-conflict",
                    "unresolved merge conflict: both branches changed this translation; the "
                    "other version is in the '# merge-conflict:' comment", _HINTS["merge-conflict"],
                    entry.msgid)]


# --------------------------------------------------------------------------- a whole site

def check_site(config: Config, *, languages: Iterable[str] | None = None,
               articles: Iterable[str] | None = None,
               jobs: int | None = None) -> tuple[list[Finding], int]:
    """Check every catalog of the (selected) languages; returns the findings and the
    number of catalogs checked.  A catalog that cannot be read is a ``syntax`` finding.

    Findings come language by language, file by file.  The work is done article by
    article (each source text is then analysed once for all languages), in ``jobs``
    parallel processes (default: one per core) when there are many catalogs.
    """
    wanted = set(articles) if articles is not None else None
    tasks: list[tuple[str, Path]] = []
    first: dict[int, list[Finding]] = {}  # each language's glossary rows left out, first
    for lang in (list(languages) if languages is not None else config.languages):
        first[len(tasks)] = first.get(len(tasks), []) + glossary_findings(load_glossary(config, lang))
        tasks.extend((lang, path) for domain, path in domain_files(config.po_dir(lang), ".po").items()
                     if wanted is None or domain in wanted)
    by_article: dict[str, list[int]] = {}
    for index, (lang, path) in enumerate(tasks):
        by_article.setdefault(path.relative_to(config.po_dir(lang)).as_posix(), []).append(index)
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if len(tasks) < PARALLEL_CHECK_MIN:
        workers = 1
    pieces = [[index for group in groups for index in group]
              for groups in parallel.chunks(list(by_article.values()), workers)]
    parts = parallel.fork_map(_check_tasks, pieces, workers, job=(config, tasks))
    found = dict(pair for part in parts for pair in part)
    return [f for index in range(len(tasks) + 1)
            for f in first.get(index, []) + found.get(index, [])], len(tasks)


PARALLEL_CHECK_MIN = 400
"""Catalogs to check below which starting processes costs more than it saves."""


def _check_tasks(job: tuple[Config, list[tuple[str, Path]]],
                 indexes: list[int]) -> list[tuple[int, list[Finding]]]:
    from ..paths import SITE_DOMAIN
    from . import pofile

    config, tasks = job
    result = []
    contexts: dict[str, Context] = {}
    for index in indexes:
        lang, path = tasks[index]
        if lang not in contexts:
            contexts[lang] = check_context(config, lang)
        display = config.rel(path)
        try:
            po = pofile.read_po(path, display, limits=config.limits)
        except CatalogError as exc:
            result.append((index, [finding_from_error(exc)]))
            continue
        kind: Kind = "site" if path.parent == config.po_dir(lang) and path.stem == SITE_DOMAIN \
            else "article"
        result.append((index, check_catalog(po, path=display, lang=lang, kind=kind,
                                            context=contexts[lang])))
    return result


def finding_dict(finding: Finding) -> dict[str, object]:
    """A finding as JSON-ready data (the shape of ``twp check --format json``)."""
    return {"path": finding.path, "line": finding.line, "severity": finding.severity,
            "code": finding.code, "message": finding.message, "hint": finding.hint,
            "unit": finding.msgid}
