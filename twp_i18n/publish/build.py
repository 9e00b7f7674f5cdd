"""``twp build``: every language's pages, feeds, sitemap, OPML, dashboard and bundles.

Files are written as they are made, each only when its bytes changed, to temporary
siblings that are put in place together once everything is made and written: a failed
build leaves the previous ``dist/`` intact and a no-change rebuild writes nothing.  Files a
previous build wrote and this one does not are removed (the list lives in
``dist/.twp-build.json``).  No clock is read: dates come from the content.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Config
from ..diagnostics import Diagnostic, warning
from ..errors import OutputError, TemplateError
from ..machinery import cache, parallel
from ..machinery.fsutil import (
    Staged,
    remove_empty_folders,
    remove_file,
    remove_stale_temp_files,
    staged_writes,
    write_if_changed,
)
from ..paths import Folder, output_problem, protected_folders, site_images
from ..render.plan import Plan
from .planning import input_digests

# Markdown, templates, feeds and catalogs are imported where there is work for them:
# a build with nothing changed answers from digests alone and should start quickly.

MANIFEST = ".twp-build.json"
WRITERS = 4
"""Threads writing the output files (the time goes to system calls, which release the GIL;
more threads than this wake often enough to slow the threads making the files)."""


@dataclass
class BuildReport:
    """What ``build`` did (paths relative to the output directory)."""

    output: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    published: dict[str, list[str]] = field(default_factory=dict)
    """Language -> slugs published in it."""
    warnings: list[Diagnostic] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    """``path:line: ...`` of inputs left out of this build (a broken catalog or glossary):
    everything else was built, and the command exits with 1."""
    changed_feeds: list[str] = field(default_factory=list)
    """Absolute URLs of feeds whose content changed in this build (for WebSub pings)."""


def build(config: Config, *, languages: Iterable[str] | None = None, out: Path | None = None,
          jobs: int = 1, progress: Callable[[int, int], None] | None = None) -> BuildReport:
    """Render the whole site into ``out`` (default: ``[paths] output``).

    Work is skipped where its inputs are byte-for-byte those of the previous
    build: a language's publishing plan when the content, theme, config and
    its catalogs are unchanged, and its pages when, in addition, no language
    published or unpublished an article.  Files are still only written when
    their bytes change, so skipped and rendered work give the same output.
    """
    with parallel.fewer_collections():
        return _build(config, languages, out, jobs, progress)


def _build(config: Config, languages: Iterable[str] | None, out: Path | None, jobs: int,
           progress: Callable[[int, int], None] | None) -> BuildReport:
    output = (out or config.output_dir).resolve()
    if out is not None:
        _check_out(config, out, output)
    # Leftovers of runs killed while writing: the folders every build writes, and .twp/.
    remove_stale_temp_files(config.root / ".twp")
    remove_stale_temp_files(output, depth=1)
    all_langs = [config.source_language, *config.languages]
    selected = set(languages) if languages else set(all_langs)
    selected.add(config.source_language)
    images, image_warnings = site_images(config)
    shared, per_lang = input_digests(config, all_langs, [path for _, path in images])
    memo_name = "build-" + cache.digest(config.rel(output).encode("utf-8"))
    memo = cache.load(config, memo_name)
    if memo.get("shared") != shared:
        memo = {}
    if selected == set(all_langs):
        unchanged = _unchanged_build(config, output, memo, all_langs, per_lang)
        if unchanged is not None:
            unchanged.warnings[:0] = image_warnings
            return unchanged
    chosen = [lang for lang in all_langs if lang in selected]
    step = _stepper(progress)
    plan, published_key, kept, todo = _plan_languages(config, output, memo, chosen, per_lang, jobs,
                                                      step)
    shared_key = _shared_key(all_langs, per_lang, published_key)
    with _staging(config, output) as staged:
        files, shared_files, render_problems = _render(
            config, plan, output, todo, kept, (memo.get("rendered", {}).get(SHARED), shared_key),
            jobs, step, staged.put)
        staged.put(files)  # every file is put already: this only makes sure of it
        written = staged.written()
    report = BuildReport(output, warnings=[*image_warnings, *plan.warnings, *render_problems],
                         published={lang: [a.slug for a in plan.published[lang]]
                                    for lang in all_langs}, errors=list(plan.errors))
    if languages:
        report.warnings.extend(_nothing_published(config, plan, chosen))
    previous_files = _read_manifest(output)
    held = _held_pages(output, plan, todo, files, previous_files)
    kept_files = _kept_files(all_langs, selected, kept, held, previous_files)
    _finish_output(config, output, files, written, kept_files, previous_files, report)
    rendered = _rendered_record(output, memo.get("rendered", {}), todo, kept,
                                set(files) | held, shared_files,
                                {lang: _render_key(per_lang, lang, published_key) for lang in todo},
                                shared_key)
    cache.save(config, memo_name, {"shared": shared, "plans": plan.memo, "rendered": rendered,
                                   "published": report.published, "published_key": published_key})
    return report


def _stepper(progress: Callable[[int, int], None] | None) -> Callable[[int, int], None]:
    """``step(count, total)``: ``count`` more steps done, ``total`` more to do, reported as
    the running sums (the phases add their totals as they learn them)."""
    steps = [0, 0]

    def step(count: int = 1, total: int = 0) -> None:
        steps[0] += count
        steps[1] += total
        if progress:
            progress(steps[0], steps[1])

    return step


def _render_key(per_lang: dict[str, str], lang: str, published_key: str) -> str:
    """What a language's pages depend on: its inputs and what every language publishes."""
    return cache.digest(f"{per_lang[lang]} {published_key}".encode())


def _plan_languages(config: Config, output: Path, memo: dict[str, Any], chosen: list[str],
                    per_lang: dict[str, str], jobs: int, step: Callable[[int, int], None]
                    ) -> tuple[Plan, str, dict[str, list[str]], list[str]]:
    """The plan of every language, the digest of what it publishes, the files kept of each
    chosen language whose pages the previous build left as they must be, and the languages
    to render (their published articles localized into the plan)."""
    from ..catalog.checks import Verdicts
    from ..source.content import load_articles
    from .planning import make_plan, read_articles

    all_langs = [config.source_language, *config.languages]
    articles = load_articles(config)
    _check_templates(config)
    verdicts = Verdicts(config)
    rendered_before = memo.get("rendered", {})

    def kept_files(lang: str, published_key: str | None) -> list[str] | None:
        previous = rendered_before.get(lang)
        if published_key and previous and \
                previous["key"] == _render_key(per_lang, lang, published_key) \
                and _intact(output, previous["files"]):
            return list(previous["files"])
        return None

    # Localized while planning: the languages to render unless what is published changes.
    likely = [lang for lang in chosen if kept_files(lang, memo.get("published_key")) is None]
    plan = make_plan(config, articles, all_langs, memo.get("plans", {}), per_lang, verdicts,
                     jobs, likely, step)
    plan.dates = _read_dates(config, plan)
    _leave_out_absent(output, plan, chosen)
    published_key = cache.digest(json.dumps(
        {lang: [a.slug for a in plan.published[lang]] for lang in all_langs}).encode("utf-8"))
    kept: dict[str, list[str]] = {}
    todo: list[str] = []
    for lang in chosen:
        files = kept_files(lang, published_key)
        if files is None:
            todo.append(lang)
        else:
            kept[lang] = files
    for lang in set(plan.localized) - set(todo):
        del plan.localized[lang]
    missing = [lang for lang in todo if lang not in plan.localized]
    if missing:  # what is published changed: these are rendered again too
        _coverage, more = read_articles(
            config, articles, [], missing,
            {lang: plan.percent[lang] for lang in missing if lang != config.source_language},
            verdicts, jobs, {}, step)
        plan.localized.update(more)
    verdicts.save()
    return plan, published_key, kept, todo


def _leave_out_absent(output: Path, plan: Plan, chosen: list[str]) -> None:
    """A language not built this time and of which the output holds no page (a first
    ``--lang`` build into a new folder) publishes nothing there: the sitemap, the chooser,
    the feeds list and the pages' language links do not lead to pages that are not there."""
    from ..render.pages import tag_dir

    folder = Folder(output)
    for lang in plan.languages:
        index = folder.inside(f"{tag_dir(lang)}/index.html")  # what is there, manifest or not
        if lang not in chosen and plan.published[lang] and (index is None or not index.is_file()):
            plan.published[lang] = []
            plan.slugs[lang] = set()


def _render(config: Config, plan: Plan, output: Path, todo: list[str], kept: dict[str, list[str]],
            shared_before: tuple[dict[str, Any] | None, str], jobs: int,
            step: Callable[[int, int], None], put: Callable[[dict[str, bytes]], None]
            ) -> tuple[dict[str, bytes], dict[str, bytes], list[Diagnostic]]:
    """Every file of the languages in ``todo`` and, unless the previous build's are intact
    (then listed in ``kept``), the shared ones: all files, the shared ones, problems.
    Files are handed to ``put`` as soon as they are made."""
    from ..render import pages

    files: dict[str, bytes] = {}
    shared_files: dict[str, bytes] = {}
    render_problems: list[Diagnostic] = []
    previous, shared_key = shared_before
    if previous and previous["key"] == shared_key and _intact(output, previous["files"]):
        kept[SHARED] = list(previous["files"])
    shared_due = SHARED not in kept

    def put_pages(made: dict[str, bytes]) -> None:
        """Put these files, after the pages common to all languages, which are made (once
        the page workers are forked, while they work) and put first."""
        nonlocal shared_due
        if shared_due:
            shared_due = False
            shared_files.update(pages.render_shared(config, plan))
            files.update(shared_files)
            put(shared_files)
        put(made)

    # Threads: forked workers (one per language) raised the peak memory of all processes by 1/5.
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as threads:
        made: dict[str, Future[tuple[dict[str, bytes], list[Diagnostic]]]] = {}

        def language(lang: str, lang_pages: dict[str, Any]) -> tuple[dict[str, bytes],
                                                                      list[Diagnostic]]:
            try:
                return pages.render_language(config, lang, plan, lang_pages)
            finally:
                lang_pages.clear()  # in its bundle and book now: the deflated copies can go

        def finished(lang: str, lang_pages: dict[str, Any]) -> None:  # made while others render
            made[lang] = threads.submit(language, lang, lang_pages)

        step(0, len(todo))
        pages.render_articles(config, plan, todo, jobs, step, put_pages, finished)
        plan.localized.clear()  # the pages are made: their HTML can go
        put_pages({})
        for lang in todo:
            lang_files, lang_problems = made[lang].result()
            files.update(lang_files)
            put(lang_files)
            render_problems.extend(lang_problems)
            step(1, 0)
    if SHARED not in kept:  # the catalog of the books, once every book is made
        from ..render.opds import catalog_files

        catalog = catalog_files(config, plan, output, files)
        shared_files.update(catalog)
        files.update(catalog)
        put(catalog)
    return files, shared_files, render_problems


def _held_pages(output: Path, plan: Plan, todo: list[str], files: dict[str, bytes],
                previous_files: set[str]) -> set[str]:
    """A page whose catalog is broken stays as the previous build wrote it."""
    from ..render.pages import tag_dir

    held = {f"{tag_dir(lang)}/{slug}/index.html"
            for lang in todo for slug in plan.broken.get(lang, ())}
    return {rel for rel in held if rel in previous_files and rel not in files
            and _is_output_file(output, rel)}


def _kept_files(all_langs: list[str], selected: set[str], kept: dict[str, list[str]],
                held: set[str], previous_files: set[str]) -> set[str]:
    """Files left as they are: kept, held, and those of languages not built this time (they
    stay listed, so a later build can still remove them)."""
    from ..render.pages import tag_dir

    keep_dirs = {tag_dir(lang) for lang in all_langs if lang not in selected}
    kept_files = {rel for names in kept.values() for rel in names} | held
    kept_files |= {rel for rel in previous_files
                   if rel.split("/", 1)[0] in keep_dirs
                   or rel.startswith(tuple(f"bundles/{d}." for d in keep_dirs))}
    return kept_files


@contextmanager
def _staging(config: Config, output: Path) -> Iterator[Staged]:
    """:func:`staged_writes` into the output folder, stale temporary files removed first."""
    for directory, depth in ((output, None), (config.locales_dir, None), (config.source_dir, 0)):
        remove_stale_temp_files(directory, depth=depth)
    with staged_writes(Folder(output).inside_or_fail, WRITERS) as staged:
        yield staged


def _finish_output(config: Config, output: Path, files: dict[str, bytes], written: dict[str, bool],
                   kept_files: set[str], previous_files: set[str], report: BuildReport) -> None:
    """Report the files written, remove those no longer made, then write the manifest."""
    manifest = (json.dumps(sorted(set(files) | kept_files), indent=0) + "\n").encode("utf-8")
    folder = Folder(output)
    for rel in sorted(files):
        if written[rel]:
            report.written.append(rel)
            if rel.endswith(("/rss.xml", "/atom.xml", "/feed.json")):
                report.changed_feeds.append(config.base_url + rel)
        else:
            report.unchanged.append(rel)
    report.unchanged.extend(sorted(kept_files))
    for rel in sorted(previous_files - set(files) - kept_files):
        path = folder.inside(rel)
        if path is None:
            report.warnings.append(warning(
                "manifest-outside", f"lists '{rel}', which is not inside the output folder; "
                "left alone", config.rel(output / MANIFEST)))
        elif remove_file(path):
            report.removed.append(rel)
            remove_empty_folders(path, Path(folder.root))
    write_if_changed(output / MANIFEST, manifest)  # last: it lists only files that exist


def _rendered_record(output: Path, rendered_before: dict[str, Any], todo: list[str],
                     kept: dict[str, list[str]], names: set[str], shared_files: dict[str, bytes],
                     keys: dict[str, str], shared_key: str) -> dict[str, Any]:
    """The memo's record of the files each language's pages (and the shared ones) are, with
    their stamps, for the next build to know them intact."""
    from ..render.pages import tag_dir

    rendered = {lang: info for lang, info in rendered_before.items() if lang not in todo}
    for lang in todo:
        base = tag_dir(lang)
        mine = sorted(rel for rel in names if rel.startswith(f"{base}/")
                      or rel in (f"bundles/{base}.zip", f"bundles/{base}.epub"))
        rendered[lang] = {"key": keys[lang], "files": {rel: _stamp(output / rel) for rel in mine}}
    if SHARED not in kept:
        rendered[SHARED] = {"key": shared_key,
                            "files": {rel: _stamp(output / rel) for rel in sorted(shared_files)}}
    for lang, files in kept.items():
        rendered[lang]["files"] = {rel: _stamp(output / rel) for rel in files}
    return rendered


def _unchanged_build(config: Config, output: Path, memo: dict[str, Any], langs: list[str],
                     per_lang: dict[str, str]) -> BuildReport | None:
    """The report of a build that would change nothing, when the memo proves it; else None.

    Every input (content, config, theme, code and each language's catalogs) has the
    digest it had at the last build, and every file that build wrote is still there,
    untouched: the output is already what rendering would give.
    """
    plans = memo.get("plans", {})
    rendered = memo.get("rendered", {})
    published_key = memo.get("published_key")
    if published_key is None or any(plans.get(lang, {}).get("key") != per_lang[lang]
                                    for lang in langs if lang != config.source_language):
        return None
    expected = {lang: _render_key(per_lang, lang, published_key) for lang in langs}
    expected[SHARED] = _shared_key(langs, per_lang, published_key)
    names: set[str] = set()
    for key, digest in expected.items():
        entry = rendered.get(key)
        if entry is None or entry["key"] != digest or not _intact(output, entry["files"]):
            return None
        names.update(entry["files"])
    if _read_manifest(output) != names:
        return None
    warnings = [Diagnostic.from_dict(w) for lang in langs if lang != config.source_language
                for w in plans[lang]["warnings"]]
    errors = [Diagnostic.from_dict(e) for lang in langs if lang != config.source_language
              for e in plans[lang].get("errors", [])]
    published = memo.get("published", {})
    if set(published) != set(langs):
        return None
    return BuildReport(output, unchanged=sorted(names),
                       published={lang: published[lang] for lang in langs}, warnings=warnings,
                       errors=errors)


def _shared_key(langs: list[str], per_lang: dict[str, str], published_key: str) -> str:
    return cache.digest(json.dumps([per_lang[lang] for lang in langs] + [published_key])
                        .encode("utf-8"))


SHARED = "#shared"
"""Key of the files common to all languages (chooser, dashboard, sitemap, OPML, stylesheet,
catalog of books) in the build memo, next to the language codes."""


def _nothing_published(config: Config, plan: Plan, langs: list[str]) -> list[Diagnostic]:
    """A warning for each language asked for (``build --lang``) that has no article to publish."""

    return [warning("nothing-published",
                    f"nothing to publish in {lang}: no article is {config.min_percent:g}% "
                    f"translated yet ({plan.site_percent[lang]:.0f}% of the site's words); "
                    f"no {lang} pages were built",
                    path=config.rel(config.po_dir(lang)),
                    hint=f"see 'twp status --lang {lang}'; [publish] min_percent sets the bar")
            for lang in langs if lang != config.source_language and not plan.published[lang]]


def _read_dates(config: Config, plan: Plan) -> dict[str, Any]:
    """``locales/dates.json`` (feed dates of the translations); a broken one is reported and
    the feeds carry the English dates."""
    from ..catalog.dates import read_dates
    from ..errors import CatalogError

    try:
        return read_dates(config)
    except CatalogError as exc:
        plan.errors.append(Diagnostic(exc.path, exc.line, "error", "dates-unreadable",
                                      f"{exc.message}; the feeds carry the English dates", exc.hint))
        return {}


def _check_out(config: Config, out: Path, output: Path) -> None:
    """An output folder named on the command line may lie anywhere, but not on the site's own
    folders (a build cleans its output folder)."""
    found = output_problem(output, root=config.root, explicit=True,
                           folders=protected_folders(config.root, config.content_dir,
                                                     config.locales_dir, config.templates_dir))
    if found:
        raise OutputError(f"cannot build into '{out}': it {found[0]}",
                          hint="give --out a folder of its own, such as 'dist'")


def _inside(rel: str) -> bool:
    """True for a plain relative path that stays inside the output directory."""
    parts = rel.split("/")
    return bool(rel) and not rel.startswith("/") and "\\" not in rel and ".." not in parts \
        and "" not in parts and ":" not in parts[0]


def _is_output_file(output: Path, rel: str) -> bool:
    """True when ``rel`` is a file inside the output folder (symbolic links resolved)."""
    path = Folder(output).inside(rel)
    return path is not None and path.is_file()


def _stamp(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def _intact(output: Path, files: dict[str, list[int]]) -> bool:
    """True when every file a previous build wrote is still there, untouched."""
    try:
        return all(_stamp(output / rel) == stamp for rel, stamp in files.items())
    except OSError:
        return False


def _check_templates(config: Config) -> None:
    """Compile every template first, so a syntax error names its file and line."""
    from jinja2 import TemplateSyntaxError

    from ..paths import template_files
    from ..render.localize import jinja_environment

    env = jinja_environment(config)
    for name, (_path, ref) in template_files(config).items():
        try:
            env.get_template(name)
        except TemplateSyntaxError as exc:
            raise TemplateError(f"template syntax error: {exc.message}", path=ref, line=exc.lineno,
                                hint="fix the Jinja2 syntax on that line") from None


def _read_manifest(output: Path) -> set[str]:
    """Files the previous build wrote: only relative paths inside the output directory."""
    try:
        names = json.loads((output / MANIFEST).read_text(encoding="utf-8"))
        return {name for name in names if isinstance(name, str) and _inside(name)}
    except FileNotFoundError:
        return set()
    except (OSError, ValueError) as exc:
        raise OutputError(f"cannot read the previous build's file list: {exc}",
                          path=output / MANIFEST,
                          hint="delete the output directory and build again") from None
