"""Caches under ``<site>/.twp/cache/`` that let unchanged work be skipped.

Every entry is keyed by a digest of the exact input bytes (never by file
times alone), so a cache can only skip work whose result would be the same;
a missing, corrupt or foreign cache is ignored and rebuilt.  Delete the
directory at any time.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from . import __version__
from .config import Config
from .errors import OutputError
from .fsutil import atomic_write

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


def file_digests(paths: list[Path]) -> dict[str, str]:
    """Digest of each file's bytes, by path string."""
    return {str(p): digest(p.read_bytes()) for p in paths}


def code_digest(*files: str) -> str:
    """A digest of source files whose logic a cache entry depends on."""
    return digest(b"".join(Path(f).read_bytes() for f in files))
