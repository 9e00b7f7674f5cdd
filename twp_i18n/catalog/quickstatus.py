"""``twp status`` with nothing changed, answered from file signatures alone.

When :func:`~twp_i18n.catalog.status.site_status` has counted every article of some
languages, a :class:`Recorder` saves the result in ``.twp/cache/status-quick.json``
beside what it depended on:

* the bytes of ``twp.toml`` (compared, not parsed) and where it put the catalogs;
* the signature of the code that counted (:func:`~twp_i18n.machinery.stamps.code_stamp`);
* the list of templates (a new or removed one changes the articles);
* the signature (:mod:`~twp_i18n.machinery.stamps`) of every template, every catalog
  (or that there is none) and every glossary, taken before it was read, with a digest of
  the bytes for the files whose signature alone cannot be trusted yet (racy ones).

:func:`answer` gives the same statuses back while all of that still holds, and None
otherwise (the caller then counts): it reads no catalog, parses nothing but this one
file, and imports nothing but :mod:`.counts` and :mod:`~twp_i18n.machinery.stamps`.
"""

from __future__ import annotations

import json
import os

from .. import __version__
from ..machinery import stamps
from .counts import FIELDS, SITE_DOMAIN, CatalogStatus, Counts, LanguageStatus

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: this module imports as little as it can
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from ..config import Config

__all__ = ["CACHE_PATH", "Answer", "Recorder", "answer"]

CACHE_PATH = ".twp/cache/status-quick.json"
"""Where the signatures and the statuses are kept, from the site's root."""
MAX_BYTES = 512 * 1024 * 1024
"""The largest record read (about two million catalogs')."""
_FORMAT = 1
_CONFIG_NAME = "twp.toml"
_Row = tuple[str, str, str, bool, str]
"""As :mod:`.status` lists them: language, article, its catalog, whether that exists, the
file counted."""


class Answer:
    """The statuses :func:`answer` found, and the site's ``[publish] min_percent``."""

    def __init__(self, statuses: list[LanguageStatus], min_percent: float) -> None:
        self.statuses, self.min_percent = statuses, min_percent


def answer(root: str, languages: Iterable[str] | None = None,
           articles: Iterable[str] | None = None) -> Answer | None:
    """The status of the site at ``root`` (absolute, links resolved) as
    :func:`~twp_i18n.catalog.status.site_status` would count it, if nothing it depends on
    has changed since it last counted; None when something has, when a language or an
    article asked for is not known, or when there is no usable record."""
    try:
        with open(os.path.join(root, CACHE_PATH), "rb") as handle:
            text = handle.read(MAX_BYTES + 1)
        if len(text) > MAX_BYTES:
            return None
        return _answer(json.loads(text), root, languages, articles)
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
        return None  # none yet, unreadable, or not of this shape: count instead


def _answer(data: dict[str, Any], root: str, languages: Iterable[str] | None,
            articles: Iterable[str] | None) -> Answer | None:
    if data["format"] != [_FORMAT, __version__] or data["root"] != root:
        return None
    now = stamps.now()  # before any signature is taken
    with open(os.path.join(root, _CONFIG_NAME), "rb") as handle:
        if handle.read() != data["config"].encode("utf-8", "surrogateescape"):
            return None
    locales = os.path.join(root, data["locales"])
    if os.path.realpath(os.path.join(root, data["locales_as_set"])) != locales:
        return None  # a link on the way to the catalogs points elsewhere now
    wanted = list(dict.fromkeys(languages if languages is not None else data["languages"]))
    sections = data["langs"]
    if any(lang not in sections for lang in wanted):
        return None
    domains: list[str] = data["domains"]
    if articles is None:
        picked = list(range(len(domains)))
    else:
        index = {domain: n for n, domain in enumerate(domains)}
        chosen = set(articles)
        if chosen - index.keys():
            return None
        picked = sorted(index[domain] for domain in chosen)
    if data["code"] != stamps.code_stamp():
        return None
    if stamps.listing(locales, ".pot", frozenset(data["skip"])) != data["listing"]:
        return None
    templates, taken = data["templates"], data["taken"]
    if not all(_unchanged(os.path.join(locales, domains[n] + ".pot"), templates[n][0],
                          templates[n][1], taken) for n in picked):
        return None
    statuses = [_language(lang, sections[lang], root, domains, picked, data["min_percent"])
                for lang in wanted]
    if any(status is None for status in statuses):
        return None
    if articles is None:
        _settle(data, root, wanted, now)
    return Answer([status for status in statuses if status is not None], data["min_percent"])


def _settle(data: dict[str, Any], root: str, langs: list[str], now: int) -> None:
    """Save the record again without the digests it no longer needs: every file of
    ``langs`` and every template was just found as recorded (racy ones by their bytes), at
    signatures taken after ``now``; those that are not racy at ``now`` can be told by their
    signature from now on.  (Without this, a record taken just after the files were
    written would have them read at every status.)"""
    settled = False
    for entries, at in [(data["templates"], data), *((data["langs"][lang]["rows"], data["langs"][lang])
                                                     for lang in langs)]:
        found = False
        for entry in entries:
            signature, digest = entry[-3:-1] if len(entry) == 4 else entry
            if digest is not None and not stamps.racy(signature, now):
                entry[-2 if len(entry) == 4 else 1] = None
                found = True
        if found:
            at["taken"] = now
            settled = True
    if not settled:
        return
    from pathlib import Path

    from ..errors import OutputError
    from ..machinery.fsutil import atomic_write

    try:
        atomic_write(Path(root, CACHE_PATH),
                     json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    except OutputError:  # a cache is an optimisation, never a reason to fail
        pass


def _unchanged(path: str, signature: stamps.Stamp | None, digest: str | None, taken: int) -> bool:
    """Whether the file at ``path`` is as recorded: same signature, and for a racy one the
    same bytes too."""
    if stamps.stamp(path) != signature:
        return False
    if signature is None or not stamps.racy(signature, taken):
        return True
    return digest is not None and stamps.file_digest(path, signature[1]) == digest


def _language(lang: str, section: dict[str, Any], root: str, domains: list[str],
              picked: list[int], min_percent: float) -> LanguageStatus | None:
    """One language's recorded status (the ``picked`` articles), if none of its files
    changed."""
    glossaries, taken = section["glossaries"], section["taken"]
    if any(stamps.stamp(os.path.join(root, rel)) != signature for rel, signature in glossaries):
        return None
    prefix = section["prefix"]
    rows = section["rows"]
    status = LanguageStatus(lang)
    for n in picked:
        exists, signature, digest, values = rows[n]
        rel = f"{prefix}{domains[n]}.po"
        if not _unchanged(os.path.join(root, rel), signature, digest, taken):
            return None
        counts = Counts(*values)
        domain = domains[n]
        publishable = domain != SITE_DOMAIN and counts.percent >= min_percent
        status.catalogs.append(CatalogStatus(lang, domain, rel, counts, exists, publishable))
        status.total.add(counts)
    return status


class Recorder:
    """Takes the signatures while :func:`~twp_i18n.catalog.status.site_status` counts every
    article of some languages, and saves them with its result.

    Made before the templates are listed; :meth:`take` before any catalog is read;
    :meth:`save` at the end.  A record that could not be trusted is not saved (the next
    status then counts, from its digest-keyed cache).
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self.taken = stamps.now()
        self.code = stamps.code_stamp()
        self.locales = config.rel(config.locales_dir)
        self.skip = sorted({config.legacy_templates_dir.name, config.source_language,
                            *config.languages})
        self.listing = stamps.listing(str(config.locales_dir), ".pot", frozenset(self.skip))
        self.domains: list[str] = []
        self.signatures: dict[str, stamps.Stamp | None] = {}

    def take(self, langs: list[str], domains: list[str]) -> None:
        """The signatures of every file the counting of ``langs`` will read."""
        from .glossary import TBX_NAME, glossary_path

        config = self.config
        self.domains = domains
        paths = [config.templates_po_dir / f"{domain}.pot" for domain in domains]
        for lang in langs:
            paths += [config.po_dir(lang) / f"{domain}.po" for domain in domains]
            glossary = glossary_path(config, lang)
            paths += [glossary, glossary.with_name(TBX_NAME)]
        self.signatures = {config.rel(path): stamps.stamp(str(path)) for path in paths}

    def save(self, langs: list[str], rows: list[_Row], fresh: dict[str, list[Any]]) -> None:
        """Save the record of ``langs`` (counted as ``rows``, ``fresh`` holding each counted
        file's cache entry), keeping the record's other languages when they still hold."""
        record = self._record(langs, rows, fresh)
        if record is None:
            return
        path = self.config.root / CACHE_PATH
        try:  # the other languages' records hold if everything they share is the same
            old = json.loads(path.read_bytes())
            kept = _settled(old)
            if {**kept, "langs": None} == {**_settled(record), "langs": None}:
                record["langs"] = {**{lang: old["langs"][lang] for lang in old["langs"]
                                      if lang in self.config.languages and lang not in langs},
                                   **record["langs"]}
                if kept == _settled(record):
                    return  # the same record, taken earlier: still true, left as it is
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            pass
        from ..errors import OutputError
        from ..machinery.fsutil import write_if_changed

        try:
            write_if_changed(path, json.dumps(record, separators=(",", ":"), ensure_ascii=False))
        except OutputError:  # a cache is an optimisation, never a reason to fail
            pass

    def _record(self, langs: list[str], rows: list[_Row],
                fresh: dict[str, list[Any]]) -> dict[str, Any] | None:
        """What :meth:`save` writes, or None when it could not be trusted."""
        config = self.config
        source = config.source
        raw_locales = _set_locales(source)
        if (not source or raw_locales is None or stamps.stamp_is_racy(self.code, self.taken)
                or not config.locales_dir.is_relative_to(config.root)):
            return None
        if any(exists and counted != rel for _, _, rel, exists, counted in rows):
            return None  # a catalog that could not be read: a status raises its error
        templates = self._templates(rows, fresh)
        sections = {lang: section for lang in langs
                    if (section := self._section(lang, rows, fresh)) is not None}
        if templates is None or not sections:
            return None
        return {"format": [_FORMAT, __version__], "root": str(config.root), "taken": self.taken,
                "config": source.decode("utf-8", "surrogateescape"), "code": self.code,
                "locales": self.locales, "locales_as_set": raw_locales, "skip": self.skip,
                "languages": list(config.languages), "min_percent": config.min_percent,
                "listing": self.listing, "domains": self.domains, "templates": templates,
                "langs": sections}

    def _templates(self, rows: list[_Row], fresh: dict[str, list[Any]]) -> list[Any] | None:
        """Each template's signature, with the digest its counts were made from when it is
        racy; None when a template changed while counted or is not there."""
        template_dir = self.config.rel(self.config.templates_po_dir) + "/"
        digests: dict[str, set[str]] = {}
        for _, domain, _, exists, counted in rows:
            key = fresh[counted][0]
            digests.setdefault(domain, set()).add(key.rsplit(":", 1)[1] if exists else key)
        result = []
        for domain in self.domains:
            signature = self.signatures[f"{template_dir}{domain}.pot"]
            found = digests.get(domain, set())
            if signature is None or len(found) > 1:
                return None
            digest = found.pop() if found else None
            result.append([signature, digest if stamps.racy(signature, self.taken) else None])
        return result

    def _section(self, lang: str, rows: list[_Row],
                 fresh: dict[str, list[Any]]) -> dict[str, Any] | None:
        """A language's rows and glossaries; None when a glossary is racy (its signature is
        then all there is to tell it by: the language is left out of the record)."""
        from .glossary import TBX_NAME, glossary_path

        glossary = glossary_path(self.config, lang)
        rels = (self.config.rel(glossary), self.config.rel(glossary.with_name(TBX_NAME)))
        if any(stamps.racy(self.signatures[rel], self.taken) for rel in rels):
            return None
        found = []
        for row_lang, _, rel, exists, counted in rows:
            if row_lang != lang:
                continue
            signature = self.signatures[rel]
            key, counts = fresh[counted]
            digest = key.split("/", 1)[0] if exists and stamps.racy(signature, self.taken) else None
            found.append([exists, signature, digest, [counts[name] for name in FIELDS]])
        return {"prefix": self.config.rel(self.config.po_dir(lang)) + "/", "taken": self.taken,
                "glossaries": [[rel, self.signatures[rel]] for rel in rels], "rows": found}


def _settled(record: dict[str, Any]) -> dict[str, Any]:
    """A record without when it was taken and the digests that depend on it: two records
    equal so hold the same signatures and counts."""
    langs = {lang: {"prefix": section["prefix"], "glossaries": section["glossaries"],
                    "rows": [[exists, signature, counts] for exists, signature, _, counts
                             in section["rows"]]}
             for lang, section in record["langs"].items()}
    return {**record, "taken": None, "templates": [signature for signature, _ in record["templates"]],
            "langs": langs}


def _set_locales(source: bytes) -> str | None:
    """``[paths] locales`` as ``twp.toml`` sets it (``locales`` when it does not), or None when
    it cannot be told."""
    import tomllib

    try:
        value = tomllib.loads(source.decode("utf-8-sig")).get("paths", {}).get("locales", "locales")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None
