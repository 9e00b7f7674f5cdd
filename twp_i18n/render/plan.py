"""The publishing plan: which article is published in which language, decided before rendering.

:func:`twp_i18n.publish.build.build` makes it; the page, feed, book and catalog writers read it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..catalog.dates import TranslationDates
    from ..diagnostics import Diagnostic
    from ..source.content import Article
    from .localize import Localized

__all__ = ["Plan"]


@dataclass
class Plan:
    """Which article is published in which language, decided before rendering."""

    languages: list[str]
    articles: list[Article]
    percent: dict[str, dict[str, float]]
    published: dict[str, list[Article]]
    site_percent: dict[str, float]
    warnings: list[Diagnostic]
    memo: dict[str, Any] = field(default_factory=dict)
    """The per-language part, cached for the next build."""
    localized: dict[str, dict[str, Localized]] = field(default_factory=dict, repr=False)
    """Language -> slug -> the article localized while planning (its HTML made, links to
    articles not published in that language not yet pointed at the source)."""
    slugs: dict[str, set[str]] = field(default_factory=dict, repr=False)
    """Slugs published per language, for membership tests."""
    errors: list[Diagnostic] = field(default_factory=list)
    """The broken inputs left out (catalogs, glossary rows, the dates record)."""
    broken: dict[str, list[str]] = field(default_factory=dict)
    """Language -> slugs whose catalog cannot be read (their previous page is kept)."""
    dates: dict[str, dict[str, TranslationDates]] = field(default_factory=dict)
    """``locales/dates.json``: when each translation was first published and last changed."""

    def __post_init__(self) -> None:
        self.slugs = {lang: {a.slug for a in articles} for lang, articles in self.published.items()}

    def entry_dates(self, lang: str, article: Article) -> tuple[dt.datetime, dt.datetime]:
        """``(published, updated)`` of an article in a language, as its feed entry says.

        A translation is published when the record says it first was (never before the
        English article), and updated at the later of the English update and its own
        last change; without a record (and in the source language) the English dates.
        """
        record = self.dates.get(lang, {}).get(article.slug)
        if record is None:
            return article.date, article.last_modified
        published = max(article.date, record.published)
        return published, max(article.last_modified, record.changed, published)

    def feed_order(self, lang: str) -> list[Article]:
        """The articles published in ``lang``, newest publication in that language first."""
        return sorted(self.published.get(lang, []),
                      key=lambda a: (self.entry_dates(lang, a)[0], a.slug), reverse=True)
