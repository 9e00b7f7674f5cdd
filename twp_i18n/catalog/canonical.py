"""``twp format``: rewrite catalogs in canonical form, on purpose.

Other commands keep every entry they do not change as they found it, whatever tool
wrote it; this one writes whole files as ``msgcat`` would (see :func:`pofile.format_po`),
with the catalogs' ``#:`` references as ``[catalogs] references`` says (templates keep
file and line).  Switching a site's catalogs to that form is one diff, made here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..errors import CatalogError
from ..machinery.fsutil import files, write_if_changed
from . import pofile
from .catalogs import check_plural_counts, pot_files
from .poguard import check_kept


@dataclass
class FormatReport:
    """What ``format`` found (paths relative to the site root, in order)."""

    changed: list[str] = field(default_factory=list)
    """Files not in canonical form: rewritten, or (with ``check``) to rewrite."""
    unchanged: list[str] = field(default_factory=list)


def canonical_bytes(data: bytes, display: str, references: str, config: Config) -> bytes:
    """The canonical form of a catalog's bytes, its references as ``references`` says
    (``line`` for a template).  A broken catalog raises :class:`CatalogError`."""
    po = pofile.parse_po(pofile.decode(data, display), display, limits=config.limits)
    check_plural_counts(po, display)
    if references != "line":
        for entry in po:
            entry.occurrences = pofile.project_references(entry.occurrences, references)
    return pofile.format_po(po).encode("utf-8")


def format_catalogs(config: Config, *, languages: Iterable[str] | None = None,
                    check: bool = False) -> FormatReport:
    """Rewrite every catalog of ``languages`` (default: all, and the templates) in
    canonical form; with ``check``, write nothing and only report.

    Every file is read and checked first: if one is broken, a :class:`CatalogError`
    naming each broken file is raised and nothing is written; the writer's guard
    (:func:`~twp_i18n.catalog.poguard.check_kept`) stops the command if a file would
    lose a translation or a translator's comment.
    """
    targets: list[tuple[Path, str]] = []
    if languages is None:
        targets += [(path, "line") for path in pot_files(config).values()]
    for lang in languages if languages is not None else config.languages:
        targets += [(path, config.catalogs.references)
                    for path in files(config.po_dir(lang), "*.po")]
    report = FormatReport()
    writes: list[tuple[Path, bytes]] = []
    broken: list[CatalogError] = []
    for path, references in targets:
        rel = config.rel(path)
        try:
            data = pofile.read_bytes(path, rel, config.limits)
            text = canonical_bytes(data, rel, references, config)
            if text != data and not check:
                check_kept(data, text, rel)
        except CatalogError as exc:
            broken.append(exc)
            continue
        if text == data:
            report.unchanged.append(rel)
        else:
            report.changed.append(rel)
            writes.append((path, text))
    if broken:
        if len(broken) == 1:
            raise broken[0]
        first = broken[0]
        raise CatalogError(f"{len(broken)} catalogs are broken; nothing was written:",
                           path=first.path, line=first.line, hint=first.hint,
                           details=[f"{error.location}: {error.message}" for error in broken])
    if not check:
        for path, text in writes:
            write_if_changed(path, text)
    return report
