"""Turning status data into text: a terminal table, JSON, CSV or Markdown.

The JSON shape is stable (documented in README.md)::

    {"min_percent": 80.0,
     "languages": [{"language": "es", "units": .., "words": .., "translated": ..,
                    "translated_words": .., "fuzzy": .., "fuzzy_words": ..,
                    "untranslated": .., "untranslated_words": .., "obsolete": ..,
                    "imported": .. (fuzzy entries filled by twp import), "percent": ..,
                    "articles_published": .., "articles_total": ..,
                    "catalogs": [{"article": "slug", "path": "locales/...", "exists": true,
                                  "publishable": true, ...the same counts...}]}]}
"""

from __future__ import annotations

import io

from .counts import Counts, LanguageStatus, floor1

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: this module imports as little as it can
if TYPE_CHECKING:
    from rich.console import Console

COUNT_FIELDS = ("units", "words", "translated", "translated_words", "fuzzy", "fuzzy_words",
                "untranslated", "untranslated_words", "obsolete", "percent")


def render_status(statuses: list[LanguageStatus], fmt: str, min_percent: float, *,
                  per_article: bool, color: bool = False) -> str:
    """The status of the site in one of ``table``, ``json``, ``csv``, ``markdown``."""
    if fmt == "json":
        import json

        data = {"min_percent": min_percent, "languages": [s.as_dict() for s in statuses]}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return _csv(statuses)
    if fmt == "markdown":
        return _markdown(statuses, per_article)
    return _table(statuses, min_percent, per_article, color)


def bar(percent: float, width: int = 20) -> str:
    """A text progress bar: ``██████░░░░``."""
    filled = round(width * percent / 100)
    return "█" * filled + "░" * (width - filled)


def _csv(statuses: list[LanguageStatus]) -> str:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["language", "article", *COUNT_FIELDS, "publishable"])
    for status in statuses:
        for cat in status.catalogs:
            writer.writerow([status.lang, cat.domain, *_values(cat.counts),
                             "yes" if cat.publishable else "no"])
        writer.writerow([status.lang, "(all)", *_values(status.total), ""])
    return out.getvalue()


def _values(counts: Counts) -> list[object]:
    data = counts.as_dict()
    return [data[name] for name in COUNT_FIELDS]


def _markdown(statuses: list[LanguageStatus], per_article: bool) -> str:
    lines = ["| language | article | translated | fuzzy | untranslated | obsolete | words | % | published |",
             "|---|---|--:|--:|--:|--:|--:|--:|---|"]
    for status in statuses:
        t = status.total
        lines.append(f"| {status.lang} | **all** | {t.translated} | {t.fuzzy} | {t.untranslated} | "
                     f"{t.obsolete} | {t.words} | {floor1(t.percent):.1f} | "
                     f"{status.published}/{len(status.articles)} |")
        if per_article:
            for cat in status.catalogs:
                c = cat.counts
                lines.append(f"| {status.lang} | {cat.domain} | {c.translated} | {c.fuzzy} | "
                             f"{c.untranslated} | {c.obsolete} | {c.words} | {floor1(c.percent):.1f} | "
                             f"{'yes' if cat.publishable else 'no'} |")
    return "\n".join(lines) + "\n"


_Cell = tuple[str, str | None]
"""A cell's text, and its style (None: none)."""
_HEADERS = (("language", "left"), ("words translated", "left"), ("%", "right"),
            ("units: done", "right"), ("fuzzy", "right"), ("to do", "right"),
            ("obsolete", "right"), ("articles published", "right"))
_WIDTH = 120
"""The width the table and its notes are laid out in."""


def _notes(statuses: list[LanguageStatus], min_percent: float) -> list[str]:
    """The lines under the table: what % means, and the imported entries to confirm."""
    notes = [f"% = source words translated; an article is published at {min_percent:g}% "
             "(fuzzy counts as not done)"]
    imported = {s.lang: s.total.imported for s in statuses if s.total.imported}
    if imported:
        notes.append("fuzzy entries from 'twp import', to confirm: "
                     + ", ".join(f"{lang} {count}" for lang, count in imported.items()))
    return notes


def _table(statuses: list[LanguageStatus], min_percent: float, per_article: bool,
           color: bool) -> str:
    rows = _table_rows(statuses, min_percent, per_article)
    notes = _notes(statuses, min_percent)
    plain = None if color else _plain_table(rows, notes)
    return plain if plain is not None else _rich_table(rows, notes, color)


def _table_rows(statuses: list[LanguageStatus], min_percent: float,
                per_article: bool) -> list[list[_Cell]]:
    rows = []
    for status in statuses:
        t = status.total
        style = "green" if t.percent >= min_percent else ("yellow" if t.percent >= 20 else "red")
        rows.append([(status.lang, "bold"), (bar(t.percent), style), (f"{floor1(t.percent):.1f}", None),
                     (str(t.translated), None), (str(t.fuzzy), None), (str(t.untranslated), None),
                     (str(t.obsolete), None), (f"{status.published}/{len(status.articles)}", None)])
        if per_article:
            for cat in status.catalogs:
                c = cat.counts
                mark = "✓" if cat.publishable else ("" if cat.domain == "site" else "·")
                rows.append([(f"  {cat.domain}", None), (bar(c.percent, 10), "dim"),
                             (f"{floor1(c.percent):.1f}", None), (str(c.translated), None),
                             (str(c.fuzzy), None), (str(c.untranslated), None),
                             (str(c.obsolete), None), (mark, None)])
    return rows


def _rich_table(rows: list[list[_Cell]], notes: list[str], color: bool) -> str:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for header, justify in _HEADERS:
        table.add_column(header, justify="right" if justify == "right" else "left")
    for row in rows:  # Text, not str: a slug such as "[b]x" is shown as it is, never as markup
        table.add_row(*(Text(text) if style is None else Text(text, style=style)
                        for text, style in row))
    console = _console(color)
    console.print(table)
    for note in notes:
        console.print(note, style="dim")
    out = console.file
    assert isinstance(out, io.StringIO)
    return out.getvalue()


def _console(color: bool) -> Console:
    from rich.console import Console

    return Console(file=io.StringIO(), width=_WIDTH, force_terminal=color, no_color=not color,
                   color_system="standard" if color else None, highlight=False)


_PLAIN_EXTRA = frozenset("█░✓·")


def _plain_cell(text: str) -> bool:
    """Whether rich shows ``text`` one column per character: printable ASCII, or the bars'
    and marks' characters."""
    return all(" " <= ch <= "~" or ch in _PLAIN_EXTRA for ch in text)


def _plain_table(rows: list[list[_Cell]], notes: list[str]) -> str | None:
    """The uncoloured table exactly as rich lays it out, for the common case rich would not
    have to shrink or wrap (an 8-column table of short cells and notes that fit the width);
    None otherwise.  (The status of a site should not wait for rich to load; a test
    compares the two.)"""
    if not all(_plain_cell(text) for row in rows for text, _ in row) or any(
            len(note) >= _WIDTH or not _plain_cell(note) or "[" in note for note in notes):
        return None  # (rich reads the notes as markup)
    last = len(_HEADERS) - 1
    cells = [[header for header, _ in _HEADERS], *([text for text, _ in row] for row in rows)]
    content = [max(len(row[n]) for row in cells) for n in range(len(_HEADERS))]
    # one space of padding on each side of a cell, none at the table's edges
    widths = [size + (n > 0) + (n < last) for n, size in enumerate(content)]
    if sum(widths) > _WIDTH - last:  # rich would shrink the columns
        return None
    lines = []
    for row in cells:
        parts = []
        for n, text in enumerate(row):
            fitted = text.rjust(content[n]) if _HEADERS[n][1] == "right" else text.ljust(content[n])
            parts.append((" " if n > 0 else "") + fitted + (" " if n < last else ""))
        lines.append(" ".join(parts))
    lines.insert(1, "─" * (sum(widths) + last))
    return "\n".join([*lines, *notes]) + "\n"
