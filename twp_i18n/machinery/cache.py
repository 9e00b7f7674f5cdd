"""Caches under ``<site>/.twp/cache/`` that let unchanged work be skipped.

Every entry is keyed by a digest of the exact input bytes (never by file
times alone), so a cache can only skip work whose result would be the same;
a missing, corrupt or foreign cache is ignored and rebuilt.  Delete the
directory at any time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from .. import __version__
from ..config import Config
from ..errors import OutputError, TwpError
from .fsutil import atomic_write, open_regular

CACHE_DIR = ".twp/cache"
_FORMAT = 1


def digest(data: bytes) -> str:
    """A short, stable digest of some bytes."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def load(config: Config, name: str) -> dict[str, Any]:
    """The cache ``name``, or an empty dict when absent, unreadable or from another version."""
    try:
        data = json.loads((config.root / CACHE_DIR / f"{name}.json").read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("_version") != [_FORMAT, __version__]:
        return {}
    return data


def save(config: Config, name: str, data: dict[str, Any]) -> None:
    """Store the cache ``name`` (atomically; failures to write a cache are not errors)."""
    data = {**data, "_version": [_FORMAT, __version__]}
    try:
        atomic_write(config.root / CACHE_DIR / f"{name}.json",
                     json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8"))
    except OutputError:  # a cache is an optimisation, never a reason to fail
        pass


def file_digests(config: Config, paths: list[Path]) -> dict[str, str]:
    """Digest of each file's bytes, by path relative to the site (so a copied site keeps its
    caches); a path that is not a readable file is an error."""
    result = {}
    for path in paths:
        try:
            with open_regular(path) as handle:
                result[config.rel(path)] = digest(handle.read())
        except OSError as exc:
            raise TwpError(f"cannot read: {exc.strerror or exc}", path=config.rel(path),
                           hint="it should be a readable file") from None
    return result


def directory_digests(config: Config, directory: Path, suffix: str) -> dict[str, str]:
    """:func:`file_digests` of the regular files in ``directory`` and its folders (articles
    and catalogs may lie in folders) whose names end with ``suffix`` (none if it does not
    exist), by relative path, in name order; a file that cannot be read has, in place of a
    digest, why (what reads it says so: one catalog nobody may read is not the whole site).

    The same result as listing and digesting them one by one, without the per-file
    cost of path objects: a site has thousands of catalogs.
    """
    entries: list[tuple[str, str]] = []
    todo = [("", os.fspath(directory))]
    while todo:
        below, folder = todo.pop()
        try:
            with os.scandir(folder) as scan:
                for entry in scan:
                    if entry.is_dir(follow_symlinks=False):
                        todo.append((f"{below}{entry.name}/", entry.path))
                    elif entry.name.endswith(suffix) and entry.is_file():
                        entries.append((below + entry.name, entry.path))
        except (FileNotFoundError, NotADirectoryError):
            if not below:
                return {}
    entries.sort()
    prefix = config.rel(directory) + "/"
    result = {}
    for name, path in entries:
        try:
            with open(path, "rb") as handle:
                result[prefix + name] = hashlib.blake2b(handle.read(), digest_size=16).hexdigest()
        except OSError as exc:  # reported by what reads it (a build leaves out that catalog)
            result[prefix + name] = f"unreadable: {exc.strerror or exc}"
    return result


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of this package's code and theme and of the libraries whose output we keep.

    Every cache entry depends on it: any upgrade of the tool or of those libraries
    invalidates every cache.
    """
    from importlib import metadata

    package = Path(__file__).resolve().parents[1]  # the whole twp_i18n package
    files = sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in (".py", ".html", ".css"))
    versions = []
    for name in ("markdown-it-py", "PyYAML", "babel", "polib", "Jinja2", "nh3", "rapidfuzz",
                 "feedgen", "lxml"):
        try:
            versions.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}==?")
    data = b"".join(p.read_bytes() for p in files) + "\n".join(versions).encode("utf-8")
    return digest(data)


class Memo:
    """A cache valid for this code only (the shape of Pelican's ``FileStampDataCacher``):
    read once, empty when the code or a library whose output we keep has changed since it
    was saved, saved with the code's digest.  Its owner lays out the fields and looks up in
    them; the digest check and the save live here.
    """

    def __init__(self, config: Config, name: str) -> None:
        self.config, self.name = config, name
        self.code = code_digest()

    @functools.cached_property
    def data(self) -> dict[str, Any]:
        """The cache as saved (read on first use), or empty."""
        stored = load(self.config, self.name)
        return stored if stored.get("code") == self.code else {}

    def get(self, field: str, default: Any = None) -> Any:
        """A field as the last run of this code saved it (``default`` if none)."""
        return self.data.get(field, default)

    def save(self, **fields: Any) -> None:
        """Store ``fields`` as the whole cache, for this code (atomically, never an error)."""
        save(self.config, self.name, {**fields, "code": self.code})
