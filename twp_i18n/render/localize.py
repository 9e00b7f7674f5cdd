"""Rendering one article in one language, and the Jinja2 environment of the theme.

Translations are applied unit by unit to the parsed source (the same walk as
extraction), then rendered with the same Markdown parser.  A unit that is not
translated, is fuzzy, or has a ``twp check`` error is rendered from the source
inside an element carrying the source ``lang`` (so screen readers switch
voice).  The article HTML is then sanitized with nh3: only the tags the
Markdown renderer makes plus those the source itself contains survive, and
links keep only http, https, mailto and relative URLs.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any

import polib
from babel.dates import format_date
from jinja2 import (
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateSyntaxError,
)
from jinja2 import TemplateError as JinjaTemplateError
from jinja2.bccache import Bucket
from markdown_it.token import Token
from markupsafe import Markup, escape

from ..catalog.catalogs import catalog_path, load_catalog
from ..catalog.checks import Context, Verdicts, check_context, sharing_parses, unsafe_entry
from ..config import Config
from ..diagnostics import Diagnostic, warning
from ..errors import CatalogError, TemplateError
from ..languages import bcp47_tag, plural_forms, plural_function, single_count_forms, text_direction
from ..paths import THEME_DIR
from ..source.content import Article
from ..source.segments import (
    Unit,
    article_units,
    flavour_of,
    markdown,
    parse_body,
    refused_links,
    translate_tokens,
)
from .sanitize import CONTROLS, sanitize, source_tags


@dataclass
class Localized:
    """An article in one language, ready for the page template."""

    article: Article
    lang: str
    title: str
    summary: str | None
    html: str
    words: int
    translated_words: int
    untranslated_units: int
    revision: str | None
    """The catalog's PO-Revision-Date header, if any."""
    problems: list[Diagnostic] = field(default_factory=list)
    """Units rendered from the source because their link leads to another site
    (``link-refused``; the catalog's own problems are in :class:`CatalogView`)."""
    title_lang: str | None = None
    """The source language's tag when the title is shown untranslated (else None)."""
    summary_lang: str | None = None
    """The same for the summary."""

    @property
    def percent(self) -> float:
        return 100.0 if self.words == 0 else 100.0 * self.translated_words / self.words


_PLACEHOLDER = re.compile(r"(?<!%)%\(\w+\)s")


class Translations:
    """gettext callables for one language's ``site.po``; untranslated strings stay in English.

    Every string comes back HTML-escaped (as Markup, so Jinja2 does not escape it
    twice): a translation of an interface string is text, never markup, wherever the
    template puts it, attribute values included.  Entries with a ``twp check`` error
    are not used, and a broken ``Plural-Forms`` falls back to the language's own.
    """

    def __init__(self, po: polib.POFile | None, lang: str, fallback: str | None = None,
                 fallback_dir: str | None = None) -> None:
        self.fallback = fallback
        """BCP 47 tag of the source language: a string with no usable translation comes
        back inside ``<span lang="…">`` (``dir`` too when it differs from the page's);
        None (the source language's own pages) leaves it bare."""
        self.fallback_dir = fallback_dir
        self.lang = lang
        self.singular: dict[tuple[str | None, str], str] = {}
        self.plural: dict[tuple[str | None, str], dict[int, str]] = {}
        forms = po.metadata.get("Plural-Forms", "") if po is not None else ""
        if plural_function(forms) is None:
            try:
                forms = plural_forms(lang)
            except ValueError:
                forms = "nplurals=2; plural=(n != 1);"
        match = re.search(r"plural\s*=\s*([^;]+)", forms)
        self.plural_index: Callable[[int], int] = _gettext.c2py(match.group(1) if match else "n != 1")
        if po is not None:
            single = single_count_forms(forms)
            for entry in po:
                if entry.obsolete or entry.fuzzy or unsafe_entry(
                        entry, kind="site", single_forms=single, context=Context(lang)):
                    continue
                if entry.msgid_plural:
                    if all(entry.msgstr_plural.values()):
                        self.plural[(entry.msgctxt, entry.msgid)] = dict(entry.msgstr_plural)
                elif entry.msgstr:
                    self.singular[(entry.msgctxt, entry.msgid)] = entry.msgstr

    def text(self, message: str) -> str:
        """The translation as plain text (for feeds; templates escape it themselves)."""
        return self.singular.get((None, message), message)

    def text_lang(self, message: str) -> tuple[str, str | None]:
        """The translation as plain text and None, or, when it has none usable,
        ``message`` and the source language's tag (None on the source's own pages)."""
        found = self.singular.get((None, message))
        return (message, self.fallback) if found is None else (found, None)

    def translated(self, message: str) -> bool:
        """Whether ``message`` has a usable translation."""
        return (None, message) in self.singular

    def _source(self, message: str) -> Markup:
        """A string shown untranslated, marked with the source language when it falls back;
        its placeholders (a date, a count) are filled in the page's language and marked so."""
        if self.fallback is None:
            return escape(message)
        direction = Markup(' dir="{}"').format(self.fallback_dir) if self.fallback_dir else ""
        text = escape(message)
        if "%(" in text:
            own = Markup(' dir="{}"').format(text_direction(self.lang)) if self.fallback_dir else ""
            text = Markup(_PLACEHOLDER.sub(
                lambda m: Markup('<span lang="{}"{}>{}</span>').format(
                    bcp47_tag(self.lang), own, m.group(0)), text))
        return Markup('<span lang="{}"{}>{}</span>').format(self.fallback, direction, text)

    def gettext(self, message: str) -> Markup:
        return self.pgettext(None, message)

    def pgettext(self, context: str | None, message: str) -> Markup:
        found = self.singular.get((context, message))
        return self._source(message) if found is None else escape(found)

    def ngettext(self, singular: str, plural: str, n: int) -> Markup:
        return self.npgettext(None, singular, plural, n)

    def npgettext(self, context: str | None, singular: str, plural: str, n: int) -> Markup:
        forms = self.plural.get((context, singular))
        if forms is None:
            return self._source(singular if n == 1 else plural)
        try:
            index = int(self.plural_index(n))
        except (ArithmeticError, ValueError, TypeError):
            index = 0
        return escape(forms.get(index, plural))


class _CompiledTemplates(BytecodeCache):
    """Compiled templates shared by every environment :func:`jinja_environment` makes in
    this process and in the worker processes forked from it: the theme is compiled once
    per build, not once per language and worker.  A bucket is found by the template's
    name and the digest of its source, so an edited template is compiled again."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        data = self.compiled.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def jinja_environment(config: Config) -> Environment:
    """The theme's templates, overridden file by file by the site's ``templates/``.

    Every environment has the same settings (new-style gettext included, whatever
    callables are installed later), so that they can share compiled templates.
    """
    loaders = []
    if config.templates_dir.is_dir():
        loaders.append(FileSystemLoader(config.templates_dir))
    loaders.append(FileSystemLoader(THEME_DIR))
    env = Environment(loader=ChoiceLoader(loaders), autoescape=True, undefined=StrictUndefined,
                      auto_reload=False,  # one build: no need to stat templates at every page
                      extensions=["jinja2.ext.i18n"], keep_trailing_newline=True,
                      trim_blocks=True, lstrip_blocks=True, bytecode_cache=_COMPILED)
    env.policies["ext.i18n.trimmed"] = True
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.globals["site_disclaimer"] = escape(config.disclaimer)  # [site] disclaimer, as text
    return env


def date_text(moment: dt.datetime, lang: str) -> str:
    """The day of ``moment`` written in full as ``lang`` writes dates (pages, feeds, books)."""
    return _long_date(moment.date(), lang)


@lru_cache(maxsize=8192)  # the same days come back on every page, chapter and listing
def _long_date(day: dt.date, lang: str) -> str:
    return format_date(day, format="long", locale=lang)


def render_template(env: Environment, name: str, **context: Any) -> str:
    """Template ``name`` rendered with ``context``; a broken template is a TemplateError."""
    try:
        return env.get_template(name).render(**context)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"template syntax error: {exc.message}", path=exc.filename or name,
                            line=exc.lineno) from None
    except JinjaTemplateError as exc:
        raise TemplateError(f"template {name} failed: {exc}", path=name,
                            hint="check the variable names the template uses") from None


@dataclass
class CatalogView:
    """What rendering needs of one catalog: usable translations and the unsafe ones."""

    table: dict[tuple[str | None, str], str] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)
    """Translations with a check error, shown in the source language (``check-error-shown``)."""
    revision: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    """``[check] allowed_link_hosts``: sites translations may link to besides the source's."""
    broken: Diagnostic | None = None
    """Why the catalog cannot be read (``catalog-unreadable``), if it cannot."""
    parsed: dict[str, list[Token]] = field(default_factory=dict, repr=False)
    """Translations the checks parsed as rendering would (text -> inline tokens), when
    asked for: rendering uses them instead of parsing the text again."""


def catalog_view(po: polib.POFile | None, display: str,
                 verdicts: Verdicts | None = None, context: Context | None = None,
                 keep_parses: bool = False,
                 known: Mapping[str, list[Token]] | None = None) -> CatalogView:
    """Usable translations of a catalog by (msgctxt, msgid), and where the unsafe ones are
    (``context``: the language's, see :func:`~twp_i18n.catalog.checks.check_context`;
    ``keep_parses``: keep the checks' parses in ``parsed``, for rendering; ``known``: the
    parses of the article's units, for the checks, see :func:`unit_parses`)."""
    context = context or Context()
    view = CatalogView(allowed_hosts=context.allowed_hosts)
    if (keep_parses or known) and po is not None:
        with sharing_parses(known) as parsed:
            _fill_view(view, po, display, verdicts, context)
        if keep_parses:
            view.parsed = {text: parsed[text] for text in view.table.values() if text in parsed}
    elif po is not None:
        _fill_view(view, po, display, verdicts, context)
    return view


def _fill_view(view: CatalogView, po: polib.POFile, display: str, verdicts: Verdicts | None,
               context: Context) -> None:
    """Put the usable translations of ``po`` into ``view``, and the unsafe ones' problems."""
    check = verdicts.unsafe if verdicts is not None else unsafe_entry

    def unsafe(entry: polib.POEntry) -> bool:
        return check(entry, context=context)

    view.revision = po.metadata.get("PO-Revision-Date")
    for entry in po:
        if entry.obsolete or entry.fuzzy or not entry.msgstr or entry.msgid_plural:
            continue
        if unsafe(entry):
            line = getattr(entry, "linenum", None)
            view.problems.append(warning(
                "check-error-shown", "translation has a check error; the source text is shown "
                "instead (run 'twp check')", display, line))
            continue
        view.table[(entry.msgctxt, entry.msgid)] = entry.msgstr


def read_view(config: Config, lang: str, slug: str, verdicts: Verdicts | None = None,
              context: Context | None = None, keep_parses: bool = False,
              known: Mapping[str, list[Token]] | None = None) -> CatalogView:
    """:func:`catalog_view` of the catalog of article ``slug`` in ``lang`` (empty if none).

    A catalog that cannot be read gives an empty view whose ``broken`` says why: the
    article is then not published from it.
    """
    display = config.rel(catalog_path(config, lang, slug))
    try:
        po = load_catalog(config, lang, slug)
    except CatalogError as exc:
        return CatalogView(broken=Diagnostic(exc.path, exc.line, "error", "catalog-unreadable",
                                             exc.message, exc.hint))
    return catalog_view(po, display, verdicts, context or check_context(config, lang),
                        keep_parses, known)


UnitKeys = list[tuple[tuple[str | None, str], int]]
"""``((msgctxt, msgid), words)`` of an article's units, in order: what planning weighs."""


def unit_keys(article: Article, units: list[Unit] | None = None) -> UnitKeys:
    """The key and word count of every unit of an article (``units``: when parsed already)."""
    return [(unit.key, unit.words) for unit in units or article_units(article)]


def coverage(keys: UnitKeys, view: CatalogView) -> tuple[int, int]:
    """``(words, translated words)`` of an article under a catalog: what publishing weighs
    (see :mod:`twp_i18n.catalog.status` for the percent translated)."""
    words = sum(count for _, count in keys)
    done = sum(count for key, count in keys if key in view.table)
    return words, done


_TOKEN_FIELDS = operator.attrgetter(*(f.name for f in fields(Token)))
"""A token's fields in constructor order (a faster copy than :func:`copy.copy`)."""


@dataclass
class SourceDocument:
    """An article's body parsed once, to be localized into any number of languages."""

    tokens: list[Any]
    env: dict[str, Any]
    units: list[Unit]
    """:func:`~twp_i18n.source.segments.article_units`, from these tokens."""
    tags: set[str]
    """HTML tag names the source itself uses (kept by the sanitizer)."""
    refused: bool = True
    """Whether the parser refused a link of the body (then no unit's parse is shared)."""

    def unit_parses(self) -> dict[str, list[Token]]:
        """The inline tokens of the units whose block's parse is the parse of their text
        alone, as :func:`~twp_i18n.catalog.checks.sharing_parses` takes them: text read
        whole (not an alt text or an alert's marker), no link definition in the body, no
        link refused.  The checks then need not parse the source texts again."""
        if self.refused or "references" in self.env or flavour_of(self.env) != "commonmark":
            return {}
        return {unit.text: token.children for unit in self.units if unit.block is not None
                and unit.run is None and (token := self.tokens[unit.block]).content == unit.text
                and token.children is not None}

    def fresh_tokens(self) -> list[Any]:
        """The tokens, with copies of those localizing changes: inline tokens get new
        content and children (children lists are replaced, never changed in place, so
        they are shared) and opening tags may get ``lang`` and ``class``."""
        copies = []
        for token in self.tokens:
            if token.type == "inline" or token.nesting == 1:
                attrs = dict(token.attrs)
                token = Token(*_TOKEN_FIELDS(token))
                token.attrs = attrs
            copies.append(token)
        return copies


def parse_source(article: Article, words: dict[str, int] | None = None) -> SourceDocument:
    """Parse an article's body for :func:`localize` (``words``: word counts by unit text,
    when planning counted them already)."""
    env: dict[str, Any] = {}
    refused = refused_links()
    tokens = parse_body(article, env)
    refused_here = refused_links() != refused
    units = article_units(article, tokens)
    for unit in units if words else ():
        known = words.get(unit.text)  # type: ignore[union-attr]
        if known is not None and "words" not in unit.__dict__:
            unit.__dict__["words"] = known  # Unit.words, a cached property, without the count
    return SourceDocument(tokens, env, units, source_tags(article.body), refused_here)


def localize(article: Article, lang: str, source_lang: str, view: CatalogView | None,
             source: SourceDocument | None = None) -> Localized:
    """Apply one catalog to one article and render its body to safe HTML.

    ``source`` is the article parsed by :func:`parse_source`, when the caller
    localizes it into several languages.
    """
    view = view or CatalogView()
    source = source or parse_source(article)
    env = source.env
    tokens = source.fresh_tokens()
    units = source.units
    words = 0
    done_words = 0
    missing = 0

    is_source = lang == source_lang

    def lookup(unit: Unit) -> str | None:
        nonlocal words, done_words, missing
        found = unit.text if is_source else view.table.get(unit.key)
        words += unit.words
        if found is None:
            missing += 1
        else:
            done_words += unit.words
        return found

    fallback = None if is_source else bcp47_tag(source_lang)
    found_title = lookup(units[0])
    title = CONTROLS.sub("", found_title or article.title)
    title_lang = None if found_title else fallback
    summary = summary_lang = None
    if article.summary:
        found_summary = lookup(units[1])
        summary = CONTROLS.sub("", found_summary or article.summary)
        summary_lang = None if found_summary else fallback
    problems: list[Diagnostic] = []

    def reject(token: Any, unit: Unit) -> None:
        nonlocal done_words, missing
        done_words -= unit.words
        missing += 1
        problems.append(_refusal(article, lang, unit))

    if is_source:
        marks = translate_tokens(tokens, lambda unit: lookup(unit) and None, env, units=units)
    else:
        marks = translate_tokens(tokens, lookup, env, reject, units=units,
                                 allowed_hosts=view.allowed_hosts, parsed=view.parsed,
                                 source_tag=bcp47_tag(source_lang))
    if not is_source:
        _mark_untranslated(tokens, marks, bcp47_tag(source_lang))
    md = markdown(flavour := flavour_of(env))
    html = sanitize(md.renderer.render(tokens, md.options, env), source.tags,
                    ids=flavour == "kramdown")
    return Localized(article, lang, title, summary, html, words, done_words, missing,
                     view.revision, problems, title_lang, summary_lang)


def _refusal(article: Article, lang: str, unit: Unit) -> Diagnostic:
    """Why the build shows the source of a unit whose translation the checks let through."""
    code, why = ("html-refused", "changes the HTML around the text") if unit.run is not None \
        else ("link-refused", "links to another site")
    return warning(code, f"the {lang} translation {why}; the source text is shown instead "
                   "(run 'twp check')", article.rel_path, unit.line)


def _mark_untranslated(tokens: list[Any], marks: list[tuple[Any, str, bool]],
                       source_tag: str) -> None:
    """Put the source language on the blocks around the inline tokens ``marks`` says are
    not translated (HTML blocks are marked as their translations are put in)."""
    position = {id(token): index for index, token in enumerate(tokens)}
    for token, _kind, translated in marks:
        if not translated and token.type != "html_block":
            _mark_source(tokens, position[id(token)], source_tag)


def _mark_source(tokens: list[Any], index: int, source_tag: str) -> None:
    """Put ``lang`` (and a class) on the block element around an untranslated inline token."""
    opener = tokens[index - 1]
    if opener.hidden:  # a paragraph in a tight list: mark the list item instead
        for back in range(index - 2, -1, -1):
            if tokens[back].type == "list_item_open" and tokens[back].level < opener.level:
                opener = tokens[back]
                break
    # a kramdown attribute list's lang and classes stay
    opener.attrSet("lang", opener.attrGet("lang") or source_tag)
    opener.attrSet("class", " ".join(filter(None, (opener.attrGet("class"), "untranslated"))))
