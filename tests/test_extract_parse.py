"""Extraction reads an article's blocks only (``parse_body(..., inline=False)``): every
unit it finds (msgid, msgctxt, kind, line, words), the link definitions, the notes and
the nesting verdict are those of the full parse that status, check and the build use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from twp_i18n.errors import ContentError
from twp_i18n.source import segments
from twp_i18n.source.content import Article, load_articles
from twp_i18n.source.segments import article_units, body_notes, parse_body, untranslatable_words

from .conftest import REPO
from .test_fidelity import spec_examples
from .test_real_markdown import GUIDE


def make(body: str, title: str = "Example") -> Article:
    return Article(slug="a", path=Path("a.md"), rel_path="content/en/a.md", title=title,
                   date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), updated=None,
                   body=body, body_line=5, field_lines={"title": 2})


def extraction(article: Article, inline: bool) -> object:
    """Everything extraction takes from one parse of ``article``."""
    env: dict[str, object] = {}
    tokens = parse_body(article, env, inline=inline)
    try:
        units = article_units(article, tokens)
    except ContentError as error:
        return ("refused", str(error), error.line)
    return ([(u.text, u.context, u.kind, u.line, u.block, u.words) for u in units],
            [(t.type, t.tag, t.content, t.map) for t in tokens], env,
            [note.as_dict() for note in body_notes(article, tokens, env)],
            untranslatable_words(tokens))


def differences(articles: list[Article]) -> list[str]:
    return [article.body[:200] for article in articles
            if extraction(article, inline=False) != extraction(article, inline=True)]


def demo_articles() -> list[Article]:
    from twp_i18n.config import load_config

    articles: list[Article] = []
    for site in (REPO, REPO / "tests" / "data" / "minimal"):
        articles += load_articles(load_config(site))
    return articles


TRICKY = [
    "![alone](a.png)\n", "  ![alone, indented](a.png 'title')\n", "![one](a.png) ![two](b.png)\n",
    "![ref image][pic]\n\n[pic]: /p.png\n", "![undefined][nothing]\n",
    "- ![in a list](a.png)\n- text\n", "> ![quoted](a.png)\n", "| ![cell](a.png) |\n|---|\n",
    "Text <b>bold\nacross</b> lines\n", "A `code <b>` span and <i>html</i>\n",
    "<div>\n\n" + "<span>" * 30 + "deep\n\n</div>\n",
    "Words " + "<em>" * 300 + "deep\n", "# Example\n\nThe title again.\n",
    "Ends with a hard break\\\nand `code\nspan` and [link][x]\n\n[x]: <https://e.org/ x>\n",
    "> [!NOTE]\n> An alert ![img](a.png)\n", "{{< figure src=\"a.png\" >}}\n",
    '<aside markdown="1">\n![inside](a.png)\n\nProse **here**.\n</aside>\n',
]


@pytest.mark.parametrize("bodies", ["spec", "tricky", "demo"])
def test_extraction_reads_the_units_of_the_full_parse(bodies):
    if bodies == "spec":
        articles = [make(example) for example in spec_examples()]
    elif bodies == "tricky":
        articles = [make(body) for body in TRICKY]
        articles.append(make(GUIDE.split("---\n", 2)[2], title="Walking the river path"))
    else:
        articles = demo_articles()
    assert len(articles) >= 5
    assert differences(articles) == []


def test_the_comparison_sees_a_block_read_without_its_inline_markup(monkeypatch):
    # Were the children of an image alone in its paragraph left out, its unit would be a
    # paragraph holding the image's source, not its alt text: the comparison says so.
    monkeypatch.setattr(segments, "inline_children", lambda content, env: [])
    assert differences([make(TRICKY[0]), make("Plain text.\n")]) == [TRICKY[0]]
