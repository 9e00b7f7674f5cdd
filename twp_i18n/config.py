"""Site configuration: ``twp.toml`` at the site root.

:func:`load_config` reads and validates the whole file and collects every
problem before raising one :class:`~twp_i18n.errors.ConfigError`, so a
maintainer fixes all of them in one go.  Each problem names the key and its
line in the file.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError

from .errors import ConfigError, control_character
from .machinery.stamps import find_upwards
from .paths import output_problem, protected_folders

CONFIG_NAME = "twp.toml"

FETCH_TYPES = ("drupal", "wordpress", "sitemap")


@dataclass(frozen=True)
class FetchConfig:
    """``[fetch]``: where the canonical articles live online."""

    type: str
    url: str
    timeout: float = 30.0
    max_bytes: int = 20 * 1024 * 1024
    concurrency: int = 4
    bundle: str = "article"
    sitemap: str | None = None
    title_selector: str | None = None
    body_selector: str | None = None
    deadline: float = 900.0
    """The whole fetch run must finish within this many seconds."""
    max_pages: int = 5000
    """At most this many pages (articles, listing pages) are requested from one source."""
    max_retry_after: float = 60.0
    """The longest ``Retry-After`` wait honoured; a server asking longer is an error."""
    redirect_hosts: tuple[str, ...] = ()
    """Hosts besides the configured site that redirects may lead to."""


@dataclass(frozen=True)
class LimitsConfig:
    """``[limits]``: the largest inputs twp accepts; a larger one is refused at once."""

    max_article_bytes: int = 2 * 1024 * 1024
    """One Markdown article (front matter included)."""
    max_catalog_bytes: int = 32 * 1024 * 1024
    """One PO/POT file."""
    max_entry_bytes: int = 1024 * 1024
    """One msgid, msgstr or comment of a PO entry, and one translation unit of an article."""
    max_nesting: int = 32
    """Nested lists and block quotes in an article."""


@dataclass(frozen=True)
class FeedsConfig:
    """``[feeds]``: what every language's RSS/Atom/JSON feed carries."""

    items: int = 20
    full_content: bool = True
    rights: str | None = None
    websub_hub: str | None = None


DEFAULT_DISCLAIMER = ("This site shares the lay experience of its community. It is not medical "
                      "advice. Changes to medication are best made with a prescriber’s involvement.")
"""The footer's disclaimer when ``[site] disclaimer`` is not set."""

#: The article fields other front-matter names may stand for, and the names read by default
#: (the first one present wins).
FRONT_MATTER_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "date": ("date",),
    "updated": ("updated", "lastmod"),
    "summary": ("summary", "description"),
    "author": ("author",),
    "tags": ("tags",),
}

GIT_FIRST_COMMIT = "git-first-commit"


@dataclass(frozen=True)
class ContentConfig:
    """``[content]``: how the front matter of the articles is read."""

    date_fallback: str | None = None
    """The date of an article without ``date``: ``"git-first-commit"`` or ``"YYYY-MM-DD"``."""
    front_matter: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(FRONT_MATTER_FIELDS))
    """Article field -> the front-matter names read for it, in order."""
    ignore_keys: tuple[str, ...] = ()
    """Front-matter keys twp does not use and need not warn about (``layout``, ``draft``...)."""
    markdown: str = "commonmark"
    """The articles' Markdown: ``commonmark`` (with tables), or ``kramdown`` (Jekyll's:
    attribute lists, header IDs, ``{::comment}``, ``{:toc}``...)."""


MARKDOWN_FLAVOURS = ("commonmark", "kramdown")
"""What ``[content] markdown`` may say."""

DEFAULT_DOSE_UNITS: tuple[str, ...] = (
    "mg", "mcg", "\u00b5g", "\u03bcg", "ug", "g", "ml", "%", "percent", "per cent",
    "drop", "drops", "tablet", "tablets", "pill", "pills", "capsule", "capsules",
    "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month", "months",
    "year", "years", "times",
)
"""Units after which a number is a dose, a time or a proportion (``[check] dose_units``)."""


@dataclass(frozen=True)
class CheckConfig:
    """``[check]``: what ``twp check`` and the build look for in translations."""

    allowed_link_hosts: tuple[str, ...] = ()
    """Hosts a translation may link to even when its source does not (lower case)."""
    dose_units: tuple[str, ...] = DEFAULT_DOSE_UNITS
    """A number followed by one of these in the English must be in the translation."""


def _check_config(table: dict[str, Any], problems: _Problems) -> CheckConfig:
    hosts = tuple(host.strip().lower().rstrip(".") for host in table.get("allowed_link_hosts", []))
    units = table.get("dose_units")
    if units is None:
        return CheckConfig(allowed_link_hosts=hosts)
    cleaned = tuple(dict.fromkeys(unit.strip() for unit in units if unit.strip()))
    if len(cleaned) != len(units) or any(len(unit) > 40 for unit in cleaned):
        problems.add("[check] dose_units must list distinct, non-empty units of at most "
                     "40 characters", "check", "dose_units")
    return CheckConfig(allowed_link_hosts=hosts, dose_units=cleaned)


@dataclass(frozen=True)
class GlossaryConfig:
    """``[glossary]``: the site's agreed terms (``locales/<lang>/glossary.csv``)."""

    do_not_translate: tuple[str, ...] = ()
    """Terms written as they are in every language (drug names): ``twp add-language``
    starts each new language's glossary with them."""
    max_bytes: int = 1024 * 1024
    """The largest glossary file accepted."""


def _glossary_config(table: dict[str, Any], problems: _Problems) -> GlossaryConfig:
    terms = tuple(term.strip() for term in table.get("do_not_translate", []))
    if any(not term or len(term) > 200 for term in terms) or len(set(terms)) != len(terms):
        problems.add("[glossary] do_not_translate must list distinct, non-empty terms of at "
                     "most 200 characters", "glossary", "do_not_translate")
    max_bytes = table.get("max_bytes", GlossaryConfig.max_bytes)
    if max_bytes <= 0:
        problems.add("[glossary] max_bytes must be greater than 0", "glossary", "max_bytes")
    return GlossaryConfig(do_not_translate=terms, max_bytes=max_bytes)


REFERENCES = ("file", "line", "never")


@dataclass(frozen=True)
class CatalogsConfig:
    """``[catalogs]``: how the language catalogs are written."""

    references: str = "file"
    """What the ``#:`` lines of a catalog's entries give: ``file`` (the article, no line
    number, so an edit above an entry does not change it), ``line`` (file and line, as in
    the templates) or ``never``.  Templates always give file and line."""


@dataclass(frozen=True)
class Config:
    """A loaded, validated site configuration.  Paths are absolute."""

    root: Path
    title: str
    base_url: str
    source_language: str
    languages: tuple[str, ...]
    content_dir: Path
    locales_dir: Path
    templates_dir: Path
    output_dir: Path
    min_percent: float = 80.0
    feeds: FeedsConfig = field(default_factory=FeedsConfig)
    fetch: FetchConfig | None = None
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    ignore_warnings: tuple[str, ...] = ()
    """``[warnings] ignore``: warning codes this site does not want printed."""
    disclaimer: str = DEFAULT_DISCLAIMER
    content: ContentConfig = field(default_factory=ContentConfig)
    check: CheckConfig = field(default_factory=CheckConfig)
    catalogs: CatalogsConfig = field(default_factory=CatalogsConfig)
    glossary: GlossaryConfig = field(default_factory=GlossaryConfig)
    key_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    """Line in twp.toml of each key set there, as ``"section.key"`` (for messages)."""
    source: bytes = field(default=b"", compare=False, repr=False)
    """The bytes of twp.toml it was loaded from (``b""`` when made otherwise): a cache that
    answers without loading the configuration compares them."""

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def source_dir(self) -> Path:
        """Where the canonical articles live: ``content/<source-lang>/``."""
        return self.content_dir / self.source_language

    @property
    def templates_po_dir(self) -> Path:
        """``locales/``: one POT per article plus ``site.pot``, beside the language folders
        (where gettext tools and Weblate look for them).  Before, they were in
        ``locales/templates/`` (:attr:`legacy_templates_dir`)."""
        return self.locales_dir

    @property
    def legacy_templates_dir(self) -> Path:
        """``locales/templates``, where the templates were until they moved to ``locales/``:
        ``twp extract`` removes the POT files left there."""
        return self.locales_dir / "templates"

    def po_dir(self, lang: str) -> Path:
        """``locales/<lang>/LC_MESSAGES``."""
        return self.locales_dir / lang / "LC_MESSAGES"

    def rel(self, path: Path) -> str:
        """``path`` relative to the site root, with forward slashes (for messages and references)."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()


# key -> (type or tuple of types, description of the type for messages)
_Schema = dict[str, tuple[Any, str]]

_SCHEMA: dict[str, _Schema] = {
    "site": {
        "title": (str, "a string"),
        "base_url": (str, "a string"),
        "source_language": (str, "a string"),
        "languages": (list, "a list of strings"),
        "disclaimer": (str, "a string"),
    },
    "paths": {
        "content": (str, "a string"),
        "locales": (str, "a string"),
        "templates": (str, "a string"),
        "output": (str, "a string"),
    },
    "publish": {"min_percent": ((int, float), "a number")},
    "feeds": {
        "items": (int, "an integer"),
        "full_content": (bool, "true or false"),
        "rights": (str, "a string"),
        "websub_hub": (str, "a string"),
    },
    "fetch": {
        "type": (str, "a string"),
        "url": (str, "a string"),
        "timeout": ((int, float), "a number"),
        "max_bytes": (int, "an integer"),
        "concurrency": (int, "an integer"),
        "bundle": (str, "a string"),
        "sitemap": (str, "a string"),
        "title_selector": (str, "a string"),
        "body_selector": (str, "a string"),
        "deadline": ((int, float), "a number"),
        "max_pages": (int, "an integer"),
        "max_retry_after": ((int, float), "a number"),
        "redirect_hosts": (list, "a list of strings"),
    },
    "warnings": {"ignore": (list, "a list of warning codes")},
    "content": {
        "date_fallback": (str, "a string"),
        "front_matter": (dict, "a table"),
        "ignore_keys": (list, "a list of strings"),
        "markdown": (str, "a string"),
    },
    "check": {"allowed_link_hosts": (list, "a list of strings"), "dose_units": (list, "a list of strings")},
    "limits": {
        "max_article_bytes": (int, "an integer"),
        "max_catalog_bytes": (int, "an integer"),
        "max_entry_bytes": (int, "an integer"),
        "max_nesting": (int, "an integer"),
    },
    "catalogs": {"references": (str, "a string")},
    "glossary": {"do_not_translate": (list, "a list of strings"), "max_bytes": (int, "an integer")},
}

_REQUIRED = {"site": ("title", "base_url", "source_language")}

#: The largest integer any key takes (sizes, counts); larger ones overflow the calls they reach.
MAX_INT = 2**31 - 1
#: The longest ``[fetch]`` duration, in seconds; longer ones overflow the platform's timers.
MAX_SECONDS = 86_400.0
#: The longest name of one file or directory on common file systems.
MAX_NAME_BYTES = 255


def validate_language(code: str) -> str:
    """Return the canonical POSIX locale id for ``code`` or raise ``ValueError``.

    >>> validate_language("pt_BR"), validate_language("sr@latin")
    ('pt_BR', 'sr@latin')
    >>> validate_language("xx")
    Traceback (most recent call last):
    ...
    ValueError: unknown language 'xx'
    """
    if not re.fullmatch(r"[A-Za-z]{2,3}(_[A-Za-z0-9]{2,8})*(@[a-z]{2,16})?", code):
        raise ValueError(f"'{code}' is not a POSIX locale id (like 'es', 'pt_BR' or 'sr@latin')")
    try:
        locale = Locale.parse(code, sep="_")
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"unknown language '{code}'") from None
    base, _, modifier = code.partition("@")
    first, *rest = base.split("_")
    known = {locale.territory, locale.script, locale.variant}
    if first != locale.language or any(part not in known for part in rest) \
            or (modifier or None) != locale.modifier:
        raise ValueError(f"'{code}' is not written the usual way; did you mean '{locale}'?")
    return code


class _Problems:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.items: list[tuple[int | None, str]] = []

    def line_of(self, section: str, key: str | None = None) -> int | None:
        """Best-effort line of ``[section]`` or of ``key`` inside it."""
        in_section = False
        for number, raw in enumerate(self.lines, start=1):
            stripped = raw.strip()
            if stripped.startswith("["):
                in_section = stripped.strip("[] ").split("#")[0].strip() == section
                if in_section and key is None:
                    return number
                continue
            if in_section and key is not None:
                name = stripped.split("=", 1)[0].strip().strip('"\'')
                if "=" in stripped and name == key:
                    return number
        return None

    def add(self, message: str, section: str, key: str | None = None) -> None:
        self.items.append((self.line_of(section, key), message))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        rel = CONFIG_NAME
        if len(self.items) == 1:
            line, message = self.items[0]
            raise ConfigError(message, path=rel, line=line, hint="fix twp.toml and run again")
        first_line = next((line for line, _ in self.items if line is not None), None)
        raise ConfigError(
            f"{len(self.items)} problems in the configuration:",
            path=rel,
            line=first_line,
            hint="fix twp.toml and run again",
            details=[f"{rel}:{line}: {message}" if line else f"{rel}: {message}"
                     for line, message in self.items],
        )


def find_site(start: Path) -> Path:
    """The folder holding ``twp.toml``: ``start`` or its nearest parent that has one (as git
    finds its repository); ``start`` itself when none has (loading then says so)."""
    found = find_upwards(str(start), CONFIG_NAME)
    return Path(found) if found is not None else start.resolve()


def load_config(site: Path | str = ".") -> Config:
    """Load and validate ``<site>/twp.toml``."""
    root = Path(site).resolve()
    path = root / CONFIG_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            "no site configuration found",
            path=path,
            hint="run twp from a site's directory or pass --site DIR (the directory holding twp.toml)",
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", path=path) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError("not valid UTF-8", path=CONFIG_NAME, line=line,
                          hint="save twp.toml as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError(
            f"TOML syntax error: {message}",
            path=CONFIG_NAME,
            line=int(match.group(1)) if match else None,
            hint="see https://toml.io for the syntax",
        ) from None
    except ValueError:  # tomllib's int() past Python's 4300-digit limit
        digits = re.search(r"[0-9_]{4300,}", text)
        raise ConfigError("a number has more than 4300 digits", path=CONFIG_NAME,
                          line=text.count("\n", 0, digits.start()) + 1 if digits else None,
                          hint="fix twp.toml and run again") from None
    except RecursionError:
        raise ConfigError("arrays or tables are nested too deeply", path=CONFIG_NAME,
                          hint="fix twp.toml and run again") from None
    return _build(root, path, text, data, raw)


def _build(root: Path, path: Path, text: str, data: dict[str, Any], raw: bytes) -> Config:
    """Check every section of ``data`` (read from ``text`` at ``path``), then make the Config;
    every problem found is reported at once."""
    problems = _Problems(path, text)
    _check_schema(data, problems)
    problems.raise_if_any()
    site = _site_section(data["site"], problems)
    paths = data.get("paths", {})
    dirs = _paths_section(root, paths, problems)
    key_lines = {f"paths.{key}": line for key in paths
                 if (line := problems.line_of("paths", key)) is not None}
    min_percent = _publish_section(data.get("publish", {}), problems)
    feeds = _feeds_config(data.get("feeds", {}), problems)
    fetch = _fetch_config(data["fetch"], problems) if "fetch" in data else None
    limits = _limits_config(data.get("limits", {}), problems)
    ignore_warnings = _warning_codes(data.get("warnings", {}).get("ignore", []), problems)
    content = _content_config(data.get("content", {}), problems)
    check = _check_config(data.get("check", {}), problems)
    for key in ("title", "disclaimer"):
        if (line := problems.line_of("site", key)) is not None:
            key_lines[f"site.{key}"] = line
    if (line := problems.line_of("feeds", "rights")) is not None:
        key_lines["feeds.rights"] = line
    catalogs = _catalogs_config(data.get("catalogs", {}), problems)
    glossary = _glossary_config(data.get("glossary", {}), problems)
    problems.raise_if_any()
    return Config(
        root=root,
        title=site["title"],
        base_url=site["base_url"],
        source_language=site["source_language"],
        languages=site["languages"],
        content_dir=dirs["content"],
        locales_dir=dirs["locales"],
        templates_dir=dirs["templates"],
        output_dir=dirs["output"],
        min_percent=min_percent,
        feeds=feeds,
        fetch=fetch,
        limits=limits,
        ignore_warnings=ignore_warnings,
        disclaimer=site["disclaimer"],
        content=content,
        check=check,
        catalogs=catalogs,
        glossary=glossary,
        key_lines=key_lines,
        source=raw,
    )


def _check_schema(data: dict[str, Any], problems: _Problems) -> None:
    """Known sections and keys only, each of its type; the required keys present."""
    for section, value in data.items():
        if section not in _SCHEMA:
            known = ", ".join(f"[{name}]" for name in _SCHEMA)
            problems.add(f"unknown section [{section}] (known: {known})", section)
            continue
        if not isinstance(value, dict):
            problems.add(f"'{section}' must be a [{section}] table", section)
            continue
        for key, item in value.items():
            schema = _SCHEMA[section]
            if key not in schema:
                known = ", ".join(schema)
                problems.add(f"unknown key '{key}' in [{section}] (known: {known})", section, key)
                continue
            _check_value(section, key, item, schema[key], problems)
    for section, keys in _REQUIRED.items():
        table = data.get(section)
        for key in keys:
            if not isinstance(table, dict) or key not in table:
                problems.add(f"[{section}] {key} is required", section)


def _check_value(section: str, key: str, item: Any, expected: tuple[type, str],
                 problems: _Problems) -> None:
    """One value of the right type (``expected``: the type and how to say it), bounded,
    finite, and without control characters."""
    kind, described = expected
    if isinstance(item, bool) and kind is not bool:
        ok = False
    else:
        ok = isinstance(item, kind)
    if ok and kind is list:
        ok = all(isinstance(x, str) for x in item)
    if not ok:
        problems.add(f"[{section}] {key} must be {described}, not {_type_name(item)}", section, key)
    elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_INT:
        problems.add(f"[{section}] {key} must be at most {MAX_INT}", section, key)
    elif isinstance(item, float) and not math.isfinite(item):
        problems.add(f"[{section}] {key} must be a finite number, not {item}", section, key)
    elif isinstance(item, (str, list)):
        control = next(filter(None, map(control_character,
                                        item if isinstance(item, list) else [item])), None)
        if control:
            problems.add(f"[{section}] {key} contains a control character ({control})",
                         section, key)


def _site_section(site: dict[str, Any], problems: _Problems) -> dict[str, Any]:
    """``[site]``: the title, base URL (ending in ``/``), languages and disclaimer."""
    title = site["title"].strip()
    if not title:
        problems.add("[site] title must not be empty", "site", "title")

    base_url = site["base_url"].strip()
    if not _is_http_url(base_url):
        problems.add(f"[site] base_url must be an http(s) URL, not '{base_url}'", "site", "base_url")
    elif not base_url.endswith("/"):
        base_url += "/"

    source = site["source_language"]
    try:
        validate_language(source)
    except ValueError as exc:
        problems.add(f"[site] source_language: {exc}", "site", "source_language")

    languages: list[str] = []
    for lang in site.get("languages", []):
        try:
            validate_language(lang)
        except ValueError as exc:
            problems.add(f"[site] languages: {exc}", "site", "languages")
            continue
        if lang == source:
            problems.add(f"[site] languages: '{lang}' is the source language", "site", "languages")
        elif lang in languages:
            problems.add(f"[site] languages: '{lang}' is listed twice", "site", "languages")
        else:
            languages.append(lang)
    return {"title": title, "base_url": base_url, "source_language": source,
            "languages": tuple(languages),
            "disclaimer": site.get("disclaimer", DEFAULT_DISCLAIMER).strip()}


def _paths_section(root: Path, paths: dict[str, Any], problems: _Problems) -> dict[str, Path]:
    """``[paths]``: the four folders, resolved; the output one must be a folder of its own."""
    dirs: dict[str, Path] = {}
    for key, default in (("content", "content"), ("locales", "locales"),
                         ("templates", "templates"), ("output", "dist")):
        value = paths.get(key, default)
        candidate = (root / value).resolve()
        if not value.strip():
            problems.add(f"[paths] {key} must not be empty", "paths", key)
        elif any(len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES for part in candidate.parts):
            problems.add(f"[paths] {key} has a name longer than {MAX_NAME_BYTES} bytes (too long "
                         "for the file system)", "paths", key)
        dirs[key] = candidate
    if all(str(value).strip() for value in paths.values()):
        folders = protected_folders(root, dirs["content"], dirs["locales"], dirs["templates"])
        found = output_problem(dirs["output"], root=root, folders=folders, explicit=False)
        if found:
            why, folder = found
            blamed = next((key for key in ("content", "locales", "templates")
                           if folder == f"{key} folder" and key in paths), "output")
            problems.add(f"[paths] output '{paths.get('output', 'dist')}' {why}: the build writes "
                         "and cleans it, so it must be a folder of its own inside the site "
                         "(use 'twp build --out DIR' to write elsewhere)", "paths", blamed)
    return dirs


def _publish_section(publish: dict[str, Any], problems: _Problems) -> float:
    """``[publish]``: the percentage an article's catalog needs to be published."""
    min_percent = float(publish.get("min_percent", 80))
    if not 0 <= min_percent <= 100:
        problems.add("[publish] min_percent must be between 0 and 100", "publish", "min_percent")
    return min_percent


def _feeds_config(table: dict[str, Any], problems: _Problems) -> FeedsConfig:
    feeds = FeedsConfig(**table)
    if feeds.items < 1:
        problems.add("[feeds] items must be at least 1", "feeds", "items")
    if feeds.websub_hub is not None and not _is_http_url(feeds.websub_hub):
        problems.add("[feeds] websub_hub must be an http(s) URL", "feeds", "websub_hub")
    return feeds


def _limits_config(table: dict[str, Any], problems: _Problems) -> LimitsConfig:
    for key, value in table.items():
        if value <= 0:
            problems.add(f"[limits] {key} must be greater than 0", "limits", key)
    return LimitsConfig(**table)


_WARNING_CODE = re.compile(r"[a-z][a-z0-9-]{0,63}")


def _warning_codes(codes: list[Any], problems: _Problems) -> tuple[str, ...]:
    """``[warnings] ignore``: codes as ``twp`` prints them in brackets (``image-outside``)."""
    for code in codes:
        if not isinstance(code, str) or not _WARNING_CODE.fullmatch(code):
            problems.add(f"[warnings] ignore: {code!r} is not a warning code (the word in brackets "
                         "after a warning, e.g. 'front-matter-key')", "warnings", "ignore")
    return tuple(sorted({code for code in codes if isinstance(code, str)}))
def _content_config(table: dict[str, Any], problems: _Problems) -> ContentConfig:
    """``[content]``: a date fallback that is a rule or a date; front-matter names that are
    lists of strings, each read for one field only."""
    import datetime as dt

    fallback = table.get("date_fallback")
    if fallback is not None:
        fallback = fallback.strip()
        if fallback != GIT_FIRST_COMMIT:
            try:
                dt.date.fromisoformat(fallback)
            except ValueError:
                problems.add(f"[content] date_fallback must be \"{GIT_FIRST_COMMIT}\" or a date "
                             f"YYYY-MM-DD, not '{fallback}'", "content", "date_fallback")
    names = dict(FRONT_MATTER_FIELDS)
    owner: dict[str, str] = {}
    for key, value in table.get("front_matter", {}).items():
        if key not in FRONT_MATTER_FIELDS:
            problems.add(f"unknown key '{key}' in [content.front_matter] (known: "
                         f"{', '.join(FRONT_MATTER_FIELDS)})", "content.front_matter", key)
            continue
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list) or not value or not all(
                isinstance(name, str) and name.strip() for name in value):
            problems.add(f"[content.front_matter] {key} must be a list of front-matter names",
                         "content.front_matter", key)
            continue
        names[key] = tuple(name.strip() for name in value)
    for key, value in names.items():
        for name in value:
            if name in ("slug", "translator_notes", "source_url", "source_id"):
                problems.add(f"[content.front_matter] {key}: '{name}' is read as itself",
                             "content.front_matter", key)
            elif owner.setdefault(name, key) != key:
                problems.add(f"[content.front_matter] '{name}' is read for both "
                             f"{owner[name]} and {key}", "content.front_matter", key)
    flavour = table.get("markdown", ContentConfig.markdown)
    if flavour not in MARKDOWN_FLAVOURS:
        problems.add(f"[content] markdown must be one of {', '.join(map(repr, MARKDOWN_FLAVOURS))}"
                     f", not {flavour!r}", "content", "markdown")
        flavour = ContentConfig.markdown
    return ContentConfig(date_fallback=fallback, front_matter=names,
                         ignore_keys=tuple(table.get("ignore_keys", [])), markdown=flavour)


def _fetch_config(table: dict[str, Any], problems: _Problems) -> FetchConfig | None:
    missing = [key for key in ("type", "url") if key not in table]
    for key in missing:
        problems.add(f"[fetch] {key} is required when [fetch] is present", "fetch")
    if missing:
        return None
    if table["type"] not in FETCH_TYPES:
        problems.add(f"[fetch] type must be one of {', '.join(FETCH_TYPES)}, not '{table['type']}'",
                     "fetch", "type")
        return None
    for key in ("url", "sitemap"):
        if key in table and not _is_http_url(table[key]):
            problems.add(f"[fetch] {key} must be an http or https URL", "fetch", key)
    if table["type"] == "sitemap":
        for key in ("title_selector", "body_selector"):
            if key not in table:
                problems.add(f"[fetch] {key} is required for type = \"sitemap\"", "fetch")
    _fetch_bounds(table, problems)
    values = dict(table)
    for key in ("timeout", "deadline", "max_retry_after"):
        if key in values:
            values[key] = float(values[key])
    if "redirect_hosts" in values:
        values["redirect_hosts"] = tuple(host.strip().lower() for host in values["redirect_hosts"])
    return FetchConfig(**values)


def _fetch_bounds(table: dict[str, Any], problems: _Problems) -> None:
    """The ``[fetch]`` limits are positive, and no wait is longer than a day."""
    for key in ("timeout", "max_bytes", "concurrency", "deadline", "max_pages", "max_retry_after"):
        if key in table and table[key] <= 0:
            problems.add(f"[fetch] {key} must be greater than 0", "fetch", key)
    for key in ("timeout", "deadline", "max_retry_after"):
        if key in table and table[key] > MAX_SECONDS:
            problems.add(f"[fetch] {key} must be at most {MAX_SECONDS:g} seconds (a day)", "fetch", key)


def _catalogs_config(table: dict[str, Any], problems: _Problems) -> CatalogsConfig:
    references = table.get("references", CatalogsConfig.references)
    if references not in REFERENCES:
        problems.add(f"[catalogs] references must be one of {', '.join(map(repr, REFERENCES))}, "
                     f"not {references!r}", "catalogs", "references")
        return CatalogsConfig()
    return CatalogsConfig(references=references)


def _is_http_url(value: str) -> bool:
    """Whether ``value`` is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:  # e.g. "http://[::1" (an unclosed IPv6 address)
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _type_name(value: Any) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a number",
             list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def add_languages_text(text: str, languages: list[str]) -> str:
    """``twp.toml`` text with ``languages`` appended to ``[site] languages``.

    Comments, key order and layout of the rest of the file are kept (tomlkit).
    """
    import tomlkit

    document = tomlkit.parse(text)
    site = document["site"]
    array = site.get("languages")
    if array is None:
        site["languages"] = tomlkit.array()
        array = site["languages"]
    for lang in languages:
        array.append(lang)
    return tomlkit.dumps(document)
