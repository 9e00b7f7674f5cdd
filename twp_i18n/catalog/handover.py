"""What ``twp update`` hands over, per catalog it wrote, to the steps after it.

After the merge, ``update`` records the status of every catalog (:mod:`.status`) and the
dates of its translations (:mod:`.dates`); both would read and parse every catalog again.
The worker that merged a language parses the text it is about to write instead (as a
catalog is read from disk, with its template as the status reads it) and gives back the
entries those steps' caches would hold for exactly those bytes: the steps then find them
as if cached, and whatever else they read (a catalog that changed meanwhile, one ``update``
left alone) they count themselves.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polib

from ..config import Config
from ..errors import CatalogError
from ..machinery import cache
from ..paths import SITE_DOMAIN
from .catalogs import load_catalog
from .checks import Verdicts
from .context import Context, check_context
from .status import counted_entry

__all__ = ["Handover", "Template", "hand_over", "hand_over_language", "revision_date",
           "translation_digest"]

_FORMATS = ("%Y-%m-%d %H:%M%z", "%Y-%m-%d %H:%M:%S%z")


def revision_date(value: str | None) -> dt.datetime | None:
    """A ``PO-Revision-Date`` header value as an aware UTC datetime, or None."""
    text = (value or "").strip()
    for fmt in _FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).astimezone(dt.UTC)
        except ValueError:
            continue
    return None


def translation_digest(po: polib.POFile) -> str:
    """A digest of a catalog's translated text: what a reader of the page would notice."""
    parts = []
    for entry in po:
        if entry.obsolete or entry.fuzzy or (entry.msgid == "" and not entry.msgctxt):
            continue
        forms = ([entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
                 if entry.msgid_plural else [entry.msgstr])
        if any(forms):
            parts.append(_dumps([entry.msgctxt, entry.msgid, entry.msgid_plural, forms]))
    # The JSON list of the parts sorted by their JSON texts, each made once.
    parts.sort()
    return cache.digest(("[" + ", ".join(parts) + "]").encode("utf-8"))


_dumps = json.JSONEncoder(ensure_ascii=False).encode


def dates_entry(data: bytes, po: polib.POFile) -> list[str]:
    """The dates cache's entry for a catalog's bytes (``po``: them parsed): their digest, the
    translation digest and the revision date (``""`` when it has none)."""
    revision = revision_date(po.metadata.get("PO-Revision-Date"))
    return [cache.digest(data), translation_digest(po), revision.isoformat() if revision else ""]


@dataclass(frozen=True)
class Template:
    """A template as the status counts a catalog against it: its bytes, how many times each
    unit is used (:func:`~.status.template_uses`), its words no unit holds, and the words of
    each unit."""

    text: bytes
    uses: dict[tuple[str | None, str], int]
    untranslatable: int
    words: dict[tuple[str | None, str], int]


@dataclass
class Handover:
    """What one language's merge hands over, by path relative to the site root."""

    counted: dict[str, list[Any]] = field(default_factory=dict)
    """Status cache entries (:func:`~.status.counted_entry`)."""
    dated: dict[str, list[str]] = field(default_factory=dict)
    """Dates cache entries (:func:`dates_entry`)."""
    verdicts: dict[str, bool] = field(default_factory=dict)
    """The check verdicts the counting used (for the verdicts cache)."""

    def add(self, other: Handover) -> None:
        self.counted.update(other.counted)
        self.dated.update(other.dated)
        self.verdicts.update(other.verdicts)


def hand_over(config: Config, lang: str, domain: str, rel: str, data: bytes, template: Template,
              verdicts: Verdicts, context: Context, into: Handover,
              parsed: polib.POFile | None = None) -> None:
    """Add to ``into`` what the status and the dates would make of the catalog ``rel``
    holding ``data``; nothing when it cannot be read (they will say why).  ``parsed``: what
    :func:`~.catalogs.load_catalog` gave for exactly these bytes, if it was called."""
    po = parsed
    if po is None:
        try:
            po = load_catalog(config, lang, domain, data)
        except CatalogError:
            return
        assert po is not None
    kind = "site" if domain == SITE_DOMAIN else "article"
    with verdicts.recording() as used:
        into.counted[rel] = counted_entry(data, po, kind, context, template.text, template.uses,
                                          template.untranslatable, verdicts, template.words)
    into.verdicts.update(used)
    if domain != SITE_DOMAIN:
        into.dated[rel] = dates_entry(data, po)


def hand_over_language(config: Config, lang: str, domains: dict[str, str], texts: dict[str, str],
                       on_disk: dict[str, bytes], parsed: dict[str, polib.POFile],
                       template_of: Callable[[str], Template], verdicts: Verdicts,
                       into: Handover) -> None:
    """:func:`hand_over` for the merged catalogs of one language: ``domains`` by path, the
    ``texts`` about to be written, the bytes ``on_disk`` before, and the ``parsed`` catalogs
    of those bytes (by domain), which a catalog written again byte for byte is counted from
    (the merge left them untouched)."""
    contexts = {"article": check_context(config, lang), "site": Context(lang)}
    for rel, domain in domains.items():
        data = texts[rel].encode("utf-8")
        hand_over(config, lang, domain, rel, data, template_of(domain), verdicts,
                  contexts["site" if domain == SITE_DOMAIN else "article"], into,
                  parsed.get(domain) if on_disk.get(rel) == data else None)
