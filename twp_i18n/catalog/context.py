"""What checking a language's entries needs besides the entries: its :class:`Context`.

Apart from :mod:`~twp_i18n.catalog.checks` so that a command answering from its
caches (``twp status`` with nothing changed) can compute the digest verdicts and
counts are kept by without loading the checks and the Markdown parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from ..config import DEFAULT_DOSE_UNITS, Config
from ..machinery import cache
from .glossary import Glossary, load_glossary

__all__ = ["DEFAULT_CONTEXT", "Context", "check_context"]


@dataclass(frozen=True)
class Context:
    """What checking an entry needs beyond the entry: the languages (numbers are read the
    way either writes them), the units of doses, and the language's glossary."""

    lang: str | None = None
    """The translation's language; None reads numbers with either decimal separator."""
    source_lang: str = "en"
    dose_units: tuple[str, ...] = DEFAULT_DOSE_UNITS
    glossary: Glossary = field(default_factory=Glossary)
    allowed_hosts: tuple[str, ...] = ()
    """``[check] allowed_link_hosts``: sites a translation may link to that its source does not."""
    markdown: str = "commonmark"
    """``[content] markdown``: with ``kramdown``, span attribute lists are kept as written."""

    @cached_property
    def key(self) -> str:
        """A digest of what verdicts depend on (for :class:`~twp_i18n.catalog.checks.Verdicts`), made once."""
        flavour = () if self.markdown == "commonmark" else (self.markdown,)
        return cache.digest(repr((self.lang, self.source_lang, self.dose_units,
                                  self.glossary.key, self.allowed_hosts, *flavour)
                                 ).encode("utf-8"))


DEFAULT_CONTEXT = Context()


def check_context(config: Config, lang: str) -> Context:
    """The :class:`Context` of ``lang``'s catalogs on a site (its glossary is read)."""
    return Context(lang, config.source_language, config.check.dose_units,
                   load_glossary(config, lang), config.check.allowed_link_hosts,
                   config.content.markdown)


