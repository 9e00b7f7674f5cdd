"""``twp import``: translations made before twp, brought into the catalogs for review.

A translated article (:mod:`twp_i18n.source.translated`) is matched with its English
article (``--article``, then its ``translation_of:`` or ``slug:`` front matter, then
its file name), its blocks are paired with the English units
(:mod:`twp_i18n.catalog.align`), and each pair becomes a **fuzzy** entry: a person
confirms it in a PO editor.  Each carries a translator comment naming where it came
from and its score (``# twp-import: es/peers.md, score 0.91``), which ``twp update``
removes once the entry is confirmed (no longer fuzzy).

What is never done:

- replace a confirmed translation; a fuzzy one only with ``overwrite_fuzzy``, and its
  text then stays in the entry as a ``# twp-import replaced:`` translator comment;
- write anything but the article's catalog of that language (through the writer's
  guard, :func:`~twp_i18n.catalog.pofile.write_po`);
- keep a pair that fails ``twp check`` with an error (markup lost, an unsafe or foreign
  link, raw HTML, a changed dose...): fuzzy entries are not checked, so an unsafe text
  would wait unseen in the catalog, and the page would show the English for it anyway.
  Such pairs are left out and reported with their finding.  A pair with only warnings
  (a changed link on the same site, say) is kept, the codes named in its comment.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polib

from ..config import Config
from ..diagnostics import Diagnostic, warning
from ..errors import ConfigError, ContentError, TwpError
from ..source.content import Article, load_articles
from ..source.segments import Unit, article_units, normalize_inline
from ..source.translated import (
    TRANSLATED_SUFFIXES,
    TranslatedDocument,
    declared_language_matches,
    read_translation,
)
from . import pofile
from .align import MIN_COVERAGE, align
from .catalogs import catalog_path, load_catalog, template_path
from .checks import Context, Finding, check_context, check_entry
from .merge import has_translation, key_of, merge_catalog
from .poguard import IMPORT_MARK, Key

if TYPE_CHECKING:
    import httpx

__all__ = ["ArticleImport", "ImportReport", "import_documents", "import_fetched",
           "import_translations"]

REPLACED_MARK = "twp-import replaced:"
"""Starts the translator comment holding a fuzzy translation that an import replaced."""

LOWEST_SHOWN = 3


@dataclass
class ArticleImport:
    """What importing one translated document did (or would do) to one catalog."""

    slug: str
    origin: str
    catalog: str
    structural: bool = False
    aligned: list[tuple[float, str, str]] = field(default_factory=list)
    """(score, English unit, translation) of every entry filled, in article order."""
    left: list[Unit] = field(default_factory=list)
    """English units still without a translation afterwards."""
    already: int = 0
    """Units already translated (confirmed, or fuzzy and not overwritten): untouched."""
    refused: list[Finding] = field(default_factory=list)
    """Pairs left out: ``twp check`` found an error in them."""
    written: bool = False

    @property
    def lowest(self) -> list[tuple[float, str, str]]:
        return sorted(self.aligned, key=lambda pair: pair[0])[:LOWEST_SHOWN]


@dataclass
class ImportReport:
    articles: list[ArticleImport] = field(default_factory=list)
    skipped: list[Diagnostic] = field(default_factory=list)
    """Documents left out whole (unreadable, another language, no English article)."""
    requests: int = 0
    """HTTP requests sent (``twp fetch --translations``)."""

    @property
    def written(self) -> list[str]:
        return [a.catalog for a in self.articles if a.written]


def import_translations(config: Config, lang: str, sources: Iterable[Path], *,
                        article: str | None = None, dry_run: bool = False,
                        overwrite_fuzzy: bool = False) -> ImportReport:
    """Import the translated files (and folders of them, nested) in ``sources`` into
    ``lang``'s catalogs; ``article``: the English slug they translate (one file only)."""
    files = _source_files(config, list(sources))
    if article is not None and len(files) != 1:
        raise ConfigError(f"--article names one article, but {len(files)} files were given",
                          hint="give one translated file with --article, or none")
    english = {a.slug: a for a in load_articles(config)}
    report = ImportReport()
    found: list[tuple[TranslatedDocument, Article]] = []
    for path, name, shown in files:
        try:
            document = read_translation(path, shown, config.limits, config.content)
        except TwpError as exc:
            report.skipped.append(_skipped(exc.message, shown, exc.line, exc.hint))
            continue
        slug = article or _english_slug(document, name, english)
        if slug is None or slug not in english:
            report.skipped.append(_skipped(
                f"no English article {'named ' + repr(slug) if slug else 'found for it'}",
                shown, hint="give it 'translation_of: <English slug>' in its front matter, "
                            "or use --article SLUG"))
            continue
        found.append((document, english[slug]))
    other = import_documents(config, lang, found, dry_run=dry_run, overwrite_fuzzy=overwrite_fuzzy)
    report.articles, report.skipped = other.articles, report.skipped + other.skipped
    return report


def _skipped(message: str, path: str, line: int | None = None, hint: str | None = None
             ) -> Diagnostic:
    return warning("import-skipped", f"not imported: {message}", path, line, hint)


def _source_files(config: Config, sources: list[Path]) -> list[tuple[Path, str, str]]:
    """``(path, name, shown)`` of every translated file: ``name`` is its path below the
    folder given without suffix (``blog/peers``), ``shown`` the path for messages."""
    found: list[tuple[Path, str, str]] = []
    for source in sources:
        if source.is_dir():
            for top, dirs, names in os.walk(source):
                dirs.sort()
                for name in sorted(names):
                    path = Path(top) / name
                    if path.suffix.lower() in TRANSLATED_SUFFIXES:
                        found.append((path, path.relative_to(source).with_suffix("").as_posix(),
                                      _shown(config, path)))
        elif source.is_file():
            found.append((source, source.with_suffix("").name, _shown(config, source)))
        else:
            raise ConfigError("no such file or folder", path=str(source),
                              hint="give translated Markdown or HTML files, or folders of them")
    return found


def _shown(config: Config, path: Path) -> str:
    try:
        return config.rel(path.resolve())
    except ValueError:
        return path.as_posix()


def _english_slug(document: TranslatedDocument, name: str, english: dict[str, Article]
                  ) -> str | None:
    """The English article a document translates: its ``translation_of``, its ``slug``,
    its path below the folder given (``index`` standing for the folder), its file name."""
    if document.translation_of:
        return document.translation_of
    candidates = [document.slug] if document.slug else []
    parts = name.split("/")
    if parts[-1] == "index" and len(parts) > 1:
        parts = parts[:-1]
    candidates += ["/".join(parts[i:]) for i in range(len(parts))]
    for candidate in candidates:
        if candidate in english:
            return candidate
    stem = parts[-1]
    ends = [slug for slug in english if slug.rsplit("/", 1)[-1] == stem]
    return ends[0] if len(ends) == 1 else None


def import_documents(config: Config, lang: str,
                     documents: Iterable[tuple[TranslatedDocument, Article]], *,
                     dry_run: bool = False, overwrite_fuzzy: bool = False) -> ImportReport:
    """Import translated documents, each with the English article it translates."""
    report = ImportReport()
    context = check_context(config, lang)
    for document, article in documents:
        if document.lang and not declared_language_matches(document.lang, lang):
            report.skipped.append(_skipped(
                f"it declares the language '{document.lang}', not '{lang}'", document.origin,
                hint="import it as that language, or fix its declared language"))
            continue
        try:
            po, original = _catalog(config, lang, article.slug)
        except TwpError as exc:
            report.skipped.append(_skipped(exc.message, exc.path or document.origin, exc.line,
                                           exc.hint))
            continue
        result = ArticleImport(article.slug, document.origin,
                               config.rel(catalog_path(config, lang, article.slug)))
        try:
            replaced = _fill(po, article, document, result, context, overwrite_fuzzy)
        except ContentError as exc:
            report.skipped.append(_skipped(exc.message, document.origin, None, exc.hint))
            continue
        if not dry_run and result.aligned:
            result.written = pofile.write_po(catalog_path(config, lang, article.slug), po,
                                             replaced=replaced, original=original,
                                             references=config.catalogs.references)
        report.articles.append(result)
    return report


def _catalog(config: Config, lang: str, slug: str) -> tuple[polib.POFile, polib.POFile | None]:
    """The article's catalog (and it as read), or a new one made as ``twp update`` makes it."""
    po = load_catalog(config, lang, slug)
    if po is not None:
        return copy.deepcopy(po), po  # filled in place; the original says what to keep as is
    path = template_path(config, slug)
    if not path.exists():
        raise ConfigError("the article has no template yet", path=config.rel(path),
                          hint="run 'twp extract' (or 'twp sync') first")
    template = pofile.read_po(path, config.rel(path), limits=config.limits)
    if config.catalogs.references != "line":
        for entry in template:
            entry.occurrences = pofile.project_references(entry.occurrences,
                                                          config.catalogs.references)
    return merge_catalog(template, None, lang, slug)[0], None


def _candidates(article: Article, document: TranslatedDocument, result: ArticleImport
                ) -> tuple[list[Unit], list[tuple[int, str, float]]]:
    """The article's units, and ``(unit index, translation, score)`` of every pair."""
    units = article_units(article)
    pairs: list[tuple[int, str, float]] = []
    for index, unit in enumerate(units):
        if unit.kind == "title" and document.title:
            pairs.append((index, document.title, 1.0))
        elif unit.kind == "summary" and document.summary:
            pairs.append((index, normalize_inline(document.summary), 1.0))
    body = [(i, unit) for i, unit in enumerate(units) if unit.kind not in ("title", "summary")]
    alignment = align([(unit.kind, unit.text) for _, unit in body],
                      [(block.kind, block.text) for block in document.blocks])
    result.structural = alignment.structural
    if alignment.coverage < MIN_COVERAGE:
        raise ContentError(
            f"only {len(alignment.pairs)} of its {len(document.blocks)} blocks pair with the "
            f"{len(body)} units of the English article '{article.slug}': it does not look like "
            "a translation of it", path=document.origin,
            hint="check which article it translates (translation_of: or --article)")
    pairs += [(body[p.source][0], document.blocks[p.target].text, p.score)
              for p in alignment.pairs]
    return units, sorted(pairs)


def _fill(po: polib.POFile, article: Article, document: TranslatedDocument,
          result: ArticleImport, context: Context, overwrite_fuzzy: bool) -> list[Key]:
    """Put the pairs into ``po``; returns the keys whose fuzzy translation was replaced."""
    units, pairs = _candidates(article, document, result)
    keys = [unit.key for unit in units]
    entries = {key_of(e): e for e in po if not e.obsolete}
    replaced: list[Key] = []
    done: set[Key] = set()
    for index, translation, score in pairs:
        key = keys[index]
        entry = entries.get(key)
        if entry is None or key in done or entry.msgid_plural:
            continue
        done.add(key)
        if has_translation(entry) and (not entry.fuzzy or not overwrite_fuzzy):
            continue
        findings = check_entry(polib.POEntry(msgid=entry.msgid, msgctxt=entry.msgctxt,
                                             msgstr=translation),
                               path=document.origin, kind="article", context=context)
        if any(f.severity == "error" for f in findings):
            result.refused.extend(f for f in findings if f.severity == "error")
            continue
        notes = [line for line in entry.tcomment.split("\n")
                 if line and not line.startswith(IMPORT_MARK)] if entry.tcomment else []
        if has_translation(entry):
            replaced.append(key)
            notes += [f"{REPLACED_MARK} {line}" for line in entry.msgstr.split("\n")]
        codes = sorted({f.code for f in findings})
        notes.append(f"{IMPORT_MARK} {document.origin}, score {score:.2f}"
                     + (f"; check: {', '.join(codes)}" if codes else ""))
        entry.tcomment = "\n".join(notes)
        entry.msgstr = translation
        if "fuzzy" not in entry.flags:
            entry.flags.insert(0, "fuzzy")
        result.aligned.append((score, entry.msgid, translation))
    _tally(units, keys, entries, result)
    return replaced


def _tally(units: list[Unit], keys: list[Key], entries: dict[Key, polib.POEntry],
           result: ArticleImport) -> None:
    imported = {msgid for _, msgid, _ in result.aligned}
    seen: set[Key] = set()
    for unit, key in zip(units, keys, strict=True):
        if key in seen:
            continue
        seen.add(key)
        entry = entries.get(key)
        if entry is not None and has_translation(entry):
            if entry.msgid not in imported:
                result.already += 1
        else:
            result.left.append(unit)


def import_fetched(config: Config, *, force: bool = False, client: httpx.Client | None = None
                   ) -> ImportReport:
    """``twp fetch --translations``: the live site's translations into the configured
    languages (:mod:`twp_i18n.source.fetch_translations`), imported as by ``twp import``.

    The validators of each translation imported are remembered, so the next run asks for
    it conditionally and leaves it alone when unchanged (``force``: ask again for all);
    one that was skipped (no English article yet, another language...) is asked for again.
    """
    from ..source.fetch_translations import fetch_translations, save_state

    harvest = fetch_translations(config, client=client, force=force)
    english = {a.slug: a for a in load_articles(config)}
    report = ImportReport(requests=harvest.requests)
    report.skipped += [warning("translation-skipped", f"skipped {problem}")
                       for problem in harvest.problems]
    report.skipped += [warning("translation-skipped", note) for note in harvest.notes]
    imported = dict(harvest.unchanged)
    for item in harvest.found:
        if item.slug not in english:
            report.skipped.append(_skipped(f"no English article '{item.slug}' (run 'twp fetch' "
                                           "first)", item.document.origin))
            continue
        done = import_documents(config, item.lang, [(item.document, english[item.slug])])
        report.articles += done.articles
        report.skipped += done.skipped
        if not done.skipped and item.url in harvest.validators:
            imported[item.url] = harvest.validators[item.url]
    save_state(config, imported)
    return report
