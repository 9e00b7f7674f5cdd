"""Canonical articles: ``content/<source-lang>/<slug>.md``, in folders too.

``content/en/about/governance.md`` is the article ``about/governance`` and
``content/en/about/index.md`` the article ``about`` (so ``about.md`` beside it is
an error naming both).

An article is UTF-8 Markdown with YAML front matter between ``---`` lines.
:func:`load_articles` reads them all, checking every rule a later stage relies
on (a safe, unique slug; a title; real dates), and raises
:class:`~twp_i18n.errors.ContentError` naming the file and line otherwise.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ..config import GIT_FIRST_COMMIT, Config, ContentConfig, LimitsConfig
from ..diagnostics import Diagnostic, warning
from ..errors import ContentError, control_character
from ..machinery.fsutil import open_regular
from ..paths import check_slug, is_within, language_folders, slug_hint
from .articlefiles import article_files

__all__ = ["Article", "check_slug", "front_matter", "load_article", "load_articles", "parse_article"]

# libyaml when available: 10x faster
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeBase):  # type: ignore[misc, valid-type]
    """Safe YAML, but dates stay strings so a bad one is reported with its line.

    Plain numbers stay strings too: no front-matter field is a number, and YAML 1.1
    would read ``12:30`` as 750, ``010`` as 8, and choke on an integer of 5000 digits.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, KeyError, TypeError, OverflowError):  # e.g. "!!int abc", "!!bool maybe"
            kind = str(node.tag).rsplit(":", 1)[-1]
            raise yaml.constructor.ConstructorError(
                None, None, f"{_shown(node.value)} is not a valid {kind}", node.start_mark) from None


_Loader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda loader, node: loader.construct_scalar(node),
)
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for first, resolvers in _SafeBase.yaml_implicit_resolvers.items()
}


def _shown(value: Any) -> str:
    """A value for a message: a string quoted and cut short, anything else by its kind."""
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "...")
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value) if isinstance(value, (bool, int, float)) and len(str(value)) <= 40 else "a value"


@dataclass(frozen=True)
class Article:
    """One canonical article, as read from its Markdown file."""

    slug: str
    path: Path
    rel_path: str
    """Path relative to the site root with forward slashes: used in references and messages."""
    title: str
    date: dt.datetime
    updated: dt.datetime | None
    body: str
    """The Markdown after the front matter, with LF line ends."""
    body_line: int
    """1-based line number in the file of the body's first line."""
    summary: str | None = None
    author: str | None = None
    tags: tuple[str, ...] = ()
    translator_notes: str | None = None
    source_url: str | None = None
    source_id: str | None = None
    field_lines: dict[str, int] = field(default_factory=dict, compare=False)
    """1-based line of each front-matter key."""
    limits: LimitsConfig = field(default_factory=LimitsConfig, compare=False, repr=False)
    """The site's ``[limits]``: the largest unit and the deepest nesting it may have."""
    warnings: tuple[Diagnostic, ...] = field(default=(), compare=False)
    markdown: str = field(default="commonmark", compare=False, repr=False)
    """The site's ``[content] markdown``: ``commonmark``, or ``kramdown`` (Jekyll's)."""
    """``path:line: ...`` of what was read but not used (front-matter keys twp does not know)."""

    @property
    def last_modified(self) -> dt.datetime:
        """The later of ``date`` and ``updated``."""
        return max(self.date, self.updated) if self.updated else self.date


def load_articles(config: Config) -> list[Article]:
    """Read every ``*.md`` under the source-language content directory, sorted by slug."""
    source_dir = config.source_dir
    if not source_dir.is_dir():
        line = config.key_lines.get("paths.content")
        raise ContentError(
            f"the source-language content directory {config.rel(source_dir)} does not exist"
            if line else "the source-language content directory does not exist",
            path="twp.toml" if line else config.rel(source_dir), line=line,
            hint=f"put the canonical articles in {config.rel(source_dir)}/<slug>.md"
                 + (", or fix [paths] content" if line else ""),
        )
    articles: list[Article] = []
    seen: dict[str, Article] = {}
    language_dirs = language_folders((config.source_language, *config.languages))
    dates = _DateFallback(config)
    allowed = (config.root.resolve(), config.content_dir.resolve())  # as for images
    for path, folder in article_files(source_dir):
        if path.is_symlink() and not any(is_within(Path(os.path.realpath(path)), f)
                                         for f in allowed):  # (realpath: loops do not raise)
            raise ContentError(  # its text would be published, and its errors show its lines
                "the article is a symbolic link to a file outside the site", path=config.rel(path),
                hint="copy the file into the site instead of linking to it")
        article = load_article(path, config.rel(path), config.limits, content=config.content,
                               folder=folder, date_fallback=dates)
        problem = check_slug(article.slug, nested=True, reserved=language_dirs)
        if problem:
            raise ContentError(f"slug '{article.slug}' {problem}", path=article.rel_path,
                               line=article.field_lines.get("slug", 1),
                               hint=slug_hint(nested=bool(folder)))
        other = seen.get(article.slug.casefold())
        if other is not None:
            raise ContentError(
                f"slug '{article.slug}' is already used by {other.rel_path}",
                path=article.rel_path,
                line=article.field_lines.get("slug"),
                hint="give one of the two articles a different 'slug' in its front matter"
                     + (", or move one of them" if folder or "/" in other.slug else ""),
            )
        seen[article.slug.casefold()] = article
        articles.append(article)
    articles.sort(key=lambda a: a.slug)
    return articles


class _DateFallback:
    """The date of an article without one, by the rule of ``[content] date_fallback``."""

    def __init__(self, config: Config) -> None:
        self.rule = config.content.date_fallback
        self.root = config.root
        self._refusal: str | None = None
        """Why git cannot tell any file's date here ("" when it can), once asked."""

    def __call__(self, path: Path, rel_path: str) -> tuple[dt.datetime | None, str]:
        """The date, or None and why there is none."""
        if self.rule is None:
            return None, ""
        if self.rule != GIT_FIRST_COMMIT:
            return _to_datetime(self.rule), ""
        if self._refusal is None:
            out = _git(self.root, "rev-parse", "--is-shallow-repository")
            self._refusal = (
                "the site is not in a git repository (or git is not installed)" if out is None
                else "" if out.strip() == "false"
                else "the git repository is a shallow clone, which cannot tell when the file "
                     "was first committed (fetch the whole history: git fetch --unshallow)")
        if self._refusal:
            return None, self._refusal
        out = _git(self.root, "log", "--diff-filter=A", "--follow", "--format=%aI", "--",
                   str(path.resolve()))
        lines = (out or "").split()
        if not lines:
            return None, "git has no commit of this file (commit it first)"
        return _to_datetime(lines[-1]), ""


GIT_TIMEOUT = 30.0
"""Seconds one git command may take (a date fallback asks git once per dateless article)."""


def _git(root: Path, *args: str) -> str | None:
    """The output of a git command run in ``root``, or None when it fails."""
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True,
                              timeout=GIT_TIMEOUT, check=False,
                              env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace")


def load_article(path: Path, rel_path: str, limits: LimitsConfig | None = None, *,
                 content: ContentConfig | None = None, folder: str = "",
                 date_fallback: Any = None) -> Article:
    """Read and validate one article file (one over ``limits.max_article_bytes`` is
    refused before more than that is read).  ``folder``: where it lies below
    ``content/<lang>/`` (its slug's first segments); ``date_fallback(path, rel_path)``:
    the date when the front matter has none, or None and why."""
    limits = limits or LimitsConfig()
    try:
        with open_regular(path) as handle:
            raw = handle.read(limits.max_article_bytes + 1)
            if len(raw) > limits.max_article_bytes:
                raise _too_big(os.fstat(handle.fileno()).st_size, limits, rel_path)
    except OSError as exc:
        raise ContentError(f"cannot read: {exc.strerror}", path=rel_path) from exc
    return parse_article(raw, path, rel_path, limits, content=content, folder=folder,
                         date_fallback=date_fallback)


def _too_big(size: int, limits: LimitsConfig, rel_path: str) -> ContentError:
    bound = limits.max_article_bytes
    return ContentError(
        f"the article is {_size(size)}, over the bound of {_size(bound)}",
        path=rel_path,
        hint="split it into several articles, or raise [limits] max_article_bytes in twp.toml",
    )


def _size(size: int) -> str:
    """``5000 bytes``, ``10485760 bytes (10.0 MiB)``."""
    mib = size / (1024 * 1024)
    return f"{size} bytes ({mib:.1f} MiB)" if mib >= 1 else f"{size} bytes"


def parse_article(raw: bytes, path: Path, rel_path: str,
                  limits: LimitsConfig | None = None, *, content: ContentConfig | None = None,
                  folder: str = "", date_fallback: Any = None) -> Article:
    """Parse the bytes of an article file (a BOM and CRLF line ends are accepted)."""
    limits = limits or LimitsConfig()
    if len(raw) > limits.max_article_bytes:
        raise _too_big(len(raw), limits, rel_path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError("not valid UTF-8", path=rel_path, line=line,
                           hint="save the file as UTF-8") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise ContentError(
            "missing front matter",
            path=rel_path, line=1,
            hint="start the file with a '---' line, then 'title:' and 'date:', then '---'",
        )
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        raise ContentError("front matter is not closed", path=rel_path, line=1,
                           hint="end the front matter with a line holding only '---'")
    meta, key_lines = _parse_front_matter("\n".join(lines[1:end]), rel_path)
    body = "\n".join(lines[end + 1:])
    if "\x04" in body:  # MO files separate msgctxt from msgid with it: no catalog can hold it
        raise ContentError("contains the control character U+0004", path=rel_path,
                           line=end + 2 + body[: body.index("\x04")].count("\n"),
                           hint="delete the invisible character on that line")
    article = _article_from(meta, key_lines, body, end + 2, path, rel_path,
                            content or ContentConfig(), folder, date_fallback)
    return article if limits == article.limits else replace(article, limits=limits)


def front_matter(source: str, rel_path: str) -> dict[str, Any]:
    """The YAML between the ``---`` lines, read as articles' front matter is (safely, dates
    and numbers as text); a ContentError naming ``rel_path`` and the line otherwise."""
    return _parse_front_matter(source, rel_path)[0]


def _parse_front_matter(source: str, rel_path: str) -> tuple[dict[str, Any], dict[str, int]]:
    loader = _Loader(source)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else {}
    except (yaml.YAMLError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark is not None else 1
        if isinstance(exc, yaml.reader.ReaderError):  # libyaml counts bytes, PyYAML characters
            head = source.encode("utf-8")[: exc.position] if _SafeBase is not yaml.SafeLoader \
                else source[: exc.position].encode("utf-8")
            line = head.count(b"\n") + 2
        problem = "nested too deeply" if isinstance(exc, RecursionError) else \
            getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ContentError(
            f"front matter is not valid YAML: {problem}",
            path=rel_path, line=line,
            hint="quote values that contain ':' or '#', e.g. title: \"Sleep: what helped\"",
        ) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ContentError("front matter must be a set of 'key: value' lines",
                           path=rel_path, line=2)
    key_lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            key, line = str(key_node.value), key_node.start_mark.line + 2
            if key in key_lines:  # YAML keeps the last silently: the first would be lost
                raise ContentError(
                    f"the key '{key}' is given twice in the front matter (line "
                    f"{key_lines[key]} and here)", path=rel_path, line=line,
                    hint="keep one of them (the tool would otherwise take this one and "
                         "drop the other without a word)")
            key_lines[key] = line
    return data, key_lines


_OWN_KEYS = ("slug", "translator_notes", "source_url", "source_id")
"""Front-matter keys twp reads under their own name only."""


def _mapped(meta: dict[str, Any], key_lines: dict[str, int], content: ContentConfig,
            rel_path: str) -> tuple[dict[str, Any], dict[str, int], dict[str, str], list[Diagnostic]]:
    """The front matter under the article's field names ([content.front_matter]: the first
    name present wins), the lines of those fields, the name each was read from, and a
    warning naming the keys no field reads."""
    fields: dict[str, Any] = {key: meta[key] for key in _OWN_KEYS if key in meta}
    lines = {key: key_lines[key] for key in fields if key in key_lines}
    names = {key: key for key in fields}
    used = set(_OWN_KEYS) | set(content.ignore_keys)
    for name, keys in content.front_matter.items():
        used.update(keys)
        found = next((key for key in keys if meta.get(key) not in (None, "")), None)
        found = found or next((key for key in keys if key in meta), None)
        if found is not None:
            fields[name], names[name] = meta[found], found
            if found in key_lines:
                lines[name] = key_lines[found]
    unknown = [str(key) for key in meta if str(key) not in used]
    warnings: list[Diagnostic] = []
    if unknown:
        line = min(key_lines.get(key, 1) for key in unknown)
        warnings.append(warning(
            "front-matter-key", f"front-matter {'keys' if len(unknown) > 1 else 'key'} not used by twp: "
            + ", ".join(f"'{key}'" for key in unknown)
            + " (map it with [content.front_matter] in twp.toml, or list it in [content] ignore_keys)",
            rel_path, line))
    return fields, lines, names, warnings


def _article_from(meta: dict[str, Any], key_lines: dict[str, int], body: str, body_line: int,
                  path: Path, rel_path: str, content: ContentConfig, folder: str = "",
                  date_fallback: Any = None) -> Article:
    meta, key_lines, names, warnings = _mapped(meta, key_lines, content, rel_path)
    front = _Front(meta, key_lines, names, rel_path)
    if "title" not in meta or meta["title"] in (None, ""):
        raise front.fail("front matter has no 'title'", None,
                         hint="add a 'title:' line to the front matter")
    fallback_date = _fallback_date(front, path, date_fallback)
    title = front.text("title")
    if title is None:
        raise front.fail("'title' is empty", "title")
    if "\n" in title:
        raise front.fail("'title' must be one line", "title", hint="write the title on one line")
    notes = front.text("translator_notes")
    if notes and any(line.endswith("\\") for line in notes.split("\n")):
        raise front.fail("a line of 'translator_notes' ends with a backslash", "translator_notes",
                         hint="gettext would join it with the next line; remove the backslash")
    date, updated = _dates(front, fallback_date)
    slug = _slug(front, folder, path)
    tags = _tags(front)
    return Article(
        slug=slug,
        path=path,
        rel_path=rel_path,
        title=title,
        date=date,
        updated=updated,
        body=body,
        body_line=body_line,
        summary=front.text("summary"),
        author=front.text("author"),
        tags=tags,
        translator_notes=notes,
        source_url=front.text("source_url"),
        source_id=front.text("source_id"),
        field_lines=key_lines,
        warnings=tuple(warnings),
        markdown=content.markdown,
    )


class _Front:
    """An article's front matter under its field names, and how to blame one of its keys."""

    def __init__(self, meta: dict[str, Any], key_lines: dict[str, int], names: dict[str, str],
                 rel_path: str) -> None:
        self.meta, self.key_lines, self.names, self.rel_path = meta, key_lines, names, rel_path

    def fail(self, message: str, key: str | None, hint: str | None = None) -> ContentError:
        return ContentError(message, path=self.rel_path, line=self.key_lines.get(key or "", 1),
                            hint=hint)

    def text(self, key: str) -> str | None:
        """The field as one stripped text (None when absent or empty); never a control character."""
        value = self.meta.get(key)
        if value is None:
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise self.fail(f"'{key}' must be text", key)
        value = str(value).strip()
        control = control_character(value)
        if control:
            raise self.fail(f"'{key}' contains a control character ({control})", key,
                            hint="remove the escape sequence (such as \\0 or \\e) from the value")
        return value or None


def _fallback_date(front: _Front, path: Path, date_fallback: Any) -> dt.datetime | None:
    """The date ``[content] date_fallback`` gives an article without one (None if it has one)."""
    meta = front.meta
    if "date" in meta and meta["date"] not in (None, ""):
        return None
    fallback_date: dt.datetime | None = None
    why = ""
    if date_fallback is not None:
        fallback_date, why = date_fallback(path, front.rel_path)
    if fallback_date is None:
        raise front.fail("front matter has no 'date'" + (f", and {why}" if why else ""), None,
                         hint="add a 'date:' line to the front matter" + (
                             "" if why else ", or set [content] date_fallback in twp.toml "
                             "(\"git-first-commit\" or a date YYYY-MM-DD)"))
    return fallback_date


def _dates(front: _Front, fallback_date: dt.datetime | None) -> tuple[dt.datetime, dt.datetime | None]:
    """The article's date and its ``updated`` date, if any."""
    meta, names = front.meta, front.names
    date = fallback_date or _to_datetime(meta["date"])
    if date is None:
        raise front.fail(f"'{names['date']}' is not a date: {_shown(meta['date'])}", "date",
                         hint="write dates as YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SS+00:00")
    updated = None
    if meta.get("updated") is not None:
        updated = _to_datetime(meta["updated"])
        if updated is None:
            raise front.fail(f"'{names['updated']}' is not a date: {_shown(meta['updated'])}",
                             "updated", hint="write dates as YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SS+00:00")
    return date, updated


def _slug(front: _Front, folder: str, path: Path) -> str:
    """The article's slug: its file's name (its folder's, for ``index.md``) or its ``slug``,
    under the folders it is in."""
    meta = front.meta
    parents = folder.split("/") if folder else []
    name = parents.pop() if parents and path.stem == "index" else path.stem  # about/index.md: about
    slug = front.text("slug") if "slug" in meta else name
    if "slug" in meta and slug is None:
        slug = ""
    assert slug is not None
    problem = check_slug(slug)
    if problem:
        raise front.fail(f"slug '{slug}' {problem}", "slug" if "slug" in meta else None,
                         hint=slug_hint())
    return "/".join([*parents, slug])


def _tags(front: _Front) -> tuple[str, ...]:
    tags_value = front.meta.get("tags") or []
    if isinstance(tags_value, str):
        tags_value = [tags_value]
    if not isinstance(tags_value, list) or not all(isinstance(t, (str, int)) for t in tags_value):
        raise front.fail("'tags' must be a list of words", "tags",
                         hint="write tags: [sleep, journaling]")
    control = next(filter(None, (control_character(str(t)) for t in tags_value)), None)
    if control:
        raise front.fail(f"'tags' contains a control character ({control})", "tags",
                         hint="remove the escape sequence (such as \\0 or \\e) from the tag")
    return tuple(str(t) for t in tags_value)


def _to_datetime(value: Any) -> dt.datetime | None:
    """YAML dates and datetimes, or ISO 8601 strings, as aware UTC-based datetimes."""
    if isinstance(value, dt.datetime):
        result = value
    elif isinstance(value, dt.date):
        result = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            result = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if result.tzinfo is None:
        result = result.replace(tzinfo=dt.UTC)
    return result
