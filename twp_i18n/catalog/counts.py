"""What ``twp status`` reports, as plain records: counts per catalog and per language.

Apart from :mod:`.status` (which counts) so that a status answered from its cache
(:mod:`.quickstatus`) and the text made of it (:mod:`.report`) import almost nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

SITE_DOMAIN = "site"
"""The interface strings' domain (:data:`twp_i18n.paths.SITE_DOMAIN`, repeated here so that
this module need not import the path rules)."""


FIELDS = ("units", "words", "translated", "translated_words", "fuzzy", "fuzzy_words",
          "untranslated", "untranslated_words", "obsolete", "imported", "untranslatable_words")
"""The fields of :class:`Counts`, in order."""


def floor1(percent: float) -> float:
    """A percentage cut (not rounded) to one decimal: 79.96 shows as 79.9, never 80.0.

    >>> floor1(79.96)
    79.9
    """
    return math.floor(percent * 10 + 1e-9) / 10


@dataclass
class Counts:
    """Units and source words by state."""

    units: int = 0
    words: int = 0
    translated: int = 0
    translated_words: int = 0
    fuzzy: int = 0
    fuzzy_words: int = 0
    untranslated: int = 0
    untranslated_words: int = 0
    obsolete: int = 0
    imported: int = 0
    """Of the fuzzy entries, those ``twp import`` filled (still to be confirmed)."""
    untranslatable_words: int = 0
    """Words of the English no unit holds (prose inside raw HTML): never translatable."""

    @property
    def percent(self) -> float:
        """Percent of source words translated (fuzzy counts as untranslated); not rounded."""
        return 100.0 if self.words == 0 else 100.0 * self.translated_words / self.words

    def add(self, other: Counts) -> None:
        for name in FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int | float]:
        return {
            "units": self.units, "words": self.words,
            "translated": self.translated, "translated_words": self.translated_words,
            "fuzzy": self.fuzzy, "fuzzy_words": self.fuzzy_words,
            "untranslated": self.untranslated, "untranslated_words": self.untranslated_words,
            "obsolete": self.obsolete, "imported": self.imported,
            "untranslatable_words": self.untranslatable_words,
            "percent": floor1(self.percent),
        }


@dataclass
class CatalogStatus:
    """One catalog (an article, or ``site``) in one language."""

    lang: str
    domain: str
    path: str
    counts: Counts
    exists: bool
    publishable: bool

    def as_dict(self) -> dict[str, object]:
        return {"article": self.domain, "path": self.path, "exists": self.exists,
                "publishable": self.publishable, **self.counts.as_dict()}


@dataclass
class LanguageStatus:
    """All catalogs of one language, with totals."""

    lang: str
    catalogs: list[CatalogStatus] = field(default_factory=list)
    total: Counts = field(default_factory=Counts)

    @property
    def articles(self) -> list[CatalogStatus]:
        return [c for c in self.catalogs if c.domain != SITE_DOMAIN]

    @property
    def published(self) -> int:
        return sum(1 for c in self.articles if c.publishable)

    def as_dict(self) -> dict[str, object]:
        return {"language": self.lang, **self.total.as_dict(),
                "articles_published": self.published, "articles_total": len(self.articles),
                "catalogs": [c.as_dict() for c in self.catalogs]}
