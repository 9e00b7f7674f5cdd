"""Merging two versions of ``locales/dates.json`` (two branches that both ran ``twp sync``).

The record is merged article by article, so no person has to:

* an article in both versions: the earlier ``published``, and ``changed`` and ``text``
  of the version changed later (the same ``changed`` on both: the greater ``text``, so
  the merge is the same whichever side is "ours");
* an article in one version only: kept, unless it was in the common ancestor and the
  other side removed it (its article or language is gone) while this side left it as it
  was; one changed on this side since is kept (the next ``twp sync`` removes it if its
  article is really gone).

Without a common ancestor (git's ``%O`` empty, or conflict markers without its section)
every article of both versions is kept.  :func:`split_markers` rebuilds both versions from
a file git's line merge left with conflict markers.  Reading and writing the record is
:mod:`.dates`'s; git's merge driver (``twp merge-po``) is in :mod:`.gitmerge`.

>>> from collections import namedtuple
>>> Dates = namedtuple("Dates", "published changed text")
>>> ours = {"fr": {"a": Dates("2026-01-02", "2026-01-05", "x")}}
>>> theirs = {"fr": {"a": Dates("2026-01-01", "2026-01-03", "y")}}
>>> merge_records(None, ours, theirs, Dates)["fr"]["a"]
Dates(published='2026-01-01', changed='2026-01-05', text='x')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

__all__ = ["Dated", "merge_records", "split_markers"]

_MARKER = re.compile(r"^(<{7}|\|{7}|={7}|>{7})(?: .*)?$")


class Dated(Protocol):
    """One article's record (:class:`~twp_i18n.catalog.dates.TranslationDates`)."""

    @property
    def published(self) -> Any: ...
    @property
    def changed(self) -> Any: ...
    @property
    def text(self) -> str: ...


D = TypeVar("D", bound=Dated)
Records = Mapping[str, Mapping[str, D]]


def merge_records(base: Records[D] | None, ours: Records[D], theirs: Records[D],
                  make: Callable[[Any, Any, str], D]) -> dict[str, dict[str, D]]:
    """The three-way merge of two records (``base``: their common ancestor, if known);
    ``make(published, changed, text)`` builds a merged article's record."""
    merged: dict[str, dict[str, D]] = {}
    for lang in sorted(set(ours) | set(theirs)):
        mine, other = ours.get(lang, {}), theirs.get(lang, {})
        old = (base or {}).get(lang, {})
        articles: dict[str, D] = {}
        for slug in sorted(set(mine) | set(other)):
            found = _merge_one(old.get(slug), mine.get(slug), other.get(slug),
                               base is not None, make)
            if found is not None:
                articles[slug] = found
        if articles:
            merged[lang] = articles
    return merged


def _merge_one(old: D | None, mine: D | None, other: D | None, known_base: bool,
               make: Callable[[Any, Any, str], D]) -> D | None:
    if mine is not None and other is not None:
        later = max(mine, other, key=lambda d: (d.changed, d.text))
        return make(min(mine.published, other.published), later.changed, later.text)
    kept = mine if mine is not None else other
    if known_base and old is not None and kept == old:
        return None  # removed on the other side, left as it was on this one
    return kept


_NEXT = {"<": ("both", "ours"), "|": ("ours", "base"), "=": ("ours base", "theirs"),
         ">": ("theirs", "both")}
"""Marker: (the states it may follow, the state it starts)."""


def split_markers(text: str) -> dict[str, str | None] | None:
    """The versions (``ours``, ``base``, ``theirs``) in a text with git's conflict markers;
    ``base`` None when a block has no ``|||||||`` section; None without markers or when
    they are not in git's order."""
    lines: dict[str, list[str]] = {"ours": [], "base": [], "theirs": []}
    state, blocks, with_base = "both", 0, 0
    for line in text.splitlines(keepends=True):
        marker = _MARKER.match(line.rstrip("\r\n"))
        if marker is None:
            for side in (lines if state == "both" else (state,)):
                lines[side].append(line)
            continue
        kind = marker.group(1)[0]
        after, state_next = _NEXT[kind]
        if state not in after.split():
            return None
        blocks += kind == "<"
        with_base += kind == "|"
        state = state_next
    if state != "both" or not blocks:
        return None
    return {"ours": "".join(lines["ours"]), "theirs": "".join(lines["theirs"]),
            "base": "".join(lines["base"]) if with_base == blocks else None}
