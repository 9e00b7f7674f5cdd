"""The one rule for slugs, and the one check that a path stays inside its folder.

A slug names an article everywhere: its Markdown file (``<slug>.md``), its
catalogs (``<slug>.po``), its pages (``<tag>/<slug>/index.html``), its URLs and
feed ids.  An article in a folder has a nested slug (``about/governance``: safe
segments joined by ``/``), and each of those paths has the same folders.
:func:`check_slug` is the only place that decides whether a slug is safe; content,
fetch, build and feeds all ask it.  :func:`inside` is the only place that decides
whether a file about to be written (or removed) lies inside the folder it belongs to.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic, warning
from .errors import OutputError
from .languages import bcp47_tag

if TYPE_CHECKING:
    from .config import Config

MAX_SEGMENT_BYTES = 200
"""The longest slug segment, in UTF-8 bytes (file systems allow 255 for a whole name, and
a slug gets suffixes such as ``.pot`` and a temporary file's ``.twp-<pid>-<random>.tmp``)."""

MAX_SLUG_BYTES = 1000
"""The longest slug, all its segments together."""

THEME_DIR = Path(__file__).parent / "theme" / "templates"
"""The default theme's Jinja2 templates (a site's ``templates/`` overrides them file by file)."""
THEME_STATIC = THEME_DIR.parent / "static"
"""The default theme's stylesheets."""
THEME_REF = "theme"
"""How references and messages name the default theme's folder."""

SITE_DOMAIN = "site"
"""The catalog domain of the theme's interface strings: ``site.pot`` and every ``site.po``."""

RESERVED_NAMES = frozenset({
    # the output layout: dist/ and dist/<tag>/
    "index.html", "style.css", "sitemap.xml", "feeds.opml", "rss.xml", "atom.xml", "feed.json",
    "images", "bundles", "status",
    # the catalogs: locales/site.pot, locales/<lang>/LC_MESSAGES/site.po (templates/: the old layout)
    SITE_DOMAIN, "templates",
})
"""Slugs (compared ignoring case) that would collide with files the tool itself owns."""

_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$"}
    | {f"{port}{n}" for port in ("com", "lpt") for n in [*"0123456789", "\u00b9", "\u00b2", "\u00b3"]}
)

_FORBIDDEN = '/\\:*?"<>|%#'
"""Characters no slug holds: path separators, what Windows refuses in a file name, and
what changes a URL's meaning (``%`` escapes, ``?`` query, ``#`` fragment, ``:`` scheme)."""

_INVISIBLE = ("Cc", "Cf", "Cs")


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def _segment_problem(segment: str, reserved: Collection[str], nested: bool) -> str | None:
    if segment == "":
        return "has an empty segment"
    if segment in (".", ".."):
        return f"has the segment '{segment}'" if nested else f"is '{segment}'"
    for ch in segment:
        category = unicodedata.category(ch)
        if category.startswith("Z") or ch.isspace():
            return f"contains whitespace ({_describe(ch)})"
        if category in _INVISIBLE:
            kind = {"Cc": "control", "Cf": "format (invisible or bidi)"}.get(category, "surrogate")
            return f"contains a {kind} character ({_describe(ch)})"
        if ch in _FORBIDDEN:
            if ch == "%":
                return "contains '%' (percent-encoding is not allowed in a slug)"
            if ch == "/" and not nested:
                return "contains '/' (a slug here is one path segment: no folders)"
            return f"contains '{ch}'"
    if segment.startswith("."):
        return "starts with '.' (hidden files are not published)"
    if segment.endswith("."):
        return "ends with '.' (Windows drops it from file names)"
    if segment.split(".", 1)[0].casefold() in _WINDOWS_DEVICES:
        return f"'{segment}' is a device name reserved on Windows"
    folded = segment.casefold()
    if folded in RESERVED_NAMES:
        return f"'{segment}' is reserved for the tool's own files"
    if folded in {name.casefold() for name in reserved}:
        return f"'{segment}' is reserved: it is the folder of a language"
    if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
        return f"is longer than {MAX_SEGMENT_BYTES} bytes"
    return None


def check_slug(slug: str, *, nested: bool = False, reserved: Collection[str] = ()) -> str | None:
    """Return why ``slug`` is not a safe slug, or None when it is fine.

    A slug is one safe segment, or (``nested=True``) several joined by ``/``.  Each
    segment is non-empty and in Unicode NFC form; holds no whitespace (Unicode Z*
    or anything :meth:`str.isspace` calls so), no control, format (bidi controls
    included) or surrogate character, and none of
    ``/ \\ : * ? " < > | % #``; is not ``.`` or ``..``, does not start or end with
    ``.``; is not a device name reserved on Windows (``CON``, ``nul``, ``com1``,
    ``lpt9``..., also with an extension such as ``con.txt``); is not one of
    :data:`RESERVED_NAMES` nor of ``reserved`` (the language folders), ignoring
    case; and has at most :data:`MAX_SEGMENT_BYTES` UTF-8 bytes.

    >>> check_slug("finding-peer-support") is None, check_slug("sueño-y-descanso") is None
    (True, True)
    >>> check_slug("../etc")
    "contains '/' (a slug here is one path segment: no folders)"
    >>> check_slug("a b")
    'contains whitespace (U+0020 SPACE)'
    >>> check_slug("guides/sleep", nested=True) is None
    True
    """
    if slug == "":
        return "is empty"
    normal = unicodedata.normalize("NFC", slug)
    if normal != slug:
        return f"is not in Unicode NFC form; write it as '{normal}'"
    segments = slug.split("/") if nested else [slug]
    for segment in segments:
        problem = _segment_problem(segment, reserved, nested)
        if problem:
            return problem
    if len(slug.encode("utf-8")) > MAX_SLUG_BYTES:
        return f"is longer than {MAX_SLUG_BYTES} bytes"
    return None


def language_folders(languages: Iterable[str]) -> set[str]:
    """The output folders of these languages (``pt_BR`` -> ``pt-br``), which no slug may take."""
    return {bcp47_tag(lang).lower() for lang in languages}


def slug_hint(nested: bool = False) -> str:
    """What a good slug looks like, for error hints."""
    if nested:
        return "a slug is path segments joined by '/', such as 'guides/finding-peer-support'"
    return "a slug is one path segment such as 'finding-peer-support'"


def domain_files(directory: Path, suffix: str) -> dict[str, Path]:
    """The catalogs (``suffix`` ``.po`` or ``.pot``) in ``directory``, by domain, in order:
    ``site.po`` is ``site``, ``about/governance.po`` (an article in a folder) is
    ``about/governance``.  Files in folders count only when their domain is a safe nested
    slug; symbolic links to folders are not followed."""
    found: dict[str, Path] = {}
    if not directory.is_dir():
        return found
    for top, dirs, names in os.walk(directory):
        dirs.sort()
        folder = Path(top).relative_to(directory).as_posix()
        for name in sorted(names):
            path = Path(top) / name
            if not name.endswith(suffix) or not path.is_file():
                continue
            domain = name[:-len(suffix)]
            if folder != ".":
                domain = f"{folder}/{domain}"
                if check_slug(domain, nested=True) is not None:
                    continue
            elif not domain:
                continue
            found[domain] = path
    return dict(sorted(found.items()))


_PLAIN_REL = re.compile(r"[^\x00-\x1f\\]+")


class Folder:
    """A folder that files are written to or read from, checking each stays inside it.

    Symbolic links are resolved one folder at a time and remembered, so checking
    the thousands of files of a build costs one ``lstat`` per folder, and none for the
    folders inside one that did not exist (what is made there later is made by the tool).
    """

    def __init__(self, base: Path) -> None:
        self.base = base
        self.root = os.path.realpath(base)
        self._real: dict[str, str] = {"": self.root}
        self._missing: set[str] = set()

    def _resolve(self, rel_dir: str) -> str:
        real = self._real.get(rel_dir)
        if real is None:
            parent, _, name = rel_dir.rpartition("/")
            real = os.path.join(self._resolve(parent), name)
            if parent in self._missing:
                self._missing.add(rel_dir)
            else:
                try:
                    if stat.S_ISLNK(os.lstat(real).st_mode):
                        real = os.path.realpath(real)
                except FileNotFoundError:
                    self._missing.add(rel_dir)
                except OSError:  # not a folder, or not searchable: writing there fails clearly
                    pass
            self._real[rel_dir] = real
        return real

    def inside(self, rel: str, *, follow: bool = False) -> Path | None:
        """``base / rel`` when it lies inside the folder, else None.

        ``rel`` must be a relative path with ``/`` separators: no empty, ``.`` or
        ``..`` segment, no backslash or control character, no drive.  Symbolic links
        among the existing folders of the path are resolved, so a link leading out
        of the folder does not count as inside.  With ``follow``, the file itself is
        resolved too (for reading it); without, a link in its place is the file (it
        is what a rename replaces or an unlink removes).
        """
        if not rel or not _PLAIN_REL.fullmatch(rel) or rel.startswith("/"):
            return None
        parts = rel.split("/")
        if any(part in ("", ".", "..") for part in parts) or ":" in parts[0]:
            return None
        try:
            real = os.path.join(self._resolve(rel.rpartition("/")[0]), parts[-1])
            if follow and os.path.islink(real):
                real = os.path.realpath(real)
        except (OSError, RuntimeError, ValueError):  # a symlink loop
            return None
        if not real.startswith(self.root.rstrip(os.sep) + os.sep):
            return None
        return self.base.joinpath(rel)

    def inside_or_fail(self, rel: str, *, what: str = "output folder") -> Path:
        """:meth:`inside`, raising :class:`~twp_i18n.errors.OutputError` for a path outside."""
        path = self.inside(rel)
        if path is None:
            raise OutputError(f"refusing to write '{rel}': it would land outside the {what}",
                              path=self.base.as_posix(),
                              hint=f"remove any symbolic link in the {what} that leads elsewhere")
        return path


def inside(base: Path, rel: str, *, follow: bool = False) -> Path | None:
    """``base / rel`` when it lies inside ``base``, else None (see :meth:`Folder.inside`)."""
    return Folder(base).inside(rel, follow=follow)


def is_within(path: Path, folder: Path) -> bool:
    """True when ``path`` is ``folder`` or lies inside it (both already resolved)."""
    return path == folder or path.is_relative_to(folder)


def protected_folders(root: Path, content: Path, locales: Path, templates: Path) -> dict[str, Path]:
    """The folders an output folder must keep clear of, by what they are called in messages."""
    return {"content folder": content, "locales folder": locales,
            "templates folder": templates, "tool's own folder": root / ".twp"}


def output_problem(output: Path, *, root: Path, folders: dict[str, Path],
                   explicit: bool) -> tuple[str, str | None] | None:
    """Why ``output`` cannot be the folder a build writes (and cleans), or None.

    ``folders`` maps a description (``"content folder"``) to a folder the build
    reads or the tool owns (:func:`protected_folders`).  The output may not be,
    contain or lie inside any of them, nor be or contain the site root; it may
    lie outside the site only when ``explicit`` (the user named it on the
    command line).  Returns the reason and the description of the folder in the
    way (None when it is the site itself).
    """
    output = output.resolve()
    root = root.resolve()
    if is_within(root, output):
        return "would be or contain the site folder itself", None
    for name, folder in folders.items():
        folder = folder.resolve()
        if is_within(output, folder) or is_within(folder, output):
            relation = ("is" if output == folder else
                        "is inside" if is_within(output, folder) else "contains")
            return f"{relation} the {name}", name
    if not explicit and not is_within(output, root):
        return "lies outside the site", None
    return None


def site_images(config: Config) -> tuple[list[tuple[str, Path]], list[Diagnostic]]:
    """The files of ``content/images/`` to publish, as ``(name under images/, path)``, and a
    warning for each symbolic link that leads outside the site (its target is never read)."""
    images = config.content_dir / "images"
    if not images.is_dir():
        return [], []
    allowed = (config.root.resolve(), config.content_dir.resolve())
    found: list[tuple[str, Path]] = []
    warnings: list[Diagnostic] = []
    for path in sorted(images.rglob("*")):
        try:
            real = path.resolve()
        except (OSError, RuntimeError):  # a symlink loop
            real = None
        if real is None or not any(is_within(real, folder) for folder in allowed):
            warnings.append(warning("image-outside", "a symbolic link leading outside the site; "
                                    f"not published (copy the file itself into {config.rel(images)}/)",
                                    config.rel(path)))
            continue
        if not path.is_file():
            continue
        name = path.relative_to(images).as_posix()
        if "\\" in name or any(unicodedata.category(ch) in _INVISIBLE for ch in name):
            warnings.append(warning("image-name", "the file name holds a control character or "
                                    "a backslash; not published (rename the file)", config.rel(path)))
            continue
        found.append((name, path))
    return found, warnings


def template_files(config: Config) -> dict[str, tuple[Path, str]]:
    """The Jinja2 templates in effect: ``name -> (file, reference path)``.

    The site's ``templates/`` overrides the package theme file by file.
    """
    files = {p.name: (p, f"{THEME_REF}/{p.name}") for p in sorted(THEME_DIR.glob("*.html"))}
    if config.templates_dir.is_dir():
        for path in sorted(config.templates_dir.glob("*.html")):
            files[path.name] = (path, config.rel(path))
    return files
