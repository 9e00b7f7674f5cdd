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

import csv
import io
import json

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .status import Counts, LanguageStatus, floor1

COUNT_FIELDS = ("units", "words", "translated", "translated_words", "fuzzy", "fuzzy_words",
                "untranslated", "untranslated_words", "obsolete", "percent")


def render_status(statuses: list[LanguageStatus], fmt: str, min_percent: float, *,
                  per_article: bool, color: bool = False) -> str:
    """The status of the site in one of ``table``, ``json``, ``csv``, ``markdown``."""
    if fmt == "json":
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


def _table(statuses: list[LanguageStatus], min_percent: float, per_article: bool,
           color: bool) -> str:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("language")
    table.add_column("words translated")
    table.add_column("%", justify="right")
    table.add_column("units: done", justify="right")
    table.add_column("fuzzy", justify="right")
    table.add_column("to do", justify="right")
    table.add_column("obsolete", justify="right")
    table.add_column("articles published", justify="right")
    for status in statuses:
        t = status.total
        style = "green" if t.percent >= min_percent else ("yellow" if t.percent >= 20 else "red")
        table.add_row(
            Text(status.lang, style="bold"), Text(bar(t.percent), style=style), f"{floor1(t.percent):.1f}",
            str(t.translated), str(t.fuzzy), str(t.untranslated), str(t.obsolete),
            f"{status.published}/{len(status.articles)}",
        )
        if per_article:
            for cat in status.catalogs:
                c = cat.counts
                mark = "✓" if cat.publishable else ("" if cat.domain == "site" else "·")
                table.add_row(
                    f"  {cat.domain}", Text(bar(c.percent, 10), style="dim"), f"{floor1(c.percent):.1f}",
                    str(c.translated), str(c.fuzzy), str(c.untranslated), str(c.obsolete), mark,
                )
    console = Console(file=io.StringIO(), width=120, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False)
    console.print(table)
    console.print(f"% = source words translated; an article is published at {min_percent:g}% "
                  "(fuzzy counts as not done)", style="dim")
    imported = {s.lang: s.total.imported for s in statuses if s.total.imported}
    if imported:
        console.print("fuzzy entries from 'twp import', to confirm: "
                      + ", ".join(f"{lang} {count}" for lang, count in imported.items()), style="dim")
    out = console.file
    assert isinstance(out, io.StringIO)
    return out.getvalue()
