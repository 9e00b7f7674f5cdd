"""The publishing plan: which article is published in which language, decided before rendering.

:func:`twp_i18n.publish.build.build` makes it; the page, feed, book and catalog writers read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..source.content import Article
    from .localize import CatalogView

__all__ = ["Plan"]


@dataclass
class Plan:
    """Which article is published in which language, decided before rendering."""

    languages: list[str]
    articles: list[Article]
    percent: dict[str, dict[str, float]]
    published: dict[str, list[Article]]
    site_percent: dict[str, float]
    warnings: list[str]
    memo: dict[str, Any] = field(default_factory=dict)
    """The per-language part, cached for the next build."""
    views: dict[str, dict[str, CatalogView]] = field(default_factory=dict, repr=False)
    """Catalogs read while planning, reused when rendering in the same process."""
    slugs: dict[str, set[str]] = field(default_factory=dict, repr=False)
    """Slugs published per language, for membership tests."""
    words: dict[str, int] = field(default_factory=dict, repr=False)
    """Word count of unit texts, when planning counted them."""
    errors: list[str] = field(default_factory=list)
    """``path:line: ...`` of the broken inputs left out (catalogs, glossaries)."""
    broken: dict[str, list[str]] = field(default_factory=dict)
    """Language -> slugs whose catalog cannot be read (their previous page is kept)."""

    def __post_init__(self) -> None:
        self.slugs = {lang: {a.slug for a in articles} for lang, articles in self.published.items()}
