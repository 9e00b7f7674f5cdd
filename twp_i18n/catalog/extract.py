"""``twp extract``: one gettext template per article, plus ``site.pot``.

Templates are pure functions of the content: the same articles give the same
bytes, and the POT-Creation-Date comes from the articles' own dates, never the
clock, so an unchanged site produces no diff.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..diagnostics import Diagnostic
from ..errors import TemplateError
from ..machinery import cache, parallel
from ..machinery.fsutil import one_sync, remove_file, write_if_changed
from ..paths import SITE_DOMAIN, domain_files, template_files
from .catalogs import UNTRANSLATABLE_HEADER, pot_files

if TYPE_CHECKING:
    import polib

    from ..source.content import Article
    from ..source.segments import Unit

# The PO, Markdown and YAML machinery is imported where it is used, so that a run
# that finds nothing changed (the cache check in :func:`extract`) starts quickly.

_PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sd]|%[sd]")


@dataclass
class ExtractReport:
    """What ``extract`` did, file by file (paths relative to the site root)."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    units: int = 0
    warnings: list[Diagnostic] = field(default_factory=list)
    """``path:line: ...`` of what the articles hold that twp does not use (each once)."""

    @property
    def templates(self) -> int:
        return len(self.written) + len(self.unchanged)


def po_date(moment: dt.datetime) -> str:
    """A date as gettext headers write it: ``2026-03-14 09:30+0000``."""
    return moment.strftime("%Y-%m-%d %H:%M%z")


def new_template(config: Config, comment: str, created: dt.datetime) -> polib.POFile:
    """An empty POT with gettext's usual header fields."""
    import polib

    po = polib.POFile(wrapwidth=79)
    po.header = comment
    po.metadata_is_fuzzy = True
    po.metadata = {
        "Project-Id-Version": config.title,
        "Report-Msgid-Bugs-To": "",
        "POT-Creation-Date": po_date(created),
        "PO-Revision-Date": "YEAR-MO-DA HO:MI+ZONE",
        "Last-Translator": "FULL NAME <EMAIL@ADDRESS>",
        "Language-Team": "LANGUAGE <LL@li.org>",
        "Language": "",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    return po


def article_template(article: Article, config: Config,
                     notes: list[Diagnostic] | None = None) -> polib.POFile:
    """The template of one article: one entry per distinct unit, in document order.

    ``notes`` receives what the body holds that no unit takes (see
    :func:`~twp_i18n.source.segments.body_notes`).
    """
    from ..source.segments import article_units, body_notes, parse_body, untranslatable_words

    env: dict[str, object] = {}
    tokens = parse_body(article, env, inline=False)  # its units' words are not written
    units = article_units(article, tokens)
    if notes is not None:
        notes.extend(body_notes(article, tokens, env))
    po = new_template(
        config,
        f"Translation template for the article \u201c{article.title}\u201d.\n"
        f"Generated from {article.rel_path} by twp extract: edit the article, not this file.",
        article.last_modified,
    )
    uncovered = untranslatable_words(tokens)
    if uncovered:
        po.metadata[UNTRANSLATABLE_HEADER] = str(uncovered)
    for entry in units_to_entries(units, article, env):
        po.append(entry)
    return po


def units_to_entries(units: list[Unit], article: Article,
                     env: dict[str, object] | None = None) -> list[polib.POEntry]:
    """One entry per distinct unit key (msgctxt, msgid), with every place it is used.

    An entry whose text uses the article's link definitions (``[text][label]``) shows
    them in its comments (``reference link: [label]: <url>``): translators see where
    the link goes, and ``twp check`` resolves it as the build does.
    """
    import polib

    from ..source.markup import reference_comment, used_references

    entries: dict[tuple[str | None, str], polib.POEntry] = {}
    kinds: dict[tuple[str | None, str], list[str]] = {}
    for unit in units:
        key = unit.key
        entry = entries.get(key)
        if entry is None:
            entry = polib.POEntry(msgid=unit.text, msgstr="", msgctxt=unit.context)
            entries[key] = entry
            kinds[key] = []
        entry.occurrences.append((article.rel_path, str(unit.line)))
        if unit.kind not in kinds[key]:
            kinds[key].append(unit.kind)
    for key, entry in entries.items():
        notes = [f"type: {kind}" for kind in kinds[key]]
        if "title" in kinds[key] and article.translator_notes:
            notes.append(f"Translator notes: {article.translator_notes}")
        if env:
            notes.extend(reference_comment(*found) for found in used_references(entry.msgid, env))
        entry.comment = "\n".join(notes)
    return list(entries.values())


def site_template(config: Config, articles: Iterable[Article]) -> polib.POFile:
    """``site.pot``: the interface strings marked in the templates."""
    import polib

    dates = [a.last_modified for a in articles]
    created = max(dates) if dates else dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    po = new_template(
        config,
        "Interface strings of the site's pages (menus, notices, footer).\n"
        "Generated from the templates by twp extract.",
        created,
    )
    po.metadata["Plural-Forms"] = "nplurals=INTEGER; plural=EXPRESSION;"
    entries: dict[tuple[str | None, str], polib.POEntry] = {}
    title = polib.POEntry(msgid=config.title, comment="type: site title",
                          occurrences=[("twp.toml", str(_title_line(config)))])
    entries[(None, config.title)] = title
    for setting, text, comment in (
            ("site.disclaimer", config.disclaimer, "shown at the foot of every page."),
            ("feeds.rights", config.feeds.rights,
             "the site's rights statement (licence): every page's foot, feeds, books.")):
        if text and (None, text) not in entries:
            line = config.key_lines.get(setting)
            entries[(None, text)] = polib.POEntry(
                msgid=text, comment=comment, occurrences=[("twp.toml", str(line))] if line else [])
    for _name, (path, ref) in sorted(template_files(config).items()):
        for lineno, message, comments, context in _jinja_messages(path, ref):
            if isinstance(message, tuple):
                msgid, plural = message[0] or "", message[1]
            else:
                msgid, plural = message, None
            if not msgid:
                continue
            key = (context, msgid)
            entry = entries.get(key)
            if entry is None:
                entry = polib.POEntry(msgid=msgid, msgctxt=context)
                if plural:
                    entry.msgid_plural = plural
                    entry.msgstr_plural = {0: "", 1: ""}
                if _PLACEHOLDER.search(msgid + (plural or "")):
                    entry.flags.append("python-format")
                entries[key] = entry
            entry.occurrences.append((ref, str(lineno)))
            for comment in comments:
                if comment not in entry.comment.split("\n"):
                    entry.comment = f"{entry.comment}\n{comment}" if entry.comment else comment
    for entry in entries.values():
        po.append(entry)
    return po


def _title_line(config: Config) -> int:
    try:
        lines = config.config_path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 1
    return next((n for n, line in enumerate(lines, 1) if line.strip().startswith("title")), 1)


def _jinja_messages(path: Path,
                    ref: str) -> list[tuple[int, str | tuple[str | None, ...], list[str], str | None]]:
    from babel.messages.extract import extract as babel_extract
    from jinja2 import TemplateSyntaxError
    from jinja2.ext import babel_extract as jinja_extract

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TemplateError(f"cannot read template: {exc.strerror}", path=ref) from exc
    try:
        return list(babel_extract(
            jinja_extract, io.BytesIO(data),  # type: ignore[arg-type]
            comment_tags=("Translators:",), strip_comment_tags=False,
            options={"extensions": "jinja2.ext.i18n", "trimmed": "true", "silent": "false"},
        ))
    except TemplateSyntaxError as exc:
        raise TemplateError(f"template syntax error: {exc.message}", path=ref, line=exc.lineno,
                            hint="fix the Jinja2 syntax on that line") from None


def build_templates(config: Config, articles: list[Article]) -> dict[Path, polib.POFile]:
    """Every template the site should have, by path, built in memory."""
    outdir = config.templates_po_dir
    wanted = {outdir / f"{a.slug}.pot": article_template(a, config) for a in articles}
    wanted[outdir / f"{SITE_DOMAIN}.pot"] = site_template(config, articles)
    return wanted


def extract(config: Config, articles: list[Article] | None = None, *,
            dry_run: bool = False) -> ExtractReport:
    """Write ``locales/<slug>.pot`` for every article and ``site.pot``.

    Templates of articles that no longer exist are removed (their catalogs are
    kept: translators' work is the merge step's business).  With ``dry_run``
    the report says what would change and nothing is written.
    """
    inputs = _input_digests(config) if articles is None else None
    if inputs is not None and not dry_run:
        unchanged = _unchanged_by_cache(config, inputs)
        if unchanged is not None:
            return unchanged
    if articles is None:
        from ..source.content import load_articles

        articles = load_articles(config)
    from ..source.articlefiles import unread_markdown

    report = ExtractReport(warnings=[w for article in articles for w in article.warnings])
    report.warnings.extend(unread_markdown(config))
    # Render everything before writing anything.
    texts, report.units, notes = _template_texts(config, articles)
    report.warnings.extend(notes)
    texts = {path: _keeping(config, path, text) for path, text in texts.items()}
    wanted = set(texts)
    with one_sync():  # one sync for every template, not one each
        for path, text in texts.items():
            if dry_run:
                changed = not path.exists() or path.read_bytes() != text.encode("utf-8")
            else:
                changed = write_if_changed(path, text)
            (report.written if changed else report.unchanged).append(config.rel(path))
    # Templates of the old layout (locales/templates/) go too: they are made again here.
    stale_files = [*pot_files(config).values(),
                   *domain_files(config.legacy_templates_dir, ".pot").values()]
    for stale in stale_files:
        if stale not in wanted and (dry_run or remove_file(stale)):
            report.removed.append(config.rel(stale))
    if not dry_run and config.legacy_templates_dir.is_dir():
        try:
            config.legacy_templates_dir.rmdir()  # only if now empty
        except OSError:
            pass
    if inputs is not None and not dry_run:
        cache.save(config, "extract", {
            "inputs": inputs, "units": report.units, "warnings": [w.as_dict() for w in report.warnings],
            "outputs": {config.rel(path): cache.digest(text.encode("utf-8"))
                        for path, text in texts.items()},
        })
    return report


def _keeping(config: Config, path: Path, text: str) -> str:
    """``text``, but with the entries that did not change written as they are in the file
    at ``path`` (when it exists and differs): canonical files stay canonical."""
    from ..errors import CatalogError
    from . import pofile

    try:
        old = path.read_bytes()
    except OSError:
        return text
    if old == text.encode("utf-8"):
        return text
    try:
        original = pofile.parse_po(pofile.decode(old, config.rel(path)), config.rel(path),
                                   limits=config.limits)
    except CatalogError:  # a broken template is replaced whole
        return text
    return pofile.format_po(pofile.parse_po(text, limits=config.limits), original=original)


def _article_texts(job: tuple[Config, list[Article]], indexes: list[int]
                   ) -> list[tuple[str, int, list[dict[str, object]]]]:
    """The text and entry count of some articles' templates (in a worker process, or here)."""
    from . import pofile

    config, articles = job
    results = []
    for index in indexes:
        notes: list[Diagnostic] = []
        po = article_template(articles[index], config, notes)
        results.append((pofile.format_po(po), len(po), [note.as_dict() for note in notes]))
    return results


def _template_texts(config: Config, articles: list[Article]
                    ) -> tuple[dict[Path, str], int, list[Diagnostic]]:
    """The text of every template (articles in parallel processes when there are many)."""
    from ..source.segments import prepare_parsers
    from . import pofile

    workers = min(os.cpu_count() or 1, 8) if len(articles) >= 200 else 1
    prepare_parsers(config.content.markdown)  # once here, not in every worker
    parts = parallel.fork_map(_article_texts, parallel.chunks(range(len(articles)), workers),
                              workers, job=(config, articles))
    results = [result for part in parts for result in part]
    outdir = config.templates_po_dir
    texts = {outdir / f"{a.slug}.pot": text for a, (text, _, _) in zip(articles, results, strict=True)}
    texts[outdir / f"{SITE_DOMAIN}.pot"] = pofile.format_po(site_template(config, articles))
    notes = [Diagnostic.from_dict(note) for _, _, found in results for note in found]
    return texts, sum(count for _, count, _ in results), notes


def _input_digests(config: Config) -> dict[str, str]:
    """Digests of everything a template depends on: articles, twp.toml, templates."""
    sources = sorted(config.source_dir.rglob("*.md")) if config.source_dir.is_dir() else []
    themes = [path for path, _ref in template_files(config).values()]
    digests = cache.file_digests(config, [config.config_path, *sources, *themes])
    digests["#code"] = cache.code_digest()
    return digests


def _unchanged_by_cache(config: Config, inputs: dict[str, str]) -> ExtractReport | None:
    """The report of a run that would change nothing, if the cache proves it; else None."""
    stored = cache.load(config, "extract")
    if stored.get("inputs") != inputs:
        return None
    outputs: dict[str, str] = stored.get("outputs", {})
    present = sorted(config.rel(p) for p in pot_files(config).values())
    if present != sorted(outputs) or domain_files(config.legacy_templates_dir, ".pot"):
        return None
    for rel, expected in outputs.items():
        try:
            if cache.digest((config.root / rel).read_bytes()) != expected:
                return None
        except OSError:
            return None
    return ExtractReport(unchanged=sorted(outputs), units=int(stored.get("units", 0)),
                         warnings=[Diagnostic.from_dict(w) for w in stored.get("warnings", [])
                                   if isinstance(w, dict)])
