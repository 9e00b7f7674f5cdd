"""What ``twp status`` reports, as plain records: counts per catalog and per language.

Apart from :mod:`.status` (which counts) so that a status answered from its cache
(:mod:`.quickstatus`) and the text made of it (:mod:`.report`) import almost nothing: the
records are plain classes written out (equal when their fields are, shown with them), not
dataclasses, whose module costs a status with nothing changed a tenth of its time.
"""

from __future__ import annotations

import math

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


class _Record:
    """Equality and ``repr`` by the fields named in ``_fields``, as a dataclass has them."""

    _fields: tuple[str, ...] = ()
    __hash__ = None  # type: ignore[assignment]  # mutable: not hashable

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self._fields)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({shown})"


class Counts(_Record):
    """Units and source words by state.

    ``imported``: of the fuzzy entries, those ``twp import`` filled (still to be
    confirmed).  ``untranslatable_words``: words of the English no unit holds (prose
    inside raw HTML), never translatable.
    """

    _fields = FIELDS

    def __init__(self, units: int = 0, words: int = 0, translated: int = 0,
                 translated_words: int = 0, fuzzy: int = 0, fuzzy_words: int = 0,
                 untranslated: int = 0, untranslated_words: int = 0, obsolete: int = 0,
                 imported: int = 0, untranslatable_words: int = 0) -> None:
        self.units, self.words = units, words
        self.translated, self.translated_words = translated, translated_words
        self.fuzzy, self.fuzzy_words = fuzzy, fuzzy_words
        self.untranslated, self.untranslated_words = untranslated, untranslated_words
        self.obsolete, self.imported = obsolete, imported
        self.untranslatable_words = untranslatable_words

    @property
    def percent(self) -> float:
        """Percent of source words translated (fuzzy counts as untranslated); not rounded."""
        return 100.0 if self.words == 0 else 100.0 * self.translated_words / self.words

    def add(self, other: Counts) -> None:
        self.units += other.units
        self.words += other.words
        self.translated += other.translated
        self.translated_words += other.translated_words
        self.fuzzy += other.fuzzy
        self.fuzzy_words += other.fuzzy_words
        self.untranslated += other.untranslated
        self.untranslated_words += other.untranslated_words
        self.obsolete += other.obsolete
        self.imported += other.imported
        self.untranslatable_words += other.untranslatable_words

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


class CatalogStatus(_Record):
    """One catalog (an article, or ``site``) in one language."""

    _fields = ("lang", "domain", "path", "counts", "exists", "publishable")

    def __init__(self, lang: str, domain: str, path: str, counts: Counts, exists: bool,
                 publishable: bool) -> None:
        self.lang, self.domain, self.path, self.counts = lang, domain, path, counts
        self.exists, self.publishable = exists, publishable

    def as_dict(self) -> dict[str, object]:
        return {"article": self.domain, "path": self.path, "exists": self.exists,
                "publishable": self.publishable, **self.counts.as_dict()}


class LanguageStatus(_Record):
    """All catalogs of one language, with totals."""

    _fields = ("lang", "catalogs", "total")

    def __init__(self, lang: str, catalogs: list[CatalogStatus] | None = None,
                 total: Counts | None = None) -> None:
        self.lang = lang
        self.catalogs: list[CatalogStatus] = [] if catalogs is None else catalogs
        self.total = Counts() if total is None else total

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
